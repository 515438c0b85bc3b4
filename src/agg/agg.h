/* pftally — aggregation: per-chunk parts, message lifecycles, and the ordered merge.
 *
 * A chunk of whole lines becomes a *part* (pft_part_build): additive counters, plus for every
 * message key (host, instance, queue id) the fragment of its lifecycle *before* the chunk's
 * first `removed` (head) and the lifecycle still open *after* the last one (tail). Lifecycles
 * that start and end inside the chunk are folded into the part's counters at once.
 *
 * The merge (pft_merge_part) takes parts in input order: it appends each head to the key's
 * open lifecycle, folds it when the head was closed, and keeps the tail open. Appending is
 * associative, so the result is the same for every chunking of the input — the property the
 * tests check hardest. */
#ifndef PFT_AGG_H
#define PFT_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/strmap.h"
#include "io/io.h"
#include "pftally/result.h"
#include "pftally/status.h"
#include "time/stamp.h"

/* ---- additive aggregate --------------------------------------------------------------- */

struct pft_agg {
	struct pft_totals t;
	struct pft_strmap dsn;          /* 4-byte pft_dsn -> uint64_t attempts */
	struct pft_strmap domains;      /* lower-case recipient domain -> struct pft_counts */
	struct pft_strmap relays;       /* relay host -> struct pft_counts */
	struct pft_strmap hours;        /* 8-byte pft_stamp of the hour -> struct pft_counts */
	struct pft_strmap programs;     /* syslog tag -> uint64_t lines */
	pft_stamp last_hour;            /* cache: consecutive lines share their hour */
	struct pft_counts *last_hour_cell;
};

void pft_agg_init(struct pft_agg *agg);
void pft_agg_free(struct pft_agg *agg);

/*! pft_agg_add() : adds src into dst, moving src's relative years by year_shift. */
PFT_MUST_CHECK enum pft_status pft_agg_add(struct pft_agg *dst, const struct pft_agg *src,
					   int32_t year_shift);

/* One delivery attempt as the additive aggregate counts it: the fields of a delivery-status
 * line that the breakdowns use. The slices point into the chunk, or into a copy that a
 * lifecycle keeps when the attempt is counted later (at fold time). */
struct pft_attempt {
	enum pft_dstatus status;        /* as logged (pft_attempt_status() maps it to its slot) */
	pft_dsn dsn;
	pft_stamp when;
	uint32_t times;                 /* occurrences this line stands for (>= 1) */
	uint16_t reply_code;
	struct pft_slice to;            /* recipient address */
	struct pft_slice relay_host;
	struct pft_slice reason;        /* the status reason text */
};

/*! pft_attempt_of() : the attempt a PFT_EV_DELIVERY event describes. */
struct pft_attempt pft_attempt_of(const struct pft_event *ev, pft_stamp when);

/*! pft_agg_count_attempt() : counts one delivery attempt (times occurrences of it). */
PFT_MUST_CHECK enum pft_status pft_agg_count_attempt(struct pft_agg *agg,
						     const struct pft_attempt *a);

/* ---- message lifecycles ---------------------------------------------------------------- */

struct pft_rcpt;

struct pft_life {
	struct pft_arena *arena;        /* memory comes from here (a part's), or the heap if NULL */
	uint32_t flags;                 /* PFT_LIFE_* */
	pft_stamp first_at, last_at;    /* first and last record (of this fragment) */
	pft_stamp expired_at, ended_at;
	struct pft_rcpt *rcpts;
	uint32_t n_rcpts, cap_rcpts;
	uint32_t *index;                /* rcpt hash index, built past a few recipients */
	uint32_t index_cap;
	char *strings;                  /* addresses and relay names of rcpts */
	uint32_t strings_len, strings_cap;
};

enum {
	PFT_LIFE_CONTENT = 1u << 0,     /* some record other than `removed` */
	PFT_LIFE_ENDED = 1u << 1,       /* `removed`, or a reject that drops the queue file */
	PFT_LIFE_EXPIRED = 1u << 2,
	PFT_LIFE_DEFERRAL = 1u << 3,
	PFT_LIFE_BOUNCE = 1u << 4,
	PFT_LIFE_REJECTED = 1u << 5,
	PFT_LIFE_ABANDONED = 1u << 6,   /* silent for longer than the horizon: closed by us */
	PFT_LIFE_CLOSED = PFT_LIFE_ENDED | PFT_LIFE_ABANDONED,
};

/* Limits that keep memory bounded when `removed` lines are missing. */
struct pft_limits {
	int64_t horizon;        /* seconds of silence after which an open lifecycle is abandoned
				 * (leap-free calendar, see pft_stamp_gap); 0 = never */
	size_t max_open;        /* most lifecycles kept open; 0 = no cap. Past it the longest
				 * silent are abandoned early: exact only while not reached */
};

#define PFT_DEFAULT_HORIZON_DAYS 10 /* twice Postfix's 5-day maximal_queue_lifetime */

/*! pft_life_abandon() : marks life abandoned (it is closed by the horizon, not `removed`). */
void pft_life_abandon(struct pft_life *life);

/*! pft_life_new() : an empty lifecycle in arena (NULL: on the heap). */
struct pft_life *pft_life_new(struct pft_arena *arena);

/*! pft_life_free() : frees a heap lifecycle; one in an arena goes with its arena. */
void pft_life_free(struct pft_life *life);

/*! pft_life_to_heap() : a heap copy of life (which is left as it is); NULL if out of memory. */
struct pft_life *pft_life_to_heap(const struct pft_life *life);

/*! pft_life_apply() : applies one event of this message. */
PFT_MUST_CHECK enum pft_status pft_life_apply(struct pft_life *life, const struct pft_event *ev,
					      pft_stamp when);

/*! pft_life_append() : appends the later fragment `next` (its stamps already shifted) to
 *  `life`, as if next's events had been applied to life in order. */
PFT_MUST_CHECK enum pft_status pft_life_append(struct pft_life *life, const struct pft_life *next);

/*! pft_life_shift_years() : moves the relative years of the stamps in life. */
void pft_life_shift_years(struct pft_life *life, int32_t delta);

/*! pft_life_fold() : counts a finished (ended) or pending lifecycle into agg with sign +1,
 *  or takes back an earlier fold of the same lifecycle with sign -1 (counters are modular,
 *  so a fold and its undo cancel exactly). A lifecycle with no content is an orphan
 *  `removed`. */
PFT_MUST_CHECK enum pft_status pft_life_fold(struct pft_agg *agg, const struct pft_life *life,
					     int sign);

/* ---- parts (one chunk) ------------------------------------------------------------------- */

struct pft_frag {
	/* Events before the chunk's first end of lifecycle. A head that ended is already
	 * folded into the part as if no lifecycle of its key were open before the chunk; the
	 * merge corrects that in the rare case one was. */
	struct pft_life *head;
	struct pft_life *tail;          /* lifecycle opened after the last end, still open */
};

struct pft_part_sample {
	enum pft_unrec_reason reason;
	uint64_t line_index;            /* 0-based within the chunk */
	char *text;
};

struct pft_part {
	struct pft_arena arena;         /* fragments and their lifecycles */
	uint32_t file_index, stream;
	uint64_t lines, bytes;
	uint64_t stored_end;            /* the chunk's pft_chunk.stored_end (progress) */
	struct pft_agg agg;
	struct pft_year_track year;     /* relative to the chunk's first BSD line */
	int64_t horizon;                /* pft_limits.horizon */
	struct pft_strmap frags;        /* message key -> struct pft_frag */
	struct pft_part_sample *samples;
	size_t n_samples;
	uint8_t per_reason[PFT_UNREC_REASON_COUNT];
	pft_stamp rel_min, rel_max, abs_min, abs_max;
	struct program_cache {          /* the tags seen last: most lines repeat one */
		const char *tag;        /* the map's copy of the key */
		uint32_t len;
		uint64_t *lines;
	} programs[4];
	unsigned programs_next;
};

/*! pft_part_build() : parses and aggregates one chunk. part is initialised by this call and
 *  released by pft_part_free(). */
PFT_MUST_CHECK enum pft_status pft_part_build(struct pft_part *part, const struct pft_chunk *chunk,
					      uint32_t stream, const struct pft_limits *limits);
void pft_part_free(struct pft_part *part);

/* ---- ordered merge ---------------------------------------------------------------------- */

struct pft_merge;

/*! pft_merge_new() : a merge for inputs (borrowed until pft_merge_finish). */
struct pft_merge *pft_merge_new(const struct pft_inputs *inputs, const struct pft_limits *limits);
void pft_merge_free(struct pft_merge *merge);

/*! pft_merge_part() : merges the next part in input order (consumes the part's fragments). */
PFT_MUST_CHECK enum pft_status pft_merge_part(struct pft_merge *merge, struct pft_part *part);

/*! pft_merge_finish() : closes the merge: open lifecycles are counted as pending, relative
 *  years are resolved (forced_year, or each stream's newest mtime) and the sorted result is
 *  written to *out (free with pft_result_free). */
PFT_MUST_CHECK enum pft_status pft_merge_finish(struct pft_merge *merge, int32_t forced_year,
						struct pft_result *out, struct pft_error *err);

/*! pft_merge_open_count() : lifecycles open right now (a mail queue's worth). */
size_t pft_merge_open_count(const struct pft_merge *merge);

/* ---- the whole run ----------------------------------------------------------------------- */

struct pft_progress {
	uint64_t stored_done, stored_total; /* bytes of the files as stored (compressed) */
	uint64_t decoded_done;              /* text bytes merged so far */
	size_t file_index;                  /* file being merged */
	double elapsed;                     /* seconds since the start */
	int finished;                       /* last call */
};

typedef void (*pft_progress_fn)(void *ctx, const struct pft_progress *progress);

/* Where the time went (--stats). CPU seconds per stage, summed over its threads. */
struct pft_tally_stats {
	unsigned workers, readers;
	double wall;
	double cpu_read;        /* reading, decompressing, cutting chunks */
	double cpu_parse;       /* scanning, parsing and building parts */
	double cpu_merge;       /* the ordered merge (and folding) */
	double wait_merge;      /* wall time the merger waited for parts */
	uint64_t chunks, decoded_bytes;
	size_t peak_open;       /* most lifecycles open at once */
};

struct pft_tally_options {
	size_t chunk_size;              /* bytes per chunk; 0 = default */
	int32_t year;                   /* --year, 0 = infer from mtimes */
	struct pft_limits limits;       /* used as given (the CLI's default horizon is
					 * PFT_DEFAULT_HORIZON_DAYS) */
	unsigned threads;               /* worker threads; 0 = online CPUs */
	pft_progress_fn progress;       /* called from the merging thread, ~10 times a second */
	void *progress_ctx;
	struct pft_tally_stats *stats;  /* filled when non-NULL */
};

#define PFT_DEFAULT_CHUNK_SIZE ((size_t)4 << 20)

/*! pft_tally() : reads every input and computes the result: reader threads decode files
 *  (several at once) into chunks, worker threads turn chunks into parts, and the calling
 *  thread merges the parts in input order. The result is the same for any thread count. */
PFT_MUST_CHECK enum pft_status pft_tally(const struct pft_inputs *inputs,
					 const struct pft_tally_options *options,
					 struct pft_result *out, struct pft_error *err);

#endif
