/* Regression (found by tests/fuzz/fuzz_pipeline, chunk-size invariance): the year of BSD
 * stamps depended on where the chunks were cut. A line that goes back across New Year
 * ("Dec 24" after "Jan 12": jitter, the previous year) leaves the rollover tracker on the
 * newer line when both are in one chunk; when the older line starts a chunk, the joined
 * tracker ended on it instead, and the years were resolved from that line: the whole stream
 * moved a year later. The years now come from the stream's newest stamp, the same for every
 * cut.
 * A second find: the tracker stayed on the line before a jitter line, so with stamps about
 * half a year apart the next line's year depended on whether the jitter line started a chunk
 * (half-year steps are not transitive). Every line now moves the tracker: a line's year is the
 * previous line's plus the step between them, whatever the cut. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pft_test.h"

#define SENT(stamp, qid, rcpt)                                                                     \
	stamp " mx1 postfix/smtp[10]: " qid ": to=<" rcpt ">, relay=mx.example.com[192.0.2.10]:25, " \
	      "delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 ok)\n"

Test(regress_year_jitter_chunk, jitter_line_starting_a_chunk)
{
	const char *log = SENT("Jan 12 07:30:01", "1000000003", "r3@example.com")
		SENT("Dec 24 10:58:58", "AA190CE3B0", "lena@example.net");
	/* --year 2024 is the year of the newest line, Jan 12. */
	char *whole = pft_test_tally_text(log, 1 << 20, 2024, NULL);
	cr_assert_not_null(whole);
	cr_expect_not_null(strstr(whole, "\"first\": \"2023-12-24T10:58:58\""), "%s", whole);
	cr_expect_not_null(strstr(whole, "\"last\": \"2024-01-12T07:30:01\""), "%s", whole);
	for (size_t chunk = 1; chunk < strlen(log); chunk += 17) {
		char *again = pft_test_tally_text(log, chunk, 2024, NULL);
		cr_assert_not_null(again);
		cr_assert_str_eq(again, whole, "chunk size %zu", chunk);
		free(again);
	}
	free(whole);
}

/* Several jitter lines, then the stream goes on in the new year: the same for every cut. */
Test(regress_year_jitter_chunk, jitter_run_then_new_year)
{
	const char *log = SENT("Dec 31 23:59:58", "1000000001", "a@example.com")
		SENT("Jan  1 00:00:01", "1000000002", "b@example.com")
		SENT("Dec 31 23:59:59", "1000000003", "c@example.com")
		SENT("Dec 31 23:59:59", "1000000004", "d@example.com")
		SENT("Jan  1 00:00:02", "1000000005", "e@example.com")
		SENT("Jan  2 08:00:00", "1000000006", "f@example.com");
	char *whole = pft_test_tally_text(log, 1 << 20, 2025, NULL);
	cr_assert_not_null(whole);
	cr_expect_not_null(strstr(whole, "\"first\": \"2024-12-31T23:59:58\""), "%s", whole);
	cr_expect_not_null(strstr(whole, "\"last\": \"2025-01-02T08:00:00\""), "%s", whole);
	for (size_t chunk = 1; chunk < strlen(log); chunk += 29) {
		char *again = pft_test_tally_text(log, chunk, 2025, NULL);
		cr_assert_not_null(again);
		cr_assert_str_eq(again, whole, "chunk size %zu", chunk);
		free(again);
	}
	free(whole);
}

/* Stamps about half a year apart: "Dec 20" after "Jun 17" is more than half a year later,
 * so it is taken for the previous year; the "Nov 29" after it follows from it. */
Test(regress_year_jitter_chunk, half_year_steps)
{
	const char *log = SENT("Nov 29 00:31:47", "1000000001", "a@example.com")
		SENT("Dec 20 00:31:48", "1000000002", "b@example.com")
		SENT("Nov 29 00:31:47", "1000000003", "c@example.com")
		SENT("Jun 17 09:10:01", "1000000004", "d@example.com")
		SENT("Jun 17 09:10:02", "1000000005", "e@example.com")
		SENT("Dec 20 00:31:48", "1000000006", "f@example.com")
		SENT("Nov 29 00:30:05", "1000000007", "g@example.com");
	char *whole = pft_test_tally_text(log, 1 << 20, 2024, NULL);
	cr_assert_not_null(whole);
	cr_expect_not_null(strstr(whole, "\"first\": \"2023-11-29T00:30:05\""), "%s", whole);
	cr_expect_not_null(strstr(whole, "\"last\": \"2024-12-20T00:31:48\""), "%s", whole);
	for (size_t chunk = 1; chunk < strlen(log); chunk += 23) {
		char *again = pft_test_tally_text(log, chunk, 2024, NULL);
		cr_assert_not_null(again);
		cr_assert_str_eq(again, whole, "chunk size %zu", chunk);
		free(again);
	}
	free(whole);
}
