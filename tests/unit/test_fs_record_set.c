/* Unit tests of fs_record_set: the compact records of one object (by id, by name). */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>

#include "fs_record_set.h"

static void name_of(int64_t id, char *out, size_t size)
{
	snprintf(out, size, "001%015" PRId64 ".json", id);
}

static void insert(struct fs_record_set *set, int64_t id)
{
	char name[48];
	name_of(id, name, sizeof(name));
	bool found;
	guint at = fs_record_set_find_index(set, id, &found);
	g_assert_false(found);
	struct fs_record *rec = fs_record_set_insert(set, at, id, name);
	g_assert_cmpint(rec->id, ==, id);
}

static void test_by_id_and_by_name(void)
{
	struct fs_record_set set;
	fs_record_set_init(&set);
	/* Out of order, the way lookups before a listing insert them. */
	int64_t ids[] = {50, 3, 7, 1, 1000, 2, 999999};
	for (size_t i = 0; i < G_N_ELEMENTS(ids); i++)
		insert(&set, ids[i]);
	g_assert_cmpuint(fs_record_set_len(&set), ==, G_N_ELEMENTS(ids));
	for (guint i = 1; i < fs_record_set_len(&set); i++)
		g_assert_cmpint(fs_record_set_at(&set, i - 1)->id, <, fs_record_set_at(&set, i)->id);
	for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
		char name[48];
		name_of(ids[i], name, sizeof(name));
		struct fs_record *rec = fs_record_set_named(&set, name);
		g_assert_nonnull(rec);
		g_assert_cmpint(rec->id, ==, ids[i]);
		g_assert_cmpstr(fs_record_set_name(&set, rec), ==, name);
		g_assert_true(fs_record_set_find(&set, ids[i]) == rec);
	}
	g_assert_null(fs_record_set_named(&set, "001000000000000004.json"));
	g_assert_null(fs_record_set_find(&set, 4));
	fs_record_set_clear(&set);
}

static void test_rename_and_remove(void)
{
	struct fs_record_set set;
	fs_record_set_init(&set);
	for (int64_t id = 1; id <= 100; id++)
		insert(&set, id);
	/* local-<id>.json becomes <sfid>.json once Salesforce has the record. */
	struct fs_record *rec = fs_record_set_find(&set, 42);
	fs_record_set_rename(&set, rec, "local-42.json");
	g_assert_null(fs_record_set_named(&set, "001000000000000042.json"));
	g_assert_cmpint(fs_record_set_named(&set, "local-42.json")->id, ==, 42);

	bool found;
	guint at = fs_record_set_find_index(&set, 10, &found);
	g_assert_true(found);
	fs_record_set_remove(&set, at);
	g_assert_null(fs_record_set_named(&set, "001000000000000010.json"));
	g_assert_null(fs_record_set_find(&set, 10));
	/* Names after a removed one (same probe chain) are still found. */
	for (int64_t id = 11; id <= 100; id++) {
		char name[48];
		name_of(id, name, sizeof(name));
		if (id != 42)
			g_assert_cmpint(fs_record_set_named(&set, name)->id, ==, id);
	}
	/* Inserting again after a removal reuses nothing stale. */
	insert(&set, 10);
	g_assert_cmpint(fs_record_set_named(&set, "001000000000000010.json")->id, ==, 10);
	fs_record_set_clear(&set);
}

static bool keep_odd(struct fs_record *rec, void *ctx)
{
	(*(int *)ctx)++;
	return rec->id % 2 == 1;
}

static void test_filter(void)
{
	struct fs_record_set set;
	fs_record_set_init(&set);
	for (int64_t id = 1; id <= 1000; id++)
		insert(&set, id);
	int calls = 0;
	fs_record_set_filter(&set, keep_odd, &calls);
	g_assert_cmpint(calls, ==, 1000);
	g_assert_cmpuint(fs_record_set_len(&set), ==, 500);
	for (int64_t id = 1; id <= 1000; id++) {
		char name[48];
		name_of(id, name, sizeof(name));
		struct fs_record *rec = fs_record_set_named(&set, name);
		if (id % 2) {
			g_assert_nonnull(rec);
			g_assert_cmpint(rec->id, ==, id);
		} else {
			g_assert_null(rec);
			g_assert_null(fs_record_set_find(&set, id));
		}
	}
	fs_record_set_clear(&set);
}

/* docs/architecture.md promises about 100 bytes a record at a million records. */
static void test_memory_per_record(void)
{
	struct fs_record_set set;
	fs_record_set_init(&set);
	const int64_t n = 1000000;
	for (int64_t id = 1; id <= n; id++)
		insert(&set, id);
	double per_record = (double)fs_record_set_bytes(&set) / (double)n;
	g_test_message("%.1f bytes a record", per_record);
	g_assert_cmpfloat(per_record, <=, 100.0);
	/* A churn of renames and removals keeps every record findable. */
	for (int64_t id = 2; id <= n; id += 1000) {
		char name[48];
		snprintf(name, sizeof(name), "local-%" PRId64 ".json", id);
		fs_record_set_rename(&set, fs_record_set_find(&set, id), name);
		g_assert_cmpint(fs_record_set_named(&set, name)->id, ==, id);
	}
	char name[48];
	name_of(n, name, sizeof(name));
	g_assert_cmpint(fs_record_set_named(&set, name)->id, ==, n);
	fs_record_set_clear(&set);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fs_record_set/by_id_and_by_name", test_by_id_and_by_name);
	g_test_add_func("/fs_record_set/rename_and_remove", test_rename_and_remove);
	g_test_add_func("/fs_record_set/filter", test_filter);
	g_test_add_func("/fs_record_set/memory_per_record", test_memory_per_record);
	return g_test_run();
}
