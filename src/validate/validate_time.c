/*
 * validate_time: strict reading of dates, times and timestamps; conversion of timestamps
 * with a zone offset to UTC. See validate_time.h for the forms accepted.
 *
 * The arithmetic is done on plain integers (days since 1970-01-01 in the proleptic
 * Gregorian calendar, as Postgres counts them: civil_time.h), not with GDateTime or mktime: it must not
 * depend on the local time zone, and it must refuse what they would quietly normalize
 * (2023-02-30 is not 2023-03-02).
 */
#include "validate_time.h"

#include <stdlib.h>
#include <string.h>

#include "civil_time.h"

#define MAX_FRACTION_DIGITS 9
#define MAX_OFFSET_HOURS    15

struct clock_time {
	int hour, minute, second;
	const char *fraction; /* the digits after '.', or NULL */
	size_t nfraction;
};

static const char *const month_names[] = {"January",   "February", "March",    "April",
					  "May",       "June",	   "July",     "August",
					  "September", "October",  "November", "December"};

/* YYYY-MM-DD, the form only. */
static bool read_date(const char **p, int *year, int *month, int *day)
{
	return civil_scan_digits(p, 4, year) && civil_scan_char(p, '-') &&
	       civil_scan_digits(p, 2, month) && civil_scan_char(p, '-') &&
	       civil_scan_digits(p, 2, day);
}

/* Whether the date exists; `bc` years count back from 1 BC (astronomical year 0). */
static bool check_date(int year, int month, int day, bool bc, GString *why)
{
	if (year == 0) {
		g_string_append(why, "year 0000 does not exist (the year before 0001 is 0001 BC)");
		return false;
	}
	if (month < 1 || month > 12) {
		g_string_append_printf(why, "month %02d does not exist", month);
		return false;
	}
	long astronomical = bc ? 1L - year : year;
	int last = civil_days_in_month(astronomical, month);
	if (day < 1 || day > last) {
		if (day < 1)
			g_string_append_printf(why, "day %02d does not exist", day);
		else
			g_string_append_printf(why, "%s %04d%s has %d days", month_names[month - 1],
					       year, bc ? " BC" : "", last);
		return false;
	}
	return true;
}

/* HH:MM:SS[.fraction], the form only (the number of fraction digits is checked later). */
static bool read_clock(const char **p, struct clock_time *t)
{
	if (!(civil_scan_digits(p, 2, &t->hour) && civil_scan_char(p, ':') &&
	      civil_scan_digits(p, 2, &t->minute) && civil_scan_char(p, ':') &&
	      civil_scan_digits(p, 2, &t->second)))
		return false;
	t->fraction = NULL;
	t->nfraction = 0;
	if (**p == '.') {
		const char *start = *p + 1;
		const char *q = start;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q == start)
			return false;
		t->fraction = start;
		t->nfraction = (size_t)(q - start);
		*p = q;
	}
	return true;
}

static bool fraction_is_zero(const struct clock_time *t)
{
	for (size_t i = 0; i < t->nfraction; i++) {
		if (t->fraction[i] != '0')
			return false;
	}
	return true;
}

/* Whether the time of day exists; `allow_24` admits 24:00:00 (a `time` value). */
static bool check_clock(const struct clock_time *t, bool allow_24, GString *why)
{
	if (t->nfraction > MAX_FRACTION_DIGITS) {
		g_string_append_printf(why, "at most %d digits after the seconds' decimal point",
				       MAX_FRACTION_DIGITS);
		return false;
	}
	if (allow_24 && t->hour == 24 && t->minute == 0 && t->second == 0 && fraction_is_zero(t))
		return true;
	if (t->hour > 23) {
		g_string_append_printf(why, "hour %02d does not exist", t->hour);
		return false;
	}
	if (t->minute > 59) {
		g_string_append_printf(why, "minute %02d does not exist", t->minute);
		return false;
	}
	if (t->second > 59) {
		g_string_append_printf(why, "second %02d does not exist%s", t->second,
				       t->second == 60 ? " (leap seconds are not stored)" : "");
		return false;
	}
	return true;
}

/*
 * A zone at *p: "Z", or a sign then HH, HHMM or HH:MM. Sets *minutes east of UTC. Returns
 * 1 when read, 0 when there is none (end of text), -1 when malformed.
 */
static int read_zone(const char **p, int *minutes)
{
	if (**p == '\0')
		return 0;
	if (civil_scan_char(p, 'Z')) {
		*minutes = 0;
		return 1;
	}
	int hours, mins;
	if (!civil_scan_offset(p, &hours, &mins))
		return -1;
	*minutes = hours * 60 + mins;
	return abs(hours) > MAX_OFFSET_HOURS || abs(mins) > 59 ? -2 : 1;
}

static bool is_infinity(const char *text)
{
	return strcmp(text, "infinity") == 0 || strcmp(text, "-infinity") == 0;
}

bool validate_time_date(const char *text, GString *sql, GString *why)
{
	if (is_infinity(text)) {
		g_string_append(sql, text);
		return true;
	}
	const char *p = text;
	int year, month, day;
	if (!read_date(&p, &year, &month, &day))
		return false;
	bool bc = strcmp(p, " BC") == 0;
	if (*p && !bc)
		return false;
	if (!check_date(year, month, day, bc, why))
		return false;
	g_string_append(sql, text);
	return true;
}

bool validate_time_time(const char *text, GString *sql, GString *why)
{
	const char *p = text;
	struct clock_time t;
	if (!read_clock(&p, &t) || *p)
		return false;
	if (!check_clock(&t, true, why))
		return false;
	g_string_append(sql, text);
	return true;
}

/* Postgres's own text of a BC timestamp, as rendering shows it: passed on unchanged. */
static bool timestamp_bc(const char *text, GString *sql, GString *why)
{
	const char *p = text;
	int year, month, day;
	struct clock_time t;
	if (!read_date(&p, &year, &month, &day) || !civil_scan_char(&p, ' ') || !read_clock(&p, &t))
		return false;
	if (strcmp(p, " BC") != 0 && strcmp(p, "+00 BC") != 0)
		return false;
	if (!check_date(year, month, day, true, why) || !check_clock(&t, false, why))
		return false;
	g_string_append(sql, text);
	return true;
}

bool validate_time_timestamp(const char *text, bool with_zone, GString *sql, GString *why)
{
	if (is_infinity(text)) {
		g_string_append(sql, text);
		return true;
	}
	size_t len = strlen(text);
	if (len > 3 && strcmp(text + len - 3, " BC") == 0)
		return timestamp_bc(text, sql, why);

	const char *p = text;
	int year, month, day, offset = 0;
	struct clock_time t;
	if (!read_date(&p, &year, &month, &day))
		return false;
	if (!civil_scan_char(&p, 'T') && !civil_scan_char(&p, ' '))
		return false;
	if (!read_clock(&p, &t))
		return false;
	const char *zone = p;
	int zone_read = read_zone(&p, &offset);
	if (zone_read == -1 || *p)
		return false;
	if (!check_date(year, month, day, false, why) || !check_clock(&t, false, why))
		return false;
	if (zone_read == -2) {
		g_string_append_printf(why, "zone offset %s is out of range (at most ±%d:59)", zone,
				       MAX_OFFSET_HOURS);
		return false;
	}

	/* To UTC: local time minus the offset, which may move the date. */
	long minutes = civil_days_from_date(year, month, day) * 1440L + t.hour * 60L + t.minute - offset;
	long days = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
	long minute_of_day = minutes - days * 1440;
	long utc_year;
	int utc_month, utc_day;
	civil_date_from_days(days, &utc_year, &utc_month, &utc_day);
	if (utc_year < 1 || utc_year > 9999) {
		g_string_append(why, "in UTC it falls outside the years 0001 to 9999");
		return false;
	}
	g_string_append_printf(sql, "%04ld-%02d-%02d %02ld:%02ld:%02d", utc_year, utc_month,
			       utc_day, minute_of_day / 60, minute_of_day % 60, t.second);
	if (t.fraction) {
		g_string_append_c(sql, '.');
		g_string_append_len(sql, t.fraction, (gssize)t.nfraction);
	}
	if (with_zone)
		g_string_append(sql, "+00");
	return true;
}
