/* pftally — a fast 64-bit hash for short byte strings (keys of the aggregation tables). */
#ifndef PFT_HASH_H
#define PFT_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t pft_hash_mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t pft_hash_read8(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t pft_hash_read4(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* The bytes of p[0..n), n <= 8, as one word, reading only inside the buffer: overlapping
 * 4-byte loads for 4..8 bytes, three single bytes for 1..3 (wyhash's trick). Two equal-length
 * strings give equal words exactly when they are equal. */
static inline uint64_t pft_hash_read_tail(const unsigned char *p, size_t n)
{
	if (n >= 4)
		return pft_hash_read4(p) << 32 | pft_hash_read4(p + n - 4);
	if (n > 0)
		return (uint64_t)p[0] << 16 | (uint64_t)p[n >> 1] << 8 | p[n - 1];
	return 0;
}

/*! pft_bytes_equal() : p[0..n) == q[0..n), inline for the short keys of the aggregation
 *  tables (queue ids, domains, hours), where a call to memcmp costs more than the compare. */
static inline int pft_bytes_equal(const void *p, const void *q, size_t n)
{
	const unsigned char *a = p, *b = q;
	if (n <= 8)
		return pft_hash_read_tail(a, n) == pft_hash_read_tail(b, n);
	for (size_t i = 0; i + 8 < n; i += 8)
		if (pft_hash_read8(a + i) != pft_hash_read8(b + i))
			return 0;
	return pft_hash_read8(a + n - 8) == pft_hash_read8(b + n - 8);
}

/*! pft_hash_bytes() : hash of p[0..n) continuing from seed (chain calls to hash several
 *  fields as one key). Not cryptographic; tables must tolerate collisions. */
static inline uint64_t pft_hash_bytes(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ (0x9E3779B97F4A7C15ull * (n + 1));
	if (n <= 8)
		return pft_hash_mix(pft_hash_mix(h ^ pft_hash_read_tail(p, n), 0xE7037ED1A0B428DBull),
				    0x8EBC6AF09C88C6E3ull);
	size_t i = 0;
	for (; i + 8 < n; i += 8)
		h = pft_hash_mix(h ^ pft_hash_read8(p + i), 0xA0761D6478BD642Full);
	/* The last word overlaps the one before when n is not a multiple of 8. */
	h = pft_hash_mix(h ^ pft_hash_read8(p + n - 8), 0xE7037ED1A0B428DBull);
	return pft_hash_mix(h, 0x8EBC6AF09C88C6E3ull);
}

#endif
