/* pftally — the lines of a buffer, found with the newline masks (tzcnt/blsr), each handed out
 * with an index that covers it. */
#include "scan/scan.h"

#include <stdlib.h>
#include <string.h>

void pft_scan_lines_init(struct pft_scan_lines *it, const char *data, size_t len, pft_scan_fn fn)
{
	it->data = data;
	it->end = data + len;
	it->win = data;
	it->line = data;
	it->blocks = it->inline_blocks;
	it->nl = it->inline_nl;
	it->cap = PFT_SCAN_WINDOW_BLOCKS;
	it->nblocks = 0;
	it->next = 0;
	it->n_nl = 0;
	it->fn = fn != NULL ? fn : pft_scan_current()->fn;
}

void pft_scan_lines_free(struct pft_scan_lines *it)
{
	if (it->blocks != it->inline_blocks) {
		free(it->blocks);
		free(it->nl);
	}
	it->blocks = it->inline_blocks;
	it->nl = it->inline_nl;
	it->cap = PFT_SCAN_WINDOW_BLOCKS;
}

/* Offsets of the newlines of blocks [from, to) into out; @return how many. Two offsets per
 * block are written whatever the count (the slots past the count are scratch), so a block
 * with 0, 1 or 2 newlines costs no branch; out has 2 slots of slack. */
static size_t flatten(const struct pft_scan_block *blocks, size_t from, size_t to, uint32_t *out)
{
	const uint64_t top = 1ull << 63; /* ctz of 0 would be undefined: 63 lands past the count */
	size_t n = 0;
	for (size_t b = from; b < to; b++) {
		uint64_t m = blocks[b].nl;
		const uint32_t base = (uint32_t)(b * PFT_SCAN_BLOCK);
		out[n] = base + (uint32_t)__builtin_ctzll(m | top);
		n += m != 0;
		m &= m - 1;
		out[n] = base + (uint32_t)__builtin_ctzll(m | top);
		n += m != 0;
		m &= m - 1;
		while (m != 0) {
			out[n++] = base + (uint32_t)__builtin_ctzll(m);
			m &= m - 1;
		}
	}
	return n;
}

/* Sets the newline bit of each lone '\r' (not followed by '\n') in [from, from + n), a stretch
 * of the window whose masks are built. The byte after the stretch may be read: it is before
 * `end` or there is none. */
static void mark_lone_cr(struct pft_scan_lines *it, const char *from, size_t n)
{
	const char *p = from, *const stop = from + n;
	while (p < stop && (p = memchr(p, '\r', (size_t)(stop - p))) != NULL) {
		if (p + 1 == it->end || p[1] != '\n') {
			const size_t off = (size_t)(p - it->win);
			it->blocks[off / PFT_SCAN_BLOCK].nl |= 1ull << (off % PFT_SCAN_BLOCK);
		}
		p++;
	}
}

/* Scans the next stretch after the window, keeping the blocks of the unfinished line.
 * @return 1, 0 when everything is scanned, -1 out of memory. */
static int refill(struct pft_scan_lines *it)
{
	const char *scanned = it->win + it->nblocks * PFT_SCAN_BLOCK;
	if (scanned >= it->end)
		return 0;
	const size_t keep_from = (size_t)(it->line - it->win) / PFT_SCAN_BLOCK;
	const size_t kept = it->nblocks - keep_from;
	memmove(it->blocks, it->blocks + keep_from, kept * sizeof *it->blocks);
	it->win += keep_from * PFT_SCAN_BLOCK;
	it->nblocks = kept;
	if (kept == it->cap) { /* one line fills the window: make it bigger */
		size_t cap = it->cap * 2;
		struct pft_scan_block *blocks = malloc(cap * sizeof *blocks);
		uint32_t *nl = malloc((cap * PFT_SCAN_BLOCK + 2) * sizeof *nl);
		if (blocks == NULL || nl == NULL) {
			free(blocks);
			free(nl);
			return -1;
		}
		memcpy(blocks, it->blocks, kept * sizeof *blocks);
		pft_scan_lines_free(it);
		it->blocks = blocks;
		it->nl = nl;
		it->cap = cap;
	}
	/* A window of the usual size after a long line too: the masks stay in cache. */
	size_t fill = it->cap - kept;
	if (kept < PFT_SCAN_WINDOW_BLOCKS)
		fill = PFT_SCAN_WINDOW_BLOCKS - kept;
	const size_t left = (size_t)(it->end - scanned);
	size_t bytes = fill * PFT_SCAN_BLOCK;
	if (bytes > left)
		bytes = left;
	struct pft_scan_index ignored;
	pft_scan_index_build(it->fn, scanned, bytes, it->blocks + kept, &ignored);
	mark_lone_cr(it, scanned, bytes);
	it->nblocks = kept + pft_scan_blocks_for(bytes);
	/* Newlines of the kept blocks are all before `line`: handed out already. So are those
	 * of the first block after a line too long to index (see long_line()). */
	it->n_nl = flatten(it->blocks, kept, it->nblocks, it->nl);
	it->next = 0;
	while (it->next < it->n_nl && it->win + it->nl[it->next] < it->line)
		it->next++;
	return 1;
}

/* The end of the line that continues at p: the first '\n' or lone '\r' in [p, end), or end. */
static const char *line_end_bytes(const char *p, const char *end)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));
	if (lf == NULL)
		lf = end;
	const char *cr = memchr(p, '\r', (size_t)(lf - p));
	/* The first '\r' is lone unless it is the one of "\r\n". */
	if (cr != NULL && (cr + 1 < lf || lf == end))
		return cr;
	return lf;
}

/* The current line has filled PFT_SCAN_LINE_INDEX_MAX bytes of masks without ending: finds its
 * end with memchr from the end of the window, hands it out without an index, and restarts the
 * window (empty) at the block of the next line. */
static int long_line(struct pft_scan_lines *it, struct pft_scan_line *line)
{
	const char *scanned = it->win + it->nblocks * PFT_SCAN_BLOCK;
	const char *e = scanned < it->end ? line_end_bytes(scanned, it->end) : it->end;
	line->p = it->line;
	line->len = (size_t)(e - it->line);
	line->ix.base = it->line;
	line->ix.blocks = NULL;
	it->line = e < it->end ? e + 1 : it->end;
	it->win = it->data + (size_t)(it->line - it->data) / PFT_SCAN_BLOCK * PFT_SCAN_BLOCK;
	it->nblocks = 0;
	it->next = it->n_nl = 0;
	return 1;
}

int pft_scan_lines_refill(struct pft_scan_lines *it, struct pft_scan_line *line)
{
	if (it->line >= it->end)
		return 0;
	while (it->next == it->n_nl) {
		const size_t line_blocks =
			it->nblocks - (size_t)(it->line - it->win) / PFT_SCAN_BLOCK;
		if (line_blocks * PFT_SCAN_BLOCK >= PFT_SCAN_LINE_INDEX_MAX)
			return long_line(it, line);
		int more = refill(it);
		if (more < 0)
			return -1;
		if (more == 0) { /* the last line, without '\n' */
			line->p = it->line;
			line->len = (size_t)(it->end - it->line);
			line->ix.base = it->win;
			line->ix.blocks = it->blocks;
			it->line = it->end;
			return 1;
		}
	}
	return pft_scan_lines_next(it, line);
}
