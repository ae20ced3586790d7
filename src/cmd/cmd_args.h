/*
 * cmd_args: what the subcommands share on their command lines: --db, --schema and
 * --help (the long options, where their values go, their --help lines), the text on
 * Salesforce logins of init and sync, and the one-line usage errors getopt's answers
 * turn into. Each command parses with getopt_long(argv, ":...", ...) and opterr = 0.
 */
#ifndef FORCEFS_CMD_ARGS_H
#define FORCEFS_CMD_ARGS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* getopt_long codes of the shared options (beyond any short option letter). */
enum { CMD_ARG_DB = 0x100, CMD_ARG_SCHEMA };

/* The entries of the shared options in a command's `struct option` table. */
#define CMD_ARGS_COMMON_OPTIONS                                                                    \
	{"db", required_argument, NULL, CMD_ARG_DB},                                               \
	    {"schema", required_argument, NULL, CMD_ARG_SCHEMA}, {"help", no_argument, NULL, 'h'}

struct cmd_args_common {
	const char *db;	    /* --db, or NULL: config_database_url() takes the environment's */
	const char *schema; /* --schema, or NULL: config_schema() */
};

/* Takes getopt's answer `c` (with optarg) when it is --db or --schema. */
bool cmd_args_take_common(int c, struct cmd_args_common *common);

/* The --db and --schema lines of --help, their descriptions starting at `column`. */
void cmd_args_help_common(FILE *out, int column);

/* The paragraph of init's and sync's --help on where Salesforce credentials come from. */
void cmd_args_help_salesforce_login(FILE *out);

/* For getopt's ':' (a value missing) and '?' (an unknown option): prints
 * "forcefs: CMD: ...: see forcefs CMD --help" and returns EXIT_USAGE. */
int cmd_args_usage_error(const char *cmd, int c, char **argv);

#endif
