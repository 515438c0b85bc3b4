/* pftally trace: the command line of the trace command (src/trace/ does the work). */
#ifndef PFT_TRACE_CLI_H
#define PFT_TRACE_CLI_H

/*! pft_trace_main() : runs `pftally trace ARGS`; argv[0] is the word "trace".
 *  @return the exit status: 0 found, 1 nothing matched, 2 usage, 3 an input failed. */
int pft_trace_main(int argc, char **argv);

#endif
