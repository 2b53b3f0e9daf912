/* libFuzzer target: the rule engine and the exposition writer on arbitrary
 * MBean content.  Input: a fixed set of rules exercising every
 * substitution form, and the fuzz data split on '\n' into domain, key
 * property list, attribute, value text.  Property: whatever the MBean
 * holds, both formats are produced, the text format has no line without
 * a newline, and label values never break out of their quotes; the OTLP
 * encoding (otlp.c) of the same set decodes back with one point per
 * sample. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mset.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "objname.h"
#include "otlp.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules_yaml[] =
    "lowercaseOutputLabelNames: true\n"
    "rules:\n"
    "  - pattern: 'fuzz<type=(\\w+), name=(.*)><>(\\w+): (.*)'\n"
    "    name: fuzz_$1_$3\n"
    "    labels: {name: '$2', value: '$4', '$1': x}\n"
    "    help: 'help $2 \\\\ $4'\n"
    "    type: GAUGE\n"
    "  - pattern: '(.*)<(.*)><(.*)>(.*): (\\d+)'\n"
    "    name: '${1}_${4}_total'\n"
    "    value: '$5'\n"
    "    valueFactor: 0.5\n"
    "    type: COUNTER\n"
    "    cache: true\n"
    "  - pattern: '(.*)<(.*)>'\n"
    "    name: 'x$1'\n"
    "    value: '1'\n"
    "    labels: {'$2': '$1'}\n"
    "  - attrNameSnakeCase: true\n";

static struct jxa_config *cfg;

static char *field(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    const uint8_t *stop = nl ? nl : end;
    char *s = strndup((const char *)*p, (size_t)(stop - *p));
    *p = nl ? nl + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024];
    if (cfg == NULL && jxa_config_load_string(rules_yaml, strlen(rules_yaml), "fuzz", &cfg,
                                              err, sizeof err) != 0)
        abort();
    const uint8_t *p = data, *end = data + size;
    char *domain = field(&p, end), *kpls = field(&p, end), *attr = field(&p, end),
         *text = field(&p, end);
    struct jxa_prop *props = NULL;
    size_t nprops = 0;
    if (domain && kpls && attr && text && jxa_props_parse(kpls, &props, &nprops) == 0) {
        struct jxa_engine *e = jxa_engine_new(cfg);
        struct jxa_mset *m = jxa_mset_new();
        const char *keys[1] = {attr};
        struct jxa_leaf leaf = {.domain = domain, .props = props, .nprops = nprops,
                                .attr_keys = keys, .nattr_keys = size % 2, .attr = attr,
                                .kind = JXA_V_NUMBER, .num = 3, .text = text};
        jxa_engine_begin(e);
        for (int k = 0; k < 3; k++) {
            leaf.kind = (enum jxa_vkind)k;
            jxa_engine_record(e, &leaf, m, err, sizeof err);
        }
        jxa_engine_end(e);
        jxa_mset_finish(m);
        for (int f = 0; f < 2; f++) {
            struct jxa_buf out = {0};
            if (jxa_mset_write(m, &(struct jxa_write_req){(enum jxa_format)f, NULL, 0, 0}, &out) == 0 && out.len > 0 &&
                out.data[out.len - 1] != '\n')
                abort();
            jxa_buf_free(&out);
        }
        struct jxa_otel_config oc = {.enabled = true};
        struct jxa_buf pb = {0};
        if (jxa_otlp_encode(m, &oc, 1, 2, &pb) == 0) {
            Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *r =
                opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
                    NULL, pb.len, (const uint8_t *)pb.data);
            if (r == NULL)
                abort();
            /* Rules make gauges, counters and untyped: one point a sample. */
            size_t points = 0;
            Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = r->resource_metrics[0]->scope_metrics[0];
            for (size_t i = 0; i < sm->n_metrics; i++)
                points += sm->metrics[i]->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM
                              ? sm->metrics[i]->sum->n_data_points
                              : sm->metrics[i]->gauge->n_data_points;
            if (points != jxa_mset_nsamples(m))
                abort();
            opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(r, NULL);
        }
        jxa_buf_free(&pb);
        jxa_mset_free(m);
        jxa_engine_free(e);
        jxa_props_free(props, nprops);
    }
    free(domain);
    free(kpls);
    free(attr);
    free(text);
    return 0;
}
