/* The whole run: reader threads -> chunks -> worker threads -> parts -> ordered merge.
 *
 *   readers   take files in order (one file each at a time, several files at once) and cut
 *             them into chunks; a chunk is retained, not copied (mapping windows and decode
 *             buffers are reference counted), and queued on a lock-free MPMC ring.
 *   workers   dequeue chunks, build parts (src/agg/part.c) and put each into its file's
 *             result slot (chunk index modulo the file's budget).
 *   merge     the parts of file 0, chunk 0, 1, 2, ..., then file 1, ... in that order, so the
 *             result is the same for every thread count; done by whichever worker (or
 *             reader) hands in what the merge waits for (see merge_ready()). The calling
 *             thread only starts the others, waits, and finishes the result.
 *
 * Back-pressure: each file has a budget of chunks in flight (a semaphore the reader waits on
 * and the merge posts), so memory does not depend on input size, and a file read ahead of
 * the merge never starves the file being merged (its budget is its own). Threads sleep on
 * semaphores; jobs pass through a ck_ring. Results and the end of a file are published with
 * C11 release stores and read with acquire loads, which ThreadSanitizer can check. */
#include <ck_pr.h>
#include <ck_ring.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agg/agg.h"
#include "io/io_guard.h"

#define BUDGET_PER_FILE 8u /* chunks of one file in flight (read, parsed, or waiting) */

struct job {
	struct pft_chunk chunk;
	uint64_t index;         /* chunk index within its file */
	char *copy;             /* owned copy when the chunk had no owner */
};

/* What a worker hands the merge for one chunk. */
struct result {
	struct pft_part part;
	enum pft_status status;
	struct pft_error err;
};

struct file_state {
	sem_t budget;
	_Atomic(struct result *) *slots; /* BUDGET_PER_FILE slots, index % BUDGET_PER_FILE */
	uint64_t n_chunks;      /* valid once done */
	atomic_int done;        /* released by the reader after n_chunks, status and err */
	enum pft_status status; /* the reader's, valid once done */
	struct pft_error err;
	uint64_t stored_done;   /* merged, in bytes as stored */
};

/* Where the ordered merge is; only the thread holding engine.merging touches it. */
struct merge_cursor {
	size_t file;            /* the file being merged (n_files: all merged) */
	uint64_t chunk;         /* its next chunk */
	int file_failed;        /* a chunk of this file failed (its first error is noted) */
	int done;               /* the merge has ended (status says how) */
	enum pft_status status;
	struct pft_error err;
	uint64_t decoded;       /* bytes of text merged */
	double last_progress;
	double cpu;             /* CPU seconds spent merging, on every thread */
};

struct engine {
	const struct pft_inputs *in;
	const struct pft_tally_options *o;
	struct pft_merge *m;
	struct pft_tally_stats *st;
	double t0;
	size_t chunk_size;
	struct pft_limits limits;
	unsigned n_workers, n_readers;
	ck_ring_t ring;
	ck_ring_buffer_t *ring_buf;
	sem_t jobs;             /* jobs in the ring */
	struct file_state *files;
	unsigned next_file;
	int stop;
	double *cpu_read, *cpu_parse; /* per thread, without the merging they did */
	double *wait_chunks;    /* per worker: wall time waiting for a chunk */
	atomic_int merging;     /* a thread is merging (owns cur) */
	atomic_uint merge_requests; /* parts and file ends handed in (see merge_ready()) */
	atomic_int worker_failure;  /* a worker could not build a part (status) */
	struct merge_cursor cur;
	struct pft_result noted;    /* input errors met while merging (only its error list) */
	sem_t merged;           /* posted once, when the merge ends */
};

static struct job poison;

static void stop_everything(struct engine *e);
static double merge_ready(struct engine *e);

static double now(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sem_wait_intr(sem_t *s)
{
	while (sem_wait(s) != 0 && errno == EINTR)
		;
}

static void enqueue(struct engine *e, struct job *job)
{
	/* The ring is sized for every job that can be in flight: this does not spin. */
	while (!ck_ring_enqueue_mpmc(&e->ring, e->ring_buf, job))
		sched_yield();
	sem_post(&e->jobs);
}

/* ---- readers ---------------------------------------------------------------------------- */

struct reader_ctx {
	struct engine *e;
	uint32_t file;
	uint64_t index;
};

static enum pft_status on_chunk(void *arg, const struct pft_chunk *chunk)
{
	struct reader_ctx *ctx = arg;
	struct engine *e = ctx->e;
	sem_wait_intr(&e->files[ctx->file].budget);
	if (ck_pr_load_int(&e->stop))
		return PFT_ERR_CANCELLED;
	struct job *job = malloc(sizeof *job);
	if (job == NULL)
		return PFT_ERR_NOMEM;
	*job = (struct job){.chunk = *chunk, .index = ctx->index++};
	if (chunk->owner != NULL) {
		pft_chunk_retain(chunk);
	} else {
		job->copy = malloc(chunk->len ? chunk->len : 1);
		if (job->copy == NULL) {
			free(job);
			return PFT_ERR_NOMEM;
		}
		memcpy(job->copy, chunk->data, chunk->len);
		job->chunk.data = job->copy;
	}
	enqueue(e, job);
	return PFT_OK;
}

struct thread_arg {
	struct engine *e;
	unsigned id;
};

static void *reader_main(void *arg)
{
	struct thread_arg *ta = arg;
	struct engine *e = ta->e;
	double cpu0 = now(CLOCK_THREAD_CPUTIME_ID), merging = 0;
	for (;;) {
		unsigned f = ck_pr_faa_uint(&e->next_file, 1);
		if (f >= e->in->n_files)
			break;
		struct file_state *fs = &e->files[f];
		struct reader_ctx ctx = {.e = e, .file = f};
		enum pft_status status = PFT_ERR_CANCELLED;
		if (!ck_pr_load_int(&e->stop))
			status = pft_input_read(e->in, f, e->chunk_size, on_chunk, &ctx, &fs->err);
		if (status != PFT_OK && fs->err.status == PFT_OK)
			pft_error_set(&fs->err, status, 0, e->in->files[f].path, 0, NULL);
		fs->status = status;
		fs->n_chunks = ctx.index;
		atomic_store_explicit(&fs->done, 1, memory_order_release);
		merging += merge_ready(e);
	}
	e->cpu_read[ta->id] = now(CLOCK_THREAD_CPUTIME_ID) - cpu0 - merging;
	return NULL;
}

/* ---- workers ---------------------------------------------------------------------------- */

/* Builds the part of one chunk; a SIGBUS from a mapped file that shrank lands here. */
static void build_guarded(struct engine *e, struct job *job, struct result *r)
{
	sigjmp_buf jb;
	if (sigsetjmp(jb, 1) != 0) {
		/* The part is half built: abandon it (a leak on a fatal path, see io_guard.h). */
		memset(&r->part, 0, sizeof r->part);
		r->status = pft_error_set(&r->err, PFT_ERR_IO, 0, e->in->files[job->chunk.file_index].path,
					  job->chunk.offset, "the file shrank while it was read");
		return;
	}
	pft_io_guard_jmp = &jb;
	const uint32_t stream = e->in->files[job->chunk.file_index].stream;
	r->status = pft_part_build(&r->part, &job->chunk, stream, &e->limits);
	pft_io_guard_jmp = NULL;
	if (r->status != PFT_OK)
		pft_error_set(&r->err, r->status, 0, e->in->files[job->chunk.file_index].path,
			      job->chunk.offset, NULL);
}

static void *worker_main(void *arg)
{
	struct thread_arg *wa = arg;
	struct engine *e = wa->e;
	double cpu0 = now(CLOCK_THREAD_CPUTIME_ID), merging = 0, waited = 0;
	for (;;) {
		const double w0 = now(CLOCK_MONOTONIC);
		sem_wait_intr(&e->jobs);
		waited += now(CLOCK_MONOTONIC) - w0;
		struct job *job;
		while (!ck_ring_dequeue_mpmc(&e->ring, e->ring_buf, &job))
			sched_yield();
		if (job == &poison)
			break;
		/* After a failure the merge takes no more results: just drop the job. */
		struct result *r = NULL;
		if (!ck_pr_load_int(&e->stop)) {
			r = calloc(1, sizeof *r);
			if (r != NULL)
				build_guarded(e, job, r);
			else
				atomic_store(&e->worker_failure, PFT_ERR_NOMEM);
		}
		pft_chunk_release(job->chunk.owner);
		free(job->copy);
		if (r != NULL) {
			struct file_state *fs = &e->files[job->chunk.file_index];
			atomic_store_explicit(&fs->slots[job->index % BUDGET_PER_FILE], r,
					      memory_order_release);
		}
		free(job);
		merging += merge_ready(e);
	}
	e->cpu_parse[wa->id] = now(CLOCK_THREAD_CPUTIME_ID) - cpu0 - merging;
	e->wait_chunks[wa->id] = waited;
	return NULL;
}

/* ---- the ordered merge ------------------------------------------------------------------
 *
 * There is no merging thread: whichever thread hands in what the merge waits for (a worker
 * its part, a reader the end of its file) merges every part that is ready in order, then
 * leaves. One thread merges at a time (e->merging); a thread that finds the merge taken
 * counts a request instead, and the owner looks at the requests after letting go, so no
 * ready part is left waiting. The parts are merged in the same order whichever thread does
 * it, so the result does not depend on the thread count; N threads mean N workers, and a
 * part is often merged by the worker that built it, while its memory is still in cache. */

static void report_progress(struct engine *e, int finished)
{
	const struct pft_tally_options *o = e->o;
	if (o->progress == NULL)
		return;
	double t = now(CLOCK_MONOTONIC);
	if (!finished && t - e->cur.last_progress < 0.1)
		return;
	e->cur.last_progress = t;
	const size_t n_files = e->in->n_files;
	struct pft_progress p = {.decoded_done = e->cur.decoded,
				 /* the file being merged; the last one once all are */
				 .file_index = e->cur.file < n_files ? e->cur.file
								      : (n_files ? n_files - 1 : 0),
				 .elapsed = t - e->t0,
				 .finished = finished};
	for (size_t i = 0; i < n_files; i++) {
		p.stored_total += e->in->files[i].size;
		p.stored_done += e->files[i].stored_done;
	}
	o->progress(o->progress_ctx, &p);
}

/* A file that cannot be read to its end is reported and the run goes on: what was read of it
 * counts, and the result is marked incomplete. */
static enum pft_status note_input_error(struct pft_result *errors_to, const struct pft_error *e)
{
	struct pft_error *grown =
		realloc(errors_to->errors, (errors_to->n_errors + 1) * sizeof *grown);
	if (grown == NULL)
		return PFT_ERR_NOMEM;
	errors_to->errors = grown;
	errors_to->errors[errors_to->n_errors++] = *e;
	return PFT_OK;
}

/* Ends the merge: every part merged, or a failure that stops the run (out of memory). */
static void merge_end(struct engine *e, enum pft_status status)
{
	e->cur.done = 1;
	e->cur.status = status;
	if (status != PFT_OK)
		stop_everything(e);
	else
		report_progress(e, 1);
	sem_post(&e->merged);
}

/* Merges the next part in input order, or steps past a finished file. Owner only.
 * @return 1 if it did, 0 if what comes next is not there yet (or the merge has ended). */
static int merge_next(struct engine *e)
{
	struct merge_cursor *cur = &e->cur;
	if (cur->done)
		return 0;
	enum pft_status failed = (enum pft_status)atomic_load(&e->worker_failure);
	if (failed != PFT_OK) {
		pft_error_set(&cur->err, failed, 0, NULL, 0, "worker");
		merge_end(e, failed);
		return 0;
	}
	if (cur->file == e->in->n_files) {
		merge_end(e, PFT_OK);
		return 0;
	}
	struct file_state *fs = &e->files[cur->file];
	_Atomic(struct result *) *slot = &fs->slots[cur->chunk % BUDGET_PER_FILE];
	struct result *r = atomic_load_explicit(slot, memory_order_acquire);
	if (r == NULL) {
		if (!atomic_load_explicit(&fs->done, memory_order_acquire) ||
		    cur->chunk != fs->n_chunks)
			return 0;
		/* The file is read and merged to its end. */
		enum pft_status status = PFT_OK;
		if (fs->status == PFT_ERR_NOMEM) {
			cur->err = fs->err;
			status = fs->status;
		} else if (fs->status != PFT_OK && !cur->file_failed) {
			status = note_input_error(&e->noted, &fs->err);
		}
		fs->stored_done = e->in->files[cur->file].size;
		cur->file++;
		cur->chunk = 0;
		cur->file_failed = 0;
		if (status != PFT_OK)
			merge_end(e, status);
		return status == PFT_OK;
	}
	atomic_store_explicit(slot, NULL, memory_order_relaxed);
	enum pft_status status = PFT_OK;
	if (r->status == PFT_OK) {
		status = pft_merge_part(e->m, &r->part);
		if (status != PFT_OK)
			pft_error_set(&cur->err, status, 0, e->in->files[cur->file].path, 0, NULL);
	} else if (!cur->file_failed) {
		cur->file_failed = 1;
		status = note_input_error(&e->noted, &r->err);
	}
	cur->decoded += r->part.bytes;
	fs->stored_done = r->part.stored_end;
	e->st->chunks++;
	size_t open = pft_merge_open_count(e->m);
	if (open > e->st->peak_open)
		e->st->peak_open = open;
	pft_part_free(&r->part);
	free(r);
	sem_post(&fs->budget);
	cur->chunk++;
	if (status != PFT_OK) {
		merge_end(e, status);
		return 0;
	}
	report_progress(e, 0);
	return 1;
}

/* Called after handing in a part or the end of a file: merges what is ready, unless another
 * thread is merging (it will see the request). @return the CPU seconds spent merging here. */
static double merge_ready(struct engine *e)
{
	atomic_fetch_add(&e->merge_requests, 1);
	double cpu = 0;
	while (!atomic_exchange(&e->merging, 1)) {
		const double cpu0 = now(CLOCK_THREAD_CPUTIME_ID);
		unsigned seen = atomic_load(&e->merge_requests);
		while (merge_next(e))
			;
		const double spent = now(CLOCK_THREAD_CPUTIME_ID) - cpu0;
		e->cur.cpu += spent;
		cpu += spent;
		atomic_store(&e->merging, 0);
		/* A request made while this thread held the merge: look again. */
		if (atomic_load(&e->merge_requests) == seen)
			break;
	}
	return cpu;
}

/* ---- setup and teardown ----------------------------------------------------------------- */

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static void stop_everything(struct engine *e)
{
	ck_pr_store_int(&e->stop, 1);
	/* Wake readers waiting for budget: they see `stop` and return. */
	for (size_t f = 0; f < e->in->n_files; f++)
		for (unsigned i = 0; i < BUDGET_PER_FILE; i++)
			sem_post(&e->files[f].budget);
}

static void free_results(struct engine *e)
{
	for (size_t f = 0; f < e->in->n_files; f++) {
		for (unsigned i = 0; i < BUDGET_PER_FILE; i++) {
			struct result *r = atomic_load(&e->files[f].slots[i]);
			if (r != NULL) {
				pft_part_free(&r->part);
				free(r);
			}
		}
		free(e->files[f].slots);
		sem_destroy(&e->files[f].budget);
	}
}

enum pft_status pft_tally(const struct pft_inputs *in, const struct pft_tally_options *o,
			  struct pft_result *out, struct pft_error *err)
{
	struct pft_tally_stats local_stats, *st = o->stats ? o->stats : &local_stats;
	memset(st, 0, sizeof *st);
	struct engine e = {.in = in, .o = o, .st = st, .t0 = now(CLOCK_MONOTONIC)};
	e.chunk_size = o->chunk_size ? o->chunk_size : PFT_DEFAULT_CHUNK_SIZE;
	e.n_workers = o->threads ? o->threads : online_cpus();
	e.n_readers = in->n_files < e.n_workers ? (unsigned)in->n_files : e.n_workers;
	if (e.n_readers == 0)
		e.n_readers = 1;
	/* A multi-frame zstd file decodes its frames on up to this many threads (its reader
	 * included): the CPUs that the readers do not already keep busy with a file each. */
	pft_io_zstd_tune(e.n_workers > e.n_readers ? e.n_workers / e.n_readers : 1);
	st->workers = e.n_workers;
	st->readers = e.n_readers;

	unsigned capacity = 4;
	while (capacity < 2 * (e.n_readers * BUDGET_PER_FILE + e.n_workers + 1))
		capacity *= 2;
	e.limits = o->limits;
	e.m = pft_merge_new(in, &o->limits);
	e.ring_buf = calloc(capacity, sizeof *e.ring_buf);
	e.files = calloc(in->n_files ? in->n_files : 1, sizeof *e.files);
	e.cpu_read = calloc(e.n_readers, sizeof *e.cpu_read);
	e.cpu_parse = calloc(e.n_workers, sizeof *e.cpu_parse);
	e.wait_chunks = calloc(e.n_workers, sizeof *e.wait_chunks);
	pthread_t *readers = calloc(e.n_readers, sizeof *readers);
	pthread_t *workers = calloc(e.n_workers, sizeof *workers);
	struct thread_arg *wargs = calloc(e.n_workers, sizeof *wargs);
	struct thread_arg *rargs = calloc(e.n_readers, sizeof *rargs);
	enum pft_status status = PFT_OK;
	if (e.m == NULL || !e.ring_buf || !e.files || !e.cpu_read || !e.cpu_parse ||
	    !e.wait_chunks || !readers || !workers || !wargs || !rargs)
		status = pft_error_set(err, PFT_ERR_NOMEM, 0, NULL, 0, NULL);
	for (size_t f = 0; status == PFT_OK && f < in->n_files; f++) {
		e.files[f].slots = calloc(BUDGET_PER_FILE, sizeof *e.files[f].slots);
		if (e.files[f].slots == NULL)
			status = pft_error_set(err, PFT_ERR_NOMEM, 0, NULL, 0, NULL);
		sem_init(&e.files[f].budget, 0, BUDGET_PER_FILE);
	}
	if (status != PFT_OK) {
		if (e.files)
			free_results(&e);
		goto out;
	}
	ck_ring_init(&e.ring, capacity);
	sem_init(&e.jobs, 0, 0);
	sem_init(&e.merged, 0, 0);

	unsigned n_workers = 0, n_readers = 0;
	for (; n_workers < e.n_workers; n_workers++) {
		wargs[n_workers] = (struct thread_arg){.e = &e, .id = n_workers};
		if (pthread_create(&workers[n_workers], NULL, worker_main, &wargs[n_workers]) != 0)
			break;
	}
	for (; n_workers > 0 && n_readers < e.n_readers; n_readers++) {
		rargs[n_readers] = (struct thread_arg){.e = &e, .id = n_readers};
		if (pthread_create(&readers[n_readers], NULL, reader_main, &rargs[n_readers]) != 0)
			break;
	}
	if (n_workers == 0 || n_readers == 0) {
		status = pft_error_set(err, PFT_ERR_NOMEM, errno, NULL, 0, "cannot start threads");
		ck_pr_store_uint(&e.next_file, (unsigned)in->n_files); /* readers take nothing */
		stop_everything(&e);
	} else {
		merge_ready(&e); /* no input at all: nothing else would end the merge */
		sem_wait_intr(&e.merged);
	}
	for (unsigned i = 0; i < n_readers; i++)
		pthread_join(readers[i], NULL);
	for (unsigned i = 0; i < n_workers; i++)
		enqueue(&e, &poison);
	for (unsigned i = 0; i < n_workers; i++)
		pthread_join(workers[i], NULL);
	free_results(&e);
	sem_destroy(&e.jobs);
	sem_destroy(&e.merged);
	if (status == PFT_OK && e.cur.status != PFT_OK) {
		status = e.cur.status;
		*err = e.cur.err;
	}

	const double finish_cpu0 = now(CLOCK_THREAD_CPUTIME_ID);
	if (status == PFT_OK)
		status = pft_merge_finish(e.m, o->year, out, err);
	/* The paths left out when the inputs were listed, then what failed while reading. */
	for (size_t i = 0; status == PFT_OK && i < in->n_errors; i++)
		status = note_input_error(out, &in->errors[i]);
	for (size_t i = 0; status == PFT_OK && i < e.noted.n_errors; i++)
		status = note_input_error(out, &e.noted.errors[i]);
	if (status == PFT_ERR_NOMEM)
		pft_error_set(err, status, 0, NULL, 0, "error list");
	for (unsigned i = 0; i < e.n_readers; i++)
		st->cpu_read += e.cpu_read[i];
	for (unsigned i = 0; i < e.n_workers; i++) {
		st->cpu_parse += e.cpu_parse[i];
		st->wait_chunks += e.wait_chunks[i];
	}
	st->decoded_bytes = e.cur.decoded;
	st->cpu_merge = e.cur.cpu + now(CLOCK_THREAD_CPUTIME_ID) - finish_cpu0;
	st->wall = now(CLOCK_MONOTONIC) - e.t0;
out:
	free(e.noted.errors);
	pft_merge_free(e.m);
	free(e.ring_buf);
	free(e.files);
	free(e.cpu_read);
	free(e.cpu_parse);
	free(e.wait_chunks);
	free(readers);
	free(workers);
	free(wargs);
	free(rargs);
	return status;
}
