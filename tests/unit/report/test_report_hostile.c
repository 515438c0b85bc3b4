/* A log line is attacker-controlled text. Addresses, relays, syslog tags and unparsed records
 * with markup, quotes, control bytes, invalid UTF-8 and spreadsheet formulas must come out
 * escaped in every format: HTML without elements from the log, JSON that parses to the same
 * text, CSV whose cells do not start a formula, text and metrics without control bytes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pft_test.h"
#include "report_json_check.h"

#define PFTALLY PFT_BINARY_DIR "/pftally"

#define STAMP "Jun 17 10:00:0"
#define DELIVERY(n, to, relay, status)                                                             \
	STAMP n " mx1 postfix/smtp[2]: 1A2B3C4D5E: to=<" to ">, relay=" relay                      \
	        "[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=" status " (x)\n"

static const char hostile_log[] = STAMP
	"0 mx1 postfix/qmgr[1]: 1A2B3C4D5E: from=<x@example.net>, size=1, nrcpt=6 (queue "
	"active)\n" DELIVERY("1", "a@<script>alert(1)</script>.example", "<b onmouseover=alert(2)>r1",
                         "sent") DELIVERY("2", "b@q\"u'o\\te.example", "r2\"'.example", "deferred")
        DELIVERY("3", "c@ctl\x01\x1b[2J\x7f.example", "r3\x1b]0;title\x07.example", "sent")
            DELIVERY("4", "d@caf\xe9\xff\xc3(.example", "r4\xed\xa0\x80.example", "sent")
                DELIVERY("5", "e@=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "sent")
                    DELIVERY("6", "f@+1.example", "-2+3", "deferred")
                        DELIVERY("7", "g@-sum(1).example", "@r7", "sent") STAMP
	"8 mx1 postfix/qmgr[1]: 1A2B3C4D5E: <script>alert(3)</script> \x01\xff odd\n" STAMP
	"9 mx1 ev<i>l</i>[3]: hello\n";

static char *dir;
static char log_path[4200];

static void setup(void)
{
	dir = pft_test_tmpdir();
	cr_assert_not_null(dir);
	snprintf(log_path, sizeof log_path, "%s/mail.log", dir);
	FILE *f = fopen(log_path, "wb");
	cr_assert_not_null(f);
	fwrite(hostile_log, 1, sizeof hostile_log - 1, f);
	fclose(f);
}

static void teardown(void)
{
	char cmd[4300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	pft_test_run(cmd, NULL);
	free(dir);
}

TestSuite(hostile, .init = setup, .fini = teardown);

static char *run(const char *args, size_t *len)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "'%s' --year 2025 %s '%s'", PFTALLY, args, log_path);
	char *out = NULL;
	cr_assert_eq(pft_test_run(cmd, &out), 0, "%s", cmd);
	if (len)
		*len = strlen(out);
	return out;
}

/* Valid UTF-8 and no control byte but those listed in allowed. */
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
	/* C1 controls (U+0080..U+009F) are "\xC2\x80".."\xC2\x9F" in UTF-8. */
	for (const char *p = strstr(s, "\xC2"); p; p = strstr(p + 1, "\xC2"))
		cr_expect((unsigned char)p[1] >= 0xA0, "%s: a C1 control", what);
}

Test(hostile, json_escapes_and_keeps_the_text)
{
	char *json = run("--format json", NULL);
	expect_clean("json", json, "\n");
	struct jvalue doc;
	char err[256];
	cr_assert(jparse(json, strlen(json), &doc, err, sizeof err), "JSON: %s", err);
	const struct jvalue *domains = jget(&doc, "by_domain");
	cr_assert_not_null(domains);
	cr_expect_not_null(jget(domains, "<script>alert(1)</script>.example"));
	cr_expect_not_null(jget(domains, "q\"u'o\\te.example"));
	cr_expect_not_null(jget(domains, "ctl\x01\x1b[2j\x7f.example"),
	                   "control bytes kept, escaped");
	cr_expect_not_null(jget(domains, "caf\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD(.example"),
	                   "each invalid byte is U+FFFD");
	const struct jvalue *programs = jget(&doc, "programs");
	cr_expect_not_null(jget(programs, "ev<i>l</i>"));
	jfree(&doc);
	free(json);
}

Test(hostile, html_has_no_markup_from_the_log)
{
	char *html = run("--format html", NULL);
	expect_clean("html", html, "\n");
	cr_expect_null(strstr(html, "<script"));
	cr_expect_null(strstr(html, "<b "));
	cr_expect_null(strstr(html, "<i>"));
	cr_expect_null(strstr(html, "onmouseover=alert(2)>"));
	cr_expect_not_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;.example"));
	cr_expect_not_null(strstr(html, "&lt;b onmouseover=alert(2)&gt;r1"));
	cr_expect_not_null(strstr(html, "q&quot;u&#39;o\\te.example"));
	cr_expect_not_null(strstr(html, "ev&lt;i&gt;l&lt;/i&gt;"));
	cr_expect_not_null(strstr(html, "&lt;script&gt;alert(3)&lt;/script&gt;"), "sample escaped");
	free(html);
}

/* RFC 4180 cells of a CSV text: calls cell(row, column, text) for each; checks quoting. */
static size_t csv_cells(const char *csv, void (*cell)(size_t, size_t, const char *))
{
	size_t row = 0, col = 0, len = 0;
	char buf[4096];
	const char *p = csv;
	while (*p) {
		len = 0;
		if (*p == '"') {
			p++;
			while (*p && !(*p == '"' && p[1] != '"')) {
				if (*p == '"')
					p++; /* "" is one quote */
				buf[len++] = *p++;
			}
			cr_assert_eq(*p, '"', "unterminated quoted cell");
			p++;
		} else {
			while (*p && *p != ',' && *p != '\r' && *p != '\n') {
				cr_assert_neq(*p, '"', "quote inside an unquoted cell");
				buf[len++] = *p++;
			}
		}
		buf[len] = '\0';
		cell(row, col, buf);
		if (*p == ',') {
			p++;
			col++;
		} else {
			cr_assert(p[0] == '\r' && p[1] == '\n', "rows end with CRLF");
			p += 2;
			row++;
			col = 0;
		}
	}
	return row;
}

static size_t names_seen;
static void check_name_cell(size_t row, size_t col, const char *text)
{
	if (row == 0 || col != 0)
		return;
	names_seen++;
	cr_expect(strchr("=+-@\t\r", text[0]) == NULL || text[0] == '\0',
	          "row %zu starts a formula: %s", row, text);
}

Test(hostile, csv_neutralises_formulas)
{
	static const char *const tables[] = {"domain", "relay"};
	for (size_t i = 0; i < 2; i++) {
		char args[64];
		snprintf(args, sizeof args, "--format csv --table %s", tables[i]);
		char *csv = run(args, NULL);
		expect_clean(tables[i], csv, "\r\n");
		names_seen = 0;
		size_t rows = csv_cells(csv, check_name_cell);
		cr_expect_eq(rows, 8, "%s: header and 7 rows", tables[i]);
		cr_expect_eq(names_seen, 7);
		free(csv);
	}
	char *csv = run("--format csv --table domain", NULL);
	cr_expect_not_null(strstr(csv, "\r\n'=cmd|' /c calc'!a0,"));
	cr_expect_not_null(strstr(csv, "\r\n'+1.example,"));
	cr_expect_not_null(strstr(csv, "\r\n'-sum(1).example,"));
	cr_expect_not_null(strstr(csv, "\r\n\"q\"\"u'o\\te.example\","));
	free(csv);
	csv = run("--format csv --table relay", NULL);
	cr_expect_not_null(strstr(csv, "\r\n\"'=HYPERLINK(\"\"http://x\"\")\","));
	cr_expect_not_null(strstr(csv, "\r\n'-2+3,"));
	cr_expect_not_null(strstr(csv, "\r\n'@r7,"));
	free(csv);
}

Test(hostile, text_and_metrics_have_no_control_bytes)
{
	char *text = run("--format text", NULL);
	expect_clean("text", text, "\n");
	free(text);
	text = run("--format text --color always", NULL);
	/* Only the report's own colour sequences: ESC [ 1 m and ESC [ 0 m. */
	for (const char *p = strchr(text, '\x1b'); p; p = strchr(p + 1, '\x1b'))
		cr_expect(strncmp(p, "\x1b[1m", 4) == 0 || strncmp(p, "\x1b[0m", 4) == 0,
		          "a foreign escape sequence");
	free(text);
	char *prom = run("--format prometheus", NULL);
	expect_clean("prometheus", prom, "\n");
	cr_expect_not_null(strstr(prom, "domain=\"q\\\"u'o\\\\te.example\""));
	free(prom);
}
