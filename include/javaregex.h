/* javaregex.h - java.util.regex syntax to an equivalent PCRE2 pattern.
 *
 * Rule patterns are written for java.util.regex (JDK 17 semantics); the
 * agent matches with PCRE2 10.42 compiled with PCRE2_UTF, no PCRE2_UCP,
 * NEWLINE_ANY.  jxa_javaregex_translate rewrites every construct whose
 * meaning differs (docs/semantics.md §16): \uXXXX, \0nn, \cX, Java's
 * \p{...} names (java*, Is*, In* blocks, POSIX classes), \b with JDK 17's
 * Unicode word test, '.', '^', '$', \Z, \R under Java's line terminators,
 * class union/intersection/negation, \Q...\E, the flags i d m s u x U
 * (case folding ASCII-only unless u), and \N backreference digits.
 * Pure C. */
#ifndef JXA_JAVAREGEX_H
#define JXA_JAVAREGEX_H

#include <stddef.h>

enum jxa_jre_status {
    JXA_JRE_OK = 0,
    JXA_JRE_INVALID,        /* java.util.regex refuses it too */
    JXA_JRE_UNSUPPORTED,    /* valid Java, no PCRE2 equivalent */
    JXA_JRE_NOMEM,
};

struct jxa_jre_result {
    char *pcre;             /* malloc'd PCRE2 pattern (OK only) */
    size_t *map;            /* map[k]: byte offset in the Java pattern that
                             * output byte k came from (k <= strlen(pcre)) */
    char err[200];          /* why, for INVALID / UNSUPPORTED */
    size_t err_off;         /* byte offset in the Java pattern */
};

/* Translates java[0..len).  Returns the status; on OK the caller frees
 * res->pcre and res->map with jxa_javaregex_free. */
enum jxa_jre_status jxa_javaregex_translate(const char *java, size_t len,
                                            struct jxa_jre_result *res);
/* For a PCRE2 compile error of a translated pattern: what valid Java
 * construct PCRE2 cannot take (variable-length lookbehind), or NULL when
 * the error means the Java pattern is invalid too. */
const char *jxa_javaregex_pcre2_limit(int pcre2_error);
/* The JVM's feature release (jxa_java_feature): from 19, \b is ASCII like
 * \w; from 21, \p{IsEmoji} and the other Emoji properties exist.
 * Default 17.  Call once at load, before any config is read. */
void jxa_javaregex_set_release(int feature);
void jxa_javaregex_free(struct jxa_jre_result *res);

#endif
