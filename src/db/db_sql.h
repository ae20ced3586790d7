/*
 * db_sync_sql: small helpers shared by the files of db_sync (not a public API): running
 * a statement, and writing arrays as parameters so that a whole batch goes in one
 * statement (`unnest($1::int8[])`). Values always travel as parameters, never as text
 * in the statement.
 */
#ifndef FORCEFS_DB_SQL_H
#define FORCEFS_DB_SQL_H

#include <glib.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Runs a statement that returns nothing the caller needs; 0 or -code with `err` set. */
int db_sync_exec(PGconn *conn, const char *what, const char *sql, int nparams,
		 const char *const *params, struct error *err);

/* A Postgres array literal of integers, "{1,2,3}". g_free(). */
char *db_sync_int64_array(const int64_t *values, size_t n);

/* A Postgres array literal of texts, each quoted ("{\"a\",NULL}"); NULL elements are
 * SQL NULLs. g_free(). */
char *db_sync_text_array(const char *const *values, size_t n);

/* `tmpl` with each "{N}" (N a digit) replaced by subst[N]: SQL that names the same
 * quoted identifiers several times. g_free(). */
char *db_sync_sql_fill(const char *tmpl, const char *const *subst, size_t nsubst);

/* Runs COPY <target> FROM STDIN with `data` in COPY's text format. */
int db_sync_copy_in(PGconn *conn, const char *what, const char *copy_sql, const GString *data,
		    struct error *err);

/* Appends one COPY text-format field: \N for NULL, else the value with backslash, tab,
 * newline and carriage return escaped. */
void db_sync_copy_field(GString *out, const char *value);

#endif
