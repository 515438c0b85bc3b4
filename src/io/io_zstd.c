/* pftally — zstd input: frame-parallel for multi-frame files, one frame after the other on the
 * reader for the rest (see io_internal.h, "zstd frames").
 *
 * The reader thread walks the frames ahead of the text it hands out (io_zstd_frames.c) and
 * queues each data frame of bounded size as a job: the frame's compressed bytes and a buffer
 * for its text. A small pool of threads (one more whenever two jobs wait) decodes jobs in file
 * order; the reader decodes the oldest job itself when no thread has taken it yet, so a
 * single-frame file never starts a thread. The reader then feeds the jobs' texts in order to
 * the chunker: chunks inside one frame come straight from the frame's buffer, a chunk that
 * straddles two frames is assembled in the line buffer. A queue of at most `threads` jobs and
 * `lookahead` bytes bounds the memory.
 *
 * Whatever the walk cannot vouch for, and frames too large to hold, are decoded in place, in
 * order, on the reader thread, through the line buffer. So is a job whose decoding failed: the
 * reader goes back to the frame's place in the file (it keeps the compressed bytes of queued
 * jobs until they are handed out) and decodes from there, exactly as if no job had been made,
 * so corrupt and truncated data are reported with the same text before the error, the same
 * message and the same compressed offset on either path.
 *
 * ---- The canonical frame decoder ----
 *
 * libzstd's streaming decoder is not a pure function of a frame's bytes: how it is fed changes
 * what it accepts and what it outputs for a damaged frame. (1) When a call holds the whole
 * frame and enough room for its content size, ZSTD_decompressStream() decodes it one-shot,
 * which skips the streaming checks (window size, Block_Maximum_Size) and reads matches past
 * the window from the output rather than from its ring buffer. (2) After an error it updates
 * neither input nor output position, so the text of earlier blocks decoded in the same call
 * is lost, and the error is placed at the start of the call. (3) Its ring buffer keeps the
 * size of an earlier, larger frame, and a damaged frame's matches past the window read
 * different bytes from a ring of another size. zframe_decode() removes all three, on every
 * path: the header is fed one byte per call (the one-shot test needs the frame's start in
 * the call that completes the header); then each call gets exactly one decoding unit
 * (ZSTD_nextSrcSizeToDecompress(): a block header, a block, the checksum), and a new unit only
 * once the output of the previous one is flushed, so an error loses no text and is placed at
 * the start of the unit that failed; and a decoder is reused only for a frame whose header
 * asks for the same buffers as the frame it last decoded in full (else a fresh one is made),
 * so its ring is always the size libzstd gives that frame. Skippable frames are skipped here
 * (the decoder would only skip them too). */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_nextSrcSizeToDecompress() */
#include "io/io_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>
#include <zstd_errors.h>

#define FRAME_MAX_DEFAULT ((size_t)32 << 20)
#define LOOKAHEAD_DEFAULT ((size_t)64 << 20)
#define THREADS_MAX 64u
/* Skippable frames are skipped in the buffer up to this size; larger ones are left to the
 * reader's decoder, which skips them without holding them. */
#define SKIPPABLE_BUFFER_MAX ((uint64_t)16 << 20)

static struct pft_io_zstd_tuning g_tuning;
static _Atomic uint64_t g_pool_cpu_ns;
static _Atomic uint64_t g_jobs_ok, g_jobs_failed;

void pft_io_zstd_job_counts(uint64_t *ok, uint64_t *failed)
{
	*ok = atomic_load_explicit(&g_jobs_ok, memory_order_relaxed);
	*failed = atomic_load_explicit(&g_jobs_failed, memory_order_relaxed);
}

uint64_t pft_io_zstd_pool_cpu_ns(void)
{
	return atomic_load_explicit(&g_pool_cpu_ns, memory_order_relaxed);
}

void pft_io_zstd_tune_all(const struct pft_io_zstd_tuning *tuning)
{
	g_tuning = tuning ? *tuning : (struct pft_io_zstd_tuning){0};
}

void pft_io_zstd_tune(unsigned threads)
{
	g_tuning.threads = threads;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- compressed input -------------------------------------------------------------------- */

/* A window over the compressed bytes: buf[pos..fill) is read but not consumed. Bytes from
 * offset `keep` on are kept even when consumed (the reader may have to go back to them). */
struct zin {
	struct pft_io_source *src;      /* NULL: buf holds all there is */
	unsigned char *buf;
	size_t cap, pos, fill;
	uint64_t base;                  /* compressed offset of buf[0] */
	uint64_t keep;                  /* UINT64_MAX: nothing to keep */
	int eof;                        /* nothing more to read */
};

static uint64_t zin_offset(const struct zin *z)
{
	return z->base + z->pos;
}

/* Makes want bytes available at buf[pos] unless the input ends first. */
static enum pft_status zin_fill(struct zin *z, size_t want, const char *path,
				struct pft_error *err)
{
	while (z->fill - z->pos < want && !z->eof) {
		/* Bytes before buf[drop] may go: consumed, and not kept. */
		size_t drop = z->pos;
		if (z->keep < z->base + drop)
			drop = (size_t)(z->keep - z->base);
		const size_t tail = z->cap - z->fill;
		if (drop > 0 && (tail < PFT_IO_INPUT_BLOCK / 4 || z->cap - z->pos < want)) {
			memmove(z->buf, z->buf + drop, z->fill - drop);
			z->base += drop;
			z->fill -= drop;
			z->pos -= drop;
		}
		if (z->cap - z->pos < want || z->cap - z->fill < PFT_IO_INPUT_BLOCK / 4) {
			size_t cap = z->cap ? z->cap : PFT_IO_INPUT_BLOCK;
			while (cap - z->pos < want || cap - z->fill < PFT_IO_INPUT_BLOCK / 4) {
				if (cap > SIZE_MAX / 2)
					return pft_error_set(err, PFT_ERR_NOMEM, 0, path,
							     zin_offset(z), "zstd input buffer");
				cap *= 2;
			}
			unsigned char *grown = realloc(z->buf, cap);
			if (grown == NULL)
				return pft_error_set(err, PFT_ERR_NOMEM, 0, path, zin_offset(z),
						     "zstd input buffer of %zu bytes", cap);
			z->buf = grown;
			z->cap = cap;
		}
		size_t got;
		PFT_TRY(pft_io_source_read(z->src, z->buf + z->fill, z->cap - z->fill, &got, err));
		z->fill += got;
		if (got == 0)
			z->eof = 1;
	}
	return PFT_OK;
}

/* ---- the canonical frame decoder (see the top of this file) ------------------------------ */

/* What a frame header asks of the decoder's buffers: libzstd sizes them from the window and
 * the content size only. */
struct zkey {
	uint64_t content_size;  /* ZSTD_CONTENTSIZE_UNKNOWN if absent */
	unsigned window_byte;   /* 256: single segment (the window is the content size) */
};

/* A streaming decoder and what its buffers were last sized for. */
struct zdec {
	ZSTD_DStream *ds;
	struct zkey key;
	int reusable;           /* ds decoded a frame of `key` in full: its buffers fit `key` */
};

static void zdec_free(struct zdec *d)
{
	ZSTD_freeDStream(d->ds);
	memset(d, 0, sizeof *d);
}

/* Reads the buffer-sizing fields of a zstd frame header p[0..n). @return 0 when the header is
 * not whole, or not one the decoder will take past its header (it fails there anyway). */
static int zkey_parse(const unsigned char *p, size_t n, struct zkey *k)
{
	if (n < 5 || le32(p) != ZSTD_MAGICNUMBER)
		return 0;
	const size_t hsize = pft_io_zstd_header_size(p);
	const unsigned fhd = p[4];
	if (n < hsize || (fhd & 0x08) || (fhd & 3))     /* short, reserved bit, dictionary */
		return 0;
	const unsigned single = (fhd >> 5) & 1, fcs_flag = fhd >> 6;
	size_t at = 5;
	k->window_byte = single ? 256u : p[at++];
	static const unsigned fcs_bytes[4] = {0, 2, 4, 8};
	const unsigned fcs_len = fcs_flag == 0 && single ? 1 : fcs_bytes[fcs_flag];
	uint64_t fcs = 0;
	for (unsigned i = 0; i < fcs_len; i++)
		fcs |= (uint64_t)p[at + i] << (8 * i);
	if (fcs_len == 2)
		fcs += 256;
	k->content_size = fcs_len ? fcs : ZSTD_CONTENTSIZE_UNKNOWN;
	return 1;
}

/* Gets d ready for a frame of key k (NULL: unknown), reusing its decoder only when its
 * buffers are the ones libzstd gives such a frame. @return 0 if out of memory. */
static int zdec_begin(struct zdec *d, const struct zkey *k)
{
	if (d->ds != NULL && d->reusable && k != NULL &&
	    d->key.content_size == k->content_size && d->key.window_byte == k->window_byte) {
		if (!ZSTD_isError(ZSTD_DCtx_reset(d->ds, ZSTD_reset_session_only))) {
			d->reusable = 0;
			return 1;
		}
	}
	ZSTD_freeDStream(d->ds);
	d->ds = ZSTD_createDStream();
	d->reusable = 0;
	if (k != NULL)
		d->key = *k;
	return d->ds != NULL;
}

/* Where decoded text goes: the reader's line buffer, or a job's buffer of fixed size. */
struct zsink {
	/* Free space [*out, *out + *len); *len == 0: a fixed buffer is full. */
	enum pft_status (*space)(struct zsink *s, char **out, size_t *len);
	/* n bytes were written into the space. */
	enum pft_status (*commit)(struct zsink *s, size_t n);
};

enum zf_kind {
	ZF_DONE,                /* the frame is decoded (or skipped) */
	ZF_CORRUPT,             /* libzstd failed: code, at the start of the unit it failed on */
	ZF_TRUNCATED,           /* the data ends inside the frame, at `at` */
	ZF_STUCK,               /* the decoder took nothing and gave nothing (never seen) */
	ZF_FULL,                /* a fixed sink is full and the frame goes on */
};

struct zf_result {
	enum zf_kind kind;
	size_t code;            /* ZF_CORRUPT: libzstd's error */
	uint64_t at;            /* compressed offset of the fault */
	uint64_t frame_start;
};

/* Decodes (or skips) the frame at z's position, canonically; sets *res. *progress, if not
 * NULL, follows the compressed bytes consumed (before the text they made is committed).
 * @return PFT_OK with the frame's outcome in *res, or the failure of the input, the sink or
 * an allocation. */
static enum pft_status zframe_decode(struct zdec *d, struct zin *z, struct zsink *o,
				     uint64_t *progress, struct zf_result *res, const char *path,
				     struct pft_error *err)
{
	memset(res, 0, sizeof *res);
	const uint64_t start = zin_offset(z);
	res->frame_start = start;
	PFT_TRY(zin_fill(z, 8, path, err));
	if (z->fill - z->pos >= 8 &&
	    (le32(z->buf + z->pos) & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START) {
		uint64_t left = 8 + (uint64_t)le32(z->buf + z->pos + 4);
		while (left > 0) {
			if (z->pos == z->fill)
				PFT_TRY(zin_fill(z, 1, path, err));
			if (z->pos == z->fill) {
				res->kind = ZF_TRUNCATED;
				res->at = zin_offset(z);
				return PFT_OK;
			}
			const size_t n = left < z->fill - z->pos ? (size_t)left : z->fill - z->pos;
			z->pos += n;
			left -= n;
			if (progress != NULL && zin_offset(z) > *progress)
				*progress = zin_offset(z);
		}
		res->kind = ZF_DONE;
		return PFT_OK;
	}

	/* The header goes one byte per call; so does anything that is not a zstd frame (the
	 * decoder stops at its first bytes). */
	const int is_frame = z->fill - z->pos >= 4 && le32(z->buf + z->pos) == ZSTD_MAGICNUMBER;
	uint64_t header = UINT64_MAX;
	struct zkey key;
	int keyed = 0;
	if (is_frame) {
		PFT_TRY(zin_fill(z, 5, path, err));
		if (z->fill - z->pos >= 5) {
			header = pft_io_zstd_header_size(z->buf + z->pos);
			PFT_TRY(zin_fill(z, (size_t)header, path, err));
			keyed = zkey_parse(z->buf + z->pos, z->fill - z->pos, &key);
		}
	}
	if (!zdec_begin(d, keyed ? &key : NULL))
		return pft_error_set(err, PFT_ERR_NOMEM, 0, path, start, "zstd decoder");

	uint64_t unit_end = start;
	int flushing = 0;       /* the last call filled the output: it may hold more */
	int idle = 0;           /* calls in a row that took and gave nothing */
	for (;;) {
		if (!flushing && zin_offset(z) == unit_end) {
			const uint64_t done = unit_end - start;
			size_t unit = 1;
			if (done >= header)
				unit = ZSTD_nextSrcSizeToDecompress(d->ds);
			if (unit > 0) {
				PFT_TRY(zin_fill(z, unit, path, err));
				const size_t avail = z->fill - z->pos;
				if (avail == 0) {
					res->kind = ZF_TRUNCATED;
					res->at = zin_offset(z);
					return PFT_OK;
				}
				unit_end = zin_offset(z) + (avail < unit ? avail : unit);
			}
		}
		char *out;
		size_t out_len;
		PFT_TRY(o->space(o, &out, &out_len));
		if (out_len == 0) {     /* a fixed sink's bound is passed */
			res->kind = ZF_FULL;
			return PFT_OK;
		}
		const uint64_t before = zin_offset(z);
		ZSTD_outBuffer zout = {out, out_len, 0};
		ZSTD_inBuffer zsrc = {z->buf, (size_t)(unit_end - z->base), z->pos};
		const size_t ret = ZSTD_decompressStream(d->ds, &zout, &zsrc);
		if (ZSTD_isError(ret)) {
			res->kind = ZF_CORRUPT;
			res->code = ret;
			res->at = before;
			return PFT_OK;
		}
		z->pos = zsrc.pos;
		if (progress != NULL && zin_offset(z) > *progress)
			*progress = zin_offset(z);
		PFT_TRY(o->commit(o, zout.pos));
		if (ret == 0) {
			d->reusable = keyed;
			res->kind = ZF_DONE;
			return PFT_OK;
		}
		flushing = zout.pos == zout.size;
		idle = zin_offset(z) == before && zout.pos == 0 ? idle + 1 : 0;
		if (idle >= 2) {
			res->kind = ZF_STUCK;
			res->at = before;
			return PFT_OK;
		}
	}
}

/* ---- frame buffers ----------------------------------------------------------------------- */

/* A frame's text, from malloc on the reader thread (one arena, whichever thread decodes it
 * and whichever frees it). Mapping each frame instead was measured: hardly less resident
 * memory, more system time in page faults and unmapping. */
struct frame_mem {
	char *p;
	size_t len;             /* bytes allocated */
};

static int frame_alloc(struct frame_mem *m, size_t cap)
{
	m->p = malloc(cap ? cap : 1);
	m->len = cap;
	return m->p != NULL;
}

static void frame_free(struct frame_mem *m)
{
	free(m->p);
	m->p = NULL;
	m->len = 0;
}

/* Gives back the part of m beyond used bytes when the size bound was well above the text. */
static void frame_trim(struct frame_mem *m, size_t used)
{
	if (m->len - used <= ((size_t)1 << 20) || m->len - used <= m->len / 4)
		return;
	char *shrunk = realloc(m->p, used ? used : 1);
	if (shrunk != NULL) {
		m->p = shrunk;
		m->len = used;
	}
}

/* ---- jobs and the decoding pool ---------------------------------------------------------- */

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct zjob {
	unsigned char *in;      /* the whole frame */
	size_t in_len;
	uint64_t coff;          /* compressed offset of the frame */
	size_t cap;             /* the frame's content size, or a bound when unknown */
	int known_size;
	struct frame_mem out;   /* decoded text, when ok */
	size_t out_len;
	int ok;
	enum job_state state;
};

/* A job's buffer as a sink of fixed size. */
struct fixed_sink {
	struct zsink sink;
	char *p;
	size_t cap, len;
};

static enum pft_status fixed_space(struct zsink *s, char **out, size_t *len)
{
	struct fixed_sink *f = (struct fixed_sink *)s;
	*out = f->p + f->len;
	*len = f->cap - f->len;
	return PFT_OK;
}

static enum pft_status fixed_commit(struct zsink *s, size_t n)
{
	((struct fixed_sink *)s)->len += n;
	return PFT_OK;
}

/* Decodes j->in into j->out (allocated by the reader, a byte longer than j->cap, so that text
 * that fills it is text beyond the bound); j->ok when the frame decoded in full, to exactly its
 * bytes and (if known) its content size. */
static void job_decode(struct zjob *j, struct zdec *d)
{
	struct zin z = {.buf = j->in, .cap = j->in_len, .fill = j->in_len, .base = j->coff,
			.keep = UINT64_MAX, .eof = 1};
	struct fixed_sink fs = {{fixed_space, fixed_commit}, j->out.p, j->cap + 1, 0};
	struct zf_result res;
	struct pft_error ignored;
	const enum pft_status st = zframe_decode(d, &z, &fs.sink, NULL, &res, NULL, &ignored);
	j->ok = st == PFT_OK && res.kind == ZF_DONE && z.pos == z.fill && fs.len <= j->cap &&
		(!j->known_size || fs.len == j->cap);
	j->out_len = fs.len;
	if (!j->ok)
		d->reusable = 0;
}

/* Jobs ring[head..tail) in file order; ring[head..next) were taken by a thread. */
struct zpool {
	pthread_mutex_t mu;
	pthread_cond_t work;    /* a job was queued, or stop */
	pthread_cond_t done;    /* a job was decoded */
	struct zjob *ring;
	size_t ring_cap;
	uint64_t head, next, tail;
	int stop;
	pthread_t *threads;
	unsigned n_threads, n_started;
	int sync_ready;
};

static void *pool_worker(void *arg)
{
	struct zpool *p = arg;
	struct zdec dec = {0};
	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		if (p->next == p->tail) {
			pthread_cond_wait(&p->work, &p->mu);
			continue;
		}
		struct zjob *j = &p->ring[p->next++ % p->ring_cap];
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&p->mu);
		job_decode(j, &dec);
		pthread_mutex_lock(&p->mu);
		j->state = JOB_DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	zdec_free(&dec);
	struct timespec cpu;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
		atomic_fetch_add_explicit(&g_pool_cpu_ns,
					  (uint64_t)cpu.tv_sec * 1000000000u + (uint64_t)cpu.tv_nsec,
					  memory_order_relaxed);
	return NULL;
}

/* A pool of n_threads threads (0: the reader decodes every job) and room for as many jobs as
 * can be decoded at once, the reader's included. */
static enum pft_status pool_init(struct zpool *p, unsigned n_threads, const char *path,
				 struct pft_error *err)
{
	memset(p, 0, sizeof *p);
	p->n_threads = n_threads;
	p->ring_cap = (size_t)n_threads + 1;
	p->ring = calloc(p->ring_cap, sizeof *p->ring);
	p->threads = calloc(n_threads ? n_threads : 1, sizeof *p->threads);
	if (p->ring == NULL || p->threads == NULL)
		return pft_error_set(err, PFT_ERR_NOMEM, 0, path, 0, "zstd decoder pool");
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		return pft_error_set(err, PFT_ERR_NOMEM, 0, path, 0, "zstd decoder pool");
	if (pthread_cond_init(&p->work, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		return pft_error_set(err, PFT_ERR_NOMEM, 0, path, 0, "zstd decoder pool");
	}
	if (pthread_cond_init(&p->done, NULL) != 0) {
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->mu);
		return pft_error_set(err, PFT_ERR_NOMEM, 0, path, 0, "zstd decoder pool");
	}
	p->sync_ready = 1;
	return PFT_OK;
}

static void pool_free(struct zpool *p)
{
	if (p->sync_ready) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_broadcast(&p->work);
		pthread_mutex_unlock(&p->mu);
		for (unsigned i = 0; i < p->n_started; i++)
			pthread_join(p->threads[i], NULL);
		pthread_cond_destroy(&p->done);
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->mu);
	}
	for (uint64_t i = p->head; p->ring != NULL && i < p->tail; i++) {
		free(p->ring[i % p->ring_cap].in);
		frame_free(&p->ring[i % p->ring_cap].out);
	}
	free(p->ring);
	free(p->threads);
	memset(p, 0, sizeof *p);
}

static uint64_t pool_queued(const struct zpool *p)
{
	return p->tail - p->head;       /* only the reader changes head and tail */
}

/* Queues job (the ring has room). A thread starts when a second job waits for one, so a
 * file of one frame starts none and small frames start few. A thread that cannot start
 * leaves its work to the others and the reader. */
static void pool_submit(struct zpool *p, const struct zjob *job)
{
	pthread_mutex_lock(&p->mu);
	struct zjob *j = &p->ring[p->tail++ % p->ring_cap];
	*j = *job;
	j->state = JOB_QUEUED;
	if (p->n_started < p->n_threads && p->tail - p->next >= 2) {
		if (pthread_create(&p->threads[p->n_started], NULL, pool_worker, p) == 0)
			p->n_started++;
		else
			p->n_threads = p->n_started;
	}
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

/* Takes the oldest job once decoded, decoding it here with d if no thread has taken it (or
 * only taking it back, undecoded, when d is NULL). While a thread decodes it, the reader
 * decodes the next job no thread has taken yet, rather than wait: so `threads` counts the
 * reader as a decoder. */
static void pool_take(struct zpool *p, struct zdec *d, struct zjob *out)
{
	pthread_mutex_lock(&p->mu);
	struct zjob *j = &p->ring[p->head % p->ring_cap];
	for (;;) {
		if (p->next == p->head) {
			p->next++;
			j->state = JOB_RUNNING;
			j->ok = 0;
			if (d != NULL) {
				pthread_mutex_unlock(&p->mu);
				job_decode(j, d);
				pthread_mutex_lock(&p->mu);
			}
			j->state = JOB_DONE;
			break;
		}
		if (j->state == JOB_DONE)
			break;
		if (d != NULL && p->next < p->tail) {
			struct zjob *later = &p->ring[p->next++ % p->ring_cap];
			later->state = JOB_RUNNING;
			pthread_mutex_unlock(&p->mu);
			job_decode(later, d);
			pthread_mutex_lock(&p->mu);
			later->state = JOB_DONE;
			continue;
		}
		pthread_cond_wait(&p->done, &p->mu);
	}
	*out = *j;
	memset(j, 0, sizeof *j);
	p->head++;
	pthread_mutex_unlock(&p->mu);
}

/* ---- the reader -------------------------------------------------------------------------- */

struct zreader {
	const char *path;
	struct pft_io_chunker *ck;
	struct pft_error *err;
	struct pft_io_linebuf lb;
	struct zsink sink;      /* into lb */
	struct zdec dec;        /* frames decoded on the reader, and jobs it decodes itself */
	struct zin in;
	struct zpool pool;
	uint64_t dec_off;       /* decoded offset of the next byte not yet fed to the chunker */
	uint64_t stored;        /* compressed bytes behind the text handed out (progress) */
	uint64_t queued_bytes;  /* the queued jobs' cap + in_len */
	size_t frame_max, lookahead;
	int stream_only;
};

/* Free space in the line buffer; an empty line buffer restarts at dec_off. */
static enum pft_status lb_space(struct zreader *r, char **out, size_t *out_len)
{
	const int empty = r->lb.fill == r->lb.pos;
	PFT_TRY(pft_io_linebuf_space(&r->lb, out, out_len, r->path, r->err));
	if (empty)
		r->lb.base = r->dec_off;        /* fill == pos == 0 after pft_io_linebuf_space */
	return PFT_OK;
}

static enum pft_status lb_sink_space(struct zsink *s, char **out, size_t *len)
{
	struct zreader *r = (struct zreader *)((char *)s - offsetof(struct zreader, sink));
	return lb_space(r, out, len);
}

static enum pft_status lb_sink_commit(struct zsink *s, size_t n)
{
	struct zreader *r = (struct zreader *)((char *)s - offsetof(struct zreader, sink));
	r->dec_off += n;
	return pft_io_linebuf_commit(&r->lb, r->ck, n, 0, r->err);
}

/* Copies text (at dec_off) into the line buffer and cuts what is complete. */
static enum pft_status lb_add(struct zreader *r, const char *text, size_t n, int eof)
{
	do {
		char *space;
		size_t space_len;
		PFT_TRY(lb_space(r, &space, &space_len));
		const size_t k = n < space_len ? n : space_len;
		memcpy(space, text, k);
		text += k;
		n -= k;
		r->dec_off += k;
		PFT_TRY(pft_io_linebuf_commit(&r->lb, r->ck, k, eof && n == 0, r->err));
	} while (n > 0);
	return PFT_OK;
}

/* Hands out a decoded frame d[0..len) (at dec_off, in memory owned by own). Chunks that lie
 * inside it are handed out from d; the chunk that starts in the text before it (pending in the
 * line buffer) is completed there, and so is the one that runs past its end. eof: d is the end
 * of the text. */
static enum pft_status feed(struct zreader *r, const char *d, size_t len,
			    struct pft_chunk_owner *own, int eof)
{
	struct pft_io_linebuf *lb = &r->lb;
	struct pft_io_chunker *ck = r->ck;
	const uint64_t o = r->dec_off;
	const size_t cs = ck->chunk_size;
	size_t i = 0;
	while (i < len) {
		const size_t pending = lb->fill - lb->pos;
		if (pending == 0) {
			size_t consumed = 0;
			ck->owner = own;
			PFT_TRY(pft_io_chunker_emit(ck, d + i, len - i, o + i, eof, &consumed,
						    r->err));
			i += consumed;
			r->dec_off = o + i;
			if (i < len)    /* shorter than a chunk, or a long line: wait for more */
				PFT_TRY(lb_add(r, d + i, len - i, 0));
			return PFT_OK;
		}
		/* Complete the pending chunk: a chunk's worth, or (a line longer than a chunk
		 * whose end is not in yet) as much again as is pending. */
		size_t n = pending < cs ? cs - pending : pending;
		if (n > len - i)
			n = len - i;
		PFT_TRY(lb_add(r, d + i, n, eof && i + n == len));
		i += n;
		const uint64_t next = lb->base + lb->pos;
		if (lb->fill > lb->pos && next >= o) {
			/* The next chunk starts inside d: drop the copy, go on from d. */
			lb->pos = lb->fill;
			i = (size_t)(next - o);
			r->dec_off = next;
		}
	}
	return PFT_OK;
}

/* Decodes the frame at the input's position on the reader, through the line buffer, or
 * reports why it cannot. */
static enum pft_status stream_frame(struct zreader *r)
{
	struct zf_result res;
	PFT_TRY(zframe_decode(&r->dec, &r->in, &r->sink, &r->stored, &res, r->path, r->err));
	const unsigned long long at = res.at, start = res.frame_start;
	switch (res.kind) {
	case ZF_DONE:
		return PFT_OK;
	case ZF_TRUNCATED:
		return pft_error_set(r->err, PFT_ERR_CORRUPT, 0, r->path, res.at,
				     "truncated zstd frame (data ends at compressed byte %llu; the "
				     "frame starts at byte %llu)",
				     at, start);
	case ZF_CORRUPT: {
		const char *hint = "";
		if (ZSTD_getErrorCode(res.code) == ZSTD_error_frameParameter_windowTooLarge)
			hint = "; made with --long? decompress with `zstd -dc --long=31 FILE | "
			       "pftally -`";
		return pft_error_set(r->err, PFT_ERR_CORRUPT, 0, r->path, res.at,
				     "corrupt zstd frame (%s) near compressed byte %llu; the frame "
				     "starts at byte %llu%s",
				     ZSTD_getErrorName(res.code), at, start, hint);
	}
	case ZF_STUCK:
	case ZF_FULL:
	default:
		return pft_error_set(r->err, PFT_ERR_CORRUPT, 0, r->path, res.at,
				     "zstd decoder stuck at compressed byte %llu; the frame starts "
				     "at byte %llu",
				     at, start);
	}
}

enum scan_result { SCAN_DATA, SCAN_STREAM, SCAN_END };

/* Walks the frames at the input's position: skips skippable ones, stops at a data frame
 * (all of it buffered, described by *w) or at what the reader must decode in place. */
static enum pft_status scan(struct zreader *r, struct pft_io_zstd_walk *w, enum scan_result *res)
{
	struct zin *z = &r->in;
	for (;;) {
		if (z->fill == z->pos)
			PFT_TRY(zin_fill(z, 1, r->path, r->err));
		if (z->fill == z->pos) {
			*res = SCAN_END;
			return PFT_OK;
		}
		*res = SCAN_STREAM;
		if (r->stream_only)
			return PFT_OK;
		pft_io_zstd_walk_init(w, r->frame_max);
		enum pft_io_zstd_step step;
		while ((step = pft_io_zstd_walk(w, z->buf + z->pos, z->fill - z->pos, z->eof)) ==
		       PFT_IO_ZSTD_MORE) {
			if (w->need > SIZE_MAX / 4)
				return PFT_OK;
			PFT_TRY(zin_fill(z, (size_t)w->need, r->path, r->err));
		}
		if (step == PFT_IO_ZSTD_SKIP) {
			if (w->size > SKIPPABLE_BUFFER_MAX)
				return PFT_OK;
			PFT_TRY(zin_fill(z, (size_t)w->size, r->path, r->err));
			if (z->fill - z->pos < w->size)
				return PFT_OK;          /* truncated: the decoder says so */
			z->pos += (size_t)w->size;
			continue;
		}
		if (step == PFT_IO_ZSTD_DATA && w->bound <= SIZE_MAX / 2 &&
		    ZSTD_findFrameCompressedSize(z->buf + z->pos, (size_t)w->size) == w->size)
			*res = SCAN_DATA;
		return PFT_OK;
	}
}

/* Queues the data frame at the input's position, described by w. */
static enum pft_status submit(struct zreader *r, const struct pft_io_zstd_walk *w)
{
	struct zin *z = &r->in;
	struct zjob job = {
		.in_len = (size_t)w->size,
		.coff = zin_offset(z),
		.cap = (size_t)w->bound,
		.known_size = w->content_size != ZSTD_CONTENTSIZE_UNKNOWN,
	};
	job.in = malloc(job.in_len);
	const int have_out = frame_alloc(&job.out, job.cap + 1);
	if (job.in == NULL || !have_out) {
		free(job.in);
		if (have_out)
			frame_free(&job.out);
		return pft_error_set(r->err, PFT_ERR_NOMEM, 0, r->path, job.coff,
				     "zstd frame of %zu + %zu bytes", job.in_len, job.cap);
	}
	memcpy(job.in, z->buf + z->pos, job.in_len);
	if (pool_queued(&r->pool) == 0)
		z->keep = job.coff;     /* until it is handed out, the reader may come back */
	z->pos += job.in_len;
	r->queued_bytes += job.cap + job.in_len;
	pool_submit(&r->pool, &job);
	return PFT_OK;
}

/* Gives up every queued job and goes back to the oldest one's frame in the file. */
static void rewind_queue(struct zreader *r, uint64_t coff)
{
	while (pool_queued(&r->pool) > 0) {
		struct zjob job;
		pool_take(&r->pool, NULL, &job);
		free(job.in);
		frame_free(&job.out);
	}
	r->queued_bytes = 0;
	r->in.pos = (size_t)(coff - r->in.base);        /* kept since the job was queued */
	r->in.keep = UINT64_MAX;
}

/* Hands out the oldest job's text. @return PFT_OK, or the chunker's failure; *failed (and the
 * input back at the job's frame, the queue empty) when the job did not decode. */
static enum pft_status emit_job(struct zreader *r, int eof, int *failed)
{
	struct zjob job;
	pool_take(&r->pool, &r->dec, &job);
	r->queued_bytes -= job.cap + job.in_len;
	*failed = !job.ok;
	atomic_fetch_add_explicit(job.ok ? &g_jobs_ok : &g_jobs_failed, 1, memory_order_relaxed);
	if (!job.ok) {
		const uint64_t coff = job.coff;
		free(job.in);
		frame_free(&job.out);
		rewind_queue(r, coff);
		return PFT_OK;
	}
	free(job.in);
	/* Its bytes are no longer needed: keep from the next job's frame on, if any. */
	r->in.keep = pool_queued(&r->pool) > 0 ? r->pool.ring[r->pool.head % r->pool.ring_cap].coff
					       : UINT64_MAX;
	frame_trim(&job.out, job.out_len);
	struct pft_chunk_owner *own = pft_io_owner_new(job.out.p, job.out.len, 0);
	if (own == NULL) {
		frame_free(&job.out);
		return pft_error_set(r->err, PFT_ERR_NOMEM, 0, r->path, job.coff, NULL);
	}
	if (job.coff + job.in_len > r->stored)
		r->stored = job.coff + job.in_len;
	const enum pft_status status = feed(r, job.out.p, job.out_len, own, eof);
	pft_chunk_release(own);
	return status;
}

static enum pft_status read_frames(struct zreader *r)
{
	struct pft_io_zstd_walk w;
	int walked = 0;         /* w describes the data frame at the input's position */
	int stream_next = 0;    /* the input's position is for the reader to decode */
	int at_end = 0;
	const size_t queue_max = r->pool.ring_cap;
	for (;;) {
		/* Queue frames ahead, within the bounds. */
		while (!stream_next && !at_end) {
			if (!walked) {
				enum scan_result res;
				PFT_TRY(scan(r, &w, &res));
				if (res == SCAN_STREAM)
					stream_next = 1;
				if (res == SCAN_END)
					at_end = 1;
				if (res != SCAN_DATA)
					break;
				walked = 1;
			}
			const uint64_t queued = pool_queued(&r->pool);
			if (queued > 0 && (queued >= queue_max ||
					   r->queued_bytes + w.bound + w.size > r->lookahead))
				break;
			PFT_TRY(submit(r, &w));
			walked = 0;
		}
		if (pool_queued(&r->pool) > 0) {
			const int last = at_end && pool_queued(&r->pool) == 1;
			int failed;
			PFT_TRY(emit_job(r, last, &failed));
			if (failed) {   /* decode it again where it is, as the reference would */
				walked = 0;
				at_end = 0;
				stream_next = 1;
			}
		} else if (stream_next) {
			const uint64_t from = zin_offset(&r->in);
			PFT_TRY(stream_frame(r));
			if (zin_offset(&r->in) == from)     /* cannot happen; never spin */
				return pft_error_set(r->err, PFT_ERR_CORRUPT, 0, r->path, from,
						     "zstd decoder stuck at compressed byte %llu",
						     (unsigned long long)from);
			stream_next = 0;
		} else {
			break;
		}
	}
	return pft_io_linebuf_commit(&r->lb, r->ck, 0, 1, r->err);
}

/* Threads besides the reader that may decode frames of one file. */
static unsigned pool_threads(void)
{
	unsigned n = g_tuning.threads;
	if (n == 0) {
		const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus > 0 ? (unsigned)cpus : 1;
	}
	if (n > THREADS_MAX)
		n = THREADS_MAX;
	return n - 1;
}

enum pft_status pft_io_read_zstd(struct pft_io_source *src, struct pft_io_chunker *ck,
				 struct pft_error *err)
{
	const char *force = getenv("PFT_FORCE_ZSTD");
	const int stream_only = g_tuning.stream_only || (force && strcmp(force, "stream") == 0);
	struct zreader r = {
		.path = src->path,
		.ck = ck,
		.err = err,
		.sink = {lb_sink_space, lb_sink_commit},
		.in = {.src = src, .base = src->offset, .keep = UINT64_MAX},
		.frame_max = g_tuning.frame_max ? g_tuning.frame_max : FRAME_MAX_DEFAULT,
		.lookahead = g_tuning.lookahead ? g_tuning.lookahead : LOOKAHEAD_DEFAULT,
		.stream_only = stream_only,
	};
	enum pft_status status = pool_init(&r.pool, stream_only ? 0 : pool_threads(), src->path,
					   err);
	if (status == PFT_OK)
		status = pft_io_linebuf_init(&r.lb, ck->chunk_size, src->path, err);
	if (status == PFT_OK) {
		ck->stored_pos = &r.stored;
		r.stored = src->offset;
		status = read_frames(&r);
		/* The lines decoded before a fault still count. */
		status = pft_io_linebuf_salvage(&r.lb, ck, status);
		ck->stored_pos = NULL;
	}
	pool_free(&r.pool);
	pft_io_linebuf_free(&r.lb);
	zdec_free(&r.dec);
	free(r.in.buf);
	return status;
}
