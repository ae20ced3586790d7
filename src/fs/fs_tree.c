#include "fs_tree.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "fs_attr.h"
#include "fs_load.h"
#include "fs_model.h"
#include "fs_record_cold.h"
#include "fs_scratch.h"

/* A scratch inode, or one that became a record when its content was inserted. */
static int getattr_scratch(struct fs_tree *tree, uint64_t ino, struct stat *st, struct error *err)
{
	g_mutex_lock(&tree->lock);
	struct fs_object_state *record_os;
	int64_t record_id;
	struct fs_scratch *sc = fs_scratch_by_ino(tree, ino, &record_os, &record_id);
	if (sc)
		fs_tree_fill_scratch(tree, sc, st);
	g_mutex_unlock(&tree->lock);
	if (record_id)
		return fs_tree_getattr(tree, fs_tree_record_ino(record_os, record_id), st, err);
	return sc ? 0 : -ENOENT;
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
		fs_tree_fill_dir(tree, st, ino);
		return 0;
	}
	if (ino >= SCRATCH_INO_BASE)
		return getattr_scratch(tree, ino, st, err);
	uint64_t local;
	struct fs_object_state *os = fs_tree_object_of_ino(tree, ino, &local);
	if (!os)
		return -ENOENT;
	if (local == 0) {
		fs_tree_fill_dir(tree, st, ino);
		return 0;
	}
	int rc = local == 1 ? 0 : fetch_if_unknown(tree, os, (int64_t)local - 2, err);
	if (rc)
		return rc;
	g_mutex_lock(&tree->lock);
	rc = -ENOENT;
	GArray *ids = NULL;
	if (local == 1) {
		fs_tree_fill_errors(tree, os, st);
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
				fs_tree_fill_dir(tree, st, tree->objects[i].dir_ino);
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
				fs_tree_fill_dir(tree, &e.st, FS_ROOT_INO);
			} else {
				const struct fs_object_state *os = &tree->objects[i - 2];
				e.name = os->obj->table;
				fs_tree_fill_dir(tree, &e.st, os->dir_ino);
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
	bool sizes = with_attrs && offset > 0;
	int rc = sizes ? fs_tree_ensure_loaded(tree, os, true, err) : 0;
	if (rc)
		return rc;

	g_mutex_lock(&tree->lock);
	/* Names not loaded yet: they load in a thread of their own while this listing
	 * sends the ones that have arrived (docs/architecture.md, "How a read flows"). */
	fs_tree_start_names_load(tree, os);
	for (off_t i = offset; i < 3; i++) {
		if (i < 2) {
			e.name = i == 0 ? "." : "..";
			fs_tree_fill_dir(tree, &e.st, i == 0 ? ino : FS_ROOT_INO);
		} else {
			e.name = ERRORS_NAME;
			fs_tree_fill_errors(tree, os, &e.st);
		}
		e.cookie = i + 1;
		if (fn(&e, ctx))
			goto out;
	}
	/* Record cookies are row id + 3, so a listing survives rows coming and going. */
	if (offset < SCRATCH_COOKIE_BASE) {
		int64_t next = offset < 3 ? 1 : (int64_t)offset - 3 + 1; /* first id to send */
		for (;;) {
			bool loaded = os->names_loaded;
			/* While loading, rows up to names_upto are final; records known from
			 * before that the scan has not seen again are gone from the table. */
			int64_t upto = loaded ? INT64_MAX : os->names_upto;
			bool any_hidden = g_hash_table_size(os->hidden) > 0;
			bool found;
			guint nrecords = fs_record_set_len(&os->records);
			for (guint i = fs_tree_find_index(os, next, &found); i < nrecords; i++) {
				struct fs_record *rec = fs_record_set_at(&os->records, i);
				if (rec->id > upto)
					break;
				next = rec->id + 1;
				if (!loaded && !(rec->flags & FS_RECORD_SEEN))
					continue;
				e.name = fs_record_name(os, rec);
				if (any_hidden && g_hash_table_contains(os->hidden, e.name))
					continue;
				if (with_attrs && rec_sized(rec)) {
					fs_tree_fill_record(tree, os, rec, &e.st);
				} else {
					fs_tree_fill_common(tree, &e.st,
							    fs_tree_record_ino(os, rec->id));
					e.st.st_mode = S_IFREG;
				}
				e.cookie = (off_t)rec->id + 3;
				if (fn(&e, ctx))
					goto out;
			}
			if (loaded)
				break;
			if (!os->names_loading) {
				if (os->names_rc) { /* the load failed before the last row */
					rc = os->names_rc;
					goto out;
				}
				fs_tree_start_names_load(tree, os); /* forgotten since: again */
				continue;
			}
			g_cond_wait(&os->names_progress, &tree->lock);
		}
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
	return rc;
}

/* --- content -------------------------------------------------------------------------- */

static int open_errors(struct fs_tree *tree, struct fs_object_state *os, struct fs_content *out,
		       struct error *err)
{
	int rc = fs_tree_ensure_loaded(tree, os, false, err);
	if (rc)
		return rc;
	g_mutex_lock(&tree->lock);
	GString *text = fs_tree_render_errors(tree, os);
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
		*value =
		    g_strdup(fs_record_lastop(tree, os, rec)[0] ? fs_record_lastop(tree, os, rec)
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
			    !(rec_sf_error(os, rec) &&
			      strcmp(fs_record_lastop(tree, os, rec), "FAILED") == 0))
				continue;
			g_string_append_len(names, xattr_names[i],
					    (gssize)strlen(xattr_names[i]) + 1);
		}
	}
	g_mutex_unlock(&tree->lock);
	return rec ? 0 : -ENOENT;
}

/* --- read ---------------------------------------------------------------------------- */

static GBytes *slice(const char *data, size_t len, off_t off, size_t size)
{
	if (off < 0 || (size_t)off >= len)
		return g_bytes_new(NULL, 0);
	size_t n = len - (size_t)off < size ? len - (size_t)off : size;
	return g_bytes_new(data + off, n);
}

GBytes *fs_tree_read(struct fs_tree *tree, struct fs_handle *h, off_t off, size_t size)
{
	GBytes *out = NULL;
	g_mutex_lock(&tree->lock);
	if (h->scratch) {
		out = slice(h->scratch->content->str, h->scratch->content->len, off, size);
	} else if (h->record_id) {
		const struct fs_object_state *ros = &tree->objects[h->object];
		struct fs_record *rec = fs_tree_find_record(ros, h->record_id);
		const GString *pending = rec ? rec_pending(ros, rec) : NULL;
		if (pending && h->writable)
			out = slice(pending->str, pending->len, off, size);
	}
	g_mutex_unlock(&tree->lock);
	if (!out && !h->snapshot) {
		/* Opened on the kernel's pages, which it no longer has: fetch now. */
		struct fs_content content;
		struct error err = {0};
		struct fs_object_state *os = &tree->objects[h->object];
		if (fs_tree_open_content(tree, fs_tree_record_ino(os, h->record_id), 0, &content,
					 &err) != 0)
			return NULL;
		if (content.version != h->version) {
			/* The record changed since the open that trusted the kernel's pages: its
			 * bytes would not match the pages the kernel still has. EIO, never a torn
			 * file; the invalidation on its way makes the next open read anew. */
			g_bytes_unref(content.bytes);
			return NULL;
		}
		if (!g_atomic_pointer_compare_and_exchange(&h->snapshot, NULL, content.bytes))
			g_bytes_unref(content.bytes);
	}
	if (!out) {
		gsize len;
		const char *data = g_bytes_get_data(h->snapshot, &len);
		out = slice(data, len, off, size);
	}
	return out;
}
