#include "db_sync.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "db_conn.h"
#include "db_sql.h"
#include "db_write.h"
#include "log.h"

/* --- session and leadership ------------------------------------------------------ */

/* libpq's notices ("already exists, skipping") are for the debug log only. */
static void notice_to_log(void *arg, const char *message)
{
	(void)arg;
	char *line = g_strdup(message);
	g_strchomp(line);
	log_debug("postgres: %s", line);
	g_free(line);
}

PGconn *db_sync_connect(const char *url, const char *schema, struct error *err)
{
	PGconn *conn = db_connect(url, "forcefs sync", err);
	if (!conn)
		return NULL;
	PQsetNoticeProcessor(conn, notice_to_log, NULL);
	char *channel = g_strdup_printf("%s.hc_trigger_log", schema);
	char *quoted = db_quote_ident(conn, channel);
	char *sql =
	    g_strdup_printf("SET xmlbinary = 'hex'; SET lock_timeout = '10s'; SET jit = off; "
			    "SET application_name = 'forcefs sync'; LISTEN %s",
			    quoted);
	PGresult *res = PQexec(conn, sql);
	g_free(channel);
	g_free(quoted);
	g_free(sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_error(conn, res, "setting up the sync session", err);
		PQclear(res);
		PQfinish(conn);
		return NULL;
	}
	PQclear(res);
	/* When this process dies in the middle of a long statement, the server notices within
	 * a second (PostgreSQL 14 and later) and drops the leader lock with the session, so a
	 * standby does not wait for the statement to end. Older servers: not needed to run. */
	PQclear(PQexec(conn, "SET client_connection_check_interval = 1000"));
	return conn;
}

void db_sync_disconnect(PGconn *conn)
{
	if (conn)
		PQfinish(conn);
}

int db_sync_try_lead(PGconn *conn, const char *schema, bool *leader, struct error *err)
{
	const char *params[] = {schema};
	PGresult *res = db_query(
	    conn, "taking the leader lock",
	    "SELECT pg_try_advisory_lock(hashtext('forcefs sync'), hashtext($1))", 1, params, err);
	if (!res)
		return -err->code;
	*leader = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return 0;
}

bool db_sync_drain_notifications(PGconn *conn)
{
	bool got = false;
	PGnotify *note;
	while ((note = PQnotifies(conn)) != NULL) {
		got = true;
		PQfreemem(note);
	}
	return got;
}

int db_sync_wait(PGconn *conn, int timeout_ms, int wake_fd, int event_fd)
{
	if (PQstatus(conn) != CONNECTION_OK)
		return -EIO;
	if (db_sync_drain_notifications(conn))
		return 1;
	struct pollfd pfd[3] = {{.fd = PQsocket(conn), .events = POLLIN},
				{.fd = wake_fd, .events = POLLIN},
				{.fd = event_fd, .events = POLLIN}};
	int n = poll(pfd, 3, timeout_ms < 0 ? 0 : timeout_ms);
	if (n <= 0 || !(pfd[0].revents & (POLLIN | POLLERR | POLLHUP)))
		return 0;
	if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)
		return -EIO;
	return db_sync_drain_notifications(conn) ? 1 : 0;
}

int db_sync_prepare(PGconn *conn, const char *schema, struct error *err)
{
	char *t = db_qualified_name(conn, schema, "_forcefs_sync");
	char *sql = g_strdup_printf("CREATE TABLE IF NOT EXISTS %s ("
				    " object varchar(128) PRIMARY KEY,"
				    " table_name varchar(128) NOT NULL,"
				    " cursor_stamp timestamp,"
				    " cursor_id varchar(18),"
				    " loaded_at timestamptz,"
				    " last_pull_at timestamptz,"
				    " last_push_at timestamptz,"
				    " deleted_checked_at timestamptz,"
				    " api_day date,"
				    " api_calls integer NOT NULL DEFAULT 0,"
				    " org_api_used bigint,"
				    " org_api_max bigint,"
				    " last_error text)",
				    t);
	int rc = db_exec(conn, "creating _forcefs_sync", sql, 0, NULL, err);
	g_free(sql);
	/* Streaming state (docs/sync.md "Streaming"), added to tables made before it. */
	sql = g_strdup_printf("ALTER TABLE %s"
			      " ADD COLUMN IF NOT EXISTS replay_id bigint,"
			      " ADD COLUMN IF NOT EXISTS replay_event_at timestamptz,"
			      " ADD COLUMN IF NOT EXISTS stream_state varchar(16),"
			      " ADD COLUMN IF NOT EXISTS stream_note text,"
			      " ADD COLUMN IF NOT EXISTS events_day date,"
			      " ADD COLUMN IF NOT EXISTS events_today integer NOT NULL DEFAULT 0",
			      t);
	g_free(t);
	if (rc == 0)
		rc = db_exec(conn, "adding the streaming columns to _forcefs_sync", sql, 0,
				  NULL, err);
	g_free(sql);
	return rc;
}

/* --- engine state ---------------------------------------------------------------- */

int db_sync_state_load(PGconn *conn, const char *schema, const char *object, const char *table,
		       struct db_sync_state *state, struct error *err)
{
	*state = (struct db_sync_state){.replay_id = -1};
	char *t = db_qualified_name(conn, schema, "_forcefs_sync");
	char *ins = g_strdup_printf("INSERT INTO %s (object, table_name) VALUES ($1, $2) "
				    "ON CONFLICT (object) DO NOTHING",
				    t);
	const char *params[] = {object, table};
	int rc = db_exec(conn, "reading the sync state", ins, 2, params, err);
	g_free(ins);
	if (rc) {
		g_free(t);
		return rc;
	}
	char *sql = g_strdup_printf(
	    "SELECT (extract(epoch FROM cursor_stamp) * 1000)::int8, coalesce(cursor_id, ''), "
	    "loaded_at IS NOT NULL, "
	    "coalesce((extract(epoch FROM deleted_checked_at) * 1000)::int8, 0), "
	    "coalesce(replay_id, -1) "
	    "FROM %s WHERE object = $1",
	    t);
	g_free(t);
	PGresult *res = db_query(conn, "reading the sync state", sql, 1, params, err);
	g_free(sql);
	if (!res)
		return -err->code;
	if (PQntuples(res) == 1) {
		state->cursor_stamp_ms = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		g_strlcpy(state->cursor_id, PQgetvalue(res, 0, 1), sizeof(state->cursor_id));
		state->loaded = PQgetvalue(res, 0, 2)[0] == 't';
		state->deleted_checked_ms = g_ascii_strtoll(PQgetvalue(res, 0, 3), NULL, 10);
		state->replay_id = g_ascii_strtoll(PQgetvalue(res, 0, 4), NULL, 10);
	}
	PQclear(res);
	return 0;
}

static int state_update(PGconn *conn, const char *schema, const char *set, const char *what,
			int nparams, const char *const *params, struct error *err)
{
	char *t = db_qualified_name(conn, schema, "_forcefs_sync");
	char *sql = g_strdup_printf("UPDATE %s SET %s WHERE object = $1", t, set);
	g_free(t);
	int rc = db_exec(conn, what, sql, nparams, params, err);
	g_free(sql);
	return rc;
}

int db_sync_state_save_cursor(PGconn *conn, const char *schema, const char *object,
			      int64_t stamp_ms, const char *id, bool loaded, bool finished,
			      struct error *err)
{
	char stamp[32];
	snprintf(stamp, sizeof(stamp), "%" G_GINT64_FORMAT, stamp_ms);
	const char *params[] = {object, stamp_ms > 0 ? stamp : NULL,
				id[0] ? id : NULL, loaded ? "t" : "f",
				finished ? "t" : "f"};
	return state_update(
	    conn, schema,
	    "cursor_stamp = to_timestamp($2::int8 / 1000.0) AT TIME ZONE 'UTC', cursor_id = $3, "
	    "loaded_at = CASE WHEN $4::boolean THEN coalesce(loaded_at, now()) END, "
	    "last_pull_at = CASE WHEN $5::boolean THEN now() ELSE last_pull_at END, "
	    "last_error = CASE WHEN $5::boolean THEN NULL ELSE last_error END",
	    "saving the pull cursor", 5, params, err);
}

int db_sync_state_stream(PGconn *conn, const char *schema, const char *object, const char *state,
			 const char *note, struct error *err)
{
	const char *params[] = {object, state, note};
	return state_update(conn, schema, "stream_state = $2, stream_note = $3",
			    "saving the streaming state", 3, params, err);
}

int db_sync_state_save_deleted_check(PGconn *conn, const char *schema, const char *object,
				     int64_t checked_ms, struct error *err)
{
	char stamp[32];
	snprintf(stamp, sizeof(stamp), "%" G_GINT64_FORMAT, checked_ms);
	const char *params[] = {object, stamp};
	return state_update(conn, schema, "deleted_checked_at = to_timestamp($2::int8 / 1000.0)",
			    "saving the delete check", 2, params, err);
}

int db_sync_state_pushed(PGconn *conn, const char *schema, const char *object, struct error *err)
{
	const char *params[] = {object};
	return state_update(conn, schema, "last_push_at = now()", "saving the push time", 1, params,
			    err);
}

int db_sync_state_error(PGconn *conn, const char *schema, const char *object, const char *message,
			struct error *err)
{
	const char *params[] = {object, message};
	return state_update(conn, schema, "last_error = $2", "saving the last error", 2, params,
			    err);
}

int db_sync_count_calls(PGconn *conn, const char *schema, const char *object, long calls,
			struct error *err)
{
	if (calls <= 0)
		return 0;
	char n[32];
	snprintf(n, sizeof(n), "%ld", calls);
	char *t = db_qualified_name(conn, schema, "_forcefs_sync");
	char *sql = g_strdup_printf(
	    "INSERT INTO %s AS s (object, table_name, api_day, api_calls) "
	    "VALUES ($1::text, lower($1::text), current_date, $2::int) ON CONFLICT (object) DO "
	    "UPDATE SET "
	    "api_calls = CASE WHEN s.api_day = current_date THEN s.api_calls ELSE 0 END "
	    "+ $2::int, api_day = current_date",
	    t);
	g_free(t);
	const char *params[] = {object, n};
	int rc = db_exec(conn, "counting API calls", sql, 2, params, err);
	g_free(sql);
	return rc;
}

int db_sync_save_org_usage(PGconn *conn, const char *schema, long long used, long long max,
			   struct error *err)
{
	char u[32], m[32];
	snprintf(u, sizeof(u), "%lld", used);
	snprintf(m, sizeof(m), "%lld", max);
	char *t = db_qualified_name(conn, schema, "_forcefs_sync");
	char *sql = g_strdup_printf(
	    "INSERT INTO %s AS s (object, table_name, org_api_used, org_api_max) "
	    "VALUES ('', '', $1::int8, $2::int8) ON CONFLICT (object) DO UPDATE SET "
	    "org_api_used = $1::int8, org_api_max = $2::int8",
	    t);
	g_free(t);
	const char *params[] = {u, m};
	int rc = db_exec(conn, "saving the org's API usage", sql, 2, params, err);
	g_free(sql);
	return rc;
}

int db_sync_calls_today(PGconn *conn, const char *schema, long *calls, struct error *err)
{
	char *t = db_qualified_name(conn, schema, "_forcefs_sync");
	char *sql = g_strdup_printf(
	    "SELECT coalesce(sum(api_calls), 0) FROM %s WHERE api_day = current_date", t);
	g_free(t);
	PGresult *res = db_query(conn, "reading today's API calls", sql, 0, NULL, err);
	g_free(sql);
	if (!res)
		return -err->code;
	*calls = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

/* --- archive --------------------------------------------------------------------- */

#define LOG_COLUMNS                                                                                \
	"id, txid, created_at, updated_at, processed_at, processed_tx, state, action, "            \
	"table_name, record_id, sfid, old, \"values\", sf_result, sf_message"

int db_sync_archive(PGconn *conn, const char *schema, const char *const *tables, size_t ntables,
		    long *moved, struct error *err)
{
	*moved = 0;
	char *log = db_qualified_name(conn, schema, "_trigger_log");
	char *archive = db_qualified_name(conn, schema, "_trigger_log_archive");
	GString *sql = g_string_new(NULL);
	g_string_printf(sql,
			"WITH moved AS (DELETE FROM %s l WHERE "
			"coalesce(l.processed_at, l.created_at) < now() - interval '1 day' AND "
			"(l.state NOT IN ('NEW', 'PENDING', 'FAILED')",
			log);
	for (size_t i = 0; i < ntables; i++) {
		char *t = db_qualified_name(conn, schema, tables[i]);
		char param[24];
		snprintf(param, sizeof(param), "$%u", (unsigned)(i + 1));
		g_string_append_printf(sql,
				       " OR (l.state = 'FAILED' AND l.table_name = %s AND NOT "
				       "EXISTS (SELECT 1 FROM %s r WHERE r.id = l.record_id))",
				       param, t);
		g_free(t);
	}
	g_string_append_printf(sql,
			       ") RETURNING " LOG_COLUMNS ") INSERT INTO %s (" LOG_COLUMNS
			       ") SELECT " LOG_COLUMNS " FROM moved ON CONFLICT DO NOTHING",
			       archive);
	PGresult *res =
	    db_query(conn, "archiving the trigger log", sql->str, (int)ntables, tables, err);
	int rc = 0;
	if (res) {
		*moved = strtol(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		char *purge = g_strdup_printf("DELETE FROM %s WHERE coalesce(processed_at, "
					      "created_at) < now() - interval '31 days'",
					      archive);
		rc = db_exec(conn, "purging the trigger log archive", purge, 0, NULL, err);
		g_free(purge);
	} else {
		rc = -err->code;
	}
	g_string_free(sql, TRUE);
	g_free(log);
	g_free(archive);
	return rc;
}
