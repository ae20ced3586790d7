/*
 * sf_query: SOQL queries through REST, page by page, as an iterator.
 *
 *   GET /services/data/vXX.X/query?q=...      (include_deleted = false)
 *   GET /services/data/vXX.X/queryAll?q=...   (include_deleted = true: also
 *                                              soft-deleted rows, IsDeleted = true)
 *   then GET {nextRecordsUrl} until "done" is true.
 *
 *     struct sf_query *q;
 *     err = sf_query_open(client, soql, true, 2000, &q);
 *     cJSON *rec;
 *     while (!err && !(err = sf_query_next(q, &rec)) && rec) {
 *             ... use rec, then cJSON_Delete(rec) ...
 *     }
 *     sf_query_close(q);
 *
 * Build the SOQL with sf_soql.h so values are quoted. The page size is asked
 * for with "Sforce-Query-Options: batchSize=N" (200..2000; Salesforce may send
 * other sizes). Records come as Salesforce sends them, "attributes" included.
 * A nextRecordsUrl is followed only when it is a path on the same instance
 * ("/services/data/..."), so a bad answer cannot send the token elsewhere.
 */
#ifndef FORCEFS_SF_QUERY_H
#define FORCEFS_SF_QUERY_H

#include "sf_client.h"
#include "sf_error.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

struct sf_query;

/* One page of a query answer, read by sf_query_page_parse(). */
struct sf_query_page {
	long total_size;      /* rows of the whole query */
	bool done;	      /* no pages after this one */
	const char *next_url; /* path of the next page, NULL when done; borrowed */
	cJSON *records;	      /* the "records" array; borrowed from the page */
};

/* Runs the query and fetches the first page. `batch_size` 0 leaves the page
 * size to Salesforce; other values are clamped to 200..2000. Errors carry
 * Salesforce's message (MALFORMED_QUERY, INVALID_FIELD, ...). */
struct sf_error *sf_query_open(struct sf_client *client, const char *soql, bool include_deleted,
			       int batch_size, struct sf_query **out);

/* Sets *record to the next record, which the caller owns (cJSON_Delete), or
 * to NULL when there are no more. Fetches the next page when needed; an error
 * leaves *record NULL and the iterator at the failed page. */
struct sf_error *sf_query_next(struct sf_query *query, cJSON **record);

/* totalSize reported by Salesforce for the whole query. */
long sf_query_total_size(const struct sf_query *query);

/* Pages fetched so far. */
unsigned sf_query_pages(const struct sf_query *query);

void sf_query_close(struct sf_query *query);

/* Checks the shape of a query answer page and points `out` into it. A
 * bad_response error when "records" is not a list of objects, "totalSize" or
 * "done" is missing, "totalSize" is not a whole count (0..2^53), or a page that is not done has no usable
 * "nextRecordsUrl". */
struct sf_error *sf_query_page_parse(cJSON *page, struct sf_query_page *out);

/* The object a SOQL query reads: the name after the first top-level FROM
 * ("Account" for "SELECT Id, (SELECT Id FROM Contacts) FROM Account"), as a
 * new string, or NULL when none is found. Used to count calls per object. */
char *sf_query_object(const char *soql);

#endif
