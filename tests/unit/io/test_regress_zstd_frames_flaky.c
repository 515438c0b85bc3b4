/* Regression (found by tests/fuzz/fuzz_input, not reproducible alone): three files on which the
 * frame-parallel zstd reader and the streaming one disagreed now and then, in long fuzzing
 * runs: once on the text handed out before the error (zstd-frames-text-before-error-flaky-1),
 * twice in fork mode (zstd-frames-flaky-2, -3). Each is a sound empty frame followed by frames
 * with the magic numbers of zstd's pre-1.0 formats (v0.5, v0.6). libzstd's streaming decoder
 * hands such a frame to its legacy decoders when the call that reads the magic holds 4 bytes
 * of it, and rejects it otherwise, so the verdict depended on how the bytes were fed (and the
 * legacy decoders then on their own state). The reader now feeds every frame header one byte
 * per call, on every path: such a frame is always "Unknown frame descriptor" at its first
 * byte, and every path gives the same chunks and the same error, run after run. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "io/io_internal.h"
#include "pft_test.h"

/* tests/fuzz/seeds/fuzz_input/regress-zstd-frames-* (the file parts). */
static const unsigned char flaky_1[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00, 0x01, 0x00, 0x00, 0x99, 0xe9, 0xd8, 0x51, 0x26,
	0xb5, 0x2f, 0xfd, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x17, 0x00,
};
static const unsigned char flaky_2[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00, 0x01, 0x00, 0x00, 0x99, 0xe9, 0xd8, 0x51, 0x26,
	0xb5, 0x2f, 0xfd, 0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00, 0x01, 0x00, 0x00, 0x99, 0xe9,
	0xd8, 0x51, 0x26, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf5,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,
	0x00, 0x00, 0x00, 0xd8, 0x00, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x17, 0x00, 0x04, 0x58, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x31, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x17, 0x00,
};
static const unsigned char flaky_3[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00, 0x01, 0x00, 0x00, 0x99, 0xe9, 0xd8, 0x51,
	0x25, 0xb5, 0x2f, 0xfd, 0xda, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0xb1, 0x00,
	0x50, 0x07, 0x08, 0x09, 0x0a, 0x08, 0xbf, 0x0b, 0x26, 0x8f, 0x8f, 0x8f, 0x00,
	0x00, 0x00, 0x0e, 0xb1, 0x00, 0x00, 0x00, 0x00, 0x00, 0xeb, 0x00,
};

struct cut {
	uint64_t offset;
	size_t len;
};

struct reading {
	char text[4096];
	size_t len;
	struct cut cuts[4096];
	size_t n_cuts;
	int retain;
	struct pft_chunk_owner *held[4096];
	size_t n_held;
	enum pft_status status;
	struct pft_error err;
};

static enum pft_status collect(void *ctx, const struct pft_chunk *c)
{
	struct reading *r = ctx;
	cr_assert_lt(r->n_cuts, 4096);
	cr_assert_leq(r->len + c->len, sizeof r->text);
	r->cuts[r->n_cuts++] = (struct cut){c->offset, c->len};
	memcpy(r->text + r->len, c->data, c->len);
	r->len += c->len;
	if (r->retain && c->owner != NULL) {
		pft_chunk_retain(c);
		r->held[r->n_held++] = c->owner;
	}
	return PFT_OK;
}

static void read_with(const char *path, size_t chunk_size, const struct pft_io_zstd_tuning *t,
		      struct reading *r)
{
	const char *paths[] = {path};
	struct pft_inputs in;
	struct pft_error err = {0};
	cr_assert_eq(pft_inputs_expand(paths, 1, &in, &err), PFT_OK);
	cr_assert_eq(in.n_files, 1);
	pft_io_zstd_tune_all(t);
	memset(&r->err, 0, sizeof r->err);
	r->status = pft_input_read(&in, 0, chunk_size, collect, r, &r->err);
	pft_io_zstd_tune_all(NULL);
	for (size_t i = 0; i < r->n_held; i++)
		pft_chunk_release(r->held[i]);
	r->n_held = 0;
	pft_inputs_free(&in);
}

static void check_every_path_agrees(const unsigned char *data, size_t len, const char *name)
{
	char *dir = pft_test_tmpdir();
	char path[4200];
	snprintf(path, sizeof path, "%s/mail.log.1.zst", dir);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);

	static const struct pft_io_zstd_tuning stream = {.stream_only = 1};
	static const struct pft_io_zstd_tuning tunings[] = {
		{0}, {.threads = 1}, {.threads = 2, .lookahead = 1}, {.threads = 4},
	};
	static const size_t chunk_sizes[] = {1, 2, 7, 64, 4096, (size_t)1 << 20};
	static struct reading ref, got;
	for (size_t c = 0; c < sizeof chunk_sizes / sizeof chunk_sizes[0]; c++) {
		memset(&ref, 0, sizeof ref);
		read_with(path, chunk_sizes[c], &stream, &ref);
		/* The sound empty frame, then a pre-1.0 magic number at byte 13. */
		cr_assert_eq(ref.status, PFT_ERR_CORRUPT, "%s: %s", name,
			     pft_status_str(ref.status));
		cr_assert_eq(ref.err.offset, 13, "%s: %s", name, ref.err.detail);
		cr_assert_not_null(strstr(ref.err.detail, "Unknown frame descriptor"), "%s: %s",
				   name, ref.err.detail);
		cr_assert_eq(ref.len, 0);
		for (int round = 0; round < 25; round++) {
			for (size_t t = 0; t < sizeof tunings / sizeof tunings[0]; t++) {
				memset(&got, 0, sizeof got);
				got.retain = round & 1;
				read_with(path, chunk_sizes[c], &tunings[t], &got);
				cr_assert_eq(got.status, ref.status, "%s, tuning %zu, round %d: %s",
					     name, t, round, pft_status_str(got.status));
				cr_assert_eq(got.err.offset, ref.err.offset);
				cr_assert_str_eq(got.err.detail, ref.err.detail);
				cr_assert_eq(got.n_cuts, ref.n_cuts);
				cr_assert_eq(got.len, ref.len);
				cr_assert(memcmp(got.text, ref.text, ref.len) == 0);
				for (size_t i = 0; i < ref.n_cuts; i++)
					cr_assert(got.cuts[i].offset == ref.cuts[i].offset &&
						  got.cuts[i].len == ref.cuts[i].len);
			}
		}
	}
	remove(path);
	remove(dir);
	free(dir);
}

Test(regress_zstd_frames, text_before_error_flaky_1)
{
	check_every_path_agrees(flaky_1, sizeof flaky_1, "flaky-1");
}

Test(regress_zstd_frames, flaky_2)
{
	check_every_path_agrees(flaky_2, sizeof flaky_2, "flaky-2");
}

Test(regress_zstd_frames, flaky_3)
{
	check_every_path_agrees(flaky_3, sizeof flaky_3, "flaky-3");
}
