/* jvm.c - the default JVM metrics of jmx_prometheus_javaagent 1.x.
 *
 * The Java agent registers client_java's JvmMetrics; dashboards and alerts
 * in the wild are written against those names (jvm_memory_used_bytes,
 * jvm_gc_collection_seconds, ...), so we produce the same families with the
 * same HELP, units and labels, read from the platform MXBeans through JNI
 * on the scraper thread.  Process metrics come from /proc (procfs.c). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jvm.h"
#include "jvmti_util.h"
#include "jni_util.h"
#include "log.h"

struct mx {
    bool tried, ok;
    jclass c_mf, c_list, c_mem, c_mu, c_pool, c_gc, c_cl, c_comp, c_thr,
        c_buf, c_mgr;
    jmethodID mf_memory, mf_pools, mf_gcs, mf_cl, mf_comp, mf_thr, mf_platform,
        list_to_array, mem_heap, mem_nonheap, mem_pending, mu_used, mu_committed,
        mu_max, mu_init, pool_name, pool_usage, pool_coll_usage, mgr_name,
        gc_count, gc_time, cl_loaded, cl_total, cl_unloaded, comp_time,
        thr_count, thr_daemon, thr_peak, thr_started, thr_deadlocked,
        thr_monitor_deadlocked,
        buf_name, buf_used, buf_capacity, buf_count;
};

static struct mx mx;

static bool mx_init(JNIEnv *env)
{
    if (mx.tried)
        return mx.ok;
    mx.tried = true;
#define CLS(f, n) (mx.f = jxa_jni_class(env, n)) != NULL
#define MID(f, c, n, s) (mx.f = jxa_jni_method(env, mx.c, n, s)) != NULL
#define SMID(f, c, n, s) (mx.f = jxa_jni_static_method(env, mx.c, n, s)) != NULL
    mx.ok =
        CLS(c_mf, "java/lang/management/ManagementFactory") &&
        CLS(c_list, "java/util/List") &&
        CLS(c_mem, "java/lang/management/MemoryMXBean") &&
        CLS(c_mu, "java/lang/management/MemoryUsage") &&
        CLS(c_pool, "java/lang/management/MemoryPoolMXBean") &&
        CLS(c_mgr, "java/lang/management/MemoryManagerMXBean") &&
        CLS(c_gc, "java/lang/management/GarbageCollectorMXBean") &&
        CLS(c_cl, "java/lang/management/ClassLoadingMXBean") &&
        CLS(c_comp, "java/lang/management/CompilationMXBean") &&
        CLS(c_thr, "java/lang/management/ThreadMXBean") &&
        CLS(c_buf, "java/lang/management/BufferPoolMXBean") &&
        SMID(mf_memory, c_mf, "getMemoryMXBean", "()Ljava/lang/management/MemoryMXBean;") &&
        SMID(mf_pools, c_mf, "getMemoryPoolMXBeans", "()Ljava/util/List;") &&
        SMID(mf_gcs, c_mf, "getGarbageCollectorMXBeans", "()Ljava/util/List;") &&
        SMID(mf_cl, c_mf, "getClassLoadingMXBean", "()Ljava/lang/management/ClassLoadingMXBean;") &&
        SMID(mf_comp, c_mf, "getCompilationMXBean", "()Ljava/lang/management/CompilationMXBean;") &&
        SMID(mf_thr, c_mf, "getThreadMXBean", "()Ljava/lang/management/ThreadMXBean;") &&
        SMID(mf_platform, c_mf, "getPlatformMXBeans", "(Ljava/lang/Class;)Ljava/util/List;") &&
        MID(list_to_array, c_list, "toArray", "()[Ljava/lang/Object;") &&
        MID(mem_heap, c_mem, "getHeapMemoryUsage", "()Ljava/lang/management/MemoryUsage;") &&
        MID(mem_nonheap, c_mem, "getNonHeapMemoryUsage", "()Ljava/lang/management/MemoryUsage;") &&
        MID(mem_pending, c_mem, "getObjectPendingFinalizationCount", "()I") &&
        MID(mu_used, c_mu, "getUsed", "()J") &&
        MID(mu_committed, c_mu, "getCommitted", "()J") &&
        MID(mu_max, c_mu, "getMax", "()J") &&
        MID(mu_init, c_mu, "getInit", "()J") &&
        MID(pool_name, c_pool, "getName", "()Ljava/lang/String;") &&
        MID(pool_usage, c_pool, "getUsage", "()Ljava/lang/management/MemoryUsage;") &&
        MID(pool_coll_usage, c_pool, "getCollectionUsage", "()Ljava/lang/management/MemoryUsage;") &&
        MID(mgr_name, c_mgr, "getName", "()Ljava/lang/String;") &&
        MID(gc_count, c_gc, "getCollectionCount", "()J") &&
        MID(gc_time, c_gc, "getCollectionTime", "()J") &&
        MID(cl_loaded, c_cl, "getLoadedClassCount", "()I") &&
        MID(cl_total, c_cl, "getTotalLoadedClassCount", "()J") &&
        MID(cl_unloaded, c_cl, "getUnloadedClassCount", "()J") &&
        MID(comp_time, c_comp, "getTotalCompilationTime", "()J") &&
        MID(thr_count, c_thr, "getThreadCount", "()I") &&
        MID(thr_daemon, c_thr, "getDaemonThreadCount", "()I") &&
        MID(thr_peak, c_thr, "getPeakThreadCount", "()I") &&
        MID(thr_started, c_thr, "getTotalStartedThreadCount", "()J") &&
        MID(thr_deadlocked, c_thr, "findDeadlockedThreads", "()[J") &&
        MID(thr_monitor_deadlocked, c_thr, "findMonitorDeadlockedThreads", "()[J") &&
        MID(buf_name, c_buf, "getName", "()Ljava/lang/String;") &&
        MID(buf_used, c_buf, "getMemoryUsed", "()J") &&
        MID(buf_capacity, c_buf, "getTotalCapacity", "()J") &&
        MID(buf_count, c_buf, "getCount", "()J");
#undef CLS
#undef MID
#undef SMID
    if (!mx.ok)
        jxa_warn("platform MXBeans not available; no jvm_* metrics");
    return mx.ok;
}

static jobjectArray list_array(JNIEnv *env, jobject list)
{
    if (list == NULL)
        return NULL;
    jobjectArray a = (jobjectArray)jxa_jni_obj(env, list, mx.list_to_array);
    (*env)->DeleteLocalRef(env, list);
    return a;
}

/* used/committed/max/init of one MemoryUsage into four families. */
static void usage4(JNIEnv *env, jobject mu, struct jxa_family *const f[4],
                   const struct jxa_label *l)
{
    jmethodID ms[4] = {mx.mu_used, mx.mu_committed, mx.mu_max, mx.mu_init};
    for (int i = 0; i < 4; i++) {
        int64_t v;
        if (f[i] != NULL && jxa_jni_long(env, mu, ms[i], &v) == 0)
            jxa_family_add(f[i], "", l, 1, (double)v, 0);
    }
}

static void memory(JNIEnv *env, struct jxa_mset *out)
{
    jobject mem = jxa_jni_static_obj(env, mx.c_mf, mx.mf_memory);
    if (mem == NULL)
        return;
    struct jxa_family *area[4] = {
        jxa_mset_family(out, "jvm_memory_used_bytes", JXA_GAUGE, "Used bytes of a given JVM memory area.", "bytes"),
        jxa_mset_family(out, "jvm_memory_committed_bytes", JXA_GAUGE, "Committed (bytes) of a given JVM memory area.", "bytes"),
        jxa_mset_family(out, "jvm_memory_max_bytes", JXA_GAUGE, "Max (bytes) of a given JVM memory area.", "bytes"),
        jxa_mset_family(out, "jvm_memory_init_bytes", JXA_GAUGE, "Initial bytes of a given JVM memory area.", "bytes"),
    };
    jobject heap = jxa_jni_obj(env, mem, mx.mem_heap);
    jobject nonheap = jxa_jni_obj(env, mem, mx.mem_nonheap);
    struct jxa_label lh = {"area", "heap"}, ln = {"area", "nonheap"};
    if (heap) usage4(env, heap, area, &lh);
    if (nonheap) usage4(env, nonheap, area, &ln);
    int32_t pending;
    if (jxa_jni_int(env, mem, mx.mem_pending, &pending) == 0)
        jxa_family_add(jxa_mset_family(out, "jvm_memory_objects_pending_finalization", JXA_GAUGE,
                                       "The number of objects waiting in the finalizer queue.", NULL),
                       "", NULL, 0, pending, 0);
    if (heap) (*env)->DeleteLocalRef(env, heap);
    if (nonheap) (*env)->DeleteLocalRef(env, nonheap);
    (*env)->DeleteLocalRef(env, mem);

    struct jxa_family *pool[4] = {
        jxa_mset_family(out, "jvm_memory_pool_used_bytes", JXA_GAUGE, "Used bytes of a given JVM memory pool.", "bytes"),
        jxa_mset_family(out, "jvm_memory_pool_committed_bytes", JXA_GAUGE, "Committed bytes of a given JVM memory pool.", "bytes"),
        jxa_mset_family(out, "jvm_memory_pool_max_bytes", JXA_GAUGE, "Max bytes of a given JVM memory pool.", "bytes"),
        jxa_mset_family(out, "jvm_memory_pool_init_bytes", JXA_GAUGE, "Initial bytes of a given JVM memory pool.", "bytes"),
    };
    struct jxa_family *coll[4] = {
        jxa_mset_family(out, "jvm_memory_pool_collection_used_bytes", JXA_GAUGE, "Used bytes after last collection of a given JVM memory pool.", "bytes"),
        jxa_mset_family(out, "jvm_memory_pool_collection_committed_bytes", JXA_GAUGE, "Committed after last collection bytes of a given JVM memory pool.", "bytes"),
        jxa_mset_family(out, "jvm_memory_pool_collection_max_bytes", JXA_GAUGE, "Max bytes after last collection of a given JVM memory pool.", "bytes"),
        jxa_mset_family(out, "jvm_memory_pool_collection_init_bytes", JXA_GAUGE, "Initial after last collection bytes of a given JVM memory pool.", "bytes"),
    };
    jobjectArray pools = list_array(env, jxa_jni_static_obj(env, mx.c_mf, mx.mf_pools));
    jsize n = pools ? (*env)->GetArrayLength(env, pools) : 0;
    for (jsize i = 0; i < n; i++) {
        jobject p = jxa_jni_elem(env, pools, i);
        char *name = p ? jxa_jni_call_str(env, p, mx.pool_name) : NULL;
        if (name != NULL) {
            struct jxa_label l = {"pool", name};
            jobject u = jxa_jni_obj(env, p, mx.pool_usage);
            if (u) { usage4(env, u, pool, &l); (*env)->DeleteLocalRef(env, u); }
            jobject cu = jxa_jni_obj(env, p, mx.pool_coll_usage);
            if (cu) { usage4(env, cu, coll, &l); (*env)->DeleteLocalRef(env, cu); }
        }
        free(name);
        if (p) (*env)->DeleteLocalRef(env, p);
    }
    if (pools) (*env)->DeleteLocalRef(env, pools);
}

static void buffer_pools(JNIEnv *env, struct jxa_mset *out)
{
    jobjectArray bufs = list_array(env, jxa_jni_static_obj(env, mx.c_mf, mx.mf_platform, mx.c_buf));
    jsize n = bufs ? (*env)->GetArrayLength(env, bufs) : 0;
    struct jxa_family *used = jxa_mset_family(out, "jvm_buffer_pool_used_bytes", JXA_GAUGE, "Used bytes of a given JVM buffer pool.", "bytes");
    struct jxa_family *cap = jxa_mset_family(out, "jvm_buffer_pool_capacity_bytes", JXA_GAUGE, "Bytes capacity of a given JVM buffer pool.", "bytes");
    struct jxa_family *cnt = jxa_mset_family(out, "jvm_buffer_pool_used_buffers", JXA_GAUGE, "Used buffers of a given JVM buffer pool.", NULL);
    for (jsize i = 0; i < n; i++) {
        jobject b = jxa_jni_elem(env, bufs, i);
        char *name = b ? jxa_jni_call_str(env, b, mx.buf_name) : NULL;
        if (name != NULL) {
            struct jxa_label l = {"pool", name};
            int64_t v;
            if (jxa_jni_long(env, b, mx.buf_used, &v) == 0) jxa_family_add(used, "", &l, 1, (double)v, 0);
            if (jxa_jni_long(env, b, mx.buf_capacity, &v) == 0) jxa_family_add(cap, "", &l, 1, (double)v, 0);
            if (jxa_jni_long(env, b, mx.buf_count, &v) == 0) jxa_family_add(cnt, "", &l, 1, (double)v, 0);
        }
        free(name);
        if (b) (*env)->DeleteLocalRef(env, b);
    }
    if (bufs) (*env)->DeleteLocalRef(env, bufs);
}

static void gc(JNIEnv *env, struct jxa_mset *out)
{
    struct jxa_family *f = jxa_mset_family(out, "jvm_gc_collection_seconds", JXA_SUMMARY,
                                           "Time spent in a given JVM garbage collector in seconds.", "seconds");
    jobjectArray gcs = list_array(env, jxa_jni_static_obj(env, mx.c_mf, mx.mf_gcs));
    jsize n = gcs ? (*env)->GetArrayLength(env, gcs) : 0;
    for (jsize i = 0; i < n; i++) {
        jobject g = jxa_jni_elem(env, gcs, i);
        char *name = g ? jxa_jni_call_str(env, g, mx.mgr_name) : NULL;
        int64_t count, ms;
        if (name != NULL && jxa_jni_long(env, g, mx.gc_count, &count) == 0 &&
            jxa_jni_long(env, g, mx.gc_time, &ms) == 0) {
            struct jxa_label l = {"gc", name};
            jxa_family_add(f, "_count", &l, 1, (double)count, JXA_SAMPLE_INT);
            jxa_family_add(f, "_sum", &l, 1, (double)ms / 1000.0, 0);
        }
        free(name);
        if (g) (*env)->DeleteLocalRef(env, g);
    }
    if (gcs) (*env)->DeleteLocalRef(env, gcs);
}

static void classes_and_compilation(JNIEnv *env, struct jxa_mset *out)
{
    jobject cl = jxa_jni_static_obj(env, mx.c_mf, mx.mf_cl);
    int32_t loaded;
    int64_t total, unloaded;
    if (cl != NULL) {
        if (jxa_jni_int(env, cl, mx.cl_loaded, &loaded) == 0)
            jxa_family_add(jxa_mset_family(out, "jvm_classes_currently_loaded", JXA_GAUGE,
                           "The number of classes that are currently loaded in the JVM", NULL), "", NULL, 0, loaded, 0);
        if (jxa_jni_long(env, cl, mx.cl_total, &total) == 0)
            jxa_family_add(jxa_mset_family(out, "jvm_classes_loaded", JXA_COUNTER,
                           "The total number of classes that have been loaded since the JVM has started execution", NULL), "", NULL, 0, (double)total, 0);
        if (jxa_jni_long(env, cl, mx.cl_unloaded, &unloaded) == 0)
            jxa_family_add(jxa_mset_family(out, "jvm_classes_unloaded", JXA_COUNTER,
                           "The total number of classes that have been unloaded since the JVM has started execution", NULL), "", NULL, 0, (double)unloaded, 0);
        (*env)->DeleteLocalRef(env, cl);
    }
    /* getCompilationMXBean() is null with -Xint. */
    jobject comp = jxa_jni_static_obj(env, mx.c_mf, mx.mf_comp);
    int64_t ms;
    if (comp != NULL && jxa_jni_long(env, comp, mx.comp_time, &ms) == 0)
        jxa_family_add(jxa_mset_family(out, "jvm_compilation_time_seconds", JXA_COUNTER,
                       "The total time in seconds taken for HotSpot class compilation", "seconds"), "", NULL, 0, (double)ms / 1000.0, 0);
    if (comp) (*env)->DeleteLocalRef(env, comp);
}

static jsize deadlocked(JNIEnv *env, jobject thr, jmethodID m)
{
    jobject a = jxa_jni_obj(env, thr, m);
    if (a == NULL)
        return 0;       /* null means none */
    jsize n = (*env)->GetArrayLength(env, (jarray)a);
    (*env)->DeleteLocalRef(env, a);
    return n;
}

static void threads(JNIEnv *env, struct jxa_mset *out)
{
    jobject thr = jxa_jni_static_obj(env, mx.c_mf, mx.mf_thr);
    if (thr == NULL)
        return;
    int32_t v;
    int64_t started;
    if (jxa_jni_int(env, thr, mx.thr_count, &v) == 0)
        jxa_family_add(jxa_mset_family(out, "jvm_threads_current", JXA_GAUGE, "Current thread count of a JVM", NULL), "", NULL, 0, v, 0);
    if (jxa_jni_int(env, thr, mx.thr_daemon, &v) == 0)
        jxa_family_add(jxa_mset_family(out, "jvm_threads_daemon", JXA_GAUGE, "Daemon thread count of a JVM", NULL), "", NULL, 0, v, 0);
    if (jxa_jni_int(env, thr, mx.thr_peak, &v) == 0)
        jxa_family_add(jxa_mset_family(out, "jvm_threads_peak", JXA_GAUGE, "Peak thread count of a JVM", NULL), "", NULL, 0, v, 0);
    if (jxa_jni_long(env, thr, mx.thr_started, &started) == 0)
        jxa_family_add(jxa_mset_family(out, "jvm_threads_started", JXA_COUNTER, "Started thread count of a JVM", NULL), "", NULL, 0, (double)started, 0);
    jxa_family_add(jxa_mset_family(out, "jvm_threads_deadlocked", JXA_GAUGE,
                   "Cycles of JVM-threads that are in deadlock waiting to acquire object monitors or ownable synchronizers", NULL),
                   "", NULL, 0, deadlocked(env, thr, mx.thr_deadlocked), 0);
    jxa_family_add(jxa_mset_family(out, "jvm_threads_deadlocked_monitor", JXA_GAUGE,
                   "Cycles of JVM-threads that are in deadlock waiting to acquire object monitors", NULL),
                   "", NULL, 0, deadlocked(env, thr, mx.thr_monitor_deadlocked), 0);

    /* Thread.State values plus UNKNOWN, always all present as client_java
     * prints them. */
    static const char *const states[] = {"NEW", "RUNNABLE", "BLOCKED", "WAITING",
                                         "TIMED_WAITING", "TERMINATED", "UNKNOWN"};
    double count[7] = {0};
    jxa_jvmti_thread_states(env, count);
    struct jxa_family *f = jxa_mset_family(out, "jvm_threads_state", JXA_GAUGE, "Current count of threads by state", NULL);
    for (int s = 0; s < 7; s++) {
        struct jxa_label l = {"state", states[s]};
        jxa_family_add(f, "", &l, 1, count[s], 0);
    }
    (*env)->DeleteLocalRef(env, thr);
}

/* client_java labels a missing property "unknown". */
static char *sysprop(JNIEnv *env, const char *key)
{
    char *v = jxa_jni_sysprop(env, key);
    return v != NULL ? v : strdup("unknown");
}

static void runtime_info(JNIEnv *env, struct jxa_mset *out)
{
    char *runtime = sysprop(env, "java.runtime.name");
    char *vendor = sysprop(env, "java.vm.vendor");
    char *version = sysprop(env, "java.runtime.version");
    if (runtime && vendor && version) {
        struct jxa_label l[3] = {{"runtime", runtime}, {"vendor", vendor}, {"version", version}};
        jxa_family_add(jxa_mset_family(out, "jvm_runtime", JXA_INFO, "JVM runtime info", NULL),
                       "", l, 3, 1, JXA_SAMPLE_INT);
    }
    free(runtime);
    free(vendor);
    free(version);
}

int jxa_jvm_collect(JNIEnv *env, struct jxa_mset *out)
{
    if (!mx_init(env))
        return -1;
    if ((*env)->PushLocalFrame(env, 64) != 0) {
        jxa_jni_clear(env);
        return -1;
    }
    memory(env, out);
    buffer_pools(env, out);
    gc(env, out);
    classes_and_compilation(env, out);
    threads(env, out);
    runtime_info(env, out);
    (*env)->PopLocalFrame(env, NULL);
    return 0;
}
