/* pftally command line — the findings options (--findings-*, --no-findings,
 * --fail-on-findings), kept apart from main.c's option table. */
#ifndef PFT_CLI_FINDINGS_H
#define PFT_CLI_FINDINGS_H

#include <getopt.h>
#include <stdio.h>

#include "pftally/findings.h"
#include "pftally/result.h"

/* getopt codes of the findings options: far from main.c's own. */
enum {
	CLI_OPT_FINDINGS_DEFER_FACTOR = 0x4000,
	CLI_OPT_FINDINGS_BOUNCE_FACTOR,
	CLI_OPT_FINDINGS_MIN_HOURS,
	CLI_OPT_FINDINGS_MIN_VOLUME,
	CLI_OPT_FINDINGS_TOP,
	CLI_OPT_NO_FINDINGS,
	CLI_OPT_FAIL_ON_FINDINGS,
	CLI_OPT_FINDINGS_END
};

/* Entries for main.c's struct option table. */
/* clang-format off */
#define CLI_FINDINGS_LONGOPTS                                                                      \
	{"findings-defer-factor", required_argument, NULL, CLI_OPT_FINDINGS_DEFER_FACTOR},         \
	{"findings-bounce-factor", required_argument, NULL, CLI_OPT_FINDINGS_BOUNCE_FACTOR},       \
	{"findings-min-hours", required_argument, NULL, CLI_OPT_FINDINGS_MIN_HOURS},               \
	{"findings-min-volume", required_argument, NULL, CLI_OPT_FINDINGS_MIN_VOLUME},             \
	{"findings-top", required_argument, NULL, CLI_OPT_FINDINGS_TOP},                           \
	{"no-findings", no_argument, NULL, CLI_OPT_NO_FINDINGS},                                   \
	{"fail-on-findings", no_argument, NULL, CLI_OPT_FAIL_ON_FINDINGS},
/* clang-format on */

#define CLI_EXIT_FINDINGS 4 /* --fail-on-findings, and there is a finding */

struct cli_findings {
	struct pft_findings_options options;
	int disabled; /* --no-findings */
	int fail;     /* --fail-on-findings */
};

void cli_findings_init(struct cli_findings *f);

/*! cli_findings_option() : handles getopt's code c (with optarg arg) if it is a findings
 *  option. @return 0 when it is not one, 1 when handled, -1 after printing a usage error. */
int cli_findings_option(struct cli_findings *f, int c, const char *arg);

/*! cli_findings_usage() : the findings block of --help. */
void cli_findings_usage(FILE *out);

/*! cli_findings_run() : computes the findings into the result (unless --no-findings); a
 *  failure (out of memory) is reported on stderr and leaves the result without findings. */
void cli_findings_run(const struct cli_findings *f, struct pft_result *result);

/*! cli_findings_exit() : CLI_EXIT_FINDINGS when --fail-on-findings and there is a finding,
 *  else 0. */
int cli_findings_exit(const struct cli_findings *f, const struct pft_result *result);

#endif
