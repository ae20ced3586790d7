/*
 * Scratch files: names in a record directory that are not records (vim's `.x.swp` and
 * `4913`, `x~`, sed's `sedAbc123`, rsync's `.x.json.Xy12Ab`, emacs's `#x#`), and new
 * `*.json` files until their content is inserted. They live in memory only, per
 * directory, bounded by -o max_scratch_per_dir, max_scratch_files and max_pending
 * (docs/configuration.md). Every function here is called with the tree lock held.
 */
#ifndef FORCEFS_FS_SCRATCH_H
#define FORCEFS_FS_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "fs_model.h"

/* True when a new file called `name` is a record to insert once closed with content. */
bool fs_scratch_is_record_name(const char *name);

/* 0, or -ENOSPC (logged) when `os` may not hold one more scratch file. */
int fs_scratch_room(struct fs_tree *tree, struct fs_object_state *os, struct error *err);

/* 0, or -ENOSPC when scratch files growing by `more` bytes would pass -o max_pending. */
int fs_scratch_bytes_room(struct fs_tree *tree, size_t more, struct error *err);

/* A new, empty scratch file called `name` in `os`, known by name and by inode. */
struct fs_scratch *fs_scratch_new(struct fs_tree *tree, struct fs_object_state *os,
				  const char *name, mode_t mode, uid_t uid, gid_t gid);

/* Takes a scratch file's name away (and gives back the record name it hid); the file
 * lives on while open. An inserted file's inode keeps standing for its record. */
void fs_scratch_remove_name(struct fs_tree *tree, struct fs_object_state *os,
			    struct fs_scratch *sc);

/* Renames a scratch file to another name that is not a record's, replacing any scratch
 * file there. */
void fs_scratch_rename(struct fs_tree *tree, struct fs_object_state *os, struct fs_scratch *sc,
		       const char *newname);

/*
 * The scratch file behind inode `ino`, or NULL. When its content was inserted, the
 * inode stands for that record: NULL is returned and *record_os, *record_id name the
 * record (otherwise they are NULL and 0).
 */
struct fs_scratch *fs_scratch_by_ino(struct fs_tree *tree, uint64_t ino,
				     struct fs_object_state **record_os, int64_t *record_id);

#endif
