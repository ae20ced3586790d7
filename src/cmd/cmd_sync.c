/*
 * `forcefs sync [--once]`: the sync engine (docs/contract.md §7, docs/sync.md). Reads the options
 * and the environment, then hands over to sync_engine_run().
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_args.h"
#include "config.h"
#include "db_history.h"
#include "log.h"
#include "sf_auth.h"
#include "sync_engine.h"
#include "sync_mapping.h"

static void sync_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: forcefs sync [--once] [--db URL] [--schema NAME] [--mapping FILE]\n"
	    "                    [--objects A,B] [--poll-interval SECONDS]\n"
	    "                    [--max-daily-api-calls N] [--history-days N] [--api-version V]\n"
	    "                    [--timeout SECONDS] [--safety-poll SECONDS] [--no-streaming]\n"
	    "                    [--target-org ALIAS] [--alias NAME] [-d]\n"
	    "\n"
	    "Moves queued changes (_trigger_log) to Salesforce and Salesforce changes into the\n"
	    "tables, until SIGTERM (which lets the call in flight finish, then exits 0).\n"
	    "Several engines on one database are safe: one leads, the others stand by.\n"
	    "\n"
	    "  --once                  push what is queued, pull every object once, exit\n"
	    "                          (1 when something could not be done)\n");
	cmd_args_help_common(out, 26);
	fprintf(
	    out,
	    "  --mapping FILE          Heroku Connect's exported mapping JSON (default:\n"
	    "                          FORCEFS_MAPPING; none: every table forcefs init made)\n"
	    "  --objects A,B           sync only these objects\n"
	    "  --poll-interval S       pull every S seconds (1..86400) instead of each object's\n"
	    "                          sf_polling_seconds (default 60); FORCEFS_POLL_INTERVAL\n"
	    "  --max-daily-api-calls N API calls allowed per UTC day (default: the mapping's\n"
	    "                          sf_max_daily_api_calls, then %ld);\n"
	    "                          FORCEFS_MAX_DAILY_API_CALLS\n"
	    "  --history-days N        keep N days (1..36500) of record history (default %d);\n"
	    "                          FORCEFS_HISTORY_DAYS (docs/views.md)\n"
	    "  --api-version V         Salesforce API version (default: SF_API_VERSION, then %s)\n"
	    "  --timeout S             longest wait for one Salesforce answer (default 120)\n"
	    "  --safety-poll S         window poll interval of an object that streams its\n"
	    "                          changes (Change Data Capture; 1..86400, default 600);\n"
	    "                          FORCEFS_SAFETY_POLL_INTERVAL\n"
	    "  --no-streaming          poll only, no Change Data Capture subscription\n"
	    "                          (FORCEFS_STREAMING=0)\n",
	    SYNC_DEFAULT_MAX_DAILY_API_CALLS, DB_HISTORY_DEFAULT_DAYS, SF_DEFAULT_API_VERSION);
	cmd_args_help_login(out, 26);
	fputs("  -d, --debug             log each Salesforce request\n\n", out);
	cmd_args_help_salesforce_login(out);
}

struct sync_args {
	struct cmd_args_common common; /* --db, --schema */
	struct cmd_args_login login;   /* --target-org, --alias */
	const char *mapping, *objects, *api_version;
	const char *poll, *cap, *timeout, *history_days, *safety;
	bool once, debug, no_streaming;
};

static int parse_args(int argc, char **argv, struct sync_args *a, int *code)
{
	static const struct option long_opts[] = {
	    {"once", no_argument, NULL, 'o'},
	    {"mapping", required_argument, NULL, 'M'},
	    {"objects", required_argument, NULL, 'O'},
	    {"poll-interval", required_argument, NULL, 'P'},
	    {"max-daily-api-calls", required_argument, NULL, 'C'},
	    {"history-days", required_argument, NULL, 'H'},
	    {"api-version", required_argument, NULL, 'A'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"safety-poll", required_argument, NULL, 'Y'},
	    {"no-streaming", no_argument, NULL, 'N'},
	    {"debug", no_argument, NULL, 'd'},
	    CMD_ARGS_LOGIN_OPTIONS,
	    CMD_ARGS_COMMON_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	*a = (struct sync_args){0};
	*code = EXIT_USAGE;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":dh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->once = true;
			break;
		case 'M':
			a->mapping = optarg;
			break;
		case 'O':
			a->objects = optarg;
			break;
		case 'P':
			a->poll = optarg;
			break;
		case 'C':
			a->cap = optarg;
			break;
		case 'H':
			a->history_days = optarg;
			break;
		case 'A':
			a->api_version = optarg;
			break;
		case 'T':
			a->timeout = optarg;
			break;
		case 'd':
			a->debug = true;
			break;
		case 'Y':
			a->safety = optarg;
			break;
		case 'N':
			a->no_streaming = true;
			break;
		case 'h':
			sync_usage(stdout);
			*code = EXIT_OK;
			return -1;
		default:
			if (cmd_args_take_common(c, &a->common) ||
			    cmd_args_take_login(c, &a->login))
				break;
			*code = cmd_args_usage_error("sync", c, argv);
			return -1;
		}
	}
	if (optind < argc) {
		die_msg("sync: unexpected argument \"%s\": see forcefs sync --help", argv[optind]);
		return -1;
	}
	return 0;
}

/* A whole number in [min, max] from a flag, else the environment variable, else `def`.
 * Returns -1 (after the message) for a bad value. */
static int number(const char *flag, const char *flag_value, const char *env, long min, long max,
		  long def, long *out)
{
	const char *v = flag_value;
	const char *source = flag;
	if (!v && env) {
		v = getenv(env);
		source = env;
	}
	if (!v || !*v) {
		*out = def;
		return 0;
	}
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || end == v || n < min || n > max) {
		die_msg("sync: %s takes a whole number from %ld to %ld, got \"%.40s\"", source, min,
			max, v);
		return -1;
	}
	*out = n;
	return 0;
}

/* Tuning knobs for tests and benchmarks, from the environment (docs/sync.md). */
static int tuning(struct sync_options *o)
{
	long v;
	struct {
		const char *env;
		long min, max;
		long *field;
	} longs[] = {
	    {"FORCEFS_SYNC_RETRY_BASE_MS", 1, 3600000, &o->policy.base_ms},
	    {"FORCEFS_SYNC_RETRY_MAX_MS", 1, 3600000, &o->policy.max_ms},
	    {"FORCEFS_SYNC_LIMIT_WAIT_MS", 1, 86400000, &o->policy.limit_base_ms},
	    {"FORCEFS_SYNC_LIMIT_MAX_MS", 1, 86400000, &o->policy.limit_max_ms},
	    {"FORCEFS_SYNC_BATCH_SIZE", 1, 200, &o->batch_size},
	    {"FORCEFS_SYNC_BULK_THRESHOLD", 0, 1000000000, &o->bulk_threshold},
	    {"FORCEFS_SYNC_SWEEP_MS", 10, 3600000, &o->sweep_ms},
	    {"FORCEFS_SYNC_STREAM_GRACE_MS", 0, 3600000, &o->stream_grace_ms},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(longs); i++) {
		if (number(longs[i].env, NULL, longs[i].env, longs[i].min, longs[i].max,
			   *longs[i].field, &v) < 0)
			return -1;
		*longs[i].field = v;
	}
	if (number("FORCEFS_SYNC_ATTEMPTS", NULL, "FORCEFS_SYNC_ATTEMPTS", 1, 1000, o->once ? 8 : 0,
		   &v) < 0)
		return -1;
	o->policy.max_attempts = (unsigned)v;
	return 0;
}

int cmd_sync(int argc, char **argv)
{
	struct sync_args a;
	int code;
	if (parse_args(argc, argv, &a, &code) < 0)
		return code;
	log_set_debug(a.debug);

	struct sync_options o = {0};
	sync_options_defaults(&o);
	o.once = a.once;
	o.objects = a.objects;
	o.schema = config_schema(a.common.schema);
	o.progress = isatty(2);
	long v;
	if (number("--poll-interval", a.poll, "FORCEFS_POLL_INTERVAL", 1, 86400, 0, &v) < 0)
		return EXIT_USAGE;
	o.poll_seconds = (int)v;
	if (number("--max-daily-api-calls", a.cap, "FORCEFS_MAX_DAILY_API_CALLS", 1, 1000000000, 0,
		   &o.max_daily_api_calls) < 0 ||
	    number("--timeout", a.timeout, NULL, 1, 3600, 120, &v) < 0 || tuning(&o) < 0)
		return EXIT_USAGE;
	o.timeout_ms = v * 1000;
	if (number("--history-days", a.history_days, "FORCEFS_HISTORY_DAYS", 1, 36500,
		   DB_HISTORY_DEFAULT_DAYS, &v) < 0)
		return EXIT_USAGE;
	o.history_days = (int)v;
	if (number("--safety-poll", a.safety, "FORCEFS_SAFETY_POLL_INTERVAL", 1, 86400, 600, &v) <
	    0)
		return EXIT_USAGE;
	o.safety_seconds = (int)v;
	const char *st = getenv("FORCEFS_STREAMING");
	if (st && *st && strcmp(st, "0") != 0 && strcmp(st, "1") != 0) {
		die_msg("sync: FORCEFS_STREAMING takes 0 or 1, got \"%.40s\"", st);
		return EXIT_USAGE;
	}
	o.streaming = !a.no_streaming && !(st && strcmp(st, "0") == 0);

	struct error err = {0};
	struct sync_mapping *mapping = NULL;
	const char *mapping_file = a.mapping ? a.mapping : getenv("FORCEFS_MAPPING");
	if (mapping_file && *mapping_file && sync_mapping_load(mapping_file, &mapping, &err) < 0) {
		die_msg("sync: %s", err.message);
		return EXIT_RUNTIME;
	}
	o.mapping = mapping;

	int exit_code = EXIT_RUNTIME;
	char *url = NULL;
	struct sf_auth_config *auth = NULL;
	if ((code = cmd_args_api_version("sync", a.api_version)) != 0 ||
	    (code = cmd_args_database_url("sync", &a.common, &url)) != 0) {
		exit_code = code;
		goto out;
	}
	struct sf_error *e = sf_auth_config_load(a.login.target_org, a.login.alias, &auth);
	if (e) {
		die_msg("sync: %s", e->message);
		sf_error_free(e);
		goto out;
	}
	o.db_url = url;
	o.auth = auth;
	if (sync_engine_run(&o, &err) == 0)
		exit_code = EXIT_OK;
	else
		die_msg("sync: %s", err.message);
out:
	sf_auth_config_free(auth);
	sync_mapping_free(mapping);
	free(url);
	return exit_code;
}
