/*
 * `forcefs status [--json]`: per object the records, pending and failed records, last
 * pull, last push and today's API calls; then the failed records with their messages
 * (docs/contract.md §2, docs/sync.md "Status"). Reads the database only.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <glib.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_args.h"
#include "config.h"
#include "db_conn.h"
#include "db_status.h"
#include "log.h"
#include "sf_auth.h"

#define MAX_FAILURES 1000

static void status_usage(FILE *out)
{
	fprintf(out,
		"usage: forcefs status [--json] [--db URL] [--schema NAME] [--target-org ALIAS]\n"
		"                      [--alias NAME]\n"
		"\n"
		"Shows, per synced object: records, records with changes waiting to be sent\n"
		"(pending), records whose last sync failed, the last pull and push, and the API\n"
		"calls made today; then which engine leads, which Salesforce login source init\n"
		"and sync would use (never a secret) and the failed records with Salesforce's\n"
		"messages. Reads the database only: it does not log in.\n"
		"\n"
		"  --json           one JSON object instead of the table\n");
	cmd_args_help_common(out, 19);
	fprintf(out,
		"  --target-org A   report the Salesforce CLI org A as the login source, as\n"
		"                   init and sync --target-org A would use it\n"
		"  --alias NAME     report the stored login NAME (forcefs login), as init and\n"
		"                   sync --alias NAME would use it\n");
}

static cJSON *string_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* The login source init and sync would use: its description, or why there is none. */
struct login_source {
	const char *flow; /* sf_auth_flow_name(), NULL when not configured */
	char *text;
};

static struct login_source login_source(const char *target_org, const char *alias)
{
	struct sf_auth_config *cfg;
	struct sf_error *e = sf_auth_config_load(target_org, alias, &cfg);
	struct login_source ls = {0};
	if (e) {
		ls.text = g_strdup_printf("not configured: %s", e->message);
		sf_error_free(e);
		return ls;
	}
	ls.flow = sf_auth_flow_name(cfg->flow);
	ls.text = sf_auth_describe(cfg);
	sf_auth_config_free(cfg);
	return ls;
}

static void print_json(const struct db_status *st, const struct login_source *ls)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "schema", st->schema);
	cJSON *engine = cJSON_AddObjectToObject(root, "engine");
	cJSON_AddBoolToObject(engine, "running", st->leader_pid != 0);
	if (st->leader_pid) {
		cJSON_AddNumberToObject(engine, "backend_pid", st->leader_pid);
		cJSON_AddItemToObject(engine, "since", string_or_null(st->leader_since));
		cJSON_AddItemToObject(engine, "client", string_or_null(st->leader_client));
	}
	cJSON_AddNumberToObject(root, "api_calls_today", (double)st->api_calls_today);
	if (st->org_api_max >= 0) {
		cJSON *org = cJSON_AddObjectToObject(root, "org_api_usage");
		cJSON_AddNumberToObject(org, "used", (double)st->org_api_used);
		cJSON_AddNumberToObject(org, "max", (double)st->org_api_max);
	} else {
		cJSON_AddNullToObject(root, "org_api_usage");
	}
	cJSON *objects = cJSON_AddArrayToObject(root, "objects");
	for (size_t i = 0; i < st->nobjects; i++) {
		const struct db_status_object *o = &st->objects[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "object", o->object);
		cJSON_AddStringToObject(j, "table", o->table);
		cJSON_AddNumberToObject(j, "records", (double)o->records);
		cJSON_AddNumberToObject(j, "pending", (double)o->pending);
		cJSON_AddNumberToObject(j, "failed", (double)o->failed);
		cJSON_AddBoolToObject(j, "loaded", o->loaded);
		cJSON_AddItemToObject(j, "last_pull", string_or_null(o->last_pull));
		cJSON_AddItemToObject(j, "last_push", string_or_null(o->last_push));
		cJSON_AddNumberToObject(j, "api_calls_today", (double)o->api_calls_today);
		cJSON_AddItemToObject(j, "last_error", string_or_null(o->last_error));
		cJSON_AddItemToObject(j, "stream", string_or_null(o->stream));
		cJSON_AddItemToObject(j, "stream_note", string_or_null(o->stream_note));
		if (o->replay_id >= 0)
			cJSON_AddNumberToObject(j, "replay_id", (double)o->replay_id);
		else
			cJSON_AddNullToObject(j, "replay_id");
		if (o->replay_age_seconds >= 0)
			cJSON_AddNumberToObject(j, "replay_age_seconds",
						(double)o->replay_age_seconds);
		else
			cJSON_AddNullToObject(j, "replay_age_seconds");
		cJSON_AddNumberToObject(j, "events_today", (double)o->events_today);
		cJSON_AddItemToArray(objects, j);
	}
	cJSON *failed = cJSON_AddArrayToObject(root, "failed");
	for (size_t i = 0; i < st->nfailures; i++) {
		const struct db_status_failure *f = &st->failures[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "table", f->table);
		cJSON_AddStringToObject(j, "file", f->file);
		cJSON_AddNumberToObject(j, "id", (double)f->id);
		cJSON_AddItemToObject(j, "sfid", string_or_null(f->sfid));
		cJSON_AddStringToObject(j, "op", f->op);
		cJSON_AddStringToObject(j, "message", f->message);
		cJSON_AddItemToArray(failed, j);
	}
	cJSON *login = cJSON_AddObjectToObject(root, "login");
	cJSON_AddItemToObject(login, "flow", string_or_null(ls->flow));
	cJSON_AddStringToObject(login, "source", ls->text);
	char *text = cJSON_Print(root);
	printf("%s\n", text);
	cJSON_free(text);
	cJSON_Delete(root);
}

/* "42 s", "5 min", "3 h", "2 d". */
static void format_age(char *buf, size_t n, long s)
{
	if (s < 120)
		snprintf(buf, n, "%ld s", s);
	else if (s < 7200)
		snprintf(buf, n, "%ld min", s / 60);
	else if (s < 172800)
		snprintf(buf, n, "%ld h", s / 3600);
	else
		snprintf(buf, n, "%ld d", s / 86400);
}

static void print_text(const struct db_status *st, const struct login_source *ls)
{
	if (st->leader_pid)
		printf("schema %s: sync engine running (session pid %d from %s, since %s)\n",
		       st->schema, st->leader_pid, st->leader_client ? st->leader_client : "?",
		       st->leader_since ? st->leader_since : "?");
	else
		printf("schema %s: no sync engine running%s\n", st->schema,
		       st->engine_state ? "" : " (it never ran here)");
	printf("Salesforce login: %s\n", ls->text);
	printf("API calls today: %ld", st->api_calls_today);
	if (st->org_api_max >= 0)
		printf(" (the org reported %lld of %lld used)", st->org_api_used, st->org_api_max);
	printf("\n\n%-24s %9s %8s %7s  %-20s  %-20s  %9s  %-9s  %10s  %6s\n", "OBJECT", "RECORDS",
	       "PENDING", "FAILED", "LAST PULL", "LAST PUSH", "API TODAY", "CHANGES", "REPLAY AGE",
	       "EVENTS");
	for (size_t i = 0; i < st->nobjects; i++) {
		const struct db_status_object *o = &st->objects[i];
		char age[32] = "-";
		if (o->replay_age_seconds >= 0)
			format_age(age, sizeof age, o->replay_age_seconds);
		printf("%-24s %9ld %8ld %7ld  %-20s  %-20s  %9ld  %-9s  %10s  %6ld\n", o->object,
		       o->records, o->pending, o->failed, o->last_pull ? o->last_pull : "never",
		       o->last_push ? o->last_push : "never", o->api_calls_today,
		       o->stream ? o->stream : "-", age, o->events_today);
		if (o->stream_note && o->stream && strcmp(o->stream, "polling") == 0)
			printf("  polling: %s\n", o->stream_note);
		if (o->last_error)
			printf("  last error: %s\n", o->last_error);
	}
	if (st->nfailures == 0)
		return;
	printf("\nfailed records (fix the record and save it again, or set its _trigger_log rows "
	       "back to NEW):\n");
	for (size_t i = 0; i < st->nfailures; i++) {
		const struct db_status_failure *f = &st->failures[i];
		printf("%s/%s\t%s\t%s\n", f->table, f->file, f->op, f->message);
	}
}

int cmd_status(int argc, char **argv)
{
	static const struct option long_opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    CMD_ARGS_LOGIN_OPTIONS,
	    CMD_ARGS_COMMON_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	bool json = false;
	struct cmd_args_common common = {0};
	struct cmd_args_login login = {0};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			status_usage(stdout);
			return EXIT_OK;
		default:
			if (cmd_args_take_common(c, &common) || cmd_args_take_login(c, &login))
				break;
			return cmd_args_usage_error("status", c, argv);
		}
	}
	if (optind < argc) {
		die_msg("status: unexpected argument \"%s\": see forcefs status --help",
			argv[optind]);
		return EXIT_USAGE;
	}
	char *url = NULL;
	int code = cmd_args_database_url("status", &common, &url);
	if (code)
		return code;
	const char *schema = config_schema(common.schema);
	struct error err = {0};
	code = EXIT_RUNTIME;
	PGconn *conn = db_connect(url, "forcefs status", &err);
	struct db_status *st = NULL;
	if (!conn) {
		die_msg("status: %s", err.message);
	} else if (db_status_load(conn, schema, MAX_FAILURES, &st, &err) < 0) {
		die_msg("status: %s", err.message);
	} else {
		struct login_source ls = login_source(login.target_org, login.alias);
		if (json)
			print_json(st, &ls);
		else
			print_text(st, &ls);
		g_free(ls.text);
		code = EXIT_OK;
	}
	db_status_free(st);
	PQfinish(conn);
	free(url);
	return code;
}
