/* The HTML report: self-contained (no script, no external resource), one SVG per chart, and,
 * when Chromium is installed (Debian package chromium), rendered headless: the DOM holds the
 * totals and the charts, and the console shows no error or blocked load. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pft_test.h"

#define PFTALLY  PFT_BINARY_DIR "/pftally"
#define CHROMIUM "/usr/bin/chromium"
#define GOLDEN   PFT_SOURCE_DIR "/tests/golden"

static const char *const chart_ids[] = {
	"chart-attempts-hour", "chart-attempts-day", "chart-attempts-week", "chart-rates-hour",
	"chart-rates-day",     "chart-rates-week",   "chart-dsn",
};
#define N_CHARTS (sizeof chart_ids / sizeof chart_ids[0])

/* Writes the HTML report of a golden case's log to dir/report.html; @return the HTML. */
static char *make_report(const char *dir, const char *golden_case, int year)
{
	char cmd[8192], path[4200];
	snprintf(path, sizeof path, "%s/report.html", dir);
	snprintf(cmd, sizeof cmd, "'%s' --year %d --format html -o '%s' '%s/%s/mail.log'", PFTALLY,
	         year, path, GOLDEN, golden_case);
	cr_assert_eq(pft_test_run(cmd, NULL), 0, "%s", cmd);
	char *html = pft_test_read_file(path, NULL);
	cr_assert_not_null(html);
	return html;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Each chart's <figure id=...> holds exactly one <svg>. */
static void expect_one_svg_per_chart(const char *html, const char *what)
{
	for (size_t i = 0; i < N_CHARTS; i++) {
		char needle[64];
		snprintf(needle, sizeof needle, "id=\"%s\"", chart_ids[i]);
		const char *fig = strstr(html, needle);
		cr_expect_not_null(fig, "%s: no chart %s", what, chart_ids[i]);
		if (fig == NULL)
			continue;
		const char *end = strstr(fig, "</figure>");
		cr_assert_not_null(end);
		size_t n = 0;
		for (const char *p = strstr(fig, "<svg"); p && p < end; p = strstr(p + 1, "<svg"))
			n++;
		cr_expect_eq(n, 1, "%s: chart %s has %zu SVGs", what, chart_ids[i], n);
	}
	cr_expect_eq(count(html, "<svg"), N_CHARTS, "%s: SVGs outside the charts", what);
}

/* The value the card with this id shows: data-value="N". */
static long long card_value(const char *html, const char *id)
{
	char needle[96];
	snprintf(needle, sizeof needle, "id=\"%s\" data-value=\"", id);
	const char *p = strstr(html, needle);
	cr_assert_not_null(p, "no card %s", id);
	return strtoll(p + strlen(needle), NULL, 10);
}

Test(html, self_contained_and_one_svg_per_chart)
{
	char *dir = pft_test_tmpdir();
	static const struct {
		const char *name;
		int year;
	} cases[] = {{"basic", 2025}, {"empty", 2025}, {"hostile", 2025}, {"weeks", 2026}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *html = make_report(dir, cases[i].name, cases[i].year);
		cr_expect_eq(strncmp(html, "<!DOCTYPE html>\n", 16), 0);
		cr_expect_not_null(strstr(html, "http-equiv=\"Content-Security-Policy\" "
		                                "content=\"default-src 'none'"));
		cr_expect_null(strstr(html, "<script"), "%s: a script element", cases[i].name);
		cr_expect_null(strstr(html, "<link"), "%s: a link element", cases[i].name);
		cr_expect_null(strstr(html, "<img"), "%s: an img element", cases[i].name);
		/* The hostile log puts such words in escaped text; elsewhere they must not occur.
		 */
		if (strcmp(cases[i].name, "hostile") != 0) {
			cr_expect_null(strstr(html, "url("), "%s: a CSS url()", cases[i].name);
			cr_expect_null(strstr(html, "@import"), "%s: a CSS @import", cases[i].name);
			cr_expect_null(strstr(html, "https:"), "%s: an https: reference",
			               cases[i].name);
			/* The only http: text is the SVG namespace name, which is never fetched. */
			cr_expect_eq(count(html, "http:"),
			             count(html, "xmlns=\"http://www.w3.org/2000/svg\""),
			             "%s: an http: reference", cases[i].name);
		}
		expect_one_svg_per_chart(html, cases[i].name);
		cr_expect_not_null(strstr(html, "@media print"), "print styles");
		free(html);
	}
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	pft_test_run(cmd, NULL);
	free(dir);
}

Test(html, totals_match_the_json)
{
	char *dir = pft_test_tmpdir();
	char *html = make_report(dir, "basic", 2025);
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "'%s' --year 2025 --format json '%s/basic/mail.log'", PFTALLY,
	         GOLDEN);
	char *json = NULL;
	cr_assert_eq(pft_test_run(cmd, &json), 0);
	static const struct {
		const char *card, *json_path;
	} pairs[] = {
		{"total-attempts", "attempts.total"},
		{"total-attempts-sent", "attempts.sent"},
		{"total-attempts-deferred", "attempts.deferred"},
		{"total-attempts-bounced", "attempts.bounced"},
		{"total-recipients", "recipients.total"},
		{"total-recipients-bounced", "recipients.bounced"},
		{"total-recipients-expired", "recipients.expired"},
		{"total-messages", "messages.total"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		long long want;
		cr_assert(pft_test_json_number(json, pairs[i].json_path, &want));
		cr_expect_eq(card_value(html, pairs[i].card), want, "%s", pairs[i].card);
	}
	free(json);
	free(html);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	pft_test_run(cmd, NULL);
	free(dir);
}

/* Renders path in headless Chromium: @return the serialised DOM; *console gets the console
 * lines Chromium logged (script errors, Content-Security-Policy violations). */
static char *chromium_dom(const char *dir, const char *path, char **console)
{
	char cmd[16384], log[4200];
	snprintf(log, sizeof log, "%s/chromium.log", dir);
	snprintf(cmd, sizeof cmd,
	         "timeout 120 %s --headless --no-sandbox --disable-gpu --disable-quic "
	         "--no-first-run --disable-background-networking --disable-component-update "
	         "--disable-sync --user-data-dir='%s/profile' --enable-logging=stderr --v=0 "
	         "--dump-dom 'file://%s' 2>'%s'",
	         CHROMIUM, dir, path, log);
	char *dom = NULL;
	int code = pft_test_run(cmd, &dom);
	cr_assert_eq(code, 0, "chromium failed (%d): %s", code, cmd);
	snprintf(cmd, sizeof cmd, "grep -a ':CONSOLE' '%s' || true", log);
	pft_test_run(cmd, console);
	return dom;
}

Test(html, renders_in_headless_chromium, .timeout = 300)
{
	if (access(CHROMIUM, X_OK) != 0)
		cr_skip_test("no %s (Debian package chromium)", CHROMIUM);
	char *dir = pft_test_tmpdir();
	char *html = make_report(dir, "basic", 2025);
	char path[4200];
	snprintf(path, sizeof path, "%s/report.html", dir);
	char *console = NULL;
	char *dom = chromium_dom(dir, path, &console);
	cr_assert_not_null(dom);
	cr_expect_not_null(strstr(dom, "<svg"), "no SVG in the DOM");
	expect_one_svg_per_chart(dom, "DOM");
	cr_expect_eq(card_value(dom, "total-attempts"), 10);
	cr_expect_eq(card_value(dom, "total-recipients"), 7);
	cr_expect_eq(card_value(dom, "total-messages"), 6);
	cr_expect_not_null(strstr(dom, "gmail-smtp-in.l.google.com"), "relay table rendered");
	cr_expect_str_empty(console ? console : "", "console messages: %s", console);
	free(console);
	free(dom);
	free(html);
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	pft_test_run(cmd, NULL);
	free(dir);
}

Test(html, hostile_log_stays_text_in_chromium, .timeout = 300)
{
	if (access(CHROMIUM, X_OK) != 0)
		cr_skip_test("no %s (Debian package chromium)", CHROMIUM);
	char *dir = pft_test_tmpdir();
	char *html = make_report(dir, "hostile", 2025);
	char path[4200];
	snprintf(path, sizeof path, "%s/report.html", dir);
	char *console = NULL;
	char *dom = chromium_dom(dir, path, &console);
	cr_assert_not_null(dom);
	/* Markup from the log would show up as elements in the serialised DOM. */
	cr_expect_null(strstr(dom, "<script"), "a script element reached the DOM");
	cr_expect_null(strstr(dom, "<img"), "an img element reached the DOM");
	cr_expect_null(strstr(dom, "<b>"), "a b element reached the DOM");
	cr_expect_not_null(strstr(dom, "&lt;script&gt;alert(1)&lt;/script&gt;"),
	                   "the script text is shown as text");
	cr_expect_str_empty(console ? console : "", "console messages: %s", console);
	free(console);
	free(dom);
	free(html);
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	pft_test_run(cmd, NULL);
	free(dir);
}
