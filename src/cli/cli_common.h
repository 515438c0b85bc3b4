/* pftally CLI — what the summary and trace commands share: byte sizes on the command line
 * ("4M", "64KiB", "1G") and error messages on standard error. */
#ifndef PFT_CLI_COMMON_H
#define PFT_CLI_COMMON_H

#include <stddef.h>

#include "pftally/status.h"

/*! cli_parse_size() : a positive decimal number with an optional K/M/G suffix (powers of
 *  1024; "KiB"/"KB" spellings accepted) into *out. @return 1, or 0 when s is not such a size
 *  or does not fit. */
int cli_parse_size(const char *s, size_t *out);

/*! cli_print_error() : "pftally: PATH: what at byte N: detail (errno text)" on stderr. */
void cli_print_error(const struct pft_error *err);

#endif
