/* libFuzzer target: the YAML config loader.  Errors must be one line; a
 * loaded config must drive the engine and the writer without crashing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mset.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jxa_config *c = NULL;
    char err[1024];
    if (jxa_config_load_string((const char *)data, size, "fuzz.yaml", &c, err, sizeof err) != 0) {
        if (strchr(err, '\n') != NULL)
            abort();
        return 0;
    }
    struct jxa_engine *e = jxa_engine_new(c);
    struct jxa_mset *m = jxa_mset_new();
    if (e != NULL && m != NULL) {
        struct jxa_prop props[2] = {{"type", "GarbageCollector"}, {"name", "G1 Young Generation"}};
        const char *keys[1] = {"LastGcInfo"};
        struct jxa_leaf leaf = {.domain = "java.lang", .props = props, .nprops = 2,
                                .attr_keys = keys, .nattr_keys = 1, .attr = "duration",
                                .description = "d", .kind = JXA_V_NUMBER, .num = 12,
                                .text = "12"};
        jxa_engine_begin(e);
        jxa_engine_record(e, &leaf, m, err, sizeof err);
        leaf.kind = JXA_V_STRING;
        leaf.text = "RUNNING";
        jxa_engine_record(e, &leaf, m, err, sizeof err);
        jxa_engine_end(e);
        jxa_mset_finish(m);
        struct jxa_buf out = {0};
        jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_TEXT, NULL, 0, 0}, &out);
        jxa_buf_free(&out);
    }
    jxa_mset_free(m);
    jxa_engine_free(e);
    jxa_config_free(c);
    return 0;
}
