/* How values are named under MOUNT/.by (src/fs/fs_view_name.h, docs/views.md). */
#include <glib.h>
#include <string.h>

#include "fs_view_name.h"

static void check_name(enum record_kind kind, const char *text, const char *name)
{
	char *got = fs_view_name_encode(kind, text);
	g_assert_cmpstr(got, ==, name);
	struct fs_view_value v;
	g_assert_true(fs_view_name_decode(got, &v));
	if (!text) {
		g_assert_true(v.is_null);
	} else {
		char *display = fs_view_display(kind, text);
		g_assert_false(v.is_null);
		g_assert_cmpstr(v.display, ==, display);
		g_free(display);
	}
	fs_view_value_clear(&v);
	g_free(got);
}

static void test_strings(void)
{
	check_name(RECORD_KIND_STRING, NULL, "%null");
	check_name(RECORD_KIND_STRING, "", "%empty");
	check_name(RECORD_KIND_STRING, "Acme Corp", "Acme Corp");
	check_name(RECORD_KIND_STRING, "Café ☕", "Café ☕");
	check_name(RECORD_KIND_STRING, "/", "%2F");
	check_name(RECORD_KIND_STRING, "a/b/c", "a%2Fb%2Fc");
	check_name(RECORD_KIND_STRING, ".", "%2E");
	check_name(RECORD_KIND_STRING, "..", "%2E.");
	check_name(RECORD_KIND_STRING, ".hidden.", "%2Ehidden.");
	check_name(RECORD_KIND_STRING, "100%", "100%25");
	check_name(RECORD_KIND_STRING, "%null", "%25null");
	check_name(RECORD_KIND_STRING, "%empty", "%25empty");
	check_name(RECORD_KIND_STRING, "tab\there\n", "tab%09here%0A");
	check_name(RECORD_KIND_STRING, "del\x7f", "del%7F");
	/* Not UTF-8 (an SQL_ASCII database): each stray byte is escaped. */
	check_name(RECORD_KIND_STRING, "q\xe9t\xf0", "q%E9t%F0");
}

static void test_other_kinds(void)
{
	check_name(RECORD_KIND_INTEGER, "42", "42");
	check_name(RECORD_KIND_NUMERIC, "123.4500", "123.45");
	check_name(RECORD_KIND_FLOAT, "1e-07", "1e-07");
	check_name(RECORD_KIND_FLOAT, "NaN", "NaN");
	check_name(RECORD_KIND_BOOLEAN, "t", "true");
	check_name(RECORD_KIND_TIMESTAMP, "2023-10-01 12:34:56.12", "2023-10-01T12:34:56.120Z");
	check_name(RECORD_KIND_DATE, "2023-10-01", "2023-10-01");
	check_name(RECORD_KIND_OTHER, "{1,2,NULL}", "{1,2,NULL}");
	check_name(RECORD_KIND_OTHER, "{\"a\": \"b/c\"}", "{\"a\": \"b%2Fc\"}");
}

static void test_long_values_are_shortened_with_a_hash(void)
{
	GString *v = g_string_new(NULL);
	for (int i = 0; i < 100; i++)
		g_string_append(v, "ab/é");
	char *name = fs_view_name_encode(RECORD_KIND_STRING, v->str);
	g_assert_cmpuint(strlen(name), <=, FS_VIEW_NAME_MAX);
	char *md5 = g_compute_checksum_for_string(G_CHECKSUM_MD5, v->str, -1);
	char *tail = g_strdup_printf("%%~%.16s", md5);
	g_assert_true(g_str_has_suffix(name, tail));
	g_assert_true(g_utf8_validate(name, -1, NULL));
	g_assert_true(g_str_has_prefix(name, "ab%2Fé"));
	struct fs_view_value d;
	g_assert_true(fs_view_name_decode(name, &d));
	g_assert_cmpstr(d.hash, ==, tail + 2);
	g_assert_null(d.display);
	fs_view_value_clear(&d);
	/* Exactly FS_VIEW_NAME_MAX bytes still is the value itself. */
	char *exact = g_strnfill(FS_VIEW_NAME_MAX, 'x');
	check_name(RECORD_KIND_STRING, exact, exact);
	g_free(exact);
	g_free(tail);
	g_free(md5);
	g_free(name);
	g_string_free(v, TRUE);
}

static void test_names_no_value_has(void)
{
	static const char *const bad[] = {
	    "",			   /* nothing */
	    "%",		   /* a cut escape */
	    "a%4",		   /* a cut escape */
	    "%zz",		   /* not hex */
	    "%2f",		   /* lower case is not canonical */
	    "%41",		   /* "A" is named A */
	    ".x",		   /* a leading dot is %2E */
	    "a%00b",		   /* NUL cannot be in a value */
	    "x%~123",		   /* a short hash */
	    "x%~0123456789ABCDEF", /* upper-case hash */
	    "%4",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct fs_view_value v;
		g_assert_false(fs_view_name_decode(bad[i], &v));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fs_view_name/strings", test_strings);
	g_test_add_func("/fs_view_name/other_kinds", test_other_kinds);
	g_test_add_func("/fs_view_name/long", test_long_values_are_shortened_with_a_hash);
	g_test_add_func("/fs_view_name/bad", test_names_no_value_has);
	return g_test_run();
}
