/* pftally — field scanners shared by the record parsers: queue IDs, addresses, DSN codes,
 * status and stage words, relay hosts. */
#include "parse/parse_internal.h"

/* Longest token we try as a QID: short IDs are at most ~21 hex digits, long ones 20. */
#define QID_MAX 24

/* Character classes of queue-ID letters, one table load per byte. */
#define QC_ALNUM 1u
#define QC_HEX 2u   /* 0-9 A-F: short IDs */
#define QC_LOWER 4u /* long IDs always hold one (the 'z' before the inode part) */
#define QC_VOWEL 8u /* never in long IDs (Postfix's base-52 alphabet has none) */
#define D_ (QC_ALNUM | QC_HEX)
#define X_ (QC_ALNUM | QC_HEX | QC_VOWEL) /* A, E */
#define U_ QC_ALNUM
#define V_ (QC_ALNUM | QC_VOWEL)
#define l_ (QC_ALNUM | QC_LOWER)
#define v_ (QC_ALNUM | QC_LOWER | QC_VOWEL)
static const uint8_t qid_class[256] = {
	['0'] = D_, D_, D_, D_, D_, D_, D_, D_, D_, D_,
	['A'] = X_, D_, D_, D_, X_, D_, U_, U_, V_, U_, U_, U_, U_, U_, V_, /* A..O */
	['P'] = U_, U_, U_, U_, U_, V_, U_, U_, U_, U_, U_,                 /* P..Z */
	['a'] = v_, l_, l_, l_, v_, l_, l_, l_, v_, l_, l_, l_, l_, l_, v_, /* a..o */
	['p'] = l_, l_, l_, l_, l_, v_, l_, l_, l_, l_, l_,                 /* p..z */
};
#undef D_
#undef X_
#undef U_
#undef V_
#undef l_
#undef v_

size_t pft_qid_token(const char *p, const char *end)
{
	size_t max = (size_t)(end - p) < QID_MAX + 1 ? (size_t)(end - p) : QID_MAX + 1;
	unsigned all = QC_ALNUM | QC_HEX, any = 0;
	size_t n = 0;
	for (; n < max; n++) {
		unsigned c = qid_class[(unsigned char)p[n]];
		if (c == 0)
			break;
		all &= c;
		any |= c;
	}
	if (n > QID_MAX)
		return 0;
	if ((all & QC_HEX) && n >= 5)
		return n;
	if ((any & (QC_LOWER | QC_VOWEL)) == QC_LOWER && n >= 12 && n <= 20)
		return n;
	return 0;
}

size_t pft_qid_prefix(const char *p, const char *end)
{
	size_t n = pft_qid_token(p, end);
	if (n == 0 || p + n >= end || p[n] != ':')
		return 0;
	if (p + n + 1 < end && p[n + 1] != ' ')
		return 0;
	return n;
}

const char *pft_scan_addr(const char *p, const char *end, unsigned ends, struct pft_slice *out)
{
	if (p < end && *p == '<') {
		const char *a = p + 1;
		for (const char *q = a; q < end; q++) {
			if (*q != '>')
				continue;
			const char *after = q + 1;
			if (after == end || (*after == ',' && (ends & PFT_ADDR_END_COMMA)) ||
			    (*after == ' ' && (ends & PFT_ADDR_END_SPACE)) ||
			    (*after == ':' && (ends & PFT_ADDR_END_COLON))) {
				*out = pft_slice_of(a, q);
				return after;
			}
		}
		return NULL;
	}
	const char *q = p;
	while (q < end && *q != ',' && *q != ' ')
		q++;
	*out = pft_slice_of(p, q);
	return q;
}

const char *pft_scan_dsn(const char *p, const char *end, pft_dsn *out)
{
	if (end - p < 5 || (unsigned)(unsigned char)p[0] - '1' > 8u || p[1] != '.')
		return NULL;
	unsigned cls = (unsigned)(p[0] - '0'), part[2];
	const char *q = p + 2;
	for (int i = 0; i < 2; i++) {
		unsigned v = 0, nd = 0;
		while (q < end && pft_is_digit(*q) && nd < 4) {
			v = v * 10 + (unsigned)(*q - '0');
			q++;
			nd++;
		}
		if (nd == 0 || nd > 3)
			return NULL;
		part[i] = v;
		if (i == 0) {
			if (q >= end || *q != '.')
				return NULL;
			q++;
		}
	}
	if (q < end && (*q == '.' || pft_is_digit(*q)))
		return NULL;
	*out = PFT_DSN_MAKE(cls, part[0], part[1]);
	return q;
}

#define WORD_IS(w, n, lit) ((n) == PFT_LEN(lit) && memcmp((w), (lit), PFT_LEN(lit)) == 0)

enum pft_dstatus pft_dstatus_of(const char *w, size_t n)
{
	switch (n) {
	case 4:
		if (WORD_IS(w, n, "sent"))
			return PFT_DS_SENT;
		break;
	case 7:
		if (WORD_IS(w, n, "bounced"))
			return PFT_DS_BOUNCED;
		if (WORD_IS(w, n, "expired"))
			return PFT_DS_EXPIRED;
		break;
	case 8:
		if (WORD_IS(w, n, "deferred"))
			return PFT_DS_DEFERRED;
		break;
	case 10:
		if (WORD_IS(w, n, "SOFTBOUNCE"))
			return PFT_DS_SOFTBOUNCE;
		break;
	case 11:
		if (WORD_IS(w, n, "deliverable"))
			return PFT_DS_DELIVERABLE;
		break;
	case 13:
		if (WORD_IS(w, n, "undeliverable"))
			return PFT_DS_UNDELIVERABLE;
		if (WORD_IS(w, n, "force-expired"))
			return PFT_DS_FORCE_EXPIRED;
		break;
	case 28:
		if (WORD_IS(w, n, "undeliverable-but-not-cached"))
			return PFT_DS_UNDELIVERABLE_NOT_CACHED;
		break;
	default:
		break;
	}
	return PFT_DS_OTHER;
}

enum pft_reject_stage pft_stage_of(const char *w, size_t n)
{
	if (n == 4) {
		if (WORD_IS(w, n, "RCPT"))
			return PFT_STAGE_RCPT;
		if (WORD_IS(w, n, "MAIL"))
			return PFT_STAGE_MAIL;
		if (WORD_IS(w, n, "DATA"))
			return PFT_STAGE_DATA;
		if (WORD_IS(w, n, "EHLO"))
			return PFT_STAGE_EHLO;
		if (WORD_IS(w, n, "HELO"))
			return PFT_STAGE_HELO;
		if (WORD_IS(w, n, "BDAT"))
			return PFT_STAGE_BDAT;
		if (WORD_IS(w, n, "VRFY"))
			return PFT_STAGE_VRFY;
		if (WORD_IS(w, n, "ETRN"))
			return PFT_STAGE_ETRN;
		/* Other commands smtpd may name (AUTH, RSET, NOOP, QUIT, XCLIENT is longer). */
		if (WORD_IS(w, n, "AUTH") || WORD_IS(w, n, "RSET") || WORD_IS(w, n, "NOOP") ||
		    WORD_IS(w, n, "QUIT"))
			return PFT_STAGE_OTHER;
		return PFT_STAGE_NONE;
	}
	if (WORD_IS(w, n, "CONNECT"))
		return PFT_STAGE_CONNECT;
	if (WORD_IS(w, n, "END-OF-MESSAGE"))
		return PFT_STAGE_END_OF_MESSAGE;
	if (WORD_IS(w, n, "UNKNOWN") || WORD_IS(w, n, "XCLIENT") || WORD_IS(w, n, "XFORWARD") ||
	    WORD_IS(w, n, "STARTTLS"))
		return PFT_STAGE_OTHER;
	return PFT_STAGE_NONE;
}

struct pft_slice pft_relay_host_of(struct pft_slice relay)
{
	const char *p = relay.p, *end = relay.p + relay.n;
	const char *q = p;
	if (p < end && *p == '[') {
		while (q < end && *q != ']')
			q++;
		return pft_slice_of(p, q < end ? q + 1 : q);
	}
	while (q < end && *q != '[')
		q++;
	return pft_slice_of(p, q);
}

size_t pft_severity_len(const char *p, const char *end)
{
	switch (end > p ? *p : 0) {
	case 'w':
		return PFT_HAS(p, end, "warning: ") ? PFT_LEN("warning: ") : 0;
	case 'e':
		return PFT_HAS(p, end, "error: ") ? PFT_LEN("error: ") : 0;
	case 'f':
		return PFT_HAS(p, end, "fatal: ") ? PFT_LEN("fatal: ") : 0;
	case 'p':
		return PFT_HAS(p, end, "panic: ") ? PFT_LEN("panic: ") : 0;
	case 'i':
		return PFT_HAS(p, end, "info: ") ? PFT_LEN("info: ") : 0;
	default:
		return 0;
	}
}
