/* pbexpo.c - see pbexpo.h.
 *
 * The mapping is client_java's PrometheusProtobufWriter, the writer inside
 * jmx_prometheus_javaagent 1.0.1 (docs/semantics.md "Protobuf exposition"):
 * one MetricFamily per family with samples; counters are named with
 * _total and info metrics with _info (type GAUGE, value 1); a family of
 * mixed rule types is UNTYPED; a summary or histogram data point is one
 * Metric whose quantiles or buckets come from the samples that share its
 * labels.  Every field the jar sets is set here even when it is zero
 * (proto2 has presence: a zero value is sent), help only when there is
 * one, no timestamps (the jar sets none).
 *
 * The messages of one family are built in a pool (bump allocation in
 * blocks, freed once per call), packed with protobuf-c, and the pool is
 * rewound for the next family. */
#include "pbexpo.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/prometheus/client/metrics.pb-c.h"
#include "javafmt.h"

typedef Io__Prometheus__Client__MetricFamily PbFamily;
typedef Io__Prometheus__Client__Metric PbMetric;
typedef Io__Prometheus__Client__LabelPair PbLabel;
typedef Io__Prometheus__Client__Gauge PbGauge;
typedef Io__Prometheus__Client__Counter PbCounter;
typedef Io__Prometheus__Client__Untyped PbUntyped;
typedef Io__Prometheus__Client__Summary PbSummary;
typedef Io__Prometheus__Client__Quantile PbQuantile;
typedef Io__Prometheus__Client__Histogram PbHistogram;
typedef Io__Prometheus__Client__Bucket PbBucket;
typedef Io__Prometheus__Client__BucketSpan PbSpan;

/* ---- pool --------------------------------------------------------------- */

#define BLOCK 65536

struct blk {
    struct blk *next;
    size_t used, size;
    max_align_t data[];
};

struct pool {
    struct blk *head;           /* the block being filled; older ones follow */
    bool failed;
};

static void *palloc(struct pool *p, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!p->head || p->head->size - p->head->used < n) {
        size_t size = n > BLOCK ? n : BLOCK;
        struct blk *b = malloc(sizeof *b + size);
        if (!b) {
            p->failed = true;
            return NULL;
        }
        b->next = p->head;
        b->used = 0;
        b->size = size;
        p->head = b;
    }
    void *r = (char *)p->head->data + p->head->used;
    p->head->used += n;
    return memset(r, 0, n);
}

/* Keeps the newest block for the next family, frees the others. */
static void prewind(struct pool *p)
{
    if (!p->head)
        return;
    struct blk *b = p->head->next;
    while (b) {
        struct blk *n = b->next;
        free(b);
        b = n;
    }
    p->head->next = NULL;
    p->head->used = 0;
}

static void pfree(struct pool *p)
{
    prewind(p);
    free(p->head);
    p->head = NULL;
}

/* ---- output ------------------------------------------------------------- */

static void put_varint(struct jxa_buf *out, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            tmp[n] |= 0x80;
        n++;
    } while (v);
    jxa_buf_put(out, tmp, n);
}

/* writeDelimitedTo: the message's size as a varint, then the message,
 * packed straight into the reserved room (protobuf-c's pack_to_buffer
 * calls back for every field, twice as slow on a large result). */
static void put_family(struct jxa_buf *out, const PbFamily *fam)
{
    size_t n = io__prometheus__client__metric_family__get_packed_size(fam);
    put_varint(out, n);
    if (jxa_buf_reserve(out, n) != 0)
        return;
    size_t w = io__prometheus__client__metric_family__pack(fam, (uint8_t *)out->data + out->len);
    out->len += w;
    out->data[out->len] = '\0';
}

/* ---- building ----------------------------------------------------------- */

/* The label whose value tells the samples of one data point apart. */
static const char *point_label(enum jxa_mtype t)
{
    return t == JXA_SUMMARY ? "quantile" : t == JXA_HISTOGRAM ? "le" : NULL;
}

/* Labels of sample k, without skip (NULL: all), as LabelPairs. */
static bool set_labels(struct pool *p, PbMetric *pm, const struct jxa_family *f, size_t k,
                       size_t nlabels, const char *skip)
{
    if (nlabels == 0)
        return true;
    pm->label = palloc(p, nlabels * sizeof *pm->label);
    PbLabel *lp = palloc(p, nlabels * sizeof *lp);
    if (!pm->label || !lp)
        return false;
    for (size_t i = 0; i < nlabels; i++) {
        struct jxa_label l = jxa_sample_label(f, k, i);
        if (skip && strcmp(l.name, skip) == 0)
            continue;
        io__prometheus__client__label_pair__init(&lp[pm->n_label]);
        /* protobuf-c's fields are char *; packing only reads them. */
        lp[pm->n_label].name = (char *)l.name;
        lp[pm->n_label].value = (char *)l.value;
        pm->label[pm->n_label] = &lp[pm->n_label];
        pm->n_label++;
    }
    return true;
}

/* Do samples a and b (same family) belong to one data point: equal labels
 * apart from the point label? */
static bool same_point(const struct jxa_family *f, size_t a, size_t na, size_t b, size_t nb,
                       const char *pl)
{
    size_t i = 0, j = 0;
    for (;;) {
        struct jxa_label x = {0}, y = {0};
        while (i < na && strcmp((x = jxa_sample_label(f, a, i)).name, pl) == 0)
            i++;
        while (j < nb && strcmp((y = jxa_sample_label(f, b, j)).name, pl) == 0)
            j++;
        if (i >= na || j >= nb)
            return i >= na && j >= nb;
        if (strcmp(x.name, y.name) != 0 || strcmp(x.value, y.value) != 0)
            return false;
        i++;
        j++;
    }
}

static const char *label_value(const struct jxa_family *f, size_t k, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        struct jxa_label l = jxa_sample_label(f, k, i);
        if (strcmp(l.name, name) == 0)
            return l.value;
    }
    return NULL;
}

/* A count sample's value as protobuf's uint64.  The agent's own counts are
 * whole and non-negative; anything else is clamped, not converted (a
 * double outside uint64's range has no defined conversion in C). */
static uint64_t to_count(double v)
{
    if (!(v > 0))
        return 0;                       /* also NaN */
    if (v >= 18446744073709551616.0)    /* 2^64 */
        return UINT64_MAX;
    return (uint64_t)v;
}

static double parse_bound(const char *s)
{
    double d = NAN;
    if (s && strcmp(s, "+Inf") == 0)
        return INFINITY;
    if (s)
        jxa_java_parse_double(s, &d);
    return d;
}

/* Native buckets as spans and deltas, the way client_java's writer lays
 * them out: a gap of one or two empty buckets continues the span with
 * zero-count buckets, a larger gap starts a new span whose offset is the
 * gap. */
static bool set_native(struct pool *p, PbHistogram *h, const struct jxa_native_hist *nh)
{
    h->has_schema = 1;
    h->schema = nh->schema;
    h->has_zero_threshold = 1;
    h->zero_threshold = nh->zero_threshold;
    h->has_zero_count = 1;
    h->zero_count = nh->zero_count;
    if (nh->n == 0)
        return true;
    /* At most 3 entries per bucket (2 fillers + itself), one span per bucket. */
    h->positive_delta = palloc(p, 3 * nh->n * sizeof *h->positive_delta);
    h->positive_span = palloc(p, nh->n * sizeof *h->positive_span);
    PbSpan *sp = palloc(p, nh->n * sizeof *sp);
    if (!h->positive_delta || !h->positive_span || !sp)
        return false;
    size_t ns = 0;
    io__prometheus__client__bucket_span__init(&sp[0]);
    sp[0].has_offset = sp[0].has_length = 1;
    sp[0].offset = nh->index[0];
    sp[0].length = 0;
    int64_t prev_index = nh->index[0];
    int64_t prev_count = 0;
    for (size_t i = 0; i < nh->n; i++) {
        int64_t idx = nh->index[i];
        if (idx > prev_index + 1) {
            if (idx <= prev_index + 3) {
                while (idx > prev_index + 1) {
                    sp[ns].length++;
                    prev_index++;
                    h->positive_delta[h->n_positive_delta++] = -prev_count;
                    prev_count = 0;
                }
            } else {
                h->positive_span[h->n_positive_span++] = &sp[ns++];
                io__prometheus__client__bucket_span__init(&sp[ns]);
                sp[ns].has_offset = sp[ns].has_length = 1;
                sp[ns].offset = (int32_t)(idx - (prev_index + 1));
                sp[ns].length = 0;
            }
        }
        sp[ns].length++;
        prev_index = idx;
        h->positive_delta[h->n_positive_delta++] = (int64_t)nh->count[i] - prev_count;
        prev_count = (int64_t)nh->count[i];
    }
    h->positive_span[h->n_positive_span++] = &sp[ns];
    return true;
}

/* A summary or histogram data point from samples [k0, k1): quantiles or
 * buckets, _count, _sum. */
static bool point_metric(struct pool *p, PbMetric *pm, const struct jxa_family *f,
                         enum jxa_mtype type, size_t k0, size_t k1)
{
    struct jxa_sample_view v;
    const char *pl = point_label(type);
    jxa_family_sample(f, k0, &v);
    if (!set_labels(p, pm, f, k0, v.nlabels, pl))
        return false;
    size_t n = k1 - k0;
    if (type == JXA_SUMMARY) {
        PbSummary *s = palloc(p, sizeof *s);
        PbQuantile *q = palloc(p, n * sizeof *q);
        if (!s || !q)
            return false;
        io__prometheus__client__summary__init(s);
        if (!(s->quantile = palloc(p, n * sizeof *s->quantile)))
            return false;
        for (size_t k = k0; k < k1; k++) {
            if (!jxa_family_sample(f, k, &v))
                continue;
            if (strcmp(v.suffix, "_count") == 0) {
                s->has_sample_count = 1;
                s->sample_count = to_count(v.value);
            } else if (strcmp(v.suffix, "_sum") == 0) {
                s->has_sample_sum = 1;
                s->sample_sum = v.value;
            } else {
                PbQuantile *e = &q[s->n_quantile];
                io__prometheus__client__quantile__init(e);
                e->has_quantile = e->has_value = 1;
                e->quantile = parse_bound(label_value(f, k, v.nlabels, "quantile"));
                e->value = v.value;
                s->quantile[s->n_quantile++] = e;
            }
        }
        pm->summary = s;
        return true;
    }
    PbHistogram *h = palloc(p, sizeof *h);
    PbBucket *b = palloc(p, n * sizeof *b);
    if (!h || !b)
        return false;
    io__prometheus__client__histogram__init(h);
    struct jxa_native_hist nh;
    if (jxa_family_native(f, k0, &nh) && !set_native(p, h, &nh))
        return false;
    if (!(h->bucket = palloc(p, n * sizeof *h->bucket)))
        return false;
    for (size_t k = k0; k < k1; k++) {
        if (!jxa_family_sample(f, k, &v))
            continue;
        if (strcmp(v.suffix, "_count") == 0) {
            h->has_sample_count = 1;
            h->sample_count = to_count(v.value);
        } else if (strcmp(v.suffix, "_sum") == 0) {
            h->has_sample_sum = 1;
            h->sample_sum = v.value;
        } else {
            PbBucket *e = &b[h->n_bucket];
            io__prometheus__client__bucket__init(e);
            e->has_cumulative_count = e->has_upper_bound = 1;
            e->cumulative_count = to_count(v.value);
            e->upper_bound = parse_bound(label_value(f, k, v.nlabels, "le"));
            h->bucket[h->n_bucket++] = e;
        }
    }
    pm->histogram = h;
    return true;
}

/* One sample as a Metric of a counter, gauge, info or untyped family. */
static bool value_metric(struct pool *p, PbMetric *pm, const struct jxa_family *f,
                         enum jxa_mtype type, size_t k, const struct jxa_sample_view *v)
{
    if (!set_labels(p, pm, f, k, v->nlabels, NULL))
        return false;
    switch (type) {
    case JXA_COUNTER: {
        PbCounter *c = palloc(p, sizeof *c);
        if (!c)
            return false;
        io__prometheus__client__counter__init(c);
        c->has_value = 1;
        c->value = v->value;
        pm->counter = c;
        break;
    }
    case JXA_GAUGE:
    case JXA_INFO: {
        PbGauge *g = palloc(p, sizeof *g);
        if (!g)
            return false;
        io__prometheus__client__gauge__init(g);
        g->has_value = 1;
        g->value = type == JXA_INFO ? 1 : v->value;
        pm->gauge = g;
        break;
    }
    default: {
        PbUntyped *u = palloc(p, sizeof *u);
        if (!u)
            return false;
        io__prometheus__client__untyped__init(u);
        u->has_value = 1;
        u->value = v->value;
        pm->untyped = u;
        break;
    }
    }
    return true;
}

static Io__Prometheus__Client__MetricType pb_type(enum jxa_mtype t)
{
    switch (t) {
    case JXA_COUNTER: return IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER;
    case JXA_GAUGE:
    case JXA_INFO: return IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE;
    case JXA_SUMMARY: return IO__PROMETHEUS__CLIENT__METRIC_TYPE__SUMMARY;
    case JXA_HISTOGRAM: return IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM;
    default: return IO__PROMETHEUS__CLIENT__METRIC_TYPE__UNTYPED;
    }
}

/* The family's MetricFamily, appended to out; nothing for a family whose
 * samples are all dropped. */
static bool write_family(struct pool *p, const struct jxa_family *f, struct jxa_buf *out)
{
    size_t ns = jxa_family_nsamples(f);
    enum jxa_mtype type = jxa_family_wtype(f);
    const char *pl = jxa_family_native_collector(f) ? point_label(type) : NULL;
    PbFamily fam;
    io__prometheus__client__metric_family__init(&fam);
    if (!(fam.metric = palloc(p, (ns ? ns : 1) * sizeof *fam.metric)))
        return false;
    PbMetric *pms = palloc(p, (ns ? ns : 1) * sizeof *pms);
    if (!pms)
        return false;
    struct jxa_sample_view v;
    for (size_t k = 0; k < ns;) {
        if (!jxa_family_sample(f, k, &v)) {
            k++;
            continue;
        }
        PbMetric *pm = &pms[fam.n_metric];
        io__prometheus__client__metric__init(pm);
        if (pl) {
            /* Sorted by labels without the point label, then suffix: a
             * data point's samples are consecutive. */
            size_t end = k + 1;
            struct jxa_sample_view w;
            while (end < ns) {
                jxa_family_sample(f, end, &w);
                if (!same_point(f, k, v.nlabels, end, w.nlabels, pl))
                    break;
                end++;
            }
            if (!point_metric(p, pm, f, type, k, end))
                return false;
            k = end;
        } else {
            if (!value_metric(p, pm, f, type, k, &v))
                return false;
            k++;
        }
        fam.metric[fam.n_metric++] = pm;
    }
    if (fam.n_metric == 0)
        return true;
    const char *name = jxa_family_name(f);
    const char *suffix = type == JXA_COUNTER ? "_total" : type == JXA_INFO ? "_info" : "";
    size_t nl = strlen(name), sl = strlen(suffix);
    char *full = palloc(p, nl + sl + 1);
    if (!full)
        return false;
    memcpy(full, name, nl);
    memcpy(full + nl, suffix, sl + 1);
    fam.name = full;
    fam.help = (char *)jxa_family_help(f);
    fam.has_type = 1;
    fam.type = pb_type(type);
    put_family(out, &fam);
    return true;
}

/* jmxagent_scrape_stale_seconds, in its sorted place (see mset.c). */
static void write_stale(double stale_s, struct jxa_buf *out)
{
    PbGauge g;
    io__prometheus__client__gauge__init(&g);
    g.has_value = 1;
    g.value = stale_s;
    PbMetric pm;
    io__prometheus__client__metric__init(&pm);
    pm.gauge = &g;
    PbMetric *pms[1] = {&pm};
    PbFamily fam;
    io__prometheus__client__metric_family__init(&fam);
    fam.name = (char *)JXA_STALE_FAMILY;
    fam.help = (char *)JXA_STALE_HELP;
    fam.has_type = 1;
    fam.type = IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE;
    fam.n_metric = 1;
    fam.metric = pms;
    put_family(out, &fam);
}

int jxa_pb_write(const struct jxa_mset *m, const struct jxa_write_req *req,
                 struct jxa_buf *out)
{
    struct pool p = {0};
    bool stale = req->stale_s > 0 && jxa_write_selects(req, JXA_STALE_FAMILY);
    bool ok = true;
    size_t nf = jxa_mset_nfamilies(m);
    for (size_t i = 0; ok && i < nf; i++) {
        const struct jxa_family *f = jxa_mset_sorted(m, i);
        const char *name = jxa_family_name(f);
        if (stale && strcmp(JXA_STALE_FAMILY, name) <= 0) {
            write_stale(req->stale_s, out);
            stale = false;
        }
        if (!jxa_write_selects(req, name))
            continue;
        ok = write_family(&p, f, out);
        prewind(&p);
    }
    if (stale)
        write_stale(req->stale_s, out);
    pfree(&p);
    return ok && !p.failed && !out->failed ? 0 : -1;
}
