/* pftally — hourly series per scope (the server, a recipient domain, a relay) and the
 * findings detected in them: periods when a scope's defer rate rose and stayed above its own
 * baseline, and hours when its bounce rate spiked (src/analyze/, DESIGN issue 6).
 *
 * An hour is a number: hours since 1970-01-01T00 of the wall clock as the log writes it
 * (days_from_civil * 24 + hour), the same for every input split. */
#ifndef PFTALLY_FINDINGS_H
#define PFTALLY_FINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "pftally/event.h"

/* Attempts of one scope in one hour. */
struct pft_hour_cell {
	int64_t hour;
	uint64_t attempts; /* all delivery-status lines, every status */
	uint64_t sent, deferred, bounced;
};

/* Deferred or bounced attempts of one scope in one hour with one DSN code. */
struct pft_hour_dsn {
	int64_t hour;
	pft_dsn code;
	uint8_t status; /* PFT_DS_DEFERRED or PFT_DS_BOUNCED */
	uint64_t attempts;
};

struct pft_scope_series {
	char *name;                  /* domain or relay as in the result's rows; NULL: server */
	struct pft_hour_cell *cells; /* hours with attempts, ascending */
	size_t n_cells;
	struct pft_hour_dsn *dsn; /* ascending by (hour, status, code) */
	size_t n_dsn;
};

enum pft_scope { PFT_SCOPE_SERVER = 0, PFT_SCOPE_DOMAIN, PFT_SCOPE_RELAY, PFT_SCOPE_COUNT };

enum pft_finding_kind {
	PFT_FINDING_DEFER_RATE = 0, /* defer rate >= factor x baseline for >= min_hours */
	PFT_FINDING_BOUNCE_SPIKE,   /* bounce rate >= factor x baseline in an hour */
	PFT_FINDING_KIND_COUNT
};

#define PFT_FINDING_TOP_DSN     3
#define PFT_FINDING_TOP_REASONS 3

/* Where a finding's reasons come from: the result keeps reasons per domain and per DSN code
 * over the whole input, not per hour. */
enum pft_reasons_of { PFT_REASONS_NONE = 0, PFT_REASONS_DOMAIN, PFT_REASONS_DSN };

struct pft_finding {
	enum pft_finding_kind kind;
	enum pft_scope scope;
	char *name;         /* NULL for the server */
	int64_t start_hour; /* first hour of the period */
	uint32_t hours;     /* the period is [start_hour, start_hour + hours) */
	int64_t peak_hour;
	double peak_rate;                     /* highest hourly rate in the period */
	double rate;                          /* the rate over the whole period */
	double baseline;                      /* trailing median of hourly rates at the start (or of
	                                       * the same hour of the day, when larger) */
	double threshold;                     /* the rate an hour needed at the start */
	uint64_t attempts, deferred, bounced; /* sums over the period */
	struct {
		pft_dsn code;
		uint64_t attempts;
	} top_dsn[PFT_FINDING_TOP_DSN]; /* of the deferred (defer_rate) or bounced attempts */
	uint8_t n_top_dsn;
	/* Normalised reasons of that status: the domain's for a domain finding, else those of
	 * the top DSN code; counts over the whole input (see enum pft_reasons_of). */
	struct {
		char *key;
		uint64_t count;
	} top_reasons[PFT_FINDING_TOP_REASONS];
	uint8_t n_top_reasons;
	uint8_t reasons_of; /* enum pft_reasons_of */
};

/* What counts as a finding. Rates: defer rate = deferred attempts / attempts of the hour;
 * bounce rate = bounced attempts / attempts of the hour (attempts, not recipients: a
 * recipient's outcome is dated at its end, an attempt at its line). */
struct pft_findings_options {
	double defer_factor;     /* an hour is elevated at >= defer_factor x baseline (3) */
	double bounce_factor;    /* a spike is an hour at >= bounce_factor x baseline (3) */
	uint32_t min_hours;      /* elevated hours in a row that make a defer finding (6) */
	uint32_t min_volume;     /* attempts an hour needs to count at all (20) */
	uint32_t top;            /* domains and relays examined, the top by attempts (20) */
	uint32_t baseline_hours; /* the baseline window: the median of the hourly rates of the
	                          * hours (with min_volume) in the preceding baseline_hours (168) */
	uint32_t min_history;    /* hours with min_volume the window needs for a baseline (24) */
	uint32_t same_hour;      /* 1: the baseline is at least the median of the same hour of
	                          * the day in the window, when 3 or more of them count (1) */
	double rate_floor;       /* a baseline below this counts as this (0.01) */
	double max_chance;       /* the excess must be unlikely under the baseline: the Poisson
	                          * tail bound of the period's count below this (1e-6) */
};

#define PFT_FINDINGS_DEFAULTS                                                                      \
	((struct pft_findings_options){.defer_factor = 3.0,                                        \
	                               .bounce_factor = 3.0,                                       \
	                               .min_hours = 6,                                             \
	                               .min_volume = 20,                                           \
	                               .top = 20,                                                  \
	                               .baseline_hours = 168,                                      \
	                               .min_history = 24,                                          \
	                               .same_hour = 1,                                             \
	                               .rate_floor = 0.01,                                         \
	                               .max_chance = 1e-6})

/*! pft_hour_civil() : the wall-clock civil time of the start of an hour number. */
struct pft_civil pft_hour_civil(int64_t hour);

/*! pft_scope_name() : "server", "domain", "relay". */
const char *pft_scope_name(enum pft_scope scope);

/*! pft_finding_kind_name() : "defer_rate", "bounce_spike". */
const char *pft_finding_kind_name(enum pft_finding_kind kind);

#endif
