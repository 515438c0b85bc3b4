/* Tests for frame-parallel zstd decoding (src/io/io_zstd.c, src/io/io_zstd_frames.c): files of
 * 1, 2, 7 and 64 frames (cut inside lines and at line ends, with empty and skippable frames,
 * with and without the content size in the frame header) read with chunk sizes from 1 byte to
 * 4 MiB on pools of several sizes give the text, cut at exactly the places the streaming
 * decoder (the single-threaded reference) and the chunker itself cut it; chunks stay valid
 * while retained; corrupt and truncated frames are reported with the compressed offset of the
 * bad frame; damaged files (changed bytes, cuts, matches past the window) give every path the
 * reference's chunks and error, byte for byte; a sound file decodes each frame once; the frame
 * walk agrees with libzstd. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ZSTD_STATIC_LINKING_ONLY       /* block-level compression, to make odd frames */
#define ZSTD_DISABLE_DEPRECATE_WARNINGS
#include <zstd.h>

#include "io/io.h"
#include "io/io_internal.h"
#include "pft_test.h"

/* ---- building files ---------------------------------------------------------------------- */

struct bytes {
	unsigned char *p;
	size_t len, cap;
};

static void bytes_add(struct bytes *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		cr_assert_not_null(b->p);
	}
	if (n > 0)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* Where each data frame of a built file lies. */
struct frame_at {
	size_t coff, csize;     /* in the file */
	size_t toff, tlen;      /* in the text */
};

struct built {
	struct bytes file;
	struct frame_at frames[256];
	size_t n_frames;        /* data frames, empty ones included */
};

static void add_frame(struct built *b, const char *text, size_t toff, size_t tlen,
		      int content_size, int level)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	cr_assert_not_null(cctx);
	cr_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)));
	cr_assert(!ZSTD_isError(
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, content_size)));
	cr_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)));
	const size_t bound = ZSTD_compressBound(tlen);
	void *out = malloc(bound);
	cr_assert_not_null(out);
	const size_t n = ZSTD_compress2(cctx, out, bound, text + toff, tlen);
	cr_assert(!ZSTD_isError(n), "%s", ZSTD_getErrorName(n));
	ZSTD_freeCCtx(cctx);
	const unsigned long long fcs = ZSTD_getFrameContentSize(out, n);
	if (content_size)
		cr_assert_eq(fcs, tlen);
	else
		cr_assert_eq(fcs, ZSTD_CONTENTSIZE_UNKNOWN);
	cr_assert_lt(b->n_frames, sizeof b->frames / sizeof b->frames[0]);
	b->frames[b->n_frames++] = (struct frame_at){b->file.len, n, toff, tlen};
	bytes_add(&b->file, out, n);
	free(out);
}

/* A skippable frame as pzstd writes before each data frame (4 bytes of payload). */
static void add_skippable(struct built *b, unsigned variant, size_t payload)
{
	unsigned char head[8] = {(unsigned char)(0x50 + (variant & 15)), 0x2a, 0x4d, 0x18,
				 (unsigned char)payload, (unsigned char)(payload >> 8),
				 (unsigned char)(payload >> 16), (unsigned char)(payload >> 24)};
	bytes_add(&b->file, head, sizeof head);
	for (size_t i = 0; i < payload; i++)
		bytes_add(&b->file, "\x28", 1);  /* looks like a zstd magic's first byte */
}

enum extras {
	PLAIN_FRAMES = 0,
	PZSTD_STYLE = 1,        /* a skippable frame before every data frame */
	EMPTY_FRAMES = 2,       /* empty data frames between, and one first */
	SKIP_BETWEEN = 4,       /* a skippable frame here and there, and one last */
};

/* text cut into n_frames data frames: odd cuts right after a '\n', even ones inside a line. */
static void build(struct built *b, const char *text, size_t len, size_t n_frames,
		  int content_size, int extras)
{
	memset(b, 0, sizeof *b);
	uint32_t seed = (uint32_t)(n_frames * 7919 + (size_t)extras * 31 + (size_t)content_size);
	size_t start = 0;
	if (extras & EMPTY_FRAMES)
		add_frame(b, text, 0, 0, content_size, 1);
	for (size_t i = 0; i < n_frames; i++) {
		size_t end = len;
		if (i + 1 < n_frames) {
			seed = seed * 1103515245u + 12345u;
			end = len * (i + 1) / n_frames + (seed >> 16) % 97;
			if (end > len)
				end = len;
			if (i % 2 == 1) {
				const char *nl = memchr(text + end, '\n', len - end);
				end = nl ? (size_t)(nl - text) + 1 : len;
			}
			if (end < start)
				end = start;
		}
		if (extras & PZSTD_STYLE)
			add_skippable(b, 0, 4);
		if ((extras & SKIP_BETWEEN) && i % 3 == 1)
			add_skippable(b, (unsigned)i, 100 + i);
		add_frame(b, text, start, end - start, content_size, i % 2 ? 1 : 3);
		if ((extras & EMPTY_FRAMES) && i % 5 == 2)
			add_frame(b, text, end, 0, content_size, 1);
		start = end;
	}
	if (extras & SKIP_BETWEEN)
		add_skippable(b, 15, 0);
}

static char *write_file(const char *dir, const char *name, const struct bytes *data)
{
	char *path = malloc(strlen(dir) + strlen(name) + 2);
	cr_assert_not_null(path);
	sprintf(path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	if (data->len > 0)
		cr_assert_eq(fwrite(data->p, 1, data->len, f), data->len);
	cr_assert_eq(fclose(f), 0);
	return path;
}

static void remove_dir(char *dir)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(pft_test_run(cmd, NULL), 0);
	free(dir);
}

static int is_skippable(const unsigned char *p, size_t n)
{
	return n >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18;
}

/* RFC 8878 §3.1.1.1: magic, descriptor, window, dictionary ID, content size. */
static size_t frame_header_size(const unsigned char *p)
{
	static const size_t did[4] = {0, 1, 2, 4}, fcs[4] = {0, 2, 4, 8};
	const unsigned fhd = p[4], single = (fhd >> 5) & 1;
	return 5 + !single + did[fhd & 3] + ((fhd >> 6) == 0 ? single : fcs[fhd >> 6]);
}

/* A log-like text of about 1.4 MiB: lines of 0..300 bytes, a line of 300 000 'x' (RLE
 * blocks), one of 150 000 random bytes (raw blocks), one of 70 000 bytes; with or without a
 * final newline. */
static char *make_text(size_t *len, int final_newline)
{
	size_t cap = (size_t)2 << 20, n = 0;
	char *t = malloc(cap);
	cr_assert_not_null(t);
	uint32_t seed = 4242;
	for (int line = 0; line < 6000; line++) {
		seed = seed * 1103515245u + 12345u;
		size_t ll = (seed >> 16) % 301;
		if (line % 89 == 5)
			ll = 0;
		if (line == 1000) {
			memset(t + n, 'x', 300000);
			n += 300000;
			ll = 0;
		}
		if (line == 3000) {
			for (int i = 0; i < 150000; i++) {
				seed = seed * 1103515245u + 12345u;
				char c = (char)(seed >> 23);
				t[n++] = c == '\n' ? 'n' : c;
			}
			ll = 0;
		}
		if (line == 4500)
			ll = 70000;
		for (size_t i = 0; i < ll; i++) {
			seed = seed * 1103515245u + 12345u;
			t[n++] = (char)(' ' + (seed >> 16) % 95);
		}
		t[n++] = '\n';
	}
	static const char last[] = "Jun 17 10:22:33 host postfix/smtp[1]: last line";
	memcpy(t + n, last, sizeof last - 1);
	n += sizeof last - 1;
	if (final_newline)
		t[n++] = '\n';
	cr_assert_lt(n, cap);
	*len = n;
	return t;
}

/* ---- reading ----------------------------------------------------------------------------- */

struct cut {
	uint64_t offset;
	size_t len;
};

struct reading {
	struct bytes text;
	struct cut *cuts;
	size_t n_cuts, cap_cuts;
	int retain;             /* keep every chunk until the end (as slow workers would) */
	struct pft_chunk *held;
	size_t stop_after;      /* > 0: the callback fails at that chunk */
};

static enum pft_status collect(void *ctx, const struct pft_chunk *c)
{
	struct reading *r = ctx;
	cr_assert_gt(c->len, 0);
	if (r->n_cuts == r->cap_cuts) {
		r->cap_cuts = r->cap_cuts * 2 + 64;
		r->cuts = realloc(r->cuts, r->cap_cuts * sizeof *r->cuts);
		r->held = realloc(r->held, r->cap_cuts * sizeof *r->held);
		cr_assert(r->cuts && r->held);
	}
	r->cuts[r->n_cuts] = (struct cut){c->offset, c->len};
	if (r->retain) {
		cr_assert_not_null(c->owner, "a decoder chunk without owner");
		pft_chunk_retain(c);
		r->held[r->n_cuts] = *c;
	}
	r->n_cuts++;
	bytes_add(&r->text, c->data, c->len);
	if (r->stop_after > 0 && r->n_cuts == r->stop_after)
		return PFT_ERR_CANCELLED;
	return PFT_OK;
}

static void reading_free(struct reading *r)
{
	free(r->text.p);
	free(r->cuts);
	free(r->held);
	memset(r, 0, sizeof *r);
}

static enum pft_status read_path(const char *path, size_t chunk_size,
				 const struct pft_io_zstd_tuning *tuning, struct reading *r,
				 struct pft_error *err)
{
	const char *paths[] = {path};
	struct pft_inputs in;
	cr_assert_eq(pft_inputs_expand(paths, 1, &in, err), PFT_OK, "%s", err->detail);
	cr_assert_eq(in.files[0].format, PFT_FORMAT_ZSTD);
	pft_io_zstd_tune_all(tuning);
	const enum pft_status s = pft_input_read(&in, 0, chunk_size, collect, r, err);
	pft_io_zstd_tune_all(NULL);
	pft_inputs_free(&in);
	return s;
}

/* The cuts the chunker makes in the whole text at once: the definition. */
static enum pft_status cut_only(void *ctx, const struct pft_chunk *c)
{
	struct reading *r = ctx;
	if (r->n_cuts == r->cap_cuts) {
		r->cap_cuts = r->cap_cuts * 2 + 64;
		r->cuts = realloc(r->cuts, r->cap_cuts * sizeof *r->cuts);
		cr_assert_not_null(r->cuts);
	}
	r->cuts[r->n_cuts++] = (struct cut){c->offset, c->len};
	return PFT_OK;
}

static void chunker_cuts(const char *text, size_t len, size_t chunk_size, struct reading *r)
{
	struct pft_io_chunker ck = {
		.fn = cut_only,
		.ctx = r,
		.path = "text",
		.chunk_size = chunk_size,
		.max_line = pft_io_max_line(),
		.ll_start = UINT64_MAX,
	};
	size_t consumed = 0;
	struct pft_error err = {0};
	cr_assert_eq(pft_io_chunker_emit(&ck, text, len, 0, 1, &consumed, &err), PFT_OK);
	cr_assert_eq(consumed, len);
}

static void same_cuts(const struct reading *want, const struct reading *got, const char *what)
{
	cr_assert_eq(got->n_cuts, want->n_cuts, "%s: %zu chunks, %zu expected", what, got->n_cuts,
		     want->n_cuts);
	for (size_t i = 0; i < want->n_cuts; i++)
		cr_assert(got->cuts[i].offset == want->cuts[i].offset &&
				  got->cuts[i].len == want->cuts[i].len,
			  "%s: chunk %zu at %llu+%zu, expected %llu+%zu", what, i,
			  (unsigned long long)got->cuts[i].offset, got->cuts[i].len,
			  (unsigned long long)want->cuts[i].offset, want->cuts[i].len);
}

static const size_t chunk_sizes[] = {1, 7, 1024, 65536, (size_t)4 << 20};
#define N_CHUNK_SIZES (sizeof chunk_sizes / sizeof chunk_sizes[0])

static const struct pft_io_zstd_tuning tunings[] = {
	{0},                                                    /* defaults */
	{.threads = 2, .lookahead = 1},                         /* one thread, one frame ahead */
	{.threads = 3, .frame_max = 64 << 10},                  /* big frames streamed between */
	{.threads = 7, .lookahead = (size_t)256 << 10},
	{.threads = 1},                                         /* the reader alone */
};
#define N_TUNINGS (sizeof tunings / sizeof tunings[0])

/* Reads path every way and checks text and cuts against the reference. */
static void check_file(const char *path, const char *text, size_t len, const char *label)
{
	const struct pft_io_zstd_tuning stream = {.stream_only = 1};
	for (size_t c = 0; c < N_CHUNK_SIZES; c++) {
		const size_t cs = chunk_sizes[c];
		struct reading def = {0}, ref = {0};
		struct pft_error err = {0};
		chunker_cuts(text, len, cs, &def);
		cr_assert_eq(read_path(path, cs, &stream, &ref, &err), PFT_OK, "%s: %s", label,
			     err.detail);
		cr_assert_eq(ref.text.len, len, "%s, chunk %zu: streaming: %zu bytes of %zu", label,
			     cs, ref.text.len, len);
		cr_assert(len == 0 || memcmp(ref.text.p, text, len) == 0);
		char what[160];
		snprintf(what, sizeof what, "%s, chunk %zu, streaming vs chunker", label, cs);
		same_cuts(&def, &ref, what);
		uint64_t ok0, failed0, ok1, failed1;
		pft_io_zstd_job_counts(&ok0, &failed0);
		for (size_t t = 0; t < N_TUNINGS; t++) {
			struct reading got = {.retain = t == 1};
			const enum pft_status s = read_path(path, cs, &tunings[t], &got, &err);
			cr_assert_eq(s, PFT_OK, "%s, chunk %zu, tuning %zu: %s", label, cs, t,
				     err.detail);
			snprintf(what, sizeof what, "%s, chunk %zu, tuning %zu", label, cs, t);
			cr_assert_eq(got.text.len, len, "%s: %zu bytes of %zu", what, got.text.len,
				     len);
			cr_assert(len == 0 || memcmp(got.text.p, text, len) == 0,
				  "%s: text differs", what);
			same_cuts(&ref, &got, what);
			/* Retained chunks are intact after the reader is gone, then freed. */
			for (size_t i = 0; got.retain && i < got.n_cuts; i++) {
				const struct pft_chunk *h = &got.held[i];
				cr_assert(memcmp(h->data, text + h->offset, h->len) == 0,
					  "%s: retained chunk %zu changed", what, i);
				pft_chunk_release(h->owner);
			}
			reading_free(&got);
		}
		/* A sound file is decoded once: no job fails and is decoded again. */
		pft_io_zstd_job_counts(&ok1, &failed1);
		cr_assert_eq(failed1, failed0, "%s, chunk %zu: %llu frames decoded twice", label, cs,
			     (unsigned long long)(failed1 - failed0));
		reading_free(&def);
		reading_free(&ref);
	}
}

static void check_layouts(size_t n_frames)
{
	char *dir = pft_test_tmpdir();
	cr_assert_not_null(dir);
	for (int final_nl = 0; final_nl < 2; final_nl++) {
		size_t len;
		char *text = make_text(&len, final_nl);
		static const int layouts[] = {PLAIN_FRAMES, PZSTD_STYLE | EMPTY_FRAMES,
					      SKIP_BETWEEN | EMPTY_FRAMES};
		for (size_t l = 0; l < sizeof layouts / sizeof layouts[0]; l++) {
			for (int fcs = 0; fcs < 2; fcs++) {
				if (final_nl && l != 1)
					continue;       /* the final newline once is enough */
				struct built b;
				build(&b, text, len, n_frames, fcs, layouts[l]);
				char *path = write_file(dir, "mail.log.1.zst", &b.file);
				char label[128];
				snprintf(label, sizeof label,
					 "%zu frames, layout %d, %s content size%s", n_frames,
					 layouts[l], fcs ? "with" : "without",
					 final_nl ? ", final newline" : "");
				check_file(path, text, len, label);
				free(path);
				free(b.file.p);
			}
		}
		free(text);
	}
	remove_dir(dir);
}

/* ---- the chunking contract --------------------------------------------------------------- */

Test(zstd_frames, one_frame, .timeout = 600)
{
	check_layouts(1);
}

Test(zstd_frames, two_frames, .timeout = 600)
{
	check_layouts(2);
}

Test(zstd_frames, seven_frames, .timeout = 600)
{
	check_layouts(7);
}

Test(zstd_frames, sixty_four_frames, .timeout = 600)
{
	check_layouts(64);
}

Test(zstd_frames, tiny_texts_and_empty_frames)
{
	char *dir = pft_test_tmpdir();
	static const char *const texts[] = {"", "x", "a\nb", "\n\n\n", "one line\n",
					    "ab\ncd\nef\ngh"};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		const size_t len = strlen(texts[i]);
		for (size_t n = 1; n <= 5; n++) {
			for (int extras = 0; extras < 8; extras++) {
				struct built b;
				build(&b, texts[i], len, n, extras & 1, extras);
				char *path = write_file(dir, "mail.log.1.zst", &b.file);
				char label[96];
				snprintf(label, sizeof label, "text %zu, %zu frames, extras %d", i,
					 n, extras);
				check_file(path, texts[i], len, label);
				free(path);
				free(b.file.p);
			}
		}
	}
	remove_dir(dir);
}

/* A line longer than a chunk that runs over several frames. */
Test(zstd_frames, long_line_across_frames)
{
	char *dir = pft_test_tmpdir();
	const size_t len = 400000;
	char *text = malloc(len);
	for (size_t i = 0; i < len; i++)
		text[i] = (char)('a' + i % 26);
	memcpy(text, "short\n", 6);
	text[200000] = '\n';
	text[len - 1] = '\n';
	struct built b;
	build(&b, text, len, 40, 0, PLAIN_FRAMES);
	char *path = write_file(dir, "mail.log.1.zst", &b.file);
	check_file(path, text, len, "long lines over 40 frames");
	free(path);
	free(b.file.p);
	free(text);
	remove_dir(dir);
}

/* A skippable frame too large to buffer is left to the streaming decoder, which skips it;
 * the frames after it are decoded in parallel again. */
Test(zstd_frames, huge_skippable_frame_between)
{
	char *dir = pft_test_tmpdir();
	size_t len;
	char *text = make_text(&len, 1);
	struct built b, tail;
	build(&b, text, len / 2, 5, 0, PZSTD_STYLE);
	build(&tail, text + len / 2, len - len / 2, 5, 1, PZSTD_STYLE);
	add_skippable(&b, 3, (size_t)17 << 20);
	bytes_add(&b.file, tail.file.p, tail.file.len);
	char *path = write_file(dir, "mail.log.1.zst", &b.file);
	for (size_t t = 0; t < N_TUNINGS; t++) {
		struct reading r = {0};
		struct pft_error err = {0};
		cr_assert_eq(read_path(path, 65536, &tunings[t], &r, &err), PFT_OK, "%s",
			     err.detail);
		cr_assert_eq(r.text.len, len);
		cr_assert(memcmp(r.text.p, text, len) == 0);
		struct reading def = {0};
		chunker_cuts(text, len, 65536, &def);
		same_cuts(&def, &r, "huge skippable frame");
		reading_free(&def);
		reading_free(&r);
	}
	free(path);
	free(b.file.p);
	free(tail.file.p);
	free(text);
	remove_dir(dir);
}

/* Decoder threads run (their CPU time is counted for --stats); one frame starts none. */
Test(zstd_frames, threads_start_for_several_frames_only)
{
	char *dir = pft_test_tmpdir();
	size_t len;
	char *text = make_text(&len, 1);
	const struct pft_io_zstd_tuning t = {.threads = 2};
	for (size_t n = 1; n <= 64; n += 63) {
		struct built b;
		build(&b, text, len, n, 1, PZSTD_STYLE);
		char *path = write_file(dir, "mail.log.1.zst", &b.file);
		const uint64_t before = pft_io_zstd_pool_cpu_ns();
		struct reading r = {0};
		struct pft_error err = {0};
		cr_assert_eq(read_path(path, 65536, &t, &r, &err), PFT_OK, "%s", err.detail);
		cr_assert_eq(r.text.len, len);
		if (n == 1)
			cr_assert_eq(pft_io_zstd_pool_cpu_ns(), before);
		else
			cr_assert_gt(pft_io_zstd_pool_cpu_ns(), before);
		reading_free(&r);
		free(path);
		free(b.file.p);
	}
	free(text);
	remove_dir(dir);
}

/* The reader stops at once when the callback fails, with frames still being decoded. */
Test(zstd_frames, callback_failure_stops_the_pool)
{
	char *dir = pft_test_tmpdir();
	size_t len;
	char *text = make_text(&len, 1);
	struct built b;
	build(&b, text, len, 64, 1, PZSTD_STYLE);
	char *path = write_file(dir, "mail.log.1.zst", &b.file);
	for (size_t stop = 1; stop < 40; stop += 7) {
		struct reading r = {.stop_after = stop, .retain = 1};
		struct pft_error err = {0};
		const struct pft_io_zstd_tuning t = {.threads = 4};
		cr_assert_eq(read_path(path, 1024, &t, &r, &err), PFT_ERR_CANCELLED);
		cr_assert_eq(r.n_cuts, stop);
		for (size_t i = 0; i < r.n_cuts; i++)
			pft_chunk_release(r.held[i].owner);
		reading_free(&r);
	}
	free(path);
	free(b.file.p);
	free(text);
	remove_dir(dir);
}

/* ---- damaged files ----------------------------------------------------------------------- */

static struct pft_error read_damaged(const char *path, const struct pft_io_zstd_tuning *t,
				     const char *text, struct reading *r)
{
	struct pft_error err = {0};
	const enum pft_status s = read_path(path, 1024, t, r, &err);
	cr_assert_eq(s, PFT_ERR_CORRUPT, "got %s (%s)", pft_status_str(s), err.detail);
	cr_assert_str_eq(err.path, path);
	/* What was handed out before the error is the start of the text. */
	cr_assert(r->text.len == 0 || memcmp(r->text.p, text, r->text.len) == 0);
	return err;
}

static unsigned long long frame_start_in(const char *detail)
{
	const char *p = strstr(detail, "frame starts at byte ");
	cr_assert_not_null(p, "%s", detail);
	return strtoull(p + strlen("frame starts at byte "), NULL, 10);
}

static void check_corrupt_middle(size_t flip_at_from_start, int from_end, int magic,
				 const char *what)
{
	char *dir = pft_test_tmpdir();
	size_t len;
	char *text = make_text(&len, 1);
	struct built b;
	build(&b, text, len, 7, 0, PZSTD_STYLE);
	const struct frame_at f = b.frames[3];
	const size_t at = from_end ? f.coff + f.csize - flip_at_from_start
				   : f.coff + flip_at_from_start;
	b.file.p[at] ^= 0x5a;
	char *path = write_file(dir, "mail.log.1.zst", &b.file);
	const struct pft_io_zstd_tuning stream = {.stream_only = 1};
	struct pft_error ref_err;
	uint64_t ok0, failed0, ok1, failed1;
	pft_io_zstd_job_counts(&ok0, &failed0);
	for (size_t t = 0; t < N_TUNINGS + 1; t++) {
		struct reading r = {0};
		const struct pft_error err =
			read_damaged(path, t < N_TUNINGS ? &tunings[t] : &stream, text, &r);
		cr_assert_geq(err.offset, f.coff, "%s, tuning %zu: offset %llu before the frame",
			      what, t, (unsigned long long)err.offset);
		cr_assert_leq(err.offset, f.coff + f.csize,
			      "%s, tuning %zu: offset %llu after the frame", what, t,
			      (unsigned long long)err.offset);
		cr_assert_eq(frame_start_in(err.detail), f.coff, "%s: %s", what, err.detail);
		cr_assert_leq(r.text.len, f.toff + f.tlen, "%s: text of later frames handed out",
			      what);
		if (t == 0)
			ref_err = err;
		else
			cr_assert_str_eq(err.detail, ref_err.detail, "%s, tuning %zu", what, t);
		reading_free(&r);
	}
	/* A bad frame that the walk vouches for fails as a job and is decoded again. */
	pft_io_zstd_job_counts(&ok1, &failed1);
	if (!magic)
		cr_assert_gt(failed1, failed0, "%s: no job failed", what);
	else
		cr_assert_eq(failed1, failed0, "%s: a frame without magic number was a job", what);
	free(path);
	free(b.file.p);
	free(text);
	remove_dir(dir);
}

Test(zstd_frames, corrupt_middle_frame)
{
	check_corrupt_middle(40, 0, 0, "a flipped byte in the first block");
	check_corrupt_middle(2, 1, 0, "a flipped byte in the checksum");
	/* A damaged magic number: not a frame at all. */
	check_corrupt_middle(1, 0, 1, "a flipped byte in the magic number");
}

Test(zstd_frames, corrupt_block_header_in_middle_frame)
{
	char *dir = pft_test_tmpdir();
	size_t len;
	char *text = make_text(&len, 0);
	struct built b;
	build(&b, text, len, 7, 1, PLAIN_FRAMES);
	const struct frame_at f = b.frames[2];
	/* The first block header follows the frame header: make its type "reserved". */
	const size_t hsize = frame_header_size(b.file.p + f.coff);
	b.file.p[f.coff + hsize] |= 6;
	char *path = write_file(dir, "mail.log.1.zst", &b.file);
	for (size_t t = 0; t < N_TUNINGS; t++) {
		struct reading r = {0};
		const struct pft_error err = read_damaged(path, &tunings[t], text, &r);
		cr_assert_geq(err.offset, f.coff);
		cr_assert_leq(err.offset, f.coff + f.csize);
		cr_assert_eq(frame_start_in(err.detail), f.coff, "%s", err.detail);
		cr_assert_eq(r.text.len <= f.toff, 1, "nothing of the bad frame: %zu > %zu",
			     r.text.len, f.toff);
		reading_free(&r);
	}
	free(path);
	free(b.file.p);
	free(text);
	remove_dir(dir);
}

Test(zstd_frames, truncated_last_frame_and_trailing_garbage)
{
	char *dir = pft_test_tmpdir();
	size_t len;
	char *text = make_text(&len, 1);
	for (size_t n = 1; n <= 64; n = n * 4 + 3) {        /* 1, 7, 31 frames */
		struct built b;
		build(&b, text, len, n, (int)(n & 1), PZSTD_STYLE);
		const struct frame_at last = b.frames[b.n_frames - 1];
		const size_t cuts[] = {b.file.len - 1, b.file.len - 4, last.coff + last.csize / 2,
				       last.coff + 3};
		for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
			struct bytes cut = {.p = b.file.p, .len = cuts[c]};
			char *path = write_file(dir, "mail.log.1.zst", &cut);
			for (size_t t = 0; t < N_TUNINGS; t++) {
				struct reading r = {0};
				const struct pft_error err =
					read_damaged(path, &tunings[t], text, &r);
				cr_assert_not_null(strstr(err.detail, "truncated zstd frame"),
						   "%s", err.detail);
				cr_assert_eq(err.offset, cuts[c]);
				cr_assert_eq(frame_start_in(err.detail), last.coff, "%s",
					     err.detail);
				reading_free(&r);
			}
			free(path);
		}
		/* A skippable frame cut short after the last frame, then garbage instead. */
		struct bytes more = {0};
		bytes_add(&more, b.file.p, b.file.len);
		bytes_add(&more, "\x5e\x2a\x4d\x18\x10\x00\x00\x00" "abc", 11);
		char *path = write_file(dir, "mail.log.1.zst", &more);
		for (size_t t = 0; t < N_TUNINGS; t++) {
			struct reading r = {0};
			const struct pft_error err = read_damaged(path, &tunings[t], text, &r);
			cr_assert_not_null(strstr(err.detail, "truncated"), "%s", err.detail);
			cr_assert_geq(err.offset, b.file.len);
			reading_free(&r);
		}
		free(path);
		more.len = b.file.len;
		bytes_add(&more, "garbage\n", 8);
		path = write_file(dir, "mail.log.1.zst", &more);
		for (size_t t = 0; t < N_TUNINGS; t++) {
			struct reading r = {0};
			const struct pft_error err = read_damaged(path, &tunings[t], text, &r);
			cr_assert_not_null(strstr(err.detail, "zstd"), "%s", err.detail);
			cr_assert_geq(err.offset, b.file.len);
			reading_free(&r);
		}
		free(path);
		free(more.p);
		free(b.file.p);
	}
	free(text);
	remove_dir(dir);
}

/* ---- the frame walk ---------------------------------------------------------------------- */

Test(zstd_frames, walk_agrees_with_libzstd)
{
	size_t len;
	char *text = make_text(&len, 1);
	for (int fcs = 0; fcs < 2; fcs++) {
		struct built b;
		build(&b, text, len, 7, fcs, SKIP_BETWEEN | EMPTY_FRAMES | PZSTD_STYLE);
		size_t pos = 0, data_frames = 0;
		while (pos < b.file.len) {
			const unsigned char *p = b.file.p + pos;
			const size_t avail = b.file.len - pos;
			const size_t want = ZSTD_findFrameCompressedSize(p, avail);
			cr_assert(!ZSTD_isError(want));
			struct pft_io_zstd_walk w;
			pft_io_zstd_walk_init(&w, UINT64_MAX);
			/* Fed byte by byte at first, then in strides, as a reader would. */
			size_t have = 1;
			enum pft_io_zstd_step s;
			while ((s = pft_io_zstd_walk(&w, p, have, 0)) == PFT_IO_ZSTD_MORE) {
				cr_assert_gt(w.need, have);
				cr_assert_leq(w.need, want, "asks beyond the frame");
				have = have < 64 ? have + 1 : (size_t)w.need;
			}
			cr_assert_eq(w.size, want);
			if (s == PFT_IO_ZSTD_SKIP) {
				cr_assert(is_skippable(p, avail));
			} else {
				/* Too short at the end of the input: the decoder must judge it. */
				struct pft_io_zstd_walk cut;
				pft_io_zstd_walk_init(&cut, UINT64_MAX);
				cr_assert_eq(pft_io_zstd_walk(&cut, p, want - 1, 1),
					     PFT_IO_ZSTD_STREAM);
				cr_assert_eq(s, PFT_IO_ZSTD_DATA);
				const struct frame_at *f = &b.frames[data_frames++];
				cr_assert_eq(pos, f->coff);
				cr_assert_eq(w.size, f->csize);
				cr_assert_geq(w.bound, f->tlen);
				cr_assert_eq(w.content_size,
					     fcs ? f->tlen : ZSTD_CONTENTSIZE_UNKNOWN);
				if (fcs)
					cr_assert_eq(w.bound, f->tlen);
				else /* full blocks of 128 KiB but the last */
					cr_assert_leq(w.bound, ((f->tlen >> 17) + 1) << 17);
				/* A frame that may decode to more than bound_max is streamed. */
				if (f->tlen > 0) {
					struct pft_io_zstd_walk small;
					pft_io_zstd_walk_init(&small, f->tlen - 1);
					cr_assert_eq(pft_io_zstd_walk(&small, p, want, 0),
						     PFT_IO_ZSTD_STREAM);
				}
			}
			pos += want;
		}
		cr_assert_eq(data_frames, b.n_frames);
		free(b.file.p);
	}
	free(text);
}

Test(zstd_frames, walk_hands_odd_frames_to_the_decoder)
{
	struct pft_io_zstd_walk w;
	static const unsigned char garbage[] = "garbage\n";
	pft_io_zstd_walk_init(&w, UINT64_MAX);
	cr_assert_eq(pft_io_zstd_walk(&w, garbage, 8, 0), PFT_IO_ZSTD_STREAM);
	/* Reserved bit in the frame header descriptor. */
	static const unsigned char reserved[] = {0x28, 0xb5, 0x2f, 0xfd, 0x08, 0x00, 0x01, 0, 0};
	pft_io_zstd_walk_init(&w, UINT64_MAX);
	cr_assert_eq(pft_io_zstd_walk(&w, reserved, sizeof reserved, 0), PFT_IO_ZSTD_STREAM);
	/* A dictionary ID. */
	static const unsigned char dict[] = {0x28, 0xb5, 0x2f, 0xfd, 0x21, 0x07, 0x01, 0x01, 0, 0};
	pft_io_zstd_walk_init(&w, UINT64_MAX);
	cr_assert_eq(pft_io_zstd_walk(&w, dict, sizeof dict, 0), PFT_IO_ZSTD_STREAM);
	/* A 2 GiB window (zstd --long=31). */
	static const unsigned char wide[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8, 0x01, 0, 0};
	pft_io_zstd_walk_init(&w, UINT64_MAX);
	cr_assert_eq(pft_io_zstd_walk(&w, wide, sizeof wide, 0), PFT_IO_ZSTD_STREAM);
	/* A frame of one empty raw block, and one of an RLE block of 1000 bytes. */
	static const unsigned char empty[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x01, 0, 0};
	pft_io_zstd_walk_init(&w, UINT64_MAX);
	cr_assert_eq(pft_io_zstd_walk(&w, empty, sizeof empty, 0), PFT_IO_ZSTD_DATA);
	cr_assert_eq(w.size, sizeof empty);
	cr_assert_eq(w.bound, 0);
	cr_assert_eq(ZSTD_findFrameCompressedSize(empty, sizeof empty), sizeof empty);
	const uint32_t h = 1000u << 3 | 1u << 1 | 1u;
	const unsigned char rle[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, (unsigned char)h,
				     (unsigned char)(h >> 8), (unsigned char)(h >> 16), 'z'};
	pft_io_zstd_walk_init(&w, UINT64_MAX);
	cr_assert_eq(pft_io_zstd_walk(&w, rle, sizeof rle, 0), PFT_IO_ZSTD_DATA);
	cr_assert_eq(w.size, sizeof rle);
	cr_assert_eq(w.bound, 1000);
	char out[1000];
	cr_assert_eq(ZSTD_decompress(out, sizeof out, rle, sizeof rle), 1000);
}

/* Empty blocks by the thousand: a frame that holds far more bytes than text is not buffered. */
Test(zstd_frames, walk_does_not_buffer_frames_of_empty_blocks)
{
	struct bytes f = {0};
	static const unsigned char head[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00};
	bytes_add(&f, head, sizeof head);
	for (int i = 0; i < 5000; i++)
		bytes_add(&f, "\x00\x00\x00", 3);        /* an empty raw block */
	bytes_add(&f, "\x01\x00\x00", 3);                /* the last one */
	cr_assert_eq(ZSTD_findFrameCompressedSize(f.p, f.len), f.len);
	struct pft_io_zstd_walk w;
	pft_io_zstd_walk_init(&w, UINT64_MAX);
	cr_assert_eq(pft_io_zstd_walk(&w, f.p, f.len, 1), PFT_IO_ZSTD_DATA);
	cr_assert_eq(w.size, f.len);
	cr_assert_eq(w.bound, 0);
	cr_assert_eq(w.blocks, 5001);
	pft_io_zstd_walk_init(&w, 1000);
	cr_assert_eq(pft_io_zstd_walk(&w, f.p, f.len, 1), PFT_IO_ZSTD_STREAM);
	free(f.p);
}

/* ---- the real tools, and pipes ----------------------------------------------------------- */

/* About 12 MiB of log text, so pzstd cuts it into several frames. */
static char *big_text(size_t *len)
{
	size_t cap = (size_t)13 << 20, n = 0;
	char *t = malloc(cap);
	cr_assert_not_null(t);
	uint32_t seed = 99;
	for (unsigned i = 0; n + 400 < cap - ((size_t)1 << 20); i++) {
		seed = seed * 1103515245u + 12345u;
		n += (size_t)sprintf(t + n,
				     "Jun %2u 10:%02u:%02u mx%u postfix/smtp[%u]: %05X%05X: "
				     "to=<user%u@example%u.com>, "
				     "relay=mx.example.com[192.0.2.%u]:25, "
				     "delay=%u.%u, dsn=2.0.0, status=sent (250 ok id=%u)\n",
				     1 + i / 400000, (i / 60) % 60, i % 60, seed % 3, seed % 30000,
				     seed >> 12, i, seed % 977, seed % 31, seed % 250, seed % 9,
				     seed % 10, seed);
	}
	*len = n;
	return t;
}

static size_t count_data_frames(const unsigned char *p, size_t n)
{
	size_t frames = 0;
	while (n > 0) {
		const size_t f = ZSTD_findFrameCompressedSize(p, n);
		cr_assert(!ZSTD_isError(f));
		frames += !is_skippable(p, n);
		p += f;
		n -= f;
	}
	return frames;
}

Test(zstd_frames, pzstd_and_concatenated_zstd_cli_output, .timeout = 600)
{
	if (pft_test_run("pzstd --version >/dev/null 2>&1", NULL) != 0 &&
	    pft_test_run("zstd --version >/dev/null 2>&1", NULL) != 0)
		cr_skip_test("neither pzstd nor zstd found");
	char *dir = pft_test_tmpdir();
	size_t len;
	char *text = big_text(&len);
	struct bytes plain = {.p = (unsigned char *)text, .len = len};
	char *src = write_file(dir, "text", &plain);
	char cmd[8192];
	struct {
		const char *name, *fmt;
	} makers[] = {
		{"pzstd", "pzstd -q -1 -p 3 -c '%1$s' > '%1$s.zst'"},
		{"split + zstd", "split -b 1000000 '%1$s' '%1$s.part.' && for f in '%1$s'.part.*; "
				 "do zstd -q -c $f; done > '%1$s.zst'"},
		{"zstd piped", "split -b 3000000 '%1$s' '%1$s.pipe.' && for f in '%1$s'.pipe.*; "
			       "do zstd -q -c < $f; done > '%1$s.zst'"},
	};
	for (size_t m = 0; m < sizeof makers / sizeof makers[0]; m++) {
		snprintf(cmd, sizeof cmd, makers[m].fmt, src);
		if (pft_test_run(cmd, NULL) != 0) {
			cr_log_warn("%s: cannot run, skipped", makers[m].name);
			continue;
		}
		snprintf(cmd, sizeof cmd, "%s.zst", src);
		size_t zlen;
		unsigned char *z = (unsigned char *)pft_test_read_file(cmd, &zlen);
		cr_assert_not_null(z);
		const size_t frames = count_data_frames(z, zlen);
		cr_assert_gt(frames, 1, "%s made %zu frame(s)", makers[m].name, frames);
		free(z);
		struct reading ref = {0};
		struct pft_error err = {0};
		const struct pft_io_zstd_tuning stream = {.stream_only = 1};
		cr_assert_eq(read_path(cmd, (size_t)4 << 20, &stream, &ref, &err), PFT_OK);
		uint64_t ok0, failed0, ok1, failed1;
		pft_io_zstd_job_counts(&ok0, &failed0);
		for (size_t t = 0; t < N_TUNINGS; t++) {
			for (size_t cs = 65536; cs <= ((size_t)4 << 20); cs *= 64) {
				struct reading got = {0};
				cr_assert_eq(read_path(cmd, cs, &tunings[t], &got, &err), PFT_OK,
					     "%s", err.detail);
				cr_assert_eq(got.text.len, len, "%s", makers[m].name);
				cr_assert(memcmp(got.text.p, text, len) == 0, "%s", makers[m].name);
				if (cs == ((size_t)4 << 20))
					same_cuts(&ref, &got, makers[m].name);
				reading_free(&got);
			}
		}
		pft_io_zstd_job_counts(&ok1, &failed1);
		cr_assert_gt(ok1, ok0, "%s: no frame decoded in parallel", makers[m].name);
		cr_assert_eq(failed1, failed0, "%s: frames decoded twice", makers[m].name);
		reading_free(&ref);
		cr_log_info("%s: %zu frames", makers[m].name, frames);
	}
	free(src);
	free(text);
	remove_dir(dir);
}

/* A FIFO is read as it comes, frames walked and decoded in parallel all the same. */
Test(zstd_frames, multi_frame_through_a_fifo)
{
	char *dir = pft_test_tmpdir();
	size_t len;
	char *text = make_text(&len, 1);
	struct built b;
	build(&b, text, len, 64, 0, PZSTD_STYLE | EMPTY_FRAMES);
	char *fifo = malloc(strlen(dir) + 16);
	sprintf(fifo, "%s/mail.fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	const pid_t child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		const int fd = open(fifo, O_WRONLY);
		if (fd < 0)
			_exit(1);
		for (size_t at = 0; at < b.file.len;) {
			size_t n = b.file.len - at < 777 ? b.file.len - at : 777;
			const ssize_t w = write(fd, b.file.p + at, n);
			if (w <= 0)
				_exit(1);
			at += (size_t)w;
		}
		_exit(0);
	}
	struct reading r = {0};
	struct pft_error err = {0};
	const struct pft_io_zstd_tuning t = {.threads = 3};
	cr_assert_eq(read_path(fifo, 1024, &t, &r, &err), PFT_OK, "%s", err.detail);
	cr_assert_eq(r.text.len, len);
	cr_assert(memcmp(r.text.p, text, len) == 0);
	struct reading def = {0};
	chunker_cuts(text, len, 1024, &def);
	same_cuts(&def, &r, "fifo");
	int status;
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	reading_free(&r);
	reading_free(&def);
	free(fifo);
	free(b.file.p);
	free(text);
	remove_dir(dir);
}

/* ---- every path reads damaged files alike ------------------------------------------------ */

/* One frame of text[toff..toff+tlen) with a window of 2^window_log bytes (small windows make
 * blocks smaller than 128 KiB, and matches that reach far back), appended to b. */
static void add_frame_window(struct built *b, const char *text, size_t toff, size_t tlen,
			     int content_size, int window_log)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	cr_assert_not_null(cctx);
	cr_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, toff % 2 == 0)));
	cr_assert(!ZSTD_isError(
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, content_size)));
	cr_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log)));
	const size_t bound = ZSTD_compressBound(tlen);
	void *out = malloc(bound);
	cr_assert_not_null(out);
	const size_t n = ZSTD_compress2(cctx, out, bound, text + toff, tlen);
	cr_assert(!ZSTD_isError(n), "%s", ZSTD_getErrorName(n));
	ZSTD_freeCCtx(cctx);
	cr_assert_lt(b->n_frames, sizeof b->frames / sizeof b->frames[0]);
	b->frames[b->n_frames++] = (struct frame_at){b->file.len, n, toff, tlen};
	bytes_add(&b->file, out, n);
	free(out);
}

/* got read the file exactly as want did: the same chunks, then the same status and error. */
static void same_reading(const struct reading *want, enum pft_status ws,
			 const struct pft_error *we, const struct reading *got, enum pft_status gs,
			 const struct pft_error *ge, const char *what)
{
	cr_assert_eq(gs, ws, "%s: %s, the reference %s (%s)", what, pft_status_str(gs),
		     pft_status_str(ws), we->detail);
	if (ws != PFT_OK) {
		cr_assert_eq(ge->offset, we->offset, "%s: error at %llu, the reference at %llu",
			     what, (unsigned long long)ge->offset, (unsigned long long)we->offset);
		cr_assert_str_eq(ge->detail, we->detail, "%s", what);
	}
	same_cuts(want, got, what);
	cr_assert_eq(got->text.len, want->text.len);
	cr_assert(want->text.len == 0 || memcmp(got->text.p, want->text.p, want->text.len) == 0,
		  "%s: the texts differ", what);
}

static void check_damaged_alike(const char *dir, const struct bytes *file, const char *what)
{
	static const struct pft_io_zstd_tuning stream = {.stream_only = 1};
	static const struct pft_io_zstd_tuning paths[] = {
		{0}, {.threads = 1}, {.threads = 2, .lookahead = 1}, {.threads = 4},
		{.threads = 3, .frame_max = 4096},
	};
	char *path = write_file(dir, "mail.log.1.zst", file);
	static const size_t sizes[] = {7, 4096};
	for (size_t c = 0; c < 2; c++) {
		struct reading ref = {0};
		struct pft_error ref_err = {0};
		const enum pft_status rs = read_path(path, sizes[c], &stream, &ref, &ref_err);
		for (size_t t = 0; t < sizeof paths / sizeof paths[0]; t++) {
			struct reading got = {.retain = (t + c) % 2};
			struct pft_error err = {0};
			const enum pft_status s = read_path(path, sizes[c], &paths[t], &got, &err);
			char label[200];
			snprintf(label, sizeof label, "%s, chunk %zu, path %zu", what, sizes[c], t);
			same_reading(&ref, rs, &ref_err, &got, s, &err, label);
			for (size_t i = 0; got.retain && i < got.n_cuts; i++)
				pft_chunk_release(got.held[i].owner);
			reading_free(&got);
		}
		reading_free(&ref);
	}
	free(path);
}

/* Damaged files (a byte changed here and there, cut anywhere) give, on every path, the chunks
 * and the error of the reference path, byte for byte: frame-parallel decoding changes nothing
 * but the speed. Frames with small windows, with and without content size and checksum. */
Test(zstd_frames, damaged_files_read_the_same_on_every_path, .timeout = 600)
{
	char *dir = pft_test_tmpdir();
	size_t len;
	char *text = make_text(&len, 1);
	len = 200000;
	while (text[len - 1] != '\n')
		len--;
	for (int variant = 0; variant < 3; variant++) {
		struct built b;
		memset(&b, 0, sizeof b);
		const size_t n_frames = 6;
		for (size_t i = 0; i < n_frames; i++) {
			if (variant == 2)
				add_skippable(&b, 0, 4);
			const size_t from = len * i / n_frames, to = len * (i + 1) / n_frames;
			add_frame_window(&b, text, from, to - from, variant != 1,
					 variant == 2 ? 17 : 10);
		}
		uint32_t seed = 77u + (uint32_t)variant;
		struct bytes damaged = {0};
		for (int m = 0; m < 120; m++) {
			damaged.len = 0;
			bytes_add(&damaged, b.file.p, b.file.len);
			seed = seed * 1103515245u + 12345u;
			char what[96];
			if (m % 4 == 3) {       /* cut */
				damaged.len = 4 + (seed >> 8) % (b.file.len - 4); /* still zstd */
				snprintf(what, sizeof what, "variant %d, cut at %zu", variant,
					 damaged.len);
			} else {                /* changed bytes, most near frame and block heads */
				const struct frame_at *f = &b.frames[(seed >> 4) % n_frames];
				size_t at = m % 2 ? f->coff + (seed >> 12) % 24
						  : (seed >> 8) % b.file.len;
				if (at >= b.file.len)
					at = b.file.len - 1;
				if (at < 4)
					at += 4;        /* the file's magic: still zstd */
				damaged.p[at] ^= (unsigned char)(1u << ((seed >> 20) % 8));
				if (m % 3 == 0 && at / 2 >= 4)
					damaged.p[at / 2] ^= (unsigned char)(seed >> 24 | 1);
				snprintf(what, sizeof what, "variant %d, byte %zu changed", variant,
					 at);
			}
			check_damaged_alike(dir, &damaged, what);
		}
		free(damaged.p);
		free(b.file.p);
	}
	free(text);
	remove_dir(dir);
}

/* A frame of text[0..len) in blocks of 1 KiB compressed with a 256 KiB window, under a header
 * that declares a 1 KiB window and no checksum: its matches reach past the declared window.
 * libzstd's one-shot decoder reads them from the text it decoded; the streaming decoder from
 * its ring buffer, sized for a 1 KiB window, which no longer holds them. */
static void add_frame_past_window(struct built *b, const char *text, size_t len)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	cr_assert_not_null(cctx);
	ZSTD_parameters params = ZSTD_getParams(3, len, 0);
	params.cParams.windowLog = 18;
	params.fParams.contentSizeFlag = 0;
	params.fParams.checksumFlag = 0;
	cr_assert(!ZSTD_isError(
		ZSTD_compressBegin_advanced(cctx, NULL, 0, params, ZSTD_CONTENTSIZE_UNKNOWN)));
	static const unsigned char header[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00};
	const size_t coff = b->file.len;
	bytes_add(&b->file, header, sizeof header);
	unsigned char block[4096];
	for (size_t off = 0; off < len; off += 1024) {
		const size_t piece = len - off < 1024 ? len - off : 1024;
		const uint32_t last = off + piece == len;
		const size_t n = ZSTD_compressBlock(cctx, block, sizeof block, text + off, piece);
		cr_assert(!ZSTD_isError(n), "%s", ZSTD_getErrorName(n));
		const uint32_t h = n == 0 ? (uint32_t)piece << 3 | last
					  : (uint32_t)n << 3 | 2u << 1 | last;
		const unsigned char bh[3] = {(unsigned char)h, (unsigned char)(h >> 8),
					     (unsigned char)(h >> 16)};
		bytes_add(&b->file, bh, 3);
		bytes_add(&b->file, n == 0 ? (const unsigned char *)text + off : block,
			  n == 0 ? piece : n);
	}
	ZSTD_freeCCtx(cctx);
	b->frames[b->n_frames++] = (struct frame_at){coff, b->file.len - coff, 0, len};
}

/* Frames whose matches reach past their window (damaged, or made by a broken encoder) decode
 * to other text one-shot than streamed, and streamed to other text when the decoder's ring
 * is larger (as after a frame with a larger window): every path still reads them alike. */
Test(zstd_frames, matches_past_the_window_read_alike)
{
	char *dir = pft_test_tmpdir();
	/* 150 KiB of random lines, then again: past the first 150 KiB every block repeats text
	 * farther back than the ring of a 1 KiB window (window + 129 KiB) reaches */
	size_t len;
	char *text = make_text(&len, 1);
	const size_t period = 150 << 10;
	len = period + (100 << 10);
	for (size_t i = period; i < len; i++)
		text[i] = text[i - period];
	struct built x;
	memset(&x, 0, sizeof x);
	add_frame_past_window(&x, text, len);
	/* The case is real: one-shot gives the text back, streaming does not. */
	char *out = malloc(len);
	cr_assert_eq(ZSTD_decompress(out, len, x.file.p, x.file.len), len);
	cr_assert(memcmp(out, text, len) == 0);
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_outBuffer ob = {out, len, 0};
	ZSTD_inBuffer ib = {x.file.p, 1, 0};
	size_t ret = ZSTD_decompressStream(ds, &ob, &ib);
	ib.size = x.file.len;
	while (!ZSTD_isError(ret) && ret != 0 && ob.pos < ob.size)
		ret = ZSTD_decompressStream(ds, &ob, &ib);
	cr_assert(ZSTD_isError(ret) || ob.pos != len || memcmp(out, text, len) != 0,
		  "the streaming decoder reads matches past the window");
	ZSTD_freeDStream(ds);
	free(out);

	/* alone, after and between frames of a larger window (a larger ring), with and
	 * without content size */
	for (int layout = 0; layout < 4; layout++) {
		struct built b;
		memset(&b, 0, sizeof b);
		for (int i = 0; i < 4; i++) {
			if (layout == 0 && i > 0)
				break;
			if (layout >= 1 && i % 2 == 0)
				add_frame_window(&b, text, 0, len, layout == 2, 17);
			if (layout == 3 && i == 2)
				add_skippable(&b, 1, 4);
			add_frame_past_window(&b, text, len);
		}
		char what[64];
		snprintf(what, sizeof what, "past the window, layout %d", layout);
		check_damaged_alike(dir, &b.file, what);
		free(b.file.p);
	}
	free(x.file.p);
	free(text);
	remove_dir(dir);
}
