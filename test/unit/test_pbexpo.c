/* test_pbexpo.c - the protobuf exposition (pbexpo.c): known bytes for small
 * families, worked out by hand from the protobuf wire format (tag = field
 * number << 3 | wire type; doubles as 8 little-endian bytes; each message
 * preceded by its length as a varint), and the structure of summaries and
 * native histograms read back with protobuf-c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gc.h"
#include "io/prometheus/client/metrics.pb-c.h"
#include "mset.h"
#include "negotiate.h"
#include "pbexpo.h"

static void check_bytes(const struct jxa_buf *b, const unsigned char *want, size_t n,
                        const char *what)
{
    if (b->len == n && memcmp(b->data, want, n) == 0)
        return;
    char got[1024] = "";
    for (size_t i = 0; i < b->len && i < 300; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%02x ", (unsigned char)b->data[i]);
    FAILF("%s: %zu bytes, expected %zu: %s", what, b->len, n, got);
}

/* The varint length prefix at *at. */
static size_t read_len(const struct jxa_buf *b, size_t *at)
{
    size_t len = 0;
    for (int shift = 0; *at < b->len; shift += 7) {
        unsigned char c = (unsigned char)b->data[(*at)++];
        len |= (size_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            break;
    }
    return len;
}

static struct jxa_buf write_pb(struct jxa_mset *m, const char *const *names, size_t nnames,
                               double stale)
{
    struct jxa_buf out = {0};
    jxa_mset_finish(m);
    struct jxa_write_req req = {JXA_FMT_PROTOBUF, names, nnames, stale};
    CHECK_INT(jxa_pb_write(m, &req, &out), 0);
    return out;
}

static void test_gauge_bytes(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_label l = {"a", "b"};
    jxa_mset_add_jmx(m, "g", JXA_GAUGE, "h", &l, 1, 1.0, "k");
    struct jxa_buf out = write_pb(m, NULL, 0, 0);
    static const unsigned char want[] = {
        0x1d,                                   /* 29 bytes follow */
        0x0a, 0x01, 'g',                        /* name */
        0x12, 0x01, 'h',                        /* help */
        0x18, 0x01,                             /* type GAUGE */
        0x22, 0x13,                             /* metric, 19 bytes */
        0x0a, 0x06, 0x0a, 0x01, 'a', 0x12, 0x01, 'b',  /* label a="b" */
        0x12, 0x09, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, /* gauge 1.0 */
    };
    check_bytes(&out, want, sizeof want, "gauge");
    jxa_buf_free(&out);
    jxa_mset_free(m);
}

static void test_counter_untyped_bytes(void)
{
    struct jxa_mset *m = jxa_mset_new();
    jxa_mset_add_jmx(m, "c", JXA_COUNTER, NULL, NULL, 0, 2.0, "k");
    /* Mixed rule types: UNTYPED (as in text, where it is "untyped"). */
    struct jxa_label l1 = {"x", "1"}, l2 = {"x", "2"};
    jxa_mset_add_jmx(m, "u", JXA_GAUGE, NULL, &l1, 1, 0.0, "k1");
    jxa_mset_add_jmx(m, "u", JXA_COUNTER, NULL, &l2, 1, -0.5, "k2");
    struct jxa_buf out = write_pb(m, NULL, 0, 0);
    static const unsigned char want[] = {
        0x18, 0x0a, 0x07, 'c', '_', 't', 'o', 't', 'a', 'l',   /* counters: _total */
        0x18, 0x00,                             /* type COUNTER (0, sent) */
        0x22, 0x0b, 0x1a, 0x09, 0x09, 0, 0, 0, 0, 0, 0, 0, 0x40,       /* counter 2.0 */
        0x2f, 0x0a, 0x01, 'u', 0x18, 0x03,      /* "u", UNTYPED */
        0x22, 0x13, 0x0a, 0x06, 0x0a, 0x01, 'x', 0x12, 0x01, '1',
        0x2a, 0x09, 0x09, 0, 0, 0, 0, 0, 0, 0, 0,                       /* untyped 0.0, sent */
        0x22, 0x13, 0x0a, 0x06, 0x0a, 0x01, 'x', 0x12, 0x01, '2',
        0x2a, 0x09, 0x09, 0, 0, 0, 0, 0, 0, 0xe0, 0xbf,                 /* untyped -0.5 */
    };
    check_bytes(&out, want, sizeof want, "counter+untyped");
    jxa_buf_free(&out);
    jxa_mset_free(m);
}

static void test_summary_bytes(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_family *f = jxa_mset_family(m, "s", JXA_SUMMARY, NULL, NULL);
    struct jxa_label q = {"quantile", "0.5"};
    /* Added out of order: the writer follows the sorted data point. */
    jxa_family_add(f, "_sum", NULL, 0, 1.5, 0);
    jxa_family_add(f, "", &q, 1, 0.25, 0);
    jxa_family_add(f, "_count", NULL, 0, 3, JXA_SAMPLE_INT);
    struct jxa_buf out = write_pb(m, NULL, 0, 0);
    static const unsigned char want[] = {
        0x28, 0x0a, 0x01, 's', 0x18, 0x02,      /* "s", SUMMARY */
        0x22, 0x21, 0x22, 0x1f,                 /* metric { summary { */
        0x08, 0x03,                             /* sample_count 3 */
        0x11, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f,     /* sample_sum 1.5 */
        0x1a, 0x12, 0x09, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f,   /* quantile 0.5 */
        0x11, 0, 0, 0, 0, 0, 0, 0xd0, 0x3f,     /* value 0.25 */
    };
    check_bytes(&out, want, sizeof want, "summary");
    jxa_buf_free(&out);
    jxa_mset_free(m);
}

static void test_info_filter_stale(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_family *f = jxa_mset_family(m, "i", JXA_INFO, NULL, NULL);
    struct jxa_label v = {"v", "1"};
    jxa_family_add(f, "", &v, 1, 1, JXA_SAMPLE_INT);
    jxa_mset_family(m, "empty", JXA_GAUGE, "no samples", NULL);
    jxa_mset_add_jmx(m, "zz", JXA_GAUGE, NULL, NULL, 0, 1, "k");
    const char *names[] = {"i_info", "jmxagent_scrape_stale_seconds"};
    struct jxa_buf out = write_pb(m, names, 2, 2.0);
    Io__Prometheus__Client__MetricFamily *fam[4] = {0};
    size_t n = 0, at = 0;
    while (at < out.len && n < 4) {
        size_t len = read_len(&out, &at);
        fam[n++] = io__prometheus__client__metric_family__unpack(
            NULL, len, (const uint8_t *)out.data + at);
        at += len;
    }
    CHECK_INT(n, 2);                            /* "empty" and "zz" are not there */
    CHECK(fam[0] && fam[1]);
    if (fam[0] && fam[1]) {
        CHECK_STR(fam[0]->name, "i_info");
        CHECK_INT(fam[0]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE);
        CHECK(fam[0]->n_metric == 1 && fam[0]->metric[0]->gauge &&
              fam[0]->metric[0]->gauge->value == 1);
        CHECK_STR(fam[1]->name, JXA_STALE_FAMILY);
        CHECK(fam[1]->n_metric == 1 && fam[1]->metric[0]->gauge->value == 2.0);
        CHECK(fam[0]->help == NULL);
    }
    for (size_t i = 0; i < n; i++)
        io__prometheus__client__metric_family__free_unpacked(fam[i], NULL);
    jxa_buf_free(&out);
    jxa_mset_free(m);
}

/* Classic buckets and native spans: gaps of 1-2 buckets are filled with
 * zero-count buckets, a larger gap starts a span. */
static void test_native_histogram(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_family *f = jxa_mset_family(m, "h", JXA_HISTOGRAM, "H", NULL);
    struct jxa_label le1 = {"le", "1"}, inf = {"le", "+Inf"};
    jxa_family_add(f, "_bucket", &inf, 1, 6, JXA_SAMPLE_INT);
    jxa_family_add(f, "_bucket", &le1, 1, 4, JXA_SAMPLE_INT);
    jxa_family_add(f, "_count", NULL, 0, 6, JXA_SAMPLE_INT);
    jxa_family_add(f, "_sum", NULL, 0, 7.5, 0);
    int idx[] = {-2, 0, 1, 9};
    unsigned long long cnt[] = {1, 2, 1, 1};
    struct jxa_native_hist nh = {3, 0x1p-20, 1, idx, cnt, 4};
    CHECK_INT(jxa_family_add_native(f, NULL, 0, &nh), 0);
    struct jxa_buf out = write_pb(m, NULL, 0, 0);
    size_t skip = 0;
    size_t len = read_len(&out, &skip);
    CHECK_INT(out.len, skip + len);
    Io__Prometheus__Client__MetricFamily *fam = io__prometheus__client__metric_family__unpack(
        NULL, len, (const uint8_t *)out.data + skip);
    CHECK(fam != NULL);
    if (fam) {
        CHECK_INT(fam->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM);
        CHECK_STR(fam->name, "h");
        CHECK_INT(fam->n_metric, 1);
        Io__Prometheus__Client__Histogram *h = fam->metric[0]->histogram;
        CHECK(h != NULL);
        CHECK_INT(h->sample_count, 6);
        CHECK_DBL(h->sample_sum, 7.5);
        CHECK_INT(h->n_bucket, 2);
        CHECK_DBL(h->bucket[0]->upper_bound, 1);
        CHECK_INT(h->bucket[0]->cumulative_count, 4);
        CHECK(isinf(h->bucket[1]->upper_bound));
        CHECK_INT(h->bucket[1]->cumulative_count, 6);
        CHECK(h->has_schema && h->schema == 3);
        CHECK(h->has_zero_threshold && h->zero_threshold == 0x1p-20);
        CHECK(h->has_zero_count && h->zero_count == 1);
        /* -2, (-1 empty), 0, 1 in one span; 9 after a gap of 7. */
        CHECK_INT(h->n_positive_span, 2);
        CHECK_INT(h->positive_span[0]->offset, -2);
        CHECK_INT(h->positive_span[0]->length, 4);
        CHECK_INT(h->positive_span[1]->offset, 7);
        CHECK_INT(h->positive_span[1]->length, 1);
        int64_t want[] = {1, -1, 2, -1, 0};
        CHECK_INT(h->n_positive_delta, 5);
        for (size_t i = 0; i < 5 && i < h->n_positive_delta; i++)
            CHECK_INT(h->positive_delta[i], want[i]);
        io__prometheus__client__metric_family__free_unpacked(fam, NULL);
    }
    jxa_buf_free(&out);
    /* The text formats keep the classic buckets only. */
    jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_TEXT, NULL, 0, 0}, &out);
    CHECK(strstr(jxa_buf_str(&out), "h_bucket{le=\"1\"} 4\n") != NULL);
    jxa_buf_free(&out);
    jxa_mset_free(m);
}

static void test_gc_native_index(void)
{
    CHECK_INT(jxa_gc_native_index(1.0), 0);             /* (2^-1/8, 1] */
    CHECK_INT(jxa_gc_native_index(1.05), 1);            /* (1, 2^1/8 = 1.0905] */
    CHECK_INT(jxa_gc_native_index(1.0905), 1);
    CHECK_INT(jxa_gc_native_index(1.091), 2);
    CHECK_INT(jxa_gc_native_index(2.0), 8);
    CHECK_INT(jxa_gc_native_index(0.5), -8);
    CHECK_INT(jxa_gc_native_index(0.001), -79);         /* ceil(8 log2 0.001) */
    CHECK_INT(jxa_gc_native_index(10), 27);             /* ceil(8 log2 10 = 26.58) */
}

static void test_format(void)
{
    CHECK_INT(jxa_negotiate_format(NULL), JXA_FMT_TEXT);
    CHECK_INT(jxa_negotiate_format("*/*"), JXA_FMT_TEXT);
    CHECK_INT(jxa_negotiate_format("text/plain;version=0.0.4"), JXA_FMT_TEXT);
    CHECK_INT(jxa_negotiate_format("application/openmetrics-text; version=1.0.0"),
              JXA_FMT_OPENMETRICS);
    /* Prometheus 2.42 with --enable-feature=native-histograms */
    CHECK_INT(jxa_negotiate_format(
                  "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                  "encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1"),
              JXA_FMT_PROTOBUF);
    /* The jar picks protobuf whatever the weights and whatever else is listed. */
    CHECK_INT(jxa_negotiate_format(
                  "application/openmetrics-text;version=1.0.0,application/vnd.google.protobuf;"
                  "proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.1"),
              JXA_FMT_PROTOBUF);
    /* Both substrings are needed. */
    CHECK_INT(jxa_negotiate_format("application/vnd.google.protobuf"), JXA_FMT_TEXT);
    CHECK_INT(jxa_negotiate_format("application/vnd.google.protobuf;proto=other,"
                                   "application/openmetrics-text"),
              JXA_FMT_OPENMETRICS);
}

SUITE(pbexpo)
{
    RUN(test_gauge_bytes);
    RUN(test_counter_untyped_bytes);
    RUN(test_summary_bytes);
    RUN(test_info_filter_stale);
    RUN(test_native_histogram);
    RUN(test_gc_native_index);
    RUN(test_format);
}
