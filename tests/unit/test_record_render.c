/*
 * Tests for record_render: one test per promise of docs/contract.md §4 and record_render.h.
 * Expected bytes are pinned here; the jq tests also check them against the real
 * `jq -S .` (jq 1.6) when it is installed, and are skipped when it is not.
 */
#include "record_number.h"
#include "record_render.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* --- helpers ------------------------------------------------------------------------- */

/* Renders one value of `kind` alone, as it appears after "key": in a record. */
static char *value_of(enum record_kind kind, const char *text)
{
	GString *out = g_string_new(NULL);

	record_render_value(kind, text, out);
	return g_string_free(out, FALSE);
}

static void assert_value(enum record_kind kind, const char *text, const char *expected)
{
	g_autofree char *got = value_of(kind, text);

	g_assert_cmpstr(got, ==, expected);
}

/* Renders `len` bytes as a JSON string. */
static char *string_of(const char *s, size_t len)
{
	GString *out = g_string_new(NULL);

	record_render_string(s, len, out);
	return g_string_free(out, FALSE);
}

static char *render_one(const char *key, enum record_kind kind, const char *text)
{
	struct record_column column = {key, kind};
	const char *values[] = {text};
	GString *out = g_string_new(NULL);

	record_render(&column, 1, values, out);
	return g_string_free(out, FALSE);
}

/*
 * Runs `jq -S .` on `input` and returns its stdout, or NULL (test skipped) when jq is not
 * installed.
 */
static char *run_jq(const char *input, size_t len)
{
	g_autofree char *jq = g_find_program_in_path("jq");
	if (jq == NULL) {
		g_test_skip("jq is not installed");
		return NULL;
	}

	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp("forcefs-render-XXXXXX.json", &path, &error);
	g_assert_no_error(error);
	close(fd);
	g_file_set_contents(path, input, (gssize)len, &error);
	g_assert_no_error(error);

	char *argv[] = {jq, "-S", ".", path, NULL};
	char *out = NULL;
	int status = 0;
	g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
		     &error);
	g_assert_no_error(error);
	g_spawn_check_wait_status(status, &error);
	g_assert_no_error(error);
	g_unlink(path);
	return out;
}

/* --- layout ------------------------------------------------------------------------ */

static void test_sorts_keys_like_jq(void)
{
	/* The caller sorts by strcmp; that is jq's order: upper case, '_', lower case. */
	static const struct record_column columns[] = {
	    {"Name", RECORD_KIND_STRING},
	    {"Zeta", RECORD_KIND_STRING},
	    {"_hidden", RECORD_KIND_STRING},
	    {"a", RECORD_KIND_INTEGER},
	    {"a_b", RECORD_KIND_INTEGER},
	    {"ab", RECORD_KIND_INTEGER},
	    {"\xc3\xa9t\xc3\xa9", RECORD_KIND_BOOLEAN},
	};
	static const char *const values[] = {"n", "z", "h", "1", "2", "3", "t"};
	static const char expected[] = "{\n"
				       "  \"Name\": \"n\",\n"
				       "  \"Zeta\": \"z\",\n"
				       "  \"_hidden\": \"h\",\n"
				       "  \"a\": 1,\n"
				       "  \"a_b\": 2,\n"
				       "  \"ab\": 3,\n"
				       "  \"\xc3\xa9t\xc3\xa9\": true\n"
				       "}\n";
	g_autoptr(GString) out = g_string_new(NULL);

	record_render(columns, G_N_ELEMENTS(columns), values, out);
	g_assert_cmpstr(out->str, ==, expected);

	/* jq re-sorts a shuffled, compact version of the same object into the same bytes. */
	static const char shuffled[] =
	    "{\"ab\":3,\"\xc3\xa9t\xc3\xa9\":true,\"a\":1,\"_hidden\":\"h\",\"Zeta\":\"z\","
	    "\"a_b\":2,\"Name\":\"n\"}";
	g_autofree char *jq = run_jq(shuffled, strlen(shuffled));
	if (jq != NULL)
		g_assert_cmpstr(jq, ==, expected);
}

static void test_layout_two_spaces_one_key_per_line_final_newline(void)
{
	static const struct record_column columns[] = {
	    {"a", RECORD_KIND_STRING},
	    {"b", RECORD_KIND_INTEGER},
	};
	static const char *const values[] = {"x", "2"};
	g_autoptr(GString) out = g_string_new(NULL);

	record_render(columns, 2, values, out);
	g_assert_cmpstr(out->str, ==, "{\n  \"a\": \"x\",\n  \"b\": 2\n}\n");
}

static void test_empty_object(void)
{
	g_autoptr(GString) out = g_string_new(NULL);

	record_render(NULL, 0, NULL, out);
	g_assert_cmpstr(out->str, ==, "{}\n");
}

static void test_appends_to_existing_content(void)
{
	static const struct record_column column = {"a", RECORD_KIND_INTEGER};
	static const char *const values[] = {"1"};
	g_autoptr(GString) out = g_string_new("prefix:");

	record_render(&column, 1, values, out);
	g_assert_cmpstr(out->str, ==, "prefix:{\n  \"a\": 1\n}\n");
}

static void test_null(void)
{
	for (enum record_kind kind = RECORD_KIND_STRING; kind <= RECORD_KIND_OTHER; kind++)
		assert_value(kind, NULL, "null");

	g_autofree char *record = render_one("x", RECORD_KIND_STRING, NULL);
	g_assert_cmpstr(record, ==, "{\n  \"x\": null\n}\n");
}

static void test_same_input_same_bytes(void)
{
	static const struct record_column columns[] = {
	    {"f", RECORD_KIND_FLOAT}, {"s", RECORD_KIND_STRING}, {"t", RECORD_KIND_TIMESTAMP}};
	static const char *const values[] = {"0.30000000000000004", "x\x01y",
					     "2023-10-01 12:34:56.5"};
	g_autoptr(GString) a = g_string_new(NULL);
	g_autoptr(GString) b = g_string_new(NULL);

	record_render(columns, 3, values, a);
	record_render(columns, 3, values, b);
	g_assert_true(g_string_equal(a, b));
}

/* --- strings ------------------------------------------------------------------------ */

static void test_empty_string(void)
{
	assert_value(RECORD_KIND_STRING, "", "\"\"");
	g_autofree char *record = render_one("x", RECORD_KIND_STRING, "");
	g_assert_cmpstr(record, ==, "{\n  \"x\": \"\"\n}\n");
}

static void test_escapes_quotes_and_backslashes(void)
{
	assert_value(RECORD_KIND_STRING, "say \"hi\"", "\"say \\\"hi\\\"\"");
	assert_value(RECORD_KIND_STRING, "C:\\temp\\", "\"C:\\\\temp\\\\\"");
	assert_value(RECORD_KIND_STRING, "a/b</script>", "\"a/b</script>\"");
	assert_value(RECORD_KIND_STRING, "'&<>", "\"'&<>\"");
}

static void test_escapes_control_characters_like_jq(void)
{
	/* Every byte below 0x20, then DEL, as jq 1.6 writes them. */
	static const char *const expected[] = {
	    "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
	    "\\b",     "\\t",	  "\\n",     "\\u000b", "\\f",	   "\\r",     "\\u000e", "\\u000f",
	    "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
	    "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
	};
	for (unsigned int b = 0; b < 0x20; b++) {
		char in[] = {'a', (char)b, 'z'};
		g_autofree char *got = string_of(in, sizeof(in));
		g_autofree char *want = g_strdup_printf("\"a%sz\"", expected[b]);
		g_assert_cmpstr(got, ==, want);
	}
	g_autofree char *del = string_of("a\x7fz", 3);
	g_assert_cmpstr(del, ==, "\"a\\u007fz\"");

	/* The same through jq: the input spells each byte as a \u escape. */
	GString *input = g_string_new("{\"a\":\"");
	GString *bytes = g_string_new(NULL);
	for (unsigned int b = 0; b < 0x20; b++) {
		g_string_append_printf(input, "\\u%04X", b);
		g_string_append_c(bytes, (char)b);
	}
	g_string_append(input, "\\u007F\"}");
	g_string_append_c(bytes, 0x7f);
	g_autoptr(GString) ours = g_string_new("{\n  \"a\": ");
	record_render_string(bytes->str, bytes->len, ours);
	g_string_append(ours, "\n}\n");
	g_autofree char *jq = run_jq(input->str, input->len);
	if (jq != NULL)
		g_assert_cmpstr(jq, ==, ours->str);
	g_string_free(input, TRUE);
	g_string_free(bytes, TRUE);
}

static void test_unicode_as_is(void)
{
	/* é, €, U+1F600, U+2028, U+FEFF, U+10FFFF: all written as their UTF-8 bytes. */
	static const char text[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8\xef\xbb\xbf"
				   "\xf4\x8f\xbf\xbf";
	g_autofree char *expected = g_strdup_printf("\"%s\"", text);

	assert_value(RECORD_KIND_STRING, text, expected);
}

static void test_invalid_utf8_replaced_like_jq(void)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
	    {"a\xff"
	     "b",
	     "a\xef\xbf\xbd"
	     "b"},				      /* stray byte */
	    {"\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd"}, /* two continuations */
	    {"\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd"}, /* C0 never leads */
	    {"\xe0\x80\x80", "\xef\xbf\xbd"},	      /* overlong */
	    {"\xed\xa0\x80", "\xef\xbf\xbd"},	      /* surrogate */
	    {"\xf4\x90\x80\x80", "\xef\xbf\xbd"},     /* above U+10FFFF */
	    {"\xc3(", "\xef\xbf\xbd("},		      /* cut short */
	    {"\xe2\x82X", "\xef\xbf\xbdX"},	      /* cut short */
	    {"q\xf0"
	     "ab",
	     "q\xef\xbf\xbd"},		      /* cut by the end */
	    {"\xf0\x9f\x98", "\xef\xbf\xbd"}, /* cut by the end */
	};
	GString *input = g_string_new("{");
	GString *ours = g_string_new("{\n");

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = string_of(cases[i].in, strlen(cases[i].in));
		g_autofree char *want = g_strdup_printf("\"%s\"", cases[i].out);
		g_assert_cmpstr(got, ==, want);
		g_assert_true(g_utf8_validate(got, -1, NULL));

		g_string_append_printf(input, "%s\"k%02zu\":\"%s\"", i ? "," : "", i, cases[i].in);
		g_string_append_printf(ours, "  \"k%02zu\": %s%s\n", i, got,
				       i + 1 < G_N_ELEMENTS(cases) ? "," : "");
	}
	g_string_append(input, "}");
	g_string_append(ours, "}\n");
	g_autofree char *jq = run_jq(input->str, input->len);
	if (jq != NULL)
		g_assert_cmpstr(jq, ==, ours->str);
	g_string_free(input, TRUE);
	g_string_free(ours, TRUE);
}

static void test_random_bytes_always_valid_utf8_like_jq(void)
{
	/* Random byte soup, biased toward UTF-8 lead and continuation bytes. */
	static const unsigned char alphabet[] = {'a',  ' ',  0x80, 0xbf, 0xc2, 0xc0, 0xdf, 0xe0,
						 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f};
	GRand *rand = g_rand_new_with_seed(42);
	GString *input = g_string_new("{");
	GString *ours = g_string_new("{\n");

	for (int i = 0; i < 200; i++) {
		char text[12];
		size_t len = (size_t)g_rand_int_range(rand, 1, sizeof(text));
		for (size_t j = 0; j < len; j++)
			text[j] = (char)alphabet[g_rand_int_range(rand, 0, sizeof(alphabet))];
		g_autofree char *got = string_of(text, len);
		g_assert_true(g_utf8_validate(got, -1, NULL));

		g_string_append_printf(input, "%s\"k%03d\":\"", i ? "," : "", i);
		g_string_append_len(input, text, (gssize)len);
		g_string_append(input, "\"");
		g_string_append_printf(ours, "  \"k%03d\": %s%s\n", i, got, i < 199 ? "," : "");
	}
	g_string_append(input, "}");
	g_string_append(ours, "}\n");
	g_autofree char *jq = run_jq(input->str, input->len);
	if (jq != NULL)
		g_assert_cmpstr(jq, ==, ours->str);
	g_string_free(input, TRUE);
	g_string_free(ours, TRUE);
	g_rand_free(rand);
}

static void test_very_long_text(void)
{
	/* 1 MiB of text with a quote every KiB: 1 MiB + 1024 escapes + 2 quotes. */
	size_t len = 1024 * 1024;
	char *text = g_malloc(len + 1);
	for (size_t i = 0; i < len; i++)
		text[i] = i % 1024 == 1023 ? '"' : (char)('a' + i % 26);
	text[len] = '\0';

	g_autofree char *got = value_of(RECORD_KIND_STRING, text);
	g_assert_cmpuint(strlen(got), ==, len + 1024 + 2);
	g_assert_cmpint(got[0], ==, '"');
	g_assert_cmpint(got[len + 1024 + 1], ==, '"');
	g_assert_true(strncmp(got + 1, text, 1023) == 0);
	g_assert_true(strncmp(got + 1024, "\\\"", 2) == 0);
	g_free(text);
}

static void test_keys_escaped_like_values(void)
{
	g_autofree char *record = render_one("we\"ird\\key\n", RECORD_KIND_INTEGER, "1");

	g_assert_cmpstr(record, ==, "{\n  \"we\\\"ird\\\\key\\n\": 1\n}\n");
}

/* --- numbers, booleans ----------------------------------------------------------------- */

static void test_integers_as_is(void)
{
	assert_value(RECORD_KIND_INTEGER, "0", "0");
	assert_value(RECORD_KIND_INTEGER, "-1", "-1");
	assert_value(RECORD_KIND_INTEGER, "32767", "32767");
	assert_value(RECORD_KIND_INTEGER, "9223372036854775807", "9223372036854775807");
	assert_value(RECORD_KIND_INTEGER, "-9223372036854775808", "-9223372036854775808");
	assert_value(RECORD_KIND_INTEGER, "4294967295", "4294967295"); /* oid */
}

static void test_integer_text_that_is_not_an_integer_as_string(void)
{
	assert_value(RECORD_KIND_INTEGER, "12abc", "\"12abc\"");
	assert_value(RECORD_KIND_INTEGER, "", "\"\"");
	assert_value(RECORD_KIND_INTEGER, "1.5", "\"1.5\"");
}

/* Regression: leading zeros passed through ("000", "-0513E2"), which is not JSON. Postgres
 * never prints them; the renderer must not rely on that. */
static void test_number_text_with_leading_zeros_is_valid_json(void)
{
	assert_value(RECORD_KIND_INTEGER, "000", "0");
	assert_value(RECORD_KIND_INTEGER, "007", "7");
	assert_value(RECORD_KIND_INTEGER, "-0042", "-42");
	assert_value(RECORD_KIND_INTEGER, "-000", "-0");
	assert_value(RECORD_KIND_NUMERIC, "-0513E2", "-513E2");
	assert_value(RECORD_KIND_NUMERIC, "000", "0");
	assert_value(RECORD_KIND_NUMERIC, "-000", "0");
	assert_value(RECORD_KIND_NUMERIC, "007.50", "7.5");
	assert_value(RECORD_KIND_NUMERIC, "-000.25", "-0.25");
	assert_value(RECORD_KIND_NUMERIC, "00e5", "0e5");
}

static void test_doubles_shortest_round_trip(void)
{
	/* Postgres 12+ text (extra_float_digits=1) -> jq 1.6 bytes (checked with jq 1.6). */
	static const struct {
		const char *pg;
		const char *json;
	} cases[] = {
	    {"0", "0"},
	    {"-0", "-0"},
	    {"3", "3"},
	    {"100", "100"},
	    {"0.1", "0.1"},
	    {"-2.5", "-2.5"},
	    {"0.0025", "0.0025"},
	    {"0.0001", "0.0001"},
	    {"1e-05", "1e-05"},
	    {"1.5e-05", "1.5e-05"},
	    {"1e-07", "1e-07"},
	    {"1e-10", "1e-10"},
	    {"1e-100", "1e-100"},
	    {"1e+15", "1000000000000000"},
	    {"1.5e+16", "15000000000000000"},
	    {"1e+16", "1e+16"},
	    {"1.5e+17", "1.5e+17"},
	    {"1e+100", "1e+100"},
	    {"1.5e+300", "1.5e+300"},
	    {"1e+308", "1e+308"},
	    {"1.7976931348623157e+308", "1.7976931348623157e+308"},
	    {"2.2250738585072014e-308", "2.2250738585072014e-308"},
	    {"5e-324", "5e-324"},
	    {"123456789012345", "123456789012345"},
	    {"1234567890123456800", "1234567890123456800"},
	    {"1.2345678901234567e+20", "123456789012345670000"},
	    {"1.2345678901234567e+32", "1.2345678901234567e+32"},
	    {"0.30000000000000004", "0.30000000000000004"},
	    {"3.14159265358979", "3.14159265358979"},
	    {"9007199254740992", "9007199254740992"},
	    /* Not shortest (old server, extra_float_digits=3): reduced through the double. */
	    {"0.10000000000000001", "0.1"},
	    {"3.0000000000000000", "3"},
	    {"1.0000000000000000e+100", "1e+100"},
	    {"4.9406564584124654e-324", "5e-324"},
	    {"2.9999999999999999", "3"},
	    {"100000000000000000000", "1e+20"},
	    /* float4 text is already the shortest for float4 and is kept. */
	    {"0.33333334", "0.33333334"},
	    {"3.4028235e+38", "3.4028235e+38"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		assert_value(RECORD_KIND_FLOAT, cases[i].pg, cases[i].json);
		g_autofree char *json = value_of(RECORD_KIND_FLOAT, cases[i].pg);
		g_assert_cmpfloat(g_ascii_strtod(json, NULL), ==,
				  g_ascii_strtod(cases[i].pg, NULL));
	}
}

/* The double that `digits` significant digits of `value`, correctly rounded, read as. */
static double rounded_to(double value, int digits)
{
	char format[8], text[64];

	g_snprintf(format, sizeof(format), "%%.%de", digits - 1);
	g_ascii_formatd(text, sizeof(text), format, value);
	return g_ascii_strtod(text, NULL);
}

static void test_any_double_reads_back_with_fewest_digits(void)
{
	GRand *rand = g_rand_new_with_seed(7);

	for (int i = 0; i < 20000; i++) {
		uint64_t bits = ((uint64_t)g_rand_int(rand) << 32) | g_rand_int(rand);
		double value;
		memcpy(&value, &bits, sizeof(value));
		if (!isfinite(value))
			continue;

		g_autoptr(GString) out = g_string_new(NULL);
		record_number_append_double(value, out);
		double back = g_ascii_strtod(out->str, NULL);
		g_assert_true(memcmp(&back, &value, sizeof(value)) == 0);

		struct record_number n;
		g_assert_true(record_number_read(out->str, out->len, &n));
		if (n.ndigits > 1)
			g_assert_cmpfloat(rounded_to(value, (int)n.ndigits - 1), !=, value);
	}
	g_rand_free(rand);
}

static void test_nan_and_infinity_as_strings(void)
{
	assert_value(RECORD_KIND_FLOAT, "NaN", "\"NaN\"");
	assert_value(RECORD_KIND_FLOAT, "Infinity", "\"Infinity\"");
	assert_value(RECORD_KIND_FLOAT, "-Infinity", "\"-Infinity\"");
	assert_value(RECORD_KIND_NUMERIC, "NaN", "\"NaN\"");
	assert_value(RECORD_KIND_NUMERIC, "Infinity", "\"Infinity\"");
	assert_value(RECORD_KIND_NUMERIC, "-Infinity", "\"-Infinity\"");
}

static void test_numeric_exact_without_trailing_zeros(void)
{
	assert_value(RECORD_KIND_NUMERIC, "123.4500", "123.45");
	assert_value(RECORD_KIND_NUMERIC, "10.000", "10");
	assert_value(RECORD_KIND_NUMERIC, "10", "10");
	assert_value(RECORD_KIND_NUMERIC, "100", "100");
	assert_value(RECORD_KIND_NUMERIC, "0.000", "0");
	assert_value(RECORD_KIND_NUMERIC, "0", "0");
	assert_value(RECORD_KIND_NUMERIC, "-0.50", "-0.5");
	assert_value(RECORD_KIND_NUMERIC, "0.00001", "0.00001");
	assert_value(RECORD_KIND_NUMERIC, "12345678901234567890.123456789012345678901",
		     "12345678901234567890.123456789012345678901");
	assert_value(RECORD_KIND_NUMERIC, "-99999999999999999999999999999999999999",
		     "-99999999999999999999999999999999999999");
}

static void test_boolean(void)
{
	assert_value(RECORD_KIND_BOOLEAN, "t", "true");
	assert_value(RECORD_KIND_BOOLEAN, "f", "false");
	assert_value(RECORD_KIND_BOOLEAN, "maybe", "\"maybe\"");
}

/* --- dates and times ------------------------------------------------------------------- */

static void test_timestamp_utc_with_millis(void)
{
	assert_value(RECORD_KIND_TIMESTAMP, "2023-10-01 12:34:56", "\"2023-10-01T12:34:56Z\"");
	assert_value(RECORD_KIND_TIMESTAMP, "2023-10-01 12:34:56.1",
		     "\"2023-10-01T12:34:56.100Z\"");
	assert_value(RECORD_KIND_TIMESTAMP, "2023-10-01 12:34:56.12",
		     "\"2023-10-01T12:34:56.120Z\"");
	assert_value(RECORD_KIND_TIMESTAMP, "2023-10-01 12:34:56.123",
		     "\"2023-10-01T12:34:56.123Z\"");
}

static void test_timestamp_micros_padded_to_six(void)
{
	assert_value(RECORD_KIND_TIMESTAMP, "2023-10-01 12:34:56.1234",
		     "\"2023-10-01T12:34:56.123400Z\"");
	assert_value(RECORD_KIND_TIMESTAMP, "2023-10-01 12:34:56.12345",
		     "\"2023-10-01T12:34:56.123450Z\"");
	assert_value(RECORD_KIND_TIMESTAMP, "2023-10-01 12:34:56.123456",
		     "\"2023-10-01T12:34:56.123456Z\"");
}

static void test_timestamptz_utc_offset_becomes_z(void)
{
	assert_value(RECORD_KIND_TIMESTAMP, "2023-10-01 12:34:56+00", "\"2023-10-01T12:34:56Z\"");
	assert_value(RECORD_KIND_TIMESTAMP, "2023-10-01 12:34:56.5+00",
		     "\"2023-10-01T12:34:56.500Z\"");
	assert_value(RECORD_KIND_TIMESTAMP, "2023-10-01 12:34:56+00:00",
		     "\"2023-10-01T12:34:56Z\"");
}

static void test_timestamptz_other_offset_kept(void)
{
	/* Only when the session is not in UTC: nothing is converted or invented. */
	assert_value(RECORD_KIND_TIMESTAMP, "2023-10-01 12:34:56+02",
		     "\"2023-10-01T12:34:56+02:00\"");
	assert_value(RECORD_KIND_TIMESTAMP, "2023-10-01 12:34:56.25-05:30",
		     "\"2023-10-01T12:34:56.250-05:30\"");
	assert_value(RECORD_KIND_TIMESTAMP, "1900-01-01 00:00:00+00:53:28",
		     "\"1900-01-01 00:00:00+00:53:28\"");
}

static void test_timestamp_infinity_and_bc_as_text(void)
{
	assert_value(RECORD_KIND_TIMESTAMP, "infinity", "\"infinity\"");
	assert_value(RECORD_KIND_TIMESTAMP, "-infinity", "\"-infinity\"");
	assert_value(RECORD_KIND_TIMESTAMP, "0044-03-15 12:00:00 BC", "\"0044-03-15 12:00:00 BC\"");
	assert_value(RECORD_KIND_TIMESTAMP, "0044-03-15 12:00:00+00 BC",
		     "\"0044-03-15 12:00:00+00 BC\"");
	assert_value(RECORD_KIND_TIMESTAMP, "12345-01-01 00:00:00", "\"12345-01-01T00:00:00Z\"");
	assert_value(RECORD_KIND_TIMESTAMP, "2023-10-01", "\"2023-10-01\"");
}

static void test_date_as_string(void)
{
	assert_value(RECORD_KIND_DATE, "2023-10-01", "\"2023-10-01\"");
	assert_value(RECORD_KIND_DATE, "infinity", "\"infinity\"");
	assert_value(RECORD_KIND_DATE, "0044-03-15 BC", "\"0044-03-15 BC\"");
}

static void test_time_fraction_kept(void)
{
	assert_value(RECORD_KIND_TIME, "12:34:56", "\"12:34:56\"");
	assert_value(RECORD_KIND_TIME, "12:34:56.5", "\"12:34:56.5\"");
	assert_value(RECORD_KIND_TIME, "00:00:00.000001", "\"00:00:00.000001\"");
}

static void test_other_types_as_strings(void)
{
	assert_value(RECORD_KIND_OTHER, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
		     "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"");
	assert_value(RECORD_KIND_OTHER, "{\"a\": [1, 2]}", "\"{\\\"a\\\": [1, 2]}\"");
	assert_value(RECORD_KIND_OTHER, "{1,2,NULL}", "\"{1,2,NULL}\"");
	assert_value(RECORD_KIND_OTHER, "\\x00ff", "\"\\\\x00ff\"");
	assert_value(RECORD_KIND_OTHER, "1 day 02:00:00", "\"1 day 02:00:00\"");
	assert_value(RECORD_KIND_STRING, "ab   ", "\"ab   \""); /* char(5) padding kept */
}

static void test_kind_of_type_oid(void)
{
	static const struct {
		unsigned int oid;
		enum record_kind kind;
	} cases[] = {
	    {16, RECORD_KIND_BOOLEAN},	   {17, RECORD_KIND_OTHER},
	    {19, RECORD_KIND_STRING},	   {20, RECORD_KIND_INTEGER},
	    {21, RECORD_KIND_INTEGER},	   {23, RECORD_KIND_INTEGER},
	    {25, RECORD_KIND_STRING},	   {26, RECORD_KIND_INTEGER},
	    {114, RECORD_KIND_OTHER},	   {700, RECORD_KIND_FLOAT},
	    {701, RECORD_KIND_FLOAT},	   {790, RECORD_KIND_OTHER},
	    {1042, RECORD_KIND_STRING},	   {1043, RECORD_KIND_STRING},
	    {1082, RECORD_KIND_DATE},	   {1083, RECORD_KIND_TIME},
	    {1114, RECORD_KIND_TIMESTAMP}, {1184, RECORD_KIND_TIMESTAMP},
	    {1186, RECORD_KIND_OTHER},	   {1266, RECORD_KIND_OTHER},
	    {1700, RECORD_KIND_NUMERIC},   {2950, RECORD_KIND_OTHER},
	    {3802, RECORD_KIND_OTHER},	   {0, RECORD_KIND_OTHER},
	    {99999, RECORD_KIND_OTHER},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpint(record_kind_of_type_oid(cases[i].oid), ==, cases[i].kind);
}

/* --- against the real jq ---------------------------------------------------------------- */

/* Spells `text` as a JSON string the plain way: every non-printable byte as \u00XX. */
static void append_spelled_string(GString *out, const char *text)
{
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p < 0x20 || *p == '"' || *p == '\\' || *p == 0x7f)
			g_string_append_printf(out, "\\u%04X", *p);
		else
			g_string_append_c(out, (char)*p);
	}
	g_string_append_c(out, '"');
}

static void test_matches_real_jq(void)
{
	/* Strings, integers, booleans, null and doubles of up to 15 significant digits. */
	static const struct {
		enum record_kind kind;
		const char *text;
	} values[] = {
	    {RECORD_KIND_STRING, "plain"},
	    {RECORD_KIND_STRING, ""},
	    {RECORD_KIND_STRING, "quote \" backslash \\ slash /"},
	    {RECORD_KIND_STRING, "tab\tnewline\nreturn\rbell\a\x01\x1f\x7f"},
	    {RECORD_KIND_STRING, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xa8"},
	    {RECORD_KIND_STRING, "  leading and trailing  "},
	    {RECORD_KIND_INTEGER, "0"},
	    {RECORD_KIND_INTEGER, "-42"},
	    {RECORD_KIND_INTEGER, "2147483647"},
	    {RECORD_KIND_INTEGER, "123456789012345"},
	    {RECORD_KIND_BOOLEAN, "t"},
	    {RECORD_KIND_BOOLEAN, "f"},
	    {RECORD_KIND_STRING, NULL},
	    {RECORD_KIND_FLOAT, "0"},
	    {RECORD_KIND_FLOAT, "-0"},
	    {RECORD_KIND_FLOAT, "3"},
	    {RECORD_KIND_FLOAT, "0.1"},
	    {RECORD_KIND_FLOAT, "100"},
	    {RECORD_KIND_FLOAT, "1e+100"},
	    {RECORD_KIND_FLOAT, "1e-07"},
	    {RECORD_KIND_FLOAT, "1.5e+300"},
	    {RECORD_KIND_FLOAT, "1e+308"},
	    {RECORD_KIND_FLOAT, "5e-324"},
	    {RECORD_KIND_FLOAT, "1e-05"},
	    {RECORD_KIND_FLOAT, "0.0001"},
	    {RECORD_KIND_FLOAT, "1e+15"},
	    {RECORD_KIND_FLOAT, "1e+16"},
	    {RECORD_KIND_FLOAT, "1.5e+16"},
	    {RECORD_KIND_FLOAT, "123456789012345"},
	    {RECORD_KIND_FLOAT, "1234567.89012345"},
	    {RECORD_KIND_FLOAT, "-98765.4321"},
	    {RECORD_KIND_FLOAT, "2.5e-10"},
	    {RECORD_KIND_FLOAT, "6.02214076e+23"},
	    {RECORD_KIND_FLOAT, "0.000123456789"},
	    {RECORD_KIND_FLOAT, "0.30000000000000004"},
	};
	struct record_column columns[G_N_ELEMENTS(values)];
	const char *texts[G_N_ELEMENTS(values)];
	char keys[G_N_ELEMENTS(values)][8];
	GString *input = g_string_new("{");

	for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
		g_snprintf(keys[i], sizeof(keys[i]), "k%02zu", i);
		columns[i] = (struct record_column){keys[i], values[i].kind};
		texts[i] = values[i].text;
		/* Given to jq in reverse order, compact, with its own spelling of each value. */
		size_t j = G_N_ELEMENTS(values) - 1 - i;
		g_string_append_printf(input, "%s\"k%02zu\":", i ? "," : "", j);
		if (values[j].text == NULL)
			g_string_append(input, "null");
		else if (values[j].kind == RECORD_KIND_STRING)
			append_spelled_string(input, values[j].text);
		else if (values[j].kind == RECORD_KIND_BOOLEAN)
			g_string_append(input, values[j].text[0] == 't' ? "true" : "false");
		else
			g_string_append(input, values[j].text);
	}
	g_string_append(input, "}");

	g_autoptr(GString) ours = g_string_new(NULL);
	record_render(columns, G_N_ELEMENTS(values), texts, ours);
	g_autofree char *jq = run_jq(input->str, input->len);
	if (jq != NULL)
		g_assert_cmpstr(jq, ==, ours->str);
	g_string_free(input, TRUE);
}

static void test_doubles_match_real_jq_digit_for_digit(void)
{
	/*
	 * Beyond the 15 digits docs/contract.md §4 promises: random doubles, every power of two and
	 * their neighbours, given to jq with 17 digits; jq prints its shortest form.
	 */
	GRand *rand = g_rand_new_with_seed(1234);
	GString *input = g_string_new("[");
	GString *ours = g_string_new("[\n");
	size_t count = 0;

	for (int i = -1074; i <= 1023 + 3000; i++) {
		double value;
		if (i <= 1023) {
			value = ldexp(1.0, i);
			if (i % 3 == 0)
				value = nextafter(value, 0);
			else if (i % 3 == 1)
				value = nextafter(value, INFINITY);
		} else {
			uint64_t bits = ((uint64_t)g_rand_int(rand) << 32) | g_rand_int(rand);
			memcpy(&value, &bits, sizeof(value));
			if (!isfinite(value))
				continue;
		}
		char text[G_ASCII_DTOSTR_BUF_SIZE];
		g_ascii_formatd(text, sizeof(text), "%.17g", value);
		g_string_append_printf(input, "%s%s", count ? "," : "", text);
		g_string_append_printf(ours, "%s  ", count ? ",\n" : "");
		record_number_append_double(value, ours);
		count++;
	}
	g_string_append(input, "]");
	g_string_append(ours, "\n]\n");
	g_autofree char *jq = run_jq(input->str, input->len);
	if (jq != NULL) {
		/* Compare line by line so that a failure names the value. */
		g_auto(GStrv) want = g_strsplit(jq, "\n", -1);
		g_auto(GStrv) got = g_strsplit(ours->str, "\n", -1);
		g_assert_cmpuint(g_strv_length(got), ==, g_strv_length(want));
		for (size_t i = 0; want[i] != NULL; i++)
			g_assert_cmpstr(got[i], ==, want[i]);
	}
	g_string_free(input, TRUE);
	g_string_free(ours, TRUE);
	g_rand_free(rand);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/record_render/sorts_keys_like_jq", test_sorts_keys_like_jq);
	g_test_add_func("/record_render/layout_two_spaces_one_key_per_line_final_newline",
			test_layout_two_spaces_one_key_per_line_final_newline);
	g_test_add_func("/record_render/empty_object", test_empty_object);
	g_test_add_func("/record_render/appends_to_existing_content",
			test_appends_to_existing_content);
	g_test_add_func("/record_render/null", test_null);
	g_test_add_func("/record_render/same_input_same_bytes", test_same_input_same_bytes);
	g_test_add_func("/record_render/empty_string", test_empty_string);
	g_test_add_func("/record_render/escapes_quotes_and_backslashes",
			test_escapes_quotes_and_backslashes);
	g_test_add_func("/record_render/escapes_control_characters_like_jq",
			test_escapes_control_characters_like_jq);
	g_test_add_func("/record_render/unicode_as_is", test_unicode_as_is);
	g_test_add_func("/record_render/invalid_utf8_replaced_like_jq",
			test_invalid_utf8_replaced_like_jq);
	g_test_add_func("/record_render/random_bytes_always_valid_utf8_like_jq",
			test_random_bytes_always_valid_utf8_like_jq);
	g_test_add_func("/record_render/very_long_text", test_very_long_text);
	g_test_add_func("/record_render/keys_escaped_like_values", test_keys_escaped_like_values);
	g_test_add_func("/record_render/integers_as_is", test_integers_as_is);
	g_test_add_func("/record_render/number_text_with_leading_zeros_is_valid_json",
			test_number_text_with_leading_zeros_is_valid_json);
	g_test_add_func("/record_render/integer_text_that_is_not_an_integer_as_string",
			test_integer_text_that_is_not_an_integer_as_string);
	g_test_add_func("/record_render/doubles_shortest_round_trip",
			test_doubles_shortest_round_trip);
	g_test_add_func("/record_render/any_double_reads_back_with_fewest_digits",
			test_any_double_reads_back_with_fewest_digits);
	g_test_add_func("/record_render/nan_and_infinity_as_strings",
			test_nan_and_infinity_as_strings);
	g_test_add_func("/record_render/numeric_exact_without_trailing_zeros",
			test_numeric_exact_without_trailing_zeros);
	g_test_add_func("/record_render/boolean", test_boolean);
	g_test_add_func("/record_render/timestamp_utc_with_millis", test_timestamp_utc_with_millis);
	g_test_add_func("/record_render/timestamp_micros_padded_to_six",
			test_timestamp_micros_padded_to_six);
	g_test_add_func("/record_render/timestamptz_utc_offset_becomes_z",
			test_timestamptz_utc_offset_becomes_z);
	g_test_add_func("/record_render/timestamptz_other_offset_kept",
			test_timestamptz_other_offset_kept);
	g_test_add_func("/record_render/timestamp_infinity_and_bc_as_text",
			test_timestamp_infinity_and_bc_as_text);
	g_test_add_func("/record_render/date_as_string", test_date_as_string);
	g_test_add_func("/record_render/time_fraction_kept", test_time_fraction_kept);
	g_test_add_func("/record_render/other_types_as_strings", test_other_types_as_strings);
	g_test_add_func("/record_render/kind_of_type_oid", test_kind_of_type_oid);
	g_test_add_func("/record_render/matches_real_jq", test_matches_real_jq);
	g_test_add_func("/record_render/doubles_match_real_jq_digit_for_digit",
			test_doubles_match_real_jq_digit_for_digit);

	return g_test_run();
}
