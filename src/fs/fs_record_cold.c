/*
 * fs_record_cold: what only some records have (cached and served bytes, pending
 * writes, writers, errors, a rare _hc_lastop), kept beside the compact records of
 * fs_record_set, and the two LRUs bounded by cache_size that hold those bytes.
 * Everything here runs with the tree lock held.
 */
#include <string.h>

#include "fs_record_cold.h"

/* --- the rare state of a record ------------------------------------------------------ */

struct fs_record_cold *fs_record_cold(struct fs_tree *tree, const struct fs_object_state *os,
				      struct fs_record *rec)
{
	struct fs_record_cold *c = rec_cold(os, rec);
	if (!c) {
		c = g_new0(struct fs_record_cold, 1);
		c->object = fs_tree_object_index(tree, os);
		c->id = rec->id;
		c->local_write_ms = -1;
		g_hash_table_add(os->colds, c);
		rec->flags |= FS_RECORD_COLD;
	}
	return c;
}

static void cold_forget(const struct fs_object_state *os, struct fs_record *rec,
			struct fs_record_cold *c)
{
	g_hash_table_remove(os->colds, c);
	rec->flags &= (uint8_t)~FS_RECORD_COLD;
	g_free(c);
}

void fs_record_cold_trim(const struct fs_object_state *os, struct fs_record *rec)
{
	struct fs_record_cold *c = rec_cold(os, rec);
	if (!c || c->content || c->served || c->pending || c->writers || c->fs_error ||
	    c->sf_error || c->lastop || c->local_write_ms >= 0)
		return;
	cold_forget(os, rec, c);
}

static void cache_unlink(struct fs_tree *tree, const struct fs_object_state *os,
			 struct fs_record *rec);
static void served_unlink(struct fs_tree *tree, const struct fs_object_state *os,
			  struct fs_record *rec);

void fs_record_cold_free(struct fs_tree *tree, const struct fs_object_state *os,
			 struct fs_record *rec)
{
	struct fs_record_cold *c = rec_cold(os, rec);
	if (!c)
		return;
	if (c->content)
		cache_unlink(tree, os, rec);
	if (c->served)
		served_unlink(tree, os, rec);
	if (c->pending)
		g_string_free(c->pending, TRUE);
	g_free(c->fs_error);
	g_free(c->sf_error);
	g_free(c->lastop);
	cold_forget(os, rec, c);
}

/* _hc_lastop takes a handful of values (SYNCED, PENDING, FAILED...): each record keeps
 * a one-byte code of the tree's table; a 255th distinct value and later ones are kept
 * in the record's cold state. */
#define LASTOP_IN_COLD 255

void fs_record_set_lastop(struct fs_tree *tree, const struct fs_object_state *os,
			  struct fs_record *rec, const char *lastop)
{
	if (!lastop)
		lastop = "";
	if (rec_cold(os, rec) && rec_cold(os, rec)->lastop) {
		g_free(rec_cold(os, rec)->lastop);
		rec_cold(os, rec)->lastop = NULL;
	}
	for (guint i = 0; i < tree->lastops->len; i++)
		if (strcmp(g_ptr_array_index(tree->lastops, i), lastop) == 0) {
			rec->lastop = (uint8_t)i;
			fs_record_cold_trim(os, rec);
			return;
		}
	if (tree->lastops->len < LASTOP_IN_COLD) {
		rec->lastop = (uint8_t)tree->lastops->len;
		g_ptr_array_add(tree->lastops, g_strdup(lastop));
		fs_record_cold_trim(os, rec);
		return;
	}
	rec->lastop = LASTOP_IN_COLD;
	fs_record_cold(tree, os, rec)->lastop = g_strdup(lastop);
}

const char *fs_record_lastop(const struct fs_tree *tree, const struct fs_object_state *os,
			     const struct fs_record *rec)
{
	if (rec->lastop == LASTOP_IN_COLD)
		return rec_cold(os, rec)->lastop;
	return g_ptr_array_index(tree->lastops, rec->lastop);
}

/* --- the content cache (tree lock held) --------------------------------------------- */

/* The record a cold state belongs to (every cold state has one). */
static struct fs_record *owner_of(struct fs_tree *tree, const struct fs_record_cold *cold)
{
	const struct fs_object_state *os = &tree->objects[cold->object];
	struct fs_record *rec = fs_record_set_find(&os->records, cold->id);
	g_assert(rec && rec_cold(os, rec) == cold);
	return rec;
}

static void cache_unlink(struct fs_tree *tree, const struct fs_object_state *os,
			 struct fs_record *rec)
{
	struct fs_record_cold *c = rec_cold(os, rec);
	g_queue_unlink(&tree->lru, &c->lru_link);
	tree->cached_bytes -= g_bytes_get_size(c->content);
	g_bytes_unref(c->content);
	c->content = NULL;
	c->content_version = 0;
}

void fs_tree_cache_drop(struct fs_tree *tree, const struct fs_object_state *os,
			struct fs_record *rec)
{
	if (!rec_content(os, rec))
		return;
	cache_unlink(tree, os, rec);
	fs_record_cold_trim(os, rec);
}

void fs_tree_cache_touch(struct fs_tree *tree, const struct fs_object_state *os,
			 struct fs_record *rec)
{
	struct fs_record_cold *c = rec_cold(os, rec);
	g_queue_unlink(&tree->lru, &c->lru_link);
	g_queue_push_head_link(&tree->lru, &c->lru_link);
}

void fs_tree_cache_put(struct fs_tree *tree, const struct fs_object_state *os,
		       struct fs_record *rec, GBytes *bytes, uint32_t row_version)
{
	if (rec_content(os, rec))
		cache_unlink(tree, os, rec);
	struct fs_record_cold *c = fs_record_cold(tree, os, rec);
	c->content = g_bytes_ref(bytes);
	c->content_version = row_version;
	c->lru_link.data = c;
	g_queue_push_head_link(&tree->lru, &c->lru_link);
	tree->cached_bytes += g_bytes_get_size(bytes);
	int64_t keep_id = rec->id;
	size_t keep_object = c->object;
	while (tree->cached_bytes > tree->options.cache_bytes && tree->lru.length > 1) {
		struct fs_record_cold *old = g_queue_peek_tail(&tree->lru);
		g_assert(old->id != keep_id || old->object != keep_object);
		fs_tree_cache_drop(tree, &tree->objects[old->object], owner_of(tree, old));
	}
}

static void served_unlink(struct fs_tree *tree, const struct fs_object_state *os,
			  struct fs_record *rec)
{
	struct fs_record_cold *c = rec_cold(os, rec);
	g_queue_unlink(&tree->served_lru, &c->served_link);
	tree->served_bytes -= g_bytes_get_size(c->served);
	g_bytes_unref(c->served);
	c->served = NULL;
	c->served_version = 0;
}

void fs_tree_set_served(struct fs_tree *tree, const struct fs_object_state *os,
			struct fs_record *rec, GBytes *bytes)
{
	if (rec_served(os, rec))
		served_unlink(tree, os, rec);
	if (!bytes) {
		fs_record_cold_trim(os, rec);
		return;
	}
	struct fs_record_cold *c = fs_record_cold(tree, os, rec);
	c->served = g_bytes_ref(bytes);
	c->served_version = bytes == c->content ? c->content_version : 0;
	c->served_link.data = c;
	g_queue_push_head_link(&tree->served_lru, &c->served_link);
	tree->served_bytes += g_bytes_get_size(bytes);
	/* Bases of records read long ago are forgotten (docs/editing.md): a quarter of the
	 * cache budget keeps the bases of the thousands of records read last. */
	while (tree->served_bytes > tree->options.cache_bytes / 4 && tree->served_lru.length > 1) {
		struct fs_record_cold *old = g_queue_peek_tail(&tree->served_lru);
		g_assert(old != c);
		struct fs_record *owner = owner_of(tree, old);
		fs_tree_set_served(tree, &tree->objects[old->object], owner, NULL);
	}
}
