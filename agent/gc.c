/* gc.c - see gc.h. */
#include "gc.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Upper bounds in seconds; pauses of Spark executors range from tenths of
 * a millisecond (young G1) to tens of seconds (full GC of a big heap). */
static const double bounds[] = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05,
                                0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBOUNDS (sizeof bounds / sizeof *bounds)

static _Atomic uint64_t bucket[NBOUNDS + 1];   /* last: above every bound */
static _Atomic uint64_t pauses, sum_ns;

/* The same pauses as a native histogram (docs/semantics.md "Protobuf
 * exposition"): schema 3, eight buckets per power of two (each bound 9 %
 * above the previous one), from 2^-20 s (about 1 us; shorter pauses are
 * the zero bucket) to 2^12 s (longer ones are counted in the last
 * bucket).  256 counters, fixed, so that the safepoint only adds. */
#define NATIVE_MIN (-159)       /* (2^-20, 2^(-159/8)] */
#define NATIVE_MAX 96           /* (2^(95/8), 2^12] */
#define NATIVE_N (NATIVE_MAX - NATIVE_MIN + 1)
#define ZERO_THRESHOLD 0x1p-20
static _Atomic uint64_t native[NATIVE_N], zero_pauses;
/* begun/done around each pause's updates: a reader that sees done equal
 * to begun after reading saw no update half-made. */
static _Atomic uint64_t begun, done;
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

/* v = m * 2^e with m in [0.5, 1), for a normal positive v: frexp() from
 * the IEEE 754 bits, because the aarch64 build calls libm's frexp and the
 * agent would then need libm.so.6 (README, Build: glibc's libc and
 * libpthread only). */
static double split(double v, int *e)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    *e = (int)((b >> 52) & 0x7ff) - 1022;
    b = (b & ~(UINT64_C(0x7ff) << 52)) | (UINT64_C(1022) << 52);
    memcpy(&v, &b, sizeof v);
    return v;
}

int jxa_gc_native_index(double seconds)
{
    /* seconds = y * 2^(e-1), y in [1, 2); the bucket is (e-1)*8 + the
     * smallest k with y <= 2^(k/8), i.e. k = ceil(log2(y^8)), found from
     * y^8's binary exponent (three squarings, no log()). */
    int e, e8;
    double y = 2 * split(seconds, &e);
    double y8 = y * y;
    y8 *= y8;
    y8 *= y8;
    double f8 = split(y8, &e8);
    return (e - 1) * (1 << JXA_GC_SCHEMA) + (f8 == 0.5 ? e8 - 1 : e8);
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
    atomic_fetch_add(&begun, 1);
    atomic_fetch_add_explicit(&bucket[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_ns, d, memory_order_relaxed);
    atomic_fetch_add_explicit(&pauses, 1, memory_order_relaxed);
    if (s <= ZERO_THRESHOLD) {
        atomic_fetch_add_explicit(&zero_pauses, 1, memory_order_relaxed);
    } else {
        int n = jxa_gc_native_index(s);
        n = n < NATIVE_MIN ? NATIVE_MIN : n > NATIVE_MAX ? NATIVE_MAX : n;
        atomic_fetch_add_explicit(&native[n - NATIVE_MIN], 1, memory_order_relaxed);
    }
    atomic_fetch_add(&done, 1);
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
    /* One consistent reading of every counter: retried (a few times, pauses
     * are far apart) while a pause was being added meanwhile, so that
     * _count, +Inf and the native buckets agree. */
    uint64_t cls[NBOUNDS + 1], nat[NATIVE_N], zero = 0, sum = 0;
    for (int attempt = 0; attempt < 4; attempt++) {
        uint64_t d0 = atomic_load(&done);
        for (size_t i = 0; i <= NBOUNDS; i++)
            cls[i] = atomic_load_explicit(&bucket[i], memory_order_relaxed);
        for (size_t i = 0; i < NATIVE_N; i++)
            nat[i] = atomic_load_explicit(&native[i], memory_order_relaxed);
        zero = atomic_load_explicit(&zero_pauses, memory_order_relaxed);
        sum = atomic_load_explicit(&sum_ns, memory_order_relaxed);
        if (atomic_load(&begun) == d0)
            break;
    }
    uint64_t cum = 0;
    char le[32];
    for (size_t i = 0; i <= NBOUNDS; i++) {
        cum += cls[i];
        if (i < NBOUNDS)
            snprintf(le, sizeof le, "%g", bounds[i]);
        else
            snprintf(le, sizeof le, "+Inf");
        struct jxa_label l = {"le", le};
        jxa_family_add(f, "_bucket", &l, 1, (double)cum, JXA_SAMPLE_INT);
    }
    jxa_family_add(f, "_count", NULL, 0, (double)cum, JXA_SAMPLE_INT);
    jxa_family_add(f, "_sum", NULL, 0, (double)sum / 1e9, 0);
    int idx[NATIVE_N];
    unsigned long long cnt[NATIVE_N];
    size_t n = 0;
    for (size_t i = 0; i < NATIVE_N; i++) {
        if (nat[i]) {
            idx[n] = (int)i + NATIVE_MIN;
            cnt[n++] = nat[i];
        }
    }
    struct jxa_native_hist nh = {JXA_GC_SCHEMA, ZERO_THRESHOLD, zero, idx, cnt, n};
    jxa_family_add_native(f, NULL, 0, &nh);
    return 0;
}
