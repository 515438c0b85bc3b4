/* pftally — packed time stamps and year inference for BSD syslog stamps.
 *
 * BSD stamps have no year. A chunk does not know the year of its lines, so it stamps them with
 * a *relative* year: the number of New Year rollovers seen since the chunk's first BSD line.
 * The ordered merge shifts each chunk's relative years onto its stream (rotation set); the
 * final year of each relative year is fixed only at the end, from --year or the newest file's
 * mtime (a log line is never later than its file's mtime). RFC 3339 stamps are absolute.
 *
 * A pft_stamp packs (kind, stream, year, month, day, second of day) into 64 bits so that stamps
 * of one stream and kind compare as integers and hour/day buckets are a mask away:
 *   bit 63      1 = relative year (BSD), 0 = absolute year
 *   bits 48-62  stream (relative stamps only)
 *   bits 32-47  year, or relative year + PFT_STAMP_REL_BIAS
 *   bits 28-31  month 1..12,  bits 23-27 day 1..31,  bits 0-16 second of day */
#ifndef PFT_STAMP_H
#define PFT_STAMP_H

#include <stdint.h>
#include <time.h>

#include "pftally/event.h"

typedef uint64_t pft_stamp;

#define PFT_STAMP_NONE ((pft_stamp)0)
#define PFT_STAMP_REL_FLAG (1ull << 63)
#define PFT_STAMP_REL_BIAS 0x8000
#define PFT_STAMP_DAY_MASK (~(pft_stamp)0x1FFFF)

static inline pft_stamp pft_stamp_make(int relative, uint32_t stream, int32_t year, unsigned month,
				       unsigned day, uint32_t sec_of_day)
{
	uint64_t y = relative ? (uint64_t)(uint16_t)(year + PFT_STAMP_REL_BIAS) : (uint16_t)year;
	return (relative ? PFT_STAMP_REL_FLAG : 0) |
	       (relative ? (uint64_t)(stream & 0x7FFF) << 48 : 0) | y << 32 |
	       (uint64_t)(month & 15) << 28 | (uint64_t)(day & 31) << 23 | (sec_of_day & 0x1FFFF);
}

static inline int pft_stamp_is_relative(pft_stamp s) { return (s & PFT_STAMP_REL_FLAG) != 0; }
static inline uint32_t pft_stamp_stream(pft_stamp s) { return (uint32_t)(s >> 48) & 0x7FFF; }
static inline int32_t pft_stamp_year(pft_stamp s)
{
	int32_t y = (int32_t)((s >> 32) & 0xFFFF);
	return pft_stamp_is_relative(s) ? y - PFT_STAMP_REL_BIAS : y;
}
static inline unsigned pft_stamp_month(pft_stamp s) { return (unsigned)(s >> 28) & 15; }
static inline unsigned pft_stamp_day(pft_stamp s) { return (unsigned)(s >> 23) & 31; }
static inline uint32_t pft_stamp_sec(pft_stamp s) { return (uint32_t)s & 0x1FFFF; }
static inline pft_stamp pft_stamp_hour(pft_stamp s) { return s - (pft_stamp_sec(s) % 3600); }
static inline pft_stamp pft_stamp_day_of(pft_stamp s) { return s & PFT_STAMP_DAY_MASK; }

/*! pft_stamp_shift_year() : adds delta to the (relative) year of s; absolute stamps and
 *  PFT_STAMP_NONE are returned unchanged. */
static inline pft_stamp pft_stamp_shift_year(pft_stamp s, int32_t delta)
{
	if (!pft_stamp_is_relative(s) || delta == 0)
		return s;
	return (s & ~(0xFFFFull << 32)) | (uint64_t)(uint16_t)(((s >> 32) & 0xFFFF) + delta) << 32;
}

/*! pft_stamp_gap() : seconds from a to b on a leap-free calendar (months of 31 days), the
 *  same however a stream was cut into chunks; -1 when the two cannot be compared (one is
 *  missing, or they come from different clocks: another stream, or relative vs absolute). */
static inline int64_t pft_stamp_gap(pft_stamp a, pft_stamp b)
{
	if (a == PFT_STAMP_NONE || b == PFT_STAMP_NONE ||
	    pft_stamp_is_relative(a) != pft_stamp_is_relative(b) ||
	    (pft_stamp_is_relative(a) && pft_stamp_stream(a) != pft_stamp_stream(b)))
		return -1;
	int64_t ya = pft_stamp_year(a), yb = pft_stamp_year(b);
	int64_t ca = ((ya * 12 + pft_stamp_month(a) - 1) * 31 + pft_stamp_day(a) - 1) * 86400 +
		     pft_stamp_sec(a);
	int64_t cb = ((yb * 12 + pft_stamp_month(b) - 1) * 31 + pft_stamp_day(b) - 1) * 86400 +
		     pft_stamp_sec(b);
	return cb - ca;
}

/* ---- rollover tracking ------------------------------------------------------------------ */

/* Position of a BSD stamp within a year, in seconds, with 31-day months: only used to order
 * stamps and to tell a New Year rollover from jitter. */
static inline uint32_t pft_year_pos(unsigned month, unsigned day, uint32_t sec_of_day)
{
	return ((month - 1) * 31u + (day - 1)) * 86400u + sec_of_day;
}

#define PFT_YEAR_HALF (183u * 86400u)

/*! pft_year_step() : compares a new BSD position with the previous one of the same stream.
 *  @return +1 for a rollover (time went back by more than half a year: Dec -> Jan), -1 for
 *  a line that belongs to the previous year (jitter back across New Year), else 0. Small
 *  steps back (out-of-order lines, DST fall-back) are not rollovers. */
static inline int pft_year_step(uint32_t prev_pos, uint32_t pos)
{
	if (pos + PFT_YEAR_HALF < prev_pos)
		return 1;
	if (pos > prev_pos + PFT_YEAR_HALF)
		return -1;
	return 0;
}

/* The rollover state of one stream (or of one chunk, relative to its first BSD line). */
struct pft_year_track {
	uint8_t have;           /* a BSD line was seen */
	int32_t rel;            /* relative year of prev_pos */
	uint32_t first_pos;     /* position of the first BSD line (chunks only) */
	uint32_t prev_pos;      /* position of the last BSD line */
	struct pft_civil last;  /* that line's stamp */
};

/*! pft_year_track_line() : feeds one BSD stamp; @return its relative year. */
static inline int32_t pft_year_track_line(struct pft_year_track *t, const struct pft_civil *c)
{
	uint32_t pos = pft_year_pos(c->month, c->day, (uint32_t)c->hour * 3600u + c->min * 60u + c->sec);
	if (!t->have) {
		t->have = 1;
		t->rel = 0;
		t->first_pos = t->prev_pos = pos;
		t->last = *c;
		return 0;
	}
	/* Every line moves the tracker, jitter included: a line's year is the previous line's
	 * plus the step between them, so years are a sum of steps between neighbours and a
	 * chunk's relative years plus the step across the cut (pft_year_track_join) are the
	 * years of one pass, wherever the cuts are. (Staying on the line before a jitter line
	 * made the next step depend on whether the jitter line started a chunk: with lines
	 * about half a year apart the steps disagree.) */
	t->rel += pft_year_step(t->prev_pos, pos);
	t->prev_pos = pos;
	t->last = *c;
	return t->rel;
}

/*! pft_year_track_join() : a chunk's tracker `next` follows the stream's tracker `stream`.
 *  @return the shift to add to the chunk's relative years, and advances the stream. */
int32_t pft_year_track_join(struct pft_year_track *stream, const struct pft_year_track *next);

/*! pft_year_of_last() : the year of a stream's newest BSD stamp `last`: `forced_year` if
 *  non-zero, else the latest year in which `last` is not later than mtime (+1 day of slack
 *  for time zones), using local time. @return 0 when neither is available. */
int32_t pft_year_of_last(const struct pft_civil *last, int32_t forced_year, time_t mtime);

/*! pft_days_from_civil() : days since 1970-01-01 of a proleptic Gregorian date. */
int64_t pft_days_from_civil(int32_t year, unsigned month, unsigned day);

#endif
