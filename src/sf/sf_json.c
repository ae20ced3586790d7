#include "sf_json.h"

#include <math.h>

bool sf_json_count(const cJSON *item, long *out)
{
	if (!cJSON_IsNumber(item))
		return false;
	double v = item->valuedouble;
	if (!isfinite(v) || v < 0 || v > SF_JSON_COUNT_MAX || v != floor(v))
		return false;
	*out = (long)v;
	return true;
}
