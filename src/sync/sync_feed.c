#include "sync_feed.h"

#include <errno.h>
#include <time.h>

#include "db_sync.h"
#include "log.h"
#include "sf_cdc_event.h"
#include "sync_pull.h"
#include "sync_stream.h"

#define BUDGET_PROBE_MS (30 * 60 * 1000L) /* past 90%: one poll per object this often */

/* How an object gets Salesforce's changes right now. */
enum object_stream {
	OBJ_POLLING,   /* no subscription: polls at its interval */
	OBJ_PENDING,   /* subscription asked for, no answer yet */
	OBJ_STREAMING, /* events come: the window poll is the safety net */
	OBJ_DOWN,      /* subscribed, but the stream is down for now: polls meanwhile */
};

struct sync_feed {
	struct sync_env *env;
	struct sync_feed_options opts;
	char *client_id;
	int64_t *next_pull; /* borrowed: the engine's, per object */
	struct sync_stream *stream;
	enum object_stream *streams; /* per object */
	GPtrArray **events;	     /* per object: struct sf_cdc_event * waiting */
	bool *dirty;		     /* per object: events were skipped, a poll must follow */
	int budget_level;	     /* 0, 1 past 70% of the org's API allowance, 2 past 90% */
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sync_feed_interval_ms(const struct sync_feed *f, size_t i)
{
	const struct sync_object *ob = &f->env->objects->objects[i];
	int64_t poll = (int64_t)ob->poll_seconds * 1000;
	if (f->budget_level >= 2)
		return MAX(poll, BUDGET_PROBE_MS);
	if (f->streams[i] != OBJ_STREAMING)
		return poll;
	int64_t safety = MAX(poll, (int64_t)f->opts.safety_seconds * 1000);
	return f->budget_level >= 1 ? safety * 4 : safety;
}

/* A streamed object's deletes come as events: its getDeleted pass runs rarely. */
int64_t sync_feed_delete_pass_ms(const struct sync_feed *f, size_t i)
{
	return f->streams[i] == OBJ_STREAMING ? SYNC_STREAM_DELETE_PASS_SECONDS * 1000LL : 0;
}

/* Subscribes every object to its change events (the daemon only). */
static int start_stream(struct sync_feed *f, struct error *err)
{
	size_t n = f->env->objects->nobjects;
	f->streams = g_new0(enum object_stream, n);
	f->dirty = g_new0(bool, n);
	f->events = g_new0(GPtrArray *, n);
	for (size_t i = 0; i < n; i++)
		f->events[i] = g_ptr_array_new_with_free_func((GDestroyNotify)sf_cdc_event_free);
	if (!f->opts.streaming)
		return 0;
	const char **names = g_new(const char *, n);
	int64_t *replay = g_new(int64_t, n);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct sync_object *ob = &f->env->objects->objects[i];
		struct db_sync_state st;
		rc =
		    db_sync_state_load(f->env->conn, f->env->schema, ob->name, ob->table, &st, err);
		names[i] = ob->name;
		replay[i] = st.replay_id >= 0 ? st.replay_id : -1;
		f->streams[i] = OBJ_PENDING;
		/* A stored replay id replays what happened meanwhile: the first window poll
		 * waits for the subscription's answer (a refusal polls at once). */
		if (rc == 0 && st.loaded && st.replay_id >= 0)
			f->next_pull[i] = mono_ms() + f->opts.grace_ms;
	}
	if (rc == 0) {
		struct sync_stream_options so = {
		    .auth = f->opts.auth,
		    .retry_base_ms = f->opts.retry_base_ms,
		    .retry_max_ms = f->opts.retry_max_ms,
		};
		f->stream = sync_stream_start(&so, names, replay, n);
	}
	g_free(names);
	g_free(replay);
	return rc;
}

static void set_stream_state(struct sync_feed *f, size_t i, const char *state, const char *note)
{
	struct error e = {0};
	if (db_sync_state_stream(f->env->conn, f->env->schema, f->env->objects->objects[i].name,
				 state, note, &e))
		log_warn("%s", e.message);
}

/* One object's waiting events: the records they name are fetched and merged, and the
 * last replay id is committed with them. */
static int apply_events(struct sync_feed *f, size_t i, struct error *err)
{
	GPtrArray *evs = f->events[i];
	if (evs->len == 0)
		return 0;
	const struct sync_object *ob = &f->env->objects->objects[i];
	if (f->budget_level >= 2) {
		f->dirty[i] = true; /* a poll follows when the usage is down again */
		g_ptr_array_set_size(evs, 0);
		return 0;
	}
	GPtrArray *ids = g_ptr_array_new();
	bool poll = false;
	long echoes = 0;
	for (guint k = 0; k < evs->len; k++) {
		const struct sf_cdc_event *ev = evs->pdata[k];
		if (sf_cdc_origin_is_client(ev->change_origin, f->client_id)) {
			echoes++; /* our own push coming back: nothing to fetch */
			continue;
		}
		if (sf_cdc_event_needs_poll(ev)) {
			poll = true;
			continue;
		}
		for (size_t r = 0; r < ev->n_records; r++)
			g_ptr_array_add(ids, ev->record_ids[r]);
	}
	const struct sf_cdc_event *last = evs->pdata[evs->len - 1];
	int rc = 0;
	if (poll) {
		log_info("%s: a change event (%s) names no records: window poll", ob->name,
			 last->change_type);
		struct sync_pull_stats pst = {0};
		f->env->delete_pass_ms = sync_feed_delete_pass_ms(f, i);
		rc = sync_pull_object(f->env, ob, &pst, err);
		f->next_pull[i] = mono_ms() + sync_feed_interval_ms(f, i);
	}
	struct sync_pull_stats st = {0};
	if (rc == 0)
		rc = sync_pull_records(f->env, ob, (const char *const *)ids->pdata, ids->len,
				       last->replay_id, last->commit_timestamp, (long)evs->len, &st,
				       err);
	if (rc == 0 && (st.inserted || st.updated || st.deleted))
		log_info("%s: %u change event%s: %ld inserted, %ld updated, %ld deleted%s",
			 ob->name, evs->len, evs->len == 1 ? "" : "s", st.inserted, st.updated,
			 st.deleted, st.kept ? " (local changes kept in some fields)" : "");
	else if (rc == 0)
		log_debug("%s: %u change event%s (%ld of them our own), nothing to write", ob->name,
			  evs->len, evs->len == 1 ? "" : "s", echoes);
	g_ptr_array_unref(ids);
	g_ptr_array_set_size(evs, 0);
	if (rc == -EAGAIN) {
		/* Salesforce did not answer the fetch: the window poll covers these records. */
		log_error("%s", err->message);
		f->next_pull[i] = 0;
		return db_sync_state_error(f->env->conn, f->env->schema, ob->name, err->message,
					   err);
	}
	return rc == -ECANCELED ? 0 : rc;
}

/* What the stream thread reported, then the events it delivered. */
int sync_feed_drain(struct sync_feed *f, struct error *err)
{
	if (!f || !f->stream)
		return 0;
	struct sync_stream_item *it;
	int64_t now = mono_ms();
	while ((it = sync_stream_pop(f->stream)) != NULL) {
		size_t i = it->object;
		const struct sync_object *ob = &f->env->objects->objects[i];
		switch (it->kind) {
		case SYNC_STREAM_SUBSCRIBED:
			if (f->streams[i] != OBJ_STREAMING) {
				f->streams[i] = OBJ_STREAMING;
				log_info("%s: streaming changes (Change Data Capture); the window "
					 "poll runs every %" G_GINT64_FORMAT " s",
					 ob->name, sync_feed_interval_ms(f, i) / 1000);
				set_stream_state(f, i, "streaming", NULL);
			}
			/* From -1, changes before the subscription are not replayed: poll. */
			if (it->replay_id < 0)
				f->next_pull[i] = 0;
			else
				f->next_pull[i] =
				    MIN(f->next_pull[i], now + sync_feed_interval_ms(f, i));
			break;
		case SYNC_STREAM_REFUSED:
			f->streams[i] = OBJ_POLLING;
			log_warn("%s: not streaming (%s): polling every %d s", ob->name,
				 it->message, ob->poll_seconds);
			set_stream_state(f, i, "polling", it->message);
			f->next_pull[i] = MIN(f->next_pull[i], now);
			break;
		case SYNC_STREAM_REPLAY_INVALID:
			log_warn("%s: the stored replay id %" G_GINT64_FORMAT
				 " is no longer available (%s): polling from the last cursor, "
				 "then streaming new events",
				 ob->name, it->replay_id, it->message);
			f->next_pull[i] = 0;
			break;
		case SYNC_STREAM_EVENT:
			g_ptr_array_add(f->events[i], it->event);
			it->event = NULL;
			break;
		case SYNC_STREAM_DOWN:
			log_warn("streaming stopped: %s; polling meanwhile", it->message);
			for (size_t k = 0; k < f->env->objects->nobjects; k++) {
				if (f->streams[k] != OBJ_STREAMING && f->streams[k] != OBJ_PENDING)
					continue;
				bool was = f->streams[k] == OBJ_STREAMING;
				f->streams[k] = OBJ_DOWN;
				f->next_pull[k] =
				    MIN(f->next_pull[k], now + sync_feed_interval_ms(f, k));
				if (was)
					set_stream_state(f, k, "polling", it->message);
			}
			break;
		case SYNC_STREAM_UP:
			log_info("streaming again");
			for (size_t k = 0; k < f->env->objects->nobjects; k++) {
				if (f->streams[k] != OBJ_DOWN)
					continue;
				f->streams[k] = OBJ_STREAMING;
				f->next_pull[k] =
				    MIN(f->next_pull[k], now + sync_feed_interval_ms(f, k));
				set_stream_state(f, k, "streaming", NULL);
			}
			break;
		}
		sync_stream_item_free(it);
	}
	for (size_t i = 0; i < f->env->objects->nobjects && !sync_env_stopping(f->env); i++) {
		int rc = apply_events(f, i, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* The org's API usage (Sforce-Limit-Info) decides how much the engine may pull. */
void sync_feed_check_budget(struct sync_feed *f)
{
	long long used, max;
	if (!f || !sf_client_api_usage(f->env->client, &used, &max) || max <= 0)
		return;
	int level = used * 100 >= max * 90 ? 2 : used * 100 >= max * 70 ? 1 : 0;
	if (level == f->budget_level)
		return;
	int old = f->budget_level;
	f->budget_level = level;
	if (level == 2)
		log_warn("the org has used %lld of its %lld daily API calls (over 90%%): pushing "
			 "only; change events are not fetched and each object polls every %ld "
			 "minutes until the usage is lower",
			 used, max, BUDGET_PROBE_MS / 60000);
	else if (level == 1)
		log_warn("the org has used %lld of its %lld daily API calls (over 70%%): the "
			 "safety poll of streamed objects runs 4 times less often",
			 used, max);
	else
		log_info("the org's API usage is down to %lld of %lld: pulling as usual", used,
			 max);
	int64_t now = mono_ms();
	for (size_t i = 0; i < f->env->objects->nobjects; i++) {
		if (old == 2 && level < 2 && f->dirty[i]) {
			f->dirty[i] = false;
			f->next_pull[i] = 0; /* events were skipped: catch up */
		} else {
			f->next_pull[i] = MIN(f->next_pull[i], now + sync_feed_interval_ms(f, i));
		}
	}
}

int sync_feed_start(struct sync_env *env, const struct sync_feed_options *opts, int64_t *next_pull,
		    struct sync_feed **out, struct error *err)
{
	struct sync_feed *f = g_new0(struct sync_feed, 1);
	f->env = env;
	f->opts = *opts;
	f->client_id = g_strdup(opts->client_id);
	f->opts.client_id = f->client_id;
	f->next_pull = next_pull;
	*out = f;
	return start_stream(f, err);
}

void sync_feed_free(struct sync_feed *f)
{
	if (!f)
		return;
	sync_stream_stop(f->stream);
	for (size_t i = 0; f->events && i < f->env->objects->nobjects; i++)
		g_ptr_array_unref(f->events[i]);
	g_free(f->events);
	g_free(f->streams);
	g_free(f->dirty);
	g_free(f->client_id);
	g_free(f);
}

int sync_feed_fd(const struct sync_feed *f)
{
	return f && f->stream ? sync_stream_fd(f->stream) : -1;
}
