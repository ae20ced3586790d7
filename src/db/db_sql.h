/*
 * db_sql: the db layer's helpers for writing SQL (not used outside src/db and init's
 * db_init): running a statement, arrays as parameters so that a whole batch goes in one
 * statement (`unnest($1::int8[])`), templates that name the same quoted identifiers
 * several times, COPY. Values always travel as parameters, never as text in the
 * statement; names only as quoted identifiers (db_quote_ident, db_qualified_name).
 */
#ifndef FORCEFS_DB_SQL_H
#define FORCEFS_DB_SQL_H

#include <glib.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Runs a statement that returns nothing the caller needs; 0 or -code with `err` set. */
int db_exec(PGconn *conn, const char *what, const char *sql, int nparams,
		 const char *const *params, struct error *err);

/* A Postgres array literal of integers, "{1,2,3}". g_free(). */
char *db_int64_array(const int64_t *values, size_t n);

/* A Postgres array literal of texts, each quoted ("{\"a\",NULL}"); NULL elements are
 * SQL NULLs. g_free(). */
char *db_text_array(const char *const *values, size_t n);

/*
 * `tmpl` with its placeholders replaced; the variable arguments are placeholder, value,
 * ..., NULL: db_sql_fill("SELECT {c} FROM {t}", "{c}", quoted_column, "{t}",
 * quoted_table, NULL). One pass over `tmpl`: a value is never searched for placeholders.
 * Values must be quoted identifiers or quoted literals. g_free().
 */
char *db_sql_fill(const char *tmpl, ...) G_GNUC_NULL_TERMINATED;

/* Runs COPY <target> FROM STDIN with `data` in COPY's text format. */
int db_copy_in(PGconn *conn, const char *what, const char *copy_sql, const GString *data,
		    struct error *err);

/* Appends one COPY text-format field: \N for NULL, else the value with backslash, tab,
 * newline and carriage return escaped. */
void db_copy_field(GString *out, const char *value);

#endif
