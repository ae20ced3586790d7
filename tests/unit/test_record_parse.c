/*
 * Tests for record_parse: what is accepted, what every value becomes, and the exact
 * message of every refusal (record_parse.h, docs/file-format.md).
 */
#include "record_number.h"
#include "record_parse.h"
#include "record_render.h"

#include <glib.h>
#include <string.h>

/* --- helpers ------------------------------------------------------------------------- */

/* Parses exactly `len` bytes from a heap copy without a terminator, so ASan sees overreads. */
static struct record_parsed *parse_bytes(const char *data, size_t len, GError **error)
{
	char *copy = g_malloc(len ? len : 1);
	memcpy(copy, data, len);
	struct record_parsed *record = record_parse(copy, len, error);
	g_free(copy);
	return record;
}

static struct record_parsed *parse_ok(const char *json)
{
	g_autoptr(GError) error = NULL;
	struct record_parsed *record = parse_bytes(json, strlen(json), &error);

	g_assert_no_error(error);
	g_assert_nonnull(record);
	return record;
}

static void assert_refused_len(const char *data, size_t len, enum record_parse_error_code code,
			       const char *message)
{
	g_autoptr(GError) error = NULL;
	struct record_parsed *record = parse_bytes(data, len, &error);

	g_assert_null(record);
	g_assert_nonnull(error);
	g_assert_cmpstr(error->message, ==, message);
	g_assert_error(error, RECORD_PARSE_ERROR, (int)code);
	g_assert_null(strchr(error->message, '\n'));
}

static void assert_refused(const char *json, enum record_parse_error_code code, const char *message)
{
	assert_refused_len(json, strlen(json), code, message);
}

#define SYNTAX RECORD_PARSE_ERROR_SYNTAX

static const struct record_value *value_of(const struct record_parsed *record, const char *key)
{
	const struct record_field *field = record_parsed_find(record, key);

	g_assert_nonnull(field);
	return &field->value;
}

static void assert_text(const struct record_parsed *record, const char *key,
			enum record_value_type type, const char *text)
{
	const struct record_value *value = value_of(record, key);

	g_assert_cmpint(value->type, ==, type);
	g_assert_cmpstr(value->text, ==, text);
	g_assert_cmpuint(value->len, ==, strlen(text));
}

/* --- what is accepted -------------------------------------------------------------- */

static void test_fields_in_written_order_with_types(void)
{
	struct record_parsed *r = parse_ok("{\"z\": null, \"b\": true, \"a\": false, \"n\": 12, "
					   "\"s\": \"x\", \"l\": [], \"o\": {}}");

	g_assert_cmpuint(r->nfields, ==, 7);
	static const char *const keys[] = {"z", "b", "a", "n", "s", "l", "o"};
	static const enum record_value_type types[] = {
	    RECORD_VALUE_NULL,	 RECORD_VALUE_BOOL,  RECORD_VALUE_BOOL,	  RECORD_VALUE_NUMBER,
	    RECORD_VALUE_STRING, RECORD_VALUE_ARRAY, RECORD_VALUE_OBJECT,
	};
	for (size_t i = 0; i < r->nfields; i++) {
		g_assert_cmpstr(r->fields[i].key, ==, keys[i]);
		g_assert_cmpint(r->fields[i].value.type, ==, types[i]);
	}
	g_assert_null(value_of(r, "z")->text);
	g_assert_true(value_of(r, "b")->boolean);
	g_assert_false(value_of(r, "a")->boolean);
	g_assert_null(record_parsed_find(r, "missing"));
	record_parsed_free(r);
}

static void test_empty_object(void)
{
	struct record_parsed *r = parse_ok("{}");

	g_assert_cmpuint(r->nfields, ==, 0);
	record_parsed_free(r);
	r = parse_ok(" \t\r\n{ \n }\n\n");
	g_assert_cmpuint(r->nfields, ==, 0);
	record_parsed_free(r);
}

static void test_numbers_keep_exact_text(void)
{
	struct record_parsed *r = parse_ok("{\"a\": 1.50, \"b\": -0, \"c\": 1E+3, \"d\": 0.1e-5, "
					   "\"e\": 0, \"f\": -12, \"g\": 1e0}");

	assert_text(r, "a", RECORD_VALUE_NUMBER, "1.50");
	assert_text(r, "b", RECORD_VALUE_NUMBER, "-0");
	assert_text(r, "c", RECORD_VALUE_NUMBER, "1E+3");
	assert_text(r, "d", RECORD_VALUE_NUMBER, "0.1e-5");
	assert_text(r, "e", RECORD_VALUE_NUMBER, "0");
	assert_text(r, "f", RECORD_VALUE_NUMBER, "-12");
	assert_text(r, "g", RECORD_VALUE_NUMBER, "1e0");
	g_assert_false(value_of(r, "a")->is_integer);
	g_assert_true(value_of(r, "b")->is_integer);
	g_assert_false(value_of(r, "c")->is_integer);
	g_assert_true(value_of(r, "e")->is_integer);
	g_assert_true(value_of(r, "f")->is_integer);
	g_assert_false(value_of(r, "g")->is_integer);
	record_parsed_free(r);
}

static void test_int8_extremes_kept_exactly(void)
{
	struct record_parsed *r =
	    parse_ok("{\"max\": 9223372036854775807, \"min\": -9223372036854775808, "
		     "\"over\": 18446744073709551616, \"long\": 123456789012345678901234567890.5}");

	assert_text(r, "max", RECORD_VALUE_NUMBER, "9223372036854775807");
	assert_text(r, "min", RECORD_VALUE_NUMBER, "-9223372036854775808");
	assert_text(r, "over", RECORD_VALUE_NUMBER, "18446744073709551616");
	assert_text(r, "long", RECORD_VALUE_NUMBER, "123456789012345678901234567890.5");
	g_assert_true(value_of(r, "max")->is_integer);
	g_assert_true(value_of(r, "min")->is_integer);
	record_parsed_free(r);
}

static void test_strings_decoded(void)
{
	struct record_parsed *r =
	    parse_ok("{\"esc\": \"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\", "
		     "\"u\": \"\\u00e9\\u20AC\\ud83d\\ude00\\u0001\\u007f\", "
		     "\"raw\": \"caf\xc3\xa9 \xf0\x9f\x98\x80 \x7f\", \"empty\": \"\"}");

	assert_text(r, "esc", RECORD_VALUE_STRING, "q\" b\\ s/ \b\f\n\r\t");
	assert_text(r, "u", RECORD_VALUE_STRING, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x01\x7f");
	assert_text(r, "raw", RECORD_VALUE_STRING, "caf\xc3\xa9 \xf0\x9f\x98\x80 \x7f");
	assert_text(r, "empty", RECORD_VALUE_STRING, "");
	record_parsed_free(r);
}

static void test_keys_decoded(void)
{
	struct record_parsed *r = parse_ok("{\"a\\u0062c\": 1, \"\xc3\xa9\": 2, \"x\\ny\": 3}");

	g_assert_nonnull(record_parsed_find(r, "abc"));
	g_assert_nonnull(record_parsed_find(r, "\xc3\xa9"));
	g_assert_nonnull(record_parsed_find(r, "x\ny"));
	record_parsed_free(r);
}

static void test_nested_values_as_canonical_text(void)
{
	struct record_parsed *r =
	    parse_ok("{\"o\": { \"b\" : 1.50 , \"a\" : [ 1, \"x\\u000a\\/\", {\"z\": null, "
		     "\"y\": true} ], \"\": false }, \"l\": [ ], \"m\": [[[]], {}]}");

	assert_text(r, "o", RECORD_VALUE_OBJECT,
		    "{\"\":false,\"a\":[1,\"x\\n/\",{\"y\":true,\"z\":null}],\"b\":1.50}");
	assert_text(r, "l", RECORD_VALUE_ARRAY, "[]");
	assert_text(r, "m", RECORD_VALUE_ARRAY, "[[[]],{}]");
	record_parsed_free(r);
}

static void test_byte_order_mark_skipped(void)
{
	struct record_parsed *r = parse_ok("\xef\xbb\xbf{\"a\": 1}");

	assert_text(r, "a", RECORD_VALUE_NUMBER, "1");
	record_parsed_free(r);
	assert_refused("{\"a\": 1}\xef\xbb\xbf", SYNTAX,
		       "invalid JSON at line 1, column 9: expected nothing after the closing '}' "
		       "of the record, got '\xef\xbb\xbf'");
}

static void test_deepest_allowed_nesting_is_32(void)
{
	/* The record is level 1; 31 arrays inside the field make 32 levels. */
	GString *json = g_string_new("{\"a\": ");
	for (int i = 0; i < 31; i++)
		g_string_append_c(json, '[');
	for (int i = 0; i < 31; i++)
		g_string_append_c(json, ']');
	g_string_append_c(json, '}');

	struct record_parsed *r = parse_ok(json->str);
	g_assert_cmpint(value_of(r, "a")->type, ==, RECORD_VALUE_ARRAY);
	g_assert_cmpuint(value_of(r, "a")->len, ==, 62);
	record_parsed_free(r);
	g_string_free(json, TRUE);
}

static void test_value_type_names(void)
{
	g_assert_cmpstr(record_value_type_name(RECORD_VALUE_NULL), ==, "null");
	g_assert_cmpstr(record_value_type_name(RECORD_VALUE_BOOL), ==, "a boolean");
	g_assert_cmpstr(record_value_type_name(RECORD_VALUE_NUMBER), ==, "a number");
	g_assert_cmpstr(record_value_type_name(RECORD_VALUE_STRING), ==, "a string");
	g_assert_cmpstr(record_value_type_name(RECORD_VALUE_ARRAY), ==, "an array");
	g_assert_cmpstr(record_value_type_name(RECORD_VALUE_OBJECT), ==, "an object");
}

/* --- what is refused ---------------------------------------------------------------- */

static void test_refuses_empty_input(void)
{
	assert_refused("", RECORD_PARSE_ERROR_EMPTY, "empty file: expected a JSON object");
	assert_refused(" \n\t\r\n", RECORD_PARSE_ERROR_EMPTY, "empty file: expected a JSON object");
	assert_refused("\xef\xbb\xbf", RECORD_PARSE_ERROR_EMPTY,
		       "empty file: expected a JSON object");
}

static void test_refuses_what_is_not_an_object(void)
{
	const enum record_parse_error_code code = RECORD_PARSE_ERROR_NOT_OBJECT;

	assert_refused("[{\"a\": 1}]", code, "expected a JSON object, got an array");
	assert_refused("  \"text\"", code, "expected a JSON object, got a string");
	assert_refused("42", code, "expected a JSON object, got a number");
	assert_refused("-1", code, "expected a JSON object, got a number");
	assert_refused("true", code, "expected a JSON object, got true");
	assert_refused("false\n", code, "expected a JSON object, got false");
	assert_refused("null", code, "expected a JSON object, got null");
	assert_refused("nul", SYNTAX,
		       "invalid JSON at line 1, column 1: expected '{' (a JSON object), got 'n'");
	assert_refused("\n  <xml/>", SYNTAX,
		       "invalid JSON at line 2, column 3: expected '{' (a JSON object), got '<'");
}

static void test_refuses_trailing_garbage(void)
{
	assert_refused(
	    "{\"a\": 1}\n}", SYNTAX,
	    "invalid JSON at line 2, column 1: expected nothing after the closing '}' of "
	    "the record, got '}'");
	assert_refused(
	    "{}{}", SYNTAX,
	    "invalid JSON at line 1, column 3: expected nothing after the closing '}' of "
	    "the record, got '{'");
	assert_refused_len(
	    "{}\n\0", 4, SYNTAX,
	    "invalid JSON at line 2, column 1: expected nothing after the closing '}' "
	    "of the record, got a NUL byte");
}

static void test_refuses_duplicate_key(void)
{
	assert_refused("{\n  \"name\": \"a\",\n  \"x\": 1,\n  \"name\": \"b\"\n}",
		       RECORD_PARSE_ERROR_DUPLICATE_KEY,
		       "duplicate key \"name\" at line 4, column 3");
	assert_refused("{\"name\": 1, \"n\\u0061me\": 2}", RECORD_PARSE_ERROR_DUPLICATE_KEY,
		       "duplicate key \"name\" at line 1, column 13");
	assert_refused("{\"o\": {\"k\": 1, \"k\": 2}}", RECORD_PARSE_ERROR_DUPLICATE_KEY,
		       "field \"o\": duplicate key \"k\" at line 1, column 16");
}

static void test_refuses_empty_key(void)
{
	assert_refused("{\n  \"\": 1\n}", RECORD_PARSE_ERROR_EMPTY_KEY,
		       "empty key \"\" at line 2, column 3");
}

static void test_refuses_nul_in_text(void)
{
	assert_refused("{\n  \"description\": \"ab\\u0000c\"\n}", RECORD_PARSE_ERROR_NUL,
		       "field \"description\": text contains a NUL byte (\\u0000) at line 2, "
		       "column 21");
	assert_refused_len("{\"description\": \"a\0b\"}", 22, RECORD_PARSE_ERROR_NUL,
			   "field \"description\": text contains a NUL byte (\\u0000) at line 1, "
			   "column 19");
	assert_refused("{\"o\": [\"\\u0000\"]}", RECORD_PARSE_ERROR_NUL,
		       "field \"o\": text contains a NUL byte (\\u0000) at line 1, column 9");
}

static void test_refuses_nul_in_key(void)
{
	assert_refused("{\"a\\u0000b\": 1}", RECORD_PARSE_ERROR_NUL,
		       "key contains a NUL byte (\\u0000) at line 1, column 4");
}

static void test_refuses_invalid_utf8(void)
{
	assert_refused("{\n  \"name\": \"caf\xe9\"\n}", RECORD_PARSE_ERROR_UTF8,
		       "field \"name\": invalid UTF-8 at byte 17 (line 2, column 15)");
	assert_refused("{\"\xc3\xa9\xc3\": 1}", RECORD_PARSE_ERROR_UTF8,
		       "invalid UTF-8 at byte 5 (line 1, column 4)");
	assert_refused("{\"a\": \"\xed\xa0\x80\"}", RECORD_PARSE_ERROR_UTF8,
		       "field \"a\": invalid UTF-8 at byte 8 (line 1, column 8)");
	assert_refused("{\"a\": \"\xc0\xaf\"}", RECORD_PARSE_ERROR_UTF8,
		       "field \"a\": invalid UTF-8 at byte 8 (line 1, column 8)");
	assert_refused("{\"a\": 1 \xff}", RECORD_PARSE_ERROR_UTF8,
		       "invalid UTF-8 at byte 9 (line 1, column 9)");
	assert_refused("\xff{}", RECORD_PARSE_ERROR_UTF8,
		       "invalid UTF-8 at byte 1 (line 1, column 1)");
}

static void test_refuses_lone_surrogates(void)
{
	assert_refused("{\"a\": \"x\\ud800\"}", SYNTAX,
		       "field \"a\": invalid JSON at line 1, column 9: lone surrogate \\ud800 in a "
		       "string (no \\udc00-\\udfff after it)");
	assert_refused("{\"a\": \"\\ud800\\u0041\"}", SYNTAX,
		       "field \"a\": invalid JSON at line 1, column 8: lone surrogate \\ud800 in a "
		       "string (no \\udc00-\\udfff after it)");
	assert_refused("{\"a\": \"\\udc00\"}", SYNTAX,
		       "field \"a\": invalid JSON at line 1, column 8: lone surrogate \\udc00 in a "
		       "string (no \\ud800-\\udbff before it)");
	assert_refused("{\"a\": \"\\ud800\\ud800\"}", SYNTAX,
		       "field \"a\": invalid JSON at line 1, column 8: lone surrogate \\ud800 in a "
		       "string (no \\udc00-\\udfff after it)");
}

static void test_refuses_leading_zeros(void)
{
	assert_refused("{\"amount\": 007}", SYNTAX,
		       "field \"amount\": invalid JSON at line 1, column 12: leading zeros are not "
		       "allowed in numbers");
	assert_refused("{\"amount\": -01.5}", SYNTAX,
		       "field \"amount\": invalid JSON at line 1, column 12: leading zeros are not "
		       "allowed in numbers");
}

static void test_refuses_nan_and_infinity_literals(void)
{
	assert_refused("{\"x\": NaN}", SYNTAX,
		       "field \"x\": invalid JSON at line 1, column 7: NaN is not a JSON number "
		       "(write the string \"NaN\")");
	assert_refused(
	    "{\"x\": Infinity}", SYNTAX,
	    "field \"x\": invalid JSON at line 1, column 7: Infinity is not a JSON number "
	    "(write the string \"Infinity\")");
	assert_refused("{\"x\": -Infinity}", SYNTAX,
		       "field \"x\": invalid JSON at line 1, column 7: -Infinity is not a JSON "
		       "number (write it as a string)");
}

static void test_refuses_numbers_json_does_not_allow(void)
{
	assert_refused(
	    "{\"x\": +1}", SYNTAX,
	    "field \"x\": invalid JSON at line 1, column 7: numbers cannot start with '+'");
	assert_refused("{\"x\": .5}", SYNTAX,
		       "field \"x\": invalid JSON at line 1, column 7: numbers need a digit before "
		       "'.' (write 0.5, not .5)");
	assert_refused(
	    "{\"x\": 1.}", SYNTAX,
	    "field \"x\": invalid JSON at line 1, column 9: expected a digit after '.' in "
	    "a number");
	assert_refused("{\"x\": 1e}", SYNTAX,
		       "field \"x\": invalid JSON at line 1, column 9: expected a digit in the "
		       "exponent of a number");
	assert_refused("{\"x\": -}", SYNTAX,
		       "field \"x\": invalid JSON at line 1, column 8: expected a digit after '-'");
	assert_refused(
	    "{\"x\": 1e99999999999999999}", SYNTAX,
	    "field \"x\": invalid JSON at line 1, column 7: number exponent out of range");
	assert_refused("{\"x\": 0x1F}", SYNTAX,
		       "invalid JSON at line 1, column 8: expected ',' or '}' after field \"x\", "
		       "got 'x'");
}

static void test_refuses_raw_control_characters_in_strings(void)
{
	assert_refused("{\"x\": \"a\tb\"}", SYNTAX,
		       "field \"x\": invalid JSON at line 1, column 9: raw tab inside a string: "
		       "write it as \\t");
	assert_refused("{\"x\": \"a\nb\"}", SYNTAX,
		       "field \"x\": invalid JSON at line 1, column 9: line break inside a string: "
		       "write it as \\n, or add the missing closing '\"'");
	assert_refused(
	    "{\"x\": \"a\rb\"}", SYNTAX,
	    "field \"x\": invalid JSON at line 1, column 9: raw carriage return inside a "
	    "string: write it as \\r");
	assert_refused(
	    "{\"x\": \"a\x01\"}", SYNTAX,
	    "field \"x\": invalid JSON at line 1, column 9: raw control character U+0001 "
	    "inside a string: write it as \\u0001");
}

static void test_refuses_deeper_than_32_levels(void)
{
	GString *json = g_string_new("{\"data\": ");
	for (int i = 0; i < 32; i++)
		g_string_append_c(json, '[');
	for (int i = 0; i < 32; i++)
		g_string_append_c(json, ']');
	g_string_append_c(json, '}');

	assert_refused(json->str, RECORD_PARSE_ERROR_TOO_DEEP,
		       "field \"data\": nesting deeper than 32 levels at line 1, column 41");
	g_string_free(json, TRUE);

	/* Far deeper input is refused at the same point, without deep recursion. */
	json = g_string_new("{\"data\": ");
	for (int i = 0; i < 100000; i++)
		g_string_append(json, "{\"a\":");
	assert_refused(json->str, RECORD_PARSE_ERROR_TOO_DEEP,
		       "field \"data\": nesting deeper than 32 levels at line 1, column 165");
	g_string_free(json, TRUE);
}

static void test_refuses_missing_comma_naming_the_field(void)
{
	assert_refused(
	    "{\n  \"a\": 1,\n  \"name\": \"x\"   \"b\": 2\n}", SYNTAX,
	    "invalid JSON at line 3, column 17: expected ',' or '}' after field \"name\", "
	    "got '\"'");
	assert_refused("{\"o\": {\"k\": 1 \"j\": 2}}", SYNTAX,
		       "field \"o\": invalid JSON at line 1, column 15: expected ',' or '}' after "
		       "key \"k\", got '\"'");
	assert_refused("{\"l\": [1 2]}", SYNTAX,
		       "field \"l\": invalid JSON at line 1, column 10: expected ',' or ']' in an "
		       "array, got '2'");
	assert_refused("{\"a\" 1}", SYNTAX,
		       "invalid JSON at line 1, column 6: expected ':' after key \"a\", got '1'");
}

static void test_refuses_unfinished_record(void)
{
	assert_refused("{\n  \"a\": 1,\n", SYNTAX,
		       "invalid JSON at line 3, column 1: expected a key in double quotes, got the "
		       "end of the file");
	assert_refused(
	    "{\"a\": 1", SYNTAX,
	    "invalid JSON at line 1, column 8: expected ',' or '}' after field \"a\", got "
	    "the end of the file");
	assert_refused(
	    "{\"a\":", SYNTAX,
	    "field \"a\": invalid JSON at line 1, column 6: expected a value, got the end "
	    "of the file");
	assert_refused("{\"a\": \"text", SYNTAX,
		       "field \"a\": invalid JSON at line 1, column 7: unterminated string (the "
		       "closing '\"' is missing)");
	assert_refused("{\"a\": \"text\\", SYNTAX,
		       "field \"a\": invalid JSON at line 1, column 12: unterminated string (the "
		       "closing '\"' is missing)");
}

static void test_refuses_trailing_comma(void)
{
	assert_refused("{\"a\": 1,\n}", SYNTAX,
		       "invalid JSON at line 2, column 1: trailing comma before '}'");
	assert_refused("{\"a\": [1,]}", SYNTAX,
		       "field \"a\": invalid JSON at line 1, column 10: trailing comma before ']'");
	assert_refused(
	    "{,}", SYNTAX,
	    "invalid JSON at line 1, column 2: expected a key in double quotes, got ','");
}

static void test_refuses_single_quotes_and_bare_words(void)
{
	assert_refused(
	    "{'a': 1}", SYNTAX,
	    "invalid JSON at line 1, column 2: keys need double quotes, not single quotes");
	assert_refused("{a: 1}", SYNTAX,
		       "invalid JSON at line 1, column 2: keys need double quotes");
	assert_refused("{\"a\": 'x'}", SYNTAX,
		       "field \"a\": invalid JSON at line 1, column 7: strings need double quotes, "
		       "not single quotes");
	assert_refused("{\"a\": Prospect}", SYNTAX,
		       "field \"a\": invalid JSON at line 1, column 7: unexpected word 'Prospect' "
		       "(text values need double quotes)");
	assert_refused(
	    "{\"a\": True}", SYNTAX,
	    "field \"a\": invalid JSON at line 1, column 7: unexpected word 'True' (JSON "
	    "writes true in lower case)");
	assert_refused(
	    "{\"a\": NULL}", SYNTAX,
	    "field \"a\": invalid JSON at line 1, column 7: unexpected word 'NULL' (JSON "
	    "writes null in lower case)");
	assert_refused(
	    "{\"a\": nullx}", SYNTAX,
	    "field \"a\": invalid JSON at line 1, column 7: unexpected word 'nullx' (text "
	    "values need double quotes)");
	assert_refused("{\"a\": \xe2\x80\x9cx\xe2\x80\x9d}", SYNTAX,
		       "field \"a\": invalid JSON at line 1, column 7: expected a value, got "
		       "'\xe2\x80\x9c'");
}

static void test_refuses_comments(void)
{
	assert_refused("{\"a\": // note\n 1}", SYNTAX,
		       "field \"a\": invalid JSON at line 1, column 7: comments are not allowed in "
		       "JSON");
	assert_refused(
	    "{\"a\": 1 /* note */}", SYNTAX,
	    "invalid JSON at line 1, column 9: expected ',' or '}' after field \"a\", got "
	    "'/'");
}

static void test_refuses_bad_escapes(void)
{
	assert_refused(
	    "{\"a\": \"\\q\"}", SYNTAX,
	    "field \"a\": invalid JSON at line 1, column 8: invalid escape: '\\' followed "
	    "by 'q' in a string");
	assert_refused(
	    "{\"a\": \"\\x41\"}", SYNTAX,
	    "field \"a\": invalid JSON at line 1, column 8: invalid escape: '\\' followed "
	    "by 'x' in a string");
	assert_refused(
	    "{\"a\": \"\\u12\"}", SYNTAX,
	    "field \"a\": invalid JSON at line 1, column 8: invalid \\u escape: expected 4 "
	    "hex digits");
	assert_refused(
	    "{\"a\": \"\\U0041\"}", SYNTAX,
	    "field \"a\": invalid JSON at line 1, column 8: invalid escape: '\\' followed "
	    "by 'U' in a string");
}

static void test_columns_count_characters(void)
{
	/* "é" and "😀" are one column each, although 2 and 4 bytes. */
	assert_refused("{\"\xc3\xa9\": \"\xf0\x9f\x98\x80\" x}", SYNTAX,
		       "invalid JSON at line 1, column 11: expected ',' or '}' after field "
		       "\"\xc3\xa9\", got 'x'");
}

static void test_long_names_cut_in_messages(void)
{
	GString *json = g_string_new("{\"");
	for (int i = 0; i < 100; i++)
		g_string_append(json, "\xc3\xa9");
	g_string_append(json, "\": 1 2}");
	GString *name = g_string_new(NULL);
	for (int i = 0; i < 32; i++)
		g_string_append(name, "\xc3\xa9");
	g_autofree char *message =
	    g_strdup_printf("invalid JSON at line 1, column 108: expected ',' or '}' after field "
			    "\"%s\"..., got '2'",
			    name->str);

	assert_refused(json->str, SYNTAX, message);
	g_string_free(json, TRUE);
	g_string_free(name, TRUE);
}

/* --- round trips and robustness ----------------------------------------------------------- */

static void test_round_trip_render_then_parse(void)
{
	static const struct record_column columns[] = {
	    {"b", RECORD_KIND_BOOLEAN},	  {"d", RECORD_KIND_DATE},	 {"f", RECORD_KIND_FLOAT},
	    {"i", RECORD_KIND_INTEGER},	  {"imin", RECORD_KIND_INTEGER}, {"n", RECORD_KIND_NUMERIC},
	    {"nan", RECORD_KIND_FLOAT},	  {"null", RECORD_KIND_STRING},	 {"s", RECORD_KIND_STRING},
	    {"t", RECORD_KIND_TIMESTAMP},
	};
	static const char *const values[] = {
	    "t",
	    "2023-10-01",
	    "1e-07",
	    "9223372036854775807",
	    "-9223372036854775808",
	    "123.4500",
	    "NaN",
	    NULL,
	    "q\" \\ \x01\t\n caf\xc3\xa9 \xf0\x9f\x98\x80 \x7f",
	    "2023-10-01 12:34:56.5+00",
	};
	g_autoptr(GString) out = g_string_new(NULL);
	record_render(columns, G_N_ELEMENTS(columns), values, out);

	struct record_parsed *r = parse_ok(out->str);
	g_assert_cmpuint(r->nfields, ==, G_N_ELEMENTS(columns));
	for (size_t i = 0; i < r->nfields; i++)
		g_assert_cmpstr(r->fields[i].key, ==, columns[i].name);
	g_assert_true(value_of(r, "b")->type == RECORD_VALUE_BOOL && value_of(r, "b")->boolean);
	assert_text(r, "d", RECORD_VALUE_STRING, "2023-10-01");
	assert_text(r, "f", RECORD_VALUE_NUMBER, "1e-07");
	assert_text(r, "i", RECORD_VALUE_NUMBER, "9223372036854775807");
	assert_text(r, "imin", RECORD_VALUE_NUMBER, "-9223372036854775808");
	assert_text(r, "n", RECORD_VALUE_NUMBER, "123.45");
	assert_text(r, "nan", RECORD_VALUE_STRING, "NaN");
	g_assert_cmpint(value_of(r, "null")->type, ==, RECORD_VALUE_NULL);
	assert_text(r, "s", RECORD_VALUE_STRING, values[8]);
	assert_text(r, "t", RECORD_VALUE_STRING, "2023-10-01T12:34:56.500Z");
	record_parsed_free(r);
}

static void test_every_cut_short_record_refused(void)
{
	static const char json[] = "{\n  \"a\": [1, {\"b\": \"x\\u00e9\\ud83d\\ude00\"}],\n"
				   "  \"c\": -1.5e+10,\n  \"d\": true,\n  \"e\": null\n}\n";
	size_t complete = strlen(json) - 1; /* without the final newline it is still complete */

	for (size_t len = 0; len < complete; len++) {
		g_autoptr(GError) error = NULL;
		struct record_parsed *r = parse_bytes(json, len, &error);
		g_assert_null(r);
		g_assert_nonnull(error);
	}
	for (size_t len = complete; len <= strlen(json); len++) {
		g_autoptr(GError) error = NULL;
		struct record_parsed *r = parse_bytes(json, len, &error);
		g_assert_no_error(error);
		record_parsed_free(r);
	}
}

static void test_random_mutations_never_crash(void)
{
	static const char json[] =
	    "{\"a\": [1, {\"b\": \"x\\u00e9\\ud83d\\ude00\"}], \"c\": -1.5e+10, "
	    "\"d\": true, \"e\": null, \"f\": \"caf\xc3\xa9\"}";
	static const char alphabet[] = "{}[]\":,\\u0e9+-.tfn \n\x01\x80\xc3\xff";
	GRand *rand = g_rand_new_with_seed(99);

	for (int round = 0; round < 20000; round++) {
		char buf[sizeof(json)];
		memcpy(buf, json, sizeof(json));
		int changes = g_rand_int_range(rand, 1, 4);
		for (int i = 0; i < changes; i++)
			buf[g_rand_int_range(rand, 0, sizeof(json) - 1)] =
			    alphabet[g_rand_int_range(rand, 0, sizeof(alphabet) - 1)];

		g_autoptr(GError) error = NULL;
		struct record_parsed *r = parse_bytes(buf, sizeof(json) - 1, &error);
		if (r == NULL) {
			g_assert_nonnull(error);
			g_assert_null(strchr(error->message, '\n'));
			continue;
		}
		for (size_t i = 0; i < r->nfields; i++) {
			const struct record_value *v = &r->fields[i].value;
			g_assert_true(r->fields[i].key[0] != '\0');
			g_assert_true(g_utf8_validate(r->fields[i].key, -1, NULL));
			if (v->text != NULL) {
				g_assert_cmpuint(strlen(v->text), ==, v->len);
				g_assert_true(g_utf8_validate(v->text, (gssize)v->len, NULL));
			}
			struct record_number n;
			if (v->type == RECORD_VALUE_NUMBER)
				g_assert_true(record_number_read(v->text, v->len, &n));
		}
		record_parsed_free(r);
	}
	g_rand_free(rand);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/record_parse/fields_in_written_order_with_types",
			test_fields_in_written_order_with_types);
	g_test_add_func("/record_parse/empty_object", test_empty_object);
	g_test_add_func("/record_parse/numbers_keep_exact_text", test_numbers_keep_exact_text);
	g_test_add_func("/record_parse/int8_extremes_kept_exactly",
			test_int8_extremes_kept_exactly);
	g_test_add_func("/record_parse/strings_decoded", test_strings_decoded);
	g_test_add_func("/record_parse/keys_decoded", test_keys_decoded);
	g_test_add_func("/record_parse/nested_values_as_canonical_text",
			test_nested_values_as_canonical_text);
	g_test_add_func("/record_parse/byte_order_mark_skipped", test_byte_order_mark_skipped);
	g_test_add_func("/record_parse/deepest_allowed_nesting_is_32",
			test_deepest_allowed_nesting_is_32);
	g_test_add_func("/record_parse/value_type_names", test_value_type_names);
	g_test_add_func("/record_parse/refuses_empty_input", test_refuses_empty_input);
	g_test_add_func("/record_parse/refuses_what_is_not_an_object",
			test_refuses_what_is_not_an_object);
	g_test_add_func("/record_parse/refuses_trailing_garbage", test_refuses_trailing_garbage);
	g_test_add_func("/record_parse/refuses_duplicate_key", test_refuses_duplicate_key);
	g_test_add_func("/record_parse/refuses_empty_key", test_refuses_empty_key);
	g_test_add_func("/record_parse/refuses_nul_in_text", test_refuses_nul_in_text);
	g_test_add_func("/record_parse/refuses_nul_in_key", test_refuses_nul_in_key);
	g_test_add_func("/record_parse/refuses_invalid_utf8", test_refuses_invalid_utf8);
	g_test_add_func("/record_parse/refuses_lone_surrogates", test_refuses_lone_surrogates);
	g_test_add_func("/record_parse/refuses_leading_zeros", test_refuses_leading_zeros);
	g_test_add_func("/record_parse/refuses_nan_and_infinity_literals",
			test_refuses_nan_and_infinity_literals);
	g_test_add_func("/record_parse/refuses_numbers_json_does_not_allow",
			test_refuses_numbers_json_does_not_allow);
	g_test_add_func("/record_parse/refuses_raw_control_characters_in_strings",
			test_refuses_raw_control_characters_in_strings);
	g_test_add_func("/record_parse/refuses_deeper_than_32_levels",
			test_refuses_deeper_than_32_levels);
	g_test_add_func("/record_parse/refuses_missing_comma_naming_the_field",
			test_refuses_missing_comma_naming_the_field);
	g_test_add_func("/record_parse/refuses_unfinished_record", test_refuses_unfinished_record);
	g_test_add_func("/record_parse/refuses_trailing_comma", test_refuses_trailing_comma);
	g_test_add_func("/record_parse/refuses_single_quotes_and_bare_words",
			test_refuses_single_quotes_and_bare_words);
	g_test_add_func("/record_parse/refuses_comments", test_refuses_comments);
	g_test_add_func("/record_parse/refuses_bad_escapes", test_refuses_bad_escapes);
	g_test_add_func("/record_parse/columns_count_characters", test_columns_count_characters);
	g_test_add_func("/record_parse/long_names_cut_in_messages",
			test_long_names_cut_in_messages);
	g_test_add_func("/record_parse/round_trip_render_then_parse",
			test_round_trip_render_then_parse);
	g_test_add_func("/record_parse/every_cut_short_record_refused",
			test_every_cut_short_record_refused);
	g_test_add_func("/record_parse/random_mutations_never_crash",
			test_random_mutations_never_crash);

	return g_test_run();
}
