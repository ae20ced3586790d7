/* Heroku Connect's conventions: hidden columns, system fields, _hc_err (src/base/hc_conventions.h). */
#include "hc_conventions.h"

#include <cjson/cJSON.h>
#include <glib.h>

static void test_hidden_columns_and_system_fields(void)
{
	const char *hidden[] = {"id", "isdeleted", "_hc_lastop", "_hc_err"};
	for (size_t i = 0; i < G_N_ELEMENTS(hidden); i++) {
		g_assert_true(hc_is_hidden_column(hidden[i]));
		g_assert_false(hc_is_system_field(hidden[i]));
	}
	const char *system[] = {"sfid",		"createddate", "systemmodstamp",
				"lastmodifieddate", "createdbyid", "lastmodifiedbyid"};
	for (size_t i = 0; i < G_N_ELEMENTS(system); i++) {
		g_assert_true(hc_is_system_field(system[i]));
		g_assert_false(hc_is_hidden_column(system[i]));
	}
	g_assert_false(hc_is_hidden_column("name"));
	g_assert_false(hc_is_system_field("name"));
	g_assert_false(hc_is_hidden_column("ID")); /* catalog names are lower case */
}

static void test_hc_err_is_valid_json_whatever_the_message(void)
{
	const char *messages[] = {"plain", "quote \" backslash \\ tab \t newline \n",
				  "unicode é 日本", "", "{\"op\":\"x\"}"};
	for (size_t i = 0; i < G_N_ELEMENTS(messages); i++) {
		char *text = hc_err_encode("UPDATE", "SFDC", messages[i]);
		cJSON *json = cJSON_Parse(text);
		g_assert_nonnull(json);
		g_assert_cmpstr(cJSON_GetObjectItem(json, "op")->valuestring, ==, "UPDATE");
		g_assert_cmpstr(cJSON_GetObjectItem(json, "src")->valuestring, ==, "SFDC");
		g_assert_cmpstr(cJSON_GetObjectItem(json, "msg")->valuestring, ==, messages[i]);
		cJSON_Delete(json);
		g_free(text);
	}
	char *text = hc_err_encode("INSERT", "SFDC", "Required fields are missing: [Name]");
	g_assert_cmpstr(
	    text, ==,
	    "{\"op\":\"INSERT\",\"src\":\"SFDC\",\"msg\":\"Required fields are missing: "
	    "[Name]\"}");
	g_free(text);
	text = hc_err_encode(NULL, NULL, NULL);
	g_assert_cmpstr(text, ==, "{\"op\":\"UPDATE\",\"src\":\"SFDC\",\"msg\":\"\"}");
	g_free(text);
}

static void test_decode_reads_back_what_encode_wrote(void)
{
	char *text = hc_err_encode("DELETE", "FORCEFS", "line one\nline \"two\"");
	char *op = NULL;
	char *msg = hc_err_decode(text, &op);
	g_assert_cmpstr(msg, ==, "line one\nline \"two\"");
	g_assert_cmpstr(op, ==, "DELETE");
	g_free(msg);
	g_free(op);
	g_free(text);
}

static void test_decode_of_other_values(void)
{
	char *op = NULL;
	/* Another tool's plain text is the message itself. */
	char *msg = hc_err_decode("something broke", &op);
	g_assert_cmpstr(msg, ==, "something broke");
	g_assert_cmpstr(op, ==, "UPDATE");
	g_free(msg);
	g_free(op);
	/* JSON without "msg": the whole text. */
	msg = hc_err_decode("{\"op\":\"INSERT\"}", &op);
	g_assert_cmpstr(msg, ==, "{\"op\":\"INSERT\"}");
	g_assert_cmpstr(op, ==, "INSERT");
	g_free(msg);
	g_free(op);
	g_assert_null(hc_err_decode(NULL, NULL));
	g_assert_null(hc_err_decode("", &op));
	g_assert_cmpstr(op, ==, "UPDATE");
	g_free(op);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hc_conventions/hidden_columns_and_system_fields",
			test_hidden_columns_and_system_fields);
	g_test_add_func("/hc_conventions/hc_err_is_valid_json_whatever_the_message",
			test_hc_err_is_valid_json_whatever_the_message);
	g_test_add_func("/hc_conventions/decode_reads_back_what_encode_wrote",
			test_decode_reads_back_what_encode_wrote);
	g_test_add_func("/hc_conventions/decode_of_other_values", test_decode_of_other_values);
	return g_test_run();
}
