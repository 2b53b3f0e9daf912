/* test_prefilter.c - jxa_engine_needs_value: an attribute is left unfetched
 * only when no rule could make anything of it, whatever its value.
 *
 * Every "not needed" verdict below is checked against the engine itself:
 * each value of the attribute's class in a battery (numbers as the walk
 * prints them, both booleans, strings that spell the very match strings
 * the rules look for) goes through jxa_engine_record, and must add no
 * sample, raise no error, and leave jmx_scrape_cached_beans at the count
 * the verdict reported.  Configs go through the real YAML loader, so the
 * probes and the "^.*(?:P).*$" wrapper are the agent's own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "log.h"
#include "rules.h"

static struct jxa_config *load(const char *yaml)
{
    struct jxa_config *c = NULL;
    char err[512];
    if (jxa_config_load_string(yaml, strlen(yaml), "(t)", &c, err, sizeof err) != 0) {
        FAILF("config: %s", err);
        return NULL;
    }
    return c;
}

static const char *const numbers[] = {
    "0", "1", "-1", "42", "3.5", "-0.0", "1.0E10", "4.9E-324", "NaN", "Infinity",
    "-Infinity", "9223372036854775807", "-9223372036854775808", "0.001"};
static const char *const booleans[] = {"true", "false"};
static const char *const strings[] = {
    "", "x", "12", "true", "<cache>",
    "bench<type=Cache, name=cache1><>Count: 5",
    "bench<type=Cache, name=cache1><>Label: 7", "Label", "Count: 1", ": : :",
    "metrics<name=app.driver.x><>Value", "\xc3\xa5 line\nbreak"};

/* The exposition, rc, error and cache count of one leaf recorded from rule
 * `first` on. */
static char *record_from(struct jxa_config *c, struct jxa_leaf l, size_t first, int *rc,
                         char *err, size_t errlen, size_t *touched)
{
    struct jxa_engine *e = jxa_engine_new(c);
    struct jxa_mset *m = jxa_mset_new();
    l.first_rule = first;
    jxa_engine_begin(e);
    *rc = jxa_engine_record(e, &l, m, err, errlen);
    *touched = jxa_engine_end(e);
    jxa_mset_finish(m);
    struct jxa_buf out = {0};
    jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_TEXT, NULL, 0, 0}, &out);
    jxa_mset_free(m);
    jxa_engine_free(e);
    return jxa_buf_steal(&out);
}

/* Calls check for the leaf with each value of class vc in the battery. */
static void each_value(struct jxa_config *c, const char *kpls, const char *attr,
                       enum jxa_vclass vc, size_t arg,
                       void (*check)(struct jxa_config *c, const char *kpls,
                                     struct jxa_leaf l, size_t arg))
{
    const char *const *vals = vc == JXA_VC_NUMBER ? numbers
                              : vc == JXA_VC_BOOL ? booleans : strings;
    size_t n = vc == JXA_VC_NUMBER ? sizeof numbers / sizeof *numbers
               : vc == JXA_VC_BOOL ? 2 : sizeof strings / sizeof *strings;
    struct jxa_prop *props = NULL;
    size_t nprops = 0;
    CHECK_INT(jxa_props_parse(kpls, &props, &nprops), 0);
    for (size_t i = 0; i < n; i++) {
        struct jxa_leaf l = {.domain = "bench", .props = props, .nprops = nprops,
                             .attr = attr, .text = vals[i]};
        l.kind = vc == JXA_VC_NUMBER ? JXA_V_NUMBER : vc == JXA_VC_BOOL ? JXA_V_BOOL
                                                                       : JXA_V_STRING;
        l.num = vc == JXA_VC_BOOL ? (strcmp(vals[i], "true") == 0) : 1;
        check(c, kpls, l, arg);
    }
    jxa_props_free(props, nprops);
}

/* The value adds no sample, fails nothing, and touches `misses` cache
 * entries. */
static void silent(struct jxa_config *c, const char *kpls, struct jxa_leaf l, size_t misses)
{
    char err[256] = "";
    int rc;
    size_t touched;
    char *out = record_from(c, l, 0, &rc, err, sizeof err, &touched);
    if (rc != 0 || (out != NULL && out[0] != '\0') || touched != misses)
        FAILF("%s %s = \"%s\": rc %d (%s), touched %zu (verdict %zu), output \"%s\"",
              kpls, l.attr, l.text, rc, err, touched, misses, out ? out : "");
    free(out);
}

/* Starting at rule `first` gives what starting at 0 gives. */
static void same_from(struct jxa_config *c, const char *kpls, struct jxa_leaf l, size_t first)
{
    char err[256] = "";
    int rc0, rc1;
    size_t t0, t1;
    char *all = record_from(c, l, 0, &rc0, err, sizeof err, &t0);
    char *from = record_from(c, l, first, &rc1, err, sizeof err, &t1);
    if (rc0 != rc1 || t0 != t1 || strcmp(all ? all : "", from ? from : "") != 0)
        FAILF("%s %s = \"%s\" from rule %zu: \"%s\" (rc %d, touched %zu); from 0: "
              "\"%s\" (rc %d, touched %zu)", kpls, l.attr, l.text, first, from, rc1, t1,
              all, rc0, t0);
    free(all);
    free(from);
}

/* The engine's verdict for one attribute: needed, and the first rule and
 * cache misses it reports. */
static bool verdict(struct jxa_config *c, const char *kpls, const char *attr,
                    enum jxa_vclass vc, size_t *misses, size_t *first)
{
    struct jxa_prop *props = NULL;
    size_t nprops = 0;
    CHECK_INT(jxa_props_parse(kpls, &props, &nprops), 0);
    struct jxa_engine *e = jxa_engine_new(c);
    struct jxa_leaf l = {.domain = "bench", .props = props, .nprops = nprops, .attr = attr};
    bool r = jxa_engine_needs_value(e, &l, vc, misses, first);
    jxa_engine_free(e);
    jxa_props_free(props, nprops);
    return r;
}

/* The verdict for one attribute; a "not needed" one is cross-checked
 * against every value of the class (no sample, no error, the cache count
 * it reported), and so is a needed one's first rule. */
static bool needs(struct jxa_config *c, const char *kpls, const char *attr,
                  enum jxa_vclass vc)
{
    size_t misses = 99, first = 99;
    bool r = verdict(c, kpls, attr, vc, &misses, &first);
    if (!r)
        each_value(c, kpls, attr, vc, misses, silent);
    else if (first > 0)
        each_value(c, kpls, attr, vc, first, same_from);
    return r;
}

/* The stress-rules shape (bench/configs/stress_20rules.yaml): rules that
 * name their attributes, without `value:`. */
static void test_named_attributes(void)
{
    struct jxa_config *c = load(
        "rules:\n"
        "  - pattern: 'bench<type=Cache, name=cache(\\d+)><>Count'\n"
        "    name: bench_cache_events_total\n"
        "    labels: {cache: '$1'}\n"
        "  - pattern: 'bench<type=Cache, name=cache(\\d+)><>(value|size)'\n"
        "    name: bench_cache_$2\n"
        "    attrNameSnakeCase: true\n");
    if (!c)
        return;
    const char *k = "type=Cache,name=cache7";
    CHECK(needs(c, k, "Count", JXA_VC_NUMBER));
    CHECK(needs(c, k, "Value", JXA_VC_NUMBER));      /* snake case: "value" */
    CHECK(needs(c, k, "CountExtra", JXA_VC_NUMBER)); /* "Count" then more */
    CHECK(!needs(c, k, "Ratio", JXA_VC_NUMBER));
    CHECK(!needs(c, k, "Active", JXA_VC_BOOL));
    /* A String can spell a whole match string, but no rule has `value:`. */
    CHECK(!needs(c, k, "Label", JXA_VC_STRING));
    CHECK(!needs(c, "type=Pool,name=pool7", "Count", JXA_VC_NUMBER));
    CHECK(needs(c, k, "Count", JXA_VC_ANY));          /* CompositeData, Object */
    jxa_config_free(c);
}

/* Patterns that read the value. */
static void test_value_patterns(void)
{
    /* A match that starts in the name part and ends in the value. */
    struct jxa_config *c = load(
        "rules:\n"
        "  - pattern: 'bench<type=Cache, name=\\w+><>Ratio: 1'\n"
        "    name: a\n"
        "  - pattern: 'e7><>Size: (?=\\d)'\n"               /* a look-ahead */
        "    name: a\n");
    if (!c)
        return;
    const char *k = "type=Cache,name=cache7";
    CHECK(needs(c, k, "Ratio", JXA_VC_NUMBER));
    CHECK(needs(c, k, "Size", JXA_VC_NUMBER));
    CHECK(!needs(c, k, "Other", JXA_VC_NUMBER));
    jxa_config_free(c);

    c = load(
        "rules:\n"
        "  - pattern: 'bench<type=Cache, name=\\w+><>Ratio: 1'\n"   /* the value */
        "    name: a\n"
        "  - pattern: 'E1'\n"                                  /* inside a number */
        "    name: b\n"
        "  - pattern: 'Size: true'\n"
        "    name: c\n");
    if (!c)
        return;
    CHECK(needs(c, k, "Ratio", JXA_VC_NUMBER));
    CHECK(needs(c, k, "Other", JXA_VC_NUMBER));   /* 'E1' can be in 1.0E10 */
    CHECK(needs(c, k, "Size", JXA_VC_BOOL));
    CHECK(!needs(c, k, "Other", JXA_VC_BOOL));
    jxa_config_free(c);

    c = load("rules:\n"
             "  - pattern: 'x<>Count: (\\d+)'\n"
             "    name: a\n"
             "  - pattern: 'bench<type=Cache, name=cache7><>Lab'\n"
             "    name: b\n"
             "    value: '1'\n");                      /* a String's sample */
    if (!c)
        return;
    CHECK(!needs(c, k, "Count", JXA_VC_NUMBER));  /* "x<>" is in no name part */
    CHECK(needs(c, k, "Label", JXA_VC_STRING));
    CHECK(needs(c, k, "Other", JXA_VC_STRING));   /* the value could spell it */
    jxa_config_free(c);
}

/* A pattern whose lazy group runs to the end of the name part: PCRE2's
 * partial match cannot rule it out, its literal text can ("><>Ratio" is
 * in no number and not in the name part); the value-reading one it
 * cannot ("Count: 1" could straddle the name part and a number). */
static void test_literal_proof(void)
{
    struct jxa_config *c = load(
        "rules:\n"
        "  - pattern: 'bench<type=Cache, name=(.+?)><>Ratio'\n"
        "    name: a_$1\n"
        "  - pattern: 'bench<type=Cache, name=(.+?)><>Count: 1'\n"
        "    name: b_$1\n");
    if (!c)
        return;
    const char *k = "type=Cache,name=cache7";
    CHECK(!needs(c, k, "Size", JXA_VC_NUMBER));
    CHECK(needs(c, k, "Ratio", JXA_VC_NUMBER));
    CHECK(needs(c, k, "Count", JXA_VC_NUMBER));
    CHECK(!needs(c, k, "Counter", JXA_VC_NUMBER));
    jxa_config_free(c);
}

/* Cached rules see "<cache>", never the value: exact, and the misses are
 * counted as jmx_exporter counts its cache entries. */
static void test_cached_rules(void)
{
    struct jxa_config *c = load(
        "rules:\n"
        "  - pattern: 'bench<type=Cache, name=cache(\\d+)><>Count'\n"
        "    name: a\n"
        "    cache: true\n"
        "  - pattern: '.*<>Hits'\n"
        "    name: b\n"
        "    cache: true\n"
        "  - pattern: 'nothing'\n"
        "    name: c\n");
    if (!c)
        return;
    const char *k = "type=Cache,name=cache7";
    CHECK(needs(c, k, "Count", JXA_VC_NUMBER));
    CHECK(needs(c, k, "Hits", JXA_VC_STRING));
    CHECK(!needs(c, k, "Misses", JXA_VC_NUMBER));   /* 2 cached misses */
    CHECK(!needs(c, k, "Misses", JXA_VC_BOOL));
    CHECK(!needs(c, k, "Name", JXA_VC_STRING));
    jxa_config_free(c);
}

/* No rules key: the default rule exports every number and boolean, and
 * makes nothing of a String. */
static void test_default_rule(void)
{
    struct jxa_config *c = load("{}\n");
    if (!c)
        return;
    const char *k = "type=Cache,name=cache7";
    CHECK(needs(c, k, "Count", JXA_VC_NUMBER));
    CHECK(needs(c, k, "Active", JXA_VC_BOOL));
    CHECK(!needs(c, k, "Label", JXA_VC_STRING));
    jxa_config_free(c);

    /* A String rule whose template cannot be expanded fails the scrape. */
    c = load("rules:\n  - pattern: 'Label'\n    name: x_$3\n");
    if (!c)
        return;
    CHECK(needs(c, k, "Label", JXA_VC_STRING));
    jxa_config_free(c);

    /* rules: [] exports nothing at all. */
    c = load("rules: []\n");
    if (!c)
        return;
    CHECK(!needs(c, k, "Count", JXA_VC_NUMBER));
    jxa_config_free(c);
}

/* The stress-rules order: a bean of a later type skips the rules of the
 * earlier types (uncached, proven misses), and only those. */
static size_t first_of(struct jxa_config *c, const char *kpls, const char *attr,
                       enum jxa_vclass vc)
{
    size_t misses = 0, first = 99;
    CHECK(verdict(c, kpls, attr, vc, &misses, &first));
    needs(c, kpls, attr, vc);           /* cross-checks that first rule */
    return first;
}

static void test_first_rule(void)
{
    struct jxa_config *c = load(
        "rules:\n"
        "  - pattern: 'bench<type=Cache, name=cache(\\d+)><>Count'\n"
        "    name: a\n"
        "  - pattern: 'bench<type=Pool, name=pool(\\d+)><>Count'\n"
        "    name: b\n"
        "  - pattern: 'E1'\n"                           /* can be in a number */
        "    name: c\n"
        "  - pattern: 'bench<type=Queue, name=queue(\\d+)><>Count'\n"
        "    name: d\n"
        "  - pattern: 'bench<type=Queue, name=queue(\\d+)><>Flag'\n"
        "    name: e\n"
        "    cache: true\n"
        "  - pattern: 'bench<type=Queue, name=queue(\\d+)><>Open: true'\n"
        "    name: f\n");
    if (!c)
        return;
    CHECK_INT(first_of(c, "type=Cache,name=cache1", "Count", JXA_VC_NUMBER), 0);
    CHECK_INT(first_of(c, "type=Pool,name=pool1", "Count", JXA_VC_NUMBER), 1);
    CHECK_INT(first_of(c, "type=Queue,name=queue1", "Count", JXA_VC_NUMBER), 2);
    CHECK_INT(first_of(c, "type=Queue,name=queue1", "Flag", JXA_VC_BOOL), 4);   /* cached */
    CHECK_INT(first_of(c, "type=Queue,name=queue1", "Open", JXA_VC_BOOL), 4);
    CHECK_INT(first_of(c, "type=Queue,name=queue1", "Label", JXA_VC_STRING), 0);
    jxa_config_free(c);
}

/* ---- literal texts and the per-attribute slot ---------------------------- */

/* The literal runs of a pattern, joined with '|' for comparison. */
static char *literals(const char *pattern, size_t *count)
{
    struct jxa_buf b = {0}, j = {0};
    *count = jxa_pattern_literals(pattern, &b);
    const char *q = b.data;
    for (size_t i = 0; i < *count; i++) {
        if (i)
            jxa_buf_putc(&j, '|');
        jxa_buf_puts(&j, q);
        q += strlen(q) + 1;
    }
    jxa_buf_free(&b);
    return jxa_buf_steal(&j);
}

static void test_pattern_literals(void)
{
    static const struct {
        const char *pattern, *runs;
        size_t count;
    } t[] = {
        {"bench<type=Cache, name=cache(\\d+)><>Count", "bench<type=Cache, name=cache|><>Count", 2},
        {"metrics<name=\"?(.+?)\\.(driver)\\.DAGScheduler\\.stage\\.failedStages\"?"
         "(?:, type=gauges)?><>Value",
         "metrics<name=|.|.DAGScheduler.stage.failedStages|><>Value", 4},
        {"ab?c", "a|c", 2},             /* optional: not in every match */
        {"ab*c", "a|c", 2},
        {"ab{0,2}c", "a|c", 2},
        {"ab+c", "ab|c", 2},            /* once at least, then maybe more */
        {"ab+?c", "ab|c", 2},
        {"a.b", "a|b", 2},
        {"[a-z]+Count: \\d+", "Count: ", 1},
        {"[^]a]x", "", 0},              /* a class it does not follow: nothing */
        {"[a[b-c]]x", "x", 1},
        {"\\p{Lu}x\\u0041y\\x41z\\0101w", "x|y|z|w", 4},
        {"\\Qa|b\\Ex", "", 0},
        {"a|b", "", 0},                 /* alternatives: none in every match */
        {"(?:a|b)c", "c", 1},
        {"(?i)abc", "", 0},             /* flags change what a letter matches */
        {"ab(?x) c", "", 0},
        {"a)|(b", "", 0},               /* closes the wrapper's group */
        {"\\$x\\.y", "$x.y", 1},    /* escaped punctuation is text */
        {"\xc3\xa9?x\xc3\xa9", "x\xc3\xa9", 1},  /* whole UTF-8 characters */
        {"x{2}y", "y", 1},
        {"", "", 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        size_t n = 99;
        char *got = literals(t[i].pattern, &n);
        if (n != t[i].count || strcmp(got ? got : "", t[i].runs) != 0)
            FAILF("'%s': %zu runs \"%s\", expected %zu \"%s\"", t[i].pattern, n, got, t[i].count,
                  t[i].runs);
        free(got);
    }
}

/* The exposition of one number leaf, with or without its slot. */
static char *record_slot(struct jxa_config *c, struct jxa_leaf l, const struct jxa_slot *s)
{
    struct jxa_engine *e = jxa_engine_new(c);
    struct jxa_mset *m = jxa_mset_new();
    char err[256] = "";
    l.slot = s;
    jxa_engine_begin(e);
    int rc = jxa_engine_record(e, &l, m, err, sizeof err);
    size_t touched = jxa_engine_end(e);
    jxa_mset_finish(m);
    struct jxa_buf out = {0};
    jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_TEXT, NULL, 0, 0}, &out);
    jxa_buf_printf(&out, "rc %d %s touched %zu", rc, err, touched);
    jxa_mset_free(m);
    jxa_engine_free(e);
    return jxa_buf_steal(&out);
}

/* The slot of one attribute: every number value (and a few others) gives
 * with it what all the rules give; returns how many rules it keeps (0:
 * no slot). */
static size_t slot_of(struct jxa_config *c, const char *kpls, const char *attr)
{
    static const char *const others[] = {"true", "x: 1", "Count: 1", "><>Value: 1"};
    struct jxa_prop *props = NULL;
    size_t nprops = 0;
    CHECK_INT(jxa_props_parse(kpls, &props, &nprops), 0);
    struct jxa_engine *e = jxa_engine_new(c);
    struct jxa_leaf l = {.domain = "bench", .props = props, .nprops = nprops, .attr = attr};
    struct jxa_slot *s = jxa_engine_slot(e, &l);
    jxa_engine_free(e);
    size_t nn = sizeof numbers / sizeof *numbers;
    for (size_t i = 0; i < nn + sizeof others / sizeof *others; i++) {
        l.text = i < nn ? numbers[i] : others[i - nn];
        l.kind = i < nn ? JXA_V_NUMBER : JXA_V_STRING;
        l.num = 1;
        char *all = record_slot(c, l, NULL);
        char *with = record_slot(c, l, s);
        if (strcmp(all, with) != 0)
            FAILF("%s %s = \"%s\" with the slot: \"%s\"; without: \"%s\"", kpls, attr, l.text,
                  with, all);
        free(all);
        free(with);
    }
    size_t n = jxa_slot_rules(s);
    jxa_slot_free(s);
    jxa_props_free(props, nprops);
    return n;
}

static void test_slot(void)
{
    struct jxa_config *c = load(
        "rules:\n"
        "  - pattern: 'bench<type=Cache, name=cache(\\d+)><>Count'\n"   /* 0 */
        "    name: a_$1\n"
        "  - pattern: 'bench<type=Pool, name=(\\w+?)(\\d+)><>(Value|Size):'\n"
        "    name: b_$1_$3\n"
        "  - pattern: 'bench<type=(Queue), name=(.+)><>(Value|Size)'\n"  /* 2 */
        "    name: c_$1_$3\n"
        "    labels: {name: '$2'}\n"
        "  - pattern: 'Count: 1'\n"               /* the name part, then the value */
        "    name: d\n"
        "  - pattern: 'ount: 12'\n"
        "    name: e\n"
        "  - pattern: 'E1'\n"                     /* can be inside a number */
        "    name: f\n"
        "  - pattern: 'Siz?ex'\n"                 /* 'z' optional: \"Siex\" is no proof */
        "    name: g\n"
        "  - pattern: 'Si(z)?e'\n"
        "    name: h\n"
        "  - pattern: 'bench<type=Queue, name=queue1><>Flag'\n"
        "    name: i\n"
        "    cache: true\n"
        "  - pattern: 'bench<type=Store, name=(.+)><>Value'\n"
        "    name: j\n");
    if (!c)
        return;
    /* Rule 0; 3 and 4 straddle into the value; 5 is number text; the
     * cached rule always stays. */
    CHECK_INT(slot_of(c, "type=Cache,name=cache1", "Count"), 5);
    CHECK_INT(slot_of(c, "type=Pool,name=pool7", "Size"), 4);    /* 1 5 7 8 */
    CHECK_INT(slot_of(c, "type=Queue,name=queue1", "Value"), 3); /* 2 5 8 */
    /* 2 stays: its (.+) runs into the value, PCRE2 cannot rule it out. */
    CHECK_INT(slot_of(c, "type=Queue,name=queue1", "Siex"), 5);  /* 2 5 6 7 8 */
    CHECK_INT(slot_of(c, "type=Store,name=s", "Value"), 3);      /* 5 8 9 */
    jxa_config_free(c);

    /* Two rules kept (the handle holds them): the value decides which. */
    c = load("rules:\n"
             "  - pattern: 'bench<type=Cache, name=cache1><>Count: 1'\n"
             "    name: a\n"
             "  - pattern: 'bench<type=Pool, name=pool1><>Count'\n"
             "    name: b\n"
             "  - pattern: 'Cou(nt)'\n"
             "    name: c_$1\n");
    if (!c)
        return;
    CHECK_INT(slot_of(c, "type=Cache,name=cache1", "Count"), 2);
    jxa_config_free(c);

    /* Without rules: the default rule, which matches everything, is all
     * there is; no slot. */
    c = load("{}\n");
    if (!c)
        return;
    CHECK_INT(slot_of(c, "type=Cache,name=cache1", "Count"), 0);
    jxa_config_free(c);

    /* A catch-all after the attribute's rule: two kept, the handle holds
     * them. */
    c = load("rules:\n"
             "  - pattern: 'bench<type=Cache, name=cache(\\d+)><>Count'\n"
             "    name: a_$1\n"
             "  - pattern: 'bench<type=Pool, name=pool1><>Count'\n"
             "    name: b\n"
             "  - {}\n");
    if (!c)
        return;
    CHECK_INT(slot_of(c, "type=Cache,name=cache1", "Count"), 2);
    CHECK_INT(slot_of(c, "type=Pool,name=pool2", "Count"), 1);
    jxa_config_free(c);
}

SUITE(prefilter)
{
    RUN(test_pattern_literals);
    RUN(test_slot);
    RUN(test_named_attributes);
    RUN(test_value_patterns);
    RUN(test_literal_proof);
    RUN(test_cached_rules);
    RUN(test_default_rule);
    RUN(test_first_rule);
}
