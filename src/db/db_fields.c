/*
 * db_fields: load `<schema>._forcefs_fields` into plain structs. See db_fields.h.
 *
 * The query reads text values; db_fields_from_rows() turns them into structs without
 * touching the database, so that part is tested on its own (tests/unit/).
 */
#include "db_fields.h"

#include <errno.h>
#include <glib.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "db_conn.h"

/* --- rows -> structs (pure) ----------------------------------------------------- */

struct builder {
	GHashTable *by_table; /* table -> struct db_object_fields * (fields in a GArray) */
	GHashTable *seen;     /* "table\x1fcolumn" */
};

static void field_clear(struct db_field *f)
{
	g_free(f->field);
	g_free(f->column);
	g_free(f->type);
	g_strfreev(f->picklist_values);
}

static bool read_bool(const char *s, bool *out)
{
	if (s && strcmp(s, "t") == 0)
		*out = true;
	else if (s && strcmp(s, "f") == 0)
		*out = false;
	else
		return false;
	return true;
}

static bool read_int(const char *s, int *out)
{
	gint64 v;
	if (!s || !g_ascii_string_to_signed(s, 10, G_MININT, G_MAXINT, &v, NULL))
		return false;
	*out = (int)v;
	return true;
}

/*
 * Reads a one-dimensional Postgres text[] literal as libpq prints it: {a,"b c","d\"e",NULL},
 * optionally after bounds ("[0:1]={a,b}"). NULL elements are dropped. Returns a
 * NULL-terminated vector, or NULL when the text is not such a literal.
 */
static char **read_text_array(const char *s, size_t *count)
{
	if (s[0] == '[') {
		const char *eq = strstr(s, "={");
		if (!eq)
			return NULL;
		s = eq + 1;
	}
	if (*s++ != '{')
		return NULL;
	GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
	GString *item = g_string_new(NULL);
	bool ok = true;
	if (*s == '}') {
		s++;
	} else {
		for (;;) {
			g_string_truncate(item, 0);
			bool quoted = *s == '"';
			if (quoted) {
				for (s++; *s && *s != '"'; s++) {
					if (*s == '\\' && s[1])
						s++;
					g_string_append_c(item, *s);
				}
				if (*s != '"') {
					ok = false;
					break;
				}
				s++;
			} else {
				while (*s && *s != ',' && *s != '}' && *s != '"' && *s != '{' &&
				       *s != '\\')
					g_string_append_c(item, *s++);
				if (item->len == 0) {
					ok = false;
					break;
				}
			}
			if (quoted || g_ascii_strcasecmp(item->str, "NULL") != 0)
				g_ptr_array_add(items, g_strdup(item->str));
			if (*s == ',') {
				s++;
				continue;
			}
			if (*s == '}') {
				s++;
				break;
			}
			ok = false;
			break;
		}
	}
	g_string_free(item, TRUE);
	if (!ok || *s != '\0') {
		g_ptr_array_free(items, TRUE);
		return NULL;
	}
	*count = items->len;
	g_ptr_array_add(items, NULL);
	g_ptr_array_set_free_func(items, NULL);
	return (char **)g_ptr_array_free(items, FALSE);
}

/* Reads one row into `f`; on failure names the bad column in *bad. */
static bool read_row(const char *const *v, struct db_field *f, const char **bad)
{
	static const struct {
		enum db_fields_column column;
		size_t offset;
	} bools[] = {
	    {DB_FIELDS_NILLABLE, offsetof(struct db_field, nillable)},
	    {DB_FIELDS_CREATEABLE, offsetof(struct db_field, createable)},
	    {DB_FIELDS_UPDATEABLE, offsetof(struct db_field, updateable)},
	    {DB_FIELDS_DEFAULTED_ON_CREATE, offsetof(struct db_field, defaulted_on_create)},
	    {DB_FIELDS_CALCULATED, offsetof(struct db_field, calculated)},
	    {DB_FIELDS_EXTERNAL_ID, offsetof(struct db_field, external_id)},
	    {DB_FIELDS_RESTRICTED, offsetof(struct db_field, restricted)},
	};
	static const char *const names[DB_FIELDS_NCOLUMNS] = {
	    "object",
	    "field",
	    "column",
	    "type",
	    "length",
	    "precision",
	    "scale",
	    "nillable",
	    "createable",
	    "updateable",
	    "defaulted_on_create",
	    "calculated",
	    "external_id",
	    "picklist_values",
	    "restricted",
	};

	*f = (struct db_field){0};
	if (!v[DB_FIELDS_COLUMN] || !*v[DB_FIELDS_COLUMN]) {
		*bad = names[DB_FIELDS_COLUMN];
		return false;
	}
	if (!v[DB_FIELDS_TYPE]) {
		*bad = names[DB_FIELDS_TYPE];
		return false;
	}
	const struct {
		enum db_fields_column column;
		int *out;
	} ints[] = {
	    {DB_FIELDS_LENGTH, &f->length},
	    {DB_FIELDS_PRECISION, &f->precision},
	    {DB_FIELDS_SCALE, &f->scale},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(ints); i++) {
		if (!read_int(v[ints[i].column], ints[i].out)) {
			*bad = names[ints[i].column];
			return false;
		}
	}
	for (size_t i = 0; i < G_N_ELEMENTS(bools); i++) {
		bool value = false;
		/* restricted may be NULL in tables made before it had a default */
		if (!(bools[i].column == DB_FIELDS_RESTRICTED && !v[bools[i].column]) &&
		    !read_bool(v[bools[i].column], &value)) {
			*bad = names[bools[i].column];
			return false;
		}
		*(bool *)((char *)f + bools[i].offset) = value;
	}
	if (v[DB_FIELDS_PICKLIST_VALUES]) {
		f->picklist_values =
		    read_text_array(v[DB_FIELDS_PICKLIST_VALUES], &f->npicklist_values);
		if (!f->picklist_values) {
			*bad = names[DB_FIELDS_PICKLIST_VALUES];
			return false;
		}
	}
	f->field = g_strdup(v[DB_FIELDS_FIELD]);
	f->column = g_strdup(v[DB_FIELDS_COLUMN]);
	f->type = g_strdup(v[DB_FIELDS_TYPE]);
	return true;
}

static int compare_objects(const void *a, const void *b)
{
	return strcmp(((const struct db_object_fields *)a)->table,
		      ((const struct db_object_fields *)b)->table);
}

static void free_pending(gpointer data)
{
	GArray *fields = data;
	for (guint i = 0; i < fields->len; i++)
		field_clear(&g_array_index(fields, struct db_field, i));
	g_array_free(fields, TRUE);
}

int db_fields_from_rows(const char *const *values, size_t nrows, struct db_fields **out,
			struct error *err)
{
	*out = NULL;
	/* table -> GArray of struct db_field; table -> object name; seen "table\x1fcolumn" */
	GHashTable *fields_of =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_pending);
	GHashTable *object_of = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	int rc = 0;

	for (size_t r = 0; r < nrows && rc == 0; r++) {
		const char *const *v = values + r * DB_FIELDS_NCOLUMNS;
		const char *object = v[DB_FIELDS_OBJECT], *field = v[DB_FIELDS_FIELD];
		struct db_field f;
		const char *bad = NULL;
		if (!object || !*object)
			bad = "object";
		else if (!field || !*field)
			bad = "field";
		if (bad || !read_row(v, &f, &bad)) {
			rc = error_set(err, EINVAL,
				       "reading _forcefs_fields: row %zu (%s.%s): bad %s", r + 1,
				       object ? object : "NULL", field ? field : "NULL", bad);
			break;
		}
		char *table = g_ascii_strdown(object, -1);
		char *key = g_strconcat(table, "\x1f", f.column, NULL);
		if (!g_hash_table_add(seen, key)) {
			field_clear(&f); /* the same column twice: the first row wins */
			g_free(table);
			continue;
		}
		GArray *fields = g_hash_table_lookup(fields_of, table);
		if (!fields) {
			fields = g_array_new(FALSE, FALSE, sizeof(struct db_field));
			g_hash_table_insert(object_of, g_strdup(table), g_strdup(object));
			g_hash_table_insert(fields_of, g_strdup(table), fields);
		}
		g_array_append_val(fields, f);
		g_free(table);
	}

	if (rc == 0) {
		struct db_fields *all = g_new0(struct db_fields, 1);
		all->present = true;
		all->nobjects = g_hash_table_size(fields_of);
		all->objects = g_new0(struct db_object_fields, all->nobjects);
		GHashTableIter it;
		gpointer key, value;
		size_t i = 0;
		g_hash_table_iter_init(&it, fields_of);
		while (g_hash_table_iter_next(&it, &key, &value)) {
			GArray *fields = value;
			struct db_object_fields *o = &all->objects[i++];
			o->table = g_strdup(key);
			o->object = g_strdup(g_hash_table_lookup(object_of, key));
			o->nfields = fields->len;
			o->fields = (struct db_field *)g_array_free(fields, FALSE);
			g_hash_table_iter_steal(&it);
			g_free(key);
		}
		if (all->nobjects > 1)
			qsort(all->objects, all->nobjects, sizeof(*all->objects), compare_objects);
		*out = all;
	}
	g_hash_table_destroy(fields_of);
	g_hash_table_destroy(object_of);
	g_hash_table_destroy(seen);
	return rc;
}

void db_fields_free(struct db_fields *fields)
{
	if (!fields)
		return;
	for (size_t i = 0; i < fields->nobjects; i++) {
		struct db_object_fields *o = &fields->objects[i];
		for (size_t j = 0; j < o->nfields; j++)
			field_clear(&o->fields[j]);
		g_free(o->fields);
		g_free(o->object);
		g_free(o->table);
	}
	g_free(fields->objects);
	g_free(fields);
}

const struct db_object_fields *db_fields_find_object(const struct db_fields *fields,
						     const char *table)
{
	if (!fields || fields->nobjects == 0)
		return NULL;
	struct db_object_fields key = {.table = (char *)table};
	return bsearch(&key, fields->objects, fields->nobjects, sizeof(*fields->objects),
		       compare_objects);
}

/* --- the query ------------------------------------------------------------------ */

int db_fields_load(struct pg_conn *conn, const char *schema, struct db_fields **out,
		   struct error *err)
{
	struct error local;
	if (!err)
		err = &local;
	*out = NULL;
	char *table = db_qualified_name(conn, schema, "_forcefs_fields");
	const char *params[] = {table};
	PGresult *res = db_query(conn, "looking for _forcefs_fields",
				 "SELECT to_regclass($1) IS NOT NULL", 1, params, err);
	if (!res) {
		g_free(table);
		return -err->code;
	}
	bool exists = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!exists) {
		g_free(table);
		*out = g_new0(struct db_fields, 1); /* no metadata: not an error */
		return 0;
	}

	/* The columns in enum db_fields_column order; every identifier quoted. */
	char *sql = g_strdup_printf(
	    "SELECT \"object\", \"field\", \"column\", \"type\", \"length\", \"precision\", "
	    "\"scale\", \"nillable\", \"createable\", \"updateable\", \"defaulted_on_create\", "
	    "\"calculated\", \"external_id\", \"picklist_values\", \"restricted\" "
	    "FROM %s ORDER BY \"object\", \"field\"",
	    table);
	g_free(table);
	res = db_query(conn, "reading _forcefs_fields", sql, 0, NULL, err);
	g_free(sql);
	if (!res)
		return -err->code;
	if (PQnfields(res) != DB_FIELDS_NCOLUMNS) {
		PQclear(res);
		return error_set(err, EINVAL, "reading _forcefs_fields: expected %d columns",
				 DB_FIELDS_NCOLUMNS);
	}

	size_t nrows = (size_t)PQntuples(res);
	const char **values = g_new0(const char *, nrows *DB_FIELDS_NCOLUMNS + 1);
	for (size_t r = 0; r < nrows; r++) {
		for (int c = 0; c < DB_FIELDS_NCOLUMNS; c++) {
			if (!PQgetisnull(res, (int)r, c))
				values[r * DB_FIELDS_NCOLUMNS + (size_t)c] =
				    PQgetvalue(res, (int)r, c);
		}
	}
	int rc = db_fields_from_rows(values, nrows, out, err);
	g_free(values);
	PQclear(res);
	return rc;
}
