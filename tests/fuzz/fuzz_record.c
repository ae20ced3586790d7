/* libFuzzer target: record files. Whatever is parsed renders back to JSON that parses to
 * the same fields; every value of every kind renders to JSON the parser accepts. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record_parse.h"
#include "record_render.h"

static void must_parse(const GString *json)
{
	GError *error = NULL;
	struct record_parsed *again = record_parse(json->str, json->len, &error);
	if (!again) {
		fprintf(stderr, "rendered text does not parse (%s):\n%s\n", error->message,
			json->str);
		abort();
	}
	record_parsed_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GError *error = NULL;
	struct record_parsed *record = record_parse((const char *)data, size, &error);
	g_clear_error(&error);
	if (record) {
		for (size_t i = 0; i < record->nfields; i++)
			if (record_parsed_find(record, record->fields[i].key) == NULL)
				abort();
		record_parsed_free(record);
	}

	/* The input's text as a value of every kind, as a column of a one-field record. */
	char *text = g_strndup((const char *)data, size);
	static const enum record_kind kinds[] = {
	    RECORD_KIND_STRING,	 RECORD_KIND_INTEGER,	RECORD_KIND_FLOAT,
	    RECORD_KIND_NUMERIC, RECORD_KIND_BOOLEAN,	RECORD_KIND_TIMESTAMP,
	};
	for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
		if (kinds[k] == RECORD_KIND_STRING && !g_utf8_validate(text, -1, NULL))
			continue; /* Postgres text is valid UTF-8 */
		struct record_column column = {.name = "f", .kind = kinds[k]};
		const char *values[] = {text};
		GString *out = g_string_new(NULL);
		record_render(&column, 1, values, out);
		if (g_utf8_validate(text, -1, NULL))
			must_parse(out);
		g_string_free(out, TRUE);
	}
	g_free(text);
	return 0;
}
