/* Tests for src/io: rotation order, format sniffing, directory expansion, and the chunking
 * contract through every reader (mmap, read(), stdin, gzip via ISA-L and zlib, multi-member
 * gzip, zstd, multi-frame zstd). */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "io/io.h"
#include "io/io_internal.h"
#include "pft_test.h"

/* ---- helpers ----------------------------------------------------------------------------- */

static char *path_in(const char *dir, const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);
	cr_assert_not_null(p);
	sprintf(p, "%s/%s", dir, name);
	return p;
}

/* Removes a test directory and frees its name. */
static void remove_dir(char *dir)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(pft_test_run(cmd, NULL), 0);
	free(dir);
}

static void write_bytes(const char *path, const void *data, size_t len, int append)
{
	FILE *f = fopen(path, append ? "ab" : "wb");
	cr_assert_not_null(f, "cannot write %s", path);
	if (len > 0)
		cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static char *make_file(const char *dir, const char *name, const char *text)
{
	char *p = path_in(dir, name);
	write_bytes(p, text, strlen(text), 0);
	return p;
}

/* One gzip member holding data, appended to path. */
static void gzip_member(const char *path, const void *data, size_t len, int append)
{
	gzFile g = gzopen(path, append ? "ab" : "wb");
	cr_assert_not_null(g);
	if (len > 0)
		cr_assert_eq(gzwrite(g, data, (unsigned)len), (int)len);
	cr_assert_eq(gzclose(g), Z_OK);
}

/* One zstd frame holding data (with a checksum, as the zstd CLI writes), appended to path. */
static void zstd_frame(const char *path, const void *data, size_t len, int append)
{
	const size_t bound = ZSTD_compressBound(len);
	void *buf = malloc(bound);
	cr_assert_not_null(buf);
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	cr_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)));
	const size_t n = ZSTD_compress2(cctx, buf, bound, data, len);
	cr_assert(!ZSTD_isError(n));
	ZSTD_freeCCtx(cctx);
	write_bytes(path, buf, n, append);
	free(buf);
}

static void zstd_skippable_frame(const char *path, int append)
{
	const unsigned char frame[] = {0x53, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 'p', 'f', 't', '!'};
	write_bytes(path, frame, sizeof frame, append);
}

static void truncate_to(const char *path, off_t size)
{
	cr_assert_eq(truncate(path, size), 0);
}

static off_t file_size(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	return st.st_size;
}

static struct pft_inputs expand_ok(const char *const *paths, size_t n)
{
	struct pft_inputs in;
	struct pft_error err = {0};
	const enum pft_status s = pft_inputs_expand(paths, n, &in, &err);
	cr_assert_eq(s, PFT_OK, "expand: %s: %s (%s)", err.path, pft_status_str(s), err.detail);
	return in;
}

static struct pft_inputs expand_one(const char *path)
{
	const char *paths[] = {path};
	return expand_ok(paths, 1);
}

/* Collects chunks and checks the contract on the way. */
struct collect {
	char *buf;
	size_t len, cap;
	size_t chunk_size;
	uint32_t file_index;
	uint64_t next_offset;
	size_t n_chunks;
	size_t prev_len;
	int prev_ends_nl;
};

static enum pft_status on_chunk(void *ctx, const struct pft_chunk *c)
{
	struct collect *col = ctx;
	cr_assert_eq(c->file_index, col->file_index);
	cr_assert_eq(c->offset, col->next_offset, "chunk at %llu, expected %llu",
		     (unsigned long long)c->offset, (unsigned long long)col->next_offset);
	cr_assert_gt(c->len, 0, "empty chunk");
	const char *first_nl = memchr(c->data, '\n', c->len);
	const size_t first_line = first_nl ? (size_t)(first_nl - c->data) + 1 : c->len;
	if (c->len > col->chunk_size)
		cr_assert_eq(first_line, c->len, "a chunk over chunk_size holds more than one line");
	if (col->n_chunks > 0) {
		cr_assert(col->prev_ends_nl, "chunk %zu is not the last but lacks a final newline",
			  col->n_chunks - 1);
		/* Greedy: the previous chunk could not take this chunk's first line, so every
		 * reader cuts the same text at the same places. */
		cr_assert_gt(col->prev_len + first_line, col->chunk_size,
			     "chunk %zu (%zu bytes) could have held the next line (%zu bytes)",
			     col->n_chunks - 1, col->prev_len, first_line);
	}
	if (col->len + c->len > col->cap) {
		col->cap = (col->len + c->len) * 2;
		col->buf = realloc(col->buf, col->cap);
		cr_assert_not_null(col->buf);
	}
	memcpy(col->buf + col->len, c->data, c->len);
	col->len += c->len;
	col->next_offset += c->len;
	col->prev_len = c->len;
	col->prev_ends_nl = c->data[c->len - 1] == '\n';
	col->n_chunks++;
	return PFT_OK;
}

/* Reads file 0 of inputs with chunk_size and checks the chunks spell out text exactly. */
static void check_read(const struct pft_inputs *in, size_t file_index, const char *text,
		       size_t text_len, size_t chunk_size, const char *what)
{
	struct collect col = {.chunk_size = chunk_size ? chunk_size : 1,
			      .file_index = (uint32_t)file_index};
	struct pft_error err = {0};
	const enum pft_status s = pft_input_read(in, file_index, chunk_size, on_chunk, &col, &err);
	cr_assert_eq(s, PFT_OK, "%s, chunk %zu: %s: %s (%s)", what, chunk_size, err.path,
		     pft_status_str(s), err.detail);
	cr_assert_eq(col.len, text_len, "%s, chunk %zu: %zu bytes read, %zu expected", what,
		     chunk_size, col.len, text_len);
	cr_assert(text_len == 0 || memcmp(col.buf, text, text_len) == 0,
		  "%s, chunk %zu: text differs", what, chunk_size);
	if (text_len == 0)
		cr_assert_eq(col.n_chunks, 0);
	free(col.buf);
}

/* A log-like text: lines of 0..300 bytes with CR, bytes >= 0x80 and a stray NUL, one line
 * longer than 1 KiB, one longer than 64 KiB, and a last line without '\n'. */
static char *make_text(size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *t = malloc(cap);
	cr_assert_not_null(t);
	uint32_t seed = 12345;
	for (int line = 0; line < 2500; line++) {
		seed = seed * 1103515245u + 12345u;
		size_t ll = (seed >> 16) % 301;
		if (line == 700)
			ll = 5000;
		if (line == 1500)
			ll = 100000;
		if (line % 97 == 3)
			ll = 0;
		for (size_t i = 0; i < ll; i++) {
			seed = seed * 1103515245u + 12345u;
			t[n++] = (char)(' ' + (seed >> 16) % 95);
		}
		if (line == 1200)
			t[n++] = '\0';
		if (line % 50 == 7)
			t[n++] = (char)0xe9;
		if (line % 31 == 5)
			t[n++] = '\r';
		t[n++] = '\n';
	}
	static const char last[] = "Jun 17 10:22:33 host postfix/smtp[1]: last line, no newline";
	memcpy(t + n, last, sizeof last - 1);
	n += sizeof last - 1;
	t[n] = '\0';
	*len = n;
	return t;
}

static const size_t chunk_sizes[] = {1, 7, 1024, 65536, (size_t)64 << 20};
#define N_CHUNK_SIZES (sizeof chunk_sizes / sizeof chunk_sizes[0])

enum variant {
	V_PLAIN_MMAP,
	V_PLAIN_READ,
	V_PLAIN_SMALL_WINDOW,
	V_GZIP,
	V_GZIP_ZLIB,
	V_GZIP_MULTI,
	V_ZSTD,
	V_ZSTD_MULTI,
	V_COUNT
};

static const char *const variant_names[] = {
	"plain mmap", "plain read()", "plain mmap, 64 KiB windows", "gzip", "gzip via zlib",
	"multi-member gzip", "zstd", "multi-frame zstd",
};

/* Writes text in the variant's format; @return the expected format. */
static enum pft_format write_variant(const char *path, const char *text, size_t len,
				     enum variant v)
{
	const size_t a = len / 3, b = len / 3 + len / 4;    /* splits inside lines */
	switch (v) {
	case V_GZIP:
	case V_GZIP_ZLIB:
		gzip_member(path, text, len, 0);
		return PFT_FORMAT_GZIP;
	case V_GZIP_MULTI:     /* as `cat a.gz b.gz c.gz` makes, with an empty member */
		gzip_member(path, text, a, 0);
		gzip_member(path, "", 0, 1);
		gzip_member(path, text + a, b - a, 1);
		gzip_member(path, text + b, len - b, 1);
		return PFT_FORMAT_GZIP;
	case V_ZSTD:
		zstd_frame(path, text, len, 0);
		return PFT_FORMAT_ZSTD;
	case V_ZSTD_MULTI:     /* skippable frame first, an empty frame in the middle */
		zstd_skippable_frame(path, 0);
		zstd_frame(path, text, a, 1);
		zstd_frame(path, "", 0, 1);
		zstd_skippable_frame(path, 1);
		zstd_frame(path, text + a, b - a, 1);
		zstd_frame(path, text + b, len - b, 1);
		return PFT_FORMAT_ZSTD;
	default:
		write_bytes(path, text, len, 0);
		return PFT_FORMAT_PLAIN;
	}
}

static void check_all_chunk_sizes(const char *text, size_t len, const char *label)
{
	char *dir = pft_test_tmpdir();
	cr_assert_not_null(dir);
	for (int v = 0; v < V_COUNT; v++) {
		char name[64];
		snprintf(name, sizeof name, "mail.log.%d", v + 1);
		char *path = path_in(dir, name);
		const enum pft_format format = write_variant(path, text, len, (enum variant)v);
		struct pft_inputs in = expand_one(path);
		cr_assert_eq(in.n_files, 1);
		cr_assert_eq(in.files[0].format, format, "%s: %s sniffed as %s", label,
			     variant_names[v], pft_format_name(in.files[0].format));
		if (v == V_PLAIN_READ)
			in.files[0].no_mmap = 1;
		if (v == V_PLAIN_SMALL_WINDOW)
			pft_io_test_set_limits((size_t)64 << 10, 0);
		if (v == V_GZIP_ZLIB)
			setenv("PFT_FORCE_INFLATE", "zlib", 1);
		for (size_t i = 0; i < N_CHUNK_SIZES; i++) {
			char what[128];
			snprintf(what, sizeof what, "%s, %s", label, variant_names[v]);
			check_read(&in, 0, text, len, chunk_sizes[i], what);
		}
		unsetenv("PFT_FORCE_INFLATE");
		pft_io_test_set_limits(0, 0);
		pft_inputs_free(&in);
		free(path);
	}
	remove_dir(dir);
}

/* ---- rotation ---------------------------------------------------------------------------- */

static int rotation_qsort(const void *a, const void *b)
{
	return pft_rotation_compare(*(const char *const *)a, *(const char *const *)b);
}

static void shuffle(const char **v, size_t n, uint32_t seed)
{
	for (size_t i = n; i > 1; i--) {
		seed = seed * 1103515245u + 12345u;
		const size_t j = (seed >> 16) % i;
		const char *t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

Test(io_rotation, compare_orders_oldest_first)
{
	static const char *const expected[] = {
		"mail.log.10.gz", "mail.log.9", "mail.log.3.zst", "mail.log.2.gz",
		"mail.log.1", "mail.log",
	};
	static const char *const dated[] = {
		"maillog-20231231.gz", "maillog-20240101.gz", "maillog-20240102", "maillog",
	};
	const size_t n = sizeof expected / sizeof expected[0];
	const size_t nd = sizeof dated / sizeof dated[0];
	for (uint32_t seed = 0; seed < 20; seed++) {
		const char *v[6];
		memcpy(v, expected, sizeof v);
		shuffle(v, n, seed);
		qsort(v, n, sizeof v[0], rotation_qsort);
		for (size_t i = 0; i < n; i++)
			cr_assert_str_eq(v[i], expected[i], "seed %u, position %zu", seed, i);
		const char *d[4];
		memcpy(d, dated, sizeof d);
		shuffle(d, nd, seed);
		qsort(d, nd, sizeof d[0], rotation_qsort);
		for (size_t i = 0; i < nd; i++)
			cr_assert_str_eq(d[i], dated[i], "seed %u, position %zu", seed, i);
	}
	cr_assert_lt(pft_rotation_compare("mail.log.10", "mail.log.9"), 0, "10 is older than 9");
	cr_assert_gt(pft_rotation_compare("mail.log.9", "mail.log.10"), 0);
	cr_assert_lt(pft_rotation_compare("/var/log/mail.log.1", "/var/log/mail.log"), 0);
	cr_assert_lt(pft_rotation_compare("mail.log.gz", "mail.log"), 0);
	cr_assert_lt(pft_rotation_compare("mail.log.100000000000000000000001",
					  "mail.log.99999999999999999999"), 0);
	cr_assert_eq(pft_rotation_compare("mail.log.2", "mail.log.2"), 0);
	cr_assert_lt(pft_rotation_compare("maillog-2024010112", "maillog-2024010113"), 0);
}

Test(io_rotation, base_strips_rotation_suffixes)
{
	static const char *const cases[][2] = {
		{"/var/log/mail.log.2.gz", "/var/log/mail.log"},
		{"/var/log/mail.log.10", "/var/log/mail.log"},
		{"/var/log/mail.log.3.zst", "/var/log/mail.log"},
		{"/var/log/mail.log", "/var/log/mail.log"},
		{"mail.log.gz", "mail.log"},
		{"maillog-20240101.gz", "maillog"},
		{"logs/maillog-20240102", "logs/maillog"},
		{"logs/maillog-20240102.zst", "logs/maillog"},
		{"maillog", "maillog"},
		{"host-a.log", "host-a.log"},
		{"maillog-2024", "maillog-2024"},
		{"a.1/mail.log.1", "a.1/mail.log"},
		{".1", ".1"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[256];
		pft_rotation_base(cases[i][0], buf, sizeof buf);
		cr_assert_str_eq(buf, cases[i][1], "base of %s", cases[i][0]);
	}
	char small[5];
	pft_rotation_base("/var/log/mail.log.1", small, sizeof small);
	cr_assert_str_eq(small, "/var");
}

/* The rotation-set fixture: two streams, mixed formats. */
static const char *const rotated_names[] = {
	"mail.log.10.zst", "mail.log.9", "mail.log.2.gz", "mail.log.1", "mail.log",
	"maillog-20240101.gz", "maillog-20240102", "maillog",
};
#define N_ROTATED (sizeof rotated_names / sizeof rotated_names[0])

static char *make_rotated_dir(void)
{
	char *dir = pft_test_tmpdir();
	cr_assert_not_null(dir);
	for (size_t i = 0; i < N_ROTATED; i++) {
		char line[128];
		snprintf(line, sizeof line, "Jun 17 10:22:%02zu host postfix/qmgr[1]: %s\n", i,
			 rotated_names[i]);
		char *p = path_in(dir, rotated_names[i]);
		if (strstr(rotated_names[i], ".gz"))
			gzip_member(p, line, strlen(line), 0);
		else if (strstr(rotated_names[i], ".zst"))
			zstd_frame(p, line, strlen(line), 0);
		else
			write_bytes(p, line, strlen(line), 0);
		free(p);
	}
	return dir;
}

static void check_rotated_inputs(const struct pft_inputs *in, const char *dir)
{
	cr_assert_eq(in->n_files, N_ROTATED);
	cr_assert_eq(in->n_streams, 2);
	for (size_t i = 0; i < N_ROTATED; i++) {
		const struct pft_input_file *f = &in->files[i];
		const char *name = strrchr(f->path, '/') + 1;
		cr_assert_str_eq(name, rotated_names[i], "position %zu", i);
		cr_assert_eq(f->stream, i < 5 ? 0u : 1u, "%s", name);
		const enum pft_format want = strstr(name, ".gz")    ? PFT_FORMAT_GZIP
					     : strstr(name, ".zst") ? PFT_FORMAT_ZSTD
								    : PFT_FORMAT_PLAIN;
		cr_assert_eq(f->format, want, "%s is %s", name, pft_format_name(f->format));
		cr_assert_gt(f->mtime, 0);
		cr_assert_gt(f->size, 0);
		cr_assert_not(f->is_stdin);
		/* just written: may still be written, so read() not mmap */
		cr_assert_eq(f->no_mmap, 1, "%s", name);
		(void)dir;
	}
}

Test(io_expand, rotation_sets_ignore_argument_order)
{
	char *dir = make_rotated_dir();
	const char *paths[N_ROTATED + 3];
	char *owned[N_ROTATED];
	for (size_t i = 0; i < N_ROTATED; i++)
		paths[i] = owned[i] = path_in(dir, rotated_names[i]);
	for (uint32_t seed = 0; seed < 12; seed++) {
		if (seed == 1) {        /* reverse */
			for (size_t i = 0; i < N_ROTATED / 2; i++) {
				const char *t = paths[i];
				paths[i] = paths[N_ROTATED - 1 - i];
				paths[N_ROTATED - 1 - i] = t;
			}
		} else if (seed > 1) {
			shuffle(paths, N_ROTATED, seed);
		}
		struct pft_inputs in = expand_ok(paths, N_ROTATED);
		check_rotated_inputs(&in, dir);
		pft_inputs_free(&in);
	}

	/* the same files again: as duplicates, by another spelling, and through the directory */
	char other[4096];
	snprintf(other, sizeof other, "%s/./mail.log.1", dir);
	paths[N_ROTATED] = paths[0];
	paths[N_ROTATED + 1] = other;
	paths[N_ROTATED + 2] = dir;
	struct pft_inputs in = expand_ok(paths, N_ROTATED + 3);
	check_rotated_inputs(&in, dir);
	for (size_t i = 0; i < in.n_files; i++)
		cr_assert_null(strstr(in.files[i].path, "/./"), "kept %s", in.files[i].path);
	for (size_t i = 0; i < in.n_files; i++) {
		struct collect col = {.chunk_size = 1024, .file_index = (uint32_t)i};
		struct pft_error err = {0};
		cr_assert_eq(pft_input_read(&in, i, 1024, on_chunk, &col, &err), PFT_OK, "%s",
			     err.detail);
		cr_assert_not_null(memmem(col.buf, col.len, rotated_names[i],
					  strlen(rotated_names[i])));
		free(col.buf);
	}
	pft_inputs_free(&in);
	for (size_t i = 0; i < N_ROTATED; i++)
		free(owned[i]);
	remove_dir(dir);
}

Test(io_expand, directory_picks_mail_logs_only)
{
	char *dir = pft_test_tmpdir();
	cr_assert_not_null(dir);
	static const char *const taken[] = {
		"foo.log.3.gz", "foo.log", "mail.log.2.gz", "mail.log.1", "mail.log",
		"maillog-20240101",
	};
	static const char *const ignored[] = {
		"notes.txt", "syslog", ".hidden.log", "mail.err", "mail.err.1", "mail.warn",
		"mail.info.2.gz", "auth.log.bak", "mail.log.truth.json", "mailbox.txt",
	};
	for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
		char *p = path_in(dir, taken[i]);
		if (strstr(taken[i], ".gz"))
			gzip_member(p, "x\n", 2, 0);
		else
			write_bytes(p, "x\n", 2, 0);
		free(p);
	}
	for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		free(make_file(dir, ignored[i], "y\n"));
	char *sub = path_in(dir, "mail.d");
	cr_assert_eq(mkdir(sub, 0755), 0);
	free(make_file(sub, "mail.log", "z\n"));
	char *subdir_log = path_in(dir, "old.log");
	cr_assert_eq(mkdir(subdir_log, 0755), 0);
	char *dangling = path_in(dir, "mail.log.7");
	cr_assert_eq(symlink("does-not-exist", dangling), 0);

	struct pft_inputs in = expand_one(dir);
	cr_assert_eq(in.n_files, sizeof taken / sizeof taken[0]);
	cr_assert_eq(in.n_streams, 3);
	for (size_t i = 0; i < in.n_files; i++) {
		const char *name = strrchr(in.files[i].path, '/') + 1;
		cr_assert_str_eq(name, taken[i], "position %zu", i);
	}
	pft_inputs_free(&in);

	/* a file named explicitly is taken whatever its name */
	char *err_log = path_in(dir, "mail.err");
	in = expand_one(err_log);
	cr_assert_eq(in.n_files, 1);
	pft_inputs_free(&in);

	free(err_log);
	free(dangling);
	free(subdir_log);
	free(sub);
	remove_dir(dir);
}

Test(io_expand, no_paths_is_empty)
{
	struct pft_inputs in;
	struct pft_error err = {0};
	cr_assert_eq(pft_inputs_expand(NULL, 0, &in, &err), PFT_OK);
	cr_assert_eq(in.n_files, 0);
	cr_assert_eq(in.n_streams, 0);
	pft_inputs_free(&in);
}

/* ---- sniffing ---------------------------------------------------------------------------- */

static void expect_refused(const char *path, enum pft_status want, const char *detail_part)
{
	/* A path that cannot be used is left out and described; the call itself succeeds so
	 * that the other inputs are still read. */
	const char *paths[] = {path};
	struct pft_inputs in;
	struct pft_error fatal = {0};
	const enum pft_status s = pft_inputs_expand(paths, 1, &in, &fatal);
	cr_assert_eq(s, PFT_OK, "%s: got %s", path, pft_status_str(s));
	cr_assert_eq(in.n_errors, 1);
	const struct pft_error err = in.errors[0];
	cr_assert_str_eq(err.path, path);
	cr_assert_eq(err.status, want);
	if (detail_part != NULL)
		cr_assert_not_null(strstr(err.detail, detail_part), "detail: %s", err.detail);
	cr_assert_eq(in.n_files, 0);
	cr_assert_null(in.files);
	pft_inputs_free(&in);
}

Test(io_sniff, compressed_formats_we_cannot_read_are_refused)
{
	char *dir = pft_test_tmpdir();
	static const struct {
		const char *name;
		const char *magic;
		size_t magic_len;
		const char *command;
	} cases[] = {
		{"mail.log.2.xz", "\xfd" "7zXZ\0\0\4\xe6\xd6\xb4\x46", 12, "xz -dc"},
		{"mail.log.3.bz2", "BZh91AY&SY", 10, "bzip2 -dc"},
		{"mail.log.4.lz4", "\x04\x22\x4d\x18\x64\x40\xa7", 7, "lz4 -dc"},
		{"mail.log.5.Z", "\x1f\x9d\x90", 3, "gzip -dc"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *p = path_in(dir, cases[i].name);
		write_bytes(p, cases[i].magic, cases[i].magic_len, 0);
		write_bytes(p, "some more bytes\n", 16, 1);
		expect_refused(p, PFT_ERR_FORMAT, cases[i].command);
		expect_refused(p, PFT_ERR_FORMAT, p);   /* the suggested command names the file */
		free(p);
	}

	/* files made by the real tools, when they are installed */
	static const char *const tools[][2] = {{"xz", "xz -dc"}, {"bzip2", "bzip2 -dc"},
					       {"lz4", "lz4 -dc"}};
	char *src = make_file(dir, "plain.txt", "Jun 17 10:22:33 host postfix/smtp[1]: x\n");
	for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
		char cmd[8192], name[64];
		snprintf(name, sizeof name, "real.%s", tools[i][0]);
		char *p = path_in(dir, name);
		snprintf(cmd, sizeof cmd, "%s -c < '%s' > '%s' 2>/dev/null", tools[i][0], src, p);
		if (pft_test_run(cmd, NULL) == 0 && file_size(p) > 0)
			expect_refused(p, PFT_ERR_FORMAT, tools[i][1]);
		free(p);
	}
	free(src);
	remove_dir(dir);
}

Test(io_sniff, gzip_and_zstd_by_magic_not_by_name)
{
	char *dir = pft_test_tmpdir();
	const char *text = "Jun 17 10:22:33 host postfix/smtp[1]: hello\n";
	char *gz = path_in(dir, "mail.log.1");          /* gzip without .gz */
	gzip_member(gz, text, strlen(text), 0);
	char *zst = path_in(dir, "mail.log.2.gz");      /* zstd named .gz */
	zstd_frame(zst, text, strlen(text), 0);
	char *skip = path_in(dir, "mail.log.3");        /* zstd opening with a skippable frame */
	zstd_skippable_frame(skip, 0);
	zstd_frame(skip, text, strlen(text), 1);
	char *plain = path_in(dir, "mail.log.4.zst");   /* plain text named .zst */
	write_bytes(plain, text, strlen(text), 0);
	char *empty = path_in(dir, "mail.log.5.gz");    /* empty: plain */
	write_bytes(empty, "", 0, 0);

	const char *paths[] = {gz, zst, skip, plain, empty};
	struct pft_inputs in = expand_ok(paths, 5);
	cr_assert_eq(in.n_files, 5);
	cr_assert_eq(in.n_streams, 1);
	const enum pft_format want[] = {PFT_FORMAT_PLAIN, PFT_FORMAT_PLAIN, PFT_FORMAT_ZSTD,
					PFT_FORMAT_ZSTD, PFT_FORMAT_GZIP};
	const size_t want_len[] = {0, strlen(text), strlen(text), strlen(text), strlen(text)};
	static const char *const order[] = {"mail.log.5.gz", "mail.log.4.zst", "mail.log.3",
					    "mail.log.2.gz", "mail.log.1"};
	for (size_t i = 0; i < 5; i++) {
		cr_assert_str_eq(strrchr(in.files[i].path, '/') + 1, order[i]);
		cr_assert_eq(in.files[i].format, want[i], "%s: %s", order[i],
			     pft_format_name(in.files[i].format));
		check_read(&in, i, text, want_len[i], 1024, order[i]);
	}
	pft_inputs_free(&in);

	/* the real CLIs' output (file name in the gzip header, zstd checksums) */
	char cmd[8192];
	char *cli_gz = path_in(dir, "cli.log.gz");
	char *cli_zst = path_in(dir, "cli.log.zst");
	snprintf(cmd, sizeof cmd, "cd '%s' && gzip -k -f mail.log.4.zst && mv mail.log.4.zst.gz '%s'",
		 dir, cli_gz);
	if (pft_test_run(cmd, NULL) == 0) {
		in = expand_one(cli_gz);
		cr_assert_eq(in.files[0].format, PFT_FORMAT_GZIP);
		check_read(&in, 0, text, strlen(text), 7, "gzip CLI");
		pft_inputs_free(&in);
	}
	snprintf(cmd, sizeof cmd, "zstd -q -f --check '%s' -o '%s'", plain, cli_zst);
	if (pft_test_run(cmd, NULL) == 0) {
		in = expand_one(cli_zst);
		cr_assert_eq(in.files[0].format, PFT_FORMAT_ZSTD);
		check_read(&in, 0, text, strlen(text), 7, "zstd CLI");
		pft_inputs_free(&in);
	}
	free(cli_gz);
	free(cli_zst);
	free(gz);
	free(zst);
	free(skip);
	free(plain);
	free(empty);
	remove_dir(dir);
}

Test(io_sniff, binary_refused_but_a_stray_nul_is_text)
{
	char *dir = pft_test_tmpdir();
	unsigned char junk[4096];
	uint32_t seed = 99;
	for (size_t i = 0; i < sizeof junk; i++) {
		seed = seed * 1103515245u + 12345u;
		junk[i] = (unsigned char)(seed >> 16);
	}
	junk[0] = 'J';          /* no magic */
	char *bin = path_in(dir, "mail.log.1");
	write_bytes(bin, junk, sizeof junk, 0);
	expect_refused(bin, PFT_ERR_FORMAT, "binary");

	char *elf = path_in(dir, "mail.log.2");
	unsigned char header[256] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
	write_bytes(elf, header, sizeof header, 0);
	expect_refused(elf, PFT_ERR_FORMAT, "binary");

	/* real logs: a stray NUL, a CR, an escape sequence, Latin-1 */
	char text[4096];
	size_t n = 0;
	while (n + 100 < sizeof text)
		n += (size_t)snprintf(text + n, sizeof text - n,
				      "Jun 17 10:22:33 host postfix/smtp[1]: caf\xe9 \x1b[0m ok\r\n");
	text[200] = '\0';
	text[900] = '\0';
	text[1500] = '\x01';
	char *log = path_in(dir, "mail.log");
	write_bytes(log, text, n, 0);
	struct pft_inputs in = expand_one(log);
	cr_assert_eq(in.files[0].format, PFT_FORMAT_PLAIN);
	check_read(&in, 0, text, n, 1024, "log with a stray NUL");
	pft_inputs_free(&in);
	free(bin);
	free(elf);
	free(log);
	remove_dir(dir);
}

Test(io_sniff, missing_and_unreadable_are_io_errors)
{
	char *dir = pft_test_tmpdir();
	char *missing = path_in(dir, "mail.log.404");
	expect_refused(missing, PFT_ERR_IO, NULL);

	char *good = make_file(dir, "mail.log", "x\n");
	const char *paths[] = {good, missing};
	struct pft_inputs in;
	struct pft_error err = {0};
	cr_assert_eq(pft_inputs_expand(paths, 2, &in, &err), PFT_OK);
	cr_assert_eq(in.n_files, 1, "the readable file is kept");
	cr_assert_eq(in.n_errors, 1);
	cr_assert_str_eq(in.errors[0].path, missing);
	cr_assert_eq(in.errors[0].status, PFT_ERR_IO);
	cr_assert_eq(in.errors[0].sys_errno, ENOENT);
	pft_inputs_free(&in);

	if (geteuid() != 0) {   /* root reads anything */
		char *locked = make_file(dir, "mail.log.1", "x\n");
		cr_assert_eq(chmod(locked, 0), 0);
		expect_refused(locked, PFT_ERR_IO, NULL);
		free(locked);
	}
	free(good);
	free(missing);
	remove_dir(dir);
}

/* ---- chunking ---------------------------------------------------------------------------- */

Test(io_chunks, every_reader_and_chunk_size_yields_the_text, .timeout = 300)
{
	size_t len;
	char *text = make_text(&len);
	check_all_chunk_sizes(text, len, "log text");
	text[len] = '\n';       /* the same, ending in a newline */
	check_all_chunk_sizes(text, len + 1, "log text with final newline");
	free(text);
}

Test(io_chunks, edge_texts)
{
	check_all_chunk_sizes("", 0, "empty file");
	check_all_chunk_sizes("x", 1, "one byte");
	check_all_chunk_sizes("no newline at all", 17, "one line without newline");
	check_all_chunk_sizes("\n\n\n", 3, "only newlines");
	check_all_chunk_sizes("a\nb", 3, "short last line");
}

static void feed_stdin(const void *data, size_t len, void (*writer)(int fd, const void *, size_t),
		       const char *text, size_t text_len, enum pft_format want)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	const pid_t child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		close(fds[0]);
		writer(fds[1], data, len);
		_exit(0);
	}
	close(fds[1]);
	const int saved = dup(STDIN_FILENO);
	cr_assert_eq(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);

	const char *paths[] = {"-", "-"};
	struct pft_inputs in = expand_ok(paths, 2);
	cr_assert_eq(in.n_files, 1);
	cr_assert(in.files[0].is_stdin);
	cr_assert_str_eq(in.files[0].path, "-");
	cr_assert_eq(in.files[0].format, want);
	cr_assert_eq(in.files[0].mtime, 0);
	check_read(&in, 0, text, text_len, 1024, "stdin");
	pft_inputs_free(&in);

	int status;
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert_eq(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
}

static void write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		const ssize_t n = write(fd, p, len > 1000 ? 1000 : len);  /* in dribbles */
		if (n <= 0)
			_exit(1);
		p += n;
		len -= (size_t)n;
	}
}

Test(io_chunks, stdin_pipe_plain_gzip_zstd)
{
	size_t len;
	char *text = make_text(&len);
	feed_stdin(text, len, write_all, text, len, PFT_FORMAT_PLAIN);
	feed_stdin("", 0, write_all, "", 0, PFT_FORMAT_PLAIN);

	char *dir = pft_test_tmpdir();
	char *gz = path_in(dir, "x.gz");
	write_variant(gz, text, len, V_GZIP_MULTI);
	size_t gz_len;
	char *gz_data = pft_test_read_file(gz, &gz_len);
	feed_stdin(gz_data, gz_len, write_all, text, len, PFT_FORMAT_GZIP);

	char *zst = path_in(dir, "x.zst");
	write_variant(zst, text, len, V_ZSTD_MULTI);
	size_t zst_len;
	char *zst_data = pft_test_read_file(zst, &zst_len);
	feed_stdin(zst_data, zst_len, write_all, text, len, PFT_FORMAT_ZSTD);

	free(gz_data);
	free(zst_data);
	free(gz);
	free(zst);
	remove_dir(dir);
	free(text);
}

/* ---- damaged compressed files ------------------------------------------------------------ */

static struct pft_error read_expecting(const char *path, enum pft_status want)
{
	struct pft_inputs in = expand_one(path);
	struct collect col = {.chunk_size = 1024};
	struct pft_error err = {0};
	const enum pft_status s = pft_input_read(&in, 0, 1024, on_chunk, &col, &err);
	cr_assert_eq(s, want, "%s: got %s (%s)", path, pft_status_str(s), err.detail);
	if (want != PFT_OK)
		cr_assert_str_eq(err.path, path);
	free(col.buf);
	pft_inputs_free(&in);
	return err;
}

static void check_damaged_gzip(const char *dir, const char *text, size_t len)
{
	char *p = path_in(dir, "mail.log.1.gz");
	gzip_member(p, text, len, 0);
	const off_t size = file_size(p);

	truncate_to(p, size / 2);
	struct pft_error err = read_expecting(p, PFT_ERR_CORRUPT);
	cr_assert_not_null(strstr(err.detail, "truncated gzip member"), "%s", err.detail);
	cr_assert_gt(err.offset, 0);
	cr_assert_leq(err.offset, (uint64_t)size / 2);

	gzip_member(p, text, len, 0);   /* trailer cut: the data is whole, the CRC is not */
	truncate_to(p, size - 4);
	err = read_expecting(p, PFT_ERR_CORRUPT);
	cr_assert_not_null(strstr(err.detail, "truncated"), "%s", err.detail);

	gzip_member(p, text, len, 0);   /* second member cut inside its header */
	write_bytes(p, "\x1f\x8b\x08", 3, 1);
	err = read_expecting(p, PFT_ERR_CORRUPT);
	cr_assert_not_null(strstr(err.detail, "truncated"), "%s", err.detail);
	cr_assert_geq(err.offset, (uint64_t)size);

	gzip_member(p, text, len, 0);   /* a flipped byte in the middle */
	size_t n;
	char *raw = pft_test_read_file(p, &n);
	raw[n / 2] ^= 0x55;
	write_bytes(p, raw, n, 0);
	free(raw);
	err = read_expecting(p, PFT_ERR_CORRUPT);
	cr_assert_not_null(strstr(err.detail, "gzip"), "%s", err.detail);

	gzip_member(p, text, len, 0);   /* garbage after the member */
	write_bytes(p, "garbage\n", 8, 1);
	err = read_expecting(p, PFT_ERR_CORRUPT);
	cr_assert_not_null(strstr(err.detail, "trailing garbage"), "%s", err.detail);
	cr_assert_eq(err.offset, (uint64_t)size);

	gzip_member(p, text, len, 0);   /* zero padding after it is fine */
	static const char zeros[600];
	write_bytes(p, zeros, sizeof zeros, 1);
	read_expecting(p, PFT_OK);
	free(p);
}

Test(io_damaged, truncated_and_corrupt_gzip)
{
	char *dir = pft_test_tmpdir();
	size_t len;
	char *text = make_text(&len);
	check_damaged_gzip(dir, text, len);
	setenv("PFT_FORCE_INFLATE", "zlib", 1);
	check_damaged_gzip(dir, text, len);
	unsetenv("PFT_FORCE_INFLATE");
	free(text);
	remove_dir(dir);
}

Test(io_damaged, truncated_and_corrupt_zstd)
{
	char *dir = pft_test_tmpdir();
	size_t len;
	char *text = make_text(&len);
	char *p = path_in(dir, "mail.log.1.zst");
	zstd_frame(p, text, len, 0);
	const off_t size = file_size(p);

	truncate_to(p, size / 2);
	struct pft_error err = read_expecting(p, PFT_ERR_CORRUPT);
	cr_assert_not_null(strstr(err.detail, "truncated zstd frame"), "%s", err.detail);
	cr_assert_gt(err.offset, 0);

	zstd_frame(p, text, len, 0);    /* second frame cut short */
	zstd_frame(p, text, 1000, 1);
	truncate_to(p, file_size(p) - 3);
	err = read_expecting(p, PFT_ERR_CORRUPT);
	cr_assert_not_null(strstr(err.detail, "truncated zstd frame"), "%s", err.detail);
	cr_assert_geq(err.offset, (uint64_t)size);

	zstd_frame(p, text, len, 0);    /* garbage after the frame */
	write_bytes(p, "garbage\n", 8, 1);
	err = read_expecting(p, PFT_ERR_CORRUPT);
	cr_assert_not_null(strstr(err.detail, "zstd"), "%s", err.detail);
	cr_assert_geq(err.offset, (uint64_t)size);

	zstd_frame(p, text, len, 0);    /* a flipped byte in the middle */
	size_t n;
	char *raw = pft_test_read_file(p, &n);
	raw[n / 2] ^= 0x55;
	write_bytes(p, raw, n, 0);
	free(raw);
	read_expecting(p, PFT_ERR_CORRUPT);

	free(p);
	free(text);
	remove_dir(dir);
}

Test(io_damaged, overlong_line_is_an_error_not_a_huge_buffer)
{
	char *dir = pft_test_tmpdir();
	const size_t line = 50000;
	char *text = malloc(line + 100);
	memcpy(text, "short line\n", 11);
	memset(text + 11, 'a', line);
	memcpy(text + 11 + line, "\nend\n", 5);
	const size_t len = 11 + line + 5;
	pft_io_test_set_limits((size_t)16 << 10, 20000);
	for (int v = 0; v < V_COUNT; v++) {
		char name[32];
		snprintf(name, sizeof name, "mail.log.%d", v + 1);
		char *p = path_in(dir, name);
		write_variant(p, text, len, (enum variant)v);
		struct pft_inputs in = expand_one(p);
		if (v == V_PLAIN_READ)
			in.files[0].no_mmap = 1;
		if (v == V_GZIP_ZLIB)
			setenv("PFT_FORCE_INFLATE", "zlib", 1);
		struct collect col = {.chunk_size = 1024};
		struct pft_error err = {0};
		const enum pft_status s = pft_input_read(&in, 0, 1024, on_chunk, &col, &err);
		unsetenv("PFT_FORCE_INFLATE");
		cr_assert_eq(s, PFT_ERR_FORMAT, "%s: %s", variant_names[v], pft_status_str(s));
		cr_assert_eq(err.offset, 11, "%s", variant_names[v]);
		cr_assert_not_null(strstr(err.detail, "line longer than"));
		cr_assert_eq(col.len, 11, "the lines before it were read");
		free(col.buf);
		pft_inputs_free(&in);
		free(p);
	}
	pft_io_test_set_limits(0, 0);
	free(text);
	remove_dir(dir);
}

static enum pft_status stop_at_second(void *ctx, const struct pft_chunk *c)
{
	int *calls = ctx;
	(void)c;
	return ++*calls == 2 ? PFT_ERR_USAGE : PFT_OK;
}

Test(io_chunks, callback_status_stops_reading)
{
	char *dir = pft_test_tmpdir();
	size_t len;
	char *text = make_text(&len);
	for (int v = 0; v < V_COUNT; v++) {
		char *p = path_in(dir, "mail.log.1");
		write_variant(p, text, len, (enum variant)v);
		struct pft_inputs in = expand_one(p);
		int calls = 0;
		struct pft_error err = {0};
		cr_assert_eq(pft_input_read(&in, 0, 1024, stop_at_second, &calls, &err),
			     PFT_ERR_USAGE);
		cr_assert_eq(calls, 2);
		pft_inputs_free(&in);
		free(p);
	}
	free(text);
	remove_dir(dir);
}

Test(io_format, names)
{
	cr_assert_str_eq(pft_format_name(PFT_FORMAT_PLAIN), "plain");
	cr_assert_str_eq(pft_format_name(PFT_FORMAT_GZIP), "gzip");
	cr_assert_str_eq(pft_format_name(PFT_FORMAT_ZSTD), "zstd");
}
