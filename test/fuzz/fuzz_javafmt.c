/* libFuzzer target: Java number formatting and parsing.  Property: what
 * jxa_java_double prints, jxa_java_parse_double reads back to the same
 * double (Double.toString round-trips in Java too). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "javafmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= sizeof(double)) {
        double d, back;
        memcpy(&d, data, sizeof d);
        char buf[JXA_NUMBUF];
        size_t n = jxa_java_double(buf, d);
        if (n == 0 || n >= JXA_NUMBUF || strlen(buf) != n)
            abort();
        if (jxa_java_parse_double(buf, &back) != 0)
            abort();
        if (!(back == d || (isnan(back) && isnan(d))))
            abort();
        jxa_prom_double(buf, d);
        float f;
        memcpy(&f, data, sizeof f);
        jxa_java_float(buf, f);
    }
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    double v;
    (void)jxa_java_parse_double(s, &v);
    free(s);
    return 0;
}
