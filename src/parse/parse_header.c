/* pftally — the syslog header: `STAMP HOST PROGRAM[PID]: TEXT` / `STAMP HOST PROGRAM: TEXT`,
 * and the classification of PROGRAM as a Postfix daemon.
 *
 * One pass from left to right; the stamp parsers live in src/time/stamp_parse.c. Shapes
 * besides the plain one (each costs the plain line one compare at most):
 *   - `<PRI>` before the stamp (syslog forwarded over the network): skipped;
 *   - RFC 5424, `<PRI>1 STAMP HOST APP PROCID MSGID SD MSG` (parse_rfc5424());
 *   - a container runtime's RFC 3339 stamp before the line (`2025-03-01T09:00:00.0Z Mar  1
 *     10:00:00 host ...`): the inner stamp wins, as the logging host wrote it (its wall clock,
 *     like the host's other lines); a BSD inner stamp takes its year from the outer one;
 *   - Solaris `[ID 197553 mail.info] ` after the tag: skipped;
 *   - rsyslog `message repeated N times: [ REC]` after the tag: the line is REC, repeated N;
 *   - sysklogd `last message repeated N times` (also `--- ... ---`), with or without a tag:
 *     PFT_EV_REPEAT_PREVIOUS, repeated N;
 *   - leading NUL bytes (what a crashed syslogd leaves before the next line) and a UTF-8 BOM
 *     (the first line of a file some editor saved): skipped;
 *   - lines longer than PFT_PARSE_MAX_LINE: MALFORMED, reason OVERLONG, not parsed. */
#include "parse/parse_internal.h"
#include "time/stamp_parse.h"

static int malformed(struct pft_event *ev, enum pft_unrec_reason why)
{
	ev->kind = PFT_EV_MALFORMED;
	ev->reason = why;
	return 0;
}

/* Solaris syslogd inserts a message ID tag: "postfix/smtp[1]: [ID 197553 mail.info] text". */
static const char *skip_solaris_id(const char *p, const char *end)
{
	if (!PFT_HAS(p, end, "[ID ") || end - p < 8)
		return p;
	const char *q = p + 4;
	const char *limit = end - p > 64 ? p + 64 : end;
	while (q < limit && *q != ']')
		q++;
	if (q + 1 < end && *q == ']' && q[1] == ' ')
		return q + 2;
	return p;
}

/* "N" of a repeat count: 1..10 digits, 1 <= N <= UINT32_MAX. @return the byte after it, or
 * NULL. */
static const char *repeat_count(const char *p, const char *end, uint32_t *n)
{
	const char *digits = p;
	uint64_t v = 0;
	while (p < end && pft_is_digit(*p) && p - digits < 10) {
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (p == digits || v == 0 || v > UINT32_MAX || (p < end && pft_is_digit(*p)))
		return NULL;
	*n = (uint32_t)v;
	return p;
}

/* sysklogd's `last message repeated N times` (FreeBSD, NetBSD and macOS write it between
 * `--- ` and ` ---`) at p, the whole rest of the line. @return 1 with *n set. */
static int last_message_repeated(const char *p, const char *end, uint32_t *n)
{
	int dashes = PFT_HAS(p, end, "--- ");
	if (dashes)
		p += PFT_LEN("--- ");
	if (!PFT_HAS(p, end, "last message repeated "))
		return 0;
	p = repeat_count(p + PFT_LEN("last message repeated "), end, n);
	if (p == NULL)
		return 0;
	if (PFT_HAS(p, end, " times"))
		p += PFT_LEN(" times");
	else if (*n == 1 && PFT_HAS(p, end, " time"))
		p += PFT_LEN(" time");
	else
		return 0;
	if (dashes && PFT_HAS(p, end, " ---"))
		p += PFT_LEN(" ---");
	while (p < end && *p == ' ')
		p++;
	return p == end;
}

/* The message after the tag: Solaris ID, rsyslog's and sysklogd's repeat lines. Sets ev->text
 * (and kind, repeated). */
static __attribute__((noinline)) void set_text_shapes(struct pft_event *ev, const char *p,
						      const char *end)
{
	p = skip_solaris_id(p, end);
	if (p < end && (*p == 'm' || *p == 'l' || *p == '-')) {
		uint32_t n;
		/* rsyslog: "message repeated %d times: [%.800s]"; the message in brackets keeps
		 * the space that followed the tag, and may have been cut at 800 bytes. */
		if (PFT_HAS(p, end, "message repeated ")) {
			const char *q = repeat_count(p + PFT_LEN("message repeated "), end, &n);
			if (q != NULL && PFT_HAS(q, end, " times: [")) {
				p = q + PFT_LEN(" times: [");
				if (p < end && *p == ' ')
					p++;
				if (end > p && end[-1] == ']')
					end--;
				ev->repeated = n;
				p = skip_solaris_id(p, end);
			}
		} else if (last_message_repeated(p, end, &n)) {
			ev->kind = PFT_EV_REPEAT_PREVIOUS;
			ev->repeated = n;
		}
	}
	ev->text = pft_slice_of(p, end);
}

/* The first bytes of the shapes set_text_shapes() looks for. */
static const uint8_t shape_start[256] = {['['] = 1, ['m'] = 1, ['l'] = 1, ['-'] = 1};

/* set_text_shapes(), whose shapes all start with '[', 'm', 'l' or '-': a message that starts
 * otherwise (a queue ID, NOQUEUE, connect, ...) costs one look at its first byte. */
static inline void set_text(struct pft_event *ev, const char *p, const char *end)
{
	if (__builtin_expect(p < end && shape_start[(unsigned char)*p], 0))
		set_text_shapes(ev, p, end);
	else
		ev->text = pft_slice_of(p, end);
}

/* Instance and service of the tag prog[0 .. n): before the first '/', after the last. */
static void split_program(struct pft_event *ev, const char *prog, const char *prog_end)
{
	ev->program = pft_slice_of(prog, prog_end);
	const char *first = prog, *last = prog_end;
	while (first < prog_end && *first != '/')
		first++;
	if (first == prog_end) {
		ev->service = ev->program;
		return;
	}
	while (last[-1] != '/')
		last--;
	ev->instance = pft_slice_of(prog, first);
	ev->service = pft_slice_of(last, prog_end);
}

/* One RFC 5424 header field at p, up to the ' ' that must follow it. @return its end, or NULL
 * when it is empty or the line ends first. */
static const char *sd_token(const struct pft_scan_index *ix, const char *p, const char *end)
{
	const char *e = pft_next(ix, PFT_S_SPACE, p, end);
	return e == p || e == end ? NULL : e;
}

/* STRUCTURED-DATA at p: "-" or one or more "[SD-ID PARAM="VALUE" ...]" with '\', '"' and ']'
 * escaped by '\' inside values. @return the byte after it, or NULL. */
static const char *skip_structured_data(const char *p, const char *end)
{
	if (p < end && *p == '-')
		return p + 1;
	if (p == end || *p != '[')
		return NULL;
	while (p < end && *p == '[') {
		int quoted = 0;
		for (p++; p < end; p++) {
			if (quoted && *p == '\\') {
				p++; /* the escaped byte, whatever it is */
				if (p == end)
					return NULL;
			} else if (*p == '"') {
				quoted = !quoted;
			} else if (!quoted && *p == ']') {
				break;
			}
		}
		if (p == end)
			return NULL;
		p++; /* the ']' */
	}
	return p;
}

/* RFC 5424 after "<PRI>1 ": STAMP HOST APP-NAME PROCID MSGID STRUCTURED-DATA [SP MSG], each
 * field "-" when absent ("-" is kept as the host or program name). MSG may start with a BOM. */
static int parse_rfc5424(const struct pft_scan_index *ix, const char *p, const char *end,
			 struct pft_event *ev)
{
	const char *after = pft_time_parse_rfc3339(p, end, &ev->time);
	if (after == NULL || after == end || *after != ' ')
		return malformed(ev, PFT_UNREC_BAD_TIMESTAMP); /* also "-": no time */
	ev->has_time = 1;
	p = after + 1;
	const char *e = sd_token(ix, p, end);
	if (e == NULL)
		return malformed(ev, PFT_UNREC_BAD_HOST);
	ev->host = pft_slice_of(p, e);
	p = e + 1;
	const char *prog = p;
	e = sd_token(ix, p, end);
	if (e == NULL)
		return malformed(ev, PFT_UNREC_BAD_PROGRAM);
	split_program(ev, prog, e);
	p = e + 1;
	e = sd_token(ix, p, end); /* PROCID: Postfix's is the pid; anything else is allowed */
	if (e == NULL)
		return malformed(ev, PFT_UNREC_BAD_PROGRAM);
	uint64_t pid = 0;
	const char *d = p;
	while (d < e && pft_is_digit(*d) && d - p < 10)
		pid = pid * 10 + (uint64_t)(*d++ - '0');
	if (d == e && pid <= UINT32_MAX)
		ev->pid = (uint32_t)pid;
	p = e + 1;
	e = sd_token(ix, p, end); /* MSGID */
	if (e == NULL)
		return malformed(ev, PFT_UNREC_BAD_PROGRAM);
	p = skip_structured_data(e + 1, end);
	if (p == NULL || (p < end && *p != ' '))
		return malformed(ev, PFT_UNREC_BAD_PROGRAM);
	/* rsyslog's RSYSLOG_SyslogProtocol23Format writes a second space: its MSG keeps the one
	 * that followed the tag of the local message */
	while (p < end && *p == ' ')
		p++;
	if (PFT_HAS(p, end, "\xEF\xBB\xBF"))
		p += 3;
	set_text(ev, p, end);
	return 1;
}

/* "<PRI>" at p (p[0] == '<'): 1..3 digits up to 191. @return the byte after '>', or NULL. */
static const char *skip_pri(const char *p, const char *end)
{
	const char *d = ++p;
	unsigned pri = 0;
	while (p < end && pft_is_digit(*p) && p - d < 3)
		pri = pri * 10 + (unsigned)(*p++ - '0');
	if (p == d || p == end || *p != '>' || pri > 191)
		return NULL;
	return p + 1;
}

/* A container runtime's stamp before the syslog line: `OUTER INNER host ...`, p at the ' '
 * after OUTER (an RFC 3339 stamp in *time). The inner stamp wins: it is the logging host's
 * wall clock, as in its lines that were not captured by a container. A BSD inner stamp takes
 * the outer year (one less or more when the two straddle New Year). @return the byte after
 * INNER with *time replaced, or NULL (no inner stamp: p stays the host). */
static const char *inner_stamp(const char *p, const char *end, struct pft_civil *time)
{
	struct pft_civil inner;
	const char *after = pft_time_parse_stamp(p + 1, end, &inner);
	if (after == NULL || after == end || *after != ' ')
		return NULL;
	if (!inner.year_known) {
		int year = time->year;
		if (inner.month == 12 && time->month == 1)
			year--;
		else if (inner.month == 1 && time->month == 12)
			year++;
		if (year < 0 || year > 9999)
			year = time->year;
		inner.year = (int16_t)year;
		inner.year_known = 1;
	}
	*time = inner;
	return after;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* SWAR (8 bytes in a uint64_t, byte i of memory = bits 8i..8i+7) for the short header fields:
 * fewer branches whose outcome depends on the data than byte loops. */
#define HAVE_SWAR 1

static inline uint64_t load8(const char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* The last '/' of p[0 .. 8), or NULL. */
static inline const char *last_slash_of8(const char *p)
{
	const uint64_t lo7 = 0x7F7F7F7F7F7F7F7Full;
	const uint64_t x = load8(p) ^ 0x2F2F2F2F2F2F2F2Full; /* '/' bytes become 0 */
	const uint64_t zero = ~(((x & lo7) + lo7) | x | lo7); /* exact: bit 7 of each 0 byte */
	return zero ? p + (63 - __builtin_clzll(zero)) / 8 : NULL;
}

/* The number of decimal digits the 8 bytes x (in memory order) start with (0..8). */
static inline unsigned leading_digits8(uint64_t x)
{
	const uint64_t lo7 = 0x7F7F7F7F7F7F7F7Full;
	/* a byte that is no digit: its high nibble is not 3, or its low one is 10..15 */
	const uint64_t other = ((x & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull) |
			       (((x & 0x0F0F0F0F0F0F0F0Full) + 0x0606060606060606ull) &
				0xF0F0F0F0F0F0F0F0ull);
	const uint64_t nonzero = (((other & lo7) + lo7) | other) & ~lo7; /* bit 7 of each */
	return nonzero ? (unsigned)__builtin_ctzll(nonzero) / 8 : 8;
}

/* The value of the k (1..7) decimal digits that the 8 bytes x (in memory order) start with. */
static inline uint64_t digits_value8(uint64_t x, unsigned k)
{
	const uint64_t zeros = 0x3030303030303030ull; /* '0' x 8 */
	const unsigned s = 8 * (8 - k);                /* the digits to the top, '0's below */
	x = x << s | zeros >> (64 - s);
	uint64_t d = x - zeros;
	d = d * 10 + (d >> 8); /* pairs */
	d = ((d & 0x000000FF000000FFull) * (100 + (1000000ull << 32)) +
	     ((d >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32))) >> 32;
	return d;
}
#endif

/* memset(ev, 0, sizeof *ev) without the `rep stos` that GCC picks for it at -O2: that costs
 * more than parsing a header on some CPUs. The empty asm keeps the loop from becoming a
 * memset again; the loop is unrolled into plain 16-byte stores. */
static inline void clear_event(struct pft_event *ev)
{
	typedef uint64_t zero16 __attribute__((vector_size(16), aligned(8)));
	zero16 *w = (zero16 *)(void *)ev;
	const size_t n = sizeof *ev / sizeof *w;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 32
#endif
	for (size_t i = 0; i < n; i++) {
		w[i] = (zero16){0, 0};
		__asm__("" ::: "memory");
	}
	if (sizeof *ev % sizeof *w != 0)
		memset((char *)ev + n * sizeof *w, 0, sizeof *ev % sizeof *w);
}

/* The stamp of the last line this thread parsed, with the ' ' after it. Busy logs write many
 * lines a second: a line that starts with the same bytes has the same time, and the stamp
 * parsers read only the bytes they consume, so the copy is exact. */
#define STAMP_CACHE_BYTES 48
struct stamp_cache {
	size_t len; /* stamp and ' ', 0 = empty */
	char bytes[STAMP_CACHE_BYTES];
	struct pft_civil time;
};
static _Thread_local struct stamp_cache stamp_cache;

/* @return the ' ' after the stamp at p with *time set, or NULL when p holds no cached stamp. */
static inline const char *cached_stamp(const char *p, const char *end, struct pft_civil *time)
{
	const struct stamp_cache *c = &stamp_cache;
	if (c->len == 0 || (size_t)(end - p) < c->len)
		return NULL;
	/* BSD stamps ("Jun 17 10:22:33 ") are 16 bytes: two word compares. */
	if (c->len == 16 ? memcmp(p, c->bytes, 16) != 0 : memcmp(p, c->bytes, c->len) != 0)
		return NULL;
	*time = c->time;
	return p + c->len - 1;
}

static inline void remember_stamp(const char *p, const char *after, const char *end,
				  const struct pft_civil *time)
{
	const size_t n = (size_t)(after - p) + 1;
	if (after >= end || *after != ' ' || n > STAMP_CACHE_BYTES)
		return;
	memcpy(stamp_cache.bytes, p, n);
	stamp_cache.len = n;
	stamp_cache.time = *time;
}

static inline __attribute__((always_inline)) int header(const struct pft_scan_index *ix,
							     const char *line, size_t len,
							     struct pft_event *ev)
{
	clear_event(ev);
	const char *p = line, *end = line + len;
	if (end > p && end[-1] == '\r')
		end--;
	if (__builtin_expect(p < end && (*p == '\0' || *p == '\xEF'), 0)) {
		while (p < end && *p == '\0')
			p++;
		if (PFT_HAS(p, end, "\xEF\xBB\xBF")) /* a BOM: the first line of some files */
			p += 3;
	}
	if (__builtin_expect((size_t)(end - p) > PFT_PARSE_MAX_LINE, 0))
		return malformed(ev, PFT_UNREC_OVERLONG);
	if (p == end)
		return malformed(ev, PFT_UNREC_EMPTY);
	if (__builtin_expect(*p == '<', 0)) {
		p = skip_pri(p, end);
		if (p == NULL)
			return malformed(ev, PFT_UNREC_BAD_TIMESTAMP);
		if (PFT_HAS(p, end, "1 "))
			return parse_rfc5424(ix, p + 2, end, ev);
	}

	const char *after = cached_stamp(p, end, &ev->time);
	if (after == NULL) {
		after = pft_time_parse_stamp(p, end, &ev->time);
		if (after == NULL)
			return malformed(ev, PFT_UNREC_BAD_TIMESTAMP);
		remember_stamp(p, after, end, &ev->time);
	}
	p = after;
	ev->has_time = 1;
	if (p == end)
		return malformed(ev, PFT_UNREC_BAD_HOST);
	if (*p != ' ')
		return malformed(ev, PFT_UNREC_BAD_TIMESTAMP); /* "00:00:001", "+01:00x" */
	if (ev->time.year_known) {
		const char *inner = inner_stamp(p, end, &ev->time);
		if (inner != NULL)
			p = inner;
	}
	while (p < end && *p == ' ')
		p++;

	const char *host = p;
	p = pft_next(ix, PFT_S_SPACE, p, end);
	if (p == host)
		return malformed(ev, PFT_UNREC_BAD_HOST);
	if (p == end)
		return malformed(ev, PFT_UNREC_BAD_PROGRAM); /* "STAMP host" and nothing else */
	ev->host = pft_slice_of(host, p);
	while (p < end && *p == ' ')
		p++;
	if (__builtin_expect(p < end && (*p == 'l' || *p == '-'), 0)) {
		/* sysklogd: "STAMP host last message repeated N times", no tag */
		uint32_t n;
		if (last_message_repeated(p, end, &n)) {
			ev->kind = PFT_EV_REPEAT_PREVIOUS;
			ev->repeated = n;
			ev->text = pft_slice_of(p, end);
			return 1;
		}
	}

	/* PROGRAM up to '[' or ':'. Spaces end it: a tag has none. The first and last '/' give
	 * instance and service (both short: a byte loop from each side). */
	const char *prog = p;
	p = pft_next(ix, PFT_S_SPACE | PFT_S_COLON | PFT_S_LBRACKET, p, end);
	if (p == end || *p == ' ' || p == prog)
		return malformed(ev, PFT_UNREC_BAD_PROGRAM);
	const char *prog_end = p;
	const char *first_slash = prog, *last_slash = prog_end - 1;
	if (prog_end - prog > 8 && memcmp(prog, "postfix/", 8) == 0)
		first_slash = prog + 7; /* the usual instance */
	while (first_slash < prog_end && *first_slash != '/')
		first_slash++;
#if HAVE_SWAR
	if (prog_end - prog >= 8 && first_slash < prog_end) {
		const char *slash = last_slash_of8(prog_end - 8);
		if (slash != NULL)
			last_slash = slash; /* the last of the tag, as it is in its last 8 bytes */
	}
#endif
	while (last_slash > first_slash && *last_slash != '/')
		last_slash--;

	if (*p == '[') {
		p++;
		uint64_t pid = 0;
		const char *digits = p;
#if HAVE_SWAR
		/* "[PID]" with 1..7 digits: the digits at once */
		uint64_t x;
		unsigned k;
		if (end - p >= 8 && (x = load8(p), k = leading_digits8(x)) - 1 < 7) {
			pid = digits_value8(x, k);
			p += k;
		} else
#endif
		while (p < end && pft_is_digit(*p) && p - digits < 10) {
			pid = pid * 10 + (uint64_t)(*p - '0');
			p++;
		}
		if (p == end)
			return malformed(ev, PFT_UNREC_BAD_PROGRAM); /* "[12345" cut off */
		if (p == digits || *p != ']' || pid > UINT32_MAX)
			return malformed(ev, PFT_UNREC_BAD_PID);
		ev->pid = (uint32_t)pid;
		p++;
		if (p == end || *p != ':')
			return malformed(ev, PFT_UNREC_BAD_PROGRAM);
	}
	p++; /* the ':' */
	if (p < end && *p == ' ')
		p++;

	ev->program = pft_slice_of(prog, prog_end);
	if (first_slash < prog_end) {
		ev->instance = pft_slice_of(prog, first_slash);
		ev->service = pft_slice_of(last_slash + 1, prog_end);
	} else {
		ev->service = ev->program;
	}
	set_text(ev, p, end);
	return 1;
}

int pft_parse_header_scanned(const struct pft_scan_index *ix, const char *line, size_t len,
			     struct pft_event *ev)
{
	return header(ix, line, len, ev);
}

void pft_parse_stack_index(const char *p, size_t n, struct pft_scan_block *blocks,
			   struct pft_scan_index *ix)
{
	if (n > PFT_PARSE_STACK_INDEX_BYTES) {
		ix->base = p;
		ix->blocks = NULL;
		return;
	}
	pft_scan_index_build(pft_scan_current()->fn, p, n, blocks, ix);
}

#define STACK_BLOCKS (PFT_PARSE_STACK_INDEX_BYTES / PFT_SCAN_BLOCK)

int pft_parse_header(const char *line, size_t len, struct pft_event *ev)
{
	struct pft_scan_block blocks[STACK_BLOCKS];
	struct pft_scan_index ix;
	pft_parse_stack_index(line, len, blocks, &ix);
	return pft_parse_header_scanned(&ix, line, len, ev);
}

/* 1 when the tag names Postfix, with *svc its service (PFT_SVC_UNKNOWN for an unknown service
 * of a postfix* instance).
 *
 * Postfix always logs as "syslog_name/daemon" (mail_task(): "%s/%s"), so a tag without '/'
 * is never a Postfix daemon: "postfix1[1]: foo" or "postfix: foo" are other programs, even
 * though their name starts with "postfix". A tag with '/' is Postfix when its instance starts
 * with "postfix" (postfix, postfix-out, postfix2; then an unknown service is reported as
 * PFT_UNREC_UNKNOWN_SERVICE), or when its service is a Postfix daemon name (a syslog_name
 * that does not start with "postfix", e.g. "mail-out/smtp"). */
static int classify_program(const struct pft_event *ev, enum pft_service *svc)
{
	if (ev->program.n == ev->service.n) /* no '/' */
		return 0;
	*svc = pft_service_lookup(ev->service.p, ev->service.n);
	if (*svc != PFT_SVC_UNKNOWN)
		return 1;
	return ev->instance.n >= 7 && memcmp(ev->instance.p, "postfix", 7) == 0;
}

int pft_is_postfix_program(const struct pft_event *ev)
{
	enum pft_service svc;
	return classify_program(ev, &svc);
}

void pft_parse_line_scanned(const char *line, size_t len, const struct pft_scan_index *ix,
			    struct pft_event *ev)
{
	if (!header(ix, line, len, ev) || ev->kind == PFT_EV_REPEAT_PREVIOUS)
		return;
	enum pft_service svc = PFT_SVC_UNKNOWN;
	if (!classify_program(ev, &svc)) {
		ev->kind = PFT_EV_OTHER_PROGRAM;
		return;
	}
	if (svc == PFT_SVC_UNKNOWN) {
		pft_set_unrec(ev, PFT_UNREC_UNKNOWN_SERVICE);
		return;
	}
	pft_parse_record(ev, ix, svc);
}

void pft_parse_line(const char *line, size_t len, struct pft_event *ev)
{
	struct pft_scan_block blocks[STACK_BLOCKS];
	struct pft_scan_index ix;
	pft_parse_stack_index(line, len, blocks, &ix);
	pft_parse_line_scanned(line, len, &ix, ev);
}
