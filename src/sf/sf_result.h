/*
 * sf_result: the outcome of writing one record.
 *
 * Salesforce reports each record of a write as
 *     {"id": "001...", "success": true, "errors": [], "created": true}
 * or, for a record it refused (id missing or null),
 *     {"success": false, "errors": [{"statusCode", "message", "fields"}]}
 * "created" appears only for upserts (API 46.0 and later).
 */
#ifndef FORCEFS_SF_RESULT_H
#define FORCEFS_SF_RESULT_H

#include "sf_error.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

struct sf_record_result {
	bool success;
	char *id;    /* the record id, NULL when not reported */
	int created; /* 1 inserted, 0 updated, -1 not reported */
	size_t n_errors;
	struct sf_error *
	    *errors; /* why the record failed; kinds as in sf_error_from_record_error() */
};

/* Reads one result object into `out` (zeroed first). A bad_response error
 * when it is not an object, has no boolean "success", or failed without any
 * error entry. */
struct sf_error *sf_record_result_parse(const cJSON *item, struct sf_record_result *out);

/* The first error's message, or "" for a success: for logs and _hc_err. */
const char *sf_record_result_message(const struct sf_record_result *result);

/* Frees what `result` holds and zeroes it. */
void sf_record_result_clear(struct sf_record_result *result);

#endif
