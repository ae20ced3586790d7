/* sync_plan: folding _trigger_log rows per record, choosing the operation. */
#include "sync_plan.h"

#include <glib.h>
#include <string.h>

static const char *const name_col[] = {"name", NULL};
static const char *const phone_col[] = {"phone", NULL};
static const char *const name_phone[] = {"name", "phone", NULL};
static const char *const all_cols[] = {"id", "name", "sfid", NULL};

#define UPD(id, rec, cols)                                                                         \
	{                                                                                          \
		(id), (rec), "account", SYNC_ACTION_UPDATE, "001000000000001AAA", (cols), false    \
	}

static struct sync_change *only(GPtrArray *changes)
{
	g_assert_cmpuint(changes->len, ==, 1);
	return g_ptr_array_index(changes, 0);
}

static void test_several_updates_of_a_record_become_one(void)
{
	struct sync_log_entry e[] = {UPD(1, 7, name_col), UPD(2, 7, phone_col),
				     UPD(3, 7, name_phone)};
	GPtrArray *changes = sync_plan_coalesce(e, G_N_ELEMENTS(e));
	struct sync_change *c = only(changes);
	g_assert_cmpint(c->record_id, ==, 7);
	g_assert_cmpuint(c->columns->len, ==, 2); /* each column once */
	g_assert_cmpstr(g_ptr_array_index(c->columns, 0), ==, "name");
	g_assert_cmpstr(g_ptr_array_index(c->columns, 1), ==, "phone");
	g_assert_cmpuint(c->claimed_ids->len, ==, 3);
	g_assert_true(sync_change_touches(c, "phone"));
	g_assert_false(sync_change_touches(c, "website"));
	g_assert_cmpint(sync_plan_decide(c, true, true, false), ==, SYNC_OP_UPDATE);
	g_ptr_array_free(changes, TRUE);
}

static void test_records_keep_the_order_of_their_first_change(void)
{
	struct sync_log_entry e[] = {UPD(5, 2, name_col), UPD(6, 1, name_col), UPD(7, 2, phone_col),
				     UPD(8, 3, name_col)};
	e[3].table = "contact";
	GPtrArray *changes = sync_plan_coalesce(e, G_N_ELEMENTS(e));
	g_assert_cmpuint(changes->len, ==, 3);
	int64_t want[] = {2, 1, 3};
	for (guint i = 0; i < 3; i++) {
		struct sync_change *c = g_ptr_array_index(changes, i);
		g_assert_cmpint(c->record_id, ==, want[i]);
	}
	g_assert_cmpstr(((struct sync_change *)g_ptr_array_index(changes, 2))->table, ==,
			"contact");
	g_ptr_array_free(changes, TRUE);
}

static void test_same_row_id_in_two_tables_is_two_records(void)
{
	struct sync_log_entry e[] = {UPD(1, 4, name_col), UPD(2, 4, name_col)};
	e[1].table = "contact";
	GPtrArray *changes = sync_plan_coalesce(e, 2);
	g_assert_cmpuint(changes->len, ==, 2);
	g_ptr_array_free(changes, TRUE);
}

static void test_insert_then_updates_is_one_insert_of_the_row(void)
{
	struct sync_log_entry e[] = {
	    {1, 9, "account", SYNC_ACTION_INSERT, NULL, all_cols, false},
	    {2, 9, "account", SYNC_ACTION_UPDATE, NULL, phone_col, false},
	};
	struct sync_change *c;
	GPtrArray *changes = sync_plan_coalesce(e, 2);
	c = only(changes);
	g_assert_true(c->has_insert);
	g_assert_true(sync_change_touches(c, "anything"));
	g_assert_cmpint(sync_plan_decide(c, true, false, false), ==, SYNC_OP_INSERT);
	/* a row that got its sfid meanwhile (adopted by a pull) is updated instead */
	g_assert_cmpint(sync_plan_decide(c, true, true, false), ==, SYNC_OP_UPDATE);
	g_ptr_array_free(changes, TRUE);
}

static void test_insert_then_delete_before_sending_cancels_out(void)
{
	struct sync_log_entry e[] = {
	    {1, 9, "account", SYNC_ACTION_INSERT, NULL, all_cols, false},
	    {2, 9, "account", SYNC_ACTION_DELETE, NULL, NULL, false},
	};
	GPtrArray *changes = sync_plan_coalesce(e, 2);
	g_assert_cmpint(sync_plan_decide(only(changes), false, false, false), ==, SYNC_OP_IGNORE);
	g_ptr_array_free(changes, TRUE);
}

static void test_update_then_delete_is_one_delete(void)
{
	struct sync_log_entry e[] = {
	    UPD(1, 3, name_col),
	    {2, 3, "account", SYNC_ACTION_DELETE, "001000000000003AAA", NULL, false}};
	GPtrArray *changes = sync_plan_coalesce(e, 2);
	struct sync_change *c = only(changes);
	g_assert_cmpint(sync_plan_decide(c, false, false, false), ==, SYNC_OP_DELETE);
	g_assert_cmpstr(c->sfid, ==, "001000000000003AAA");
	g_ptr_array_free(changes, TRUE);
}

static void test_a_vanished_row_waits_for_its_delete_or_was_deleted_in_salesforce(void)
{
	struct sync_log_entry e[] = {UPD(1, 3, name_col)};
	GPtrArray *changes = sync_plan_coalesce(e, 1);
	g_assert_cmpint(sync_plan_decide(only(changes), false, false, true), ==, SYNC_OP_LATER);
	g_assert_cmpint(sync_plan_decide(only(changes), false, false, false), ==, SYNC_OP_GONE);
	g_ptr_array_free(changes, TRUE);
}

static void test_failed_rows_carry_their_columns_into_the_next_attempt(void)
{
	struct sync_log_entry e[] = {
	    {1, 5, "account", SYNC_ACTION_UPDATE, "001000000000001AAA", name_col, true},
	    UPD(4, 5, phone_col),
	};
	GPtrArray *changes = sync_plan_coalesce(e, 2);
	struct sync_change *c = only(changes);
	g_assert_true(sync_change_touches(c, "name"));
	g_assert_true(sync_change_touches(c, "phone"));
	g_assert_cmpuint(c->claimed_ids->len, ==, 1);
	g_assert_cmpuint(c->failed_ids->len, ==, 1);
	g_assert_cmpint(g_array_index(c->failed_ids, int64_t, 0), ==, 1);
	g_assert_cmpint(c->first_id, ==, 1);
	g_ptr_array_free(changes, TRUE);
}

static void test_a_failed_delete_does_not_make_a_delete(void)
{
	struct sync_log_entry e[] = {
	    {1, 5, "account", SYNC_ACTION_DELETE, "001000000000001AAA", NULL, true},
	};
	GPtrArray *changes = sync_plan_coalesce(e, 1);
	g_assert_false(only(changes)->has_delete);
	g_ptr_array_free(changes, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sync_plan/several_updates_of_a_record_become_one",
			test_several_updates_of_a_record_become_one);
	g_test_add_func("/sync_plan/records_keep_the_order_of_their_first_change",
			test_records_keep_the_order_of_their_first_change);
	g_test_add_func("/sync_plan/same_row_id_in_two_tables_is_two_records",
			test_same_row_id_in_two_tables_is_two_records);
	g_test_add_func("/sync_plan/insert_then_updates_is_one_insert_of_the_row",
			test_insert_then_updates_is_one_insert_of_the_row);
	g_test_add_func("/sync_plan/insert_then_delete_before_sending_cancels_out",
			test_insert_then_delete_before_sending_cancels_out);
	g_test_add_func("/sync_plan/update_then_delete_is_one_delete",
			test_update_then_delete_is_one_delete);
	g_test_add_func("/sync_plan/a_vanished_row_waits_for_its_delete_or_was_deleted_in_sf",
			test_a_vanished_row_waits_for_its_delete_or_was_deleted_in_salesforce);
	g_test_add_func("/sync_plan/failed_rows_carry_their_columns_into_the_next_attempt",
			test_failed_rows_carry_their_columns_into_the_next_attempt);
	g_test_add_func("/sync_plan/a_failed_delete_does_not_make_a_delete",
			test_a_failed_delete_does_not_make_a_delete);
	return g_test_run();
}
