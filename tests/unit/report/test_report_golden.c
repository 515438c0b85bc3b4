/* Golden end-to-end outputs: every tests/golden/<case>/cmd line "FILE ARGUMENTS" runs
 * `pftally ARGUMENTS` inside the case directory (so that input paths in the reports are the
 * relative names written in cmd) and compares its standard output with FILE, byte for byte.
 *
 * Update mode: PFT_UPDATE_GOLDEN=1 rewrites the expected files from the current binary.
 * Check the numbers against the log by hand before committing them. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pft_test.h"

#define PFTALLY    PFT_BINARY_DIR "/pftally"
#define GOLDEN_DIR PFT_SOURCE_DIR "/tests/golden"

static int update_mode(void)
{
	const char *e = getenv("PFT_UPDATE_GOLDEN");
	return e && strcmp(e, "1") == 0;
}

/* Describes the first difference between expected and actual (line number and both lines). */
static void describe_diff(const char *expected, const char *actual, char *msg, size_t size)
{
	size_t line = 1, i = 0;
	while (expected[i] && expected[i] == actual[i]) {
		if (expected[i] == '\n')
			line++;
		i++;
	}
	size_t start = i;
	while (start > 0 && expected[start - 1] != '\n')
		start--;
	const char *e = expected + start, *a = actual + start;
	int el = (int)strcspn(e, "\n"), al = (int)strcspn(a, "\n");
	snprintf(msg, size, "first difference at line %zu:\n  expected: %.*s\n  actual:   %.*s",
	         line, el > 300 ? 300 : el, e, al > 300 ? 300 : al, a);
}

static int write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return 0;
	size_t n = strlen(data);
	int ok = fwrite(data, 1, n, f) == n;
	return fclose(f) == 0 && ok;
}

/* Runs one "FILE ARGUMENTS" line of a case; @return 1 if it matched (or was updated). */
static int check_line(const char *dir, const char *file, const char *args)
{
	char cmd[16384], path[8192];
	snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s", dir, PFTALLY, args);
	snprintf(path, sizeof path, "%s/%s", dir, file);
	char *actual = NULL;
	int code = pft_test_run(cmd, &actual);
	cr_expect_eq(code, 0, "%s: pftally %s exited with %d", dir, args, code);
	cr_assert_not_null(actual);
	int ok = 1;
	if (update_mode()) {
		ok = write_file(path, actual);
		cr_expect(ok, "cannot write %s", path);
		if (ok)
			fprintf(stderr, "golden: updated %s\n", path);
	} else {
		char *expected = pft_test_read_file(path, NULL);
		if (expected == NULL) {
			cr_expect_fail(
			    "%s is missing: run the tests with PFT_UPDATE_GOLDEN=1 and check "
			    "the numbers by hand",
			    path);
			ok = 0;
		} else if (strcmp(expected, actual) != 0) {
			char msg[1024];
			describe_diff(expected, actual, msg, sizeof msg);
			cr_expect_fail("%s (pftally %s) differs; %s", path, args, msg);
			ok = 0;
		}
		free(expected);
	}
	free(actual);
	return ok;
}

/* Every expected.* file of the case must be named in its cmd (no stale goldens). */
static void check_no_stale(const char *dir, const char *cmd_text)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "expected", 8) != 0)
			continue;
		char needle[300];
		snprintf(needle, sizeof needle, "\n%s ", e->d_name);
		cr_expect(strstr(cmd_text, needle) != NULL,
		          "%s/%s is not produced by any line of cmd", dir, e->d_name);
	}
	closedir(d);
}

static int run_case(const char *name)
{
	char dir[4096], cmd_path[4200];
	snprintf(dir, sizeof dir, "%s/%s", GOLDEN_DIR, name);
	snprintf(cmd_path, sizeof cmd_path, "%s/cmd", dir);
	char *text = pft_test_read_file(cmd_path, NULL);
	cr_assert_not_null(text, "%s has no cmd file", dir);
	int lines = 0, ok = 1;
	/* A leading newline lets check_no_stale search for "\nFILE ". */
	size_t len = strlen(text);
	char *copy = malloc(len + 2);
	cr_assert_not_null(copy);
	copy[0] = '\n';
	memcpy(copy + 1, text, len + 1);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		line += strspn(line, " \t");
		if (*line == '\0' || *line == '#')
			continue;
		size_t file_len = strcspn(line, " \t");
		cr_assert(line[file_len] != '\0', "%s: line without arguments: %s", cmd_path, line);
		line[file_len] = '\0';
		const char *args = line + file_len + 1;
		args += strspn(args, " \t");
		ok &= check_line(dir, line, args);
		lines++;
	}
	cr_expect_gt(lines, 0, "%s runs nothing", cmd_path);
	if (!update_mode())
		check_no_stale(dir, copy);
	free(copy);
	free(text);
	return ok;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(golden, every_case_matches, .timeout = 300)
{
	DIR *d = opendir(GOLDEN_DIR);
	cr_assert_not_null(d, "no %s", GOLDEN_DIR);
	char *names[256];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < 256) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s/cmd", GOLDEN_DIR, e->d_name);
		if (e->d_name[0] != '.' && stat(path, &st) == 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof names[0], by_name);
	cr_expect_geq(n, 4, "expected the golden cases basic, empty, hostile, weeks; found %zu", n);
	for (size_t i = 0; i < n; i++) {
		run_case(names[i]);
		free(names[i]);
	}
}
