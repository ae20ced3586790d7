/*
 * sync_engine: the loop of `forcefs sync` (SPEC §7, docs/sync.md).
 *
 * Leadership: the engine connects to the database and tries the schema's leader lock
 * (db_sync_try_lead) once a second until it holds it; several engines on one database
 * are safe, and a standby takes over within about a second of the leader's connection
 * dropping. Taking the lead it creates _forcefs_sync when missing, reads the objects to
 * sync (sync_objects), and puts rows a dead leader had claimed back in the queue.
 *
 * Scheduling, one thread: the push runs when a NOTIFY on "<schema>.hc_trigger_log"
 * arrives (and every sweep interval as a fallback), each object is pulled when its
 * interval has passed (the first pull of an object is its initial load), processed log
 * rows are archived hourly. The push and the pull take turns and never overlap.
 *
 * Stopping: SIGTERM or SIGINT lets the Salesforce call in flight finish and its answers be
 * written back; claimed changes not sent yet go back to the queue; the engine exits 0.
 *
 * Database trouble (Postgres restarted, network gone) ends the leadership: the engine
 * reconnects, takes the lead again when it can, and reclaims what was in flight.
 * Salesforce trouble is retried with backoff (sync_retry) and never loses a change.
 */
#ifndef FORCEFS_SYNC_ENGINE_H
#define FORCEFS_SYNC_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "sf_auth.h"
#include "sync_mapping.h"
#include "sync_retry.h"

struct sync_options {
	const char *db_url;
	const char *schema;
	const struct sync_mapping *mapping; /* NULL: every object with _forcefs_fields rows */
	const char *objects;		    /* --objects subset, or NULL */
	const struct sf_auth_config *auth;
	long timeout_ms;	  /* per Salesforce request */
	bool once;		  /* push what is queued, pull every object once, exit */
	int poll_seconds;	  /* > 0: replaces every object's interval (--poll-interval) */
	long max_daily_api_calls; /* 0: the mapping's, else SYNC_DEFAULT_MAX_DAILY_API_CALLS */
	bool progress;		  /* progress bar for initial loads (stderr is a terminal) */
	struct sync_retry_policy policy;
	long batch_size;     /* records per sObject Collections call, 1..200 */
	long claim_limit;    /* log rows per push batch */
	long pull_chunk;     /* records per pull query */
	long bulk_threshold; /* initial loads above this use Bulk API 2.0 */
	long apply_batch;    /* pulled records per database transaction */
	int64_t overlap_ms;  /* pull window overlap */
	long sweep_ms;	     /* fallback look at the queue without a NOTIFY */
	long standby_ms;     /* how often a standby tries the lead */
	int history_days;    /* history rows older than this are pruned (docs/views.md) */
};

/* The defaults of every tuning field (not db_url, schema, auth). */
void sync_options_defaults(struct sync_options *opts);

/*
 * Runs until stopped (or once). Returns 0 when it stopped cleanly (or --once did
 * everything), 1 with `err` set when it cannot run (no objects to sync, a bad mapping)
 * or when --once left changes queued or objects not pulled (`err` says which).
 */
int sync_engine_run(const struct sync_options *opts, struct error *err);

#endif
