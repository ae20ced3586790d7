/*
 * The DDL half of forcefs init: applies a plan (db_init_plan.c) in one transaction.
 */
#include "db_init.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_conn.h"
#include "db_history.h"
#include "db_sql.h"
#include "db_write.h"

/* ---- the DDL half ------------------------------------------------------------------ */

/*
 * SQL templates, filled by db_sql_fill(): {s} is the quoted schema, {t} a quoted table, the
 * others quoted literals, so no name or value ever reaches SQL unquoted. The function
 * bodies are byte for byte those of tools/hcschema.py (the tests compare pg_proc.prosrc);
 * mount's db_schema.c tells a read-only mapping by its logger's 'READONLY' literal.
 * get_xmlbinary() returns what Heroku Connect's copy returns, but reads the setting with
 * current_setting() rather than the pg_settings view, ~1,000 times cheaper: the capture
 * triggers call it twice for every row written (docs/performance.md, sync section).
 */
#define XMLBINARY_BODY                                                                             \
	"\nDECLARE xmlbin varchar;\n"                                                              \
	"BEGIN\n"                                                                                  \
	"  xmlbin := current_setting('xmlbinary');\n"                                              \
	"  RETURN xmlbin;\n"                                                                       \
	"END; "

/* {channel}: '<schema>.hc_trigger_log'. */
#define NOTIFY_BODY                                                                                \
	"\nBEGIN\n"                                                                                \
	"  PERFORM pg_notify({channel}, 'ping');\n"                                                \
	"  RETURN NEW;\n"                                                                          \
	"END; "

#define STATUS_BODY                                                                                \
	"\nBEGIN\n"                                                                                \
	"  IF (public.get_xmlbinary() = 'base64') THEN  -- a user's write\n"                       \
	"    NEW._hc_lastop = 'PENDING';\n"                                                        \
	"    NEW._hc_err = NULL;\n"                                                                \
	"    RETURN NEW;\n"                                                                        \
	"  END IF;\n"                                                                              \
	"  -- the sync engine's write\n"                                                           \
	"  IF (TG_OP = 'UPDATE' AND NEW._hc_lastop IS NOT NULL\n"                                  \
	"      AND NEW._hc_lastop IS DISTINCT FROM OLD._hc_lastop) THEN\n"                         \
	"    RETURN NEW;\n"                                                                        \
	"  END IF;\n"                                                                              \
	"  NEW._hc_lastop = 'SYNCED';\n"                                                           \
	"  NEW._hc_err = NULL;\n"                                                                  \
	"  RETURN NEW;\n"                                                                          \
	"END; "

/* {log}: '"<schema>"._trigger_log'; {state}: NEW, or READONLY for a read-only mapping. */
#define LOGGER_BODY                                                                                \
	"\nDECLARE\n"                                                                              \
	"  trigger_row {s}._trigger_log;\n"                                                        \
	"  excluded_cols text[] = ARRAY['_hc_lastop', '_hc_err']::text[];\n"                       \
	"BEGIN\n"                                                                                  \
	"  trigger_row = ROW();\n"                                                                 \
	"  trigger_row.id = nextval(pg_get_serial_sequence({log}, 'id'));\n"                       \
	"  trigger_row.action = TG_OP::text;\n"                                                    \
	"  trigger_row.table_name = TG_TABLE_NAME::text;\n"                                        \
	"  trigger_row.txid = txid_current();\n"                                                   \
	"  trigger_row.created_at = clock_timestamp();\n"                                          \
	"  trigger_row.updated_at = trigger_row.created_at;\n"                                     \
	"  trigger_row.state = '{state}';\n"                                                       \
	"  IF (TG_OP = 'DELETE') THEN\n"                                                           \
	"    trigger_row.record_id = OLD.id;\n"                                                    \
	"    trigger_row.old = hstore(OLD.*) - excluded_cols;\n"                                   \
	"    IF (OLD.sfid IS NOT NULL) THEN\n"                                                     \
	"      trigger_row.sfid = OLD.sfid;\n"                                                     \
	"    ELSE\n"                                                                               \
	"      trigger_row.state = 'IGNORE';\n"                                                    \
	"    END IF;\n"                                                                            \
	"  ELSEIF (TG_OP = 'INSERT') THEN\n"                                                       \
	"    trigger_row.record_id = NEW.id;\n"                                                    \
	"    trigger_row.values = hstore(NEW.*) - excluded_cols;\n"                                \
	"  ELSEIF (TG_OP = 'UPDATE') THEN\n"                                                       \
	"    trigger_row.record_id = NEW.id;\n"                                                    \
	"    trigger_row.old = hstore(OLD.*) - excluded_cols;\n"                                   \
	"    trigger_row.values = (hstore(NEW.*) - hstore(trigger_row.old)) - excluded_cols;\n"    \
	"    IF (trigger_row.values::hstore = ''::hstore) THEN\n"                                  \
	"      trigger_row.state = 'IGNORE';\n"                                                    \
	"    END IF;\n"                                                                            \
	"    trigger_row.sfid = OLD.sfid;\n"                                                       \
	"  END IF;\n"                                                                              \
	"  INSERT INTO {s}._trigger_log VALUES (trigger_row.*);\n"                                 \
	"  RETURN NULL;\n"                                                                         \
	"END; "

/* The columns of _trigger_log; the archive has the same, without defaults. */
#define TRIGGER_LOG_COLUMNS                                                                        \
	"id serial PRIMARY KEY, txid bigint, created_at timestamptz DEFAULT now(), "               \
	"updated_at timestamptz DEFAULT now(), processed_at timestamptz, processed_tx bigint, "    \
	"state varchar(8), action varchar(7), table_name varchar(128), record_id integer, "        \
	"sfid varchar(18), old text, \"values\" text, sf_result integer, sf_message text"

#define TRIGGER_LOG_ARCHIVE_COLUMNS                                                                \
	"id integer NOT NULL PRIMARY KEY, txid bigint, created_at timestamptz, "                   \
	"updated_at timestamptz, processed_at timestamptz, processed_tx bigint, "                  \
	"state varchar(8), action varchar(7), table_name varchar(128), record_id integer, "        \
	"sfid varchar(18), old text, \"values\" text, sf_result integer, sf_message text"

/* Salesforce field metadata (docs/contract.md §6): FORCEFS_FIELDS_DDL of tools/hcschema.py. */
#define FORCEFS_FIELDS_COLUMNS                                                                     \
	"object varchar(128) NOT NULL, field varchar(128) NOT NULL, "                              \
	"\"column\" varchar(128) NOT NULL, type varchar(40) NOT NULL, "                            \
	"length integer NOT NULL DEFAULT 0, precision integer NOT NULL DEFAULT 0, "                \
	"scale integer NOT NULL DEFAULT 0, nillable boolean NOT NULL, "                            \
	"createable boolean NOT NULL, updateable boolean NOT NULL, "                               \
	"defaulted_on_create boolean NOT NULL, calculated boolean NOT NULL, "                      \
	"external_id boolean NOT NULL, picklist_values text[], "                                   \
	"restricted boolean NOT NULL DEFAULT false, PRIMARY KEY (object, field)"

/* One init run: the connection, the schema and its quoted forms. */
struct ddl {
	PGconn *conn;
	const char *schema;
	char *qs; /* "schema" */
	struct error *err;
};

/* Runs one statement; returns the result to PQclear(), or NULL with d->err set. */
static PGresult *run(struct ddl *d, const char *what, const char *sql, int nparams,
		     const char *const *params)
{
	return db_query(d->conn, what, sql, nparams, params, d->err);
}

static int run_command(struct ddl *d, const char *what, const char *sql)
{
	return db_exec(d->conn, what, sql, 0, NULL, d->err);
}

static int run_commandf(struct ddl *d, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int run_commandf(struct ddl *d, const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *sql = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	int rc = run_command(d, what, sql);
	g_free(sql);
	return rc;
}

/* 1 when the query returns a row, 0 when none, <0 on error. */
static int exists(struct ddl *d, const char *what, const char *sql, int nparams,
		  const char *const *params)
{
	PGresult *res = run(d, what, sql, nparams, params);
	if (!res)
		return -d->err->code;
	int found = PQntuples(res) > 0;
	PQclear(res);
	return found;
}

/* A quoted literal of `text`, to g_free(). */
static char *literal(PGconn *conn, const char *text)
{
	char *q = PQescapeLiteral(conn, text, strlen(text));
	char *copy = g_strdup(q ? q : "NULL");
	PQfreemem(q);
	return copy;
}

static const char hcmeta_sql[] =
    "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = $1 AND c.relname = '_hcmeta'";

int db_init_check_schema(PGconn *conn, const char *schema, struct error *err)
{
	const char *params[] = {schema};
	PGresult *res = db_query(conn, "looking at the schema", hcmeta_sql, 1, params, err);
	if (!res)
		return -err->code;
	bool managed = PQntuples(res) > 0;
	PQclear(res);
	if (managed)
		return error_set(err, EPERM,
				 "schema \"%s\" is managed by Heroku Connect (it has _hcmeta); "
				 "forcefs uses it as it is, nothing to init",
				 schema);
	return 0;
}

static const char function_sql[] =
    "SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = $1 AND p.proname = $2 AND p.pronargs = 0";

/*
 * Creates function schema.name() with `body` unless it exists with that body already
 * (with `replace` false: unless it exists at all). Returns 1 when it was created or
 * replaced, 0 when it was left as it was, <0 on error.
 */
static int ensure_function(struct ddl *d, const char *schema, const char *name, const char *returns,
			   const char *body, bool replace)
{
	const char *params[] = {schema, name};
	PGresult *res = run(d, "looking for a function", function_sql, 2, params);
	if (!res)
		return -d->err->code;
	bool keep = PQntuples(res) > 0 && (!replace || strcmp(PQgetvalue(res, 0, 0), body) == 0);
	PQclear(res);
	if (keep)
		return 0;
	char *qname = db_qualified_name(d->conn, schema, name);
	char *what = g_strdup_printf("creating function %s.%s()", schema, name);
	int rc = run_commandf(
	    d, what, "CREATE OR REPLACE FUNCTION %s() RETURNS %s AS $$%s$$ LANGUAGE plpgsql", qname,
	    returns, body);
	g_free(what);
	g_free(qname);
	return rc < 0 ? rc : 1;
}

static const char trigger_sql[] = "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
				  "JOIN pg_namespace n ON n.oid = c.relnamespace "
				  "WHERE n.nspname = $1 AND c.relname = $2 AND t.tgname = $3";

/*
 * Creates trigger `name` on schema.table unless a trigger of that name is there:
 * `definition` is the statement after "CREATE TRIGGER <name> ". 1 created, 0 there.
 */
static int ensure_trigger(struct ddl *d, const char *table, const char *name,
			  const char *definition)
{
	const char *params[] = {d->schema, table, name};
	int found = exists(d, "looking for a trigger", trigger_sql, 3, params);
	if (found != 0)
		return found < 0 ? found : 0;
	char *qname = db_quote_ident(d->conn, name);
	char *what = g_strdup_printf("creating trigger %s on %s.%s", name, d->schema, table);
	int rc = run_commandf(d, what, "CREATE TRIGGER %s %s", qname, definition);
	g_free(what);
	g_free(qname);
	return rc < 0 ? rc : 1;
}

/* Everything that is per schema rather than per object, in order. */
static const struct {
	const char *what;
	const char *sql;
} system_statements[] = {
    {"installing the hstore extension", "CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA public"},
    {"creating the schema", "CREATE SCHEMA IF NOT EXISTS {s}"},
    {"creating the trigger log",
     "CREATE TABLE IF NOT EXISTS {s}._trigger_log (" TRIGGER_LOG_COLUMNS ")"},
    {"creating the trigger log archive",
     "CREATE TABLE IF NOT EXISTS {s}._trigger_log_archive (" TRIGGER_LOG_ARCHIVE_COLUMNS ")"},
    {"indexing the trigger log",
     "CREATE INDEX IF NOT EXISTS _trigger_log_idx_created_at ON {s}._trigger_log (created_at)"},
    {"indexing the trigger log",
     "CREATE INDEX IF NOT EXISTS _trigger_log_idx_state_id ON {s}._trigger_log (state, id)"},
    {"indexing the trigger log",
     "CREATE INDEX IF NOT EXISTS _trigger_log_idx_state_table_name ON {s}._trigger_log "
     "(state, table_name) WHERE state IN ('NEW', 'PENDING')"},
    {"indexing the trigger log archive",
     "CREATE INDEX IF NOT EXISTS _trigger_log_archive_idx_created_at "
     "ON {s}._trigger_log_archive (created_at)"},
    {"indexing the trigger log archive",
     "CREATE INDEX IF NOT EXISTS _trigger_log_archive_idx_record_id "
     "ON {s}._trigger_log_archive (record_id)"},
    {"indexing the trigger log archive",
     "CREATE INDEX IF NOT EXISTS _trigger_log_archive_idx_state_table_name "
     "ON {s}._trigger_log_archive (state, table_name) WHERE state = 'FAILED'"},
    {"creating _forcefs_fields",
     "CREATE TABLE IF NOT EXISTS {s}._forcefs_fields (" FORCEFS_FIELDS_COLUMNS ")"},
};

static int create_system(struct ddl *d)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < G_N_ELEMENTS(system_statements); i++) {
		char *sql = db_sql_fill(system_statements[i].sql, "{s}", d->qs, NULL);
		rc = run_command(d, system_statements[i].what, sql);
		g_free(sql);
	}
	/* Heroku Connect's own get_xmlbinary(), or another schema's, is left alone. */
	if (rc == 0)
		rc =
		    ensure_function(d, "public", "get_xmlbinary", "varchar", XMLBINARY_BODY, false);
	if (rc < 0)
		return rc;

	char *channel = g_strdup_printf("%s.hc_trigger_log", d->schema);
	char *channel_lit = literal(d->conn, channel);
	char *body = db_sql_fill(NOTIFY_BODY, "{channel}", channel_lit, NULL);
	char *def = db_sql_fill("AFTER INSERT ON {s}._trigger_log FOR EACH ROW EXECUTE PROCEDURE "
			 "{s}.tlog_notify_trigger()",
			 "{s}", d->qs, NULL);
	rc = ensure_function(d, d->schema, "tlog_notify_trigger", "trigger", body, true);
	if (rc >= 0)
		rc = ensure_trigger(d, "_trigger_log", "tlog_insert_trigger", def);
	g_free(def);
	g_free(body);
	g_free(channel_lit);
	g_free(channel);
	return rc < 0 ? rc : 0;
}

static const char relation_sql[] =
    "SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = $1 AND c.relname = $2";

static const char columns_sql[] =
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
    "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped "
    "ORDER BY a.attnum";

static int create_table(struct ddl *d, struct db_init_table *t, const char *qt)
{
	GString *sql = g_string_new(NULL);
	g_string_printf(sql, "CREATE TABLE %s (", qt);
	for (size_t i = 0; i < DB_INIT_NSYSTEM_COLUMNS; i++)
		g_string_append_printf(sql, "%s%s %s", i ? ", " : "", db_init_system_columns[i][0],
				       db_init_system_columns[i][1]);
	for (size_t i = 0; i < t->ncolumns; i++) {
		if (db_init_is_system_column(t->columns[i].meta.column))
			continue;
		char *qc = db_quote_ident(d->conn, t->columns[i].meta.column);
		g_string_append_printf(sql, ", %s %s", qc, t->columns[i].sql_type);
		g_free(qc);
	}
	g_string_append_c(sql, ')');
	char *what = g_strdup_printf("creating table %s.%s", d->schema, t->table);
	int rc = run_command(d, what, sql->str);
	g_free(what);
	g_string_free(sql, TRUE);
	if (rc == 0)
		t->created = true;
	return rc;
}

/* Adds what an existing table lacks; notes what it has that the plan does not. */
static int complete_table(struct ddl *d, struct db_init_table *t, const char *qt)
{
	const char *params[] = {d->schema, t->table};
	PGresult *res = run(d, "reading the table's columns", columns_sql, 2, params);
	if (!res)
		return -d->err->code;
	/* column name -> format_type(), both owned by `res` */
	GHashTable *have = g_hash_table_new(g_str_hash, g_str_equal);
	for (int r = 0; r < PQntuples(res); r++)
		g_hash_table_insert(have, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));

	int rc = 0;
	if (!g_hash_table_contains(have, "id") || !g_hash_table_contains(have, "sfid"))
		rc = error_set(d->err, EEXIST,
			       "table %s.%s exists and is not a Heroku Connect table (it has no "
			       "id or sfid column): rename or drop it, or use another --schema",
			       d->schema, t->table);
	/* System columns first (id and sfid are there), then the planned ones. */
	for (size_t i = 1; rc == 0 && i < DB_INIT_NSYSTEM_COLUMNS; i++) {
		if (g_hash_table_contains(have, db_init_system_columns[i][0]))
			continue;
		char *what = g_strdup_printf("adding column %s to %s.%s",
					     db_init_system_columns[i][0], d->schema, t->table);
		rc = run_commandf(d, what, "ALTER TABLE %s ADD COLUMN %s %s", qt,
				  db_init_system_columns[i][0], db_init_system_columns[i][1]);
		g_free(what);
		t->nadded++;
	}
	for (size_t i = 0; rc == 0 && i < t->ncolumns; i++) {
		const struct db_init_column *c = &t->columns[i];
		const char *type = g_hash_table_lookup(have, c->meta.column);
		if (type) {
			if (!db_init_is_system_column(c->meta.column) &&
			    !db_init_type_matches(c->sql_type, type))
				db_init_note(
				    t,
				    "%s: column %s is %s, Salesforce's %s would be %s: left as it "
				    "is",
				    t->table, c->meta.column, type, c->meta.field, c->sql_type);
			continue;
		}
		char *qc = db_quote_ident(d->conn, c->meta.column);
		char *what = g_strdup_printf("adding column %s to %s.%s", c->meta.column, d->schema,
					     t->table);
		rc = run_commandf(d, what, "ALTER TABLE %s ADD COLUMN %s %s", qt, qc, c->sql_type);
		g_free(what);
		g_free(qc);
		if (rc == 0) {
			t->nadded++;
			db_init_note(t, "%s: added column %s (%s)", t->table, c->meta.column,
				     c->sql_type);
		}
	}
	/* Columns no longer mapped keep their data: dropping is for a person to decide. */
	for (int r = 0; rc == 0 && r < PQntuples(res); r++) {
		const char *name = PQgetvalue(res, r, 0);
		bool planned = db_init_is_system_column(name);
		for (size_t i = 0; !planned && i < t->ncolumns; i++)
			planned = strcmp(t->columns[i].meta.column, name) == 0;
		if (!planned)
			db_init_note(
			    t, "%s: column %s is not in the mapping: left in place with its data",
			    t->table, name);
	}
	g_hash_table_destroy(have);
	PQclear(res);
	return rc;
}

static int create_index(struct ddl *d, struct db_init_table *t, const char *qt, const char *name,
			const char *column, bool unique)
{
	char *qname = db_quote_ident(d->conn, name);
	char *qcol = db_quote_ident(d->conn, column);
	char *what = g_strdup_printf("creating index %s", name);
	int rc = run_commandf(d, what, "CREATE %sINDEX IF NOT EXISTS %s ON %s (%s)",
			      unique ? "UNIQUE " : "", qname, qt, qcol);
	g_free(what);
	g_free(qcol);
	g_free(qname);
	return rc;
}

/* The status (BEFORE) and logger (AFTER) functions and triggers of one table. */
static int create_triggers(struct ddl *d, struct db_init_table *t, const char *qt)
{
	const char *state = t->readonly ? "READONLY" : "NEW";
	char *status_fn = g_strdup_printf("hc_%s_status", t->table);
	char *logger_fn = g_strdup_printf("hc_%s_logger", t->table);
	char *status_trigger = g_strdup_printf("hc_%s_status_trigger", t->table);
	char *log_trigger = g_strdup_printf("hc_%s_logtrigger", t->table);
	char *qstatus = db_quote_ident(d->conn, status_fn);
	char *qlogger = db_quote_ident(d->conn, logger_fn);
	char *log_table = g_strdup_printf("%s._trigger_log", d->qs);
	char *log_lit = literal(d->conn, log_table);
	char *logger_body =
	    db_sql_fill(LOGGER_BODY, "{s}", d->qs, "{log}", log_lit, "{state}", state, NULL);
	char *status_def = db_sql_fill("BEFORE INSERT OR UPDATE ON {t} FOR EACH ROW "
				"EXECUTE PROCEDURE {s}.{f}()",
				"{t}", qt, "{s}", d->qs, "{f}", qstatus, NULL);
	char *log_def = db_sql_fill("AFTER INSERT OR UPDATE OR DELETE ON {t} FOR EACH ROW "
			     "WHEN (public.get_xmlbinary()::text = 'base64'::text) "
			     "EXECUTE PROCEDURE {s}.{f}()",
			     "{t}", qt, "{s}", d->qs, "{f}", qlogger, NULL);
	int rc, changed = 0;
	if ((rc = ensure_function(d, d->schema, status_fn, "trigger", STATUS_BODY, true)) >= 0) {
		changed += rc;
		rc = ensure_trigger(d, t->table, status_trigger, status_def);
	}
	if (rc >= 0) {
		changed += rc;
		rc = ensure_function(d, d->schema, logger_fn, "trigger", logger_body, true);
		if (rc > 0 && !t->created)
			db_init_note(
			    t, "%s: capture trigger function %s updated (writes are logged as %s)",
			    t->table, logger_fn, state);
	}
	if (rc >= 0) {
		changed += rc;
		rc = ensure_trigger(d, t->table, log_trigger, log_def);
	}
	if (rc >= 0)
		changed += rc;
	if (changed)
		t->changed = true;
	g_free(log_def);
	g_free(status_def);
	g_free(logger_body);
	g_free(log_lit);
	g_free(log_table);
	g_free(qlogger);
	g_free(qstatus);
	g_free(log_trigger);
	g_free(status_trigger);
	g_free(logger_fn);
	g_free(status_fn);
	return rc < 0 ? rc : 0;
}

static int create_object(struct ddl *d, struct db_init_table *t)
{
	const char *params[] = {d->schema, t->table};
	PGresult *res = run(d, "looking for the table", relation_sql, 2, params);
	if (!res)
		return -d->err->code;
	char kind = PQntuples(res) > 0 ? PQgetvalue(res, 0, 0)[0] : 0;
	PQclear(res);
	if (kind && kind != 'r' && kind != 'p')
		return error_set(d->err, EEXIST,
				 "%s.%s exists and is not a table: rename or drop it, or use "
				 "another --schema",
				 d->schema, t->table);
	char *qt = db_qualified_name(d->conn, d->schema, t->table);
	char *sfid_ix = g_strdup_printf("hcu_idx_%s_sfid", t->table);
	char *stamp_ix = g_strdup_printf("hc_idx_%s_systemmodstamp", t->table);
	int rc = kind ? complete_table(d, t, qt) : create_table(d, t, qt);
	if (rc == 0)
		rc = create_index(d, t, qt, sfid_ix, "sfid", true);
	if (rc == 0)
		rc = create_index(d, t, qt, stamp_ix, "systemmodstamp", false);
	for (size_t i = 0; rc == 0 && i < t->nindexes; i++)
		rc = create_index(d, t, qt, t->indexes[i].name, t->indexes[i].column,
				  t->indexes[i].unique);
	if (rc == 0)
		rc = create_triggers(d, t, qt);
	g_free(stamp_ix);
	g_free(sfid_ix);
	g_free(qt);
	return rc;
}

/* Inserts or brings up to date the _forcefs_fields rows of one object. */
static int store_fields(struct ddl *d, struct db_init_table *t)
{
	char *sql = g_strdup_printf(
	    "INSERT INTO %s._forcefs_fields AS f (object, field, \"column\", type, length, "
	    "precision, scale, nillable, createable, updateable, defaulted_on_create, "
	    "calculated, external_id, picklist_values, restricted) VALUES ($1, $2, $3, $4, "
	    "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
	    "ON CONFLICT (object, field) DO UPDATE SET \"column\" = EXCLUDED.\"column\", "
	    "type = EXCLUDED.type, length = EXCLUDED.length, precision = EXCLUDED.precision, "
	    "scale = EXCLUDED.scale, nillable = EXCLUDED.nillable, "
	    "createable = EXCLUDED.createable, updateable = EXCLUDED.updateable, "
	    "defaulted_on_create = EXCLUDED.defaulted_on_create, "
	    "calculated = EXCLUDED.calculated, external_id = EXCLUDED.external_id, "
	    "picklist_values = EXCLUDED.picklist_values, restricted = EXCLUDED.restricted "
	    "WHERE f.* IS DISTINCT FROM EXCLUDED.* RETURNING 1",
	    d->qs);
	char *what = g_strdup_printf("storing the field metadata of %s", t->object);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < t->ncolumns; i++) {
		const struct db_field *m = &t->columns[i].meta;
		char length[16], precision[16], scale[16];
		snprintf(length, sizeof(length), "%d", m->length);
		snprintf(precision, sizeof(precision), "%d", m->precision);
		snprintf(scale, sizeof(scale), "%d", m->scale);
		char *picklist = m->picklist_values
				     ? db_text_array((const char *const *)m->picklist_values, m->npicklist_values)
				     : NULL;
#define BOOL_TEXT(b) ((b) ? "t" : "f")
		const char *params[] = {t->object,
					m->field,
					m->column,
					m->type,
					length,
					precision,
					scale,
					BOOL_TEXT(m->nillable),
					BOOL_TEXT(m->createable),
					BOOL_TEXT(m->updateable),
					BOOL_TEXT(m->defaulted_on_create),
					BOOL_TEXT(m->calculated),
					BOOL_TEXT(m->external_id),
					picklist,
					BOOL_TEXT(m->restricted)};
#undef BOOL_TEXT
		PGresult *res = run(d, what, sql, G_N_ELEMENTS(params), params);
		g_free(picklist);
		if (!res) {
			rc = -d->err->code;
			break;
		}
		if (PQntuples(res) > 0)
			t->changed = true;
		PQclear(res);
	}
	g_free(what);
	g_free(sql);
	return rc;
}

/* The history table and a trigger per table (docs/views.md), in the same transaction. */
static int install_history(struct ddl *d, struct db_init_table *const *tables, size_t ntables)
{
	const char **names = g_new(const char *, ntables + 1);
	bool *created = g_new0(bool, ntables + 1);
	for (size_t i = 0; i < ntables; i++)
		names[i] = tables[i]->table;
	bool changed = false;
	int rc = db_history_install(d->conn, d->schema, names, ntables, created, &changed, d->err);
	for (size_t i = 0; rc == 0 && i < ntables; i++)
		if (created[i] && !tables[i]->created) {
			tables[i]->changed = true;
			db_init_note(tables[i], "%s: history trigger created (docs/views.md)",
				     tables[i]->table);
		}
	g_free(created);
	g_free(names);
	return rc;
}

static int apply(struct ddl *d, struct db_init_table *const *tables, size_t ntables)
{
	const char *params[] = {d->schema};
	PGresult *res =
	    run(d, "locking the schema for init",
		"SELECT pg_advisory_xact_lock(hashtext('forcefs init'), hashtext($1))", 1, params);
	if (!res)
		return -d->err->code;
	PQclear(res);
	int rc = db_init_check_schema(d->conn, d->schema, d->err);
	if (rc == 0)
		rc = create_system(d);
	for (size_t i = 0; rc == 0 && i < ntables; i++)
		rc = create_object(d, tables[i]);
	for (size_t i = 0; rc == 0 && i < ntables; i++)
		rc = store_fields(d, tables[i]);
	if (rc == 0)
		rc = install_history(d, tables, ntables);
	return rc;
}

int db_init_apply(PGconn *conn, const char *schema, struct db_init_table *const *tables,
		  size_t ntables, struct error *err)
{
	struct ddl d = {.conn = conn, .schema = schema, .err = err};
	d.qs = db_quote_ident(conn, schema);
	int rc = db_begin(conn, err);
	if (rc == 0) {
		rc = apply(&d, tables, ntables);
		if (rc == 0)
			rc = db_commit(conn, err);
		if (rc)
			db_rollback(conn);
	}
	g_free(d.qs);
	return rc;
}
