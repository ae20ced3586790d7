#include "sf_cometd.h"
#include "sf_json.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

#define DEFAULT_TIMEOUT_MS 110000L

struct sf_cometd {
	struct sf_client *client;
	char *path; /* "/cometd/60.0" */
	char *client_id;
	long timeout_ms;
	unsigned long next_id;
};

struct sf_cometd *sf_cometd_new(struct sf_client *client)
{
	struct sf_cometd *c = g_new0(struct sf_cometd, 1);
	c->client = client;
	c->path = g_strdup_printf("/cometd/%s", sf_client_api_version(client));
	c->timeout_ms = DEFAULT_TIMEOUT_MS;
	return c;
}

void sf_cometd_free(struct sf_cometd *c)
{
	if (!c)
		return;
	g_free(c->path);
	g_free(c->client_id);
	g_free(c);
}

bool sf_cometd_needs_handshake(const struct sf_error *err)
{
	return err && err->code &&
	       (g_str_has_prefix(err->code, "403::Unknown client") ||
		g_str_has_prefix(err->code, "402::Unknown client"));
}

bool sf_cometd_replay_invalid(const struct sf_error *err)
{
	return err && err->code && g_str_has_prefix(err->code, "400::") &&
	       strstr(err->code, "replayId") && strstr(err->code, "invalid");
}

/* The sf_error of a failed meta message. */
static struct sf_error *meta_error(const cJSON *m, const char *meta_channel)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(m, "error");
	const char *text = cJSON_IsString(e) ? e->valuestring : "unknown error";
	const cJSON *reason = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "ext"), "sfdc"),
	    "failureReason");
	const char *why = cJSON_IsString(reason) ? reason->valuestring : NULL;
	long status = strtol(text, NULL, 10);
	enum sf_error_kind kind;
	if (status == 401 || (why && g_str_has_prefix(why, "401::")))
		kind = SF_ERR_SESSION_EXPIRED;
	else if (strstr(text, "Unknown client"))
		kind = SF_ERR_TRANSIENT_SERVER;
	else if (strstr(text, "limit exceeded"))
		kind = SF_ERR_LIMIT_EXCEEDED;
	else if (status == 403)
		kind = SF_ERR_PERMISSION;
	else if (status >= 500)
		kind = SF_ERR_TRANSIENT_SERVER;
	else
		kind = SF_ERR_INVALID_REQUEST;
	/* The message is one printable line: fold control characters. */
	char *line = g_strdup(text);
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	struct sf_error *err =
	    sf_error_new(kind, status, line, "%s refused: %s%s%s%s", meta_channel, line,
			 why ? " (" : "", why ? why : "", why ? ")" : "");
	g_free(line);
	return err;
}

struct sf_error *sf_cometd_parse_reply(const char *body, size_t len, const char *meta_channel,
				       GPtrArray *events, long *advice_timeout_ms, char **client_id)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "%s: the answer is not a JSON array of Bayeux messages",
				    meta_channel);
	}
	struct sf_error *err = NULL;
	bool found = false;
	const cJSON *m;
	cJSON_ArrayForEach(m, root)
	{
		const cJSON *ch = cJSON_GetObjectItemCaseSensitive(m, "channel");
		if (!cJSON_IsString(ch))
			continue;
		if (strcmp(ch->valuestring, meta_channel) == 0) {
			if (found)
				continue;
			found = true;
			const cJSON *advice = cJSON_GetObjectItemCaseSensitive(m, "advice");
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(advice, "timeout");
			long timeout;
			if (advice_timeout_ms && sf_json_count(t, &timeout))
				*advice_timeout_ms = timeout;
			const cJSON *cid = cJSON_GetObjectItemCaseSensitive(m, "clientId");
			if (client_id && cJSON_IsString(cid))
				*client_id = g_strdup(cid->valuestring);
			if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "successful")))
				err = meta_error(m, meta_channel);
		} else if (events && !g_str_has_prefix(ch->valuestring, "/meta/")) {
			struct sf_cdc_event *e = NULL;
			struct sf_error *pe = sf_cdc_event_parse(m, &e);
			if (pe) {
				log_warn("skipping a streaming message on %s: %s", ch->valuestring,
					 pe->message);
				sf_error_free(pe);
			} else {
				g_ptr_array_add(events, e);
			}
		}
	}
	cJSON_Delete(root);
	if (!found && !err)
		err = sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL, "%s: no %s message in the answer",
				   meta_channel, meta_channel);
	return err;
}

/* POSTs one message and parses the answer. */
static struct sf_error *exchange(struct sf_cometd *c, cJSON *msg, const char *meta_channel,
				 GPtrArray *events, char **client_id)
{
	char id[32];
	g_snprintf(id, sizeof id, "%lu", ++c->next_id);
	cJSON_AddStringToObject(msg, "id", id);
	cJSON_AddStringToObject(msg, "channel", meta_channel);
	if (c->client_id && strcmp(meta_channel, "/meta/handshake") != 0)
		cJSON_AddStringToObject(msg, "clientId", c->client_id);
	cJSON *arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, msg);
	char *body = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	struct sf_call call = {
	    .method = "POST",
	    .path = c->path,
	    .body = body,
	    .body_len = strlen(body),
	};
	struct sf_http_response resp;
	struct sf_error *err = sf_client_call(c->client, &call, &resp);
	g_free(body);
	if (err)
		return err;
	err = sf_cometd_parse_reply(resp.body, resp.body_len, meta_channel, events, &c->timeout_ms,
				    client_id);
	sf_http_response_clear(&resp);
	if (sf_cometd_needs_handshake(err)) {
		g_free(c->client_id);
		c->client_id = NULL;
	}
	return err;
}

struct sf_error *sf_cometd_handshake(struct sf_cometd *c)
{
	g_free(c->client_id);
	c->client_id = NULL;
	cJSON *msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "version", "1.0");
	cJSON_AddStringToObject(msg, "minimumVersion", "1.0");
	cJSON *types = cJSON_AddArrayToObject(msg, "supportedConnectionTypes");
	cJSON_AddItemToArray(types, cJSON_CreateString("long-polling"));
	char *cid = NULL;
	struct sf_error *err = exchange(c, msg, "/meta/handshake", NULL, &cid);
	if (!err && !cid)
		err = sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				   "/meta/handshake: the answer has no clientId");
	if (err) {
		g_free(cid);
		return err;
	}
	c->client_id = cid;
	return NULL;
}

cJSON *sf_cometd_replay_ext(const char *channel, int64_t replay_id)
{
	cJSON *ext = cJSON_CreateObject();
	cJSON *replay = cJSON_AddObjectToObject(ext, "replay");
	/* As an integer: cJSON would print a large id such as 1796648175750270 as
	 * 1.79664817575027e+15, which is no replay id. */
	char digits[32];
	g_snprintf(digits, sizeof digits, "%" G_GINT64_FORMAT, replay_id);
	cJSON_AddItemToObject(replay, channel, cJSON_CreateRaw(digits));
	return ext;
}

struct sf_error *sf_cometd_subscribe(struct sf_cometd *c, const char *channel, int64_t replay_id)
{
	if (!c->client_id)
		return sf_error_new(SF_ERR_TRANSIENT_SERVER, 403, "403::Unknown client",
				    "/meta/subscribe: no handshake yet");
	cJSON *msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "subscription", channel);
	cJSON_AddItemToObject(msg, "ext", sf_cometd_replay_ext(channel, replay_id));
	return exchange(c, msg, "/meta/subscribe", NULL, NULL);
}

struct sf_error *sf_cometd_connect(struct sf_cometd *c, GPtrArray *events)
{
	if (!c->client_id)
		return sf_error_new(SF_ERR_TRANSIENT_SERVER, 403, "403::Unknown client",
				    "/meta/connect: no handshake yet");
	cJSON *msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "connectionType", "long-polling");
	return exchange(c, msg, "/meta/connect", events, NULL);
}
