/*
 * record_merge: which fields a write to a record file changes (docs/contract.md §5, field-level
 * three-way merge).
 *
 *   base   the content the mount last served for the record: what the user started from
 *   mine   what the user wrote
 *   theirs the record as the database holds it now (a fresh render, parsed)
 *
 * For each key of `mine`, with "changed" meaning "not record_value_equal()", and a key
 * missing from a record counting as a value of its own (equal only to missing):
 *
 *   not in theirs, mine == base              stale key left as served: ignored
 *   not in theirs, otherwise                 UNKNOWN: not a field of the record (any more);
 *                                            never written, validation refuses it
 *   mine == base                             unchanged by the user: nothing to write, and
 *                                            a change made meanwhile in theirs is kept
 *   mine != base, theirs == base             WRITE mine
 *   mine != base, theirs != base, mine == theirs
 *                                            changed on both sides alike: nothing to write
 *   mine != base, theirs != base, mine != theirs
 *                                            CONFLICT (the write is refused with ESTALE)
 *
 * A key of base or theirs that `mine` omits is left unchanged; it is NOT set to null.
 * Why: `jq 'del(.x)'`, hand-trimmed files and files prepared with only the fields to fix
 * (`rsync -a ./fixes/ ~/sf/contact/`) must not wipe data that nobody meant to touch, and
 * Salesforce fields are cleared on purpose far less often than edits drop keys by
 * accident. To clear a field, write `"x": null`.
 *
 * Values compare by meaning, not by spelling (record_value_equal): numbers by exact
 * decimal value ("1" == "1.0" == "1e0", "-0" == "0", but 9223372036854775807 !=
 * 9223372036854775806 although they are the same double), strings by their decoded
 * bytes (no Unicode normalization), nested arrays and objects by canonical text (key
 * order and whitespace do not matter, "1.0" and "1" inside them do). Two spellings of one
 * double ("0.1" and "0.10000000000000001") compare unequal; the worst that does is write
 * the value the column already holds.
 *
 * Pure functions, no I/O, thread-safe.
 */
#ifndef FORCEFS_RECORD_MERGE_H
#define FORCEFS_RECORD_MERGE_H

#include "record_parse.h"

#include <glib.h>
#include <stdbool.h>

/*
 * The outcome of a merge. Each array holds `const struct record_field *` pointing into
 * `mine` (valid while `mine` lives), in the order the user wrote them.
 */
struct record_merge_result {
	GPtrArray *writes;    /* fields to write, with the user's values */
	GPtrArray *conflicts; /* fields changed on both sides to different values */
	GPtrArray *unknown;   /* keys that are not fields of the record in `theirs` */
};

/*
 * Merges `mine` against `base` and `theirs` by the rules above into `out`, which must be
 * released with record_merge_result_clear(). `base` may be NULL when the mount never
 * served the record to this writer (a file overwritten without being read): `mine` is then
 * compared with `theirs` alone, so every difference is written and nothing conflicts.
 * The write may go ahead only when `conflicts` and `unknown` are both empty.
 */
void record_merge(const struct record_parsed *base, const struct record_parsed *mine,
		  const struct record_parsed *theirs, struct record_merge_result *out);

void record_merge_result_clear(struct record_merge_result *result);

/* True when `a` and `b` mean the same value (see above); values of different types never do. */
bool record_value_equal(const struct record_value *a, const struct record_value *b);

#endif
