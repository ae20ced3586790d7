/*
 * db_history: the history table behind MOUNT/.history and MOUNT/.changes (docs/views.md).
 *
 * `<schema>._forcefs_history` gets one row per change of an object's row, whoever makes
 * it (the mount, psql, an app, the sync engine), written by the statement-level AFTER
 * triggers `_forcefs_history_insert`, `_update` and `_delete` (transition tables) that
 * each object table gets:
 *   id bigserial, table_name, record_id (the row's id), sfid, action (INSERT, UPDATE,
 *   DELETE), changed_at (clock_timestamp()), source (mount, database, salesforce),
 *   txid, fields (the changed columns, text[]) and old (the row before, as jsonb; NULL
 *   for an INSERT).
 * An UPDATE that changes nothing but _hc_lastop/_hc_err is not recorded, and a
 * transaction that updates a row several times leaves one row (the version before the
 * transaction, the union of the fields), so the sync engine's intermediate writes never
 * show. Heroku Connect's own tables, functions and triggers are never touched.
 *
 * Installing runs inside the caller's transaction and is idempotent. Reading renders
 * an old version through the table's current row type (jsonb_populate_record), so a
 * version is shown with today's columns, exactly as the record file would show it.
 * Errors: -EIO unreachable, -EINVAL for an SQL error. One connection per call.
 */
#ifndef FORCEFS_DB_HISTORY_H
#define FORCEFS_DB_HISTORY_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db_records.h"
#include "db_schema.h"
#include "error.h"

#define DB_HISTORY_TABLE	"_forcefs_history"
#define DB_HISTORY_TRIGGER	"_forcefs_history" /* prefix of the three triggers */
#define DB_HISTORY_DEFAULT_DAYS 30

/*
 * Creates (when missing) the history table, its indexes and function in `schema`, and
 * the trigger on each of `tables`. created[i] (when not NULL) tells whether tables[i]
 * got its trigger now. *changed: anything was created or replaced.
 */
int db_history_install(PGconn *conn, const char *schema, const char *const *tables, size_t ntables,
		       bool *created, bool *changed, struct error *err);

/*
 * Marks (or unmarks) the session as running an initial load (forcefs sync's first pull
 * of an object): the rows it inserts are not recorded. A session setting
 * (forcefs.initial_load); updates and deletes are always recorded.
 */
int db_history_initial_load(PGconn *conn, bool on, struct error *err);

/* Whether `schema` has the history table. */
int db_history_present(PGconn *conn, const char *schema, bool *present, struct error *err);

/* Deletes the rows older than `days` days; *deleted counts them. 0 when there is no table. */
int db_history_prune(PGconn *conn, const char *schema, int days, long *deleted, struct error *err);

/* Called per record that has earlier versions: its row id and sfid (NULL: none). */
typedef int (*db_history_record_fn)(int64_t record_id, const char *sfid, void *ctx);

/* The records of `obj` with earlier versions, in id order, counted up to limit + 1
 * (more than `limit`: nothing is reported). Returns the count or -errno. */
int db_history_records(PGconn *conn, const struct db_object *obj, int limit,
		       db_history_record_fn fn, void *ctx, struct error *err);

/* One earlier version: the row as it was (values only), when it was replaced, its id. */
struct db_history_version {
	const struct db_row *row;
	int64_t history_id;
	const char *changed_at; /* "2024-01-01T12:34:56.123456Z" (UTC) */
};
typedef int (*db_history_version_fn)(const struct db_history_version *v, void *ctx);

/*
 * The earlier versions of one record, oldest first: by sfid (also the versions it had
 * before it got that sfid), or by row id when `sfid` is NULL; with `history_id` > 0
 * only that version. Returns how many or -errno.
 */
int db_history_versions(PGconn *conn, const struct db_object *obj, const char *sfid,
			int64_t record_id, int64_t history_id, db_history_version_fn fn, void *ctx,
			struct error *err);

/* One change, for .changes. */
struct db_history_change {
	int64_t id;
	const char *table;
	int64_t record_id;
	const char *sfid; /* NULL when none */
	const char *action;
	const char *changed_at;
	const char *source;
	const char *fields_json; /* JSON array of the changed columns */
};
typedef void (*db_history_change_fn)(const struct db_history_change *c, void *ctx);

/* The newest history id (0 when none), where a change feed starts. */
int db_history_last_id(PGconn *conn, const char *schema, int64_t *id, struct error *err);

/* The changes after `*after_id`, oldest first, at most `limit`; moves *after_id on. */
int db_history_changes(PGconn *conn, const char *schema, int64_t *after_id, int limit,
		       db_history_change_fn fn, void *ctx, struct error *err);

#endif
