#include "db_status.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "db_conn.h"
#include "db_schema.h"
#include "hc_conventions.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static char *value_or_null(PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? NULL : g_strdup(PQgetvalue(res, r, c));
}

static bool table_exists(PGconn *conn, const char *schema, const char *name, bool *exists,
			 struct error *err)
{
	char *q = db_qualified_name(conn, schema, name);
	const char *params[] = {q};
	PGresult *res = db_query(conn, "reading the status", "SELECT to_regclass($1) IS NOT NULL",
				 1, params, err);
	g_free(q);
	if (!res)
		return false;
	*exists = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return true;
}

static int load_leader(PGconn *conn, struct db_status *st, struct error *err)
{
	const char *params[] = {st->schema};
	PGresult *res = db_query(
	    conn, "reading the status",
	    "SELECT a.pid, " ISO(
		"a.backend_start") ", coalesce(host(a.client_addr), 'local') "
				   "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
				   "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
				   "AND l.classid = hashtext('forcefs sync')::oid AND l.objid = "
				   "hashtext($1)::oid",
	    1, params, err);
	if (!res)
		return -err->code;
	if (PQntuples(res) > 0) {
		st->leader_pid = atoi(PQgetvalue(res, 0, 0));
		st->leader_since = value_or_null(res, 0, 1);
		st->leader_client = value_or_null(res, 0, 2);
	}
	PQclear(res);
	return 0;
}

static int load_engine_state(PGconn *conn, struct db_status *st, struct error *err)
{
	char *t = db_qualified_name(conn, st->schema, "_forcefs_sync");
	char *sql = g_strdup_printf(
	    "SELECT object, table_name, loaded_at IS NOT NULL, " ISO("last_pull_at") ", " ISO(
		"last_push_at") ", CASE WHEN api_day = current_date THEN api_calls ELSE 0 END, "
				"last_error, org_api_used, org_api_max, "
				/* streaming columns: absent before the engine first streamed */
				"to_jsonb(s)->>'stream_state', to_jsonb(s)->>'stream_note', "
				"coalesce((to_jsonb(s)->>'replay_id')::int8, -1), "
				"coalesce(extract(epoch FROM now() - "
				"(to_jsonb(s)->>'replay_event_at')::timestamptz)::int8, -1), "
				"CASE WHEN (to_jsonb(s)->>'events_day')::date = "
				"(now() AT TIME ZONE 'UTC')::date "
				"THEN (to_jsonb(s)->>'events_today')::int ELSE 0 END "
				"FROM %s s",
	    t);
	g_free(t);
	PGresult *res = db_query(conn, "reading the sync state", sql, 0, NULL, err);
	g_free(sql);
	if (!res)
		return -err->code;
	for (int r = 0; r < PQntuples(res); r++) {
		const char *object = PQgetvalue(res, r, 0);
		long calls = strtol(PQgetvalue(res, r, 5), NULL, 10);
		st->api_calls_today += calls;
		if (!*object) {
			if (!PQgetisnull(res, r, 7)) {
				st->org_api_used = strtoll(PQgetvalue(res, r, 7), NULL, 10);
				st->org_api_max = strtoll(PQgetvalue(res, r, 8), NULL, 10);
			}
			continue;
		}
		for (size_t i = 0; i < st->nobjects; i++) {
			struct db_status_object *o = &st->objects[i];
			if (strcmp(o->table, PQgetvalue(res, r, 1)) != 0)
				continue;
			g_free(o->object);
			o->object = g_strdup(object);
			o->loaded = PQgetvalue(res, r, 2)[0] == 't';
			o->last_pull = value_or_null(res, r, 3);
			o->last_push = value_or_null(res, r, 4);
			o->api_calls_today = calls;
			o->last_error = value_or_null(res, r, 6);
			o->stream = value_or_null(res, r, 9);
			o->stream_note = value_or_null(res, r, 10);
			o->replay_id = strtoll(PQgetvalue(res, r, 11), NULL, 10);
			o->replay_age_seconds = strtol(PQgetvalue(res, r, 12), NULL, 10);
			o->events_today = strtol(PQgetvalue(res, r, 13), NULL, 10);
		}
	}
	PQclear(res);
	return 0;
}

static char *message_of(const char *hc_err, char **op)
{
	char *text = hc_err_decode(hc_err, op);
	return text ? text : g_strdup("");
}

static void add_failure(GArray *out, const char *table, int64_t id, const char *sfid, char *op,
			char *message)
{
	struct db_status_failure f = {
	    .table = g_strdup(table),
	    .file = sfid ? g_strdup_printf("%s.json", sfid)
			 : g_strdup_printf("local-%" G_GINT64_FORMAT ".json", id),
	    .id = id,
	    .sfid = g_strdup(sfid),
	    .op = op,
	    .message = message,
	};
	g_array_append_val(out, f);
}

static int load_object(PGconn *conn, struct db_status *st, struct db_status_object *o,
		       GArray *failures, size_t max_failures, struct error *err)
{
	char *t = db_qualified_name(conn, st->schema, o->table);
	char *sql = g_strdup_printf("SELECT count(*) FILTER (WHERE isdeleted IS NOT TRUE), "
				    "count(*) FILTER (WHERE _hc_lastop = 'FAILED') FROM %s",
				    t);
	PGresult *res = db_query(conn, "counting records", sql, 0, NULL, err);
	g_free(sql);
	if (!res) {
		g_free(t);
		return -err->code;
	}
	o->records = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	o->failed = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	char lim[32];
	snprintf(lim, sizeof(lim), "%zu", max_failures - MIN(max_failures, failures->len));
	const char *params[] = {lim};
	sql = g_strdup_printf("SELECT id, sfid, _hc_err FROM %s WHERE _hc_lastop = 'FAILED' "
			      "ORDER BY id LIMIT $1::int",
			      t);
	g_free(t);
	res = db_query(conn, "listing failed records", sql, 1, params, err);
	g_free(sql);
	if (!res)
		return -err->code;
	for (int r = 0; r < PQntuples(res); r++) {
		char *op;
		char *msg = message_of(PQgetisnull(res, r, 2) ? NULL : PQgetvalue(res, r, 2), &op);
		add_failure(failures, o->table, g_ascii_strtoll(PQgetvalue(res, r, 0), NULL, 10),
			    PQgetisnull(res, r, 1) ? NULL : PQgetvalue(res, r, 1), op, msg);
	}
	PQclear(res);
	return 0;
}

/* Pending records per table, and failed deletes (their rows are gone). */
static int load_log(PGconn *conn, struct db_status *st, GArray *failures, struct error *err)
{
	char *log = db_qualified_name(conn, st->schema, "_trigger_log");
	char *sql = g_strdup_printf("SELECT table_name, count(DISTINCT record_id) FROM %s WHERE "
				    "state IN ('NEW', 'PENDING') GROUP BY table_name",
				    log);
	PGresult *res = db_query(conn, "reading the trigger log", sql, 0, NULL, err);
	g_free(sql);
	if (!res) {
		g_free(log);
		return -err->code;
	}
	for (int r = 0; r < PQntuples(res); r++)
		for (size_t i = 0; i < st->nobjects; i++)
			if (strcmp(st->objects[i].table, PQgetvalue(res, r, 0)) == 0)
				st->objects[i].pending = strtol(PQgetvalue(res, r, 1), NULL, 10);
	PQclear(res);
	sql = g_strdup_printf("SELECT DISTINCT ON (table_name, record_id) table_name, record_id, "
			      "sfid, sf_message FROM %s WHERE state = 'FAILED' AND action = "
			      "'DELETE' ORDER BY table_name, record_id, id DESC",
			      log);
	g_free(log);
	res = db_query(conn, "reading the trigger log", sql, 0, NULL, err);
	g_free(sql);
	if (!res)
		return -err->code;
	for (int r = 0; r < PQntuples(res); r++)
		add_failure(failures, PQgetvalue(res, r, 0),
			    g_ascii_strtoll(PQgetvalue(res, r, 1), NULL, 10),
			    PQgetisnull(res, r, 2) ? NULL : PQgetvalue(res, r, 2),
			    g_strdup("DELETE"), g_strdup(PQgetvalue(res, r, 3)));
	PQclear(res);
	return 0;
}

int db_status_load(PGconn *conn, const char *schema, size_t max_failures, struct db_status **out,
		   struct error *err)
{
	*out = NULL;
	struct db_catalog *cat = NULL;
	int rc = db_catalog_load(conn, schema, &cat, err);
	if (rc)
		return rc;
	struct db_status *st = g_new0(struct db_status, 1);
	st->schema = g_strdup(schema);
	st->org_api_used = st->org_api_max = -1;
	st->nobjects = cat->nobjects;
	st->objects = g_new0(struct db_status_object, cat->nobjects + 1);
	for (size_t i = 0; i < cat->nobjects; i++) {
		st->objects[i].table = g_strdup(cat->objects[i].table);
		st->objects[i].object = g_strdup(cat->objects[i].table);
		st->objects[i].replay_id = -1;
		st->objects[i].replay_age_seconds = -1;
	}
	db_catalog_free(cat);
	GArray *failures = g_array_new(FALSE, TRUE, sizeof(struct db_status_failure));
	bool has_log = false;
	if (!table_exists(conn, schema, "_forcefs_sync", &st->engine_state, err) ||
	    !table_exists(conn, schema, "_trigger_log", &has_log, err))
		rc = -err->code;
	if (rc == 0 && st->engine_state)
		rc = load_engine_state(conn, st, err);
	if (rc == 0)
		rc = load_leader(conn, st, err);
	for (size_t i = 0; rc == 0 && i < st->nobjects; i++)
		rc = load_object(conn, st, &st->objects[i], failures, max_failures, err);
	if (rc == 0 && has_log)
		rc = load_log(conn, st, failures, err);
	st->nfailures = failures->len;
	st->failures = (struct db_status_failure *)g_array_free(failures, FALSE);
	if (rc) {
		db_status_free(st);
		return rc;
	}
	*out = st;
	return 0;
}

void db_status_free(struct db_status *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nobjects; i++) {
		struct db_status_object *o = &st->objects[i];
		g_free(o->object);
		g_free(o->table);
		g_free(o->last_pull);
		g_free(o->last_push);
		g_free(o->last_error);
		g_free(o->stream);
		g_free(o->stream_note);
	}
	for (size_t i = 0; i < st->nfailures; i++) {
		struct db_status_failure *f = &st->failures[i];
		g_free(f->table);
		g_free(f->file);
		g_free(f->sfid);
		g_free(f->op);
		g_free(f->message);
	}
	g_free(st->objects);
	g_free(st->failures);
	g_free(st->schema);
	g_free(st->leader_since);
	g_free(st->leader_client);
	g_free(st);
}
