/*
 * fs_views: the read-only views of the mount (docs/views.md), served by the database:
 *   MOUNT/.by/<object>/<field>/<value>/<name>.json -> ../../../../<object>/<name>.json
 *   MOUNT/.history/<object>/<sfid>/<UTC timestamp>.json (when the schema keeps history)
 *   MOUNT/.changes (when the schema keeps history)
 *
 * The FUSE face of the views: fs_ops hands every request on a view inode (and the
 * lookup of a view's name in the root) to these functions, which reply exactly once.
 * They never build SQL (db_views, db_history do).
 *
 * Inodes: views use [FS_VIEW_INO_BASE, FS_VIEW_INO_END), above every object's range
 * ((i+1) << 40 for i < 2^20 objects) and below the scratch files' (1 << 62). A view
 * entry gets its inode the first time it is looked up or listed and keeps it for the
 * life of the mount (about 100 bytes per entry ever seen).
 *
 * The view roots are not listed in the root directory (like ZFS's `.zfs`): `ls -a`,
 * `find`, `grep -r` and `rsync` over the mount do not walk them; they are reachable by
 * name. Everything in them is read-only: writes, creates, renames, removals answer EROFS.
 *
 * Thread safety: every function may be called from any FUSE thread.
 */
#ifndef FORCEFS_FS_VIEWS_H
#define FORCEFS_FS_VIEWS_H

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stdint.h>

#include "db_conn.h"
#include "fs_tree.h"

#define FS_VIEW_INO_BASE (UINT64_C(1) << 61)
#define FS_VIEW_INO_END	 (UINT64_C(1) << 62)

struct fs_views;

struct fs_views_options {
	const char *schema;
	bool history;	 /* the schema has <schema>._forcefs_history (.history and .changes) */
	int value_limit; /* most distinct values a field directory lists (docs/views.md) */
	uid_t uid;
	gid_t gid;
	mode_t umask; /* bits cleared from 0555 (directories) and 0444 (files) */
};

struct fs_views *fs_views_new(struct fs_tree *tree, struct db_pool *pool,
			      const struct fs_views_options *options);
void fs_views_free(struct fs_views *views);

/* Whether an inode is a view's. */
static inline bool fs_views_owns(uint64_t ino)
{
	return ino >= FS_VIEW_INO_BASE && ino < FS_VIEW_INO_END;
}

/* Whether a lookup of `name` in `parent` is the views' to answer. */
bool fs_views_claims(const struct fs_views *views, uint64_t parent, const char *name);

void fs_views_lookup(struct fs_views *views, fuse_req_t req, uint64_t parent, const char *name);
void fs_views_getattr(struct fs_views *views, fuse_req_t req, uint64_t ino);
/* The attributes of a view inode without replying (for permission checks); -ENOENT. */
int fs_views_stat(struct fs_views *views, uint64_t ino, struct stat *st);
void fs_views_opendir(struct fs_views *views, fuse_req_t req, uint64_t ino,
		      struct fuse_file_info *fi);
void fs_views_readdir(struct fs_views *views, fuse_req_t req, uint64_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi, bool plus);
void fs_views_releasedir(struct fs_views *views, fuse_req_t req, uint64_t ino,
			 struct fuse_file_info *fi);
void fs_views_readlink(struct fs_views *views, fuse_req_t req, uint64_t ino);
void fs_views_open(struct fs_views *views, fuse_req_t req, uint64_t ino, struct fuse_file_info *fi);
void fs_views_read(struct fs_views *views, fuse_req_t req, uint64_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi);
void fs_views_release(struct fs_views *views, fuse_req_t req, uint64_t ino,
		      struct fuse_file_info *fi);

/* The watcher's hook (fs_watch_on_poll): feeds .changes with what the history recorded
 * since the last call. `views` is a struct fs_views *. */
void fs_views_poll(void *views);

#endif
