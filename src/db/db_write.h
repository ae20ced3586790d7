/*
 * db_write: the statements that change records. Every change is an ordinary UPDATE,
 * INSERT or DELETE in a user session (xmlbinary stays 'base64'), so the capture
 * triggers queue it for Salesforce in the same transaction, exactly as a Rails app's
 * write would be (docs/contract.md §6). Values are always parameters; names are quoted.
 *
 * Errors: EIO when the database is unreachable, EINVAL when it refuses the values
 * (constraint, type, length), EACCES when the session may not write, EROFS when a
 * read-only Heroku Connect mapping refuses the write.
 */
#ifndef FORCEFS_DB_WRITE_H
#define FORCEFS_DB_WRITE_H

#include <libpq-fe.h>
#include <stdint.h>

#include "db_records.h"
#include "db_schema.h"
#include "error.h"

/* One column to write: its text form for libpq, or NULL for SQL NULL. */
struct db_value {
	const char *column;
	const char *text;
};

int db_begin(PGconn *conn, struct error *err);
int db_commit(PGconn *conn, struct error *err);
/* Rolls back whatever is open; never fails (a broken connection is dropped on release). */
void db_rollback(PGconn *conn);

/*
 * Reads row `id` and locks it until the transaction ends (SELECT ... FOR UPDATE).
 * Calls `fn` once if the row exists and is not deleted; returns -ENOENT otherwise.
 */
int db_record_lock(PGconn *conn, const struct db_object *obj, int64_t id, db_row_fn fn, void *ctx,
		   struct error *err);

/*
 * The same two steps as a transaction in two round trips (db_pipeline): BEGIN sent with
 * the SELECT ... FOR UPDATE, and the UPDATE with its COMMIT (just COMMIT when nothing is
 * to be written). After a failure the transaction may be open: db_rollback() it.
 */
int db_record_begin_lock(PGconn *conn, const struct db_object *obj, int64_t id, db_row_fn fn,
			 void *ctx, struct error *err);
int db_record_update_commit(PGconn *conn, const struct db_object *obj, int64_t id,
			    const struct db_value *values, size_t nvalues, db_row_fn written,
			    void *ctx, struct error *err);

/* `written` (may be NULL) gets the row as the UPDATE left it (RETURNING), before COMMIT. */
int db_record_update(PGconn *conn, const struct db_object *obj, int64_t id,
		     const struct db_value *values, size_t nvalues, db_row_fn written, void *ctx,
		     struct error *err);
/*
 * The optimistic commit, one round trip: the UPDATE alone in autocommit (the connection
 * must be outside a transaction), applied only if row `id` is still at row version
 * `version` (db_row.version, its xmin when it was read), so nobody changed it since.
 * Returns 0 when the row was written and committed (`written` saw it as the UPDATE left
 * it), 1 when nothing was written because the row is no longer at that version, is gone,
 * or there is nothing to write (nvalues 0, version 0), or -errno.
 */
int db_record_update_if_version(PGconn *conn, const struct db_object *obj, int64_t id,
				uint32_t version, const struct db_value *values, size_t nvalues,
				db_row_fn written, void *ctx, struct error *err);
int db_record_insert(PGconn *conn, const struct db_object *obj, const struct db_value *values,
		     size_t nvalues, int64_t *new_id, struct error *err);
int db_record_delete(PGconn *conn, const struct db_object *obj, int64_t id, struct error *err);

#endif
