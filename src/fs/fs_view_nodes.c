/*
 * fs_view_nodes: the views' nodes and their inodes, numbered as they are first seen
 * (fs_views_internal.h). The view files (fs_view_by.c, fs_view_history.c) make nodes
 * here; fs_views.c answers FUSE from them.
 */
#include <inttypes.h>

#include "fs_views_internal.h"

void fs_view_node_free(gpointer data)
{
	struct fs_view_node *n = data;
	g_free(n->name);
	g_free(n->target);
	g_free(n->record);
	fs_view_value_clear(&n->value);
	g_free(n);
}

struct fs_view_node *fs_views_node(struct fs_views *v, uint64_t ino)
{
	if (!fs_views_owns(ino))
		return NULL;
	uint64_t index = ino - FS_VIEW_INO_BASE;
	g_mutex_lock(&v->lock);
	struct fs_view_node *n = index < v->nodes->len ? g_ptr_array_index(v->nodes, index) : NULL;
	g_mutex_unlock(&v->lock);
	return n;
}

struct fs_view_node *fs_views_intern(struct fs_views *v, const char *key,
				     const struct fs_view_node *tmpl)
{
	g_mutex_lock(&v->lock);
	struct fs_view_node *n = g_hash_table_lookup(v->by_key, key);
	if (!n) {
		n = g_new0(struct fs_view_node, 1);
		*n = *tmpl;
		n->name = g_strdup(tmpl->name);
		n->target = g_strdup(tmpl->target);
		n->record = g_strdup(tmpl->record);
		n->value.display = g_strdup(tmpl->value.display);
		n->value.hash = g_strdup(tmpl->value.hash);
		n->ino = FS_VIEW_INO_BASE + v->nodes->len;
		g_ptr_array_add(v->nodes, n);
		g_hash_table_insert(v->by_key, g_strdup(key), n);
	}
	g_mutex_unlock(&v->lock);
	return n;
}

struct fs_view_node *fs_views_child(struct fs_views *v, uint64_t parent, const char *name,
				    const struct fs_view_node *tmpl)
{
	char *key = g_strdup_printf("%" PRIu64 "/%s", parent, name);
	struct fs_view_node t = *tmpl;
	t.parent = parent;
	t.name = (char *)name;
	struct fs_view_node *n = fs_views_intern(v, key, &t);
	g_free(key);
	return n;
}

void fs_view_dir_add(struct fs_view_dir *d, struct fs_view_node *n)
{
	g_ptr_array_add(d->nodes, n);
}
