/* sd.c - see sd.h. */
#include "sd.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "log.h"
#include "role.h"

#define BOOT_LEN 32     /* hex digits of a boot id */

struct jxa_sd {
    char *dir;
    char *proc_root;
    long pid;
    char *body;
    char name[128];         /* "" until named */
    char *path;             /* dir/name */
    atomic_bool named;      /* name and path are set (read by jxa_sd_remove) */
    atomic_bool removed;
    bool written;           /* the last write succeeded (refresh thread only) */
};

/* The kernel's boot id (a random UUID drawn at every boot; containers see
 * their host's) as 32 lowercase hex digits.  0, or -1 if unreadable. */
static int boot_id(const char *proc_root, char out[BOOT_LEN + 1])
{
    char path[PATH_MAX], buf[64];
    snprintf(path, sizeof path, "%s/sys/kernel/random/boot_id", proc_root);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    size_t k = 0;
    for (ssize_t i = 0; i < n && buf[i] != '\n'; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '-')
            continue;
        if (!isxdigit(c) || k == BOOT_LEN)
            return -1;
        out[k++] = (char)tolower(c);
    }
    out[k] = '\0';
    return k == BOOT_LEN ? 0 : -1;
}

/* Identity of our pid namespace: a pid means nothing across namespaces
 * (containers sharing an sd_dir volume).  0 if unknown. */
static unsigned long long pid_ns(const char *proc_root)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/self/ns/pid", proc_root);
    return stat(path, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* The start time of process pid in clock ticks since boot (proc/<pid>/stat
 * field 22): with the pid it names one process, even after pid reuse.
 * 1 with *start set; 0 when there is no such process (ENOENT, or ESRCH
 * from a process reaped between open and read); -1 when we cannot tell
 * (EACCES, EMFILE, ENFILE, a line that does not parse), errno set. */
static int proc_start(const char *proc_root, long pid, unsigned long long *start)
{
    char path[PATH_MAX], buf[1024];
    snprintf(path, sizeof path, "%s/%ld/stat", proc_root, pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ESRCH ? 0 : -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    int saved = errno;
    close(fd);
    if (n < 0) {
        errno = saved;
        return saved == ESRCH ? 0 : -1;
    }
    buf[n] = '\0';
    /* After the command name, which may itself contain ") ". */
    const char *p = strrchr(buf, ')');
    /* The space before field n, n = 3..22 (starttime). */
    for (int field = 3; field <= 22 && p != NULL; field++)
        p = strchr(p + 1, ' ');
    char *end;
    if (p == NULL || !isdigit((unsigned char)p[1]) ||
        (*start = strtoull(p + 1, &end, 10), *end != ' ' && *end != '\n' && *end != '\0')) {
        errno = EINVAL;
        return -1;
    }
    return 1;
}

/* Whether the process that wrote a file of our host and namespace is
 * provably gone: another process has its pid, or there is none.  A
 * missing proc entry alone is no proof: with hidepid=2 other users'
 * processes are hidden behind ENOENT, so kill(pid, 0) must say ESRCH too
 * (EPERM: it exists, and is not ours to signal). */
static bool gone(const char *proc_root, long pid, unsigned long long start)
{
    unsigned long long now;
    switch (proc_start(proc_root, pid, &now)) {
    case 1:
        return now != start;
    case 0:
        return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
    default:
        return false;
    }
}

/* "jmxagent-<32 lowercase hex>-<ns>-<pid>-<start>.json", exactly. */
static bool parse_name(const char *s, char boot[BOOT_LEN + 1], unsigned long long *ns,
                       long *pid, unsigned long long *start)
{
    static const char prefix[] = "jmxagent-";
    if (strncmp(s, prefix, sizeof prefix - 1) != 0)
        return false;
    s += sizeof prefix - 1;
    for (int i = 0; i < BOOT_LEN; i++, s++) {
        if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
            return false;
        boot[i] = *s;
    }
    boot[BOOT_LEN] = '\0';
    unsigned long long v[3];
    for (int i = 0; i < 3; i++) {
        if (*s++ != '-' || !isdigit((unsigned char)*s))
            return false;
        char *end;
        errno = 0;
        v[i] = strtoull(s, &end, 10);
        if (errno != 0)
            return false;
        s = end;
    }
    if (strcmp(s, ".json") != 0 || v[1] == 0 || v[1] > INT_MAX)
        return false;
    *ns = v[0];
    *pid = (long)v[1];
    *start = v[2];
    return true;
}

int jxa_sd_sweep_at(const char *dir, const char *proc_root)
{
    char boot[BOOT_LEN + 1];
    unsigned long long ns = pid_ns(proc_root);
    if (boot_id(proc_root, boot) != 0 || ns == 0)
        return 0;               /* nothing is provably ours */
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char fboot[BOOT_LEN + 1];
        unsigned long long fns, fstart;
        long fpid;
        if (!parse_name(e->d_name, fboot, &fns, &fpid, &fstart) || fns != ns ||
            strcmp(fboot, boot) != 0 || !gone(proc_root, fpid, fstart))
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0) {
            removed++;
            jxa_info("sd_dir: removed %s/%s: process %ld is gone (killed before it could "
                     "remove its own target)", dir, e->d_name, fpid);
        }
    }
    closedir(d);
    return removed;
}

/* Names our file; 0, or -1 with one line in err (tried again later). */
static int name_self(struct jxa_sd *sd, char *err, size_t errlen)
{
    char boot[BOOT_LEN + 1];
    unsigned long long start;
    if (proc_start(sd->proc_root, sd->pid, &start) != 1) {
        snprintf(err, errlen, "sd_dir=%s: cannot read this process' start time from "
                 "%s/%ld/stat (%s), which names the target file", sd->dir, sd->proc_root,
                 sd->pid, strerror(errno));
        return -1;
    }
    /* Without a boot id the file is never judged by anyone: a name of
     * another form (see sd.h). */
    if (boot_id(sd->proc_root, boot) != 0)
        snprintf(boot, sizeof boot, "noboot");
    snprintf(sd->name, sizeof sd->name, "jmxagent-%s-%llu-%ld-%llu.json", boot,
             pid_ns(sd->proc_root), sd->pid, start);
    size_t n = strlen(sd->dir) + 1 + strlen(sd->name) + 1;
    sd->path = malloc(n);
    if (sd->path == NULL) {
        sd->name[0] = '\0';
        snprintf(err, errlen, "sd_dir=%s: out of memory", sd->dir);
        return -1;
    }
    snprintf(sd->path, n, "%s/%s", sd->dir, sd->name);
    atomic_store(&sd->named, true);
    return 0;
}

static int write_file(struct jxa_sd *sd, char *err, size_t errlen)
{
    if (!atomic_load(&sd->named) && name_self(sd, err, errlen) != 0)
        return -1;
    char why[768];
    if (jxa_atomicfile_write(sd->dir, sd->name, sd->body, strlen(sd->body), 0644, why,
                             sizeof why) != 0) {
        snprintf(err, errlen, "sd_dir=%s: %s", sd->dir, why);
        return -1;
    }
    return 0;
}

struct jxa_sd *jxa_sd_open(const char *dir, const char *proc_root, long pid, const char *body,
                           char *err, size_t errlen)
{
    err[0] = '\0';
    struct jxa_sd *sd = calloc(1, sizeof *sd);
    if (sd != NULL) {
        sd->dir = strdup(dir);
        sd->proc_root = strdup(proc_root);
        sd->body = strdup(body);
    }
    if (sd == NULL || sd->dir == NULL || sd->proc_root == NULL || sd->body == NULL) {
        jxa_sd_free(sd);
        snprintf(err, errlen, "sd_dir=%s: out of memory", dir);
        return NULL;
    }
    sd->pid = pid;
    atomic_init(&sd->named, false);
    atomic_init(&sd->removed, false);
    /* Executors killed with SIGKILL (the OOM killer, YARN, a Worker's
     * destroyForcibly) leave their file behind: Prometheus would scrape a
     * dead target, or a new process that took its port, under the old
     * labels. */
    jxa_sd_sweep_at(dir, proc_root);
    sd->written = write_file(sd, err, errlen) == 0;
    return sd;
}

int jxa_sd_set_body(struct jxa_sd *sd, const char *body, char *err, size_t errlen)
{
    err[0] = '\0';
    char *copy = strdup(body);
    if (copy == NULL) {
        snprintf(err, errlen, "sd_dir=%s: out of memory", sd->dir);
        return -1;
    }
    free(sd->body);
    sd->body = copy;
    if (atomic_load(&sd->removed))
        return 0;
    sd->written = write_file(sd, err, errlen) == 0;
    return sd->written ? 0 : -1;
}

const char *jxa_sd_name(const struct jxa_sd *sd)
{
    return sd->name;
}

int jxa_sd_refresh(struct jxa_sd *sd, int sweep, char *err, size_t errlen)
{
    err[0] = '\0';
    if (atomic_load(&sd->removed))
        return 0;
    if (sweep)
        jxa_sd_sweep_at(sd->dir, sd->proc_root);
    struct stat st;
    if (sd->written && lstat(sd->path, &st) == 0 && S_ISREG(st.st_mode))
        return 0;
    sd->written = write_file(sd, err, errlen) == 0;
    if (!sd->written)
        return -1;
    /* jxa_sd_remove ran meanwhile: its unlink may have come before our
     * rename (both flags are sequentially consistent, see jxa_sd_remove). */
    if (atomic_load(&sd->removed))
        unlink(sd->path);
    return 1;
}

void jxa_sd_remove(struct jxa_sd *sd)
{
    if (sd == NULL)
        return;
    /* Either a refresh running now sees `removed` after its rename and
     * unlinks, or its rename came before this unlink. */
    atomic_store(&sd->removed, true);
    if (atomic_load(&sd->named))
        unlink(sd->path);
}

void jxa_sd_free(struct jxa_sd *sd)
{
    if (sd == NULL)
        return;
    free(sd->dir);
    free(sd->proc_root);
    free(sd->body);
    free(sd->path);
    free(sd);
}

/* The role comes from role.c: one table of Spark main classes. */
const char *jxa_sd_role(const char *cmd, char **executor_id, char **app_id)
{
    struct jxa_role_info r;
    *executor_id = *app_id = NULL;
    if (jxa_role_detect(cmd, &r) != 0)
        return "other";
    *executor_id = r.executor_id;
    *app_id = r.app_id;
    return jxa_role_name(r.role);
}

static void json_str(struct jxa_buf *b, const char *s)
{
    jxa_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            jxa_buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            jxa_buf_printf(b, "\\u%04x", c);
        else
            jxa_buf_putc(b, (char)c);
    }
    jxa_buf_putc(b, '"');
}

/* One file per process; each exporter of the JVM adds its target group
 * (options.h, "exporter="). */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;  /* register vs upkeep */
static struct jxa_sd *self_sd;      /* set before the scraper thread starts */
static struct jxa_buf groups;       /* the target groups so far, comma-separated */
static double last_check, last_sweep;
static char logged[1024];           /* the failure logged last, "" if none */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int jxa_sd_register(const char *dir, const char *job, const char *host, int port,
                    const char *java_command, char *err, size_t errlen)
{
    err[0] = '\0';
    char *exec_id, *app_id;
    const char *role = jxa_sd_role(java_command, &exec_id, &app_id);
    char hostname[256];
    if (host == NULL || strcmp(host, "0.0.0.0") == 0) {
        /* Bound on every interface: name the host as others resolve it. */
        if (gethostname(hostname, sizeof hostname) != 0)
            snprintf(hostname, sizeof hostname, "127.0.0.1");
        host = hostname;
    }
    char pid[32], target[320];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    snprintf(target, sizeof target, "%s:%d", host, port);
    struct jxa_buf b = {0};
    jxa_buf_puts(&b, "{\"targets\":[");
    json_str(&b, target);
    jxa_buf_puts(&b, "],\"labels\":{\"job\":");
    json_str(&b, job ? job : "jmxagent");
    jxa_buf_puts(&b, ",\"spark_role\":");
    json_str(&b, role);
    jxa_buf_puts(&b, ",\"pid\":");
    json_str(&b, pid);
    if (exec_id) {
        jxa_buf_puts(&b, ",\"spark_executor_id\":");
        json_str(&b, exec_id);
    }
    if (app_id) {
        jxa_buf_puts(&b, ",\"spark_app_id\":");
        json_str(&b, app_id);
    }
    jxa_buf_puts(&b, "}}");
    free(exec_id);
    free(app_id);
    pthread_mutex_lock(&reg_mu);
    struct jxa_buf body = {0};
    if (!b.failed) {
        if (groups.len > 0)
            jxa_buf_putc(&groups, ',');
        jxa_buf_puts(&groups, b.data);
        jxa_buf_printf(&body, "[%s]\n", groups.data);
    }
    char note[600] = "";
    if (b.failed || groups.failed || body.failed)
        snprintf(err, errlen, "sd_dir=%s: out of memory", dir);
    else if (self_sd == NULL)
        self_sd = jxa_sd_open(dir, "/proc", (long)getpid(), body.data, err, errlen);
    else if (jxa_sd_set_body(self_sd, body.data, err, errlen) == 0 &&
             strcmp(dir, self_sd->dir) != 0)
        snprintf(note, sizeof note, "sd_dir=%s: this JVM's exporters share one file_sd "
                 "file; %s is listed in %s; give every exporter the same sd_dir", dir, target,
                 self_sd->path ? self_sd->path : self_sd->dir);
    if (err[0] == '\0' && note[0] != '\0')
        snprintf(err, errlen, "%s", note);
    last_check = last_sweep = now_s();
    snprintf(logged, sizeof logged, "%s", note[0] ? "" : err);
    pthread_mutex_unlock(&reg_mu);
    jxa_buf_free(&b);
    jxa_buf_free(&body);
    return err[0] != '\0' ? -1 : 0;
}

const char *jxa_sd_registered_path(void)
{
    return self_sd != NULL && atomic_load(&self_sd->named) ? self_sd->path : "";
}

void jxa_sd_unregister(void)
{
    jxa_sd_remove(self_sd);
}

void jxa_sd_sweep_maybe(void)
{
    if (self_sd == NULL)
        return;
    double now = now_s();
    if (now - last_check < JXA_SD_CHECK_SECONDS)
        return;
    last_check = now;
    bool sweep = now - last_sweep >= JXA_SD_SWEEP_SECONDS;
    if (sweep)
        last_sweep = now;
    char err[1024];
    pthread_mutex_lock(&reg_mu);
    int rc = jxa_sd_refresh(self_sd, sweep, err, sizeof err);
    pthread_mutex_unlock(&reg_mu);
    if (rc < 0 && strcmp(err, logged) != 0) {
        jxa_warn("%s", err);
        snprintf(logged, sizeof logged, "%s", err);
    } else if (rc > 0) {
        if (logged[0] != '\0')
            jxa_info("sd_dir=%s: wrote %s", self_sd->dir, self_sd->name);
        else
            jxa_info("sd_dir=%s: %s was removed while this JVM runs; written again",
                     self_sd->dir, self_sd->name);
        logged[0] = '\0';
    }
}
