/*
 * fs_view_changes: MOUNT/.changes, one JSON line per change recorded in
 * <schema>._forcefs_history (docs/views.md). The watcher thread takes the new history
 * rows after each of its looks at the database (fs_views_poll); every reader reads the
 * same lines from one in-memory feed, from where it opened the file on.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "db_history.h"
#include "fs_views_internal.h"
#include "log.h"
#include "record_render.h"

/* Lines kept for readers that fall behind; older ones are dropped for them. */
#define FEED_MAX_BYTES (4u << 20)

struct feed_line {
	uint64_t end; /* feed offset just past the line */
	size_t len;
	char text[];
};

struct fs_view_changes {
	GMutex lock;
	GPtrArray *lines; /* struct feed_line *, oldest first */
	uint64_t total;	  /* bytes fed since the mount */
	uint64_t kept;	  /* bytes in `lines` */
	int64_t last_id;  /* newest history row fed */
	bool started;	  /* last_id is known */
	int64_t mtime_ms; /* time of the last line */
};

struct fs_view_reader {
	uint64_t pos; /* feed offset of the next byte to give */
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct fs_view_changes *fs_view_changes_new(struct fs_views *v)
{
	struct fs_view_changes *c = g_new0(struct fs_view_changes, 1);
	g_mutex_init(&c->lock);
	c->lines = g_ptr_array_new_with_free_func(g_free);
	c->mtime_ms = v->mount_time_ms;
	/* The feed starts where the history is when the mount starts. */
	struct error err = {0};
	PGconn *conn = db_acquire(v->pool, &err);
	if (conn && db_history_last_id(conn, v->schema, &c->last_id, &err) == 0)
		c->started = true;
	else
		log_warn("changes: %s", err.message);
	db_release(v->pool, conn);
	return c;
}

void fs_view_changes_free(struct fs_view_changes *c)
{
	if (!c)
		return;
	g_ptr_array_free(c->lines, TRUE);
	g_mutex_clear(&c->lock);
	g_free(c);
}

/* The line of one change (without the feed lock). */
static GString *render_line(const struct db_history_change *ch)
{
	GString *s = g_string_new("{\"time\": ");
	record_render_string(ch->changed_at, strlen(ch->changed_at), s);
	g_string_append(s, ", \"object\": ");
	record_render_string(ch->table, strlen(ch->table), s);
	g_string_append(s, ", \"record\": ");
	char local[40];
	const char *record = ch->sfid;
	if (!record) {
		snprintf(local, sizeof(local), "local-%" PRId64, ch->record_id);
		record = local;
	}
	record_render_string(record, strlen(record), s);
	g_string_append(s, ", \"sfid\": ");
	if (ch->sfid)
		record_render_string(ch->sfid, strlen(ch->sfid), s);
	else
		g_string_append(s, "null");
	g_string_append_printf(s, ", \"id\": %" PRId64 ", \"action\": ", ch->record_id);
	char *action = g_ascii_strdown(ch->action, -1);
	record_render_string(action, strlen(action), s);
	g_free(action);
	g_string_append_printf(s, ", \"fields\": %s, \"who\": ", ch->fields_json);
	record_render_string(ch->source, strlen(ch->source), s);
	g_string_append(s, "}\n");
	return s;
}

struct poll_ctx {
	struct fs_views *v;
	struct fs_view_changes *c;
};

static bool object_shown(struct fs_views *v, const char *table)
{
	for (size_t i = 0; i < fs_tree_object_count(v->tree); i++)
		if (strcmp(fs_tree_object(v->tree, i)->table, table) == 0)
			return true;
	return false;
}

static void feed_change(const struct db_history_change *ch, void *data)
{
	struct poll_ctx *p = data;
	if (!object_shown(p->v, ch->table))
		return;
	GString *text = render_line(ch);
	struct feed_line *line = g_malloc(sizeof(*line) + text->len);
	line->len = text->len;
	memcpy(line->text, text->str, text->len);
	g_string_free(text, TRUE);
	struct fs_view_changes *c = p->c;
	g_mutex_lock(&c->lock);
	c->total += line->len;
	c->kept += line->len;
	line->end = c->total;
	g_ptr_array_add(c->lines, line);
	guint drop = 0;
	while (c->kept > FEED_MAX_BYTES && drop + 1 < c->lines->len) {
		const struct feed_line *old = g_ptr_array_index(c->lines, drop);
		c->kept -= old->len;
		drop++;
	}
	if (drop)
		g_ptr_array_remove_range(c->lines, 0, drop);
	c->mtime_ms = now_ms();
	g_mutex_unlock(&c->lock);
}

void fs_view_changes_poll(struct fs_views *v)
{
	struct fs_view_changes *c = v->changes;
	struct error err = {0};
	PGconn *conn = db_acquire(v->pool, &err);
	if (!conn) {
		log_warn("changes: %s", err.message);
		return;
	}
	g_mutex_lock(&c->lock);
	bool started = c->started;
	int64_t last = c->last_id;
	g_mutex_unlock(&c->lock);
	int rc = 0;
	if (!started) {
		/* The database was away when the mount started: start from now. */
		rc = db_history_last_id(conn, v->schema, &last, &err);
	} else {
		struct poll_ctx p = {.v = v, .c = c};
		while ((rc = db_history_changes(conn, v->schema, &last, 1000, feed_change, &p,
						&err)) == 1000)
			;
	}
	db_release(v->pool, conn);
	if (rc < 0) {
		log_warn("changes: %s", err.message);
		return;
	}
	g_mutex_lock(&c->lock);
	c->last_id = last;
	c->started = true;
	g_mutex_unlock(&c->lock);
}

void fs_view_changes_attr(struct fs_views *v, struct stat *st)
{
	struct fs_view_changes *c = v->changes;
	g_mutex_lock(&c->lock);
	/* The size grows with every line, which is what `tail -f` watches for. */
	st->st_size = (off_t)c->total;
	st->st_mtim.tv_sec = c->mtime_ms / 1000;
	st->st_mtim.tv_nsec = (c->mtime_ms % 1000) * 1000000;
	g_mutex_unlock(&c->lock);
	st->st_ctim = st->st_mtim;
	st->st_blocks = (st->st_size + 511) / 512;
}

struct fs_view_reader *fs_view_changes_open(struct fs_views *v)
{
	struct fs_view_changes *c = v->changes;
	struct fs_view_reader *r = g_new0(struct fs_view_reader, 1);
	g_mutex_lock(&c->lock);
	r->pos = c->total; /* opened fresh, it starts at the current end */
	g_mutex_unlock(&c->lock);
	return r;
}

GBytes *fs_view_changes_read(struct fs_views *v, struct fs_view_reader *r, size_t size)
{
	struct fs_view_changes *c = v->changes;
	GString *out = g_string_new(NULL);
	g_mutex_lock(&c->lock);
	/* The first line that ends after the reader's position (binary search). */
	guint lo = 0, hi = c->lines->len;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		const struct feed_line *l = g_ptr_array_index(c->lines, mid);
		if (l->end <= r->pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (guint i = lo; i < c->lines->len && out->len < size; i++) {
		const struct feed_line *l = g_ptr_array_index(c->lines, i);
		uint64_t start = l->end - l->len;
		if (r->pos < start)
			r->pos = start; /* fell behind past what is kept */
		size_t skip = (size_t)(r->pos - start);
		size_t take = MIN(l->len - skip, size - out->len);
		g_string_append_len(out, l->text + skip, (gssize)take);
		r->pos += take;
	}
	g_mutex_unlock(&c->lock);
	gsize len = out->len;
	return g_bytes_new_take(g_string_free(out, FALSE), len);
}

void fs_view_changes_close(struct fs_views *v, struct fs_view_reader *r)
{
	g_free(r);
}
