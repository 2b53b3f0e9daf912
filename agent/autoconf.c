/* autoconf.c - what a bare -agentpath decides by itself; see autoconf.h.
 *
 * Spark facts this relies on (docs/spark.md, "One flag"):
 *   - SparkConf reads every spark.* system property when it is created,
 *     and MetricsConfig adds the spark.metrics.conf.<instance>.<sink|
 *     source>.<name>.<option> keys of the SparkConf on top of the
 *     metrics file; so a system property set before main is enough to
 *     switch JmxSink on, and a driver's properties reach its executors;
 *   - the metrics file is spark.metrics.conf (a property, or a key of
 *     spark-defaults.conf), else the resource metrics.properties of the
 *     class path (Spark's launcher puts SPARK_CONF_DIR first on it);
 *   - spark.executor.defaultJavaOptions is prepended to each executor's
 *     extraJavaOptions; a value given in spark-defaults.conf or with
 *     --conf replaces a system property (spark-submit sets its
 *     configuration as system properties after main has started). */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rules_embed.h"

static const char JMX_SINK_KEY[] = "spark.metrics.conf.*.sink.jmx.class";
static const char JMX_SINK[] = "org.apache.spark.metrics.sink.JmxSink";
static const char JVM_SOURCE[] = "org.apache.spark.metrics.source.JvmSource";

/* The embedded rule files (rules_embed.h), static names to point at. */
static const char *const rule_names[] = {"driver", "executor", "master", "worker"};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f';
}

char *jxa_autoconf_file_prop(const char *path, const char *key)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (f == NULL)
        return NULL;
    char line[8192];
    char *found = NULL;
    size_t kn = strlen(key);
    while (fgets(line, sizeof line, f) != NULL) {
        char *p = line;
        while (is_space(*p))
            p++;
        if (*p == '#' || *p == '!' || strncmp(p, key, kn) != 0)
            continue;
        char *v = p + kn;
        if (!is_space(*v) && *v != '=' && *v != ':')
            continue;       /* a longer key that starts with this one */
        while (is_space(*v))
            v++;
        if (*v == '=' || *v == ':')
            v++;
        while (is_space(*v))
            v++;
        size_t n = strcspn(v, "\r\n");
        while (n > 0 && is_space(v[n - 1]))
            n--;
        free(found);        /* the last one counts, as in java.util.Properties */
        found = strndup(v, n);
    }
    fclose(f);
    return found;
}

/* spark-defaults.conf as Spark finds it: SPARK_CONF_DIR, else
 * SPARK_HOME/conf.  Writes the path into buf; false when neither is set. */
static bool defaults_path(char *buf, size_t n)
{
    const char *dir = getenv("SPARK_CONF_DIR");
    if (dir != NULL && dir[0] != '\0')
        return snprintf(buf, n, "%s/spark-defaults.conf", dir) < (int)n;
    const char *home = getenv("SPARK_HOME");
    if (home != NULL && home[0] != '\0')
        return snprintf(buf, n, "%s/conf/spark-defaults.conf", home) < (int)n;
    return false;
}

/* The word after "--properties-file" in spark-submit's arguments. */
static char *properties_file(const char *cmd)
{
    const char *p = cmd ? strstr(cmd, " --properties-file") : NULL;
    if (p == NULL)
        return NULL;
    p += strlen(" --properties-file");
    if (*p == '=' || *p == ' ')
        p++;
    size_t n = strcspn(p, " ");
    return n ? strndup(p, n) : NULL;
}

/* The value of key from where a JVM's Spark configuration comes, in order
 * of precedence: a system property, "--conf key=V" on spark-submit's
 * command line, --properties-file, spark-defaults.conf.  *where names the
 * place; malloc'd value or NULL. */
static char *spark_setting(const char *key, const char *cmd, jxa_getprop_fn getprop,
                           char *where, size_t wn)
{
    char *v = getprop(key);
    if (v != NULL) {
        snprintf(where, wn, "the system property %s", key);
        return v;
    }
    if (cmd != NULL) {
        char pat[160];
        snprintf(pat, sizeof pat, " %s=", key);
        const char *p = strstr(cmd, pat);
        if (p != NULL) {
            snprintf(where, wn, "--conf %s", key);
            return strdup(p + strlen(pat));     /* to the end: values may hold spaces */
        }
    }
    /* spark-submit reads --properties-file INSTEAD of spark-defaults.conf
     * (SparkSubmitArguments: the default file only when none is given). */
    char *pf = properties_file(cmd);
    if (pf != NULL) {
        v = jxa_autoconf_file_prop(pf, key);
        if (v != NULL)
            snprintf(where, wn, "%s in %s", key, pf);
        free(pf);
        return v;
    }
    char path[4096];
    if (defaults_path(path, sizeof path)) {
        v = jxa_autoconf_file_prop(path, key);
        if (v != NULL)
            snprintf(where, wn, "%s in %s", key, path);
    }
    return v;
}

/* A metrics.properties in a directory of the class path, or in
 * SPARK_CONF_DIR: the file Spark loads when spark.metrics.conf is unset.
 * (Jars on the class path are not opened.) */
static bool metrics_file_on_classpath(const char *cp, char *where, size_t wn)
{
    const char *conf = getenv("SPARK_CONF_DIR");
    char path[4096];
    struct stat st;
    if (conf != NULL && conf[0] != '\0' &&
        snprintf(path, sizeof path, "%s/metrics.properties", conf) < (int)sizeof path &&
        stat(path, &st) == 0) {
        snprintf(where, wn, "%s", path);
        return true;
    }
    for (const char *p = cp; p != NULL && *p != '\0';) {
        size_t n = strcspn(p, ":");
        if (n > 0 && n < 3000) {
            snprintf(path, sizeof path, "%.*s/metrics.properties", (int)n, p);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                snprintf(where, wn, "%s", path);
                return true;
            }
        }
        p += n;
        if (*p == ':')
            p++;
    }
    return false;
}

static int add_prop(struct jxa_autoconf *a, const char *k, const char *v)
{
    if (a->nprops >= JXA_AUTOCONF_MAX_PROPS)
        return -1;
    a->props[a->nprops].key = strdup(k);
    a->props[a->nprops].value = strdup(v);
    a->nprops++;
    return a->props[a->nprops - 1].key && a->props[a->nprops - 1].value ? 0 : -1;
}

/* Adds key=value unless the JVM already has it (a user's -D wins). */
static int add_unless_set(struct jxa_autoconf *a, jxa_getprop_fn getprop, const char *k,
                          const char *v)
{
    char *have = getprop(k);
    if (have != NULL) {
        free(have);
        return 0;
    }
    return add_prop(a, k, v);
}

static bool has_agent(const char *v)
{
    return v != NULL && (strstr(v, "-agentpath:") != NULL || strstr(v, "-javaagent:") != NULL);
}

static int plan_metrics(struct jxa_autoconf *a, const char *cmd, jxa_getprop_fn getprop)
{
    char where[4200];
    char *file = spark_setting("spark.metrics.conf", cmd, getprop, where, sizeof where);
    if (file != NULL) {
        free(file);
        snprintf(a->metrics_note, sizeof a->metrics_note,
                 "the user's metrics config (%.400s) left alone", where);
        return 0;
    }
    char *cp = getprop("java.class.path");
    bool found = metrics_file_on_classpath(cp, where, sizeof where);
    free(cp);
    if (found) {
        snprintf(a->metrics_note, sizeof a->metrics_note,
                 "the user's metrics config (%.400s) left alone", where);
        return 0;
    }
    if (add_unless_set(a, getprop, JMX_SINK_KEY, JMX_SINK) != 0)
        return -1;
    /* JvmSource on the driver and the executors, as examples/conf/
     * metrics.properties: the spark_jvm_* families of docs/metrics.md. */
    if (a->role.role == JXA_ROLE_DRIVER &&
        add_unless_set(a, getprop, "spark.metrics.conf.driver.source.jvm.class", JVM_SOURCE) != 0)
        return -1;
    if (a->role.role == JXA_ROLE_EXECUTOR &&
        add_unless_set(a, getprop, "spark.metrics.conf.executor.source.jvm.class", JVM_SOURCE) != 0)
        return -1;
    if (a->nprops == 0)
        snprintf(a->metrics_note, sizeof a->metrics_note,
                 "the user's spark.metrics.conf.* properties left alone");
    return 0;
}

static int plan_executors(struct jxa_autoconf *a, const struct jxa_options *opts,
                          const char *cmd, jxa_getprop_fn getprop, const char *so_path)
{
    static const char *const keys[] = {"spark.executor.extraJavaOptions",
                                       "spark.executor.defaultJavaOptions"};
    if (opts->no_executor_agent) {
        snprintf(a->executor_note, sizeof a->executor_note, "executor_agent=false");
        return 0;
    }
    if (so_path == NULL || so_path[0] != '/' || strpbrk(so_path, " \t\"'\\") != NULL) {
        snprintf(a->executor_note, sizeof a->executor_note,
                 "this library's path is not one plain absolute word; add the agent to "
                 "spark.executor.extraJavaOptions yourself");
        return 0;
    }
    for (size_t i = 0; i < 2; i++) {
        char where[4200];
        char *v = spark_setting(keys[i], cmd, getprop, where, sizeof where);
        bool agent = has_agent(v);
        free(v);
        if (agent) {
            snprintf(a->executor_note, sizeof a->executor_note,
                     "executors get an agent from %.200s", where);
            return 0;
        }
    }
    char opt[4200];
    snprintf(opt, sizeof opt, "-agentpath:%s", so_path);
    return add_prop(a, "spark.executor.defaultJavaOptions", opt);
}

static bool in_kubernetes(void)
{
    const char *k = getenv("KUBERNETES_SERVICE_HOST");
    return k != NULL && k[0] != '\0';
}

static void plan_port(struct jxa_autoconf *a, bool k8s)
{
    int lo = 0, hi = 0;
    switch (a->role.role) {
    case JXA_ROLE_MASTER:   lo = hi = JXA_PORT_MASTER; break;
    case JXA_ROLE_WORKER:   lo = hi = JXA_PORT_WORKER; break;
    case JXA_ROLE_HISTORY:  lo = hi = JXA_PORT_HISTORY; break;
    case JXA_ROLE_SHUFFLE:  lo = hi = JXA_PORT_SHUFFLE; break;
    case JXA_ROLE_DRIVER:   lo = JXA_PORT_DRIVER_LO; hi = JXA_PORT_DRIVER_HI; break;
    case JXA_ROLE_EXECUTOR: lo = hi = k8s ? JXA_PORT_EXECUTOR_K8S : 0; break;
    case JXA_ROLE_SUBMIT:   lo = hi = 0; break;
    case JXA_ROLE_OTHER:    lo = hi = JXA_PORT_OTHER; break;
    }
    a->port_lo = lo;
    a->port_hi = hi;
}

int jxa_autoconf_plan(const struct jxa_options *opts, const char *cmd, jxa_getprop_fn getprop,
                      const char *so_path, struct jxa_autoconf *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (jxa_role_detect(cmd, &a->role) != 0)
        goto oom;
    enum jxa_role r = a->role.role;
    bool spark = r != JXA_ROLE_OTHER && r != JXA_ROLE_SUBMIT;

    if (opts->config == NULL) {
        /* rules=NAME (options.c checked the name), else the role's file. */
        const char *want = opts->rules ? opts->rules : jxa_role_name(r);
        for (size_t i = 0; i < sizeof rule_names / sizeof *rule_names; i++)
            if (strcmp(want, rule_names[i]) == 0)
                a->rules_name = rule_names[i];
        if (a->rules_name == NULL && opts->rules != NULL) {
            snprintf(err, errlen, "options: rules=%.64s: no such embedded rule file; use one of "
                     JXA_RULES_EMBEDDED_NAMES ", or config=/path/rules.yml", opts->rules);
            jxa_autoconf_free(a);
            return -1;
        }
    }

    bool k8s = in_kubernetes();
    if (opts->port_set) {
        a->port_lo = opts->port_lo;
        a->port_hi = opts->port_hi;
    } else {
        plan_port(a, k8s);
    }
    /* The default discovery directory only where the agent chose the port:
     * a user who gives port= decides about sd_dir too. */
    const char *sd = opts->sd_dir;
    if (sd == NULL && !opts->port_set && spark && !k8s)
        sd = JXA_SD_DIR_DEFAULT;
    if (sd != NULL && (a->sd_dir = strdup(sd)) == NULL)
        goto oom;
    if (opts->sd_job != NULL)
        a->sd_job = strdup(opts->sd_job);
    else if (spark) {
        char job[32];
        snprintf(job, sizeof job, "spark-%s", jxa_role_name(r));
        a->sd_job = strdup(job);
    }
    if ((opts->sd_job != NULL || spark) && a->sd_job == NULL)
        goto oom;

    if (spark) {
        if (plan_metrics(a, cmd, getprop) != 0)
            goto oom;
        if (r == JXA_ROLE_DRIVER && plan_executors(a, opts, cmd, getprop, so_path) != 0)
            goto oom;
    }
    return 0;
oom:
    jxa_autoconf_free(a);
    snprintf(err, errlen, "options: out of memory while choosing the defaults; retry");
    return -1;
}

void jxa_autoconf_free(struct jxa_autoconf *a)
{
    if (a == NULL)
        return;
    jxa_role_free(&a->role);
    free(a->sd_dir);
    free(a->sd_job);
    for (size_t i = 0; i < a->nprops; i++) {
        free(a->props[i].key);
        free(a->props[i].value);
    }
    memset(a, 0, sizeof *a);
}
