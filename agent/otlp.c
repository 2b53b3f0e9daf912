/* otlp.c - see otlp.h.  The messages are protobuf-c's, generated at build
 * time from the opentelemetry-proto package's .proto files (docs/otlp.md:
 * where they come from, and the one edit protoc-c 1.4 needs).  Every
 * object of one request lives in one arena, freed at once after packing:
 * a scrape of a few thousand samples is tens of thousands of small
 * messages. */
#include "otlp.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;
typedef Opentelemetry__Proto__Metrics__V1__Gauge Gauge;
typedef Opentelemetry__Proto__Metrics__V1__Sum Sum;
typedef Opentelemetry__Proto__Metrics__V1__Summary Summary;
typedef Opentelemetry__Proto__Metrics__V1__Histogram Histogram;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint NumberPoint;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint SummaryPoint;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint__ValueAtQuantile Quantile;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint HistogramPoint;

/* --- arena --------------------------------------------------------- */

struct block {
    struct block *next;
    size_t used, cap;
    max_align_t data[];
};

struct arena {
    struct block *head;
    bool oom;
};

static void *alloc(struct arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    struct block *b = a->head;
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > 60000 ? n : 60000;
        b = malloc(sizeof *b + cap);
        if (b == NULL) {
            a->oom = true;
            return NULL;
        }
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

static void arena_free(struct arena *a)
{
    while (a->head != NULL) {
        struct block *n = a->head->next;
        free(a->head);
        a->head = n;
    }
}

/* A growable array of pointers in the arena (the old storage is left
 * behind: doubling keeps that under the final size). */
struct vec {
    void **p;
    size_t n, cap;
};

static int push(struct arena *a, struct vec *v, void *x)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void **np = alloc(a, cap * sizeof *np);
        if (np == NULL)
            return -1;
        if (v->n)
            memcpy(np, v->p, v->n * sizeof *np);
        v->p = np;
        v->cap = cap;
    }
    v->p[v->n++] = x;
    return 0;
}

/* --- mapping ------------------------------------------------------- */

/* client_java's PrometheusMetricData.convertUnit: Prometheus unit words to
 * UCUM; anything else as it is. */
static const char *ucum(const char *unit)
{
    static const char *const map[][2] = {
        {"days", "d"}, {"hours", "h"}, {"minutes", "min"}, {"seconds", "s"},
        {"milliseconds", "ms"}, {"microseconds", "us"}, {"nanoseconds", "ns"},
        {"bytes", "By"}, {"kibibytes", "KiBy"}, {"mebibytes", "MiBy"}, {"gibibytes", "GiBy"},
        {"tibibytes", "TiBy"}, {"kilobytes", "KBy"}, {"megabytes", "MBy"},
        {"gigabytes", "GBy"}, {"terabytes", "TBy"}, {"meters", "m"}, {"volts", "V"},
        {"amperes", "A"}, {"joules", "J"}, {"watts", "W"}, {"grams", "g"},
        {"celsius", "Cel"}, {"hertz", "Hz"}, {"percent", "%"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(unit, map[i][0]) == 0)
            return map[i][1];
    return unit;
}

struct enc {
    struct arena a;
    const struct jxa_otel_config *cfg;
    uint64_t start_ns, now_ns;
    struct vec metrics;
    Metric *metric;             /* the family being filled */
    enum jxa_mtype type;
    struct vec points;          /* of the current metric */
    /* summary / histogram: the point being assembled and its labels */
    void *group;
    const struct jxa_label *glabels;
    size_t nglabels;
    struct vec qv;              /* quantiles, or bucket bounds (double *) */
    struct vec bc;              /* cumulative bucket counts (double *) */
};

static char *S(const char *s)
{
    /* protobuf-c's message fields are char *; it only reads them. */
    return (char *)(uintptr_t)s;
}

static void *alloc_copy(struct arena *a, const void *init, size_t n)
{
    void *p = alloc(a, n);
    if (p != NULL)
        memcpy(p, init, n);
    return p;
}

/* A protobuf-c message of type T in the arena, set to its __INIT value
 * (variadic: the value is a braced list once expanded); NULL when out of
 * memory. */
#define NEW(e, T, ...) ((T *)alloc_copy(&(e)->a, &(T)__VA_ARGS__, sizeof(T)))

static KeyValue *kv(struct enc *e, const char *k, const char *v)
{
    KeyValue *x = NEW(e, KeyValue, OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT);
    AnyValue *y = NEW(e, AnyValue, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT);
    if (x == NULL || y == NULL)
        return NULL;
    x->key = S(k);
    y->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
    y->string_value = S(v);
    x->value = y;
    return x;
}

/* Labels as attributes, without skip (a summary's quantile, a histogram's
 * le). */
static int attrs(struct enc *e, const struct jxa_label *l, size_t n, const char *skip,
                 KeyValue ***out, size_t *nout)
{
    struct vec v = {0};
    for (size_t i = 0; i < n; i++) {
        if (skip != NULL && strcmp(l[i].name, skip) == 0)
            continue;
        KeyValue *x = kv(e, l[i].name, l[i].value);
        if (x == NULL || push(&e->a, &v, x) < 0)
            return -1;
    }
    *out = (KeyValue **)v.p;
    *nout = v.n;
    return 0;
}

static const char *point_label(enum jxa_mtype t)
{
    return t == JXA_SUMMARY ? "quantile" : t == JXA_HISTOGRAM ? "le" : NULL;
}

static bool same_group(const struct enc *e, const struct jxa_label *l, size_t n)
{
    const char *skip = point_label(e->type);
    size_t i = 0, j = 0;
    for (;;) {
        while (i < e->nglabels && strcmp(e->glabels[i].name, skip) == 0)
            i++;
        while (j < n && strcmp(l[j].name, skip) == 0)
            j++;
        if (i == e->nglabels || j == n)
            return i == e->nglabels && j == n;
        if (strcmp(e->glabels[i].name, l[j].name) != 0 ||
            strcmp(e->glabels[i].value, l[j].value) != 0)
            return false;
        i++, j++;
    }
}

static bool parse_double(const char *s, double *out)
{
    if (strcmp(s, "+Inf") == 0 || strcmp(s, "Inf") == 0) {
        *out = (double)INFINITY;
        return true;
    }
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0';
}

/* Closes the summary or histogram point being assembled. */
static int end_group(struct enc *e)
{
    if (e->group == NULL)
        return 0;
    if (e->type == JXA_SUMMARY) {
        SummaryPoint *p = e->group;
        p->quantile_values = (Quantile **)e->qv.p;
        p->n_quantile_values = e->qv.n;
    } else {
        HistogramPoint *p = e->group;
        /* /metrics shows cumulative counts per le, +Inf last; OTLP wants
         * the finite bounds and each bucket's own count. */
        size_t nb = e->qv.n;
        double *bounds = nb ? alloc(&e->a, nb * sizeof *bounds) : NULL;
        uint64_t *counts = alloc(&e->a, (nb + 1) * sizeof *counts);
        if ((nb && bounds == NULL) || counts == NULL)
            return -1;
        size_t nf = 0;
        double prev = 0;
        for (size_t i = 0; i < nb; i++) {
            double le = *(double *)e->qv.p[i], c = *(double *)e->bc.p[i];
            double own = c - prev;
            prev = c;
            if (isinf(le)) {
                counts[nf] += own > 0 ? (uint64_t)own : 0;
                continue;
            }
            bounds[nf] = le;
            counts[nf++] = own > 0 ? (uint64_t)own : 0;
        }
        p->explicit_bounds = bounds;
        p->n_explicit_bounds = nf;
        p->bucket_counts = counts;
        p->n_bucket_counts = nf + 1;
    }
    e->group = NULL;
    e->qv = (struct vec){0};
    e->bc = (struct vec){0};
    return 0;
}

static int end_metric(struct enc *e)
{
    if (e->metric == NULL)
        return 0;
    if (end_group(e) < 0)
        return -1;
    Metric *m = e->metric;
    switch (m->data_case) {
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
        m->gauge->data_points = (NumberPoint **)e->points.p;
        m->gauge->n_data_points = e->points.n;
        break;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
        m->sum->data_points = (NumberPoint **)e->points.p;
        m->sum->n_data_points = e->points.n;
        break;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY:
        m->summary->data_points = (SummaryPoint **)e->points.p;
        m->summary->n_data_points = e->points.n;
        break;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
        m->histogram->data_points = (HistogramPoint **)e->points.p;
        m->histogram->n_data_points = e->points.n;
        break;
    default:
        break;
    }
    e->metric = NULL;
    e->points = (struct vec){0};
    return push(&e->a, &e->metrics, m);
}

/* client_java's getNameWithoutUnit: the unit suffix and the '_' before it
 * go, unless preserveNames. */
static char *metric_name(struct enc *e, const char *name, const char *unit)
{
    size_t n = strlen(name);
    if (!e->cfg->preserve_names && unit != NULL) {
        size_t u = strlen(unit);
        if (u > 0 && n >= u && strcmp(name + n - u, unit) == 0)
            n -= u;
        while (n > 0 && name[n - 1] == '_')
            n--;
    }
    char *s = alloc(&e->a, n + 1);
    if (s != NULL)
        memcpy(s, name, n);
    return s;
}

static int on_family(void *ctx, const char *name, enum jxa_mtype type, const char *help,
                     const char *unit)
{
    struct enc *e = ctx;
    if (end_metric(e) < 0)
        return -1;
    Metric *m = NEW(e, Metric, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__INIT);
    if (m == NULL || (m->name = metric_name(e, name, unit)) == NULL)
        return -1;
    if (help != NULL)
        m->description = S(help);
    if (unit != NULL)
        m->unit = S(ucum(unit));
    e->type = type;
    const Opentelemetry__Proto__Metrics__V1__AggregationTemporality cumulative =
        OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
    switch (type) {
    case JXA_COUNTER:
    case JXA_INFO:
        m->sum = NEW(e, Sum, OPENTELEMETRY__PROTO__METRICS__V1__SUM__INIT);
        if (m->sum == NULL)
            return -1;
        m->sum->aggregation_temporality = cumulative;
        m->sum->is_monotonic = type == JXA_COUNTER;
        m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
        break;
    case JXA_SUMMARY:
        m->summary = NEW(e, Summary, OPENTELEMETRY__PROTO__METRICS__V1__SUMMARY__INIT);
        if (m->summary == NULL)
            return -1;
        m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY;
        break;
    case JXA_HISTOGRAM:
        m->histogram = NEW(e, Histogram, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM__INIT);
        if (m->histogram == NULL)
            return -1;
        m->histogram->aggregation_temporality = cumulative;
        m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
        break;
    default:        /* gauge, unknown */
        m->gauge = NEW(e, Gauge, OPENTELEMETRY__PROTO__METRICS__V1__GAUGE__INIT);
        if (m->gauge == NULL)
            return -1;
        m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
        break;
    }
    e->metric = m;
    return 0;
}

static int new_group(struct enc *e, const struct jxa_label *l, size_t n)
{
    if (end_group(e) < 0)
        return -1;
    /* The visitor reuses its label array; the strings themselves live in
     * the metric set, which outlives the encoding. */
    struct jxa_label *copy = n ? alloc(&e->a, n * sizeof *copy) : NULL;
    if (n && copy == NULL)
        return -1;
    if (n)
        memcpy(copy, l, n * sizeof *copy);
    e->glabels = copy;
    e->nglabels = n;
    const char *skip = point_label(e->type);
    /* The two point types share the fields set here, by name only. */
#define NEW_POINT(T, ...)                                                      \
    do {                                                                       \
        T *p = NEW(e, T, __VA_ARGS__);                                         \
        if (p == NULL)                                                         \
            return -1;                                                         \
        p->start_time_unix_nano = e->start_ns;                                 \
        p->time_unix_nano = e->now_ns;                                         \
        if (attrs(e, l, n, skip, &p->attributes, &p->n_attributes) < 0)        \
            return -1;                                                         \
        e->group = p;                                                          \
    } while (0)
    if (e->type == JXA_SUMMARY)
        NEW_POINT(SummaryPoint, OPENTELEMETRY__PROTO__METRICS__V1__SUMMARY_DATA_POINT__INIT);
    else
        NEW_POINT(HistogramPoint, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__INIT);
#undef NEW_POINT
    return push(&e->a, &e->points, e->group);
}

static const char *label_value(const struct jxa_label *l, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i].name, name) == 0)
            return l[i].value;
    return NULL;
}

static int on_sample(void *ctx, const char *suffix, const struct jxa_label *l, size_t n,
                     double value, int flags)
{
    (void)flags;
    struct enc *e = ctx;
    if (e->type != JXA_SUMMARY && e->type != JXA_HISTOGRAM) {
        NumberPoint *p = NEW(e, NumberPoint,
                             OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__INIT);
        if (p == NULL)
            return -1;
        p->start_time_unix_nano = e->start_ns;
        p->time_unix_nano = e->now_ns;
        /* client_java's points are all doubles. */
        p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
        p->as_double = value;
        if (attrs(e, l, n, NULL, &p->attributes, &p->n_attributes) < 0)
            return -1;
        return push(&e->a, &e->points, p);
    }
    if (e->group == NULL || !same_group(e, l, n))
        if (new_group(e, l, n) < 0)
            return -1;
    const char *pl = point_label(e->type);
    const char *pv = label_value(l, n, pl);
    if (strcmp(suffix, "_count") == 0 || strcmp(suffix, "_sum") == 0) {
        SummaryPoint *sp = e->group;
        HistogramPoint *hp = e->group;
        bool summary = e->type == JXA_SUMMARY;
        if (suffix[1] == 'c')
            *(summary ? &sp->count : &hp->count) = value > 0 ? (uint64_t)value : 0;
        else
            *(summary ? &sp->sum : &hp->sum) = value;
        return 0;
    }
    double q;
    if (pv == NULL || !parse_double(pv, &q))
        return 0;       /* not a point of this type: nothing to map it to */
    if (e->type == JXA_SUMMARY) {
        Quantile *x = NEW(e, Quantile,
                          OPENTELEMETRY__PROTO__METRICS__V1__SUMMARY_DATA_POINT__VALUE_AT_QUANTILE__INIT);
        if (x == NULL)
            return -1;
        x->quantile = q;
        x->value = value;
        return push(&e->a, &e->qv, x);
    }
    double *b = alloc(&e->a, 2 * sizeof *b);
    if (b == NULL)
        return -1;
    b[0] = q;
    b[1] = value;
    return push(&e->a, &e->qv, &b[0]) < 0 || push(&e->a, &e->bc, &b[1]) < 0 ? -1 : 0;
}

/* --- the request --------------------------------------------------- */

/* The OpenTelemetry SDK's default resource names the service
 * "unknown_service:java" when nothing else does. */
#define DEFAULT_SERVICE "unknown_service:java"

int jxa_otlp_encode(const struct jxa_mset *m, const struct jxa_otel_config *o,
                    uint64_t start_ns, uint64_t now_ns, struct jxa_buf *out)
{
    struct enc e = {.cfg = o, .start_ns = start_ns, .now_ns = now_ns};
    static const struct jxa_mset_visitor vis = {on_family, on_sample};
    int rc = jxa_mset_visit(m, &vis, &e);
    if (rc == 0)
        rc = end_metric(&e);

    Opentelemetry__Proto__Resource__V1__Resource res =
        OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
    struct vec ra = {0};
    bool named = false;
    for (size_t i = 0; rc == 0 && i < o->nattrs; i++) {
        KeyValue *x = kv(&e, o->attrs[i].key, o->attrs[i].value);
        named |= strcmp(o->attrs[i].key, "service.name") == 0;
        if (x == NULL || push(&e.a, &ra, x) < 0)
            rc = -1;
    }
    if (rc == 0 && !named) {
        KeyValue *x = kv(&e, "service.name", DEFAULT_SERVICE);
        if (x == NULL || push(&e.a, &ra, x) < 0)
            rc = -1;
    }
    res.attributes = (KeyValue **)ra.p;
    res.n_attributes = ra.n;

    Opentelemetry__Proto__Common__V1__InstrumentationScope scope =
        OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
    scope.name = S("libspark_jmxagent");
    scope.version = S(JXA_VERSION);
    Opentelemetry__Proto__Metrics__V1__ScopeMetrics sm =
        OPENTELEMETRY__PROTO__METRICS__V1__SCOPE_METRICS__INIT;
    sm.scope = &scope;
    sm.metrics = (Metric **)e.metrics.p;
    sm.n_metrics = e.metrics.n;
    Opentelemetry__Proto__Metrics__V1__ScopeMetrics *smp = &sm;
    Opentelemetry__Proto__Metrics__V1__ResourceMetrics rm =
        OPENTELEMETRY__PROTO__METRICS__V1__RESOURCE_METRICS__INIT;
    rm.resource = &res;
    rm.scope_metrics = &smp;
    rm.n_scope_metrics = 1;
    Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rmp = &rm;
    Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest req =
        OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_REQUEST__INIT;
    req.resource_metrics = &rmp;
    req.n_resource_metrics = 1;

    if (rc == 0 && !e.a.oom) {
        /* One size pass and one pack into contiguous memory: packing
         * through a ProtobufCBuffer makes a call per field. */
        size_t n = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__get_packed_size(&req);
        if (jxa_buf_reserve(out, n) < 0) {
            rc = -1;
        } else {
            opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__pack(
                &req, (uint8_t *)out->data + out->len);
            out->len += n;
        }
    }
    bool oom = e.a.oom;
    arena_free(&e.a);
    return rc != 0 || oom || out->failed ? -1 : 0;
}
