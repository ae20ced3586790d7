/*
 * Tests for validate_record: which fields of a record file may be written on update and
 * on insert, and the SQL text parameters they become (docs/contract.md §5, §5.1, validate_record.h).
 *
 * The fixture is an `account` table shaped as Heroku Connect makes it, with metadata as
 * `_forcefs_fields` holds it. Each check reads a one-line outcome: "col=sql, col=NULL" for
 * what would be written, or "E<errno>: <message>" when refused.
 */
#include "validate_record.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "record_render.h"

/* --- fixture: a table, as db_catalog_load() describes it ------------------------------ */

enum {
	BOOL = 16,
	INT8 = 20,
	INT2 = 21,
	INT4 = 23,
	TEXT = 25,
	OID = 26,
	FLOAT4 = 700,
	FLOAT8 = 701,
	INT4ARRAY = 1007,
	BPCHAR = 1042,
	VARCHAR = 1043,
	DATE = 1082,
	TIME = 1083,
	TIMESTAMP = 1114,
	TIMESTAMPTZ = 1184,
	INTERVAL = 1186,
	NUMERIC = 1700,
	UUID = 2950,
	JSONB = 3802,
};

struct column_spec {
	const char *name;
	unsigned int oid;
	const char *type_name;
	int max_chars;
	bool not_null;
	bool has_default;
};

static int compare_shown(const void *a, const void *b)
{
	return strcmp(((const struct record_column *)a)->name,
		      ((const struct record_column *)b)->name);
}

static bool is_hidden(const char *name)
{
	return !strcmp(name, "id") || !strcmp(name, "isdeleted") || !strcmp(name, "_hc_lastop") ||
	       !strcmp(name, "_hc_err");
}

/* A db_object with `columns`, showing all but the hidden ones, sorted (as db_schema does). */
static struct db_object *object_new(const char *table, const struct column_spec *specs, size_t n)
{
	struct db_object *o = g_new0(struct db_object, 1);
	o->table = g_strdup(table);
	o->columns = g_new0(struct db_column, n);
	o->shown = g_new0(struct record_column, n);
	for (size_t i = 0; i < n; i++) {
		o->columns[o->ncolumns++] = (struct db_column){
		    .name = g_strdup(specs[i].name),
		    .type_oid = specs[i].oid,
		    .type_name = g_strdup(specs[i].type_name),
		    .max_chars = specs[i].max_chars,
		    .not_null = specs[i].not_null,
		    .has_default = specs[i].has_default,
		};
		if (!is_hidden(specs[i].name))
			o->shown[o->nshown++] = (struct record_column){
			    .name = o->columns[i].name,
			    .kind = record_kind_of_type_oid(specs[i].oid),
			};
	}
	qsort(o->shown, o->nshown, sizeof(*o->shown), compare_shown);
	return o;
}

static void object_free(struct db_object *o)
{
	for (size_t i = 0; i < o->ncolumns; i++) {
		g_free(o->columns[i].name);
		g_free(o->columns[i].type_name);
	}
	g_free(o->columns);
	g_free(o->shown);
	g_free(o->table);
	g_free(o);
}

/* Heroku Connect's system columns, then the account's own. */
static const struct column_spec account_columns[] = {
    {"id", INT4, "integer", -1, true, true},
    {"sfid", VARCHAR, "character varying(18)", 18, false, false},
    {"systemmodstamp", TIMESTAMP, "timestamp without time zone", -1, false, false},
    {"isdeleted", BOOL, "boolean", -1, false, false},
    {"createddate", TIMESTAMP, "timestamp without time zone", -1, false, false},
    {"lastmodifieddate", TIMESTAMP, "timestamp without time zone", -1, false, false},
    {"createdbyid", VARCHAR, "character varying(18)", 18, false, false},
    {"lastmodifiedbyid", VARCHAR, "character varying(18)", 18, false, false},
    {"_hc_lastop", VARCHAR, "character varying(32)", 32, false, false},
    {"_hc_err", TEXT, "text", -1, false, false},
    {"name", VARCHAR, "character varying(255)", 255, false, false},
    {"annualrevenue", FLOAT8, "double precision", -1, false, false},
    {"numberofemployees", INT4, "integer", -1, false, false},
    {"rating", VARCHAR, "character varying(255)", 255, false, false},
    {"website", VARCHAR, "character varying(255)", 255, false, false},
    {"description", TEXT, "text", -1, false, false},
    {"active__c", BOOL, "boolean", -1, false, false},
    {"status__c", VARCHAR, "character varying(40)", 40, true, true},
    {"code__c", VARCHAR, "character varying(10)", 10, true, false},
    {"lastcontact__c", TIMESTAMP, "timestamp without time zone", -1, false, false},
    {"formula__c", VARCHAR, "character varying(255)", 255, false, false},
    {"region__c", VARCHAR, "character varying(255)", 255, false, false},
    {"approval__c", VARCHAR, "character varying(255)", 255, false, false},
    {"parentid", VARCHAR, "character varying(18)", 18, false, false},
};

static char *ratings[] = {(char *)"Hot", (char *)"Warm", (char *)"Cold", NULL};

#define FIELD(col, t, len, nil, cre, upd, dflt, calc)                                              \
	{                                                                                          \
		.field = (char *)col, .column = (char *)col, .type = (char *)t, .length = len,     \
		.nillable = nil, .createable = cre, .updateable = upd,                             \
		.defaulted_on_create = dflt, .calculated = calc,                                   \
	}

/* As tools/hcschema.py writes _forcefs_fields for the demo Account. */
static struct db_field account_field_list[] = {
    FIELD("sfid", "id", 18, false, false, false, true, false),
    FIELD("name", "string", 255, false, true, true, false, false),
    FIELD("annualrevenue", "currency", 0, true, true, true, false, false),
    FIELD("numberofemployees", "int", 0, true, true, true, false, false),
    {.field = (char *)"Rating",
     .column = (char *)"rating",
     .type = (char *)"picklist",
     .length = 255,
     .nillable = true,
     .createable = true,
     .updateable = true,
     .picklist_values = ratings,
     .npicklist_values = 3,
     .restricted = true},
    FIELD("website", "url", 255, true, true, true, false, false),
    FIELD("description", "textarea", 32000, true, true, true, false, false),
    FIELD("active__c", "boolean", 0, false, true, true, true, false),
    FIELD("status__c", "picklist", 255, false, true, true, true, false),
    FIELD("formula__c", "string", 255, true, false, false, false, true),
    FIELD("region__c", "string", 255, true, false, true, false, false),
    FIELD("approval__c", "string", 255, true, true, false, false, false),
    FIELD("parentid", "reference", 18, true, true, true, false, false),
};

static const struct db_object_fields account_fields = {
    .object = (char *)"Account",
    .table = (char *)"account",
    .fields = account_field_list,
    .nfields = G_N_ELEMENTS(account_field_list),
};

static struct db_object *account;

/* --- running validation on JSON text -------------------------------------------------- */

static struct record_parsed *parse(const char *json)
{
	g_autoptr(GError) error = NULL;
	struct record_parsed *record = record_parse(json, strlen(json), &error);
	g_assert_no_error(error);
	return record;
}

static char *outcome(int rc, const struct validate_values *v, const struct error *err)
{
	if (rc != 0) {
		g_assert_cmpint(rc, ==, -err->code);
		g_assert_cmpuint(v->n, ==, 0);
		g_assert_null(v->columns);
		g_assert_null(strchr(err->message, '\n'));
		return g_strdup_printf("E%s: %s",
				       err->code == EINVAL  ? "INVAL"
				       : err->code == EROFS ? "ROFS"
							    : "?",
				       err->message);
	}
	GString *out = g_string_new(NULL);
	for (size_t i = 0; i < v->n; i++)
		g_string_append_printf(out, "%s%s=%s", i ? ", " : "", v->columns[i],
				       v->params[i] ? v->params[i] : "NULL");
	return g_string_free(out, FALSE);
}

/* Validates every field of `json` as the fields an update writes. */
static char *update(const struct db_object *o, const struct db_object_fields *meta,
		    const char *json)
{
	struct record_parsed *p = parse(json);
	const struct record_field **fields = g_new0(const struct record_field *, p->nfields + 1);
	for (size_t i = 0; i < p->nfields; i++)
		fields[i] = &p->fields[i];
	struct validate_values v;
	struct error err;
	error_clear(&err);
	int rc = validate_update(o, meta, fields, p->nfields, &v, &err);
	char *out = outcome(rc, &v, &err);
	validate_values_clear(&v);
	validate_values_clear(&v); /* safe twice */
	g_free(fields);
	record_parsed_free(p);
	return out;
}

static char *insert(const struct db_object *o, const struct db_object_fields *meta,
		    const char *json)
{
	struct record_parsed *p = parse(json);
	struct validate_values v;
	struct error err;
	error_clear(&err);
	int rc = validate_insert(o, meta, p, &v, &err);
	char *out = outcome(rc, &v, &err);
	validate_values_clear(&v);
	record_parsed_free(p);
	return out;
}

#define assert_update(json, expected)                                                              \
	do {                                                                                       \
		g_autofree char *got_ = update(account, &account_fields, (json));                  \
		g_assert_cmpstr(got_, ==, (expected));                                             \
	} while (0)

#define assert_insert(json, expected)                                                              \
	do {                                                                                       \
		g_autofree char *got_ = insert(account, &account_fields, (json));                  \
		g_assert_cmpstr(got_, ==, (expected));                                             \
	} while (0)

/* --- update ----------------------------------------------------------------------------- */

static void test_update_writes_fields_in_order_written(void)
{
	assert_update("{\"numberofemployees\": 1e2, \"name\": \"Acme\", \"description\": null}",
		      "numberofemployees=100, name=Acme, description=NULL");
	assert_update("{}", "");
}

static void test_update_refuses_unknown_field(void)
{
	assert_update("{\"name\": \"Acme\", \"foo\": 1}", "EINVAL: unknown field \"foo\"");
	assert_update("{\"Name\": \"Acme\"}", "EINVAL: unknown field \"Name\"");
}

static void test_update_refuses_hidden_columns_as_unknown(void)
{
	assert_update("{\"id\": 7}", "EINVAL: unknown field \"id\"");
	assert_update("{\"isdeleted\": true}", "EINVAL: unknown field \"isdeleted\"");
	assert_update("{\"_hc_lastop\": \"SYNCED\"}", "EINVAL: unknown field \"_hc_lastop\"");
	assert_update("{\"_hc_err\": null}", "EINVAL: unknown field \"_hc_err\"");
}

static void test_update_refuses_system_fields_as_read_only(void)
{
	assert_update("{\"sfid\": \"001xx000003DGb2AAG\"}", "EINVAL: field \"sfid\" is read-only");
	assert_update("{\"createddate\": \"2023-10-01T12:34:56Z\"}",
		      "EINVAL: field \"createddate\" is read-only");
	assert_update("{\"systemmodstamp\": null}",
		      "EINVAL: field \"systemmodstamp\" is read-only");
	assert_update("{\"lastmodifieddate\": \"x\"}",
		      "EINVAL: field \"lastmodifieddate\" is read-only");
	assert_update("{\"createdbyid\": \"005\"}", "EINVAL: field \"createdbyid\" is read-only");
	assert_update("{\"lastmodifiedbyid\": \"005\"}",
		      "EINVAL: field \"lastmodifiedbyid\" is read-only");
	/* Without metadata too: they come from the catalog's side of the rules. */
	g_autofree char *got = update(account, NULL, "{\"sfid\": null}");
	g_assert_cmpstr(got, ==, "EINVAL: field \"sfid\" is read-only");
}

static void test_update_refuses_not_updateable_and_calculated_fields(void)
{
	assert_update("{\"formula__c\": \"x\"}", "EINVAL: field \"formula__c\" is read-only");
	assert_update("{\"approval__c\": \"x\"}",
		      "EINVAL: field \"approval__c\" can only be set when the record is created");
	assert_update("{\"region__c\": \"EMEA\"}", "region__c=EMEA");
	/* Without metadata nothing says so: written. */
	g_autofree char *got = update(account, NULL, "{\"formula__c\": \"x\"}");
	g_assert_cmpstr(got, ==, "formula__c=x");
}

static void test_update_refuses_read_only_object(void)
{
	account->readonly = true;
	g_autofree char *got = update(account, &account_fields, "{\"name\": \"Acme\"}");
	g_autofree char *got_insert = insert(account, &account_fields, "{\"name\": \"Acme\"}");
	account->readonly = false;
	g_assert_cmpstr(
	    got, ==, "EROFS: object \"account\" is read-only (Heroku Connect maps it read-only)");
	g_assert_cmpstr(
	    got_insert, ==,
	    "EROFS: object \"account\" is read-only (Heroku Connect maps it read-only)");
}

static void test_update_converts_timestamp_with_offset_to_utc(void)
{
	assert_update("{\"lastcontact__c\": \"2023-10-01T14:34:56.789+02:00\"}",
		      "lastcontact__c=2023-10-01 12:34:56.789");
	assert_update("{\"lastcontact__c\": \"2023-10-01T23:30:00-01:00\"}",
		      "lastcontact__c=2023-10-02 00:30:00");
}

static void test_update_refuses_null_for_not_nillable_field(void)
{
	assert_update("{\"name\": null}", "EINVAL: field \"name\" cannot be null");
	assert_update("{\"code__c\": null}", "EINVAL: field \"code__c\" cannot be null");
	assert_update("{\"active__c\": null}", "EINVAL: field \"active__c\" cannot be null");
}

static void test_first_problem_in_written_order_is_reported(void)
{
	assert_update("{\"numberofemployees\": \"many\", \"foo\": 1}",
		      "EINVAL: field \"numberofemployees\": expected an integer, got \"many\"");
	assert_update("{\"foo\": 1, \"numberofemployees\": \"many\"}",
		      "EINVAL: unknown field \"foo\"");
}

/* --- insert ----------------------------------------------------------------------------- */

static void test_insert_writes_fields_in_order_written(void)
{
	assert_insert(
	    "{\"name\": \"Acme\", \"code__c\": \"A1\", \"rating\": \"Hot\", "
	    "\"annualrevenue\": 1500000.5, \"description\": null}",
	    "name=Acme, code__c=A1, rating=Hot, annualrevenue=1500000.5, description=NULL");
}

static void test_insert_ignores_system_fields(void)
{
	/* What `cp existing.json new.json` carries. */
	assert_insert("{\"createdbyid\": \"005xx000001SvHkAAK\", "
		      "\"createddate\": \"2023-10-01T12:34:56Z\", \"code__c\": \"A1\", "
		      "\"lastmodifiedbyid\": \"005xx000001SvHkAAK\", "
		      "\"lastmodifieddate\": \"2023-10-01T12:34:56Z\", \"name\": \"Acme\", "
		      "\"sfid\": \"001xx000003DGb2AAG\", "
		      "\"systemmodstamp\": \"2023-10-01T12:34:56.789Z\"}",
		      "code__c=A1, name=Acme");
	/* Whatever their value, and even when the table lacks the column. */
	g_autofree char *got = insert(account, NULL,
				      "{\"sfid\": [1], \"createddate\": \"garbage\", "
				      "\"code__c\": \"A1\"}");
	g_assert_cmpstr(got, ==, "code__c=A1");
}

static void test_insert_ignores_read_only_fields_from_metadata(void)
{
	assert_insert("{\"name\": \"Acme\", \"code__c\": \"A1\", \"formula__c\": \"computed\"}",
		      "name=Acme, code__c=A1");
}

static void test_insert_refuses_unknown_field(void)
{
	assert_insert("{\"name\": \"Acme\", \"code__c\": \"A1\", \"foo\": 1}",
		      "EINVAL: unknown field \"foo\"");
	assert_insert("{\"name\": \"Acme\", \"code__c\": \"A1\", \"id\": 42}",
		      "EINVAL: unknown field \"id\"");
}

static void test_insert_refuses_value_for_field_not_createable(void)
{
	assert_insert("{\"name\": \"Acme\", \"code__c\": \"A1\", \"region__c\": \"EMEA\"}",
		      "EINVAL: field \"region__c\" cannot be set on a new record");
	assert_insert("{\"name\": \"Acme\", \"code__c\": \"A1\", \"region__c\": null}",
		      "name=Acme, code__c=A1");
	assert_insert("{\"name\": \"Acme\", \"code__c\": \"A1\", \"approval__c\": \"yes\"}",
		      "name=Acme, code__c=A1, approval__c=yes");
}

static void test_insert_requires_required_fields_from_metadata(void)
{
	assert_insert("{\"code__c\": \"A1\"}", "EINVAL: field \"name\" is required");
	assert_insert("{\"code__c\": \"A1\", \"name\": null}",
		      "EINVAL: field \"name\" is required");
	/* Not nillable but defaulted on create (active__c, status__c): not required. */
	assert_insert("{\"code__c\": \"A1\", \"name\": \"Acme\"}", "code__c=A1, name=Acme");
	/* Without metadata, name is an ordinary nullable column. */
	g_autofree char *got = insert(account, NULL, "{\"code__c\": \"A1\"}");
	g_assert_cmpstr(got, ==, "code__c=A1");
}

static void test_insert_requires_not_null_columns_without_default(void)
{
	assert_insert("{\"name\": \"Acme\"}", "EINVAL: field \"code__c\" is required");
	assert_insert("{\"name\": \"Acme\", \"code__c\": null}",
		      "EINVAL: field \"code__c\" is required");
	/* NOT NULL with a default: may be left out, not set to null. */
	assert_insert("{\"name\": \"Acme\", \"code__c\": \"A1\", \"status__c\": null}",
		      "EINVAL: field \"status__c\" cannot be null");
	/* The hidden id (NOT NULL DEFAULT nextval) is never required. */
	g_autofree char *got = insert(account, NULL, "{\"code__c\": \"A1\"}");
	g_assert_cmpstr(got, ==, "code__c=A1");
}

static void test_insert_of_empty_record_when_nothing_is_required(void)
{
	const struct column_spec specs[] = {
	    {"id", INT4, "integer", -1, true, true},
	    {"sfid", VARCHAR, "character varying(18)", 18, false, false},
	    {"note__c", TEXT, "text", -1, false, false},
	};
	struct db_object *o = object_new("note__c", specs, G_N_ELEMENTS(specs));
	g_autofree char *got = insert(o, NULL, "{}");
	g_assert_cmpstr(got, ==, ""); /* INSERT ... DEFAULT VALUES */
	object_free(o);
}

/* --- data, not code --------------------------------------------------------------------- */

static void test_sql_injection_looking_names_and_values_are_data(void)
{
	assert_update("{\"name\\\" = 'x'; DROP TABLE account; --\": 1}",
		      "EINVAL: unknown field \"name\\\" = 'x'; DROP TABLE account; --\"");
	assert_update("{\"name\": \"Robert'); DROP TABLE account; --\"}",
		      "name=Robert'); DROP TABLE account; --");
	assert_update("{\"description\": \"$1 \\\\ \\\" ' E'\\\\x00' ;\"}",
		      "description=$1 \\ \" ' E'\\x00' ;");
	assert_update("{\"numberofemployees\": \"1; DELETE FROM account\"}",
		      "EINVAL: field \"numberofemployees\": expected an integer, got \"1; DELETE "
		      "FROM account\"");
	assert_insert("{\"name\": \"x\", \"code__c\": \"A1\", \"\\\"; --\": 1}",
		      "EINVAL: unknown field \"\\\"; --\"");
}

static void test_one_mib_strings(void)
{
	const size_t mib = 1024 * 1024;
	g_autofree char *big = g_strnfill(mib, 'a');
	g_autofree char *json =
	    g_strdup_printf("{\"description\": \"%s\", \"name\": \"%s\"}", big, big);

	/* A text column takes it whole (without metadata: Salesforce would limit it). */
	struct record_parsed *p = parse(json);
	const struct record_field *first = &p->fields[0];
	struct validate_values v;
	struct error err;
	int rc = validate_update(account, NULL, &first, 1, &v, &err);
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpuint(v.n, ==, 1);
	g_assert_cmpuint(strlen(v.params[0]), ==, mib);
	validate_values_clear(&v);

	/* The messages stay one short line. */
	g_autofree char *got = update(account, NULL, json);
	g_assert_cmpstr(got, ==, "EINVAL: field \"name\": 1048576 characters, at most 255");
	g_autofree char *got_meta = update(account, &account_fields, json);
	g_assert_cmpstr(got_meta, ==,
			"EINVAL: field \"description\": 1048576 characters, at most 32000");

	/* 1 MiB of two-byte characters: 524288 characters, within a 1 MiB limit. */
	GString *wide = g_string_new("{\"description\": \"");
	for (size_t i = 0; i < mib / 2; i++)
		g_string_append(wide, "\u00e9");
	g_string_append(wide, "\"}");
	g_autofree char *got_wide = update(account, NULL, wide->str);
	g_assert_true(g_str_has_prefix(got_wide, "description=\u00e9\u00e9"));
	g_string_free(wide, TRUE);

	g_autofree char *got_number =
	    update(account, NULL,
		   "{\"numberofemployees\": \"" /* a long string */
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}");
	g_assert_cmpuint(strlen(got_number), <, 140);
	record_parsed_free(p);
}

/* --- what rendering produces is accepted back ------------------------------------------ */

/* One column of every kind, with its values as Postgres sends them. */
static const struct column_spec kinds_columns[] = {
    {"id", INT4, "integer", -1, true, true},
    {"sfid", VARCHAR, "character varying(18)", 18, false, false},
    {"systemmodstamp", TIMESTAMP, "timestamp without time zone", -1, false, false},
    {"b", BOOL, "boolean", -1, false, false},
    {"c", BPCHAR, "character(5)", 5, false, false},
    {"d", DATE, "date", -1, false, false},
    {"f4", FLOAT4, "real", -1, false, false},
    {"f8", FLOAT8, "double precision", -1, false, false},
    {"i2", INT2, "smallint", -1, false, false},
    {"i4", INT4, "integer", -1, false, false},
    {"i8", INT8, "bigint", -1, false, false},
    {"ia", INT4ARRAY, "integer[]", -1, false, false},
    {"iv", INTERVAL, "interval", -1, false, false},
    {"j", JSONB, "jsonb", -1, false, false},
    {"n", NUMERIC, "numeric", -1, false, false},
    {"n52", NUMERIC, "numeric(5,2)", -1, false, false},
    {"o", OID, "oid", -1, false, false},
    {"t", TEXT, "text", -1, false, false},
    {"tm", TIME, "time without time zone", -1, false, false},
    {"ts", TIMESTAMP, "timestamp without time zone", -1, false, false},
    {"tz", TIMESTAMPTZ, "timestamp with time zone", -1, false, false},
    {"u", UUID, "uuid", -1, false, false},
    {"v", VARCHAR, "character varying(10)", 10, false, false},
};

struct rendered_case {
	const char *column;
	const char *postgres; /* the text Postgres sends (NULL: SQL NULL) */
	const char *sql;      /* the parameter validation must give back (NULL: SQL NULL) */
};

static const struct rendered_case rendered_cases[] = {
    {"b", "t", "true"},
    {"b", "f", "false"},
    {"b", NULL, NULL},
    {"c", "ab   ", "ab   "},
    {"d", "2023-10-01", "2023-10-01"},
    {"d", "2024-02-29", "2024-02-29"},
    {"d", "infinity", "infinity"},
    {"d", "-infinity", "-infinity"},
    {"d", "0044-03-15 BC", "0044-03-15 BC"},
    {"f4", "0.1", "0.1"},
    {"f4", "3.4028235e+38", "3.4028235e+38"},
    {"f4", "1e-45", "1e-45"},
    {"f4", "NaN", "NaN"},
    {"f8", "0.1", "0.1"},
    {"f8", "1e-07", "1e-07"},
    {"f8", "1e+15", "1000000000000000"},
    {"f8", "1.5e+300", "1.5e+300"},
    {"f8", "1.7976931348623157e+308", "1.7976931348623157e+308"},
    {"f8", "5e-324", "5e-324"},
    {"f8", "-0", "-0"},
    {"f8", "0.10000000000000001", "0.1"},
    {"f8", "NaN", "NaN"},
    {"f8", "Infinity", "Infinity"},
    {"f8", "-Infinity", "-Infinity"},
    {"i2", "-32768", "-32768"},
    {"i4", "2147483647", "2147483647"},
    {"i8", "-9223372036854775808", "-9223372036854775808"},
    {"i8", "9223372036854775807", "9223372036854775807"},
    {"ia", "{1,2,NULL}", "{1,2,NULL}"},
    {"iv", "1 day 02:00:00", "1 day 02:00:00"},
    {"j", "{\"a\": [1, 2.50]}", "{\"a\": [1, 2.50]}"},
    {"n", "123.4500", "123.45"},
    {"n", "10.000", "10"},
    {"n", "0.000", "0"},
    {"n", "0.00001", "0.00001"},
    {"n", "-12345678901234567890.123456789012345678901",
     "-12345678901234567890.123456789012345678901"},
    {"n", "NaN", "NaN"},
    {"n", "Infinity", "Infinity"},
    {"n", "-Infinity", "-Infinity"},
    {"n52", "999.99", "999.99"},
    {"n52", "-0.50", "-0.5"},
    {"o", "4294967295", "4294967295"},
    {"t", "Acme \"West\"\n\ttab \\ caf\u00e9 \u2028 \x01 \x7f",
     "Acme \"West\"\n\ttab \\ caf\u00e9 \u2028 \x01 \x7f"},
    {"t", "", ""},
    {"tm", "12:34:56", "12:34:56"},
    {"tm", "12:34:56.5", "12:34:56.5"},
    {"tm", "24:00:00", "24:00:00"},
    {"ts", "2023-10-01 12:34:56", "2023-10-01 12:34:56"},
    {"ts", "2023-10-01 12:34:56.12", "2023-10-01 12:34:56.120"},
    {"ts", "2023-10-01 12:34:56.1234", "2023-10-01 12:34:56.123400"},
    {"ts", "2023-10-01 12:34:56.123456", "2023-10-01 12:34:56.123456"},
    {"ts", "infinity", "infinity"},
    {"ts", "-infinity", "-infinity"},
    {"ts", "0044-03-15 12:00:00 BC", "0044-03-15 12:00:00 BC"},
    {"tz", "2023-10-01 12:34:56+00", "2023-10-01 12:34:56+00"},
    {"tz", "2023-10-01 12:34:56.789+00", "2023-10-01 12:34:56.789+00"},
    {"tz", "2023-10-01 14:34:56+02", "2023-10-01 12:34:56+00"},
    {"tz", "0044-03-15 12:00:00+00 BC", "0044-03-15 12:00:00+00 BC"},
    {"u", "8c5f5c4e-0000-4000-8000-000000000000", "8c5f5c4e-0000-4000-8000-000000000000"},
    {"v", "\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e\u65e5",
     "\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e\u65e5"},
    {"v", NULL, NULL},
};

/* Renders a row holding `value` in column `name` (others NULL), as the mount would. */
static GString *render_row(const struct db_object *o, const char *name, const char *value)
{
	const char **values = g_new0(const char *, o->nshown);
	for (size_t i = 0; i < o->nshown; i++) {
		if (strcmp(o->shown[i].name, name) == 0)
			values[i] = value;
		else if (strcmp(o->shown[i].name, "sfid") == 0)
			values[i] = "001xx000003DGb2AAG";
		else if (strcmp(o->shown[i].name, "systemmodstamp") == 0)
			values[i] = "2023-10-01 12:34:56.789";
	}
	GString *out = g_string_new(NULL);
	record_render(o->shown, o->nshown, values, out);
	g_free(values);
	return out;
}

static void test_accepts_back_every_rendered_value(void)
{
	struct db_object *o = object_new("kinds", kinds_columns, G_N_ELEMENTS(kinds_columns));
	for (size_t i = 0; i < G_N_ELEMENTS(rendered_cases); i++) {
		const struct rendered_case *c = &rendered_cases[i];
		GString *file = render_row(o, c->column, c->postgres);
		g_test_message("%s = %s:\n%s", c->column, c->postgres ? c->postgres : "NULL",
			       file->str);
		struct record_parsed *p = parse(file->str);
		g_string_free(file, TRUE);

		/* As an insert: system fields ignored, every other column written. */
		struct validate_values v;
		struct error err;
		error_clear(&err);
		int rc = validate_insert(o, NULL, p, &v, &err);
		g_assert_cmpstr(err.message, ==, "");
		g_assert_cmpint(rc, ==, 0);
		g_assert_cmpuint(v.n, ==, o->nshown - 2);
		bool found = false;
		for (size_t k = 0; k < v.n; k++) {
			if (strcmp(v.columns[k], c->column) == 0) {
				g_assert_cmpstr(v.params[k], ==, c->sql);
				found = true;
			} else {
				g_assert_null(v.params[k]);
			}
		}
		g_assert_true(found);
		validate_values_clear(&v);

		/* As an update of the one field (the merge hands over changed fields only). */
		const struct record_field *f = record_parsed_find(p, c->column);
		g_assert_nonnull(f);
		rc = validate_update(o, NULL, &f, 1, &v, &err);
		g_assert_cmpstr(err.message, ==, "");
		g_assert_cmpint(rc, ==, 0);
		g_assert_cmpuint(v.n, ==, 1);
		g_assert_cmpstr(v.params[0], ==, c->sql);
		validate_values_clear(&v);
		record_parsed_free(p);
	}
	object_free(o);
}

static void test_accepts_back_a_rendered_account_with_metadata(void)
{
	const char *values[G_N_ELEMENTS(account_columns)] = {0};
	const char *by_name[][2] = {
	    {"sfid", "001xx000003DGb2AAG"},
	    {"systemmodstamp", "2023-10-01 12:34:56.789"},
	    {"createddate", "2023-10-01 12:34:56"},
	    {"lastmodifieddate", "2023-10-01 12:34:56.5"},
	    {"createdbyid", "005xx000001SvHkAAK"},
	    {"lastmodifiedbyid", "005xx000001SvHkAAK"},
	    {"name", "Acme \"West\""},
	    {"annualrevenue", "1500000.5"},
	    {"numberofemployees", "42"},
	    {"rating", "Warm"},
	    {"website", "www.example.com"},
	    {"description", "line 1\nline 2"},
	    {"active__c", "t"},
	    {"status__c", "New"},
	    {"code__c", "A1"},
	    {"lastcontact__c", "2023-10-01 12:34:56.12"},
	    {"formula__c", "computed"},
	    {"region__c", NULL},
	    {"approval__c", "yes"},
	    {"parentid", "001xx000003DGb3AAG"},
	};
	for (size_t i = 0; i < account->nshown; i++) {
		for (size_t k = 0; k < G_N_ELEMENTS(by_name); k++) {
			if (strcmp(account->shown[i].name, by_name[k][0]) == 0)
				values[i] = by_name[k][1];
		}
	}
	GString *file = g_string_new(NULL);
	record_render(account->shown, account->nshown, values, file);
	g_autofree char *got = insert(account, &account_fields, file->str);
	g_string_free(file, TRUE);
	/* Sorted as the file shows them; system and read-only fields left out. */
	g_assert_cmpstr(got, ==,
			"active__c=true, annualrevenue=1500000.5, approval__c=yes, code__c=A1, "
			"description=line 1\nline 2, lastcontact__c=2023-10-01 12:34:56.120, "
			"name=Acme \"West\", numberofemployees=42, parentid=001xx000003DGb3AAG, "
			"rating=Warm, status__c=New, website=www.example.com");
}

static void test_is_system_field(void)
{
	g_assert_true(validate_is_system_field("sfid"));
	g_assert_true(validate_is_system_field("lastmodifiedbyid"));
	g_assert_false(validate_is_system_field("id"));
	g_assert_false(validate_is_system_field("name"));
	g_assert_false(validate_is_system_field("SFID"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	account = object_new("account", account_columns, G_N_ELEMENTS(account_columns));

	g_test_add_func("/validate/update_writes_fields_in_order_written",
			test_update_writes_fields_in_order_written);
	g_test_add_func("/validate/update_refuses_unknown_field",
			test_update_refuses_unknown_field);
	g_test_add_func("/validate/update_refuses_hidden_columns_as_unknown",
			test_update_refuses_hidden_columns_as_unknown);
	g_test_add_func("/validate/update_refuses_system_fields_as_read_only",
			test_update_refuses_system_fields_as_read_only);
	g_test_add_func("/validate/update_refuses_not_updateable_and_calculated_fields",
			test_update_refuses_not_updateable_and_calculated_fields);
	g_test_add_func("/validate/update_refuses_read_only_object",
			test_update_refuses_read_only_object);
	g_test_add_func("/validate/update_converts_timestamp_with_offset_to_utc",
			test_update_converts_timestamp_with_offset_to_utc);
	g_test_add_func("/validate/update_refuses_null_for_not_nillable_field",
			test_update_refuses_null_for_not_nillable_field);
	g_test_add_func("/validate/first_problem_in_written_order_is_reported",
			test_first_problem_in_written_order_is_reported);
	g_test_add_func("/validate/insert_writes_fields_in_order_written",
			test_insert_writes_fields_in_order_written);
	g_test_add_func("/validate/insert_ignores_system_fields",
			test_insert_ignores_system_fields);
	g_test_add_func("/validate/insert_ignores_read_only_fields_from_metadata",
			test_insert_ignores_read_only_fields_from_metadata);
	g_test_add_func("/validate/insert_refuses_unknown_field",
			test_insert_refuses_unknown_field);
	g_test_add_func("/validate/insert_refuses_value_for_field_not_createable",
			test_insert_refuses_value_for_field_not_createable);
	g_test_add_func("/validate/insert_requires_required_fields_from_metadata",
			test_insert_requires_required_fields_from_metadata);
	g_test_add_func("/validate/insert_requires_not_null_columns_without_default",
			test_insert_requires_not_null_columns_without_default);
	g_test_add_func("/validate/insert_of_empty_record_when_nothing_is_required",
			test_insert_of_empty_record_when_nothing_is_required);
	g_test_add_func("/validate/sql_injection_looking_names_and_values_are_data",
			test_sql_injection_looking_names_and_values_are_data);
	g_test_add_func("/validate/one_mib_strings", test_one_mib_strings);
	g_test_add_func("/validate/accepts_back_every_rendered_value",
			test_accepts_back_every_rendered_value);
	g_test_add_func("/validate/accepts_back_a_rendered_account_with_metadata",
			test_accepts_back_a_rendered_account_with_metadata);
	g_test_add_func("/validate/is_system_field", test_is_system_field);

	int rc = g_test_run();
	object_free(account);
	return rc;
}
