#include "cmd_args.h"

#include <glib.h>
#include <stdlib.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "sf_auth.h"

bool cmd_args_take_common(int c, struct cmd_args_common *common)
{
	if (c == CMD_ARG_DB)
		common->db = optarg;
	else if (c == CMD_ARG_SCHEMA)
		common->schema = optarg;
	else
		return false;
	return true;
}

bool cmd_args_take_login(int c, struct cmd_args_login *login)
{
	if (c == CMD_ARG_TARGET_ORG)
		login->target_org = optarg;
	else if (c == CMD_ARG_ALIAS)
		login->alias = optarg;
	else
		return false;
	return true;
}

int cmd_args_database_url(const char *cmd, const struct cmd_args_common *common, char **url)
{
	struct error err = {0};
	if (config_database_url(common->db, url, &err) == 0)
		return 0;
	die_msg("%s: %s", cmd, err.message);
	return common->db ? EXIT_USAGE : EXIT_RUNTIME;
}

int cmd_args_api_version(const char *cmd, const char *version)
{
	if (!version)
		return 0;
	if (!sf_auth_api_version_valid(version[0] == 'v' ? version + 1 : version)) {
		die_msg("%s: invalid API version \"%.40s\": expected a number like 60.0", cmd,
			version);
		return EXIT_USAGE;
	}
	/* sf_auth_config_load() reads SF_API_VERSION (and takes off a leading v). */
	g_setenv("SF_API_VERSION", version, TRUE);
	return 0;
}

void cmd_args_help_common(FILE *out, int column)
{
	fprintf(out, "  %-*s%s\n", column - 2, "--db URL",
		"database URL without a password (default: DATABASE_URL,");
	fprintf(out, "%*s%s\n", column, "", "then HEROKUCONNECT_URL); the password comes from");
	fprintf(out, "%*s%s\n", column, "", "PGPASSWORD or ~/.pgpass");
	fprintf(out, "  %-*s%s\n", column - 2, "--schema NAME",
		"schema (default: HEROKUCONNECT_SCHEMA, then salesforce)");
}

void cmd_args_help_login(FILE *out, int column)
{
	static const char *const lines[][2] = {
	    {"--target-org A", "log in with the Salesforce CLI's session of org A"},
	    {"", "(alias or username; default: SF_TARGET_ORG),"},
	    {"", "whatever SF_* is set"},
	    {"--alias NAME", "log in with the login `forcefs login --alias NAME`"},
	    {"", "stored, whatever SF_* is set (default: the only one"},
	    {"", "stored, when no SF_* credentials are set)"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(lines); i++)
		fprintf(out, "  %-*s%s\n", column - 2, lines[i][0], lines[i][1]);
}

void cmd_args_help_salesforce_login(FILE *out)
{
	fputs("Salesforce credentials come only from the environment (SF_JWT_KEY_FILE,\n"
	      "SF_REFRESH_TOKEN, SF_USERNAME + SF_PASSWORD, SF_CLIENT_ID + SF_CLIENT_SECRET,\n"
	      "SF_TARGET_ORG, SF_INSTANCE_URL + SF_ACCESS_TOKEN, in that order), --target-org or\n"
	      "a stored login (forcefs login);\n"
	      "SF_LOGIN_URL is the login host. See docs/configuration.md.\n",
	      out);
}

int cmd_args_usage_error(const char *cmd, int c, char **argv)
{
	if (c == ':')
		die_msg("%s: %s needs a value: see forcefs %s --help", cmd, argv[optind - 1], cmd);
	else
		die_msg("%s: unknown option \"%s\": see forcefs %s --help", cmd, argv[optind - 1],
			cmd);
	return EXIT_USAGE;
}
