/* config.c - the YAML config file; see config.h and
 * docs/semantics.md §2 (keys, YAML 1.1, reload) and §13 (httpServer).
 *
 * jmx_exporter loads its config with SnakeYAML (YAML 1.1) into a
 * Map<String,Object> and reads it with unchecked casts (JmxCollector
 * .loadConfig, HTTPServerFactory).  We load with libyaml's document API,
 * read it as SnakeYAML would (yaml11.c: one document, aliases checked,
 * plain scalars resolved, merge keys), and walk the tree through static
 * key tables (name, 0.x alias, setter, where stored, default) - one table
 * per map level (config_table.h).  This file holds the table machinery,
 * the collector's keys and loading; the httpServer section is in
 * config_http.c.
 *
 * Where jmx_exporter 1.0.1 would throw at load (ClassCastException, NPE,
 * PatternSyntaxException, MalformedObjectNameException, ...) we fail with
 * one line "<file>:<line>: <key>: <what>; <what to do>".  We are stricter
 * than 1.0.1 on purpose in a few places, each marked "Stricter:". */
#include "config.h"
#include "config_table.h"
#include "log.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "javafmt.h"
#include "javaregex.h"
#include "objname.h"
#include "yaml11.h"

#define MAX_FILE_BYTES (16u << 20)

/* ------------------------------------------------------------------ */
/* Key tables (config_table.h)                                         */

static const struct jxa_cfg_key *table_find(const struct jxa_cfg_key *t,
                                            size_t n, const char *name,
                                            bool *via_alias)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0) {
            *via_alias = false;
            return &t[i];
        }
    for (size_t i = 0; i < n; i++)
        if (t[i].alias != NULL && strcmp(t[i].alias, name) == 0) {
            *via_alias = true;
            return &t[i];
        }
    return NULL;
}

static void join_path(char *out, size_t cap, const char *prefix,
                      const char *key)
{
    snprintf(out, cap, "%s%s", prefix, key);
}

int jxa_cfg_apply(struct jxa_cfg_ctx *c, yaml_node_t *map,
                  const struct jxa_cfg_key *t, size_t n, const char *prefix,
                  void *base)
{
    struct jxa_y11_pairs ps = {0};
    bool seen[JXA_CFG_MAX_KEYS] = {false};
    if (n > sizeof seen / sizeof seen[0])
        return fail(c, line_of(map), prefix, "internal error: key table too "
                    "big; report this");
    char path[256];
    int rc = 0;
    /* "rules[0]." names keys; "rules[0]" names the map itself. */
    char mpath[256];
    snprintf(mpath, sizeof mpath, "%s", prefix);
    size_t ml = strlen(mpath);
    if (ml > 0 && mpath[ml - 1] == '.')
        mpath[ml - 1] = '\0';
    if (map != NULL && map->type == YAML_MAPPING_NODE)
        rc = jxa_y11_pairs(&c->y, map, mpath, &ps);
    for (size_t i = 0; rc == 0 && i < ps.n; i++) {
        bool via_alias;
        const struct jxa_cfg_key *k = table_find(t, n, ps.p[i].key, &via_alias);
        join_path(path, sizeof path, prefix, ps.p[i].key);
        if (k == NULL) {
            const char *hint = NULL;
            for (size_t j = 0; j < n && hint == NULL; j++)
                if (strcasecmp(t[j].name, ps.p[i].key) == 0)
                    hint = t[j].name;
            /* Stricter: jmx_exporter ignores unknown keys, so a typo
             * silently changes nothing. */
            if (hint != NULL)
                rc = fail(c, line_of(ps.p[i].k), path, "unknown key; did "
                          "you mean '%s'?", hint);
            else
                rc = fail(c, line_of(ps.p[i].k), path, "unknown key; remove "
                          "it or fix its spelling (see the jmx_exporter "
                          "configuration reference)");
            break;
        }
        /* whitelistObjectNames is read only if includeObjectNames is
         * absent (JmxCollector.loadConfig's else-if). */
        if (via_alias && jxa_y11_pairs_find(&ps, k->name) != NULL)
            continue;
        seen[k - t] = true;
        c->key_line = line_of(ps.p[i].k);
        rc = k->set(c, k, path, ps.p[i].v, base);
    }
    int saved = c->map_line;
    c->map_line = line_of(map);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!seen[i]) {
            join_path(path, sizeof path, prefix, t[i].name);
            rc = t[i].set(c, &t[i], path, NULL, base);
        }
    c->map_line = saved;
    jxa_y11_pairs_free(&ps);
    return rc;
}

int jxa_cfg_each_pair(struct jxa_cfg_ctx *c, yaml_node_t *v, const char *path,
                      enum jxa_cfg_keypath kp, size_t size, void **arr,
                      jxa_cfg_pair_fn fn, void *arg)
{
    struct jxa_y11_pairs ps = {0};
    if (jxa_y11_pairs(&c->y, v, path, &ps) < 0) {
        jxa_y11_pairs_free(&ps);
        return -1;
    }
    int rc = 0;
    *arr = calloc(ps.n ? ps.n : 1, size);
    if (*arr == NULL)
        rc = oom(c, v, path);
    struct jxa_cfg_entry e = {.map = path, .arr = *arr};
    for (size_t i = 0; rc == 0 && i < ps.n; i++) {
        e.p = &ps.p[i];
        e.i = i;
        jxa_y11_resolve(e.p->k, &e.key);
        jxa_y11_resolve(e.p->v, &e.val);
        if (kp == JXA_CFG_KEY_QUOTED)
            snprintf(e.path, sizeof e.path, "%s.\"%.100s\"", path, e.p->key);
        else if (kp == JXA_CFG_KEY_WHOLE)
            snprintf(e.path, sizeof e.path, "%s.%s", path, e.p->key);
        else
            snprintf(e.path, sizeof e.path, "%s.%.100s", path, e.p->key);
        rc = fn(c, &e, arg);
    }
    jxa_y11_pairs_free(&ps);
    return rc;
}

int jxa_cfg_each_item(struct jxa_cfg_ctx *c, yaml_node_t *v, const char *path, size_t size,
                      void **arr, jxa_cfg_item_fn fn, void *arg)
{
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if ((*arr = calloc(n ? n : 1, size)) == NULL)
        return oom(c, v, path);
    struct jxa_cfg_item e = {.list = v, .arr = *arr};
    for (size_t i = 0; i < n; i++) {
        e.node = jxa_y11_node(&c->y, v->data.sequence.items.start[i]);
        e.i = i;
        snprintf(e.path, sizeof e.path, "%s[%zu]", path, i);
        if (fn(c, &e, arg) < 0)
            return -1;
    }
    return 0;
}

/* --- scalar setters ------------------------------------------------ */

static const char *type_hint(const yaml_node_t *v)
{
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (y.k == JXA_Y11_STR && v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return "remove the quotes";
    return NULL;
}

/* (Boolean) cast: YAML 1.1 booleans only; null is an NPE on unboxing. */
static int set_bool(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                    const char *path, yaml_node_t *v, void *base)
{
    bool *dst = JXA_CFG_FIELD(base, k, bool);
    if (v == NULL) {
        *dst = k->dflt != 0;
        return 0;
    }
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (y.k == JXA_Y11_BOOL) {
        *dst = y.b;
        return 0;
    }
    char d[96];
    const char *h = type_hint(v);
    return fail(c, line_of(v), path, "must be true or false, got %s; %s",
                jxa_y11_describe(v, d, sizeof d), h ? h : "write true or false");
}

/* (Integer) cast: a YAML int that fits in an int. */
int jxa_cfg_get_int(struct jxa_cfg_ctx *c, const char *path, yaml_node_t *v,
                    int *out)
{
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    char d[96];
    if (y.k == JXA_Y11_INT && !y.ibig && y.i >= INT_MIN && y.i <= INT_MAX) {
        *out = (int)y.i;
        return 0;
    }
    if (y.k == JXA_Y11_INT)
        return fail(c, line_of(v), path, "integer %.40s is out of range; "
                    "use at most %d", y.s, INT_MAX);
    const char *h = type_hint(v);
    return fail(c, line_of(v), path, "must be an integer, got %s; %s",
                jxa_y11_describe(v, d, sizeof d), h ? h : "write a whole number");
}

static int set_int_nonneg(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                          const char *path, yaml_node_t *v, void *base)
{
    int *dst = JXA_CFG_FIELD(base, k, int);
    if (v == NULL) {
        *dst = (int)k->dflt;
        return 0;
    }
    if (jxa_cfg_get_int(c, path, v, dst) < 0)
        return -1;
    /* Stricter than 1.0.1, as 1.6.0: "startDelaySeconds must be
     * non-negative". */
    if (*dst < 0)
        return fail(c, line_of(v), path, "must be 0 or more, got %d; use 0 "
                    "for no delay", *dst);
    return 0;
}

/* scrapeTimeoutSeconds (jmx_exporter main): "must be at least 1". */
static int set_int_pos(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                       const char *path, yaml_node_t *v, void *base)
{
    int *dst = JXA_CFG_FIELD(base, k, int);
    if (v == NULL) {
        *dst = (int)k->dflt;
        return 0;
    }
    if (jxa_cfg_get_int(c, path, v, dst) < 0)
        return -1;
    if (*dst < 1)
        return fail(c, line_of(v), path, "must be at least 1, got %d; "
                    "remove the key for no timeout", *dst);
    return 0;
}

/* minScrapeIntervalSeconds (ours): a number of seconds, fractions
 * allowed, 0 to walk on every request.  At most 60: an interval longer
 * than Prometheus' own scrape interval would serve every scrape the
 * previous one's values. */
#define MAX_MIN_INTERVAL_S 60

static int set_interval(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                        const char *path, yaml_node_t *v, void *base)
{
    double *dst = JXA_CFG_FIELD(base, k, double);
    if (v == NULL) {
        *dst = k->dflt;
        return 0;
    }
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    char d[96];
    if (y.k != JXA_Y11_INT && y.k != JXA_Y11_FLOAT)
        return fail(c, line_of(v), path, "must be a number of seconds, got %s; "
                    "write a number such as 1 or 0.5, or 0 to walk JMX on every "
                    "request", jxa_y11_describe(v, d, sizeof d));
    double sec = y.k == JXA_Y11_INT ? (y.ibig ? (double)INFINITY : (double)y.i) : y.d;
    if (!(sec >= 0 && sec <= MAX_MIN_INTERVAL_S))
        return fail(c, line_of(v), path, "must be between 0 and %d seconds, got "
                    "%s; use at most your Prometheus scrape interval, or 0 to "
                    "walk JMX on every request", MAX_MIN_INTERVAL_S,
                    jxa_y11_describe(v, d, sizeof d));
    *dst = sec;
    return 0;
}

/* (String) cast of a scalar: strings only; the caller handles null. */
int jxa_cfg_get_string(struct jxa_cfg_ctx *c, const char *path, yaml_node_t *v,
                       char **out)
{
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (y.k != JXA_Y11_STR) {
        char d[96];
        return fail(c, line_of(v), path, "must be a string, got %s; quote "
                    "it", jxa_y11_describe(v, d, sizeof d));
    }
    *out = strdup(y.s);
    return *out ? 0 : oom(c, v, path);
}

/* (String) cast: a string scalar; null leaves the default (NULL) as Java's
 * cast of null does. */
static int set_string(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                      const char *path, yaml_node_t *v, void *base)
{
    if (v == NULL)
        return 0;
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (y.k == JXA_Y11_NULL)
        return 0;
    return jxa_cfg_get_string(c, path, v, JXA_CFG_FIELD(base, k, char *));
}

/* String.valueOf(yaml): any scalar, Java's text of it (null -> "null"). */
static int set_java_text(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                         const char *path, yaml_node_t *v, void *base)
{
    char **dst = JXA_CFG_FIELD(base, k, char *);
    if (v == NULL)
        return 0;
    if (v->type != YAML_SCALAR_NODE) {
        char d[96];
        return fail(c, line_of(v), path, "must be a single value, got %s; "
                    "write a scalar", jxa_y11_describe(v, d, sizeof d));
    }
    *dst = jxa_y11_java_text(v);
    return *dst ? 0 : oom(c, v, path);
}

/* valueFactor: Double.valueOf(String.valueOf(yaml)).  Stricter: 1.0.1
 * swallows the NumberFormatException and keeps 1.0; 1.6.0 and we fail. */
static int set_double(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                      const char *path, yaml_node_t *v, void *base)
{
    double *dst = JXA_CFG_FIELD(base, k, double);
    if (v == NULL) {
        *dst = k->dflt;
        return 0;
    }
    char *t = v->type == YAML_SCALAR_NODE ? jxa_y11_java_text(v) : NULL;
    double d;
    int rc = t != NULL && jxa_java_parse_double(t, &d) == 0 ? 0 : -1;
    free(t);
    if (rc == 0) {
        *dst = d;
        return 0;
    }
    char desc[96];
    return fail(c, line_of(v), path, "must be a number, got %s; write a "
                "number such as 0.001", jxa_y11_describe(v, desc, sizeof desc));
}

/* Keys that only mean something to the standalone exporter's JMX client:
 * accepted, ignored, flagged. */
static int set_ignored(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                       const char *path, yaml_node_t *v, void *base)
{
    (void)c, (void)path;
    if (v != NULL)
        *JXA_CFG_FIELD(base, k, bool) = true;
    return 0;
}

/* jmxUrl / hostPort: the Java agent exits with "When running jmx_exporter
 * as a Java agent, you must not configure 'jmxUrl' or 'hostPort'".  An
 * empty jmxUrl is the agent's own default and fine; hostPort always builds
 * a non-empty URL. */
static int set_remote_url(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                          const char *path, yaml_node_t *v, void *base)
{
    (void)base;
    if (v == NULL)
        return 0;
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (strcmp(k->name, "jmxUrl") == 0 &&
        (y.k == JXA_Y11_NULL || (y.k == JXA_Y11_STR && y.s[0] == '\0')))
        return 0;
    return fail(c, line_of(v), path, "a Java agent monitors its own JVM, "
                "not a remote one (jmx_exporter's agent refuses it too); "
                "remove %s", k->name);
}

int jxa_cfg_set_refused(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                        const char *path, yaml_node_t *v, void *base)
{
    (void)base;
    if (v == NULL)
        return 0;
    return fail(c, line_of(v), path, "%s", k->why);
}

/* --- ObjectName lists --------------------------------------------- */

static int objname_item(struct jxa_cfg_ctx *c, const struct jxa_cfg_item *e, void *arg)
{
    size_t *nout = arg;
    char d[96];
    struct jxa_y11_val y;
    jxa_y11_resolve(e->node, &y);
    if (e->node == NULL || e->node->type != YAML_SCALAR_NODE || y.k == JXA_Y11_NULL)
        return fail(c, line_of(e->node ? e->node : e->list), e->path, "must be an ObjectName "
                    "string, got %s; write \"domain:key=value\"",
                    jxa_y11_describe(e->node, d, sizeof d));
    char oerr[200] = "";
    if (jxa_objname_parse(y.s, (struct jxa_objname *)e->arr + e->i, oerr, sizeof oerr) < 0)
        return fail(c, line_of(e->node), e->path, "invalid ObjectName \"%.80s\": "
                    "%s; write domain:key=value[,key=value...] (* and ? "
                    "are wildcards)", y.s, oerr);
    *nout = e->i + 1;
    return 0;
}

static int objname_list(struct jxa_cfg_ctx *c, const char *path, yaml_node_t *v,
                        struct jxa_objname **out, size_t *nout)
{
    char d[96];
    if (v->type != YAML_SEQUENCE_NODE)
        /* includeObjectNames: null is an NPE, a scalar a ClassCastException
         * in (List<Object>) yamlConfig.get(...). */
        return fail(c, line_of(v), path, "must be a list of ObjectNames, "
                    "got %s; write [\"domain:key=value\", ...]",
                    jxa_y11_describe(v, d, sizeof d));
    void *a = NULL;
    *nout = 0;
    int rc = jxa_cfg_each_item(c, v, path, sizeof **out, &a, objname_item, nout);
    *out = a;
    return rc;
}

static int set_include(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                       const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_config *cfg = base;
    if (v == NULL) {
        /* Absent: the Java collector queries with a null ObjectName. */
        cfg->include_all = true;
        return 0;
    }
    cfg->include_all = false;   /* explicit [] includes nothing */
    return objname_list(c, path, v, &cfg->include, &cfg->ninclude);
}

static int set_exclude(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                       const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_config *cfg = base;
    if (v == NULL)
        return 0;
    return objname_list(c, path, v, &cfg->exclude, &cfg->nexclude);
}

/* --- exclude/includeObjectNameAttributes -------------------------- */

static int attrs_add(struct jxa_attr_filter *f, const char *a)
{
    for (size_t i = 0; i < f->nattrs; i++)
        if (strcmp(f->attrs[i], a) == 0)
            return 0;           /* a Set<String> in ObjectNameAttributeFilter */
    char **na = realloc(f->attrs, (f->nattrs + 1) * sizeof *na);
    if (na == NULL)
        return -1;
    f->attrs = na;
    if ((na[f->nattrs] = strdup(a)) == NULL)
        return -1;
    f->nattrs++;
    return 0;
}

/* One ObjectName: its attribute names join those of an earlier entry
 * with the same canonical name.  arg: the count of filters. */
static int attr_filter_entry(struct jxa_cfg_ctx *c, const struct jxa_cfg_entry *e, void *arg)
{
    struct jxa_attr_filter *a = e->arr;
    size_t *nout = arg;
    char d[96];
    struct jxa_objname on;
    char oerr[200] = "";
    if (jxa_objname_parse(e->p->key, &on, oerr, sizeof oerr) < 0)
        return fail(c, line_of(e->p->k), e->path, "invalid ObjectName: %s; "
                    "write domain:key=value[,key=value...]", oerr);
    char *canon = jxa_objname_canonical(&on);
    jxa_objname_free(&on);
    if (canon == NULL)
        return oom(c, e->p->k, e->path);
    struct jxa_attr_filter *f = NULL;
    for (size_t j = 0; j < *nout; j++)
        if (strcmp(a[j].canonical, canon) == 0)
            f = &a[j];
    if (f != NULL) {
        free(canon);
    } else {
        f = &a[(*nout)++];
        f->canonical = canon;
    }
    yaml_node_t *lv = e->p->v;
    if (lv->type != YAML_SEQUENCE_NODE)
        return fail(c, line_of(lv), e->path, "must be a list of attribute names, "
                    "got %s; write [Attr, ...]", jxa_y11_describe(lv, d, sizeof d));
    for (yaml_node_item_t *it = lv->data.sequence.items.start;
         it < lv->data.sequence.items.top; it++) {
        yaml_node_t *an = jxa_y11_node(&c->y, *it);
        struct jxa_y11_val y;
        jxa_y11_resolve(an, &y);
        if (an == NULL || an->type != YAML_SCALAR_NODE || y.k == JXA_Y11_NULL)
            return fail(c, line_of(an ? an : lv), e->path, "attribute names must "
                        "be strings, got %s; write [Attr, ...]",
                        jxa_y11_describe(an, d, sizeof d));
        if (attrs_add(f, y.s) < 0)
            return oom(c, an, e->path);
    }
    return 0;
}

/* Map ObjectName -> [attribute names]; keys are matched by ObjectName
 * equality, i.e. canonical name, so spellings with another property order
 * merge into one entry (Map<ObjectName, Set<String>>). */
static int attr_filter(struct jxa_cfg_ctx *c, const char *path, yaml_node_t *v,
                       struct jxa_attr_filter **out, size_t *nout)
{
    char d[96];
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (y.k == JXA_Y11_NULL)
        return 0;               /* ObjectNameAttributeFilter skips null */
    if (v->type != YAML_MAPPING_NODE)
        return fail(c, line_of(v), path, "must be a map of ObjectName to a "
                    "list of attribute names, got %s; write \"domain:k=v\": "
                    "[Attr, ...]", jxa_y11_describe(v, d, sizeof d));
    void *a = NULL;
    *nout = 0;
    int rc = jxa_cfg_each_pair(c, v, path, JXA_CFG_KEY_QUOTED, sizeof **out, &a,
                               attr_filter_entry, nout);
    *out = a;
    return rc;
}

static int set_exclude_attrs(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                             const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_config *cfg = base;
    return v ? attr_filter(c, path, v, &cfg->exclude_attrs,
                           &cfg->nexclude_attrs) : 0;
}

static int set_include_attrs(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                             const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_config *cfg = base;
    return v ? attr_filter(c, path, v, &cfg->include_attrs,
                           &cfg->ninclude_attrs) : 0;
}

/* --- rules -------------------------------------------------------- */

/* type: 1.x accepts any string and only COUNTER/GAUGE are special
 * (UNTYPED -> UNKNOWN); 0.x's Collector.Type.valueOf refused anything not
 * in the enum.  We accept the four 1.x names in any case and the other 0.x
 * enum names (as UNKNOWN, 1.x's treatment), and refuse the rest. */
/* The line of key `name` in mapping m (errors point at the offending
 * line, not at the start of its rule), or dflt. */
static int key_line(struct jxa_cfg_ctx *c, yaml_node_t *m, const char *name, int dflt)
{
    if (m == NULL || m->type != YAML_MAPPING_NODE)
        return dflt;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = jxa_y11_node(&c->y, p->key);
        if (k != NULL && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, name) == 0)
            return line_of(k);
    }
    return dflt;
}

static int set_type(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                    const char *path, yaml_node_t *v, void *base)
{
    enum jxa_mtype *dst = JXA_CFG_FIELD(base, k, enum jxa_mtype);
    *dst = JXA_UNKNOWN;
    if (v == NULL)
        return 0;
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (y.k == JXA_Y11_NULL)
        return 0;               /* (String) null: 1.x's default UNKNOWN */
    /* jmx_exporter 1.x: exactly COUNTER and GAUGE are special, every other
     * string is UNKNOWN (untyped).  Drop-in means the same here; a name
     * jmx_exporter 0.x did not know (lower case "gauge", typos) is most
     * likely a mistake, so it gets a warning line. */
    static const char *const known_unknown[] = {
        "UNTYPED", "UNKNOWN", "SUMMARY", "HISTOGRAM", "INFO", "STATE_SET",
        "GAUGE_HISTOGRAM",
    };
    if (y.k == JXA_Y11_STR) {
        if (strcmp(y.s, "COUNTER") == 0) {
            *dst = JXA_COUNTER;
            return 0;
        }
        if (strcmp(y.s, "GAUGE") == 0) {
            *dst = JXA_GAUGE;
            return 0;
        }
        for (size_t i = 0; i < sizeof known_unknown / sizeof known_unknown[0]; i++)
            if (strcmp(y.s, known_unknown[i]) == 0)
                return 0;
        jxa_warn("%s:%d: %s: metric type \"%.40s\" is not COUNTER or GAUGE: exported "
                 "untyped, as jmx_exporter 1.x does; write COUNTER, GAUGE or UNTYPED",
                 c->y.file, line_of(v), path, y.s);
        return 0;
    }
    char d[96];
    return fail(c, line_of(v), path, "must be a metric type name, got %s; "
                "use COUNTER, GAUGE or UNTYPED", jxa_y11_describe(v, d, sizeof d));
}

static int cmp_label(const void *a, const void *b)
{
    const struct jxa_label_tmpl *x = a, *y = b;
    /* TreeMap<String,...> order is String.compareTo (UTF-16 units); byte
     * order of UTF-8 agrees except for supplementary characters against
     * U+E000..U+FFFF. */
    return strcmp(x->name, y->name);
}

/* One label: a name that is not null, a scalar value. */
static int label_entry(struct jxa_cfg_ctx *c, const struct jxa_cfg_entry *e, void *arg)
{
    struct jxa_rule *r = arg;
    char d[96];
    if (e->key.k == JXA_Y11_NULL)
        return fail(c, line_of(e->p->k), e->map, "a label name is null; "
                    "give it a name");
    if (e->val.k == JXA_Y11_NULL || e->val.k == JXA_Y11_MAP || e->val.k == JXA_Y11_SEQ)
        return fail(c, line_of(e->p->v), e->path, "label value must be a "
                    "string, got %s; write a value such as \"$1\"",
                    jxa_y11_describe(e->p->v, d, sizeof d));
    struct jxa_label_tmpl *l = (struct jxa_label_tmpl *)e->arr + r->nlabels;
    l->name = strdup(e->key.s);
    l->value = strdup(e->val.s);
    r->nlabels++;
    if (l->name == NULL || l->value == NULL)
        return oom(c, e->p->v, e->path);
    return 0;
}

/* labels: new TreeMap<>((Map<String,Object>) yaml), values cast with
 * (String).  Deliberately looser: numeric and boolean scalars are taken as
 * their text (`code: 200`), where 1.0.1 throws ClassCastException. */
static int set_labels(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                      const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_rule *r = base;
    if (v == NULL)
        return 0;
    char d[96];
    if (v->type != YAML_MAPPING_NODE)
        return fail(c, line_of(v), path, "must be a map of label name to "
                    "value, got %s; write labels: {name: \"$1\"}",
                    jxa_y11_describe(v, d, sizeof d));
    /* Never NULL once the key is present: `labels: {}` still demands a
     * name (Java checks labelNames != null). */
    void *a = NULL;
    int rc = jxa_cfg_each_pair(c, v, path, JXA_CFG_KEY_CUT, sizeof *r->labels, &a,
                               label_entry, r);
    r->labels = a;
    if (rc == 0 && r->nlabels > 1)
        qsort(r->labels, r->nlabels, sizeof *r->labels, cmp_label);
    return rc;
}

static const struct jxa_cfg_key rule_keys[] = {
    {"pattern", NULL, set_java_text, offsetof(struct jxa_rule, pattern), 0, 0},
    {"name", NULL, set_string, offsetof(struct jxa_rule, name), 0, 0},
    {"value", NULL, set_java_text, offsetof(struct jxa_rule, value), 0, 0},
    {"valueFactor", NULL, set_double,
     offsetof(struct jxa_rule, value_factor), 1.0, 0},
    {"help", NULL, set_string, offsetof(struct jxa_rule, help), 0, 0},
    {"labels", NULL, set_labels, 0, 0, 0},
    {"type", NULL, set_type, offsetof(struct jxa_rule, type), 0, 0},
    {"attrNameSnakeCase", NULL, set_bool,
     offsetof(struct jxa_rule, attr_name_snake_case), 0, 0},
    {"cache", NULL, set_bool, offsetof(struct jxa_rule, cache), 0, 0},
};

/* Rule patterns are java.util.regex syntax.  JmxCollector compiles
 * "^.*(?:" + pattern + ").*$"; we translate that same string to PCRE2
 * (javaregex.c, docs/semantics.md §16), so that even a pattern that only
 * balances inside the wrapper ("a)|(b") means what it means to Java, and
 * compile the result with PCRE2_UTF (the match string is UTF-8). */
static const char wrap_pre[] = "^.*(?:", wrap_post[] = ").*$";

static char *wrapped(const char *pre, const char *p, const char *post)
{
    size_t a = strlen(pre), n = strlen(p), b = strlen(post);
    char *src = malloc(a + n + b + 1);
    if (src != NULL) {
        memcpy(src, pre, a);
        memcpy(src + a, p, n);
        memcpy(src + a + n, post, b + 1);
    }
    return src;
}

/* Most rules miss most attributes, and "^.*(?:P).*$" pays for the leading
 * ".*" on every miss.  If the wrapped pattern matches, P matches starting
 * somewhere in the subject, so an unanchored search for "(?:P)" that fails
 * proves the miss, several times faster.  Only a miss is taken from the
 * probe; a hit still runs the real pattern for its captures.  A pattern
 * that does not translate on its own ("a)|(b") gets no probe. */
static void compile_probe(struct jxa_rule *r, pcre2_compile_context *cc)
{
    struct jxa_jre_result t;
    if (jxa_javaregex_translate(r->pattern, strlen(r->pattern), &t) != JXA_JRE_OK)
        return;         /* e.g. an unmatched ')' that closes the wrapper's */
    jxa_javaregex_free(&t);
    char *src = wrapped("(?:", r->pattern, ")");
    if (src == NULL)
        return;
    enum jxa_jre_status st = jxa_javaregex_translate(src, strlen(src), &t);
    free(src);
    if (st != JXA_JRE_OK)
        return;
    int ec;
    PCRE2_SIZE eo;
    r->probe = pcre2_compile((PCRE2_SPTR)t.pcre, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, cc);
    jxa_javaregex_free(&t);
    if (r->probe != NULL)
        (void)pcre2_jit_compile(r->probe, PCRE2_JIT_COMPLETE);
}

static int compile_rule(struct jxa_cfg_ctx *c, struct jxa_rule *r, const char *path,
                        int line)
{
    const size_t pre = sizeof wrap_pre - 1, n = strlen(r->pattern);
    char *src = wrapped(wrap_pre, r->pattern, wrap_post);
    if (src == NULL)
        return fail(c, line, path, "out of memory; retry");
    struct jxa_jre_result t;
    enum jxa_jre_status st = jxa_javaregex_translate(src, strlen(src), &t);
    free(src);
    /* Offsets are into the wrapped pattern; report the user's. */
#define USER_OFF(o) ((o) < pre ? 0 : (o) - pre > n ? n : (o) - pre)
    if (st == JXA_JRE_NOMEM)
        return fail(c, line, path, "out of memory; retry");
    if (st == JXA_JRE_INVALID)
        return fail(c, line, path, "invalid regex at offset %zu: %s; fix the pattern (Java "
                    "regex syntax, single-quote it in YAML)", USER_OFF(t.err_off), t.err);
    if (st == JXA_JRE_UNSUPPORTED)
        return fail(c, line, path, "Java regex construct at offset %zu has no PCRE2 "
                    "equivalent in this agent: %s; rewrite the pattern without it "
                    "(docs/semantics.md §16)", USER_OFF(t.err_off), t.err);
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (cc != NULL)     /* what is left of newlines: the translation spells
                         * out Java's line terminators itself */
        pcre2_set_newline(cc, PCRE2_NEWLINE_ANY);
    int ec;
    PCRE2_SIZE eo;
    /* ENDANCHORED: Matcher.matches() backtracks until the match ends at
     * the end of the input; a first match that ends early ("x(\n)??" on
     * "x\n") must not be the answer. */
    r->re = pcre2_compile((PCRE2_SPTR)t.pcre, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_ENDANCHORED,
                          &ec, &eo, cc);
    if (r->re != NULL)
        compile_probe(r, cc);
    pcre2_compile_context_free(cc);
    size_t off = USER_OFF(t.map[eo <= strlen(t.pcre) ? eo : strlen(t.pcre)]);
    jxa_javaregex_free(&t);
#undef USER_OFF
    if (r->re == NULL) {
        const char *limit = jxa_javaregex_pcre2_limit(ec);
        if (limit != NULL)
            return fail(c, line, path, "Java regex construct at offset %zu has no PCRE2 "
                        "equivalent in this agent: %s; rewrite the pattern without it "
                        "(docs/semantics.md §16)", off, limit);
        PCRE2_UCHAR msg[160];
        if (pcre2_get_error_message(ec, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "error %d", ec);
        return fail(c, line, path, "invalid regex at offset %zu: %s; fix "
                    "the pattern (Java regex syntax, single-quote it in "
                    "YAML)", off, (char *)msg);
    }
    /* JIT can be refused (SELinux execmem, no JIT in the build);
     * pcre2_match() then uses the interpreter by itself. */
    (void)pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);
    uint32_t cap = 0;
    pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &cap);
    r->ncaptures = cap;
    return 0;
}

static int load_rule(struct jxa_cfg_ctx *c, yaml_node_t *v, size_t idx,
                     struct jxa_rule *r)
{
    char prefix[64], path[64];
    snprintf(prefix, sizeof prefix, "rules[%zu].", idx);
    snprintf(path, sizeof path, "rules[%zu]", idx);
    r->line = line_of(v);
    if (v != NULL && v->type != YAML_MAPPING_NODE) {
        char d[96];
        /* 1.0.1: NPE (null) or ClassCastException (anything else). */
        return fail(c, line_of(v), path, "a rule must be a map, got %s; "
                    "write - pattern: ...", jxa_y11_describe(v, d, sizeof d));
    }
    if (JXA_CFG_APPLY(c, v, rule_keys, prefix, r) < 0)
        return -1;
    if ((r->labels != NULL || r->help != NULL) &&
        r->name == NULL)
        return fail(c, r->line, path, "Must provide name, if help or labels "
                    "are given; add a name or remove help and labels");
    if (r->name != NULL && r->pattern == NULL)
        return fail(c, r->line, path, "Must provide pattern, if name is "
                    "given; add a pattern");
    if (r->pattern != NULL) {
        char pp[80];
        snprintf(pp, sizeof pp, "%spattern", prefix);
        return compile_rule(c, r, pp, key_line(c, v, "pattern", r->line));
    }
    return 0;
}

static int set_rules(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                     const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_config *cfg = base;
    if (v == NULL) {
        /* No rules key: one rule {} that default-exports everything. */
        cfg->rules = calloc(1, sizeof *cfg->rules);
        if (cfg->rules == NULL)
            return fail(c, 0, path, "out of memory; retry");
        cfg->nrules = 1;
        return JXA_CFG_APPLY(c, NULL, rule_keys, "rules[0].", cfg->rules);
    }
    if (v->type != YAML_SEQUENCE_NODE) {
        char d[96];
        /* `rules:` with nothing is an NPE in loadConfig. */
        return fail(c, line_of(v), path, "must be a list of rules, got %s; "
                    "write [] for no rules or remove the key for the default "
                    "rule", jxa_y11_describe(v, d, sizeof d));
    }
    size_t n = (size_t)(v->data.sequence.items.top -
                        v->data.sequence.items.start);
    cfg->rules = n ? calloc(n, sizeof *cfg->rules) : NULL;
    if (n && cfg->rules == NULL)
        return oom(c, v, path);
    cfg->nrules = n;            /* zeroed rules are safe to free */
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = jxa_y11_node(&c->y, v->data.sequence.items.start[i]);
        if (load_rule(c, it, i, &cfg->rules[i]) < 0)
            return -1;
        if (cfg->rules[i].cache)
            cfg->any_cache = true;
    }
    return 0;
}


/* --- the top level ------------------------------------------------- */

#define CFG(f) offsetof(struct jxa_config, f)

static const struct jxa_cfg_key top_keys[] = {
    {"startDelaySeconds", NULL, set_int_nonneg, CFG(start_delay_seconds), 0, 0},
    {"scrapeTimeoutSeconds", NULL, set_int_pos,
     CFG(scrape_timeout_seconds), 0, 0},
    {"minScrapeIntervalSeconds", NULL, set_interval,
     CFG(min_scrape_interval_seconds), 1.0, 0},
    {"lowercaseOutputName", NULL, set_bool, CFG(lowercase_output_name), 0, 0},
    {"lowercaseOutputLabelNames", NULL, set_bool,
     CFG(lowercase_output_label_names), 0, 0},
    {"inferCounterTypeFromName", NULL, set_bool,
     CFG(infer_counter_type_from_name), 0, 0},
    {"excludeJvmMetrics", NULL, set_bool, CFG(exclude_jvm_metrics), 0, 0},
    {"autoExcludeObjectNameAttributes", NULL, set_bool,
     CFG(auto_exclude_attributes), 1, 0},
    {"includeObjectNames", "whitelistObjectNames", set_include, 0, 0, 0},
    {"excludeObjectNames", "blacklistObjectNames", set_exclude, 0, 0, 0},
    {"excludeObjectNameAttributes", NULL, set_exclude_attrs, 0, 0, 0},
    {"includeObjectNameAttributes", NULL, set_include_attrs, 0, 0, 0},
    {"rules", NULL, set_rules, 0, 0, 0},
    {"httpServer", NULL, jxa_cfg_set_http, 0, 0, 0},
    {"username", NULL, set_ignored, CFG(ignored_remote_keys), 0, 0},
    {"password", NULL, set_ignored, CFG(ignored_remote_keys), 0, 0},
    {"ssl", NULL, set_ignored, CFG(ignored_remote_keys), 0, 0},
    {"jmxUrl", NULL, set_remote_url, 0, 0, 0},
    {"hostPort", NULL, set_remote_url, 0, 0, 0},
    {"openTelemetry", NULL, jxa_cfg_set_otel, 0, 0, 0},
    {"metricCustomizers", NULL, jxa_cfg_set_customizers, 0, 0, 0},
};

/* ------------------------------------------------------------------ */
/* Loading                                                             */

/* name: the file in messages; from_file: name is its real path; reload:
 * see jxa_config_reload. */
static int load(const char *yaml, size_t len, const char *name, bool from_file,
                bool reload, struct jxa_config **out, char *err, size_t errlen)
{
    struct jxa_cfg_ctx c = {
        .y = {.file = name ? name : "(config)", .err = err, .errlen = errlen},
        .from_file = from_file && name != NULL,
        .reload = reload,
    };
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    *out = NULL;
    if (len > MAX_FILE_BYTES)
        return fail(&c, 0, "(file)", "larger than %u MiB; a config this "
                    "big is a mistake, shrink it", MAX_FILE_BYTES >> 20);

    struct jxa_config *cfg = NULL;
    int rc = jxa_y11_load(&c.y, yaml, len);
    yaml_node_t *root = c.y.root;
    if (rc == 0) {
        struct jxa_y11_val y;
        jxa_y11_resolve(root, &y);
        /* Empty file -> null -> treated as {}. */
        if (y.k != JXA_Y11_NULL && y.k != JXA_Y11_MAP) {
            char d[96];
            rc = fail(&c, line_of(root), "(top level)", "the config must be "
                      "a map of keys, got %s; write key: value lines",
                      jxa_y11_describe(root, d, sizeof d));
        }
    }
    if (rc == 0) {
        cfg = calloc(1, sizeof *cfg);
        if (cfg == NULL)
            rc = fail(&c, 0, "(config)", "out of memory; retry");
    }
    if (rc == 0)
        rc = JXA_CFG_APPLY(&c, root, top_keys, "", cfg);
    jxa_y11_free(&c.y);
    if (rc < 0) {
        jxa_config_free(cfg);
        return -1;
    }
    *out = cfg;
    return 0;
}

int jxa_config_load_string(const char *yaml, size_t len, const char *name,
                           struct jxa_config **out, char *err, size_t errlen)
{
    return load(yaml, len, name, false, false, out, err, errlen);
}

int jxa_config_default(struct jxa_config **out)
{
    return load("", 0, "(default)", false, false, out, NULL, 0);
}

static int load_file(const char *path, bool reload, struct jxa_config **out,
                     char *err, size_t errlen)
{
    struct jxa_cfg_ctx c = {.y = {.file = path, .err = err, .errlen = errlen},
                            .from_file = true};
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(&c, 0, "(file)", "cannot open: %s; check the path given "
                    "in config=", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail(&c, 0, "(file)", "not a regular file; give the path of "
                    "the YAML file");
    }
    if (st.st_size > (off_t)MAX_FILE_BYTES) {
        close(fd);
        return fail(&c, 0, "(file)", "larger than %u MiB; a config this big "
                    "is a mistake, shrink it", MAX_FILE_BYTES >> 20);
    }
    size_t len = (size_t)st.st_size;
    char *buf = malloc(len + 1);
    if (buf == NULL) {
        close(fd);
        return fail(&c, 0, "(file)", "out of memory; retry");
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != len) {
        free(buf);
        return fail(&c, 0, "(file)", "read failed (file changed while "
                    "reading?); retry");
    }
    int rc = load(buf, len, path, true, reload, out, err, errlen);
    free(buf);
    if (rc < 0)
        return -1;
    (*out)->path = strdup(path);
    if ((*out)->path == NULL) {
        jxa_config_free(*out);
        *out = NULL;
        return fail(&c, 0, "(file)", "out of memory; retry");
    }
    (*out)->mtime = st.st_mtim;
    (*out)->size = (long long)st.st_size;
    return 0;
}

int jxa_config_load(const char *path, struct jxa_config **out, char *err,
                    size_t errlen)
{
    return load_file(path, false, out, err, errlen);
}

int jxa_config_reload(const char *path, struct jxa_config **out, char *err,
                      size_t errlen)
{
    return load_file(path, true, out, err, errlen);
}

static void free_objnames(struct jxa_objname *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        jxa_objname_free(&a[i]);
    free(a);
}

static void free_attr_filters(struct jxa_attr_filter *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].canonical);
        for (size_t j = 0; j < a[i].nattrs; j++)
            free(a[i].attrs[j]);
        free(a[i].attrs);
    }
    free(a);
}

void jxa_config_free(struct jxa_config *c)
{
    if (c == NULL)
        return;
    free(c->path);
    free_objnames(c->include, c->ninclude);
    free_objnames(c->exclude, c->nexclude);
    free_attr_filters(c->exclude_attrs, c->nexclude_attrs);
    free_attr_filters(c->include_attrs, c->ninclude_attrs);
    for (size_t i = 0; i < c->nrules; i++) {
        struct jxa_rule *r = &c->rules[i];
        free(r->pattern);
        pcre2_code_free(r->re);
        pcre2_code_free(r->probe);
        free(r->name);
        free(r->value);
        free(r->help);
        for (size_t j = 0; j < r->nlabels; j++) {
            free(r->labels[j].name);
            free(r->labels[j].value);
        }
        free(r->labels);
    }
    free(c->rules);
    jxa_cfg_free_customizers(c);
    jxa_http_config_free(&c->http);
    jxa_otel_config_free(&c->otel);
    free(c);
}

bool jxa_config_changed(const struct jxa_config *c)
{
    if (c == NULL || c->path == NULL)
        return false;
    struct stat st;
    /* A vanished file counts as changed: the reload then fails and the
     * old config stays, as jmx_exporter's lastModified() == 0 path. */
    if (stat(c->path, &st) < 0)
        return true;
    return st.st_mtim.tv_sec != c->mtime.tv_sec ||
           st.st_mtim.tv_nsec != c->mtime.tv_nsec ||
           (long long)st.st_size != c->size;
}

