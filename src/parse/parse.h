/* pftally — line parser: one syslog line to one flat struct pft_event.
 *
 * Stage 2 of the scan (src/scan/ is stage 1): delimiters are found with the line's bitmasks.
 * The parser never fails and never allocates: a line it does not understand becomes a
 * PFT_EV_MALFORMED (header) or PFT_EV_UNRECOGNIZED (Postfix record) event with a reason.
 * Every slice in the event points into the line. */
#ifndef PFT_PARSE_H
#define PFT_PARSE_H

#include <stddef.h>

#include "pftally/event.h"
#include "scan/scan.h"

/* Lines longer than this (without the line end and any leading NUL bytes) are not parsed:
 * they are PFT_EV_MALFORMED with reason PFT_UNREC_OVERLONG. Postfix cuts its records at 2000
 * bytes and syslog daemons at 1..8 KiB (rsyslog's default maxMessageSize is 8 KiB); a longer
 * line is not a Postfix record of any syslog setup, and would only cost time. */
#define PFT_PARSE_MAX_LINE ((size_t)64 << 10)

/*! pft_parse_line() : parses line[0..len) — without its '\n'; a trailing '\r' is ignored —
 *  into *ev (fully overwritten). */
void pft_parse_line(const char *line, size_t len, struct pft_event *ev);

/*! pft_parse_line_scanned() : pft_parse_line() for a line that the scan index ix covers, as
 *  pft_scan_lines_next() hands them out: the hot path, no scanning of its own. ix->blocks ==
 *  NULL parses without masks (byte by byte), with the same result. */
void pft_parse_line_scanned(const char *line, size_t len, const struct pft_scan_index *ix,
			    struct pft_event *ev);

/*! pft_parse_header() : parses only the syslog header (stamp, host, program, pid) and sets
 *  ev->text to the rest. @return 1 if the header is well formed, else 0 with ev->kind =
 *  PFT_EV_MALFORMED and ev->reason set. Exposed for tests. */
int pft_parse_header(const char *line, size_t len, struct pft_event *ev);

/*! pft_parse_postfix() : parses the Postfix record in ev->text for the daemon ev->service,
 *  setting kind and fields. Exposed so tests can feed bare messages (no syslog prefix). */
void pft_parse_postfix(struct pft_event *ev);

/*! pft_is_postfix_program() : 1 if the syslog tag is a Postfix daemon (instance starting with
 *  "postfix", or a known Postfix service name after a '/'). */
int pft_is_postfix_program(const struct pft_event *ev);

/*! pft_status_name() : "sent", "deferred", ... as used in the JSON (underscores). */
const char *pft_dstatus_name(enum pft_dstatus status);

#endif /* PFT_PARSE_H */
