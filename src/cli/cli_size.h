/* pftally CLI — byte sizes on the command line ("4M", "64KiB", "1G"). */
#ifndef PFT_CLI_SIZE_H
#define PFT_CLI_SIZE_H

#include <stddef.h>

/*! cli_parse_size() : a positive decimal number with an optional K/M/G suffix (powers of
 *  1024; "KiB"/"KB" spellings accepted) into *out. @return 1, or 0 when s is not such a size
 *  or does not fit. */
int cli_parse_size(const char *s, size_t *out);

#endif
