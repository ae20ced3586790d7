#include "db_sync_pull.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db_conn.h"
#include "db_sql.h"
#include "db_write.h"

struct db_sync_batch {
	GPtrArray *columns; /* char * */
	GString *copy;	    /* live records in COPY text format */
	size_t nlive;
	GPtrArray *deleted; /* char *: sfids */
};

struct db_sync_batch *db_sync_batch_new(const char *const *columns, size_t ncolumns)
{
	struct db_sync_batch *b = g_new0(struct db_sync_batch, 1);
	b->columns = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < ncolumns; i++)
		g_ptr_array_add(b->columns, g_strdup(columns[i]));
	b->copy = g_string_new(NULL);
	b->deleted = g_ptr_array_new_with_free_func(g_free);
	return b;
}

void db_sync_batch_free(struct db_sync_batch *b)
{
	if (!b)
		return;
	g_ptr_array_free(b->columns, TRUE);
	g_string_free(b->copy, TRUE);
	g_ptr_array_free(b->deleted, TRUE);
	g_free(b);
}

void db_sync_batch_add(struct db_sync_batch *b, const char *const *values)
{
	for (guint i = 0; i < b->columns->len; i++) {
		if (i)
			g_string_append_c(b->copy, '\t');
		db_copy_field(b->copy, values[i]);
	}
	g_string_append_c(b->copy, '\n');
	b->nlive++;
}

void db_sync_batch_clear(struct db_sync_batch *b)
{
	g_string_truncate(b->copy, 0);
	b->nlive = 0;
	g_ptr_array_set_size(b->deleted, 0);
}

void db_sync_batch_add_deleted(struct db_sync_batch *b, const char *sfid)
{
	g_ptr_array_add(b->deleted, g_strdup(sfid));
}

size_t db_sync_batch_size(const struct db_sync_batch *b)
{
	return b->nlive + b->deleted->len;
}

/* The SQL of one batch, built once per apply from quoted identifiers. */
struct statements {
	char *create, *copy, *lock, *adopt, *merge, *insert, *delete, *settle;
	char *data_columns; /* text[] literal of the columns besides sfid: $2 of merge */
};

static void statements_free(struct statements *s)
{
	g_free(s->create);
	g_free(s->copy);
	g_free(s->lock);
	g_free(s->adopt);
	g_free(s->merge);
	g_free(s->insert);
	g_free(s->delete);
	g_free(s->settle);
	g_free(s->data_columns);
}

static void build(PGconn *conn, const char *schema, const char *table, const char *upsert_column,
		  GPtrArray *columns, struct statements *s)
{
	char *t = db_qualified_name(conn, schema, table);
	char *log = db_qualified_name(conn, schema, "_trigger_log");
	GString *cols = g_string_new(NULL), *scols = g_string_new(NULL);
	GString *set = g_string_new(NULL), *trow = g_string_new(NULL), *xrow = g_string_new(NULL);
	GPtrArray *data = g_ptr_array_new();
	for (guint i = 0; i < columns->len; i++) {
		const char *name = g_ptr_array_index(columns, i);
		char *q = db_quote_ident(conn, name);
		g_string_append_printf(cols, "%s%s", i ? ", " : "", q);
		g_string_append_printf(scols, "%ss.%s", i ? ", " : "", q);
		if (strcmp(name, "sfid") != 0) {
			g_ptr_array_add(data, (gpointer)name);
			g_string_append_printf(set,
					       "%s = CASE WHEN ($2::text[])[%u] = ANY(x.cols) THEN "
					       "t.%s ELSE x.%s END, ",
					       q, data->len, q, q);
			g_string_append_printf(trow, "%st.%s", trow->len ? ", " : "", q);
			g_string_append_printf(xrow, "%sx.%s", xrow->len ? ", " : "", q);
		}
		g_free(q);
	}
	s->data_columns = db_text_array((const char *const *)data->pdata, data->len);
	g_ptr_array_free(data, TRUE);

	s->create = g_strdup_printf("CREATE TEMP TABLE forcefs_pull ON COMMIT DROP AS "
				    "SELECT %s FROM %s WITH NO DATA",
				    cols->str, t);
	s->copy = g_strdup_printf("COPY forcefs_pull (%s) FROM STDIN", cols->str);
	s->lock = g_strdup_printf("SELECT t.id FROM %s t WHERE t.sfid IN (SELECT sfid FROM "
				  "forcefs_pull) ORDER BY t.id FOR UPDATE OF t",
				  t);
	if (upsert_column) {
		char *u = db_quote_ident(conn, upsert_column);
		s->adopt = db_sql_fill(
		    "UPDATE {0} t SET sfid = s.sfid, _hc_lastop = CASE WHEN t._hc_lastop IN "
		    "('PENDING', 'FAILED') THEN t._hc_lastop || '~' END FROM forcefs_pull s "
		    "WHERE t.sfid IS NULL AND s.{1} IS NOT NULL AND t.{1} = s.{1} "
		    "AND t.id = (SELECT min(t2.id) FROM {0} t2 WHERE t2.sfid IS NULL AND "
		    "t2.{1} = s.{1}) AND NOT EXISTS (SELECT 1 FROM {0} t3 WHERE t3.sfid = s.sfid)",
		    "{0}", t, "{1}", u, NULL);
		g_free(u);
	}
	/* Columns with an unprocessed local change keep their value; see the header. */
	s->merge = db_sql_fill(
	    "WITH prot AS (SELECT l.record_id, array_agg(DISTINCT k.k) AS cols FROM {1} l "
	    "  CROSS JOIN LATERAL unnest(public.akeys(l.\"values\"::public.hstore)) AS k(k) "
	    "  WHERE l.table_name = $1 AND l.state IN ('NEW', 'PENDING', 'FAILED') "
	    "  AND l.action <> 'DELETE' AND l.record_id IN (SELECT t2.id FROM {0} t2 "
	    "  JOIN forcefs_pull s2 ON t2.sfid = s2.sfid) GROUP BY l.record_id), "
	    "src AS (SELECT s.*, t2.id AS tid, p.cols FROM forcefs_pull s "
	    "  JOIN {0} t2 ON t2.sfid = s.sfid LEFT JOIN prot p ON p.record_id = t2.id) "
	    "UPDATE {0} t SET {2}_hc_lastop = CASE WHEN t._hc_lastop IN ('PENDING', 'FAILED') "
	    "  THEN t._hc_lastop || '~' END "
	    "FROM src x WHERE t.id = x.tid "
	    "  AND (t.systemmodstamp IS NULL OR x.systemmodstamp >= t.systemmodstamp) "
	    "  AND ROW({3}) IS DISTINCT FROM ROW({4}) "
	    "RETURNING x.cols IS NOT NULL",
	    "{0}", t, "{1}", log, "{2}", set->str, "{3}", trow->str, "{4}", xrow->str, NULL);
	s->insert = db_sql_fill(
	    "INSERT INTO {0} ({5}) SELECT DISTINCT ON (s.sfid) {6} FROM forcefs_pull s "
	    "WHERE NOT EXISTS (SELECT 1 FROM {0} t WHERE t.sfid = s.sfid) "
	    "AND NOT EXISTS (SELECT 1 FROM {1} l WHERE l.state IN ('NEW', 'PENDING') "
	    "  AND l.table_name = $1 AND l.action = 'DELETE' AND l.sfid = s.sfid) "
	    "ORDER BY s.sfid, s.systemmodstamp DESC",
	    "{0}", t, "{1}", log, "{5}", cols->str, "{6}", scols->str, NULL);
	s->delete = g_strdup_printf("DELETE FROM %s WHERE sfid = ANY($1::text[])", t);
	s->settle = g_strdup_printf("UPDATE %s SET _hc_lastop = left(_hc_lastop, -1) "
				    "WHERE sfid IN (SELECT sfid FROM forcefs_pull) "
				    "AND _hc_lastop LIKE '%%~'",
				    t);
	g_free(t);
	g_free(log);
	g_string_free(cols, TRUE);
	g_string_free(scols, TRUE);
	g_string_free(set, TRUE);
	g_string_free(trow, TRUE);
	g_string_free(xrow, TRUE);
}

static long count_of(PGresult *res)
{
	return strtol(PQcmdTuples(res), NULL, 10);
}

static int run_batch(PGconn *conn, const char *table, struct db_sync_batch *b,
		     const struct statements *s, struct db_sync_applied *stats, struct error *err)
{
	const char *what = "applying pulled records";
	int rc = db_exec(conn, what, s->create, 0, NULL, err);
	if (rc == 0 && b->nlive > 0)
		rc = db_copy_in(conn, what, s->copy, b->copy, err);
	if (rc == 0)
		rc = db_exec(conn, "locking rows to merge", s->lock, 0, NULL, err);
	if (rc == 0 && s->adopt)
		rc = db_exec(conn, what, s->adopt, 0, NULL, err);
	if (rc)
		return rc;
	const char *params[] = {table, s->data_columns};
	PGresult *res = db_query(conn, what, s->merge, 2, params, err);
	if (!res)
		return -err->code;
	stats->updated += PQntuples(res);
	for (int r = 0; r < PQntuples(res); r++)
		if (PQgetvalue(res, r, 0)[0] == 't')
			stats->kept_fields++;
	PQclear(res);
	res = db_query(conn, what, s->insert, 1, params, err);
	if (!res)
		return -err->code;
	stats->inserted += count_of(res);
	PQclear(res);
	if (b->deleted->len > 0) {
		char *sfids =
		    db_text_array((const char *const *)b->deleted->pdata, b->deleted->len);
		const char *dparams[] = {sfids};
		res = db_query(conn, "deleting records deleted in Salesforce", s->delete, 1,
			       dparams, err);
		g_free(sfids);
		if (!res)
			return -err->code;
		stats->deleted += count_of(res);
		PQclear(res);
	}
	return db_exec(conn, what, s->settle, 0, NULL, err);
}

/* Saves the replay id inside the open transaction. */
static int save_replay(PGconn *conn, const char *schema, const char *object, int64_t replay_id,
		       int64_t event_ms, long events, struct error *err)
{
	char *t = db_qualified_name(conn, schema, "_forcefs_sync");
	char *sql = g_strdup_printf(
	    "UPDATE %s SET replay_id = $2::int8, "
	    "replay_event_at = CASE WHEN $3::int8 > 0 THEN to_timestamp($3::int8 / 1000.0) "
	    "ELSE now() END, "
	    "events_today = CASE WHEN events_day = (now() AT TIME ZONE 'UTC')::date "
	    "THEN events_today ELSE 0 END + $4::int, "
	    "events_day = (now() AT TIME ZONE 'UTC')::date WHERE object = $1",
	    t);
	g_free(t);
	char r[32], ms[32], n[32];
	g_snprintf(r, sizeof r, "%" G_GINT64_FORMAT, replay_id);
	g_snprintf(ms, sizeof ms, "%" G_GINT64_FORMAT, event_ms);
	g_snprintf(n, sizeof n, "%ld", events);
	const char *params[] = {object, r, ms, n};
	int rc = db_exec(conn, "saving the replay id", sql, 4, params, err);
	g_free(sql);
	return rc;
}

static int apply(PGconn *conn, const char *schema, const char *table, const char *upsert_column,
		 struct db_sync_batch *b, const char *object, int64_t replay_id, int64_t event_ms,
		 long events, struct db_sync_applied *stats, struct error *err)
{
	struct db_sync_applied local = {0};
	if (!stats)
		stats = &local;
	if (db_sync_batch_size(b) == 0 && !object)
		return 0;
	struct statements s = {0};
	if (db_sync_batch_size(b) > 0)
		build(conn, schema, table, upsert_column, b->columns, &s);
	int rc = db_begin(conn, err);
	if (rc == 0 && db_sync_batch_size(b) > 0)
		rc = run_batch(conn, table, b, &s, stats, err);
	if (rc == 0 && object)
		rc = save_replay(conn, schema, object, replay_id, event_ms, events, err);
	if (rc == 0)
		rc = db_commit(conn, err);
	else
		db_rollback(conn);
	statements_free(&s);
	if (rc == 0) {
		g_string_truncate(b->copy, 0);
		b->nlive = 0;
		g_ptr_array_set_size(b->deleted, 0);
	}
	return rc;
}

int db_sync_batch_apply(PGconn *conn, const char *schema, const char *table,
			const char *upsert_column, struct db_sync_batch *b,
			struct db_sync_applied *stats, struct error *err)
{
	return apply(conn, schema, table, upsert_column, b, NULL, 0, 0, 0, stats, err);
}

int db_sync_batch_apply_replay(PGconn *conn, const char *schema, const char *table,
			       const char *upsert_column, struct db_sync_batch *b,
			       const char *object, int64_t replay_id, int64_t replay_event_ms,
			       long events, struct db_sync_applied *stats, struct error *err)
{
	return apply(conn, schema, table, upsert_column, b, object, replay_id, replay_event_ms,
		     events, stats, err);
}
