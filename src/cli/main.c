/* pftally command line: options -> inputs -> tally -> report. The only place that prints
 * diagnostics or exits. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agg/agg.h"
#include "cli/cli_common.h"
#include "cli/cli_filters.h"
#include "cli/cli_findings.h"
#include "cli/progress.h"
#include "cli/trace_cli.h"
#include "io/io.h"
#include "report/report.h"
#include "scan/scan.h"

enum exit_code {
	EXIT_OK = 0,
	EXIT_INPUT = 1,   /* no input could be read, or the report could not be written */
	EXIT_USAGE = 2,   /* bad option or argument */
	EXIT_INCOMPLETE = 3, /* some input could not be read to its end: the report covers the
			      * rest and lists what is missing */
	EXIT_FINDINGS = CLI_EXIT_FINDINGS, /* --fail-on-findings, and a finding */
};

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct cli_options {
	struct pft_report_options report;
	int format_given;       /* --format on the command line */
	int csv_choice_given;   /* --series or --table */
	const char *output;     /* -o FILE, NULL for standard output */
	enum color_mode color;
	int no_mmap;
	int progress;           /* 1 on, 0 off, -1 when stderr is a terminal */
	int stats;
	struct pft_tally_options tally;
	struct cli_findings findings;
	struct cli_filters filters;     /* --since, --until, --host, --domain, ... */
};

static void usage(FILE *out)
{
	fputs("usage: pftally [summary] [OPTIONS] PATH...\n"
	      "       pftally trace [OPTIONS] QID|ADDRESS PATH...   (pftally trace --help)\n"
	      "\n"
	      "Exact delivery statistics from Postfix logs. PATH is a log file (plain, gzip or\n"
	      "zstd), a directory (its mail-log files) or - for standard input. Rotated sets\n"
	      "(mail.log.3.zst mail.log.2.gz mail.log.1 mail.log, maillog-YYYYMMDD) are read\n"
	      "oldest to newest whatever order they are given in.\n"
	      "\n"
	      "report:\n"
	      "  -f, --format FMT      text (default), json, csv, html, openmetrics or prometheus\n"
	      "                        (Prometheus text format for node_exporter's textfile\n"
	      "                        collector)\n"
	      "  -o, --output FILE     write the report to FILE atomically (temporary file in the\n"
	      "                        same directory, then rename); - is standard output\n"
	      "      --top N           rows of the top domain/relay tables and metric families\n"
	      "                        (default 10; CSV tables: every row)\n"
	      "      --series UNIT     CSV time series per hour, day (default) or week (ISO)\n"
	      "      --table NAME      CSV table instead of a series: dsn, domain, relay, reason or\n"
	      "                        reject\n"
	      "      --color WHEN      text colour: auto (default: on a terminal unless NO_COLOR\n"
	      "                        is set), always or never\n"
	      "\n"
	      "input:\n"
	      "  -y, --year YYYY       year of the newest syslog line without a year (default:\n"
	      "                        inferred from the newest file's modification time)\n"
	      "      --chunk-size SIZE bytes per work unit, with K/M/G suffix (default 4M)\n"
	      "      --no-mmap         read plain files with read() instead of mapping them\n"
	      "  -j, --threads N       worker threads (default: online CPUs)\n"
	      "      --progress        progress bar on stderr (default when it is a terminal)\n"
	      "      --no-progress     no progress bar\n"
	      "      --stats           print where the time went on stderr\n"
	      "      --horizon DAYS    a message silent this long without `removed` is\n"
	      "                        abandoned (default 10; 0 = never)\n"
	      "      --max-open-messages N  abandon the most silent messages past N open\n"
	      "                        (bounds memory; counts are exact only below the cap)\n"
	      "  -h, --help            this help\n"
	      "  -V, --version         version\n"
	      "\n",
	      out);
	cli_filters_usage(out);
	cli_findings_usage(out);
	fputs("\n"
	      "exit status: 0 success; 1 no input could be used or the report could not be\n"
	      "written; 2 usage error; 3 incomplete (an input could not be read to its end:\n"
	      "named on stderr, the report covers the rest); 4 a finding, with\n"
	      "--fail-on-findings. See pftally(1).\n",
	      out);
}

static const char *const format_names[] = {"text", "json", "csv", "html", "openmetrics",
					   "prometheus", NULL};
static const char *const series_names[] = {"hour", "day", "week", NULL};
static const char *const table_names[] = {"dsn", "domain", "relay", "reason", "reject", NULL};
static const char *const color_names[] = {"auto", "always", "never", NULL};

/* Index of word in a NULL-terminated list, -1 if absent. */
static int lookup(const char *word, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(word, names[i]) == 0)
			return i;
	return -1;
}

static int parse_options(int argc, char **argv, struct cli_options *o, int *first_path)
{
	enum {
		OPT_CHUNK_SIZE = 256, OPT_NO_MMAP, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_STATS, OPT_TOP,
		OPT_SERIES, OPT_TABLE, OPT_COLOR, OPT_HORIZON, OPT_MAX_OPEN
	};
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"top", required_argument, NULL, OPT_TOP},
		{"series", required_argument, NULL, OPT_SERIES},
		{"table", required_argument, NULL, OPT_TABLE},
		{"color", required_argument, NULL, OPT_COLOR},
		{"colour", required_argument, NULL, OPT_COLOR},
		{"year", required_argument, NULL, 'y'},
		{"chunk-size", required_argument, NULL, OPT_CHUNK_SIZE},
		{"no-mmap", no_argument, NULL, OPT_NO_MMAP},
		{"threads", required_argument, NULL, 'j'},
		{"progress", no_argument, NULL, OPT_PROGRESS},
		{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
		{"stats", no_argument, NULL, OPT_STATS},
		{"horizon", required_argument, NULL, OPT_HORIZON},
		{"max-open-messages", required_argument, NULL, OPT_MAX_OPEN},
		CLI_FILTERS_LONGOPTS
		CLI_FINDINGS_LONGOPTS
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "f:o:y:j:hV", longopts, NULL)) != -1) {
		const int filter = cli_filters_option(&o->filters, c, optarg);
		if (filter != 0) {
			if (filter < 0)
				return EXIT_USAGE;
			continue;
		}
		const int findings = cli_findings_option(&o->findings, c, optarg);
		if (findings != 0) {
			if (findings < 0)
				return EXIT_USAGE;
			continue;
		}
		switch (c) {
		case 'f': {
			int k = lookup(optarg, format_names);
			if (k < 0) {
				fprintf(stderr, "pftally: unknown format '%s' (text, json, csv, html, "
						"openmetrics, prometheus)\n",
					optarg);
				return EXIT_USAGE;
			}
			o->report.format = (enum pft_report_format)k;
			o->format_given = 1;
			break;
		}
		case 'o':
			o->output = strcmp(optarg, "-") == 0 ? NULL : optarg;
			break;
		case OPT_TOP: {
			char *end;
			errno = 0;
			long n = strtol(optarg, &end, 10);
			if (errno || *end != '\0' || end == optarg || n < 1 || n > 1000000) {
				fprintf(stderr, "pftally: --top wants 1..1000000, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o->report.top = (unsigned)n;
			break;
		}
		case OPT_SERIES: {
			int k = lookup(optarg, series_names);
			if (k < 0) {
				fprintf(stderr, "pftally: --series wants hour, day or week, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			if (o->csv_choice_given) {
				fputs("pftally: give one of --series and --table\n", stderr);
				return EXIT_USAGE;
			}
			o->report.csv_table = PFT_CSV_SERIES;
			o->report.series = (enum pft_series)k;
			o->csv_choice_given = 1;
			break;
		}
		case OPT_TABLE: {
			int k = lookup(optarg, table_names);
			if (k < 0) {
				fprintf(stderr, "pftally: --table wants dsn, domain, relay, reason or reject, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			if (o->csv_choice_given) {
				fputs("pftally: give one of --series and --table\n", stderr);
				return EXIT_USAGE;
			}
			o->report.csv_table = (enum pft_csv_table)(k + 1);
			o->csv_choice_given = 1;
			break;
		}
		case OPT_COLOR: {
			int k = lookup(optarg, color_names);
			if (k < 0) {
				fprintf(stderr, "pftally: --color wants auto, always or never, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			o->color = (enum color_mode)k;
			break;
		}
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
			if (!cli_parse_size(optarg, &o->tally.chunk_size)) {
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
		case OPT_HORIZON: {
			char *end;
			long days = strtol(optarg, &end, 10);
			if (*end != '\0' || days < 0 || days > 3660) {
				fprintf(stderr, "pftally: --horizon wants days (0..3660), not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			o->tally.limits.horizon = (int64_t)days * 86400;
			break;
		}
		case OPT_MAX_OPEN: {
			char *end;
			unsigned long long n = strtoull(optarg, &end, 10);
			if (*end != '\0' || n == 0 || optarg[0] == '-') {
				fprintf(stderr, "pftally: --max-open-messages wants a count > 0, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			o->tally.limits.max_open = (size_t)n;
			break;
		}
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
	if (o->csv_choice_given && !o->format_given)
		o->report.format = PFT_REPORT_CSV;
	if (o->csv_choice_given && o->report.format != PFT_REPORT_CSV) {
		fputs("pftally: --series and --table go with --format csv\n", stderr);
		return EXIT_USAGE;
	}
	/* The command word: "summary" is the default; a file of that name is ./summary. */
	if (optind < argc && strcmp(argv[optind], "summary") == 0)
		optind++;
	else if (optind < argc && strcmp(argv[optind], "trace") == 0) {
		fputs("pftally: trace comes first: pftally trace [OPTIONS] QID|ADDRESS PATH...\n",
		      stderr);
		return EXIT_USAGE;
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
	cli_print_error(err);
	return err->status == PFT_ERR_USAGE ? EXIT_USAGE : EXIT_INPUT;
}

/* ---- atomic output ---------------------------------------------------------------------
 * The report goes to a temporary file in the target's directory, which is renamed over the
 * target once complete: a reader (node_exporter's textfile collector, a web server) never sees
 * a half-written report, and a failed run leaves the old one in place. */

struct output {
	FILE *f;
	const char *path;       /* target, NULL for standard output */
	mode_t mode;            /* the target's mode, or 0666 & ~umask for a new file */
};

/* The temporary file's name, for the signal handler (unlink is async-signal-safe). */
static char output_tmp[4096];
static volatile sig_atomic_t output_tmp_live;

static void output_on_signal(int sig)
{
	if (output_tmp_live)
		unlink(output_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int output_open(struct output *o, const char *path)
{
	o->path = path;
	if (path == NULL) {
		o->f = stdout;
		return EXIT_OK;
	}
	struct stat st;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			fprintf(stderr, "pftally: -o %s: is a directory\n", path);
			return EXIT_USAGE;
		}
		o->mode = st.st_mode & 07777;
	} else {
		mode_t mask = umask(0);
		umask(mask);
		o->mode = 0666 & ~mask;
	}
	/* ".NAME.XXXXXX" beside NAME: same file system, so rename() is atomic. */
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path + 1) : 0;
	int n = snprintf(output_tmp, sizeof output_tmp, "%.*s.%s.XXXXXX", dir_len, path,
			 slash ? slash + 1 : path);
	if (n < 0 || (size_t)n >= sizeof output_tmp) {
		fprintf(stderr, "pftally: -o %s: path too long\n", path);
		return EXIT_USAGE;
	}
	int fd = mkstemp(output_tmp);
	if (fd < 0 || (o->f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "pftally: cannot create a file beside %s: %s\n", path,
			strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(output_tmp);
		}
		return EXIT_INPUT;
	}
	output_tmp_live = 1;
	signal(SIGINT, output_on_signal);
	signal(SIGTERM, output_on_signal);
	signal(SIGHUP, output_on_signal);
	return EXIT_OK;
}

static void output_abort(struct output *o)
{
	if (o->path == NULL)
		return;
	fclose(o->f);
	unlink(output_tmp);
	output_tmp_live = 0;
}

/* Flushes, syncs and renames over the target. @return 0 or an errno. */
static int output_commit(struct output *o)
{
	if (o->path == NULL)
		return fflush(stdout) == 0 ? 0 : errno ? errno : EIO;
	int fd = fileno(o->f), err = 0;
	if (fflush(o->f) != 0 || fchmod(fd, o->mode) != 0 || fsync(fd) != 0)
		err = errno ? errno : EIO;
	if (fclose(o->f) != 0 && err == 0)
		err = errno ? errno : EIO;
	if (err == 0 && rename(output_tmp, o->path) != 0)
		err = errno;
	if (err)
		unlink(output_tmp);
	output_tmp_live = 0;
	return err;
}

/* Colour for the text report: --color, else a terminal and no NO_COLOR (no-color.org). */
static int use_color(const struct cli_options *o)
{
	if (o->report.format != PFT_REPORT_TEXT || o->color == COLOR_NEVER)
		return 0;
	if (o->color == COLOR_ALWAYS)
		return 1;
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	if (no_color && *no_color)
		return 0;
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return o->output == NULL && isatty(STDOUT_FILENO);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "trace") == 0)
		return pft_trace_main(argc - 1, argv + 1);
	struct cli_options o = {.report = {.format = PFT_REPORT_TEXT, .series = PFT_SERIES_DAY},
				.progress = -1,
				.tally.limits.horizon = (int64_t)PFT_DEFAULT_HORIZON_DAYS * 86400};
	int first_path = 0;
	cli_findings_init(&o.findings);
	int code = parse_options(argc, argv, &o, &first_path);
	if (code != EXIT_OK)
		return code;
	o.report.color = use_color(&o);

	struct pft_error err = {0};
	/* The SIMD kernel, once (PFT_FORCE_SCAN may ask for one this CPU lacks: a usage error). */
	if (pft_scan_select(&err) != PFT_OK)
		return report_error(&err);
	struct pft_inputs inputs = {0};
	if (pft_inputs_expand((const char *const *)argv + first_path, (size_t)(argc - first_path),
			      &inputs, &err) != PFT_OK)
		return report_error(&err);
	if (inputs.n_files == 0) {
		for (size_t i = 0; i < inputs.n_errors; i++)
			cli_print_error(&inputs.errors[i]);
		if (inputs.n_errors == 0)
			fputs("pftally: no mail-log files found in the given paths\n", stderr);
		pft_inputs_free(&inputs);
		return EXIT_INPUT;
	}
	for (size_t i = 0; o.no_mmap && i < inputs.n_files; i++)
		inputs.files[i].no_mmap = 1;

	/* Open the output before the long part, so that a bad -o fails at once. */
	struct output output = {0};
	if ((code = output_open(&output, o.output)) != EXIT_OK) {
		pft_inputs_free(&inputs);
		return code;
	}

	struct cli_progress progress = {.out = stderr, .inputs = &inputs};
	if (o.progress == 1 || (o.progress == -1 && isatty(STDERR_FILENO))) {
		o.tally.progress = cli_progress_draw;
		o.tally.progress_ctx = &progress;
	}
	struct pft_tally_stats stats;
	o.tally.stats = &stats;

	struct pft_result result;
	o.tally.limits.filter = cli_filters_get(&o.filters);
	if (pft_tally(&inputs, &o.tally, &result, &err) != PFT_OK) {
		cli_progress_draw(&progress, &(struct pft_progress){.finished = 1});
		output_abort(&output);
		pft_inputs_free(&inputs);
		return report_error(&err);
	}
	/* Every input that could not be read to its end, named with its byte offset; the report
	 * still covers everything else. */
	for (size_t i = 0; i < result.n_errors; i++)
		cli_print_error(&result.errors[i]);
	const int incomplete = result.n_errors > 0;
	cli_findings_run(&o.findings, &result);
	const int findings_exit = cli_findings_exit(&o.findings, &result);
	struct timespec r0, r1;
	clock_gettime(CLOCK_MONOTONIC, &r0);
	enum pft_status status = pft_report_write(&result, &o.report, output.f);
	int write_errno = errno;
	if (status == PFT_OK) {
		write_errno = output_commit(&output);
		if (write_errno)
			status = PFT_ERR_IO;
	} else {
		output_abort(&output);
	}
	clock_gettime(CLOCK_MONOTONIC, &r1);
	if (o.stats)
		cli_stats_print(stderr, &stats,
				(double)(r1.tv_sec - r0.tv_sec) + (double)(r1.tv_nsec - r0.tv_nsec) * 1e-9);
	pft_result_free(&result);
	cli_filters_free(&o.filters);
	pft_inputs_free(&inputs);
	if (status != PFT_OK) {
		fprintf(stderr, "pftally: writing the report%s%s: %s\n", o.output ? " to " : "",
			o.output ? o.output : "",
			status == PFT_ERR_IO ? strerror(write_errno) : pft_status_str(status));
		return EXIT_INPUT;
	}
	return incomplete ? EXIT_INCOMPLETE : findings_exit ? EXIT_FINDINGS : EXIT_OK;
}
