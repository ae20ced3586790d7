/*
 * Tests for record_merge: one test per rule of the field-level three-way merge
 * (docs/contract.md §5, record_merge.h), and for record_value_equal.
 */
#include "record_merge.h"
#include "record_parse.h"
#include "record_render.h"

#include <glib.h>
#include <string.h>

/* --- helpers ------------------------------------------------------------------------- */

static struct record_parsed *parse(const char *json)
{
	g_autoptr(GError) error = NULL;
	struct record_parsed *record = record_parse(json, strlen(json), &error);

	g_assert_no_error(error);
	return record;
}

/* The keys in `fields` (record_field pointers) joined by ',', for one-line comparisons. */
static char *keys_of(const GPtrArray *fields)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < fields->len; i++) {
		const struct record_field *field = fields->pdata[i];
		g_string_append_printf(out, "%s%s", i ? "," : "", field->key);
	}
	return g_string_free(out, FALSE);
}

/*
 * Merges the three JSON texts (`base` may be NULL) and checks the keys that are written,
 * in conflict and unknown.
 */
static void assert_merge(const char *base, const char *mine, const char *theirs, const char *writes,
			 const char *conflicts, const char *unknown)
{
	struct record_parsed *b = base != NULL ? parse(base) : NULL;
	struct record_parsed *m = parse(mine);
	struct record_parsed *t = parse(theirs);
	struct record_merge_result result;

	record_merge(b, m, t, &result);
	g_autofree char *got_writes = keys_of(result.writes);
	g_autofree char *got_conflicts = keys_of(result.conflicts);
	g_autofree char *got_unknown = keys_of(result.unknown);
	g_assert_cmpstr(got_writes, ==, writes);
	g_assert_cmpstr(got_conflicts, ==, conflicts);
	g_assert_cmpstr(got_unknown, ==, unknown);

	/* Every field handed back is mine, with my value. */
	for (guint i = 0; i < result.writes->len; i++) {
		const struct record_field *field = result.writes->pdata[i];
		g_assert_true(field >= m->fields && field < m->fields + m->nfields);
	}
	record_merge_result_clear(&result);
	g_assert_null(result.writes);
	record_parsed_free(b);
	record_parsed_free(m);
	record_parsed_free(t);
}

static bool json_values_equal(const char *a, const char *b)
{
	g_autofree char *ja = g_strdup_printf("{\"v\": %s}", a);
	g_autofree char *jb = g_strdup_printf("{\"v\": %s}", b);
	struct record_parsed *ra = parse(ja);
	struct record_parsed *rb = parse(jb);

	bool equal = record_value_equal(&ra->fields[0].value, &rb->fields[0].value);
	g_assert_true(equal == record_value_equal(&rb->fields[0].value, &ra->fields[0].value));
	record_parsed_free(ra);
	record_parsed_free(rb);
	return equal;
}

/* --- the rules --------------------------------------------------------------------------- */

static void test_field_changed_by_me_is_written(void)
{
	assert_merge("{\"a\": 1, \"b\": \"x\"}", "{\"a\": 1, \"b\": \"y\"}",
		     "{\"a\": 1, \"b\": \"x\"}", "b", "", "");
}

static void test_field_changed_by_them_is_kept(void)
{
	/* They changed b; I did not touch it: nothing of b is written, their value stays. */
	assert_merge("{\"a\": 1, \"b\": \"x\"}", "{\"a\": 2, \"b\": \"x\"}",
		     "{\"a\": 1, \"b\": \"z\"}", "a", "", "");
}

static void test_both_changed_to_same_value_is_not_a_conflict(void)
{
	assert_merge("{\"a\": 1, \"b\": \"x\"}", "{\"a\": 1, \"b\": \"y\"}",
		     "{\"a\": 1, \"b\": \"y\"}", "", "", "");
	/* Same value spelled differently still counts as the same. */
	assert_merge("{\"n\": 1}", "{\"n\": 2.0}", "{\"n\": 2}", "", "", "");
}

static void test_both_changed_to_different_values_is_a_conflict(void)
{
	assert_merge("{\"a\": 1, \"name\": \"x\"}", "{\"a\": 2, \"name\": \"mine\"}",
		     "{\"a\": 1, \"name\": \"theirs\"}", "a", "name", "");
}

static void test_every_conflict_is_listed(void)
{
	assert_merge("{\"a\": 1, \"b\": 1, \"c\": 1}", "{\"c\": 2, \"b\": 2, \"a\": 2}",
		     "{\"a\": 3, \"b\": 1, \"c\": 3}", "b", "c,a", "");
}

static void test_unchanged_record_writes_nothing(void)
{
	static const char json[] = "{\"a\": 1, \"b\": \"x\", \"c\": null, \"d\": [1]}";

	assert_merge(json, json, json, "", "", "");
	/* Reformatted by an editor or jq: still unchanged. */
	assert_merge(json, "{\"d\":[ 1 ],\"c\":null,\"b\":\"\\u0078\",\"a\":1.0}", json, "", "",
		     "");
}

static void test_omitted_key_means_unchanged(void)
{
	/* `jq 'del(.b)'` or a file with only the fields to fix: b is not nulled. */
	assert_merge("{\"a\": 1, \"b\": \"x\"}", "{\"a\": 2}", "{\"a\": 1, \"b\": \"x\"}", "a", "",
		     "");
	assert_merge("{\"a\": 1, \"b\": \"x\"}", "{}", "{\"a\": 1, \"b\": \"z\"}", "", "", "");
}

static void test_explicit_null_is_written(void)
{
	assert_merge("{\"a\": 1, \"b\": \"x\"}", "{\"a\": 1, \"b\": null}",
		     "{\"a\": 1, \"b\": \"x\"}", "b", "", "");
}

static void test_unknown_key_is_reported_not_written(void)
{
	assert_merge("{\"a\": 1}", "{\"a\": 2, \"nmae\": \"typo\"}", "{\"a\": 1}", "a", "", "nmae");
}

static void test_stale_key_left_as_served_is_ignored(void)
{
	/* Column dropped (or hidden) since the record was served; the user left it alone. */
	assert_merge("{\"a\": 1, \"old\": 5}", "{\"a\": 2, \"old\": 5}", "{\"a\": 1}", "a", "", "");
	/* Changing it is reported: there is nothing to write it to. */
	assert_merge("{\"a\": 1, \"old\": 5}", "{\"a\": 1, \"old\": 6}", "{\"a\": 1}", "", "",
		     "old");
}

static void test_key_missing_from_base_counts_as_changed_on_both_sides(void)
{
	/* A column added since the record was served, which the user set anyway. */
	assert_merge("{\"a\": 1}", "{\"a\": 1, \"new\": 7}", "{\"a\": 1, \"new\": null}", "", "new",
		     "");
	assert_merge("{\"a\": 1}", "{\"a\": 1, \"new\": null}", "{\"a\": 1, \"new\": null}", "", "",
		     "");
}

static void test_without_base_diffs_against_theirs(void)
{
	assert_merge(NULL, "{\"a\": 1, \"b\": \"y\", \"zz\": 0}", "{\"a\": 1, \"b\": \"x\"}", "b",
		     "", "zz");
}

static void test_writes_in_order_written(void)
{
	assert_merge("{\"a\": 0, \"b\": 0, \"c\": 0}", "{\"c\": 1, \"a\": 1, \"b\": 1}",
		     "{\"a\": 0, \"b\": 0, \"c\": 0}", "c,a,b", "", "");
}

static void test_vim_save_updates_only_changed_field(void)
{
	/* What the read path serves, what vim saves after one edit, what Salesforce did meanwhile.
	 */
	static const struct record_column columns[] = {
	    {"annualrevenue", RECORD_KIND_FLOAT},
	    {"industry", RECORD_KIND_STRING},
	    {"name", RECORD_KIND_STRING},
	    {"numberofemployees", RECORD_KIND_INTEGER},
	    {"systemmodstamp", RECORD_KIND_TIMESTAMP},
	};
	static const char *const served[] = {"1500000.5", "Energy", "Acme", "42",
					     "2023-10-01 12:34:56"};
	static const char *const now[] = {"1500000.5", "Energy", "Acme Corp", "42",
					  "2023-10-02 08:00:00"};
	g_autoptr(GString) base = g_string_new(NULL);
	g_autoptr(GString) theirs = g_string_new(NULL);
	record_render(columns, G_N_ELEMENTS(columns), served, base);
	record_render(columns, G_N_ELEMENTS(columns), now, theirs);

	GString *mine = g_string_new(base->str);
	g_assert_cmpuint(g_string_replace(mine, "\"Energy\"", "\"Utilities\"", 1), ==, 1);
	assert_merge(base->str, mine->str, theirs->str, "industry", "", "");
	g_string_free(mine, TRUE);
}

/* --- value equality ------------------------------------------------------------------------ */

static void test_numbers_compare_by_value(void)
{
	g_assert_true(json_values_equal("1", "1.0"));
	g_assert_true(json_values_equal("1", "1e0"));
	g_assert_true(json_values_equal("100", "1E+2"));
	g_assert_true(json_values_equal("0.5", "5e-1"));
	g_assert_true(json_values_equal("0", "-0"));
	g_assert_true(json_values_equal("0", "0.000e5"));
	g_assert_true(json_values_equal("123.45", "123.4500"));
	g_assert_false(json_values_equal("1", "-1"));
	g_assert_false(json_values_equal("1", "10"));
	g_assert_false(json_values_equal("0.1", "0.10000000000000001"));
	/* Exact, not through doubles: these are one double but two int8 values. */
	g_assert_false(json_values_equal("9223372036854775807", "9223372036854775806"));
	g_assert_true(json_values_equal("-9223372036854775808", "-9223372036854775808.0"));
}

static void test_strings_compare_by_bytes(void)
{
	g_assert_true(json_values_equal("\"caf\xc3\xa9\"", "\"caf\\u00e9\""));
	g_assert_false(json_values_equal("\"caf\xc3\xa9\"", "\"cafe\xcc\x81\"")); /* NFC vs NFD */
	g_assert_false(json_values_equal("\"a\"", "\"A\""));
	g_assert_false(json_values_equal("\"a\"", "\"a \""));
	g_assert_true(json_values_equal("\"\"", "\"\""));
}

static void test_values_of_different_types_never_equal(void)
{
	g_assert_false(json_values_equal("1", "\"1\""));
	g_assert_false(json_values_equal("null", "\"\""));
	g_assert_false(json_values_equal("null", "false"));
	g_assert_false(json_values_equal("0", "false"));
	g_assert_false(json_values_equal("true", "\"true\""));
	g_assert_false(json_values_equal("[]", "{}"));
	g_assert_false(json_values_equal("\"NaN\"", "null"));
	g_assert_true(json_values_equal("true", "true"));
	g_assert_false(json_values_equal("true", "false"));
	g_assert_true(json_values_equal("null", "null"));
}

static void test_nested_values_compare_canonically(void)
{
	g_assert_true(json_values_equal("{\"a\": 1, \"b\": [2, 3]}", "{\"b\":[2,3],\"a\":1}"));
	g_assert_true(json_values_equal("[\"\\u0041\"]", "[\"A\"]"));
	g_assert_false(json_values_equal("[1, 2]", "[2, 1]"));
	g_assert_false(json_values_equal("[1.0]", "[1]"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/record_merge/field_changed_by_me_is_written",
			test_field_changed_by_me_is_written);
	g_test_add_func("/record_merge/field_changed_by_them_is_kept",
			test_field_changed_by_them_is_kept);
	g_test_add_func("/record_merge/both_changed_to_same_value_is_not_a_conflict",
			test_both_changed_to_same_value_is_not_a_conflict);
	g_test_add_func("/record_merge/both_changed_to_different_values_is_a_conflict",
			test_both_changed_to_different_values_is_a_conflict);
	g_test_add_func("/record_merge/every_conflict_is_listed", test_every_conflict_is_listed);
	g_test_add_func("/record_merge/unchanged_record_writes_nothing",
			test_unchanged_record_writes_nothing);
	g_test_add_func("/record_merge/omitted_key_means_unchanged",
			test_omitted_key_means_unchanged);
	g_test_add_func("/record_merge/explicit_null_is_written", test_explicit_null_is_written);
	g_test_add_func("/record_merge/unknown_key_is_reported_not_written",
			test_unknown_key_is_reported_not_written);
	g_test_add_func("/record_merge/stale_key_left_as_served_is_ignored",
			test_stale_key_left_as_served_is_ignored);
	g_test_add_func("/record_merge/key_missing_from_base_counts_as_changed_on_both_sides",
			test_key_missing_from_base_counts_as_changed_on_both_sides);
	g_test_add_func("/record_merge/without_base_diffs_against_theirs",
			test_without_base_diffs_against_theirs);
	g_test_add_func("/record_merge/writes_in_order_written", test_writes_in_order_written);
	g_test_add_func("/record_merge/vim_save_updates_only_changed_field",
			test_vim_save_updates_only_changed_field);
	g_test_add_func("/record_merge/numbers_compare_by_value", test_numbers_compare_by_value);
	g_test_add_func("/record_merge/strings_compare_by_bytes", test_strings_compare_by_bytes);
	g_test_add_func("/record_merge/values_of_different_types_never_equal",
			test_values_of_different_types_never_equal);
	g_test_add_func("/record_merge/nested_values_compare_canonically",
			test_nested_values_compare_canonically);

	return g_test_run();
}
