/* pftally — message entry: cleanup and pickup.
 *
 *   cleanup: QID: message-id=<ID>             -> MESSAGE_ID (any value: "<>", RFC 2047 junk)
 *            QID: resent-message-id=<ID>      -> INFO
 *            QID: milter-reject: END-OF-MESSAGE from ...: 5.7.1 TEXT; from=<..> to=<..> ...
 *            QID: reject: header|body ...     -> REJECT, ends_message = 1
 *            QID: discard: / milter-discard:  -> REJECT (action DISCARD), ends_message = 1
 *            QID: hold: / milter-hold: / warning: / info: / prepend: / replace: /
 *                 redirect: / filter: / milter-header-...: -> INFO (qid kept; action, from
 *                 and to set when the line has the usual "; from=<..> to=<..>" trailer)
 *   pickup:  QID: uid=N from=<S>              -> PICKUP */
#include "parse/parse_internal.h"

void pft_parse_cleanup(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
		       const char *end)
{
	if (ev->qid.n != 0) {
		if (PFT_HAS(p, end, "message-id=")) {
			ev->kind = PFT_EV_MESSAGE_ID;
			return;
		}
		if (PFT_HAS(p, end, "resent-message-id=")) {
			pft_set_info(ev);
			return;
		}
		if (pft_parse_action_record(ev, ix, p, end, 1))
			return;
		/* header_checks WARN / INFO: "QID: warning: header H from ORIGIN; from=<..> ..." —
		 * INFO, with from/to kept like the other actions. Other warnings stay plain INFO. */
		size_t sev = pft_severity_len(p, end);
		if (sev != 0 && (PFT_HAS(p + sev, end, "header ") || PFT_HAS(p + sev, end, "body "))) {
			if (pft_parse_reject(ev, ix, p + sev, end))
				ev->action = PFT_ACTION_OTHER;
			pft_set_info(ev);
			return;
		}
	}
	pft_parse_fallback(ev, ix, p, end);
}

void pft_parse_pickup(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
		      const char *end)
{
	if (ev->qid.n != 0 && PFT_HAS(p, end, "uid=")) {
		const char *q = p + PFT_LEN("uid=");
		while (q < end && pft_is_digit(*q))
			q++;
		if (PFT_HAS(q, end, " from=")) {
			q = pft_scan_addr(ix, q + PFT_LEN(" from="), end, PFT_ADDR_END_SPACE,
					  &ev->from);
			if (q != NULL) {
				ev->kind = PFT_EV_PICKUP;
				return;
			}
		}
	}
	pft_parse_fallback(ev, ix, p, end);
}
