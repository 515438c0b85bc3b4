/* Postfix records, hand-written: every record type, tricky reasons, field order, QID styles. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "pft_test.h"

static struct pft_event ev;

/* A bare message as a daemon logs it (no syslog prefix). */
static void rec(const char *service, const char *text)
{
	memset(&ev, 0xA5, sizeof ev); /* pft_parse_postfix() must clear what it does not set */
	ev.service.p = service;
	ev.service.n = (uint32_t)strlen(service);
	ev.text.p = text;
	ev.text.n = (uint32_t)strlen(text);
	pft_parse_postfix(&ev);
}

static void line(const char *text)
{
	pft_parse_line(text, strlen(text), &ev);
}

#define cr_assert_slice(s, lit)                                                                  \
	cr_assert((s).n == strlen(lit) && ((s).n == 0 || memcmp((s).p, (lit), (s).n) == 0),       \
		  "expected \"%s\", got \"%.*s\"", (lit), (int)(s).n, (s).n ? (s).p : "")

#define cr_assert_kind(k) cr_assert_eq(ev.kind, (k), "kind %d reason %d", ev.kind, ev.reason)

/* ---- delivery-status records ------------------------------------------------------------- */

Test(delivery, smtp_sent)
{
	rec("smtp", "7EE668039: to=<admin@example.com>, relay=mx.example.com[192.0.2.1]:25, "
		    "delay=3.6, delays=0.2/0.02/0.04/3.3, dsn=2.0.0, status=sent (250 2.0.0 Ok: "
		    "queued as 153053D)");
	cr_assert_kind(PFT_EV_DELIVERY);
	cr_assert_slice(ev.qid, "7EE668039");
	cr_assert_slice(ev.to, "admin@example.com");
	cr_assert_eq(ev.orig_to.n, 0);
	cr_assert_slice(ev.relay, "mx.example.com[192.0.2.1]:25");
	cr_assert_slice(ev.relay_host, "mx.example.com");
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(2, 0, 0));
	cr_assert_eq(ev.status, PFT_DS_SENT);
	cr_assert_slice(ev.reason_text, "250 2.0.0 Ok: queued as 153053D");
	cr_assert_slice(ev.new_qid, "153053D");
	cr_assert_eq(ev.noqueue, 0);
}

Test(delivery, reason_with_parentheses_commas_and_equals)
{
	rec("smtp", "ABCDEF1234: to=<a@b.example>, relay=mx.b.example[198.51.100.7]:25, delay=1, "
		    "delays=0.1/0/0.4/0.5, dsn=5.7.1, status=bounced (host mx.b.example[198.51.100.7] "
		    "said: 550-5.7.1 (policy) rejected, see <https://x.example/?a=1,b=(2)> (in reply "
		    "to end of DATA command))");
	cr_assert_kind(PFT_EV_DELIVERY);
	cr_assert_eq(ev.status, PFT_DS_BOUNCED);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 7, 1));
	cr_assert_slice(ev.reason_text,
			"host mx.b.example[198.51.100.7] said: 550-5.7.1 (policy) rejected, see "
			"<https://x.example/?a=1,b=(2)> (in reply to end of DATA command)");
	cr_assert_eq(ev.new_qid.n, 0);
}

Test(delivery, tls_field_postfix_3_11)
{
	rec("smtp", "7EE668039: to=<user@example.com>, relay=mail.example.com[1.2.3.4]:25, "
		    "delay=3.6, delays=0.08/0.02/0.85/0.14, tls=dane/!requiretls:nocertmatch, "
		    "dsn=2.1.5, status=sent (250 2.0.0 Ok)");
	cr_assert_kind(PFT_EV_DELIVERY);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(2, 1, 5));
	cr_assert_eq(ev.status, PFT_DS_SENT);
	cr_assert_slice(ev.relay_host, "mail.example.com");
}

Test(delivery, orig_to_and_conn_use)
{
	rec("smtp", "0D9633D: to=<jos@example.com>, orig_to=<bestuur@example.com>, "
		    "relay=mail1.example.net[10.74.103.11]:25, conn_use=3, delay=11, "
		    "delays=5.4/0.06/5.1/0.03, dsn=4.4.2, status=deferred (lost connection with "
		    "mail1.example.net[10.74.103.11] while sending RCPT TO)");
	cr_assert_kind(PFT_EV_DELIVERY);
	cr_assert_slice(ev.to, "jos@example.com");
	cr_assert_slice(ev.orig_to, "bestuur@example.com");
	cr_assert_eq(ev.status, PFT_DS_DEFERRED);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(4, 4, 2));
}

Test(delivery, unknown_fields_in_any_order)
{
	rec("lmtp", "ABCDE12345: to=<x@y>, future=1, relay=lmtp.local[private/dovecot-lmtp], "
		    "other=a/b, dsn=2.0.0, delay=0.1, status=sent (250 ok)");
	cr_assert_kind(PFT_EV_DELIVERY);
	cr_assert_slice(ev.relay_host, "lmtp.local");
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(2, 0, 0));
	cr_assert_eq(ev.status, PFT_DS_SENT);
}

Test(delivery, old_postfix_without_dsn_and_delays)
{
	rec("smtp", "3A1F2B4C5D: to=<a@example.org>, relay=mx.example.org[192.0.2.9], delay=2, "
		    "status=sent (250 Ok)");
	cr_assert_kind(PFT_EV_DELIVERY);
	cr_assert_eq(ev.dsn, 0);
	cr_assert_eq(ev.status, PFT_DS_SENT);
	cr_assert_slice(ev.reason_text, "250 Ok");
}

Test(delivery, long_queue_id)
{
	rec("smtp", "4PbC4x469Jz3tBr: to=<a@example.org>, relay=none, delay=0.1, "
		    "delays=0.1/0/0/0, dsn=4.4.1, status=deferred (connect to mx[192.0.2.1]:25: "
		    "Connection refused)");
	cr_assert_kind(PFT_EV_DELIVERY);
	cr_assert_slice(ev.qid, "4PbC4x469Jz3tBr");
	cr_assert_slice(ev.relay_host, "none");
}

Test(delivery, three_digit_detail)
{
	rec("smtp", "ABCDE12345: to=<a@outlook.example>, relay=o.example[192.0.2.2]:25, delay=1, "
		    "delays=0/0/0/1, dsn=4.7.650, status=deferred (host said: 451 4.7.650 The mail "
		    "server has been temporarily rate limited)");
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(4, 7, 650));
	cr_assert_eq(PFT_DSN_DETAIL(ev.dsn), 650);
}

Test(delivery, relay_forms)
{
	rec("smtp", "ABCDE12345: to=<a@b>, relay=[192.0.2.1]:587, delay=1, dsn=2.0.0, status=sent (ok)");
	cr_assert_slice(ev.relay_host, "[192.0.2.1]");
	rec("smtp", "ABCDE12345: to=<a@b>, relay=[2001:db8::1]:25, delay=1, dsn=2.0.0, status=sent (ok)");
	cr_assert_slice(ev.relay_host, "[2001:db8::1]");
	rec("local", "ABCDE12345: to=<a@b>, relay=local, delay=1, dsn=2.0.0, status=sent (delivered "
		     "to mailbox)");
	cr_assert_slice(ev.relay_host, "local");
	rec("lmtp", "ABCDE12345: to=<a@b>, relay=private/dovecot-lmtp, delay=1, dsn=2.0.0, "
		    "status=sent (250 ok)");
	cr_assert_slice(ev.relay_host, "private/dovecot-lmtp");
	rec("smtp", "ABCDE12345: to=<a@b>, relay=mx.example.com[2001:db8::5]:25, delay=1, "
		    "dsn=2.0.0, status=sent (250 ok)");
	cr_assert_slice(ev.relay_host, "mx.example.com");
}

Test(delivery, addresses)
{
	rec("smtp", "ABCDE12345: to=<>, relay=none, delay=1, dsn=5.1.3, status=bounced (bad)");
	cr_assert_kind(PFT_EV_DELIVERY);
	cr_assert_eq(ev.to.n, 0);
	rec("smtp", "ABCDE12345: to=<\"a, b>c\"@example.com>, relay=none, delay=1, dsn=5.1.1, "
		    "status=bounced (no)");
	cr_assert_slice(ev.to, "\"a, b>c\"@example.com");
	cr_assert_eq(ev.status, PFT_DS_BOUNCED);
	rec("local", "2A22C263F6: to=user@host.example.com, orig_to=root@localhost, relay=local, "
		     "delay=0.07, delays=0.04/0/0/0.03, dsn=2.0.0, status=sent (delivered to command: "
		     "procmail -a \"$EXTENSION\")");
	cr_assert_slice(ev.to, "user@host.example.com");
	cr_assert_slice(ev.orig_to, "root@localhost");
	cr_assert_slice(ev.reason_text, "delivered to command: procmail -a \"$EXTENSION\"");
}

Test(delivery, every_status_word)
{
	static const struct {
		const char *word;
		enum pft_dstatus st;
		const char *name;
	} cases[] = {
		{"sent", PFT_DS_SENT, "sent"},
		{"deferred", PFT_DS_DEFERRED, "deferred"},
		{"bounced", PFT_DS_BOUNCED, "bounced"},
		{"SOFTBOUNCE", PFT_DS_SOFTBOUNCE, "softbounce"},
		{"deliverable", PFT_DS_DELIVERABLE, "deliverable"},
		{"undeliverable", PFT_DS_UNDELIVERABLE, "undeliverable"},
		{"undeliverable-but-not-cached", PFT_DS_UNDELIVERABLE_NOT_CACHED,
		 "undeliverable_not_cached"},
		{"expired", PFT_DS_EXPIRED, "expired"},
		{"force-expired", PFT_DS_FORCE_EXPIRED, "force_expired"},
		{"frobnicated", PFT_DS_OTHER, "other"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[256];
		snprintf(buf, sizeof buf, "ABCDE12345: to=<a@b>, relay=none, delay=1, dsn=4.0.0, "
					  "status=%s (why)", cases[i].word);
		rec("error", buf);
		cr_assert_kind(PFT_EV_DELIVERY);
		cr_assert_eq(ev.status, cases[i].st, "%s", cases[i].word);
		cr_assert_str_eq(pft_dstatus_name(ev.status), cases[i].name);
		cr_assert_slice(ev.reason_text, "why");
	}
}

Test(delivery, status_without_reason_and_truncated_reason)
{
	rec("discard", "ABCDE12345: to=<a@b>, relay=none, delay=0, dsn=2.0.0, status=sent");
	cr_assert_kind(PFT_EV_DELIVERY);
	cr_assert_eq(ev.status, PFT_DS_SENT);
	cr_assert_eq(ev.reason_text.n, 0);
	/* Postfix cuts records at 2000 bytes: no closing parenthesis */
	rec("smtp", "ABCDE12345: to=<a@b>, relay=none, delay=0, dsn=4.0.0, status=deferred (host x "
		    "said: very long");
	cr_assert_kind(PFT_EV_DELIVERY);
	cr_assert_slice(ev.reason_text, "host x said: very long");
}

Test(delivery, local_forward_links_next_hop)
{
	rec("local", "ABCDE12345: to=<u@example.com>, orig_to=<alias@example.com>, relay=local, "
		     "delay=0.1, delays=0.1/0/0/0, dsn=2.0.0, status=sent (forwarded as 9F8E7D6C5B)");
	cr_assert_slice(ev.new_qid, "9F8E7D6C5B");
}

Test(delivery, no_status_is_unrecognized)
{
	rec("smtp", "ABCDE12345: to=<a@b>, relay=none, delay=0");
	cr_assert_kind(PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_DELIVERY_NO_STATUS);
	cr_assert_slice(ev.qid, "ABCDE12345");
	rec("smtp", "ABCDE12345: to=<a@b");
	cr_assert_eq(ev.reason, PFT_UNREC_DELIVERY_BAD_FIELD);
	rec("smtp", "ABCDE12345: to=<a@b>, relay=none, dsn=4.x.1, status=deferred (x)");
	cr_assert_eq(ev.reason, PFT_UNREC_DELIVERY_BAD_FIELD);
	/* A record without "to=": reported as a damaged delivery record, not as INFO. */
	rec("smtp", "123456789AB: user@example.com, relay=example.com[123.45.67.89]:25, delay=2, "
		    "delays=2/2/2/2, dsn=1.2.3, status=deferred (host said: 12 Malformed)");
	cr_assert_kind(PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_DELIVERY_BAD_FIELD);
}

Test(delivery, per_attempt_lines_are_info)
{
	static const char *const lines[] = {
		"ED59C3D: host mail2.example.com[1.74.253.23] said: 450 4.7.1 <user@example.com>: "
		"Recipient address rejected: Greylisted (in reply to RCPT TO command)",
		"B99FE3D: lost connection with mx3.hotmail.com[65.55.37.72] while receiving the "
		"initial server greeting",
		"78D6B41: conversation with mx00.gmx.com[74.208.5.4] timed out while receiving the "
		"initial server greeting",
		"B0ADE20FC7: enabling PIX workarounds: disable_esmtp delay_dotcrlf for "
		"example.com[93.184.216.34]:25",
		"B0ADE20FC7: Cannot start TLS: handshake failure",
		"B0ADE20FC7: TLS is required, but was not offered by host mx.example[192.0.2.1]",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		rec("smtp", lines[i]);
		cr_assert_kind(PFT_EV_POSTFIX_INFO);
		cr_assert_neq(ev.qid.n, 0, "%s", lines[i]);
		cr_assert_eq(ev.status, PFT_DS_NONE);
	}
	rec("smtp", lines[0]);
	cr_assert_slice(ev.relay_host, "mail2.example.com");
	rec("smtp", lines[3]);
	cr_assert_slice(ev.relay_host, "example.com");
	cr_assert_slice(ev.relay, "example.com[93.184.216.34]:25");
}

Test(delivery, any_daemon_may_log_a_delivery_record)
{
	rec("qmgr", "ABCDE12345: to=<a@b>, relay=none, delay=432000, delays=432000/0/0/0, "
		    "dsn=4.7.1, status=expired (delivery temporarily suspended)");
	cr_assert_kind(PFT_EV_DELIVERY);
	cr_assert_eq(ev.status, PFT_DS_EXPIRED);
	rec("virtual", "B657F2DB195D: to=<postmaster@example.com>, relay=virtual, delay=0.52, "
		       "delays=0.51/0.01/0/0, dsn=2.0.0, status=sent (delivered to maildir)");
	cr_assert_kind(PFT_EV_DELIVERY);
	rec("pipe", "153053D: to=<tom@example.com>, orig_to=<admin@example.com>, relay=dovecot, "
		    "delay=3.4, delays=3.3/0.03/0/0.12, dsn=2.0.0, status=sent (delivered via dovecot "
		    "service)");
	cr_assert_kind(PFT_EV_DELIVERY);
	cr_assert_slice(ev.relay_host, "dovecot");
	rec("error", "3E29030F8637E: to=<user@yahoo.com>, relay=none, delay=0.01, "
		     "delays=0.01/0/0/0, dsn=5.1.1, status=undeliverable-but-not-cached (User "
		     "unknown in virtual alias table)");
	cr_assert_eq(ev.status, PFT_DS_UNDELIVERABLE_NOT_CACHED);
}

Test(delivery, unknown_record_of_a_local_agent)
{
	rec("local", "ABCDE12345: something new happened");
	cr_assert_kind(PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_UNKNOWN_RECORD);
	cr_assert_slice(ev.qid, "ABCDE12345");
	rec("local", "warning: dict_nis_init: NIS domain name not set - NIS lookups disabled");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
}

/* ---- multi-instance program names ------------------------------------------------------ */

Test(program, multi_instance_names)
{
	static const char *const tags[] = {"postfix-out/smtp", "postfix/amavis/smtp",
					   "postfix/relay/smtp", "postfix2/smtp"};
	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
		char buf[512];
		snprintf(buf, sizeof buf,
			 "Jun 17 10:22:33 mx1 %s[999]: 1A2B3C4D5E: to=<a@b.example>, "
			 "relay=mx.b.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, "
			 "status=sent (250 ok)", tags[i]);
		line(buf);
		cr_assert_kind(PFT_EV_DELIVERY);
		cr_assert_slice(ev.service, "smtp");
		cr_assert_slice(ev.qid, "1A2B3C4D5E");
	}
	line("Jun 17 10:22:33 mx1 postfix/submission/smtpd[1]: 1A2B3C4D5E: "
	     "client=laptop.example[198.51.100.4], sasl_method=PLAIN, sasl_username=alice");
	cr_assert_kind(PFT_EV_CLIENT);
	cr_assert_slice(ev.instance, "postfix");
	cr_assert_slice(ev.client, "laptop.example[198.51.100.4]");
	line("Jun 17 10:22:33 mx1 postfix/10025/smtpd[1]: 9F8E7D6C5B: client=localhost[127.0.0.1], "
	     "orig_queue_id=1A2B3C4D5E, orig_client=x.example[192.0.2.8]");
	cr_assert_kind(PFT_EV_CLIENT);
	cr_assert_slice(ev.client, "localhost[127.0.0.1]");
	cr_assert_slice(ev.orig_qid, "1A2B3C4D5E");
	line("Jun 17 10:22:33 mx1 postfix/smtp-amavis/smtp[1]: 1A2B3C4D5E: to=<a@b>, "
	     "relay=127.0.0.1[127.0.0.1]:10024, delay=1, dsn=2.0.0, status=sent (250 2.0.0 Ok, "
	     "id=1234-01, from MTA([127.0.0.1]:10025): 250 2.0.0 Ok: queued as 9F8E7D6C5B)");
	cr_assert_kind(PFT_EV_DELIVERY);
	cr_assert_slice(ev.new_qid, "9F8E7D6C5B");
	line("Jun 17 10:22:33 mx1 postfix/unknowndaemon[1]: 1A2B3C4D5E: removed");
	cr_assert_kind(PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_UNKNOWN_SERVICE);
	line("Jun 17 10:22:33 mx1 sshd[1]: Accepted publickey for root");
	cr_assert_kind(PFT_EV_OTHER_PROGRAM);
}

/* ---- qmgr, postsuper ------------------------------------------------------------------- */

Test(qmgr, queued)
{
	rec("qmgr", "0F5383D: from=<owner-postfix-users@postfix.org>, size=5360, nrcpt=1 (queue "
		    "active)");
	cr_assert_kind(PFT_EV_QUEUED);
	cr_assert_slice(ev.from, "owner-postfix-users@postfix.org");
	cr_assert_eq(ev.size, 5360);
	cr_assert_eq(ev.nrcpt, 1);
	rec("qmgr", "0F5383D: from=<>, size=123456789012, nrcpt=250 (queue active)");
	cr_assert_kind(PFT_EV_QUEUED);
	cr_assert_eq(ev.from.n, 0);
	cr_assert_eq(ev.size, 123456789012ull);
	cr_assert_eq(ev.nrcpt, 250);
}

Test(qmgr, expired)
{
	rec("qmgr", "585BC3F: from=<>, status=expired, returned to sender");
	cr_assert_kind(PFT_EV_EXPIRED);
	cr_assert_eq(ev.status, PFT_DS_EXPIRED);
	rec("qmgr", "66C15648577B: from=<u@yahoo.com.tw>, status=force-expired, returned to sender");
	cr_assert_kind(PFT_EV_EXPIRED);
	cr_assert_eq(ev.status, PFT_DS_FORCE_EXPIRED);
	cr_assert_slice(ev.from, "u@yahoo.com.tw");
	rec("qmgr", "123456789AB: from=<user@example.com>>, status=expired, returned to sender");
	cr_assert_kind(PFT_EV_EXPIRED);
	cr_assert_slice(ev.from, "user@example.com>");
}

Test(qmgr, removed_skipped_unknown)
{
	rec("qmgr", "0F5383D: removed");
	cr_assert_kind(PFT_EV_REMOVED);
	cr_assert_slice(ev.qid, "0F5383D");
	rec("qmgr", "ED06590130AA1C9D6D862: skipped, still being delivered");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_slice(ev.qid, "ED06590130AA1C9D6D862");
	rec("qmgr", "0F5383D: from=<a@b>, status=weird");
	cr_assert_kind(PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_QMGR);
	rec("qmgr", "0F5383D: from=<a@b>, size=12");
	cr_assert_eq(ev.reason, PFT_UNREC_QMGR);
	rec("qmgr", "0F5383D: removed but not really");
	cr_assert_kind(PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_UNKNOWN_RECORD);
	rec("qmgr", "warning: bounce_queue_lifetime is larger than maximal_queue_lifetime");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_eq(ev.qid.n, 0);
}

Test(qmgr, postsuper)
{
	rec("postsuper", "D4F2023DB: removed");
	cr_assert_kind(PFT_EV_REMOVED);
	cr_assert_slice(ev.qid, "D4F2023DB");
	rec("postsuper", "D4F2023DB: placed on hold");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_slice(ev.qid, "D4F2023DB");
	rec("postsuper", "D4F2023DB: requeued");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	rec("postsuper", "D4F2023DB: released from hold");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	rec("postsuper", "Deleted: 115 messages");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_eq(ev.qid.n, 0);
}

/* ---- cleanup, pickup ------------------------------------------------------------------- */

Test(cleanup, message_id)
{
	rec("cleanup", "0F5383D: message-id=<544D2523.30609@rhsoft.net>");
	cr_assert_kind(PFT_EV_MESSAGE_ID);
	cr_assert_slice(ev.qid, "0F5383D");
	rec("cleanup", "4104E3D: message-id=<>");
	cr_assert_kind(PFT_EV_MESSAGE_ID);
	rec("cleanup", "ADD961003206D: message-id==?UTF-8?B?PDE5?=? =?UTF-8?B?MTIy?=");
	cr_assert_kind(PFT_EV_MESSAGE_ID);
	rec("cleanup", "ADD961003206D: resent-message-id=<x@y>");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_slice(ev.qid, "ADD961003206D");
}

Test(cleanup, milter_reject_ends_message)
{
	rec("cleanup", "4104E3D: milter-reject: END-OF-MESSAGE from "
		       "061238241086.static.ctinets.com[61.238.241.86]: 5.7.1 Blocked by "
		       "SpamAssassin; from=<wumt5@cchfdc.com> to=<voorzitter@example.com> "
		       "proto=ESMTP helo=<ecsolved.com>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_MILTER_REJECT);
	cr_assert_eq(ev.ends_message, 1);
	cr_assert_eq(ev.noqueue, 0);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_END_OF_MESSAGE);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 7, 1));
	cr_assert_slice(ev.from, "wumt5@cchfdc.com");
	cr_assert_slice(ev.to, "voorzitter@example.com");
	cr_assert_slice(ev.client, "061238241086.static.ctinets.com[61.238.241.86]");
	cr_assert_slice(ev.reason_text, "5.7.1 Blocked by SpamAssassin");
}

Test(cleanup, header_body_reject_and_discard)
{
	rec("cleanup", "4PbC4x469Jz3tBr: reject: header Subject: you won; from=<evil> from "
		       "mx.example[192.0.2.3]; from=<a@example> to=<b@example> proto=ESMTP "
		       "helo=<mx.example>: 5.7.1 Message content rejected");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_REJECT);
	cr_assert_eq(ev.ends_message, 1);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_END_OF_MESSAGE);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 7, 1));
	cr_assert_slice(ev.reason_text, "5.7.1 Message content rejected");

	rec("cleanup", "ABCDE12345: reject: body http://spam.example/ from local; from=<root> "
		       "to=<a@b>: Message content rejected");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.ends_message, 1);
	cr_assert_slice(ev.from, "root");
	cr_assert_slice(ev.to, "a@b");
	cr_assert_slice(ev.client, "local");
	cr_assert_eq(ev.dsn, 0);

	rec("cleanup", "ABCDE12345: discard: header X-Spam: yes from x[192.0.2.1]; from=<a> "
		       "to=<b> proto=SMTP helo=<x>: spam");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_DISCARD);
	cr_assert_eq(ev.ends_message, 1);

	rec("cleanup", "ABCDE12345: milter-discard: END-OF-MESSAGE from x[192.0.2.1]: milter "
		       "triggers DISCARD action; from=<a> to=<b> proto=SMTP helo=<x>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_DISCARD);
	cr_assert_eq(ev.ends_message, 1);
}

Test(cleanup, informational_actions)
{
	static const char *const lines[] = {
		"ABCDE12345: hold: header Subject: x from y[192.0.2.1]; from=<a> to=<b> proto=SMTP "
		"helo=<y>: held",
		"D8B07E3DB6: warning: header Subject: x from y[192.0.2.1]; from=<a> to=<b> "
		"proto=ESMTP helo=<y>",
		"D95341E50350: info: header Subject: x from local; from=<a> to=<b>",
		"48rT2v1hQrz1J0N: prepend: header X-Spam-Status: Yes from mx2.example.org[192.0.2.41]; "
		"from=<a> to=<b> proto=ESMTP helo=<mx2.example.org>: X-Spam-Status: Yes",
		"ABCDE12345: replace: header Subject: a from y[192.0.2.1]; from=<a> to=<b>: Subject: b",
		"ABCDE12345: redirect: header To: a from y[192.0.2.1]; from=<a> to=<b>: c@d",
		"4104E3D: milter-header-redirect: header X-Spam-Status: Yes from x[61.238.241.86]; "
		"from=<a> to=<b> proto=ESMTP helo=<e>: tom@example.com",
		"ABCDE12345: milter-hold: END-OF-MESSAGE from x[192.0.2.1]: milter triggers HOLD "
		"action; from=<a> to=<b> proto=SMTP helo=<x>",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		rec("cleanup", lines[i]);
		cr_assert_kind(PFT_EV_POSTFIX_INFO);
		cr_assert_neq(ev.qid.n, 0, "%s", lines[i]);
		cr_assert_eq(ev.ends_message, 0);
	}
	rec("cleanup", lines[0]);
	cr_assert_eq(ev.action, PFT_ACTION_HOLD);
	rec("cleanup", "warning: 9BECF3F19D: sender_canonical_maps map lookup problem for "
		       "sender@example.com -- message not accepted, try again later");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_slice(ev.qid, "9BECF3F19D");
}

Test(cleanup, pickup)
{
	rec("pickup", "D2FAE20586: uid=0 from=<fail2ban>");
	cr_assert_kind(PFT_EV_PICKUP);
	cr_assert_slice(ev.qid, "D2FAE20586");
	cr_assert_slice(ev.from, "fail2ban");
	rec("pickup", "D2FAE20586: uid=1000 from=<>");
	cr_assert_kind(PFT_EV_PICKUP);
	cr_assert_eq(ev.from.n, 0);
	rec("pickup", "D2FAE20586: odd");
	cr_assert_eq(ev.reason, PFT_UNREC_UNKNOWN_RECORD);
}

/* ---- smtpd, postscreen ----------------------------------------------------------------- */

Test(smtpd, client)
{
	rec("smtpd", "4104E3D: client=061238241086.static.ctinets.com[61.238.241.86]");
	cr_assert_kind(PFT_EV_CLIENT);
	cr_assert_slice(ev.qid, "4104E3D");
	cr_assert_slice(ev.client, "061238241086.static.ctinets.com[61.238.241.86]");
	cr_assert_eq(ev.orig_qid.n, 0);
	rec("smtpd", "4104E3D: client=unknown[2001:db8::1], sasl_method=LOGIN, "
		     "sasl_username=bob@example.com");
	cr_assert_kind(PFT_EV_CLIENT);
	cr_assert_slice(ev.client, "unknown[2001:db8::1]");
}

Test(smtpd, noqueue_reject)
{
	rec("smtpd", "NOQUEUE: reject: RCPT from 061238241086.static.ctinets.com[61.238.241.86]: "
		     "550 5.1.1 <toernooicommissie@example.com>: Recipient address rejected: User "
		     "unknown in virtual mailbox table; from=<wumt5@cchfdc.com> "
		     "to=<toernooicommissie@example.com> proto=ESMTP helo=<ecsolved.com>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.noqueue, 1);
	cr_assert_eq(ev.qid.n, 0);
	cr_assert_eq(ev.ends_message, 0);
	cr_assert_eq(ev.action, PFT_ACTION_REJECT);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_RCPT);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 1, 1));
	cr_assert_slice(ev.from, "wumt5@cchfdc.com");
	cr_assert_slice(ev.to, "toernooicommissie@example.com");
	cr_assert_slice(ev.client, "061238241086.static.ctinets.com[61.238.241.86]");
	cr_assert_slice(ev.reason_text, "550 5.1.1 <toernooicommissie@example.com>: Recipient "
					"address rejected: User unknown in virtual mailbox table");
}

Test(smtpd, reject_text_with_semicolons)
{
	rec("smtpd", "NOQUEUE: reject: RCPT from news.zihan-promo.com[192.36.205.58]: 554 5.7.1 "
		     "Service unavailable; Helo command [news.zihan-promo.com] blocked using "
		     "dbl.spamhaus.org; http://www.spamhaus.org/query/dbl?domain=zihan-promo.com; "
		     "from=<mark@zihan-promo.com> to=<tom@example.com> proto=ESMTP "
		     "helo=<news.zihan-promo.com>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 7, 1));
	cr_assert_slice(ev.from, "mark@zihan-promo.com");
	cr_assert_slice(ev.to, "tom@example.com");
}

Test(smtpd, vrfy_and_connect_stages)
{
	rec("smtpd", "NOQUEUE: reject: VRFY from unknown[2001:968:9999:20:88b:9b7d:2a54:2bd2]: 454 "
		     "4.7.1 <aap@henk.com>: Relay access denied; to=<aap@henk.com> proto=SMTP "
		     "helo=<me>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_VRFY);
	cr_assert_eq(ev.from.n, 0);
	cr_assert_slice(ev.to, "aap@henk.com");
	cr_assert_slice(ev.client, "unknown[2001:968:9999:20:88b:9b7d:2a54:2bd2]");
	rec("smtpd", "NOQUEUE: reject: CONNECT from unknown[192.0.2.9]: 554 5.7.1 <unknown[192.0.2.9]>: "
		     "Client host rejected: Access denied; proto=SMTP");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_CONNECT);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 7, 1));
}

Test(smtpd, postscreen_rejects)
{
	rec("postscreen", "NOQUEUE: reject: RCPT from [182.98.255.184]:2413: 550 5.5.1 Protocol "
			  "error; from=<lvtowxfdp@yahoo.com>, to=<tom@example.com>, proto=SMTP, "
			  "helo=<mx32.usaindiamunish.net>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.noqueue, 1);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_RCPT);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 5, 1));
	cr_assert_slice(ev.from, "lvtowxfdp@yahoo.com");
	cr_assert_slice(ev.to, "tom@example.com");
	cr_assert_slice(ev.client, "[182.98.255.184]:2413");
	cr_assert_slice(ev.reason_text, "550 5.5.1 Protocol error");

	rec("postscreen", "NOQUEUE: reject: CONNECT from [1.2.3.4]:1337: too many connections");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_CONNECT);
	cr_assert_eq(ev.dsn, 0);
	cr_assert_slice(ev.client, "[1.2.3.4]:1337");
	cr_assert_slice(ev.reason_text, "too many connections");

	rec("postscreen", "NOQUEUE: reject: RCPT from [2001:db8::7]:4984: 123 1.2.3 Reasons; client "
			  "[2001:db8::7] blocked using example.com; from=<a@b>, to=<c@d>, "
			  "proto=ESMTP, helo=<e>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(1, 2, 3));
	cr_assert_slice(ev.client, "[2001:db8::7]:4984");
	cr_assert_slice(ev.to, "c@d");

	rec("postscreen", "PASS NEW [2607:f8b0:4003:c01::23a]:36051");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
}

Test(smtpd, late_rejects)
{
	rec("smtpd", "1A2B3C4D5E: reject: RCPT from x.example[192.0.2.1]: 550 5.1.1 <a@b>: "
		     "Recipient address rejected: User unknown; from=<c@d> to=<a@b> proto=ESMTP "
		     "helo=<x>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.noqueue, 0);
	cr_assert_slice(ev.qid, "1A2B3C4D5E");
	cr_assert_eq(ev.ends_message, 0, "a RCPT reject drops one recipient only");

	rec("smtpd", "1A2B3C4D5E: reject: DATA from x.example[192.0.2.1]: 550 5.5.3 <DATA>: Data "
		     "command rejected: Multi-recipient bounce; from=<> proto=ESMTP helo=<x>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_DATA);
	cr_assert_eq(ev.ends_message, 1);

	rec("smtpd", "1A2B3C4D5E: reject: BDAT from x.example[192.0.2.1]: 550 5.5.3 no; from=<> "
		     "proto=ESMTP helo=<x>");
	cr_assert_eq(ev.reject_stage, PFT_STAGE_BDAT);
	cr_assert_eq(ev.ends_message, 1);

	rec("smtpd", "123456789AB: milter-reject: DATA from example.com[123.45.67.89]: 123 1.2.3 "
		     "Reasons; from=<user@example.com> to=<user@example.com> proto=ESMTP "
		     "helo=<example.com>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_MILTER_REJECT);
	cr_assert_eq(ev.ends_message, 1);

	rec("smtpd", "123456789AB: milter-reject: END-OF-MESSAGE from example.com[123.45.67.89]: "
		     "5.7.1 Spam; from=<a> to=<b> proto=ESMTP helo=<c>");
	cr_assert_eq(ev.ends_message, 1);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_END_OF_MESSAGE);
}

Test(smtpd, milter_proxy_discard_and_warnings)
{
	rec("smtpd", "NOQUEUE: milter-reject: RCPT from mailrelay.example.com[8.8.8.8]: 451 4.7.1 "
		     "Greylisting in action, please come back later; from=<support@example.com> "
		     "to=<example@example.org> proto=ESMTP helo=<mailrelay.example.com>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_MILTER_REJECT);
	cr_assert_eq(ev.noqueue, 1);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(4, 7, 1));

	rec("smtpd", "1A2B3C4D5E: proxy-reject: END-OF-MESSAGE: 554 5.7.0 Reject, contact "
		     "postmaster@example.com, id=31619-02 - spam; from=<> to=<user2@example2.com> "
		     "proto=SMTP helo=<17.33.12.53>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_PROXY_REJECT);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_END_OF_MESSAGE);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 7, 0));
	cr_assert_eq(ev.ends_message, 1);
	cr_assert_slice(ev.to, "user2@example2.com");

	rec("smtpd", "proxy-reject: END-OF-MESSAGE: ; from=<user1@test.example.com> "
		     "to=<user2@example2.com> proto=ESMTP helo=<[192.168.0.16]>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.qid.n, 0);
	cr_assert_eq(ev.ends_message, 0);

	rec("smtpd", "proxy-accept: END-OF-MESSAGE: 250 2.0.0 from MTA(smtp:[127.0.0.1]:10013): 250 "
		     "2.0.0 Ok: queued as DF66E940333; from=<a> to=<b> proto=ESMTP helo=<[127.0.0.1]>");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);

	rec("smtpd", "NOQUEUE: discard: MAIL from ccm231.constantcontact.com[208.75.123.231]: "
		     "<bs@in.constantcontact.com>: Sender address SPAM; from=<bs@in.constantcontact.com> "
		     "proto=ESMTP helo=<ccm231.constantcontact.com>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_DISCARD);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_MAIL);
	cr_assert_eq(ev.ends_message, 0);

	rec("smtpd", "NOQUEUE: reject_warning: RCPT from example.com[93.184.216.34]: 553 5.7.1 "
		     "<sender@example.com>: Sender address rejected: not owned by user ph123; "
		     "from=<sender@example.com> to=<recipient@example.com> proto=ESMTP helo=<x>");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_eq(ev.action, PFT_ACTION_REJECT_WARNING);
	cr_assert_eq(ev.noqueue, 1);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_RCPT);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 7, 1));
	cr_assert_slice(ev.to, "recipient@example.com");

	rec("smtpd", "NOQUEUE: filter: RCPT from unknown[85.25.255.255]: <mail@sender.com>: Sender "
		     "address triggers FILTER smtp-amavis:[127.0.0.1]:10024; from=<mail@sender.com> "
		     "to=<user@domain.com> proto=ESMTP helo=<plutoapp.biz>");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_eq(ev.action, PFT_ACTION_OTHER);

	rec("smtpd", "1A2B3C4D5E: hold: RCPT from x[192.0.2.1]: <a@b>: Sender address triggers HOLD "
		     "action; from=<a@b> to=<c@d> proto=ESMTP helo=<x>");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_eq(ev.action, PFT_ACTION_HOLD);
	cr_assert_slice(ev.qid, "1A2B3C4D5E");
}

Test(smtpd, info_and_unknown)
{
	static const char *const info[] = {
		"connect from 061238241086.static.ctinets.com[61.238.241.86]",
		"disconnect from unknown[72.10.165.66] ehlo=2 starttls=1 mail=1 rcpt=0/1 commands=5/7",
		"lost connection after STARTTLS from unknown[72.13.58.7]",
		"timeout after END-OF-MESSAGE from unknown[72.13.58.7]",
		"warning: hostname exemple.com does not resolve to address 185.14.29.32",
		"Anonymous TLS connection established from julie.example.com[10.163.89.202]: TLSv1.2",
	};
	for (size_t i = 0; i < sizeof info / sizeof info[0]; i++) {
		rec("smtpd", info[i]);
		cr_assert_kind(PFT_EV_POSTFIX_INFO);
		cr_assert_eq(ev.qid.n, 0);
	}
	rec("smtpd", "1A2B3C4D5E: something unheard of");
	cr_assert_kind(PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_UNKNOWN_RECORD);
	cr_assert_slice(ev.qid, "1A2B3C4D5E");
	rec("smtpd", "NOQUEUE: reject: Unsupported");
	cr_assert_kind(PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_REJECT);
	rec("smtpd", "NOQUEUE: frobnicate: x");
	cr_assert_kind(PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_UNKNOWN_RECORD);
}

/* ---- bounce ---------------------------------------------------------------------------- */

Test(bounce, notifications)
{
	static const struct {
		const char *text;
		enum pft_notification_kind kind;
		const char *new_qid;
	} cases[] = {
		{"17CCA8044: sender non-delivery notification: ADD2F8052", PFT_NOTIFY_NON_DELIVERY,
		 "ADD2F8052"},
		{"264FE1A18: sender delay notification: 0A87A1A08", PFT_NOTIFY_DELAY, "0A87A1A08"},
		{"65AFB8B5: sender delivery status notification: 1DF35917", PFT_NOTIFY_SUCCESS,
		 "1DF35917"},
		{"482E4404AC8: postmaster non-delivery notification: 47335405A44",
		 PFT_NOTIFY_POSTMASTER, "47335405A44"},
		{"482E4404AC8: postmaster delay notification: 4PbC4x469Jz3tBr", PFT_NOTIFY_POSTMASTER,
		 "4PbC4x469Jz3tBr"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rec("bounce", cases[i].text);
		cr_assert_kind(PFT_EV_NOTIFICATION);
		cr_assert_eq(ev.notify, cases[i].kind);
		cr_assert_slice(ev.new_qid, cases[i].new_qid);
	}
	rec("defer", "264FE1A18: sender delay notification: 0A87A1A08");
	cr_assert_kind(PFT_EV_NOTIFICATION);
	rec("bounce", "17CCA8044: sender non-delivery notification: not-a-qid");
	cr_assert_kind(PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_UNKNOWN_RECORD);
	rec("bounce", "warning: malformed request");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
}

/* ---- queue IDs ------------------------------------------------------------------------- */

Test(qid, shapes)
{
	static const struct {
		const char *text;
		const char *qid;
	} ok[] = {
		{"ABCDE: removed", "ABCDE"},
		{"0F5383D: removed", "0F5383D"},
		{"ED06590130AA1C9D6D862: removed", "ED06590130AA1C9D6D862"},
		{"4PbC4x469Jz3tBr: removed", "4PbC4x469Jz3tBr"},
		{"48rT2v1hQrz1J0N: removed", "48rT2v1hQrz1J0N"},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		rec("qmgr", ok[i].text);
		cr_assert_kind(PFT_EV_REMOVED);
		cr_assert_slice(ev.qid, ok[i].qid);
	}
	static const char *const not_qid[] = {
		"ABCD: removed",                   /* too short */
		"abcdef: removed",                 /* lower-case hex is no short ID */
		"Disconnected: removed",           /* a word */
		"statistics: removed",
		"NOQUEUE: removed",
		"0123456789ABCDEF0123456789: removed", /* too long */
		"4PbC4x469Jz3tBr:removed",         /* no space */
	};
	for (size_t i = 0; i < sizeof not_qid / sizeof not_qid[0]; i++) {
		rec("qmgr", not_qid[i]);
		cr_assert_eq(ev.qid.n, 0, "%s", not_qid[i]);
		cr_assert_neq(ev.kind, PFT_EV_REMOVED, "%s", not_qid[i]);
	}
}

Test(dispatch, unknown_service_and_reuse)
{
	rec("frobd", "ABCDE12345: removed");
	cr_assert_kind(PFT_EV_UNRECOGNIZED);
	cr_assert_eq(ev.reason, PFT_UNREC_UNKNOWN_SERVICE);
	cr_assert_eq(ev.qid.n, 0);
	/* the same event reused: no field of a previous record survives */
	rec("smtp", "ABCDE12345: to=<a@b>, relay=none, delay=1, dsn=5.0.0, status=bounced (x)");
	rec("qmgr", "ABCDE12345: removed");
	cr_assert_eq(ev.to.n, 0);
	cr_assert_eq(ev.dsn, 0);
	cr_assert_eq(ev.status, PFT_DS_NONE);
	cr_assert_eq(ev.relay_host.n, 0);
}

/* ---- reply codes, stages, postscreen, notifications, special statuses (issue 5) ---------- */

/* Lines of the Postfix 3.7 captures (corpus/real) and of Postfix's own formats, with every
 * field the parser must fill written out by hand. */

#define RL "Nov 29 00:30:06 mx1 postfix/smtpd[18941]: "

Test(reject, real_smtpd_and_cleanup_lines)
{
	line(RL "NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 554 5.7.1 "
		"<someone@foreign.example>: Relay access denied; from=<alice@src.example> "
		"to=<someone@foreign.example> proto=SMTP helo=<client.example.net>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_REJECT);
	cr_assert_eq(ev.noqueue, 1);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_RCPT);
	cr_assert_eq(ev.reply_code, 554);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 7, 1));
	cr_assert_slice(ev.from, "alice@src.example");
	cr_assert_slice(ev.to, "someone@foreign.example");
	cr_assert_slice(ev.client, "localhost[127.0.0.1]");
	cr_assert_slice(ev.reason_text, "554 5.7.1 <someone@foreign.example>: Relay access denied");

	line(RL "NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 450 4.7.1 <later@ok.example>: "
		"Recipient address rejected: Service busy, try later; from=<alice@src.example> "
		"to=<later@ok.example> proto=SMTP helo=<client.example.net>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.reply_code, 450);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(4, 7, 1));
	cr_assert_slice(ev.to, "later@ok.example");

	/* the reply of the verification probe is quoted inside: the reject's own code counts */
	line(RL "NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 450 4.1.1 <bad@verify.example>: "
		"Recipient address rejected: unverified address: host 127.0.0.1[127.0.0.1] said: "
		"550 5.1.1 No such user here (in reply to RCPT TO command); from=<alice@src.example> "
		"to=<bad@verify.example> proto=SMTP helo=<client.example.net>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.reply_code, 450);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(4, 1, 1));
	cr_assert_slice(ev.to, "bad@verify.example");

	line(RL "6A1BC102603: reject: DATA from localhost[127.0.0.1]: 554 5.7.1 <spammer@src.example>: "
		"Sender address rejected: Sender refused at DATA; from=<spammer@src.example> "
		"to=<victim@ok.example> proto=SMTP helo=<client.example.net>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_slice(ev.qid, "6A1BC102603");
	cr_assert_eq(ev.noqueue, 0);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_DATA);
	cr_assert_eq(ev.ends_message, 1);
	cr_assert_eq(ev.reply_code, 554);
	cr_assert_slice(ev.from, "spammer@src.example");
	cr_assert_slice(ev.to, "victim@ok.example");

	line("Nov 29 00:30:10 mx1 postfix/cleanup[18944]: 7A0E4102603: reject: header Subject: "
	     "POLICY-REJECT offer from localhost[127.0.0.1]; from=<alice@src.example> "
	     "to=<victim2@ok.example> proto=SMTP helo=<client.example.net>: 5.7.1 Message content "
	     "rejected");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_REJECT);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_END_OF_MESSAGE);
	cr_assert_eq(ev.ends_message, 1);
	cr_assert_eq(ev.reply_code, 0, "cleanup logs no reply code");
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 7, 1));
	cr_assert_slice(ev.client, "localhost[127.0.0.1]");
	cr_assert_slice(ev.from, "alice@src.example");
	cr_assert_slice(ev.to, "victim2@ok.example");
	cr_assert_slice(ev.reason_text, "5.7.1 Message content rejected");

	line("Nov 29 00:30:19 mx1 postfix/cleanup[18944]: 004C41025E3: hold: header Subject: "
	     "HOLD-FOR-REVIEW from localhost[127.0.0.1]; from=<alice@src.example> "
	     "to=<held@ok.example> proto=SMTP helo=<client.example.net>: Held for review");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_eq(ev.action, PFT_ACTION_HOLD);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_END_OF_MESSAGE);
	cr_assert_eq(ev.ends_message, 0);
	cr_assert_eq(ev.reply_code, 0);
	cr_assert_eq(ev.dsn, 0);
	cr_assert_slice(ev.client, "localhost[127.0.0.1]");
	cr_assert_slice(ev.from, "alice@src.example");
	cr_assert_slice(ev.to, "held@ok.example");
	cr_assert_slice(ev.reason_text, "Held for review");
}

Test(reject, every_stage)
{
	static const struct {
		const char *text;
		enum pft_reject_stage stage;
		uint16_t reply;
		pft_dsn dsn;
		const char *from, *to;
		uint8_t ends;
	} cases[] = {
		{"NOQUEUE: reject: CONNECT from unknown[192.0.2.9]: 554 5.7.1 <unknown[192.0.2.9]>: "
		 "Client host rejected: Access denied; proto=SMTP",
		 PFT_STAGE_CONNECT, 554, PFT_DSN_MAKE(5, 7, 1), "", "", 0},
		{"NOQUEUE: reject: HELO from unknown[192.0.2.9]: 504 5.5.2 <bogus>: Helo command "
		 "rejected: need fully-qualified hostname; proto=SMTP helo=<bogus>",
		 PFT_STAGE_HELO, 504, PFT_DSN_MAKE(5, 5, 2), "", "", 0},
		{"NOQUEUE: reject: EHLO from unknown[192.0.2.9]: 550 5.7.1 <mail.example.net>: Helo "
		 "command rejected: Go away; proto=ESMTP helo=<mail.example.net>",
		 PFT_STAGE_EHLO, 550, PFT_DSN_MAKE(5, 7, 1), "", "", 0},
		{"NOQUEUE: reject: MAIL from unknown[192.0.2.9]: 553 5.7.1 <spoof@example.com>: Sender "
		 "address rejected: not logged in; from=<spoof@example.com> proto=ESMTP helo=<x>",
		 PFT_STAGE_MAIL, 553, PFT_DSN_MAKE(5, 7, 1), "spoof@example.com", "", 0},
		{"NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 550 5.1.1 <nobody@example.org>: "
		 "Recipient address rejected: User unknown in local recipient table; "
		 "from=<a@example.com> to=<nobody@example.org> proto=ESMTP helo=<x>",
		 PFT_STAGE_RCPT, 550, PFT_DSN_MAKE(5, 1, 1), "a@example.com", "nobody@example.org", 0},
		{"3B2E1C0D5F: reject: DATA from unknown[192.0.2.9]: 550 5.5.3 <DATA>: Data command "
		 "rejected: Multi-recipient bounce; from=<> to=<b@example.net> proto=ESMTP helo=<x>",
		 PFT_STAGE_DATA, 550, PFT_DSN_MAKE(5, 5, 3), "", "b@example.net", 1},
		{"3B2E1C0D5F: reject: BDAT from unknown[192.0.2.9]: 552 5.3.4 Message size exceeds "
		 "fixed limit; from=<a@example.org> to=<b@example.net> proto=ESMTP helo=<x>",
		 PFT_STAGE_BDAT, 552, PFT_DSN_MAKE(5, 3, 4), "a@example.org", "b@example.net", 1},
		{"3B2E1C0D5F: reject: END-OF-MESSAGE from unknown[192.0.2.9]: 554 5.7.1 "
		 "<a@example.org>: Sender address rejected: too much mail; from=<a@example.org> "
		 "to=<b@example.net> proto=ESMTP helo=<x>",
		 PFT_STAGE_END_OF_MESSAGE, 554, PFT_DSN_MAKE(5, 7, 1), "a@example.org",
		 "b@example.net", 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rec("smtpd", cases[i].text);
		cr_assert_kind(PFT_EV_REJECT);
		cr_assert_eq(ev.action, PFT_ACTION_REJECT, "%s", cases[i].text);
		cr_assert_eq(ev.reject_stage, cases[i].stage, "%s", cases[i].text);
		cr_assert_eq(ev.reply_code, cases[i].reply, "%s", cases[i].text);
		cr_assert_eq(ev.dsn, cases[i].dsn, "%s", cases[i].text);
		cr_assert_slice(ev.from, cases[i].from);
		cr_assert_slice(ev.to, cases[i].to);
		cr_assert_slice(ev.client, "unknown[192.0.2.9]");
		cr_assert_eq(ev.ends_message, cases[i].ends, "%s", cases[i].text);
	}
}

Test(reject, postscreen_reject_and_actions)
{
	rec("postscreen", "NOQUEUE: reject: RCPT from [27.157.200.233]:4984: 550 5.7.1 Service "
			  "unavailable; client [27.157.200.233] blocked using zen.spamhaus.org; "
			  "from=<hcdvbnm@qhhn.com>, to=<4ECEA00F.9040306@example.com>, proto=ESMTP, "
			  "helo=<qhhn.com>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_REJECT);
	cr_assert_eq(ev.noqueue, 1);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_RCPT);
	cr_assert_eq(ev.reply_code, 550);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 7, 1));
	cr_assert_slice(ev.from, "hcdvbnm@qhhn.com");
	cr_assert_slice(ev.to, "4ECEA00F.9040306@example.com");
	cr_assert_slice(ev.client, "[27.157.200.233]:4984");
	cr_assert_slice(ev.reason_text, "550 5.7.1 Service unavailable; client [27.157.200.233] "
					"blocked using zen.spamhaus.org");

	rec("postscreen", "NOQUEUE: reject: CONNECT from [5.6.7.8]:1337: all server ports busy");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_CONNECT);
	cr_assert_eq(ev.reply_code, 0);
	cr_assert_eq(ev.dsn, 0);
	cr_assert_slice(ev.client, "[5.6.7.8]:1337");

	/* postscreen's own records: INFO, with the client kept */
	static const struct {
		const char *text, *client;
	} info[] = {
		{"PASS NEW [2607:f8b0:4003:c01::23a]:36051", "[2607:f8b0:4003:c01::23a]:36051"},
		{"PASS OLD [61.238.241.86]:53024", "[61.238.241.86]:53024"},
		{"DNSBL rank 3 for [111.73.45.149]:1038", "[111.73.45.149]:1038"},
		{"PREGREET 6 after 1.2 from [216.81.72.72]:43421: RSET", "[216.81.72.72]:43421"},
		{"HANGUP after 63 from [111.73.45.149]:1038 in tests after SMTP handshake",
		 "[111.73.45.149]:1038"},
		{"COMMAND TIME LIMIT from [182.246.250.243]:51799 after CONNECT",
		 "[182.246.250.243]:51799"},
		{"COMMAND PIPELINING from [88.208.233.4]:42606 after .: QUIT", "[88.208.233.4]:42606"},
		{"NON-SMTP COMMAND from [93.174.93.51]:45284 after CONNECT: GET "
		 "http://ipv4scan.com/hello/check.txt HTTP/1.1",
		 "[93.174.93.51]:45284"},
		{"BARE NEWLINE from [88.208.233.4]:42606 after .", "[88.208.233.4]:42606"},
		{"WHITELISTED [61.238.241.86]:53024", "[61.238.241.86]:53024"},
		{"ALLOWLIST VETO [61.238.241.86]:53024", "[61.238.241.86]:53024"},
		{"DENYLISTED [192.0.2.1]:25000", "[192.0.2.1]:25000"},
		{"CONNECT from [61.238.241.86]:53024 to [89.105.204.244]:25", "[61.238.241.86]:53024"},
		{"DISCONNECT [216.81.72.72]:43421", "[216.81.72.72]:43421"},
		{"cache btree:/var/lib/postfix/postscreen_cache full cleanup: retained=242 dropped=7 "
		 "entries",
		 ""},
		{"warning: getpeername: Transport endpoint is not connected -- dropping this "
		 "connection",
		 ""},
	};
	for (size_t i = 0; i < sizeof info / sizeof info[0]; i++) {
		rec("postscreen", info[i].text);
		cr_assert_kind(PFT_EV_POSTFIX_INFO);
		cr_assert_eq(ev.action, PFT_ACTION_NONE, "%s", info[i].text);
		cr_assert_eq(ev.qid.n, 0, "%s", info[i].text);
		cr_assert_slice(ev.client, info[i].client);
	}
	/* smtpd's INFO lines name the client otherwise: no client taken from them */
	rec("smtpd", "Anonymous TLS connection established from julie.example.com[10.163.89.202]: "
		     "TLSv1.2 with cipher AECDH-AES256-SHA (256/256 bits)");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_eq(ev.client.n, 0);
	rec("smtpd", "SSL_accept error from unknown[72.13.58.7]: lost connection");
	cr_assert_eq(ev.client.n, 0);
}

Test(reject, milter_proxy_warning_reply_codes)
{
	rec("smtpd", "NOQUEUE: milter-reject: RCPT from mailrelay.example.com[8.8.8.8]: 451 4.7.1 "
		     "Greylisting in action, please come back later; from=<support@example.com> "
		     "to=<example@example.org> proto=ESMTP helo=<mailrelay.example.com>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_MILTER_REJECT);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_RCPT);
	cr_assert_eq(ev.reply_code, 451);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(4, 7, 1));
	cr_assert_slice(ev.client, "mailrelay.example.com[8.8.8.8]");
	cr_assert_slice(ev.from, "support@example.com");
	cr_assert_slice(ev.to, "example@example.org");

	rec("smtpd", "NOQUEUE: milter-reject: CONNECT from bad.example[192.0.2.66]: 554 5.7.1 Go "
		     "away; proto=SMTP");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_CONNECT);
	cr_assert_eq(ev.reply_code, 554);
	cr_assert_slice(ev.client, "bad.example[192.0.2.66]");

	rec("cleanup", "4104E3D: milter-reject: END-OF-MESSAGE from "
		       "061238241086.static.ctinets.com[61.238.241.86]: 5.7.1 Blocked by "
		       "SpamAssassin; from=<wumt5@cchfdc.com> to=<voorzitter@example.com> "
		       "proto=ESMTP helo=<ecsolved.com>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.reply_code, 0, "a milter's enhanced code without a reply code");
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 7, 1));

	rec("cleanup", "ABCDE12345: milter-hold: END-OF-MESSAGE from x.example[192.0.2.1]: milter "
		       "triggers HOLD action; from=<a@b.example> to=<c@d.example> proto=SMTP "
		       "helo=<x.example>");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_eq(ev.action, PFT_ACTION_HOLD);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_END_OF_MESSAGE);
	cr_assert_eq(ev.reply_code, 0);
	cr_assert_slice(ev.client, "x.example[192.0.2.1]");
	cr_assert_slice(ev.from, "a@b.example");
	cr_assert_slice(ev.to, "c@d.example");
	cr_assert_slice(ev.reason_text, "milter triggers HOLD action");

	rec("cleanup", "ABCDE12345: milter-discard: END-OF-MESSAGE from x.example[192.0.2.1]: "
		       "milter triggers DISCARD action; from=<a@b.example> to=<c@d.example> "
		       "proto=SMTP helo=<x.example>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_DISCARD);
	cr_assert_eq(ev.ends_message, 1);
	cr_assert_eq(ev.reply_code, 0);
	cr_assert_slice(ev.client, "x.example[192.0.2.1]");
	cr_assert_slice(ev.to, "c@d.example");

	rec("smtpd", "1A2B3C4D5E: proxy-reject: END-OF-MESSAGE: 554 5.7.0 Reject, contact "
		     "postmaster@example.com, id=31619-02 - spam; from=<> to=<user2@example2.com> "
		     "proto=SMTP helo=<17.33.12.53>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_PROXY_REJECT);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_END_OF_MESSAGE);
	cr_assert_eq(ev.reply_code, 554);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 7, 0));
	cr_assert_eq(ev.client.n, 0);
	cr_assert_eq(ev.from.n, 0);
	cr_assert_slice(ev.to, "user2@example2.com");

	rec("smtpd", "NOQUEUE: reject_warning: RCPT from example.com[93.184.216.34]: 553 5.7.1 "
		     "<sender@example.com>: Sender address rejected: not owned by user ph123; "
		     "from=<sender@example.com> to=<recipient@example.com> proto=ESMTP "
		     "helo=<example.com>");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_eq(ev.action, PFT_ACTION_REJECT_WARNING);
	cr_assert_eq(ev.reject_stage, PFT_STAGE_RCPT);
	cr_assert_eq(ev.reply_code, 553);
	cr_assert_eq(ev.dsn, PFT_DSN_MAKE(5, 7, 1));
	cr_assert_slice(ev.client, "example.com[93.184.216.34]");
	cr_assert_slice(ev.from, "sender@example.com");
	cr_assert_slice(ev.to, "recipient@example.com");

	rec("smtpd", "NOQUEUE: discard: MAIL from ccm231.constantcontact.com[208.75.123.231]: "
		     "<bs@in.constantcontact.com>: Sender address SPAM; "
		     "from=<bs@in.constantcontact.com> proto=ESMTP helo=<ccm231.constantcontact.com>");
	cr_assert_kind(PFT_EV_REJECT);
	cr_assert_eq(ev.action, PFT_ACTION_DISCARD);
	cr_assert_eq(ev.reply_code, 0);
	cr_assert_slice(ev.from, "bs@in.constantcontact.com");
}

#define DL "Nov 29 00:30:14 mx1 postfix/smtp[19212]: "

Test(delivery, reply_code_of_the_reason)
{
	static const struct {
		const char *line;
		enum pft_dstatus status;
		pft_dsn dsn;
		uint16_t reply;
	} cases[] = {
		{DL "73501102627: to=<y1@eod.example>, relay=127.0.0.1[127.0.0.1]:2606, delay=0, "
		    "delays=0/0/0/0, dsn=5.7.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 "
		    "5.7.1 Message content rejected as spam (in reply to end of DATA command))",
		 PFT_DS_BOUNCED, PFT_DSN_MAKE(5, 7, 1), 550},
		{DL "A3DBC102538: to=<bad@verify.example>, relay=127.0.0.1[127.0.0.1]:2604, "
		    "delay=0.01, delays=0/0/0/0, dsn=5.1.1, status=undeliverable (host "
		    "127.0.0.1[127.0.0.1] said: 550 5.1.1 No such user here (in reply to RCPT TO "
		    "command))",
		 PFT_DS_UNDELIVERABLE, PFT_DSN_MAKE(5, 1, 1), 550},
		{DL "91E5C102632: to=<good@verify.example>, relay=127.0.0.1[127.0.0.1]:2601, "
		    "delay=0.01, delays=0/0/0/0, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)",
		 PFT_DS_DELIVERABLE, PFT_DSN_MAKE(2, 1, 5), 250},
		/* soft_bounce = yes: the server said 550, Postfix made it a 4.x.x */
		{DL "B45C1102553: to=<relaxed0@relaxed.example>, relay=127.0.0.1[127.0.0.1]:2607, "
		    "delay=0.02, delays=0/0.01/0/0, dsn=4.7.26, status=SOFTBOUNCE (host "
		    "127.0.0.1[127.0.0.1] said: 550 5.7.26 Unauthenticated email is not accepted, try "
		    "again (in reply to RCPT TO command))",
		 PFT_DS_SOFTBOUNCE, PFT_DSN_MAKE(4, 7, 26), 550},
		{DL "1C1B210262F: to=<a@ok.example>, relay=127.0.0.1[127.0.0.1]:2601, delay=0.1, "
		    "delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
		 PFT_DS_SENT, PFT_DSN_MAKE(2, 0, 0), 250},
		{DL "1C1B210262F: to=<a@ok.example>, relay=scan[127.0.0.1]:10025, delay=0.1, "
		    "delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 from "
		    "MTA(smtp:[127.0.0.1]:10026): 250 2.0.0 Ok: queued as 1F9581025D2)",
		 PFT_DS_SENT, PFT_DSN_MAKE(2, 0, 0), 250},
		{DL "1C1B210262F: to=<a@ok.example>, relay=none, delay=30, delays=0/0/30/0, "
		    "dsn=4.4.1, status=deferred (connect to mx.example.com[192.0.2.1]:25: "
		    "Connection refused)",
		 PFT_DS_DEFERRED, PFT_DSN_MAKE(4, 4, 1), 0},
		{DL "1C1B210262F: to=<a@ok.example>, relay=none, delay=30, delays=0/0/30/0, "
		    "dsn=4.7.0, status=deferred (delivery temporarily suspended: host "
		    "mx.example.com[192.0.2.1] said: 421 4.7.0 Try again later (in reply to MAIL FROM "
		    "command))",
		 PFT_DS_DEFERRED, PFT_DSN_MAKE(4, 7, 0), 421},
		{DL "40197AA0F1: to=<a@egov.bg>, relay=mg2.egov.bg[213.91.191.86]:25, delay=1, "
		    "delays=0/0/1/0, dsn=4.3.2, status=deferred (host mg2.egov.bg[213.91.191.86] "
		    "refused to talk to me: 450 4.3.2 try again later)",
		 PFT_DS_DEFERRED, PFT_DSN_MAKE(4, 3, 2), 450},
		{DL "745137AA01: to=<a@hotmail.com>, relay=x.outlook.com[104.47.55.161]:25, delay=9, "
		    "delays=0/0/1/8, dsn=4.4.2, status=deferred (lost connection with "
		    "x.outlook.com[104.47.55.161] while sending RCPT TO)",
		 PFT_DS_DEFERRED, PFT_DSN_MAKE(4, 4, 2), 0},
		{"Nov 29 00:30:05 mx1 postfix/local[19021]: 9FC62102627: to=<sales@local.example>, "
		 "relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to file: "
		 "/dev/null)",
		 PFT_DS_SENT, PFT_DSN_MAKE(2, 0, 0), 0},
		/* the discard(8) agent: an attempt status=sent, and no reply */
		{"Nov 29 00:30:05 mx1 postfix/discard[19044]: EE8EA102627: to=<void@discard.example>, "
		 "relay=none, delay=0.01, delays=0/0.01/0/0, dsn=2.0.0, status=sent (discard.example)",
		 PFT_DS_SENT, PFT_DSN_MAKE(2, 0, 0), 0},
		{"Nov 29 00:30:05 mx1 postfix/virtual[1]: ABCDEF1234: to=<x@example.org>, "
		 "relay=virtual, delay=0.1, delays=0/0/0/0.1, dsn=5.1.1, "
		 "status=undeliverable-but-not-cached (User unknown in virtual alias table)",
		 PFT_DS_UNDELIVERABLE_NOT_CACHED, PFT_DSN_MAKE(5, 1, 1), 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		line(cases[i].line);
		cr_assert_kind(PFT_EV_DELIVERY);
		cr_assert_eq(ev.status, cases[i].status, "%s", cases[i].line);
		cr_assert_eq(ev.dsn, cases[i].dsn, "%s", cases[i].line);
		cr_assert_eq(ev.reply_code, cases[i].reply, "%s", cases[i].line);
	}
	line(DL "EE8EA102627: to=<void@discard.example>, relay=none, delay=0.01, dsn=2.0.0, "
		"status=sent (discard.example)");
	cr_assert_slice(ev.relay_host, "none");
	/* a per-attempt line quotes a reply too, but is no attempt: INFO, no code */
	line(DL "ED59C3D: host mail2.example.com[1.74.253.23] said: 450 4.7.1 <user@example.com>: "
		"Recipient address rejected: Greylisted for 5 minutes (in reply to RCPT TO command)");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_eq(ev.reply_code, 0);
}

Test(bounce, every_notification_and_failure)
{
	static const struct {
		const char *line;
		enum pft_notification_kind kind;
		const char *qid, *new_qid;
	} cases[] = {
		{"Nov 29 00:30:05 mx1 postfix/bounce[18997]: 39897102627: sender non-delivery "
		 "notification: 3D18C10262A",
		 PFT_NOTIFY_NON_DELIVERY, "39897102627", "3D18C10262A"},
		{"Nov 29 00:30:34 mx1 postfix/bounce[18967]: 19E9810261E: sender delay notification: "
		 "EEE9110253A",
		 PFT_NOTIFY_DELAY, "19E9810261E", "EEE9110253A"},
		{"Nov 29 00:30:06 mx1 postfix/bounce[19058]: 1C1B210262F: sender delivery status "
		 "notification: 1F9581025D2",
		 PFT_NOTIFY_SUCCESS, "1C1B210262F", "1F9581025D2"},
		{"Nov 29 00:30:06 mx1 postfix/bounce[18997]: 2BBC41025D2: postmaster non-delivery "
		 "notification: 2CD23102630",
		 PFT_NOTIFY_POSTMASTER, "2BBC41025D2", "2CD23102630"},
		{"Nov 29 00:31:47 mx1 postfix-out/bounce[20740]: 4jcSl7195Fz7xrq: sender non-delivery "
		 "notification: 4jcSl72vLrz7xsW",
		 PFT_NOTIFY_NON_DELIVERY, "4jcSl7195Fz7xrq", "4jcSl72vLrz7xsW"},
		/* Postfix 3.11: a notification that could not be queued */
		{"Nov 29 00:30:06 mx1 postfix/bounce[18997]: 39897102627: sender notification failed",
		 PFT_NOTIFY_FAILED, "39897102627", ""},
		{"Nov 29 00:30:06 mx1 postfix/bounce[18997]: 39897102627: sender non-delivery "
		 "notification failed: 3D18C10262A",
		 PFT_NOTIFY_FAILED, "39897102627", "3D18C10262A"},
		{"Nov 29 00:30:06 mx1 postfix/defer[18997]: 39897102627: postmaster delay "
		 "notification failed: queue file write error",
		 PFT_NOTIFY_FAILED, "39897102627", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		line(cases[i].line);
		cr_assert_kind(PFT_EV_NOTIFICATION);
		cr_assert_eq(ev.notify, cases[i].kind, "%s", cases[i].line);
		cr_assert_slice(ev.qid, cases[i].qid);
		cr_assert_slice(ev.new_qid, cases[i].new_qid);
	}
	line("Nov 29 00:30:06 mx1 postfix/bounce[1]: 39897102627: sender notification failedness");
	cr_assert_kind(PFT_EV_UNRECOGNIZED);
	line("Nov 29 00:30:06 mx1 postfix/bounce[1]: warning: 39897102627: postmaster notice failed "
	     "while bouncing to a@example.org");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
	cr_assert_slice(ev.qid, "39897102627");
	cr_assert_eq(ev.notify, PFT_NOTIFY_NONE);
	line("Nov 29 00:30:34 mx1 postfix/bounce[18967]: warning: for instructions see the "
	     "bounce(5) manual");
	cr_assert_kind(PFT_EV_POSTFIX_INFO);
}

/* Whether a reason starts with a reply code: three digits, the first 2..5, then ' ' or '-'. */
static int starts_with_reply(struct pft_slice s)
{
	return s.n >= 4 && s.p[0] >= '2' && s.p[0] <= '5' && s.p[1] >= '0' && s.p[1] <= '9' &&
	       s.p[2] >= '0' && s.p[2] <= '9' && (s.p[3] == ' ' || s.p[3] == '-');
}

/* Every line of a real capture: the notifications, rejects and special statuses, counted
 * against grep (the counts in comments are grep -c of the file). */
Test(records, real_captures_counted)
{
	static const struct {
		const char *path;
		unsigned deferred_451; /* grep -c 'status=deferred (host .* said: 451' */
	} logs[] = {
		{PFT_SOURCE_DIR "/corpus/real/short-qids/mail.log", 30},
		{PFT_SOURCE_DIR "/corpus/real/long-qids/mail.log", 32},
	};
	for (size_t f = 0; f < sizeof logs / sizeof logs[0]; f++) {
		size_t len;
		char *buf = pft_test_read_file(logs[f].path, &len);
		cr_assert_not_null(buf, "%s", logs[f].path);
		unsigned notify[PFT_NOTIFY_COUNT] = {0}, rejects = 0, noqueue = 0, hold = 0;
		unsigned reply[6] = {0}; /* by first digit; [0] = none */
		unsigned status[PFT_DS_COUNT] = {0}, discard = 0, reply_451 = 0;
		for (char *p = buf, *end = buf + len; p < end;) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL)
				nl = end;
			pft_parse_line(p, (size_t)(nl - p), &ev);
			switch (ev.kind) {
			case PFT_EV_NOTIFICATION:
				notify[ev.notify]++;
				cr_assert_neq(ev.new_qid.n, 0);
				break;
			case PFT_EV_REJECT:
				rejects++;
				noqueue += ev.noqueue;
				/* the reply code is the reason's first three digits, or none */
				cr_assert_eq(ev.reply_code,
					     starts_with_reply(ev.reason_text) ? atoi(ev.reason_text.p)
									       : 0,
					     "%.*s", (int)ev.reason_text.n, ev.reason_text.p);
				break;
			case PFT_EV_DELIVERY:
				status[ev.status]++;
				reply[ev.reply_code / 100]++;
				reply_451 += ev.reply_code == 451 && ev.status == PFT_DS_DEFERRED;
				discard += ev.service.n == 7 && memcmp(ev.service.p, "discard", 7) == 0;
				break;
			default:
				hold += ev.action == PFT_ACTION_HOLD;
				break;
			}
			p = nl + 1;
		}
		free(buf);
		/* grep: 11 "sender non-delivery", 2 "sender delay", 1 "sender delivery status",
		 * 1 "postmaster non-delivery" per capture */
		cr_assert_eq(notify[PFT_NOTIFY_NON_DELIVERY], 11);
		cr_assert_eq(notify[PFT_NOTIFY_DELAY], 2);
		cr_assert_eq(notify[PFT_NOTIFY_SUCCESS], 1);
		cr_assert_eq(notify[PFT_NOTIFY_POSTMASTER], 1);
		cr_assert_eq(notify[PFT_NOTIFY_FAILED], 0);
		/* 4 "NOQUEUE: reject:", 1 smtpd DATA reject and 1 cleanup header reject, 1 hold */
		cr_assert_eq(rejects, 6);
		cr_assert_eq(noqueue, 4);
		cr_assert_eq(hold, 1);
		cr_assert_eq(status[PFT_DS_SOFTBOUNCE], 2);
		cr_assert_eq(status[PFT_DS_DELIVERABLE], 1);
		cr_assert_eq(status[PFT_DS_UNDELIVERABLE], 1);
		cr_assert_eq(status[PFT_DS_BOUNCED], 10);
		cr_assert_eq(status[PFT_DS_SENT], 41);
		cr_assert_eq(discard, 1);
		/* replies: 38 "250", 9 "550", 2 "554" and the 451s; 6 reasons quote none (local
		 * "delivered to file", "unknown user", "forwarded as", discard) */
		cr_assert_eq(reply[2], 38, "%u", reply[2]);
		cr_assert_eq(reply[5], 9 + 2);
		cr_assert_eq(reply[0], 6, "%u", reply[0]);
		cr_assert_eq(reply_451, logs[f].deferred_451);
	}
}
