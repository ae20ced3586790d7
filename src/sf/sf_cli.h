/*
 * sf_cli: the session of an org the Salesforce CLI (`sf`) is logged in to.
 *
 * Runs `sf org display --target-org ALIAS --json` found on PATH, without a shell (the
 * alias is one argv element whatever it contains), and takes result.accessToken and
 * result.instanceUrl from its answer. sf's stderr is discarded; its stdout is wiped
 * after parsing. Errors never quote the token. Blocking; no shared state.
 */
#ifndef FORCEFS_SF_CLI_H
#define FORCEFS_SF_CLI_H

#include "sf_error.h"

/* On success *instance_url and *access_token are g_malloc'd (wipe the token before
 * g_free). Errors (SF_ERR_CONFIG, one line):
 *   "the Salesforce CLI (sf) is not on PATH: install it or log in another way"
 *   "sf org display --target-org ALIAS: <sf's message>" (status != 0)
 *   "sf org display --target-org ALIAS: exit N and no JSON answer"
 *   "sf org display --target-org ALIAS: unexpected answer: ..." (malformed JSON,
 *   no accessToken/instanceUrl) */
struct sf_error *sf_cli_org_session(const char *alias, char **instance_url, char **access_token);

#endif
