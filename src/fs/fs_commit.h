/*
 * fs_commit: turning the bytes a user wrote into one database transaction.
 *
 * update: parse what was written; when the row is still at the version the base was
 *         read at, one UPDATE of the fields that differ from the base (applied only at
 *         that version, in autocommit). Otherwise, or when that UPDATE finds the row
 *         changed: lock and read the row as it is now ("theirs");
 *         three-way merge against what the mount last served ("base"); validate the
 *         fields the user changed; UPDATE only those; COMMIT. Fields changed by others
 *         since the base was served are kept; the same field changed on both sides to
 *         different values is refused with ESTALE.
 * insert: parse; validate the whole record; INSERT; COMMIT.
 * delete: DELETE; COMMIT.
 *
 * The capture triggers queue each change for Salesforce inside the same transaction.
 * On any refusal nothing is written. Errors carry the errno docs/contract.md §5 gives the cause
 * (EINVAL, ESTALE, EROFS, EIO, ENOENT) and a one-line message without the file name.
 */
#ifndef FORCEFS_FS_COMMIT_H
#define FORCEFS_FS_COMMIT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "db_conn.h"
#include "db_fields.h"
#include "db_records.h"
#include "db_schema.h"
#include "error.h"

struct fs_commit_target {
	struct db_pool *pool;
	const struct db_object *obj;
	const struct db_object_fields *meta; /* NULL when there is no field metadata */
};

/*
 * Commits `mine` to row `id`; `base_version` is the row version (db_row.version) `base` was
 * rendered from, or 0 when unknown: with it, a row nobody changed since is written with
 * one UPDATE and no lock (the result is the same as the lock-and-merge path's).
 * `written` (may be NULL) sees the row as the UPDATE left it,
 * inside the transaction (keep a copy; apply it only once this returns 0). `base` is what the mount
 * last served of that row, or NULL when it served nothing the writer could have read (then every
 * difference from the current row is written). *changed tells whether anything was written at all.
 */
int fs_commit_update(const struct fs_commit_target *target, int64_t id, GBytes *mine, GBytes *base,
		     uint32_t base_version, bool *changed, db_row_fn written, void *written_ctx,
		     struct error *err);

/* Inserts `mine` as a new record; its row id goes to *new_id. */
int fs_commit_insert(const struct fs_commit_target *target, GBytes *mine, int64_t *new_id,
		     struct error *err);

int fs_commit_delete(const struct fs_commit_target *target, int64_t id, struct error *err);

#endif
