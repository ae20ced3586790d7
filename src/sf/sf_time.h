/*
 * sf_time: Salesforce datetimes <-> milliseconds since the Unix epoch (UTC).
 *
 * Salesforce writes datetimes as "2023-10-01T12:34:56.000+0000" (always UTC,
 * always milliseconds, offset without a colon) and accepts in SOQL and URLs
 * "2023-10-01T12:34:56.000Z". Times here are `int64_t` milliseconds since
 * 1970-01-01T00:00:00Z, which is what Postgres and the sync engine compare.
 */
#ifndef FORCEFS_SF_TIME_H
#define FORCEFS_SF_TIME_H

#include <stdbool.h>
#include <stdint.h>

#define SF_TIME_BUF 32 /* room for "YYYY-MM-DDTHH:MM:SS.mmmZ" and NUL */

/* Parses "YYYY-MM-DDTHH:MM:SS", optionally followed by a fraction of 1 to 9
 * digits (kept to the millisecond, truncated), then one of "Z", "+hhmm",
 * "-hhmm", "+hh:mm", "-hh:mm", or "+hh". Years 0001..9999. Anything else, an
 * out-of-range field (month 13, February 30, hour 24, offset over 18 h) or
 * trailing text, or a time outside 0001-01-01..9999-12-31 UTC once the offset is
 * applied, gives false and leaves *ms_out untouched. */
bool sf_time_parse(const char *text, int64_t *ms_out);

/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) to `out`, the form SOQL datetime
 * literals and /updated/ and /deleted/ windows take. Returns false, writing
 * "", for times outside years 0001..9999. */
bool sf_time_format(int64_t ms, char out[SF_TIME_BUF]);

/* The current time in milliseconds since the epoch. */
int64_t sf_time_now_ms(void);

#endif
