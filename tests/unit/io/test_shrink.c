/* A mapped file that shrinks while it is read is reported, not a SIGBUS that kills the
 * process. The callback truncates the file after the first chunk, so the reader's next look
 * at the mapping (and a worker's look at a retained chunk) touches pages past the new end. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"
#include "io/io_guard.h"
#include "pft_test.h"

struct shrink_ctx {
	const char *path;
	int chunks;
	const struct pft_chunk *held;
	struct pft_chunk held_copy;
};

static enum pft_status truncate_after_first(void *arg, const struct pft_chunk *chunk)
{
	struct shrink_ctx *ctx = arg;
	if (ctx->chunks++ == 0) {
		ctx->held_copy = *chunk;
		pft_chunk_retain(chunk);
		cr_assert_eq(truncate(ctx->path, 100), 0);
	}
	return PFT_OK;
}

static char *write_log(size_t bytes)
{
	char *dir = pft_test_tmpdir(), *path = malloc(4200);
	snprintf(path, 4200, "%s/old.log", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	static const char line[] = "Jun  1 10:00:00 mx1 postfix/qmgr[1]: ABCDE12345: removed\n";
	for (size_t n = 0; n < bytes; n += sizeof line - 1)
		fputs(line, f);
	fclose(f);
	/* Not "live": an old mtime keeps it mapped rather than read(). */
	char cmd[4400];
	snprintf(cmd, sizeof cmd, "touch -d '2020-01-01' %s", path);
	cr_assert_eq(pft_test_run(cmd, NULL), 0);
	free(dir);
	return path;
}

Test(io_shrink, reader_reports_a_file_that_shrinks_while_mapped)
{
	char *path = write_log((size_t)8 << 20);
	const char *paths[] = {path};
	struct pft_inputs in;
	struct pft_error err = {0};
	cr_assert_eq(pft_inputs_expand(paths, 1, &in, &err), PFT_OK);
	cr_assert_eq(in.files[0].no_mmap, 0, "the test needs the mmap path");
	struct shrink_ctx ctx = {.path = path};
	enum pft_status st = pft_input_read(&in, 0, 64 << 10, truncate_after_first, &ctx, &err);
	cr_expect_eq(st, PFT_ERR_IO, "status %d", st);
	cr_expect(strstr(err.detail, "shrank") != NULL, "detail: %s", err.detail);
	cr_expect_str_eq(err.path, path);
	cr_expect_gt(err.offset, 0);

	/* A retained chunk of the vanished pages faults too: a worker's guard catches it. */
	cr_assert_not_null(ctx.held_copy.owner);
	volatile int caught = 0;
	sigjmp_buf jb;
	if (sigsetjmp(jb, 1) == 0) {
		pft_io_guard_jmp = &jb;
		volatile char sink = 0;
		for (size_t i = 0; i < ctx.held_copy.len; i += 4096)
			sink ^= ctx.held_copy.data[i];
		(void)sink;
		pft_io_guard_jmp = NULL;
	} else {
		caught = 1;
	}
	cr_expect(caught, "reading the truncated mapping raised no SIGBUS (kernel kept pages?)");
	pft_chunk_release(ctx.held_copy.owner);
	pft_inputs_free(&in);
	unlink(path);
	free(path);
}
