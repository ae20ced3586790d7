/*
 * sf_http: the HTTPS transport of the Salesforce client (libcurl).
 *
 * A `struct sf_http` owns one libcurl easy handle and reuses it for every
 * request, so connections stay open between calls (keep-alive) and DNS and
 * TLS sessions are cached. It is not thread-safe: a thread that talks to
 * Salesforce owns its own sf_http (through its own sf_client).
 *
 * Security promises:
 *   - TLS peer and host verification are always on; nothing here turns them off.
 *   - Only https:// URLs are used, except http:// to a loopback host
 *     (127.0.0.0/8, ::1, localhost) for a local emulator. Any other URL is
 *     refused by sf_http_check_url() before a connection is attempted.
 *   - Redirects are not followed (a redirect could carry the token elsewhere).
 *   - The Authorization header, tokens and request bodies are never logged;
 *     debug logs show the method, the URL without its query string, the
 *     status and the time taken.
 *
 * Every response's `Sforce-Limit-Info: api-usage=N/M` header is parsed into
 * the response. Responses may be gzip/deflate/brotli-encoded.
 */
#ifndef FORCEFS_SF_HTTP_H
#define FORCEFS_SF_HTTP_H

#include "sf_error.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* Opaque: one easy handle and its settings. */
struct sf_http;

struct sf_http_options {
	long connect_timeout_ms; /* TCP + TLS setup; 0 means 10 s */
	long timeout_ms;	 /* a whole request; 0 means 120 s */
	size_t max_body_bytes;	 /* larger answers fail as bad_response; 0 means 512 MiB */
	const char *ca_file;	 /* PEM bundle of trusted CAs; NULL: the system store */

	/* Keep the cookies servers set, in memory, for this handle's later requests
	 * (CometD's BAYEUX_BROWSER); off by default. */
	bool cookies;
	/* When non-NULL and set, a request in flight is cut short (a network error): lets
	 * another thread end a long poll. */
	const volatile int *abort;
};

struct sf_http_request {
	const char *method;	    /* "GET", "POST", "PATCH", "PUT", "DELETE" */
	const char *url;	    /* absolute; checked with sf_http_check_url() */
	const char *bearer_token;   /* sent as "Authorization: Bearer ..."; may be NULL */
	const char *content_type;   /* of the body; may be NULL without a body */
	const char *accept;	    /* Accept header; NULL means application/json */
	const char *body;	    /* may be NULL */
	size_t body_len;	    /* bytes of body */
	const char *const *headers; /* extra "Name: value" lines, NULL-terminated, or NULL */
};

struct sf_http_response {
	long status;	     /* HTTP status, e.g. 200 */
	char *body;	     /* always NUL-terminated (empty string without a body) */
	size_t body_len;     /* bytes of body before the NUL */
	GHashTable *headers; /* lower-cased name -> value of the final response */
	bool has_api_usage;  /* a Sforce-Limit-Info api-usage was present */
	long long api_used;  /* its N */
	long long api_max;   /* its M */
};

/* Creates a transport. `opts` may be NULL for the defaults. */
struct sf_error *sf_http_new(const struct sf_http_options *opts, struct sf_http **out);

void sf_http_free(struct sf_http *http);

/* NULL when `url` may be used: https://, or http:// to a loopback host.
 * Otherwise a config error saying why (not a URL, other scheme, plain http
 * to a remote host, user name or password in the URL). Needs no network. */
struct sf_error *sf_http_check_url(const char *url);

/* Sends one request and fills `resp` with whatever HTTP answer came, whatever
 * its status: interpreting a non-2xx status is the caller's job. Returns an
 * error only when no complete HTTP answer came: refused URL (config),
 * timeout, network, tls, or an answer larger than max_body_bytes
 * (bad_response). `resp` must be zeroed or cleared before the call and is
 * cleared on error. */
struct sf_error *sf_http_perform(struct sf_http *http, const struct sf_http_request *req,
				 struct sf_http_response *resp);

/* The value of response header `name` (any case), or NULL. */
const char *sf_http_response_header(const struct sf_http_response *resp, const char *name);

/* The Content-Type of the response, or NULL. */
const char *sf_http_response_content_type(const struct sf_http_response *resp);

/* Frees what `resp` holds and zeroes it; it may be reused. */
void sf_http_response_clear(struct sf_http_response *resp);

/* Parses the api-usage part of a Sforce-Limit-Info value
 * ("api-usage=18/5000", possibly with "; api-bursts=..." and other parts). */
bool sf_http_parse_limit_info(const char *value, long long *used, long long *max);

#endif
