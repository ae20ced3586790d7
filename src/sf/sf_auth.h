/*
 * sf_auth: how the client gets a Salesforce session (docs/contract.md §2, §7).
 *
 * Configuration comes from the environment (secrets are never command-line
 * arguments):
 *   SF_LOGIN_URL       token endpoint host, default https://login.salesforce.com
 *   SF_CLIENT_ID       connected app consumer key
 *   SF_CLIENT_SECRET   connected app consumer secret
 *   SF_REFRESH_TOKEN   -> refresh-token flow (needs SF_CLIENT_ID)
 *   SF_USERNAME + SF_PASSWORD -> username-password flow (needs SF_CLIENT_ID and
 *                      SF_CLIENT_SECRET; the password includes the security
 *                      token where the org requires one)
 *   SF_JWT_KEY_FILE + SF_CLIENT_ID + SF_USERNAME -> JWT bearer flow: an RS256
 *                      assertion (sf_jwt.h) with SF_LOGIN_URL as its audience,
 *                      signed again for each login (no refresh token)
 *   SF_CLIENT_ID + SF_CLIENT_SECRET alone -> client-credentials flow (SF_LOGIN_URL
 *                      must then be the org's My Domain URL)
 *   SF_INSTANCE_URL + SF_ACCESS_TOKEN -> use this session; when one of the flows
 *                      above is also configured it is used to log in again when
 *                      the session expires, otherwise an expired session is final
 *   SF_TARGET_ORG      -> the session of the Salesforce CLI's org of that alias or
 *                      username (sf_cli.h), asked again after a 401; the
 *                      --target-org flag (sf_auth_config_load()) wins over every
 *                      variable, SF_TARGET_ORG comes after the four flows above
 *   a stored login     (sf_login_store.h, made by `forcefs login`) -> refresh-token
 *                      flow with the file's client id, login URL and refresh token:
 *                      the one named by the --alias flag (after --target-org, before
 *                      every variable), or, when no flow above is configured, the
 *                      only one stored
 *   SF_API_VERSION     "60.0" by default
 *
 * Secrets (password, client secret, tokens) are wiped from memory when freed
 * and never appear in messages or logs.
 */
#ifndef FORCEFS_SF_AUTH_H
#define FORCEFS_SF_AUTH_H

#include "sf_error.h"
#include "sf_http.h"

#include <stdbool.h>

#define SF_DEFAULT_LOGIN_URL   "https://login.salesforce.com"
#define SF_DEFAULT_API_VERSION "60.0"

enum sf_auth_flow {
	SF_AUTH_GIVEN_TOKEN,   /* SF_INSTANCE_URL + SF_ACCESS_TOKEN only: cannot log in again */
	SF_AUTH_PASSWORD,      /* grant_type=password */
	SF_AUTH_REFRESH_TOKEN, /* grant_type=refresh_token */
	SF_AUTH_CLIENT_CREDENTIALS, /* grant_type=client_credentials */
	SF_AUTH_SF_CLI,		    /* `sf org display --target-org ALIAS --json` */
	SF_AUTH_JWT,		    /* grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer */
};

struct sf_auth_config {
	enum sf_auth_flow flow;
	char *login_url;       /* without trailing '/' */
	char *client_id;       /* NULL when not set */
	char *client_secret;   /* NULL when not set */
	char *refresh_token;   /* NULL when not set */
	char *username;	       /* NULL when not set */
	char *password;	       /* NULL when not set */
	char *instance_url;    /* a given session, or NULL */
	char *access_token;    /* a given session, or NULL */
	char *jwt_key_file;    /* SF_JWT_KEY_FILE (a path, never the key), or NULL */
	char *target_org;      /* --target-org or SF_TARGET_ORG, or NULL */
	bool target_org_flag;  /* target_org came from --target-org */
	char *stored_alias;    /* a stored login in use (forcefs login), or NULL */
	char *stored_path;     /* its file */
	char *stored_username; /* its user, or NULL */
	char *api_version;     /* "60.0" (no leading 'v') */
};

/* A logged-in session. */
struct sf_session {
	char *instance_url;  /* base URL of every API call, without trailing '/' */
	char *access_token;  /* the bearer token */
	char *identity_url;  /* ".../id/<org id>/<user id>", or NULL */
	char *refresh_token; /* a new refresh token when the server rotated it, or NULL */
};

/* Reads the SF_* variables. A config error names the variable to set or fix
 * when no flow is complete, a variable is set without its partner
 * (SF_USERNAME without SF_PASSWORD, ...), a URL is insecure, the API
 * version is not of the form "60.0" or SF_JWT_KEY_FILE is not a readable,
 * unencrypted PEM RSA private key (checked here, before anything is done). */
struct sf_error *sf_auth_config_from_env(struct sf_auth_config **out);

/* True when `v` is an API version like "60.0" (no leading 'v'). */
bool sf_auth_api_version_valid(const char *v);

/* sf_auth_config_from_env() with the --target-org and --alias flags' values (NULL when
 * not given): a flag's login is used whatever SF_* variables are set; both at once is a
 * config error. Without SF_* credentials the only stored login is used; with several a
 * config error lists them. */
struct sf_error *sf_auth_config_load(const char *target_org, const char *alias,
				     struct sf_auth_config **out);

/* Which login source is in use, for `forcefs status` and logs; never a secret:
 * "JWT bearer (SF_JWT_KEY_FILE, user test@example.com)",
 * "Salesforce CLI org \"dev\" (--target-org)",
 * "stored login \"dev\" (forcefs login, user u@example.com, https://login.salesforce.com;
 * PATH)",
 * ... g_malloc'd. */
char *sf_auth_describe(const struct sf_auth_config *cfg);

/* A deep copy of `cfg`. */
struct sf_auth_config *sf_auth_config_copy(const struct sf_auth_config *cfg);

void sf_auth_config_free(struct sf_auth_config *cfg);

/* True when the config can obtain a new session (any flow but a given token). */
bool sf_auth_can_login(const struct sf_auth_config *cfg);

/* "password", "refresh_token", "client_credentials", "access_token", "jwt_bearer",
 * "sf_cli". */
const char *sf_auth_flow_name(enum sf_auth_flow flow);

/* Obtains a new session: POSTs the flow's form to
 * <login_url>/services/oauth2/token. An auth error carries Salesforce's
 * error_description ("authentication failure", "expired access/refresh
 * token", ...). For a given-token config, returns that session without any
 * request. */
struct sf_error *sf_auth_login(struct sf_http *http, const struct sf_auth_config *cfg,
			       struct sf_session **out);

/* Reads a token endpoint answer: a session for 2xx with access_token and
 * instance_url (the instance URL must pass sf_http_check_url()), otherwise
 * the OAuth error or a bad_response error that never quotes the body. */
struct sf_error *sf_auth_parse_token_response(long http_status, const char *content_type,
					      const char *body, size_t body_len,
					      struct sf_session **out);

void sf_session_free(struct sf_session *session);

#endif
