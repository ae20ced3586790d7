/*
 * sf_cometd: a Bayeux long-polling client for Salesforce's Streaming API (CometD at
 * /cometd/<version>), enough for Change Data Capture (docs/sync.md "Streaming").
 *
 * The exchange: /meta/handshake gives a clientId (and a BAYEUX_BROWSER cookie the
 * server wants back: the client's sf_http must keep cookies, sf_http_options.cookies);
 * /meta/subscribe to "/data/AccountChangeEvent" with ext.replay {channel: id} (-1: new
 * events only, -2: every retained event, or a stored replay id: the events after it);
 * then /meta/connect, again and again: each answers when events arrive or after the
 * server's advice.timeout (110 s at Salesforce), and the next one must follow within
 * 40 s. Errors come back as Bayeux messages ("successful": false, "error": "403::Unknown
 * client"); they become sf_errors whose `code` is that error text:
 *   - "401::..." and "403::Handshake denied" for an invalid session: SF_ERR_SESSION_EXPIRED
 *     (log in again, then handshake);
 *   - "403::Unknown client" (the server forgot the client: a long network cut):
 *     sf_cometd_needs_handshake();
 *   - "400::The replayId {N} you provided was invalid...": sf_cometd_replay_invalid();
 *   - "400::The channel you requested to subscribe to does not exist...", any other
 *     400: SF_ERR_INVALID_REQUEST (the object is not selected for CDC);
 *   - "403::Organization total events daily limit exceeded": SF_ERR_LIMIT_EXCEEDED.
 * Transport failures are the sf_client's errors (network, timeout, 5xx).
 *
 * Threading: one sf_cometd per thread, over an sf_client only that thread uses.
 */
#ifndef FORCEFS_SF_COMETD_H
#define FORCEFS_SF_COMETD_H

#include <cjson/cJSON.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sf_cdc_event.h"
#include "sf_client.h"
#include "sf_error.h"

struct sf_cometd;

/* Over `client` (borrowed; it must outlive the sf_cometd). Does not contact Salesforce. */
struct sf_cometd *sf_cometd_new(struct sf_client *client);

void sf_cometd_free(struct sf_cometd *cometd);

/* /meta/handshake: a new clientId (subscriptions must be made again afterwards). */
struct sf_error *sf_cometd_handshake(struct sf_cometd *cometd);

/* /meta/subscribe to `channel` from `replay_id` (-1, -2 or a stored id). */
struct sf_error *sf_cometd_subscribe(struct sf_cometd *cometd, const char *channel,
				     int64_t replay_id);

/* One /meta/connect long poll. Appends the change events that came (struct sf_cdc_event *,
 * owned by `events`: give it sf_cdc_event_free as its free function). Messages that are
 * not change events are skipped. */
struct sf_error *sf_cometd_connect(struct sf_cometd *cometd, GPtrArray *events);

/* The error asks for a new handshake (403::Unknown client, 402::Unknown client). */
bool sf_cometd_needs_handshake(const struct sf_error *err);

/* The error refuses the replay id of a subscribe (unknown, or older than the retention). */
bool sf_cometd_replay_invalid(const struct sf_error *err);

/* Pure: the subscribe message's "ext": {"replay": {channel: replay_id}}, the id written
 * as an integer whatever its size. */
cJSON *sf_cometd_replay_ext(const char *channel, int64_t replay_id);

/*
 * Pure: one answer body (a JSON array of Bayeux messages). Finds the message on
 * `meta_channel` ("/meta/connect"): when it failed, returns its error (kinds above);
 * when it is missing, a bad_response error. Appends the change events to `events` (may
 * be NULL). *advice_timeout_ms gets the advice's timeout when the message has one
 * (may be NULL); *client_id (may be NULL) a copy of its clientId.
 */
struct sf_error *sf_cometd_parse_reply(const char *body, size_t len, const char *meta_channel,
				       GPtrArray *events, long *advice_timeout_ms,
				       char **client_id);

#endif
