/* jvm.h - the default JVM metrics of jmx_prometheus_javaagent 1.x
 * (client_java's JvmMetrics: jvm_memory_*, jvm_gc_collection_seconds,
 * jvm_threads_*, jvm_runtime_info, ...), with the jar's names, HELP, units
 * and labels, read from the platform MXBeans through JNI.  Needs JMX to be
 * ready (jxa_jmx_ready), as the MXBeans live in the platform MBeanServer's
 * world.  Scraper thread only. */
#ifndef JXA_JVM_H
#define JXA_JVM_H

#include "collector.h"

jxa_collector jxa_jvm_collect;

#endif
