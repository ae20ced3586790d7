#include "sf_soql.h"

#include "sf_time.h"

#include <glib.h>
#include <string.h>

#define MAX_API_NAME 80

char *sf_soql_quote(const char *value)
{
	GString *s = g_string_new("'");
	for (const char *p = value ? value : ""; *p; p++) {
		switch (*p) {
		case '\\':
			g_string_append(s, "\\\\");
			break;
		case '\'':
			g_string_append(s, "\\'");
			break;
		case '"':
			g_string_append(s, "\\\"");
			break;
		case '\n':
			g_string_append(s, "\\n");
			break;
		case '\r':
			g_string_append(s, "\\r");
			break;
		case '\t':
			g_string_append(s, "\\t");
			break;
		case '\b':
			g_string_append(s, "\\b");
			break;
		case '\f':
			g_string_append(s, "\\f");
			break;
		default:
			g_string_append_c(s, *p);
		}
	}
	g_string_append_c(s, '\'');
	return g_string_free(s, FALSE);
}

char *sf_soql_datetime(int64_t ms)
{
	char buf[SF_TIME_BUF];
	return sf_time_format(ms, buf) ? g_strdup(buf) : NULL;
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Checks one API name of `len` bytes at `name`. Double underscores separate
 * a namespace and a suffix ("ns__Thing__c"), so they are allowed; a trailing
 * single underscore or three in a row are not. */
static bool api_name(const char *name, size_t len)
{
	if (len == 0 || len > MAX_API_NAME || !is_alpha(name[0]) || name[len - 1] == '_')
		return false;
	int run = 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (c == '_') {
			if (++run > 2)
				return false;
		} else if (is_alpha(c) || is_digit(c)) {
			run = 0;
		} else {
			return false;
		}
	}
	return true;
}

bool sf_soql_is_api_name(const char *name)
{
	return name && api_name(name, strlen(name));
}

bool sf_soql_is_field_path(const char *path)
{
	if (!path || !*path)
		return false;
	const char *start = path;
	for (const char *p = path;; p++) {
		if (*p == '.' || *p == '\0') {
			if (!api_name(start, (size_t)(p - start)))
				return false;
			if (*p == '\0')
				return true;
			start = p + 1;
		}
	}
}
