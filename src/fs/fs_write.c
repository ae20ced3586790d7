/*
 * The write half of the tree: open files, renames, and the commit points of
 * docs/contract.md §5. What a user writes to a record collects in the record's `pending` buffer
 * and reaches the database only at a commit point: close (flush), fsync, or a rename
 * of a scratch file onto the record. Truncation and partial writes alone never do.
 *
 * Names that are not records are scratch files (fs_scratch.h). A new `*.json` name
 * becomes a record when it is closed with content. Renaming a record to a scratch name
 * (an editor's backup) hides the record's name until the editor writes it again;
 * nothing in the database changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db_fields.h"
#include "fs_attr.h"
#include "fs_commit.h"
#include "fs_load.h"
#include "fs_model.h"
#include "fs_record_cold.h"
#include "fs_scratch.h"
#include "fs_tree.h"
#include "log.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

#define RECORD_MAX_BYTES  (1024 * 1024)
#define SCRATCH_MAX_BYTES (64 * 1024 * 1024)

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timespec now_ts(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

static struct fs_object_state *dir_object(struct fs_tree *tree, uint64_t parent)
{
	uint64_t local;
	struct fs_object_state *os = fs_tree_object_of_ino(tree, parent, &local);
	return os && local == 0 ? os : NULL;
}

static struct fs_commit_target commit_target(struct fs_tree *tree, const struct fs_object_state *os)
{
	struct fs_commit_target t = {
	    .pool = tree->pool,
	    .obj = os->obj,
	    .meta = db_fields_find_object(tree->options.fields, os->obj->table),
	};
	return t;
}

/* --- names (tree lock held) ------------------------------------------------------------ */

/* The record a visible name stands for (canonical or created by the user), or NULL. */
static struct fs_record *record_named(struct fs_object_state *os, const char *name)
{
	if (g_hash_table_contains(os->hidden, name))
		return NULL;
	struct fs_record *rec = fs_record_set_named(&os->records, name);
	if (rec)
		return rec;
	const int64_t *alias = g_hash_table_lookup(os->aliases, name);
	return alias ? fs_tree_find_record(os, *alias) : NULL;
}

/* A record whose name was renamed away, or NULL. */
static struct fs_record *hidden_record(struct fs_object_state *os, const char *name)
{
	if (!g_hash_table_contains(os->hidden, name))
		return NULL;
	struct fs_record *rec = fs_record_set_named(&os->records, name);
	if (rec)
		return rec;
	const int64_t *alias = g_hash_table_lookup(os->aliases, name);
	return alias ? fs_tree_find_record(os, *alias) : NULL;
}

/* --- commits ------------------------------------------------------------------------ */

static void set_record_error(struct fs_tree *tree, struct fs_object_state *os,
			     struct fs_record *rec, const char *message)
{
	if (!message && !rec_fs_error(os, rec))
		return;
	struct fs_record_cold *cold = fs_record_cold(tree, os, rec);
	g_free(cold->fs_error);
	cold->fs_error = message ? g_strdup(message) : NULL;
	fs_record_cold_trim(os, rec);
}

/* Forgets what was written to a record and not committed (tree lock held). */
static void drop_pending(const struct fs_object_state *os, struct fs_record *rec)
{
	struct fs_record_cold *cold = rec_cold(os, rec);
	if (!cold || !cold->pending)
		return;
	g_string_free(cold->pending, TRUE);
	cold->pending = NULL;
	cold->pending_dirty = cold->pending_too_big = false;
	fs_record_cold_trim(os, rec);
}

/* The pending bytes of a record, started from `current` if it has none (tree lock). */
static GString *pending_of(struct fs_tree *tree, struct fs_object_state *os, struct fs_record *rec,
			   GBytes *current)
{
	struct fs_record_cold *cold = fs_record_cold(tree, os, rec);
	if (!cold->pending) {
		gsize len = 0;
		const char *cur = current ? g_bytes_get_data(current, &len) : "";
		cold->pending = g_string_new_len(cur, (gssize)len);
	}
	return cold->pending;
}

/* Notes a write committed here now: the file's mtime (tree lock held). */
static void note_local_write(struct fs_tree *tree, struct fs_object_state *os,
			     struct fs_record *rec)
{
	fs_record_cold(tree, os, rec)->local_write_ms = now_ms();
	if (rec_content(os, rec))
		fs_tree_set_served(tree, os, rec, rec_content(os, rec));
}

/*
 * Commits `mine` to record `id` (base: what was served) and brings the tree up to date.
 * `name` is the file name for the log. Takes the object's write lock.
 */
static int commit_update(struct fs_tree *tree, struct fs_object_state *os, int64_t id, GBytes *mine,
			 const char *name, struct error *err)
{
	if (g_bytes_get_size(mine) > RECORD_MAX_BYTES)
		return error_set(err, EFBIG, "content is %zu bytes, at most %d",
				 g_bytes_get_size(mine), RECORD_MAX_BYTES);
	g_mutex_lock(&tree->lock);
	struct fs_record *rec = fs_tree_find_record(os, id);
	GBytes *base = rec && rec_served(os, rec) ? g_bytes_ref(rec_served(os, rec)) : NULL;
	uint32_t base_version = base ? rec_cold(os, rec)->served_version : 0;
	g_mutex_unlock(&tree->lock);
	if (!rec)
		return error_set(err, ENOENT, "the record no longer exists");

	struct fs_commit_target target = commit_target(tree, os);
	bool changed = false;
	struct fs_row_copy_ctx written = {.obj = os->obj};
	int rc = fs_commit_update(&target, id, mine, base, base_version, &changed, fs_tree_copy_row,
				  &written, err);
	if (base)
		g_bytes_unref(base);

	g_mutex_lock(&tree->lock);
	rec = fs_tree_find_record(os, id);
	if (rec) {
		set_record_error(tree, os, rec, rc ? err->message : NULL);
		if (rc == 0 && changed)
			fs_record_cold(tree, os, rec)->local_write_ms = now_ms();
	}
	g_mutex_unlock(&tree->lock);
	if (rc) {
		fs_row_copy_clear(&written.copy);
		log_warn("%s/%s: %s", os->obj->table, name, err->message);
		return rc;
	}
	/* The row as written came back with the UPDATE: no second query. */
	if (written.got)
		fs_tree_apply_copy(tree, os, &written.copy);
	fs_row_copy_clear(&written.copy);
	g_mutex_lock(&tree->lock);
	rec = fs_tree_find_record(os, id);
	if (rec && rec_content(os, rec))
		fs_tree_set_served(tree, os, rec, rec_content(os, rec));
	g_mutex_unlock(&tree->lock);
	log_debug("%s/%s: committed%s", os->obj->table, name, changed ? "" : " (no change)");
	return 0;
}

/* Commits the pending content of a record, if there is any to commit. */
static int commit_pending(struct fs_tree *tree, struct fs_object_state *os, int64_t id,
			  struct error *err)
{
	g_mutex_lock(&os->write_lock);
	g_mutex_lock(&tree->lock);
	struct fs_record *rec = fs_tree_find_record(os, id);
	GBytes *mine = NULL;
	char name[48] = "";
	const GString *pending = rec ? rec_pending(os, rec) : NULL;
	bool too_big = pending && rec_cold(os, rec)->pending_too_big;
	if (pending && rec_cold(os, rec)->pending_dirty && pending->len > 0 && !too_big) {
		mine = g_bytes_new(pending->str, pending->len);
		g_strlcpy(name, fs_record_name(os, rec), sizeof(name));
	}
	if (too_big) {
		log_warn("%s/%s: content over 1 MiB (1048576 bytes)", os->obj->table,
			 fs_record_name(os, rec));
		drop_pending(os, rec);
		set_record_error(tree, os, rec, "content over 1 MiB (1048576 bytes)");
	}
	g_mutex_unlock(&tree->lock);
	if (too_big) {
		fs_tree_inval_inode(tree, fs_tree_record_ino(os, id));
		g_mutex_unlock(&os->write_lock);
		return error_set(err, EFBIG, "content over 1 MiB (1048576 bytes)");
	}
	int rc = 0;
	if (mine) {
		rc = commit_update(tree, os, id, mine, name, err);
		g_bytes_unref(mine);
		/* Committed or refused, the pending bytes are done: the file shows the
		 * database again, and the user's content is still in their editor. */
		g_mutex_lock(&tree->lock);
		rec = fs_tree_find_record(os, id);
		if (rec)
			drop_pending(os, rec);
		g_mutex_unlock(&tree->lock);
		fs_tree_inval_inode(tree, fs_tree_record_ino(os, id));
	}
	g_mutex_unlock(&os->write_lock);
	return rc;
}

/*
 * Inserts a scratch file's content as a new record named `name`; on success the name
 * (and the scratch inode) stand for the new record from then on.
 */
static int commit_insert(struct fs_tree *tree, struct fs_object_state *os, struct fs_scratch *sc,
			 const char *name, struct error *err)
{
	g_mutex_lock(&os->write_lock);
	g_mutex_lock(&tree->lock);
	GBytes *mine = g_bytes_new(sc->content->str, sc->content->len);
	g_mutex_unlock(&tree->lock);
	int rc;
	int64_t new_id = 0;
	if (g_bytes_get_size(mine) > RECORD_MAX_BYTES) {
		rc = error_set(err, EFBIG, "content is %zu bytes, at most %d",
			       g_bytes_get_size(mine), RECORD_MAX_BYTES);
	} else {
		struct fs_commit_target target = commit_target(tree, os);
		rc = fs_commit_insert(&target, mine, &new_id, err);
	}
	g_bytes_unref(mine);
	g_mutex_lock(&tree->lock);
	g_free(sc->error);
	sc->error = rc ? g_strdup(err->message) : NULL;
	sc->dirty = false;
	g_mutex_unlock(&tree->lock);
	if (rc) {
		log_warn("%s/%s: %s", os->obj->table, name, err->message);
		g_mutex_unlock(&os->write_lock);
		return rc;
	}
	struct error ferr = {0};
	fs_tree_fetch(tree, os, &new_id, 1, &ferr);
	g_mutex_lock(&tree->lock);
	int64_t *id = g_new(int64_t, 1);
	*id = new_id;
	g_hash_table_replace(os->aliases, g_strdup(name), id);
	sc->record_id = new_id;
	if (sc->name)
		fs_scratch_remove_name(tree, os, sc);
	struct fs_record *rec = fs_tree_find_record(os, new_id);
	if (rec)
		note_local_write(tree, os, rec);
	g_mutex_unlock(&tree->lock);
	/* The kernel still maps the name to the scratch inode: have it look again. */
	fs_tree_inval_entry(tree, os->dir_ino, name);
	log_debug("%s/%s: inserted as row %" PRId64, os->obj->table, name, new_id);
	g_mutex_unlock(&os->write_lock);
	return 0;
}

/* --- open, create ----------------------------------------------------------------------- */

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY;
}

static int open_scratch(struct fs_tree *tree, struct fs_scratch *sc, int flags, struct fs_handle *h,
			struct fs_open_hints *hints)
{
	h->scratch = sc;
	sc->refs++;
	h->object = sc->object;
	h->writable = wants_write(flags);
	h->append = flags & O_APPEND;
	if (h->writable && (flags & O_TRUNC) && sc->content->len) {
		g_string_truncate(sc->content, 0);
		sc->dirty = true;
	}
	hints->direct_io = true;
	hints->keep_cache = false;
	return 0;
}

/* Opens record `id` of `os`; `truncate` starts the pending content empty. */
static int open_record(struct fs_tree *tree, struct fs_object_state *os, int64_t id, int flags,
		       bool truncate, struct fs_handle *h, struct fs_open_hints *hints,
		       struct error *err)
{
	bool writable = wants_write(flags);
	if (writable && fs_tree_object_readonly(tree, os))
		return error_set(err, EROFS, "object \"%s\" is read-only", os->obj->table);
	struct fs_content content;
	int rc = fs_tree_open_content(tree, fs_tree_record_ino(os, id),
				      writable ? 0 : FS_CONTENT_SERVED | FS_CONTENT_KERNEL_PAGES,
				      &content, err);
	if (rc)
		return rc;
	h->object = fs_tree_object_index(tree, os);
	h->record_id = id;
	h->snapshot = content.bytes;
	h->version = content.version;
	h->writable = writable;
	h->append = flags & O_APPEND;
	hints->keep_cache = content.keep_cache;
	hints->direct_io = content.size_stale;
	if (writable) {
		hints->keep_cache = false;
		hints->direct_io = true;
		g_mutex_lock(&tree->lock);
		struct fs_record *rec = fs_tree_find_record(os, id);
		if (rec) {
			fs_record_cold(tree, os, rec)->writers++;
			if (truncate || (flags & O_TRUNC)) {
				g_string_truncate(pending_of(tree, os, rec, NULL), 0);
				rec_cold(os, rec)->pending_dirty = true;
			}
		}
		g_mutex_unlock(&tree->lock);
	}
	return 0;
}

/*
 * A record's pending bytes that no writer will commit any more (the last writer closed
 * the file empty, or a truncate(2) came without an open writer): they are dropped, so
 * the file shows the record again rather than a record that looks wiped, and the user
 * is told, in .errors and the log, that nothing was saved. Tree lock held; returns
 * whether anything was dropped (the caller then invalidates the kernel's copy).
 */
static bool drop_unsaved(struct fs_tree *tree, struct fs_object_state *os, struct fs_record *rec)
{
	if (!rec_pending(os, rec) || rec_cold(os, rec)->writers > 0)
		return false;
	const char *why = rec_cold(os, rec)->pending->len == 0
			      ? "the file was emptied and nothing was written to it within 2 s: "
				"nothing was saved, it shows the record again"
			      : "the file was cut short and nothing was written to it within 2 s: "
				"nothing was saved, it shows the record again";
	log_warn("%s/%s: %s", os->obj->table, fs_record_name(os, rec), why);
	drop_pending(os, rec);
	set_record_error(tree, os, rec, why);
	return true;
}

int fs_tree_open(struct fs_tree *tree, uint64_t ino, int flags, struct fs_handle **out,
		 struct fs_open_hints *hints, struct error *err)
{
	if (fs_tree_is_dir(ino))
		return -EISDIR;
	struct fs_handle *h = g_new0(struct fs_handle, 1);
	int rc = 0;
	if (ino >= SCRATCH_INO_BASE) {
		g_mutex_lock(&tree->lock);
		struct fs_object_state *record_os;
		int64_t record_id;
		struct fs_scratch *sc = fs_scratch_by_ino(tree, ino, &record_os, &record_id);
		if (sc)
			rc = open_scratch(tree, sc, flags, h, hints);
		g_mutex_unlock(&tree->lock);
		if (record_id)
			rc = open_record(tree, record_os, record_id, flags, false, h, hints, err);
		else if (!sc)
			rc = -ENOENT;
	} else {
		uint64_t local;
		struct fs_object_state *os = fs_tree_object_of_ino(tree, ino, &local);
		if (!os) {
			rc = -ENOENT;
		} else if (local == 1) {
			if (wants_write(flags)) {
				rc = -EACCES;
			} else {
				struct fs_content content;
				rc = fs_tree_open_content(tree, ino, FS_CONTENT_SERVED, &content,
							  err);
				h->snapshot = content.bytes;
				hints->direct_io = true;
			}
		} else {
			rc = open_record(tree, os, (int64_t)local - 2, flags, false, h, hints, err);
		}
	}
	if (rc) {
		g_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

int fs_tree_create(struct fs_tree *tree, uint64_t parent, const char *name, mode_t mode, int flags,
		   uid_t uid, gid_t gid, struct stat *st, struct fs_handle **out,
		   struct fs_open_hints *hints, struct error *err)
{
	if (strlen(name) > FS_NAME_MAX)
		return -ENAMETOOLONG;
	struct fs_object_state *os = dir_object(tree, parent);
	if (!os)
		return parent == FS_ROOT_INO ? -EPERM : -ENOTDIR;
	if (strcmp(name, ERRORS_NAME) == 0)
		return -EEXIST;
	int rc = fs_tree_ensure_loaded(tree, os, false, err);
	if (rc)
		return rc;
	struct fs_handle *h = g_new0(struct fs_handle, 1);
	g_mutex_lock(&tree->lock);
	struct fs_scratch *sc = g_hash_table_lookup(os->scratch, name);
	struct fs_record *rec = sc ? NULL : record_named(os, name);
	struct fs_record *hidden = sc || rec ? NULL : hidden_record(os, name);
	if (hidden &&
	    fs_delete_grace_committing(tree->deletes, fs_tree_object_index(tree, os), hidden->id))
		hidden = NULL; /* rm's delay is over and its delete under way: a new file */
	int64_t record_id = rec ? rec->id : hidden ? hidden->id : 0;
	bool exists = sc || rec;
	if (exists && (flags & O_EXCL)) {
		rc = -EEXIST;
	} else if (sc) {
		rc = open_scratch(tree, sc, flags, h, hints);
	} else if (hidden) {
		/* An editor writing the file it renamed away, or a file written where rm
		 * removed one (mv from another filesystem): the record comes back, and what
		 * is written is its new content. */
		g_hash_table_remove(os->hidden, name);
		fs_delete_grace_cancel(tree->deletes, fs_tree_object_index(tree, os), hidden->id);
	} else if (!rec) {
		if (fs_scratch_is_record_name(name) && fs_tree_object_readonly(tree, os))
			rc = error_set(err, EROFS, "object \"%s\" is read-only", os->obj->table);
		else if ((rc = fs_scratch_room(tree, os, err)) == 0)
			rc = open_scratch(tree, fs_scratch_new(tree, os, name, mode, uid, gid),
					  flags, h, hints);
	}
	uint64_t scratch_ino = h->scratch ? h->scratch->ino : 0;
	g_mutex_unlock(&tree->lock);
	if (rc == 0 && record_id)
		rc = open_record(tree, os, record_id, flags, hidden != NULL, h, hints, err);
	if (rc == 0)
		rc = scratch_ino
			 ? fs_tree_getattr(tree, scratch_ino, st, err)
			 : fs_tree_getattr(tree, fs_tree_record_ino(os, record_id), st, err);
	if (rc) {
		fs_tree_release(tree, h);
		return rc;
	}
	*out = h;
	return 0;
}

/* --- read, write ---------------------------------------------------------------------- */

/* Sets the length of `buf`, zero-filling when it grows (truncate(2)). */
static void resize(GString *buf, size_t size)
{
	size_t old = buf->len;
	g_string_set_size(buf, size);
	if (size > old)
		memset(buf->str + old, 0, size - old);
}

/* Writes into `buf` at `off` (or its end), zero-filling a gap, bounded by `max`. */
static ssize_t write_into(GString *buf, bool append, off_t off, const char *data, size_t size,
			  size_t max, struct error *err)
{
	size_t at = append ? buf->len : (size_t)off;
	if (off < 0 || at + size > max)
		return error_set(err, EFBIG, "content over %zu bytes", max);
	if (at > buf->len) {
		size_t old = buf->len;
		g_string_set_size(buf, at);
		memset(buf->str + old, 0, at - old);
	}
	if (at + size > buf->len)
		g_string_set_size(buf, at + size);
	memcpy(buf->str + at, data, size);
	return (ssize_t)size;
}

ssize_t fs_tree_write(struct fs_tree *tree, struct fs_handle *h, off_t off, const char *data,
		      size_t size, struct error *err)
{
	if (!h->writable)
		return -EBADF;
	ssize_t rc;
	g_mutex_lock(&tree->lock);
	if (h->scratch) {
		size_t len = h->scratch->content->len;
		size_t end = h->append ? len + size : (size_t)MAX(off, 0) + size;
		rc = fs_scratch_bytes_room(tree, end > len ? end - len : 0, err);
		if (rc == 0)
			rc = write_into(h->scratch->content, h->append, off, data, size,
					SCRATCH_MAX_BYTES, err);
		if (rc > 0) {
			h->scratch->dirty = true;
			h->scratch->mtime = now_ts();
		}
	} else {
		struct fs_object_state *os = &tree->objects[h->object];
		struct fs_record *rec = fs_tree_find_record(os, h->record_id);
		if (!rec) {
			rc = -ENOENT;
		} else {
			GString *pending = pending_of(tree, os, rec, h->snapshot);
			rc = write_into(pending, h->append, off, data, size, RECORD_MAX_BYTES, err);
			if (rc > 0)
				rec_cold(os, rec)->pending_dirty = true;
			if (rc == -EFBIG)
				rec_cold(os, rec)->pending_too_big = true;
		}
	}
	g_mutex_unlock(&tree->lock);
	if (rc == -EFBIG || rc == -ENOSPC)
		log_warn("a write was refused: %s", err->message);
	return rc;
}

int fs_tree_flush(struct fs_tree *tree, struct fs_handle *h, struct error *err)
{
	if (!h->writable)
		return 0;
	struct fs_object_state *os = &tree->objects[h->object];
	if (h->record_id)
		return commit_pending(tree, os, h->record_id, err);
	g_mutex_lock(&tree->lock);
	struct fs_scratch *sc = h->scratch;
	bool insert = sc->record_candidate && sc->record_id == 0 && sc->name && sc->dirty &&
		      sc->content->len > 0;
	char *name = insert ? g_strdup(sc->name) : NULL;
	g_mutex_unlock(&tree->lock);
	int rc = 0;
	if (insert)
		rc = commit_insert(tree, os, sc, name, err);
	g_free(name);
	return rc;
}

/* Starts (or restarts) the wait of a record's pending bytes for a writer (tree lock). */
static void add_orphan(struct fs_tree *tree, struct fs_object_state *os, struct fs_record *rec)
{
	size_t object = fs_tree_object_index(tree, os);
	for (guint i = 0; i < tree->orphans->len; i++) {
		struct fs_orphan *o = &g_array_index(tree->orphans, struct fs_orphan, i);
		if (o->object == object && o->id == rec->id) {
			o->since_ms = now_ms();
			return;
		}
	}
	struct fs_orphan o = {object, rec->id, now_ms()};
	g_array_append_val(tree->orphans, o);
}

void fs_tree_expire_orphans(struct fs_tree *tree)
{
	GArray *expired = g_array_new(FALSE, FALSE, sizeof(struct fs_orphan));
	g_mutex_lock(&tree->lock);
	int64_t now = now_ms();
	for (guint i = 0; i < tree->orphans->len;) {
		struct fs_orphan o = g_array_index(tree->orphans, struct fs_orphan, i);
		if (now - o.since_ms < ORPHAN_GRACE_MS) {
			i++;
			continue;
		}
		g_array_remove_index_fast(tree->orphans, i);
		struct fs_object_state *os = &tree->objects[o.object];
		struct fs_record *rec = fs_tree_find_record(os, o.id);
		if (rec && drop_unsaved(tree, os, rec))
			g_array_append_val(expired, o);
	}
	g_mutex_unlock(&tree->lock);
	for (guint i = 0; i < expired->len; i++) {
		struct fs_orphan *o = &g_array_index(expired, struct fs_orphan, i);
		fs_tree_inval_inode(tree, fs_tree_record_ino(&tree->objects[o->object], o->id));
	}
	g_array_free(expired, TRUE);
}

void fs_tree_release(struct fs_tree *tree, struct fs_handle *h)
{
	if (!h)
		return;
	g_mutex_lock(&tree->lock);
	fs_tree_scratch_unref(h->scratch);
	struct fs_object_state *os = h->record_id ? &tree->objects[h->object] : NULL;
	struct fs_record *rec = os ? fs_tree_find_record(os, h->record_id) : NULL;
	if (rec && h->writable && rec_cold(os, rec)) {
		if (rec_cold(os, rec)->writers > 0)
			rec_cold(os, rec)->writers--;
		/* Pending bytes no writer will commit any more: `truncate -s 0 f` or `: > f`
		 * may still be followed by `cat x >> f`, so they wait a moment. */
		if (rec_cold(os, rec)->pending && rec_cold(os, rec)->writers == 0)
			add_orphan(tree, os, rec);
		fs_record_cold_trim(os, rec);
	}
	g_mutex_unlock(&tree->lock);
	if (h->snapshot)
		g_bytes_unref(h->snapshot);
	g_free(h);
}

/* --- attributes ---------------------------------------------------------------------- */

/* Sets a scratch file's attributes (tree lock held). */
static int setattr_scratch(struct fs_tree *tree, struct fs_scratch *sc, const struct stat *attr,
			   int to_set, struct error *err)
{
	int rc = 0;
	if (to_set & FS_ATTR_SIZE) {
		size_t len = sc->content->len, want = (size_t)MAX(attr->st_size, 0);
		if (attr->st_size > SCRATCH_MAX_BYTES)
			rc = -EFBIG;
		else if ((rc = fs_scratch_bytes_room(tree, want > len ? want - len : 0, err)) == 0)
			resize(sc->content, want);
		sc->dirty = true;
	}
	if (to_set & FS_ATTR_MODE)
		sc->mode = attr->st_mode & 07777;
	if (to_set & FS_ATTR_UID)
		sc->uid = attr->st_uid;
	if (to_set & FS_ATTR_GID)
		sc->gid = attr->st_gid;
	if (to_set & FS_ATTR_MTIME)
		sc->mtime = attr->st_mtim;
	return rc;
}

int fs_tree_setattr(struct fs_tree *tree, uint64_t ino, struct fs_handle *h,
		    const struct stat *attr, int to_set, struct stat *out, struct error *err)
{
	if (ino >= SCRATCH_INO_BASE) {
		g_mutex_lock(&tree->lock);
		struct fs_object_state *record_os;
		int64_t record_id;
		struct fs_scratch *sc = fs_scratch_by_ino(tree, ino, &record_os, &record_id);
		int rc = sc ? setattr_scratch(tree, sc, attr, to_set, err) : 0;
		g_mutex_unlock(&tree->lock);
		if (rc)
			return rc;
		if (sc)
			return fs_tree_getattr(tree, ino, out, err);
		if (!record_id)
			return -ENOENT;
		ino = fs_tree_record_ino(record_os, record_id);
	}
	uint64_t local;
	struct fs_object_state *os = fs_tree_object_of_ino(tree, ino, &local);
	if ((to_set & FS_ATTR_SIZE) && (!os || local < 2))
		return fs_tree_is_dir(ino) ? -EISDIR : -EACCES;
	if (os && local >= 2 && (to_set & FS_ATTR_SIZE)) {
		if (fs_tree_object_readonly(tree, os))
			return error_set(err, EROFS, "object \"%s\" is read-only", os->obj->table);
		if (attr->st_size > RECORD_MAX_BYTES)
			return -EFBIG;
		int64_t id = (int64_t)local - 2;
		struct fs_content content;
		int rc = fs_tree_open_content(tree, ino, 0, &content, err);
		if (rc)
			return rc;
		g_mutex_lock(&tree->lock);
		struct fs_record *rec = fs_tree_find_record(os, id);
		if (rec) {
			resize(pending_of(tree, os, rec, content.bytes), (size_t)attr->st_size);
			rec_cold(os, rec)->pending_dirty = true;
			/* truncate(2) with no writer open: no close will come to commit it, but
			 * a writer may follow (`truncate -s 0 f; cat x >> f`). */
			if (rec_cold(os, rec)->writers == 0)
				add_orphan(tree, os, rec);
		}
		g_mutex_unlock(&tree->lock);
		g_bytes_unref(content.bytes);
		fs_tree_inval_inode(tree, ino);
	}
	/* Mode, owner and times of records, directories and .errors: accepted, unchanged. */
	return fs_tree_getattr(tree, ino, out, err);
}

/* --- unlink, rename --------------------------------------------------------------------- */

/* Deletes record `id` (queued for Salesforce) and drops it from the tree. */
static int delete_record(struct fs_tree *tree, struct fs_object_state *os, int64_t id,
			 struct error *err)
{
	g_mutex_lock(&os->write_lock);
	struct fs_commit_target target = commit_target(tree, os);
	int rc = fs_commit_delete(&target, id, err);
	g_mutex_unlock(&os->write_lock);
	if (rc)
		return rc;
	fs_tree_fetch(tree, os, &id, 1, err); /* the row is gone: the tree drops it */
	g_mutex_lock(&tree->lock);
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, os->aliases);
	while (g_hash_table_iter_next(&it, &key, &value))
		if (*(int64_t *)value == id)
			g_hash_table_iter_remove(&it);
	g_mutex_unlock(&tree->lock);
	return 0;
}

int fs_tree_unlink(struct fs_tree *tree, uint64_t parent, const char *name, struct error *err)
{
	struct fs_object_state *os = dir_object(tree, parent);
	if (!os)
		return parent == FS_ROOT_INO ? -EPERM : -ENOTDIR;
	if (strcmp(name, ERRORS_NAME) == 0)
		return -EPERM;
	int rc = fs_tree_ensure_loaded(tree, os, false, err);
	if (rc)
		return rc;
	g_mutex_lock(&tree->lock);
	struct fs_scratch *sc = g_hash_table_lookup(os->scratch, name);
	struct fs_record *rec = sc ? NULL : record_named(os, name);
	int64_t id = rec ? rec->id : 0;
	if (sc)
		fs_scratch_remove_name(tree, os, sc);
	g_mutex_unlock(&tree->lock);
	if (sc)
		return 0;
	if (!id)
		return -ENOENT;
	if (fs_tree_object_readonly(tree, os))
		return error_set(err, EROFS, "object \"%s\" is read-only", os->obj->table);
	if (!tree->options.allow_delete) {
		log_warn("rm %s/%s refused: deleting records is off; mount with -o allow_delete "
			 "to let rm delete records",
			 os->obj->table, name);
		return error_set(err, EPERM,
				 "deleting records is off (mount with -o allow_delete)");
	}
	if (tree->options.delete_delay_ms == 0) {
		rc = delete_record(tree, os, id, err);
		if (rc)
			log_warn("%s/%s: %s", os->obj->table, name, err->message);
		return rc;
	}
	/* mv from another filesystem and `rm f && cat saved > f` remove the name before
	 * they write it again: the delete waits to see whether they do. */
	g_mutex_lock(&tree->lock);
	g_hash_table_add(os->hidden, g_strdup(name));
	fs_delete_grace_arm(tree->deletes, fs_tree_object_index(tree, os), id, name, now_ms());
	g_mutex_unlock(&tree->lock);
	log_debug("%s/%s: removed; deleted in %d ms unless written again", os->obj->table, name,
		  tree->options.delete_delay_ms);
	return 0;
}

void fs_tree_expire_deletes(struct fs_tree *tree)
{
	GArray *due = fs_pending_delete_array_new();
	g_mutex_lock(&tree->lock);
	fs_delete_grace_take_due(tree->deletes, now_ms(), due);
	g_mutex_unlock(&tree->lock);
	for (guint i = 0; i < due->len; i++) {
		struct fs_pending_delete *d = &g_array_index(due, struct fs_pending_delete, i);
		struct fs_object_state *os = &tree->objects[d->object];
		struct error err = {0};
		int rc = delete_record(tree, os, d->id, &err);
		char *why = rc ? g_strdup_printf("rm was not done: %s; the file shows the record "
						 "again",
						 err.message)
			       : NULL;
		g_mutex_lock(&tree->lock);
		fs_delete_grace_done(tree->deletes, d->object, d->id);
		g_hash_table_remove(os->hidden, d->name);
		struct fs_record *rec = rc ? fs_tree_find_record(os, d->id) : NULL;
		if (rec)
			set_record_error(tree, os, rec, why);
		if (rc)
			fs_tree_forget_negative(os, d->name);
		g_mutex_unlock(&tree->lock);
		if (rc) {
			log_warn("%s/%s: %s", os->obj->table, d->name, why);
			fs_tree_inval_entry(tree, os->dir_ino, d->name);
		} else {
			log_debug("%s/%s: deleted", os->obj->table, d->name);
		}
		g_free(why);
	}
	g_array_free(due, TRUE);
}

int fs_tree_rename(struct fs_tree *tree, uint64_t parent, const char *name, uint64_t newparent,
		   const char *newname, unsigned int flags, struct error *err)
{
	if (flags & RENAME_EXCHANGE)
		return -EINVAL;
	if (strlen(newname) > FS_NAME_MAX)
		return -ENAMETOOLONG;
	if (parent == FS_ROOT_INO || newparent == FS_ROOT_INO)
		return -EPERM;
	if (parent != newparent)
		return -EXDEV;
	struct fs_object_state *os = dir_object(tree, parent);
	if (!os)
		return -ENOTDIR;
	if (strcmp(name, ERRORS_NAME) == 0 || strcmp(newname, ERRORS_NAME) == 0)
		return -EPERM;
	int rc = fs_tree_ensure_loaded(tree, os, false, err);
	if (rc)
		return rc;

	g_mutex_lock(&tree->lock);
	struct fs_scratch *src_sc = g_hash_table_lookup(os->scratch, name);
	struct fs_record *src_rec = src_sc ? NULL : record_named(os, name);
	struct fs_scratch *dst_sc = g_hash_table_lookup(os->scratch, newname);
	struct fs_record *dst_rec = dst_sc ? NULL : record_named(os, newname);
	struct fs_record *dst_hidden = dst_sc || dst_rec ? NULL : hidden_record(os, newname);
	if (dst_hidden && fs_delete_grace_committing(tree->deletes, fs_tree_object_index(tree, os),
						     dst_hidden->id))
		dst_hidden = NULL; /* rm's delay is over and its delete under way: a new name */
	int64_t src_id = src_rec ? src_rec->id : 0;
	int64_t dst_id = dst_rec ? dst_rec->id : dst_hidden ? dst_hidden->id : 0;
	if (!src_sc && !src_rec) {
		g_mutex_unlock(&tree->lock);
		return -ENOENT;
	}
	if ((flags & RENAME_NOREPLACE) && (dst_sc || dst_rec)) {
		g_mutex_unlock(&tree->lock);
		return -EEXIST;
	}
	if (strcmp(name, newname) == 0) {
		g_mutex_unlock(&tree->lock);
		return 0;
	}

	if (src_rec) {
		/* A record may only move to a scratch name: an editor's backup. */
		if (dst_id || (!dst_sc && fs_scratch_is_record_name(newname))) {
			g_mutex_unlock(&tree->lock);
			return error_set(err, EPERM,
					 "a record cannot be renamed to another record name");
		}
		g_mutex_unlock(&tree->lock);
		struct fs_content content;
		rc = fs_tree_open_content(tree, fs_tree_record_ino(os, src_id), 0, &content, err);
		if (rc)
			return rc;
		g_mutex_lock(&tree->lock);
		if (!dst_sc && (rc = fs_scratch_room(tree, os, err)) != 0) {
			g_mutex_unlock(&tree->lock);
			g_bytes_unref(content.bytes);
			return rc;
		}
		if (dst_sc)
			fs_scratch_remove_name(tree, os, dst_sc);
		struct fs_record *rec = fs_tree_find_record(os, src_id);
		struct fs_scratch *sc =
		    fs_scratch_new(tree, os, newname, 0644, tree->options.uid, tree->options.gid);
		gsize len;
		const char *data = g_bytes_get_data(content.bytes, &len);
		g_string_append_len(sc->content, data, (gssize)len);
		if (rec) {
			sc->mtime.tv_sec = (rec->mtime_ms > 0 ? rec->mtime_ms : 0) / 1000;
			sc->hides = g_strdup(name);
			g_hash_table_add(os->hidden, g_strdup(name));
		}
		g_mutex_unlock(&tree->lock);
		g_bytes_unref(content.bytes);
		/* The kernel moved the record's inode to the new name: correct it. */
		fs_tree_inval_entry(tree, os->dir_ino, newname);
		return 0;
	}

	/* The source is a scratch file. */
	if (dst_id) {
		/* Onto a name rm removed: the delete is off, whatever the commit answers. */
		bool undeleted =
		    dst_hidden &&
		    fs_delete_grace_cancel(tree->deletes, fs_tree_object_index(tree, os), dst_id);
		GBytes *mine = g_bytes_new(src_sc->content->str, src_sc->content->len);
		src_sc->refs++;
		g_mutex_unlock(&tree->lock);
		g_mutex_lock(&os->write_lock);
		rc = commit_update(tree, os, dst_id, mine, newname, err);
		g_mutex_unlock(&os->write_lock);
		g_bytes_unref(mine);
		g_mutex_lock(&tree->lock);
		if (rc == 0 && src_sc->name)
			fs_scratch_remove_name(tree, os, src_sc);
		if (rc == 0 || undeleted)
			g_hash_table_remove(os->hidden, newname);
		fs_tree_scratch_unref(src_sc);
		g_mutex_unlock(&tree->lock);
		fs_tree_inval_entry(tree, os->dir_ino, newname);
		fs_tree_inval_inode(tree, fs_tree_record_ino(os, dst_id));
		return rc;
	}
	if (!dst_sc && fs_scratch_is_record_name(newname)) {
		if (fs_tree_object_readonly(tree, os)) {
			g_mutex_unlock(&tree->lock);
			return error_set(err, EROFS, "object \"%s\" is read-only", os->obj->table);
		}
		src_sc->refs++;
		g_mutex_unlock(&tree->lock);
		rc = commit_insert(tree, os, src_sc, newname, err);
		g_mutex_lock(&tree->lock);
		if (rc == 0 && src_sc->name)
			fs_scratch_remove_name(tree, os, src_sc);
		fs_tree_scratch_unref(src_sc);
		g_mutex_unlock(&tree->lock);
		return rc;
	}
	fs_scratch_rename(tree, os, src_sc, newname);
	g_mutex_unlock(&tree->lock);
	return 0;
}
