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
	int fn_failed;          /* the callback returned an error: it is called no more */
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

/*! pft_io_linebuf_salvage() : status is a reader's failure. When the data was at fault
 *  (PFT_ERR_CORRUPT: a corrupt or truncated stream; PFT_ERR_IO: a read error) rather than the
 *  callback, the complete lines decoded before the fault and still pending in lb are handed
 *  out, so that they count; the partial line after the last '\n' is dropped.
 *  @return status (unchanged: the fault is still the file's error). */
enum pft_status pft_io_linebuf_salvage(struct pft_io_linebuf *lb, struct pft_io_chunker *ck,
				       enum pft_status status);

/* Decoders: src is positioned at the start of the compressed data. */
PFT_MUST_CHECK enum pft_status pft_io_read_gzip(struct pft_io_source *src,
						struct pft_io_chunker *ck, struct pft_error *err);
PFT_MUST_CHECK enum pft_status pft_io_read_zstd(struct pft_io_source *src,
						struct pft_io_chunker *ck, struct pft_error *err);

/* ---- zstd frames (io_zstd_frames.c, io_zstd.c) -------------------------------------------
 *
 * A zstd file of several frames (pzstd writes one per 8-32 MiB of text) has its frames
 * decoded on a small pool of threads, each frame into a buffer of its own, while the reader
 * thread hands the decoded text to the chunker in order: chunks that lie inside one frame's
 * buffer are handed out from it (its owner frees it when the last chunk is released); only a
 * chunk that straddles two frames is assembled in the line buffer.
 *
 * Both paths decode a frame the same way, so they give the same text and the same errors:
 * libzstd's streaming decoder (never its one-shot decoder, which accepts frames the streaming
 * one rejects, and reads differently past the window), fed by one procedure that depends on
 * the frame's bytes alone (see io_zstd.c, "the canonical frame decoder"). A pool thread decodes
 * only frames the walk vouches for (whole in memory, of bounded size); everything else, and
 * any frame whose decoding failed on a pool thread, is decoded again on the reader from its
 * place in the file, so errors and their offsets are the streaming decoder's.
 * PFT_FORCE_ZSTD=stream in the environment makes every frame go through the reader (the
 * reference path: tests, benchmarks). */

enum pft_io_zstd_step {
	PFT_IO_ZSTD_MORE,       /* give the walk the frame's first `need` bytes and call again */
	PFT_IO_ZSTD_DATA,       /* a data frame of `size` bytes, decoding to <= `bound` bytes */
	PFT_IO_ZSTD_SKIP,       /* a skippable frame of `size` bytes */
	PFT_IO_ZSTD_STREAM,     /* not a frame the walk vouches for: let the streaming decoder
				 * judge it (garbage, truncated, corrupt headers or blocks, a
				 * dictionary, a large window, or larger than bound_max) */
};

/* The walk over one frame; keeps its place between calls. */
struct pft_io_zstd_walk {
	uint64_t bound_max;     /* a data frame that may decode to more is PFT_IO_ZSTD_STREAM */
	uint64_t content_size;  /* from the frame header; ZSTD_CONTENTSIZE_UNKNOWN if absent */
	uint64_t block_max;     /* from the frame header: min(window, 128 KiB) */
	uint64_t bound;         /* DATA: content_size if known, else a bound from the blocks */
	uint64_t size;          /* DATA, SKIP: bytes of the whole frame */
	uint64_t need;          /* MORE: bytes of the frame wanted */
	uint64_t pos;           /* bytes walked (header and whole blocks) */
	uint64_t blocks;
	int header_done, last_seen, checksum, skippable;
};

void pft_io_zstd_walk_init(struct pft_io_zstd_walk *w, uint64_t bound_max);

/*! pft_io_zstd_walk() : walks the frame that starts at p[0], whose first avail bytes are in p
 *  (the same frame, with at least as many bytes, at every call). eof: no more bytes exist;
 *  a walk that would need more then answers PFT_IO_ZSTD_STREAM. */
enum pft_io_zstd_step pft_io_zstd_walk(struct pft_io_zstd_walk *w, const unsigned char *p,
				       size_t avail, int eof);

/*! pft_io_zstd_header_size() : bytes of the frame header that starts with p[0..4] (magic and
 *  frame header descriptor), RFC 8878 3.1.1.1. */
size_t pft_io_zstd_header_size(const unsigned char *p);

/* How frame-parallel decoding runs; set before any read (the engine through pft_io_zstd_tune,
 * tests). Zeros are defaults. */
struct pft_io_zstd_tuning {
	unsigned threads;       /* threads that may decode one file's frames, the reader
				 * included: 1 is the reader alone; default: online CPUs */
	size_t frame_max;       /* larger frames are streamed on the reader; default 32 MiB */
	size_t lookahead;       /* bytes of frames queued ahead, decoded and compressed;
				 * default 64 MiB (at least one frame is always queued) */
	int stream_only;        /* 1: every frame through the reader, as PFT_FORCE_ZSTD=stream */
};

/*! pft_io_zstd_tune_all() : NULL restores the defaults. */
void pft_io_zstd_tune_all(const struct pft_io_zstd_tuning *tuning);

/*! pft_io_zstd_job_counts() : frames decoded as jobs so far, in total: handed out, and failed
 *  (then decoded again on the reader). For tests: a sound file fails none. */
void pft_io_zstd_job_counts(uint64_t *ok, uint64_t *failed);

/*! pft_io_zstd_pool_cpu_ns() : CPU time spent so far by finished decoder threads, in ns, for
 *  --stats: their decoding is not on the reader thread's clock. */
uint64_t pft_io_zstd_pool_cpu_ns(void);

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
