/* pftally — finding where the frames of a zstd stream end without decoding them (RFC 8878
 * §3.1), so the frames of a multi-frame file (pzstd, concatenated files) can be decoded on
 * several threads at once. The walk reads the frame header and the 3-byte header of every
 * block; it needs the frame's bytes up to each block header, not the whole file, and keeps
 * its place between calls so a caller can feed it a growing buffer.
 *
 * Anything unusual (unknown magic, reserved bits or block types, a dictionary, a window larger
 * than the streaming decoder accepts, a block larger than the frame's maximum block size, a
 * frame too large to hold in memory, data that ends early) is not judged here: the walk
 * answers PFT_IO_ZSTD_STREAM and the caller hands the bytes to libzstd's streaming decoder,
 * which decodes what it can and reports the error in its own words. The walk's checks only
 * save work: a frame it vouches for is still decoded by the streaming decoder (io_zstd.c), and
 * decoded again from the file when that fails. */
#include "io/io_internal.h"

#include <string.h>

#include <zstd.h>

#define ZSTD_BLOCK_MAX ((uint64_t)128 << 10)    /* RFC 8878: Block_Maximum_Size <= 128 KiB */
#define ZSTD_WINDOW_LOG_STREAM_MAX 27           /* ZSTD_WINDOWLOG_LIMIT_DEFAULT */

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

size_t pft_io_zstd_header_size(const unsigned char *p)
{
	static const unsigned did_bytes[4] = {0, 1, 2, 4};
	static const unsigned fcs_bytes[4] = {0, 2, 4, 8};
	const unsigned fhd = p[4];
	const unsigned fcs_flag = fhd >> 6, single = (fhd >> 5) & 1;
	const unsigned fcs_len = fcs_flag == 0 && single ? 1 : fcs_bytes[fcs_flag];
	return 5 + (single ? 0 : 1) + did_bytes[fhd & 3] + fcs_len;
}

void pft_io_zstd_walk_init(struct pft_io_zstd_walk *w, uint64_t bound_max)
{
	memset(w, 0, sizeof *w);
	w->bound_max = bound_max;
	w->content_size = ZSTD_CONTENTSIZE_UNKNOWN;
}

/* The walk needs the first n bytes of the frame (more than it has). */
static enum pft_io_zstd_step need(struct pft_io_zstd_walk *w, uint64_t n, int eof)
{
	w->need = n;
	return eof ? PFT_IO_ZSTD_STREAM : PFT_IO_ZSTD_MORE;
}

/* Parses the frame header at p[0..avail); sets w->pos past it. */
static enum pft_io_zstd_step walk_header(struct pft_io_zstd_walk *w, const unsigned char *p,
					 size_t avail, int eof)
{
	if (avail < 4)
		return need(w, 4, eof);
	const uint32_t magic = le32(p);
	if ((magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START) {
		if (avail < 8)
			return need(w, 8, eof);
		w->skippable = 1;
		w->size = 8 + (uint64_t)le32(p + 4);
		return PFT_IO_ZSTD_SKIP;
	}
	if (magic != ZSTD_MAGICNUMBER)
		return PFT_IO_ZSTD_STREAM;
	if (avail < 5)
		return need(w, 5, eof);
	const unsigned fhd = p[4];
	const unsigned fcs_flag = fhd >> 6, single = (fhd >> 5) & 1, reserved = (fhd >> 3) & 1;
	const unsigned did_flag = fhd & 3;
	static const unsigned did_bytes[4] = {0, 1, 2, 4};
	static const unsigned fcs_bytes[4] = {0, 2, 4, 8};
	const unsigned fcs_len = fcs_flag == 0 && single ? 1 : fcs_bytes[fcs_flag];
	const size_t hsize = pft_io_zstd_header_size(p);
	if (reserved)
		return PFT_IO_ZSTD_STREAM;
	if (avail < hsize)
		return need(w, hsize, eof);
	size_t at = 5;
	uint64_t window = 0;
	if (!single) {
		const unsigned wd = p[at++];
		const unsigned log = 10 + (wd >> 3);
		if (log > ZSTD_WINDOW_LOG_STREAM_MAX)
			return PFT_IO_ZSTD_STREAM;      /* made with --long: the decoder explains */
		window = ((uint64_t)1 << log) + (((uint64_t)1 << log) >> 3) * (wd & 7);
		if (window > ((uint64_t)1 << ZSTD_WINDOW_LOG_STREAM_MAX))
			return PFT_IO_ZSTD_STREAM;
	}
	uint32_t dict = 0;
	for (unsigned i = 0; i < did_bytes[did_flag]; i++)
		dict |= (uint32_t)p[at++] << (8 * i);
	if (dict != 0)
		return PFT_IO_ZSTD_STREAM;              /* needs a dictionary we do not have */
	if (fcs_len > 0) {
		uint64_t fcs = 0;
		for (unsigned i = 0; i < fcs_len; i++)
			fcs |= (uint64_t)p[at++] << (8 * i);
		if (fcs_len == 2)
			fcs += 256;
		w->content_size = fcs;
		if (fcs > w->bound_max)
			return PFT_IO_ZSTD_STREAM;      /* too large to hold: stream it */
	}
	if (single)
		window = w->content_size;       /* a single-segment frame's window is its text */
	/* RFC 8878 3.1.1.2.4: Block_Maximum_Size = min(Window_Size, 128 KiB), for the block's
	 * compressed and decoded size alike; the streaming decoder rejects bigger blocks. */
	w->block_max = window < ZSTD_BLOCK_MAX ? window : ZSTD_BLOCK_MAX;
	w->checksum = (fhd >> 2) & 1;
	w->pos = hsize;
	w->header_done = 1;
	return PFT_IO_ZSTD_MORE;
}

enum pft_io_zstd_step pft_io_zstd_walk(struct pft_io_zstd_walk *w, const unsigned char *p,
				       size_t avail, int eof)
{
	w->need = 0;
	if (!w->header_done) {
		const enum pft_io_zstd_step s = walk_header(w, p, avail, eof);
		if (!w->header_done)
			return s;
	}
	for (;;) {
		if (w->last_seen) {
			const uint64_t end = w->pos + (w->checksum ? 4 : 0);
			if (end > avail)
				return need(w, end, eof);
			w->size = end;
			if (w->content_size != ZSTD_CONTENTSIZE_UNKNOWN)
				w->bound = w->content_size;
			return PFT_IO_ZSTD_DATA;
		}
		if (w->pos + 3 > avail)
			return need(w, w->pos + 3, eof);
		const unsigned char *b = p + w->pos;
		const uint32_t h = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
		const uint64_t bsize = h >> 3;
		const unsigned type = (h >> 1) & 3;
		const uint64_t stored = type == 1 ? 1 : bsize;  /* an RLE block stores one byte */
		if (bsize > w->block_max || stored > w->block_max || type == 3)
			return PFT_IO_ZSTD_STREAM;      /* corrupt: let the decoder say so */
		w->pos += 3 + stored;
		w->bound += type == 2 ? w->block_max : bsize;
		w->blocks++;
		w->last_seen = h & 1;
		if (w->content_size == ZSTD_CONTENTSIZE_UNKNOWN && w->bound > w->bound_max)
			return PFT_IO_ZSTD_STREAM;      /* too large to hold: stream it */
		/* A block costs at least 3 bytes; a frame that holds far more than its text
		 * (empty blocks by the million) is not buffered either. */
		if (w->bound_max < UINT64_MAX / 2 &&
		    w->pos > w->bound_max + w->bound_max / 64 + 4096)
			return PFT_IO_ZSTD_STREAM;
	}
}
