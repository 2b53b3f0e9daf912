/* pusher.c - see pusher.h. */
#include "pusher.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "httpc.h"
#include "log.h"
#include "otlp.h"
#include "threadsig.h"

/* Encoding and the socket need little; 256 KiB leaves room for
 * getaddrinfo's resolver. */
#define PUSHER_STACK (256u << 10)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static bool running, stop_flag, exited;
static struct jxa_otel_config cfg;
static struct jxa_pusher_source source;
static atomic_ulong n_ok, n_failed;
static char target[512];        /* http://host:port/path, for the log */

unsigned long jxa_pusher_ok(void)
{
    return atomic_load(&n_ok);
}

unsigned long jxa_pusher_failed(void)
{
    return atomic_load(&n_failed);
}

static uint64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec mono_after(double s)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + s;
    struct timespec r = {(time_t)t, (long)((t - (double)(time_t)t) * 1e9)};
    return r;
}

/* One push.  Returns true on a 2xx answer; otherwise why in err. */
static bool push_once(uint64_t start_ns, struct jxa_buf *body, char *err, size_t errlen)
{
    void *h = NULL;
    const struct jxa_mset *m = source.acquire(&h);
    if (m == NULL) {
        snprintf(err, errlen, "no scrape to send yet");
        return false;
    }
    jxa_buf_reset(body);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = jxa_otlp_encode(m, &cfg, start_ns, wall_ns(), body);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    size_t n = jxa_mset_nsamples(m);
    source.release(h);
    jxa_debug("OpenTelemetry push: %zu samples, %zu bytes, encoded in %.2f ms", n, body->len,
              (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    if (rc != 0 || body->failed) {
        snprintf(err, errlen, "out of memory encoding the metrics");
        return false;
    }
    struct jxa_httpc_req req = {
        .host = cfg.host,
        .port = cfg.port,
        .path = cfg.path,
        .content_type = "application/x-protobuf",
        .headers = cfg.headers,
        .nheaders = cfg.nheaders,
        .body = body->data,
        .len = body->len,
        .timeout_ms = cfg.timeout_s > 2000000 ? 2000000000 : cfg.timeout_s * 1000,
    };
    int status = jxa_httpc_post(&req, err, errlen);
    if (status >= 200 && status < 300)
        return true;
    if (status > 0)
        snprintf(err, errlen, "the receiver answered HTTP %d", status);
    return false;
}

static void *pusher_main(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "jmxagent-otlp");
    uint64_t start_ns = wall_ns();
    struct jxa_buf body = {0};
    bool failing = false;
    pthread_mutex_lock(&mu);
    for (;;) {
        /* As the OpenTelemetry SDK's periodic reader: the first export one
         * interval after the start, then one per interval. */
        struct timespec until = mono_after(cfg.interval_s);
        int rc = 0;
        while (!stop_flag && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&cv, &mu, &until);
        if (stop_flag)
            break;
        pthread_mutex_unlock(&mu);
        char err[512] = "";
        if (push_once(start_ns, &body, err, sizeof err)) {
            atomic_fetch_add(&n_ok, 1);
            if (failing)
                jxa_info("OpenTelemetry push to %s works again", target);
            failing = false;
        } else {
            atomic_fetch_add(&n_failed, 1);
            /* One line per interval at most: this is the only attempt. */
            jxa_warn("OpenTelemetry push to %s failed: %s; next try in %d s", target, err,
                     cfg.interval_s);
            failing = true;
        }
        pthread_mutex_lock(&mu);
    }
    exited = true;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    jxa_buf_free(&body);
    return NULL;
}

int jxa_pusher_start(struct jxa_otel_config *o, const struct jxa_pusher_source *src)
{
    cfg = *o;
    memset(o, 0, sizeof *o);
    source = *src;
    bool v6 = strchr(cfg.host, ':') != NULL;
    snprintf(target, sizeof target, "http://%s%.200s%s:%s%.200s", v6 ? "[" : "", cfg.host,
             v6 ? "]" : "", cfg.port, cfg.path);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &ca);
    pthread_condattr_destroy(&ca);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, PUSHER_STACK);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    sigset_t set, old;
    jxa_threadsig_mask(&set);
    pthread_sigmask(SIG_SETMASK, &set, &old);
    pthread_t t;
    int rc = pthread_create(&t, &attr, pusher_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        jxa_error("cannot start the OpenTelemetry push thread: %s", strerror(rc));
        return -1;
    }
    pthread_mutex_lock(&mu);
    running = true;
    pthread_mutex_unlock(&mu);
    jxa_info("OpenTelemetry push to %s every %d s", target, cfg.interval_s);
    return 0;
}

bool jxa_pusher_stop(int wait_ms)
{
    pthread_mutex_lock(&mu);
    if (!running) {
        pthread_mutex_unlock(&mu);
        return true;
    }
    stop_flag = true;
    pthread_cond_broadcast(&cv);
    struct timespec until = mono_after(wait_ms / 1000.0);
    int rc = 0;
    while (!exited && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&cv, &mu, &until);
    bool done = exited;
    pthread_mutex_unlock(&mu);
    return done;
}
