#include "cli/progress.h"

#include <string.h>

#include "scan/scan.h"

void cli_progress_draw(void *ctx, const struct pft_progress *p)
{
	struct cli_progress *cp = ctx;
	if (p->finished) {
		if (cp->drawn)
			fputs("\r\033[K", cp->out);
		cp->drawn = 0;
		fflush(cp->out);
		return;
	}
	double done = (double)p->stored_done, total = (double)p->stored_total;
	double fraction = total > 0 ? done / total : 0;
	if (fraction > 1)
		fraction = 1;
	double rate = p->elapsed > 0 ? (double)p->decoded_done / p->elapsed / 1e6 : 0;
	double eta = fraction > 0.001 ? p->elapsed * (1 - fraction) / fraction : 0;
	char bar[31];
	int filled = (int)(fraction * 30);
	for (int i = 0; i < 30; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[30] = '\0';
	const char *path = cp->inputs->files[p->file_index].path;
	size_t n = strlen(path);
	if (n > 32)
		path += n - 32;
	fprintf(cp->out, "\r\033[K[%s] %5.1f%% %8.0f MB/s  ETA %4.0fs  %s", bar, fraction * 100,
		rate, eta, path);
	fflush(cp->out);
	cp->drawn = 1;
}

void cli_stats_print(FILE *out, const struct pft_tally_stats *s, double report_seconds)
{
	double mb = (double)s->decoded_bytes / 1e6;
	fprintf(out, "pftally stats: %.0f MB of text in %llu chunks, %.3f s wall (%.0f MB/s), "
		     "%u reader and %u worker threads\n",
		mb, (unsigned long long)s->chunks, s->wall, s->wall > 0 ? mb / s->wall : 0, s->readers,
		s->workers);
	fprintf(out, "  read/decode   %8.3f s CPU\n", s->cpu_read);
	fprintf(out, "  scan/parse    %8.3f s CPU  (%.0f MB/s per core, %s kernel)\n", s->cpu_parse,
		s->cpu_parse > 0 ? mb / s->cpu_parse : 0, pft_scan_current()->name);
	fprintf(out, "  merge         %8.3f s CPU  (on the workers, in input order)\n", s->cpu_merge);
	fprintf(out, "  workers idle  %8.3f s      (waiting for chunks; high when read/decode is the limit)\n",
		s->wait_chunks);
	fprintf(out, "  report        %8.3f s\n", report_seconds);
	fprintf(out, "  peak open messages %zu\n", s->peak_open);
}
