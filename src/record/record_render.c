/*
 * record_render: row text values -> record file bytes, in the layout of `jq -S .`.
 * See record_render.h for the contract and docs/file-format.md for examples.
 */
#include "record_render.h"

#include "record_number.h"

#include <math.h>
#include <string.h>

/* Built-in type OIDs (src/include/catalog/pg_type.dat); stable across Postgres versions. */
static const struct {
	unsigned int oid;
	enum record_kind kind;
} kind_by_oid[] = {
    {16, RECORD_KIND_BOOLEAN},	   /* bool */
    {18, RECORD_KIND_STRING},	   /* "char" */
    {19, RECORD_KIND_STRING},	   /* name */
    {20, RECORD_KIND_INTEGER},	   /* int8 */
    {21, RECORD_KIND_INTEGER},	   /* int2 */
    {23, RECORD_KIND_INTEGER},	   /* int4 */
    {25, RECORD_KIND_STRING},	   /* text */
    {26, RECORD_KIND_INTEGER},	   /* oid */
    {700, RECORD_KIND_FLOAT},	   /* float4 */
    {701, RECORD_KIND_FLOAT},	   /* float8 */
    {1042, RECORD_KIND_STRING},	   /* bpchar: char(n), padding kept */
    {1043, RECORD_KIND_STRING},	   /* varchar */
    {1082, RECORD_KIND_DATE},	   /* date */
    {1083, RECORD_KIND_TIME},	   /* time */
    {1114, RECORD_KIND_TIMESTAMP}, /* timestamp */
    {1184, RECORD_KIND_TIMESTAMP}, /* timestamptz */
    {1700, RECORD_KIND_NUMERIC},   /* numeric */
};

enum record_kind record_kind_of_type_oid(unsigned int type_oid)
{
	for (size_t i = 0; i < G_N_ELEMENTS(kind_by_oid); i++) {
		if (kind_by_oid[i].oid == type_oid)
			return kind_by_oid[i].kind;
	}
	return RECORD_KIND_OTHER;
}

/* --- strings -------------------------------------------------------------------- */

/* Sequence length announced by a UTF-8 lead byte, 0 for a byte that cannot lead. */
static size_t utf8_lead_length(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 0; /* continuation byte, C0, C1, F5..FF */
}

static bool is_continuation(unsigned char b)
{
	return (b & 0xc0) == 0x80;
}

/*
 * Looks at the multi-byte sequence starting at `p` (*p >= 0x80). Returns its length when
 * it is valid UTF-8; otherwise returns 0 and sets *bad to the number of bytes jq 1.6
 * replaces with one U+FFFD.
 */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end, size_t *bad)
{
	static const unsigned int min_by_length[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len = utf8_lead_length(*p);
	size_t avail = (size_t)(end - p);

	if (len == 0) {
		*bad = 1;
		return 0;
	}
	if (avail < len) {
		*bad = avail; /* cut short by the end: jq replaces all that is left */
		return 0;
	}
	unsigned int cp = *p & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if (!is_continuation(p[i])) {
			*bad = i; /* the non-continuation byte is read again on its own */
			return 0;
		}
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min_by_length[len] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
		*bad = len;
		return 0;
	}
	return len;
}

/* The escape jq writes for an ASCII byte, or NULL when it writes the byte itself. */
static const char *ascii_escape(unsigned char b)
{
	switch (b) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		return NULL;
	}
}

static bool is_plain_ascii(unsigned char b)
{
	return b >= 0x20 && b < 0x7f && b != '"' && b != '\\';
}

void record_render_string(const char *s, size_t len, GString *out)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;

	g_string_append_c(out, '"');
	while (p < end) {
		/* Copy the longest run that needs no escaping in one go. */
		const unsigned char *run = p;
		size_t bad = 0;
		while (p < end) {
			if (is_plain_ascii(*p)) {
				p++;
			} else if (*p >= 0x80) {
				size_t n = utf8_sequence(p, end, &bad);
				if (n == 0)
					break;
				p += n;
			} else {
				break;
			}
		}
		if (p > run)
			g_string_append_len(out, (const char *)run, p - run);
		if (p == end)
			break;

		if (*p >= 0x80) {
			g_string_append(out, "\xef\xbf\xbd"); /* U+FFFD */
			p += bad;
		} else {
			const char *escape = ascii_escape(*p);
			if (escape != NULL)
				g_string_append(out, escape);
			else
				g_string_append_printf(out, "\\u%04x", *p);
			p++;
		}
	}
	g_string_append_c(out, '"');
}

/* --- numbers, booleans ------------------------------------------------------------ */

static void render_text_as_string(const char *text, GString *out)
{
	record_render_string(text, strlen(text), out);
}

/*
 * Appends number text read by record_number_read() without the leading zeros JSON forbids
 * ("000" -> "0", "-0513E2" -> "-513E2", "007.5" -> "7.5"). Postgres never prints them, but
 * the output must be JSON whatever the column holds.
 */
static void append_number_text(const char *text, size_t len, GString *out)
{
	size_t i = 0;
	if (text[0] == '-')
		g_string_append_c(out, text[i++]);
	while (i + 1 < len && text[i] == '0' && g_ascii_isdigit(text[i + 1]))
		i++;
	g_string_append_len(out, text + i, (gssize)(len - i));
}

static void render_integer(const char *text, GString *out)
{
	struct record_number n;
	size_t len = strlen(text);

	if (record_number_read(text, len, &n) && n.is_integer)
		append_number_text(text, len, out);
	else
		render_text_as_string(text, out);
}

/*
 * Postgres 12+ prints the shortest round-trip digits, which pass through unchanged. Text
 * of more than 15 significant digits may not be shortest (an older server, a different
 * extra_float_digits), so it goes through a double.
 */
static void render_float(const char *text, GString *out)
{
	struct record_number n;
	size_t len = strlen(text);

	if (!record_number_read(text, len, &n)) {
		render_text_as_string(text, out); /* NaN, Infinity, -Infinity */
		return;
	}
	if (n.ndigits <= 15) {
		record_number_append_jq(&n, out);
		return;
	}
	double value = g_ascii_strtod(text, NULL);
	if (isfinite(value))
		record_number_append_double(value, out);
	else
		render_text_as_string(text, out);
}

/* Exact decimal: the text without trailing fractional zeros and without a bare '.'. */
static void render_numeric(const char *text, GString *out)
{
	struct record_number n;
	size_t len = strlen(text);

	if (!record_number_read(text, len, &n)) {
		render_text_as_string(text, out); /* NaN, Infinity, -Infinity */
		return;
	}
	if (strpbrk(text, "eE") == NULL && strchr(text, '.') != NULL) {
		while (text[len - 1] == '0')
			len--;
		if (text[len - 1] == '.')
			len--;
	}
	if (n.ndigits == 0 && n.negative)
		g_string_append_c(out, '0'); /* no "-0" for an exact zero */
	else
		append_number_text(text, len, out);
}

static void render_boolean(const char *text, GString *out)
{
	if (strcmp(text, "t") == 0)
		g_string_append(out, "true");
	else if (strcmp(text, "f") == 0)
		g_string_append(out, "false");
	else
		render_text_as_string(text, out);
}

/* --- timestamps ------------------------------------------------------------------- */

/* Counts the digits at `p`. */
static size_t digit_run(const char *p)
{
	size_t n = 0;

	while (p[n] >= '0' && p[n] <= '9')
		n++;
	return n;
}

/* True when `p` starts with the literal `shape`, where '9' stands for any digit. */
static bool matches_shape(const char *p, const char *shape)
{
	for (; *shape != '\0'; p++, shape++) {
		if (*shape == '9' ? !(*p >= '0' && *p <= '9') : *p != *shape)
			return false;
	}
	return true;
}

/*
 * ISO text "YYYY-MM-DD HH:MM:SS[.F{1,6}][±HH[:MM]]" (4 or more year digits) becomes
 * "YYYY-MM-DDTHH:MM:SS[.FFF|.FFFFFF]Z" or "...±HH:MM". Anything else (infinity, BC,
 * second-precision offsets) returns false.
 */
static bool render_iso_timestamp(const char *text, GString *out)
{
	size_t year = digit_run(text);
	if (year < 4 || !matches_shape(text + year, "-99-99 99:99:99"))
		return false;
	const char *p = text + year + 15;

	const char *fraction = NULL;
	size_t nfraction = 0;
	if (*p == '.') {
		fraction = p + 1;
		nfraction = digit_run(fraction);
		if (nfraction == 0 || nfraction > 6)
			return false;
		p = fraction + nfraction;
	}

	const char *offset = NULL;
	if (*p == '+' || *p == '-') {
		offset = p;
		if (matches_shape(p + 1, "99:99") && p[6] == '\0')
			;
		else if (matches_shape(p + 1, "99") && p[3] == '\0')
			;
		else
			return false;
	} else if (*p != '\0') {
		return false;
	}

	g_string_append_c(out, '"');
	g_string_append_len(out, text, (gssize)year + 6);
	g_string_append_c(out, 'T');
	g_string_append_len(out, text + year + 7, 8);
	if (fraction != NULL) {
		size_t width = nfraction <= 3 ? 3 : 6;
		g_string_append_c(out, '.');
		g_string_append_len(out, fraction, (gssize)nfraction);
		for (size_t i = nfraction; i < width; i++)
			g_string_append_c(out, '0');
	}
	if (offset == NULL || strcmp(offset, "+00") == 0 || strcmp(offset, "+00:00") == 0 ||
	    strcmp(offset, "-00") == 0 || strcmp(offset, "-00:00") == 0) {
		g_string_append_c(out, 'Z');
	} else {
		g_string_append_len(out, offset, 3);
		g_string_append(out, offset[3] == ':' ? offset + 3 : ":00");
	}
	g_string_append_c(out, '"');
	return true;
}

static void render_timestamp(const char *text, GString *out)
{
	if (!render_iso_timestamp(text, out))
		render_text_as_string(text, out);
}

/* --- records ---------------------------------------------------------------------- */

void record_render_value(enum record_kind kind, const char *text, GString *out)
{
	if (text == NULL) {
		g_string_append(out, "null");
		return;
	}
	switch (kind) {
	case RECORD_KIND_INTEGER:
		render_integer(text, out);
		break;
	case RECORD_KIND_FLOAT:
		render_float(text, out);
		break;
	case RECORD_KIND_NUMERIC:
		render_numeric(text, out);
		break;
	case RECORD_KIND_BOOLEAN:
		render_boolean(text, out);
		break;
	case RECORD_KIND_TIMESTAMP:
		render_timestamp(text, out);
		break;
	case RECORD_KIND_STRING:
	case RECORD_KIND_DATE:
	case RECORD_KIND_TIME:
	case RECORD_KIND_OTHER:
	default:
		render_text_as_string(text, out);
		break;
	}
}

void record_render(const struct record_column *columns, size_t ncolumns, const char *const *values,
		   GString *out)
{
	if (ncolumns == 0) {
		g_string_append(out, "{}\n");
		return;
	}
	g_string_append(out, "{\n");
	for (size_t i = 0; i < ncolumns; i++) {
		g_string_append(out, "  ");
		render_text_as_string(columns[i].name, out);
		g_string_append(out, ": ");
		record_render_value(columns[i].kind, values[i], out);
		g_string_append(out, i + 1 < ncolumns ? ",\n" : "\n");
	}
	g_string_append(out, "}\n");
}
