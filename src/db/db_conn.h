/*
 * db_conn: a small pool of PostgreSQL connections shared by the FUSE worker threads.
 *
 * libpq connections are not thread-safe, so each caller borrows one connection for
 * the length of one operation. Every connection runs with DateStyle=ISO, TimeZone=UTC,
 * extra_float_digits=1 and UTF-8, which record_render() relies on. A connection that
 * broke is dropped on release and a new one is made on the next acquire, so the mount
 * recovers by itself when the database comes back.
 */
#ifndef FORCEFS_DB_CONN_H
#define FORCEFS_DB_CONN_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "error.h"

struct db_pool;

/* Connects once to check the URL; returns NULL with `err` set (EIO) if it cannot. */
struct db_pool *db_pool_open(const char *url, int size, const char *application_name,
			     struct error *err);
void db_pool_close(struct db_pool *pool);

/* Borrows a connection, connecting if needed. NULL with `err` (EIO) when unreachable. */
PGconn *db_acquire(struct db_pool *pool, struct error *err);
/* Returns a borrowed connection; a connection whose status is bad is discarded. */
void db_release(struct db_pool *pool, PGconn *conn);

/* Opens one dedicated connection (for LISTEN), with the same session settings. */
PGconn *db_connect(const char *url, const char *application_name, struct error *err);

/*
 * Runs `sql` with text parameters. Returns the result (caller PQclear()s it) or NULL
 * with `err` set: EIO when the connection failed, EINVAL for an SQL error. `what`
 * names the operation for the message ("listing account").
 */
PGresult *db_query(PGconn *conn, const char *what, const char *sql, int nparams,
		   const char *const *params, struct error *err);

/* Whether a failed result means the server is unavailable (EIO), not a bad request. */
bool db_error_is_unavailable(const PGresult *res);

/* Sets `err` from a failed result or connection and returns -code. */
int db_error(PGconn *conn, const PGresult *res, const char *what, struct error *err);

/* "schema"."name", quoted by libpq; g_free() the result. */
char *db_qualified_name(PGconn *conn, const char *schema, const char *name);
/* "name", quoted by libpq; g_free() the result. */
char *db_quote_ident(PGconn *conn, const char *name);

#endif
