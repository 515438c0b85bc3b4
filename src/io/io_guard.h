/* pftally — protection against SIGBUS when a mapped file shrinks while it is read.
 *
 *     sigjmp_buf jb;
 *     if (sigsetjmp(jb, 1) != 0) { report "file shrank"; }   // landed here from SIGBUS
 *     pft_io_guard_jmp = &jb;  ... read mapped memory ...  pft_io_guard_jmp = NULL;
 *
 * Memory allocated inside the guarded region may leak when the jump is taken: it is an
 * error path that abandons the file. */
#ifndef PFT_IO_GUARD_H
#define PFT_IO_GUARD_H

#include <setjmp.h>

extern _Thread_local sigjmp_buf *pft_io_guard_jmp;

/*! pft_io_guard_install() : installs the process's SIGBUS handler (once; idempotent). */
void pft_io_guard_install(void);

#endif
