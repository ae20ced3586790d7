#include "sf_oauth_user.h"

#include "sf_jwt.h"

#include <cjson/cJSON.h>
#include <glib.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#define SCOPE "api refresh_token"

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		g_free(s);
	}
}

/* base64url of `n` random bytes into `out` (size > 4n/3 + 1). */
static bool random_text(char *out, size_t size, size_t n)
{
	unsigned char bytes[64];
	if (n > sizeof(bytes) || RAND_bytes(bytes, (int)n) != 1)
		return false;
	char *text = sf_jwt_base64url(bytes, n);
	explicit_bzero(bytes, sizeof(bytes));
	bool fits = strlen(text) < size;
	if (fits)
		strcpy(out, text);
	explicit_bzero(text, strlen(text));
	g_free(text);
	return fits;
}

void sf_pkce_challenge(const char *verifier, char out[48])
{
	unsigned char digest[32];
	unsigned int len = 0;
	EVP_Digest(verifier, strlen(verifier), digest, &len, EVP_sha256(), NULL);
	char *text = sf_jwt_base64url(digest, len);
	g_strlcpy(out, text, 48);
	g_free(text);
}

struct sf_error *sf_pkce_new(struct sf_pkce *p)
{
	/* 48 bytes give 64 characters: RFC 7636 wants 43 to 128 of [A-Za-z0-9-._~]. */
	if (!random_text(p->verifier, sizeof(p->verifier), 48) ||
	    !random_text(p->state, sizeof(p->state), 24))
		return sf_error_new(SF_ERR_CONFIG, 0, NULL,
				    "no random bytes from the system for the login");
	sf_pkce_challenge(p->verifier, p->challenge);
	return NULL;
}

static void param(GString *s, const char *name, const char *value)
{
	char *escaped = g_uri_escape_string(value, NULL, FALSE);
	g_string_append_printf(s, "%s%s=%s", s->len && s->str[s->len - 1] != '?' ? "&" : "", name,
			       escaped);
	explicit_bzero(escaped, strlen(escaped));
	g_free(escaped);
}

char *sf_oauth_authorize_url(const char *login_url, const char *client_id, const char *redirect_uri,
			     const struct sf_pkce *p)
{
	GString *s = g_string_new(login_url);
	g_string_append(s, "/services/oauth2/authorize?");
	param(s, "response_type", "code");
	param(s, "client_id", client_id);
	param(s, "redirect_uri", redirect_uri);
	param(s, "scope", SCOPE);
	param(s, "code_challenge", p->challenge);
	param(s, "code_challenge_method", "S256");
	param(s, "state", p->state);
	return g_string_free(s, FALSE);
}

/* POSTs `form` (wiped and freed) to <login_url><path>; fills `resp`. */
static struct sf_error *perform_form(struct sf_http *http, const char *login_url, const char *path,
				     GString *form, struct sf_http_response *resp)
{
	char *url = g_strconcat(login_url, path, NULL);
	struct sf_http_request req = {
	    .method = "POST",
	    .url = url,
	    .content_type = "application/x-www-form-urlencoded",
	    .body = form->str,
	    .body_len = form->len,
	};
	struct sf_error *err = sf_http_perform(http, &req, resp);
	explicit_bzero(form->str, form->len);
	g_string_free(form, TRUE);
	g_free(url);
	return err;
}

/* The answer's body may hold secrets: wiped before it is freed. */
static void clear_secret_response(struct sf_http_response *resp)
{
	explicit_bzero(resp->body, resp->body_len);
	sf_http_response_clear(resp);
}

/* POSTs `form`; an error for a non-2xx answer, else the JSON (when `json` is set). */
static struct sf_error *post_form(struct sf_http *http, const char *login_url, const char *path,
				  GString *form, cJSON **json, long *status)
{
	struct sf_http_response resp = {0};
	struct sf_error *err = perform_form(http, login_url, path, form, &resp);
	if (err)
		return err;
	*status = resp.status;
	const char *type = sf_http_response_content_type(&resp);
	if (resp.status < 200 || resp.status > 299)
		err = sf_error_from_http(resp.status, type, resp.body, resp.body_len);
	else if (json)
		err = sf_json_parse(resp.status, type, resp.body, resp.body_len, true, json);
	clear_secret_response(&resp);
	return err;
}

static GString *form_new(void)
{
	return g_string_new(NULL);
}

/* A session that must hold a refresh token: what a stored login needs. */
static struct sf_error *session_with_refresh(struct sf_http *http, const char *login_url,
					     GString *form, struct sf_session **out)
{
	struct sf_http_response resp = {0};
	struct sf_error *err = perform_form(http, login_url, "/services/oauth2/token", form, &resp);
	if (err)
		return err;
	err = sf_auth_parse_token_response(resp.status, sf_http_response_content_type(&resp),
					   resp.body, resp.body_len, out);
	clear_secret_response(&resp);
	if (!err && !(*out)->refresh_token) {
		sf_session_free(*out);
		*out = NULL;
		err = sf_error_new(SF_ERR_BAD_RESPONSE, 200, NULL,
				   "Salesforce gave no refresh token: the connected app needs "
				   "the refresh_token scope");
	}
	return err;
}

struct sf_error *sf_oauth_exchange_code(struct sf_http *http, const char *login_url,
					const char *client_id, const char *redirect_uri,
					const char *code, const char *verifier,
					struct sf_session **out)
{
	GString *form = form_new();
	param(form, "grant_type", "authorization_code");
	param(form, "code", code);
	param(form, "client_id", client_id);
	param(form, "redirect_uri", redirect_uri);
	param(form, "code_verifier", verifier);
	return session_with_refresh(http, login_url, form, out);
}

static char *json_dup(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(item) && item->valuestring[0] ? g_strdup(item->valuestring) : NULL;
}

static long json_long(const cJSON *obj, const char *key, long fallback)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNumber(item) && item->valuedouble >= 0 && item->valuedouble < 86400
		   ? (long)item->valuedouble
		   : fallback;
}

void sf_device_code_free(struct sf_device_code *dc)
{
	if (!dc)
		return;
	free_secret(dc->device_code);
	g_free(dc->user_code);
	g_free(dc->verification_uri);
	g_free(dc);
}

struct sf_error *sf_oauth_device_start(struct sf_http *http, const char *login_url,
				       const char *client_id, struct sf_device_code **out)
{
	*out = NULL;
	GString *form = form_new();
	param(form, "response_type", "device_code");
	param(form, "client_id", client_id);
	param(form, "scope", SCOPE);
	cJSON *json = NULL;
	long status = 0;
	struct sf_error *err =
	    post_form(http, login_url, "/services/oauth2/token", form, &json, &status);
	if (err)
		return err;
	struct sf_device_code *dc = g_new0(struct sf_device_code, 1);
	dc->device_code = json_dup(json, "device_code");
	dc->user_code = json_dup(json, "user_code");
	dc->verification_uri = json_dup(json, "verification_uri");
	dc->interval_s = json_long(json, "interval", 5);
	dc->expires_in_s = json_long(json, "expires_in", 0);
	cJSON *secret = cJSON_GetObjectItemCaseSensitive(json, "device_code");
	if (cJSON_IsString(secret))
		explicit_bzero(secret->valuestring, strlen(secret->valuestring));
	cJSON_Delete(json);
	if (!dc->device_code || !dc->user_code || !dc->verification_uri) {
		sf_device_code_free(dc);
		return sf_error_new(SF_ERR_BAD_RESPONSE, status, NULL,
				    "unexpected answer to the device code request: no "
				    "device_code, user_code and verification_uri");
	}
	*out = dc;
	return NULL;
}

struct sf_error *sf_oauth_device_poll(struct sf_http *http, const char *login_url,
				      const char *client_id, const struct sf_device_code *dc,
				      struct sf_session **out)
{
	GString *form = form_new();
	param(form, "grant_type", "device");
	param(form, "client_id", client_id);
	param(form, "code", dc->device_code);
	return session_with_refresh(http, login_url, form, out);
}

struct sf_error *sf_oauth_identity_username(struct sf_http *http, const struct sf_session *session,
					    char **out)
{
	*out = NULL;
	if (!session->identity_url)
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "the token endpoint gave no identity URL (id)");
	struct sf_http_request req = {
	    .method = "GET", .url = session->identity_url, .bearer_token = session->access_token};
	struct sf_http_response resp = {0};
	struct sf_error *err = sf_http_perform(http, &req, &resp);
	if (err)
		return err;
	const char *type = sf_http_response_content_type(&resp);
	cJSON *json = NULL;
	if (resp.status < 200 || resp.status > 299)
		err = sf_error_from_http(resp.status, type, resp.body, resp.body_len);
	else
		err = sf_json_parse(resp.status, type, resp.body, resp.body_len, false, &json);
	if (!err) {
		*out = json_dup(json, "username");
		if (!*out)
			err = sf_error_new(SF_ERR_BAD_RESPONSE, resp.status, NULL,
					   "the identity URL named no username");
	}
	cJSON_Delete(json);
	sf_http_response_clear(&resp);
	if (err)
		sf_error_prefix(err, "identity URL");
	return err;
}

struct sf_error *sf_oauth_revoke(struct sf_http *http, const char *login_url, const char *token)
{
	GString *form = form_new();
	param(form, "token", token);
	long status = 0;
	return post_form(http, login_url, "/services/oauth2/revoke", form, NULL, &status);
}
