#include "sync_values.h"

#include <ctype.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_time.h"

enum kind { KIND_TEXT, KIND_BOOL, KIND_NUMBER, KIND_DATE, KIND_DATETIME, KIND_TIME };

static enum kind kind_of(const char *t)
{
	static const struct {
		const char *type;
		enum kind kind;
	} table[] = {
	    {"boolean", KIND_BOOL},  {"int", KIND_NUMBER},	  {"long", KIND_NUMBER},
	    {"double", KIND_NUMBER}, {"currency", KIND_NUMBER},	  {"percent", KIND_NUMBER},
	    {"date", KIND_DATE},     {"datetime", KIND_DATETIME}, {"time", KIND_TIME},
	};
	for (size_t i = 0; t && i < G_N_ELEMENTS(table); i++)
		if (strcmp(t, table[i].type) == 0)
			return table[i].kind;
	return KIND_TEXT;
}

bool sync_value_is_json_number(const char *s)
{
	if (!s || !*s)
		return false;
	const char *p = s;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (isdigit((unsigned char)*p))
		while (isdigit((unsigned char)*p))
			p++;
	else
		return false;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0';
}

/* "2023-10-01 12:34:56[.fff]" (Postgres, UTC) -> "2023-10-01T12:34:56.fffZ". */
static char *pg_timestamp_to_sf(const char *text)
{
	char *iso = g_strdup(text);
	char *space = strchr(iso, ' ');
	if (space)
		*space = 'T';
	int64_t ms;
	char *z = g_strconcat(iso, "Z", NULL);
	g_free(iso);
	if (!sf_time_parse(z, &ms)) {
		g_free(z);
		return NULL;
	}
	g_free(z);
	char buf[SF_TIME_BUF];
	return sf_time_format(ms, buf) ? g_strdup(buf) : NULL;
}

/* "12:34:56[.f]" -> "12:34:56.fffZ". */
static char *pg_time_to_sf(const char *text)
{
	int h, m, s;
	char rest[16] = "";
	if (sscanf(text, "%2d:%2d:%2d%15s", &h, &m, &s, rest) < 3)
		return NULL;
	int ms = 0;
	if (rest[0] == '.') {
		char digits[4] = "000";
		for (int i = 0; i < 3 && isdigit((unsigned char)rest[i + 1]); i++)
			digits[i] = rest[i + 1];
		ms = atoi(digits);
	} else if (rest[0]) {
		return NULL;
	}
	return g_strdup_printf("%02d:%02d:%02d.%03dZ", h, m, s, ms);
}

cJSON *sync_value_to_json(const char *sf_type, const char *text, const char **why)
{
	*why = NULL;
	if (!text)
		return cJSON_CreateNull();
	char *conv = NULL;
	switch (kind_of(sf_type)) {
	case KIND_BOOL:
		if (strcmp(text, "t") == 0 || strcmp(text, "true") == 0)
			return cJSON_CreateTrue();
		if (strcmp(text, "f") == 0 || strcmp(text, "false") == 0)
			return cJSON_CreateFalse();
		*why = "not a boolean";
		return NULL;
	case KIND_NUMBER:
		if (!sync_value_is_json_number(text)) {
			*why = "not a finite number";
			return NULL;
		}
		return cJSON_CreateRaw(text);
	case KIND_DATETIME:
		conv = pg_timestamp_to_sf(text);
		if (!conv) {
			*why = "not a timestamp";
			return NULL;
		}
		break;
	case KIND_TIME:
		conv = pg_time_to_sf(text);
		if (!conv) {
			*why = "not a time";
			return NULL;
		}
		break;
	case KIND_DATE:
	case KIND_TEXT:
		return cJSON_CreateString(text);
	}
	cJSON *item = cJSON_CreateString(conv);
	g_free(conv);
	return item;
}

/* A Salesforce datetime ("...+0000" or "...Z") -> "YYYY-MM-DD HH:MM:SS.mmm" (UTC). */
static char *sf_datetime_to_pg(const char *text)
{
	int64_t ms;
	char buf[SF_TIME_BUF];
	if (!sf_time_parse(text, &ms) || !sf_time_format(ms, buf))
		return NULL;
	buf[10] = ' ';
	buf[strlen(buf) - 1] = '\0'; /* the Z */
	return g_strdup(buf);
}

static char *text_to_pg(enum kind kind, const char *s, bool *ok)
{
	switch (kind) {
	case KIND_DATETIME: {
		char *v = sf_datetime_to_pg(s);
		if (!v)
			*ok = false;
		return v;
	}
	case KIND_TIME: {
		size_t len = strlen(s);
		if (len > 0 && s[len - 1] == 'Z')
			return g_strndup(s, len - 1);
		return g_strdup(s);
	}
	default:
		return g_strdup(s);
	}
}

char *sync_value_from_json(const char *sf_type, const cJSON *v, bool *ok)
{
	*ok = true;
	if (!v || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsBool(v))
		return g_strdup(cJSON_IsTrue(v) ? "t" : "f");
	if (cJSON_IsNumber(v)) {
		char *printed = cJSON_PrintUnformatted(v);
		char *copy = g_strdup(printed);
		cJSON_free(printed);
		return copy;
	}
	if (cJSON_IsString(v))
		return text_to_pg(kind_of(sf_type), v->valuestring, ok);
	*ok = false;
	return NULL;
}

char *sync_value_from_csv(const char *sf_type, const char *cell, bool *ok)
{
	*ok = true;
	if (!cell || !*cell)
		return NULL;
	enum kind kind = kind_of(sf_type);
	if (kind == KIND_BOOL) {
		if (g_ascii_strcasecmp(cell, "true") == 0)
			return g_strdup("t");
		if (g_ascii_strcasecmp(cell, "false") == 0)
			return g_strdup("f");
		*ok = false;
		return NULL;
	}
	return text_to_pg(kind, cell, ok);
}
