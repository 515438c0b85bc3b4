/* pftally — ASCII case folding a word at a time (domains, host names, reason keys). Bytes
 * >= 0x80 are left as they are. */
#ifndef PFT_ASCII_H
#define PFT_ASCII_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*! pft_ascii_lower() : c in lower case if it is an ASCII upper-case letter. */
static inline unsigned char pft_ascii_lower(unsigned char c)
{
	return (unsigned)(c - 'A') < 26 ? (unsigned char)(c | 0x20) : c;
}

/* 0x20 in each byte of x that is an ASCII upper-case letter, 0 elsewhere: x | this is x in
 * lower case. Per byte b < 0x80 (no carry between bytes): b + 0x3F >= 0x80 iff b >= 'A',
 * b + 0x25 >= 0x80 iff b > 'Z'; bytes >= 0x80 are masked out. */
static inline uint64_t pft_ascii_upper_bits(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101u;
	const uint64_t y = x & (0x7Fu * ones);
	return ((y + 0x3Fu * ones) & ~(y + 0x25u * ones) & ~x & (0x80u * ones)) >> 2;
}

/*! pft_ascii_lower_copy() : dst[0..n) = src[0..n) in ASCII lower case, a word at a time (the
 *  last word overlaps the one before: lower-casing twice is harmless). Reads and writes only
 *  [0, n) of each. */
static inline void pft_ascii_lower_copy(char *dst, const char *src, size_t n)
{
	if (n >= 8) {
		uint64_t x;
		for (size_t i = 0; i + 8 <= n; i += 8) {
			memcpy(&x, src + i, sizeof x);
			x |= pft_ascii_upper_bits(x);
			memcpy(dst + i, &x, sizeof x);
		}
		if (n % 8 != 0) {
			memcpy(&x, src + n - 8, sizeof x);
			x |= pft_ascii_upper_bits(x);
			memcpy(dst + n - 8, &x, sizeof x);
		}
	} else if (n >= 4) {
		/* two 4-byte halves, overlapping for n < 8, lower-cased as one word */
		uint32_t lo, hi;
		memcpy(&lo, src, sizeof lo);
		memcpy(&hi, src + n - 4, sizeof hi);
		const uint64_t bits = pft_ascii_upper_bits((uint64_t)hi << 32 | lo);
		lo |= (uint32_t)bits;
		hi |= (uint32_t)(bits >> 32);
		memcpy(dst, &lo, sizeof lo);
		memcpy(dst + n - 4, &hi, sizeof hi);
	} else {
		for (size_t i = 0; i < n; i++)
			dst[i] = (char)pft_ascii_lower((unsigned char)src[i]);
	}
}

#endif
