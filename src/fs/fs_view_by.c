/*
 * fs_view_by: MOUNT/.by/<object>/<field>/<value>/<name>.json symlinks (docs/views.md).
 * Every lookup and listing below a field asks the database (db_views); nothing is
 * cached, so the view is as current as the table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db_views.h"
#include "fs_views_internal.h"

static const struct db_object *object_of(struct fs_views *v, const struct fs_view_node *n)
{
	return fs_tree_object(v->tree, n->object);
}

static const struct record_column *column_of(struct fs_views *v, const struct fs_view_node *n)
{
	return &object_of(v, n)->shown[n->field];
}

/* The record file name of a row, as the object directory shows it; false when the row
 * is not shown there (docs/configuration.md, "What is shown"). */
static bool record_name(int64_t id, const char *sfid, char *out, size_t size)
{
	if (id < 1 || id > (INT64_C(1) << 40) - 3)
		return false;
	if (sfid && (!db_name_is_file_name(sfid) || strlen(sfid) > 40))
		return false;
	if (sfid)
		snprintf(out, size, "%s.json", sfid);
	else
		snprintf(out, size, "local-%" PRId64 ".json", id);
	return true;
}

static struct fs_view_node *link_node(struct fs_views *v, const struct fs_view_node *value_dir,
				      const char *name)
{
	const struct db_object *obj = object_of(v, value_dir);
	char *key = g_strdup_printf("L%zu/%s", value_dir->object, name);
	char *target = g_strdup_printf("../../../../%s/%s", obj->table, name);
	struct fs_view_node tmpl = {.kind = VIEW_BY_LINK,
				    .parent = value_dir->ino,
				    .name = (char *)name,
				    .object = value_dir->object,
				    .target = target};
	struct fs_view_node *n = fs_views_intern(v, key, &tmpl);
	g_free(target);
	g_free(key);
	return n;
}

static struct fs_view_node *value_node(struct fs_views *v, const struct fs_view_node *field_dir,
				       const char *name)
{
	struct fs_view_node tmpl = {
	    .kind = VIEW_BY_VALUE, .object = field_dir->object, .field = field_dir->field};
	if (!fs_view_name_decode(name, &tmpl.value))
		return NULL;
	struct fs_view_node *n = fs_views_child(v, field_dir->ino, name, &tmpl);
	fs_view_value_clear(&tmpl.value);
	return n;
}

static void match_of(const struct fs_view_node *value_dir, struct db_view_match *m)
{
	m->is_null = value_dir->value.is_null;
	m->text = value_dir->value.display;
	m->hash = value_dir->value.hash;
}

/* A lookup of a value: the first matching row must carry exactly this name. */
struct canonical_ctx {
	enum record_kind kind;
	const char *name;
	bool found;
};

static int check_canonical(int64_t id, const char *sfid, const char *value, void *data)
{
	struct canonical_ctx *c = data;
	char *name = fs_view_name_encode(c->kind, value);
	c->found = strcmp(name, c->name) == 0;
	g_free(name);
	return 1;
}

static int lookup_value(struct fs_views *v, const struct fs_view_node *field_dir, const char *name,
			struct fs_view_node **out, struct error *err)
{
	struct fs_view_value value;
	if (!fs_view_name_decode(name, &value))
		return -ENOENT;
	struct db_view_match m = {
	    .is_null = value.is_null, .text = value.display, .hash = value.hash};
	const struct record_column *col = column_of(v, field_dir);
	struct canonical_ctx c = {.kind = col->kind, .name = name};
	PGconn *conn = db_acquire(v->pool, err);
	int rc = conn ? db_views_rows(conn, object_of(v, field_dir), col, &m, NULL, 0, 1,
				      check_canonical, &c, err)
		      : -err->code;
	db_release(v->pool, conn);
	fs_view_value_clear(&value);
	if (rc < 0)
		return rc;
	if (!c.found)
		return -ENOENT;
	*out = value_node(v, field_dir, name);
	return *out ? 0 : -ENOENT;
}

/* The name the matched row has in its object directory. */
struct row_name_ctx {
	char name[64];
	bool shown;
};

static int name_row(int64_t id, const char *sfid, const char *value, void *data)
{
	struct row_name_ctx *c = data;
	c->shown = record_name(id, sfid, c->name, sizeof(c->name));
	return 1;
}

static int lookup_link(struct fs_views *v, const struct fs_view_node *value_dir, const char *name,
		       struct fs_view_node **out, struct error *err)
{
	if (!g_str_has_suffix(name, ".json"))
		return -ENOENT;
	char *stem = g_strndup(name, strlen(name) - strlen(".json"));
	const char *sfid = stem;
	int64_t id = 0;
	if (g_str_has_prefix(stem, "local-")) {
		char *end;
		id = g_ascii_strtoll(stem + strlen("local-"), &end, 10);
		sfid = NULL;
		if (*end || id <= 0) {
			g_free(stem);
			return -ENOENT;
		}
	}
	struct db_view_match m;
	match_of(value_dir, &m);
	struct row_name_ctx c = {.shown = false};
	PGconn *conn = db_acquire(v->pool, err);
	int rc = conn ? db_views_rows(conn, object_of(v, value_dir), column_of(v, value_dir), &m,
				      sfid, id, 1, name_row, &c, err)
		      : -err->code;
	db_release(v->pool, conn);
	g_free(stem);
	if (rc < 0)
		return rc;
	if (!c.shown || strcmp(c.name, name) != 0)
		return -ENOENT;
	*out = link_node(v, value_dir, name);
	return 0;
}

int fs_view_by_lookup(struct fs_views *v, const struct fs_view_node *parent, const char *name,
		      struct fs_view_node **out, struct error *err)
{
	switch (parent->kind) {
	case VIEW_BY:
		for (size_t i = 0; i < fs_tree_object_count(v->tree); i++)
			if (strcmp(fs_tree_object(v->tree, i)->table, name) == 0) {
				struct fs_view_node t = {.kind = VIEW_BY_OBJECT, .object = i};
				*out = fs_views_child(v, parent->ino, name, &t);
				return 0;
			}
		return -ENOENT;
	case VIEW_BY_OBJECT: {
		const struct db_object *obj = object_of(v, parent);
		for (size_t i = 0; i < obj->nshown; i++)
			if (strcmp(obj->shown[i].name, name) == 0 && db_name_is_file_name(name)) {
				struct fs_view_node t = {
				    .kind = VIEW_BY_FIELD, .object = parent->object, .field = i};
				*out = fs_views_child(v, parent->ino, name, &t);
				return 0;
			}
		return -ENOENT;
	}
	case VIEW_BY_FIELD:
		return lookup_value(v, parent, name, out, err);
	case VIEW_BY_VALUE:
		return lookup_link(v, parent, name, out, err);
	default:
		return -ENOENT;
	}
}

struct list_ctx {
	struct fs_views *v;
	const struct fs_view_node *dir;
	struct fs_view_dir *d;
};

static int list_value(const char *text, void *data)
{
	struct list_ctx *c = data;
	char *name = fs_view_name_encode(column_of(c->v, c->dir)->kind, text);
	struct fs_view_node *n = value_node(c->v, c->dir, name);
	if (n)
		fs_view_dir_add(c->d, n);
	g_free(name);
	return 0;
}

static int list_row(int64_t id, const char *sfid, const char *value, void *data)
{
	struct list_ctx *c = data;
	char name[64];
	if (record_name(id, sfid, name, sizeof(name)))
		fs_view_dir_add(c->d, link_node(c->v, c->dir, name));
	return 0;
}

int fs_view_by_list(struct fs_views *v, const struct fs_view_node *dir, struct fs_view_dir *d,
		    struct error *err)
{
	if (dir->kind == VIEW_BY) {
		for (size_t i = 0; i < fs_tree_object_count(v->tree); i++) {
			struct fs_view_node t = {.kind = VIEW_BY_OBJECT, .object = i};
			fs_view_dir_add(
			    d, fs_views_child(v, dir->ino, fs_tree_object(v->tree, i)->table, &t));
		}
		return 0;
	}
	if (dir->kind == VIEW_BY_OBJECT) {
		const struct db_object *obj = object_of(v, dir);
		for (size_t i = 0; i < obj->nshown; i++) {
			if (!db_name_is_file_name(obj->shown[i].name))
				continue;
			struct fs_view_node t = {
			    .kind = VIEW_BY_FIELD, .object = dir->object, .field = i};
			fs_view_dir_add(d, fs_views_child(v, dir->ino, obj->shown[i].name, &t));
		}
		return 0;
	}
	struct list_ctx c = {.v = v, .dir = dir, .d = d};
	PGconn *conn = db_acquire(v->pool, err);
	if (!conn)
		return -err->code;
	int rc;
	if (dir->kind == VIEW_BY_FIELD) {
		/* Above the limit nothing is listed (a partial list would mislead); every
		 * value stays reachable by name. */
		rc = db_views_values(conn, object_of(v, dir), column_of(v, dir),
				     v->options.value_limit, list_value, &c, err);
	} else {
		struct db_view_match m;
		match_of(dir, &m);
		rc = db_views_rows(conn, object_of(v, dir), column_of(v, dir), &m, NULL, 0, 0,
				   list_row, &c, err);
	}
	db_release(v->pool, conn);
	return rc < 0 ? rc : 0;
}
