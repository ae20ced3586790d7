/*
 * fs_view_name: how a column value is named as a directory of MOUNT/.by/<object>/<field>/
 * (docs/views.md, "Naming values"). Pure functions, no I/O, thread-safe.
 *
 * A value is first given its display form: the text of strings, dates, times and other
 * types as Postgres prints it; numbers and booleans as the record file shows them
 * (123.45, true); timestamps as the record file shows them without the quotes
 * (2023-10-01T12:34:56Z). The display form is then made a file name:
 *   - SQL NULL is `%null`, the empty string `%empty`;
 *   - `%`, `/`, bytes below 0x20, DEL, a leading `.` and bytes that are not valid UTF-8
 *     are written `%XX` (upper-case hex); everything else is kept as it is;
 *   - a name that would be longer than FS_VIEW_NAME_MAX bytes keeps its first bytes and
 *     ends in `%~` and 16 hex digits of the MD5 of the value's Postgres text.
 * Every value has exactly one name, and every name but the shortened ones decodes back
 * to its display form; a shortened name is found by its hash.
 */
#ifndef FORCEFS_FS_VIEW_NAME_H
#define FORCEFS_FS_VIEW_NAME_H

#include <stdbool.h>

#include "record_render.h"

/* Longest name a value gets (bytes); longer ones are shortened with a hash. */
#define FS_VIEW_NAME_MAX   200
#define FS_VIEW_NULL_NAME  "%null"
#define FS_VIEW_EMPTY_NAME "%empty"

/* The display form of a value (`text` NULL: SQL NULL gives NULL). g_free() it. */
char *fs_view_display(enum record_kind kind, const char *text);

/* The directory name of a value (`text` NULL for SQL NULL). g_free() it. */
char *fs_view_name_encode(enum record_kind kind, const char *text);

/* What a name stands for. */
struct fs_view_value {
	bool is_null;
	char *display; /* decoded display form (not for NULL or a shortened name) */
	char *hash;    /* 16 lower-case hex digits of a shortened name, else NULL */
};

/*
 * Decodes a name. Returns false for a name no value has: bad `%` escapes, escapes that
 * are not the canonical ones (`%41` for `A`), a shortened name without its hash. On
 * success the caller frees with fs_view_value_clear().
 */
bool fs_view_name_decode(const char *name, struct fs_view_value *out);
void fs_view_value_clear(struct fs_view_value *v);

#endif
