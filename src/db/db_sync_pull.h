/*
 * db_sync_pull: writing pulled Salesforce records into an object's table.
 *
 * A batch (a few thousand records) is applied in one transaction:
 *   1. COPY the records into a temporary table shaped like the object's table;
 *   2. lock the rows they touch (in id order), so no user write to them can commit while
 *      the merge decides which fields to keep;
 *   3. adopt local rows that were inserted here and whose insert's answer was lost:
 *      a row without sfid whose upsert field holds the pulled record's value gets its sfid
 *      (matching on sfid, then on the upsert field, as Heroku Connect does);
 *   4. update existing rows field by field: a column that has an unprocessed local change
 *      (a NEW, PENDING or FAILED _trigger_log row of that record naming the column) keeps
 *      its local value; every other column takes Salesforce's. Rows whose pulled version
 *      is older than what they have, or equal to it, are not written;
 *   5. insert records that have no row, except those whose local DELETE is still queued
 *      (a record deleted here is not brought back by a pull that crossed the delete);
 *   6. delete the rows of records that are deleted in Salesforce.
 * `_hc_lastop` becomes SYNCED on every written row, except rows still PENDING or FAILED
 * here, which keep that state and their `_hc_err`.
 *
 * Values are Postgres text (sync_values); names are quoted identifiers.
 */
#ifndef FORCEFS_DB_SYNC_PULL_H
#define FORCEFS_DB_SYNC_PULL_H

#include <glib.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct db_sync_batch;

/* A batch for `columns` (the table's columns the records fill; must include "sfid" and
 * "systemmodstamp"). */
struct db_sync_batch *db_sync_batch_new(const char *const *columns, size_t ncolumns);

void db_sync_batch_free(struct db_sync_batch *batch);

/* Adds one live record: `values[i]` for columns[i] (NULL for SQL NULL), copied. */
void db_sync_batch_add(struct db_sync_batch *batch, const char *const *values);

/* Adds the sfid of a record deleted in Salesforce. */
void db_sync_batch_add_deleted(struct db_sync_batch *batch, const char *sfid);

/* Empties the batch without applying it. */
void db_sync_batch_clear(struct db_sync_batch *batch);

/* Records (live and deleted) in the batch. */
size_t db_sync_batch_size(const struct db_sync_batch *batch);

struct db_sync_applied {
	long inserted;
	long updated;
	long deleted;
	long kept_fields; /* rows where a local change kept one or more fields */
};

/* Applies and empties the batch. `upsert_column` (may be NULL) is the column of the
 * upsert field. Adds to `stats` (may be NULL). */
int db_sync_batch_apply(PGconn *conn, const char *schema, const char *table,
			const char *upsert_column, struct db_sync_batch *batch,
			struct db_sync_applied *stats, struct error *err);

/* Like db_sync_batch_apply (the batch may be empty), and in the same transaction saves
 * `replay_id` (the last change event the batch answers; its commit time
 * `replay_event_ms`) as `object`'s replay id in _forcefs_sync and adds `events` to the
 * object's events of today: a restart replays from there, nothing twice. */
int db_sync_batch_apply_replay(PGconn *conn, const char *schema, const char *table,
			       const char *upsert_column, struct db_sync_batch *batch,
			       const char *object, int64_t replay_id, int64_t replay_event_ms,
			       long events, struct db_sync_applied *stats, struct error *err);

#endif
