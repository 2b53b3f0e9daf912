/* libFuzzer target: ObjectName parsing, canonical form and pattern match.
 * Property: a parsed non-pattern name matches itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "objname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = strndup((const char *)data, size);
    if (s == NULL)
        return 0;
    struct jxa_objname o;
    char err[256];
    if (jxa_objname_parse(s, &o, err, sizeof err) == 0) {
        char *canon = jxa_objname_canonical(&o);
        if (!jxa_objname_is_pattern(&o) && !jxa_objname_match(&o, o.domain, o.props, o.nprops))
            abort();
        free(canon);
        jxa_objname_free(&o);
    }
    struct jxa_prop *p = NULL;
    size_t n = 0;
    if (jxa_props_parse(s, &p, &n) == 0)
        jxa_props_free(p, n);
    free(s);
    return 0;
}
