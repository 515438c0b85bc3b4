/* Lifecycle tests: hand-written logs whose counts were worked out by hand from the counting
 * contract. Every log is also run at every chunk size from 1 byte up to its length: the JSON
 * must not change (the part/merge property). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pft_test.h"

#define H "Jun 17 10:00:0"
#define MX " mx1 "

static char *tally(const char *log, int year)
{
	char *json = pft_test_tally_text(log, 1 << 20, year, NULL);
	cr_assert_not_null(json, "pipeline failed");
	/* Chunking must never change the answer. */
	size_t len = strlen(log);
	for (size_t chunk = 1; chunk <= len; chunk += chunk < 64 ? 1 : 17) {
		char *again = pft_test_tally_text(log, chunk, year, NULL);
		cr_assert_not_null(again);
		cr_assert_str_eq(again, json, "chunk size %zu changes the JSON", chunk);
		free(again);
	}
	return json;
}

static long long num(const char *json, const char *path)
{
	long long v = -1;
	cr_assert(pft_test_json_number(json, path, &v), "no %s in JSON", path);
	return v;
}

#define expect(json, path, value) cr_expect_eq(num(json, path), (long long)(value), "%s", path)

/* The example: one QID, alice deferred 4.4.2 then sent, bob bounced 5.1.1. */
Test(lifecycle, mixed_outcomes_in_one_message)
{
	const char *log =
		H "1" MX "postfix/smtpd[10]: 3F1A2B4C5D: client=unknown[192.0.2.10]\n"
		H "1" MX "postfix/cleanup[11]: 3F1A2B4C5D: message-id=<a@b>\n"
		H "1" MX "postfix/qmgr[12]: 3F1A2B4C5D: from=<s@example.org>, size=100, nrcpt=2 (queue active)\n"
		H "2" MX "postfix/smtp[13]: 3F1A2B4C5D: to=<alice@example.com>, relay=mx.example.com[192.0.2.5]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.4.2, status=deferred (lost connection with mx.example.com[192.0.2.5] while receiving the initial server greeting)\n"
		H "2" MX "postfix/smtp[14]: 3F1A2B4C5D: to=<bob@example.net>, relay=mx.example.net[192.0.2.6]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.6] said: 550 5.1.1 <bob@example.net>: User unknown (in reply to RCPT TO command))\n"
		H "3" MX "postfix/bounce[15]: 3F1A2B4C5D: sender non-delivery notification: 4A5B6C7D8E\n"
		H "8" MX "postfix/smtp[13]: 3F1A2B4C5D: to=<alice@example.com>, relay=mx.example.com[192.0.2.5]:25, delay=7, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 1234)\n"
		H "9" MX "postfix/qmgr[12]: 3F1A2B4C5D: removed\n";
	char *json = tally(log, 2024);
	expect(json, "attempts.total", 3);
	expect(json, "attempts.sent", 1);
	expect(json, "attempts.deferred", 1);
	expect(json, "attempts.bounced", 1);
	expect(json, "recipients.total", 2);
	expect(json, "recipients.sent", 1);
	expect(json, "recipients.bounced", 1);
	expect(json, "recipients.pending", 0);
	expect(json, "recipients.deferred_ever", 1);
	expect(json, "recipients.deferred_then_sent", 1);
	expect(json, "recipients.deferred_then_bounced", 0);
	expect(json, "messages.total", 1);
	expect(json, "messages.closed", 1);
	expect(json, "messages.with_deferral", 1);
	expect(json, "messages.with_bounce", 1);
	expect(json, "notifications.non_delivery", 1);
	expect(json, "dsn.4\\.4\\.2", 1);
	expect(json, "dsn.5\\.1\\.1", 1);
	expect(json, "dsn.2\\.0\\.0", 1);
	expect(json, "by_domain.example\\.com.attempts.deferred", 1);
	expect(json, "by_domain.example\\.com.recipients.sent", 1);
	expect(json, "by_domain.example\\.net.recipients.bounced", 1);
	expect(json, "by_relay.mx\\.example\\.com.attempts.total", 2);
	expect(json, "by_day.2024-06-17.attempts.total", 3);
	expect(json, "by_hour.2024-06-17T10.recipients.sent", 1);
	expect(json, "lines.total", 8);
	expect(json, "lines.postfix", 8);
	free(json);
}

/* Only the recipient that was not terminal at expiry is expired. */
Test(lifecycle, deferred_then_expired_only_nonterminal)
{
	const char *log =
		H "1" MX "postfix/qmgr[12]: AAAA1: from=<s@example.org>, size=100, nrcpt=2 (queue active)\n"
		H "2" MX "postfix/smtp[13]: AAAA1: to=<alice@a.example>, relay=mx.a.example[192.0.2.5]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)\n"
		H "3" MX "postfix/smtp[13]: AAAA1: to=<bob@b.example>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx.b.example[192.0.2.7]:25: Connection refused)\n"
		H "4" MX "postfix/smtp[13]: AAAA1: to=<bob@b.example>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx.b.example[192.0.2.7]:25: Connection refused)\n"
		H "5" MX "postfix/qmgr[12]: AAAA1: from=<s@example.org>, status=expired, returned to sender\n"
		H "6" MX "postfix/qmgr[12]: AAAA1: removed\n";
	char *json = tally(log, 2024);
	expect(json, "attempts.deferred", 2);
	expect(json, "recipients.total", 2);
	expect(json, "recipients.sent", 1);
	expect(json, "recipients.expired", 1);
	expect(json, "recipients.deferred_ever", 1);
	expect(json, "recipients.deferred_then_expired", 1);
	expect(json, "messages.expired", 1);
	expect(json, "messages.with_deferral", 1);
	expect(json, "messages.with_bounce", 0);
	expect(json, "by_domain.b\\.example.recipients.expired", 1);
	expect(json, "by_relay.none.recipients.expired", 1);
	free(json);
}

/* A reused queue id after `removed` is a new message; the second one is still open. */
Test(lifecycle, qid_reuse_after_removed)
{
	const char *log =
		H "1" MX "postfix/qmgr[12]: BBBB1: from=<s@example.org>, size=1, nrcpt=1 (queue active)\n"
		H "2" MX "postfix/smtp[13]: BBBB1: to=<x@x.example>, relay=mx.x.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n"
		H "3" MX "postfix/qmgr[12]: BBBB1: removed\n"
		H "4" MX "postfix/qmgr[12]: BBBB1: from=<t@example.org>, size=1, nrcpt=1 (queue active)\n"
		H "5" MX "postfix/smtp[13]: BBBB1: to=<x@x.example>, relay=mx.x.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (mailbox full)\n";
	char *json = tally(log, 2024);
	expect(json, "messages.total", 2);
	expect(json, "messages.closed", 1);
	expect(json, "messages.pending", 1);
	expect(json, "recipients.total", 2);
	expect(json, "recipients.sent", 1);
	expect(json, "recipients.pending", 1);
	expect(json, "recipients.deferred_ever", 1);
	expect(json, "recipients.deferred_then_sent", 0);
	free(json);
}

/* Queue ids are unique per (host, instance) only. */
Test(lifecycle, same_qid_on_other_host_or_instance_is_other_message)
{
	const char *log =
		H "1 mx1 postfix/smtp[1]: CCCC1: to=<a@x.example>, relay=r[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)\n"
		H "1 mx2 postfix/smtp[1]: CCCC1: to=<a@x.example>, relay=r[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.0.0, status=bounced (no)\n"
		H "1 mx1 postfix-out/smtp[1]: CCCC1: to=<a@x.example>, relay=r[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.0.0, status=deferred (later)\n"
		H "2 mx1 postfix/qmgr[1]: CCCC1: removed\n";
	char *json = tally(log, 2024);
	expect(json, "messages.total", 3);
	expect(json, "messages.closed", 1);
	expect(json, "messages.pending", 2);
	expect(json, "recipients.sent", 1);
	expect(json, "recipients.bounced", 1);
	expect(json, "recipients.pending", 1);
	free(json);
}

/* `removed` without an open lifecycle is counted, not a message. */
Test(lifecycle, orphan_removed)
{
	const char *log = H "1" MX "postfix/qmgr[12]: DDDD1: removed\n"
			  H "2" MX "postfix/qmgr[12]: DDDD2: from=<a@b>, size=1, nrcpt=1 (queue active)\n"
			  H "3" MX "postfix/qmgr[12]: DDDD2: removed\n"
			  H "4" MX "postfix/qmgr[12]: DDDD2: removed\n";
	char *json = tally(log, 2024);
	expect(json, "messages.total", 1);
	expect(json, "lines.orphan_removed", 2);
	free(json);
}

/* Rejects before a queue file exists are counted apart from messages. */
Test(lifecycle, noqueue_reject_is_not_a_message)
{
	const char *log =
		H "1" MX "postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[198.51.100.7]: 554 5.7.1 <spam@x.example>: Relay access denied; from=<a@b.example> to=<spam@x.example> proto=ESMTP helo=<x>\n"
		H "2" MX "sshd[99]: Accepted publickey for root\n";
	char *json = tally(log, 2024);
	expect(json, "rejects.noqueue", 1);
	expect(json, "messages.total", 0);
	expect(json, "attempts.total", 0);
	expect(json, "lines.other_programs", 1);
	expect(json, "lines.postfix", 1);
	free(json);
}

/* Probes and discards have their own buckets. */
Test(lifecycle, probes_and_discards)
{
	const char *log =
		H "1" MX "postfix/smtp[1]: EEEE1: to=<p@x.example>, relay=r[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)\n"
		H "2" MX "postfix/qmgr[1]: EEEE1: removed\n"
		H "3" MX "postfix/discard[2]: EEEE2: to=<d@y.example>, relay=none, delay=0.1, delays=0.1/0/0/0, dsn=2.0.0, status=sent (discarded)\n"
		H "4" MX "postfix/qmgr[1]: EEEE2: removed\n";
	char *json = tally(log, 2024);
	expect(json, "attempts.deliverable", 1);
	expect(json, "attempts.sent", 1);
	expect(json, "recipients.probes", 1);
	expect(json, "recipients.total", 1);
	expect(json, "recipients.discarded", 1);
	expect(json, "recipients.sent", 0);
	free(json);
}

/* Dec -> Jan rollover within one stream: --year names the year of the newest line; a line
 * a second back across New Year stays in the old year. */
Test(year, rollover_and_jitter)
{
	const char *log =
		"Dec 31 23:59:58 mx1 postfix/smtp[1]: 9F1A2B3C4D: to=<a@x.example>, relay=r[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.0.0, status=deferred (x)\n"
		"Jan  1 00:00:01 mx1 postfix/smtp[1]: 9F1A2B3C4D: to=<a@x.example>, relay=r[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.0.0, status=deferred (x)\n"
		"Dec 31 23:59:59 mx1 postfix/smtp[1]: 9F1A2B3C4E: to=<b@x.example>, relay=r[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (x)\n"
		"Jan 01 00:00:02 mx1 postfix/smtp[1]: 9F1A2B3C4D: to=<a@x.example>, relay=r[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (x)\n"
		"Mar  1 10:00:00 mx1 postfix/qmgr[1]: 9F1A2B3C4D: removed\n";
	char *json = tally(log, 2025);
	expect(json, "by_day.2024-12-31.attempts.total", 2);
	expect(json, "by_day.2025-01-01.attempts.total", 2);
	expect(json, "by_hour.2025-01-01T00.recipients.sent", 1);
	expect(json, "by_hour.2024-12-31T23.recipients.pending", 0);
	cr_expect(strstr(json, "\"first\": \"2024-12-31T23:59:58\"") != NULL, "time range first");
	cr_expect(strstr(json, "\"last\": \"2025-03-01T10:00:00\"") != NULL, "time range last");
	free(json);
}

/* RFC 3339 stamps carry their year; the wall clock as written is the bucket. */
Test(year, rfc3339_stamps_need_no_year)
{
	const char *log =
		"2023-12-31T23:30:00.123456+01:00 mx1 postfix/smtp[1]: 7C1A2B3C4D: to=<a@x.example>, relay=r[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (x)\n"
		"2024-01-01T00:30:00Z mx1 postfix/smtp[1]: 7C1A2B3C4E: to=<a@x.example>, relay=r[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (x)\n";
	char *json = tally(log, 0);
	expect(json, "by_day.2023-12-31.attempts.sent", 1);
	expect(json, "by_day.2024-01-01.attempts.sent", 1);
	free(json);
}
