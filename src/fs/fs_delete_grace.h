/*
 * fs_delete_grace: the records `rm` has hidden but not deleted yet (-o allow_delete,
 * -o delete_delay=S, docs/editing.md "Deleting").
 *
 * Tools that put a file back in place (`mv` from another filesystem, `rm f && cat
 * saved > f`) remove the record's name first. So an unlink only arms the delete: a
 * file created or renamed onto the name within the delay cancels it and is the
 * record's new content; only a delete still armed when the delay ends is committed.
 * Nothing is written before then, so an unmount or a crash in between leaves the
 * record in place.
 *
 * A plain list, no locking of its own (fs_tree guards it with the tree lock) and no
 * I/O: the tree hides the name and commits the DELETE.
 */
#ifndef FORCEFS_FS_DELETE_GRACE_H
#define FORCEFS_FS_DELETE_GRACE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fs_delete_grace;

/* One armed delete. `committing`: its delay ended and the DELETE is being committed. */
struct fs_pending_delete {
	size_t object; /* index of the object's directory in the tree */
	int64_t id;    /* row id */
	char *name;    /* the name that was removed */
	int64_t due_ms;
	bool committing;
};

struct fs_delete_grace *fs_delete_grace_new(int64_t delay_ms);
void fs_delete_grace_free(struct fs_delete_grace *grace);
int64_t fs_delete_grace_delay_ms(const struct fs_delete_grace *grace);

/* Arms the delete of row `id` of `object`, due `delay_ms` after `now_ms` (again, if armed). */
void fs_delete_grace_arm(struct fs_delete_grace *grace, size_t object, int64_t id, const char *name,
			 int64_t now_ms);
/* Disarms it; false when it was not armed, or is already being committed. */
bool fs_delete_grace_cancel(struct fs_delete_grace *grace, size_t object, int64_t id);
/* Whether the delete of `id` is being committed (its name no longer stands for it). */
bool fs_delete_grace_committing(const struct fs_delete_grace *grace, size_t object, int64_t id);

/* An array of struct fs_pending_delete that frees their names. */
GArray *fs_pending_delete_array_new(void);
/* Copies into `due` the deletes due at `now_ms` and marks them committing; returns how
 * many. Each is then ended with fs_delete_grace_done(). */
size_t fs_delete_grace_take_due(struct fs_delete_grace *grace, int64_t now_ms, GArray *due);
/* Forgets the delete of `id` (committed, or failed and shown again). */
void fs_delete_grace_done(struct fs_delete_grace *grace, size_t object, int64_t id);
/* Moves every delete still armed into `out` (at unmount: they are not done). */
size_t fs_delete_grace_take_all(struct fs_delete_grace *grace, GArray *out);

#endif
