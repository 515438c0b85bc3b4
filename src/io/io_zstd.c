/* pftally — zstd input through libzstd's streaming decoder, which walks concatenated and
 * skippable frames by itself. */
#include "io/io_internal.h"

#include <stdlib.h>

#include <zstd.h>
#include <zstd_errors.h>

enum pft_status pft_io_read_zstd(struct pft_io_source *src, struct pft_io_chunker *ck,
				 struct pft_error *err)
{
	unsigned char *in = malloc(PFT_IO_INPUT_BLOCK);
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	struct pft_io_linebuf lb = {0};
	enum pft_status status;
	if (in == NULL || dctx == NULL) {
		status = pft_error_set(err, PFT_ERR_NOMEM, 0, src->path, 0, "zstd decoder");
		goto out;
	}
	ck->stored_pos = &src->offset;
	status = pft_io_linebuf_init(&lb, ck->chunk_size, src->path, err);
	if (status != PFT_OK)
		goto out;

	ZSTD_inBuffer zin = {in, 0, 0};
	size_t last_ret = 0;    /* 0: between frames (the last one complete and flushed) */
	int out_full = 0;       /* the decoder may hold more output */
	uint64_t frame_start = src->offset;
	for (;;) {
		if (zin.pos == zin.size && !src->eof) {
			size_t got;
			status = pft_io_source_read(src, in, PFT_IO_INPUT_BLOCK, &got, err);
			if (status != PFT_OK)
				goto out;
			zin.size = got;
			zin.pos = 0;
		}
		const uint64_t raw = src->offset - (zin.size - zin.pos);
		if (zin.pos == zin.size && src->eof && !out_full) {
			if (last_ret != 0)
				status = pft_error_set(
					err, PFT_ERR_CORRUPT, 0, src->path, raw,
					"truncated zstd frame (data ends at compressed byte %llu; the "
					"frame starts at byte %llu)",
					(unsigned long long)raw, (unsigned long long)frame_start);
			break;
		}
		if (last_ret == 0)
			frame_start = raw;
		char *out;
		size_t out_len;
		status = pft_io_linebuf_space(&lb, &out, &out_len, src->path, err);
		if (status != PFT_OK)
			goto out;
		ZSTD_outBuffer zout = {out, out_len, 0};
		const size_t ret = ZSTD_decompressStream(dctx, &zout, &zin);
		status = pft_io_linebuf_commit(&lb, ck, zout.pos, 0, err);
		if (status != PFT_OK)
			goto out;
		if (ZSTD_isError(ret)) {
			const uint64_t at = src->offset - (zin.size - zin.pos);
			const char *hint = "";
			if (ZSTD_getErrorCode(ret) == ZSTD_error_frameParameter_windowTooLarge)
				hint = "; made with --long? decompress with `zstd -dc --long=31 FILE "
				       "| pftally -`";
			status = pft_error_set(err, PFT_ERR_CORRUPT, 0, src->path, at,
					       "corrupt zstd frame (%s) near compressed byte %llu; "
					       "the frame starts at byte %llu%s",
					       ZSTD_getErrorName(ret), (unsigned long long)at,
					       (unsigned long long)frame_start, hint);
			goto out;
		}
		last_ret = ret;
		out_full = ret != 0 && zout.pos == zout.size;
	}
	if (status == PFT_OK)
		status = pft_io_linebuf_commit(&lb, ck, 0, 1, err);
out:
	pft_io_linebuf_free(&lb);
	ZSTD_freeDCtx(dctx);
	free(in);
	return status;
}
