/*
 * sync_env: what the push and the pull share while one engine leads: the database
 * session, the Salesforce client, the objects, the stop flag, interruptible waits, the
 * retry policy and the daily API budget. The engine (sync_engine) owns it.
 *
 * One thread: the push and the pull take turns, never overlapping, so a pulled record is
 * never applied after a push of the same record that happened after it was read
 * (docs/sync.md "Why one thread").
 */
#ifndef FORCEFS_SYNC_ENV_H
#define FORCEFS_SYNC_ENV_H

#include <glib.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "sf_client.h"
#include "sync_objects.h"
#include "sync_retry.h"

struct sync_env {
	PGconn *conn;
	const char *schema;
	struct sf_client *client;
	struct sync_objects *objects;
	struct sync_retry_policy policy; /* max_attempts 0 in the daemon: retry until stopped */
	uint64_t rng;			 /* jitter */
	int wake_fd;			 /* becomes readable when the process is asked to stop */
	volatile sig_atomic_t *stop;	 /* set by SIGTERM/SIGINT */
	bool once;			 /* forcefs sync --once */
	bool progress;			 /* a progress bar on stderr (a terminal) */
	struct sync_budget budget;	 /* today's calls, against sf_max_daily_api_calls */
	bool budget_warned;
	long batch_size;	   /* records per sObject Collections call (200) */
	long claim_limit;	   /* log rows claimed at once (2000) */
	long pull_chunk;	   /* records per pull query (10000) */
	long bulk_threshold;	   /* initial loads above this many records use Bulk API 2.0 */
	long apply_batch;	   /* pulled records per database transaction (2000) */
	int64_t overlap_ms;	   /* pull window overlap */
	GHashTable *calls_flushed; /* object -> calls already counted in the state table */
	bool notified;		   /* a NOTIFY arrived while busy: push again soon */
	int64_t delete_pass_ms;	   /* > 0: the delete pass of the next pull runs this often
				      (a streamed object: deletes come as events) */
};

bool sync_env_stopping(const struct sync_env *env);

/* Waits `ms` milliseconds, or less when asked to stop; returns false when stopping. */
bool sync_env_sleep(struct sync_env *env, long ms);

/*
 * After a failed call: decides whether to try again and waits for the retry delay
 * (sync_retry). Logs what failed and when it is tried again. Returns false when the
 * error is permanent, the attempts are used up (--once), or the engine is stopping.
 * `*attempt` counts the failures so far and is incremented.
 */
bool sync_env_backoff(struct sync_env *env, const char *what, const struct sf_error *err,
		      unsigned *attempt);

/* Whether one more API call fits in today's budget. When it does not: the daemon waits
 * for the next UTC day (returns true then, false if stopping meanwhile); --once returns
 * false at once. Warns once per day. */
bool sync_env_budget(struct sync_env *env);

/* Writes the calls made since the last time into the state table (per object and day),
 * charges the budget, and saves the org's reported API usage. */
int sync_env_account(struct sync_env *env, struct error *err);

/* Milliseconds since the epoch. */
int64_t sync_env_now_ms(void);

#endif
