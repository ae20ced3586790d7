#include "civil_time.h"

bool civil_is_leap_year(long year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int civil_days_in_month(long year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return month == 2 && civil_is_leap_year(year) ? 29 : days[month - 1];
}

/* Howard Hinnant's days_from_civil: eras of 400 years (146097 days), the year taken to
 * start on March 1 so that the leap day comes last. */
long civil_days_from_date(long year, int month, int day)
{
	year -= month <= 2;
	long era = (year >= 0 ? year : year - 399) / 400;
	long yoe = year - era * 400;
	long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void civil_date_from_days(long days, long *year, int *month, int *day)
{
	days += 719468;
	long era = (days >= 0 ? days : days - 146096) / 146097;
	long doe = days - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

bool civil_scan_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

bool civil_scan_char(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

bool civil_scan_offset(const char **p, int *hours, int *minutes)
{
	const char *at = *p;
	int sign = *at == '+' ? 1 : *at == '-' ? -1 : 0;
	int hh, mm = 0;
	if (!sign)
		return false;
	at++;
	if (!civil_scan_digits(&at, 2, &hh))
		return false;
	if (civil_scan_char(&at, ':') || (*at >= '0' && *at <= '9')) {
		if (!civil_scan_digits(&at, 2, &mm))
			return false;
	}
	*p = at;
	*hours = sign * hh;
	*minutes = sign * mm;
	return true;
}
