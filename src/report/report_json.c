/* JSON report (schema "pftally-1", documented in README.md). */
#include <inttypes.h>
#include <string.h>

#include "report/report_internal.h"

const struct pft_status_column pft_attempt_columns[] = {
	{"sent", PFT_DS_SENT},
	{"deferred", PFT_DS_DEFERRED},
	{"bounced", PFT_DS_BOUNCED},
	{"softbounce", PFT_DS_SOFTBOUNCE},
	{"deliverable", PFT_DS_DELIVERABLE},
	{"undeliverable", PFT_DS_UNDELIVERABLE},
	{"undeliverable_not_cached", PFT_DS_UNDELIVERABLE_NOT_CACHED},
	{"other", PFT_DS_OTHER},
};
const size_t pft_n_attempt_columns = sizeof pft_attempt_columns / sizeof pft_attempt_columns[0];

uint64_t pft_attempts_total(const struct pft_counts *c)
{
	uint64_t total = 0;
	for (size_t i = 0; i < pft_n_attempt_columns; i++)
		total += c->attempts[pft_attempt_columns[i].status];
	return total;
}

void pft_json_write_string(FILE *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	putc('"', out);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			putc('\\', out);
			putc(c, out);
			i++;
		} else if (c < 0x20 || c == 0x7F) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else {
			size_t len = pft_utf8_len(p + i, n - i);
			if (len == 0) {
				fputs("\\ufffd", out);
				i++;
			} else {
				fwrite(p + i, 1, len, out);
				i += len;
			}
		}
	}
	putc('"', out);
}

static void write_key(FILE *out, const char *key)
{
	pft_json_write_string(out, key, strlen(key));
	fputs(": ", out);
}

static void write_attempts(FILE *out, const struct pft_counts *c)
{
	fprintf(out, "{\"total\": %" PRIu64, pft_attempts_total(c));
	for (size_t i = 0; i < pft_n_attempt_columns; i++)
		fprintf(out, ", \"%s\": %" PRIu64, pft_attempt_columns[i].key,
			c->attempts[pft_attempt_columns[i].status]);
	putc('}', out);
}

static void write_outcomes(FILE *out, const struct pft_counts *c)
{
	for (int o = 0; o < PFT_OUT_COUNT; o++)
		fprintf(out, "%s\"%s\": %" PRIu64, o ? ", " : "", pft_outcome_name((enum pft_outcome)o),
			c->recipients[o]);
}

static void write_cell(FILE *out, const struct pft_counts *c)
{
	fputs("{\"attempts\": ", out);
	write_attempts(out, c);
	fputs(", \"recipients\": {", out);
	write_outcomes(out, c);
	fputs("}}", out);
}

static void write_breakdown(FILE *out, const char *key, const struct pft_named_counts *v, size_t n)
{
	fprintf(out, "  \"%s\": {", key);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n    " : "\n    ", out);
		write_key(out, v[i].name);
		write_cell(out, &v[i].counts);
	}
	fputs(n ? "\n  },\n" : "},\n", out);
}

static void write_civil(FILE *out, const struct pft_civil *c)
{
	fprintf(out, "\"%04d-%02u-%02uT%02u:%02u:%02u\"", c->year, c->month, c->day, c->hour, c->min,
		c->sec);
}

static void write_recipients(FILE *out, const struct pft_totals *t)
{
	uint64_t total = 0;
	for (int o = 0; o < PFT_OUT_COUNT; o++)
		total += t->all.recipients[o];
	fprintf(out, "  \"recipients\": {\"total\": %" PRIu64 ", ", total);
	write_outcomes(out, &t->all);
	fprintf(out, ", \"deferred_ever\": %" PRIu64, t->rcpt_deferred_ever);
	fprintf(out, ", \"deferred_then_sent\": %" PRIu64, t->rcpt_deferred_then[PFT_OUT_SENT]);
	fprintf(out, ", \"deferred_then_bounced\": %" PRIu64, t->rcpt_deferred_then[PFT_OUT_BOUNCED]);
	fprintf(out, ", \"deferred_then_expired\": %" PRIu64, t->rcpt_deferred_then[PFT_OUT_EXPIRED]);
	fprintf(out, ", \"deferred_then_pending\": %" PRIu64, t->rcpt_deferred_then[PFT_OUT_PENDING]);
	fprintf(out, ", \"deferred_then_abandoned\": %" PRIu64,
		t->rcpt_deferred_then[PFT_OUT_ABANDONED]);
	fprintf(out, ", \"probes\": %" PRIu64, t->rcpt_probes);
	/* hops: recipients `sent` by a hand-off to a child message on the same host; end to end,
	 * the child's recipients count instead (DESIGN §2) */
	fprintf(out, ", \"hops\": %" PRIu64 ", \"end_to_end\": {", t->rcpt_hops);
	struct pft_counts e2e = t->all;
	e2e.recipients[PFT_OUT_SENT] -= t->rcpt_hops;
	write_outcomes(out, &e2e);
	fputs("}},\n", out);
}

/* The filters the counts went through (only when some was given). */
static void write_filters(FILE *out, const struct pft_filter *f)
{
	if (!f->has_since && !f->has_until && !f->n_hosts && !f->n_domains &&
	    !f->n_sender_domains && !f->exclude_notifications)
		return;
	fputs("  \"filters\": {\"since\": ", out);
	if (f->has_since)
		write_civil(out, &f->since);
	else
		fputs("null", out);
	fputs(", \"until\": ", out);
	if (f->has_until)
		write_civil(out, &f->until);
	else
		fputs("null", out);
	const char *const *lists[3] = {f->hosts, f->domains, f->sender_domains};
	const size_t counts[3] = {f->n_hosts, f->n_domains, f->n_sender_domains};
	static const char *const names[3] = {"hosts", "domains", "sender_domains"};
	for (int k = 0; k < 3; k++) {
		fprintf(out, ", \"%s\": [", names[k]);
		for (size_t i = 0; i < counts[k]; i++) {
			fputs(i ? ", " : "", out);
			pft_json_write_string(out, lists[k][i], strlen(lists[k][i]));
		}
		putc(']', out);
	}
	fprintf(out, ", \"exclude_notifications\": %s},\n",
		f->exclude_notifications ? "true" : "false");
}

static void write_inputs(FILE *out, const struct pft_result *r)
{
	fputs("  \"inputs\": {\n    \"files\": [", out);
	for (size_t i = 0; i < r->n_files; i++) {
		const struct pft_result_file *f = &r->files[i];
		fputs(i ? ",\n      {\"path\": " : "\n      {\"path\": ", out);
		pft_json_write_string(out, f->path, strlen(f->path));
		fprintf(out, ", \"format\": \"%s\", \"bytes\": %" PRIu64 ", \"lines\": %" PRIu64 "}",
			f->format, f->bytes, f->lines);
	}
	fputs(r->n_files ? "\n    ],\n" : "],\n", out);
	fputs("    \"errors\": [", out);
	for (size_t i = 0; i < r->n_errors; i++) {
		const struct pft_error *e = &r->errors[i];
		fputs(i ? ",\n      {\"path\": " : "\n      {\"path\": ", out);
		pft_json_write_string(out, e->path, strlen(e->path));
		fprintf(out, ", \"offset\": %" PRIu64 ", \"error\": \"%s\", \"detail\": ",
			e->offset, pft_status_str(e->status));
		pft_json_write_string(out, e->detail, strlen(e->detail));
		putc('}', out);
	}
	fputs(r->n_errors ? "\n    ],\n" : "],\n", out);
	fputs("    \"unrecognized_samples\": {", out);
	int first = 1;
	for (int k = 0; k < PFT_UNREC_REASON_COUNT; k++) {
		if (r->n_samples[k] == 0)
			continue;
		fprintf(out, "%s\n      \"%s\": [", first ? "" : ",",
			pft_unrec_reason_name((enum pft_unrec_reason)k));
		first = 0;
		for (int i = 0; i < r->n_samples[k]; i++) {
			const struct pft_sample *s = &r->samples[k][i];
			fprintf(out, "%s{\"file\": ", i ? ", " : "");
			const char *path = r->files[s->file_index].path;
			pft_json_write_string(out, path, strlen(path));
			fprintf(out, ", \"line\": %" PRIu64 ", \"text\": ", s->line);
			pft_json_write_string(out, s->text, strlen(s->text));
			putc('}', out);
		}
		putc(']', out);
	}
	fputs(first ? "}\n  }\n" : "\n    }\n  }\n", out);
}

/* The actions of reject-like and policy records, in JSON order. */
static const enum pft_action policy_actions[] = {
	PFT_ACTION_REJECT,         PFT_ACTION_MILTER_REJECT, PFT_ACTION_PROXY_REJECT,
	PFT_ACTION_DISCARD,        PFT_ACTION_HOLD,          PFT_ACTION_REJECT_WARNING,
	PFT_ACTION_OTHER,
};
#define N_POLICY_ACTIONS (sizeof policy_actions / sizeof policy_actions[0])

static uint64_t actions_total(const uint64_t *by_action)
{
	uint64_t n = 0;
	for (size_t a = 0; a < N_POLICY_ACTIONS; a++)
		n += by_action[policy_actions[a]];
	return n;
}

static void write_actions(FILE *out, const uint64_t *by_action)
{
	for (size_t a = 0; a < N_POLICY_ACTIONS; a++)
		fprintf(out, "%s\"%s\": %" PRIu64, a ? ", " : "{", pft_action_name(policy_actions[a]),
			by_action[policy_actions[a]]);
	putc('}', out);
}

static void write_rejects(FILE *out, const struct pft_result *r)
{
	const struct pft_totals *t = &r->totals;
	fprintf(out, "  \"rejects\": {\"noqueue\": %" PRIu64 ", \"with_queue_id\": %" PRIu64 ",\n",
		t->rejects_noqueue, t->rejects_with_queue_id);
	uint64_t by_action[PFT_ACTION_COUNT] = {0};
	for (int s = 0; s < PFT_STAGE_COUNT; s++)
		for (int a = 0; a < PFT_ACTION_COUNT; a++)
			by_action[a] += t->policy_stage[s][a];
	fputs("    \"by_action\": ", out);
	write_actions(out, by_action);
	fputs(",\n    \"by_source\": {", out);
	int first = 1;
	for (int s = 0; s < PFT_POLICY_SOURCE_COUNT; s++) {
		if (actions_total(t->policy_source[s]) == 0)
			continue;
		fprintf(out, "%s\"%s\": ", first ? "" : ", ",
			pft_policy_source_name((enum pft_policy_source)s));
		write_actions(out, t->policy_source[s]);
		first = 0;
	}
	fputs("},\n    \"by_stage\": {", out);
	first = 1;
	for (int s = 0; s < PFT_STAGE_COUNT; s++) {
		if (actions_total(t->policy_stage[s]) == 0)
			continue;
		fprintf(out, "%s\"%s\": ", first ? "" : ", ",
			pft_stage_name((enum pft_reject_stage)s));
		write_actions(out, t->policy_stage[s]);
		first = 0;
	}
	fputs("},\n    \"by_code\": {", out);
	for (size_t i = 0; i < r->n_reject_codes; i++) {
		char code[32];
		report_reject_code_label(&r->reject_codes[i], code);
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", code, r->reject_codes[i].count);
	}
	fputs("}},\n", out);
}

static void write_reason_groups(FILE *out, const char *key, const struct pft_reason_group *g,
				size_t n, int with_status, int last)
{
	fprintf(out, "    \"%s\": {", key);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n      " : "\n      ", out);
		write_key(out, g[i].name);
		fprintf(out,
			"{\"total\": %" PRIu64 ", \"keys\": %" PRIu64 ", \"other\": %" PRIu64
			", \"top\": [",
			g[i].total, g[i].keys, g[i].other);
		for (size_t j = 0; j < g[i].n_rows; j++) {
			const struct pft_reason_row *row = &g[i].rows[j];
			fputs(j ? ",\n        {" : "\n        {", out);
			if (with_status)
				fprintf(out, "\"status\": \"%s\", ", pft_reason_status_name(row->status));
			fputs("\"key\": ", out);
			pft_json_write_string(out, row->key, strlen(row->key));
			fprintf(out, ", \"count\": %" PRIu64 ", \"sample\": ", row->count);
			pft_json_write_string(out, row->sample, strlen(row->sample));
			putc('}', out);
		}
		fputs("]}", out);
	}
	fputs(n ? "\n    }" : "}", out);
	fputs(last ? "\n" : ",\n", out);
}

static void write_reasons(FILE *out, const struct pft_result *r)
{
	fputs("  \"reasons\": {\n", out);
	write_reason_groups(out, "by_status", r->reasons_by_status, r->n_reasons_by_status, 0, 0);
	write_reason_groups(out, "by_domain", r->reasons_by_domain, r->n_reasons_by_domain, 1, 0);
	write_reason_groups(out, "by_dsn", r->reasons_by_dsn, r->n_reasons_by_dsn, 1, 1);
	fputs("  },\n", out);
}

enum pft_status pft_report_json(const struct pft_result *r, FILE *out)
{
	const struct pft_totals *t = &r->totals;
	fprintf(out, "{\n  \"schema\": \"%s\",\n", PFT_JSON_SCHEMA);
	/* false when an input could not be read to its end (see inputs.errors) */
	fprintf(out, "  \"complete\": %s,\n", r->n_errors ? "false" : "true");
	fputs("  \"time_range\": ", out);
	if (r->has_time) {
		fputs("{\"first\": ", out);
		write_civil(out, &r->first);
		fputs(", \"last\": ", out);
		write_civil(out, &r->last);
		fputs("},\n", out);
	} else {
		fputs("null,\n", out);
	}
	report_findings_json(out, r);
	fputs("  \"attempts\": ", out);
	write_attempts(out, &t->all);
	fputs(",\n", out);
	write_recipients(out, t);
	fprintf(out,
		"  \"messages\": {\"total\": %" PRIu64 ", \"closed\": %" PRIu64 ", \"pending\": %" PRIu64
		", \"abandoned\": %" PRIu64 ", \"abandoned_by_cap\": %" PRIu64
		", \"expired\": %" PRIu64 ", \"with_deferral\": %" PRIu64 ", \"with_bounce\": %" PRIu64
		", \"notifications\": %" PRIu64 ", \"rejected\": %" PRIu64 "},\n",
		t->msg_total, t->msg_closed, t->msg_pending, t->msg_abandoned, t->msg_abandoned_by_cap,
		t->msg_expired, t->msg_with_deferral, t->msg_with_bounce,
		t->notifications[PFT_NOTIFY_NON_DELIVERY] + t->notifications[PFT_NOTIFY_DELAY] +
			t->notifications[PFT_NOTIFY_SUCCESS] + t->notifications[PFT_NOTIFY_POSTMASTER],
		t->msg_rejected);
	fprintf(out,
		"  \"notifications\": {\"non_delivery\": %" PRIu64 ", \"delay\": %" PRIu64
		", \"success\": %" PRIu64 ", \"postmaster\": %" PRIu64,
		t->notifications[PFT_NOTIFY_NON_DELIVERY], t->notifications[PFT_NOTIFY_DELAY],
		t->notifications[PFT_NOTIFY_SUCCESS], t->notifications[PFT_NOTIFY_POSTMASTER]);
	/* the notification messages themselves (linked, no client) and their recipients */
	fprintf(out, ", \"messages\": %" PRIu64 ", \"recipients\": {", t->msg_notifications);
	struct pft_counts notified = {0};
	memcpy(notified.recipients, t->rcpt_notifications, sizeof notified.recipients);
	write_outcomes(out, &notified);
	fputs("}},\n", out);
	write_rejects(out, r);
	fputs("  \"dsn\": {", out);
	for (size_t i = 0; i < r->n_dsn; i++) {
		pft_dsn d = r->dsn[i].code;
		fprintf(out, "%s\"%u.%u.%u\": %" PRIu64, i ? ", " : "", PFT_DSN_CLASS(d),
			PFT_DSN_SUBJECT(d), PFT_DSN_DETAIL(d), r->dsn[i].attempts);
	}
	fputs("},\n", out);
	write_reasons(out, r);
	fprintf(out,
		"  \"lines\": {\"total\": %" PRIu64 ", \"postfix\": %" PRIu64
		", \"other_programs\": %" PRIu64 ", \"malformed\": %" PRIu64
		", \"unrecognized\": %" PRIu64 ", \"orphan_removed\": %" PRIu64 "},\n",
		t->lines_total, t->lines_postfix, t->lines_other_programs, t->lines_malformed,
		t->lines_unrecognized, t->lines_orphan_removed);
	fputs("  \"unrecognized\": {", out);
	int first = 1;
	for (int k = 1; k < PFT_UNREC_REASON_COUNT; k++) {
		if (t->unrecognized[k] == 0)
			continue;
		fprintf(out, "%s\"%s\": %" PRIu64, first ? "" : ", ",
			pft_unrec_reason_name((enum pft_unrec_reason)k), t->unrecognized[k]);
		first = 0;
	}
	fputs("},\n  \"programs\": {", out);
	for (size_t i = 0; i < r->n_programs; i++) {
		fputs(i ? ", " : "", out);
		write_key(out, r->programs[i].name);
		fprintf(out, "%" PRIu64, r->programs[i].count);
	}
	fputs("},\n", out);
	write_breakdown(out, "by_domain", r->domains, r->n_domains);
	write_breakdown(out, "by_relay", r->relays, r->n_relays);
	write_breakdown(out, "by_day", r->days, r->n_days);
	write_breakdown(out, "by_hour", r->hours, r->n_hours);
	write_filters(out, &r->filter);
	write_inputs(out, r);
	fputs("}\n", out);
	return ferror(out) ? PFT_ERR_IO : PFT_OK;
}
