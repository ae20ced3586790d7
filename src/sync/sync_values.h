/*
 * sync_values: field values between PostgreSQL's text form and Salesforce's JSON and
 * CSV forms, by Salesforce field type (the `type` of _forcefs_fields).
 *
 *   Salesforce type                 JSON (REST)                   Postgres text (libpq)
 *   boolean                         true / false                  t / f
 *   int, double, currency, percent  number                        the number's digits
 *   date                            "2023-10-01"                  2023-10-01
 *   datetime                        "2023-10-01T12:34:56.000Z"    2023-10-01 12:34:56.000
 *   time                            "12:34:56.000Z"               12:34:56.000
 *   anything else                   string                        the string
 *   (null)                          null                          SQL NULL
 *
 * Salesforce sends datetimes as "...+0000" and Bulk CSV as "...Z"; both are read. CSV
 * cannot tell NULL from "" and Salesforce stores "" as null, so "" reads as NULL.
 * Numbers keep their exact digits both ways (no round trip through a double).
 *
 * Pure: no I/O.
 */
#ifndef FORCEFS_SYNC_VALUES_H
#define FORCEFS_SYNC_VALUES_H

#include <cjson/cJSON.h>
#include <stdbool.h>

/*
 * The JSON value to send for a column whose Postgres text is `text` (NULL for SQL NULL).
 * Returns a new cJSON item, or NULL with *why set (a static string) when the text cannot
 * be sent as that type ("not a number", ...).
 */
cJSON *sync_value_to_json(const char *sf_type, const char *text, const char **why);

/*
 * The Postgres text for a JSON value Salesforce sent, or NULL for null. Sets *ok false
 * (and returns NULL) for a value that has no column form (an object or list, a string
 * that should be a datetime and is not). g_free() the result.
 */
char *sync_value_from_json(const char *sf_type, const cJSON *value, bool *ok);

/* The Postgres text for a Bulk API CSV cell ("" -> NULL), as sync_value_from_json(). */
char *sync_value_from_csv(const char *sf_type, const char *cell, bool *ok);

/* Whether `text` is a JSON number (what Postgres prints for numeric types, and not
 * NaN or Infinity). */
bool sync_value_is_json_number(const char *text);

#endif
