/* procfs.c - process metrics from /proc; see procfs.h and docs/design.md §13. */
#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static int path_of(char *out, size_t cap, const char *root, const char *pid,
                   const char *leaf)
{
    int n = pid ? snprintf(out, cap, "%s/%s/%s", root, pid, leaf)
                : snprintf(out, cap, "%s/%s", root, leaf);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Reads the whole small file root/pid/leaf into buf (NUL-terminated).
 * Returns length or -errno.  /proc files report size 0, so read until EOF. */
static int read_small(const char *root, const char *pid, const char *leaf, char *buf,
                      size_t cap)
{
    char path[4096];
    int rc = path_of(path, sizeof path, root, pid, leaf);
    if (rc < 0)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t len = 0;
    while (len < cap - 1) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return -e;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    return (int)len;            /* cap is a few KiB */
}

/* Next whitespace-separated unsigned decimal field; -1 at end / garbage. */
static int next_ull(const char **p, unsigned long long *v)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    if (*s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 10);
    if (errno != 0)
        return -1;
    *p = end;
    return 0;
}

/* Skips one whitespace-separated field of any content. */
static void skip_field(const char **p)
{
    const char *s = *p;
    while (*s == ' ')
        s++;
    while (*s && *s != ' ' && *s != '\n')
        s++;
    *p = s;
}

/* /proc/<pid>/stat: "pid (comm) state ppid ...".  comm is the executable
 * name and may contain spaces and ')' ("(java) x)"), so fields are counted
 * from the LAST ')' - prometheus-client-c's "%s" scan breaks on that. */
static int read_stat(const char *root, const char *pid, double *cpu,
                     double *threads, unsigned long long *starttime)
{
    char buf[4096];
    int n = read_small(root, pid, "stat", buf, sizeof buf);
    if (n < 0)
        return n;
    const char *p = strrchr(buf, ')');
    if (p == NULL)
        return -EINVAL;
    p++;
    /* After ')': field 3 (state) is index 0; utime is field 14. */
    skip_field(&p);                       /* 3 state */
    for (int f = 4; f <= 13; f++)
        skip_field(&p);
    unsigned long long utime, stime, nthreads, start, x;
    if (next_ull(&p, &utime) < 0 || next_ull(&p, &stime) < 0)
        return -EINVAL;
    for (int f = 16; f <= 19; f++)        /* cutime cstime priority nice */
        skip_field(&p);
    if (next_ull(&p, &nthreads) < 0 || next_ull(&p, &x) < 0 ||
        next_ull(&p, &start) < 0)         /* 20 threads, 21, 22 starttime */
        return -EINVAL;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        return -EINVAL;
    *cpu = (double)(utime + stime) / (double)hz;
    *threads = (double)nthreads;
    *starttime = start;
    return 0;
}

static int read_statm(const char *root, const char *pid, double *vsz,
                      double *rss)
{
    char buf[512];
    int n = read_small(root, pid, "statm", buf, sizeof buf);
    if (n < 0)
        return n;
    const char *p = buf;
    unsigned long long size, res;
    if (next_ull(&p, &size) < 0 || next_ull(&p, &res) < 0)
        return -EINVAL;
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        return -EINVAL;
    *vsz = (double)size * (double)page;
    *rss = (double)res * (double)page;
    return 0;
}

/* 1 and *btime if line (NUL-terminated) is "btime <n>", -EINVAL if it is
 * a btime line without a number, 0 if it is another line. */
static int btime_line(const char *line, unsigned long long *btime)
{
    if (strncmp(line, "btime ", 6) != 0)
        return 0;
    const char *p = line + 6;
    return next_ull(&p, btime) < 0 ? -EINVAL : 1;
}

/* "btime <epoch seconds>" line of /proc/stat.  The file has a line per CPU
 * and an "intr" line with a counter per interrupt before btime, 20 KiB and
 * more on hosts with hundreds of CPUs, so no fixed buffer holds it: it is
 * scanned in chunks, keeping only the start of the current line. */
static int read_btime(const char *root, unsigned long long *btime)
{
    char path[4096], chunk[4096], line[64];
    int rc = path_of(path, sizeof path, root, NULL, "stat");
    if (rc < 0)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t len = 0;
    rc = 0;
    while (rc == 0) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = -errno;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n && rc == 0; i++) {
            if (chunk[i] != '\n') {
                if (len < sizeof line - 1)
                    line[len++] = chunk[i];
                continue;
            }
            line[len] = '\0';
            len = 0;
            rc = btime_line(line, btime);
        }
    }
    close(fd);
    if (rc == 0 && len > 0) {       /* a last line without '\n' */
        line[len] = '\0';
        rc = btime_line(line, btime);
    }
    return rc == 1 ? 0 : rc == 0 ? -EINVAL : rc;
}

/* Soft limit from "Max open files  <soft>  <hard>  files" of limits; this
 * is getrlimit(RLIMIT_NOFILE).rlim_cur, readable for any pid and from a
 * fixture. */
static int read_max_fds(const char *root, const char *pid, double *max)
{
    char buf[4096];
    int n = read_small(root, pid, "limits", buf, sizeof buf);
    if (n < 0)
        return n;
    const char *p = strstr(buf, "\nMax open files");
    if (p == NULL)
        return -EINVAL;
    p += strlen("\nMax open files");
    while (*p == ' ')
        p++;
    if (strncmp(p, "unlimited", 9) == 0) {
        *max = INFINITY;
        return 0;
    }
    unsigned long long v;
    if (next_ull(&p, &v) < 0)
        return -EINVAL;
    *max = (double)v;
    return 0;
}

/* Is root/pid this very process (so our own directory fd shows up)? */
static int is_self(const char *root, const char *pid)
{
    if (strcmp(root, "/proc") != 0)
        return 0;
    if (strcmp(pid, "self") == 0 || strcmp(pid, "thread-self") == 0)
        return 1;
    char me[32];
    snprintf(me, sizeof me, "%ld", (long)getpid());
    return strcmp(pid, me) == 0;
}

static int count_fds(const char *root, const char *pid, double *count)
{
    char path[4096];
    int rc = path_of(path, sizeof path, root, pid, "fd");
    if (rc < 0)
        return rc;
    DIR *d = opendir(path);
    if (d == NULL)
        return -errno;
    char own[32] = "";
    if (is_self(root, pid))
        snprintf(own, sizeof own, "%d", dirfd(d));
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;               /* ".", ".." (fd names are digits) */
        if (own[0] && strcmp(e->d_name, own) == 0)
            continue;
        n++;
    }
    closedir(d);
    *count = (double)n;
    return 0;
}

int jxa_procfs_read(const char *proc_root, const char *pid,
                    struct jxa_proc_stats *out)
{
    out->cpu_seconds = out->resident_bytes = out->virtual_bytes = NAN;
    out->open_fds = out->max_fds = out->start_time_seconds = NAN;
    out->threads = NAN;
    if (proc_root == NULL || pid == NULL)
        return -EINVAL;

    int first = 0, rc;
    unsigned long long starttime = 0, btime = 0;
    double cpu, thr, vsz, rss, fds, maxf;

    rc = read_stat(proc_root, pid, &cpu, &thr, &starttime);
    if (rc == 0) {
        out->cpu_seconds = cpu;
        out->threads = thr;
        int brc = read_btime(proc_root, &btime);
        long hz = sysconf(_SC_CLK_TCK);
        if (brc == 0 && hz > 0)
            out->start_time_seconds = (double)btime + (double)starttime /
                                                      (double)hz;
        else if (first == 0)
            first = brc ? brc : -EINVAL;
    } else if (first == 0) {
        first = rc;
    }
    rc = read_statm(proc_root, pid, &vsz, &rss);
    if (rc == 0) {
        out->virtual_bytes = vsz;
        out->resident_bytes = rss;
    } else if (first == 0) {
        first = rc;
    }
    rc = count_fds(proc_root, pid, &fds);
    if (rc == 0)
        out->open_fds = fds;
    else if (first == 0)
        first = rc;
    rc = read_max_fds(proc_root, pid, &maxf);
    if (rc == 0) {
        out->max_fds = maxf;
    } else {
        struct rlimit rl;
        /* No limits file (old kernels, odd containers): for ourselves the
         * same number comes from getrlimit. */
        if (is_self(proc_root, pid) && getrlimit(RLIMIT_NOFILE, &rl) == 0)
            out->max_fds = rl.rlim_cur == RLIM_INFINITY
                               ? INFINITY : (double)rl.rlim_cur;
        else if (first == 0)
            first = rc;
    }
    return first;
}
