/* sf_error: the three envelopes, bodies that are none of them, and kinds. */
#include "sf_error.h"

#include <glib.h>
#include <string.h>

static struct sf_error *from(long status, const char *ct, const char *body)
{
	return sf_error_from_http(status, ct, body, body ? strlen(body) : 0);
}

static void test_parses_rest_error_array(void)
{
	struct sf_error *err =
	    from(400, "application/json",
		 "[{\"fields\":[\"LastName\"],\"message\":\"Required fields are "
		 "missing: [LastName]\",\"errorCode\":\"REQUIRED_FIELD_MISSING\"}]");
	g_assert_cmpint(err->kind, ==, SF_ERR_INVALID_REQUEST);
	g_assert_cmpint(err->http_status, ==, 400);
	g_assert_cmpstr(err->code, ==, "REQUIRED_FIELD_MISSING");
	g_assert_cmpstr(err->fields[0], ==, "LastName");
	g_assert_null(err->fields[1]);
	g_assert_cmpstr(err->message, ==,
			"Required fields are missing: [LastName] (REQUIRED_FIELD_MISSING, HTTP "
			"400, fields: LastName)");
	sf_error_free(err);
}

static void test_joins_several_rest_errors(void)
{
	struct sf_error *err =
	    from(400, NULL,
		 "[{\"message\":\"a\",\"errorCode\":\"X\"},{\"message\":\"b\","
		 "\"errorCode\":\"Y\"},{\"message\":\"c\"},{\"message\":\"d\"}]");
	g_assert_cmpstr(err->code, ==, "X");
	g_assert_cmpstr(err->message, ==, "a; b; c; and 1 more (X, HTTP 400)");
	sf_error_free(err);
}

static void test_parses_oauth_error(void)
{
	struct sf_error *err =
	    from(400, "application/json",
		 "{\"error\":\"invalid_client_id\",\"error_description\":\"client identifier "
		 "invalid\"}");
	g_assert_cmpint(err->kind, ==, SF_ERR_AUTH);
	g_assert_cmpstr(err->code, ==, "invalid_client_id");
	g_assert_cmpstr(err->message, ==,
			"client identifier invalid (invalid_client_id, HTTP 400)");
	sf_error_free(err);
}

static void test_parses_per_record_error(void)
{
	cJSON *item = cJSON_Parse("{\"statusCode\":\"DUPLICATES_DETECTED\",\"message\":\"Use one "
				  "of these records?\",\"fields\":[]}");
	struct sf_error *err = sf_error_from_record_error(item, 200);
	g_assert_cmpint(err->kind, ==, SF_ERR_INVALID_REQUEST);
	g_assert_cmpint(err->http_status, ==, 0);
	g_assert_cmpstr(err->code, ==, "DUPLICATES_DETECTED");
	g_assert_cmpstr(err->message, ==, "Use one of these records? (DUPLICATES_DETECTED)");
	g_assert_null(err->fields[0]);
	sf_error_free(err);
	cJSON_Delete(item);

	item = cJSON_Parse("{\"statusCode\":\"ALL_OR_NONE_OPERATION_ROLLED_BACK\",\"message\":"
			   "\"Record rolled back\"}");
	err = sf_error_from_record_error(item, 200);
	g_assert_cmpint(err->kind, ==, SF_ERR_ROLLED_BACK);
	g_assert_true(sf_error_is_transient(err));
	sf_error_free(err);
	cJSON_Delete(item);

	item = cJSON_Parse("{\"fields\":[]}");
	err = sf_error_from_record_error(item, 200);
	g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
	sf_error_free(err);
	cJSON_Delete(item);
}

static void test_codes_decide_kind_over_status(void)
{
	struct {
		long status;
		const char *body;
		enum sf_error_kind kind;
		bool transient;
	} cases[] = {
	    {403,
	     "[{\"message\":\"TotalRequests Limit exceeded.\",\"errorCode\":"
	     "\"REQUEST_LIMIT_EXCEEDED\"}]",
	     SF_ERR_LIMIT_EXCEEDED, true},
	    {403, "[{\"message\":\"no\",\"errorCode\":\"INSUFFICIENT_ACCESS\"}]", SF_ERR_PERMISSION,
	     false},
	    {400,
	     "[{\"message\":\"unable to obtain exclusive access to this record\","
	     "\"errorCode\":\"UNABLE_TO_LOCK_ROW\"}]",
	     SF_ERR_LOCK_ROW, true},
	    {503, "[{\"message\":\"down\",\"errorCode\":\"SERVER_UNAVAILABLE\"}]",
	     SF_ERR_TRANSIENT_SERVER, true},
	    {404,
	     "[{\"message\":\"entity is deleted\",\"errorCode\":\"ENTITY_IS_DELETED\","
	     "\"fields\":[]}]",
	     SF_ERR_NOT_FOUND, false},
	    {401, "[{\"message\":\"INVALID_AUTH_HEADER\",\"errorCode\":\"INVALID_AUTH_HEADER\"}]",
	     SF_ERR_AUTH, false},
	    {500,
	     "[{\"message\":\"An unexpected error occurred.\",\"errorCode\":"
	     "\"UNKNOWN_EXCEPTION\"}]",
	     SF_ERR_TRANSIENT_SERVER, true},
	    {429, "", SF_ERR_LIMIT_EXCEEDED, true},
	    {502, NULL, SF_ERR_TRANSIENT_SERVER, true},
	    {400, "{\"error\":\"rate_limit_exceeded\",\"error_description\":\"slow down\"}",
	     SF_ERR_LIMIT_EXCEEDED, true},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct sf_error *err = from(cases[i].status, NULL, cases[i].body);
		g_assert_cmpint(err->kind, ==, cases[i].kind);
		g_assert_cmpint(sf_error_is_transient(err), ==, cases[i].transient);
		g_assert_cmpint(err->http_status, ==, cases[i].status);
		sf_error_free(err);
	}
}

static void test_html_error_page_names_its_title(void)
{
	struct sf_error *err = from(503, "text/html; charset=utf-8",
				    "<!DOCTYPE html>\n<html><head><TITLE>Service\n Unavailable"
				    "</TITLE></head><body>maintenance</body></html>");
	g_assert_cmpint(err->kind, ==, SF_ERR_TRANSIENT_SERVER);
	g_assert_true(sf_error_is_transient(err));
	g_assert_cmpstr(err->message, ==,
			"HTTP 503 server error, with an HTML page titled \"Service Unavailable\"");
	sf_error_free(err);
}

static void test_html_on_success_is_bad_response(void)
{
	const char *body = "<html><body>Login</body></html>";
	cJSON *json;
	struct sf_error *err = sf_json_parse(200, "text/html", body, strlen(body), false, &json);
	g_assert_null(json);
	g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
	g_assert_false(sf_error_is_transient(err));
	g_assert_cmpstr(err->message, ==,
			"unexpected answer (HTTP 200): expected JSON, got an HTML page");
	sf_error_free(err);
}

static void test_garbage_is_quoted_short_and_sanitized(void)
{
	GString *body = g_string_new("\x01garbage\r\nwith\ttabs \xff\xfe and more ");
	for (int i = 0; i < 50; i++)
		g_string_append(body, "xxxxxxxxxx");
	cJSON *json;
	struct sf_error *err =
	    sf_json_parse(200, "application/json", body->str, body->len, false, &json);
	g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
	g_assert_true(g_str_has_prefix(err->message, "unexpected answer (HTTP 200): expected "
						     "JSON, got \"garbage with tabs ?? and more"));
	g_assert_true(g_str_has_suffix(err->message, "...\""));
	g_assert_cmpuint(strlen(err->message), <, 200);
	for (const char *p = err->message; *p; p++)
		g_assert_true(g_ascii_isprint(*p));
	sf_error_free(err);
	g_string_free(body, TRUE);
}

static void test_truncated_json_is_reported_as_truncated(void)
{
	const char *body = "{\"totalSize\":3,\"done\":true,\"records\":[{\"Id\":\"001";
	cJSON *json;
	struct sf_error *err = sf_json_parse(200, NULL, body, strlen(body), false, &json);
	g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
	g_assert_nonnull(strstr(err->message, "truncated"));
	g_assert_nonnull(strstr(err->message, "{\"totalSize\":3"));
	sf_error_free(err);
}

static void test_secret_bodies_are_never_quoted(void)
{
	const char *body = "{\"access_token\":\"00Dx!SECRET";
	cJSON *json;
	struct sf_error *err = sf_json_parse(200, NULL, body, strlen(body), true, &json);
	g_assert_null(strstr(err->message, "SECRET"));
	g_assert_nonnull(strstr(err->message, "truncated"));
	sf_error_free(err);
	body = "access_token=00Dx!SECRET";
	err = sf_json_parse(200, NULL, body, strlen(body), true, &json);
	g_assert_null(strstr(err->message, "SECRET"));
	sf_error_free(err);
}

static void test_trailing_garbage_is_bad_response(void)
{
	const char *body = "{\"a\":1} trailing";
	cJSON *json;
	struct sf_error *err = sf_json_parse(200, NULL, body, strlen(body), false, &json);
	g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
	g_assert_null(json);
	sf_error_free(err);
	body = "  [1, 2]\n";
	g_assert_null(sf_json_parse(200, NULL, body, strlen(body), false, &json));
	cJSON_Delete(json);
}

static void test_empty_error_body_uses_status(void)
{
	struct sf_error *err = from(404, NULL, "");
	g_assert_cmpint(err->kind, ==, SF_ERR_NOT_FOUND);
	g_assert_cmpstr(err->message, ==, "HTTP 404 error, with no error details");
	g_assert_null(err->code);
	sf_error_free(err);
}

static void test_multiline_messages_become_one_line(void)
{
	struct sf_error *err = from(400, NULL,
				    "[{\"message\":\"\\nAccount.Phone, Account.Rating\\n^\\nERROR "
				    "at Row:1:Column:486\\nNo such column 'RecordTypeId'\","
				    "\"errorCode\":\"INVALID_FIELD\"}]");
	g_assert_cmpstr(err->message, ==,
			"Account.Phone, Account.Rating ^ ERROR at Row:1:Column:486 No such "
			"column 'RecordTypeId' (INVALID_FIELD, HTTP 400)");
	sf_error_free(err);
}

static void test_unexpected_json_shape_falls_back_to_status(void)
{
	struct sf_error *err = from(500, "application/json", "{\"weird\":true}");
	g_assert_cmpint(err->kind, ==, SF_ERR_TRANSIENT_SERVER);
	g_assert_nonnull(strstr(err->message, "HTTP 500"));
	sf_error_free(err);
}

static void test_prefix_adds_context(void)
{
	struct sf_error *err = sf_error_new(SF_ERR_NETWORK, 0, NULL, "connection %s", "refused");
	sf_error_prefix(err, "describe %s", "Account");
	g_assert_cmpstr(err->message, ==, "describe Account: connection refused");
	g_assert_cmpstr(sf_error_kind_name(err->kind), ==, "network");
	g_assert_null(err->fields[0]);
	sf_error_free(err);
	sf_error_free(NULL);
	g_assert_false(sf_error_is_transient(NULL));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sf_error/parses_rest_error_array", test_parses_rest_error_array);
	g_test_add_func("/sf_error/joins_several_rest_errors", test_joins_several_rest_errors);
	g_test_add_func("/sf_error/parses_oauth_error", test_parses_oauth_error);
	g_test_add_func("/sf_error/parses_per_record_error", test_parses_per_record_error);
	g_test_add_func("/sf_error/codes_decide_kind_over_status",
			test_codes_decide_kind_over_status);
	g_test_add_func("/sf_error/html_error_page_names_its_title",
			test_html_error_page_names_its_title);
	g_test_add_func("/sf_error/html_on_success_is_bad_response",
			test_html_on_success_is_bad_response);
	g_test_add_func("/sf_error/garbage_is_quoted_short_and_sanitized",
			test_garbage_is_quoted_short_and_sanitized);
	g_test_add_func("/sf_error/truncated_json_is_reported_as_truncated",
			test_truncated_json_is_reported_as_truncated);
	g_test_add_func("/sf_error/secret_bodies_are_never_quoted",
			test_secret_bodies_are_never_quoted);
	g_test_add_func("/sf_error/trailing_garbage_is_bad_response",
			test_trailing_garbage_is_bad_response);
	g_test_add_func("/sf_error/empty_error_body_uses_status",
			test_empty_error_body_uses_status);
	g_test_add_func("/sf_error/multiline_messages_become_one_line",
			test_multiline_messages_become_one_line);
	g_test_add_func("/sf_error/unexpected_json_shape_falls_back_to_status",
			test_unexpected_json_shape_falls_back_to_status);
	g_test_add_func("/sf_error/prefix_adds_context", test_prefix_adds_context);
	return g_test_run();
}
