/* pftally — the kernel priority list, the run-time choice, and index building. */
#include "scan/scan.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(PFT_SC_COUNT <= 8, "pft_scan_byte_class holds 8 classes");
const uint8_t pft_scan_byte_class[256] = {
	['\n'] = 1u << PFT_SC_NEWLINE,   [' '] = 1u << PFT_SC_SPACE,  [','] = 1u << PFT_SC_COMMA,
	['='] = 1u << PFT_SC_EQUALS,     [':'] = 1u << PFT_SC_COLON,  ['['] = 1u << PFT_SC_LBRACKET,
	['>'] = 1u << PFT_SC_GT,         [';'] = 1u << PFT_SC_SEMICOLON,
};

const uint8_t pft_scan_code_of[256] = {
	[' '] = PFT_SCAN_CODE_SPACE,     [','] = PFT_SCAN_CODE_COMMA, ['='] = PFT_SCAN_CODE_EQUALS,
	[':'] = PFT_SCAN_CODE_COLON,     ['['] = PFT_SCAN_CODE_LBRACKET, ['>'] = PFT_SCAN_CODE_GT,
	[';'] = PFT_SCAN_CODE_SEMICOLON,
};

static int always(void)
{
	return 1;
}

#if defined(PFT_SCAN_X86)
/* __builtin_cpu_supports() also checks that the OS saves the vector registers (XCR0). */
static int has_sse2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("sse2");
}

static int has_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}

static int has_avx512bw(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}
#endif

/* Best first: the choice is the first supported entry. */
static const struct pft_scan_impl impls[] = {
#if defined(PFT_SCAN_X86)
	{"avx512", "avx512f avx512bw", has_avx512bw, pft_scan_block_avx512},
	{"avx2", "avx2", has_avx2, pft_scan_block_avx2},
	{"sse2", "sse2", has_sse2, pft_scan_block_sse2},
#endif
	{"scalar", "nothing", always, pft_scan_block_scalar},
};
#define N_IMPLS (sizeof impls / sizeof impls[0])

const struct pft_scan_impl *pft_scan_impls(size_t *n)
{
	*n = N_IMPLS;
	return impls;
}

const struct pft_scan_impl *pft_scan_impl_by_name(const char *name)
{
	for (size_t i = 0; i < N_IMPLS; i++)
		if (strcmp(impls[i].name, name) == 0)
			return &impls[i];
	return NULL;
}

static const struct pft_scan_impl *best(void)
{
	for (size_t i = 0; i < N_IMPLS; i++)
		if (impls[i].supported())
			return &impls[i];
	return &impls[N_IMPLS - 1];
}

/* Chosen once; every thread that races to choose computes the same answer. */
static _Atomic(const struct pft_scan_impl *) chosen;

static enum pft_status choose(const struct pft_scan_impl **out, struct pft_error *err)
{
	const char *forced = getenv("PFT_FORCE_SCAN");
	enum pft_status status = PFT_OK;
	const struct pft_scan_impl *impl = NULL;
	if (forced != NULL && forced[0] != '\0') {
		impl = pft_scan_impl_by_name(forced);
		if (impl == NULL) {
			char names[128] = "";
			for (size_t i = 0; i < N_IMPLS; i++) {
				strncat(names, i ? ", " : "", sizeof names - strlen(names) - 1);
				strncat(names, impls[i].name, sizeof names - strlen(names) - 1);
			}
			status = pft_error_set(err, PFT_ERR_USAGE, 0, NULL, 0,
					       "PFT_FORCE_SCAN=%s: no such scan kernel (this build has: %s)",
					       forced, names);
		} else if (!impl->supported()) {
			status = pft_error_set(err, PFT_ERR_USAGE, 0, NULL, 0,
					       "PFT_FORCE_SCAN=%s: this CPU lacks %s", forced,
					       impl->requires);
			impl = NULL;
		}
	}
	*out = impl != NULL ? impl : best();
	return status;
}

enum pft_status pft_scan_select(struct pft_error *err)
{
	const struct pft_scan_impl *impl;
	enum pft_status status = choose(&impl, err);
	atomic_store_explicit(&chosen, impl, memory_order_release);
	return status;
}

const struct pft_scan_impl *pft_scan_current(void)
{
	const struct pft_scan_impl *impl = atomic_load_explicit(&chosen, memory_order_acquire);
	if (impl == NULL) {
		(void)choose(&impl, NULL);
		atomic_store_explicit(&chosen, impl, memory_order_release);
	}
	return impl;
}

void pft_scan_index_build(pft_scan_fn fn, const char *data, size_t len, struct pft_scan_block *out,
			  struct pft_scan_index *ix)
{
	const size_t whole = len / PFT_SCAN_BLOCK, rest = len % PFT_SCAN_BLOCK;
	if (whole != 0)
		fn(data, whole, out);
	if (rest != 0) {
		/* NUL is no delimiter (code 0, no newline): the padding adds no bit. */
		char pad[PFT_SCAN_BLOCK] = {0};
		memcpy(pad, data + whole * PFT_SCAN_BLOCK, rest);
		fn(pad, 1, out + whole);
	}
	ix->base = data;
	ix->blocks = out;
}
