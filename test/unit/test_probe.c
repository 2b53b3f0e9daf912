/* test_probe.c - the unanchored pre-check (config.c compile_probe) must
 * never turn a match of "^.*(?:P).*$" into a miss: for many patterns and
 * match strings, the engine gives the same output with and without it. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "mset.h"
#include "rules.h"


static const char *const patterns[] = {
    "java.lang<type=(\\\\w+)><>(\\\\w+)",
    "^java",
    "Count: (\\\\d+)$",
    "(\\\\d)",
    "a)|(b",
    "[(]x",
    "(?i)HEAP",
    "(?<=<)type=Memory",
    "metrics<name=(\\\\S+?)\\\\.driver\\\\.(\\\\w+)\\\\.(\\\\w+), type=gauges><>Value",
    "\\\\Q<>\\\\E",
    "x|",
    "(a|b)c\\\\1",
};

static const char *const domains[] = {"java.lang", "metrics", "ab", "x"};
static const char *const attrs[] = {"HeapMemoryUsage", "Count", "Value", "bcb"};

static char *render(bool with_probe, const char *pattern)
{
    char yaml[512], err[512];
    snprintf(yaml, sizeof yaml, "rules:\n  - pattern: \"%s\"\n    name: m\n    labels: {v: '$0'}\n    value: '7'\n",
             pattern);
    struct jxa_config *c = NULL;
    if (jxa_config_load_string(yaml, strlen(yaml), "p.yaml", &c, err, sizeof err) != 0)
        return strdup(err);
    if (!with_probe)
        for (size_t i = 0; i < c->nrules; i++) {
            pcre2_code_free(c->rules[i].probe);
            c->rules[i].probe = NULL;
        }
    struct jxa_engine *e = jxa_engine_new(c);
    struct jxa_mset *m = jxa_mset_new();
    jxa_engine_begin(e);
    for (size_t d = 0; d < 4; d++)
        for (size_t a = 0; a < 4; a++) {
            struct jxa_prop props[2] = {{"type", "Memory"}, {"name", "app-1.driver.DAG.x"}};
            struct jxa_leaf leaf = {.domain = domains[d], .props = props, .nprops = 1 + a % 2,
                                    .attr = attrs[a], .kind = JXA_V_NUMBER, .num = 3,
                                    .text = a == 1 ? "12" : "3.5"};
            jxa_engine_record(e, &leaf, m, err, sizeof err);
        }
    jxa_engine_end(e);
    jxa_mset_finish(m);
    struct jxa_buf out = {0};
    jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_TEXT, NULL, 0, 0}, &out);
    jxa_mset_free(m);
    jxa_engine_free(e);
    jxa_config_free(c);
    return jxa_buf_steal(&out);
}

static void test_probe_never_changes_output(void)
{
    size_t matched = 0;
    for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++) {
        char *a = render(true, patterns[i]), *b = render(false, patterns[i]);
        CHECK_STR(a, b);
        if (a != NULL && strstr(a, "m{v=") != NULL)
            matched++;
        free(a);
        free(b);
    }
    /* The corpus must exercise hits too, or the comparison proves little. */
    CHECK(matched >= 5);
}

static void test_probe_compiled_when_balanced(void)
{
    char err[256];
    struct jxa_config *c = NULL;
    const char *y = "rules:\n  - pattern: 'a(b)c'\n    name: x\n  - pattern: 'a)|(b'\n    name: y\n";
    CHECK_INT(jxa_config_load_string(y, strlen(y), "p.yaml", &c, err, sizeof err), 0);
    if (c != NULL) {
        CHECK(c->rules[0].probe != NULL);
        CHECK(c->rules[1].probe == NULL);   /* splices into the wrapper */
        jxa_config_free(c);
    }
}

SUITE(probe)
{
    RUN(test_probe_never_changes_output);
    RUN(test_probe_compiled_when_balanced);
}
