/*
 * sync_feed: how Salesforce's changes reach the engine, per object (docs/sync.md
 * "Streaming"): whether it streams Change Data Capture events or polls, its pull
 * interval, the events waiting to be applied, and the org's API budget level.
 *
 * It owns the streaming thread (sync_stream) of one leadership and runs in the engine's
 * thread: sync_feed_drain() takes what the stream thread queued, moves each object's
 * next pull (the engine's `next_pull` array, borrowed), and applies the waiting events
 * as doorbells (sync_pull_records: the named records fetched and merged, the replay id
 * committed with them). Events of the engine's own writes (changeOrigin carrying
 * `client_id`) are not fetched. Past 70% of the org's daily API allowance
 * (Sforce-Limit-Info) the safety poll runs 4 times less often; past 90% events are not
 * fetched and each object polls every 30 minutes only, until the usage is lower.
 *
 * Not thread-safe: the engine's thread only.
 */
#ifndef FORCEFS_SYNC_FEED_H
#define FORCEFS_SYNC_FEED_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "sf_auth.h"
#include "sync_env.h"

struct sync_feed;

struct sync_feed_options {
	bool streaming;			   /* subscribe (false: every object polls) */
	int safety_seconds;		   /* window poll interval of a streamed object */
	long grace_ms;			   /* at start, how long an object with a stored replay
					      id waits for its subscription before it polls */
	const struct sf_auth_config *auth; /* the stream thread's own login (copied) */
	long retry_base_ms, retry_max_ms;  /* the stream thread's backoff */
	const char *client_id;		   /* the Sforce-Call-Options client of our writes */
};

/* Starts the feed of env->objects: reads each object's replay id, and with `streaming`
 * starts the stream thread. `next_pull` (one per object) is the engine's schedule; the
 * feed moves entries in it. *out is set even on error (free it). */
int sync_feed_start(struct sync_env *env, const struct sync_feed_options *opts, int64_t *next_pull,
		    struct sync_feed **out, struct error *err);

/* Stops the stream thread and frees the feed (NULL is fine). */
void sync_feed_free(struct sync_feed *feed);

/* Readable when the stream thread queued something; -1 without a stream. */
int sync_feed_fd(const struct sync_feed *feed);

/* Object i's pull interval now (ms): its poll interval, or the safety poll when it
 * streams (4 times longer past 70% of the org's allowance), 30 minutes past 90%. */
int64_t sync_feed_interval_ms(const struct sync_feed *feed, size_t i);

/* The getDeleted interval to use for object i's next pull (env->delete_pass_ms). */
int64_t sync_feed_delete_pass_ms(const struct sync_feed *feed, size_t i);

/* Handles what the stream thread reported and applies the waiting events. Errors as
 * sync_pull_object's database errors (a Salesforce failure schedules a poll instead). */
int sync_feed_drain(struct sync_feed *feed, struct error *err);

/* Re-reads the org's API usage from the client and changes the budget level (logged). */
void sync_feed_check_budget(struct sync_feed *feed);

#endif
