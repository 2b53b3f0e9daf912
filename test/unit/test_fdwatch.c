/* test_fdwatch.c - the descriptor watcher (fdwatch.c), in a child process
 * whose RLIMIT_NOFILE is lowered so the table really fills up. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fdwatch.h"


static atomic_int pauses, resumes, resume_fails;
/* SigBlk of the watcher thread, read by on_resume (which runs on it; in
 * on_pause no descriptor is free to read it). */
static unsigned long long resume_sigblk;

/* The kernel's view of the calling thread's blocked signals: bit n-1 is
 * signal n.  ~0 if unreadable. */
static unsigned long long own_sigblk(void)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/self/task/%ld/status", (long)gettid());
    FILE *f = fopen(path, "r");
    unsigned long long v = ~0ULL;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "SigBlk: %llx", &v) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return v;
}

static void on_pause(void *arg)
{
    (void)arg;
    pauses++;
}

static int on_resume(void *arg, char *err, size_t errlen)
{
    (void)arg;
    if (resume_fails > 0) {
        resume_fails--;
        snprintf(err, errlen, "port taken");
        return -1;
    }
    resume_sigblk = own_sigblk();
    resumes++;
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Polls for up to 2 s (the watcher runs every 10 ms). */
static int wait_for(atomic_int *v, int want)
{
    for (int i = 0; i < 200 && *v < want; i++)
        sleep_ms(10);
    return *v;
}

/* Exit status of the child: the number of the first failed step, 0 if all
 * passed (plain exits: the check macros belong to the parent). */
static int child(void)
{
    struct rlimit rl = {64, 64};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1;
    struct jxa_fdwatch_ops ops = {on_pause, on_resume, NULL};
    if (jxa_fdwatch_start(&ops, 10) != 0)
        return 2;
    sleep_ms(50);
    if (pauses != 0 || jxa_fdwatch_paused())
        return 3;                       /* nothing full yet */
    int fds[64], n = 0;
    while (n < 64 && (fds[n] = open("/dev/null", O_RDONLY)) >= 0)
        n++;
    if (n == 64 || errno != EMFILE)
        return 4;
    if (wait_for(&pauses, 1) != 1 || !jxa_fdwatch_paused())
        return 5;
    sleep_ms(50);
    if (pauses != 1 || resumes != 0)
        return 6;                       /* once, and not while still full */
    /* Free fewer than the headroom: still paused. */
    for (int i = 0; i < 4; i++)
        close(fds[--n]);
    sleep_ms(50);
    if (resumes != 0)
        return 7;
    /* Free everything; the first resume fails (port taken), the next works. */
    resume_fails = 1;
    while (n > 0)
        close(fds[--n]);
    if (wait_for(&resumes, 1) != 1 || jxa_fdwatch_paused())
        return 8;
    if (jxa_fdwatch_stop(100) != 1)
        return 9;
    /* The watcher restarts the server from its own thread, and civetweb's
     * threads inherit its mask: a fault there must reach HotSpot's
     * handler (threadsig.h), while SIGTERM stays with the JVM's threads. */
    unsigned long long sync = 0;
    int crash[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS};
    for (size_t i = 0; i < sizeof crash / sizeof *crash; i++)
        sync |= 1ULL << (crash[i] - 1);
    if ((resume_sigblk & sync) != 0)
        return 10;
    if (!(resume_sigblk & (1ULL << (SIGTERM - 1))))
        return 11;
    return 0;
}

static void test_pause_and_resume(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(child());
    CHECK(pid > 0);
    int st = 0;
    CHECK_INT(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    CHECK_INT(WEXITSTATUS(st), 0);      /* else: the step that failed */
}

static void test_stop_when_idle(void)
{
    struct jxa_fdwatch_ops ops = {on_pause, on_resume, NULL};
    CHECK_INT(jxa_fdwatch_start(&ops, 1000), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_INT(jxa_fdwatch_stop(100), 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* Woken, not waited out: well under the 1 s period. */
    CHECK((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 500);
    CHECK_INT(jxa_fdwatch_stop(100), 1);    /* twice is harmless */
}

SUITE(fdwatch)
{
    RUN(test_pause_and_resume);
    RUN(test_stop_when_idle);
}
