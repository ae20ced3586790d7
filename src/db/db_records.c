#include "db_records.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "db_conn.h"

enum { COL_ID, COL_SFID, COL_MTIME, COL_LASTOP, COL_ERR, COL_FIRST_VALUE };

static const char *nullable(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

int db_records_emit(const PGresult *res, const struct db_object *obj, bool with_values,
		    db_row_fn fn, void *ctx)
{
	const char **values = g_newa(const char *, obj->nshown + 1);
	/* versioned_list: xmin follows the values. */
	int version_col = COL_FIRST_VALUE + (int)obj->nshown;
	bool versioned = with_values && PQnfields(res) == version_col + 1 &&
			 strcmp(PQfname(res, version_col), "xmin") == 0;
	for (int r = 0; r < PQntuples(res); r++) {
		struct db_row row = {
		    .id = strtoll(PQgetvalue(res, r, COL_ID), NULL, 10),
		    .sfid = nullable(res, r, COL_SFID),
		    .mtime_ms = PQgetisnull(res, r, COL_MTIME)
				    ? -1
				    : strtoll(PQgetvalue(res, r, COL_MTIME), NULL, 10),
		    .lastop = nullable(res, r, COL_LASTOP),
		    .hc_err = nullable(res, r, COL_ERR),
		    .version = versioned && !PQgetisnull(res, r, version_col)
				   ? (uint32_t)strtoul(PQgetvalue(res, r, version_col), NULL, 10)
				   : 0,
		};
		if (with_values) {
			for (size_t i = 0; i < obj->nshown; i++)
				values[i] = nullable(res, r, COL_FIRST_VALUE + (int)i);
			row.values = values;
		}
		int rc = fn(&row, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

/* Runs a query in single-row mode so that a 100,000-row table never sits in memory. */
static int stream_query(PGconn *conn, const struct db_object *obj, const char *sql, int nparams,
			const char *const *params, bool with_values, db_row_fn fn, void *ctx,
			struct error *err)
{
	char what[300];
	snprintf(what, sizeof(what), "reading %s", obj->table);
	if (!PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0))
		return db_error(conn, NULL, what, err);
	/* Rows with values are streamed one by one so a big table never sits in memory
	 * (names-only listings go through scan_names()). */
	if (with_values)
		PQsetSingleRowMode(conn);
	int rc = 0;
	PGresult *res;
	while ((res = PQgetResult(conn)) != NULL) {
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_SINGLE_TUPLE || (st == PGRES_TUPLES_OK && !with_values)) {
			if (rc == 0)
				rc = db_records_emit(res, obj, with_values, fn, ctx);
		} else if (st != PGRES_TUPLES_OK && rc == 0) {
			rc = db_error(conn, res, what, err);
		}
		PQclear(res);
	}
	if (rc == 0 && PQstatus(conn) != CONNECTION_OK)
		rc = db_error(conn, NULL, what, err);
	return rc;
}

/* Runs one statement that returns no rows (BEGIN, DECLARE, COMMIT). */
static int exec_command(PGconn *conn, const char *sql, int nparams, const char *const *params,
			const char *what, struct error *err)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : db_error(conn, res, what, err);
	PQclear(res);
	return rc;
}

/* Rows a names-only listing holds in memory at a time (about 1 MB). */
#define NAMES_FETCH_ROWS "10000"

/*
 * A names-only listing read through a cursor, NAMES_FETCH_ROWS rows at a time: one
 * snapshot like a single query, but a million-row table is never in memory at once
 * (read whole, its result alone took ~100 MB). On an error the connection is left
 * inside the transaction, and db_release() does not lend it again.
 */
static int scan_names(PGconn *conn, const struct db_object *obj, const char *sql, int nparams,
		      const char *const *params, db_row_fn fn, void *ctx, struct error *err)
{
	char what[300];
	snprintf(what, sizeof(what), "reading %s", obj->table);
	int rc = exec_command(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL,
			      what, err);
	char *declare = g_strdup_printf("DECLARE forcefs_names NO SCROLL CURSOR FOR %s", sql);
	if (rc == 0)
		rc = exec_command(conn, declare, nparams, params, what, err);
	g_free(declare);
	while (rc == 0) {
		PGresult *res = PQexec(conn, "FETCH " NAMES_FETCH_ROWS " FROM forcefs_names");
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			rc = db_error(conn, res, what, err);
		} else if (PQntuples(res) == 0) {
			PQclear(res);
			break;
		} else {
			rc = db_records_emit(res, obj, false, fn, ctx);
		}
		PQclear(res);
	}
	if (rc == 0)
		rc = exec_command(conn, "COMMIT", 0, NULL, what, err);
	return rc;
}

int db_records_scan(PGconn *conn, const struct db_object *obj, int64_t from_id, int limit,
		    bool with_values, db_row_fn fn, void *ctx, struct error *err)
{
	const char *select = with_values ? obj->versioned_list : obj->names_list;
	char from[32], lim[32];
	snprintf(from, sizeof(from), "%" G_GINT64_FORMAT, from_id);
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *params[] = {from, lim};
	char *sql = g_strdup_printf("SELECT %s %s AND id >= $1 ORDER BY id %s", select,
				    obj->from_where, limit > 0 ? "LIMIT $2" : "");
	int nparams = limit > 0 ? 2 : 1;
	int rc = with_values ? stream_query(conn, obj, sql, nparams, params, true, fn, ctx, err)
			     : scan_names(conn, obj, sql, nparams, params, fn, ctx, err);
	g_free(sql);
	return rc;
}

int db_records_fetch(PGconn *conn, const struct db_object *obj, const int64_t *ids, size_t nids,
		     db_row_fn fn, void *ctx, struct error *err)
{
	GString *array = g_string_new("{");
	for (size_t i = 0; i < nids; i++)
		g_string_append_printf(array, "%s%" G_GINT64_FORMAT, i ? "," : "", ids[i]);
	g_string_append_c(array, '}');
	const char *params[] = {array->str};
	char *sql = g_strdup_printf("SELECT %s %s AND id = ANY($1::int8[]) ORDER BY id",
				    obj->versioned_list, obj->from_where);
	int rc = stream_query(conn, obj, sql, 1, params, true, fn, ctx, err);
	g_free(sql);
	g_string_free(array, TRUE);
	return rc;
}

static int ignore_row(const struct db_row *row, void *ctx)
{
	return 0;
}

int db_records_warm(PGconn *conn, const struct db_object *obj, struct error *err)
{
	/* Not a valid Salesforce id (its checksum is wrong), so it names no row. */
	return db_records_fetch_one(conn, obj, "000000000000000000", 0, ignore_row, NULL, err);
}

int db_records_fetch_one(PGconn *conn, const struct db_object *obj, const char *sfid, int64_t id,
			 db_row_fn fn, void *ctx, struct error *err)
{
	char idtext[32];
	snprintf(idtext, sizeof(idtext), "%" G_GINT64_FORMAT, id);
	const char *params[] = {sfid ? sfid : idtext};
	char *sql = g_strdup_printf("SELECT %s %s AND %s = $1", obj->versioned_list, obj->from_where,
				    sfid ? "sfid" : "id");
	int rc = stream_query(conn, obj, sql, 1, params, true, fn, ctx, err);
	g_free(sql);
	return rc;
}
