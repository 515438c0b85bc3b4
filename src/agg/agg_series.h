/* pftally — hourly cells per recipient domain and per relay, and their DSN codes per hour
 * (the server's are its domains' summed), the series that src/analyze/ looks for findings in.
 *
 * Counting happens per delivery attempt, so it is kept cheap: a cell is keyed by the address
 * of the name's counts cell in the aggregate's own domain/relay map (stable for the map's
 * life) and the hour stamp, 16 bytes, with a small direct-mapped cache in front; the name's
 * bytes are only looked at when a cell is created and when parts are merged. */
#ifndef PFT_AGG_SERIES_H
#define PFT_AGG_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "common/strmap.h"
#include "pftally/event.h"
#include "pftally/status.h"
#include "time/stamp.h"

struct pft_agg;
struct pft_attempt;
struct pft_counts;
struct pft_result;

#define PFT_SERIES_CACHE 64

/* The key of a DSN cell: 24 bytes, no padding (hashed as bytes). */
struct pft_series_dsn_key {
	const void *name; /* the name's counts cell in the aggregate's map */
	pft_stamp hour;
	pft_dsn code;
	uint32_t status; /* PFT_DS_DEFERRED or PFT_DS_BOUNCED */
};

struct pft_agg_series {
	struct pft_strmap cells; /* (name cell, hour) -> attempts by status */
	struct pft_strmap dsn;   /* (name cell, hour, code, status) -> attempts, for
	                          * deferred and bounced attempts */
	struct pft_series_cache {
		const void *name;
		pft_stamp hour;
		void *cell;
	} cache[PFT_SERIES_CACHE];
	struct pft_series_dsn_cache {
		struct pft_series_dsn_key key;
		void *cell;
	} dsn_cache[PFT_SERIES_CACHE];
};

void pft_agg_series_init(struct pft_agg_series *s);
void pft_agg_series_free(struct pft_agg_series *s);

/*! pft_agg_series_count() : counts attempt a (status slot st) into the hour cells of its
 *  domain (by_domain, a cell of agg->domains whose key is domain_len bytes) and relay
 *  (by_relay, a cell of agg->relays), and a deferred or bounced one's DSN code. */
PFT_MUST_CHECK enum pft_status
pft_agg_series_count(struct pft_agg *agg, const struct pft_attempt *a, enum pft_dstatus st,
                     const struct pft_counts *by_domain, size_t domain_len,
                     const struct pft_counts *by_relay);

/*! pft_agg_series_add() : adds src's cells into dst, moving relative years by year_shift.
 *  Call it after src's domains and relays were added to dst's. */
PFT_MUST_CHECK enum pft_status pft_agg_series_add(struct pft_agg *dst, const struct pft_agg *src,
                                                  int32_t year_shift);

typedef pft_stamp (*pft_stamp_resolve_fn)(const void *ctx, pft_stamp s);

/*! pft_agg_series_export() : writes the series of agg into out (series_server,
 *  series_domains, series_relays), with stamps made absolute by resolve. out->domains and
 *  out->relays must be built already: a series carries the name of the row its counts went
 *  to. Sorted, so the same for every input split. */
PFT_MUST_CHECK enum pft_status pft_agg_series_export(const struct pft_agg *agg,
                                                     pft_stamp_resolve_fn resolve, const void *ctx,
                                                     struct pft_result *out);

/*! pft_result_free_series() : frees the series and findings of a result (pft_result_free). */
void pft_result_free_series(struct pft_result *r);

#endif
