/*
 * fs_ops: the FUSE face. Answers the kernel's low-level requests from the tree
 * (fs_tree), never from SQL. Every handler replies exactly once.
 */
#ifndef FORCEFS_FS_OPS_H
#define FORCEFS_FS_OPS_H

#include <fuse_lowlevel.h>

#include "fs_tree.h"
#include "fs_views.h"

struct fs_ops_config {
	struct fs_tree *tree;
	double entry_timeout; /* seconds the kernel may cache a name */
	double attr_timeout;  /* seconds the kernel may cache attributes */
	struct fs_views *views; /* .by, .history, .changes (requests on their inodes go there) */
};

/* The operation table; `userdata` for fuse_session_new() is a struct fs_ops_config *. */
extern const struct fuse_lowlevel_ops fs_ops;

#endif
