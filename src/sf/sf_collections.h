/*
 * sf_collections: writing up to 200 records in one call (sObject Collections).
 *
 *   create  POST   /composite/sobjects
 *   update  PATCH  /composite/sobjects                  (each record has "Id")
 *   upsert  PATCH  /composite/sobjects/{Obj}/{ExtField} (each record has ExtField)
 *   delete  DELETE /composite/sobjects?ids=...&allOrNone=...
 *
 * Records are a cJSON array of objects holding field values; "attributes"
 * {"type": object} is added to each (the caller's array is not changed).
 * With all_or_none false, each record succeeds or fails on its own; with it
 * true, one failure rolls back all (the others fail as rolled_back).
 *
 * The answer has one result per record, in request order. A call refused as
 * a whole (HTTP 400, 401 after re-login, 5xx, network, ...) is one error and
 * no results. Nothing is sent for more than SF_COLLECTIONS_MAX records, a
 * record that is not an object, an update without a valid Id, an upsert
 * record without its external id field, or a bad id to delete.
 */
#ifndef FORCEFS_SF_COLLECTIONS_H
#define FORCEFS_SF_COLLECTIONS_H

#include "sf_client.h"
#include "sf_error.h"
#include "sf_result.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#define SF_COLLECTIONS_MAX 200

struct sf_collection_results {
	size_t n;
	struct sf_record_result *results; /* n results, in request order */
};

struct sf_error *sf_collections_create(struct sf_client *client, const char *object,
				       const cJSON *records, bool all_or_none,
				       struct sf_collection_results **out);

struct sf_error *sf_collections_update(struct sf_client *client, const char *object,
				       const cJSON *records, bool all_or_none,
				       struct sf_collection_results **out);

/* Results carry created = 1 for inserted records and 0 for updated ones. */
struct sf_error *sf_collections_upsert(struct sf_client *client, const char *object,
				       const char *external_id_field, const cJSON *records,
				       bool all_or_none, struct sf_collection_results **out);

/* `object` only names the calls in the per-object count; may be NULL. */
struct sf_error *sf_collections_delete(struct sf_client *client, const char *object,
				       const char *const *ids, size_t n_ids, bool all_or_none,
				       struct sf_collection_results **out);

/* Reads a collections answer: an array of exactly `expected` results. */
struct sf_error *sf_collections_parse_results(const cJSON *json, size_t expected,
					      struct sf_collection_results **out);

void sf_collection_results_free(struct sf_collection_results *results);

#endif
