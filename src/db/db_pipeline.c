#include "db_pipeline.h"

#include <errno.h>

#include "db_conn.h"

static bool ok_status(ExecStatusType st)
{
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Reads the answers up to the sync point; false when the connection broke first. */
static bool collect(PGconn *conn, struct db_pipeline_stmt *stmts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		PGresult *res = PQgetResult(conn);
		if (!res)
			return false;
		stmts[i].res = res;
		/* Each statement's results end with a NULL. */
		PGresult *extra;
		while ((extra = PQgetResult(conn)) != NULL)
			PQclear(extra);
	}
	PGresult *sync = PQgetResult(conn);
	bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
	PQclear(sync);
	return synced;
}

int db_pipeline_run(PGconn *conn, struct db_pipeline_stmt *stmts, size_t n, struct error *err)
{
	for (size_t i = 0; i < n; i++)
		stmts[i].res = NULL;
	if (!PQenterPipelineMode(conn))
		return db_error(conn, NULL, stmts[0].what, err);
	bool sent = true;
	for (size_t i = 0; i < n && sent; i++)
		sent = PQsendQueryParams(conn, stmts[i].sql, stmts[i].nparams, NULL,
					 stmts[i].params, NULL, NULL, 0) == 1;
	sent = sent && PQpipelineSync(conn) == 1;
	bool answered = sent && collect(conn, stmts, n);
	if (!answered || !PQexitPipelineMode(conn)) {
		/* Only a broken connection gets here: the pool drops it on release. */
		return db_error(conn, NULL, stmts[0].what, err);
	}
	for (size_t i = 0; i < n; i++) {
		if (!ok_status(PQresultStatus(stmts[i].res)))
			return db_error(conn, stmts[i].res, stmts[i].what, err);
	}
	return 0;
}

void db_pipeline_clear(struct db_pipeline_stmt *stmts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		PQclear(stmts[i].res);
		stmts[i].res = NULL;
	}
}
