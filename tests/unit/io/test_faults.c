/* Faulty inputs beside healthy ones (issue 7), one test per fault, through the pftally
 * executable: the fault is named on standard error with the file and the byte offset, the run
 * exits 3 (incomplete: src/cli/pftally.1) with "complete": false and the file in
 * inputs.errors, and every count is what the healthy inputs give: alone when the faulty file
 * yields nothing, or with a plain file of exactly the lines the faulty one held before its
 * fault (those are read and counted, not dropped). Files that are not faults (empty files, a
 * directory that links to itself) change nothing and exit 0. Files that grow or shrink while
 * read are driven through the reader directly, which can act between chunks. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "io/io.h"
#include "pft_test.h"

/* The shell expands PFT_TEST_PFTALLY (as in tests/unit/cli/test_e2e.c). */
#define PFTALLY "\"${PFT_TEST_PFTALLY:-" PFT_BINARY_DIR "/pftally}\""
#define PFTGEN PFT_BINARY_DIR "/tools/pftgen"

/* ---- files ------------------------------------------------------------------------------- */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		cr_assert_not_null(b->p);
	}
	if (n > 0)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

static char *path_join(const char *dir, const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);
	cr_assert_not_null(p);
	sprintf(p, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "cannot write %s", path);
	if (len > 0)
		cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	cr_assert_eq(pft_test_run(cmd, NULL), 0, "failed: %s", cmd);
}

/* One gzip member of data, as gzip writes it. */
static void gzip_member(struct buf *out, const char *data, size_t len)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	cr_assert_eq(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	const size_t cap = deflateBound(&zs, (uLong)len) + 64;
	unsigned char *tmp = malloc(cap);
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	zs.next_out = tmp;
	zs.avail_out = (uInt)cap;
	cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	buf_add(out, tmp, zs.total_out);
	deflateEnd(&zs);
	free(tmp);
}

/* One zstd frame of data, with content size and checksum, as the zstd CLI writes it. */
static void zstd_frame(struct buf *out, const char *data, size_t len)
{
	const size_t cap = ZSTD_compressBound(len);
	void *tmp = malloc(cap);
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	cr_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)));
	const size_t n = ZSTD_compress2(cctx, tmp, cap, data, len);
	cr_assert(!ZSTD_isError(n));
	ZSTD_freeCCtx(cctx);
	buf_add(out, tmp, n);
	free(tmp);
}

/* What zlib decodes of a damaged gzip file before it stops. */
static size_t gunzip_prefix(const struct buf *gz, char *out, size_t cap)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	cr_assert_eq(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
	zs.next_in = gz->p;
	zs.avail_in = (uInt)gz->len;
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)cap;
	(void)inflate(&zs, Z_SYNC_FLUSH);
	const size_t n = zs.total_out;
	inflateEnd(&zs);
	return n;
}

/* What libzstd's streaming decoder decodes of a damaged zstd file before it stops. */
static size_t unzstd_prefix(const struct buf *z, char *out, size_t cap)
{
	/* A byte per call: a failing call has nothing else to lose (libzstd does not count the
	 * text of a call that fails). */
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_outBuffer ob = {out, cap, 0};
	ZSTD_inBuffer ib = {z->p, 0, 0};
	size_t ret = 0;
	while (!ZSTD_isError(ret) && ib.pos < z->len) {
		ib.size = ib.pos + 1;
		ret = ZSTD_decompressStream(ds, &ob, &ib);
	}
	ZSTD_freeDStream(ds);
	return ob.pos;
}

/* The length of text[0..n) up to its last '\n'. */
static size_t whole_lines(const char *text, size_t n)
{
	while (n > 0 && text[n - 1] != '\n')
		n--;
	return n;
}

/* ---- runs -------------------------------------------------------------------------------- */

struct fixture {
	char *base;             /* scratch directory */
	char *healthy;          /* base/healthy: the bundled corpus, a gzip/zstd/plain rotation */
	char *side;             /* base/side: the faulty file, then its stand-in */
	char *healthy_json;     /* counts of the healthy inputs alone */
	char *text_a, *text_b;  /* two other logs (pftgen), whole lines */
	size_t len_a, len_b;
};

struct run {
	int code;
	char *json;
	char *err;              /* standard error */
};

/* Prepended to the pftally command: e.g. a command that drops root's privileges. */
static const char *run_as = "";

static struct run run_pftally(const struct fixture *fx, const char *args)
{
	struct run r;
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "%s" PFTALLY " --format json --year 2025 %s 2>'%s/stderr'", run_as,
		 args, fx->base);
	r.code = pft_test_run(cmd, &r.json);
	cr_assert_not_null(r.json);
	char *path = path_join(fx->base, "stderr");
	r.err = pft_test_read_file(path, NULL);
	cr_assert_not_null(r.err);
	free(path);
	return r;
}

static void run_free(struct run *r)
{
	free(r->json);
	free(r->err);
}

/* The counts: the report before "inputs", "complete" left out. */
static char *counts(const char *json)
{
	const char *inputs = strstr(json, "\n  \"inputs\": ");
	cr_assert_not_null(inputs, "no inputs key: %.200s", json);
	char *c = strndup(json, (size_t)(inputs - json));
	char *flag = strstr(c, "\"complete\": ");
	cr_assert_not_null(flag);
	const char *eol = strchr(flag, '\n');
	memmove(flag, eol, strlen(eol) + 1);
	return c;
}

static char *read_log(const char *path, size_t *len)
{
	char *t = pft_test_read_file(path, len);
	cr_assert_not_null(t, "%s", path);
	return t;
}

static void fixture_init(struct fixture *fx)
{
	memset(fx, 0, sizeof *fx);
	fx->base = pft_test_tmpdir();
	cr_assert_not_null(fx->base);
	fx->healthy = path_join(fx->base, "healthy");
	fx->side = path_join(fx->base, "side");
	sh("mkdir '%s' '%s' && cp -p " PFT_SOURCE_DIR "/corpus/mail.log " PFT_SOURCE_DIR
	   "/corpus/mail.log.1.zst " PFT_SOURCE_DIR "/corpus/mail.log.2.gz '%s'/",
	   fx->healthy, fx->side, fx->healthy);
	sh(PFTGEN " --seed 11 --messages 400 -o '%s/a.txt' >/dev/null 2>&1 && " PFTGEN
	   " --seed 12 --messages 400 -o '%s/b.txt' >/dev/null 2>&1",
	   fx->base, fx->base);
	char *a = path_join(fx->base, "a.txt"), *b = path_join(fx->base, "b.txt");
	fx->text_a = read_log(a, &fx->len_a);
	fx->text_b = read_log(b, &fx->len_b);
	cr_assert_gt(fx->len_a, 10000);
	cr_assert_eq(fx->text_a[fx->len_a - 1], '\n');
	free(a);
	free(b);
	char args[4200];
	snprintf(args, sizeof args, "'%s'", fx->healthy);
	struct run r = run_pftally(fx, args);
	cr_assert_eq(r.code, 0, "the healthy corpus: exit %d: %s", r.code, r.err);
	fx->healthy_json = counts(r.json);
	run_free(&r);
}

static void fixture_free(struct fixture *fx)
{
	sh("chmod -R u+rwx '%s'; rm -rf '%s'", fx->base, fx->base);
	free(fx->base);
	free(fx->healthy);
	free(fx->side);
	free(fx->healthy_json);
	free(fx->text_a);
	free(fx->text_b);
}

/* The entry of inputs.errors for path: @return its offset. */
static unsigned long long json_error_offset(const char *json, const char *path)
{
	const char *errors = strstr(json, "\"errors\": [");
	cr_assert_not_null(errors);
	char key[4300];
	snprintf(key, sizeof key, "{\"path\": \"%s\", \"offset\": ", path);
	const char *e = strstr(errors, key);
	cr_assert_not_null(e, "%s is not in inputs.errors: %s", path, errors);
	return strtoull(e + strlen(key), NULL, 10);
}

/* inputs.files' line count for path, or -1 when it is not listed. */
static long long json_file_lines(const char *json, const char *path)
{
	char key[4300];
	snprintf(key, sizeof key, "{\"path\": \"%s\", \"format\": ", path);
	const char *f = strstr(json, key);
	if (f == NULL)
		return -1;
	const char *l = strstr(f, "\"lines\": ");
	cr_assert_not_null(l);
	return strtoll(l + 9, NULL, 10);
}

/* Runs the healthy inputs with the faulty file `name` (made of fault[]) and checks: exit 3,
 * listed in inputs.errors with an offset in [off_lo, off_hi] (0: the error has none), named on
 * stderr with that offset and `detail`, "complete": false, and the counts of the healthy
 * inputs plus a plain file of want_text[0..want_len) at the same place (none when want_len
 * is 0). */
static void check_fault(struct fixture *fx, const char *name, const struct buf *fault,
			uint64_t off_lo, uint64_t off_hi, const char *detail,
			const char *want_text, size_t want_len)
{
	char *faulty = path_join(fx->side, name);
	write_file(faulty, fault->p, fault->len);
	char args[8400];
	snprintf(args, sizeof args, "'%s' '%s'", fx->healthy, faulty);
	struct run r = run_pftally(fx, args);
	cr_assert_eq(r.code, 3, "%s: exit %d (3: incomplete): %s", name, r.code, r.err);
	cr_assert_not_null(strstr(r.err, faulty), "%s: the message names the file: %s", name,
			   r.err);
	const unsigned long long offset = json_error_offset(r.json, faulty);
	cr_assert(offset >= off_lo && offset <= off_hi, "%s: offset %llu, not in [%llu, %llu]",
		  name, offset, (unsigned long long)off_lo, (unsigned long long)off_hi);
	if (offset > 0) {
		char at[64];
		snprintf(at, sizeof at, " at byte %llu", offset);
		cr_assert_not_null(strstr(r.err, at), "%s: the message gives the offset%s: %s",
				   name, at, r.err);
	}
	cr_assert_not_null(strstr(r.err, detail), "%s: \"%s\" not in: %s", name, detail, r.err);
	cr_assert_not_null(strstr(r.json, "\"complete\": false"));
	const long long lines = json_file_lines(r.json, faulty);
	char *got = counts(r.json);
	unlink(faulty);

	/* What the healthy inputs give, with the faulty file's lines read before the fault as
	 * a plain file at the same place (same rotation set, same order). */
	const char *want = fx->healthy_json;
	char *with_lines = NULL;
	if (want_len > 0) {
		char *stand_in = path_join(fx->side, "other.log");
		write_file(stand_in, want_text, want_len);
		snprintf(args, sizeof args, "'%s' '%s'", fx->healthy, stand_in);
		struct run w = run_pftally(fx, args);
		cr_assert_eq(w.code, 0, "%s", w.err);
		const long long want_lines = json_file_lines(w.json, stand_in);
		cr_assert_eq(lines, want_lines, "%s: %lld lines read before the fault, %lld expected",
			     name, lines, want_lines);
		with_lines = counts(w.json);
		want = with_lines;
		run_free(&w);
		unlink(stand_in);
		free(stand_in);
	} else {
		cr_assert(lines <= 0, "%s: %lld lines read from it", name, lines);
	}
	cr_assert_str_eq(got, want, "%s: the counts differ from those of the healthy inputs", name);
	free(with_lines);
	free(got);
	run_free(&r);
	free(faulty);
}

/* ---- compressed data that fails part-way -------------------------------------------------- */

Test(faults, truncated_gzip, .timeout = 120)
{
	struct fixture fx;
	fixture_init(&fx);
	/* A whole member of text A, then one of text B cut inside its first deflate block:
	 * all of A counts. */
	struct buf gz = {0}, b = {0};
	gzip_member(&gz, fx.text_a, fx.len_a);
	const size_t first = gz.len;
	gzip_member(&b, fx.text_b, fx.len_b);
	buf_add(&gz, b.p, 20);
	check_fault(&fx, "other.log.gz", &gz, first + 20, first + 20, "truncated gzip member",
		    fx.text_a, fx.len_a);

	/* One member cut in the middle: the lines before the cut count, with either inflater. */
	for (int zlib = 0; zlib < 2; zlib++) {
		if (zlib)
			setenv("PFT_FORCE_INFLATE", "zlib", 1);
		struct buf cut = {0};
		gzip_member(&cut, fx.text_b, fx.len_b);
		cut.len /= 2;
		char *prefix = malloc(fx.len_b);
		const size_t n = whole_lines(prefix, gunzip_prefix(&cut, prefix, fx.len_b));
		cr_assert_gt(n, fx.len_b / 4, "the first half holds lines");
		cr_assert(memcmp(prefix, fx.text_b, n) == 0);
		check_fault(&fx, "other.log.gz", &cut, cut.len, cut.len, "truncated gzip member",
			    prefix, n);
		free(prefix);
		free(cut.p);
		unsetenv("PFT_FORCE_INFLATE");
	}
	free(gz.p);
	free(b.p);
	fixture_free(&fx);
}

Test(faults, truncated_zstd, .timeout = 120)
{
	struct fixture fx;
	fixture_init(&fx);
	/* Two whole frames of text A, then one of text B cut inside its first block. */
	struct buf z = {0}, b = {0};
	zstd_frame(&z, fx.text_a, fx.len_a / 2);
	zstd_frame(&z, fx.text_a + fx.len_a / 2, fx.len_a - fx.len_a / 2);
	const size_t first = z.len;
	zstd_frame(&b, fx.text_b, fx.len_b);
	buf_add(&z, b.p, 200);
	check_fault(&fx, "other.log.zst", &z, first + 200, first + 200, "truncated zstd frame",
		    fx.text_a, fx.len_a);

	/* One frame cut in the middle: the lines of its whole blocks count. */
	struct buf cut = {0};
	cut.len = b.len / 2;
	cut.p = b.p;
	char *prefix = malloc(fx.len_b);
	const size_t n = whole_lines(prefix, unzstd_prefix(&cut, prefix, fx.len_b));
	cr_assert_gt(n, (size_t)128 << 10, "the first half holds whole blocks");
	cr_assert(memcmp(prefix, fx.text_b, n) == 0);
	check_fault(&fx, "other.log.zst", &cut, cut.len, cut.len, "truncated zstd frame", prefix,
		    n);
	free(prefix);
	free(z.p);
	free(b.p);
	fixture_free(&fx);
}

Test(faults, corrupt_gzip_crc, .timeout = 120)
{
	struct fixture fx;
	fixture_init(&fx);
	/* The CRC-32 is checked after the member's text was decoded: all of it counts. */
	for (int zlib = 0; zlib < 2; zlib++) {
		if (zlib)
			setenv("PFT_FORCE_INFLATE", "zlib", 1);
		struct buf gz = {0};
		gzip_member(&gz, fx.text_a, fx.len_a);
		gz.p[gz.len - 8] ^= 0x01;       /* the trailer: CRC-32, then ISIZE */
		/* named with an offset in the trailer (ISA-L and zlib stop at different bytes) */
		check_fault(&fx, "other.log.gz", &gz, gz.len - 8, gz.len, "corrupt gzip member",
			    fx.text_a, fx.len_a);
		free(gz.p);
		unsetenv("PFT_FORCE_INFLATE");
	}
	fixture_free(&fx);
}

Test(faults, corrupt_zstd_checksum, .timeout = 120)
{
	struct fixture fx;
	fixture_init(&fx);
	/* The checksum follows the frame's last block: all of its text counts, and the error
	 * is at the checksum. */
	struct buf z = {0};
	zstd_frame(&z, fx.text_a, fx.len_a);
	z.p[z.len - 2] ^= 0x40;
	check_fault(&fx, "other.log.zst", &z, z.len - 4, z.len - 4,
		    "Restored data doesn't match checksum", fx.text_a, fx.len_a);
	free(z.p);
	fixture_free(&fx);
}

Test(faults, gzip_member_followed_by_garbage, .timeout = 120)
{
	struct fixture fx;
	fixture_init(&fx);
	struct buf gz = {0};
	gzip_member(&gz, fx.text_a, fx.len_a);
	const size_t member = gz.len;
	buf_add(&gz, "this is not gzip\n", 17);
	check_fault(&fx, "other.log.gz", &gz, member, member, "trailing garbage", fx.text_a,
		    fx.len_a);
	free(gz.p);
	fixture_free(&fx);
}

/* ---- inputs that cannot be read at all ---------------------------------------------------- */

Test(faults, unsupported_compression_xz_bzip2_lz4, .timeout = 120)
{
	struct fixture fx;
	fixture_init(&fx);
	static const struct {
		const char *tool, *name, *magic, *command;
		size_t magic_len;
	} kinds[] = {
		{"xz", "other.log.xz", "\xfd" "7zXZ\0\0\4\xe6\xd6\xb4\x46", "xz -dc", 12},
		{"bzip2", "other.log.bz2", "BZh91AY&SY", "bzip2 -dc", 10},
		{"lz4", "other.log.lz4", "\x04\x22\x4d\x18\x64\x40\xa7", "lz4 -dc", 7},
	};
	char *src = path_join(fx.base, "a.txt");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		/* made by the tool when it is installed, else its magic number and junk */
		struct buf data = {0};
		char cmd[8192], *made = path_join(fx.base, "made");
		snprintf(cmd, sizeof cmd, "%s -c < '%s' > '%s' 2>/dev/null", kinds[i].tool, src,
			 made);
		size_t n = 0;
		char *bytes = pft_test_run(cmd, NULL) == 0 ? pft_test_read_file(made, &n) : NULL;
		if (bytes != NULL && n > 0) {
			buf_add(&data, bytes, n);
		} else {
			cr_log_info("%s not installed: its magic number only", kinds[i].tool);
			buf_add(&data, kinds[i].magic, kinds[i].magic_len);
			buf_add(&data, "and some more bytes\n", 20);
		}
		free(bytes);
		unlink(made);
		free(made);
		/* the message says how to read it: `xz -dc PATH | pftally -` */
		char *faulty = path_join(fx.side, kinds[i].name);
		char hint[4400];
		snprintf(hint, sizeof hint, "decompress with `%s %s | pftally -`", kinds[i].command,
			 faulty);
		check_fault(&fx, kinds[i].name, &data, 0, 0, hint, NULL, 0);
		free(faulty);
		free(data.p);
	}
	free(src);
	fixture_free(&fx);
}

Test(faults, unreadable_file, .timeout = 120)
{
	struct fixture fx;
	fixture_init(&fx);
	char *faulty = path_join(fx.side, "other.log");
	write_file(faulty, fx.text_a, fx.len_a);
	cr_assert_eq(chmod(faulty, 0), 0);
	if (geteuid() == 0) {
		/* Root reads a file whatever its mode (CI runs as root): run pftally as nobody,
		 * with the scratch tree (but the faulty file) readable by all. */
		if (pft_test_run("command -v setpriv >/dev/null", NULL) != 0)
			cr_skip_test("running as root without setpriv(1) to drop privileges: chmod 000 "
				     "cannot make a file unreadable");
		sh("chmod -R a+rX '%s' && chmod 0 '%s'", fx.base, faulty);
		run_as = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
		char probe[8192];
		snprintf(probe, sizeof probe,
			 "%s" PFTALLY " --version >/dev/null 2>&1 && %stest -r '%s/mail.log'", run_as,
			 run_as, fx.healthy);
		if (pft_test_run(probe, NULL) != 0) {
			run_as = "";
			cr_skip_test("running as root, and nobody cannot run " PFTALLY " or read the "
				     "scratch files (a directory above is private): chmod 000 cannot make "
				     "a file unreadable");
		}
	}
	char args[8400];
	snprintf(args, sizeof args, "'%s' '%s'", fx.healthy, faulty);
	struct run r = run_pftally(&fx, args);
	run_as = "";
	cr_assert_eq(r.code, 3, "exit %d: %s", r.code, r.err);
	cr_assert_not_null(strstr(r.err, faulty), "%s", r.err);
	cr_assert_not_null(strstr(r.err, strerror(EACCES)), "%s", r.err);
	cr_assert_eq(json_error_offset(r.json, faulty), 0);
	char *got = counts(r.json);
	cr_assert_str_eq(got, fx.healthy_json);
	free(got);
	run_free(&r);
	free(faulty);
	fixture_free(&fx);
}

Test(faults, missing_file, .timeout = 120)
{
	struct fixture fx;
	fixture_init(&fx);
	char *faulty = path_join(fx.side, "mail.log.7.gz");
	char args[8400];
	snprintf(args, sizeof args, "'%s' '%s'", fx.healthy, faulty);
	struct run r = run_pftally(&fx, args);
	cr_assert_eq(r.code, 3, "exit %d: %s", r.code, r.err);
	cr_assert_not_null(strstr(r.err, faulty), "%s", r.err);
	cr_assert_not_null(strstr(r.err, strerror(ENOENT)), "%s", r.err);
	cr_assert_not_null(strstr(r.json, "\"complete\": false"));
	cr_assert_eq(json_error_offset(r.json, faulty), 0);
	char *got = counts(r.json);
	cr_assert_str_eq(got, fx.healthy_json);
	free(got);
	run_free(&r);
	free(faulty);
	fixture_free(&fx);
}

/* ---- not faults --------------------------------------------------------------------------- */

/* A directory holding links to itself (one named like a rotated log) and to its parent: the
 * expansion does not descend into directories, so it ends, reads each file once, and the
 * result is the healthy one. */
Test(faults, directory_loop_through_symlinks, .timeout = 120)
{
	struct fixture fx;
	fixture_init(&fx);
	sh("cd '%s' && ln -s . mail.log.9 && ln -s .. parent.log && mkdir sub && "
	   "ln -s ../.. sub/mail.log && ln -s '%s' loop",
	   fx.healthy, fx.healthy);
	char args[8400];
	snprintf(args, sizeof args, "'%s' '%s/loop' '%s/loop/loop/mail.log.9' '%s/sub'",
		 fx.healthy, fx.healthy, fx.healthy, fx.healthy);
	struct run r = run_pftally(&fx, args);
	cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
	cr_assert_not_null(strstr(r.json, "\"complete\": true"));
	char *got = counts(r.json);
	cr_assert_str_eq(got, fx.healthy_json, "a file was read twice, or not at all");
	free(got);
	run_free(&r);
	fixture_free(&fx);
}

/* Empty files (plain, an empty gzip member, an empty zstd frame, a zero-byte "gz") are inputs
 * of 0 lines, not errors. */
Test(faults, empty_files_are_inputs_of_no_lines, .timeout = 120)
{
	struct fixture fx;
	fixture_init(&fx);
	struct buf gz = {0}, zst = {0};
	gzip_member(&gz, "", 0);
	zstd_frame(&zst, "", 0);
	char *names[4] = {path_join(fx.side, "empty.log"), path_join(fx.side, "other.log.1.gz"),
			  path_join(fx.side, "other.log.2.zst"), path_join(fx.side, "zero.log.gz")};
	write_file(names[0], "", 0);
	write_file(names[1], gz.p, gz.len);
	write_file(names[2], zst.p, zst.len);
	write_file(names[3], "", 0);
	char args[8400];
	snprintf(args, sizeof args, "'%s' '%s'", fx.healthy, fx.side);
	struct run r = run_pftally(&fx, args);
	cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
	cr_assert_not_null(strstr(r.json, "\"complete\": true"));
	for (int i = 0; i < 4; i++)
		cr_assert_eq(json_file_lines(r.json, names[i]), 0, "%s: not an input of 0 lines",
			     names[i]);
	char *got = counts(r.json);
	cr_assert_str_eq(got, fx.healthy_json);
	free(got);
	run_free(&r);
	for (int i = 0; i < 4; i++)
		free(names[i]);
	free(gz.p);
	free(zst.p);
	fixture_free(&fx);
}

/* `copytruncate` rotation: the logger keeps writing at its old offset, so the file starts
 * with a hole of NULs (here longer than the bytes the format sniffer looks at). It is a log,
 * not binary data, and its lines count as if the hole were not there. */
Test(faults, copytruncate_hole_of_nuls_is_read_as_text, .timeout = 120)
{
	struct fixture fx;
	fixture_init(&fx);
	const size_t hole = 20000;
	struct buf with_hole = {0};
	char *zeros = calloc(1, hole);
	cr_assert_not_null(zeros);
	buf_add(&with_hole, zeros, hole);
	buf_add(&with_hole, fx.text_a, fx.len_a);
	char *holed = path_join(fx.side, "mail.log"), *plain = path_join(fx.base, "plain.log");
	write_file(holed, with_hole.p, with_hole.len);
	write_file(plain, fx.text_a, fx.len_a);
	char args[4200];
	snprintf(args, sizeof args, "'%s'", holed);
	struct run r = run_pftally(&fx, args);
	cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
	snprintf(args, sizeof args, "'%s'", plain);
	struct run want = run_pftally(&fx, args);
	cr_assert_eq(want.code, 0);
	char *got = counts(r.json), *expected = counts(want.json);
	cr_assert_str_eq(got, expected);
	free(got);
	free(expected);
	run_free(&r);
	run_free(&want);
	free(holed);
	free(plain);
	free(zeros);
	free(with_hole.p);
	fixture_free(&fx);
}

/* ---- files that change while they are read ------------------------------------------------ */

struct change_ctx {
	const char *path;
	int shrink;             /* else grow */
	int chunks;
	struct buf text;
};

static const char log_line[] = "Jun  1 10:00:00 mx1 postfix/qmgr[1]: ABCDE12345: removed\n";

/* After the first chunk, the file grows by 1000 lines or is cut to 100 bytes. */
static enum pft_status change_after_first(void *arg, const struct pft_chunk *chunk)
{
	struct change_ctx *ctx = arg;
	buf_add(&ctx->text, chunk->data, chunk->len);
	if (ctx->chunks++ == 0) {
		if (ctx->shrink) {
			cr_assert_eq(truncate(ctx->path, 100), 0);
		} else {
			FILE *f = fopen(ctx->path, "a");
			cr_assert_not_null(f);
			for (int i = 0; i < 1000; i++)
				fputs(log_line, f);
			cr_assert_eq(fclose(f), 0);
		}
	}
	return PFT_OK;
}

static char *write_big_log(const char *dir, size_t bytes, int old)
{
	char *path = path_join(dir, "mail.log");
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	for (size_t n = 0; n < bytes; n += sizeof log_line - 1)
		fputs(log_line, f);
	cr_assert_eq(fclose(f), 0);
	if (old)        /* not "live": it is mapped */
		sh("touch -d '2020-01-01' '%s'", path);
	return path;
}

static void read_changing(int shrink, int mapped)
{
	char *dir = pft_test_tmpdir();
	char *path = write_big_log(dir, (size_t)4 << 20, mapped);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	const uint64_t size = (uint64_t)st.st_size;
	const char *paths[] = {path};
	struct pft_inputs in;
	struct pft_error err = {0};
	cr_assert_eq(pft_inputs_expand(paths, 1, &in, &err), PFT_OK);
	cr_assert_eq(in.files[0].no_mmap, !mapped);
	struct change_ctx ctx = {.path = path, .shrink = shrink};
	const enum pft_status s = pft_input_read(&in, 0, 64 << 10, change_after_first, &ctx, &err);
	const char *how = mapped ? "mapped" : "read()";
	if (!shrink) {
		/* Read as it was when opened (mapped), or up to where read() found its end:
		 * whole lines either way, no error. */
		cr_assert_eq(s, PFT_OK, "%s: %s", how, err.detail);
		if (mapped)
			cr_assert_eq(ctx.text.len, size);
		else
			cr_assert_eq(ctx.text.len, size + 1000 * (sizeof log_line - 1));
		for (size_t at = 0; at < ctx.text.len; at += sizeof log_line - 1)
			cr_assert(memcmp(ctx.text.p + at, log_line, sizeof log_line - 1) == 0,
				  "%s: text differs at %zu", how, at);
	} else {
		/* The lines before the cut are read; the loss is reported, with where it
		 * begins. */
		cr_assert_eq(s, PFT_ERR_IO, "%s: %s", how, pft_status_str(s));
		cr_assert_not_null(strstr(err.detail, "shrank"), "%s: %s", how, err.detail);
		cr_assert_str_eq(err.path, path);
		cr_assert_gt(err.offset, 0);
		cr_assert_lt(err.offset, size);
		cr_assert_gt(ctx.text.len, ((size_t)64 << 10) - sizeof log_line, "%s: the first chunk",
			     how);
	}
	free(ctx.text.p);
	pft_inputs_free(&in);
	sh("rm -rf '%s'", dir);
	free(path);
	free(dir);
}

Test(faults, file_that_grows_while_read)
{
	read_changing(0, 1);
	read_changing(0, 0);
}

/* The mapped case, and what a worker does with a retained chunk of it, is in test_shrink.c. */
Test(faults, file_that_shrinks_while_read)
{
	read_changing(1, 1);
	read_changing(1, 0);
}

/* ---- the reader itself: the lines before a fault are handed out --------------------------- */

static enum pft_status collect(void *arg, const struct pft_chunk *chunk)
{
	buf_add(arg, chunk->data, chunk->len);
	return PFT_OK;
}

/* Reads path (chunk size 1 MiB: most of the text is still in the line buffer at the fault)
 * and checks that exactly want[0..want_len) was handed out before the error. */
static void check_salvaged(const char *path, const char *want, size_t want_len, uint64_t at,
			   const char *what)
{
	const char *paths[] = {path};
	struct pft_inputs in;
	struct pft_error err = {0};
	cr_assert_eq(pft_inputs_expand(paths, 1, &in, &err), PFT_OK);
	struct buf got = {0};
	const enum pft_status s = pft_input_read(&in, 0, (size_t)1 << 20, collect, &got, &err);
	cr_assert_eq(s, PFT_ERR_CORRUPT, "%s: %s", what, pft_status_str(s));
	cr_assert_eq(err.offset, at, "%s: error at %llu", what, (unsigned long long)err.offset);
	cr_assert_eq(got.len, want_len, "%s: %zu bytes handed out, %zu expected", what, got.len,
		     want_len);
	cr_assert(want_len == 0 || memcmp(got.p, want, want_len) == 0, "%s", what);
	free(got.p);
	pft_inputs_free(&in);
}

Test(faults, lines_decoded_before_a_fault_are_handed_out, .timeout = 120)
{
	char *dir = pft_test_tmpdir();
	sh(PFTGEN " --seed 13 --messages 300 -o '%s/t.txt' >/dev/null 2>&1", dir);
	char *t = path_join(dir, "t.txt");
	size_t len;
	char *text = read_log(t, &len);
	char *gz_path = path_join(dir, "mail.log.1.gz"), *zst_path = path_join(dir, "mail.log.2.zst");

	struct buf gz = {0};
	gzip_member(&gz, text, len);
	gz.len = gz.len * 2 / 3;
	write_file(gz_path, gz.p, gz.len);
	char *ref = malloc(len);
	const size_t n_gz = whole_lines(ref, gunzip_prefix(&gz, ref, len));
	cr_assert_gt(n_gz, 0);
	setenv("PFT_FORCE_INFLATE", "zlib", 1);
	check_salvaged(gz_path, text, n_gz, gz.len, "gzip cut (zlib)");
	unsetenv("PFT_FORCE_INFLATE");
	check_salvaged(gz_path, text, n_gz, gz.len, "gzip cut (default inflater)");

	/* zstd: three frames, the last with a flipped byte in its last block; every path */
	struct buf z = {0};
	zstd_frame(&z, text, len / 3);
	zstd_frame(&z, text + len / 3, len / 3);
	const size_t third = z.len;
	zstd_frame(&z, text + 2 * (len / 3), len - 2 * (len / 3));
	z.p[z.len - 10] ^= 0x21;
	write_file(zst_path, z.p, z.len);
	struct buf zcut = {z.p, z.len, z.cap};
	const size_t n_z = whole_lines(ref, unzstd_prefix(&zcut, ref, len));
	cr_assert_geq(n_z, whole_lines(text, 2 * (len / 3)), "the first two frames decode");
	cr_assert(memcmp(ref, text, n_z) == 0);
	(void)third;
	const char *paths[] = {zst_path};
	struct pft_inputs in;
	struct pft_error err = {0};
	cr_assert_eq(pft_inputs_expand(paths, 1, &in, &err), PFT_OK);
	struct buf want = {0};
	setenv("PFT_FORCE_ZSTD", "stream", 1);
	const enum pft_status ws = pft_input_read(&in, 0, (size_t)1 << 20, collect, &want, &err);
	unsetenv("PFT_FORCE_ZSTD");
	cr_assert_eq(ws, PFT_ERR_CORRUPT);
	cr_assert_eq(want.len, n_z, "%zu bytes handed out, %zu decoded in whole lines", want.len,
		     n_z);
	for (unsigned threads = 1; threads <= 3; threads++) {
		pft_io_zstd_tune(threads);
		char what[64];
		snprintf(what, sizeof what, "zstd, %u decoding threads", threads);
		check_salvaged(zst_path, text, n_z, err.offset, what);
	}
	pft_io_zstd_tune(0);
	free(want.p);
	pft_inputs_free(&in);
	free(z.p);
	free(ref);
	free(gz.p);
	free(text);
	free(t);
	free(gz_path);
	free(zst_path);
	sh("rm -rf '%s'", dir);
	free(dir);
}
