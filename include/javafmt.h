/* javafmt.h - numbers as Java prints and parses them.
 *
 * jmx_exporter builds its match strings with String.valueOf(value) and its
 * 1.x text writer prints sample values with Double.toString, so a drop-in
 * must print "200.0", "1.073741824E9", "0.34500000000000003" exactly as the
 * JVM does.  Pure C, no JVM. */
#ifndef JXA_JAVAFMT_H
#define JXA_JAVAFMT_H

#include <stddef.h>
#include <stdint.h>

#define JXA_NUMBUF 40

/* Which JDK's digits jxa_java_double/jxa_java_float produce: the JVM the
 * agent runs in decides, as a value enters match strings and the
 * exposition the way that JVM prints it.  feature < 19: FloatingDecimal
 * (JDK 17's); >= 19: the shortest decimal (JDK-4511638, docs/semantics.md).
 * Default 17.  Call once at load, before any other thread formats. */
void jxa_javafmt_set_release(int feature);
/* The feature release from java.vm.specification.version ("1.8" -> 8,
 * "17" -> 17, "25" -> 25); NULL or unparsable -> 17. */
int jxa_java_feature(const char *spec_version);

/* Double.toString(d) exactly as the JVM of jxa_javafmt_set_release prints
 * it.  Up to JDK 18: digits from FloatingDecimal (usually the shortest
 * that round-trip, but not always: 1.0E23 prints "9.999999999999999E22",
 * 2^57+x prints all its integer digits); from JDK 19: the shortest decimal
 * that rounds to d, the closest of those.  "NaN", "Infinity", "-Infinity",
 * "0.0", "-0.0"; plain notation for 1e-3 <= |d| < 1e7, else computerized
 * scientific ("1.0E-4", "1.073741824E9").  Returns strlen.  Not
 * async-signal-safe; thread-safe. */
size_t jxa_java_double(char out[JXA_NUMBUF], double d);
/* Float.toString(f), same rules at float precision ("0.2" for 0.2f). */
size_t jxa_java_float(char out[JXA_NUMBUF], float f);
/* Long.toString(v). */
size_t jxa_java_long(char out[JXA_NUMBUF], int64_t v);
/* A sample value as client_java 1.x writes it: "NaN", "+Inf", "-Inf", else
 * Double.toString. */
size_t jxa_prom_double(char out[JXA_NUMBUF], double d);
/* Double.valueOf(s) grammar: trims ASCII whitespace <= ' ', accepts
 * "NaN", "Infinity", signs, decimal and hex floats, a trailing d/D/f/F.
 * Returns 0 and sets *out, or -1 when Java would throw
 * NumberFormatException. */
int jxa_java_parse_double(const char *s, double *out);

#endif
