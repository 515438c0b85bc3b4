/* Line shapes (issue 5): the ways syslog daemons, journald, containers and old Postfix
 * versions write one Postfix record, each parsed into the event written out by hand.
 *
 * The last test wraps every real message of the grok test suite (whyscream/postfix-grok-patterns,
 * BSD 3-Clause, Copyright (c) 2014-2023 Tom Hendrikx; read from the corpus-ext folder beside
 * the checkout, skipped when it is absent) in each shape and checks that the record parses as
 * it does in a plain BSD line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "pft_test.h"

static struct pft_event ev;

static void line(const char *text)
{
	pft_parse_line(text, strlen(text), &ev);
}

#define cr_assert_slice(s, lit)                                                                    \
	cr_assert((s).n == strlen(lit) && ((s).n == 0 || memcmp((s).p, (lit), (s).n) == 0),        \
	          "expected \"%s\", got \"%.*s\"", (lit), (int)(s).n, (s).p ? (s).p : "")

static void assert_civil(int year, int month, int day, int h, int m, int s)
{
	cr_assert(ev.has_time);
	cr_assert_eq(ev.time.year_known, year != 0);
	cr_assert_eq(ev.time.year, year);
	cr_assert_eq(ev.time.month, month);
	cr_assert_eq(ev.time.day, day);
	cr_assert_eq(ev.time.hour, h);
	cr_assert_eq(ev.time.min, m);
	cr_assert_eq(ev.time.sec, s);
}

/* The delivery record most tests carry, and what it parses to. */
#define REC_SENT                                                                                   \
	"4F3A1B2C3D: to=<a@b.example>, relay=mx.b.example[192.0.2.1]:25, delay=0.52, "             \
	"delays=0.1/0/0.21/0.21, dsn=2.0.0, status=sent (250 2.0.0 OK id=1x)"

static void assert_rec_sent(void)
{
	cr_assert_eq(ev.kind, PFT_EV_DELIVERY, "kind %d reason %d", ev.kind, ev.reason);
	cr_assert_slice(ev.qid, "4F3A1B2C3D");
	cr_assert_slice(ev.to, "a@b.example");
	cr_assert_slice(ev.relay, "mx.b.example[192.0.2.1]:25");
	cr_assert_slice(ev.relay_host, "mx.b.example");
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(2, 0, 0));
	cr_assert_eq(ev.status, PFT_DS_SENT);
	cr_assert_slice(ev.reason_text, "250 2.0.0 OK id=1x");
	cr_assert_eq(ev.repeated, 0);
}

/* ---- RFC 5424 ------------------------------------------------------------------------------ */

Test(shapes, rfc5424_delivery)
{
	line("<22>1 2025-03-01T10:00:00.123+01:00 mx1 postfix/smtp 1234 - - " REC_SENT);
	assert_rec_sent();
	assert_civil(2025, 3, 1, 10, 0, 0);
	cr_assert_eq(ev.time.nsec, 123000000u);
	cr_assert_eq(ev.time.utc_offset_min, 60);
	cr_assert_slice(ev.host, "mx1");
	cr_assert_slice(ev.program, "postfix/smtp");
	cr_assert_slice(ev.instance, "postfix");
	cr_assert_slice(ev.service, "smtp");
	cr_assert_eq(ev.pid, 1234);
}

Test(shapes, rfc5424_structured_data_nil_procid_and_bom)
{
	/* several SD elements, escaped ']' '"' '\' inside values, PROCID "-", MSGID set */
	line("<22>1 2025-03-01T10:00:00Z mx1 postfix/qmgr - QMGR1 [timeQuality tzKnown=\"1\" "
	     "isSynced=\"1\"][meta@32473 note=\"a \\] b \\\" c \\\\\" x=\"]\"] ABCDEF123: removed");
	cr_assert_eq(ev.kind, PFT_EV_REMOVED, "kind %d reason %d", ev.kind, ev.reason);
	cr_assert_slice(ev.qid, "ABCDEF123");
	cr_assert_eq(ev.pid, 0);
	cr_assert_slice(ev.service, "qmgr");

	line("<22>1 2025-03-01T10:00:00Z mx1 postfix/qmgr 77 - - \xEF\xBB\xBF"
	     "ABCDEF123: removed");
	cr_assert_eq(ev.kind, PFT_EV_REMOVED);
	cr_assert_slice(ev.text, "ABCDEF123: removed");
	cr_assert_eq(ev.pid, 77);

	/* rsyslog's RSYSLOG_SyslogProtocol23Format: MSG keeps the space after the local tag */
	line("<22>1 2025-03-01T10:00:00.123456+01:00 mx1 postfix/smtp 1234 - -  " REC_SENT);
	assert_rec_sent();
	cr_assert_slice(ev.text, REC_SENT);

	/* no MSG at all */
	cr_assert(pft_parse_header("<22>1 2025-03-01T10:00:00Z mx1 postfix/qmgr 77 - -",
	                           strlen("<22>1 2025-03-01T10:00:00Z mx1 postfix/qmgr 77 - -"),
	                           &ev));
	cr_assert_eq(ev.text.n, 0);

	/* a non-Postfix app, "-" host: a well-formed line of another program */
	line("<13>1 2025-03-01T10:00:00Z - sshd 99 - - Accepted publickey for root");
	cr_assert_eq(ev.kind, PFT_EV_OTHER_PROGRAM);
	cr_assert_slice(ev.host, "-");
	cr_assert_slice(ev.program, "sshd");
}

Test(shapes, rfc5424_malformed_and_legacy_pri)
{
	line("<22>1 - mx1 postfix/qmgr 1 - - ABCDEF123: removed"); /* NILVALUE stamp */
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_TIMESTAMP);
	cr_assert_eq(ev.has_time, 0);

	line("<22>1 2025-03-01T10:00:00Z mx1 postfix/qmgr 1 - [a b=\"c] ABCDEF123: removed");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED); /* SD never closed */
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_PROGRAM);

	line("<22>1 2025-03-01T10:00:00Z mx1 postfix/qmgr");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_PROGRAM);

	line("<999>1 2025-03-01T10:00:00Z mx1 postfix/qmgr 1 - - ABCDEF123: removed");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_TIMESTAMP);

	/* RFC 3164 with its PRI, as forwarded over the network */
	line("<22>Mar  1 10:00:00 mx1 postfix/smtp[1234]: " REC_SENT);
	assert_rec_sent();
	assert_civil(0, 3, 1, 10, 0, 0);
	cr_assert_eq(ev.pid, 1234);
}

/* ---- Solaris, journald, containers --------------------------------------------------------- */

Test(shapes, solaris_message_id)
{
	line("Mar  1 10:00:00 mx1 postfix/smtp[1234]: [ID 197553 mail.info] " REC_SENT);
	assert_rec_sent();
	assert_civil(0, 3, 1, 10, 0, 0);
	cr_assert_slice(ev.text, REC_SENT);
}

Test(shapes, journalctl_short_iso_and_precise)
{
	line("2025-03-01T10:00:00+0100 mx1 postfix/smtp[1234]: " REC_SENT);
	assert_rec_sent();
	assert_civil(2025, 3, 1, 10, 0, 0);
	cr_assert_eq(ev.time.utc_offset_min, 60);
	cr_assert_slice(ev.host, "mx1");

	line("2025-03-01T10:00:00.654321-0330 mx1 postfix/smtp[1234]: " REC_SENT);
	assert_rec_sent();
	assert_civil(2025, 3, 1, 10, 0, 0);
	cr_assert_eq(ev.time.utc_offset_min, -210);
	cr_assert_eq(ev.time.nsec, 654321000u);
}

Test(shapes, container_stamp_before_the_line)
{
	/* the inner stamp wins (the logging host's wall clock); its year comes from the outer */
	line("2025-03-01T09:00:00.000000000Z Mar  1 10:00:00 mx1 postfix/smtp[1234]: " REC_SENT);
	assert_rec_sent();
	assert_civil(2025, 3, 1, 10, 0, 0);
	cr_assert_eq(ev.time.nsec, 0);
	cr_assert_slice(ev.host, "mx1");
	cr_assert_slice(ev.program, "postfix/smtp");

	/* New Year between the two clocks */
	line("2025-01-01T00:30:00Z Dec 31 23:30:00 mx1 postfix/qmgr[1]: ABCDEF123: removed");
	cr_assert_eq(ev.kind, PFT_EV_REMOVED);
	assert_civil(2024, 12, 31, 23, 30, 0);
	line("2024-12-31T23:30:00Z Jan  1 01:30:00 mx1 postfix/qmgr[1]: ABCDEF123: removed");
	assert_civil(2025, 1, 1, 1, 30, 0);

	/* an RFC 3339 inner stamp is taken whole */
	line("2025-03-01T09:00:00.5Z 2025-03-01T10:00:00+01:00 mx1 postfix/qmgr[1]: ABCDEF123: "
	     "removed");
	cr_assert_eq(ev.kind, PFT_EV_REMOVED);
	assert_civil(2025, 3, 1, 10, 0, 0);
	cr_assert_eq(ev.time.utc_offset_min, 60);
	cr_assert_eq(ev.time.nsec, 0);
}

/* ---- repeats ------------------------------------------------------------------------------- */

Test(shapes, rsyslog_message_repeated)
{
	line("Mar  1 10:00:00 mx1 postfix/smtp[1234]: message repeated 3 times: [ " REC_SENT "]");
	cr_assert_eq(ev.kind, PFT_EV_DELIVERY);
	cr_assert_slice(ev.reason_text, "250 2.0.0 OK id=1x");
	cr_assert_slice(ev.text, REC_SENT);
	cr_assert_eq(ev.repeated, 3);

	/* a record that ends in ']' itself */
	line("Mar  1 10:00:00 mx1 postfix/smtpd[5]: message repeated 2 times: [ connect from "
	     "unknown[192.0.2.9]]");
	cr_assert_eq(ev.kind, PFT_EV_POSTFIX_INFO);
	cr_assert_slice(ev.text, "connect from unknown[192.0.2.9]");
	cr_assert_eq(ev.repeated, 2);

	/* rsyslog cuts the repeated message at 800 bytes: a delivery cut before status= */
	line("Mar  1 10:00:00 mx1 postfix/smtp[1234]: message repeated 2 times: [ 4F3A1B2C3D: "
	     "to=<a@b.example>, relay=mx.b.example[192.0.2.1]:25, delay=0.52, delays=0.1/0/0.2]");
	cr_assert_eq(ev.kind, PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_DELIVERY_NO_STATUS);
	cr_assert_eq(ev.repeated, 2);

	/* another program's repeated line is still another program's */
	line("Mar  1 10:00:00 mx1 sshd[7]: message repeated 4 times: [ Failed password for root]");
	cr_assert_eq(ev.kind, PFT_EV_OTHER_PROGRAM);
	cr_assert_eq(ev.repeated, 4);

	/* not the shape: a count of 0, no bracket */
	line("Mar  1 10:00:00 mx1 postfix/smtp[1234]: message repeated 0 times: [ " REC_SENT "]");
	cr_assert_eq(ev.repeated, 0);
	cr_assert_neq(ev.kind, PFT_EV_DELIVERY);
}

Test(shapes, sysklogd_last_message_repeated)
{
	line("Mar  1 10:00:01 mx1 last message repeated 5 times");
	cr_assert_eq(ev.kind, PFT_EV_REPEAT_PREVIOUS);
	cr_assert_eq(ev.repeated, 5);
	cr_assert_slice(ev.host, "mx1");
	cr_assert_eq(ev.program.n, 0);
	assert_civil(0, 3, 1, 10, 0, 1);

	line("Mar  1 10:00:01 mx1 --- last message repeated 1 time ---"); /* BSD syslogd */
	cr_assert_eq(ev.kind, PFT_EV_REPEAT_PREVIOUS);
	cr_assert_eq(ev.repeated, 1);

	line("Mar  1 10:00:01 mx1 postfix/smtp[1234]: last message repeated 12 times");
	cr_assert_eq(ev.kind, PFT_EV_REPEAT_PREVIOUS);
	cr_assert_eq(ev.repeated, 12);
	cr_assert_slice(ev.service, "smtp");

	line("2025-03-01T10:00:01+01:00 mx1 last message repeated 2 times\r");
	cr_assert_eq(ev.kind, PFT_EV_REPEAT_PREVIOUS);
	cr_assert_eq(ev.repeated, 2);

	/* not the shape */
	line("Mar  1 10:00:01 mx1 last message repeated 0 times");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_PROGRAM);
	line("Mar  1 10:00:01 mx1 last message repeated 5 times, or so");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	line("Mar  1 10:00:01 mx1 last message repeated 99999999999 times");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.repeated, 0);
}

/* ---- line ends, truncation, bytes ------------------------------------------------------------ */

Test(shapes, crlf_line_end)
{
	line("Mar  1 10:00:00 mx1 postfix/smtp[1234]: " REC_SENT "\r");
	assert_rec_sent();
	line("<22>1 2025-03-01T10:00:00Z mx1 postfix/smtp 1234 - - " REC_SENT "\r");
	assert_rec_sent();
}

/* A deferral whose reason makes the line longer than Postfix's 2000-byte record. */
static char *long_deferral(void)
{
	const char *head =
	    "Mar  1 10:00:00 mx1 postfix/smtp[1234]: 4F3A1B2C3D: to=<a@b.example>, "
	    "relay=mx.b.example[192.0.2.1]:25, delay=301, delays=0.1/0/300/0.9, "
	    "dsn=4.7.0, status=deferred (host mx.b.example[192.0.2.1] said: 421-4.7.0 ";
	char *s = malloc(4096);
	size_t n = strlen(head);
	memcpy(s, head, n);
	while (n < 3000) {
		memcpy(s + n, "try again later, ", 17);
		n += 17;
	}
	memcpy(s + n, "(in reply to end of DATA command))", 35);
	return s;
}

Test(shapes, record_cut_at_2000_bytes)
{
	char *s = long_deferral();
	/* cut in the reason: the attempt still counts, the reason runs to the cut */
	pft_parse_line(s, 2000, &ev);
	cr_assert_eq(ev.kind, PFT_EV_DELIVERY, "kind %d reason %d", ev.kind, ev.reason);
	cr_assert_eq(ev.status, PFT_DS_DEFERRED);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(4, 7, 0));
	cr_assert_eq(ev.reason_text.p + ev.reason_text.n, s + 2000);
	cr_assert(memcmp(ev.reason_text.p, "host mx.b.example", 17) == 0);

	/* cut right after the status word */
	const char *w = strstr(s, "status=deferred") + strlen("status=deferred");
	pft_parse_line(s, (size_t)(w - s), &ev);
	cr_assert_eq(ev.kind, PFT_EV_DELIVERY);
	cr_assert_eq(ev.status, PFT_DS_DEFERRED);
	cr_assert_eq(ev.reason_text.n, 0);

	/* cut before the status word is whole: no attempt, a reason (a dsn cut short is a bad
	 * field; "status=defer" is no status) */
	const char *dsn = strstr(s, "dsn=") + 4, *dsn_end = strstr(s, ", status=");
	for (const char *cut = strstr(s, "delays="); cut < w; cut++) {
		pft_parse_line(s, (size_t)(cut - s), &ev);
		cr_assert_eq(ev.kind, PFT_EV_UNRECOGNIZED, "cut at %td: kind %d", cut - s, ev.kind);
		cr_assert_eq(ev.reason,
		             cut >= dsn && cut < dsn_end ? PFT_UNREC_DELIVERY_BAD_FIELD
		                                         : PFT_UNREC_DELIVERY_NO_STATUS,
		             "cut at %td: reason %d", cut - s, ev.reason);
	}
	free(s);
}

Test(shapes, non_utf8_bytes)
{
	/* Latin-1 and broken UTF-8 in the host, the address and the reason */
	line("Mar  1 10:00:00 mx\xE9 postfix/smtp[1234]: 4F3A1B2C3D: to=<j\xF6rg\xC3(@b.example>, "
	     "relay=mx.b.example[192.0.2.1]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=5.1.1, "
	     "status=bounced (host said: 550 5.1.1 <j\xF6rg@b.example> unknown \xFF\xFE user)");
	cr_assert_eq(ev.kind, PFT_EV_DELIVERY, "kind %d reason %d", ev.kind, ev.reason);
	cr_assert_eq(ev.status, PFT_DS_BOUNCED);
	cr_assert_slice(ev.host, "mx\xE9");
	cr_assert_slice(ev.to, "j\xF6rg\xC3(@b.example");
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 1, 1));
}

Test(shapes, hostname_with_slash)
{
	line("Mar  1 10:00:00 mx1/eu-west/2 postfix/smtp[1234]: " REC_SENT);
	assert_rec_sent();
	cr_assert_slice(ev.host, "mx1/eu-west/2");
	cr_assert_slice(ev.program, "postfix/smtp");
	cr_assert_slice(ev.instance, "postfix");
}

Test(shapes, multi_instance_and_nested_names)
{
	static const struct {
		const char *tag, *instance, *service;
	} tags[] = {
	    {"postfix-out/smtp", "postfix-out", "smtp"},
	    {"postfix/relay/smtp", "postfix", "smtp"},
	    {"postfix/amavis/smtp", "postfix", "smtp"},
	    {"postfix-eu/submission/lmtp", "postfix-eu", "lmtp"},
	};
	char buf[512];
	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
		snprintf(buf, sizeof buf, "Mar  1 10:00:00 mx1 %s[1234]: %s", tags[i].tag,
		         REC_SENT);
		line(buf);
		assert_rec_sent();
		cr_assert_slice(ev.program, tags[i].tag);
		cr_assert_slice(ev.instance, tags[i].instance);
		cr_assert_slice(ev.service, tags[i].service);
	}
	line(
	    "Mar  1 10:00:00 mx1 postfix/10025/smtpd[88]: 5B2C1D0E9F: client=localhost[127.0.0.1], "
	    "orig_queue_id=4F3A1B2C3D, orig_client=x.example[198.51.100.4]");
	cr_assert_eq(ev.kind, PFT_EV_CLIENT, "kind %d reason %d", ev.kind, ev.reason);
	cr_assert_slice(ev.instance, "postfix");
	cr_assert_slice(ev.service, "smtpd");
	cr_assert_slice(ev.qid, "5B2C1D0E9F");
	cr_assert_slice(ev.client, "localhost[127.0.0.1]");
	cr_assert_slice(ev.orig_qid, "4F3A1B2C3D");
}

Test(shapes, old_postfix_without_dsn_and_delays)
{
	line("Mar  1 10:00:00 mx1 postfix/smtp[1234]: 4F3A1B2C3D: to=<a@b.example>, "
	     "relay=mx.b.example[192.0.2.1], delay=3, status=sent (250 Ok: queued as 12345)");
	cr_assert_eq(ev.kind, PFT_EV_DELIVERY, "kind %d reason %d", ev.kind, ev.reason);
	cr_assert_eq(ev.status, PFT_DS_SENT);
	cr_assert_eq(ev.dsn, 0);
	cr_assert_slice(ev.relay_host, "mx.b.example");
	line("Mar  1 10:00:00 mx1 postfix/local[9]: 4F3A1B2C3D: to=<u@mx1.example>, relay=local, "
	     "delay=0, status=bounced (unknown user: \"u\")");
	cr_assert_eq(ev.kind, PFT_EV_DELIVERY);
	cr_assert_eq(ev.status, PFT_DS_BOUNCED);
	cr_assert_eq(ev.dsn, 0);
}

/* ---- every shape over real messages ---------------------------------------------------------- */

#define SAME(f) cr_assert_eq(got->f, want->f, "%s: " #f " differs: %s", shape, msg)
#define SAME_SLICE(f)                                                                              \
	cr_assert(got->f.n == want->f.n &&                                                         \
	              (got->f.n == 0 || memcmp(got->f.p, want->f.p, got->f.n) == 0),               \
	          "%s: " #f " differs: %s", shape, msg)

static void check_same_record(const struct pft_event *got, const struct pft_event *want,
                              const char *shape, const char *msg)
{
	SAME(kind);
	SAME(reason);
	SAME_SLICE(text);
	SAME_SLICE(qid);
	SAME_SLICE(to);
	SAME_SLICE(orig_to);
	SAME_SLICE(relay);
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
	SAME(action);
	SAME_SLICE(client);
	SAME(reply_code);
	SAME_SLICE(service);
}

Test(shapes, every_shape_over_real_messages)
{
	const char *dir = pft_test_corpus_ext();
	if (dir == NULL)
		cr_skip_test("corpus-ext folder absent");
	char path[4096];
	snprintf(path, sizeof path, "%s/grok-messages.log", dir);
	char *all = pft_test_read_file(path, NULL);
	if (all == NULL)
		cr_skip_test("%s unreadable", path);

	static const struct {
		const char *name, *fmt;
		unsigned repeated;
	} shapes[] = {
	    {"rfc5424", "<22>1 2025-03-01T10:00:00.123+01:00 mx1 postfix/smtp 1234 - - %s", 0},
	    {"rfc5424+sd", "<22>1 2025-03-01T10:00:00Z mx1 postfix/smtp - - [a b=\"]\\\"\"][c] %s",
	     0},
	    {"solaris", "Mar  1 10:00:00 mx1 postfix/smtp[1234]: [ID 197553 mail.info] %s", 0},
	    {"short-iso", "2025-03-01T10:00:00+0100 mx1 postfix/smtp[1234]: %s", 0},
	    {"container", "2025-03-01T09:00:00.000000000Z Mar  1 10:00:00 mx1 postfix/smtp[1]: %s",
	     0},
	    {"rsyslog-repeat",
	     "Mar  1 10:00:00 mx1 postfix/smtp[1234]: message repeated 7 times: [ %s]", 7},
	    {"crlf", "Mar  1 10:00:00 mx1 postfix/smtp[1234]: %s\r", 0},
	    {"slash-host", "Mar  1 10:00:00 a/b postfix/smtp[1234]: %s", 0},
	    {"nested", "Mar  1 10:00:00 mx1 postfix-out/relay/smtp[1234]: %s", 0},
	};
	static char plain[8192], shaped[8192];
	int messages = 0;
	for (char *msg = all, *next; msg != NULL && *msg != '\0'; msg = next) {
		next = strchr(msg, '\n');
		if (next != NULL)
			*next++ = '\0';
		/* one message ends in a raw '\r' (the file has CRLF there): a line end, not text */
		size_t n = strlen(msg);
		if (n > 0 && msg[n - 1] == '\r')
			msg[n - 1] = '\0';
		snprintf(plain, sizeof plain, "Mar  1 10:00:00 mx1 postfix/smtp[1234]: %s", msg);
		struct pft_event want;
		pft_parse_line(plain, strlen(plain), &want);
		cr_assert_neq(want.kind, PFT_EV_MALFORMED, "%s", plain);
		messages++;
		for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
			snprintf(shaped, sizeof shaped, shapes[i].fmt, msg);
			struct pft_event got;
			pft_parse_line(shaped, strlen(shaped), &got);
			check_same_record(&got, &want, shapes[i].name, msg);
			cr_assert_eq(got.repeated, shapes[i].repeated, "%s: %s", shapes[i].name,
			             msg);
		}
	}
	cr_assert_geq(messages, 200, "only %d messages", messages);
	free(all);
}
