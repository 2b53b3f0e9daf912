/* test_gc.c - the GC pause histogram as the scraper renders it. */
#include <string.h>
#include <time.h>

#include "check.h"
#include "gc.h"
#include "io/prometheus/client/metrics.pb-c.h"
#include "mset.h"
#include "pbexpo.h"


static void pause_for(long ns)
{
    jxa_gc_start();
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
    jxa_gc_finish();
}

static void test_histogram_text(void)
{
    struct jxa_mset *m = jxa_mset_new();
    jxa_gc_collect(NULL, m);                      /* not enabled: nothing */
    jxa_mset_finish(m);
    struct jxa_buf out = {0};
    jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_TEXT, NULL, 0, 0}, &out);
    CHECK(strstr(jxa_buf_str(&out), "jvm_gc_pause_seconds") == NULL);
    jxa_mset_free(m);
    jxa_buf_reset(&out);

    jxa_gc_enable();
    jxa_gc_finish();                        /* Finish without Start: ignored */
    pause_for(2000000);                     /* 2 ms */
    jxa_gc_start();                         /* nested: one pause */
    pause_for(1000000);
    jxa_gc_finish();
    m = jxa_mset_new();
    jxa_gc_collect(NULL, m);
    jxa_mset_finish(m);
    jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_TEXT, NULL, 0, 0}, &out);
    const char *t = jxa_buf_str(&out);
    CHECK(strstr(t, "# TYPE jvm_gc_pause_seconds histogram\n") != NULL);
    CHECK(strstr(t, "jvm_gc_pause_seconds_bucket{le=\"0.001\"} 0\n") != NULL);
    CHECK(strstr(t, "jvm_gc_pause_seconds_bucket{le=\"+Inf\"} 2\n") != NULL);
    CHECK(strstr(t, "jvm_gc_pause_seconds_count 2\n") != NULL);
    /* buckets ascend, then _count, then _sum */
    const char *b1 = strstr(t, "le=\"0.0001\""), *b2 = strstr(t, "le=\"10\""),
               *inf = strstr(t, "le=\"+Inf\""), *cnt = strstr(t, "_count"), *sum = strstr(t, "_sum");
    CHECK(b1 && b2 && inf && cnt && sum && b1 < b2 && b2 < inf && inf < cnt && cnt < sum);
    jxa_buf_free(&out);
    jxa_mset_free(m);
}

/* The same pauses as native buckets in the protobuf exposition: every
 * pause in a bucket at or above its own duration's, the counts adding up
 * to the classic count (test_histogram_text ran first: two pauses). */
static void test_histogram_native(void)
{
    pause_for(3000000);                     /* 3 ms: the third pause */
    struct jxa_mset *m = jxa_mset_new();
    jxa_gc_collect(NULL, m);
    jxa_mset_finish(m);
    struct jxa_buf out = {0};
    CHECK_INT(jxa_pb_write(m, &(struct jxa_write_req){JXA_FMT_PROTOBUF, NULL, 0, 0}, &out), 0);
    size_t at = 0, len = 0;
    for (int shift = 0; at < out.len; shift += 7) {
        unsigned char c = (unsigned char)out.data[at++];
        len |= (size_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            break;
    }
    Io__Prometheus__Client__MetricFamily *f = io__prometheus__client__metric_family__unpack(
        NULL, len, (const uint8_t *)out.data + at);
    CHECK(f != NULL && f->n_metric == 1 && f->metric[0]->histogram != NULL);
    if (f && f->n_metric == 1 && f->metric[0]->histogram) {
        const Io__Prometheus__Client__Histogram *h = f->metric[0]->histogram;
        CHECK_STR(f->name, "jvm_gc_pause_seconds");
        CHECK_INT(h->sample_count, 3);
        CHECK_INT(h->n_bucket, 15);                     /* classic buckets kept */
        CHECK(h->has_schema && h->schema == JXA_GC_SCHEMA);
        CHECK(h->has_zero_count && h->zero_count == 0);
        int64_t total = 0, count = 0, idx = 0;
        size_t k = 0;
        for (size_t i = 0; i < h->n_positive_span; i++) {
            idx = i == 0 ? h->positive_span[i]->offset : idx + h->positive_span[i]->offset;
            for (uint32_t j = 0; j < h->positive_span[i]->length; j++, idx++) {
                count += h->positive_delta[k++];
                total += count;
                if (count > 0)      /* nanosleep sleeps at least that long */
                    CHECK(idx >= jxa_gc_native_index(0.001));
            }
        }
        CHECK_INT(k, h->n_positive_delta);
        CHECK_INT(total, 3);
    }
    io__prometheus__client__metric_family__free_unpacked(f, NULL);
    jxa_buf_free(&out);
    jxa_mset_free(m);
}

SUITE(gc)
{
    RUN(test_histogram_text);
    RUN(test_histogram_native);
}
