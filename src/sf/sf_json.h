/*
 * sf_json: numbers from Salesforce answers checked where they enter.
 *
 * cJSON gives every number as a double; "1e300", "-5" or "2.5" reach us as easily as
 * "42". Casting such a double to an integer type is undefined behaviour when it does not
 * fit, so counts are range-checked here, once, before they become integers.
 */
#ifndef FORCEFS_SF_JSON_H
#define FORCEFS_SF_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>

/* The largest count accepted: 2^53, the last integer a double holds exactly. */
#define SF_JSON_COUNT_MAX 9007199254740992.0

/* True, setting *out, when `item` is a JSON number that is a whole count from 0 to
 * SF_JSON_COUNT_MAX; false (and *out untouched) for anything else: absent, not a
 * number, negative, fractional, NaN/infinite or too large. */
bool sf_json_count(const cJSON *item, long *out);

#endif
