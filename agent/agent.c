/* agent.c - the JVMTI entry points and the agent's life cycle: the top of
 * the module graph.  The only file that calls GetEnv and registers JVMTI
 * callbacks (async-profiler's vmEntry.cpp layout); it hands the
 * environment to jvmti_util.c, which serves the other modules, and no
 * module calls back into this one.
 *
 *   Agent_OnLoad   parse options, load the config, bind the port: every
 *                  user error is found before the application starts, and
 *                  reported as one line; the JVM runs on without the
 *                  exporter unless strict=true.  No JNI, no JMX here.
 *   VMInit         set the Spark properties of a bare -agentpath (oneflag.c),
 *                  start the scraper thread.  JMX itself starts lazily on
 *                  the first scrape (docs/design.md §4).
 *   Agent_OnAttach the same at run time (jcmd <pid> JVMTI.agent_load).
 *   VMDeath        stop within a few ms; never hold the JVM's exit. */
#include <errno.h>
#include <jni.h>
#include <jvmti.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "config.h"
#include "fdwatch.h"
#include "gc.h"
#include "http.h"
#include "javafmt.h"
#include "javaregex.h"
#include "jvmti_util.h"
#include "log.h"
#include "oneflag.h"
#include "options.h"
#include "pusher.h"
#include "scraper.h"
#include "sd.h"

static jvmtiEnv *jvmti;
static atomic_bool loaded;
static struct jxa_options opts;
static struct jxa_config *startup_cfg;
static bool serving;
/* The openTelemetry section, taken out of the startup config before the
 * scraper owns it (a reload never changes it). */
static struct jxa_otel_config otel;
static struct jxa_pusher *pusher;

/* Before the option string is parsed we cannot know whether strict mode
 * was asked for; a failed parse still honours a literal strict=true. */
static bool wants_strict(const char *options)
{
    return options != NULL && strstr(options, "strict=true") != NULL;
}

static bool attaching;     /* Agent_OnAttach: failures go back to jcmd */

static jint fail(bool strict, const char *what)
{
    /* Nothing was started: a corrected dynamic attach may try again. */
    atomic_store(&loaded, false);
    if (strict && !attaching) {
        jxa_error("%s; strict=true: stopping the JVM", what);
        return JNI_ERR;
    }
    jxa_error("%s; the JVM runs on without the exporter", what);
    return attaching ? JNI_ERR : JNI_OK;
}

/* pusher.h's source: the scrape an HTTP handler would get. */
static const struct jxa_mset *push_acquire(void *ctx, void **handle)
{
    (void)ctx;
    double stale;
    struct jxa_result *r = jxa_scraper_get(&stale);
    *handle = r;
    return r != NULL ? r->m : NULL;
}

static void push_release(void *handle)
{
    jxa_result_release(handle);
}

static void start_scraper(JavaVM *vm)
{
    if (!serving || startup_cfg == NULL)
        return;
    if (jxa_scraper_start(vm, startup_cfg) != 0) {
        jxa_error("cannot start the scraper; /metrics will answer 503");
        return;
    }
    startup_cfg = NULL;     /* the scraper owns it now */
    if (otel.enabled) {
        static const struct jxa_pusher_source src = {push_acquire, push_release, NULL};
        pusher = jxa_pusher_start(&otel, &src);
    }
}

static void JNICALL on_vm_init(jvmtiEnv *jv, JNIEnv *env, jthread thread)
{
    (void)jv;
    (void)env;
    (void)thread;
    jxa_oneflag_vm_init(env);    /* Spark properties, before main */
    JavaVM *vm = NULL;
    if ((*env)->GetJavaVM(env, &vm) == 0)
        start_scraper(vm);
}

/* Inside the GC safepoint on the VM thread: see gc.h for what is allowed. */
static void JNICALL on_gc_start(jvmtiEnv *jv)
{
    (void)jv;
    jxa_gc_start();
}

static void JNICALL on_gc_finish(jvmtiEnv *jv)
{
    (void)jv;
    jxa_gc_finish();
}

static void JNICALL on_vm_death(jvmtiEnv *jv, JNIEnv *env)
{
    (void)jv;
    (void)env;
    if (!serving)
        return;
    serving = false;
    /* Bounded: a getter stuck in the walk must not hold the JVM's exit.
     * If the scraper is still busy we skip mg_stop (its workers may wait
     * on the scraper) and let process exit close the socket. */
    bool idle = jxa_scraper_stop(50);
    /* A push in flight is left to the process exit like a busy walk:
     * its socket has a deadline, its thread is not the JVM's. */
    jxa_pusher_stop(pusher, 10);
    pusher = NULL;
    /* The watcher first: it may be restarting the server right now. */
    if (jxa_fdwatch_stop(20) && idle)
        jxa_http_stop();
    jxa_sd_unregister();
}

static void write_port_file(const char *path, int port)
{
    char text[16], why[768];
    int n = snprintf(text, sizeof text, "%d\n", port);
    if (jxa_atomicfile_write_path(path, text, (size_t)n, 0644, why, sizeof why) != 0)
        jxa_warn("port_file=%s: %s (the port is %d)", path, why, port);
}

/* fdwatch.h: the server closes its port while no descriptor is left and
 * reopens the same port afterwards (the HTTP config is kept by http.c). */
static int bound_port;

static void http_pause(void *arg)
{
    (void)arg;
    jxa_http_stop();
}

static int http_resume(void *arg, char *err, size_t errlen)
{
    (void)arg;
    struct jxa_options o = opts;
    o.port_lo = o.port_hi = bound_port;
    return jxa_http_start(&o, NULL, err, errlen) < 0 ? -1 : 0;
}

static jint start(JavaVM *vm, const char *options, bool live)
{
    bool expected = false;
    if (!atomic_compare_exchange_strong(&loaded, &expected, true)) {
        jxa_warn("already loaded in this JVM; ignoring the second copy");
        return live ? JNI_ERR : JNI_OK;
    }
    attaching = live;
    char err[1024];
    if (jxa_options_parse(options, &opts, err, sizeof err) != 0)
        return fail(wants_strict(options), err);
    jxa_log_open(opts.log, opts.log_level);

    if ((*vm)->GetEnv(vm, (void **)&jvmti, JVMTI_VERSION_11) != JNI_OK) {
        jvmti = NULL;
        return fail(opts.strict, "JVMTI 11 is not available in this JVM");
    }
    jxa_jvmti_init(jvmti);
    /* httpServer.ssl falls back to -Djavax.net.ssl.keyStore and friends,
     * as jmx_exporter does (docs/tls.md); -D properties are there in the
     * OnLoad phase. */
    jxa_config_set_sysprop(jxa_jvmti_system_property);
    /* Before the config is loaded: YAML numbers and every value after it
     * are printed the way this JVM's Double.toString prints them.  The
     * java.vm.* properties are the VM's own, there in the OnLoad phase;
     * java.specification.version is set later by System.initPhase1. */
    char *spec = jxa_jvmti_system_property("java.vm.specification.version");
    jxa_javafmt_set_release(jxa_java_feature(spec));
    jxa_javaregex_set_release(jxa_java_feature(spec));
    free(spec);

    /* Role, rule file, port and sd_dir where the options leave them open
     * (a bare -agentpath): docs/spark.md, "One flag". */
    if (jxa_oneflag_load(&opts, &startup_cfg, err, sizeof err) != 0)
        return fail(opts.strict, err);

    otel = startup_cfg->otel;
    memset(&startup_cfg->otel, 0, sizeof startup_cfg->otel);
    if (otel.enabled && jxa_otel_apply_env(&otel, getenv("OTEL_RESOURCE_ATTRIBUTES"),
                                           getenv("OTEL_SERVICE_NAME")) != 0)
        jxa_warn("OTEL_RESOURCE_ATTRIBUTES: out of memory; pushing the config's attributes");
    if (opts.push_only && !otel.enabled) {
        char line[1200];
        const char *f = opts.config ? opts.config : "(no config)";
        snprintf(line, sizeof line, "options: %.300s: push only (a config path without a "
                 "port, jmx_exporter's OpenTelemetry-only form, or http=false), but the config "
                 "has no openTelemetry section; add one, or give a port: 9404:%.300s", f, f);
        jxa_config_free(startup_cfg);
        startup_cfg = NULL;
        return fail(opts.strict, line);
    }
    if (opts.push_only) {
        /* No HTTP server, no port file, no file_sd target: nothing listens. */
        serving = true;
        goto events;
    }
    int port = jxa_http_start(&opts, &startup_cfg->http, err, sizeof err);
    if (port < 0) {
        char line[1200];
        snprintf(line, sizeof line, "cannot serve /metrics: %s", err);
        jxa_otel_config_free(&otel);
        jxa_config_free(startup_cfg);
        startup_cfg = NULL;
        return fail(opts.strict, line);
    }
    serving = true;
    bound_port = port;
    static const struct jxa_fdwatch_ops fdw = {http_pause, http_resume, NULL};
    if (jxa_fdwatch_start(&fdw, 1000) != 0)
        jxa_warn("cannot start the descriptor watcher; a full fd table will make the "
                 "server spin");
    if (opts.port_file)
        write_port_file(opts.port_file, port);
    if (opts.sd_dir) {
        char *cmd = jxa_jvmti_system_property("sun.java.command");
        if (jxa_sd_register(opts.sd_dir, opts.sd_job, opts.host, port, cmd, err, sizeof err) != 0)
            jxa_warn("%s", err);
        free(cmd);
    }
    jxa_oneflag_report(&opts, port, live);

events:;
    jvmtiEventCallbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.VMInit = on_vm_init;
    cb.VMDeath = on_vm_death;
    cb.GarbageCollectionStart = on_gc_start;
    cb.GarbageCollectionFinish = on_gc_finish;
    if ((*jvmti)->SetEventCallbacks(jvmti, &cb, sizeof cb) != JVMTI_ERROR_NONE ||
        (*jvmti)->SetEventNotificationMode(jvmti, JVMTI_ENABLE, JVMTI_EVENT_VM_DEATH, NULL) != JVMTI_ERROR_NONE)
        jxa_warn("cannot register VMDeath; the exporter stops with the process");
    /* An "always" capability (jvmtiManageCapabilities.cpp): available in
     * the live phase too, and it disables no optimisation. */
    jvmtiCapabilities caps;
    memset(&caps, 0, sizeof caps);
    caps.can_generate_garbage_collection_events = 1;
    if ((*jvmti)->AddCapabilities(jvmti, &caps) == JVMTI_ERROR_NONE &&
        (*jvmti)->SetEventNotificationMode(jvmti, JVMTI_ENABLE, JVMTI_EVENT_GARBAGE_COLLECTION_START, NULL) == JVMTI_ERROR_NONE &&
        (*jvmti)->SetEventNotificationMode(jvmti, JVMTI_ENABLE, JVMTI_EVENT_GARBAGE_COLLECTION_FINISH, NULL) == JVMTI_ERROR_NONE)
        jxa_gc_enable();
    if (live)
        start_scraper(vm);   /* no VMInit comes in the live phase */
    else
        (*jvmti)->SetEventNotificationMode(jvmti, JVMTI_ENABLE, JVMTI_EVENT_VM_INIT, NULL);
    return JNI_OK;
}

JNIEXPORT jint JNICALL Agent_OnLoad(JavaVM *vm, char *options, void *reserved)
{
    (void)reserved;
    return start(vm, options, false);
}

JNIEXPORT jint JNICALL Agent_OnAttach(JavaVM *vm, char *options, void *reserved)
{
    (void)reserved;
    return start(vm, options, true);
}

JNIEXPORT void JNICALL Agent_OnUnload(JavaVM *vm)
{
    /* Runs right after VMDeath in before_exit(); the library is never
     * dlclosed, so there is nothing to free. */
    (void)vm;
}
