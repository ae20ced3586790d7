/*
 * fs_record_cold: a record's rare state (struct fs_record_cold in fs_model.h), made when
 * first needed and freed when empty; the table of _hc_lastop values; and the two byte
 * LRUs bounded by cache_size: the content cache and the served bases of three-way
 * merges. Tree lock held for every call.
 */
#ifndef FORCEFS_FS_RECORD_COLD_H
#define FORCEFS_FS_RECORD_COLD_H

#include "fs_model.h"

/* The cold state of `rec`, allocated if it has none. */
struct fs_record_cold *fs_record_cold(struct fs_tree *tree, const struct fs_object_state *os,
				      struct fs_record *rec);
/* Frees the cold state of `rec` if nothing is left in it. */
void fs_record_cold_trim(const struct fs_object_state *os, struct fs_record *rec);
/* Frees the cold state of a record that is going away (drops its cached bytes). */
void fs_record_cold_free(struct fs_tree *tree, const struct fs_object_state *os,
			 struct fs_record *rec);
void fs_record_set_lastop(struct fs_tree *tree, const struct fs_object_state *os,
			  struct fs_record *rec, const char *lastop);
const char *fs_record_lastop(const struct fs_tree *tree, const struct fs_object_state *os,
			     const struct fs_record *rec);
/* The content cache, an LRU bounded by options.cache_bytes. */
void fs_tree_cache_put(struct fs_tree *tree, const struct fs_object_state *os,
		       struct fs_record *rec, GBytes *bytes, uint32_t row_version);
void fs_tree_cache_drop(struct fs_tree *tree, const struct fs_object_state *os,
			struct fs_record *rec);
/* Marks `rec`'s cached bytes as used now (it has some). */
void fs_tree_cache_touch(struct fs_tree *tree, const struct fs_object_state *os,
			 struct fs_record *rec);
/* Remembers `bytes` as what the mount served for `rec` (the base of a later merge), with
 * the row version of the cached content when `bytes` is that content. */
void fs_tree_set_served(struct fs_tree *tree, const struct fs_object_state *os,
			struct fs_record *rec, GBytes *bytes);

#endif
