/*
 * Tests for validate_time: dates, times and timestamps read strictly and turned into the
 * text Postgres takes, timestamps converted to UTC (docs/validation.md §3).
 *
 * Each check reads "=<sql text>" when accepted, "!<why>" when refused for a reason, and
 * "?" when the text does not have the form at all.
 */
#include "validate_time.h"

#include <glib.h>
#include <string.h>

enum which { DATE, TIME, TIMESTAMP, TIMESTAMPTZ };

static char *run(enum which which, const char *text)
{
	GString *sql = g_string_new(NULL);
	GString *why = g_string_new(NULL);
	bool ok = which == DATE	  ? validate_time_date(text, sql, why)
		  : which == TIME ? validate_time_time(text, sql, why)
				  : validate_time_timestamp(text, which == TIMESTAMPTZ, sql, why);
	char *out;
	if (ok) {
		g_assert_cmpuint(why->len, ==, 0);
		out = g_strconcat("=", sql->str, NULL);
	} else {
		g_assert_cmpuint(sql->len, ==, 0);
		out = why->len ? g_strconcat("!", why->str, NULL) : g_strdup("?");
	}
	g_string_free(sql, TRUE);
	g_string_free(why, TRUE);
	return out;
}

#define assert_time(which, text, expected)                                                         \
	do {                                                                                       \
		g_autofree char *got_ = run((which), (text));                                      \
		g_assert_cmpstr(got_, ==, (expected));                                             \
	} while (0)

static void test_update_converts_timestamp_with_offset_to_utc(void)
{
	assert_time(TIMESTAMP, "2023-10-01T14:34:56+02:00", "=2023-10-01 12:34:56");
	assert_time(TIMESTAMP, "2023-10-01T14:34:56.789+02:00", "=2023-10-01 12:34:56.789");
	assert_time(TIMESTAMP, "2023-10-01T07:04:56-05:30", "=2023-10-01 12:34:56");
	assert_time(TIMESTAMP, "2023-10-01T14:34:56+0200", "=2023-10-01 12:34:56");
	assert_time(TIMESTAMP, "2023-10-01T14:34:56+02", "=2023-10-01 12:34:56");
	/* Across a day, a month, a year, and into a leap day. */
	assert_time(TIMESTAMP, "2023-10-01T01:00:00+02:00", "=2023-09-30 23:00:00");
	assert_time(TIMESTAMP, "2024-01-01T00:30:00+01:00", "=2023-12-31 23:30:00");
	assert_time(TIMESTAMP, "2023-12-31T23:30:00-01:00", "=2024-01-01 00:30:00");
	assert_time(TIMESTAMP, "2024-03-01T00:00:00+00:01", "=2024-02-29 23:59:00");
	assert_time(TIMESTAMP, "2023-03-01T00:00:00+00:01", "=2023-02-28 23:59:00");
	assert_time(TIMESTAMP, "0001-01-01T10:00:00+09:00", "=0001-01-01 01:00:00");
	assert_time(TIMESTAMPTZ, "2023-10-01T14:34:56.5+02:00", "=2023-10-01 12:34:56.5+00");
}

static void test_timestamp_forms(void)
{
	/* What rendering shows, and what Salesforce and people write. */
	assert_time(TIMESTAMP, "2023-10-01T12:34:56Z", "=2023-10-01 12:34:56");
	assert_time(TIMESTAMP, "2023-10-01T12:34:56.789Z", "=2023-10-01 12:34:56.789");
	assert_time(TIMESTAMP, "2023-10-01T12:34:56.123400Z", "=2023-10-01 12:34:56.123400");
	assert_time(TIMESTAMP, "2023-10-01T12:34:56.000+0000", "=2023-10-01 12:34:56.000");
	assert_time(TIMESTAMP, "2023-10-01 12:34:56", "=2023-10-01 12:34:56"); /* no zone: UTC */
	assert_time(TIMESTAMP, "2023-10-01T12:34:56", "=2023-10-01 12:34:56");
	assert_time(TIMESTAMP, "2023-10-01 12:34:56+00", "=2023-10-01 12:34:56");
	assert_time(TIMESTAMP, "2023-10-01T12:34:56.123456789Z", "=2023-10-01 12:34:56.123456789");
	assert_time(TIMESTAMPTZ, "2023-10-01T12:34:56Z", "=2023-10-01 12:34:56+00");
	assert_time(TIMESTAMP, "9999-12-31T23:59:59Z", "=9999-12-31 23:59:59");
	/* Postgres's own texts that rendering keeps. */
	assert_time(TIMESTAMP, "infinity", "=infinity");
	assert_time(TIMESTAMPTZ, "-infinity", "=-infinity");
	assert_time(TIMESTAMP, "0044-03-15 12:00:00 BC", "=0044-03-15 12:00:00 BC");
	assert_time(TIMESTAMPTZ, "0044-03-15 12:00:00+00 BC", "=0044-03-15 12:00:00+00 BC");
	assert_time(TIMESTAMP, "0001-02-29 00:00:00 BC",
		    "=0001-02-29 00:00:00 BC"); /* 1 BC: leap */
}

static void test_timestamp_refuses_impossible_dates_and_times(void)
{
	assert_time(TIMESTAMP, "2023-02-30T12:00:00Z", "!February 2023 has 28 days");
	assert_time(TIMESTAMP, "2023-02-29T12:00:00Z", "!February 2023 has 28 days");
	assert_time(TIMESTAMP, "1900-02-29T12:00:00Z", "!February 1900 has 28 days");
	assert_time(TIMESTAMP, "2023-04-31T12:00:00Z", "!April 2023 has 30 days");
	assert_time(TIMESTAMP, "2023-13-01T12:00:00Z", "!month 13 does not exist");
	assert_time(TIMESTAMP, "2023-00-01T12:00:00Z", "!month 00 does not exist");
	assert_time(TIMESTAMP, "2023-01-00T12:00:00Z", "!day 00 does not exist");
	assert_time(TIMESTAMP, "0000-01-01T12:00:00Z",
		    "!year 0000 does not exist (the year before 0001 is 0001 BC)");
	assert_time(TIMESTAMP, "2023-10-01T25:00:00Z", "!hour 25 does not exist");
	assert_time(TIMESTAMP, "2023-10-01T24:00:00Z", "!hour 24 does not exist");
	assert_time(TIMESTAMP, "2023-10-01T12:60:00Z", "!minute 60 does not exist");
	assert_time(TIMESTAMP, "2023-10-01T23:59:60Z",
		    "!second 60 does not exist (leap seconds are not stored)");
	assert_time(TIMESTAMP, "2023-10-01T12:00:00.1234567890Z",
		    "!at most 9 digits after the seconds' decimal point");
	assert_time(TIMESTAMP, "2023-10-01T12:00:00+16:00",
		    "!zone offset +16:00 is out of range (at most \u00b115:59)");
	assert_time(TIMESTAMP, "2023-10-01T12:00:00+01:60",
		    "!zone offset +01:60 is out of range (at most \u00b115:59)");
	assert_time(TIMESTAMP, "0001-01-01T00:30:00+01:00",
		    "!in UTC it falls outside the years 0001 to 9999");
	assert_time(TIMESTAMP, "9999-12-31T23:30:00-01:00",
		    "!in UTC it falls outside the years 0001 to 9999");
	assert_time(TIMESTAMP, "0044-02-29 12:00:00 BC", "!February 0044 BC has 28 days");
}

static void test_timestamp_refuses_other_forms(void)
{
	const char *bad[] = {
	    "",
	    "yesterday",
	    "2023-10-01",
	    "2023-10-01T12:34Z",
	    "2023-10-01t12:34:56z",
	    "2023-10-01T12:34:56z",
	    "2023-10-01T12:34:56 Z",
	    "2023-10-01T12:34:56Z ",
	    " 2023-10-01T12:34:56Z",
	    "2023-1-01T12:34:56Z",
	    "23-10-01T12:34:56Z",
	    "2023/10/01 12:34:56",
	    "2023-10-01T12:34:56.Z",
	    "2023-10-01T12:34:56,5Z",
	    "2023-10-01T12:34:56+2",
	    "2023-10-01T12:34:56+02:0",
	    "2023-10-01T12:34:56+02:00:00",
	    "2023-10-01T12:34:56UTC",
	    "2023-10-01T12:34:56 BC",
	    "12023-10-01T12:34:56Z",
	    "Infinity",
	    "1696163696",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("%s", bad[i]);
		assert_time(TIMESTAMP, bad[i], "?");
	}
}

static void test_date_is_a_real_calendar_date(void)
{
	assert_time(DATE, "2023-10-01", "=2023-10-01");
	assert_time(DATE, "2024-02-29", "=2024-02-29");
	assert_time(DATE, "2000-02-29", "=2000-02-29");
	assert_time(DATE, "0001-01-01", "=0001-01-01");
	assert_time(DATE, "9999-12-31", "=9999-12-31");
	assert_time(DATE, "infinity", "=infinity");
	assert_time(DATE, "-infinity", "=-infinity");
	assert_time(DATE, "0044-03-15 BC", "=0044-03-15 BC");
	assert_time(DATE, "2023-02-29", "!February 2023 has 28 days");
	assert_time(DATE, "2100-02-29", "!February 2100 has 28 days");
	assert_time(DATE, "2023-06-31", "!June 2023 has 30 days");
	assert_time(DATE, "2023-10-01T00:00:00Z", "?");
	assert_time(DATE, "2023-10-1", "?");
	assert_time(DATE, "01/10/2023", "?");
	assert_time(DATE, "", "?");
}

static void test_time_accepts_hh_mm_ss_and_a_fraction(void)
{
	assert_time(TIME, "12:34:56", "=12:34:56");
	assert_time(TIME, "00:00:00", "=00:00:00");
	assert_time(TIME, "12:34:56.5", "=12:34:56.5");
	assert_time(TIME, "23:59:59.999999", "=23:59:59.999999");
	assert_time(TIME, "24:00:00", "=24:00:00"); /* Postgres prints it */
	assert_time(TIME, "24:00:00.000", "=24:00:00.000");
	assert_time(TIME, "24:00:01", "!hour 24 does not exist");
	assert_time(TIME, "25:00:00", "!hour 25 does not exist");
	assert_time(TIME, "12:61:00", "!minute 61 does not exist");
	assert_time(TIME, "12:34", "?");
	assert_time(TIME, "12:34:56Z", "?");
	assert_time(TIME, "12:34:56+02:00", "?");
	assert_time(TIME, "1:02:03", "?");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/validate/update_converts_timestamp_with_offset_to_utc",
			test_update_converts_timestamp_with_offset_to_utc);
	g_test_add_func("/validate/timestamp_forms", test_timestamp_forms);
	g_test_add_func("/validate/timestamp_refuses_impossible_dates_and_times",
			test_timestamp_refuses_impossible_dates_and_times);
	g_test_add_func("/validate/timestamp_refuses_other_forms",
			test_timestamp_refuses_other_forms);
	g_test_add_func("/validate/date_is_a_real_calendar_date",
			test_date_is_a_real_calendar_date);
	g_test_add_func("/validate/time_accepts_hh_mm_ss_and_a_fraction",
			test_time_accepts_hh_mm_ss_and_a_fraction);

	return g_test_run();
}
