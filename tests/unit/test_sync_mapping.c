/* sync_mapping: Heroku Connect's mapping export and --objects, and the errors for bad ones. */
#include "sync_mapping.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

static struct sync_mapping *parse_ok(const char *json)
{
	struct sync_mapping *m = NULL;
	struct error err = {0};
	int rc = sync_mapping_parse(json, strlen(json), "m.json", &m, &err);
	if (rc)
		g_error("unexpected error: %s", err.message);
	g_assert_nonnull(m);
	return m;
}

/* Parses `json`, expects EINVAL, and checks the message has `expected` in it. */
static void assert_refused(const char *json, const char *expected)
{
	struct sync_mapping *m = (struct sync_mapping *)0x1;
	struct error err = {0};
	int rc = sync_mapping_parse(json, strlen(json), "m.json", &m, &err);
	g_assert_cmpint(rc, ==, -EINVAL);
	g_assert_null(m);
	g_assert_cmpint(err.code, ==, EINVAL);
	if (!strstr(err.message, expected))
		g_error("message \"%s\" lacks \"%s\"", err.message, expected);
	g_assert_true(g_str_has_prefix(err.message, "mapping m.json: "));
	g_assert_null(strchr(err.message, '\n'));
}

static void test_export_reads_every_setting(void)
{
	struct sync_mapping *m = parse_ok(
	    "{\"version\": 1, \"connection\": {\"schema_name\": \"salesforce\"},\n"
	    " \"mappings\": [\n"
	    "  {\"object_name\": \"Account\", \"config\": {\"access\": \"read_write\",\n"
	    "   \"sf_notify_enabled\": false, \"sf_polling_seconds\": 600,\n"
	    "   \"sf_max_daily_api_calls\": 30000, \"upsert_field\": \"External_ID__c\",\n"
	    "   \"fields\": {\"Id\": {}, \"Name\": {}, \"External_ID__c\": {}},\n"
	    "   \"indexes\": {\"Id\": {\"unique\": true}, \"External_ID__c\": {\"unique\": true},\n"
	    "                 \"Name\": {\"unique\": false}}}},\n"
	    "  {\"object_name\": \"Contact\", \"config\": {\"access\": \"read_only\",\n"
	    "   \"fields\": {\"Id\": {}, \"LastName\": {}}}}]}");
	g_assert_cmpstr(m->source, ==, "m.json");
	g_assert_cmpuint(m->nobjects, ==, 2);
	const struct sync_mapping_object *a = &m->objects[0];
	g_assert_cmpstr(a->name, ==, "Account");
	g_assert_false(a->read_only);
	g_assert_cmpint(a->polling_seconds, ==, 600);
	g_assert_cmpint(a->max_daily_api_calls, ==, 30000);
	g_assert_cmpstr(a->upsert_field, ==, "External_ID__c");
	g_assert_cmpuint(a->nfields, ==, 3);
	g_assert_cmpstr(a->fields[0], ==, "Id");
	g_assert_cmpstr(a->fields[2], ==, "External_ID__c");
	g_assert_null(a->fields[3]);
	g_assert_cmpuint(a->nindexes, ==, 3);
	g_assert_cmpstr(a->indexes[1].field, ==, "External_ID__c");
	g_assert_true(a->indexes[1].unique);
	g_assert_false(a->indexes[2].unique);
	const struct sync_mapping_object *c = &m->objects[1];
	g_assert_true(c->read_only);
	g_assert_cmpint(c->polling_seconds, ==, SYNC_DEFAULT_POLLING_SECONDS);
	g_assert_null(c->upsert_field);
	g_assert_cmpuint(c->nindexes, ==, 0);
	g_assert_true(sync_mapping_find(m, "contact") == c);
	g_assert_null(sync_mapping_find(m, "Lead"));
	sync_mapping_free(m);
}

static void test_null_or_empty_upsert_field_means_none(void)
{
	struct sync_mapping *m =
	    parse_ok("{\"mappings\":[{\"object_name\":\"A\",\"config\":{\"access\":\"read_write\","
		     "\"upsert_field\":null,\"fields\":{\"Id\":{}}}},"
		     "{\"object_name\":\"B\",\"config\":{\"access\":\"read_write\","
		     "\"upsert_field\":\"\",\"fields\":{\"Id\":{}}}}]}");
	g_assert_null(m->objects[0].upsert_field);
	g_assert_null(m->objects[1].upsert_field);
	sync_mapping_free(m);
}

static void test_bad_json_names_line_and_column(void)
{
	assert_refused("{\"mappings\": [\n  {\"object_name\": \"Account\",,}]}",
		       "not valid JSON (line 2, column");
	assert_refused("", "not valid JSON (line 1, column 1)");
	assert_refused("{\"mappings\": []} x", "unexpected text after the end");
}

static void test_missing_or_empty_mappings_list_is_refused(void)
{
	assert_refused("{\"objects\": []}", "no \"mappings\" list");
	assert_refused("[1, 2]", "no \"mappings\" list");
	assert_refused("{\"mappings\": {}}", "\"mappings\" must be a list");
	assert_refused("{\"mappings\": []}", "\"mappings\" is empty");
}

static void test_missing_object_name_names_the_entry(void)
{
	assert_refused("{\"mappings\": [{\"object_name\": \"Account\", \"config\": {\"access\": "
		       "\"read_write\", \"fields\": {\"Id\": {}}}}, {\"config\": {}}]}",
		       "mappings[1]: object_name is missing");
	assert_refused("{\"mappings\": [{\"object_name\": \"Acc ount\"}]}",
		       "mappings[0]: object_name must be a Salesforce object name, got \"Acc "
		       "ount\"");
	assert_refused("{\"mappings\": [{\"object_name\": 7}]}", "got the number 7");
	assert_refused("{\"mappings\": [\"Account\"]}",
		       "mappings[0]: each mapping must be an object");
}

static void test_unknown_access_value_names_entry_and_value(void)
{
	assert_refused("{\"mappings\": [{\"object_name\": \"Contact\", \"config\": {\"access\": "
		       "\"write\", \"fields\": {\"Id\": {}}}}]}",
		       "mappings[0] (Contact): config.access must be \"read_write\" or "
		       "\"read_only\", got \"write\"");
	assert_refused("{\"mappings\": [{\"object_name\": \"Contact\", \"config\": {\"fields\": "
		       "{\"Id\": {}}}}]}",
		       "mappings[0] (Contact): config.access is missing");
	assert_refused("{\"mappings\": [{\"object_name\": \"Contact\"}]}",
		       "mappings[0] (Contact): config is missing");
}

static void test_fields_must_be_an_object_of_field_names(void)
{
	const char *head =
	    "{\"mappings\": [{\"object_name\": \"Account\", \"config\": {\"access\": "
	    "\"read_write\", ";
	struct {
		const char *config;
		const char *expected;
	} cases[] = {
	    {"\"x\": 1", "config.fields is missing"},
	    {"\"fields\": [\"Id\"]", "config.fields must be an object of field names, got a list"},
	    {"\"fields\": {}", "config.fields is empty"},
	    {"\"fields\": {\"Id\": {}, \"Bad Name\": {}}",
	     "\"Bad Name\" is not a Salesforce field"},
	    {"\"fields\": {\"Name\": {}, \"NAME\": {}}", "\"NAME\" is listed twice"},
	    {"\"fields\": {\"Name\": true}", "config.fields.Name must be an object ({}), got true"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *json = g_strdup_printf("%s%s}}]}", head, cases[i].config);
		assert_refused(json, cases[i].expected);
		g_free(json);
	}
}

static void test_object_mapped_twice_is_refused(void)
{
	assert_refused("{\"mappings\": [{\"object_name\": \"Account\", \"config\": {\"access\": "
		       "\"read_write\", \"fields\": {\"Id\": {}}}}, {\"object_name\": \"ACCOUNT\", "
		       "\"config\": {\"access\": \"read_write\", \"fields\": {\"Id\": {}}}}]}",
		       "mappings[1] (ACCOUNT): ACCOUNT is mapped twice");
}

static void test_settings_out_of_range_are_refused(void)
{
	const char *head =
	    "{\"mappings\": [{\"object_name\": \"Account\", \"config\": {\"access\": "
	    "\"read_write\", \"fields\": {\"Id\": {}, \"Name\": {}}, ";
	struct {
		const char *config;
		const char *expected;
	} cases[] = {
	    {"\"sf_polling_seconds\": 5", "sf_polling_seconds must be a whole number of seconds"},
	    {"\"sf_polling_seconds\": 60.5", "sf_polling_seconds must be"},
	    {"\"sf_polling_seconds\": \"600\"", "sf_polling_seconds must be"},
	    {"\"sf_max_daily_api_calls\": 0", "sf_max_daily_api_calls must be a positive"},
	    {"\"upsert_field\": \"External_ID__c\"", "upsert_field \"External_ID__c\" is not one "
						     "of the mapped fields"},
	    {"\"upsert_field\": 3", "config.upsert_field must be a field name, got the number 3"},
	    {"\"indexes\": {\"Phone\": {\"unique\": false}}", "config.indexes: \"Phone\" is not"},
	    {"\"indexes\": {\"Name\": {\"unique\": \"yes\"}}", "config.indexes.Name must be"},
	    {"\"indexes\": [\"Name\"]", "config.indexes must be an object"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *json = g_strdup_printf("%s%s}}]}", head, cases[i].config);
		assert_refused(json, cases[i].expected);
		g_free(json);
	}
}

static void test_index_on_system_field_needs_no_listing(void)
{
	struct sync_mapping *m = parse_ok(
	    "{\"mappings\":[{\"object_name\":\"A\",\"config\":{\"access\":\"read_write\","
	    "\"fields\":{\"Name\":{}},\"indexes\":{\"SystemModstamp\":{\"unique\":false}}}}]}");
	g_assert_cmpuint(m->objects[0].nindexes, ==, 1);
	sync_mapping_free(m);
}

static void test_objects_list_maps_every_field_read_write(void)
{
	struct sync_mapping *m = NULL;
	struct error err = {0};
	g_assert_cmpint(
	    sync_mapping_from_objects(" Account, Contact,,account,Customer_Record__c ", &m, &err),
	    ==, 0);
	g_assert_cmpstr(m->source, ==, "--objects");
	g_assert_cmpuint(m->nobjects, ==, 3);
	g_assert_cmpstr(m->objects[0].name, ==, "Account");
	g_assert_cmpstr(m->objects[2].name, ==, "Customer_Record__c");
	for (size_t i = 0; i < m->nobjects; i++) {
		g_assert_null(m->objects[i].fields);
		g_assert_false(m->objects[i].read_only);
		g_assert_cmpint(m->objects[i].polling_seconds, ==, SYNC_DEFAULT_POLLING_SECONDS);
	}
	sync_mapping_free(m);
}

static void test_objects_list_refuses_bad_names_and_empty_lists(void)
{
	struct sync_mapping *m = NULL;
	struct error err = {0};
	g_assert_cmpint(sync_mapping_from_objects("Account,Con tact", &m, &err), ==, -EINVAL);
	g_assert_null(m);
	g_assert_cmpstr(err.message, ==, "--objects: \"Con tact\" is not a Salesforce object name");
	g_assert_cmpint(sync_mapping_from_objects(" , ", &m, &err), ==, -EINVAL);
	g_assert_true(g_str_has_prefix(err.message, "--objects: no object names given"));
	g_assert_cmpint(sync_mapping_from_objects("../x", &m, &err), ==, -EINVAL);
}

static void test_load_reads_a_file_and_names_a_missing_one(void)
{
	char *dir = g_dir_make_tmp("test_sync_mapping-XXXXXX", NULL);
	char *path = g_build_filename(dir, "mapping.json", NULL);
	struct sync_mapping *m = NULL;
	struct error err = {0};
	g_assert_cmpint(sync_mapping_load(path, &m, &err), ==, -ENOENT);
	g_assert_true(g_str_has_prefix(err.message, "cannot read mapping file "));
	g_assert_nonnull(strstr(err.message, "mapping.json"));
	const char *json = "{\"mappings\":[{\"object_name\":\"Account\",\"config\":{\"access\":"
			   "\"read_only\",\"fields\":{\"Id\":{}}}}]}";
	g_assert_true(g_file_set_contents(path, json, -1, NULL));
	g_assert_cmpint(sync_mapping_load(path, &m, &err), ==, 0);
	g_assert_cmpstr(m->source, ==, path);
	g_assert_true(m->objects[0].read_only);
	sync_mapping_free(m);
	g_assert_true(g_file_set_contents(path, "{\"mappings\": [{\"config\": {}}]}", -1, NULL));
	g_assert_cmpint(sync_mapping_load(path, &m, &err), ==, -EINVAL);
	g_assert_true(g_str_has_prefix(err.message, "mapping "));
	g_assert_nonnull(strstr(err.message, "mapping.json: mappings[0]: object_name is missing"));
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sync_mapping/export_reads_every_setting",
			test_export_reads_every_setting);
	g_test_add_func("/sync_mapping/null_or_empty_upsert_field_means_none",
			test_null_or_empty_upsert_field_means_none);
	g_test_add_func("/sync_mapping/bad_json_names_line_and_column",
			test_bad_json_names_line_and_column);
	g_test_add_func("/sync_mapping/missing_or_empty_mappings_list_is_refused",
			test_missing_or_empty_mappings_list_is_refused);
	g_test_add_func("/sync_mapping/missing_object_name_names_the_entry",
			test_missing_object_name_names_the_entry);
	g_test_add_func("/sync_mapping/unknown_access_value_names_entry_and_value",
			test_unknown_access_value_names_entry_and_value);
	g_test_add_func("/sync_mapping/fields_must_be_an_object_of_field_names",
			test_fields_must_be_an_object_of_field_names);
	g_test_add_func("/sync_mapping/object_mapped_twice_is_refused",
			test_object_mapped_twice_is_refused);
	g_test_add_func("/sync_mapping/settings_out_of_range_are_refused",
			test_settings_out_of_range_are_refused);
	g_test_add_func("/sync_mapping/index_on_system_field_needs_no_listing",
			test_index_on_system_field_needs_no_listing);
	g_test_add_func("/sync_mapping/objects_list_maps_every_field_read_write",
			test_objects_list_maps_every_field_read_write);
	g_test_add_func("/sync_mapping/objects_list_refuses_bad_names_and_empty_lists",
			test_objects_list_refuses_bad_names_and_empty_lists);
	g_test_add_func("/sync_mapping/load_reads_a_file_and_names_a_missing_one",
			test_load_reads_a_file_and_names_a_missing_one);
	return g_test_run();
}
