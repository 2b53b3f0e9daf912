/* gc.c - see gc.h. */
#include "gc.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* Upper bounds in seconds; pauses of Spark executors range from tenths of
 * a millisecond (young G1) to tens of seconds (full GC of a big heap). */
static const double bounds[] = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05,
                                0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBOUNDS (sizeof bounds / sizeof *bounds)

static _Atomic uint64_t bucket[NBOUNDS + 1];   /* last: above every bound */
static _Atomic uint64_t pauses, sum_ns;
static atomic_bool enabled;
/* Pauses are serialised on the VM thread; depth guards a collector that
 * escalates (young -> full) inside one safepoint, and a Finish without
 * Start when the agent attached mid-pause. */
static uint64_t start_ns;
static int depth;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void jxa_gc_enable(void)
{
    atomic_store(&enabled, true);
}

void jxa_gc_start(void)
{
    if (depth++ == 0)
        start_ns = now_ns();
}

void jxa_gc_finish(void)
{
    if (depth <= 0) {
        depth = 0;
        return;
    }
    if (--depth != 0)
        return;
    uint64_t d = now_ns() - start_ns;
    double s = (double)d / 1e9;
    size_t i = 0;
    while (i < NBOUNDS && s > bounds[i])
        i++;
    atomic_fetch_add_explicit(&bucket[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_ns, d, memory_order_relaxed);
    atomic_fetch_add_explicit(&pauses, 1, memory_order_relaxed);
}

int jxa_gc_collect(JNIEnv *env, struct jxa_mset *m)
{
    (void)env;
    if (!atomic_load(&enabled))
        return 0;
    struct jxa_family *f = jxa_mset_family(
        m, "jvm_gc_pause_seconds", JXA_HISTOGRAM,
        "Stop-the-world GC pauses (JVMTI GarbageCollectionStart/Finish; time to "
        "safepoint not included).", "seconds");
    /* Read the buckets first and derive the count from them, so that a pause
     * finishing meanwhile cannot make _count disagree with +Inf. */
    uint64_t cum = 0;
    char le[32];
    for (size_t i = 0; i <= NBOUNDS; i++) {
        cum += atomic_load_explicit(&bucket[i], memory_order_relaxed);
        if (i < NBOUNDS)
            snprintf(le, sizeof le, "%g", bounds[i]);
        else
            snprintf(le, sizeof le, "+Inf");
        struct jxa_label l = {"le", le};
        jxa_family_add(f, "_bucket", &l, 1, (double)cum, JXA_SAMPLE_INT);
    }
    jxa_family_add(f, "_count", NULL, 0, (double)cum, JXA_SAMPLE_INT);
    jxa_family_add(f, "_sum", NULL, 0,
                   (double)atomic_load_explicit(&sum_ns, memory_order_relaxed) / 1e9, 0);
    return 0;
}
