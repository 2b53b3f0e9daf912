/* yaml11.c - YAML 1.1 as SnakeYAML reads it; see yaml11.h.
 *
 * libyaml's document API gives the tree; what SnakeYAML does on top of
 * its parse (implicit scalar resolution, merge keys, one document per
 * load) and what a walker of that tree needs to be safe from (aliases
 * that expand exponentially or refer to themselves) is done here. */
#include "yaml11.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "javafmt.h"

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r' || *s == '\t')
            *s = ' ';
}

/* "<file>:<line>: <key>: <what>; <what to do>" - fmt holds the last two. */
int jxa_y11_fail(struct jxa_y11 *y, int line, const char *key, const char *fmt, ...)
{
    if (y->err == NULL || y->errlen == 0)
        return -1;
    int n = snprintf(y->err, y->errlen, "%s:%d: %s: ", y->file, line, key);
    if (n >= 0 && (size_t)n < y->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(y->err + n, y->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    one_line(y->err);
    return -1;
}

int jxa_y11_line(const yaml_node_t *n)
{
    return n ? (int)n->start_mark.line + 1 : 0;
}

yaml_node_t *jxa_y11_node(struct jxa_y11 *y, yaml_node_item_t i)
{
    return yaml_document_get_node(&y->doc, i);
}

/* ------------------------------------------------------------------ */
/* SnakeYAML's YAML 1.1 implicit scalar resolution                     */

static bool str_in(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return true;
    return false;
}

/* Is s one of the strings of the array set?  The length comes from the
 * array, never from a count written next to it. */
#define IN(s, set) str_in(s, set, sizeof set / sizeof set[0])

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
    if (IN(s, nan))
        return true;
    const char *p = s + (*s == '-' || *s == '+');
    if (IN(p, inf))
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
static void construct_int(const char *s, struct jxa_y11_val *v)
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
static void construct_float(const char *s, struct jxa_y11_val *v)
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

void jxa_y11_resolve(const yaml_node_t *n, struct jxa_y11_val *v)
{
    memset(v, 0, sizeof *v);
    if (n == NULL) {
        v->k = JXA_Y11_NULL;
        v->s = "";
        return;
    }
    if (n->type == YAML_MAPPING_NODE) {
        v->k = JXA_Y11_MAP;
        return;
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        v->k = JXA_Y11_SEQ;
        return;
    }
    const char *s = (const char *)n->data.scalar.value;
    v->s = s;
    v->k = JXA_Y11_STR;
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
    if (IN(s, nulls)) {
        v->k = JXA_Y11_NULL;
    } else if (IN(s, yes)) {
        v->k = JXA_Y11_BOOL;
        v->b = true;
    } else if (IN(s, no)) {
        v->k = JXA_Y11_BOOL;
    } else if (match_int(s)) {
        v->k = JXA_Y11_INT;
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
        v->k = JXA_Y11_FLOAT;
        construct_float(s, v);
    }
}

/* Short description of a value for messages: the integer 5, "abc", ... */
const char *jxa_y11_describe(const yaml_node_t *n, char *out, size_t cap)
{
    struct jxa_y11_val v;
    jxa_y11_resolve(n, &v);
    switch (v.k) {
    case JXA_Y11_NULL:  snprintf(out, cap, "null"); break;
    case JXA_Y11_MAP:   snprintf(out, cap, "a map"); break;
    case JXA_Y11_SEQ:   snprintf(out, cap, "a list"); break;
    case JXA_Y11_BOOL:  snprintf(out, cap, "the boolean %.40s", v.s); break;
    case JXA_Y11_INT:   snprintf(out, cap, "the integer %.40s", v.s); break;
    case JXA_Y11_FLOAT: snprintf(out, cap, "the number %.40s", v.s); break;
    case JXA_Y11_STR:
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
char *jxa_y11_java_text(const yaml_node_t *n)
{
    struct jxa_y11_val v;
    jxa_y11_resolve(n, &v);
    char num[JXA_NUMBUF];
    switch (v.k) {
    case JXA_Y11_NULL:  return strdup("null");
    case JXA_Y11_BOOL:  return strdup(v.b ? "true" : "false");
    case JXA_Y11_INT:
        if (v.ibig) {
            /* BigInteger.toString(): beyond a long we keep the digits as
             * written (without '_'), where Java prints a hex, octal or
             * base-60 literal in decimal (docs/semantics.md §2). */
            char *d = malloc(strlen(v.s) + 1);
            if (d)
                strip_underscores(v.s, d);
            return d;
        }
        jxa_java_long(num, v.i);
        return strdup(num);
    case JXA_Y11_FLOAT:
        jxa_java_double(num, v.d);
        return strdup(num);
    case JXA_Y11_STR:   return strdup(v.s);
    default:            return NULL;
    }
}

/* ------------------------------------------------------------------ */
/* Alias bombs: one pass over the tree with a visit budget and a depth  */
/* limit before anything else looks at it.  yaml_parser_load keeps an   */
/* alias as a second reference to the same node, so a walker following */
/* references does exponential work on "billion laughs" documents and  */
/* loops on a self-referencing anchor.                                 */

/* Messages name the top-level key the problem is under (top, top_line). */
static int check_tree(struct jxa_y11 *y, yaml_node_t *n, int depth,
                      const char *top, int top_line)
{
    if (n == NULL)
        return 0;
    if (++y->visits > JXA_Y11_MAX_NODES)
        return jxa_y11_fail(y, top_line, top, "YAML expands to more than %d "
                            "nodes (alias bomb?); remove the anchors/aliases "
                            "or split the config", JXA_Y11_MAX_NODES);
    if (depth > JXA_Y11_MAX_DEPTH)
        return jxa_y11_fail(y, top_line, top, "YAML nested deeper than %d "
                            "levels (recursive alias?); flatten the config",
                            JXA_Y11_MAX_DEPTH);
    if (n->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *i = n->data.sequence.items.start;
             i < n->data.sequence.items.top; i++)
            if (check_tree(y, jxa_y11_node(y, *i), depth + 1, top,
                           top_line) < 0)
                return -1;
    } else if (n->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
             p < n->data.mapping.pairs.top; p++) {
            yaml_node_t *k = jxa_y11_node(y, p->key);
            yaml_node_t *v = jxa_y11_node(y, p->value);
            const char *t = top;
            int tl = top_line;
            if (depth == 0 && k && k->type == YAML_SCALAR_NODE) {
                t = (const char *)k->data.scalar.value;
                tl = jxa_y11_line(k);
            }
            if (check_tree(y, k, depth + 1, t, tl) < 0 ||
                check_tree(y, v, depth + 1, t, tl) < 0)
                return -1;
        }
    } else {
        /* Plain text only: a NUL inside (a "\0" escape) would silently
         * cut our C strings short. */
        if (strlen((const char *)n->data.scalar.value) !=
            n->data.scalar.length)
            return jxa_y11_fail(y, jxa_y11_line(n), top, "value contains a "
                                "NUL character; remove the \\0 escape");
    }
    /* Explicit tags (!!int "5", !!java.net.URL ...) would ask for typed
     * construction, which SnakeYAML 1.0.1 would even do for Java classes;
     * only the default tags are accepted. */
    static const char core[] = "tag:yaml.org,2002:";
    const size_t ncore = sizeof core - 1;
    const char *tag = (const char *)n->tag;
    if (tag != NULL && strcmp(tag, YAML_STR_TAG) != 0 &&
        strcmp(tag, YAML_SEQ_TAG) != 0 && strcmp(tag, YAML_MAP_TAG) != 0) {
        bool is_core = strncmp(tag, core, ncore) == 0;
        return jxa_y11_fail(y, jxa_y11_line(n), top, "YAML tag %s%.60s is not "
                            "supported; remove the tag", is_core ? "!!" : "",
                            is_core ? tag + ncore : tag);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Maps: pairs with YAML merge keys (<<) flattened, as SnakeYAML's      */
/* SafeConstructor.flattenMapping does: explicit keys win over merged   */
/* ones, earlier merge sources over later ones.                        */

static size_t key_hash(const char *k)
{
    size_t h = 1469598103934665603u;            /* FNV-1a */
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211u;
    return h;
}

/* Open addressing; nslots is a power of two, more than twice n. */
const struct jxa_y11_pair *jxa_y11_pairs_find(const struct jxa_y11_pairs *ps,
                                              const char *k)
{
    if (ps->nslots == 0)
        return NULL;
    for (size_t i = key_hash(k) & (ps->nslots - 1);;
         i = (i + 1) & (ps->nslots - 1)) {
        size_t s = ps->slots[i];
        if (s == 0)
            return NULL;
        if (strcmp(ps->p[s - 1].key, k) == 0)
            return &ps->p[s - 1];
    }
}

void jxa_y11_pairs_free(struct jxa_y11_pairs *ps)
{
    free(ps->p);
    free(ps->slots);
    memset(ps, 0, sizeof *ps);
}

static void slot_put(size_t *slots, size_t nslots, const char *key,
                     size_t idx1)
{
    size_t i = key_hash(key) & (nslots - 1);
    while (slots[i] != 0)
        i = (i + 1) & (nslots - 1);
    slots[i] = idx1;
}

static int pairs_add(struct jxa_y11_pairs *ps, yaml_node_t *k, yaml_node_t *v)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        struct jxa_y11_pair *np = realloc(ps->p, cap * sizeof *np);
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
    ps->p[ps->n] = (struct jxa_y11_pair){k, v,
                                         (const char *)k->data.scalar.value};
    ps->n++;
    slot_put(ps->slots, ps->nslots, ps->p[ps->n - 1].key, ps->n);
    return 0;
}

/* merged: map is the source of a merge key, whose keys lose against the
 * ones already collected. */
static int collect(struct jxa_y11 *y, yaml_node_t *map, const char *path,
                   struct jxa_y11_pairs *ps, bool merged)
{
    if (++y->depth > JXA_Y11_MAX_DEPTH) {
        y->depth--;
        return jxa_y11_fail(y, jxa_y11_line(map), path, "merge keys nested "
                            "deeper than %d levels; flatten the config",
                            JXA_Y11_MAX_DEPTH);
    }
    const char *where = path[0] ? path : "(top level)";
    int rc = 0;
    yaml_node_t *merges[JXA_Y11_MAX_MERGES];
    size_t nmerges = 0;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         rc == 0 && p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = jxa_y11_node(y, p->key);
        yaml_node_t *v = jxa_y11_node(y, p->value);
        char d[96];
        if (k == NULL || v == NULL) {
            rc = jxa_y11_fail(y, jxa_y11_line(map), path, "broken YAML "
                              "document; fix the YAML syntax");
        } else if (k->type != YAML_SCALAR_NODE) {
            rc = jxa_y11_fail(y, jxa_y11_line(k), where, "map keys must be "
                              "plain text, got %s; write key: value",
                              jxa_y11_describe(k, d, sizeof d));
        } else if (k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                   strcmp((const char *)k->data.scalar.value, "<<") == 0) {
            if (nmerges == sizeof merges / sizeof merges[0])
                rc = jxa_y11_fail(y, jxa_y11_line(k), path, "too many merge "
                                  "keys; use at most %d", JXA_Y11_MAX_MERGES);
            else
                merges[nmerges++] = v;
        } else {
            const char *key = (const char *)k->data.scalar.value;
            const struct jxa_y11_pair *old = jxa_y11_pairs_find(ps, key);
            if (old != NULL && merged)
                continue;        /* an explicit key already won */
            if (old != NULL)
                /* Stricter: SnakeYAML keeps the last of duplicate keys
                 * silently; a repeated key is almost always a mistake. */
                rc = jxa_y11_fail(y, jxa_y11_line(k), where, "duplicate key "
                                  "'%.60s' (first at line %d); keep one", key,
                                  jxa_y11_line(old->k));
            else if (pairs_add(ps, k, v) < 0)
                rc = jxa_y11_fail(y, jxa_y11_line(k), path, "out of memory; "
                                  "retry");
        }
    }
    for (size_t i = 0; rc == 0 && i < nmerges; i++) {
        yaml_node_t *m = merges[i];
        if (m->type == YAML_MAPPING_NODE) {
            rc = collect(y, m, path, ps, true);
        } else if (m->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = m->data.sequence.items.start;
                 rc == 0 && it < m->data.sequence.items.top; it++) {
                yaml_node_t *s = jxa_y11_node(y, *it);
                if (s == NULL || s->type != YAML_MAPPING_NODE)
                    rc = jxa_y11_fail(y, jxa_y11_line(m), path, "a merge key "
                                      "(<<) needs a map or a list of maps; "
                                      "fix the alias");
                else
                    rc = collect(y, s, path, ps, true);
            }
        } else {
            rc = jxa_y11_fail(y, jxa_y11_line(m), path, "a merge key (<<) "
                              "needs a map or a list of maps; fix the alias");
        }
    }
    y->depth--;
    return rc;
}

int jxa_y11_pairs(struct jxa_y11 *y, yaml_node_t *map, const char *path,
                  struct jxa_y11_pairs *ps)
{
    return collect(y, map, path, ps, false);
}

/* ------------------------------------------------------------------ */
/* One document                                                        */

static int parse_fail(struct jxa_y11 *y, const yaml_parser_t *p)
{
    const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;
    char ctx[160] = "";
    if (p->context != NULL)
        snprintf(ctx, sizeof ctx, " %s (line %d)", p->context,
                 (int)p->context_mark.line + 1);
    return jxa_y11_fail(y, (int)m->line + 1, "(yaml)", "%s at column %d%s; "
                        "fix the YAML syntax",
                        p->problem ? p->problem : "syntax error",
                        (int)m->column + 1, ctx);
}

int jxa_y11_load(struct jxa_y11 *y, const char *text, size_t len)
{
    yaml_parser_t parser;
    y->loaded = false;
    y->root = NULL;
    y->visits = 0;
    y->depth = 0;
    if (y->err != NULL && y->errlen > 0)
        y->err[0] = '\0';
    if (!yaml_parser_initialize(&parser))
        return jxa_y11_fail(y, 0, "(yaml)", "out of memory; retry");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &y->doc)) {
        parse_fail(y, &parser);
        yaml_parser_delete(&parser);
        return -1;
    }
    y->loaded = true;
    y->root = yaml_document_get_root_node(&y->doc);
    int rc = 0;
    if (y->root != NULL) {
        /* SnakeYAML's load() wants exactly one document. */
        yaml_document_t doc2;
        if (!yaml_parser_load(&parser, &doc2)) {
            rc = parse_fail(y, &parser);
        } else {
            yaml_node_t *r2 = yaml_document_get_root_node(&doc2);
            if (r2 != NULL)
                rc = jxa_y11_fail(y, jxa_y11_line(r2), "(yaml)", "a second "
                                  "YAML document; keep one document (remove "
                                  "the '---')");
            yaml_document_delete(&doc2);
        }
    }
    yaml_parser_delete(&parser);
    if (rc == 0)
        rc = check_tree(y, y->root, 0, "(top level)", jxa_y11_line(y->root));
    return rc;
}

void jxa_y11_free(struct jxa_y11 *y)
{
    if (y->loaded)
        yaml_document_delete(&y->doc);
    y->loaded = false;
    y->root = NULL;
}
