/* pftally — analysis of a merged result: findings (periods when a scope's defer rate rose and
 * stayed above its own baseline, hours when its bounce rate spiked), the operator's first
 * screen. Runs on the final struct pft_result (years resolved), never during the merge.
 * Depends on agg's result only. */
#ifndef PFT_ANALYZE_H
#define PFT_ANALYZE_H

#include <stddef.h>

#include "pftally/findings.h"
#include "pftally/result.h"
#include "pftally/status.h"

/*! pft_findings_of_series() : the findings of one series (scope and its name taken from s),
 *  appended to the array *v of *n findings, which this function grows (start with NULL and
 *  0; free with pft_findings_free).
 *
 *  An hour counts when it has at least min_volume attempts. Its baseline is the median of the
 *  rates of the counting hours among the baseline_hours before it (none with fewer than
 *  min_history of them), at least rate_floor. A defer finding is a run of at least min_hours
 *  consecutive counting hours, each with a defer rate >= defer_factor x its baseline, whose
 *  deferrals are also unlikely (the Poisson tail bound exp(-(k ln(k/l) - k + l)) of k
 *  deferrals where l were expected is below max_chance; l from the larger of each hour's
 *  baseline and its window's pooled rate: with rare events the median is 0). A
 *  bounce finding is a run of consecutive hours each with a bounce rate >= bounce_factor x its
 *  baseline and, on its own, unlikely in the same sense. */
PFT_MUST_CHECK enum pft_status pft_findings_of_series(const struct pft_scope_series *s,
                                                      enum pft_scope scope,
                                                      const struct pft_findings_options *o,
                                                      struct pft_finding **v, size_t *n);

/*! pft_findings_compute() : the findings of the server and of the top o->top domains and
 *  relays by attempts (o NULL: PFT_FINDINGS_DEFAULTS), sorted by start hour, kind, scope and
 *  name. @return the malloc'd array in *out (free with pft_findings_free). */
PFT_MUST_CHECK enum pft_status pft_findings_compute(const struct pft_result *r,
                                                    const struct pft_findings_options *o,
                                                    struct pft_finding **out, size_t *n_out);

/*! pft_findings_attach() : computes the findings and stores them in r (findings, n_findings,
 *  findings_options, findings_done = 1), replacing earlier ones; pft_result_free frees them. */
PFT_MUST_CHECK enum pft_status pft_findings_attach(struct pft_result *r,
                                                   const struct pft_findings_options *o);

/*! pft_findings_free() : frees an array of findings. */
void pft_findings_free(struct pft_finding *v, size_t n);

#endif
