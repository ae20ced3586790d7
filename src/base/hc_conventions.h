/*
 * hc_conventions: what Heroku Connect's table layout means, owned here once
 * (docs/contract.md "Table shapes"): the columns a record file never shows, the
 * fields Salesforce and the sync maintain, and the `_hc_err` value of a record whose
 * change Salesforce refused. Pure.
 */
#ifndef FORCEFS_HC_CONVENTIONS_H
#define FORCEFS_HC_CONVENTIONS_H

#include <stdbool.h>

/* Columns Heroku Connect keeps for its own bookkeeping (id, isdeleted, _hc_lastop,
 * _hc_err): never fields of a record file. */
bool hc_is_hidden_column(const char *column);

/* Fields Salesforce and the sync maintain (sfid, createddate, systemmodstamp,
 * lastmodifieddate, createdbyid, lastmodifiedbyid): shown, read-only, ignored on insert. */
bool hc_is_system_field(const char *column);

/*
 * The _hc_err value Heroku Connect writes for a failed record:
 *     {"op":"UPDATE","src":"SFDC","msg":"..."}
 * valid JSON whatever the message holds. `op` NULL: "UPDATE"; `src` NULL: "SFDC"
 * (Salesforce's answers; "FORCEFS" for what forcefs itself refused to send). g_free().
 */
char *hc_err_encode(const char *op, const char *src, const char *msg);

/*
 * The message of an _hc_err value: its "msg", or the whole text when it is not such
 * JSON (written by another tool); NULL for NULL or "". When `op` is not NULL it gets
 * the "op" ("UPDATE" when there is none). g_free() both.
 */
char *hc_err_decode(const char *hc_err, char **op);

#endif
