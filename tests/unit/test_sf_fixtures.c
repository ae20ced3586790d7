/*
 * Every real Salesforce body in ../shared/salesforce-fixtures goes through the
 * parser the client uses for its endpoint. Skipped when the directory is absent.
 */
#include "sf_auth.h"
#include "sf_changes.h"
#include "sf_collections.h"
#include "sf_describe.h"
#include "sf_error.h"
#include "sf_query.h"
#include "sf_result.h"

#include <glib.h>
#include <string.h>

static char *fixture_dir(void)
{
	const char *root = g_getenv("FORCEFS_SOURCE_ROOT");
	char *dir =
	    g_build_filename(root ? root : ".", "..", "shared", "salesforce-fixtures", NULL);
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_free(dir);
		return NULL;
	}
	return dir;
}

/* Reads restforce/<name>; NULL (and the test skipped) without fixtures. */
static char *load(const char *name, size_t *len)
{
	char *dir = fixture_dir();
	if (!dir) {
		g_test_skip("../shared/salesforce-fixtures is absent");
		return NULL;
	}
	char *path = g_build_filename(dir, "restforce", name, NULL);
	char *text = NULL;
	gsize n = 0;
	GError *gerr = NULL;
	if (!g_file_get_contents(path, &text, &n, &gerr))
		g_error("%s: %s", path, gerr->message);
	g_free(path);
	g_free(dir);
	*len = n;
	return text;
}

static cJSON *load_json(const char *name)
{
	size_t len;
	char *text = load(name, &len);
	if (!text)
		return NULL;
	cJSON *json = NULL;
	struct sf_error *err = sf_json_parse(200, "application/json", text, len, false, &json);
	if (err)
		g_error("%s: %s", name, err->message);
	g_free(text);
	return json;
}

static struct sf_error *http_error_from(const char *name, long status)
{
	size_t len;
	char *text = load(name, &len);
	if (!text)
		return NULL;
	struct sf_error *err = sf_error_from_http(status, "application/json", text, len);
	g_free(text);
	return err;
}

static void test_token_success_bodies_give_sessions(void)
{
	const char *names[] = {"auth_success_response.json", "refresh_success_response.json",
			       "reauth_success_response.json"};
	const char *tokens[] = {"00Dx0000000BV7z!AR8AQAxo9UfVkh8AlV0Gomt9Czx9LjHnSSpwBMmbRcgKFmx"
				"OtvxjTrKW19ye6PE3Ds1eQz3z8jr3W7_VbWmEu4Q8TVGSTHxs",
				"refreshed_access_token", "new_access_token"};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		size_t len;
		char *text = load(names[i], &len);
		if (!text)
			return;
		struct sf_session *s;
		struct sf_error *err =
		    sf_auth_parse_token_response(200, "application/json", text, len, &s);
		g_assert_null(err);
		g_assert_cmpstr(s->instance_url, ==, "https://na1.salesforce.com");
		g_assert_cmpstr(s->access_token, ==, tokens[i]);
		g_assert_nonnull(s->identity_url);
		sf_session_free(s);
		g_free(text);
	}
}

static void test_token_error_bodies_are_auth_errors(void)
{
	const char *names[] = {"auth_error_response.json", "refresh_error_response.json"};
	const char *messages[] = {"authentication failure - Invalid Password",
				  "expired access/refresh token"};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		size_t len;
		char *text = load(names[i], &len);
		if (!text)
			return;
		struct sf_session *s;
		struct sf_error *err =
		    sf_auth_parse_token_response(400, "application/json", text, len, &s);
		g_assert_nonnull(err);
		g_assert_null(s);
		g_assert_cmpint(err->kind, ==, SF_ERR_AUTH);
		g_assert_cmpstr(err->code, ==, "invalid_grant");
		g_assert_nonnull(strstr(err->message, messages[i]));
		g_assert_false(sf_error_is_transient(err));
		sf_error_free(err);
		g_free(text);
	}
}

static void test_expired_session_is_session_expired(void)
{
	struct sf_error *err = http_error_from("expired_session_response.json", 401);
	if (!err)
		return;
	g_assert_cmpint(err->kind, ==, SF_ERR_SESSION_EXPIRED);
	g_assert_cmpstr(err->code, ==, "INVALID_SESSION_ID");
	g_assert_cmpint(err->http_status, ==, 401);
	g_assert_cmpstr(err->message, ==,
			"Session expired or invalid (INVALID_SESSION_ID, HTTP 401)");
	sf_error_free(err);
}

static void test_not_found_bodies_are_not_found(void)
{
	const char *names[] = {"sobject__sobject_describe_error_response.json",
			       "sobject__sobject_find_error_response.json",
			       "sobject__delete_error_response.json",
			       "sobject__upsert_error_response.json"};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		struct sf_error *err = http_error_from(names[i], 404);
		if (!err)
			return;
		g_assert_cmpint(err->kind, ==, SF_ERR_NOT_FOUND);
		g_assert_cmpstr(err->code, ==, "NOT_FOUND");
		sf_error_free(err);
	}
}

static void test_bad_request_bodies_keep_code_and_message(void)
{
	struct {
		const char *name, *code, *message;
	} cases[] = {
	    {"sobject__query_error_response.json", "INVALID_FIELD", "error_message"},
	    {"sobject__write_error_response.json", "INVALID_FIELD",
	     "No such column 'foo' on sobject of type Bar"},
	    {"sobject__search_error_response.json", "MALFORMED_SEARCH", "No search term found."},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct sf_error *err = http_error_from(cases[i].name, 400);
		if (!err)
			return;
		g_assert_cmpint(err->kind, ==, SF_ERR_INVALID_REQUEST);
		g_assert_cmpstr(err->code, ==, cases[i].code);
		g_assert_nonnull(strstr(err->message, cases[i].message));
		sf_error_free(err);
	}
}

static void test_upsert_multiple_choices_lists_records(void)
{
	struct sf_error *err = http_error_from("sobject__upsert_multiple_error_response.json", 300);
	if (!err)
		return;
	g_assert_cmpint(err->kind, ==, SF_ERR_INVALID_REQUEST);
	g_assert_cmpstr(err->code, ==, "MULTIPLE_CHOICES");
	g_assert_nonnull(strstr(err->message, "/services/data/v23.0/sobjects/Whizbang/bar"));
	sf_error_free(err);
}

static void test_describe_global_bodies_list_objects(void)
{
	const char *names[] = {"sobject__describe_sobjects_success_response.json",
			       "sobject__list_sobjects_success_response.json"};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		cJSON *json = load_json(names[i]);
		if (!json)
			return;
		struct sf_describe_global *g;
		g_assert_null(sf_describe_global_parse(json, &g));
		g_assert_cmpuint(g->n_objects, ==, 1);
		g_assert_cmpstr(g->objects[0].name, ==, "Account");
		g_assert_cmpstr(g->objects[0].key_prefix, ==, "001");
		g_assert_cmpint(g->max_batch_size, ==, 200);
		g_assert_false(g->objects[0].custom);
		sf_describe_global_free(g);
		cJSON_Delete(json);
	}
}

static void test_whizbang_describe_reads_every_field(void)
{
	cJSON *json = load_json("sobject__sobject_describe_success_response.json");
	if (!json)
		return;
	struct sf_object_describe *d;
	g_assert_null(sf_describe_object_parse(json, &d));
	g_assert_cmpstr(d->info.name, ==, "Whizbang");
	g_assert_cmpstr(d->info.key_prefix, ==, "a01");
	g_assert_true(d->info.custom);
	g_assert_cmpuint(d->n_fields, ==,
			 (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(json, "fields")));
	for (size_t i = 0; i < d->n_fields; i++)
		g_assert_cmpint(d->fields[i].type, !=, SF_FIELD_UNKNOWN);

	const struct sf_field *owner = sf_describe_find_field(d, "ownerid");
	g_assert_nonnull(owner);
	g_assert_cmpint(owner->type, ==, SF_FIELD_REFERENCE);
	g_assert_cmpstr(owner->reference_to[0], ==, "Group");
	g_assert_cmpstr(owner->reference_to[1], ==, "User");
	g_assert_null(owner->reference_to[2]);
	g_assert_cmpstr(owner->relationship_name, ==, "Owner");

	const struct sf_field *name = sf_describe_find_field(d, "Name");
	g_assert_cmpint(name->type, ==, SF_FIELD_STRING);
	g_assert_cmpint(name->length, ==, 80);
	g_assert_true(name->nillable && name->createable && name->updateable);

	const struct sf_field *cur = sf_describe_find_field(d, "Currency_Field");
	g_assert_cmpint(cur->type, ==, SF_FIELD_CURRENCY);
	g_assert_cmpint(cur->precision, ==, 18);
	g_assert_cmpint(cur->scale, ==, 0);

	const struct sf_field *pick = sf_describe_find_field(d, "Picklist_Field");
	g_assert_cmpint(pick->type, ==, SF_FIELD_PICKLIST);
	g_assert_cmpuint(pick->n_picklist_values, ==, 10);
	g_assert_cmpstr(pick->picklist_values[0].value, ==, "one");
	g_assert_true(pick->picklist_values[0].active);
	g_assert_true(pick->picklist_values[0].default_value);
	g_assert_false(pick->restricted_picklist);

	const struct sf_field *id = sf_describe_find_field(d, "Id");
	g_assert_false(id->createable || id->updateable || id->nillable);
	g_assert_true(id->defaulted_on_create);
	sf_object_describe_free(d);
	cJSON_Delete(json);
}

static void test_query_pages_parse(void)
{
	struct {
		const char *name;
		long total;
		bool done;
		int records;
	} cases[] = {
	    {"sobject__query_success_response.json", 1, true, 1},
	    {"sobject__query_paginated_first_page_response.json", 2, false, 1},
	    {"sobject__query_paginated_last_page_response.json", 2, true, 1},
	    {"sobject__query_empty_response.json", 0, true, 0},
	    {"sobject__query_aggregate_success_response.json", 3, true, 3},
	    {"sobject__org_query_response.json", 1, true, 1},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		cJSON *json = load_json(cases[i].name);
		if (!json)
			return;
		struct sf_query_page page;
		g_assert_null(sf_query_page_parse(json, &page));
		g_assert_cmpint(page.total_size, ==, cases[i].total);
		g_assert_cmpint(page.done, ==, cases[i].done);
		g_assert_cmpint(cJSON_GetArraySize(page.records), ==, cases[i].records);
		if (!page.done)
			g_assert_cmpstr(page.next_url, ==, "/services/data/v26.0/query/01gD");
		else
			g_assert_null(page.next_url);
		cJSON_Delete(json);
	}
}

static void test_updated_and_deleted_bodies_parse(void)
{
	cJSON *json = load_json("sobject__get_updated_success_response.json");
	if (!json)
		return;
	struct sf_updated *u;
	g_assert_null(sf_changes_parse_updated(json, &u));
	g_assert_cmpuint(u->n_ids, ==, 7);
	g_assert_cmpstr(u->ids[0], ==, "003q000000KvQ1tAAF");
	g_assert_null(u->ids[7]);
	g_assert_cmpint(u->latest_date_covered, ==, 1439972220000LL); /* 2015-08-19T08:17Z */
	sf_updated_free(u);
	cJSON_Delete(json);

	json = load_json("sobject__get_deleted_success_response.json");
	struct sf_deleted *d;
	g_assert_null(sf_changes_parse_deleted(json, &d));
	g_assert_cmpuint(d->n_records, ==, 1);
	g_assert_cmpstr(d->records[0].id, ==, "a00D0000008pQRAIA2");
	g_assert_cmpint(d->records[0].deleted_date, ==, 1367964439000LL);
	g_assert_cmpint(d->earliest_date_available, ==, 1367596620000LL);
	g_assert_cmpint(d->latest_date_covered, ==, 1368048000000LL);
	sf_deleted_free(d);
	cJSON_Delete(json);
}

static void test_single_record_write_results_parse(void)
{
	const char *names[] = {"sobject__create_success_response.json",
			       "sobject__upsert_created_success_response.json"};
	const char *ids[] = {"some_id", "foo"};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		cJSON *json = load_json(names[i]);
		if (!json)
			return;
		struct sf_record_result r;
		g_assert_null(sf_record_result_parse(json, &r));
		g_assert_true(r.success);
		g_assert_cmpstr(r.id, ==, ids[i]);
		g_assert_cmpint(r.created, ==, -1); /* pre-46.0 shape: not reported */
		g_assert_cmpuint(r.n_errors, ==, 0);
		sf_record_result_clear(&r);
		cJSON_Delete(json);
	}
}

static void test_upsert_updated_is_an_empty_204_body(void)
{
	size_t len;
	char *text = load("sobject__upsert_updated_success_response.json", &len);
	if (!text)
		return;
	/* The client never parses a 204 body; parsing an empty one says so. */
	g_assert_cmpuint(len, ==, 0);
	cJSON *json;
	struct sf_error *err = sf_json_parse(204, NULL, text, len, false, &json);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "empty body"));
	sf_error_free(err);
	g_free(text);
}

static void test_record_bodies_are_json(void)
{
	const char *names[] = {
	    "sobject__sobject_find_success_response.json",
	    "sobject__sobject_select_success_response.json",
	    "sobject__recent_success_response.json",
	    "sobject__search_success_response.json",
	    "sobject__list_view_results_success_response.json",
	    "services_data_success_response.json",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		cJSON *json = load_json(names[i]);
		if (!json)
			return;
		g_assert_true(cJSON_IsObject(json) || cJSON_IsArray(json));
		cJSON_Delete(json);
	}
}

/* Every file of the directory is one of those handled above, so a new fixture
 * cannot be added without a test for it. */
static void test_every_fixture_is_covered(void)
{
	static const char *const covered[] = {
	    "auth_success_response.json",
	    "auth_error_response.json",
	    "refresh_success_response.json",
	    "reauth_success_response.json",
	    "refresh_error_response.json",
	    "expired_session_response.json",
	    "services_data_success_response.json",
	    "sobject__create_success_response.json",
	    "sobject__delete_error_response.json",
	    "sobject__describe_sobjects_success_response.json",
	    "sobject__list_sobjects_success_response.json",
	    "sobject__get_deleted_success_response.json",
	    "sobject__get_updated_success_response.json",
	    "sobject__list_view_results_success_response.json",
	    "sobject__org_query_response.json",
	    "sobject__query_aggregate_success_response.json",
	    "sobject__query_empty_response.json",
	    "sobject__query_error_response.json",
	    "sobject__query_paginated_first_page_response.json",
	    "sobject__query_paginated_last_page_response.json",
	    "sobject__query_success_response.json",
	    "sobject__recent_success_response.json",
	    "sobject__search_error_response.json",
	    "sobject__search_success_response.json",
	    "sobject__sobject_describe_error_response.json",
	    "sobject__sobject_describe_success_response.json",
	    "sobject__sobject_find_error_response.json",
	    "sobject__sobject_find_success_response.json",
	    "sobject__sobject_select_success_response.json",
	    "sobject__upsert_created_success_response.json",
	    "sobject__upsert_error_response.json",
	    "sobject__upsert_multiple_error_response.json",
	    "sobject__upsert_updated_success_response.json",
	    "sobject__write_error_response.json",
	};
	char *dir = fixture_dir();
	if (!dir) {
		g_test_skip("../shared/salesforce-fixtures is absent");
		return;
	}
	char *sub = g_build_filename(dir, "restforce", NULL);
	GDir *d = g_dir_open(sub, 0, NULL);
	g_assert_nonnull(d);
	const char *name;
	while ((name = g_dir_read_name(d))) {
		bool found = false;
		for (size_t i = 0; i < G_N_ELEMENTS(covered); i++)
			found = found || strcmp(name, covered[i]) == 0;
		if (!found)
			g_error("fixture %s is not covered by a test", name);
	}
	g_dir_close(d);
	g_free(sub);
	g_free(dir);
}

/* Reads a code list (one code a line) from the fixtures. */
static char **load_codes(const char *file)
{
	char *dir = fixture_dir();
	if (!dir)
		return NULL;
	char *path = g_build_filename(dir, file, NULL);
	char *text;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	char **lines = g_strsplit(g_strstrip(text), "\n", -1);
	g_free(text);
	g_free(path);
	g_free(dir);
	return lines;
}

/* Each StatusCode, as the statusCode of a record error, keeps its name and
 * gives one readable line; the codes the client classifies are real names. */
static void test_every_status_code_reads_as_a_record_error(void)
{
	char **status = load_codes("jsforce_partner_wsdl_StatusCode_values.txt");
	char **exception = load_codes("jsforce_partner_wsdl_ExceptionCode_values.txt");
	if (!status || !exception) {
		g_test_skip("../shared/salesforce-fixtures is absent");
		return;
	}
	g_assert_cmpuint(g_strv_length(status), >, 300);
	for (char **c = status; *c; c++) {
		cJSON *item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "statusCode", *c);
		cJSON_AddStringToObject(item, "message", "some\nreason");
		cJSON_AddItemToObject(item, "fields", cJSON_CreateArray());
		struct sf_error *err = sf_error_from_record_error(item, 200);
		g_assert_cmpstr(err->code, ==, *c);
		g_assert_null(strchr(err->message, '\n'));
		bool lock = strcmp(*c, "UNABLE_TO_LOCK_ROW") == 0;
		g_assert_cmpint(err->kind == SF_ERR_LOCK_ROW, ==, lock);
		sf_error_free(err);
		cJSON_Delete(item);
	}
	const char *classified[] = {"INVALID_SESSION_ID", "REQUEST_LIMIT_EXCEEDED",
				    "UNABLE_TO_LOCK_ROW", "ALL_OR_NONE_OPERATION_ROLLED_BACK",
				    "SERVER_UNAVAILABLE", "ENTITY_IS_DELETED"};
	for (size_t i = 0; i < G_N_ELEMENTS(classified); i++)
		g_assert_true(g_strv_contains((const char *const *)status, classified[i]) ||
			      g_strv_contains((const char *const *)exception, classified[i]));
	g_strfreev(status);
	g_strfreev(exception);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sf_fixtures/token_success_bodies_give_sessions",
			test_token_success_bodies_give_sessions);
	g_test_add_func("/sf_fixtures/token_error_bodies_are_auth_errors",
			test_token_error_bodies_are_auth_errors);
	g_test_add_func("/sf_fixtures/expired_session_is_session_expired",
			test_expired_session_is_session_expired);
	g_test_add_func("/sf_fixtures/not_found_bodies_are_not_found",
			test_not_found_bodies_are_not_found);
	g_test_add_func("/sf_fixtures/bad_request_bodies_keep_code_and_message",
			test_bad_request_bodies_keep_code_and_message);
	g_test_add_func("/sf_fixtures/upsert_multiple_choices_lists_records",
			test_upsert_multiple_choices_lists_records);
	g_test_add_func("/sf_fixtures/describe_global_bodies_list_objects",
			test_describe_global_bodies_list_objects);
	g_test_add_func("/sf_fixtures/whizbang_describe_reads_every_field",
			test_whizbang_describe_reads_every_field);
	g_test_add_func("/sf_fixtures/query_pages_parse", test_query_pages_parse);
	g_test_add_func("/sf_fixtures/updated_and_deleted_bodies_parse",
			test_updated_and_deleted_bodies_parse);
	g_test_add_func("/sf_fixtures/single_record_write_results_parse",
			test_single_record_write_results_parse);
	g_test_add_func("/sf_fixtures/upsert_updated_is_an_empty_204_body",
			test_upsert_updated_is_an_empty_204_body);
	g_test_add_func("/sf_fixtures/record_bodies_are_json", test_record_bodies_are_json);
	g_test_add_func("/sf_fixtures/every_fixture_is_covered", test_every_fixture_is_covered);
	g_test_add_func("/sf_fixtures/every_status_code_reads_as_a_record_error",
			test_every_status_code_reads_as_a_record_error);
	return g_test_run();
}
