/*
 * civil_time: the proleptic Gregorian calendar as day numbers, the one place forcefs
 * does calendar arithmetic (Salesforce datetimes in sf_time, what users write in
 * validate_time).
 *
 * Years are astronomical (1 BC is year 0, 2 BC is -1); day 0 is 1970-01-01. Pure
 * functions, independent of the C locale and of the local time zone.
 */
#ifndef FORCEFS_CIVIL_TIME_H
#define FORCEFS_CIVIL_TIME_H

#include <stdbool.h>

bool civil_is_leap_year(long year);

/* Days of `month` (1..12) in `year`. */
int civil_days_in_month(long year, int month);

/* Days from 1970-01-01 to year-month-day (negative before it). The date must be real. */
long civil_days_from_date(long year, int month, int day);

/* The date of day number `days`. */
void civil_date_from_days(long days, long *year, int *month, int *day);

/* Scanning the text of dates and times (what sf_time and validate_time read).
 * civil_scan_digits(): exactly `n` ASCII digits at *p into *out, advancing *p; false
 * (and *p unchanged) otherwise. civil_scan_char(): whether *p starts with `c`, and if so
 * steps over it. */
bool civil_scan_digits(const char **p, int n, int *out);
bool civil_scan_char(const char **p, char c);
/* A UTC offset "+hh", "+hhmm" or "+hh:mm" (or "-") at *p: its hours and minutes, both
 * carrying the sign, advancing *p; false (and *p unchanged) when malformed. The caller
 * bounds the values. */
bool civil_scan_offset(const char **p, int *hours, int *minutes);

#endif
