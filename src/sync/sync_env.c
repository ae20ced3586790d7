#include "sync_env.h"

#include <poll.h>
#include <time.h>

#include "db_sync.h"
#include "log.h"

int64_t sync_env_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool sync_env_stopping(const struct sync_env *env)
{
	return env->stop && *env->stop;
}

bool sync_env_sleep(struct sync_env *env, long ms)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (sync_env_stopping(env))
			return false;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long done =
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (done >= ms)
			return true;
		struct pollfd p = {.fd = env->wake_fd, .events = POLLIN};
		poll(&p, env->wake_fd >= 0 ? 1 : 0, (int)(ms - done));
	}
}

bool sync_env_backoff(struct sync_env *env, const char *what, const struct sf_error *err,
		      unsigned *attempt)
{
	enum sync_retry_class cls = sync_retry_classify(err);
	if (cls == SYNC_RETRY_NO)
		return false;
	if (env->policy.max_attempts && *attempt + 1 >= env->policy.max_attempts) {
		log_error("%s: %s (gave up after %u attempts)", what, err->message, *attempt + 1);
		return false;
	}
	long delay = sync_retry_delay_ms(&env->policy, cls, *attempt, sync_retry_random(&env->rng));
	(*attempt)++;
	if (cls == SYNC_RETRY_LIMIT)
		log_warn("%s: Salesforce's API request limit is reached (%s); waiting %.1f s for "
			 "the limit window",
			 what, err->message, delay / 1000.0);
	else if (cls == SYNC_RETRY_LOGIN)
		log_error(
		    "%s: %s: fix the Salesforce login (forcefs status names its source); trying "
		    "again in %.0f s",
		    what, err->message, delay / 1000.0);
	else
		log_warn("%s: %s; retry %u in %.1f s", what, err->message, *attempt,
			 delay / 1000.0);
	return sync_env_sleep(env, delay);
}

bool sync_env_budget(struct sync_env *env)
{
	for (;;) {
		int64_t now = sync_env_now_ms();
		if (sync_budget_allows(&env->budget, now, 1)) {
			env->budget_warned = false;
			return true;
		}
		if (!env->budget_warned) {
			log_warn(
			    "the daily API budget of %ld calls is spent (sf_max_daily_api_calls): "
			    "changes stay queued until 00:00 UTC",
			    env->budget.max_per_day);
			env->budget_warned = true;
		}
		if (env->once)
			return false;
		int64_t wait = sync_budget_ms_until_renewal(now) + 1000;
		if (!sync_env_sleep(env, wait > 60000 ? 60000 : (long)wait))
			return false;
	}
}

struct account_ctx {
	struct sync_env *env;
	struct error *err;
	int rc;
	long total;
};

static void account_one(const char *object, unsigned long calls, void *ud)
{
	struct account_ctx *a = ud;
	gpointer old = g_hash_table_lookup(a->env->calls_flushed, object);
	unsigned long before = (unsigned long)GPOINTER_TO_SIZE(old);
	if (calls <= before || a->rc)
		return;
	a->rc = db_sync_count_calls(a->env->conn, a->env->schema, object, (long)(calls - before),
				    a->err);
	if (a->rc)
		return;
	a->total += (long)(calls - before);
	g_hash_table_replace(a->env->calls_flushed, g_strdup(object), GSIZE_TO_POINTER(calls));
}

int sync_env_account(struct sync_env *env, struct error *err)
{
	struct account_ctx a = {.env = env, .err = err};
	sf_client_foreach_calls(env->client, account_one, &a);
	if (a.total)
		sync_budget_charge(&env->budget, sync_env_now_ms(), a.total);
	long long used, max;
	if (a.rc == 0 && a.total && sf_client_api_usage(env->client, &used, &max))
		a.rc = db_sync_save_org_usage(env->conn, env->schema, used, max, err);
	return a.rc;
}
