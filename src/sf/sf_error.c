#include "sf_error.h"

#include <ctype.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Longest message kept from Salesforce; INVALID_FIELD messages echo whole queries. */
#define MAX_MESSAGE_CHARS 600
/* How much of an unexpected body is quoted in a bad_response message. */
#define QUOTE_CHARS 80
/* At most this many entries of a REST error array go into the message. */
#define MAX_JOINED_ERRORS 3

static const char *const kind_names[] = {
    [SF_ERR_AUTH] = "auth",
    [SF_ERR_SESSION_EXPIRED] = "session_expired",
    [SF_ERR_PERMISSION] = "permission",
    [SF_ERR_LIMIT_EXCEEDED] = "limit_exceeded",
    [SF_ERR_LOCK_ROW] = "lock_row",
    [SF_ERR_ROLLED_BACK] = "rolled_back",
    [SF_ERR_TRANSIENT_SERVER] = "transient_server",
    [SF_ERR_TIMEOUT] = "timeout",
    [SF_ERR_NETWORK] = "network",
    [SF_ERR_TLS] = "tls",
    [SF_ERR_BAD_RESPONSE] = "bad_response",
    [SF_ERR_NOT_FOUND] = "not_found",
    [SF_ERR_INVALID_REQUEST] = "invalid_request",
    [SF_ERR_CONFIG] = "config",
};

/* Error codes whose meaning decides the kind, whatever the HTTP status. */
static const struct {
	const char *code;
	enum sf_error_kind kind;
} code_kinds[] = {
    {"INVALID_SESSION_ID", SF_ERR_SESSION_EXPIRED},
    {"REQUEST_LIMIT_EXCEEDED", SF_ERR_LIMIT_EXCEEDED},
    {"rate_limit_exceeded", SF_ERR_LIMIT_EXCEEDED},
    {"UNABLE_TO_LOCK_ROW", SF_ERR_LOCK_ROW},
    {"ALL_OR_NONE_OPERATION_ROLLED_BACK", SF_ERR_ROLLED_BACK},
    {"PROCESSING_HALTED", SF_ERR_ROLLED_BACK},
    {"SERVER_UNAVAILABLE", SF_ERR_TRANSIENT_SERVER},
    {"NOT_FOUND", SF_ERR_NOT_FOUND},
    {"ENTITY_IS_DELETED", SF_ERR_NOT_FOUND},
};

const char *sf_error_kind_name(enum sf_error_kind kind)
{
	if ((size_t)kind < G_N_ELEMENTS(kind_names) && kind_names[kind])
		return kind_names[kind];
	return "unknown";
}

bool sf_error_is_transient(const struct sf_error *err)
{
	if (!err)
		return false;
	switch (err->kind) {
	case SF_ERR_LIMIT_EXCEEDED:
	case SF_ERR_LOCK_ROW:
	case SF_ERR_ROLLED_BACK:
	case SF_ERR_TRANSIENT_SERVER:
	case SF_ERR_TIMEOUT:
	case SF_ERR_NETWORK:
		return true;
	default:
		return false;
	}
}

/* Folds `text` into one printable line: control characters become spaces,
 * runs of whitespace collapse, the ends are trimmed, and the result is cut at
 * `max_chars` bytes (on a UTF-8 boundary) with "..." appended. Invalid UTF-8
 * bytes become '?'. Returns a new string. */
static char *one_line(const char *text, size_t len, size_t max_chars)
{
	GString *out = g_string_sized_new(len < max_chars ? len + 4 : max_chars + 4);
	bool pending_space = false;
	const char *p = text, *end = text + len;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f || c == ' ') {
			pending_space = out->len > 0;
			p++;
			continue;
		}
		size_t step = 1;
		if (c >= 0x80) {
			gunichar u = g_utf8_get_char_validated(p, end - p);
			if (u == (gunichar)-1 || u == (gunichar)-2) {
				c = '?';
			} else {
				step = (size_t)(g_utf8_next_char(p) - p);
			}
		}
		if (out->len + step + (pending_space ? 1 : 0) > max_chars) {
			g_string_append(out, "...");
			break;
		}
		if (pending_space)
			g_string_append_c(out, ' ');
		pending_space = false;
		if (c >= 0x80 && step > 1)
			g_string_append_len(out, p, (gssize)step);
		else
			g_string_append_c(out, (char)c);
		p += step;
	}
	return g_string_free(out, FALSE);
}

static char **empty_fields(void)
{
	return g_new0(char *, 1);
}

struct sf_error *sf_error_new(enum sf_error_kind kind, long http_status, const char *code,
			      const char *fmt, ...)
{
	struct sf_error *err = g_new0(struct sf_error, 1);
	err->kind = kind;
	err->http_status = http_status;
	err->code = code ? g_strdup(code) : NULL;
	va_list ap;
	va_start(ap, fmt);
	char *raw = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	err->message = one_line(raw, strlen(raw), 2 * MAX_MESSAGE_CHARS);
	g_free(raw);
	err->fields = empty_fields();
	return err;
}

void sf_error_free(struct sf_error *err)
{
	if (!err)
		return;
	g_free(err->code);
	g_free(err->message);
	g_strfreev(err->fields);
	g_free(err);
}

void sf_error_prefix(struct sf_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *context = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	char *joined = g_strdup_printf("%s: %s", context, err->message);
	g_free(context);
	g_free(err->message);
	err->message = joined;
}

static enum sf_error_kind kind_from_status(long status)
{
	if (status == 401)
		return SF_ERR_AUTH;
	if (status == 403)
		return SF_ERR_PERMISSION;
	if (status == 404 || status == 410)
		return SF_ERR_NOT_FOUND;
	if (status == 408)
		return SF_ERR_TIMEOUT;
	if (status == 429)
		return SF_ERR_LIMIT_EXCEEDED;
	if (status == 420 || status >= 500)
		return SF_ERR_TRANSIENT_SERVER;
	return SF_ERR_INVALID_REQUEST;
}

static enum sf_error_kind kind_from_code(const char *code, enum sf_error_kind fallback)
{
	if (!code)
		return fallback;
	for (size_t i = 0; i < G_N_ELEMENTS(code_kinds); i++)
		if (strcmp(code, code_kinds[i].code) == 0)
			return code_kinds[i].kind;
	return fallback;
}

static const char *json_string(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static char **fields_from_json(const cJSON *arr)
{
	GPtrArray *names = g_ptr_array_new();
	const cJSON *item;
	if (cJSON_IsArray(arr)) {
		cJSON_ArrayForEach(item, arr)
		{
			if (cJSON_IsString(item))
				g_ptr_array_add(names, g_strdup(item->valuestring));
		}
	}
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}

/* "<text> (<CODE>, HTTP <status>, fields: A, B)" with the empty parts left out. */
static char *compose_message(const char *text, const char *code, long status, char **fields)
{
	GString *s = g_string_new(text && *text ? text : "no message given");
	GString *tail = g_string_new(NULL);
	if (code && *code)
		g_string_append(tail, code);
	if (status > 0)
		g_string_append_printf(tail, "%sHTTP %ld", tail->len ? ", " : "", status);
	if (fields && fields[0]) {
		char *list = g_strjoinv(", ", fields);
		g_string_append_printf(tail, "%sfields: %s", tail->len ? ", " : "", list);
		g_free(list);
	}
	if (tail->len)
		g_string_append_printf(s, " (%s)", tail->str);
	g_string_free(tail, TRUE);
	char *line = one_line(s->str, s->len, 2 * MAX_MESSAGE_CHARS);
	g_string_free(s, TRUE);
	return line;
}

static struct sf_error *error_from_parts(long status, const char *code, const char *text,
					 char **fields, enum sf_error_kind fallback)
{
	struct sf_error *err = g_new0(struct sf_error, 1);
	err->kind = kind_from_code(code, fallback);
	err->http_status = status;
	err->code = code ? g_strdup(code) : NULL;
	err->fields = fields ? fields : empty_fields();
	char *clean = text ? one_line(text, strlen(text), MAX_MESSAGE_CHARS) : NULL;
	err->message = compose_message(clean, code, status, err->fields);
	g_free(clean);
	return err;
}

struct sf_error *sf_error_from_record_error(const cJSON *item, long http_status)
{
	if (!cJSON_IsObject(item))
		return sf_error_new(SF_ERR_BAD_RESPONSE, http_status, NULL,
				    "record error is not a JSON object");
	const char *code = json_string(item, "statusCode");
	if (!code)
		code = json_string(item, "errorCode");
	const char *text = json_string(item, "message");
	if (!code && !text)
		return sf_error_new(SF_ERR_BAD_RESPONSE, http_status, NULL,
				    "record error has neither a statusCode nor a message");
	char **fields = fields_from_json(cJSON_GetObjectItemCaseSensitive(item, "fields"));
	/* Per-record results come with HTTP 200; the status says nothing about the record. */
	long status = http_status >= 300 ? http_status : 0;
	return error_from_parts(status, code, text, fields, SF_ERR_INVALID_REQUEST);
}

/* [{"message","errorCode","fields"}, ...]: the first entry gives code and
 * fields, the messages of the first few entries are joined. */
static struct sf_error *from_rest_array(long status, const cJSON *arr)
{
	const cJSON *first = cJSON_GetArrayItem(arr, 0);
	const char *code = json_string(first, "errorCode");
	if (!code)
		code = json_string(first, "statusCode");
	GString *text = g_string_new(NULL);
	int n = cJSON_GetArraySize(arr), shown = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, arr)
	{
		const char *m = json_string(item, "message");
		if (!m || shown == MAX_JOINED_ERRORS)
			continue;
		g_string_append_printf(text, "%s%s", shown ? "; " : "", m);
		shown++;
	}
	if (n > shown && shown > 0)
		g_string_append_printf(text, "; and %d more", n - shown);
	char **fields = fields_from_json(cJSON_GetObjectItemCaseSensitive(first, "fields"));
	struct sf_error *err = error_from_parts(status, code, text->len ? text->str : NULL, fields,
						kind_from_status(status));
	g_string_free(text, TRUE);
	return err;
}

/* 300 Multiple Choices from an upsert: an array of record URLs. */
static struct sf_error *from_url_list(long status, const cJSON *arr)
{
	GString *text = g_string_new("the external id matches more than one record:");
	const cJSON *item;
	int shown = 0;
	cJSON_ArrayForEach(item, arr)
	{
		if (shown++ < MAX_JOINED_ERRORS)
			g_string_append_printf(text, " %s", item->valuestring);
	}
	if (shown > MAX_JOINED_ERRORS)
		g_string_append_printf(text, " and %d more", shown - MAX_JOINED_ERRORS);
	struct sf_error *err =
	    error_from_parts(status, "MULTIPLE_CHOICES", text->str, NULL, SF_ERR_INVALID_REQUEST);
	g_string_free(text, TRUE);
	return err;
}

static bool is_array_of(const cJSON *arr, cJSON_bool (*pred)(const cJSON *))
{
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return false;
	const cJSON *item;
	cJSON_ArrayForEach(item, arr)
	{
		if (!pred(item))
			return false;
	}
	return true;
}

/* The token endpoint documents only the OAuth envelope: with `oauth_only` any other shape
 * counts as no envelope (and is then never quoted). */
static struct sf_error *from_json_envelope(long status, const cJSON *json, bool oauth_only)
{
	if (oauth_only) {
		if (!cJSON_IsObject(json) || !json_string(json, "error"))
			return NULL;
	} else if (is_array_of(json, cJSON_IsObject)) {
		const cJSON *first = cJSON_GetArrayItem(json, 0);
		if (json_string(first, "errorCode") || json_string(first, "statusCode") ||
		    json_string(first, "message"))
			return from_rest_array(status, json);
	}
	if (!oauth_only && is_array_of(json, cJSON_IsString))
		return from_url_list(status, json);
	if (cJSON_IsObject(json)) {
		const char *oauth = json_string(json, "error");
		if (oauth) {
			const char *desc = json_string(json, "error_description");
			enum sf_error_kind fallback =
			    status >= 500 ? SF_ERR_TRANSIENT_SERVER : SF_ERR_AUTH;
			return error_from_parts(status, oauth, desc ? desc : oauth, NULL, fallback);
		}
		if (json_string(json, "errorCode") || json_string(json, "message")) {
			const char *code = json_string(json, "errorCode");
			char **fields =
			    fields_from_json(cJSON_GetObjectItemCaseSensitive(json, "fields"));
			return error_from_parts(status, code, json_string(json, "message"), fields,
						kind_from_status(status));
		}
	}
	return NULL;
}

static bool looks_like_html(const char *content_type, const char *body, size_t len)
{
	if (content_type && strstr(content_type, "html"))
		return true;
	size_t i = 0;
	while (i < len && isspace((unsigned char)body[i]))
		i++;
	return i < len && body[i] == '<';
}

/* The text of the first <title> element, one line, or NULL. */
static char *html_title(const char *body, size_t len)
{
	char *copy = g_strndup(body, len);
	char *lower = g_ascii_strdown(copy, -1);
	char *title = NULL;
	char *open = strstr(lower, "<title");
	char *gt = open ? strchr(open, '>') : NULL;
	char *close = gt ? strstr(gt, "</title") : NULL;
	if (close) {
		size_t start = (size_t)(gt + 1 - lower), stop = (size_t)(close - lower);
		title = one_line(copy + start, stop - start, QUOTE_CHARS);
		if (!*title) {
			g_free(title);
			title = NULL;
		}
	}
	g_free(lower);
	g_free(copy);
	return title;
}

/* Describes a body a person should see a glimpse of, without quoting much. */
static char *describe_body(const char *content_type, const char *body, size_t len, bool secret_body)
{
	if (!body || len == 0)
		return g_strdup("an empty body");
	if (looks_like_html(content_type, body, len)) {
		char *title = secret_body ? NULL : html_title(body, len);
		char *d = title ? g_strdup_printf("an HTML page titled \"%s\"", title)
				: g_strdup("an HTML page");
		g_free(title);
		return d;
	}
	if (secret_body)
		return g_strdup_printf("%zu bytes that are not valid JSON (not shown: they may "
				       "hold credentials)",
				       len);
	char *quote = one_line(body, len, QUOTE_CHARS);
	char *d = g_strdup_printf("\"%s\"", quote);
	g_free(quote);
	return d;
}

struct sf_error *sf_error_bad_response(long http_status, const char *content_type, const char *body,
				       size_t body_len, bool secret_body, const char *expected)
{
	char *what = describe_body(content_type, body, body_len, secret_body);
	struct sf_error *err;
	if (http_status > 0)
		err = sf_error_new(SF_ERR_BAD_RESPONSE, http_status, NULL,
				   "unexpected answer (HTTP %ld): expected %s, got %s", http_status,
				   expected, what);
	else
		err = sf_error_new(SF_ERR_BAD_RESPONSE, 0, NULL,
				   "unexpected answer: expected %s, got %s", expected, what);
	g_free(what);
	return err;
}

/* True when `body` starts like a JSON object or array and ends while a
 * string, object or array is still open: an answer cut off in transit. */
static bool looks_truncated(const char *body, size_t len)
{
	size_t i = 0;
	while (i < len && isspace((unsigned char)body[i]))
		i++;
	if (i == len || (body[i] != '{' && body[i] != '['))
		return false;
	long depth = 0;
	bool in_string = false;
	for (; i < len; i++) {
		char c = body[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth < 0)
				return false;
		}
	}
	return in_string || depth > 0;
}

static struct sf_error *truncated_error(long http_status, const char *body, size_t len,
					bool secret_body)
{
	char *status = http_status > 0 ? g_strdup_printf(" (HTTP %ld)", http_status) : g_strdup("");
	char *quote = secret_body ? g_strdup("not shown: it may hold credentials")
				  : one_line(body, len, QUOTE_CHARS);
	struct sf_error *err =
	    sf_error_new(SF_ERR_BAD_RESPONSE, http_status, NULL,
			 "unexpected answer%s: JSON cut off after %zu bytes "
			 "(truncated response), starting %s%s%s",
			 status, len, secret_body ? "(" : "\"", quote, secret_body ? ")" : "\"");
	g_free(quote);
	g_free(status);
	return err;
}

struct sf_error *sf_json_parse(long http_status, const char *content_type, const char *body,
			       size_t body_len, bool secret_body, cJSON **out)
{
	*out = NULL;
	if (!body || body_len == 0)
		return sf_error_bad_response(http_status, content_type, body, 0, secret_body,
					     "JSON");
	const char *stop = NULL;
	cJSON *json = cJSON_ParseWithLengthOpts(body, body_len, &stop, false);
	if (!json) {
		if (!looks_like_html(content_type, body, body_len) &&
		    looks_truncated(body, body_len))
			return truncated_error(http_status, body, body_len, secret_body);
		return sf_error_bad_response(http_status, content_type, body, body_len, secret_body,
					     "JSON");
	}
	size_t used = (size_t)(stop - body);
	while (used < body_len && (isspace((unsigned char)body[used]) || body[used] == '\0'))
		used++;
	if (used < body_len) {
		cJSON_Delete(json);
		return sf_error_new(
		    SF_ERR_BAD_RESPONSE, http_status, NULL,
		    "unexpected answer: JSON followed by %zu bytes of something else",
		    body_len - used);
	}
	*out = json;
	return NULL;
}

static struct sf_error *from_http(long http_status, const char *content_type, const char *body,
				  size_t body_len, bool secret_body)
{
	if (body && body_len > 0) {
		cJSON *json = cJSON_ParseWithLength(body, body_len);
		struct sf_error *err = json ? from_json_envelope(http_status, json, secret_body) : NULL;
		cJSON_Delete(json);
		if (err)
			return err;
	}
	/* No envelope: the status alone says what happened; show what came instead. */
	char *what;
	if (secret_body && body_len > 0 && !looks_like_html(content_type, body, body_len))
		what = g_strdup_printf("%zu bytes in no known error shape (not shown: they may "
				       "hold credentials)",
				       body_len);
	else
		what = describe_body(content_type, body, body_len, secret_body);
	const char *reason = g_strcmp0(what, "an empty body") == 0 ? "no error details" : what;
	struct sf_error *err =
	    error_from_parts(http_status, NULL, NULL, NULL, kind_from_status(http_status));
	g_free(err->message);
	err->message = g_strdup_printf("HTTP %ld %s, with %s", http_status,
				       http_status >= 500 ? "server error" : "error", reason);
	g_free(what);
	return err;
}

struct sf_error *sf_error_from_http(long http_status, const char *content_type, const char *body,
				    size_t body_len)
{
	return from_http(http_status, content_type, body, body_len, false);
}

struct sf_error *sf_error_from_secret_http(long http_status, const char *content_type,
					   const char *body, size_t body_len)
{
	return from_http(http_status, content_type, body, body_len, true);
}
