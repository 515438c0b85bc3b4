/* pftally — field scanners shared by the record parsers: queue IDs, addresses, DSN codes,
 * status and stage words, relay hosts. */
#include "parse/parse_internal.h"

#if defined(__SSE2__)
#include <emmintrin.h> /* every x86-64 has SSE2 */
#endif

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

/* Whether p[0..n) (all letters or digits, 0 < n <= QID_MAX) has the syntax of a queue ID,
 * from the AND and OR of its bytes' classes. */
static inline int qid_shape(unsigned all, unsigned any, size_t n)
{
	if ((all & QC_HEX) && n >= 5)
		return 1;
	return (any & (QC_LOWER | QC_VOWEL)) == QC_LOWER && n >= 12 && n <= 20;
}

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
	return qid_shape(all, any, n) ? n : 0;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* 1 when the 8 bytes of x (little-endian: byte i of memory in bits 8i..8i+7) are all
 * upper-case hex digits, 0-9 A-F: no branch on the data. */
static inline int upper_hex8(uint64_t x)
{
	const uint64_t lo7 = 0x7F7F7F7F7F7F7F7Full, top = 0x8080808080808080ull;
	const uint64_t hi = x & 0xF0F0F0F0F0F0F0F0ull, lo = x & 0x0F0F0F0F0F0F0F0Full;
	const uint64_t h3 = hi ^ 0x3030303030303030ull, h4 = hi ^ 0x4040404040404040ull;
	const uint64_t is3 = ~(((h3 & lo7) + lo7) | h3 | lo7); /* bit 7: high nibble 3 */
	const uint64_t is4 = ~(((h4 & lo7) + lo7) | h4 | lo7); /* bit 7: high nibble 4 */
	const uint64_t le9 = ~(lo + 0x7676767676767676ull);     /* bit 7: low nibble <= 9 */
	const uint64_t one_to_six = (lo + 0x7F7F7F7F7F7F7F7Full) & ~(lo + 0x7979797979797979ull);
	return ((is3 & le9) | (is4 & one_to_six) | ~top) == ~0ull;
}

/* 1 when p[0 .. n) (n <= 16, p + 16 readable) are all upper-case hex digits. */
static inline int upper_hex_upto16(const char *p, size_t n)
{
	const uint64_t zeros = 0x3030303030303030ull; /* '0': the bytes past n count as hex */
	uint64_t a, b;
	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	if (n < 8) {
		const uint64_t keep = (1ull << (8 * n)) - 1;
		a = (a & keep) | (zeros & ~keep);
		b = zeros;
	} else if (n < 16) {
		const uint64_t keep = (1ull << (8 * (n - 8))) - 1;
		b = (b & keep) | (zeros & ~keep);
	}
	return upper_hex8(a) & upper_hex8(b);
}
#endif

size_t pft_qid_prefix(const struct pft_scan_index *ix, const char *p, const char *end)
{
#if defined(__SSE2__)
	/* The usual line: a short (upper-case hex) queue ID and ": ", 16 bytes at a time. The
	 * same answer as below, which any other line gets. */
	if (end - p >= 16) {
		const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
						    _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
		const __m128i af = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
						 _mm_cmplt_epi8(v, _mm_set1_epi8('F' + 1)));
		const unsigned other =
			~(unsigned)_mm_movemask_epi8(_mm_or_si128(digit, af)) & 0xFFFFu;
		const size_t n = other ? (size_t)__builtin_ctz(other) : 16;
		if (n < 16 && p[n] == ':' && (p + n + 1 == end || p[n + 1] == ' '))
			return n >= 5 ? n : 0;
		/* "connect from", "Anonymous TLS ...": the first ':' or ' ' is a ' ', which is
		 * where the search below would stop too, saying no. */
		const __m128i sp = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
		const __m128i colon = _mm_cmpeq_epi8(v, _mm_set1_epi8(':'));
		const unsigned space = (unsigned)_mm_movemask_epi8(sp);
		const unsigned stop = (unsigned)_mm_movemask_epi8(_mm_or_si128(sp, colon));
		if (stop & space & (0u - stop))
			return 0;
	}
#endif
	/* The token is a run of letters and digits, which are neither ':' nor ' ': so when it
	 * ends with "QID:" the first ':' or ' ' is that ':'. Lines that do not start with a
	 * queue id ("connect from ...") end here without looking at their bytes one by one. */
	const char *limit = end - p > QID_MAX + 1 ? p + QID_MAX + 1 : end;
	const char *colon = pft_next(ix, PFT_S_COLON | PFT_S_SPACE, p, limit);
	if (colon == limit || *colon != ':' || colon == p)
		return 0;
	if (colon + 1 < end && colon[1] != ' ')
		return 0;
	const size_t n = (size_t)(colon - p);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Short (hex) queue ids, the usual kind, 16 bytes at a time. */
	if (n <= 16 && end - p >= 16 && upper_hex_upto16(p, n))
		return n >= 5 ? n : 0;
#endif
	unsigned all = QC_ALNUM | QC_HEX, any = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = qid_class[(unsigned char)p[i]];
		all &= c;
		any |= c;
	}
	if (!(all & QC_ALNUM))
		return 0; /* a byte that is not a letter or digit: the token ends before the ':' */
	return qid_shape(all, any, n) ? n : 0;
}

const char *pft_scan_addr(const struct pft_scan_index *ix, const char *p, const char *end,
			  unsigned ends, struct pft_slice *out)
{
	if (p < end && *p == '<') {
		const char *a = p + 1;
		for (const char *q = pft_next(ix, PFT_S_GT, a, end); q < end;
		     q = pft_next(ix, PFT_S_GT, q + 1, end)) {
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
	const char *q = pft_next(ix, PFT_S_COMMA | PFT_S_SPACE, p, end);
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

uint16_t pft_reply_code(const char *p, const char *end)
{
	if (end - p < 3 || (unsigned)(unsigned char)p[0] - '2' > 3u || !pft_is_digit(p[1]) ||
	    !pft_is_digit(p[2]) || (end - p > 3 && p[3] != ' ' && p[3] != '-'))
		return 0;
	return (uint16_t)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
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

struct pft_slice pft_relay_host_of(const struct pft_scan_index *ix, struct pft_slice relay)
{
	const char *p = relay.p, *end = relay.p + relay.n;
	if (p < end && *p == '[') {
		const char *q = p;
		while (q < end && *q != ']')
			q++;
		return pft_slice_of(p, q < end ? q + 1 : q);
	}
	return pft_slice_of(p, pft_next(ix, PFT_S_LBRACKET, p, end));
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
