/* pftally — trace writers: text (a header, the summary and the lines of each message) and
 * JSON (one document, one object per message). Every byte that comes from a log is escaped:
 * JSON strings get \u escapes and U+FFFD for invalid UTF-8; text gets \xNN for control
 * bytes and invalid UTF-8, so a log line cannot move the cursor or recolour a terminal. */
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "parse/parse.h"
#include "trace/trace_internal.h"

/* ---- escaping ------------------------------------------------------------------------------ */

static void json_str(FILE *out, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	fputc('"', out);
	for (size_t i = 0; i < n;) {
		/* A run of bytes that need nothing, in one write. */
		size_t run = i;
		while (run < n && (unsigned char)p[run] >= 0x20 && (unsigned char)p[run] < 0x7F &&
		       p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			fwrite(p + i, 1, run - i, out);
			i = run;
			continue;
		}
		const unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			i++;
		} else if (c < 0x20 || c == 0x7F) {
			fprintf(out, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
			i++;
		} else {
			const size_t k = pft_utf8_len((const unsigned char *)p + i, n - i);
			if (k == 0) {
				fputs("\\ufffd", out);
				i++;
			} else {
				fwrite(p + i, 1, k, out);
				i += k;
			}
		}
	}
	fputc('"', out);
}

static void json_slice(FILE *out, struct pft_slice s)
{
	json_str(out, s.p, s.n);
}

static void json_cstr(FILE *out, const char *s)
{
	if (s == NULL)
		fputs("null", out);
	else
		json_str(out, s, strlen(s));
}

/* Text for a terminal: printable ASCII and well-formed UTF-8 (but C1 controls) as they are,
 * everything else as \xNN. */
static void text_bytes(FILE *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		const unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c < 0x7F) {
			size_t run = i + 1;
			while (run < n && (unsigned char)p[run] >= 0x20 &&
			       (unsigned char)p[run] < 0x7F)
				run++;
			fwrite(p + i, 1, run - i, out);
			i = run;
			continue;
		}
		if (c == '\t') {
			fputc('\t', out);
			i++;
			continue;
		}
		const size_t k = c >= 0x80 ? pft_utf8_len((const unsigned char *)p + i, n - i) : 0;
		/* U+0080..U+009F (C2 80..C2 9F) are C1 controls. */
		if (k > 0 && !(k == 2 && c == 0xC2 && (unsigned char)p[i + 1] < 0xA0)) {
			fwrite(p + i, 1, k, out);
			i += k;
		} else {
			fprintf(out, "\\x%02x", c);
			i++;
		}
	}
}

static void text_slice(FILE *out, struct pft_slice s)
{
	text_bytes(out, s.p, s.n);
}

static void text_cstr(FILE *out, const char *s)
{
	text_bytes(out, s, strlen(s));
}

/* ---- names --------------------------------------------------------------------------------- */

static const char *kind_name(enum pft_event_kind k)
{
	static const char *const names[PFT_EV_KIND_COUNT] = {
		[PFT_EV_MALFORMED] = "malformed",       [PFT_EV_OTHER_PROGRAM] = "other_program",
		[PFT_EV_POSTFIX_INFO] = "info",         [PFT_EV_UNRECOGNIZED] = "unrecognized",
		[PFT_EV_DELIVERY] = "delivery",         [PFT_EV_QUEUED] = "queued",
		[PFT_EV_EXPIRED] = "expired",           [PFT_EV_REMOVED] = "removed",
		[PFT_EV_MESSAGE_ID] = "message_id",     [PFT_EV_CLIENT] = "client",
		[PFT_EV_PICKUP] = "pickup",             [PFT_EV_NOTIFICATION] = "notification",
		[PFT_EV_REJECT] = "reject",
		[PFT_EV_REPEAT_PREVIOUS] = "repeat_previous",
	};
	return (unsigned)k < PFT_EV_KIND_COUNT && names[k] ? names[k] : "unknown";
}

static const char *notify_name(enum pft_notification_kind k)
{
	switch (k) {
	case PFT_NOTIFY_NON_DELIVERY: return "non_delivery";
	case PFT_NOTIFY_DELAY: return "delay";
	case PFT_NOTIFY_SUCCESS: return "success";
	case PFT_NOTIFY_POSTMASTER: return "postmaster";
	default: return NULL;
	}
}

static const char *notify_words(enum pft_notification_kind k)
{
	switch (k) {
	case PFT_NOTIFY_NON_DELIVERY: return "non-delivery notification";
	case PFT_NOTIFY_DELAY: return "delay notification";
	case PFT_NOTIFY_SUCCESS: return "delivery status notification";
	case PFT_NOTIFY_POSTMASTER: return "postmaster notification";
	default: return "notification";
	}
}

static void dsn_text(char *buf, size_t size, pft_dsn d)
{
	if (d == 0)
		buf[0] = '\0';
	else
		snprintf(buf, size, "%u.%u.%u", PFT_DSN_CLASS(d), PFT_DSN_SUBJECT(d),
			 PFT_DSN_DETAIL(d));
}

/* The recipient's outcome in words: its last status, "pending" for a deferral in a message
 * still queued at the end of the input, "rejected". */
static const char *outcome(const struct pft_trace_recipient *rc, int ended)
{
	if (rc->attempts == 0)
		return rc->rejected ? "rejected" : "none";
	if ((rc->status == PFT_DS_DEFERRED || rc->status == PFT_DS_SOFTBOUNCE) && !ended)
		return "pending";
	return pft_dstatus_name(rc->status);
}

/* "2024-12-31T14:27:13[.frac][+01:00]", or 0 when the year is unknown. */
static int time_text(char *buf, size_t size, const struct pft_trace_line *l)
{
	struct pft_event ev;
	if (l->year == 0 || !pft_parse_header(l->text, l->len, &ev) || !ev.has_time)
		return 0;
	const struct pft_civil *c = &ev.time;
	int n = snprintf(buf, size, "%04d-%02u-%02uT%02u:%02u:%02u", (int)l->year, c->month, c->day,
			 c->hour, c->min, c->sec);
	if (c->nsec && n > 0 && (size_t)n < size) {
		char frac[16];
		snprintf(frac, sizeof frac, "%09u", c->nsec);
		size_t k = 9;
		while (k > 1 && frac[k - 1] == '0')
			k--;
		n += snprintf(buf + n, size - (size_t)n, ".%.*s", (int)k, frac);
	}
	if (c->year_known && n > 0 && (size_t)n < size) {
		const int off = c->utc_offset_min, a = off < 0 ? -off : off;
		if (off == 0)
			n += snprintf(buf + n, size - (size_t)n, "Z");
		else
			n += snprintf(buf + n, size - (size_t)n, "%c%02d:%02d", off < 0 ? '-' : '+',
				      a / 60, a % 60);
	}
	return n > 0 && (size_t)n < size;
}

/* ---- text ---------------------------------------------------------------------------------- */

struct style {
	const char *bold, *dim, *red, *green, *yellow, *reset;
};

static const char *status_color(const struct style *st, const char *word)
{
	if (strcmp(word, "sent") == 0 || strcmp(word, "deliverable") == 0)
		return st->green;
	if (strcmp(word, "deferred") == 0 || strcmp(word, "pending") == 0 ||
	    strcmp(word, "softbounce") == 0)
		return st->yellow;
	return st->red;
}

static void text_message(FILE *out, const struct pft_trace_result *r, const struct pft_inputs *in,
			 size_t mi, const struct pft_trace_summary *s, const struct style *st)
{
	const struct pft_trace_message *m = &r->messages[mi];
	fprintf(out, "%smessage %zu/%zu  ", st->bold, mi + 1, r->n_messages);
	text_cstr(out, m->qid ? m->qid : "NOQUEUE");
	fputs("  ", out);
	text_cstr(out, m->host);
	if (m->instance[0]) {
		fputs(" ", out);
		text_cstr(out, m->instance);
	}
	const char *state = m->qid == NULL ? "rejected before queueing"
			    : s->reject.n && m->ended ? "rejected"
			    : m->ended ? "removed"
				       : "still queued at the end of the input";
	fprintf(out, "  (%s)%s\n", state, st->reset);

	if (m->parent != PFT_TRACE_NO_PARENT) {
		fputs("  parent     ", out);
		text_cstr(out, r->messages[m->parent].qid);
		fprintf(out, " (message %u), %s\n", m->parent + 1,
			m->parent_kind == PFT_LINK_NOTIFICATION
				? notify_words(s->notify)
				: pft_trace_link_name(m->parent_kind));
	} else if (m->parent_ref) {
		fputs("  parent     ", out);
		text_cstr(out, m->parent_ref->qid);
		fprintf(out, " (not traced), %s\n",
			m->parent_ref->kind == PFT_LINK_NOTIFICATION
				? notify_words(s->notify)
				: pft_trace_link_name(m->parent_ref->kind));
	}
	if (s->from.n || s->has_queued) {
		fputs("  from       <", out);
		text_slice(out, s->from);
		fputc('>', out);
		if (s->has_queued)
			fprintf(out, ", size %llu, %u recipient%s", (unsigned long long)s->size,
				s->nrcpt,
				s->nrcpt == 1 ? "" : "s");
		fputc('\n', out);
	}
	if (s->client.n) {
		fputs("  client     ", out);
		text_slice(out, s->client);
		fputc('\n', out);
	}
	if (s->message_id.n) {
		fputs("  message-id ", out);
		text_slice(out, s->message_id);
		fputc('\n', out);
	}
	for (size_t i = 0; i < s->n_rcpt; i++) {
		const struct pft_trace_recipient *rc = &s->rcpt[i];
		const char *word = outcome(rc, m->ended);
		char dsn[24];
		dsn_text(dsn, sizeof dsn, rc->dsn);
		fputs("  to         <", out);
		text_slice(out, rc->to);
		fputc('>', out);
		if (rc->orig_to.n) {
			fputs(" (orig_to <", out);
			text_slice(out, rc->orig_to);
			fputs(">)", out);
		}
		fprintf(out, "  %s%s%s", status_color(st, word), word, st->reset);
		if (dsn[0])
			fprintf(out, " %s", dsn);
		if (rc->attempts)
			fprintf(out, ", %u attempt%s", rc->attempts, rc->attempts == 1 ? "" : "s");
		if (rc->deferrals)
			fprintf(out, " (%u deferred)", rc->deferrals);
		if (rc->relay.n) {
			fputs(", relay ", out);
			text_slice(out, rc->relay);
		}
		fputc('\n', out);
		if (rc->reason.n) {
			fputs("             ", out);
			text_slice(out, rc->reason);
			fputc('\n', out);
		}
	}
	if (s->reject.n && m->qid != NULL && s->n_rcpt == 0) {
		fputs("  rejected   ", out);
		text_slice(out, s->reject);
		fputc('\n', out);
	}
	for (size_t i = 0; i < m->n_children; i++) {
		const struct pft_trace_child *c = &m->children[i];
		const struct pft_trace_message *cm = &r->messages[c->message];
		fputs("  child      ", out);
		text_cstr(out, cm->qid);
		fprintf(out, " (message %u), %s\n", c->message + 1, pft_trace_link_name(c->kind));
	}
	if (m->start_unseen)
		fputs("  (its first lines were not found before the line that names it)\n", out);
	uint32_t file = UINT32_MAX;
	for (size_t i = 0; i < m->n_lines; i++) {
		const struct pft_trace_line *l = &m->lines[i];
		if (l->file != file) {
			file = l->file;
			fprintf(out, "  %s", st->dim);
			text_cstr(out, in->files[file].path);
			fprintf(out, ":%s\n", st->reset);
		}
		fputs("    ", out);
		text_bytes(out, l->text, l->len);
		fputc('\n', out);
	}
}

enum pft_status pft_trace_write_text(const struct pft_trace_result *r, const struct pft_inputs *in,
				     const struct pft_trace_write_options *o, FILE *out)
{
	static const struct style plain = {"", "", "", "", "", ""};
	static const struct style ansi = {"\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[33m",
					  "\033[0m"};
	const struct style *st = o->color ? &ansi : &plain;
	for (size_t i = 0; i < r->n_messages; i++) {
		struct pft_trace_summary s;
		if (pft_trace_summarize(r, i, &s) != PFT_OK)
			return PFT_ERR_NOMEM;
		if (i)
			fputc('\n', out);
		text_message(out, r, in, i, &s, st);
		pft_trace_summary_free(&s);
	}
	return ferror(out) ? PFT_ERR_IO : PFT_OK;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void json_line_pos(FILE *out, const struct pft_inputs *in, const struct pft_trace_line *l)
{
	char t[64];
	fputs("\"file\": ", out);
	json_cstr(out, in->files[l->file].path);
	fprintf(out, ", \"offset\": %llu, \"time\": ", (unsigned long long)l->offset);
	if (time_text(t, sizeof t, l))
		fprintf(out, "\"%s\"", t);
	else
		fputs("null", out);
	fputs(", \"text\": ", out);
	json_str(out, l->text, l->len);
}

static void json_field(FILE *out, const char *name, struct pft_slice v)
{
	if (v.n == 0)
		return;
	fprintf(out, ", \"%s\": ", name);
	json_slice(out, v);
}

static void json_event(FILE *out, const struct pft_trace_line *l)
{
	struct pft_event ev;
	pft_parse_line(l->text, l->len, &ev);
	fprintf(out, "{\"kind\": \"%s\"", kind_name(ev.kind));
	json_field(out, "program", ev.program);
	if (ev.pid)
		fprintf(out, ", \"pid\": %u", ev.pid);
	json_field(out, "qid", ev.qid);
	if (ev.status != PFT_DS_NONE)
		fprintf(out, ", \"status\": \"%s\"", pft_dstatus_name(ev.status));
	if (ev.dsn) {
		char d[24];
		dsn_text(d, sizeof d, ev.dsn);
		fprintf(out, ", \"dsn\": \"%s\"", d);
	}
	json_field(out, "to", ev.to);
	json_field(out, "orig_to", ev.orig_to);
	json_field(out, "from", ev.from);
	json_field(out, "relay", ev.relay);
	json_field(out, "client", ev.client);
	json_field(out, "reason", ev.reason_text);
	if (ev.kind == PFT_EV_QUEUED)
		fprintf(out, ", \"size\": %llu, \"nrcpt\": %u", (unsigned long long)ev.size,
			ev.nrcpt);
	if (notify_name(ev.notify))
		fprintf(out, ", \"notification\": \"%s\"", notify_name(ev.notify));
	json_field(out, "new_qid", ev.new_qid);
	if (ev.kind == PFT_EV_MALFORMED || ev.kind == PFT_EV_UNRECOGNIZED)
		fprintf(out, ", \"reason_code\": %d", (int)ev.reason);
	fputc('}', out);
}

static void json_message(FILE *out, const struct pft_trace_result *r, const struct pft_inputs *in,
			 size_t mi, const struct pft_trace_summary *s)
{
	const struct pft_trace_message *m = &r->messages[mi];
	char t[64];
	fprintf(out, "    {\n      \"id\": %zu,\n      \"host\": ", mi + 1);
	json_cstr(out, m->host);
	fputs(",\n      \"instance\": ", out);
	json_cstr(out, m->instance);
	fputs(",\n      \"qid\": ", out);
	json_cstr(out, m->qid);
	fprintf(out, ",\n      \"matched\": %s,\n      \"ended\": %s,\n      \"start_seen\": %s",
		m->matched ? "true" : "false", m->ended ? "true" : "false",
		m->start_unseen ? "false" : "true");
	fputs(",\n      \"first\": ", out);
	if (time_text(t, sizeof t, &m->lines[0]))
		fprintf(out, "\"%s\"", t);
	else
		fputs("null", out);
	fputs(",\n      \"last\": ", out);
	if (time_text(t, sizeof t, &m->lines[m->n_lines - 1]))
		fprintf(out, "\"%s\"", t);
	else
		fputs("null", out);
	fputs(",\n      \"from\": ", out);
	if (s->from.n || s->has_queued)
		json_slice(out, s->from);
	else
		fputs("null", out);
	if (s->has_queued)
		fprintf(out, ",\n      \"size\": %llu,\n      \"nrcpt\": %u",
			(unsigned long long)s->size, s->nrcpt);
	fputs(",\n      \"client\": ", out);
	if (s->client.n)
		json_slice(out, s->client);
	else
		fputs("null", out);
	fputs(",\n      \"message_id\": ", out);
	if (s->message_id.n)
		json_slice(out, s->message_id);
	else
		fputs("null", out);
	fputs(",\n      \"notification\": ", out);
	json_cstr(out, notify_name(s->notify));
	fputs(",\n      \"reject\": ", out);
	if (s->reject.n)
		json_slice(out, s->reject);
	else
		fputs("null", out);
	fputs(",\n      \"parent\": ", out);
	if (m->parent != PFT_TRACE_NO_PARENT) {
		fprintf(out, "{\"id\": %u, \"qid\": ", m->parent + 1);
		json_cstr(out, r->messages[m->parent].qid);
		fprintf(out, ", \"link\": \"%s\"}", pft_trace_link_name(m->parent_kind));
	} else if (m->parent_ref) {
		fputs("{\"id\": null, \"qid\": ", out);
		json_cstr(out, m->parent_ref->qid);
		fprintf(out, ", \"link\": \"%s\", ", pft_trace_link_name(m->parent_ref->kind));
		json_line_pos(out, in, &m->parent_ref->line);
		fputc('}', out);
	} else {
		fputs("null", out);
	}
	fputs(",\n      \"recipients\": [", out);
	for (size_t i = 0; i < s->n_rcpt; i++) {
		const struct pft_trace_recipient *rc = &s->rcpt[i];
		char dsn[24];
		dsn_text(dsn, sizeof dsn, rc->dsn);
		fprintf(out, "%s\n        {\"to\": ", i ? "," : "");
		json_slice(out, rc->to);
		fputs(", \"orig_to\": ", out);
		if (rc->orig_to.n)
			json_slice(out, rc->orig_to);
		else
			fputs("null", out);
		fprintf(out, ", \"status\": \"%s\", \"dsn\": ", outcome(rc, m->ended));
		if (dsn[0])
			fprintf(out, "\"%s\"", dsn);
		else
			fputs("null", out);
		fprintf(out, ", \"attempts\": %u, \"deferrals\": %u, \"relay\": ", rc->attempts,
			rc->deferrals);
		if (rc->relay.n)
			json_slice(out, rc->relay);
		else
			fputs("null", out);
		fputs(", \"reason\": ", out);
		if (rc->reason.n)
			json_slice(out, rc->reason);
		else
			fputs("null", out);
		fputc('}', out);
	}
	fputs(s->n_rcpt ? "\n      ],\n      \"links\": [" : "],\n      \"links\": [", out);
	for (size_t i = 0; i < m->n_children; i++) {
		const struct pft_trace_child *c = &m->children[i];
		fprintf(out, "%s\n        {\"kind\": \"%s\", \"id\": %u, \"qid\": ", i ? "," : "",
			pft_trace_link_name(c->kind), c->message + 1);
		json_cstr(out, r->messages[c->message].qid);
		fprintf(out, ", \"line\": %u}", c->line);
	}
	fputs(m->n_children ? "\n      ],\n      \"lines\": [" : "],\n      \"lines\": [", out);
	for (size_t i = 0; i < m->n_lines; i++) {
		fprintf(out, "%s\n        {", i ? "," : "");
		json_line_pos(out, in, &m->lines[i]);
		fputs(", \"event\": ", out);
		json_event(out, &m->lines[i]);
		fputc('}', out);
	}
	fputs("\n      ]\n    }", out);
}

enum pft_status pft_trace_write_json(const struct pft_trace_result *r, const struct pft_inputs *in,
				     const struct pft_trace_write_options *o, FILE *out)
{
	fputs("{\n  \"schema\": \"pftally-trace-1\",\n  \"query\": {\"kind\": ", out);
	fputs(o->query == PFT_TRACE_QID ? "\"qid\"" : "\"address\"", out);
	fputs(", \"value\": ", out);
	json_cstr(out, o->needle);
	fprintf(out, "},\n  \"complete\": %s,\n  \"messages\": [", r->n_errors ? "false" : "true");
	for (size_t i = 0; i < r->n_messages; i++) {
		struct pft_trace_summary s;
		if (pft_trace_summarize(r, i, &s) != PFT_OK)
			return PFT_ERR_NOMEM;
		fputs(i ? ",\n" : "\n", out);
		json_message(out, r, in, i, &s);
		pft_trace_summary_free(&s);
	}
	fputs(r->n_messages ? "\n  ],\n  \"errors\": [" : "],\n  \"errors\": [", out);
	for (size_t i = 0; i < r->n_errors; i++) {
		const struct pft_error *e = &r->errors[i];
		fprintf(out, "%s\n    {\"path\": ", i ? "," : "");
		json_str(out, e->path, strlen(e->path));
		fprintf(out, ", \"offset\": %llu, \"error\": ", (unsigned long long)e->offset);
		json_cstr(out, pft_status_str(e->status));
		fputs(", \"detail\": ", out);
		json_str(out, e->detail, strlen(e->detail));
		fputc('}', out);
	}
	fputs(r->n_errors ? "\n  ]\n}\n" : "]\n}\n", out);
	return ferror(out) ? PFT_ERR_IO : PFT_OK;
}
