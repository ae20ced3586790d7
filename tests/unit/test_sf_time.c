/* sf_time and sf_soql: datetimes both ways, SOQL literals, API names. */
#include "sf_soql.h"
#include "sf_time.h"

#include <glib.h>
#include <string.h>

static int64_t parse(const char *s)
{
	int64_t ms = -1;
	g_assert_true(sf_time_parse(s, &ms));
	return ms;
}

static void test_parses_salesforce_datetime_forms(void)
{
	g_assert_cmpint(parse("2023-10-01T12:34:56.000+0000"), ==, 1696163696000LL);
	g_assert_cmpint(parse("2023-10-01T12:34:56.789+0000"), ==, 1696163696789LL);
	g_assert_cmpint(parse("2023-10-01T12:34:56Z"), ==, 1696163696000LL);
	g_assert_cmpint(parse("2023-10-01T12:34:56.7Z"), ==, 1696163696700LL);
	g_assert_cmpint(parse("2023-10-01T12:34:56.123456789Z"), ==, 1696163696123LL);
	g_assert_cmpint(parse("2023-10-01T14:34:56.000+02:00"), ==, 1696163696000LL);
	g_assert_cmpint(parse("2023-10-01T07:04:56.000-0530"), ==, 1696163696000LL);
	g_assert_cmpint(parse("2023-10-01T14:34:56+02"), ==, 1696163696000LL);
	g_assert_cmpint(parse("1970-01-01T00:00:00.000+0000"), ==, 0);
	g_assert_cmpint(parse("1969-12-31T23:59:59.999Z"), ==, -1);
	g_assert_cmpint(parse("2024-02-29T00:00:00Z"), ==, 1709164800000LL);
	g_assert_cmpint(parse("2000-02-29T00:00:00Z"), ==, 951782400000LL);
}

static void test_rejects_malformed_datetimes(void)
{
	const char *bad[] = {
	    "",
	    "2023-10-01",
	    "2023-10-01 12:34:56Z",
	    "2023-10-01T12:34:56",
	    "2023-10-01T12:34:56.Z",
	    "2023-10-01T12:34:56.0000000000Z",
	    "2023-13-01T12:34:56Z",
	    "2023-02-29T12:34:56Z",
	    "1900-02-29T00:00:00Z",
	    "2023-10-01T24:00:00Z",
	    "2023-10-01T12:60:00Z",
	    "2023-10-01T12:34:60Z",
	    "2023-10-01T12:34:56+1900",
	    "2023-10-01T12:34:56+00:0",
	    "2023-10-01T12:34:56Zjunk",
	    "2023-10-01T12:34:56.000+0000 ",
	    "0000-01-01T00:00:00Z",
	    /* found by fuzz_ids_times: the offset carries them outside 0001..9999 UTC */
	    "0001-01-01T03:34:00+12:34",
	    "9999-12-31T23:00:00-01:00",
	    "2023-1-01T12:34:56Z",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		int64_t ms = 42;
		if (sf_time_parse(bad[i], &ms))
			g_error("accepted \"%s\"", bad[i]);
		g_assert_cmpint(ms, ==, 42);
	}
	g_assert_false(sf_time_parse(NULL, NULL));
}

/* The strict parser agrees with GLib's ISO 8601 parser on the forms both take. */
static void test_agrees_with_glib(void)
{
	const char *forms[] = {"2011-07-07T00:37:00.000+0000", "2013-05-08T21:20:00.000+0000",
			       "2023-10-01T12:34:56.789Z", "1999-12-31T23:59:59.999-0800",
			       "2038-01-19T03:14:08+01:00"};
	for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
		GDateTime *dt = g_date_time_new_from_iso8601(forms[i], NULL);
		g_assert_nonnull(dt);
		g_assert_cmpint(parse(forms[i]), ==,
				g_date_time_to_unix(dt) * 1000 +
				    g_date_time_get_microsecond(dt) / 1000);
		g_date_time_unref(dt);
	}
}

static void test_formats_soql_datetime(void)
{
	char buf[SF_TIME_BUF];
	g_assert_true(sf_time_format(1696163696000LL, buf));
	g_assert_cmpstr(buf, ==, "2023-10-01T12:34:56.000Z");
	g_assert_true(sf_time_format(-1, buf));
	g_assert_cmpstr(buf, ==, "1969-12-31T23:59:59.999Z");
	g_assert_true(sf_time_format(0, buf));
	g_assert_cmpstr(buf, ==, "1970-01-01T00:00:00.000Z");
	g_assert_false(sf_time_format(400000000000000LL, buf));
	g_assert_cmpstr(buf, ==, "");
	for (int64_t ms = -5000000000000LL; ms < 5000000000000LL; ms += 123456789123LL) {
		g_assert_true(sf_time_format(ms, buf));
		g_assert_cmpint(parse(buf), ==, ms);
	}
	char *lit = sf_soql_datetime(1696163696789LL);
	g_assert_cmpstr(lit, ==, "2023-10-01T12:34:56.789Z");
	g_free(lit);
	g_assert_null(sf_soql_datetime(400000000000000LL));
	g_assert_cmpint(sf_time_now_ms(), >, 1696163696000LL);
}

/* Regression: milliseconds near INT64_MIN overflowed the day computation (signed overflow,
 * caught by UBSan); the range is now checked before any arithmetic. */
static void test_format_refuses_extreme_values_without_overflow(void)
{
	char buf[SF_TIME_BUF];
	const int64_t extremes[] = {INT64_MIN, INT64_MIN + 1, INT64_MIN + 86399999, INT64_MAX,
				    INT64_MAX - 1, -62135596800001LL, 253402300800000LL};
	for (size_t i = 0; i < G_N_ELEMENTS(extremes); i++) {
		g_assert_false(sf_time_format(extremes[i], buf));
		g_assert_cmpstr(buf, ==, "");
	}
	g_assert_true(sf_time_format(-62135596800000LL, buf));
	g_assert_cmpstr(buf, ==, "0001-01-01T00:00:00.000Z");
	g_assert_true(sf_time_format(253402300799999LL, buf));
	g_assert_cmpstr(buf, ==, "9999-12-31T23:59:59.999Z");
}

static void test_quotes_soql_literals_safely(void)
{
	struct {
		const char *in, *out;
	} cases[] = {
	    {"Acme", "'Acme'"},
	    {"O'Brien", "'O\\'Brien'"},
	    {"back\\slash", "'back\\\\slash'"},
	    {"' OR Name != '", "'\\' OR Name != \\''"},
	    {"line\nbreak\ttab\r", "'line\\nbreak\\ttab\\r'"},
	    {"say \"hi\"", "'say \\\"hi\\\"'"},
	    {"", "''"},
	    {"caf\xc3\xa9", "'caf\xc3\xa9'"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *q = sf_soql_quote(cases[i].in);
		g_assert_cmpstr(q, ==, cases[i].out);
		g_free(q);
	}
	char *q = sf_soql_quote(NULL);
	g_assert_cmpstr(q, ==, "''");
	g_free(q);
}

static void test_checks_api_names(void)
{
	const char *good[] = {"Account", "Customer_Records__c", "ns__Thing__c", "X", "a1"};
	const char *bad[] = {"",      "1abc",	     "_x",     "a b",	      "x_",
			     "a___b", "Account/../", "Acc%2F", "Account?q=1", "Owner.Name",
			     "naïve", NULL};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
		g_assert_true(sf_soql_is_api_name(good[i]));
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_false(sf_soql_is_api_name(bad[i]));
	g_assert_true(sf_soql_is_field_path("Owner.Name"));
	g_assert_true(sf_soql_is_field_path("Name"));
	g_assert_false(sf_soql_is_field_path("Owner..Name"));
	g_assert_false(sf_soql_is_field_path("Owner."));
	g_assert_false(sf_soql_is_field_path(".Name"));
	char longname[100];
	memset(longname, 'a', 81);
	longname[81] = '\0';
	g_assert_false(sf_soql_is_api_name(longname));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sf_time/parses_salesforce_datetime_forms",
			test_parses_salesforce_datetime_forms);
	g_test_add_func("/sf_time/rejects_malformed_datetimes", test_rejects_malformed_datetimes);
	g_test_add_func("/sf_time/agrees_with_glib", test_agrees_with_glib);
	g_test_add_func("/sf_time/formats_soql_datetime", test_formats_soql_datetime);
	g_test_add_func("/sf_time/format_refuses_extreme_values_without_overflow",
			test_format_refuses_extreme_values_without_overflow);
	g_test_add_func("/sf_soql/quotes_literals_safely", test_quotes_soql_literals_safely);
	g_test_add_func("/sf_soql/checks_api_names", test_checks_api_names);
	return g_test_run();
}
