/* rules_fixture.h - TEST ONLY: builds a struct jxa_config by hand, without
 * the YAML loader, and drives the rule engine on one leaf.
 *
 * Patterns are compiled as agent/config.c does: "^.*(?:" P ").*$" with
 * PCRE2_UTF (no PCRE2_UCP: Java's \w, \d, \s are ASCII by default) and
 * PCRE2_NEWLINE_ANY (Java's line terminators for '.' and '$'), then
 * JIT-compiled when available.  Labels are sorted by template name
 * (jmx_exporter copies them into a TreeMap). */
#ifndef JXA_RULES_FIXTURE_H
#define JXA_RULES_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "mset.h"
#include "objname.h"
#include "rules.h"

struct fx_rule {
    const char *pattern, *name, *value, *help;
    double factor;              /* 0 = 1.0 */
    enum jxa_mtype type;
    bool snake, cache;
    const char *labels[16];     /* name, value, name, value, ..., NULL */
};

static inline char *fx_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static inline int fx_lt_cmp(const void *a, const void *b)
{
    const struct jxa_label_tmpl *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* n rules; returns NULL (and prints why) if a pattern does not compile. */
static inline struct jxa_config *fx_config(const struct fx_rule *rules,
                                           size_t n)
{
    struct jxa_config *c = calloc(1, sizeof *c);
    c->include_all = true;
    c->auto_exclude_attributes = true;
    c->rules = calloc(n ? n : 1, sizeof *c->rules);
    c->nrules = n;
    for (size_t i = 0; i < n; i++) {
        const struct fx_rule *f = &rules[i];
        struct jxa_rule *r = &c->rules[i];
        r->pattern = fx_strdup(f->pattern);
        if (f->pattern) {
            size_t len = strlen(f->pattern) + 16;
            char *wrapped = malloc(len);
            snprintf(wrapped, len, "^.*(?:%s).*$", f->pattern);
            int ec;
            PCRE2_SIZE eo;
            pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
            pcre2_set_newline(cc, PCRE2_NEWLINE_ANY);
            r->re = pcre2_compile((PCRE2_SPTR)wrapped, PCRE2_ZERO_TERMINATED,
                                  PCRE2_UTF, &ec, &eo, cc);
            pcre2_compile_context_free(cc);
            free(wrapped);
            if (!r->re) {
                fprintf(stderr, "fixture: bad pattern %s\n", f->pattern);
                return NULL;
            }
            pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);
            pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &r->ncaptures);
        }
        r->name = fx_strdup(f->name);
        r->value = fx_strdup(f->value);
        r->help = fx_strdup(f->help);
        r->value_factor = f->factor != 0 ? f->factor : 1.0;
        r->type = f->type;
        r->attr_name_snake_case = f->snake;
        r->cache = f->cache;
        r->line = (int)i + 1;
        size_t nl = 0;
        while (nl < 15 && f->labels[nl])
            nl++;
        nl /= 2;
        r->labels = calloc(nl ? nl : 1, sizeof *r->labels);
        r->nlabels = nl;
        for (size_t k = 0; k < nl; k++) {
            r->labels[k].name = strdup(f->labels[2 * k]);
            r->labels[k].value = strdup(f->labels[2 * k + 1]);
        }
        qsort(r->labels, nl, sizeof *r->labels, fx_lt_cmp);
        c->any_cache |= f->cache;
    }
    return c;
}

/* The config for {} : one rule that matches everything. */
static inline struct jxa_config *fx_config_default(void)
{
    struct fx_rule r = {0};
    return fx_config(&r, 1);
}

static inline void fx_config_free(struct jxa_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nrules; i++) {
        struct jxa_rule *r = &c->rules[i];
        free(r->pattern);
        pcre2_code_free(r->re);
        free(r->name);
        free(r->value);
        free(r->help);
        for (size_t k = 0; k < r->nlabels; k++) {
            free(r->labels[k].name);
            free(r->labels[k].value);
        }
        free(r->labels);
    }
    free(c->rules);
    free(c);
}

/* A leaf from an ObjectName-style key property list ("type=A,name=b"). */
struct fx_leaf {
    struct jxa_leaf leaf;
    struct jxa_prop *props;
    size_t nprops;
};

static inline void fx_leaf_init(struct fx_leaf *fl, const char *domain,
                                const char *kpls, const char *const *keys,
                                size_t nkeys, const char *attr,
                                const char *desc)
{
    memset(fl, 0, sizeof *fl);
    jxa_props_parse(kpls, &fl->props, &fl->nprops);
    fl->leaf.domain = domain;
    fl->leaf.props = fl->props;
    fl->leaf.nprops = fl->nprops;
    fl->leaf.attr_keys = keys;
    fl->leaf.nattr_keys = nkeys;
    fl->leaf.attr = attr;
    fl->leaf.description = desc;
}

static inline void fx_leaf_num(struct fx_leaf *fl, double v, const char *text)
{
    fl->leaf.kind = JXA_V_NUMBER;
    fl->leaf.num = v;
    fl->leaf.text = text;
}

static inline void fx_leaf_free(struct fx_leaf *fl)
{
    jxa_props_free(fl->props, fl->nprops);
}

/* Runs the engine over the leaves and renders the result; returns the
 * exposition (malloc'ed) or NULL after a scrape error (err filled). */
static inline char *fx_scrape(struct jxa_engine *e, struct fx_leaf *leaves,
                              size_t n, enum jxa_format fmt, char *err,
                              size_t errlen, int *rc)
{
    struct jxa_mset *m = jxa_mset_new();
    *rc = 0;
    for (size_t i = 0; i < n && *rc == 0; i++)
        *rc = jxa_engine_record(e, &leaves[i].leaf, m, err, errlen);
    jxa_mset_finish(m);
    struct jxa_buf out = {0};
    jxa_mset_write(m, &(struct jxa_write_req){fmt, NULL, 0, 0}, &out);
    jxa_mset_free(m);
    return jxa_buf_steal(&out);
}

#endif
