/* pftally — the nibble tables the shuffle kernels (AVX2, AVX-512) classify bytes with.
 *
 * A byte's low nibble picks an expected byte and its code: the byte is that delimiter when it
 * equals the expected byte. Two tables because ';' and '[' share their low nibble (B); no
 * other two delimiters do. Entries of no delimiter expect a byte of another low nibble, which
 * nothing matches. Each 16-byte row is repeated for every 128-bit lane. */
#ifndef PFT_SCAN_TABLES_H
#define PFT_SCAN_TABLES_H

#include "scan/scan.h"

/* low nibble:        0     1     2     3     4     5     6     7     8     9     A     B     C     D     E     F */
#define PFT_SCAN_EXPECT1 \
	0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3A, 0x5B, 0x2C, 0x3D, 0x3E, 0x00
#define PFT_SCAN_CODE1                                                                             \
	PFT_SCAN_CODE_SPACE, 0, 0, 0, 0, 0, 0, 0, 0, 0, PFT_SCAN_CODE_COLON, PFT_SCAN_CODE_LBRACKET, \
		PFT_SCAN_CODE_COMMA, PFT_SCAN_CODE_EQUALS, PFT_SCAN_CODE_GT, 0
#define PFT_SCAN_EXPECT2 \
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3B, 0xFF, 0xFF, 0xFF, 0x00
#define PFT_SCAN_CODE2 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, PFT_SCAN_CODE_SEMICOLON, 0, 0, 0, 0

#endif
