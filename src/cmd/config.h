/*
 * config: the settings of docs/contract.md §2, resolved flag first, then environment, then default.
 */
#ifndef FORCEFS_CONFIG_H
#define FORCEFS_CONFIG_H

#include "error.h"

/*
 * Resolves the database URL: `flag_db` (--db), then DATABASE_URL, then
 * HEROKUCONNECT_URL. A --db value that carries a password is refused (it would show
 * in ps); environment values may carry one, as Heroku's do. On success returns 0 and
 * a newly allocated string in *url; on failure returns -1 with a message in `err`.
 */
int config_database_url(const char *flag_db, char **url, struct error *err);

/* 1 when the URL or connection string carries a password, 0 when not, -1 when it
 * cannot be parsed (the reason is not given: libpq's would quote the URL). */
int config_url_has_password(const char *url);

/* --schema, then HEROKUCONNECT_SCHEMA, then "salesforce". Never NULL; do not free. */
const char *config_schema(const char *flag_schema);

#endif
