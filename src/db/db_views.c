#include "db_views.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "db_conn.h"

/* The column as compared and returned: its text for types without a useful equality. */
static char *column_expr(PGconn *conn, const struct record_column *column)
{
	char *q = db_quote_ident(conn, column->name);
	if (column->kind != RECORD_KIND_OTHER)
		return q;
	char *text = g_strdup_printf("%s::text", q);
	g_free(q);
	return text;
}

/* Runs a query; a parameter the column's type cannot parse is "no such value". */
static PGresult *run(PGconn *conn, const char *what, const char *sql, int nparams,
		     const char *const *params, struct error *err)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state && (strncmp(state, "22", 2) == 0 || strcmp(state, "42883") == 0)) {
		error_set(err, ENOENT, "%s: no such value", what);
	} else {
		db_error(conn, res, what, err);
	}
	PQclear(res);
	return NULL;
}

int db_views_values(PGconn *conn, const struct db_object *obj, const struct record_column *column,
		    int limit, db_view_value_fn fn, void *ctx, struct error *err)
{
	char *expr = column_expr(conn, column);
	char *sql =
	    g_strdup_printf("SELECT %s %s GROUP BY 1 ORDER BY 1 LIMIT $1", expr, obj->from_where);
	char lim[32];
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	const char *params[] = {lim};
	char *what = g_strdup_printf("listing the values of %s.%s", obj->table, column->name);
	PGresult *res = run(conn, what, sql, 1, params, err);
	g_free(what);
	g_free(sql);
	g_free(expr);
	if (!res)
		return -err->code;
	int n = PQntuples(res);
	for (int r = 0; n <= limit && r < n; r++) {
		const char *text = PQgetisnull(res, r, 0) ? NULL : PQgetvalue(res, r, 0);
		if (fn(text, ctx))
			break;
	}
	PQclear(res);
	return n;
}

int db_views_rows(PGconn *conn, const struct db_object *obj, const struct record_column *column,
		  const struct db_view_match *m, const char *sfid, int64_t id, int limit,
		  db_view_row_fn fn, void *ctx, struct error *err)
{
	char *q = db_quote_ident(conn, column->name);
	char *expr = column_expr(conn, column);
	GString *sql = g_string_new(NULL);
	g_string_printf(sql, "SELECT id, sfid, %s %s AND ", expr, obj->from_where);
	const char *params[2];
	int nparams = 0;
	if (m->is_null) {
		g_string_append_printf(sql, "%s IS NULL", q);
	} else if (m->hash) {
		params[nparams++] = m->hash;
		g_string_append_printf(sql, "left(md5(%s::text), 16) = $%d", q, nparams);
	} else {
		params[nparams++] = m->text;
		g_string_append_printf(sql, "%s = $%d", expr, nparams);
	}
	char idtext[32];
	if (sfid) {
		params[nparams++] = sfid;
		g_string_append_printf(sql, " AND sfid = $%d", nparams);
	} else if (id > 0) {
		snprintf(idtext, sizeof(idtext), "%" G_GINT64_FORMAT, id);
		params[nparams++] = idtext;
		g_string_append_printf(sql, " AND id = $%d", nparams);
	}
	g_string_append(sql, " ORDER BY id");
	if (limit > 0)
		g_string_append_printf(sql, " LIMIT %d", limit);
	char *what = g_strdup_printf("listing %s by %s", obj->table, column->name);
	PGresult *res = run(conn, what, sql->str, nparams, params, err);
	g_free(what);
	g_string_free(sql, TRUE);
	g_free(expr);
	g_free(q);
	if (!res)
		return -err->code;
	int n = PQntuples(res);
	for (int r = 0; r < n; r++) {
		const char *row_sfid = PQgetisnull(res, r, 1) ? NULL : PQgetvalue(res, r, 1);
		const char *value = PQgetisnull(res, r, 2) ? NULL : PQgetvalue(res, r, 2);
		if (fn(strtoll(PQgetvalue(res, r, 0), NULL, 10), row_sfid, value, ctx))
			break;
	}
	PQclear(res);
	return n;
}
