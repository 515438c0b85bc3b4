/* The filter options (--since, --until, --host, --domain, --exclude-notifications) against the
 * unfiltered run of the same generated log: a filtered total is the matching row of the
 * unfiltered report, and filtered JSON is the same for every thread count and chunk size. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pft_test.h"

#define PFTALLY "\"${PFT_TEST_PFTALLY:-" PFT_BINARY_DIR "/pftally}\""
#define PFTGEN PFT_BINARY_DIR "/tools/pftgen"

static char *dir, log_path[4096];

static void generate(void)
{
	dir = pft_test_tmpdir();
	snprintf(log_path, sizeof log_path, "%s/mail.log", dir);
	char cmd[8192];
	/* 70 days from mid-November: three months and a New Year, BSD stamps */
	snprintf(cmd, sizeof cmd,
		 PFTGEN " --seed 7 --messages 3000 --days 70 --start 2024-11-15T00:00:00 --hosts 2 -o %s",
		 log_path);
	cr_assert_eq(pft_test_run(cmd, NULL), 0);
}

static void cleanup(void)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	(void)pft_test_run(cmd, NULL);
	free(dir);
}

static char *run(const char *opts)
{
	char cmd[8192], *out = NULL;
	snprintf(cmd, sizeof cmd, PFTALLY " --year 2025 -f json %s %s", opts, log_path);
	cr_assert_eq(pft_test_run(cmd, &out), 0, "%s", cmd);
	return out;
}

/* The report up to "inputs" (which names the paths). */
static size_t counted_part(const char *json)
{
	const char *inputs = strstr(json, "  \"inputs\":");
	cr_assert_not_null(inputs);
	return (size_t)(inputs - json);
}

static long long num(const char *json, const char *path)
{
	long long v = 0;
	cr_assert(pft_test_json_number(json, path, &v), "%s missing", path);
	return v;
}

static const char *const counted[] = {"attempts.sent", "attempts.deferred", "attempts.bounced",
				      "recipients.sent", "recipients.bounced", "recipients.expired",
				      "recipients.pending"};

/* json without its "sample" strings, up to "inputs". Reason samples are "the first raw
 * reason in input order": attempts that a lifecycle filter held are counted at their
 * lifecycle's fold, so under --exclude-notifications/--sender-domain the first sample may
 * depend on the chunking while every count does not. */
static char *without_samples(const char *json)
{
	const size_t n = counted_part(json);
	char *out = malloc(n + 1), *o = out;
	for (size_t i = 0; i < n;) {
		if (strncmp(json + i, "\"sample\": \"", 11) == 0) {
			i += 11;
			while (i < n && json[i] != '"')
				i += json[i] == '\\' ? 2 : 1;
			i++;
			continue;
		}
		*o++ = json[i++];
	}
	*o = '\0';
	return out;
}

static void same_for_every_chunking(const char *opts, const char *expected)
{
	static const char *const engines[] = {"-j1", "-j2 --chunk-size 1K", "-j3 --chunk-size 4K",
					      "-j2 --chunk-size 64M"};
	for (size_t i = 0; i < sizeof engines / sizeof *engines; i++) {
		char o[1024];
		snprintf(o, sizeof o, "%s %s", opts, engines[i]);
		char *json = run(o), *a = without_samples(json), *b = without_samples(expected);
		cr_expect_str_eq(a, b, "%s", o);
		free(a);
		free(b);
		free(json);
	}
}

Test(filters, domain_equals_its_row, .init = generate, .fini = cleanup)
{
	char *all = run("");
	/* the busiest domain row of the unfiltered run */
	const char *row = strstr(all, "\"by_domain\": {\n    \"");
	cr_assert_not_null(row);
	row += strlen("\"by_domain\": {\n    \"");
	char domain[256], path[1024];
	size_t n = strcspn(row, "\"");
	cr_assert_lt(n, sizeof domain);
	memcpy(domain, row, n);
	domain[n] = '\0';
	char opts[512];
	snprintf(opts, sizeof opts, "--domain %s", domain);
	char *one = run(opts);
	char escaped[512];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (domain[i] == '.')
			escaped[k++] = '\\';
		escaped[k++] = domain[i];
	}
	escaped[k] = '\0';
	for (size_t i = 0; i < sizeof counted / sizeof *counted; i++) {
		snprintf(path, sizeof path, "by_domain.%s.%s", escaped, counted[i]);
		cr_expect_eq(num(one, counted[i]), num(all, path), "%s", counted[i]);
	}
	cr_expect(strstr(one, "\"filters\": {") != NULL);
	same_for_every_chunking(opts, one);
	free(one);
	free(all);
}

Test(filters, since_until_equal_the_sum_of_their_days, .init = generate, .fini = cleanup)
{
	char *all = run("");
	char *window = run("--since 2024-12-20 --until 2025-01-10");
	const char *days = strstr(all, "\"by_day\": {");
	cr_assert_not_null(days);
	for (size_t i = 0; i < sizeof counted / sizeof *counted; i++) {
		long long sum = 0;
		for (int d = 0; d < 22; d++) {
			char path[256];
			const int y = d < 12 ? 2024 : 2025, m = d < 12 ? 12 : 1,
				  day = d < 12 ? 20 + d : d - 11;
			long long v;
			snprintf(path, sizeof path, "by_day.%04d-%02d-%02d.%s", y, m, day, counted[i]);
			if (pft_test_json_number(all, path, &v))
				sum += v;
		}
		cr_expect_eq(num(window, counted[i]), sum, "%s", counted[i]);
	}
	same_for_every_chunking("--since 2024-12-20 --until 2025-01-10", window);
	free(window);
	free(all);
}

Test(filters, exclude_notifications_and_hosts, .init = generate, .fini = cleanup)
{
	char *all = run("");
	char *without = run("--exclude-notifications");
	cr_expect_eq(num(without, "messages.total"),
		     num(all, "messages.total") - num(all, "notifications.messages"));
	cr_expect_eq(num(without, "recipients.sent"),
		     num(all, "recipients.sent") - num(all, "notifications.recipients.sent"));
	cr_expect_eq(num(without, "notifications.messages"), 0);
	cr_expect_eq(num(without, "lines.total"), num(all, "lines.total"));
	same_for_every_chunking("--exclude-notifications", without);
	char *one = run("--host mx1");
	char *two = run("--host mx2");
	for (size_t i = 0; i < sizeof counted / sizeof *counted; i++)
		cr_expect_eq(num(one, counted[i]) + num(two, counted[i]), num(all, counted[i]), "%s",
			     counted[i]);
	free(one);
	free(two);
	free(without);
	free(all);
}
