#include "fs_tree.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db_records.h"
#include "fs_tree_internal.h"
#include "log.h"
#include "record_render.h"

/* --- inode numbers ----------------------------------------------------------------- */

static uint64_t dir_ino_of(size_t index)
{
	return (uint64_t)(index + 1) << OBJECT_SHIFT;
}

uint64_t fs_tree_record_ino(const struct fs_object_state *os, int64_t id)
{
	return os->dir_ino + (uint64_t)id + 2;
}

bool fs_tree_hold_negative(struct fs_tree *tree, uint64_t parent, const char *name)
{
	if (parent == FS_ROOT_INO)
		return true; /* the objects are fixed for the life of the mount */
	uint64_t local;
	struct fs_object_state *os = fs_tree_object_of_ino(tree, parent, &local);
	if (!os || local != 0)
		return false;
	g_mutex_lock(&tree->lock);
	bool held = g_hash_table_contains(os->negatives, name);
	if (!held && g_hash_table_size(os->negatives) < NEGATIVE_NAMES_MAX) {
		g_hash_table_add(os->negatives, g_strdup(name));
		held = true;
	}
	g_mutex_unlock(&tree->lock);
	return held;
}

bool fs_tree_forget_negative(struct fs_object_state *os, const char *name)
{
	return g_hash_table_remove(os->negatives, name);
}

bool fs_tree_attr_volatile(uint64_t ino)
{
	return ino < SCRATCH_INO_BASE && (ino & ((UINT64_C(1) << OBJECT_SHIFT) - 1)) == 1;
}

bool fs_tree_is_dir(uint64_t ino)
{
	return ino == FS_ROOT_INO ||
	       (ino < SCRATCH_INO_BASE && (ino & ((UINT64_C(1) << OBJECT_SHIFT) - 1)) == 0);
}

/* Splits an inode into its object and the offset inside it (0 dir, 1 .errors, 2+ row). */
struct fs_object_state *fs_tree_object_of_ino(struct fs_tree *tree, uint64_t ino, uint64_t *local)
{
	uint64_t index = (ino >> OBJECT_SHIFT);
	if (ino == FS_ROOT_INO || index == 0 || index > tree->nobjects)
		return NULL;
	*local = ino & ((UINT64_C(1) << OBJECT_SHIFT) - 1);
	return &tree->objects[index - 1];
}

/* --- construction -------------------------------------------------------------- */

static bool object_selected(const struct fs_tree_options *options, const char *table)
{
	if (!options->only_objects)
		return true;
	for (char **p = options->only_objects; *p; p++)
		if (strcmp(*p, table) == 0)
			return true;
	return false;
}

void fs_tree_scratch_unref(struct fs_scratch *sc)
{
	if (!sc || --sc->refs > 0)
		return;
	g_string_free(sc->content, TRUE);
	g_free(sc->name);
	g_free(sc->hides);
	g_free(sc->error);
	g_free(sc);
}

static void scratch_unref_cb(gpointer data)
{
	fs_tree_scratch_unref(data);
}

struct fs_tree *fs_tree_new(struct db_pool *pool, struct db_catalog *catalog,
			    const struct fs_tree_options *options,
			    const struct fs_tree_notify *notify)
{
	struct fs_tree *tree = g_new0(struct fs_tree, 1);
	tree->pool = pool;
	tree->catalog = catalog;
	tree->options = *options;
	if (notify)
		tree->notify = *notify;
	g_mutex_init(&tree->lock);
	g_queue_init(&tree->lru);
	g_queue_init(&tree->served_lru);
	tree->orphans = g_array_new(FALSE, FALSE, sizeof(struct fs_orphan));
	tree->deletes = fs_delete_grace_new(options->delete_delay_ms);
	tree->scratch_by_ino =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, scratch_unref_cb);
	tree->next_scratch_ino = SCRATCH_INO_BASE;
	tree->lastops = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(tree->lastops, g_strdup(""));
	tree->objects = g_new0(struct fs_object_state, catalog->nobjects);
	for (size_t i = 0; i < catalog->nobjects; i++) {
		if (!object_selected(options, catalog->objects[i].table))
			continue;
		struct fs_object_state *os = &tree->objects[tree->nobjects];
		os->obj = &catalog->objects[i];
		os->dir_ino = dir_ino_of(tree->nobjects);
		g_mutex_init(&os->load_lock);
		fs_record_set_init(&os->records);
		os->colds = g_hash_table_new(g_int64_hash, g_int64_equal);
		os->bad_rows = g_ptr_array_new_with_free_func(g_free);
		os->scratch =
		    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, scratch_unref_cb);
		os->aliases = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		os->hidden = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		os->negatives = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		g_mutex_init(&os->write_lock);
		tree->nobjects++;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	tree->mount_time_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	return tree;
}

void fs_tree_free(struct fs_tree *tree)
{
	if (!tree)
		return;
	GArray *undone = fs_pending_delete_array_new();
	fs_delete_grace_take_all(tree->deletes, undone);
	for (guint i = 0; i < undone->len; i++) {
		struct fs_pending_delete *d = &g_array_index(undone, struct fs_pending_delete, i);
		log_warn("%s/%s: not deleted: the mount ended before delete_delay passed, so the "
			 "record is kept",
			 tree->objects[d->object].obj->table, d->name);
	}
	g_array_free(undone, TRUE);
	fs_delete_grace_free(tree->deletes);
	for (size_t i = 0; i < tree->nobjects; i++) {
		struct fs_object_state *os = &tree->objects[i];
		for (guint r = 0; r < fs_record_set_len(&os->records); r++)
			fs_record_cold_free(tree, os, fs_record_set_at(&os->records, r));
		fs_record_set_clear(&os->records);
		g_hash_table_destroy(os->colds);
		g_ptr_array_free(os->bad_rows, TRUE);
		g_hash_table_destroy(os->scratch);
		g_hash_table_destroy(os->aliases);
		g_hash_table_destroy(os->hidden);
		g_hash_table_destroy(os->negatives);
		g_mutex_clear(&os->load_lock);
		g_mutex_clear(&os->write_lock);
	}
	g_hash_table_destroy(tree->scratch_by_ino);
	g_array_free(tree->orphans, TRUE);
	g_ptr_array_free(tree->lastops, TRUE);
	g_free(tree->objects);
	g_mutex_clear(&tree->lock);
	g_free(tree);
}

/* --- records (tree lock held) --------------------------------------------------------- */

guint fs_tree_find_index(const struct fs_object_state *os, int64_t id, bool *found)
{
	return fs_record_set_find_index(&os->records, id, found);
}

struct fs_record *fs_tree_find_record(const struct fs_object_state *os, int64_t id)
{
	return fs_record_set_find(&os->records, id);
}

void fs_tree_inval_inode(struct fs_tree *tree, uint64_t ino)
{
	if (tree->notify.inval_inode)
		tree->notify.inval_inode(tree->notify.ctx, ino);
}

void fs_tree_inval_entry(struct fs_tree *tree, uint64_t parent, const char *name)
{
	if (tree->notify.inval_entry)
		tree->notify.inval_entry(tree->notify.ctx, parent, name);
}

/* --- attributes --------------------------------------------------------------------- */

static struct timespec ms_to_timespec(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	return ts;
}

static void fill_common(const struct fs_tree *tree, struct stat *st, uint64_t ino)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = tree->options.uid;
	st->st_gid = tree->options.gid;
	st->st_blksize = 4096;
}

static void fill_dir(const struct fs_tree *tree, struct stat *st, uint64_t ino)
{
	fill_common(tree, st, ino);
	st->st_mode = S_IFDIR | (0777 & ~tree->options.umask);
	st->st_nlink = 2;
	st->st_mtim = st->st_ctim = st->st_atim = ms_to_timespec(tree->mount_time_ms);
}

bool fs_tree_object_readonly(const struct fs_tree *tree, const struct fs_object_state *os)
{
	return tree->options.readonly || os->obj->readonly;
}

void fs_tree_fill_record(struct fs_tree *tree, const struct fs_object_state *os,
			 struct fs_record *rec, struct stat *st)
{
	fill_common(tree, st, fs_tree_record_ino(os, rec->id));
	st->st_mode =
	    S_IFREG | ((fs_tree_object_readonly(tree, os) ? 0444 : 0666) & ~tree->options.umask);
	st->st_nlink = 1;
	const GString *pending = rec_pending(os, rec);
	uint32_t size = pending ? (uint32_t)pending->len : rec->size;
	st->st_size = size;
	st->st_blocks = (size + 511) / 512;
	int64_t mtime = rec->mtime_ms >= 0 ? rec->mtime_ms : tree->mount_time_ms;
	if (rec_local_write_ms(os, rec) > mtime)
		mtime = rec_local_write_ms(os, rec);
	st->st_mtim = st->st_ctim = st->st_atim = ms_to_timespec(mtime);
	rec->kernel_size = size;
}

void fs_tree_fill_scratch(struct fs_tree *tree, const struct fs_scratch *sc, struct stat *st)
{
	fill_common(tree, st, sc->ino);
	st->st_mode = S_IFREG | (sc->mode & 07777);
	st->st_uid = sc->uid;
	st->st_gid = sc->gid;
	st->st_nlink = sc->name ? 1 : 0;
	st->st_size = (off_t)sc->content->len;
	st->st_blocks = (st->st_size + 511) / 512;
	st->st_mtim = st->st_ctim = st->st_atim = sc->mtime;
}

/* The .errors text of an object (tree lock held). */
static GString *render_errors(const struct fs_tree *tree, const struct fs_object_state *os)
{
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < fs_record_set_len(&os->records); i++) {
		const struct fs_record *rec = fs_record_set_at(&os->records, i);
		if (!rec_cold(os, rec))
			continue;
		const char *name = fs_record_name(os, rec);
		if (rec_cold(os, rec)->fs_error)
			g_string_append_printf(out, "%s\tforcefs\t%s\n", name, rec_cold(os, rec)->fs_error);
		if (rec_cold(os, rec)->sf_error && strcmp(fs_record_lastop(tree, os, rec), "FAILED") == 0)
			g_string_append_printf(out, "%s\tsalesforce\t%s\n", name,
					       rec_cold(os, rec)->sf_error);
	}
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, os->scratch);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		const struct fs_scratch *sc = value;
		if (sc->error)
			g_string_append_printf(out, "%s\tforcefs\t%s\n", sc->name, sc->error);
	}
	for (guint i = 0; i < os->bad_rows->len; i++)
		g_string_append_printf(out, "%s\n",
				       (const char *)g_ptr_array_index(os->bad_rows, i));
	return out;
}

static void fill_errors(struct fs_tree *tree, const struct fs_object_state *os, struct stat *st)
{
	fill_common(tree, st, os->dir_ino + 1);
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	GString *text = render_errors(tree, os);
	st->st_size = (off_t)text->len;
	g_string_free(text, TRUE);
	st->st_mtim = st->st_ctim = st->st_atim = ms_to_timespec(tree->mount_time_ms);
}

/* A scratch inode, or one that became a record when its content was inserted. */
static int getattr_scratch(struct fs_tree *tree, uint64_t ino, struct stat *st, struct error *err)
{
	g_mutex_lock(&tree->lock);
	struct fs_scratch *sc = g_hash_table_lookup(tree->scratch_by_ino, &ino);
	int64_t record_id = sc ? sc->record_id : 0;
	size_t object = sc ? sc->object : 0;
	if (sc && record_id == 0)
		fs_tree_fill_scratch(tree, sc, st);
	g_mutex_unlock(&tree->lock);
	if (!sc)
		return -ENOENT;
	if (record_id == 0)
		return 0;
	struct fs_object_state *os = &tree->objects[object];
	return fs_tree_getattr(tree, fs_tree_record_ino(os, record_id), st, err);
}

/*
 * Read-ahead: a reader going through the listing in order (grep -r looks up and opens
 * record after record) gets records fetched in batches; a lookup or cat of a lone
 * record fetches only that record. Tree lock held.
 */
static bool note_access(struct fs_object_state *os, guint at, int kind)
{
	/* The same record again is the read that follows an open made on the kernel's
	 * pages, which it had dropped: it continues the reader's sequence, if any. */
	if (os->has_last[kind] && at == os->last_at[kind])
		return os->was_sequential[kind];
	bool sequential = os->has_last[kind] && at == os->last_at[kind] + 1;
	os->last_at[kind] = at;
	os->has_last[kind] = true;
	os->was_sequential[kind] = sequential;
	return sequential;
}

/* Ids of the record at `at` and of the next ones without content, `limit` in all. */
static GArray *ids_from(struct fs_object_state *os, guint at, int limit)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	for (guint i = at; i < fs_record_set_len(&os->records) && (int)ids->len < limit; i++) {
		struct fs_record *next = fs_record_set_at(&os->records, i);
		if (i == at || !rec_content(os, next))
			g_array_append_val(ids, next->id);
	}
	return ids;
}

/*
 * A record inode the tree does not know (the kernel kept it across a reload, or asks
 * right after mounting): its one row is read by id, whatever the size of the table,
 * rather than the whole listing. No lock held.
 */
static int fetch_if_unknown(struct fs_tree *tree, struct fs_object_state *os, int64_t id,
			    struct error *err)
{
	g_mutex_lock(&tree->lock);
	bool known = fs_tree_find_record(os, id) != NULL;
	g_mutex_unlock(&tree->lock);
	if (known || id < 1 || id > ROW_ID_MAX)
		return 0;
	return fs_tree_fetch(tree, os, &id, 1, err);
}

int fs_tree_getattr(struct fs_tree *tree, uint64_t ino, struct stat *st, struct error *err)
{
	if (ino == FS_ROOT_INO) {
		fill_dir(tree, st, ino);
		return 0;
	}
	if (ino >= SCRATCH_INO_BASE)
		return getattr_scratch(tree, ino, st, err);
	uint64_t local;
	struct fs_object_state *os = fs_tree_object_of_ino(tree, ino, &local);
	if (!os)
		return -ENOENT;
	if (local == 0) {
		fill_dir(tree, st, ino);
		return 0;
	}
	int rc = local == 1 ? 0 : fetch_if_unknown(tree, os, (int64_t)local - 2, err);
	if (rc)
		return rc;
	g_mutex_lock(&tree->lock);
	rc = -ENOENT;
	GArray *ids = NULL;
	if (local == 1) {
		fill_errors(tree, os, st);
		rc = 0;
	} else {
		bool found;
		guint at = fs_tree_find_index(os, (int64_t)local - 2, &found);
		struct fs_record *rec = found ? fs_record_set_at(&os->records, at) : NULL;
		bool sequential = found && note_access(os, at, 0);
		if (rec && rec_sized(rec)) {
			fs_tree_fill_record(tree, os, rec, st);
			rc = 0;
		} else if (rec) {
			ids = ids_from(os, at, sequential ? tree->options.batch_size : 1);
			rc = -EAGAIN;
		}
	}
	g_mutex_unlock(&tree->lock);
	if (rc == -EAGAIN) {
		/* Known by name but not sized: render it (cached for the open that follows). */
		rc = fs_tree_fetch(tree, os, (const int64_t *)(void *)ids->data, ids->len, err);
		g_array_free(ids, TRUE);
		if (rc)
			return rc;
		g_mutex_lock(&tree->lock);
		struct fs_record *rec = fs_tree_find_record(os, (int64_t)local - 2);
		rc = -ENOENT;
		if (rec && rec_sized(rec)) {
			fs_tree_fill_record(tree, os, rec, st);
			rc = 0;
		}
		g_mutex_unlock(&tree->lock);
	}
	return rc;
}

int fs_tree_lookup(struct fs_tree *tree, uint64_t parent, const char *name, struct stat *st,
		   struct error *err)
{
	if (strlen(name) > FS_NAME_MAX)
		return -ENAMETOOLONG;
	if (parent == FS_ROOT_INO) {
		for (size_t i = 0; i < tree->nobjects; i++)
			if (strcmp(tree->objects[i].obj->table, name) == 0) {
				fill_dir(tree, st, tree->objects[i].dir_ino);
				return 0;
			}
		return -ENOENT;
	}
	uint64_t local;
	struct fs_object_state *os = fs_tree_object_of_ino(tree, parent, &local);
	if (!os || local != 0)
		return -ENOTDIR;
	if (strcmp(name, ERRORS_NAME) == 0)
		return fs_tree_getattr(tree, os->dir_ino + 1, st, err);
	g_mutex_lock(&tree->lock);
	bool listed = os->names_loaded;
	bool known = fs_record_set_named(&os->records, name) ||
		     g_hash_table_contains(os->scratch, name) ||
		     g_hash_table_contains(os->aliases, name);
	g_mutex_unlock(&tree->lock);
	if (!listed && !known) {
		/* Right after mounting: read just this record rather than the whole listing. */
		int rc = fs_tree_fetch_named(tree, os, name, err);
		if (rc)
			return rc;
	}
	g_mutex_lock(&tree->lock);
	int64_t id = -1;
	uint64_t scratch_ino = 0;
	struct fs_scratch *sc = g_hash_table_lookup(os->scratch, name);
	if (sc) {
		scratch_ino = sc->ino;
	} else if (!g_hash_table_contains(os->hidden, name)) {
		struct fs_record *rec = fs_record_set_named(&os->records, name);
		const int64_t *alias = g_hash_table_lookup(os->aliases, name);
		if (rec)
			id = rec->id;
		else if (alias && fs_tree_find_record(os, *alias))
			id = *alias;
	}
	g_mutex_unlock(&tree->lock);
	if (scratch_ino)
		return getattr_scratch(tree, scratch_ino, st, err);
	if (id < 0)
		return -ENOENT;
	return fs_tree_getattr(tree, fs_tree_record_ino(os, id), st, err);
}

/* --- listing -------------------------------------------------------------------------- */

int fs_tree_list(struct fs_tree *tree, uint64_t ino, off_t offset, bool with_attrs, fs_dirent_fn fn,
		 void *ctx, struct error *err)
{
	struct fs_dirent e;
	if (ino == FS_ROOT_INO) {
		for (off_t i = offset; i < (off_t)tree->nobjects + 2; i++) {
			if (i < 2) {
				e.name = i == 0 ? "." : "..";
				fill_dir(tree, &e.st, FS_ROOT_INO);
			} else {
				const struct fs_object_state *os = &tree->objects[i - 2];
				e.name = os->obj->table;
				fill_dir(tree, &e.st, os->dir_ino);
			}
			e.cookie = i + 1;
			if (fn(&e, ctx))
				break;
		}
		return 0;
	}
	uint64_t local;
	struct fs_object_state *os = fs_tree_object_of_ino(tree, ino, &local);
	if (!os || local != 0)
		return -ENOTDIR;
	/* The first chunk of a listing needs names only (`ls -f` never stats): entries
	 * without a known size go out as names, and the kernel looks them up if needed. */
	int rc = fs_tree_ensure_loaded(tree, os, with_attrs && offset > 0, err);
	if (rc)
		return rc;

	g_mutex_lock(&tree->lock);
	for (off_t i = offset; i < 3; i++) {
		if (i < 2) {
			e.name = i == 0 ? "." : "..";
			fill_dir(tree, &e.st, i == 0 ? ino : FS_ROOT_INO);
		} else {
			e.name = ERRORS_NAME;
			fill_errors(tree, os, &e.st);
		}
		e.cookie = i + 1;
		if (fn(&e, ctx))
			goto out;
	}
	/* Record cookies are row id + 3, so a listing survives rows coming and going. */
	bool found;
	int64_t after = offset < 3 ? 0 : (int64_t)offset - 3;
	guint at = fs_tree_find_index(os, after + 1, &found);
	guint nrecords = fs_record_set_len(&os->records);
	if (offset >= SCRATCH_COOKIE_BASE)
		at = nrecords;
	bool any_hidden = g_hash_table_size(os->hidden) > 0;
	for (guint i = at; i < nrecords; i++) {
		struct fs_record *rec = fs_record_set_at(&os->records, i);
		e.name = fs_record_name(os, rec);
		if (any_hidden && g_hash_table_contains(os->hidden, e.name))
			continue;
		if (with_attrs && rec_sized(rec)) {
			fs_tree_fill_record(tree, os, rec, &e.st);
		} else {
			fill_common(tree, &e.st, fs_tree_record_ino(os, rec->id));
			e.st.st_mode = S_IFREG;
		}
		e.cookie = (off_t)rec->id + 3;
		if (fn(&e, ctx))
			goto out;
	}
	/* Scratch files come last, in name order; their cookies count from a base. */
	GList *names = g_list_sort(g_hash_table_get_keys(os->scratch), (GCompareFunc)strcmp);
	off_t n = 0;
	for (GList *l = names; l; l = l->next, n++) {
		if (SCRATCH_COOKIE_BASE + n < offset)
			continue;
		struct fs_scratch *sc = g_hash_table_lookup(os->scratch, l->data);
		e.name = sc->name;
		fs_tree_fill_scratch(tree, sc, &e.st);
		e.cookie = SCRATCH_COOKIE_BASE + n + 1;
		if (fn(&e, ctx))
			break;
	}
	g_list_free(names);
out:
	g_mutex_unlock(&tree->lock);
	return 0;
}

/* --- content -------------------------------------------------------------------------- */

static int open_errors(struct fs_tree *tree, struct fs_object_state *os, struct fs_content *out,
		       struct error *err)
{
	int rc = fs_tree_ensure_loaded(tree, os, false, err);
	if (rc)
		return rc;
	g_mutex_lock(&tree->lock);
	GString *text = render_errors(tree, os);
	g_mutex_unlock(&tree->lock);
	out->keep_cache = false;
	out->size_stale = true; /* always read it fresh */
	gsize len = text->len;
	out->bytes = g_bytes_new_take(g_string_free(text, FALSE), len);
	return 0;
}

int fs_tree_open_content(struct fs_tree *tree, uint64_t ino, int how, struct fs_content *out,
			 struct error *err)
{
	bool served = how & FS_CONTENT_SERVED;
	uint64_t local;
	struct fs_object_state *os = fs_tree_object_of_ino(tree, ino, &local);
	if (!os || local == 0)
		return -EISDIR;
	if (local == 1)
		return open_errors(tree, os, out, err);
	int64_t id = (int64_t)local - 2;
	int rc = fetch_if_unknown(tree, os, id, err);
	if (rc)
		return rc;
	for (int attempt = 0; attempt < 2; attempt++) {
		g_mutex_lock(&tree->lock);
		bool found;
		guint at = fs_tree_find_index(os, id, &found);
		if (!found) {
			g_mutex_unlock(&tree->lock);
			return -ENOENT;
		}
		struct fs_record *rec = fs_record_set_at(&os->records, at);
		bool sequential = attempt == 0 && note_access(os, at, 1);
		if (rec_content(os, rec)) {
			GBytes *content = rec_cold(os, rec)->content;
			fs_tree_cache_touch(tree, os, rec);
			if (served && rec_cold(os, rec)->served != content)
				fs_tree_set_served(tree, os, rec, content);
			const GString *pending = rec_cold(os, rec)->pending;
			if (pending) {
				/* Written but not committed: show what was written, uncached. */
				out->bytes = g_bytes_new(pending->str, pending->len);
				out->size_stale = true;
				out->keep_cache = false;
				rec->kernel_version = 0;
				g_mutex_unlock(&tree->lock);
				return 0;
			}
			out->bytes = g_bytes_ref(content);
			out->version = rec->version;
			out->size_stale = rec->kernel_size != g_bytes_get_size(content);
			out->keep_cache = !out->size_stale && rec->kernel_version == rec->version;
			rec->kernel_version = out->size_stale ? 0 : rec->version;
			g_mutex_unlock(&tree->lock);
			return 0;
		}
		if ((how & FS_CONTENT_KERNEL_PAGES) && !rec_pending(os, rec) && rec_sized(rec) &&
		    rec->kernel_version == rec->version && rec->kernel_size == rec->size) {
			/* Evicted here, but the kernel still caches exactly this version (a warm
			 * grep -r): let it serve its pages; a read that misses them fetches. */
			out->bytes = NULL;
			out->size_stale = false;
			out->keep_cache = true;
			out->version = rec->version;
			g_mutex_unlock(&tree->lock);
			return 0;
		}
		if (attempt == 1) {
			g_mutex_unlock(&tree->lock);
			return -ENOENT;
		}
		/* Not cached: fetch it, with the records that follow it for a reader that goes
		 * through the listing in order. */
		GArray *ids = ids_from(os, at, sequential ? tree->options.batch_size : 1);
		g_mutex_unlock(&tree->lock);
		rc = fs_tree_fetch(tree, os, (const int64_t *)(void *)ids->data, ids->len, err);
		g_array_free(ids, TRUE);
		if (rc)
			return rc;
	}
	return -ENOENT;
}

void fs_tree_forget(struct fs_tree *tree, uint64_t ino)
{
	uint64_t local;
	struct fs_object_state *os =
	    ino < SCRATCH_INO_BASE ? fs_tree_object_of_ino(tree, ino, &local) : NULL;
	if (!os || local < 2)
		return;
	g_mutex_lock(&tree->lock);
	struct fs_record *rec = fs_tree_find_record(os, (int64_t)local - 2);
	if (rec) {
		rec->kernel_version = 0;
		rec->kernel_size = UINT32_MAX;
	}
	g_mutex_unlock(&tree->lock);
}

/* --- extended attributes ---------------------------------------------------------------- */

static const char *const xattr_names[] = {"user.forcefs.state", "user.forcefs.error",
					  "user.forcefs.id"};

static struct fs_record *record_of_ino(struct fs_tree *tree, uint64_t ino,
				       struct fs_object_state **os_out)
{
	uint64_t local;
	struct fs_object_state *os = fs_tree_object_of_ino(tree, ino, &local);
	if (!os || local < 2)
		return NULL;
	*os_out = os;
	return fs_tree_find_record(os, (int64_t)local - 2);
}

int fs_tree_getxattr(struct fs_tree *tree, uint64_t ino, const char *name, char **value,
		     struct error *err)
{
	struct fs_object_state *os = NULL;
	uint64_t local;
	if (!fs_tree_object_of_ino(tree, ino, &local) || local < 2)
		return -ENODATA;
	g_mutex_lock(&tree->lock);
	struct fs_record *rec = record_of_ino(tree, ino, &os);
	int rc = 0;
	if (!rec)
		rc = -ENOENT;
	else if (strcmp(name, "user.forcefs.state") == 0)
		*value = g_strdup(fs_record_lastop(tree, os, rec)[0] ? fs_record_lastop(tree, os, rec)
								  : "SYNCED");
	else if (strcmp(name, "user.forcefs.id") == 0)
		*value = g_strdup_printf("%" PRId64, rec->id);
	else if (strcmp(name, "user.forcefs.error") == 0 && rec_fs_error(os, rec))
		*value = g_strdup(rec_fs_error(os, rec));
	else if (strcmp(name, "user.forcefs.error") == 0 && rec_sf_error(os, rec) &&
		 strcmp(fs_record_lastop(tree, os, rec), "FAILED") == 0)
		*value = g_strdup(rec_sf_error(os, rec));
	else
		rc = -ENODATA;
	g_mutex_unlock(&tree->lock);
	return rc;
}

int fs_tree_listxattr(struct fs_tree *tree, uint64_t ino, GString *names, struct error *err)
{
	struct fs_object_state *os = NULL;
	uint64_t local;
	if (!fs_tree_object_of_ino(tree, ino, &local) || local < 2)
		return 0;
	g_mutex_lock(&tree->lock);
	struct fs_record *rec = record_of_ino(tree, ino, &os);
	if (rec) {
		for (size_t i = 0; i < G_N_ELEMENTS(xattr_names); i++) {
			if (i == 1 && !rec_fs_error(os, rec) &&
			    !(rec_sf_error(os, rec) && strcmp(fs_record_lastop(tree, os, rec), "FAILED") == 0))
				continue;
			g_string_append_len(names, xattr_names[i],
					    (gssize)strlen(xattr_names[i]) + 1);
		}
	}
	g_mutex_unlock(&tree->lock);
	return rec ? 0 : -ENOENT;
}

/* --- the watcher's side ---------------------------------------------------------------- */

size_t fs_tree_object_count(const struct fs_tree *tree)
{
	return tree->nobjects;
}

const struct db_object *fs_tree_object(const struct fs_tree *tree, size_t index)
{
	return tree->objects[index].obj;
}

bool fs_tree_object_loaded(struct fs_tree *tree, size_t index)
{
	g_mutex_lock(&tree->lock);
	/* Records fetched one by one before the listing was loaded are watched too, and so
	 * are names the kernel holds a negative entry for: they must be taken back. */
	const struct fs_object_state *os = &tree->objects[index];
	bool loaded = os->names_loaded || fs_record_set_len(&os->records) > 0 ||
		      g_hash_table_size(os->negatives) > 0;
	g_mutex_unlock(&tree->lock);
	return loaded;
}
