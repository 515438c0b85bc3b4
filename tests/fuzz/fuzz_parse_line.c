/* Fuzz target: the line parser on arbitrary bytes.
 *
 * The whole input is parsed as one line (pft_parse_line), and again cut into lines by every
 * scan kernel this CPU runs (pft_parse_line_scanned with that kernel's masks). Checked:
 *   - every slice of an event points inside the line it was parsed from;
 *   - enums and the time stamp are in range;
 *   - the parse does not depend on the kernel: the masked parse of a line equals the
 *     byte-by-byte one (no index) and pft_parse_line(), field by field. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "parse/parse.h"
#include "scan/scan.h"

#define SLICES(X)                                                                                  \
	X(host) X(program) X(instance) X(service) X(text) X(qid) X(to) X(orig_to) X(relay)        \
	X(relay_host) X(from) X(reason_text) X(new_qid) X(client) X(orig_qid)

static void check_slice(const char *name, struct pft_slice s, const char *line, size_t len)
{
	if (s.n == 0)
		return;
	FUZZ_CHECK(s.p != NULL, "slice %s has %u bytes and no pointer", name, s.n);
	FUZZ_CHECK(s.p >= line && s.p <= line + len && s.n <= (size_t)(line + len - s.p),
		   "slice %s [%td, +%u) is outside the line [0, %zu)", name, s.p - line, s.n,
		   len);
}

static void check_event(const struct pft_event *ev, const char *line, size_t len)
{
#define CHECK_ONE(f) check_slice(#f, ev->f, line, len);
	SLICES(CHECK_ONE)
#undef CHECK_ONE
	FUZZ_CHECK((unsigned)ev->kind < PFT_EV_KIND_COUNT, "kind %d", (int)ev->kind);
	FUZZ_CHECK((unsigned)ev->reason < PFT_UNREC_REASON_COUNT, "reason %d", (int)ev->reason);
	FUZZ_CHECK((unsigned)ev->status < PFT_DS_COUNT, "status %d", (int)ev->status);
	FUZZ_CHECK((unsigned)ev->notify < PFT_NOTIFY_COUNT, "notify %d", (int)ev->notify);
	FUZZ_CHECK((unsigned)ev->reject_stage < PFT_STAGE_COUNT, "stage %d",
		   (int)ev->reject_stage);
	FUZZ_CHECK((unsigned)ev->action < PFT_ACTION_COUNT, "action %d", (int)ev->action);
	if (ev->kind == PFT_EV_MALFORMED || ev->kind == PFT_EV_UNRECOGNIZED)
		FUZZ_CHECK(ev->reason != PFT_UNREC_NONE, "kind %d without a reason",
			   (int)ev->kind);
	if (ev->has_time) {
		const struct pft_civil *t = &ev->time;
		FUZZ_CHECK(t->month >= 1 && t->month <= 12, "month %u", t->month);
		FUZZ_CHECK(t->day >= 1 && t->day <= 31, "day %u", t->day);
		FUZZ_CHECK(t->hour <= 23 && t->min <= 59 && t->sec <= 60, "time %u:%u:%u",
			   t->hour, t->min, t->sec);
		FUZZ_CHECK(t->nsec < 1000000000u, "nsec %u", t->nsec);
		FUZZ_CHECK(t->utc_offset_min > -24 * 60 && t->utc_offset_min < 24 * 60,
			   "offset %d", t->utc_offset_min);
		FUZZ_CHECK(t->year_known || t->year == 0, "BSD stamp with year %d", t->year);
	}
	if (ev->dsn != 0)
		FUZZ_CHECK(PFT_DSN_CLASS(ev->dsn) < 1000, "dsn %u", ev->dsn);
}

static int slice_eq(struct pft_slice a, struct pft_slice b)
{
	return a.n == b.n && (a.n == 0 || a.p == b.p);
}

static int civil_eq(const struct pft_civil *a, const struct pft_civil *b)
{
	return a->year == b->year && a->month == b->month && a->day == b->day &&
	       a->hour == b->hour && a->min == b->min && a->sec == b->sec &&
	       a->year_known == b->year_known && a->utc_offset_min == b->utc_offset_min &&
	       a->nsec == b->nsec;
}

/* Field by field: the slices of both events point into the same line. */
static void check_same(const struct pft_event *a, const struct pft_event *b, const char *what)
{
#define SAME_SLICE(f)                                                                              \
	FUZZ_CHECK(slice_eq(a->f, b->f), "%s: slice " #f " differs ([%u] vs [%u])", what,         \
		   a->f.n, b->f.n);
	SLICES(SAME_SLICE)
#undef SAME_SLICE
#define SAME(f) FUZZ_CHECK(a->f == b->f, "%s: " #f " differs", what);
	SAME(kind) SAME(reason) SAME(has_time) SAME(pid) SAME(status) SAME(dsn) SAME(size)
	SAME(nrcpt) SAME(notify) SAME(reject_stage) SAME(noqueue) SAME(ends_message) SAME(action)
#undef SAME
	if (a->has_time)
		FUZZ_CHECK(civil_eq(&a->time, &b->time), "%s: time differs", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so that ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	if (size > 0)
		memcpy(buf, data, size);

	struct pft_event whole, plain;
	pft_parse_line(buf, size, &whole);
	check_event(&whole, buf, size);
	const struct pft_scan_index no_index = {.base = buf, .blocks = NULL};
	pft_parse_line_scanned(buf, size, &no_index, &plain);
	check_same(&whole, &plain, "whole input, masks vs bytes");

	size_t n_impls;
	const struct pft_scan_impl *impls = pft_scan_impls(&n_impls);
	for (size_t k = 0; k < n_impls; k++) {
		if (!impls[k].supported())
			continue;
		struct pft_scan_lines it;
		struct pft_scan_line line;
		pft_scan_lines_init(&it, buf, size, impls[k].fn);
		const char *expect_next = buf;
		int more;
		while ((more = pft_scan_lines_next(&it, &line)) == 1) {
			FUZZ_CHECK(line.p == expect_next, "%s: lines are not contiguous",
				   impls[k].name);
			FUZZ_CHECK(line.len <= (size_t)(buf + size - line.p), "%s: line past the end",
				   impls[k].name);
			FUZZ_CHECK(memchr(line.p, '\n', line.len) == NULL,
				   "%s: a line holds a newline", impls[k].name);
			expect_next = line.p + line.len + 1;
			struct pft_event scanned, bytes;
			pft_parse_line_scanned(line.p, line.len, &line.ix, &scanned);
			check_event(&scanned, line.p, line.len);
			const struct pft_scan_index none = {.base = line.p, .blocks = NULL};
			pft_parse_line_scanned(line.p, line.len, &none, &bytes);
			check_same(&scanned, &bytes, impls[k].name);
		}
		FUZZ_CHECK(more == 0, "%s: line walk failed", impls[k].name);
		FUZZ_CHECK(expect_next >= buf + size, "%s: lines stop at %td of %zu", impls[k].name,
			   expect_next - buf, size);
		pft_scan_lines_free(&it);
	}
	free(buf);
	return 0;
}
