#include "sync_retry.h"

#define MS_PER_DAY (24LL * 3600 * 1000)

struct sync_retry_policy sync_retry_default_policy(void)
{
	return (struct sync_retry_policy){
	    .base_ms = SYNC_RETRY_DEFAULT_BASE_MS,
	    .max_ms = SYNC_RETRY_DEFAULT_MAX_MS,
	    .limit_base_ms = SYNC_RETRY_DEFAULT_LIMIT_BASE_MS,
	    .limit_max_ms = SYNC_RETRY_DEFAULT_LIMIT_MAX_MS,
	    .max_attempts = 0,
	};
}

enum sync_retry_class sync_retry_classify(const struct sf_error *err)
{
	if (!err)
		return SYNC_RETRY_NO;
	switch (err->kind) {
	case SF_ERR_LIMIT_EXCEEDED:
		return SYNC_RETRY_LIMIT;
	case SF_ERR_LOCK_ROW:
	case SF_ERR_ROLLED_BACK:
	case SF_ERR_TRANSIENT_SERVER:
	case SF_ERR_TIMEOUT:
	case SF_ERR_NETWORK:
	case SF_ERR_SESSION_EXPIRED: /* the next call logs in again */
		return SYNC_RETRY_BACKOFF;
	case SF_ERR_AUTH:
		return SYNC_RETRY_LOGIN;
	default:
		return SYNC_RETRY_NO;
	}
}

static long capped_exponential(long base, long cap, unsigned attempt)
{
	if (base < 1)
		base = 1;
	if (cap < base)
		cap = base;
	long d = base;
	for (unsigned i = 0; i < attempt && d < cap; i++)
		d = d > cap / 2 ? cap : d * 2;
	return d < cap ? d : cap;
}

long sync_retry_delay_ms(const struct sync_retry_policy *p, enum sync_retry_class cls,
			 unsigned attempt, uint32_t random)
{
	long d;
	switch (cls) {
	case SYNC_RETRY_BACKOFF:
		d = capped_exponential(p->base_ms, p->max_ms, attempt);
		break;
	case SYNC_RETRY_LIMIT:
		d = capped_exponential(p->limit_base_ms, p->limit_max_ms, attempt);
		break;
	case SYNC_RETRY_LOGIN:
		d = p->max_ms > 0 ? p->max_ms : 1;
		break;
	default:
		return 0;
	}
	long half = d / 2;
	return half + (long)(random % (uint32_t)(d - half + 1));
}

uint32_t sync_retry_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

int64_t sync_budget_day(int64_t now_ms)
{
	/* floor division: days before the epoch are negative */
	return now_ms >= 0 ? now_ms / MS_PER_DAY : -((-now_ms + MS_PER_DAY - 1) / MS_PER_DAY);
}

bool sync_budget_allows(const struct sync_budget *b, int64_t now_ms, long calls)
{
	if (b->max_per_day <= 0)
		return true;
	long used = b->day == sync_budget_day(now_ms) ? b->used : 0;
	return used + calls <= b->max_per_day;
}

void sync_budget_charge(struct sync_budget *b, int64_t now_ms, long calls)
{
	int64_t day = sync_budget_day(now_ms);
	if (day != b->day) {
		b->day = day;
		b->used = 0;
	}
	b->used += calls;
}

int64_t sync_budget_ms_until_renewal(int64_t now_ms)
{
	return (sync_budget_day(now_ms) + 1) * MS_PER_DAY - now_ms;
}

bool sync_budget_org_exhausted(long long used, long long max)
{
	return max > 0 && used >= max;
}
