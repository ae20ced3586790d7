#include "sf_auth.h"

#include "log.h"
#include "sf_cli.h"
#include "sf_jwt.h"
#include "sf_login_store.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const flow_names[] = {
    [SF_AUTH_GIVEN_TOKEN] = "access_token",
    [SF_AUTH_PASSWORD] = "password",
    [SF_AUTH_REFRESH_TOKEN] = "refresh_token",
    [SF_AUTH_CLIENT_CREDENTIALS] = "client_credentials",
    [SF_AUTH_SF_CLI] = "sf_cli",
    [SF_AUTH_JWT] = "jwt_bearer",
};

const char *sf_auth_flow_name(enum sf_auth_flow flow)
{
	return (size_t)flow < G_N_ELEMENTS(flow_names) ? flow_names[flow] : "unknown";
}

/* Frees a string that may hold a secret, wiping it first. */
static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		g_free(s);
	}
}

/* A copy of the variable's value, or NULL when unset or empty. */
static char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? g_strdup(v) : NULL;
}

static char *without_trailing_slash(char *url)
{
	size_t len = url ? strlen(url) : 0;
	while (len > 0 && url[len - 1] == '/')
		url[--len] = '\0';
	return url;
}

bool sf_auth_api_version_valid(const char *v)
{
	const char *p = v;
	if (!g_ascii_isdigit(*p))
		return false;
	while (g_ascii_isdigit(*p))
		p++;
	if (*p++ != '.' || !g_ascii_isdigit(*p))
		return false;
	while (g_ascii_isdigit(*p))
		p++;
	return *p == '\0';
}

/* Replaces whatever the variables gave with the stored login `alias`. */
static struct sf_error *use_stored_login(struct sf_auth_config *cfg, const char *alias)
{
	struct sf_stored_login *l;
	struct sf_error *err = sf_login_store_load(alias, &l);
	if (err)
		return err;
	cfg->flow = SF_AUTH_REFRESH_TOKEN;
	g_free(cfg->login_url);
	cfg->login_url = without_trailing_slash(g_strdup(l->login_url));
	g_free(cfg->client_id);
	cfg->client_id = g_strdup(l->client_id);
	free_secret(cfg->client_secret);
	cfg->client_secret = NULL;
	free_secret(cfg->refresh_token);
	cfg->refresh_token = g_strdup(l->refresh_token);
	g_free(cfg->instance_url);
	cfg->instance_url = NULL;
	free_secret(cfg->access_token);
	cfg->access_token = NULL;
	cfg->stored_alias = g_strdup(l->alias);
	cfg->stored_path = g_strdup(l->path);
	cfg->stored_username = g_strdup(l->username);
	sf_stored_login_free(l);
	return NULL;
}

#define NO_CREDENTIALS                                                                             \
	"no Salesforce credentials: set SF_JWT_KEY_FILE, SF_CLIENT_ID and "                        \
	"SF_USERNAME (JWT bearer), or SF_CLIENT_ID with SF_REFRESH_TOKEN, or "                     \
	"SF_CLIENT_ID, SF_CLIENT_SECRET, SF_USERNAME and SF_PASSWORD, or "                         \
	"SF_CLIENT_ID and SF_CLIENT_SECRET (client credentials), or "                              \
	"SF_TARGET_ORG or --target-org (a Salesforce CLI org), or "                                \
	"SF_INSTANCE_URL and SF_ACCESS_TOKEN, or run forcefs login"

/* Nothing else is configured: the stored login, when there is exactly one. */
static struct sf_error *use_only_stored_login(struct sf_auth_config *cfg)
{
	GPtrArray *aliases;
	struct sf_error *err = sf_login_store_aliases(&aliases);
	if (!err && aliases->len == 1)
		err = use_stored_login(cfg, g_ptr_array_index(aliases, 0));
	else if (!err && aliases->len == 0)
		err = sf_error_new(SF_ERR_CONFIG, 0, NULL, NO_CREDENTIALS);
	else if (!err) {
		g_ptr_array_add(aliases, NULL);
		char *names = g_strjoinv(", ", (char **)aliases->pdata);
		err = sf_error_new(SF_ERR_CONFIG, 0, NULL,
				   "no SF_* credentials and %u stored logins (%s): choose one "
				   "with --alias",
				   aliases->len - 1, names);
		g_free(names);
	}
	g_ptr_array_free(aliases, TRUE);
	return err;
}

/* Picks the flow from which variables are set, or says what is missing. */
static struct sf_error *choose_flow(struct sf_auth_config *cfg, const char *alias)
{
	bool given = cfg->instance_url && cfg->access_token;
	if (cfg->target_org_flag && alias)
		return sf_error_new(SF_ERR_CONFIG, 0, NULL,
				    "--target-org and --alias name two logins: give one");
	if (cfg->target_org_flag) {
		cfg->flow = SF_AUTH_SF_CLI;
		return NULL;
	}
	if (alias)
		return use_stored_login(cfg, alias);
	if (!!cfg->instance_url != !!cfg->access_token)
		return sf_error_new(SF_ERR_CONFIG, 0, NULL, "%s is set but %s is not: set both",
				    cfg->instance_url ? "SF_INSTANCE_URL" : "SF_ACCESS_TOKEN",
				    cfg->instance_url ? "SF_ACCESS_TOKEN" : "SF_INSTANCE_URL");
	if (cfg->jwt_key_file) {
		cfg->flow = SF_AUTH_JWT;
		if (!cfg->client_id || !cfg->username)
			return sf_error_new(
			    SF_ERR_CONFIG, 0, NULL,
			    "SF_JWT_KEY_FILE needs SF_CLIENT_ID (the connected app's "
			    "consumer key) and SF_USERNAME");
		return sf_jwt_check_key(cfg->jwt_key_file);
	}
	if (!!cfg->username != !!cfg->password)
		return sf_error_new(SF_ERR_CONFIG, 0, NULL, "%s is set but %s is not: set both",
				    cfg->username ? "SF_USERNAME" : "SF_PASSWORD",
				    cfg->username ? "SF_PASSWORD" : "SF_USERNAME");
	if (cfg->refresh_token) {
		cfg->flow = SF_AUTH_REFRESH_TOKEN;
		if (!cfg->client_id)
			return sf_error_new(SF_ERR_CONFIG, 0, NULL,
					    "SF_REFRESH_TOKEN needs SF_CLIENT_ID (the connected "
					    "app's consumer key)");
	} else if (cfg->username) {
		cfg->flow = SF_AUTH_PASSWORD;
		if (!cfg->client_id || !cfg->client_secret)
			return sf_error_new(SF_ERR_CONFIG, 0, NULL,
					    "SF_USERNAME and SF_PASSWORD need SF_CLIENT_ID and "
					    "SF_CLIENT_SECRET (the connected app's consumer key "
					    "and secret)");
	} else if (cfg->client_id && cfg->client_secret) {
		cfg->flow = SF_AUTH_CLIENT_CREDENTIALS;
	} else if (cfg->target_org) {
		cfg->flow = SF_AUTH_SF_CLI;
	} else if (given) {
		cfg->flow = SF_AUTH_GIVEN_TOKEN;
	} else {
		return use_only_stored_login(cfg);
	}
	return NULL;
}

struct sf_error *sf_auth_config_from_env(struct sf_auth_config **out)
{
	return sf_auth_config_load(NULL, NULL, out);
}

struct sf_error *sf_auth_config_load(const char *target_org, const char *alias,
				     struct sf_auth_config **out)
{
	*out = NULL;
	struct sf_auth_config *cfg = g_new0(struct sf_auth_config, 1);
	cfg->target_org_flag = target_org != NULL;
	cfg->target_org = target_org ? g_strdup(target_org) : env("SF_TARGET_ORG");
	cfg->login_url = without_trailing_slash(env("SF_LOGIN_URL"));
	if (!cfg->login_url)
		cfg->login_url = g_strdup(SF_DEFAULT_LOGIN_URL);
	cfg->client_id = env("SF_CLIENT_ID");
	cfg->client_secret = env("SF_CLIENT_SECRET");
	cfg->refresh_token = env("SF_REFRESH_TOKEN");
	cfg->username = env("SF_USERNAME");
	cfg->password = env("SF_PASSWORD");
	cfg->instance_url = without_trailing_slash(env("SF_INSTANCE_URL"));
	cfg->access_token = env("SF_ACCESS_TOKEN");
	cfg->jwt_key_file = env("SF_JWT_KEY_FILE");
	cfg->api_version = env("SF_API_VERSION");
	if (!cfg->api_version)
		cfg->api_version = g_strdup(SF_DEFAULT_API_VERSION);
	if (cfg->api_version[0] == 'v')
		memmove(cfg->api_version, cfg->api_version + 1, strlen(cfg->api_version));

	struct sf_error *err = NULL;
	if (!sf_auth_api_version_valid(cfg->api_version))
		err = sf_error_new(SF_ERR_CONFIG, 0, NULL,
				   "SF_API_VERSION \"%s\" is not a version like \"60.0\"",
				   cfg->api_version);
	if (!err)
		err = choose_flow(cfg, alias);
	if (!err && cfg->target_org_flag && !*cfg->target_org)
		err =
		    sf_error_new(SF_ERR_CONFIG, 0, NULL, "--target-org needs an alias or username");
	if (!err && cfg->flow != SF_AUTH_GIVEN_TOKEN && cfg->flow != SF_AUTH_SF_CLI) {
		err = sf_http_check_url(cfg->login_url);
		if (err)
			sf_error_prefix(err, "SF_LOGIN_URL");
	}
	if (!err && cfg->instance_url && !cfg->target_org_flag) {
		err = sf_http_check_url(cfg->instance_url);
		if (err)
			sf_error_prefix(err, "SF_INSTANCE_URL");
	}
	if (err) {
		sf_auth_config_free(cfg);
		return err;
	}
	*out = cfg;
	return NULL;
}

struct sf_auth_config *sf_auth_config_copy(const struct sf_auth_config *cfg)
{
	struct sf_auth_config *c = g_new0(struct sf_auth_config, 1);
	c->flow = cfg->flow;
	c->login_url = g_strdup(cfg->login_url);
	c->client_id = g_strdup(cfg->client_id);
	c->client_secret = g_strdup(cfg->client_secret);
	c->refresh_token = g_strdup(cfg->refresh_token);
	c->username = g_strdup(cfg->username);
	c->password = g_strdup(cfg->password);
	c->instance_url = g_strdup(cfg->instance_url);
	c->access_token = g_strdup(cfg->access_token);
	c->jwt_key_file = g_strdup(cfg->jwt_key_file);
	c->target_org = g_strdup(cfg->target_org);
	c->target_org_flag = cfg->target_org_flag;
	c->stored_alias = g_strdup(cfg->stored_alias);
	c->stored_path = g_strdup(cfg->stored_path);
	c->stored_username = g_strdup(cfg->stored_username);
	c->api_version = g_strdup(cfg->api_version);
	return c;
}

void sf_auth_config_free(struct sf_auth_config *cfg)
{
	if (!cfg)
		return;
	g_free(cfg->login_url);
	g_free(cfg->client_id);
	free_secret(cfg->client_secret);
	free_secret(cfg->refresh_token);
	g_free(cfg->username);
	free_secret(cfg->password);
	g_free(cfg->instance_url);
	free_secret(cfg->access_token);
	g_free(cfg->jwt_key_file);
	g_free(cfg->target_org);
	g_free(cfg->stored_alias);
	g_free(cfg->stored_path);
	g_free(cfg->stored_username);
	g_free(cfg->api_version);
	g_free(cfg);
}

char *sf_auth_describe(const struct sf_auth_config *cfg)
{
	if (cfg->stored_alias)
		return g_strdup_printf("stored login \"%s\" (forcefs login, user %s, %s; %s)",
				       cfg->stored_alias,
				       cfg->stored_username ? cfg->stored_username : "unknown",
				       cfg->login_url, cfg->stored_path);
	switch (cfg->flow) {
	case SF_AUTH_JWT:
		return g_strdup_printf("JWT bearer (SF_JWT_KEY_FILE, user %s, audience %s)",
				       cfg->username, cfg->login_url);
	case SF_AUTH_SF_CLI:
		return g_strdup_printf("Salesforce CLI org \"%s\" (%s)", cfg->target_org,
				       cfg->target_org_flag ? "--target-org" : "SF_TARGET_ORG");
	case SF_AUTH_REFRESH_TOKEN:
		return g_strdup_printf("refresh token (SF_REFRESH_TOKEN) at %s", cfg->login_url);
	case SF_AUTH_PASSWORD:
		return g_strdup_printf("username-password (SF_USERNAME %s) at %s", cfg->username,
				       cfg->login_url);
	case SF_AUTH_CLIENT_CREDENTIALS:
		return g_strdup_printf("client credentials (SF_CLIENT_ID) at %s", cfg->login_url);
	case SF_AUTH_GIVEN_TOKEN:
		break;
	}
	return g_strdup_printf("a given session (SF_ACCESS_TOKEN) at %s", cfg->instance_url);
}

bool sf_auth_can_login(const struct sf_auth_config *cfg)
{
	return cfg->flow != SF_AUTH_GIVEN_TOKEN;
}

void sf_session_free(struct sf_session *session)
{
	if (!session)
		return;
	g_free(session->instance_url);
	free_secret(session->access_token);
	g_free(session->identity_url);
	free_secret(session->refresh_token);
	g_free(session);
}

/* Appends "&name=value" (URL-encoded) when value is set. */
static void form_add(GString *form, const char *name, const char *value)
{
	if (!value)
		return;
	char *escaped = g_uri_escape_string(value, NULL, FALSE);
	g_string_append_printf(form, "%s%s=%s", form->len ? "&" : "", name, escaped);
	explicit_bzero(escaped, strlen(escaped));
	g_free(escaped);
}

static struct sf_error *token_form(const struct sf_auth_config *cfg, GString **out)
{
	*out = NULL;
	GString *form = g_string_new(NULL);
	if (cfg->flow == SF_AUTH_JWT) {
		char *assertion;
		struct sf_error *err =
		    sf_jwt_assertion(cfg->jwt_key_file, cfg->client_id, cfg->username,
				     cfg->login_url, time(NULL), &assertion);
		if (err) {
			g_string_free(form, TRUE);
			return err;
		}
		form_add(form, "grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
		form_add(form, "assertion", assertion);
		explicit_bzero(assertion, strlen(assertion));
		g_free(assertion);
		*out = form;
		return NULL;
	}
	form_add(form, "grant_type", sf_auth_flow_name(cfg->flow));
	form_add(form, "client_id", cfg->client_id);
	form_add(form, "client_secret", cfg->client_secret);
	if (cfg->flow == SF_AUTH_PASSWORD) {
		form_add(form, "username", cfg->username);
		form_add(form, "password", cfg->password);
	} else if (cfg->flow == SF_AUTH_REFRESH_TOKEN) {
		form_add(form, "refresh_token", cfg->refresh_token);
	}
	*out = form;
	return NULL;
}

static const char *json_string(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(item) && item->valuestring[0] ? item->valuestring : NULL;
}

struct sf_error *sf_auth_parse_token_response(long http_status, const char *content_type,
					      const char *body, size_t body_len,
					      struct sf_session **out)
{
	*out = NULL;
	if (http_status < 200 || http_status > 299)
		return sf_error_from_secret_http(http_status, content_type, body, body_len);
	cJSON *json;
	struct sf_error *err =
	    sf_json_parse(http_status, content_type, body, body_len, true, &json);
	if (err)
		return err;
	const char *token = json_string(json, "access_token");
	const char *instance = json_string(json, "instance_url");
	if (!cJSON_IsObject(json) || !token || !instance) {
		cJSON_Delete(json);
		return sf_error_new(SF_ERR_BAD_RESPONSE, http_status, NULL,
				    "unexpected answer from the token endpoint: no access_token "
				    "and instance_url");
	}
	err = sf_http_check_url(instance);
	if (err) {
		sf_error_prefix(err, "instance_url from the token endpoint");
		cJSON_Delete(json);
		return err;
	}
	struct sf_session *s = g_new0(struct sf_session, 1);
	s->access_token = g_strdup(token);
	s->instance_url = without_trailing_slash(g_strdup(instance));
	s->identity_url = g_strdup(json_string(json, "id"));
	s->refresh_token = g_strdup(json_string(json, "refresh_token"));
	cJSON *secret = cJSON_GetObjectItemCaseSensitive(json, "access_token");
	explicit_bzero(secret->valuestring, strlen(secret->valuestring));
	cJSON_Delete(json);
	*out = s;
	return NULL;
}

/* Takes the session the Salesforce CLI holds for cfg->target_org. */
static struct sf_error *cli_login(const struct sf_auth_config *cfg, struct sf_session **out)
{
	char *instance, *token;
	struct sf_error *err = sf_cli_org_session(cfg->target_org, &instance, &token);
	if (!err) {
		err = sf_http_check_url(instance);
		if (err)
			sf_error_prefix(err, "instanceUrl from sf org display --target-org %s",
					cfg->target_org);
	}
	if (err) {
		g_free(instance);
		free_secret(token);
		return err;
	}
	struct sf_session *s = g_new0(struct sf_session, 1);
	s->instance_url = without_trailing_slash(instance);
	s->access_token = token;
	*out = s;
	log_info("using the Salesforce CLI's session of org \"%s\" at %s", cfg->target_org,
		 s->instance_url);
	return NULL;
}

struct sf_error *sf_auth_login(struct sf_http *http, const struct sf_auth_config *cfg,
			       struct sf_session **out)
{
	*out = NULL;
	if (cfg->flow == SF_AUTH_GIVEN_TOKEN) {
		struct sf_session *s = g_new0(struct sf_session, 1);
		s->instance_url = g_strdup(cfg->instance_url);
		s->access_token = g_strdup(cfg->access_token);
		*out = s;
		return NULL;
	}
	GString *form;
	struct sf_error *err = token_form(cfg, &form);
	if (err)
		return err;
	if (cfg->flow == SF_AUTH_SF_CLI)
		return cli_login(cfg, out);
	char *url = g_strconcat(cfg->login_url, "/services/oauth2/token", NULL);
	struct sf_http_request req = {
	    .method = "POST",
	    .url = url,
	    .content_type = "application/x-www-form-urlencoded",
	    .body = form->str,
	    .body_len = form->len,
	};
	struct sf_http_response resp = {0};
	err = sf_http_perform(http, &req, &resp);
	explicit_bzero(form->str, form->len);
	g_string_free(form, TRUE);
	if (!err) {
		err =
		    sf_auth_parse_token_response(resp.status, sf_http_response_content_type(&resp),
						 resp.body, resp.body_len, out);
		explicit_bzero(resp.body, resp.body_len);
	}
	sf_http_response_clear(&resp);
	if (err)
		sf_error_prefix(err, "login (%s flow) at %s", sf_auth_flow_name(cfg->flow),
				cfg->login_url);
	else
		log_info("logged in to Salesforce at %s (%s flow)", (*out)->instance_url,
			 sf_auth_flow_name(cfg->flow));
	g_free(url);
	return err;
}
