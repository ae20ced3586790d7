#include "fs_watch.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib.h>
#include <unistd.h>

#include "db_changes.h"
#include "log.h"

struct fs_watch {
	struct fs_tree *tree;
	struct db_changes *changes;
	int interval_ms;
	int wake[2]; /* written to stop the thread */
	GThread *thread;
	struct db_object_mark *marks; /* one per object */
	bool *marked_loaded;	      /* per object: it was loaded when its mark was taken */
	GHashTable *index_of;	      /* table name -> object index + 1 */
	GArray **pending;	      /* per object: row ids to re-read */
	gint64 last_full_us;	      /* monotonic time of the last periodic pass */
	void (*on_poll)(void *ctx);   /* after each look at the database, or NULL */
	void *on_poll_ctx;
};

void fs_watch_on_poll(struct fs_watch *w, void (*fn)(void *ctx), void *ctx)
{
	w->on_poll = fn;
	w->on_poll_ctx = ctx;
}

static void after_poll(struct fs_watch *w)
{
	if (w->on_poll)
		w->on_poll(w->on_poll_ctx);
}

static void note_change(const char *table, int64_t id, void *ctx)
{
	struct fs_watch *w = ctx;
	size_t index = GPOINTER_TO_SIZE(g_hash_table_lookup(w->index_of, table));
	if (index == 0 || !fs_tree_object_loaded(w->tree, index - 1))
		return;
	g_array_append_val(w->pending[index - 1], id);
}

static void forget_all(struct fs_watch *w)
{
	for (size_t i = 0; i < fs_tree_object_count(w->tree); i++) {
		w->marks[i].valid = false;
		w->marked_loaded[i] = false;
		if (fs_tree_object_loaded(w->tree, i))
			fs_tree_forget_object(w->tree, i);
	}
}

/* Re-reads what the pending lists name. */
static void refresh_pending(struct fs_watch *w)
{
	struct error err = {0};
	for (size_t i = 0; i < fs_tree_object_count(w->tree); i++) {
		GArray *ids = w->pending[i];
		if (ids->len == 0)
			continue;
		if (fs_tree_refresh_records(w->tree, i, (const int64_t *)(void *)ids->data,
					    ids->len, &err) < 0)
			log_warn("watcher: %s", err.message);
		g_array_set_size(ids, 0);
	}
}

/* A notification: new log rows only, which an index finds. */
static void poll_log(struct fs_watch *w)
{
	struct error err = {0};
	if (db_changes_poll_log(w->changes, false, note_change, w, &err) < 0)
		log_warn("watcher: %s", err.message);
	refresh_pending(w);
}

/*
 * The periodic pass: the whole log, stamps and counts of every watched object. When no
 * transaction has ended since the last pass began, nothing changed, and only the objects
 * whose mark is older than their load are polled: a load that began before a change
 * may have ended after that pass (a count of a million rows every interval would
 * otherwise cost a core for nothing).
 */
static void poll_once(struct fs_watch *w)
{
	struct error err = {0};
	size_t n = fs_tree_object_count(w->tree);
	bool quiet = false;
	if (db_changes_quiet(w->changes, &quiet, &err) < 0)
		log_warn("watcher: %s", err.message);
	if (!quiet && db_changes_poll_log(w->changes, true, note_change, w, &err) < 0)
		log_warn("watcher: %s", err.message);
	for (size_t i = 0; i < n; i++) {
		/* Marks exist for every object from the start, so a mark always predates
		 * the object's first load: changes are over-reported, never missed. */
		bool loaded = fs_tree_object_loaded(w->tree, i);
		if (w->marks[i].valid && !loaded) {
			w->marked_loaded[i] = false;
			continue;
		}
		if (w->marks[i].valid && quiet && w->marked_loaded[i])
			continue;
		bool count_changed = false;
		if (db_changes_poll_object(w->changes, fs_tree_object(w->tree, i), &w->marks[i],
					   &count_changed, note_change, w, &err) < 0) {
			log_warn("watcher: %s", err.message);
			return;
		}
		w->marked_loaded[i] = loaded && !count_changed;
		if (count_changed) {
			g_array_set_size(w->pending[i], 0);
			fs_tree_forget_object(w->tree, i);
		}
	}
	refresh_pending(w);
}

static gpointer watch_main(gpointer data)
{
	struct fs_watch *w = data;
	for (;;) {
		bool reconnected = false;
		int rc = db_changes_wait(w->changes, w->interval_ms, w->wake[0], &reconnected);
		char byte;
		if (read(w->wake[0], &byte, 1) == 1)
			break;
		if (rc < 0)
			continue;
		if (reconnected) {
			/* Changes made while we were away are unknown: start over. */
			forget_all(w);
		}
		/* A burst of writes sends a NOTIFY each: take the new log rows at most every
		 * 50 ms, and the periodic pass (a scan of each watched table) once per
		 * interval, so a 10,000-record rsync does not scan 10,000 times. */
		gint64 now = g_get_monotonic_time();
		if (rc == 1 && now - w->last_full_us < (gint64)w->interval_ms * 1000) {
			g_usleep(50 * 1000);
			poll_log(w);
			after_poll(w);
			fs_tree_expire_orphans(w->tree);
			fs_tree_expire_deletes(w->tree);
			continue;
		}
		poll_once(w);
		after_poll(w);
		fs_tree_expire_orphans(w->tree);
		fs_tree_expire_deletes(w->tree);
		w->last_full_us = g_get_monotonic_time();
	}
	return NULL;
}

struct fs_watch *fs_watch_open(struct fs_tree *tree, const char *url, const char *schema,
			       int interval_ms, struct error *err)
{
	struct db_changes *changes = db_changes_open(url, schema, err);
	if (!changes)
		return NULL;
	struct fs_watch *w = g_new0(struct fs_watch, 1);
	w->tree = tree;
	w->changes = changes;
	w->interval_ms = interval_ms;
	size_t n = fs_tree_object_count(tree);
	w->marks = g_new0(struct db_object_mark, n);
	w->marked_loaded = g_new0(bool, n);
	w->pending = g_new0(GArray *, n);
	w->index_of = g_hash_table_new(g_str_hash, g_str_equal);
	for (size_t i = 0; i < n; i++) {
		w->pending[i] = g_array_new(FALSE, FALSE, sizeof(int64_t));
		g_hash_table_insert(w->index_of, fs_tree_object(tree, i)->table,
				    GSIZE_TO_POINTER(i + 1));
	}
	GError *gerr = NULL;
	if (!g_unix_open_pipe(w->wake, FD_CLOEXEC, &gerr)) {
		error_set(err, EIO, "watcher: %s", gerr->message);
		g_error_free(gerr);
		fs_watch_stop(w);
		return NULL;
	}
	g_unix_set_fd_nonblocking(w->wake[0], TRUE, NULL);
	poll_once(w); /* marks every object before anything is loaded */
	return w;
}

void fs_watch_start(struct fs_watch *w)
{
	w->thread = g_thread_new("forcefs-watch", watch_main, w);
}

void fs_watch_stop(struct fs_watch *w)
{
	if (!w)
		return;
	if (w->thread) {
		char byte = 1;
		if (write(w->wake[1], &byte, 1) != 1)
			log_warn("watcher: cannot wake the thread to stop it");
		g_thread_join(w->thread);
	}
	if (w->wake[0] > 0) {
		close(w->wake[0]);
		close(w->wake[1]);
	}
	for (size_t i = 0; i < fs_tree_object_count(w->tree); i++)
		g_array_free(w->pending[i], TRUE);
	g_free(w->pending);
	g_free(w->marks);
	g_free(w->marked_loaded);
	g_hash_table_destroy(w->index_of);
	db_changes_close(w->changes);
	g_free(w);
}
