#include "hc_conventions.h"

#include <cjson/cJSON.h>
#include <glib.h>
#include <string.h>

static const char *const hidden_columns[] = {"id", "isdeleted", "_hc_lastop", "_hc_err"};

static const char *const system_fields[] = {
    "sfid", "createddate", "systemmodstamp", "lastmodifieddate", "createdbyid", "lastmodifiedbyid",
};

static bool in_list(const char *const *list, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], key) == 0)
			return true;
	return false;
}

bool hc_is_hidden_column(const char *column)
{
	return in_list(hidden_columns, G_N_ELEMENTS(hidden_columns), column);
}

bool hc_is_system_field(const char *column)
{
	return in_list(system_fields, G_N_ELEMENTS(system_fields), column);
}

char *hc_err_encode(const char *op, const char *src, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "op", op ? op : "UPDATE");
	cJSON_AddStringToObject(o, "src", src ? src : "SFDC");
	cJSON_AddStringToObject(o, "msg", msg ? msg : "");
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	char *copy = g_strdup(text ? text : "{}");
	cJSON_free(text);
	return copy;
}

char *hc_err_decode(const char *hc_err, char **op)
{
	cJSON *json = hc_err && *hc_err ? cJSON_Parse(hc_err) : NULL;
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(json, "msg");
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(json, "op");
	char *text = cJSON_IsString(msg) ? g_strdup(msg->valuestring)
		     : hc_err && *hc_err ? g_strdup(hc_err)
					 : NULL;
	if (op)
		*op = g_strdup(cJSON_IsString(o) ? o->valuestring : "UPDATE");
	cJSON_Delete(json);
	return text;
}
