/*
 * fs_view_history: MOUNT/.history/<object>/<record>/<UTC timestamp>.json, the earlier
 * versions of each record from <schema>._forcefs_history (db_history, docs/views.md),
 * rendered by record_render() exactly as the record file was.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db_history.h"
#include "fs_views_internal.h"
#include "record_render.h"

static const struct db_object *object_of(struct fs_views *v, const struct fs_view_node *n)
{
	return fs_tree_object(v->tree, n->object);
}

/* A record directory's name: its sfid, or local-<id> for a record that never had one. */
static char *record_dir_name(int64_t id, const char *sfid)
{
	if (sfid && db_name_is_file_name(sfid) && strlen(sfid) <= 40)
		return g_strdup(sfid);
	return g_strdup_printf("local-%" PRId64, id);
}

/* Which record a directory name stands for: *sfid (to g_free) or *id. */
static bool parse_record_dir(const char *name, char **sfid, int64_t *id)
{
	*sfid = NULL;
	*id = 0;
	if (g_str_has_prefix(name, "local-")) {
		char *end;
		*id = g_ascii_strtoll(name + strlen("local-"), &end, 10);
		return !*end && *id > 0 && *id <= INT32_MAX;
	}
	if (!db_name_is_file_name(name) || strlen(name) > 40)
		return false;
	*sfid = g_strdup(name);
	return true;
}

/* The versions of a record as directory entries (names made unique), or one of them. */
struct versions_ctx {
	struct fs_views *v;
	const struct fs_view_node *dir;
	struct fs_view_dir *d; /* list into it, or */
	const char *want;      /* find this name */
	struct fs_view_node *found;
	GHashTable *seen; /* names given so far */
	GString *buf;
};

static int add_version(const struct db_history_version *hv, void *data)
{
	struct versions_ctx *c = data;
	const struct db_object *obj = object_of(c->v, c->dir);
	/* Two versions replaced in the same microsecond get -2, -3, ... */
	char *name = g_strdup_printf("%s.json", hv->changed_at);
	for (int n = 2; g_hash_table_contains(c->seen, name); n++) {
		g_free(name);
		name = g_strdup_printf("%s-%d.json", hv->changed_at, n);
	}
	g_hash_table_add(c->seen, name);
	if (c->want && strcmp(c->want, name) != 0)
		return 0;
	g_string_truncate(c->buf, 0);
	record_render(obj->shown, obj->nshown, hv->row->values, c->buf);
	struct fs_view_node tmpl = {.kind = VIEW_HISTORY_FILE,
				    .object = c->dir->object,
				    .history_id = hv->history_id,
				    .size = (uint32_t)c->buf->len};
	struct fs_view_node *n = fs_views_child(c->v, c->dir->ino, name, &tmpl);
	if (c->d)
		fs_view_dir_add(c->d, n);
	c->found = n;
	return c->want ? 1 : 0;
}

static int versions(struct fs_views *v, const struct fs_view_node *dir, struct fs_view_dir *d,
		    const char *want, struct fs_view_node **found, struct error *err)
{
	char *sfid;
	int64_t id;
	if (!parse_record_dir(dir->record, &sfid, &id))
		return -ENOENT;
	struct versions_ctx c = {
	    .v = v,
	    .dir = dir,
	    .d = d,
	    .want = want,
	    .seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
	    .buf = g_string_sized_new(4096),
	};
	PGconn *conn = db_acquire(v->pool, err);
	int rc =
	    conn ? db_history_versions(conn, object_of(v, dir), sfid, id, 0, add_version, &c, err)
		 : -err->code;
	db_release(v->pool, conn);
	g_hash_table_destroy(c.seen);
	g_string_free(c.buf, TRUE);
	g_free(sfid);
	if (rc < 0)
		return rc;
	if (found)
		*found = c.found;
	return rc;
}

static struct fs_view_node *record_node(struct fs_views *v, const struct fs_view_node *object_dir,
					const char *name)
{
	struct fs_view_node tmpl = {
	    .kind = VIEW_HISTORY_RECORD, .object = object_dir->object, .record = (char *)name};
	return fs_views_child(v, object_dir->ino, name, &tmpl);
}

int fs_view_history_lookup(struct fs_views *v, const struct fs_view_node *parent, const char *name,
			   struct fs_view_node **out, struct error *err)
{
	if (parent->kind == VIEW_HISTORY) {
		for (size_t i = 0; i < fs_tree_object_count(v->tree); i++)
			if (strcmp(fs_tree_object(v->tree, i)->table, name) == 0) {
				struct fs_view_node t = {.kind = VIEW_HISTORY_OBJECT, .object = i};
				*out = fs_views_child(v, parent->ino, name, &t);
				return 0;
			}
		return -ENOENT;
	}
	if (parent->kind == VIEW_HISTORY_OBJECT) {
		/* The record's directory exists when it has earlier versions. */
		struct fs_view_node probe = {
		    .kind = VIEW_HISTORY_RECORD, .object = parent->object, .record = (char *)name};
		int rc = versions(v, &probe, NULL, "", NULL, err);
		if (rc <= 0)
			return rc < 0 ? rc : -ENOENT;
		*out = record_node(v, parent, name);
		return 0;
	}
	if (parent->kind == VIEW_HISTORY_RECORD) {
		if (!g_str_has_suffix(name, ".json"))
			return -ENOENT;
		struct fs_view_node *found = NULL;
		int rc = versions(v, parent, NULL, name, &found, err);
		if (rc < 0)
			return rc;
		if (!found)
			return -ENOENT;
		*out = found;
		return 0;
	}
	return -ENOENT;
}

struct records_ctx {
	struct fs_views *v;
	const struct fs_view_node *dir;
	struct fs_view_dir *d;
};

static int add_record(int64_t record_id, const char *sfid, void *data)
{
	struct records_ctx *c = data;
	char *name = record_dir_name(record_id, sfid);
	fs_view_dir_add(c->d, record_node(c->v, c->dir, name));
	g_free(name);
	return 0;
}

int fs_view_history_list(struct fs_views *v, const struct fs_view_node *dir, struct fs_view_dir *d,
			 struct error *err)
{
	if (dir->kind == VIEW_HISTORY) {
		for (size_t i = 0; i < fs_tree_object_count(v->tree); i++) {
			struct fs_view_node t = {.kind = VIEW_HISTORY_OBJECT, .object = i};
			fs_view_dir_add(
			    d, fs_views_child(v, dir->ino, fs_tree_object(v->tree, i)->table, &t));
		}
		return 0;
	}
	if (dir->kind == VIEW_HISTORY_RECORD) {
		int rc = versions(v, dir, d, NULL, NULL, err);
		return rc < 0 ? rc : 0;
	}
	struct records_ctx c = {.v = v, .dir = dir, .d = d};
	PGconn *conn = db_acquire(v->pool, err);
	int rc = conn ? db_history_records(conn, object_of(v, dir), v->options.value_limit,
					   add_record, &c, err)
		      : -err->code;
	db_release(v->pool, conn);
	return rc < 0 ? rc : 0;
}

struct content_ctx {
	const struct db_object *obj;
	GString *buf;
	bool got;
};

static int render_version(const struct db_history_version *hv, void *data)
{
	struct content_ctx *c = data;
	record_render(c->obj->shown, c->obj->nshown, hv->row->values, c->buf);
	c->got = true;
	return 1;
}

int fs_view_history_content(struct fs_views *v, const struct fs_view_node *file, GBytes **out,
			    struct error *err)
{
	const struct fs_view_node *dir = fs_views_node(v, file->parent);
	char *sfid;
	int64_t id;
	if (!dir || !parse_record_dir(dir->record, &sfid, &id))
		return -ENOENT;
	struct content_ctx c = {.obj = object_of(v, file), .buf = g_string_sized_new(4096)};
	PGconn *conn = db_acquire(v->pool, err);
	int rc = conn ? db_history_versions(conn, c.obj, sfid, id, file->history_id, render_version,
					    &c, err)
		      : -err->code;
	db_release(v->pool, conn);
	g_free(sfid);
	if (rc >= 0 && !c.got)
		rc = -ENOENT; /* pruned since it was listed */
	if (rc < 0) {
		g_string_free(c.buf, TRUE);
		return rc;
	}
	gsize len = c.buf->len;
	*out = g_bytes_new_take(g_string_free(c.buf, FALSE), len);
	return 0;
}
