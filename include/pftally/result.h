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
#include "pftally/findings.h"
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

/* Which daemon logged a reject-like or policy record. */
enum pft_policy_source {
	PFT_POLICY_SMTPD = 0,       /* smtpd (any instance or master.cf label) */
	PFT_POLICY_POSTSCREEN,
	PFT_POLICY_CLEANUP,         /* header/body checks, milters seen by cleanup */
	PFT_POLICY_OTHER,           /* qmqpd, a service we do not name */
	PFT_POLICY_SOURCE_COUNT
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
	uint64_t msg_notifications;         /* messages the bounce daemon created (linked) */
	uint64_t rcpt_notifications[PFT_OUT_COUNT]; /* their recipients, by outcome */
	uint64_t rcpt_hops;                 /* recipients `sent` by a hand-off to a message on the
					     * same host (content filter re-injection matched, or
					     * local forward): end to end, the child counts instead */
	uint64_t notifications[PFT_NOTIFY_COUNT];
	uint64_t rejects_noqueue, rejects_with_queue_id;
	uint64_t lines_total, lines_postfix, lines_other_programs, lines_malformed;
	uint64_t lines_unrecognized, lines_orphan_removed;
	uint64_t unrecognized[PFT_UNREC_REASON_COUNT];
	/* Reject-like and policy records (smtpd, postscreen, cleanup, milters, before-queue
	 * filters): every line with an action word, INFO ones (hold, reject_warning, filter...)
	 * included. Index [.][PFT_ACTION_NONE] is unused. */
	uint64_t policy_stage[PFT_STAGE_COUNT][PFT_ACTION_COUNT];
	uint64_t policy_source[PFT_POLICY_SOURCE_COUNT][PFT_ACTION_COUNT];
};

/* Filters. Lines are always counted (lines_*, unrecognized, programs); everything else —
 * attempts, recipients, messages, rejects, notification links, DSN codes, domains, relays,
 * hours — only when it passes:
 *   hosts            the line's syslog host is one of them (exact)
 *   since/until      the wall-clock time (attempts, rejects, links: the line's; recipients:
 *                    their outcome's; messages: their first record's) is in [since, until)
 *   domains          the recipient domain is one of them or a sub-domain of one (per attempt
 *                    and per recipient; a message counts when one of its recipients does)
 *   sender_domains   the message's sender domain (first from=), same match (lifecycle level)
 *   exclude_notifications  messages the bounce daemon created (lifecycle level)
 * Lifecycle-level filters are decided at the lifecycle's start: a fragment that has not seen
 * its start keeps its attempts, which are counted when the merge joins it to its start (or at
 * the end). BSD stamps have no year: time-filtered counts are kept per (clock, relative year,
 * side of the bounds) and decided once the years are resolved, so the result is exact. */
struct pft_filter {
	/* strings are borrowed: they must outlive the run and the reports */
	uint8_t has_since, has_until;
	struct pft_civil since, until;          /* years known; until is exclusive */
	const char *const *hosts;               size_t n_hosts;
	const char *const *domains;             size_t n_domains;        /* lower case */
	const char *const *sender_domains;      size_t n_sender_domains; /* lower case */
	int exclude_notifications;
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

/* ---- reasons ---------------------------------------------------------------------------
 * Deferral, bounce and reject reasons grouped by their normalised key (pft_reason_key). The
 * "status" of a reason is the attempt's status or the reject-like record's action. */
enum pft_reason_status {
	PFT_RS_DEFERRED = 0,
	PFT_RS_BOUNCED,
	PFT_RS_SOFTBOUNCE,
	PFT_RS_EXPIRED,             /* a recipient's last deferral reason when its message expired */
	PFT_RS_REJECT,
	PFT_RS_MILTER_REJECT,
	PFT_RS_PROXY_REJECT,
	PFT_RS_DISCARD,
	PFT_RS_HOLD,
	PFT_RS_REJECT_WARNING,
	PFT_RS_COUNT
};

#define PFT_REASON_SAMPLE_MAX 256   /* bytes of a raw sample reason (cut on a UTF-8 boundary) */
#define PFT_REASON_TOP_STATUS 50    /* rows per status in the result; the rest is "other" */
#define PFT_REASON_TOP_GROUP 10     /* rows per domain and per DSN code */

struct pft_reason_row {
	enum pft_reason_status status;
	char *key;              /* normalised key */
	char *sample;           /* the first raw reason of this key in input order */
	uint64_t count;         /* attempts (or records) */
};

struct pft_reason_group {
	char *name;             /* status name, recipient domain, or DSN "X.Y.Z" */
	uint64_t total;         /* every count of the group: rows + other */
	uint64_t keys;          /* distinct keys known (rows, and those folded into other) */
	uint64_t other;         /* counts not in rows: past the top, or past the memory cap */
	struct pft_reason_row *rows;        size_t n_rows;      /* count desc, then key */
};

/* A reply code and enhanced status code that rejects carried. */
struct pft_reject_code {
	uint16_t reply;         /* SMTP reply code, 0 if none */
	pft_dsn dsn;            /* 0 if none */
	uint64_t count;
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
	struct pft_filter filter;           /* what was counted (a copy; strings borrowed) */
	struct pft_reason_group *reasons_by_status; size_t n_reasons_by_status; /* status order */
	struct pft_reason_group *reasons_by_domain; size_t n_reasons_by_domain; /* by name */
	struct pft_reason_group *reasons_by_dsn;    size_t n_reasons_by_dsn;    /* by code */
	struct pft_reject_code *reject_codes;       size_t n_reject_codes;      /* by code */
	/* Inputs that could not be read to their end (the result is incomplete): paths left
	 * out when listed, then files whose reading or decoding failed part-way, in order. */
	struct pft_error *errors;           size_t n_errors;
	/* Hourly series per scope (agg_series.c; domains and relays by name, as their rows) and
	 * the findings in them (pft_findings_compute; findings_done = 0: not computed). */
	struct pft_scope_series series_server;
	struct pft_scope_series *series_domains; size_t n_series_domains;
	struct pft_scope_series *series_relays;  size_t n_series_relays;
	struct pft_finding *findings;            size_t n_findings;
	struct pft_findings_options findings_options;
	uint8_t findings_done;
};

void pft_result_free(struct pft_result *result);

/*! pft_outcome_name() : "sent", "bounced", "expired", "discarded", "pending", "dropped". */
const char *pft_outcome_name(enum pft_outcome outcome);

/*! pft_unrec_reason_name() : stable key of an unrecognised-line reason ("bad_timestamp"...). */
const char *pft_unrec_reason_name(enum pft_unrec_reason reason);

/*! pft_reason_status_name() : "deferred", "bounced", ..., "reject_warning". */
const char *pft_reason_status_name(enum pft_reason_status status);

/*! pft_action_name() : "reject", "milter_reject", ..., "other" ("none" for NONE). */
const char *pft_action_name(enum pft_action action);

/*! pft_stage_name() : "connect", "helo", ..., "end_of_message", "other" ("none" for NONE). */
const char *pft_stage_name(enum pft_reject_stage stage);

/*! pft_policy_source_name() : "smtpd", "postscreen", "cleanup", "other". */
const char *pft_policy_source_name(enum pft_policy_source source);

#endif
