/*
 * sync_window: which Salesforce records a pull asks for (docs/contract.md §7, docs/sync.md "Pull").
 *
 * A pull reads an object's records in (SystemModstamp, Id) order, in chunks:
 *
 *   SELECT <fields> FROM <Object>
 *   WHERE SystemModstamp >= <cursor stamp - overlap>               (first chunk of a poll)
 *   WHERE SystemModstamp > T OR (SystemModstamp = T AND Id > 'I')   (the next chunks)
 *   ORDER BY SystemModstamp, Id LIMIT <chunk>
 *
 * through queryAll, so records deleted since (IsDeleted = true) come too. The cursor is
 * the (SystemModstamp, Id) of the last record applied; it only moves forward, and only
 * after the chunk is committed to the database, so a crash repeats at most one chunk.
 * The tiebreak on Id lets a chunk end inside a group of records that share one
 * SystemModstamp (bulk imports) without skipping or repeating any. The overlap re-reads
 * the last few seconds at the start of every poll, for records whose transaction
 * committed after a later-stamped one was already read; rows that did not change are
 * not written again (db_sync_pull).
 *
 * Pure: builds text, no I/O.
 */
#ifndef FORCEFS_SYNC_WINDOW_H
#define FORCEFS_SYNC_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sf_id.h"

/* Re-read this much before the cursor at the start of each poll. */
#define SYNC_WINDOW_DEFAULT_OVERLAP_MS 5000

/* The position of a pull: the last record applied. stamp_ms 0 and id "" = nothing yet. */
struct sync_cursor {
	int64_t stamp_ms;   /* SystemModstamp, ms since the epoch (UTC) */
	char id[SF_ID_BUF]; /* Id; "" = every record stamped at or after stamp_ms */
};

/* Where a new poll starts: `saved` moved back by `overlap_ms`, with no Id (inclusive).
 * A cursor that never moved stays at the beginning. */
struct sync_cursor sync_window_poll_start(const struct sync_cursor *saved, int64_t overlap_ms);

/* The WHERE condition for records after `from` (without "WHERE"), or NULL when `from`
 * is the beginning (every record). g_free() the result. */
char *sync_window_condition(const struct sync_cursor *from);

/*
 * The SOQL of one chunk: `fields` (API names, n of them; Id and SystemModstamp must be
 * among them) of `object` after `from`, in (SystemModstamp, Id) order, at most `limit`
 * records (0: no LIMIT). NULL when a name is not an API name. g_free() the result.
 */
char *sync_window_soql(const char *object, const char *const *fields, size_t nfields,
		       const struct sync_cursor *from, long limit);

/* Moves `cursor` to (stamp_ms, id), the record just applied. Records come in order, so
 * this is the newest; a record older than the cursor (which the overlap re-reads) leaves
 * it where it is. Returns whether it moved. */
bool sync_cursor_advance(struct sync_cursor *cursor, int64_t stamp_ms, const char *id);

#endif
