/* sd.c - see sd.h. */
#include "sd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

static char sd_path[PATH_MAX];

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

    char tmp[PATH_MAX];
    snprintf(sd_path, sizeof sd_path, "%s/jmxagent-%s.json", dir, pid);
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
