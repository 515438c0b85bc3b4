/* pftally micro benchmark and differential check: the reason key (src/parse/reason.c).
 *
 *   bench_reason [--reps N] [--only new|ref] [--unique] LOG...   time the keys of the reasons
 *                                                  (--unique: each distinct text once, as the
 *                                                  aggregator's cache of keys calls it;
 *                                                  --failed: no status=sent reasons, as the
 *                                                  aggregator keys only the others)
 *   bench_reason --check [--iters N] LOG...           compare with the reference, byte for byte
 *
 * The reasons are those of a log's delivery and reject records (pft_parse_line()), and every
 * line of a file that holds no syslog header (grok-messages.log: the line is the reason).
 * `reason_ref.c` is the implementation before the one-pass rewrite (commit 8e3cbb3), kept
 * here as the reference: --check runs both on the reasons at every cap, on their keys, on
 * mutated reasons (bytes flipped, pieces cut, pieces of other reasons spliced in), on random
 * bytes and on token soup, and stops at the first difference. Timing rows: ns per reason and
 * bytes per ns, best and median of N runs; run under callgrind with --only for instruction
 * counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse/parse.h"
#include "parse/reason.h"

size_t pft_reason_key_ref(const char *text, size_t len, char *out, size_t cap);

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct reasons {
	const char **p;
	size_t *n;
	size_t count, cap, bytes;
};

static void add(struct reasons *r, const char *p, size_t n)
{
	if (r->count == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 1024;
		r->p = realloc(r->p, r->cap * sizeof *r->p);
		r->n = realloc(r->n, r->cap * sizeof *r->n);
		if (r->p == NULL || r->n == NULL) {
			perror("realloc");
			exit(2);
		}
	}
	r->p[r->count] = p;
	r->n[r->count++] = n;
	r->bytes += n;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The reasons of a log; a line without a header (no time) is a reason of its own. */
static int failed_only;

/* The files read, freed at the end. */
static char *files[64];
static size_t n_files;

static void collect(struct reasons *r, const char *path)
{
	size_t len;
	char *buf = read_file(path, &len);
	if (n_files < sizeof files / sizeof files[0])
		files[n_files++] = buf;
	for (char *p = buf, *end = buf + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		struct pft_event ev;
		pft_parse_line(p, (size_t)(nl - p), &ev);
		if ((ev.kind == PFT_EV_DELIVERY || ev.kind == PFT_EV_REJECT) && ev.reason_text.n &&
		    !(failed_only && ev.kind == PFT_EV_DELIVERY && ev.status == PFT_DS_SENT))
			add(r, ev.reason_text.p, ev.reason_text.n);
		else if (ev.kind == PFT_EV_MALFORMED && nl > p)
			add(r, p, (size_t)(nl - p));
		p = nl + 1;
	}
}

/* Keeps the first of each distinct text (an open-addressing set of indexes). */
static void dedupe(struct reasons *r)
{
	size_t cap = 1;
	while (cap < r->count * 2 + 2)
		cap <<= 1;
	size_t *set = calloc(cap, sizeof *set), kept = 0, bytes = 0;
	if (set == NULL)
		exit(2);
	for (size_t i = 0; i < r->count; i++) {
		uint64_t h = 1469598103934665603ull;
		for (size_t j = 0; j < r->n[i]; j++)
			h = (h ^ (unsigned char)r->p[i][j]) * 1099511628211ull;
		size_t s = (size_t)h & (cap - 1);
		int dup = 0;
		for (; set[s] != 0; s = (s + 1) & (cap - 1)) {
			const size_t o = set[s] - 1;
			if (r->n[o] == r->n[i] && memcmp(r->p[o], r->p[i], r->n[i]) == 0) {
				dup = 1;
				break;
			}
		}
		if (dup)
			continue;
		r->p[kept] = r->p[i];
		r->n[kept] = r->n[i];
		bytes += r->n[i];
		set[s] = ++kept;
	}
	free(set);
	r->count = kept;
	r->bytes = bytes;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static unsigned long long compared;

static void check(const char *text, size_t len, size_t cap)
{
	static char a[PFT_REASON_KEY_MAX + 64], b[PFT_REASON_KEY_MAX + 64];
	memset(a, 0x5A, sizeof a);
	memset(b, 0x5A, sizeof b);
	const size_t n = pft_reason_key(text, len, a, cap);
	const size_t m = pft_reason_key_ref(text, len, b, cap);
	compared++;
	if (n != m || memcmp(a, b, sizeof a) != 0) {
		fprintf(stderr, "DIFFERENT at cap %zu\n text [", cap);
		fwrite(text, 1, len, stderr);
		fprintf(stderr, "]\n new  [%.*s] (%zu)\n ref  [%.*s] (%zu)\n", (int)n, a, n, (int)m,
		        b, m);
		exit(1);
	}
}

static size_t random_cap(void)
{
	switch (rng() % 4) {
	case 0: return rng() % 80;
	case 1: return rng() % (PFT_REASON_KEY_MAX + 1);
	default: return PFT_REASON_KEY_MAX;
	}
}

static void check_all(const char *text, size_t len)
{
	check(text, len, PFT_REASON_KEY_MAX);
	check(text, len, random_cap());
	char key[PFT_REASON_KEY_MAX];
	size_t n = pft_reason_key_ref(text, len, key, sizeof key);
	check(key, n, PFT_REASON_KEY_MAX);
}

static const char *const pieces[] = {
    "a",
    "Z",
    "0",
    "9",
    "550",
    "4.7.1",
    "5.7.650",
    "-",
    " ",
    ".",
    "@",
    "<",
    ">",
    "[",
    "]",
    ":",
    "::",
    "\"",
    "user: ",
    "http://",
    "HTTPS://",
    "ftp://",
    "?",
    "=",
    "/",
    "ABCDEF12",
    "x.com",
    "MX.EXAMPLE.ORG",
    "192.0.2.1",
    "2001:db8::1",
    "::ffff:1.2.3.4",
    "\xff",
    "\xc3\xa4",
    "said: ",
    "blocked using ",
    "550-5.7.1 ",
    "\t",
    "_",
    "2024-05-01T12:00:00Z",
    "<n>",
    "<ip>",
    "<host>",
    "<addr>",
    "<id>",
    "%",
    "e.g.",
    "main.cf",
    ".html",
    "IPv6:",
    ":25",
    "4PbC4x469Jz3tBr",
    "qc12si8475009pab.211",
    "300s",
    "\0",
    "1",
    "12",
    "123",
    "1234",
    "12345",
    "2024-05-01",
    " 12:34:56",
    "T12:34",
    ":56",
    ".789",
    ",5",
    "+0200",
    " +0200",
    "-05:00",
    "Z",
    "fe80::1%eth0",
    "[IPv6:",
    "[",
    "]:",
    "1.2.3",
    "1.2.3.4.5",
    "5.1.1",
    "2.0.0",
    "4.4.7",
    "x.y.z.",
    "a-b",
    "a_b",
    "mx1.example.com",
    "com",
    "COM",
    ".db",
    ".cf",
    ".conf",
    ".json",
    "foo.bar.html",
    "ab",
    "abc.de",
    "e",
    "f",
    "dead:beef",
    "::",
    ":::",
    "a:b:c:d:e:f:1:2",
    "1:2:3:4:5:6:7:8:9",
    "ffff",
    "12345",
    "0x1F",
    "-1",
    "--",
    "\r\n",
    "\x7f",
    "\xe2\x82\xac",
    "\xf0\x9f\x98\x80",
    "\xc0\x80",
    "\xed\xa0\x80",
    "!",
    "+",
    "$",
    "'",
    "*",
    "^",
    "`",
    "~",
    "bob+x@example.org",
    "@example",
    "a@[192.0.2.1]",
    "x@[IPv6:::1]",
    "unknown[::1]",
    "unknown user: ",
    "\"bob\"",
    "user:",
    "blocked using",
    "zen.spamhaus.org",
    "https://support.google.com/mail/?p=NoSuchUser",
    "http://[2001:db8::1]:80/x",
    "http://1.2.3.4",
    "http://<ip>",
    ":8080/",
    "#",
    ",",
    ";",
    ")",
    "(",
    "0a1b2c3d4e5f",
    "AbCdEfGhIjKl",
    "deadbeefdeadbeef",
    "ABCDEFGHIJKLMNOPQ1",
    "a1b2c",
    "a1b2c3",
    "421-4.7.0 ",
    "421 4.7.0 ",
    "550 5.1.1 ",
    "550-",
    "5.1.1",
    "x.123",
    "v1.5",
    "300",
    "2.5",
    "1.5.6.7",
    "192.0.2.1]",
    "a..b",
    ".a",
    "a.",
    "xn--80ak6aa92e.com",
    "mx.EXAMPLE.com",
    "x.Com",
    "name=",
    "type=MX",
};
#define N_PIECES (sizeof pieces / sizeof pieces[0])

static void soup(char *text, size_t *len, size_t room)
{
	size_t n = 0;
	const int count = (int)(rng() % 48);
	for (int t = 0; t < count; t++) {
		const size_t i = rng() % N_PIECES;
		const size_t l = pieces[i][0] == '\0' ? 1 : strlen(pieces[i]);
		if (n + l <= room) {
			memcpy(text + n, pieces[i], l);
			n += l;
		}
	}
	*len = n;
}

static void run_check(const struct reasons *r, long iters)
{
	static char text[4096];
	for (size_t i = 0; i < r->count; i++) {
		check_all(r->p[i], r->n[i]);
		for (size_t cap = 0; cap <= 80 && cap <= r->n[i] + 8; cap += 1 + (cap > 20) * 3)
			check(r->p[i], r->n[i], cap);
	}
	fprintf(stderr, "reasons: %zu compared\n", r->count);
	for (long it = 0; it < iters; it++) {
		size_t n = 0;
		switch (it % 6) {
		case 0: /* random bytes, three alphabets */
		case 1: {
			n = rng() % 600;
			const int mode = (int)(rng() % 3);
			for (size_t i = 0; i < n; i++)
				text[i] =
				    mode == 0 ? (char)rng()
				    : mode == 1
				        ? "0123456789abcdefABCDEF.:-_@<>[] /?=\"xZ%"[rng() % 39]
				        : (char)(0x20 + rng() % 95);
			break;
		}
		case 2:
		case 3: soup(text, &n, sizeof text); break;
		default: { /* a real reason, mutated */
			if (r->count == 0) {
				soup(text, &n, sizeof text);
				break;
			}
			const size_t k = rng() % r->count;
			n = r->n[k] < sizeof text / 2 ? r->n[k] : sizeof text / 2;
			memcpy(text, r->p[k], n);
			const int edits = 1 + (int)(rng() % 4);
			for (int e = 0; e < edits && n > 0; e++) {
				const size_t at = rng() % n;
				switch (rng() % 5) {
				case 0: text[at] = (char)rng(); break;
				case 1: text[at] = pieces[rng() % N_PIECES][0]; break;
				case 2: { /* cut a piece */
					const size_t l = rng() % (n - at + 1) % 24;
					memmove(text + at, text + at + l, n - at - l);
					n -= l;
					break;
				}
				case 3: { /* splice a token */
					const char *s = pieces[rng() % N_PIECES];
					const size_t l = s[0] ? strlen(s) : 1;
					if (n + l < sizeof text) {
						memmove(text + at + l, text + at, n - at);
						memcpy(text + at, s, l);
						n += l;
					}
					break;
				}
				default: { /* a piece of another reason */
					const size_t o = rng() % r->count;
					const size_t from = r->n[o] ? rng() % r->n[o] : 0;
					size_t l = rng() % 40;
					if (from + l > r->n[o])
						l = r->n[o] - from;
					if (n + l < sizeof text) {
						memmove(text + at + l, text + at, n - at);
						memcpy(text + at, r->p[o] + from, l);
						n += l;
					}
					break;
				}
				}
			}
			break;
		}
		}
		check_all(text, n);
	}
	fprintf(stderr, "OK: %llu keys identical\n", compared);
}

static int cmp_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void run_time(const struct reasons *r, const char *name,
                     size_t (*fn)(const char *, size_t, char *, size_t), int reps)
{
	double t[64];
	char out[PFT_REASON_KEY_MAX];
	size_t sink = 0;
	for (int rep = 0; rep < reps; rep++) {
		const double t0 = now();
		for (size_t i = 0; i < r->count; i++)
			sink += fn(r->p[i], r->n[i], out, sizeof out);
		t[rep] = now() - t0;
	}
	qsort(t, (size_t)reps, sizeof t[0], cmp_double);
	printf(
	    "%-4s %zu reasons, %zu bytes: best %.1f ns/reason (%.2f B/ns), median %.1f ns/reason "
	    "[%zu]\n",
	    name, r->count, r->bytes, t[0] * 1e9 / (double)r->count,
	    (double)r->bytes / (t[0] * 1e9), t[reps / 2] * 1e9 / (double)r->count, sink);
}

int main(int argc, char **argv)
{
	int reps = 5, do_check = 0, unique = 0;
	long iters = 2000000;
	const char *only = NULL;
	struct reasons r = {0};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc)
			iters = atol(argv[++i]);
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (strcmp(argv[i], "--failed") == 0)
			failed_only = 1;
		else if (strcmp(argv[i], "--unique") == 0)
			unique = 1;
		else if (strcmp(argv[i], "--check") == 0)
			do_check = 1;
		else
			collect(&r, argv[i]);
	}
	if (unique)
		dedupe(&r);
	if (reps < 1 || reps > 64)
		reps = 5;
	if (do_check) {
		run_check(&r, iters);
	} else {
		if (only == NULL || strcmp(only, "new") == 0)
			run_time(&r, "new", pft_reason_key, reps);
		if (only == NULL || strcmp(only, "ref") == 0)
			run_time(&r, "ref", pft_reason_key_ref, reps);
	}
	free(r.p);
	free(r.n);
	for (size_t i = 0; i < n_files; i++)
		free(files[i]);
	return 0;
}
