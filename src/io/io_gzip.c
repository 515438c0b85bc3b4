/* pftally — gzip input: ISA-L's inflate when built with it, zlib otherwise (or when
 * PFT_FORCE_INFLATE=zlib, so tests and fuzzing cover both). Concatenated members (cat a.gz
 * b.gz, pigz, bgzip) are decoded one after the other; zero bytes after the last member (tape
 * padding) are accepted, anything else after it is an error rather than silently dropped. */
#include "io/io_internal.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#ifdef PFT_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

/* Compressed bytes not yet given to the inflater: in[] holds them at ip[0..ia). */
struct gz_input {
	struct pft_io_source *src;
	unsigned char *in;
	const unsigned char *ip;
	size_t ia;
	uint64_t member_start;  /* raw offset of the current member */
};

/* Position of ip[0] in the compressed file. */
static uint64_t gz_raw_offset(const struct gz_input *gi)
{
	return gi->src->offset - gi->ia;
}

/* Keeps the unconsumed bytes and reads more after them. */
static enum pft_status gz_refill(struct gz_input *gi, struct pft_error *err)
{
	if (gi->ia > 0 && gi->ip != gi->in)
		memmove(gi->in, gi->ip, gi->ia);
	gi->ip = gi->in;
	size_t got;
	PFT_TRY(pft_io_source_read(gi->src, gi->in + gi->ia, PFT_IO_INPUT_BLOCK - gi->ia, &got,
				   err));
	gi->ia += got;
	return PFT_OK;
}

static enum pft_status gz_truncated(const struct gz_input *gi, struct pft_error *err)
{
	const uint64_t at = gz_raw_offset(gi);
	return pft_error_set(err, PFT_ERR_CORRUPT, 0, gi->src->path, at,
			     "truncated gzip member (data ends at compressed byte %llu; the member "
			     "starts at byte %llu)",
			     (unsigned long long)at, (unsigned long long)gi->member_start);
}

static enum pft_status gz_corrupt(const struct gz_input *gi, const char *why,
				  struct pft_error *err)
{
	const uint64_t at = gz_raw_offset(gi);
	return pft_error_set(err, PFT_ERR_CORRUPT, 0, gi->src->path, at,
			     "corrupt gzip member (%s) near compressed byte %llu; the member starts "
			     "at byte %llu",
			     why, (unsigned long long)at, (unsigned long long)gi->member_start);
}

/* A member just ended: sets *more if another one follows. */
static enum pft_status gz_next_member(struct gz_input *gi, int *more, struct pft_error *err)
{
	int padding = 0;
	*more = 0;
	for (;;) {
		if (gi->ia < 2 && !gi->src->eof) {
			PFT_TRY(gz_refill(gi, err));
			continue;
		}
		if (gi->ia == 0)
			return PFT_OK;
		if (!padding && gi->ia >= 2 && gi->ip[0] == 0x1f && gi->ip[1] == 0x8b) {
			gi->member_start = gz_raw_offset(gi);
			*more = 1;
			return PFT_OK;
		}
		while (gi->ia > 0 && gi->ip[0] == 0) {
			gi->ip++;
			gi->ia--;
		}
		if (gi->ia > 0) {
			const uint64_t at = gz_raw_offset(gi);
			return pft_error_set(err, PFT_ERR_CORRUPT, 0, gi->src->path, at,
					     "trailing garbage after the last gzip member at "
					     "compressed byte %llu",
					     (unsigned long long)at);
		}
		padding = 1;
	}
}

#ifdef PFT_HAVE_ISAL
static const char *isal_error_name(int ret)
{
	switch (ret) {
	case ISAL_INVALID_BLOCK: return "invalid deflate block";
	case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK: return "invalid back-reference distance";
	case ISAL_INVALID_WRAPPER: return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
	case ISAL_INCORRECT_CHECKSUM: return "CRC or length mismatch";
	default: return "inflate error";
	}
}

/* RFC 1952: a decoder must fail on a member whose reserved FLG bits (5-7) are set. zlib does;
 * ISA-L ignores them, so without this check the same file would be read with ISA-L and
 * refused with zlib. Called at the start of each member (ip[0] is its first byte). */
static enum pft_status gz_check_flags(struct gz_input *gi, struct pft_error *err)
{
	while (gi->ia < 4 && !gi->src->eof)
		PFT_TRY(gz_refill(gi, err));
	if (gi->ia >= 4 && (gi->ip[3] & 0xE0) != 0)
		return gz_corrupt(gi, "reserved header flags set", err);
	return PFT_OK; /* a shorter member is truncated: the inflater says so */
}

static enum pft_status gzip_isal(struct gz_input *gi, struct pft_io_linebuf *lb,
				 struct pft_io_chunker *ck, struct pft_error *err)
{
	struct inflate_state *st = malloc(sizeof *st);
	if (st == NULL)
		return pft_error_set(err, PFT_ERR_NOMEM, 0, gi->src->path, 0, "inflate state");
	isal_inflate_init(st);
	st->crc_flag = ISAL_GZIP;       /* parse the header, verify CRC-32 and length */

	enum pft_status status = gz_check_flags(gi, err);
	while (status == PFT_OK) {
		if (gi->ia == 0 && !gi->src->eof) {
			status = gz_refill(gi, err);
			if (status != PFT_OK)
				break;
		}
		char *out;
		size_t out_len;
		status = pft_io_linebuf_space(lb, &out, &out_len, gi->src->path, err);
		if (status != PFT_OK)
			break;
		if (out_len > UINT32_MAX)
			out_len = UINT32_MAX;
		const size_t ia_before = gi->ia;
		st->next_in = (uint8_t *)gi->ip;
		st->avail_in = (uint32_t)gi->ia;
		st->next_out = (uint8_t *)out;
		st->avail_out = (uint32_t)out_len;
		const int ret = isal_inflate(st);
		gi->ip = st->next_in;
		gi->ia = st->avail_in;
		const size_t produced = (size_t)((char *)st->next_out - out);
		status = pft_io_linebuf_commit(lb, ck, produced, 0, err);
		if (status != PFT_OK)
			break;
		if (ret < 0) {
			status = gz_corrupt(gi, isal_error_name(ret), err);
			break;
		}
		if (st->block_state == ISAL_BLOCK_FINISH) {
			int more;
			status = gz_next_member(gi, &more, err);
			if (status != PFT_OK || !more)
				break;
			isal_inflate_reset(st);
			st->crc_flag = ISAL_GZIP;
			status = gz_check_flags(gi, err);
			continue;
		}
		if (st->avail_out > 0 && gi->ia == 0 && gi->src->eof) {
			status = gz_truncated(gi, err);
			break;
		}
		if (produced == 0 && gi->ia == ia_before && gi->ia > 0) {
			status = gz_corrupt(gi, "no progress", err);
			break;
		}
	}
	free(st);
	return status;
}
#endif

static enum pft_status gzip_zlib(struct gz_input *gi, struct pft_io_linebuf *lb,
				 struct pft_io_chunker *ck, struct pft_error *err)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return pft_error_set(err, PFT_ERR_NOMEM, 0, gi->src->path, 0, "inflate state");

	enum pft_status status = PFT_OK;
	for (;;) {
		if (gi->ia == 0 && !gi->src->eof) {
			status = gz_refill(gi, err);
			if (status != PFT_OK)
				break;
		}
		char *out;
		size_t out_len;
		status = pft_io_linebuf_space(lb, &out, &out_len, gi->src->path, err);
		if (status != PFT_OK)
			break;
		if (out_len > UINT32_MAX)
			out_len = UINT32_MAX;
		zs.next_in = (Bytef *)gi->ip;
		zs.avail_in = (uInt)gi->ia;
		zs.next_out = (Bytef *)out;
		zs.avail_out = (uInt)out_len;
		const int ret = inflate(&zs, Z_NO_FLUSH);
		gi->ip = zs.next_in;
		gi->ia = zs.avail_in;
		const size_t produced = (size_t)((char *)zs.next_out - out);
		status = pft_io_linebuf_commit(lb, ck, produced, 0, err);
		if (status != PFT_OK)
			break;
		if (ret == Z_STREAM_END) {
			int more;
			status = gz_next_member(gi, &more, err);
			if (status != PFT_OK || !more)
				break;
			inflateReset(&zs);
			continue;
		}
		if (ret == Z_MEM_ERROR) {
			status = pft_error_set(err, PFT_ERR_NOMEM, 0, gi->src->path,
					       gz_raw_offset(gi), "inflate");
			break;
		}
		if (ret == Z_NEED_DICT) {
			status = gz_corrupt(gi, "needs a preset dictionary", err);
			break;
		}
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			status = gz_corrupt(gi, zs.msg ? zs.msg : "inflate error", err);
			break;
		}
		if (zs.avail_out > 0 && gi->ia == 0 && gi->src->eof) {
			status = gz_truncated(gi, err);
			break;
		}
		if (ret == Z_BUF_ERROR && gi->ia > 0) {
			status = gz_corrupt(gi, "no progress", err);
			break;
		}
	}
	inflateEnd(&zs);
	return status;
}

#ifdef PFT_HAVE_ISAL
static int force_zlib(void)
{
	const char *force = getenv("PFT_FORCE_INFLATE");
	return force != NULL && strcmp(force, "zlib") == 0;
}
#endif

enum pft_status pft_io_read_gzip(struct pft_io_source *src, struct pft_io_chunker *ck,
				 struct pft_error *err)
{
	struct gz_input gi = {.src = src, .member_start = src->offset};
	gi.in = malloc(PFT_IO_INPUT_BLOCK);
	if (gi.in == NULL)
		return pft_error_set(err, PFT_ERR_NOMEM, 0, src->path, 0, "input buffer");
	gi.ip = gi.in;
	struct pft_io_linebuf lb;
	ck->stored_pos = &src->offset;
	enum pft_status status = pft_io_linebuf_init(&lb, ck->chunk_size, src->path, err);
	if (status == PFT_OK) {
#ifdef PFT_HAVE_ISAL
		if (!force_zlib())
			status = gzip_isal(&gi, &lb, ck, err);
		else
#endif
			status = gzip_zlib(&gi, &lb, ck, err);
		if (status == PFT_OK)
			status = pft_io_linebuf_commit(&lb, ck, 0, 1, err);
		else    /* the lines decoded before the fault still count */
			status = pft_io_linebuf_salvage(&lb, ck, status);
		pft_io_linebuf_free(&lb);
	}
	free(gi.in);
	return status;
}
