/* gc.h - stop-the-world GC pauses as a histogram, from JVMTI
 * GarbageCollectionStart/Finish (docs/design.md §7): posted on the VM thread
 * at the safepoint for G1, Parallel, Serial, ZGC and Shenandoah; counts
 * equal -Xlog:gc's pauses; time-to-safepoint is not included.
 *
 * jxa_gc_start/jxa_gc_finish run inside the GC safepoint: a clock read and
 * relaxed atomics only, no locks, no malloc, no JNI, no logging.
 * jxa_gc_collect runs on the scraper thread.  Pure C. */
#ifndef JXA_GC_H
#define JXA_GC_H

#include "collector.h"

void jxa_gc_start(void);
void jxa_gc_finish(void);
/* Adds jvm_gc_pause_seconds (histogram: classic buckets, and the same
 * pauses as native-histogram buckets for the protobuf exposition), if any
 * pause was seen or events are on.  env is unused.  Always returns 0. */
jxa_collector jxa_gc_collect;
/* Events are registered: export the family even before the first GC. */
void jxa_gc_enable(void);
/* The native-histogram schema of jvm_gc_pause_seconds (8 buckets per
 * power of two) and the bucket a pause of this many seconds (> 0, not
 * subnormal) falls in: (2^((i-1)/8), 2^(i/8)]. */
#define JXA_GC_SCHEMA 3
int jxa_gc_native_index(double seconds);

#endif
