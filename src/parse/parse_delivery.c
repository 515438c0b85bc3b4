/* pftally — delivery-status records and the delivery agents (smtp, lmtp, local, virtual,
 * pipe, error, retry, discard).
 *
 *   QID: to=<ADDR>[, orig_to=<ADDR>], relay=RELAY[, conn_use=N], delay=D, delays=a/b/c/d
 *        [, tls=F], dsn=X.Y.Z, status=STATUS (REASON)
 *
 * Fields are read by name and unknown ones skipped (Postfix 3.11 added tls=; < 2.3 has no
 * dsn=/delays=). REASON runs to the last ')' of the line: it may hold '(', ')', ',', '='. */
#include "parse/parse_internal.h"

/* The value of an unknown or uninteresting field: up to the next ','. */
static const char *skip_value(const struct pft_scan_index *ix, const char *p, const char *end)
{
	return pft_next(ix, PFT_S_COMMA, p, end);
}

/* "... queued as QID)" (content filter or LMTP/SMTP hand-off to a local Postfix) and
 * "forwarded as QID" (local(8) alias/.forward): the QID of the next hop, if it has Postfix
 * QID syntax. The aggregator decides whether that QID is a local message. */
static struct pft_slice hop_qid(const struct pft_scan_index *ix, const char *p, const char *end)
{
	struct pft_slice none = {NULL, 0};
	/* " as ": two spaces 3 bytes apart, found in the masks a block at a time. */
	for (const char *q = pft_scan_next_pair(ix, PFT_S_SPACE, 3, p, end); q < end;
	     q = pft_scan_next_pair(ix, PFT_S_SPACE, 3, q + 1, end)) {
		if (q[1] != 'a' || q[2] != 's')
			continue;
		int hop = (q - p >= 6 && memcmp(q - 6, "queued", 6) == 0) ||
			  (q - p >= 9 && memcmp(q - 9, "forwarded", 9) == 0);
		if (!hop)
			continue;
		const char *id = q + 4;
		size_t n = pft_qid_token(id, end);
		if (n != 0)
			return pft_slice_of(id, id + n);
	}
	return none;
}

/* The remote server's reply code in a status reason: the reason itself when it is the reply
 * ("250 2.0.0 Ok: queued as ...", an LMTP or SMTP hand-off), else the first reply quoted
 * after "said: " or "refused to talk to me: " (smtp_trouble.c: "host X said: 550 5.1.1 ...",
 * "... unverified address: host X said: ..."). 0 when the reason quotes none ("connect to X:
 * Connection refused", "lost connection with X", local(8) texts). */
static uint16_t reason_reply_code(const struct pft_scan_index *ix, const char *r, const char *end,
				  enum pft_dstatus status)
{
	const uint16_t first = pft_reply_code(r, end);
	if (first != 0 || status == PFT_DS_SENT)
		return first;
	for (const char *q = pft_next(ix, PFT_S_COLON, r, end); end - q >= 2;
	     q = pft_next(ix, PFT_S_COLON, q + 1, end)) {
		if (q[1] != ' ')
			continue;
		if ((q - r >= 4 && memcmp(q - 4, "said", 4) == 0) ||
		    (q - r >= 5 && memcmp(q - 5, "to me", 5) == 0))
			return pft_reply_code(q + 2, end);
	}
	return 0;
}

/* The '=' (or ',') that ends the field name at p. The names Postfix writes in every record
 * are matched in place, which saves a search on the critical path: none of them holds '=' or
 * ',', so the first of those after p is right after the name, as the search would find. */
static inline const char *field_name_end(const struct pft_scan_index *ix, const char *p,
					 const char *end)
{
	if (PFT_HAS(p, end, "relay=") || PFT_HAS(p, end, "delay="))
		return p + PFT_LEN("relay");
	if (PFT_HAS(p, end, "delays=") || PFT_HAS(p, end, "status="))
		return p + PFT_LEN("delays");
	if (PFT_HAS(p, end, "dsn="))
		return p + PFT_LEN("dsn");
	return pft_next(ix, PFT_S_EQUALS | PFT_S_COMMA, p, end);
}

void pft_parse_delivery(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
			const char *end)
{
	ev->kind = PFT_EV_DELIVERY;
	p = pft_scan_addr(ix, p + PFT_LEN("to="), end, PFT_ADDR_END_COMMA, &ev->to);
	if (p == NULL) {
		pft_set_unrec(ev, PFT_UNREC_DELIVERY_BAD_FIELD);
		return;
	}

	int have_status = 0;
	while (end - p >= 2 && p[0] == ',' && p[1] == ' ') {
		p += 2;
		const char *name = p;
		p = field_name_end(ix, p, end);
		if (p == end)
			break;
		if (*p != '=')
			continue; /* ", text" that is no field: resynchronise at this ',' */
		size_t n = (size_t)(p - name);
		p++;
		switch (n) {
		case 3:
			if (memcmp(name, "dsn", 3) == 0) {
				p = pft_scan_dsn(p, end, &ev->dsn);
				if (p == NULL || (p < end && *p != ',')) {
					pft_set_unrec(ev, PFT_UNREC_DELIVERY_BAD_FIELD);
					return;
				}
				continue;
			}
			break;
		case 5:
			if (memcmp(name, "relay", 5) == 0) {
				const char *v = p;
				p = skip_value(ix, p, end);
				ev->relay = pft_slice_of(v, p);
				ev->relay_host = pft_relay_host_of(ix, ev->relay);
				continue;
			}
			break;
		case 6:
			if (memcmp(name, "status", 6) == 0)
				have_status = 1;
			break;
		case 7:
			if (memcmp(name, "orig_to", 7) == 0) {
				p = pft_scan_addr(ix, p, end, PFT_ADDR_END_COMMA, &ev->orig_to);
				if (p == NULL) {
					pft_set_unrec(ev, PFT_UNREC_DELIVERY_BAD_FIELD);
					return;
				}
				continue;
			}
			break;
		default:
			break;
		}
		if (have_status)
			break;
		p = skip_value(ix, p, end); /* delay, delays, conn_use, tls, and fields to come */
	}
	if (!have_status) {
		pft_set_unrec(ev, PFT_UNREC_DELIVERY_NO_STATUS);
		return;
	}

	/* STATUS, then " (REASON)" to the last ')' of the line; a line cut at Postfix's 2000
	 * bytes has no ')': the reason is the rest. */
	const char *w = p;
	if (PFT_HAS(w, end, "sent (")) { /* the usual words, known without a search */
		ev->status = PFT_DS_SENT;
		p = w + PFT_LEN("sent");
	} else if (PFT_HAS(w, end, "deferred (")) {
		ev->status = PFT_DS_DEFERRED;
		p = w + PFT_LEN("deferred");
	} else {
		p = pft_next(ix, PFT_S_SPACE | PFT_S_COMMA, p, end);
		ev->status = pft_dstatus_of(w, (size_t)(p - w));
		if (p == end && ev->status == PFT_DS_OTHER) {
			/* "status=defer" at the end: a record cut inside the word, no status */
			pft_set_unrec(ev, PFT_UNREC_DELIVERY_NO_STATUS);
			return;
		}
	}
	if (end - p >= 2 && p[0] == ' ' && p[1] == '(') {
		const char *r = p + 2, *close = end;
		while (close > r && close[-1] != ')')
			close--;
		ev->reason_text = pft_slice_of(r, close > r ? close - 1 : end);
		if (ev->status == PFT_DS_SENT)
			ev->new_qid = hop_qid(ix, ev->reason_text.p, r + ev->reason_text.n);
		ev->reply_code = reason_reply_code(ix, r, r + ev->reason_text.n, ev->status);
	}
}

/* Best effort for the per-attempt lines of smtp/lmtp ("host mx[1.2.3.4] said: ...",
 * "connect to mx[...]:25: ...", "Untrusted TLS connection established to mx[...]:25: ..."):
 * the server is the word before the first '['. */
static void info_relay(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
		       const char *end)
{
	const char *b = pft_next(ix, PFT_S_LBRACKET, p, end);
	if (b == end)
		return;
	const char *space = pft_prev(ix, PFT_S_SPACE, p, b);
	const char *h = space != NULL ? space + 1 : p;
	if (h == b)
		return;
	const char *e = b;
	while (e < end && *e != ']')
		e++;
	if (e == end)
		return;
	e++;
	if (e < end && *e == ':' && e + 1 < end && pft_is_digit(e[1])) {
		e++;
		while (e < end && pft_is_digit(*e))
			e++;
	}
	ev->relay = pft_slice_of(h, e);
	ev->relay_host = pft_slice_of(h, b);
}

void pft_parse_agent(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
		     const char *end, enum pft_service svc)
{
	/* smtp and lmtp log why they skip a server as "QID: REASON" with REASON open-ended
	 * (smtp_trouble.c: msg_info("%s: %s", queue_id, reason): "host X said: ...", "lost
	 * connection with ...", "conversation with ... timed out", "connect to ...", "TLS is
	 * required, ...", "Cannot start TLS: ...", "enabling PIX workarounds: ..."). Such a line is
	 * no attempt: INFO. Only a damaged delivery record (", relay=" without a usable "to=") is
	 * reported. */
	pft_parse_fallback(ev, ix, p, end);
	if (svc != PFT_SVC_SMTP && svc != PFT_SVC_LMTP)
		return;
	if (ev->qid.n != 0 && ev->reason == PFT_UNREC_UNKNOWN_RECORD)
		pft_set_info(ev);
	if (ev->kind == PFT_EV_POSTFIX_INFO && pft_severity_len(p, end) == 0)
		info_relay(ev, ix, p, end);
}
