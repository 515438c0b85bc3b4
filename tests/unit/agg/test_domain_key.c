/* pft_domain_key() (src/agg/agg_counts.c) reads a word at a time from the end of the address
 * and lower-cases a word at a time: checked against a byte-by-byte reference on every length
 * 0..48, '@' anywhere (or nowhere, or several), upper-case letters, bytes >= 0x80 and the
 * letters' neighbours ('@', '[', '`', '{'), and output buffers shorter than the domain. Each
 * address sits at the end of a page-sized heap block so that ASan sees any read past it. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg_internal.h"

static size_t reference(const char *addr, size_t len, char *buf, size_t size)
{
	size_t at = len;
	for (size_t i = len; i-- > 0;)
		if (addr[i] == '@') {
			at = i;
			break;
		}
	if (at == len || at + 1 == len) {
		memcpy(buf, "(none)", 6);
		return 6;
	}
	size_t n = len - at - 1;
	if (n > size)
		n = size;
	for (size_t i = 0; i < n; i++) {
		const char c = addr[at + 1 + i];
		buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
	}
	return n;
}

Test(domain_key, matches_the_byte_by_byte_reference)
{
	static const char alphabet[] = "aZ@.-0[`{\x80\xC3\xFF" "AM";
	char *block = malloc(4096);
	cr_assert_not_null(block);
	unsigned seed = 12345;
	for (int round = 0; round < 200000; round++) {
		seed = seed * 1103515245u + 12345u;
		const size_t len = (seed >> 8) % 49;
		char *addr = block + 4096 - len;
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			addr[i] = alphabet[(seed >> 9) % (sizeof alphabet - 1)];
		}
		seed = seed * 1103515245u + 12345u;
		const size_t size = 1 + (seed >> 10) % 48;
		char got[64], want[64];
		memset(got, '#', sizeof got);
		memset(want, '#', sizeof want);
		const size_t n_got = pft_domain_key(addr, len, got, size);
		const size_t n_want = reference(addr, len, want, size);
		cr_assert_eq(n_got, n_want, "round %d: length %zu vs %zu", round, n_got, n_want);
		cr_assert_eq(memcmp(got, want, sizeof got), 0,
			     "round %d: %.*s vs %.*s (nothing written past the key)", round,
			     (int)n_got, got, (int)n_want, want);
	}
	free(block);
}
