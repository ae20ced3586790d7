/* fs_access: the permission rule forcefs applies to every caller (docs/configuration.md). */
#include "fs_access.h"

#include <glib.h>

static struct stat file(mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st = {.st_mode = S_IFREG | mode, .st_uid = uid, .st_gid = gid};
	return st;
}

static void test_owner_group_other_bits(void)
{
	struct stat st = file(0640, 1000, 100);
	struct fs_access_caller owner = {.uid = 1000, .gid = 1000};
	struct fs_access_caller member = {.uid = 1001, .gid = 100};
	struct fs_access_caller other = {.uid = 65534, .gid = 65534};
	g_assert_true(fs_access_allows(&owner, &st, FS_MAY_READ | FS_MAY_WRITE));
	g_assert_true(fs_access_allows(&member, &st, FS_MAY_READ));
	g_assert_false(fs_access_allows(&member, &st, FS_MAY_WRITE));
	g_assert_false(fs_access_allows(&other, &st, FS_MAY_READ));
	g_assert_false(fs_access_allows(&other, &st, FS_MAY_WRITE));
	/* The owner's bits decide for the owner even when the group's are wider. */
	struct stat narrow = file(0066, 1000, 1000);
	g_assert_false(fs_access_allows(&owner, &narrow, FS_MAY_READ));
}

static void test_supplementary_groups_count(void)
{
	struct stat st = file(0660, 0, 100);
	gid_t groups[] = {27, 100};
	struct fs_access_caller with = {.uid = 1001, .gid = 1001, .groups = groups, .ngroups = 2};
	struct fs_access_caller without = {.uid = 1001, .gid = 1001, .groups = groups, .ngroups = 1};
	g_assert_true(fs_access_allows(&with, &st, FS_MAY_WRITE));
	g_assert_false(fs_access_allows(&without, &st, FS_MAY_WRITE));
}

static void test_root_may_read_and_write_everything(void)
{
	struct stat st = file(0000, 1000, 1000);
	struct fs_access_caller root = {.uid = 0, .gid = 0};
	g_assert_true(fs_access_allows(&root, &st, FS_MAY_READ | FS_MAY_WRITE | FS_MAY_OWN));
}

static void test_only_the_owner_may_change_attributes(void)
{
	struct stat st = file(0666, 1000, 1000);
	struct fs_access_caller owner = {.uid = 1000, .gid = 1000};
	struct fs_access_caller other = {.uid = 1001, .gid = 1000};
	g_assert_true(fs_access_allows(&owner, &st, FS_MAY_OWN));
	g_assert_false(fs_access_allows(&other, &st, FS_MAY_OWN));
	g_assert_true(fs_access_allows(&other, &st, FS_MAY_WRITE));
}

static void test_directories_need_search_to_look_up(void)
{
	struct stat dir = {.st_mode = S_IFDIR | 0754, .st_uid = 0, .st_gid = 100};
	struct fs_access_caller member = {.uid = 1001, .gid = 100};
	struct fs_access_caller other = {.uid = 1002, .gid = 1002};
	g_assert_true(fs_access_allows(&member, &dir, FS_MAY_SEARCH | FS_MAY_READ));
	g_assert_true(fs_access_allows(&other, &dir, FS_MAY_READ));
	g_assert_false(fs_access_allows(&other, &dir, FS_MAY_SEARCH));
	g_assert_false(fs_access_allows(&member, &dir, FS_MAY_WRITE | FS_MAY_SEARCH));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fs_access/owner_group_other_bits", test_owner_group_other_bits);
	g_test_add_func("/fs_access/supplementary_groups_count", test_supplementary_groups_count);
	g_test_add_func("/fs_access/root_may_read_and_write_everything",
			test_root_may_read_and_write_everything);
	g_test_add_func("/fs_access/only_the_owner_may_change_attributes",
			test_only_the_owner_may_change_attributes);
	g_test_add_func("/fs_access/directories_need_search_to_look_up",
			test_directories_need_search_to_look_up);
	return g_test_run();
}
