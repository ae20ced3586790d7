/*
 * db_sync_push: the push's statements (declared in db_sync.h): claiming _trigger_log
 * rows, reading the rows to send, and writing the answers back as Heroku Connect does.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db_conn.h"
#include "db_sync.h"
#include "db_sql.h"
#include "db_write.h"

int db_sync_reclaim(PGconn *conn, const char *schema, long *n, struct error *err)
{
	char *log = db_qualified_name(conn, schema, "_trigger_log");
	char *sql = g_strdup_printf("UPDATE %s SET state = 'NEW', updated_at = clock_timestamp() "
				    "WHERE state = 'PENDING'",
				    log);
	g_free(log);
	PGresult *res = db_query(conn, "reclaiming unfinished log rows", sql, 0, NULL, err);
	g_free(sql);
	if (!res)
		return -err->code;
	*n = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}

void db_sync_claim_free(struct db_sync_claim *c)
{
	if (!c)
		return;
	g_free(c->entries);
	if (c->strings)
		g_string_chunk_free(c->strings);
	if (c->column_lists)
		g_ptr_array_free(c->column_lists, TRUE);
	g_free(c);
}

static enum db_sync_action action_of(const char *text)
{
	if (strcmp(text, "INSERT") == 0)
		return DB_SYNC_INSERT;
	if (strcmp(text, "DELETE") == 0)
		return DB_SYNC_DELETE;
	return DB_SYNC_UPDATE;
}

/* ["a","b"] -> NULL-terminated copy. */
static char **json_list(const char *text)
{
	cJSON *json = cJSON_Parse(text);
	GPtrArray *out = g_ptr_array_new();
	const cJSON *item;
	cJSON_ArrayForEach(item, json)
	{
		if (cJSON_IsString(item))
			g_ptr_array_add(out, g_strdup(item->valuestring));
	}
	cJSON_Delete(json);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

int db_sync_claim(PGconn *conn, const char *schema, const char *const *tables, size_t ntables,
		  long limit, struct db_sync_claim **out, struct error *err)
{
	*out = NULL;
	char *log = db_qualified_name(conn, schema, "_trigger_log");
	/* The keys of "values" are the changed columns (all columns for an INSERT). */
	char *sql = db_sql_fill(
	    "WITH first AS (SELECT id, table_name, record_id FROM {0} WHERE state = 'NEW' "
	    "  AND table_name = ANY($2::text[]) ORDER BY id LIMIT $1::int), "
	    "recs AS (SELECT DISTINCT table_name, record_id FROM first), "
	    "claimed AS (UPDATE {0} l SET state = 'PENDING', updated_at = clock_timestamp() "
	    "  FROM recs r WHERE l.state = 'NEW' AND l.table_name = r.table_name "
	    "  AND l.record_id = r.record_id "
	    "  RETURNING l.id, l.table_name, l.record_id, l.action, l.sfid, l.\"values\") "
	    "SELECT id, table_name, record_id, action, sfid, "
	    "  coalesce(array_to_json(public.akeys(\"values\"::public.hstore))::text, '[]'), "
	    "  false FROM claimed "
	    "UNION ALL "
	    "SELECT f.id, f.table_name, f.record_id, f.action, f.sfid, "
	    "  coalesce(array_to_json(public.akeys(f.\"values\"::public.hstore))::text, '[]'), "
	    "  true FROM {0} f JOIN recs r ON f.table_name = r.table_name "
	    "  AND f.record_id = r.record_id WHERE f.state = 'FAILED' "
	    "ORDER BY 1",
	    "{0}", log, NULL);
	g_free(log);
	char lim[32];
	snprintf(lim, sizeof(lim), "%ld", limit);
	char *names = db_text_array(tables, ntables);
	const char *params[] = {lim, names};
	PGresult *res = db_query(conn, "claiming queued changes", sql, 2, params, err);
	g_free(sql);
	g_free(names);
	if (!res)
		return -err->code;
	int rows = PQntuples(res);
	if (rows == 0) {
		PQclear(res);
		return 0;
	}
	struct db_sync_claim *c = g_new0(struct db_sync_claim, 1);
	c->entries = g_new0(struct db_sync_log_row, rows);
	c->strings = g_string_chunk_new(4096);
	c->column_lists = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	for (int r = 0; r < rows; r++) {
		struct db_sync_log_row *e = &c->entries[c->n++];
		e->id = g_ascii_strtoll(PQgetvalue(res, r, 0), NULL, 10);
		e->table = g_string_chunk_insert_const(c->strings, PQgetvalue(res, r, 1));
		e->record_id = g_ascii_strtoll(PQgetvalue(res, r, 2), NULL, 10);
		e->action = action_of(PQgetvalue(res, r, 3));
		e->sfid = PQgetisnull(res, r, 4)
			      ? NULL
			      : g_string_chunk_insert_const(c->strings, PQgetvalue(res, r, 4));
		char **cols = json_list(PQgetvalue(res, r, 5));
		g_ptr_array_add(c->column_lists, cols);
		e->columns = (const char *const *)cols;
		e->failed = PQgetvalue(res, r, 6)[0] == 't';
		if (!e->failed)
			c->nclaimed++;
	}
	PQclear(res);
	*out = c;
	return 0;
}

void db_sync_rows_free(struct db_sync_rows *rows)
{
	if (!rows)
		return;
	g_free(rows->found);
	g_free(rows->values);
	if (rows->strings)
		g_string_chunk_free(rows->strings);
	g_free(rows);
}

int db_sync_read_rows(PGconn *conn, const char *schema, const char *table,
		      const char *const *columns, size_t ncolumns, const int64_t *ids, size_t nids,
		      struct db_sync_rows **out, struct error *err)
{
	*out = NULL;
	GString *sql = g_string_new("SELECT id");
	for (size_t i = 0; i < ncolumns; i++) {
		char *q = db_quote_ident(conn, columns[i]);
		g_string_append_printf(sql, ", %s", q);
		g_free(q);
	}
	char *t = db_qualified_name(conn, schema, table);
	g_string_append_printf(sql, " FROM %s WHERE id = ANY($1::int8[])", t);
	g_free(t);
	char *idlist = db_int64_array(ids, nids);
	const char *params[] = {idlist};
	PGresult *res = db_query(conn, "reading rows to send", sql->str, 1, params, err);
	g_string_free(sql, TRUE);
	g_free(idlist);
	if (!res)
		return -err->code;
	struct db_sync_rows *rows = g_new0(struct db_sync_rows, 1);
	rows->ncolumns = ncolumns;
	rows->nrows = nids;
	rows->found = g_new0(bool, nids ? nids : 1);
	rows->values = g_new0(char *, nids *ncolumns + 1);
	rows->strings = g_string_chunk_new(8192);
	GHashTable *index = g_hash_table_new(g_int64_hash, g_int64_equal);
	for (size_t i = 0; i < nids; i++)
		g_hash_table_insert(index, (gpointer)&ids[i], GSIZE_TO_POINTER(i + 1));
	for (int r = 0; r < PQntuples(res); r++) {
		int64_t id = g_ascii_strtoll(PQgetvalue(res, r, 0), NULL, 10);
		size_t at = GPOINTER_TO_SIZE(g_hash_table_lookup(index, &id));
		if (!at)
			continue;
		at--;
		rows->found[at] = true;
		for (size_t c = 0; c < ncolumns; c++)
			rows->values[at * ncolumns + c] =
			    PQgetisnull(res, r, (int)c + 1)
				? NULL
				: g_string_chunk_insert(rows->strings,
							PQgetvalue(res, r, (int)c + 1));
	}
	g_hash_table_destroy(index);
	PQclear(res);
	*out = rows;
	return 0;
}

int db_sync_deletes_queued(PGconn *conn, const char *schema, const char *table, const int64_t *ids,
			   size_t nids, bool *queued, struct error *err)
{
	memset(queued, 0, nids * sizeof(*queued));
	char *log = db_qualified_name(conn, schema, "_trigger_log");
	char *sql = g_strdup_printf("SELECT DISTINCT record_id FROM %s WHERE state = 'NEW' AND "
				    "action = 'DELETE' AND table_name = $1 AND "
				    "record_id = ANY($2::int8[])",
				    log);
	g_free(log);
	char *idlist = db_int64_array(ids, nids);
	const char *params[] = {table, idlist};
	PGresult *res = db_query(conn, "looking for queued deletes", sql, 2, params, err);
	g_free(sql);
	g_free(idlist);
	if (!res)
		return -err->code;
	for (int r = 0; r < PQntuples(res); r++) {
		int64_t id = g_ascii_strtoll(PQgetvalue(res, r, 0), NULL, 10);
		for (size_t i = 0; i < nids; i++)
			if (ids[i] == id)
				queued[i] = true;
	}
	PQclear(res);
	return 0;
}

int db_sync_store_values(PGconn *conn, const char *schema, const char *table, const char *column,
			 const int64_t *ids, const char *const *values, size_t n, struct error *err)
{
	if (n == 0)
		return 0;
	char *t = db_qualified_name(conn, schema, table);
	char *log = db_qualified_name(conn, schema, "_trigger_log");
	char *col = db_quote_ident(conn, column);
	char *idlist = db_int64_array(ids, n);
	char *vallist = db_text_array(values, n);
	const char *params[] = {idlist, vallist, table, column};
	/* '~' then the old value: the status trigger keeps a value only when it changes. */
	char *set = db_sql_fill(
	    "UPDATE {0} t SET {1} = v.val, _hc_lastop = coalesce(t._hc_lastop, '') || '~' "
	    "FROM (SELECT unnest($1::int8[]) AS id, unnest($2::text[]) AS val) v "
	    "WHERE t.id = v.id",
	    "{0}", t, "{1}", col, NULL);
	char *settle =
	    g_strdup_printf("UPDATE %s SET _hc_lastop = nullif(left(_hc_lastop, -1), '') "
			    "WHERE id = ANY($1::int8[]) AND _hc_lastop LIKE '%%~'",
			    t);
	char *logged = g_strdup_printf(
	    "UPDATE %s l SET \"values\" = (coalesce(l.\"values\", '')::public.hstore || "
	    "public.hstore($4::text, v.val))::text "
	    "FROM (SELECT unnest($1::int8[]) AS id, unnest($2::text[]) AS val) v "
	    "WHERE l.record_id = v.id AND l.table_name = $3 AND l.state = 'PENDING' "
	    "AND l.action = 'INSERT'",
	    log);
	int rc = db_begin(conn, err);
	if (rc == 0)
		rc = db_exec(conn, "storing generated external ids", set, 2, params, err);
	if (rc == 0)
		rc = db_exec(conn, "storing generated external ids", settle, 1, params, err);
	if (rc == 0)
		rc = db_exec(conn, "logging generated external ids", logged, 4, params, err);
	if (rc == 0)
		rc = db_commit(conn, err);
	else
		db_rollback(conn);
	g_free(set);
	g_free(settle);
	g_free(logged);
	g_free(t);
	g_free(log);
	g_free(col);
	g_free(idlist);
	g_free(vallist);
	return rc;
}

static const char *log_state(enum db_sync_result r)
{
	switch (r) {
	case DB_SYNC_SUCCESS:
		return "SUCCESS";
	case DB_SYNC_FAILED:
		return "FAILED";
	case DB_SYNC_IGNORED:
		return "IGNORE";
	case DB_SYNC_MERGED:
		return "MERGED";
	case DB_SYNC_DEFERRED:
		break;
	}
	return "NEW";
}

/* The log rows of every outcome: state, sf_result, sf_message. */
static int write_log(PGconn *conn, const char *schema, const struct db_sync_outcome *o, size_t n,
		     struct error *err)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	GPtrArray *states = g_ptr_array_new(), *results = g_ptr_array_new(),
		  *messages = g_ptr_array_new();
	for (size_t i = 0; i < n; i++) {
		const char *state = log_state(o[i].result);
		const char *result = o[i].result == DB_SYNC_SUCCESS  ? "1"
				     : o[i].result == DB_SYNC_FAILED ? "0"
								     : NULL;
		for (guint k = 0; k < o[i].claimed_ids->len; k++) {
			g_array_append_val(ids, g_array_index(o[i].claimed_ids, int64_t, k));
			g_ptr_array_add(states, (gpointer)state);
			g_ptr_array_add(results, (gpointer)result);
			g_ptr_array_add(messages, (gpointer)o[i].message);
		}
		/* A success carried the earlier failed changes too. */
		for (guint k = 0; o[i].result == DB_SYNC_SUCCESS && k < o[i].failed_ids->len; k++) {
			g_array_append_val(ids, g_array_index(o[i].failed_ids, int64_t, k));
			g_ptr_array_add(states, "MERGED");
			g_ptr_array_add(results, NULL);
			g_ptr_array_add(messages, NULL);
		}
	}
	int rc = 0;
	if (ids->len > 0) {
		char *log = db_qualified_name(conn, schema, "_trigger_log");
		char *sql = g_strdup_printf(
		    "UPDATE %s l SET state = v.state, "
		    "processed_at = CASE WHEN v.state = 'NEW' THEN NULL ELSE now() END, "
		    "processed_tx = CASE WHEN v.state = 'NEW' THEN NULL ELSE txid_current() END, "
		    "updated_at = clock_timestamp(), "
		    "sf_result = CASE WHEN v.state = 'MERGED' THEN l.sf_result ELSE v.result END, "
		    "sf_message = CASE WHEN v.state = 'MERGED' THEN l.sf_message ELSE v.msg END "
		    "FROM (SELECT unnest($1::int8[]) AS id, unnest($2::text[]) AS state, "
		    "unnest($3::int[]) AS result, unnest($4::text[]) AS msg) v WHERE l.id = v.id",
		    log);
		g_free(log);
		char *p1 = db_int64_array((const int64_t *)ids->data, ids->len);
		char *p2 = db_text_array((const char *const *)states->pdata, states->len);
		char *p3 = db_text_array((const char *const *)results->pdata, results->len);
		char *p4 = db_text_array((const char *const *)messages->pdata, messages->len);
		const char *params[] = {p1, p2, p3, p4};
		rc = db_exec(conn, "writing back to the trigger log", sql, 4, params, err);
		g_free(sql);
		g_free(p1);
		g_free(p2);
		g_free(p3);
		g_free(p4);
	}
	g_array_free(ids, TRUE);
	g_ptr_array_free(states, TRUE);
	g_ptr_array_free(results, TRUE);
	g_ptr_array_free(messages, TRUE);
	return rc;
}

/* The rows of one table: sfid, _hc_lastop, _hc_err. Adds to `gone` the outcomes whose
 * row no longer exists. */
static int write_rows(PGconn *conn, const char *schema, const char *table,
		      const struct db_sync_outcome *o, size_t n, GArray *gone, struct error *err)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	GArray *which = g_array_new(FALSE, FALSE, sizeof(size_t));
	GPtrArray *sfids = g_ptr_array_new(), *ops = g_ptr_array_new(), *errs = g_ptr_array_new();
	GPtrArray *new_sfids = g_ptr_array_new();
	for (size_t i = 0; i < n; i++) {
		if (!o[i].lastop || strcmp(o[i].table, table) != 0)
			continue;
		g_array_append_val(ids, o[i].record_id);
		g_array_append_val(which, i);
		g_ptr_array_add(sfids, (gpointer)o[i].sfid);
		g_ptr_array_add(ops, (gpointer)o[i].lastop);
		g_ptr_array_add(errs, (gpointer)o[i].hc_err);
		if (o[i].sfid)
			g_ptr_array_add(new_sfids, (gpointer)o[i].sfid);
	}
	int rc = 0;
	char *t = db_qualified_name(conn, schema, table);
	char *log = db_qualified_name(conn, schema, "_trigger_log");
	char *p_ids = db_int64_array((const int64_t *)ids->data, ids->len);
	char *p_sfids = db_text_array((const char *const *)sfids->pdata, sfids->len);
	char *p_ops = db_text_array((const char *const *)ops->pdata, ops->len);
	char *p_errs = db_text_array((const char *const *)errs->pdata, errs->len);
	char *p_new = db_text_array((const char *const *)new_sfids->pdata, new_sfids->len);
	if (new_sfids->len > 0) {
		/* The same record pulled as a row of its own while the insert's answer was
		 * lost: the row that made the insert keeps it. */
		char *sql = g_strdup_printf("DELETE FROM %s WHERE sfid = ANY($1::text[]) AND "
					    "NOT (id = ANY($2::int8[]))",
					    t);
		const char *params[] = {p_new, p_ids};
		rc = db_exec(conn, "removing duplicate rows", sql, 2, params, err);
		g_free(sql);
	}
	GArray *marked = g_array_new(FALSE, FALSE, sizeof(int64_t));
	if (rc == 0 && ids->len > 0) {
		/* The status trigger keeps _hc_lastop only when the write changes it: a row
		 * whose state stays what it was (FAILED again) or goes back to PENDING (changed
		 * again since it was claimed) gets a marker, settled by a second statement. Each
		 * row write runs the capture triggers, so most rows are written once. */
		char *sql = db_sql_fill(
		    "UPDATE {0} t SET sfid = coalesce(v.sfid, t.sfid), _hc_err = v.err, "
		    "_hc_lastop = CASE WHEN t._hc_lastop IS NOT DISTINCT FROM v.op OR EXISTS "
		    "(SELECT 1 FROM {1} l WHERE l.state = 'NEW' AND l.table_name = $5 AND "
		    "l.record_id = t.id) THEN v.op || '~' ELSE v.op END "
		    "FROM (SELECT unnest($1::int8[]) AS id, unnest($2::text[]) AS "
		    "sfid, unnest($3::text[]) AS op, unnest($4::text[]) AS err) v "
		    "WHERE t.id = v.id RETURNING t.id, t._hc_lastop LIKE '%~'",
		    "{0}", t, "{1}", log, NULL);
		const char *params[] = {p_ids, p_sfids, p_ops, p_errs, table};
		PGresult *res = db_query(conn, "writing back sync results", sql, 5, params, err);
		g_free(sql);
		if (!res) {
			rc = -err->code;
		} else {
			GHashTable *found = g_hash_table_new(g_int64_hash, g_int64_equal);
			int64_t *keys = g_new(int64_t, PQntuples(res) + 1);
			for (int r = 0; r < PQntuples(res); r++) {
				keys[r] = g_ascii_strtoll(PQgetvalue(res, r, 0), NULL, 10);
				g_hash_table_add(found, &keys[r]);
				if (PQgetvalue(res, r, 1)[0] == 't')
					g_array_append_val(marked, keys[r]);
			}
			for (guint k = 0; gone && k < ids->len; k++)
				if (!g_hash_table_contains(found, &g_array_index(ids, int64_t, k)))
					g_array_append_val(gone, g_array_index(which, size_t, k));
			g_hash_table_destroy(found);
			g_free(keys);
			PQclear(res);
		}
	}
	if (rc == 0 && marked->len > 0) {
		char *sql = g_strdup_printf(
		    "UPDATE %s t SET _hc_lastop = CASE WHEN EXISTS (SELECT 1 FROM %s l WHERE "
		    "l.state = 'NEW' AND l.table_name = $2 AND l.record_id = t.id) THEN 'PENDING' "
		    "ELSE left(t._hc_lastop, -1) END "
		    "WHERE t.id = ANY($1::int8[]) AND t._hc_lastop LIKE '%%~'",
		    t, log);
		char *p_marked = db_int64_array((const int64_t *)marked->data, marked->len);
		const char *params[] = {p_marked, table};
		rc = db_exec(conn, "writing back sync states", sql, 2, params, err);
		g_free(sql);
		g_free(p_marked);
	}
	g_array_free(marked, TRUE);
	g_free(t);
	g_free(log);
	g_free(p_ids);
	g_free(p_sfids);
	g_free(p_ops);
	g_free(p_errs);
	g_free(p_new);
	g_array_free(ids, TRUE);
	g_array_free(which, TRUE);
	g_ptr_array_free(sfids, TRUE);
	g_ptr_array_free(ops, TRUE);
	g_ptr_array_free(errs, TRUE);
	g_ptr_array_free(new_sfids, TRUE);
	return rc;
}

int db_sync_write_back(PGconn *conn, const char *schema, const struct db_sync_outcome *o, size_t n,
		       GArray *gone, struct error *err)
{
	if (n == 0)
		return 0;
	int rc = db_begin(conn, err);
	if (rc)
		return rc;
	rc = write_log(conn, schema, o, n, err);
	GHashTable *tables = g_hash_table_new(g_str_hash, g_str_equal);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *table = o[i].table;
		if (!o[i].lastop || g_hash_table_contains(tables, table))
			continue;
		g_hash_table_add(tables, (gpointer)table);
		rc = write_rows(conn, schema, table, o, n, gone, err);
	}
	g_hash_table_destroy(tables);
	if (rc == 0)
		return db_commit(conn, err);
	db_rollback(conn);
	if (gone)
		g_array_set_size(gone, 0);
	return rc;
}

int db_sync_values_taken(PGconn *conn, const char *schema, const char *table, const char *column,
			 const int64_t *ids, const char *const *values, size_t n, bool *taken,
			 struct error *err)
{
	memset(taken, 0, n * sizeof(*taken));
	if (n == 0)
		return 0;
	char *t = db_qualified_name(conn, schema, table);
	char *col = db_quote_ident(conn, column);
	char *sql = g_strdup_printf(
	    "SELECT v.i FROM unnest($1::int8[], $2::text[]) WITH ORDINALITY AS v(id, val, i) "
	    "WHERE v.val IS NOT NULL AND EXISTS (SELECT 1 FROM %s t WHERE t.%s = v.val "
	    "AND t.id <> v.id)",
	    t, col);
	char *p1 = db_int64_array(ids, n);
	char *p2 = db_text_array(values, n);
	const char *params[] = {p1, p2};
	PGresult *res = db_query(conn, "checking external ids", sql, 2, params, err);
	g_free(t);
	g_free(col);
	g_free(sql);
	g_free(p1);
	g_free(p2);
	if (!res)
		return -err->code;
	for (int r = 0; r < PQntuples(res); r++) {
		long i = strtol(PQgetvalue(res, r, 0), NULL, 10);
		if (i >= 1 && (size_t)i <= n)
			taken[i - 1] = true;
	}
	PQclear(res);
	return 0;
}
