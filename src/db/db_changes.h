/*
 * db_changes: finding out what others changed in the database, cheaply.
 *
 * A mount caches rendered records; this is how it learns that a cached record is no
 * longer current. Three sources, because writers differ (docs/contract.md §6):
 *   1. `<schema>._trigger_log`: every user write (psql, a Rails app, another mount) is
 *      logged there by the capture triggers, which also NOTIFY "<schema>.hc_trigger_log".
 *      New rows, and rows the sync engine marks processed (updated_at), name the
 *      table and row id.
 *   2. `systemmodstamp`: sync writes are not logged, but a pull sets systemmodstamp
 *      (indexed), so rows stamped at or after the newest stamp seen are re-read.
 *   3. the row count of each object: catches hard deletes no log records.
 * One dedicated connection, which also LISTENs. Not thread-safe: one watcher thread.
 */
#ifndef FORCEFS_DB_CHANGES_H
#define FORCEFS_DB_CHANGES_H

#include <stdbool.h>
#include <stdint.h>

#include "db_schema.h"
#include "error.h"

struct db_changes;

/* What is known of one object's rows, to tell what changed since. */
struct db_object_mark {
	bool valid;
	char max_stamp[40]; /* newest systemmodstamp seen, as text ("" = none) */
	int64_t count;	    /* visible rows */
};

/* Called per changed row: `table` is the object's table, `id` its row id. */
typedef void (*db_change_fn)(const char *table, int64_t id, void *ctx);

struct db_changes *db_changes_open(const char *url, const char *schema, struct error *err);
void db_changes_close(struct db_changes *changes);

/*
 * Waits up to `timeout_ms` for a notification, or for `wake_fd` (-1: none) to become
 * readable. Returns 1 when a notification arrived, 0 otherwise, -EIO when the connection is lost
 * (the next call reconnects; changes may have been missed meanwhile, which `*reconnected` reports
 * after a reconnect).
 */
int db_changes_wait(struct db_changes *changes, int timeout_ms, int wake_fd, bool *reconnected);

/*
 * Sets *quiet when no transaction of the cluster has ended since the last call: the
 * server's pg_current_snapshot() is the one that call saw. A change to any row needs a
 * transaction id, and its commit moves the snapshot, so a quiet database has nothing
 * new to poll for. The first call on a connection (after a reconnect too) is never quiet.
 */
int db_changes_quiet(struct db_changes *changes, bool *quiet, struct error *err);

/*
 * Reports rows named by trigger-log entries that are new since last time (an index
 * scan) and, with `updated_too`, those whose entry was updated since (marked processed
 * by the sync engine: a scan of the log, so callers do it once per interval).
 */
int db_changes_poll_log(struct db_changes *changes, bool updated_too, db_change_fn fn, void *ctx,
			struct error *err);

/*
 * Reads the current mark of an object. With a valid `*mark`, first reports the rows
 * stamped at or after mark->max_stamp; sets *count_changed when the number of visible
 * rows differs (rows vanished or appeared unlogged: the caller reloads the object).
 */
int db_changes_poll_object(struct db_changes *changes, const struct db_object *obj,
			   struct db_object_mark *mark, bool *count_changed, db_change_fn fn,
			   void *ctx, struct error *err);

#endif
