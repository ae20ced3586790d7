#include "sf_bulk_ingest.h"

#include "sf_soql.h"

#include <glib.h>
#include <string.h>

static const char *const operation_names[] = {
    [SF_BULK_INSERT] = "insert", [SF_BULK_UPDATE] = "update",	       [SF_BULK_UPSERT] = "upsert",
    [SF_BULK_DELETE] = "delete", [SF_BULK_HARD_DELETE] = "hardDelete",
};

static struct sf_error *create_job(struct sf_client *client, const char *object,
				   enum sf_bulk_operation op, const char *external_id_field,
				   char **job_id)
{
	*job_id = NULL;
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "object", object);
	cJSON_AddStringToObject(req, "operation", operation_names[op]);
	if (op == SF_BULK_UPSERT)
		cJSON_AddStringToObject(req, "externalIdFieldName", external_id_field);
	cJSON_AddStringToObject(req, "contentType", "CSV");
	cJSON_AddStringToObject(req, "columnDelimiter", "COMMA");
	cJSON_AddStringToObject(req, "lineEnding", "LF");
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	struct sf_call call = {
	    .method = "POST",
	    .path = "jobs/ingest",
	    .body = body,
	    .body_len = strlen(body),
	    .object = object,
	};
	cJSON *job;
	struct sf_error *err = sf_client_call_json(client, &call, &job, NULL);
	cJSON_free(body);
	if (err)
		return err;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(job, "id");
	if (!cJSON_IsString(id) || !sf_bulk_is_job_id(id->valuestring))
		err = sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				   "bulk job answer has no usable job id");
	else
		*job_id = g_strdup(id->valuestring);
	cJSON_Delete(job);
	return err;
}

/* PATCHes the job's state ("UploadComplete" or "Aborted"). */
static struct sf_error *set_state(struct sf_client *client, const char *object, const char *job_id,
				  const char *state)
{
	char *path = g_strdup_printf("jobs/ingest/%s", job_id);
	char *body = g_strdup_printf("{\"state\":\"%s\"}", state);
	struct sf_call call = {
	    .method = "PATCH",
	    .path = path,
	    .body = body,
	    .body_len = strlen(body),
	    .object = object,
	};
	cJSON *job;
	struct sf_error *err = sf_client_call_json(client, &call, &job, NULL);
	cJSON_Delete(job);
	g_free(body);
	g_free(path);
	return err;
}

static struct sf_error *upload(struct sf_client *client, const char *object, const char *job_id,
			       const char *csv, size_t len)
{
	char *path = g_strdup_printf("jobs/ingest/%s/batches", job_id);
	struct sf_call call = {
	    .method = "PUT",
	    .path = path,
	    .content_type = "text/csv",
	    .body = csv,
	    .body_len = len,
	    .object = object,
	};
	struct sf_http_response resp;
	struct sf_error *err = sf_client_call(client, &call, &resp);
	if (!err)
		sf_http_response_clear(&resp);
	g_free(path);
	return err;
}

static struct sf_error *fetch_results(struct sf_client *client, const char *object,
				      const char *job_id, const char *which, struct sf_csv **out)
{
	char *path = g_strdup_printf("jobs/ingest/%s/%s/", job_id, which);
	struct sf_call call = {.path = path, .accept = "text/csv", .object = object};
	struct sf_http_response resp;
	struct sf_error *err = sf_client_call(client, &call, &resp);
	g_free(path);
	if (err)
		return err;
	err = sf_csv_parse(resp.body, resp.body_len, ',', out);
	sf_http_response_clear(&resp);
	if (err)
		sf_error_prefix(err, "%s", which);
	return err;
}

static struct sf_error *check_args(const char *object, enum sf_bulk_operation op,
				   const char *external_id_field, size_t csv_len)
{
	if (!sf_soql_is_api_name(object))
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL,
				    "\"%s\" is not an object API name", object ? object : "");
	if ((size_t)op >= G_N_ELEMENTS(operation_names))
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL, "unknown bulk operation");
	if (op == SF_BULK_UPSERT && !sf_soql_is_api_name(external_id_field))
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL,
				    "upsert needs an external id field API name");
	if (csv_len == 0)
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL, "no CSV to upload");
	if (csv_len > SF_BULK_MAX_UPLOAD_BYTES)
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL,
				    "%zu bytes of CSV in one job; Bulk API 2.0 takes at most %zu",
				    csv_len, SF_BULK_MAX_UPLOAD_BYTES);
	return NULL;
}

struct sf_error *sf_bulk_ingest(struct sf_client *client, const char *object,
				enum sf_bulk_operation op, const char *external_id_field,
				const char *csv, size_t csv_len, const struct sf_bulk_options *opts,
				struct sf_bulk_ingest_results **out)
{
	*out = NULL;
	struct sf_error *err = check_args(object, op, external_id_field, csv_len);
	if (err)
		return err;
	char *job_id;
	err = create_job(client, object, op, external_id_field, &job_id);
	if (!err) {
		err = upload(client, object, job_id, csv, csv_len);
		if (!err)
			err = set_state(client, object, job_id, "UploadComplete");
		if (err) {
			/* Best effort: an open job would otherwise linger for a day. */
			sf_error_free(set_state(client, object, job_id, "Aborted"));
		}
	}
	cJSON *job = NULL;
	if (!err)
		err = sf_bulk_wait(client, "jobs/ingest", job_id, object, opts, &job);
	struct sf_bulk_ingest_results *r = g_new0(struct sf_bulk_ingest_results, 1);
	r->job_id = job_id;
	if (!err) {
		r->records_processed = sf_bulk_job_count(job, "numberRecordsProcessed");
		r->records_failed = sf_bulk_job_count(job, "numberRecordsFailed");
		err = fetch_results(client, object, job_id, "successfulResults", &r->successful);
	}
	if (!err)
		err = fetch_results(client, object, job_id, "failedResults", &r->failed);
	if (!err)
		err = fetch_results(client, object, job_id, "unprocessedrecords", &r->unprocessed);
	cJSON_Delete(job);
	if (err) {
		sf_error_prefix(err, "bulk %s %s%s%s", operation_names[op], object,
				job_id ? " job " : "", job_id ? job_id : "");
		sf_bulk_ingest_results_free(r);
		return err;
	}
	*out = r;
	return NULL;
}

void sf_bulk_ingest_results_free(struct sf_bulk_ingest_results *results)
{
	if (!results)
		return;
	g_free(results->job_id);
	sf_csv_free(results->successful);
	sf_csv_free(results->failed);
	sf_csv_free(results->unprocessed);
	g_free(results);
}
