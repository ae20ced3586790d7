/*
 * db_views: the queries behind MOUNT/.by (docs/views.md): the distinct values of a
 * column, and the rows whose column equals a value.
 *
 * A value is matched by an equality on the column (`col = $1`, the column's type parses
 * the parameter), so an index on the column, when there is one, is used; columns of
 * types without a useful equality (json, arrays, geometric types: RECORD_KIND_OTHER)
 * compare their text. No index is created and no lock beyond a plain SELECT's is taken.
 * Deleted rows (isdeleted = true) are never matched. Identifiers are quoted by libpq,
 * values are parameters.
 *
 * Errors: -ENOENT when the parameter is no value of the column's type (SQLSTATE class
 * 22) or the type has no equality; -EIO when the database is unreachable; -EINVAL else.
 * Thread safety: one connection per call, as db_conn lends them.
 */
#ifndef FORCEFS_DB_VIEWS_H
#define FORCEFS_DB_VIEWS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "db_schema.h"
#include "error.h"

/* Which value to match. */
struct db_view_match {
	bool is_null;	  /* col IS NULL */
	const char *text; /* col = text (the display form, which the column's type parses) */
	const char *hash; /* or: the first 16 hex digits of md5(col::text) (a scan) */
};

/* Called per distinct value (`text` NULL for SQL NULL); non-zero stops. */
typedef int (*db_view_value_fn)(const char *text, void *ctx);

/*
 * Reports the distinct values of `column` in order, at most `limit` of them. Returns
 * how many distinct values there are, counted up to limit + 1 (so limit + 1 means
 * "more than limit", and then nothing is reported), or -errno.
 */
int db_views_values(PGconn *conn, const struct db_object *obj, const struct record_column *column,
		    int limit, db_view_value_fn fn, void *ctx, struct error *err);

/* Called per matching row: its id, sfid (NULL when none) and the column's text. */
typedef int (*db_view_row_fn)(int64_t id, const char *sfid, const char *value, void *ctx);

/*
 * Reports the visible rows whose `column` matches `m`, in id order, at most `limit`
 * (0 = all). With `sfid` (or `id` > 0), only that row. Returns the number of rows or
 * -errno.
 */
int db_views_rows(PGconn *conn, const struct db_object *obj, const struct record_column *column,
		  const struct db_view_match *m, const char *sfid, int64_t id, int limit,
		  db_view_row_fn fn, void *ctx, struct error *err);

#endif
