#include "sf_query.h"
#include "sf_json.h"

#include "sf_soql.h"

#include <glib.h>
#include <string.h>

#define MIN_BATCH 200
#define MAX_BATCH 2000

struct sf_query {
	struct sf_client *client;
	char *object;	    /* for call counting; may be NULL */
	char *batch_header; /* "Sforce-Query-Options: batchSize=N" or NULL */
	cJSON *page;	    /* the current page */
	struct sf_query_page cur;
	unsigned pages;
	long total_size;
};

static bool is_same_instance_path(const char *url)
{
	return g_str_has_prefix(url, "/services/data/") && !strstr(url, "..") &&
	       !strpbrk(url, " \t\r\n#");
}

struct sf_error *sf_query_page_parse(cJSON *page, struct sf_query_page *out)
{
	memset(out, 0, sizeof(*out));
	cJSON *records = cJSON_GetObjectItemCaseSensitive(page, "records");
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(page, "totalSize");
	const cJSON *done = cJSON_GetObjectItemCaseSensitive(page, "done");
	const cJSON *next = cJSON_GetObjectItemCaseSensitive(page, "nextRecordsUrl");
	if (!cJSON_IsObject(page) || !cJSON_IsArray(records) || !cJSON_IsNumber(total) ||
	    !cJSON_IsBool(done))
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "query answer lacks \"records\", \"totalSize\" or \"done\"");
	if (!sf_json_count(total, &out->total_size))
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "query answer's \"totalSize\" is not a whole count");
	const cJSON *rec;
	cJSON_ArrayForEach(rec, records)
	{
		if (!cJSON_IsObject(rec))
			return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
					    "query answer has a record that is not an object");
	}
	out->records = records;
	out->done = cJSON_IsTrue(done);
	if (!out->done) {
		if (!cJSON_IsString(next) || !is_same_instance_path(next->valuestring))
			return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
					    "query answer is not done but has no nextRecordsUrl "
					    "path on this instance");
		out->next_url = next->valuestring;
	}
	return NULL;
}

/* Skips a quoted SOQL literal starting at p; returns the char after it. */
static const char *skip_literal(const char *p)
{
	char q = *p++;
	while (*p && *p != q) {
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	return *p ? p + 1 : p;
}

char *sf_query_object(const char *soql)
{
	int depth = 0;
	for (const char *p = soql; p && *p;) {
		if (*p == '\'' || *p == '"') {
			p = skip_literal(p);
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		bool word_start = p == soql || g_ascii_isspace(p[-1]) || p[-1] == ')';
		if (depth == 0 && word_start && g_ascii_strncasecmp(p, "FROM", 4) == 0 &&
		    g_ascii_isspace(p[4])) {
			p += 4;
			while (g_ascii_isspace(*p))
				p++;
			const char *start = p;
			while (g_ascii_isalnum(*p) || *p == '_')
				p++;
			char *name = g_strndup(start, (gsize)(p - start));
			if (sf_soql_is_api_name(name))
				return name;
			g_free(name);
			return NULL;
		}
		p++;
	}
	return NULL;
}

/* Fetches a page (path and query, or a nextRecordsUrl) and makes it current. */
static struct sf_error *fetch(struct sf_query *q, const char *path, const char *query)
{
	const char *headers[] = {q->batch_header, NULL};
	struct sf_call call = {
	    .path = path,
	    .query = query,
	    .headers = q->batch_header ? headers : NULL,
	    .object = q->object,
	};
	cJSON *page;
	struct sf_error *err = sf_client_call_json(q->client, &call, &page, NULL);
	if (!err && !page)
		err = sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL, "query answer has no body");
	struct sf_query_page parsed;
	if (!err)
		err = sf_query_page_parse(page, &parsed);
	if (err) {
		cJSON_Delete(page);
		return err;
	}
	cJSON_Delete(q->page);
	q->page = page;
	q->cur = parsed;
	q->pages++;
	if (q->pages == 1)
		q->total_size = parsed.total_size;
	return NULL;
}

struct sf_error *sf_query_open(struct sf_client *client, const char *soql, bool include_deleted,
			       int batch_size, struct sf_query **out)
{
	*out = NULL;
	if (!soql || !*soql)
		return sf_error_new(SF_ERR_INVALID_REQUEST, 0, NULL, "query: empty SOQL");
	struct sf_query *q = g_new0(struct sf_query, 1);
	q->client = client;
	q->object = sf_query_object(soql);
	if (batch_size > 0)
		q->batch_header = g_strdup_printf("Sforce-Query-Options: batchSize=%d",
						  CLAMP(batch_size, MIN_BATCH, MAX_BATCH));
	char *escaped = g_uri_escape_string(soql, NULL, FALSE);
	char *query = g_strconcat("q=", escaped, NULL);
	struct sf_error *err = fetch(q, include_deleted ? "queryAll" : "query", query);
	g_free(query);
	g_free(escaped);
	if (err) {
		sf_error_prefix(err, "%s", include_deleted ? "queryAll" : "query");
		sf_query_close(q);
		return err;
	}
	*out = q;
	return NULL;
}

struct sf_error *sf_query_next(struct sf_query *q, cJSON **record)
{
	*record = NULL;
	while (!q->cur.records->child) { /* O(1), unlike cJSON_GetArraySize() */
		if (q->cur.done)
			return NULL;
		char *next = g_strdup(q->cur.next_url);
		struct sf_error *err = fetch(q, next, NULL);
		if (err)
			sf_error_prefix(err, "query page %u (%s)", q->pages + 1, next);
		g_free(next);
		if (err)
			return err;
	}
	*record = cJSON_DetachItemFromArray(q->cur.records, 0);
	return NULL;
}

long sf_query_total_size(const struct sf_query *q)
{
	return q->total_size;
}

unsigned sf_query_pages(const struct sf_query *q)
{
	return q->pages;
}

void sf_query_close(struct sf_query *q)
{
	if (!q)
		return;
	cJSON_Delete(q->page);
	g_free(q->object);
	g_free(q->batch_header);
	g_free(q);
}
