/*
 * db_schema: what the PostgreSQL catalog says about the synced objects of a schema.
 *
 * An object is a table of the schema that has `id` and `sfid` columns and whose name
 * does not start with `_` (docs/contract.md §3). For each object the catalog gives its columns,
 * which of them a record file shows (all but id, isdeleted, _hc_lastop, _hc_err,
 * sorted by byte order), and whether Heroku Connect maps it read-only. The SELECT
 * list used to read records is built here, once, from quoted identifiers.
 */
#ifndef FORCEFS_DB_SCHEMA_H
#define FORCEFS_DB_SCHEMA_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "record_render.h"

struct db_column {
	char *name;
	unsigned int type_oid; /* base type (domains resolved) */
	char *type_name;       /* format_type() text, e.g. "character varying(80)" */
	int max_chars;	       /* varchar/char length, or -1 */
	bool not_null;
	bool has_default;
};

struct db_object {
	char *table;		   /* table name = directory name */
	const char *schema_name;   /* the catalog's schema (not owned) */
	struct db_column *columns; /* all columns, in table order */
	size_t ncolumns;
	struct record_column *shown; /* the columns a record file shows, sorted */
	size_t nshown;
	bool readonly;	   /* Heroku Connect logs its writes as READONLY */
	char *select_list; /* "id, sfid, mtime, lastop, err, shown..." for db_records */
	char *names_list;  /* the same without the shown values */
	char *versioned_list; /* select_list, then xmin: the row version (db_row.version) */
	char *from_where;  /* FROM "schema"."table" WHERE <not deleted> */
};

struct db_catalog {
	char *schema;
	struct db_object *objects; /* sorted by table name */
	size_t nobjects;
};

/*
 * Reads the catalog of `schema`. Fails with ENOENT when the schema does not exist,
 * EIO when the database is unreachable. Tables whose names cannot be file names are
 * skipped with a warning in the log.
 */
int db_catalog_load(PGconn *conn, const char *schema, struct db_catalog **out, struct error *err);
void db_catalog_free(struct db_catalog *catalog);

const struct db_object *db_catalog_find(const struct db_catalog *catalog, const char *table);

/* Whether a table name, or an sfid, can be shown as a single path component. */
bool db_name_is_file_name(const char *name);

#endif
