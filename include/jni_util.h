/* jni_util.h - checked JNI upcalls for the scraper thread.
 *
 * Every helper returns with no Java exception pending: an exception is
 * cleared and reported through the return value (NULL / false / -1), and
 * the class name of the last one is kept for the log.  That makes the
 * "check every JNI call" rule structural instead of remembered, which is
 * what -Xcheck:jni verifies.  Only the scraper thread (attached to the
 * JVM) may call these.  An OutOfMemoryError or another VirtualMachineError
 * (not a StackOverflowError: that is the getter's own) sets jxa_jni_fatal
 * so the walk stops early. */
#ifndef JXA_JNI_UTIL_H
#define JXA_JNI_UTIL_H

#include <jni.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

extern bool jxa_jni_fatal;
/* The class of the error that set jxa_jni_fatal, for the log. */
extern const char *jxa_jni_fatal_name;

/* Resolves the error classes jxa_jni_clear tells apart; call before a walk
 * (while the heap still has room for FindClass). */
void jxa_jni_prepare(JNIEnv *env);

/* Clears a pending exception.  Returns true if there was one. */
bool jxa_jni_clear(JNIEnv *env);

/* Global ref to a class (FindClass + NewGlobalRef), NULL on failure. */
jclass jxa_jni_class(JNIEnv *env, const char *name);
jmethodID jxa_jni_method(JNIEnv *env, jclass c, const char *name, const char *sig);
jmethodID jxa_jni_static_method(JNIEnv *env, jclass c, const char *name,
                                const char *sig);

jobject jxa_jni_obj(JNIEnv *env, jobject o, jmethodID m, ...);
jobject jxa_jni_static_obj(JNIEnv *env, jclass c, jmethodID m, ...);
/* Numeric/boolean calls: 0 on success with *out set, -1 on exception. */
int jxa_jni_long(JNIEnv *env, jobject o, jmethodID m, int64_t *out, ...);
int jxa_jni_int(JNIEnv *env, jobject o, jmethodID m, int32_t *out, ...);
int jxa_jni_double(JNIEnv *env, jobject o, jmethodID m, double *out, ...);
int jxa_jni_float(JNIEnv *env, jobject o, jmethodID m, float *out, ...);
int jxa_jni_bool(JNIEnv *env, jobject o, jmethodID m, bool *out, ...);

/* Appends the string as real UTF-8 (JNI gives modified UTF-8: NUL as C0 80
 * and supplementary characters as surrogate pairs; those are re-encoded,
 * an unpaired surrogate and a NUL become U+FFFD).  s NULL appends "null".  Returns
 * 0, or -1 on a JNI failure. */
int jxa_jni_str(JNIEnv *env, jstring s, struct jxa_buf *out);

/* The string as a malloc'ed UTF-8 C string (free() it), NULL on failure. */
char *jxa_jni_strdup(JNIEnv *env, jstring s);
/* o.m() for a String-returning m, as a malloc'ed C string; NULL when the
 * call threw, returned null or failed. */
char *jxa_jni_call_str(JNIEnv *env, jobject o, jmethodID m);
/* System.getProperty(key) as a malloc'ed C string, NULL when unset.  Read
 * through JNI: JVMTI GetSystemProperty sees only the VM's initial
 * properties, not those a launcher sets later. */
char *jxa_jni_sysprop(JNIEnv *env, const char *key);

/* System.setProperty(key, value) unless System.getProperty(key) is set
 * already (a user's -D wins).  For the VMInit thread too (java.lang.System
 * is initialised by then; no class of JMX is touched).  Returns 1 if set,
 * 0 if kept, -1 on a JNI failure (nothing pending). */
int jxa_jni_set_sysprop_absent(JNIEnv *env, const char *key, const char *value);

/* Array element with exception check; NULL on failure or null element. */
jobject jxa_jni_elem(JNIEnv *env, jobjectArray a, jsize i);

#endif
