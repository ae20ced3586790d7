/* sf_describe: unknown field types, missing properties, wrong shapes. */
#include "sf_describe.h"

#include <glib.h>
#include <string.h>

static void test_unknown_field_type_is_kept_not_an_error(void)
{
	cJSON *json =
	    cJSON_Parse("{\"name\":\"Thing__c\",\"keyPrefix\":null,\"fields\":["
			"{\"name\":\"Vector__c\",\"type\":\"vectorembedding\"},"
			"{\"name\":\"Loc__c\",\"type\":\"location\",\"compoundFieldName\":"
			"null},"
			"{\"name\":\"BillingCity\",\"type\":\"string\",\"length\":40,"
			"\"compoundFieldName\":\"BillingAddress\",\"picklistValues\":null,"
			"\"referenceTo\":null}]}");
	struct sf_object_describe *d;
	g_assert_null(sf_describe_object_parse(json, &d));
	g_assert_null(d->info.key_prefix);
	g_assert_cmpuint(d->n_fields, ==, 3);
	g_assert_cmpint(d->fields[0].type, ==, SF_FIELD_UNKNOWN);
	g_assert_cmpstr(d->fields[0].type_name, ==, "vectorembedding");
	g_assert_false(d->fields[0].nillable);
	g_assert_cmpint(d->fields[0].length, ==, 0);
	g_assert_cmpint(d->fields[1].type, ==, SF_FIELD_LOCATION);
	g_assert_null(d->fields[1].compound_field_name);
	g_assert_cmpstr(d->fields[2].compound_field_name, ==, "BillingAddress");
	g_assert_cmpuint(d->fields[2].n_picklist_values, ==, 0);
	g_assert_null(d->fields[2].reference_to[0]);
	g_assert_null(sf_describe_find_field(d, "Nope"));
	sf_object_describe_free(d);
	cJSON_Delete(json);
}

static void test_restricted_picklist_and_number_properties(void)
{
	cJSON *json = cJSON_Parse(
	    "{\"name\":\"Account\",\"queryable\":true,\"fields\":[{\"name\":\"Rating\","
	    "\"type\":\"picklist\",\"restrictedPicklist\":true,\"picklistValues\":["
	    "{\"value\":\"Hot\",\"active\":true,\"label\":\"Hot\",\"defaultValue\":false},"
	    "{\"value\":\"Old\",\"active\":false,\"label\":\"Old\",\"defaultValue\":false},"
	    "{\"label\":\"no value\"}]},"
	    "{\"name\":\"NumberOfEmployees\",\"type\":\"int\",\"digits\":8,\"nillable\":true},"
	    "{\"name\":\"Amount\",\"type\":\"currency\",\"precision\":18,\"scale\":2,"
	    "\"calculated\":true,\"externalId\":false,\"unique\":true}]}");
	struct sf_object_describe *d;
	g_assert_null(sf_describe_object_parse(json, &d));
	g_assert_true(d->info.queryable);
	const struct sf_field *rating = sf_describe_find_field(d, "rating");
	g_assert_true(rating->restricted_picklist);
	g_assert_cmpuint(rating->n_picklist_values, ==, 2); /* the one without a value is skipped */
	g_assert_false(rating->picklist_values[1].active);
	const struct sf_field *n = sf_describe_find_field(d, "NumberOfEmployees");
	g_assert_cmpint(n->type, ==, SF_FIELD_INT);
	g_assert_cmpint(n->digits, ==, 8);
	const struct sf_field *amount = sf_describe_find_field(d, "Amount");
	g_assert_cmpint(amount->scale, ==, 2);
	g_assert_true(amount->calculated && amount->unique);
	sf_object_describe_free(d);
	cJSON_Delete(json);
}

static void test_wrong_shapes_are_bad_responses(void)
{
	const char *bad_objects[] = {
	    "[]",
	    "{\"name\":\"X\"}",
	    "{\"fields\":[]}",
	    "{\"name\":\"X\",\"fields\":{}}",
	    "{\"name\":\"X\",\"fields\":[{\"name\":\"A\"}]}",
	    "{\"name\":\"X\",\"fields\":[{\"type\":\"string\"}]}",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad_objects); i++) {
		cJSON *json = cJSON_Parse(bad_objects[i]);
		struct sf_object_describe *d;
		struct sf_error *err = sf_describe_object_parse(json, &d);
		g_assert_nonnull(err);
		g_assert_null(d);
		g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
		sf_error_free(err);
		cJSON_Delete(json);
	}
	const char *bad_globals[] = {"{}", "{\"sobjects\":{}}",
				     "{\"sobjects\":[{\"label\":\"x\"}]}", "\"sobjects\""};
	for (size_t i = 0; i < G_N_ELEMENTS(bad_globals); i++) {
		cJSON *json = cJSON_Parse(bad_globals[i]);
		struct sf_describe_global *g;
		struct sf_error *err = sf_describe_global_parse(json, &g);
		g_assert_nonnull(err);
		g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
		sf_error_free(err);
		cJSON_Delete(json);
	}
	cJSON *empty = cJSON_Parse("{\"sobjects\":[]}");
	struct sf_describe_global *g;
	g_assert_null(sf_describe_global_parse(empty, &g));
	g_assert_cmpuint(g->n_objects, ==, 0);
	sf_describe_global_free(g);
	cJSON_Delete(empty);
}

static void test_type_names_round_trip(void)
{
	for (int t = SF_FIELD_ID; t <= SF_FIELD_JSON; t++)
		g_assert_cmpint(sf_field_type_from_name(sf_field_type_name(t)), ==, t);
	g_assert_cmpint(sf_field_type_from_name("anytype"), ==, SF_FIELD_ANYTYPE);
	g_assert_cmpint(sf_field_type_from_name(NULL), ==, SF_FIELD_UNKNOWN);
	g_assert_cmpstr(sf_field_type_name(SF_FIELD_UNKNOWN), ==, "unknown");
}

static void test_describe_refuses_names_that_are_not_api_names(void)
{
	struct sf_auth_config cfg = {.flow = SF_AUTH_GIVEN_TOKEN,
				     .instance_url = "http://127.0.0.1:9",
				     .access_token = "t",
				     .api_version = "60.0"};
	struct sf_client *client;
	g_assert_null(sf_client_new(&cfg, NULL, &client));
	struct sf_object_describe *d;
	struct sf_error *err = sf_describe_object(client, "Account/../../x", &d);
	g_assert_cmpint(err->kind, ==, SF_ERR_INVALID_REQUEST);
	g_assert_cmpuint(sf_client_calls(client, NULL), ==, 0);
	sf_error_free(err);
	sf_client_free(client);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sf_describe/unknown_field_type_is_kept_not_an_error",
			test_unknown_field_type_is_kept_not_an_error);
	g_test_add_func("/sf_describe/restricted_picklist_and_number_properties",
			test_restricted_picklist_and_number_properties);
	g_test_add_func("/sf_describe/wrong_shapes_are_bad_responses",
			test_wrong_shapes_are_bad_responses);
	g_test_add_func("/sf_describe/type_names_round_trip", test_type_names_round_trip);
	g_test_add_func("/sf_describe/refuses_names_that_are_not_api_names",
			test_describe_refuses_names_that_are_not_api_names);
	return g_test_run();
}
