/* Helpers shared by the fuzz targets: a check that aborts (libFuzzer then keeps the input as a
 * crash), and a strict JSON validator for the reports. */
#ifndef PFT_FUZZ_CHECK_H
#define PFT_FUZZ_CHECK_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* FUZZ_CHECK(cond, fmt, ...) : aborts with the message when cond is false. Unlike assert() it
 * stays on in release builds. */
#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, __LINE__,    \
				#cond);                                                            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/*! fuzz_json_check() : checks that s[0..n) is one well-formed JSON document (RFC 8259):
 *  strings hold valid UTF-8 and no raw control bytes, \u escapes pair their surrogates, and
 *  no object has a key twice (a second key would silently hide the first one's counts from
 *  most readers). @return NULL if so, else a static description of the first fault, with
 *  *at set to its byte offset. */
const char *fuzz_json_check(const char *s, size_t n, size_t *at);

#endif
