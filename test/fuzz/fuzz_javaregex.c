/* libFuzzer target: the Java regex to PCRE2 translation (javaregex.c).
 * Any input: no crash, no leak; a translation comes with an offset map
 * that stays inside the input; an error is one line inside the input; the
 * translation is then compiled as config.c compiles it. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "javaregex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jxa_jre_result r;
    enum jxa_jre_status st = jxa_javaregex_translate((const char *)data, size, &r);
    if (st != JXA_JRE_OK) {
        if (r.err_off > size || strchr(r.err, '\n') != NULL || r.err[0] == '\0')
            abort();
        return 0;
    }
    size_t n = strlen(r.pcre);
    for (size_t k = 0; k <= n; k++)
        if (r.map[k] > size)
            abort();
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)r.pcre, n, PCRE2_UTF, &ec, &eo, NULL);
    pcre2_code_free(re);
    jxa_javaregex_free(&r);
    return 0;
}
