#include "pft_test.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *pft_test_corpus_ext(void)
{
	static char path[4096];
	const char *env = getenv("PFT_CORPUS_EXT");
	snprintf(path, sizeof path, "%s", env && *env ? env : PFT_CORPUS_EXT_DIR);
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? path : NULL;
}

char *pft_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			char *grown = realloc(buf, cap + 1);
			if (grown == NULL) {
				free(buf);
				buf = NULL;
			}
			buf = grown;
		}
	}
	fclose(f);
	if (buf == NULL)
		return NULL;
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* The scratch directories this process made, removed when it exits (Criterion runs each
 * test in a process of its own) unless PFT_TEST_KEEP_TMP is set, to look at them. */
static char **tmpdirs;
static size_t n_tmpdirs;
static pid_t tmpdirs_owner;

/* First pass, parents before children: a test may have made a directory unreadable. */
static int open_up(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_D || type == FTW_DNR)
		chmod(path, 0700);
	return 0;
}

/* Second pass, children before parents. */
static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void remove_tmpdirs(void)
{
	if (getpid() != tmpdirs_owner) /* a forked child of the test: not its to remove */
		return;
	const char *keep = getenv("PFT_TEST_KEEP_TMP");
	for (size_t i = 0; i < n_tmpdirs; i++) {
		if (!(keep && *keep)) {
			nftw(tmpdirs[i], open_up, 16, FTW_PHYS);
			nftw(tmpdirs[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		}
		free(tmpdirs[i]);
	}
	free(tmpdirs);
	tmpdirs = NULL;
	n_tmpdirs = 0;
}

char *pft_test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof tmpl, "%s/pftally-test-XXXXXX", base && *base ? base : "/tmp");
	char *dir = mkdtemp(tmpl);
	if (dir == NULL)
		return NULL;
	if (tmpdirs_owner != getpid()) {
		/* first call in this process (or the first since it was forked) */
		tmpdirs = NULL;
		n_tmpdirs = 0;
		tmpdirs_owner = getpid();
		atexit(remove_tmpdirs);
	}
	char **grown = realloc(tmpdirs, (n_tmpdirs + 1) * sizeof *grown);
	if (grown != NULL) {
		tmpdirs = grown;
		char *kept = strdup(dir);
		if (kept != NULL)
			tmpdirs[n_tmpdirs++] = kept;
	}
	return strdup(dir);
}

int pft_test_run(const char *cmd, char **out)
{
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap + 1);
	while (buf && (got = fread(buf + n, 1, cap - n, p)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
	}
	int status = pclose(p);
	if (buf)
		buf[n] = '\0';
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
