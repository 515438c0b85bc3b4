/* SIGBUS guard: a mapped file that shrinks under us (copytruncate, a disk full of zeros being
 * cut back) makes the next read of a vanished page raise SIGBUS. A thread that reads mapped
 * text points pft_io_guard_jmp at a sigjmp_buf; the handler jumps back there and the reader
 * reports the file instead of the process dying. */
#include <signal.h>
#include <stddef.h>

#include "io/io_guard.h"

_Thread_local sigjmp_buf *pft_io_guard_jmp;

static void on_sigbus(int sig, siginfo_t *info, void *uctx)
{
	(void)info;
	(void)uctx;
	sigjmp_buf *jb = pft_io_guard_jmp;
	if (jb != NULL) {
		pft_io_guard_jmp = NULL;
		siglongjmp(*jb, 1);
	}
	/* Not ours: die as the default action would. */
	signal(sig, SIG_DFL);
	raise(sig);
}

void pft_io_guard_install(void)
{
	static int installed;
	if (__atomic_exchange_n(&installed, 1, __ATOMIC_ACQ_REL))
		return;
	struct sigaction sa = {0};
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}
