/* pftally — syslog time stamps: BSD `Mmm dd hh:mm:ss` and RFC 3339.
 *
 * Hot path (once per line): fixed-position digit reads and range checks, no locale, no
 * strptime/sscanf. Anything out of range is rejected rather than normalised. */
#include "time/stamp_parse.h"

#include <stdint.h>
#include <string.h>

static inline unsigned digit_val(char c)
{
	return (unsigned)(unsigned char)c - '0'; /* > 9 when c is not a digit */
}

/* Two digits at p (p[0..2) must be readable). @return 0..99, or -1. */
static inline int two_digits(const char *p)
{
	unsigned a = digit_val(p[0]), b = digit_val(p[1]);
	return a < 10 && b < 10 ? (int)(a * 10 + b) : -1;
}

/* "Jan".."Dec", case sensitive as syslog writes them. @return 1..12, or 0. */
static int month_from_name(const char *p)
{
#define PFT_MON(a, b, c) (((uint32_t)(a) << 16) | ((uint32_t)(b) << 8) | (uint32_t)(c))
	switch (PFT_MON((unsigned char)p[0], (unsigned char)p[1], (unsigned char)p[2])) {
	case PFT_MON('J', 'a', 'n'): return 1;
	case PFT_MON('F', 'e', 'b'): return 2;
	case PFT_MON('M', 'a', 'r'): return 3;
	case PFT_MON('A', 'p', 'r'): return 4;
	case PFT_MON('M', 'a', 'y'): return 5;
	case PFT_MON('J', 'u', 'n'): return 6;
	case PFT_MON('J', 'u', 'l'): return 7;
	case PFT_MON('A', 'u', 'g'): return 8;
	case PFT_MON('S', 'e', 'p'): return 9;
	case PFT_MON('O', 'c', 't'): return 10;
	case PFT_MON('N', 'o', 'v'): return 11;
	case PFT_MON('D', 'e', 'c'): return 12;
	default: return 0;
	}
#undef PFT_MON
}

/* "hh:mm:ss" at p (8 readable bytes). @return 1 and fills *out when valid (sec may be 60). */
static int parse_hms(const char *p, struct pft_civil *out)
{
	if (p[2] != ':' || p[5] != ':')
		return 0;
	int h = two_digits(p), m = two_digits(p + 3), s = two_digits(p + 6);
	if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60)
		return 0;
	out->hour = (uint8_t)h;
	out->min = (uint8_t)m;
	out->sec = (uint8_t)s;
	return 1;
}

const char *pft_time_parse_bsd(const char *p, const char *end, struct pft_civil *out)
{
	/* Shortest form "Jan 1 00:00:00" is 14 bytes; the padded forms are 15. */
	if (end - p < 14 || p[3] != ' ')
		return NULL;
	int month = month_from_name(p);
	if (month == 0)
		return NULL;

	unsigned day;
	const char *q; /* the space before hh:mm:ss */
	unsigned d4 = digit_val(p[4]), d5 = digit_val(p[5]);
	if (p[4] == ' ' && d5 < 10) {           /* "Jan  1" */
		day = d5;
		q = p + 6;
	} else if (d4 < 10 && d5 < 10) {        /* "Jan 01", "Jan 17" */
		day = d4 * 10 + d5;
		q = p + 6;
	} else if (d4 < 10 && p[5] == ' ') {    /* "Jan 1" */
		day = d4;
		q = p + 5;
	} else {
		return NULL;
	}
	if (day < 1 || day > 31 || end - q < 9 || *q != ' ' || !parse_hms(q + 1, out))
		return NULL;
	out->year = 0;
	out->month = (uint8_t)month;
	out->day = (uint8_t)day;
	out->year_known = 0;
	out->utc_offset_min = 0;
	out->nsec = 0;
	return q + 9;
}

const char *pft_time_parse_rfc3339(const char *p, const char *end, struct pft_civil *out)
{
	/* "YYYY-MM-DDThh:mm:ss" + at least "Z" */
	if (end - p < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't'))
		return NULL;
	int y_hi = two_digits(p), y_lo = two_digits(p + 2);
	int month = two_digits(p + 5), day = two_digits(p + 8);
	if (y_hi < 0 || y_lo < 0 || month < 1 || month > 12 || day < 1 || day > 31)
		return NULL;
	if (!parse_hms(p + 11, out))
		return NULL;

	const char *q = p + 19;
	uint32_t nsec = 0;
	if (*q == '.') {
		q++;
		const char *digits = q;
		uint32_t scale = 100000000u;
		unsigned d;
		while (q < end && (d = digit_val(*q)) < 10) {
			nsec += d * scale; /* scale reaches 0 after the ninth digit */
			scale /= 10;
			q++;
		}
		if (q == digits)
			return NULL;
	}
	if (q >= end)
		return NULL;

	int offset = 0;
	if (*q == 'Z' || *q == 'z') {
		q++;
	} else if (*q == '+' || *q == '-') {
		int sign = *q == '-' ? -1 : 1;
		q++;
		if (end - q < 4)
			return NULL;
		int oh = two_digits(q), om;
		if (q[2] == ':') {                      /* ±hh:mm */
			if (end - q < 5)
				return NULL;
			om = two_digits(q + 3);
			q += 5;
		} else {                                /* ±hhmm */
			om = two_digits(q + 2);
			q += 4;
		}
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return NULL;
		offset = sign * (oh * 60 + om);
	} else {
		return NULL;
	}

	out->year = (int16_t)(y_hi * 100 + y_lo);
	out->month = (uint8_t)month;
	out->day = (uint8_t)day;
	out->year_known = 1;
	out->utc_offset_min = (int16_t)offset;
	out->nsec = nsec;
	return q;
}

const char *pft_time_parse_stamp(const char *p, const char *end, struct pft_civil *out)
{
	if (p < end && digit_val(*p) < 10)
		return pft_time_parse_rfc3339(p, end, out);
	return pft_time_parse_bsd(p, end, out);
}
