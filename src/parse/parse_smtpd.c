/* pftally — the SMTP server side: smtpd, postscreen, qmqpd; and the reject-like records that
 * smtpd and cleanup share.
 *
 *   QID: client=NAME[ADDR][, sasl_method=M, sasl_username=U][, orig_queue_id=Q][, ...]
 *   NOQUEUE: reject: RCPT from NAME[ADDR]: 550 5.1.1 TEXT; from=<S> to=<R> proto=P helo=<H>
 *   NOQUEUE: reject: RCPT from [ADDR]:PORT: 550 5.7.1 TEXT; from=<S>, to=<R>, proto=P, helo=<H>
 *                                                             (postscreen: ", " separators)
 *   NOQUEUE: reject: CONNECT from [ADDR]:PORT: too many connections          (no code/dsn)
 *   QID: milter-reject: END-OF-MESSAGE from NAME[ADDR]: 5.7.1 TEXT; from=<S> to=<R> ...
 *   QID: proxy-reject: END-OF-MESSAGE: 554 5.7.0 TEXT; from=<S> to=<R> ...
 *   QID: reject: header|body TEXT from ORIGIN; from=<S> to=<R> proto=P helo=<H>: REPLY
 *                                                             (cleanup content checks)
 *
 * Decisions: reject, milter-reject, proxy-reject and discard (incl. milter-discard) are
 * REJECT events; reject_warning (warn_if_reject: nothing was refused), hold (the message stays
 * queued) and filter/redirect/prepend/... are INFO events that keep action, stage, dsn,
 * from and to, so a report can count them apart. */
#include "parse/parse_internal.h"

enum pft_action pft_action_of(const char *p, const char *end, size_t *len)
{
#define ACTION(lit, act)                      \
	if (PFT_HAS(p, end, lit)) {           \
		*len = PFT_LEN(lit);          \
		return act;                   \
	}
	switch (end > p ? *p : 0) {
	case 'r':
		ACTION("reject: ", PFT_ACTION_REJECT)
		ACTION("reject_warning: ", PFT_ACTION_REJECT_WARNING)
		ACTION("redirect: ", PFT_ACTION_OTHER)
		ACTION("replace: ", PFT_ACTION_OTHER)
		break;
	case 'm':
		ACTION("milter-reject: ", PFT_ACTION_MILTER_REJECT)
		ACTION("milter-discard: ", PFT_ACTION_DISCARD)
		ACTION("milter-hold: ", PFT_ACTION_HOLD)
		if (PFT_HAS(p, end, "milter-")) { /* milter-header-redirect:, milter-body-... */
			const char *q = p + PFT_LEN("milter-");
			while (q < end && ((*q >= 'a' && *q <= 'z') || *q == '-'))
				q++;
			if (end - q >= 2 && q[0] == ':' && q[1] == ' ') {
				*len = (size_t)(q + 2 - p);
				return PFT_ACTION_OTHER;
			}
		}
		break;
	case 'p':
		ACTION("proxy-reject: ", PFT_ACTION_PROXY_REJECT)
		ACTION("proxy-accept: ", PFT_ACTION_OTHER)
		ACTION("prepend: ", PFT_ACTION_OTHER)
		break;
	case 'd':
		ACTION("discard: ", PFT_ACTION_DISCARD)
		break;
	case 'h':
		ACTION("hold: ", PFT_ACTION_HOLD)
		break;
	case 'f':
		ACTION("filter: ", PFT_ACTION_OTHER)
		break;
	case 's':
		ACTION("strip: ", PFT_ACTION_OTHER)
		break;
	case 'b':
		ACTION("bcc: ", PFT_ACTION_OTHER)
		break;
	default:
		break;
	}
#undef ACTION
	*len = 0;
	return PFT_ACTION_NONE;
}

/* The client after " from ": "name[addr]", "[addr]:port" (postscreen) or a bare word
 * ("local", cleanup's origin). @return the ": " after it, or NULL. IPv6 addresses hold ':'
 * inside the brackets. */
static const char *scan_client(const struct pft_scan_index *ix, const char *p, const char *end)
{
	const char *q = pft_next(ix, PFT_S_LBRACKET | PFT_S_COLON, p, end);
	if (q < end && *q == '[') {
		while (q < end && *q != ']')
			q++;
		if (q == end)
			return NULL;
		q++;
		if (end - q >= 2 && q[0] == ':' && pft_is_digit(q[1])) {
			q++;
			while (q < end && pft_is_digit(*q))
				q++;
		}
	}
	return end - q >= 2 && q[0] == ':' && q[1] == ' ' ? q : NULL;
}

/* The next "; " at or after p that is followed by from=<, to=<, proto= or helo=<, or end. */
static const char *find_trailer(const struct pft_scan_index *ix, const char *p, const char *end)
{
	for (const char *q = pft_next(ix, PFT_S_SEMICOLON, p, end); end - q >= 6;
	     q = pft_next(ix, PFT_S_SEMICOLON, q + 1, end)) {
		if (q[1] != ' ')
			continue;
		const char *k = q + 2;
		if (PFT_HAS(k, end, "from=<") || PFT_HAS(k, end, "to=<") ||
		    PFT_HAS(k, end, "proto=") || PFT_HAS(k, end, "helo=<"))
			return q;
	}
	return end;
}

/* "from=<S> to=<R> proto=P helo=<H>" with ' ' or ", " between fields.
 * @return end when the fields run cleanly to the end of the line, the text after a closing
 * ": " (cleanup's REPLY), or NULL when [p, end) is not such a trailer. */
static const char *parse_trailer(struct pft_event *ev, const struct pft_scan_index *ix,
				 const char *p, const char *end)
{
	const unsigned ends = PFT_ADDR_END_COMMA | PFT_ADDR_END_SPACE | PFT_ADDR_END_COLON;
	struct pft_slice ignored;
	while (p < end) {
		if (PFT_HAS(p, end, "from=<"))
			p = pft_scan_addr(ix, p + PFT_LEN("from="), end, ends, &ev->from);
		else if (PFT_HAS(p, end, "to=<"))
			p = pft_scan_addr(ix, p + PFT_LEN("to="), end, ends, &ev->to);
		else if (PFT_HAS(p, end, "helo=<"))
			p = pft_scan_addr(ix, p + PFT_LEN("helo="), end, ends, &ignored);
		else {
			const char *q = pft_next(ix, PFT_S_SPACE | PFT_S_COMMA | PFT_S_EQUALS, p, end);
			if (q == end || *q != '=' || q == p)
				return NULL;
			p = pft_next(ix, PFT_S_SPACE | PFT_S_COMMA | PFT_S_COLON, q, end);
		}
		if (p == NULL)
			return NULL;
		if (p == end)
			return end;
		if (*p == ':')
			return end - p >= 2 && p[1] == ' ' ? p + 2 : NULL;
		if (*p == ',')
			p++;
		if (p < end && *p == ' ')
			p++;
	}
	return end;
}

/* Finds the trailer of a reject-like record in [p, end) and parses it. The reply text before
 * it (smtpd) or the header text (cleanup) may hold "; from=<" too — a Subject: or an address
 * is client input — so the first candidate that parses cleanly to the end of the line (or to
 * cleanup's ": REPLY") wins; if none does (a line cut at 2000 bytes), the first one is used
 * for what it gives. @return the "; " of the trailer, or end; *reply = cleanup's REPLY. */
static const char *split_trailer(struct pft_event *ev, const struct pft_scan_index *ix,
				 const char *p, const char *end, const char **reply)
{
	const struct pft_slice none = {NULL, 0};
	const char *first = find_trailer(ix, p, end);
	for (const char *t = first; t < end; t = find_trailer(ix, t + 1, end)) {
		ev->from = ev->to = none;
		const char *r = parse_trailer(ev, ix, t + 2, end);
		if (r != NULL) {
			*reply = r == end ? NULL : r;
			return t;
		}
	}
	ev->from = ev->to = none;
	*reply = NULL;
	if (first < end)
		(void)parse_trailer(ev, ix, first + 2, end);
	return first;
}

/* "550 5.1.1 text", "550-5.1.1 text", "5.7.1 text" (milters, cleanup), "text": the reply code
 * and the DSN when there are. */
static void scan_reply(struct pft_event *ev, const char *p, const char *end)
{
	ev->reply_code = pft_reply_code(p, end);
	if (end - p >= 4 && pft_is_digit(p[0]) && pft_is_digit(p[1]) && pft_is_digit(p[2]) &&
	    (p[3] == ' ' || p[3] == '-'))
		p += 4;
	pft_dsn dsn;
	if (pft_scan_dsn(p, end, &dsn) != NULL)
		ev->dsn = dsn;
}

int pft_parse_reject(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
		     const char *end)
{
	const char *w = p;
	p = pft_next(ix, PFT_S_SPACE | PFT_S_COLON, p, end);
	enum pft_reject_stage stage = pft_stage_of(w, (size_t)(p - w));

	if (stage != PFT_STAGE_NONE) {
		ev->reject_stage = stage;
		if (PFT_HAS(p, end, " from ")) {
			const char *c = p + PFT_LEN(" from ");
			p = scan_client(ix, c, end);
			if (p == NULL)
				return 0;
			ev->client = pft_slice_of(c, p);
			p += 2;
		} else if (end - p >= 1 && *p == ':') { /* proxy-reject: END-OF-MESSAGE: REPLY */
			p++;
			if (p < end && *p == ' ')
				p++;
		} else {
			return 0;
		}
		const char *reply;
		const char *t = split_trailer(ev, ix, p, end, &reply);
		ev->reason_text = pft_slice_of(p, t);
		scan_reply(ev, p, t);
		return 1;
	}

	/* cleanup content checks: "header Subject: x from host[1.2.3.4]; from=<..> ...: REPLY".
	 * The client learns of them at the end of DATA. */
	if (p == w || p == end || *p != ' ')
		return 0;
	const char *reply;
	const char *t = split_trailer(ev, ix, p, end, &reply);
	if (t == end)
		return 0;
	ev->reject_stage = PFT_STAGE_END_OF_MESSAGE;
	/* The last " from ORIGIN" before the trailer: s is the space that ends " from ". */
	for (const char *s = t; t - w >= 6 && (s = pft_prev(ix, PFT_S_SPACE, w + 5, s)) != NULL;) {
		if (memcmp(s - 5, " from ", 6) == 0) {
			ev->client = pft_slice_of(s + 1, t);
			break;
		}
	}
	if (reply != NULL) {
		ev->reason_text = pft_slice_of(reply, end);
		scan_reply(ev, reply, end);
	} else {
		ev->reason_text = pft_slice_of(w, t);
	}
	return 1;
}

int pft_parse_action_record(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
			    const char *end, int in_cleanup)
{
	size_t len;
	enum pft_action action = pft_action_of(p, end, &len);
	if (action == PFT_ACTION_NONE)
		return 0;
	ev->action = action;
	int understood = pft_parse_reject(ev, ix, p + len, end);

	switch (action) {
	case PFT_ACTION_REJECT:
	case PFT_ACTION_MILTER_REJECT:
	case PFT_ACTION_PROXY_REJECT:
	case PFT_ACTION_DISCARD:
		if (!understood) {
			pft_set_unrec(ev, PFT_UNREC_REJECT);
			return 1;
		}
		ev->kind = PFT_EV_REJECT;
		ev->reason = PFT_UNREC_NONE;
		/* The queue file goes away without a "removed" when cleanup refuses or discards
		 * the message, when smtpd discards it, or when the refusal comes with the content
		 * (DATA, BDAT, END-OF-MESSAGE); a RCPT reject only drops one recipient. */
		if (ev->qid.n != 0)
			ev->ends_message = in_cleanup || action == PFT_ACTION_DISCARD ||
					   ev->reject_stage == PFT_STAGE_DATA ||
					   ev->reject_stage == PFT_STAGE_BDAT ||
					   ev->reject_stage == PFT_STAGE_END_OF_MESSAGE;
		return 1;
	default:
		pft_set_info(ev);
		return 1;
	}
}

static void parse_client(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
			 const char *end)
{
	const char *c = p;
	p = pft_next(ix, PFT_S_COMMA, p, end);
	ev->client = pft_slice_of(c, p);
	while (end - p >= 2 && p[0] == ',' && p[1] == ' ') {
		p += 2;
		const char *v = p;
		p = pft_next(ix, PFT_S_COMMA, p, end);
		if (PFT_HAS(v, p, "orig_queue_id="))
			ev->orig_qid = pft_slice_of(v + PFT_LEN("orig_queue_id="), p);
	}
	ev->kind = PFT_EV_CLIENT;
}

/* postscreen's own records name the client "[ADDR]:PORT" after a space: "PASS NEW [ADDR]:PORT",
 * "DNSBL rank 3 for [ADDR]:PORT", "PREGREET 6 after 1.2 from [ADDR]:PORT: EHLO x", "HANGUP
 * after 63 from [ADDR]:PORT in tests after SMTP handshake", "COMMAND TIME LIMIT from
 * [ADDR]:PORT after RCPT", "CONNECT from [ADDR]:PORT to [ADDR]:25", "DISCONNECT [ADDR]:PORT".
 * They are INFO lines (nothing was refused yet: a refusal is a "NOQUEUE: reject:"); the
 * client is kept for traces. The first word is upper case, which no smtpd INFO line has
 * ("connect from ...", "Anonymous TLS connection established from name[addr]" has no
 * " [" either). */
static void postscreen_client(struct pft_event *ev, const struct pft_scan_index *ix,
			      const char *p, const char *end)
{
	if (end - p < 2 || p[0] < 'A' || p[0] > 'Z' || p[1] < 'A' || p[1] > 'Z')
		return;
	for (const char *b = pft_next(ix, PFT_S_LBRACKET, p, end); b < end;
	     b = pft_next(ix, PFT_S_LBRACKET, b + 1, end)) {
		if (b == p || b[-1] != ' ')
			continue;
		const char *q = b + 1;
		while (q < end && *q != ']' && *q != ' ')
			q++;
		if (q == end || *q != ']' || q == b + 1)
			return;
		q++;
		if (end - q < 2 || q[0] != ':' || !pft_is_digit(q[1]))
			return;
		q++;
		while (q < end && pft_is_digit(*q))
			q++;
		ev->client = pft_slice_of(b, q);
		return;
	}
}

void pft_parse_smtpd(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
		     const char *end)
{
	if (ev->qid.n != 0 && PFT_HAS(p, end, "client=")) {
		parse_client(ev, ix, p + PFT_LEN("client="), end);
		return;
	}
	if (ev->qid.n != 0 || ev->noqueue) {
		if (pft_parse_action_record(ev, ix, p, end, 0))
			return;
	} else if (PFT_HAS(p, end, "proxy-")) {
		/* Some logs carry "proxy-reject: END-OF-MESSAGE: ..." without a QID prefix. */
		if (pft_parse_action_record(ev, ix, p, end, 0))
			return;
	}
	pft_parse_fallback(ev, ix, p, end);
	if (ev->kind == PFT_EV_POSTFIX_INFO && ev->qid.n == 0 && !ev->noqueue)
		postscreen_client(ev, ix, p, end);
}
