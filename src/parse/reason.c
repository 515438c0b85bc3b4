/* pftally — reason normalisation (the rules are in reason.h).
 *
 * One pass over the text, left to right, with look-aheads bounded by a constant or by the
 * token they end up consuming, so the whole is O(len). The key is written token by token and a
 * token is written whole or not at all. What decides a token from the left (": " before a
 * reply code, "blocked using " before a DNSBL zone, "user: " before a quoted local part) is
 * read from the key written so far, not from the input, and every token the key holds
 * (placeholders included) reads back as itself: that makes the key of a key the key.
 *
 * Cost (bench/micro/bench_reason.c holds the code before this layout as its reference and
 * checks that both give the same keys): most of a reason is text that is its own key (words
 * of letters, single spaces, punctuation that ends a word without changing how it reads).
 * Such a run is found 16 bytes at a time and copied whole (plain_end()). Any other word is
 * classified once, 16 bytes at a time: bit masks of its digits, letters and dots (classify();
 * the case of its letters only when the ID test needs it, word_case()), from which the
 * host-name and ID tests are a few word operations each (host_shape_m(), has_id_m()) instead
 * of loops over its bytes. The vector loads never read outside the text: near its end they
 * load the last 16 bytes of the text and shift the masks (load_at()). Without SSE2 (or with
 * PFT_REASON_SCALAR defined) the same masks come from byte loops. */
#include "parse/reason.h"

#include <stdint.h>
#include <string.h>

#include "common/ascii.h"
#include "common/utf8.h"

#if defined(__SSE2__) && !defined(PFT_REASON_SCALAR)
#include <emmintrin.h> /* every x86-64 has SSE2: no dispatch needed */
#define HAVE_SSE2 1
#else
#define HAVE_SSE2 0
#endif

typedef const unsigned char *cp;

/* ---- byte classes ------------------------------------------------------------------------ */

#define K_DIGIT 0x01u
#define K_UPPER 0x02u
#define K_LOWER 0x04u
#define K_HEX 0x08u   /* 0-9 a-f A-F */
#define K_WORD 0x10u  /* letters, digits, '.', '-', '_': a host name, an ID or a number */
#define K_LOCAL 0x20u /* may be in the local part of a bare address */
#define K_SPACE 0x40u /* white space and control bytes: they separate words */
#define K_INERT 0x80u /* punctuation that is a token of its own and ends a word without
		       * changing how it reads (plain_end()) */
#define K_ALPHA (K_UPPER | K_LOWER)
#define K_ALNUM (K_DIGIT | K_UPPER | K_LOWER)
#define K_DOT K_SPACE /* in what a word holds (struct word_class): a '.' */

#define IN(c, a, b) ((c) >= (a) && (c) <= (b))
#define CLASS(c)                                                                                  \
	((IN(c, '0', '9') ? K_DIGIT | K_HEX | K_WORD | K_LOCAL : 0u) |                           \
	 (IN(c, 'A', 'Z') ? K_UPPER | K_WORD | K_LOCAL : 0u) |                                    \
	 (IN(c, 'a', 'z') ? K_LOWER | K_WORD | K_LOCAL : 0u) |                                    \
	 (IN(c, 'a', 'f') || IN(c, 'A', 'F') ? K_HEX : 0u) |                                      \
	 ((c) == '.' || (c) == '-' || (c) == '_' ? K_WORD | K_LOCAL : 0u) |                         \
	 ((c) == '%' || (c) == '+' || (c) == '!' || (c) == '$' || (c) == '\'' || (c) == '*' ||     \
	  (c) == '^' || (c) == '`' || (c) == '~' ? K_LOCAL : 0u) |                                 \
	 ((c) <= 0x20 || (c) == 0x7F ? K_SPACE : 0u) |                                           \
	 ((c) == '#' || (c) == '&' || (c) == '(' || (c) == ')' || (c) == ',' || (c) == '/' ||      \
	  (c) == ';' || (c) == '=' || (c) == '>' || (c) == '?' || (c) == '\\' || (c) == ']' ||     \
	  (c) == '{' || (c) == '|' || (c) == '}' ? K_INERT : 0u))
#define C4(c) CLASS(c), CLASS((c) + 1), CLASS((c) + 2), CLASS((c) + 3)
#define C16(c) C4(c), C4((c) + 4), C4((c) + 8), C4((c) + 12)
#define C64(c) C16(c), C16((c) + 16), C16((c) + 32), C16((c) + 48)
static const uint8_t cls[256] = {C64(0), C64(64), C64(128), C64(192)};
#undef C64
#undef C16
#undef C4
#undef CLASS
#undef IN

static inline int is_digit(unsigned c)
{
	return cls[c & 0xFF] & K_DIGIT;
}
static inline int is_alpha(unsigned c)
{
	return cls[c & 0xFF] & K_ALPHA;
}
static inline int is_alnum(unsigned c)
{
	return cls[c & 0xFF] & K_ALNUM;
}
static inline int is_hex(unsigned c)
{
	return cls[c & 0xFF] & K_HEX;
}

/* The n (2..4) bytes at p as one word, letters lower-cased by setting bit 5 (exact for the
 * letters the callers compare with), first byte lowest. */
static inline uint32_t lower_word(cp p, size_t n)
{
	if (n == 4) {
		uint32_t v;
		memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		v = __builtin_bswap32(v);
#endif
		return v | 0x20202020u;
	}
	return (p[0] | 0x20u) | (p[1] | 0x20u) << 8 | (n == 3 ? (p[2] | 0x20u) << 16 : 0u);
}
#define W2(a, b) ((uint32_t)(a) | (uint32_t)(b) << 8)
#define W3(a, b, c) (W2(a, b) | (uint32_t)(c) << 16)
#define W4(a, b, c, d) (W3(a, b, c) | (uint32_t)(d) << 24)

/* ---- 16 bytes at a time ------------------------------------------------------------------ */

#if HAVE_SSE2
/* The 16 bytes at q for masks of them (bit i = byte q + i after `>> *sh`): near the end of the
 * text, its last 16 bytes with *sh = how many of them come before q, so that the bits past the
 * end are 0; a text shorter than 16 bytes is copied, followed by NUL bytes. No read is outside
 * [text, end). Every mask the callers take is 0 for NUL. */
static inline __m128i load_at(cp q, cp end, cp text, unsigned *sh)
{
	*sh = 0;
	if (end - q >= 16)
		return _mm_loadu_si128((const __m128i *)(const void *)q);
	if (end - text >= 16) {
		*sh = (unsigned)(16 - (end - q));
		return _mm_loadu_si128((const __m128i *)(const void *)(end - 16));
	}
	unsigned char pad[16] = {0};
	memcpy(pad, q, (size_t)(end - q));
	return _mm_loadu_si128((const __m128i *)(const void *)pad);
}

#define MASK(x) ((unsigned)_mm_movemask_epi8(x))

/* Bytes a..b (both below 0x80: the bytes from 0x80 compare as negative). */
static inline __m128i in_range(__m128i v, char a, char b)
{
	return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(a - 1))),
			     _mm_cmplt_epi8(v, _mm_set1_epi8((char)(b + 1))));
}

static inline unsigned letters16(__m128i v)
{
	return MASK(in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z'));
}
#endif

/* ---- the key being written --------------------------------------------------------------- */

#define NO_PLAIN SIZE_MAX

struct key {
	char *out;
	size_t cap, len;
	size_t safe;        /* len at the last word boundary: where a key that is full is cut */
	size_t plain_lo;    /* out[plain_lo .. len) began with plain runs after safe was set, and
			     * holds no space but theirs: its last space is the last word boundary
			     * (looked for only when it is needed); NO_PLAIN when there is none */
	int space;          /* white space since the last token */
	int full;           /* a token did not fit: the key ends */
	int slow;           /* a plain run did not fit: token by token from here on */
	cp not_plain;       /* a word plain_end() found not plain (where the last run stopped) */
	cp text;            /* the reason */
	cp local_fail;      /* no bare address starts before this byte */
	cp run_p, run_q;    /* the last word scanned, [run_p, run_q): read again after a
			     * number in it became a placeholder (it holds no ID then: a word
			     * that does is one <id>) */
	char ml[12];        /* the first multi-line reply prefix ("550" + "5.7.1") */
	size_t ml_len;
};

/* The last word boundary: safe, or the last space of the plain runs after it. */
static size_t last_boundary(struct key *k)
{
	if (k->plain_lo != NO_PLAIN) {
		for (size_t i = k->len; i > k->plain_lo; i--)
			if (k->out[i - 1] == ' ') {
				k->safe = i - 1;
				break;
			}
		k->plain_lo = NO_PLAIN;
	}
	return k->safe;
}

/* Room for a token of n bytes (and the space before it): @return where to write it, or NULL
 * when it does not fit (the key is then full). */
static inline char *reserve(struct key *k, size_t n)
{
	if (k->full)
		return NULL;
	const size_t sp = k->space && k->len != 0;
	if (n + sp > k->cap - k->len) {
		k->full = 1;
		return NULL;
	}
	if (sp) {
		k->safe = k->len;
		k->plain_lo = NO_PLAIN;
		k->out[k->len++] = ' ';
	}
	k->space = 0;
	char *w = k->out + k->len;
	k->len += n;
	return w;
}

/* memcpy(w, s, n) for the short tokens of a key: overlapping loads and stores inside both
 * buffers, no call. */
static inline void copy_bytes(char *w, const void *src, size_t n)
{
	const unsigned char *s = src;
	if (n > 32) {
		memcpy(w, s, n);
	} else if (n > 16) {
		unsigned char a[16], b[16];
		memcpy(a, s, 16);
		memcpy(b, s + n - 16, 16);
		memcpy(w, a, 16);
		memcpy(w + n - 16, b, 16);
	} else if (n >= 8) {
		uint64_t a, b;
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(w, &a, 8);
		memcpy(w + n - 8, &b, 8);
	} else if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		memcpy(w, &a, 4);
		memcpy(w + n - 4, &b, 4);
	} else if (n > 0) {
		const unsigned char a = s[0], b = s[n >> 1], c = s[n - 1];
		w[0] = (char)a;
		w[n >> 1] = (char)b;
		w[n - 1] = (char)c;
	}
}

static inline void put(struct key *k, const void *s, size_t n)
{
	char *w = reserve(k, n);
	if (w != NULL)
		copy_bytes(w, s, n);
}
#define PUT(k, lit) put((k), (lit), sizeof(lit) - 1)

static void put_lower(struct key *k, cp s, size_t n)
{
	char *w = reserve(k, n);
	if (w != NULL)
		pft_ascii_lower_copy(w, (const char *)s, n);
}

/* The key so far ends with the word lit (at its start or after a space), and white space
 * followed it in the text. */
static inline int after_word_n(const struct key *k, const char *lit, size_t n)
{
	return k->space && k->len >= n && k->out[k->len - 1] == lit[n - 1] &&
	       memcmp(k->out + k->len - n, lit, n) == 0 &&
	       (k->len == n || k->out[k->len - n - 1] == ' ');
}
#define after_word(k, lit) after_word_n((k), (lit), sizeof(lit) - 1)

/* ---- literals ---------------------------------------------------------------------------- */

/* "IPv6:" (any case) at p, 5 bytes readable. */
static inline int is_ipv6_tag(cp p)
{
	return lower_word(p, 4) == W4('i', 'p', 'v', '6' | 0x20) && p[3] == '6' && p[4] == ':';
}

/* 1..3 digits at p: @return the byte after them, or NULL. */
static inline cp digits3(cp p, cp end)
{
	const ptrdiff_t n = end - p;
	if (n < 1 || !is_digit(p[0]))
		return NULL;
	if (n < 2 || !is_digit(p[1]))
		return p + 1;
	if (n < 3 || !is_digit(p[2]))
		return p + 2;
	return n >= 4 && is_digit(p[3]) ? NULL : p + 3;
}

/* a.b.c.d at p (1..3 digits each): @return the byte after it, or NULL. */
static cp ipv4(cp p, cp end)
{
	for (int i = 0; i < 4; i++) {
		if (i > 0) {
			if (p >= end || *p != '.')
				return NULL;
			p++;
		}
		p = digits3(p, end);
		if (p == NULL)
			return NULL;
	}
	return p;
}

/* Whether `groups` hex groups (with or without a "::") make an IPv6 address: eight, or
 * fewer with "::" (and more than a bare "x::"), so that "10:22:33" or a MAC address is none. */
static int ipv6_complete(cp p, int groups, int dcolon)
{
	return dcolon ? groups >= 1 && groups <= 7 && (groups >= 2 || p[0] == ':') : groups == 8;
}

/* The longest IPv6 address at p (hex groups, one "::", an IPv4 tail, a %zone) whose last
 * group is not glued to a letter or digit: @return the byte after it, or NULL. The longest,
 * not all or nothing: "::a:92001" is "::a" and ":92001", as its key "<ip>:<n>" reads back. */
static cp ipv6(cp p, cp end)
{
	cp q = p, best = NULL;
	int groups = 0, dcolon = 0;
	if (end - q >= 2 && q[0] == ':' && q[1] == ':') {
		dcolon = 1;
		q += 2;
	}
	for (;;) {
		cp g = q;
		while (q < end && q - g < 5 && is_hex(*q))
			q++;
		if (q == g || q - g > 4)
			break;
		if (q < end && *q == '.' && groups <= 6) { /* ::ffff:192.0.2.1 */
			cp v4 = ipv4(g, end);
			if (v4 != NULL && (v4 == end || !(is_alnum(*v4) || *v4 == '_'))) {
				if (ipv6_complete(p, groups + 2, dcolon))
					best = v4;
				break;
			}
		}
		if (q < end && (is_alnum(*q) || *q == '_'))
			break; /* "db8x": no group */
		if (++groups > 8)
			break;
		if (ipv6_complete(p, groups, dcolon))
			best = q;
		if (end - q >= 2 && q[0] == ':' && q[1] == ':') {
			if (dcolon)
				break;
			dcolon = 1;
			q += 2;
			if (ipv6_complete(p, groups, dcolon))
				best = q; /* "2001:db8::" ends one, whatever follows */
			continue;
		}
		if (end - q >= 2 && q[0] == ':' && is_hex(q[1])) {
			q++;
			continue;
		}
		break;
	}
	if (best == NULL)
		return NULL;
	if (end - best >= 2 && best[0] == '%' && is_alnum(best[1])) {
		best++;
		while (best < end && is_alnum(*best))
			best++;
	}
	return best;
}

/* An IPv6 address can start here: a hex digit with a ':' within its first five bytes, or
 * "::". A cheap test before ipv6(). */
static cp ipv6_at(cp p, cp end)
{
	if (*p == ':') {
		if (end - p < 3 || p[1] != ':')
			return NULL;
	} else {
		cp q = p;
		while (q < end && q - p < 5 && is_hex(*q))
			q++;
		if (q == end || *q != ':')
			return NULL;
	}
	return ipv6(p, end);
}

/* "[ADDR]" or "[IPv6:ADDR]", and the ":PORT" after it: @return the byte after, or NULL. */
static cp bracket_ip(cp p, cp end)
{
	cp q = p + 1;
	if (end - q >= 5 && is_ipv6_tag(q))
		q += 5;
	cp r = ipv4(q, end);
	if (r == NULL || r == end || *r != ']')
		r = ipv6(q, end);
	if (r == NULL || r == end || *r != ']')
		return NULL;
	r++;
	if (end - r >= 2 && r[0] == ':' && is_digit(r[1])) {
		r++;
		while (r < end && is_digit(*r))
			r++;
	}
	return r;
}

/* An enhanced status code X.Y.Z (X = 2, 4, 5) at p that ends a token: @return the byte after
 * it, or NULL. */
static cp dsn(cp p, cp end)
{
	if (end - p < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.')
		return NULL;
	cp q = digits3(p + 2, end);
	if (q == NULL || q == end || *q != '.')
		return NULL;
	q = digits3(q + 1, end);
	if (q == NULL)
		return NULL;
	if (q < end && (is_alnum(*q) || (*q == '.' && end - q >= 2 && is_alnum(q[1]))))
		return NULL;
	return q;
}

/* An ISO 8601 date at p, with the time that may follow ("2024-05-01T12:34:56.789Z",
 * "2024-05-01 12:34:56 +0200"): @return the byte after it, or NULL. The time and offset come
 * with it even after a space: the key's "<n>" stands for all of it. */
static cp date_time(cp p, cp end)
{
	static const char shape[] = "dddd-dd-dd";
	if (end - p < 10 || p[4] != '-' || p[7] != '-')
		return NULL;
	for (int i = 0; i < 10; i++)
		if (shape[i] == 'd' ? !is_digit(p[i]) : p[i] != '-')
			return NULL;
	cp q = p + 10;
	if (end - q >= 6 && (q[0] == 'T' || q[0] == ' ') && is_digit(q[1]) && is_digit(q[2]) &&
	    q[3] == ':' && is_digit(q[4]) && is_digit(q[5])) {
		q += 6;
		if (end - q >= 3 && q[0] == ':' && is_digit(q[1]) && is_digit(q[2]))
			q += 3;
		if (end - q >= 2 && (q[0] == '.' || q[0] == ',') && is_digit(q[1])) {
			q++;
			while (q < end && is_digit(*q))
				q++;
		}
		if (end - q >= 6 && q[0] == ' ' && (q[1] == '+' || q[1] == '-') && is_digit(q[2]) &&
		    is_digit(q[3]) && is_digit(q[4]) && is_digit(q[5]))
			q++; /* "12:00:00 +0200" */
		if (q < end && *q == 'Z') {
			q++;
		} else if (end - q >= 3 && (q[0] == '+' || q[0] == '-') && is_digit(q[1]) &&
			   is_digit(q[2])) {
			q += 3;
			if (end - q >= 3 && q[0] == ':' && is_digit(q[1]) && is_digit(q[2]))
				q += 3;
			else if (end - q >= 2 && is_digit(q[0]) && is_digit(q[1]))
				q += 2;
		}
	}
	if (q < end && is_alnum(*q))
		return NULL;
	return q;
}

/* ---- words ------------------------------------------------------------------------------- */

/* A word, a run of K_WORD bytes, classified once: bit i of a mask is byte i of the word, for
 * its first 64 bytes. The case of its letters, which only the ID test needs, is classified
 * when it is needed (word_case()). */
struct word_class {
	uint64_t digit, letter, dot;
	unsigned any; /* K_DIGIT, K_DOT, K_ALPHA: held anywhere in the word */
};

/* The end of the word at p, classified into *w. */
static inline cp classify(cp p, cp end, cp text, struct word_class *w)
{
	uint64_t d = 0, l = 0, dot = 0;
	unsigned any_d = 0, any_dot = 0, any_alpha = 0;
	cp q = p;
#if HAVE_SSE2
	for (unsigned off = 0;; off += 16) {
		unsigned sh;
		const __m128i v = load_at(q, end, text, &sh);
		const unsigned md = MASK(in_range(v, '0', '9')) >> sh;
		const unsigned ml = letters16(v) >> sh;
		const unsigned mdot = MASK(_mm_cmpeq_epi8(v, _mm_set1_epi8('.'))) >> sh;
		const unsigned mdash = MASK(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')),
							 _mm_cmpeq_epi8(v, _mm_set1_epi8('_')))) >>
				       sh;
		const unsigned stop = ~(md | ml | mdot | mdash) & 0xFFFFu;
		const unsigned in = stop ? (stop & (0u - stop)) - 1 : 0xFFFFu;
		any_d |= md & in;
		any_dot |= mdot & in;
		any_alpha |= ml & in;
		if (off < 64) {
			d |= (uint64_t)(md & in) << off;
			l |= (uint64_t)(ml & in) << off;
			dot |= (uint64_t)(mdot & in) << off;
		}
		if (stop) {
			q += __builtin_ctz(stop);
			break;
		}
		q += 16;
	}
#else
	(void)text;
	for (; q < end && (cls[*q] & K_WORD); q++) {
		const unsigned c = cls[*q];
		const size_t i = (size_t)(q - p);
		any_d |= c & K_DIGIT;
		any_dot |= *q == '.';
		any_alpha |= c & K_ALPHA;
		if (i < 64) {
			const uint64_t bit = 1ull << i;
			d |= c & K_DIGIT ? bit : 0;
			l |= c & K_ALPHA ? bit : 0;
			dot |= *q == '.' ? bit : 0;
		}
	}
#endif
	w->digit = d;
	w->letter = l;
	w->dot = dot;
	w->any = (any_d ? K_DIGIT : 0u) | (any_dot ? K_DOT : 0u) | (any_alpha ? K_ALPHA : 0u);
	return q;
}

/* The upper-case letters and the hex letters (a-f, A-F) of the n <= 64 bytes at p. */
static void word_case(cp p, size_t n, cp end, cp text, uint64_t *upper, uint64_t *hex)
{
	uint64_t up = 0, hx = 0;
#if HAVE_SSE2
	for (size_t off = 0; off < n; off += 16) {
		unsigned sh;
		const __m128i v = load_at(p + off, end, text, &sh);
		up |= (uint64_t)(MASK(in_range(v, 'A', 'Z')) >> sh) << off;
		const __m128i lowered = _mm_or_si128(v, _mm_set1_epi8(0x20));
		hx |= (uint64_t)(MASK(in_range(lowered, 'a', 'f')) >> sh) << off;
	}
#else
	(void)end;
	(void)text;
	for (size_t i = 0; i < n; i++) {
		const unsigned c = cls[p[i]];
		up |= c & K_UPPER ? 1ull << i : 0;
		hx |= (c & (K_HEX | K_DIGIT)) == K_HEX ? 1ull << i : 0;
	}
#endif
	*upper = up;
	*hex = hx;
}

/* The bits of bytes [0, n), n <= 64. */
static inline uint64_t first_bits(size_t n)
{
	return n >= 64 ? ~0ull : (1ull << n) - 1;
}

/* Top labels that name a file, not a domain ("main.cf", "answer.html"): [p, e) is letters. */
static int file_extension(cp p, cp e)
{
	switch (e - p) {
	case 2: {
		const uint32_t v = lower_word(p, 2);
		return v == W2('c', 'f') || v == W2('d', 'b') || v == W2('g', 'z');
	}
	case 3: {
		const uint32_t v = lower_word(p, 3);
		return v == W3('h', 't', 'm') || v == W3('p', 'h', 'p') || v == W3('t', 'x', 't') ||
		       v == W3('c', 'd', 'b') || v == W3('p', 'e', 'm') || v == W3('c', 'r', 't') ||
		       v == W3('l', 'o', 'g') || v == W3('x', 'm', 'l') || v == W3('c', 'g', 'i') ||
		       v == W3('j', 's', 'p') || v == W3('a', 's', 'p') || v == W3('z', 's', 't') ||
		       v == W3('p', 'i', 'd');
	}
	case 4: {
		const uint32_t v = lower_word(p, 4);
		return v == W4('h', 't', 'm', 'l') || v == W4('c', 'o', 'n', 'f') ||
		       v == W4('l', 'm', 'd', 'b') || v == W4('j', 's', 'o', 'n') ||
		       v == W4('a', 's', 'p', 'x');
	}
	default:
		return 0;
	}
}

enum { NOT_HOST, HOST, HOST_DOT_EXT };

/* Whether the word [p, e) (letters, digits, '.', '-', '_', starting and ending with a letter
 * or digit) is a DNS host name: two or more non-empty labels of at most 63 bytes, a
 * top label of 2..63 letters all of one case. A host name with a file extension after it gives
 * HOST_DOT_EXT and *ext = the '.' before the extension. Byte by byte: for words longer than
 * the masks. */
static int host_shape(cp p, cp e, cp *ext)
{
	if (e - p > 253)
		return NOT_HOST;
	int labels = 0;
	cp label = p, top = p, dot = NULL;
	for (cp q = p;; q++) {
		if (q == e || *q == '.') {
			if (q == label || q - label > 63)
				return NOT_HOST;
			labels++;
			top = label;
			if (q == e)
				break;
			dot = q;
			label = q + 1;
		}
	}
	/* The top label: letters of one case (the AND of their classes keeps K_UPPER or K_LOWER
	 * only then). */
	unsigned all = K_UPPER | K_LOWER;
	for (cp q = top; q < e; q++)
		all &= cls[*q];
	if (all == 0 || e - top < 2)
		return NOT_HOST;
	if (file_extension(top, e)) {
		cp inner;
		if (labels > 2 && host_shape(p, dot, &inner) == HOST) {
			*ext = dot;
			return HOST_DOT_EXT;
		}
		return NOT_HOST;
	}
	return labels >= 2 ? HOST : NOT_HOST;
}

/* host_shape() of the first n <= 64 bytes [p, p + n) of the word classified in w. */
static int host_shape_m(const struct word_class *w, cp p, size_t n, cp *ext)
{
	const uint64_t all = first_bits(n), dots = w->dot & all;
	/* p[0] and p[n - 1] are letters or digits: an empty label has two dots in a row; a
	 * label of 64 bytes is the whole word, one label, no host name either way */
	if (dots == 0 || (dots & dots >> 1) != 0)
		return NOT_HOST;
	const size_t top = (size_t)(64 - __builtin_clzll(dots)); /* after the last dot */
	if (n - top < 2)
		return NOT_HOST;
	unsigned one_case = K_UPPER | K_LOWER; /* letters of one case: the AND keeps one bit */
	for (size_t i = top; i < n; i++)
		one_case &= cls[p[i]];
	if (one_case == 0)
		return NOT_HOST;
	if (file_extension(p + top, p + n)) {
		cp inner;
		if ((dots & (dots - 1)) != 0 && host_shape_m(w, p, top - 1, &inner) == HOST) {
			*ext = p + top - 1;
			return HOST_DOT_EXT;
		}
		return NOT_HOST;
	}
	return HOST;
}

/* Whether the run of letters and digits [p, e) is noise: a queue ID, a hash, a base-52/64
 * token. Words and plain numbers are not. */
static int id_segment(cp p, cp e)
{
	const size_t n = (size_t)(e - p);
	if (n < 5)
		return 0;
	unsigned all = ~0u, any = 0;
	int changes = 0, prev_digit = is_digit(*p) != 0;
	for (cp q = p; q < e; q++) {
		const unsigned c = cls[*q];
		all &= c;
		any |= c;
		const int digit = (c & K_DIGIT) != 0;
		changes += digit != prev_digit;
		prev_digit = digit;
	}
	if (!(any & K_DIGIT) || !(any & (K_UPPER | K_LOWER)))
		return 0;
	if ((all & K_HEX) && !(any & K_LOWER))
		return 1; /* upper-case hex: short queue IDs */
	if ((all & K_HEX) && !(any & K_UPPER) && n >= 8)
		return 1; /* lower-case hex: hashes */
	if (changes >= 3 && n >= 6)
		return 1; /* letters and digits mixed: long queue IDs, server IDs */
	if (n >= 10 && (any & K_UPPER) && (any & K_LOWER))
		return 1; /* base 64 */
	return n >= 16;
}

static int has_id(cp p, cp e)
{
	while (p < e) {
		while (p < e && !is_alnum(*p))
			p++;
		cp s = p;
		while (p < e && is_alnum(*p))
			p++;
		if (id_segment(s, p))
			return 1;
	}
	return 0;
}

/* has_id() of the first n <= 64 bytes of the word classified in w: id_segment() of each run of
 * letters and digits, from the masks. */
static int has_id_m(const struct word_class *w, cp p, size_t n, cp end, cp text)
{
	const uint64_t all = first_bits(n), letters = w->letter & all;
	uint64_t left = (w->digit & all) | letters, upper = 0, hex = 0;
	int cased = 0;
	while (left != 0) {
		const unsigned s = (unsigned)__builtin_ctzll(left);
		const uint64_t from = ~(left >> s);
		const size_t len = from == 0 ? 64 - s : (size_t)__builtin_ctzll(from);
		const uint64_t m = first_bits(len) << s;
		left &= ~m;
		if (len < 5)
			continue;
		if ((w->digit & m) == 0 || (letters & m) == 0)
			continue;
		if (!cased) {
			word_case(p, n, end, text, &upper, &hex);
			cased = 1;
		}
		const uint64_t mu = upper & m, ml = letters & m & ~upper;
		const int all_hex = (m & ~(w->digit | hex)) == 0;
		if (all_hex && ml == 0)
			return 1; /* upper-case hex: short queue IDs */
		if (all_hex && mu == 0 && len >= 8)
			return 1; /* lower-case hex: hashes */
		const uint64_t changes = (w->digit ^ w->digit << 1) & m & m << 1;
		if (len >= 6 && __builtin_popcountll(changes) >= 3)
			return 1; /* letters and digits mixed: long queue IDs, server IDs */
		if (len >= 10 && mu != 0 && ml != 0)
			return 1; /* base 64 */
		if (len >= 16)
			return 1;
	}
	return 0;
}

/* A reply code with its enhanced code, "550 5.7.1" or "550-5.7.1" (p = code, sep = the ' ' or
 * '-', d = the end of the enhanced code). The prefixes a multi-line reply repeats on every
 * line are dropped after the first. */
static void reply(struct key *k, cp p, cp sep, cp d)
{
	const size_t n = (size_t)(d - p), tail = (size_t)(d - sep - 1);
	if (k->ml_len != 0 && k->ml_len == 3 + tail && k->ml[0] == (char)p[0] &&
	    k->ml[1] == (char)p[1] && k->ml[2] == (char)p[2] &&
	    memcmp(k->ml + 3, sep + 1, tail) == 0)
		return;
	if (*sep == '-' && k->ml_len == 0 && 3 + tail <= sizeof k->ml) {
		memcpy(k->ml, p, 3);
		memcpy(k->ml + 3, sep + 1, tail);
		k->ml_len = 3 + tail;
	}
	if (*sep == ' ')
		(void)last_boundary(k); /* the space in the token is no word boundary */
	put(k, p, n);
}

/* A reply code with its enhanced code at p ("550 5.1.1", "452-4.2.2") whose word ends with
 * it: @return the end of the enhanced code, or NULL. The replies of remote servers repeat
 * these on every line, and the word-by-word path (classify(), word(), walk(), number()) reads
 * each three times to come to the same reply(): a word that ends with the enhanced code holds
 * no address (the byte after it continues no local part), no NAME[ADDR], no URL scheme and no
 * date, so that number() takes its reply code whole. */
static inline cp reply_word(cp p, cp end)
{
	if (end - p < 9 || p[0] < '2' || p[0] > '5' || !is_digit(p[1]) || !is_digit(p[2]) ||
	    (p[3] != ' ' && p[3] != '-'))
		return NULL;
	const cp d = dsn(p + 4, end);
	if (d == NULL || (p[3] == '-' && d < end && ((cls[*d] & K_LOCAL) || *d == '@' || *d == '[')))
		return NULL; /* "452-4.2.2-x": the word goes on */
	return d;
}

/* What a number at p (a digit at the start of a segment of the word [.., run_e)) becomes. */
enum num_kind {
	NUM_KEPT,  /* written as it is: an enhanced code, a reply code where a reply starts,
		    * digits glued to letters ("300s", "5xx") */
	NUM_REPLY, /* a reply code with its enhanced code: reply() */
	NUM_DATE,  /* <n> */
	NUM_IP,    /* <ip> */
	NUM_N      /* <n> */
};

static enum num_kind number(const struct key *k, cp p, cp run_e, cp end, int at_start,
			    cp *after)
{
	cp q = date_time(p, end);
	if (q != NULL) {
		*after = q;
		return NUM_DATE;
	}
	q = p;
	while (q < run_e && is_digit(*q))
		q++;
	if (q < run_e && is_alpha(*q)) {
		while (q < run_e && is_alnum(*q))
			q++;
		*after = q;
		return NUM_KEPT;
	}
	int groups = 1;
	size_t widest = (size_t)(q - p);
	while (run_e - q >= 2 && *q == '.' && is_digit(q[1])) {
		cp g = q + 1, h = g;
		while (h < run_e && is_digit(*h))
			h++;
		if (h < run_e && is_alpha(*h))
			break;
		groups++;
		if ((size_t)(h - g) > widest)
			widest = (size_t)(h - g);
		q = h;
	}
	*after = q;
	if (groups == 1 && q - p == 3 && p[0] >= '2' && p[0] <= '5') {
		/* A reply code: with an enhanced code after it, or where a reply starts. */
		if (q < end && (*q == ' ' || *q == '-')) {
			cp d = dsn(q + 1, end);
			if (d != NULL) {
				*after = d;
				return NUM_REPLY;
			}
		}
		if (at_start && (k->len == 0 || (k->space && k->out[k->len - 1] == ':')) &&
		    (q == end || *q == ' ' || *q == '-'))
			return NUM_KEPT;
	}
	if (groups == 3 && dsn(p, end) == q)
		return NUM_KEPT;
	return groups == 4 && widest <= 3 ? NUM_IP : NUM_N;
}

/* A byte that may follow the port of a URL: its path, query or fragment, or what ends it. */
static inline int ends_port(unsigned c)
{
	switch (c) {
	case '/': case '?': case '#': case '"': case '\'': case '`': case '<': case '>': case ')':
	case ',': case ';': case '.': case ']':
		return 1;
	default:
		return 0;
	}
}

/* A URL at p, whose scheme is [p, scheme_e) ("http", before "://"): the scheme and the host
 * are written lower-cased, with the port; what follows is read as any text (the path and
 * query hold words, numbers and IDs like the rest of a reason). @return the byte after the
 * host or port. */
static cp url(struct key *k, cp p, cp scheme_e, cp end)
{
	cp h = scheme_e + 3, he = h;
	while (he < end && (cls[*he] & K_WORD))
		he++;
	while (he > h && !is_alnum(he[-1]))
		he--;
	/* The host: a name (kept), or an address (<ip>; the placeholder itself in a key). */
	cp r = he;
	int ip_host = he > h && ipv4(h, he) == he;
	if (!ip_host && end - h >= 4 && memcmp(h, "<ip>", 4) == 0) {
		ip_host = 1;
		r = h + 4;
	} else if (!ip_host && he == h && h < end && *h == '[') { /* http://[2001:db8::1]/ */
		cp b = bracket_ip(h, end);
		if (b != NULL) {
			ip_host = 1;
			r = b;
		}
	}
	if (ip_host) {
		const size_t n = (size_t)(h - p);
		char *w = reserve(k, n + 4);
		if (w != NULL) {
			pft_ascii_lower_copy(w, (const char *)p, n);
			memcpy(w + n, "<ip>", 4);
		}
	} else {
		put_lower(k, p, (size_t)(he - p));
	}
	/* A port, when the path, the query or the end of the URL follows it. */
	if (end - r >= 2 && r[0] == ':' && is_digit(r[1])) {
		cp q = r + 1;
		while (q < end && is_digit(*q))
			q++;
		if (q == end || (cls[*q] & K_SPACE) || ends_port(*q)) {
			put(k, r, (size_t)(q - r));
			r = q;
		}
	}
	return r;
}

/* A host name [p, e): "<host>", or the name itself (lower-cased) where it is the cause. */
static void put_host(struct key *k, cp p, cp e)
{
	if (after_word(k, "blocked using"))
		put_lower(k, p, (size_t)(e - p)); /* the DNSBL zone */
	else
		PUT(k, "<host>");
}

static int is_scheme(cp p, cp e, cp end)
{
	if (end - e < 3 || e[0] != ':' || e[1] != '/' || e[2] != '/')
		return 0;
	switch (e - p) { /* [p, e) is letters, digits, '.', '-', '_': bit 5 lowers exactly */
	case 3:
		return lower_word(p, 3) == W3('f', 't', 'p');
	case 4:
		return lower_word(p, 4) == W4('h', 't', 't', 'p');
	case 5:
		return lower_word(p, 4) == W4('h', 't', 't', 'p') && (p[4] | 0x20) == 's';
	default:
		return 0;
	}
}

/* Part [s, q) of a word between the numbers that become placeholders: in the key it is a
 * word of its own, so it is read as one (a host name, a URL scheme when it ends the word)
 * unless `whole` (it is the whole word, already read). */
static cp stretch(struct key *k, cp s, cp q, cp end, int whole)
{
	cp a = s;
	while (a < q && !is_alnum(*a))
		a++;
	if (a > s)
		put(k, s, (size_t)(a - s));
	if (a == q)
		return q;
	cp e = q;
	while (!is_alnum(e[-1]))
		e--;
	if (!whole) {
		if (e == q && (q == end || !(cls[*q] & K_WORD)) && is_scheme(a, e, end))
			return url(k, a, e, end);
		cp ext = NULL;
		switch (host_shape(a, e, &ext)) {
		case HOST:
			put_host(k, a, e);
			a = e;
			break;
		case HOST_DOT_EXT:
			PUT(k, "<host>");
			a = ext;
			break;
		default:
			break;
		}
	}
	if (q > a)
		put(k, a, (size_t)(q - a));
	return q;
}

/* A word [p, e) that is no host name and holds no ID: its letters are kept, and so are the
 * numbers up to the first one that becomes a placeholder. What follows that number is read
 * afresh, as the key will read it (in the key a placeholder ends the word). */
static cp walk(struct key *k, cp p, cp e, cp end)
{
	for (cp q = p; q < e;) {
		if (!is_digit(*q) || (q > p && is_alnum(q[-1]))) {
			q++;
			continue;
		}
		cp after;
		const enum num_kind kind = number(k, q, e, end, q == p, &after);
		if (kind == NUM_KEPT) {
			q = after;
			continue;
		}
		if (q > p && stretch(k, p, q, end, 0) != q)
			return end; /* unreachable: a stretch before a number is no URL */
		switch (kind) {
		case NUM_REPLY:
			reply(k, q, q + 3, after);
			break;
		case NUM_IP:
			PUT(k, "<ip>");
			break;
		default:
			PUT(k, "<n>");
			break;
		}
		return after;
	}
	return stretch(k, p, e, end, 1);
}

/* The word [p, q) at p (a letter or digit), classified in w: a URL, NAME[ADDR], a host name, an
 * ID, or words and numbers. rest: p is inside the last word scanned (after a number of it
 * became a placeholder), which holds no ID then. */
static cp word(struct key *k, cp p, cp q, int rest, const struct word_class *w, cp end)
{
	cp e = q;
	while (!is_alnum(e[-1]))
		e--;
	if (e == q && is_scheme(p, e, end))
		return url(k, p, e, end);
	if (e == q && q < end && *q == '[') { /* Postfix's NAME[ADDR]:PORT */
		cp r = bracket_ip(q, end);
		if (r != NULL) {
			PUT(k, "<host>");
			return r;
		}
	}
	const size_t n = (size_t)(e - p);
	if (!(w->any & K_ALPHA)) /* digits, '.', '-', '_': no host name, no ID */
		return walk(k, p, e, end);
	cp ext = NULL;
	switch (!(w->any & K_DOT) ? NOT_HOST
		: n <= 64	  ? host_shape_m(w, p, n, &ext)
				  : host_shape(p, e, &ext)) {
	case HOST:
		put_host(k, p, e);
		return e;
	case HOST_DOT_EXT:
		PUT(k, "<host>");
		return ext;
	default:
		break;
	}
	if (!(w->any & K_DIGIT)) { /* words: no ID, no number */
		put(k, p, n);
		return e;
	}
	if (!rest && (n <= 64 ? has_id_m(w, p, n, end, k->text) : has_id(p, e))) {
		PUT(k, "<id>");
		return e;
	}
	return walk(k, p, e, end);
}

/* '<' at p: "<>", "<ADDRESS>" (anything with an '@' inside, no white space), or a '<'. The
 * look-ahead stops at '>', '<' or white space, or 257 bytes after p. */
static cp angle(struct key *k, cp p, cp end)
{
	cp q = p + 1, first_at = NULL, last_at = NULL;
	const cp limit = end - q > 256 ? q + 256 : end;
#if HAVE_SSE2
	for (;;) {
		unsigned sh;
		const __m128i v = load_at(q, end, k->text, &sh);
		const __m128i stops = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('>')),
				     _mm_cmpeq_epi8(v, _mm_set1_epi8('<'))),
			_mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)), v),
				     _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))));
		unsigned stop = MASK(stops) >> sh;
		unsigned at = MASK(_mm_cmpeq_epi8(v, _mm_set1_epi8('@'))) >> sh;
		if (limit - q < 16)
			stop |= ~0u << (limit - q);
		stop &= 0xFFFFu;
		at &= stop ? (stop & (0u - stop)) - 1 : 0xFFFFu;
		if (at != 0) {
			if (first_at == NULL)
				first_at = q + __builtin_ctz(at);
			last_at = q + 31 - __builtin_clz(at);
		}
		if (stop) {
			q += __builtin_ctz(stop);
			break;
		}
		q += 16;
	}
#else
	while (q < limit && *q != '>' && *q != '<' && !(cls[*q] & K_SPACE)) {
		if (*q == '@') {
			if (first_at == NULL)
				first_at = q;
			last_at = q;
		}
		q++;
	}
#endif
	if (q < end && *q == '>') {
		if (q == p + 1) {
			PUT(k, "<>");
			return q + 1;
		}
		if (first_at != NULL && (first_at > p + 1 || last_at + 1 < q)) {
			PUT(k, "<addr>");
			return q + 1;
		}
	}
	PUT(k, "<");
	return p + 1;
}

/* ---- plain text -------------------------------------------------------------------------- */

/* Punctuation that may be inside a plain word ("e-mail", "recipient's", " - "): it may be in
 * the local part of an address, but nowhere else in a word of letters does it change how the
 * word reads. A plain word ends with a space, K_INERT, ": " or ". ", never with '@', so that
 * the local part it could start is no address's. */
static inline int in_plain_word(unsigned c)
{
	return (cls[c] & (K_LOCAL | K_ALNUM)) == K_LOCAL && c != '.';
}

/* The plain run at p (a letter or K_INERT): text that is its own key, so that it is copied
 * whole. Words of ASCII letters (and in_plain_word() punctuation), single spaces, K_INERT
 * punctuation, and ':' or '.' before a space or the end of the text: none of them reads as
 * anything but itself, in any order (a word of letters is no host name, ID or number; ". " and
 * ": " start no address, IPv6 address or URL; K_INERT ends a word as a space does), as long
 * as the word of letters that ends the run is ended by one of them too. It never ends with a
 * space. @return its end (p when there is none).
 *
 * 16 bytes at a time: letters and spaces from the masks; each other byte (a bit of `bad`) is
 * looked at alone, and the run goes on past the punctuation it may hold. */
static cp plain_end(cp p, cp end, cp text)
{
	cp q = p, word = p; /* word: after the last space or punctuation, where a word starts */
#if HAVE_SSE2
	unsigned carry = 0; /* the byte before q is a space */
	for (;; q += 16) {
		unsigned sh;
		const __m128i v = load_at(q, end, text, &sh);
		const unsigned sp = MASK(_mm_cmpeq_epi8(v, _mm_set1_epi8(' '))) >> sh;
		/* the bits past the end are bad: the run stops there at the latest */
		unsigned bad = (~(letters16(v) >> sh | sp) | (sp & (sp << 1 | carry))) & 0xFFFFu;
		unsigned cut = sp; /* spaces and punctuation: the bytes that end words */
		for (; bad != 0; bad &= bad - 1) {
			const unsigned i = (unsigned)__builtin_ctz(bad);
			const cp b = q + i;
			if (b < end) {
				const unsigned c = *b;
				if ((cls[c] & K_INERT) ||
				    ((c == ':' || c == '.') && (end - b == 1 || b[1] == ' '))) {
					cut |= 1u << i;
					continue;
				}
				if (in_plain_word(c))
					continue;
			}
			cut &= (1u << i) - 1;
			if (cut)
				word = q + 32 - __builtin_clz(cut);
			q = b;
			goto stop;
		}
		if (cut)
			word = q + 32 - __builtin_clz(cut);
		carry = sp >> 15;
	}
stop:
#else
	(void)text;
	for (; q < end; q++) {
		const unsigned c = *q;
		if ((cls[c] & K_ALPHA) || in_plain_word(c))
			continue;
		if (c == ' ' ? q[-1] == ' '
			     : !((cls[c] & K_INERT) ||
				 ((c == ':' || c == '.') && (end - q == 1 || q[1] == ' '))))
			break;
		word = q + 1;
	}
#endif
	/* the last word goes on, or ends with what is not plain */
	if (q < end && ((cls[q[-1]] & K_ALPHA) || in_plain_word(q[-1])))
		q = word;
	if (q > p && q[-1] == ' ')
		q--;
	return q;
}

/* A bare address LOCAL@DOMAIN at p: @return the byte after it, or NULL. */
static cp bare_addr(struct key *k, cp p, cp end)
{
	cp q = p;
	while (q < end && q - p < 128 && (cls[*q] & K_LOCAL))
		q++;
	if (q > p && end - q >= 2 && *q == '@') {
		cp d = q + 1, e = d;
		if (*d == '[') { /* an address literal: [192.0.2.1], [IPv6:2001:db8::1] */
			cp lit = d + 1;
			if (end - lit >= 5 && is_ipv6_tag(lit))
				lit += 5;
			cp r = ipv4(lit, end);
			if (r == NULL || r == end || *r != ']')
				r = ipv6(lit, end);
			if (r != NULL && r < end && *r == ']')
				return r + 1;
		} else if (is_alnum(*d)) {
			while (e < end && (cls[*e] & K_WORD))
				e++;
			while (!is_alnum(e[-1]))
				e--;
			return e;
		}
	}
	k->local_fail = q; /* a start inside [p, q) runs to q as well */
	return NULL;
}

/* local(8)'s quoted local part at p ("unknown user: \"bob\""): @return the byte after the
 * closing quote, or NULL. */
static cp quoted(cp p, cp end)
{
	cp q = p + 1;
	while (q < end && q - p <= 256 && *q != '"' && !(cls[*q] & K_SPACE))
		q++;
	return q < end && *q == '"' && q > p + 1 ? q + 1 : NULL;
}

size_t pft_reason_key(const char *text, size_t len, char *out, size_t cap)
{
	if (len == 0)
		return 0;
	struct key k;
	memset(&k, 0, sizeof k);
	k.out = out;
	k.cap = cap;
	k.plain_lo = NO_PLAIN;
	cp p = (cp)text;
	const cp end = p + len;
	k.text = k.local_fail = k.run_p = k.run_q = p;
	while (p < end && !k.full) {
		unsigned c = *p, cl = cls[c];
		if (cl & K_SPACE) {
			k.space = 1;
			do
				p++;
			while (p < end && (cls[*p] & K_SPACE));
			if (p == end)
				break;
			c = *p;
			cl = cls[c];
		}
		if ((cl & (K_ALPHA | K_INERT)) && !k.slow && p != k.not_plain) {
			const cp r = plain_end(p, end, k.text);
			k.not_plain = r;
			if (r > p) {
				const size_t n = (size_t)(r - p), sp = k.space && k.len != 0;
				if (n + sp <= k.cap - k.len) {
					if (sp) {
						k.safe = k.len;
						k.out[k.len++] = ' ';
						k.plain_lo = k.len;
					} else if (k.plain_lo == NO_PLAIN) {
						k.plain_lo = k.len;
					}
					k.space = 0;
					copy_bytes(k.out + k.len, p, n);
					k.len += n;
					p = r;
					/* One space after it, before a word that is not plain
					 * (else the run would go on): taken here, and that word
					 * is not tried again. */
					if (end - r >= 2 && r[0] == ' ' && !(cls[r[1]] & K_SPACE)) {
						k.space = 1;
						p = k.not_plain = r + 1;
					}
					continue;
				}
				k.slow = 1; /* the key is about full: token by token, to cut it
					     * right */
			}
		}
		if (c >= 0x80) {
			const size_t n = pft_utf8_len(p, (size_t)(end - p));
			if (n == 0)
				PUT(&k, "?");
			else
				put(&k, p, n);
			p += n != 0 ? n : 1;
			continue;
		}
		cp r = NULL;
		if (c == '<') {
			p = angle(&k, p, end);
			continue;
		}
		if (c == '[') {
			r = bracket_ip(p, end);
			if (r != NULL) {
				PUT(&k, "<ip>");
				p = r;
			} else {
				PUT(&k, "[");
				p++;
			}
			continue;
		}
		if (c == '"' && after_word(&k, "user:") && (r = quoted(p, end)) != NULL) {
			PUT(&k, "\"<addr>\"");
			p = r;
			continue;
		}
		if ((cl & K_DIGIT) && (r = reply_word(p, end)) != NULL) {
			reply(&k, p, p + 3, r);
			p = r;
			continue;
		}
		if (cl & K_ALNUM) {
			/* An address or an IPv6 address goes on past the word: only then is it
			 * looked for (the local part of an address holds all of the word). The word
			 * is read again when p is inside the last one, after a number of it. */
			struct word_class w;
			const int rest = p > k.run_p && p < k.run_q;
			const cp q = classify(p, end, k.text, &w);
			if (!rest) {
				k.run_p = p;
				k.run_q = q;
			}
			if (q < end && (*q == '@' || (cls[*q] & K_LOCAL)) && p >= k.local_fail &&
			    (r = bare_addr(&k, p, end)) != NULL) {
				PUT(&k, "<addr>");
				p = r;
				continue;
			}
			if ((cl & K_HEX) && q < end && *q == ':' && (r = ipv6_at(p, end)) != NULL) {
				PUT(&k, "<ip>");
				p = r;
				continue;
			}
			p = word(&k, p, q, rest, &w, end);
			continue;
		}
		if ((cl & K_LOCAL) && p >= k.local_fail && (r = bare_addr(&k, p, end)) != NULL) {
			PUT(&k, "<addr>");
			p = r;
			continue;
		}
		if (c == ':' && (r = ipv6_at(p, end)) != NULL) {
			PUT(&k, "<ip>");
			p = r;
			continue;
		}
		put(&k, p, 1);
		p++;
	}
	/* A key that is full is cut after its last whole word: a word cut short could read
	 * differently (the key of the key would differ). One word longer than cap gives no key. */
	return k.full ? last_boundary(&k) : k.len;
}
