/* libFuzzer target: Bulk API CSV. What parses, written back as CSV (every field quoted,
 * RFC 4180), parses to the same rows; anything else is a one-line bad_response error. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_csv.h"
#include "sf_error.h"

static bool same(const struct sf_csv *a, const struct sf_csv *b)
{
	if (a->n_rows != b->n_rows)
		return false;
	for (size_t r = 0; r < a->n_rows; r++) {
		if (a->rows[r].n_fields != b->rows[r].n_fields)
			return false;
		for (size_t f = 0; f < a->rows[r].n_fields; f++)
			if (strcmp(a->rows[r].fields[f], b->rows[r].fields[f]) != 0)
				return false;
	}
	return true;
}

/* The product only reads CSV; this writer is the test's own. */
static void write_row(GString *out, char *const *fields, size_t n, char delimiter)
{
	for (size_t f = 0; f < n; f++) {
		if (f)
			g_string_append_c(out, delimiter);
		g_string_append_c(out, '"');
		for (const char *c = fields[f]; *c; c++) {
			if (*c == '"')
				g_string_append_c(out, '"');
			g_string_append_c(out, *c);
		}
		g_string_append_c(out, '"');
	}
	g_string_append(out, "\r\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const char delimiters[] = {',', ';', '\t', '|', '^', '`'};
	char delimiter = delimiters[data[0] % sizeof(delimiters)];
	struct sf_csv *csv = NULL;
	struct sf_error *err = sf_csv_parse((const char *)data + 1, size - 1, delimiter, &csv);
	if (err) {
		if (strchr(err->message, '\n'))
			abort();
		sf_error_free(err);
		return 0;
	}
	GString *out = g_string_new(NULL);
	for (size_t r = 0; r < csv->n_rows; r++)
		write_row(out, csv->rows[r].fields, csv->rows[r].n_fields, delimiter);
	struct sf_csv *again = NULL;
	err = sf_csv_parse(out->str, out->len, delimiter, &again);
	if (err || !same(csv, again)) {
		fprintf(stderr, "CSV does not read back:\n%s\n", out->str);
		abort();
	}
	sf_csv_free(again);
	sf_csv_free(csv);
	g_string_free(out, TRUE);
	return 0;
}
