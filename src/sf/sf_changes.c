#include "sf_changes.h"

#include "sf_soql.h"
#include "sf_time.h"

#include <glib.h>
#include <string.h>

/* Reads a datetime property; false when absent or unparseable. */
static bool read_time(const cJSON *obj, const char *key, int64_t *ms)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(item) && sf_time_parse(item->valuestring, ms);
}

/* Ids are opaque here, but they go into URLs later: only id characters. */
static bool plausible_id(const cJSON *item)
{
	if (!cJSON_IsString(item))
		return false;
	size_t len = strlen(item->valuestring);
	if (len != 15 && len != 18)
		return false;
	for (const char *p = item->valuestring; *p; p++)
		if (!g_ascii_isalnum(*p))
			return false;
	return true;
}

struct sf_error *sf_changes_parse_updated(const cJSON *json, struct sf_updated **out)
{
	*out = NULL;
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(json, "ids");
	int64_t latest;
	if (!cJSON_IsObject(json) || !cJSON_IsArray(ids) ||
	    !read_time(json, "latestDateCovered", &latest))
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "updated answer lacks \"ids\" or a latestDateCovered datetime");
	GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
	const cJSON *item;
	cJSON_ArrayForEach(item, ids)
	{
		if (!plausible_id(item)) {
			g_ptr_array_free(list, TRUE);
			return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
					    "updated answer lists something that is not an id");
		}
		g_ptr_array_add(list, g_strdup(item->valuestring));
	}
	struct sf_updated *u = g_new0(struct sf_updated, 1);
	u->n_ids = list->len;
	g_ptr_array_add(list, NULL);
	g_ptr_array_set_free_func(list, NULL);
	u->ids = (char **)g_ptr_array_free(list, FALSE);
	u->latest_date_covered = latest;
	*out = u;
	return NULL;
}

struct sf_error *sf_changes_parse_deleted(const cJSON *json, struct sf_deleted **out)
{
	*out = NULL;
	const cJSON *recs = cJSON_GetObjectItemCaseSensitive(json, "deletedRecords");
	int64_t latest;
	if (!cJSON_IsObject(json) || !cJSON_IsArray(recs) ||
	    !read_time(json, "latestDateCovered", &latest))
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "deleted answer lacks \"deletedRecords\" or a "
				    "latestDateCovered datetime");
	int n = cJSON_GetArraySize(recs);
	struct sf_deleted *d = g_new0(struct sf_deleted, 1);
	d->records = g_new0(struct sf_deleted_record, n > 0 ? n : 1);
	d->latest_date_covered = latest;
	if (!read_time(json, "earliestDateAvailable", &d->earliest_date_available))
		d->earliest_date_available = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, recs)
	{
		struct sf_deleted_record *r = &d->records[d->n_records];
		if (!plausible_id(cJSON_GetObjectItemCaseSensitive(item, "id")) ||
		    !read_time(item, "deletedDate", &r->deleted_date)) {
			sf_deleted_free(d);
			return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
					    "deleted answer has an entry without an id or a "
					    "deletedDate datetime");
		}
		r->id = g_strdup(cJSON_GetObjectItemCaseSensitive(item, "id")->valuestring);
		d->n_records++;
	}
	*out = d;
	return NULL;
}

/* GETs sobjects/{object}/{kind}/?start=..&end=.. and returns the JSON body. */
static struct sf_error *fetch_window(struct sf_client *client, const char *object, const char *kind,
				     int64_t start_ms, int64_t end_ms, cJSON **json)
{
	*json = NULL;
	if (!sf_soql_is_api_name(object))
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL,
				    "\"%s\" is not an object API name", object ? object : "");
	char start[SF_TIME_BUF], end[SF_TIME_BUF];
	if (!sf_time_format(start_ms, start) || !sf_time_format(end_ms, end) || start_ms >= end_ms)
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL,
				    "window start must be before its end, within years 1..9999");
	char *path = g_strdup_printf("sobjects/%s/%s/", object, kind);
	char *es = g_uri_escape_string(start, NULL, FALSE);
	char *ee = g_uri_escape_string(end, NULL, FALSE);
	char *query = g_strdup_printf("start=%s&end=%s", es, ee);
	struct sf_call call = {.path = path, .query = query, .object = object};
	struct sf_error *err = sf_client_call_json(client, &call, json, NULL);
	if (!err && !*json)
		err = sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL, "empty answer");
	g_free(query);
	g_free(ee);
	g_free(es);
	g_free(path);
	return err;
}

struct sf_error *sf_changes_updated(struct sf_client *client, const char *object, int64_t start_ms,
				    int64_t end_ms, struct sf_updated **out)
{
	*out = NULL;
	cJSON *json;
	struct sf_error *err = fetch_window(client, object, "updated", start_ms, end_ms, &json);
	if (!err)
		err = sf_changes_parse_updated(json, out);
	cJSON_Delete(json);
	if (err)
		sf_error_prefix(err, "updated %s", object ? object : "");
	return err;
}

struct sf_error *sf_changes_deleted(struct sf_client *client, const char *object, int64_t start_ms,
				    int64_t end_ms, struct sf_deleted **out)
{
	*out = NULL;
	cJSON *json;
	struct sf_error *err = fetch_window(client, object, "deleted", start_ms, end_ms, &json);
	if (!err)
		err = sf_changes_parse_deleted(json, out);
	cJSON_Delete(json);
	if (err)
		sf_error_prefix(err, "deleted %s", object ? object : "");
	return err;
}

void sf_updated_free(struct sf_updated *updated)
{
	if (!updated)
		return;
	g_strfreev(updated->ids);
	g_free(updated);
}

void sf_deleted_free(struct sf_deleted *deleted)
{
	if (!deleted)
		return;
	for (size_t i = 0; i < deleted->n_records; i++)
		g_free(deleted->records[i].id);
	g_free(deleted->records);
	g_free(deleted);
}
