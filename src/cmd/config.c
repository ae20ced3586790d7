#include "config.h"

#include <errno.h>
#include <glib.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"

static int conninfo_has_password(const char *conninfo, int *has_password, char **why)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, why);
	if (!opts)
		return -1;
	*has_password = 0;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && o->val[0])
			*has_password = 1;
	PQconninfoFree(opts);
	return 0;
}

int config_database_url(const char *flag_db, char **url, struct error *err)
{
	const char *value = flag_db;
	const char *source = "--db";
	if (!value || !*value) {
		value = getenv("DATABASE_URL");
		source = "DATABASE_URL";
	}
	if (!value || !*value) {
		value = getenv("HEROKUCONNECT_URL");
		source = "HEROKUCONNECT_URL";
	}
	if (!value || !*value)
		return error_set(
			   err, EINVAL,
			   "no database: set DATABASE_URL or HEROKUCONNECT_URL, or pass --db URL"),
		       -1;
	char *why = NULL;
	int has_password = 0;
	if (conninfo_has_password(value, &has_password, &why) < 0) {
		/* libpq quotes what it could not read, which may be the password. */
		char *shown = redact_message(why ? why : "unparseable", value);
		g_strchomp(shown);
		error_set(err, EINVAL, "%s is not a valid PostgreSQL URL: %s", source, shown);
		g_free(shown);
		PQfreemem(why);
		return -1;
	}
	if (has_password && flag_db && *flag_db) {
		error_set(err, EINVAL,
			  "--db must not carry a password (it would show in ps): put it in "
			  "PGPASSWORD, ~/.pgpass or DATABASE_URL");
		return -1;
	}
	*url = strdup(value);
	return 0;
}

int config_url_has_password(const char *url)
{
	int has_password = 0;
	char *why = NULL;
	int rc = conninfo_has_password(url, &has_password, &why);
	PQfreemem(why);
	return rc < 0 ? -1 : has_password;
}

const char *config_schema(const char *flag_schema)
{
	if (flag_schema && *flag_schema)
		return flag_schema;
	const char *env = getenv("HEROKUCONNECT_SCHEMA");
	if (env && *env)
		return env;
	return "salesforce";
}
