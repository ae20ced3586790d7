/*
 * `forcefs login` and `forcefs logout`: a person logs in once, in a browser (web server
 * flow with PKCE, the redirect received on 127.0.0.1) or with a code on another device
 * (device flow), and the refresh token is stored (sf_login_store.h) for init, sync and
 * status to use. Nothing is stored unless the whole login succeeded; every failure is
 * one line on stderr and exit 1. No secret is printed: not the code, the verifier, the
 * device code or a token.
 */
#include <getopt.h>
#include <glib.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "loopback_redirect.h"
#include "sf_auth.h"
#include "sf_login_store.h"
#include "sf_oauth_user.h"

#define DEFAULT_WAIT_SECONDS 600
#define SLOW_DOWN_STEP_S     5 /* RFC 8628 §3.5: each slow_down adds five seconds */

static void login_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: forcefs login [--device] [--login-url URL] [--client-id ID] [--alias NAME]\n"
	    "                     [--port N] [--timeout SECONDS] [--no-browser] [-d]\n"
	    "       forcefs login --list\n"
	    "       forcefs logout [ALIAS]\n"
	    "\n"
	    "Logs in to Salesforce as a person and stores the refresh token and instance URL\n"
	    "in $XDG_CONFIG_HOME/forcefs/login-ALIAS.json (mode 0600, directory 0700) for\n"
	    "init, sync and status (--alias NAME, or the only one stored when no SF_*\n"
	    "credentials are set). Without --device: prints the authorize URL (and opens it\n"
	    "with xdg-open when there is a display), and waits for the browser's redirect on\n"
	    "http://localhost:PORT/OauthRedirect (127.0.0.1), the callback the Salesforce CLI\n"
	    "uses; PKCE (S256) and a state protect it.\n"
	    "\n"
	    "  --device         device flow: prints a code to enter at a URL on any device\n"
	    "  --login-url URL  login host (default: SF_LOGIN_URL, then %s;\n"
	    "                   https://test.salesforce.com for a sandbox)\n"
	    "  --client-id ID   the connected app's consumer key (default: SF_CLIENT_ID)\n"
	    "  --alias NAME     the name to store the login as (default: the username)\n"
	    "  --port N         the redirect's port (default %d; 0: any free port)\n"
	    "  --timeout S      how long to wait for the person (default %d)\n"
	    "  --no-browser     do not run xdg-open, only print the URL\n"
	    "  --list           show the stored logins (never their tokens)\n"
	    "  -d, --debug      log each Salesforce request\n"
	    "\n"
	    "forcefs logout [ALIAS] revokes the stored refresh token at Salesforce and removes\n"
	    "the file (ALIAS may be left out when only one login is stored).\n",
	    SF_DEFAULT_LOGIN_URL, LOOPBACK_DEFAULT_PORT, DEFAULT_WAIT_SECONDS);
}

struct login_args {
	const char *login_url, *client_id, *alias;
	long port, timeout_s;
	bool device, no_browser, list, debug;
};

static bool parse_long(const char *text, long min, long max, long *out)
{
	char *end;
	long v = strtol(text, &end, 10);
	if (end == text || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Returns -1 when login should exit with *code (help, usage error). */
static int parse_args(int argc, char **argv, struct login_args *a, int *code)
{
	static const struct option long_opts[] = {
	    {"device", no_argument, NULL, 'V'},
	    {"login-url", required_argument, NULL, 'U'},
	    {"client-id", required_argument, NULL, 'C'},
	    {"alias", required_argument, NULL, 'L'},
	    {"port", required_argument, NULL, 'P'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"no-browser", no_argument, NULL, 'N'},
	    {"list", no_argument, NULL, 'l'},
	    {"debug", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	*a = (struct login_args){.port = LOOPBACK_DEFAULT_PORT, .timeout_s = DEFAULT_WAIT_SECONDS};
	*code = EXIT_USAGE;
	optind = 1;
	opterr = 0;
	for (int c; (c = getopt_long(argc, argv, ":dh", long_opts, NULL)) != -1;) {
		switch (c) {
		case 'V':
			a->device = true;
			break;
		case 'U':
			a->login_url = optarg;
			break;
		case 'C':
			a->client_id = optarg;
			break;
		case 'L':
			a->alias = optarg;
			break;
		case 'N':
			a->no_browser = true;
			break;
		case 'l':
			a->list = true;
			break;
		case 'd':
			a->debug = true;
			break;
		case 'P':
			if (!parse_long(optarg, 0, 65535, &a->port)) {
				die_msg("login: --port takes 0 to 65535, got \"%.40s\"", optarg);
				return -1;
			}
			break;
		case 'T':
			if (!parse_long(optarg, 1, 86400, &a->timeout_s)) {
				die_msg("login: --timeout takes whole seconds from 1 to 86400, got "
					"\"%.40s\"",
					optarg);
				return -1;
			}
			break;
		case 'h':
			login_usage(stdout);
			*code = EXIT_OK;
			return -1;
		case ':':
			die_msg("login: %s needs a value: see forcefs login --help",
				argv[optind - 1]);
			return -1;
		default:
			die_msg("login: unknown option \"%s\": see forcefs login --help",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		die_msg("login: unexpected argument \"%.100s\": see forcefs login --help",
			argv[optind]);
		return -1;
	}
	if (a->alias && !sf_login_alias_valid(a->alias)) {
		die_msg("login: --alias \"%.100s\" is not 1-100 letters, digits or ._@+- (not "
			"starting with . or -)",
			a->alias);
		return -1;
	}
	return 0;
}

static int list_logins(void)
{
	GPtrArray *aliases;
	struct sf_error *e = sf_login_store_aliases(&aliases);
	if (e) {
		die_msg("login: %s", e->message);
		sf_error_free(e);
		return EXIT_RUNTIME;
	}
	int code = EXIT_OK;
	if (aliases->len == 0)
		printf("no stored logins (forcefs login stores one)\n");
	for (guint i = 0; i < aliases->len; i++) {
		struct sf_stored_login *l;
		e = sf_login_store_load(g_ptr_array_index(aliases, i), &l);
		if (e) {
			die_msg("login: %s", e->message);
			sf_error_free(e);
			code = EXIT_RUNTIME;
			continue;
		}
		printf("%-24s %-32s %s (%s, %s login, %s)\n", l->alias,
		       l->username ? l->username : "-", l->instance_url ? l->instance_url : "-",
		       l->login_url, l->method ? l->method : "browser",
		       l->created ? l->created : "-");
		sf_stored_login_free(l);
	}
	g_ptr_array_free(aliases, TRUE);
	return code;
}

/* Runs xdg-open URL (no shell) when there is a display; its output is discarded. */
static void open_browser(const char *url)
{
	const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
	if (!((x && *x) || (w && *w)))
		return;
	char *prog = g_find_program_in_path("xdg-open");
	if (!prog)
		return;
	char *argv[] = {prog, (char *)url, NULL};
	GError *gerr = NULL;
	if (!g_spawn_async(NULL, argv, NULL,
			   G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
			   NULL, &gerr)) {
		log_warn("login: could not run xdg-open (%s): open the URL yourself",
			 gerr->message);
		g_error_free(gerr);
	}
	g_free(prog);
}

static int fail(const char *what, struct sf_error *e)
{
	die_msg("login: %s%s", what, e->message);
	sf_error_free(e);
	return -1;
}

static int browser_login(const struct login_args *a, struct sf_http *http, const char *login_url,
			 const char *client_id, struct sf_session **out)
{
	struct sf_pkce pkce;
	struct sf_error *e = sf_pkce_new(&pkce);
	if (e)
		return fail("", e);
	struct loopback lb;
	char *why = NULL, *code = NULL;
	if (loopback_open((int)a->port, &lb, &why) < 0) {
		die_msg("login: %s", why);
		g_free(why);
		return -1;
	}
	char *url = sf_oauth_authorize_url(login_url, client_id, lb.redirect_uri, &pkce);
	fprintf(stderr,
		"forcefs: login: open this URL in a browser and log in (waiting up to "
		"%ld s):\n%s\n",
		a->timeout_s, url);
	fflush(stderr);
	if (!a->no_browser)
		open_browser(url);
	g_free(url);
	int rc = loopback_wait(&lb, pkce.state, (int)a->timeout_s, &code, &why);
	if (rc < 0) {
		die_msg("login: %s", why);
		g_free(why);
	} else {
		e = sf_oauth_exchange_code(http, login_url, client_id, lb.redirect_uri, code,
					   pkce.verifier, out);
		explicit_bzero(code, strlen(code));
		g_free(code);
		if (e)
			rc = fail("exchanging the authorization code: ", e);
	}
	explicit_bzero(&pkce, sizeof(pkce));
	loopback_close(&lb);
	return rc;
}

static void sleep_s(long s)
{
	struct timespec t = {.tv_sec = s};
	while (nanosleep(&t, &t) < 0)
		;
}

static int device_login(const struct login_args *a, struct sf_http *http, const char *login_url,
			const char *client_id, struct sf_session **out)
{
	struct sf_device_code *dc;
	struct sf_error *e = sf_oauth_device_start(http, login_url, client_id, &dc);
	if (e)
		return fail("asking for a device code: ", e);
	long wait = dc->expires_in_s > 0 && dc->expires_in_s < a->timeout_s ? dc->expires_in_s
									    : a->timeout_s;
	fprintf(stderr,
		"forcefs: login: open %s on any device and enter the code %s (waiting "
		"up to %ld s)\n",
		dc->verification_uri, dc->user_code, wait);
	fflush(stderr);
	time_t deadline = time(NULL) + wait;
	long interval = dc->interval_s > 0 ? dc->interval_s : 1; /* never a busy loop */
	int rc = -1;
	for (;;) {
		if (time(NULL) + interval > deadline) {
			die_msg("login: the code %s was not approved within %ld s: nothing stored",
				dc->user_code, wait);
			break;
		}
		sleep_s(interval);
		e = sf_oauth_device_poll(http, login_url, client_id, dc, out);
		if (!e) {
			rc = 0;
			break;
		}
		const char *code = e->code ? e->code : "";
		if (strcmp(code, "authorization_pending") == 0) {
			sf_error_free(e);
			continue;
		}
		if (strcmp(code, "slow_down") == 0) {
			interval += SLOW_DOWN_STEP_S;
			log_debug("login: Salesforce asks to poll more slowly: every %ld s",
				  interval);
			sf_error_free(e);
			continue;
		}
		rc = fail(strcmp(code, "access_denied") == 0 ? "the code was denied: "
							     : "waiting for the code: ",
			  e);
		break;
	}
	sf_device_code_free(dc);
	return rc;
}

static char *now_iso(void)
{
	GDateTime *now = g_date_time_new_now_utc();
	char *s = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(now);
	return s;
}

/* Stores the session as a login; prints where. */
static int store(const struct login_args *a, struct sf_http *http, const char *login_url,
		 const char *client_id, const struct sf_session *s)
{
	char *username = NULL;
	struct sf_error *e = sf_oauth_identity_username(http, s, &username);
	if (e)
		return fail("", e);
	struct sf_stored_login l = {
	    .alias = g_strdup(a->alias ? a->alias : username),
	    .username = username,
	    .instance_url = s->instance_url,
	    .login_url = (char *)login_url,
	    .client_id = (char *)client_id,
	    .refresh_token = s->refresh_token,
	    .method = a->device ? "device" : "browser",
	    .created = now_iso(),
	};
	int rc = 0;
	if (!sf_login_alias_valid(l.alias)) {
		die_msg("login: the username \"%.100s\" cannot be a file name: give --alias",
			l.alias);
		rc = -1;
	} else if ((e = sf_login_store_save(&l))) {
		rc = fail("", e);
	} else {
		printf("logged in as %s at %s; stored as \"%s\" in %s\n", username, s->instance_url,
		       l.alias, l.path);
	}
	g_free(l.alias);
	g_free(l.created);
	g_free(l.path);
	g_free(username);
	return rc;
}

int cmd_login(int argc, char **argv)
{
	struct login_args a;
	int code;
	if (parse_args(argc, argv, &a, &code) < 0)
		return code;
	log_set_debug(a.debug);
	if (a.list)
		return list_logins();
	const char *env_url = getenv("SF_LOGIN_URL"), *env_id = getenv("SF_CLIENT_ID");
	char *login_url = g_strdup(a.login_url		 ? a.login_url
				   : env_url && *env_url ? env_url
							 : SF_DEFAULT_LOGIN_URL);
	for (size_t n = strlen(login_url); n > 0 && login_url[n - 1] == '/'; n--)
		login_url[n - 1] = '\0';
	const char *client_id = a.client_id ? a.client_id : env_id && *env_id ? env_id : NULL;
	struct sf_error *e = sf_http_check_url(login_url);
	code = EXIT_RUNTIME;
	struct sf_http *http = NULL;
	struct sf_session *s = NULL;
	if (e) {
		sf_error_prefix(e, "--login-url");
		fail("", e);
		code = EXIT_USAGE;
	} else if (!client_id) {
		die_msg("login: give the connected app's consumer key with --client-id or "
			"SF_CLIENT_ID");
		code = EXIT_USAGE;
	} else if ((e = sf_http_new(NULL, &http))) {
		fail("", e);
	} else if ((a.device ? device_login : browser_login)(&a, http, login_url, client_id, &s) ==
		   0) {
		if (store(&a, http, login_url, client_id, s) == 0)
			code = EXIT_OK;
		else /* not stored: the refresh token must not live on at Salesforce */
			sf_error_free(sf_oauth_revoke(http, login_url, s->refresh_token));
	}
	sf_session_free(s);
	sf_http_free(http);
	g_free(login_url);
	return code;
}

/* The alias to log out of: the one given, or the only one stored. */
static char *logout_alias(int argc, char **argv)
{
	if (argc > 2) {
		die_msg("logout: unexpected argument \"%.100s\": forcefs logout [ALIAS]", argv[2]);
		return NULL;
	}
	if (argc == 2)
		return g_strdup(argv[1]);
	GPtrArray *aliases;
	struct sf_error *e = sf_login_store_aliases(&aliases);
	char *alias = NULL;
	if (e) {
		die_msg("logout: %s", e->message);
		sf_error_free(e);
		return NULL;
	}
	if (aliases->len == 1) {
		alias = g_strdup(g_ptr_array_index(aliases, 0));
	} else if (aliases->len == 0) {
		die_msg("logout: no stored login");
	} else {
		g_ptr_array_add(aliases, NULL);
		char *names = g_strjoinv(", ", (char **)aliases->pdata);
		die_msg("logout: %u stored logins (%s): name one", aliases->len - 1, names);
		g_free(names);
	}
	g_ptr_array_free(aliases, TRUE);
	return alias;
}

int cmd_logout(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		login_usage(stdout);
		return EXIT_OK;
	}
	char *alias = logout_alias(argc, argv);
	if (!alias)
		return EXIT_RUNTIME;
	struct sf_stored_login *l = NULL;
	struct sf_error *e = sf_login_store_load(alias, &l);
	const char *revoked = "refresh token revoked";
	char *note = NULL;
	if (e && strncmp(e->message, "no stored login", 15) == 0) {
		die_msg("logout: %s", e->message);
		sf_error_free(e);
		g_free(alias);
		return EXIT_RUNTIME;
	}
	if (e) {
		/* A file not to be trusted is removed without sending its token anywhere. */
		note = g_strdup_printf("not revoked: %s", e->message);
		sf_error_free(e);
	} else {
		struct sf_http *http = NULL;
		e = sf_http_new(NULL, &http);
		if (!e)
			e = sf_oauth_revoke(http, l->login_url, l->refresh_token);
		if (e) {
			note = g_strdup_printf("not revoked at Salesforce (%s): revoke it in "
					       "Setup > Connected Apps OAuth Usage",
					       e->message);
			sf_error_free(e);
		}
		sf_http_free(http);
	}
	bool removed;
	e = sf_login_store_remove(alias, &removed);
	int code = EXIT_OK;
	if (e) {
		die_msg("logout: %s", e->message);
		sf_error_free(e);
		code = EXIT_RUNTIME;
	} else {
		printf("logged out of \"%s\" (%s; file removed)\n", alias, note ? note : revoked);
	}
	g_free(note);
	sf_stored_login_free(l);
	g_free(alias);
	return code;
}
