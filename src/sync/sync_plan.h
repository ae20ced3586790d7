/*
 * sync_plan: what the push sends for each record (docs/contract.md §7, docs/sync.md "Push").
 *
 * The push claims `_trigger_log` rows and folds them per record (coalescing): several
 * UPDATEs of one record become one update carrying every column any of them changed,
 * with the values read from the current row when it is sent (so the latest value wins
 * and a value is never sent twice); an INSERT followed by UPDATEs becomes one insert of
 * the current row; anything followed by a DELETE becomes one delete; an INSERT and a
 * DELETE before anything was sent cancel out. Earlier FAILED rows of the same record are
 * folded in too: their columns go with the next attempt, so a fix that touches another
 * field still carries the failed change (and fails again until the record is fixed).
 *
 * Pure: plain structs in, plain structs out. The SQL is in db_sync, the calls in
 * sync_push.
 */
#ifndef FORCEFS_SYNC_PLAN_H
#define FORCEFS_SYNC_PLAN_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sync_action { SYNC_ACTION_INSERT, SYNC_ACTION_UPDATE, SYNC_ACTION_DELETE };

/* One _trigger_log row the push works on. Strings are borrowed from the caller. */
struct sync_log_entry {
	int64_t id;
	int64_t record_id;
	const char *table;
	enum sync_action action;
	const char *sfid; /* the log's sfid (the record's before the change), or NULL */
	const char *const
	    *columns; /* NULL-terminated keys of "values" (changed columns), or NULL */
	bool failed;  /* an earlier FAILED row folded in, not a claimed NEW one */
};

/* What to do with one record, once its current row has been read. */
enum sync_op {
	SYNC_OP_INSERT, /* no sfid yet: create (or upsert by external id) the current row */
	SYNC_OP_UPDATE, /* send the changed columns of the current row */
	SYNC_OP_DELETE, /* delete the sfid in Salesforce */
	SYNC_OP_IGNORE, /* inserted and deleted before it was ever sent: nothing to do */
	SYNC_OP_LATER,	/* the row is gone and its DELETE is queued but not claimed yet */
	SYNC_OP_GONE,	/* the row is gone without a local DELETE: Salesforce deleted it */
};

/* The changes of one record, in the order of its first log row. */
struct sync_change {
	char *table;
	int64_t record_id;
	int64_t first_id; /* smallest log id: the order changes are sent in */
	bool has_insert;
	bool has_delete;
	bool all_columns;    /* an INSERT row: every column counts as changed */
	char *sfid;	     /* the newest sfid the log rows name, or NULL */
	GPtrArray *columns;  /* char *: changed columns, each once, in first-seen order */
	GArray *claimed_ids; /* int64_t: claimed NEW rows */
	GArray *failed_ids;  /* int64_t: earlier FAILED rows folded in */
};

/* Folds `n` entries (in log id order) into changes, one per (table, record_id), ordered
 * by first_id. Free with g_ptr_array_free(result, TRUE). */
GPtrArray *sync_plan_coalesce(const struct sync_log_entry *entries, size_t n);

void sync_change_free(struct sync_change *change);

/* The operation for `change` given its current row: whether the row exists, whether it
 * has an sfid, and (for a missing row) whether an unclaimed DELETE of it is queued. */
enum sync_op sync_plan_decide(const struct sync_change *change, bool row_exists, bool row_has_sfid,
			      bool delete_queued);

/* "INSERT", "UPDATE", "DELETE" (the op of _hc_err), or "IGNORE" and so on. */
const char *sync_op_name(enum sync_op op);

/* Whether `column` counts as changed for `change` (an insert: every column). */
bool sync_change_touches(const struct sync_change *change, const char *column);

#endif
