/* test_otlp.c - the openTelemetry section (config_otel.c), the OTLP
 * encoding of a scrape (otlp.c), decoded back with the generated
 * protobuf-c code, and the HTTP client against a local socket (httpc.c).
 * Expected names, units and types: client_java's OpenTelemetry exporter
 * (docs/otlp.md). */
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "httpc.h"
#include "mset.h"
#include "otlp.h"
#include "pusher.h"

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

static struct jxa_config *load(const char *yaml, char *err, size_t errlen)
{
    struct jxa_config *c = NULL;
    if (jxa_config_load_string(yaml, strlen(yaml), "t.yaml", &c, err, errlen) != 0)
        return NULL;
    return c;
}

static const char *attr(const struct jxa_otel_config *o, const char *key)
{
    for (size_t i = 0; i < o->nattrs; i++)
        if (strcmp(o->attrs[i].key, key) == 0)
            return o->attrs[i].value;
    return NULL;
}

static void test_config_full(void)
{
    char err[512] = "";
    struct jxa_config *c = load("openTelemetry:\n"
                                "  endpoint: http://collector:1234/base\n"
                                "  protocol: http/protobuf\n"
                                "  interval: 5\n"
                                "  timeoutSeconds: 3\n"
                                "  headers:\n"
                                "    Authorization: Bearer x\n"
                                "  resourceAttributes:\n"
                                "    service.name: from-map\n"
                                "    team: a\n"
                                "  serviceName: svc\n"
                                "  serviceInstanceId: i-1\n",
                                err, sizeof err);
    CHECK(c != NULL);
    if (c == NULL) {
        FAILF("%s", err);
        return;
    }
    const struct jxa_otel_config *o = &c->otel;
    CHECK(o->enabled);
    CHECK_STR(o->host, "collector");
    CHECK_STR(o->port, "1234");
    CHECK_STR(o->path, "/base/v1/metrics");
    CHECK_INT(o->interval_s, 5);
    CHECK_INT(o->timeout_s, 3);
    CHECK_INT(o->nheaders, 1);
    CHECK_STR(o->headers[0].value, "Bearer x");
    CHECK_STR(attr(o, "service.name"), "svc");   /* serviceName wins */
    CHECK_STR(attr(o, "team"), "a");
    CHECK_STR(attr(o, "service.instance.id"), "i-1");
    jxa_config_free(c);
}

static void test_config_defaults_and_paths(void)
{
    static const struct {
        const char *endpoint, *host, *port, *path;
    } cases[] = {
        {NULL, "localhost", "4318", "/v1/metrics"},
        {"http://h", "h", "80", "/v1/metrics"},
        {"http://h:9/", "h", "9", "/v1/metrics"},
        {"http://h:9/v1/metrics", "h", "9", "/v1/metrics"},
        {"http://[::1]:4318", "::1", "4318", "/v1/metrics"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[256], err[512] = "";
        snprintf(yaml, sizeof yaml, "openTelemetry:\n  protocol: http/protobuf\n%s%s%s",
                 cases[i].endpoint ? "  endpoint: \"" : "",
                 cases[i].endpoint ? cases[i].endpoint : "", cases[i].endpoint ? "\"\n" : "");
        struct jxa_config *c = load(yaml, err, sizeof err);
        if (c == NULL) {
            FAILF("case %zu: %s", i, err);
            continue;
        }
        CHECK_STR(c->otel.host, cases[i].host);
        CHECK_STR(c->otel.port, cases[i].port);
        CHECK_STR(c->otel.path, cases[i].path);
        CHECK_INT(c->otel.interval_s, 60);
        CHECK_INT(c->otel.timeout_s, 10);
        jxa_config_free(c);
    }
    /* No section: nothing enabled. */
    char err[256];
    struct jxa_config *c = load("rules: []\n", err, sizeof err);
    CHECK(c != NULL && !c->otel.enabled);
    jxa_config_free(c);
}

static void test_config_errors(void)
{
    static const struct {
        const char *yaml, *err;
    } cases[] = {
        {"openTelemetry:\n  protocol: http/json\n",
         "t.yaml:2: openTelemetry.protocol: http/json is not supported"},
        {"openTelemetry:\n  protocol: http/protobuf\n  endpoint: ftp://x\n",
         "t.yaml:3: openTelemetry.endpoint: must be a URL"},
        {"openTelemetry:\n  protocol: http/protobuf\n  endpoint: http://x:99999\n",
         "t.yaml:3: openTelemetry.endpoint: the port"},
        {"openTelemetry:\n  protocol: http/protobuf\n  headers: [a]\n",
         "t.yaml:3: openTelemetry.headers: must be a map"},
        {"openTelemetry:\n  protocol: http/protobuf\n  serviceName: \" \"\n",
         "t.yaml:3: openTelemetry.serviceName: must not be blank"},
        {"openTelemetry:\n  protocol: http/protobuf\n  timeoutSeconds: -1\n",
         "t.yaml:3: openTelemetry.timeoutSeconds: must be an integer greater than 0"},
        {"openTelemetry:\n  protocol: http/protobuf\n  nope: 1\n",
         "t.yaml:3: openTelemetry.nope: unknown key"},
        {"openTelemetry: 5\n", "t.yaml:1: openTelemetry: must be a map"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512] = "";
        struct jxa_config *c = load(cases[i].yaml, err, sizeof err);
        CHECK(c == NULL);
        jxa_config_free(c);
        if (strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
            FAILF("case %zu: got\n    %s\n  expected a line starting\n    %s", i, err,
                  cases[i].err);
    }
}

static void test_env(void)
{
    char err[512] = "";
    struct jxa_config *c = load("openTelemetry:\n  protocol: http/protobuf\n"
                                "  serviceName: cfg\n  resourceAttributes:\n    team: a\n",
                                err, sizeof err);
    CHECK(c != NULL);
    if (c == NULL)
        return;
    CHECK_INT(jxa_otel_apply_env(&c->otel, " team = b%2Cc ,bad, =x,k8s.pod.name=p-1,%zz=1",
                                 "env-svc"), 0);
    CHECK_STR(attr(&c->otel, "team"), "b,c");
    CHECK_STR(attr(&c->otel, "k8s.pod.name"), "p-1");
    CHECK_STR(attr(&c->otel, "service.name"), "env-svc");
    CHECK_INT(c->otel.nattrs, 3);
    CHECK_INT(jxa_otel_apply_env(&c->otel, NULL, NULL), 0);
    jxa_config_free(c);
}

typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;

static const Metric *find(const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *r,
                          const char *name)
{
    const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = r->resource_metrics[0]->scope_metrics[0];
    for (size_t i = 0; i < sm->n_metrics; i++)
        if (strcmp(sm->metrics[i]->name, name) == 0)
            return sm->metrics[i];
    return NULL;
}

static void test_encode(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_label area = {"area", "heap"};
    jxa_family_add(jxa_mset_family(m, "jvm_memory_used_bytes", JXA_GAUGE, "Used bytes", "bytes"),
                   "", &area, 1, 42, 0);
    jxa_family_add(jxa_mset_family(m, "process_cpu_seconds", JXA_COUNTER, "CPU", "seconds"), "",
                   NULL, 0, 1.5, 0);
    struct jxa_label v = {"version", "1"};
    jxa_family_add(jxa_mset_family(m, "build", JXA_INFO, "Build", NULL), "", &v, 1, 1, 0);
    struct jxa_family *s = jxa_mset_family(m, "lat_seconds", JXA_SUMMARY, "Latency", "seconds");
    struct jxa_label q[2] = {{"op", "r"}, {"quantile", "0.5"}};
    jxa_family_add(s, "", q, 2, 0.25, 0);
    jxa_family_add(s, "_count", q, 1, 4, 0);
    jxa_family_add(s, "_sum", q, 1, 1.0, 0);
    struct jxa_family *h = jxa_mset_family(m, "pause_seconds", JXA_HISTOGRAM, "Pauses", "seconds");
    struct jxa_label le[3] = {{"le", "0.1"}, {"le", "1"}, {"le", "+Inf"}};
    jxa_family_add(h, "_bucket", &le[0], 1, 2, 0);
    jxa_family_add(h, "_bucket", &le[1], 1, 5, 0);
    jxa_family_add(h, "_bucket", &le[2], 1, 6, 0);
    jxa_family_add(h, "_count", NULL, 0, 6, 0);
    jxa_family_add(h, "_sum", NULL, 0, 2.5, 0);
    jxa_mset_add_jmx(m, "fixture_x", JXA_UNKNOWN, "x", NULL, 0, 7, "k");
    jxa_mset_finish(m);

    struct jxa_otel_config o = {.enabled = true};
    struct jxa_kv a = {"service.namespace", "ns"};
    o.attrs = &a;
    o.nattrs = 1;
    struct jxa_buf out = {0};
    CHECK_INT(jxa_otlp_encode(m, &o, 100, 200, &out), 0);
    Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *r =
        opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
            NULL, out.len, (const uint8_t *)out.data);
    CHECK(r != NULL);
    if (r == NULL)
        goto done;
    const Opentelemetry__Proto__Resource__V1__Resource *res = r->resource_metrics[0]->resource;
    CHECK_INT(res->n_attributes, 2);
    CHECK_STR(res->attributes[1]->key, "service.name");
    CHECK_STR(res->attributes[1]->value->string_value, "unknown_service:java");

    const Metric *g = find(r, "jvm_memory_used");
    CHECK(g != NULL && g->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE);
    if (g != NULL) {
        CHECK_STR(g->unit, "By");
        CHECK_STR(g->description, "Used bytes");
        CHECK_DBL(g->gauge->data_points[0]->as_double, 42);
        CHECK_STR(g->gauge->data_points[0]->attributes[0]->value->string_value, "heap");
        CHECK_INT(g->gauge->data_points[0]->time_unix_nano, 200);
    }
    const Metric *c = find(r, "process_cpu");
    CHECK(c != NULL && c->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM);
    if (c != NULL) {
        CHECK(c->sum->is_monotonic);
        CHECK_INT(c->sum->data_points[0]->start_time_unix_nano, 100);
        CHECK_DBL(c->sum->data_points[0]->as_double, 1.5);
    }
    const Metric *b = find(r, "build");
    CHECK(b != NULL && b->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM &&
          !b->sum->is_monotonic);
    const Metric *sm = find(r, "lat");
    CHECK(sm != NULL && sm->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY);
    if (sm != NULL) {
        CHECK_INT(sm->summary->n_data_points, 1);
        const Opentelemetry__Proto__Metrics__V1__SummaryDataPoint *p = sm->summary->data_points[0];
        CHECK_INT(p->count, 4);
        CHECK_DBL(p->sum, 1.0);
        CHECK_INT(p->n_attributes, 1);
        CHECK_INT(p->n_quantile_values, 1);
        CHECK_DBL(p->quantile_values[0]->quantile, 0.5);
        CHECK_DBL(p->quantile_values[0]->value, 0.25);
    }
    const Metric *hm = find(r, "pause");
    CHECK(hm != NULL && hm->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM);
    if (hm != NULL) {
        const Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *p = hm->histogram->data_points[0];
        CHECK_INT(p->n_explicit_bounds, 2);
        CHECK_INT(p->n_bucket_counts, 3);
        if (p->n_bucket_counts == 3) {
            CHECK_INT(p->bucket_counts[0], 2);   /* per bucket, not cumulative */
            CHECK_INT(p->bucket_counts[1], 3);
            CHECK_INT(p->bucket_counts[2], 1);
        }
        CHECK_INT(p->count, 6);
        CHECK_DBL(p->sum, 2.5);
    }
    CHECK(find(r, "fixture_x") != NULL);
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(r, NULL);
done:
    jxa_buf_free(&out);
    jxa_mset_free(m);
}

/* A one-shot server: reads the request, answers answer, closes. */
struct server {
    int fd;
    const char *answer;
    char got[4096];
};

static void *serve(void *arg)
{
    struct server *s = arg;
    int c = accept(s->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    size_t n = 0;
    while (n < sizeof s->got - 1) {
        ssize_t r = read(c, s->got + n, sizeof s->got - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        s->got[n] = '\0';
        char *body = strstr(s->got, "\r\n\r\n");
        if (body != NULL && strlen(body + 4) >= 5)
            break;
    }
    if (s->answer != NULL)
        (void)!write(c, s->answer, strlen(s->answer));
    else
        sleep(1);       /* never answers within the client's deadline */
    close(c);
    return NULL;
}

static int listen_local(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) < 0)
        return -1;
    *port = ntohs(a.sin_port);
    return fd;
}

static void test_httpc(void)
{
    static const char *const answers[] = {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                                          "HTTP/1.1 503 Busy\r\n\r\n", NULL};
    static const int want[] = {200, 503, -1};
    for (int i = 0; i < 3; i++) {
        struct server s = {.answer = answers[i]};
        int port;
        s.fd = listen_local(&port);
        CHECK(s.fd >= 0);
        pthread_t t;
        pthread_create(&t, NULL, serve, &s);
        char ports[8], err[256] = "";
        snprintf(ports, sizeof ports, "%d", port);
        struct jxa_kv hd = {"X-Key", "v"};
        struct jxa_httpc_req r = {"127.0.0.1", ports, "/v1/metrics", "application/x-protobuf",
                                  &hd, 1, "hello", 5, 300};
        CHECK_INT(jxa_httpc_post(&r, err, sizeof err), want[i]);
        if (i == 2)
            CHECK(strstr(err, "no answer from 127.0.0.1") != NULL);
        pthread_join(t, NULL);
        close(s.fd);
        CHECK(strstr(s.got, "POST /v1/metrics HTTP/1.1\r\n") == s.got);
        CHECK(strstr(s.got, "\r\nContent-Type: application/x-protobuf\r\n") != NULL);
        CHECK(strstr(s.got, "\r\nX-Key: v\r\n") != NULL);
        CHECK(strstr(s.got, "\r\n\r\nhello") != NULL);
    }
    /* Nothing listens: an error line, at once. */
    int port, fd = listen_local(&port);
    close(fd);
    char ports[8], err[256] = "";
    snprintf(ports, sizeof ports, "%d", port);
    struct jxa_httpc_req r = {"127.0.0.1", ports, "/", "x", NULL, 0, "", 0, 300};
    CHECK_INT(jxa_httpc_post(&r, err, sizeof err), -1);
    CHECK(strstr(err, "Connection refused") != NULL);
}

static const struct jxa_mset *one_set(void *ctx, void **handle)
{
    *handle = NULL;
    return ctx;
}

static void no_release(void *handle)
{
    (void)handle;
}

/* The thread end to end: one push per interval to a local receiver, the
 * counters, and a stop that frees everything (LSan in test-unit-san). */
static void test_pusher(void)
{
    struct jxa_mset *m = jxa_mset_new();
    jxa_family_add(jxa_mset_family(m, "g", JXA_GAUGE, "g", NULL), "", NULL, 0, 1, 0);
    jxa_mset_finish(m);
    struct server s = {.answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"};
    int port;
    s.fd = listen_local(&port);
    CHECK(s.fd >= 0);
    pthread_t t;
    pthread_create(&t, NULL, serve, &s);
    char yaml[200], err[512] = "";
    snprintf(yaml, sizeof yaml, "openTelemetry:\n  protocol: http/protobuf\n  interval: 1\n"
             "  endpoint: http://127.0.0.1:%d\n", port);
    struct jxa_config *c = load(yaml, err, sizeof err);
    CHECK(c != NULL);
    if (c == NULL)
        return;
    struct jxa_pusher_source src = {one_set, no_release, m};
    struct jxa_pusher *p = jxa_pusher_start(&c->otel, &src);
    CHECK(p != NULL);
    CHECK(!c->otel.enabled);    /* taken over */
    for (int i = 0; i < 100 && jxa_pusher_ok(p) == 0; i++)
        usleep(50000);
    CHECK_INT(jxa_pusher_ok(p), 1);
    CHECK_INT(jxa_pusher_failed(p), 0);
    CHECK(jxa_pusher_stop(p, 1000));
    pthread_join(t, NULL);
    close(s.fd);
    CHECK(strstr(s.got, "POST /v1/metrics HTTP/1.1\r\n") == s.got);
    jxa_config_free(c);
    jxa_mset_free(m);
}

SUITE(otlp)
{
    RUN(test_config_full);
    RUN(test_config_defaults_and_paths);
    RUN(test_config_errors);
    RUN(test_env);
    RUN(test_encode);
    RUN(test_httpc);
    RUN(test_pusher);
}
