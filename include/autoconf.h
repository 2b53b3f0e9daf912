/* autoconf.h - "one flag": what a bare -agentpath decides by itself
 * (docs/spark.md, "One flag").  Pure C: the JVM's properties come through
 * a callback, so the unit tests drive it without a JVM.
 *
 * From the JVM's role (role.h), the options the user gave, the process
 * environment and the JVM's system properties it decides:
 *   - the rule file: the user's config= wins; else rules=<name>; else the
 *     embedded rules/<role>.yml (driver, executor, master, worker); else
 *     jmx_exporter's default config (everything, default naming);
 *   - the port (the port scheme below) and the file_sd directory;
 *   - the Spark properties to add before main runs (JmxSink, JvmSource,
 *     and on a driver the agent for its executors), each only when the
 *     user has not configured it.
 *
 * Port scheme (a user's port= always wins):
 *   master 9405, worker 9406, history server 9407, shuffle service 9408
 *   driver the first free port of 9410-9419
 *   executor: an ephemeral port, registered in the file_sd directory
 *     (sd_dir, default /tmp/jmxagent-sd); in a Kubernetes pod
 *     (KUBERNETES_SERVICE_HOST set: one JVM per pod) the fixed port 9404,
 *     for prometheus.io/port annotations, and no file_sd
 *   submit (spark-submit of cluster deploy mode): an ephemeral port
 *   not Spark: 9404, jmx_exporter's default config. */
#ifndef JXA_AUTOCONF_H
#define JXA_AUTOCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"
#include "role.h"

#define JXA_PORT_OTHER      9404
#define JXA_PORT_EXECUTOR_K8S 9404
#define JXA_PORT_MASTER     9405
#define JXA_PORT_WORKER     9406
#define JXA_PORT_HISTORY    9407
#define JXA_PORT_SHUFFLE    9408
#define JXA_PORT_DRIVER_LO  9410
#define JXA_PORT_DRIVER_HI  9419
#define JXA_SD_DIR_DEFAULT  "/tmp/jmxagent-sd"

#define JXA_AUTOCONF_MAX_PROPS 4

/* A system property: returns a malloc'd value for the caller to free, or
 * NULL when unset.  The agent passes jxa_jvmti_system_property. */
typedef char *(*jxa_getprop_fn)(const char *name);

struct jxa_autoconf {
    struct jxa_role_info role;
    /* The rule file: rules_name (embedded) or NULL with the user's
     * opts->config or jmx_exporter's default. */
    const char *rules_name;
    int port_lo, port_hi;
    char *sd_dir;           /* NULL: no file_sd */
    char *sd_job;           /* the file_sd job label */
    /* Properties to set with System.setProperty in VMInit, in order. */
    struct { char *key, *value; } props[JXA_AUTOCONF_MAX_PROPS];
    size_t nprops;
    /* Why the metrics properties were not set ("" when they were). */
    char metrics_note[512];
    /* Why the executors' agent was not added ("" when it was). */
    char executor_note[256];
};

/* Decides for this JVM.  java_command: sun.java.command (or the command
 * rebuilt from /proc/self/cmdline); so_path: this library's path (the
 * executors' -agentpath), NULL to never add it.  Returns 0, or -1 with one
 * line in err (an unknown rules= name, out of memory).  Free with
 * jxa_autoconf_free. */
int jxa_autoconf_plan(const struct jxa_options *opts, const char *java_command,
                      jxa_getprop_fn getprop, const char *so_path,
                      struct jxa_autoconf *out, char *err, size_t errlen);
void jxa_autoconf_free(struct jxa_autoconf *a);

/* The properties of a Java .properties-style file (spark-defaults.conf):
 * the value of key, malloc'd, or NULL (no file, no key).  Key and value are
 * split at the first run of spaces, tabs, '=' or ':'; '#' and '!' start a
 * comment line.  Continuation lines and escapes are not decoded (enough
 * for the keys read here, whose values are plain). */
char *jxa_autoconf_file_prop(const char *path, const char *key);

#endif
