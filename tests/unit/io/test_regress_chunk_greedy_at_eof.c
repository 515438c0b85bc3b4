/* Regression (found by tests/fuzz/fuzz_input): chunks must be greedy, so that every reader cuts
 * a text at the same places. When the bytes read so far were exactly one chunk size and did
 * not end with '\n', the chunker cut at the last '\n' at once; if the text ended right there,
 * the greedy cut is one chunk of all those bytes. read() (plain, live files, pipes) and the
 * gzip and zstd decoders cut "abc\nxyz" with chunk size 7 into 4 + 3 bytes, mmap into 7. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "io/io.h"
#include "pft_test.h"

struct cuts {
	size_t len[16];
	size_t n;
};

static enum pft_status on_chunk(void *ctx, const struct pft_chunk *chunk)
{
	struct cuts *c = ctx;
	cr_assert_lt(c->n, 16);
	c->len[c->n++] = chunk->len;
	return PFT_OK;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* Reads path with chunk_size (plain text through read() when no_mmap) and returns the cuts. */
static struct cuts read_cuts(const char *path, size_t chunk_size, int no_mmap)
{
	const char *paths[1] = {path};
	struct pft_inputs in;
	struct pft_error err = {0};
	cr_assert_eq(pft_inputs_expand(paths, 1, &in, &err), PFT_OK);
	cr_assert_eq(in.n_files, 1, "%s", err.detail);
	in.files[0].no_mmap = (uint8_t)no_mmap;
	struct cuts c = {.n = 0};
	cr_assert_eq(pft_input_read(&in, 0, chunk_size, on_chunk, &c, &err), PFT_OK, "%s",
		     err.detail);
	pft_inputs_free(&in);
	return c;
}

static void expect_one_chunk(const struct cuts *c, size_t len, const char *how)
{
	cr_expect_eq(c->n, 1, "%s: %zu chunks (first %zu bytes)", how, c->n, c->n ? c->len[0] : 0);
	cr_expect_eq(c->n ? c->len[0] : 0, len, "%s", how);
}

/* Removes the test's file and directory, and frees the directory's name. */
static void clean(char *dir, const char *path)
{
	cr_expect_eq(remove(path), 0);
	cr_expect_eq(remove(dir), 0);
	free(dir);
}

static const char text[] = "abc\nxyz";

Test(regress_chunk_greedy_at_eof, plain_mmap_and_read)
{
	char *dir = pft_test_tmpdir(), path[4096];
	snprintf(path, sizeof path, "%s/mail.log", dir);
	write_file(path, text, sizeof text - 1);
	struct cuts mapped = read_cuts(path, 7, 0), read_ = read_cuts(path, 7, 1);
	expect_one_chunk(&mapped, 7, "mmap");
	expect_one_chunk(&read_, 7, "read()");
	/* One byte more than a chunk: then the cut at the '\n' is right. */
	struct cuts shorter = read_cuts(path, 6, 1);
	cr_expect_eq(shorter.n, 2);
	cr_expect_eq(shorter.len[0], 4);
	clean(dir, path);
}

Test(regress_chunk_greedy_at_eof, gzip)
{
	char *dir = pft_test_tmpdir(), path[4096];
	snprintf(path, sizeof path, "%s/mail.log.1.gz", dir);
	gzFile g = gzopen(path, "wb");
	cr_assert_not_null(g);
	cr_assert_eq(gzwrite(g, text, sizeof text - 1), (int)(sizeof text - 1));
	cr_assert_eq(gzclose(g), Z_OK);
	struct cuts c = read_cuts(path, 7, 0);
	expect_one_chunk(&c, 7, "gzip");
	clean(dir, path);
}

Test(regress_chunk_greedy_at_eof, zstd)
{
	char *dir = pft_test_tmpdir(), path[4096];
	snprintf(path, sizeof path, "%s/mail.log.1.zst", dir);
	char frame[256];
	const size_t n = ZSTD_compress(frame, sizeof frame, text, sizeof text - 1, 3);
	cr_assert(!ZSTD_isError(n));
	write_file(path, frame, n);
	struct cuts c = read_cuts(path, 7, 0);
	expect_one_chunk(&c, 7, "zstd");
	clean(dir, path);
}
