/* pftally — helpers shared by the report writers (not public). */
#ifndef PFT_REPORT_INTERNAL_H
#define PFT_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/utf8.h"
#include "report/report.h"

/* ---- numbers ------------------------------------------------------------------------------ */

/*! report_recipients_total() : recipients of a cell, every outcome. */
uint64_t report_recipients_total(const struct pft_counts *c);

/*! report_decided() : recipients with an outcome (all but pending): a bounce rate's base. */
uint64_t report_decided(const struct pft_counts *c);

/*! report_ratio() : part/whole as a fraction, 0 when whole is 0. */
double report_ratio(uint64_t part, uint64_t whole);

/* ---- text from the log ------------------------------------------------------------------------
 */


/*! report_put_text() : s as UTF-8 text for a document: invalid sequences and control
 *  characters (C0 but tab, DEL, C1) become U+FFFD; each other character is written by
 *  put_ascii (for ASCII bytes, to escape them) or copied. */
void report_put_text(FILE *out, const char *s, size_t n,
                     void (*put_ascii)(FILE *out, unsigned char c));

/*! report_html_text() : NUL-terminated text from the log, escaped for HTML element content
 *  and quoted attribute values (report_html.c). */
void report_html_text(FILE *out, const char *s);

/* ---- rankings ----------------------------------------------------------------------------- */

/* How rows of a breakdown are ranked: by one attempt status, or by all attempts. */
struct report_rank {
	int by_status; /* 0: by all attempts */
	enum pft_dstatus status;
};

/*! report_top() : pointers to the rows of v ranked by rank (descending, ties by name), at
 *  most limit of them (0: all), skipping rows whose ranking count is 0 when skip_zero.
 *  @return a malloc'd array (free it) with *n_out rows, NULL when out of memory. */
const struct pft_named_counts **report_top(const struct pft_named_counts *v, size_t n,
                                           struct report_rank rank, size_t limit, int skip_zero,
                                           size_t *n_out);

/* ---- time series ------------------------------------------------------------------------- */

struct report_bucket {
	char label[16]; /* "YYYY-MM-DDTHH", "YYYY-MM-DD", "YYYY-Www" */
	struct pft_counts counts;
};

struct report_series {
	struct report_bucket *v;
	size_t n;
	int filled; /* gaps between buckets are zero rows */
};

/* Past this many buckets from first to last the series keeps only buckets with data (an
 * archive with a stray stamp from another decade must not make millions of rows). */
#define REPORT_SERIES_MAX_FILL 100000

/*! report_series_build() : the result's hours or days, or ISO weeks summed from the days, in
 *  time order, with empty buckets filled in (see REPORT_SERIES_MAX_FILL). Free with
 *  report_series_free. */
PFT_MUST_CHECK enum pft_status report_series_build(const struct pft_result *r, enum pft_series kind,
                                                   struct report_series *out);
void report_series_free(struct report_series *s);

/*! report_dsn_label() : "X.Y.Z" into buf (16 bytes). */
void report_dsn_label(pft_dsn code, char buf[16]);

/*! report_reject_code_label() : "554 5.7.1", "554", "5.7.1" or "none" into buf (32 bytes). */
void report_reject_code_label(const struct pft_reject_code *code, char buf[32]);

/*! report_reasons_of_attempts() : 1 when the reason group of this status name counts delivery
 *  attempts (deferred, bounced, softbounce, expired), 0 for reject-like records. */
int report_reasons_of_attempts(const char *status_name);

/* ---- findings (report_findings.c) ---------------------------------------------------------- */

/*! report_findings_text() : the findings section of the text summary (nothing when the
 *  result has none computed). */
void report_findings_text(FILE *out, const struct pft_result *r, int color);

/*! report_findings_json() : the "findings" key of the JSON report, with its trailing comma
 *  (null when none were computed). */
void report_findings_json(FILE *out, const struct pft_result *r);

/*! report_findings_html() : the findings section of the HTML report. */
void report_findings_html(FILE *out, const struct pft_result *r);

/*! report_findings_bands() : shaded SVG bands over the buckets of series s (granularity
 *  kind) that findings cover, in a plot at (x, y) of size w x h. */
void report_findings_bands(FILE *out, const struct pft_result *r, const struct report_series *s,
			   enum pft_series kind, double x, double y, double w, double h);

#endif
