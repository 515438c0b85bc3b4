/* The stage-1 kernels against the scalar reference, the line walker, the mask searches, the
 * parser with and without masks, the run-time choice, and pftally's JSON under every kernel. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../bench/micro/bench_gen.h"
#include "parse/parse.h"
#include "pft_test.h"
#include "scan/scan.h"

static const char class_bytes[] = PFT_SCAN_CLASS_BYTES;

/* Masks of data[0 .. len) by the kernel fn, malloc'd. */
static struct pft_scan_block *masks_of(pft_scan_fn fn, const char *data, size_t len)
{
	struct pft_scan_block *b = calloc(pft_scan_blocks_for(len) + 1, sizeof *b);
	cr_assert_not_null(b);
	struct pft_scan_index ix;
	pft_scan_index_build(fn, data, len, b, &ix);
	cr_assert_eq(ix.base, data);
	return b;
}

/* What the words must be, byte by byte, without any kernel: the newline mask, the planes of
 * the codes, and for every class and some unions the mask pft_scan_bits() makes of them. */
static void check_masks_by_definition(const struct pft_scan_block *b, const char *data, size_t len)
{
	static const unsigned unions[] = {
		PFT_SCAN_SET(PFT_SC_SPACE) | PFT_SCAN_SET(PFT_SC_COLON) | PFT_SCAN_SET(PFT_SC_LBRACKET),
		PFT_SCAN_SET(PFT_SC_SPACE) | PFT_SCAN_SET(PFT_SC_COLON),
		PFT_SCAN_SET(PFT_SC_EQUALS) | PFT_SCAN_SET(PFT_SC_COMMA),
		PFT_SCAN_SET(PFT_SC_SPACE) | PFT_SCAN_SET(PFT_SC_COMMA) | PFT_SCAN_SET(PFT_SC_EQUALS),
		0xFFu,
	};
	for (size_t i = 0; i < pft_scan_blocks_for(len) * PFT_SCAN_BLOCK; i++) {
		const unsigned char c = i < len ? (unsigned char)data[i] : 0;
		const struct pft_scan_block *blk = &b[i / 64];
		const unsigned bit = (unsigned)(i % 64);
		cr_assert_eq((int)(blk->nl >> bit & 1), i < len && c == '\n', "byte %zu newline", i);
		for (int j = 0; j < PFT_SCAN_PLANES; j++)
			cr_assert_eq((unsigned)(blk->plane[j] >> bit & 1),
				     i < len ? (unsigned)(pft_scan_code_of[c] >> j & 1) : 0u,
				     "byte %zu (0x%02x) plane %d", i, c, j);
		for (int k = 0; k < PFT_SC_COUNT; k++)
			cr_assert_eq((int)(pft_scan_bits(blk, PFT_SCAN_SET(k)) >> bit & 1),
				     i < len && c == (unsigned char)class_bytes[k],
				     "byte %zu (0x%02x) class %d", i, c, k);
		for (size_t u = 0; u < sizeof unions / sizeof unions[0]; u++)
			cr_assert_eq((int)(pft_scan_bits(blk, unions[u]) >> bit & 1),
				     i < len && pft_scan_byte_in(c, unions[u]),
				     "byte %zu (0x%02x) set %#x", i, c, unions[u]);
	}
}

static void check_same_words(const struct pft_scan_block *got, const struct pft_scan_block *ref,
			     size_t nb, const char *what, const char *name)
{
	for (size_t b = 0; b < nb; b++) {
		cr_assert_eq(got[b].nl, ref[b].nl, "%s: kernel %s, block %zu newlines: %016llx != %016llx",
			     what, name, b, (unsigned long long)got[b].nl, (unsigned long long)ref[b].nl);
		for (int j = 0; j < PFT_SCAN_PLANES; j++)
			cr_assert_eq(got[b].plane[j], ref[b].plane[j],
				     "%s: kernel %s, block %zu plane %d: %016llx != %016llx", what, name,
				     b, j, (unsigned long long)got[b].plane[j],
				     (unsigned long long)ref[b].plane[j]);
	}
}

/* Every supported kernel gives the scalar kernel's masks for data[0 .. len). */
static void check_kernels(const char *data, size_t len, const char *what)
{
	struct pft_scan_block *ref = masks_of(pft_scan_block_scalar, data, len);
	size_t n;
	const struct pft_scan_impl *impls = pft_scan_impls(&n);
	for (size_t i = 0; i < n; i++) {
		if (!impls[i].supported())
			continue;
		struct pft_scan_block *got = masks_of(impls[i].fn, data, len);
		check_same_words(got, ref, pft_scan_blocks_for(len), what, impls[i].name);
		free(got);
	}
	free(ref);
}

static int kernels_tested(void)
{
	size_t n, count = 0;
	const struct pft_scan_impl *impls = pft_scan_impls(&n);
	for (size_t i = 0; i < n; i++)
		count += impls[i].supported() != 0;
	return (int)count;
}

Test(kernels, scalar_is_the_definition)
{
	char data[4 * 64 + 17];
	for (size_t i = 0; i < sizeof data; i++) /* every byte value, delimiters often */
		data[i] = i % 3 == 0 ? class_bytes[i % PFT_SC_COUNT] : (char)(i * 37);
	struct pft_scan_block *b = masks_of(pft_scan_block_scalar, data, sizeof data);
	check_masks_by_definition(b, data, sizeof data);
	free(b);
	for (unsigned c = 0; c < 256; c++) { /* each byte value in every position of a block */
		char block[64];
		memset(block, (char)c, sizeof block);
		block[c % 64] = ' ';
		b = masks_of(pft_scan_block_scalar, block, sizeof block);
		check_masks_by_definition(b, block, sizeof block);
		free(b);
	}
}

Test(kernels, every_kernel_matches_the_definition)
{
	char data[256];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)i; /* all byte values, at all nibble positions */
	size_t n;
	const struct pft_scan_impl *impls = pft_scan_impls(&n);
	for (size_t i = 0; i < n; i++) {
		if (!impls[i].supported())
			continue;
		for (size_t off = 0; off < 64; off += 13) {
			struct pft_scan_block *b = masks_of(impls[i].fn, data + off, sizeof data - off);
			check_masks_by_definition(b, data + off, sizeof data - off);
			free(b);
		}
	}
}

Test(kernels, match_scalar_on_generated_log)
{
	size_t len;
	char *log = pft_bench_gen_log(7, 1 << 20, &len);
	check_kernels(log, len, "generated log");
	for (size_t off = 1; off < 64; off += 7) /* every alignment of the start */
		check_kernels(log + off, len - off - off / 2, "generated log, unaligned");
	free(log);
	cr_log_info("%d kernels compared", kernels_tested());
}

Test(kernels, match_scalar_on_random_bytes)
{
	struct pft_bench_gen g = {.rng = 12345};
	const size_t len = 1 << 18;
	char *data = malloc(len);
	for (size_t i = 0; i < len; i++)
		data[i] = (char)pft_bench_rand(&g);
	check_kernels(data, len, "random bytes");
	/* Delimiter-dense: each byte a delimiter, its neighbour (+-1, high bit set) or NUL. */
	for (size_t i = 0; i < len; i++) {
		unsigned r = pft_bench_below(&g, 5);
		char c = class_bytes[pft_bench_below(&g, PFT_SC_COUNT)];
		data[i] = r == 0 ? c : r == 1 ? (char)(c + 1) : r == 2 ? (char)(c - 1)
			: r == 3 ? (char)(c | 0x80) : 0;
	}
	check_kernels(data, len, "dense delimiters");
	for (size_t n = 0; n <= 300; n++) /* every tail length */
		check_kernels(data + n % 64, n, "short buffer");
	free(data);
}

/* ---- the line walker ---------------------------------------------------------------------- */

/* The reference split: a line ends at '\n' or at a '\r' not followed by '\n'. */
static const char *line_end_ref(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p == '\n' || (*p == '\r' && (p + 1 == end || p[1] != '\n')))
			return p;
	return NULL;
}

/* Walks data with every kernel and checks each line against a plain split, and each line's
 * index against the definition over the whole line. */
static void check_lines(const char *data, size_t len, const char *what)
{
	size_t n;
	const struct pft_scan_impl *impls = pft_scan_impls(&n);
	for (size_t i = 0; i < n; i++) {
		if (!impls[i].supported())
			continue;
		struct pft_scan_lines it;
		struct pft_scan_line line;
		pft_scan_lines_init(&it, data, len, impls[i].fn);
		const char *p = data, *end = data + len;
		size_t count = 0;
		int got;
		while ((got = pft_scan_lines_next(&it, &line)) > 0) {
			cr_assert(p < end, "%s/%s: line %zu past the end", what, impls[i].name, count);
			const char *nl = line_end_ref(p, end);
			size_t want = (size_t)((nl ? nl : end) - p);
			cr_assert_eq(line.p, p, "%s/%s: line %zu start", what, impls[i].name, count);
			cr_assert_eq(line.len, want, "%s/%s: line %zu length", what, impls[i].name,
				     count);
			/* The index covers the line: spot-check the masks at both ends and the
			 * searches over it. */
			for (int k = 0; k < PFT_SC_COUNT; k++) {
				const char *q = memchr(p, class_bytes[k], want);
				cr_assert_eq(pft_scan_next(&line.ix, PFT_SCAN_SET(k), p, p + want),
					     q ? q : p + want, "%s/%s: line %zu class %d", what,
					     impls[i].name, count, k);
				const char *r = want ? memrchr(p, class_bytes[k], want) : NULL;
				cr_assert_eq(pft_scan_prev(&line.ix, PFT_SCAN_SET(k), p, p + want), r,
					     "%s/%s: line %zu class %d (last)", what, impls[i].name,
					     count, k);
			}
			p = nl ? nl + 1 : end;
			count++;
		}
		cr_assert_eq(got, 0);
		cr_assert_eq(p, end, "%s/%s: lines missing after %zu", what, impls[i].name, count);
		cr_assert_eq(pft_scan_lines_next(&it, &line), 0);
		pft_scan_lines_free(&it);
	}
}

Test(lines, every_length_across_block_boundaries)
{
	/* Lines of 0..200 bytes, each at every offset mod 64 once the lengths add up. */
	size_t cap = 1 << 20, len = 0;
	char *data = malloc(cap);
	for (int round = 0; round < 3; round++)
		for (size_t l = 0; l <= 200; l++) {
			for (size_t j = 0; j < l; j++)
				data[len++] = j % 9 == 4 ? class_bytes[1 + (j + l) % (PFT_SC_COUNT - 1)]
							 : (char)('a' + (j + l) % 26);
			data[len++] = '\n';
		}
	for (size_t cut = len - 300; cut <= len; cut++)
		check_lines(data, cut, "lengths 0-200"); /* also without a final newline */
	free(data);
}

Test(lines, edges)
{
	check_lines("", 0, "empty");
	check_lines("\n", 1, "one empty line");
	check_lines("\n\n\n", 3, "empty lines");
	check_lines("abc", 3, "no newline");
	check_lines("abc\ndef", 7, "last line without newline");
	check_lines("a\r\nb\r\n\r\n", 8, "CRLF");
	static const char lone_cr[] = "a\rb\r\rc\r\n\rd\r";
	check_lines(lone_cr, sizeof lone_cr - 1, "lone CRs");
	static const char nuls[] = "a\0b\n\0\0\n\0x:y\0";
	check_lines(nuls, sizeof nuls - 1, "NULs");
	char block[64];
	memset(block, '\n', sizeof block);
	check_lines(block, sizeof block, "64 newlines");
	memset(block, 'x', sizeof block);
	check_lines(block, sizeof block, "64 bytes, no newline");
	block[63] = '\n';
	check_lines(block, sizeof block, "newline at byte 63");
}

Test(lines, generated_log_and_random_bytes)
{
	size_t len;
	char *log = pft_bench_gen_log(3, 256 << 10, &len);
	check_lines(log, len, "generated log");
	struct pft_bench_gen g = {.rng = 99};
	for (size_t i = 0; i < len; i++) /* short random lines, delimiters and NULs */
		log[i] = pft_bench_below(&g, 40) == 0 ? '\n' : (char)pft_bench_rand(&g);
	check_lines(log, len, "random bytes");
	free(log);
}

Test(lines, one_mebibyte_line)
{
	const size_t big = 1 << 20;
	size_t len = 0;
	char *data = malloc(big + 4096);
	memcpy(data + len, "short\n", 6);
	len += 6;
	for (size_t i = 0; i < big; i++)
		data[len++] = i % 97 == 0 ? class_bytes[1 + i % (PFT_SC_COUNT - 1)] : 'x';
	data[len++] = '\n';
	for (int i = 0; i < 20; i++) {
		memcpy(data + len, "after the long one\n", 19);
		len += 19;
	}
	memcpy(data + len, "a second long line without end: ", 32);
	len += 32;
	check_lines(data, len, "1 MiB line");
	free(data);
}

/* ---- searches with and without masks ------------------------------------------------------ */

Test(search, next_and_prev_match_a_byte_loop)
{
	struct pft_bench_gen g = {.rng = 5};
	const size_t len = 4000;
	char *data = malloc(len);
	for (size_t i = 0; i < len; i++)
		data[i] = pft_bench_below(&g, 6) == 0 ? class_bytes[pft_bench_below(&g, PFT_SC_COUNT)]
						     : 'a';
	struct pft_scan_block *b = masks_of(pft_scan_current()->fn, data, len);
	struct pft_scan_index with = {data, b}, without = {data, NULL};
	for (int t = 0; t < 20000; t++) {
		size_t x = pft_bench_below(&g, (unsigned)len + 1), y = pft_bench_below(&g, (unsigned)len + 1);
		if (x > y) {
			size_t s = x;
			x = y;
			y = s;
		}
		unsigned set = (unsigned)pft_bench_below(&g, 1u << PFT_SC_COUNT);
		const char *want_next = data + y, *want_prev = NULL;
		for (size_t i = x; i < y; i++)
			if (pft_scan_byte_in((unsigned char)data[i], set)) {
				if (want_next == data + y)
					want_next = data + i;
				want_prev = data + i;
			}
		cr_assert_eq(pft_scan_next(&with, set, data + x, data + y), want_next);
		cr_assert_eq(pft_scan_next(&without, set, data + x, data + y), want_next);
		cr_assert_eq(pft_scan_prev(&with, set, data + x, data + y), want_prev);
		cr_assert_eq(pft_scan_prev(&without, set, data + x, data + y), want_prev);
		unsigned dist = 1 + pft_bench_below(&g, 63);
		const char *want_pair = data + y;
		for (size_t i = x; i + dist < y; i++)
			if (pft_scan_byte_in((unsigned char)data[i], set) &&
			    pft_scan_byte_in((unsigned char)data[i + dist], set)) {
				want_pair = data + i;
				break;
			}
		cr_assert_eq(pft_scan_next_pair(&with, set, dist, data + x, data + y), want_pair,
			     "pair dist %u in [%zu, %zu)", dist, x, y);
		cr_assert_eq(pft_scan_next_pair(&without, set, dist, data + x, data + y), want_pair);
	}
	free(b);
	free(data);
}

/* ---- the parser: masks or bytes, the same event ------------------------------------------- */

#define SAME_SLICE(f)                                                                            \
	cr_assert(a->f.n == b->f.n && (a->f.n == 0 || a->f.p == b->f.p),                            \
		  "%s: field " #f " differs: \"%.*s\" / \"%.*s\"", line, (int)a->f.n,               \
		  a->f.n ? a->f.p : "", (int)b->f.n, b->f.n ? b->f.p : "")
#define SAME(f) cr_assert_eq(a->f, b->f, "%s: field " #f " differs", line)

static void check_same_event(const struct pft_event *a, const struct pft_event *b, const char *line)
{
	SAME(kind);
	SAME(reason);
	cr_assert(memcmp(&a->time, &b->time, sizeof a->time) == 0, "%s: time differs", line);
	SAME(has_time);
	SAME_SLICE(host);
	SAME_SLICE(program);
	SAME_SLICE(instance);
	SAME_SLICE(service);
	SAME(pid);
	SAME_SLICE(text);
	SAME_SLICE(qid);
	SAME_SLICE(to);
	SAME_SLICE(orig_to);
	SAME_SLICE(relay);
	SAME_SLICE(relay_host);
	SAME_SLICE(from);
	SAME_SLICE(reason_text);
	SAME(status);
	SAME(dsn);
	SAME(size);
	SAME(nrcpt);
	SAME(notify);
	SAME_SLICE(new_qid);
	SAME(reject_stage);
	SAME(noqueue);
	SAME(ends_message);
	SAME(action);
	SAME_SLICE(client);
	SAME_SLICE(orig_qid);
}

/* Parses every line of text with the masks of each kernel and without masks. */
static void check_parse_both_ways(const char *text, size_t len)
{
	size_t n;
	const struct pft_scan_impl *impls = pft_scan_impls(&n);
	for (size_t i = 0; i < n; i++) {
		if (!impls[i].supported())
			continue;
		struct pft_scan_lines it;
		struct pft_scan_line line;
		pft_scan_lines_init(&it, text, len, impls[i].fn);
		while (pft_scan_lines_next(&it, &line) > 0) {
			struct pft_event masks, bytes;
			struct pft_scan_index none = {line.p, NULL};
			pft_parse_line_scanned(line.p, line.len, &line.ix, &masks);
			pft_parse_line_scanned(line.p, line.len, &none, &bytes);
			char shown[160];
			snprintf(shown, sizeof shown, "[%s] %.*s", impls[i].name,
				 (int)(line.len < 120 ? line.len : 120), line.p);
			check_same_event(&masks, &bytes, shown);
		}
		pft_scan_lines_free(&it);
	}
}

/* Hand-made lines for the less common paths of every daemon parser. */
static const char tricky[] =
	"Jun 17 10:22:33 mx postfix/smtp[1]: 7EE668039: to=<a@b.example>, orig_to=<x@y>, "
	"relay=mx.b.example[198.51.100.7]:25, conn_use=2, delay=1, delays=0.1/0/0.4/0.5, "
	"tls=yes, dsn=5.7.1, status=bounced (host mx.b.example[198.51.100.7] said: 550-5.7.1 "
	"(policy) rejected, see <https://x.example/?a=1,b=(2)> (in reply to end of DATA))\n"
	"Jun 17 10:22:33 mx postfix/lmtp[1]: 4PbC4x469Jz3tBr: to=<\"q, >x\"@b>, relay=[::1]:24, "
	"delay=0, dsn=2.0.0, status=sent (250 2.0.0 <x> Ok: queued as 153053D)\n"
	"Jun 17 10:22:33 mx postfix/local[1]: ABCDEF12: to=user@host, relay=local, delay=0, "
	"status=sent (forwarded as 99AA88BB)\n"
	"Jun 17 10:22:33 mx postfix/smtp[1]: ABCDEF12: host mx.x[192.0.2.1] said: 450 try later\n"
	"Jun 17 10:22:33 mx postfix/smtp[1]: ABCDEF12: connect to mx.x[192.0.2.1]:25: timeout\n"
	"Jun 17 10:22:33 mx postfix/smtp[1]: ABCDEF12: user@x, relay=r, status=sent (x)\n"
	"Jun 17 10:22:33 mx postfix/qmgr[1]: ABCDEF12: from=<s@x>, size=123, nrcpt=2 (queue active)\n"
	"Jun 17 10:22:33 mx postfix/qmgr[1]: ABCDEF12: from=<s@x>, status=expired, returned to sender\n"
	"Jun 17 10:22:33 mx postfix/qmgr[1]: ABCDEF12: removed\n"
	"Jun 17 10:22:33 mx postfix/bounce[1]: ABCDEF12: sender non-delivery notification: 1234ABCD\n"
	"Jun 17 10:22:33 mx postfix/bounce[1]: ABCDEF12: postmaster bounce notification: 1234ABCD\n"
	"Jun 17 10:22:33 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x.y[192.0.2.3]: 550 5.1.1 "
	"<a@b>: Recipient address rejected; x; from=<q; from=<z> to=<a@b> proto=ESMTP helo=<h>\n"
	"Jun 17 10:22:33 mx postfix/postscreen[1]: NOQUEUE: reject: RCPT from [192.0.2.3]:4321: 550 "
	"5.7.1 Service unavailable; from=<a@b>, to=<c@d>, proto=ESMTP, helo=<x>\n"
	"Jun 17 10:22:33 mx postfix/cleanup[1]: ABCDEF12: milter-reject: END-OF-MESSAGE from "
	"x[192.0.2.1]: 5.7.1 Spam; from=<a@b> to=<c@d> proto=ESMTP helo=<x>\n"
	"Jun 17 10:22:33 mx postfix/cleanup[1]: 4PbC4x469Jz3tBr: reject: header Subject: hi from "
	"there from y[1.2.3.4]; from=<a> to=<b> proto=SMTP helo=<h>: 5.7.1 no\n"
	"Jun 17 10:22:33 mx postfix/cleanup[1]: ABCDEF12: warning: header Subject: x from "
	"y[1.2.3.4]; from=<a> to=<b> proto=SMTP helo=<h>\n"
	"Jun 17 10:22:33 mx postfix/smtpd[1]: ABCDEF12: client=x[1.2.3.4], sasl_method=PLAIN, "
	"sasl_username=u, orig_queue_id=99AA88BB, orig_client=y[5.6.7.8]\n"
	"Jun 17 10:22:33 mx postfix/smtpd[1]: proxy-reject: END-OF-MESSAGE: 554 5.7.0 no; "
	"from=<a> to=<b> proto=ESMTP helo=<h>\n"
	"Jun 17 10:22:33 mx postfix/pickup[1]: ABCDEF12: uid=0 from=<root>\n"
	"Jun 17 10:22:33 mx postfix/cleanup[1]: warning: ABCDEF12: map lookup problem\n"
	"2024-06-17T10:22:33.123456+02:00 mx postfix-out/submission/smtpd[77]: connect from x\n"
	"Jun 17 10:22:33 mx postfix/smtpd[1]: [ID 197553 mail.info] connect from x[1.2.3.4]\n"
	"Jun 17 10:22:33 mx dovecot: imap-login: Login: user=<u@x>, method=PLAIN\r\n"
	"Jun 17 10:22:33 mx postfix/smtpd[12345678901]: x\n"
	"Jun 17 10:22:33 mx postfix/smtpd[12a]: x\n"
	"Jun 17 10:22:33 mx postfix/nosuch[1]: x\n"
	"Jun 17 10:22:33 mx\n"
	"garbage line\n"
	"\n"
	"Jun 17 10:22:33 mx postfix/smtp[1]: ABCDEF12: to=<a@b>, relay=r, delay=1, dsn=4.4.1, "
	"status=deferred (cut at 2000 bytes without a closing parenthesis";

Test(parse, masks_and_bytes_give_the_same_event)
{
	check_parse_both_ways(tricky, sizeof tricky - 1);
	size_t len;
	char *log = pft_bench_gen_log(11, 512 << 10, &len);
	check_parse_both_ways(log, len);
	/* Every prefix of the tricky lines (truncated records). */
	for (size_t cut = 0; cut < sizeof tricky - 1; cut += 3)
		check_parse_both_ways(tricky, cut);
	free(log);
	const char *ext = pft_test_corpus_ext();
	if (ext != NULL) {
		char path[4096];
		snprintf(path, sizeof path, "%s/malformed-and-mixed.log", ext);
		char *text = pft_test_read_file(path, &len);
		if (text != NULL)
			check_parse_both_ways(text, len);
		free(text);
	}
}

/* ---- choosing a kernel ---------------------------------------------------------------------- */

Test(select, default_is_the_best_supported)
{
	unsetenv("PFT_FORCE_SCAN");
	struct pft_error err = {0};
	cr_assert_eq(pft_scan_select(&err), PFT_OK);
	size_t n;
	const struct pft_scan_impl *impls = pft_scan_impls(&n);
	size_t first = 0;
	while (!impls[first].supported())
		first++;
	cr_assert_eq(pft_scan_current(), &impls[first]);
	cr_assert_str_eq(impls[n - 1].name, "scalar", "the reference is last, always there");
}

Test(select, forced_scalar)
{
	setenv("PFT_FORCE_SCAN", "scalar", 1);
	struct pft_error err = {0};
	cr_assert_eq(pft_scan_select(&err), PFT_OK);
	cr_assert_str_eq(pft_scan_current()->name, "scalar");
}

Test(select, unknown_name_is_a_usage_error)
{
	setenv("PFT_FORCE_SCAN", "avx9000", 1);
	struct pft_error err = {0};
	cr_assert_eq(pft_scan_select(&err), PFT_ERR_USAGE);
	cr_assert_eq(err.status, PFT_ERR_USAGE);
	cr_assert(strstr(err.detail, "avx9000") && strstr(err.detail, "scalar"), "detail: %s",
		  err.detail);
	cr_assert_not_null(pft_scan_current(), "a kernel is chosen all the same");
}

Test(select, unsupported_kernel_is_a_usage_error)
{
	size_t n;
	const struct pft_scan_impl *impls = pft_scan_impls(&n);
	for (size_t i = 0; i < n; i++) {
		if (impls[i].supported())
			continue;
		setenv("PFT_FORCE_SCAN", impls[i].name, 1);
		struct pft_error err = {0};
		cr_assert_eq(pft_scan_select(&err), PFT_ERR_USAGE);
		cr_assert(strstr(err.detail, "lacks") != NULL, "detail: %s", err.detail);
		cr_assert(pft_scan_current()->supported());
		return;
	}
	cr_skip_test("every kernel is supported on this CPU");
}

/* ---- end to end: the same JSON whatever the kernel ------------------------------------------ */

#define PFTALLY PFT_BINARY_DIR "/pftally"
#define PFTGEN PFT_BINARY_DIR "/tools/pftgen"

static char *run_json(const char *env, const char *args)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "%s " PFTALLY " --format json --year 2024 %s", env, args);
	char *out = NULL;
	int code = pft_test_run(cmd, &out);
	cr_assert_eq(code, 0, "command failed (%d): %s", code, cmd);
	return out;
}

Test(e2e, same_json_under_every_kernel, .timeout = 300)
{
	char *dir = pft_test_tmpdir();
	cr_assert_not_null(dir);
	char path[4096];
	snprintf(path, sizeof path, "%s/mail.log", dir);
	/* The project's generator when it is built, else the benchmark's log maker; plus the
	 * hand-made lines either way. */
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "test -x " PFTGEN " && " PFTGEN " --seed 3 --messages 4000 "
		 "--hosts 2 --qid mixed --stamp mixed --noise 0.02 -o %s/gen.log", dir);
	int have_gen = pft_test_run(cmd, NULL) == 0;
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	size_t len;
	char *log = pft_bench_gen_log(5, 2 << 20, &len);
	fwrite(log, 1, len, f);
	free(log);
	fputs(tricky, f);
	fputc('\n', f);
	if (have_gen) {
		char gen[4096];
		snprintf(gen, sizeof gen, "%s/gen.log", dir);
		char *text = pft_test_read_file(gen, &len);
		cr_assert_not_null(text);
		fwrite(text, 1, len, f);
		free(text);
	}
	fclose(f);

	char args[4200];
	snprintf(args, sizeof args, "%s", path);
	char *reference = run_json("PFT_FORCE_SCAN=scalar", args);
	cr_assert(strstr(reference, "\"schema\"") != NULL, "no JSON: %.200s", reference);
	char *dflt = run_json("", args);
	cr_assert_str_eq(dflt, reference, "default kernel and scalar differ");
	free(dflt);
	size_t n;
	const struct pft_scan_impl *impls = pft_scan_impls(&n);
	for (size_t i = 0; i < n; i++) {
		if (!impls[i].supported())
			continue;
		char env[64];
		snprintf(env, sizeof env, "PFT_FORCE_SCAN=%s", impls[i].name);
		char *json = run_json(env, args);
		cr_assert_str_eq(json, reference, "%s and scalar differ", impls[i].name);
		free(json);
		snprintf(args, sizeof args, "--chunk-size 64K %s", path);
		json = run_json(env, args);
		cr_assert_str_eq(json, reference, "%s with small chunks and scalar differ",
				 impls[i].name);
		free(json);
		snprintf(args, sizeof args, "%s", path);
	}
	free(reference);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(pft_test_run(cmd, NULL), 0);
	free(dir);
}
