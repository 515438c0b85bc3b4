/* pftally — stage 1 of the line parser: per 64-byte block, bitmasks of the delimiters.
 *
 * A kernel reads text in 64-byte blocks and writes, for each block, a struct pft_scan_block:
 * the mask of its newlines and three bit-planes of a small code that says which delimiter
 * each byte is (0: none). The mask of any set of delimiter classes is a few ANDs/ORs of those
 * words (pft_scan_bits()). Stage 2 (the parser, src/parse/) never loops over bytes to find a
 * delimiter: it takes the lowest (tzcnt) or highest (lzcnt) bit of such a mask, and walks line
 * ends with tzcnt/blsr. Planes rather than one mask per class: a kernel pays per mask it
 * extracts from a vector register (movemask), and 3 planes carry 7 classes.
 *
 * Kernels: scalar (the reference, always built), SSE2, AVX2 and AVX-512BW; the body is
 * written once (scan_kernel.h) and compiled per target with target attributes. One is chosen
 * at run time from the CPU's features, or forced with PFT_FORCE_SCAN=scalar|sse2|avx2|avx512.
 * Every kernel gives the same words for the same bytes. */
#ifndef PFT_SCAN_H
#define PFT_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "pftally/status.h"

/* The delimiter classes, each one byte value. What stage 2 looks for:
 *   '\n' line ends; ' ' header fields and words; ',' and '=' the "name=value, " fields of
 *   delivery, qmgr and client records; ':' the tag, queue id and reply separators; '[' pid and
 *   relay/client addresses; '>' the end of <address>; ';' the trailer of reject records. */
enum pft_scan_class {
	PFT_SC_NEWLINE = 0,
	PFT_SC_SPACE,
	PFT_SC_COMMA,
	PFT_SC_EQUALS,
	PFT_SC_COLON,
	PFT_SC_LBRACKET,
	PFT_SC_GT,
	PFT_SC_SEMICOLON,
	PFT_SC_COUNT
};

/* The byte of each class, in enum order. */
#define PFT_SCAN_CLASS_BYTES "\n ,=:[>;"

/* The code of each class but the newline in the planes (1..7), in enum order (the newline
 * has a mask of its own). Chosen so that the sets stage 2 uses most are cheap: the tag's end
 * ' ' ':' '[' = 4,5,6 (plane 2 and not 1 & 0), ' ' ':' = 4,5, '=' ',' = 3,7 (planes 0 & 1). */
#define PFT_SCAN_CODE_SPACE 4
#define PFT_SCAN_CODE_COMMA 7
#define PFT_SCAN_CODE_EQUALS 3
#define PFT_SCAN_CODE_COLON 5
#define PFT_SCAN_CODE_LBRACKET 6
#define PFT_SCAN_CODE_GT 1
#define PFT_SCAN_CODE_SEMICOLON 2

/* Sets of classes for pft_scan_next(): one bit per class. */
#define PFT_SCAN_SET(k) (1u << (k))

#define PFT_SCAN_BLOCK 64
#define PFT_SCAN_PLANES 3

/* The words of one 64-byte block: bit i of nl <=> byte i is '\n'; bit i of plane[j] <=> bit j of
 * the code of byte i (the codes above; 0 for every other byte). */
struct pft_scan_block {
	uint64_t nl;
	uint64_t plane[PFT_SCAN_PLANES];
};

/*! pft_scan_code_of() : the plane code of a byte: 1..7 for ' ' , = : [ > ;, else 0. */
extern const uint8_t pft_scan_code_of[256];

/* A kernel: writes the masks of n whole blocks data[0 .. 64 n) to out[0 .. n). It reads exactly
 * those bytes, no more (the caller pads a last partial block, see pft_scan_index_build()). */
typedef void (*pft_scan_fn)(const char *data, size_t n, struct pft_scan_block *out);

void pft_scan_block_scalar(const char *data, size_t n, struct pft_scan_block *out);
#if defined(__x86_64__) || defined(__i386__)
#define PFT_SCAN_X86 1
void pft_scan_block_sse2(const char *data, size_t n, struct pft_scan_block *out);
void pft_scan_block_avx2(const char *data, size_t n, struct pft_scan_block *out);
void pft_scan_block_avx512(const char *data, size_t n, struct pft_scan_block *out);
#endif

/* ---- implementations and run-time choice ------------------------------------------------ */

struct pft_scan_impl {
	const char *name;       /* "avx512", "avx2", "sse2", "scalar" */
	const char *requires;   /* CPU features it needs, for messages: "avx512bw" */
	int (*supported)(void); /* 1 when this CPU has them */
	pft_scan_fn fn;
};

/*! pft_scan_impls() : @return the kernels built into this binary, best first (the priority
 *  list the choice walks); *n gets their number. Static storage. */
const struct pft_scan_impl *pft_scan_impls(size_t *n);

/*! pft_scan_impl_by_name() : @return the kernel called name, or NULL. */
const struct pft_scan_impl *pft_scan_impl_by_name(const char *name);

/*! pft_scan_select() : chooses the kernel once for the whole process: PFT_FORCE_SCAN if set
 *  and non-empty, else the first supported kernel of the priority list. Call it at start
 *  (the CLI does) to learn of a bad PFT_FORCE_SCAN.
 *  @return PFT_OK, or PFT_ERR_USAGE with err's detail naming the unknown kernel, or the CPU
 *  features that a forced kernel lacks; the best supported kernel is used all the same. */
PFT_MUST_CHECK enum pft_status pft_scan_select(struct pft_error *err);

/*! pft_scan_current() : @return the chosen kernel (choosing it on first use as
 *  pft_scan_select() does, errors ignored). Thread-safe. */
const struct pft_scan_impl *pft_scan_current(void);

/* ---- an index of a buffer ------------------------------------------------------------------ */

/* blocks[i] holds the masks of base[64 i .. 64 i + 64). Bits of bytes at or past the indexed
 * length are 0, so a search bounded by an `end` inside the indexed range reads only blocks
 * that exist. blocks == NULL is "no index": the search helpers then look at the bytes. */
struct pft_scan_index {
	const char *base;
	const struct pft_scan_block *blocks;
};

/*! pft_scan_blocks_for() : @return the number of blocks that index len bytes. */
static inline size_t pft_scan_blocks_for(size_t len)
{
	return (len + PFT_SCAN_BLOCK - 1) / PFT_SCAN_BLOCK;
}

/*! pft_scan_index_build() : runs fn over data[0 .. len) into out[0 .. pft_scan_blocks_for(len))
 *  and sets *ix. The last partial block is scanned from a zero-padded copy: no byte past
 *  data + len is read. */
void pft_scan_index_build(pft_scan_fn fn, const char *data, size_t len, struct pft_scan_block *out,
			  struct pft_scan_index *ix);

/* The bits of the bytes of code c (1..7) in one block: an AND of the planes or their
 * complements. */
static inline uint64_t pft_scan_code_bits(const struct pft_scan_block *b, unsigned c)
{
	const uint64_t p0 = c & 1u ? b->plane[0] : ~b->plane[0];
	const uint64_t p1 = c & 2u ? b->plane[1] : ~b->plane[1];
	const uint64_t p2 = c & 4u ? b->plane[2] : ~b->plane[2];
	return p0 & p1 & p2;
}

/* The bits of the classes in `set` in one block (set is a constant: this folds to a few
 * ANDs/ORs of four words; the sets that are unions of codes sharing bits fold further). */
static inline uint64_t pft_scan_bits(const struct pft_scan_block *b, unsigned set)
{
	_Static_assert(PFT_SC_COUNT == 8, "pft_scan_bits() names every class");
	const uint64_t p0 = b->plane[0], p1 = b->plane[1], p2 = b->plane[2];
	/* Frequent unions, written in their short form. */
	if (set == (PFT_SCAN_SET(PFT_SC_SPACE) | PFT_SCAN_SET(PFT_SC_COLON) |
		    PFT_SCAN_SET(PFT_SC_LBRACKET)))
		return p2 & ~(p1 & p0); /* 4, 5, 6 */
	if (set == (PFT_SCAN_SET(PFT_SC_SPACE) | PFT_SCAN_SET(PFT_SC_COLON)))
		return p2 & ~p1; /* 4, 5 */
	if (set == (PFT_SCAN_SET(PFT_SC_EQUALS) | PFT_SCAN_SET(PFT_SC_COMMA)))
		return p1 & p0; /* 3, 7 */
	uint64_t m = set & PFT_SCAN_SET(PFT_SC_NEWLINE) ? b->nl : 0;
	if (set & PFT_SCAN_SET(PFT_SC_SPACE))
		m |= pft_scan_code_bits(b, PFT_SCAN_CODE_SPACE);
	if (set & PFT_SCAN_SET(PFT_SC_COMMA))
		m |= pft_scan_code_bits(b, PFT_SCAN_CODE_COMMA);
	if (set & PFT_SCAN_SET(PFT_SC_EQUALS))
		m |= pft_scan_code_bits(b, PFT_SCAN_CODE_EQUALS);
	if (set & PFT_SCAN_SET(PFT_SC_COLON))
		m |= pft_scan_code_bits(b, PFT_SCAN_CODE_COLON);
	if (set & PFT_SCAN_SET(PFT_SC_LBRACKET))
		m |= pft_scan_code_bits(b, PFT_SCAN_CODE_LBRACKET);
	if (set & PFT_SCAN_SET(PFT_SC_GT))
		m |= pft_scan_code_bits(b, PFT_SCAN_CODE_GT);
	if (set & PFT_SCAN_SET(PFT_SC_SEMICOLON))
		m |= pft_scan_code_bits(b, PFT_SCAN_CODE_SEMICOLON);
	return m;
}

/* Byte-by-byte membership for the no-index path: bit k of pft_scan_byte_class[c] is set when
 * c is the byte of class k. */
extern const uint8_t pft_scan_byte_class[256];

static inline int pft_scan_byte_in(unsigned char c, unsigned set)
{
	return (pft_scan_byte_class[c] & set) != 0;
}

/*! pft_scan_next() : @return the first byte in [p, end) of a class in set, or end. */
static inline const char *pft_scan_next(const struct pft_scan_index *ix, unsigned set,
					const char *p, const char *end)
{
	if (p >= end)
		return end;
	if (ix->blocks == NULL) {
		while (p < end && !pft_scan_byte_in((unsigned char)*p, set))
			p++;
		return p;
	}
	const size_t i = (size_t)(p - ix->base), lim = (size_t)(end - ix->base);
	size_t b = i / PFT_SCAN_BLOCK;
	uint64_t m = pft_scan_bits(&ix->blocks[b], set) >> (i % PFT_SCAN_BLOCK);
	size_t pos = i;
	while (m == 0) {
		b++;
		pos = b * PFT_SCAN_BLOCK;
		if (pos >= lim)
			return end;
		m = pft_scan_bits(&ix->blocks[b], set);
	}
	pos += (size_t)__builtin_ctzll(m);
	return pos < lim ? ix->base + pos : end;
}

/*! pft_scan_prev() : @return the last byte in [p, end) of a class in set, or NULL. */
static inline const char *pft_scan_prev(const struct pft_scan_index *ix, unsigned set,
					const char *p, const char *end)
{
	if (p >= end)
		return NULL;
	if (ix->blocks == NULL) {
		while (end > p && !pft_scan_byte_in((unsigned char)end[-1], set))
			end--;
		return end > p ? end - 1 : NULL;
	}
	const size_t lo = (size_t)(p - ix->base), last = (size_t)(end - ix->base) - 1;
	size_t b = last / PFT_SCAN_BLOCK;
	const unsigned keep = (unsigned)(last % PFT_SCAN_BLOCK); /* bits 0..keep of block b */
	uint64_t m = pft_scan_bits(&ix->blocks[b], set);
	if (keep != PFT_SCAN_BLOCK - 1)
		m &= (2ull << keep) - 1;
	for (;;) {
		if (m != 0) {
			size_t pos = b * PFT_SCAN_BLOCK + 63 - (size_t)__builtin_clzll(m);
			return pos >= lo ? ix->base + pos : NULL;
		}
		if (b * PFT_SCAN_BLOCK <= lo)
			return NULL;
		b--;
		m = pft_scan_bits(&ix->blocks[b], set);
	}
}

/*! pft_scan_next_pair() : @return the first q in [p, end) such that q and q + dist (< end)
 *  are both bytes of a class in set (e.g. the spaces of " as "), or end. 0 < dist < 64. */
static inline const char *pft_scan_next_pair(const struct pft_scan_index *ix, unsigned set,
					     unsigned dist, const char *p, const char *end)
{
	if (end - p <= (ptrdiff_t)dist)
		return end;
	if (ix->blocks == NULL) {
		for (const char *q = p; q + dist < end; q++)
			if (pft_scan_byte_in((unsigned char)q[0], set) &&
			    pft_scan_byte_in((unsigned char)q[dist], set))
				return q;
		return end;
	}
	const size_t i = (size_t)(p - ix->base), lim = (size_t)(end - ix->base) - dist;
	size_t b = i / PFT_SCAN_BLOCK;
	uint64_t here = pft_scan_bits(&ix->blocks[b], set);
	uint64_t m = 0;
	for (;;) {
		/* bits of the block after b, if any of it is before the end */
		uint64_t next = (b + 1) * PFT_SCAN_BLOCK < lim + dist
					? pft_scan_bits(&ix->blocks[b + 1], set)
					: 0;
		m = here & (here >> dist | next << (PFT_SCAN_BLOCK - dist));
		if (b == i / PFT_SCAN_BLOCK)
			m &= ~0ull << (i % PFT_SCAN_BLOCK);
		if (m != 0)
			break;
		b++;
		if (b * PFT_SCAN_BLOCK >= lim)
			return end;
		here = next;
	}
	const size_t pos = b * PFT_SCAN_BLOCK + (size_t)__builtin_ctzll(m);
	return pos < lim ? ix->base + pos : end;
}

/* ---- lines of a buffer ------------------------------------------------------------------ */

/* The window: 64 blocks = 4 KiB of text, 2 KiB of masks (measured best of 32, 64, 256). */
#define PFT_SCAN_WINDOW_BLOCKS 64

/* A line longer than this is handed out without an index (ix.blocks == NULL), its end found
 * with memchr: the window stops growing here (the parser does not parse such lines, see
 * PFT_PARSE_MAX_LINE), so a 100 MiB line costs no 100 MiB of masks. */
#define PFT_SCAN_LINE_INDEX_MAX ((size_t)64 << 10)

/* Walks the lines of a buffer with an index that always covers the current line whole (up to
 * PFT_SCAN_LINE_INDEX_MAX bytes). A line ends at '\n' or at a lone '\r' (one not followed by
 * '\n': the line end of old Mac files, or a line glued to the next by a broken writer); the
 * '\r' of "\r\n" stays in the line (the parser ignores it). The index is a window of the
 * buffer, scanned ahead a window at a time (so the masks stay in
 * L1). Blocks are aligned on `data`; when the walk reaches the end of the window, the masks
 * of the blocks of the unfinished line move to the front and the window is filled up after
 * them (no byte is scanned twice); it grows for a line longer than the window. Each new
 * stretch is searched for '\r' (memchr: none in most logs) and the newline bit of each lone
 * one is set, so that the kernels stay '\n'-only. The newline bits of each new stretch are
 * flattened into a list of offsets at once (tzcnt/blsr, two per
 * block without a branch), so that handing out a line is a load, not a search.
 * Invariant: data <= win <= line <= end, win - data a multiple of 64; blocks[0 .. nblocks)
 * are the masks of [win, win + 64 nblocks) with the bits of bytes past `end` 0; nl[next ..
 * n_nl) are the offsets from win of the newlines at or after `line` in the window. */
struct pft_scan_lines {
	const char *data, *end;
	const char *win;
	const char *line;
	struct pft_scan_block *blocks;
	uint32_t *nl;
	size_t nblocks, cap;            /* cap blocks; nl has room for 64 cap + 2 offsets */
	size_t next, n_nl;
	pft_scan_fn fn;
	struct pft_scan_block inline_blocks[PFT_SCAN_WINDOW_BLOCKS];
	uint32_t inline_nl[PFT_SCAN_WINDOW_BLOCKS * PFT_SCAN_BLOCK + 2];
};

struct pft_scan_line {
	const char *p;
	size_t len;                     /* without the '\n' */
	struct pft_scan_index ix;       /* covers p[0 .. len) */
};

/*! pft_scan_lines_init() : lines of data[0 .. len) with kernel fn (pft_scan_current()->fn if
 *  NULL). No allocation until a line is longer than the window. */
void pft_scan_lines_init(struct pft_scan_lines *it, const char *data, size_t len, pft_scan_fn fn);

/* The slow half of pft_scan_lines_next(): scans the next window (or finds the end). */
int pft_scan_lines_refill(struct pft_scan_lines *it, struct pft_scan_line *line);

/*! pft_scan_lines_next() : the next line into *line, without its '\n' or lone '\r'.
 *  @return 1, 0 at the end of the buffer (the last line may lack its line end; an empty
 *  remainder is no line), or -1 when growing the window for a long line failed (out of
 *  memory). line->ix is valid until the next call; its blocks may be NULL (no index) for a
 *  line longer than PFT_SCAN_LINE_INDEX_MAX. Inline: handing out a line of the current
 *  window is a few loads and stores. */
static inline int pft_scan_lines_next(struct pft_scan_lines *it, struct pft_scan_line *line)
{
	if (it->next == it->n_nl) /* else a newline is left, so line < end */
		return pft_scan_lines_refill(it, line);
	const char *nl = it->win + it->nl[it->next++];
	line->p = it->line;
	line->len = (size_t)(nl - it->line);
	line->ix.base = it->win;
	line->ix.blocks = it->blocks;
	it->line = nl + 1;
	return 1;
}

/*! pft_scan_lines_free() : frees what a long line made the walker allocate. */
void pft_scan_lines_free(struct pft_scan_lines *it);

#endif /* PFT_SCAN_H */
