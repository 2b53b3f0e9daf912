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
 *   VMDeath        stop within a few ms; never hold the JVM's exit.
 * Each load (and each exporter= of one) adds an exporter: struct exporter,
 * with its own HTTP server, or its own OpenTelemetry pusher, or both. */
#include <errno.h>
#include <jni.h>
#include <jvmti.h>
#include <pthread.h>
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

/* Several exporters in one JVM (options.h, "exporter="; docs/design.md
 * §2): what belongs to one is here, what the process has once (the JVMTI
 * environment and its callbacks, the GC histogram, the log, the fd
 * watcher, the scraper thread) stays in its module.  An exporter that only
 * pushes (options.h, push_only) has no server: http NULL, bound_port 0.
 * The JVM calls Agent_OnLoad once per -agentpath on the same library
 * handle, so a second -agentpath of this library lands here as a second
 * load. */
struct exporter {
    struct jxa_options opts;
    struct jxa_config *startup_cfg;     /* until the scraper owns it */
    struct jxa_scraper *scraper;
    struct jxa_http *http;              /* NULL: push only */
    int bound_port;
    bool paused;                        /* by the fd watcher (its thread only) */
    /* Its config's openTelemetry section, taken out of the startup config
     * before the scraper owns it (a reload never changes it), and the
     * pusher that takes this exporter's scrapes (docs/otlp.md). */
    struct jxa_otel_config otel;
    struct jxa_pusher *pusher;
};

static struct exporter exporters[JXA_MAX_EXPORTERS];
static atomic_size_t nexporters;        /* filled in before it is counted */
static char *loaded_options[JXA_MAX_EXPORTERS];  /* option strings that serve */
static size_t nloaded;
static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;     /* start() */
static bool jvmti_ready, events_on, log_opened;
static atomic_bool serving;

/* Before the option string is parsed we cannot know whether strict mode
 * was asked for; a failed parse still honours a literal strict=true. */
static bool wants_strict(const char *options)
{
    return options != NULL && strstr(options, "strict=true") != NULL;
}

static bool attaching;     /* Agent_OnAttach: failures go back to jcmd */

/* what: one line; others: other exporters serve in this JVM. */
static jint fail(bool strict, const char *what, bool others)
{
    if (strict && !attaching) {
        jxa_error("%s; strict=true: stopping the JVM", what);
        return JNI_ERR;
    }
    jxa_error("%s; the JVM runs on without %s", what, others ? "this exporter" : "the exporter");
    return attaching ? JNI_ERR : JNI_OK;
}

/* pusher.h's source: the scrape an HTTP handler of the same exporter
 * would get (ctx is its struct jxa_scraper). */
static const struct jxa_mset *push_acquire(void *ctx, void **handle)
{
    double stale;
    struct jxa_result *r = jxa_scraper_get(ctx, &stale);
    *handle = r;
    return r != NULL ? r->m : NULL;
}

static void push_release(void *handle)
{
    jxa_result_release(handle);
}

static void start_scraper(JavaVM *vm, struct exporter *e)
{
    if (e->startup_cfg == NULL)
        return;
    if (jxa_scraper_start(e->scraper, vm, e->startup_cfg) != 0) {
        if (e->http != NULL)
            jxa_error("cannot start the scraper for port %d; its /metrics will answer 503",
                      e->bound_port);
        else
            jxa_error("cannot start the scraper for %s; it pushes nothing",
                      e->opts.config ? e->opts.config : "(no config)");
        jxa_otel_config_free(&e->otel);
        return;
    }
    e->startup_cfg = NULL;     /* the scraper owns it now */
    if (e->otel.enabled) {
        const struct jxa_pusher_source src = {push_acquire, push_release, e->scraper};
        e->pusher = jxa_pusher_start(&e->otel, &src);     /* takes e->otel */
    }
}

static void start_scrapers(JavaVM *vm)
{
    size_t n = atomic_load(&nexporters);
    for (size_t i = 0; i < n; i++)
        start_scraper(vm, &exporters[i]);
}

static void JNICALL on_vm_init(jvmtiEnv *jv, JNIEnv *env, jthread thread)
{
    (void)jv;
    (void)env;
    (void)thread;
    jxa_oneflag_vm_init(env);    /* Spark properties, before main */
    JavaVM *vm = NULL;
    if ((*env)->GetJavaVM(env, &vm) == 0)
        start_scrapers(vm);
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
    if (!atomic_exchange(&serving, false))
        return;
    /* Bounded: a getter stuck in the walk must not hold the JVM's exit.
     * If the scraper is still busy we skip mg_stop (its workers may wait
     * on the scraper) and let process exit close the sockets. */
    bool idle = jxa_scraper_stop(50);
    size_t n = atomic_load(&nexporters);
    /* A push in flight is left to the process exit like a busy walk: its
     * socket has a deadline, its thread is not the JVM's.  One budget of
     * 10 ms for all of them; an idle pusher stops at once. */
    double until = jxa_now() + 0.010;
    for (size_t i = 0; i < n; i++) {
        double left_ms = (until - jxa_now()) * 1000;
        jxa_pusher_stop(exporters[i].pusher, left_ms > 0 ? (int)left_ms : 0);
        exporters[i].pusher = NULL;
    }
    /* The watcher first: it may be restarting a server right now. */
    if (jxa_fdwatch_stop(20) && idle) {
        for (size_t i = 0; i < n; i++)
            jxa_http_stop(exporters[i].http);
    }
    jxa_sd_unregister();
}

static void write_port_file(const char *path, const int *ports, size_t n)
{
    char text[16 * JXA_MAX_EXPORTERS] = "", why[768];
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%d\n", ports[i]);
    if (jxa_atomicfile_write_path(path, text, len, 0644, why, sizeof why) != 0)
        jxa_warn("port_file=%s: %s (the port is %d)", path, why, ports[0]);
}

/* fdwatch.h: every server closes its port while no descriptor is left and
 * reopens the same port afterwards (the HTTP config is kept by http.c). */
static void http_pause(void *arg)
{
    (void)arg;
    size_t n = atomic_load(&nexporters);
    for (size_t i = 0; i < n; i++) {
        if (exporters[i].http == NULL)
            continue;       /* push only: nothing listens */
        jxa_http_stop(exporters[i].http);
        exporters[i].paused = true;
    }
}

static int http_resume(void *arg, char *err, size_t errlen)
{
    (void)arg;
    size_t n = atomic_load(&nexporters);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct exporter *e = &exporters[i];
        if (!e->paused)
            continue;
        struct jxa_options o = e->opts;
        o.port_lo = o.port_hi = e->bound_port;
        if (jxa_http_start(e->http, &o, NULL, err, errlen) < 0)
            rc = -1;        /* the others go on; this one is tried again */
        else
            e->paused = false;
    }
    return rc;
}

/* One exporter: config, port, file_sd entry, openTelemetry section.  Takes
 * o.  Returns the bound port, 0 for an exporter that only pushes, or -1
 * (logged; JNI_ERR in *verdict when the JVM must stop). */
static int start_exporter(struct jxa_options *o, bool others, bool live, jint *verdict)
{
    char err[1024];
    size_t idx = atomic_load(&nexporters);
    if (idx == JXA_MAX_EXPORTERS) {
        snprintf(err, sizeof err, "more than %d exporters in this JVM; at most %d run in one "
                 "JVM, remove an -agentpath or an exporter=", JXA_MAX_EXPORTERS,
                 JXA_MAX_EXPORTERS);
        *verdict = fail(o->strict, err, others);
        jxa_options_free(o);
        return -1;
    }
    struct exporter *e = &exporters[idx];
    memset(e, 0, sizeof *e);
    e->opts = *o;
    memset(o, 0, sizeof *o);
    /* Role, rule file, port and sd_dir where the options leave them open
     * (a bare -agentpath): docs/spark.md, "One flag". */
    if (jxa_oneflag_load(&e->opts, &e->startup_cfg, err, sizeof err) != 0) {
        *verdict = fail(e->opts.strict, err, others);
        return -1;
    }
    e->otel = e->startup_cfg->otel;
    memset(&e->startup_cfg->otel, 0, sizeof e->startup_cfg->otel);
    if (e->otel.enabled && jxa_otel_apply_env(&e->otel, getenv("OTEL_RESOURCE_ATTRIBUTES"),
                                              getenv("OTEL_SERVICE_NAME")) != 0)
        jxa_warn("OTEL_RESOURCE_ATTRIBUTES: out of memory; pushing the config's attributes");
    if (e->opts.push_only && !e->otel.enabled) {
        char line[1200];
        const char *f = e->opts.config ? e->opts.config : "(no config)";
        snprintf(line, sizeof line, "options: %.300s: push only (a config path without a "
                 "port, jmx_exporter's OpenTelemetry-only form, or http=false), but the config "
                 "has no openTelemetry section; add one, or give a port: 9404:%.300s", f, f);
        jxa_config_free(e->startup_cfg);
        e->startup_cfg = NULL;
        *verdict = fail(e->opts.strict, line, others);
        return -1;
    }
    e->scraper = jxa_scraper_new();
    int port = -1;
    if (e->scraper != NULL && e->opts.push_only) {
        /* No HTTP server, no port file line, no file_sd target: nothing
         * listens (docs/otlp.md). */
        atomic_store(&nexporters, idx + 1);
        atomic_store(&serving, true);
        return 0;
    }
    e->http = e->scraper ? jxa_http_new(e->scraper) : NULL;
    if (e->http == NULL)
        snprintf(err, sizeof err, "out of memory");
    else
        port = jxa_http_start(e->http, &e->opts, &e->startup_cfg->http, err, sizeof err);
    if (port < 0) {
        char line[1200];
        snprintf(line, sizeof line, "cannot serve /metrics: %s", err);
        jxa_otel_config_free(&e->otel);
        jxa_config_free(e->startup_cfg);
        e->startup_cfg = NULL;
        *verdict = fail(e->opts.strict, line, others);
        return -1;
    }
    e->bound_port = port;
    if (e->opts.sd_dir) {
        char *cmd = jxa_jvmti_system_property("sun.java.command");
        if (jxa_sd_register(e->opts.sd_dir, e->opts.sd_job, e->opts.host, port, cmd, err,
                            sizeof err) != 0)
            jxa_warn("%s", err);
        free(cmd);
    }
    jxa_oneflag_report(&e->opts, port, live);
    atomic_store(&nexporters, idx + 1);
    atomic_store(&serving, true);
    return port;
}

static bool same_options(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static jint start_locked(JavaVM *vm, const char *options, bool live)
{
    /* Spark 3.4 to 4.0 repeat the executors' options, -agentpath and all
     * (docs/spark.md): the same string again is the same exporter. */
    for (size_t i = 0; i < nloaded; i++)
        if (same_options(loaded_options[i], options)) {
            jxa_warn("already loaded in this JVM with the same options; ignoring the repeated "
                     "copy");
            return live ? JNI_ERR : JNI_OK;
        }
    attaching = live;
    char err[1024];
    struct jxa_options opts;
    bool others = atomic_load(&nexporters) > 0;
    if (jxa_options_parse(options, &opts, err, sizeof err) != 0)
        return fail(wants_strict(options), err, others);
    /* The log is the process's: the first load's log= and log_level= hold. */
    if (!log_opened) {
        jxa_log_open(opts.log, opts.log_level);
        log_opened = true;
    }

    if (!jvmti_ready) {
        if ((*vm)->GetEnv(vm, (void **)&jvmti, JVMTI_VERSION_11) != JNI_OK) {
            jvmti = NULL;
            bool strict = opts.strict;
            jxa_options_free(&opts);
            return fail(strict, "JVMTI 11 is not available in this JVM", others);
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
        jvmti_ready = true;
    }

    size_t first = atomic_load(&nexporters);
    jint verdict = JNI_OK;
    int ports[JXA_MAX_EXPORTERS];
    size_t nports = 0, nstarted = 0;
    if (opts.nexporters == 0) {
        int port = start_exporter(&opts, others, live, &verdict);
        nstarted += port >= 0;
        if (port > 0)
            ports[nports++] = port;
    } else {
        for (size_t i = 0; i < opts.nexporters && verdict == JNI_OK; i++) {
            struct jxa_options one;
            if (jxa_options_exporter(&opts, i, &one) != 0) {
                verdict = fail(opts.strict, "options: out of memory; retry", true);
                break;
            }
            int port = start_exporter(&one, true, live, &verdict);
            nstarted += port >= 0;
            if (port > 0)
                ports[nports++] = port;
        }
    }
    if (nstarted > 0)
        loaded_options[nloaded++] = strdup(options ? options : "");
    /* One line per exporter that listens, in order; one that only pushes
     * has no port to give (docs/otlp.md). */
    if (nports > 0) {
        const char *pf = opts.nexporters ? opts.port_file : exporters[first].opts.port_file;
        if (pf)
            write_port_file(pf, ports, nports);
    }
    jxa_options_free(&opts);
    if (verdict != JNI_OK || nstarted == 0)
        return verdict;

    static const struct jxa_fdwatch_ops fdw = {http_pause, http_resume, NULL};
    if (nports > 0 && jxa_fdwatch_start(&fdw, 1000) != 0)
        jxa_warn("cannot start the descriptor watcher; a full fd table will make the "
                 "server spin");
    if (!events_on) {
        events_on = true;
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
        if (!live)
            (*jvmti)->SetEventNotificationMode(jvmti, JVMTI_ENABLE, JVMTI_EVENT_VM_INIT, NULL);
    }
    if (live)
        start_scrapers(vm);   /* no VMInit comes in the live phase */
    return JNI_OK;
}

static jint start(JavaVM *vm, const char *options, bool live)
{
    pthread_mutex_lock(&load_mu);
    jint rc = start_locked(vm, options, live);
    pthread_mutex_unlock(&load_mu);
    return rc;
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
