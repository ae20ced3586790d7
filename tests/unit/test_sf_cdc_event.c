/* sf_cdc_event and sf_cometd_parse_reply: CometD answers as Salesforce sends them. */
#include "sf_cdc_event.h"
#include "sf_cometd.h"

#include <glib.h>
#include <string.h>

/* A /meta/connect answer with one update event (the shape of docs/sync.md "Streaming"). */
static const char *CONNECT_WITH_EVENT =
    "[{\"clientId\":\"1q1ib66fvm7kli1gfoauu95i78g\",\"channel\":\"/meta/connect\","
    "\"id\":\"7\",\"successful\":true,\"advice\":{\"interval\":0,\"timeout\":110000,"
    "\"reconnect\":\"retry\"}},"
    "{\"clientId\":\"1q1ib66fvm7kli1gfoauu95i78g\",\"channel\":\"/data/AccountChangeEvent\","
    "\"data\":{\"schema\":\"IeRuaY6cbI_HsV8Rv1Mc5g\",\"payload\":{\"ChangeEventHeader\":{"
    "\"entityName\":\"Account\",\"recordIds\":[\"0015g00000AbCdEAAV\"],"
    "\"changeType\":\"UPDATE\","
    "\"changeOrigin\":\"com/salesforce/api/rest/60.0;client=forcefs-salesforce\","
    "\"transactionKey\":\"0004f4a5-3c52-1f8a-4d6d-64b3f2a10d26\",\"sequenceNumber\":1,"
    "\"commitTimestamp\":1764979200123,\"commitNumber\":10734867281316,"
    "\"commitUser\":\"0055g0000000002AAA\",\"nulledFields\":[\"Phone\"],"
    "\"diffFields\":[],\"changedFields\":[\"Industry\",\"Phone\",\"LastModifiedDate\"]},"
    "\"Industry\":\"Energy\",\"Phone\":null,"
    "\"LastModifiedDate\":\"2026-12-06T00:00:00.123Z\"},"
    "\"event\":{\"replayId\":18523}}}]";

static GPtrArray *events_array(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)sf_cdc_event_free);
}

static void test_parses_update_event(void)
{
	GPtrArray *evs = events_array();
	long timeout = 0;
	char *cid = NULL;
	struct sf_error *err = sf_cometd_parse_reply(CONNECT_WITH_EVENT, strlen(CONNECT_WITH_EVENT),
						     "/meta/connect", evs, &timeout, &cid);
	g_assert_null(err);
	g_assert_cmpint(timeout, ==, 110000);
	g_assert_cmpstr(cid, ==, "1q1ib66fvm7kli1gfoauu95i78g");
	g_assert_cmpuint(evs->len, ==, 1);
	struct sf_cdc_event *e = evs->pdata[0];
	g_assert_cmpstr(e->channel, ==, "/data/AccountChangeEvent");
	g_assert_cmpint(e->replay_id, ==, 18523);
	g_assert_cmpstr(e->entity, ==, "Account");
	g_assert_cmpint(e->change, ==, SF_CDC_UPDATE);
	g_assert_cmpuint(e->n_records, ==, 1);
	g_assert_cmpstr(e->record_ids[0], ==, "0015g00000AbCdEAAV");
	g_assert_null(e->record_ids[1]);
	g_assert_cmpstr(e->transaction_key, ==, "0004f4a5-3c52-1f8a-4d6d-64b3f2a10d26");
	g_assert_cmpint(e->sequence_number, ==, 1);
	g_assert_cmpint(e->commit_timestamp, ==, 1764979200123LL);
	g_assert_cmpint(e->commit_number, ==, 10734867281316LL);
	g_assert_cmpstr(e->commit_user, ==, "0055g0000000002AAA");
	g_assert_cmpstr(e->changed_fields[0], ==, "Industry");
	g_assert_cmpstr(e->changed_fields[2], ==, "LastModifiedDate");
	g_assert_cmpstr(e->nulled_fields[0], ==, "Phone");
	g_assert_null(e->diff_fields[0]);
	g_assert_true(cJSON_IsNull(cJSON_GetObjectItem(e->fields, "Phone")));
	g_assert_cmpstr(cJSON_GetObjectItem(e->fields, "Industry")->valuestring, ==, "Energy");
	g_assert_null(cJSON_GetObjectItem(e->fields, "ChangeEventHeader"));
	g_assert_false(sf_cdc_event_is_gap(e));
	g_assert_false(sf_cdc_event_needs_poll(e));
	g_assert_true(sf_cdc_origin_is_client(e->change_origin, "forcefs-salesforce"));
	g_free(cid);
	g_ptr_array_unref(evs);
}

static void test_gap_and_overflow_events(void)
{
	const char *body =
	    "[{\"channel\":\"/meta/connect\",\"successful\":true},"
	    "{\"channel\":\"/data/Customer_Record__ChangeEvent\",\"data\":{\"payload\":{"
	    "\"ChangeEventHeader\":{\"entityName\":\"Customer_Record__c\",\"recordIds\":"
	    "[\"a015g000001AbCdAAK\",\"a015g000001AbCeAAK\"],\"changeType\":\"GAP_UPDATE\","
	    "\"changedFields\":[],\"nulledFields\":[],\"diffFields\":[],"
	    "\"commitTimestamp\":1764979200000}},\"event\":{\"replayId\":7}}},"
	    "{\"channel\":\"/data/AccountChangeEvent\",\"data\":{\"payload\":{"
	    "\"ChangeEventHeader\":{\"entityName\":\"Account\",\"recordIds\":[\"001*\"],"
	    "\"changeType\":\"UPDATE\"}},\"event\":{\"replayId\":8}}},"
	    "{\"channel\":\"/data/AccountChangeEvent\",\"data\":{\"payload\":{"
	    "\"ChangeEventHeader\":{\"entityName\":\"Account\",\"recordIds\":[],"
	    "\"changeType\":\"GAP_OVERFLOW\"}},\"event\":{\"replayId\":\"9\"}}}]";
	GPtrArray *evs = events_array();
	g_assert_null(sf_cometd_parse_reply(body, strlen(body), "/meta/connect", evs, NULL, NULL));
	g_assert_cmpuint(evs->len, ==, 3);
	struct sf_cdc_event *gap = evs->pdata[0], *wild = evs->pdata[1], *over = evs->pdata[2];
	g_assert_cmpint(gap->change, ==, SF_CDC_GAP_UPDATE);
	g_assert_true(sf_cdc_event_is_gap(gap));
	g_assert_false(sf_cdc_event_needs_poll(gap));
	g_assert_cmpuint(gap->n_records, ==, 2);
	g_assert_cmpstr(gap->change_origin, ==, "");
	g_assert_true(sf_cdc_event_needs_poll(wild));
	g_assert_cmpint(over->change, ==, SF_CDC_GAP_OVERFLOW);
	g_assert_cmpint(over->replay_id, ==, 9);
	g_assert_true(sf_cdc_event_needs_poll(over));
	g_ptr_array_unref(evs);
}

static void test_meta_errors(void)
{
	struct {
		const char *body;
		const char *channel;
		enum sf_error_kind kind;
		bool handshake;
		bool replay;
	} cases[] = {
	    {"[{\"clientId\":\"x\",\"advice\":{\"interval\":0,\"reconnect\":\"handshake\"},"
	     "\"channel\":\"/meta/connect\",\"id\":\"5\",\"error\":\"403::Unknown client\","
	     "\"successful\":false}]",
	     "/meta/connect", SF_ERR_TRANSIENT_SERVER, true, false},
	    {"[{\"clientId\":\"x\",\"channel\":\"/meta/subscribe\",\"id\":\"3\","
	     "\"subscription\":\"/data/AccountChangeEvent\",\"error\":\"400::The replayId {42} "
	     "you provided was invalid.  Please provide a valid ID, -2 to replay all events, or "
	     "-1 to replay only new events.\",\"successful\":false}]",
	     "/meta/subscribe", SF_ERR_INVALID_REQUEST, false, true},
	    {"[{\"clientId\":\"x\",\"channel\":\"/meta/subscribe\",\"error\":\"400::The channel "
	     "you requested to subscribe to does not exist {/data/ContactChangeEvent}\","
	     "\"successful\":false}]",
	     "/meta/subscribe", SF_ERR_INVALID_REQUEST, false, false},
	    {"[{\"ext\":{\"sfdc\":{\"failureReason\":\"401::Authentication invalid\"}},"
	     "\"advice\":{\"reconnect\":\"none\"},\"channel\":\"/meta/handshake\","
	     "\"error\":\"403::Handshake denied\",\"successful\":false}]",
	     "/meta/handshake", SF_ERR_SESSION_EXPIRED, false, false},
	    {"[{\"clientId\":\"x\",\"advice\":{\"reconnect\":\"none\",\"interval\":0},"
	     "\"channel\":\"/meta/connect\",\"id\":7,\"error\":\"401::Authentication invalid\","
	     "\"successful\":false}]",
	     "/meta/connect", SF_ERR_SESSION_EXPIRED, false, false},
	    {"[{\"clientId\":\"x\",\"channel\":\"/meta/connect\",\"error\":\"403::Organization "
	     "total events daily limit exceeded\",\"successful\":false}]",
	     "/meta/connect", SF_ERR_LIMIT_EXCEEDED, false, false},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct sf_error *err = sf_cometd_parse_reply(cases[i].body, strlen(cases[i].body),
							     cases[i].channel, NULL, NULL, NULL);
		g_assert_nonnull(err);
		g_assert_cmpint(err->kind, ==, cases[i].kind);
		g_assert_cmpint(sf_cometd_needs_handshake(err), ==, cases[i].handshake);
		g_assert_cmpint(sf_cometd_replay_invalid(err), ==, cases[i].replay);
		g_assert_nonnull(strstr(err->message, cases[i].channel));
		sf_error_free(err);
	}
}

static void test_bad_answers(void)
{
	const char *bodies[] = {
	    "<html>maintenance</html>",
	    "{\"channel\":\"/meta/connect\",\"successful\":true}",
	    "[{\"channel\":\"/meta/handshake\",\"successful\":true}]",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bodies); i++) {
		struct sf_error *err = sf_cometd_parse_reply(bodies[i], strlen(bodies[i]),
							     "/meta/connect", NULL, NULL, NULL);
		g_assert_nonnull(err);
		g_assert_cmpint(err->kind, ==, SF_ERR_BAD_RESPONSE);
		sf_error_free(err);
	}
	/* A message that is not a change event is skipped, not fatal. */
	const char *odd = "[{\"channel\":\"/meta/connect\",\"successful\":true},"
			  "{\"channel\":\"/data/AccountChangeEvent\",\"data\":{\"payload\":{}}}]";
	GPtrArray *evs = events_array();
	g_assert_null(sf_cometd_parse_reply(odd, strlen(odd), "/meta/connect", evs, NULL, NULL));
	g_assert_cmpuint(evs->len, ==, 0);
	g_ptr_array_unref(evs);
}

static void test_parse_rejects_non_events(void)
{
	const char *msgs[] = {
	    "{\"data\":{\"payload\":{\"ChangeEventHeader\":{\"entityName\":\"A\"}},"
	    "\"event\":{\"replayId\":1}}}",
	    "{\"channel\":\"/data/X\",\"data\":{\"payload\":{\"ChangeEventHeader\":"
	    "{\"entityName\":\"A\"}}}}",
	    "{\"channel\":\"/data/X\",\"data\":{\"payload\":{\"ChangeEventHeader\":{}},"
	    "\"event\":{\"replayId\":1}}}",
	    "{\"channel\":\"/data/X\",\"data\":{\"payload\":\"text\",\"event\":{\"replayId\":1}}}",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(msgs); i++) {
		cJSON *m = cJSON_Parse(msgs[i]);
		struct sf_cdc_event *e = NULL;
		struct sf_error *err = sf_cdc_event_parse(m, &e);
		g_assert_nonnull(err);
		g_assert_null(e);
		sf_error_free(err);
		cJSON_Delete(m);
	}
}

static void test_origin_client_match(void)
{
	g_assert_true(
	    sf_cdc_origin_is_client("com/salesforce/api/rest/60.0;client=forcefs-s", "forcefs-s"));
	g_assert_false(
	    sf_cdc_origin_is_client("com/salesforce/api/rest/60.0;client=forcefs-s2", "forcefs-s"));
	g_assert_false(
	    sf_cdc_origin_is_client("com/salesforce/api/rest/60.0;client=xforcefs-s", "forcefs-s"));
	g_assert_false(sf_cdc_origin_is_client("com/salesforce/api/rest/60.0", "forcefs-s"));
	g_assert_false(sf_cdc_origin_is_client("", "forcefs-s"));
	g_assert_false(sf_cdc_origin_is_client(NULL, "forcefs-s"));
	g_assert_true(
	    sf_cdc_origin_is_client("com/salesforce/api/soap/49.0;client=Astro", "Astro"));
}

static void test_change_names(void)
{
	char *ch = sf_cdc_channel("Account");
	g_assert_cmpstr(ch, ==, "/data/AccountChangeEvent");
	g_free(ch);
	ch = sf_cdc_channel("Customer_Record__c");
	g_assert_cmpstr(ch, ==, "/data/Customer_Record__ChangeEvent");
	g_free(ch);
	g_assert_cmpint(sf_cdc_change_from_name("CREATE"), ==, SF_CDC_CREATE);
	g_assert_cmpint(sf_cdc_change_from_name("UNDELETE"), ==, SF_CDC_UNDELETE);
	g_assert_cmpint(sf_cdc_change_from_name("GAP_DELETE"), ==, SF_CDC_GAP_DELETE);
	g_assert_cmpint(sf_cdc_change_from_name("SNAPSHOT"), ==, SF_CDC_OTHER);
	g_assert_cmpint(sf_cdc_change_from_name(NULL), ==, SF_CDC_OTHER);
}

static void test_replay_ext_is_an_integer(void)
{
	const int64_t ids[] = {-1, -2, 42, 1796648175750270LL, 9007199254740993LL};
	const char *want[] = {
	    "{\"replay\":{\"/data/AccountChangeEvent\":-1}}",
	    "{\"replay\":{\"/data/AccountChangeEvent\":-2}}",
	    "{\"replay\":{\"/data/AccountChangeEvent\":42}}",
	    "{\"replay\":{\"/data/AccountChangeEvent\":1796648175750270}}",
	    "{\"replay\":{\"/data/AccountChangeEvent\":9007199254740993}}",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
		cJSON *ext = sf_cometd_replay_ext("/data/AccountChangeEvent", ids[i]);
		char *text = cJSON_PrintUnformatted(ext);
		g_assert_cmpstr(text, ==, want[i]);
		cJSON_free(text);
		cJSON_Delete(ext);
	}
}

/* Regression (found by tests/fuzz/fuzz_streaming): replayId, sequenceNumber and the
 * advice's timeout of 1e300 were cast to integers (undefined behaviour). A number that is
 * not a whole one within ±2^53 is now no replayId, and the other fields are left unset. */
static void test_numbers_out_of_range_are_not_believed(void)
{
	const char *replays[] = {"1e300", "-1e300", "\"1e300\"", "1.5", "9007199254740993e2"};
	for (size_t i = 0; i < G_N_ELEMENTS(replays); i++) {
		char *text = g_strdup_printf(
		    "{\"channel\":\"/data/AccountChangeEvent\",\"data\":{\"payload\":{"
		    "\"ChangeEventHeader\":{\"entityName\":\"Account\"}},\"event\":{\"replayId\":%s}}}",
		    replays[i]);
		cJSON *json = cJSON_Parse(text);
		struct sf_cdc_event *e = NULL;
		struct sf_error *err = sf_cdc_event_parse(json, &e);
		if (!err)
			g_error("accepted replayId %s", replays[i]);
		g_assert_null(e);
		sf_error_free(err);
		cJSON_Delete(json);
		g_free(text);
	}
	const char *fields = "{\"channel\":\"/data/AccountChangeEvent\",\"data\":{\"payload\":{"
			     "\"ChangeEventHeader\":{\"entityName\":\"Account\",\"sequenceNumber\":1e300,"
			     "\"commitTimestamp\":-1e300,\"commitNumber\":\"1e300\"}},"
			     "\"event\":{\"replayId\":\"42\"}}}";
	cJSON *json = cJSON_Parse(fields);
	struct sf_cdc_event *e = NULL;
	g_assert_null(sf_cdc_event_parse(json, &e));
	g_assert_cmpint(e->replay_id, ==, 42);
	g_assert_cmpint(e->sequence_number, ==, 0);
	g_assert_cmpint(e->commit_timestamp, ==, 0);
	g_assert_cmpint(e->commit_number, ==, 0);
	sf_cdc_event_free(e);
	cJSON_Delete(json);

	const char *advice = "[{\"channel\":\"/meta/connect\",\"successful\":true,"
			     "\"advice\":{\"timeout\":1e300}}]";
	long timeout = -7;
	g_assert_null(sf_cometd_parse_reply(advice, strlen(advice), "/meta/connect", NULL, &timeout,
					    NULL));
	g_assert_cmpint(timeout, ==, -7);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sf_cdc_event/parses_update_event", test_parses_update_event);
	g_test_add_func("/sf_cdc_event/numbers_out_of_range_are_not_believed",
			test_numbers_out_of_range_are_not_believed);
	g_test_add_func("/sf_cdc_event/gap_and_overflow_events", test_gap_and_overflow_events);
	g_test_add_func("/sf_cdc_event/meta_errors", test_meta_errors);
	g_test_add_func("/sf_cdc_event/bad_answers", test_bad_answers);
	g_test_add_func("/sf_cdc_event/parse_rejects_non_events", test_parse_rejects_non_events);
	g_test_add_func("/sf_cdc_event/origin_client_match", test_origin_client_match);
	g_test_add_func("/sf_cdc_event/change_names", test_change_names);
	g_test_add_func("/sf_cdc_event/replay_ext_is_an_integer", test_replay_ext_is_an_integer);
	return g_test_run();
}
