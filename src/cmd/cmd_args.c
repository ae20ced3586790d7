#include "cmd_args.h"

#include "cmd.h"
#include "log.h"

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

void cmd_args_help_common(FILE *out, int column)
{
	fprintf(out, "  %-*s%s\n", column - 2, "--db URL",
		"database URL without a password (default: DATABASE_URL,");
	fprintf(out, "%*s%s\n", column, "", "then HEROKUCONNECT_URL); the password comes from");
	fprintf(out, "%*s%s\n", column, "", "PGPASSWORD or ~/.pgpass");
	fprintf(out, "  %-*s%s\n", column - 2, "--schema NAME",
		"schema (default: HEROKUCONNECT_SCHEMA, then salesforce)");
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
