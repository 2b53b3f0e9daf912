/* envref.c - see envref.h. */
#include "envref.h"

#include <stdlib.h>
#include <string.h>

/* Java's String.trim() removes every char <= U+0020 at both ends; in UTF-8
 * those are exactly the bytes <= 0x20, which never occur inside a
 * multi-byte sequence, so trimming bytes is the same thing. */
static void trim(const char *s, const char **b, const char **e)
{
    const char *p = s, *q = s + strlen(s);
    while (p < q && (unsigned char)*p <= ' ')
        p++;
    while (q > p && (unsigned char)q[-1] <= ' ')
        q--;
    *b = p;
    *e = q;
}

int jxa_envref_is_ref(const char *s)
{
    if (s == NULL)
        return 0;
    const char *b, *e;
    trim(s, &b, &e);
    size_t n = (size_t)(e - b);
    /* "${}" is kept as a literal; "${ }" is a reference with a blank name. */
    return n > 3 && b[0] == '$' && b[1] == '{' && e[-1] == '}';
}

int jxa_envref_resolve(const char *s, char **out)
{
    *out = NULL;
    if (!jxa_envref_is_ref(s)) {
        *out = strdup(s != NULL ? s : "");
        return *out != NULL ? JXA_ENVREF_OK : JXA_ENVREF_NOMEM;
    }
    const char *b, *e, *nb, *ne;
    trim(s, &b, &e);
    char *inner = strndup(b + 2, (size_t)(e - b - 3));
    if (inner == NULL)
        return JXA_ENVREF_NOMEM;
    trim(inner, &nb, &ne);
    if (nb == ne) {
        free(inner);
        return JXA_ENVREF_BAD_NAME;
    }
    char *name = strndup(nb, (size_t)(ne - nb));
    free(inner);
    if (name == NULL)
        return JXA_ENVREF_NOMEM;
    const char *val = getenv(name);
    free(name);
    if (val == NULL)
        return JXA_ENVREF_UNSET;
    const char *vb, *ve;
    trim(val, &vb, &ve);
    if (vb == ve)
        return JXA_ENVREF_EMPTY;
    *out = strndup(vb, (size_t)(ve - vb));
    return *out != NULL ? JXA_ENVREF_OK : JXA_ENVREF_NOMEM;
}

const char *jxa_envref_strerror(int rc)
{
    switch (rc) {
    case JXA_ENVREF_OK:
        return "resolved";
    case JXA_ENVREF_BAD_NAME:
        return "names no variable";
    case JXA_ENVREF_UNSET:
        return "is not set";
    case JXA_ENVREF_EMPTY:
        return "is empty";
    default:
        return "out of memory";
    }
}
