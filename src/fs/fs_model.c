/*
 * fs_model: inode numbers, building and freeing the tree, and the questions the model
 * answers from memory (which object an inode is in, which record an id is).
 */
#include "fs_model.h"

#include <string.h>
#include <time.h>

#include "fs_record_cold.h"
#include "log.h"

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
		g_cond_init(&os->names_progress);
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

void fs_tree_stop_loading(struct fs_tree *tree)
{
	for (size_t i = 0; i < tree->nobjects; i++) {
		struct fs_object_state *os = &tree->objects[i];
		g_mutex_lock(&tree->lock);
		GThread *loader = os->names_loader;
		os->names_loader = NULL;
		g_mutex_unlock(&tree->lock);
		if (loader)
			g_thread_join(loader);
	}
}

void fs_tree_free(struct fs_tree *tree)
{
	if (!tree)
		return;
	fs_tree_stop_loading(tree); /* the loads use the tree */
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
		g_cond_clear(&os->names_progress);
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

/* --- what may be written ------------------------------------------------------------- */

bool fs_tree_object_readonly(const struct fs_tree *tree, const struct fs_object_state *os)
{
	return tree->options.readonly || os->obj->readonly;
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
