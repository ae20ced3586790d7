/*
 * sync_retry: when the sync engine tries a Salesforce call again, and how many calls
 * it may make today (docs/contract.md §7, docs/sync.md "Retries" and "API budget").
 *
 * Pure: no I/O and no clock of its own. Times and random numbers are passed in, so
 * the schedule is the same in unit tests as in the engine.
 *
 * Classes of failure (sync_retry_classify()):
 *   SYNC_RETRY_NO       permanent: the record or request is wrong; do not repeat it
 *   SYNC_RETRY_BACKOFF  HTTP 5xx, timeouts, network errors, UNABLE_TO_LOCK_ROW, rolled
 *                       back with another record, an expired session (the client logs
 *                       in again on the next call): exponential backoff with jitter,
 *                       base_ms * 2^attempt capped at max_ms
 *   SYNC_RETRY_LIMIT    REQUEST_LIMIT_EXCEEDED (the org's rolling 24-hour allowance is
 *                       spent, or too many concurrent requests): the same schedule on a
 *                       longer scale, limit_base_ms up to limit_max_ms
 *   SYNC_RETRY_LOGIN    the login itself was refused (bad or revoked credentials):
 *                       nothing will change by itself, so the longest wait, max_ms
 *
 * Jitter is "equal jitter": a delay d becomes a uniformly random value in [d/2, d], so
 * engines that failed together do not retry together, and no delay is shorter than half
 * the schedule.
 */
#ifndef FORCEFS_SYNC_RETRY_H
#define FORCEFS_SYNC_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "sf_error.h"

enum sync_retry_class {
	SYNC_RETRY_NO,
	SYNC_RETRY_BACKOFF,
	SYNC_RETRY_LIMIT,
	SYNC_RETRY_LOGIN,
};

struct sync_retry_policy {
	long base_ms;	       /* first delay after a transient failure (default 500) */
	long max_ms;	       /* longest delay (default 60000) */
	long limit_base_ms;    /* first wait after REQUEST_LIMIT_EXCEEDED (default 60000) */
	long limit_max_ms;     /* longest such wait (default 900000: 15 minutes) */
	unsigned max_attempts; /* give up after this many tries; 0 = never (the daemon) */
};

#define SYNC_RETRY_DEFAULT_BASE_MS	 500L
#define SYNC_RETRY_DEFAULT_MAX_MS	 60000L
#define SYNC_RETRY_DEFAULT_LIMIT_BASE_MS 60000L
#define SYNC_RETRY_DEFAULT_LIMIT_MAX_MS	 900000L

/* The defaults above, with max_attempts 0. */
struct sync_retry_policy sync_retry_default_policy(void);

/* How to treat `err` (NULL: SYNC_RETRY_NO). */
enum sync_retry_class sync_retry_classify(const struct sf_error *err);

/* The delay before attempt number `attempt` + 1, after `attempt` failures (attempt 0 is
 * the first retry), for class `cls` (SYNC_RETRY_NO gives 0). `random` is any 32-bit
 * random number; the result is in [d/2, d] where d = min(cap, base * 2^attempt). */
long sync_retry_delay_ms(const struct sync_retry_policy *policy, enum sync_retry_class cls,
			 unsigned attempt, uint32_t random);

/* A small, fast pseudo-random generator (splitmix64) for jitter; `state` is any seed. */
uint32_t sync_retry_random(uint64_t *state);

/*
 * The daily API budget: sf_max_daily_api_calls (default 30000, as Heroku Connect's).
 * Days are UTC days, numbered from the epoch; the count is kept in the state table so it
 * survives restarts (db_sync).
 */
#define SYNC_DEFAULT_MAX_DAILY_API_CALLS 30000L

struct sync_budget {
	long max_per_day; /* 0: no cap */
	int64_t day;	  /* the UTC day `used` counts */
	long used;	  /* calls made that day */
};

/* The UTC day number of `now_ms` (milliseconds since the epoch). */
int64_t sync_budget_day(int64_t now_ms);

/* Whether `calls` more calls fit in today's budget (a new day starts from zero). */
bool sync_budget_allows(const struct sync_budget *budget, int64_t now_ms, long calls);

/* Counts `calls` calls made at `now_ms`, starting a new day when the day changed. */
void sync_budget_charge(struct sync_budget *budget, int64_t now_ms, long calls);

/* Milliseconds from `now_ms` to the next UTC midnight, when the budget is renewed. */
int64_t sync_budget_ms_until_renewal(int64_t now_ms);

/* Whether a Sforce-Limit-Info "api-usage=used/max" says the org's allowance is spent. */
bool sync_budget_org_exhausted(long long used, long long max);

#endif
