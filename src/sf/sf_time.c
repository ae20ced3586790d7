#include "sf_time.h"

#include "civil_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS_PER_DAY (86400LL * 1000)
/* 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: checked before any arithmetic,
 * so no value of an int64_t can overflow the day computation. */
#define FIRST_MS (-719162LL * MS_PER_DAY)
#define LAST_MS (2932897LL * MS_PER_DAY - 1)

/* Reads "Z", "+hh", "+hhmm" or "+hh:mm" (or "-"), giving the offset in minutes. */
static bool offset(const char **p, int *minutes)
{
	if (civil_scan_char(p, 'Z')) {
		*minutes = 0;
		return true;
	}
	int hh, mm;
	if (!civil_scan_offset(p, &hh, &mm) || abs(hh) > 18 || abs(mm) > 59)
		return false;
	*minutes = hh * 60 + mm;
	return true;
}

bool sf_time_parse(const char *text, int64_t *ms_out)
{
	if (!text)
		return false;
	const char *p = text;
	int y, mo, d, h, mi, s, ms = 0, off;
	if (!civil_scan_digits(&p, 4, &y) || !civil_scan_char(&p, '-') ||
	    !civil_scan_digits(&p, 2, &mo) || !civil_scan_char(&p, '-') ||
	    !civil_scan_digits(&p, 2, &d) || !civil_scan_char(&p, 'T') ||
	    !civil_scan_digits(&p, 2, &h) || !civil_scan_char(&p, ':') ||
	    !civil_scan_digits(&p, 2, &mi) || !civil_scan_char(&p, ':') ||
	    !civil_scan_digits(&p, 2, &s))
		return false;
	if (civil_scan_char(&p, '.')) {
		int n = 0;
		while (p[n] >= '0' && p[n] <= '9')
			n++;
		if (n < 1 || n > 9)
			return false;
		for (int i = 0; i < 3; i++)
			ms = ms * 10 + (i < n ? p[i] - '0' : 0);
		p += n;
	}
	if (!offset(&p, &off) || *p != '\0')
		return false;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > civil_days_in_month(y, mo) || h > 23 || mi > 59 ||
	    s > 59)
		return false;
	int64_t seconds =
	    civil_days_from_date(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + s - off * 60LL;
	int64_t at = seconds * 1000 + ms;
	/* An offset can carry 0001-01-01 or 9999-12-31 out of the years Salesforce has. */
	if (at < FIRST_MS || at > LAST_MS)
		return false;
	*ms_out = at;
	return true;
}

bool sf_time_format(int64_t ms, char out[SF_TIME_BUF])
{
	out[0] = '\0';
	if (ms < FIRST_MS || ms > LAST_MS)
		return false;
	int64_t day = ms >= 0 ? ms / MS_PER_DAY : -((-ms + MS_PER_DAY - 1) / MS_PER_DAY);
	int64_t in_day = ms - day * MS_PER_DAY;
	long y;
	int m, d;
	civil_date_from_days(day, &y, &m, &d);
	if (y < 1 || y > 9999)
		return false;
	unsigned secs = (unsigned)(in_day / 1000);
	/* The modulos tell the compiler the widths; the values are already in range. */
	snprintf(out, SF_TIME_BUF, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned)y % 10000u,
		 (unsigned)m % 100u, (unsigned)d % 100u, secs / 3600 % 100u, secs / 60 % 60,
		 secs % 60, (unsigned)(in_day % 1000));
	return true;
}

int64_t sf_time_now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}
