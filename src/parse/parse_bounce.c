/* pftally — the bounce daemon (bounce, defer, trace): links to the notifications it queues.
 *
 *   QID: sender non-delivery notification: NEWQID          -> NOTIFICATION, NON_DELIVERY
 *   QID: sender delay notification: NEWQID                 -> NOTIFICATION, DELAY
 *   QID: sender delivery status notification: NEWQID       -> NOTIFICATION, SUCCESS
 *   QID: postmaster non-delivery notification: NEWQID      -> NOTIFICATION, POSTMASTER
 *        (and any other "postmaster ... notification: NEWQID")
 *   QID: sender notification failed[...]                   -> NOTIFICATION, FAILED
 *        (Postfix 3.11; any "sender|postmaster ... notification failed", with ": NEWQID" at
 *        the end when the line names one; new_qid is empty otherwise)
 *
 * Up to 3.10, bounce_notify_service.c and its kin log the link only once post_mail_fclose()
 * succeeded; 3.11 also logs a notification that could not be queued. Its wording is matched
 * loosely on purpose (any "sender|postmaster ... notification failed"). Warnings ("warning:
 * QID: postmaster notice failed while bouncing to X") stay INFO lines. */
#include "parse/parse_internal.h"

/* "NEWQID" up to the end of the text. @return 1 when it is a QID. */
static int set_new_qid(struct pft_event *ev, const char *p, const char *end)
{
	size_t n = pft_qid_token(p, end);
	if (n == 0 || p + n != end)
		return 0;
	ev->new_qid = pft_slice_of(p, end);
	return 1;
}

/* "(sender|postmaster) WORDS notification failed[: NEWQID | TEXT]" at p. @return 1 when the
 * record has that shape; new_qid is set when ": NEWQID" ends it. */
static int notification_failed(struct pft_event *ev, const struct pft_scan_index *ix,
			       const char *p, const char *end)
{
	static const char failed[] = " notification failed";
	if (!PFT_HAS(p, end, "sender ") && !PFT_HAS(p, end, "postmaster "))
		return 0;
	for (const char *q = pft_next(ix, PFT_S_SPACE, p, end); q < end;
	     q = pft_next(ix, PFT_S_SPACE, q + 1, end)) {
		if (!PFT_HAS(q, end, failed))
			continue;
		const char *t = q + PFT_LEN(failed);
		if (t < end && *t != ':' && *t != ' ' && *t != ',')
			continue; /* "... notification failedx" */
		if (end - t > 2 && t[0] == ':' && t[1] == ' ')
			(void)set_new_qid(ev, t + 2, end);
		return 1;
	}
	return 0;
}

void pft_parse_bounce(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
		      const char *end)
{
	if (ev->qid.n != 0) {
		enum pft_notification_kind kind = PFT_NOTIFY_NONE;
		const char *id = NULL;
		if (PFT_HAS(p, end, "sender non-delivery notification: ")) {
			kind = PFT_NOTIFY_NON_DELIVERY;
			id = p + PFT_LEN("sender non-delivery notification: ");
		} else if (PFT_HAS(p, end, "sender delay notification: ")) {
			kind = PFT_NOTIFY_DELAY;
			id = p + PFT_LEN("sender delay notification: ");
		} else if (PFT_HAS(p, end, "sender delivery status notification: ")) {
			kind = PFT_NOTIFY_SUCCESS;
			id = p + PFT_LEN("sender delivery status notification: ");
		} else if (PFT_HAS(p, end, "postmaster ")) {
			for (const char *q = pft_next(ix, PFT_S_SPACE, p, end); end - q >= 15;
			     q = pft_next(ix, PFT_S_SPACE, q + 1, end)) {
				if (memcmp(q, " notification: ", 15) == 0) {
					kind = PFT_NOTIFY_POSTMASTER;
					id = q + 15;
					break;
				}
			}
		}
		if (kind != PFT_NOTIFY_NONE && set_new_qid(ev, id, end)) {
			ev->kind = PFT_EV_NOTIFICATION;
			ev->notify = kind;
			return;
		}
		if (kind == PFT_NOTIFY_NONE && notification_failed(ev, ix, p, end)) {
			ev->kind = PFT_EV_NOTIFICATION;
			ev->notify = PFT_NOTIFY_FAILED;
			return;
		}
	}
	pft_parse_fallback(ev, ix, p, end);
}
