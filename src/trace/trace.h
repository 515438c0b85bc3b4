/* pftally — trace: every line of the messages that a queue ID or an address names, grouped
 * per message lifecycle, with the messages they lead to (content-filter hops, local
 * forwards, bounce notifications).
 *
 * Not built on the aggregation engine (src/agg/): a trace reads a few lines out of a large
 * log, so it searches each chunk for the bytes of what it looks for and parses only the lines
 * that hold them.
 *
 *   QID      one pass. The chunks are searched for the queue ID's bytes (SIMD filter on two
 *            of its bytes, then a compare): each lifecycle of every (host, instance, QID)
 *            key is a message. A link line (`queued as`, `forwarded as`, `notification:`)
 *            adds the child's QID to a set that is searched as a token (the word before a
 *            ':' after a space: "QID: ...") in the rest of the input; the child's lines
 *            that came before its link line (a filter re-injects before the hand-off is
 *            logged, cleanup logs a bounce before the bounce daemon names it) are found in
 *            a window of recent chunks kept for that.
 *   ADDRESS  two passes. Pass 1 searches the address bytes and keeps the keys of the lines
 *            whose to=, orig_to= or from= is the address (domain compared without case);
 *            pass 2 collects every line of those keys as the QID pass does, and keeps the
 *            lifecycles that hold a matching line. Lines without a queue ID (NOQUEUE
 *            rejects) are messages of one line.
 *
 * A lifecycle ends at `QID: removed` or a reject that drops the queue file; the next line of
 * that key starts another message (queue IDs are reused). */
#ifndef PFT_TRACE_H
#define PFT_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/arena.h"
#include "io/io.h"
#include "pftally/event.h"
#include "pftally/status.h"

enum pft_trace_query { PFT_TRACE_QID = 0, PFT_TRACE_ADDRESS };

struct pft_trace_options {
	enum pft_trace_query query;
	const char *needle;     /* the queue ID or the address (without <>) */
	int follow;             /* follow links to the messages that a message leads to */
	int32_t year;           /* --year: year of the newest line without one; 0 = file mtime */
	size_t chunk_size;      /* 0 = PFT_TRACE_CHUNK_DEFAULT */
	size_t window;          /* bytes of log kept to find a child's lines before its link
				 * line; 0 = PFT_TRACE_WINDOW_DEFAULT */
	unsigned threads;       /* 0 = online CPUs. Above 1, reader threads decode files ahead
				 * (several at once) while the calling thread searches */
};

#define PFT_TRACE_CHUNK_DEFAULT ((size_t)4 << 20)
#define PFT_TRACE_WINDOW_DEFAULT ((size_t)16 << 20)

/*! pft_trace_classify() : @return PFT_TRACE_QID when arg has Postfix queue-ID syntax (short
 *  upper-case hex, or long base-52 without vowels: the parser's own rule), else
 *  PFT_TRACE_ADDRESS. */
enum pft_trace_query pft_trace_classify(const char *arg);

enum pft_trace_link {
	PFT_LINK_NONE = 0,
	PFT_LINK_HOP,           /* status=sent (... queued as NEWQID) to a content filter or
				 * another instance of this host */
	PFT_LINK_FORWARD,       /* local(8) status=sent (forwarded as NEWQID) */
	PFT_LINK_NOTIFICATION,  /* bounce(8) QID: sender ... notification: NEWQID */
};

/*! pft_trace_link_name() : "hop", "forward", "notification". */
const char *pft_trace_link_name(enum pft_trace_link kind);

/* One log line, copied. */
struct pft_trace_line {
	const char *text;       /* without '\n' */
	uint32_t len;
	uint32_t file;          /* index into the inputs */
	uint64_t offset;        /* byte offset in the file's decoded text */
	int32_t year;           /* year of a BSD stamp (inferred), the stamp's own otherwise,
				 * 0 when unknown (stdin without --year) */
};

struct pft_trace_child {
	uint32_t message;       /* index into pft_trace_result.messages */
	enum pft_trace_link kind;
	uint32_t line;          /* the link line, index into the parent's lines */
};

/* A message that links to a traced one but is not traced itself (a QID trace of a child). */
struct pft_trace_parent_ref {
	const char *qid;
	enum pft_trace_link kind;
	struct pft_trace_line line;
};

#define PFT_TRACE_NO_PARENT UINT32_MAX

struct pft_trace_message {
	const char *host, *instance;    /* NUL-terminated copies */
	const char *qid;                /* NULL for a line without queue ID (NOQUEUE reject) */
	struct pft_trace_line *lines;   /* in log order */
	size_t n_lines;
	struct pft_trace_child *children;
	size_t n_children;
	uint32_t parent;                /* index of the message that links here, or
					 * PFT_TRACE_NO_PARENT */
	enum pft_trace_link parent_kind;
	const struct pft_trace_parent_ref *parent_ref; /* set when the parent is not traced */
	uint8_t matched;                /* holds the queue ID / address asked for (else it is
					 * here as a linked message) */
	uint8_t ended;                  /* `removed` or a reject that drops the queue file */
	uint8_t start_unseen;           /* a linked message whose first lines were not found in
					 * the window before its link line */
};

struct pft_trace_result {
	struct pft_trace_message *messages;     /* ordered by their first line */
	size_t n_messages;
	struct pft_error *errors;               /* inputs left out or not read to their end */
	size_t n_errors;
	size_t lines_searched_bytes;            /* decoded bytes read (all passes) */
	unsigned passes;
	struct pft_arena arena;                 /* owns the copies */
};

/*! pft_trace_run() : traces o->needle through inputs. A file that cannot be read to its end
 *  is noted in out->errors and the others are still read.
 *  @return PFT_OK (out filled, free with pft_trace_result_free), or PFT_ERR_NOMEM. */
PFT_MUST_CHECK enum pft_status pft_trace_run(const struct pft_inputs *inputs,
					     const struct pft_trace_options *o,
					     struct pft_trace_result *out, struct pft_error *err);

void pft_trace_result_free(struct pft_trace_result *r);

/* ---- what a message's lines say ----------------------------------------------------------- */

struct pft_trace_recipient {
	struct pft_slice to, orig_to;   /* into the message's lines */
	enum pft_dstatus status;        /* the last one; EXPIRED when qmgr expired the message
					 * before this recipient was final */
	pft_dsn dsn;
	uint32_t attempts, deferrals;
	struct pft_slice relay, reason;
	uint8_t rejected;               /* refused by a reject line (smtpd, cleanup, milter) */
};

struct pft_trace_summary {
	struct pft_slice from, client, message_id;
	uint64_t size;
	uint32_t nrcpt;
	int has_queued;                 /* a qmgr from= line was seen */
	enum pft_notification_kind notify; /* the notification this message is (from its parent
					    * link), PFT_NOTIFY_NONE otherwise */
	struct pft_slice reject;        /* text of a reject that ended the message */
	struct pft_trace_recipient *rcpt;
	size_t n_rcpt;
};

/*! pft_trace_summarize() : the per-message summary from its lines (recipients with their last
 *  status, DSN and attempt count). @return PFT_OK or PFT_ERR_NOMEM; free with
 *  pft_trace_summary_free(). */
PFT_MUST_CHECK enum pft_status pft_trace_summarize(const struct pft_trace_result *r, size_t m,
						   struct pft_trace_summary *out);
void pft_trace_summary_free(struct pft_trace_summary *s);

/* ---- writers ------------------------------------------------------------------------------ */

struct pft_trace_write_options {
	int color;              /* ANSI colour in text */
	enum pft_trace_query query;
	const char *needle;
};

/*! pft_trace_write_text() : each message as a header, its summary and its lines (control
 *  bytes escaped: a log line is attacker-controlled text). @return PFT_OK or PFT_ERR_IO. */
PFT_MUST_CHECK enum pft_status pft_trace_write_text(const struct pft_trace_result *r,
						    const struct pft_inputs *in,
						    const struct pft_trace_write_options *o,
						    FILE *out);

/*! pft_trace_write_json() : one document: {"schema": "pftally-trace-1", "query", "complete",
 *  "messages": [one object per message with its lines, parsed events, recipients and links],
 *  "errors"}. @return PFT_OK or PFT_ERR_IO. */
PFT_MUST_CHECK enum pft_status pft_trace_write_json(const struct pft_trace_result *r,
						    const struct pft_inputs *in,
						    const struct pft_trace_write_options *o,
						    FILE *out);

#endif /* PFT_TRACE_H */
