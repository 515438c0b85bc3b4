/* What is counted: filters, and the sink that keeps time-filtered counts apart until the
 * years of BSD stamps are known (see struct pft_filter in pftally/result.h). */
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "agg/agg_internal.h"

int pft_filter_domain_match(const char *const *v, size_t nv, const char *d, size_t n)
{
	for (size_t i = 0; i < nv; i++) {
		const size_t m = strlen(v[i]);
		if (m == n && memcmp(v[i], d, n) == 0)
			return 1;
		if (m < n && d[n - m - 1] == '.' && memcmp(v[i], d + n - m, m) == 0)
			return 1;
	}
	return 0;
}

static uint32_t civil_pos(const struct pft_civil *c)
{
	return pft_year_pos(c->month, c->day, (uint32_t)c->hour * 3600u + c->min * 60u + c->sec);
}

/* Is the wall-clock instant (year, position in the year) inside [since, until)? */
static int in_range(const struct pft_filter *f, int32_t year, uint32_t pos)
{
	if (f->has_since) {
		const int32_t y = f->since.year;
		if (year < y || (year == y && pos < civil_pos(&f->since)))
			return 0;
	}
	if (f->has_until) {
		const int32_t y = f->until.year;
		if (year > y || (year == y && pos >= civil_pos(&f->until)))
			return 0;
	}
	return 1;
}

/* The positions where a relative year is cut in three classes. */
static void cuts(const struct pft_filter *f, uint32_t *lo, uint32_t *hi)
{
	uint32_t a = f->has_since ? civil_pos(&f->since) : civil_pos(&f->until);
	uint32_t b = f->has_until ? civil_pos(&f->until) : a;
	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
}

#define SEG_MAIN 0
#define SEG_OUT 1

uint64_t pft_sink_seg_key(const struct pft_filter *f, pft_stamp when)
{
	if (f == NULL || !(f->has_since || f->has_until) || when == PFT_STAMP_NONE)
		return SEG_MAIN;
	const uint32_t pos = pft_year_pos(pft_stamp_month(when), pft_stamp_day(when),
					  pft_stamp_sec(when));
	if (!pft_stamp_is_relative(when))
		return in_range(f, pft_stamp_year(when), pos) ? SEG_MAIN : SEG_OUT;
	uint32_t lo, hi;
	cuts(f, &lo, &hi);
	const uint64_t cls = (uint64_t)(pos >= lo) + (pos >= hi);
	/* the stamp's clock and year (bits 32..63; bit 63 is set) and the class */
	return (when & ~(uint64_t)0xFFFFFFFF) | (cls + 2);
}

int pft_sink_seg_in(const struct pft_filter *f, uint64_t key, int32_t year)
{
	uint32_t lo, hi;
	cuts(f, &lo, &hi);
	const uint64_t cls = (key & 0xFFFFFFFF) - 2;
	return in_range(f, year, cls == 0 ? 0 : cls == 1 ? lo : hi);
}

struct pft_agg *pft_sink_seg_agg(struct pft_sink *sink, uint64_t key)
{
	if (sink->last_seg < sink->n_segs && sink->segs[sink->last_seg]->key == key)
		return &sink->segs[sink->last_seg]->agg;
	for (size_t i = 0; i < sink->n_segs; i++)
		if (sink->segs[i]->key == key) {
			sink->last_seg = i;
			return &sink->segs[i]->agg;
		}
	struct pft_seg **grown = realloc(sink->segs, (sink->n_segs + 1) * sizeof *grown);
	struct pft_seg *seg = malloc(sizeof *seg);
	if (grown != NULL)
		sink->segs = grown;
	if (grown == NULL || seg == NULL) {
		free(seg);
		sink->nomem = 1;
		return NULL;
	}
	seg->key = key;
	pft_agg_init(&seg->agg);
	sink->segs[sink->n_segs] = seg;
	sink->last_seg = sink->n_segs++;
	return &seg->agg;
}

struct pft_agg *pft_sink_at(struct pft_sink *sink, pft_stamp when)
{
	const uint64_t key = pft_sink_seg_key(sink->filter, when);
	if (key == SEG_MAIN)
		return sink->agg;
	if (key == SEG_OUT)
		return NULL;
	return pft_sink_seg_agg(sink, key);
}

void pft_sink_free(struct pft_sink *sink)
{
	for (size_t i = 0; i < sink->n_segs; i++) {
		pft_agg_free(&sink->segs[i]->agg);
		free(sink->segs[i]);
	}
	free(sink->segs);
	sink->segs = NULL;
	sink->n_segs = sink->last_seg = 0;
	pft_hop_list_free(&sink->handoffs);
}

enum pft_status pft_sink_count_attempt(struct pft_sink *sink, const struct pft_attempt *a)
{
	const struct pft_filter *f = sink->filter;
	if (f != NULL && f->n_domains > 0) {
		char domain[PFT_DOMAIN_KEY_MAX];
		size_t dn = pft_domain_key(a->to.p, a->to.n, domain, sizeof domain);
		if (!pft_filter_domain_match(f->domains, f->n_domains, domain, dn))
			return PFT_OK;
	}
	struct pft_agg *agg = pft_sink_at(sink, a->when);
	if (agg == NULL)
		return sink->nomem ? PFT_ERR_NOMEM : PFT_OK;
	return pft_agg_count_attempt(agg, a);
}

enum pft_status pft_hop_list_add(struct pft_hop_list *l, const char *key, size_t len,
				 pft_stamp at, uint64_t count)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct pft_hop_ev *grown = realloc(l->v, cap * sizeof *grown);
		if (grown == NULL)
			return PFT_ERR_NOMEM;
		l->v = grown;
		l->cap = cap;
	}
	char *copy = malloc(len ? len : 1);
	if (copy == NULL)
		return PFT_ERR_NOMEM;
	memcpy(copy, key, len);
	l->v[l->n++] = (struct pft_hop_ev){.key = copy, .key_len = (uint32_t)len, .at = at,
					   .count = count};
	return PFT_OK;
}

void pft_hop_list_free(struct pft_hop_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].key);
	free(l->v);
	memset(l, 0, sizeof *l);
}
