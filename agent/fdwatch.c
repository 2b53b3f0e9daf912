/* fdwatch.c - see fdwatch.h. */
#include "fdwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "threadsig.h"

#define HEADROOM 8      /* descriptors that must be free to resume */

static pthread_t thread;
static bool running;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static bool stop_flag;
static atomic_bool busy;        /* inside pause/resume */
static atomic_bool paused;
static struct jxa_fdwatch_ops ops;
static unsigned period;

/* True when not even one descriptor can be opened. */
static bool table_full(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return false;
    }
    return errno == EMFILE || errno == ENFILE;
}

static bool has_headroom(void)
{
    int fds[HEADROOM];
    int n = 0;
    while (n < HEADROOM && (fds[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
        n++;
    for (int i = 0; i < n; i++)
        close(fds[i]);
    return n == HEADROOM;
}

static void limit_text(char *out, size_t len)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        snprintf(out, len, "RLIMIT_NOFILE %llu", (unsigned long long)rl.rlim_cur);
    else
        snprintf(out, len, "the system's file table");
}

/* One period: false when asked to stop. */
static bool wait_period(void)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += period / 1000;
    until.tv_nsec += (long)(period % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&mu);
    while (!stop_flag && pthread_cond_timedwait(&cv, &mu, &until) != ETIMEDOUT)
        ;
    bool go_on = !stop_flag;
    if (go_on)
        atomic_store(&busy, true);  /* under mu: stop() sees it */
    pthread_mutex_unlock(&mu);
    return go_on;
}

static void *watch(void *arg)
{
    (void)arg;
    int full_probes = 0;
    bool resume_failed_logged = false;
    while (wait_period()) {
        if (!atomic_load(&paused)) {
            full_probes = table_full() ? full_probes + 1 : 0;
            if (full_probes >= 2) {
                char lim[64];
                limit_text(lim, sizeof lim);
                jxa_warn("no file descriptor left (%s reached): /metrics is paused so "
                         "the server does not spin on accept(); it resumes by itself once "
                         "descriptors are free; find the descriptor leak or raise the "
                         "limit (ulimit -n, systemd LimitNOFILE=)", lim);
                ops.pause(ops.arg);
                atomic_store(&paused, true);
                full_probes = 0;
                resume_failed_logged = false;
            }
        } else if (has_headroom()) {
            char err[512] = "";
            if (ops.resume(ops.arg, err, sizeof err) == 0) {
                atomic_store(&paused, false);
                jxa_info("file descriptors are free again: /metrics resumed");
            } else if (!resume_failed_logged) {
                jxa_warn("cannot resume /metrics: %s; trying again every %u ms", err, period);
                resume_failed_logged = true;
            }
        }
        atomic_store(&busy, false);
    }
    return NULL;
}

int jxa_fdwatch_start(const struct jxa_fdwatch_ops *o, unsigned period_ms)
{
    if (running)
        return 0;
    ops = *o;
    period = period_ms ? period_ms : 1000;
    stop_flag = false;
    atomic_store(&paused, false);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &ca);
    pthread_condattr_destroy(&ca);
    /* The watcher restarts the server, whose threads inherit this mask:
     * see threadsig.h for why it must not block everything. */
    sigset_t mask, old;
    jxa_threadsig_mask(&mask);
    pthread_sigmask(SIG_SETMASK, &mask, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int rc = pthread_create(&thread, &attr, watch, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return -1;
    /* At most 15 characters, or the name is refused (ERANGE). */
    pthread_setname_np(thread, "jmxagent-fdwtch");
    running = true;
    return 0;
}

int jxa_fdwatch_stop(unsigned wait_ms)
{
    if (!running)
        return 1;
    pthread_mutex_lock(&mu);
    stop_flag = true;
    pthread_cond_signal(&cv);
    bool inside = atomic_load(&busy);
    pthread_mutex_unlock(&mu);
    if (inside) {
        /* pause/resume can take civetweb's poll quantum: wait a little,
         * never the JVM's exit for it. */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)wait_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        if (pthread_timedjoin_np(thread, NULL, &until) != 0)
            return 0;
    } else {
        pthread_join(thread, NULL);
    }
    running = false;
    return 1;
}

int jxa_fdwatch_paused(void)
{
    return atomic_load(&paused);
}
