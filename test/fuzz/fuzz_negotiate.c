/* libFuzzer target: Accept-Encoding and Accept (negotiate.c), headers any
 * client sends.  Properties: one Accept-Encoding field line and the same
 * list split into a line per element give the same answer (RFC 9110 5.3:
 * lines are one list); the Accept format is protobuf only when both of
 * its substrings are there. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = strndup((const char *)data, size);
    char *split = strndup((const char *)data, size);
    const char **lines = calloc(size + 1, sizeof *lines);
    if (s == NULL || split == NULL || lines == NULL)
        goto out;
    size_t n = 0;
    for (char *p = split, *comma; ; p = comma + 1) {
        lines[n++] = p;
        if ((comma = strchr(p, ',')) == NULL)
            break;
        *comma = '\0';
    }
    const char *one = s;
    if (jxa_accepts_gzip(&one, 1) != jxa_accepts_gzip(lines, n))
        abort();
    if (jxa_negotiate_format(s) == JXA_FMT_PROTOBUF &&
        (!strstr(s, "application/vnd.google.protobuf") ||
         !strstr(s, "proto=io.prometheus.client.MetricFamily")))
        abort();
out:
    free(s);
    free(split);
    free(lines);
    return 0;
}
