/* pftally — the scalar kernel: the reference every other kernel is tested against. Plain
 * byte compares and the code table, no tricks, so that it is obviously right. */
#include "scan/scan.h"

#include <string.h>

typedef struct {
	unsigned char b[PFT_SCAN_BLOCK];
} pft_vec;

static inline pft_vec pft_vec_load(const char *p)
{
	pft_vec v;
	memcpy(v.b, p, sizeof v.b);
	return v;
}

static inline uint64_t pft_vec_eq(pft_vec v, unsigned char c)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < PFT_SCAN_BLOCK; i++)
		m |= (uint64_t)(v.b[i] == c) << i;
	return m;
}

static inline pft_vec pft_vec_classify(pft_vec v)
{
	pft_vec codes;
	for (unsigned i = 0; i < PFT_SCAN_BLOCK; i++)
		codes.b[i] = pft_scan_code_of[v.b[i]];
	return codes;
}

static inline uint64_t pft_vec_bit(pft_vec codes, int j)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < PFT_SCAN_BLOCK; i++)
		m |= (uint64_t)(codes.b[i] >> j & 1u) << i;
	return m;
}

#define PFT_SCAN_KERNEL pft_scan_block_scalar
#define PFT_SCAN_TARGET
#include "scan/scan_kernel.h"
