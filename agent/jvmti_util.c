/* jvmti_util.c - see jvmti_util.h. */
#include "jvmti_util.h"

#include <stdlib.h>
#include <string.h>

static jvmtiEnv *jvmti;

void jxa_jvmti_init(jvmtiEnv *env)
{
    jvmti = env;
}

/* GetLoadedClasses and GetAllThreads return one local ref per element, all
 * at once; a frame of HotSpot's MaxJNILocalCapacity (65536) keeps
 * -Xcheck:jni quiet for any realistic number of classes or threads. */
#define ALL_AT_ONCE 65536

bool jxa_jvmti_class_initialized(JNIEnv *env, const char *signature)
{
    jint n = 0;
    jclass *classes = NULL;
    if (jvmti == NULL || (*env)->PushLocalFrame(env, ALL_AT_ONCE) != 0) {
        (*env)->ExceptionClear(env);
        return false;
    }
    if ((*jvmti)->GetLoadedClasses(jvmti, &n, &classes) != JVMTI_ERROR_NONE) {
        (*env)->PopLocalFrame(env, NULL);
        return false;
    }
    bool found = false;
    for (jint i = 0; i < n; i++) {
        char *sig = NULL;
        if (!found && (*jvmti)->GetClassSignature(jvmti, classes[i], &sig, NULL) == JVMTI_ERROR_NONE) {
            if (strcmp(sig, signature) == 0) {
                jint status = 0;
                (*jvmti)->GetClassStatus(jvmti, classes[i], &status);
                found = (status & JVMTI_CLASS_STATUS_INITIALIZED) != 0;
            }
            (*jvmti)->Deallocate(jvmti, (unsigned char *)sig);
        }
        (*env)->DeleteLocalRef(env, classes[i]);
    }
    (*jvmti)->Deallocate(jvmti, (unsigned char *)classes);
    (*env)->PopLocalFrame(env, NULL);
    return found;
}

static int state_index(jint st)
{
    switch (st & JVMTI_JAVA_LANG_THREAD_STATE_MASK) {
    case JVMTI_JAVA_LANG_THREAD_STATE_NEW: return 0;
    case JVMTI_JAVA_LANG_THREAD_STATE_RUNNABLE: return 1;
    case JVMTI_JAVA_LANG_THREAD_STATE_BLOCKED: return 2;
    case JVMTI_JAVA_LANG_THREAD_STATE_WAITING: return 3;
    case JVMTI_JAVA_LANG_THREAD_STATE_TIMED_WAITING: return 4;
    case JVMTI_JAVA_LANG_THREAD_STATE_TERMINATED: return 5;
    default: return 6;
    }
}

int jxa_jvmti_thread_states(JNIEnv *env, double counts[7])
{
    jint n = 0;
    jthread *threads = NULL;
    if (jvmti == NULL || (*env)->PushLocalFrame(env, ALL_AT_ONCE) != 0) {
        (*env)->ExceptionClear(env);
        return -1;
    }
    if ((*jvmti)->GetAllThreads(jvmti, &n, &threads) != JVMTI_ERROR_NONE) {
        (*env)->PopLocalFrame(env, NULL);
        return -1;
    }
    for (jint i = 0; i < n; i++) {
        jint st = 0;
        int k = (*jvmti)->GetThreadState(jvmti, threads[i], &st) == JVMTI_ERROR_NONE
                    ? state_index(st) : 6;      /* UNKNOWN */
        counts[k] += 1;
        (*env)->DeleteLocalRef(env, threads[i]);
    }
    (*jvmti)->Deallocate(jvmti, (unsigned char *)threads);
    (*env)->PopLocalFrame(env, NULL);
    return 0;
}

char *jxa_jvmti_system_property(const char *name)
{
    char *v = NULL;
    if (jvmti == NULL || (*jvmti)->GetSystemProperty(jvmti, name, &v) != JVMTI_ERROR_NONE)
        return NULL;
    char *copy = strdup(v);
    (*jvmti)->Deallocate(jvmti, (unsigned char *)v);
    return copy;
}
