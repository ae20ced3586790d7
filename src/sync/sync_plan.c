#include "sync_plan.h"

#include <string.h>

void sync_change_free(struct sync_change *c)
{
	if (!c)
		return;
	g_free(c->table);
	g_free(c->sfid);
	g_ptr_array_free(c->columns, TRUE);
	g_array_free(c->claimed_ids, TRUE);
	g_array_free(c->failed_ids, TRUE);
	g_free(c);
}

static struct sync_change *change_new(const struct sync_log_entry *e)
{
	struct sync_change *c = g_new0(struct sync_change, 1);
	c->table = g_strdup(e->table);
	c->record_id = e->record_id;
	c->first_id = e->id;
	c->columns = g_ptr_array_new_with_free_func(g_free);
	c->claimed_ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	c->failed_ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	return c;
}

static void add_column(struct sync_change *c, const char *column)
{
	for (guint i = 0; i < c->columns->len; i++)
		if (strcmp(g_ptr_array_index(c->columns, i), column) == 0)
			return;
	g_ptr_array_add(c->columns, g_strdup(column));
}

static gint by_first_id(gconstpointer a, gconstpointer b)
{
	const struct sync_change *x = *(struct sync_change *const *)a;
	const struct sync_change *y = *(struct sync_change *const *)b;
	return x->first_id < y->first_id ? -1 : x->first_id > y->first_id;
}

GPtrArray *sync_plan_coalesce(const struct sync_log_entry *entries, size_t n)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)sync_change_free);
	GHashTable *by_record = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (size_t i = 0; i < n; i++) {
		const struct sync_log_entry *e = &entries[i];
		char *key = g_strdup_printf("%s/%" G_GINT64_FORMAT, e->table, e->record_id);
		struct sync_change *c = g_hash_table_lookup(by_record, key);
		if (!c) {
			c = change_new(e);
			g_ptr_array_add(out, c);
			g_hash_table_insert(by_record, key, c);
		} else {
			g_free(key);
		}
		if (e->id < c->first_id)
			c->first_id = e->id;
		g_array_append_val(e->failed ? c->failed_ids : c->claimed_ids, e->id);
		if (e->sfid && *e->sfid) {
			g_free(c->sfid);
			c->sfid = g_strdup(e->sfid);
		}
		switch (e->action) {
		case SYNC_ACTION_INSERT:
			c->has_insert = true;
			c->all_columns = true;
			break;
		case SYNC_ACTION_DELETE:
			/* A failed delete is history: the row is gone either way. */
			if (!e->failed)
				c->has_delete = true;
			break;
		case SYNC_ACTION_UPDATE:
			break;
		}
		for (const char *const *col = e->columns; col && *col; col++)
			add_column(c, *col);
	}
	g_hash_table_destroy(by_record);
	g_ptr_array_sort(out, by_first_id);
	return out;
}

enum sync_op sync_plan_decide(const struct sync_change *c, bool row_exists, bool row_has_sfid,
			      bool delete_queued)
{
	if (!row_exists) {
		if (c->has_delete)
			return c->sfid ? SYNC_OP_DELETE : SYNC_OP_IGNORE;
		if (delete_queued)
			return SYNC_OP_LATER;
		/* Never created in Salesforce: nothing there to change or to lose. */
		if (c->has_insert && !c->sfid)
			return SYNC_OP_IGNORE;
		return SYNC_OP_GONE;
	}
	return row_has_sfid ? SYNC_OP_UPDATE : SYNC_OP_INSERT;
}

const char *sync_op_name(enum sync_op op)
{
	static const char *const names[] = {
	    [SYNC_OP_INSERT] = "INSERT", [SYNC_OP_UPDATE] = "UPDATE", [SYNC_OP_DELETE] = "DELETE",
	    [SYNC_OP_IGNORE] = "IGNORE", [SYNC_OP_LATER] = "LATER",   [SYNC_OP_GONE] = "GONE",
	};
	return names[op];
}

bool sync_change_touches(const struct sync_change *c, const char *column)
{
	if (c->all_columns)
		return true;
	for (guint i = 0; i < c->columns->len; i++)
		if (strcmp(g_ptr_array_index(c->columns, i), column) == 0)
			return true;
	return false;
}

