/* Line faults (issue 7): NUL bytes, invalid UTF-8, overlong lines, no final newline, CR-only
 * line ends. Each is counted and never fatal: checked at the parser (and line walker) level,
 * then end to end through the pftally executable, whose counts must not depend on how the
 * input is chunked, threaded or read. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "pft_test.h"
#include "scan/scan.h"

#define PFTALLY "\"${PFT_TEST_PFTALLY:-" PFT_BINARY_DIR "/pftally}\""

#define HEAD "Mar  1 10:00:00 mx1 postfix/smtp[1234]: "
#define SENT(qid)                                                                                  \
	HEAD qid ": to=<a@b.example>, relay=mx.b.example[192.0.2.1]:25, delay=0.5, "               \
	         "delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 OK)"

static struct pft_event ev;

static void parse(const char *p, size_t n)
{
	pft_parse_line(p, n, &ev);
}

/* ---- a growing byte buffer ------------------------------------------------------------------ */

struct buf {
	char *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		cr_assert_not_null(b->p);
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void fill(struct buf *b, char c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(b, &c, 1);
}

/* A delivery record of exactly `len` bytes: the reason is padded. */
static void padded_record(struct buf *b, size_t len, const char *status)
{
	char head[256];
	snprintf(head, sizeof head,
	         HEAD "5C4B3A2918: to=<a@b.example>, relay=mx.b.example[192.0.2.1]:25, delay=1, "
	              "delays=0.1/0/0.5/0.4, dsn=5.1.1, status=%s (",
	         status);
	size_t h = strlen(head);
	cr_assert_gt(len, h + 1);
	puts_(b, head);
	fill(b, 'x', len - h - 1);
	puts_(b, ")");
}

/* ---- the line walker + parser, as a worker runs them ------------------------------------------
 */

struct walked {
	size_t lines;
	size_t kind[PFT_EV_KIND_COUNT];
	size_t reason[PFT_UNREC_REASON_COUNT];
	size_t sent, bounced;
};

static struct walked walk(const char *data, size_t len)
{
	struct walked w = {0};
	struct pft_scan_lines it;
	struct pft_scan_line line;
	pft_scan_lines_init(&it, data, len, NULL);
	int got;
	while ((got = pft_scan_lines_next(&it, &line)) > 0) {
		struct pft_event e;
		pft_parse_line_scanned(line.p, line.len, &line.ix, &e);
		w.lines++;
		w.kind[e.kind]++;
		w.reason[e.reason]++;
		w.sent += e.kind == PFT_EV_DELIVERY && e.status == PFT_DS_SENT;
		w.bounced += e.kind == PFT_EV_DELIVERY && e.status == PFT_DS_BOUNCED;
	}
	cr_assert_eq(got, 0, "line walk failed");
	pft_scan_lines_free(&it);
	return w;
}

/* ---- through the executable ---------------------------------------------------------------------
 */

static char *tmpdir;

static void setup(void)
{
	tmpdir = pft_test_tmpdir();
	cr_assert_not_null(tmpdir);
}

static void teardown(void)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	pft_test_run(cmd, NULL);
	free(tmpdir);
}

static const char *write_input(const char *name, const struct buf *b)
{
	static char path[4200];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "cannot write %s", path);
	cr_assert_eq(fwrite(b->p, 1, b->n, f), b->n);
	fclose(f);
	return path;
}

static char *pftally_json(const char *path, const char *opts)
{
	char cmd[8600];
	snprintf(cmd, sizeof cmd, PFTALLY " --format json --year 2025 %s '%s'", opts, path);
	char *out = NULL;
	int code = pft_test_run(cmd, &out);
	cr_assert_eq(code, 0, "pftally failed (%d): %s", code, cmd);
	cr_assert_not_null(out);
	return out;
}

static void expect_num(const char *json, const char *path, long long want)
{
	long long got = -1;
	int found = pft_test_json_number(json, path, &got);
	if (want == 0 && !found)
		return; /* reasons with no line are left out */
	cr_expect(found, "%s missing", path);
	cr_expect_eq(got, want, "%s = %lld, want %lld", path, got, want);
}

/* lines.total/malformed, attempts, and one reason. */
static void expect_lines(const char *json, long long total, long long malformed, long long sent,
                         long long bounced)
{
	expect_num(json, "lines.total", total);
	expect_num(json, "lines.malformed", malformed);
	expect_num(json, "attempts.sent", sent);
	expect_num(json, "attempts.bounced", bounced);
}

/* ---- the fault files ----------------------------------------------------------------------------
 */

/* 35 lines: 33 attempts (one after a NUL hole, one with a NUL in its reason), a NUL in a
 * stamp, a line of NULs. The faults come after 5 KB of text: a file whose first 4 KiB are
 * mostly NUL is refused as binary (src/io). */
#define NUL_FILE_PREFIX 30
static void nul_file(struct buf *b)
{
	for (int i = 0; i < NUL_FILE_PREFIX; i++)
		puts_(b, SENT("0A2B3C4D5E") "\n");
	puts_(b, SENT("1A2B3C4D5E") "\n");
	fill(b, '\0', 4096); /* a crashed syslogd's hole, then the next line */
	puts_(b, SENT("2A2B3C4D5E") "\n");
	puts_(b, HEAD "3A2B3C4D5E: to=<a@b.example>, relay=mx.b.example[192.0.2.1]:25, delay=1, "
	              "dsn=2.0.0, status=sent (250 2.0.0 O");
	fill(b, '\0', 1);
	puts_(b, "K)\n");
	put(b,
	    "Mar  1 10:00:\0"
	    "0 mx1 postfix/smtp[1]: x\n",
	    39);
	fill(b, '\0', 100);
	puts_(b, "\n");
}

/* 4 lines: a BOM and 3 records with bytes that are not UTF-8; one line of binary garbage. */
static void utf8_file(struct buf *b)
{
	puts_(b, "\xEF\xBB\xBF" SENT("1A2B3C4D5E") "\n");
	puts_(b, HEAD
	      "2A2B3C4D5E: to=<j\xF6rg\xC0\xAF@b.example>, relay=mx.b.example[192.0.2.1]:25, "
	      "delay=1, dsn=5.1.1, status=bounced (550 5.1.1 \xED\xA0\x80 \xF8\x88\x80\x80\x80 "
	      "unknown \xFF user)\n");
	puts_(b, "Mar  1 10:00:00 mx\x80\xBF postfix/smtp[1234]: 3A2B3C4D5E: to=<a@b.example>, "
	         "relay=\xC3(\xE2\x82[192.0.2.1]:25, delay=0.5, dsn=2.0.0, status=sent (250 OK)\n");
	puts_(b, "\xFF\xFE\xFD garbage \x80\x81\n");
}

/* 4 lines: a 1 MiB line between two records, and one record of exactly the cap. */
static void overlong_file(struct buf *b)
{
	puts_(b, SENT("1A2B3C4D5E") "\n");
	padded_record(b, (size_t)1 << 20, "sent");
	puts_(b, "\n" SENT("2A2B3C4D5E") "\n");
	padded_record(b, PFT_PARSE_MAX_LINE, "bounced");
	puts_(b, "\n");
}

/* 1000 records separated by a lone CR only (an old Mac file: no LF at all, 150 KB). */
static void cr_file(struct buf *b)
{
	for (int i = 0; i < 1000; i++) {
		char qid[16];
		snprintf(qid, sizeof qid, "%010X", 0xA0000000u + (unsigned)i);
		puts_(b, HEAD);
		puts_(b, qid);
		puts_(b, ": to=<a@b.example>, relay=mx.b.example[192.0.2.1]:25, delay=0.5, "
		         "dsn=2.0.0, status=sent (250 2.0.0 OK)\r");
	}
}

/* ---- parser level -------------------------------------------------------------------------------
 */

Test(faults_parser, nul_bytes)
{
	struct buf b = {0};
	nul_file(&b);
	struct walked w = walk(b.p, b.n);
	cr_assert_eq(w.lines, NUL_FILE_PREFIX + 5);
	cr_assert_eq(w.sent, NUL_FILE_PREFIX + 3);
	cr_assert_eq(w.kind[PFT_EV_MALFORMED], 2);
	cr_assert_eq(w.reason[PFT_UNREC_BAD_TIMESTAMP], 1);
	cr_assert_eq(w.reason[PFT_UNREC_EMPTY], 1);

	/* one line at a time: the NUL in the reason is kept */
	static const char with_nul[] = HEAD "3A2B3C4D5E: to=<a@b.example>, relay=local, delay=1, "
	                                    "dsn=2.0.0, status=sent (250 2.0.0 O\0K)";
	parse(with_nul, sizeof with_nul - 1);
	cr_assert_eq(ev.kind, PFT_EV_DELIVERY);
	cr_assert_eq(ev.status, PFT_DS_SENT);
	cr_assert_eq(ev.reason_text.n, strlen("250 2.0.0 O") + 2);
	cr_assert_eq(ev.reason_text.p[11], '\0');

	/* a NUL in the tag: a service that does not exist */
	parse("Mar  1 10:00:00 mx1 postfix/sm\0tp[1]: x", 39);
	cr_assert_eq(ev.kind, PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_UNKNOWN_SERVICE);
	free(b.p);
}

Test(faults_parser, invalid_utf8)
{
	struct buf b = {0};
	utf8_file(&b);
	struct walked w = walk(b.p, b.n);
	cr_assert_eq(w.lines, 4);
	cr_assert_eq(w.sent, 2);
	cr_assert_eq(w.bounced, 1);
	cr_assert_eq(w.kind[PFT_EV_MALFORMED], 1);
	cr_assert_eq(w.reason[PFT_UNREC_BAD_TIMESTAMP], 1);

	parse(b.p, strlen(SENT("1A2B3C4D5E")) + 3); /* the BOM line */
	cr_assert_eq(ev.kind, PFT_EV_DELIVERY);
	cr_assert_eq(ev.time.month, 3);
	free(b.p);
}

Test(faults_parser, overlong_line)
{
	struct buf b = {0};
	padded_record(&b, (size_t)1 << 20, "sent");
	parse(b.p, b.n);
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_OVERLONG);
	cr_assert_eq(ev.has_time, 0, "an overlong line is not parsed");

	/* the cap itself is parsed; one byte more is not; a CR does not count */
	for (size_t extra = 0; extra <= 1; extra++) {
		b.n = 0;
		padded_record(&b, PFT_PARSE_MAX_LINE + extra, "bounced");
		parse(b.p, b.n);
		cr_assert_eq(ev.kind, extra ? PFT_EV_MALFORMED : PFT_EV_DELIVERY, "cap + %zu",
		             extra);
		cr_assert_eq(ev.reason, extra ? PFT_UNREC_OVERLONG : PFT_UNREC_NONE);
		puts_(&b, "\r");
		parse(b.p, b.n);
		cr_assert_eq(ev.kind, extra ? PFT_EV_MALFORMED : PFT_EV_DELIVERY, "cap + %zu CR",
		             extra);
	}
	/* leading NULs do not count either */
	b.n = 0;
	fill(&b, '\0', PFT_PARSE_MAX_LINE);
	puts_(&b, SENT("1A2B3C4D5E"));
	parse(b.p, b.n);
	cr_assert_eq(ev.kind, PFT_EV_DELIVERY);

	/* through the walker: the long line is handed out without an index, the next ones are
	 * indexed again */
	b.n = 0;
	overlong_file(&b);
	struct walked w = walk(b.p, b.n);
	cr_assert_eq(w.lines, 4);
	cr_assert_eq(w.sent, 2);
	cr_assert_eq(w.bounced, 1);
	cr_assert_eq(w.reason[PFT_UNREC_OVERLONG], 1);
	free(b.p);
}

Test(faults_parser, no_final_newline)
{
	struct buf b = {0};
	puts_(&b, SENT("1A2B3C4D5E") "\n" SENT("2A2B3C4D5E"));
	struct walked w = walk(b.p, b.n);
	cr_assert_eq(w.lines, 2);
	cr_assert_eq(w.sent, 2);
	b.n = 0;
	puts_(&b, SENT("1A2B3C4D5E") "\r"); /* the last line ends with a lone CR */
	w = walk(b.p, b.n);
	cr_assert_eq(w.lines, 1);
	cr_assert_eq(w.sent, 1);
	free(b.p);
}

Test(faults_parser, cr_line_endings)
{
	struct buf b = {0};
	cr_file(&b);
	cr_assert_gt(b.n, 2 * PFT_SCAN_LINE_INDEX_MAX);
	struct walked w = walk(b.p, b.n);
	cr_assert_eq(w.lines, 1000);
	cr_assert_eq(w.sent, 1000);

	/* mixed: CRLF, lone CR, LF; a CR before CRLF ends a line of its own (empty) */
	b.n = 0;
	puts_(&b, SENT("1A2B3C4D5E") "\r\n" SENT("2A2B3C4D5E") "\r" SENT("3A2B3C4D5E") "\n" SENT(
	              "4A2B3C4D5E") "\r\r\n");
	w = walk(b.p, b.n);
	cr_assert_eq(w.lines, 5);
	cr_assert_eq(w.sent, 4);
	cr_assert_eq(w.reason[PFT_UNREC_EMPTY], 1);

	/* a lone CR after more than the index cap of one line: the long line ends there */
	b.n = 0;
	padded_record(&b, PFT_SCAN_LINE_INDEX_MAX + 100, "sent");
	puts_(&b, "\r" SENT("1A2B3C4D5E") "\r\n");
	w = walk(b.p, b.n);
	cr_assert_eq(w.lines, 2);
	cr_assert_eq(w.reason[PFT_UNREC_OVERLONG], 1);
	cr_assert_eq(w.sent, 1);
	free(b.p);
}

/* ---- end to end ---------------------------------------------------------------------------------
 */

TestSuite(faults_cli, .init = setup, .fini = teardown, .timeout = 120);

Test(faults_cli, nul_bytes)
{
	struct buf b = {0};
	nul_file(&b);
	char *json = pftally_json(write_input("nul.log", &b), "");
	expect_lines(json, NUL_FILE_PREFIX + 5, 2, NUL_FILE_PREFIX + 3, 0);
	expect_num(json, "unrecognized.bad_timestamp", 1);
	expect_num(json, "unrecognized.empty", 1);
	free(json);
	free(b.p);
}

Test(faults_cli, invalid_utf8)
{
	struct buf b = {0};
	utf8_file(&b);
	char *json = pftally_json(write_input("utf8.log", &b), "");
	expect_lines(json, 4, 1, 2, 1);
	expect_num(json, "unrecognized.bad_timestamp", 1);
	free(json);
	free(b.p);
}

Test(faults_cli, overlong_line)
{
	struct buf b = {0};
	overlong_file(&b);
	char *json = pftally_json(write_input("long.log", &b), "");
	expect_lines(json, 4, 1, 2, 1);
	expect_num(json, "unrecognized.overlong", 1);
	cr_expect_not_null(strstr(json, "\"overlong\": [{\"file\": "), "no overlong sample");
	free(json);
	free(b.p);
}

Test(faults_cli, no_final_newline)
{
	struct buf b = {0};
	puts_(&b, SENT("1A2B3C4D5E") "\n" SENT("2A2B3C4D5E"));
	char *json = pftally_json(write_input("open.log", &b), "");
	expect_lines(json, 2, 0, 2, 0);
	free(json);
	free(b.p);
}

Test(faults_cli, cr_line_endings)
{
	struct buf b = {0};
	cr_file(&b);
	char *json = pftally_json(write_input("mac.log", &b), "");
	expect_lines(json, 1000, 0, 1000, 0);
	free(json);
	free(b.p);
}

/* All the faults in one file: the same JSON for any chunk size, thread count and reader. */
Test(faults_cli, every_chunking_agrees)
{
	struct buf b = {0};
	nul_file(&b);
	utf8_file(&b);
	overlong_file(&b);
	cr_file(&b);
	puts_(&b, "\n" SENT("1A2B3C4D5E") "\r\n" SENT("2A2B3C4D5E") "\r" SENT("3A2B3C4D5E"));
	const char *path = write_input("all.log", &b);
	char *reference = pftally_json(path, "-j 1");
	expect_lines(reference, NUL_FILE_PREFIX + 5 + 4 + 4 + 1000 + 3, 2 + 1 + 1,
	             NUL_FILE_PREFIX + 3 + 2 + 2 + 1000 + 3, 1 + 1);
	char *cut = strstr(reference, "\n  \"inputs\": ");
	cr_assert_not_null(cut);
	cut[1] = '\0';
	static const char *const engines[] = {
	    "-j 2",
	    "-j 3 --chunk-size 1K",
	    "-j 2 --chunk-size 3K --no-mmap",
	    "-j 1 --chunk-size 64K",
	    "-j 2 --chunk-size 7K",
	};
	for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
		char *json = pftally_json(path, engines[i]);
		char *c = strstr(json, "\n  \"inputs\": ");
		cr_assert_not_null(c);
		c[1] = '\0';
		cr_expect_str_eq(json, reference, "%s changes the JSON", engines[i]);
		free(json);
	}
	free(reference);
	free(b.p);
}

/* ---- the hostile log of another project --------------------------------------------------------
 * malformed-and-mixed.log: sergeymakinen/postfix_exporter testdata/mail.log, BSD 3-Clause,
 * Copyright (c) 2022 Sergey Makinen; read from the corpus-ext folder beside the checkout,
 * skipped when it is absent. What each of its 66 lines must become, read off the file. */

#define M PFT_EV_MALFORMED
#define O PFT_EV_OTHER_PROGRAM
#define I PFT_EV_POSTFIX_INFO
#define U PFT_EV_UNRECOGNIZED
#define D PFT_EV_DELIVERY
#define R PFT_EV_REJECT
#define X PFT_EV_EXPIRED

static const struct {
	enum pft_event_kind kind;
	enum pft_unrec_reason reason;
	enum pft_dstatus status; /* deliveries */
	const char *starts;      /* the line starts so (a check that the table is in step) */
} mixed[] = {
    /* 1 */ {M, PFT_UNREC_BAD_TIMESTAMP, 0, "# Unsupported or malformed"},
    /* 2 */ {O, 0, 0, "Jan 1 00:00:00 hostname postfix1[12345]: foo"},
    /* 3 */ {U, PFT_UNREC_UNKNOWN_SERVICE, 0, "Jan 1 00:00:00 hostname postfix/unknown["},
    /* 4 */ {M, PFT_UNREC_BAD_TIMESTAMP, 0, "Jan: 1"},
    /* 5 */ {M, PFT_UNREC_BAD_PID, 0, "Jan 1 00:00:00 hostname postfix/postscreen[abcde]"},
    /* 6 */ {M, PFT_UNREC_BAD_PROGRAM, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345"},
    /* 7 */ {M, PFT_UNREC_BAD_PROGRAM, 0, "Jan 1 00:00:00 hostname postfix/postscreen"},
    /* 8 */ {M, PFT_UNREC_BAD_TIMESTAMP, 0, "Foo 1 00:00:00 hostname"},
    /* 9 */ {M, PFT_UNREC_BAD_HOST, 0, "Jan 1 00:00:00"},
    /* 10 */ {M, PFT_UNREC_BAD_TIMESTAMP, 0, "Jan"},
    /* 11 */ {M, PFT_UNREC_BAD_TIMESTAMP, 0, "# Postscreen"},
    /* 12 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: CONNECT from"},
    /* 13 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: DISCONNECT"},
    /* 14 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: DNSBL rank"},
    /* 15 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: PREGREET"},
    /* 16 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: PASS OLD"},
    /* 17 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: PASS NEW"},
    /* 18 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: HANGUP"},
    /* 19 */ {R, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: NOQUEUE: reject: RCPT"},
    /* 20 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: DATA without"},
    /* 21 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: BDAT without"},
    /* 22 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: COMMAND TIME"},
    /* 23 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: COMMAND LENGTH"},
    /* 24 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: BARE NEWLINE"},
    /* 25 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: NON-SMTP"},
    /* 26 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: COMMAND PIPELINING"},
    /* 27 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: COMMAND COUNT"},
    /* 28 */
    {R, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: NOQUEUE: reject: CONNECT"},
    /* 29 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: DENYLISTED"},
    /* 30 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: BLACKLISTED"},
    /* 31 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: ALLOWLISTED"},
    /* 32 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: WHITELISTED"},
    /* 33 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: WHITELIST VETO"},
    /* 34 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/postscreen[12345]: error: open"},
    /* 35 */ {M, PFT_UNREC_BAD_TIMESTAMP, 0, "# smtpd"},
    /* 36 */ {I, 0, 0, "2023-02-01T01:02:04.123456+00:00 hostname postfix/smtpd[12345]: warning"},
    /* 37 */ {I, 0, 0, "Jan  1 00:00:00 hostname postfix/smtpd[12345]: connect from"},
    /* 38 */ {I, 0, 0, "Jan 01 00:00:00 hostname postfix/smtpd[12345]: disconnect from"},
    /* 39 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/smtpd[12345]: lost connection"},
    /* 40 */ {R, 0, 0, "Jan 1 00:00:00 hostname postfix/smtpd[12345]: 123456789AB: milter-reject"},
    /* 41 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/smtpd[12345]: warning: example.com"},
    /* 42 */ {R, 0, 0, "Jan 1 00:00:00 hostname postfix/smtpd[12345]: NOQUEUE: reject: RCPT"},
    /* 43 */ {R, 0, 0, "Jan 1 00:00:00 hostname postfix/smtpd[12345]: NOQUEUE: reject: RCPT"},
    /* 44 */ {R, 0, 0, "Jan 1 00:00:00 hostname postfix/smtpd[12345]: NOQUEUE: reject: RCPT"},
    /* 45 */
    {U, PFT_UNREC_REJECT, 0,
     "Jan 1 00:00:00 hostname postfix/smtpd[12345]: NOQUEUE: reject: Unsupported"},
    /* 46 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/smtpd[12345]: Unsupported"},
    /* 47 */ {M, PFT_UNREC_BAD_TIMESTAMP, 0, "# lmtp"},
    /* 48 */ {D, 0, PFT_DS_SENT, "Jan 1 00:00:00 hostname postfix/lmtp[12345]: 123456789AB: to="},
    /* 49 */ {D, 0, PFT_DS_BOUNCED, "2023-02-01T01:02:04.123456+00:00 hostname postfix/lmtp"},
    /* 50 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/lmtp[12345]: Unsupported"},
    /* 51 */ {M, PFT_UNREC_BAD_TIMESTAMP, 0, "# smtp"},
    /* 52 */ {D, 0, PFT_DS_SENT, "Jan 1 00:00:00 hostname postfix/smtp[12345]: 123456789AB: to="},
    /* 53 */ {D, 0, PFT_DS_SENT, "Jan 1 00:00:00 hostname postfix/smtp[12345]: 123456789AB: to="},
    /* 54: cut inside the reason, after the status word: still an attempt */
    /* 54 */ {D, 0, PFT_DS_BOUNCED, "2023-02-01T01:02:04.123456+00:00 hostname postfix/smtp"},
    /* 55, 56: "QID: user@example.com, relay=..." — the to= is missing */
    /* 55 */
    {U, PFT_UNREC_DELIVERY_BAD_FIELD, 0,
     "Jan 1 00:00:00 hostname postfix/smtp[12345]: 123456789AB: user@"},
    /* 56 */
    {U, PFT_UNREC_DELIVERY_BAD_FIELD, 0,
     "Jan 1 00:00:00 hostname postfix/smtp[12345]: 123456789AB: user@"},
    /* 57 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/smtp[12345]: 123456789AB: host example"},
    /* 58 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/smtp[12345]: 123456789AB: host example"},
    /* 59 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/smtp[12345]: 123456789AB: host example"},
    /* 60 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/smtp[12345]: Unsupported"},
    /* 61 */ {M, PFT_UNREC_BAD_TIMESTAMP, 0, "# cleanup"},
    /* 62 */
    {R, 0, 0, "Jan 1 00:00:00 hostname postfix/cleanup[12345]: 123456789AB: milter-reject"},
    /* 63 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/cleanup[12345]: Unsupported"},
    /* 64 */ {M, PFT_UNREC_BAD_TIMESTAMP, 0, "# qmgr"},
    /* 65: "from=<user@example.com>>," — the address ends at the '>' before ',' */
    /* 65 */
    {X, 0, PFT_DS_EXPIRED, "Jan 1 00:00:00 hostname postfix/qmgr[12345]: 123456789AB: from="},
    /* 66 */ {I, 0, 0, "Jan 1 00:00:00 hostname postfix/qmgr[12345]: Unsupported"},
};

#undef M
#undef O
#undef I
#undef U
#undef D
#undef R
#undef X

static char *read_mixed(size_t *len)
{
	const char *dir = pft_test_corpus_ext();
	if (dir == NULL)
		return NULL;
	static char path[4096];
	snprintf(path, sizeof path, "%s/malformed-and-mixed.log", dir);
	return pft_test_read_file(path, len);
}

Test(faults_corpus, malformed_and_mixed_line_by_line)
{
	size_t len;
	char *all = read_mixed(&len);
	if (all == NULL)
		cr_skip_test("corpus-ext folder or malformed-and-mixed.log absent");
	const size_t n_lines = sizeof mixed / sizeof mixed[0];
	struct pft_scan_lines it;
	struct pft_scan_line line;
	pft_scan_lines_init(&it, all, len, NULL);
	size_t i = 0;
	while (pft_scan_lines_next(&it, &line) > 0) {
		cr_assert_lt(i, n_lines, "more lines than the table");
		const size_t k = strlen(mixed[i].starts);
		cr_assert(line.len >= k && memcmp(line.p, mixed[i].starts, k) == 0,
		          "line %zu is not \"%s...\": %.*s", i + 1, mixed[i].starts, (int)line.len,
		          line.p);
		struct pft_event e;
		pft_parse_line_scanned(line.p, line.len, &line.ix, &e);
		cr_expect_eq(e.kind, mixed[i].kind, "line %zu: kind %d, want %d: %.*s", i + 1,
		             e.kind, mixed[i].kind, (int)line.len, line.p);
		cr_expect_eq(e.reason, mixed[i].reason, "line %zu: reason %d, want %d: %.*s", i + 1,
		             e.reason, mixed[i].reason, (int)line.len, line.p);
		if (mixed[i].status != PFT_DS_NONE)
			cr_expect_eq(e.status, mixed[i].status, "line %zu: status %d, want %d",
			             i + 1, e.status, mixed[i].status);
		i++;
	}
	pft_scan_lines_free(&it);
	cr_assert_eq(i, n_lines, "%zu lines, the table has %zu", i, n_lines);
	free(all);
}

Test(faults_corpus, malformed_and_mixed_through_the_cli, .init = setup, .fini = teardown)
{
	const char *dir = pft_test_corpus_ext();
	char *probe = dir != NULL ? read_mixed(&(size_t){0}) : NULL;
	if (probe == NULL)
		cr_skip_test("corpus-ext folder or malformed-and-mixed.log absent");
	free(probe);
	/* the table's sums, per line class and reason */
	long long malformed = 0, unrec = 0, other = 0, sent = 0, bounced = 0;
	long long reasons[PFT_UNREC_REASON_COUNT] = {0};
	for (size_t i = 0; i < sizeof mixed / sizeof mixed[0]; i++) {
		malformed += mixed[i].kind == PFT_EV_MALFORMED;
		unrec += mixed[i].kind == PFT_EV_UNRECOGNIZED;
		other += mixed[i].kind == PFT_EV_OTHER_PROGRAM;
		sent += mixed[i].kind == PFT_EV_DELIVERY && mixed[i].status == PFT_DS_SENT;
		bounced += mixed[i].kind == PFT_EV_DELIVERY && mixed[i].status == PFT_DS_BOUNCED;
		reasons[mixed[i].reason]++;
	}
	char path[4200];
	snprintf(path, sizeof path, "%s/malformed-and-mixed.log", dir);
	char *json = pftally_json(path, "-j 2 --chunk-size 1K");
	expect_num(json, "lines.total", (long long)(sizeof mixed / sizeof mixed[0]));
	expect_num(json, "lines.malformed", malformed);
	expect_num(json, "lines.unrecognized", unrec);
	expect_num(json, "lines.other_programs", other);
	expect_num(json, "attempts.sent", sent);
	expect_num(json, "attempts.bounced", bounced);
	expect_num(json, "unrecognized.bad_timestamp", reasons[PFT_UNREC_BAD_TIMESTAMP]);
	expect_num(json, "unrecognized.bad_host", reasons[PFT_UNREC_BAD_HOST]);
	expect_num(json, "unrecognized.bad_program", reasons[PFT_UNREC_BAD_PROGRAM]);
	expect_num(json, "unrecognized.bad_pid", reasons[PFT_UNREC_BAD_PID]);
	expect_num(json, "unrecognized.unknown_service", reasons[PFT_UNREC_UNKNOWN_SERVICE]);
	expect_num(json, "unrecognized.reject_unknown", reasons[PFT_UNREC_REJECT]);
	expect_num(json, "unrecognized.delivery_bad_field", reasons[PFT_UNREC_DELIVERY_BAD_FIELD]);
	free(json);
}
