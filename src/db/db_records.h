/*
 * db_records: reading the rows of one object.
 *
 * Rows come back in id order, which is also the listing order, so a caller that
 * reads files in listing order can fetch them in batches. Deleted rows
 * (isdeleted = true) are never returned.
 */
#ifndef FORCEFS_DB_RECORDS_H
#define FORCEFS_DB_RECORDS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "db_schema.h"
#include "error.h"

struct db_row {
	int64_t id;
	const char *sfid;	   /* NULL when the record has no sfid yet */
	int64_t mtime_ms;	   /* systemmodstamp in ms since the epoch, or -1 when NULL */
	const char *lastop;	   /* _hc_lastop, or NULL */
	const char *hc_err;	   /* _hc_err, or NULL */
	uint32_t version;	   /* the row version (xmin) when the query read it, else 0:
				    * changes with every UPDATE of the row, whoever makes it */
	const char *const *values; /* obj->nshown text values; NULL = SQL NULL; only
				      when values were asked for */
};

/* Called once per row; a non-zero return stops the scan and is returned. */
typedef int (*db_row_fn)(const struct db_row *row, void *ctx);

/*
 * Streams the rows of `obj` with id >= from_id, in id order, at most `limit` of them
 * (0 = all), with or without their shown values. Returns 0, the callback's non-zero
 * value, or -errno with `err` set.
 */
int db_records_scan(PGconn *conn, const struct db_object *obj, int64_t from_id, int limit,
		    bool with_values, db_row_fn fn, void *ctx, struct error *err);

/* Reads the rows whose ids are in `ids` (in id order); missing ids are not reported. */
int db_records_fetch(PGconn *conn, const struct db_object *obj, const int64_t *ids, size_t nids,
		     db_row_fn fn, void *ctx, struct error *err);

/*
 * Calls `fn` for each row of a result whose columns are obj->select_list (with values)
 * or obj->names_list. For the statements of db_write, which read rows too.
 */
int db_records_emit(const PGresult *res, const struct db_object *obj, bool with_values,
		    db_row_fn fn, void *ctx);

/* Reads the row with this sfid (when `sfid` is not NULL) or this id; 0 rows is not an error. */
int db_records_fetch_one(PGconn *conn, const struct db_object *obj, const char *sfid, int64_t id,
			 db_row_fn fn, void *ctx, struct error *err);

/*
 * Runs a first lookup of `obj` on `conn` once, for a name that matches no row, so that
 * the server has the table's catalog entries and the statement's plan cached before the
 * first request a user makes (a new backend's first query on a table costs about a
 * millisecond more). Errors are the caller's to ignore or report.
 */
int db_records_warm(PGconn *conn, const struct db_object *obj, struct error *err);

#endif
