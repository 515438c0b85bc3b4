/* pftally — reading one input: chunking, plain text (mmap windows or read()), dispatch to the
 * gzip and zstd decoders. */
#include "io/io_internal.h"
#include "io/io_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t g_map_window = PFT_IO_MAP_WINDOW_DEFAULT;
static size_t g_max_line = PFT_IO_MAX_LINE_DEFAULT;

void pft_io_test_set_limits(size_t map_window, size_t max_line)
{
	g_map_window = map_window ? map_window : PFT_IO_MAP_WINDOW_DEFAULT;
	g_max_line = max_line ? max_line : PFT_IO_MAX_LINE_DEFAULT;
}

size_t pft_io_map_window(void)
{
	return g_map_window;
}

size_t pft_io_max_line(void)
{
	return g_max_line;
}

const char *pft_format_name(enum pft_format format)
{
	switch (format) {
	case PFT_FORMAT_PLAIN: return "plain";
	case PFT_FORMAT_GZIP: return "gzip";
	case PFT_FORMAT_ZSTD: return "zstd";
	}
	return "unknown";
}

/* ---- source ------------------------------------------------------------------------------ */

enum pft_status pft_io_source_read(struct pft_io_source *src, void *buf, size_t cap, size_t *got,
				   struct pft_error *err)
{
	*got = 0;
	if (cap == 0 || src->eof)
		return PFT_OK;
	if (src->head_pos < src->head_len) {
		size_t n = src->head_len - src->head_pos;
		if (n > cap)
			n = cap;
		memcpy(buf, src->head + src->head_pos, n);
		src->head_pos += n;
		src->offset += n;
		*got = n;
		return PFT_OK;
	}
	for (;;) {
		ssize_t n = read(src->fd, buf, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pft_error_set(err, PFT_ERR_IO, errno, src->path, src->offset,
					     "read failed");
		if (n == 0)
			src->eof = 1;
		src->offset += (uint64_t)n;
		*got = (size_t)n;
		return PFT_OK;
	}
}

/* ---- chunker ----------------------------------------------------------------------------- */

static enum pft_status line_too_long(const struct pft_io_chunker *ck, uint64_t offset,
				     struct pft_error *err)
{
	return pft_error_set(err, PFT_ERR_FORMAT, 0, ck->path, offset,
			     "line longer than %zu bytes at offset %llu: not a text log",
			     ck->max_line, (unsigned long long)offset);
}

enum pft_status pft_io_chunker_emit(struct pft_io_chunker *ck, const char *text, size_t len,
				    uint64_t offset, int eof, size_t *consumed,
				    struct pft_error *err)
{
	const size_t cs = ck->chunk_size;
	size_t pos = 0;
	enum pft_status status = PFT_OK;

	while (pos < len) {
		const size_t avail = len - pos;
		/* The next chunk may take bytes not decoded yet. With exactly cs bytes and more to
		 * come, a cut at the last '\n' could be wrong too: if the text ends right there,
		 * all cs bytes are the last chunk (greedy, as every reader must cut). */
		if (!eof && avail <= cs)
			break;
		const char *start = text + pos;
		const char *nl;
		size_t n;
		ck->cutting_at = offset + pos;
		if (eof && avail <= cs) {
			n = avail;      /* the rest fits in one chunk */
		} else if ((nl = memrchr(start, '\n', cs)) != NULL) {
			n = (size_t)(nl - start) + 1;
		} else {
			/* The first line is longer than a chunk: it makes a chunk of its own. */
			const uint64_t line_off = offset + pos;
			size_t from = cs;
			if (ck->ll_start == line_off && ck->ll_scanned > line_off + from)
				from = (size_t)(ck->ll_scanned - line_off);
			if (from > avail)
				from = avail;
			const char *end = memchr(start + from, '\n', avail - from);
			if (end != NULL) {
				n = (size_t)(end - start) + 1;
			} else if (eof) {
				n = avail;
			} else {
				if (avail > ck->max_line) {
					status = line_too_long(ck, line_off, err);
					break;
				}
				ck->ll_start = line_off;
				ck->ll_scanned = line_off + avail;
				break;
			}
			if (n > ck->max_line) {
				status = line_too_long(ck, line_off, err);
				break;
			}
		}
		const struct pft_chunk chunk = {
			.data = start,
			.len = n,
			.file_index = ck->file_index,
			.offset = offset + pos,
			.owner = ck->owner,
			.stored_end = ck->stored_pos ? *ck->stored_pos : offset + pos + n,
		};
		status = ck->fn(ck->ctx, &chunk);
		if (status != PFT_OK) {
			ck->fn_failed = 1;
			break;
		}
		pos += n;
	}
	*consumed = pos;
	return status;
}

/* ---- line buffer ------------------------------------------------------------------------- */

enum pft_status pft_io_linebuf_init(struct pft_io_linebuf *lb, size_t chunk_size,
				    const char *path, struct pft_error *err)
{
	/* Start small (a small file with a large chunk size stays small) but give decoders room
	 * to work in big strides; the buffer doubles until a whole chunk fits. */
	size_t cap = chunk_size;
	if (cap < ((size_t)64 << 10))
		cap = (size_t)64 << 10;
	if (cap > ((size_t)4 << 20))
		cap = (size_t)4 << 20;
	memset(lb, 0, sizeof *lb);
	lb->buf = malloc(cap);
	lb->owner = lb->buf ? pft_io_owner_new(lb->buf, cap, 0) : NULL;
	if (lb->owner == NULL) {
		free(lb->buf);
		return pft_error_set(err, PFT_ERR_NOMEM, 0, path, 0, "line buffer of %zu bytes",
				     cap);
	}
	lb->cap = cap;
	return PFT_OK;
}

void pft_io_linebuf_free(struct pft_io_linebuf *lb)
{
	pft_chunk_release(lb->owner); /* frees buf unless a consumer still holds chunks */
	lb->owner = NULL;
	lb->buf = NULL;
	lb->cap = lb->pos = lb->fill = 0;
}

/* Moves the pending bytes into a fresh buffer of the same size: the old one still holds
 * chunks a consumer has retained. */
static enum pft_status linebuf_renew(struct pft_io_linebuf *lb, const char *path,
				     struct pft_error *err)
{
	char *buf = malloc(lb->cap);
	struct pft_chunk_owner *owner = buf ? pft_io_owner_new(buf, lb->cap, 0) : NULL;
	if (owner == NULL) {
		free(buf);
		return pft_error_set(err, PFT_ERR_NOMEM, 0, path, lb->base,
				     "line buffer of %zu bytes", lb->cap);
	}
	memcpy(buf, lb->buf + lb->pos, lb->fill - lb->pos);
	pft_chunk_release(lb->owner);
	lb->owner = owner;
	lb->buf = buf;
	return PFT_OK;
}

enum pft_status pft_io_linebuf_space(struct pft_io_linebuf *lb, char **out, size_t *out_len,
				     const char *path, struct pft_error *err)
{
	if (lb->pos > 0) {
		/* What is left is a partial line (or less than a chunk): short, cheap to move. */
		if (pft_io_owner_shared(lb->owner))
			PFT_TRY(linebuf_renew(lb, path, err));
		else
			memmove(lb->buf, lb->buf + lb->pos, lb->fill - lb->pos);
		lb->base += lb->pos;
		lb->fill -= lb->pos;
		lb->pos = 0;
	}
	if (lb->fill == lb->cap) {
		/* Full and nothing handed out: the buffer is smaller than a chunk, or holds the
		 * start of a line longer than a chunk. The chunker caps the line length. */
		size_t cap = lb->cap * 2;
		char *grown = malloc(cap);
		struct pft_chunk_owner *owner = grown ? pft_io_owner_new(grown, cap, 0) : NULL;
		if (owner == NULL) {
			free(grown);
			return pft_error_set(err, PFT_ERR_NOMEM, 0, path, lb->base,
					     "line buffer of %zu bytes", cap);
		}
		memcpy(grown, lb->buf, lb->fill);
		pft_chunk_release(lb->owner);
		lb->owner = owner;
		lb->buf = grown;
		lb->cap = cap;
	}
	*out = lb->buf + lb->fill;
	*out_len = lb->cap - lb->fill;
	return PFT_OK;
}

enum pft_status pft_io_linebuf_commit(struct pft_io_linebuf *lb, struct pft_io_chunker *ck,
				      size_t n, int eof, struct pft_error *err)
{
	lb->fill += n;
	ck->owner = lb->owner;
	size_t consumed = 0;
	const enum pft_status status = pft_io_chunker_emit(
		ck, lb->buf + lb->pos, lb->fill - lb->pos, lb->base + lb->pos, eof, &consumed, err);
	lb->pos += consumed;
	return status;
}

enum pft_status pft_io_linebuf_salvage(struct pft_io_linebuf *lb, struct pft_io_chunker *ck,
				       enum pft_status status)
{
	if ((status != PFT_ERR_CORRUPT && status != PFT_ERR_IO) || ck->fn_failed || lb->buf == NULL)
		return status;
	const char *nl = memrchr(lb->buf + lb->pos, '\n', lb->fill - lb->pos);
	if (nl == NULL)
		return status;
	/* Cut as at the end of a file that ends after that newline; the error already says
	 * where the data went wrong, so a failure here (the callback's) changes nothing. */
	const size_t fill = lb->fill;
	lb->fill = (size_t)(nl - lb->buf) + 1;
	struct pft_error ignored;
	if (pft_io_linebuf_commit(lb, ck, 0, 1, &ignored) != PFT_OK)
		ck->fn_failed = 1;      /* nothing more to do either way */
	lb->fill = fill;
	return status;
}

/* ---- plain text -------------------------------------------------------------------------- */

/* A regular file read to its end is shorter than what was read of it: it was truncated
 * (copytruncate) while it was read, and what it held past this point was lost. */
static enum pft_status check_not_shrunk(const struct pft_io_source *src, struct pft_error *err)
{
	struct stat st;
	if (src->head_len > 0 || fstat(src->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size >= src->offset)
		return PFT_OK;
	return pft_error_set(err, PFT_ERR_IO, 0, src->path, src->offset,
			     "the file shrank while it was read (to %llu bytes, after %llu bytes "
			     "were read)",
			     (unsigned long long)st.st_size, (unsigned long long)src->offset);
}

/* read() from src until its end. */
static enum pft_status read_plain_fd(struct pft_io_source *src, struct pft_io_chunker *ck,
				     uint64_t start_offset, struct pft_error *err)
{
	struct pft_io_linebuf lb;
	PFT_TRY(pft_io_linebuf_init(&lb, ck->chunk_size, src->path, err));
	lb.base = start_offset;
	enum pft_status status;
	for (;;) {
		char *space = NULL; /* set by pft_io_linebuf_space(): -O3 cannot tell */
		size_t space_len = 0, got;
		status = pft_io_linebuf_space(&lb, &space, &space_len, src->path, err);
		if (status != PFT_OK)
			break;
		status = pft_io_source_read(src, space, space_len, &got, err);
		if (status == PFT_OK && got == 0)
			status = check_not_shrunk(src, err);
		if (status != PFT_OK)
			break;
		status = pft_io_linebuf_commit(&lb, ck, got, got == 0, err);
		if (status != PFT_OK || got == 0)
			break;
	}
	status = pft_io_linebuf_salvage(&lb, ck, status);
	pft_io_linebuf_free(&lb);
	return status;
}

/* The chunker over mapped text, with a landing pad for SIGBUS (see io_guard.h). */
static enum pft_status emit_guarded(struct pft_io_chunker *ck, const char *text, size_t len,
				    uint64_t offset, int eof, size_t *consumed, struct pft_error *err)
{
	sigjmp_buf jb;
	sigjmp_buf *outer = pft_io_guard_jmp;
	if (sigsetjmp(jb, 1) != 0) {
		pft_io_guard_jmp = outer;
		return pft_error_set(err, PFT_ERR_IO, 0, ck->path, ck->cutting_at,
				     "the file shrank while it was read");
	}
	pft_io_guard_jmp = &jb;
	const enum pft_status status = pft_io_chunker_emit(ck, text, len, offset, eof, consumed, err);
	pft_io_guard_jmp = outer;
	return status;
}

/* Maps the file in windows and hands out slices of the mappings: no copy. Sets *map_failed
 * (and returns PFT_OK) when mapping is refused at *pos, so the caller reads from there. */
static enum pft_status read_plain_mmap(int fd, const char *path, uint64_t size,
				       struct pft_io_chunker *ck, uint64_t *pos, int *map_failed,
				       struct pft_error *err)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t window = pft_io_map_window();
	/* At least two chunks past the page-aligned start: a window that ends before the end of
	 * the file always yields a chunk, unless a line is longer than it. */
	if (window < ck->chunk_size * 2 + page)
		window = ck->chunk_size * 2 + page;
	window = (window + page - 1) / page * page;

	*map_failed = 0;
	while (*pos < size) {
		const uint64_t map_off = *pos - *pos % page;
		const uint64_t left = size - map_off;
		const size_t map_len = left < window ? (size_t)left : window;
		void *map = mmap(NULL, map_len, PROT_READ, MAP_PRIVATE, fd, (off_t)map_off);
		if (map == MAP_FAILED) {
			*map_failed = 1;
			return PFT_OK;
		}
		(void)madvise(map, map_len, MADV_SEQUENTIAL);
		/* The window is unmapped when the last chunk in it is released. */
		ck->owner = pft_io_owner_new(map, map_len, 1);
		if (ck->owner == NULL) {
			munmap(map, map_len);
			return pft_error_set(err, PFT_ERR_NOMEM, 0, path, *pos, NULL);
		}
		const size_t skip = (size_t)(*pos - map_off);
		const int eof = map_off + map_len == size;
		size_t consumed = 0;
		const enum pft_status status = emit_guarded(ck, (const char *)map + skip,
							    map_len - skip, *pos, eof, &consumed, err);
		pft_chunk_release(ck->owner);
		ck->owner = NULL;
		if (status != PFT_OK)
			return status;
		if (consumed == 0 && !eof) {
			/* A line longer than the window: widen it (the chunker caps the line). */
			if (window > SIZE_MAX / 2)
				return pft_error_set(err, PFT_ERR_NOMEM, 0, path, *pos,
						     "mapping window too large");
			window *= 2;
		}
		*pos += consumed;
	}
	return PFT_OK;
}

static enum pft_status read_plain_file(const struct pft_input_file *file, int fd,
				       struct pft_io_chunker *ck, struct pft_error *err)
{
	struct pft_io_source src = {.fd = fd, .path = file->path};
	uint64_t pos = 0;
	if (!file->no_mmap) {
		struct stat st;
		if (fstat(fd, &st) != 0)
			return pft_error_set(err, PFT_ERR_IO, errno, file->path, 0,
					     "cannot stat");
		if (S_ISREG(st.st_mode)) {
			pft_io_guard_install();
			int map_failed;
			PFT_TRY(read_plain_mmap(fd, file->path, (uint64_t)st.st_size, ck, &pos,
						&map_failed, err));
			if (!map_failed)
				return PFT_OK;
			if (lseek(fd, (off_t)pos, SEEK_SET) < 0)
				return pft_error_set(err, PFT_ERR_IO, errno, file->path, pos,
						     "cannot seek");
			src.offset = pos;
		}
	} else {
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	return read_plain_fd(&src, ck, pos, err);
}

/* ---- dispatch ---------------------------------------------------------------------------- */

enum pft_status pft_input_read(const struct pft_inputs *inputs, size_t file_index,
			       size_t chunk_size, pft_chunk_fn fn, void *ctx, struct pft_error *err)
{
	if (inputs == NULL || file_index >= inputs->n_files || fn == NULL)
		return pft_error_set(err, PFT_ERR_USAGE, 0, NULL, 0, "no such input file");
	const struct pft_input_file *file = &inputs->files[file_index];
	if (chunk_size == 0)
		chunk_size = 1;
	if (chunk_size > pft_io_max_line())
		chunk_size = pft_io_max_line();

	struct pft_io_chunker ck = {
		.fn = fn,
		.ctx = ctx,
		.path = file->path,
		.file_index = (uint32_t)file_index,
		.chunk_size = chunk_size,
		.max_line = pft_io_max_line(),
		.ll_start = UINT64_MAX,
	};

	struct pft_io_source src = {.fd = -1, .path = file->path};
	int fd_to_close = -1;
	if (file->pipe != NULL) {
		struct pft_io_pipe *pipe = file->pipe;
		src.fd = pipe->fd;
		if (!pipe->consumed) {
			src.head = pipe->head;
			src.head_len = pipe->head_len;
		}
		pipe->consumed = 1;
	} else {
		src.fd = open(file->path, O_RDONLY | O_CLOEXEC);
		if (src.fd < 0)
			return pft_error_set(err, PFT_ERR_IO, errno, file->path, 0,
					     "cannot open");
		fd_to_close = src.fd;
	}

	enum pft_status status;
	switch (file->format) {
	case PFT_FORMAT_GZIP:
		status = pft_io_read_gzip(&src, &ck, err);
		break;
	case PFT_FORMAT_ZSTD:
		status = pft_io_read_zstd(&src, &ck, err);
		break;
	case PFT_FORMAT_PLAIN:
	default:
		if (file->pipe != NULL)
			status = read_plain_fd(&src, &ck, 0, err);
		else
			status = read_plain_file(file, src.fd, &ck, err);
		break;
	}
	if (fd_to_close >= 0)
		close(fd_to_close);
	return status;
}
