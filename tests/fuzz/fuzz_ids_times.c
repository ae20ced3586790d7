/* libFuzzer target: Salesforce ids and datetimes, and the dates and times users write.
 * Every id that passes converts to 18 characters and compares equal to itself; every
 * datetime that parses formats back to the same milliseconds; any 8 bytes as a time in
 * milliseconds format without undefined behaviour. */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sf_id.h"
#include "sf_time.h"
#include "validate_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = g_strndup((const char *)data, size);
	char id18[SF_ID_BUF], restored[SF_ID_BUF], prefix[4];
	if (sf_id_is_valid(text)) {
		if (!sf_id_to_18(text, id18) || !sf_id_equal(text, id18) || !sf_id_is_valid(id18))
			abort();
		(void)sf_id_restore_case(id18, restored);
		(void)sf_id_key_prefix(text, prefix);
	}

	int64_t ms;
	char formatted[SF_TIME_BUF];
	if (sf_time_parse(text, &ms)) {
		int64_t again;
		if (!sf_time_format(ms, formatted) || !sf_time_parse(formatted, &again) ||
		    again != ms)
			abort();
	}
	if (size >= 8) {
		int64_t raw;
		memcpy(&raw, data, sizeof(raw));
		(void)sf_time_format(raw, formatted);
	}

	GString *sql = g_string_new(NULL), *why = g_string_new(NULL);
	(void)validate_time_date(text, sql, why);
	g_string_truncate(sql, 0);
	g_string_truncate(why, 0);
	(void)validate_time_time(text, sql, why);
	g_string_truncate(sql, 0);
	g_string_truncate(why, 0);
	(void)validate_time_timestamp(text, size % 2, sql, why);
	g_string_free(sql, TRUE);
	g_string_free(why, TRUE);
	g_free(text);
	return 0;
}
