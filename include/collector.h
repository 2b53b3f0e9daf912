/* collector.h - one signature for every native family collector.
 *
 * Besides the MBean walk, a scrape's families come from native collectors:
 * jvm.c (client_java's JvmMetrics families, read from the platform
 * MXBeans), process.c (process_*, from /proc) and gc.c
 * (jvm_gc_pause_seconds, from JVMTI GC events).  Each adds its families to
 * the scrape's metric set, on the scraper thread, after the walk.  env is
 * that thread's JNIEnv; the pure-C collectors ignore it (jni.h only
 * supplies the type), so they stay testable without a JVM.
 *
 * Returns 0, or -1 when the collector could not read its source: what it
 * added stays, and the scrape goes on without the rest. */
#ifndef JXA_COLLECTOR_H
#define JXA_COLLECTOR_H

#include <jni.h>

#include "mset.h"

typedef int jxa_collector(JNIEnv *env, struct jxa_mset *out);

#endif
