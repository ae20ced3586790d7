#include "db_history.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_conn.h"
#include "db_sql.h"

#define HISTORY_COLUMNS                                                                            \
	"id bigserial PRIMARY KEY, table_name varchar(128) NOT NULL, "                             \
	"record_id integer NOT NULL, sfid varchar(18), action varchar(7) NOT NULL, "               \
	"changed_at timestamptz NOT NULL DEFAULT clock_timestamp(), "                              \
	"source varchar(10) NOT NULL, txid bigint NOT NULL DEFAULT txid_current(), "               \
	"fields text[] NOT NULL, old jsonb"

/*
 * The trigger function ({h}: the quoted history table), run once per statement by three
 * AFTER ... FOR EACH STATEMENT triggers whose transition tables are forcefs_old and
 * forcefs_new: set-based, so a 100,000-row load costs one INSERT into the history, not
 * 100,000 function calls. Runs with extra_float_digits=1 so that to_jsonb() keeps every
 * digit of a double whatever the writer's session says, without JIT (compiling costs
 * more than these statements), and with pg_catalog as its only path (no extension
 * needed). OFFSET 0 keeps each row's to_jsonb() computed once, not once per column. Who wrote: the
 * sync engine's session sets xmlbinary = 'hex' (docs/init.md), a mount's connections are named
 * "forcefs mount"; anything else is "database". The unique index on (txid, table_name,
 * record_id) keeps one row per record and transaction: the version before it.
 */
#define HISTORY_BODY                                                                               \
	"\nDECLARE\n"                                                                              \
	"  who varchar(10);\n"                                                                     \
	"BEGIN\n"                                                                                  \
	"  IF (current_setting('xmlbinary') = 'hex') THEN\n"                                       \
	"    who := 'salesforce';\n"                                                               \
	"  ELSIF (current_setting('application_name') LIKE 'forcefs mount%') THEN\n"               \
	"    who := 'mount';\n"                                                                    \
	"  ELSE\n"                                                                                 \
	"    who := 'database';\n"                                                                 \
	"  END IF;\n"                                                                              \
	"  IF (TG_OP = 'INSERT') THEN\n"                                                           \
	"    IF (current_setting('forcefs.initial_load', true) = 'on') THEN\n"                     \
	"      RETURN NULL;  -- forcefs sync's first copy of an object\n"                          \
	"    END IF;\n"                                                                            \
	"    INSERT INTO {h} (table_name, record_id, sfid, action, source, fields)\n"              \
	"      SELECT TG_TABLE_NAME, n.id, n.sfid, 'INSERT', who, '{}'::text[]\n"                  \
	"        FROM forcefs_new n ORDER BY n.id\n"                                               \
	"      ON CONFLICT (txid, table_name, record_id) WHERE action <> 'DELETE' DO NOTHING;\n"   \
	"  ELSIF (TG_OP = 'UPDATE') THEN\n"                                                        \
	"    INSERT INTO {h} AS h (table_name, record_id, sfid, action, source, fields, old)\n"    \
	"      SELECT TG_TABLE_NAME, c.id, c.sfid, 'UPDATE', who, c.changed, c.o FROM (\n"         \
	"        SELECT j.id, j.sfid, j.o,\n"                                                      \
	"               ARRAY(SELECT e.key FROM jsonb_each(j.n) e\n"                               \
	"                     WHERE e.key NOT IN ('_hc_lastop', '_hc_err')\n"                      \
	"                       AND e.value IS DISTINCT FROM j.o -> e.key ORDER BY e.key) AS "     \
	"changed\n"                                                                                \
	"        FROM (SELECT n.id, coalesce(n.sfid, o.sfid) AS sfid, to_jsonb(o) AS o,\n"         \
	"                     to_jsonb(n) AS n\n"                                                  \
	"                FROM forcefs_old o JOIN forcefs_new n ON n.id = o.id OFFSET 0) j\n"       \
	"        OFFSET 0) c\n"                                                                    \
	"      WHERE c.changed <> '{}'::text[] ORDER BY c.id\n"                                    \
	"      ON CONFLICT (txid, table_name, record_id) WHERE action <> 'DELETE'\n"               \
	"      DO UPDATE SET fields = ARRAY(SELECT DISTINCT f FROM unnest(h.fields || "            \
	"EXCLUDED.fields) f\n"                                                                     \
	"                                   ORDER BY f);\n"                                        \
	"  ELSE\n"                                                                                 \
	"    INSERT INTO {h} (table_name, record_id, sfid, action, source, fields, old)\n"         \
	"      SELECT TG_TABLE_NAME, o.id, o.sfid, 'DELETE', who, '{}'::text[], to_jsonb(o)\n"     \
	"        FROM forcefs_old o ORDER BY o.id;\n"                                              \
	"  END IF;\n"                                                                              \
	"  RETURN NULL;\n"                                                                         \
	"END; "

/* The three triggers of an object table: name, event, transition tables. */
static const char *const history_triggers[][3] = {
    {DB_HISTORY_TRIGGER "_insert", "INSERT", "NEW TABLE AS forcefs_new"},
    {DB_HISTORY_TRIGGER "_update", "UPDATE", "OLD TABLE AS forcefs_old NEW TABLE AS forcefs_new"},
    {DB_HISTORY_TRIGGER "_delete", "DELETE", "OLD TABLE AS forcefs_old"},
};

static const char function_sql[] =
    "SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = $1 AND p.proname = '_forcefs_history_log' AND p.pronargs = 0";

static const char trigger_sql[] = "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
				  "JOIN pg_namespace n ON n.oid = c.relnamespace "
				  "WHERE n.nspname = $1 AND c.relname = $2 AND t.tgname = $3";

int db_history_install(PGconn *conn, const char *schema, const char *const *tables, size_t ntables,
		       bool *created, bool *changed, struct error *err)
{
	*changed = false;
	char *qs = db_quote_ident(conn, schema);
	char *h = db_qualified_name(conn, schema, DB_HISTORY_TABLE);
	char *fn = db_qualified_name(conn, schema, "_forcefs_history_log");
	char *body = db_sql_fill(HISTORY_BODY, "{h}", h, NULL);
	int rc = 0;
	bool present = false;
	rc = db_history_present(conn, schema, &present, err);
	if (rc == 0 && !present) {
		*changed = true;
		char *sql = g_strdup_printf("CREATE TABLE %s (" HISTORY_COLUMNS ")", h);
		rc = db_exec(conn, "creating the history table", sql, 0, NULL, err);
		g_free(sql);
	}
	/* The versions (old IS NOT NULL) are found by record and by sfid; inserts, which
	 * only .changes reads (by id), stay out of those indexes. The last one keeps one row
	 * per record and transaction (ON CONFLICT): an index probe however big the table. */
	static const char *const indexes[][3] = {
	    {"", "_forcefs_history_idx_record",
	     "(table_name, record_id, id) WHERE old IS NOT NULL"},
	    {"", "_forcefs_history_idx_sfid", "(table_name, sfid) WHERE old IS NOT NULL"},
	    {"", "_forcefs_history_idx_changed_at", "USING brin (changed_at)"},
	    {"UNIQUE ", "_forcefs_history_idx_tx",
	     "(txid, table_name, record_id) WHERE action <> 'DELETE'"},
	};
	for (size_t i = 0; rc == 0 && i < G_N_ELEMENTS(indexes); i++) {
		char *sql = g_strdup_printf("CREATE %sINDEX IF NOT EXISTS %s ON %s %s",
					    indexes[i][0], indexes[i][1], h, indexes[i][2]);
		rc = db_exec(conn, "indexing the history table", sql, 0, NULL, err);
		g_free(sql);
	}
	if (rc == 0) {
		const char *params[] = {schema};
		PGresult *res = db_query(conn, "looking for the history function", function_sql, 1,
					 params, err);
		if (!res) {
			rc = -err->code;
		} else {
			bool same = PQntuples(res) > 0 && strcmp(PQgetvalue(res, 0, 0), body) == 0;
			PQclear(res);
			if (!same) {
				*changed = true;
				char *sql = g_strdup_printf(
				    "CREATE OR REPLACE FUNCTION %s() RETURNS trigger "
				    "SET extra_float_digits = 1 SET jit = off "
				    "SET search_path = pg_catalog, public AS $$%s$$ LANGUAGE "
				    "plpgsql",
				    fn, body);
				rc = db_exec(conn, "creating the history function", sql, 0, NULL, err);
				g_free(sql);
			}
		}
	}
	for (size_t i = 0; rc == 0 && i < ntables; i++) {
		if (created)
			created[i] = false;
		for (size_t k = 0; rc == 0 && k < G_N_ELEMENTS(history_triggers); k++) {
			const char *params[] = {schema, tables[i], history_triggers[k][0]};
			PGresult *res = db_query(conn, "looking for the history trigger",
						 trigger_sql, 3, params, err);
			if (!res) {
				rc = -err->code;
				break;
			}
			bool there = PQntuples(res) > 0;
			PQclear(res);
			if (there)
				continue;
			char *qt = db_qualified_name(conn, schema, tables[i]);
			char *sql =
			    g_strdup_printf("CREATE TRIGGER %s AFTER %s ON %s REFERENCING %s "
					    "FOR EACH STATEMENT EXECUTE PROCEDURE %s()",
					    history_triggers[k][0], history_triggers[k][1], qt,
					    history_triggers[k][2], fn);
			char *what = g_strdup_printf("creating the history trigger on %s.%s",
						     schema, tables[i]);
			rc = db_exec(conn, what, sql, 0, NULL, err);
			g_free(what);
			g_free(sql);
			g_free(qt);
			if (rc == 0) {
				*changed = true;
				if (created)
					created[i] = true;
			}
		}
	}
	g_free(body);
	g_free(fn);
	g_free(h);
	g_free(qs);
	return rc;
}

int db_history_initial_load(PGconn *conn, bool on, struct error *err)
{
	const char *params[] = {on ? "on" : "off"};
	return db_exec(conn, "marking the initial load",
		    "SELECT set_config('forcefs.initial_load', $1, false)", 1, params, err);
}

int db_history_present(PGconn *conn, const char *schema, bool *present, struct error *err)
{
	const char *params[] = {schema};
	PGresult *res = db_query(conn, "looking for the history table",
				 "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = "
				 "c.relnamespace WHERE n.nspname = $1 AND c.relname = "
				 "'" DB_HISTORY_TABLE "' AND c.relkind = 'r'",
				 1, params, err);
	if (!res)
		return -err->code;
	*present = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

int db_history_prune(PGconn *conn, const char *schema, int days, long *deleted, struct error *err)
{
	*deleted = 0;
	bool present = false;
	int rc = db_history_present(conn, schema, &present, err);
	if (rc || !present)
		return rc;
	char *h = db_qualified_name(conn, schema, DB_HISTORY_TABLE);
	/* In batches, so that a first prune of a big table never holds many row locks. */
	char *sql = g_strdup_printf("DELETE FROM %s WHERE id IN (SELECT id FROM %s WHERE "
				    "changed_at < now() - make_interval(days => $1::int) "
				    "ORDER BY id LIMIT 10000)",
				    h, h);
	char text[16];
	snprintf(text, sizeof(text), "%d", days);
	const char *params[] = {text};
	for (;;) {
		PGresult *res = db_query(conn, "pruning the history", sql, 1, params, err);
		if (!res) {
			rc = -err->code;
			break;
		}
		long n = strtol(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		*deleted += n;
		if (n < 10000)
			break;
	}
	g_free(sql);
	g_free(h);
	return rc;
}

int db_history_records(PGconn *conn, const struct db_object *obj, int limit,
		       db_history_record_fn fn, void *ctx, struct error *err)
{
	char *h = db_qualified_name(conn, obj->schema_name, DB_HISTORY_TABLE);
	char *t = db_qualified_name(conn, obj->schema_name, obj->table);
	char *sql = g_strdup_printf(
	    "SELECT h.record_id, coalesce(max(h.sfid), (SELECT r.sfid FROM %s r "
	    "WHERE r.id = h.record_id)) FROM %s h WHERE h.table_name = $1 AND h.old IS NOT NULL "
	    "GROUP BY h.record_id ORDER BY h.record_id LIMIT $2",
	    t, h);
	char lim[32];
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	const char *params[] = {obj->table, lim};
	PGresult *res = db_query(conn, "listing the history", sql, 2, params, err);
	g_free(sql);
	g_free(t);
	g_free(h);
	if (!res)
		return -err->code;
	int n = PQntuples(res);
	for (int r = 0; n <= limit && r < n; r++)
		if (fn(strtoll(PQgetvalue(res, r, 0), NULL, 10),
		       PQgetisnull(res, r, 1) ? NULL : PQgetvalue(res, r, 1), ctx))
			break;
	PQclear(res);
	return n;
}

static const char *nullable(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

int db_history_versions(PGconn *conn, const struct db_object *obj, const char *sfid,
			int64_t record_id, int64_t history_id, db_history_version_fn fn, void *ctx,
			struct error *err)
{
	char *h = db_qualified_name(conn, obj->schema_name, DB_HISTORY_TABLE);
	char *t = db_qualified_name(conn, obj->schema_name, obj->table);
	char idtext[32], histtext[32];
	snprintf(idtext, sizeof(idtext), "%" G_GINT64_FORMAT, record_id);
	snprintf(histtext, sizeof(histtext), "%" G_GINT64_FORMAT, history_id);
	const char *params[] = {obj->table, sfid ? sfid : idtext, histtext};
	char *which =
	    sfid ? g_strdup_printf(
		       "h.record_id IN (SELECT record_id FROM %s WHERE table_name = $1 "
		       "AND sfid = $2 AND old IS NOT NULL UNION SELECT id FROM %s WHERE sfid = $2)",
		       h, t)
		 : g_strdup("h.record_id = $2::int");
	/* Columns: the record's select list, then the history id and time. */
	char *sql = g_strdup_printf(
	    "SELECT %s, _forcefs_hid, _forcefs_hat FROM (SELECT r.*, h.id AS _forcefs_hid, "
	    "to_char(h.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS "
	    "_forcefs_hat FROM %s h CROSS JOIN LATERAL jsonb_populate_record(NULL::%s, h.old) r "
	    "WHERE h.table_name = $1 AND h.old IS NOT NULL AND %s "
	    "AND ($3::int8 = 0 OR h.id = $3::int8)) q ORDER BY _forcefs_hid",
	    obj->select_list, h, t, which);
	PGresult *res = db_query(conn, "reading the history", sql, 3, params, err);
	g_free(sql);
	g_free(which);
	g_free(t);
	g_free(h);
	if (!res)
		return -err->code;
	int n = PQntuples(res);
	int first = 5; /* id, sfid, mtime, lastop, err, then the shown values */
	const char **values = g_new(const char *, obj->nshown + 1);
	for (int r = 0; r < n; r++) {
		for (size_t i = 0; i < obj->nshown; i++)
			values[i] = nullable(res, r, first + (int)i);
		struct db_row row = {
		    .id = strtoll(PQgetvalue(res, r, 0), NULL, 10),
		    .sfid = nullable(res, r, 1),
		    .mtime_ms = -1,
		    .values = values,
		};
		struct db_history_version v = {
		    .row = &row,
		    .history_id = strtoll(PQgetvalue(res, r, first + (int)obj->nshown), NULL, 10),
		    .changed_at = PQgetvalue(res, r, first + (int)obj->nshown + 1),
		};
		if (fn(&v, ctx))
			break;
	}
	g_free(values);
	PQclear(res);
	return n;
}

int db_history_last_id(PGconn *conn, const char *schema, int64_t *id, struct error *err)
{
	char *h = db_qualified_name(conn, schema, DB_HISTORY_TABLE);
	char *sql = g_strdup_printf("SELECT coalesce(max(id), 0) FROM %s", h);
	PGresult *res = db_query(conn, "reading the history", sql, 0, NULL, err);
	g_free(sql);
	g_free(h);
	if (!res)
		return -err->code;
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

int db_history_changes(PGconn *conn, const char *schema, int64_t *after_id, int limit,
		       db_history_change_fn fn, void *ctx, struct error *err)
{
	char *h = db_qualified_name(conn, schema, DB_HISTORY_TABLE);
	char *sql = g_strdup_printf(
	    "SELECT id, table_name, record_id, sfid, action, "
	    "to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), source, "
	    "array_to_json(fields)::text FROM %s WHERE id > $1 ORDER BY id LIMIT $2",
	    h);
	char after[32], lim[32];
	snprintf(after, sizeof(after), "%" G_GINT64_FORMAT, *after_id);
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *params[] = {after, lim};
	PGresult *res = db_query(conn, "reading the changes", sql, 2, params, err);
	g_free(sql);
	g_free(h);
	if (!res)
		return -err->code;
	int n = PQntuples(res);
	for (int r = 0; r < n; r++) {
		struct db_history_change c = {
		    .id = strtoll(PQgetvalue(res, r, 0), NULL, 10),
		    .table = PQgetvalue(res, r, 1),
		    .record_id = strtoll(PQgetvalue(res, r, 2), NULL, 10),
		    .sfid = nullable(res, r, 3),
		    .action = PQgetvalue(res, r, 4),
		    .changed_at = PQgetvalue(res, r, 5),
		    .source = PQgetvalue(res, r, 6),
		    .fields_json = PQgetvalue(res, r, 7),
		};
		*after_id = c.id;
		fn(&c, ctx);
	}
	PQclear(res);
	return n;
}
