#include "loopback_redirect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQUEST 16384

int loopback_open(int port, struct loopback *lb, char **why)
{
	lb->fd = -1;
	lb->redirect_uri = NULL;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*why = g_strdup_printf("cannot listen for the browser: %s", g_strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(addr);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
		int e = errno;
		close(fd);
		*why =
		    e == EADDRINUSE
			? g_strdup_printf("port %d on 127.0.0.1 is in use (another login?): "
					  "free it or give --port",
					  port)
			: g_strdup_printf("cannot listen on 127.0.0.1:%d: %s", port, g_strerror(e));
		return -1;
	}
	lb->fd = fd;
	lb->port = ntohs(addr.sin_port);
	lb->redirect_uri = g_strdup_printf("http://localhost:%d%s", lb->port, LOOPBACK_PATH);
	return 0;
}

void loopback_close(struct loopback *lb)
{
	if (lb->fd >= 0)
		close(lb->fd);
	lb->fd = -1;
	g_free(lb->redirect_uri);
	lb->redirect_uri = NULL;
}

static long remaining_ms(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* Reads the request head (up to the blank line) within 5 s. */
static char *read_head(int fd)
{
	GString *buf = g_string_new(NULL);
	char chunk[2048];
	while (buf->len < MAX_REQUEST && !strstr(buf->str, "\r\n\r\n") &&
	       !strstr(buf->str, "\n\n")) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 5000) <= 0)
			break;
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		g_string_append_len(buf, chunk, n);
	}
	return g_string_free(buf, FALSE);
}

static void answer(int fd, int status, const char *text)
{
	char *page = g_strdup_printf("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
				     "<title>forcefs login</title></head><body><p>%s</p>"
				     "</body></html>\n",
				     text);
	char *head = g_strdup_printf("HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n"
				     "Content-Length: %zu\r\nCache-Control: no-store\r\n"
				     "Connection: close\r\n\r\n",
				     status,
				     status == 200   ? "OK"
				     : status == 404 ? "Not Found"
						     : "Bad Request",
				     strlen(page));
	if (write(fd, head, strlen(head)) >= 0 && write(fd, page, strlen(page)) >= 0)
		shutdown(fd, SHUT_WR);
	g_free(head);
	g_free(page);
}

enum outcome { NOT_OURS, GOT_CODE, FAILED };

/* Handles one request: the redirect, or something else (404). */
static enum outcome handle(int fd, const char *state, char **code, char **why)
{
	char *head = read_head(fd);
	char method[8] = "", target[MAX_REQUEST];
	enum outcome out = NOT_OURS;
	if (sscanf(head, "%7s %16383s", method, target) != 2 || strcmp(method, "GET") != 0 ||
	    strncmp(target, LOOPBACK_PATH, strlen(LOOPBACK_PATH)) != 0 ||
	    (target[strlen(LOOPBACK_PATH)] != '?' && target[strlen(LOOPBACK_PATH)] != '\0')) {
		answer(fd, 404, "Not the forcefs login.");
		goto out;
	}
	const char *query = strchr(target, '?');
	GHashTable *q =
	    g_uri_parse_params(query ? query + 1 : "", -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
	const char *got_state = q ? g_hash_table_lookup(q, "state") : NULL;
	const char *got_code = q ? g_hash_table_lookup(q, "code") : NULL;
	const char *error = q ? g_hash_table_lookup(q, "error") : NULL;
	const char *desc = q ? g_hash_table_lookup(q, "error_description") : NULL;
	out = FAILED;
	if (!got_state || strcmp(got_state, state) != 0) {
		answer(fd, 400, "This answer is not for the login forcefs started.");
		*why = g_strdup("the browser's answer carries another state than the login "
				"forcefs started: ignored, nothing stored (log in again)");
	} else if (error) {
		answer(fd, 400, "Salesforce refused the login; see the terminal.");
		*why = g_strdup_printf("Salesforce refused the login: %.200s (%.60s)",
				       desc ? desc : error, error);
	} else if (!got_code || !*got_code) {
		answer(fd, 400, "No authorization code came.");
		*why = g_strdup("the browser's answer carries no authorization code");
	} else {
		answer(fd, 200, "forcefs is logged in. You can close this window.");
		*code = g_strdup(got_code);
		out = GOT_CODE;
	}
	if (q) {
		if (got_code)
			explicit_bzero((char *)got_code, strlen(got_code));
		g_hash_table_destroy(q);
	}
out:
	explicit_bzero(target, sizeof(target));
	explicit_bzero(head, strlen(head));
	g_free(head);
	return out;
}

int loopback_wait(struct loopback *lb, const char *state, int timeout_s, char **code, char **why)
{
	*code = NULL;
	*why = NULL;
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_s;
	for (;;) {
		long left = remaining_ms(&deadline);
		if (left <= 0) {
			*why = g_strdup_printf("no answer from the browser within %d s (was the "
					       "window closed?): nothing stored",
					       timeout_s);
			return -1;
		}
		struct pollfd p = {.fd = lb->fd, .events = POLLIN};
		int n = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		int conn = accept4(lb->fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		enum outcome o = handle(conn, state, code, why);
		close(conn);
		if (o == GOT_CODE)
			return 0;
		if (o == FAILED)
			return -1;
	}
}
