#include "sf_collections.h"

#include "sf_id.h"
#include "sf_soql.h"

#include <glib.h>
#include <string.h>

struct sf_error *sf_collections_parse_results(const cJSON *json, size_t expected,
					      struct sf_collection_results **out)
{
	*out = NULL;
	if (!cJSON_IsArray(json) || (size_t)cJSON_GetArraySize(json) != expected)
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "collections answer is not a list of %zu results", expected);
	struct sf_collection_results *r = g_new0(struct sf_collection_results, 1);
	r->results = g_new0(struct sf_record_result, expected > 0 ? expected : 1);
	const cJSON *item;
	cJSON_ArrayForEach(item, json)
	{
		struct sf_error *err = sf_record_result_parse(item, &r->results[r->n]);
		if (err) {
			sf_error_prefix(err, "result %zu", r->n + 1);
			sf_collection_results_free(r);
			return err;
		}
		r->n++;
	}
	*out = r;
	return NULL;
}

void sf_collection_results_free(struct sf_collection_results *results)
{
	if (!results)
		return;
	for (size_t i = 0; i < results->n; i++)
		sf_record_result_clear(&results->results[i]);
	g_free(results->results);
	g_free(results);
}

static struct sf_error *check_count(size_t n)
{
	if (n > SF_COLLECTIONS_MAX)
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, "EXCEEDED_ID_LIMIT",
				    "%zu records in one call; sObject Collections take at most %d",
				    n, SF_COLLECTIONS_MAX);
	return NULL;
}

/* What each record of a write must carry besides being an object. */
enum required {
	NEEDS_NOTHING,
	NEEDS_ID,
	NEEDS_FIELD,
};

static struct sf_error *check_record(const cJSON *rec, size_t index, enum required need,
				     const char *field)
{
	if (!cJSON_IsObject(rec))
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL,
				    "record %zu is not a JSON object", index + 1);
	if (need == NEEDS_ID) {
		const cJSON *id = cJSON_GetObjectItem(rec, "Id"); /* any case, like Salesforce */
		if (!cJSON_IsString(id) || !sf_id_is_valid(id->valuestring))
			return sf_error_new(SF_ERR_INVALID_REQUEST, 0, "MISSING_ID",
					    "record %zu has no valid \"Id\" to update", index + 1);
	} else if (need == NEEDS_FIELD) {
		if (!cJSON_GetObjectItem(rec, field))
			return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL,
					    "record %zu has no value for the external id field %s",
					    index + 1, field);
	}
	return NULL;
}

/* {"allOrNone": b, "records": [copies with attributes.type = object]}. */
static struct sf_error *build_body(const char *object, const cJSON *records, bool all_or_none,
				   enum required need, const char *field, char **body,
				   size_t *n_records)
{
	*body = NULL;
	if (!sf_soql_is_api_name(object))
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL,
				    "\"%s\" is not an object API name", object ? object : "");
	if (!cJSON_IsArray(records))
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL,
				    "records must be a JSON array of objects");
	size_t n = (size_t)cJSON_GetArraySize(records);
	struct sf_error *err = check_count(n);
	if (err)
		return err;
	cJSON *root = cJSON_CreateObject();
	cJSON_AddBoolToObject(root, "allOrNone", all_or_none);
	cJSON *list = cJSON_AddArrayToObject(root, "records");
	size_t i = 0;
	const cJSON *rec;
	cJSON_ArrayForEach(rec, records)
	{
		err = check_record(rec, i++, need, field);
		if (err) {
			cJSON_Delete(root);
			return err;
		}
		cJSON *copy = cJSON_Duplicate(rec, true);
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "attributes");
		cJSON *attrs = cJSON_CreateObject();
		cJSON_AddStringToObject(attrs, "type", object);
		cJSON_AddItemToObject(copy, "attributes", attrs);
		cJSON_AddItemToArray(list, copy);
	}
	*body = cJSON_PrintUnformatted(root);
	*n_records = n;
	cJSON_Delete(root);
	return NULL;
}

/* Sends a collections call and reads `expected` results from its answer. */
static struct sf_error *send_call(struct sf_client *client, const struct sf_call *call,
				  size_t expected, struct sf_collection_results **out)
{
	cJSON *json;
	long status = 0;
	struct sf_error *err = sf_client_call_json(client, call, &json, &status);
	if (!err)
		err = sf_collections_parse_results(json, expected, out);
	if (err && err->kind == SF_ERR_BAD_RESPONSE && err->http_status == 0)
		err->http_status = status;
	cJSON_Delete(json);
	return err;
}

static struct sf_error *write_records(struct sf_client *client, const char *what,
				      const char *method, const char *path, const char *object,
				      const cJSON *records, bool all_or_none, enum required need,
				      const char *field, struct sf_collection_results **out)
{
	*out = NULL;
	char *body;
	size_t n = 0;
	struct sf_error *err = build_body(object, records, all_or_none, need, field, &body, &n);
	if (!err && n == 0) {
		cJSON_free(body);
		*out = g_new0(struct sf_collection_results, 1);
		return NULL;
	}
	if (!err) {
		struct sf_call call = {
		    .method = method,
		    .path = path,
		    .body = body,
		    .body_len = strlen(body),
		    .object = object,
		};
		err = send_call(client, &call, n, out);
	}
	cJSON_free(body);
	if (err)
		sf_error_prefix(err, "%s %s", what, object ? object : "");
	return err;
}

struct sf_error *sf_collections_create(struct sf_client *client, const char *object,
				       const cJSON *records, bool all_or_none,
				       struct sf_collection_results **out)
{
	return write_records(client, "create", "POST", "composite/sobjects", object, records,
			     all_or_none, NEEDS_NOTHING, NULL, out);
}

struct sf_error *sf_collections_update(struct sf_client *client, const char *object,
				       const cJSON *records, bool all_or_none,
				       struct sf_collection_results **out)
{
	return write_records(client, "update", "PATCH", "composite/sobjects", object, records,
			     all_or_none, NEEDS_ID, NULL, out);
}

struct sf_error *sf_collections_upsert(struct sf_client *client, const char *object,
				       const char *external_id_field, const cJSON *records,
				       bool all_or_none, struct sf_collection_results **out)
{
	*out = NULL;
	if (!sf_soql_is_api_name(external_id_field))
		return sf_error_new(
		    SF_ERR_INVALID_REQUEST, 0, NULL, "upsert %s: \"%s\" is not a field API name",
		    object ? object : "", external_id_field ? external_id_field : "");
	char *path =
	    g_strdup_printf("composite/sobjects/%s/%s", object ? object : "", external_id_field);
	struct sf_error *err = write_records(client, "upsert", "PATCH", path, object, records,
					     all_or_none, NEEDS_FIELD, external_id_field, out);
	g_free(path);
	return err;
}

struct sf_error *sf_collections_delete(struct sf_client *client, const char *object,
				       const char *const *ids, size_t n_ids, bool all_or_none,
				       struct sf_collection_results **out)
{
	*out = NULL;
	struct sf_error *err = check_count(n_ids);
	if (err)
		return err;
	if (n_ids == 0) {
		*out = g_new0(struct sf_collection_results, 1);
		return NULL;
	}
	GString *query = g_string_new("ids=");
	for (size_t i = 0; i < n_ids; i++) {
		if (!sf_id_is_valid(ids[i])) {
			g_string_free(query, TRUE);
			return sf_error_new(SF_ERR_INVALID_REQUEST, 0, "MALFORMED_ID",
					    "delete: \"%s\" is not a Salesforce id",
					    ids[i] ? ids[i] : "");
		}
		g_string_append_printf(query, "%s%s", i ? "," : "", ids[i]);
	}
	g_string_append_printf(query, "&allOrNone=%s", all_or_none ? "true" : "false");
	struct sf_call call = {
	    .method = "DELETE",
	    .path = "composite/sobjects",
	    .query = query->str,
	    .object = object,
	};
	err = send_call(client, &call, n_ids, out);
	g_string_free(query, TRUE);
	if (err)
		sf_error_prefix(err, "delete");
	return err;
}
