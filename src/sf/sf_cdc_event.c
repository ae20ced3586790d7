#include "sf_cdc_event.h"
#include "sf_json.h"

#include <glib.h>
#include <math.h>
#include <string.h>

static const char *const CHANGE_NAMES[] = {
    [SF_CDC_CREATE] = "CREATE",
    [SF_CDC_UPDATE] = "UPDATE",
    [SF_CDC_DELETE] = "DELETE",
    [SF_CDC_UNDELETE] = "UNDELETE",
    [SF_CDC_GAP_CREATE] = "GAP_CREATE",
    [SF_CDC_GAP_UPDATE] = "GAP_UPDATE",
    [SF_CDC_GAP_DELETE] = "GAP_DELETE",
    [SF_CDC_GAP_UNDELETE] = "GAP_UNDELETE",
    [SF_CDC_GAP_OVERFLOW] = "GAP_OVERFLOW",
};

enum sf_cdc_change sf_cdc_change_from_name(const char *name)
{
	for (size_t i = 0; name && i < G_N_ELEMENTS(CHANGE_NAMES); i++)
		if (strcmp(CHANGE_NAMES[i], name) == 0)
			return (enum sf_cdc_change)i;
	return SF_CDC_OTHER;
}

static char *string_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return g_strdup(cJSON_IsString(v) ? v->valuestring : "");
}

/* A JSON array of strings as a NULL-terminated vector; non-strings are skipped. */
static char **strings_of(const cJSON *obj, const char *key, size_t *n)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key);
	GPtrArray *out = g_ptr_array_new();
	const cJSON *it;
	if (cJSON_IsArray(arr)) {
		cJSON_ArrayForEach(it, arr)
		{
			if (cJSON_IsString(it))
				g_ptr_array_add(out, g_strdup(it->valuestring));
		}
	}
	if (n)
		*n = out->len;
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* A whole number within ±2^53 (a JSON number, or a string holding one), range-checked
 * here so that no later cast to an integer type can overflow ("1e300" is no replayId). */
static bool number_of(const cJSON *obj, const char *key, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;
	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
	} else if (cJSON_IsString(v) && v->valuestring[0]) {
		char *end;
		d = g_ascii_strtod(v->valuestring, &end);
		if (*end != '\0')
			return false;
	} else {
		return false;
	}
	if (!isfinite(d) || fabs(d) > SF_JSON_COUNT_MAX || d != floor(d))
		return false;
	*out = d;
	return true;
}

static struct sf_error *bad(const char *what)
{
	return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL, "not a change event: %s", what);
}

struct sf_error *sf_cdc_event_parse(const cJSON *message, struct sf_cdc_event **out)
{
	*out = NULL;
	if (!cJSON_IsObject(message))
		return bad("the message is not a JSON object");
	const cJSON *channel = cJSON_GetObjectItemCaseSensitive(message, "channel");
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(message, "data");
	const cJSON *payload = cJSON_GetObjectItemCaseSensitive(data, "payload");
	const cJSON *header = cJSON_GetObjectItemCaseSensitive(payload, "ChangeEventHeader");
	const cJSON *event = cJSON_GetObjectItemCaseSensitive(data, "event");
	if (!cJSON_IsString(channel))
		return bad("no channel");
	if (!cJSON_IsObject(payload) || !cJSON_IsObject(header))
		return bad("no data.payload.ChangeEventHeader");
	double replay;
	if (!number_of(event, "replayId", &replay))
		return bad("no data.event.replayId");
	const cJSON *entity = cJSON_GetObjectItemCaseSensitive(header, "entityName");
	if (!cJSON_IsString(entity) || !entity->valuestring[0])
		return bad("no entityName");
	struct sf_cdc_event *e = g_new0(struct sf_cdc_event, 1);
	e->channel = g_strdup(channel->valuestring);
	e->replay_id = (int64_t)replay;
	e->entity = g_strdup(entity->valuestring);
	e->change_type = string_of(header, "changeType");
	e->change = sf_cdc_change_from_name(e->change_type);
	e->change_origin = string_of(header, "changeOrigin");
	e->transaction_key = string_of(header, "transactionKey");
	e->commit_user = string_of(header, "commitUser");
	double d;
	if (number_of(header, "sequenceNumber", &d))
		e->sequence_number = (long)d;
	if (number_of(header, "commitTimestamp", &d))
		e->commit_timestamp = (int64_t)d;
	if (number_of(header, "commitNumber", &d))
		e->commit_number = (long long)d;
	e->record_ids = strings_of(header, "recordIds", &e->n_records);
	e->changed_fields = strings_of(header, "changedFields", NULL);
	e->nulled_fields = strings_of(header, "nulledFields", NULL);
	e->diff_fields = strings_of(header, "diffFields", NULL);
	e->fields = cJSON_Duplicate(payload, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(e->fields, "ChangeEventHeader");
	*out = e;
	return NULL;
}

void sf_cdc_event_free(struct sf_cdc_event *e)
{
	if (!e)
		return;
	g_free(e->channel);
	g_free(e->entity);
	g_free(e->change_type);
	g_free(e->change_origin);
	g_free(e->transaction_key);
	g_free(e->commit_user);
	g_strfreev(e->record_ids);
	g_strfreev(e->changed_fields);
	g_strfreev(e->nulled_fields);
	g_strfreev(e->diff_fields);
	cJSON_Delete(e->fields);
	g_free(e);
}

bool sf_cdc_event_is_gap(const struct sf_cdc_event *e)
{
	return e->change >= SF_CDC_GAP_CREATE && e->change <= SF_CDC_GAP_OVERFLOW;
}

bool sf_cdc_event_needs_poll(const struct sf_cdc_event *e)
{
	if (e->change == SF_CDC_GAP_OVERFLOW || e->change == SF_CDC_OTHER || e->n_records == 0)
		return true;
	for (size_t i = 0; i < e->n_records; i++)
		if (strchr(e->record_ids[i], '*'))
			return true;
	return false;
}

bool sf_cdc_origin_is_client(const char *origin, const char *client)
{
	if (!origin || !client || !client[0])
		return false;
	size_t n = strlen(client);
	for (const char *p = strstr(origin, "client="); p; p = strstr(p + 1, "client=")) {
		if (p != origin && p[-1] != ';' && p[-1] != ',' && p[-1] != ' ')
			continue;
		const char *v = p + strlen("client=");
		if (strncmp(v, client, n) == 0 && (v[n] == '\0' || v[n] == ';' || v[n] == ','))
			return true;
	}
	return false;
}

char *sf_cdc_channel(const char *object)
{
	if (g_str_has_suffix(object, "__c"))
		return g_strdup_printf("/data/%.*s__ChangeEvent", (int)(strlen(object) - 3),
				       object);
	return g_strdup_printf("/data/%sChangeEvent", object);
}
