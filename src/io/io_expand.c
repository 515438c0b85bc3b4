/* pftally — from command-line paths to an ordered list of inputs: directory expansion,
 * de-duplication, format sniffing and rotation-set ordering. */
#include "io/io_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A plain file modified this recently may still be written (the live log, or a file being
 * rotated): it is read, not mapped (copytruncate would turn a mapping into SIGBUS; the SIGBUS
 * guard reports such a file, reading avoids the failure). */
#define PFT_IO_LIVE_SECONDS 60

/* ---- rotation names ---------------------------------------------------------------------- */

enum rot_kind {
	ROT_NUMBERED = 0,       /* mail.log.3[.gz]: the larger N, the older */
	ROT_DATED,              /* maillog-20240101[.gz]: the smaller date, the older */
	ROT_COMPRESSED,         /* mail.log.gz: an old copy of the live name */
	ROT_LIVE,               /* mail.log: the newest */
};

struct rot_name {
	size_t base_len;        /* name[0..base_len) is the rotation base */
	enum rot_kind kind;
	const char *digits;     /* rotation number or date */
	size_t n_digits;
	int compressed;         /* .gz, .zst (or a format we refuse: .xz, .bz2, ...) */
};

static int has_suffix(const char *s, size_t len, const char *suffix)
{
	const size_t n = strlen(suffix);
	return len > n && memcmp(s + len - n, suffix, n) == 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void rot_parse(const char *name, struct rot_name *r)
{
	size_t len = strlen(name);
	memset(r, 0, sizeof *r);
	/* .gz and .zst are read; the others are listed so that the sniffer can refuse them by
	 * name, with the command that reads them, rather than a directory dropping them. */
	static const char *const compressed[] = {".gz", ".zst", ".xz", ".bz2", ".lz4", ".lz", ".Z"};
	for (size_t i = 0; i < sizeof compressed / sizeof compressed[0]; i++) {
		if (has_suffix(name, len, compressed[i])) {
			len -= strlen(compressed[i]);
			r->compressed = 1;
			break;
		}
	}
	size_t d = len;
	while (d > 0 && is_digit(name[d - 1]))
		d--;
	const size_t nd = len - d;
	if (nd > 0 && d >= 2 && name[d - 1] == '.') {
		r->kind = ROT_NUMBERED;
		r->base_len = d - 1;
	} else if (nd >= 8 && nd <= 14 && d >= 2 && name[d - 1] == '-') {
		/* logrotate dateext: -YYYYMMDD, optionally with hours, minutes, seconds */
		r->kind = ROT_DATED;
		r->base_len = d - 1;
	} else {
		r->kind = r->compressed ? ROT_COMPRESSED : ROT_LIVE;
		r->base_len = len;
		return;
	}
	r->digits = name + d;
	r->n_digits = nd;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Compares decimal numbers of any length. */
static int number_compare(const char *a, size_t na, const char *b, size_t nb)
{
	while (na > 1 && *a == '0') {
		a++;
		na--;
	}
	while (nb > 1 && *b == '0') {
		b++;
		nb--;
	}
	if (na != nb)
		return na < nb ? -1 : 1;
	return memcmp(a, b, na);
}

int pft_rotation_compare(const char *a, const char *b)
{
	struct rot_name ra, rb;
	const char *na = base_name(a), *nb = base_name(b);
	rot_parse(na, &ra);
	rot_parse(nb, &rb);

	const size_t common = ra.base_len < rb.base_len ? ra.base_len : rb.base_len;
	int c = memcmp(na, nb, common);
	if (c == 0 && ra.base_len != rb.base_len)
		c = ra.base_len < rb.base_len ? -1 : 1;
	if (c != 0)
		return c;
	if (ra.kind != rb.kind)
		return ra.kind < rb.kind ? -1 : 1;
	if (ra.kind == ROT_NUMBERED)
		c = number_compare(rb.digits, rb.n_digits, ra.digits, ra.n_digits);
	else if (ra.kind == ROT_DATED) {
		const size_t n = ra.n_digits < rb.n_digits ? ra.n_digits : rb.n_digits;
		c = memcmp(ra.digits, rb.digits, n);
		if (c == 0 && ra.n_digits != rb.n_digits)
			c = ra.n_digits < rb.n_digits ? -1 : 1;
	}
	if (c != 0)
		return c;
	c = strcmp(a, b);
	return c < 0 ? -1 : c > 0;
}

void pft_rotation_base(const char *path, char *buf, size_t size)
{
	if (size == 0)
		return;
	const char *name = base_name(path);
	struct rot_name r;
	rot_parse(name, &r);
	const size_t dir_len = (size_t)(name - path);
	size_t n = dir_len + r.base_len;
	if (n >= size)
		n = size - 1;
	memcpy(buf, path, n);
	buf[n] = '\0';
}

/* Names a directory contributes: mail, maillog, *.log and their rotated forms — not other
 * files that merely start with "mail" (mail.log.truth.json, mailbox dumps), and not the
 * per-level copies some syslog setups write next to mail.log (mail.err, mail.warn,
 * mail.info): they repeat mail.log's lines and would count them twice. */
static int is_mail_log_name(const char *name)
{
	static const char *const level_copies[] = {
		"mail.info", "mail.notice", "mail.warn", "mail.warning", "mail.err",
		"mail.error", "mail.crit", "mail.alert", "mail.emerg", "mail.debug",
	};
	if (name[0] == '.')
		return 0;
	struct rot_name r;
	rot_parse(name, &r);
	for (size_t i = 0; i < sizeof level_copies / sizeof level_copies[0]; i++)
		if (strlen(level_copies[i]) == r.base_len &&
		    memcmp(name, level_copies[i], r.base_len) == 0)
			return 0;
	if ((r.base_len == 4 && memcmp(name, "mail", 4) == 0) ||
	    (r.base_len == 7 && memcmp(name, "maillog", 7) == 0))
		return 1;
	return r.base_len > 4 && memcmp(name + r.base_len - 4, ".log", 4) == 0;
}

/* ---- candidates -------------------------------------------------------------------------- */

struct cand {
	char *path;
	char *key;              /* canonical rotation base: groups and orders the streams */
	struct stat st;
	int is_stdin;
	struct pft_input_file file;
};

struct cand_vec {
	struct cand *v;
	size_t n, cap;
};

static void cand_free(struct cand *c)
{
	free(c->path);
	free(c->key);
	if (c->file.pipe != NULL) {
		if (c->file.pipe->owns_fd)
			close(c->file.pipe->fd);
		free(c->file.pipe->head);
		free(c->file.pipe);
	}
	memset(c, 0, sizeof *c);
}

static void cand_vec_free(struct cand_vec *cv)
{
	for (size_t i = 0; i < cv->n; i++)
		cand_free(&cv->v[i]);
	free(cv->v);
	memset(cv, 0, sizeof *cv);
}

static enum pft_status cand_push(struct cand_vec *cv, const char *path, const struct stat *st,
				 int is_stdin, struct pft_error *err)
{
	if (cv->n == cv->cap) {
		const size_t cap = cv->cap ? cv->cap * 2 : 16;
		struct cand *grown = realloc(cv->v, cap * sizeof *grown);
		if (grown == NULL)
			return pft_error_set(err, PFT_ERR_NOMEM, 0, path, 0, "input list");
		cv->v = grown;
		cv->cap = cap;
	}
	struct cand *c = &cv->v[cv->n];
	memset(c, 0, sizeof *c);
	c->path = strdup(path);
	if (c->path == NULL)
		return pft_error_set(err, PFT_ERR_NOMEM, 0, path, 0, "input list");
	c->st = *st;
	c->is_stdin = is_stdin;
	cv->n++;
	return PFT_OK;
}

static char *join_path(const char *dir, const char *name)
{
	const size_t dl = strlen(dir), nl = strlen(name);
	const size_t slash = dl > 0 && dir[dl - 1] != '/';
	char *p = malloc(dl + slash + nl + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, dir, dl);
	if (slash)
		p[dl] = '/';
	memcpy(p + dl + slash, name, nl + 1);
	return p;
}

static enum pft_status scan_directory(struct cand_vec *cv, const char *dir,
				      struct pft_error *err)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return pft_error_set(err, PFT_ERR_IO, errno, dir, 0, "cannot open directory");
	enum pft_status status = PFT_OK;
	for (;;) {
		errno = 0;
		const struct dirent *de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				status = pft_error_set(err, PFT_ERR_IO, errno, dir, 0,
						       "cannot read directory");
			break;
		}
		if (!is_mail_log_name(de->d_name))
			continue;
		char *path = join_path(dir, de->d_name);
		if (path == NULL) {
			status = pft_error_set(err, PFT_ERR_NOMEM, 0, dir, 0, "input list");
			break;
		}
		struct stat st;
		if (stat(path, &st) != 0) {
			const int e = errno;
			/* gone since readdir, or a dangling symlink: holds no lines */
			if (e != ENOENT)
				status = pft_error_set(err, PFT_ERR_IO, e, path, 0,
						       "cannot access");
		} else if (S_ISREG(st.st_mode)) {
			status = cand_push(cv, path, &st, 0, err);
		}
		free(path);
		if (status != PFT_OK)
			break;
	}
	closedir(d);
	return status;
}

static int cand_identity_compare(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	if (a->st.st_dev != b->st.st_dev)
		return a->st.st_dev < b->st.st_dev ? -1 : 1;
	if (a->st.st_ino != b->st.st_ino)
		return a->st.st_ino < b->st.st_ino ? -1 : 1;
	const size_t la = strlen(a->path), lb = strlen(b->path);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a->path, b->path);
}

static int cand_order_compare(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	const int c = strcmp(a->key, b->key);
	return c != 0 ? c : pft_rotation_compare(a->path, b->path);
}

/* The same file named twice (or by two names) is read once, under its shortest name (then
 * the first in byte order), so the result does not depend on argument order. */
static void cand_dedupe(struct cand_vec *cv)
{
	if (cv->n < 2)
		return;
	qsort(cv->v, cv->n, sizeof cv->v[0], cand_identity_compare);
	size_t kept = 1;
	for (size_t i = 1; i < cv->n; i++) {
		const struct cand *prev = &cv->v[kept - 1];
		if (cv->v[i].st.st_dev == prev->st.st_dev && cv->v[i].st.st_ino == prev->st.st_ino)
			cand_free(&cv->v[i]);
		else
			cv->v[kept++] = cv->v[i];
	}
	cv->n = kept;
}

/* realpath() of the directory + rotation base of the name. */
static enum pft_status cand_make_key(struct cand *c, struct pft_error *err)
{
	if (c->is_stdin) {
		c->key = strdup("-");
	} else {
		const char *name = base_name(c->path);
		char *dir = name == c->path ? strdup(".")
					    : strndup(c->path, (size_t)(name - c->path));
		if (dir == NULL)
			return pft_error_set(err, PFT_ERR_NOMEM, 0, c->path, 0, "input list");
		char *canon = realpath(dir, NULL);
		const char *d = canon ? canon : dir;
		struct rot_name r;
		rot_parse(name, &r);
		const size_t dl = strlen(d);
		const size_t slash = dl > 0 && d[dl - 1] != '/';
		c->key = malloc(dl + slash + r.base_len + 1);
		if (c->key != NULL) {
			memcpy(c->key, d, dl);
			if (slash)
				c->key[dl] = '/';
			memcpy(c->key + dl + slash, name, r.base_len);
			c->key[dl + slash + r.base_len] = '\0';
		}
		free(canon);
		free(dir);
	}
	if (c->key == NULL)
		return pft_error_set(err, PFT_ERR_NOMEM, 0, c->path, 0, "input list");
	return PFT_OK;
}

/* ---- sniffing ---------------------------------------------------------------------------- */

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static enum pft_status refuse_compressed(const struct cand *c, const char *what,
					 const char *command, struct pft_error *err)
{
	if (c->is_stdin)
		return pft_error_set(err, PFT_ERR_FORMAT, 0, c->path, 0,
				     "%s-compressed: decompress with `... | %s | pftally -`", what,
				     command);
	return pft_error_set(err, PFT_ERR_FORMAT, 0, c->path, 0,
			     "%s-compressed: decompress with `%s %s | pftally -`", what, command,
			     c->path);
}

/* Decides the format from the first bytes of a file. */
static enum pft_status classify(const struct cand *c, const unsigned char *h, size_t n,
				enum pft_format *format, struct pft_error *err)
{
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b) {
		*format = PFT_FORMAT_GZIP;
		return PFT_OK;
	}
	if (n >= 4 && (le32(h) == 0xFD2FB528u || (le32(h) & 0xFFFFFFF0u) == 0x184D2A50u)) {
		*format = PFT_FORMAT_ZSTD;     /* a frame, or a skippable frame first */
		return PFT_OK;
	}
	if (n >= 6 && memcmp(h, "\xfd" "7zXZ\0", 6) == 0)
		return refuse_compressed(c, "xz", "xz -dc", err);
	if (n >= 4 && memcmp(h, "BZh", 3) == 0 && h[3] >= '1' && h[3] <= '9')
		return refuse_compressed(c, "bzip2", "bzip2 -dc", err);
	if (n >= 4 && (le32(h) == 0x184D2204u || le32(h) == 0x184C2102u))
		return refuse_compressed(c, "lz4", "lz4 -dc", err);
	if (n >= 4 && memcmp(h, "LZIP", 4) == 0)
		return refuse_compressed(c, "lzip", "lzip -dc", err);
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x9d)
		return refuse_compressed(c, "compress (.Z)", "gzip -dc", err);

	/* Text, or binary? Logs may hold a stray NUL or a control byte (and any byte >= 0x80),
	 * so a few are fine; compressed, encrypted or executable data has ~10% or more. A run
	 * of NULs at the start is the hole that `copytruncate` rotation leaves while the logger
	 * keeps writing at its old offset: it says nothing, the bytes after it decide (the
	 * parser skips the NULs). */
	size_t start = 0;
	while (start < n && h[start] == 0)
		start++;
	h += start;
	n -= start;
	size_t odd = 0;
	for (size_t i = 0; i < n; i++) {
		const unsigned char b = h[i];
		if ((b < 0x20 && b != '\t' && b != '\n' && b != '\v' && b != '\f' && b != '\r' &&
		     b != 0x1b) ||
		    b == 0x7f)
			odd++;
	}
	if (odd >= 4 && odd * 20 > n)
		return pft_error_set(err, PFT_ERR_FORMAT, 0, c->path, 0,
				     "binary data, not a text log (%zu of the first %zu bytes are "
				     "NUL or control bytes)",
				     odd, n);
	*format = PFT_FORMAT_PLAIN;
	return PFT_OK;
}

/* Reads up to cap bytes from fd (at offset `at` if at >= 0), fewer only at end of file. */
static ssize_t read_head(int fd, unsigned char *buf, size_t cap, off_t at)
{
	size_t n = 0;
	while (n < cap) {
		const ssize_t r = at >= 0 ? pread(fd, buf + n, cap - n, at + (off_t)n)
					  : read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

static enum pft_status sniff(struct cand *c, time_t now, struct pft_error *err)
{
	struct pft_input_file *f = &c->file;
	f->is_stdin = (uint8_t)c->is_stdin;
	f->mtime = S_ISREG(c->st.st_mode) ? c->st.st_mtime : 0;
	f->size = S_ISREG(c->st.st_mode) ? (uint64_t)c->st.st_size : 0;

	if (c->is_stdin || !S_ISREG(c->st.st_mode)) {
		/* stdin or a FIFO: what is read to sniff cannot be read again, so keep it. */
		struct pft_io_pipe *pipe = calloc(1, sizeof *pipe);
		if (pipe != NULL)
			pipe->head = malloc(PFT_IO_SNIFF_BYTES);
		if (pipe == NULL || pipe->head == NULL) {
			free(pipe);
			return pft_error_set(err, PFT_ERR_NOMEM, 0, c->path, 0, "sniff buffer");
		}
		f->pipe = pipe;
		f->no_mmap = 1;
		if (c->is_stdin) {
			pipe->fd = STDIN_FILENO;
		} else {
			pipe->fd = open(c->path, O_RDONLY | O_CLOEXEC);
			if (pipe->fd < 0)
				return pft_error_set(err, PFT_ERR_IO, errno, c->path, 0,
						     "cannot open");
			pipe->owns_fd = 1;
		}
		const ssize_t n = read_head(pipe->fd, pipe->head, PFT_IO_SNIFF_BYTES, -1);
		if (n < 0)
			return pft_error_set(err, PFT_ERR_IO, errno, c->path, 0, "read failed");
		pipe->head_len = (size_t)n;
		return classify(c, pipe->head, pipe->head_len, &f->format, err);
	}

	unsigned char head[PFT_IO_SNIFF_BYTES];
	const int fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pft_error_set(err, PFT_ERR_IO, errno, c->path, 0, "cannot open");
	const ssize_t n = read_head(fd, head, sizeof head, 0);
	const int read_errno = errno;
	close(fd);
	if (n < 0)
		return pft_error_set(err, PFT_ERR_IO, read_errno, c->path, 0, "read failed");
	PFT_TRY(classify(c, head, (size_t)n, &f->format, err));

	const time_t age = now - f->mtime;
	f->no_mmap = age < PFT_IO_LIVE_SECONDS;
	return PFT_OK;
}

/* ---- expansion --------------------------------------------------------------------------- */

enum pft_status pft_inputs_add_error(struct pft_inputs *inputs, const struct pft_error *err)
{
	struct pft_error *grown = realloc(inputs->errors, (inputs->n_errors + 1) * sizeof *grown);
	if (grown == NULL)
		return PFT_ERR_NOMEM;
	inputs->errors = grown;
	inputs->errors[inputs->n_errors++] = *err;
	return PFT_OK;
}

/* A path that cannot be used is left out and described; running out of memory is fatal. */
static enum pft_status keep_going(struct pft_inputs *out, enum pft_status status,
				  struct pft_error *err)
{
	if (status == PFT_OK || status == PFT_ERR_NOMEM)
		return status;
	enum pft_status added = pft_inputs_add_error(out, err);
	memset(err, 0, sizeof *err);
	return added;
}

enum pft_status pft_inputs_expand(const char *const *paths, size_t n_paths,
				  struct pft_inputs *out, struct pft_error *err)
{
	memset(out, 0, sizeof *out);
	struct cand_vec cv = {0};
	enum pft_status status = PFT_OK;

	for (size_t i = 0; i < n_paths && status == PFT_OK; i++) {
		const char *path = paths[i];
		struct stat st;
		enum pft_status one;
		if (strcmp(path, "-") == 0) {
			if (fstat(STDIN_FILENO, &st) != 0)
				one = pft_error_set(err, PFT_ERR_IO, errno, path, 0,
						    "cannot use stdin");
			else
				one = cand_push(&cv, path, &st, 1, err);
		} else if (stat(path, &st) != 0) {
			one = pft_error_set(err, PFT_ERR_IO, errno, path, 0, "cannot access");
		} else if (S_ISDIR(st.st_mode)) {
			one = scan_directory(&cv, path, err);
		} else {
			one = cand_push(&cv, path, &st, 0, err);
		}
		status = keep_going(out, one, err);
	}
	if (status != PFT_OK)
		goto fail;

	cand_dedupe(&cv);
	for (size_t i = 0; i < cv.n; i++) {
		status = cand_make_key(&cv.v[i], err);
		if (status != PFT_OK)
			goto fail;
	}
	if (cv.n > 1)
		qsort(cv.v, cv.n, sizeof cv.v[0], cand_order_compare);

	/* Sniff every file; one that cannot be read or is not a log we read is left out. */
	const time_t now = time(NULL);
	size_t kept = 0;
	for (size_t i = 0; i < cv.n; i++) {
		enum pft_status one = sniff(&cv.v[i], now, err);
		if (one == PFT_OK) {
			struct cand tmp = cv.v[kept];
			cv.v[kept++] = cv.v[i];
			cv.v[i] = tmp;
			continue;
		}
		status = keep_going(out, one, err);
		if (status != PFT_OK)
			goto fail;
	}

	if (kept > 0) {
		out->files = calloc(kept, sizeof out->files[0]);
		if (out->files == NULL) {
			status = pft_error_set(err, PFT_ERR_NOMEM, 0, NULL, 0, "input list");
			goto fail;
		}
	}
	for (size_t i = 0; i < kept; i++) {
		struct cand *c = &cv.v[i];
		if (i > 0 && strcmp(c->key, cv.v[i - 1].key) != 0)
			out->n_streams++;
		out->files[i] = c->file;
		out->files[i].path = c->path;
		out->files[i].stream = out->n_streams;
		c->path = NULL;         /* now owned by out */
		c->file.pipe = NULL;
	}
	out->n_files = kept;
	out->n_streams = kept > 0 ? out->n_streams + 1 : 0;
	cand_vec_free(&cv);
	return PFT_OK;

fail:
	cand_vec_free(&cv);
	pft_inputs_free(out);
	return status;
}

void pft_inputs_free(struct pft_inputs *inputs)
{
	if (inputs == NULL)
		return;
	for (size_t i = 0; i < inputs->n_files; i++) {
		struct pft_input_file *f = &inputs->files[i];
		free(f->path);
		if (f->pipe != NULL) {
			if (f->pipe->owns_fd)
				close(f->pipe->fd);
			free(f->pipe->head);
			free(f->pipe);
		}
	}
	free(inputs->files);
	free(inputs->errors);
	memset(inputs, 0, sizeof *inputs);
}
