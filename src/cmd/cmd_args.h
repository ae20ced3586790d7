/*
 * cmd_args: what the subcommands share on their command lines: --db, --schema and
 * --help; the Salesforce login options --target-org and --alias (init, sync, status) and
 * --api-version (init, sync); their long options, where their values go, their --help
 * lines, the checks of their values and the one-line errors of those checks and of
 * getopt's answers. Each command parses with getopt_long(argv, ":...", ...) and opterr = 0.
 */
#ifndef FORCEFS_CMD_ARGS_H
#define FORCEFS_CMD_ARGS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* getopt_long codes of the shared options (beyond any short option letter). */
enum { CMD_ARG_DB = 0x100, CMD_ARG_SCHEMA, CMD_ARG_TARGET_ORG, CMD_ARG_ALIAS };

/* The entries of the shared options in a command's `struct option` table. */
#define CMD_ARGS_COMMON_OPTIONS                                                                    \
	{"db", required_argument, NULL, CMD_ARG_DB},                                               \
	    {"schema", required_argument, NULL, CMD_ARG_SCHEMA},                                   \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

struct cmd_args_common {
	const char *db;	    /* --db, or NULL: config_database_url() takes the environment's */
	const char *schema; /* --schema, or NULL: config_schema() */
};

/* The entries of --target-org and --alias. */
#define CMD_ARGS_LOGIN_OPTIONS                                                                     \
	{"target-org", required_argument, NULL, CMD_ARG_TARGET_ORG},                               \
	{                                                                                          \
		"alias", required_argument, NULL, CMD_ARG_ALIAS                                    \
	}

struct cmd_args_login {
	const char *target_org; /* --target-org: the sf CLI's org (sf_auth_config_load()) */
	const char *alias;	/* --alias: a login stored by forcefs login */
};

/* Takes getopt's answer `c` (with optarg) when it is --db or --schema. */
bool cmd_args_take_common(int c, struct cmd_args_common *common);

/* Takes getopt's answer `c` (with optarg) when it is --target-org or --alias. */
bool cmd_args_take_login(int c, struct cmd_args_login *login);

/* The database URL of --db or the environment (config_database_url()): 0, or prints
 * "forcefs: CMD: ..." and returns the exit code (EXIT_USAGE when --db is at fault). */
int cmd_args_database_url(const char *cmd, const struct cmd_args_common *common, char **url);

/* Checks --api-version's value (60.0 or v60.0) and makes it take the place of
 * SF_API_VERSION: 0, or prints the error and returns EXIT_USAGE. NULL is no flag. */
int cmd_args_api_version(const char *cmd, const char *version);

/* The --db and --schema lines of --help, their descriptions starting at `column`. */
void cmd_args_help_common(FILE *out, int column);

/* The --target-org and --alias lines of init's and sync's --help, from `column`. */
void cmd_args_help_login(FILE *out, int column);

/* The paragraph of init's and sync's --help on where Salesforce credentials come from. */
void cmd_args_help_salesforce_login(FILE *out);

/* For getopt's ':' (a value missing) and '?' (an unknown option): prints
 * "forcefs: CMD: ...: see forcefs CMD --help" and returns EXIT_USAGE. */
int cmd_args_usage_error(const char *cmd, int c, char **argv);

#endif
