/* role.h - what kind of Spark JVM this is, from its main class and
 * arguments.  Pure C.
 *
 * The input is the JVM's sun.java.command (the java launcher sets it to
 * the main class, or the jar of -jar, followed by the program's arguments,
 * joined by single spaces), or, when that is missing, the same string
 * rebuilt from /proc/self/cmdline by jxa_role_command_from_cmdline.
 *
 * Main classes (Spark 3.x; docs/spark.md, "One flag"):
 *   driver    org.apache.spark.deploy.SparkSubmit in client mode (spark-
 *             submit, pyspark, spark-shell, spark-sql all run it), and
 *             org.apache.spark.deploy.worker.DriverWrapper (the driver of
 *             standalone cluster mode, started by a Worker);
 *   submit    SparkSubmit with --deploy-mode cluster (or
 *             --conf spark.submit.deployMode=cluster): a short-lived
 *             client that hands the application to a cluster manager;
 *   executor  ...executor.CoarseGrainedExecutorBackend (standalone),
 *             ...yarn.YarnCoarseGrainedExecutorBackend,
 *             ...scheduler.cluster.k8s.KubernetesExecutorBackend, with
 *             --executor-id and --app-id;
 *   master, worker, history (deploy.history.HistoryServer),
 *   shuffle (deploy.ExternalShuffleService);
 *   other     anything else: not a Spark JVM. */
#ifndef JXA_ROLE_H
#define JXA_ROLE_H

#include <stddef.h>

enum jxa_role {
    JXA_ROLE_OTHER = 0,
    JXA_ROLE_DRIVER,
    JXA_ROLE_EXECUTOR,
    JXA_ROLE_MASTER,
    JXA_ROLE_WORKER,
    JXA_ROLE_HISTORY,
    JXA_ROLE_SHUFFLE,
    JXA_ROLE_SUBMIT,
};

struct jxa_role_info {
    enum jxa_role role;
    char *executor_id;      /* executors: --executor-id, else NULL */
    char *app_id;           /* executors: --app-id, else NULL */
};

/* Detects the role of java_command (NULL or "" is JXA_ROLE_OTHER).  Only
 * the first word (the main class) decides; a Spark class name among the
 * arguments does not make a Spark JVM.  Returns 0, or -1 when out of
 * memory (*out then says JXA_ROLE_OTHER, nothing allocated).  Free with
 * jxa_role_free. */
int jxa_role_detect(const char *java_command, struct jxa_role_info *out);
void jxa_role_free(struct jxa_role_info *r);

/* "driver", "executor", "master", "worker", "history", "shuffle",
 * "submit" or "other": the spark_role label and the embedded rule file's
 * name where there is one. */
const char *jxa_role_name(enum jxa_role role);

/* sun.java.command rebuilt from a /proc/<pid>/cmdline image (NUL-separated
 * argv, len bytes): the launcher's options are skipped (-cp/-classpath/
 * --class-path/-p/--module-path/--add-modules/... take a value), then the
 * main class (or "-jar X": X) and its arguments are joined with spaces.
 * Returns a malloc'd string, or NULL (no main class, out of memory). */
char *jxa_role_command_from_cmdline(const char *cmdline, size_t len);

#endif
