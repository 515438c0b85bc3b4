/* Reasons and rejects (issues 5 and 6): a small log whose reason keys and reject counts were
 * worked out by hand, their JSON, text, CSV, HTML and metrics, escaping of hostile reason
 * text, the memory cap with its "other" bucket, and the same sections for any thread count
 * and chunk size. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pft_test.h"
#include "agg/agg.h"
#include "report/report.h"
#include "report_json_check.h"

#define PFTALLY "\"${PFT_TEST_PFTALLY:-" PFT_BINARY_DIR "/pftally}\""
#define PFTGEN  PFT_BINARY_DIR "/tools/pftgen"

#define DELIVERY(t, qid, to, relay, dsn, status, reason)                                          \
	"Mar  3 10:00:" t " mx postfix/smtp[3]: " qid ": to=<" to ">, relay=" relay               \
	", delay=1, delays=0/0/0/1, dsn=" dsn ", status=" status " (" reason ")\n"

/* Deliveries: 4 deferred (3 of one key, written in 2 ways), 2 bounced (one key), 1
 * softbounce, 1 sent. Rejects and policy records: R1-R12 below. */
static const char policy_log[] =
	"Mar  3 10:00:00 mx postfix/qmgr[2]: AAAA11111: from=<s@example.org>, size=10, nrcpt=5 "
	"(queue active)\n"
	DELIVERY("01", "AAAA11111", "a@one.example", "mx.one.example[192.0.2.1]:25", "4.4.1",
		 "deferred", "connect to mx.one.example[192.0.2.1]:25: Connection refused")
	DELIVERY("02", "AAAA11111", "b@one.example", "mx.one.example[192.0.2.1]:25", "4.4.1",
		 "deferred", "connect to mx.one.example[192.0.2.1]:25: Connection refused")
	DELIVERY("03", "AAAA11111", "c@two.example", "mx.two.example[192.0.2.2]:25", "4.4.1",
		 "deferred", "connect to mx.two.example[192.0.2.2]:25: Connection refused")
	DELIVERY("04", "AAAA11111", "c@two.example", "mx.two.example[192.0.2.2]:25", "4.2.2",
		 "deferred", "host mx.two.example[192.0.2.2] said: 452 4.2.2 Mailbox full (in reply "
			     "to RCPT TO command)")
	DELIVERY("05", "AAAA11111", "c@two.example", "mx.two.example[192.0.2.2]:25", "5.1.1",
		 "bounced", "host mx.two.example[192.0.2.2] said: 550 5.1.1 <c@two.example>: "
			    "Recipient address rejected: User unknown (in reply to RCPT TO command)")
	DELIVERY("06", "AAAA11111", "d@Two.Example", "mx.two.example[192.0.2.3]:25", "5.1.1",
		 "bounced", "host mx.two.example[192.0.2.3] said: 550 5.1.1 <d@Two.Example>: "
			    "Recipient address rejected: User unknown (in reply to RCPT TO command)")
	DELIVERY("07", "AAAA11111", "e@three.example", "mx.three.example[192.0.2.4]:25", "4.0.0",
		 "SOFTBOUNCE", "host mx.three.example[192.0.2.4] said: 550 5.7.1 Rejected (in "
			       "reply to end of DATA command)")
	DELIVERY("08", "AAAA11111", "f@four.example", "mx.four.example[192.0.2.5]:25", "2.0.0",
		 "sent", "250 2.0.0 Ok: queued as 4XyZ")
	"Mar  3 10:00:09 mx postfix/qmgr[2]: AAAA11111: removed\n"
	/* R1, R2: smtpd RCPT rejects, one key */
	"Mar  3 10:01:01 mx postfix/smtpd[5]: NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 "
	"5.7.1 <spam@example.org>: Relay access denied; from=<x@spam.test> to=<spam@example.org> "
	"proto=ESMTP helo=<spam.test>\n"
	"Mar  3 10:01:02 mx postfix/smtpd[5]: NOQUEUE: reject: RCPT from unknown[203.0.113.10]: 554 "
	"5.7.1 <spam2@example.org>: Relay access denied; from=<y@spam.test> to=<spam2@example.org> "
	"proto=ESMTP helo=<spam.test>\n"
	/* R3, R4: postscreen */
	"Mar  3 10:01:03 mx postfix/postscreen[6]: NOQUEUE: reject: RCPT from "
	"[198.51.100.1]:4321: 550 5.7.1 Service unavailable; client [198.51.100.1] blocked using "
	"zen.spamhaus.org; from=<a@b.example>, to=<c@d.example>, proto=ESMTP, helo=<e>\n"
	"Mar  3 10:01:04 mx postfix/postscreen[6]: NOQUEUE: reject: CONNECT from "
	"[198.51.100.2]:1337: too many connections\n"
	/* R5: milter at the end of the message */
	"Mar  3 10:01:05 mx postfix/smtpd[5]: BBBB22222: milter-reject: END-OF-MESSAGE from "
	"x.example[192.0.2.9]: 5.7.1 Spam detected; from=<a@b.example> to=<c@d.example> "
	"proto=ESMTP helo=<x>\n"
	/* R6, R7, R8: cleanup header/body checks: reject, hold, discard */
	"Mar  3 10:01:06 mx postfix/cleanup[7]: CCCC33333: reject: header Subject: buy now from "
	"x.example[192.0.2.9]; from=<a@b.example> to=<c@d.example> proto=ESMTP helo=<x>: 550 "
	"5.7.1 No spam\n"
	"Mar  3 10:01:07 mx postfix/cleanup[7]: DDDD44444: hold: header Subject: check me from "
	"x.example[192.0.2.9]; from=<a@b.example> to=<c@d.example> proto=ESMTP helo=<x>: held for "
	"review\n"
	"Mar  3 10:01:08 mx postfix/cleanup[7]: EEEE55555: discard: body buy pills from "
	"x.example[192.0.2.9]; from=<a@b.example> to=<c@d.example> proto=ESMTP helo=<x>: dropped\n"
	/* R9: warn_if_reject */
	"Mar  3 10:01:09 mx postfix/smtpd[5]: NOQUEUE: reject_warning: RCPT from x[192.0.2.10]: 450 "
	"4.7.1 <c@d.example>: Recipient address rejected: greylisted; from=<a@b.example> "
	"to=<c@d.example> proto=ESMTP helo=<x>\n"
	/* R10: before-queue content filter */
	"Mar  3 10:01:10 mx postfix/smtpd[5]: FFFF66666: proxy-reject: END-OF-MESSAGE: 554 5.7.0 "
	"Reject, contact postmaster; from=<a@b.example> to=<c@d.example> proto=SMTP helo=<x>\n"
	/* R11: a header warning (an action, not a refusal) */
	"Mar  3 10:01:11 mx postfix/cleanup[7]: 1A2B3C4D5E: warning: header Subject: hi from "
	"x.example[192.0.2.9]; from=<a@b.example> to=<c@d.example> proto=ESMTP helo=<x>\n"
	/* R12: a late RCPT reject (with a queue id) */
	"Mar  3 10:01:12 mx postfix/smtpd[5]: 2B3C4D5E6F: reject: RCPT from x.example[192.0.2.1]: 550 "
	"5.1.1 <u@local.example>: Recipient address rejected: User unknown in local recipient "
	"table; from=<a@b.example> to=<u@local.example> proto=ESMTP helo=<x>\n";

static struct jvalue doc;
static char *json;

static void load(void)
{
	json = pft_test_tally_text(policy_log, 1 << 20, 2025, NULL);
	cr_assert_not_null(json);
	char err[256];
	cr_assert(jparse(json, strlen(json), &doc, err, sizeof err), "JSON: %s", err);
}

static void unload(void)
{
	jfree(&doc);
	free(json);
}

/* The value at a path of object keys (NULL-terminated). */
static const struct jvalue *at(const struct jvalue *v, ...)
{
	va_list ap;
	va_start(ap, v);
	for (const char *k; v != NULL && (k = va_arg(ap, const char *)) != NULL;)
		v = jget(v, k);
	va_end(ap);
	return v;
}

static long long num(const struct jvalue *v)
{
	cr_assert_not_null(v);
	cr_assert(v->type == J_NUMBER && v->is_integer);
	return (long long)v->number;
}

static const char *str(const struct jvalue *v)
{
	cr_assert_not_null(v);
	cr_assert_eq(v->type, J_STRING);
	return v->string;
}

/* Row i of the "top" array of a group. */
static const struct jvalue *row(const struct jvalue *group, size_t i)
{
	const struct jvalue *top = jget(group, "top");
	cr_assert_not_null(top);
	cr_assert_eq(top->type, J_ARRAY);
	cr_assert_lt(i, top->n, "group has %zu rows", top->n);
	return &top->items[i];
}

TestSuite(reasons, .init = load, .fini = unload);

Test(reasons, delivery_reasons_by_status)
{
	const struct jvalue *d = at(&doc, "reasons", "by_status", "deferred", NULL);
	cr_assert_not_null(d, "%s", json);
	cr_expect_eq(num(jget(d, "total")), 4);
	cr_expect_eq(num(jget(d, "keys")), 2);
	cr_expect_eq(num(jget(d, "other")), 0);
	cr_expect_str_eq(str(jget(row(d, 0), "key")), "connect to <host>: Connection refused");
	cr_expect_eq(num(jget(row(d, 0), "count")), 3);
	cr_expect_str_eq(str(jget(row(d, 0), "sample")),
			 "connect to mx.one.example[192.0.2.1]:25: Connection refused",
			 "the sample is the first raw reason in input order");
	cr_expect_str_eq(str(jget(row(d, 1), "key")),
			 "host <host> said: 452 4.2.2 Mailbox full (in reply to RCPT TO command)");
	cr_expect_eq(num(jget(row(d, 1), "count")), 1);
	cr_expect_null(jget(row(d, 0), "status"), "rows of by_status carry no status");

	const struct jvalue *b = at(&doc, "reasons", "by_status", "bounced", NULL);
	cr_assert_not_null(b);
	cr_expect_eq(num(jget(b, "total")), 2);
	cr_expect_eq(num(jget(b, "keys")), 1);
	cr_expect_str_eq(str(jget(row(b, 0), "key")),
			 "host <host> said: 550 5.1.1 <addr>: Recipient address rejected: User "
			 "unknown (in reply to RCPT TO command)");
	cr_expect_eq(num(jget(row(b, 0), "count")), 2);
	cr_expect_str_eq(str(jget(row(b, 0), "sample")),
			 "host mx.two.example[192.0.2.2] said: 550 5.1.1 <c@two.example>: "
			 "Recipient address rejected: User unknown (in reply to RCPT TO command)");
	cr_expect_eq(num(at(&doc, "reasons", "by_status", "softbounce", "total", NULL)), 1);
	cr_expect_null(at(&doc, "reasons", "by_status", "expired", NULL), "only statuses seen");

	/* In status order: deferred, bounced, softbounce, then the actions. */
	const struct jvalue *by = at(&doc, "reasons", "by_status", NULL);
	static const char *const order[] = {"deferred",      "bounced",     "softbounce",
					    "reject",        "milter_reject", "proxy_reject",
					    "discard",       "hold",        "reject_warning"};
	cr_assert_eq(by->n, sizeof order / sizeof order[0]);
	for (size_t i = 0; i < by->n; i++)
		cr_expect_str_eq(by->keys[i], order[i]);
}

Test(reasons, by_domain_and_dsn_have_deliveries_only)
{
	const struct jvalue *dom = at(&doc, "reasons", "by_domain", NULL);
	cr_assert_not_null(dom);
	cr_expect_eq(dom->n, 3, "one, three and two.example (lower-cased), no reject domain");
	const struct jvalue *two = jget(dom, "two.example");
	cr_assert_not_null(two);
	cr_expect_eq(num(jget(two, "total")), 4);
	cr_expect_eq(num(jget(two, "keys")), 3);
	cr_expect_str_eq(str(jget(row(two, 0), "status")), "bounced");
	cr_expect_eq(num(jget(row(two, 0), "count")), 2);
	cr_expect_str_eq(str(jget(row(two, 1), "status")), "deferred");
	cr_expect_str_eq(str(jget(row(two, 1), "key")), "connect to <host>: Connection refused");
	cr_expect_str_eq(str(jget(row(two, 1), "sample")),
			 "connect to mx.two.example[192.0.2.2]:25: Connection refused",
			 "the domain's own first sample");
	cr_expect_eq(num(at(dom, "one.example", "total", NULL)), 2);
	cr_expect_str_eq(str(jget(row(jget(dom, "three.example"), 0), "status")), "softbounce");

	const struct jvalue *dsn = at(&doc, "reasons", "by_dsn", NULL);
	cr_assert_not_null(dsn);
	static const char *const codes[] = {"4.0.0", "4.2.2", "4.4.1", "5.1.1"};
	cr_assert_eq(dsn->n, 4);
	for (size_t i = 0; i < 4; i++)
		cr_expect_str_eq(dsn->keys[i], codes[i]);
	cr_expect_eq(num(at(dsn, "4.4.1", "total", NULL)), 3);
	cr_expect_eq(num(at(dsn, "4.4.1", "keys", NULL)), 1);
	cr_expect_eq(num(at(dsn, "5.1.1", "total", NULL)), 2);
}

Test(reasons, reject_reasons)
{
	const struct jvalue *r = at(&doc, "reasons", "by_status", "reject", NULL);
	cr_assert_not_null(r);
	cr_expect_eq(num(jget(r, "total")), 6, "R1 R2 R3 R4 R6 R12");
	cr_expect_eq(num(jget(r, "keys")), 5);
	cr_expect_str_eq(str(jget(row(r, 0), "key")), "554 5.7.1 <addr>: Relay access denied");
	cr_expect_eq(num(jget(row(r, 0), "count")), 2);
	cr_expect_str_eq(str(jget(row(r, 0), "sample")),
			 "554 5.7.1 <spam@example.org>: Relay access denied");
	/* Count 1 each, by key. */
	cr_expect_str_eq(str(jget(row(r, 1), "key")),
			 "550 5.1.1 <addr>: Recipient address rejected: User unknown in local "
			 "recipient table");
	cr_expect_str_eq(str(jget(row(r, 2), "key")), "550 5.7.1 No spam");
	cr_expect_str_eq(str(jget(row(r, 3), "key")),
			 "550 5.7.1 Service unavailable; client <ip> blocked using zen.spamhaus.org");
	cr_expect_str_eq(str(jget(row(r, 4), "key")), "too many connections");
	cr_expect_str_eq(str(jget(row(at(&doc, "reasons", "by_status", "milter_reject", NULL), 0),
				  "key")),
			 "5.7.1 Spam detected");
	cr_expect_str_eq(str(jget(row(at(&doc, "reasons", "by_status", "reject_warning", NULL), 0),
				  "key")),
			 "450 4.7.1 <addr>: Recipient address rejected: greylisted");
	cr_expect_eq(num(at(&doc, "reasons", "by_status", "hold", "total", NULL)), 1);
	cr_expect_eq(num(at(&doc, "reasons", "by_status", "discard", "total", NULL)), 1);
	cr_expect_eq(num(at(&doc, "reasons", "by_status", "proxy_reject", "total", NULL)), 1);
}

static void expect_actions(const struct jvalue *v, const long long want[7], const char *what)
{
	static const char *const names[] = {"reject", "milter_reject",  "proxy_reject", "discard",
					    "hold",   "reject_warning", "other"};
	cr_assert_not_null(v, "%s missing", what);
	cr_assert_eq(v->n, 7, "%s: all seven actions", what);
	for (int i = 0; i < 7; i++)
		cr_expect_eq(num(jget(v, names[i])), want[i], "%s.%s", what, names[i]);
}

Test(reasons, rejects_by_action_source_stage_and_code)
{
	const struct jvalue *rj = jget(&doc, "rejects");
	cr_assert_not_null(rj);
	cr_expect_eq(num(jget(rj, "noqueue")), 4, "R1-R4 (reject_warning is not a refusal)");
	cr_expect_eq(num(jget(rj, "with_queue_id")), 5, "R5 R6 R8 R10 R12");
	expect_actions(jget(rj, "by_action"), (const long long[]){6, 1, 1, 1, 1, 1, 1}, "by_action");

	const struct jvalue *src = jget(rj, "by_source");
	cr_assert_not_null(src);
	cr_expect_eq(src->n, 3, "smtpd, postscreen, cleanup");
	expect_actions(jget(src, "smtpd"), (const long long[]){3, 1, 1, 0, 0, 1, 0}, "smtpd");
	expect_actions(jget(src, "postscreen"), (const long long[]){2, 0, 0, 0, 0, 0, 0},
		       "postscreen");
	expect_actions(jget(src, "cleanup"), (const long long[]){1, 0, 0, 1, 1, 0, 1}, "cleanup");

	const struct jvalue *st = jget(rj, "by_stage");
	cr_assert_not_null(st);
	cr_assert_eq(st->n, 3);
	cr_expect_str_eq(st->keys[0], "connect");
	cr_expect_str_eq(st->keys[1], "rcpt");
	cr_expect_str_eq(st->keys[2], "end_of_message");
	expect_actions(jget(st, "connect"), (const long long[]){1, 0, 0, 0, 0, 0, 0}, "connect");
	expect_actions(jget(st, "rcpt"), (const long long[]){4, 0, 0, 0, 0, 1, 0}, "rcpt");
	expect_actions(jget(st, "end_of_message"), (const long long[]){1, 1, 1, 1, 1, 0, 1},
		       "end_of_message");

	/* Refusals only (reject, milter-reject, proxy-reject): 6 + 1 + 1. */
	const struct jvalue *codes = jget(rj, "by_code");
	cr_assert_not_null(codes, "%s", json);
	static const struct {
		const char *code;
		long long n;
	} want[] = {{"none", 1},      {"5.7.1", 1},     {"550 5.1.1", 1},
		    {"550 5.7.1", 2}, {"554 5.7.0", 1}, {"554 5.7.1", 2}};
	cr_expect_eq(codes->n, sizeof want / sizeof want[0], "%s", json);
	for (size_t i = 0; i < codes->n && i < sizeof want / sizeof want[0]; i++) {
		cr_expect_str_eq(codes->keys[i], want[i].code);
		cr_expect_eq(num(&codes->items[i]), want[i].n, "%s", want[i].code);
	}
}

/* ---- the other writers -------------------------------------------------------------------- */

static char *render(const char *log, enum pft_report_format format, enum pft_csv_table table,
		    unsigned top)
{
	struct pft_result r;
	char *j = pft_test_tally_text(log, 1 << 20, 2025, &r);
	cr_assert_not_null(j);
	free(j);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	struct pft_report_options o = {.format = format, .csv_table = table, .top = top};
	cr_assert_eq(pft_report_write(&r, &o, f), PFT_OK);
	fclose(f);
	pft_result_free(&r);
	return text;
}

Test(reasons, text_summary_sections)
{
	char *text = render(policy_log, PFT_REPORT_TEXT, PFT_CSV_SERIES, 0);
	cr_expect_not_null(strstr(text, "\nTop reasons: deferred (4 attempts, 2 distinct)\n"
					 "           3   75.0%  connect to <host>: Connection refused\n"
					 "                      e.g. connect to mx.one.example[192.0.2.1]:25: "
					 "Connection refused\n"),
			   "%s", text);
	cr_expect_not_null(strstr(text, "\nTop reasons: reject (6 records, 5 distinct)\n"));
	cr_expect_not_null(strstr(text, "\nRejects and policy actions 12\n"));
	cr_expect_not_null(strstr(text, "\n  rcpt                      4          0          0          0"
					 "          0          1          0\n"),
			   "%s", text);
	cr_expect_not_null(strstr(text, "\n  postscreen                2"));
	cr_expect_not_null(strstr(text, "refusals by reply code: none 1, 5.7.1 1, 550 5.1.1 1, "
					 "550 5.7.1 2, 554 5.7.0 1, 554 5.7.1 2\n"));
	cr_expect_not_null(strstr(text, "\n  defer rate "));
	cr_expect_not_null(strstr(text, "\n  bounce rate "));
	cr_expect_not_null(strstr(text, "\nAttempts per day\n  day          attempts       sent   "
					 "deferred    bounced      other   defer%\n  2025-03-03          8"
					 "          1          4          2          1    50.0%\n"),
			   "%s", text);
	free(text);
	/* --top 1: one row per status, the rest as other reasons. */
	text = render(policy_log, PFT_REPORT_TEXT, PFT_CSV_SERIES, 1);
	cr_expect_not_null(strstr(text, "\n           1   25.0%  (other reasons)\n"), "%s", text);
	free(text);
}

Test(reasons, csv_tables)
{
	char *csv = render(policy_log, PFT_REPORT_CSV, PFT_CSV_REASON, 0);
	cr_expect(strncmp(csv, "status,rank,count,share,key,sample\r\n", 36) == 0, "%s", csv);
	cr_expect_not_null(strstr(csv, "\r\ndeferred,1,3,0.750000,connect to <host>: Connection "
				       "refused,connect to mx.one.example[192.0.2.1]:25: Connection "
				       "refused\r\n"),
			   "%s", csv);
	cr_expect_not_null(strstr(csv, "\r\nreject,1,2,0.333333,554 5.7.1 <addr>: Relay access "
				       "denied,554 5.7.1 <spam@example.org>: Relay access denied\r\n"),
			   "%s", csv);
	free(csv);
	csv = render(policy_log, PFT_REPORT_CSV, PFT_CSV_REASON, 1);
	cr_expect_not_null(strstr(csv, "\r\ndeferred,other,1,0.250000,,\r\n"), "%s", csv);
	cr_expect_not_null(strstr(csv, "\r\nreject,other,4,0.666667,,\r\n"), "%s", csv);
	free(csv);

	csv = render(policy_log, PFT_REPORT_CSV, PFT_CSV_REJECT, 0);
	cr_expect_str_eq(csv,
			 "by,name,reject,milter_reject,proxy_reject,discard,hold,reject_warning,"
			 "other,total\r\n"
			 "stage,connect,1,0,0,0,0,0,0,1\r\n"
			 "stage,rcpt,4,0,0,0,0,1,0,5\r\n"
			 "stage,end_of_message,1,1,1,1,1,0,1,6\r\n"
			 "daemon,smtpd,3,1,1,0,0,1,0,6\r\n"
			 "daemon,postscreen,2,0,0,0,0,0,0,2\r\n"
			 "daemon,cleanup,1,0,0,1,1,0,1,4\r\n");
	free(csv);
}

Test(reasons, html_and_metrics)
{
	char *html = render(policy_log, PFT_REPORT_HTML, PFT_CSV_SERIES, 0);
	cr_expect_not_null(strstr(html, "<table class=\"reasons\" id=\"reasons-deferred\">"));
	cr_expect_not_null(strstr(html, "<code>connect to &lt;host&gt;: Connection refused</code>"
					"<div class=\"sample\">connect to mx.one.example[192.0.2.1]:25: "
					"Connection refused</div>"),
			   "keys and samples escaped");
	cr_expect_not_null(strstr(html, "<table id=\"rejects-table\">"));
	cr_expect_not_null(strstr(html, "<tr><td>postscreen</td><td class=\"n\">2</td>"));
	free(html);
	char *om = render(policy_log, PFT_REPORT_OPENMETRICS, PFT_CSV_SERIES, 0);
	cr_expect_not_null(strstr(om, "\n# TYPE pftally_policy_actions counter\n"));
	cr_expect_not_null(
		strstr(om, "\npftally_policy_actions_total{action=\"reject\",stage=\"rcpt\"} 4\n"));
	cr_expect_not_null(strstr(
		om, "\npftally_policy_actions_total{action=\"hold\",stage=\"end_of_message\"} 1\n"));
	cr_expect_not_null(
		strstr(om, "\npftally_policy_actions_total{action=\"discard\",stage=\"helo\"} 0\n"),
		"every series, zeros included");
	free(om);
}

/* ---- hostile reason text ------------------------------------------------------------------ */

static const char hostile_log[] =
	DELIVERY("01", "AAAA11111", "a@one.example", "mx.one.example[192.0.2.1]:25", "4.4.1",
		 "deferred", "<script>alert(1)</script> \"q\" \\ & 'x' \x01\x1b[2J\xff\xc3( end")
	DELIVERY("02", "AAAA11111", "b@one.example", "mx.one.example[192.0.2.1]:25", "5.1.1",
		 "bounced", "=HYPERLINK(\"http://x\"),a")
	"Mar  3 10:01:01 mx postfix/smtpd[5]: NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 "
	"5.7.1 <img src=x onerror=alert(2)>; from=<x@spam.test> to=<spam@example.org> "
	"proto=ESMTP helo=<spam.test>\n";

/* Valid UTF-8 and no control byte but those in allowed. */
static void expect_clean(const char *what, const char *s, const char *allowed)
{
	size_t bad_at;
	cr_expect(jutf8_valid((const unsigned char *)s, strlen(s), &bad_at),
		  "%s: invalid UTF-8 at byte %zu", what, bad_at);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 || *p == 0x7f) && strchr(allowed, *p) == NULL) {
			cr_expect_fail("%s: control byte 0x%02x at %zu", what, *p,
				       (size_t)(p - (const unsigned char *)s));
			break;
		}
}

Test(hostile_reasons, every_format_escapes_reason_text)
{
	char *j = pft_test_tally_text(hostile_log, 1 << 20, 2025, NULL);
	cr_assert_not_null(j);
	expect_clean("json", j, "\n");
	struct jvalue d;
	char err[256];
	cr_assert(jparse(j, strlen(j), &d, err, sizeof err), "JSON: %s", err);
	const struct jvalue *sample = jget(row(at(&d, "reasons", "by_status", "deferred", NULL), 0),
					   "sample");
	cr_expect_str_eq(str(sample),
			 "<script>alert(1)</script> \"q\" \\ & 'x' \x01\x1b[2J\xEF\xBF\xBD\xEF\xBF\xBD( end",
			 "the sample parses back to the raw text (invalid bytes as U+FFFD)");
	jfree(&d);
	free(j);

	char *html = render(hostile_log, PFT_REPORT_HTML, PFT_CSV_SERIES, 0);
	expect_clean("html", html, "\n");
	cr_expect_null(strstr(html, "<script"));
	cr_expect_null(strstr(html, "<img"));
	cr_expect_not_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; \\ "
					"&amp; &#39;x&#39;"));
	free(html);

	char *text = render(hostile_log, PFT_REPORT_TEXT, PFT_CSV_SERIES, 0);
	expect_clean("text", text, "\n");
	free(text);

	char *csv = render(hostile_log, PFT_REPORT_CSV, PFT_CSV_REASON, 0);
	expect_clean("csv", csv, "\r\n");
	cr_expect_not_null(strstr(csv, "\r\nbounced,1,1,1.000000,\"'=HYPERLINK("), "%s", csv);
	cr_expect_not_null(strstr(csv, ",\"'=HYPERLINK(\"\"http://x\"\"),a\"\r\n"),
			   "sample quoted and neutralised: %s", csv);
	free(csv);
}

/* ---- the memory cap ------------------------------------------------------------------------ */

/* A deferral whose reason is one of 26^3 distinct words (letters only: no placeholder). */
static void distinct_reason(char *buf, size_t size, unsigned i, unsigned sec)
{
	char word[4] = {(char)('a' + i % 26), (char)('a' + i / 26 % 26), (char)('a' + i / 676 % 26),
			'\0'};
	snprintf(buf, size,
		 "Mar  3 10:%02u:%02u mx postfix/smtp[3]: AAAA11111: to=<a@one.example>, "
		 "relay=none, delay=1, delays=0/0/0/1, dsn=4.0.0, status=deferred (cause %s %s)\n",
		 sec / 60 % 60, sec % 60, word, word);
}

Test(reasons, cap_folds_late_keys_into_other_the_same_for_any_chunking)
{
	const unsigned n_keys = PFT_REASON_TOP_STATUS + 4200; /* past the 4096 kept per status */
	size_t cap = (size_t)(n_keys + 10) * 160, len = 0;
	char *log = malloc(cap);
	cr_assert_not_null(log);
	for (unsigned i = 0; i < n_keys + 10; i++) {
		char line[256];
		/* Keys 0..9 come twice (again at the end), so they rank first. */
		distinct_reason(line, sizeof line, i < n_keys ? i : i - n_keys, i);
		size_t n = strlen(line);
		memcpy(log + len, line, n + 1);
		len += n;
	}
	char *whole = pft_test_tally_text(log, (size_t)1 << 26, 2025, NULL);
	char *tiny = pft_test_tally_text(log, 1024, 2025, NULL);
	cr_assert_not_null(whole);
	cr_assert_not_null(tiny);
	cr_expect_str_eq(whole, tiny, "1 KiB chunks change the result");
	struct jvalue d;
	char err[256];
	cr_assert(jparse(whole, strlen(whole), &d, err, sizeof err), "%s", err);
	const struct jvalue *g = at(&d, "reasons", "by_status", "deferred", NULL);
	cr_assert_not_null(g);
	cr_expect_eq(num(jget(g, "total")), n_keys + 10);
	cr_expect_eq(num(jget(g, "keys")), 4096, "the first 4096 keys in input order");
	cr_expect_eq(jget(g, "top")->n, PFT_REASON_TOP_STATUS);
	cr_expect_eq(num(jget(g, "other")), n_keys + 10 - 20 - (PFT_REASON_TOP_STATUS - 10));
	cr_expect_str_eq(str(jget(row(g, 0), "key")), "cause aaa aaa");
	cr_expect_eq(num(jget(row(g, 0), "count")), 2);
	jfree(&d);
	free(whole);
	free(tiny);
	free(log);
}

/* What the merge counts into its own aggregate (a "message repeated" line whose original is in
 * an earlier chunk) obeys the cap too: a key past it goes to other, as it would from a part. */
Test(reasons_agg, direct_counts_into_a_merged_aggregate_obey_the_cap)
{
	struct pft_agg part, merged;
	pft_agg_init(&part);
	pft_agg_init(&merged);
	const struct pft_slice to = {"r@one.example", 13};
	char text[64];
	for (unsigned i = 0; i < PFT_REASON_CAP_STATUS + 5; i++) {
		snprintf(text, sizeof text, "cause %c%c%c", 'a' + i % 26, 'a' + i / 26 % 26,
			 'a' + i / 676 % 26);
		const struct pft_slice reason = {text, (uint32_t)strlen(text)};
		cr_assert_eq(pft_agg_count_reason(&part, PFT_RS_DEFERRED, 0, to, reason, 1), PFT_OK);
	}
	cr_assert_eq(pft_agg_add(&merged, &part, 0), PFT_OK);
	const struct pft_slice late = {"cause late", 10}, first = {"cause aaa", 9};
	cr_assert_eq(pft_agg_count_reason(&merged, PFT_RS_DEFERRED, 0, to, late, 3), PFT_OK);
	cr_assert_eq(pft_agg_count_reason(&merged, PFT_RS_DEFERRED, 0, to, first, 2), PFT_OK);
	struct pft_result r;
	memset(&r, 0, sizeof r);
	cr_assert_eq(pft_agg_result_reasons(&merged, &r), PFT_OK);
	cr_assert_eq(r.n_reasons_by_status, 1);
	const struct pft_reason_group *g = &r.reasons_by_status[0];
	cr_expect_str_eq(g->name, "deferred");
	cr_expect_eq(g->total, PFT_REASON_CAP_STATUS + 5 + 3 + 2);
	cr_expect_eq(g->keys, PFT_REASON_CAP_STATUS);
	cr_expect_str_eq(g->rows[0].key, "cause aaa");
	cr_expect_eq(g->rows[0].count, 3);
	cr_expect_eq(g->other, g->total - 3 - (PFT_REASON_TOP_STATUS - 1));
	cr_assert_eq(r.n_reasons_by_domain, 1);
	cr_expect_eq(r.reasons_by_domain[0].keys, PFT_REASON_CAP_STATUS + 6,
		     "the domain table's cap is higher: the late key is in");
	cr_expect_eq(r.reasons_by_domain[0].total, PFT_REASON_CAP_STATUS + 5 + 3 + 2);
	pft_result_free(&r);
	pft_agg_free(&part);
	pft_agg_free(&merged);
}

/* A long reason's sample is cut at PFT_REASON_SAMPLE_MAX bytes, never inside a character. */
Test(reasons_agg, sample_cut_on_a_character_boundary)
{
	char text[400];
	memset(text, 'x', 255);
	memcpy(text + 255, "\xE2\x82\xAC tail", 8); /* a euro sign across byte 256 */
	memset(text + 263, 'y', 100);
	const struct pft_slice reason = {text, 363}, to = {"r@one.example", 13};
	struct pft_agg agg;
	pft_agg_init(&agg);
	cr_assert_eq(pft_agg_count_reason(&agg, PFT_RS_BOUNCED, PFT_DSN_MAKE(5, 1, 1), to, reason, 1),
		     PFT_OK);
	struct pft_result r;
	memset(&r, 0, sizeof r);
	cr_assert_eq(pft_agg_result_reasons(&agg, &r), PFT_OK);
	cr_assert_eq(r.n_reasons_by_status, 1);
	const char *sample = r.reasons_by_status[0].rows[0].sample;
	cr_expect_eq(strlen(sample), 255, "the euro sign does not fit whole: cut before it");
	size_t bad;
	cr_expect(jutf8_valid((const unsigned char *)sample, strlen(sample), &bad));
	cr_assert_eq(r.n_reasons_by_dsn, 1);
	cr_expect_str_eq(r.reasons_by_dsn[0].name, "5.1.1");
	pft_result_free(&r);
	pft_agg_free(&agg);
}

/* ---- any thread count and chunk size ------------------------------------------------------ */

/* The "rejects" and "reasons" sections of a JSON report. */
static char *sections(char *j)
{
	char *a = strstr(j, "\n  \"rejects\": ");
	char *b = strstr(j, "\n  \"lines\": ");
	cr_assert(a != NULL && b != NULL && a < b);
	b[1] = '\0';
	return a;
}

static char *run_ok(const char *cmd)
{
	char *out = NULL;
	int code = pft_test_run(cmd, &out);
	cr_assert_eq(code, 0, "command failed (%d): %s", code, cmd);
	return out;
}

Test(property, reasons_and_rejects_same_for_any_engine, .timeout = 300)
{
	char *dir = pft_test_tmpdir();
	char cmd[8192];
	snprintf(cmd, sizeof cmd,
		 PFTGEN " --seed 11 --messages 4000 --hosts 2 --reuse-qids --stamp mixed --qid mixed "
			"--noise 0.02 -o %s/one.log",
		 dir);
	free(run_ok(cmd));
	/* A policy log appended: the generator writes few reject kinds. */
	snprintf(cmd, sizeof cmd, "cat >> %s/one.log", dir);
	FILE *p = popen(cmd, "w");
	cr_assert_not_null(p);
	for (int i = 0; i < 40; i++)
		fputs(policy_log, p);
	cr_assert_eq(pclose(p), 0);

	snprintf(cmd, sizeof cmd, PFTALLY " --year 2025 --format json -j 1 %s/one.log", dir);
	char *ref_json = run_ok(cmd);
	char *ref = sections(ref_json);
	cr_expect_not_null(strstr(ref, "\"deferred\": {\"total\": "), "the corpus has deferrals");
	static const char *const engines[] = {"-j 2", "-j 1 --chunk-size 1K", "-j 2 --chunk-size 1K",
					      "-j 2 --chunk-size 64M", "-j 3 --chunk-size 7K"};
	for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
		snprintf(cmd, sizeof cmd, PFTALLY " --year 2025 --format json %s %s/one.log",
			 engines[i], dir);
		char *j = run_ok(cmd);
		cr_expect_str_eq(sections(j), ref, "%s changes the reasons or rejects", engines[i]);
		free(j);
	}
	free(ref_json);
	/* With filters that hold attempts until a lifecycle is decided, or fold them in the merge
	 * and take a fold back: the samples are still the first in input order. */
	static const char *const filters[] = {"--exclude-notifications",
					      "--sender-domain example.org",
					      "--since 2025-01-01T00:00:00"};
	for (size_t f = 0; f < sizeof filters / sizeof filters[0]; f++) {
		snprintf(cmd, sizeof cmd, PFTALLY " --year 2025 --format json -j 1 %s %s/one.log",
			 filters[f], dir);
		char *fref_json = run_ok(cmd);
		char *fref = sections(fref_json);
		for (size_t i = 1; i < sizeof engines / sizeof engines[0]; i++) {
			snprintf(cmd, sizeof cmd, PFTALLY " --year 2025 --format json %s %s %s/one.log",
				 engines[i], filters[f], dir);
			char *j = run_ok(cmd);
			cr_expect_str_eq(sections(j), fref, "%s %s changes the reasons or rejects",
					 engines[i], filters[f]);
			free(j);
		}
		free(fref_json);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	free(run_ok(cmd));
	free(dir);
}
