/* pftally — the bounce daemon (bounce, defer, trace): links to the notifications it queues.
 *
 *   QID: sender non-delivery notification: NEWQID          -> NOTIFICATION, NON_DELIVERY
 *   QID: sender delay notification: NEWQID                 -> NOTIFICATION, DELAY
 *   QID: sender delivery status notification: NEWQID       -> NOTIFICATION, SUCCESS
 *   QID: postmaster non-delivery notification: NEWQID      -> NOTIFICATION, POSTMASTER
 *        (and any other "postmaster ... notification: NEWQID") */
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
	}
	pft_parse_fallback(ev, ix, p, end);
}
