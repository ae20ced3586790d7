/*
 * sf_id: Salesforce record ids.
 *
 * An id is 15 characters of [0-9A-Za-z], case-sensitive (what the UI shows),
 * or those 15 plus a 3-character suffix that encodes the case of the first 15,
 * making the 18-character form safe to compare case-insensitively (what the
 * API returns). The first 3 characters are the key prefix of the object type
 * ("001" Account, "003" Contact, "a0X" custom objects).
 *
 * Suffix: for chunk i of 5 characters, bit j is set when character j of the
 * chunk is an upper-case letter; the 5-bit value indexes
 * "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345".
 */
#ifndef FORCEFS_SF_ID_H
#define FORCEFS_SF_ID_H

#include <stdbool.h>

#define SF_ID15_LEN 15
#define SF_ID18_LEN 18
#define SF_ID_BUF   19 /* an 18-character id and its NUL */

/* True when `id` is 15 characters of [0-9A-Za-z], or 18 such characters whose
 * suffix matches the case of the first 15 (the suffix itself may be in either
 * case). A case-folded 18-character id is not valid as is: see
 * sf_id_restore_case(). */
bool sf_id_is_valid(const char *id);

/* Writes the 18-character form of a valid 15- or 18-character id to `out`
 * (an 18-character input keeps its first 15 characters and gets its suffix
 * recomputed, upper-case). Returns false, leaving `out` empty, for an invalid id. */
bool sf_id_to_18(const char *id, char out[SF_ID_BUF]);

/* Restores the case of an 18-character id whose letters were folded (as by a
 * case-insensitive store) from its suffix. Returns false when `id` is not 18
 * characters of [0-9A-Za-z] or its suffix is not a valid suffix. */
bool sf_id_restore_case(const char *id, char out[SF_ID_BUF]);

/* True when both name the same record: 15-character ids compare by case,
 * 18-character ids by the case their suffix implies (so a case-folded 18-character
 * id equals the original). False when either is not an id. */
bool sf_id_equal(const char *a, const char *b);

/* Writes the 3-character key prefix of a valid id to `out`; false if invalid. */
bool sf_id_key_prefix(const char *id, char out[4]);

#endif
