/*
 * sync_push: local changes to Salesforce (docs/contract.md §7, docs/sync.md "Push").
 *
 * One batch: claim NEW _trigger_log rows in id order (they become PENDING), fold them per
 * record (sync_plan), read the records' current rows, and send them with sObject
 * Collections, 200 records a call, grouped by object and operation:
 *   - inserts are upserts on the object's upsert field when it has one (a generated UUID
 *     fills an empty one first, committed before the call), else creates;
 *   - updates carry the changed columns' current values, mapped to field API names;
 *   - deletes are idempotent (an already deleted record counts as deleted).
 * Each call's answers are written back at once, in one transaction, as Heroku Connect
 * writes them (db_sync_write_back). Per-record UNABLE_TO_LOCK_ROW is retried for that
 * record; a whole call refused for a reason that is not transient is split in halves
 * until the record at fault is alone, so one bad record never fails the others. 5xx,
 * timeouts, lost answers and REQUEST_LIMIT_EXCEEDED are retried with backoff
 * (sync_env_backoff), which is safe because every call is idempotent but a create
 * without an upsert field (warned about at start).
 *
 * A failed record keeps its log rows FAILED; its later changes are sent together with
 * the failed ones (so they fail again until the record is fixed), and a success marks
 * the earlier FAILED rows MERGED. Setting a FAILED row back to NEW sends it again.
 */
#ifndef FORCEFS_SYNC_PUSH_H
#define FORCEFS_SYNC_PUSH_H

#include <stdbool.h>

#include "error.h"
#include "sync_env.h"

struct sync_push_stats {
	long changes;  /* records sent or settled */
	long inserted; /* created (or upserted) */
	long updated;
	long deleted;
	long failed;
	long calls;    /* sObject Collections calls */
	long sent;     /* records carried by those calls (retries included) */
	long deferred; /* claimed but not sent (stopping, budget, gave up): queued again */
};

/*
 * Claims and sends one batch (env->claim_limit log rows). Sets *more when the claim was
 * full, so more may be waiting. Salesforce failures never fail the batch: they become
 * record outcomes, or the batch waits and retries. Returns -EIO/-EINVAL when the database
 * fails; claimed rows then stay PENDING and are reclaimed by the next leader.
 */
int sync_push_batch(struct sync_env *env, struct sync_push_stats *stats, bool *more,
		    struct error *err);

/* Sends batches until nothing is queued, the engine stops, or a batch sent nothing new
 * (everything deferred). */
int sync_push_all(struct sync_env *env, struct sync_push_stats *stats, struct error *err);

#endif
