/*
 * sync_engine: the loop of `forcefs sync` (docs/contract.md §7, docs/sync.md).
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
 * Streaming (docs/sync.md "Streaming", src/sync/sync_feed.h): a second thread (sync_stream)
 * holds the Change Data Capture subscription and only queues what it hears; this thread
 * applies each batch of events as a doorbell (sync_pull_records: the named records are fetched and
 * merged like a poll, and the replay id is committed with them). An object whose
 * subscription is accepted is window-polled every safety_seconds only; a refused one
 * polls at its interval. Writes carry Sforce-Call-Options: client=forcefs-<schema>, and
 * events whose changeOrigin carries it (the engine's own pushes) are not fetched. The
 * org's API usage (Sforce-Limit-Info) past 70% lengthens the safety poll four times;
 * past 90% events are not fetched and polls run every 30 minutes only (push goes on).
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
	bool streaming;	     /* subscribe to Change Data Capture (never with --once) */
	int safety_seconds;  /* window poll interval of an object that streams (600) */
	long stream_grace_ms; /* at start, how long an object with a replay id waits for its
				 subscription before it polls (30000) */
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
