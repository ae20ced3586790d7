/*
 * validate_time: dates, times and timestamps as people write them in record files, read
 * strictly and turned into the text Postgres takes (docs/validation.md §3).
 *
 *   date       "2023-10-01"                              -> "2023-10-01"
 *   time       "12:34:56", "12:34:56.5"                  -> as written
 *   timestamp  "2023-10-01T12:34:56Z"                    -> "2023-10-01 12:34:56"
 *              "2023-10-01T14:34:56.789+02:00"           -> "2023-10-01 12:34:56.789"
 *              "2023-10-01 12:34:56" (no zone: UTC)      -> "2023-10-01 12:34:56"
 *
 * Years have four digits (0001-9999), the calendar is checked (2023-02-30 is refused, 2024-
 * 02-29 is not), hours 00-23, minutes and seconds 00-59 (no leap second; a time may be
 * "24:00:00", as Postgres prints it), 1 to 9 fraction digits, passed on as written (Postgres
 * rounds to microseconds). Zones: "Z", "+HH:MM", "+HHMM" or "+HH" (either sign, up to
 * 15:59). What rendering shows for values outside that is accepted back unchanged:
 * "infinity", "-infinity" (dates and timestamps) and BC values in Postgres's own form,
 * "0044-03-15 BC", "0044-03-15 12:00:00 BC", "0044-03-15 12:00:00+00 BC".
 *
 * Each function returns true and appends the Postgres text to `sql`, or returns false and
 * appends to `why` either nothing (the text does not have the form at all: the caller says
 * what was expected) or the reason a well-formed value is not a real one, e.g. "February
 * 2023 has 28 days" or "hour 25 does not exist".
 *
 * Pure functions, thread-safe, independent of the C locale and of the local time zone.
 */
#ifndef FORCEFS_VALIDATE_TIME_H
#define FORCEFS_VALIDATE_TIME_H

#include <glib.h>
#include <stdbool.h>

bool validate_time_date(const char *text, GString *sql, GString *why);

bool validate_time_time(const char *text, GString *sql, GString *why);

/* `with_zone`: the column is timestamptz, and the UTC text gets "+00". */
bool validate_time_timestamp(const char *text, bool with_zone, GString *sql, GString *why);

#endif
