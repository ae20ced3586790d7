/*
 * sf_soql: building SOQL text and checking the names that go into SOQL and URLs.
 *
 * Values never go into SOQL unquoted: strings through sf_soql_quote(), times
 * through sf_soql_datetime(). Object and field names come from describe or
 * configuration; the sf_* functions that put a name into a URL path refuse
 * names that sf_soql_is_api_name() rejects, so a name can never add a path
 * segment or a query string.
 */
#ifndef FORCEFS_SF_SOQL_H
#define FORCEFS_SF_SOQL_H

#include <stdbool.h>
#include <stdint.h>

/* A SOQL string literal for `value`: enclosed in single quotes, with
 * backslash, quotes and control characters escaped as SOQL escapes them
 * (\\ \' \" \n \r \t \b \f). Returns a new string to g_free(). */
char *sf_soql_quote(const char *value);

/* An unquoted SOQL datetime literal "2023-10-01T12:34:56.000Z" for `ms`
 * (milliseconds since the epoch, UTC). Returns a new string to g_free(), or
 * NULL for a time outside years 0001..9999. */
char *sf_soql_datetime(int64_t ms);

/* True for an API name of an object or field: a letter, then letters, digits
 * and single underscores, at most 80 characters ("Account", "Name",
 * "Customer_Record__c", "ns__Thing__c"). */
bool sf_soql_is_api_name(const char *name);

/* True for a field path: API names joined by dots ("Owner.Name"). */
bool sf_soql_is_field_path(const char *path);

#endif
