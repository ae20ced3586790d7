/*
 * sf_changes: which records changed or were deleted in a time window.
 *
 *   GET /services/data/vXX.X/sobjects/{Obj}/updated/?start=...&end=...
 *   GET /services/data/vXX.X/sobjects/{Obj}/deleted/?start=...&end=...
 *
 * Salesforce ignores the seconds of start and end, answers only for the last
 * 30 days (updated) or 15 days (deleted), needs a window of at least a
 * minute, and refuses windows with more than 600,000 ids (EXCEEDED_ID_LIMIT):
 * the sync engine narrows the window then. Use latest_date_covered as the
 * next start. Times are milliseconds since the epoch, UTC.
 */
#ifndef FORCEFS_SF_CHANGES_H
#define FORCEFS_SF_CHANGES_H

#include "sf_client.h"
#include "sf_error.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

struct sf_updated {
	size_t n_ids;
	char **ids;		     /* n_ids ids, then NULL */
	int64_t latest_date_covered; /* ms since the epoch */
};

struct sf_deleted_record {
	char *id;
	int64_t deleted_date; /* ms since the epoch */
};

struct sf_deleted {
	size_t n_records;
	struct sf_deleted_record *records;
	int64_t earliest_date_available; /* ms; 0 when absent */
	int64_t latest_date_covered;	 /* ms */
};

/* Ids of `object` records created or updated in [start, end). */
struct sf_error *sf_changes_updated(struct sf_client *client, const char *object, int64_t start_ms,
				    int64_t end_ms, struct sf_updated **out);

/* `object` records deleted in [start, end). */
struct sf_error *sf_changes_deleted(struct sf_client *client, const char *object, int64_t start_ms,
				    int64_t end_ms, struct sf_deleted **out);

/* Read the answer bodies; bad_response errors for a missing list, a non-id
 * entry, or a missing or unparseable latestDateCovered or deletedDate. */
struct sf_error *sf_changes_parse_updated(const cJSON *json, struct sf_updated **out);
struct sf_error *sf_changes_parse_deleted(const cJSON *json, struct sf_deleted **out);

void sf_updated_free(struct sf_updated *updated);
void sf_deleted_free(struct sf_deleted *deleted);

#endif
