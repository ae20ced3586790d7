/*
 * validate_value: the checks of one value against its column (the Postgres catalog) and
 * its Salesforce field metadata, and the text Postgres takes for it. validate_record
 * decides which fields may be written at all; this decides whether a value fits.
 * docs/validation.md lists every rule with its message.
 *
 * Pure functions, no I/O, thread-safe.
 */
#ifndef FORCEFS_VALIDATE_VALUE_H
#define FORCEFS_VALIDATE_VALUE_H

#include <glib.h>

#include "db_fields.h"
#include "db_schema.h"
#include "error.h"
#include "record_parse.h"

/*
 * Checks `value`, written for `column` (its key is the column name), with `meta` the
 * column's field metadata or NULL. Returns 0 and sets *sql to the libpq text parameter
 * (g_free() it), or to NULL for SQL NULL; or returns -EINVAL with `err` set to one line
 * naming the field, e.g. `field "annualrevenue": expected a number, got "lots"`.
 *
 * By column kind (record_kind_of_type_oid):
 *   string (text, varchar, char)  a JSON string, at most max_chars characters (code points)
 *   integer (int2, int4, int8, oid)  a number with an integral value, in the type's range;
 *                                 written as plain digits: 1.0 -> "1", 1e2 -> "100"
 *   float (float4, float8)        a finite number in the type's range, as written; or the
 *                                 strings "NaN", "Infinity", "-Infinity"
 *   numeric                       a number, as written, that fits numeric(p,s) when the
 *                                 column has a precision; or "NaN", "Infinity", "-Infinity"
 *   boolean                       true / false -> "true" / "false"
 *   date, time, timestamp(tz)     a string of the form validate_time reads
 *   anything else (uuid, json...) a string, passed on as text for Postgres to read
 * Arrays and objects are refused for every column. null is refused for a NOT NULL column
 * and a field the metadata marks not nillable.
 *
 * With metadata: its `length` limits text when smaller than the column's; picklist values
 * are checked when the picklist is restricted; multi-picklist values (';'-separated) must
 * be distinct and non-empty, and each a listed value when restricted; email and url
 * syntax; reference and id values are Salesforce ids (15 or 18 letters and digits);
 * number fields (double, currency, percent) respect precision - scale digits before the
 * decimal point. An empty string is accepted by these checks (Salesforce reads it as null).
 */
int validate_value(const struct db_column *column, const struct db_field *meta,
		   const struct record_value *value, char **sql, struct error *err);

/* Appends `name` as a JSON string literal, cut after 64 bytes with "...": for messages. */
void validate_append_name(GString *out, const char *name);

/*
 * Appends `value` in JSON form for messages: strings quoted and escaped, numbers as
 * written, true/false/null; cut after about 60 bytes with "..." (inside the quotes for a
 * string). Arrays and objects are named: "an array", "an object".
 */
void validate_append_value(GString *out, const struct record_value *value);

#endif
