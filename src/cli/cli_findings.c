/* The findings options of the command line (see cli_findings.h and pftally(1)). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "cli/cli_findings.h"

void cli_findings_init(struct cli_findings *f)
{
	memset(f, 0, sizeof *f);
	f->options = PFT_FINDINGS_DEFAULTS;
}

static int factor(const char *opt, const char *arg, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end != '\0' || !isfinite(v) || v < 1 || v > 1000) {
		fprintf(stderr, "pftally: --%s wants a factor from 1 to 1000, not '%s'\n", opt,
		        arg);
		return -1;
	}
	*out = v;
	return 1;
}

static int count(const char *opt, const char *arg, unsigned long lo, unsigned long hi,
                 uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end != '\0' || arg[0] == '-' || v < lo || v > hi) {
		fprintf(stderr, "pftally: --%s wants %lu..%lu, not '%s'\n", opt, lo, hi, arg);
		return -1;
	}
	*out = (uint32_t)v;
	return 1;
}

int cli_findings_option(struct cli_findings *f, int c, const char *arg)
{
	struct pft_findings_options *o = &f->options;
	switch (c) {
	case CLI_OPT_FINDINGS_DEFER_FACTOR:
		return factor("findings-defer-factor", arg, &o->defer_factor);
	case CLI_OPT_FINDINGS_BOUNCE_FACTOR:
		return factor("findings-bounce-factor", arg, &o->bounce_factor);
	case CLI_OPT_FINDINGS_MIN_HOURS:
		return count("findings-min-hours", arg, 1, 8760, &o->min_hours);
	case CLI_OPT_FINDINGS_MIN_VOLUME:
		return count("findings-min-volume", arg, 1, 100000000, &o->min_volume);
	case CLI_OPT_FINDINGS_TOP: return count("findings-top", arg, 0, 1000000, &o->top);
	case CLI_OPT_NO_FINDINGS: f->disabled = 1; return 1;
	case CLI_OPT_FAIL_ON_FINDINGS: f->fail = 1; return 1;
	default: return 0;
	}
}

void cli_findings_usage(FILE *out)
{
	fputs("\n"
	      "findings (shown first in every report; see pftally(1)):\n"
	      "      --findings-defer-factor X  an hour's defer rate counts at >= X times its\n"
	      "                        trailing 7-day median (default 3)\n"
	      "      --findings-min-hours N  such hours in a row that make a finding (default 6)\n"
	      "      --findings-bounce-factor X  a bounce spike is an hour at >= X times its\n"
	      "                        median (default 3)\n"
	      "      --findings-min-volume N  attempts an hour needs to count (default 20)\n"
	      "      --findings-top N  domains and relays examined besides the server, the top\n"
	      "                        N of each by attempts (default 20)\n"
	      "      --no-findings     do not look for findings\n"
	      "      --fail-on-findings  exit with status 4 when there is a finding (cron)\n",
	      out);
}

void cli_findings_run(const struct cli_findings *f, struct pft_result *result)
{
	if (f->disabled)
		return;
	enum pft_status status = pft_findings_attach(result, &f->options);
	if (status != PFT_OK)
		fprintf(stderr, "pftally: findings left out: %s\n", pft_status_str(status));
}

int cli_findings_exit(const struct cli_findings *f, const struct pft_result *result)
{
	return f->fail && result->n_findings > 0 ? CLI_EXIT_FINDINGS : 0;
}
