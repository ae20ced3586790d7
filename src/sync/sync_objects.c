#include "sync_objects.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "log.h"

/* Fields every synced object needs, and the column and type they have. */
static const struct {
	const char *api;
	const char *column;
	const char *type;
	bool required;
} system_fields[] = {
    {"Id", "sfid", "id", true},
    {"SystemModstamp", "systemmodstamp", "datetime", true},
    {"IsDeleted", "isdeleted", "boolean", false},
    {"CreatedDate", "createddate", "datetime", false},
};

static bool db_has_column(const struct db_object *obj, const char *name)
{
	for (size_t i = 0; i < obj->ncolumns; i++)
		if (strcmp(obj->columns[i].name, name) == 0)
			return true;
	return false;
}

static bool mapping_lists(const struct sync_mapping_object *map, const char *api)
{
	if (!map || !map->fields)
		return true;
	for (size_t i = 0; i < map->nfields; i++)
		if (g_ascii_strcasecmp(map->fields[i], api) == 0)
			return true;
	return false;
}

static bool is_text_type(const char *type)
{
	return strcmp(type, "string") == 0 || strcmp(type, "textarea") == 0 ||
	       strcmp(type, "encryptedstring") == 0;
}

/* The external id forcefs may fill itself: text, long enough for a UUID, writable. */
static bool can_generate(const struct sync_field *f)
{
	return is_text_type(f->type) && f->length >= SYNC_UUID_LEN && f->createable &&
	       f->updateable;
}

static void choose_upsert(struct sync_object *o, const struct db_object_fields *meta,
			  const struct sync_mapping_object *map, struct error *err, int *rc)
{
	if (map && map->upsert_field) {
		for (size_t i = 0; i < o->nfields; i++)
			if (g_ascii_strcasecmp(o->fields[i].api, map->upsert_field) == 0)
				o->upsert = &o->fields[i];
		if (!o->upsert) {
			*rc = error_set(err, EINVAL,
					"%s: upsert_field %s is not one of the synced fields",
					o->name, map->upsert_field);
			return;
		}
		o->upsert_from_mapping = true;
		o->upsert_generated = can_generate(o->upsert);
		if (!o->upsert_generated)
			log_warn(
			    "%s: upsert field %s cannot hold a generated id (a text field of "
			    "%d characters or more): inserts that leave it empty are created "
			    "without one, and a retry after a lost answer could duplicate them",
			    o->name, o->upsert->api, SYNC_UUID_LEN);
		return;
	}
	const struct sync_field *best = NULL;
	for (size_t i = 0; i < o->nfields; i++) {
		const struct sync_field *f = &o->fields[i];
		const struct db_field *m = db_object_fields_find(meta, f->column);
		if (!m || !m->external_id || !can_generate(f))
			continue;
		if (!best || g_ascii_strcasecmp(f->api, "External_ID__c") == 0)
			best = f;
	}
	o->upsert = best;
	o->upsert_generated = best != NULL;
	if (!best)
		log_warn("%s: no external id field to make inserts idempotent, so a retry after a "
			 "lost answer could create a duplicate record: name one as upsert_field in "
			 "the mapping, or add an External ID text field (%d+ characters) to %s",
			 o->name, SYNC_UUID_LEN, o->name);
}

static int resolve_one(const struct db_catalog *catalog, const struct db_object_fields *meta,
		       const struct sync_mapping_object *map, int poll_override,
		       struct sync_object *o, struct error *err)
{
	o->name = g_strdup(map ? map->name : meta->object);
	o->table = g_ascii_strdown(o->name, -1);
	o->db = db_catalog_find(catalog, o->table);
	if (!o->db)
		return error_set(err, EINVAL, "%s: no table %s.%s: run forcefs init", o->name,
				 catalog->schema, o->table);
	if (!meta)
		return error_set(err, EINVAL,
				 "%s: no field metadata in %s._forcefs_fields: run forcefs init",
				 o->name, catalog->schema);
	if (map && g_strcmp0(meta->object, map->name) != 0) {
		g_free(o->name);
		o->name = g_strdup(meta->object); /* Salesforce's spelling */
	}
	o->fields = g_new0(struct sync_field, meta->nfields + G_N_ELEMENTS(system_fields));
	for (size_t s = 0; s < G_N_ELEMENTS(system_fields); s++) {
		const struct db_field *m = db_object_fields_find(meta, system_fields[s].column);
		if (!db_has_column(o->db, system_fields[s].column)) {
			if (system_fields[s].required)
				return error_set(err, EINVAL, "%s: table %s has no %s column",
						 o->name, o->table, system_fields[s].column);
			continue;
		}
		o->fields[o->nfields++] = (struct sync_field){
		    .api = m ? m->field : system_fields[s].api,
		    .column = system_fields[s].column,
		    .type = m ? m->type : system_fields[s].type,
		};
	}
	for (size_t i = 0; i < meta->nfields; i++) {
		const struct db_field *m = &meta->fields[i];
		if (sync_object_field(o, m->column) || !db_has_column(o->db, m->column) ||
		    !mapping_lists(map, m->field))
			continue;
		o->fields[o->nfields++] = (struct sync_field){
		    .api = m->field,
		    .column = m->column,
		    .type = m->type,
		    .length = m->length,
		    .createable = m->createable && !m->calculated,
		    .updateable = m->updateable && !m->calculated,
		};
	}
	o->read_only = o->db->readonly || (map && map->read_only);
	o->poll_seconds = poll_override > 0 ? poll_override
			  : map		    ? map->polling_seconds
					    : SYNC_DEFAULT_POLLING_SECONDS;
	if (poll_override <= 0 && o->poll_seconds < SYNC_MIN_POLLING_SECONDS)
		o->poll_seconds = SYNC_MIN_POLLING_SECONDS;
	o->max_daily_api_calls = map ? map->max_daily_api_calls : 0;
	int rc = 0;
	if (!o->read_only)
		choose_upsert(o, meta, map, err, &rc);
	return rc;
}

static bool wanted(const char *only, const char *name)
{
	if (!only)
		return true;
	gchar **names = g_strsplit(only, ",", -1);
	bool found = false;
	for (gchar **n = names; *n && !found; n++)
		found = g_ascii_strcasecmp(g_strstrip(*n), name) == 0;
	g_strfreev(names);
	return found;
}

int sync_objects_resolve(const struct db_catalog *catalog, const struct db_fields *fields,
			 const struct sync_mapping *mapping, const char *only, int poll_override,
			 struct sync_objects **out, struct error *err)
{
	*out = NULL;
	struct sync_objects *objs = g_new0(struct sync_objects, 1);
	size_t cap = mapping ? mapping->nobjects : fields->nobjects;
	objs->objects = g_new0(struct sync_object, cap ? cap : 1);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < cap; i++) {
		const struct sync_mapping_object *map = mapping ? &mapping->objects[i] : NULL;
		const char *name = map ? map->name : fields->objects[i].object;
		if (!wanted(only, name))
			continue;
		char *table = g_ascii_strdown(name, -1);
		const struct db_object_fields *meta = db_fields_find_object(fields, table);
		g_free(table);
		if (!map && !db_catalog_find(catalog, fields->objects[i].table))
			continue; /* metadata of a table that is gone */
		rc = resolve_one(catalog, meta, map, poll_override,
				 &objs->objects[objs->nobjects++], err);
	}
	if (rc == 0 && objs->nobjects == 0)
		rc = error_set(
		    err, ENOENT,
		    "nothing to sync in schema \"%s\": no table has _forcefs_fields rows%s "
		    "(create them with forcefs init)",
		    catalog->schema, only ? " among --objects" : "");
	if (rc) {
		sync_objects_free(objs);
		return rc;
	}
	*out = objs;
	return 0;
}

void sync_objects_free(struct sync_objects *objs)
{
	if (!objs)
		return;
	for (size_t i = 0; i < objs->nobjects; i++) {
		g_free(objs->objects[i].name);
		g_free(objs->objects[i].table);
		g_free(objs->objects[i].fields);
	}
	g_free(objs->objects);
	g_free(objs);
}

const struct sync_field *sync_object_field(const struct sync_object *o, const char *column)
{
	for (size_t i = 0; i < o->nfields; i++)
		if (strcmp(o->fields[i].column, column) == 0)
			return &o->fields[i];
	return NULL;
}

struct sync_object *sync_objects_find(const struct sync_objects *objs, const char *table)
{
	for (size_t i = 0; i < objs->nobjects; i++)
		if (strcmp(objs->objects[i].table, table) == 0)
			return &objs->objects[i];
	return NULL;
}
