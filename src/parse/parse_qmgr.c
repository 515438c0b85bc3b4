/* pftally — the queue manager (qmgr, oqmgr) and postsuper.
 *
 *   QID: from=<S>, size=N, nrcpt=N (queue active)        -> QUEUED
 *   QID: from=<S>, status=expired, returned to sender    -> EXPIRED (also force-expired)
 *   QID: removed                                         -> REMOVED (qmgr and postsuper)
 *   QID: skipped, still being delivered                  -> INFO
 * postsuper: QID: requeued / placed on hold / released from hold -> INFO, "Deleted: N
 * messages" and the other totals -> INFO. */
#include "parse/parse_internal.h"

static int is_removed(const char *p, const char *end)
{
	return end - p == (ptrdiff_t)PFT_LEN("removed") && memcmp(p, "removed", 7) == 0;
}

/* Decimal digits at p (at most 19). @return the byte after them, or NULL if none. */
static const char *scan_u64(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *d = p;
	while (p < end && pft_is_digit(*p) && p - d < 19) {
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (p == d)
		return NULL;
	*out = v;
	return p;
}

static void parse_from_record(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
			      const char *end)
{
	p = pft_scan_addr(ix, p + PFT_LEN("from="), end, PFT_ADDR_END_COMMA, &ev->from);
	if (p == NULL) {
		pft_set_unrec(ev, PFT_UNREC_QMGR);
		return;
	}
	int have_size = 0, have_nrcpt = 0;
	const char *status = NULL;
	while (end - p >= 2 && p[0] == ',' && p[1] == ' ') {
		p += 2;
		uint64_t v;
		if (PFT_HAS(p, end, "size=")) {
			const char *q = scan_u64(p + PFT_LEN("size="), end, &v);
			if (q != NULL) {
				ev->size = v;
				have_size = 1;
				p = q;
			}
		} else if (PFT_HAS(p, end, "nrcpt=")) {
			const char *q = scan_u64(p + PFT_LEN("nrcpt="), end, &v);
			if (q != NULL) {
				ev->nrcpt = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
				have_nrcpt = 1;
				p = q;
			}
		} else if (PFT_HAS(p, end, "status=")) {
			status = p + PFT_LEN("status=");
			break;
		}
		p = pft_next(ix, PFT_S_COMMA, p, end);
	}

	if (status != NULL) {
		const char *w = pft_next(ix, PFT_S_COMMA | PFT_S_SPACE, status, end);
		ev->status = pft_dstatus_of(status, (size_t)(w - status));
		if (ev->status == PFT_DS_EXPIRED || ev->status == PFT_DS_FORCE_EXPIRED) {
			ev->kind = PFT_EV_EXPIRED;
			if (end - w >= 2 && w[0] == ',' && w[1] == ' ')
				ev->reason_text = pft_slice_of(w + 2, end); /* "returned to sender" */
			return;
		}
		pft_set_unrec(ev, PFT_UNREC_QMGR);
		return;
	}
	if (have_size && have_nrcpt) {
		ev->kind = PFT_EV_QUEUED;
		return;
	}
	pft_set_unrec(ev, PFT_UNREC_QMGR);
}

void pft_parse_qmgr(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
		    const char *end)
{
	if (ev->qid.n != 0) {
		if (PFT_HAS(p, end, "from=")) {
			parse_from_record(ev, ix, p, end);
			return;
		}
		if (is_removed(p, end)) {
			ev->kind = PFT_EV_REMOVED;
			return;
		}
		if (PFT_HAS(p, end, "skipped, ")) {
			pft_set_info(ev);
			return;
		}
	}
	pft_parse_fallback(ev, ix, p, end);
}

void pft_parse_postsuper(struct pft_event *ev, const struct pft_scan_index *ix, const char *p,
			 const char *end)
{
	if (ev->qid.n != 0) {
		if (is_removed(p, end)) {
			ev->kind = PFT_EV_REMOVED;
			return;
		}
		if (PFT_HAS(p, end, "requeued") || PFT_HAS(p, end, "placed on hold") ||
		    PFT_HAS(p, end, "released from hold") || PFT_HAS(p, end, "expired") ||
		    PFT_HAS(p, end, "force-expired")) {
			pft_set_info(ev);
			return;
		}
	}
	pft_parse_fallback(ev, ix, p, end);
}
