/*
 * fs_model: the tree's data, shared by the files that serve it: inode numbers, the
 * objects with their records (fs_record_set.h) and scratch files, the rare per-record
 * state, open handles, and the kernel invalidations the model queues. It answers
 * questions about what it holds and never reads the database (loading is fs_load.h).
 * Not an API outside src/fs. Every field is guarded by tree->lock unless said otherwise.
 */
#ifndef FORCEFS_FS_MODEL_H
#define FORCEFS_FS_MODEL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "db_conn.h"
#include "db_records.h"
#include "db_schema.h"
#include "fs_delete_grace.h"
#include "fs_record_set.h"
#include "fs_tree.h"

#define OBJECT_SHIFT 40
#define ROW_ID_MAX   ((INT64_C(1) << OBJECT_SHIFT) - 3)
#define ERRORS_NAME  ".errors"
/* Listing cookies of scratch files: above every record's (row id + 3). */
#define SCRATCH_COOKIE_BASE ((off_t)1 << 50)

/*
 * What a record has only while something is going on with it: cached or served bytes,
 * a write in progress, an error, a local write time. Allocated on first need and freed
 * as soon as it is empty again (fs_record_cold_trim), so that the million records of a
 * big object cost their 48-byte struct fs_record and a name (fs_record_set.h).
 */
struct fs_record_cold {
	int64_t id; /* the record: row id `id` of tree->objects[object] (the key of
		     * os->colds: must stay first) */
	size_t object;
	GBytes *content;	  /* cached rendered bytes, or NULL */
	uint32_t content_version; /* row version (db_row.version) `content` renders, 0 = unknown */
	uint32_t served_version;  /* row version `served` renders, 0 = unknown: it is never
				   * newer than those bytes (an optimistic commit trusts it) */
	GList lru_link;		  /* in tree->lru while content != NULL (data: this) */
	GBytes *served;		  /* what the mount last served: the base of a merge */
	GList served_link;	  /* in tree->served_lru while served != NULL (data: this) */
	GString *pending;	  /* written but not committed yet, or NULL */
	bool pending_dirty;	  /* pending differs from what is committed */
	bool pending_too_big;	  /* a write went past 1 MiB: the commit answers EFBIG */
	uint16_t writers;	  /* open writable handles (a record's pending bytes live
				   * until the last of them is released) */
	char *fs_error;		  /* why forcefs refused the last write, or NULL */
	char *sf_error;		  /* message from _hc_err, or NULL */
	char *lastop;		  /* _hc_lastop when the tree's table of them is full */
	int64_t local_write_ms;	  /* time of the last write committed here, or -1 */
};

/* A field of a record's rare state, NULL/-1 when it has none (tree lock held). */
#define REC_COLD_FIELD(name, type, none, field)                                                    \
	static inline type name(const struct fs_object_state *os, const struct fs_record *rec)     \
	{                                                                                          \
		const struct fs_record_cold *c = rec_cold(os, rec);                                \
		return c ? c->field : none;                                                        \
	}
static inline bool rec_sized(const struct fs_record *rec)
{
	return rec->flags & FS_RECORD_SIZED;
}

/* A file kept in memory only: editor swap files, temporary files, new records. */
struct fs_scratch {
	int refs; /* names + open handles */
	uint64_t ino;
	size_t object; /* index of its directory */
	char *name;    /* current name, NULL once unlinked */
	GString *content;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec mtime;
	bool record_candidate; /* a *.json name: inserted as a record when closed */
	bool dirty;
	int64_t record_id; /* > 0 once inserted: the inode now stands for that record */
	char *hides;	   /* a record name renamed onto this one (vim's backup) */
	char *error;	   /* why the last insert was refused */
};

struct fs_object_state {
	const struct db_object *obj;
	uint64_t dir_ino;
	GMutex load_lock; /* one load at a time per object */
	/* A names load running in a thread of its own (fs_tree_start_names_load()), so a
	 * listing answers its first entries before the last row arrives. Tree lock. */
	GThread *names_loader; /* the thread of the last such load, until joined */
	bool names_loading;    /* that thread is still running */
	int64_t names_upto;    /* rows with id <= this have arrived in the running scan */
	int names_rc;	       /* how the last such load ended: 0 or -errno */
	GCond names_progress;  /* broadcast as rows arrive and when the load ends */
	bool names_loaded;
	bool sizes_loaded;
	struct fs_record_set records; /* sorted by id, found by name too */
	GPtrArray *bad_rows;	      /* char* lines for .errors: rows that cannot be shown */
	GHashTable *scratch;	      /* name -> struct fs_scratch* */
	GHashTable *aliases;	      /* name a user created -> int64 row id (g_new'd) */
	GHashTable *hidden;	      /* record names renamed away (set of names) */
	GHashTable *negatives;	      /* names the kernel was told do not exist (set, bounded by
				       * NEGATIVE_NAMES_MAX): a record appearing under one of them
				       * must invalidate that entry, whatever the entry timeout */
	GHashTable *colds; /* struct fs_record_cold of the records that have one, keyed by
			    * row id (its first field): few, whatever the object's size */
	GMutex write_lock; /* one commit at a time per object (not under tree->lock) */
	guint last_at[2];  /* index of the record looked up [0] and opened [1] last */
	bool has_last[2];
	bool was_sequential[2]; /* whether that access continued a sequence */
};

/* The rare state of a record, or NULL (tree lock held). */
static inline struct fs_record_cold *rec_cold(const struct fs_object_state *os,
					      const struct fs_record *rec)
{
	if (!(rec->flags & FS_RECORD_COLD))
		return NULL;
	return g_hash_table_lookup(os->colds, &rec->id);
}
REC_COLD_FIELD(rec_content, GBytes *, NULL, content)
REC_COLD_FIELD(rec_served, GBytes *, NULL, served)
REC_COLD_FIELD(rec_pending, GString *, NULL, pending)
REC_COLD_FIELD(rec_fs_error, const char *, NULL, fs_error)
REC_COLD_FIELD(rec_sf_error, const char *, NULL, sf_error)
REC_COLD_FIELD(rec_local_write_ms, int64_t, -1, local_write_ms)

struct fs_tree {
	struct db_pool *pool;
	struct db_catalog *catalog;
	struct fs_tree_options options;
	struct fs_tree_notify notify;
	GMutex lock; /* guards every record, the LRU and the load flags */
	struct fs_object_state *objects;
	size_t nobjects;
	GQueue lru; /* most recently used content at the head (struct fs_record_cold) */
	size_t cached_bytes;
	int64_t mount_time_ms;
	GHashTable *scratch_by_ino; /* uint64 ino -> struct fs_scratch* (one ref) */
	uint64_t next_scratch_ino;
	GArray *orphans;     /* struct fs_orphan: truncated records no writer holds open */
	GQueue served_lru;   /* records with a merge base, most recent first */
	size_t served_bytes; /* bytes of those bases (bounded like the cache) */
	struct fs_delete_grace *deletes; /* records rm hid whose delete waits */
	GPtrArray *lastops;		 /* the distinct _hc_lastop values seen; code 0 is "" */
};

#define SCRATCH_INO_BASE (UINT64_C(1) << 62)
/* Negative entries the kernel may cache per directory; lookups past it are answered
 * uncached, so every cached "no such file" can be taken back when the name appears. */
#define NEGATIVE_NAMES_MAX 4096
/* A name now stands for something: take back a negative entry the kernel may hold for it
 * (tree lock held). Returns whether one was held. */
bool fs_tree_forget_negative(struct fs_object_state *os, const char *name);
#define FS_NAME_MAX 255 /* like every local filesystem; FUSE itself allows 1024 */

/* A record truncated by truncate(2) with no writer open: its pending (empty) bytes wait
 * ORPHAN_GRACE_MS for a writer (`truncate -s 0 f; cat x >> f`), then are dropped. */
struct fs_orphan {
	size_t object;
	int64_t id;
	int64_t since_ms;
};
#define ORPHAN_GRACE_MS 2000

/* A kernel cache invalidation to send once the tree lock is released. */
struct pending_inval {
	uint64_t ino;
	uint64_t parent; /* non-zero: invalidate the entry `name` in `parent` */
	char name[48];
};

/* An open file: a record (its pending bytes live in the record) or a scratch file. */
struct fs_handle {
	size_t object;
	int64_t record_id;	    /* > 0: a record */
	struct fs_scratch *scratch; /* a scratch file (one reference) */
	GBytes *snapshot;	    /* what a record or .errors showed when opened */
	uint32_t version;	    /* the record's version when opened */
	bool writable;
	bool append;
};

static inline const char *fs_record_name(const struct fs_object_state *os,
					 const struct fs_record *rec)
{
	return fs_record_set_name(&os->records, rec);
}
/* The index of `os` in tree->objects (what struct fs_scratch and fs_record_cold keep). */
static inline size_t fs_tree_object_index(const struct fs_tree *tree,
					  const struct fs_object_state *os)
{
	return (size_t)(os - tree->objects);
}
struct fs_object_state *fs_tree_object_of_ino(struct fs_tree *tree, uint64_t ino, uint64_t *local);
struct fs_record *fs_tree_find_record(const struct fs_object_state *os, int64_t id);
/* Where record `id` is, or would be inserted, in os->records (sorted by id). */
guint fs_tree_find_index(const struct fs_object_state *os, int64_t id, bool *found);
uint64_t fs_tree_record_ino(const struct fs_object_state *os, int64_t id);
bool fs_tree_object_readonly(const struct fs_tree *tree, const struct fs_object_state *os);
void fs_tree_scratch_unref(struct fs_scratch *sc);
/* Queues kernel invalidations (safe under the lock: they are sent by fs_notify). */
void fs_tree_inval_inode(struct fs_tree *tree, uint64_t ino);
void fs_tree_inval_entry(struct fs_tree *tree, uint64_t parent, const char *name);

#endif
