/* scraper.c - see scraper.h. */
#include "scraper.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gc.h"
#include "jmx.h"
#include "jni_util.h"
#include "jvm.h"
#include "log.h"
#include "process.h"
#include "rules.h"
#include "sd.h"

/* Prometheus' default scrape_timeout is 10 s: answer before it gives up. */
#define DEFAULT_TIMEOUT_S 8.0
/* minScrapeIntervalSeconds when the config does not say (config.c). */
#define DEFAULT_MIN_INTERVAL_S 1.0
/* HotSpot needs far more than civetweb's 100 KiB for MXBean getters. */
#define SCRAPER_STACK (2u << 20)

/* One thread walks for every exporter (docs/design.md §3): the hand-off
 * state below is shared, what belongs to one exporter is in its struct. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond_req;
static pthread_cond_t cond_done;
static bool started, stopping, detached, busy;
static double busy_since;       /* when the walk in progress, anyone's, began */
static JavaVM *jvm;
static struct jxa_scraper *exporters[JXA_MAX_EXPORTERS];   /* under mu */
static size_t nexporters, next_turn;

struct jxa_scraper {
    unsigned long req_gen, done_gen;    /* under mu */
    bool busy, serving;                 /* under mu; serving: added to the thread */
    double walk_started;        /* when the newest walk began */
    unsigned long walk_target;  /* the request generation it serves */
    unsigned waiting;           /* under mu: requests in jxa_scraper_get not served yet */
    struct jxa_result *latest;
    _Atomic double timeout_s;
    _Atomic double min_interval_s;
    /* Bodies rendered for this exporter's requests (render.h), since it
     * started: jmxagent_rendered_bodies. */
    atomic_ulong renders;
    /* Only the scraper thread touches these once serving. */
    struct jxa_config *cfg;
    struct jxa_engine *engine;
    struct jxa_jmx *jmx;
    double t_start;
    double reload_ok, reload_fail;
    struct timespec failed_mtime;    /* last edit that did not load */
    char last_scrape_err[512];       /* logged already, this config */
};

double jxa_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A CLOCK_MONOTONIC deadline s seconds from now, for the condition variables. */
static struct timespec deadline(double s)
{
    double t = jxa_now() + s;
    struct timespec ts = {(time_t)t, (long)((t - (double)(time_t)t) * 1e9)};
    return ts;
}

double jxa_scraper_timeout(const struct jxa_scraper *s)
{
    return s->timeout_s;
}

static void apply_timeout(struct jxa_scraper *s, const struct jxa_config *c)
{
    s->timeout_s = c->scrape_timeout_seconds > 0 ? (double)c->scrape_timeout_seconds
                                                 : DEFAULT_TIMEOUT_S;
    s->min_interval_s = c->min_scrape_interval_seconds;
}

struct jxa_scraper *jxa_scraper_new(void)
{
    struct jxa_scraper *s = calloc(1, sizeof *s);
    if (s != NULL) {
        atomic_init(&s->timeout_s, DEFAULT_TIMEOUT_S);
        atomic_init(&s->min_interval_s, DEFAULT_MIN_INTERVAL_S);
        atomic_init(&s->renders, 0);
    }
    return s;
}

void jxa_result_release(struct jxa_result *r)
{
    if (r != NULL && atomic_fetch_sub(&r->refs, 1) == 1) {
        jxa_render_free(&r->render);
        jxa_mset_free(r->m);
        free(r);
    }
}

/* Under mu: can a request still be handed s's newest result fresh, and so
 * use its shared renderings (render.h)?  Only one that waits for the walk
 * that made it, or one that comes within minScrapeIntervalSeconds of that
 * walk's start while no other walk of s runs (jxa_scraper_get).  Every
 * other request gets a newer result, or this one stale, and a stale answer
 * is rendered for its request alone. */
static bool renderings_reachable(const struct jxa_scraper *s)
{
    double iv = s->min_interval_s;
    return s->waiting > 0 ||
           (!s->busy && iv > 0 && s->walk_target > 0 && jxa_now() - s->walk_started < iv);
}

/* Under mu: frees the newest result's renderings once no request holds it
 * or can get it fresh, instead of keeping them until the next walk
 * (minutes, with Prometheus' scrape intervals): megabytes for 10,000
 * MBeans (docs/bench.md, "Memory").  held: references the caller holds
 * besides s->latest's own. */
static void drop_renderings(struct jxa_scraper *s, int held)
{
    struct jxa_result *r = s->latest;
    if (r != NULL && atomic_load(&r->refs) == 1 + held && !renderings_reachable(s))
        jxa_render_drop(&r->render);
}

void jxa_scraper_put(struct jxa_scraper *s, struct jxa_result *r)
{
    if (r == NULL)
        return;
    pthread_mutex_lock(&mu);
    if (r == s->latest)
        drop_renderings(s, 1);
    pthread_mutex_unlock(&mu);
    jxa_result_release(r);
}

/* jmx_exporter reloads when the file changed and keeps the old config when
 * the new one does not load.  A failed reload leaves the file "changed", so
 * every scrape tries again and counts one more failure, as jmx_exporter
 * does; the error line is logged once per edit, not once per scrape. */
static void maybe_reload(struct jxa_scraper *s)
{
    struct jxa_config *cfg = s->cfg;
    if (cfg->path == NULL || !jxa_config_changed(cfg))
        return;
    struct stat st = {0};
    bool same_edit = stat(cfg->path, &st) == 0 && st.st_mtim.tv_sec == s->failed_mtime.tv_sec &&
                     st.st_mtim.tv_nsec == s->failed_mtime.tv_nsec;
    char err[512];
    struct jxa_config *n = NULL;
    if (jxa_config_reload(cfg->path, &n, err, sizeof err) != 0) {
        s->reload_fail++;
        if (!same_edit)
            jxa_error("config reload failed, keeping the previous config: %s", err);
        s->failed_mtime = st.st_mtim;
        return;
    }
    struct jxa_engine *e = jxa_engine_new(n);
    if (e == NULL) {
        s->reload_fail++;
        jxa_config_free(n);
        return;
    }
    /* The HTTP settings are read once at start, as jmx_exporter does:
     * the reloaded config has none (jxa_config_reload), the running ones
     * move over. */
    n->http = cfg->http;
    memset(&cfg->http, 0, sizeof cfg->http);
    jxa_engine_free(s->engine);
    jxa_config_free(cfg);
    s->last_scrape_err[0] = '\0';
    s->cfg = cfg = n;
    s->engine = e;
    jxa_jmx_config_changed(s->jmx);
    apply_timeout(s, cfg);
    s->reload_ok++;
    jxa_info("config reloaded from %s (%zu rules)", cfg->path, cfg->nrules);
}

/* The agent's own families.  They are made before the walk, so a rule or
 * an MBean that produces one of these names cannot replace them (the rule
 * engine's samples for a native family's name are dropped, mset.h): the
 * health signals an operator alerts on must come from the agent.  The
 * stale gauge is added by http.c; reserving its name here is enough. */
static struct jxa_family *fam_duration, *fam_error, *fam_cached, *fam_reload_ok,
    *fam_reload_fail, *fam_build, *fam_ready, *fam_mbeans, *fam_match_errors, *fam_renders;

static void reserve_self(struct jxa_mset *m)
{
    fam_duration = jxa_mset_family(m, "jmx_scrape_duration_seconds", JXA_GAUGE,
                                   "Time this JMX scrape took, in seconds.", "seconds");
    fam_error = jxa_mset_family(m, "jmx_scrape_error", JXA_GAUGE,
                                "Non-zero if this scrape failed.", NULL);
    fam_cached = jxa_mset_family(m, "jmx_scrape_cached_beans", JXA_GAUGE,
                                 "Number of beans with their matching rule cached", NULL);
    fam_reload_ok = jxa_mset_family(m, "jmx_config_reload_success", JXA_COUNTER,
                                    "Number of times configuration have successfully been reloaded.",
                                    NULL);
    fam_reload_fail = jxa_mset_family(m, "jmx_config_reload_failure", JXA_COUNTER,
                                      "Number of times configuration have failed to be reloaded.",
                                      NULL);
    fam_build = jxa_mset_family(m, "jmx_exporter_build", JXA_INFO,
                                "JMX Exporter build information", NULL);
    fam_ready = jxa_mset_family(m, "jmxagent_jmx_ready", JXA_GAUGE,
                                "1 once the agent walks JMX; 0 while it waits (startDelaySeconds, "
                                "or a container that initialises JMX itself).", NULL);
    fam_mbeans = jxa_mset_family(m, "jmxagent_cached_mbeans", JXA_GAUGE,
                                 "MBeans whose name, MBeanInfo and attribute list the agent "
                                 "keeps between walks.", NULL);
    fam_match_errors = jxa_mset_family(m, "jmxagent_rule_match_errors", JXA_COUNTER,
                                       "Matches of the rule (its index in rules) that PCRE2 "
                                       "gave up on (match, heap or JIT stack limit), since "
                                       "the config was loaded; each was taken as a miss.",
                                       NULL);
    fam_renders = jxa_mset_family(m, "jmxagent_rendered_bodies", JXA_COUNTER,
                                  "Response bodies rendered, since the exporter started: one "
                                  "per walk, format and coding that a request asked for "
                                  "(requests served by the same walk share it), plus one per "
                                  "request with name[] or a stale result.", NULL);
    jxa_mset_family(m, JXA_STALE_FAMILY, JXA_GAUGE, NULL, NULL);
}

static void self_metrics(struct jxa_scraper *s, double duration, bool error, size_t cached,
                         bool ready)
{
    jxa_family_add(fam_duration, "", NULL, 0, duration, 0);
    jxa_family_add(fam_error, "", NULL, 0, error ? 1 : 0, 0);
    jxa_family_add(fam_cached, "", NULL, 0, (double)cached, 0);
    jxa_family_add(fam_reload_ok, "", NULL, 0, s->reload_ok, 0);
    jxa_family_add(fam_reload_fail, "", NULL, 0, s->reload_fail, 0);
    struct jxa_label bl[2] = {{"name", "libspark_jmxagent"}, {"version", JXA_VERSION}};
    jxa_family_add(fam_build, "", bl, 2, 1, JXA_SAMPLE_INT);
    jxa_family_add(fam_ready, "", NULL, 0, ready ? 1 : 0, 0);
    jxa_family_add(fam_mbeans, "", NULL, 0, (double)jxa_jmx_nbeans(s->jmx), 0);
    jxa_family_add(fam_renders, "", NULL, 0, (double)atomic_load(&s->renders),
                   JXA_SAMPLE_INT);
    /* A series per rule that failed at least once: a rule file has tens
     * of rules, a zero for each would be noise. */
    for (size_t i = 0; i < s->cfg->nrules; i++) {
        unsigned long n = jxa_engine_match_errors(s->engine, i);
        if (n == 0)
            continue;
        char idx[24];
        snprintf(idx, sizeof idx, "%zu", i);
        struct jxa_label l = {"rule", idx};
        jxa_family_add(fam_match_errors, "", &l, 1, (double)n, JXA_SAMPLE_INT);
    }
}

/* The native families (excludeJvmMetrics turns them all off, as it turns
 * off the jar's JvmMetrics and ProcessMetrics). */
static const struct {
    jxa_collector *collect;
    bool needs_jmx;         /* reads MXBeans: only once JMX is ready */
} collectors[] = {
    {jxa_jvm_collect, true},
    {jxa_process_collect, false},
    {jxa_gc_collect, false},
};

static struct jxa_result *scrape(struct jxa_scraper *s, JNIEnv *env)
{
    double t0 = jxa_now();
    maybe_reload(s);
    const struct jxa_config *cfg = s->cfg;
    struct jxa_result *r = calloc(1, sizeof *r);
    if (r == NULL || (r->m = jxa_mset_new()) == NULL) {
        free(r);
        return NULL;
    }
    atomic_init(&r->refs, 1);
    jxa_render_init(&r->render, &s->renders);
    reserve_self(r->m);
    bool error = false, ready = jxa_jmx_ready(s->jmx, env, cfg, t0 - s->t_start);
    size_t cached = 0;
    if (ready) {
        char err[512] = "";
        jxa_engine_begin(s->engine);
        if (jxa_jmx_scrape(s->jmx, env, cfg, s->engine, r->m, err, sizeof err) != 0) {
            error = true;
            /* jmx_exporter logs the exception on every scrape; once per
             * distinct error and config is enough for the log, the gauge
             * jmx_scrape_error says it on every scrape. */
            if (strcmp(err, s->last_scrape_err) != 0) {
                jxa_warn("JMX scrape failed: %s", err);
                snprintf(s->last_scrape_err, sizeof s->last_scrape_err, "%s", err);
            }
        }
        cached = jxa_engine_end(s->engine);
    }
    if (!cfg->exclude_jvm_metrics)
        for (size_t i = 0; i < sizeof collectors / sizeof collectors[0]; i++)
            if (ready || !collectors[i].needs_jmx)
                collectors[i].collect(env, r->m);
    self_metrics(s, jxa_now() - t0, error, cached, ready);
    size_t dropped = jxa_mset_finish(r->m);
    if (dropped > 0)
        jxa_debug("%zu duplicate samples dropped", dropped);
    r->finished = jxa_now();
    return r;
}

/* Under mu: the next exporter with a request no walk has served, taking
 * turns from the one after the last served, so one exporter's requests
 * cannot starve another's. */
static struct jxa_scraper *next_pending(void)
{
    for (size_t k = 0; k < nexporters; k++) {
        size_t i = (next_turn + k) % nexporters;
        if (exporters[i]->req_gen != exporters[i]->done_gen) {
            next_turn = (i + 1) % nexporters;
            return exporters[i];
        }
    }
    return NULL;
}

static void *scraper_main(void *arg)
{
    (void)arg;
    JNIEnv *env = NULL;
    JavaVMAttachArgs aa = {JNI_VERSION_10, "jmxagent-scraper", NULL};
    if ((*jvm)->AttachCurrentThreadAsDaemon(jvm, (void **)&env, &aa) != JNI_OK) {
        jxa_error("cannot attach the scraper thread to the JVM; exporter disabled");
        pthread_mutex_lock(&mu);
        stopping = true;
        pthread_cond_broadcast(&cond_done);
        pthread_mutex_unlock(&mu);
        return NULL;
    }
    pthread_setname_np(pthread_self(), "jmxagent-scrape");
    for (;;) {
        pthread_mutex_lock(&mu);
        /* Idle, wake up anyway for the file_sd upkeep: a target whose file
         * was removed gets no scrape that would bring it back (sd.h). */
        struct timespec idle = deadline(JXA_SD_CHECK_SECONDS);
        int rc = 0;
        struct jxa_scraper *s = NULL;
        while (!stopping && (s = next_pending()) == NULL && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&cond_req, &mu, &idle);
        if (stopping) {
            pthread_mutex_unlock(&mu);
            break;
        }
        if (s == NULL) {
            /* Idle: the interval of the newest walks is over by now. */
            for (size_t i = 0; i < nexporters; i++)
                drop_renderings(exporters[i], 0);
            pthread_mutex_unlock(&mu);
            jxa_sd_sweep_maybe();
            continue;
        }
        unsigned long target = s->req_gen;
        busy = s->busy = true;
        busy_since = s->walk_started = jxa_now();
        s->walk_target = target;
        pthread_mutex_unlock(&mu);

        struct jxa_result *r = scrape(s, env);

        pthread_mutex_lock(&mu);
        if (r != NULL) {
            struct jxa_result *old = s->latest;
            s->latest = r;
            jxa_result_release(old);
        }
        s->done_gen = target;
        busy = s->busy = false;
        pthread_cond_broadcast(&cond_done);
        pthread_mutex_unlock(&mu);
        /* After the answer went out: the scrape never waits for it. */
        jxa_sd_sweep_maybe();
    }
    /* Only reached at VMDeath (or attach failure): leave the VM cleanly. */
    pthread_mutex_lock(&mu);
    detached = true;
    pthread_cond_broadcast(&cond_done);
    pthread_mutex_unlock(&mu);
    (*jvm)->DetachCurrentThread(jvm);
    return NULL;
}

/* The first exporter starts the thread; later ones join its turns. */
static int start_thread(JavaVM *vm)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cond_done, &ca);
    pthread_cond_init(&cond_req, &ca);    /* the idle wait is on CLOCK_MONOTONIC too */
    pthread_condattr_destroy(&ca);
    jvm = vm;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, SCRAPER_STACK);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int rc = pthread_create(&t, &attr, scraper_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        jxa_error("cannot start the scraper thread: %s", strerror(rc));
        return -1;
    }
    return 0;
}

int jxa_scraper_start(struct jxa_scraper *s, JavaVM *vm, struct jxa_config *c)
{
    s->cfg = c;
    apply_timeout(s, c);
    s->engine = jxa_engine_new(c);
    s->jmx = jxa_jmx_new();
    if (s->engine == NULL || s->jmx == NULL)
        return -1;
    s->t_start = jxa_now();
    pthread_mutex_lock(&mu);
    int rc = 0;
    if (stopping || nexporters == JXA_MAX_EXPORTERS)
        rc = -1;
    else if (!started && (rc = start_thread(vm)) == 0)
        started = true;
    if (rc == 0) {
        exporters[nexporters++] = s;
        s->serving = true;
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

struct jxa_result *jxa_scraper_get(struct jxa_scraper *s, double *stale_s)
{
    *stale_s = 0;
    struct timespec until = deadline(s->timeout_s);
    pthread_mutex_lock(&mu);
    if (!s->serving || stopping) {
        pthread_mutex_unlock(&mu);
        return NULL;
    }
    /* Our extension, minScrapeIntervalSeconds: a request this soon after
     * the newest walk began shares that walk, finished or not, instead of
     * asking for another.  A flood of requests then costs one walk per
     * interval (every getter, and findDeadlockedThreads, a safepoint),
     * not one walk after the other. */
    unsigned long want;
    double iv = s->min_interval_s;
    if (iv > 0 && s->walk_target > 0 && jxa_now() - s->walk_started < iv) {
        want = s->walk_target;
    } else {
        want = ++s->req_gen;
        pthread_cond_signal(&cond_req);
    }
    int rc = 0;
    s->waiting++;
    /* A walk already overrunning the timeout (a getter that hangs) will not
     * be done in time for this request either: answer at once with the
     * last good result instead of making every scrape wait it out.  The
     * walk may be another exporter's: ours waits behind it (docs/design.md
     * §3). */
    if (busy && s->latest != NULL && jxa_now() - busy_since > s->timeout_s)
        rc = ETIMEDOUT;
    while (s->done_gen < want && !stopping && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&cond_done, &mu, &until);
    s->waiting--;
    struct jxa_result *r = s->latest;
    if (r != NULL) {
        atomic_fetch_add(&r->refs, 1);
        if (s->done_gen < want)
            *stale_s = jxa_now() - r->finished;
    }
    pthread_mutex_unlock(&mu);
    return r;
}

bool jxa_scraper_stop(int wait_ms)
{
    pthread_mutex_lock(&mu);
    if (!started) {
        stopping = true;
        pthread_mutex_unlock(&mu);
        return true;
    }
    stopping = true;
    pthread_cond_broadcast(&cond_req);
    pthread_cond_broadcast(&cond_done);
    struct timespec until = deadline(wait_ms / 1000.0);
    int rc = 0;
    while (!detached && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&cond_done, &mu, &until);
    bool idle = detached || !busy;
    pthread_mutex_unlock(&mu);
    return idle;
}
