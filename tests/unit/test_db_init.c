/* db_init, the pure half: Salesforce field types -> column types, and which fields of a
 * describe become columns (docs/contract.md §6). The DDL half is tested by tests/integration/test_init.py. */
#include "db_init.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

/* A describe parsed from JSON, as sf_describe_object() returns it. */
static struct sf_object_describe *describe(const char *json)
{
	cJSON *body = cJSON_Parse(json);
	g_assert_nonnull(body);
	struct sf_object_describe *d = NULL;
	struct sf_error *e = sf_describe_object_parse(body, &d);
	if (e)
		g_error("describe did not parse: %s", e->message);
	cJSON_Delete(body);
	return d;
}

/* An Account-like describe: system fields, text, numbers, an address, a base64 field. */
static const char account_json[] =
    "{\"name\":\"Account\",\"queryable\":true,\"fields\":["
    "{\"name\":\"Id\",\"type\":\"id\",\"length\":18,\"createable\":false,\"updateable\":false},"
    "{\"name\":\"IsDeleted\",\"type\":\"boolean\"},"
    "{\"name\":\"Name\",\"type\":\"string\",\"length\":255,\"createable\":true,\"updateable\":true}"
    ","
    "{\"name\":\"Rating\",\"type\":\"picklist\",\"length\":255,\"restrictedPicklist\":true,"
    " \"picklistValues\":[{\"value\":\"Hot\",\"active\":true},{\"value\":\"Gone\",\"active\":false}"
    ","
    "  {\"value\":\"Say \\\"hi\\\"\",\"active\":true}]},"
    "{\"name\":\"AnnualRevenue\",\"type\":\"currency\",\"precision\":18,\"scale\":2},"
    "{\"name\":\"Description\",\"type\":\"textarea\",\"length\":32000},"
    "{\"name\":\"BillingStreet\",\"type\":\"textarea\",\"length\":255,"
    " \"compoundFieldName\":\"BillingAddress\"},"
    "{\"name\":\"BillingCity\",\"type\":\"string\",\"length\":40,"
    " \"compoundFieldName\":\"BillingAddress\"},"
    "{\"name\":\"BillingAddress\",\"type\":\"address\"},"
    "{\"name\":\"Logo__c\",\"type\":\"base64\"},"
    "{\"name\":\"CreatedDate\",\"type\":\"datetime\"},"
    "{\"name\":\"SystemModstamp\",\"type\":\"datetime\"}]}";

static struct sync_mapping_object all_fields = {.name = "Account"};

static struct db_init_table *plan_ok(const struct sf_object_describe *d,
				     const struct sync_mapping_object *map)
{
	struct db_init_table *t = NULL;
	struct error err = {0};
	if (db_init_plan(d, map, &t, &err))
		g_error("plan failed: %s", err.message);
	return t;
}

static const struct db_init_column *column(const struct db_init_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncolumns; i++)
		if (strcmp(t->columns[i].meta.column, name) == 0)
			return &t->columns[i];
	return NULL;
}

static bool has_note(const struct db_init_table *t, const char *text)
{
	for (guint i = 0; i < t->notes->len; i++)
		if (strstr(g_ptr_array_index(t->notes, i), text))
			return true;
	return false;
}

static char *type_of(enum sf_field_type type, int length)
{
	struct sf_field f = {.name = "F", .type = type, .length = length};
	return db_init_column_type(&f);
}

static void assert_type(enum sf_field_type type, int length, const char *expected)
{
	char *got = type_of(type, length);
	g_assert_cmpstr(got, ==, expected);
	g_free(got);
}

static void test_types_follow_the_spec_table(void)
{
	assert_type(SF_FIELD_ID, 18, "varchar(18)");
	assert_type(SF_FIELD_REFERENCE, 18, "varchar(18)");
	assert_type(SF_FIELD_STRING, 80, "varchar(80)");
	assert_type(SF_FIELD_PICKLIST, 255, "varchar(255)");
	assert_type(SF_FIELD_EMAIL, 80, "varchar(80)");
	assert_type(SF_FIELD_PHONE, 40, "varchar(40)");
	assert_type(SF_FIELD_URL, 255, "varchar(255)");
	assert_type(SF_FIELD_COMBOBOX, 100, "varchar(100)");
	assert_type(SF_FIELD_ENCRYPTEDSTRING, 175, "varchar(175)");
	assert_type(SF_FIELD_MULTIPICKLIST, 4099, "varchar(4099)");
	assert_type(SF_FIELD_MULTIPICKLIST, 0, "varchar(4099)");
	assert_type(SF_FIELD_BOOLEAN, 0, "boolean");
	assert_type(SF_FIELD_INT, 0, "integer");
	assert_type(SF_FIELD_LONG, 0, "bigint");
	assert_type(SF_FIELD_DOUBLE, 0, "double precision");
	assert_type(SF_FIELD_CURRENCY, 0, "double precision");
	assert_type(SF_FIELD_PERCENT, 0, "double precision");
	assert_type(SF_FIELD_DATE, 0, "date");
	assert_type(SF_FIELD_DATETIME, 0, "timestamp");
	assert_type(SF_FIELD_TIME, 0, "time");
}

static void test_textarea_is_varchar_up_to_4096_then_text(void)
{
	assert_type(SF_FIELD_TEXTAREA, 255, "varchar(255)");
	assert_type(SF_FIELD_TEXTAREA, 4096, "varchar(4096)");
	assert_type(SF_FIELD_TEXTAREA, 4097, "text");
	assert_type(SF_FIELD_TEXTAREA, 131072, "text");
}

static void test_text_without_length_is_varchar_1(void)
{
	assert_type(SF_FIELD_STRING, 0, "varchar(1)");
	assert_type(SF_FIELD_TEXTAREA, 0, "varchar(1)");
}

static void test_compound_and_base64_fields_have_no_column(void)
{
	g_assert_null(type_of(SF_FIELD_ADDRESS, 0));
	g_assert_null(type_of(SF_FIELD_LOCATION, 0));
	g_assert_null(type_of(SF_FIELD_BASE64, 0));
}

static void test_unknown_types_are_stored_as_text(void)
{
	assert_type(SF_FIELD_UNKNOWN, 0, "text");
	assert_type(SF_FIELD_ANYTYPE, 0, "text");
	assert_type(SF_FIELD_JSON, 0, "text");
	assert_type(SF_FIELD_COMPLEXVALUE, 0, "text");
	assert_type(SF_FIELD_DATACATEGORYGROUPREFERENCE, 0, "text");
}

static void test_system_fields_get_system_column_names(void)
{
	const char *cases[][2] = {{"Id", "sfid"},
				  {"IsDeleted", "isdeleted"},
				  {"SystemModstamp", "systemmodstamp"},
				  {"CreatedDate", "createddate"},
				  {"AnnualRevenue", "annualrevenue"},
				  {"ns__Thing__c", "ns__thing__c"},
				  {"LastModifiedDate", "lastmodifieddate"}};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *c = db_init_column_name(cases[i][0]);
		g_assert_cmpstr(c, ==, cases[i][1]);
		g_free(c);
	}
}

static void test_type_matches_the_catalog_spelling(void)
{
	g_assert_true(db_init_type_matches("varchar(80)", "character varying(80)"));
	g_assert_false(db_init_type_matches("varchar(80)", "character varying(40)"));
	g_assert_false(db_init_type_matches("varchar(80)", "text"));
	g_assert_true(db_init_type_matches("timestamp", "timestamp without time zone"));
	g_assert_false(db_init_type_matches("timestamp", "timestamp with time zone"));
	g_assert_true(db_init_type_matches("time", "time without time zone"));
	g_assert_true(db_init_type_matches("double precision", "double precision"));
	g_assert_true(db_init_type_matches("text", "text"));
	g_assert_false(db_init_type_matches("integer", "bigint"));
}

static void test_schema_names_init_accepts(void)
{
	g_assert_true(db_init_schema_name_ok("salesforce"));
	g_assert_true(db_init_schema_name_ok("_sf2"));
	g_assert_true(db_init_schema_name_ok("t_0123456789"));
	g_assert_false(db_init_schema_name_ok(""));
	g_assert_false(db_init_schema_name_ok("Salesforce"));
	g_assert_false(db_init_schema_name_ok("sales-force"));
	g_assert_false(db_init_schema_name_ok("sales force"));
	g_assert_false(db_init_schema_name_ok("2sf"));
	g_assert_false(db_init_schema_name_ok("pg_temp"));
	g_assert_false(db_init_schema_name_ok("x\"; DROP SCHEMA public; --"));
	char *long_name = g_strnfill(64, 'a');
	g_assert_false(db_init_schema_name_ok(long_name));
	long_name[63] = '\0';
	g_assert_true(db_init_schema_name_ok(long_name));
	g_free(long_name);
}

static void test_all_fields_skip_compound_and_base64_with_a_note(void)
{
	struct sf_object_describe *d = describe(account_json);
	struct db_init_table *t = plan_ok(d, &all_fields);
	g_assert_cmpstr(t->object, ==, "Account");
	g_assert_cmpstr(t->table, ==, "account");
	g_assert_false(t->readonly);
	const char *expected[][2] = {
	    {"sfid", "varchar(18)"},
	    {"isdeleted", "boolean"},
	    {"name", "varchar(255)"},
	    {"rating", "varchar(255)"},
	    {"annualrevenue", "double precision"},
	    {"description", "text"},
	    {"billingstreet", "varchar(255)"},
	    {"billingcity", "varchar(40)"},
	    {"createddate", "timestamp"},
	    {"systemmodstamp", "timestamp"},
	};
	g_assert_cmpuint(t->ncolumns, ==, G_N_ELEMENTS(expected));
	for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
		g_assert_cmpstr(t->columns[i].meta.column, ==, expected[i][0]);
		g_assert_cmpstr(t->columns[i].sql_type, ==, expected[i][1]);
	}
	g_assert_null(column(t, "billingaddress"));
	g_assert_null(column(t, "logo__c"));
	g_assert_true(has_note(t, "Account: Logo__c is a base64 (binary) field: not synced"));
	g_assert_cmpuint(t->notes->len, ==, 1);
	db_init_table_free(t);
	sf_object_describe_free(d);
}

static void test_field_metadata_is_the_forcefs_fields_row(void)
{
	struct sf_object_describe *d = describe(account_json);
	struct db_init_table *t = plan_ok(d, &all_fields);
	const struct db_field *rating = &column(t, "rating")->meta;
	g_assert_cmpstr(rating->field, ==, "Rating");
	g_assert_cmpstr(rating->type, ==, "picklist");
	g_assert_true(rating->restricted);
	g_assert_cmpuint(rating->npicklist_values, ==, 2); /* inactive values are left out */
	g_assert_cmpstr(rating->picklist_values[0], ==, "Hot");
	g_assert_cmpstr(rating->picklist_values[1], ==, "Say \"hi\"");
	g_assert_null(rating->picklist_values[2]);
	const struct db_field *revenue = &column(t, "annualrevenue")->meta;
	g_assert_cmpint(revenue->precision, ==, 18);
	g_assert_cmpint(revenue->scale, ==, 2);
	g_assert_null(revenue->picklist_values);
	const struct db_field *id = &column(t, "sfid")->meta;
	g_assert_cmpstr(id->field, ==, "Id");
	g_assert_false(id->createable || id->updateable);
	g_assert_cmpint(id->length, ==, 18);
	db_init_table_free(t);
	sf_object_describe_free(d);
}

static void test_unknown_field_type_becomes_a_text_column_with_a_note(void)
{
	struct sf_object_describe *d =
	    describe("{\"name\":\"Thing__c\",\"queryable\":true,\"fields\":["
		     "{\"name\":\"Id\",\"type\":\"id\",\"length\":18},"
		     "{\"name\":\"Vector__c\",\"type\":\"vectorembedding\",\"length\":0},"
		     "{\"name\":\"Data__c\",\"type\":\"anyType\"},"
		     "{\"name\":\"Big__c\",\"type\":\"long\"}]}");
	struct db_init_table *t = plan_ok(d, &all_fields);
	g_assert_cmpstr(t->table, ==, "thing__c");
	g_assert_cmpstr(column(t, "vector__c")->sql_type, ==, "text");
	g_assert_cmpstr(column(t, "vector__c")->meta.type, ==, "vectorembedding");
	g_assert_cmpstr(column(t, "data__c")->sql_type, ==, "text");
	g_assert_cmpstr(column(t, "big__c")->sql_type, ==, "bigint");
	g_assert_true(has_note(t, "Thing__c: Vector__c has type \"vectorembedding\", which "
				  "forcefs does not map: stored as text"));
	g_assert_true(has_note(t, "Data__c has type \"anyType\""));
	g_assert_false(has_note(t, "Big__c"));
	db_init_table_free(t);
	sf_object_describe_free(d);
}

static void test_mapping_selects_its_fields_and_the_system_fields(void)
{
	struct sf_object_describe *d = describe(account_json);
	char *fields[] = {"name", "Description", NULL};
	struct sync_mapping_object map = {
	    .name = "Account", .read_only = true, .fields = fields, .nfields = 2};
	struct db_init_table *t = plan_ok(d, &map);
	g_assert_true(t->readonly);
	const char *expected[] = {"sfid",	 "isdeleted",	"name",
				  "description", "createddate", "systemmodstamp"};
	g_assert_cmpuint(t->ncolumns, ==, G_N_ELEMENTS(expected));
	for (size_t i = 0; i < G_N_ELEMENTS(expected); i++)
		g_assert_cmpstr(t->columns[i].meta.column, ==, expected[i]);
	g_assert_cmpstr(column(t, "name")->meta.field, ==, "Name"); /* Salesforce's spelling */
	g_assert_cmpuint(t->notes->len, ==, 0);
	db_init_table_free(t);
	sf_object_describe_free(d);
}

static void test_mapped_compound_field_stands_for_its_components(void)
{
	struct sf_object_describe *d = describe(account_json);
	char *fields[] = {"BillingAddress", "Logo__c", NULL};
	struct sync_mapping_object map = {.name = "Account", .fields = fields, .nfields = 2};
	struct db_init_table *t = plan_ok(d, &map);
	g_assert_nonnull(column(t, "billingstreet"));
	g_assert_nonnull(column(t, "billingcity"));
	g_assert_null(column(t, "billingaddress"));
	g_assert_null(column(t, "logo__c"));
	g_assert_true(has_note(t, "BillingAddress is a compound field: mapped as its 2 component"));
	g_assert_true(has_note(t, "Logo__c is a base64"));
	db_init_table_free(t);
	sf_object_describe_free(d);
}

static void assert_plan_refused(const char *json, const struct sync_mapping_object *map,
				const char *expected)
{
	struct sf_object_describe *d = describe(json);
	struct db_init_table *t = (struct db_init_table *)0x1;
	struct error err = {0};
	g_assert_cmpint(db_init_plan(d, map, &t, &err), ==, -EINVAL);
	g_assert_null(t);
	if (!strstr(err.message, expected))
		g_error("message \"%s\" lacks \"%s\"", err.message, expected);
	sf_object_describe_free(d);
}

static void test_mapped_field_missing_from_describe_is_refused(void)
{
	char *fields[] = {"Name", "Nope__c", NULL};
	struct sync_mapping_object map = {.name = "Account", .fields = fields, .nfields = 2};
	assert_plan_refused(account_json, &map,
			    "Account: Salesforce has no field \"Nope__c\" on Account (or the user "
			    "cannot see it)");
}

static void test_describe_without_id_is_refused(void)
{
	assert_plan_refused(
	    "{\"name\":\"Odd\",\"fields\":[{\"name\":\"Name\",\"type\":\"string\"}]}", &all_fields,
	    "Odd: Salesforce's describe lists no Id field");
}

static void test_two_fields_for_one_column_are_refused(void)
{
	assert_plan_refused("{\"name\":\"Odd\",\"fields\":[{\"name\":\"Id\",\"type\":\"id\"},"
			    "{\"name\":\"Code\",\"type\":\"string\"},"
			    "{\"name\":\"CODE\",\"type\":\"string\"}]}",
			    &all_fields, "Odd: fields Code and CODE would both be column \"code\"");
}

static void test_upsert_and_index_fields_must_exist(void)
{
	char *fields[] = {"Name", NULL};
	struct sync_mapping_object map = {
	    .name = "Account", .fields = fields, .nfields = 1, .upsert_field = "Ext__c"};
	assert_plan_refused(account_json, &map, "the upsert field \"Ext__c\" is not a field");
	struct sync_mapping_index ix = {.field = "Nope__c", .unique = true};
	map.upsert_field = NULL;
	map.indexes = &ix;
	map.nindexes = 1;
	assert_plan_refused(account_json, &map, "the index field \"Nope__c\" is not a field");
}

static void test_mapping_indexes_are_named_like_heroku_connect(void)
{
	struct sf_object_describe *d = describe(account_json);
	char *fields[] = {"Name", "Rating", NULL};
	struct sync_mapping_index ix[] = {{.field = "Id", .unique = true},
					  {.field = "Name", .unique = true},
					  {.field = "Rating", .unique = false},
					  {.field = "SystemModstamp", .unique = false}};
	struct sync_mapping_object map = {
	    .name = "Account", .fields = fields, .nfields = 2, .indexes = ix, .nindexes = 4};
	struct db_init_table *t = plan_ok(d, &map);
	g_assert_cmpuint(t->nindexes, ==, 2); /* sfid and systemmodstamp have theirs */
	g_assert_cmpstr(t->indexes[0].name, ==, "hcu_idx_account_name");
	g_assert_cmpstr(t->indexes[0].column, ==, "name");
	g_assert_true(t->indexes[0].unique);
	g_assert_cmpstr(t->indexes[1].name, ==, "hc_idx_account_rating");
	g_assert_false(t->indexes[1].unique);
	db_init_table_free(t);
	sf_object_describe_free(d);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/db_init/types_follow_the_spec_table", test_types_follow_the_spec_table);
	g_test_add_func("/db_init/textarea_is_varchar_up_to_4096_then_text",
			test_textarea_is_varchar_up_to_4096_then_text);
	g_test_add_func("/db_init/text_without_length_is_varchar_1",
			test_text_without_length_is_varchar_1);
	g_test_add_func("/db_init/compound_and_base64_fields_have_no_column",
			test_compound_and_base64_fields_have_no_column);
	g_test_add_func("/db_init/unknown_types_are_stored_as_text",
			test_unknown_types_are_stored_as_text);
	g_test_add_func("/db_init/system_fields_get_system_column_names",
			test_system_fields_get_system_column_names);
	g_test_add_func("/db_init/type_matches_the_catalog_spelling",
			test_type_matches_the_catalog_spelling);
	g_test_add_func("/db_init/schema_names_init_accepts", test_schema_names_init_accepts);
	g_test_add_func("/db_init/all_fields_skip_compound_and_base64_with_a_note",
			test_all_fields_skip_compound_and_base64_with_a_note);
	g_test_add_func("/db_init/field_metadata_is_the_forcefs_fields_row",
			test_field_metadata_is_the_forcefs_fields_row);
	g_test_add_func("/db_init/unknown_field_type_becomes_a_text_column_with_a_note",
			test_unknown_field_type_becomes_a_text_column_with_a_note);
	g_test_add_func("/db_init/mapping_selects_its_fields_and_the_system_fields",
			test_mapping_selects_its_fields_and_the_system_fields);
	g_test_add_func("/db_init/mapped_compound_field_stands_for_its_components",
			test_mapped_compound_field_stands_for_its_components);
	g_test_add_func("/db_init/mapped_field_missing_from_describe_is_refused",
			test_mapped_field_missing_from_describe_is_refused);
	g_test_add_func("/db_init/describe_without_id_is_refused",
			test_describe_without_id_is_refused);
	g_test_add_func("/db_init/two_fields_for_one_column_are_refused",
			test_two_fields_for_one_column_are_refused);
	g_test_add_func("/db_init/upsert_and_index_fields_must_exist",
			test_upsert_and_index_fields_must_exist);
	g_test_add_func("/db_init/mapping_indexes_are_named_like_heroku_connect",
			test_mapping_indexes_are_named_like_heroku_connect);
	return g_test_run();
}
