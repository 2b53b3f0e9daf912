/* test_gc.c - the GC pause histogram as the scraper renders it. */
#include <string.h>
#include <time.h>

#include "check.h"
#include "gc.h"
#include "mset.h"


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

SUITE(gc)
{
    RUN(test_histogram_text);
}
