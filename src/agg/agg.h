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

#include "agg/agg_series.h"
#include "agg/qid_table.h"
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
	/* Caches of the cells of dsn, domains and relays (agg_counts.c): most attempts and
	 * recipients go to a few codes, domains and relays. */
	struct pft_strmap_cache dsn_cache, domain_cache, relay_cache;
	struct pft_agg_series series;    /* hour cells per domain and relay (agg_series.c) */
	/* Reasons by normalised key (agg_reasons.c). Each map's key is a group prefix, one
	 * reason-status byte and the key; prefix + 0xFF alone is the group's overflow entry. */
	struct pft_strmap reasons_status;  /* status byte -> struct pft_reason_cell */
	struct pft_strmap reasons_domain;  /* u16 length + recipient domain -> cell */
	struct pft_strmap reasons_dsn;     /* big-endian pft_dsn -> cell */
	struct pft_strmap reject_codes;    /* u16 reply code + pft_dsn -> uint64_t records */
	size_t reasons_admitted[3];        /* keys (not overflow entries) per map, for the cap */
	int reasons_capped;                /* a merge destination: new keys past the cap overflow */
	uint64_t reason_seq;               /* order of first sight within this aggregate */
	struct pft_reason_seen {           /* the attempt pft_agg_see_attempt saw last, and its
					    * cells: the count that follows takes no lookup */
		const char *raw, *to;      /* raw == NULL: none */
		uint32_t raw_n, to_n;
		pft_dsn dsn;
		enum pft_reason_status status;
		struct pft_reason_cell *cells[3];
	} reason_seen;
	struct pft_reason_cache *reason_cache; /* raw reason -> key (allocated on first use) */
};

/* One normalised reason of a group. */
struct pft_reason_cell {
	uint64_t count;
	uint64_t first;         /* reason_seq when first counted here (orders keys for the cap) */
	char *sample;           /* first raw reason counted here, cut at PFT_REASON_SAMPLE_MAX */
};

/* Distinct keys the merged aggregate keeps per reason map; past them, the counts of new keys go
 * to their group's overflow entry ("other"). Keys are admitted in input order (parts are
 * merged in order and sorted by first sight), so the result does not depend on chunking. A
 * part keeps every key of its chunk (its memory is bounded by the chunk); an aggregate that
 * pft_agg_add has added into applies the cap to what is counted into it directly too. */
#define PFT_REASON_CAP_STATUS 4096
#define PFT_REASON_CAP_DOMAIN 65536
#define PFT_REASON_CAP_DSN 16384

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
	uint64_t times;                 /* occurrences this line stands for (>= 1); modular: a
					 * fold taken back counts it -times */
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

/*! pft_agg_count_reason() : counts `times` occurrences of a reason (raw text) under its
 *  normalised key, for the status and, for delivery statuses (not reject-like actions), for
 *  the recipient domain of `to` and the DSN (none when 0). Called by
 *  pft_agg_count_attempt and pft_agg_count_reject; a lifecycle may call it for
 *  PFT_RS_EXPIRED with a recipient's last deferral reason. */
PFT_MUST_CHECK enum pft_status pft_agg_count_reason(struct pft_agg *agg,
						    enum pft_reason_status status, pft_dsn dsn,
						    struct pft_slice to, struct pft_slice reason,
						    uint64_t times);

/*! pft_agg_count_attempt_reason() : the reason of a deferred, bounced or softbounce attempt
 *  (pft_agg_count_reason; other statuses have none). Called by pft_agg_count_attempt. */
PFT_MUST_CHECK enum pft_status pft_agg_count_attempt_reason(struct pft_agg *agg,
							    const struct pft_attempt *a);

/*! pft_agg_see_attempt() : notes a deferred, bounced or softbounce attempt's reason where it
 *  is read (in input order, whatever the filters later decide), so that each key's sample is
 *  the first raw reason in input order even when attempts are counted out of order (held for
 *  a lifecycle filter, folded by the merge, a fold taken back). Counts nothing; a count of
 *  the same attempt into agg right after it costs no lookup. */
PFT_MUST_CHECK enum pft_status pft_agg_see_attempt(struct pft_agg *agg, const struct pft_attempt *a);

/*! pft_agg_count_reject() : counts a reject-like or policy record (an event with an action
 *  word: PFT_EV_REJECT, or PFT_EV_POSTFIX_INFO for hold, reject_warning, filter...) by
 *  action, stage, source daemon, reply/enhanced code and reason. Any other event is a no-op,
 *  so part_line may call it for every understood Postfix line. */
PFT_MUST_CHECK enum pft_status pft_agg_count_reject(struct pft_agg *agg,
						    const struct pft_event *ev);

/* agg_reasons.c, for pft_agg_init / pft_agg_free / pft_agg_add. */
void pft_agg_reasons_init(struct pft_agg *agg);
void pft_agg_reasons_free(struct pft_agg *agg);
PFT_MUST_CHECK enum pft_status pft_agg_reasons_add(struct pft_agg *dst, const struct pft_agg *src);

/*! pft_agg_result_reasons() : fills the result's reason groups and reject codes from agg
 *  (the merged aggregate). Called by pft_merge_finish. */
PFT_MUST_CHECK enum pft_status pft_agg_result_reasons(const struct pft_agg *agg,
						      struct pft_result *out);

/* ---- what is counted (issue 6) -------------------------------------------------------- */

/* What is counted: struct pft_filter (pftally/result.h). */

/*! pft_filter_domain_match() : 1 when the lower-case domain d[0..n) is one of v or a
 *  sub-domain of one. */
int pft_filter_domain_match(const char *const *v, size_t nv, const char *d, size_t n);

/*! pft_filter_lifecycle() : 1 when f has lifecycle-level filters (attempts may be held). */
static inline int pft_filter_lifecycle(const struct pft_filter *f)
{
	return f != NULL && (f->exclude_notifications || f->n_sender_domains > 0);
}

/* Counts kept apart by time when a time filter is active: one aggregate per (clock, relative
 * year, side of the bounds), decided at the end. */
struct pft_seg {
	uint64_t key;
	struct pft_agg agg;
};

/* A content-filter hand-off ("status=sent (... queued as QID)") of recipients, matched in the
 * ordered merge with the re-injection of QID on the same host (a hop). */
struct pft_hop_ev {
	char *key;              /* "host\0QID" (malloc) */
	uint32_t key_len;
	pft_stamp at;
	uint64_t count;         /* modular: a fold taken back adds -1 */
};

struct pft_hop_list {
	struct pft_hop_ev *v;
	size_t n, cap;
};

/*! pft_hop_list_add() : appends a copy of key. */
PFT_MUST_CHECK enum pft_status pft_hop_list_add(struct pft_hop_list *l, const char *key,
						size_t len, pft_stamp at, uint64_t count);
void pft_hop_list_free(struct pft_hop_list *l);

/* Where counts go: the additive aggregate, its time segments, and the filter. */
struct pft_sink {
	struct pft_agg *agg;            /* lines, and everything when no time filter */
	const struct pft_filter *filter;/* NULL: count everything */
	struct pft_seg **segs;
	size_t n_segs, last_seg;
	struct pft_hop_list handoffs;   /* hand-offs of counted recipients, for the merge */
	int nomem;
};

/*! pft_sink_at() : the aggregate for counts stamped `when`; NULL when the time filter leaves
 *  them out, or out of memory (then sink->nomem is set). */
struct pft_agg *pft_sink_at(struct pft_sink *sink, pft_stamp when);

/*! pft_sink_seg_agg() : the aggregate of segment key (created empty); NULL if out of memory. */
struct pft_agg *pft_sink_seg_agg(struct pft_sink *sink, uint64_t key);

/*! pft_sink_seg_key() : the segment of `when` (see struct pft_seg); 0 = the main aggregate,
 *  1 = left out. */
uint64_t pft_sink_seg_key(const struct pft_filter *f, pft_stamp when);

/*! pft_sink_seg_in() : whether segment key (its relative year resolved to `year`) is in. */
int pft_sink_seg_in(const struct pft_filter *f, uint64_t key, int32_t year);

void pft_sink_free(struct pft_sink *sink);

/*! pft_sink_count_attempt() : counts attempt a when the per-attempt filters (time, recipient
 *  domain) let it. */
PFT_MUST_CHECK enum pft_status pft_sink_count_attempt(struct pft_sink *sink,
						      const struct pft_attempt *a);

/* ---- message lifecycles ---------------------------------------------------------------- */

struct pft_rcpt;
struct pft_held;

struct pft_life_ext;

struct pft_life {
	struct pft_arena *arena;        /* memory comes from here (a part's), or the heap if NULL */
	uint32_t flags;                 /* PFT_LIFE_*, and the notification kind of the first link
					 * (PFT_LIFE_KIND_SHIFT) */
	uint32_t n_rcpts, cap_rcpts;
	uint32_t index_cap;
	uint32_t strings_len, strings_cap;
	pft_stamp first_at, last_at;    /* first and last record (of this fragment) */
	pft_stamp expired_at, ended_at;
	pft_stamp content_at;           /* first record other than `removed` and links */
	struct pft_rcpt *rcpts;
	uint32_t *index;                /* rcpt hash index, built past a few recipients */
	char *strings;                  /* addresses and relay names of rcpts */
	struct pft_life_ext *ext;       /* held attempts and sender, when filters need them */
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
	PFT_LIFE_CLIENT = 1u << 7,      /* smtpd client= record: a message from outside */
	PFT_LIFE_PICKUP = 1u << 8,      /* pickup record: a local submission */
	PFT_LIFE_FROM = 1u << 9,        /* the sender domain is known (from_off) */
	PFT_LIFE_LINK_EARLY = 1u << 10, /* a notification link came before any content */
	PFT_LIFE_LINK_AFTER = 1u << 11, /* a link came during the lifecycle, or soon after it */
	PFT_LIFE_KEEP_FROM = 1u << 12,  /* keep the sender domain (--sender-domain is active) */
	PFT_LIFE_KIND_SHIFT = 13,       /* bits 13..15: enum pft_notification_kind of the first
					 * link (an early link's time is first_at) */
};

/* A notification link ("QID: sender non-delivery notification: NEWQID") names the lifecycle
 * of NEWQID (same host and instance) that is open at the link; when none is, it names both
 * the one that ended at most this long before (the child can be delivered and removed before
 * the link is logged) and the next one if its first record comes at most this long after
 * (Postfix 3.11 logs the link first). A hand-off and its re-injection match within it too. */
#define PFT_LINK_WINDOW ((int64_t)600)

/* Limits that keep memory bounded when `removed` lines are missing; and what is counted. */
struct pft_limits {
	int64_t horizon;        /* seconds of silence after which an open lifecycle is abandoned
				 * (leap-free calendar, see pft_stamp_gap); 0 = never */
	size_t max_open;        /* most lifecycles kept open; 0 = no cap. Past it the longest
				 * silent are abandoned early: exact only while not reached */
	const struct pft_filter *filter; /* NULL: count everything (borrowed) */
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

/*! pft_life_apply() : applies one event of this message (not a notification link). */
PFT_MUST_CHECK enum pft_status pft_life_apply(struct pft_life *life, const struct pft_event *ev,
					      pft_stamp when);

/*! pft_life_link() : a notification link of `kind` at `when` names this open lifecycle. */
void pft_life_link(struct pft_life *life, enum pft_notification_kind kind, pft_stamp when);

/*! pft_life_hold() : keeps attempt a (its strings copied) to be counted when life is folded. */
PFT_MUST_CHECK enum pft_status pft_life_hold(struct pft_life *life, const struct pft_attempt *a);

/*! pft_life_decided() : 1 when the lifecycle filters of f already tell whether a lifecycle
 *  that holds its own start is counted (its attempts need not be held). */
int pft_life_decided(const struct pft_life *life, const struct pft_filter *f);

/*! pft_life_passes() : 1 when the lifecycle-level filters of f let life be counted. */
int pft_life_passes(const struct pft_life *life, const struct pft_filter *f);

/*! pft_life_is_notification() : 1 for a message the bounce daemon created: named by a link,
 *  and no smtpd client= or pickup record. */
int pft_life_is_notification(const struct pft_life *life);

/*! pft_life_linkable() : 1 when a later link could change how the closed life is counted. */
int pft_life_linkable(const struct pft_life *life);

/*! pft_life_n_held() : attempts life holds. */
uint32_t pft_life_n_held(const struct pft_life *life);
void pft_life_clear_held(struct pft_life *life);

/*! pft_life_notify_kind() : the kind of the first link that named life. */
static inline enum pft_notification_kind pft_life_notify_kind(const struct pft_life *life)
{
	return (enum pft_notification_kind)((life->flags >> PFT_LIFE_KIND_SHIFT) & 7u);
}

/*! pft_life_count_held() : counts held attempt i of life into sink (sign +1). */
PFT_MUST_CHECK enum pft_status pft_life_count_held(struct pft_sink *sink, const struct pft_life *life,
						   uint32_t i);

/*! pft_life_append() : appends the later fragment `next` (its stamps already shifted) to
 *  `life`, as if next's events had been applied to life in order. */
PFT_MUST_CHECK enum pft_status pft_life_append(struct pft_life *life, const struct pft_life *next);

/*! pft_life_shift_years() : moves the relative years of the stamps in life. */
void pft_life_shift_years(struct pft_life *life, int32_t delta);

/*! pft_life_fold() : counts a finished (ended) or pending lifecycle into sink with sign +1,
 *  or takes back an earlier fold of the same lifecycle with sign -1 (counters are modular,
 *  so a fold and its undo cancel exactly). A lifecycle with no content is an orphan
 *  `removed`, or a link whose message never showed. Held attempts are counted here. */
PFT_MUST_CHECK enum pft_status pft_life_fold(struct pft_sink *sink, const struct pft_life *life,
					     int sign);

/*! pft_life_relink() : a link at `when` names the closed and folded life: takes its fold back,
 *  links it and folds it again. */
PFT_MUST_CHECK enum pft_status pft_life_relink(struct pft_sink *sink, struct pft_life *life,
					       enum pft_notification_kind kind, pft_stamp when);

/* ---- parts (one chunk) ------------------------------------------------------------------- */

struct pft_frag {
	/* Events before the chunk's first end of lifecycle. A head that ended is already
	 * folded into the part as if no lifecycle of its key were open before the chunk; the
	 * merge corrects that in the rare case one was. */
	struct pft_life *head;
	struct pft_life *tail;          /* lifecycle opened after the last end, still open */
	struct pft_life *last_closed;   /* the last lifecycle closed after the head (folded) */
	uint8_t head_link_first;        /* the head's first record is a notification link */
};

struct pft_part_sample {
	enum pft_unrec_reason reason;
	uint64_t line_index;            /* 0-based within the chunk */
	char *text;
};

/* The last line of a syslog host in a chunk ("last message repeated N times" repeats it). */
struct pft_host_line {
	const char *line;               /* into the chunk; a malloc copy once the part is built */
	uint32_t len;
	pft_stamp when;
};

/* "last message repeated N times" whose host has no earlier line in the chunk: the merge
 * repeats that host's last line of the chunks before. */
struct pft_part_repeat {
	char *host;                     /* malloc */
	uint32_t host_len;
	uint32_t times;
};

/* A content-filter re-injection: smtpd "QID: client=" from a loopback client, or with
 * orig_queue_id=. */
struct pft_part_reinjection {
	char *key;                      /* "host\0QID" (malloc) */
	uint32_t key_len;
	pft_stamp at;
};

struct pft_part {
	struct pft_arena arena;         /* lifecycles and host entries */
	uint32_t file_index, stream;
	uint64_t lines, bytes;
	uint64_t stored_end;            /* the chunk's pft_chunk.stored_end (progress) */
	struct pft_agg agg;
	struct pft_sink sink;           /* agg, its time segments and the filter */
	struct pft_year_track year;     /* relative to the chunk's first BSD line */
	int64_t horizon;                /* pft_limits.horizon */
	const struct pft_filter *filter;
	struct pft_qid_table frags;     /* message key -> struct pft_frag, in shards */
	struct pft_strmap hosts;        /* syslog host -> struct pft_host_line */
	int hosts_owned;                /* their lines are malloc copies */
	struct pft_host_line *host_last;/* cache: the entry of the last line's host */
	const char *host_last_key;
	uint32_t host_last_len;
	struct pft_part_repeat *repeats;
	size_t n_repeats;
	struct pft_part_reinjection *reinjections;
	size_t n_reinjections, cap_reinjections;
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
	double cpu_merge;       /* the ordered merge (and folding), on whichever thread */
	double wait_chunks;     /* wall time workers waited for a chunk, summed */
	uint64_t chunks, decoded_bytes;
	size_t peak_open;       /* most lifecycles open at once */
};

struct pft_tally_options {
	size_t chunk_size;              /* bytes per chunk; 0 = default */
	int32_t year;                   /* --year, 0 = infer from mtimes */
	struct pft_limits limits;       /* used as given (the CLI's default horizon is
					 * PFT_DEFAULT_HORIZON_DAYS) */
	unsigned threads;               /* worker threads; 0 = online CPUs */
	pft_progress_fn progress;       /* called by the thread merging at the time (one at a
					 * time), ~10 times a second */
	void *progress_ctx;
	struct pft_tally_stats *stats;  /* filled when non-NULL */
};

#define PFT_DEFAULT_CHUNK_SIZE ((size_t)4 << 20)

/*! pft_tally() : reads every input and computes the result: reader threads decode files
 *  (several at once) into chunks, worker threads turn chunks into parts and merge the parts
 *  in input order (whichever hands in the next one). The result is the same for any thread
 *  count. */
PFT_MUST_CHECK enum pft_status pft_tally(const struct pft_inputs *inputs,
					 const struct pft_tally_options *options,
					 struct pft_result *out, struct pft_error *err);

#endif
