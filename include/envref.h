/* envref.h - "${NAME}" references to environment variables in config
 * strings, as jmx_exporter 1.4+ resolves them (its VariableResolver) for
 * httpServer.authentication.basic username and plaintext password and for
 * the keystore and truststore passwords of httpServer.ssl.  The rule, in
 * our words, is in docs/semantics.md §13 ("${ENV} references").  Pure C,
 * reads the process environment with getenv(), no other state. */
#ifndef JXA_ENVREF_H
#define JXA_ENVREF_H

enum jxa_envref_rc {
    JXA_ENVREF_OK = 0,
    JXA_ENVREF_BAD_NAME = -1,   /* "${ }": the name is blank */
    JXA_ENVREF_UNSET = -2,      /* the variable is not in the environment */
    JXA_ENVREF_EMPTY = -3,      /* it is set, but blank after trimming */
    JXA_ENVREF_NOMEM = -4,
};

/* Resolves s.  Whitespace here is Java's String.trim(): every byte <= ' '.
 * - s trimmed starts with "${" and ends with "}", and is not exactly "${}":
 *   a reference; the name is what lies between, trimmed.  *out gets the
 *   variable's value, trimmed.  A blank name, an unset variable and a
 *   blank value are errors (jmx_exporter fails the start).
 * - anything else (no reference, "${}", text around a reference such as
 *   "a${X}", a blank string): *out gets a copy of s, untouched.
 * "${A}${B}" is one reference to a variable named "A}${B", as in
 * jmx_exporter; there is no escape and no default syntax.
 * On success *out is malloc'd (caller frees); on error *out is NULL. */
int jxa_envref_resolve(const char *s, char **out);

/* Is s (trimmed) a reference, i.e. would jxa_envref_resolve read the
 * environment?  For messages that must not print a resolved secret. */
int jxa_envref_is_ref(const char *s);

/* A short phrase for an error code: "names no variable", "is not set",
 * "is empty", "out of memory". */
const char *jxa_envref_strerror(int rc);

#endif
