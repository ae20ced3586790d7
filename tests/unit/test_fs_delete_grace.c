/* The armed deletes of rm with -o allow_delete (src/fs/fs_delete_grace.h, docs/editing.md). */
#include <glib.h>

#include "fs_delete_grace.h"

static void test_due_only_after_the_delay(void)
{
	struct fs_delete_grace *g = fs_delete_grace_new(2000);
	fs_delete_grace_arm(g, 0, 7, "a.json", 10000);
	GArray *due = fs_pending_delete_array_new();
	g_assert_cmpuint(fs_delete_grace_take_due(g, 11999, due), ==, 0);
	g_assert_cmpuint(fs_delete_grace_take_due(g, 12000, due), ==, 1);
	struct fs_pending_delete *d = &g_array_index(due, struct fs_pending_delete, 0);
	g_assert_cmpuint(d->object, ==, 0);
	g_assert_cmpint(d->id, ==, 7);
	g_assert_cmpstr(d->name, ==, "a.json");
	/* Taken once: it is being committed, and the name no longer stands for it. */
	g_assert_cmpuint(fs_delete_grace_take_due(g, 20000, due), ==, 0);
	g_assert_true(fs_delete_grace_committing(g, 0, 7));
	g_assert_false(fs_delete_grace_cancel(g, 0, 7));
	fs_delete_grace_done(g, 0, 7);
	g_assert_false(fs_delete_grace_committing(g, 0, 7));
	g_array_free(due, TRUE);
	fs_delete_grace_free(g);
}

static void test_cancel_within_the_delay(void)
{
	struct fs_delete_grace *g = fs_delete_grace_new(2000);
	fs_delete_grace_arm(g, 1, 7, "a.json", 0);
	fs_delete_grace_arm(g, 2, 7, "b.json", 0); /* same row id, another object */
	g_assert_true(fs_delete_grace_cancel(g, 1, 7));
	g_assert_false(fs_delete_grace_cancel(g, 1, 7));
	GArray *due = fs_pending_delete_array_new();
	g_assert_cmpuint(fs_delete_grace_take_due(g, 5000, due), ==, 1);
	g_assert_cmpuint(g_array_index(due, struct fs_pending_delete, 0).object, ==, 2);
	g_array_free(due, TRUE);
	fs_delete_grace_free(g);
}

static void test_arming_again_restarts_the_delay(void)
{
	struct fs_delete_grace *g = fs_delete_grace_new(2000);
	fs_delete_grace_arm(g, 0, 7, "a.json", 0);
	fs_delete_grace_arm(g, 0, 7, "alias.json", 1500);
	GArray *due = fs_pending_delete_array_new();
	g_assert_cmpuint(fs_delete_grace_take_due(g, 2000, due), ==, 0);
	g_assert_cmpuint(fs_delete_grace_take_due(g, 3500, due), ==, 1);
	g_assert_cmpstr(g_array_index(due, struct fs_pending_delete, 0).name, ==, "alias.json");
	g_array_free(due, TRUE);
	fs_delete_grace_free(g);
}

static void test_unmount_takes_what_is_still_armed(void)
{
	struct fs_delete_grace *g = fs_delete_grace_new(2000);
	fs_delete_grace_arm(g, 0, 1, "a.json", 0);
	fs_delete_grace_arm(g, 0, 2, "b.json", 0);
	fs_delete_grace_arm(g, 0, 3, "c.json", 0);
	g_assert_true(fs_delete_grace_cancel(g, 0, 2));
	GArray *left = fs_pending_delete_array_new();
	g_assert_cmpuint(fs_delete_grace_take_all(g, left), ==, 2);
	g_assert_cmpuint(fs_delete_grace_take_all(g, left), ==, 0);
	g_assert_false(fs_delete_grace_cancel(g, 0, 1));
	g_array_free(left, TRUE);
	fs_delete_grace_free(g);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fs_delete_grace/due_only_after_the_delay", test_due_only_after_the_delay);
	g_test_add_func("/fs_delete_grace/cancel_within_the_delay", test_cancel_within_the_delay);
	g_test_add_func("/fs_delete_grace/arming_again_restarts_the_delay",
			test_arming_again_restarts_the_delay);
	g_test_add_func("/fs_delete_grace/unmount_takes_what_is_still_armed",
			test_unmount_takes_what_is_still_armed);
	return g_test_run();
}
