/* libFuzzer target: every parser of a Salesforce REST answer. The first byte picks the
 * parser and the HTTP status; the rest is the body. An answer is either understood or an
 * sf_error with a one-line message; the token endpoint's
 * answers and the Bulk job counts included. */
#include <cjson/cJSON.h>
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sf_auth.h"
#include "sf_bulk.h"
#include "sf_changes.h"
#include "sf_collections.h"
#include "sf_describe.h"
#include "sf_error.h"
#include "sf_query.h"
#include "sf_result.h"

static void check(struct sf_error *err)
{
	if (!err)
		return;
	if (!err->message || strchr(err->message, '\n'))
		abort();
	sf_error_free(err);
}

static void parse_json_answer(int which, const cJSON *json)
{
	switch (which) {
	case 0: {
		struct sf_query_page page;
		check(sf_query_page_parse((cJSON *)json, &page));
		break;
	}
	case 1: {
		struct sf_describe_global *g = NULL;
		check(sf_describe_global_parse(json, &g));
		sf_describe_global_free(g);
		break;
	}
	case 2: {
		struct sf_object_describe *d = NULL;
		check(sf_describe_object_parse(json, &d));
		sf_object_describe_free(d);
		break;
	}
	case 3: {
		struct sf_updated *u = NULL;
		check(sf_changes_parse_updated(json, &u));
		sf_updated_free(u);
		struct sf_deleted *d = NULL;
		check(sf_changes_parse_deleted(json, &d));
		sf_deleted_free(d);
		break;
	}
	case 4: {
		struct sf_collection_results *r = NULL;
		check(sf_collections_parse_results(json, (size_t)cJSON_GetArraySize(json), &r));
		sf_collection_results_free(r);
		break;
	}
	case 5: {
		struct sf_record_result r = {0};
		check(sf_record_result_parse(json, &r));
		(void)sf_record_result_message(&r);
		sf_record_result_clear(&r);
		break;
	}
	default: {
		static const char *const keys[] = {"numberRecordsProcessed", "numberRecordsFailed"};
		for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
			if (sf_bulk_job_count(json, keys[i]) < -1)
				abort();
		if (cJSON_IsArray(json))
			check(sf_error_from_record_error(cJSON_GetArrayItem(json, 0), 400));
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const long statuses[] = {200, 201, 204, 300, 400, 401, 403, 404, 500, 503};
	long status = statuses[data[0] % G_N_ELEMENTS(statuses)];
	int which = data[0] / G_N_ELEMENTS(statuses) % 8;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	const char *type = data[0] & 0x80 ? "text/html" : "application/json";

	check(sf_error_from_http(status, type, body, len));

	struct sf_session *session = NULL;
	check(sf_auth_parse_token_response(status, type, body, len, &session));
	sf_session_free(session);

	cJSON *json = cJSON_ParseWithLength(body, len);
	if (json)
		parse_json_answer(which, json);
	cJSON_Delete(json);
	return 0;
}
