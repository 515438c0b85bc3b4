/* Text summary: what an operator reads first. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#define TOP_N 10

static double ratio(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static uint64_t outcomes_total(const struct pft_counts *c)
{
	uint64_t n = 0;
	for (int o = 0; o < PFT_OUT_COUNT; o++)
		n += c->recipients[o];
	return n;
}

/* Recipients with an outcome: every outcome but pending. */
static uint64_t decided(const struct pft_counts *c)
{
	return outcomes_total(c) - c->recipients[PFT_OUT_PENDING];
}

static enum pft_dstatus sort_status;
static int by_status_desc(const void *a, const void *b)
{
	const struct pft_named_counts *x = *(const struct pft_named_counts *const *)a;
	const struct pft_named_counts *y = *(const struct pft_named_counts *const *)b;
	uint64_t p = x->counts.attempts[sort_status], q = y->counts.attempts[sort_status];
	if (p != q)
		return p < q ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void top_table(FILE *out, const char *title, const struct pft_named_counts *v, size_t n,
		      enum pft_dstatus status)
{
	const struct pft_named_counts **order = malloc((n ? n : 1) * sizeof *order);
	if (order == NULL)
		return;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].counts.attempts[status] > 0)
			order[m++] = &v[i];
	sort_status = status;
	qsort(order, m, sizeof *order, by_status_desc);
	if (m > 0) {
		fprintf(out, "\n%s\n", title);
		fprintf(out, "  %-40s %12s %12s %8s\n", "", "count", "attempts", "share");
		for (size_t i = 0; i < m && i < TOP_N; i++) {
			const struct pft_counts *c = &order[i]->counts;
			uint64_t all = pft_attempts_total(c);
			fprintf(out, "  %-40.40s %12" PRIu64 " %12" PRIu64 " %7.1f%%\n", order[i]->name,
				c->attempts[status], all, ratio(c->attempts[status], all));
		}
	}
	free(order);
}

static void print_civil(FILE *out, const struct pft_civil *c)
{
	fprintf(out, "%04d-%02u-%02u %02u:%02u:%02u", c->year, c->month, c->day, c->hour, c->min,
		c->sec);
}

enum pft_status pft_report_text(const struct pft_result *r, FILE *out)
{
	const struct pft_totals *t = &r->totals;
	const struct pft_counts *all = &t->all;
	uint64_t attempts = pft_attempts_total(all);

	fputs("pftally summary\n", out);
	if (r->has_time) {
		fputs("  time range      ", out);
		print_civil(out, &r->first);
		fputs(" .. ", out);
		print_civil(out, &r->last);
		putc('\n', out);
	}
	fprintf(out, "  lines           %" PRIu64 " (postfix %" PRIu64 ", other programs %" PRIu64
		     ", malformed %" PRIu64 ", unrecognized postfix %" PRIu64 ")\n",
		t->lines_total, t->lines_postfix, t->lines_other_programs, t->lines_malformed,
		t->lines_unrecognized);

	fprintf(out, "\nDelivery attempts %" PRIu64 "\n", attempts);
	for (size_t i = 0; i < pft_n_attempt_columns; i++) {
		uint64_t n = all->attempts[pft_attempt_columns[i].status];
		if (n > 0 || i < 3)
			fprintf(out, "  %-26s %12" PRIu64 " %7.2f%%\n", pft_attempt_columns[i].key, n,
				ratio(n, attempts));
	}
	fprintf(out, "  defer rate                 %19.2f%%\n",
		ratio(all->attempts[PFT_DS_DEFERRED], attempts));

	fprintf(out, "\nRecipients %" PRIu64 "\n", outcomes_total(all));
	for (int o = 0; o < PFT_OUT_COUNT; o++)
		fprintf(out, "  %-26s %12" PRIu64 "\n", pft_outcome_name((enum pft_outcome)o),
			all->recipients[o]);
	fprintf(out, "  bounce rate                %19.2f%%\n",
		ratio(all->recipients[PFT_OUT_BOUNCED], decided(all)));
	fprintf(out, "  deferred at least once     %12" PRIu64 "  (then sent %" PRIu64
		     ", bounced %" PRIu64 ", expired %" PRIu64 ", pending %" PRIu64 ")\n",
		t->rcpt_deferred_ever, t->rcpt_deferred_then[PFT_OUT_SENT],
		t->rcpt_deferred_then[PFT_OUT_BOUNCED], t->rcpt_deferred_then[PFT_OUT_EXPIRED],
		t->rcpt_deferred_then[PFT_OUT_PENDING]);
	if (t->rcpt_probes)
		fprintf(out, "  address probes             %12" PRIu64 "\n", t->rcpt_probes);

	fprintf(out, "\nMessages %" PRIu64 "  (closed %" PRIu64 ", pending %" PRIu64 ", expired %" PRIu64
		     ", with deferral %" PRIu64 ", with bounce %" PRIu64 ", rejected %" PRIu64 ")\n",
		t->msg_total, t->msg_closed, t->msg_pending, t->msg_expired, t->msg_with_deferral,
		t->msg_with_bounce, t->msg_rejected);
	fprintf(out, "  notifications: non-delivery %" PRIu64 ", delay %" PRIu64 ", success %" PRIu64
		     ", postmaster %" PRIu64 "\n",
		t->notifications[PFT_NOTIFY_NON_DELIVERY], t->notifications[PFT_NOTIFY_DELAY],
		t->notifications[PFT_NOTIFY_SUCCESS], t->notifications[PFT_NOTIFY_POSTMASTER]);
	fprintf(out, "  rejects: before queue %" PRIu64 ", with queue id %" PRIu64 "\n",
		t->rejects_noqueue, t->rejects_with_queue_id);

	if (r->n_dsn > 0) {
		fputs("\nDSN codes (attempts)\n", out);
		for (size_t i = 0; i < r->n_dsn; i++) {
			pft_dsn d = r->dsn[i].code;
			fprintf(out, "  %u.%u.%-6u %12" PRIu64 " %7.2f%%\n", PFT_DSN_CLASS(d),
				PFT_DSN_SUBJECT(d), PFT_DSN_DETAIL(d), r->dsn[i].attempts,
				ratio(r->dsn[i].attempts, attempts));
		}
	}
	top_table(out, "Top recipient domains by deferrals", r->domains, r->n_domains, PFT_DS_DEFERRED);
	top_table(out, "Top recipient domains by bounces", r->domains, r->n_domains, PFT_DS_BOUNCED);
	top_table(out, "Top relays by deferrals", r->relays, r->n_relays, PFT_DS_DEFERRED);
	top_table(out, "Top relays by bounces", r->relays, r->n_relays, PFT_DS_BOUNCED);

	if (r->n_days > 0) {
		fprintf(out, "\nPer day %12s %10s %10s %10s %8s\n", "attempts", "sent", "deferred",
			"bounced", "defer%");
		for (size_t i = 0; i < r->n_days; i++) {
			const struct pft_counts *c = &r->days[i].counts;
			uint64_t n = pft_attempts_total(c);
			fprintf(out, "  %s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %7.1f%%\n",
				r->days[i].name, n, c->attempts[PFT_DS_SENT], c->attempts[PFT_DS_DEFERRED],
				c->attempts[PFT_DS_BOUNCED], ratio(c->attempts[PFT_DS_DEFERRED], n));
		}
	}

	if (t->lines_malformed + t->lines_unrecognized > 0) {
		fputs("\nLines not understood (by reason, first samples)\n", out);
		for (int k = 1; k < PFT_UNREC_REASON_COUNT; k++) {
			if (t->unrecognized[k] == 0)
				continue;
			fprintf(out, "  %-22s %10" PRIu64 "\n", pft_unrec_reason_name((enum pft_unrec_reason)k),
				t->unrecognized[k]);
			for (int i = 0; i < r->n_samples[k]; i++) {
				const struct pft_sample *s = &r->samples[k][i];
				fprintf(out, "      %s:%" PRIu64 ": ", r->files[s->file_index].path, s->line);
				for (const char *p = s->text; *p; p++)
					putc((unsigned char)*p < 0x20 || *p == 0x7F ? '?' : *p, out);
				putc('\n', out);
			}
		}
	}

	fputs("\nInputs\n", out);
	for (size_t i = 0; i < r->n_files; i++)
		fprintf(out, "  %-50s %-5s %14" PRIu64 " bytes %12" PRIu64 " lines\n", r->files[i].path,
			r->files[i].format, r->files[i].bytes, r->files[i].lines);
	return ferror(out) ? PFT_ERR_IO : PFT_OK;
}
