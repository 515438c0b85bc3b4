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

/*! pft_bytes_equal() : p[0..n) == q[0..n), inline for the short keys of the aggregation
 *  tables (queue ids, domains, hours), where a call to memcmp costs more than the compare. */
static inline int pft_bytes_equal(const void *p, const void *q, size_t n)
{
	const unsigned char *a = p, *b = q;
	while (n >= 8) {
		if (pft_hash_read8(a) != pft_hash_read8(b))
			return 0;
		a += 8;
		b += 8;
		n -= 8;
	}
	uint64_t x = 0, y = 0;
	for (size_t i = 0; i < n; i++) {
		x |= (uint64_t)a[i] << (8 * i);
		y |= (uint64_t)b[i] << (8 * i);
	}
	return x == y;
}

/*! pft_hash_bytes() : hash of p[0..n) continuing from seed (chain calls to hash several
 *  fields as one key). Not cryptographic; tables must tolerate collisions. */
static inline uint64_t pft_hash_bytes(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ (0x9E3779B97F4A7C15ull * (n + 1));
	while (n >= 8) {
		h = pft_hash_mix(h ^ pft_hash_read8(p), 0xA0761D6478BD642Full);
		p += 8;
		n -= 8;
	}
	uint64_t tail = 0;
	for (size_t i = 0; i < n; i++)
		tail |= (uint64_t)p[i] << (8 * i);
	h = pft_hash_mix(h ^ tail, 0xE7037ED1A0B428DBull);
	return pft_hash_mix(h, 0x8EBC6AF09C88C6E3ull);
}

#endif
