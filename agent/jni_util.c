/* jni_util.c - see jni_util.h. */
#include "jni_util.h"

#include <stdarg.h>
#include <string.h>

#include "log.h"

bool jxa_jni_fatal;

/* Resolved once (the scraper is the only caller): a getter that throws on
 * every scrape must not cost a FindClass each time.  Looked up before they
 * are needed: under a full heap FindClass itself may fail. */
static const char *const vm_error_names[] = {
    "java/lang/OutOfMemoryError", "java/lang/StackOverflowError",
    "java/lang/VirtualMachineError",
};
static jclass vm_errors[3];
static bool vm_errors_looked;

const char *jxa_jni_fatal_name = "java.lang.VirtualMachineError";

static void resolve_vm_errors(JNIEnv *env)
{
    vm_errors_looked = true;
    for (size_t i = 0; i < sizeof vm_errors / sizeof *vm_errors; i++) {
        jclass c = (*env)->FindClass(env, vm_error_names[i]);
        if (c == NULL) {
            (*env)->ExceptionClear(env);
            continue;
        }
        vm_errors[i] = (*env)->NewGlobalRef(env, c);
        (*env)->DeleteLocalRef(env, c);
    }
}

bool jxa_jni_clear(JNIEnv *env)
{
    if (!(*env)->ExceptionCheck(env))
        return false;
    jthrowable t = (*env)->ExceptionOccurred(env);
    (*env)->ExceptionClear(env);
    if (t != NULL) {
        if (!vm_errors_looked)
            resolve_vm_errors(env);
        /* Errors that mean the JVM is in trouble (out of memory, an
         * internal error) stop the walk: going on would only produce more
         * of them.  A StackOverflowError is the getter's own: its frames
         * are gone by the time the call returns, the walk goes on. */
        static const char *const shown[] = {
            "java.lang.OutOfMemoryError", NULL, "java.lang.VirtualMachineError",
        };
        for (size_t i = 0; i < sizeof vm_errors / sizeof *vm_errors; i++) {
            if (vm_errors[i] != NULL && (*env)->IsInstanceOf(env, t, vm_errors[i])) {
                if (shown[i] != NULL) {
                    jxa_jni_fatal = true;
                    jxa_jni_fatal_name = shown[i];
                }
                break;
            }
        }
        (*env)->DeleteLocalRef(env, t);
    }
    return true;
}

void jxa_jni_prepare(JNIEnv *env)
{
    if (!vm_errors_looked)
        resolve_vm_errors(env);
}

jclass jxa_jni_class(JNIEnv *env, const char *name)
{
    jclass local = (*env)->FindClass(env, name);
    if (local == NULL || jxa_jni_clear(env)) {
        jxa_jni_clear(env);
        jxa_debug("class %s not found", name);
        return NULL;
    }
    jclass global = (*env)->NewGlobalRef(env, local);
    (*env)->DeleteLocalRef(env, local);
    return global;
}

jmethodID jxa_jni_method(JNIEnv *env, jclass c, const char *name, const char *sig)
{
    if (c == NULL)
        return NULL;
    jmethodID m = (*env)->GetMethodID(env, c, name, sig);
    if (jxa_jni_clear(env))
        return NULL;
    return m;
}

jmethodID jxa_jni_static_method(JNIEnv *env, jclass c, const char *name,
                                const char *sig)
{
    if (c == NULL)
        return NULL;
    jmethodID m = (*env)->GetStaticMethodID(env, c, name, sig);
    if (jxa_jni_clear(env))
        return NULL;
    return m;
}

jobject jxa_jni_obj(JNIEnv *env, jobject o, jmethodID m, ...)
{
    if (o == NULL || m == NULL)
        return NULL;
    va_list ap;
    va_start(ap, m);
    jobject r = (*env)->CallObjectMethodV(env, o, m, ap);
    va_end(ap);
    if (jxa_jni_clear(env)) {
        if (r != NULL)
            (*env)->DeleteLocalRef(env, r);
        return NULL;
    }
    return r;
}

jobject jxa_jni_static_obj(JNIEnv *env, jclass c, jmethodID m, ...)
{
    if (c == NULL || m == NULL)
        return NULL;
    va_list ap;
    va_start(ap, m);
    jobject r = (*env)->CallStaticObjectMethodV(env, c, m, ap);
    va_end(ap);
    if (jxa_jni_clear(env))
        return NULL;
    return r;
}

#define CHECKED_CALL(fn, jtype, ctype, Call)                                  \
    int fn(JNIEnv *env, jobject o, jmethodID m, ctype *out, ...)              \
    {                                                                         \
        if (o == NULL || m == NULL)                                           \
            return -1;                                                        \
        va_list ap;                                                           \
        va_start(ap, out);                                                    \
        jtype v = (*env)->Call(env, o, m, ap);                                \
        va_end(ap);                                                           \
        if (jxa_jni_clear(env))                                               \
            return -1;                                                        \
        *out = (ctype)v;                                                      \
        return 0;                                                             \
    }

CHECKED_CALL(jxa_jni_long, jlong, int64_t, CallLongMethodV)
CHECKED_CALL(jxa_jni_int, jint, int32_t, CallIntMethodV)
CHECKED_CALL(jxa_jni_double, jdouble, double, CallDoubleMethodV)
CHECKED_CALL(jxa_jni_float, jfloat, float, CallFloatMethodV)
CHECKED_CALL(jxa_jni_bool, jboolean, bool, CallBooleanMethodV)

static void put_utf8(struct jxa_buf *out, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp; n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    jxa_buf_put(out, b, n);
}

int jxa_jni_str(JNIEnv *env, jstring s, struct jxa_buf *out)
{
    if (s == NULL)
        return jxa_buf_puts(out, "null");
    jsize ulen = (*env)->GetStringUTFLength(env, s);
    jsize len = (*env)->GetStringLength(env, s);
    if (jxa_jni_clear(env))
        return -1;
    size_t start = out->len;
    /* GetStringUTFRegion writes ulen bytes and a NUL.  An empty buffer is
     * most often jxa_jni_strdup's, kept as the string: sized to it (buf.h,
     * jxa_buf_reserve_exact). */
    if ((out->cap == 0 ? jxa_buf_reserve_exact(out, (size_t)ulen)
                       : jxa_buf_reserve(out, (size_t)ulen + 1)) != 0)
        return -1;
    /* GetStringUTFRegion: no malloc and no pinning, unlike GetStringUTFChars. */
    (*env)->GetStringUTFRegion(env, s, 0, len, out->data + start);
    if (jxa_jni_clear(env))
        return -1;
    bool plain = true;
    for (jsize i = 0; i < ulen; i++) {
        unsigned char c = (unsigned char)out->data[start + (size_t)i];
        /* C0 80 (NUL) and ED xx xx (surrogate halves) are where modified
         * UTF-8 differs from UTF-8. */
        if (c == 0xC0 || c == 0xED) {
            plain = false;
            break;
        }
    }
    if (plain) {
        out->len = start + (size_t)ulen;
        out->data[out->len] = '\0';
        return 0;
    }
    /* Slow path: re-read as UTF-16 and encode real UTF-8. */
    out->len = start;
    out->data[start] = '\0';
    const jchar *u = (*env)->GetStringChars(env, s, NULL);
    if (u == NULL || jxa_jni_clear(env)) {
        jxa_jni_clear(env);
        return -1;
    }
    for (jsize i = 0; i < len; i++) {
        uint32_t c = u[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < len && u[i + 1] >= 0xDC00 &&
            u[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00);
            i++;
        } else if ((c >= 0xD800 && c <= 0xDFFF) || c == 0) {
            /* A NUL would end every C string made of this one (a label
             * value, a canonical name, a match string) right there. */
            c = 0xFFFD;
        }
        put_utf8(out, c);
    }
    (*env)->ReleaseStringChars(env, s, u);
    return out->failed ? -1 : 0;
}

char *jxa_jni_strdup(JNIEnv *env, jstring s)
{
    struct jxa_buf b = {0};
    if (s == NULL || jxa_jni_str(env, s, &b) != 0) {
        jxa_buf_free(&b);
        return NULL;
    }
    return jxa_buf_steal(&b);
}

char *jxa_jni_call_str(JNIEnv *env, jobject o, jmethodID m)
{
    jstring s = jxa_jni_obj(env, o, m);
    char *r = jxa_jni_strdup(env, s);
    if (s != NULL)
        (*env)->DeleteLocalRef(env, s);
    return r;
}

char *jxa_jni_sysprop(JNIEnv *env, const char *key)
{
    static jclass system;
    static jmethodID get;
    if (system == NULL && (system = jxa_jni_class(env, "java/lang/System")) != NULL)
        get = jxa_jni_static_method(env, system, "getProperty",
                                    "(Ljava/lang/String;)Ljava/lang/String;");
    if (get == NULL)
        return NULL;
    jstring k = (*env)->NewStringUTF(env, key);
    if (k == NULL || jxa_jni_clear(env))
        return NULL;
    jstring v = jxa_jni_static_obj(env, system, get, k);
    (*env)->DeleteLocalRef(env, k);
    char *r = jxa_jni_strdup(env, v);
    if (v != NULL)
        (*env)->DeleteLocalRef(env, v);
    return r;
}

int jxa_jni_set_sysprop_absent(JNIEnv *env, const char *key, const char *value)
{
    /* Local references only: this runs once, on the VMInit thread, and
     * must not share jxa_jni_sysprop's cache with the scraper thread. */
    int rc = -1;
    jstring k = NULL, v = NULL, old = NULL;
    jclass system = (*env)->FindClass(env, "java/lang/System");
    if (system == NULL || jxa_jni_clear(env))
        goto out;
    jmethodID get = (*env)->GetStaticMethodID(env, system, "getProperty",
                                              "(Ljava/lang/String;)Ljava/lang/String;");
    jmethodID set = get ? (*env)->GetStaticMethodID(env, system, "setProperty",
                                                    "(Ljava/lang/String;Ljava/lang/String;)"
                                                    "Ljava/lang/String;") : NULL;
    if (set == NULL || jxa_jni_clear(env))
        goto out;
    k = (*env)->NewStringUTF(env, key);
    v = k ? (*env)->NewStringUTF(env, value) : NULL;
    if (v == NULL || jxa_jni_clear(env))
        goto out;
    old = (*env)->CallStaticObjectMethod(env, system, get, k);
    if (jxa_jni_clear(env))
        goto out;
    if (old != NULL) {
        rc = 0;
        goto out;
    }
    jobject prev = (*env)->CallStaticObjectMethod(env, system, set, k, v);
    if (jxa_jni_clear(env))
        goto out;
    if (prev != NULL)
        (*env)->DeleteLocalRef(env, prev);
    rc = 1;
out:
    if (old != NULL)
        (*env)->DeleteLocalRef(env, old);
    if (v != NULL)
        (*env)->DeleteLocalRef(env, v);
    if (k != NULL)
        (*env)->DeleteLocalRef(env, k);
    if (system != NULL)
        (*env)->DeleteLocalRef(env, system);
    return rc;
}

jobject jxa_jni_elem(JNIEnv *env, jobjectArray a, jsize i)
{
    jobject o = (*env)->GetObjectArrayElement(env, a, i);
    if (jxa_jni_clear(env))
        return NULL;
    return o;
}
