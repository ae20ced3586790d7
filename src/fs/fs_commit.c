#include "fs_commit.h"

#include <errno.h>
#include <string.h>

#include "db_records.h"
#include "db_write.h"
#include "log.h"
#include "record_merge.h"
#include "record_parse.h"
#include "record_render.h"
#include "validate_record.h"
#include "validate_value.h"

static struct record_parsed *parse_bytes(GBytes *bytes, struct error *err)
{
	gsize len;
	const char *data = g_bytes_get_data(bytes, &len);
	GError *gerr = NULL;
	struct record_parsed *parsed = record_parse(data, len, &gerr);
	if (!parsed) {
		error_set(err, EINVAL, "%s", gerr->message);
		g_error_free(gerr);
	}
	return parsed;
}

struct theirs_ctx {
	const struct db_object *obj;
	GString *rendered;
};

static int render_theirs(const struct db_row *row, void *data)
{
	struct theirs_ctx *ctx = data;
	record_render(ctx->obj->shown, ctx->obj->nshown, row->values, ctx->rendered);
	return 0;
}

/* Names the conflicting field and what the database holds now. */
static int conflict_error(const struct record_merge_result *merge,
			  const struct record_parsed *theirs, struct error *err)
{
	const struct record_field *f = g_ptr_array_index(merge->conflicts, 0);
	const struct record_field *now = record_parsed_find(theirs, f->key);
	GString *shown = g_string_new(NULL);
	if (now && now->value.type == RECORD_VALUE_STRING)
		record_render_string(now->value.text, now->value.len, shown);
	else if (now && now->value.type == RECORD_VALUE_NULL)
		g_string_assign(shown, "null");
	else if (now && now->value.type == RECORD_VALUE_BOOL)
		g_string_assign(shown, now->value.boolean ? "true" : "false");
	else if (now && now->value.text)
		g_string_assign(shown, now->value.text);
	if (shown->len > 60) {
		g_string_truncate(shown, 57);
		g_string_append(shown, "...");
	}
	error_set(err, ESTALE,
		  "field \"%s\" was changed in the database since the file was read (it is now "
		  "%s); read the file again and redo the edit",
		  f->key, shown->str);
	g_string_free(shown, TRUE);
	return -ESTALE;
}

/* The columns and texts of validated values, for db_write (g_free it). */
static struct db_value *db_values_of(const struct validate_values *values)
{
	struct db_value *dv = g_new0(struct db_value, values->n + 1);
	for (size_t i = 0; i < values->n; i++) {
		dv[i].column = values->columns[i];
		dv[i].text = values->params[i];
	}
	return dv;
}

static int write_update(PGconn *conn, const struct fs_commit_target *t, int64_t id,
			const struct record_parsed *mine, GBytes *base, bool *changed,
			db_row_fn written, void *written_ctx, struct error *err)
{
	struct theirs_ctx ctx = {.obj = t->obj, .rendered = g_string_new(NULL)};
	int rc = db_record_begin_lock(conn, t->obj, id, render_theirs, &ctx, err);
	struct record_parsed *theirs = NULL, *base_parsed = NULL;
	struct record_merge_result merge = {0};
	struct validate_values values = {0};
	if (rc)
		goto out;
	GError *gerr = NULL;
	theirs = record_parse(ctx.rendered->str, ctx.rendered->len, &gerr);
	if (!theirs) {
		/* Rendering always parses; this would be a bug, not the user's fault. */
		rc = error_set(err, EIO, "cannot read the record back: %s", gerr->message);
		g_error_free(gerr);
		goto out;
	}
	const struct record_parsed *base_view = NULL;
	if (base) {
		gsize len;
		const char *data = g_bytes_get_data(base, &len);
		/* Nobody changed the row since it was served (the usual case): the base is the
		 * row just read, parsed once. */
		if (len == ctx.rendered->len && memcmp(data, ctx.rendered->str, len) == 0)
			base_view = theirs;
		else
			base_view = base_parsed = record_parse(data, len, NULL);
	}
	record_merge(base_view, mine, theirs, &merge);
	if (merge.unknown->len) {
		const struct record_field *f = g_ptr_array_index(merge.unknown, 0);
		GString *name = g_string_new(NULL);
		validate_append_name(name, f->key);
		rc = error_set(err, EINVAL, "unknown field %s", name->str);
		g_string_free(name, TRUE);
		goto out;
	}
	if (merge.conflicts->len) {
		rc = conflict_error(&merge, theirs, err);
		goto out;
	}
	rc = validate_update(t->obj, t->meta,
			     (const struct record_field *const *)merge.writes->pdata,
			     merge.writes->len, &values, err);
	if (rc)
		goto out;
	*changed = values.n > 0;
	struct db_value *dv = db_values_of(&values);
	rc = db_record_update_commit(conn, t->obj, id, dv, values.n, written, written_ctx, err);
	g_free(dv);
out:
	validate_values_clear(&values);
	if (merge.writes)
		record_merge_result_clear(&merge);
	record_parsed_free(theirs);
	record_parsed_free(base_parsed);
	g_string_free(ctx.rendered, TRUE);
	return rc;
}

/*
 * The optimistic commit, one round trip (docs/editing.md, "When a write reaches the database"):
 * `base_version` is the row version `base` was rendered from. If the row is still at
 * it, "theirs" is the base itself, so the merge, its checks and the fields to write are
 * known before asking the database, and one UPDATE applying only at that version
 * commits them. An edit that changes no field of the base is a no-op whatever the row
 * holds now (the merge keeps theirs everywhere), so it asks nothing of the database.
 * Returns 0 when committed or a no-op (*changed tells which); 1 when nothing was written
 * and the caller must take the lock-and-merge path: the row changed, its version is
 * unknown, or the edit is refused (that path then gives exactly the answer it always
 * gave); or -errno of the UPDATE (refused by the database, which only judges a row still
 * at that version).
 */
static int write_if_current(PGconn *conn, const struct fs_commit_target *t, int64_t id,
			    const struct record_parsed *mine, GBytes *base, uint32_t base_version,
			    bool *changed, db_row_fn written, void *written_ctx, struct error *err)
{
	if (!base)
		return 1;
	gsize len;
	const char *data = g_bytes_get_data(base, &len);
	struct record_parsed *base_parsed = record_parse(data, len, NULL);
	if (!base_parsed)
		return 1;
	struct record_merge_result merge = {0};
	struct validate_values values = {0};
	struct error refused = {0};
	record_merge(base_parsed, mine, base_parsed, &merge);
	bool mergeable = merge.unknown->len == 0 && merge.conflicts->len == 0;
	int rc = 1;
	if (mergeable && merge.writes->len == 0) {
		rc = 0;
	} else if (mergeable && base_version != 0 &&
		   validate_update(t->obj, t->meta,
				   (const struct record_field *const *)merge.writes->pdata,
				   merge.writes->len, &values, &refused) == 0 &&
		   values.n > 0) {
		struct db_value *dv = db_values_of(&values);
		rc = db_record_update_if_version(conn, t->obj, id, base_version, dv, values.n,
						 written, written_ctx, err);
		g_free(dv);
		*changed = rc == 0;
	}
	validate_values_clear(&values);
	record_merge_result_clear(&merge);
	record_parsed_free(base_parsed);
	return rc;
}

/* Runs `body` in a transaction on a pooled connection; rolls back on any failure. */
static int in_transaction(struct db_pool *pool, struct error *err,
			  int (*body)(PGconn *conn, void *ctx, struct error *err), void *ctx)
{
	PGconn *conn = db_acquire(pool, err);
	if (!conn)
		return -err->code;
	int rc = db_begin(conn, err);
	if (rc == 0)
		rc = body(conn, ctx, err);
	if (rc == 0)
		rc = db_commit(conn, err);
	if (rc)
		db_rollback(conn);
	db_release(pool, conn);
	return rc;
}

struct update_job {
	const struct fs_commit_target *target;
	int64_t id;
	const struct record_parsed *mine;
	GBytes *base;
	uint32_t base_version;
	bool *changed;
	db_row_fn written;
	void *written_ctx;
};

/* The update is one UPDATE when the row is still the version the base came from
 * (write_if_current), else its own transaction in two round trips: BEGIN with the
 * lock, the UPDATE with the COMMIT (db_record_begin_lock, db_record_update_commit). */
static int update_in_transaction(struct update_job *job, struct error *err)
{
	PGconn *conn = db_acquire(job->target->pool, err);
	if (!conn)
		return -err->code;
	int rc =
	    write_if_current(conn, job->target, job->id, job->mine, job->base, job->base_version,
			     job->changed, job->written, job->written_ctx, err);
	if (rc == 1)
		rc = write_update(conn, job->target, job->id, job->mine, job->base, job->changed,
				  job->written, job->written_ctx, err);
	if (rc)
		db_rollback(conn);
	db_release(job->target->pool, conn);
	return rc;
}

int fs_commit_update(const struct fs_commit_target *target, int64_t id, GBytes *mine, GBytes *base,
		     uint32_t base_version, bool *changed, db_row_fn written, void *written_ctx,
		     struct error *err)
{
	*changed = false;
	struct record_parsed *parsed = parse_bytes(mine, err);
	if (!parsed)
		return -EINVAL;
	struct update_job job = {.target = target,
				 .id = id,
				 .mine = parsed,
				 .base = base,
				 .base_version = base_version,
				 .changed = changed,
				 .written = written,
				 .written_ctx = written_ctx};
	int rc = update_in_transaction(&job, err);
	record_parsed_free(parsed);
	return rc;
}

struct insert_job {
	const struct fs_commit_target *target;
	const struct record_parsed *mine;
	int64_t *new_id;
};

static int insert_body(PGconn *conn, void *data, struct error *err)
{
	struct insert_job *job = data;
	struct validate_values values = {0};
	int rc = validate_insert(job->target->obj, job->target->meta, job->mine, &values, err);
	if (rc == 0) {
		struct db_value *dv = db_values_of(&values);
		rc = db_record_insert(conn, job->target->obj, dv, values.n, job->new_id, err);
		g_free(dv);
	}
	validate_values_clear(&values);
	return rc;
}

int fs_commit_insert(const struct fs_commit_target *target, GBytes *mine, int64_t *new_id,
		     struct error *err)
{
	struct record_parsed *parsed = parse_bytes(mine, err);
	if (!parsed)
		return -EINVAL;
	struct insert_job job = {target, parsed, new_id};
	int rc = in_transaction(target->pool, err, insert_body, &job);
	record_parsed_free(parsed);
	return rc;
}

struct delete_job {
	const struct fs_commit_target *target;
	int64_t id;
};

static int delete_body(PGconn *conn, void *data, struct error *err)
{
	struct delete_job *job = data;
	return db_record_delete(conn, job->target->obj, job->id, err);
}

int fs_commit_delete(const struct fs_commit_target *target, int64_t id, struct error *err)
{
	if (target->obj->readonly)
		return error_set(err, EROFS,
				 "object \"%s\" is read-only (Heroku Connect maps it read-only)",
				 target->obj->table);
	struct delete_job job = {target, id};
	return in_transaction(target->pool, err, delete_body, &job);
}
