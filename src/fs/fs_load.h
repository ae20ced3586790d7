/*
 * fs_load: filling the model from the database (through db_records.h): the names
 * listing, rows fetched by id or by canonical name, rows a write read back, and the
 * kernel invalidations each change calls for. The watcher's entry points
 * (fs_tree_refresh_records, fs_tree_forget_object) are in fs_tree.h.
 */
#ifndef FORCEFS_FS_LOAD_H
#define FORCEFS_FS_LOAD_H

#include "fs_model.h"

/*
 * Starts loading the names of `os` in a thread of its own, unless they are loaded or
 * loading: rows arrive in id order, os->names_upto says how far, and os->names_progress
 * is broadcast as they come and when the load ends (os->names_rc). Tree lock held.
 */
void fs_tree_start_names_load(struct fs_tree *tree, struct fs_object_state *os);

/* Makes sure names (and with `sizes`, sizes) are loaded; takes the locks itself. */
int fs_tree_ensure_loaded(struct fs_tree *tree, struct fs_object_state *os, bool sizes,
			  struct error *err);
/* Re-reads rows into the tree (no lock held); invalidates what changed. */
int fs_tree_fetch(struct fs_tree *tree, struct fs_object_state *os, const int64_t *ids, size_t nids,
		  struct error *err);
/*
 * Reads the one record a canonical name (<sfid>.json, local-<id>.json) stands for, so a
 * lookup right after mounting does not wait for the whole listing. No lock held.
 */
int fs_tree_fetch_named(struct fs_tree *tree, struct fs_object_state *os, const char *name,
			struct error *err);
/*
 * A row read while writing (UPDATE ... RETURNING), kept until the transaction commits
 * and then applied to the tree like a fetched row: no second query for what was written.
 */
struct fs_row_copy {
	int64_t id;
	char *sfid;
	int64_t mtime_ms;
	char *lastop;
	char *hc_err;
	uint32_t version;
	GBytes *rendered;
};
/* A db_row_fn that fills the struct fs_row_copy `ctx` (for `obj`: set copy->obj first). */
struct fs_row_copy_ctx {
	const struct db_object *obj;
	struct fs_row_copy copy;
	bool got;
};
int fs_tree_copy_row(const struct db_row *row, void *ctx);
void fs_row_copy_clear(struct fs_row_copy *copy);
/* Applies a copied row (no lock held) and invalidates what changed. */
void fs_tree_apply_copy(struct fs_tree *tree, struct fs_object_state *os,
			const struct fs_row_copy *copy);

#endif
