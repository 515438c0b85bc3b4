/* pftally — report writers over a merged struct pft_result. They write to the stream they are
 * given and never print anything else. */
#ifndef PFT_REPORT_H
#define PFT_REPORT_H

#include <stdio.h>

#include "pftally/result.h"
#include "pftally/status.h"

#define PFT_JSON_SCHEMA "pftally-1"

/*! pft_report_json() : the full result as JSON (schema PFT_JSON_SCHEMA, see README). Every key
 *  before "inputs" depends only on the log lines, not on how they were split into files. */
PFT_MUST_CHECK enum pft_status pft_report_json(const struct pft_result *result, FILE *out);

/*! pft_report_text() : a readable summary. */
PFT_MUST_CHECK enum pft_status pft_report_text(const struct pft_result *result, FILE *out);

/*! pft_json_write_string() : p[0..n) as a JSON string: quotes, backslashes and control bytes
 *  escaped, invalid UTF-8 replaced by U+FFFD (a log line is attacker-controlled text). */
void pft_json_write_string(FILE *out, const char *p, size_t n);

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
