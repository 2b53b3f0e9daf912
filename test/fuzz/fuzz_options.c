/* libFuzzer target: the agent option string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct jxa_options o;
    char err[512];
    if (jxa_options_parse(s, &o, err, sizeof err) == 0) {
        if (o.port_lo < 0 || o.port_hi > 65535 || o.port_lo > o.port_hi)
            abort();    /* parse accepted an impossible port */
        if (o.nexporters > JXA_MAX_EXPORTERS)
            abort();
        for (size_t i = 0; i < o.nexporters; i++) {
            const struct jxa_exporter_opt *e = &o.exporters[i];
            if (e->port_lo < 0 || e->port_hi > 65535 || e->port_lo > e->port_hi ||
                e->config == NULL)
                abort();
            struct jxa_options one;
            if (jxa_options_exporter(&o, i, &one) == 0)
                jxa_options_free(&one);
        }
        jxa_options_free(&o);
    } else if (strchr(err, '\n') != NULL) {
        abort();        /* errors are one line */
    }
    free(s);
    return 0;
}
