/* pftally — shared pieces of the line parser (src/parse/ only).
 *
 * Conventions: a record parser gets [p, end) = the text after "QID: " (ev->qid set) or after
 * "NOQUEUE: " (ev->noqueue = 1) or the whole message; it never reads outside [p, end), never
 * allocates, and leaves ev->kind and ev->reason set. All slices point into the line.
 *
 * Stage 2: the parsers find delimiters with the masks of the line's scan index (ix, from
 * src/scan/: pft_next() is a tzcnt, not a loop over bytes); ix->blocks == NULL (a line too
 * long for the stack index of the one-line entry points) makes the same searches byte by
 * byte. Short tokens (queue ids, digits, stamps) are still read byte by byte. */
#ifndef PFT_PARSE_INTERNAL_H
#define PFT_PARSE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parse/parse.h"
#include "scan/scan.h"

/* Delimiter sets for pft_next(). */
#define PFT_S_SPACE PFT_SCAN_SET(PFT_SC_SPACE)
#define PFT_S_COMMA PFT_SCAN_SET(PFT_SC_COMMA)
#define PFT_S_EQUALS PFT_SCAN_SET(PFT_SC_EQUALS)
#define PFT_S_COLON PFT_SCAN_SET(PFT_SC_COLON)
#define PFT_S_LBRACKET PFT_SCAN_SET(PFT_SC_LBRACKET)
#define PFT_S_GT PFT_SCAN_SET(PFT_SC_GT)
#define PFT_S_SEMICOLON PFT_SCAN_SET(PFT_SC_SEMICOLON)

/* The first byte of a class in set in [p, end), or end; the last one, or NULL. */
#define pft_next(ix, set, p, end) pft_scan_next((ix), (set), (p), (end))
#define pft_prev(ix, set, p, end) pft_scan_prev((ix), (set), (p), (end))

/* Lines up to this length get a scan index on the stack in the one-line entry points
 * (pft_parse_line(), pft_parse_header(), pft_parse_postfix()); Postfix truncates its records
 * at 2000 bytes. */
#define PFT_PARSE_STACK_INDEX_BYTES 4096

/*! pft_parse_stack_index() : indexes p[0 .. n) into blocks (PFT_PARSE_STACK_INDEX_BYTES / 64
 *  of them) with the chosen kernel, or sets ix->blocks = NULL when n is larger. */
void pft_parse_stack_index(const char *p, size_t n, struct pft_scan_block *blocks,
			   struct pft_scan_index *ix);

/*! pft_parse_header_scanned() : pft_parse_header() for a line that ix covers. */
int pft_parse_header_scanned(const struct pft_scan_index *ix, const char *line, size_t len,
			     struct pft_event *ev);

/* ---- services ----------------------------------------------------------------------------
 * The daemon name after the last '/' of the syslog tag. Dispatch is on the service, never on
 * the instance or label (postfix-out/smtp, postfix/submission/smtpd, postfix/10025/smtpd). */
enum pft_service {
	PFT_SVC_UNKNOWN = 0,
	/* delivery agents */
	PFT_SVC_SMTP, PFT_SVC_LMTP, PFT_SVC_LOCAL, PFT_SVC_VIRTUAL, PFT_SVC_PIPE, PFT_SVC_ERROR,
	PFT_SVC_RETRY, PFT_SVC_DISCARD,
	/* queue manager and queue tools */
	PFT_SVC_QMGR, PFT_SVC_POSTSUPER,
	/* message entry */
	PFT_SVC_CLEANUP, PFT_SVC_PICKUP, PFT_SVC_SMTPD, PFT_SVC_POSTSCREEN, PFT_SVC_QMQPD,
	/* notifications */
	PFT_SVC_BOUNCE,
	/* everything else Postfix runs: logs warnings and statistics only */
	PFT_SVC_OTHER,
	PFT_SVC_COUNT
};

/*! pft_service_lookup() : @return the service of a daemon name, PFT_SVC_UNKNOWN if it is not
 *  a Postfix program name. */
enum pft_service pft_service_lookup(const char *name, size_t n);

/*! pft_parse_record() : pft_parse_postfix() with the service already looked up (the line
 *  parser does the lookup once for classification and dispatch) and the record part of *ev
 *  (qid and every field after it) already zero, as pft_parse_header() leaves it. */
void pft_parse_record(struct pft_event *ev, const struct pft_scan_index *ix, enum pft_service svc);

/* ---- slices and literals -------------------------------------------------------------- */

static inline struct pft_slice pft_slice_of(const char *b, const char *e)
{
	struct pft_slice s = {b, (uint32_t)(e - b)};
	return s;
}

/* p[0..n) == lit with n = sizeof lit - 1: memcmp of a constant size compiles to a few loads. */
#define PFT_HAS(p, end, lit) \
	((size_t)((end) - (p)) >= sizeof(lit) - 1 && memcmp((p), (lit), sizeof(lit) - 1) == 0)
#define PFT_LEN(lit) (sizeof(lit) - 1)

static inline int pft_is_digit(char c)
{
	return (unsigned)(unsigned char)c - '0' < 10;
}

/* ---- fields (parse_fields.c) ---------------------------------------------------------- */

/*! pft_qid_token() : @return the length of a queue ID at p that ends at `end` or at a byte
 *  that is not a letter or digit; 0 if the token is not a QID. Short IDs are upper-case hex
 *  (5 or more: real ones have 9..21, hand-made tests use fewer); long IDs are 12..20
 *  characters of Postfix's base-52 alphabet (digits and consonants; the inode part is
 *  separated by a lower-case 'z'), so they hold a lower-case letter and no vowel. */
size_t pft_qid_token(const char *p, const char *end);

/*! pft_qid_prefix() : @return the length of "QID" when p starts with "QID: " (or "QID:" at
 *  the end), else 0. */
size_t pft_qid_prefix(const struct pft_scan_index *ix, const char *p, const char *end);

/* What may follow the closing '>' of an address, besides the end of the text. */
#define PFT_ADDR_END_COMMA 1u  /* ", next=" (delivery, qmgr, postscreen trailers) */
#define PFT_ADDR_END_SPACE 2u  /* " next=" (smtpd trailers, pickup) */
#define PFT_ADDR_END_COLON 4u  /* ": text" (cleanup header/body check trailers) */

/*! pft_scan_addr() : an address value at p (just after "to=", "from=", ...): `<ADDR>` where
 *  the address ends at the first '>' followed by an allowed terminator (quoted local parts
 *  may hold ',', '>' or spaces), or a bare value up to ',' / ' ' (old local(8) logs
 *  `to=user@host,`). *out = the address without <>. @return the byte after the value, or
 *  NULL when an '<' is never closed. */
const char *pft_scan_addr(const struct pft_scan_index *ix, const char *p, const char *end,
			  unsigned ends, struct pft_slice *out);

/*! pft_scan_dsn() : "X.Y.Z" at p (X one digit 1..9, Y and Z 1..3 digits) not followed by a
 *  digit or '.'. @return the byte after it with *out set, or NULL. */
const char *pft_scan_dsn(const char *p, const char *end, pft_dsn *out);

/*! pft_reply_code() : an SMTP reply code at p: three digits, the first 2..5, followed by ' ',
 *  '-' or `end`. @return the code, or 0. */
uint16_t pft_reply_code(const char *p, const char *end);

/*! pft_dstatus_of() : status word (sent, deferred, ..., force-expired) to its enum;
 *  PFT_DS_OTHER for a word we do not know. */
enum pft_dstatus pft_dstatus_of(const char *w, size_t n);

/*! pft_stage_of() : smtpd stage word (CONNECT, RCPT, END-OF-MESSAGE, ...) to its enum;
 *  PFT_STAGE_NONE when the word is not a stage. */
enum pft_reject_stage pft_stage_of(const char *w, size_t n);

/*! pft_relay_host_of() : the host part of a relay value: text before '[', or the bracketed
 *  address (with brackets, without port) when it starts with '['. */
struct pft_slice pft_relay_host_of(const struct pft_scan_index *ix, struct pft_slice relay);

/*! pft_severity_len() : @return the length of "warning: " / "error: " / "fatal: " /
 *  "panic: " / "info: " at p, else 0. */
size_t pft_severity_len(const char *p, const char *end);

/* ---- kinds ---------------------------------------------------------------------------- */

static inline void pft_set_info(struct pft_event *ev)
{
	ev->kind = PFT_EV_POSTFIX_INFO;
	ev->reason = PFT_UNREC_NONE;
}

static inline void pft_set_unrec(struct pft_event *ev, enum pft_unrec_reason why)
{
	ev->kind = PFT_EV_UNRECOGNIZED;
	ev->reason = why;
}

/*! pft_parse_fallback() : what is left when a daemon's parser did not know the record:
 *  "QID: warning: ..." style lines are INFO, a "QID: ..., relay=..." line that is not a
 *  proper delivery record is DELIVERY_BAD_FIELD, other QID and NOQUEUE lines are
 *  UNKNOWN_RECORD; lines without a QID are INFO (with the QID of "warning: QID: ..." kept). */
void pft_parse_fallback(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
			const char *end);

/* ---- record parsers, one file per daemon family ----------------------------------------- */

/* Every record parser takes the event, the line's scan index and [p, end). */
/* parse_delivery.c: p at "to=" of a delivery-status record (any daemon). */
void pft_parse_delivery(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
	const char *end);
/* parse_delivery.c: smtp, lmtp, local, virtual, pipe, error, retry, discard. */
void pft_parse_agent(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
	const char *end, enum pft_service svc);
/* parse_qmgr.c: qmgr/oqmgr and postsuper. */
void pft_parse_qmgr(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
	const char *end);
void pft_parse_postsuper(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
	const char *end);
/* parse_cleanup.c: cleanup and pickup. */
void pft_parse_cleanup(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
	const char *end);
void pft_parse_pickup(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
	const char *end);
/* parse_smtpd.c: smtpd, postscreen, qmqpd. */
void pft_parse_smtpd(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
	const char *end);
/* parse_bounce.c: bounce, defer, trace. */
void pft_parse_bounce(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
	const char *end);

/* parse_smtpd.c: the action words of reject-like records. */
enum pft_action pft_action_of(const char *p, const char *end, size_t *len);

/*! pft_parse_reject() : p just after "ACTION: " of a reject-like record: "STAGE from CLIENT:
 *  REPLY; from=<..> to=<..> proto=.. helo=<..>" (smtpd, postscreen with ", "), "STAGE: REPLY;
 *  ..." (proxy-reject) or cleanup's "header|body TEXT from ORIGIN; from=<..> ...: REPLY".
 *  Fills stage, client, reason_text, dsn, from, to. @return 1 when the shape is understood. */
int pft_parse_reject(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
		     const char *end);

/*! pft_parse_action_record() : a record that starts with an action word (see
 *  pft_action_of()); sets kind REJECT or INFO, action, ends_message (`in_cleanup`: every
 *  reject or discard ends the message). @return 0 when p holds no action word. */
int pft_parse_action_record(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
			    const char *end, int in_cleanup);

#endif /* PFT_PARSE_INTERNAL_H */
