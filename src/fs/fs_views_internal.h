/*
 * fs_views_internal: what the view files (fs_views.c, fs_view_by.c, fs_view_history.c,
 * fs_view_changes.c) share. Not an API.
 *
 * A view entry is a node, made the first time its name is looked up or listed and kept
 * until unmount, so its inode is stable. A node's fields never change once it is
 * published (views->lock guards the tables, not the nodes).
 */
#ifndef FORCEFS_FS_VIEWS_INTERNAL_H
#define FORCEFS_FS_VIEWS_INTERNAL_H

#include <glib.h>
#include <sys/stat.h>

#include "db_schema.h"
#include "error.h"
#include "fs_view_name.h"
#include "fs_views.h"

enum fs_view_kind {
	VIEW_BY,	     /* .by */
	VIEW_BY_OBJECT,	     /* .by/<object> */
	VIEW_BY_FIELD,	     /* .by/<object>/<field> */
	VIEW_BY_VALUE,	     /* .by/<object>/<field>/<value> */
	VIEW_BY_LINK,	     /* .by/<object>/<field>/<value>/<name>.json */
	VIEW_HISTORY,	     /* .history */
	VIEW_HISTORY_OBJECT, /* .history/<object> */
	VIEW_HISTORY_RECORD, /* .history/<object>/<sfid or local-id> */
	VIEW_HISTORY_FILE,   /* .history/<object>/<record>/<timestamp>.json */
	VIEW_CHANGES,	     /* .changes */
};

struct fs_view_node {
	uint64_t ino;
	uint64_t parent;
	enum fs_view_kind kind;
	char *name;		    /* its name in its parent */
	size_t object;		    /* index of the object in the tree */
	size_t field;		    /* VIEW_BY_FIELD, VIEW_BY_VALUE: index in obj->shown */
	struct fs_view_value value; /* VIEW_BY_VALUE */
	char *target;		    /* VIEW_BY_LINK */
	char *record;		    /* VIEW_HISTORY_RECORD: "<sfid>" or "local-<id>" */
	int64_t history_id;	    /* VIEW_HISTORY_FILE */
	uint32_t size;		    /* VIEW_HISTORY_FILE: rendered length */
};

struct fs_view_changes;

struct fs_views {
	struct fs_tree *tree;
	struct db_pool *pool;
	struct fs_views_options options;
	char *schema;
	int64_t mount_time_ms;
	GMutex lock;
	GPtrArray *nodes;   /* struct fs_view_node *, index = ino - FS_VIEW_INO_BASE */
	GHashTable *by_key; /* "<parent ino>/<name>" (or a link's "L<object>/<name>") -> node */
	struct fs_view_changes *changes;
};

/* Inodes of the fixed nodes. */
#define VIEW_INO_BY	 (FS_VIEW_INO_BASE + 0)
#define VIEW_INO_HISTORY (FS_VIEW_INO_BASE + 1)
#define VIEW_INO_CHANGES (FS_VIEW_INO_BASE + 2)

/* --- nodes (fs_view_nodes.c) --- */

/* Frees a node (the free function of fs_views.nodes). */
void fs_view_node_free(gpointer data);
/* The node of an inode, or NULL. */
struct fs_view_node *fs_views_node(struct fs_views *v, uint64_t ino);
/*
 * The node under `key` (see by_key), made from `tmpl` (strings and the value copied)
 * when there is none yet. Returns the published node.
 */
struct fs_view_node *fs_views_intern(struct fs_views *v, const char *key,
				     const struct fs_view_node *tmpl);
/* The child `name` of `parent`, made from `tmpl` when new. */
struct fs_view_node *fs_views_child(struct fs_views *v, uint64_t parent, const char *name,
				    const struct fs_view_node *tmpl);
void fs_views_fill_attr(struct fs_views *v, const struct fs_view_node *n, struct stat *st);

/* A directory listing, taken at opendir and served by readdir. */
struct fs_view_dir {
	GPtrArray *nodes; /* struct fs_view_node * (not owned), after "." and ".." */
	uint64_t self, parent;
};
void fs_view_dir_add(struct fs_view_dir *d, struct fs_view_node *n);

/* .by (fs_view_by.c): 0 or -errno. */
int fs_view_by_lookup(struct fs_views *v, const struct fs_view_node *parent, const char *name,
		      struct fs_view_node **out, struct error *err);
int fs_view_by_list(struct fs_views *v, const struct fs_view_node *dir, struct fs_view_dir *d,
		    struct error *err);

/* .history (fs_view_history.c). */
int fs_view_history_lookup(struct fs_views *v, const struct fs_view_node *parent, const char *name,
			   struct fs_view_node **out, struct error *err);
int fs_view_history_list(struct fs_views *v, const struct fs_view_node *dir, struct fs_view_dir *d,
			 struct error *err);
/* The bytes of a history file (g_bytes_unref). */
int fs_view_history_content(struct fs_views *v, const struct fs_view_node *file, GBytes **out,
			    struct error *err);

/* .changes (fs_view_changes.c). */
struct fs_view_changes *fs_view_changes_new(struct fs_views *v);
void fs_view_changes_free(struct fs_view_changes *c);
void fs_view_changes_poll(struct fs_views *v);
void fs_view_changes_attr(struct fs_views *v, struct stat *st);
struct fs_view_reader;
struct fs_view_reader *fs_view_changes_open(struct fs_views *v);
/* The next bytes for this reader (at most `size`), empty when it has read everything. */
GBytes *fs_view_changes_read(struct fs_views *v, struct fs_view_reader *r, size_t size);
void fs_view_changes_close(struct fs_views *v, struct fs_view_reader *r);

#endif
