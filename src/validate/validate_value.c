/*
 * validate_value: one value against its column and its field metadata; the text Postgres
 * takes for it. See validate_value.h for the contract, docs/validation.md for the rules.
 */
#include "validate_value.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "record_number.h"
#include "record_render.h"
#include "validate_time.h"

/* Built-in type OIDs (src/include/catalog/pg_type.dat) that need more than their kind. */
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_OID		26
#define OID_FLOAT4	700
#define OID_TIMESTAMPTZ 1184

#define MESSAGE_VALUE_BYTES 60	/* a quoted value is cut after about this many bytes */
#define MESSAGE_NAME_BYTES  64	/* as record_parse cuts names */
#define MESSAGE_LIST_BYTES  160 /* picklist values listed in a message */

/* Postgres numeric limits: digits before and after the decimal point. */
#define NUMERIC_MAX_INTEGER_DIGITS 131072
#define NUMERIC_MAX_SCALE	   16383

/* --- messages ------------------------------------------------------------------- */

/* Appends the UTF-8 text `s` as a JSON string literal, cut after `limit` bytes of it. */
static void append_quoted(GString *out, const char *s, size_t len, size_t limit)
{
	GString *one = g_string_sized_new(16);
	size_t written = 0;
	g_string_append_c(out, '"');
	for (const char *p = s, *end = s + len; p < end;) {
		const char *next = g_utf8_next_char(p);
		g_string_truncate(one, 0);
		record_render_string(p, (size_t)(next - p), one);
		size_t body = one->len - 2; /* without the quotes record_render_string adds */
		if (written + body > limit) {
			g_string_append(out, "...");
			break;
		}
		g_string_append_len(out, one->str + 1, (gssize)body);
		written += body;
		p = next;
	}
	g_string_append_c(out, '"');
	g_string_free(one, TRUE);
}

void validate_append_name(GString *out, const char *name)
{
	append_quoted(out, name, strlen(name), MESSAGE_NAME_BYTES);
}

void validate_append_value(GString *out, const struct record_value *value)
{
	switch (value->type) {
	case RECORD_VALUE_NULL:
		g_string_append(out, "null");
		break;
	case RECORD_VALUE_BOOL:
		g_string_append(out, value->boolean ? "true" : "false");
		break;
	case RECORD_VALUE_NUMBER:
		if (value->len > MESSAGE_VALUE_BYTES) {
			g_string_append_len(out, value->text, MESSAGE_VALUE_BYTES);
			g_string_append(out, "...");
		} else {
			g_string_append(out, value->text);
		}
		break;
	case RECORD_VALUE_STRING:
		append_quoted(out, value->text, value->len, MESSAGE_VALUE_BYTES);
		break;
	case RECORD_VALUE_ARRAY:
	case RECORD_VALUE_OBJECT:
		g_string_append(out, record_value_type_name(value->type));
		break;
	}
}

/* Starts `field "name": ` (or `field "name"` when `colon` is false). */
static GString *message_start(const struct db_column *column, bool colon)
{
	GString *m = g_string_new("field ");
	validate_append_name(m, column->name);
	g_string_append(m, colon ? ": " : "");
	return m;
}

/* Sets `err` to the message, frees it, and returns -EINVAL. */
static int refuse(struct error *err, GString *message)
{
	error_set(err, EINVAL, "%s", message->str);
	g_string_free(message, TRUE);
	return -EINVAL;
}

/* `field "x": <value> <fmt...>` */
static int __attribute__((format(printf, 4, 5)))
refuse_value(struct error *err, const struct db_column *column, const struct record_value *value,
	     const char *fmt, ...)
{
	GString *m = message_start(column, true);
	validate_append_value(m, value);
	g_string_append_c(m, ' ');
	va_list ap;
	va_start(ap, fmt);
	g_string_append_vprintf(m, fmt, ap);
	va_end(ap);
	return refuse(err, m);
}

/* `field "x": expected <what>, got <value>` */
static int refuse_expected(struct error *err, const struct db_column *column,
			   const struct record_value *value, const char *what)
{
	GString *m = message_start(column, true);
	g_string_append_printf(m, "expected %s, got ", what);
	validate_append_value(m, value);
	return refuse(err, m);
}

/* --- numbers -------------------------------------------------------------------- */

static bool is_special_float(const struct record_value *value)
{
	return value->type == RECORD_VALUE_STRING &&
	       (strcmp(value->text, "NaN") == 0 || strcmp(value->text, "Infinity") == 0 ||
		strcmp(value->text, "-Infinity") == 0);
}

/*
 * Whether `n` rounded to `scale` decimals (half away from zero, as Postgres and Salesforce
 * round) is below 10^(precision - scale) in absolute value.
 */
static bool number_fits(const struct record_number *n, int precision, int scale)
{
	if (n->ndigits == 0)
		return true;
	long long exponent = n->exponent;  /* the value is below 10^exponent */
	long long keep = exponent + scale; /* significant digits at or above 10^-scale */
	if (keep < 0)
		return true; /* rounds to zero */
	if (keep < (long long)n->ndigits && record_number_digit(n, (size_t)keep) >= '5') {
		bool all_nines = true;
		for (long long i = 0; i < keep && all_nines; i++)
			all_nines = record_number_digit(n, (size_t)i) == '9';
		if (all_nines)
			exponent++; /* 99.96 -> 100.0 */
	}
	if (keep == 0 && record_number_digit(n, 0) < '5')
		return true; /* rounds to zero */
	return exponent <= (long long)precision - scale;
}

/* The precision and scale of a "numeric(p,s)" / "numeric(p)" column; false if none. */
static bool numeric_typmod(const struct db_column *column, int *precision, int *scale)
{
	int end = 0;
	if (!column->type_name)
		return false;
	*scale = 0;
	if (sscanf(column->type_name, "numeric(%d,%d)%n", precision, scale, &end) == 2 &&
	    column->type_name[end] == '\0')
		return true;
	end = 0;
	return sscanf(column->type_name, "numeric(%d)%n", precision, &end) == 1 &&
	       column->type_name[end] == '\0';
}

static const char *integer_type_name(unsigned int oid)
{
	switch (oid) {
	case OID_INT2:
		return "a smallint";
	case OID_INT8:
		return "a bigint";
	case OID_OID:
		return "an oid";
	default:
		return "an integer";
	}
}

/* Whether the integer text `digits` ("-123") is in the range of the column's type. */
static bool integer_in_range(unsigned int oid, const char *digits)
{
	errno = 0;
	if (oid == OID_OID) {
		guint64 v = g_ascii_strtoull(digits, NULL, 10);
		return digits[0] != '-' && errno == 0 && v <= G_MAXUINT32;
	}
	gint64 v = g_ascii_strtoll(digits, NULL, 10);
	if (errno != 0)
		return false;
	if (oid == OID_INT2)
		return v >= G_MININT16 && v <= G_MAXINT16;
	if (oid == OID_INT8)
		return true;
	return v >= G_MININT32 && v <= G_MAXINT32;
}

static int check_integer(const struct db_column *column, const struct record_value *value,
			 char **sql, struct error *err)
{
	struct record_number n;
	if (value->type != RECORD_VALUE_NUMBER || !record_number_read(value->text, value->len, &n))
		return refuse_expected(err, column, value, "an integer");
	if (n.ndigits > 0 && n.exponent < (long long)n.ndigits)
		return refuse_expected(err, column, value, "an integer");

	/* 20 digits hold every int8 and oid: more is out of range for all of them (and 1e999
	 * must not become a thousand zeros). */
	char *digits = NULL;
	if (n.ndigits == 0) {
		digits = g_strdup("0");
	} else if (n.exponent <= 20) {
		GString *s = g_string_new(n.negative ? "-" : "");
		for (size_t i = 0; i < n.ndigits; i++)
			g_string_append_c(s, record_number_digit(&n, i));
		for (long long i = (long long)n.ndigits; i < n.exponent; i++)
			g_string_append_c(s, '0');
		digits = g_string_free(s, FALSE);
	}
	if (!digits || !integer_in_range(column->type_oid, digits)) {
		g_free(digits);
		return refuse_value(err, column, value, "is out of range for %s",
				    integer_type_name(column->type_oid));
	}
	*sql = digits;
	return 0;
}

static int check_float(const struct db_column *column, const struct record_value *value, char **sql,
		       struct error *err)
{
	if (is_special_float(value)) {
		*sql = g_strdup(value->text);
		return 0;
	}
	struct record_number n;
	if (value->type != RECORD_VALUE_NUMBER || !record_number_read(value->text, value->len, &n))
		return refuse_expected(err, column, value, "a number");
	double v = g_ascii_strtod(value->text, NULL);
	bool is_real = column->type_oid == OID_FLOAT4;
	/* A real overflows from FLT_MAX + half an ulp up (2^128 - 2^103), and underflows when
	 * a number that is not zero rounds to zero, as Postgres's float4in/float8in say. */
	bool overflow = isinf(v) || (is_real && fabs(v) >= ldexp(1.0, 128) - ldexp(1.0, 103));
	bool zero = overflow ? false : is_real ? (float)v == 0.0f : v == 0.0;
	if (overflow || (zero && n.ndigits > 0))
		return refuse_value(err, column, value, "is out of range for %s",
				    is_real ? "real" : "double precision");
	*sql = g_strdup(value->text);
	return 0;
}

/* The plain positional text of `n` (no exponent), which every Postgres version reads. */
static char *plain_decimal(const struct record_number *n)
{
	GString *s = g_string_new(n->negative && n->ndigits > 0 ? "-" : "");
	if (n->ndigits == 0) {
		g_string_append_c(s, '0');
		return g_string_free(s, FALSE);
	}
	if (n->exponent <= 0) {
		g_string_append(s, "0.");
		for (long long i = n->exponent; i < 0; i++)
			g_string_append_c(s, '0');
	}
	for (size_t i = 0; i < n->ndigits; i++) {
		if (n->exponent > 0 && (long long)i == n->exponent)
			g_string_append_c(s, '.');
		g_string_append_c(s, record_number_digit(n, i));
	}
	for (long long i = (long long)n->ndigits; i < n->exponent; i++)
		g_string_append_c(s, '0');
	return g_string_free(s, FALSE);
}

static int check_numeric(const struct db_column *column, const struct record_value *value,
			 char **sql, struct error *err)
{
	if (is_special_float(value)) {
		*sql = g_strdup(value->text);
		return 0;
	}
	struct record_number n;
	if (value->type != RECORD_VALUE_NUMBER || !record_number_read(value->text, value->len, &n))
		return refuse_expected(err, column, value, "a number");
	if (n.ndigits > 0 && (n.exponent > NUMERIC_MAX_INTEGER_DIGITS ||
			      (long long)n.ndigits - n.exponent > NUMERIC_MAX_SCALE))
		return refuse_value(err, column, value, "is out of range for numeric");
	int precision, scale;
	if (numeric_typmod(column, &precision, &scale) && !number_fits(&n, precision, scale)) {
		if (precision - scale <= 0) /* numeric(2,3): below 0.1 */
			return refuse_value(err, column, value, "is too large for %s",
					    column->type_name);
		return refuse_value(
		    err, column, value,
		    "has too many digits before the decimal point: at most %d for %s",
		    precision - scale, column->type_name);
	}
	/* Text as written unless it has an exponent: Postgres before 16 refuses large ones. */
	bool has_exponent = strpbrk(value->text, "eE") != NULL;
	*sql = has_exponent ? plain_decimal(&n) : g_strdup(value->text);
	return 0;
}

/* Salesforce number fields (double, currency, percent) keep precision - scale digits
 * before the decimal point. */
static int check_salesforce_number(const struct db_column *column, const struct db_field *meta,
				   const struct record_value *value, struct error *err)
{
	struct record_number n;
	if (!meta || meta->precision <= 0 || value->type != RECORD_VALUE_NUMBER)
		return 0;
	if (strcmp(meta->type, "double") != 0 && strcmp(meta->type, "currency") != 0 &&
	    strcmp(meta->type, "percent") != 0)
		return 0;
	if (!record_number_read(value->text, value->len, &n) ||
	    number_fits(&n, meta->precision, meta->scale))
		return 0;
	return refuse_value(err, column, value,
			    "has too many digits before the decimal point: at most %d in "
			    "Salesforce (precision %d, scale %d)",
			    meta->precision - meta->scale, meta->precision, meta->scale);
}

/* --- dates and times ------------------------------------------------------------ */

static int check_time_kind(const struct db_column *column, enum record_kind kind,
			   const struct record_value *value, char **sql, struct error *err)
{
	static const char *const expected[] = {
	    [RECORD_KIND_DATE] = "a date like \"2023-10-01\"",
	    [RECORD_KIND_TIME] = "a time like \"12:34:56\"",
	    [RECORD_KIND_TIMESTAMP] = "a timestamp like \"2023-10-01T12:34:56Z\"",
	};
	static const char *const noun[] = {
	    [RECORD_KIND_DATE] = "date",
	    [RECORD_KIND_TIME] = "time",
	    [RECORD_KIND_TIMESTAMP] = "timestamp",
	};
	if (value->type != RECORD_VALUE_STRING)
		return refuse_expected(err, column, value, expected[kind]);

	GString *out = g_string_new(NULL);
	GString *why = g_string_new(NULL);
	bool ok;
	if (kind == RECORD_KIND_DATE)
		ok = validate_time_date(value->text, out, why);
	else if (kind == RECORD_KIND_TIME)
		ok = validate_time_time(value->text, out, why);
	else
		ok = validate_time_timestamp(value->text, column->type_oid == OID_TIMESTAMPTZ, out,
					     why);
	int rc = 0;
	if (ok)
		*sql = g_string_free(g_steal_pointer(&out), FALSE);
	else if (why->len == 0)
		rc = refuse_expected(err, column, value, expected[kind]);
	else
		rc =
		    refuse_value(err, column, value, "is not a valid %s: %s", noun[kind], why->str);
	if (out)
		g_string_free(out, TRUE);
	g_string_free(why, TRUE);
	return rc;
}

/* --- text and Salesforce text types --------------------------------------------- */

static bool is_type(const struct db_field *meta, const char *type)
{
	return meta && meta->type && strcmp(meta->type, type) == 0;
}

/* Salesforce's own email rule: local@domain, RFC 5322 atom characters, dotted labels. */
static bool is_email(const char *s)
{
	static const char local_extra[] = ".!#$%&'*+/=?^_`{|}~-";
	const char *at = strchr(s, '@');
	if (!at || at == s)
		return false;
	for (const char *p = s; p < at; p++) {
		if (!g_ascii_isalnum(*p) && !strchr(local_extra, *p))
			return false;
	}
	/* Labels of letters, digits and '-', not starting or ending with '-'; two or more. */
	size_t labels = 0;
	for (const char *p = at + 1;; p++) {
		const char *start = p;
		while (g_ascii_isalnum(*p) || *p == '-')
			p++;
		if (p == start || *start == '-' || p[-1] == '-')
			return false;
		labels++;
		if (*p == '\0')
			break;
		if (*p != '.')
			return false;
	}
	return labels >= 2;
}

/* A URL as Salesforce takes it (the scheme is optional): no spaces, no control chars. */
static const char *url_fault(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == ' ')
			return "contains a space";
		if (*p < 0x20 || *p == 0x7f)
			return "contains a control character";
	}
	return NULL;
}

static bool is_salesforce_id(const char *s, size_t len)
{
	if (len != 15 && len != 18)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isalnum(s[i]))
			return false;
	}
	return true;
}

static bool is_picklist_value(const struct db_field *meta, const char *s, size_t len)
{
	for (size_t i = 0; i < meta->npicklist_values; i++) {
		const char *v = meta->picklist_values[i];
		if (strlen(v) == len && memcmp(v, s, len) == 0)
			return true;
	}
	return false;
}

/* `field "x": "<item>" is not one of A, B, C` (the list cut to a line's worth). */
static int refuse_picklist(struct error *err, const struct db_column *column,
			   const struct db_field *meta, const char *item, size_t len)
{
	GString *m = message_start(column, true);
	append_quoted(m, item, len, MESSAGE_VALUE_BYTES);
	g_string_append(m, " is not one of ");
	size_t listed = 0, start = m->len;
	for (; listed < meta->npicklist_values; listed++) {
		const char *v = meta->picklist_values[listed];
		if (m->len - start + strlen(v) > MESSAGE_LIST_BYTES)
			break;
		g_string_append_printf(m, "%s%s", listed ? ", " : "", v);
	}
	if (listed < meta->npicklist_values)
		g_string_append_printf(m, "%s... (%zu values)", listed ? ", " : "",
				       meta->npicklist_values);
	if (meta->npicklist_values == 0)
		g_string_append(m, "the picklist's values: it has none");
	return refuse(err, m);
}

static const char *trim_spaces(const char *s, const char *end, const char **trimmed_end)
{
	while (s < end && *s == ' ')
		s++;
	while (end > s && end[-1] == ' ')
		end--;
	*trimmed_end = end;
	return s;
}

/* `field "x": "<value>" lists "<item>" twice` */
static int refuse_twice(struct error *err, const struct db_column *column,
			const struct record_value *value, const char *item, size_t len)
{
	GString *m = message_start(column, true);
	validate_append_value(m, value);
	g_string_append(m, " lists ");
	append_quoted(m, item, len, MESSAGE_VALUE_BYTES);
	g_string_append(m, " twice");
	return refuse(err, m);
}

/* Values separated by ';', each trimmed of spaces (as Salesforce reads them): none empty,
 * none twice, and each a picklist value when the picklist is restricted. */
static int check_multipicklist(const struct db_column *column, const struct db_field *meta,
			       const struct record_value *value, struct error *err)
{
	bool restricted = meta->restricted && meta->picklist_values;
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	int rc = 0;
	const char *end = value->text + value->len;
	for (const char *p = value->text; rc == 0 && p <= end;) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *item_end, *item = trim_spaces(p, semi ? semi : end, &item_end);
		size_t len = (size_t)(item_end - item);
		char *copy = g_strndup(item, len);
		if (len == 0)
			rc = refuse_value(err, column, value,
					  "has an empty value (values are separated by ';')");
		else if (g_hash_table_contains(seen, copy))
			rc = refuse_twice(err, column, value, copy, len);
		else if (restricted && !is_picklist_value(meta, item, len))
			rc = refuse_picklist(err, column, meta, item, len);
		g_hash_table_add(seen, copy);
		p = semi ? semi + 1 : end + 1;
	}
	g_hash_table_destroy(seen);
	return rc;
}

static int check_text(const struct db_column *column, const struct db_field *meta,
		      const struct record_value *value, char **sql, struct error *err)
{
	if (value->type != RECORD_VALUE_STRING)
		return refuse_expected(err, column, value, "a string");

	long limit = column->max_chars;
	if (meta && meta->length > 0 && (limit < 0 || meta->length < limit))
		limit = meta->length;
	if (limit >= 0) {
		long chars = g_utf8_strlen(value->text, (gssize)value->len);
		if (chars > limit) {
			GString *m = message_start(column, true);
			g_string_append_printf(m, "%ld characters, at most %ld", chars, limit);
			return refuse(err, m);
		}
	}

	/* Salesforce reads an empty string as null: no syntax to check. */
	if (meta && value->len > 0) {
		const char *fault;
		if (is_type(meta, "picklist") && meta->restricted && meta->picklist_values &&
		    !is_picklist_value(meta, value->text, value->len))
			return refuse_picklist(err, column, meta, value->text, value->len);
		if (is_type(meta, "multipicklist")) {
			int rc = check_multipicklist(column, meta, value, err);
			if (rc)
				return rc;
		}
		if (is_type(meta, "email") && !is_email(value->text))
			return refuse_value(err, column, value,
					    "is not an email address (name@example.com)");
		if (is_type(meta, "url") && (fault = url_fault(value->text)))
			return refuse_value(err, column, value, "is not a URL: it %s", fault);
		if ((is_type(meta, "reference") || is_type(meta, "id")) &&
		    !is_salesforce_id(value->text, value->len))
			return refuse_value(err, column, value,
					    "is not a Salesforce id (15 or 18 letters and digits)");
	}
	*sql = g_strndup(value->text, value->len);
	return 0;
}

/* --- one value ------------------------------------------------------------------ */

int validate_value(const struct db_column *column, const struct db_field *meta,
		   const struct record_value *value, char **sql, struct error *err)
{
	*sql = NULL;
	if (value->type == RECORD_VALUE_NULL) {
		if (column->not_null || (meta && !meta->nillable))
			return refuse(
			    err, g_string_append(message_start(column, false), " cannot be null"));
		return 0;
	}

	enum record_kind kind = record_kind_of_type_oid(column->type_oid);
	int rc;
	switch (kind) {
	case RECORD_KIND_STRING:
	case RECORD_KIND_OTHER:
		return check_text(column, meta, value, sql, err);
	case RECORD_KIND_INTEGER:
		return check_integer(column, value, sql, err);
	case RECORD_KIND_FLOAT:
		rc = check_salesforce_number(column, meta, value, err);
		return rc ? rc : check_float(column, value, sql, err);
	case RECORD_KIND_NUMERIC:
		rc = check_salesforce_number(column, meta, value, err);
		return rc ? rc : check_numeric(column, value, sql, err);
	case RECORD_KIND_BOOLEAN:
		if (value->type != RECORD_VALUE_BOOL)
			return refuse_expected(err, column, value, "true or false");
		*sql = g_strdup(value->boolean ? "true" : "false");
		return 0;
	case RECORD_KIND_DATE:
	case RECORD_KIND_TIME:
	case RECORD_KIND_TIMESTAMP:
		return check_time_kind(column, kind, value, sql, err);
	}
	return refuse_expected(err, column, value, "a value of a known type");
}
