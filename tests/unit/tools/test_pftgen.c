/* Tests of the log generator tools/pftgen itself: determinism, the internal consistency of its
 * truth file, rotated sets that are the single-file stream cut into pieces, the time span,
 * and (when pftally is built) its truth against pftally's report. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "pft_test.h"

#define PFTGEN PFT_BINARY_DIR "/tools/pftgen"
#define PFTALLY PFT_BINARY_DIR "/pftally"

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

static int run_code(const char *cmd)
{
	char *out = NULL;
	int code = pft_test_run(cmd, &out);
	free(out);
	return code;
}

static char *path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static char *read_or_fail(const char *path, size_t *len)
{
	char *text = pft_test_read_file(path, len);
	cr_assert_not_null(text, "cannot read %s", path);
	return text;
}

/* ---- a small JSON flattener: numeric leaves with their key paths joined by '\x1f' --------- */

#define SEP '\x1f'

struct leaf {
	char *path;
	long long value;
};

struct leaves {
	struct leaf *v;
	size_t n, cap;
};

static void skip_ws(const char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
}

static int read_key(const char **p, char *buf, size_t size)
{
	if (**p != '"')
		return 0;
	(*p)++;
	size_t n = 0;
	while (**p && **p != '"') {
		char c = *(*p)++;
		if (c == '\\' && **p)
			c = *(*p)++;
		if (n + 1 < size)
			buf[n++] = c;
	}
	buf[n] = '\0';
	if (**p != '"')
		return 0;
	(*p)++;
	return 1;
}

static int read_value(const char **p, char *path, size_t plen, struct leaves *out)
{
	skip_ws(p);
	if (**p == '{') {
		(*p)++;
		for (;;) {
			skip_ws(p);
			if (**p == '}') {
				(*p)++;
				return 1;
			}
			char key[512];
			if (!read_key(p, key, sizeof key))
				return 0;
			skip_ws(p);
			if (**p != ':')
				return 0;
			(*p)++;
			size_t n = strlen(path);
			snprintf(path + n, plen - n, "%s%s", n ? "\x1f" : "", key);
			if (!read_value(p, path, plen, out))
				return 0;
			path[n] = '\0';
			skip_ws(p);
			if (**p == ',')
				(*p)++;
			else if (**p != '}')
				return 0;
		}
	}
	if (**p == '"') {
		char tmp[4096];
		return read_key(p, tmp, sizeof tmp);
	}
	if (strncmp(*p, "null", 4) == 0) {
		*p += 4;
		return 1;
	}
	if (**p == '-' || isdigit((unsigned char)**p)) {
		char *end;
		long long v = strtoll(*p, &end, 10);
		if (*end == '.' || *end == 'e' || *end == 'E')
			return 0; /* the truth holds integers only */
		*p = end;
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 1024;
			out->v = realloc(out->v, out->cap * sizeof *out->v);
		}
		out->v[out->n++] = (struct leaf){strdup(path), v};
		return 1;
	}
	return 0;
}

static void flatten(const char *json, struct leaves *out)
{
	memset(out, 0, sizeof *out);
	char path[4096] = "";
	const char *p = json;
	cr_assert(read_value(&p, path, sizeof path, out), "truth is not the expected JSON near: %.60s", p);
	skip_ws(&p);
	cr_assert_eq(*p, '\0', "trailing text after the truth JSON");
}

static void free_leaves(struct leaves *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
}

/* The value at a path given with '.' between keys (keys here hold no '.'). */
static long long value_at(const struct leaves *l, const char *dotted)
{
	char want[512];
	snprintf(want, sizeof want, "%s", dotted);
	for (char *c = want; *c; c++)
		if (*c == '.')
			*c = SEP;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].path, want) == 0)
			return l->v[i].value;
	cr_assert_fail("truth has no %s", dotted);
	return 0;
}

/* Sum of the leaves SECTION.<any key>.SUFFIX (SUFFIX with '.' between keys). */
static long long sum_over(const struct leaves *l, const char *section, const char *suffix)
{
	char pre[128], suf[128];
	snprintf(pre, sizeof pre, "%s%c", section, SEP);
	snprintf(suf, sizeof suf, "%c%s", SEP, suffix);
	for (char *c = suf; *c; c++)
		if (*c == '.')
			*c = SEP;
	size_t np = strlen(pre), ns = strlen(suf);
	long long sum = 0;
	for (size_t i = 0; i < l->n; i++) {
		const char *path = l->v[i].path;
		size_t n = strlen(path);
		if (n < np + ns || strncmp(path, pre, np) != 0 || strcmp(path + n - ns, suf) != 0)
			continue;
		/* exactly one key between the section and the suffix */
		if (memchr(path + np, SEP, n - np - ns) != NULL)
			continue;
		sum += l->v[i].value;
	}
	return sum;
}

/* Sum of the direct numeric children of an object (e.g. "dsn", "programs"). */
static long long sum_children(const struct leaves *l, const char *section)
{
	char pre[128];
	snprintf(pre, sizeof pre, "%s%c", section, SEP);
	size_t np = strlen(pre);
	long long sum = 0;
	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->v[i].path, pre, np) == 0 && strchr(l->v[i].path + np, SEP) == NULL)
			sum += l->v[i].value;
	return sum;
}

static const char *const attempt_keys[] = {
	"sent", "deferred", "bounced", "softbounce", "deliverable", "undeliverable",
	"undeliverable_not_cached", "other",
};
static const char *const outcome_keys[] = {
	"sent", "bounced", "expired", "discarded", "pending", "dropped",
};
static const char *const breakdowns[] = {"by_domain", "by_relay", "by_day", "by_hour"};

static void check_consistent(const char *truth_path, const char *shape)
{
	char *json = read_or_fail(truth_path, NULL);
	struct leaves l;
	flatten(json, &l);
	char key[128];

	long long total = value_at(&l, "attempts.total"), sum = 0;
	for (size_t i = 0; i < sizeof attempt_keys / sizeof *attempt_keys; i++) {
		snprintf(key, sizeof key, "attempts.%s", attempt_keys[i]);
		sum += value_at(&l, key);
	}
	cr_expect_eq(total, sum, "%s: attempts.total %lld != sum of statuses %lld", shape, total, sum);
	cr_expect_gt(total, 0, "%s: no attempts", shape);

	long long rtotal = value_at(&l, "recipients.total");
	sum = 0;
	for (size_t i = 0; i < sizeof outcome_keys / sizeof *outcome_keys; i++) {
		snprintf(key, sizeof key, "recipients.%s", outcome_keys[i]);
		sum += value_at(&l, key);
	}
	cr_expect_eq(rtotal, sum, "%s: recipients.total %lld != sum of outcomes %lld", shape, rtotal, sum);
	long long then = value_at(&l, "recipients.deferred_then_sent") +
			 value_at(&l, "recipients.deferred_then_bounced") +
			 value_at(&l, "recipients.deferred_then_expired") +
			 value_at(&l, "recipients.deferred_then_pending");
	long long ever = value_at(&l, "recipients.deferred_ever");
	cr_expect_leq(then, ever, "%s: deferred_then_* exceed deferred_ever", shape);
	cr_expect_leq(ever, rtotal, "%s: deferred_ever > recipients", shape);
	/* every recipient had an attempt, and a bounced one a bounced attempt */
	cr_expect_leq(rtotal, total, "%s: more recipients than attempts", shape);
	cr_expect_leq(value_at(&l, "recipients.bounced"), value_at(&l, "attempts.bounced"));

	long long lines = value_at(&l, "lines.total");
	long long parts = value_at(&l, "lines.postfix") + value_at(&l, "lines.other_programs") +
			  value_at(&l, "lines.malformed");
	cr_expect_eq(lines, parts, "%s: lines.total %lld != postfix + other + malformed %lld", shape,
		     lines, parts);
	cr_expect_eq(value_at(&l, "lines.unrecognized"), 0);
	cr_expect_eq(value_at(&l, "lines.orphan_removed"), 0);
	cr_expect_eq(sum_children(&l, "programs"),
		     value_at(&l, "lines.postfix") + value_at(&l, "lines.other_programs"),
		     "%s: programs do not add up to the well-formed lines", shape);

	long long msgs = value_at(&l, "messages.total");
	cr_expect_eq(msgs, value_at(&l, "messages.closed") + value_at(&l, "messages.pending"),
		     "%s: messages.total != closed + pending", shape);
	cr_expect_eq(value_at(&l, "messages.notifications"), sum_children(&l, "notifications"),
		     "%s: messages.notifications != sum of notification kinds", shape);
	cr_expect_leq(value_at(&l, "messages.notifications"), msgs);
	cr_expect_leq(value_at(&l, "messages.expired"), value_at(&l, "messages.closed"));
	cr_expect_eq(value_at(&l, "messages.rejected"), 0);
	/* every attempt line carries a dsn= */
	cr_expect_eq(sum_children(&l, "dsn"), total, "%s: dsn histogram != attempts", shape);

	for (size_t b = 0; b < sizeof breakdowns / sizeof *breakdowns; b++) {
		const char *sec = breakdowns[b];
		long long s = sum_over(&l, sec, "attempts.total");
		cr_expect_eq(s, total, "%s: %s attempts %lld != %lld", shape, sec, s, total);
		for (size_t i = 0; i < sizeof attempt_keys / sizeof *attempt_keys; i++) {
			snprintf(key, sizeof key, "attempts.%s", attempt_keys[i]);
			s = sum_over(&l, sec, key);
			cr_expect_eq(s, value_at(&l, key), "%s: %s %s", shape, sec, key);
		}
		for (size_t i = 0; i < sizeof outcome_keys / sizeof *outcome_keys; i++) {
			snprintf(key, sizeof key, "recipients.%s", outcome_keys[i]);
			s = sum_over(&l, sec, key);
			cr_expect_eq(s, value_at(&l, key), "%s: %s %s %lld != %lld", shape, sec, key, s,
				     value_at(&l, key));
		}
	}
	free_leaves(&l);
	free(json);
}

/* ---- whole files, plain or compressed -------------------------------------------------- */

static char *read_gzip(const char *path, size_t *len)
{
	gzFile f = gzopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	int got;
	while ((got = gzread(f, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)got;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	cr_assert_geq(got, 0, "corrupt gzip %s", path);
	gzclose(f);
	*len = n;
	return buf;
}

static char *read_zstd(const char *path, size_t *len)
{
	size_t clen;
	char *comp = read_or_fail(path, &clen);
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_initDStream(ds);
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	ZSTD_inBuffer in = {comp, clen, 0};
	while (in.pos < in.size) {
		if (n == cap)
			buf = realloc(buf, cap *= 2);
		ZSTD_outBuffer out = {buf + n, cap - n, 0};
		size_t rc = ZSTD_decompressStream(ds, &out, &in);
		cr_assert(!ZSTD_isError(rc), "corrupt zstd %s: %s", path, ZSTD_getErrorName(rc));
		n += out.pos;
	}
	ZSTD_freeDStream(ds);
	free(comp);
	*len = n;
	return buf;
}

static time_t mtime_of(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0, "no file %s", path);
	return st.st_mtime;
}

/* ---- tests ------------------------------------------------------------------------------ */

Test(pftgen, usage_and_option_errors)
{
	char *out = run_ok(PFTGEN " --help");
	cr_expect(strstr(out, "--rotate") != NULL && strstr(out, "--compress") != NULL, "%s", out);
	free(out);
	cr_expect_eq(run_code(PFTGEN " --no-such-option -o /dev/null 2>/dev/null"), 2);
	cr_expect_eq(run_code(PFTGEN " --messages 10 2>/dev/null"), 2, "-o is required");
	cr_expect_eq(run_code(PFTGEN " --stamp iso -o /dev/null 2>/dev/null"), 2);
	cr_expect_eq(run_code(PFTGEN " --qid odd -o /dev/null 2>/dev/null"), 2);
	cr_expect_eq(run_code(PFTGEN " --compress lz4 -o /dev/null 2>/dev/null"), 2);
	cr_expect_eq(run_code(PFTGEN " --messages 5 --bytes 1M -o /dev/null 2>/dev/null"), 2);
	cr_expect_eq(run_code(PFTGEN " --start 2024-13-01T00:00:00 -o /dev/null 2>/dev/null"), 2);
}

Test(pftgen, same_bytes_for_the_same_seed, .timeout = 120)
{
	char *dir = pft_test_tmpdir();
	const char *opts = "--messages 2000 --hosts 2 --instances 2 --stamp mixed --qid mixed "
			   "--noise 0.05 --reuse-qids";
	free(run_ok(PFTGEN " --seed 42 %s -o %s/a.log", opts, dir));
	free(run_ok(PFTGEN " --seed 42 %s -o %s/b.log", opts, dir));
	free(run_ok(PFTGEN " --seed 43 %s -o %s/c.log", opts, dir));
	static const char *const names[][2] = {{"a.log", "b.log"}, {"a.log.truth.json", "b.log.truth.json"}};
	for (int i = 0; i < 2; i++) {
		char *pa = path_in(dir, names[i][0]), *pb = path_in(dir, names[i][1]);
		size_t na, nb;
		char *a = read_or_fail(pa, &na), *b = read_or_fail(pb, &nb);
		cr_expect(na > 0 && na == nb && memcmp(a, b, na) == 0, "%s and %s differ", pa, pb);
		if (i == 0) /* the log's mtime is its last line's time; the truth's is "now" */
			cr_expect_eq(mtime_of(pa), mtime_of(pb), "mtimes differ");
		free(a);
		free(b);
		free(pa);
		free(pb);
	}
	char *pa = path_in(dir, "a.log"), *pc = path_in(dir, "c.log");
	size_t na, nc;
	char *a = read_or_fail(pa, &na), *c = read_or_fail(pc, &nc);
	cr_expect(na != nc || memcmp(a, c, na) != 0, "another seed gives the same log");
	free(a);
	free(c);
	free(pa);
	free(pc);
	free(run_ok("rm -rf %s", dir));
	free(dir);
}

Test(pftgen, truth_is_internally_consistent, .timeout = 120)
{
	static const char *const shapes[] = {
		"--seed 1 --messages 3000",
		"--seed 2 --messages 3000 --stamp rfc3339 --qid long",
		"--seed 3 --messages 3000 --stamp mixed --qid mixed --hosts 3 --instances 2",
		"--seed 4 --messages 3000 --reuse-qids --noise 0.05",
		"--seed 6 --messages 4000 --hosts 4 --instances 5 --noise 0.3 --reuse-qids --days 30",
		"--seed 8 --bytes 2M --stamp mixed",
	};
	char *dir = pft_test_tmpdir();
	for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
		free(run_ok(PFTGEN " %s -o %s/mail.log", shapes[i], dir));
		char *truth = path_in(dir, "mail.log.truth.json");
		check_consistent(truth, shapes[i]);
		free(truth);
	}
	free(run_ok("rm -rf %s", dir));
	free(dir);
}

Test(pftgen, rotated_set_is_the_single_stream_cut, .timeout = 120)
{
	char *dir = pft_test_tmpdir();
	const char *opts = "--seed 7 --messages 4000 --hosts 2 --instances 2 --reuse-qids "
			   "--stamp mixed --qid mixed --noise 0.02";
	free(run_ok(PFTGEN " %s -o %s/one.log", opts, dir));
	free(run_ok("mkdir -p %s/set && " PFTGEN " %s --rotate 4 --compress zstd,gzip,plain,plain "
		    "-o %s/set/mail.log", dir, opts, dir));

	static const char *const pieces[] = {"set/mail.log.3.zst", "set/mail.log.2.gz",
					     "set/mail.log.1", "set/mail.log"};
	size_t total = 0, cap = 1 << 20;
	char *joined = malloc(cap);
	size_t sizes[4];
	time_t prev_mtime = 0;
	for (int k = 0; k < 4; k++) {
		char *path = path_in(dir, pieces[k]);
		size_t n;
		char *text = k == 0 ? read_zstd(path, &n) : k == 1 ? read_gzip(path, &n) : read_or_fail(path, &n);
		sizes[k] = n;
		cr_expect_gt(n, 0, "%s is empty", pieces[k]);
		cr_expect(n == 0 || text[n - 1] == '\n', "%s does not end at a line end", pieces[k]);
		while (total + n > cap)
			joined = realloc(joined, cap *= 2);
		memcpy(joined + total, text, n);
		total += n;
		time_t m = mtime_of(path);
		cr_expect_geq(m, prev_mtime, "%s is older than the piece before it", pieces[k]);
		prev_mtime = m;
		free(text);
		free(path);
	}
	/* roughly equal pieces */
	for (int k = 0; k < 4; k++)
		cr_expect(sizes[k] > total / 8 && sizes[k] < total / 2, "piece %d has %zu of %zu bytes",
			  k, sizes[k], total);

	char *one_path = path_in(dir, "one.log");
	size_t one_len;
	char *one = read_or_fail(one_path, &one_len);
	cr_expect_eq(total, one_len, "rotated set has %zu bytes, single file %zu", total, one_len);
	cr_expect(total == one_len && memcmp(joined, one, total) == 0,
		  "the rotated set is not the single file cut into pieces");
	cr_expect_eq(mtime_of(one_path), prev_mtime, "newest piece and single file differ in mtime");

	char *t1 = path_in(dir, "one.log.truth.json"), *t2 = path_in(dir, "set/mail.log.truth.json");
	size_t n1, n2;
	char *a = read_or_fail(t1, &n1), *b = read_or_fail(t2, &n2);
	cr_expect(n1 == n2 && memcmp(a, b, n1) == 0, "the rotated set has another truth");
	char *stray = path_in(dir, "set/mail.log.1.truth.json");
	cr_expect_neq(access(stray, F_OK), 0, "one truth file per set");
	free(stray);
	free(a);
	free(b);
	free(t1);
	free(t2);
	free(one);
	free(one_path);
	free(joined);
	free(run_ok("rm -rf %s", dir));
	free(dir);
}

/* A default-start run crosses New Year: the newest line, and the file's mtime, are in
 * January 2025, so BSD stamps roll over. */
Test(pftgen, default_span_crosses_new_year)
{
	char *dir = pft_test_tmpdir();
	static const char *const sizes[] = {"--messages 300", "--messages 5000", "--bytes 3M"};
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		free(run_ok(PFTGEN " --seed %zu %s -o %s/mail.log", i + 1, sizes[i], dir));
		char *path = path_in(dir, "mail.log");
		size_t n;
		char *text = read_or_fail(path, &n);
		cr_assert_gt(n, 1);
		cr_expect(strncmp(text, "Dec 20 ", 7) == 0, "first line: %.40s", text);
		const char *last = text + n - 1;
		while (last > text && last[-1] != '\n')
			last--;
		cr_expect(strncmp(last, "Jan ", 4) == 0, "%s: last line %.40s", sizes[i], last);
		time_t m = mtime_of(path);
		struct tm tm;
		localtime_r(&m, &tm);
		cr_expect(tm.tm_year + 1900 == 2025 && tm.tm_mon == 0, "%s: mtime %04d-%02d", sizes[i],
			  tm.tm_year + 1900, tm.tm_mon + 1);
		free(text);
		free(path);
	}
	free(run_ok("rm -rf %s", dir));
	free(dir);
}

Test(pftgen, bytes_option_sizes_the_output)
{
	char *dir = pft_test_tmpdir();
	free(run_ok(PFTGEN " --seed 3 --bytes 1500K -o %s/mail.log", dir));
	char *path = path_in(dir, "mail.log");
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_expect(st.st_size >= 1500 * 1024 && st.st_size < 1500 * 1024 + 64 * 1024, "size %lld",
		  (long long)st.st_size);
	free(path);
	free(run_ok("rm -rf %s", dir));
	free(dir);
}

/* The truth against pftally's report, for shapes the end-to-end test does not cover. */
Test(pftgen, truth_matches_pftally, .timeout = 300)
{
	if (access(PFTALLY, X_OK) != 0)
		cr_skip_test("pftally is not built");
	static const char *const shapes[] = {
		"--seed 21 --messages 3000 --hosts 4 --instances 5 --noise 0.2 --qid long --reuse-qids",
		"--seed 22 --bytes 3M --stamp mixed --qid mixed --start 2025-06-30T20:00:00 --days 3",
		"--seed 23 --messages 3000 --days 40 --reuse-qids --rotate 3 --compress gzip,zstd,plain",
	};
	for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
		char *dir = pft_test_tmpdir();
		free(run_ok(PFTGEN " %s -o %s/mail.log", shapes[i], dir));
		char *json = run_ok(PFTALLY " --format json %s", dir);
		char *tpath = path_in(dir, "mail.log.truth.json");
		char *truth = read_or_fail(tpath, NULL);
		char msg[4096];
		int bad = pft_test_json_compare_leaves(truth, json, msg, sizeof msg);
		cr_expect_eq(bad, 0, "pftgen %s: %d values differ from pftally: %s", shapes[i], bad, msg);
		free(truth);
		free(tpath);
		free(json);
		free(run_ok("rm -rf %s", dir));
		free(dir);
	}
}
