/* pftally — UTF-8 validation for text that comes from a log (attacker-controlled bytes). */
#ifndef PFT_UTF8_H
#define PFT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*! pft_utf8_len() : the length of the well-formed UTF-8 sequence at p[0..n) (n > 0), per
 *  RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF. @return 1..4, or 0 when
 *  p[0] does not start one. */
static inline size_t pft_utf8_len(const unsigned char *p, size_t n)
{
	const unsigned char c = p[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, cp = c & 0x1Fu;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, cp = c & 0x0Fu;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, cp = c & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3Fu);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

#endif /* PFT_UTF8_H */
