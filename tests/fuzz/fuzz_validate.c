/* libFuzzer target: validation of what users write. A record file goes through
 * validate_insert and validate_update against a table with a column of every kind and
 * the field metadata Heroku Connect exports; a refusal is one line, an acceptance gives
 * one libpq parameter per column. */
#include <errno.h>
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record_parse.h"
#include "record_render.h"
#include "validate_record.h"

struct spec {
	const char *name;
	unsigned int oid;
	const char *type_name;
	int max_chars;
	bool not_null, has_default;
};

static const struct spec specs[] = {
    {"id", 23, "integer", -1, true, true},
    {"sfid", 1043, "character varying(18)", 18, false, false},
    {"systemmodstamp", 1114, "timestamp without time zone", -1, false, false},
    {"isdeleted", 16, "boolean", -1, false, false},
    {"_hc_lastop", 1043, "character varying(32)", 32, false, false},
    {"_hc_err", 25, "text", -1, false, false},
    {"name", 1043, "character varying(255)", 255, true, false},
    {"amount", 701, "double precision", -1, false, false},
    {"ratio", 700, "real", -1, false, false},
    {"count", 23, "integer", -1, false, false},
    {"small", 21, "smallint", -1, false, false},
    {"big", 20, "bigint", -1, false, false},
    {"price", 1700, "numeric(18,2)", -1, false, false},
    {"active", 16, "boolean", -1, false, false},
    {"born", 1082, "date", -1, false, false},
    {"at", 1083, "time without time zone", -1, false, false},
    {"seen", 1114, "timestamp without time zone", -1, false, false},
    {"seenz", 1184, "timestamp with time zone", -1, false, false},
    {"code", 1042, "character(3)", 3, false, false},
    {"rating", 1043, "character varying(255)", 255, false, false},
    {"tags", 1043, "character varying(4099)", 4099, false, false},
    {"site", 1043, "character varying(255)", 255, false, false},
    {"mail", 1043, "character varying(80)", 80, false, false},
    {"parent", 1043, "character varying(18)", 18, false, false},
    {"doc", 3802, "jsonb", -1, false, false},
    {"uid", 2950, "uuid", -1, false, false},
    {"formula", 1043, "character varying(255)", 255, false, false},
};

static char *ratings[] = {(char *)"Hot", (char *)"Warm", (char *)"Cold", NULL};

#define FIELD(col, t, len, nil, cre, upd)                                                          \
	{                                                                                          \
		.field = (char *)col, .column = (char *)col, .type = (char *)t, .length = len,     \
		.nillable = nil, .createable = cre, .updateable = upd,                             \
	}

static struct db_field field_list[] = {
    FIELD("sfid", "id", 18, false, false, false),
    FIELD("name", "string", 255, false, true, true),
    FIELD("amount", "currency", 0, true, true, true),
    FIELD("count", "int", 0, true, true, true),
    {.field = (char *)"Rating", .column = (char *)"rating", .type = (char *)"picklist",
     .length = 255, .nillable = true, .createable = true, .updateable = true,
     .picklist_values = ratings, .npicklist_values = 3, .restricted = true},
    {.field = (char *)"Tags", .column = (char *)"tags", .type = (char *)"multipicklist",
     .length = 4099, .nillable = true, .createable = true, .updateable = true,
     .picklist_values = ratings, .npicklist_values = 3, .restricted = true},
    FIELD("site", "url", 255, true, true, true),
    FIELD("mail", "email", 80, true, true, true),
    FIELD("parent", "reference", 18, true, true, true),
    FIELD("price", "double", 0, true, true, false),
    {.field = (char *)"Formula", .column = (char *)"formula", .type = (char *)"string",
     .length = 255, .nillable = true, .calculated = true},
};

static const struct db_object_fields meta = {
    .object = (char *)"Thing__c",
    .table = (char *)"thing__c",
    .fields = field_list,
    .nfields = G_N_ELEMENTS(field_list),
};

static struct db_object object;

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct record_column *)a)->name,
		      ((const struct record_column *)b)->name);
}

static void build_object(void)
{
	size_t n = G_N_ELEMENTS(specs);
	object.table = (char *)"thing__c";
	object.columns = calloc(n, sizeof(*object.columns));
	object.shown = calloc(n, sizeof(*object.shown));
	for (size_t i = 0; i < n; i++) {
		object.columns[object.ncolumns++] = (struct db_column){
		    .name = (char *)specs[i].name,
		    .type_oid = specs[i].oid,
		    .type_name = (char *)specs[i].type_name,
		    .max_chars = specs[i].max_chars,
		    .not_null = specs[i].not_null,
		    .has_default = specs[i].has_default,
		};
		const char *s = specs[i].name;
		if (strcmp(s, "id") && strcmp(s, "isdeleted") && strcmp(s, "_hc_lastop") &&
		    strcmp(s, "_hc_err"))
			object.shown[object.nshown++] = (struct record_column){
			    .name = specs[i].name, .kind = record_kind_of_type_oid(specs[i].oid)};
	}
	qsort(object.shown, object.nshown, sizeof(*object.shown), by_name);
}

static void check(int rc, const struct validate_values *v, const struct error *err)
{
	if (rc != 0) {
		if (rc != -err->code || v->n != 0 || strchr(err->message, '\n') ||
		    !err->message[0])
			abort();
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		if (!v->columns[i] || (v->params[i] && !g_utf8_validate(v->params[i], -1, NULL)))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!object.columns)
		build_object();
	GError *error = NULL;
	struct record_parsed *record = record_parse((const char *)data, size, &error);
	g_clear_error(&error);
	if (!record)
		return 0;
	for (int with_meta = 0; with_meta < 2; with_meta++) {
		const struct db_object_fields *m = with_meta ? &meta : NULL;
		struct validate_values v = {0};
		struct error err = {0};
		check(validate_insert(&object, m, record, &v, &err), &v, &err);
		validate_values_clear(&v);

		const struct record_field **fields = g_new(const struct record_field *, record->nfields + 1);
		for (size_t i = 0; i < record->nfields; i++)
			fields[i] = &record->fields[i];
		error_clear(&err);
		check(validate_update(&object, m, fields, record->nfields, &v, &err), &v, &err);
		validate_values_clear(&v);
		g_free(fields);
	}
	record_parsed_free(record);
	return 0;
}
