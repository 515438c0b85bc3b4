/* Regression (found by tests/fuzz/fuzz_pipeline, strict JSON check): two different keys from
 * the log became two rows that the reports show under one name, so the JSON had a key twice
 * (a reader keeps one and loses the other's counts) and the metrics a series twice (the
 * scrape fails):
 *   - a NUL byte in a syslog tag ended the result's C string: "postf\0A" and "postf\0B" were
 *     both "postf";
 *   - keys that differ only in bytes that are not UTF-8, or in control characters, are
 *     written alike (U+FFFD).
 * Now a NUL becomes 0xFF (shown as U+FFFD), and keys shown alike are one row with their
 * counts added. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "pft_test.h"
#include "report/report.h"

/* The pipeline over text[0..len) (NULs included) as one chunk, --year 2024. */
static void tally_bytes(const char *text, size_t len, struct pft_result *result)
{
	struct pft_input_file file = {.path = "test.log", .format = PFT_FORMAT_PLAIN};
	struct pft_inputs inputs = {.files = &file, .n_files = 1, .n_streams = 1};
	const struct pft_limits limits = {.horizon = (int64_t)PFT_DEFAULT_HORIZON_DAYS * 86400};
	struct pft_merge *merge = pft_merge_new(&inputs, &limits);
	cr_assert_not_null(merge);
	struct pft_chunk chunk = {.data = text, .len = len};
	struct pft_part part;
	cr_assert_eq(pft_part_build(&part, &chunk, 0, &limits), PFT_OK);
	cr_assert_eq(pft_merge_part(merge, &part), PFT_OK);
	pft_part_free(&part);
	struct pft_error err = {0};
	cr_assert_eq(pft_merge_finish(merge, 2024, result, &err), PFT_OK);
	pft_merge_free(merge);
}

static char *json_of(const struct pft_result *result)
{
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	cr_assert_not_null(f);
	cr_assert_eq(pft_report_json(result, f), PFT_OK);
	fclose(f);
	return json;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

Test(regress_duplicate_names, nul_in_a_syslog_tag)
{
	static const char log[] =
		"Jun 17 10:00:00 mx1 postf\0A[1]: hello\n"
		"Jun 17 10:00:01 mx1 postf\0B[1]: hello\n"
		"Jun 17 10:00:02 mx1 postf\0B[1]: hello\n";
	struct pft_result result;
	tally_bytes(log, sizeof log - 1, &result);
	cr_assert_eq(result.n_programs, 2);
	cr_expect_str_eq(result.programs[0].name, "postf\xff" "A");
	cr_expect_eq(result.programs[0].count, 1);
	cr_expect_str_eq(result.programs[1].name, "postf\xff" "B");
	cr_expect_eq(result.programs[1].count, 2);
	char *json = json_of(&result);
	cr_expect_eq(count_of(json, "\"postf\\ufffdA\": 1"), 1, "%s", json);
	cr_expect_eq(count_of(json, "\"postf\\ufffdB\": 2"), 1, "%s", json);
	free(json);
	pft_result_free(&result);
}

#define SENT(rcpt)                                                                                 \
	"Jun 17 10:00:00 mx1 postfix/smtp[1]: 1A2B3C4D5E: to=<" rcpt ">, "                         \
	"relay=mx.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)\n"

Test(regress_duplicate_names, domains_shown_alike_are_one_row)
{
	static const char log[] = SENT("a@caf\xe9.example") SENT("b@caf\xe8.example")
		SENT("c@caf\x01.example") SENT("d@caf\xef\xbf\xbd.example") SENT("e@other.example");
	struct pft_result result;
	tally_bytes(log, sizeof log - 1, &result);
	/* caf\x01 (JSON \u0001) is shown as U+FFFD by the HTML and metrics writers, like the
	 * two bytes that are not UTF-8; a real U+FFFD in the log is a name of its own. */
	cr_assert_eq(result.n_domains, 3, "%zu domains", result.n_domains);
	unsigned long long total = 0;
	int seen_group = 0;
	for (size_t i = 0; i < result.n_domains; i++) {
		total += result.domains[i].counts.attempts[PFT_DS_SENT];
		if (strncmp(result.domains[i].name, "caf", 3) == 0 &&
		    result.domains[i].counts.attempts[PFT_DS_SENT] == 3)
			seen_group = 1;
	}
	cr_expect_eq(total, 5);
	cr_expect(seen_group, "the three caf? domains are one row of 3 attempts");
	/* The rows stay sorted by name. */
	for (size_t i = 1; i < result.n_domains; i++)
		cr_expect_lt(strcmp(result.domains[i - 1].name, result.domains[i].name), 0);
	pft_result_free(&result);
}
