/* Additive aggregates: totals and the keyed breakdowns (dsn, domain, relay, hour, program);
 * reasons and rejects are in agg_reasons.c. */
#include <string.h>

#include "agg/agg.h"
#include "agg/agg_internal.h"
#include "common/ascii.h"
#include "common/hash.h"

void pft_agg_init(struct pft_agg *agg)
{
	memset(&agg->t, 0, sizeof agg->t);
	agg->last_hour = PFT_STAMP_NONE;
	agg->last_hour_cell = NULL;
	pft_strmap_init(&agg->dsn, sizeof(uint64_t));
	pft_strmap_init(&agg->domains, sizeof(struct pft_counts));
	pft_strmap_init(&agg->relays, sizeof(struct pft_counts));
	pft_strmap_init(&agg->hours, sizeof(struct pft_counts));
	pft_strmap_init(&agg->programs, sizeof(uint64_t));
	pft_strmap_cache_init(&agg->dsn_cache);
	pft_strmap_cache_init(&agg->domain_cache);
	pft_strmap_cache_init(&agg->relay_cache);
	pft_agg_reasons_init(agg);
	pft_agg_series_init(&agg->series);
}

void pft_agg_free(struct pft_agg *agg)
{
	pft_strmap_free(&agg->dsn);
	pft_strmap_free(&agg->domains);
	pft_strmap_free(&agg->relays);
	pft_strmap_free(&agg->hours);
	pft_strmap_free(&agg->programs);
	pft_strmap_cache_init(&agg->dsn_cache); /* they pointed into the maps */
	pft_strmap_cache_init(&agg->domain_cache);
	pft_strmap_cache_init(&agg->relay_cache);
	pft_agg_reasons_free(agg);
	pft_agg_series_free(&agg->series);
}

void pft_counts_add(struct pft_counts *dst, const struct pft_counts *src)
{
	for (int i = 0; i < PFT_DS_COUNT; i++)
		dst->attempts[i] += src->attempts[i];
	for (int i = 0; i < PFT_OUT_COUNT; i++)
		dst->recipients[i] += src->recipients[i];
}

static void totals_add(struct pft_totals *dst, const struct pft_totals *src)
{
	/* struct pft_totals is all uint64_t counters (static_assert below). */
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;
	for (size_t i = 0; i < sizeof *dst / sizeof(uint64_t); i++)
		d[i] += s[i];
}
_Static_assert(sizeof(struct pft_totals) % sizeof(uint64_t) == 0, "totals are uint64_t only");

struct pft_counts *pft_agg_counts(struct pft_strmap *map, const void *key, size_t len)
{
	return pft_strmap_upsert(map, key, len, pft_hash_bytes(key, len, 0), NULL);
}

struct pft_counts *pft_agg_hour(struct pft_agg *agg, pft_stamp when)
{
	pft_stamp hour = pft_stamp_hour(when);
	if (hour == agg->last_hour && agg->last_hour_cell != NULL)
		return agg->last_hour_cell;
	struct pft_counts *cell = pft_agg_counts(&agg->hours, &hour, sizeof hour);
	agg->last_hour = hour;
	agg->last_hour_cell = cell;
	return cell;
}

static inline uint64_t load8(const char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* The last '@' of p[0..len), or NULL. A word at a time from the end: the domain, where it is
 * found, is a word or two, and a memrchr() call costs more than that. */
static inline const char *last_at(const char *p, size_t len)
{
	const uint64_t lo7 = 0x7F7F7F7F7F7F7F7Full;
	size_t i = len;
	while (i >= 8) {
		i -= 8;
		const uint64_t x = load8(p + i) ^ 0x4040404040404040ull; /* '@' bytes become 0 */
		const uint64_t zero = ~(((x & lo7) + lo7) | x | lo7);    /* exact: bit 7 of each */
		if (zero != 0)
			return p + i + (63 - (unsigned)__builtin_clzll(zero)) / 8;
	}
	while (i > 0)
		if (p[--i] == '@')
			return p + i;
	return NULL;
}

static const char no_domain[] = "(none)";

/* The bytes of addr whose lower case is its domain key: those after the last '@', or
 * no_domain when there are none. */
static inline const char *domain_bytes(const char *addr, size_t len, size_t *n)
{
	const char *at = last_at(addr, len);
	*n = at ? len - (size_t)(at + 1 - addr) : 0;
	if (*n == 0) {
		*n = sizeof no_domain - 1;
		return no_domain;
	}
	return at + 1;
}

size_t pft_domain_key(const char *addr, size_t len, char *buf, size_t size)
{
	size_t n;
	const char *domain = domain_bytes(addr, len, &n);
	if (n > size && domain != no_domain) /* "(none)" is written whole */
		n = size;
	pft_ascii_lower_copy(buf, domain, n);
	return n;
}

/* The cell of key in map, remembered in cache (the map's cache). */
static void *cell_to_cache(struct pft_strmap *map, struct pft_strmap_cache *cache,
			   const void *key, size_t len)
{
	void *cell = pft_strmap_upsert(map, key, len, pft_hash_bytes(key, len, 0), NULL);
	if (cell != NULL)
		pft_strmap_cache_put(map, cache, cell, len);
	return cell;
}

/* Inline: the DSN's key has a constant length, and the compiler makes its hit a few
 * instructions. */
static inline void *cached_cell(struct pft_strmap *map, struct pft_strmap_cache *cache,
				const void *key, size_t len)
{
	void *cell = pft_strmap_cache_find(map, cache, key, len);
	return cell != NULL ? cell : cell_to_cache(map, cache, key, len);
}

/* pft_agg_domain() when the cache does not have the domain: its key is made (out of line: the
 * common path saves fewer registers). */
static __attribute__((noinline)) struct pft_counts *
domain_cell_to_cache(struct pft_agg *agg, const char *domain, size_t *n)
{
	char key[PFT_DOMAIN_KEY_MAX];
	*n = *n < sizeof key ? *n : sizeof key;
	pft_ascii_lower_copy(key, domain, *n);
	return cell_to_cache(&agg->domains, &agg->domain_cache, key, *n);
}

struct pft_counts *pft_agg_domain(struct pft_agg *agg, const char *addr, size_t len,
				  size_t *key_len)
{
	size_t n;
	const char *domain = domain_bytes(addr, len, &n);
	/* The cache holds keys, which are lower case: a domain logged in lower case (nearly
	 * all are) is found as it is, without making its key. */
	struct pft_counts *cell =
		pft_strmap_cache_find(&agg->domains, &agg->domain_cache, domain, n);
	if (cell == NULL)
		cell = domain_cell_to_cache(agg, domain, &n);
	if (key_len != NULL)
		*key_len = n;
	return cell;
}

struct pft_counts *pft_agg_relay(struct pft_agg *agg, const char *relay, size_t len)
{
	return cached_cell(&agg->relays, &agg->relay_cache, relay, len);
}

static enum pft_status add_counts_map(struct pft_strmap *dst, const struct pft_strmap *src)
{
	PFT_STRMAP_FOREACH(src, e)
	{
		struct pft_counts *c = pft_strmap_upsert(dst, e->key, e->key_len, e->hash, NULL);
		if (c == NULL)
			return PFT_ERR_NOMEM;
		pft_counts_add(c, e->value);
	}
	return PFT_OK;
}

static enum pft_status add_number_map(struct pft_strmap *dst, const struct pft_strmap *src)
{
	PFT_STRMAP_FOREACH(src, e)
	{
		uint64_t *n = pft_strmap_upsert(dst, e->key, e->key_len, e->hash, NULL);
		if (n == NULL)
			return PFT_ERR_NOMEM;
		*n += *(const uint64_t *)e->value;
	}
	return PFT_OK;
}

enum pft_status pft_agg_add(struct pft_agg *dst, const struct pft_agg *src, int32_t year_shift)
{
	totals_add(&dst->t, &src->t);
	PFT_TRY(add_number_map(&dst->dsn, &src->dsn));
	PFT_TRY(add_counts_map(&dst->domains, &src->domains));
	PFT_TRY(add_counts_map(&dst->relays, &src->relays));
	PFT_TRY(add_number_map(&dst->programs, &src->programs));
	PFT_STRMAP_FOREACH(&src->hours, e)
	{
		pft_stamp hour;
		memcpy(&hour, e->key, sizeof hour);
		hour = pft_stamp_shift_year(hour, year_shift);
		struct pft_counts *c = pft_agg_counts(&dst->hours, &hour, sizeof hour);
		if (c == NULL)
			return PFT_ERR_NOMEM;
		pft_counts_add(c, e->value);
	}
	PFT_TRY(pft_agg_series_add(dst, src, year_shift));
	return pft_agg_reasons_add(dst, src);
}

struct pft_attempt pft_attempt_of(const struct pft_event *ev, pft_stamp when)
{
	return (struct pft_attempt){
		.status = ev->status,
		.dsn = ev->dsn,
		.when = when,
		.times = ev->repeated > 0 ? ev->repeated : 1,
		.reply_code = ev->reply_code,
		.to = ev->to,
		.relay_host = ev->relay_host,
		.reason = ev->reason_text,
	};
}

enum pft_status pft_agg_count_attempt(struct pft_agg *agg, const struct pft_attempt *a)
{
	enum pft_dstatus st = pft_attempt_status(a->status);
	uint64_t times = a->times;
	agg->t.all.attempts[st] += times;
	if (a->dsn != 0) {
		uint64_t *n = cached_cell(&agg->dsn, &agg->dsn_cache, &a->dsn, sizeof a->dsn);
		if (n == NULL)
			return PFT_ERR_NOMEM;
		*n += times;
	}
	size_t dn;
	struct pft_counts *by_domain = pft_agg_domain(agg, a->to.p, a->to.n, &dn);
	struct pft_counts *by_relay = pft_agg_relay(agg, a->relay_host.p, a->relay_host.n);
	struct pft_counts *by_hour = pft_agg_hour(agg, a->when);
	if (by_domain == NULL || by_relay == NULL || by_hour == NULL)
		return PFT_ERR_NOMEM;
	by_domain->attempts[st] += times;
	by_relay->attempts[st] += times;
	by_hour->attempts[st] += times;
	PFT_TRY(pft_agg_series_count(agg, a, st, by_domain, dn, by_relay));
	return pft_agg_count_attempt_reason(agg, a);
}
