/* pftally — the SSE2 kernel (every x86-64 has SSE2): 16 bytes at a time; without a byte
 * shuffle, the codes come from one compare per delimiter. */
#include "scan/scan.h"

#if defined(PFT_SCAN_X86)
#include <immintrin.h>

#define PFT_SCAN_TARGET __attribute__((target("sse2")))

typedef struct {
	__m128i q[4];
} pft_vec;

/* Written out: GCC at -O2 does not unroll the loops over the four quarters. */
static inline PFT_SCAN_TARGET pft_vec pft_vec_load(const char *p)
{
	pft_vec v;
	v.q[0] = _mm_loadu_si128((const __m128i *)(const void *)p);
	v.q[1] = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
	v.q[2] = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
	v.q[3] = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
	return v;
}

static inline PFT_SCAN_TARGET uint64_t pft_vec_movemask(__m128i a, __m128i b, __m128i c, __m128i d)
{
	return (uint64_t)(uint16_t)_mm_movemask_epi8(a) | (uint64_t)(uint16_t)_mm_movemask_epi8(b) << 16 |
	       (uint64_t)(uint16_t)_mm_movemask_epi8(c) << 32 |
	       (uint64_t)(uint16_t)_mm_movemask_epi8(d) << 48;
}

static inline PFT_SCAN_TARGET uint64_t pft_vec_eq(pft_vec v, unsigned char c)
{
	const __m128i needle = _mm_set1_epi8((char)c);
	return pft_vec_movemask(_mm_cmpeq_epi8(v.q[0], needle), _mm_cmpeq_epi8(v.q[1], needle),
				_mm_cmpeq_epi8(v.q[2], needle), _mm_cmpeq_epi8(v.q[3], needle));
}

static inline PFT_SCAN_TARGET __m128i classify16(__m128i x)
{
#define CODE(byte, code) \
	_mm_and_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)(byte))), _mm_set1_epi8(code))
	return _mm_or_si128(
		_mm_or_si128(_mm_or_si128(CODE(' ', PFT_SCAN_CODE_SPACE), CODE(',', PFT_SCAN_CODE_COMMA)),
			     _mm_or_si128(CODE('=', PFT_SCAN_CODE_EQUALS), CODE(':', PFT_SCAN_CODE_COLON))),
		_mm_or_si128(_mm_or_si128(CODE('[', PFT_SCAN_CODE_LBRACKET), CODE('>', PFT_SCAN_CODE_GT)),
			     CODE(';', PFT_SCAN_CODE_SEMICOLON)));
#undef CODE
}

static inline PFT_SCAN_TARGET pft_vec pft_vec_classify(pft_vec v)
{
	pft_vec codes;
	codes.q[0] = classify16(v.q[0]);
	codes.q[1] = classify16(v.q[1]);
	codes.q[2] = classify16(v.q[2]);
	codes.q[3] = classify16(v.q[3]);
	return codes;
}

/* Bit j of each code moved to bit 7 of its byte (a 16-bit shift moves no bit of one byte to
 * bit 7 of the other), then the byte signs. */
static inline PFT_SCAN_TARGET uint64_t pft_vec_bit(pft_vec codes, int j)
{
	const int s = 7 - j;
	return pft_vec_movemask(_mm_slli_epi16(codes.q[0], s), _mm_slli_epi16(codes.q[1], s),
				_mm_slli_epi16(codes.q[2], s), _mm_slli_epi16(codes.q[3], s));
}

#define PFT_SCAN_KERNEL pft_scan_block_sse2
#include "scan/scan_kernel.h"
#endif
