#include "sf_bulk.h"
#include "sf_json.h"

#include "sf_query.h"

#include <glib.h>
#include <string.h>

#define DEFAULT_POLL_INITIAL_MS 500
#define DEFAULT_POLL_MAX_MS	10000
#define DEFAULT_MAX_WAIT_MS	(3600L * 1000)

struct sf_bulk_query {
	struct sf_client *client;
	struct sf_bulk_options opts;
	char *object; /* for call counting; may be NULL */
	char *job_id;
	long records;
	char *locator; /* next results page; NULL before the first, "" after the last */
	struct sf_csv *page;
	size_t next_row;	    /* index into page->rows of the next data row */
	struct sf_csv_row *columns; /* the first page's header row (borrowed from columns_csv) */
	struct sf_csv *columns_csv;
	unsigned pages;
};

bool sf_bulk_is_job_id(const char *id)
{
	if (!id || !*id || strlen(id) > 40)
		return false;
	for (const char *p = id; *p; p++)
		if (!g_ascii_isalnum(*p))
			return false;
	return true;
}

static const char *json_string(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static struct sf_error *create_job(struct sf_bulk_query *q, const char *soql, bool include_deleted)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "operation", include_deleted ? "queryAll" : "query");
	cJSON_AddStringToObject(req, "query", soql);
	cJSON_AddStringToObject(req, "contentType", "CSV");
	cJSON_AddStringToObject(req, "columnDelimiter", "COMMA");
	cJSON_AddStringToObject(req, "lineEnding", "LF");
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	struct sf_call call = {
	    .method = "POST",
	    .path = "jobs/query",
	    .body = body,
	    .body_len = strlen(body),
	    .object = q->object,
	};
	cJSON *job;
	struct sf_error *err = sf_client_call_json(q->client, &call, &job, NULL);
	cJSON_free(body);
	if (err)
		return err;
	const char *id = json_string(job, "id");
	if (!sf_bulk_is_job_id(id))
		err = sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				   "bulk job answer has no usable job id");
	else
		q->job_id = g_strdup(id);
	cJSON_Delete(job);
	return err;
}

static void apply_defaults(struct sf_bulk_options *o)
{
	if (o->poll_initial_ms <= 0)
		o->poll_initial_ms = DEFAULT_POLL_INITIAL_MS;
	if (o->poll_max_ms <= 0)
		o->poll_max_ms = DEFAULT_POLL_MAX_MS;
	if (o->max_wait_ms <= 0)
		o->max_wait_ms = DEFAULT_MAX_WAIT_MS;
}

/* Checks the job once: *job is its info when it is complete, else NULL. */
static struct sf_error *check_job(struct sf_client *client, const char *jobs_path,
				  const char *job_id, const char *object, cJSON **job_out)
{
	*job_out = NULL;
	char *path = g_strdup_printf("%s/%s", jobs_path, job_id);
	struct sf_call call = {.path = path, .object = object};
	cJSON *job;
	struct sf_error *err = sf_client_call_json(client, &call, &job, NULL);
	g_free(path);
	if (err)
		return err;
	const char *state = json_string(job, "state");
	if (!state) {
		err = sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL, "bulk job answer has no state");
	} else if (strcmp(state, "JobComplete") == 0) {
		*job_out = job;
		return NULL;
	} else if (strcmp(state, "Failed") == 0 || strcmp(state, "Aborted") == 0) {
		const char *why = json_string(job, "errorMessage");
		err = sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL, "bulk job %s %s: %s", job_id,
				   strcmp(state, "Failed") == 0 ? "failed" : "was aborted",
				   why ? why : "no reason given");
	}
	cJSON_Delete(job);
	return err;
}

struct sf_error *sf_bulk_wait(struct sf_client *client, const char *jobs_path, const char *job_id,
			      const char *object, const struct sf_bulk_options *opts, cJSON **job)
{
	*job = NULL;
	struct sf_bulk_options o = {0};
	if (opts)
		o = *opts;
	apply_defaults(&o);
	long wait = o.poll_initial_ms;
	gint64 deadline = g_get_monotonic_time() + (gint64)o.max_wait_ms * 1000;
	for (;;) {
		struct sf_error *err = check_job(client, jobs_path, job_id, object, job);
		if (err || *job)
			return err;
		if (g_get_monotonic_time() + (gint64)wait * 1000 > deadline)
			return sf_error_new(SF_ERR_TIMEOUT, 0, NULL,
					    "bulk job %s not complete after %ld ms", job_id,
					    o.max_wait_ms);
		g_usleep((gulong)wait * 1000);
		wait = MIN(wait * 2, o.poll_max_ms);
	}
}

long sf_bulk_job_count(const cJSON *job, const char *key)
{
	long n;
	return sf_json_count(cJSON_GetObjectItemCaseSensitive(job, key), &n) ? n : -1;
}

struct sf_error *sf_bulk_query_open(struct sf_client *client, const char *soql,
				    bool include_deleted, const struct sf_bulk_options *opts,
				    struct sf_bulk_query **out)
{
	*out = NULL;
	if (!soql || !*soql)
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL, "bulk query: empty SOQL");
	struct sf_bulk_query *q = g_new0(struct sf_bulk_query, 1);
	q->client = client;
	if (opts)
		q->opts = *opts;
	apply_defaults(&q->opts);
	q->object = sf_query_object(soql);
	struct sf_error *err = create_job(q, soql, include_deleted);
	cJSON *job = NULL;
	if (!err)
		err = sf_bulk_wait(client, "jobs/query", q->job_id, q->object, &q->opts, &job);
	if (!err)
		q->records = sf_bulk_job_count(job, "numberRecordsProcessed");
	cJSON_Delete(job);
	if (err) {
		sf_error_prefix(err, "bulk query");
		sf_bulk_query_close(q);
		return err;
	}
	*out = q;
	return NULL;
}

/* Two header rows name the same columns. */
static bool same_columns(const struct sf_csv_row *a, const struct sf_csv_row *b)
{
	if (a->n_fields != b->n_fields)
		return false;
	for (size_t i = 0; i < a->n_fields; i++)
		if (strcmp(a->fields[i], b->fields[i]) != 0)
			return false;
	return true;
}

static struct sf_error *fetch_page(struct sf_bulk_query *q)
{
	char *path = g_strdup_printf("jobs/query/%s/results", q->job_id);
	GString *query = g_string_new(NULL);
	if (q->locator) {
		char *escaped = g_uri_escape_string(q->locator, NULL, FALSE);
		g_string_append_printf(query, "locator=%s", escaped);
		g_free(escaped);
	}
	if (q->opts.page_records > 0)
		g_string_append_printf(query, "%smaxRecords=%ld", query->len ? "&" : "",
				       q->opts.page_records);
	struct sf_call call = {
	    .path = path,
	    .query = query->len ? query->str : NULL,
	    .accept = "text/csv",
	    .object = q->object,
	};
	struct sf_http_response resp;
	struct sf_error *err = sf_client_call(q->client, &call, &resp);
	g_string_free(query, TRUE);
	g_free(path);
	if (err)
		return err;
	struct sf_csv *csv;
	err = sf_csv_parse(resp.body, resp.body_len, ',', &csv);
	const char *locator = sf_http_response_header(&resp, "sforce-locator");
	g_free(q->locator);
	q->locator = g_strdup(!locator || strcmp(locator, "null") == 0 ? "" : locator);
	sf_http_response_clear(&resp);
	if (err)
		return err;
	if (csv->n_rows == 0) {
		sf_csv_free(csv);
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "bulk results page %u has no header row", q->pages + 1);
	}
	if (q->columns && !same_columns(q->columns, &csv->rows[0])) {
		sf_csv_free(csv);
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "bulk results page %u has other columns than page 1",
				    q->pages + 1);
	}
	if (!q->columns) {
		q->columns_csv = csv;
		q->columns = &csv->rows[0];
	} else {
		sf_csv_free(q->page != q->columns_csv ? q->page : NULL);
	}
	q->page = csv;
	q->next_row = 1;
	q->pages++;
	return NULL;
}

struct sf_error *sf_bulk_query_next(struct sf_bulk_query *q, const struct sf_csv_row **row)
{
	*row = NULL;
	while (!q->page || q->next_row >= q->page->n_rows) {
		if (q->locator && !*q->locator)
			return NULL; /* the last page was read */
		struct sf_error *err = fetch_page(q);
		if (err) {
			sf_error_prefix(err, "bulk query %s results", q->job_id);
			return err;
		}
	}
	*row = &q->page->rows[q->next_row++];
	return NULL;
}

const struct sf_csv_row *sf_bulk_query_columns(const struct sf_bulk_query *q)
{
	return q->columns;
}

long sf_bulk_query_records(const struct sf_bulk_query *q)
{
	return q->records;
}

unsigned sf_bulk_query_pages(const struct sf_bulk_query *q)
{
	return q->pages;
}

void sf_bulk_query_close(struct sf_bulk_query *q)
{
	if (!q)
		return;
	if (q->page != q->columns_csv)
		sf_csv_free(q->page);
	sf_csv_free(q->columns_csv);
	g_free(q->object);
	g_free(q->job_id);
	g_free(q->locator);
	g_free(q);
}
