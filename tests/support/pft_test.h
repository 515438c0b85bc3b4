/* Helpers shared by the Criterion tests. */
#ifndef PFT_TEST_H
#define PFT_TEST_H

#include <stddef.h>

/*! pft_test_corpus_ext() : path of the third-party sample folder (../shared/corpus-ext beside
 *  the checkout, or $PFT_CORPUS_EXT), or NULL when it is absent: tests then skip. */
const char *pft_test_corpus_ext(void);

/*! pft_test_read_file() : whole file into a malloc'd NUL-terminated buffer (NULL on error). */
char *pft_test_read_file(const char *path, size_t *len);

/*! pft_test_tmpdir() : a fresh empty directory under $TMPDIR (malloc'd path). */
char *pft_test_tmpdir(void);

/*! pft_test_run() : runs a shell command, captures its stdout into a malloc'd string
 *  (*out, may be NULL) and @return its exit status (or -1). */
int pft_test_run(const char *cmd, char **out);

#endif
