/* pftally — trace's chunk filters: a byte string (two-byte SIMD filter) and a set of queue IDs
 * as tokens (colons after a space-delimited word). Each has a scalar reference and an AVX2
 * kernel (target attribute, no global -mavx2), chosen once; PFT_FORCE_SCAN=scalar or sse2
 * forces the scalar one, so tests compare both. */
#include "trace/trace_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/ascii.h"
#include "common/hash.h"
#include "scan/scan.h"

/* How common a byte is in Postfix log text, 0 (rare) .. 255: the filter bytes are the two
 * rarest of the needle, so that few places pass the filter. Rough counts of a real log. */
static unsigned byte_rank(unsigned char c)
{
	if (c == ' ' || c == 'e' || c == 'a' || c == 'o' || c == 't' || c == 's' || c == 'r' ||
	    c == 'i' || c == 'n')
		return 250;
	if (c >= '0' && c <= '9')
		return 230;
	if (c >= 'a' && c <= 'z')
		return 200;
	if (c == '.' || c == ':' || c == '=' || c == ',' || c == '/' || c == '[' || c == ']')
		return 210;
	if (c == '<' || c == '>' || c == '-' || c == '(' || c == ')')
		return 150;
	if (c >= 'A' && c <= 'Z')
		return 120;
	if (c == '@')
		return 110;
	return 60;
}

static int is_alpha(unsigned char c)
{
	return (unsigned)((c | 0x20) - 'a') < 26;
}


void pft_trace_needle_init(struct pft_trace_needle *nd, const char *bytes, size_t len, int fold)
{
	memset(nd, 0, sizeof *nd);
	nd->bytes = bytes;
	nd->len = len;
	nd->fold = (uint8_t)(fold != 0);
	/* Case-folded letters match two byte values: they count as commoner. */
	size_t best = 0, second = 0;
	unsigned rank_best = 1000, rank_second = 1000;
	for (size_t i = 0; i < len; i++) {
		const unsigned char c = (unsigned char)bytes[i];
		const unsigned r =
			byte_rank(fold ? pft_ascii_lower(c) : c) + (fold && is_alpha(c) ? 20u : 0u);
		if (r < rank_best) {
			second = best, rank_second = rank_best;
			best = i, rank_best = r;
		} else if (r <= rank_second) { /* ties: the later byte, farther apart */
			second = i, rank_second = r;
		}
	}
	if (len == 1)
		second = best;
	nd->i1 = best < second ? best : second;
	nd->i2 = best < second ? second : best;
	unsigned char c1 = (unsigned char)bytes[nd->i1], c2 = (unsigned char)bytes[nd->i2];
	nd->fold1 = (uint8_t)(fold && is_alpha(c1));
	nd->fold2 = (uint8_t)(fold && is_alpha(c2));
	nd->b1 = nd->fold1 ? pft_ascii_lower(c1) : c1;
	nd->b2 = nd->fold2 ? pft_ascii_lower(c2) : c2;
}

static int needle_at(const struct pft_trace_needle *nd, const char *p)
{
	if (!nd->fold)
		return memcmp(p, nd->bytes, nd->len) == 0;
	for (size_t i = 0; i < nd->len; i++)
		if (pft_ascii_lower((unsigned char)p[i]) != pft_ascii_lower((unsigned char)nd->bytes[i]))
			return 0;
	return 1;
}

static size_t needle_find_scalar(const struct pft_trace_needle *nd, const char *h, size_t n)
{
	if (n < nd->len)
		return n;
	const size_t last = n - nd->len; /* last possible start */
	if (!nd->fold1) {
		/* memchr on the rarest byte, at its place in the needle. */
		const char *p = h + nd->i1, *end = h + last + nd->i1 + 1;
		while (p < end && (p = memchr(p, nd->b1, (size_t)(end - p))) != NULL) {
			const char *start = p - nd->i1;
			if (needle_at(nd, start))
				return (size_t)(start - h);
			p++;
		}
		return n;
	}
	for (size_t i = 0; i <= last; i++)
		if ((h[i + nd->i1] | 0x20) == (char)nd->b1 && needle_at(nd, h + i))
			return i;
	return n;
}

/* ---- queue-ID tokens ------------------------------------------------------------------------ */

void pft_trace_qidset_init(struct pft_trace_qidset *s)
{
	memset(s, 0, sizeof *s);
	pft_strmap_init(&s->map, sizeof(uint32_t));
}

void pft_trace_qidset_free(struct pft_trace_qidset *s)
{
	pft_strmap_free(&s->map);
	free(s->bloom);
	memset(s, 0, sizeof *s);
}

static inline uint64_t qid_hash(const char *p, size_t len)
{
	return pft_hash_bytes(p, len, 0x51D5EEDull);
}

/* The bit filter's index: the last four bytes of a token of >= 4 bytes and its length, one
 * multiply (cheaper than the map's hash, which only tokens that pass are given). */
static inline uint32_t bloom_bit(const char *end, size_t len)
{
	uint32_t w;
	memcpy(&w, end - 4, 4);
	return (uint32_t)(((uint64_t)(w ^ (uint32_t)len << 27) * 0x9E3779B97F4A7C15ull) >> 48);
}

static inline int bloom_has(const uint64_t *bloom, uint32_t bit)
{
	return (int)(bloom[bit >> 6] >> (bit & 63)) & 1;
}

int pft_trace_qidset_add(struct pft_trace_qidset *s, const char *qid, size_t len)
{
	if (len == 0 || len > PFT_TRACE_QID_MAX)
		return 0;
	if (s->bloom == NULL && (s->bloom = calloc(PFT_TRACE_BLOOM_BITS / 64, 8)) == NULL)
		return -1;
	const uint64_t h = qid_hash(qid, len);
	int added = 0;
	uint32_t *holders = pft_strmap_upsert(&s->map, qid, len, h, &added);
	if (holders == NULL)
		return -1;
	++*holders;
	/* Members shorter than 4 bytes (no real queue ID is) skip the bit filter. */
	if (len >= 4) {
		const uint32_t bit = bloom_bit(qid + len, len);
		s->bloom[bit >> 6] |= 1ull << (bit & 63);
	}
	s->lengths |= 1u << len;
	return added;
}

void pft_trace_qidset_release(struct pft_trace_qidset *s, const char *qid, size_t len)
{
	if (len == 0 || len > PFT_TRACE_QID_MAX)
		return;
	const uint64_t h = qid_hash(qid, len);
	uint32_t *holders = pft_strmap_find(&s->map, qid, len, h);
	/* The bloom bit stays: a false positive the map then rules out. */
	if (holders != NULL && --*holders == 0)
		pft_strmap_remove(&s->map, qid, len, h);
}

int pft_trace_qidset_has(const struct pft_trace_qidset *s, const char *qid, size_t len)
{
	if (len == 0 || len > PFT_TRACE_QID_MAX || !(s->lengths >> len & 1u))
		return 0;
	return pft_strmap_find(&s->map, qid, len, qid_hash(qid, len)) != NULL;
}

/* The colon at h[p] ends a member preceded by a space. p >= PFT_TRACE_QID_MAX + 1 or the
 * lengths are checked against p. */
static inline int token_at(const struct pft_trace_qidset *s, const char *h, size_t p)
{
	for (uint32_t ls = s->lengths; ls != 0; ls &= ls - 1) {
		const size_t len = (size_t)__builtin_ctz(ls);
		if (len + 1 > p || h[p - len - 1] != ' ')
			continue;
		if (len >= 4 && !bloom_has(s->bloom, bloom_bit(h + p, len)))
			continue;
		if (pft_strmap_find(&s->map, h + p - len, len, qid_hash(h + p - len, len)) != NULL)
			return 1;
	}
	return 0;
}

static size_t qidset_next_scalar(const struct pft_trace_qidset *s, const char *h, size_t from,
				 size_t n)
{
	const char *p = h + from, *end = h + n;
	while (p + 1 < end && (p = memchr(p, ':', (size_t)(end - 1 - p))) != NULL) {
		if (p[1] == ' ' && token_at(s, h, (size_t)(p - h)))
			return (size_t)(p - h);
		p++;
	}
	return n;
}

/* ---- AVX2 kernels ---------------------------------------------------------------------------- */

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TRACE_AVX2 __attribute__((target("avx2")))

static inline TRACE_AVX2 __m256i load32(const char *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

/* Bytes equal to c, or (fold) equal to c after OR 0x20 — c is then a lower-case letter, and
 * only 'A'..'Z' / 'a'..'z' of that letter map to it. */
static inline TRACE_AVX2 __m256i eq_byte(__m256i v, __m256i c, int fold)
{
	if (fold)
		v = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
	return _mm256_cmpeq_epi8(v, c);
}

static TRACE_AVX2 size_t needle_find_avx2(const struct pft_trace_needle *nd, const char *h,
					  size_t n)
{
	if (n < nd->len)
		return n;
	const size_t last = n - nd->len; /* last possible start */
	const __m256i c1 = _mm256_set1_epi8((char)nd->b1), c2 = _mm256_set1_epi8((char)nd->b2);
	const int f1 = nd->fold1, f2 = nd->fold2;
	size_t i = 0;
	/* Two 32-byte steps per round while both loads stay inside h[0..n). */
	for (; i + 64 + nd->i2 <= n; i += 64) {
		const __m256i a0 = eq_byte(load32(h + i + nd->i1), c1, f1);
		const __m256i b0 = eq_byte(load32(h + i + nd->i2), c2, f2);
		const __m256i a1 = eq_byte(load32(h + i + 32 + nd->i1), c1, f1);
		const __m256i b1 = eq_byte(load32(h + i + 32 + nd->i2), c2, f2);
		const uint64_t lo = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(a0, b0));
		const uint64_t hi = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(a1, b1));
		uint64_t m = lo | hi << 32;
		while (m != 0) {
			const size_t at = i + (size_t)__builtin_ctzll(m);
			if (at > last)
				return n;
			if (needle_at(nd, h + at))
				return at;
			m &= m - 1;
		}
	}
	if (i > last)
		return n;
	size_t rest = needle_find_scalar(nd, h + i, n - i);
	return rest == n - i ? n : i + rest;
}

static TRACE_AVX2 size_t qidset_next_avx2(const struct pft_trace_qidset *s, const char *h,
					  size_t from, size_t n)
{
	if (s->lengths == 0)
		return n;
	const size_t max_len = (size_t)(31 - __builtin_clz(s->lengths));
	/* The first bytes, where a load max_len + 1 back would leave h: scalar. */
	size_t i = from;
	if (i < max_len + 1) {
		const size_t stop = max_len + 1 < n - 1 ? max_len + 1 : n - 1;
		for (; i < stop; i++)
			if (h[i] == ':' && h[i + 1] == ' ' && token_at(s, h, i))
				return i;
	}
	const __m256i colon = _mm256_set1_epi8(':'), space = _mm256_set1_epi8(' ');
	/* Up to 4 lengths (queue IDs come in few) as constants of the loop; more: one pass per
	 * extra group of 4 is not worth it, take the scalar loop. */
	size_t lens[4] = {0}, n_lens = 0;
	for (uint32_t ls = s->lengths; ls != 0 && n_lens < 5; ls &= ls - 1, n_lens++)
		if (n_lens < 4)
			lens[n_lens] = (size_t)__builtin_ctz(ls);
	if (n_lens > 4)
		return qidset_next_scalar(s, h, i, n);
	for (size_t k = n_lens; k < 4; k++)
		lens[k] = lens[0];
	/* Per 32 bytes: ':' with ' ' after it (time stamps' colons have digits after), and ' '
	 * 1 + L bytes before for some L; one branch per 64 bytes. */
#define SPACE_AT(p) _mm256_cmpeq_epi8(load32(p), space)
#define TOKEN_MASK(at)                                                                          \
	((uint32_t)_mm256_movemask_epi8(_mm256_and_si256(                                        \
		_mm256_and_si256(_mm256_cmpeq_epi8(load32(h + (at)), colon),                     \
				 SPACE_AT(h + (at) + 1)),                                        \
		_mm256_or_si256(_mm256_or_si256(SPACE_AT(h + (at) - lens[0] - 1),                \
						SPACE_AT(h + (at) - lens[1] - 1)),               \
				_mm256_or_si256(SPACE_AT(h + (at) - lens[2] - 1),                \
						SPACE_AT(h + (at) - lens[3] - 1))))))
	for (; i + 65 <= n; i += 64) {
		uint64_t m = (uint64_t)TOKEN_MASK(i) | (uint64_t)TOKEN_MASK(i + 32) << 32;
		for (; m != 0; m &= m - 1) {
			const size_t at = i + (size_t)__builtin_ctzll(m);
			if (token_at(s, h, at))
				return at;
		}
	}
#undef TOKEN_MASK
#undef SPACE_AT
	return qidset_next_scalar(s, h, i, n);
}

static int cpu_has_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}
#endif

/* ---- the choice ---------------------------------------------------------------------------- */

static int always(void)
{
	return 1;
}

static const struct pft_trace_kernel kernels[] = {
	{"scalar", always, needle_find_scalar, qidset_next_scalar},
#if defined(__x86_64__) || defined(__i386__)
	{"avx2", cpu_has_avx2, needle_find_avx2, qidset_next_avx2},
#endif
};

const struct pft_trace_kernel *pft_trace_kernels(size_t *n)
{
	*n = sizeof kernels / sizeof kernels[0];
	return kernels;
}

static _Atomic(const struct pft_trace_kernel *) chosen;

static const struct pft_trace_kernel *kernel(void)
{
	const struct pft_trace_kernel *k = atomic_load_explicit(&chosen, memory_order_acquire);
	if (k != NULL)
		return k;
	k = &kernels[0];
#if defined(__x86_64__) || defined(__i386__)
	/* The scan stage's choice says what the user forced: scalar and sse2 mean "no AVX2". */
	const char *scan = pft_scan_current()->name;
	if (strcmp(scan, "scalar") != 0 && strcmp(scan, "sse2") != 0 && cpu_has_avx2())
		k = &kernels[1];
#endif
	atomic_store_explicit(&chosen, k, memory_order_release);
	return k;
}

const char *pft_trace_kernel_name(void)
{
	return kernel()->name;
}

size_t pft_trace_needle_find(const struct pft_trace_needle *nd, const char *h, size_t n)
{
	return kernel()->needle_find(nd, h, n);
}

size_t pft_trace_qidset_next(const struct pft_trace_qidset *s, const char *h, size_t from,
			     size_t n)
{
	if (s->map.count == 0 || from >= n)
		return n;
	return kernel()->qidset_next(s, h, from, n);
}

/* ---- addresses ----------------------------------------------------------------------------- */

int pft_trace_address_eq(struct pft_slice a, const char *want, size_t want_len)
{
	if (a.n != want_len)
		return 0;
	const char *at = memrchr(want, '@', want_len);
	const size_t local = at ? (size_t)(at - want) : want_len;
	if (memcmp(a.p, want, local) != 0)
		return 0;
	for (size_t i = local; i < want_len; i++)
		if (pft_ascii_lower((unsigned char)a.p[i]) != pft_ascii_lower((unsigned char)want[i]))
			return 0;
	return 1;
}

int pft_trace_event_matches(const struct pft_event *ev, const char *want, size_t want_len)
{
	return pft_trace_address_eq(ev->to, want, want_len) ||
	       pft_trace_address_eq(ev->orig_to, want, want_len) ||
	       pft_trace_address_eq(ev->from, want, want_len);
}
