/* Text summary: what an operator reads first. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* Percent of whole. */
static double ratio(uint64_t part, uint64_t whole)
{
	return 100.0 * report_ratio(part, whole);
}

struct text {
	FILE *out;
	int color;
	size_t top;
};

/* A section title, bold on a colour terminal. */
static void heading(const struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void heading(const struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(t->color ? "\n\033[1m" : "\n", t->out);
	vfprintf(t->out, fmt, ap);
	fputs(t->color ? "\033[0m\n" : "\n", t->out);
	va_end(ap);
}

static void put_safe_char(FILE *out, unsigned char c)
{
	putc(c, out);
}

/* Text from the log (a name, a sample line), safe for a terminal: no control characters, no
 * invalid UTF-8 (both shown as U+FFFD). Padded to width characters; cut there when cut. */
static void put_field(FILE *out, const char *s, size_t width, int cut)
{
	size_t n = strlen(s), chars = 0, i = 0;
	/* Count characters (a UTF-8 sequence, or an invalid byte). */
	while (i < n && (!cut || chars < width)) {
		size_t len = pft_utf8_len((const unsigned char *)s + i, n - i);
		i += len ? len : 1;
		chars++;
	}
	n = i;
	report_put_text(out, s, n, put_safe_char);
	for (; chars < width; chars++)
		putc(' ', out);
}

/* Text from the log, at most max characters: a longer one is cut and ends with "...". */
static void put_cut(FILE *out, const char *s, size_t max)
{
	size_t n = strlen(s), chars = 0, i = 0;
	while (i < n && chars < max) {
		size_t len = pft_utf8_len((const unsigned char *)s + i, n - i);
		i += len ? len : 1;
		chars++;
	}
	report_put_text(out, s, i, put_safe_char);
	if (i < n)
		fputs("...", out);
}

static void top_table(const struct text *t, const char *title, const struct pft_named_counts *v,
		      size_t n, enum pft_dstatus status)
{
	size_t m = 0;
	const struct pft_named_counts **order =
		report_top(v, n, (struct report_rank){1, status}, t->top, 1, &m);
	if (order == NULL)
		return;
	if (m > 0) {
		heading(t, "%s", title);
		fprintf(t->out, "  %-40s %12s %12s %8s\n", "", "count", "attempts", "share");
		for (size_t i = 0; i < m; i++) {
			const struct pft_counts *c = &order[i]->counts;
			uint64_t all = pft_attempts_total(c);
			fputs("  ", t->out);
			put_field(t->out, order[i]->name, 40, 1);
			fprintf(t->out, " %12" PRIu64 " %12" PRIu64 " %7.1f%%\n", c->attempts[status],
				all, ratio(c->attempts[status], all));
		}
	}
	free(order);
}

static void dsn_table(const struct text *t, const struct pft_result *r, uint64_t attempts)
{
	FILE *out = t->out;
	heading(t, "DSN codes (attempts)");
	uint64_t by_class[10] = {0};
	for (size_t i = 0; i < r->n_dsn; i++) {
		pft_dsn d = r->dsn[i].code;
		unsigned c = PFT_DSN_CLASS(d), s = PFT_DSN_SUBJECT(d), x = PFT_DSN_DETAIL(d);
		char code[16];
		report_dsn_label(d, code);
		by_class[c < 10 ? c : 0] += r->dsn[i].attempts;
		fprintf(out, "  %-9s %12" PRIu64 " %7.2f%%  ", code, r->dsn[i].attempts,
			ratio(r->dsn[i].attempts, attempts));
		const char *detail = pft_dsn_detail_name(s, x);
		const char *subject = pft_dsn_subject_name(s);
		const char *cls = pft_dsn_class_name(c);
		if (detail)
			fputs(detail, out);
		else
			fprintf(out, "unregistered detail %u.%u", s, x);
		fprintf(out, " (%s", cls ? cls : "unknown class");
		if (subject)
			fprintf(out, "; %s", subject);
		else
			fprintf(out, "; unknown subject %u", s);
		fputs(")\n", out);
	}
	fputs("  by class:", out);
	for (unsigned c = 0; c < 10; c++)
		if (by_class[c])
			fprintf(out, "  %u.x.x %" PRIu64 " (%.2f%%)", c, by_class[c],
				ratio(by_class[c], attempts));
	putc('\n', out);
}

#define REASON_WIDTH 96 /* characters of a reason key shown */

/* Top reasons of each status, with the first raw reason of each key as an example. */
static void reasons_tables(const struct text *t, const struct pft_result *r)
{
	FILE *out = t->out;
	for (size_t i = 0; i < r->n_reasons_by_status; i++) {
		const struct pft_reason_group *g = &r->reasons_by_status[i];
		heading(t, "Top reasons: %s (%" PRIu64 " %s, %" PRIu64 " distinct)", g->name, g->total,
			report_reasons_of_attempts(g->name) ? "attempts" : "records", g->keys);
		size_t shown = g->n_rows < t->top ? g->n_rows : t->top;
		uint64_t rest = g->other;
		for (size_t j = shown; j < g->n_rows; j++)
			rest += g->rows[j].count;
		for (size_t j = 0; j < shown; j++) {
			const struct pft_reason_row *row = &g->rows[j];
			fprintf(out, "  %10" PRIu64 " %6.1f%%  ", row->count, ratio(row->count, g->total));
			put_cut(out, row->key[0] ? row->key : "(no reason text)", REASON_WIDTH);
			fputs("\n                      e.g. ", out);
			put_cut(out, row->sample, REASON_WIDTH - 5);
			putc('\n', out);
		}
		if (rest > 0)
			fprintf(out, "  %10" PRIu64 " %6.1f%%  (other reasons)\n", rest,
				ratio(rest, g->total));
	}
}

static const enum pft_action text_actions[] = {
	PFT_ACTION_REJECT,  PFT_ACTION_MILTER_REJECT, PFT_ACTION_PROXY_REJECT, PFT_ACTION_DISCARD,
	PFT_ACTION_HOLD,    PFT_ACTION_REJECT_WARNING, PFT_ACTION_OTHER,
};
#define N_TEXT_ACTIONS (sizeof text_actions / sizeof text_actions[0])

static uint64_t policy_total(const uint64_t *by_action)
{
	uint64_t n = 0;
	for (size_t a = 0; a < N_TEXT_ACTIONS; a++)
		n += by_action[text_actions[a]];
	return n;
}

/* Reject-like and policy records: stage x action, daemon x action, and reply codes. */
static void rejects_table(const struct text *t, const struct pft_result *r)
{
	FILE *out = t->out;
	const struct pft_totals *tt = &r->totals;
	uint64_t all = 0;
	for (int s = 0; s < PFT_STAGE_COUNT; s++)
		all += policy_total(tt->policy_stage[s]);
	if (all == 0)
		return;
	heading(t, "Rejects and policy actions %" PRIu64, all);
	fprintf(out, "  %-16s", "");
	static const char *const short_names[] = {"reject", "milter-rej", "proxy-rej", "discard",
						  "hold", "warn-only", "other"};
	for (size_t a = 0; a < N_TEXT_ACTIONS; a++)
		fprintf(out, " %10s", short_names[a]);
	fputs("\n", out);
	for (int s = 0; s < PFT_STAGE_COUNT; s++) {
		if (policy_total(tt->policy_stage[s]) == 0)
			continue;
		fprintf(out, "  %-16s", pft_stage_name((enum pft_reject_stage)s));
		for (size_t a = 0; a < N_TEXT_ACTIONS; a++)
			fprintf(out, " %10" PRIu64, tt->policy_stage[s][text_actions[a]]);
		putc('\n', out);
	}
	fputs("  by daemon\n", out);
	for (int s = 0; s < PFT_POLICY_SOURCE_COUNT; s++) {
		if (policy_total(tt->policy_source[s]) == 0)
			continue;
		fprintf(out, "  %-16s", pft_policy_source_name((enum pft_policy_source)s));
		for (size_t a = 0; a < N_TEXT_ACTIONS; a++)
			fprintf(out, " %10" PRIu64, tt->policy_source[s][text_actions[a]]);
		putc('\n', out);
	}
	if (r->n_reject_codes > 0) {
		fputs("  refusals by reply code:", out);
		for (size_t i = 0; i < r->n_reject_codes; i++) {
			char code[32];
			report_reject_code_label(&r->reject_codes[i], code);
			fprintf(out, "%s %s %" PRIu64, i ? "," : "", code, r->reject_codes[i].count);
		}
		putc('\n', out);
	}
}

static void print_civil(FILE *out, const struct pft_civil *c)
{
	fprintf(out, "%04d-%02u-%02u %02u:%02u:%02u", c->year, c->month, c->day, c->hour, c->min,
		c->sec);
}

enum pft_status pft_report_text(const struct pft_result *r, FILE *out)
{
	const struct pft_report_options defaults = {.format = PFT_REPORT_TEXT};
	return pft_report_text_with(r, &defaults, out);
}

enum pft_status pft_report_text_with(const struct pft_result *r,
				     const struct pft_report_options *o, FILE *out)
{
	const struct text tx = {out, o->color, o->top ? o->top : PFT_REPORT_TOP_DEFAULT};
	const struct pft_totals *t = &r->totals;
	const struct pft_counts *all = &t->all;
	uint64_t attempts = pft_attempts_total(all);

	fputs(tx.color ? "\033[1mpftally summary\033[0m\n" : "pftally summary\n", out);
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

	report_findings_text(out, r, tx.color); /* the first screen: what went wrong, when */
	heading(&tx, "Delivery attempts %" PRIu64, attempts);
	for (size_t i = 0; i < pft_n_attempt_columns; i++) {
		uint64_t n = all->attempts[pft_attempt_columns[i].status];
		if (n > 0 || i < 3)
			fprintf(out, "  %-26s %12" PRIu64 " %7.2f%%\n", pft_attempt_columns[i].key, n,
				ratio(n, attempts));
	}
	fprintf(out, "  defer rate                 %19.2f%%\n",
		ratio(all->attempts[PFT_DS_DEFERRED], attempts));

	heading(&tx, "Recipients %" PRIu64, report_recipients_total(all));
	for (int k = 0; k < PFT_OUT_COUNT; k++)
		fprintf(out, "  %-26s %12" PRIu64 "\n", pft_outcome_name((enum pft_outcome)k),
			all->recipients[k]);
	fprintf(out, "  bounce rate                %19.2f%%\n",
		ratio(all->recipients[PFT_OUT_BOUNCED], report_decided(all)));
	fprintf(out, "  deferred at least once     %12" PRIu64 "  (then sent %" PRIu64
		     ", bounced %" PRIu64 ", expired %" PRIu64 ", pending %" PRIu64 ")\n",
		t->rcpt_deferred_ever, t->rcpt_deferred_then[PFT_OUT_SENT],
		t->rcpt_deferred_then[PFT_OUT_BOUNCED], t->rcpt_deferred_then[PFT_OUT_EXPIRED],
		t->rcpt_deferred_then[PFT_OUT_PENDING]);
	if (t->rcpt_probes)
		fprintf(out, "  address probes             %12" PRIu64 "\n", t->rcpt_probes);
	if (t->rcpt_hops) /* end to end: the child message's recipients count instead */
		fprintf(out, "  hops (handed to a child)   %12" PRIu64 "  (end to end: sent %" PRIu64
			     ")\n",
			t->rcpt_hops, all->recipients[PFT_OUT_SENT] - t->rcpt_hops);

	heading(&tx, "Messages %" PRIu64 "  (closed %" PRIu64 ", pending %" PRIu64
		     ", expired %" PRIu64 ", with deferral %" PRIu64 ", with bounce %" PRIu64
		     ", rejected %" PRIu64 ")",
		t->msg_total, t->msg_closed, t->msg_pending, t->msg_expired, t->msg_with_deferral,
		t->msg_with_bounce, t->msg_rejected);
	fprintf(out, "  notifications: non-delivery %" PRIu64 ", delay %" PRIu64 ", success %" PRIu64
		     ", postmaster %" PRIu64 "\n",
		t->notifications[PFT_NOTIFY_NON_DELIVERY], t->notifications[PFT_NOTIFY_DELAY],
		t->notifications[PFT_NOTIFY_SUCCESS], t->notifications[PFT_NOTIFY_POSTMASTER]);
	if (t->msg_notifications)
		fprintf(out, "  notification messages %" PRIu64 ": recipients sent %" PRIu64
			     ", bounced %" PRIu64 ", expired %" PRIu64 ", pending %" PRIu64 "\n",
			t->msg_notifications, t->rcpt_notifications[PFT_OUT_SENT],
			t->rcpt_notifications[PFT_OUT_BOUNCED], t->rcpt_notifications[PFT_OUT_EXPIRED],
			t->rcpt_notifications[PFT_OUT_PENDING]);
	fprintf(out, "  rejects: before queue %" PRIu64 ", with queue id %" PRIu64 "\n",
		t->rejects_noqueue, t->rejects_with_queue_id);

	if (r->n_dsn > 0)
		dsn_table(&tx, r, attempts);
	top_table(&tx, "Top recipient domains by deferrals", r->domains, r->n_domains,
		  PFT_DS_DEFERRED);
	top_table(&tx, "Top recipient domains by bounces", r->domains, r->n_domains, PFT_DS_BOUNCED);
	top_table(&tx, "Top relays by deferrals", r->relays, r->n_relays, PFT_DS_DEFERRED);
	top_table(&tx, "Top relays by bounces", r->relays, r->n_relays, PFT_DS_BOUNCED);

	reasons_tables(&tx, r);
	rejects_table(&tx, r);

	if (r->n_days > 0) {
		heading(&tx, "Attempts per day");
		fprintf(out, "  %-10s %10s %10s %10s %10s %10s %8s\n", "day", "attempts", "sent",
			"deferred", "bounced", "other", "defer%");
		for (size_t i = 0; i < r->n_days; i++) {
			const struct pft_counts *c = &r->days[i].counts;
			uint64_t n = pft_attempts_total(c);
			uint64_t other = n - c->attempts[PFT_DS_SENT] - c->attempts[PFT_DS_DEFERRED] -
					 c->attempts[PFT_DS_BOUNCED];
			fprintf(out,
				"  %s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
				" %7.1f%%\n",
				r->days[i].name, n, c->attempts[PFT_DS_SENT], c->attempts[PFT_DS_DEFERRED],
				c->attempts[PFT_DS_BOUNCED], other, ratio(c->attempts[PFT_DS_DEFERRED], n));
		}
	}

	if (t->lines_malformed + t->lines_unrecognized > 0) {
		heading(&tx, "Lines not understood (by reason, first samples)");
		for (int k = 1; k < PFT_UNREC_REASON_COUNT; k++) {
			if (t->unrecognized[k] == 0)
				continue;
			fprintf(out, "  %-22s %10" PRIu64 "\n", pft_unrec_reason_name((enum pft_unrec_reason)k),
				t->unrecognized[k]);
			for (int i = 0; i < r->n_samples[k]; i++) {
				const struct pft_sample *s = &r->samples[k][i];
				fputs("      ", out);
				put_field(out, r->files[s->file_index].path, 0, 0);
				fprintf(out, ":%" PRIu64 ": ", s->line);
				put_field(out, s->text, 0, 0);
				putc('\n', out);
			}
		}
	}

	heading(&tx, "Inputs");
	for (size_t i = 0; i < r->n_files; i++) {
		fputs("  ", out);
		put_field(out, r->files[i].path, 50, 0);
		fprintf(out, " %-5s %14" PRIu64 " bytes %12" PRIu64 " lines\n", r->files[i].format,
			r->files[i].bytes, r->files[i].lines);
	}
	return ferror(out) ? PFT_ERR_IO : PFT_OK;
}
