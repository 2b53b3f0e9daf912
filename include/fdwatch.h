/* fdwatch.h - pause the HTTP server while the process has no file
 * descriptor left.
 *
 * civetweb 1.15's master thread polls the listening socket and calls
 * accept(); when accept() fails (EMFILE: the application reached
 * RLIMIT_NOFILE) it ignores the error and polls again, and the pending
 * connection keeps the socket readable: the thread spins on a core for as
 * long as the fd table stays full (civetweb.c v1.15 accept_new_connection;
 * the JDK HttpServer of jmx_prometheus_javaagent spins the same way).  A
 * watcher thread probes once per period with one open(); after two full
 * probes it pauses the server (the port closes, Prometheus sees the target
 * down, the log says why), and resumes it on the same port once eight
 * descriptors can be opened again.  The watcher never touches the JVM. */
#ifndef JXA_FDWATCH_H
#define JXA_FDWATCH_H

#include <stddef.h>

struct jxa_fdwatch_ops {
    void (*pause)(void *arg);
    /* 0, or -1 with one line in err (tried again next period). */
    int (*resume)(void *arg, char *err, size_t errlen);
    void *arg;
};

/* Starts the watcher (period in ms).  Returns 0, or -1 if no thread. */
int jxa_fdwatch_start(const struct jxa_fdwatch_ops *ops, unsigned period_ms);
/* Stops it, waiting at most wait_ms.  Returns 1 if it stopped (or never
 * ran), 0 if it is still inside pause/resume (leave the server alone). */
int jxa_fdwatch_stop(unsigned wait_ms);
/* 1 while the server is paused by the watcher. */
int jxa_fdwatch_paused(void);

#endif
