/* CSV (RFC 4180: CRLF line ends, a header row, fields with "," or '"' quoted and '"'
 * doubled): a time series of attempts and recipients, or the DSN, domain, relay, reason or
 * reject table.
 * Text from the log that a spreadsheet would run as a formula (a cell starting with = + - @,
 * tab or CR) is prefixed with a single quote. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

static void put_csv_char(FILE *out, unsigned char c)
{
	if (c == '"')
		putc('"', out);
	putc(c, out);
}

/* One text cell from the log. */
static void put_cell(FILE *out, const char *s)
{
	size_t n = strlen(s);
	int quote = strpbrk(s, ",\"\r\n") != NULL || (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
	if (quote)
		putc('"', out);
	if (n > 0 && strchr("=+-@\t\r", s[0]) != NULL)
		putc('\'', out);
	report_put_text(out, s, n, put_csv_char);
	if (quote)
		putc('"', out);
}

static void put_counts_header(FILE *out)
{
	fputs(",attempts_total", out);
	for (size_t s = 0; s < pft_n_attempt_columns; s++)
		fprintf(out, ",attempts_%s", pft_attempt_columns[s].key);
	fputs(",recipients_total", out);
	for (int o = 0; o < PFT_OUT_COUNT; o++)
		fprintf(out, ",recipients_%s", pft_outcome_name((enum pft_outcome)o));
	fputs(",defer_rate,bounce_rate\r\n", out);
}

static void put_counts(FILE *out, const struct pft_counts *c)
{
	uint64_t attempts = pft_attempts_total(c);
	fprintf(out, ",%" PRIu64, attempts);
	for (size_t s = 0; s < pft_n_attempt_columns; s++)
		fprintf(out, ",%" PRIu64, c->attempts[pft_attempt_columns[s].status]);
	fprintf(out, ",%" PRIu64, report_recipients_total(c));
	for (int o = 0; o < PFT_OUT_COUNT; o++)
		fprintf(out, ",%" PRIu64, c->recipients[o]);
	fprintf(out, ",%.6f,%.6f\r\n", report_ratio(c->attempts[PFT_DS_DEFERRED], attempts),
	        report_ratio(c->recipients[PFT_OUT_BOUNCED], report_decided(c)));
}

static enum pft_status write_series(const struct pft_result *r, enum pft_series kind, FILE *out)
{
	struct report_series series;
	PFT_TRY(report_series_build(r, kind, &series));
	fputs(pft_series_name(kind), out);
	put_counts_header(out);
	for (size_t i = 0; i < series.n; i++) {
		fputs(series.v[i].label, out);
		put_counts(out, &series.v[i].counts);
	}
	report_series_free(&series);
	return PFT_OK;
}

static enum pft_status write_breakdown(const char *key, const struct pft_named_counts *v, size_t n,
                                       unsigned top, FILE *out)
{
	size_t m = 0;
	const struct pft_named_counts **rows =
		report_top(v, n, (struct report_rank){0}, top, 0, &m);
	if (rows == NULL)
		return PFT_ERR_NOMEM;
	fputs(key, out);
	put_counts_header(out);
	for (size_t i = 0; i < m; i++) {
		put_cell(out, rows[i]->name);
		put_counts(out, &rows[i]->counts);
	}
	free(rows);
	return PFT_OK;
}

static void write_dsn(const struct pft_result *r, FILE *out)
{
	uint64_t attempts = pft_attempts_total(&r->totals.all);
	fputs("code,class,subject,detail,attempts,share,class_name,subject_name,detail_name\r\n",
	      out);
	for (size_t i = 0; i < r->n_dsn; i++) {
		pft_dsn d = r->dsn[i].code;
		unsigned c = PFT_DSN_CLASS(d), s = PFT_DSN_SUBJECT(d), x = PFT_DSN_DETAIL(d);
		char code[16];
		report_dsn_label(d, code);
		fprintf(out, "%s,%u,%u,%u,%" PRIu64 ",%.6f,", code, c, s, x, r->dsn[i].attempts,
		        report_ratio(r->dsn[i].attempts, attempts));
		const char *names[3] = {pft_dsn_class_name(c), pft_dsn_subject_name(s),
		                        pft_dsn_detail_name(s, x)};
		for (int k = 0; k < 3; k++) {
			if (k)
				putc(',', out);
			put_cell(out, names[k] ? names[k] : "");
		}
		fputs("\r\n", out);
	}
}

/* Rows of each status's top reasons (--top of them per status when given), then an "other"
 * row with the rest: the counts of a status add up to its total. */
static void write_reasons(const struct pft_result *r, unsigned top, FILE *out)
{
	fputs("status,rank,count,share,key,sample\r\n", out);
	for (size_t i = 0; i < r->n_reasons_by_status; i++) {
		const struct pft_reason_group *g = &r->reasons_by_status[i];
		size_t n = top && top < g->n_rows ? top : g->n_rows;
		uint64_t rest = g->other;
		for (size_t j = n; j < g->n_rows; j++)
			rest += g->rows[j].count;
		for (size_t j = 0; j < n; j++) {
			const struct pft_reason_row *row = &g->rows[j];
			fprintf(out, "%s,%zu,%" PRIu64 ",%.6f,", g->name, j + 1, row->count,
			        report_ratio(row->count, g->total));
			put_cell(out, row->key);
			putc(',', out);
			put_cell(out, row->sample);
			fputs("\r\n", out);
		}
		if (rest > 0)
			fprintf(out, "%s,other,%" PRIu64 ",%.6f,,\r\n", g->name, rest,
			        report_ratio(rest, g->total));
	}
}

static const enum pft_action csv_actions[] = {
	PFT_ACTION_REJECT,  PFT_ACTION_MILTER_REJECT, PFT_ACTION_PROXY_REJECT, PFT_ACTION_DISCARD,
	PFT_ACTION_HOLD,    PFT_ACTION_REJECT_WARNING, PFT_ACTION_OTHER,
};
#define N_CSV_ACTIONS (sizeof csv_actions / sizeof csv_actions[0])

/* One row of policy counts by action, unless they are all 0. */
static void put_actions_row(FILE *out, const char *kind, const char *name,
                            const uint64_t *by_action)
{
	uint64_t total = 0;
	for (size_t a = 0; a < N_CSV_ACTIONS; a++)
		total += by_action[csv_actions[a]];
	if (total == 0)
		return;
	fprintf(out, "%s,%s", kind, name);
	for (size_t a = 0; a < N_CSV_ACTIONS; a++)
		fprintf(out, ",%" PRIu64, by_action[csv_actions[a]]);
	fprintf(out, ",%" PRIu64 "\r\n", total);
}

static void write_rejects(const struct pft_result *r, FILE *out)
{
	fputs("by,name", out);
	for (size_t a = 0; a < N_CSV_ACTIONS; a++)
		fprintf(out, ",%s", pft_action_name(csv_actions[a]));
	fputs(",total\r\n", out);
	for (int s = 0; s < PFT_STAGE_COUNT; s++)
		put_actions_row(out, "stage", pft_stage_name((enum pft_reject_stage)s),
		                r->totals.policy_stage[s]);
	for (int s = 0; s < PFT_POLICY_SOURCE_COUNT; s++)
		put_actions_row(out, "daemon", pft_policy_source_name((enum pft_policy_source)s),
		                r->totals.policy_source[s]);
}

enum pft_status pft_report_csv(const struct pft_result *r, const struct pft_report_options *o,
                               FILE *out)
{
	enum pft_status status = PFT_OK;
	switch (o->csv_table) {
	case PFT_CSV_SERIES: status = write_series(r, o->series, out); break;
	case PFT_CSV_DSN: write_dsn(r, out); break;
	case PFT_CSV_DOMAIN:
		status = write_breakdown("domain", r->domains, r->n_domains, o->top, out);
		break;
	case PFT_CSV_RELAY:
		status = write_breakdown("relay", r->relays, r->n_relays, o->top, out);
		break;
	case PFT_CSV_REASON: write_reasons(r, o->top, out); break;
	case PFT_CSV_REJECT: write_rejects(r, out); break;
	}
	if (status == PFT_OK && ferror(out))
		status = PFT_ERR_IO;
	return status;
}
