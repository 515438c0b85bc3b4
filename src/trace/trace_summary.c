/* pftally — trace: what a message's lines add up to (sender, client, recipients with their
 * last status, DSN and number of attempts). */
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "trace/trace_internal.h"

static int slice_same(struct pft_slice a, struct pft_slice b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

/* A recipient's status that no later attempt changes. */
static int is_final(enum pft_dstatus s)
{
	return s == PFT_DS_SENT || s == PFT_DS_BOUNCED || s == PFT_DS_EXPIRED ||
	       s == PFT_DS_FORCE_EXPIRED || s == PFT_DS_DELIVERABLE || s == PFT_DS_UNDELIVERABLE ||
	       s == PFT_DS_UNDELIVERABLE_NOT_CACHED;
}

static struct pft_trace_recipient *recipient(struct pft_trace_summary *s, struct pft_slice to,
					     size_t *cap)
{
	for (size_t i = 0; i < s->n_rcpt; i++)
		if (slice_same(s->rcpt[i].to, to))
			return &s->rcpt[i];
	if (s->n_rcpt == *cap) {
		const size_t n = *cap ? 2 * *cap : 4;
		struct pft_trace_recipient *v = realloc(s->rcpt, n * sizeof *v);
		if (v == NULL)
			return NULL;
		s->rcpt = v;
		*cap = n;
	}
	struct pft_trace_recipient *rc = &s->rcpt[s->n_rcpt++];
	memset(rc, 0, sizeof *rc);
	rc->to = to;
	return rc;
}

/* The notification kind of the link line that made message m. */
static enum pft_notification_kind notify_of(const struct pft_trace_result *r,
					    const struct pft_trace_message *m)
{
	const struct pft_trace_line *l = NULL;
	if (m->parent != PFT_TRACE_NO_PARENT && m->parent_kind == PFT_LINK_NOTIFICATION) {
		const struct pft_trace_message *p = &r->messages[m->parent];
		for (size_t i = 0; i < p->n_children; i++)
			if (&r->messages[p->children[i].message] == m)
				l = &p->lines[p->children[i].line];
	} else if (m->parent_ref && m->parent_ref->kind == PFT_LINK_NOTIFICATION) {
		l = &m->parent_ref->line;
	}
	if (l == NULL)
		return PFT_NOTIFY_NONE;
	struct pft_event ev;
	pft_parse_line(l->text, l->len, &ev);
	return ev.notify;
}

enum pft_status pft_trace_summarize(const struct pft_trace_result *r, size_t mi,
				    struct pft_trace_summary *s)
{
	memset(s, 0, sizeof *s);
	const struct pft_trace_message *m = &r->messages[mi];
	s->notify = notify_of(r, m);
	size_t cap = 0;
	for (size_t i = 0; i < m->n_lines; i++) {
		struct pft_event ev;
		pft_parse_line(m->lines[i].text, m->lines[i].len, &ev);
		switch (ev.kind) {
		case PFT_EV_QUEUED:
			s->from = ev.from;
			s->size = ev.size;
			s->nrcpt = ev.nrcpt;
			s->has_queued = 1;
			break;
		case PFT_EV_PICKUP:
			if (!s->has_queued)
				s->from = ev.from;
			break;
		case PFT_EV_CLIENT:
			s->client = ev.client;
			break;
		case PFT_EV_MESSAGE_ID: {
			const char *p = memmem(ev.text.p, ev.text.n, "message-id=", 11);
			if (p != NULL) {
				p += 11;
				const uint32_t n = (uint32_t)(ev.text.p + ev.text.n - p);
				s->message_id = (struct pft_slice){p, n};
			}
			break;
		}
		case PFT_EV_DELIVERY: {
			struct pft_trace_recipient *rc = recipient(s, ev.to, &cap);
			if (rc == NULL) {
				pft_trace_summary_free(s);
				return PFT_ERR_NOMEM;
			}
			if (ev.orig_to.n)
				rc->orig_to = ev.orig_to;
			rc->attempts++;
			rc->deferrals += ev.status == PFT_DS_DEFERRED;
			rc->status = ev.status;
			rc->dsn = ev.dsn;
			rc->relay = ev.relay;
			rc->reason = ev.reason_text;
			break;
		}
		case PFT_EV_EXPIRED:
			if (!s->has_queued)
				s->from = ev.from;
			for (size_t k = 0; k < s->n_rcpt; k++)
				if (!is_final(s->rcpt[k].status))
					s->rcpt[k].status = ev.status;
			break;
		case PFT_EV_REJECT: {
			const struct pft_slice why = ev.reason_text.n ? ev.reason_text : ev.text;
			if (ev.ends_message || ev.noqueue)
				s->reject = why;
			if (ev.noqueue) {
				s->from = ev.from;
				s->client = ev.client;
			}
			if (ev.to.n) {
				struct pft_trace_recipient *rc = recipient(s, ev.to, &cap);
				if (rc == NULL) {
					pft_trace_summary_free(s);
					return PFT_ERR_NOMEM;
				}
				rc->rejected = 1;
				rc->dsn = ev.dsn;
				rc->reason = why;
			}
			break;
		}
		default:
			break;
		}
	}
	return PFT_OK;
}

void pft_trace_summary_free(struct pft_trace_summary *s)
{
	free(s->rcpt);
	memset(s, 0, sizeof *s);
}
