/* pftally — the stage-1 kernel body, written once and compiled per instruction set.
 *
 * The file that includes this defines, before including it:
 *   PFT_SCAN_KERNEL   the name of the kernel function (pft_scan_block_avx2, ...)
 *   PFT_SCAN_TARGET   the function attribute that enables the instruction set (may be empty)
 *   pft_vec           a type holding 64 bytes, and static inline PFT_SCAN_TARGET helpers:
 *     pft_vec pft_vec_load(const char *p)             loads p[0 .. 64) (unaligned)
 *     uint64_t pft_vec_eq(pft_vec v, unsigned char c) bit i set <=> byte i == c
 *     pft_vec pft_vec_classify(pft_vec v)             byte i -> pft_scan_code_of[byte i]
 *     uint64_t pft_vec_bit(pft_vec codes, int j)      bit i set <=> bit j of code i is set
 * and gets the kernel: per block one load, the newline mask and the three code planes. */
#ifndef PFT_SCAN_KERNEL
#error "define PFT_SCAN_KERNEL, PFT_SCAN_TARGET and the pft_vec helpers before including"
#endif

/* Keeps a mask in a general register: GCC's SLP vectorizer would otherwise pack the four
 * stores of a block into one vector store through a chain of inserts and shuffles, which made
 * the AVX2 kernel 30 % slower. */
#if defined(__GNUC__)
#define PFT_SCAN_IN_GPR(x) __asm__("" : "+r"(x))
#else
#define PFT_SCAN_IN_GPR(x) ((void)0)
#endif

PFT_SCAN_TARGET void PFT_SCAN_KERNEL(const char *data, size_t n, struct pft_scan_block *out)
{
	for (size_t b = 0; b < n; b++) {
		const pft_vec v = pft_vec_load(data + b * PFT_SCAN_BLOCK);
		const pft_vec codes = pft_vec_classify(v);
		uint64_t nl = pft_vec_eq(v, '\n');
		uint64_t p0 = pft_vec_bit(codes, 0);
		uint64_t p1 = pft_vec_bit(codes, 1);
		uint64_t p2 = pft_vec_bit(codes, 2);
		PFT_SCAN_IN_GPR(nl);
		PFT_SCAN_IN_GPR(p0);
		PFT_SCAN_IN_GPR(p1);
		PFT_SCAN_IN_GPR(p2);
		struct pft_scan_block *o = &out[b];
		o->nl = nl;
		o->plane[0] = p0;
		o->plane[1] = p1;
		o->plane[2] = p2;
	}
}
_Static_assert(PFT_SCAN_PLANES == 3, "scan_kernel.h writes three planes");
