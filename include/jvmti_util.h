/* jvmti_util.h - the JVMTI services the other modules use.
 *
 * agent.c is the only module that calls GetEnv: it hands the environment
 * to jxa_jvmti_init() at load, and everything below reads it from here.
 * This module calls nothing above it, so the graph stays one-way
 * (agent.c on top; jmx.c and jvm.c ask for these services without calling
 * back into the lifecycle module).
 *
 * Before jxa_jvmti_init() every function fails cleanly (false / -1 /
 * NULL).  None of them may run in a GC callback (they allocate and call
 * JVMTI functions that are not safe inside a GC safepoint). */
#ifndef JXA_JVMTI_UTIL_H
#define JXA_JVMTI_UTIL_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>

/* Called once by agent.c, in Agent_OnLoad / Agent_OnAttach. */
void jxa_jvmti_init(jvmtiEnv *jvmti);

/* Is a class with this JVM signature ("Ljava/util/logging/LogManager;")
 * loaded and initialised?  Asks JVMTI (GetLoadedClasses + GetClassStatus)
 * because JNI FindClass would run the class initialiser, which is exactly
 * what must not happen (docs/design.md §4).  Costly (walks all loaded
 * classes): only while JMX is not ready yet.  env: an attached thread. */
bool jxa_jvmti_class_initialized(JNIEnv *env, const char *signature);

/* Live Java threads by java.lang.Thread.State, in the order NEW, RUNNABLE,
 * BLOCKED, WAITING, TIMED_WAITING, TERMINATED, UNKNOWN: counts[k] is
 * incremented.  From JVMTI GetAllThreads + GetThreadState: no ThreadInfo
 * objects on the Java heap, unlike ThreadMXBean.getThreadInfo.  Returns 0,
 * or -1 (counts untouched).  env: an attached thread. */
int jxa_jvmti_thread_states(JNIEnv *env, double counts[7]);

/* A system property as the JVM has it now (JVMTI GetSystemProperty, which
 * works in the OnLoad phase, before java.lang.System exists).  Returns a
 * malloc'd copy for the caller to free, or NULL (unset, or no JVMTI). */
char *jxa_jvmti_system_property(const char *name);

#endif
