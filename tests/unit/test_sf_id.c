/* sf_id: 15 <-> 18 character ids, validation, key prefixes. */
#include "sf_id.h"

#include <glib.h>
#include <string.h>

/* Real ids whose suffix was computed by Salesforce (reference/salesforce-api.md §7). */
static const char *const real_ids[] = {
    "003q000000KvQ1tAAF", "001M000001FgVKlIAN", "00190000001pPvHAAU", "001D000000IRFmaIAH",
    "005R0000000UyrWIAS", "a00D0000008pQRAIA2", "0018a00001rBqb8AAC", "001R00000033I6AIAU",
    "003RM0000068xV6YAI", "012000000000000AAA",
};

static void test_converts_15_to_18_like_salesforce(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(real_ids); i++) {
		char id15[16], out[SF_ID_BUF];
		memcpy(id15, real_ids[i], 15);
		id15[15] = '\0';
		g_assert_true(sf_id_to_18(id15, out));
		g_assert_cmpstr(out, ==, real_ids[i]);
		g_assert_true(sf_id_to_18(real_ids[i], out));
		g_assert_cmpstr(out, ==, real_ids[i]);
	}
}

static void test_validates_charset_length_and_checksum(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(real_ids); i++)
		g_assert_true(sf_id_is_valid(real_ids[i]));
	g_assert_true(sf_id_is_valid("001M000001FgVKl"));
	g_assert_true(sf_id_is_valid("001M000001FgVKlian"));  /* suffix in any case */
	g_assert_false(sf_id_is_valid("001M000001FgVKlIAA")); /* wrong checksum */
	g_assert_false(sf_id_is_valid("001m000001FgVKlIAN")); /* case changed */
	g_assert_false(sf_id_is_valid("001M000001FgVK"));
	g_assert_false(sf_id_is_valid("001M000001FgVKlIA"));
	g_assert_false(sf_id_is_valid("001M000001FgVKlIAN1"));
	g_assert_false(sf_id_is_valid("001M00000-FgVKl"));
	g_assert_false(sf_id_is_valid("001M000001FgVK l"));
	g_assert_false(sf_id_is_valid(""));
	g_assert_false(sf_id_is_valid(NULL));
	char out[SF_ID_BUF] = "x";
	g_assert_false(sf_id_to_18("nope", out));
	g_assert_cmpstr(out, ==, "");
}

static void test_restores_case_of_folded_id(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(real_ids); i++) {
		char *lower = g_ascii_strdown(real_ids[i], -1);
		char *upper = g_ascii_strup(real_ids[i], -1);
		char out[SF_ID_BUF];
		g_assert_true(sf_id_restore_case(lower, out));
		g_assert_cmpstr(out, ==, real_ids[i]);
		g_assert_true(sf_id_restore_case(upper, out));
		g_assert_cmpstr(out, ==, real_ids[i]);
		g_assert_true(sf_id_equal(lower, real_ids[i]));
		g_free(lower);
		g_free(upper);
	}
	char out[SF_ID_BUF];
	g_assert_false(sf_id_restore_case("001M000001FgVKl", out));
	g_assert_false(sf_id_restore_case("001M000001FgVKl!AN", out));
	g_assert_false(sf_id_restore_case("00000000000000055A", out)); /* digit marked upper */
}

static void test_equal_compares_records_not_spellings(void)
{
	g_assert_true(sf_id_equal("001M000001FgVKl", "001M000001FgVKlIAN"));
	g_assert_false(sf_id_equal("001M000001FgVKl", "001M000001FgVKL"));
	g_assert_false(sf_id_equal("001M000001FgVKl", "bad"));
}

static void test_key_prefix(void)
{
	char prefix[4];
	g_assert_true(sf_id_key_prefix("a00D0000008pQRAIA2", prefix));
	g_assert_cmpstr(prefix, ==, "a00");
	g_assert_true(sf_id_key_prefix("001M000001FgVKl", prefix));
	g_assert_cmpstr(prefix, ==, "001");
	g_assert_false(sf_id_key_prefix("00", prefix));
	g_assert_cmpstr(prefix, ==, "");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sf_id/converts_15_to_18_like_salesforce",
			test_converts_15_to_18_like_salesforce);
	g_test_add_func("/sf_id/validates_charset_length_and_checksum",
			test_validates_charset_length_and_checksum);
	g_test_add_func("/sf_id/restores_case_of_folded_id", test_restores_case_of_folded_id);
	g_test_add_func("/sf_id/equal_compares_records_not_spellings",
			test_equal_compares_records_not_spellings);
	g_test_add_func("/sf_id/key_prefix", test_key_prefix);
	return g_test_run();
}
