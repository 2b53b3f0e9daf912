/* sd.c - see sd.h. */
#include "sd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

static char sd_path[PATH_MAX];
static char sd_dir[PATH_MAX];
static time_t last_sweep;

/* Start time of a process in clock ticks since boot (/proc/<pid>/stat
 * field 22): with the pid it names one process, even after pid reuse.
 * 0 when the process does not exist. */
static unsigned long long start_ticks(const char *proc_root, long pid)
{
    char path[PATH_MAX], buf[1024];
    snprintf(path, sizeof path, "%s/%ld/stat", proc_root, pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* After the command name, which may itself contain ") ". */
    const char *p = strrchr(buf, ')');
    if (p == NULL)
        return 0;
    /* The space before field n, n = 3..22 (starttime). */
    for (int field = 3; field <= 22 && p != NULL; field++)
        p = strchr(p + 1, ' ');
    return p ? strtoull(p + 1, NULL, 10) : 0;
}

/* Identity of our pid namespace: a pid means nothing across namespaces
 * (containers sharing an sd_dir volume), so files of another namespace
 * are never judged. */
static unsigned long long pid_ns(const char *proc_root)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/self/ns/pid", proc_root);
    return stat(path, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

int jxa_sd_sweep_at(const char *dir, const char *proc_root)
{
    unsigned long long ns = pid_ns(proc_root);
    DIR *d = opendir(dir);
    if (d == NULL || ns == 0) {
        if (d != NULL)
            closedir(d);
        return 0;
    }
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        unsigned long long fns, fstart;
        long fpid;
        int end = 0;
        if (sscanf(e->d_name, "jmxagent-%llu-%ld-%llu.json%n", &fns, &fpid, &fstart, &end) != 3 ||
            e->d_name[end] != '\0' || fns != ns)
            continue;
        if (start_ticks(proc_root, fpid) == fstart)
            continue;           /* that very process is alive */
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path &&
            unlink(path) == 0) {
            removed++;
            jxa_info("sd_dir: removed %s: process %ld is gone (killed before it could "
                     "remove its own target)", path, fpid);
        }
    }
    closedir(d);
    return removed;
}

void jxa_sd_sweep_maybe(void)
{
    time_t now = time(NULL);
    if (sd_dir[0] == '\0' || now - last_sweep < JXA_SD_SWEEP_SECONDS)
        return;
    last_sweep = now;
    jxa_sd_sweep_at(sd_dir, "/proc");
}

static const struct {
    const char *main_class;
    const char *role;
} roles[] = {
    /* CoarseGrainedExecutorBackend (standalone), YarnCoarseGrained...,
     * KubernetesExecutorBackend all end in ExecutorBackend. */
    {"ExecutorBackend", "executor"},
    {"org.apache.spark.deploy.SparkSubmit", "driver"},
    {"org.apache.spark.deploy.master.Master", "master"},
    {"org.apache.spark.deploy.worker.Worker", "worker"},
    {"org.apache.spark.deploy.ExternalShuffleService", "shuffle"},
    {"org.apache.spark.deploy.history.HistoryServer", "history"},
};

/* The word after `flag` in a space-separated command line, malloc'ed. */
static char *arg_after(const char *cmd, const char *flag)
{
    const char *p = strstr(cmd, flag);
    if (p == NULL)
        return NULL;
    p += strlen(flag);
    while (*p == ' ')
        p++;
    size_t n = strcspn(p, " ");
    return n ? strndup(p, n) : NULL;
}

const char *jxa_sd_role(const char *cmd, char **executor_id, char **app_id)
{
    *executor_id = *app_id = NULL;
    if (cmd == NULL)
        return "other";
    size_t main_len = strcspn(cmd, " ");
    for (size_t i = 0; i < sizeof roles / sizeof *roles; i++) {
        const char *hit = strstr(cmd, roles[i].main_class);
        if (hit == NULL || (size_t)(hit - cmd) >= main_len)
            continue;
        if (strcmp(roles[i].role, "executor") == 0) {
            *executor_id = arg_after(cmd, " --executor-id");
            *app_id = arg_after(cmd, " --app-id");
        }
        return roles[i].role;
    }
    return "other";
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

int jxa_sd_register(const char *dir, const char *job, const char *host, int port,
                    const char *java_command, char *err, size_t errlen)
{
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
    jxa_buf_puts(&b, "[{\"targets\":[");
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
    jxa_buf_puts(&b, "}}]\n");
    free(exec_id);
    free(app_id);

    /* Executors killed with SIGKILL (the OOM killer, YARN, a Worker's
     * destroyForcibly) leave their file behind: Prometheus would scrape a
     * dead target, or a new process that took its port, under the old
     * labels.  The name carries what proves a file stale. */
    jxa_sd_sweep_at(dir, "/proc");
    snprintf(sd_dir, sizeof sd_dir, "%s", dir);
    last_sweep = time(NULL);
    char tmp[PATH_MAX];
    snprintf(sd_path, sizeof sd_path, "%s/jmxagent-%llu-%s-%llu.json", dir, pid_ns("/proc"),
             pid, start_ticks("/proc", (long)getpid()));
    snprintf(tmp, sizeof tmp, "%s/.jmxagent-%s.json.tmp", dir, pid);
    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "sd_dir=%s: cannot write %s (%s); create the directory or "
                 "fix its permissions", dir, tmp, strerror(errno));
    } else if (b.failed || write(fd, b.data, b.len) != (ssize_t)b.len) {
        snprintf(err, errlen, "sd_dir=%s: cannot write %s", dir, tmp);
        close(fd);
        unlink(tmp);
    } else if (close(fd) != 0 || rename(tmp, sd_path) != 0) {
        /* rename: Prometheus never reads a half-written file. */
        snprintf(err, errlen, "sd_dir=%s: cannot rename %s (%s)", dir, tmp, strerror(errno));
        unlink(tmp);
    } else {
        rc = 0;
    }
    if (rc != 0)
        sd_path[0] = '\0';
    jxa_buf_free(&b);
    return rc;
}

void jxa_sd_unregister(void)
{
    if (sd_path[0] != '\0') {
        unlink(sd_path);
        sd_path[0] = '\0';
    }
}
