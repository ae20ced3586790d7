/*
 * record_parse: a strict recursive-descent JSON reader for one record file.
 * See record_parse.h for what is accepted and what each refusal says.
 */
#include "record_parse.h"

#include "record_number.h"
#include "record_render.h"

#include <stdarg.h>
#include <string.h>

G_DEFINE_QUARK(record - parse - error - quark, record_parse_error)

/* Names and values quoted in messages are cut after this many bytes. */
#define MESSAGE_NAME_MAX 64

struct parser {
	const char *data;
	size_t len;
	size_t pos;
	unsigned int line; /* line of `pos`, from 1 */
	size_t line_start; /* offset where that line starts */
	const char *field; /* top-level key whose value is being read, or NULL */
	GError **error;
};

static int peek(const struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->data[p->pos] : -1;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_letter(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void skip_whitespace(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->data[p->pos];
		if (c == '\n') {
			p->line++;
			p->line_start = p->pos + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			break;
		}
		p->pos++;
	}
}

/* --- messages ------------------------------------------------------------------------- */

/* `name` as a JSON string, cut after MESSAGE_NAME_MAX bytes (on a character boundary). */
static char *quoted(const char *name, size_t len)
{
	GString *out = g_string_new(NULL);
	size_t shown = len;

	if (shown > MESSAGE_NAME_MAX) {
		shown = MESSAGE_NAME_MAX;
		while (shown > 0 && ((unsigned char)name[shown] & 0xc0) == 0x80)
			shown--;
	}
	record_render_string(name, shown, out);
	if (shown < len)
		g_string_append(out, "...");
	return g_string_free(out, FALSE);
}

/* Column of `pos` on the current line: characters from the line start, counting from 1. */
static size_t column_of(const struct parser *p, size_t pos)
{
	size_t column = 1;

	for (size_t i = p->line_start; i < pos && i < p->len; i++) {
		if (((unsigned char)p->data[i] & 0xc0) != 0x80)
			column++;
	}
	return column;
}

/* Sets the error, prefixed with the field being read, if any. Always returns false. */
static bool fail(struct parser *p, enum record_parse_error_code code, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

static bool fail(struct parser *p, enum record_parse_error_code code, const char *format, ...)
{
	va_list args;
	GString *message = g_string_new(NULL);

	if (p->field != NULL) {
		g_autofree char *name = quoted(p->field, strlen(p->field));
		g_string_append_printf(message, "field %s: ", name);
	}
	va_start(args, format);
	g_string_append_vprintf(message, format, args);
	va_end(args);
	g_set_error_literal(p->error, RECORD_PARSE_ERROR, (int)code, message->str);
	g_string_free(message, TRUE);
	return false;
}

static bool syntax(struct parser *p, size_t pos, const char *format, ...) G_GNUC_PRINTF(3, 4);

static bool syntax(struct parser *p, size_t pos, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	g_autofree char *what = g_strdup_vprintf(format, args);
	va_end(args);
	return fail(p, RECORD_PARSE_ERROR_SYNTAX, "invalid JSON at line %u, column %zu: %s",
		    p->line, column_of(p, pos), what);
}

static bool fail_utf8(struct parser *p, size_t pos)
{
	return fail(p, RECORD_PARSE_ERROR_UTF8, "invalid UTF-8 at byte %zu (line %u, column %zu)",
		    pos + 1, p->line, column_of(p, pos));
}

static bool fail_nul(struct parser *p, size_t pos, bool in_key)
{
	return fail(p, RECORD_PARSE_ERROR_NUL,
		    "%s contains a NUL byte (\\u0000) at line %u, column %zu",
		    in_key ? "key" : "text", p->line, column_of(p, pos));
}

/* Length of the valid UTF-8 character at `pos` (its first byte >= 0x80), or 0. */
static size_t utf8_char_length(const struct parser *p, size_t pos)
{
	const char *at = p->data + pos;
	gunichar c = g_utf8_get_char_validated(at, (gssize)(p->len - pos));

	if (c == (gunichar)-1 || c == (gunichar)-2)
		return 0;
	return (size_t)g_utf8_skip[*(const guchar *)at];
}

/* What stands at `pos`, for "got ..." in messages. */
static char *describe(const struct parser *p, size_t pos)
{
	if (pos >= p->len)
		return g_strdup("the end of the file");
	unsigned char c = (unsigned char)p->data[pos];
	if (c == 0)
		return g_strdup("a NUL byte");
	if (c < 0x20 || c == 0x7f)
		return g_strdup_printf("control character U+%04X", c);
	if (c < 0x80)
		return g_strdup_printf("'%c'", c);
	return g_strdup_printf("'%.*s'", (int)utf8_char_length(p, pos), p->data + pos);
}

/* Refuses what stands at p->pos where `expected` should be. */
static bool unexpected(struct parser *p, const char *expected)
{
	int c = peek(p);

	if (c >= 0x80 && utf8_char_length(p, p->pos) == 0)
		return fail_utf8(p, p->pos);
	g_autofree char *got = describe(p, p->pos);
	return syntax(p, p->pos, "expected %s, got %s", expected, got);
}

/* --- strings ------------------------------------------------------------------------- */

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads the 4 hex digits after "\u" at `pos` into *unit. */
static bool read_hex4(const struct parser *p, size_t pos, unsigned int *unit)
{
	*unit = 0;
	if (p->len - pos < 4)
		return false;
	for (size_t i = 0; i < 4; i++) {
		int v = hex_value((unsigned char)p->data[pos + i]);
		if (v < 0)
			return false;
		*unit = *unit << 4 | (unsigned int)v;
	}
	return true;
}

/* Decodes the escape at p->pos (a backslash) and appends its UTF-8 to `out`. */
static bool scan_escape(struct parser *p, GString *out, bool in_key)
{
	static const char simple_from[] = "\"\\/bfnrt";
	static const char simple_to[] = "\"\\/\b\f\n\r\t";
	size_t at = p->pos;

	p->pos++;
	int c = peek(p);
	if (c < 0)
		return syntax(p, at, "unterminated string (the closing '\"' is missing)");
	const char *simple = c != 0 ? strchr(simple_from, c) : NULL;
	if (simple != NULL) {
		g_string_append_c(out, simple_to[simple - simple_from]);
		p->pos++;
		return true;
	}
	if (c != 'u') {
		if (c >= 0x80 && utf8_char_length(p, p->pos) == 0)
			return fail_utf8(p, p->pos);
		g_autofree char *got = describe(p, p->pos);
		return syntax(p, at, "invalid escape: '\\' followed by %s in a string", got);
	}

	unsigned int unit;
	if (!read_hex4(p, p->pos + 1, &unit))
		return syntax(p, at, "invalid \\u escape: expected 4 hex digits");
	p->pos += 5;
	gunichar cp = unit;
	if (unit >= 0xdc00 && unit <= 0xdfff)
		return syntax(p, at,
			      "lone surrogate \\u%04x in a string (no \\ud800-\\udbff before it)",
			      unit);
	if (unit >= 0xd800 && unit <= 0xdbff) {
		unsigned int low;
		if (p->len - p->pos < 6 || p->data[p->pos] != '\\' || p->data[p->pos + 1] != 'u' ||
		    !read_hex4(p, p->pos + 2, &low) || low < 0xdc00 || low > 0xdfff)
			return syntax(
			    p, at,
			    "lone surrogate \\u%04x in a string (no \\udc00-\\udfff after it)",
			    unit);
		p->pos += 6;
		cp = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
	}
	if (cp == 0)
		return fail_nul(p, at, in_key);
	char utf8[6];
	g_string_append_len(out, utf8, g_unichar_to_utf8(cp, utf8));
	return true;
}

/* How a raw control character inside a string is refused, and what to write instead. */
static bool refuse_control(struct parser *p, unsigned char c)
{
	if (c == '\n')
		return syntax(p, p->pos,
			      "line break inside a string: write it as \\n, or add the "
			      "missing closing '\"'");
	if (c == '\t')
		return syntax(p, p->pos, "raw tab inside a string: write it as \\t");
	if (c == '\r')
		return syntax(p, p->pos, "raw carriage return inside a string: write it as \\r");
	return syntax(p, p->pos,
		      "raw control character U+%04X inside a string: write it as \\u%04x", c, c);
}

/* Reads the string whose opening '"' is at p->pos, decoded, into `out`. */
static bool scan_string(struct parser *p, GString *out, bool in_key)
{
	size_t start = p->pos;

	p->pos++;
	for (;;) {
		size_t run = p->pos;
		while (p->pos < p->len) {
			unsigned char c = (unsigned char)p->data[p->pos];
			if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
				break;
			p->pos++;
		}
		g_string_append_len(out, p->data + run, (gssize)(p->pos - run));

		int c = peek(p);
		if (c < 0)
			return syntax(p, start,
				      "unterminated string (the closing '\"' is missing)");
		if (c == '"') {
			p->pos++;
			return true;
		}
		if (c == '\\') {
			if (!scan_escape(p, out, in_key))
				return false;
		} else if (c >= 0x80) {
			size_t n = utf8_char_length(p, p->pos);
			if (n == 0)
				return fail_utf8(p, p->pos);
			g_string_append_len(out, p->data + p->pos, (gssize)n);
			p->pos += n;
		} else if (c == 0) {
			return fail_nul(p, p->pos, in_key);
		} else {
			return refuse_control(p, (unsigned char)c);
		}
	}
}

/* --- numbers and words --------------------------------------------------------------- */

/* Reads the number at p->pos (a '-' or a digit); its text is data[*start, p->pos). */
static bool scan_number(struct parser *p, size_t *start, bool *is_integer)
{
	*start = p->pos;
	if (peek(p) == '-')
		p->pos++;
	if (!is_digit(peek(p))) {
		if (is_letter(peek(p))) {
			size_t end = p->pos;
			while (end < p->len && end - *start < 32 && is_letter(p->data[end]))
				end++;
			return syntax(p, *start, "%.*s is not a JSON number (write it as a string)",
				      (int)(end - *start), p->data + *start);
		}
		return syntax(p, p->pos, "expected a digit after '-'");
	}
	if (peek(p) == '0') {
		p->pos++;
		if (is_digit(peek(p)))
			return syntax(p, *start, "leading zeros are not allowed in numbers");
	} else {
		while (is_digit(peek(p)))
			p->pos++;
	}
	*is_integer = true;
	if (peek(p) == '.') {
		*is_integer = false;
		p->pos++;
		if (!is_digit(peek(p)))
			return syntax(p, p->pos, "expected a digit after '.' in a number");
		while (is_digit(peek(p)))
			p->pos++;
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		*is_integer = false;
		p->pos++;
		if (peek(p) == '+' || peek(p) == '-')
			p->pos++;
		if (!is_digit(peek(p)))
			return syntax(p, p->pos, "expected a digit in the exponent of a number");
		while (is_digit(peek(p)))
			p->pos++;
	}
	struct record_number n;
	if (!record_number_read(p->data + *start, p->pos - *start, &n))
		return syntax(p, *start, "number exponent out of range");
	return true;
}

enum word { WORD_NULL, WORD_TRUE, WORD_FALSE };

/* Reads the bare word at p->pos (a letter): true, false or null, or refuses it. */
static bool scan_word(struct parser *p, enum word *word)
{
	static const char *const words[] = {"null", "true", "false"};
	size_t start = p->pos;

	while (is_letter(peek(p)) || is_digit(peek(p)) || peek(p) == '_')
		p->pos++;
	size_t len = p->pos - start;
	const char *text = p->data + start;
	for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
		if (len == strlen(words[i]) && memcmp(text, words[i], len) == 0) {
			*word = (enum word)i;
			return true;
		}
	}

	int shown = (int)MIN(len, 32);
	if ((len == 3 && memcmp(text, "NaN", 3) == 0) ||
	    (len == 8 && memcmp(text, "Infinity", 8) == 0))
		return syntax(p, start, "%.*s is not a JSON number (write the string \"%.*s\")",
			      shown, text, shown, text);
	for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
		if (len == strlen(words[i]) && g_ascii_strncasecmp(text, words[i], len) == 0)
			return syntax(p, start,
				      "unexpected word '%.*s' (JSON writes %s in lower case)",
				      shown, text, words[i]);
	}
	return syntax(p, start, "unexpected word '%.*s' (text values need double quotes)", shown,
		      text);
}

/* Refuses what stands where a value should start, with a hint for the usual mistakes. */
static bool refuse_value_start(struct parser *p)
{
	switch (peek(p)) {
	case '\'':
		return syntax(p, p->pos, "strings need double quotes, not single quotes");
	case '+':
		return syntax(p, p->pos, "numbers cannot start with '+'");
	case '.':
		return syntax(p, p->pos, "numbers need a digit before '.' (write 0.5, not .5)");
	case '/':
		return syntax(p, p->pos, "comments are not allowed in JSON");
	default:
		return unexpected(p, "a value");
	}
}

/* --- objects and arrays -------------------------------------------------------------- */

/*
 * Called for each member of an object with p->pos on its value (whitespace skipped);
 * reads the value. `key` is borrowed.
 */
typedef bool (*member_fn)(struct parser *p, unsigned int depth, const char *key, void *ctx);

/*
 * Reads the object whose '{' is at p->pos, at nesting level `depth` (the record is 1),
 * checking keys and punctuation, and hands each value to `member`.
 */
static bool parse_members(struct parser *p, unsigned int depth, member_fn member, void *ctx)
{
	const char *noun = depth == 1 ? "field" : "key";
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree char *last = NULL;

	p->pos++;
	skip_whitespace(p);
	if (peek(p) == '}') {
		p->pos++;
		return true;
	}
	for (;;) {
		if (peek(p) != '"') {
			if (peek(p) == '}')
				return syntax(p, p->pos, "trailing comma before '}'");
			if (peek(p) == '\'')
				return syntax(p, p->pos,
					      "keys need double quotes, not single quotes");
			if (is_letter(peek(p)))
				return syntax(p, p->pos, "keys need double quotes");
			return unexpected(p, "a key in double quotes");
		}

		size_t key_pos = p->pos;
		unsigned int key_line = p->line;
		g_autoptr(GString) key = g_string_new(NULL);
		if (!scan_string(p, key, true))
			return false;
		if (depth == 1 && key->len == 0)
			return fail(p, RECORD_PARSE_ERROR_EMPTY_KEY,
				    "empty key \"\" at line %u, column %zu", key_line,
				    column_of(p, key_pos));
		if (g_hash_table_contains(seen, key->str)) {
			g_autofree char *name = quoted(key->str, key->len);
			return fail(p, RECORD_PARSE_ERROR_DUPLICATE_KEY,
				    "duplicate key %s at line %u, column %zu", name, key_line,
				    column_of(p, key_pos));
		}
		g_hash_table_add(seen, g_strdup(key->str));

		skip_whitespace(p);
		if (peek(p) != ':') {
			g_autofree char *name = quoted(key->str, key->len);
			g_autofree char *expected = g_strdup_printf("':' after key %s", name);
			return unexpected(p, expected);
		}
		p->pos++;
		skip_whitespace(p);
		if (!member(p, depth, key->str, ctx))
			return false;
		g_free(last);
		last = quoted(key->str, key->len);

		skip_whitespace(p);
		if (peek(p) == ',') {
			p->pos++;
			skip_whitespace(p);
		} else if (peek(p) == '}') {
			p->pos++;
			return true;
		} else {
			g_autofree char *expected =
			    g_strdup_printf("',' or '}' after %s %s", noun, last);
			return unexpected(p, expected);
		}
	}
}

static bool parse_canonical(struct parser *p, unsigned int depth, GString *canon);

struct canonical_member {
	char *key;
	GString *value;
};

static void canonical_member_free(gpointer data)
{
	struct canonical_member *m = data;

	g_free(m->key);
	g_string_free(m->value, TRUE);
	g_free(m);
}

static gint canonical_member_compare(gconstpointer a, gconstpointer b)
{
	const struct canonical_member *x = *(struct canonical_member *const *)a;
	const struct canonical_member *y = *(struct canonical_member *const *)b;

	return strcmp(x->key, y->key);
}

static bool collect_canonical_member(struct parser *p, unsigned int depth, const char *key,
				     void *ctx)
{
	struct canonical_member *m = g_new0(struct canonical_member, 1);

	m->key = g_strdup(key);
	m->value = g_string_new(NULL);
	g_ptr_array_add(ctx, m);
	return parse_canonical(p, depth, m->value);
}

/* Refuses opening one more level at p->pos when `depth` levels are open already. */
static bool check_depth(struct parser *p, unsigned int depth)
{
	if (depth < RECORD_PARSE_MAX_DEPTH)
		return true;
	return fail(p, RECORD_PARSE_ERROR_TOO_DEEP,
		    "nesting deeper than %d levels at line %u, column %zu", RECORD_PARSE_MAX_DEPTH,
		    p->line, column_of(p, p->pos));
}

static bool parse_canonical_object(struct parser *p, unsigned int depth, GString *canon)
{
	g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func(canonical_member_free);

	if (!check_depth(p, depth) ||
	    !parse_members(p, depth + 1, collect_canonical_member, members))
		return false;
	g_ptr_array_sort(members, canonical_member_compare);
	g_string_append_c(canon, '{');
	for (guint i = 0; i < members->len; i++) {
		struct canonical_member *m = members->pdata[i];
		if (i > 0)
			g_string_append_c(canon, ',');
		record_render_string(m->key, strlen(m->key), canon);
		g_string_append_c(canon, ':');
		g_string_append_len(canon, m->value->str, (gssize)m->value->len);
	}
	g_string_append_c(canon, '}');
	return true;
}

static bool parse_canonical_array(struct parser *p, unsigned int depth, GString *canon)
{
	if (!check_depth(p, depth))
		return false;
	p->pos++;
	g_string_append_c(canon, '[');
	skip_whitespace(p);
	if (peek(p) == ']') {
		p->pos++;
		g_string_append_c(canon, ']');
		return true;
	}
	for (;;) {
		if (!parse_canonical(p, depth + 1, canon))
			return false;
		skip_whitespace(p);
		if (peek(p) == ']') {
			p->pos++;
			g_string_append_c(canon, ']');
			return true;
		}
		if (peek(p) != ',')
			return unexpected(p, "',' or ']' in an array");
		p->pos++;
		g_string_append_c(canon, ',');
		skip_whitespace(p);
		if (peek(p) == ']')
			return syntax(p, p->pos, "trailing comma before ']'");
	}
}

/*
 * Reads any value at p->pos, inside `depth` open levels, and appends its canonical compact
 * text to `canon`.
 */
static bool parse_canonical(struct parser *p, unsigned int depth, GString *canon)
{
	int c = peek(p);

	if (c == '{')
		return parse_canonical_object(p, depth, canon);
	if (c == '[')
		return parse_canonical_array(p, depth, canon);
	if (c == '"') {
		g_autoptr(GString) text = g_string_new(NULL);
		if (!scan_string(p, text, false))
			return false;
		record_render_string(text->str, text->len, canon);
		return true;
	}
	if (c == '-' || is_digit(c)) {
		size_t start;
		bool is_integer;
		if (!scan_number(p, &start, &is_integer))
			return false;
		g_string_append_len(canon, p->data + start, (gssize)(p->pos - start));
		return true;
	}
	if (is_letter(c)) {
		static const char *const names[] = {"null", "true", "false"};
		enum word word;
		if (!scan_word(p, &word))
			return false;
		g_string_append(canon, names[word]);
		return true;
	}
	return refuse_value_start(p);
}

/* --- the record ------------------------------------------------------------------------ */

static void field_clear(gpointer data)
{
	struct record_field *field = data;

	g_free(field->key);
	g_free(field->value.text);
}

static bool read_field_value(struct parser *p, struct record_value *value)
{
	int c = peek(p);

	if (c == '"') {
		GString *text = g_string_new(NULL);
		if (!scan_string(p, text, false)) {
			g_string_free(text, TRUE);
			return false;
		}
		value->type = RECORD_VALUE_STRING;
		value->len = text->len;
		value->text = g_string_free(text, FALSE);
	} else if (c == '-' || is_digit(c)) {
		size_t start;
		if (!scan_number(p, &start, &value->is_integer))
			return false;
		value->type = RECORD_VALUE_NUMBER;
		value->len = p->pos - start;
		value->text = g_strndup(p->data + start, value->len);
	} else if (c == '{' || c == '[') {
		GString *canon = g_string_new(NULL);
		if (!parse_canonical(p, 1, canon)) {
			g_string_free(canon, TRUE);
			return false;
		}
		value->type = c == '{' ? RECORD_VALUE_OBJECT : RECORD_VALUE_ARRAY;
		value->len = canon->len;
		value->text = g_string_free(canon, FALSE);
	} else if (is_letter(c)) {
		enum word word;
		if (!scan_word(p, &word))
			return false;
		value->type = word == WORD_NULL ? RECORD_VALUE_NULL : RECORD_VALUE_BOOL;
		value->boolean = word == WORD_TRUE;
	} else {
		return refuse_value_start(p);
	}
	return true;
}

static bool collect_field(struct parser *p, unsigned int depth, const char *key, void *ctx)
{
	GArray *fields = ctx;
	struct record_field field = {.key = g_strdup(key), .line = p->line};

	p->field = field.key;
	bool ok = read_field_value(p, &field.value);
	p->field = NULL;
	g_array_append_val(fields, field); /* also on failure, so that it is freed */
	return ok;
}

/* Refuses a first character that is not '{', naming the JSON value it starts if any. */
static bool refuse_not_object(struct parser *p)
{
	static const struct {
		char first;
		const char *word;
		const char *what;
	} starts[] = {
	    {'[', NULL, "an array"}, {'"', NULL, "a string"}, {'-', NULL, "a number"},
	    {'t', "true", "true"},   {'f', "false", "false"}, {'n', "null", "null"},
	};
	int c = peek(p);
	const char *rest = p->data + p->pos;
	size_t left = p->len - p->pos;

	if (is_digit(c))
		return fail(p, RECORD_PARSE_ERROR_NOT_OBJECT,
			    "expected a JSON object, got a number");
	for (size_t i = 0; i < G_N_ELEMENTS(starts); i++) {
		if (c != starts[i].first)
			continue;
		if (starts[i].word != NULL &&
		    (left < strlen(starts[i].word) ||
		     memcmp(rest, starts[i].word, strlen(starts[i].word)) != 0))
			break;
		return fail(p, RECORD_PARSE_ERROR_NOT_OBJECT, "expected a JSON object, got %s",
			    starts[i].what);
	}
	return unexpected(p, "'{' (a JSON object)");
}

struct record_parsed *record_parse(const char *data, size_t len, GError **error)
{
	struct parser p = {.data = data, .len = len, .line = 1, .error = error};

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		p.pos = p.line_start = 3;
	skip_whitespace(&p);
	if (p.pos == p.len) {
		fail(&p, RECORD_PARSE_ERROR_EMPTY, "empty file: expected a JSON object");
		return NULL;
	}
	if (peek(&p) != '{') {
		refuse_not_object(&p);
		return NULL;
	}

	GArray *fields = g_array_new(FALSE, TRUE, sizeof(struct record_field));
	g_array_set_clear_func(fields, field_clear);
	bool ok = parse_members(&p, 1, collect_field, fields);
	if (ok) {
		skip_whitespace(&p);
		if (p.pos < p.len)
			ok = unexpected(&p, "nothing after the closing '}' of the record");
	}
	if (!ok) {
		g_array_free(fields, TRUE);
		return NULL;
	}

	struct record_parsed *record = g_new0(struct record_parsed, 1);
	record->nfields = fields->len;
	record->fields = (struct record_field *)(void *)g_array_free(fields, FALSE);
	record->index = g_hash_table_new(g_str_hash, g_str_equal);
	for (size_t i = 0; i < record->nfields; i++)
		g_hash_table_insert(record->index, record->fields[i].key, &record->fields[i]);
	return record;
}

void record_parsed_free(struct record_parsed *record)
{
	if (record == NULL)
		return;
	for (size_t i = 0; i < record->nfields; i++)
		field_clear(&record->fields[i]);
	g_free(record->fields);
	g_hash_table_unref(record->index);
	g_free(record);
}

const struct record_field *record_parsed_find(const struct record_parsed *record, const char *key)
{
	return g_hash_table_lookup(record->index, key);
}

const char *record_value_type_name(enum record_value_type type)
{
	switch (type) {
	case RECORD_VALUE_NULL:
		return "null";
	case RECORD_VALUE_BOOL:
		return "a boolean";
	case RECORD_VALUE_NUMBER:
		return "a number";
	case RECORD_VALUE_STRING:
		return "a string";
	case RECORD_VALUE_ARRAY:
		return "an array";
	case RECORD_VALUE_OBJECT:
		return "an object";
	}
	return "a value";
}
