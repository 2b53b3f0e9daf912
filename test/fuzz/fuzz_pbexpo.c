/* libFuzzer target: the protobuf exposition (pbexpo.c) of families built
 * from the input.  Each line is one sample: the first byte picks the kind
 * (rule gauge / counter / untyped, or a native summary or histogram
 * sample with a quantile / le label and a suffix), then name, label
 * value and value separated by '|'.  Property: protobuf-c reads back every
 * length-delimited message of the body, and the messages hold one metric
 * per written rule sample (a summary or histogram point holds several). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/prometheus/client/metrics.pb-c.h"
#include "mset.h"
#include "pbexpo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *field(char **p)
{
    char *s = *p, *bar = strchr(s, '|');
    if (bar) {
        *bar = '\0';
        *p = bar + 1;
    } else {
        *p = s + strlen(s);
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = strndup((const char *)data, size);
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_buf out = {0};
    if (s == NULL || m == NULL)
        goto out;
    static const char *const suffixes[] = {"", "_count", "_sum", "_bucket"};
    for (char *line = s, *nl; line && *line; line = nl) {
        nl = strchr(line, '\n');
        if (nl)
            *nl++ = '\0';
        unsigned kind = (unsigned char)*line;
        char *p = *line ? line + 1 : line;
        const char *name = field(&p), *lv = field(&p);
        double v = strtod(field(&p), NULL);
        if (kind % 5 < 3) {
            static const enum jxa_mtype t[] = {JXA_GAUGE, JXA_COUNTER, JXA_UNKNOWN};
            struct jxa_label l = {"l", lv};
            jxa_mset_add_jmx(m, name, t[kind % 5], "help", &l, *lv ? 1 : 0, v, name);
        } else {
            enum jxa_mtype t = kind % 5 == 3 ? JXA_SUMMARY : JXA_HISTOGRAM;
            struct jxa_family *f = jxa_mset_family(m, name, t, NULL, NULL);
            struct jxa_label l = {t == JXA_SUMMARY ? "quantile" : "le", lv};
            jxa_family_add(f, suffixes[(kind >> 3) % 4], &l, 1, v, 0);
            if (t == JXA_HISTOGRAM && (kind & 0x80)) {
                int idx[] = {-3, -1, 4};
                unsigned long long cnt[] = {1, 2, (unsigned long long)(kind & 7)};
                struct jxa_native_hist nh = {3, 0x1p-20, 0, idx, cnt, 3};
                jxa_family_add_native(f, NULL, 0, &nh);
            }
        }
    }
    jxa_mset_finish(m);
    struct jxa_write_req req = {JXA_FMT_PROTOBUF, NULL, 0, size % 2 ? 1.5 : 0};
    if (jxa_pb_write(m, &req, &out) != 0)
        goto out;
    size_t at = 0;
    while (at < out.len) {
        uint64_t len = 0;
        for (int shift = 0;; shift += 7) {
            if (at >= out.len || shift > 63)
                abort();
            unsigned char c = (unsigned char)out.data[at++];
            len |= (uint64_t)(c & 0x7f) << shift;
            if (!(c & 0x80))
                break;
        }
        if (len > out.len - at)
            abort();
        Io__Prometheus__Client__MetricFamily *f = io__prometheus__client__metric_family__unpack(
            NULL, (size_t)len, (const uint8_t *)out.data + at);
        if (f == NULL || f->n_metric == 0 || f->name == NULL)
            abort();
        io__prometheus__client__metric_family__free_unpacked(f, NULL);
        at += (size_t)len;
    }
out:
    jxa_buf_free(&out);
    jxa_mset_free(m);
    free(s);
    return 0;
}
