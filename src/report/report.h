/* pftally — report writers over a merged struct pft_result. They write to the stream they are
 * given and never print anything else. Everything that comes from a log line is escaped for
 * the format it lands in (a log line is attacker-controlled text). */
#ifndef PFT_REPORT_H
#define PFT_REPORT_H

#include <stdio.h>

#include "pftally/result.h"
#include "pftally/status.h"

#define PFT_JSON_SCHEMA "pftally-1"

enum pft_report_format {
	PFT_REPORT_TEXT = 0,
	PFT_REPORT_JSON,
	PFT_REPORT_CSV,
	PFT_REPORT_HTML,
	PFT_REPORT_OPENMETRICS,    /* OpenMetrics 1.0 text, ends with "# EOF" */
	PFT_REPORT_PROMETHEUS,     /* Prometheus text 0.0.4 (node_exporter textfile collector) */
};

/* Time buckets of a series. A week is an ISO 8601 week (Monday..Sunday, "YYYY-Www"). */
enum pft_series { PFT_SERIES_HOUR = 0, PFT_SERIES_DAY, PFT_SERIES_WEEK, PFT_SERIES_COUNT };

/* What a CSV report holds: a time series (--series) or one table (--table). */
enum pft_csv_table {
	PFT_CSV_SERIES = 0,
	PFT_CSV_DSN,
	PFT_CSV_DOMAIN,
	PFT_CSV_RELAY,
	PFT_CSV_REASON,         /* top reasons per status (the result's rows, then "other") */
	PFT_CSV_REJECT,         /* reject-like and policy records: stage and daemon x action */
};

struct pft_report_options {
	enum pft_report_format format;
	unsigned top;                   /* rows of top tables, domains/relays in metrics;
					 * 0 = the format's default (PFT_REPORT_TOP_DEFAULT,
					 * every row for CSV tables) */
	int color;                      /* text: ANSI colour (the caller decides: a terminal
					 * and no NO_COLOR) */
	enum pft_csv_table csv_table;
	enum pft_series series;         /* CSV series granularity */
};

#define PFT_REPORT_TOP_DEFAULT 10

/*! pft_report_write() : the report that options->format names. */
PFT_MUST_CHECK enum pft_status pft_report_write(const struct pft_result *result,
						const struct pft_report_options *options,
						FILE *out);

/*! pft_report_json() : the full result as JSON (schema PFT_JSON_SCHEMA, see README and
 *  src/report/pftally-1.schema.json). Every key before "inputs" depends only on the log
 *  lines, not on how they were split into files. */
PFT_MUST_CHECK enum pft_status pft_report_json(const struct pft_result *result, FILE *out);

/*! pft_report_text() : a readable summary with the default options. */
PFT_MUST_CHECK enum pft_status pft_report_text(const struct pft_result *result, FILE *out);

/*! pft_report_text_with() : the summary with options (top, color). */
PFT_MUST_CHECK enum pft_status pft_report_text_with(const struct pft_result *result,
						    const struct pft_report_options *options,
						    FILE *out);

/*! pft_report_csv() : RFC 4180 CSV (CRLF line ends, a header row): the time series or the
 *  table that options name. Text cells that a spreadsheet would take for a formula (leading
 *  = + - @ tab CR) are prefixed with '. */
PFT_MUST_CHECK enum pft_status pft_report_csv(const struct pft_result *result,
					      const struct pft_report_options *options, FILE *out);

/*! pft_report_html() : one self-contained HTML file (inline CSS and SVG, no script, no
 *  network fetch) with charts and tables. */
PFT_MUST_CHECK enum pft_status pft_report_html(const struct pft_result *result,
					       const struct pft_report_options *options, FILE *out);

/*! pft_report_metrics() : counters in Prometheus text format (PFT_REPORT_PROMETHEUS) or
 *  OpenMetrics (PFT_REPORT_OPENMETRICS), per options->format; per-domain and per-relay
 *  families are limited to the top options->top by attempts. */
PFT_MUST_CHECK enum pft_status pft_report_metrics(const struct pft_result *result,
						  const struct pft_report_options *options,
						  FILE *out);

/*! pft_json_write_string() : p[0..n) as a JSON string: quotes, backslashes and control bytes
 *  escaped, invalid UTF-8 replaced by U+FFFD (a log line is attacker-controlled text). */
void pft_json_write_string(FILE *out, const char *p, size_t n);

/*! pft_series_name() : "hour", "day", "week". */
const char *pft_series_name(enum pft_series series);

/* RFC 3463 (and later IANA registry) names of enhanced status codes, lower case. Each
 * @return NULL when the value is not registered. */
const char *pft_dsn_class_name(unsigned cls);
const char *pft_dsn_subject_name(unsigned subject);
const char *pft_dsn_detail_name(unsigned subject, unsigned detail);

/* The attempt statuses in report order, with their JSON keys. */
struct pft_status_column {
	const char *key;
	enum pft_dstatus status;
};
extern const struct pft_status_column pft_attempt_columns[];
extern const size_t pft_n_attempt_columns;

/*! pft_attempts_total() : all attempts of a counts cell. */
uint64_t pft_attempts_total(const struct pft_counts *counts);

#endif
