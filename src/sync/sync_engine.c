#include "sync_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db_conn.h"
#include "db_fields.h"
#include "db_history.h"
#include "db_schema.h"
#include "db_sync.h"
#include "log.h"
#include "sync_env.h"
#include "sync_feed.h"
#include "sync_pull.h"
#include "sync_push.h"
#include "sync_window.h"

#define ARCHIVE_EVERY_MS  (3600 * 1000L)
#define ONCE_LEAD_WAIT_MS 5000L

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
	o->history_days = DB_HISTORY_DEFAULT_DAYS;
	o->streaming = true;
	o->safety_seconds = 600;
	o->stream_grace_ms = 30000;
}

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

	struct sync_feed *feed; /* streaming, events, the org's budget */
	char *client_id;	/* "forcefs-<schema>": changeOrigin of our own writes */
};

static void lead_end(struct lead *l)
{
	sync_feed_free(l->feed);
	l->feed = NULL;
	sync_objects_free(l->env.objects);
	db_fields_free(l->fields);
	db_catalog_free(l->catalog);
	g_free(l->next_pull);
	l->env.objects = NULL;
	l->fields = NULL;
	l->catalog = NULL;
	l->next_pull = NULL;
}

static int push(struct lead *l, struct error *err)
{
	struct sync_push_stats stats = {0};
	l->env.notified = false;
	int rc = sync_push_all(&l->env, &stats, err);
	l->deferred = stats.deferred;
	sync_feed_check_budget(l->feed);
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
	struct sync_feed_options fo = {
	    .streaming = o->streaming && !o->once,
	    .safety_seconds = o->safety_seconds,
	    .grace_ms = o->stream_grace_ms,
	    .auth = o->auth,
	    .retry_base_ms = o->policy.base_ms,
	    .retry_max_ms = o->policy.max_ms,
	    .client_id = l->client_id,
	};
	return sync_feed_start(&l->env, &fo, l->next_pull, &l->feed, err);
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
		l->env.delete_pass_ms = sync_feed_delete_pass_ms(l->feed, i);
		int rc = sync_pull_object(&l->env, ob, &st, err);
		sync_feed_check_budget(l->feed);
		l->next_pull[i] = mono_ms() + sync_feed_interval_ms(l->feed, i);
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
	long pruned = 0;
	if (rc == 0)
		rc = db_history_prune(l->env.conn, l->opts->schema, l->opts->history_days, &pruned,
				      err);
	if (rc == 0 && pruned)
		log_info("pruned %ld history row%s older than %d days", pruned,
			 pruned == 1 ? "" : "s", l->opts->history_days);
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
			rc = sync_feed_drain(l->feed, err);
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
		int got = db_sync_wait(l->env.conn, timeout, wake_pipe[0], sync_feed_fd(l->feed));
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
		db_sync_disconnect(l.env.conn);
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
	db_sync_disconnect(l.env.conn);
	g_hash_table_destroy(l.env.calls_flushed);
	g_free(l.client_id);
	sf_client_free(client);
	close_signals();
	return exit_code;
}
