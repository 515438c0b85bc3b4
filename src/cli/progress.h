/* pftally CLI — the progress bar on stderr and the --stats table. */
#ifndef PFT_CLI_PROGRESS_H
#define PFT_CLI_PROGRESS_H

#include <stdio.h>

#include "agg/agg.h"

struct cli_progress {
	FILE *out;
	const struct pft_inputs *inputs;
	int drawn;              /* a bar is on the screen */
};

/*! cli_progress_draw() : a pft_progress_fn: bytes done / total, MB/s, ETA, current file. */
void cli_progress_draw(void *ctx, const struct pft_progress *p);

/*! cli_stats_print() : where the time went. */
void cli_stats_print(FILE *out, const struct pft_tally_stats *s, double report_seconds);

#endif
