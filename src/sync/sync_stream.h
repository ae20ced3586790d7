/*
 * sync_stream: the Change Data Capture subscription of one leadership, in a thread of
 * its own (docs/sync.md "Streaming").
 *
 * The thread owns its own Salesforce client (its own login, its own libcurl handle with
 * cookies) and does nothing but the CometD exchange: handshake, one subscription per
 * object from the object's stored replay id (or -1), and /meta/connect long polls. It
 * never touches the database: what it learns goes, in order, into a queue that the
 * engine's thread reads (sync_stream_pop) when sync_stream_fd() is readable. So the
 * engine stays single-threaded for Postgres and for its REST calls, and a long poll
 * never delays a push.
 *
 * Recovery, all inside the thread: "403::Unknown client" -> a new handshake and the
 * subscriptions again, from the last replay id received; an invalid session -> a new
 * login, then a handshake; a refused replay id (expired: older than the retention) ->
 * SYNC_STREAM_REPLAY_INVALID, then a subscription with -1; network errors, timeouts and
 * 5xx -> backoff (base_ms doubling up to max_ms, with jitter) and SYNC_STREAM_DOWN once;
 * the daily event allocation spent -> SYNC_STREAM_DOWN and a new try after max_ms (at
 * least a minute). A subscription refused for another reason (the object is not
 * selected for CDC) -> SYNC_STREAM_REFUSED, and that object is not tried again by this
 * stream.
 */
#ifndef FORCEFS_SYNC_STREAM_H
#define FORCEFS_SYNC_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "sf_auth.h"
#include "sf_cdc_event.h"

enum sync_stream_kind {
	SYNC_STREAM_SUBSCRIBED,	    /* object: the subscription is accepted, from `replay_id` */
	SYNC_STREAM_REFUSED,	    /* object: refused for good; `message` says why */
	SYNC_STREAM_REPLAY_INVALID, /* object: its replay id was refused; -1 is tried next */
	SYNC_STREAM_EVENT,	    /* object: one change event */
	SYNC_STREAM_DOWN,	    /* no events can come for now; `message` says why */
	SYNC_STREAM_UP,		    /* events come again after SYNC_STREAM_DOWN */
};

struct sync_stream_item {
	enum sync_stream_kind kind;
	size_t object;		    /* index into the objects given to sync_stream_start */
	int64_t replay_id;	    /* SUBSCRIBED: the replay id subscribed from */
	char *message;		    /* REFUSED, DOWN, REPLAY_INVALID: one line, or NULL */
	struct sf_cdc_event *event; /* EVENT */
};

struct sync_stream;

struct sync_stream_options {
	const struct sf_auth_config *auth; /* copied */
	long connect_timeout_ms;	   /* 0: 10 s */
	long retry_base_ms;		   /* first backoff delay */
	long retry_max_ms;		   /* longest backoff delay */
};

/* Starts the thread for `objects` (API names) from `replay_ids` (-1 for none). */
struct sync_stream *sync_stream_start(const struct sync_stream_options *opts,
				      const char *const *objects, const int64_t *replay_ids,
				      size_t n);

/* A file descriptor that is readable while items wait. */
int sync_stream_fd(const struct sync_stream *stream);

/* The next item, or NULL when none waits. Never blocks. */
struct sync_stream_item *sync_stream_pop(struct sync_stream *stream);

void sync_stream_item_free(struct sync_stream_item *item);

/* Ends the thread (a long poll in flight is cut short), waits for it, frees everything. */
void sync_stream_stop(struct sync_stream *stream);

#endif
