#include "sync_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sf_client.h"
#include "sf_cometd.h"
#include "sync_retry.h"

#define LIMIT_WAIT_MIN_MS 60000L

struct sub {
	char *object;
	char *channel;
	int64_t replay; /* the last replay id received, or what to start from */
	bool refused;
};

struct sync_stream {
	struct sync_stream_options opts;
	struct sf_auth_config *auth;
	struct sub *subs;
	size_t nsubs;
	GThread *thread;
	volatile int stop; /* also sf_http's abort flag */
	GMutex lock;
	GCond cond;
	GQueue queue; /* of struct sync_stream_item * */
	int pipe[2];
	uint64_t rng;
};

static bool stopping(struct sync_stream *s)
{
	return g_atomic_int_get(&s->stop) != 0;
}

static void push(struct sync_stream *s, enum sync_stream_kind kind, size_t object, int64_t replay,
		 const char *message, struct sf_cdc_event *event)
{
	struct sync_stream_item *it = g_new0(struct sync_stream_item, 1);
	it->kind = kind;
	it->object = object;
	it->replay_id = replay;
	it->message = g_strdup(message);
	it->event = event;
	g_mutex_lock(&s->lock);
	g_queue_push_tail(&s->queue, it);
	g_mutex_unlock(&s->lock);
	if (write(s->pipe[1], "e", 1) < 0) {
		/* full: the reader is awake already */
	}
}

/* Sleeps up to `ms`; false when asked to stop. */
static bool nap(struct sync_stream *s, long ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
	g_mutex_lock(&s->lock);
	while (!stopping(s) && g_get_monotonic_time() < end)
		g_cond_wait_until(&s->cond, &s->lock, end);
	g_mutex_unlock(&s->lock);
	return !stopping(s);
}

static long backoff_ms(struct sync_stream *s, unsigned failures)
{
	long d = s->opts.retry_base_ms > 0 ? s->opts.retry_base_ms : 500;
	long max = s->opts.retry_max_ms > 0 ? s->opts.retry_max_ms : 60000;
	for (unsigned i = 0; i < failures && d < max; i++)
		d *= 2;
	if (d > max)
		d = max;
	return d / 2 + (long)(sync_retry_random(&s->rng) % (uint32_t)(d / 2 + 1));
}

static size_t object_of(const struct sync_stream *s, const struct sf_cdc_event *e)
{
	for (size_t i = 0; i < s->nsubs; i++)
		if (g_ascii_strcasecmp(s->subs[i].object, e->entity) == 0 ||
		    strcmp(s->subs[i].channel, e->channel) == 0)
			return i;
	return SIZE_MAX;
}

/* Subscribes every object not refused. Returns a transport error, else NULL. */
static struct sf_error *subscribe_all(struct sync_stream *s, struct sf_cometd *c)
{
	for (size_t i = 0; i < s->nsubs && !stopping(s); i++) {
		struct sub *sb = &s->subs[i];
		if (sb->refused)
			continue;
		struct sf_error *e = sf_cometd_subscribe(c, sb->channel, sb->replay);
		if (e && sf_cometd_replay_invalid(e)) {
			push(s, SYNC_STREAM_REPLAY_INVALID, i, sb->replay, e->message, NULL);
			sf_error_free(e);
			sb->replay = -1;
			e = sf_cometd_subscribe(c, sb->channel, sb->replay);
		}
		if (!e) {
			push(s, SYNC_STREAM_SUBSCRIBED, i, sb->replay, NULL, NULL);
			continue;
		}
		if (e->kind == SF_ERR_INVALID_REQUEST || e->kind == SF_ERR_PERMISSION) {
			sb->refused = true;
			push(s, SYNC_STREAM_REFUSED, i, sb->replay, e->message, NULL);
			sf_error_free(e);
			continue;
		}
		return e;
	}
	return NULL;
}

static bool any_active(const struct sync_stream *s)
{
	for (size_t i = 0; i < s->nsubs; i++)
		if (!s->subs[i].refused)
			return true;
	return false;
}

static gpointer run(gpointer data)
{
	struct sync_stream *s = data;
	struct sf_http_options http = {
	    .connect_timeout_ms = s->opts.connect_timeout_ms,
	    .timeout_ms = 0, /* set per advice below */
	    .cookies = true,
	    .abort = &s->stop,
	};
	/* The long poll answers within advice.timeout (110 s at Salesforce): allow more. */
	http.timeout_ms = 180000;
	struct sf_client *client = NULL;
	struct sf_error *e = sf_client_new(s->auth, &http, &client);
	if (e) {
		push(s, SYNC_STREAM_DOWN, 0, 0, e->message, NULL);
		sf_error_free(e);
		return NULL;
	}
	struct sf_cometd *c = sf_cometd_new(client);
	unsigned failures = 0;
	bool down = false, need_handshake = true;
	GPtrArray *events = g_ptr_array_new_with_free_func((GDestroyNotify)sf_cdc_event_free);
	while (!stopping(s)) {
		if (need_handshake) {
			e = sf_cometd_handshake(c);
			if (e && e->kind == SF_ERR_SESSION_EXPIRED) {
				sf_error_free(e);
				e = sf_client_login(client);
				if (!e)
					e = sf_cometd_handshake(c);
			}
			if (!e)
				e = subscribe_all(s, c);
			if (!e) {
				need_handshake = false;
				if (!any_active(s))
					break; /* every object polls */
				continue;
			}
		} else {
			e = sf_cometd_connect(c, events);
			for (guint i = 0; i < events->len; i++) {
				struct sf_cdc_event *ev = events->pdata[i];
				size_t o = object_of(s, ev);
				if (o == SIZE_MAX)
					continue;
				s->subs[o].replay = ev->replay_id;
				events->pdata[i] = NULL;
				push(s, SYNC_STREAM_EVENT, o, ev->replay_id, NULL, ev);
			}
			g_ptr_array_set_size(events, 0);
			if (!e) {
				failures = 0;
				if (down)
					push(s, SYNC_STREAM_UP, 0, 0, NULL, NULL);
				down = false;
				continue;
			}
			if (sf_cometd_needs_handshake(e)) {
				log_info("streaming: %s; handshaking again", e->message);
				sf_error_free(e);
				need_handshake = true;
				continue;
			}
			if (e->kind == SF_ERR_SESSION_EXPIRED) {
				sf_error_free(e);
				e = sf_client_login(client);
				need_handshake = true;
				if (!e)
					continue;
			}
		}
		if (stopping(s)) {
			sf_error_free(e);
			break;
		}
		long wait;
		if (e->kind == SF_ERR_LIMIT_EXCEEDED) {
			wait = MAX(s->opts.retry_max_ms, LIMIT_WAIT_MIN_MS);
			need_handshake = true;
		} else {
			wait = backoff_ms(s, failures);
			if (!sf_error_is_transient(e) && e->kind != SF_ERR_BAD_RESPONSE)
				wait = MAX(wait, LIMIT_WAIT_MIN_MS); /* auth: not too often */
		}
		failures++;
		if (!down) {
			char *msg = g_strdup_printf("%s; trying again in %.1f s", e->message,
						    wait / 1000.0);
			push(s, SYNC_STREAM_DOWN, 0, 0, msg, NULL);
			g_free(msg);
			down = true;
		}
		sf_error_free(e);
		if (!nap(s, wait))
			break;
	}
	g_ptr_array_unref(events);
	sf_cometd_free(c);
	sf_client_free(client);
	return NULL;
}

struct sync_stream *sync_stream_start(const struct sync_stream_options *opts,
				      const char *const *objects, const int64_t *replay_ids,
				      size_t n)
{
	struct sync_stream *s = g_new0(struct sync_stream, 1);
	s->opts = *opts;
	s->auth = sf_auth_config_copy(opts->auth);
	s->opts.auth = s->auth;
	s->subs = g_new0(struct sub, n);
	s->nsubs = n;
	for (size_t i = 0; i < n; i++) {
		s->subs[i].object = g_strdup(objects[i]);
		s->subs[i].channel = sf_cdc_channel(objects[i]);
		s->subs[i].replay = replay_ids[i];
	}
	g_mutex_init(&s->lock);
	g_cond_init(&s->cond);
	g_queue_init(&s->queue);
	s->rng = (uint64_t)g_get_monotonic_time() ^ (uint64_t)getpid();
	if (pipe2(s->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		s->pipe[0] = s->pipe[1] = -1;
		log_error("streaming: cannot create a pipe: %s; polling only", g_strerror(errno));
		return s;
	}
	s->thread = g_thread_new("forcefs-stream", run, s);
	return s;
}

int sync_stream_fd(const struct sync_stream *s)
{
	return s->pipe[0];
}

struct sync_stream_item *sync_stream_pop(struct sync_stream *s)
{
	char buf[256];
	while (s->pipe[0] >= 0 && read(s->pipe[0], buf, sizeof buf) > 0) {
	}
	g_mutex_lock(&s->lock);
	struct sync_stream_item *it = g_queue_pop_head(&s->queue);
	g_mutex_unlock(&s->lock);
	return it;
}

void sync_stream_item_free(struct sync_stream_item *it)
{
	if (!it)
		return;
	g_free(it->message);
	sf_cdc_event_free(it->event);
	g_free(it);
}

void sync_stream_stop(struct sync_stream *s)
{
	if (!s)
		return;
	g_mutex_lock(&s->lock);
	g_atomic_int_set(&s->stop, 1);
	g_cond_broadcast(&s->cond);
	g_mutex_unlock(&s->lock);
	if (s->thread)
		g_thread_join(s->thread);
	struct sync_stream_item *it;
	while ((it = g_queue_pop_head(&s->queue)) != NULL)
		sync_stream_item_free(it);
	for (size_t i = 0; i < s->nsubs; i++) {
		g_free(s->subs[i].object);
		g_free(s->subs[i].channel);
	}
	g_free(s->subs);
	for (int i = 0; i < 2; i++)
		if (s->pipe[i] >= 0)
			close(s->pipe[i]);
	sf_auth_config_free(s->auth);
	g_mutex_clear(&s->lock);
	g_cond_clear(&s->cond);
	g_free(s);
}
