#include "sync_pull.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db_history.h"
#include "db_sync.h"
#include "db_sync_pull.h"
#include "log.h"
#include "sf_bulk.h"
#include "sf_changes.h"
#include "sf_id.h"
#include "sf_query.h"
#include "sf_soql.h"
#include "sf_time.h"
#include "sync_values.h"
#include "sync_window.h"

/* Salesforce needs getDeleted windows of a minute at least, and 15 days at most back. */
#define DELETED_MIN_WINDOW_MS (61 * 1000LL)
#define DELETED_MAX_AGE_MS    (14LL * 24 * 3600 * 1000)

static int budget_spent(const struct sync_object *o, struct error *err)
{
	return error_set(err, EAGAIN, "pulling %s: the daily API budget is spent", o->name);
}

/* What one pull of one object is doing. */
struct pull {
	struct sync_env *env;
	const struct sync_object *o;
	struct sync_pull_stats *stats;
	struct db_sync_batch *batch;
	struct sync_cursor cursor; /* the last record added to the batch */
	struct sync_cursor saved;  /* the last record committed */
	bool loaded;		   /* the initial load is done */
	const char **values;	   /* one row being converted, o->nfields */
	long total;		   /* records expected (progress), 0 unknown */
	int64_t progress_at;	   /* when the progress line was last drawn */
	bool warned_value;
};

static const char *upsert_column(const struct sync_object *o)
{
	return o->upsert ? o->upsert->column : NULL;
}

static void progress(struct pull *p, bool done)
{
	if (!p->env->progress || p->total <= 0)
		return;
	int64_t now = sync_env_now_ms();
	if (!done && now - p->progress_at < 200)
		return;
	p->progress_at = now;
	long n = p->stats->records;
	int pct = (int)(n >= p->total ? 100 : n * 100 / p->total);
	int bar = pct * 30 / 100;
	fprintf(stderr, "\r%-20.20s [%.*s%*s] %3d%% %ld/%ld records", p->o->name, bar,
		"##############################", 30 - bar, "", pct, n, p->total);
	if (done)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Writes the batch and moves the saved cursor to the last record in it. */
static int flush(struct pull *p, bool finished, struct error *err)
{
	struct db_sync_applied applied = {0};
	int rc = db_sync_batch_apply(p->env->conn, p->env->schema, p->o->table, upsert_column(p->o),
				     p->batch, &applied, err);
	if (rc)
		return rc;
	p->stats->inserted += applied.inserted;
	p->stats->updated += applied.updated;
	p->stats->deleted += applied.deleted;
	p->stats->kept += applied.kept_fields;
	p->saved = p->cursor;
	rc = db_sync_state_save_cursor(p->env->conn, p->env->schema, p->o->name, p->saved.stamp_ms,
				       p->saved.id, p->loaded, finished, err);
	if (rc == 0)
		rc = sync_env_account(p->env, err);
	progress(p, false);
	/* Stopping: what is committed stays, the cursor says where to go on. */
	if (rc == 0 && sync_env_stopping(p->env))
		rc = error_set(err, ECANCELED, "%s: stopped", p->o->name);
	return rc;
}

static void value_warning(struct pull *p, const struct sync_field *f, const char *id)
{
	if (p->warned_value)
		return;
	p->warned_value = true;
	log_warn("%s %s: the value of %s does not fit its %s column; stored as NULL", p->o->name,
		 id, f->api, f->type);
}

/* Adds one record (REST JSON) to the batch. */
static int add_json(struct pull *p, const cJSON *rec, struct error *err)
{
	const struct sync_object *o = p->o;
	const cJSON *id = cJSON_GetObjectItem(rec, "Id");
	const cJSON *stamp = cJSON_GetObjectItem(rec, "SystemModstamp");
	int64_t ms;
	if (!cJSON_IsString(id) || !cJSON_IsString(stamp) ||
	    !sf_time_parse(stamp->valuestring, &ms))
		return error_set(err, EAGAIN, "%s: a record without Id or SystemModstamp", o->name);
	p->stats->records++;
	if (cJSON_IsTrue(cJSON_GetObjectItem(rec, "IsDeleted"))) {
		db_sync_batch_add_deleted(p->batch, id->valuestring);
	} else {
		GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
		for (size_t f = 0; f < o->nfields; f++) {
			bool ok;
			char *v = sync_value_from_json(
			    o->fields[f].type, cJSON_GetObjectItem(rec, o->fields[f].api), &ok);
			if (!ok)
				value_warning(p, &o->fields[f], id->valuestring);
			g_ptr_array_add(owned, v);
			p->values[f] = v;
		}
		db_sync_batch_add(p->batch, p->values);
		g_ptr_array_free(owned, TRUE);
	}
	sync_cursor_advance(&p->cursor, ms, id->valuestring);
	if ((long)db_sync_batch_size(p->batch) >= p->env->apply_batch)
		return flush(p, false, err);
	return 0;
}

/* The API names to select, in field order. */
static const char **field_names(const struct sync_object *o)
{
	const char **names = g_new(const char *, o->nfields);
	for (size_t f = 0; f < o->nfields; f++)
		names[f] = o->fields[f].api;
	return names;
}

/*
 * Runs `soql` (queryAll) and adds every record it returns to the batch, their ids to
 * `seen` when not NULL; *n counts them. Returns 0 or the error of adding one (or of the
 * day's API budget); Salesforce's error, which ends the records early, goes to *e.
 */
static int read_records(struct pull *p, const char *soql, GHashTable *seen, long *n,
			struct sf_error **e, struct error *err)
{
	*n = 0;
	*e = NULL;
	if (!sync_env_budget(p->env))
		return budget_spent(p->o, err);
	struct sf_query *q = NULL;
	*e = sf_query_open(p->env->client, soql, true, 2000, &q);
	cJSON *rec = NULL;
	int rc = 0;
	while (!*e && !(*e = sf_query_next(q, &rec)) && rec) {
		const cJSON *id = seen ? cJSON_GetObjectItem(rec, "Id") : NULL;
		if (cJSON_IsString(id))
			g_hash_table_add(seen, g_strdup(id->valuestring));
		rc = add_json(p, rec, err);
		cJSON_Delete(rec);
		(*n)++;
		if (rc)
			break;
	}
	sf_query_close(q);
	if (rc) {
		sf_error_free(*e);
		*e = NULL;
	}
	return rc;
}

/* After Salesforce's error `e` (freed here): 0 when the backoff says try again, else the
 * error that ends `what`. */
static int retry_or_fail(struct pull *p, const char *what, struct sf_error *e, unsigned *attempt,
			 struct error *err)
{
	int rc = 0;
	if (!sync_env_backoff(p->env, what, e, attempt))
		rc = error_set(err, EAGAIN, "%s: %s", what, e->message);
	sf_error_free(e);
	return rc;
}

/* Reads records after `from` with queryAll, chunk by chunk, until none are left. */
static int query_loop(struct pull *p, struct sync_cursor from, struct error *err)
{
	const char **names = field_names(p->o);
	unsigned attempt = 0;
	int rc = 0;
	char *what = g_strdup_printf("pulling %s", p->o->name);
	for (;;) {
		char *soql =
		    sync_window_soql(p->o->name, names, p->o->nfields, &from, p->env->pull_chunk);
		if (!soql) {
			rc = error_set(err, EINVAL, "%s: a field name cannot go into SOQL", what);
			break;
		}
		long n;
		struct sf_error *e;
		rc = read_records(p, soql, NULL, &n, &e, err);
		g_free(soql);
		if (rc == 0)
			rc = flush(p, false, err);
		if (rc) {
			sf_error_free(e);
			break;
		}
		if (e) {
			from = p->saved; /* go on after the last record committed */
			if ((rc = retry_or_fail(p, what, e, &attempt, err)) != 0)
				break;
			continue;
		}
		if (p->env->pull_chunk <= 0 || n < p->env->pull_chunk)
			break;
		from = p->cursor; /* a full chunk: the next one starts after its last record */
	}
	g_free(what);
	g_free(names);
	return rc;
}

/* Adds one Bulk API CSV row; `map[i]` is the field of CSV column i, or -1. */
static int add_csv(struct pull *p, const struct sf_csv_row *row, const long *map, long id_col,
		   long stamp_col, long deleted_col, struct error *err)
{
	const struct sync_object *o = p->o;
	int64_t ms;
	if (id_col < 0 || stamp_col < 0 || !sf_time_parse(row->fields[stamp_col], &ms))
		return error_set(err, EAGAIN, "%s: a Bulk API row without Id or SystemModstamp",
				 o->name);
	const char *id = row->fields[id_col];
	p->stats->records++;
	if (deleted_col >= 0 && g_ascii_strcasecmp(row->fields[deleted_col], "true") == 0) {
		db_sync_batch_add_deleted(p->batch, id);
	} else {
		GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
		for (size_t f = 0; f < o->nfields; f++)
			p->values[f] = NULL;
		for (size_t c = 0; c < row->n_fields; c++) {
			if (map[c] < 0)
				continue;
			const struct sync_field *fd = &o->fields[map[c]];
			bool ok;
			char *v = sync_value_from_csv(fd->type, row->fields[c], &ok);
			if (!ok)
				value_warning(p, fd, id);
			g_ptr_array_add(owned, v);
			p->values[map[c]] = v;
		}
		db_sync_batch_add(p->batch, p->values);
		g_ptr_array_free(owned, TRUE);
	}
	/* Bulk rows come in no particular order: the cursor is the newest stamp. */
	if (ms > p->cursor.stamp_ms) {
		p->cursor.stamp_ms = ms;
		p->cursor.id[0] = '\0';
	}
	if ((long)db_sync_batch_size(p->batch) >= p->env->apply_batch)
		return flush(p, false, err);
	return 0;
}

static int bulk_rows(struct pull *p, struct sf_bulk_query *q, struct error *err,
		     struct sf_error **e)
{
	const struct sf_csv_row *row;
	long *map = NULL, id_col = -1, stamp_col = -1, deleted_col = -1;
	int rc = 0;
	while (!(*e = sf_bulk_query_next(q, &row)) && row) {
		if (!map) {
			const struct sf_csv_row *cols = sf_bulk_query_columns(q);
			map = g_new(long, cols->n_fields);
			for (size_t c = 0; c < cols->n_fields; c++) {
				map[c] = -1;
				for (size_t f = 0; f < p->o->nfields; f++)
					if (g_ascii_strcasecmp(cols->fields[c],
							       p->o->fields[f].api) == 0)
						map[c] = (long)f;
				if (g_ascii_strcasecmp(cols->fields[c], "Id") == 0)
					id_col = (long)c;
				else if (g_ascii_strcasecmp(cols->fields[c], "SystemModstamp") == 0)
					stamp_col = (long)c;
				else if (g_ascii_strcasecmp(cols->fields[c], "IsDeleted") == 0)
					deleted_col = (long)c;
			}
		}
		rc = add_csv(p, row, map, id_col, stamp_col, deleted_col, err);
		if (rc)
			break;
	}
	g_free(map);
	return rc;
}

/* The initial load of a large object through a Bulk API 2.0 queryAll job. */
static int bulk_load(struct pull *p, struct error *err)
{
	const char **names = field_names(p->o);
	struct sync_cursor all = {0};
	char *soql = sync_window_soql(p->o->name, names, p->o->nfields, &all, 0);
	g_free(names);
	/* No ORDER BY in a Bulk query. */
	char *order = soql ? strstr(soql, " ORDER BY") : NULL;
	if (order)
		*order = '\0';
	char *what = g_strdup_printf("loading %s (Bulk API)", p->o->name);
	struct sf_bulk_options opts = {.poll_initial_ms = 200, .poll_max_ms = 2000};
	unsigned attempt = 0;
	int rc = 0;
	for (;;) {
		if (!sync_env_budget(p->env)) {
			rc = budget_spent(p->o, err);
			break;
		}
		struct sf_bulk_query *q = NULL;
		struct sf_error *e = sf_bulk_query_open(p->env->client, soql, true, &opts, &q);
		if (!e)
			rc = bulk_rows(p, q, err, &e);
		sf_bulk_query_close(q);
		if (rc == 0)
			rc = flush(p, false, err);
		if (rc || !e) {
			sf_error_free(e);
			break;
		}
		if ((rc = retry_or_fail(p, what, e, &attempt, err)) != 0)
			break;
		p->stats->records = 0; /* start over: rows already written are upserted again */
	}
	g_free(what);
	g_free(soql);
	return rc;
}

/* SELECT COUNT() of the records queryAll will read (deleted ones included). */
static int count_records(struct pull *p, long *count, struct error *err)
{
	char *soql = g_strdup_printf("SELECT COUNT() FROM %s", p->o->name);
	char what[128];
	snprintf(what, sizeof what, "counting %s records", p->o->name);
	unsigned attempt = 0;
	int rc = 0;
	for (;;) {
		if (!sync_env_budget(p->env)) {
			rc = budget_spent(p->o, err);
			break;
		}
		struct sf_query *q = NULL;
		struct sf_error *e = sf_query_open(p->env->client, soql, true, 0, &q);
		if (!e) {
			*count = sf_query_total_size(q);
			sf_query_close(q);
			break;
		}
		if ((rc = retry_or_fail(p, what, e, &attempt, err)) != 0)
			break;
	}
	g_free(soql);
	return rc;
}

static int initial_load(struct pull *p, struct error *err)
{
	long count = 0;
	p->stats->initial = true;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = count_records(p, &count, err);
	if (rc)
		return rc;
	p->total = count;
	bool bulk = count > p->env->bulk_threshold;
	p->cursor = p->saved = (struct sync_cursor){0};
	/* The rows an initial load inserts are a first copy, not changes: the history
	 * (MOUNT/.changes) leaves them out (docs/views.md). */
	rc = db_history_initial_load(p->env->conn, true, err);
	if (rc == 0)
		rc = bulk ? bulk_load(p, err) : query_loop(p, p->cursor, err);
	struct error off_err = {0};
	int off = db_history_initial_load(p->env->conn, false, &off_err);
	if (rc == 0 && off) {
		*err = off_err;
		rc = off;
	}
	if (rc)
		return rc;
	p->loaded = true;
	/* getDeleted starts from the load; queryAll saw the deletes before it. */
	rc = db_sync_state_save_cursor(p->env->conn, p->env->schema, p->o->name, p->saved.stamp_ms,
				       p->saved.id, true, true, err);
	if (rc == 0)
		rc = db_sync_state_save_deleted_check(p->env->conn, p->env->schema, p->o->name,
						      sync_env_now_ms(), err);
	progress(p, true);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	log_info("initial load of %s: %ld records read (%s), %ld rows written, %ld rows of "
		 "deleted records removed, in %.1f s",
		 p->o->name, p->stats->records, bulk ? "Bulk API 2.0" : "queryAll",
		 p->stats->inserted + p->stats->updated, p->stats->deleted, secs);
	return 0;
}

/* getDeleted since the last pass, when one is due. */
static int delete_pass(struct pull *p, int64_t checked_ms, struct error *err)
{
	int64_t now = sync_env_now_ms();
	int64_t every = p->env->delete_pass_ms > 0
			    ? p->env->delete_pass_ms
			    : (int64_t)MAX(SYNC_DELETE_PASS_SECONDS, p->o->poll_seconds) * 1000;
	if (checked_ms > 0 && now - checked_ms < every && !p->env->once)
		return 0;
	int64_t start = checked_ms > 0 ? checked_ms - 60000 : now - DELETED_MAX_AGE_MS;
	if (start < now - DELETED_MAX_AGE_MS)
		start = now - DELETED_MAX_AGE_MS;
	if (now - start < DELETED_MIN_WINDOW_MS)
		start = now - DELETED_MIN_WINDOW_MS;
	struct sf_deleted *d = NULL;
	unsigned attempt = 0;
	struct sf_error *e;
	char what[128];
	snprintf(what, sizeof what, "reading deleted %s records", p->o->name);
	if (!sync_env_budget(p->env))
		return budget_spent(p->o, err);
	while ((e = sf_changes_deleted(p->env->client, p->o->name, start, now, &d)) != NULL) {
		int rc = retry_or_fail(p, what, e, &attempt, err);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < d->n_records; i++)
		db_sync_batch_add_deleted(p->batch, d->records[i].id);
	int64_t covered = d->latest_date_covered;
	sf_deleted_free(d);
	struct db_sync_applied applied = {0};
	int rc = db_sync_batch_apply(p->env->conn, p->env->schema, p->o->table, upsert_column(p->o),
				     p->batch, &applied, err);
	p->stats->deleted += applied.deleted;
	if (rc == 0)
		rc = db_sync_state_save_deleted_check(p->env->conn, p->env->schema, p->o->name,
						      covered > start ? covered : now, err);
	if (rc == 0)
		rc = sync_env_account(p->env, err);
	return rc;
}

int sync_pull_object(struct sync_env *env, const struct sync_object *o,
		     struct sync_pull_stats *stats, struct error *err)
{
	struct db_sync_state state;
	int rc = db_sync_state_load(env->conn, env->schema, o->name, o->table, &state, err);
	if (rc)
		return rc;
	struct sync_cursor saved = {.stamp_ms = state.cursor_stamp_ms};
	g_strlcpy(saved.id, state.cursor_id, sizeof(saved.id));
	const char **columns = g_new(const char *, o->nfields);
	for (size_t f = 0; f < o->nfields; f++)
		columns[f] = o->fields[f].column;
	struct pull p = {
	    .env = env,
	    .o = o,
	    .stats = stats,
	    .batch = db_sync_batch_new(columns, o->nfields),
	    .cursor = saved,
	    .saved = saved,
	    .loaded = state.loaded,
	    .values = g_new0(const char *, o->nfields),
	};
	g_free(columns);
	if (!state.loaded) {
		rc = initial_load(&p, err);
	} else {
		rc = query_loop(&p, sync_window_poll_start(&saved, env->overlap_ms), err);
		if (rc == 0)
			rc = db_sync_state_save_cursor(env->conn, env->schema, o->name,
						       p.saved.stamp_ms, p.saved.id, true, true,
						       err);
		if (rc == 0)
			rc = delete_pass(&p, state.deleted_checked_ms, err);
	}
	db_sync_batch_free(p.batch);
	g_free(p.values);
	return rc;
}

/* SELECT <fields> FROM <object> WHERE Id IN (<ids>), or NULL when a name cannot go into
 * SOQL. */
static char *by_id_soql(const struct sync_object *o, const char *const *ids, size_t n)
{
	if (!sf_soql_is_api_name(o->name))
		return NULL;
	GString *q = g_string_new("SELECT ");
	for (size_t f = 0; f < o->nfields; f++) {
		if (!sf_soql_is_api_name(o->fields[f].api)) {
			g_string_free(q, TRUE);
			return NULL;
		}
		g_string_append_printf(q, "%s%s", f ? ", " : "", o->fields[f].api);
	}
	g_string_append_printf(q, " FROM %s WHERE Id IN (", o->name);
	for (size_t i = 0; i < n; i++) {
		char *lit = sf_soql_quote(ids[i]);
		g_string_append_printf(q, "%s%s", i ? ", " : "", lit);
		g_free(lit);
	}
	g_string_append(q, ")");
	return g_string_free(q, FALSE);
}

/* Reads the records `ids` (valid 18-character ids) into the batch; the ones queryAll does
 * not return (gone from the recycle bin too) are added as deleted. */
static int fetch_ids(struct pull *p, const char *const *ids, size_t n, struct error *err)
{
	char *soql = by_id_soql(p->o, ids, n);
	if (!soql)
		return error_set(err, EINVAL, "fetching %s records: a name cannot go into SOQL",
				 p->o->name);
	char *what = g_strdup_printf("fetching changed %s records", p->o->name);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	unsigned attempt = 0;
	int rc = 0;
	for (;;) {
		long got;
		struct sf_error *e;
		rc = read_records(p, soql, seen, &got, &e, err);
		if (rc || !e)
			break;
		/* Nothing of this fetch is applied yet: start it again. */
		db_sync_batch_clear(p->batch);
		g_hash_table_remove_all(seen);
		if ((rc = retry_or_fail(p, what, e, &attempt, err)) != 0)
			break;
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!g_hash_table_contains(seen, ids[i]))
			db_sync_batch_add_deleted(p->batch, ids[i]);
	g_hash_table_destroy(seen);
	g_free(what);
	g_free(soql);
	return rc;
}

int sync_pull_records(struct sync_env *env, const struct sync_object *o, const char *const *ids,
		      size_t n, int64_t replay_id, int64_t replay_event_ms, long events,
		      struct sync_pull_stats *stats, struct error *err)
{
	const char **columns = g_new(const char *, o->nfields);
	for (size_t f = 0; f < o->nfields; f++)
		columns[f] = o->fields[f].column;
	struct pull p = {
	    .env = env,
	    .o = o,
	    .stats = stats,
	    .batch = db_sync_batch_new(columns, o->nfields),
	    .values = g_new0(const char *, o->nfields),
	};
	g_free(columns);
	/* Valid, distinct, 18-character ids. */
	GPtrArray *want = g_ptr_array_new_with_free_func(g_free);
	GHashTable *dup = g_hash_table_new(g_str_hash, g_str_equal);
	for (size_t i = 0; i < n; i++) {
		char id[SF_ID_BUF];
		if (!sf_id_to_18(ids[i], id)) {
			log_warn("%s: a change event names \"%s\", which is not a record id; "
				 "ignored",
				 o->name, ids[i]);
			continue;
		}
		if (g_hash_table_contains(dup, id))
			continue;
		char *copy = g_strdup(id);
		g_ptr_array_add(want, copy);
		g_hash_table_add(dup, copy);
	}
	g_hash_table_destroy(dup);
	int rc = 0;
	size_t per_call = SYNC_FETCH_IDS_PER_CALL;
	for (size_t at = 0; rc == 0 && at < want->len; at += per_call) {
		size_t k = MIN(per_call, want->len - at);
		rc = fetch_ids(&p, (const char *const *)want->pdata + at, k, err);
		bool last = at + k >= want->len;
		struct db_sync_applied applied = {0};
		if (rc == 0 && !last)
			rc = db_sync_batch_apply(env->conn, env->schema, o->table, upsert_column(o),
						 p.batch, &applied, err);
		else if (rc == 0)
			rc = db_sync_batch_apply_replay(
			    env->conn, env->schema, o->table, upsert_column(o), p.batch, o->name,
			    replay_id, replay_event_ms, events, &applied, err);
		stats->inserted += applied.inserted;
		stats->updated += applied.updated;
		stats->deleted += applied.deleted;
		stats->kept += applied.kept_fields;
		if (rc == 0)
			rc = sync_env_account(env, err);
	}
	if (rc == 0 && want->len == 0)
		rc = db_sync_batch_apply_replay(env->conn, env->schema, o->table, upsert_column(o),
						p.batch, o->name, replay_id, replay_event_ms,
						events, NULL, err);
	g_ptr_array_free(want, TRUE);
	db_sync_batch_free(p.batch);
	g_free(p.values);
	return rc;
}
