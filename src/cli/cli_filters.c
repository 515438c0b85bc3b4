/* pftally command line — the filter options (see cli_filters.h and struct pft_filter). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_filters.h"

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* n decimal digits at *p. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return 0;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 1;
}

int cli_filters_parse_time(const char *s, int end_of_day, struct pft_civil *c)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	const char *p = s;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		return 0;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
		return 0;
	const int date_only = *p == '\0';
	if (!date_only) {
		if (*p != 'T' && *p != ' ')
			return 0;
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return 0;
		if (*p == ':' && (p++, !digits(&p, 2, &sec)))
			return 0;
		if (*p != '\0' || h > 23 || mi > 59 || sec > 59)
			return 0;
	} else if (end_of_day && ++d > month_days(y, mo)) {
		d = 1;
		if (++mo > 12) {
			mo = 1;
			y++;
		}
	}
	*c = (struct pft_civil){.year = (int16_t)y, .month = (uint8_t)mo, .day = (uint8_t)d,
				.hour = (uint8_t)h, .min = (uint8_t)mi, .sec = (uint8_t)sec,
				.year_known = 1};
	return 1;
}

/* Appends a copy of arg (lower case when fold) to *v; the filter's list follows it. */
static int push(char ***v, size_t *n, const char *arg, int fold, const char *const **list)
{
	char **grown = realloc(*v, (*n + 1) * sizeof *grown);
	char *copy = strdup(arg);
	if (grown != NULL)
		*v = grown;
	if (grown == NULL || copy == NULL) {
		free(copy);
		fputs("pftally: out of memory\n", stderr);
		return -1;
	}
	for (char *q = copy; fold && *q; q++)
		*q = (char)tolower((unsigned char)*q);
	/* "--domain .example.com" and "--domain example.com" mean the same */
	if (fold && copy[0] == '.')
		memmove(copy, copy + 1, strlen(copy));
	(*v)[(*n)++] = copy;
	*list = (const char *const *)*v;
	return 1;
}

int cli_filters_option(struct cli_filters *f, int c, const char *arg)
{
	struct pft_filter *flt = &f->filter;
	switch (c) {
	case CLI_OPT_SINCE:
	case CLI_OPT_UNTIL: {
		const int until = c == CLI_OPT_UNTIL;
		if (!cli_filters_parse_time(arg, until, until ? &flt->until : &flt->since)) {
			fprintf(stderr, "pftally: --%s wants YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], "
					"not '%s'\n",
				until ? "until" : "since", arg);
			return -1;
		}
		if (until)
			flt->has_until = 1;
		else
			flt->has_since = 1;
		break;
	}
	case CLI_OPT_HOST:
		if (push(&f->hosts, &flt->n_hosts, arg, 0, &flt->hosts) < 0)
			return -1;
		break;
	case CLI_OPT_DOMAIN:
	case CLI_OPT_SENDER_DOMAIN:
		if (arg[0] == '\0' || (arg[0] == '.' && arg[1] == '\0')) {
			fprintf(stderr, "pftally: --%s wants a domain\n",
				c == CLI_OPT_DOMAIN ? "domain" : "sender-domain");
			return -1;
		}
		if (c == CLI_OPT_DOMAIN ? push(&f->domains, &flt->n_domains, arg, 1, &flt->domains) < 0
					: push(&f->sender_domains, &flt->n_sender_domains, arg, 1,
					       &flt->sender_domains) < 0)
			return -1;
		break;
	case CLI_OPT_EXCLUDE_NOTIFICATIONS:
		flt->exclude_notifications = 1;
		break;
	default:
		return 0;
	}
	f->any = 1;
	return 1;
}

const struct pft_filter *cli_filters_get(const struct cli_filters *f)
{
	return f->any ? &f->filter : NULL;
}

void cli_filters_usage(FILE *out)
{
	fputs("filters (lines are always all counted; see pftally(1) WHAT IS COUNTED):\n"
	      "      --since TIME      count from TIME on: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS],\n"
	      "                        the log's wall clock\n"
	      "      --until TIME      count before TIME (a date alone: up to its end)\n"
	      "      --host NAME       only lines of this syslog host (repeatable)\n"
	      "      --domain DOMAIN   only recipients in DOMAIN or its sub-domains (repeatable)\n"
	      "      --sender-domain DOMAIN  only messages whose sender is in DOMAIN or its\n"
	      "                        sub-domains (repeatable)\n"
	      "      --exclude-notifications  leave out the messages the bounce daemon created\n",
	      out);
}

void cli_filters_free(struct cli_filters *f)
{
	for (size_t i = 0; i < f->filter.n_hosts; i++)
		free(f->hosts[i]);
	for (size_t i = 0; i < f->filter.n_domains; i++)
		free(f->domains[i]);
	for (size_t i = 0; i < f->filter.n_sender_domains; i++)
		free(f->sender_domains[i]);
	free(f->hosts);
	free(f->domains);
	free(f->sender_domains);
	memset(f, 0, sizeof *f);
}
