/* oneflag.c - the agent's side of "one flag"; see oneflag.h and autoconf.h.
 *
 * Why the Spark properties are set in VMInit with System.setProperty:
 * HotSpot's JVMTI SetSystemProperty changes only properties the VM
 * already has (it answers JVMTI_ERROR_NOT_AVAILABLE for a new name, in
 * the OnLoad phase too, JDK 17 and 25), so it cannot add
 * spark.metrics.conf.*.sink.jmx.class.  In VMInit java.lang.System is
 * initialised and main has not run, so SparkConf - created in main - sees
 * the property.  Nothing of JMX is touched (docs/design.md §4). */
#include "oneflag.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "autoconf.h"
#include "buf.h"
#include "jni_util.h"
#include "jvmti_util.h"
#include "log.h"
#include "rules_embed.h"
#include "sd.h"

/* One plan per exporter (options.h, "exporter="): each chooses its own
 * port and rules; the Spark properties are the first exporter's (every
 * plan of a JVM names the same ones). */
static struct jxa_autoconf plans[JXA_MAX_EXPORTERS];
static size_t nplans;

/* sun.java.command, or the same rebuilt from /proc/self/cmdline (a
 * launcher other than java's may not set the property). */
static char *java_command(void)
{
    char *cmd = jxa_jvmti_system_property("sun.java.command");
    if (cmd != NULL)
        return cmd;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    static char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    return n > 0 ? jxa_role_command_from_cmdline(buf, (size_t)n) : NULL;
}

/* This library's own path: what a driver gives its executors. */
static const char *library_path(void)
{
    static char path[4096];
    Dl_info info;
    if (dladdr((void *)library_path, &info) == 0 || info.dli_fname == NULL)
        return NULL;
    /* dli_fname is the path as given to -agentpath ("dir/../lib.so"). */
    return realpath(info.dli_fname, path) != NULL ? path : info.dli_fname;
}

int jxa_oneflag_load(struct jxa_options *opts, struct jxa_config **cfg, char *err,
                     size_t errlen)
{
    if (nplans == JXA_MAX_EXPORTERS) {
        snprintf(err, errlen, "more than %d exporters in this JVM; at most %d run in one JVM, "
                 "remove an -agentpath or an exporter=", JXA_MAX_EXPORTERS, JXA_MAX_EXPORTERS);
        return -1;
    }
    struct jxa_autoconf *pl = &plans[nplans];
    char *cmd = java_command();
    int rc = jxa_autoconf_plan(opts, cmd, jxa_jvmti_system_property, library_path(), pl,
                               err, errlen);
    free(cmd);
    if (rc != 0)
        return -1;
    nplans++;
    const struct jxa_autoconf plan = *pl;
    opts->port_lo = plan.port_lo;
    opts->port_hi = plan.port_hi;
    if (opts->sd_dir == NULL && plan.sd_dir != NULL) {
        /* The default directory: made here (0755: the agent's user
         * only; docs/spark.md says how several users share one). */
        if (mkdir(plan.sd_dir, 0755) != 0 && errno != EEXIST)
            jxa_warn("sd_dir=%s: cannot create it: %s; set sd_dir= to a writable "
                     "directory", plan.sd_dir, strerror(errno));
        opts->sd_dir = strdup(plan.sd_dir);
    }
    if (opts->sd_job == NULL && plan.sd_job != NULL)
        opts->sd_job = strdup(plan.sd_job);
    if (opts->config != NULL)
        return jxa_config_load(opts->config, cfg, err, errlen);
    if (plan.rules_name != NULL) {
        size_t len;
        const char *yaml = jxa_rules_embedded(plan.rules_name, &len);
        char name[64];
        snprintf(name, sizeof name, "embedded rules/%s.yml", plan.rules_name);
        return jxa_config_load_string(yaml, len, name, cfg, err, errlen);
    }
    if (jxa_config_default(cfg) != 0) {
        snprintf(err, errlen, "cannot build the default config");
        return -1;
    }
    return 0;
}

void jxa_oneflag_report(const struct jxa_options *opts, int port, bool live)
{
    if (nplans == 0)
        return;
    const struct jxa_autoconf plan = plans[nplans - 1];
    struct jxa_buf b = {0};
    jxa_buf_printf(&b, "serving /metrics on %s:%d (config %s", opts->host ? opts->host : "0.0.0.0",
                   port, opts->config ? opts->config : "");
    if (opts->config == NULL && plan.rules_name != NULL)
        jxa_buf_printf(&b, "embedded rules/%s.yml", plan.rules_name);
    else if (opts->config == NULL)
        jxa_buf_puts(&b, "jmx_exporter's default: every MBean, default names");
    jxa_buf_puts(&b, ")");
    enum jxa_role r = plan.role.role;
    if (r == JXA_ROLE_OTHER)
        jxa_buf_puts(&b, "; not a Spark JVM");
    else
        jxa_buf_printf(&b, "; spark role %s", jxa_role_name(r));
    if (plan.role.app_id || plan.role.executor_id)
        jxa_buf_printf(&b, " (app %s, executor %s)", plan.role.app_id ? plan.role.app_id : "?",
                       plan.role.executor_id ? plan.role.executor_id : "?");
    const char *sd = jxa_sd_registered_path();
    if (sd[0] != '\0')
        jxa_buf_printf(&b, "; file_sd %s", sd);
    if (nplans > 1) {
        jxa_buf_printf(&b, "; exporter %zu of this JVM", nplans);
    } else if (plan.nprops > 0 && live) {
        jxa_buf_puts(&b, "; attached at run time: no Spark property set (main has run)");
    } else if (plan.nprops > 0) {
        jxa_buf_puts(&b, "; sets ");
        for (size_t i = 0; i < plan.nprops; i++)
            jxa_buf_printf(&b, "%s%s=%s", i ? ", " : "", plan.props[i].key, plan.props[i].value);
    }
    if (plan.metrics_note[0] != '\0')
        jxa_buf_printf(&b, "; %s", plan.metrics_note);
    if (r == JXA_ROLE_DRIVER && plan.executor_note[0] != '\0')
        jxa_buf_printf(&b, "; no agent added for executors: %s", plan.executor_note);
    jxa_info("%s", b.failed ? "serving /metrics" : b.data);
    jxa_buf_free(&b);
}

void jxa_oneflag_vm_init(JNIEnv *env)
{
    if (nplans == 0)
        return;
    const struct jxa_autoconf plan = plans[0];
    for (size_t i = 0; i < plan.nprops; i++) {
        int rc = jxa_jni_set_sysprop_absent(env, plan.props[i].key, plan.props[i].value);
        if (rc < 0)
            jxa_warn("cannot set the system property %s: System.setProperty failed; set "
                     "-D%s=%s yourself", plan.props[i].key, plan.props[i].key,
                     plan.props[i].value);
        else if (rc == 0)
            jxa_info("the system property %s was set meanwhile; kept", plan.props[i].key);
    }
}
