/*
 * sf_error: the one error value of the Salesforce client.
 *
 * Every sf_* function that can fail returns a `struct sf_error *`: NULL on
 * success, otherwise a heap-allocated error the caller owns and frees with
 * sf_error_free(). The error says what kind of failure it was (so the sync
 * engine can decide to retry, log in again or give up), what Salesforce said
 * (HTTP status, error code, field names) and one readable line for a person:
 *
 *     forcefs: <what failed>: <err->message>
 *
 * The message is a single line of printable text (control characters from
 * Salesforce messages, such as the caret lines of INVALID_FIELD, are folded
 * into spaces) and never contains a token, password or client secret.
 *
 * Salesforce answers errors in three envelopes (reference/salesforce-api.md
 * §0.2), all understood here:
 *   - REST errors, an array: [{"message", "errorCode", "fields"}]
 *   - per-record results:   {"id", "success", "errors": [{"statusCode", "message", "fields"}]}
 *   - OAuth errors:         {"error", "error_description"}
 * Anything else (an HTML page from a proxy, garbage, truncated JSON) becomes an
 * error of its own kind quoting a short, sanitized prefix of the body.
 */
#ifndef FORCEFS_SF_ERROR_H
#define FORCEFS_SF_ERROR_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

enum sf_error_kind {
	SF_ERR_AUTH,		 /* login refused: bad credentials, revoked token, bad client */
	SF_ERR_SESSION_EXPIRED,	 /* HTTP 401 INVALID_SESSION_ID: log in again */
	SF_ERR_PERMISSION,	 /* HTTP 403 (other than limits): the user may not do this */
	SF_ERR_LIMIT_EXCEEDED,	 /* REQUEST_LIMIT_EXCEEDED, HTTP 429, OAuth rate_limit_exceeded */
	SF_ERR_LOCK_ROW,	 /* UNABLE_TO_LOCK_ROW: another transaction holds the record */
	SF_ERR_ROLLED_BACK,	 /* this record was fine but rolled back with another one */
	SF_ERR_TRANSIENT_SERVER, /* HTTP 5xx, 420, SERVER_UNAVAILABLE */
	SF_ERR_TIMEOUT,		 /* no complete answer within the configured time */
	SF_ERR_NETWORK,		 /* DNS, connection refused or reset, transfer cut short */
	SF_ERR_TLS,		 /* TLS handshake or certificate verification failed */
	SF_ERR_BAD_RESPONSE, /* the answer is not what Salesforce sends: HTML, garbage, wrong shape
			      */
	SF_ERR_NOT_FOUND,    /* HTTP 404, NOT_FOUND, ENTITY_IS_DELETED */
	SF_ERR_INVALID_REQUEST, /* Salesforce (or this client) refused the request or record as is
				 */
	SF_ERR_CONFIG,		/* local setup: missing variable, insecure URL, bad option */
};

struct sf_error {
	enum sf_error_kind kind;
	long http_status; /* 0 when no HTTP answer was involved */
	char *code;	  /* errorCode, statusCode or OAuth "error"; NULL when none */
	char *message;	  /* one readable line, never NULL */
	char **fields;	  /* NULL-terminated field names Salesforce blamed; never NULL */
};

/* A new error with a printf-formatted message and no fields. `code` may be NULL. */
struct sf_error *sf_error_new(enum sf_error_kind kind, long http_status, const char *code,
			      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

void sf_error_free(struct sf_error *err);

/* Prepends "<context>: " to the message, e.g. "following nextRecordsUrl: ...". */
void sf_error_prefix(struct sf_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* True when trying the same request again later may succeed: limit exceeded,
 * row lock, rolled back, 5xx, timeout, network. Auth, TLS, bad responses and
 * refused requests are not transient. */
bool sf_error_is_transient(const struct sf_error *err);

/* "session_expired", "tls", ...: a stable name for logs and JSON output. */
const char *sf_error_kind_name(enum sf_error_kind kind);

/* The error for an HTTP answer with a status outside 200..299, from its body
 * in whichever envelope it came (REST array, single error object, OAuth object,
 * 300 list of record URLs), or from the status alone when the body is empty,
 * HTML or not JSON. The kind comes from the error code when it names one
 * (INVALID_SESSION_ID, REQUEST_LIMIT_EXCEEDED, UNABLE_TO_LOCK_ROW, ...), else
 * from the status. `content_type` may be NULL. */
struct sf_error *sf_error_from_http(long http_status, const char *content_type, const char *body,
				    size_t body_len);

/* As sf_error_from_http(), for answers that may hold credentials (the token endpoint):
 * the OAuth envelope {"error", "error_description"} is reported as usual, anything else
 * only by its status, size and kind (an HTML page without its title), never quoted. */
struct sf_error *sf_error_from_secret_http(long http_status, const char *content_type,
					   const char *body, size_t body_len);

/* The error for one element of a per-record "errors" array,
 * {"statusCode", "message", "fields"} (also accepts "errorCode"). Returns a
 * bad_response error when `item` has neither a code nor a message. */
struct sf_error *sf_error_from_record_error(const cJSON *item, long http_status);

/* A bad_response error for a body that was expected to be JSON of some shape:
 * "<expected>, got <a description of the body>". The description names HTML
 * pages (with their <title>), empty bodies, truncated JSON, and otherwise
 * quotes a short sanitized prefix. With `secret_body` set the body is never
 * quoted (token endpoint answers may hold credentials). */
struct sf_error *sf_error_bad_response(long http_status, const char *content_type, const char *body,
				       size_t body_len, bool secret_body, const char *expected);

/* Parses `body` as JSON. Returns NULL and sets *out, or returns a bad_response
 * error describing the body (see sf_error_bad_response) when the body is
 * empty, not JSON, truncated or followed by trailing garbage. */
struct sf_error *sf_json_parse(long http_status, const char *content_type, const char *body,
			       size_t body_len, bool secret_body, cJSON **out);

#endif
