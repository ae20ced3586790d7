#include "sf_result.h"

#include <glib.h>
#include <string.h>

struct sf_error *sf_record_result_parse(const cJSON *item, struct sf_record_result *out)
{
	memset(out, 0, sizeof(*out));
	out->created = -1;
	const cJSON *success = cJSON_GetObjectItemCaseSensitive(item, "success");
	if (!cJSON_IsObject(item) || !cJSON_IsBool(success))
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "record result is not an object with a boolean \"success\"");
	const cJSON *errors = cJSON_GetObjectItemCaseSensitive(item, "errors");
	int n = cJSON_IsArray(errors) ? cJSON_GetArraySize(errors) : 0;
	if (!cJSON_IsTrue(success) && n == 0)
		return sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				    "record result says it failed but gives no error");
	out->success = cJSON_IsTrue(success);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
	out->id = cJSON_IsString(id) && id->valuestring[0] ? g_strdup(id->valuestring) : NULL;
	const cJSON *created = cJSON_GetObjectItemCaseSensitive(item, "created");
	if (cJSON_IsBool(created))
		out->created = cJSON_IsTrue(created) ? 1 : 0;
	out->errors = g_new0(struct sf_error *, n > 0 ? n : 1);
	const cJSON *e;
	if (n > 0) {
		cJSON_ArrayForEach(e, errors)
		{
			out->errors[out->n_errors++] = sf_error_from_record_error(e, 0);
		}
	}
	return NULL;
}

const char *sf_record_result_message(const struct sf_record_result *result)
{
	return result->n_errors ? result->errors[0]->message : "";
}

void sf_record_result_clear(struct sf_record_result *result)
{
	g_free(result->id);
	for (size_t i = 0; i < result->n_errors; i++)
		sf_error_free(result->errors[i]);
	g_free(result->errors);
	memset(result, 0, sizeof(*result));
	result->created = -1;
}
