/*
 * forcefs: Salesforce records in a Heroku Connect database, as files.
 * `forcefs CMD --help` describes each command; docs/ and forcefs(1) describe the rest.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <fuse_lowlevel.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"mount", cmd_mount, "show the records of a database as files"},
	{"init", cmd_init, "create the Heroku Connect tables and triggers for Salesforce objects"},
	{"sync", cmd_sync, "move changes between the database and Salesforce"},
	{"status", cmd_status, "show what is synced, pending and failed"},
	{"login", cmd_login, "log in to Salesforce in a browser or with a code, and store it"},
	{"logout", cmd_logout, "revoke and remove a stored login"},
};

/* The version, and those of the libraries it runs with (not the ones it was built
 * against): what a bug report needs. */
static void print_version(void)
{
	int pq = PQlibVersion();
	printf("forcefs %s\n", FORCEFS_VERSION);
	printf("libfuse %s, libpq %d.%d, libcurl %s, cJSON %s\n", fuse_pkgversion(), pq / 10000,
	       pq % 10000, curl_version_info(CURLVERSION_NOW)->version, cJSON_Version());
}

static void usage(FILE *out)
{
	fprintf(out, "usage: forcefs COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`forcefs COMMAND --help` describes a command. Environment: DATABASE_URL\n"
		     "(or HEROKUCONNECT_URL), HEROKUCONNECT_SCHEMA. See forcefs(1).\n"
		     "\n"
		     "forcefs SCHEMA MOUNTPOINT -o db=URL,... is forcefs mount, as mount(8) runs\n"
		     "it for an fstab line of type fuse.forcefs (see docs/operations.md).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
		print_version();
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	if (cmd_fstab_form(argc, argv))
		return cmd_fstab(argc, argv);
	die_msg("unknown command \"%s\": see forcefs --help", name);
	return EXIT_USAGE;
}
