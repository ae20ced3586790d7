/* sync_window and sync_values: pull windows in (SystemModstamp, Id) order, and field
 * values between Postgres text and Salesforce's JSON and CSV forms. */
#include "sync_values.h"
#include "sync_window.h"

#include <glib.h>
#include <string.h>

#define T0 1696163696000LL /* 2023-10-01T12:34:56.000Z */

static const char *const fields[] = {"Id", "SystemModstamp", "Name"};

static void test_first_load_reads_everything_in_order(void)
{
	struct sync_cursor c = {0};
	char *q = sync_window_soql("Account", fields, 3, &c, 10000);
	g_assert_cmpstr(q, ==,
			"SELECT Id, SystemModstamp, Name FROM Account ORDER BY SystemModstamp, Id "
			"LIMIT 10000");
	g_free(q);
	g_assert_null(sync_window_condition(&c));
}

static void test_a_poll_starts_before_the_cursor_by_the_overlap(void)
{
	struct sync_cursor saved = {.stamp_ms = T0, .id = "001000000000009AAA"};
	struct sync_cursor start = sync_window_poll_start(&saved, 5000);
	g_assert_cmpint(start.stamp_ms, ==, T0 - 5000);
	g_assert_cmpstr(start.id, ==, "");
	char *cond = sync_window_condition(&start);
	g_assert_cmpstr(cond, ==, "SystemModstamp >= 2023-10-01T12:34:51.000Z");
	g_free(cond);
	struct sync_cursor never = {0};
	start = sync_window_poll_start(&never, 5000);
	g_assert_cmpint(start.stamp_ms, ==, 0);
}

static void test_next_chunk_uses_the_id_tiebreak(void)
{
	struct sync_cursor c = {.stamp_ms = T0 + 789, .id = "001000000000009AAA"};
	char *cond = sync_window_condition(&c);
	g_assert_cmpstr(cond, ==,
			"(SystemModstamp > 2023-10-01T12:34:56.789Z OR (SystemModstamp = "
			"2023-10-01T12:34:56.789Z AND Id > '001000000000009AAA'))");
	g_free(cond);
	char *q = sync_window_soql("Account", fields, 2, &c, 0);
	g_assert_true(g_str_has_suffix(q, "ORDER BY SystemModstamp, Id"));
	g_free(q);
}

static void test_names_that_are_not_api_names_are_refused(void)
{
	struct sync_cursor c = {0};
	const char *bad[] = {"Id", "Name, (SELECT Id FROM Contacts)"};
	g_assert_null(sync_window_soql("Account", bad, 2, &c, 0));
	g_assert_null(sync_window_soql("Account; DROP", fields, 2, &c, 0));
}

static void test_cursor_moves_forward_only(void)
{
	struct sync_cursor c = {.stamp_ms = T0, .id = "001B"};
	g_assert_false(sync_cursor_advance(&c, T0 - 1, "001Z")); /* the overlap re-reads */
	g_assert_cmpint(c.stamp_ms, ==, T0);
	g_assert_false(sync_cursor_advance(&c, T0, "001B"));
	g_assert_true(sync_cursor_advance(&c, T0, "001C")); /* same stamp, next in order */
	g_assert_cmpstr(c.id, ==, "001C");
	g_assert_true(sync_cursor_advance(&c, T0 + 1, "001A"));
	g_assert_cmpint(c.stamp_ms, ==, T0 + 1);
	g_assert_cmpstr(c.id, ==, "001A");
}

static char *json_text(const char *type, const char *pg)
{
	const char *why;
	cJSON *v = sync_value_to_json(type, pg, &why);
	if (!v)
		return NULL;
	char *s = cJSON_PrintUnformatted(v);
	cJSON_Delete(v);
	char *copy = g_strdup(s);
	cJSON_free(s);
	return copy;
}

static void test_postgres_text_to_salesforce_json(void)
{
	struct {
		const char *type, *pg, *json;
	} cases[] = {
	    {"boolean", "t", "true"},
	    {"boolean", "f", "false"},
	    {"int", "120", "120"},
	    {"currency", "1500000.5", "1500000.5"},
	    {"double", "-1.25e-07", "-1.25e-07"},
	    {"currency", "12345678901234567", "12345678901234567"}, /* digits kept as they are */
	    {"date", "2023-10-01", "\"2023-10-01\""},
	    {"datetime", "2023-10-01 12:34:56", "\"2023-10-01T12:34:56.000Z\""},
	    {"datetime", "2023-10-01 12:34:56.789", "\"2023-10-01T12:34:56.789Z\""},
	    {"time", "12:34:56", "\"12:34:56.000Z\""},
	    {"time", "12:34:56.5", "\"12:34:56.500Z\""},
	    {"string", "say \"hi\"\n", "\"say \\\"hi\\\"\\n\""},
	    {"multipicklist", "a;b", "\"a;b\""},
	    {"string", NULL, "null"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = json_text(cases[i].type, cases[i].pg);
		g_assert_cmpstr(got, ==, cases[i].json);
		g_free(got);
	}
	const char *why = NULL;
	g_assert_null(sync_value_to_json("double", "NaN", &why));
	g_assert_nonnull(why);
	g_assert_null(sync_value_to_json("double", "Infinity", &why));
	g_assert_null(sync_value_to_json("boolean", "maybe", &why));
	g_assert_null(sync_value_to_json("datetime", "yesterday", &why));
}

static void test_salesforce_json_and_csv_to_postgres_text(void)
{
	cJSON *rec = cJSON_Parse(
	    "{\"a\":true,\"b\":120,\"c\":1500000.5,\"d\":\"2023-10-01T12:34:56.000+0000\","
	    "\"e\":null,\"f\":\"12:34:56.000Z\",\"g\":\"x\",\"h\":{\"city\":\"X\"}}");
	bool ok;
	char *v;
	v = sync_value_from_json("boolean", cJSON_GetObjectItem(rec, "a"), &ok);
	g_assert_cmpstr(v, ==, "t");
	g_free(v);
	v = sync_value_from_json("int", cJSON_GetObjectItem(rec, "b"), &ok);
	g_assert_cmpstr(v, ==, "120");
	g_free(v);
	v = sync_value_from_json("currency", cJSON_GetObjectItem(rec, "c"), &ok);
	g_assert_cmpstr(v, ==, "1500000.5");
	g_free(v);
	v = sync_value_from_json("datetime", cJSON_GetObjectItem(rec, "d"), &ok);
	g_assert_cmpstr(v, ==, "2023-10-01 12:34:56.000");
	g_free(v);
	g_assert_null(sync_value_from_json("string", cJSON_GetObjectItem(rec, "e"), &ok));
	g_assert_true(ok);
	v = sync_value_from_json("time", cJSON_GetObjectItem(rec, "f"), &ok);
	g_assert_cmpstr(v, ==, "12:34:56.000");
	g_free(v);
	g_assert_null(sync_value_from_json("address", cJSON_GetObjectItem(rec, "h"), &ok));
	g_assert_false(ok);
	cJSON_Delete(rec);

	g_assert_null(sync_value_from_csv("string", "", &ok));
	g_assert_true(ok);
	v = sync_value_from_csv("boolean", "true", &ok);
	g_assert_cmpstr(v, ==, "t");
	g_free(v);
	v = sync_value_from_csv("datetime", "2023-10-01T12:34:56.000Z", &ok);
	g_assert_cmpstr(v, ==, "2023-10-01 12:34:56.000");
	g_free(v);
	g_assert_null(sync_value_from_csv("boolean", "perhaps", &ok));
	g_assert_false(ok);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sync_window/first_load_reads_everything_in_order",
			test_first_load_reads_everything_in_order);
	g_test_add_func("/sync_window/a_poll_starts_before_the_cursor_by_the_overlap",
			test_a_poll_starts_before_the_cursor_by_the_overlap);
	g_test_add_func("/sync_window/next_chunk_uses_the_id_tiebreak",
			test_next_chunk_uses_the_id_tiebreak);
	g_test_add_func("/sync_window/names_that_are_not_api_names_are_refused",
			test_names_that_are_not_api_names_are_refused);
	g_test_add_func("/sync_window/cursor_moves_forward_only", test_cursor_moves_forward_only);
	g_test_add_func("/sync_values/postgres_text_to_salesforce_json",
			test_postgres_text_to_salesforce_json);
	g_test_add_func("/sync_values/salesforce_json_and_csv_to_postgres_text",
			test_salesforce_json_and_csv_to_postgres_text);
	return g_test_run();
}
