#include "sync_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db_conn.h"
#include "db_fields.h"
#include "db_schema.h"
#include "db_sync.h"
#include "log.h"
#include "sync_env.h"
#include "sync_pull.h"
#include "sync_push.h"
#include "sync_stream.h"

#define ARCHIVE_EVERY_MS  (3600 * 1000L)
#define ONCE_LEAD_WAIT_MS 5000L
#define BUDGET_PROBE_MS	  (30 * 60 * 1000L) /* past 90%: one poll per object this often */

static volatile sig_atomic_t stop_requested;
static int wake_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	int saved = errno;
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], "x", 1) < 0) {
		/* the pipe is full: it is readable already */
	}
	errno = saved;
}

static int install_signals(void)
{
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART; /* let a Salesforce call in flight finish */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void close_signals(void)
{
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	for (int i = 0; i < 2; i++) {
		if (wake_pipe[i] >= 0)
			close(wake_pipe[i]);
		wake_pipe[i] = -1;
	}
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sync_options_defaults(struct sync_options *o)
{
	o->timeout_ms = 120000;
	o->policy = sync_retry_default_policy();
	o->batch_size = 200;
	o->claim_limit = 2000;
	o->pull_chunk = 10000;
	o->bulk_threshold = 10000;
	o->apply_batch = 2000;
	o->overlap_ms = SYNC_WINDOW_DEFAULT_OVERLAP_MS;
	o->sweep_ms = 10000;
	o->standby_ms = 1000;
	o->streaming = true;
	o->safety_seconds = 600;
	o->stream_grace_ms = 30000;
}

/* How an object gets Salesforce's changes right now. */
enum object_stream {
	OBJ_POLLING,   /* no subscription: polls at its interval */
	OBJ_PENDING,   /* subscription asked for, no answer yet */
	OBJ_STREAMING, /* events come: the window poll is the safety net */
	OBJ_DOWN,      /* subscribed, but the stream is down for now: polls meanwhile */
};

/* One leadership: from taking the lock to losing the connection or stopping. */
struct lead {
	const struct sync_options *opts;
	struct sync_env env;
	struct db_catalog *catalog;
	struct db_fields *fields;
	int64_t *next_pull; /* per object, monotonic ms */
	int64_t next_sweep;
	int64_t next_archive;
	bool pull_failed; /* --once: an object could not be pulled */
	long deferred;	  /* --once: changes that stay queued */
	struct sync_stream *stream;
	enum object_stream *streams; /* per object */
	GPtrArray **events;	     /* per object: struct sf_cdc_event * waiting */
	bool *dirty;		     /* per object: events were skipped, a poll must follow */
	int budget_level;	     /* 0, 1 past 70% of the org's API allowance, 2 past 90% */
	char *client_id;	     /* "forcefs-<schema>": changeOrigin of our own writes */
};

static void lead_end(struct lead *l)
{
	sync_stream_stop(l->stream);
	l->stream = NULL;
	for (size_t i = 0; l->events && l->env.objects && i < l->env.objects->nobjects; i++)
		g_ptr_array_unref(l->events[i]);
	g_free(l->events);
	g_free(l->streams);
	g_free(l->dirty);
	l->events = NULL;
	l->streams = NULL;
	l->dirty = NULL;
	sync_objects_free(l->env.objects);
	db_fields_free(l->fields);
	db_catalog_free(l->catalog);
	g_free(l->next_pull);
	l->env.objects = NULL;
	l->fields = NULL;
	l->catalog = NULL;
	l->next_pull = NULL;
}

static int64_t interval_ms(const struct lead *l, size_t i)
{
	const struct sync_object *ob = &l->env.objects->objects[i];
	int64_t poll = (int64_t)ob->poll_seconds * 1000;
	if (l->budget_level >= 2)
		return MAX(poll, BUDGET_PROBE_MS);
	if (l->streams[i] != OBJ_STREAMING)
		return poll;
	int64_t safety = MAX(poll, (int64_t)l->opts->safety_seconds * 1000);
	return l->budget_level >= 1 ? safety * 4 : safety;
}

/* A streamed object's deletes come as events: its getDeleted pass runs rarely. */
static int64_t delete_pass_ms(const struct lead *l, size_t i)
{
	return l->streams[i] == OBJ_STREAMING ? SYNC_STREAM_DELETE_PASS_SECONDS * 1000LL : 0;
}

/* Subscribes every object to its change events (the daemon only). */
static int start_stream(struct lead *l, struct error *err)
{
	size_t n = l->env.objects->nobjects;
	l->streams = g_new0(enum object_stream, n);
	l->dirty = g_new0(bool, n);
	l->events = g_new0(GPtrArray *, n);
	for (size_t i = 0; i < n; i++)
		l->events[i] = g_ptr_array_new_with_free_func((GDestroyNotify)sf_cdc_event_free);
	if (!l->opts->streaming || l->opts->once)
		return 0;
	const char **names = g_new(const char *, n);
	int64_t *replay = g_new(int64_t, n);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct sync_object *ob = &l->env.objects->objects[i];
		struct db_sync_state st;
		rc = db_sync_state_load(l->env.conn, l->opts->schema, ob->name, ob->table, &st,
					err);
		names[i] = ob->name;
		replay[i] = st.replay_id >= 0 ? st.replay_id : -1;
		l->streams[i] = OBJ_PENDING;
		/* A stored replay id replays what happened meanwhile: the first window poll
		 * waits for the subscription's answer (a refusal polls at once). */
		if (rc == 0 && st.loaded && st.replay_id >= 0)
			l->next_pull[i] = mono_ms() + l->opts->stream_grace_ms;
	}
	if (rc == 0) {
		struct sync_stream_options so = {
		    .auth = l->opts->auth,
		    .retry_base_ms = l->opts->policy.base_ms,
		    .retry_max_ms = l->opts->policy.max_ms,
		};
		l->stream = sync_stream_start(&so, names, replay, n);
	}
	g_free(names);
	g_free(replay);
	return rc;
}

static void set_stream_state(struct lead *l, size_t i, const char *state, const char *note)
{
	struct error e = {0};
	if (db_sync_state_stream(l->env.conn, l->opts->schema, l->env.objects->objects[i].name,
				 state, note, &e))
		log_warn("%s", e.message);
}

/* One object's waiting events: the records they name are fetched and merged, and the
 * last replay id is committed with them. */
static int apply_events(struct lead *l, size_t i, struct error *err)
{
	GPtrArray *evs = l->events[i];
	if (evs->len == 0)
		return 0;
	const struct sync_object *ob = &l->env.objects->objects[i];
	if (l->budget_level >= 2) {
		l->dirty[i] = true; /* a poll follows when the usage is down again */
		g_ptr_array_set_size(evs, 0);
		return 0;
	}
	GPtrArray *ids = g_ptr_array_new();
	bool poll = false;
	long echoes = 0;
	for (guint k = 0; k < evs->len; k++) {
		const struct sf_cdc_event *ev = evs->pdata[k];
		if (sf_cdc_origin_is_client(ev->change_origin, l->client_id)) {
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
		l->env.delete_pass_ms = delete_pass_ms(l, i);
		rc = sync_pull_object(&l->env, ob, &pst, err);
		l->next_pull[i] = mono_ms() + interval_ms(l, i);
	}
	struct sync_pull_stats st = {0};
	if (rc == 0)
		rc = sync_pull_records(&l->env, ob, (const char *const *)ids->pdata, ids->len,
				       last->replay_id, last->commit_timestamp, (long)evs->len, &st,
				       err);
	if (rc == 0 && (st.inserted || st.updated || st.deleted))
		log_info("%s: %u change event%s: %ld inserted, %ld updated, %ld deleted%s",
			 ob->name, evs->len, evs->len == 1 ? "" : "s", st.inserted, st.updated,
			 st.deleted, st.kept ? " (local changes kept in some fields)" : "");
	else if (rc == 0)
		log_debug("%s: %u change event%s (%ld of them our own), nothing to write",
			  ob->name, evs->len, evs->len == 1 ? "" : "s", echoes);
	g_ptr_array_unref(ids);
	g_ptr_array_set_size(evs, 0);
	if (rc == -EAGAIN) {
		/* Salesforce did not answer the fetch: the window poll covers these records. */
		log_error("%s", err->message);
		l->next_pull[i] = 0;
		return db_sync_state_error(l->env.conn, l->opts->schema, ob->name, err->message,
					   err);
	}
	return rc == -ECANCELED ? 0 : rc;
}

/* What the stream thread reported, then the events it delivered. */
static int drain_stream(struct lead *l, struct error *err)
{
	if (!l->stream)
		return 0;
	struct sync_stream_item *it;
	int64_t now = mono_ms();
	while ((it = sync_stream_pop(l->stream)) != NULL) {
		size_t i = it->object;
		const struct sync_object *ob = &l->env.objects->objects[i];
		switch (it->kind) {
		case SYNC_STREAM_SUBSCRIBED:
			if (l->streams[i] != OBJ_STREAMING) {
				l->streams[i] = OBJ_STREAMING;
				log_info("%s: streaming changes (Change Data Capture); the window "
					 "poll runs every %" G_GINT64_FORMAT " s",
					 ob->name, interval_ms(l, i) / 1000);
				set_stream_state(l, i, "streaming", NULL);
			}
			/* From -1, changes before the subscription are not replayed: poll. */
			if (it->replay_id < 0)
				l->next_pull[i] = 0;
			else
				l->next_pull[i] = MIN(l->next_pull[i], now + interval_ms(l, i));
			break;
		case SYNC_STREAM_REFUSED:
			l->streams[i] = OBJ_POLLING;
			log_warn("%s: not streaming (%s): polling every %d s", ob->name,
				 it->message, ob->poll_seconds);
			set_stream_state(l, i, "polling", it->message);
			l->next_pull[i] = MIN(l->next_pull[i], now);
			break;
		case SYNC_STREAM_REPLAY_INVALID:
			log_warn("%s: the stored replay id %" G_GINT64_FORMAT
				 " is no longer available (%s): polling from the last cursor, "
				 "then streaming new events",
				 ob->name, it->replay_id, it->message);
			l->next_pull[i] = 0;
			break;
		case SYNC_STREAM_EVENT:
			g_ptr_array_add(l->events[i], it->event);
			it->event = NULL;
			break;
		case SYNC_STREAM_DOWN:
			log_warn("streaming stopped: %s; polling meanwhile", it->message);
			for (size_t k = 0; k < l->env.objects->nobjects; k++) {
				if (l->streams[k] != OBJ_STREAMING && l->streams[k] != OBJ_PENDING)
					continue;
				bool was = l->streams[k] == OBJ_STREAMING;
				l->streams[k] = OBJ_DOWN;
				l->next_pull[k] = MIN(l->next_pull[k], now + interval_ms(l, k));
				if (was)
					set_stream_state(l, k, "polling", it->message);
			}
			break;
		case SYNC_STREAM_UP:
			log_info("streaming again");
			for (size_t k = 0; k < l->env.objects->nobjects; k++) {
				if (l->streams[k] != OBJ_DOWN)
					continue;
				l->streams[k] = OBJ_STREAMING;
				l->next_pull[k] = MIN(l->next_pull[k], now + interval_ms(l, k));
				set_stream_state(l, k, "streaming", NULL);
			}
			break;
		}
		sync_stream_item_free(it);
	}
	for (size_t i = 0; i < l->env.objects->nobjects && !sync_env_stopping(&l->env); i++) {
		int rc = apply_events(l, i, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* The org's API usage (Sforce-Limit-Info) decides how much the engine may pull. */
static void check_org_budget(struct lead *l)
{
	long long used, max;
	if (!sf_client_api_usage(l->env.client, &used, &max) || max <= 0)
		return;
	int level = used * 100 >= max * 90 ? 2 : used * 100 >= max * 70 ? 1 : 0;
	if (level == l->budget_level)
		return;
	int old = l->budget_level;
	l->budget_level = level;
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
	for (size_t i = 0; i < l->env.objects->nobjects; i++) {
		if (old == 2 && level < 2 && l->dirty[i]) {
			l->dirty[i] = false;
			l->next_pull[i] = 0; /* events were skipped: catch up */
		} else {
			l->next_pull[i] = MIN(l->next_pull[i], now + interval_ms(l, i));
		}
	}
}

static int push(struct lead *l, struct error *err)
{
	struct sync_push_stats stats = {0};
	l->env.notified = false;
	int rc = sync_push_all(&l->env, &stats, err);
	l->deferred = stats.deferred;
	check_org_budget(l);
	return rc;
}

/* What a new leader does first. Sets *fatal for a configuration the engine cannot run
 * with (no schema, nothing to sync, a mapping that does not fit the tables). */
static int lead_start(struct lead *l, bool *fatal, struct error *err)
{
	const struct sync_options *o = l->opts;
	int rc = db_sync_prepare(l->env.conn, o->schema, err);
	if (rc == 0) {
		rc = db_catalog_load(l->env.conn, o->schema, &l->catalog, err);
		*fatal = rc == -ENOENT;
	}
	if (rc == 0)
		rc = db_fields_load(l->env.conn, o->schema, &l->fields, err);
	if (rc)
		return rc;
	rc = sync_objects_resolve(l->catalog, l->fields, o->mapping, o->objects, o->poll_seconds,
				  &l->env.objects, err);
	if (rc) {
		*fatal = true;
		return rc;
	}
	long reclaimed = 0;
	rc = db_sync_reclaim(l->env.conn, o->schema, &reclaimed, err);
	if (rc)
		return rc;
	if (reclaimed)
		log_info("%ld change%s claimed by an engine that stopped are queued again",
			 reclaimed, reclaimed == 1 ? "" : "s");
	long today = 0;
	rc = db_sync_calls_today(l->env.conn, o->schema, &today, err);
	if (rc)
		return rc;
	long cap = o->max_daily_api_calls;
	for (size_t i = 0; !cap && i < l->env.objects->nobjects; i++)
		cap = l->env.objects->objects[i].max_daily_api_calls;
	l->env.budget = (struct sync_budget){
	    .max_per_day = cap ? cap : SYNC_DEFAULT_MAX_DAILY_API_CALLS,
	    .day = sync_budget_day(sync_env_now_ms()),
	    .used = today,
	};
	l->next_pull = g_new0(int64_t, l->env.objects->nobjects);
	GString *names = g_string_new(NULL);
	for (size_t i = 0; i < l->env.objects->nobjects; i++) {
		const struct sync_object *ob = &l->env.objects->objects[i];
		g_string_append_printf(names, "%s%s (%s, every %d s)", i ? ", " : "", ob->name,
				       ob->read_only ? "read-only" : "read-write",
				       ob->poll_seconds);
	}
	log_info("leading the sync of schema \"%s\": %s; %ld of %ld API calls used today",
		 o->schema, names->str, today, l->env.budget.max_per_day);
	g_string_free(names, TRUE);
	l->next_sweep = 0;
	l->next_archive = 0;
	return start_stream(l, err);
}



/* Pulls the objects that are due (all of them with `all`). Pushes in between when a
 * NOTIFY came meanwhile, so local edits do not wait for a long pull to end. */
static int pull_due(struct lead *l, bool all, struct error *err)
{
	for (size_t i = 0; i < l->env.objects->nobjects && !sync_env_stopping(&l->env); i++) {
		const struct sync_object *ob = &l->env.objects->objects[i];
		if (!all && mono_ms() < l->next_pull[i])
			continue;
		struct sync_pull_stats st = {0};
		l->env.delete_pass_ms = delete_pass_ms(l, i);
		int rc = sync_pull_object(&l->env, ob, &st, err);
		check_org_budget(l);
		l->next_pull[i] = mono_ms() + interval_ms(l, i);
		if (rc == -ECANCELED)
			return 0; /* stopping */
		if (rc == -EAGAIN) {
			log_error("%s", err->message);
			l->pull_failed = true;
			rc = db_sync_state_error(l->env.conn, l->opts->schema, ob->name,
						 err->message, err);
		} else if (rc == 0 && !st.initial && (st.inserted || st.updated || st.deleted)) {
			log_info("pulled %s: %ld inserted, %ld updated, %ld deleted%s", ob->name,
				 st.inserted, st.updated, st.deleted,
				 st.kept ? " (local changes kept in some fields)" : "");
		}
		if (rc)
			return rc;
		if (db_sync_drain_notifications(l->env.conn))
			l->env.notified = true;
		if (l->env.notified && (rc = push(l, err)) != 0)
			return rc;
	}
	return 0;
}

static const char **object_tables(const struct lead *l, size_t *n)
{
	const char **tables = g_new(const char *, l->env.objects->nobjects + 1);
	*n = 0;
	for (size_t i = 0; i < l->env.objects->nobjects; i++)
		tables[(*n)++] = l->env.objects->objects[i].table;
	return tables;
}

static int archive(struct lead *l, struct error *err)
{
	size_t n;
	const char **tables = object_tables(l, &n);
	long moved = 0;
	int rc = db_sync_archive(l->env.conn, l->opts->schema, tables, n, &moved, err);
	g_free(tables);
	if (rc == 0 && moved)
		log_info("archived %ld processed log row%s", moved, moved == 1 ? "" : "s");
	return rc;
}

/* --once: push, pull everything, push what the pull may have unblocked. */
static int run_once(struct lead *l, struct error *err)
{
	int rc = push(l, err);
	if (rc == 0)
		rc = pull_due(l, true, err);
	if (rc == 0)
		rc = push(l, err);
	if (rc == 0)
		rc = archive(l, err);
	return rc;
}

/* The leader's loop until stopped or the database fails. */
static int run_leader(struct lead *l, struct error *err)
{
	if (l->opts->once)
		return run_once(l, err);
	while (!sync_env_stopping(&l->env)) {
		int64_t now = mono_ms();
		int rc = 0;
		if (l->env.notified || now >= l->next_sweep) {
			rc = push(l, err);
			l->next_sweep = mono_ms() + l->opts->sweep_ms;
		}
		if (rc == 0)
			rc = drain_stream(l, err);
		if (rc == 0)
			rc = pull_due(l, false, err);
		if (rc == 0 && mono_ms() >= l->next_archive) {
			rc = archive(l, err);
			l->next_archive = mono_ms() + ARCHIVE_EVERY_MS;
		}
		if (rc)
			return rc;
		int64_t wake = l->next_sweep;
		for (size_t i = 0; i < l->env.objects->nobjects; i++)
			wake = MIN(wake, l->next_pull[i]);
		int timeout = (int)CLAMP(wake - mono_ms(), 0, 60000);
		int got = db_sync_wait(l->env.conn, timeout, wake_pipe[0],
				       l->stream ? sync_stream_fd(l->stream) : -1);
		if (got < 0)
			return error_set(err, EIO, "lost the database connection");
		if (got > 0)
			l->env.notified = true;
	}
	return 0;
}

int sync_engine_run(const struct sync_options *o, struct error *err)
{
	error_clear(err);
	stop_requested = 0;
	if (install_signals() < 0)
		return error_set(err, errno, "cannot set up signal handling"), 1;
	struct sf_http_options http = {.timeout_ms = o->timeout_ms};
	struct sf_client *client = NULL;
	struct sf_error *e = sf_client_new(o->auth, &http, &client);
	if (e) {
		error_set(err, EINVAL, "%s", e->message);
		sf_error_free(e);
		close_signals();
		return 1;
	}
	struct lead l = {.opts = o};
	/* Every call says who makes it, so our own changes are known in change events. */
	l.client_id = g_strdup_printf("forcefs-%s", o->schema);
	for (char *p = l.client_id; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
			*p = '_';
	char *call_options = g_strdup_printf("Sforce-Call-Options: client=%s", l.client_id);
	sf_client_set_header(client, call_options);
	g_free(call_options);
	l.env = (struct sync_env){
	    .schema = o->schema,
	    .client = client,
	    .policy = o->policy,
	    .rng = (uint64_t)mono_ms() ^ ((uint64_t)getpid() << 32),
	    .wake_fd = wake_pipe[0],
	    .stop = &stop_requested,
	    .once = o->once,
	    .progress = o->progress,
	    .batch_size = CLAMP(o->batch_size, 1, 200),
	    .claim_limit = MAX(o->claim_limit, 1),
	    .pull_chunk = o->pull_chunk,
	    .bulk_threshold = o->bulk_threshold,
	    .apply_batch = MAX(o->apply_batch, 1),
	    .overlap_ms = o->overlap_ms,
	    .calls_flushed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
	};
	int exit_code = 0;
	bool leader = false, standby_logged = false, db_down_logged = false;
	int64_t started = mono_ms(), lead_started = 0;
	unsigned db_attempt = 0, lead_failures = 0;
	while (!stop_requested) {
		struct error e2 = {0};
		if (!l.env.conn) {
			l.env.conn = db_sync_connect(o->db_url, o->schema, &e2);
			if (!l.env.conn) {
				if (!db_down_logged)
					log_error("%s; trying again", e2.message);
				db_down_logged = true;
				struct sf_error fake = {.kind = SF_ERR_NETWORK,
							.message = e2.message};
				if (!sync_env_backoff(&l.env, "sync", &fake, &db_attempt)) {
					if (o->once) {
						*err = e2;
						exit_code = 1;
						break;
					}
					db_attempt = 0;
				}
				continue;
			}
			if (db_down_logged)
				log_info("connected to the database again");
			db_down_logged = false;
			db_attempt = 0;
		}
		int rc = db_sync_try_lead(l.env.conn, o->schema, &leader, &e2);
		if (rc == 0 && !leader) {
			if (o->once && mono_ms() - started > ONCE_LEAD_WAIT_MS) {
				error_set(err, EBUSY,
					  "another forcefs sync leads schema \"%s\": it "
					  "already does what --once would",
					  o->schema);
				exit_code = 1;
				break;
			}
			if (!standby_logged)
				log_info("standing by: another forcefs sync leads schema \"%s\"",
					 o->schema);
			standby_logged = true;
			sync_env_sleep(&l.env, o->standby_ms);
			continue;
		}
		if (rc == 0) {
			standby_logged = false;
			lead_started = mono_ms();
			bool fatal = false;
			rc = lead_start(&l, &fatal, &e2);
			if (fatal) {
				lead_end(&l);
				*err = e2;
				exit_code = 1;
				break;
			}
			if (rc == 0)
				rc = run_leader(&l, &e2);
			lead_end(&l);
		}
		if (rc == 0 && o->once) {
			if (l.pull_failed || l.deferred) {
				if (l.deferred)
					error_set(
					    err, EAGAIN,
					    "%ld change%s could not be sent and stay%s queued%s",
					    l.deferred, l.deferred == 1 ? "" : "s",
					    l.deferred == 1 ? "s" : "",
					    l.pull_failed ? "; some objects could not be pulled"
							  : "");
				else
					error_set(err, EAGAIN,
						  "some objects could not be pulled (see above)");
				exit_code = 1;
			}
			break;
		}
		if (rc == 0)
			break; /* stopped */
		log_error("%s: leading again when the database answers", e2.message);
		PQfinish(l.env.conn);
		l.env.conn = NULL;
		leader = false;
		if (o->once) {
			*err = e2;
			exit_code = 1;
			break;
		}
		/* A database that answers but keeps failing (a table dropped, permissions) is
		 * tried again less and less often; a leadership that lasted resets that. */
		if (mono_ms() - lead_started > 60000)
			lead_failures = 0;
		sync_env_sleep(&l.env, MIN(500L << MIN(lead_failures, 6U), 30000L));
		lead_failures++;
	}
	PQfinish(l.env.conn);
	g_hash_table_destroy(l.env.calls_flushed);
	g_free(l.client_id);
	sf_client_free(client);
	close_signals();
	return exit_code;
}
