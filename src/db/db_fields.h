/*
 * db_fields: the Salesforce field metadata of a schema, from `<schema>._forcefs_fields`
 * (docs/contract.md §6; its DDL is FORCEFS_FIELDS_DDL in tools/hcschema.py).
 *
 * forcefs has this table in standalone mode; a database that a real Heroku Connect
 * add-on manages does not, and then there is simply no metadata: validation uses the
 * Postgres catalog alone (docs/contract.md §5.1). The structs are plain data without libpq types, so
 * validation (src/validate_*.c) and its tests can build them by hand.
 *
 * Keys: an object's metadata is found by its table name, lower(object) ("Account" ->
 * "account"); a field by its column name ("annualrevenue").
 */
#ifndef FORCEFS_DB_FIELDS_H
#define FORCEFS_DB_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "error.h"

struct pg_conn; /* PGconn, without making every user of this header include libpq-fe.h */

/* One row of _forcefs_fields: what Salesforce's describe says about one field. */
struct db_field {
	char *field;  /* field API name, e.g. "AnnualRevenue" */
	char *column; /* column of the object's table, e.g. "annualrevenue" */
	char *type;   /* Salesforce field type: "string", "picklist", "multipicklist",
		       * "email", "url", "reference", "id", "double", "currency", ... */
	int length;   /* characters, for text types; 0 when Salesforce gives none */
	int precision;
	int scale;
	bool nillable;
	bool createable;
	bool updateable;
	bool defaulted_on_create;
	bool calculated;
	bool external_id;
	char **picklist_values; /* NULL-terminated active values; NULL unless a picklist */
	size_t npicklist_values;
	bool restricted; /* restricted picklist: only picklist_values are accepted */
};

/* The metadata of one object (one table). */
struct db_object_fields {
	char *object; /* Salesforce API name, e.g. "Account" */
	char *table;  /* lower(object), e.g. "account": the key */
	struct db_field *fields;
	size_t nfields;
};

/* All the metadata of a schema. */
struct db_fields {
	struct db_object_fields *objects; /* sorted by table (strcmp) */
	size_t nobjects;
	bool present; /* false when the schema has no _forcefs_fields table */
};

/*
 * The columns of a _forcefs_fields row, in the order db_fields_from_rows() takes them.
 * Values are libpq text: booleans "t"/"f", integers as digits, picklist_values as a
 * Postgres text[] literal ({Hot,Warm,"Cold Day"}) or NULL.
 */
enum db_fields_column {
	DB_FIELDS_OBJECT,
	DB_FIELDS_FIELD,
	DB_FIELDS_COLUMN,
	DB_FIELDS_TYPE,
	DB_FIELDS_LENGTH,
	DB_FIELDS_PRECISION,
	DB_FIELDS_SCALE,
	DB_FIELDS_NILLABLE,
	DB_FIELDS_CREATEABLE,
	DB_FIELDS_UPDATEABLE,
	DB_FIELDS_DEFAULTED_ON_CREATE,
	DB_FIELDS_CALCULATED,
	DB_FIELDS_EXTERNAL_ID,
	DB_FIELDS_PICKLIST_VALUES,
	DB_FIELDS_RESTRICTED,
	DB_FIELDS_NCOLUMNS
};

/*
 * Reads `<schema>._forcefs_fields` with one query. When the table does not exist, *out is
 * metadata with no objects and `present` false: not an error. Fails with EIO when the
 * database is unreachable, EINVAL for an SQL error or a row that does not read (see
 * db_fields_from_rows()). Free *out with db_fields_free().
 */
int db_fields_load(struct pg_conn *conn, const char *schema, struct db_fields **out,
		   struct error *err);

/*
 * Builds the metadata from `nrows` rows of text values, row-major, DB_FIELDS_NCOLUMNS a
 * row (`values[r * DB_FIELDS_NCOLUMNS + c]`, NULL for SQL NULL). Rows are grouped by
 * lower(object); objects come out sorted by table, fields in row order. A second row for
 * the same column of the same object is ignored (the first wins). Fails with EINVAL,
 * naming the row's object and field, when a value does not read: a NULL or empty object,
 * field or column, a boolean other than t/f, an integer that is not one, a malformed
 * picklist array. Pure: no I/O. `present` is set to true.
 */
int db_fields_from_rows(const char *const *values, size_t nrows, struct db_fields **out,
			struct error *err);

void db_fields_free(struct db_fields *fields);

/* The metadata of table `table`, or NULL (also when `fields` is NULL). */
const struct db_object_fields *db_fields_find_object(const struct db_fields *fields,
						     const char *table);

/* The field stored in column `column`, or NULL (also when `object` is NULL). Inline and
 * by linear scan, so validation and hand-built test metadata need nothing else. */
static inline const struct db_field *db_object_fields_find(const struct db_object_fields *object,
							   const char *column)
{
	if (!object)
		return NULL;
	for (size_t i = 0; i < object->nfields; i++) {
		if (strcmp(object->fields[i].column, column) == 0)
			return &object->fields[i];
	}
	return NULL;
}

#endif
