/*
 * db_sync: every SQL statement the sync engine runs, except applying pulled rows
 * (db_sync_pull.h). The FUSE face and the Salesforce client never see any of it.
 *
 * The engine's session runs with `xmlbinary = 'hex'`: the capture triggers of docs/contract.md §6
 * then neither log its writes nor mark them PENDING, so nothing it writes is sent back
 * to Salesforce (echo suppression). The BEFORE trigger still sets `_hc_lastop` to
 * SYNCED on each of its writes unless the write sets `_hc_lastop` itself to a value
 * different from the old one; where the engine must keep a value as it was (a row
 * still PENDING or FAILED), it writes a marker (`<value>~`) and settles it in a second
 * statement of the same transaction, so nobody ever sees the marker.
 *
 * Engine state lives in `<schema>._forcefs_sync` (created here when missing; layout in
 * docs/sync.md): one row per object with the pull cursor, the times of the last pull
 * and push, and the API calls of the current UTC day; the row with object '' holds the
 * calls that belong to no object and the org's last reported API usage.
 *
 * Leadership: one session-level advisory lock per schema, key
 * (hashtext('forcefs sync'), hashtext(schema)). It is held by the engine's one
 * connection, so when that connection dies (the process was killed, the network or
 * Postgres went away) the lock goes with it and a standby takes over.
 *
 * Errors: EIO when the database is unreachable (the engine reconnects), EINVAL for an
 * SQL error (the engine retries later).
 */
#ifndef FORCEFS_DB_SYNC_H
#define FORCEFS_DB_SYNC_H

#include <glib.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* An Id and its NUL: the 18-character form the engine stores. */
#define DB_SYNC_ID_BUF 19

/* --- session and leadership ------------------------------------------------------ */

/* Connects as the engine: xmlbinary = 'hex', a lock timeout, LISTEN on the trigger-log
 * channel "<schema>.hc_trigger_log". */
PGconn *db_sync_connect(const char *url, const char *schema, struct error *err);

/* Closes the engine's connection (and so gives up its leader lock). NULL is fine. */
void db_sync_disconnect(PGconn *conn);

/* Takes the schema's leader lock if it is free. *leader says whether this session holds it. */
int db_sync_try_lead(PGconn *conn, const char *schema, bool *leader, struct error *err);

/* Waits up to `timeout_ms` for a NOTIFY or for `wake_fd` or `event_fd` (-1: none) to be
 * readable. Returns 1 when a notification came, 0 otherwise, -EIO when the connection is
 * lost. */
int db_sync_wait(PGconn *conn, int timeout_ms, int wake_fd, int event_fd);

/* Drains notifications that already arrived; returns whether there were any. */
bool db_sync_drain_notifications(PGconn *conn);

/* Creates _forcefs_sync when it is missing. */
int db_sync_prepare(PGconn *conn, const char *schema, struct error *err);

/* --- engine state ---------------------------------------------------------------- */

struct db_sync_state {
	int64_t cursor_stamp_ms;     /* the newest record pulled: its SystemModstamp (ms; 0 = none) */
	char cursor_id[DB_SYNC_ID_BUF]; /* and its Id ("" = every record stamped at or after) */
	bool loaded;		    /* the initial load finished */
	int64_t deleted_checked_ms; /* end of the last getDeleted window; 0 = never */
	int64_t replay_id;	    /* the last change event applied; -1 = none */
};

/* Reads an object's state, creating its row when missing. */
int db_sync_state_load(PGconn *conn, const char *schema, const char *object, const char *table,
		       struct db_sync_state *state, struct error *err);

/* Saves the cursor (`stamp_ms` 0: none; `id` "": none) and `loaded` after a pulled chunk
 * was committed; sets last_pull_at when `finished` (a poll or the initial load completed). */
int db_sync_state_save_cursor(PGconn *conn, const char *schema, const char *object,
			      int64_t stamp_ms, const char *id, bool loaded, bool finished,
			      struct error *err);

/* Whether the object streams ("streaming") or polls ("polling"), and why (may be NULL). */
int db_sync_state_stream(PGconn *conn, const char *schema, const char *object, const char *state,
			 const char *note, struct error *err);

int db_sync_state_save_deleted_check(PGconn *conn, const char *schema, const char *object,
				     int64_t checked_ms, struct error *err);

/* last_push_at = now() for the objects that were sent something. */
int db_sync_state_pushed(PGconn *conn, const char *schema, const char *object, struct error *err);

/* Records the last engine-level error of an object (NULL clears it). */
int db_sync_state_error(PGconn *conn, const char *schema, const char *object, const char *message,
			struct error *err);

/* Adds `calls` to today's API calls of `object` ("" for calls of no object). */
int db_sync_count_calls(PGconn *conn, const char *schema, const char *object, long calls,
			struct error *err);

/* The org's API usage from the last Sforce-Limit-Info header. */
int db_sync_save_org_usage(PGconn *conn, const char *schema, long long used, long long max,
			   struct error *err);

/* Today's API calls of all objects together. */
int db_sync_calls_today(PGconn *conn, const char *schema, long *calls, struct error *err);

/* --- push ------------------------------------------------------------------------ */

/* What a _trigger_log row records. */
enum db_sync_action { DB_SYNC_INSERT, DB_SYNC_UPDATE, DB_SYNC_DELETE };

/* One _trigger_log row the push works on. Strings point into its db_sync_claim. */
struct db_sync_log_row {
	int64_t id;
	int64_t record_id;
	const char *table;
	enum db_sync_action action;
	const char *sfid;	     /* the log's sfid (the record's before the change), or NULL */
	const char *const *columns; /* NULL-terminated keys of "values" (changed columns), or NULL */
	bool failed;		     /* an earlier FAILED row folded in, not a claimed NEW one */
};

/* Log rows the push works on: claimed NEW rows and the FAILED rows of the same records.
 * `entries` point into storage owned by this struct. */
struct db_sync_claim {
	struct db_sync_log_row *entries;
	size_t n;
	size_t nclaimed; /* of which claimed (the rest are folded-in FAILED rows) */
	GStringChunk *strings;
	GPtrArray *column_lists; /* char ** of each entry, freed with g_strfreev */
};

/* Puts PENDING rows back to NEW: only the leader claims, so PENDING rows at the start
 * of a leadership were claimed by a process that died. Sets *n. */
int db_sync_reclaim(PGconn *conn, const char *schema, long *n, struct error *err);

/*
 * Claims the first `limit` NEW rows of `tables` in id order, and every other NEW row of
 * the same records, setting them PENDING in one committed statement; adds the FAILED
 * rows of those records. *out is NULL when nothing is waiting.
 */
int db_sync_claim(PGconn *conn, const char *schema, const char *const *tables, size_t ntables,
		  long limit, struct db_sync_claim **out, struct error *err);

void db_sync_claim_free(struct db_sync_claim *claim);

/* Current rows of one table, read as text: row i of `ids` is found with rows_found[i]. */
struct db_sync_rows {
	size_t ncolumns;
	size_t nrows;  /* = number of ids asked for */
	bool *found;   /* per id */
	char **values; /* nrows * ncolumns, NULL for SQL NULL or a missing row */
	GStringChunk *strings;
};

/* Reads `columns` (the first must be "sfid") of the rows `ids` of `table`. */
int db_sync_read_rows(PGconn *conn, const char *schema, const char *table,
		      const char *const *columns, size_t ncolumns, const int64_t *ids, size_t nids,
		      struct db_sync_rows **out, struct error *err);

void db_sync_rows_free(struct db_sync_rows *rows);

/* Which of `ids` (rows of `table` that are gone) have an unclaimed DELETE queued:
 * queued[i] for ids[i]. */
int db_sync_deletes_queued(PGconn *conn, const char *schema, const char *table, const int64_t *ids,
			   size_t nids, bool *queued, struct error *err);

/*
 * Writes `values[i]` into `column` of row `ids[i]` (the generated external ids of
 * inserts), committed before anything is sent, keeping the rows PENDING; also records
 * each value in the record's claimed INSERT log rows ("values" gets the column), so the
 * log says what was sent.
 */
int db_sync_store_values(PGconn *conn, const char *schema, const char *table, const char *column,
			 const int64_t *ids, const char *const *values, size_t n,
			 struct error *err);

/* Which of `values` another row of `table` than `ids[i]` already holds in `column`:
 * taken[i]. A NULL value is never taken. */
int db_sync_values_taken(PGconn *conn, const char *schema, const char *table, const char *column,
			 const int64_t *ids, const char *const *values, size_t n, bool *taken,
			 struct error *err);

/* What happened to one record's change, for the write-back. */
enum db_sync_result {
	DB_SYNC_SUCCESS,  /* log rows SUCCESS; earlier FAILED rows MERGED */
	DB_SYNC_FAILED,	  /* log rows FAILED with sf_message; row FAILED with _hc_err */
	DB_SYNC_IGNORED,  /* log rows IGNORE: nothing to send */
	DB_SYNC_MERGED,	  /* log rows MERGED: a later change carries them */
	DB_SYNC_DEFERRED, /* log rows back to NEW: try again later (shutdown, budget) */
};

/* The outcome of one record's change: its table and row, and the log rows it settles. */
struct db_sync_outcome {
	const char *table;
	int64_t record_id;
	const GArray *claimed_ids; /* int64_t: the claimed NEW log rows */
	const GArray *failed_ids;  /* int64_t: earlier FAILED log rows it carried */
	enum db_sync_result result;
	const char *lastop;  /* row's _hc_lastop: INSERTED, UPDATED, FAILED; NULL: row untouched */
	const char *sfid;    /* sfid to set (inserts), or NULL */
	const char *hc_err;  /* _hc_err JSON for FAILED, else NULL */
	const char *message; /* sf_message for FAILED, or NULL */
};

/*
 * Writes the outcomes of one call back, in one transaction: log rows (state,
 * processed_at, processed_tx, updated_at, sf_result 1 for SUCCESS and 0 for FAILED,
 * sf_message) and the records' rows (sfid, _hc_lastop, _hc_err; a row that has a newer
 * NEW log row stays PENDING). A row in Salesforce that another local row already holds
 * the sfid of (pulled while the insert's answer was lost) is removed first. `gone` gets
 * the outcomes (indexes) whose row was deleted meanwhile; may be NULL.
 */
int db_sync_write_back(PGconn *conn, const char *schema, const struct db_sync_outcome *outcomes,
		       size_t n, GArray *gone, struct error *err);

/* Moves processed log rows older than a day to _trigger_log_archive (FAILED rows only
 * when their record is gone from `tables`) and drops archived rows older than 31 days. */
int db_sync_archive(PGconn *conn, const char *schema, const char *const *tables, size_t ntables,
		    long *moved, struct error *err);

#endif
