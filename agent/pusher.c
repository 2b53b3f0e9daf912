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

struct jxa_pusher {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop_flag, exited;
    struct jxa_otel_config cfg;
    struct jxa_pusher_source source;
    atomic_ulong n_ok, n_failed;
    char target[512];           /* http://host:port/path, for the log */
};

unsigned long jxa_pusher_ok(const struct jxa_pusher *p)
{
    return p ? atomic_load(&p->n_ok) : 0;
}

unsigned long jxa_pusher_failed(const struct jxa_pusher *p)
{
    return p ? atomic_load(&p->n_failed) : 0;
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
static bool push_once(struct jxa_pusher *p, uint64_t start_ns, struct jxa_buf *body, char *err,
                      size_t errlen)
{
    void *h = NULL;
    const struct jxa_mset *m = p->source.acquire(p->source.ctx, &h);
    if (m == NULL) {
        snprintf(err, errlen, "no scrape to send yet");
        return false;
    }
    jxa_buf_reset(body);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = jxa_otlp_encode(m, &p->cfg, start_ns, wall_ns(), body);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    size_t n = jxa_mset_nsamples(m);
    p->source.release(h);
    jxa_debug("OpenTelemetry push: %zu samples, %zu bytes, encoded in %.2f ms", n, body->len,
              (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    if (rc != 0 || body->failed) {
        snprintf(err, errlen, "out of memory encoding the metrics");
        return false;
    }
    const struct jxa_otel_config *c = &p->cfg;
    struct jxa_httpc_req req = {
        .host = c->host,
        .port = c->port,
        .path = c->path,
        .content_type = "application/x-protobuf",
        .headers = c->headers,
        .nheaders = c->nheaders,
        .body = body->data,
        .len = body->len,
        .timeout_ms = c->timeout_s > 2000000 ? 2000000000 : c->timeout_s * 1000,
    };
    int status = jxa_httpc_post(&req, err, errlen);
    if (status >= 200 && status < 300)
        return true;
    if (status > 0)
        snprintf(err, errlen, "the receiver answered HTTP %d", status);
    return false;
}

static void free_pusher(struct jxa_pusher *p)
{
    jxa_otel_config_free(&p->cfg);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static void *pusher_main(void *arg)
{
    struct jxa_pusher *p = arg;
    pthread_setname_np(pthread_self(), "jmxagent-otlp");
    uint64_t start_ns = wall_ns();
    struct jxa_buf body = {0};
    bool failing = false;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        /* As the OpenTelemetry SDK's periodic reader: the first export one
         * interval after the start, then one per interval. */
        struct timespec until = mono_after(p->cfg.interval_s);
        int rc = 0;
        while (!p->stop_flag && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&p->cv, &p->mu, &until);
        if (p->stop_flag)
            break;
        pthread_mutex_unlock(&p->mu);
        char err[512] = "";
        if (push_once(p, start_ns, &body, err, sizeof err)) {
            atomic_fetch_add(&p->n_ok, 1);
            if (failing)
                jxa_info("OpenTelemetry push to %s works again", p->target);
            failing = false;
        } else {
            atomic_fetch_add(&p->n_failed, 1);
            /* One line per interval at most: this is the only attempt. */
            jxa_warn("OpenTelemetry push to %s failed: %s; next try in %d s", p->target, err,
                     p->cfg.interval_s);
            failing = true;
        }
        pthread_mutex_lock(&p->mu);
    }
    p->exited = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    jxa_buf_free(&body);
    return NULL;
}

struct jxa_pusher *jxa_pusher_start(struct jxa_otel_config *o,
                                    const struct jxa_pusher_source *src)
{
    struct jxa_pusher *p = calloc(1, sizeof *p);
    if (p == NULL) {
        jxa_error("cannot start the OpenTelemetry push: out of memory");
        jxa_otel_config_free(o);
        return NULL;
    }
    p->cfg = *o;
    memset(o, 0, sizeof *o);
    p->source = *src;
    bool v6 = strchr(p->cfg.host, ':') != NULL;
    snprintf(p->target, sizeof p->target, "http://%s%.200s%s:%s%.200s", v6 ? "[" : "",
             p->cfg.host, v6 ? "]" : "", p->cfg.port, p->cfg.path);
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, PUSHER_STACK);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    sigset_t set, old;
    jxa_threadsig_mask(&set);
    pthread_sigmask(SIG_SETMASK, &set, &old);
    pthread_t t;
    int rc = pthread_create(&t, &attr, pusher_main, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        jxa_error("cannot start the OpenTelemetry push thread: %s", strerror(rc));
        free_pusher(p);
        return NULL;
    }
    jxa_info("OpenTelemetry push to %s every %d s", p->target, p->cfg.interval_s);
    return p;
}

bool jxa_pusher_stop(struct jxa_pusher *p, int wait_ms)
{
    if (p == NULL)
        return true;
    pthread_mutex_lock(&p->mu);
    p->stop_flag = true;
    pthread_cond_broadcast(&p->cv);
    struct timespec until = mono_after(wait_ms / 1000.0);
    int rc = 0;
    while (!p->exited && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&p->cv, &p->mu, &until);
    bool done = p->exited;
    pthread_mutex_unlock(&p->mu);
    /* A thread still pushing keeps using p until the process exits. */
    if (done)
        free_pusher(p);
    return done;
}
