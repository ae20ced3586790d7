/*
 * record_parse: strict reading of what a person wrote into a record file.
 *
 * The content must be exactly one JSON object (RFC 8259) whose keys are non-empty,
 * unique strings. Nothing is lost on the way: numbers keep the exact text written (int8
 * extremes and long decimals survive, "1.0" stays "1.0"), strings are decoded to UTF-8.
 * Everything else is refused with a message a person can act on, naming the field and
 * the line and column where possible (docs/file-format.md lists them all):
 *
 *   empty file: expected a JSON object
 *   expected a JSON object, got an array
 *   invalid JSON at line 3, column 14: expected ',' or '}' after field "name", got '"'
 *   field "amount": invalid JSON at line 4, column 13: leading zeros are not allowed ...
 *   duplicate key "name" at line 7, column 3
 *   empty key "" at line 2, column 3
 *   field "description": text contains a NUL byte (\u0000) at line 5, column 20
 *   field "name": invalid UTF-8 at byte 120 (line 3, column 14)
 *   field "data": nesting deeper than 32 levels at line 3, column 70
 *
 * Lines and columns count from 1; a column counts characters (code points), a tab is one;
 * "byte N" counts bytes from 1, as cmp(1) does. Refused as well: content after the closing
 * '}' (whitespace is fine), NaN/Infinity and other bare words, single quotes, comments,
 * trailing commas, leading zeros and '+' in numbers, raw control characters inside strings,
 * invalid escapes, lone UTF-16 surrogates in \u escapes (pairs are decoded), and nesting
 * deeper than RECORD_PARSE_MAX_DEPTH. One UTF-8 byte order mark at the very start is
 * skipped, as RFC 8259 allows. No size limit is assumed (the caller enforces 1 MiB).
 *
 * Pure functions, no I/O, thread-safe.
 */
#ifndef FORCEFS_RECORD_PARSE_H
#define FORCEFS_RECORD_PARSE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* The record object is level 1; a value inside it may open levels 2 to 32. */
#define RECORD_PARSE_MAX_DEPTH 32

enum record_value_type {
	RECORD_VALUE_NULL,
	RECORD_VALUE_BOOL,
	RECORD_VALUE_NUMBER,
	RECORD_VALUE_STRING,
	RECORD_VALUE_ARRAY,
	RECORD_VALUE_OBJECT,
};

struct record_value {
	enum record_value_type type;
	bool boolean;	 /* RECORD_VALUE_BOOL: its value */
	bool is_integer; /* RECORD_VALUE_NUMBER: written without '.' and without exponent */
	/*
	 * NULL for null and booleans; otherwise NUL-terminated, `len` bytes:
	 *   RECORD_VALUE_NUMBER  the literal exactly as written ("-0", "1.50", "1E+3"); it
	 *                        always reads with record_number_read()
	 *   RECORD_VALUE_STRING  the decoded text, valid UTF-8 without NUL bytes
	 *   RECORD_VALUE_ARRAY,  canonical compact JSON: no whitespace, object keys sorted
	 *   RECORD_VALUE_OBJECT  by bytes, strings escaped as jq does, numbers as written
	 */
	char *text;
	size_t len;
};

struct record_field {
	char *key; /* decoded, non-empty, valid UTF-8 without NUL bytes */
	struct record_value value;
	unsigned int line; /* line where the value starts, for messages */
};

struct record_parsed {
	struct record_field *fields; /* in the order written */
	size_t nfields;
	GHashTable *index; /* private: key -> field, for record_parsed_find() */
};

#define RECORD_PARSE_ERROR (record_parse_error_quark())
GQuark record_parse_error_quark(void);

/* GError codes in RECORD_PARSE_ERROR; every one means "invalid content" (EINVAL). */
enum record_parse_error_code {
	RECORD_PARSE_ERROR_EMPTY,	  /* nothing but whitespace */
	RECORD_PARSE_ERROR_NOT_OBJECT,	  /* valid start of a JSON value that is not an object */
	RECORD_PARSE_ERROR_SYNTAX,	  /* not JSON, or JSON this parser refuses (see above) */
	RECORD_PARSE_ERROR_DUPLICATE_KEY, /* the same key twice in one object */
	RECORD_PARSE_ERROR_EMPTY_KEY,	  /* "" as a field name */
	RECORD_PARSE_ERROR_NUL,		  /* a NUL byte in a key or string, raw or \u0000 */
	RECORD_PARSE_ERROR_UTF8,	  /* bytes that are not UTF-8 */
	RECORD_PARSE_ERROR_TOO_DEEP,	  /* more than RECORD_PARSE_MAX_DEPTH levels */
};

/*
 * Parses `len` bytes at `data` (no NUL terminator needed; NUL bytes are refused).
 * Returns the record, to be freed with record_parsed_free(), or NULL with `error` set to
 * a RECORD_PARSE_ERROR whose message is one line, without errno and without a file name
 * (the caller prefixes it: `001xx...json: <message>`).
 */
struct record_parsed *record_parse(const char *data, size_t len, GError **error);

void record_parsed_free(struct record_parsed *record);

/* The field named `key`, or NULL. */
const struct record_field *record_parsed_find(const struct record_parsed *record, const char *key);

/* "null", "a boolean", "a number", "a string", "an array" or "an object", for messages
 * such as `expected a number, got a string`. */
const char *record_value_type_name(enum record_value_type type);

#endif
