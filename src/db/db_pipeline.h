/*
 * db_pipeline: a few statements sent together and answered in one network round trip
 * (libpq pipeline mode), e.g. BEGIN with the SELECT ... FOR UPDATE that follows it, or
 * an UPDATE with its COMMIT.
 *
 * The statements run in order; after the first one that fails the server skips the
 * rest (they come back unanswered), and an open transaction is left failed for the
 * caller to roll back. Values are parameters, as with PQexecParams.
 */
#ifndef FORCEFS_DB_PIPELINE_H
#define FORCEFS_DB_PIPELINE_H

#include <libpq-fe.h>
#include <stddef.h>

#include "error.h"

struct db_pipeline_stmt {
	const char *sql;
	int nparams;
	const char *const *params;
	const char *what; /* for the error message: "reading the record" */
	PGresult *res;	  /* out: its result (PQclear it), NULL when it did not run */
};

/* Returns 0 when every statement succeeded, or -errno of the first that failed (with
 * `err` set as db_error() sets it). Results are filled either way. */
int db_pipeline_run(PGconn *conn, struct db_pipeline_stmt *stmts, size_t n, struct error *err);
void db_pipeline_clear(struct db_pipeline_stmt *stmts, size_t n);

#endif
