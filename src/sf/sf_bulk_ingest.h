/*
 * sf_bulk_ingest: writing many records with a Bulk API 2.0 ingest job.
 *
 *   POST  /services/data/vXX.X/jobs/ingest          {"object", "operation", ...}
 *   PUT   /services/data/vXX.X/jobs/ingest/{id}/batches   the CSV (text/csv)
 *   PATCH /services/data/vXX.X/jobs/ingest/{id}      {"state": "UploadComplete"}
 *   GET   /services/data/vXX.X/jobs/ingest/{id}      until JobComplete / Failed / Aborted
 *   GET   .../successfulResults/, .../failedResults/, .../unprocessedrecords/
 *
 * The CSV has a header row of field API names ("Id" for update and delete,
 * the external id field for upsert) and one row per record; build it with
 * sf_csv_write_row(). "#N/A" as a value sets the field to null. Result rows
 * come in no particular order: match them to the input by a column (Id or
 * the external id), never by position. One upload holds at most 100 MB.
 */
#ifndef FORCEFS_SF_BULK_INGEST_H
#define FORCEFS_SF_BULK_INGEST_H

#include "sf_bulk.h"
#include "sf_client.h"
#include "sf_csv.h"
#include "sf_error.h"

#include <stddef.h>

enum sf_bulk_operation {
	SF_BULK_INSERT,
	SF_BULK_UPDATE,
	SF_BULK_UPSERT,
	SF_BULK_DELETE,
	SF_BULK_HARD_DELETE,
};

struct sf_bulk_ingest_results {
	char *job_id;
	long records_processed;	    /* numberRecordsProcessed */
	long records_failed;	    /* numberRecordsFailed */
	struct sf_csv *successful;  /* header "sf__Id","sf__Created",<columns>, then rows */
	struct sf_csv *failed;	    /* header "sf__Id","sf__Error",<columns>, then rows */
	struct sf_csv *unprocessed; /* header <columns>, then rows */
};

#define SF_BULK_MAX_UPLOAD_BYTES ((size_t)100 * 1000 * 1000)

/* Runs one ingest job over `csv` and waits for it (polling as sf_bulk.h
 * describes; `opts` may be NULL). `external_id_field` is needed for
 * SF_BULK_UPSERT and ignored otherwise. A job that fails as a whole is an
 * invalid_request error with the job's errorMessage; per-record failures are
 * rows of `failed`. When the upload or close fails the job is aborted. */
struct sf_error *sf_bulk_ingest(struct sf_client *client, const char *object,
				enum sf_bulk_operation op, const char *external_id_field,
				const char *csv, size_t csv_len, const struct sf_bulk_options *opts,
				struct sf_bulk_ingest_results **out);

void sf_bulk_ingest_results_free(struct sf_bulk_ingest_results *results);

#endif
