#include "sync_push.h"

#include <errno.h>
#include <string.h>

#include "db_sync.h"
#include "hc_conventions.h"
#include "log.h"
#include "sf_collections.h"
#include "sync_plan.h"
#include "sync_values.h"

/* One record's change on its way to Salesforce, and what came of it. */
struct item {
	struct sync_change *change;
	const struct sync_object *obj;
	enum sync_op op;
	bool upsert;	 /* an insert sent as an upsert on obj->upsert */
	cJSON *record;	 /* the fields to send (insert, update) */
	char *sfid;	 /* the record's id (update, delete) */
	char *ext_value; /* the upsert field's value (insert) */
	bool settled; /* the outcome below is final for this batch */
	enum db_sync_result result;
	const char *lastop;
	char *new_sfid;
	char *message;
	char *hc_err;
};

static void item_clear(struct item *it)
{
	cJSON_Delete(it->record);
	g_free(it->sfid);
	g_free(it->ext_value);
	g_free(it->new_sfid);
	g_free(it->message);
	g_free(it->hc_err);
}

static void settle(struct item *it, enum db_sync_result result, const char *lastop)
{
	it->settled = true;
	it->result = result;
	it->lastop = lastop;
}

static void fail(struct item *it, const char *src, const char *code, const char *msg)
{
	const char *op = sync_op_name(it->op == SYNC_OP_DELETE	 ? SYNC_OP_DELETE
				      : it->op == SYNC_OP_INSERT ? SYNC_OP_INSERT
								 : SYNC_OP_UPDATE);
	g_free(it->message);
	g_free(it->hc_err);
	it->message = code ? g_strdup_printf("%s: %s", code, msg) : g_strdup(msg);
	it->hc_err = hc_err_encode(op, src, msg);
	/* A deleted row has nothing left to mark. */
	settle(it, DB_SYNC_FAILED, it->op == SYNC_OP_DELETE ? NULL : "FAILED");
}

/* --- building what to send --------------------------------------------------------- */

/* The fields of one row to send: an insert's createable values, an update's changed
 * updateable ones. Returns false (and fails the item) when a value cannot be sent. */
static bool build_record(struct item *it, const struct db_sync_rows *rows, size_t row)
{
	const struct sync_object *o = it->obj;
	it->record = cJSON_CreateObject();
	size_t sent = 0;
	for (size_t f = 1; f < o->nfields; f++) { /* fields[0] is Id */
		const struct sync_field *fd = &o->fields[f];
		const char *value = rows->values[row * rows->ncolumns + f];
		if (it->op == SYNC_OP_INSERT) {
			if (!fd->createable || !value)
				continue;
		} else if (!fd->updateable || !sync_change_touches(it->change, fd->column)) {
			continue;
		}
		const char *why;
		cJSON *json = sync_value_to_json(fd->type, value, &why);
		if (!json) {
			char *msg = g_strdup_printf("field %s: %s", fd->api, why);
			fail(it, "FORCEFS", NULL, msg);
			g_free(msg);
			return false;
		}
		cJSON_AddItemToObject(it->record, fd->api, json);
		sent++;
	}
	if (it->op == SYNC_OP_UPDATE) {
		if (sent == 0) {
			/* Only columns Salesforce does not take changed (system fields). */
			settle(it, DB_SYNC_IGNORED, "SYNCED");
			return false;
		}
		cJSON_AddStringToObject(it->record, "Id", it->sfid);
	}
	return true;
}

/* Gives inserts their upsert field value: the row's own when it is unique here, else a
 * generated UUID (stored before anything is sent). */
static int prepare_upserts(struct sync_env *env, const struct sync_object *o, struct item **ins,
			   size_t n, struct error *err)
{
	if (!o->upsert || n == 0)
		return 0;
	int64_t *ids = g_new(int64_t, n);
	const char **values = g_new(const char *, n);
	bool *taken = g_new(bool, n);
	for (size_t i = 0; i < n; i++) {
		ids[i] = ins[i]->change->record_id;
		values[i] = ins[i]->ext_value;
	}
	int rc = db_sync_values_taken(env->conn, env->schema, o->table, o->upsert->column, ids,
				      values, n, taken, err);
	GArray *store_ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	GPtrArray *store_values = g_ptr_array_new();
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct item *it = ins[i];
		if (it->ext_value && !taken[i]) {
			it->upsert = true;
			continue;
		}
		/* The mapping's upsert field is the user's key: a copy that kept it would
		 * overwrite the original in Salesforce. forcefs's own id is simply renewed. */
		if (taken[i] && o->upsert_from_mapping) {
			char *msg =
			    g_strdup_printf("%s \"%s\" is also the %s of another record here "
					    "(a copy?): give this record a value of its own",
					    o->upsert->api, it->ext_value, o->upsert->api);
			fail(it, "FORCEFS", NULL, msg);
			g_free(msg);
			continue;
		}
		if (!o->upsert_generated)
			continue; /* a plain create */
		if (taken[i])
			log_info("%s row %" G_GINT64_FORMAT
				 ": %s \"%s\" is another record's too (a "
				 "copy): a new one is generated",
				 o->name, it->change->record_id, o->upsert->api, it->ext_value);
		g_free(it->ext_value);
		it->ext_value = g_uuid_string_random();
		it->upsert = true;
		g_array_append_val(store_ids, it->change->record_id);
		g_ptr_array_add(store_values, it->ext_value);
	}
	if (rc == 0 && store_ids->len)
		rc = db_sync_store_values(env->conn, env->schema, o->table, o->upsert->column,
					  (const int64_t *)store_ids->data,
					  (const char *const *)store_values->pdata, store_ids->len,
					  err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (ins[i]->upsert) {
			cJSON_DeleteItemFromObjectCaseSensitive(ins[i]->record, o->upsert->api);
			cJSON_AddStringToObject(ins[i]->record, o->upsert->api, ins[i]->ext_value);
		}
	g_array_free(store_ids, TRUE);
	g_ptr_array_free(store_values, TRUE);
	g_free(ids);
	g_free(values);
	g_free(taken);
	return rc;
}

/* Reads the current rows of one table's changes and decides each item's operation. */
static int prepare_table(struct sync_env *env, const struct sync_object *o, struct item **items,
			 size_t n, struct error *err)
{
	const char **columns = g_new(const char *, o->nfields);
	for (size_t f = 0; f < o->nfields; f++)
		columns[f] = o->fields[f].column; /* fields[0] is Id: sfid */
	int64_t *ids = g_new(int64_t, n);
	for (size_t i = 0; i < n; i++)
		ids[i] = items[i]->change->record_id;
	struct db_sync_rows *rows = NULL;
	bool *queued = g_new0(bool, n);
	int rc = db_sync_read_rows(env->conn, env->schema, o->table, columns, o->nfields, ids, n,
				   &rows, err);
	if (rc == 0)
		rc = db_sync_deletes_queued(env->conn, env->schema, o->table, ids, n, queued, err);
	GPtrArray *inserts = g_ptr_array_new();
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct item *it = items[i];
		const char *sfid = rows->found[i] ? rows->values[i * rows->ncolumns] : NULL;
		it->op = sync_plan_decide(it->change, rows->found[i], sfid != NULL, queued[i]);
		switch (it->op) {
		case SYNC_OP_IGNORE:
			settle(it, DB_SYNC_IGNORED, NULL);
			continue;
		case SYNC_OP_LATER:
			settle(it, DB_SYNC_MERGED, NULL);
			continue;
		case SYNC_OP_GONE:
			it->op = SYNC_OP_DELETE; /* nothing left to mark */
			fail(it, "FORCEFS", "ENTITY_IS_DELETED",
			     "the record was deleted in Salesforce before this change was sent");
			continue;
		case SYNC_OP_DELETE:
			it->sfid = g_strdup(it->change->sfid);
			continue;
		case SYNC_OP_UPDATE:
			it->sfid = g_strdup(sfid);
			break;
		case SYNC_OP_INSERT:
			break;
		}
		if (o->upsert && it->op == SYNC_OP_INSERT) {
			size_t uf = (size_t)(o->upsert - o->fields);
			it->ext_value = g_strdup(rows->values[i * rows->ncolumns + uf]);
		}
		if (build_record(it, rows, i) && it->op == SYNC_OP_INSERT)
			g_ptr_array_add(inserts, it);
	}
	if (rc == 0)
		rc = prepare_upserts(env, o, (struct item **)inserts->pdata, inserts->len, err);
	g_ptr_array_free(inserts, TRUE);
	db_sync_rows_free(rows);
	g_free(queued);
	g_free(ids);
	g_free(columns);
	return rc;
}

/* --- sending ------------------------------------------------------------------------ */

static struct sf_error *call(struct sync_env *env, const struct sync_object *o, enum sync_op op,
			     bool upsert, struct item **items, size_t n,
			     struct sf_collection_results **results)
{
	if (op == SYNC_OP_DELETE) {
		const char **ids = g_new(const char *, n);
		for (size_t i = 0; i < n; i++)
			ids[i] = items[i]->sfid;
		struct sf_error *e =
		    sf_collections_delete(env->client, o->name, ids, n, false, results);
		g_free(ids);
		return e;
	}
	cJSON *records = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemReferenceToArray(records, items[i]->record);
	struct sf_error *e;
	if (op == SYNC_OP_UPDATE)
		e = sf_collections_update(env->client, o->name, records, false, results);
	else if (upsert)
		e = sf_collections_upsert(env->client, o->name, o->upsert->api, records, false,
					  results);
	else
		e = sf_collections_create(env->client, o->name, records, false, results);
	cJSON_Delete(records);
	return e;
}

static bool already_deleted(const struct sf_error *e)
{
	return e->kind == SF_ERR_NOT_FOUND ||
	       (e->code && (strcmp(e->code, "ENTITY_IS_DELETED") == 0 ||
			    strcmp(e->code, "INVALID_CROSS_REFERENCE_KEY") == 0));
}

static void record_answer(struct item *it, const struct sf_record_result *r, GPtrArray *retry,
			  struct sync_push_stats *stats)
{
	if (r->success || (it->op == SYNC_OP_DELETE && already_deleted(r->errors[0]))) {
		if (it->op == SYNC_OP_INSERT) {
			it->new_sfid = g_strdup(r->id);
			settle(it, DB_SYNC_SUCCESS, "INSERTED");
			stats->inserted++;
		} else if (it->op == SYNC_OP_UPDATE) {
			settle(it, DB_SYNC_SUCCESS, "UPDATED");
			stats->updated++;
		} else {
			settle(it, DB_SYNC_SUCCESS, NULL);
			stats->deleted++;
		}
		return;
	}
	const struct sf_error *e = r->errors[0];
	if (sync_retry_classify(e) != SYNC_RETRY_NO) {
		g_ptr_array_add(retry, it);
		return;
	}
	fail(it, "SFDC", e->code, e->message);
	stats->failed++;
	log_warn("%s/%s: Salesforce refused the %s: %s", it->obj->table,
		 it->sfid ? it->sfid : "(new)", sync_op_name(it->op), it->message);
}

/* Sends items (one object, one operation, at most a call's worth) until each has an
 * answer, or the engine gives up waiting (the items stay unsettled: deferred). */
static void send(struct sync_env *env, const struct sync_object *o, enum sync_op op, bool upsert,
		 struct item **items, size_t n, struct sync_push_stats *stats)
{
	GPtrArray *pending = g_ptr_array_new();
	for (size_t i = 0; i < n; i++)
		g_ptr_array_add(pending, items[i]);
	unsigned attempt = 0;
	char *what = g_strdup_printf("sending %s %s", o->name,
				     op == SYNC_OP_INSERT   ? (upsert ? "upserts" : "inserts")
				     : op == SYNC_OP_UPDATE ? "updates"
							    : "deletes");
	while (pending->len > 0 && sync_env_budget(env)) {
		struct sf_collection_results *res = NULL;
		struct sf_error *e =
		    call(env, o, op, upsert, (struct item **)pending->pdata, pending->len, &res);
		stats->calls++;
		stats->sent += pending->len;
		if (e) {
			if (sync_retry_classify(e) != SYNC_RETRY_NO) {
				bool again = sync_env_backoff(env, what, e, &attempt);
				sf_error_free(e);
				if (!again)
					break;
				continue;
			}
			if (pending->len > 1) {
				/* Refused as a whole: find the record at fault by halves. */
				size_t half = pending->len / 2;
				sf_error_free(e);
				send(env, o, op, upsert, (struct item **)pending->pdata, half,
				     stats);
				send(env, o, op, upsert, (struct item **)pending->pdata + half,
				     pending->len - half, stats);
				g_ptr_array_set_size(pending, 0);
				break;
			}
			struct item *it = g_ptr_array_index(pending, 0);
			fail(it, "SFDC", e->code, e->message);
			stats->failed++;
			log_warn("%s/%s: Salesforce refused the %s: %s", o->table,
				 it->sfid ? it->sfid : "(new)", sync_op_name(op), it->message);
			sf_error_free(e);
			break;
		}
		GPtrArray *retry = g_ptr_array_new();
		for (size_t i = 0; i < res->n; i++)
			record_answer(g_ptr_array_index(pending, i), &res->results[i], retry,
				      stats);
		struct sf_error *lock = NULL;
		if (retry->len) {
			struct item *first = g_ptr_array_index(retry, 0);
			for (size_t i = 0; i < res->n && !lock; i++)
				if (g_ptr_array_index(pending, i) == first)
					lock = res->results[i].errors[0];
		}
		bool again = !lock || sync_env_backoff(env, what, lock, &attempt);
		sf_collection_results_free(res);
		g_ptr_array_free(pending, TRUE);
		pending = retry;
		if (!again)
			break;
	}
	g_ptr_array_free(pending, TRUE);
	g_free(what);
}

/* Deletes in Salesforce records created for rows deleted here while being created. */
static void undo_creates(struct sync_env *env, const struct sync_object *o, GPtrArray *items)
{
	struct sync_push_stats ignored = {0};
	for (guint i = 0; i < items->len; i++) {
		struct item *it = g_ptr_array_index(items, i);
		log_info("%s row %" G_GINT64_FORMAT
			 " was deleted while Salesforce created it as %s: "
			 "deleting that record too",
			 o->name, it->change->record_id, it->new_sfid);
		g_free(it->sfid);
		it->sfid = g_strdup(it->new_sfid);
		it->op = SYNC_OP_DELETE;
		it->settled = false;
	}
	send(env, o, SYNC_OP_DELETE, false, (struct item **)items->pdata, items->len, &ignored);
}

/* --- one batch ---------------------------------------------------------------------- */

/* The items of one object and operation, in the order of their first change. */
struct group {
	const struct sync_object *obj;
	enum sync_op op;
	bool upsert;
	GPtrArray *items;
};

static void group_free(struct group *g)
{
	g_ptr_array_free(g->items, TRUE);
	g_free(g);
}

static GPtrArray *group_items(struct item *items, size_t n)
{
	GPtrArray *groups = g_ptr_array_new_with_free_func((GDestroyNotify)group_free);
	for (size_t i = 0; i < n; i++) {
		struct item *it = &items[i];
		if (it->settled)
			continue;
		struct group *g = NULL;
		for (guint k = 0; k < groups->len && !g; k++) {
			struct group *c = g_ptr_array_index(groups, k);
			if (c->obj == it->obj && c->op == it->op && c->upsert == it->upsert)
				g = c;
		}
		if (!g) {
			g = g_new0(struct group, 1);
			*g = (struct group){it->obj, it->op, it->upsert, g_ptr_array_new()};
			g_ptr_array_add(groups, g);
		}
		g_ptr_array_add(g->items, it);
	}
	return groups;
}

/* Writes back the outcomes of `items` (unsettled ones go back to NEW), then undoes
 * creates whose row was deleted meanwhile. */
static int write_back(struct sync_env *env, struct item **items, size_t n, struct error *err)
{
	if (n == 0)
		return 0;
	struct db_sync_outcome *out = g_new0(struct db_sync_outcome, n);
	for (size_t i = 0; i < n; i++) {
		struct item *it = items[i];
		out[i] = (struct db_sync_outcome){
		    .table = it->change->table,
		    .record_id = it->change->record_id,
		    .claimed_ids = it->change->claimed_ids,
		    .failed_ids = it->change->failed_ids,
		    .result = it->settled ? it->result : DB_SYNC_DEFERRED,
		    .lastop = it->settled ? it->lastop : NULL,
		    .sfid = it->settled ? it->new_sfid : NULL,
		    .hc_err = it->hc_err,
		    .message = it->message,
		};
	}
	GArray *gone = g_array_new(FALSE, FALSE, sizeof(size_t));
	int rc = db_sync_write_back(env->conn, env->schema, out, n, gone, err);
	GPtrArray *undo = g_ptr_array_new();
	for (guint k = 0; rc == 0 && k < gone->len; k++) {
		struct item *it = items[g_array_index(gone, size_t, k)];
		if (it->op == SYNC_OP_INSERT && it->result == DB_SYNC_SUCCESS && it->new_sfid)
			g_ptr_array_add(undo, it);
	}
	/* Items of one write-back share an object. */
	if (undo->len)
		undo_creates(env, ((struct item *)g_ptr_array_index(undo, 0))->obj, undo);
	g_ptr_array_free(undo, TRUE);
	g_array_free(gone, TRUE);
	g_free(out);
	return rc;
}

static int prepare(struct sync_env *env, struct item *items, size_t n, struct error *err)
{
	GHashTable *done = g_hash_table_new(g_str_hash, g_str_equal);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct sync_object *o = items[i].obj;
		if (g_hash_table_contains(done, o->table))
			continue;
		g_hash_table_add(done, o->table);
		GPtrArray *mine = g_ptr_array_new();
		for (size_t k = i; k < n; k++)
			if (items[k].obj == o)
				g_ptr_array_add(mine, &items[k]);
		rc = prepare_table(env, o, (struct item **)mine->pdata, mine->len, err);
		g_ptr_array_free(mine, TRUE);
	}
	g_hash_table_destroy(done);
	return rc;
}

/* The claimed log rows as the plan reads them, folded into one change per record. */
static GPtrArray *coalesce_claim(const struct db_sync_claim *claim)
{
	static const enum sync_action actions[] = {
	    [DB_SYNC_INSERT] = SYNC_ACTION_INSERT,
	    [DB_SYNC_UPDATE] = SYNC_ACTION_UPDATE,
	    [DB_SYNC_DELETE] = SYNC_ACTION_DELETE,
	};
	struct sync_log_entry *entries = g_new0(struct sync_log_entry, claim->n + 1);
	for (size_t i = 0; i < claim->n; i++) {
		const struct db_sync_log_row *r = &claim->entries[i];
		entries[i] = (struct sync_log_entry){
		    .id = r->id,
		    .record_id = r->record_id,
		    .table = r->table,
		    .action = actions[r->action],
		    .sfid = r->sfid,
		    .columns = r->columns,
		    .failed = r->failed,
		};
	}
	GPtrArray *changes = sync_plan_coalesce(entries, claim->n);
	g_free(entries);
	return changes;
}

static void log_batch(const struct sync_push_stats *before, const struct sync_push_stats *s)
{
	long calls = s->calls - before->calls;
	log_info("pushed %ld change%s: %ld inserted, %ld updated, %ld deleted, %ld failed, in %ld "
		 "call%s",
		 s->changes - before->changes, s->changes - before->changes == 1 ? "" : "s",
		 s->inserted - before->inserted, s->updated - before->updated,
		 s->deleted - before->deleted, s->failed - before->failed, calls,
		 calls == 1 ? "" : "s");
}

int sync_push_batch(struct sync_env *env, struct sync_push_stats *stats, bool *more,
		    struct error *err)
{
	*more = false;
	GPtrArray *tables = g_ptr_array_new();
	for (size_t i = 0; i < env->objects->nobjects; i++)
		if (!env->objects->objects[i].read_only)
			g_ptr_array_add(tables, env->objects->objects[i].table);
	struct db_sync_claim *claim = NULL;
	int rc = tables->len
		     ? db_sync_claim(env->conn, env->schema, (const char *const *)tables->pdata,
				     tables->len, env->claim_limit, &claim, err)
		     : 0;
	g_ptr_array_free(tables, TRUE);
	if (rc || !claim)
		return rc;
	*more = (long)claim->nclaimed >= env->claim_limit;
	struct sync_push_stats before = *stats;

	GPtrArray *changes = coalesce_claim(claim);
	struct item *items = g_new0(struct item, changes->len + 1);
	size_t n = 0;
	for (guint i = 0; i < changes->len; i++) {
		struct sync_change *c = g_ptr_array_index(changes, i);
		if (c->claimed_ids->len == 0)
			continue; /* only FAILED rows: nothing new for this record */
		items[n].change = c;
		items[n].obj = sync_objects_find(env->objects, c->table);
		n++;
	}
	rc = prepare(env, items, n, err);

	/* Outcomes known without asking Salesforce go first. */
	GPtrArray *known = g_ptr_array_new();
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (items[i].settled)
			g_ptr_array_add(known, &items[i]);
	if (rc == 0)
		rc = write_back(env, (struct item **)known->pdata, known->len, err);
	g_ptr_array_free(known, TRUE);

	GPtrArray *groups = rc == 0 ? group_items(items, n) : g_ptr_array_new();
	GHashTable *pushed = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint g = 0; rc == 0 && g < groups->len; g++) {
		struct group *grp = g_ptr_array_index(groups, g);
		for (guint at = 0; rc == 0 && at < grp->items->len; at += (guint)env->batch_size) {
			size_t len = MIN((size_t)env->batch_size, grp->items->len - at);
			struct item **chunk = (struct item **)grp->items->pdata + at;
			/* Stopping: what is not sent yet goes back to the queue. */
			if (!sync_env_stopping(env))
				send(env, grp->obj, grp->op, grp->upsert, chunk, len, stats);
			rc = write_back(env, chunk, len, err);
			g_hash_table_add(pushed, grp->obj->name);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (items[i].settled)
			stats->changes++;
		else
			stats->deferred++;
	}
	GHashTableIter it;
	gpointer name;
	g_hash_table_iter_init(&it, pushed);
	while (rc == 0 && g_hash_table_iter_next(&it, &name, NULL))
		rc = db_sync_state_pushed(env->conn, env->schema, name, err);
	if (rc == 0)
		rc = sync_env_account(env, err);
	if (stats->changes > before.changes)
		log_batch(&before, stats);
	g_hash_table_destroy(pushed);
	g_ptr_array_free(groups, TRUE);
	for (size_t i = 0; i < n; i++)
		item_clear(&items[i]);
	g_free(items);
	g_ptr_array_free(changes, TRUE);
	db_sync_claim_free(claim);
	return rc;
}

int sync_push_all(struct sync_env *env, struct sync_push_stats *stats, struct error *err)
{
	bool more = true;
	while (more && !sync_env_stopping(env)) {
		long before = stats->changes;
		int rc = sync_push_batch(env, stats, &more, err);
		if (rc)
			return rc;
		if (stats->changes == before)
			break; /* everything deferred: waiting is the caller's job */
	}
	return 0;
}
