/*
 * `forcefs init`: creates the Heroku Connect layout (docs/contract.md §6) for the mapped objects,
 * standalone mode. Checks what can be checked first (arguments, mapping file, database,
 * that Heroku Connect does not manage the schema), then logs in to Salesforce, describes
 * every object, and only then writes, in one transaction (db_init_apply()). Any error is
 * one line on stderr and leaves the database as it was.
 */
#include <errno.h>
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
#include "db_history.h"
#include "db_init.h"
#include "db_schema.h"
#include "db_write.h"
#include "log.h"
#include "sf_auth.h"
#include "sf_client.h"
#include "sf_describe.h"
#include "sync_mapping.h"

#define DEFAULT_TIMEOUT_SECONDS 120

static void init_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: forcefs init (--objects A,B,... | --mapping FILE) [--db URL] [--schema NAME]\n"
	    "                    [--api-version V] [--timeout SECONDS] [--target-org ALIAS]\n"
	    "                    [--alias NAME] [-d]\n"
	    "       forcefs init --history [--db URL] [--schema NAME]\n"
	    "\n"
	    "Creates, in one transaction, the Heroku Connect layout for the given Salesforce\n"
	    "objects: one table per object (columns from Salesforce's describe), the capture\n"
	    "triggers, _trigger_log, _trigger_log_archive and _forcefs_fields. Running it\n"
	    "again changes nothing; a field added to the mapping adds a column. A schema that\n"
	    "Heroku Connect manages is refused. Both also keep the history of every record\n"
	    "(_forcefs_history and a trigger per table: MOUNT/.history, MOUNT/.changes).\n"
	    "\n"
	    "  --history        only add the history table and triggers to an existing schema,\n"
	    "                   Heroku Connect's too (its own tables and triggers are left\n"
	    "                   alone); needs no Salesforce login. See docs/views.md.\n"
	    "  --objects A,B    objects to map, with all their fields (e.g. Account,Contact)\n"
	    "  --mapping FILE   Heroku Connect's exported mapping JSON (default: "
	    "FORCEFS_MAPPING)\n");
	cmd_args_help_common(out, 19);
	fprintf(out,
		"  --api-version V  Salesforce API version (default: SF_API_VERSION, then %s)\n"
		"  --timeout S      how long to wait for each Salesforce answer (default %d)\n",
		SF_DEFAULT_API_VERSION, DEFAULT_TIMEOUT_SECONDS);
	cmd_args_help_login(out, 19);
	fputs("  -d, --debug      log each Salesforce request\n\n", out);
	cmd_args_help_salesforce_login(out);
}

struct init_args {
	const char *objects;
	const char *mapping;
	struct cmd_args_common common; /* --db, --schema */
	const char *api_version;
	struct cmd_args_login login; /* --target-org, --alias */
	long timeout_seconds;
	bool debug;
	bool history;
};

/* Parses argv; returns -1 when init should exit with *code (help, usage error). */
static int parse_args(int argc, char **argv, struct init_args *a, int *code)
{
	static const struct option long_opts[] = {
	    {"objects", required_argument, NULL, 'O'},
	    {"mapping", required_argument, NULL, 'M'},
	    {"api-version", required_argument, NULL, 'A'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"debug", no_argument, NULL, 'd'},
	    {"history", no_argument, NULL, 'H'},
	    CMD_ARGS_LOGIN_OPTIONS,
	    CMD_ARGS_COMMON_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	*a = (struct init_args){.timeout_seconds = DEFAULT_TIMEOUT_SECONDS};
	*code = EXIT_USAGE;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":dh", long_opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'O':
			a->objects = optarg;
			break;
		case 'M':
			a->mapping = optarg;
			break;
		case 'A':
			a->api_version = optarg;
			break;
		case 'T':
			a->timeout_seconds = strtol(optarg, &end, 10);
			if (*end || end == optarg || a->timeout_seconds < 1 ||
			    a->timeout_seconds > 3600) {
				die_msg("init: --timeout takes whole seconds from 1 to 3600, got "
					"\"%s\"",
					optarg);
				return -1;
			}
			break;
		case 'd':
			a->debug = true;
			break;
		case 'H':
			a->history = true;
			break;
		case 'h':
			init_usage(stdout);
			*code = EXIT_OK;
			return -1;
		default:
			if (cmd_args_take_common(c, &a->common) ||
			    cmd_args_take_login(c, &a->login))
				break;
			*code = cmd_args_usage_error("init", c, argv);
			return -1;
		}
	}
	if (optind < argc) {
		die_msg("init: unexpected argument \"%s\": see forcefs init --help", argv[optind]);
		return -1;
	}
	if (a->objects && a->mapping) {
		die_msg("init: give --objects or --mapping, not both");
		return -1;
	}
	if (a->history && (a->objects || a->mapping || a->api_version)) {
		die_msg("init: --history only adds the history to an existing schema: it takes no "
			"--objects, --mapping or --api-version");
		return -1;
	}
	return 0;
}

/* "60.0" or "v60.0". */
/* The objects and fields to map: --mapping, then --objects, then FORCEFS_MAPPING. */
static int load_mapping(const struct init_args *a, struct sync_mapping **out, int *code)
{
	struct error err = {0};
	const char *env = getenv("FORCEFS_MAPPING");
	if (!a->mapping && !a->objects && !(env && *env)) {
		die_msg("init: which objects? pass --objects Account,Contact or --mapping FILE "
			"(or set FORCEFS_MAPPING)");
		*code = EXIT_USAGE;
		return -1;
	}
	int rc;
	if (a->objects) {
		rc = sync_mapping_from_objects(a->objects, out, &err);
		*code = EXIT_USAGE;
	} else {
		rc = sync_mapping_load(a->mapping ? a->mapping : env, out, &err);
		*code = EXIT_RUNTIME;
	}
	if (rc) {
		die_msg("init: %s", err.message);
		return -1;
	}
	return 0;
}

/* What to do about a refused login, by flow. */
static const char *login_hint(const struct sf_auth_config *cfg)
{
	switch (cfg->flow) {
	case SF_AUTH_PASSWORD:
		return "check SF_USERNAME and SF_PASSWORD (with the security token if the org "
		       "wants one), SF_CLIENT_ID and SF_CLIENT_SECRET";
	case SF_AUTH_REFRESH_TOKEN:
		if (cfg->stored_alias)
			return "the stored login was refused (revoked or expired): run forcefs "
			       "login again";
		return "SF_REFRESH_TOKEN was refused (revoked or expired): get a new one";
	case SF_AUTH_CLIENT_CREDENTIALS:
		return "check SF_CLIENT_ID, SF_CLIENT_SECRET and that SF_LOGIN_URL is the org's "
		       "My Domain URL";
	case SF_AUTH_SF_CLI:
		return "log in to the org again with sf (sf org login web --alias ALIAS)";
	case SF_AUTH_JWT:
		return "check SF_CLIENT_ID, SF_USERNAME (pre-authorized for the connected app), "
		       "SF_LOGIN_URL (the audience) and that the app holds the key's certificate";
	case SF_AUTH_GIVEN_TOKEN:
		break;
	}
	return "SF_ACCESS_TOKEN was refused: set a current one";
}

static void report_sf_error(const char *what, struct sf_error *e, const char *hint)
{
	if (hint)
		die_msg("init: %s%s: %s", what, e->message, hint);
	else
		die_msg("init: %s%s", what, e->message);
	sf_error_free(e);
}

/* Logs in and describes each mapped object into a plan. */
static int describe_all(const struct init_args *a, const struct sync_mapping *mapping,
			GPtrArray *tables)
{
	struct sf_auth_config *cfg;
	struct sf_error *e = sf_auth_config_load(a->login.target_org, a->login.alias, &cfg);
	if (e) {
		report_sf_error("", e, NULL);
		return -1;
	}
	struct sf_http_options opts = {.timeout_ms = a->timeout_seconds * 1000};
	struct sf_client *client = NULL;
	e = sf_client_new(cfg, &opts, &client);
	if (!e) {
		e = sf_client_login(client);
		if (e)
			report_sf_error("", e,
					e->kind == SF_ERR_AUTH	    ? login_hint(cfg)
					: e->kind == SF_ERR_TIMEOUT ? "a longer --timeout may help"
								    : NULL);
	} else {
		report_sf_error("", e, NULL);
	}
	sf_auth_config_free(cfg);
	if (e) {
		sf_client_free(client);
		return -1;
	}

	int rc = 0;
	for (size_t i = 0; rc == 0 && i < mapping->nobjects; i++) {
		const struct sync_mapping_object *map = &mapping->objects[i];
		struct sf_object_describe *desc = NULL;
		e = sf_describe_object(client, map->name, &desc);
		if (e) {
			char *what =
			    e->kind == SF_ERR_NOT_FOUND
				? g_strdup_printf("Salesforce has no object \"%s\" (or the "
						  "user cannot see it): ",
						  map->name)
				: g_strdup("");
			report_sf_error(what, e,
					e->kind == SF_ERR_TIMEOUT ? "a longer --timeout may help"
								  : NULL);
			g_free(what);
			rc = -1;
			break;
		}
		struct db_init_table *t = NULL;
		struct error err = {0};
		if (!desc->info.queryable) {
			die_msg("init: Salesforce says %s is not queryable, so forcefs cannot sync "
				"it: leave it out of the mapping",
				desc->info.name);
			rc = -1;
		} else if (db_init_plan(desc, map, &t, &err) < 0) {
			if (a->objects)
				die_msg("init: %s", err.message);
			else
				die_msg("init: mapping %s: %s", mapping->source, err.message);
			rc = -1;
		} else {
			g_ptr_array_add(tables, t);
		}
		sf_object_describe_free(desc);
	}
	sf_client_free(client);
	return rc;
}

/* libpq's notices ("already exists, skipping") are for the debug log only. */
static void notice_to_log(void *arg, const char *message)
{
	char *line = g_strdup(message);
	g_strchomp(line);
	log_debug("postgres: %s", line);
	g_free(line);
}

static void print_summary(const char *schema, GPtrArray *tables)
{
	for (guint i = 0; i < tables->len; i++) {
		const struct db_init_table *t = g_ptr_array_index(tables, i);
		for (guint n = 0; n < t->notes->len; n++)
			log_info("%s", (const char *)g_ptr_array_index(t->notes, n));
	}
	for (guint i = 0; i < tables->len; i++) {
		const struct db_init_table *t = g_ptr_array_index(tables, i);
		if (t->created)
			printf("%s: created (%zu fields%s)\n", t->table, t->ncolumns,
			       t->readonly ? ", read-only" : "");
		else if (t->nadded)
			printf("%s: %zu column%s added\n", t->table, t->nadded,
			       t->nadded == 1 ? "" : "s");
		else if (t->changed)
			printf("%s: updated\n", t->table);
		else
			printf("%s: unchanged\n", t->table);
	}
	printf("schema \"%s\" is ready\n", schema);
	fflush(stdout);
}

/* `forcefs init --history`: the history table and triggers on every object table. */
static int install_history_only(PGconn *conn, const char *schema)
{
	struct error err = {0};
	struct db_catalog *catalog = NULL;
	if (db_catalog_load(conn, schema, &catalog, &err) < 0) {
		die_msg("init: %s", err.message);
		return EXIT_RUNTIME;
	}
	const char **tables = g_new(const char *, catalog->nobjects + 1);
	bool *created = g_new0(bool, catalog->nobjects + 1);
	for (size_t i = 0; i < catalog->nobjects; i++)
		tables[i] = catalog->objects[i].table;
	bool changed = false;
	const char *params[] = {schema};
	PGresult *res = NULL;
	int rc = db_begin(conn, &err);
	if (rc == 0) {
		res =
		    db_query(conn, "locking the schema for init",
			     "SELECT pg_advisory_xact_lock(hashtext('forcefs init'), hashtext($1))",
			     1, params, &err);
		rc = res ? 0 : -err.code;
		PQclear(res);
	}
	if (rc == 0)
		rc = db_history_install(conn, schema, tables, catalog->nobjects, created, &changed,
					&err);
	if (rc == 0)
		rc = db_commit(conn, &err);
	else
		db_rollback(conn);
	int code = EXIT_RUNTIME;
	if (rc < 0) {
		die_msg("init: schema \"%s\" left as it was: %s", schema, err.message);
	} else {
		for (size_t i = 0; i < catalog->nobjects; i++)
			printf("%s: %s\n", tables[i],
			       created[i] ? "history trigger created" : "history already kept");
		printf("schema \"%s\" keeps the history of its records in %s\n", schema,
		       DB_HISTORY_TABLE);
		fflush(stdout);
		code = EXIT_OK;
	}
	g_free(created);
	g_free(tables);
	db_catalog_free(catalog);
	return code;
}

int cmd_init(int argc, char **argv)
{
	struct init_args a;
	int code;
	if (parse_args(argc, argv, &a, &code) < 0)
		return code;
	log_set_debug(a.debug);

	const char *schema = config_schema(a.common.schema);
	if (!db_init_schema_name_ok(schema)) {
		die_msg("init: invalid schema name \"%.80s\"%s: use lower-case letters, digits and "
			"_ (at most 63, not starting with a digit or pg_)",
			schema, a.common.schema ? "" : " (from HEROKUCONNECT_SCHEMA)");
		return a.common.schema ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if ((code = cmd_args_api_version("init", a.api_version)) != 0)
		return code;

	struct sync_mapping *mapping = NULL;
	if (!a.history && load_mapping(&a, &mapping, &code) < 0)
		return code;

	int exit_code = EXIT_RUNTIME;
	struct error err = {0};
	char *url = NULL;
	PGconn *conn = NULL;
	GPtrArray *tables = g_ptr_array_new_with_free_func((GDestroyNotify)db_init_table_free);

	if ((code = cmd_args_database_url("init", &a.common, &url)) != 0) {
		exit_code = code;
		goto out;
	}
	conn = db_connect(url, "forcefs init", &err);
	if (!conn) {
		die_msg("init: %s", err.message);
		goto out;
	}
	PQsetNoticeProcessor(conn, notice_to_log, NULL);
	if (a.history) {
		exit_code = install_history_only(conn, schema);
		goto out;
	}
	/* Before asking Salesforce anything: a Heroku Connect schema is never touched. */
	if (db_init_check_schema(conn, schema, &err) < 0) {
		die_msg("init: %s", err.message);
		goto out;
	}
	if (describe_all(&a, mapping, tables) < 0)
		goto out;
	if (db_init_apply(conn, schema, (struct db_init_table *const *)tables->pdata, tables->len,
			  &err) < 0) {
		die_msg("init: schema \"%s\" left as it was: %s", schema, err.message);
		goto out;
	}
	print_summary(schema, tables);
	exit_code = EXIT_OK;

out:
	g_ptr_array_free(tables, TRUE);
	PQfinish(conn);
	free(url);
	sync_mapping_free(mapping);
	return exit_code;
}
