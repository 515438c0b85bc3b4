/* pftally — sources: from the paths on the command line to line-aligned chunks of text.
 *
 * pft_inputs_expand() turns PATH arguments (files, directories, "-") into an ordered list of
 * input files: each file's format is sniffed by magic bytes, files are grouped into rotation
 * sets ("streams": mail.log, mail.log.1, mail.log.2.gz, ... or maillog-YYYYMMDD[.gz]) and each
 * stream is ordered oldest -> newest, whatever order the paths came in. Streams are ordered by
 * their base path so the result never depends on argument order.
 *
 * pft_input_read() decodes one file (plain: mmap or read(); gzip: ISA-L, zlib fallback, multi
 * member; zstd: libzstd, multi frame) and hands it to a callback as chunks that end on '\n'
 * (only the last chunk of a file may end without one). The chunk memory is valid during the
 * callback, or until released when the callback retains it (pft_chunk_retain). */
#ifndef PFT_IO_H
#define PFT_IO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "pftally/status.h"

enum pft_format {
	PFT_FORMAT_PLAIN = 0,
	PFT_FORMAT_GZIP,
	PFT_FORMAT_ZSTD,
};

/*! pft_format_name() : "plain", "gzip" or "zstd". */
const char *pft_format_name(enum pft_format format);

struct pft_io_pipe;

struct pft_input_file {
	char *path;             /* as given or as found in a directory; "-" for stdin */
	enum pft_format format;
	uint64_t size;          /* on-disk size in bytes (0 for pipes) */
	time_t mtime;           /* modification time; 0 if unknown (pipe) */
	uint32_t stream;        /* index of the rotation set this file belongs to */
	uint8_t is_stdin;
	uint8_t no_mmap;        /* plain text is read with read(), not mapped: set for pipes and
				 * for a file modified in the last minute (a live log:
				 * copytruncate would make a mapping raise SIGBUS); the CLI may set
				 * it on every file (--no-mmap) */
	struct pft_io_pipe *pipe; /* internal: stdin or a FIFO, kept open since sniffing with the
				   * bytes sniffed; such a file can be read only once */
};

struct pft_inputs {
	struct pft_input_file *files;   /* ordered: stream 0 oldest..newest, stream 1 ..., */
	size_t n_files;
	uint32_t n_streams;
	struct pft_error *errors;       /* paths left out: missing, unreadable, unsupported */
	size_t n_errors;
};

/*! pft_inputs_expand() : expands paths into *out (owned by the caller, freed with
 *  pft_inputs_free()). A path that cannot be used (missing, unreadable, a directory that
 *  cannot be listed, an unsupported format such as xz/bzip2/lz4 or binary data) is left out
 *  and described in out->errors, so the other inputs are still read; only running out of
 *  memory fails the call. A directory contributes its mail-log files (names starting with
 *  "mail", "maillog" or ending in ".log", plus their rotated forms), not its subdirectories,
 *  hidden files, or the per-level copies mail.err, mail.warn, mail.info, ... that some syslog
 *  setups write beside mail.log (they repeat its lines). A file named twice (or by two
 *  names) is read once.
 *  @return PFT_OK, or an error naming the path (missing file, unreadable, unsupported format
 *  such as xz/bzip2/lz4 or binary data). */
PFT_MUST_CHECK enum pft_status pft_inputs_expand(const char *const *paths, size_t n_paths,
						 struct pft_inputs *out, struct pft_error *err);
void pft_inputs_free(struct pft_inputs *inputs);

/*! pft_inputs_add_error() : appends a copy of *err to inputs->errors. @return PFT_OK or
 *  PFT_ERR_NOMEM. */
PFT_MUST_CHECK enum pft_status pft_inputs_add_error(struct pft_inputs *inputs,
						    const struct pft_error *err);

/*! pft_rotation_compare() : orders two file names of one rotation set, oldest first
 *  (mail.log.10.gz < mail.log.2 < mail.log.1 < mail.log; maillog-20240101 < maillog-20240102
 *  < maillog). Exposed for tests. */
int pft_rotation_compare(const char *a, const char *b);

/*! pft_rotation_base() : writes the rotation-set base of path (e.g. "/var/log/mail.log" for
 *  "/var/log/mail.log.2.gz") into buf. Exposed for tests. */
void pft_rotation_base(const char *path, char *buf, size_t size);

/* The memory a chunk lives in: a mapping window or a decode buffer, reference counted so a
 * worker thread can keep a chunk after the reader's callback has returned. */
struct pft_chunk_owner;

struct pft_chunk {
	const char *data;       /* text, ends with '\n' unless it is the file's last chunk */
	size_t len;
	uint32_t file_index;    /* index into pft_inputs.files */
	uint64_t offset;        /* offset of data[0] in the file's decoded text */
	struct pft_chunk_owner *owner; /* NULL: data is valid during the callback only */
	uint64_t stored_end;    /* bytes of the file as stored (compressed) read so far: progress */
};

/*! pft_chunk_retain() : keeps chunk->data valid after the callback returns, until a matching
 *  pft_chunk_release(chunk->owner). A chunk without owner is copied by the caller instead.
 *  Thread-safe: the reader may go on decoding while workers hold earlier chunks. */
void pft_chunk_retain(const struct pft_chunk *chunk);
void pft_chunk_release(struct pft_chunk_owner *owner);

typedef enum pft_status (*pft_chunk_fn)(void *ctx, const struct pft_chunk *chunk);

/*! pft_input_read() : decodes inputs->files[file_index] and calls fn for each chunk, in order.
 *  Chunks hold whole lines and are at most chunk_size bytes, except that a line longer than
 *  chunk_size makes a chunk of its own. Chunks are greedy (each takes every line that fits),
 *  so a text is cut at the same places whatever its format or reader. chunk_size is clamped
 *  to [1, 256 MiB]; a line longer than 256 MiB is an error (PFT_ERR_FORMAT), not a buffer
 *  that grows without bound. A non-OK status from fn stops reading and is returned as is.
 *  An empty file makes no chunk. Different files may be read on different threads at once;
 *  stdin and FIFOs can be read only once. PFT_FORCE_INFLATE=zlib in the environment makes
 *  gzip go through zlib even when ISA-L is built in (tests, fuzzing).
 *  @return PFT_OK, or an error naming the file and byte offset (corrupt/truncated data: the
 *  compressed offset; I/O errors and over-long lines: the decoded offset). */
PFT_MUST_CHECK enum pft_status pft_input_read(const struct pft_inputs *inputs, size_t file_index,
					      size_t chunk_size, pft_chunk_fn fn, void *ctx,
					      struct pft_error *err);

/*! pft_io_zstd_tune() : how many threads may decode the frames of one zstd file at once,
 *  the thread reading it included (frames of a multi-frame file, as pzstd writes, decode in
 *  parallel; the text and errors are the same whatever the number). 1: the reading thread
 *  alone; 0 restores the default (online CPUs, at most 64). Each such thread holds at most a
 *  frame's text (32 MiB) and a decoder window at a time. Call before any pft_input_read();
 *  not thread-safe. */
void pft_io_zstd_tune(unsigned threads);

#endif /* PFT_IO_H */
