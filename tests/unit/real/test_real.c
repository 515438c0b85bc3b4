/* Logs that a real Postfix 3.7 wrote (corpus/real/, captured by tools/postfix-capture) must
 * reproduce their ground truth exactly. The truth was computed from the capture's plan --
 * what was sent and what each loopback sink answered -- never from the log; it holds only
 * the counters the plan fixes with certainty (see corpus/real/README.md).
 *
 * Each capture is checked as one file and as its rotated, mixed-compression split, and
 * the split, a tiny chunk size and two threads must give the same JSON as the one file. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pft_test.h"

#define PFTALLY PFT_BINARY_DIR "/pftally"
#define REAL    PFT_SOURCE_DIR "/corpus/real"

static char *run_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *run_ok(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	char *out = NULL;
	int code = pft_test_run(cmd, &out);
	cr_assert_eq(code, 0, "command failed (%d): %s", code, cmd);
	cr_assert_not_null(out);
	return out;
}

static char *read_truth(const char *capture)
{
	char path[4096];
	snprintf(path, sizeof path, REAL "/%s/mail.log.truth.json", capture);
	char *truth = pft_test_read_file(path, NULL);
	cr_assert_not_null(truth, "cannot read %s", path);
	return truth;
}

/* maillog_file stamps carry no year: the truth names the year of the capture
 * ("capture": {"year": "YYYY"}), a string so that the leaf comparison skips it. */
static int truth_year(const char *truth)
{
	const char *p = strstr(truth, "\"year\": \"");
	cr_assert_not_null(p, "truth has no capture year");
	int year = atoi(p + strlen("\"year\": \""));
	cr_assert(year >= 2000 && year <= 9999, "bad capture year");
	return year;
}

/* The part of the JSON that depends only on the lines (everything before "inputs"). */
static char *invariant_part(char *json)
{
	char *inputs = strstr(json, "\n  \"inputs\": ");
	cr_assert_not_null(inputs, "no inputs key");
	inputs[1] = '\0';
	return json;
}

static void expect_truth(const char *capture, const char *what, const char *truth, const char *json)
{
	char msg[4096];
	int bad = pft_test_json_compare_leaves(truth, json, msg, sizeof msg);
	cr_expect_eq(bad, 0, "%s (%s): %d values differ from the truth: %s", capture, what, bad,
	             msg);
}

static long long number(const char *json, const char *path)
{
	long long v = -1;
	cr_assert(pft_test_json_number(json, path, &v), "no %s in the JSON", path);
	return v;
}

static void check_capture(const char *capture)
{
	char *truth = read_truth(capture);
	const int year = truth_year(truth);

	/* one file */
	char *one = run_ok(PFTALLY " --format json --year %d " REAL "/%s/mail.log", year, capture);
	expect_truth(capture, "one file", truth, one);

	/* every line of a real Postfix log is counted and understood */
	char path[4096];
	snprintf(path, sizeof path, REAL "/%s/mail.log", capture);
	size_t len = 0;
	char *text = pft_test_read_file(path, &len);
	cr_assert_not_null(text);
	long long newlines = 0;
	for (size_t i = 0; i < len; i++)
		newlines += text[i] == '\n';
	free(text);
	cr_expect_eq(number(one, "lines.total"), newlines, "%s: lines.total", capture);
	cr_expect_eq(number(one, "lines.postfix"), newlines, "%s: lines.postfix", capture);
	cr_expect_eq(number(one, "lines.unrecognized"), 0, "%s: unrecognized lines", capture);

	/* the rotated, mixed-compression split, named as a directory */
	char *split = run_ok(PFTALLY " --format json --year %d " REAL "/%s/rotated", year, capture);
	expect_truth(capture, "rotated split", truth, split);

	/* a tiny chunk size and two threads: lifecycles cross chunk and worker boundaries */
	char *small =
	    run_ok(PFTALLY " --format json --year %d --chunk-size 1K --threads 2 %s", year, path);

	invariant_part(one);
	cr_expect_str_eq(invariant_part(split), one, "%s: the rotated split gives another JSON",
	                 capture);
	cr_expect_str_eq(invariant_part(small), one, "%s: 1K chunks give another JSON", capture);
	free(small);
	free(split);
	free(one);
	free(truth);
}

Test(real_capture, short_queue_ids, .timeout = 120)
{
	check_capture("short-qids");
}

Test(real_capture, long_queue_ids_and_instance_name, .timeout = 120)
{
	check_capture("long-qids");
}

/* The capture exercises every outcome: a truth without them would prove little. */
Test(real_capture, truth_covers_every_shape)
{
	static const char *const captures[] = {"short-qids", "long-qids"};
	static const char *const nonzero[] = {
	    "attempts.sent",
	    "attempts.bounced",
	    "attempts.softbounce",
	    "attempts.deliverable",
	    "attempts.undeliverable",
	    "recipients.expired",
	    "recipients.discarded",
	    "recipients.dropped",
	    "recipients.deferred_then_sent",
	    "recipients.deferred_then_expired",
	    "recipients.probes",
	    "messages.expired",
	    "messages.rejected",
	    "notifications.non_delivery",
	    "notifications.delay",
	    "notifications.success",
	    "notifications.postmaster",
	    "rejects.noqueue",
	    "rejects.with_queue_id",
	};
	for (size_t c = 0; c < sizeof captures / sizeof captures[0]; c++) {
		char *truth = read_truth(captures[c]);
		for (size_t i = 0; i < sizeof nonzero / sizeof nonzero[0]; i++)
			cr_expect(number(truth, nonzero[i]) > 0, "%s: truth has no %s", captures[c],
			          nonzero[i]);
		free(truth);
	}
}
