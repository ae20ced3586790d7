/*
 * db_init: the Heroku Connect layout that `forcefs init` creates (docs/contract.md §6), in one
 * transaction, and what it is made from.
 *
 * Two halves:
 *   - pure: which Salesforce fields become which columns of which SQL type
 *     (db_init_plan(), db_init_column_type(), db_init_column_name());
 *   - DDL: db_init_apply() creates, or completes, the layout in a schema. It is the
 *     layout of tools/hcschema.py, which the tests compare against: per schema the
 *     hstore extension, public.get_xmlbinary(), _trigger_log and _trigger_log_archive
 *     with their indexes, the notify trigger and _forcefs_fields; per object a table
 *     with the system columns, its sfid and systemmodstamp indexes, and the status
 *     (BEFORE) and logger (AFTER) triggers.
 *
 * Applying is idempotent: what exists is kept (tables, rows, triggers), a column the
 * plan has and the table lacks is added, a column the table has and the plan lacks is
 * left in place, and _forcefs_fields rows are brought up to date. Names go into SQL only
 * as quoted identifiers, values only as parameters or quoted literals.
 *
 * Type mapping (docs/contract.md §6): id/reference varchar(18); string, picklist, email, phone,
 * url, combobox, encryptedstring varchar(length); multipicklist varchar(4099); textarea
 * varchar(length), or text above 4096; boolean; int integer; long bigint; double,
 * currency, percent double precision; date; datetime timestamp; time. Compound fields
 * (address, location) have no column of their own: their components are fields of
 * their own. base64 fields are not synced. Any other type (anyType, json, a type
 * Salesforce adds later) is stored as text, which holds any value.
 */
#ifndef FORCEFS_DB_INIT_H
#define FORCEFS_DB_INIT_H

#include <glib.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "db_fields.h"
#include "error.h"
#include "sf_describe.h"
#include "sync_mapping.h"

/* One column of an object's table and the Salesforce field it holds. */
struct db_init_column {
	struct db_field meta; /* its _forcefs_fields row: field, column, type, length, ... */
	char *sql_type;	      /* "varchar(255)", "double precision", "timestamp", ... */
};

/* An index the mapping asks for, besides the sfid and systemmodstamp ones. */
struct db_init_index {
	char *name; /* hc_idx_<table>_<column>, or hcu_idx_... when unique */
	char *column;
	bool unique;
};

/* What init makes for one object. */
struct db_init_table {
	char *object; /* API name as Salesforce spells it, "Account" */
	char *table;  /* lower(object), "account" */
	bool readonly;
	struct db_init_column *columns; /* describe order; system fields included */
	size_t ncolumns;
	struct db_init_index *indexes;
	size_t nindexes;
	GPtrArray *notes; /* char *: lines for the log (skipped fields, kept columns, ...) */
	/* Set by db_init_apply(): */
	bool created;  /* the table was created */
	size_t nadded; /* columns added to an existing table */
	bool changed;  /* anything else changed: a trigger, a function, field metadata */
};

/* The SQL type of a field's column, to g_free(); NULL when the field has no column
 * (address, location, base64). */
char *db_init_column_type(const struct sf_field *field);

/* The column of a field: Id -> sfid, IsDeleted -> isdeleted, SystemModstamp ->
 * systemmodstamp, CreatedDate -> createddate, else the lower-cased name. g_free(). */
char *db_init_column_name(const char *field);

/* Whether `catalog_type` (format_type() text, "character varying(80)") is the column
 * type `sql_type` ("varchar(80)") as db_init_column_type() writes it. */
bool db_init_type_matches(const char *sql_type, const char *catalog_type);

/* A schema name init accepts: [a-z_][a-z0-9_]*, at most 63 bytes, not pg_*. */
bool db_init_schema_name_ok(const char *name);

/*
 * What to create for one described object: the system fields (Id, IsDeleted,
 * SystemModstamp, CreatedDate) when the describe has them, plus the mapping's fields
 * (every field when map->fields is NULL), in describe order. A mapped compound field
 * stands for its components. Fails with EINVAL when the describe has no Id, when a
 * mapped field, the upsert field or an index field is not in the describe, or two
 * fields would share a column. Pure.
 */
int db_init_plan(const struct sf_object_describe *desc, const struct sync_mapping_object *map,
		 struct db_init_table **out, struct error *err);

void db_init_table_free(struct db_init_table *table);

/*
 * Refuses (-EPERM) a schema that Heroku Connect manages (it has a _hcmeta table:
 * Heroku Connect creates one, forcefs never does). 0 when forcefs may init it, also
 * when it does not exist yet; -EIO/-EINVAL when the database cannot answer.
 */
int db_init_check_schema(PGconn *conn, const char *schema, struct error *err);

/*
 * Creates or completes the layout for `tables` in `schema`, in one transaction that is
 * rolled back on any error, so a failed init leaves the database as it was. Two inits
 * of one schema run one after the other (an advisory lock). Fills the tables' result
 * fields and appends notes. Fails with -EPERM for a Heroku Connect schema, -EEXIST
 * when a table of that name exists and is not a Heroku Connect table, -EIO when the
 * database is unreachable, -EINVAL for anything the database refuses.
 */
int db_init_apply(PGconn *conn, const char *schema, struct db_init_table *const *tables,
		  size_t ntables, struct error *err);

/* The system columns every table has, as Heroku Connect creates them: {name, SQL type}. */
#define DB_INIT_NSYSTEM_COLUMNS 7
extern const char *const db_init_system_columns[DB_INIT_NSYSTEM_COLUMNS][2];
/* Adds a line to a table's notes (logged by forcefs init). */
void db_init_note(struct db_init_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether `column` is one of db_init_system_columns. */
bool db_init_is_system_column(const char *column);

#endif
