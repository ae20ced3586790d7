/* The db layer's SQL helpers that need no connection (src/db/db_sql.h). */
#include "db_sql.h"

#include <glib.h>

static void test_fill_replaces_every_placeholder_once(void)
{
	char *sql = db_sql_fill("UPDATE {t} SET {c} = 1 WHERE {c} IS NULL AND {x}", "{t}",
				"\"account\"", "{c}", "\"name\"", NULL);
	g_assert_cmpstr(sql, ==, "UPDATE \"account\" SET \"name\" = 1 WHERE \"name\" IS NULL AND {x}");
	g_free(sql);
}

static void test_fill_never_rescans_a_value(void)
{
	/* A quoted identifier may hold text that looks like a placeholder. */
	char *sql = db_sql_fill("SELECT {0} FROM {1}", "{0}", "\"{1}\"", "{1}", "\"t\"", NULL);
	g_assert_cmpstr(sql, ==, "SELECT \"{1}\" FROM \"t\"");
	g_free(sql);
	sql = db_sql_fill("{a}{a}", "{a}", "", NULL);
	g_assert_cmpstr(sql, ==, "");
	g_free(sql);
}

static void test_arrays(void)
{
	const int64_t ids[] = {1, -2, 9007199254740993};
	char *a = db_int64_array(ids, 3);
	g_assert_cmpstr(a, ==, "{1,-2,9007199254740993}");
	g_free(a);
	a = db_int64_array(NULL, 0);
	g_assert_cmpstr(a, ==, "{}");
	g_free(a);
	const char *texts[] = {"plain", NULL, "quote \" and \\ backslash", ""};
	a = db_text_array(texts, 4);
	g_assert_cmpstr(a, ==, "{\"plain\",NULL,\"quote \\\" and \\\\ backslash\",\"\"}");
	g_free(a);
}

static void test_copy_field(void)
{
	GString *out = g_string_new(NULL);
	db_copy_field(out, NULL);
	g_string_append_c(out, '|');
	db_copy_field(out, "a\tb\nc\rd\\e");
	g_assert_cmpstr(out->str, ==, "\\N|a\\tb\\nc\\rd\\\\e");
	g_string_free(out, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/db_sql/fill_replaces_every_placeholder_once",
			test_fill_replaces_every_placeholder_once);
	g_test_add_func("/db_sql/fill_never_rescans_a_value", test_fill_never_rescans_a_value);
	g_test_add_func("/db_sql/arrays", test_arrays);
	g_test_add_func("/db_sql/copy_field", test_copy_field);
	return g_test_run();
}
