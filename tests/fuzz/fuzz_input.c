/* Fuzz target: the format-sniffing and decompression front end.
 *
 * Input: all bytes but the last are a file (plain text, gzip, zstd, or anything); the last
 * byte chooses the chunk size (bits 0-2), whether the callback retains the chunks until the end
 * (bit 3) and how many threads decode zstd frames (bits 4-5: the default, 1, 2 or 4). The
 * file is written to a memory file, expanded with pft_inputs_expand() and read with
 * pft_input_read() twice, over two paths that must agree: plain text mapped and read(),
 * gzip through ISA-L and zlib, zstd frame-parallel and streamed. Checked:
 *   - the chunk contract: chunks are non-empty, contiguous from offset 0, hold whole lines
 *     (only the file's last chunk may lack its '\n'), are at most chunk_size bytes unless one
 *     line is longer, and are cut greedily (the same cut as any reader would make);
 *   - retained chunks keep their bytes until released;
 *   - both paths succeed or fail together, and when they succeed give the same chunks; zstd's
 *     two paths must agree exactly, failures included: the same chunks before the same error
 *     (status, offset and message);
 *   - the text equals what zlib / libzstd give when used directly (or the file itself for
 *     plain text): a decoder that accepts a file returns all of it, and rejects only what
 *     the reference rejects too. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "fuzz_check.h"
#include "io/io.h"
#include "io/io_internal.h"

/* Decoded text is capped so that a small bomb stays quick: past it the callback stops the
 * read (and the reference decoders stop too). The line cap keeps a newline-free bomb small. */
#define TEXT_CAP ((size_t)4 << 20)
#define LINE_CAP ((size_t)1 << 20)

static const size_t chunk_sizes[8] = {1, 2, 7, 64, 100, 4096, 65536, (size_t)1 << 20};

static int g_fd = -1;
static char g_path[64];

struct chunk_rec {
	uint64_t offset;
	size_t len;
	const char *data;               /* retained chunks: their memory */
	struct pft_chunk_owner *owner;
};

struct collect {
	size_t chunk_size;
	int retain;
	uint64_t file_size;
	char *text;
	size_t len, cap;
	struct chunk_rec *chunks;
	size_t n_chunks, cap_chunks;
	int ended;                      /* a chunk without '\n' came: it must be the last */
	int capped;                     /* stopped at TEXT_CAP */
	uint64_t stored_end;
};

static enum pft_status on_chunk(void *ctx, const struct pft_chunk *chunk)
{
	struct collect *c = ctx;
	FUZZ_CHECK(chunk->len > 0, "an empty chunk");
	FUZZ_CHECK(chunk->data != NULL, "a chunk without data");
	FUZZ_CHECK(chunk->file_index == 0, "file_index %u", chunk->file_index);
	FUZZ_CHECK(chunk->offset == c->len, "chunk at offset %llu after %zu bytes",
		   (unsigned long long)chunk->offset, c->len);
	FUZZ_CHECK(!c->ended, "a chunk after one that did not end with a newline");
	const char *nl = memchr(chunk->data, '\n', chunk->len);
	if (chunk->len > c->chunk_size)
		FUZZ_CHECK(nl == chunk->data + chunk->len - 1 || nl == NULL,
			   "a chunk of %zu bytes (chunk size %zu) holds more than one line",
			   chunk->len, c->chunk_size);
	if (chunk->data[chunk->len - 1] != '\n')
		c->ended = 1;
	FUZZ_CHECK(chunk->stored_end >= c->stored_end, "stored_end went back from %llu to %llu",
		   (unsigned long long)c->stored_end, (unsigned long long)chunk->stored_end);
	FUZZ_CHECK(chunk->stored_end <= c->file_size, "stored_end %llu past the file's %llu bytes",
		   (unsigned long long)chunk->stored_end, (unsigned long long)c->file_size);
	c->stored_end = chunk->stored_end;

	if (c->len + chunk->len > TEXT_CAP) {
		c->capped = 1;
		return PFT_ERR_CANCELLED;
	}
	if (c->len + chunk->len > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		while (cap < c->len + chunk->len)
			cap *= 2;
		c->text = realloc(c->text, cap);
		FUZZ_CHECK(c->text != NULL, "realloc");
		c->cap = cap;
	}
	memcpy(c->text + c->len, chunk->data, chunk->len);
	if (c->n_chunks == c->cap_chunks) {
		c->cap_chunks = c->cap_chunks ? c->cap_chunks * 2 : 64;
		c->chunks = realloc(c->chunks, c->cap_chunks * sizeof *c->chunks);
		FUZZ_CHECK(c->chunks != NULL, "realloc");
	}
	struct chunk_rec *r = &c->chunks[c->n_chunks++];
	*r = (struct chunk_rec){.offset = chunk->offset, .len = chunk->len};
	if (c->retain && chunk->owner != NULL) {
		pft_chunk_retain(chunk);
		r->data = chunk->data;
		r->owner = chunk->owner;
	}
	c->len += chunk->len;
	return PFT_OK;
}

/* Releases retained chunks after checking that their bytes did not change. */
static void release_chunks(struct collect *c)
{
	for (size_t i = 0; i < c->n_chunks; i++) {
		struct chunk_rec *r = &c->chunks[i];
		if (r->owner == NULL)
			continue;
		FUZZ_CHECK(memcmp(r->data, c->text + r->offset, r->len) == 0,
			   "retained chunk %zu at offset %llu changed before its release", i,
			   (unsigned long long)r->offset);
		pft_chunk_release(r->owner);
		r->owner = NULL;
	}
}

/* After a complete read: the chunks are the greedy cut of the text. */
static void check_greedy(const struct collect *c)
{
	size_t pos = 0, i = 0;
	const size_t cs = c->chunk_size;
	while (pos < c->len) {
		const size_t avail = c->len - pos;
		size_t n;
		if (avail <= cs) {
			n = avail;
		} else {
			n = cs;
			while (n > 0 && c->text[pos + n - 1] != '\n')
				n--;
			if (n == 0) {
				const char *nl = memchr(c->text + pos, '\n', avail);
				n = nl ? (size_t)(nl - (c->text + pos)) + 1 : avail;
			}
		}
		FUZZ_CHECK(i < c->n_chunks, "fewer chunks than the greedy cut");
		FUZZ_CHECK(c->chunks[i].len == n,
			   "chunk %zu at offset %zu is %zu bytes, the greedy cut %zu (chunk size %zu)",
			   i, pos, c->chunks[i].len, n, cs);
		pos += n;
		i++;
	}
	FUZZ_CHECK(i == c->n_chunks, "more chunks than the greedy cut");
}

static void collect_free(struct collect *c)
{
	release_chunks(c);
	free(c->text);
	free(c->chunks);
}

static enum pft_status read_once(const struct pft_inputs *inputs, struct collect *c,
				 struct pft_error *err)
{
	memset(err, 0, sizeof *err);
	enum pft_status status = pft_input_read(inputs, 0, c->chunk_size, on_chunk, c, err);
	if (c->capped) {
		FUZZ_CHECK(status == PFT_ERR_CANCELLED, "the callback's status was not returned: %s",
			   pft_status_str(status));
	} else if (status == PFT_OK) {
		check_greedy(c);
	} else {
		FUZZ_CHECK(status != PFT_ERR_CANCELLED, "cancelled without a reason");
		FUZZ_CHECK(err->status == status, "the error does not carry the status");
		FUZZ_CHECK(err->path[0] != '\0', "an error without the file's name: %s",
			   err->detail);
	}
	release_chunks(c);
	return status;
}

/* ---- reference decoders ------------------------------------------------------------------ */

enum ref_result { REF_OK, REF_BAD, REF_CAPPED };

static enum ref_result out_grow(char **out, size_t *len, size_t *cap, size_t want)
{
	if (*len + want <= *cap)
		return REF_OK;
	if (*len + want > TEXT_CAP + 1)
		return REF_CAPPED;
	size_t n = *cap ? *cap : 65536;
	while (n < *len + want)
		n *= 2;
	*out = realloc(*out, n);
	FUZZ_CHECK(*out != NULL, "realloc");
	*cap = n;
	return REF_OK;
}

/* zlib over concatenated members; zero bytes after the last member are padding. */
static enum ref_result ref_gunzip(const uint8_t *in, size_t n, char **out, size_t *out_len)
{
	size_t cap = 0;
	*out = NULL;
	*out_len = 0;
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	FUZZ_CHECK(inflateInit2(&zs, 16 + MAX_WBITS) == Z_OK, "inflateInit2");
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)n;
	enum ref_result r = REF_OK;
	for (;;) {
		if ((r = out_grow(out, out_len, &cap, 65536)) != REF_OK)
			break;
		zs.next_out = (Bytef *)*out + *out_len;
		zs.avail_out = (uInt)(cap - *out_len);
		const int ret = inflate(&zs, Z_NO_FLUSH);
		*out_len = (size_t)((char *)zs.next_out - *out);
		if (ret == Z_STREAM_END) {
			if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
				inflateReset(&zs);
				continue;
			}
			for (uInt i = 0; i < zs.avail_in; i++)
				if (zs.next_in[i] != 0)
					r = REF_BAD;
			break;
		}
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			r = REF_BAD;
			break;
		}
		if (zs.avail_out > 0) { /* all input used, stream not ended: truncated */
			r = REF_BAD;
			break;
		}
	}
	inflateEnd(&zs);
	return r;
}

/* libzstd's streaming decoder, each frame with a fresh decoder and its first byte in a call of
 * its own: that is the decoder whose verdict the reader gives (src/io/io_zstd.c). Fed otherwise,
 * the same library judges a damaged frame differently: a call that holds a whole frame with a
 * content size decodes it one-shot, without the streaming checks (window, block size), and a
 * decoder keeps the larger ring buffer of an earlier frame, from which matches past the window
 * read other bytes. */
static enum ref_result ref_unzstd(const uint8_t *in, size_t n, char **out, size_t *out_len)
{
	size_t cap = 0;
	*out = NULL;
	*out_len = 0;
	ZSTD_DStream *ds = NULL;
	ZSTD_inBuffer ib = {in, n, 0};
	enum ref_result r = REF_OK;
	size_t last = 0;
	int frame_start = 1;
	for (;;) {
		if ((r = out_grow(out, out_len, &cap, 65536)) != REF_OK)
			break;
		if (frame_start) {
			ZSTD_freeDStream(ds);
			ds = ZSTD_createDStream();
			FUZZ_CHECK(ds != NULL, "ZSTD_createDStream");
		}
		ZSTD_outBuffer ob = {*out, cap, *out_len};
		ZSTD_inBuffer part = {in, frame_start && ib.pos < n ? ib.pos + 1 : n, ib.pos};
		last = ZSTD_decompressStream(ds, &ob, &part);
		ib.pos = part.pos;
		*out_len = ob.pos;
		if (ZSTD_isError(last)) {
			r = REF_BAD;
			break;
		}
		frame_start = last == 0;
		if (ib.pos == ib.size && ob.pos < ob.size) {
			if (last != 0)
				r = REF_BAD; /* a frame is not finished: truncated */
			break;
		}
	}
	ZSTD_freeDStream(ds);
	return r;
}

/* ---- the target -------------------------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pft_io_test_set_limits(0, LINE_CAP);
	g_fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	FUZZ_CHECK(g_fd >= 0, "memfd_create");
	snprintf(g_path, sizeof g_path, "/proc/self/fd/%d", g_fd);
	return 0;
}

static void write_file(const uint8_t *data, size_t n)
{
	FUZZ_CHECK(ftruncate(g_fd, 0) == 0, "ftruncate");
	size_t done = 0;
	while (done < n) {
		const ssize_t w = pwrite(g_fd, data + done, n - done, (off_t)done);
		FUZZ_CHECK(w > 0, "pwrite");
		done += (size_t)w;
	}
}

/* memcmp() that accepts NULL for empty buffers. */
static int same_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* exact: the two paths must also fail alike (same chunks before the same error); otherwise
 * decoders may hand out more or less before they see a fault. */
static void check_same_read(const struct collect *a, enum pft_status sa,
			    const struct pft_error *ea, const struct collect *b, enum pft_status sb,
			    const struct pft_error *eb, int exact, const char *what)
{
	if (a->capped || b->capped)
		return;
	FUZZ_CHECK((sa == PFT_OK) == (sb == PFT_OK), "%s: status %s vs %s", what,
		   pft_status_str(sa), pft_status_str(sb));
	if (sa != PFT_OK && exact) {
		FUZZ_CHECK(sa == sb, "%s: status %s vs %s", what, pft_status_str(sa),
			   pft_status_str(sb));
		FUZZ_CHECK(ea->offset == eb->offset && strcmp(ea->detail, eb->detail) == 0,
			   "%s: error at %llu (%s) vs at %llu (%s)", what,
			   (unsigned long long)ea->offset, ea->detail,
			   (unsigned long long)eb->offset, eb->detail);
	}
	if (sa != PFT_OK && !exact)
		return;
	FUZZ_CHECK(a->n_chunks == b->n_chunks, "%s: %zu vs %zu chunks", what, a->n_chunks,
		   b->n_chunks);
	for (size_t i = 0; i < a->n_chunks; i++)
		FUZZ_CHECK(a->chunks[i].len == b->chunks[i].len, "%s: chunk %zu is %zu vs %zu bytes",
			   what, i, a->chunks[i].len, b->chunks[i].len);
	FUZZ_CHECK(same_bytes(a->text, a->len, b->text, b->len),
		   "%s: the texts differ", what);
}

/* Our decoder against the reference: same verdict, same text. A line over LINE_CAP is our
 * own limit (PFT_ERR_FORMAT), not a verdict on the data. same_library: our decoder runs the
 * reference's library, so on corrupt data too it must stop where the reference stops; another
 * library (ISA-L) may see a fault later (a bad distance at the CRC) or, in theory, not at all. */
static void check_reference(const struct collect *c, enum pft_status status, enum ref_result ref,
			    const char *ref_text, size_t ref_len, const char *what,
			    const struct pft_error *err, int same_library)
{
	if (c->capped || ref == REF_CAPPED || status == PFT_ERR_FORMAT)
		return;
	if (ref == REF_OK) {
		FUZZ_CHECK(status == PFT_OK, "%s: the reference decodes the file, we fail: %s (%s)",
			   what, pft_status_str(status), err->detail);
		FUZZ_CHECK(same_bytes(c->text, c->len, ref_text, ref_len),
			   "%s: %zu bytes decoded, the reference %zu, or they differ", what, c->len,
			   ref_len);
	} else if (same_library) {
		FUZZ_CHECK(status != PFT_OK,
			   "%s: we accept a file that the reference rejects (%zu bytes decoded)",
			   what, c->len);
		/* Before the error, both hand out the text as far as each got: how far depends on
		 * the buffer sizes (a library decodes more into a larger one before it sees the
		 * fault), the bytes do not. */
		const size_t common = c->len < ref_len ? c->len : ref_len;
		FUZZ_CHECK(same_bytes(c->text, common, ref_text, common),
			   "%s: the text before the error (%zu bytes) is not what the reference "
			   "decodes (%zu bytes)",
			   what, c->len, ref_len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t param = data[size - 1];
	const size_t n = size - 1;
	write_file(data, n);

	const char *paths[1] = {g_path};
	struct pft_inputs inputs;
	struct pft_error err = {0};
	enum pft_status status = pft_inputs_expand(paths, 1, &inputs, &err);
	FUZZ_CHECK(status == PFT_OK, "pft_inputs_expand: %s", pft_status_str(status));
	FUZZ_CHECK(inputs.n_files + inputs.n_errors == 1, "%zu files and %zu errors",
		   inputs.n_files, inputs.n_errors);
	if (inputs.n_files == 0) {
		FUZZ_CHECK(inputs.errors[0].status == PFT_ERR_FORMAT,
			   "a readable file refused with %s",
			   pft_status_str(inputs.errors[0].status));
		pft_inputs_free(&inputs);
		return 0;
	}
	struct pft_input_file *file = &inputs.files[0];
	FUZZ_CHECK(file->size == n, "size %llu of %zu", (unsigned long long)file->size, n);

	struct collect a = {.chunk_size = chunk_sizes[param & 7], .retain = (param >> 3) & 1,
			    .file_size = n};
	struct collect b = a;
	b.retain = !a.retain;
	struct pft_error err_a, err_b;
	enum pft_status sa, sb;
	char *ref_text = NULL;
	size_t ref_len = 0;

	switch (file->format) {
	case PFT_FORMAT_PLAIN:
		file->no_mmap = 0;
		sa = read_once(&inputs, &a, &err_a);
		file->no_mmap = 1;
		sb = read_once(&inputs, &b, &err_b);
		check_same_read(&a, sa, &err_a, &b, sb, &err_b, 0, "plain: mmap vs read()");
		check_reference(&a, sa, REF_OK, (const char *)data, n, "plain", &err_a, 1);
		break;
	case PFT_FORMAT_GZIP: {
		unsetenv("PFT_FORCE_INFLATE");
		sa = read_once(&inputs, &a, &err_a);
		setenv("PFT_FORCE_INFLATE", "zlib", 1);
		sb = read_once(&inputs, &b, &err_b);
		unsetenv("PFT_FORCE_INFLATE");
		const enum ref_result ref = ref_gunzip(data, n, &ref_text, &ref_len);
		check_reference(&b, sb, ref, ref_text, ref_len, "gzip (zlib)", &err_b, 1);
		check_reference(&a, sa, ref, ref_text, ref_len, "gzip (default inflater)", &err_a,
				0);
		check_same_read(&a, sa, &err_a, &b, sb, &err_b, 0,
				"gzip: default inflater vs zlib");
		break;
	}
	case PFT_FORMAT_ZSTD: {
		static const unsigned threads[4] = {0, 1, 2, 4};
		unsetenv("PFT_FORCE_ZSTD");
		pft_io_zstd_tune(threads[(param >> 4) & 3]);
		sa = read_once(&inputs, &a, &err_a);
		pft_io_zstd_tune(0);
		setenv("PFT_FORCE_ZSTD", "stream", 1);
		sb = read_once(&inputs, &b, &err_b);
		unsetenv("PFT_FORCE_ZSTD");
		const enum ref_result ref = ref_unzstd(data, n, &ref_text, &ref_len);
		check_reference(&b, sb, ref, ref_text, ref_len, "zstd (streamed)", &err_b, 1);
		check_reference(&a, sa, ref, ref_text, ref_len, "zstd (frames)", &err_a, 1);
		check_same_read(&a, sa, &err_a, &b, sb, &err_b, 1, "zstd: frames vs streamed");
		break;
	}
	default:
		FUZZ_CHECK(0, "format %d", (int)file->format);
	}
	free(ref_text);
	collect_free(&a);
	collect_free(&b);
	pft_inputs_free(&inputs);
	return 0;
}
