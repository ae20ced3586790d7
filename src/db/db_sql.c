#include "db_sql.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "db_conn.h"

int db_exec(PGconn *conn, const char *what, const char *sql, int nparams,
		 const char *const *params, struct error *err)
{
	PGresult *res = db_query(conn, what, sql, nparams, params, err);
	if (!res)
		return -err->code;
	PQclear(res);
	return 0;
}

char *db_int64_array(const int64_t *values, size_t n)
{
	GString *s = g_string_new("{");
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(s, "%s%" G_GINT64_FORMAT, i ? "," : "", values[i]);
	g_string_append_c(s, '}');
	return g_string_free(s, FALSE);
}

char *db_text_array(const char *const *values, size_t n)
{
	GString *s = g_string_new("{");
	for (size_t i = 0; i < n; i++) {
		if (i)
			g_string_append_c(s, ',');
		if (!values[i]) {
			g_string_append(s, "NULL");
			continue;
		}
		g_string_append_c(s, '"');
		for (const char *p = values[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				g_string_append_c(s, '\\');
			g_string_append_c(s, *p);
		}
		g_string_append_c(s, '"');
	}
	g_string_append_c(s, '}');
	return g_string_free(s, FALSE);
}

void db_copy_field(GString *out, const char *value)
{
	if (!value) {
		g_string_append(out, "\\N");
		return;
	}
	for (const char *p = value; *p; p++) {
		switch (*p) {
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		default:
			g_string_append_c(out, *p);
		}
	}
}

int db_copy_in(PGconn *conn, const char *what, const char *copy_sql, const GString *data,
		    struct error *err)
{
	PGresult *res = PQexec(conn, copy_sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		int rc = db_error(conn, res, what, err);
		PQclear(res);
		return rc;
	}
	PQclear(res);
	/* PQputCopyData takes an int length: the data goes in pieces that always fit one. */
	enum { COPY_PIECE = 1 << 20 };
	bool sent = true;
	for (size_t off = 0; sent && off < data->len; off += COPY_PIECE)
		sent = PQputCopyData(conn, data->str + off, (int)MIN(data->len - off, COPY_PIECE)) == 1;
	if (!sent || PQputCopyEnd(conn, NULL) != 1)
		return error_set(err, EIO, "%s: database unreachable: %s", what,
				 PQerrorMessage(conn));
	int rc = 0;
	while ((res = PQgetResult(conn)) != NULL) {
		if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = db_error(conn, res, what, err);
		PQclear(res);
	}
	return rc;
}

char *db_sql_fill(const char *tmpl, ...)
{
	const char *names[16], *values[16];
	size_t n = 0;
	va_list ap;
	va_start(ap, tmpl);
	for (const char *name; (name = va_arg(ap, const char *));) {
		g_assert(n < G_N_ELEMENTS(names));
		names[n] = name;
		values[n++] = va_arg(ap, const char *);
	}
	va_end(ap);
	GString *out = g_string_new(NULL);
	for (const char *p = tmpl; *p;) {
		size_t i = 0;
		while (i < n && (*p != '{' || strncmp(p, names[i], strlen(names[i])) != 0))
			i++;
		if (i < n) {
			g_string_append(out, values[i]);
			p += strlen(names[i]);
		} else {
			g_string_append_c(out, *p++);
		}
	}
	return g_string_free(out, FALSE);
}
