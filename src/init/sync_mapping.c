#include "sync_mapping.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sf_soql.h"

/* Where in the file a problem is: "mapping m.json: mappings[1] (Contact)". */
struct where {
	const char *source;
	int index;	  /* -1: the file as a whole */
	const char *name; /* object_name once known, else NULL */
};

static int fail(struct error *err, const struct where *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct error *err, const struct where *w, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (w->index < 0)
		return error_set(err, EINVAL, "mapping %s: %s", w->source, what);
	if (w->name)
		return error_set(err, EINVAL, "mapping %s: mappings[%d] (%s): %s", w->source,
				 w->index, w->name, what);
	return error_set(err, EINVAL, "mapping %s: mappings[%d]: %s", w->source, w->index, what);
}

/* A short description of a JSON value for messages: "a number", "\"write\"". */
static void describe_value(const cJSON *v, char *buf, size_t size)
{
	if (cJSON_IsString(v)) {
		snprintf(buf, size, "\"%.60s\"", v->valuestring);
		for (char *p = buf; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
	} else if (cJSON_IsNumber(v))
		snprintf(buf, size, "the number %g", v->valuedouble);
	else if (cJSON_IsBool(v))
		snprintf(buf, size, "%s", cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNull(v))
		snprintf(buf, size, "null");
	else if (cJSON_IsArray(v))
		snprintf(buf, size, "a list");
	else
		snprintf(buf, size, "an object");
}

static void object_free(struct sync_mapping_object *o)
{
	g_free(o->name);
	g_free(o->upsert_field);
	g_strfreev(o->fields);
	for (size_t i = 0; i < o->nindexes; i++)
		g_free(o->indexes[i].field);
	g_free(o->indexes);
}

void sync_mapping_free(struct sync_mapping *mapping)
{
	if (!mapping)
		return;
	for (size_t i = 0; i < mapping->nobjects; i++)
		object_free(&mapping->objects[i]);
	g_free(mapping->objects);
	g_free(mapping->source);
	g_free(mapping);
}

const struct sync_mapping_object *sync_mapping_find(const struct sync_mapping *mapping,
						    const char *name)
{
	for (size_t i = 0; mapping && i < mapping->nobjects; i++)
		if (g_ascii_strcasecmp(mapping->objects[i].name, name) == 0)
			return &mapping->objects[i];
	return NULL;
}

static bool in_list(char **names, const char *name)
{
	for (char **p = names; p && *p; p++)
		if (g_ascii_strcasecmp(*p, name) == 0)
			return true;
	return false;
}

/* An integer-valued JSON number within [min, max]. */
static bool read_int(const cJSON *v, double min, double max, long *out)
{
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble != floor(v->valuedouble) || v->valuedouble < min || v->valuedouble > max)
		return false;
	*out = (long)v->valuedouble;
	return true;
}

static int read_fields(const cJSON *fields, const struct where *w, struct sync_mapping_object *o,
		       struct error *err)
{
	if (!fields)
		return fail(err, w,
			    "config.fields is missing: list the fields to sync, "
			    "e.g. \"fields\": {\"Id\": {}, \"Name\": {}}");
	if (!cJSON_IsObject(fields)) {
		char got[80];
		describe_value(fields, got, sizeof(got));
		return fail(err, w, "config.fields must be an object of field names, got %s", got);
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const cJSON *f;
	int rc = 0;
	cJSON_ArrayForEach(f, fields)
	{
		if (!sf_soql_is_api_name(f->string)) {
			rc = fail(err, w, "config.fields: \"%.80s\" is not a Salesforce field name",
				  f->string);
			break;
		}
		g_ptr_array_add(names, NULL);
		if (in_list((char **)names->pdata, f->string)) {
			rc = fail(err, w, "config.fields: \"%s\" is listed twice", f->string);
			break;
		}
		names->pdata[names->len - 1] = g_strdup(f->string);
		if (!cJSON_IsObject(f)) {
			char got[80];
			describe_value(f, got, sizeof(got));
			rc = fail(err, w, "config.fields.%s must be an object ({}), got %s",
				  f->string, got);
			break;
		}
	}
	if (rc == 0 && names->len == 0)
		rc = fail(err, w, "config.fields is empty: list the fields to sync");
	if (rc) {
		g_ptr_array_free(names, TRUE);
		return rc;
	}
	o->nfields = names->len;
	g_ptr_array_add(names, NULL);
	g_ptr_array_set_free_func(names, NULL);
	o->fields = (char **)g_ptr_array_free(names, FALSE);
	return 0;
}

/* The fields every table has whatever the mapping lists (docs/contract.md §6 system columns). */
static bool is_system_field(const char *name)
{
	static const char *const system[] = {"Id", "IsDeleted", "SystemModstamp", "CreatedDate"};
	for (size_t i = 0; i < G_N_ELEMENTS(system); i++)
		if (g_ascii_strcasecmp(name, system[i]) == 0)
			return true;
	return false;
}

static int read_indexes(const cJSON *indexes, const struct where *w, struct sync_mapping_object *o,
			struct error *err)
{
	if (!indexes || cJSON_IsNull(indexes))
		return 0;
	if (!cJSON_IsObject(indexes))
		return fail(err, w, "config.indexes must be an object of field names");
	o->indexes = g_new0(struct sync_mapping_index, cJSON_GetArraySize(indexes));
	const cJSON *ix;
	cJSON_ArrayForEach(ix, indexes)
	{
		if (!in_list(o->fields, ix->string) && !is_system_field(ix->string))
			return fail(err, w,
				    "config.indexes: \"%.80s\" is not one of the mapped fields",
				    ix->string);
		const cJSON *unique =
		    cJSON_IsObject(ix) ? cJSON_GetObjectItemCaseSensitive(ix, "unique") : NULL;
		if (!cJSON_IsObject(ix) || (unique && !cJSON_IsBool(unique)))
			return fail(err, w,
				    "config.indexes.%s must be {\"unique\": true} or "
				    "{\"unique\": false}",
				    ix->string);
		struct sync_mapping_index *dst = &o->indexes[o->nindexes++];
		dst->field = g_strdup(ix->string);
		dst->unique = cJSON_IsTrue(unique);
	}
	return 0;
}

static int read_object(const cJSON *entry, struct where *w, struct sync_mapping *m,
		       struct error *err)
{
	if (!cJSON_IsObject(entry))
		return fail(err, w, "each mapping must be an object with object_name and config");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(entry, "object_name");
	if (!name)
		return fail(err, w, "object_name is missing");
	if (!cJSON_IsString(name) || !sf_soql_is_api_name(name->valuestring)) {
		char got[80];
		describe_value(name, got, sizeof(got));
		return fail(err, w, "object_name must be a Salesforce object name, got %s", got);
	}
	w->name = name->valuestring;
	if (sync_mapping_find(m, name->valuestring))
		return fail(err, w, "%s is mapped twice", name->valuestring);

	struct sync_mapping_object *o = &m->objects[m->nobjects++];
	o->name = g_strdup(name->valuestring);
	o->polling_seconds = SYNC_DEFAULT_POLLING_SECONDS;

	const cJSON *config = cJSON_GetObjectItemCaseSensitive(entry, "config");
	if (!config)
		return fail(err, w, "config is missing");
	if (!cJSON_IsObject(config))
		return fail(err, w, "config must be an object");

	const cJSON *access = cJSON_GetObjectItemCaseSensitive(config, "access");
	if (!access)
		return fail(err, w,
			    "config.access is missing: give \"read_write\" or \"read_only\"");
	if (cJSON_IsString(access) && strcmp(access->valuestring, "read_only") == 0)
		o->read_only = true;
	else if (!cJSON_IsString(access) || strcmp(access->valuestring, "read_write") != 0) {
		char got[80];
		describe_value(access, got, sizeof(got));
		return fail(err, w, "config.access must be \"read_write\" or \"read_only\", got %s",
			    got);
	}

	const cJSON *polling = cJSON_GetObjectItemCaseSensitive(config, "sf_polling_seconds");
	long seconds;
	if (polling && !cJSON_IsNull(polling)) {
		if (!read_int(polling, SYNC_MIN_POLLING_SECONDS, 7 * 86400, &seconds))
			return fail(err, w,
				    "config.sf_polling_seconds must be a whole number of seconds "
				    "from %d to 604800",
				    SYNC_MIN_POLLING_SECONDS);
		o->polling_seconds = (int)seconds;
	}
	const cJSON *cap = cJSON_GetObjectItemCaseSensitive(config, "sf_max_daily_api_calls");
	if (cap && !cJSON_IsNull(cap) && !read_int(cap, 1, 1e12, &o->max_daily_api_calls))
		return fail(err, w,
			    "config.sf_max_daily_api_calls must be a positive whole number");

	int rc = read_fields(cJSON_GetObjectItemCaseSensitive(config, "fields"), w, o, err);
	if (rc)
		return rc;

	const cJSON *upsert = cJSON_GetObjectItemCaseSensitive(config, "upsert_field");
	if (upsert && !cJSON_IsNull(upsert) &&
	    !(cJSON_IsString(upsert) && upsert->valuestring[0] == '\0')) {
		if (!cJSON_IsString(upsert) || !sf_soql_is_api_name(upsert->valuestring)) {
			char got[80];
			describe_value(upsert, got, sizeof(got));
			return fail(err, w, "config.upsert_field must be a field name, got %s",
				    got);
		}
		if (!in_list(o->fields, upsert->valuestring))
			return fail(err, w,
				    "config.upsert_field \"%s\" is not one of the mapped fields "
				    "(add it to config.fields)",
				    upsert->valuestring);
		o->upsert_field = g_strdup(upsert->valuestring);
	}
	return read_indexes(cJSON_GetObjectItemCaseSensitive(config, "indexes"), w, o, err);
}

/* 1-based line and column of byte `pos` of `text`, for a JSON syntax error. */
static void position_of(const char *text, size_t pos, int *line, int *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < pos; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*column = 1;
		} else {
			(*column)++;
		}
	}
}

int sync_mapping_parse(const char *text, size_t len, const char *source, struct sync_mapping **out,
		       struct error *err)
{
	*out = NULL;
	struct where w = {.source = source, .index = -1};
	const char *stop = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &stop, false);
	if (!root) {
		int line, column;
		size_t pos = stop && stop >= text && stop <= text + len ? (size_t)(stop - text) : 0;
		position_of(text, pos, &line, &column);
		return fail(err, &w, "not valid JSON (line %d, column %d)", line, column);
	}
	/* Only blanks may follow the value. */
	for (const char *p = stop; p && p < text + len; p++) {
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			int line, column;
			position_of(text, (size_t)(p - text), &line, &column);
			cJSON_Delete(root);
			return fail(err, &w,
				    "not valid JSON: unexpected text after the end (line %d, "
				    "column %d)",
				    line, column);
		}
	}

	const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "mappings");
	int rc = 0;
	if (!cJSON_IsObject(root) || !list)
		rc = fail(err, &w,
			  "no \"mappings\" list: expected Heroku Connect's export, "
			  "{\"mappings\": [{\"object_name\": ..., \"config\": {...}}]}");
	else if (!cJSON_IsArray(list))
		rc = fail(err, &w, "\"mappings\" must be a list");
	else if (cJSON_GetArraySize(list) == 0)
		rc = fail(err, &w, "\"mappings\" is empty: map at least one object");
	if (rc) {
		cJSON_Delete(root);
		return rc;
	}

	struct sync_mapping *m = g_new0(struct sync_mapping, 1);
	m->source = g_strdup(source);
	m->objects = g_new0(struct sync_mapping_object, cJSON_GetArraySize(list));
	const cJSON *entry;
	w.index = 0;
	cJSON_ArrayForEach(entry, list)
	{
		w.name = NULL;
		rc = read_object(entry, &w, m, err);
		if (rc)
			break;
		w.index++;
	}
	cJSON_Delete(root);
	if (rc) {
		sync_mapping_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int sync_mapping_load(const char *path, struct sync_mapping **out, struct error *err)
{
	*out = NULL;
	char *text = NULL;
	gsize len = 0;
	GError *gerr = NULL;
	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		error_set(err, gerr->code == G_FILE_ERROR_NOENT ? ENOENT : EIO,
			  "cannot read mapping file %s: %s", path, gerr->message);
		g_error_free(gerr);
		return -err->code;
	}
	int rc = sync_mapping_parse(text, len, path, out, err);
	g_free(text);
	return rc;
}

int sync_mapping_from_objects(const char *list, struct sync_mapping **out, struct error *err)
{
	*out = NULL;
	char **names = g_strsplit(list, ",", -1);
	struct sync_mapping *m = g_new0(struct sync_mapping, 1);
	m->source = g_strdup("--objects");
	m->objects = g_new0(struct sync_mapping_object, g_strv_length(names));
	int rc = 0;
	for (char **p = names; *p && rc == 0; p++) {
		char *name = g_strstrip(*p);
		if (!*name)
			continue;
		if (!sf_soql_is_api_name(name)) {
			rc =
			    error_set(err, EINVAL,
				      "--objects: \"%.80s\" is not a Salesforce object name", name);
			break;
		}
		if (sync_mapping_find(m, name))
			continue;
		struct sync_mapping_object *o = &m->objects[m->nobjects++];
		o->name = g_strdup(name);
		o->polling_seconds = SYNC_DEFAULT_POLLING_SECONDS;
	}
	g_strfreev(names);
	if (rc == 0 && m->nobjects == 0)
		rc = error_set(err, EINVAL,
			       "--objects: no object names given (e.g. "
			       "--objects Account,Contact)");
	if (rc) {
		sync_mapping_free(m);
		return rc;
	}
	*out = m;
	return 0;
}
