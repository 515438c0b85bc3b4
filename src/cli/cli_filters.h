/* pftally command line — the filter options (--since, --until, --host, --domain,
 * --sender-domain, --exclude-notifications), kept apart from main.c's option table. */
#ifndef PFT_CLI_FILTERS_H
#define PFT_CLI_FILTERS_H

#include <getopt.h>
#include <stdio.h>

#include "pftally/result.h"

/* getopt codes of the filter options: far from main.c's own and the findings'. */
enum {
	CLI_OPT_SINCE = 0x4100,
	CLI_OPT_UNTIL,
	CLI_OPT_HOST,
	CLI_OPT_DOMAIN,
	CLI_OPT_SENDER_DOMAIN,
	CLI_OPT_EXCLUDE_NOTIFICATIONS,
};

/* Entries for main.c's struct option table. */
#define CLI_FILTERS_LONGOPTS                                                                       \
	{"since", required_argument, NULL, CLI_OPT_SINCE},                                         \
	{"until", required_argument, NULL, CLI_OPT_UNTIL},                                         \
	{"host", required_argument, NULL, CLI_OPT_HOST},                                           \
	{"domain", required_argument, NULL, CLI_OPT_DOMAIN},                                       \
	{"sender-domain", required_argument, NULL, CLI_OPT_SENDER_DOMAIN},                         \
	{"exclude-notifications", no_argument, NULL, CLI_OPT_EXCLUDE_NOTIFICATIONS},

struct cli_filters {
	struct pft_filter filter;       /* its lists point into the arrays below */
	char **hosts, **domains, **sender_domains;
	int any;                        /* some filter was given */
};

/*! cli_filters_option() : handles getopt's code c (with optarg arg) if it is a filter option.
 *  @return 0 when it is not one, 1 when handled, -1 after printing a usage error. */
int cli_filters_option(struct cli_filters *f, int c, const char *arg);

/*! cli_filters_get() : the filter for the run, NULL when none was given. */
const struct pft_filter *cli_filters_get(const struct cli_filters *f);

/*! cli_filters_usage() : the filters block of --help. */
void cli_filters_usage(FILE *out);

void cli_filters_free(struct cli_filters *f);

/*! cli_filters_parse_time() : "YYYY-MM-DD[(T| )HH:MM[:SS]]" into *c; a date alone is its
 *  midnight, or with end_of_day the next midnight (so that --until DAY includes DAY).
 *  @return 1 on success. */
int cli_filters_parse_time(const char *s, int end_of_day, struct pft_civil *c);

#endif
