/*
 * loopback_redirect: receives the browser's redirect at the end of a web server login
 * (RFC 8252 §7.3): a one-shot HTTP listener on 127.0.0.1 that answers
 * GET /OauthRedirect?code=...&state=... with a short page and hands the code over.
 *
 * Only 127.0.0.1 is listened on; the redirect URI names it as http://localhost:PORT/
 * OauthRedirect, the callback the Salesforce CLI registers, so a connected app set up
 * for `sf org login web` works unchanged. Requests for another path (a browser's
 * favicon) get 404 and the wait goes on. The code is a secret: it is never logged and
 * is wiped when freed. Blocking; one listener per login.
 */
#ifndef FORCEFS_LOOPBACK_REDIRECT_H
#define FORCEFS_LOOPBACK_REDIRECT_H

#include <stdbool.h>

#define LOOPBACK_DEFAULT_PORT 1717
#define LOOPBACK_PATH	      "/OauthRedirect"

struct loopback {
	int fd;
	int port;
	char *redirect_uri; /* http://localhost:PORT/OauthRedirect */
};

/* Listens on 127.0.0.1:port (0: a free port). On failure returns -1 with a one-line
 * message in *why (g_malloc'd): the port is in use, ... */
int loopback_open(int port, struct loopback *lb, char **why);

/* Waits up to timeout_s for the redirect. Returns 0 with *code (g_malloc'd) when it
 * carried `state` and a code; -1 with *why otherwise: the time ran out (the browser was
 * closed), the state is not ours, or Salesforce sent an error (its error_description). */
int loopback_wait(struct loopback *lb, const char *state, int timeout_s, char **code, char **why);

void loopback_close(struct loopback *lb);

#endif
