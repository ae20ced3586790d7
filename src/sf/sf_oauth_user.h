/*
 * sf_oauth_user: the OAuth flows with a person in them (docs/configuration.md "forcefs
 * login"): the web server flow with PKCE (RFC 7636, S256) and the device flow, both
 * ending in a session with a refresh token, plus the identity URL and token
 * revocation. This file speaks to Salesforce only; the loopback listener that receives
 * the browser's redirect is loopback_redirect.h, storing is sf_login_store.h.
 *
 * Every secret here (code verifier, authorization code, device code, tokens) is wiped
 * from memory when freed and never appears in an error message or a log.
 * Blocking; no shared state beyond the sf_http handle the caller passes.
 */
#ifndef FORCEFS_SF_OAUTH_USER_H
#define FORCEFS_SF_OAUTH_USER_H

#include "sf_auth.h"
#include "sf_error.h"
#include "sf_http.h"

/* A PKCE pair: a 64-character verifier from the system's CSPRNG and its S256
 * challenge, plus a random `state` for the authorize request. */
struct sf_pkce {
	char verifier[88];
	char challenge[48];
	char state[48];
};

/* Fills `p` from OpenSSL's RAND_bytes; a config error when there is no randomness. */
struct sf_error *sf_pkce_new(struct sf_pkce *p);

/* base64url(SHA-256(verifier)) without padding: the S256 challenge. Pure. */
void sf_pkce_challenge(const char *verifier, char out[48]);

/* <login_url>/services/oauth2/authorize?response_type=code&client_id=...&redirect_uri=...
 * &code_challenge=...&code_challenge_method=S256&state=...&scope=... g_malloc'd. Pure. */
char *sf_oauth_authorize_url(const char *login_url, const char *client_id, const char *redirect_uri,
			     const struct sf_pkce *p);

/* grant_type=authorization_code with the code and the verifier. The session has a
 * refresh token, or the call fails (bad_response: the app gives none, add the
 * refresh_token scope). Errors carry Salesforce's error_description. */
struct sf_error *sf_oauth_exchange_code(struct sf_http *http, const char *login_url,
					const char *client_id, const char *redirect_uri,
					const char *code, const char *verifier,
					struct sf_session **out);

/* What the device flow's first call answers. */
struct sf_device_code {
	char *device_code; /* secret */
	char *user_code;   /* shown to the person */
	char *verification_uri;
	long interval_s;   /* between polls; 5 when not given */
	long expires_in_s; /* 0 when not given */
};

struct sf_error *sf_oauth_device_start(struct sf_http *http, const char *login_url,
				       const char *client_id, struct sf_device_code **out);

/* One poll. Returns NULL with *out set once approved; otherwise the error, whose code
 * is "authorization_pending" or "slow_down" while the person has not answered. */
struct sf_error *sf_oauth_device_poll(struct sf_http *http, const char *login_url,
				      const char *client_id, const struct sf_device_code *dc,
				      struct sf_session **out);

void sf_device_code_free(struct sf_device_code *dc);

/* The username the session's identity URL names (GET session->identity_url). */
struct sf_error *sf_oauth_identity_username(struct sf_http *http, const struct sf_session *session,
					    char **out);

/* POST <login_url>/services/oauth2/revoke token=... */
struct sf_error *sf_oauth_revoke(struct sf_http *http, const char *login_url, const char *token);

#endif
