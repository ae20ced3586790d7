#include "db_write.h"

#include <errno.h>
#include <inttypes.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "db_conn.h"
#include "db_pipeline.h"

/* Maps a refused statement to the errno docs/contract.md §5 gives its cause. */
static int write_error(PGconn *conn, const PGresult *res, const char *what, struct error *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int rc = db_error(conn, res, what, err);
	if (state && strcmp(state, "42501") == 0) /* insufficient_privilege */
		err->code = EACCES, rc = -EACCES;
	if (state && strcmp(state, "25006") == 0) /* read_only_sql_transaction */
		err->code = EROFS, rc = -EROFS;
	return rc;
}

static int exec_simple(PGconn *conn, const char *sql, struct error *err)
{
	PGresult *res = PQexec(conn, sql);
	int rc = 0;
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = write_error(conn, res, sql, err);
	PQclear(res);
	return rc;
}

int db_begin(PGconn *conn, struct error *err)
{
	return exec_simple(conn, "BEGIN", err);
}

int db_commit(PGconn *conn, struct error *err)
{
	return exec_simple(conn, "COMMIT", err);
}

void db_rollback(PGconn *conn)
{
	if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
		PGresult *res = PQexec(conn, "ROLLBACK");
		PQclear(res);
	}
}

static char *lock_sql(const struct db_object *obj)
{
	return g_strdup_printf("SELECT %s %s AND id = $1 FOR UPDATE", obj->select_list,
			       obj->from_where);
}

/* The locked row, from a SELECT ... FOR UPDATE result. */
static int emit_locked(PGresult *res, const struct db_object *obj, db_row_fn fn, void *ctx,
		       struct error *err)
{
	if (PQntuples(res) == 0)
		return error_set(err, ENOENT, "the record no longer exists");
	return db_records_emit(res, obj, true, fn, ctx);
}

int db_record_lock(PGconn *conn, const struct db_object *obj, int64_t id, db_row_fn fn, void *ctx,
		   struct error *err)
{
	char idtext[32];
	snprintf(idtext, sizeof(idtext), "%" G_GINT64_FORMAT, id);
	const char *params[] = {idtext};
	char *sql = lock_sql(obj);
	PGresult *res = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
	g_free(sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		int rc = write_error(conn, res, "reading the record", err);
		PQclear(res);
		return rc;
	}
	int rc = emit_locked(res, obj, fn, ctx, err);
	PQclear(res);
	return rc;
}

/* After a failed pipeline: the errno of the statement that failed, as write_error maps
 * it (a broken connection keeps the EIO db_pipeline_run gave). */
static int pipeline_error(PGconn *conn, struct db_pipeline_stmt *stmts, size_t n, int rc,
			  struct error *err)
{
	for (size_t i = 0; i < n; i++) {
		ExecStatusType st = stmts[i].res ? PQresultStatus(stmts[i].res) : PGRES_FATAL_ERROR;
		if (stmts[i].res && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
			return write_error(conn, stmts[i].res, stmts[i].what, err);
	}
	return rc;
}

int db_record_begin_lock(PGconn *conn, const struct db_object *obj, int64_t id, db_row_fn fn,
			 void *ctx, struct error *err)
{
	char idtext[32];
	snprintf(idtext, sizeof(idtext), "%" G_GINT64_FORMAT, id);
	const char *params[] = {idtext};
	char *sql = lock_sql(obj);
	struct db_pipeline_stmt stmts[] = {
	    {.sql = "BEGIN", .what = "BEGIN"},
	    {.sql = sql, .nparams = 1, .params = params, .what = "reading the record"},
	};
	int rc = db_pipeline_run(conn, stmts, G_N_ELEMENTS(stmts), err);
	if (rc)
		rc = pipeline_error(conn, stmts, G_N_ELEMENTS(stmts), rc, err);
	else
		rc = emit_locked(stmts[1].res, obj, fn, ctx, err);
	db_pipeline_clear(stmts, G_N_ELEMENTS(stmts));
	g_free(sql);
	return rc;
}

static int run_params(PGconn *conn, const char *sql, int nparams, const char *const *params,
		      const char *what, PGresult **out, struct error *err)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		int rc = write_error(conn, res, what, err);
		PQclear(res);
		return rc;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* UPDATE of `nvalues` columns of row `id` (RETURNING the row when `returning`);
 * params[] gets the values then the id, which `idtext` holds, then `version` when it is
 * not NULL (the row must still be at that xmin). */
static GString *update_sql(PGconn *conn, const struct db_object *obj, int64_t id,
			   const struct db_value *values, size_t nvalues, bool returning,
			   const char *version, const char **params, char *idtext, size_t idsize)
{
	char *table = db_qualified_name(conn, obj->schema_name, obj->table);
	GString *sql = g_string_new(NULL);
	g_string_printf(sql, "UPDATE %s SET ", table);
	for (size_t i = 0; i < nvalues; i++) {
		char *col = db_quote_ident(conn, values[i].column);
		g_string_append_printf(sql, "%s%s = $%zu", i ? ", " : "", col, i + 1);
		g_free(col);
		params[i] = values[i].text;
	}
	snprintf(idtext, idsize, "%" G_GINT64_FORMAT, id);
	params[nvalues] = idtext;
	g_string_append_printf(sql, " WHERE id = $%zu", nvalues + 1);
	if (version) {
		params[nvalues + 1] = version;
		g_string_append_printf(sql, " AND xmin = $%zu::xid", nvalues + 2);
	}
	/* The row as written comes back with the UPDATE, so the caller shows exactly what
	 * the database now holds (triggers included) without a second query. */
	if (returning)
		g_string_append_printf(sql, " RETURNING %s", obj->versioned_list);
	g_free(table);
	return sql;
}

int db_record_update(PGconn *conn, const struct db_object *obj, int64_t id,
		     const struct db_value *values, size_t nvalues, db_row_fn written, void *ctx,
		     struct error *err)
{
	if (nvalues == 0)
		return 0;
	const char **params = g_new0(const char *, nvalues + 1);
	char idtext[32];
	GString *sql = update_sql(conn, obj, id, values, nvalues, written != NULL, NULL, params,
				  idtext, sizeof(idtext));
	PGresult *res = NULL;
	int rc = run_params(conn, sql->str, (int)nvalues + 1, params, "writing the record",
			    written ? &res : NULL, err);
	if (rc == 0 && res) {
		rc = db_records_emit(res, obj, true, written, ctx);
		PQclear(res);
	}
	g_string_free(sql, TRUE);
	g_free(params);
	return rc;
}

int db_record_update_commit(PGconn *conn, const struct db_object *obj, int64_t id,
			    const struct db_value *values, size_t nvalues, db_row_fn written,
			    void *ctx, struct error *err)
{
	if (nvalues == 0)
		return db_commit(conn, err);
	const char **params = g_new0(const char *, nvalues + 1);
	char idtext[32];
	GString *sql = update_sql(conn, obj, id, values, nvalues, written != NULL, NULL, params,
				  idtext, sizeof(idtext));
	struct db_pipeline_stmt stmts[] = {
	    {.sql = sql->str,
	     .nparams = (int)nvalues + 1,
	     .params = params,
	     .what = "writing the record"},
	    {.sql = "COMMIT", .what = "COMMIT"},
	};
	int rc = db_pipeline_run(conn, stmts, G_N_ELEMENTS(stmts), err);
	if (rc)
		rc = pipeline_error(conn, stmts, G_N_ELEMENTS(stmts), rc, err);
	/* Committed: the row as written is what the database holds now. */
	if (rc == 0 && written)
		rc = db_records_emit(stmts[0].res, obj, true, written, ctx);
	db_pipeline_clear(stmts, G_N_ELEMENTS(stmts));
	g_string_free(sql, TRUE);
	g_free(params);
	return rc;
}

int db_record_update_if_version(PGconn *conn, const struct db_object *obj, int64_t id,
				uint32_t version, const struct db_value *values, size_t nvalues,
				db_row_fn written, void *ctx, struct error *err)
{
	if (nvalues == 0 || version == 0 || PQtransactionStatus(conn) != PQTRANS_IDLE)
		return 1;
	const char **params = g_new0(const char *, nvalues + 2);
	char idtext[32], versiontext[16];
	snprintf(versiontext, sizeof(versiontext), "%" PRIu32, version);
	GString *sql = update_sql(conn, obj, id, values, nvalues, true, versiontext, params,
				  idtext, sizeof(idtext));
	PGresult *res = NULL;
	int rc = run_params(conn, sql->str, (int)nvalues + 2, params, "writing the record", &res,
			    err);
	if (rc == 0) {
		/* No row: it changed since `version` (or is gone); the UPDATE did nothing. */
		rc = PQntuples(res) == 0 ? 1 : 0;
		if (rc == 0 && written)
			rc = db_records_emit(res, obj, true, written, ctx);
		PQclear(res);
	}
	g_string_free(sql, TRUE);
	g_free(params);
	return rc;
}

int db_record_insert(PGconn *conn, const struct db_object *obj, const struct db_value *values,
		     size_t nvalues, int64_t *new_id, struct error *err)
{
	char *table = db_qualified_name(conn, obj->schema_name, obj->table);
	GString *sql = g_string_new(NULL);
	g_string_printf(sql, "INSERT INTO %s ", table);
	const char **params = g_new0(const char *, nvalues + 1);
	if (nvalues == 0) {
		g_string_append(sql, "DEFAULT VALUES");
	} else {
		GString *cols = g_string_new(NULL), *marks = g_string_new(NULL);
		for (size_t i = 0; i < nvalues; i++) {
			char *col = db_quote_ident(conn, values[i].column);
			g_string_append_printf(cols, "%s%s", i ? ", " : "", col);
			g_string_append_printf(marks, "%s$%zu", i ? ", " : "", i + 1);
			g_free(col);
			params[i] = values[i].text;
		}
		g_string_append_printf(sql, "(%s) VALUES (%s)", cols->str, marks->str);
		g_string_free(cols, TRUE);
		g_string_free(marks, TRUE);
	}
	g_string_append(sql, " RETURNING id");
	PGresult *res = NULL;
	int rc =
	    run_params(conn, sql->str, (int)nvalues, params, "inserting the record", &res, err);
	if (rc == 0) {
		*new_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
	}
	g_string_free(sql, TRUE);
	g_free(params);
	g_free(table);
	return rc;
}

int db_record_delete(PGconn *conn, const struct db_object *obj, int64_t id, struct error *err)
{
	char *table = db_qualified_name(conn, obj->schema_name, obj->table);
	char *sql = g_strdup_printf("DELETE FROM %s WHERE id = $1", table);
	char idtext[32];
	snprintf(idtext, sizeof(idtext), "%" G_GINT64_FORMAT, id);
	const char *params[] = {idtext};
	int rc = run_params(conn, sql, 1, params, "deleting the record", NULL, err);
	g_free(sql);
	g_free(table);
	return rc;
}
