/*
 * sf_csv: parsing the CSV that Bulk API 2.0 returns (RFC 4180).
 *
 * Fields are separated by a delimiter (',' for COMMA), records by LF or CRLF.
 * A field in double quotes may contain delimiters, CR, LF and doubled quotes
 * ("" stands for one "). A final line ending is optional and does not make an
 * empty record. CSV cannot tell NULL from the empty string: both come back
 * as "". Writing quotes every field, so any text survives the round trip.
 */
#ifndef FORCEFS_SF_CSV_H
#define FORCEFS_SF_CSV_H

#include "sf_error.h"

#include <glib.h>
#include <stddef.h>

struct sf_csv_row {
	size_t n_fields;
	char **fields; /* n_fields NUL-terminated strings, then NULL */
};

struct sf_csv {
	size_t n_rows;
	struct sf_csv_row *rows;
};

/* Parses `len` bytes of `text`. Returns a bad_response error naming the line
 * for an unterminated quoted field, a quote inside an unquoted field, or text
 * right after a closing quote. */
struct sf_error *sf_csv_parse(const char *text, size_t len, char delimiter, struct sf_csv **out);

void sf_csv_free(struct sf_csv *csv);

#endif
