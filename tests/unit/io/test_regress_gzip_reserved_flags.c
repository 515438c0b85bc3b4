/* Regression (found by tests/fuzz/fuzz_input): a gzip member with a reserved FLG bit set
 * (RFC 1952: a decoder must fail on it) was read as sound by ISA-L and refused by zlib, so one
 * file gave a result or an error depending on the inflater. Both refuse it now, naming the
 * file and the member's offset. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "io/io.h"
#include "pft_test.h"

static const char text[] = "Jun 17 10:00:00 mx1 postfix/qmgr[1]: 1A2B3C4D5E: removed\n";

/* One gzip member of data (mtime 0, OS 3), as gzip writes it. */
static size_t gzip_member(const char *data, size_t len, unsigned char *out, size_t cap)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	cr_assert_eq(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	const size_t n = zs.total_out;
	deflateEnd(&zs);
	return n;
}

static size_t text_bytes;

static enum pft_status count_text(void *ctx, const struct pft_chunk *chunk)
{
	(void)ctx;
	text_bytes += chunk->len;
	return PFT_OK;
}

/* Reads path with the default inflater and with zlib: both must give want (and, when it is
 * PFT_OK, want_text bytes of text; else an error in the member that starts at want_offset). */
static void read_both(const char *path, enum pft_status want, uint64_t want_offset,
		      size_t want_text)
{
	const char *paths[1] = {path};
	for (int zlib_only = 0; zlib_only < 2; zlib_only++) {
		if (zlib_only)
			setenv("PFT_FORCE_INFLATE", "zlib", 1);
		else
			unsetenv("PFT_FORCE_INFLATE");
		struct pft_inputs in;
		struct pft_error err = {0};
		cr_assert_eq(pft_inputs_expand(paths, 1, &in, &err), PFT_OK);
		cr_assert_eq(in.n_files, 1);
		text_bytes = 0;
		const enum pft_status status = pft_input_read(&in, 0, 4096, count_text, NULL, &err);
		const char *how = zlib_only ? "zlib" : "default inflater";
		cr_expect_eq(status, want, "%s: %s (%s)", how, pft_status_str(status), err.detail);
		if (want == PFT_OK) {
			cr_expect_eq(text_bytes, want_text, "%s", how);
		} else {
			/* In the member's header: zlib reads a few of its bytes first. */
			cr_expect_str_eq(err.path, path, "%s", how);
			cr_expect(err.offset >= want_offset && err.offset <= want_offset + 10,
				  "%s: offset %llu, the member starts at %llu", how,
				  (unsigned long long)err.offset, (unsigned long long)want_offset);
		}
		pft_inputs_free(&in);
	}
	unsetenv("PFT_FORCE_INFLATE");
}

static void write_file(const char *path, const unsigned char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

Test(regress_gzip_reserved_flags, refused_by_every_inflater)
{
	char *dir = pft_test_tmpdir(), path[4096];
	snprintf(path, sizeof path, "%s/mail.log.1.gz", dir);
	unsigned char gz[1024];
	const size_t n = gzip_member(text, sizeof text - 1, gz, sizeof gz);

	write_file(path, gz, n);
	read_both(path, PFT_OK, 0, sizeof text - 1); /* sound */

	gz[3] |= 0x80;
	write_file(path, gz, n);
	read_both(path, PFT_ERR_CORRUPT, 0, 0);

	/* In a second member: the error names the second member. */
	unsigned char two[2048];
	gz[3] &= 0x1F;
	memcpy(two, gz, n);
	memcpy(two + n, gz, n);
	two[n + 3] |= 0x20;
	write_file(path, two, 2 * n);
	read_both(path, PFT_ERR_CORRUPT, n, 0);

	cr_expect_eq(remove(path), 0);
	cr_expect_eq(remove(dir), 0);
	free(dir);
}
