#include "sf_client.h"

#include "sf_login_store.h"

#include "log.h"

#include <glib.h>
#include <string.h>

struct sf_client {
	struct sf_auth_config *cfg;
	struct sf_http *http;
	struct sf_session *session; /* NULL until the first login */
	char *data_root;	    /* "/services/data/v60.0/" */
	bool has_usage;
	long long api_used, api_max;
	unsigned long total_calls;
	GHashTable *calls; /* object name -> unsigned long (in a pointer) */
	unsigned long logins;
	char *header; /* sent with every call (sf_client_set_header), or NULL */
};

struct sf_error *sf_client_new(const struct sf_auth_config *cfg, const struct sf_http_options *opts,
			       struct sf_client **out)
{
	*out = NULL;
	struct sf_http *http;
	struct sf_error *err = sf_http_new(opts, &http);
	if (err)
		return err;
	struct sf_client *c = g_new0(struct sf_client, 1);
	c->cfg = sf_auth_config_copy(cfg);
	c->http = http;
	c->data_root = g_strdup_printf("/services/data/v%s/", cfg->api_version);
	c->calls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	*out = c;
	return NULL;
}

struct sf_error *sf_client_from_env(const struct sf_http_options *opts, struct sf_client **out)
{
	*out = NULL;
	struct sf_auth_config *cfg;
	struct sf_error *err = sf_auth_config_from_env(&cfg);
	if (err)
		return err;
	err = sf_client_new(cfg, opts, out);
	sf_auth_config_free(cfg);
	return err;
}

void sf_client_free(struct sf_client *client)
{
	if (!client)
		return;
	sf_auth_config_free(client->cfg);
	sf_http_free(client->http);
	sf_session_free(client->session);
	g_free(client->data_root);
	g_hash_table_destroy(client->calls);
	g_free(client->header);
	g_free(client);
}

struct sf_error *sf_client_login(struct sf_client *client)
{
	struct sf_session *session;
	struct sf_error *err = sf_auth_login(client->http, client->cfg, &session);
	if (err)
		return err;
	if (session->refresh_token && client->cfg->flow == SF_AUTH_REFRESH_TOKEN) {
		/* The server rotated the refresh token: the old one may be dead now. */
		explicit_bzero(client->cfg->refresh_token, strlen(client->cfg->refresh_token));
		g_free(client->cfg->refresh_token);
		client->cfg->refresh_token = g_strdup(session->refresh_token);
		struct sf_error *store_err =
		    client->cfg->stored_alias
			? sf_login_store_update_token(client->cfg->stored_alias,
						      session->refresh_token)
			: NULL;
		if (store_err) {
			log_warn("Salesforce rotated the refresh token of the stored login \"%s\" "
				 "but it could not be stored (%s): run forcefs login again if the "
				 "next run is refused",
				 client->cfg->stored_alias, store_err->message);
			sf_error_free(store_err);
		}
	}
	sf_session_free(client->session);
	client->session = session;
	client->logins++;
	return NULL;
}

static void count_call(struct sf_client *client, const char *object)
{
	client->total_calls++;
	const char *key = object ? object : "";
	gpointer old = g_hash_table_lookup(client->calls, key);
	g_hash_table_replace(client->calls, g_strdup(key),
			     GSIZE_TO_POINTER(GPOINTER_TO_SIZE(old) + 1));
}

static char *call_url(const struct sf_client *client, const struct sf_call *call)
{
	const char *path = call->path ? call->path : "";
	bool absolute = g_str_has_prefix(path, "/services/") || g_str_has_prefix(path, "/cometd/");
	return g_strconcat(client->session->instance_url, absolute ? "" : client->data_root, path,
			   call->query ? "?" : "", call->query ? call->query : "", NULL);
}

/* One attempt: perform the call with the current session. */
static struct sf_error *attempt(struct sf_client *client, const struct sf_call *call,
				struct sf_http_response *resp)
{
	char *url = call_url(client, call);
	const char **headers = NULL;
	if (client->header) {
		size_t n = 0;
		while (call->headers && call->headers[n])
			n++;
		headers = g_new0(const char *, n + 2);
		for (size_t i = 0; i < n; i++)
			headers[i] = call->headers[i];
		headers[n] = client->header;
	}
	struct sf_http_request req = {
	    .method = call->method ? call->method : "GET",
	    .url = url,
	    .bearer_token = client->session->access_token,
	    .content_type =
		call->content_type ? call->content_type : (call->body ? "application/json" : NULL),
	    .accept = call->accept,
	    .body = call->body,
	    .body_len = call->body_len,
	    .headers = headers ? headers : call->headers,
	};
	struct sf_error *err = sf_http_perform(client->http, &req, resp);
	g_free(url);
	g_free(headers);
	if (err)
		return err;
	count_call(client, call->object);
	if (resp->has_api_usage) {
		client->has_usage = true;
		client->api_used = resp->api_used;
		client->api_max = resp->api_max;
	}
	if (resp->status >= 200 && resp->status <= 299)
		return NULL;
	err = sf_error_from_http(resp->status, sf_http_response_content_type(resp), resp->body,
				 resp->body_len);
	sf_http_response_clear(resp);
	return err;
}

struct sf_error *sf_client_call(struct sf_client *client, const struct sf_call *call,
				struct sf_http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	struct sf_error *err = client->session ? NULL : sf_client_login(client);
	if (err)
		return err;
	err = attempt(client, call, resp);
	if (!err || err->kind != SF_ERR_SESSION_EXPIRED || !sf_auth_can_login(client->cfg))
		return err;
	log_info("Salesforce session expired; logging in again");
	struct sf_error *login_err = sf_client_login(client);
	if (login_err) {
		sf_error_free(err);
		sf_error_prefix(login_err, "session expired and logging in again failed");
		return login_err;
	}
	sf_error_free(err);
	return attempt(client, call, resp);
}

struct sf_error *sf_client_call_json(struct sf_client *client, const struct sf_call *call,
				     cJSON **out, long *http_status)
{
	*out = NULL;
	struct sf_http_response resp;
	struct sf_error *err = sf_client_call(client, call, &resp);
	if (err) {
		if (http_status)
			*http_status = err->http_status;
		return err;
	}
	if (http_status)
		*http_status = resp.status;
	if (resp.status != 204 && resp.body_len > 0)
		err = sf_json_parse(resp.status, sf_http_response_content_type(&resp), resp.body,
				    resp.body_len, false, out);
	sf_http_response_clear(&resp);
	return err;
}

void sf_client_set_header(struct sf_client *client, const char *header)
{
	g_free(client->header);
	client->header = g_strdup(header);
}

const char *sf_client_api_version(const struct sf_client *client)
{
	return client->cfg->api_version;
}

const char *sf_client_instance_url(const struct sf_client *client)
{
	return client->session ? client->session->instance_url : NULL;
}

const char *sf_client_identity_url(const struct sf_client *client)
{
	return client->session ? client->session->identity_url : NULL;
}

bool sf_client_api_usage(const struct sf_client *client, long long *used, long long *max)
{
	if (!client->has_usage)
		return false;
	*used = client->api_used;
	*max = client->api_max;
	return true;
}

unsigned long sf_client_calls(const struct sf_client *client, const char *object)
{
	if (!object)
		return client->total_calls;
	return (unsigned long)GPOINTER_TO_SIZE(g_hash_table_lookup(client->calls, object));
}

void sf_client_foreach_calls(const struct sf_client *client,
			     void (*fn)(const char *object, unsigned long calls, void *ud),
			     void *ud)
{
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, client->calls);
	while (g_hash_table_iter_next(&it, &key, &value))
		fn(key, (unsigned long)GPOINTER_TO_SIZE(value), ud);
}

unsigned long sf_client_logins(const struct sf_client *client)
{
	return client->logins;
}
