/* pftally bench — the reference reason key: src/parse/reason.c as of commit 8e3cbb3, before the
 * one-pass rewrite, renamed pft_reason_key_ref (bench_reason.c compares the two).
 *
 * pftally — reason normalisation (the rules are in reason.h).
 *
 * One pass over the text, left to right, with look-aheads bounded by a constant or by the
 * token they end up consuming, so the whole is O(len). The key is written token by token and a
 * token is written whole or not at all. What decides a token from the left (": " before a
 * reply code, "blocked using " before a DNSBL zone, "user: " before a quoted local part) is
 * read from the key written so far, not from the input, and every token the key holds
 * (placeholders included) reads back as itself: that makes the key of a key the key. */
#include "parse/reason.h"
size_t pft_reason_key_ref(const char *text, size_t len, char *out, size_t cap);

#include <stdint.h>
#include <string.h>

#include "common/utf8.h"

typedef const unsigned char *cp;

/* ---- byte classes ------------------------------------------------------------------------ */

#define K_DIGIT 0x01u
#define K_UPPER 0x02u
#define K_LOWER 0x04u
#define K_HEX 0x08u   /* 0-9 a-f A-F */
#define K_WORD 0x10u  /* letters, digits, '.', '-', '_': a host name, an ID or a number */
#define K_LOCAL 0x20u /* may be in the local part of a bare address */
#define K_SPACE 0x40u /* white space and control bytes: they separate words */
#define K_ALNUM (K_DIGIT | K_UPPER | K_LOWER)

#define IN(c, a, b) ((c) >= (a) && (c) <= (b))
#define CLASS(c)                                                                                  \
	((IN(c, '0', '9') ? K_DIGIT | K_HEX | K_WORD | K_LOCAL : 0u) |                           \
	 (IN(c, 'A', 'Z') ? K_UPPER | K_WORD | K_LOCAL : 0u) |                                    \
	 (IN(c, 'a', 'z') ? K_LOWER | K_WORD | K_LOCAL : 0u) |                                    \
	 (IN(c, 'a', 'f') || IN(c, 'A', 'F') ? K_HEX : 0u) |                                      \
	 ((c) == '.' || (c) == '-' || (c) == '_' ? K_WORD | K_LOCAL : 0u) |                         \
	 ((c) == '%' || (c) == '+' || (c) == '!' || (c) == '$' || (c) == '\'' || (c) == '*' ||     \
	  (c) == '^' || (c) == '`' || (c) == '~' ? K_LOCAL : 0u) |                                 \
	 ((c) <= 0x20 || (c) == 0x7F ? K_SPACE : 0u))
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
	return cls[c & 0xFF] & (K_UPPER | K_LOWER);
}
static inline int is_alnum(unsigned c)
{
	return cls[c & 0xFF] & K_ALNUM;
}
static inline int is_hex(unsigned c)
{
	return cls[c & 0xFF] & K_HEX;
}
static inline unsigned char lower(unsigned char c)
{
	return cls[c] & K_UPPER ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* [p, e) equals the lower-case word w (of n bytes), ignoring case. */
static int word_is_n(cp p, cp e, const char *w, size_t n)
{
	if ((size_t)(e - p) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower(p[i]) != (unsigned char)w[i])
			return 0;
	return 1;
}
#define word_is(p, e, lit) word_is_n((p), (e), (lit), sizeof(lit) - 1)

/* ---- the key being written --------------------------------------------------------------- */

struct key {
	char *out;
	size_t cap, len;
	size_t safe;        /* len at the last word boundary: where a key that is full is cut */
	int space;          /* white space since the last token */
	int full;           /* a token did not fit: the key ends */
	cp local_fail;      /* no bare address starts before this byte */
	cp run_p, run_q;    /* the last word scanned, [run_p, run_q): read again after a
			     * number in it became a placeholder (it holds no ID then: a word
			     * that does is one <id>); keeping its end makes that O(1) */
	char ml[12];        /* the first multi-line reply prefix ("550" + "5.7.1") */
	size_t ml_len;
};

/* Room for a token of n bytes (and the space before it): @return where to write it, or NULL
 * when it does not fit (the key is then full). */
static char *reserve(struct key *k, size_t n)
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
		k->out[k->len++] = ' ';
	}
	k->space = 0;
	char *w = k->out + k->len;
	k->len += n;
	return w;
}

static void put(struct key *k, const void *s, size_t n)
{
	char *w = reserve(k, n);
	if (w != NULL)
		memcpy(w, s, n);
}
#define PUT(k, lit) put((k), (lit), sizeof(lit) - 1)

static void put_lower(struct key *k, cp s, size_t n)
{
	char *w = reserve(k, n);
	if (w != NULL)
		for (size_t i = 0; i < n; i++)
			w[i] = (char)lower(s[i]);
}

/* The key so far ends with the word lit (at its start or after a space), and white space
 * followed it in the text. */
static int after_word_n(const struct key *k, const char *lit, size_t n)
{
	return k->space && k->len >= n && memcmp(k->out + k->len - n, lit, n) == 0 &&
	       (k->len == n || k->out[k->len - n - 1] == ' ');
}
#define after_word(k, lit) after_word_n((k), (lit), sizeof(lit) - 1)

/* ---- literals ---------------------------------------------------------------------------- */

/* 1..3 digits at p: @return the byte after them, or NULL. */
static cp digits3(cp p, cp end)
{
	cp q = p;
	while (q < end && q - p < 4 && is_digit(*q))
		q++;
	return q == p || q - p > 3 ? NULL : q;
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
	if (end - q >= 5 && word_is(q, q + 4, "ipv6") && q[4] == ':')
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
	if (end - p < 10)
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

/* Top labels that name a file, not a domain ("main.cf", "answer.html"). */
static int file_extension(cp p, cp e)
{
	switch (e - p) {
	case 2:
		return word_is(p, e, "cf") || word_is(p, e, "db") || word_is(p, e, "gz");
	case 3:
		return word_is(p, e, "htm") || word_is(p, e, "php") || word_is(p, e, "txt") ||
		       word_is(p, e, "cdb") || word_is(p, e, "pem") || word_is(p, e, "crt") ||
		       word_is(p, e, "log") || word_is(p, e, "xml") || word_is(p, e, "cgi") ||
		       word_is(p, e, "jsp") || word_is(p, e, "asp") || word_is(p, e, "zst") ||
		       word_is(p, e, "pid");
	case 4:
		return word_is(p, e, "html") || word_is(p, e, "conf") || word_is(p, e, "lmdb") ||
		       word_is(p, e, "json") || word_is(p, e, "aspx");
	default:
		return 0;
	}
}

enum { NOT_HOST, HOST, HOST_DOT_EXT };

/* Whether the word [p, e) (letters, digits, '.', '-', '_', starting and ending with a letter
 * or digit) is a DNS host name: two or more non-empty labels of at most 63 bytes, a
 * top label of 2..63 letters all of one case. A host name with a file extension after it gives
 * HOST_DOT_EXT and *ext = the '.' before the extension. */
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

/* A reply code with its enhanced code, "550 5.7.1" or "550-5.7.1" (p = code, sep = the ' ' or
 * '-', d = the end of the enhanced code). The prefixes a multi-line reply repeats on every
 * line are dropped after the first. */
static void reply(struct key *k, cp p, cp sep, cp d)
{
	const size_t n = (size_t)(d - p), tail = (size_t)(d - sep - 1);
	if (k->ml_len != 0 && k->ml_len == 3 + tail && memcmp(k->ml, p, 3) == 0 &&
	    memcmp(k->ml + 3, sep + 1, tail) == 0)
		return;
	if (*sep == '-' && k->ml_len == 0 && 3 + tail <= sizeof k->ml) {
		memcpy(k->ml, p, 3);
		memcpy(k->ml + 3, sep + 1, tail);
		k->ml_len = 3 + tail;
	}
	put(k, p, n);
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
			for (size_t i = 0; i < n; i++)
				w[i] = (char)lower(p[i]);
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
		if (q == end || (cls[*q] & K_SPACE) || strchr("/?#\"'`<>),;.]", *q) != NULL) {
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
	return end - e >= 3 && e[0] == ':' && e[1] == '/' && e[2] == '/' &&
	       (word_is(p, e, "http") || word_is(p, e, "https") || word_is(p, e, "ftp"));
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

/* The end of the word (letters, digits, '.', '-', '_') at p; *rest = whether p is inside the
 * last word scanned (after a number of it became a placeholder), whose end is known; *any =
 * the OR of the classes of its bytes, and '.' as K_SPACE (a word holds none: the bit is free),
 * so that words without a dot or a digit skip the tests that need one. */
#define K_DOT K_SPACE
static cp word_end(struct key *k, cp p, cp end, int *rest, unsigned *any)
{
	*rest = p > k->run_p && p < k->run_q;
	if (*rest) {
		*any = K_DOT | K_DIGIT; /* look again: a word read again is cheap to test */
		return k->run_q;
	}
	cp q = p;
	unsigned or = 0;
	for (; q < end && (cls[*q] & K_WORD); q++)
		or |= *q == '.' ? K_DOT : cls[*q];
	k->run_p = p;
	k->run_q = q;
	*any = or;
	return q;
}

/* The word [p, q) at p (a letter or digit): a URL, NAME[ADDR], a host name, an ID, or words
 * and numbers. */
static cp word(struct key *k, cp p, cp q, int rest, unsigned any, cp end)
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
	cp ext = NULL;
	switch (any & K_DOT ? host_shape(p, e, &ext) : NOT_HOST) {
	case HOST:
		put_host(k, p, e);
		return e;
	case HOST_DOT_EXT:
		PUT(k, "<host>");
		return ext;
	default:
		break;
	}
	if (!(any & K_DIGIT)) { /* words: no ID, no number */
		put(k, p, (size_t)(e - p));
		return e;
	}
	if (!rest && has_id(p, e)) { /* the rest of a word has the word's pieces: no ID */
		PUT(k, "<id>");
		return e;
	}
	return walk(k, p, e, end);
}

/* '<' at p: "<>", "<ADDRESS>" (anything with an '@' inside, no white space), or a '<'. */
static cp angle(struct key *k, cp p, cp end)
{
	cp q = p + 1, first_at = NULL, last_at = NULL;
	while (q < end && q - p <= 256 && *q != '>' && *q != '<' && !(cls[*q] & K_SPACE)) {
		if (*q == '@') {
			if (first_at == NULL)
				first_at = q;
			last_at = q;
		}
		q++;
	}
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
			if (end - lit >= 5 && word_is(lit, lit + 4, "ipv6") && lit[4] == ':')
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

size_t pft_reason_key_ref(const char *text, size_t len, char *out, size_t cap)
{
	if (len == 0)
		return 0;
	struct key k;
	memset(&k, 0, sizeof k);
	k.out = out;
	k.cap = cap;
	cp p = (cp)text;
	const cp end = p + len;
	k.local_fail = k.run_p = k.run_q = p;
	while (p < end && !k.full) {
		const unsigned c = *p, cl = cls[c];
		if (cl & K_SPACE) {
			k.space = 1;
			p++;
			continue;
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
		if (cl & K_ALNUM) {
			/* An address or an IPv6 address goes on past the word: only then is it
			 * looked for (the local part of an address holds all of the word). */
			int rest;
			unsigned any;
			const cp q = word_end(&k, p, end, &rest, &any);
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
			p = word(&k, p, q, rest, any, end);
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
	return k.full ? k.safe : k.len;
}
