/*
 * validate_record: whether what a person wrote into a record file may be written, and the
 * text of the SQL parameters that write it (docs/contract.md §5, §5.1; docs/validation.md lists every
 * rule with its message and examples).
 *
 * The write path parses the content (record_parse), merges it (record_merge) and then
 * asks here, before it builds any SQL:
 *
 *   update  validate_update(object, meta, merge.writes->pdata, merge.writes->len, &v, &err)
 *           -> UPDATE t SET columns[0] = $1, ... WHERE id = $n+1
 *   insert  validate_insert(object, meta, parsed, &v, &err)
 *           -> INSERT INTO t (columns...) VALUES ($1, ...)   (DEFAULT VALUES when v.n == 0)
 *
 * with `params` passed to libpq as text parameters, and column names quoted by the
 * caller (db_quote_ident). Nothing here builds SQL or quotes anything: every user value
 * and every key is data. On success every value has been checked against
 *
 *   the Postgres catalog, always: the key is a column the file shows; JSON type vs column
 *   kind; integer range (int2/int4/int8/oid); float range; numeric(p,s) fit; date, time
 *   and timestamp syntax and calendar; varchar/char length in characters; NOT NULL;
 *
 *   the Salesforce field metadata, when `meta` is not NULL: createable / updateable /
 *   calculated; nillable; required on insert; text length; restricted picklist values;
 *   multi-picklist values; email and URL syntax; Salesforce id syntax of references;
 *   precision of number fields;
 *
 * and converted to the text Postgres takes: integers as plain digits ("1e2" -> "100"),
 * timestamps to UTC ("2023-10-01T14:34:56+02:00" -> "2023-10-01 12:34:56" for a
 * `timestamp` column, "... 12:34:56+00" for `timestamptz`), booleans "true"/"false",
 * numbers of float and numeric columns as written, strings as they are.
 *
 * Everything rendering produces is accepted back (record_render): "NaN", "Infinity" and
 * "-Infinity" for float and numeric columns, "2023-10-01T12:34:56.789Z", "infinity", BC
 * dates, and so on.
 *
 * Errors: the first problem found, in the order the fields were written, as one line that
 * names the field and quotes the value in JSON form (cut after about 60 bytes with "..."):
 *
 *   EINVAL  unknown field "foo"
 *           field "sfid" is read-only
 *           field "annualrevenue": expected a number, got "lots"
 *           field "numberofemployees": 3000000000 is out of range for an integer
 *           field "name": 300 characters, at most 255
 *           field "name" cannot be null
 *           field "lastname" is required
 *           field "rating": "Lukewarm" is not one of Hot, Warm, Cold
 *   EROFS   object "account" is read-only (Heroku Connect maps it read-only)
 *
 * Messages carry no file name: the caller prefixes it (`001xx...json: field ...`).
 *
 * Pure functions: no I/O, no database, no global state; thread-safe.
 */
#ifndef FORCEFS_VALIDATE_RECORD_H
#define FORCEFS_VALIDATE_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "db_fields.h"
#include "db_schema.h"
#include "error.h"
#include "record_parse.h"

/* What to write: columns[i] takes params[i]. Owned; release with validate_values_clear(). */
struct validate_values {
	size_t n;
	char **columns; /* column names as in the catalog, unquoted */
	char **params;	/* libpq text parameter for columns[i]; NULL for SQL NULL */
};

/*
 * Checks the fields an update writes: `fields[0..nfields)` (the `writes` of a
 * record_merge_result: only fields whose value changed, in the order written).
 * `meta` is the object's field metadata, or NULL when there is none.
 *
 * Refused (EINVAL): a key that is not a column of the file; a system field (sfid,
 * createddate, systemmodstamp, lastmodifieddate, createdbyid, lastmodifiedbyid), a
 * calculated field or one that is neither createable nor updateable ("is read-only"); a
 * createable but not updateable field ("can only be set when the record is created");
 * any value that fails its column's checks. EROFS when `object->readonly`.
 *
 * Returns 0 and fills `out` with the fields' columns and text values, in the order of
 * `fields`; or -errno with `err` set and `out` empty. Either way `out` is to be released
 * with validate_values_clear().
 */
int validate_update(const struct db_object *object, const struct db_object_fields *meta,
		    const struct record_field *const *fields, size_t nfields,
		    struct validate_values *out, struct error *err);

/*
 * Checks the whole content of a new record file, `content`.
 *
 * Ignored (never written, whatever their value), so `cp existing.json new.json` and
 * editing it works: the system fields, and fields the metadata marks read-only
 * (calculated, or neither createable nor updateable, e.g. Contact.Name).
 * Refused (EINVAL): an unknown key; a non-null value for a field that is updateable but
 * not createable ("cannot be set on a new record"); a required field missing or null
 * ("is required"): from the metadata, a field that is not nillable, createable and not
 * defaulted on create; from the catalog, a NOT NULL column without a default (system
 * and hidden columns excepted); any value that fails its column's checks.
 * EROFS when `object->readonly`.
 *
 * Returns 0 and fills `out` with the columns to insert and their values, in the order
 * written (n may be 0: INSERT ... DEFAULT VALUES); or -errno with `err` set and `out`
 * empty. Either way `out` is to be released with validate_values_clear().
 */
int validate_insert(const struct db_object *object, const struct db_object_fields *meta,
		    const struct record_parsed *content, struct validate_values *out,
		    struct error *err);

/* Frees what `values` holds and leaves it empty; safe on an empty or cleared one. */
void validate_values_clear(struct validate_values *values);

/* Whether `key` is a system field: maintained by Salesforce and the sync, never by users
 * (sfid, createddate, systemmodstamp, lastmodifieddate, createdbyid, lastmodifiedbyid). */
bool validate_is_system_field(const char *key);

#endif
