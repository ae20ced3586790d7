/* sync_retry: the backoff schedule, the classes of failure, the daily API budget. */
#include "sync_retry.h"

#include <glib.h>

static struct sync_retry_policy policy(void)
{
	return (struct sync_retry_policy){
	    .base_ms = 100, .max_ms = 1600, .limit_base_ms = 1000, .limit_max_ms = 8000};
}

static void test_backoff_doubles_up_to_the_cap(void)
{
	struct sync_retry_policy p = policy();
	/* random = UINT32_MAX % (d - d/2 + 1) is not the max; use the bounds instead */
	long expect[] = {100, 200, 400, 800, 1600, 1600, 1600};
	for (unsigned a = 0; a < G_N_ELEMENTS(expect); a++) {
		for (uint32_t r = 0; r < 2000; r += 7) {
			long d = sync_retry_delay_ms(&p, SYNC_RETRY_BACKOFF, a, r);
			g_assert_cmpint(d, >=, expect[a] / 2);
			g_assert_cmpint(d, <=, expect[a]);
		}
		/* the extremes of the jitter are reachable */
		long half = expect[a] / 2;
		g_assert_cmpint(sync_retry_delay_ms(&p, SYNC_RETRY_BACKOFF, a, 0), ==, half);
		g_assert_cmpint(
		    sync_retry_delay_ms(&p, SYNC_RETRY_BACKOFF, a, (uint32_t)(expect[a] - half)),
		    ==, expect[a]);
	}
}

static void test_backoff_never_overflows(void)
{
	struct sync_retry_policy p = policy();
	for (unsigned a = 0; a < 200; a += 13)
		g_assert_cmpint(sync_retry_delay_ms(&p, SYNC_RETRY_BACKOFF, a, 12345), <=, 1600);
	p.max_ms = G_MAXLONG / 2;
	g_assert_cmpint(sync_retry_delay_ms(&p, SYNC_RETRY_BACKOFF, 1000, 1), >, 0);
}

static void test_limit_waits_use_their_own_longer_schedule(void)
{
	struct sync_retry_policy p = policy();
	g_assert_cmpint(sync_retry_delay_ms(&p, SYNC_RETRY_LIMIT, 0, 0), ==, 500);
	g_assert_cmpint(sync_retry_delay_ms(&p, SYNC_RETRY_LIMIT, 10, 0), ==, 4000);
	g_assert_cmpint(sync_retry_delay_ms(&p, SYNC_RETRY_LOGIN, 0, 0), ==, 800);
	g_assert_cmpint(sync_retry_delay_ms(&p, SYNC_RETRY_NO, 3, 99), ==, 0);
}

static void test_jitter_spreads_engines_apart(void)
{
	struct sync_retry_policy p = policy();
	uint64_t a = 1, b = 2;
	int same = 0;
	for (int i = 0; i < 100; i++)
		same += sync_retry_delay_ms(&p, SYNC_RETRY_BACKOFF, 4, sync_retry_random(&a)) ==
			sync_retry_delay_ms(&p, SYNC_RETRY_BACKOFF, 4, sync_retry_random(&b));
	g_assert_cmpint(same, <, 10);
}

static void test_errors_are_classified(void)
{
	struct {
		enum sf_error_kind kind;
		enum sync_retry_class cls;
	} cases[] = {
	    {SF_ERR_TRANSIENT_SERVER, SYNC_RETRY_BACKOFF},
	    {SF_ERR_TIMEOUT, SYNC_RETRY_BACKOFF},
	    {SF_ERR_NETWORK, SYNC_RETRY_BACKOFF},
	    {SF_ERR_LOCK_ROW, SYNC_RETRY_BACKOFF},
	    {SF_ERR_ROLLED_BACK, SYNC_RETRY_BACKOFF},
	    {SF_ERR_SESSION_EXPIRED, SYNC_RETRY_BACKOFF},
	    {SF_ERR_LIMIT_EXCEEDED, SYNC_RETRY_LIMIT},
	    {SF_ERR_AUTH, SYNC_RETRY_LOGIN},
	    {SF_ERR_INVALID_REQUEST, SYNC_RETRY_NO},
	    {SF_ERR_NOT_FOUND, SYNC_RETRY_NO},
	    {SF_ERR_PERMISSION, SYNC_RETRY_NO},
	    {SF_ERR_BAD_RESPONSE, SYNC_RETRY_NO},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct sf_error *e = sf_error_new(cases[i].kind, 0, NULL, "x");
		g_assert_cmpint(sync_retry_classify(e), ==, cases[i].cls);
		sf_error_free(e);
	}
	g_assert_cmpint(sync_retry_classify(NULL), ==, SYNC_RETRY_NO);
}

#define DAY (86400000LL)

static void test_budget_counts_per_utc_day(void)
{
	struct sync_budget b = {.max_per_day = 3};
	int64_t t = 20000 * DAY + 5000;
	g_assert_true(sync_budget_allows(&b, t, 3));
	sync_budget_charge(&b, t, 2);
	g_assert_true(sync_budget_allows(&b, t, 1));
	g_assert_false(sync_budget_allows(&b, t, 2));
	sync_budget_charge(&b, t + 1000, 1);
	g_assert_false(sync_budget_allows(&b, t + 2000, 1));
	/* midnight UTC renews it */
	g_assert_cmpint(sync_budget_ms_until_renewal(t), ==, DAY - 5000);
	g_assert_true(sync_budget_allows(&b, 20001 * DAY, 3));
	sync_budget_charge(&b, 20001 * DAY, 1);
	g_assert_cmpint(b.used, ==, 1);
	g_assert_cmpint(sync_budget_day(20001 * DAY - 1), ==, 20000);
	g_assert_cmpint(sync_budget_day(-1), ==, -1);
	struct sync_budget none = {0};
	g_assert_true(sync_budget_allows(&none, t, 1000000));
}

static void test_org_usage_exhausted(void)
{
	g_assert_true(sync_budget_org_exhausted(15000, 15000));
	g_assert_false(sync_budget_org_exhausted(14999, 15000));
	g_assert_false(sync_budget_org_exhausted(5, 0));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sync_retry/backoff_doubles_up_to_the_cap",
			test_backoff_doubles_up_to_the_cap);
	g_test_add_func("/sync_retry/backoff_never_overflows", test_backoff_never_overflows);
	g_test_add_func("/sync_retry/limit_waits_use_their_own_longer_schedule",
			test_limit_waits_use_their_own_longer_schedule);
	g_test_add_func("/sync_retry/jitter_spreads_engines_apart",
			test_jitter_spreads_engines_apart);
	g_test_add_func("/sync_retry/errors_are_classified", test_errors_are_classified);
	g_test_add_func("/sync_retry/budget_counts_per_utc_day", test_budget_counts_per_utc_day);
	g_test_add_func("/sync_retry/org_usage_exhausted", test_org_usage_exhausted);
	return g_test_run();
}
