/*
 * record_render: turn one database row into the bytes of its record file.
 *
 * The layout is exactly what `jq -S .` prints for the same object: keys in byte
 * order, two-space indentation, one key per line, `"key": value`, a final newline;
 * an object without keys is `{}` and a newline. Values arrive as libpq text-format
 * strings (the session runs with DateStyle=ISO, TimeZone=UTC, extra_float_digits=1)
 * and are mapped by column kind (docs/contract.md §4, docs/file-format.md).
 *
 * Pure functions, no I/O, thread-safe, independent of the C locale. The same input
 * always gives the same bytes, and the output is always valid UTF-8 JSON.
 */
#ifndef FORCEFS_RECORD_RENDER_H
#define FORCEFS_RECORD_RENDER_H

#include <glib.h>
#include <stddef.h>

/* How a Postgres column is shown in JSON. */
enum record_kind {
	RECORD_KIND_STRING,    /* text, varchar, char, name: JSON string */
	RECORD_KIND_INTEGER,   /* int2, int4, int8, oid: JSON integer, digits as given */
	RECORD_KIND_FLOAT,     /* float4, float8: shortest round-trip number, jq layout */
	RECORD_KIND_NUMERIC,   /* numeric: exact decimal number, trailing zeros dropped */
	RECORD_KIND_BOOLEAN,   /* bool: true / false */
	RECORD_KIND_TIMESTAMP, /* timestamp, timestamptz: "2023-10-01T12:34:56Z" (UTC) */
	RECORD_KIND_DATE,      /* date: "2023-10-01" */
	RECORD_KIND_TIME,      /* time: "12:34:56" */
	RECORD_KIND_OTHER,     /* anything else: its text form as a JSON string */
};

/* Maps a Postgres type OID (pg_type.oid of a built-in type) to its kind; unknown and
 * extension types (citext, hstore...) are RECORD_KIND_OTHER, i.e. shown as strings. */
enum record_kind record_kind_of_type_oid(unsigned int type_oid);

struct record_column {
	const char *name; /* column name, shown as the key */
	enum record_kind kind;
};

/*
 * Appends the rendered record to `out`.
 * `columns` must already be sorted by name in byte order (strcmp) and hold only the
 * columns to show. `values[i]` is the text value of columns[i], or NULL for SQL NULL.
 * Values that do not parse as their kind are rendered as JSON strings of their text,
 * so nothing is ever lost or invented. In particular float NaN, Infinity and -Infinity
 * and numeric NaN (JSON has no such numbers) become the strings "NaN", "Infinity",
 * "-Infinity": the parser and validation must accept those strings back for float and
 * numeric columns. Timestamps that are infinite or BC stay their Postgres text.
 */
void record_render(const struct record_column *columns, size_t ncolumns, const char *const *values,
		   GString *out);

/*
 * Appends one value as record_render() shows it for a column of `kind`: `text` is the
 * libpq text form (NUL-terminated), or NULL for SQL NULL, which appends `null`.
 *   RECORD_KIND_INTEGER   "-9223372036854775808" -> -9223372036854775808
 *   RECORD_KIND_FLOAT     "1e-07" -> 1e-07, "100" -> 100, "-0" -> -0, "NaN" -> "NaN"
 *   RECORD_KIND_NUMERIC   "123.4500" -> 123.45, "10.000" -> 10, "NaN" -> "NaN"
 *   RECORD_KIND_BOOLEAN   "t" -> true, "f" -> false
 *   RECORD_KIND_TIMESTAMP "2023-10-01 12:34:56.12+00" -> "2023-10-01T12:34:56.120Z":
 *                         fraction padded to 3 digits, or to 6 when it has 4-6; "+00"
 *                         (or no offset) becomes "Z", any other offset "+HH:MM"
 *   others                the text as a JSON string ("12:34:56", "2023-10-01", uuids...)
 */
void record_render_value(enum record_kind kind, const char *text, GString *out);

/*
 * Appends `s` (`len` bytes, may hold NUL bytes) as a JSON string literal, quotes included,
 * escaping exactly as jq 1.6 does: \" \\ \b \f \n \r \t, other bytes below 0x20 and DEL as
 * \u00xx (lower-case hex); '/' and valid UTF-8 (U+2028 too) as is. Invalid UTF-8 becomes
 * U+FFFD the way jq replaces it: one U+FFFD per stray byte, per sequence cut short by a
 * non-continuation byte (which is kept), per overlong/surrogate/out-of-range sequence,
 * and one for a sequence cut short by the end of `s` (swallowing what is left).
 */
void record_render_string(const char *s, size_t len, GString *out);

#endif
