/* Repeated lines, notification links, hops and lifecycle filters through the part/merge
 * pipeline: hand-checked counts, and the same JSON for every chunk size (down to one byte:
 * every line its own chunk). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "pft_test.h"
#include "report/report.h"

/* The pipeline over text cut into chunks of at most chunk_size bytes (whole lines), with a
 * filter; the JSON report. */
static char *tally(const char *text, size_t chunk_size, const struct pft_filter *filter)
{
	struct pft_input_file file = {.path = "test.log", .format = PFT_FORMAT_PLAIN};
	struct pft_inputs inputs = {.files = &file, .n_files = 1, .n_streams = 1};
	const struct pft_limits limits = {.horizon = (int64_t)PFT_DEFAULT_HORIZON_DAYS * 86400,
					  .filter = filter};
	struct pft_merge *merge = pft_merge_new(&inputs, &limits);
	cr_assert_not_null(merge);
	size_t len = strlen(text), pos = 0;
	while (pos < len) {
		size_t end = pos + chunk_size < len ? pos + chunk_size : len;
		if (end < len) {
			size_t cut = end;
			while (cut > pos && text[cut - 1] != '\n')
				cut--;
			if (cut == pos) {
				const char *nl = memchr(text + pos, '\n', len - pos);
				cut = nl ? (size_t)(nl - text) + 1 : len;
			}
			end = cut;
		}
		/* an exact-size copy: ASan sees a read past the chunk */
		char *copy = malloc(end - pos);
		memcpy(copy, text + pos, end - pos);
		struct pft_chunk chunk = {.data = copy, .len = end - pos, .offset = pos};
		struct pft_part part;
		cr_assert_eq(pft_part_build(&part, &chunk, 0, &limits), PFT_OK);
		cr_assert_eq(pft_merge_part(merge, &part), PFT_OK);
		pft_part_free(&part);
		free(copy);
		pos = end;
	}
	struct pft_result result;
	struct pft_error err = {0};
	cr_assert_eq(pft_merge_finish(merge, 2024, &result, &err), PFT_OK);
	pft_merge_free(merge);
	char *json = NULL;
	size_t json_len = 0;
	FILE *f = open_memstream(&json, &json_len);
	cr_assert_eq(pft_report_json(&result, f), PFT_OK);
	fclose(f);
	pft_result_free(&result);
	return json;
}

/* The JSON of every chunk size from 1 byte to the whole text is the one of the whole text. */
static char *tally_every_chunking(const char *text, const struct pft_filter *filter)
{
	char *whole = tally(text, strlen(text) + 1, filter);
	const char *inputs = strstr(whole, "  \"inputs\":");
	cr_assert_not_null(inputs);
	const size_t n = (size_t)(inputs - whole);
	for (size_t cs = 1; cs <= strlen(text); cs += cs < 200 ? 1 : 37) {
		char *json = tally(text, cs, filter);
		if (strncmp(json, whole, n) != 0 || strncmp(json + n, "  \"inputs\":", 11) != 0) {
			if (getenv("PFT_TEST_DUMP"))
				fprintf(stderr, "%s\n----\n%s\n", whole, json);
			cr_assert_str_eq(json, whole, "chunk size %zu", cs);
		}
		free(json);
	}
	return whole;
}

static long long num(const char *json, const char *path)
{
	long long v = -1;
	cr_assert(pft_test_json_number(json, path, &v), "%s missing", path);
	return v;
}

/* ---- repeated lines ------------------------------------------------------------------- */

static const char repeats[] =
	"Jun  1 10:00:00 mx1 postfix/smtpd[1]: 1A2B3C4D01: client=c.example[192.0.2.1]\n"
	"Jun  1 10:00:00 mx1 postfix/qmgr[2]: 1A2B3C4D01: from=<s@src.example>, size=1, nrcpt=1 (queue active)\n"
	"Jun  1 10:00:01 mx1 postfix/smtp[3]: 1A2B3C4D01: to=<r@dst.example>, relay=mx.dst.example[192.0.2.9]:25, "
	"delay=1, delays=0/0/0/1, dsn=4.7.1, status=deferred (host said: 451 4.7.1 try later)\n"
	"Jun  1 10:00:02 mx1 last message repeated 2 times\n"
	"Jun  1 10:00:03 mx1 postfix/smtp[3]: message repeated 3 times: [ 1A2B3C4D01: to=<r@dst.example>, "
	"relay=mx.dst.example[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=4.7.1, status=deferred "
	"(host said: 451 4.7.1 try later)]\n"
	"Jun  1 10:00:04 mx1 kernel: something else\n"
	"Jun  1 10:00:05 mx2 postfix/smtpd[4]: NOQUEUE: reject: RCPT from x[192.0.2.7]: 554 5.7.1 "
	"<a@b.example>: Relay access denied; from=<f@g.example> to=<a@b.example> proto=ESMTP helo=<x>\n"
	"Jun  1 10:00:06 mx1 last message repeated 4 times\n"
	"Jun  1 10:00:07 mx2 last message repeated 5 times\n"
	"Jun  1 10:10:00 mx1 postfix/smtp[3]: 1A2B3C4D01: to=<r@dst.example>, relay=mx.dst.example[192.0.2.9]:25, "
	"delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n"
	"Jun  1 10:10:00 mx1 postfix/qmgr[2]: 1A2B3C4D01: removed\n";

Test(links, repeated_lines_count_at_every_chunk_size)
{
	char *json = tally_every_chunking(repeats, NULL);
	/* 1 deferral + 2 (sysklogd) + 3 (rsyslog); the kernel line's repeat counts nothing */
	cr_expect_eq(num(json, "attempts.deferred"), 6);
	cr_expect_eq(num(json, "attempts.sent"), 1);
	cr_expect_eq(num(json, "dsn.4\\.7\\.1"), 6);
	cr_expect_eq(num(json, "rejects.noqueue"), 6); /* 1 + 5 */
	cr_expect_eq(num(json, "recipients.sent"), 1);
	cr_expect_eq(num(json, "recipients.deferred_then_sent"), 1);
	cr_expect_eq(num(json, "lines.total"), 11);
	free(json);
}

/* ---- notifications --------------------------------------------------------------------- */

/* Three bounced parents; their notifications are linked in the three log orders: cleanup
 * before the link (Postfix <= 3.10), the link first (3.11), and the link after the
 * notification was delivered and removed (3.7 under load). A client's own null-sender
 * message (1A2B3C4D24) is not a notification. */
static const char notices[] =
	"Jun  1 10:00:00 mx1 postfix/smtpd[1]: 1A2B3C4D11: client=c.example[192.0.2.1]\n"
	"Jun  1 10:00:00 mx1 postfix/qmgr[2]: 1A2B3C4D11: from=<s1@src.example>, size=1, nrcpt=1 (queue active)\n"
	"Jun  1 10:00:01 mx1 postfix/smtp[3]: 1A2B3C4D11: to=<a@hard.example>, relay=mx[192.0.2.9]:25, delay=1, "
	"delays=0/0/0/1, dsn=5.1.1, status=bounced (host said: 550 5.1.1 no such user)\n"
	"Jun  1 10:00:01 mx1 postfix/cleanup[4]: 1A2B3C4D21: message-id=<n1@mx1>\n"
	"Jun  1 10:00:01 mx1 postfix/bounce[5]: 1A2B3C4D11: sender non-delivery notification: 1A2B3C4D21\n"
	"Jun  1 10:00:01 mx1 postfix/qmgr[2]: 1A2B3C4D21: from=<>, size=2, nrcpt=1 (queue active)\n"
	"Jun  1 10:00:01 mx1 postfix/qmgr[2]: 1A2B3C4D11: removed\n"
	"Jun  1 10:00:02 mx1 postfix/smtp[3]: 1A2B3C4D21: to=<s1@src.example>, relay=mx[192.0.2.8]:25, delay=1, "
	"delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n"
	"Jun  1 10:00:02 mx1 postfix/qmgr[2]: 1A2B3C4D21: removed\n"
	"Jun  1 10:01:00 mx1 postfix/pickup[6]: 1A2B3C4D12: uid=0 from=<s2@src.example>\n"
	"Jun  1 10:01:00 mx1 postfix/qmgr[2]: 1A2B3C4D12: from=<s2@src.example>, size=1, nrcpt=1 (queue active)\n"
	"Jun  1 10:01:01 mx1 postfix/smtp[3]: 1A2B3C4D12: to=<b@hard.example>, relay=mx[192.0.2.9]:25, delay=1, "
	"delays=0/0/0/1, dsn=5.1.1, status=bounced (host said: 550 5.1.1 no such user)\n"
	"Jun  1 10:01:01 mx1 postfix/bounce[5]: 1A2B3C4D12: sender non-delivery notification: 1A2B3C4D22\n"
	"Jun  1 10:01:01 mx1 postfix/cleanup[4]: 1A2B3C4D22: message-id=<n2@mx1>\n"
	"Jun  1 10:01:01 mx1 postfix/qmgr[2]: 1A2B3C4D22: from=<>, size=2, nrcpt=1 (queue active)\n"
	"Jun  1 10:01:01 mx1 postfix/qmgr[2]: 1A2B3C4D12: removed\n"
	"Jun  1 10:01:02 mx1 postfix/smtp[3]: 1A2B3C4D22: to=<s2@src.example>, relay=mx[192.0.2.8]:25, delay=1, "
	"delays=0/0/0/1, dsn=4.2.0, status=deferred (host said: 450 busy)\n"
	"Jun  1 10:02:00 mx1 postfix/smtpd[1]: 1A2B3C4D13: client=c.example[192.0.2.1]\n"
	"Jun  1 10:02:00 mx1 postfix/qmgr[2]: 1A2B3C4D13: from=<s3@src.example>, size=1, nrcpt=1 (queue active)\n"
	"Jun  1 10:02:01 mx1 postfix/smtp[3]: 1A2B3C4D13: to=<c@hard.example>, relay=mx[192.0.2.9]:25, delay=1, "
	"delays=0/0/0/1, dsn=5.1.1, status=bounced (host said: 550 5.1.1 no such user)\n"
	"Jun  1 10:02:01 mx1 postfix/cleanup[4]: 1A2B3C4D23: message-id=<n3@mx1>\n"
	"Jun  1 10:02:01 mx1 postfix/qmgr[2]: 1A2B3C4D23: from=<>, size=2, nrcpt=1 (queue active)\n"
	"Jun  1 10:02:02 mx1 postfix/smtp[3]: 1A2B3C4D23: to=<s3@src.example>, relay=mx[192.0.2.8]:25, delay=1, "
	"delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n"
	"Jun  1 10:02:02 mx1 postfix/qmgr[2]: 1A2B3C4D23: removed\n"
	"Jun  1 10:02:03 mx1 postfix/bounce[5]: 1A2B3C4D13: sender non-delivery notification: 1A2B3C4D23\n"
	"Jun  1 10:02:03 mx1 postfix/qmgr[2]: 1A2B3C4D13: removed\n"
	"Jun  1 10:03:00 mx1 postfix/smtpd[1]: 1A2B3C4D24: client=c.example[192.0.2.1]\n"
	"Jun  1 10:03:00 mx1 postfix/qmgr[2]: 1A2B3C4D24: from=<>, size=1, nrcpt=1 (queue active)\n"
	"Jun  1 10:03:01 mx1 postfix/smtp[3]: 1A2B3C4D24: to=<d@ok.example>, relay=mx[192.0.2.8]:25, delay=1, "
	"delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n"
	"Jun  1 10:03:01 mx1 postfix/qmgr[2]: 1A2B3C4D24: removed\n";

Test(links, notifications_in_every_log_order)
{
	char *json = tally_every_chunking(notices, NULL);
	cr_expect_eq(num(json, "messages.total"), 7);
	cr_expect_eq(num(json, "notifications.non_delivery"), 3);
	cr_expect_eq(num(json, "notifications.messages"), 3);
	cr_expect_eq(num(json, "notifications.recipients.sent"), 2);
	cr_expect_eq(num(json, "notifications.recipients.pending"), 1);
	cr_expect_eq(num(json, "attempts.sent"), 3);
	cr_expect_eq(num(json, "attempts.deferred"), 1);
	free(json);
}

Test(links, exclude_notifications_removes_exactly_them)
{
	const struct pft_filter filter = {.exclude_notifications = 1};
	char *all = tally(notices, 1 << 20, NULL);
	char *json = tally_every_chunking(notices, &filter);
	cr_expect_eq(num(json, "messages.total"), num(all, "messages.total") - 3);
	cr_expect_eq(num(json, "recipients.total"), num(all, "recipients.total") - 3);
	cr_expect_eq(num(json, "attempts.sent"), 1);     /* N4's */
	cr_expect_eq(num(json, "attempts.deferred"), 0); /* N2's */
	cr_expect_eq(num(json, "attempts.bounced"), 3);
	cr_expect_eq(num(json, "notifications.messages"), 0);
	long long v;
	cr_expect(!pft_test_json_number(json, "by_domain.src\\.example.recipients.sent", &v),
		  "the notifications' domain has no row");
	free(all);
	free(json);
}

Test(links, sender_domain_is_a_lifecycle_filter)
{
	static const char *const senders[] = {"src.example"};
	const struct pft_filter filter = {.sender_domains = senders, .n_sender_domains = 1};
	char *json = tally_every_chunking(notices, &filter);
	/* P1..1A2B3C4D13 (the notifications and 1A2B3C4D24 have from=<>) */
	cr_expect_eq(num(json, "messages.total"), 3);
	cr_expect_eq(num(json, "attempts.bounced"), 3);
	cr_expect_eq(num(json, "attempts.sent"), 0);
	free(json);
}

/* ---- hops ------------------------------------------------------------------------------ */

/* 1A2B3C4D31 goes through a content filter: the child H2 is re-injected by postfix-out's smtpd (its
 * client= line comes before the parent's status=sent). 1A2B3C4D41 is forwarded by local(8) to L2.
 * 1A2B3C4D51 is relayed to a remote server that answers "queued as": no hop. */
static const char hops[] =
	"Jun  1 10:00:00 mx1 postfix/smtpd[1]: 1A2B3C4D31: client=c.example[192.0.2.1]\n"
	"Jun  1 10:00:00 mx1 postfix/qmgr[2]: 1A2B3C4D31: from=<s@src.example>, size=1, nrcpt=1 (queue active)\n"
	"Jun  1 10:00:01 mx1 postfix-out/10026/smtpd[7]: 1A2B3C4D32: client=localhost[127.0.0.1]\n"
	"Jun  1 10:00:01 mx1 postfix-out/qmgr[8]: 1A2B3C4D32: from=<s@src.example>, size=1, nrcpt=1 (queue active)\n"
	"Jun  1 10:00:01 mx1 postfix/smtp[3]: 1A2B3C4D31: to=<a@dst.example>, relay=127.0.0.1[127.0.0.1]:10025, "
	"delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 1A2B3C4D32)\n"
	"Jun  1 10:00:01 mx1 postfix/qmgr[2]: 1A2B3C4D31: removed\n"
	"Jun  1 10:00:02 mx1 postfix-out/smtp[9]: 1A2B3C4D32: to=<a@dst.example>, relay=mx.dst.example[192.0.2.5]:25, "
	"delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host said: 550 5.1.1 unknown)\n"
	"Jun  1 10:00:02 mx1 postfix-out/qmgr[8]: 1A2B3C4D32: removed\n"
	"Jun  1 10:01:00 mx1 postfix/pickup[6]: 1A2B3C4D41: uid=0 from=<s@src.example>\n"
	"Jun  1 10:01:00 mx1 postfix/qmgr[2]: 1A2B3C4D41: from=<s@src.example>, size=1, nrcpt=1 (queue active)\n"
	"Jun  1 10:01:00 mx1 postfix/cleanup[4]: 1A2B3C4D42: message-id=<l@mx1>\n"
	"Jun  1 10:01:00 mx1 postfix/local[5]: 1A2B3C4D41: to=<fwd@mx1.example>, relay=local, delay=0, "
	"delays=0/0/0/0, dsn=2.0.0, status=sent (forwarded as 1A2B3C4D42)\n"
	"Jun  1 10:01:00 mx1 postfix/qmgr[2]: 1A2B3C4D41: removed\n"
	"Jun  1 10:01:00 mx1 postfix/qmgr[2]: 1A2B3C4D42: from=<s@src.example>, size=1, nrcpt=1 (queue active)\n"
	"Jun  1 10:01:01 mx1 postfix/smtp[3]: 1A2B3C4D42: to=<far@away.example>, relay=mx.away.example[192.0.2.6]:25, "
	"delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n"
	"Jun  1 10:01:01 mx1 postfix/qmgr[2]: 1A2B3C4D42: removed\n"
	"Jun  1 10:02:00 mx1 postfix/smtpd[1]: 1A2B3C4D51: client=c.example[192.0.2.1]\n"
	"Jun  1 10:02:00 mx1 postfix/qmgr[2]: 1A2B3C4D51: from=<s@src.example>, size=1, nrcpt=1 (queue active)\n"
	"Jun  1 10:02:01 mx1 postfix/smtp[3]: 1A2B3C4D51: to=<b@dst.example>, relay=mx.dst.example[192.0.2.5]:25, "
	"delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 1A2B3C4D53)\n"
	"Jun  1 10:02:01 mx1 postfix/qmgr[2]: 1A2B3C4D51: removed\n";

Test(links, hops_follow_the_child)
{
	char *json = tally_every_chunking(hops, NULL);
	cr_expect_eq(num(json, "messages.total"), 5);
	cr_expect_eq(num(json, "recipients.sent"), 4);
	cr_expect_eq(num(json, "recipients.bounced"), 1);
	cr_expect_eq(num(json, "recipients.hops"), 2);
	cr_expect_eq(num(json, "recipients.end_to_end.sent"), 2); /* L2's and R1's */
	cr_expect_eq(num(json, "recipients.end_to_end.bounced"), 1); /* 2H2's */
	free(json);
}

/* ---- filters ---------------------------------------------------------------------------- */

Test(links, domain_filter_matches_sub_domains)
{
	static const char *const domains[] = {"example"};
	static const char *const exact[] = {"dst.example"};
	const struct pft_filter all = {.domains = domains, .n_domains = 1};
	const struct pft_filter dst = {.domains = exact, .n_domains = 1};
	char *unfiltered = tally(hops, 1 << 20, NULL);
	char *json = tally_every_chunking(hops, &all);
	cr_expect_eq(num(json, "recipients.total"), num(unfiltered, "recipients.total"));
	free(json);
	json = tally_every_chunking(hops, &dst);
	cr_expect_eq(num(json, "recipients.total"), 3);
	cr_expect_eq(num(json, "attempts.sent"),
		     num(unfiltered, "by_domain.dst\\.example.attempts.sent"));
	cr_expect_eq(num(json, "attempts.bounced"),
		     num(unfiltered, "by_domain.dst\\.example.attempts.bounced"));
	cr_expect_eq(num(json, "messages.total"), 3); /* H1, 2H2, 1A2B3C4D51 */
	free(json);
	free(unfiltered);
}

Test(links, time_filter_on_bsd_stamps_is_decided_with_the_year)
{
	/* Dec 31 -> Jan 1 rollover: with --year 2024 (the newest line's) the lines before are
	 * of 2023. */
	static const char text[] =
		"Dec 31 23:59:58 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.7]: 554 5.7.1 "
		"<a@b.example>: denied; from=<f@g.example> to=<a@b.example> proto=ESMTP helo=<x>\n"
		"Jan  1 00:00:01 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.7]: 554 5.7.1 "
		"<a@b.example>: denied; from=<f@g.example> to=<a@b.example> proto=ESMTP helo=<x>\n"
		"Jan  2 00:00:01 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.7]: 554 5.7.1 "
		"<a@b.example>: denied; from=<f@g.example> to=<a@b.example> proto=ESMTP helo=<x>\n";
	struct pft_filter f = {.has_since = 1,
			       .since = {.year = 2024, .month = 1, .day = 1, .year_known = 1}};
	char *json = tally_every_chunking(text, &f);
	cr_expect_eq(num(json, "rejects.noqueue"), 2);
	cr_expect_eq(num(json, "lines.total"), 3);
	free(json);
	f.has_until = 1;
	f.until = (struct pft_civil){.year = 2024, .month = 1, .day = 2, .year_known = 1};
	json = tally_every_chunking(text, &f);
	cr_expect_eq(num(json, "rejects.noqueue"), 1);
	free(json);
	f.has_since = 0;
	json = tally_every_chunking(text, &f);
	cr_expect_eq(num(json, "rejects.noqueue"), 2);
	free(json);
}
