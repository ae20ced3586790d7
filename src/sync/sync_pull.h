/*
 * sync_pull: Salesforce changes into the database (docs/contract.md §7, docs/sync.md "Pull").
 *
 * Initial load (an object whose state has no finished load): SELECT COUNT() first; up to
 * env->bulk_threshold records are read with paged queryAll in (SystemModstamp, Id) order,
 * more with a Bulk API 2.0 queryAll job. Deleted records (IsDeleted) are skipped, or
 * removed when a row has them. Rows are written in batches of env->apply_batch through
 * COPY and one merge (db_sync_pull), never one statement per record.
 *
 * Poll: queryAll of the records stamped since the cursor (sync_window: (SystemModstamp,
 * Id) order with an Id tiebreak, a small overlap, chunks of env->pull_chunk), applied
 * with the same merge: fields that have an unprocessed local change keep the local value,
 * records deleted in Salesforce lose their row. The cursor moves after each committed
 * batch.
 *
 * Delete pass: every SYNC_DELETE_PASS_SECONDS (or the poll interval when longer; or
 * env->delete_pass_ms when set: SYNC_STREAM_DELETE_PASS_SECONDS for an object that
 * streams, whose deletes come as change events), getDeleted over the time since the
 * last pass, for records that left the recycle bin before a poll could see them.
 *
 * Salesforce errors are retried with backoff (sync_env_backoff); when retrying ends
 * (a permanent error, --once out of attempts, shutdown) the pull returns -EAGAIN with
 * the reason in `err`, having kept everything it applied so far; -ECANCELED when the
 * engine is stopping (after a committed batch). -EIO/-EINVAL are database errors.
 */
#ifndef FORCEFS_SYNC_PULL_H
#define FORCEFS_SYNC_PULL_H

#include "error.h"
#include "sync_env.h"
#include "sync_objects.h"

#define SYNC_DELETE_PASS_SECONDS	600
#define SYNC_STREAM_DELETE_PASS_SECONDS (6 * 3600)

struct sync_pull_stats {
	long records; /* records read from Salesforce */
	long inserted;
	long updated;
	long deleted;
	long kept;    /* updated rows that kept a local change */
	bool initial; /* this was the initial load */
};

/* The initial load when the object has none yet, else one poll; then the delete pass
 * when it is due. */
int sync_pull_object(struct sync_env *env, const struct sync_object *object,
		     struct sync_pull_stats *stats, struct error *err);

/* Records per by-Id fetch of sync_pull_records (Id IN (...) of up to this many ids). */
#define SYNC_FETCH_IDS_PER_CALL 200

/*
 * A change event is a doorbell (docs/sync.md "Streaming"): fetches the records `ids` of
 * `object` with queryAll ... WHERE Id IN (...), one call per SYNC_FETCH_IDS_PER_CALL
 * ids, and applies them with the same merge as a poll (a field with an unprocessed local
 * change keeps its local value; a record deleted in Salesforce, or no longer returned at
 * all, loses its row). The last batch commits `replay_id` (and `events` more events
 * today) in its transaction; with no ids, only the replay id is saved. The pull cursor
 * does not move: the window poll still covers everything after it. Errors as
 * sync_pull_object.
 */
int sync_pull_records(struct sync_env *env, const struct sync_object *object,
		      const char *const *ids, size_t n, int64_t replay_id, int64_t replay_event_ms,
		      long events, struct sync_pull_stats *stats, struct error *err);

#endif
