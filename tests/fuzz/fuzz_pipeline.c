/* Fuzz target: the whole pipeline on a byte buffer, and its chunk-size invariance.
 *
 * Input: byte 0 and byte 1 choose two chunk sizes (tiny ones included), byte 2 the horizon,
 * how the year is found and the filters (see filter_of); the rest is the log text. The text is cut into line-aligned
 * chunks as the readers cut it (greedy, a line longer than a chunk alone), each chunk is
 * copied to a buffer of its exact size (ASan sees a read past it), built into a part
 * (pft_part_build) and merged in order (pft_merge_*). Checked:
 *   - every step succeeds (the input is in memory: only running out of memory may fail);
 *   - the JSON report is well formed (strict RFC 8259, valid UTF-8, no duplicate key);
 *   - the JSON before "inputs" is byte-identical for the two chunkings (DESIGN §2);
 *   - every other report renders, the HTML one carries no <script> or <img> from a log line,
 *     and the metrics have no control byte (but tab) and no series twice. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "fuzz_check.h"
#include "report/report.h"

static const size_t chunk_sizes[16] = {1,   2,   3,   5,    7,    13,   31,   64,
				       100, 150, 257, 511, 1024, 4096, 9999, SIZE_MAX};

static const int64_t horizons[4] = {(int64_t)PFT_DEFAULT_HORIZON_DAYS * 86400, 0, 3600, 1};

struct run_options {
	size_t chunk_size;
	int64_t horizon;
	int32_t year;           /* 0: from the file's mtime */
	unsigned filters;       /* 0..7: which of the filter sets below */
};

/* Filters exercise the paths that hold attempts until a message's start is known (lifecycle
 * filters) and the time buckets resolved at the end (--since/--until). */
static const char *const fuzz_sender_domains[] = {"example.com", "example.org"};
static const char *const fuzz_domains[] = {"example.net"};

static struct pft_filter filter_of(unsigned which)
{
	struct pft_filter f = {0};
	if (which & 1)
		f.exclude_notifications = 1;
	if (which & 2) {
		f.sender_domains = fuzz_sender_domains;
		f.n_sender_domains = 2;
	}
	if (which & 4) {
		f.has_since = f.has_until = 1;
		f.since = (struct pft_civil){.year = 2024, .month = 12, .day = 31, .hour = 12,
					     .year_known = 1};
		f.until = (struct pft_civil){.year = 2025, .month = 1, .day = 2, .year_known = 1};
		f.domains = fuzz_domains;
		f.n_domains = 1;
	}
	return f;
}

static char *report_to_string(const struct pft_result *result,
			      const struct pft_report_options *options, size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	FUZZ_CHECK(f != NULL, "open_memstream");
	const enum pft_status status = options
		? pft_report_write(result, options, f)
		: pft_report_json(result, f);
	FUZZ_CHECK(status == PFT_OK, "report format %d: %s", options ? (int)options->format : -1,
		   pft_status_str(status));
	FUZZ_CHECK(fclose(f) == 0, "fclose");
	*len = n;
	return text;
}

static const char *find_ci(const char *hay, size_t n, const char *needle)
{
	const size_t m = strlen(needle);
	for (size_t i = 0; i + m <= n; i++) {
		size_t j = 0;
		while (j < m && tolower((unsigned char)hay[i + j]) == needle[j])
			j++;
		if (j == m)
			return hay + i;
	}
	return NULL;
}

struct series {
	const char *p;
	size_t n;
};

static int series_cmp(const void *a, const void *b)
{
	const struct series *x = a, *y = b;
	const size_t n = x->n < y->n ? x->n : y->n;
	const int c = memcmp(x->p, y->p, n);
	return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

/* Prometheus / OpenMetrics text: no control byte but the line ends (a tab may stand in a
 * label value), and no series (name and labels) twice: a scrape with a duplicate series
 * fails. */
static void check_metrics(const char *text, size_t len)
{
	struct series *v = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		FUZZ_CHECK(nl != NULL, "metrics: the last line has no newline");
		const size_t line_len = (size_t)(nl - (text + i));
		for (size_t k = 0; k < line_len; k++)
			FUZZ_CHECK(((unsigned char)text[i + k] >= 0x20 || text[i + k] == '\t') &&
				   text[i + k] != 0x7f,
				   "metrics: control byte 0x%02x in line %.80s",
				   (unsigned char)text[i + k], text + i);
		if (line_len > 0 && text[i] != '#') {
			const char *sp = NULL;
			for (size_t k = line_len; k > 0; k--)
				if (text[i + k - 1] == ' ') {
					sp = text + i + k - 1;
					break;
				}
			FUZZ_CHECK(sp != NULL, "metrics: a sample without a value: %.80s", text + i);
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				v = realloc(v, cap * sizeof *v);
				FUZZ_CHECK(v != NULL, "realloc");
			}
			v[n++] = (struct series){text + i, (size_t)(sp - (text + i))};
		}
		i += line_len + 1;
	}
	qsort(v, n, sizeof *v, series_cmp);
	for (size_t i = 1; i < n; i++)
		FUZZ_CHECK(series_cmp(&v[i - 1], &v[i]) != 0, "metrics: series twice: %.*s",
			   (int)v[i].n, v[i].p);
	free(v);
}

/* The other writers: they must not fail, HTML must not let a log line add a script, and
 * metrics must be a valid scrape. */
static void render_others(const struct pft_result *result)
{
	static const struct pft_report_options others[] = {
		{.format = PFT_REPORT_TEXT},
		{.format = PFT_REPORT_TEXT, .top = 1, .color = 1},
		{.format = PFT_REPORT_CSV, .csv_table = PFT_CSV_SERIES, .series = PFT_SERIES_HOUR},
		{.format = PFT_REPORT_CSV, .csv_table = PFT_CSV_SERIES, .series = PFT_SERIES_WEEK},
		{.format = PFT_REPORT_CSV, .csv_table = PFT_CSV_DSN},
		{.format = PFT_REPORT_CSV, .csv_table = PFT_CSV_DOMAIN},
		{.format = PFT_REPORT_CSV, .csv_table = PFT_CSV_RELAY},
		{.format = PFT_REPORT_HTML},
		{.format = PFT_REPORT_OPENMETRICS},
		{.format = PFT_REPORT_PROMETHEUS, .top = 2},
	};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		size_t len;
		char *text = report_to_string(result, &others[i], &len);
		if (others[i].format == PFT_REPORT_OPENMETRICS ||
		    others[i].format == PFT_REPORT_PROMETHEUS)
			check_metrics(text, len);
		if (others[i].format == PFT_REPORT_HTML) {
			FUZZ_CHECK(find_ci(text, len, "<script") == NULL,
				   "a <script> tag in the HTML report");
			FUZZ_CHECK(find_ci(text, len, "<img") == NULL,
				   "an <img> tag in the HTML report");
		}
		free(text);
	}
}

/* The pipeline over text[0..len) with one chunking. @return the JSON report (malloc'd). */
static char *run(const char *text, size_t len, const struct run_options *o, int render,
		 size_t *json_len)
{
	struct pft_input_file file = {
		.path = "fuzz.log",
		.format = PFT_FORMAT_PLAIN,
		.size = len,
		.mtime = 1735689600, /* 2025-01-01 */
	};
	struct pft_inputs inputs = {.files = &file, .n_files = 1, .n_streams = 1};
	const struct pft_filter filter = filter_of(o->filters);
	const struct pft_limits limits = {.horizon = o->horizon,
					  .filter = o->filters ? &filter : NULL};
	struct pft_merge *merge = pft_merge_new(&inputs, &limits);
	FUZZ_CHECK(merge != NULL, "pft_merge_new");
	size_t pos = 0;
	while (pos < len) {
		/* Greedy, line-aligned, a line longer than a chunk alone: as pft_input_read. */
		const size_t avail = len - pos;
		size_t n;
		if (avail <= o->chunk_size) {
			n = avail;
		} else {
			n = o->chunk_size;
			while (n > 0 && text[pos + n - 1] != '\n')
				n--;
			if (n == 0) {
				const char *nl = memchr(text + pos, '\n', avail);
				n = nl ? (size_t)(nl - (text + pos)) + 1 : avail;
			}
		}
		char *copy = malloc(n);
		FUZZ_CHECK(copy != NULL, "malloc");
		memcpy(copy, text + pos, n);
		const struct pft_chunk chunk = {
			.data = copy, .len = n, .offset = pos, .stored_end = pos + n};
		struct pft_part part;
		enum pft_status status = pft_part_build(&part, &chunk, 0, &limits);
		FUZZ_CHECK(status == PFT_OK, "pft_part_build: %s", pft_status_str(status));
		free(copy); /* a part must not point into its chunk once built */
		status = pft_merge_part(merge, &part);
		FUZZ_CHECK(status == PFT_OK, "pft_merge_part: %s", pft_status_str(status));
		pft_part_free(&part);
		pos += n;
	}
	struct pft_result result;
	struct pft_error err = {0};
	const enum pft_status status = pft_merge_finish(merge, o->year, &result, &err);
	FUZZ_CHECK(status == PFT_OK, "pft_merge_finish: %s (%s)", pft_status_str(status),
		   err.detail);
	pft_merge_free(merge);

	char *json = report_to_string(&result, NULL, json_len);
	size_t at = 0;
	const char *why = fuzz_json_check(json, *json_len, &at);
	FUZZ_CHECK(why == NULL, "JSON report: %s at byte %zu: %.60s", why, at, json + at);
	if (render)
		render_others(&result);
	pft_result_free(&result);
	return json;
}

/* Length of the part of the JSON report that depends only on the log lines. */
static size_t lines_part(const char *json, size_t len)
{
	static const char key[] = "\n  \"inputs\"";
	const size_t m = sizeof key - 1;
	for (size_t i = 0; i + m <= len; i++)
		if (memcmp(json + i, key, m) == 0)
			return i;
	FUZZ_CHECK(0, "no \"inputs\" key in the JSON report");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	struct run_options a = {
		.chunk_size = chunk_sizes[data[0] & 15],
		.horizon = horizons[data[2] & 3],
		.year = (data[2] & 4) ? 0 : 2024,
		.filters = (data[2] >> 3) & 7,
	};
	struct run_options b = a;
	b.chunk_size = chunk_sizes[data[1] & 15];
	if (b.chunk_size == a.chunk_size)
		b.chunk_size = a.chunk_size == SIZE_MAX ? 1 : SIZE_MAX;
	const char *text = (const char *)data + 3;
	const size_t len = size - 3;

	size_t len_a, len_b;
	char *json_a = run(text, len, &a, 1, &len_a);
	char *json_b = run(text, len, &b, 0, &len_b);
	const size_t cut_a = lines_part(json_a, len_a), cut_b = lines_part(json_b, len_b);
	if (cut_a != cut_b || memcmp(json_a, json_b, cut_a) != 0) {
		size_t i = 0;
		while (i < cut_a && i < cut_b && json_a[i] == json_b[i])
			i++;
		size_t line_start = i;
		while (line_start > 0 && json_a[line_start - 1] != '\n')
			line_start--;
		FUZZ_CHECK(0,
			   "the JSON differs between chunk sizes %zu and %zu at byte %zu:\n"
			   "  %.120s\nvs\n  %.120s",
			   a.chunk_size, b.chunk_size, i, json_a + line_start, json_b + line_start);
	}
	free(json_a);
	free(json_b);
	return 0;
}
