/*
 * redact: URLs and messages with their secrets replaced, for every error and log line.
 *
 * A database or Salesforce URL may carry a password ("postgres://u:pw@host/db",
 * "...?password=pw", "password=pw host=h") and parsers quote what they could not read
 * (libpq: `invalid percent-encoded token: "pw%zz"`). Nothing here needs the URL to be
 * valid: it is read as text, and anything that looks like a secret becomes "***".
 * Pure functions; results are g_free()d.
 */
#ifndef FORCEFS_REDACT_H
#define FORCEFS_REDACT_H

#define REDACTED "***"

/* `url` with the password of its user information ("scheme://user:PW@host") and the
 * values of secret-looking parameters (password, passwd, pass, secret, token, key, sig,
 * in a query "?a=b&c=d" or a libpq keyword list "a=b c='d'") replaced by REDACTED. */
char *redact_url(const char *url);

/* `message` (libpq's or libcurl's words about `url`) with `url` shown as redact_url()
 * shows it and every secret redact_url() would hide, raw or percent-decoded, replaced
 * by REDACTED wherever it appears. `url` may be NULL (then `message` is copied). */
char *redact_message(const char *message, const char *url);

#endif
