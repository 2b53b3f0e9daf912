/* expo_bench - the cost of writing one published result in each format:
 * jxa_mset_write (text 0.0.4, OpenMetrics) against jxa_pb_write
 * (protobuf, agent/pbexpo.c), on a result shaped like a Spark executor's
 * (rule gauges and counters with a few labels, plus a summary and the GC
 * histogram with its native buckets).  Prints bytes and microseconds per
 * write; nothing is asserted (speed lives in bench/, not in tests).
 *
 *   make build/bench/expo_bench && build/bench/expo_bench [families] [samples] [rounds]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mset.h"
#include "pbexpo.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int nf = argc > 1 ? atoi(argv[1]) : 400, ns = argc > 2 ? atoi(argv[2]) : 8;
    int rounds = argc > 3 ? atoi(argv[3]) : 200;
    struct jxa_mset *m = jxa_mset_new();
    char name[64], v1[32], v2[32];
    for (int f = 0; f < nf; f++) {
        snprintf(name, sizeof name, "spark_executor_metric_%d", f);
        for (int s = 0; s < ns; s++) {
            snprintf(v1, sizeof v1, "app-2026%04d", s);
            snprintf(v2, sizeof v2, "%d", s);
            struct jxa_label l[] = {{"app_id", v1}, {"executor_id", v2}, {"role", "executor"}};
            jxa_mset_add_jmx(m, name, f % 3 ? JXA_GAUGE : JXA_COUNTER, "Spark executor metric",
                             l, 3, f * 1000.5 + s, name);
        }
    }
    struct jxa_family *sum = jxa_mset_family(m, "jvm_gc_collection_seconds", JXA_SUMMARY, "GC", NULL);
    jxa_family_add(sum, "_count", NULL, 0, 42, JXA_SAMPLE_INT);
    jxa_family_add(sum, "_sum", NULL, 0, 1.25, 0);
    struct jxa_family *h = jxa_mset_family(m, "jvm_gc_pause_seconds", JXA_HISTOGRAM, "pauses", NULL);
    static const char *const le[] = {"0.001", "0.01", "0.1", "1", "+Inf"};
    for (int i = 0; i < 5; i++) {
        struct jxa_label l = {"le", le[i]};
        jxa_family_add(h, "_bucket", &l, 1, 10 * (i + 1), JXA_SAMPLE_INT);
    }
    jxa_family_add(h, "_count", NULL, 0, 50, JXA_SAMPLE_INT);
    jxa_family_add(h, "_sum", NULL, 0, 3.5, 0);
    int idx[40];
    unsigned long long cnt[40];
    for (int i = 0; i < 40; i++) {
        idx[i] = -80 + i * (i % 3 ? 1 : 4);
        cnt[i] = (unsigned long long)(i % 7 + 1);
    }
    for (int i = 1; i < 40; i++)
        if (idx[i] <= idx[i - 1])
            idx[i] = idx[i - 1] + 1;
    struct jxa_native_hist nh = {3, 0x1p-20, 0, idx, cnt, 40};
    jxa_family_add_native(h, NULL, 0, &nh);
    jxa_mset_finish(m);
    static const char *const fmts[] = {"text 0.0.4", "OpenMetrics", "protobuf"};
    for (int k = 0; k < 3; k++) {
        struct jxa_write_req req = {(enum jxa_format)k, NULL, 0, 0};
        struct jxa_buf out = {0};
        double t0 = now();
        for (int r = 0; r < rounds; r++) {
            jxa_buf_reset(&out);
            if ((k == 2 ? jxa_pb_write(m, &req, &out) : jxa_mset_write(m, &req, &out)) != 0)
                return 1;
        }
        double us = (now() - t0) / rounds * 1e6;
        printf("%-12s %8zu bytes  %8.1f us per write  (%zu samples)\n", fmts[k], out.len, us,
               jxa_mset_nsamples(m));
        jxa_buf_free(&out);
    }
    jxa_mset_free(m);
    return 0;
}
