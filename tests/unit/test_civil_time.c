/* The calendar as day numbers (src/base/civil_time.h). */
#include "civil_time.h"

#include <glib.h>

static void test_leap_years(void)
{
	g_assert_true(civil_is_leap_year(2024));
	g_assert_true(civil_is_leap_year(2000));
	g_assert_true(civil_is_leap_year(0)); /* 1 BC */
	g_assert_false(civil_is_leap_year(1900));
	g_assert_false(civil_is_leap_year(2023));
	g_assert_cmpint(civil_days_in_month(2024, 2), ==, 29);
	g_assert_cmpint(civil_days_in_month(2023, 2), ==, 28);
	g_assert_cmpint(civil_days_in_month(2023, 4), ==, 30);
	g_assert_cmpint(civil_days_in_month(2023, 12), ==, 31);
}

static void test_known_days(void)
{
	g_assert_cmpint(civil_days_from_date(1970, 1, 1), ==, 0);
	g_assert_cmpint(civil_days_from_date(1969, 12, 31), ==, -1);
	g_assert_cmpint(civil_days_from_date(2000, 3, 1), ==, 11017);
	g_assert_cmpint(civil_days_from_date(1, 1, 1), ==, -719162);
	g_assert_cmpint(civil_days_from_date(9999, 12, 31), ==, 2932896);
}

/* Every day from year -400 to 10000 maps to the next date and back. */
static void test_round_trip(void)
{
	long expect_year = -400;
	int expect_month = 1, expect_day = 1;
	for (long days = civil_days_from_date(-400, 1, 1); days <= civil_days_from_date(10000, 12, 31);
	     days++) {
		long year;
		int month, day;
		civil_date_from_days(days, &year, &month, &day);
		if (year != expect_year || month != expect_month || day != expect_day)
			g_error("day %ld: %ld-%d-%d, expected %ld-%d-%d", days, year, month, day,
				expect_year, expect_month, expect_day);
		g_assert_cmpint(civil_days_from_date(year, month, day), ==, days);
		if (++expect_day > civil_days_in_month(expect_year, expect_month)) {
			expect_day = 1;
			if (++expect_month > 12) {
				expect_month = 1;
				expect_year++;
			}
		}
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/civil_time/leap_years", test_leap_years);
	g_test_add_func("/civil_time/known_days", test_known_days);
	g_test_add_func("/civil_time/round_trip", test_round_trip);
	return g_test_run();
}
