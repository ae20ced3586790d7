/*
 * sf_bulk: Bulk API 2.0 query jobs, for initial loads of large objects.
 *
 *   POST /services/data/vXX.X/jobs/query  {"operation": "query" | "queryAll", "query": ...}
 *   GET  /services/data/vXX.X/jobs/query/{id}            until JobComplete (or Failed/Aborted)
 *   GET  /services/data/vXX.X/jobs/query/{id}/results[?locator=...&maxRecords=N]
 *        CSV pages; the Sforce-Locator header names the next page, "null" after the last
 *
 * sf_bulk_query_open() creates the job and waits for it, polling with a
 * backoff that starts at poll_initial_ms and doubles up to poll_max_ms.
 * Rows then come one at a time; every page repeats the header row, which
 * must stay the same. CSV cannot tell NULL from "": both come as "".
 */
#ifndef FORCEFS_SF_BULK_H
#define FORCEFS_SF_BULK_H

#include "sf_client.h"
#include "sf_csv.h"
#include "sf_error.h"

#include <stdbool.h>
#include <stddef.h>

struct sf_bulk_options {
	long poll_initial_ms; /* first wait between status checks; 0 means 500 ms */
	long poll_max_ms;     /* longest wait between checks; 0 means 10 s */
	long max_wait_ms;     /* give up (timeout error) after this long; 0 means 1 hour */
	long page_records;    /* maxRecords per results page; 0 leaves it to Salesforce */
};

struct sf_bulk_query;

/* Creates a query job (queryAll with include_deleted) and waits until it is
 * complete. A Failed or Aborted job is an invalid_request error carrying the
 * job's errorMessage; waiting longer than max_wait_ms is a timeout error.
 * `opts` may be NULL. */
struct sf_error *sf_bulk_query_open(struct sf_client *client, const char *soql,
				    bool include_deleted, const struct sf_bulk_options *opts,
				    struct sf_bulk_query **out);

/* The column names (API names from the header row), once the first page is
 * read: NULL before the first sf_bulk_query_next(). */
const struct sf_csv_row *sf_bulk_query_columns(const struct sf_bulk_query *query);

/* Sets *row to the next data row (valid until the next call), or NULL at the
 * end. Fetches the next results page when needed. */
struct sf_error *sf_bulk_query_next(struct sf_bulk_query *query, const struct sf_csv_row **row);

/* numberRecordsProcessed reported by the completed job. */
long sf_bulk_query_records(const struct sf_bulk_query *query);

/* Results pages fetched so far. */
unsigned sf_bulk_query_pages(const struct sf_bulk_query *query);

void sf_bulk_query_close(struct sf_bulk_query *query);

/* Polls GET <jobs_path>/<job_id> ("jobs/query" or
 * "jobs/ingest") with the backoff of `opts` (NULL: defaults) until the job is
 * JobComplete, then sets *job to its info (cJSON_Delete it). Failed/Aborted and
 * waiting too long are errors as for sf_bulk_query_open(). */
struct sf_error *sf_bulk_wait(struct sf_client *client, const char *jobs_path, const char *job_id,
			      const char *object, const struct sf_bulk_options *opts, cJSON **job);

/* A count from a job info ("numberRecordsProcessed"), or -1 when absent or not a whole
 * count from 0 to 2^53 (sf_json_count: "1e300" or -5 is not believed). */
long sf_bulk_job_count(const cJSON *job, const char *key);

/* True for a job id that may go into a URL path: 1..40 letters and digits. */
bool sf_bulk_is_job_id(const char *id);

#endif
