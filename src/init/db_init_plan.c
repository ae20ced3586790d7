/*
 * The pure half of forcefs init: which columns, indexes and field metadata a
 * Salesforce describe (and a mapping) asks for. No I/O; db_init.c applies the plan.
 */
#include "db_init.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Postgres truncates longer identifiers silently, which could merge two columns. */
#define PG_MAX_IDENTIFIER 63

/* Salesforce fields stored in the system columns every table has (docs/contract.md §6). */
static const struct {
	const char *field;
	const char *column;
} system_fields[] = {
    {"Id", "sfid"},
    {"IsDeleted", "isdeleted"},
    {"SystemModstamp", "systemmodstamp"},
    {"CreatedDate", "createddate"},
};

/* The fixed part of every table, as Heroku Connect creates it. */
const char *const db_init_system_columns[DB_INIT_NSYSTEM_COLUMNS][2] = {
    {"id", "serial PRIMARY KEY"}, {"sfid", "varchar(18)"},	{"systemmodstamp", "timestamp"},
    {"isdeleted", "boolean"},	  {"createddate", "timestamp"}, {"_hc_lastop", "varchar(32)"},
    {"_hc_err", "text"},
};

bool db_init_is_system_column(const char *column)
{
	for (size_t i = 0; i < DB_INIT_NSYSTEM_COLUMNS; i++)
		if (strcmp(column, db_init_system_columns[i][0]) == 0)
			return true;
	return false;
}

/* ---- the pure half: fields -> columns ------------------------------------------ */

char *db_init_column_type(const struct sf_field *field)
{
	int length = field->length > 0 ? field->length : 1;
	switch (field->type) {
	case SF_FIELD_ID:
	case SF_FIELD_REFERENCE:
		return g_strdup("varchar(18)");
	case SF_FIELD_MULTIPICKLIST:
		return g_strdup("varchar(4099)");
	case SF_FIELD_TEXTAREA:
		if (field->length > 4096)
			return g_strdup("text");
		return g_strdup_printf("varchar(%d)", length);
	case SF_FIELD_STRING:
	case SF_FIELD_PICKLIST:
	case SF_FIELD_EMAIL:
	case SF_FIELD_PHONE:
	case SF_FIELD_URL:
	case SF_FIELD_COMBOBOX:
	case SF_FIELD_ENCRYPTEDSTRING:
		return g_strdup_printf("varchar(%d)", length);
	case SF_FIELD_BOOLEAN:
		return g_strdup("boolean");
	case SF_FIELD_INT:
		return g_strdup("integer");
	case SF_FIELD_LONG:
		return g_strdup("bigint");
	case SF_FIELD_DOUBLE:
	case SF_FIELD_CURRENCY:
	case SF_FIELD_PERCENT:
		return g_strdup("double precision");
	case SF_FIELD_DATE:
		return g_strdup("date");
	case SF_FIELD_DATETIME:
		return g_strdup("timestamp");
	case SF_FIELD_TIME:
		return g_strdup("time");
	case SF_FIELD_ADDRESS:
	case SF_FIELD_LOCATION:
	case SF_FIELD_BASE64:
		return NULL;
	case SF_FIELD_ANYTYPE:
	case SF_FIELD_COMPLEXVALUE:
	case SF_FIELD_DATACATEGORYGROUPREFERENCE:
	case SF_FIELD_JSON:
	case SF_FIELD_UNKNOWN:
		break;
	}
	return g_strdup("text");
}

char *db_init_column_name(const char *field)
{
	for (size_t i = 0; i < G_N_ELEMENTS(system_fields); i++)
		if (g_ascii_strcasecmp(field, system_fields[i].field) == 0)
			return g_strdup(system_fields[i].column);
	return g_ascii_strdown(field, -1);
}

bool db_init_type_matches(const char *sql_type, const char *catalog_type)
{
	static const char *const long_names[][2] = {
	    {"varchar(", "character varying("},
	    {"timestamp", "timestamp without time zone"},
	    {"time", "time without time zone"},
	};
	if (strcmp(sql_type, catalog_type) == 0)
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(long_names); i++) {
		const char *s = long_names[i][0], *l = long_names[i][1];
		if (s[strlen(s) - 1] == '(') {
			if (g_str_has_prefix(sql_type, s) && g_str_has_prefix(catalog_type, l) &&
			    strcmp(sql_type + strlen(s), catalog_type + strlen(l)) == 0)
				return true;
		} else if (strcmp(sql_type, s) == 0 && strcmp(catalog_type, l) == 0) {
			return true;
		}
	}
	return false;
}

bool db_init_schema_name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > PG_MAX_IDENTIFIER || g_str_has_prefix(name, "pg_"))
		return false;
	if (!g_ascii_islower(name[0]) && name[0] != '_')
		return false;
	for (const char *p = name; *p; p++)
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '_')
			return false;
	return true;
}

static bool has_picklist(enum sf_field_type type)
{
	return type == SF_FIELD_PICKLIST || type == SF_FIELD_MULTIPICKLIST ||
	       type == SF_FIELD_COMBOBOX;
}

static bool stored_as_text(enum sf_field_type type)
{
	return type == SF_FIELD_UNKNOWN || type == SF_FIELD_ANYTYPE ||
	       type == SF_FIELD_COMPLEXVALUE || type == SF_FIELD_DATACATEGORYGROUPREFERENCE ||
	       type == SF_FIELD_JSON;
}

static void fill_meta(struct db_field *meta, const struct sf_field *f, char *column)
{
	meta->field = g_strdup(f->name);
	meta->column = column;
	meta->type = g_strdup(f->type_name);
	meta->length = f->length;
	meta->precision = f->precision;
	meta->scale = f->scale;
	meta->nillable = f->nillable;
	meta->createable = f->createable;
	meta->updateable = f->updateable;
	meta->defaulted_on_create = f->defaulted_on_create;
	meta->calculated = f->calculated;
	meta->external_id = f->external_id;
	meta->restricted = f->restricted_picklist;
	if (has_picklist(f->type)) {
		meta->picklist_values = g_new0(char *, f->n_picklist_values + 1);
		for (size_t i = 0; i < f->n_picklist_values; i++)
			if (f->picklist_values[i].active)
				meta->picklist_values[meta->npicklist_values++] =
				    g_strdup(f->picklist_values[i].value);
	}
}

void db_init_table_free(struct db_init_table *table)
{
	if (!table)
		return;
	for (size_t i = 0; i < table->ncolumns; i++) {
		struct db_field *m = &table->columns[i].meta;
		g_free(m->field);
		g_free(m->column);
		g_free(m->type);
		g_strfreev(m->picklist_values);
		g_free(table->columns[i].sql_type);
	}
	g_free(table->columns);
	for (size_t i = 0; i < table->nindexes; i++) {
		g_free(table->indexes[i].name);
		g_free(table->indexes[i].column);
	}
	g_free(table->indexes);
	if (table->notes)
		g_ptr_array_free(table->notes, TRUE);
	g_free(table->object);
	g_free(table->table);
	g_free(table);
}

void db_init_note(struct db_init_table *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_ptr_array_add(t->notes, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* Marks the fields the mapping asks for in `selected`; a compound field marks its
 * components. */
static int select_fields(const struct sf_object_describe *desc,
			 const struct sync_mapping_object *map, struct db_init_table *t,
			 bool *selected, struct error *err)
{
	for (size_t i = 0; i < desc->n_fields; i++) {
		if (!map->fields) {
			selected[i] = true;
			continue;
		}
		for (size_t s = 0; s < G_N_ELEMENTS(system_fields); s++)
			if (g_ascii_strcasecmp(desc->fields[i].name, system_fields[s].field) == 0)
				selected[i] = true;
	}
	for (size_t n = 0; map->fields && n < map->nfields; n++) {
		const char *name = map->fields[n];
		const struct sf_field *f = sf_describe_find_field(desc, name);
		if (!f)
			return error_set(err, EINVAL,
					 "%s: Salesforce has no field \"%s\" on %s (or the user "
					 "cannot see it): remove it from the mapping",
					 t->object, name, t->object);
		selected[f - desc->fields] = true;
		if (f->type != SF_FIELD_ADDRESS && f->type != SF_FIELD_LOCATION)
			continue;
		size_t parts = 0;
		for (size_t i = 0; i < desc->n_fields; i++) {
			const char *compound = desc->fields[i].compound_field_name;
			if (compound && g_ascii_strcasecmp(compound, f->name) == 0) {
				selected[i] = true;
				parts++;
			}
		}
		db_init_note(t, "%s: %s is a compound field: mapped as its %zu component fields",
			     t->object, f->name, parts);
	}
	return 0;
}

static int plan_indexes(const struct sf_object_describe *desc,
			const struct sync_mapping_object *map, struct db_init_table *t,
			struct error *err)
{
	if (map->upsert_field && !sf_describe_find_field(desc, map->upsert_field))
		return error_set(err, EINVAL,
				 "%s: the upsert field \"%s\" is not a field of %s in Salesforce",
				 t->object, map->upsert_field, t->object);
	t->indexes = g_new0(struct db_init_index, map->nindexes);
	for (size_t i = 0; i < map->nindexes; i++) {
		const struct sf_field *f = sf_describe_find_field(desc, map->indexes[i].field);
		if (!f)
			return error_set(err, EINVAL,
					 "%s: the index field \"%s\" is not a field of %s in "
					 "Salesforce",
					 t->object, map->indexes[i].field, t->object);
		char *column = db_init_column_name(f->name);
		/* sfid and systemmodstamp have their indexes already. */
		if (strcmp(column, "sfid") == 0 || strcmp(column, "systemmodstamp") == 0) {
			g_free(column);
			continue;
		}
		struct db_init_index *ix = &t->indexes[t->nindexes++];
		ix->unique = map->indexes[i].unique;
		ix->name = g_strdup_printf("%s_%s_%s", ix->unique ? "hcu_idx" : "hc_idx", t->table,
					   column);
		ix->column = column;
	}
	return 0;
}

int db_init_plan(const struct sf_object_describe *desc, const struct sync_mapping_object *map,
		 struct db_init_table **out, struct error *err)
{
	*out = NULL;
	struct db_init_table *t = g_new0(struct db_init_table, 1);
	t->object = g_strdup(desc->info.name);
	t->table = g_ascii_strdown(desc->info.name, -1);
	t->readonly = map->read_only;
	t->notes = g_ptr_array_new_with_free_func(g_free);
	t->columns = g_new0(struct db_init_column, desc->n_fields);
	bool *selected = g_new0(bool, desc->n_fields);
	int rc = 0;

	if (strlen(t->table) > PG_MAX_IDENTIFIER)
		rc = error_set(err, EINVAL, "%s: the table name would be longer than %d bytes",
			       t->object, PG_MAX_IDENTIFIER);
	else if (!sf_describe_find_field(desc, "Id"))
		rc = error_set(err, EINVAL,
			       "%s: Salesforce's describe lists no Id field, so its records "
			       "cannot be synced",
			       t->object);
	if (rc == 0)
		rc = select_fields(desc, map, t, selected, err);
	for (size_t i = 0; rc == 0 && i < desc->n_fields; i++) {
		const struct sf_field *f = &desc->fields[i];
		if (!selected[i])
			continue;
		char *type = db_init_column_type(f);
		if (!type) {
			if (f->type == SF_FIELD_BASE64)
				db_init_note(t, "%s: %s is a base64 (binary) field: not synced",
					     t->object, f->name);
			continue;
		}
		if (stored_as_text(f->type))
			db_init_note(
			    t, "%s: %s has type \"%s\", which forcefs does not map: stored as text",
			    t->object, f->name, f->type_name);
		char *column = db_init_column_name(f->name);
		for (size_t c = 0; c < t->ncolumns; c++)
			if (strcmp(t->columns[c].meta.column, column) == 0)
				rc = error_set(
				    err, EINVAL, "%s: fields %s and %s would both be column \"%s\"",
				    t->object, t->columns[c].meta.field, f->name, column);
		if (rc == 0 && strlen(column) > PG_MAX_IDENTIFIER)
			rc =
			    error_set(err, EINVAL,
				      "%s: field %s: the column name would be longer than %d bytes",
				      t->object, f->name, PG_MAX_IDENTIFIER);
		if (rc) {
			g_free(column);
			g_free(type);
			break;
		}
		struct db_init_column *col = &t->columns[t->ncolumns++];
		col->sql_type = type;
		fill_meta(&col->meta, f, column);
	}
	if (rc == 0)
		rc = plan_indexes(desc, map, t, err);
	g_free(selected);
	if (rc) {
		db_init_table_free(t);
		return rc;
	}
	*out = t;
	return 0;
}
