/* CSV writer and the time series behind it: ISO weeks at year ends, empty buckets filled in
 * (and not past REPORT_SERIES_MAX_FILL), RFC 4180 shape, DSN names, table ranking and --top. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pft_test.h"
#include "report/report.h"

static char *csv_of(const struct pft_result *r, enum pft_csv_table table, enum pft_series series,
                    unsigned top)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	struct pft_report_options o = {
		.format = PFT_REPORT_CSV, .csv_table = table, .series = series, .top = top};
	cr_assert_eq(pft_report_write(r, &o, f), PFT_OK);
	fclose(f);
	return text;
}

/* The first cells of the data rows, joined by spaces: "2025-W01:3 2025-W02:0". The number
 * after ':' is the second cell (attempts_total for series and tables). */
static char *first_cells(const char *csv)
{
	char *out = calloc(1, strlen(csv) + 1);
	const char *row = strstr(csv, "\r\n");
	cr_assert_not_null(row, "no header row");
	for (row += 2; *row;) {
		const char *end = strstr(row, "\r\n");
		cr_assert_not_null(end, "row without CRLF");
		size_t a = strcspn(row, ","), b = strcspn(row + a + 1, ",");
		if (*out)
			strcat(out, " ");
		strncat(out, row, a);
		strcat(out, ":");
		strncat(out, row + a + 1, b);
		row = end + 2;
	}
	return out;
}

/* A result with the given day (or hour) keys, bucket i holding i+1 sent attempts. */
static void fake(struct pft_result *r, struct pft_named_counts *cells, const char *const *keys,
                 size_t n, int hours)
{
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < n; i++) {
		memset(&cells[i], 0, sizeof cells[i]);
		cells[i].name = (char *)keys[i];
		cells[i].counts.attempts[PFT_DS_SENT] = i + 1;
		cells[i].counts.recipients[PFT_OUT_SENT] = i + 1;
	}
	if (hours) {
		r->hours = cells;
		r->n_hours = n;
	} else {
		r->days = cells;
		r->n_days = n;
	}
}

Test(csv_series, iso_weeks_at_year_ends)
{
	static const char *const days[] = {
		"2020-12-31", /* Thursday: 2020-W53 */
		"2021-01-03", /* Sunday: still 2020-W53 */
		"2021-01-04", /* Monday: 2021-W01 */
		"2021-01-18", /* 2021-W03; W02 is empty */
	};
	struct pft_named_counts cells[4];
	struct pft_result r;
	fake(&r, cells, days, 4, 0);
	char *csv = csv_of(&r, PFT_CSV_SERIES, PFT_SERIES_WEEK, 0);
	cr_expect_eq(strncmp(csv, "week,attempts_total,attempts_sent,", 34), 0);
	char *got = first_cells(csv);
	cr_expect_str_eq(got, "2020-W53:3 2021-W01:3 2021-W02:0 2021-W03:4");
	free(got);
	free(csv);

	static const char *const days2[] = {"2024-12-29", "2024-12-30", "2026-01-01", "2027-01-03"};
	fake(&r, cells, days2, 4, 0);
	csv = csv_of(&r, PFT_CSV_SERIES, PFT_SERIES_WEEK, 0);
	got = first_cells(csv);
	/* 2024-12-30 is in 2025-W01; 2026-01-01 in 2026-W01; 2027-01-03 in 2026-W53. */
	cr_expect_eq(strncmp(got, "2024-W52:1 2025-W01:2 2025-W02:0 ", 33), 0, "%s", got);
	cr_expect_not_null(strstr(got, " 2025-W52:0 2026-W01:3 2026-W02:0 "), "%s", got);
	size_t n = strlen(got);
	cr_expect_str_eq(got + n - 21, "2026-W52:0 2026-W53:4", "%s", got);
	free(got);
	free(csv);
}

Test(csv_series, days_and_hours_are_filled)
{
	static const char *const days[] = {"2024-02-27", "2024-03-01", "2025-02-27", "2025-03-01"};
	struct pft_named_counts cells[4];
	struct pft_result r;
	fake(&r, cells, days, 2, 0);
	char *csv = csv_of(&r, PFT_CSV_SERIES, PFT_SERIES_DAY, 0);
	char *got = first_cells(csv);
	cr_expect_str_eq(got, "2024-02-27:1 2024-02-28:0 2024-02-29:0 2024-03-01:2");
	free(got);
	free(csv);
	fake(&r, cells, days + 2, 2, 0);
	csv = csv_of(&r, PFT_CSV_SERIES, PFT_SERIES_DAY, 0);
	got = first_cells(csv);
	cr_expect_str_eq(got, "2025-02-27:1 2025-02-28:0 2025-03-01:2");
	free(got);
	free(csv);

	static const char *const hours[] = {"2025-12-31T22", "2026-01-01T01"};
	fake(&r, cells, hours, 2, 1);
	csv = csv_of(&r, PFT_CSV_SERIES, PFT_SERIES_HOUR, 0);
	cr_expect_eq(strncmp(csv, "hour,", 5), 0);
	got = first_cells(csv);
	cr_expect_str_eq(got, "2025-12-31T22:1 2025-12-31T23:0 2026-01-01T00:0 2026-01-01T01:2");
	free(got);
	free(csv);
}

Test(csv_series, no_fill_past_the_limit)
{
	/* 25 years of hours is more than REPORT_SERIES_MAX_FILL rows: only the data rows. */
	static const char *const hours[] = {"2000-01-01T00", "2025-01-01T00"};
	struct pft_named_counts cells[2];
	struct pft_result r;
	fake(&r, cells, hours, 2, 1);
	char *csv = csv_of(&r, PFT_CSV_SERIES, PFT_SERIES_HOUR, 0);
	char *got = first_cells(csv);
	cr_expect_str_eq(got, "2000-01-01T00:1 2025-01-01T00:2");
	free(got);
	free(csv);
	/* The same span in days is filled (9133 rows). */
	static const char *const days[] = {"2000-01-01", "2025-01-01"};
	fake(&r, cells, days, 2, 0);
	csv = csv_of(&r, PFT_CSV_SERIES, PFT_SERIES_DAY, 0);
	size_t rows = 0;
	for (const char *p = strstr(csv, "\r\n"); p; p = strstr(p + 2, "\r\n"))
		rows++;
	cr_expect_eq(rows, 1 + 9133);
	free(csv);
}

Test(csv_series, empty_result_has_a_header_only)
{
	struct pft_result r = {0};
	for (int s = 0; s < PFT_SERIES_COUNT; s++) {
		char *csv = csv_of(&r, PFT_CSV_SERIES, (enum pft_series)s, 0);
		const char *crlf = strstr(csv, "\r\n");
		cr_assert_not_null(crlf);
		cr_expect_str_eq(crlf, "\r\n");
		cr_expect_not_null(strstr(csv, ",defer_rate,bounce_rate\r\n"));
		free(csv);
	}
}

static const char log_text[] =
	"Jun  1 08:00:00 mx postfix/qmgr[2]: AAAA11111: from=<s@example.org>, size=10, nrcpt=4 "
	"(queue active)\n"
	"Jun  1 08:00:01 mx postfix/smtp[3]: AAAA11111: to=<a@one.example>, "
	"relay=mx.one.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)\n"
	"Jun  1 08:00:01 mx postfix/smtp[3]: AAAA11111: to=<b@two.example>, "
	"relay=mx.two.example[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=4.7.650, "
	"status=deferred (rate limited)\n"
	"Jun  1 09:00:01 mx postfix/smtp[3]: AAAA11111: to=<b@two.example>, "
	"relay=mx.two.example[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced "
	"(unknown)\n"
	"Jun  1 09:00:02 mx postfix/smtp[3]: AAAA11111: to=<c@two.example>, "
	"relay=mx.two.example[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)\n"
	"Jun  1 09:00:02 mx postfix/smtp[3]: AAAA11111: to=<d@three, example>, "
	"relay=mx.three.example[192.0.2.3]:25, delay=1, delays=0/0/0/1, dsn=9.9.9, status=sent (ok)\n"
	"Jun  1 09:00:03 mx postfix/qmgr[2]: AAAA11111: removed\n";

Test(csv_tables, dsn_names_and_shares)
{
	struct pft_result r;
	char *json = pft_test_tally_text(log_text, 1 << 20, 2025, &r);
	cr_assert_not_null(json);
	free(json);
	char *csv = csv_of(&r, PFT_CSV_DSN, PFT_SERIES_DAY, 0);
	static const char header[] =
		"code,class,subject,detail,attempts,share,class_name,subject_name,detail_name\r\n";
	cr_expect_eq(strncmp(csv, header, sizeof header - 1), 0, "%s", csv);
	cr_expect_not_null(strstr(csv, "\r\n2.0.0,2,0,0,2,0.400000,success,other or undefined "
	                               "status,other undefined status\r\n"),
	                   "%s", csv);
	cr_expect_not_null(strstr(csv, "\r\n4.7.650,4,7,650,1,0.200000,persistent transient "
	                               "failure,security or policy status,\r\n"),
	                   "an unregistered detail has an empty name: %s", csv);
	cr_expect_not_null(strstr(csv, "\r\n5.1.1,5,1,1,1,0.200000,permanent failure,addressing "
	                               "status,bad destination mailbox address\r\n"),
	                   "%s", csv);
	cr_expect_not_null(strstr(csv, "\r\n9.9.9,9,9,9,1,0.200000,,,\r\n"), "%s", csv);
	free(csv);
	pft_result_free(&r);
}

Test(csv_tables, domains_ranked_by_attempts_and_top)
{
	struct pft_result r;
	char *json = pft_test_tally_text(log_text, 1 << 20, 2025, &r);
	cr_assert_not_null(json);
	free(json);
	char *csv = csv_of(&r, PFT_CSV_DOMAIN, PFT_SERIES_DAY, 0);
	cr_expect_eq(strncmp(csv, "domain,attempts_total,", 22), 0);
	char *got = first_cells(csv);
	/* "three, example" holds a comma: quoted; ties go by name. */
	cr_expect_str_eq(got, "two.example:3 one.example:1 \"three: example\"");
	free(got);
	cr_expect_not_null(strstr(csv, "\r\n\"three, example\",1,"), "%s", csv);
	cr_expect_not_null(strstr(csv, "\r\ntwo.example,3,1,1,1,0,0,0,0,0,2,1,1,0,0,0,0,0,"
	                               "0.333333,0.500000\r\n"),
	                   "%s", csv);
	free(csv);
	csv = csv_of(&r, PFT_CSV_RELAY, PFT_SERIES_DAY, 1);
	got = first_cells(csv);
	cr_expect_str_eq(got, "mx.two.example:3");
	free(got);
	free(csv);
	pft_result_free(&r);
}
