/* threadsig.c - see threadsig.h. */
#include "threadsig.h"

void jxa_threadsig_mask(sigset_t *set)
{
    static const int blocked[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
                                  SIGPIPE, SIGCHLD};
    sigemptyset(set);
    for (size_t i = 0; i < sizeof blocked / sizeof *blocked; i++)
        sigaddset(set, blocked[i]);
}
