/*
 * fs_tree: the in-memory model of the mounted tree, between the FUSE face (fs_ops)
 * and the database (db_*). It never builds SQL.
 *
 * Inode numbers are derived, not allocated, so they are stable for the life of the
 * mount and need no table: the root is 1, the directory of the i-th object is
 * (i+1) << 40, its `.errors` file is that plus 1, and the record with row id r is
 * that plus r + 2.
 *
 * Per object the tree keeps, after the first lookup or listing:
 *   - every visible record's name, row id, mtime and state (names load: one query);
 *   - every record's exact rendered size (sizes load: one streaming query that
 *     renders every row once, needed as soon as anything stats a record);
 *   - rendered content of recently read records, in a cache bounded in bytes, filled
 *     in batches of neighbouring records (listing order = id order) so that `grep -r`
 *     costs one query per batch, not one per file.
 * Changes made by others reach the tree through fs_tree_refresh_records() and
 * fs_tree_forget_object(), which the watcher calls; the kernel caches are then
 * invalidated through the callback given to fs_tree_new().
 *
 * Behind this API: fs_model.c (the data and what it answers from memory), fs_attr.c
 * (attributes), fs_load.c (filling the model from the database), fs_tree.c (lookups,
 * listings, opens for reading, reads), fs_write.c (writes, scratch files, commit points).
 */
#ifndef FORCEFS_FS_TREE_H
#define FORCEFS_FS_TREE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "db_conn.h"
#include "db_schema.h"
#include "error.h"

#define FS_ROOT_INO 1

struct fs_tree;

struct db_fields;

struct fs_tree_options {
	bool readonly;			/* -o ro */
	bool allow_delete;		/* -o allow_delete: rm deletes records */
	int delete_delay_ms;		/* -o delete_delay: rm's delete waits this long
					 * for the name to be written again (0: at once) */
	const struct db_fields *fields; /* Salesforce field metadata, or NULL */
	char **only_objects;		/* -o objects=a,b (NULL = all) */
	size_t cache_bytes;		/* budget of the rendered-content cache */
	int batch_size;			/* records fetched per query when reading content */
	uid_t uid;			/* owner of directories and records (-o uid=) */
	gid_t gid;			/* their group (-o gid=) */
	mode_t umask;			/* bits cleared from 0777/0666/0444 (-o umask=) */
	/* What users can make the mount hold besides records (0 = no bound): files that are
	 * not records yet (editors' temporaries, new records before their close), per
	 * object directory and in all, and the bytes in them. Past a bound, creating or
	 * growing such a file answers ENOSPC. */
	unsigned max_scratch_per_dir; /* -o max_scratch_per_dir= */
	unsigned max_scratch_files;   /* -o max_scratch_files= */
	size_t max_scratch_bytes;     /* -o max_pending= (MiB) */
};

/* How the tree asks the FUSE face to drop kernel caches (called from any thread). */
struct fs_tree_notify {
	void (*inval_inode)(void *ctx, uint64_t ino);			   /* attrs+data */
	void (*inval_entry)(void *ctx, uint64_t parent, const char *name); /* a name */
	void *ctx;
};

struct fs_tree *fs_tree_new(struct db_pool *pool, struct db_catalog *catalog,
			    const struct fs_tree_options *options,
			    const struct fs_tree_notify *notify);
/* Waits for the listings' names loads still running (they send kernel invalidations):
 * call it once the FUSE loop has ended, before the notifier stops. */
void fs_tree_stop_loading(struct fs_tree *tree);
void fs_tree_free(struct fs_tree *tree);

/* Attributes of a name in a directory. -ENOENT, or -EIO with `err` when the db fails. */
int fs_tree_lookup(struct fs_tree *tree, uint64_t parent, const char *name, struct stat *st,
		   struct error *err);
int fs_tree_getattr(struct fs_tree *tree, uint64_t ino, struct stat *st, struct error *err);

/*
 * One directory entry for readdir. `cookie` is the offset to pass to continue after
 * this entry; `st` is filled only when fs_tree_list() is asked for attributes.
 */
struct fs_dirent {
	const char *name;
	struct stat st;
	off_t cookie;
};
/* Called per entry; return non-zero when the reply buffer is full (stops the listing). */
typedef int (*fs_dirent_fn)(const struct fs_dirent *entry, void *ctx);

/* Lists directory `ino` from `offset` (0 = start). */
int fs_tree_list(struct fs_tree *tree, uint64_t ino, off_t offset, bool with_attrs, fs_dirent_fn fn,
		 void *ctx, struct error *err);

/*
 * Returns the current bytes of a file (records and .errors) and whether the kernel's
 * cached pages and size for it are still right (keep_cache) or must be bypassed.
 */
struct fs_content {
	GBytes *bytes;
	bool keep_cache;  /* the kernel's page cache holds exactly these bytes */
	bool size_stale;  /* the kernel was told another size: use direct_io this time */
	uint32_t version; /* of the record's bytes (records only) */
};
/* How fs_tree_open_content() is used. */
enum {
	/* The bytes go to a reader: they become the base of the next merge of the record
	 * (writers, which read nothing, leave it out). */
	FS_CONTENT_SERVED = 1 << 0,
	/* The kernel's cached pages will do: when they hold the current version, no bytes
	 * are fetched (out->bytes is NULL and keep_cache is set). */
	FS_CONTENT_KERNEL_PAGES = 1 << 1,
};
int fs_tree_open_content(struct fs_tree *tree, uint64_t ino, int how, struct fs_content *out,
			 struct error *err);

/* Extended attributes of a record file (docs/contract.md §3): value copied into *value (g_free). */
int fs_tree_getxattr(struct fs_tree *tree, uint64_t ino, const char *name, char **value,
		     struct error *err);
/* NUL-separated names of the xattrs `ino` has (g_free). */
int fs_tree_listxattr(struct fs_tree *tree, uint64_t ino, GString *names, struct error *err);

/* --- open files (fs_write.c; fs_tree_read in fs_tree.c) ---------------------------- */

/* An open file. */
struct fs_handle;

/* How the kernel should treat an opened file's pages. */
struct fs_open_hints {
	bool keep_cache;
	bool direct_io;
};

/* Which attributes fs_tree_setattr() changes. */
enum {
	FS_ATTR_SIZE = 1 << 0,
	FS_ATTR_MODE = 1 << 1,
	FS_ATTR_UID = 1 << 2,
	FS_ATTR_GID = 1 << 3,
	FS_ATTR_ATIME = 1 << 4,
	FS_ATTR_MTIME = 1 << 5,
};

/*
 * Opens `ino` with open(2) `flags`. Records opened for writing collect what is written
 * until a commit point (flush, fsync, rename); errors: EISDIR, EROFS, EACCES, ENOENT, EIO.
 */
int fs_tree_open(struct fs_tree *tree, uint64_t ino, int flags, struct fs_handle **out,
		 struct fs_open_hints *hints, struct error *err);
/* Creates (or, without O_EXCL, opens) `name` in directory `parent`. */
int fs_tree_create(struct fs_tree *tree, uint64_t parent, const char *name, mode_t mode, int flags,
		   uid_t uid, gid_t gid, struct stat *st, struct fs_handle **out,
		   struct fs_open_hints *hints, struct error *err);
/* Copies up to `size` bytes at `off` into a new GBytes (empty at the end); NULL when the
 * bytes had to be fetched and the database could not be reached (EIO). */
GBytes *fs_tree_read(struct fs_tree *tree, struct fs_handle *h, off_t off, size_t size);
/* Returns bytes written or -errno (EFBIG past 1 MiB for a record). */
ssize_t fs_tree_write(struct fs_tree *tree, struct fs_handle *h, off_t off, const char *buf,
		      size_t size, struct error *err);
/* The commit points of docs/contract.md §5: close (flush) and fsync. */
int fs_tree_flush(struct fs_tree *tree, struct fs_handle *h, struct error *err);
void fs_tree_release(struct fs_tree *tree, struct fs_handle *h);
/* chmod, chown and utimens succeed and change nothing for records (docs/contract.md §5). */
int fs_tree_setattr(struct fs_tree *tree, uint64_t ino, struct fs_handle *h,
		    const struct stat *attr, int to_set, struct stat *out, struct error *err);
int fs_tree_unlink(struct fs_tree *tree, uint64_t parent, const char *name, struct error *err);
/* `flags`: RENAME_NOREPLACE is honoured, RENAME_EXCHANGE refused (EINVAL). */
int fs_tree_rename(struct fs_tree *tree, uint64_t parent, const char *name, uint64_t newparent,
		   const char *newname, unsigned int flags, struct error *err);

/* Whether an inode is a directory, a record, the root... */
bool fs_tree_is_dir(uint64_t ino);

/*
 * The kernel keeps names and attributes for as long as entry_timeout/attr_timeout say
 * (an hour by default): the tree invalidates every entry, attribute and page it learns
 * has changed. Two things it cannot follow that way are asked for here:
 *
 * fs_tree_hold_negative(): a lookup of `name` in `parent` found nothing; whether the
 * kernel may cache that answer (true), because the tree now remembers to take it back
 * when a record of that name appears. At most NEGATIVE_NAMES_MAX names per directory;
 * past that, answers are not cached.
 *
 * fs_tree_attr_volatile(): whether an inode's attributes change without an
 * invalidation (.errors, whose size follows every refused write), so that they must
 * not be cached at all.
 */
bool fs_tree_hold_negative(struct fs_tree *tree, uint64_t parent, const char *name);
/*
 * The kernel evicted inode `ino` (FORGET), and its pages with it: the next open must
 * not count on them, so it takes the record's bytes (in batches for a reader going
 * through the listing) instead of one fetch per file at the first read. At a million
 * records the kernel evicts inodes between two `grep -r`.
 */
void fs_tree_forget(struct fs_tree *tree, uint64_t ino);
bool fs_tree_attr_volatile(uint64_t ino);

/* The watcher's entry points (any thread, never inside a FUSE request). */
size_t fs_tree_object_count(const struct fs_tree *tree);
const struct db_object *fs_tree_object(const struct fs_tree *tree, size_t index);
bool fs_tree_object_loaded(struct fs_tree *tree, size_t index);
/* Re-reads these rows (missing ones are gone) and invalidates what changed. */
int fs_tree_refresh_records(struct fs_tree *tree, size_t index, const int64_t *ids, size_t nids,
			    struct error *err);
/* Reloads an object's listing now (rows may have gone unlogged); drops what is gone. */
void fs_tree_forget_object(struct fs_tree *tree, size_t index);
/* Drops the pending bytes of records truncated without a writer more than 2 s ago, so
 * they show the record again (docs/editing.md); the watcher calls it every pass. */
void fs_tree_expire_orphans(struct fs_tree *tree);
/* Commits the deletes of records removed (rm) more than delete_delay ago whose name was
 * not written again meanwhile (docs/editing.md "Deleting"); the watcher calls it too. */
void fs_tree_expire_deletes(struct fs_tree *tree);

#endif
