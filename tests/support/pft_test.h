/* Helpers shared by the Criterion tests. */
#ifndef PFT_TEST_H
#define PFT_TEST_H

#include <stddef.h>

/*! pft_test_corpus_ext() : path of the third-party sample folder (../shared/corpus-ext beside
 *  the checkout, or $PFT_CORPUS_EXT), or NULL when it is absent: tests then skip. */
const char *pft_test_corpus_ext(void);

/*! pft_test_read_file() : whole file into a malloc'd NUL-terminated buffer (NULL on error). */
char *pft_test_read_file(const char *path, size_t *len);

/*! pft_test_tmpdir() : a fresh empty directory under $TMPDIR (malloc'd path), removed with
 *  its contents when the process exits (kept if PFT_TEST_KEEP_TMP is set). */
char *pft_test_tmpdir(void);

/*! pft_test_run() : runs a shell command, captures its stdout into a malloc'd string
 *  (*out, may be NULL) and @return its exit status (or -1). */
int pft_test_run(const char *cmd, char **out);

#endif

#include "pftally/result.h"

/*! pft_test_tally_text() : runs the part/merge pipeline over `text` as one file named
 *  "test.log", cut into line-aligned chunks of at most chunk_size bytes (as the readers do),
 *  with --year `year`. @return the JSON report (malloc'd), or NULL on failure. If result is
 *  non-NULL the merged result is left there (free with pft_result_free). */
char *pft_test_tally_text(const char *text, size_t chunk_size, int year, struct pft_result *result);

/*! pft_test_json_number() : the number at a dotted path ("attempts.sent",
 *  "by_domain.example\\.com.attempts.sent" — a backslash escapes a dot) in a JSON document.
 *  @return 1 and *out when found. */
int pft_test_json_number(const char *json, const char *path, long long *out);

/*! pft_test_json_compare_leaves() : for every numeric leaf of `expected` (a JSON document),
 *  checks that `actual` has the same number at the same path. @return the number of
 *  mismatches; the first few are described in msg. */
int pft_test_json_compare_leaves(const char *expected, const char *actual, char *msg, size_t size);
