#include "sf_cli.h"

#include <cjson/cJSON.h>
#include <glib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>

static struct sf_error *cli_error(const char *alias, const char *why)
{
	return sf_error_new(SF_ERR_CONFIG, 0, NULL, "sf org display --target-org %s: %s", alias,
			    why);
}

static const char *json_string(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(item) && item->valuestring[0] ? item->valuestring : NULL;
}

/* The first line of sf's message, at most 300 bytes. */
static char *one_line(const char *msg)
{
	size_t n = strcspn(msg, "\r\n");
	if (n > 300)
		n = 300;
	return g_strndup(msg, n);
}

struct sf_error *sf_cli_org_session(const char *alias, char **instance_url, char **access_token)
{
	*instance_url = NULL;
	*access_token = NULL;
	char *argv[] = {"sf", "org", "display", "--target-org", (char *)alias, "--json", NULL};
	char *out = NULL;
	int wait_status = 0;
	GError *gerr = NULL;
	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
			  NULL, &out, NULL, &wait_status, &gerr)) {
		struct sf_error *e =
		    gerr->domain == G_SPAWN_ERROR && gerr->code == G_SPAWN_ERROR_NOENT
			? sf_error_new(SF_ERR_CONFIG, 0, NULL,
				       "the Salesforce CLI (sf) is not on PATH: install it or "
				       "log in another way")
			: cli_error(alias, gerr->message);
		g_error_free(gerr);
		return e;
	}
	cJSON *json = cJSON_Parse(out);
	size_t out_len = strlen(out);
	explicit_bzero(out, out_len);
	g_free(out);

	struct sf_error *e = NULL;
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(json, "status");
	const cJSON *result = cJSON_GetObjectItemCaseSensitive(json, "result");
	const char *token = json_string(result, "accessToken");
	const char *instance = json_string(result, "instanceUrl");
	bool exited_ok = g_spawn_check_wait_status(wait_status, NULL);
	if (!cJSON_IsObject(json)) {
		char *why =
		    exited_ok
			? g_strdup("unexpected answer: not JSON")
			: g_strdup_printf("failed (exit %d) and gave no JSON answer",
					  WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1);
		e = cli_error(alias, why);
		g_free(why);
	} else if (!exited_ok || (cJSON_IsNumber(status) && status->valuedouble != 0)) {
		const char *msg = json_string(json, "message");
		char *line = msg ? one_line(msg) : NULL;
		if (line && token && strstr(line, token)) {
			g_free(line);
			line = NULL;
		}
		char *why = line ? g_strdup(line)
				 : g_strdup_printf("failed (status %d) without a message",
						   cJSON_IsNumber(status) ? status->valueint : -1);
		e = cli_error(alias, why);
		g_free(why);
		g_free(line);
	} else if (!token || !instance) {
		e = cli_error(alias, "unexpected answer: no result.accessToken and "
				     "result.instanceUrl");
	} else {
		*instance_url = g_strdup(instance);
		*access_token = g_strdup(token);
	}
	if (token) {
		cJSON *t = cJSON_GetObjectItemCaseSensitive(result, "accessToken");
		explicit_bzero(t->valuestring, strlen(t->valuestring));
	}
	cJSON_Delete(json);
	return e;
}
