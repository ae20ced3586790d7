/* sf_query, sf_changes, sf_collections: answer shapes and local refusals. */
#include "sf_bulk.h"
#include "sf_changes.h"
#include "sf_collections.h"
#include "sf_query.h"

#include <glib.h>
#include <string.h>

static struct sf_error *page_err(const char *text)
{
	cJSON *json = cJSON_Parse(text);
	struct sf_query_page page;
	struct sf_error *err = sf_query_page_parse(json, &page);
	cJSON_Delete(json);
	return err;
}

static void test_query_page_with_unexpected_shape_is_bad_response(void)
{
	const char *bad[] = {
	    "{}",
	    "[]",
	    "{\"totalSize\":1,\"done\":true}",
	    "{\"totalSize\":1,\"done\":true,\"records\":{}}",
	    "{\"totalSize\":1,\"done\":\"yes\",\"records\":[]}",
	    "{\"totalSize\":1,\"done\":true,\"records\":[1]}",
	    "{\"totalSize\":2,\"done\":false,\"records\":[]}",
	    "{\"totalSize\":2,\"done\":false,\"records\":[],\"nextRecordsUrl\":"
	    "\"https://evil.example/services/data/v60.0/query/01g-2\"}",
	    "{\"totalSize\":2,\"done\":false,\"records\":[],\"nextRecordsUrl\":"
	    "\"/services/data/../../x\"}",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct sf_error *err = page_err(bad[i]);
		if (!err)
			g_error("accepted %s", bad[i]);
		g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
		sf_error_free(err);
	}
	g_assert_null(page_err("{\"totalSize\":2,\"done\":false,\"records\":[{}],"
			       "\"nextRecordsUrl\":\"/services/data/v60.0/query/01gX-1\"}"));
}

/* Regression: a totalSize of 1e300 was cast to long (undefined behaviour); counts are now
 * checked where they enter, and a page claiming an impossible count is a bad response. */
static void test_query_page_total_size_must_be_a_whole_count(void)
{
	const char *bad[] = {"1e300", "-1", "2.5", "9007199254740993e3", "-1e300", "\"3\""};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *text = g_strdup_printf("{\"totalSize\":%s,\"done\":true,\"records\":[]}", bad[i]);
		struct sf_error *err = page_err(text);
		if (!err)
			g_error("accepted totalSize %s", bad[i]);
		g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
		sf_error_free(err);
		g_free(text);
	}
	cJSON *json = cJSON_Parse("{\"totalSize\":9007199254740992,\"done\":true,\"records\":[]}");
	struct sf_query_page page;
	g_assert_null(sf_query_page_parse(json, &page));
	g_assert_cmpint(page.total_size, ==, 9007199254740992L);
	cJSON_Delete(json);
}

/* Regression: the record counts of a Bulk job answer were cast from any double. */
static void test_bulk_job_counts_are_checked(void)
{
	cJSON *job = cJSON_Parse("{\"a\":1e300,\"b\":-5,\"c\":1.5,\"d\":\"7\",\"e\":0,\"f\":1234}");
	g_assert_cmpint(sf_bulk_job_count(job, "a"), ==, -1);
	g_assert_cmpint(sf_bulk_job_count(job, "b"), ==, -1);
	g_assert_cmpint(sf_bulk_job_count(job, "c"), ==, -1);
	g_assert_cmpint(sf_bulk_job_count(job, "d"), ==, -1);
	g_assert_cmpint(sf_bulk_job_count(job, "missing"), ==, -1);
	g_assert_cmpint(sf_bulk_job_count(job, "e"), ==, 0);
	g_assert_cmpint(sf_bulk_job_count(job, "f"), ==, 1234);
	cJSON_Delete(job);
}

static void test_query_object_is_the_outer_from(void)
{
	struct {
		const char *soql, *object;
	} cases[] = {
	    {"SELECT Id FROM Account", "Account"},
	    {"select id from contact where name = 'from x'", "contact"},
	    {"SELECT Id, (SELECT Id FROM Contacts) FROM Account WHERE X = 1", "Account"},
	    {"SELECT Id FROM Customer_Records__c ORDER BY Id", "Customer_Records__c"},
	    {"SELECT Name FROM\n\tLead", "Lead"},
	    {"SELECT Id", NULL},
	    {"SELECT Id FROM 'x'", NULL},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *object = sf_query_object(cases[i].soql);
		g_assert_cmpstr(object, ==, cases[i].object);
		g_free(object);
	}
}

static void test_changes_with_unexpected_shape_are_bad_responses(void)
{
	const char *updated[] = {
	    "{}",
	    "{\"ids\":[]}",
	    "{\"ids\":[],\"latestDateCovered\":\"yesterday\"}",
	    "{\"ids\":[\"001/../x\"],\"latestDateCovered\":\"2013-05-08T21:20:00.000+0000\"}",
	    "{\"ids\":[7],\"latestDateCovered\":\"2013-05-08T21:20:00.000+0000\"}",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(updated); i++) {
		cJSON *json = cJSON_Parse(updated[i]);
		struct sf_updated *u;
		struct sf_error *err = sf_changes_parse_updated(json, &u);
		g_assert_nonnull(err);
		g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
		sf_error_free(err);
		cJSON_Delete(json);
	}
	const char *deleted[] = {
	    "{\"deletedRecords\":[]}",
	    "{\"deletedRecords\":[{\"id\":\"a00D0000008pQRAIA2\"}],\"latestDateCovered\":"
	    "\"2013-05-08T21:20:00.000+0000\"}",
	    "{\"deletedRecords\":[{\"deletedDate\":\"2013-05-08T21:20:00.000+0000\"}],"
	    "\"latestDateCovered\":\"2013-05-08T21:20:00.000+0000\"}",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(deleted); i++) {
		cJSON *json = cJSON_Parse(deleted[i]);
		struct sf_deleted *d;
		struct sf_error *err = sf_changes_parse_deleted(json, &d);
		g_assert_nonnull(err);
		sf_error_free(err);
		cJSON_Delete(json);
	}
}

static void test_collection_results_keep_request_order_and_errors(void)
{
	cJSON *json = cJSON_Parse(
	    "[{\"success\":false,\"errors\":[{\"statusCode\":\"DUPLICATES_DETECTED\","
	    "\"message\":\"Use one of these records?\",\"fields\":[]}]},"
	    "{\"id\":\"003RM0000068xVCYAY\",\"success\":true,\"errors\":[]},"
	    "{\"id\":null,\"success\":false,\"errors\":[{\"statusCode\":"
	    "\"UNABLE_TO_LOCK_ROW\",\"message\":\"unable to obtain exclusive access\","
	    "\"fields\":[\"Name\"]},{\"statusCode\":\"OTHER\",\"message\":\"x\"}]},"
	    "{\"id\":\"0018a00001rBqb8AAC\",\"success\":true,\"errors\":[],\"created\":true}]");
	struct sf_collection_results *r;
	g_assert_null(sf_collections_parse_results(json, 4, &r));
	g_assert_cmpuint(r->n, ==, 4);
	g_assert_false(r->results[0].success);
	g_assert_null(r->results[0].id);
	g_assert_cmpstr(r->results[0].errors[0]->code, ==, "DUPLICATES_DETECTED");
	g_assert_cmpstr(sf_record_result_message(&r->results[0]), ==,
			"Use one of these records? (DUPLICATES_DETECTED)");
	g_assert_true(r->results[1].success);
	g_assert_cmpstr(r->results[1].id, ==, "003RM0000068xVCYAY");
	g_assert_cmpstr(sf_record_result_message(&r->results[1]), ==, "");
	g_assert_null(r->results[2].id);
	g_assert_cmpuint(r->results[2].n_errors, ==, 2);
	g_assert_cmpint(r->results[2].errors[0]->kind, ==, SF_ERR_LOCK_ROW);
	g_assert_cmpstr(r->results[2].errors[0]->fields[0], ==, "Name");
	g_assert_cmpint(r->results[3].created, ==, 1);
	g_assert_cmpint(r->results[1].created, ==, -1);
	sf_collection_results_free(r);

	struct sf_error *err = sf_collections_parse_results(json, 3, &r);
	g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
	g_assert_null(r);
	sf_error_free(err);
	cJSON_Delete(json);

	const char *bad[] = {"{}", "[{\"id\":\"x\"}]", "[{\"success\":false,\"errors\":[]}]"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		json = cJSON_Parse(bad[i]);
		err = sf_collections_parse_results(json, 1, &r);
		g_assert_nonnull(err);
		g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
		sf_error_free(err);
		cJSON_Delete(json);
	}
}

/* A client that would fail if it ever sent anything: nothing listens on port 9. */
static struct sf_client *offline_client(void)
{
	struct sf_auth_config cfg = {.flow = SF_AUTH_GIVEN_TOKEN,
				     .instance_url = "http://127.0.0.1:9",
				     .access_token = "t",
				     .api_version = "60.0"};
	struct sf_client *client;
	g_assert_null(sf_client_new(&cfg, NULL, &client));
	return client;
}

static void test_collections_refuse_bad_input_without_a_call(void)
{
	struct sf_client *client = offline_client();
	struct sf_collection_results *r;
	cJSON *many = cJSON_CreateArray();
	for (int i = 0; i < 201; i++)
		cJSON_AddItemToArray(many, cJSON_CreateObject());
	struct sf_error *err = sf_collections_create(client, "Account", many, false, &r);
	g_assert_cmpint(err->kind, ==, SF_ERR_INVALID_REQUEST);
	g_assert_nonnull(strstr(err->message, "at most 200"));
	sf_error_free(err);

	cJSON *no_id = cJSON_Parse("[{\"Name\":\"x\"}]");
	err = sf_collections_update(client, "Account", no_id, false, &r);
	g_assert_nonnull(strstr(err->message, "record 1 has no valid \"Id\""));
	sf_error_free(err);
	err = sf_collections_upsert(client, "Account", "Ext__c", no_id, false, &r);
	g_assert_nonnull(strstr(err->message, "Ext__c"));
	sf_error_free(err);
	err = sf_collections_upsert(client, "Account", "Ext__c/../x", no_id, false, &r);
	g_assert_cmpint(err->kind, ==, SF_ERR_INVALID_REQUEST);
	sf_error_free(err);
	err = sf_collections_create(client, "Acc ount", no_id, false, &r);
	g_assert_cmpint(err->kind, ==, SF_ERR_INVALID_REQUEST);
	sf_error_free(err);

	const char *ids[] = {"001M000001FgVKlIAN", "001M000001FgVKlIAN&allOrNone=true"};
	err = sf_collections_delete(client, "Account", ids, 2, false, &r);
	g_assert_cmpstr(err->code, ==, "MALFORMED_ID");
	sf_error_free(err);

	cJSON *none = cJSON_CreateArray();
	g_assert_null(sf_collections_create(client, "Account", none, false, &r));
	g_assert_cmpuint(r->n, ==, 0);
	sf_collection_results_free(r);

	struct sf_updated *u;
	err = sf_changes_updated(client, "Account", 2000, 1000, &u);
	g_assert_cmpint(err->kind, ==, SF_ERR_INVALID_REQUEST);
	sf_error_free(err);
	g_assert_cmpuint(sf_client_calls(client, NULL), ==, 0);
	cJSON_Delete(none);
	cJSON_Delete(no_id);
	cJSON_Delete(many);
	sf_client_free(client);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sf_query/page_with_unexpected_shape_is_bad_response",
			test_query_page_with_unexpected_shape_is_bad_response);
	g_test_add_func("/sf_query/page_total_size_must_be_a_whole_count",
			test_query_page_total_size_must_be_a_whole_count);
	g_test_add_func("/sf_bulk/job_counts_are_checked", test_bulk_job_counts_are_checked);
	g_test_add_func("/sf_query/object_is_the_outer_from", test_query_object_is_the_outer_from);
	g_test_add_func("/sf_changes/unexpected_shapes_are_bad_responses",
			test_changes_with_unexpected_shape_are_bad_responses);
	g_test_add_func("/sf_collections/results_keep_request_order_and_errors",
			test_collection_results_keep_request_order_and_errors);
	g_test_add_func("/sf_collections/refuse_bad_input_without_a_call",
			test_collections_refuse_bad_input_without_a_call);
	return g_test_run();
}
