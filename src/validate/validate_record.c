/*
 * validate_record: which fields of a record file may be written, on update and on insert.
 * See validate_record.h for the contract; the per-value checks are in validate_value.c.
 */
#include "validate_record.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "hc_conventions.h"
#include "validate_value.h"

bool validate_is_system_field(const char *key)
{
	return hc_is_system_field(key);
}

/* The column of `key` when the record file shows it, else NULL. */
static const struct db_column *shown_column(const struct db_object *object, const char *key)
{
	bool shown = false;
	for (size_t i = 0; i < object->nshown && !shown; i++)
		shown = strcmp(object->shown[i].name, key) == 0;
	if (!shown)
		return NULL;
	for (size_t i = 0; i < object->ncolumns; i++) {
		if (strcmp(object->columns[i].name, key) == 0)
			return &object->columns[i];
	}
	return NULL;
}

/* What the metadata lets a person do with a field. */
enum field_access {
	ACCESS_WRITE,	    /* createable and updateable, or no metadata */
	ACCESS_READ_ONLY,   /* calculated, or neither createable nor updateable */
	ACCESS_CREATE_ONLY, /* createable, not updateable: set once, on insert */
	ACCESS_UPDATE_ONLY, /* updateable, not createable: set after the record exists */
};

static enum field_access access_of(const struct db_field *meta)
{
	if (!meta)
		return ACCESS_WRITE;
	if (meta->calculated || (!meta->createable && !meta->updateable))
		return ACCESS_READ_ONLY;
	if (!meta->updateable)
		return ACCESS_CREATE_ONLY;
	if (!meta->createable)
		return ACCESS_UPDATE_ONLY;
	return ACCESS_WRITE;
}

/* `field "name" <what>` (or `unknown field "name"` when `what` is NULL), EINVAL. */
static int refuse_field(struct error *err, const char *key, const char *what)
{
	GString *m = g_string_new(what ? "field " : "unknown field ");
	validate_append_name(m, key);
	if (what)
		g_string_append_printf(m, " %s", what);
	error_set(err, EINVAL, "%s", m->str);
	g_string_free(m, TRUE);
	return -EINVAL;
}

static int refuse_read_only_object(const struct db_object *object, struct error *err)
{
	GString *m = g_string_new(NULL);
	validate_append_name(m, object->table);
	error_set(err, EROFS, "object %s is read-only (Heroku Connect maps it read-only)", m->str);
	g_string_free(m, TRUE);
	return -EROFS;
}

/* Collects columns and parameters; handed over to a struct validate_values at the end. */
struct collector {
	GPtrArray *columns;
	GPtrArray *params;
};

static void collector_init(struct collector *c)
{
	c->columns = g_ptr_array_new_with_free_func(g_free);
	c->params = g_ptr_array_new_with_free_func(g_free);
}

static void collector_add(struct collector *c, const char *column, char *param)
{
	g_ptr_array_add(c->columns, g_strdup(column));
	g_ptr_array_add(c->params, param);
}

/* Moves what was collected into `out` on success (rc == 0), frees it otherwise. */
static int collector_finish(struct collector *c, int rc, struct validate_values *out)
{
	if (rc == 0 && c->columns->len > 0) {
		out->n = c->columns->len;
		g_ptr_array_set_free_func(c->columns, NULL);
		g_ptr_array_set_free_func(c->params, NULL);
		out->columns = (char **)g_ptr_array_free(c->columns, FALSE);
		out->params = (char **)g_ptr_array_free(c->params, FALSE);
	} else {
		g_ptr_array_free(c->columns, TRUE);
		g_ptr_array_free(c->params, TRUE);
	}
	return rc;
}

static int add_value(struct collector *c, const struct db_column *column,
		     const struct db_field *meta, const struct record_value *value,
		     struct error *err)
{
	char *sql;
	int rc = validate_value(column, meta, value, &sql, err);
	if (rc == 0)
		collector_add(c, column->name, sql);
	return rc;
}

void validate_values_clear(struct validate_values *values)
{
	for (size_t i = 0; i < values->n; i++) {
		g_free(values->columns[i]);
		g_free(values->params[i]);
	}
	g_free(values->columns);
	g_free(values->params);
	values->n = 0;
	values->columns = NULL;
	values->params = NULL;
}

int validate_update(const struct db_object *object, const struct db_object_fields *meta,
		    const struct record_field *const *fields, size_t nfields,
		    struct validate_values *out, struct error *err)
{
	*out = (struct validate_values){0};
	if (object->readonly)
		return refuse_read_only_object(object, err);

	struct collector c;
	collector_init(&c);
	int rc = 0;
	for (size_t i = 0; i < nfields && rc == 0; i++) {
		const struct record_field *f = fields[i];
		const struct db_column *column = shown_column(object, f->key);
		const struct db_field *fm = db_object_fields_find(meta, f->key);
		if (!column)
			rc = refuse_field(err, f->key, NULL);
		else if (validate_is_system_field(f->key) || access_of(fm) == ACCESS_READ_ONLY)
			rc = refuse_field(err, f->key, "is read-only");
		else if (access_of(fm) == ACCESS_CREATE_ONLY)
			rc =
			    refuse_field(err, f->key, "can only be set when the record is created");
		else
			rc = add_value(&c, column, fm, &f->value, err);
	}
	return collector_finish(&c, rc, out);
}

/* Required on insert: by the metadata (not nillable, createable, not defaulted on
 * create), or by the catalog (NOT NULL without a default). */
static bool is_required(const struct db_column *column, const struct db_field *meta)
{
	if (validate_is_system_field(column->name) || hc_is_hidden_column(column->name))
		return false;
	if (column->not_null && !column->has_default)
		return true;
	return meta && !meta->nillable && meta->createable && !meta->defaulted_on_create &&
	       !meta->calculated;
}

int validate_insert(const struct db_object *object, const struct db_object_fields *meta,
		    const struct record_parsed *content, struct validate_values *out,
		    struct error *err)
{
	*out = (struct validate_values){0};
	if (object->readonly)
		return refuse_read_only_object(object, err);

	struct collector c;
	collector_init(&c);
	int rc = 0;
	for (size_t i = 0; i < content->nfields && rc == 0; i++) {
		const struct record_field *f = &content->fields[i];
		if (validate_is_system_field(f->key))
			continue; /* `cp existing.json new.json` carries them: ignored */
		const struct db_column *column = shown_column(object, f->key);
		const struct db_field *fm = db_object_fields_find(meta, f->key);
		enum field_access access = access_of(fm);
		bool is_null = f->value.type == RECORD_VALUE_NULL;
		if (!column)
			rc = refuse_field(err, f->key, NULL);
		else if (access == ACCESS_READ_ONLY)
			continue; /* like a system field: derived by Salesforce (Contact.Name) */
		else if (access == ACCESS_UPDATE_ONLY && is_null)
			continue;
		else if (access == ACCESS_UPDATE_ONLY)
			rc = refuse_field(err, f->key, "cannot be set on a new record");
		else if (is_null && is_required(column, fm))
			rc = refuse_field(err, f->key, "is required");
		else
			rc = add_value(&c, column, fm, &f->value, err);
	}

	/* Required fields the content leaves out, in the order the file shows them. */
	for (size_t i = 0; i < object->nshown && rc == 0; i++) {
		const char *name = object->shown[i].name;
		const struct db_column *column = shown_column(object, name);
		if (column && is_required(column, db_object_fields_find(meta, name)) &&
		    !record_parsed_find(content, name))
			rc = refuse_field(err, name, "is required");
	}
	return collector_finish(&c, rc, out);
}
