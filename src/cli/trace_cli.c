/* pftally trace QID|ADDRESS PATH...: options, inputs, the run, the output and the exit status.
 * Exit status: 0 something matched, 1 nothing matched, 2 usage, 3 an input could not be read
 * (what was found in the rest is still printed). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/trace_cli.h"
#include "cli/cli_common.h"
#include "io/io.h"
#include "scan/scan.h"
#include "trace/trace.h"

enum trace_exit {
	TRACE_FOUND = 0,
	TRACE_NOT_FOUND = 1,
	TRACE_USAGE = 2,
	TRACE_INPUT = 3,
};

static void trace_usage(FILE *out)
{
	fputs("usage: pftally trace [OPTIONS] QID|ADDRESS PATH...\n"
	      "\n"
	      "Every line of the messages that a queue ID or an address names, grouped per\n"
	      "message lifecycle (a reused queue ID after `removed` is another message), with\n"
	      "each recipient's last status, DSN and attempts, and the messages they lead to:\n"
	      "content-filter hops (queued as), local forwards (forwarded as) and bounce\n"
	      "notifications. An ADDRESS matches to=, orig_to= and from= (the domain without\n"
	      "case). PATH is a log file (plain, gzip or zstd), a directory or - (QID only).\n"
	      "\n"
	      "  -f, --format FMT      text (default) or json\n"
	      "  -y, --year YYYY       year of the newest syslog line without a year (default:\n"
	      "                        from the newest file's modification time)\n"
	      "      --color WHEN      auto (default), always or never\n"
	      "      --no-follow       do not follow hops, forwards and notifications\n"
	      "      --address         take the argument as an address even if it looks like a\n"
	      "                        queue ID\n"
	      "      --chunk-size SIZE bytes read at a time, with K/M/G suffix (default 4M)\n"
	      "      --window SIZE     log kept to find a linked message's lines that precede\n"
	      "                        the line naming it (default 16M)\n"
	      "      --no-mmap         read plain files with read() instead of mapping them\n"
	      "  -j, --threads N       threads (default: online CPUs): above 1, files are\n"
	      "                        decoded ahead, several at once\n"
	      "  -h, --help            this help\n"
	      "\n"
	      "exit status: 0 found, 1 nothing matched, 2 usage error, 3 an input could not be\n"
	      "read (what was found is still printed). See pftally(1).\n",
	      out);
}

static int color_wanted(int mode, int json)
{
	if (json || mode == 2)
		return 0;
	if (mode == 1)
		return 1;
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	if ((no_color && *no_color) || (term && strcmp(term, "dumb") == 0))
		return 0;
	return isatty(STDOUT_FILENO);
}

int pft_trace_main(int argc, char **argv)
{
	enum { OPT_COLOR = 256, OPT_NO_FOLLOW, OPT_ADDRESS, OPT_CHUNK, OPT_WINDOW, OPT_NO_MMAP };
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"year", required_argument, NULL, 'y'},
		{"color", required_argument, NULL, OPT_COLOR},
		{"colour", required_argument, NULL, OPT_COLOR},
		{"no-follow", no_argument, NULL, OPT_NO_FOLLOW},
		{"address", no_argument, NULL, OPT_ADDRESS},
		{"chunk-size", required_argument, NULL, OPT_CHUNK},
		{"window", required_argument, NULL, OPT_WINDOW},
		{"no-mmap", no_argument, NULL, OPT_NO_MMAP},
		{"threads", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct pft_trace_options o = {.follow = 1};
	int json = 0, color = 0 /* auto, 1 always, 2 never */, force_address = 0, no_mmap = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:y:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") == 0) {
				json = 0;
			} else if (strcmp(optarg, "json") == 0) {
				json = 1;
			} else {
				fprintf(stderr, "pftally trace: unknown format '%s' (text, json)\n",
					optarg);
				return TRACE_USAGE;
			}
			break;
		case 'y': {
			char *end;
			const long y = strtol(optarg, &end, 10);
			if (*end != '\0' || end == optarg || y < 1970 || y > 9999) {
				fprintf(stderr,
					"pftally trace: --year wants a year like 2024, not '%s'\n",
					optarg);
				return TRACE_USAGE;
			}
			o.year = (int32_t)y;
			break;
		}
		case OPT_COLOR:
			if (strcmp(optarg, "auto") == 0) {
				color = 0;
			} else if (strcmp(optarg, "always") == 0) {
				color = 1;
			} else if (strcmp(optarg, "never") == 0) {
				color = 2;
			} else {
				fprintf(stderr,
					"pftally trace: --color wants auto, always or never, "
					"not '%s'\n",
					optarg);
				return TRACE_USAGE;
			}
			break;
		case OPT_NO_FOLLOW:
			o.follow = 0;
			break;
		case OPT_ADDRESS:
			force_address = 1;
			break;
		case OPT_CHUNK:
		case OPT_WINDOW:
			if (!cli_parse_size(optarg, c == OPT_CHUNK ? &o.chunk_size : &o.window)) {
				fprintf(stderr, "pftally trace: bad %s '%s' (e.g. 64K, 8M)\n",
					c == OPT_CHUNK ? "--chunk-size" : "--window", optarg);
				return TRACE_USAGE;
			}
			break;
		case OPT_NO_MMAP:
			no_mmap = 1;
			break;
		case 'j': {
			char *end;
			const long n = strtol(optarg, &end, 10);
			if (*end != '\0' || end == optarg || n < 1 || n > 1024) {
				fprintf(stderr,
					"pftally trace: --threads wants 1..1024, not '%s'\n",
					optarg);
				return TRACE_USAGE;
			}
			o.threads = (unsigned)n;
			break;
		}
		case 'h':
			trace_usage(stdout);
			return TRACE_FOUND;
		default:
			trace_usage(stderr);
			return TRACE_USAGE;
		}
	}
	if (argc - optind < 2) {
		fputs(optind < argc
			      ? "pftally trace: no input: give a log file, a directory or -\n"
			      : "pftally trace: give a queue ID or an address, then the logs\n",
		      stderr);
		trace_usage(stderr);
		return TRACE_USAGE;
	}
	const char *arg = argv[optind];
	/* An address may be written as in the log, <user@example.com>. */
	size_t arg_len = strlen(arg);
	char *needle = NULL;
	if (arg_len >= 2 && arg[0] == '<' && arg[arg_len - 1] == '>')
		needle = strndup(arg + 1, arg_len - 2);
	else
		needle = strdup(arg);
	if (needle == NULL) {
		fputs("pftally trace: out of memory\n", stderr);
		return TRACE_INPUT;
	}
	if (needle[0] == '\0' || strchr(needle, '\n') != NULL) {
		fputs("pftally trace: the queue ID or address is empty\n", stderr);
		free(needle);
		return TRACE_USAGE;
	}
	o.needle = needle;
	o.query = force_address ? PFT_TRACE_ADDRESS : pft_trace_classify(needle);

	struct pft_error err = {0};
	if (pft_scan_select(&err) != PFT_OK) {
		cli_print_error(&err);
		free(needle);
		return TRACE_USAGE;
	}
	struct pft_inputs inputs = {0};
	if (pft_inputs_expand((const char *const *)argv + optind + 1, (size_t)(argc - optind - 1),
			      &inputs, &err) != PFT_OK) {
		cli_print_error(&err);
		free(needle);
		return TRACE_INPUT;
	}
	int code = TRACE_FOUND;
	for (size_t i = 0; i < inputs.n_files; i++) {
		inputs.files[i].no_mmap |= (uint8_t)no_mmap;
		/* An address trace reads its inputs twice: a pipe can be read once. */
		const int pipe = inputs.files[i].is_stdin || inputs.files[i].pipe != NULL;
		if (o.query == PFT_TRACE_ADDRESS && pipe) {
			fprintf(stderr,
				"pftally trace: %s: an address trace reads its input twice: "
				"give files, not a pipe\n",
				inputs.files[i].path);
			code = TRACE_USAGE;
		}
	}
	if (code != TRACE_FOUND) {
		pft_inputs_free(&inputs);
		free(needle);
		return code;
	}
	struct pft_trace_result result;
	if (pft_trace_run(&inputs, &o, &result, &err) != PFT_OK) {
		cli_print_error(&err);
		pft_inputs_free(&inputs);
		free(needle);
		return err.status == PFT_ERR_USAGE ? TRACE_USAGE : TRACE_INPUT;
	}
	for (size_t i = 0; i < result.n_errors; i++)
		cli_print_error(&result.errors[i]);
	if (inputs.n_files == 0 && inputs.n_errors == 0)
		fputs("pftally trace: no mail-log files found in the given paths\n", stderr);

	const struct pft_trace_write_options wo = {
		.color = color_wanted(color, json), .query = o.query, .needle = needle};
	enum pft_status st = json ? pft_trace_write_json(&result, &inputs, &wo, stdout)
				  : pft_trace_write_text(&result, &inputs, &wo, stdout);
	if (st == PFT_OK && fflush(stdout) != 0)
		st = PFT_ERR_IO;
	if (st != PFT_OK)
		fprintf(stderr, "pftally trace: writing the output: %s\n",
			st == PFT_ERR_IO ? strerror(errno) : pft_status_str(st));
	if (st != PFT_OK || result.n_errors > 0 || inputs.n_files == 0)
		code = TRACE_INPUT;
	else if (result.n_messages == 0)
		code = TRACE_NOT_FOUND;
	if (code == TRACE_NOT_FOUND && !json)
		fprintf(stderr, "pftally trace: no line of %s %s\n",
			o.query == PFT_TRACE_QID ? "queue ID" : "address", needle);
	pft_trace_result_free(&result);
	pft_inputs_free(&inputs);
	free(needle);
	return code;
}
