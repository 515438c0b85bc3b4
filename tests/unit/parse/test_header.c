/* Syslog header and time stamps: every stamp shape, tags, CRLF, malformed headers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "time/stamp_parse.h"

static struct pft_event ev;

static int header(const char *line)
{
	return pft_parse_header(line, strlen(line), &ev);
}

static void line(const char *text)
{
	pft_parse_line(text, strlen(text), &ev);
}

#define cr_assert_slice(s, lit)                                                                  \
	cr_assert((s).n == strlen(lit) && memcmp((s).p, (lit), (s).n) == 0,                       \
		  "expected \"%s\", got \"%.*s\"", (lit), (int)(s).n, (s).p ? (s).p : "")

static void assert_time(int month, int day, int h, int m, int s)
{
	cr_assert(ev.has_time);
	cr_assert_eq(ev.time.month, month);
	cr_assert_eq(ev.time.day, day);
	cr_assert_eq(ev.time.hour, h);
	cr_assert_eq(ev.time.min, m);
	cr_assert_eq(ev.time.sec, s);
}

/* ---- BSD stamps ------------------------------------------------------------------------ */

Test(header, bsd_space_padded_day)
{
	cr_assert(header("Jan  1 00:00:00 mx1 postfix/smtp[123]: text"));
	assert_time(1, 1, 0, 0, 0);
	cr_assert_eq(ev.time.year_known, 0);
	cr_assert_eq(ev.time.year, 0);
	cr_assert_slice(ev.host, "mx1");
	cr_assert_slice(ev.text, "text");
}

Test(header, bsd_zero_padded_day)
{
	cr_assert(header("Feb 03 04:05:06 mx1 postfix/smtp[123]: text"));
	assert_time(2, 3, 4, 5, 6);
}

Test(header, bsd_single_digit_day)
{
	cr_assert(header("Mar 7 23:59:59 mx1 postfix/smtp[123]: text"));
	assert_time(3, 7, 23, 59, 59);
	cr_assert_slice(ev.host, "mx1");
}

Test(header, bsd_two_digit_day_and_leap_second)
{
	cr_assert(header("Dec 31 23:59:60 mx1 postfix/qmgr[1]: x"));
	assert_time(12, 31, 23, 59, 60);
}

Test(header, bsd_every_month)
{
	static const char *const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	for (int i = 0; i < 12; i++) {
		char buf[64];
		snprintf(buf, sizeof buf, "%s 15 10:22:33 h p: t", names[i]);
		cr_assert(header(buf), "%s", buf);
		cr_assert_eq(ev.time.month, i + 1);
	}
}

Test(header, bsd_out_of_range_rejected)
{
	static const char *const bad[] = {
		"jan  1 00:00:00 h p: t",  /* month names are exact */
		"JAN  1 00:00:00 h p: t",
		"Jan  0 00:00:00 h p: t",
		"Jan 32 00:00:00 h p: t",
		"Jan  1 24:00:00 h p: t",
		"Jan  1 00:60:00 h p: t",
		"Jan  1 00:00:61 h p: t",
		"Jan  1 0:00:00 h p: t",
		"Jan   1 00:00:00 h p: t",
		"Jan 1 00:00:001 h p: t",
		"Jan  1 00-00-00 h p: t",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_not(header(bad[i]), "%s", bad[i]);
		cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
		cr_assert_eq(ev.reason, PFT_UNREC_BAD_TIMESTAMP, "%s", bad[i]);
	}
}

/* ---- RFC 3339 stamps ------------------------------------------------------------------- */

Test(header, rfc3339_fraction_and_offset)
{
	cr_assert(header("2023-02-01T01:02:04.123456+00:00 mx1 postfix/smtpd[12345]: x"));
	assert_time(2, 1, 1, 2, 4);
	cr_assert_eq(ev.time.year_known, 1);
	cr_assert_eq(ev.time.year, 2023);
	cr_assert_eq(ev.time.nsec, 123456000u);
	cr_assert_eq(ev.time.utc_offset_min, 0);
	cr_assert_slice(ev.host, "mx1");
}

Test(header, rfc3339_z_without_fraction)
{
	cr_assert(header("2024-12-31T23:59:59Z mx1 postfix/qmgr[1]: x"));
	assert_time(12, 31, 23, 59, 59);
	cr_assert_eq(ev.time.year, 2024);
	cr_assert_eq(ev.time.nsec, 0);
	cr_assert_eq(ev.time.utc_offset_min, 0);
}

Test(header, rfc3339_positive_offset)
{
	cr_assert(header("2024-06-17T10:22:33+01:00 mx1 postfix/qmgr[1]: x"));
	assert_time(6, 17, 10, 22, 33); /* the wall clock is kept as written */
	cr_assert_eq(ev.time.utc_offset_min, 60);
}

Test(header, rfc3339_negative_offset_without_colon)
{
	cr_assert(header("2024-06-17T10:22:33.5-0530 mx1 postfix/qmgr[1]: x"));
	cr_assert_eq(ev.time.utc_offset_min, -330);
	cr_assert_eq(ev.time.nsec, 500000000u);
}

Test(header, rfc3339_nanoseconds_and_lower_case)
{
	cr_assert(header("2024-06-17t10:22:33.123456789123z mx1 postfix/qmgr[1]: x"));
	cr_assert_eq(ev.time.nsec, 123456789u);
	cr_assert_eq(ev.time.utc_offset_min, 0);
}

Test(header, rfc3339_malformed_rejected)
{
	static const char *const bad[] = {
		"2024-13-01T00:00:00Z h p: t",
		"2024-00-01T00:00:00Z h p: t",
		"2024-01-32T00:00:00Z h p: t",
		"2024-01-01T24:00:00Z h p: t",
		"2024-01-01 00:00:00Z h p: t",
		"2024-01-01T00:00:00 h p: t",      /* no offset */
		"2024-01-01T00:00:00.Z h p: t",    /* empty fraction */
		"2024-01-01T00:00:00+1:00 h p: t",
		"2024-01-01T00:00:00+01:60 h p: t",
		"2024-01-01T00:00:00+01:00x h p: t",
		"2024-1-01T00:00:00Z h p: t",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_not(header(bad[i]), "%s", bad[i]);
		cr_assert_eq(ev.reason, PFT_UNREC_BAD_TIMESTAMP, "%s", bad[i]);
	}
}

Test(header, stamp_parsers_direct)
{
	struct pft_civil c;
	const char *s = "Jun 17 10:22:33";
	cr_assert_eq(pft_time_parse_bsd(s, s + strlen(s), &c), s + strlen(s));
	cr_assert_eq(c.month, 6);
	cr_assert_null(pft_time_parse_bsd(s, s + 10, &c), "must not read past end");
	const char *r = "2024-06-17T10:22:33-07:00";
	cr_assert_eq(pft_time_parse_rfc3339(r, r + strlen(r), &c), r + strlen(r));
	cr_assert_eq(c.utc_offset_min, -420);
	cr_assert_null(pft_time_parse_rfc3339(r, r + strlen(r) - 1, &c), "cut offset");
	cr_assert_eq(pft_time_parse_stamp(r, r + strlen(r), &c), r + strlen(r));
}

/* ---- tag, pid, text ---------------------------------------------------------------------- */

Test(header, program_with_pid_split)
{
	cr_assert(header("Jan  1 00:00:00 mx1 postfix/submission/smtpd[4242]: connect from x[1.2.3.4]"));
	cr_assert_slice(ev.program, "postfix/submission/smtpd");
	cr_assert_slice(ev.instance, "postfix");
	cr_assert_slice(ev.service, "smtpd");
	cr_assert_eq(ev.pid, 4242);
	cr_assert_slice(ev.text, "connect from x[1.2.3.4]");
}

Test(header, program_without_pid)
{
	cr_assert(header("Jan  1 00:00:00 mx1 postfix-out/smtp: hello"));
	cr_assert_slice(ev.program, "postfix-out/smtp");
	cr_assert_slice(ev.instance, "postfix-out");
	cr_assert_slice(ev.service, "smtp");
	cr_assert_eq(ev.pid, 0);
	cr_assert_slice(ev.text, "hello");
}

Test(header, program_without_slash)
{
	cr_assert(header("Jan  1 00:00:00 mx1 dovecot[7]: imap-login: x"));
	cr_assert_slice(ev.program, "dovecot");
	cr_assert_eq(ev.instance.n, 0);
	cr_assert_slice(ev.service, "dovecot");
	cr_assert_slice(ev.text, "imap-login: x");
}

Test(header, crlf_is_ignored)
{
	cr_assert(header("Jan  1 00:00:00 mx1 postfix/qmgr[1]: ABCDEF123: removed\r"));
	cr_assert_slice(ev.text, "ABCDEF123: removed");
	line("Jan  1 00:00:00 mx1 postfix/qmgr[1]: ABCDEF123: removed\r");
	cr_assert_eq(ev.kind, PFT_EV_REMOVED);
	cr_assert_slice(ev.qid, "ABCDEF123");
}

Test(header, empty_text)
{
	cr_assert(header("Jan  1 00:00:00 mx1 postfix/qmgr[1]:"));
	cr_assert_eq(ev.text.n, 0);
}

Test(header, solaris_message_id_tag_skipped)
{
	cr_assert(header("Jan  1 00:00:00 mx1 postfix/qmgr[1]: [ID 197553 mail.info] ABCDEF123: removed"));
	cr_assert_slice(ev.text, "ABCDEF123: removed");
}

Test(header, empty_lines)
{
	cr_assert_not(header(""));
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_EMPTY);
	cr_assert_eq(ev.has_time, 0);
	cr_assert_not(header("\r"));
	cr_assert_eq(ev.reason, PFT_UNREC_EMPTY);
}

Test(header, bad_pid_and_program)
{
	cr_assert_not(header("Jan  1 00:00:00 h postfix/smtp[]: x"));
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_PID);
	cr_assert_not(header("Jan  1 00:00:00 h postfix/smtp[12a]: x"));
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_PID);
	cr_assert_not(header("Jan  1 00:00:00 h postfix/smtp[99999999999]: x"));
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_PID);
	cr_assert_not(header("Jan  1 00:00:00 h postfix/smtp[1] x"));
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_PROGRAM);
	cr_assert_not(header("Jan  1 00:00:00 h : x"));
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_PROGRAM);
	cr_assert_not(header("Jan  1 00:00:00 h postfix smtp: x"));
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_PROGRAM);
	cr_assert_not(header("Jan  1 00:00:00 "));
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_HOST);
}

/* ---- classification -------------------------------------------------------------------- */

Test(header, postfix_program_classification)
{
	static const struct {
		const char *tag;
		int postfix;
	} cases[] = {
		{"postfix/smtp", 1},           {"postfix-out/smtp", 1},
		{"postfix/submission/smtpd", 1}, {"postfix/10025/smtpd", 1},
		{"postfix/amavis/smtp", 1},    {"postfix2/qmgr", 1},
		{"postfix/unknown", 1},        /* instance postfix: reported as unknown service */
		{"mail-out/smtp", 1},          /* custom syslog_name, known daemon */
		{"foo/bar", 0},                {"postfix1", 0},
		{"postfix", 0},                {"sshd", 0},
		{"smtp", 0},                   /* no '/': not a Postfix tag */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[128];
		snprintf(buf, sizeof buf, "Jan  1 00:00:00 h %s[1]: x", cases[i].tag);
		cr_assert(header(buf));
		cr_assert_eq(pft_is_postfix_program(&ev), cases[i].postfix, "%s", cases[i].tag);
	}
}

/* Lines from sergeymakinen/postfix_exporter testdata, BSD 3-Clause, Copyright (c) 2022 Sergey
 * Makinen (the "Unsupported or malformed" block of its mail.log). */
Test(header, exporter_malformed_block)
{
	line("Jan 1 00:00:00 hostname postfix1[12345]: foo");
	cr_assert_eq(ev.kind, PFT_EV_OTHER_PROGRAM);
	cr_assert_slice(ev.program, "postfix1");

	line("Jan 1 00:00:00 hostname postfix/unknown[12345]: foo");
	cr_assert_eq(ev.kind, PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_UNKNOWN_SERVICE);

	line("Jan: 1 00:00:00 hostname postfix/postscreen[12345]: foo");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_TIMESTAMP);
	cr_assert_eq(ev.has_time, 0);

	line("Jan 1 00:00:00 hostname postfix/postscreen[abcde]: foo");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_PID);
	cr_assert_eq(ev.has_time, 1);

	line("Jan 1 00:00:00 hostname postfix/postscreen[12345");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_PROGRAM);

	line("Jan 1 00:00:00 hostname postfix/postscreen");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_PROGRAM);

	line("Foo 1 00:00:00 hostname");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_TIMESTAMP);

	line("Jan 1 00:00:00");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_HOST);
	cr_assert_eq(ev.has_time, 1);

	line("Jan");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_TIMESTAMP);

	line("# Unsupported or malformed");
	cr_assert_eq(ev.kind, PFT_EV_MALFORMED);
	cr_assert_eq(ev.reason, PFT_UNREC_BAD_TIMESTAMP);

	line("Jan 1 00:00:00 hostname postfix/smtpd[12345]: Unsupported");
	cr_assert_eq(ev.kind, PFT_EV_POSTFIX_INFO);
	line("Jan 1 00:00:00 hostname postfix/smtpd[12345]: NOQUEUE: reject: Unsupported");
	cr_assert_eq(ev.kind, PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_REJECT);
}

/* Every prefix of a valid line must parse without reading past its end (run under ASan). */
Test(header, every_prefix_is_safe)
{
	static const char *const lines[] = {
		"2023-02-01T01:02:04.123456+00:00 hostname postfix/lmtp[12345]: 123456789AB: "
		"to=<user@example.com>, relay=example.com[123.45.67.89]:25, delay=1.23, "
		"delays=1.23/1.23/1.23/1.23, dsn=1.2.3, status=bounced (123 #1.2.3 Reasons)",
		"Jan  1 00:00:00 h postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[1.2.3.4]: 550 5.1.1 "
		"<a@b>: Recipient address rejected; from=<c@d> to=<a@b> proto=ESMTP helo=<x>",
		"Jan 1 00:00:00 h postfix/cleanup[1]: 4PbC4x469Jz3tBr: reject: header Subject: x from "
		"y[1.2.3.4]; from=<a> to=<b> proto=SMTP helo=<h>: 5.7.1 no",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		size_t n = strlen(lines[i]);
		for (size_t k = 0; k <= n; k++) {
			char *copy = malloc(k ? k : 1);
			memcpy(copy, lines[i], k);
			pft_parse_line(copy, k, &ev);
			cr_assert_lt((unsigned)ev.kind, (unsigned)PFT_EV_KIND_COUNT);
			free(copy);
		}
	}
}
