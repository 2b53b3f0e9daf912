/* threadsig.h - the signal mask of every thread the agent creates: the
 * descriptor watcher, civetweb's master and workers (they inherit it from
 * the thread that calls mg_start2), the stop waker.  None of them is a
 * Java thread.
 *
 * Blocked: the process-directed signals HotSpot handles (SIGTERM, SIGINT,
 * SIGHUP for shutdown hooks, SIGQUIT for thread dumps, SIGUSR1/SIGUSR2,
 * SIGCHLD), so the kernel delivers them to a JVM thread, and SIGPIPE (a
 * write to a closed socket fails with EPIPE instead).
 *
 * Never blocked: the synchronous signals SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 * SIGTRAP and SIGSYS.  The kernel sends them to the thread that faulted;
 * if that thread blocks them, Linux resets the action to the default and
 * kills the process (force_sig_info), so HotSpot's handler never runs and
 * a crash leaves no hs_err file.  Pure C; any thread. */
#ifndef JXA_THREADSIG_H
#define JXA_THREADSIG_H

#include <signal.h>

/* Fills set with that mask; create threads under pthread_sigmask(
 * SIG_SETMASK, set, &old) and restore old afterwards. */
void jxa_threadsig_mask(sigset_t *set);

#endif
