/* role.c - the Spark role of this JVM from its command; see role.h. */
#include "role.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *main_class;
    enum jxa_role role;
} mains[] = {
    {"org.apache.spark.deploy.SparkSubmit", JXA_ROLE_DRIVER},
    {"org.apache.spark.deploy.worker.DriverWrapper", JXA_ROLE_DRIVER},
    {"org.apache.spark.executor.CoarseGrainedExecutorBackend", JXA_ROLE_EXECUTOR},
    {"org.apache.spark.executor.YarnCoarseGrainedExecutorBackend", JXA_ROLE_EXECUTOR},
    {"org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend", JXA_ROLE_EXECUTOR},
    {"org.apache.spark.deploy.master.Master", JXA_ROLE_MASTER},
    {"org.apache.spark.deploy.worker.Worker", JXA_ROLE_WORKER},
    {"org.apache.spark.deploy.history.HistoryServer", JXA_ROLE_HISTORY},
    {"org.apache.spark.deploy.ExternalShuffleService", JXA_ROLE_SHUFFLE},
};

static const char *const names[] = {
    [JXA_ROLE_OTHER] = "other",       [JXA_ROLE_DRIVER] = "driver",
    [JXA_ROLE_EXECUTOR] = "executor", [JXA_ROLE_MASTER] = "master",
    [JXA_ROLE_WORKER] = "worker",     [JXA_ROLE_HISTORY] = "history",
    [JXA_ROLE_SHUFFLE] = "shuffle",   [JXA_ROLE_SUBMIT] = "submit",
};

const char *jxa_role_name(enum jxa_role role)
{
    return (unsigned)role < sizeof names / sizeof *names ? names[role] : "other";
}

/* Is the word at p (ending at a space or NUL) exactly w? */
static bool word_is(const char *p, const char *w)
{
    size_t n = strlen(w);
    return strncmp(p, w, n) == 0 && (p[n] == ' ' || p[n] == '\0');
}

/* The value of "flag V" or "flag=V" among the words of cmd (after the main
 * class), malloc'd; NULL if absent.  *oom is set when out of memory. */
static char *flag_value(const char *cmd, const char *flag, bool *oom)
{
    size_t fn = strlen(flag);
    for (const char *p = strchr(cmd, ' '); p != NULL; p = strchr(p, ' ')) {
        p++;
        if (strncmp(p, flag, fn) != 0)
            continue;
        const char *v;
        if (p[fn] == '=')
            v = p + fn + 1;
        else if (p[fn] == ' ')
            v = p + fn + 1;
        else
            continue;
        size_t n = strcspn(v, " ");
        if (n == 0)
            return NULL;
        char *s = strndup(v, n);
        if (s == NULL)
            *oom = true;
        return s;
    }
    return NULL;
}

static bool has_word(const char *cmd, const char *w)
{
    for (const char *p = strchr(cmd, ' '); p != NULL; p = strchr(p, ' '))
        if (word_is(++p, w))
            return true;
    return false;
}

/* spark-submit's client for cluster deploy mode: the driver runs elsewhere. */
static bool cluster_deploy(const char *cmd, bool *oom)
{
    char *mode = flag_value(cmd, "--deploy-mode", oom);
    bool cluster = mode != NULL && strcmp(mode, "cluster") == 0;
    free(mode);
    return cluster || has_word(cmd, "spark.submit.deployMode=cluster");
}

int jxa_role_detect(const char *cmd, struct jxa_role_info *out)
{
    memset(out, 0, sizeof *out);
    if (cmd == NULL)
        return 0;
    size_t main_len = strcspn(cmd, " ");
    for (size_t i = 0; i < sizeof mains / sizeof *mains; i++) {
        if (strlen(mains[i].main_class) != main_len ||
            strncmp(cmd, mains[i].main_class, main_len) != 0)
            continue;
        bool oom = false;
        out->role = mains[i].role;
        if (out->role == JXA_ROLE_EXECUTOR) {
            out->executor_id = flag_value(cmd, "--executor-id", &oom);
            out->app_id = flag_value(cmd, "--app-id", &oom);
        } else if (i == 0 && cluster_deploy(cmd, &oom)) {
            out->role = JXA_ROLE_SUBMIT;
        }
        if (oom) {
            jxa_role_free(out);
            return -1;
        }
        return 0;
    }
    return 0;
}

void jxa_role_free(struct jxa_role_info *r)
{
    if (r == NULL)
        return;
    free(r->executor_id);
    free(r->app_id);
    memset(r, 0, sizeof *r);
}

/* Launcher options that take the next argument as their value (java's
 * own launcher, JDK 11-25: java.c IsWhiteSpaceOption and friends). */
static bool takes_value(const char *a)
{
    static const char *const opts[] = {
        "-cp", "-classpath", "--class-path", "-p", "--module-path",
        "--upgrade-module-path", "--add-modules", "--enable-native-access",
        "--limit-modules", "--add-exports", "--add-opens", "--add-reads",
        "--patch-module", "--describe-module", "-d", "--source",
    };
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
        if (strcmp(a, opts[i]) == 0)
            return true;
    return false;
}

char *jxa_role_command_from_cmdline(const char *buf, size_t len)
{
    /* argv[0] is the java binary; options until the first non-option. */
    size_t pos = strnlen(buf, len) + 1;
    const char *main_at = NULL;
    while (pos < len) {
        const char *a = buf + pos;
        size_t n = strnlen(a, len - pos);
        pos += n + 1;
        if (strcmp(a, "-jar") == 0 || (a[0] != '-' && n > 0)) {
            if (a[0] == '-') {          /* -jar X: X stands for the main class */
                if (pos >= len)
                    return NULL;
                a = buf + pos;
                pos += strnlen(a, len - pos) + 1;
            }
            main_at = a;
            break;
        }
        if (takes_value(a) && pos < len)
            pos += strnlen(buf + pos, len - pos) + 1;
    }
    if (main_at == NULL)
        return NULL;
    size_t start = (size_t)(main_at - buf);
    size_t total = len - start;
    char *s = malloc(total + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, main_at, total);
    s[total] = '\0';
    /* Trailing NULs of the image are dropped, inner ones become spaces. */
    while (total > 0 && s[total - 1] == '\0')
        total--;
    s[total] = '\0';
    for (size_t i = 0; i < total; i++)
        if (s[i] == '\0')
            s[i] = ' ';
    return s;
}
