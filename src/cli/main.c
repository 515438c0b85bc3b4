/* pftally command line: options -> inputs -> tally -> report. The only place that prints
 * diagnostics or exits. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agg/agg.h"
#include "cli/progress.h"
#include "io/io.h"
#include "report/report.h"

enum exit_code {
	EXIT_OK = 0,
	EXIT_INPUT = 1,   /* an input could not be read or decoded */
	EXIT_USAGE = 2,   /* bad option or argument */
};

enum output_format { FORMAT_TEXT, FORMAT_JSON };

struct cli_options {
	enum output_format format;
	int no_mmap;
	int progress;           /* 1 on, 0 off, -1 when stderr is a terminal */
	int stats;
	struct pft_tally_options tally;
};

static void usage(FILE *out)
{
	fputs("usage: pftally [OPTIONS] PATH...\n"
	      "\n"
	      "Exact delivery statistics from Postfix logs. PATH is a log file (plain, gzip or\n"
	      "zstd), a directory (its mail-log files) or - for standard input. Rotated sets\n"
	      "(mail.log.3.zst mail.log.2.gz mail.log.1 mail.log, maillog-YYYYMMDD) are read\n"
	      "oldest to newest whatever order they are given in.\n"
	      "\n"
	      "options:\n"
	      "  -f, --format FMT      text (default) or json\n"
	      "  -y, --year YYYY       year of the newest syslog line without a year (default:\n"
	      "                        inferred from the newest file's modification time)\n"
	      "      --chunk-size SIZE bytes per work unit, with K/M/G suffix (default 8M)\n"
	      "      --no-mmap         read plain files with read() instead of mapping them\n"
	      "  -j, --threads N       worker threads (default: online CPUs)\n"
	      "      --progress        progress bar on stderr (default when it is a terminal)\n"
	      "      --no-progress     no progress bar\n"
	      "      --stats           print where the time went on stderr\n"
	      "  -h, --help            this help\n"
	      "  -V, --version         version\n"
	      "\n"
	      "exit status: 0 success, 1 an input could not be read, 2 usage error\n",
	      out);
}

static int parse_size(const char *s, size_t *out)
{
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return 0;
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end += *end == 'i' && end[1] == 'B' ? 2 : 1;
	if (*end != '\0' || v == 0 || v > (~0ull >> shift))
		return 0;
	*out = (size_t)(v << shift);
	return 1;
}

static int parse_options(int argc, char **argv, struct cli_options *o, int *first_path)
{
	enum { OPT_CHUNK_SIZE = 256, OPT_NO_MMAP, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_STATS };
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"year", required_argument, NULL, 'y'},
		{"chunk-size", required_argument, NULL, OPT_CHUNK_SIZE},
		{"no-mmap", no_argument, NULL, OPT_NO_MMAP},
		{"threads", required_argument, NULL, 'j'},
		{"progress", no_argument, NULL, OPT_PROGRESS},
		{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
		{"stats", no_argument, NULL, OPT_STATS},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "f:y:j:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o->format = FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o->format = FORMAT_JSON;
			else {
				fprintf(stderr, "pftally: unknown format '%s' (text, json)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'y': {
			char *end;
			long y = strtol(optarg, &end, 10);
			if (*end != '\0' || y < 1970 || y > 9999) {
				fprintf(stderr, "pftally: --year wants a year like 2024, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o->tally.year = (int32_t)y;
			break;
		}
		case OPT_CHUNK_SIZE:
			if (!parse_size(optarg, &o->tally.chunk_size)) {
				fprintf(stderr, "pftally: bad --chunk-size '%s' (e.g. 64K, 8M)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_NO_MMAP:
			o->no_mmap = 1;
			break;
		case 'j': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > 1024) {
				fprintf(stderr, "pftally: --threads wants 1..1024, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o->tally.threads = (unsigned)n;
			break;
		}
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			o->progress = 0;
			break;
		case OPT_STATS:
			o->stats = 1;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		case 'V':
			printf("pftally %s\n", PFT_VERSION);
			exit(EXIT_OK);
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs("pftally: no input: give a log file, a directory or - for stdin\n", stderr);
		usage(stderr);
		return EXIT_USAGE;
	}
	*first_path = optind;
	return EXIT_OK;
}

static int report_error(const struct pft_error *err)
{
	fputs("pftally: ", stderr);
	if (err->path[0])
		fprintf(stderr, "%s: ", err->path);
	fputs(pft_status_str(err->status), stderr);
	if (err->offset)
		fprintf(stderr, " at byte %llu", (unsigned long long)err->offset);
	if (err->detail[0])
		fprintf(stderr, ": %s", err->detail);
	if (err->sys_errno)
		fprintf(stderr, " (%s)", strerror(err->sys_errno));
	fputc('\n', stderr);
	return err->status == PFT_ERR_USAGE ? EXIT_USAGE : EXIT_INPUT;
}

int main(int argc, char **argv)
{
	struct cli_options o = {.format = FORMAT_TEXT, .progress = -1};
	int first_path = 0;
	int code = parse_options(argc, argv, &o, &first_path);
	if (code != EXIT_OK)
		return code;

	struct pft_error err = {0};
	struct pft_inputs inputs = {0};
	if (pft_inputs_expand((const char *const *)argv + first_path, (size_t)(argc - first_path),
			      &inputs, &err) != PFT_OK)
		return report_error(&err);
	if (inputs.n_files == 0) {
		fputs("pftally: no mail-log files found in the given paths\n", stderr);
		pft_inputs_free(&inputs);
		return EXIT_INPUT;
	}
	for (size_t i = 0; o.no_mmap && i < inputs.n_files; i++)
		inputs.files[i].no_mmap = 1;

	struct cli_progress progress = {.out = stderr, .inputs = &inputs};
	if (o.progress == 1 || (o.progress == -1 && isatty(STDERR_FILENO))) {
		o.tally.progress = cli_progress_draw;
		o.tally.progress_ctx = &progress;
	}
	struct pft_tally_stats stats;
	o.tally.stats = &stats;

	struct pft_result result;
	if (pft_tally(&inputs, &o.tally, &result, &err) != PFT_OK) {
		cli_progress_draw(&progress, &(struct pft_progress){.finished = 1});
		pft_inputs_free(&inputs);
		return report_error(&err);
	}
	struct timespec r0, r1;
	clock_gettime(CLOCK_MONOTONIC, &r0);
	enum pft_status status = o.format == FORMAT_JSON ? pft_report_json(&result, stdout)
							 : pft_report_text(&result, stdout);
	if (status == PFT_OK && fflush(stdout) != 0)
		status = PFT_ERR_IO;
	clock_gettime(CLOCK_MONOTONIC, &r1);
	if (o.stats)
		cli_stats_print(stderr, &stats,
				(double)(r1.tv_sec - r0.tv_sec) + (double)(r1.tv_nsec - r0.tv_nsec) * 1e-9);
	pft_result_free(&result);
	pft_inputs_free(&inputs);
	if (status != PFT_OK) {
		fprintf(stderr, "pftally: writing the report: %s\n", strerror(errno));
		return EXIT_INPUT;
	}
	return EXIT_OK;
}
