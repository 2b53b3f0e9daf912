/* agent.h - what the lifecycle module (agent.c, the only owner of the
 * JVMTI environment) offers the other modules. */
#ifndef JXA_AGENT_H
#define JXA_AGENT_H

#include <jni.h>
#include <stdbool.h>

/* Is a class with this JVM signature ("Ljava/util/logging/LogManager;")
 * loaded and initialised?  Asks JVMTI (GetLoadedClasses + GetClassStatus)
 * because JNI FindClass would run the class initialiser, which is exactly
 * what must not happen.  Costly (walks all loaded classes): only while JMX
 * is not ready yet. */
bool jxa_agent_class_initialized(JNIEnv *env, const char *signature);

/* Live Java threads by java.lang.Thread.State, in the order NEW, RUNNABLE,
 * BLOCKED, WAITING, TIMED_WAITING, TERMINATED, UNKNOWN.  From JVMTI
 * GetAllThreads + GetThreadState: no ThreadInfo objects on the Java heap,
 * unlike ThreadMXBean.getThreadInfo.  Returns 0, or -1 (counts untouched). */
int jxa_agent_thread_states(JNIEnv *env, double counts[7]);

#endif
