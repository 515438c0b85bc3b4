/* The whole run: reader threads -> chunks -> worker threads -> parts -> ordered merge.
 *
 *   readers   take files in order (one file each at a time, several files at once) and cut
 *             them into chunks; a chunk is retained, not copied (mapping windows and decode
 *             buffers are reference counted), and queued on a lock-free MPMC ring.
 *   workers   dequeue chunks, build parts (src/agg/part.c) and put each into its file's
 *             result slot (chunk index modulo the file's budget).
 *   merger    the calling thread: takes the parts of file 0, chunk 0, 1, 2, ..., then file 1,
 *             ... in that order, so the result is the same for every thread count.
 *
 * Back-pressure: each file has a budget of chunks in flight (a semaphore the reader waits on
 * and the merger posts), so memory does not depend on input size, and a file read ahead of
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

/* What a worker hands the merger for one chunk. */
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

struct engine {
	const struct pft_inputs *in;
	size_t chunk_size;
	struct pft_limits limits;
	unsigned n_workers, n_readers;
	ck_ring_t ring;
	ck_ring_buffer_t *ring_buf;
	sem_t jobs;             /* jobs in the ring */
	sem_t parts_ready;      /* posted after every result and every finished file */
	struct file_state *files;
	unsigned next_file;
	int stop;
	double *cpu_read, *cpu_parse; /* per thread */
};

static struct job poison;

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
	double cpu0 = now(CLOCK_THREAD_CPUTIME_ID);
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
		sem_post(&e->parts_ready);
	}
	e->cpu_read[ta->id] = now(CLOCK_THREAD_CPUTIME_ID) - cpu0;
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
	double cpu0 = now(CLOCK_THREAD_CPUTIME_ID);
	for (;;) {
		sem_wait_intr(&e->jobs);
		struct job *job;
		while (!ck_ring_dequeue_mpmc(&e->ring, e->ring_buf, &job))
			sched_yield();
		if (job == &poison)
			break;
		/* After a failure the merger takes no more results: just drop the job. */
		struct result *r = NULL;
		if (!ck_pr_load_int(&e->stop)) {
			r = calloc(1, sizeof *r);
			if (r != NULL)
				build_guarded(e, job, r);
			else
				ck_pr_store_int(&e->stop, 1);
		}
		pft_chunk_release(job->chunk.owner);
		free(job->copy);
		if (r != NULL) {
			struct file_state *fs = &e->files[job->chunk.file_index];
			atomic_store_explicit(&fs->slots[job->index % BUDGET_PER_FILE], r,
					      memory_order_release);
		}
		free(job);
		sem_post(&e->parts_ready);
	}
	e->cpu_parse[wa->id] = now(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	return NULL;
}

/* ---- merger ----------------------------------------------------------------------------- */

static void report_progress(const struct pft_tally_options *o, struct engine *e, size_t file,
			    uint64_t decoded, double t0, double *last, int finished)
{
	if (o->progress == NULL)
		return;
	double t = now(CLOCK_MONOTONIC);
	if (!finished && t - *last < 0.1)
		return;
	*last = t;
	struct pft_progress p = {.decoded_done = decoded, .file_index = file, .elapsed = t - t0,
				 .finished = finished};
	for (size_t i = 0; i < e->in->n_files; i++) {
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

/* Merges every part in input order; a failed chunk or file is noted in `errors` (the first
 * per file) and skipped. @return a failure that stops the run (out of memory). */
static enum pft_status merge_all(struct engine *e, struct pft_merge *m,
				 const struct pft_tally_options *o, struct pft_error *err,
				 struct pft_result *errors, struct pft_tally_stats *st, double t0)
{
	double last_progress = 0, waited = 0;
	uint64_t decoded = 0;
	for (size_t f = 0; f < e->in->n_files; f++) {
		struct file_state *fs = &e->files[f];
		int file_failed = 0;
		for (uint64_t c = 0;;) {
			_Atomic(struct result *) *slot = &fs->slots[c % BUDGET_PER_FILE];
			struct result *r = atomic_load_explicit(slot, memory_order_acquire);
			if (r != NULL) {
				atomic_store_explicit(slot, NULL, memory_order_relaxed);
				enum pft_status status = PFT_OK;
				if (r->status == PFT_OK) {
					status = pft_merge_part(m, &r->part);
					if (status != PFT_OK)
						pft_error_set(err, status, 0, e->in->files[f].path, 0, NULL);
				} else if (!file_failed) {
					file_failed = 1;
					status = note_input_error(errors, &r->err);
				}
				decoded += r->part.bytes;
				fs->stored_done = r->part.stored_end;
				st->chunks++;
				size_t open = pft_merge_open_count(m);
				if (open > st->peak_open)
					st->peak_open = open;
				pft_part_free(&r->part);
				free(r);
				sem_post(&fs->budget);
				if (status != PFT_OK)
					return status;
				c++;
				report_progress(o, e, f, decoded, t0, &last_progress, 0);
				continue;
			}
			if (atomic_load_explicit(&fs->done, memory_order_acquire) &&
			    c == fs->n_chunks) {
				if (fs->status == PFT_ERR_NOMEM) {
					*err = fs->err;
					return fs->status;
				}
				if (fs->status != PFT_OK && !file_failed)
					PFT_TRY(note_input_error(errors, &fs->err));
				break;
			}
			double w0 = now(CLOCK_MONOTONIC);
			sem_wait_intr(&e->parts_ready);
			waited += now(CLOCK_MONOTONIC) - w0;
		}
		fs->stored_done = e->in->files[f].size;
	}
	st->decoded_bytes = decoded;
	st->wait_merge = waited;
	report_progress(o, e, e->in->n_files ? e->in->n_files - 1 : 0, decoded, t0, &last_progress, 1);
	return PFT_OK;
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
	double t0 = now(CLOCK_MONOTONIC), merge_cpu0 = now(CLOCK_THREAD_CPUTIME_ID);
	struct pft_tally_stats local_stats, *st = o->stats ? o->stats : &local_stats;
	memset(st, 0, sizeof *st);
	struct engine e = {.in = in};
	struct pft_result noted = {0}; /* only its error list is used */
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
	struct pft_merge *m = pft_merge_new(in, &o->limits);
	e.ring_buf = calloc(capacity, sizeof *e.ring_buf);
	e.files = calloc(in->n_files ? in->n_files : 1, sizeof *e.files);
	e.cpu_read = calloc(e.n_readers, sizeof *e.cpu_read);
	e.cpu_parse = calloc(e.n_workers, sizeof *e.cpu_parse);
	pthread_t *readers = calloc(e.n_readers, sizeof *readers);
	pthread_t *workers = calloc(e.n_workers, sizeof *workers);
	struct thread_arg *wargs = calloc(e.n_workers, sizeof *wargs);
	struct thread_arg *rargs = calloc(e.n_readers, sizeof *rargs);
	enum pft_status status = PFT_OK;
	if (m == NULL || !e.ring_buf || !e.files || !e.cpu_read || !e.cpu_parse || !readers ||
	    !workers || !wargs || !rargs)
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
	sem_init(&e.parts_ready, 0, 0);

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
	} else {
		status = merge_all(&e, m, o, err, &noted, st, t0);
	}
	if (status != PFT_OK)
		stop_everything(&e);
	for (unsigned i = 0; i < n_readers; i++)
		pthread_join(readers[i], NULL);
	for (unsigned i = 0; i < n_workers; i++)
		enqueue(&e, &poison);
	for (unsigned i = 0; i < n_workers; i++)
		pthread_join(workers[i], NULL);
	free_results(&e);
	sem_destroy(&e.jobs);
	sem_destroy(&e.parts_ready);

	if (status == PFT_OK)
		status = pft_merge_finish(m, o->year, out, err);
	/* The paths left out when the inputs were listed, then what failed while reading. */
	for (size_t i = 0; status == PFT_OK && i < in->n_errors; i++)
		status = note_input_error(out, &in->errors[i]);
	for (size_t i = 0; status == PFT_OK && i < noted.n_errors; i++)
		status = note_input_error(out, &noted.errors[i]);
	if (status == PFT_ERR_NOMEM)
		pft_error_set(err, status, 0, NULL, 0, "error list");
	free(noted.errors);
	for (unsigned i = 0; i < e.n_readers; i++)
		st->cpu_read += e.cpu_read[i];
	for (unsigned i = 0; i < e.n_workers; i++)
		st->cpu_parse += e.cpu_parse[i];
	st->cpu_merge = now(CLOCK_THREAD_CPUTIME_ID) - merge_cpu0;
	st->wall = now(CLOCK_MONOTONIC) - t0;
out:
	pft_merge_free(m);
	free(e.ring_buf);
	free(e.files);
	free(e.cpu_read);
	free(e.cpu_parse);
	free(readers);
	free(workers);
	free(wargs);
	free(rargs);
	return status;
}
