/* Counters for Prometheus: the text format 0.0.4 that node_exporter's textfile collector reads,
 * or OpenMetrics 1.0. The two differ in how a counter family is named (OpenMetrics: TYPE of
 * "pftally_attempts", samples "pftally_attempts_total"; Prometheus text: both
 * "pftally_attempts_total") and in the final "# EOF". Every family is written with all its
 * label values, zeros included, so that series do not come and go between runs. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

struct metrics {
	FILE *out;
	int openmetrics;
};

static void family(const struct metrics *m, const char *name, const char *help)
{
	if (m->openmetrics)
		fprintf(m->out, "# TYPE %s counter\n# HELP %s %s\n", name, name, help);
	else
		fprintf(m->out, "# HELP %s_total %s\n# TYPE %s_total counter\n", name, help, name);
}

static void put_label_char(FILE *out, unsigned char c)
{
	if (c == '\\' || c == '"')
		putc('\\', out);
	putc(c, out);
}

/* A label value from the log: UTF-8, with \ and " escaped (newlines never get here:
 * report_put_text replaces control characters). */
static void put_label_value(FILE *out, const char *s)
{
	putc('"', out);
	report_put_text(out, s, strlen(s), put_label_char);
	putc('"', out);
}

static void sample(const struct metrics *m, const char *name, const char *label, const char *value,
                   uint64_t n)
{
	fprintf(m->out, "%s_total{%s=\"%s\"} %" PRIu64 "\n", name, label, value, n);
}

static void breakdown(const struct metrics *m, const char *what, const char *label,
                      const struct pft_named_counts *v, size_t n, size_t top)
{
	size_t m_rows = 0;
	const struct pft_named_counts **rows =
		report_top(v, n, (struct report_rank){0}, top, 0, &m_rows);
	if (rows == NULL || m_rows == 0) {
		free(rows);
		return;
	}
	char name[64], help[160];
	snprintf(name, sizeof name, "pftally_%s_attempts", what);
	snprintf(help, sizeof help,
	         "Delivery attempts by %s and status, for the %zu %ss with the most attempts.",
	         label, top, label);
	family(m, name, help);
	for (size_t i = 0; i < m_rows; i++)
		for (size_t s = 0; s < pft_n_attempt_columns; s++) {
			fprintf(m->out, "%s_total{%s=", name, label);
			put_label_value(m->out, rows[i]->name);
			fprintf(m->out, ",status=\"%s\"} %" PRIu64 "\n", pft_attempt_columns[s].key,
			        rows[i]->counts.attempts[pft_attempt_columns[s].status]);
		}
	snprintf(name, sizeof name, "pftally_%s_recipients", what);
	snprintf(help, sizeof help,
	         "Recipients by %s and outcome, for the %zu %ss with the most attempts.", label,
	         top, label);
	family(m, name, help);
	for (size_t i = 0; i < m_rows; i++)
		for (int o = 0; o < PFT_OUT_COUNT; o++) {
			fprintf(m->out, "%s_total{%s=", name, label);
			put_label_value(m->out, rows[i]->name);
			fprintf(m->out, ",outcome=\"%s\"} %" PRIu64 "\n",
			        pft_outcome_name((enum pft_outcome)o),
			        rows[i]->counts.recipients[o]);
		}
	free(rows);
}

enum pft_status pft_report_metrics(const struct pft_result *r, const struct pft_report_options *o,
                                   FILE *out)
{
	const struct metrics m = {out, o->format == PFT_REPORT_OPENMETRICS};
	const struct pft_totals *t = &r->totals;
	size_t top = o->top ? o->top : PFT_REPORT_TOP_DEFAULT;

	family(&m, "pftally_attempts",
	       "Delivery attempts (delivery-status log records) by status.");
	for (size_t s = 0; s < pft_n_attempt_columns; s++)
		sample(&m, "pftally_attempts", "status", pft_attempt_columns[s].key,
		       t->all.attempts[pft_attempt_columns[s].status]);

	family(&m, "pftally_recipients", "Recipients (message, address) by outcome.");
	for (int k = 0; k < PFT_OUT_COUNT; k++)
		sample(&m, "pftally_recipients", "outcome", pft_outcome_name((enum pft_outcome)k),
		       t->all.recipients[k]);

	family(&m, "pftally_recipients_deferred",
	       "Recipients deferred at least once, by their outcome.");
	static const enum pft_outcome then[] = {PFT_OUT_SENT, PFT_OUT_BOUNCED, PFT_OUT_EXPIRED,
	                                        PFT_OUT_PENDING};
	for (size_t k = 0; k < sizeof then / sizeof then[0]; k++)
		sample(&m, "pftally_recipients_deferred", "outcome", pft_outcome_name(then[k]),
		       t->rcpt_deferred_then[then[k]]);

	family(&m, "pftally_recipient_probes",
	       "Recipients with only address-verification results.");
	fprintf(out, "pftally_recipient_probes_total %" PRIu64 "\n", t->rcpt_probes);

	family(&m, "pftally_messages",
	       "Message lifecycles: closed (removed) or still pending at the end of input.");
	sample(&m, "pftally_messages", "state", "closed", t->msg_closed);
	sample(&m, "pftally_messages", "state", "pending", t->msg_pending);

	family(&m, "pftally_messages_flagged",
	       "Messages that expired, saw a deferral or a bounce, or were rejected "
	       "(flags overlap).");
	sample(&m, "pftally_messages_flagged", "flag", "expired", t->msg_expired);
	sample(&m, "pftally_messages_flagged", "flag", "with_deferral", t->msg_with_deferral);
	sample(&m, "pftally_messages_flagged", "flag", "with_bounce", t->msg_with_bounce);
	sample(&m, "pftally_messages_flagged", "flag", "rejected", t->msg_rejected);

	family(&m, "pftally_notifications", "Notifications created by the bounce daemon, by kind.");
	sample(&m, "pftally_notifications", "kind", "non_delivery",
	       t->notifications[PFT_NOTIFY_NON_DELIVERY]);
	sample(&m, "pftally_notifications", "kind", "delay", t->notifications[PFT_NOTIFY_DELAY]);
	sample(&m, "pftally_notifications", "kind", "success",
	       t->notifications[PFT_NOTIFY_SUCCESS]);
	sample(&m, "pftally_notifications", "kind", "postmaster",
	       t->notifications[PFT_NOTIFY_POSTMASTER]);

	family(&m, "pftally_rejects", "Rejected SMTP transactions, before or after a queue id.");
	sample(&m, "pftally_rejects", "kind", "noqueue", t->rejects_noqueue);
	sample(&m, "pftally_rejects", "kind", "with_queue_id", t->rejects_with_queue_id);

	family(&m, "pftally_policy_actions",
	       "Reject-like and policy records (smtpd, postscreen, cleanup, milters) by action and "
	       "SMTP stage; reject_warning would have been a reject.");
	static const enum pft_action actions[] = {
		PFT_ACTION_REJECT,  PFT_ACTION_MILTER_REJECT,  PFT_ACTION_PROXY_REJECT,
		PFT_ACTION_DISCARD, PFT_ACTION_HOLD,           PFT_ACTION_REJECT_WARNING,
		PFT_ACTION_OTHER,
	};
	for (size_t a = 0; a < sizeof actions / sizeof actions[0]; a++)
		for (int s = 0; s < PFT_STAGE_COUNT; s++)
			fprintf(out,
			        "pftally_policy_actions_total{action=\"%s\",stage=\"%s\"} %" PRIu64 "\n",
			        pft_action_name(actions[a]), pft_stage_name((enum pft_reject_stage)s),
			        t->policy_stage[s][actions[a]]);

	if (r->n_dsn > 0) {
		family(&m, "pftally_dsn", "Delivery attempts by enhanced status code (RFC 3463).");
		for (size_t i = 0; i < r->n_dsn; i++) {
			char code[16];
			report_dsn_label(r->dsn[i].code, code);
			fprintf(out, "pftally_dsn_total{code=\"%s\",class=\"%u\"} %" PRIu64 "\n",
			        code, PFT_DSN_CLASS(r->dsn[i].code) % 1000u, r->dsn[i].attempts);
		}
	}

	family(&m, "pftally_lines",
	       "Log lines read: Postfix, other programs, malformed (no syslog header).");
	sample(&m, "pftally_lines", "kind", "postfix", t->lines_postfix);
	sample(&m, "pftally_lines", "kind", "other_programs", t->lines_other_programs);
	sample(&m, "pftally_lines", "kind", "malformed", t->lines_malformed);

	family(&m, "pftally_lines_unrecognized",
	       "Lines not understood (malformed or unrecognised Postfix records), by reason.");
	for (int k = 1; k < PFT_UNREC_REASON_COUNT; k++)
		sample(&m, "pftally_lines_unrecognized", "reason",
		       pft_unrec_reason_name((enum pft_unrec_reason)k), t->unrecognized[k]);

	family(&m, "pftally_lines_orphan_removed",
	       "'removed' lines of a queue id with no other record.");
	fprintf(out, "pftally_lines_orphan_removed_total %" PRIu64 "\n", t->lines_orphan_removed);

	breakdown(&m, "domain", "domain", r->domains, r->n_domains, top);
	breakdown(&m, "relay", "relay", r->relays, r->n_relays, top);

	if (m.openmetrics)
		fputs("# EOF\n", out);
	return ferror(out) ? PFT_ERR_IO : PFT_OK;
}
