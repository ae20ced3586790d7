/*
 * fs_load: bringing the tree up to date with the database. Loads an object's names
 * and sizes, fetches records in batches, applies re-read rows (from the watcher or
 * after a commit) and queues the kernel invalidations each change needs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db_records.h"
#include "fs_load.h"
#include "fs_record_cold.h"
#include "hc_conventions.h"
#include "log.h"
#include "record_render.h"

static void canonical_name(const struct db_row *row, char *out, size_t size)
{
	if (row->sfid)
		snprintf(out, size, "%s.json", row->sfid);
	else
		snprintf(out, size, "local-%" PRId64 ".json", row->id);
}

static char *sf_error_message(const char *hc_err)
{
	char *text = hc_err_decode(hc_err, NULL);
	if (text)
		g_strdelimit(text, "\t\r\n", ' ');
	return text;
}

static void queue_inval(GArray *invals, uint64_t ino, uint64_t parent, const char *name)
{
	struct pending_inval p = {.ino = ino, .parent = parent};
	if (name)
		g_strlcpy(p.name, name, sizeof(p.name));
	g_array_append_val(invals, p);
}

static bool row_is_showable(struct fs_object_state *os, const struct db_row *row)
{
	if (row->id < 1 || row->id > ROW_ID_MAX) {
		g_ptr_array_add(os->bad_rows,
				g_strdup_printf("row-%" PRId64 "\tforcefs\tid %" PRId64
						" is outside the range forcefs can show",
						row->id, row->id));
		return false;
	}
	if (row->sfid && (!db_name_is_file_name(row->sfid) || strlen(row->sfid) > 40)) {
		char *shown = g_strescape(row->sfid, NULL);
		g_ptr_array_add(os->bad_rows,
				g_strdup_printf("row-%" PRId64 "\tforcefs\tsfid \"%s\" cannot be a "
						"file name; the record is not shown",
						row->id, shown));
		log_warn("%s: row id %" PRId64 " is not shown: its sfid \"%s\" cannot be a "
			 "file name",
			 os->obj->table, row->id, shown);
		g_free(shown);
		return false;
	}
	return true;
}

/*
 * Brings one record up to date with a row read from the database. `rendered` is the
 * row's file content when the values were read, else NULL. Queues the kernel
 * invalidations the change needs. Returns the record (valid until the next insert or
 * remove).
 */
static struct fs_record *apply_row(struct fs_tree *tree, struct fs_object_state *os,
				   const struct db_row *row, GBytes *rendered, bool keep_content,
				   bool announce_new, GArray *invals)
{
	bool found;
	guint at = fs_tree_find_index(os, row->id, &found);
	struct fs_record *rec;
	char name[48];
	canonical_name(row, name, sizeof(name));
	if (found) {
		rec = fs_record_set_at(&os->records, at);
		if (strcmp(fs_record_name(os, rec), name) != 0) {
			queue_inval(invals, 0, os->dir_ino, fs_record_name(os, rec));
			fs_record_set_rename(&os->records, rec, name);
			if (fs_tree_forget_negative(os, name))
				fs_tree_inval_entry(tree, os->dir_ino, name);
		}
	} else {
		rec = fs_record_set_insert(&os->records, at, row->id, name);
		rec->kernel_size = UINT32_MAX;
		rec->version = 1;
		/* A cached negative lookup of this name must go. The kernel holds negative
		 * entries only for the names fs_tree_hold_negative() remembered, so those
		 * are taken back even by a first listing load (which announces nothing
		 * else: the kernel has not seen those names). */
		if (fs_tree_forget_negative(os, name))
			fs_tree_inval_entry(tree, os->dir_ino, name);
		else if (announce_new)
			queue_inval(invals, 0, os->dir_ino, name);
	}
	rec->mtime_ms = row->mtime_ms;
	fs_record_set_lastop(tree, os, rec, row->lastop);
	char *sf_error = sf_error_message(row->hc_err);
	if (sf_error || rec_sf_error(os, rec)) {
		struct fs_record_cold *cold = fs_record_cold(tree, os, rec);
		g_free(cold->sf_error);
		cold->sf_error = sf_error;
		fs_record_cold_trim(os, rec);
	}
	if (!rendered)
		return rec;

	gsize len = g_bytes_get_size(rendered);
	GBytes *cached = rec_content(os, rec);
	/* Bytes evicted here cannot be compared. When the kernel may still hold pages of
	 * this version, the row counts as changed: a change of the same size (a name, a
	 * stamp) would otherwise leave those pages stale for the whole attr_timeout. */
	bool unverified = !cached && rec_sized(rec) && rec->kernel_version == rec->version;
	bool changed = !rec_sized(rec) || rec->size != len || unverified ||
		       (cached && !g_bytes_equal(cached, rendered));
	if (changed && rec_sized(rec)) {
		rec->version++;
		if (rec->kernel_size != UINT32_MAX || rec->kernel_version)
			queue_inval(invals, fs_tree_record_ino(os, rec->id), 0, NULL);
	}
	rec->size = (uint32_t)len;
	rec->flags |= FS_RECORD_SIZED;
	if (keep_content)
		fs_tree_cache_put(tree, os, rec, rendered, row->version);
	else if (changed)
		fs_tree_cache_drop(tree, os, rec);
	else if (cached)
		rec_cold(os, rec)->content_version = row->version; /* same bytes, this version */
	return rec;
}

static void remove_record(struct fs_tree *tree, struct fs_object_state *os, guint at,
			  GArray *invals)
{
	struct fs_record *rec = fs_record_set_at(&os->records, at);
	queue_inval(invals, 0, os->dir_ino, fs_record_name(os, rec));
	fs_record_cold_free(tree, os, rec);
	fs_record_set_remove(&os->records, at);
}

static void send_invals(struct fs_tree *tree, GArray *invals)
{
	for (guint i = 0; i < invals->len; i++) {
		const struct pending_inval *p = &g_array_index(invals, struct pending_inval, i);
		if (p->parent && tree->notify.inval_entry)
			tree->notify.inval_entry(tree->notify.ctx, p->parent, p->name);
		if (p->ino && tree->notify.inval_inode)
			tree->notify.inval_inode(tree->notify.ctx, p->ino);
	}
	g_array_free(invals, TRUE);
}

/* --- loading ---------------------------------------------------------------------- */

struct load_ctx {
	struct fs_tree *tree;
	struct fs_object_state *os;
	bool with_values;
	GString *buf;
	GArray *invals;
	size_t budget; /* bytes of content the load may leave in the cache */
	size_t rows;   /* rows seen so far */
};

/* Rows a names load takes in between two wake-ups of the listings waiting for it. */
#define NAMES_PROGRESS_ROWS 512

static GBytes *render_row(const struct db_object *obj, const struct db_row *row, GString *buf)
{
	g_string_truncate(buf, 0);
	record_render(obj->shown, obj->nshown, row->values, buf);
	return g_bytes_new(buf->str, buf->len);
}

static int load_row(const struct db_row *row, void *data)
{
	struct load_ctx *ctx = data;
	GBytes *rendered = ctx->with_values ? render_row(ctx->os->obj, row, ctx->buf) : NULL;
	bool keep = rendered && ctx->budget >= g_bytes_get_size(rendered);
	if (keep)
		ctx->budget -= g_bytes_get_size(rendered);
	g_mutex_lock(&ctx->tree->lock);
	if (row_is_showable(ctx->os, row))
		apply_row(ctx->tree, ctx->os, row, rendered, keep, false, ctx->invals)->flags |=
		    FS_RECORD_SEEN;
	if (!ctx->with_values) {
		ctx->os->names_upto = row->id; /* the scan is in id order */
		if (++ctx->rows % NAMES_PROGRESS_ROWS == 0)
			g_cond_broadcast(&ctx->os->names_progress);
	}
	g_mutex_unlock(&ctx->tree->lock);
	if (rendered)
		g_bytes_unref(rendered);
	return 0;
}

struct unseen_ctx {
	struct fs_tree *tree;
	struct fs_object_state *os;
	GArray *invals;
};

static bool keep_seen(struct fs_record *rec, void *data)
{
	struct unseen_ctx *ctx = data;
	if (rec->flags & FS_RECORD_SEEN)
		return true;
	queue_inval(ctx->invals, 0, ctx->os->dir_ino, fs_record_name(ctx->os, rec));
	fs_record_cold_free(ctx->tree, ctx->os, rec);
	return false;
}

/* Removes, in one pass, the records a full scan did not see (deleted since). */
static void drop_unseen(struct fs_tree *tree, struct fs_object_state *os, GArray *invals)
{
	struct unseen_ctx ctx = {tree, os, invals};
	fs_record_set_filter(&os->records, keep_seen, &ctx);
}

static void clear_seen(struct fs_object_state *os)
{
	for (guint i = 0; i < fs_record_set_len(&os->records); i++)
		fs_record_set_at(&os->records, i)->flags &= (uint8_t)~FS_RECORD_SEEN;
}

/* Loads names (and with `sizes`, every record's size) unless already loaded. */
int fs_tree_ensure_loaded(struct fs_tree *tree, struct fs_object_state *os, bool sizes,
			  struct error *err)
{
	g_mutex_lock(&tree->lock);
	bool done = sizes ? os->sizes_loaded : os->names_loaded;
	g_mutex_unlock(&tree->lock);
	if (done)
		return 0;

	g_mutex_lock(&os->load_lock);
	g_mutex_lock(&tree->lock);
	done = sizes ? os->sizes_loaded : os->names_loaded;
	g_mutex_unlock(&tree->lock);
	int rc = 0;
	if (!done) {
		PGconn *conn = db_acquire(tree->pool, err);
		if (!conn) {
			rc = -err->code;
		} else {
			struct load_ctx ctx = {
			    .tree = tree,
			    .os = os,
			    .with_values = sizes,
			    .buf = g_string_sized_new(4096),
			    .invals = g_array_new(FALSE, TRUE, sizeof(struct pending_inval)),
			    .budget = tree->options.cache_bytes / 2,
			};
			g_mutex_lock(&tree->lock);
			g_ptr_array_set_size(os->bad_rows, 0);
			bool had_records = fs_record_set_len(&os->records) > 0;
			clear_seen(os);
			if (!sizes)
				os->names_upto = 0;
			g_mutex_unlock(&tree->lock);
			rc = db_records_scan(conn, os->obj, 0, 0, sizes, load_row, &ctx, err);
			db_release(tree->pool, conn);
			g_mutex_lock(&tree->lock);
			if (rc == 0) {
				drop_unseen(tree, os, ctx.invals);
				os->names_loaded = true;
				if (sizes)
					os->sizes_loaded = true;
			}
			g_mutex_unlock(&tree->lock);
			/* Nothing was cached by the kernel before the first load; a reload's
			 * changes (rows gone, renamed) must reach it. */
			if (!had_records)
				g_array_set_size(ctx.invals, 0);
			send_invals(tree, ctx.invals);
			g_string_free(ctx.buf, TRUE);
			if (rc)
				log_error("%s", err->message);
		}
	}
	g_mutex_unlock(&os->load_lock);
	return rc;
}

struct names_load {
	struct fs_tree *tree;
	struct fs_object_state *os;
};

static gpointer names_load_main(gpointer data)
{
	struct names_load *job = data;
	struct fs_tree *tree = job->tree;
	struct fs_object_state *os = job->os;
	g_free(job);
	struct error err = {0};
	int rc = fs_tree_ensure_loaded(tree, os, false, &err);
	g_mutex_lock(&tree->lock);
	os->names_loading = false;
	os->names_rc = rc;
	g_cond_broadcast(&os->names_progress);
	g_mutex_unlock(&tree->lock);
	return NULL;
}

void fs_tree_start_names_load(struct fs_tree *tree, struct fs_object_state *os)
{
	if (os->names_loaded || os->names_loading)
		return;
	if (os->names_loader)
		g_thread_join(os->names_loader); /* it has ended: names_loading is false */
	struct names_load *job = g_new(struct names_load, 1);
	*job = (struct names_load){tree, os};
	os->names_loading = true;
	os->names_rc = 0;
	os->names_loader = g_thread_new("forcefs-list", names_load_main, job);
}

struct fetch_ctx {
	struct fs_tree *tree;
	struct fs_object_state *os;
	GString *buf;
	GArray *invals;
	GHashTable *returned; /* ids the database returned */
	bool announce_new;    /* tell the kernel of records new to the tree */
};

static int fetch_row(const struct db_row *row, void *data)
{
	struct fetch_ctx *ctx = data;
	GBytes *rendered = render_row(ctx->os->obj, row, ctx->buf);
	int64_t *id = g_new(int64_t, 1);
	*id = row->id;
	g_hash_table_add(ctx->returned, id);
	g_mutex_lock(&ctx->tree->lock);
	if (row_is_showable(ctx->os, row))
		apply_row(ctx->tree, ctx->os, row, rendered, true, ctx->announce_new, ctx->invals);
	g_mutex_unlock(&ctx->tree->lock);
	g_bytes_unref(rendered);
	return 0;
}

int fs_tree_copy_row(const struct db_row *row, void *data)
{
	struct fs_row_copy_ctx *ctx = data;
	GString *buf = g_string_sized_new(4096);
	fs_row_copy_clear(&ctx->copy);
	ctx->copy.id = row->id;
	ctx->copy.sfid = g_strdup(row->sfid);
	ctx->copy.mtime_ms = row->mtime_ms;
	ctx->copy.lastop = g_strdup(row->lastop);
	ctx->copy.hc_err = g_strdup(row->hc_err);
	ctx->copy.version = row->version;
	ctx->copy.rendered = render_row(ctx->obj, row, buf);
	ctx->got = true;
	g_string_free(buf, TRUE);
	return 0;
}

void fs_row_copy_clear(struct fs_row_copy *copy)
{
	g_free(copy->sfid);
	g_free(copy->lastop);
	g_free(copy->hc_err);
	if (copy->rendered)
		g_bytes_unref(copy->rendered);
	memset(copy, 0, sizeof(*copy));
}

void fs_tree_apply_copy(struct fs_tree *tree, struct fs_object_state *os,
			const struct fs_row_copy *copy)
{
	struct db_row row = {
	    .id = copy->id,
	    .sfid = copy->sfid,
	    .mtime_ms = copy->mtime_ms,
	    .lastop = copy->lastop,
	    .hc_err = copy->hc_err,
	    .version = copy->version,
	};
	GArray *invals = g_array_new(FALSE, TRUE, sizeof(struct pending_inval));
	g_mutex_lock(&tree->lock);
	if (row_is_showable(os, &row))
		apply_row(tree, os, &row, copy->rendered, true, true, invals);
	g_mutex_unlock(&tree->lock);
	send_invals(tree, invals);
}

/* Reads `ids` from the database into the cache; ids that are gone are removed. */
static int fetch_records(struct fs_tree *tree, struct fs_object_state *os, GArray *ids,
			 struct error *err);

int fs_tree_fetch(struct fs_tree *tree, struct fs_object_state *os, const int64_t *ids, size_t nids,
		  struct error *err)
{
	GArray *list = g_array_new(FALSE, FALSE, sizeof(int64_t));
	g_array_append_vals(list, ids, (guint)nids);
	int rc = fetch_records(tree, os, list, err);
	g_array_free(list, TRUE);
	return rc;
}

int fs_tree_fetch_named(struct fs_tree *tree, struct fs_object_state *os, const char *name,
			struct error *err)
{
	if (!g_str_has_suffix(name, ".json"))
		return 0;
	char *stem = g_strndup(name, strlen(name) - strlen(".json"));
	const char *sfid = stem;
	int64_t id = 0;
	if (g_str_has_prefix(stem, "local-")) {
		char *end;
		id = g_ascii_strtoll(stem + strlen("local-"), &end, 10);
		if (*end || id <= 0) {
			g_free(stem);
			return 0;
		}
		sfid = NULL;
	}
	PGconn *conn = db_acquire(tree->pool, err);
	int rc = conn ? 0 : -err->code;
	if (conn) {
		struct fetch_ctx ctx = {
		    .tree = tree,
		    .os = os,
		    .buf = g_string_sized_new(4096),
		    .invals = g_array_new(FALSE, TRUE, sizeof(struct pending_inval)),
		    .returned = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL),
		    /* The kernel is looking this name up: the reply tells it. Taking the
		     * entry back would only drop the dentry it is about to make. */
		    .announce_new = false,
		};
		rc = db_records_fetch_one(conn, os->obj, sfid, id, fetch_row, &ctx, err);
		db_release(tree->pool, conn);
		send_invals(tree, ctx.invals);
		g_hash_table_destroy(ctx.returned);
		g_string_free(ctx.buf, TRUE);
	}
	if (rc)
		log_error("%s", err->message);
	g_free(stem);
	return rc;
}

static int fetch_records(struct fs_tree *tree, struct fs_object_state *os, GArray *ids,
			 struct error *err)
{
	PGconn *conn = db_acquire(tree->pool, err);
	if (!conn) {
		log_error("%s", err->message);
		return -err->code;
	}
	struct fetch_ctx ctx = {
	    .tree = tree,
	    .os = os,
	    .buf = g_string_sized_new(4096),
	    .invals = g_array_new(FALSE, TRUE, sizeof(struct pending_inval)),
	    .returned = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL),
	    .announce_new = true,
	};
	int rc = db_records_fetch(conn, os->obj, (const int64_t *)(void *)ids->data, ids->len,
				  fetch_row, &ctx, err);
	db_release(tree->pool, conn);
	if (rc == 0) {
		g_mutex_lock(&tree->lock);
		for (guint i = 0; i < ids->len; i++) {
			int64_t id = g_array_index(ids, int64_t, i);
			bool found;
			guint at = fs_tree_find_index(os, id, &found);
			if (found && !g_hash_table_contains(ctx.returned, &id))
				remove_record(tree, os, at, ctx.invals);
		}
		g_mutex_unlock(&tree->lock);
	} else {
		log_error("%s", err->message);
	}
	send_invals(tree, ctx.invals);
	g_hash_table_destroy(ctx.returned);
	g_string_free(ctx.buf, TRUE);
	return rc;
}

int fs_tree_refresh_records(struct fs_tree *tree, size_t index, const int64_t *ids, size_t nids,
			    struct error *err)
{
	struct fs_object_state *os = &tree->objects[index];
	GArray *list = g_array_new(FALSE, FALSE, sizeof(int64_t));
	g_array_append_vals(list, ids, (guint)nids);
	/* Records that are not cached are refreshed too: a new row must appear. */
	int rc = fetch_records(tree, os, list, err);
	g_array_free(list, TRUE);
	return rc;
}

void fs_tree_forget_object(struct fs_tree *tree, size_t index)
{
	struct fs_object_state *os = &tree->objects[index];
	g_mutex_lock(&os->load_lock);
	g_mutex_lock(&tree->lock);
	os->names_loaded = false;
	os->sizes_loaded = false;
	g_mutex_unlock(&tree->lock);
	g_mutex_unlock(&os->load_lock);
	/* Reload the listing now: lookups of records already known do not wait for a
	 * listing, so the rows that are gone must be found and dropped here. */
	struct error err = {0};
	if (fs_tree_ensure_loaded(tree, os, false, &err) != 0)
		log_warn("watcher: reloading %s: %s", os->obj->table, err.message);
	if (tree->notify.inval_inode)
		tree->notify.inval_inode(tree->notify.ctx, os->dir_ino);
}
