/*
 * sf_client: one connection to one Salesforce org.
 *
 * The client ties together the auth configuration, the session, the HTTP
 * transport, the API version, the latest Sforce-Limit-Info figures and the
 * number of API calls made (in total and per object).
 *
 * Threading: a client owns one sf_http (one libcurl handle) and is not
 * thread-safe. Use one client per thread; clients share nothing.
 *
 * Sessions: the first call logs in (or adopts SF_INSTANCE_URL +
 * SF_ACCESS_TOKEN). When a call answers 401 INVALID_SESSION_ID and the config
 * can log in, the client logs in again once and repeats the call once; a
 * second 401 is returned as a session_expired error. No other retries happen
 * here: transient errors go back to the caller, who knows whether repeating a
 * write is safe (sf_error_is_transient()).
 */
#ifndef FORCEFS_SF_CLIENT_H
#define FORCEFS_SF_CLIENT_H

#include "sf_auth.h"
#include "sf_error.h"
#include "sf_http.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

struct sf_client;

/* One REST call. */
struct sf_call {
	const char *method; /* "GET" when NULL */
	const char *path;   /* relative to /services/data/vXX.X/ ("sobjects/Account/describe"),
			       or an absolute path on the instance starting with "/services/"
			       (a nextRecordsUrl) or "/cometd/" (the Streaming API) */
	const char *query;  /* URL-encoded query string without '?', or NULL */
	const char *content_type;   /* of the body; "application/json" when NULL and body is set */
	const char *accept;	    /* NULL: application/json */
	const char *body;	    /* may be NULL */
	size_t body_len;	    /* bytes of body */
	const char *const *headers; /* extra "Name: value" lines, NULL-terminated, or NULL */
	const char *object;	    /* object the call is counted under, or NULL */
};

/* Creates a client from a config (copied) and transport options (may be
 * NULL). Does not contact Salesforce. */
struct sf_error *sf_client_new(const struct sf_auth_config *cfg, const struct sf_http_options *opts,
			       struct sf_client **out);

/* sf_auth_config_from_env() + sf_client_new(). */
struct sf_error *sf_client_from_env(const struct sf_http_options *opts, struct sf_client **out);

void sf_client_free(struct sf_client *client);

/* Logs in now (a new session even when one exists), e.g. to check
 * credentials in `forcefs init`. With a given token, adopts it. */
struct sf_error *sf_client_login(struct sf_client *client);

/* Makes one call. On success `resp` holds the 2xx answer (clear it with
 * sf_http_response_clear()). A non-2xx answer becomes an error parsed from
 * its body (sf_error_from_http()) and `resp` is cleared. `path` and
 * `object` must already be safe: callers check names with
 * sf_soql_is_api_name(). */
struct sf_error *sf_client_call(struct sf_client *client, const struct sf_call *call,
				struct sf_http_response *resp);

/* sf_client_call() expecting JSON: *out is the parsed body, or NULL for a 204
 * or empty 2xx body. A 2xx answer that is not JSON is a bad_response error.
 * `http_status` may be NULL. */
struct sf_error *sf_client_call_json(struct sf_client *client, const struct sf_call *call,
				     cJSON **out, long *http_status);

/* Adds one header line ("Sforce-Call-Options: client=forcefs-salesforce") to every
 * later call of this client; NULL removes it. Copied. */
void sf_client_set_header(struct sf_client *client, const char *header);

/* The API version in use, "60.0". */
const char *sf_client_api_version(const struct sf_client *client);

/* The instance URL of the current session, or NULL before the first login. */
const char *sf_client_instance_url(const struct sf_client *client);

/* The identity URL of the current session (".../id/<org>/<user>"), or NULL. */
const char *sf_client_identity_url(const struct sf_client *client);

/* The latest api-usage seen in a Sforce-Limit-Info header; false when none yet. */
bool sf_client_api_usage(const struct sf_client *client, long long *used, long long *max);

/* API calls made by this client: for one object, or in total when `object`
 * is NULL. Logins are not API calls and are not counted. */
unsigned long sf_client_calls(const struct sf_client *client, const char *object);

/* Calls fn for each object that has calls counted ("" for calls without one). */
void sf_client_foreach_calls(const struct sf_client *client,
			     void (*fn)(const char *object, unsigned long calls, void *ud),
			     void *ud);

/* How many times the client logged in (the first login included). */
unsigned long sf_client_logins(const struct sf_client *client);

#endif
