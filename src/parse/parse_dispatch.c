/* pftally — daemon name → record parser, the QID / NOQUEUE prefix, and what is left over.
 *
 * Dispatch is on the service name first (one switch on its length), then each family parses
 * the fields it knows by name. What becomes of a line that no family claims:
 *   - "QID: to=..." is a delivery-status record whatever the daemon (qmgr, bounce, ...);
 *   - "QID: warning: ..." (and error/fatal/panic/info) is INFO with the qid;
 *   - "QID: ..., relay=..." without a usable "to=" is DELIVERY_BAD_FIELD, not INFO, so that a
 *     damaged attempt is counted and reported rather than lost;
 *   - any other "QID: ..." or "NOQUEUE: ..." is UNKNOWN_RECORD (reported with samples),
 *     except smtp/lmtp, whose "QID: REASON" per-server lines are open-ended (parse_delivery.c);
 *   - a line without QID is INFO ("warning: QID: ..." keeps the qid). */
#include <stddef.h>

#include "parse/parse_internal.h"

#define NAME_IS(s, n, lit) ((n) == PFT_LEN(lit) && memcmp((s), (lit), PFT_LEN(lit)) == 0)

enum pft_service pft_service_lookup(const char *s, size_t n)
{
	switch (n) {
	case 4:
		if (NAME_IS(s, n, "smtp"))
			return PFT_SVC_SMTP;
		if (NAME_IS(s, n, "qmgr"))
			return PFT_SVC_QMGR;
		if (NAME_IS(s, n, "lmtp"))
			return PFT_SVC_LMTP;
		if (NAME_IS(s, n, "pipe"))
			return PFT_SVC_PIPE;
		break;
	case 5:
		if (NAME_IS(s, n, "smtpd"))
			return PFT_SVC_SMTPD;
		if (NAME_IS(s, n, "local"))
			return PFT_SVC_LOCAL;
		if (NAME_IS(s, n, "error"))
			return PFT_SVC_ERROR;
		if (NAME_IS(s, n, "retry"))
			return PFT_SVC_RETRY;
		if (NAME_IS(s, n, "oqmgr") || NAME_IS(s, n, "nqmgr"))
			return PFT_SVC_QMGR;
		if (NAME_IS(s, n, "defer") || NAME_IS(s, n, "trace"))
			return PFT_SVC_BOUNCE;
		if (NAME_IS(s, n, "qmqpd"))
			return PFT_SVC_QMQPD;
		if (NAME_IS(s, n, "anvil") || NAME_IS(s, n, "showq") || NAME_IS(s, n, "flush") ||
		    NAME_IS(s, n, "spawn") || NAME_IS(s, n, "mailq"))
			return PFT_SVC_OTHER;
		break;
	case 6:
		if (NAME_IS(s, n, "bounce"))
			return PFT_SVC_BOUNCE;
		if (NAME_IS(s, n, "pickup"))
			return PFT_SVC_PICKUP;
		if (NAME_IS(s, n, "scache") || NAME_IS(s, n, "verify") || NAME_IS(s, n, "master") ||
		    NAME_IS(s, n, "tlsmgr"))
			return PFT_SVC_OTHER;
		break;
	case 7:
		if (NAME_IS(s, n, "cleanup"))
			return PFT_SVC_CLEANUP;
		if (NAME_IS(s, n, "virtual"))
			return PFT_SVC_VIRTUAL;
		if (NAME_IS(s, n, "discard"))
			return PFT_SVC_DISCARD;
		if (NAME_IS(s, n, "dnsblog") || NAME_IS(s, n, "postlog") || NAME_IS(s, n, "postmap") ||
		    NAME_IS(s, n, "postcat") || NAME_IS(s, n, "postfix"))
			return PFT_SVC_OTHER;
		break;
	case 8:
		if (NAME_IS(s, n, "tlsproxy") || NAME_IS(s, n, "postdrop") ||
		    NAME_IS(s, n, "sendmail") || NAME_IS(s, n, "proxymap") ||
		    NAME_IS(s, n, "postlogd") || NAME_IS(s, n, "postconf") ||
		    NAME_IS(s, n, "postkick") || NAME_IS(s, n, "postlock"))
			return PFT_SVC_OTHER;
		break;
	case 9:
		if (NAME_IS(s, n, "postsuper"))
			return PFT_SVC_POSTSUPER;
		if (NAME_IS(s, n, "postqueue") || NAME_IS(s, n, "postalias") ||
		    NAME_IS(s, n, "postmulti"))
			return PFT_SVC_OTHER;
		break;
	case 10:
		if (NAME_IS(s, n, "postscreen"))
			return PFT_SVC_POSTSCREEN;
		if (NAME_IS(s, n, "newaliases") || NAME_IS(s, n, "proxywrite"))
			return PFT_SVC_OTHER;
		break;
	default:
		if (NAME_IS(s, n, "postfix-script") || NAME_IS(s, n, "trivial-rewrite") ||
		    NAME_IS(s, n, "postmulti-script") || NAME_IS(s, n, "postfix-tls-script") ||
		    NAME_IS(s, n, "post-install"))
			return PFT_SVC_OTHER;
		break;
	}
	return PFT_SVC_UNKNOWN;
}

/* Clears the Postfix-record part of the event (everything from qid on), so that
 * pft_parse_postfix() can be called on an event whose header fields a test filled by hand. */
static void reset_record(struct pft_event *ev)
{
	const size_t from = offsetof(struct pft_event, qid);
	memset((char *)ev + from, 0, sizeof *ev - from);
	ev->reason = PFT_UNREC_NONE;
}

void pft_parse_postfix(struct pft_event *ev)
{
	enum pft_service svc = pft_service_lookup(ev->service.p, ev->service.n);
	reset_record(ev);
	if (svc == PFT_SVC_UNKNOWN) {
		pft_set_unrec(ev, PFT_UNREC_UNKNOWN_SERVICE);
		return;
	}
	struct pft_scan_block blocks[PFT_PARSE_STACK_INDEX_BYTES / PFT_SCAN_BLOCK];
	struct pft_scan_index ix;
	pft_parse_stack_index(ev->text.p, ev->text.n, blocks, &ix);
	pft_parse_record(ev, &ix, svc);
}

void pft_parse_record(struct pft_event *ev, const struct pft_scan_index *ix, enum pft_service svc)
{
	const char *p = ev->text.p, *end = p + ev->text.n;

	size_t qn = pft_qid_prefix(ix, p, end);
	if (qn != 0) {
		ev->qid = pft_slice_of(p, p + qn);
		p += qn + 1;
		if (p < end)
			p++; /* the space after ':' */
		/* Any daemon may log a delivery-status record (qmgr, bounce, ...): "QID: to=". */
		if (PFT_HAS(p, end, "to=")) {
			pft_parse_delivery(ev, ix, p, end);
			return;
		}
	} else if (PFT_HAS(p, end, "NOQUEUE: ")) {
		ev->noqueue = 1;
		p += PFT_LEN("NOQUEUE: ");
	}

	switch (svc) {
	case PFT_SVC_SMTP:
	case PFT_SVC_LMTP:
	case PFT_SVC_LOCAL:
	case PFT_SVC_VIRTUAL:
	case PFT_SVC_PIPE:
	case PFT_SVC_ERROR:
	case PFT_SVC_RETRY:
	case PFT_SVC_DISCARD:
		pft_parse_agent(ev, ix, p, end, svc);
		return;
	case PFT_SVC_QMGR:
		pft_parse_qmgr(ev, ix, p, end);
		return;
	case PFT_SVC_POSTSUPER:
		pft_parse_postsuper(ev, ix, p, end);
		return;
	case PFT_SVC_CLEANUP:
		pft_parse_cleanup(ev, ix, p, end);
		return;
	case PFT_SVC_PICKUP:
		pft_parse_pickup(ev, ix, p, end);
		return;
	case PFT_SVC_SMTPD:
	case PFT_SVC_POSTSCREEN:
	case PFT_SVC_QMQPD:
		pft_parse_smtpd(ev, ix, p, end);
		return;
	case PFT_SVC_BOUNCE:
		pft_parse_bounce(ev, ix, p, end);
		return;
	case PFT_SVC_OTHER:
	case PFT_SVC_UNKNOWN:
	case PFT_SVC_COUNT:
		break;
	}
	pft_parse_fallback(ev, ix, p, end);
}

/* A needle that no field of a delivery record can hide: only the record itself writes it. */
static int has_relay_field(const struct pft_scan_index *ix, const char *p, const char *end)
{
	for (p = pft_next(ix, PFT_S_COMMA, p, end); end - p >= 8;
	     p = pft_next(ix, PFT_S_COMMA, p + 1, end)) {
		if (memcmp(p, ", relay=", 8) == 0)
			return 1;
	}
	return 0;
}

void pft_parse_fallback(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
			const char *end)
{
	if (ev->qid.n != 0) {
		if (pft_severity_len(p, end) != 0) {
			pft_set_info(ev);
			return;
		}
		/* "QID: user@example.com, relay=..., status=..." — a delivery record whose to= is
		 * missing or damaged: count it as such, not as an unknown record. */
		pft_set_unrec(ev, has_relay_field(ix, p, end) ? PFT_UNREC_DELIVERY_BAD_FIELD
							   : PFT_UNREC_UNKNOWN_RECORD);
		return;
	}
	if (ev->noqueue) {
		pft_set_unrec(ev, PFT_UNREC_UNKNOWN_RECORD);
		return;
	}
	/* "warning: QID: ..." (e.g. cleanup's map lookup problems): keep the QID. */
	size_t sev = pft_severity_len(p, end);
	if (sev != 0) {
		size_t qn = pft_qid_prefix(ix, p + sev, end);
		if (qn != 0)
			ev->qid = pft_slice_of(p + sev, p + sev + qn);
	}
	pft_set_info(ev);
}

const char *pft_dstatus_name(enum pft_dstatus status)
{
	static const char *const names[PFT_DS_COUNT] = {
		[PFT_DS_NONE] = "none",
		[PFT_DS_SENT] = "sent",
		[PFT_DS_DEFERRED] = "deferred",
		[PFT_DS_BOUNCED] = "bounced",
		[PFT_DS_SOFTBOUNCE] = "softbounce",
		[PFT_DS_DELIVERABLE] = "deliverable",
		[PFT_DS_UNDELIVERABLE] = "undeliverable",
		[PFT_DS_UNDELIVERABLE_NOT_CACHED] = "undeliverable_not_cached",
		[PFT_DS_EXPIRED] = "expired",
		[PFT_DS_FORCE_EXPIRED] = "force_expired",
		[PFT_DS_OTHER] = "other",
	};
	return (unsigned)status < PFT_DS_COUNT ? names[status] : "other";
}
