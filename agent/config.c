/* config.c - the YAML config file; see config.h and
 * reference/jmx_exporter.md sections 1.1, 1.2 and 1.5.
 *
 * jmx_exporter loads its config with SnakeYAML (YAML 1.1) into a
 * Map<String,Object> and reads it with unchecked casts (JmxCollector
 * .loadConfig, HTTPServerFactory).  We load with libyaml's document API,
 * resolve plain scalars the way SnakeYAML's implicit resolvers do (bool,
 * int, float, null), and walk the tree through static key tables (name,
 * 0.x alias, setter, where stored, default) - one table per map level.
 *
 * Where jmx_exporter 1.0.1 would throw at load (ClassCastException, NPE,
 * PatternSyntaxException, MalformedObjectNameException, ...) we fail with
 * one line "<file>:<line>: <key>: <what>; <what to do>".  We are stricter
 * than 1.0.1 on purpose in a few places, each marked "Stricter:". */
#include "config.h"
#include "auth.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "javafmt.h"
#include "objname.h"

#define MAX_FILE_BYTES (16u << 20)
#define MAX_NODES 100000
#define MAX_DEPTH 32

/* ------------------------------------------------------------------ */
/* Context and errors                                                  */

struct ctx {
    const char *file;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
    size_t visits;
    int depth;
    int map_line;       /* line of the map whose absent keys are defaulted */
    bool from_file;     /* file is a real path: relative paths in the
                           config are resolved against its directory */
    int key_line;       /* line of the key whose setter runs */
};

static int line_of(const yaml_node_t *n)
{
    return n ? (int)n->start_mark.line + 1 : 0;
}

static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r' || *s == '\t')
            *s = ' ';
}

static int fail(struct ctx *c, int line, const char *key, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

/* "<file>:<line>: <key>: <what>; <what to do>" - fmt holds the last two. */
static int fail(struct ctx *c, int line, const char *key, const char *fmt,
                ...)
{
    if (c->err == NULL || c->errlen == 0)
        return -1;
    int n = snprintf(c->err, c->errlen, "%s:%d: %s: ", c->file, line, key);
    if (n >= 0 && (size_t)n < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    one_line(c->err);
    return -1;
}

static int oom(struct ctx *c, const yaml_node_t *n, const char *key)
{
    return fail(c, line_of(n), key, "out of memory; retry");
}

static yaml_node_t *node_at(struct ctx *c, yaml_node_item_t i)
{
    return yaml_document_get_node(c->doc, i);
}

/* ------------------------------------------------------------------ */
/* SnakeYAML's YAML 1.1 implicit scalar resolution                     */

enum ykind { Y_NULL, Y_BOOL, Y_INT, Y_FLOAT, Y_STR, Y_MAP, Y_SEQ };

struct yval {
    enum ykind k;
    const char *s;      /* scalar text (NUL-terminated by libyaml) */
    bool b;
    int64_t i;
    bool ibig;          /* does not fit in a long: SnakeYAML's BigInteger */
    double d;
};

static bool str_in(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return true;
    return false;
}

static bool is_digit_in(char ch, int base)
{
    if (base == 2)
        return ch == '0' || ch == '1';
    if (base == 8)
        return ch >= '0' && ch <= '7';
    if (base == 10)
        return ch >= '0' && ch <= '9';
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
           (ch >= 'A' && ch <= 'F');
}

/* "(:[0-5]?[0-9])+" then end (or, for floats, the rest at *end). */
static bool sexagesimal_tail(const char *p, const char **end)
{
    int groups = 0;
    while (*p == ':') {
        p++;
        if (p[0] >= '0' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9')
            p += 2;
        else if (p[0] >= '0' && p[0] <= '9')
            p++;
        else
            return false;
        groups++;
    }
    *end = p;
    return groups > 0;
}

/* SnakeYAML Resolver.INT:
 *   [-+]?0b_*[0-1]+[0-1_]* | [-+]?0_*[0-7]+[0-7_]* | [-+]?(?:0|[1-9][0-9_]*)
 *   | [-+]?0x_*[0-9a-fA-F]+[0-9a-fA-F_]* | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+ */
static bool match_int(const char *s)
{
    const char *p = s + (*s == '-' || *s == '+');
    int base = 0;
    if (p[0] == '0' && p[1] == 'b')
        base = 2, p += 2;
    else if (p[0] == '0' && p[1] == 'x')
        base = 16, p += 2;
    else if (p[0] == '0' && p[1] == '\0')
        return true;
    else if (p[0] == '0')
        base = 8, p += 1;
    if (base != 0) {
        while (*p == '_')
            p++;
        if (!is_digit_in(*p, base))
            return false;
        while (is_digit_in(*p, base) || *p == '_')
            p++;
        return *p == '\0';
    }
    if (*p < '1' || *p > '9')
        return false;
    while ((*p >= '0' && *p <= '9') || *p == '_')
        p++;
    if (*p == '\0')
        return true;
    const char *end;
    return sexagesimal_tail(p, &end) && *end == '\0';
}

/* SnakeYAML Resolver.FLOAT:
 *   [-+]?(\.[0-9]+|[0-9_]+(\.[0-9_]*)?)([eE][-+]?[0-9]+)?
 *   | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
 *   | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN) */
static bool match_float(const char *s)
{
    static const char *const nan[] = {".nan", ".NaN", ".NAN"};
    static const char *const inf[] = {".inf", ".Inf", ".INF"};
    if (str_in(s, nan, 3))
        return true;
    const char *p = s + (*s == '-' || *s == '+');
    if (str_in(p, inf, 3))
        return true;
    /* base 60 */
    if (*p >= '0' && *p <= '9') {
        const char *q = p + 1;
        while ((*q >= '0' && *q <= '9') || *q == '_')
            q++;
        const char *end;
        if (*q == ':' && sexagesimal_tail(q, &end) && *end == '.') {
            end++;
            while ((*end >= '0' && *end <= '9') || *end == '_')
                end++;
            return *end == '\0';
        }
    }
    /* base 10 */
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    } else {
        if (!((*p >= '0' && *p <= '9') || *p == '_'))
            return false;
        while ((*p >= '0' && *p <= '9') || *p == '_')
            p++;
        if (*p == '.') {
            p++;
            while ((*p >= '0' && *p <= '9') || *p == '_')
                p++;
        }
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

/* Copies s without '_' into out (cap >= strlen(s)+1). */
static void strip_underscores(const char *s, char *out)
{
    for (; *s; s++)
        if (*s != '_')
            *out++ = *s;
    *out = '\0';
}

/* SnakeYAML ConstructYamlInt: "0" -> 0, 0b.. base 2, 0x.. base 16, 0..
 * base 8, a:b:c base 60, else base 10; Integer, Long, else BigInteger. */
static void construct_int(const char *s, struct yval *v)
{
    char buf[256];
    if (strlen(s) >= sizeof buf) {
        v->ibig = true;
        return;
    }
    strip_underscores(s, buf);
    const char *p = buf;
    bool neg = false;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    uint64_t acc = 0;
    bool big = false;
    if (strchr(p, ':') != NULL) {
        /* Each group is a decimal number, the groups base 60. */
        const char *q = p;
        while (*q) {
            uint64_t g = 0;
            while (*q >= '0' && *q <= '9') {
                if (g > (UINT64_MAX - 9) / 10)
                    big = true;
                g = g * 10 + (uint64_t)(*q++ - '0');
            }
            if (acc > (UINT64_MAX - g) / 60)
                big = true;
            acc = acc * 60 + g;
            if (*q == ':')
                q++;
        }
    } else {
        int base = 10;
        if (p[0] == '0' && p[1] == 'b')
            base = 2, p += 2;
        else if (p[0] == '0' && p[1] == 'x')
            base = 16, p += 2;
        else if (p[0] == '0' && p[1] != '\0')
            base = 8, p += 1;
        for (; *p; p++) {
            int d = *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10;
            if (acc > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
                big = true;
            acc = acc * (uint64_t)base + (uint64_t)d;
        }
    }
    if (big || acc > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) {
        v->ibig = true;
        return;
    }
    v->i = neg ? (int64_t)(0 - acc) : (int64_t)acc;
}

/* SnakeYAML ConstructYamlFloat. */
static void construct_float(const char *s, struct yval *v)
{
    char buf[256];
    if (strlen(s) >= sizeof buf) {
        v->d = NAN;
        return;
    }
    strip_underscores(s, buf);
    const char *p = buf;
    double sign = 1.0;
    if (*p == '-' || *p == '+')
        sign = *p++ == '-' ? -1.0 : 1.0;
    if (strcasecmp(p, ".inf") == 0) {
        v->d = sign * INFINITY;
        return;
    }
    if (strcasecmp(p, ".nan") == 0) {
        v->d = NAN;
        return;
    }
    if (strchr(p, ':') != NULL) {
        double acc = 0;
        char *q = (char *)p;
        while (*q) {
            double g = strtod(q, &q);
            /* strtod stops at ':'; the last group carries the fraction. */
            acc = acc * 60 + g;
            if (*q == ':')
                q++;
            else
                break;
        }
        v->d = sign * acc;
        return;
    }
    v->d = sign * strtod(p, NULL);
}

static void resolve(const yaml_node_t *n, struct yval *v)
{
    memset(v, 0, sizeof *v);
    if (n == NULL) {
        v->k = Y_NULL;
        v->s = "";
        return;
    }
    if (n->type == YAML_MAPPING_NODE) {
        v->k = Y_MAP;
        return;
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        v->k = Y_SEQ;
        return;
    }
    const char *s = (const char *)n->data.scalar.value;
    v->s = s;
    v->k = Y_STR;
    /* Quoted and block scalars are always strings; only plain ones are
     * resolved (SnakeYAML's Resolver.resolve with implicit == true). */
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
        n->data.scalar.style != YAML_ANY_SCALAR_STYLE)
        return;
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    static const char *const yes[] = {"yes", "Yes", "YES", "true", "True",
                                      "TRUE", "on", "On", "ON"};
    static const char *const no[] = {"no", "No", "NO", "false", "False",
                                     "FALSE", "off", "Off", "OFF"};
    if (str_in(s, nulls, 5)) {
        v->k = Y_NULL;
    } else if (str_in(s, yes, 9)) {
        v->k = Y_BOOL;
        v->b = true;
    } else if (str_in(s, no, 9)) {
        v->k = Y_BOOL;
    } else if (match_int(s)) {
        v->k = Y_INT;
        construct_int(s, v);
    } else if (match_float(s)) {
        char tmp[256];
        if (strlen(s) < sizeof tmp) {
            strip_underscores(s, tmp);
            /* "_" alone matches the regex but is no number: SnakeYAML
             * would throw; keep it a string. */
            if (strcspn(tmp, "0123456789") == strlen(tmp) &&
                strchr(tmp, '.') == NULL)
                return;
        }
        v->k = Y_FLOAT;
        construct_float(s, v);
    }
}

/* Short description of a value for messages: the integer 5, "abc", ... */
static const char *describe(const yaml_node_t *n, char *out, size_t cap)
{
    struct yval v;
    resolve(n, &v);
    switch (v.k) {
    case Y_NULL:  snprintf(out, cap, "null"); break;
    case Y_MAP:   snprintf(out, cap, "a map"); break;
    case Y_SEQ:   snprintf(out, cap, "a list"); break;
    case Y_BOOL:  snprintf(out, cap, "the boolean %.40s", v.s); break;
    case Y_INT:   snprintf(out, cap, "the integer %.40s", v.s); break;
    case Y_FLOAT: snprintf(out, cap, "the number %.40s", v.s); break;
    case Y_STR:
        snprintf(out, cap, "the string \"%.40s%s\"", v.s,
                 strlen(v.s) > 40 ? "..." : "");
        break;
    }
    one_line(out);
    return out;
}

/* Java's String.valueOf() of what SnakeYAML constructed: what jmx_exporter
 * gets for `value:`, `valueFactor:` and `pattern:` (string concatenation).
 * null -> "null", booleans "true"/"false", ints in decimal, floats via
 * Double.toString.  Malloc'ed; NULL for maps/lists or out of memory. */
static char *java_text(const yaml_node_t *n)
{
    struct yval v;
    resolve(n, &v);
    char num[JXA_NUMBUF];
    switch (v.k) {
    case Y_NULL:  return strdup("null");
    case Y_BOOL:  return strdup(v.b ? "true" : "false");
    case Y_INT:
        if (v.ibig) {
            /* BigInteger.toString(): beyond a long we keep the digits as
             * written (without '_'); see the report's known gaps. */
            char *d = malloc(strlen(v.s) + 1);
            if (d)
                strip_underscores(v.s, d);
            return d;
        }
        jxa_java_long(num, v.i);
        return strdup(num);
    case Y_FLOAT:
        jxa_java_double(num, v.d);
        return strdup(num);
    case Y_STR:   return strdup(v.s);
    default:      return NULL;
    }
}

/* ------------------------------------------------------------------ */
/* Alias bombs: one pass over the tree with a visit budget and a depth  */
/* limit before anything else looks at it.  yaml_parser_load keeps an   */
/* alias as a second reference to the same node, so a walker following */
/* references does exponential work on "billion laughs" documents and  */
/* loops on a self-referencing anchor.                                 */

static int check_tree(struct ctx *c, yaml_node_t *n, int depth,
                      const char *top, int top_line)
{
    if (n == NULL)
        return 0;
    if (++c->visits > MAX_NODES)
        return fail(c, top_line, top, "YAML expands to more than %d nodes "
                    "(alias bomb?); remove the anchors/aliases or split the "
                    "config", MAX_NODES);
    if (depth > MAX_DEPTH)
        return fail(c, top_line, top, "YAML nested deeper than %d levels "
                    "(recursive alias?); flatten the config", MAX_DEPTH);
    if (n->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *i = n->data.sequence.items.start;
             i < n->data.sequence.items.top; i++)
            if (check_tree(c, node_at(c, *i), depth + 1, top, top_line) < 0)
                return -1;
    } else if (n->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
             p < n->data.mapping.pairs.top; p++) {
            yaml_node_t *k = node_at(c, p->key), *v = node_at(c, p->value);
            const char *t = top;
            int tl = top_line;
            if (depth == 0 && k && k->type == YAML_SCALAR_NODE) {
                t = (const char *)k->data.scalar.value;
                tl = line_of(k);
            }
            if (check_tree(c, k, depth + 1, t, tl) < 0 ||
                check_tree(c, v, depth + 1, t, tl) < 0)
                return -1;
        }
    } else {
        /* Plain text only: a NUL inside (a "\0" escape) would silently
         * cut our C strings short. */
        if (strlen((const char *)n->data.scalar.value) !=
            n->data.scalar.length)
            return fail(c, line_of(n), top, "value contains a NUL "
                        "character; remove the \\0 escape");
    }
    /* Explicit tags (!!int "5", !!java.net.URL ...) would ask for typed
     * construction, which SnakeYAML 1.0.1 would even do for Java classes;
     * only the default tags are accepted. */
    const char *tag = (const char *)n->tag;
    if (tag != NULL && strcmp(tag, YAML_STR_TAG) != 0 &&
        strcmp(tag, YAML_SEQ_TAG) != 0 && strcmp(tag, YAML_MAP_TAG) != 0) {
        bool core = strncmp(tag, "tag:yaml.org,2002:", 18) == 0;
        return fail(c, line_of(n), top, "YAML tag %s%.60s is not supported; "
                    "remove the tag", core ? "!!" : "", core ? tag + 18 : tag);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Maps: pairs with YAML merge keys (<<) flattened, as SnakeYAML's      */
/* SafeConstructor.flattenMapping does: explicit keys win over merged   */
/* ones, earlier merge sources over later ones.                        */

struct pair {
    yaml_node_t *k, *v;
    const char *key;
};

struct pairs {
    struct pair *p;
    size_t n, cap;
    size_t *slots;      /* open addressing: index + 1, 0 = empty */
    size_t nslots;      /* power of two, > 2 * n */
};

static size_t key_hash(const char *k)
{
    size_t h = 1469598103934665603u;            /* FNV-1a */
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211u;
    return h;
}

/* Hashed, so that a hostile map of 50,000 keys loads in milliseconds
 * rather than seconds of pairwise compares. */
static const struct pair *pairs_find(const struct pairs *ps, const char *k)
{
    if (ps->nslots == 0)
        return NULL;
    for (size_t i = key_hash(k) & (ps->nslots - 1);; i = (i + 1) &
                                                    (ps->nslots - 1)) {
        size_t s = ps->slots[i];
        if (s == 0)
            return NULL;
        if (strcmp(ps->p[s - 1].key, k) == 0)
            return &ps->p[s - 1];
    }
}

static void pairs_free(struct pairs *ps)
{
    free(ps->p);
    free(ps->slots);
}

static void slot_put(size_t *slots, size_t nslots, const char *key,
                     size_t idx1)
{
    size_t i = key_hash(key) & (nslots - 1);
    while (slots[i] != 0)
        i = (i + 1) & (nslots - 1);
    slots[i] = idx1;
}

static int pairs_add(struct pairs *ps, yaml_node_t *k, yaml_node_t *v)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        struct pair *np = realloc(ps->p, cap * sizeof *np);
        if (np == NULL)
            return -1;
        ps->p = np;
        ps->cap = cap;
    }
    if (2 * (ps->n + 1) >= ps->nslots) {
        size_t ns = ps->nslots ? ps->nslots * 2 : 32;
        size_t *sl = calloc(ns, sizeof *sl);
        if (sl == NULL)
            return -1;
        for (size_t i = 0; i < ps->n; i++)
            slot_put(sl, ns, ps->p[i].key, i + 1);
        free(ps->slots);
        ps->slots = sl;
        ps->nslots = ns;
    }
    ps->p[ps->n] = (struct pair){k, v, (const char *)k->data.scalar.value};
    ps->n++;
    slot_put(ps->slots, ps->nslots, ps->p[ps->n - 1].key, ps->n);
    return 0;
}

static int collect_pairs(struct ctx *c, yaml_node_t *map, const char *path,
                         struct pairs *ps, bool merged)
{
    if (++c->depth > MAX_DEPTH) {
        c->depth--;
        return fail(c, line_of(map), path, "merge keys nested deeper than "
                    "%d levels; flatten the config", MAX_DEPTH);
    }
    int rc = 0;
    yaml_node_t *merges[64];
    size_t nmerges = 0;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         rc == 0 && p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(c, p->key), *v = node_at(c, p->value);
        char d[96];
        if (k == NULL || v == NULL) {
            rc = fail(c, line_of(map), path, "broken YAML document; fix "
                      "the YAML syntax");
        } else if (k->type != YAML_SCALAR_NODE) {
            rc = fail(c, line_of(k), path[0] ? path : "(top level)",
                      "map keys must be plain text, got "
                      "%s; write key: value", describe(k, d, sizeof d));
        } else if (k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                   strcmp((const char *)k->data.scalar.value, "<<") == 0) {
            if (nmerges == sizeof merges / sizeof merges[0])
                rc = fail(c, line_of(k), path, "too many merge keys; "
                          "use at most 64");
            else
                merges[nmerges++] = v;
        } else {
            const struct pair *old = pairs_find(ps, (const char *)
                                                k->data.scalar.value);
            if (old != NULL && merged)
                continue;        /* an explicit key already won */
            if (old != NULL)
                /* Stricter: SnakeYAML keeps the last of duplicate keys
                 * silently; a repeated key is almost always a mistake. */
                rc = fail(c, line_of(k), path[0] ? path : "(top level)",
                          "duplicate key '%.60s' (first at line %d); keep "
                          "one", (const char *)k->data.scalar.value,
                          line_of(old->k));
            else if (pairs_add(ps, k, v) < 0)
                rc = oom(c, k, path);
        }
    }
    for (size_t i = 0; rc == 0 && i < nmerges; i++) {
        yaml_node_t *m = merges[i];
        if (m->type == YAML_MAPPING_NODE) {
            rc = collect_pairs(c, m, path, ps, true);
        } else if (m->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = m->data.sequence.items.start;
                 rc == 0 && it < m->data.sequence.items.top; it++) {
                yaml_node_t *s = node_at(c, *it);
                if (s == NULL || s->type != YAML_MAPPING_NODE)
                    rc = fail(c, line_of(m), path, "a merge key (<<) needs "
                              "a map or a list of maps; fix the alias");
                else
                    rc = collect_pairs(c, s, path, ps, true);
            }
        } else {
            rc = fail(c, line_of(m), path, "a merge key (<<) needs a map or "
                      "a list of maps; fix the alias");
        }
    }
    c->depth--;
    return rc;
}

/* ------------------------------------------------------------------ */
/* Key tables                                                          */

struct ckey;
/* v == NULL: the key is absent; set the default.  path: the key path for
 * messages (rules[2].name).  base: the struct the table describes. */
typedef int (*set_fn)(struct ctx *c, const struct ckey *k, const char *path,
                      yaml_node_t *v, void *base);

struct ckey {
    const char *name;
    const char *alias;      /* 0.x name; used only if name is absent */
    set_fn set;
    size_t off;             /* offsetof() in base */
    double dflt;            /* bool / int / double default */
    const char *why;        /* refused keys: the message */
};

#define FIELD(base, k, type) ((type *)(void *)((char *)(base) + (k)->off))

static const struct ckey *table_find(const struct ckey *t, size_t n,
                                     const char *name, bool *via_alias)
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

/* Applies table t to map node `map` (NULL or a null scalar: all absent). */
static int apply_table(struct ctx *c, yaml_node_t *map, const struct ckey *t,
                       size_t n, const char *prefix, void *base)
{
    struct pairs ps = {0};
    bool seen[32] = {false};
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
        rc = collect_pairs(c, map, mpath, &ps, false);
    for (size_t i = 0; rc == 0 && i < ps.n; i++) {
        bool via_alias;
        const struct ckey *k = table_find(t, n, ps.p[i].key, &via_alias);
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
        if (via_alias && pairs_find(&ps, k->name) != NULL)
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
    pairs_free(&ps);
    return rc;
}

/* --- scalar setters ------------------------------------------------ */

static const char *type_hint(const yaml_node_t *v)
{
    struct yval y;
    resolve(v, &y);
    if (y.k == Y_STR && v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return "remove the quotes";
    return NULL;
}

/* (Boolean) cast: YAML 1.1 booleans only; null is an NPE on unboxing. */
static int set_bool(struct ctx *c, const struct ckey *k, const char *path,
                    yaml_node_t *v, void *base)
{
    bool *dst = FIELD(base, k, bool);
    if (v == NULL) {
        *dst = k->dflt != 0;
        return 0;
    }
    struct yval y;
    resolve(v, &y);
    if (y.k == Y_BOOL) {
        *dst = y.b;
        return 0;
    }
    char d[96];
    const char *h = type_hint(v);
    return fail(c, line_of(v), path, "must be true or false, got %s; %s",
                describe(v, d, sizeof d), h ? h : "write true or false");
}

/* (Integer) cast: a YAML int that fits in an int. */
static int get_int(struct ctx *c, const char *path, yaml_node_t *v, int *out)
{
    struct yval y;
    resolve(v, &y);
    char d[96];
    if (y.k == Y_INT && !y.ibig && y.i >= INT_MIN && y.i <= INT_MAX) {
        *out = (int)y.i;
        return 0;
    }
    if (y.k == Y_INT)
        return fail(c, line_of(v), path, "integer %.40s is out of range; "
                    "use at most %d", y.s, INT_MAX);
    const char *h = type_hint(v);
    return fail(c, line_of(v), path, "must be an integer, got %s; %s",
                describe(v, d, sizeof d), h ? h : "write a whole number");
}

static int set_int_nonneg(struct ctx *c, const struct ckey *k,
                          const char *path, yaml_node_t *v, void *base)
{
    int *dst = FIELD(base, k, int);
    if (v == NULL) {
        *dst = (int)k->dflt;
        return 0;
    }
    if (get_int(c, path, v, dst) < 0)
        return -1;
    /* Stricter than 1.0.1, as 1.6.0: "startDelaySeconds must be
     * non-negative". */
    if (*dst < 0)
        return fail(c, line_of(v), path, "must be 0 or more, got %d; use 0 "
                    "for no delay", *dst);
    return 0;
}

/* scrapeTimeoutSeconds (jmx_exporter main): "must be at least 1". */
static int set_int_pos(struct ctx *c, const struct ckey *k, const char *path,
                       yaml_node_t *v, void *base)
{
    int *dst = FIELD(base, k, int);
    if (v == NULL) {
        *dst = (int)k->dflt;
        return 0;
    }
    if (get_int(c, path, v, dst) < 0)
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

static int set_interval(struct ctx *c, const struct ckey *k, const char *path,
                        yaml_node_t *v, void *base)
{
    double *dst = FIELD(base, k, double);
    if (v == NULL) {
        *dst = k->dflt;
        return 0;
    }
    struct yval y;
    resolve(v, &y);
    char d[96];
    if (y.k != Y_INT && y.k != Y_FLOAT)
        return fail(c, line_of(v), path, "must be a number of seconds, got %s; "
                    "write a number such as 1 or 0.5, or 0 to walk JMX on every "
                    "request", describe(v, d, sizeof d));
    double sec = y.k == Y_INT ? (y.ibig ? (double)INFINITY : (double)y.i) : y.d;
    if (!(sec >= 0 && sec <= MAX_MIN_INTERVAL_S))
        return fail(c, line_of(v), path, "must be between 0 and %d seconds, got "
                    "%s; use at most your Prometheus scrape interval, or 0 to "
                    "walk JMX on every request", MAX_MIN_INTERVAL_S,
                    describe(v, d, sizeof d));
    *dst = sec;
    return 0;
}

/* (String) cast: a string scalar; null leaves the default (NULL) as Java's
 * cast of null does. */
static int set_string(struct ctx *c, const struct ckey *k, const char *path,
                      yaml_node_t *v, void *base)
{
    char **dst = FIELD(base, k, char *);
    if (v == NULL)
        return 0;
    struct yval y;
    resolve(v, &y);
    if (y.k == Y_NULL)
        return 0;
    if (y.k != Y_STR) {
        char d[96];
        return fail(c, line_of(v), path, "must be a string, got %s; quote "
                    "it", describe(v, d, sizeof d));
    }
    *dst = strdup(y.s);
    return *dst ? 0 : oom(c, v, path);
}

/* String.valueOf(yaml): any scalar, Java's text of it (null -> "null"). */
static int set_java_text(struct ctx *c, const struct ckey *k,
                         const char *path, yaml_node_t *v, void *base)
{
    char **dst = FIELD(base, k, char *);
    if (v == NULL)
        return 0;
    if (v->type != YAML_SCALAR_NODE) {
        char d[96];
        return fail(c, line_of(v), path, "must be a single value, got %s; "
                    "write a scalar", describe(v, d, sizeof d));
    }
    *dst = java_text(v);
    return *dst ? 0 : oom(c, v, path);
}

/* valueFactor: Double.valueOf(String.valueOf(yaml)).  Stricter: 1.0.1
 * swallows the NumberFormatException and keeps 1.0; 1.6.0 and we fail. */
static int set_double(struct ctx *c, const struct ckey *k, const char *path,
                      yaml_node_t *v, void *base)
{
    double *dst = FIELD(base, k, double);
    if (v == NULL) {
        *dst = k->dflt;
        return 0;
    }
    char *t = v->type == YAML_SCALAR_NODE ? java_text(v) : NULL;
    double d;
    int rc = t != NULL && jxa_java_parse_double(t, &d) == 0 ? 0 : -1;
    free(t);
    if (rc == 0) {
        *dst = d;
        return 0;
    }
    char desc[96];
    return fail(c, line_of(v), path, "must be a number, got %s; write a "
                "number such as 0.001", describe(v, desc, sizeof desc));
}

/* Keys that only mean something to the standalone exporter's JMX client:
 * accepted, ignored, flagged. */
static int set_ignored(struct ctx *c, const struct ckey *k, const char *path,
                       yaml_node_t *v, void *base)
{
    (void)c, (void)path;
    if (v != NULL)
        *FIELD(base, k, bool) = true;
    return 0;
}

/* jmxUrl / hostPort: the Java agent exits with "When running jmx_exporter
 * as a Java agent, you must not configure 'jmxUrl' or 'hostPort'".  An
 * empty jmxUrl is the agent's own default and fine; hostPort always builds
 * a non-empty URL. */
static int set_remote_url(struct ctx *c, const struct ckey *k,
                          const char *path, yaml_node_t *v, void *base)
{
    (void)base;
    if (v == NULL)
        return 0;
    struct yval y;
    resolve(v, &y);
    if (strcmp(k->name, "jmxUrl") == 0 &&
        (y.k == Y_NULL || (y.k == Y_STR && y.s[0] == '\0')))
        return 0;
    return fail(c, line_of(v), path, "a Java agent monitors its own JVM, "
                "not a remote one (jmx_exporter's agent refuses it too); "
                "remove %s", k->name);
}

static int set_refused(struct ctx *c, const struct ckey *k, const char *path,
                       yaml_node_t *v, void *base)
{
    (void)base;
    if (v == NULL)
        return 0;
    return fail(c, line_of(v), path, "%s", k->why);
}

/* --- ObjectName lists --------------------------------------------- */

static int objname_list(struct ctx *c, const char *path, yaml_node_t *v,
                        struct jxa_objname **out, size_t *nout)
{
    char d[96], p[300];
    if (v->type != YAML_SEQUENCE_NODE)
        /* includeObjectNames: null is an NPE, a scalar a ClassCastException
         * in (List<Object>) yamlConfig.get(...). */
        return fail(c, line_of(v), path, "must be a list of ObjectNames, "
                    "got %s; write [\"domain:key=value\", ...]",
                    describe(v, d, sizeof d));
    size_t n = (size_t)(v->data.sequence.items.top -
                        v->data.sequence.items.start);
    struct jxa_objname *a = n ? calloc(n, sizeof *a) : NULL;
    if (n && a == NULL)
        return oom(c, v, path);
    *out = a;
    *nout = 0;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = node_at(c, v->data.sequence.items.start[i]);
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        struct yval y;
        resolve(it, &y);
        if (it == NULL || it->type != YAML_SCALAR_NODE || y.k == Y_NULL)
            return fail(c, line_of(it ? it : v), p, "must be an ObjectName "
                        "string, got %s; write \"domain:key=value\"",
                        describe(it, d, sizeof d));
        char oerr[200] = "";
        if (jxa_objname_parse(y.s, &a[i], oerr, sizeof oerr) < 0)
            return fail(c, line_of(it), p, "invalid ObjectName \"%.80s\": "
                        "%s; write domain:key=value[,key=value...] (* and ? "
                        "are wildcards)", y.s, oerr);
        *nout = i + 1;
    }
    return 0;
}

static int set_include(struct ctx *c, const struct ckey *k, const char *path,
                       yaml_node_t *v, void *base)
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

static int set_exclude(struct ctx *c, const struct ckey *k, const char *path,
                       yaml_node_t *v, void *base)
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

/* Map ObjectName -> [attribute names]; keys are matched by ObjectName
 * equality, i.e. canonical name, so spellings with another property order
 * merge into one entry (Map<ObjectName, Set<String>>). */
static int attr_filter(struct ctx *c, const char *path, yaml_node_t *v,
                       struct jxa_attr_filter **out, size_t *nout)
{
    char d[96], p[300];
    struct yval y;
    resolve(v, &y);
    if (y.k == Y_NULL)
        return 0;               /* ObjectNameAttributeFilter skips null */
    if (v->type != YAML_MAPPING_NODE)
        return fail(c, line_of(v), path, "must be a map of ObjectName to a "
                    "list of attribute names, got %s; write \"domain:k=v\": "
                    "[Attr, ...]", describe(v, d, sizeof d));
    struct pairs ps = {0};
    if (collect_pairs(c, v, path, &ps, false) < 0) {
        pairs_free(&ps);
        return -1;
    }
    int rc = 0;
    struct jxa_attr_filter *a = ps.n ? calloc(ps.n, sizeof *a) : NULL;
    if (ps.n && a == NULL)
        rc = oom(c, v, path);
    *out = a;
    *nout = 0;
    for (size_t i = 0; rc == 0 && i < ps.n; i++) {
        snprintf(p, sizeof p, "%s.\"%.100s\"", path, ps.p[i].key);
        struct jxa_objname on;
        char oerr[200] = "";
        if (jxa_objname_parse(ps.p[i].key, &on, oerr, sizeof oerr) < 0) {
            rc = fail(c, line_of(ps.p[i].k), p, "invalid ObjectName: %s; "
                      "write domain:key=value[,key=value...]", oerr);
            break;
        }
        char *canon = jxa_objname_canonical(&on);
        jxa_objname_free(&on);
        if (canon == NULL) {
            rc = oom(c, ps.p[i].k, p);
            break;
        }
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
        yaml_node_t *lv = ps.p[i].v;
        if (lv->type != YAML_SEQUENCE_NODE) {
            rc = fail(c, line_of(lv), p, "must be a list of attribute names, "
                      "got %s; write [Attr, ...]", describe(lv, d, sizeof d));
            break;
        }
        for (yaml_node_item_t *it = lv->data.sequence.items.start;
             rc == 0 && it < lv->data.sequence.items.top; it++) {
            yaml_node_t *an = node_at(c, *it);
            resolve(an, &y);
            if (an == NULL || an->type != YAML_SCALAR_NODE || y.k == Y_NULL)
                rc = fail(c, line_of(an ? an : lv), p, "attribute names must "
                          "be strings, got %s; write [Attr, ...]",
                          describe(an, d, sizeof d));
            else if (attrs_add(f, y.s) < 0)
                rc = oom(c, an, p);
        }
    }
    pairs_free(&ps);
    return rc;
}

static int set_exclude_attrs(struct ctx *c, const struct ckey *k,
                             const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_config *cfg = base;
    return v ? attr_filter(c, path, v, &cfg->exclude_attrs,
                           &cfg->nexclude_attrs) : 0;
}

static int set_include_attrs(struct ctx *c, const struct ckey *k,
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
static int key_line(struct ctx *c, yaml_node_t *m, const char *name, int dflt)
{
    if (m == NULL || m->type != YAML_MAPPING_NODE)
        return dflt;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        if (k != NULL && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, name) == 0)
            return line_of(k);
    }
    return dflt;
}

static int set_type(struct ctx *c, const struct ckey *k, const char *path,
                    yaml_node_t *v, void *base)
{
    enum jxa_mtype *dst = FIELD(base, k, enum jxa_mtype);
    *dst = JXA_UNKNOWN;
    if (v == NULL)
        return 0;
    struct yval y;
    resolve(v, &y);
    if (y.k == Y_NULL)
        return 0;               /* (String) null: 1.x's default UNKNOWN */
    /* jmx_exporter 1.x: exactly COUNTER and GAUGE are special, every other
     * string is UNKNOWN (untyped).  Drop-in means the same here; a name
     * jmx_exporter 0.x did not know (lower case "gauge", typos) is most
     * likely a mistake, so it gets a warning line. */
    static const char *const known_unknown[] = {
        "UNTYPED", "UNKNOWN", "SUMMARY", "HISTOGRAM", "INFO", "STATE_SET",
        "GAUGE_HISTOGRAM",
    };
    if (y.k == Y_STR) {
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
                 c->file, line_of(v), path, y.s);
        return 0;
    }
    char d[96];
    return fail(c, line_of(v), path, "must be a metric type name, got %s; "
                "use COUNTER, GAUGE or UNTYPED", describe(v, d, sizeof d));
}

static int cmp_label(const void *a, const void *b)
{
    const struct jxa_label_tmpl *x = a, *y = b;
    /* TreeMap<String,...> order is String.compareTo (UTF-16 units); byte
     * order of UTF-8 agrees except for supplementary characters against
     * U+E000..U+FFFF. */
    return strcmp(x->name, y->name);
}

/* labels: new TreeMap<>((Map<String,Object>) yaml), values cast with
 * (String).  Deliberately looser: numeric and boolean scalars are taken as
 * their text (`code: 200`), where 1.0.1 throws ClassCastException. */
static int set_labels(struct ctx *c, const struct ckey *k, const char *path,
                      yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_rule *r = base;
    if (v == NULL)
        return 0;
    char d[96], p[300];
    if (v->type != YAML_MAPPING_NODE)
        return fail(c, line_of(v), path, "must be a map of label name to "
                    "value, got %s; write labels: {name: \"$1\"}",
                    describe(v, d, sizeof d));
    struct pairs ps = {0};
    if (collect_pairs(c, v, path, &ps, false) < 0) {
        pairs_free(&ps);
        return -1;
    }
    int rc = 0;
    /* Never NULL once the key is present: `labels: {}` still demands a
     * name (Java checks labelNames != null). */
    r->labels = calloc(ps.n ? ps.n : 1, sizeof *r->labels);
    if (r->labels == NULL)
        rc = oom(c, v, path);
    for (size_t i = 0; rc == 0 && i < ps.n; i++) {
        struct yval kv, vv;
        resolve(ps.p[i].k, &kv);
        resolve(ps.p[i].v, &vv);
        snprintf(p, sizeof p, "%s.%.100s", path, ps.p[i].key);
        if (kv.k == Y_NULL) {
            rc = fail(c, line_of(ps.p[i].k), path, "a label name is null; "
                      "give it a name");
        } else if (vv.k == Y_NULL || vv.k == Y_MAP || vv.k == Y_SEQ) {
            rc = fail(c, line_of(ps.p[i].v), p, "label value must be a "
                      "string, got %s; write a value such as \"$1\"",
                      describe(ps.p[i].v, d, sizeof d));
        } else {
            struct jxa_label_tmpl *l = &r->labels[r->nlabels];
            l->name = strdup(kv.s);
            l->value = strdup(vv.s);
            r->nlabels++;
            if (l->name == NULL || l->value == NULL)
                rc = oom(c, ps.p[i].v, p);
        }
    }
    pairs_free(&ps);
    if (rc == 0 && r->nlabels > 1)
        qsort(r->labels, r->nlabels, sizeof *r->labels, cmp_label);
    return rc;
}

static const struct ckey rule_keys[] = {
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
#define NRULE_KEYS (sizeof rule_keys / sizeof rule_keys[0])

/* "^.*(?:" + pattern + ").*$" as JmxCollector compiles it.  PCRE2_UTF
 * because the match string is UTF-8; NEWLINE_ANY so '.' and '$' stop at
 * exactly java.util.regex's line terminators (\n \r \r\n \u0085 \u2028
 * \u2029). */
/* Offset of a Java character-class intersection ("[a-z&&[^e]]") in p, or
 * -1.  PCRE2 reads "&&" in a class as two literal '&', so the pattern
 * would compile and silently match something else. */
static long class_intersection(const char *p)
{
    int depth = 0;
    bool quoted = false;            /* inside \Q...\E */
    for (const char *s = p; *s; s++) {
        if (quoted) {
            if (s[0] == '\\' && s[1] == 'E')
                quoted = false, s++;
            continue;
        }
        if (*s == '\\') {
            if (s[1] == 'Q')
                quoted = true;
            if (s[1] != '\0')
                s++;
        } else if (*s == '[') {
            depth++;
            if (s[1] == '^')
                s++;
            if (s[1] == ']')        /* "[]...]": ']' first is literal */
                s++;
        } else if (*s == ']' && depth > 0) {
            depth--;
        } else if (depth > 0 && s[0] == '&' && s[1] == '&') {
            return (long)(s - p);
        }
    }
    return -1;
}

/* Do the parentheses of p balance without ever closing more than they
 * opened?  Only then is "(?:p)" the same sub-expression inside
 * "^.*(?:p).*$" (an unbalanced "a)|(b" splices into the wrapper's top
 * level instead). */
static bool parens_balanced(const char *p)
{
    int depth = 0, cls = 0;
    bool quoted = false;
    for (const char *s = p; *s; s++) {
        if (quoted) {
            if (s[0] == '\\' && s[1] == 'E')
                quoted = false, s++;
        } else if (*s == '\\') {
            if (s[1] == 'Q')
                quoted = true;
            if (s[1] != '\0')
                s++;
        } else if (cls > 0) {
            if (*s == '[')
                cls++;
            else if (*s == ']')
                cls--;
        } else if (*s == '[') {
            cls = 1;
            if (s[1] == '^')
                s++;
            if (s[1] == ']')
                s++;
        } else if (*s == '(') {
            depth++;
        } else if (*s == ')' && --depth < 0) {
            return false;
        }
    }
    return depth == 0 && !quoted;
}

/* Most rules miss most attributes, and "^.*(?:P).*$" pays for the leading
 * ".*" on every miss.  If the wrapped pattern matches, P matches starting
 * somewhere in the subject, so an unanchored search for "(?:P)" that fails
 * proves the miss, several times faster.  Only a miss is taken from the
 * probe; a hit still runs the real pattern for its captures. */
static void compile_probe(struct jxa_rule *r, pcre2_compile_context *cc)
{
    if (!parens_balanced(r->pattern))
        return;
    size_t n = strlen(r->pattern);
    char *src = malloc(n + 5);
    if (src == NULL)
        return;
    memcpy(src, "(?:", 3);
    memcpy(src + 3, r->pattern, n);
    memcpy(src + 3 + n, ")", 2);
    int ec;
    PCRE2_SIZE eo;
    r->probe = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, cc);
    free(src);
    if (r->probe != NULL)
        (void)pcre2_jit_compile(r->probe, PCRE2_JIT_COMPLETE);
}

static int compile_rule(struct ctx *c, struct jxa_rule *r, const char *path,
                        int line)
{
    static const char pre[] = "^.*(?:", post[] = ").*$";
    size_t n = strlen(r->pattern);
    long amp = class_intersection(r->pattern);
    if (amp >= 0)
        return fail(c, line, path, "Java character-class intersection (&&) "
                    "at offset %ld is not supported; rewrite the class "
                    "without && (e.g. [a-df-z] for [a-z&&[^e]])", amp);
    char *src = malloc(sizeof pre + n + sizeof post);
    if (src == NULL)
        return fail(c, line, path, "out of memory; retry");
    memcpy(src, pre, sizeof pre - 1);
    memcpy(src + sizeof pre - 1, r->pattern, n);
    memcpy(src + sizeof pre - 1 + n, post, sizeof post);
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (cc != NULL)
        pcre2_set_newline(cc, PCRE2_NEWLINE_ANY);
    int ec;
    PCRE2_SIZE eo;
    r->re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
                          &ec, &eo, cc);
    if (r->re != NULL)
        compile_probe(r, cc);
    pcre2_compile_context_free(cc);
    free(src);
    if (r->re == NULL) {
        PCRE2_UCHAR msg[160];
        if (pcre2_get_error_message(ec, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "error %d", ec);
        /* Offsets are into the wrapped pattern; report the user's. */
        size_t off = eo >= sizeof pre - 1 ? eo - (sizeof pre - 1) : 0;
        if (off > n)
            off = n;
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

static int load_rule(struct ctx *c, yaml_node_t *v, size_t idx,
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
                    "write - pattern: ...", describe(v, d, sizeof d));
    }
    if (apply_table(c, v, rule_keys, NRULE_KEYS, prefix, r) < 0)
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

static int set_rules(struct ctx *c, const struct ckey *k, const char *path,
                     yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_config *cfg = base;
    if (v == NULL) {
        /* No rules key: one rule {} that default-exports everything. */
        cfg->rules = calloc(1, sizeof *cfg->rules);
        if (cfg->rules == NULL)
            return fail(c, 0, path, "out of memory; retry");
        cfg->nrules = 1;
        return apply_table(c, NULL, rule_keys, NRULE_KEYS, "rules[0].",
                           cfg->rules);
    }
    if (v->type != YAML_SEQUENCE_NODE) {
        char d[96];
        /* `rules:` with nothing is an NPE in loadConfig. */
        return fail(c, line_of(v), path, "must be a list of rules, got %s; "
                    "write [] for no rules or remove the key for the default "
                    "rule", describe(v, d, sizeof d));
    }
    size_t n = (size_t)(v->data.sequence.items.top -
                        v->data.sequence.items.start);
    cfg->rules = n ? calloc(n, sizeof *cfg->rules) : NULL;
    if (n && cfg->rules == NULL)
        return oom(c, v, path);
    cfg->nrules = n;            /* zeroed rules are safe to free */
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = node_at(c, v->data.sequence.items.start[i]);
        if (load_rule(c, it, i, &cfg->rules[i]) < 0)
            return -1;
        if (cfg->rules[i].cache)
            cfg->any_cache = true;
    }
    return 0;
}

/* --- httpServer --------------------------------------------------- */

struct threads_tmp {
    int minimum, maximum, keep_alive;
};

/* HTTPServerFactory: with threads present, all three are "a required
 * integer". */
static int set_req_int(struct ctx *c, const struct ckey *k, const char *path,
                       yaml_node_t *v, void *base)
{
    int *dst = FIELD(base, k, int);
    if (v == NULL)
        return fail(c, c->map_line, path, "is a required integer; give "
                    "minimum, maximum and keepAliveTime");
    if (get_int(c, path, v, dst) < 0)
        return -1;
    if (*dst < (int)k->dflt)
        return fail(c, line_of(v), path, "must be at least %d, got %d; "
                    "raise it", (int)k->dflt, *dst);
    return 0;
}

static const struct ckey thread_keys[] = {
    {"minimum", NULL, set_req_int, offsetof(struct threads_tmp, minimum), 0, 0},
    {"maximum", NULL, set_req_int, offsetof(struct threads_tmp, maximum), 1, 0},
    {"keepAliveTime", NULL, set_req_int,
     offsetof(struct threads_tmp, keep_alive), 1, 0},
};

static int check_map_or_null(struct ctx *c, const char *path, yaml_node_t *v)
{
    struct yval y;
    resolve(v, &y);
    if (y.k == Y_MAP || y.k == Y_NULL)
        return 0;
    char d[96];
    return fail(c, line_of(v), path, "must be a map, got %s; indent its "
                "keys under it", describe(v, d, sizeof d));
}

static int set_threads(struct ctx *c, const struct ckey *k, const char *path,
                       yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_http_config *h = base;
    if (v == NULL)
        return 0;
    if (check_map_or_null(c, path, v) < 0)
        return -1;
    struct threads_tmp t = {0, 0, 0};
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s.", path);
    if (apply_table(c, v, thread_keys, 3, prefix, &t) < 0)
        return -1;
    if (t.maximum < t.minimum)
        return fail(c, line_of(v), path, "maximum (%d) must be greater than "
                    "or equal to minimum (%d); raise maximum or lower minimum",
                    t.maximum, t.minimum);
    h->threads_max = t.maximum;
    return 0;
}

struct basic_tmp {
    char *username, *password, *algorithm, *password_hash, *salt;
    int iterations, key_length;
    bool has_iterations, has_key_length;
};

/* Basic-auth strings: any non-null scalar, Java's text of it. */
static int set_text_opt(struct ctx *c, const struct ckey *k, const char *path,
                        yaml_node_t *v, void *base)
{
    char **dst = FIELD(base, k, char *);
    if (v == NULL)
        return 0;
    struct yval y;
    resolve(v, &y);
    if (y.k == Y_NULL)
        return 0;               /* Optional.empty(): "required" later */
    if (v->type != YAML_SCALAR_NODE) {
        char d[96];
        return fail(c, line_of(v), path, "must be a string, got %s; write "
                    "a single value", describe(v, d, sizeof d));
    }
    *dst = java_text(v);
    return *dst ? 0 : oom(c, v, path);
}

static int set_opt_int(struct ctx *c, const struct ckey *k, const char *path,
                       yaml_node_t *v, void *base)
{
    struct basic_tmp *b = base;
    int *dst = FIELD(base, k, int);
    if (v == NULL)
        return 0;
    if (get_int(c, path, v, dst) < 0)
        return -1;
    if (*dst < 1)
        return fail(c, line_of(v), path, "must be at least 1, got %d; raise "
                    "it or remove it for the default", *dst);
    if (dst == &b->iterations)
        b->has_iterations = true;
    else
        b->has_key_length = true;
    return 0;
}

static const struct ckey basic_keys[] = {
    {"username", NULL, set_text_opt, offsetof(struct basic_tmp, username), 0, 0},
    {"password", NULL, set_text_opt, offsetof(struct basic_tmp, password), 0, 0},
    {"algorithm", NULL, set_text_opt,
     offsetof(struct basic_tmp, algorithm), 0, 0},
    {"passwordHash", NULL, set_text_opt,
     offsetof(struct basic_tmp, password_hash), 0, 0},
    {"salt", NULL, set_text_opt, offsetof(struct basic_tmp, salt), 0, 0},
    {"iterations", NULL, set_opt_int,
     offsetof(struct basic_tmp, iterations), 0, 0},
    {"keyLength", NULL, set_opt_int,
     offsetof(struct basic_tmp, key_length), 0, 0},
};

static bool blank(const char *s)
{
    if (s == NULL)
        return true;
    for (; *s; s++)
        if ((unsigned char)*s > ' ')
            return false;
    return true;
}

static void basic_free(struct basic_tmp *b)
{
    free(b->username);
    free(b->password);
    free(b->algorithm);
    free(b->password_hash);
    free(b->salt);
}

/* Moves one string from the temp into the config (ownership). */
static char *take(char **s)
{
    char *r = *s;
    *s = NULL;
    return r;
}

static int basic_finish(struct ctx *c, const char *path, int line,
                        struct basic_tmp *b, struct jxa_http_config *h)
{
    static const struct {
        const char *name;
        enum jxa_auth_alg alg;
        int iterations;
    } algs[] = {
        {"SHA-1", JXA_AUTH_SHA1, 0},
        {"SHA-256", JXA_AUTH_SHA256, 0},
        {"SHA-512", JXA_AUTH_SHA512, 0},
        /* OWASP-derived defaults of jmx_exporter's PBKDF2 authenticator. */
        {"PBKDF2WithHmacSHA1", JXA_AUTH_PBKDF2_SHA1, 1300000},
        {"PBKDF2WithHmacSHA256", JXA_AUTH_PBKDF2_SHA256, 600000},
        {"PBKDF2WithHmacSHA512", JXA_AUTH_PBKDF2_SHA512, 210000},
    };
    char p[200];
    if (blank(b->username)) {
        snprintf(p, sizeof p, "%s.username", path);
        return fail(c, line, p, "is a required non-blank string; add a "
                    "username");
    }
    enum jxa_auth_alg alg = JXA_AUTH_NONE;
    int def_iter = 0;
    /* "plaintext" is compared with equalsIgnoreCase, the digests with
     * equals (HTTPServerFactory). */
    if (b->algorithm == NULL || strcasecmp(b->algorithm, "plaintext") == 0) {
        alg = JXA_AUTH_PLAINTEXT;
    } else {
        for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
            if (strcmp(b->algorithm, algs[i].name) == 0) {
                alg = algs[i].alg;
                def_iter = algs[i].iterations;
            }
        if (alg == JXA_AUTH_NONE) {
            snprintf(p, sizeof p, "%s.algorithm", path);
            return fail(c, line, p, "unsupported algorithm \"%.40s\"; use "
                        "plaintext, SHA-1, SHA-256, SHA-512, "
                        "PBKDF2WithHmacSHA1, PBKDF2WithHmacSHA256 or "
                        "PBKDF2WithHmacSHA512", b->algorithm);
        }
    }
    if (alg == JXA_AUTH_PLAINTEXT) {
        if (blank(b->password)) {
            snprintf(p, sizeof p, "%s.password", path);
            return fail(c, line, p, "is a required non-blank string for "
                        "plaintext; add a password (or a passwordHash and "
                        "salt with a SHA/PBKDF2 algorithm)");
        }
    } else {
        if (blank(b->password_hash)) {
            snprintf(p, sizeof p, "%s.passwordHash", path);
            return fail(c, line, p, "is a required non-blank string for "
                        "%s; add the hex hash", b->algorithm);
        }
        if (blank(b->salt)) {
            snprintf(p, sizeof p, "%s.salt", path);
            return fail(c, line, p, "is a required non-blank string for %s; "
                        "add the salt", b->algorithm);
        }
        /* The authenticators lower-case the hash and drop ':' separators. */
        char *w = b->password_hash;
        for (const char *r = b->password_hash; *r; r++) {
            char ch = *r;
            if (ch == ':')
                continue;
            if (ch >= 'A' && ch <= 'F')
                ch = (char)(ch - 'A' + 'a');
            if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
                snprintf(p, sizeof p, "%s.passwordHash", path);
                /* Stricter: 1.0.1 accepts it and never matches. */
                return fail(c, line, p, "is not hexadecimal (bad character "
                            "'%c'); write the hash as hex digits, optionally "
                            "separated by ':'", *r);
            }
            *w++ = ch;
        }
        *w = '\0';
    }
    h->auth = alg;
    h->username = take(&b->username);
    h->password = take(&b->password);
    if (alg != JXA_AUTH_PLAINTEXT) {
        h->password_hash = take(&b->password_hash);
        h->salt = take(&b->salt);
    }
    if (def_iter > 0) {
        h->iterations = b->has_iterations ? b->iterations : def_iter;
        h->key_length = b->has_key_length ? b->key_length : 128;
    }
    return 0;
}

/* A scraper sends one Authorization header, so one of the two would
 * never be used: say so rather than pick one. */
static int both_schemes(struct ctx *c, const char *path)
{
    return fail(c, c->key_line, path, "basic and bearer are both given; keep "
                "one of them");
}

static int set_basic(struct ctx *c, const struct ckey *k, const char *path,
                     yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_http_config *h = base;
    if (v == NULL)
        return 0;
    if (h->auth == JXA_AUTH_BEARER)
        return both_schemes(c, path);
    if (check_map_or_null(c, path, v) < 0)
        return -1;
    struct basic_tmp b;
    memset(&b, 0, sizeof b);
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s.", path);
    int rc = apply_table(c, v, basic_keys,
                         sizeof basic_keys / sizeof basic_keys[0], prefix, &b);
    if (rc == 0)
        rc = basic_finish(c, path, line_of(v), &b, h);
    basic_free(&b);
    return rc;
}

/* A path from the config, relative to the config file's directory (as
 * Prometheus resolves its credentials_file): the JVM's working directory
 * is rarely known (a YARN container, a Kubernetes pod). */
static char *resolve_path(const struct ctx *c, const char *p)
{
    const char *slash = c->from_file ? strrchr(c->file, '/') : NULL;
    if (p[0] == '/' || slash == NULL)
        return strdup(p);
    size_t dl = (size_t)(slash - c->file) + 1, pl = strlen(p);
    char *r = malloc(dl + pl + 1);
    if (r != NULL) {
        memcpy(r, c->file, dl);
        memcpy(r + dl, p, pl + 1);
    }
    return r;
}

/* bearer.tokenFile: read now, so that a missing or empty file is a config
 * error at start rather than a 403 on every scrape. */
static int set_token_file(struct ctx *c, const struct ckey *k,
                          const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_http_config *h = base;
    char *rel = NULL;
    if (v != NULL) {
        struct yval y;
        resolve(v, &y);
        if (y.k != Y_NULL && v->type != YAML_SCALAR_NODE) {
            char d[96];
            return fail(c, line_of(v), path, "must be a path, got %s; write "
                        "tokenFile: /path/to/token", describe(v, d, sizeof d));
        }
        if (y.k != Y_NULL && (rel = java_text(v)) == NULL)
            return oom(c, v, path);
    }
    if (blank(rel)) {
        free(rel);
        return fail(c, v ? line_of(v) : c->map_line, path, "is a required "
                    "path; give the file that holds the token");
    }
    char *file = resolve_path(c, rel);
    if (file == NULL) {
        free(rel);
        return oom(c, v, path);
    }
    /* The message names the path as written: the line points at it. */
    char e[600];
    char *tok = jxa_token_read(file, rel, e, sizeof e);
    free(rel);
    if (tok == NULL) {
        free(file);
        return fail(c, line_of(v), path, "%s", e);
    }
    h->token_file = file;
    h->token = tok;
    return 0;
}

static const struct ckey bearer_keys[] = {
    {"tokenFile", NULL, set_token_file, 0, 0, 0},
};

/* Our extension (jmx_exporter has only basic): Authorization: Bearer. */
static int set_bearer(struct ctx *c, const struct ckey *k, const char *path,
                      yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_http_config *h = base;
    if (v == NULL)
        return 0;
    if (h->auth != JXA_AUTH_NONE)
        return both_schemes(c, path);
    if (check_map_or_null(c, path, v) < 0)
        return -1;
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s.", path);
    if (apply_table(c, v, bearer_keys,
                    sizeof bearer_keys / sizeof bearer_keys[0], prefix, h) < 0)
        return -1;
    h->auth = JXA_AUTH_BEARER;
    return 0;
}

static const struct ckey auth_keys[] = {
    {"basic", NULL, set_basic, 0, 0, 0},
    {"bearer", NULL, set_bearer, 0, 0, 0},
    {"plugin", NULL, set_refused, 0, 0,
     "custom authenticator plugins are Java classes and not supported by "
     "this agent; use httpServer.authentication.basic or .bearer"},
};

static int set_auth(struct ctx *c, const struct ckey *k, const char *path,
                    yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_http_config *h = base;
    if (v == NULL)
        return 0;
    if (check_map_or_null(c, path, v) < 0)
        return -1;
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s.", path);
    if (apply_table(c, v, auth_keys, sizeof auth_keys / sizeof auth_keys[0],
                    prefix, h) < 0)
        return -1;
    if (h->auth == JXA_AUTH_NONE)
        return fail(c, line_of(v), path, "has no basic or bearer section; "
                    "add basic: {username: ..., password: ...} or bearer: "
                    "{tokenFile: ...}, or remove authentication");
    return 0;
}

static const struct ckey http_keys[] = {
    {"threads", NULL, set_threads, 0, 0, 0},
    {"authentication", NULL, set_auth, 0, 0, 0},
    {"ssl", NULL, set_refused, 0, 0,
     "TLS is not supported by this agent; remove it and terminate TLS in "
     "front of the agent (sidecar, service mesh or reverse proxy)"},
};

static int set_http(struct ctx *c, const struct ckey *k, const char *path,
                    yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_config *cfg = base;
    if (v == NULL)
        return 0;
    /* `httpServer:` with nothing under it loads in Java (containsPath of
     * the sub-keys is false); so it does here. */
    if (check_map_or_null(c, path, v) < 0)
        return -1;
    return apply_table(c, v, http_keys, 3, "httpServer.", &cfg->http);
}

/* --- the top level ------------------------------------------------- */

#define CFG(f) offsetof(struct jxa_config, f)

static const struct ckey top_keys[] = {
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
    {"httpServer", NULL, set_http, 0, 0, 0},
    {"username", NULL, set_ignored, CFG(ignored_remote_keys), 0, 0},
    {"password", NULL, set_ignored, CFG(ignored_remote_keys), 0, 0},
    {"ssl", NULL, set_ignored, CFG(ignored_remote_keys), 0, 0},
    {"jmxUrl", NULL, set_remote_url, 0, 0, 0},
    {"hostPort", NULL, set_remote_url, 0, 0, 0},
    {"openTelemetry", NULL, set_refused, 0, 0,
     "not supported by this agent; remove it and let Prometheus (or an "
     "OpenTelemetry collector's prometheus receiver) scrape the agent"},
    {"metricCustomizers", NULL, set_refused, 0, 0,
     "not supported by this agent (a jmx_exporter 1.2.0 feature); remove it "
     "and use rules with labels instead"},
};

/* ------------------------------------------------------------------ */
/* Loading                                                             */

static int yaml_fail(struct ctx *c, yaml_parser_t *p)
{
    const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;
    char ctxbuf[160] = "";
    if (p->context != NULL)
        snprintf(ctxbuf, sizeof ctxbuf, " %s (line %d)", p->context,
                 (int)p->context_mark.line + 1);
    return fail(c, (int)m->line + 1, "(yaml)", "%s at column %d%s; fix the "
                "YAML syntax", p->problem ? p->problem : "syntax error",
                (int)m->column + 1, ctxbuf);
}

static int load(const char *yaml, size_t len, const char *name, bool from_file,
                struct jxa_config **out, char *err, size_t errlen)
{
    struct ctx c = {.file = name ? name : "(config)", .err = err,
                    .errlen = errlen, .from_file = from_file && name != NULL};
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    *out = NULL;
    if (len > MAX_FILE_BYTES)
        return fail(&c, 0, "(file)", "larger than %u MiB; a config this "
                    "big is a mistake, shrink it", MAX_FILE_BYTES >> 20);

    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return fail(&c, 0, "(yaml)", "out of memory; retry");
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    if (!yaml_parser_load(&parser, &doc)) {
        yaml_fail(&c, &parser);
        yaml_parser_delete(&parser);
        return -1;
    }
    c.doc = &doc;
    int rc = 0;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root != NULL) {
        /* SnakeYAML's load() wants exactly one document. */
        yaml_document_t doc2;
        if (!yaml_parser_load(&parser, &doc2)) {
            rc = yaml_fail(&c, &parser);
        } else {
            yaml_node_t *r2 = yaml_document_get_root_node(&doc2);
            if (r2 != NULL)
                rc = fail(&c, line_of(r2), "(yaml)", "a second YAML "
                          "document; keep one document (remove the '---')");
            yaml_document_delete(&doc2);
        }
    }
    struct jxa_config *cfg = NULL;
    if (rc == 0)
        rc = check_tree(&c, root, 0, "(top level)", line_of(root));
    if (rc == 0) {
        struct yval y;
        resolve(root, &y);
        /* Empty file -> null -> treated as {}. */
        if (y.k != Y_NULL && y.k != Y_MAP) {
            char d[96];
            rc = fail(&c, line_of(root), "(top level)", "the config must be "
                      "a map of keys, got %s; write key: value lines",
                      describe(root, d, sizeof d));
        }
    }
    if (rc == 0) {
        cfg = calloc(1, sizeof *cfg);
        if (cfg == NULL)
            rc = fail(&c, 0, "(config)", "out of memory; retry");
    }
    if (rc == 0)
        rc = apply_table(&c, root, top_keys,
                         sizeof top_keys / sizeof top_keys[0], "", cfg);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
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
    return load(yaml, len, name, false, out, err, errlen);
}

int jxa_config_default(struct jxa_config **out)
{
    return load("", 0, "(default)", false, out, NULL, 0);
}

int jxa_config_load(const char *path, struct jxa_config **out, char *err,
                    size_t errlen)
{
    struct ctx c = {.file = path, .err = err, .errlen = errlen,
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
    int rc = load(buf, len, path, true, out, err, errlen);
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
    jxa_http_config_free(&c->http);
    free(c);
}

void jxa_http_config_free(struct jxa_http_config *h)
{
    free(h->username);
    free(h->password);
    free(h->password_hash);
    free(h->salt);
    free(h->token_file);
    if (h->token != NULL)
        explicit_bzero(h->token, strlen(h->token));
    free(h->token);
    memset(h, 0, sizeof *h);
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
