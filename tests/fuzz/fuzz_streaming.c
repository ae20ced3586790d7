/* libFuzzer target: the streaming answers (CometD /meta/handshake, /meta/subscribe and
 * /meta/connect bodies, and the Change Data Capture events they carry). */
#include <cjson/cJSON.h>
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sf_cdc_event.h"
#include "sf_cometd.h"
#include "sf_error.h"

static void check(struct sf_error *err)
{
	if (!err)
		return;
	if (strchr(err->message, '\n'))
		abort();
	(void)sf_cometd_needs_handshake(err);
	(void)sf_cometd_replay_invalid(err);
	sf_error_free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const channels[] = {"/meta/connect", "/meta/handshake",
					       "/meta/subscribe"};
	for (size_t c = 0; c < G_N_ELEMENTS(channels); c++) {
		GPtrArray *events = g_ptr_array_new_with_free_func((GDestroyNotify)sf_cdc_event_free);
		long timeout = -1;
		char *client_id = NULL;
		check(sf_cometd_parse_reply((const char *)data, size, channels[c], events, &timeout,
					    &client_id));
		for (guint i = 0; i < events->len; i++) {
			const struct sf_cdc_event *e = g_ptr_array_index(events, i);
			(void)sf_cdc_event_is_gap(e);
			(void)sf_cdc_event_needs_poll(e);
		}
		g_free(client_id);
		g_ptr_array_free(events, TRUE);
	}
	/* One event message on its own, as a /data/... channel delivers it. */
	cJSON *json = cJSON_ParseWithLength((const char *)data, size);
	if (json) {
		struct sf_cdc_event *event = NULL;
		check(sf_cdc_event_parse(json, &event));
		sf_cdc_event_free(event);
		cJSON_Delete(json);
	}
	char *text = g_strndup((const char *)data, size);
	(void)sf_cdc_change_from_name(text);
	(void)sf_cdc_origin_is_client(text, "forcefs");
	char *channel = sf_cdc_channel(text);
	g_free(channel);
	g_free(text);
	return 0;
}
