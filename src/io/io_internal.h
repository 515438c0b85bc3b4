/* pftally — sources: declarations shared by the files of src/io/ only.
 *
 * Every decoder (read() of plain text, gzip, zstd) writes decoded text into a line buffer
 * and hands the buffer's complete chunks to the chunker; plain files that are mapped hand
 * slices of the mapping to the chunker directly. The chunker alone decides where chunks end,
 * so every path cuts the same text into the same chunks. */
#ifndef PFT_IO_INTERNAL_H
#define PFT_IO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "io/io.h"

/* Bytes sniffed from the start of a file. */
#define PFT_IO_SNIFF_BYTES 4096

/* A line longer than this is an error (PFT_ERR_FORMAT), not an unbounded buffer: Postfix
 * writes records of at most 2000 bytes, so such a line is garbage, not a log. */
#define PFT_IO_MAX_LINE_DEFAULT ((size_t)256 << 20)

/* Plain files are mapped in windows of at least this size (and of at least two chunks), so
 * resident memory does not grow with the file. */
#define PFT_IO_MAP_WINDOW_DEFAULT ((size_t)64 << 20)

/* Compressed input is read in blocks of this size. */
#define PFT_IO_INPUT_BLOCK ((size_t)1 << 20)

/* stdin or a FIFO named on the command line: open since pft_inputs_expand() sniffed it. */
struct pft_io_pipe {
	int fd;
	int owns_fd;            /* 0 for stdin: never closed */
	unsigned char *head;    /* the sniffed bytes, replayed before the descriptor */
	size_t head_len;
	int consumed;           /* read once already */
};

/* Where the bytes of one input come from: a descriptor, after a replayed prefix. */
struct pft_io_source {
	int fd;
	const char *path;
	const unsigned char *head;
	size_t head_len;
	size_t head_pos;
	uint64_t offset;        /* raw bytes delivered so far */
	int eof;
};

/*! pft_io_source_read() : reads up to cap bytes (fewer at a pipe's whim); *got == 0 only at
 *  end of input, which also sets src->eof. @return PFT_OK or PFT_ERR_IO naming the path. */
PFT_MUST_CHECK enum pft_status pft_io_source_read(struct pft_io_source *src, void *buf,
						  size_t cap, size_t *got, struct pft_error *err);

/* Cuts text into chunks and calls the user's function. */
struct pft_io_chunker {
	pft_chunk_fn fn;
	void *ctx;
	const char *path;
	uint32_t file_index;
	size_t chunk_size;      /* >= 1 */
	struct pft_chunk_owner *owner; /* the memory of the text being emitted */
	const uint64_t *stored_pos; /* compressed bytes read so far (decoders), or NULL */
	uint64_t cutting_at;    /* decoded offset of the chunk being cut (for error reports) */
	size_t max_line;
	/* A line longer than chunk_size whose end is not in the buffer yet: [ll_start,
	 * ll_scanned) holds no '\n', so the search resumes at ll_scanned. */
	uint64_t ll_start;
	uint64_t ll_scanned;
};

/*! pft_io_chunker_emit() : hands the complete chunks at the start of text[0..len) (decoded
 *  offset `offset`) to the callback. Unless eof, stops before bytes that could still belong
 *  to a longer chunk (fewer than chunk_size bytes left, or a long line whose end is not in
 *  text). *consumed = bytes handed out; with eof, all of them.
 *  @return PFT_OK, the callback's status, or PFT_ERR_FORMAT for a line over max_line. */
PFT_MUST_CHECK enum pft_status pft_io_chunker_emit(struct pft_io_chunker *ck, const char *text,
						   size_t len, uint64_t offset, int eof,
						   size_t *consumed, struct pft_error *err);

/* Decoded text waiting to be cut into chunks.
 * Invariant: pos <= fill <= cap; buf[0..pos) was handed out, buf[pos..fill) was not (it is
 * shorter than a chunk or a long line whose end was not decoded yet); buf[0] is at decoded
 * offset `base`. */
struct pft_io_linebuf {
	struct pft_chunk_owner *owner; /* owns buf; when a consumer still holds chunks of it, the
					* pending bytes move to a fresh buffer instead */
	char *buf;
	size_t cap;
	size_t pos;
	size_t fill;
	uint64_t base;
};

/*! pft_io_linebuf_init() : allocates the buffer for chunks of chunk_size (it grows on
 *  demand). @return PFT_OK or PFT_ERR_NOMEM. */
PFT_MUST_CHECK enum pft_status pft_io_linebuf_init(struct pft_io_linebuf *lb, size_t chunk_size,
						   const char *path, struct pft_error *err);
void pft_io_linebuf_free(struct pft_io_linebuf *lb);

/*! pft_io_linebuf_space() : moves the pending bytes to the front, grows the buffer if it is
 *  full and sets [*out, *out + *out_len) to the free space (never empty). */
PFT_MUST_CHECK enum pft_status pft_io_linebuf_space(struct pft_io_linebuf *lb, char **out,
						    size_t *out_len, const char *path,
						    struct pft_error *err);

/*! pft_io_linebuf_commit() : n bytes were written into the free space: emits what is
 *  complete (everything if eof). */
PFT_MUST_CHECK enum pft_status pft_io_linebuf_commit(struct pft_io_linebuf *lb,
						     struct pft_io_chunker *ck, size_t n, int eof,
						     struct pft_error *err);

/* Decoders: src is positioned at the start of the compressed data. */
PFT_MUST_CHECK enum pft_status pft_io_read_gzip(struct pft_io_source *src,
						struct pft_io_chunker *ck, struct pft_error *err);
PFT_MUST_CHECK enum pft_status pft_io_read_zstd(struct pft_io_source *src,
						struct pft_io_chunker *ck, struct pft_error *err);

/*! pft_io_owner_new() : an owner of mem (munmap'ed when is_map, else free'd) holding one
 *  reference, for the reader. @return NULL if out of memory. */
struct pft_chunk_owner *pft_io_owner_new(void *mem, size_t len, int is_map);

/*! pft_io_owner_shared() : 1 when someone besides the reader holds a reference. */
int pft_io_owner_shared(struct pft_chunk_owner *owner);

/* Tunables, changed only by tests (before any read): the map window and the line cap. 0
 * restores a default. */
void pft_io_test_set_limits(size_t map_window, size_t max_line);
size_t pft_io_map_window(void);
size_t pft_io_max_line(void);

#endif /* PFT_IO_INTERNAL_H */
