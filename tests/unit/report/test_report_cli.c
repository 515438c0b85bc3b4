/* The report options of the command line: formats, -o written atomically (temporary file in
 * the same directory, rename; nothing left behind, the old file kept on failure), exit codes
 * 0/1/2, --help and --version, colour only on a terminal and never with NO_COLOR, and the
 * manual page documenting every option. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pft_test.h"

#define PFTALLY PFT_BINARY_DIR "/pftally"
#define LOG     PFT_SOURCE_DIR "/tests/golden/basic/mail.log"
#define MANPAGE PFT_SOURCE_DIR "/src/cli/pftally.1"

static char *dir;

static void setup(void)
{
	dir = pft_test_tmpdir();
	cr_assert_not_null(dir);
}

static void teardown(void)
{
	char cmd[4300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	pft_test_run(cmd, NULL);
	free(dir);
}

TestSuite(cli_report, .init = setup, .fini = teardown);

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return pft_test_run(cmd, NULL);
}

static char *output(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *output(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	char *out = NULL;
	int code = pft_test_run(cmd, &out);
	cr_assert_eq(code, 0, "exit %d: %s", code, cmd);
	return out;
}

/* Number of entries in a directory. */
static size_t entries(const char *path)
{
	DIR *d = opendir(path);
	cr_assert_not_null(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

Test(cli_report, every_format_writes_what_stdout_gets)
{
	static const char *const formats[] = {"text", "json",        "csv",
	                                      "html", "openmetrics", "prometheus"};
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		char path[4300];
		snprintf(path, sizeof path, "%s/report.%s", dir, formats[i]);
		char *stdout_text = output("'%s' --year 2025 -f %s '%s'", PFTALLY, formats[i], LOG);
		free(output("'%s' --year 2025 --format %s -o '%s' '%s'", PFTALLY, formats[i], path,
		            LOG));
		char *file_text = pft_test_read_file(path, NULL);
		cr_assert_not_null(file_text);
		cr_expect_str_eq(file_text, stdout_text, "%s", formats[i]);
		free(file_text);
		free(stdout_text);
	}
	cr_expect_eq(entries(dir), 6, "temporary files left behind");
	char *dash = output("'%s' --year 2025 -f json -o - '%s'", PFTALLY, LOG);
	static const char head[] = "{\n  \"schema\": \"pftally-1\"";
	cr_expect_eq(strncmp(dash, head, sizeof head - 1), 0, "-o - is stdout");
	free(dash);
}

Test(cli_report, output_replaces_atomically_and_keeps_the_mode)
{
	char path[4300];
	snprintf(path, sizeof path, "%s/out.json", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("old report\n", f);
	fclose(f);
	cr_assert_eq(chmod(path, 0640), 0);
	free(output("'%s' --year 2025 -f json -o '%s' '%s'", PFTALLY, path, LOG));
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0640, "mode %o", st.st_mode & 07777);
	char *text = pft_test_read_file(path, NULL);
	cr_expect_eq(strncmp(text, "{\n", 2), 0);
	free(text);

	/* A new file: 0666 less the umask. */
	snprintf(path, sizeof path, "%s/new.txt", dir);
	free(output("umask 027 && '%s' --year 2025 -o '%s' '%s'", PFTALLY, path, LOG));
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0640, "mode %o", st.st_mode & 07777);
	cr_expect_eq(entries(dir), 2, "temporary files left behind");
}

Test(cli_report, failed_run_keeps_the_old_report)
{
	char path[4300], bad[4300];
	snprintf(path, sizeof path, "%s/out.json", dir);
	snprintf(bad, sizeof bad, "%s/broken.gz", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("old report\n", f);
	fclose(f);
	/* A run that fails as a whole (BSD stamps from a pipe, no year to infer): no report. */
	int code = run("printf 'Jun  1 10:00:00 mx1 postfix/qmgr[1]: ABCDE12345: removed\\n' | "
		       "'%s' -f json -o '%s' - 2>/dev/null", PFTALLY, path);
	cr_expect_eq(code, 1, "a failed run exits 1, not %d", code);
	char *text = pft_test_read_file(path, NULL);
	cr_expect_str_eq(text, "old report\n");
	free(text);
	cr_expect_eq(entries(dir), 1, "temporary files left behind");

	/* A corrupt input among good ones is reported and the rest still counted: exit 3 and
	 * a new report that says it is incomplete. gzip magic, then garbage: accepted when
	 * listed, fails while decoding. */
	f = fopen(bad, "wb");
	cr_assert_not_null(f);
	fwrite("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage garbage garbage", 1, 33, f);
	fclose(f);
	code = run("'%s' --year 2025 -f json -o '%s' '%s' '%s' 2>/dev/null", PFTALLY, path, bad,
		   PFT_SOURCE_DIR "/corpus/mail.log");
	cr_expect_eq(code, 3, "an incomplete run exits 3, not %d", code);
	text = pft_test_read_file(path, NULL);
	cr_expect(strstr(text, "\"complete\": false") != NULL, "%s", text);
	cr_expect(strstr(text, "broken.gz") != NULL, "the error names the file");
	long long lines = 0;
	cr_expect(pft_test_json_number(text, "lines.total", &lines) && lines > 0,
		  "the healthy input is counted");
	free(text);
	cr_expect_eq(entries(dir), 2, "temporary files left behind");
}

Test(cli_report, exit_codes)
{
	static const struct {
		const char *args;
		int code;
	} cases[] = {
		{"--format yaml", 2},
		{"--top 0", 2},
		{"--top ten", 2},
		{"--series month", 2},
		{"--table reasons", 2},
		{"--series day --table dsn", 2},
		{"--format json --series day", 2},
		{"--color sometimes", 2},
		{"--no-such-option", 2},
		{"-o /", 2},
		{"-o /nonexistent-dir/x/report.txt", 1},
		{"--series week", 0},
		{"--table relay --top 1", 0},
		{"--format csv --table dsn", 0},
		{"--color never", 0},
		{"summary --series week", 0},
		{"trace 1A2B3C4D5E", 2},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int code =
		    run("'%s' --year 2025 %s '%s' >/dev/null 2>&1", PFTALLY, cases[i].args, LOG);
		cr_expect_eq(code, cases[i].code, "%s: exit %d, want %d", cases[i].args, code,
		             cases[i].code);
	}
	cr_expect_eq(run("'%s' >/dev/null 2>&1", PFTALLY), 2, "no path");
	cr_expect_eq(run("'%s' --year 2025 '%s/missing.log' >/dev/null 2>&1", PFTALLY, dir), 1,
	             "missing input");
}

Test(cli_report, help_and_version)
{
	char *help = output("'%s' --help", PFTALLY);
	cr_expect_not_null(strstr(help, "usage: pftally"));
	cr_expect_not_null(strstr(help, "--format FMT"));
	free(help);
	char *version = output("'%s' --version", PFTALLY);
	cr_expect_str_eq(version, "pftally " PFT_VERSION "\n");
	free(version);
	free(output("'%s' -h", PFTALLY));
	free(output("'%s' -V", PFTALLY));
}

static int have_script(void)
{
	return pft_test_run("command -v script >/dev/null 2>&1", NULL) == 0;
}

Test(cli_report, colour_only_on_a_terminal_and_not_with_no_color)
{
	char *text = output("'%s' --year 2025 '%s'", PFTALLY, LOG);
	cr_expect_null(strchr(text, '\x1b'), "colour into a pipe");
	free(text);
	text = output("'%s' --year 2025 --color always '%s'", PFTALLY, LOG);
	cr_expect_not_null(strstr(text, "\x1b[1m"), "--color always");
	free(text);
	text = output("NO_COLOR=1 '%s' --year 2025 --color always '%s'", PFTALLY, LOG);
	cr_expect_not_null(strstr(text, "\x1b[1m"), "--color always wins over NO_COLOR");
	free(text);
	text = output("'%s' --year 2025 --format json --color always '%s'", PFTALLY, LOG);
	cr_expect_null(strchr(text, '\x1b'), "colour in JSON");
	free(text);
	if (!have_script())
		cr_skip_test("no script(1) to run pftally on a terminal");
	/* script(1) gives pftally a pseudo-terminal as standard output. */
	text = output("TERM=xterm script -qec \"'%s' --year 2025 --no-progress '%s'\" /dev/null",
	              PFTALLY, LOG);
	cr_expect_not_null(strstr(text, "\x1b[1m"), "no colour on a terminal");
	free(text);
	text = output("NO_COLOR=1 TERM=xterm script -qec \"'%s' --year 2025 --no-progress '%s'\" "
	              "/dev/null",
	              PFTALLY, LOG);
	cr_expect_null(strchr(text, '\x1b'), "colour despite NO_COLOR");
	free(text);
	text = output("NO_COLOR= TERM=xterm script -qec \"'%s' --year 2025 --no-progress '%s'\" "
	              "/dev/null",
	              PFTALLY, LOG);
	cr_expect_not_null(strstr(text, "\x1b[1m"), "an empty NO_COLOR does not count");
	free(text);
}

Test(cli_report, manual_page_documents_every_option_and_exit_code)
{
	char *man = pft_test_read_file(MANPAGE, NULL);
	cr_assert_not_null(man, "no %s", MANPAGE);
	char *help = output("'%s' --help", PFTALLY);
	/* Every long option of --help, as roff writes it: \-\-name. */
	int options = 0;
	for (const char *p = strstr(help, "--"); p; p = strstr(p + 2, "--")) {
		char name[64], roff[80];
		size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
		if (n == 0 || n >= sizeof name)
			continue;
		memcpy(name, p + 2, n);
		name[n] = '\0';
		size_t k = 0;
		for (size_t i = 0; i < n && k + 3 < sizeof roff; i++) {
			if (name[i] == '-')
				roff[k++] = '\\';
			roff[k++] = name[i];
		}
		roff[k] = '\0';
		char needle[96];
		snprintf(needle, sizeof needle, "\\-\\-%s", roff);
		cr_expect_not_null(strstr(man, needle), "--%s is not in the manual page", name);
		options++;
	}
	cr_expect_geq(options, 15);
	cr_expect_not_null(strstr(man, ".SH EXIT STATUS"));
	for (int code = 0; code <= 2; code++) {
		char needle[16];
		snprintf(needle, sizeof needle, ".B %d\n", code);
		cr_expect_not_null(strstr(man, needle), "exit status %d not documented", code);
	}
	cr_expect_not_null(strstr(man, "\"pftally " PFT_VERSION "\""),
	                   "the manual page's .TH names another version than " PFT_VERSION);
	free(help);
	free(man);
	if (pft_test_run("command -v groff >/dev/null 2>&1", NULL) != 0)
		cr_skip_test("no groff to check the roff");
	char *warnings = NULL;
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "groff -man -ww -z '%s' 2>&1", MANPAGE);
	cr_expect_eq(pft_test_run(cmd, &warnings), 0);
	cr_expect_str_empty(warnings, "groff: %s", warnings);
	free(warnings);
}
