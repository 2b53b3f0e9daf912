/* test_procfs.c - /proc parsing (procfs.c) on fixtures under
 * fixtures/proc/ and on the live process. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/resource.h>
#include <unistd.h>

#include "check.h"
#include "procfs.h"


#define FIX "fixtures/proc"

/* comm "java) x (y) z" holds spaces and parens: fields must be counted from
 * the last ')'. */
static void test_fixture_full(void)
{
    struct jxa_proc_stats s;
    double hz = (double)sysconf(_SC_CLK_TCK), page = (double)sysconf(_SC_PAGESIZE);
    CHECK_INT(jxa_procfs_read(FIX, "4242", &s), 0);
    CHECK_DBL(s.cpu_seconds, (250.0 + 109.0) / hz);
    CHECK_DBL(s.threads, 33.0);
    CHECK_DBL(s.start_time_seconds, 1700000000.0 + 1234500.0 / hz);
    CHECK_DBL(s.virtual_bytes, 1220703.0 * page);
    CHECK_DBL(s.resident_bytes, 16990.0 * page);
    CHECK_DBL(s.open_fds, 5.0);
    CHECK_DBL(s.max_fds, 20000.0);
}

/* No statm and no fd/: those values are NaN, the rest are read, and the
 * first failure's errno is returned. */
static void test_fixture_partial(void)
{
    struct jxa_proc_stats s;
    double hz = (double)sysconf(_SC_CLK_TCK);
    CHECK_INT(jxa_procfs_read(FIX, "77", &s), -ENOENT);
    CHECK_DBL(s.cpu_seconds, 10.0 / hz);
    CHECK_DBL(s.threads, 1.0);
    CHECK_DBL(s.start_time_seconds, 1700000000.0 + 100.0 / hz);
    CHECK(isnan(s.virtual_bytes));
    CHECK(isnan(s.resident_bytes));
    CHECK(isnan(s.open_fds));
    CHECK(isinf(s.max_fds) && s.max_fds > 0);
}

static void test_fixture_garbage(void)
{
    struct jxa_proc_stats s;
    CHECK_INT(jxa_procfs_read(FIX, "88", &s), -EINVAL);
    CHECK(isnan(s.cpu_seconds));
    CHECK(isnan(s.threads));
    CHECK(isnan(s.start_time_seconds));
    CHECK(isnan(s.resident_bytes));
    CHECK(isnan(s.max_fds));
    CHECK_DBL(s.open_fds, 1.0);
}

/* A host with 256 CPUs: a line per CPU and a long "intr" line put btime
 * 20 KiB into /proc/stat (fixtures/proc-256cpu/stat; its 4242 links to
 * proc/4242).  It used to be read into 16 KiB, which lost btime and so the
 * start time.  btime's number straddles offset 20480, a multiple of the
 * 4 KiB chunks procfs.c reads. */
static void test_fixture_many_cpus(void)
{
    struct jxa_proc_stats s;
    double hz = (double)sysconf(_SC_CLK_TCK);
    CHECK_INT(jxa_procfs_read("fixtures/proc-256cpu", "4242", &s), 0);
    CHECK_DBL(s.start_time_seconds, 1700000000.0 + 1234500.0 / hz);
    CHECK_DBL(s.threads, 33.0);
}

static void test_missing_pid(void)
{
    struct jxa_proc_stats s;
    CHECK_INT(jxa_procfs_read(FIX, "999999", &s), -ENOENT);
    CHECK(isnan(s.cpu_seconds) && isnan(s.open_fds) && isnan(s.max_fds));
    CHECK_INT(jxa_procfs_read(NULL, "self", &s), -EINVAL);
}

/* The live process: open fds move with open(), the count excludes the
 * directory fd used to count, max_fds is getrlimit's. */
static void test_live_self(void)
{
    struct jxa_proc_stats a, b;
    CHECK_INT(jxa_procfs_read("/proc", "self", &a), 0);
    CHECK(a.threads >= 1.0);
    CHECK(a.cpu_seconds >= 0.0);
    CHECK(a.resident_bytes > 0.0 && a.virtual_bytes >= a.resident_bytes);
    CHECK(a.start_time_seconds > 1.0e9);
    struct rlimit rl;
    CHECK_INT(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur != RLIM_INFINITY)
        CHECK_DBL(a.max_fds, (double)rl.rlim_cur);
    int fd = open("/dev/null", O_RDONLY);
    CHECK(fd >= 0);
    CHECK_INT(jxa_procfs_read("/proc", "self", &b), 0);
    CHECK_DBL(b.open_fds, a.open_fds + 1.0);
    close(fd);
    /* Count by hand: every fd that fcntl accepts below a bound. */
    int n = 0;
    for (int i = 0; i < 4096; i++)
        if (fcntl(i, F_GETFD) != -1)
            n++;
    CHECK_DBL(a.open_fds, (double)n);
}

SUITE(procfs)
{
    RUN(test_fixture_full);
    RUN(test_fixture_partial);
    RUN(test_fixture_garbage);
    RUN(test_fixture_many_cpus);
    RUN(test_missing_pid);
    RUN(test_live_self);
}
