/* pftally — syslog time stamps (BSD and RFC 3339) to struct pft_civil, without strptime.
 *
 * Both parsers read at most the stamp itself and never past `end`; they do not look at the
 * byte after the stamp (the caller checks for the separating space). */
#ifndef PFT_STAMP_PARSE_H
#define PFT_STAMP_PARSE_H

#include "pftally/event.h"

/*! pft_time_parse_bsd() : parses a BSD stamp `Mmm dd hh:mm:ss` at p[0..end). The month name is
 *  matched exactly (`Jan`..`Dec`); the day may be space padded (`Jan  1`), zero padded
 *  (`Jan 01`) or a bare digit after one space (`Jan 1`).
 *  @return the byte after the seconds, or NULL when p does not start with a valid stamp.
 *  On success *out holds month..sec with year_known = 0, year = 0, offset = 0, nsec = 0. */
const char *pft_time_parse_bsd(const char *p, const char *end, struct pft_civil *out);

/*! pft_time_parse_rfc3339() : parses `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm|±hhmm)` at
 *  p[0..end) ('T' and 'Z' also lower case; fraction digits past the ninth are ignored).
 *  @return the byte after the offset, or NULL. On success year_known = 1, utc_offset_min and
 *  nsec are set; the wall clock is kept as written (the offset does not move it). */
const char *pft_time_parse_rfc3339(const char *p, const char *end, struct pft_civil *out);

/*! pft_time_parse_stamp() : RFC 3339 when p starts with a digit, else BSD.
 *  @return as the two parsers above. */
const char *pft_time_parse_stamp(const char *p, const char *end, struct pft_civil *out);

#endif /* PFT_STAMP_PARSE_H */
