/* config_customizers.c - the metricCustomizers section of the config
 * (jmx_exporter 1.2+); see config.h, config_table.h and
 * docs/semantics.md §17.
 *
 * jmx_exporter reads it in JmxCollector.loadConfig with unchecked casts
 * (read in 1.6.0, commit 3a7e226): a list of maps, each with an
 * mbeanFilter {domain, properties} and at least one of attributesAsLabels
 * (a list of attribute names) and extraMetrics (a list of {name, value,
 * description}).  Its own checks are the four "Must provide ..." errors,
 * which we give with the same words.  Where a wrong type would be a
 * ClassCastException or NullPointerException at load, or at every scrape
 * of a matched bean, or would silently never match, we fail the load with
 * one line instead; those places are marked "Stricter:". */
#include "config.h"
#include "config_table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "javafmt.h"

/* One customizer while it is read: which keys were given. */
struct cust_tmp {
    struct jxa_customizer *cu;
    bool has_filter, has_domain, has_labels, has_extra;
};

static bool is_null(const yaml_node_t *v)
{
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    return y.k == JXA_Y11_NULL;
}

/* --- mbeanFilter ---------------------------------------------------- */

static int set_domain(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                      const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct cust_tmp *t = base;
    if (v == NULL || is_null(v))
        return 0;               /* "Must provide domain" below */
    t->has_domain = true;
    return jxa_cfg_get_string(c, path, v, &t->cu->domain);
}

/* One key property.  Stricter: a key or value that is not a String never
 * equals an entry of the bean's Hashtable<String,String>, so jmx_exporter
 * silently never applies the customizer. */
static int prop_entry(struct jxa_cfg_ctx *c, const struct jxa_cfg_entry *e, void *arg)
{
    struct jxa_customizer *cu = arg;
    struct jxa_prop *pr = (struct jxa_prop *)e->arr + e->i;
    if (e->key.k != JXA_Y11_STR || e->val.k != JXA_Y11_STR) {
        bool bad_key = e->key.k != JXA_Y11_STR;
        char d[96];
        return fail(c, line_of(bad_key ? e->p->k : e->p->v), e->path,
                    "key property %s must be a string, got %s; quote it "
                    "(jmx_exporter compares strings, so it would never "
                    "match)", bad_key ? "name" : "value",
                    jxa_y11_describe(bad_key ? e->p->k : e->p->v, d, sizeof d));
    }
    pr->key = strdup(e->key.s);
    pr->value = strdup(e->val.s);
    cu->nprops = e->i + 1;
    if (pr->key == NULL || pr->value == NULL)
        return oom(c, e->p->v, e->path);
    return 0;
}

/* properties: (Map<String, String>) getOrDefault(..., new HashMap<>()),
 * compared with the bean's getKeyPropertyList().entrySet().containsAll. */
static int set_props(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                     const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_customizer *cu = ((struct cust_tmp *)base)->cu;
    if (v == NULL)
        return 0;
    char d[96];
    /* Stricter: a null map is an NPE at every scrape of the domain. */
    if (v->type != YAML_MAPPING_NODE)
        return fail(c, line_of(v), path, "must be a map of key property to "
                    "value, got %s; write properties: {type: Foo}",
                    jxa_y11_describe(v, d, sizeof d));
    void *a = NULL;
    int rc = jxa_cfg_each_pair(c, v, path, JXA_CFG_KEY_CUT, sizeof *cu->props, &a,
                               prop_entry, cu);
    cu->props = a;
    return rc;
}

static const struct jxa_cfg_key filter_keys[] = {
    {"domain", NULL, set_domain, 0, 0, 0},
    {"properties", NULL, set_props, 0, 0, 0},
};

static int set_filter(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                      const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct cust_tmp *t = base;
    if (v == NULL || is_null(v))
        return 0;               /* "Must provide mbeanFilter" below */
    if (v->type != YAML_MAPPING_NODE) {
        char d[96];
        return fail(c, line_of(v), path, "must be a map, got %s; write "
                    "mbeanFilter: {domain: ..., properties: {...}}",
                    jxa_y11_describe(v, d, sizeof d));
    }
    t->has_filter = true;
    char prefix[120];
    snprintf(prefix, sizeof prefix, "%s.", path);
    if (JXA_CFG_APPLY(c, v, filter_keys, prefix, t) < 0)
        return -1;
    if (!t->has_domain)
        return fail(c, line_of(v), path, "Must provide domain, if "
                    "metricCustomizers is given; add domain: <the MBean "
                    "domain>");
    return 0;
}

/* --- attributesAsLabels --------------------------------------------- */

static int label_item(struct jxa_cfg_ctx *c, const struct jxa_cfg_item *e, void *arg)
{
    struct jxa_customizer *cu = arg;
    char **labels = e->arr;
    char d[96];
    struct jxa_y11_val y;
    jxa_y11_resolve(e->node, &y);
    /* Stricter: a non-String element is a ClassCastException at every
     * scrape of a matched bean (the for-each over List<String>). */
    if (e->node == NULL || y.k != JXA_Y11_STR)
        return fail(c, line_of(e->node ? e->node : e->list), e->path, "attribute names must "
                    "be strings, got %s; quote it",
                    jxa_y11_describe(e->node, d, sizeof d));
    /* A repeated name is one HashMap key in jmx_exporter. */
    for (size_t j = 0; j < cu->nlabels; j++)
        if (strcmp(labels[j], y.s) == 0)
            return 0;
    if ((labels[cu->nlabels] = strdup(y.s)) == NULL)
        return oom(c, e->node, e->path);
    cu->nlabels++;
    return 0;
}

static int set_labels(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                      const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct cust_tmp *t = base;
    struct jxa_customizer *cu = t->cu;
    if (v == NULL || is_null(v))
        return 0;
    char d[96];
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(c, line_of(v), path, "must be a list of attribute "
                    "names, got %s; write [Attr, ...]",
                    jxa_y11_describe(v, d, sizeof d));
    t->has_labels = true;
    void *a = NULL;
    int rc = jxa_cfg_each_item(c, v, path, sizeof *cu->labels, &a, label_item, cu);
    cu->labels = a;
    return rc;
}

/* --- extraMetrics ---------------------------------------------------- */

struct extra_tmp {
    struct jxa_extra_metric *m;
    bool has_name, has_value;
};

static int set_extra_name(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                          const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct extra_tmp *t = base;
    if (v == NULL || is_null(v))
        return 0;
    t->has_name = true;
    return jxa_cfg_get_string(c, path, v, &t->m->name);
}

/* value: the Object SnakeYAML built, handed to processBeanValue as if an
 * attribute had returned it: Number and Boolean become samples, a String
 * only match text. */
static int set_extra_value(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                           const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct extra_tmp *t = base;
    struct jxa_extra_metric *m = t->m;
    if (v == NULL || is_null(v))
        return 0;
    char d[96];
    /* Stricter: a list or map is an object JmxScraper does not export
     * (and auto-excludes an attribute of that name). */
    if (v->type != YAML_SCALAR_NODE)
        return fail(c, line_of(v), path, "must be a number, a boolean or a "
                    "string, got %s; write a single value",
                    jxa_y11_describe(v, d, sizeof d));
    t->has_value = true;
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    m->text = jxa_y11_java_text(v);
    if (m->text == NULL)
        return oom(c, v, path);
    switch (y.k) {
    case JXA_Y11_BOOL:
        m->kind = JXA_EXTRA_BOOL;
        m->num = y.b ? 1.0 : 0.0;
        break;
    case JXA_Y11_INT:
        m->kind = JXA_EXTRA_NUMBER;
        if (!y.ibig) {
            m->num = (double)y.i;
        } else if (jxa_java_parse_double(m->text, &m->num) < 0) {
            return fail(c, line_of(v), path, "integer %.40s is too big; "
                        "write it as a decimal number", y.s);
        }
        break;
    case JXA_Y11_FLOAT:
        m->kind = JXA_EXTRA_NUMBER;
        m->num = y.d;
        break;
    default:
        m->kind = JXA_EXTRA_STRING;
        break;
    }
    return 0;
}

static int set_extra_desc(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                          const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct extra_tmp *t = base;
    if (v == NULL || is_null(v))
        return 0;
    return jxa_cfg_get_string(c, path, v, &t->m->description);
}

static const struct jxa_cfg_key extra_keys[] = {
    {"name", NULL, set_extra_name, 0, 0, 0},
    {"value", NULL, set_extra_value, 0, 0, 0},
    {"description", NULL, set_extra_desc, 0, 0, 0},
};

static int extra_item(struct jxa_cfg_ctx *c, const struct jxa_cfg_item *e, void *arg)
{
    struct jxa_customizer *cu = arg;
    char d[96], prefix[320];
    /* null: an NPE in loadConfig; a scalar: a ClassCastException. */
    if (e->node == NULL || e->node->type != YAML_MAPPING_NODE)
        return fail(c, line_of(e->node ? e->node : e->list), e->path, "must be a map, got %s; "
                    "write - {name: ..., value: ...}",
                    jxa_y11_describe(e->node, d, sizeof d));
    struct extra_tmp et = {.m = (struct jxa_extra_metric *)e->arr + e->i};
    cu->nextra = e->i + 1;
    snprintf(prefix, sizeof prefix, "%s.", e->path);
    if (JXA_CFG_APPLY(c, e->node, extra_keys, prefix, &et) < 0)
        return -1;
    if (!et.has_name)
        return fail(c, line_of(e->node), e->path, "Must provide name, if "
                    "extraMetric is given; add name: ...");
    if (!et.has_value)
        return fail(c, line_of(e->node), e->path, "Must provide value, if "
                    "extraMetric is given; add value: ...");
    return 0;
}

static int set_extra(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                     const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct cust_tmp *t = base;
    struct jxa_customizer *cu = t->cu;
    if (v == NULL || is_null(v))
        return 0;
    char d[96];
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(c, line_of(v), path, "must be a list of {name, value, "
                    "description}, got %s; write - {name: ..., value: ...}",
                    jxa_y11_describe(v, d, sizeof d));
    t->has_extra = true;
    void *a = NULL;
    int rc = jxa_cfg_each_item(c, v, path, sizeof *cu->extra, &a, extra_item, cu);
    cu->extra = a;
    return rc;
}

/* --- the list --------------------------------------------------------- */

static const struct jxa_cfg_key cust_keys[] = {
    {"mbeanFilter", NULL, set_filter, 0, 0, 0},
    {"attributesAsLabels", NULL, set_labels, 0, 0, 0},
    {"extraMetrics", NULL, set_extra, 0, 0, 0},
};

static int cust_item(struct jxa_cfg_ctx *c, const struct jxa_cfg_item *e, void *arg)
{
    struct jxa_config *cfg = arg;
    char d[96], prefix[320];
    if (e->node == NULL || e->node->type != YAML_MAPPING_NODE)
        return fail(c, line_of(e->node ? e->node : e->list), e->path, "a customizer must be a "
                    "map, got %s; write - mbeanFilter: {domain: ...}",
                    jxa_y11_describe(e->node, d, sizeof d));
    struct cust_tmp t = {.cu = (struct jxa_customizer *)e->arr + e->i};
    cfg->ncustomizers = e->i + 1;
    snprintf(prefix, sizeof prefix, "%s.", e->path);
    if (JXA_CFG_APPLY(c, e->node, cust_keys, prefix, &t) < 0)
        return -1;
    if (!t.has_filter)
        return fail(c, line_of(e->node), e->path, "Must provide mbeanFilter, if "
                    "metricCustomizers is given; add mbeanFilter: "
                    "{domain: ...}");
    if (!t.has_labels && !t.has_extra)
        return fail(c, line_of(e->node), e->path, "Must provide attributesAsLabels "
                    "or extraMetrics, if metricCustomizers is given; add "
                    "one of them");
    return 0;
}

int jxa_cfg_set_customizers(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                            const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_config *cfg = base;
    if (v == NULL)
        return 0;
    char d[96];
    if (is_null(v))
        return fail(c, line_of(v), path, "Must provide mbeanFilter, if "
                    "metricCustomizers is given; write - mbeanFilter: "
                    "{domain: ...} or remove the key");
    /* A scalar or a map: a ClassCastException in loadConfig. */
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(c, line_of(v), path, "must be a list of customizers, "
                    "got %s; write - mbeanFilter: {domain: ...}",
                    jxa_y11_describe(v, d, sizeof d));
    void *a = NULL;
    int rc = jxa_cfg_each_item(c, v, path, sizeof *cfg->customizers, &a, cust_item, cfg);
    cfg->customizers = a;
    return rc;
}

void jxa_cfg_free_customizers(struct jxa_config *cfg)
{
    for (size_t i = 0; i < cfg->ncustomizers; i++) {
        struct jxa_customizer *cu = &cfg->customizers[i];
        free(cu->domain);
        jxa_props_free(cu->props, cu->nprops);
        for (size_t j = 0; j < cu->nlabels; j++)
            free(cu->labels[j]);
        free(cu->labels);
        for (size_t j = 0; j < cu->nextra; j++) {
            free(cu->extra[j].name);
            free(cu->extra[j].description);
            free(cu->extra[j].text);
        }
        free(cu->extra);
    }
    free(cfg->customizers);
    cfg->customizers = NULL;
    cfg->ncustomizers = 0;
}
