/* pftally — the AVX-512BW kernel: a whole block per register; the codes from two
 * nibble-table shuffles (scan_tables.h), the planes straight into mask registers. */
#include "scan/scan.h"

#if defined(PFT_SCAN_X86)
#include <immintrin.h>

#include "scan/scan_tables.h"

#define PFT_SCAN_TARGET __attribute__((target("avx512f,avx512bw")))

typedef __m512i pft_vec;

static inline PFT_SCAN_TARGET pft_vec pft_vec_load(const char *p)
{
	return _mm512_loadu_si512((const void *)p);
}

static inline PFT_SCAN_TARGET uint64_t pft_vec_eq(pft_vec v, unsigned char c)
{
	return (uint64_t)_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8((char)c));
}

static inline PFT_SCAN_TARGET pft_vec pft_vec_classify(pft_vec x)
{
	const __m512i expect1 = _mm512_broadcast_i32x4(_mm_setr_epi8(PFT_SCAN_EXPECT1));
	const __m512i code1 = _mm512_broadcast_i32x4(_mm_setr_epi8(PFT_SCAN_CODE1));
	const __m512i expect2 = _mm512_broadcast_i32x4(_mm_setr_epi8(PFT_SCAN_EXPECT2));
	const __m512i code2 = _mm512_broadcast_i32x4(_mm_setr_epi8(PFT_SCAN_CODE2));
	const __m512i nibble = _mm512_and_si512(x, _mm512_set1_epi8(0x0F));
	const __mmask64 is1 = _mm512_cmpeq_epi8_mask(x, _mm512_shuffle_epi8(expect1, nibble));
	const __mmask64 is2 = _mm512_cmpeq_epi8_mask(x, _mm512_shuffle_epi8(expect2, nibble));
	return _mm512_or_si512(_mm512_maskz_shuffle_epi8(is1, code1, nibble),
			       _mm512_maskz_shuffle_epi8(is2, code2, nibble));
}

static inline PFT_SCAN_TARGET uint64_t pft_vec_bit(pft_vec codes, int j)
{
	return (uint64_t)_mm512_test_epi8_mask(codes, _mm512_set1_epi8((char)(1 << j)));
}

#define PFT_SCAN_KERNEL pft_scan_block_avx512
#include "scan/scan_kernel.h"
#endif
