/* pftally — the merged result that every report writer reads.
 *
 * Everything here follows the counting contract (DESIGN §2): an *attempt* is one
 * delivery-status line, a *recipient* is (message lifecycle, to address) with one outcome, a
 * *message* is one lifecycle of (host, instance, queue id) ended by `removed`. */
#ifndef PFTALLY_RESULT_H
#define PFTALLY_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "pftally/event.h"
#include "pftally/status.h"

/* A recipient's outcome: its last terminal status, else what became of its message. */
enum pft_outcome {
	PFT_OUT_SENT = 0,   /* status=sent by a delivery agent */
	PFT_OUT_BOUNCED,    /* status=bounced */
	PFT_OUT_EXPIRED,    /* not terminal when qmgr logged status=expired for its message */
	PFT_OUT_DISCARDED,  /* status=sent by the discard agent */
	PFT_OUT_PENDING,    /* its message is still open at the end of input */
	PFT_OUT_DROPPED,    /* its message was removed while it was not terminal */
	PFT_OUT_ABANDONED,  /* its message went silent for longer than the horizon (no
			     * `removed` seen: a sampled or damaged log, a held message) */
	PFT_OUT_COUNT
};

/* Attempts by status and recipients by outcome: the cell of every breakdown. */
struct pft_counts {
	uint64_t attempts[PFT_DS_COUNT];   /* index enum pft_dstatus; [PFT_DS_NONE] unused */
	uint64_t recipients[PFT_OUT_COUNT];
};

struct pft_totals {
	struct pft_counts all;
	uint64_t rcpt_deferred_ever;
	uint64_t rcpt_deferred_then[PFT_OUT_COUNT];
	uint64_t rcpt_probes;               /* recipients with only address-verification results */
	uint64_t msg_total, msg_closed, msg_pending, msg_expired, msg_abandoned;
	uint64_t msg_with_deferral, msg_with_bounce, msg_rejected;
	uint64_t msg_abandoned_by_cap;      /* of msg_abandoned: forced by --max-open-messages */
	uint64_t notifications[PFT_NOTIFY_COUNT];
	uint64_t rejects_noqueue, rejects_with_queue_id;
	uint64_t lines_total, lines_postfix, lines_other_programs, lines_malformed;
	uint64_t lines_unrecognized, lines_orphan_removed;
	uint64_t unrecognized[PFT_UNREC_REASON_COUNT];
};

struct pft_named_counts {
	char *name;
	struct pft_counts counts;
};

struct pft_named_number {
	char *name;
	uint64_t count;
};

struct pft_dsn_count {
	pft_dsn code;
	uint64_t attempts;
};

#define PFT_SAMPLES_PER_REASON 3
struct pft_sample {
	uint32_t file_index;
	uint64_t line;          /* 1-based line number in the file's decoded text */
	char *text;             /* the line, cut at 256 bytes */
};

struct pft_result_file {
	char *path;
	const char *format;     /* "plain", "gzip", "zstd" */
	uint64_t bytes;         /* decoded bytes */
	uint64_t lines;
};

struct pft_result {
	struct pft_totals totals;
	struct pft_dsn_count *dsn;          size_t n_dsn;       /* by code */
	struct pft_named_counts *domains;   size_t n_domains;   /* by name */
	struct pft_named_counts *relays;    size_t n_relays;
	struct pft_named_counts *days;      size_t n_days;      /* "YYYY-MM-DD", ascending */
	struct pft_named_counts *hours;     size_t n_hours;     /* "YYYY-MM-DDTHH", ascending */
	struct pft_named_number *programs;  size_t n_programs;  /* syslog tag -> lines */
	struct pft_sample samples[PFT_UNREC_REASON_COUNT][PFT_SAMPLES_PER_REASON];
	uint8_t n_samples[PFT_UNREC_REASON_COUNT];
	uint8_t has_time;
	struct pft_civil first, last;       /* covered time range (wall clock, years resolved) */
	struct pft_result_file *files;      size_t n_files;
	/* Inputs that could not be read to their end (the result is incomplete): paths left
	 * out when listed, then files whose reading or decoding failed part-way, in order. */
	struct pft_error *errors;           size_t n_errors;
};

void pft_result_free(struct pft_result *result);

/*! pft_outcome_name() : "sent", "bounced", "expired", "discarded", "pending", "dropped". */
const char *pft_outcome_name(enum pft_outcome outcome);

/*! pft_unrec_reason_name() : stable key of an unrecognised-line reason ("bad_timestamp"...). */
const char *pft_unrec_reason_name(enum pft_unrec_reason reason);

#endif
