#include "db_schema.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "db_conn.h"
#include "hc_conventions.h"
#include "log.h"

bool db_name_is_file_name(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > 200 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static int compare_record_columns(const void *a, const void *b)
{
	return strcmp(((const struct record_column *)a)->name,
		      ((const struct record_column *)b)->name);
}

static const struct db_column *find_column(const struct db_object *obj, const char *name)
{
	for (size_t i = 0; i < obj->ncolumns; i++)
		if (strcmp(obj->columns[i].name, name) == 0)
			return &obj->columns[i];
	return NULL;
}

/* Builds the SELECT list and FROM clause for one object, from quoted identifiers. */
static void build_queries(PGconn *conn, const char *schema, struct db_object *obj)
{
	GString *sel = g_string_new("id, sfid, ");
	g_string_append(sel, find_column(obj, "systemmodstamp")
				 ? "(date_part('epoch', systemmodstamp) * 1000)::int8, "
				 : "NULL::int8, ");
	g_string_append(sel, find_column(obj, "_hc_lastop") ? "_hc_lastop, " : "NULL, ");
	g_string_append(sel, find_column(obj, "_hc_err") ? "_hc_err" : "NULL");
	obj->names_list = g_strdup(sel->str);
	for (size_t i = 0; i < obj->nshown; i++) {
		char *q = db_quote_ident(conn, obj->shown[i].name);
		g_string_append_printf(sel, ", %s", q);
		g_free(q);
	}
	obj->versioned_list = g_strdup_printf("%s, xmin", sel->str);
	obj->select_list = g_string_free(sel, FALSE);

	char *table = db_qualified_name(conn, schema, obj->table);
	obj->from_where =
	    g_strdup_printf("FROM %s WHERE %s", table,
			    find_column(obj, "isdeleted") ? "isdeleted IS NOT TRUE" : "true");
	g_free(table);
}

static const char objects_sql[] =
    "SELECT c.relname, a.attname, "
    "  CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END, "
    "  format_type(a.atttypid, a.atttypmod), a.atttypmod, a.attnotnull, a.atthasdef "
    "FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "JOIN pg_type t ON t.oid = a.atttypid "
    "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND left(c.relname, 1) <> '_' "
    "  AND EXISTS (SELECT 1 FROM pg_attribute s WHERE s.attrelid = c.oid "
    "              AND s.attname = 'sfid' AND NOT s.attisdropped) "
    "  AND EXISTS (SELECT 1 FROM pg_attribute s WHERE s.attrelid = c.oid "
    "              AND s.attname = 'id' AND NOT s.attisdropped) "
    "ORDER BY c.relname, a.attnum";

/*
 * Heroku Connect installs one logger function per mapping; a read-only mapping's
 * logger records state READONLY instead of NEW.
 */
static const char loggers_sql[] =
    "SELECT p.proname, p.prosrc LIKE '%''READONLY''%' AND p.prosrc NOT LIKE '%''NEW''%' "
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = $1 AND p.proname LIKE 'hc\\_%\\_logger'";

static void finish_object(PGconn *conn, const char *schema, struct db_object *obj, GArray *columns)
{
	obj->ncolumns = columns->len;
	obj->columns = (struct db_column *)g_array_free(columns, FALSE);
	obj->shown = g_new0(struct record_column, obj->ncolumns);
	for (size_t i = 0; i < obj->ncolumns; i++) {
		const struct db_column *c = &obj->columns[i];
		if (hc_is_hidden_column(c->name))
			continue;
		obj->shown[obj->nshown].name = c->name;
		obj->shown[obj->nshown].kind = record_kind_of_type_oid(c->type_oid);
		obj->nshown++;
	}
	qsort(obj->shown, obj->nshown, sizeof(*obj->shown), compare_record_columns);
	build_queries(conn, schema, obj);
}

int db_catalog_load(PGconn *conn, const char *schema, struct db_catalog **out, struct error *err)
{
	const char *params[] = {schema};
	PGresult *res = db_query(conn, "reading the catalog",
				 "SELECT 1 FROM pg_namespace WHERE nspname = $1", 1, params, err);
	if (!res)
		return -err->code;
	int exists = PQntuples(res) > 0;
	PQclear(res);
	if (!exists)
		return error_set(err, ENOENT,
				 "schema \"%s\" does not exist: pass --schema or set "
				 "HEROKUCONNECT_SCHEMA, or create it with forcefs init",
				 schema);

	res = db_query(conn, "reading the catalog", objects_sql, 1, params, err);
	if (!res)
		return -err->code;

	GArray *objects = g_array_new(FALSE, TRUE, sizeof(struct db_object));
	GArray *columns = NULL;
	struct db_object current = {0};
	int rows = PQntuples(res);
	for (int r = 0; r <= rows; r++) {
		const char *table = r < rows ? PQgetvalue(res, r, 0) : NULL;
		if (current.table && (!table || strcmp(table, current.table) != 0)) {
			finish_object(conn, schema, &current, columns);
			g_array_append_val(objects, current);
			memset(&current, 0, sizeof(current));
		}
		if (!table)
			break;
		if (!current.table) {
			if (!db_name_is_file_name(table)) {
				log_warn("table %s.\"%s\" is not shown: its name cannot be a "
					 "file name",
					 schema, table);
				while (r + 1 < rows &&
				       strcmp(PQgetvalue(res, r + 1, 0), table) == 0)
					r++;
				continue;
			}
			current.table = g_strdup(table);
			columns = g_array_new(FALSE, TRUE, sizeof(struct db_column));
		}
		struct db_column col = {
		    .name = g_strdup(PQgetvalue(res, r, 1)),
		    .type_oid = (unsigned int)strtoul(PQgetvalue(res, r, 2), NULL, 10),
		    .type_name = g_strdup(PQgetvalue(res, r, 3)),
		    .max_chars = -1,
		    .not_null = PQgetvalue(res, r, 5)[0] == 't',
		    .has_default = PQgetvalue(res, r, 6)[0] == 't',
		};
		int typmod = atoi(PQgetvalue(res, r, 4));
		if ((col.type_oid == 1043 || col.type_oid == 1042) && typmod > 4)
			col.max_chars = typmod - 4;
		g_array_append_val(columns, col);
	}
	PQclear(res);

	struct db_catalog *cat = g_new0(struct db_catalog, 1);
	cat->schema = g_strdup(schema);
	cat->nobjects = objects->len;
	cat->objects = (struct db_object *)g_array_free(objects, FALSE);
	for (size_t i = 0; i < cat->nobjects; i++)
		cat->objects[i].schema_name = cat->schema;

	res = db_query(conn, "reading the catalog", loggers_sql, 1, params, err);
	if (!res) {
		db_catalog_free(cat);
		return -err->code;
	}
	for (int r = 0; r < PQntuples(res); r++) {
		const char *fn = PQgetvalue(res, r, 0); /* hc_<table>_logger */
		size_t len = strlen(fn);
		char *table = g_strndup(fn + 3, len - 3 - strlen("_logger"));
		struct db_object *obj = (struct db_object *)db_catalog_find(cat, table);
		if (obj && PQgetvalue(res, r, 1)[0] == 't')
			obj->readonly = true;
		g_free(table);
	}
	PQclear(res);
	*out = cat;
	return 0;
}

void db_catalog_free(struct db_catalog *cat)
{
	if (!cat)
		return;
	for (size_t i = 0; i < cat->nobjects; i++) {
		struct db_object *obj = &cat->objects[i];
		for (size_t c = 0; c < obj->ncolumns; c++) {
			g_free(obj->columns[c].name);
			g_free(obj->columns[c].type_name);
		}
		g_free(obj->columns);
		g_free(obj->shown);
		g_free(obj->select_list);
		g_free(obj->names_list);
		g_free(obj->versioned_list);
		g_free(obj->from_where);
		g_free(obj->table);
	}
	g_free(cat->objects);
	g_free(cat->schema);
	g_free(cat);
}

const struct db_object *db_catalog_find(const struct db_catalog *cat, const char *table)
{
	for (size_t i = 0; i < cat->nobjects; i++)
		if (strcmp(cat->objects[i].table, table) == 0)
			return &cat->objects[i];
	return NULL;
}
