/* pftally — trace internals: the two chunk filters (a byte string; a set of queue IDs as
 * tokens) and what the run and the writers share. */
#ifndef PFT_TRACE_INTERNAL_H
#define PFT_TRACE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/strmap.h"
#include "trace/trace.h"

/* ---- a byte string (trace_find.c) -----------------------------------------------------------
 * Found with a SIMD filter on two of its bytes (the rarest in log text, at their distance),
 * each candidate then compared whole: no per-line work, a few instructions per 32 bytes where
 * the two bytes do not both match. Letters may be compared without case (`fold`). */
struct pft_trace_needle {
	const char *bytes;      /* not owned */
	size_t len;             /* >= 1 */
	size_t i1, i2;          /* positions of the filter bytes, i1 <= i2 */
	unsigned char b1, b2;   /* their values (lower case when folded) */
	uint8_t fold1, fold2;   /* the filter byte is a letter compared without case */
	uint8_t fold;           /* compare letters without case */
};

/*! pft_trace_needle_init() : prepares a search for bytes[0..len) (len >= 1); `fold` compares
 *  ASCII letters without case. */
void pft_trace_needle_init(struct pft_trace_needle *nd, const char *bytes, size_t len, int fold);

/*! pft_trace_needle_find() : @return the offset of the first occurrence in h[0..n), or n. */
size_t pft_trace_needle_find(const struct pft_trace_needle *nd, const char *h, size_t n);

/* ---- a set of queue IDs as tokens (trace_find.c) ----------------------------------------------
 * A line belongs to a message when its queue ID is followed by ": " and preceded by ' ' ("...]:
 * QID: to=<..."). The filter takes the ": " of a 32-byte stretch (time stamps' colons drop out),
 * ANDs them with the spaces 1 + L bytes before for each length L in the set, and looks only
 * those tokens up: a bit filter on their last 4 bytes, then the hash map. */
#define PFT_TRACE_QID_MAX 31

struct pft_trace_qidset {
	struct pft_strmap map;  /* QID -> uint32_t number of holders */
	uint32_t lengths;       /* bit L: a member of length L */
	uint64_t *bloom;        /* PFT_TRACE_BLOOM_BITS bits, by hash */
};

#define PFT_TRACE_BLOOM_BITS (1u << 16)

void pft_trace_qidset_init(struct pft_trace_qidset *s);
void pft_trace_qidset_free(struct pft_trace_qidset *s);

/*! pft_trace_qidset_add() : adds a holder of a QID (1..PFT_TRACE_QID_MAX bytes). @return 1 if
 *  the QID is new in the set, 0 if it was there, -1 when out of memory. */
int pft_trace_qidset_add(struct pft_trace_qidset *s, const char *qid, size_t len);

/*! pft_trace_qidset_release() : drops a holder; the QID leaves the set with its last one (an
 *  empty set makes the filter free). */
void pft_trace_qidset_release(struct pft_trace_qidset *s, const char *qid, size_t len);

/*! pft_trace_qidset_has() : @return 1 when qid[0..len) is in the set. */
int pft_trace_qidset_has(const struct pft_trace_qidset *s, const char *qid, size_t len);

/*! pft_trace_qidset_next() : @return the position of the first ':' at or after `from` in
 *  h[0..n) that ends a member preceded by ' ' and is followed by ' ' ("...]: QID: "), or n. */
size_t pft_trace_qidset_next(const struct pft_trace_qidset *s, const char *h, size_t from,
			     size_t n);

/*! pft_trace_kernel_name() : the filter kernel in use ("avx2", "scalar"); it follows
 *  PFT_FORCE_SCAN (pft_scan_current()) so that tests can force the scalar reference. */
const char *pft_trace_kernel_name(void);

/* The kernels built in, scalar (the reference) first: for tests that compare them. */
struct pft_trace_kernel {
	const char *name;
	int (*supported)(void);
	size_t (*needle_find)(const struct pft_trace_needle *nd, const char *h, size_t n);
	size_t (*qidset_next)(const struct pft_trace_qidset *s, const char *h, size_t from,
			      size_t n);
};

const struct pft_trace_kernel *pft_trace_kernels(size_t *n);

/* ---- shared by the run and the writers ----------------------------------------------------- */

/*! pft_trace_address_eq() : a log address equals the one asked for: local part exact, domain
 *  (after the last '@') without case. */
int pft_trace_address_eq(struct pft_slice a, const char *want, size_t want_len);

/*! pft_trace_line_address_match() : the line's to=, orig_to= or from= is `want`. */
int pft_trace_event_matches(const struct pft_event *ev, const char *want, size_t want_len);

#endif /* PFT_TRACE_INTERNAL_H */
