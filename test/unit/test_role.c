/* test_role.c - Spark roles (role.c) from command lines of real processes
 * (fixtures/cmdline/: /proc/<pid>/cmdline of the lab's Spark 3.4.1 cluster, and
 * in spark-<release>/ of the 3.5.9, 4.0.5 and 4.3.0 clusters of the matrix,
 * on Java 17, test/spark), and "one flag" (autoconf.c): rule file, port,
 * sd_dir and the Spark properties a bare -agentpath chooses, the embedded
 * rule files (rules_embed.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "autoconf.h"
#include "check.h"
#include "config.h"
#include "role.h"
#include "rules_embed.h"

#define FIX "fixtures/cmdline/"

/* sun.java.command as the launcher would set it, from a cmdline fixture. */
static char *fixture_command(const char *name)
{
    char path[256], buf[16384];
    snprintf(path, sizeof path, FIX "%s", name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        FAILF("cannot open %s", path);
        return NULL;
    }
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return jxa_role_command_from_cmdline(buf, n);
}

static enum jxa_role role_of(const char *cmd, struct jxa_role_info *r)
{
    if (jxa_role_detect(cmd, r) != 0)
        FAILF("out of memory");
    return r->role;
}

/* The same roles on the other releases of the matrix (/proc/<pid>/cmdline
 * of `make test-spark-matrix`'s clusters, Spark 3.5.9, 4.0.5 and 4.3.0 on
 * Java 17), and the launcher JVM that spark-class runs first
 * (org.apache.spark.launcher.Main): it gets a bare flag from
 * JAVA_TOOL_OPTIONS too, and is no Spark role. */
static void test_real_cmdlines_per_release(void)
{
    static const char *const releases[] = {"spark-3.5.9", "spark-4.0.5", "spark-4.3.0"};
    static const struct { const char *file; enum jxa_role role; } cases[] = {
        {"master.cmdline", JXA_ROLE_MASTER},
        {"worker.cmdline", JXA_ROLE_WORKER},
        {"driver.cmdline", JXA_ROLE_DRIVER},
        {"executor.cmdline", JXA_ROLE_EXECUTOR},
        {"launcher.cmdline", JXA_ROLE_OTHER},
    };
    for (size_t v = 0; v < sizeof releases / sizeof *releases; v++) {
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            char file[128];
            snprintf(file, sizeof file, "%s/%s", releases[v], cases[i].file);
            char *cmd = fixture_command(file);
            struct jxa_role_info r;
            if (cmd == NULL) {
                FAILF("%s: no fixture", file);
                continue;
            }
            if (role_of(cmd, &r) != cases[i].role)
                FAILF("%s: role %s, expected %s", file, jxa_role_name(r.role),
                      jxa_role_name(cases[i].role));
            if (cases[i].role == JXA_ROLE_EXECUTOR) {
                CHECK(r.executor_id != NULL && strspn(r.executor_id, "0123456789") ==
                                                   strlen(r.executor_id));
                CHECK(r.app_id != NULL && strncmp(r.app_id, "app-", 4) == 0);
            }
            jxa_role_free(&r);
            free(cmd);
        }
    }
}


static void test_real_cmdlines(void)
{
    static const struct { const char *file; enum jxa_role role; } cases[] = {
        {"master.cmdline", JXA_ROLE_MASTER},
        {"worker.cmdline", JXA_ROLE_WORKER},
        {"driver-pyspark-client.cmdline", JXA_ROLE_DRIVER},
        {"executor-standalone-0.cmdline", JXA_ROLE_EXECUTOR},
        {"executor-standalone-1.cmdline", JXA_ROLE_EXECUTOR},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *cmd = fixture_command(cases[i].file);
        struct jxa_role_info r;
        if (cmd == NULL)
            continue;
        if (role_of(cmd, &r) != cases[i].role)
            FAILF("%s: role %s, expected %s", cases[i].file, jxa_role_name(r.role),
                  jxa_role_name(cases[i].role));
        if (cases[i].role == JXA_ROLE_EXECUTOR) {
            CHECK(r.executor_id != NULL && (strcmp(r.executor_id, "0") == 0 ||
                                            strcmp(r.executor_id, "1") == 0));
            CHECK_STR(r.app_id, "app-20261202014740-0000");
        } else {
            CHECK(r.executor_id == NULL && r.app_id == NULL);
        }
        jxa_role_free(&r);
        free(cmd);
    }
    /* The main class follows the launcher's options, whatever they are. */
    char *cmd = fixture_command("executor-standalone-0.cmdline");
    CHECK(cmd != NULL && strncmp(cmd, "org.apache.spark.executor.CoarseGrainedExecutorBackend "
                                      "--driver-url ", 68) == 0);
    free(cmd);
}

/* Command lines of the other launchers, as Spark 3.4's code builds them. */
static void test_other_launchers(void)
{
    static const struct { const char *cmd; enum jxa_role role; const char *eid, *app; } cases[] = {
        {"org.apache.spark.deploy.SparkSubmit --master yarn --class org.apache.spark.repl.Main "
         "--name Spark shell spark-shell", JXA_ROLE_DRIVER, NULL, NULL},
        {"org.apache.spark.deploy.SparkSubmit --master spark://m:7077 --deploy-mode cluster "
         "--class a.B app.jar", JXA_ROLE_SUBMIT, NULL, NULL},
        {"org.apache.spark.deploy.SparkSubmit --conf spark.submit.deployMode=cluster app.jar",
         JXA_ROLE_SUBMIT, NULL, NULL},
        {"org.apache.spark.deploy.SparkSubmit --deploy-mode client pyspark-shell",
         JXA_ROLE_DRIVER, NULL, NULL},
        {"org.apache.spark.deploy.worker.DriverWrapper spark://Worker@h:7078 "
         "/work/driver-1/app.jar a.B", JXA_ROLE_DRIVER, NULL, NULL},
        {"org.apache.spark.executor.YarnCoarseGrainedExecutorBackend --driver-url spark://x "
         "--executor-id 3 --hostname h --cores 1 --app-id application_1700000000000_0007 "
         "--resourceProfileId 0", JXA_ROLE_EXECUTOR, "3", "application_1700000000000_0007"},
        {"org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend --driver-url spark://x "
         "--executor-id 12 --cores 1 --app-id spark-0a1b --hostname 10.0.0.5 "
         "--resourceProfileId 0 --podName p", JXA_ROLE_EXECUTOR, "12", "spark-0a1b"},
        {"org.apache.spark.deploy.history.HistoryServer", JXA_ROLE_HISTORY, NULL, NULL},
        {"org.apache.spark.deploy.ExternalShuffleService", JXA_ROLE_SHUFFLE, NULL, NULL},
        /* Not Spark: another main class, a Spark class only as an argument,
         * a prefix of a Spark class. */
        {"com.example.Main --x", JXA_ROLE_OTHER, NULL, NULL},
        {"my.App org.apache.spark.deploy.master.Master", JXA_ROLE_OTHER, NULL, NULL},
        {"org.apache.spark.deploy.master.MasterX", JXA_ROLE_OTHER, NULL, NULL},
        {"", JXA_ROLE_OTHER, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct jxa_role_info r;
        if (role_of(cases[i].cmd, &r) != cases[i].role)
            FAILF("%s: role %s", cases[i].cmd, jxa_role_name(r.role));
        CHECK_STR(r.executor_id, cases[i].eid);
        CHECK_STR(r.app_id, cases[i].app);
        jxa_role_free(&r);
    }
    struct jxa_role_info r;
    CHECK_INT(role_of(NULL, &r), JXA_ROLE_OTHER);
    /* -jar: the jar stands for the main class. */
    static const char jar[] = "java\0-Xmx1g\0-jar\0/x/app.jar\0--a\0";
    char *c = jxa_role_command_from_cmdline(jar, sizeof jar - 1);
    CHECK_STR(c, "/x/app.jar --a");
    free(c);
    static const char none[] = "java\0-version\0";
    CHECK(jxa_role_command_from_cmdline(none, sizeof none - 1) == NULL);
}

static void test_embedded_rules(void)
{
    static const char *const names[] = {"driver", "executor", "master", "worker"};
    for (size_t i = 0; i < 4; i++) {
        size_t len = 0;
        const char *text = jxa_rules_embedded(names[i], &len);
        char path[64];
        snprintf(path, sizeof path, "../../rules/%s.yml", names[i]);
        struct stat st;
        CHECK(text != NULL && stat(path, &st) == 0 && (size_t)st.st_size == len);
        if (text == NULL)
            continue;
        CHECK(text[len] == '\0' && strlen(text) == len);
        /* The same bytes as the file, and a config that loads. */
        FILE *f = fopen(path, "rb");
        char *file = malloc(len + 1);
        CHECK(f != NULL && file != NULL && fread(file, 1, len + 1, f) == len);
        CHECK(file != NULL && memcmp(file, text, len) == 0);
        free(file);
        if (f)
            fclose(f);
        struct jxa_config *cfg = NULL;
        char err[512];
        CHECK_INT(jxa_config_load_string(text, len, names[i], &cfg, err, sizeof err), 0);
        CHECK(cfg != NULL && cfg->nrules > 10);
        jxa_config_free(cfg);
    }
    size_t len;
    CHECK(jxa_rules_embedded("history", &len) == NULL);
    CHECK(jxa_rules_embedded(NULL, &len) == NULL);
}

/* -- autoconf ---------------------------------------------------------- */

static const char *fake_props[16][2];

static char *fake_getprop(const char *name)
{
    for (size_t i = 0; i < 16 && fake_props[i][0]; i++)
        if (strcmp(fake_props[i][0], name) == 0)
            return strdup(fake_props[i][1]);
    return NULL;
}

static void props_reset(void)
{
    memset(fake_props, 0, sizeof fake_props);
    unsetenv("SPARK_CONF_DIR");
    unsetenv("SPARK_HOME");
    unsetenv("KUBERNETES_SERVICE_HOST");
}

static const char *prop_of(const struct jxa_autoconf *a, const char *key)
{
    for (size_t i = 0; i < a->nprops; i++)
        if (strcmp(a->props[i].key, key) == 0)
            return a->props[i].value;
    return NULL;
}

#define EXEC_CMD "org.apache.spark.executor.CoarseGrainedExecutorBackend --executor-id 1 " \
                 "--app-id app-1"
#define DRIVER_CMD "org.apache.spark.deploy.SparkSubmit --master spark://m:7077 job.py"
#define SO "/opt/jxa/libspark_jmxagent.so"

static int plan(const char *opt, const char *cmd, struct jxa_autoconf *a, char *err)
{
    struct jxa_options o;
    char e[512];
    if (jxa_options_parse(opt, &o, e, sizeof e) != 0) {
        FAILF("options %s: %s", opt ? opt : "(null)", e);
        return -1;
    }
    int rc = jxa_autoconf_plan(&o, cmd, fake_getprop, SO, a, err, 512);
    jxa_options_free(&o);
    return rc;
}

static void test_bare_flag(void)
{
    props_reset();
    struct jxa_autoconf a;
    char err[512];
    /* executor: embedded rules, ephemeral port, default sd_dir, JmxSink +
     * JvmSource */
    CHECK_INT(plan(NULL, EXEC_CMD, &a, err), 0);
    CHECK_STR(a.rules_name, "executor");
    CHECK_INT(a.port_lo, 0);
    CHECK_STR(a.sd_dir, JXA_SD_DIR_DEFAULT);
    CHECK_STR(a.sd_job, "spark-executor");
    CHECK_STR(prop_of(&a, "spark.metrics.conf.*.sink.jmx.class"),
              "org.apache.spark.metrics.sink.JmxSink");
    CHECK_STR(prop_of(&a, "spark.metrics.conf.executor.source.jvm.class"),
              "org.apache.spark.metrics.source.JvmSource");
    CHECK_INT(a.nprops, 2);
    jxa_autoconf_free(&a);
    /* driver: range, JvmSource, the agent for its executors */
    CHECK_INT(plan("", DRIVER_CMD, &a, err), 0);
    CHECK_STR(a.rules_name, "driver");
    CHECK(a.port_lo == JXA_PORT_DRIVER_LO && a.port_hi == JXA_PORT_DRIVER_HI);
    CHECK_STR(prop_of(&a, "spark.metrics.conf.driver.source.jvm.class"),
              "org.apache.spark.metrics.source.JvmSource");
    CHECK_STR(prop_of(&a, "spark.executor.defaultJavaOptions"), "-agentpath:" SO);
    CHECK_INT(a.nprops, 3);
    jxa_autoconf_free(&a);
    /* daemons: fixed ports, JmxSink only */
    CHECK_INT(plan(NULL, "org.apache.spark.deploy.master.Master --host h", &a, err), 0);
    CHECK(a.port_lo == JXA_PORT_MASTER && a.port_hi == JXA_PORT_MASTER);
    CHECK_STR(a.rules_name, "master");
    CHECK_INT(a.nprops, 1);
    jxa_autoconf_free(&a);
    CHECK_INT(plan(NULL, "org.apache.spark.deploy.worker.Worker spark://m:7077", &a, err), 0);
    CHECK(a.port_lo == JXA_PORT_WORKER && a.port_hi == JXA_PORT_WORKER);
    CHECK_STR(a.rules_name, "worker");
    jxa_autoconf_free(&a);
    CHECK_INT(plan(NULL, "org.apache.spark.deploy.history.HistoryServer", &a, err), 0);
    CHECK(a.port_lo == JXA_PORT_HISTORY && a.rules_name == NULL && a.nprops == 1);
    jxa_autoconf_free(&a);
    /* not Spark: jmx_exporter's default on 9404, nothing set, no sd */
    CHECK_INT(plan(NULL, "com.example.Main", &a, err), 0);
    CHECK(a.port_lo == JXA_PORT_OTHER && a.port_hi == JXA_PORT_OTHER);
    CHECK(a.rules_name == NULL && a.sd_dir == NULL && a.nprops == 0);
    jxa_autoconf_free(&a);
    /* Kubernetes: one JVM per pod, the fixed port, no file_sd */
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    CHECK_INT(plan(NULL, EXEC_CMD, &a, err), 0);
    CHECK(a.port_lo == JXA_PORT_EXECUTOR_K8S && a.sd_dir == NULL);
    jxa_autoconf_free(&a);
    props_reset();
}

static void test_user_wins(void)
{
    props_reset();
    struct jxa_autoconf a;
    char err[512];
    /* config= and port= win; no default sd_dir where the user chose the port */
    CHECK_INT(plan("port=9999,config=/x.yml", EXEC_CMD, &a, err), 0);
    CHECK(a.rules_name == NULL && a.port_lo == 9999 && a.sd_dir == NULL);
    jxa_autoconf_free(&a);
    CHECK_INT(plan("rules=master", EXEC_CMD, &a, err), 0);
    CHECK_STR(a.rules_name, "master");
    jxa_autoconf_free(&a);
    /* a user's -D of the same key is kept; the rest is still added */
    fake_props[0][0] = "spark.metrics.conf.*.sink.jmx.class";
    fake_props[0][1] = "my.Sink";
    CHECK_INT(plan(NULL, EXEC_CMD, &a, err), 0);
    CHECK(prop_of(&a, "spark.metrics.conf.*.sink.jmx.class") == NULL && a.nprops == 1);
    jxa_autoconf_free(&a);
    /* a metrics file: nothing set */
    props_reset();
    fake_props[0][0] = "spark.metrics.conf";
    fake_props[0][1] = "/etc/spark/metrics.properties";
    CHECK_INT(plan(NULL, EXEC_CMD, &a, err), 0);
    CHECK_INT(a.nprops, 0);
    CHECK(strstr(a.metrics_note, "spark.metrics.conf") != NULL);
    jxa_autoconf_free(&a);
    /* ... or metrics.properties in a class path directory, or in
     * spark-defaults.conf, or with --conf */
    props_reset();
    char dir[] = "/tmp/jxa-role-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char f[128], cp[256];
    snprintf(f, sizeof f, "%s/metrics.properties", dir);
    FILE *mp = fopen(f, "w");
    CHECK(mp != NULL);
    if (mp) {
        fputs("*.sink.csv.class=org.apache.spark.metrics.sink.CsvSink\n", mp);
        fclose(mp);
    }
    snprintf(cp, sizeof cp, "/nonexistent:%s/:/jars/*", dir);
    fake_props[0][0] = "java.class.path";
    fake_props[0][1] = cp;
    CHECK_INT(plan(NULL, EXEC_CMD, &a, err), 0);
    CHECK_INT(a.nprops, 0);
    CHECK(strstr(a.metrics_note, "metrics.properties") != NULL);
    jxa_autoconf_free(&a);
    unlink(f);
    props_reset();
    snprintf(f, sizeof f, "%s/spark-defaults.conf", dir);
    mp = fopen(f, "w");
    if (mp) {
        fputs("# x\nspark.metrics.conf.other 1\nspark.metrics.conf   /m.properties\n"
              "spark.executor.extraJavaOptions -Dx=1 -agentpath:/a/lib.so\n", mp);
        fclose(mp);
    }
    setenv("SPARK_CONF_DIR", dir, 1);
    CHECK_INT(plan(NULL, DRIVER_CMD, &a, err), 0);
    CHECK_INT(a.nprops, 0);    /* metrics file, and executors have an agent */
    CHECK(strstr(a.executor_note, "spark.executor.extraJavaOptions in ") != NULL);
    jxa_autoconf_free(&a);
    /* --properties-file replaces spark-defaults.conf: neither counts then */
    CHECK_INT(plan(NULL, DRIVER_CMD " --properties-file /nonexistent.conf", &a, err), 0);
    CHECK(prop_of(&a, "spark.metrics.conf.*.sink.jmx.class") != NULL);
    CHECK_STR(prop_of(&a, "spark.executor.defaultJavaOptions"), "-agentpath:" SO);
    jxa_autoconf_free(&a);
    char *v = jxa_autoconf_file_prop(f, "spark.metrics.conf");
    CHECK_STR(v, "/m.properties");
    free(v);
    unlink(f);
    rmdir(dir);
    props_reset();
    CHECK_INT(plan(NULL, DRIVER_CMD " --conf spark.metrics.conf=/m.properties", &a, err), 0);
    CHECK(prop_of(&a, "spark.metrics.conf.*.sink.jmx.class") == NULL);
    jxa_autoconf_free(&a);
    /* the executors' agent: not when they have one, not when turned off */
    fake_props[0][0] = "spark.executor.defaultJavaOptions";
    fake_props[0][1] = "-javaagent:/x.jar";
    CHECK_INT(plan(NULL, DRIVER_CMD, &a, err), 0);
    CHECK(prop_of(&a, "spark.executor.defaultJavaOptions") == NULL);
    jxa_autoconf_free(&a);
    props_reset();
    CHECK_INT(plan(NULL, DRIVER_CMD " --conf spark.executor.extraJavaOptions=-agentpath:/y.so",
                   &a, err), 0);
    CHECK(prop_of(&a, "spark.executor.defaultJavaOptions") == NULL);
    jxa_autoconf_free(&a);
    CHECK_INT(plan("executor_agent=false", DRIVER_CMD, &a, err), 0);
    CHECK(prop_of(&a, "spark.executor.defaultJavaOptions") == NULL);
    CHECK_STR(a.executor_note, "executor_agent=false");
    jxa_autoconf_free(&a);
    props_reset();
}

SUITE(role)
{
    RUN(test_real_cmdlines);
    RUN(test_real_cmdlines_per_release);
    RUN(test_other_launchers);
    RUN(test_embedded_rules);
    RUN(test_bare_flag);
    RUN(test_user_wins);
}
