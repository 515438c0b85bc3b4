/* Prometheus text and OpenMetrics output: promtool accepts the Prometheus text (when promtool
 * is installed: Debian package prometheus), the OpenMetrics text has the same samples with
 * OpenMetrics family names and "# EOF", label values are escaped, --top limits the per-domain
 * and per-relay families. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pft_test.h"
#include "report/report.h"

static const char log_text[] =
	"Jun  1 08:00:00 mx postfix/qmgr[2]: AAAA11111: from=<s@example.org>, size=10, nrcpt=3 "
	"(queue active)\n"
	"Jun  1 08:00:01 mx postfix/smtp[3]: AAAA11111: to=<a@one.example>, "
	"relay=mx.one.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)\n"
	"Jun  1 08:00:01 mx postfix/smtp[3]: AAAA11111: to=<b@two.example>, "
	"relay=mx.two.example[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred "
	"(timeout)\n"
	"Jun  1 08:00:01 mx postfix/smtp[3]: AAAA11111: to=<c@q\"uo\\te.example>, "
	"relay=mx.three.example[192.0.2.3]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced "
	"(unknown)\n"
	"Jun  1 08:00:02 mx postfix/smtp[3]: AAAA11111: to=<d@bad\xff"
	"utf8.example>, "
	"relay=mx.four.example[192.0.2.4]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)\n"
	"Jun  1 08:00:03 mx postfix/qmgr[2]: AAAA11111: removed\n"
	"Jun  1 08:00:04 mx postfix/smtpd[5]: NOQUEUE: reject: RCPT from x[192.0.2.9]: 554 5.7.1 "
	"<z@y.example>: Relay access denied; from=<s@x.example> to=<z@y.example> proto=ESMTP "
	"helo=<x>\n"
	"bad line\n";

static char *render(const struct pft_result *r, enum pft_report_format format, unsigned top)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	struct pft_report_options o = {.format = format, .top = top};
	cr_assert_eq(pft_report_write(r, &o, f), PFT_OK);
	fclose(f);
	return text;
}

static char *render_log(enum pft_report_format format, unsigned top)
{
	struct pft_result r;
	char *json = pft_test_tally_text(log_text, 1 << 20, 2025, &r);
	cr_assert_not_null(json);
	free(json);
	char *text = render(&r, format, top);
	pft_result_free(&r);
	return text;
}

static int have_promtool(void)
{
	return pft_test_run("command -v promtool >/dev/null 2>&1", NULL) == 0;
}

/* Runs promtool check metrics over text; @return its exit status, *out its output. */
static int promtool_check(const char *text, char **out)
{
	char *dir = pft_test_tmpdir();
	char path[4096], cmd[8300];
	snprintf(path, sizeof path, "%s/metrics.prom", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "promtool check metrics < '%s' 2>&1", path);
	int code = pft_test_run(cmd, out);
	unlink(path);
	rmdir(dir);
	free(dir);
	return code;
}

Test(metrics, promtool_accepts_prometheus_text)
{
	if (!have_promtool())
		cr_skip_test("promtool is not installed (Debian package prometheus)");
	static const unsigned tops[] = {0, 1, 2};
	for (size_t i = 0; i < 3; i++) {
		char *text = render_log(PFT_REPORT_PROMETHEUS, tops[i]), *out = NULL;
		int code = promtool_check(text, &out);
		cr_expect_eq(code, 0, "promtool check metrics (top %u) failed: %s", tops[i], out);
		free(out);
		free(text);
	}
	/* Also with nothing counted. */
	struct pft_result empty = {0};
	char *text = render(&empty, PFT_REPORT_PROMETHEUS, 0), *out = NULL;
	cr_expect_eq(promtool_check(text, &out), 0, "empty result: %s", out);
	free(out);
	free(text);
}

/* The OpenMetrics text turned into Prometheus text: "# TYPE f counter" / "# HELP f ..." become
 * "# HELP f_total ..." / "# TYPE f_total counter" and "# EOF" goes. */
static char *openmetrics_to_prometheus(const char *om)
{
	size_t cap = strlen(om) * 2 + 1, len = 0;
	char *out = malloc(cap);
	const char *p = om;
	while (*p) {
		const char *nl = strchr(p, '\n');
		cr_assert_not_null(nl, "line without newline");
		char line[4096];
		size_t n = (size_t)(nl - p);
		cr_assert_lt(n, sizeof line);
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		char family[256];
		if (sscanf(line, "# TYPE %255s counter", family) == 1) {
			/* The HELP line follows; write it first, then TYPE. */
			nl = strchr(p, '\n');
			char help[4096];
			n = (size_t)(nl - p);
			memcpy(help, p, n);
			help[n] = '\0';
			p = nl + 1;
			size_t prefix = strlen("# HELP ") + strlen(family);
			cr_assert(strncmp(help, "# HELP ", 7) == 0 &&
			              strncmp(help + 7, family, strlen(family)) == 0,
			          "TYPE %s not followed by its HELP", family);
			len += (size_t)snprintf(out + len, cap - len,
			                        "# HELP %s_total%s\n# TYPE %s_total counter\n",
			                        family, help + prefix, family);
		} else if (strcmp(line, "# EOF") != 0) {
			len += (size_t)snprintf(out + len, cap - len, "%s\n", line);
		}
	}
	return out;
}

Test(metrics, openmetrics_matches_prometheus_text_and_ends_with_eof)
{
	char *om = render_log(PFT_REPORT_OPENMETRICS, 0);
	char *prom = render_log(PFT_REPORT_PROMETHEUS, 0);
	size_t n = strlen(om);
	cr_assert_gt(n, 6);
	cr_expect_str_eq(om + n - 6, "# EOF\n", "OpenMetrics text must end with # EOF");
	cr_expect_null(strstr(om, "\n\n"), "no blank lines in OpenMetrics");
	char *converted = openmetrics_to_prometheus(om);
	cr_expect_str_eq(converted, prom);
	cr_expect_null(strstr(prom, "# EOF"), "no # EOF in Prometheus text");
	free(converted);
	free(om);
	free(prom);
}

/* Every sample: NAME{LABELS} INTEGER or NAME INTEGER, its family declared just before
 * (OpenMetrics: NAME = family + "_total"), each TYPE once. */
Test(metrics, openmetrics_samples_belong_to_declared_families)
{
	char *om = render_log(PFT_REPORT_OPENMETRICS, 0);
	char family[256] = "", seen[8192] = " ";
	int samples = 0;
	for (char *line = strtok(om, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "# TYPE ", 7) == 0) {
			cr_assert_eq(sscanf(line, "# TYPE %255s counter", family), 1, "%s", line);
			char key[300];
			snprintf(key, sizeof key, " %s ", family);
			cr_expect_null(strstr(seen, key), "family %s declared twice", family);
			strncat(seen, key + 1, sizeof seen - strlen(seen) - 1);
			continue;
		}
		if (line[0] == '#')
			continue;
		char expected[300];
		snprintf(expected, sizeof expected, "%s_total", family);
		size_t name_len = strcspn(line, "{ ");
		cr_expect(strlen(expected) == name_len && strncmp(line, expected, name_len) == 0,
		          "sample outside its family %s: %s", family, line);
		const char *value = strrchr(line, ' ');
		cr_assert_not_null(value);
		char *end;
		strtoull(value + 1, &end, 10);
		cr_expect(*end == '\0' && end > value + 1, "not an integer value: %s", line);
		samples++;
	}
	cr_expect_gt(samples, 50);
	free(om);
}

Test(metrics, label_values_are_escaped_utf8)
{
	char *text = render_log(PFT_REPORT_PROMETHEUS, 0);
	cr_expect_not_null(strstr(text, "domain=\"q\\\"uo\\\\te.example\""),
	                   "quote and backslash escaped: %s", text);
	cr_expect_not_null(strstr(text, "domain=\"bad\xEF\xBF\xBDutf8.example\""),
	                   "invalid UTF-8 replaced by U+FFFD");
	cr_expect_null(strstr(text, "\xff"), "no invalid UTF-8 byte left");
	free(text);
}

Test(metrics, top_limits_domain_and_relay_families)
{
	char *text = render_log(PFT_REPORT_PROMETHEUS, 2);
	int domains = 0, relays = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		domains += strncmp(line, "pftally_domain_attempts_total{", 30) == 0 &&
		           strstr(line, "status=\"sent\"") != NULL;
		relays += strncmp(line, "pftally_relay_attempts_total{", 29) == 0 &&
		          strstr(line, "status=\"sent\"") != NULL;
	}
	cr_expect_eq(domains, 2);
	cr_expect_eq(relays, 2);
	free(text);
}

Test(metrics, totals_agree_with_json)
{
	char *text = render_log(PFT_REPORT_PROMETHEUS, 0);
	cr_expect_not_null(strstr(text, "\npftally_attempts_total{status=\"sent\"} 2\n"));
	cr_expect_not_null(strstr(text, "\npftally_attempts_total{status=\"deferred\"} 1\n"));
	cr_expect_not_null(strstr(text, "\npftally_attempts_total{status=\"bounced\"} 1\n"));
	cr_expect_not_null(strstr(text, "\npftally_recipients_total{outcome=\"sent\"} 2\n"));
	cr_expect_not_null(strstr(text, "\npftally_recipients_total{outcome=\"dropped\"} 1\n"));
	cr_expect_not_null(strstr(text, "\npftally_messages_total{state=\"closed\"} 1\n"));
	cr_expect_not_null(strstr(text, "\npftally_dsn_total{code=\"4.4.1\",class=\"4\"} 1\n"));
	cr_expect_not_null(strstr(text, "\npftally_lines_total{kind=\"malformed\"} 1\n"));
	cr_expect_not_null(strstr(text, "\npftally_rejects_total{kind=\"noqueue\"} 1\n"));
	free(text);
}
