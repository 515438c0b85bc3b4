/* Regression (found by tests/fuzz/fuzz_input): the frame-parallel zstd reader accepted a corrupt
 * frame that libzstd's streaming decoder rejects. The frame has a 1 KiB window and holds an RLE
 * block of 131072 (or 2830) bytes, larger than its Block_Maximum_Size, min(window, 128 KiB):
 * the streaming decoder (and the reader with PFT_FORCE_ZSTD=stream) reported "Data corruption
 * detected", while the frame walk vouched for the frame and a pool thread decoded it one-shot
 * (ZSTD_decompressDCtx accepts such blocks), handing out 128 KiB of 0xF9. Now the walk checks
 * the block size against the frame's maximum, and a frame it vouches for is decoded by the
 * streaming decoder anyway: every path rejects the file with the same error at the same byte,
 * having handed out nothing. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "io/io.h"
#include "io/io_internal.h"
#include "pft_test.h"

/* tests/fuzz/seeds/fuzz_input/regress-zstd-frames-accepts-corrupt-frame (the file part). */
static const unsigned char rle_131072[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x00,
					   0x00, 0x00, 0x03, 0x00, 0x10, 0xf9};
/* ...-accepts-corrupt-frame-2: an empty raw block, then an RLE block of 2830 bytes. */
static const unsigned char rle_2830[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x00, 0x00,
					 0x00, 0x00, 0x00, 0x00, 0x73, 0x58, 0x00, 0x7e};

static size_t handed_out;

static enum pft_status count(void *ctx, const struct pft_chunk *chunk)
{
	(void)ctx;
	handed_out += chunk->len;
	return PFT_OK;
}

static char *write_file(const char *dir, const unsigned char *data, size_t len)
{
	char *path = malloc(strlen(dir) + 32);
	cr_assert_not_null(path);
	sprintf(path, "%s/mail.log.1.zst", dir);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	return path;
}

static void check_rejected(const unsigned char *data, size_t len, uint64_t want_offset)
{
	/* libzstd's streaming decoder rejects it; its one-shot decoder does not (the bug). */
	ZSTD_DStream *ds = ZSTD_createDStream();
	char out[1 << 17];
	ZSTD_outBuffer ob = {out, sizeof out, 0};
	ZSTD_inBuffer ib = {data, 1, 0};
	size_t ret = ZSTD_decompressStream(ds, &ob, &ib);  /* the first byte alone: no one-shot */
	ib.size = len;
	while (!ZSTD_isError(ret) && ib.pos < ib.size)
		ret = ZSTD_decompressStream(ds, &ob, &ib);
	cr_assert(ZSTD_isError(ret), "the streaming decoder takes the frame");
	ZSTD_freeDStream(ds);

	struct pft_io_zstd_walk w;
	pft_io_zstd_walk_init(&w, UINT64_MAX);
	cr_assert_eq(pft_io_zstd_walk(&w, data, len, 1), PFT_IO_ZSTD_STREAM,
		     "the walk vouches for a block larger than the window");

	char *dir = pft_test_tmpdir();
	char *path = write_file(dir, data, len);
	const char *paths[] = {path};
	static const struct pft_io_zstd_tuning tunings[] = {
		{.stream_only = 1}, {0}, {.threads = 1}, {.threads = 2, .lookahead = 1},
		{.threads = 4},
	};
	static const size_t chunk_sizes[] = {1, 7, 4096, (size_t)1 << 20};
	for (size_t t = 0; t < sizeof tunings / sizeof tunings[0]; t++) {
		for (size_t c = 0; c < sizeof chunk_sizes / sizeof chunk_sizes[0]; c++) {
			struct pft_inputs in;
			struct pft_error err = {0};
			cr_assert_eq(pft_inputs_expand(paths, 1, &in, &err), PFT_OK);
			cr_assert_eq(in.n_files, 1);
			cr_assert_eq(in.files[0].format, PFT_FORMAT_ZSTD);
			pft_io_zstd_tune_all(&tunings[t]);
			handed_out = 0;
			const enum pft_status s =
				pft_input_read(&in, 0, chunk_sizes[c], count, NULL, &err);
			pft_io_zstd_tune_all(NULL);
			cr_assert_eq(s, PFT_ERR_CORRUPT, "tuning %zu, chunk %zu: %s", t,
				     chunk_sizes[c], pft_status_str(s));
			cr_assert_str_eq(err.path, path);
			cr_assert_eq(err.offset, want_offset, "tuning %zu: offset %llu", t,
				     (unsigned long long)err.offset);
			cr_assert_not_null(strstr(err.detail, "Data corruption detected"), "%s",
					   err.detail);
			cr_assert_not_null(strstr(err.detail, "the frame starts at byte 0"), "%s",
					   err.detail);
			cr_assert_eq(handed_out, 0, "tuning %zu: %zu bytes of a corrupt frame", t,
				     handed_out);
			pft_inputs_free(&in);
		}
	}
	remove(path);
	remove(dir);
	free(path);
	free(dir);
}

Test(regress_zstd_frames, accepts_corrupt_frame_rle_block_of_128_kib_in_1_kib_window)
{
	/* the error is placed at the block: header (6 bytes), an empty raw block (3) and the
	 * RLE block's header (3) */
	check_rejected(rle_131072, sizeof rle_131072, 12);
}

Test(regress_zstd_frames, accepts_corrupt_frame_rle_block_of_2830_bytes_in_1_kib_window)
{
	check_rejected(rle_2830, sizeof rle_2830, 15);
}
