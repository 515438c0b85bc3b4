/* pftally — the AVX2 kernel: two 32-byte halves; the codes from two nibble-table shuffles
 * (scan_tables.h), so a block costs 8 movemasks instead of one pair per class. */
#include "scan/scan.h"

#if defined(PFT_SCAN_X86)
#include <immintrin.h>

#include "scan/scan_tables.h"

#define PFT_SCAN_TARGET __attribute__((target("avx2")))

typedef struct {
	__m256i lo, hi;
} pft_vec;

static inline PFT_SCAN_TARGET pft_vec pft_vec_load(const char *p)
{
	pft_vec v;
	v.lo = _mm256_loadu_si256((const __m256i *)(const void *)p);
	v.hi = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
	return v;
}

static inline PFT_SCAN_TARGET uint64_t pft_vec_movemask(__m256i lo, __m256i hi)
{
	return (uint64_t)(uint32_t)_mm256_movemask_epi8(lo) |
	       (uint64_t)(uint32_t)_mm256_movemask_epi8(hi) << 32;
}

static inline PFT_SCAN_TARGET uint64_t pft_vec_eq(pft_vec v, unsigned char c)
{
	const __m256i needle = _mm256_set1_epi8((char)c);
	return pft_vec_movemask(_mm256_cmpeq_epi8(v.lo, needle), _mm256_cmpeq_epi8(v.hi, needle));
}

static inline PFT_SCAN_TARGET __m256i classify32(__m256i x)
{
	const __m256i expect1 = _mm256_setr_epi8(PFT_SCAN_EXPECT1, PFT_SCAN_EXPECT1);
	const __m256i code1 = _mm256_setr_epi8(PFT_SCAN_CODE1, PFT_SCAN_CODE1);
	const __m256i expect2 = _mm256_setr_epi8(PFT_SCAN_EXPECT2, PFT_SCAN_EXPECT2);
	const __m256i code2 = _mm256_setr_epi8(PFT_SCAN_CODE2, PFT_SCAN_CODE2);
	const __m256i nibble = _mm256_and_si256(x, _mm256_set1_epi8(0x0F));
	const __m256i is1 = _mm256_cmpeq_epi8(x, _mm256_shuffle_epi8(expect1, nibble));
	const __m256i is2 = _mm256_cmpeq_epi8(x, _mm256_shuffle_epi8(expect2, nibble));
	return _mm256_or_si256(_mm256_and_si256(is1, _mm256_shuffle_epi8(code1, nibble)),
			       _mm256_and_si256(is2, _mm256_shuffle_epi8(code2, nibble)));
}

static inline PFT_SCAN_TARGET pft_vec pft_vec_classify(pft_vec v)
{
	pft_vec codes;
	codes.lo = classify32(v.lo);
	codes.hi = classify32(v.hi);
	return codes;
}

/* Bit j of each code moved to bit 7 of its byte (a 16-bit shift moves no bit of one byte to
 * bit 7 of the other), then the byte signs. */
static inline PFT_SCAN_TARGET uint64_t pft_vec_bit(pft_vec codes, int j)
{
	return pft_vec_movemask(_mm256_slli_epi16(codes.lo, 7 - j), _mm256_slli_epi16(codes.hi, 7 - j));
}

#define PFT_SCAN_KERNEL pft_scan_block_avx2
#include "scan/scan_kernel.h"
#endif
