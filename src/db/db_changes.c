#include "db_changes.h"

#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "db_conn.h"
#include "log.h"

struct db_changes {
	char *url;
	char *schema;
	PGconn *conn;
	bool has_log;	     /* the schema has a _trigger_log */
	int64_t last_log_id; /* newest log row seen */
	char last_log_update[48];
	char *log_query;     /* new rows, and rows updated since (a scan of the log) */
	char *new_log_query; /* new rows only (the primary key) */
	char *last_snapshot; /* pg_current_snapshot() at the last db_changes_quiet(), or NULL */
};

static int connect_and_listen(struct db_changes *c, struct error *err)
{
	g_free(c->last_snapshot);
	c->last_snapshot = NULL; /* what happened while away is unknown */
	c->conn = db_connect(c->url, "forcefs watcher", err);
	if (!c->conn)
		return -err->code;
	char *channel = g_strdup_printf("%s.hc_trigger_log", c->schema);
	char *quoted = db_quote_ident(c->conn, channel);
	char *listen = g_strdup_printf("LISTEN %s", quoted);
	PGresult *res = db_query(c->conn, "listening for changes", listen, 0, NULL, err);
	g_free(channel);
	g_free(quoted);
	g_free(listen);
	if (!res)
		return -err->code;
	PQclear(res);

	const char *params[] = {c->schema};
	res = db_query(c->conn, "looking for the trigger log",
		       "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		       "WHERE n.nspname = $1 AND c.relname = '_trigger_log'",
		       1, params, err);
	if (!res)
		return -err->code;
	c->has_log = PQntuples(res) > 0;
	PQclear(res);
	if (!c->has_log)
		return 0;
	g_free(c->log_query);
	g_free(c->new_log_query);
	char *log = db_qualified_name(c->conn, c->schema, "_trigger_log");
	c->new_log_query =
	    g_strdup_printf("SELECT id, table_name, record_id, updated_at FROM %s "
			    "WHERE id > $1 AND $2::text IS NOT NULL AND record_id IS NOT NULL "
			    "ORDER BY id LIMIT 10000",
			    log);
	c->log_query = g_strdup_printf(
	    "SELECT id, table_name, record_id, updated_at FROM %s "
	    "WHERE (id > $1 OR updated_at > $2::timestamptz) AND record_id IS NOT NULL "
	    "ORDER BY id LIMIT 10000",
	    log);
	char *start = g_strdup_printf("SELECT coalesce(max(id), 0), now() FROM %s", log);
	g_free(log);
	res = db_query(c->conn, "reading the trigger log", start, 0, NULL, err);
	g_free(start);
	if (!res)
		return -err->code;
	c->last_log_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	g_strlcpy(c->last_log_update, PQgetvalue(res, 0, 1), sizeof(c->last_log_update));
	PQclear(res);
	return 0;
}

struct db_changes *db_changes_open(const char *url, const char *schema, struct error *err)
{
	struct db_changes *c = g_new0(struct db_changes, 1);
	c->url = g_strdup(url);
	c->schema = g_strdup(schema);
	if (connect_and_listen(c, err) < 0) {
		db_changes_close(c);
		return NULL;
	}
	return c;
}

void db_changes_close(struct db_changes *c)
{
	if (!c)
		return;
	PQfinish(c->conn);
	g_free(c->log_query);
	g_free(c->new_log_query);
	g_free(c->last_snapshot);
	g_free(c->url);
	g_free(c->schema);
	g_free(c);
}

int db_changes_wait(struct db_changes *c, int timeout_ms, int wake_fd, bool *reconnected)
{
	*reconnected = false;
	if (!c->conn || PQstatus(c->conn) != CONNECTION_OK) {
		PQfinish(c->conn);
		c->conn = NULL;
		struct error err = {0};
		if (connect_and_listen(c, &err) < 0) {
			PQfinish(c->conn);
			c->conn = NULL;
			struct pollfd wake = {.fd = wake_fd, .events = POLLIN};
			poll(&wake, wake_fd >= 0 ? 1 : 0, timeout_ms);
			return -EIO;
		}
		log_info("watcher: reconnected to the database");
		*reconnected = true;
		return 1;
	}
	struct pollfd pfd[2] = {{.fd = PQsocket(c->conn), .events = POLLIN},
				{.fd = wake_fd, .events = POLLIN}};
	int n = poll(pfd, wake_fd >= 0 ? 2 : 1, timeout_ms);
	if (n <= 0 || !(pfd[0].revents & (POLLIN | POLLERR | POLLHUP)))
		return 0;
	if (!PQconsumeInput(c->conn)) {
		log_warn("watcher: lost the database connection: %s", PQerrorMessage(c->conn));
		return -EIO;
	}
	int got = 0;
	PGnotify *note;
	while ((note = PQnotifies(c->conn)) != NULL) {
		got = 1;
		PQfreemem(note);
	}
	return got;
}

int db_changes_quiet(struct db_changes *c, bool *quiet, struct error *err)
{
	*quiet = false;
	if (!c->conn)
		return 0;
	/* pg_current_snapshot() is PostgreSQL 13's name for txid_current_snapshot(). */
	const char *sql = PQserverVersion(c->conn) >= 130000
			      ? "SELECT pg_current_snapshot()::text"
			      : "SELECT txid_current_snapshot()::text";
	PGresult *res = db_query(c->conn, "watching for changes", sql, 0, NULL, err);
	if (!res)
		return -err->code;
	const char *now = PQgetvalue(res, 0, 0);
	*quiet = c->last_snapshot && strcmp(c->last_snapshot, now) == 0;
	if (!*quiet) {
		g_free(c->last_snapshot);
		c->last_snapshot = g_strdup(now);
	}
	PQclear(res);
	return 0;
}

int db_changes_poll_log(struct db_changes *c, bool updated_too, db_change_fn fn, void *ctx,
			struct error *err)
{
	if (!c->conn || !c->has_log)
		return 0;
	char last_id[32];
	snprintf(last_id, sizeof(last_id), "%" G_GINT64_FORMAT, c->last_log_id);
	const char *params[] = {last_id, c->last_log_update};
	PGresult *res = db_query(c->conn, "reading the trigger log",
				 updated_too ? c->log_query : c->new_log_query, 2, params, err);
	if (!res)
		return -err->code;
	for (int r = 0; r < PQntuples(res); r++) {
		int64_t id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
		if (id > c->last_log_id)
			c->last_log_id = id;
		const char *updated = PQgetvalue(res, r, 3);
		/* ISO timestamps in one time zone compare as text. */
		if (strcmp(updated, c->last_log_update) > 0)
			g_strlcpy(c->last_log_update, updated, sizeof(c->last_log_update));
		fn(PQgetvalue(res, r, 1), strtoll(PQgetvalue(res, r, 2), NULL, 10), ctx);
	}
	PQclear(res);
	return 0;
}

static bool has_column(const struct db_object *obj, const char *name)
{
	for (size_t i = 0; i < obj->ncolumns; i++)
		if (strcmp(obj->columns[i].name, name) == 0)
			return true;
	return false;
}

int db_changes_poll_object(struct db_changes *c, const struct db_object *obj,
			   struct db_object_mark *mark, bool *count_changed, db_change_fn fn,
			   void *ctx, struct error *err)
{
	*count_changed = false;
	if (!c->conn)
		return error_set(err, EIO, "watcher: not connected");
	bool stamped = has_column(obj, "systemmodstamp");
	if (mark->valid && stamped && mark->max_stamp[0]) {
		const char *params[] = {mark->max_stamp};
		char *sql = g_strdup_printf("SELECT id %s AND systemmodstamp >= $1::timestamp",
					    obj->from_where);
		PGresult *res = db_query(c->conn, "watching for changes", sql, 1, params, err);
		g_free(sql);
		if (!res)
			return -err->code;
		for (int r = 0; r < PQntuples(res); r++)
			fn(obj->table, strtoll(PQgetvalue(res, r, 0), NULL, 10), ctx);
		PQclear(res);
	}
	char *sql = g_strdup_printf("SELECT count(*), %s %s",
				    stamped ? "coalesce(max(systemmodstamp)::text, '')" : "''",
				    obj->from_where);
	PGresult *res = db_query(c->conn, "watching for changes", sql, 0, NULL, err);
	g_free(sql);
	if (!res)
		return -err->code;
	int64_t count = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	if (mark->valid && count != mark->count)
		*count_changed = true;
	mark->count = count;
	g_strlcpy(mark->max_stamp, PQgetvalue(res, 0, 1), sizeof(mark->max_stamp));
	mark->valid = true;
	PQclear(res);
	return 0;
}
