/* End-to-end tests through the pftally executable: generator ground truth, the
 * same-JSON-for-any-split property, rotation order, year inference from mtimes, and input
 * errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pft_test.h"

/* The shell expands PFT_TEST_PFTALLY: the ThreadSanitizer run points it at a TSan-built
 * pftally (Criterion itself cannot run under TSan). */
#define PFTALLY "\"${PFT_TEST_PFTALLY:-" PFT_BINARY_DIR "/pftally}\""
#define PFTGEN PFT_BINARY_DIR "/tools/pftgen"

static char *run_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *run_ok(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	char *out = NULL;
	int code = pft_test_run(cmd, &out);
	cr_assert_eq(code, 0, "command failed (%d): %s", code, cmd);
	return out;
}

/* The part of the JSON that must not depend on how the input was split. */
static char *invariant_part(char *json)
{
	char *inputs = strstr(json, "\n  \"inputs\": ");
	cr_assert_not_null(inputs, "no inputs key");
	inputs[1] = '\0';
	return json;
}

static void check_truth(const char *dir, const char *gen_args)
{
	free(run_ok(PFTGEN " %s -o %s/mail.log", gen_args, dir));
	char *json = run_ok(PFTALLY " --format json %s/mail.log", dir);
	char truth_path[4096];
	snprintf(truth_path, sizeof truth_path, "%s/mail.log.truth.json", dir);
	char *truth = pft_test_read_file(truth_path, NULL);
	cr_assert_not_null(truth, "generator wrote no truth file");
	char msg[4096];
	int bad = pft_test_json_compare_leaves(truth, json, msg, sizeof msg);
	cr_expect_eq(bad, 0, "pftgen %s: %d values differ from the truth: %s", gen_args, bad, msg);
	long long messages = 0;
	cr_expect(pft_test_json_number(json, "messages.total", &messages) && messages > 100,
		  "corpus too small to mean anything");
	free(truth);
	free(json);
}

Test(generator_truth, several_seeds_and_shapes, .timeout = 300)
{
	static const char *const shapes[] = {
		"--seed 1 --messages 3000",
		"--seed 2 --messages 3000 --stamp rfc3339 --qid long",
		"--seed 3 --messages 3000 --stamp mixed --qid mixed --hosts 3 --instances 2",
		"--seed 4 --messages 3000 --reuse-qids --noise 0.05",
		"--seed 5 --messages 20000 --hosts 2 --reuse-qids --stamp mixed --qid mixed --noise 0.02",
	};
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		char *dir = pft_test_tmpdir();
		check_truth(dir, shapes[i]);
		free(run_ok("rm -rf %s", dir));
		free(dir);
	}
}

Test(property, same_json_for_any_chunk_size_and_split, .timeout = 300)
{
	char *dir = pft_test_tmpdir();
	const char *gen = "--seed 7 --messages 4000 --hosts 2 --instances 2 --reuse-qids "
			  "--stamp mixed --qid mixed --noise 0.02";
	free(run_ok(PFTGEN " %s -o %s/one.log", gen, dir));
	free(run_ok("mkdir -p %s/set && " PFTGEN " %s --rotate 4 --compress zstd,gzip,plain,plain "
		    "-o %s/set/mail.log", dir, gen, dir));
	char *reference = invariant_part(run_ok(PFTALLY " --format json %s/one.log", dir));

	static const char *const sizes[] = {"1K", "3K", "64K", "1M", "64M"};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char *json = invariant_part(
			run_ok(PFTALLY " --format json --chunk-size %s %s/one.log", sizes[i], dir));
		cr_expect_str_eq(json, reference, "chunk size %s changes the JSON", sizes[i]);
		free(json);
	}
	/* Any thread count, with tiny and large chunks, mapped or read(). */
	static const char *const engines[] = {
		"-j 1", "-j 2", "-j 3 --chunk-size 2K", "-j 8 --chunk-size 1K", "-j 8",
		"-j 2 --no-mmap", "-j 3 --no-mmap --chunk-size 7K",
	};
	for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
		char *json = invariant_part(
			run_ok(PFTALLY " --format json %s %s/one.log", engines[i], dir));
		cr_expect_str_eq(json, reference, "%s changes the JSON", engines[i]);
		free(json);
	}
	/* Single- and multi-frame zstd (two frames concatenated, as pzstd writes). */
	char *zst = invariant_part(run_ok(
		"zstd -q -c %s/one.log > %s/one.log.zst && head -c 300000 %s/one.log > %s/a && "
		"tail -c +300001 %s/one.log > %s/b && zstd -q -c %s/a > %s/multi.zst && "
		"zstd -q -c %s/b >> %s/multi.zst && touch -r %s/one.log %s/one.log.zst %s/multi.zst && "
		PFTALLY " --format json -j 3 %s/one.log.zst",
		dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir));
	cr_expect_str_eq(zst, reference, "zstd differs from plain");
	char *multi = invariant_part(run_ok(PFTALLY " --format json -j 2 %s/multi.zst", dir));
	cr_expect_str_eq(multi, reference, "multi-frame zstd differs from plain");
	free(zst);
	free(multi);
	/* The rotated set, given newest first, and as a directory. */
	char *set = invariant_part(run_ok(PFTALLY " --format json --chunk-size 5K -j 3 "
					  "%s/set/mail.log %s/set/mail.log.1 %s/set/mail.log.2.gz "
					  "%s/set/mail.log.3.zst", dir, dir, dir, dir));
	cr_expect_str_eq(set, reference, "rotated set differs from the single file");
	char *as_dir = invariant_part(run_ok(PFTALLY " --format json %s/set", dir));
	cr_expect_str_eq(as_dir, reference, "directory differs from the single file");
	/* Many small files: file ends come often, and the merge they wait for runs on the
	 * readers that hand them in as well as on the workers. */
	free(run_ok("mkdir -p %s/many && " PFTGEN " %s --rotate 12 --compress "
		    "zstd,gzip,plain,zstd,gzip,plain,plain,zstd,gzip,plain,gzip,plain "
		    "-o %s/many/mail.log", dir, gen, dir));
	static const char *const many_engines[] = {"-j 8 --chunk-size 3K", "-j 2", "-j 1"};
	for (size_t i = 0; i < sizeof many_engines / sizeof many_engines[0]; i++) {
		char *json = invariant_part(
			run_ok(PFTALLY " --format json %s %s/many", many_engines[i], dir));
		cr_expect_str_eq(json, reference, "12 rotated files with %s differ", many_engines[i]);
		free(json);
	}
	char *gz = invariant_part(run_ok("gzip -c %s/one.log > %s/one.log.gz && touch -r %s/one.log "
					 "%s/one.log.gz && " PFTALLY " --format json %s/one.log.gz",
					 dir, dir, dir, dir, dir));
	cr_expect_str_eq(gz, reference, "gzip differs from plain");
	free(gz);
	free(as_dir);
	free(set);
	free(reference);
	free(run_ok("rm -rf %s", dir));
	free(dir);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

/* A message that starts in mail.log.1 and ends in mail.log is one message. */
Test(rotation, message_split_across_rotated_files)
{
	char *dir = pft_test_tmpdir(), path[4096];
	snprintf(path, sizeof path, "%s/mail.log.1", dir);
	write_file(path,
		   "Jun  1 10:00:00 mx1 postfix/qmgr[1]: ABC123: from=<s@a.example>, size=1, nrcpt=1 (queue active)\n"
		   "Jun  1 10:00:01 mx1 postfix/smtp[2]: ABC123: to=<r@b.example>, relay=mx.b.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (connect to mx.b.example[192.0.2.1]:25: Connection refused)\n");
	snprintf(path, sizeof path, "%s/mail.log", dir);
	write_file(path,
		   "Jun  1 11:00:00 mx1 postfix/smtp[3]: ABC123: to=<r@b.example>, relay=mx.b.example[192.0.2.1]:25, delay=3600, delays=3599/0/0/1, dsn=2.0.0, status=sent (250 ok)\n"
		   "Jun  1 11:00:01 mx1 postfix/qmgr[1]: ABC123: removed\n");
	/* Newest first on the command line: pftally must still read mail.log.1 first. */
	char *json = run_ok(PFTALLY " --format json --year 2024 %s/mail.log %s/mail.log.1", dir, dir);
	long long v;
	cr_assert(pft_test_json_number(json, "messages.total", &v));
	cr_expect_eq(v, 1);
	cr_assert(pft_test_json_number(json, "recipients.deferred_then_sent", &v));
	cr_expect_eq(v, 1);
	cr_assert(pft_test_json_number(json, "messages.pending", &v));
	cr_expect_eq(v, 0);
	cr_assert(pft_test_json_number(json, "lines.orphan_removed", &v));
	cr_expect_eq(v, 0);
	free(json);
	free(run_ok("rm -rf %s", dir));
	free(dir);
}

/* Without --year the newest file's mtime fixes the year of its last line. */
Test(year, inferred_from_newest_mtime_across_new_year)
{
	char *dir = pft_test_tmpdir(), path[4096];
	snprintf(path, sizeof path, "%s/mail.log.1", dir);
	write_file(path, "Dec 31 23:00:00 mx1 postfix/smtp[2]: A1B2C3D4E5: to=<r@b.example>, relay=none, delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (x)\n");
	snprintf(path, sizeof path, "%s/mail.log", dir);
	write_file(path, "Jan  2 08:00:00 mx1 postfix/smtp[2]: A1B2C3D4E5: to=<r@b.example>, relay=none, delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (x)\n");
	free(run_ok("touch -d '2023-01-02 09:00:00' %s/mail.log && touch -d '2023-01-01 00:00:00' "
		    "%s/mail.log.1", dir, dir));
	char *json = run_ok(PFTALLY " --format json %s", dir);
	long long v;
	cr_expect(pft_test_json_number(json, "by_day.2022-12-31.attempts.deferred", &v) && v == 1,
		  "Dec 31 belongs to 2022: %s", json);
	cr_expect(pft_test_json_number(json, "by_day.2023-01-02.attempts.deferred", &v) && v == 1);
	free(json);
	/* A last line later than the mtime (Dec 31 vs a Jan 5 mtime) is from the year before. */
	write_file(path, "Dec 31 08:00:00 mx1 postfix/smtp[2]: A1B2C3D4E5: to=<r@b.example>, relay=none, delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (x)\n");
	free(run_ok("rm %s/mail.log.1 && touch -d '2024-01-05 00:00:00' %s/mail.log", dir, dir));
	json = run_ok(PFTALLY " --format json %s/mail.log", dir);
	cr_expect(pft_test_json_number(json, "by_day.2023-12-31.attempts.deferred", &v) && v == 1,
		  "%s", json);
	free(json);
	free(run_ok("rm -rf %s", dir));
	free(dir);
}

Test(errors, unsupported_compression_names_the_file)
{
	char *dir = pft_test_tmpdir();
	char *out = NULL;
	char cmd[8192];
	snprintf(cmd, sizeof cmd,
		 "printf '\\375\\067\\172\\130\\132\\000junk' > %s/mail.log.2.xz && " PFTALLY
		 " %s/mail.log.2.xz 2>&1", dir, dir);
	int code = pft_test_run(cmd, &out);
	cr_expect_eq(code, 1, "exit code %d", code);
	cr_expect(strstr(out, "mail.log.2.xz") != NULL, "message names the file: %s", out);
	free(out);
	snprintf(cmd, sizeof cmd, PFTALLY " %s/no-such-file 2>&1", dir);
	code = pft_test_run(cmd, &out);
	cr_expect_eq(code, 1);
	cr_expect(strstr(out, "no-such-file") != NULL, "%s", out);
	free(out);
	snprintf(cmd, sizeof cmd, "head -c 1000 /dev/urandom > %s/junk.gz.part && printf '\\037\\213' "
		 "> %s/bad.gz && cat %s/junk.gz.part >> %s/bad.gz && " PFTALLY " %s/bad.gz 2>&1",
		 dir, dir, dir, dir, dir);
	code = pft_test_run(cmd, &out);
	cr_expect_eq(code, 3, "corrupt gzip: exit %d: %s", code, out);
	cr_expect(strstr(out, "bad.gz") != NULL, "%s", out);
	cr_expect(strstr(out, "at byte ") != NULL, "the message gives the offset: %s", out);
	free(out);
	snprintf(cmd, sizeof cmd, PFTALLY " --chunk-size 0 x 2>&1");
	code = pft_test_run(cmd, &out);
	cr_expect_eq(code, 2);
	free(out);
	free(run_ok("rm -rf %s", dir));
	free(dir);
}

/* The bundled corpus (a rotated gzip/zstd/plain set) reproduces its generator truth. */
Test(corpus, bundled_corpus_matches_its_truth)
{
	char *json = run_ok(PFTALLY " --format json --year 2025 " PFT_SOURCE_DIR "/corpus");
	char *truth = pft_test_read_file(PFT_SOURCE_DIR "/corpus/mail.log.truth.json", NULL);
	cr_assert_not_null(truth);
	char msg[4096];
	int bad = pft_test_json_compare_leaves(truth, json, msg, sizeof msg);
	cr_expect_eq(bad, 0, "corpus: %s", msg);
	free(truth);
	free(json);
}

/* Faulty inputs beside healthy ones: each is named with its offset, the run goes on, exits 3,
 * and every count equals that of the healthy inputs alone. */
Test(errors, faulty_inputs_leave_the_healthy_counts_unchanged)
{
	char *dir = pft_test_tmpdir();
	free(run_ok("cp " PFT_SOURCE_DIR "/corpus/mail.log* %s/ && rm %s/mail.log.truth.json", dir,
		    dir));
	char *healthy = invariant_part(run_ok(PFTALLY " --format json --year 2025 %s", dir));
	char cmd[8192], *out = NULL;
	snprintf(cmd, sizeof cmd,
		 "printf '\\375\\067\\172\\130\\132\\000junk' > %s/mail.log.4.xz && "
		 "printf '\\037\\213\\010\\000\\000\\000\\000\\000\\000\\003garbage' > %s/other.log.gz && "
		 "head -c 20000 %s/mail.log.2.gz > %s/cut.log.gz && "
		 PFTALLY " --format json --year 2025 %s 2>%s/stderr", dir, dir, dir, dir, dir, dir);
	int code = pft_test_run(cmd, &out);
	cr_expect_eq(code, 3, "exit %d", code);
	char *stderr_text = NULL;
	snprintf(cmd, sizeof cmd, "cat %s/stderr", dir);
	pft_test_run(cmd, &stderr_text);
	cr_expect(strstr(stderr_text, "mail.log.4.xz") && strstr(stderr_text, "other.log.gz") &&
			  strstr(stderr_text, "cut.log.gz"),
		  "every faulty input is named: %s", stderr_text);
	cr_expect(strstr(stderr_text, "xz -dc") != NULL, "suggests how to read xz: %s", stderr_text);
	cr_expect(strstr(out, "\"complete\": false") != NULL);
	/* cut.log.gz is its own rotation set: what decoded before the cut counts too, so compare
	 * without it for the healthy part of the statement. */
	free(out);
	snprintf(cmd, sizeof cmd, "rm %s/cut.log.gz && " PFTALLY " --format json --year 2025 %s "
		 "2>/dev/null", dir, dir);
	code = pft_test_run(cmd, &out);
	cr_expect_eq(code, 3);
	char *faulty = invariant_part(out);
	char *flag = strstr(faulty, "\"complete\": false");
	cr_assert_not_null(flag);
	memmove(flag + 16, flag + 17, strlen(flag + 17) + 1); /* "false" -> "true" */
	memcpy(flag, "\"complete\": true", 16);
	cr_expect_str_eq(faulty, healthy, "the faulty inputs changed the healthy counts");
	free(faulty);
	free(healthy);
	free(stderr_text);
	free(run_ok("rm -rf %s", dir));
	free(dir);
}
