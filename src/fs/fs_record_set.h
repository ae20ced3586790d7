/*
 * fs_record_set: the records of one object, compact enough for millions of them
 * (docs/architecture.md, "Memory"). Each record is a fixed 40-byte struct in one array
 * sorted by row id; names live in an arena of 64 KiB blocks and are found through one
 * open-addressing index of row ids keyed by name. Nothing here is allocated per
 * record: about 80 bytes a record in all at a million records.
 *
 * A struct fs_record pointer stays valid until the next insert or remove (the array
 * moves); hold row ids, not pointers, across those. Names returned stay valid for the
 * life of the set (the arena never moves; a renamed record's old name is not reused).
 * Not thread-safe: the tree lock guards it.
 */
#ifndef FORCEFS_FS_RECORD_SET_H
#define FORCEFS_FS_RECORD_SET_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	FS_RECORD_SIZED = 1 << 0, /* size is the exact rendered length */
	FS_RECORD_SEEN = 1 << 1,  /* seen by the listing scan in progress */
	FS_RECORD_COLD = 1 << 2,  /* has rare state (cached bytes, a writer...): the tree
				   * keeps it in a side table (fs_model.h) */
};

struct fs_record {
	int64_t id;
	int64_t mtime_ms;	     /* -1 = unknown */
	uint32_t name;		     /* reference into the set's name arena */
	uint32_t size;		     /* exact rendered length, when FS_RECORD_SIZED */
	uint32_t kernel_size;	     /* size last reported to the kernel, UINT32_MAX = none */
	uint32_t version;	     /* bumped whenever the rendered bytes change */
	uint32_t kernel_version;     /* version whose pages the kernel may hold, 0 = none */
	uint8_t lastop;		     /* _hc_lastop, as a code of the tree's table */
	uint8_t flags;		     /* FS_RECORD_* */
};

struct fs_record_set {
	GArray *records;       /* struct fs_record, sorted by id */
	GPtrArray *blocks;     /* name arena: blocks of FS_NAME_BLOCK bytes */
	uint32_t block_used;   /* bytes used in the last block */
	uint64_t *slots;       /* index: 0 empty, UINT64_MAX removed, else hash bits | id */
	uint32_t nslots;
	uint32_t slots_used;
	uint32_t slots_removed;
};

void fs_record_set_init(struct fs_record_set *set);
/* Frees the set (the caller has freed every record's cold state). */
void fs_record_set_clear(struct fs_record_set *set);

guint fs_record_set_len(const struct fs_record_set *set);
struct fs_record *fs_record_set_at(const struct fs_record_set *set, guint at);
/* Where record `id` is, or would be inserted. */
guint fs_record_set_find_index(const struct fs_record_set *set, int64_t id, bool *found);
struct fs_record *fs_record_set_find(const struct fs_record_set *set, int64_t id);
struct fs_record *fs_record_set_named(const struct fs_record_set *set, const char *name);
const char *fs_record_set_name(const struct fs_record_set *set, const struct fs_record *rec);

/* Inserts a zeroed record `id` named `name` at `at` (from fs_record_set_find_index);
 * `id` must be in [1, 2^40) and `name` shorter than 256 bytes. */
struct fs_record *fs_record_set_insert(struct fs_record_set *set, guint at, int64_t id,
				       const char *name);
void fs_record_set_rename(struct fs_record_set *set, struct fs_record *rec, const char *name);
void fs_record_set_remove(struct fs_record_set *set, guint at);
/* Removes, in one pass, every record `keep` returns false for. */
void fs_record_set_filter(struct fs_record_set *set, bool (*keep)(struct fs_record *, void *),
			  void *ctx);

/* Bytes the set holds in memory (records, names, index), for tests and the bench. */
size_t fs_record_set_bytes(const struct fs_record_set *set);

#endif
