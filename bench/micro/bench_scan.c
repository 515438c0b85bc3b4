/* pftally micro benchmark: each stage-1 kernel timed directly, then the line walk and the
 * whole stage 2 (parse) on top of it, in GB/s and ns/line, on generated data or a file.
 *
 *   bench_scan [--bytes SIZE] [--file PATH] [--reps N] [--stage STAGE] [--kernel NAME]
 *   bench_scan --print-kernel       (the kernel chosen on this CPU, for the e2e summary)
 *
 * Rows: "kernel" = masks only (window by window, as the line walk runs it); "lines" = the
 * line walk (tzcnt/blsr over the newline masks); "parse" = lines + pft_parse_line_scanned();
 * "parse-bytes" = the same parser without masks (byte loops, memchr line split), the path
 * that lines too long for an index take; "memchr-lines" = a memchr line split, the floor of
 * any parser that looks at every line. Best and median of N runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_gen.h"
#include "parse/parse.h"
#include "scan/scan.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile uint64_t sink;

static uint64_t run_kernel(pft_scan_fn fn, const char *data, size_t len)
{
	static struct pft_scan_block blocks[PFT_SCAN_WINDOW_BLOCKS];
	const size_t window = PFT_SCAN_WINDOW_BLOCKS * PFT_SCAN_BLOCK;
	uint64_t acc = 0;
	for (size_t off = 0; off < len; off += window) {
		size_t n = len - off < window ? len - off : window;
		struct pft_scan_index ix;
		pft_scan_index_build(fn, data + off, n, blocks, &ix);
		acc += blocks[0].nl;
	}
	return acc;
}

static uint64_t run_lines(pft_scan_fn fn, const char *data, size_t len)
{
	struct pft_scan_lines it;
	struct pft_scan_line line;
	uint64_t n = 0;
	pft_scan_lines_init(&it, data, len, fn);
	while (pft_scan_lines_next(&it, &line) > 0)
		n += line.len;
	pft_scan_lines_free(&it);
	return n;
}

static uint64_t run_parse(pft_scan_fn fn, const char *data, size_t len)
{
	struct pft_scan_lines it;
	struct pft_scan_line line;
	struct pft_event ev;
	uint64_t acc = 0;
	pft_scan_lines_init(&it, data, len, fn);
	while (pft_scan_lines_next(&it, &line) > 0) {
		pft_parse_line_scanned(line.p, line.len, &line.ix, &ev);
		acc += (uint64_t)ev.kind + ev.qid.n + ev.to.n;
	}
	pft_scan_lines_free(&it);
	return acc;
}

static uint64_t run_parse_bytes(pft_scan_fn fn, const char *data, size_t len)
{
	(void)fn;
	struct pft_event ev;
	uint64_t acc = 0;
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		struct pft_scan_index ix = {p, NULL};
		pft_parse_line_scanned(p, (size_t)(e - p), &ix, &ev);
		acc += (uint64_t)ev.kind + ev.qid.n + ev.to.n;
		p = nl ? nl + 1 : end;
	}
	return acc;
}

static uint64_t run_memchr_lines(pft_scan_fn fn, const char *data, size_t len)
{
	(void)fn;
	uint64_t n = 0;
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		n += (uint64_t)((nl ? nl : end) - p);
		p = nl ? nl + 1 : end;
	}
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static const char *only_stage, *only_kernel;

static void measure(const char *what, const char *impl, uint64_t (*fn)(pft_scan_fn, const char *, size_t),
		    pft_scan_fn kernel, const char *data, size_t len, size_t lines, int reps)
{
	if ((only_stage && strcmp(only_stage, what) != 0) ||
	    (only_kernel && strcmp(only_kernel, impl) != 0 && strcmp(impl, "-") != 0))
		return;
	double t[64];
	if (reps > 64)
		reps = 64;
	for (int r = 0; r < reps; r++) {
		double t0 = now();
		sink += fn(kernel, data, len);
		t[r] = now() - t0;
	}
	qsort(t, (size_t)reps, sizeof t[0], cmp_double);
	double best = t[0], median = t[reps / 2];
	printf("%-12s %-8s %8.2f %8.2f %9.1f %9.1f\n", what, impl, (double)len / best * 1e-9,
	       (double)len / median * 1e-9, best / (double)lines * 1e9, median / (double)lines * 1e9);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (buf == NULL)
			break;
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		buf = realloc(buf, cap);
	}
	fclose(f);
	*len = n;
	return buf;
}

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	switch (*end) {
	case 'k': case 'K': v <<= 10; break;
	case 'm': case 'M': v <<= 20; break;
	case 'g': case 'G': v <<= 30; break;
	default: break;
	}
	return (size_t)v;
}

int main(int argc, char **argv)
{
	size_t bytes = 64u << 20;
	const char *file = NULL;
	int reps = 7;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc)
			bytes = parse_size(argv[++i]);
		else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (strcmp(argv[i], "--print-kernel") == 0) {
			puts(pft_scan_current()->name);
			return 0;
		} else if (strcmp(argv[i], "--stage") == 0 && i + 1 < argc)
			only_stage = argv[++i];
		else if (strcmp(argv[i], "--kernel") == 0 && i + 1 < argc)
			only_kernel = argv[++i];
		else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_scan [--bytes SIZE] [--file PATH] [--reps N] "
					"[--stage kernel|lines|parse|parse-bytes|memchr-lines] "
					"[--kernel NAME]\n");
			return 2;
		}
	}
	if (reps < 1)
		reps = 1;
	size_t len;
	char *data = file ? read_file(file, &len) : pft_bench_gen_log(1, bytes, &len);
	if (data == NULL) {
		fprintf(stderr, "bench_scan: %s: %s\n", file ? file : "generator", strerror(errno));
		return 1;
	}
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += data[i] == '\n';
	if (lines == 0)
		lines = 1;

	printf("input: %s, %zu bytes, %zu lines (%.1f bytes/line), best of %d runs\n",
	       file ? file : "generated", len, lines, (double)len / (double)lines, reps);
	printf("chosen kernel: %s\n\n", pft_scan_current()->name);
	printf("%-12s %-8s %8s %8s %9s %9s\n", "stage", "kernel", "GB/s", "GB/s med", "ns/line",
	       "ns/l med");
	size_t n_impls;
	const struct pft_scan_impl *impls = pft_scan_impls(&n_impls);
	for (size_t i = 0; i < n_impls; i++)
		if (impls[i].supported())
			measure("kernel", impls[i].name, run_kernel, impls[i].fn, data, len, lines, reps);
	for (size_t i = 0; i < n_impls; i++)
		if (impls[i].supported())
			measure("lines", impls[i].name, run_lines, impls[i].fn, data, len, lines, reps);
	for (size_t i = 0; i < n_impls; i++)
		if (impls[i].supported())
			measure("parse", impls[i].name, run_parse, impls[i].fn, data, len, lines, reps);
	measure("parse-bytes", "-", run_parse_bytes, NULL, data, len, lines, reps);
	measure("memchr-lines", "-", run_memchr_lines, NULL, data, len, lines, reps);
	free(data);
	return 0;
}
