/*
 * fs_attr: the attributes (struct stat) of the tree's directories, records, scratch files
 * and .errors, and the .errors text itself. Tree lock held for every call.
 */
#ifndef FORCEFS_FS_ATTR_H
#define FORCEFS_FS_ATTR_H

#include "fs_model.h"

/* What every inode has: number, owner, block size (the rest zeroed). */
void fs_tree_fill_common(const struct fs_tree *tree, struct stat *st, uint64_t ino);
void fs_tree_fill_dir(const struct fs_tree *tree, struct stat *st, uint64_t ino);
/* A record's attributes; remembers the size the kernel was told. */
void fs_tree_fill_record(struct fs_tree *tree, const struct fs_object_state *os,
			 struct fs_record *rec, struct stat *st);
void fs_tree_fill_scratch(struct fs_tree *tree, const struct fs_scratch *sc, struct stat *st);
void fs_tree_fill_errors(struct fs_tree *tree, const struct fs_object_state *os, struct stat *st);
/* The .errors text of an object: one line per refused write, Salesforce error, bad row. */
GString *fs_tree_render_errors(const struct fs_tree *tree, const struct fs_object_state *os);

#endif
