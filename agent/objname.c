/* objname.c - javax.management.ObjectName in C (include/objname.h).
 *
 * Two parsers with different jobs:
 *  - jxa_props_parse() reproduces jmx_exporter's JmxMBeanPropertyCache,
 *    which splits getKeyPropertyListString() with a regex and Matcher.find()
 *    and never unquotes.  Input comes from a registered (valid) name.
 *  - jxa_objname_parse() reproduces the ObjectName(String) constructor's
 *    validation, for the include/exclude lists of the config; its error
 *    texts are the JDK's (checked against JDK 17). */
#include "objname.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jxa_props_free(struct jxa_prop *p, size_t n)
{
    if (!p)
        return;
    for (size_t i = 0; i < n; i++) {
        free(p[i].key);
        free(p[i].value);
    }
    free(p);
}

static int props_push(struct jxa_prop **v, size_t *n, size_t *cap,
                      const char *k, size_t kl, const char *val, size_t vl)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        struct jxa_prop *p = realloc(*v, nc * sizeof *p);
        if (!p)
            return -1;
        *v = p;
        *cap = nc;
    }
    char *kd = strndup(k, kl), *vd = strndup(val, vl);
    if (!kd || !vd) {
        free(kd);
        free(vd);
        return -1;
    }
    (*v)[*n].key = kd;
    (*v)[*n].value = vd;
    (*n)++;
    return 0;
}

static int is_prop_key_char(char c)
{
    return c && c != ',' && c != '=' && c != ':' && c != '*' && c != '?';
}

/* The quoted alternative "(?:[^\\"]*(?:\\.)?)*" starting at s[0] == '"'.
 * Returns the length including both quotes, or 0 if it does not match
 * ('.' in Java does not match line terminators). */
static size_t quoted_len(const char *s)
{
    size_t i = 1;
    for (;;) {
        char c = s[i];
        if (c == '\0')
            return 0;
        if (c == '"')
            return i + 1;
        if (c == '\\') {
            char d = s[i + 1];
            if (d == '\0' || d == '\n' || d == '\r')
                return 0;
            i += 2;
            continue;
        }
        i++;
    }
}

/* Matcher.find() over ([^,=:\*\?]+)=("(?:[^\\"]*(?:\\.)?)*"|[^,=:"]*):
 * a key is a maximal run of key characters followed by '='; a failed
 * attempt resumes after the run (shorter suffixes of the run would fail
 * the same way). */
int jxa_props_parse(const char *kpls, struct jxa_prop **out, size_t *n)
{
    struct jxa_prop *v = NULL;
    size_t nv = 0, cap = 0;
    const char *s = kpls;
    size_t i = 0;
    while (s[i]) {
        if (!is_prop_key_char(s[i])) {
            i++;
            continue;
        }
        size_t k0 = i;
        while (is_prop_key_char(s[i]))
            i++;
        if (s[i] != '=')
            continue;           /* find() moves on */
        size_t kl = i - k0;
        i++;
        size_t v0 = i, vl;
        if (s[i] == '"' && (vl = quoted_len(s + i)) > 0) {
            i += vl;
        } else {
            while (s[i] && s[i] != ',' && s[i] != '=' && s[i] != ':' &&
                   s[i] != '"')
                i++;
            vl = i - v0;
        }
        /* LinkedHashMap.put: a repeated key keeps its first position and
         * takes the new value (cannot happen for a valid ObjectName). */
        size_t j;
        for (j = 0; j < nv; j++)
            if (strlen(v[j].key) == kl && memcmp(v[j].key, s + k0, kl) == 0)
                break;
        if (j < nv) {
            char *nvd = strndup(s + v0, vl);
            if (!nvd)
                goto oom;
            free(v[j].value);
            v[j].value = nvd;
        } else if (props_push(&v, &nv, &cap, s + k0, kl, s + v0, vl) < 0) {
            goto oom;
        }
    }
    *out = v;
    *n = nv;
    return 0;
oom:
    jxa_props_free(v, nv);
    *out = NULL;
    *n = 0;
    return -1;
}

void jxa_objname_free(struct jxa_objname *o)
{
    if (!o)
        return;
    free(o->domain);
    jxa_props_free(o->props, o->nprops);
    memset(o, 0, sizeof *o);
}

bool jxa_objname_is_pattern(const struct jxa_objname *o)
{
    return o->domain_pattern || o->props_pattern || o->value_pattern;
}

#define FAIL(...)                                                         \
    do {                                                                  \
        if (err && errlen)                                                \
            snprintf(err, errlen, __VA_ARGS__);                           \
        goto fail;                                                        \
    } while (0)

int jxa_objname_parse(const char *s, struct jxa_objname *out, char *err,
                      size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    if (s[0] == '\0')
        s = "*:*";              /* ObjectName("") is the "*:*" pattern */
    size_t len = strlen(s), i = 0;
    for (; i < len && s[i] != ':'; i++) {
        if (s[i] == '\n')
            FAIL("Invalid character '\\n' in domain name");
        if (s[i] == '*' || s[i] == '?')
            out->domain_pattern = true;
    }
    if (i == len)
        FAIL("Key properties cannot be empty");
    out->domain = strndup(s, i);
    if (!out->domain)
        FAIL("out of memory");
    i++;
    if (i == len)
        FAIL("Key properties cannot be empty");
    while (i < len) {
        if (s[i] == '*') {
            if (out->props_pattern)
                FAIL("Cannot have several '*' characters in pattern "
                     "property list");
            out->props_pattern = true;
            i++;
            if (i < len && s[i] != ',')
                FAIL("Invalid character found after '*': end of name or "
                     "',' expected");
            if (i == len)
                break;
            i++;
            if (i == len)
                FAIL("Invalid ending comma");
            continue;
        }
        size_t k0 = i;
        for (; i < len && s[i] != '='; i++) {
            char c = s[i];
            if (c == ':' || c == ',' || c == '*' || c == '?' || c == '\n')
                FAIL("Invalid character '%s%c' in key part of property",
                     c == '\n' ? "\\" : "", c == '\n' ? 'n' : c);
        }
        if (i == len)
            FAIL("Unterminated key property part");
        if (i == k0)
            FAIL("Invalid key (empty)");
        size_t kl = i - k0;
        i++;
        size_t v0 = i;
        if (i < len && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= len)
                    FAIL("Unterminated quoted value");
                char c = s[i];
                if (c == '\\') {
                    if (i + 1 >= len)
                        FAIL("Unterminated quoted value");
                    char d = s[i + 1];
                    if (d != '\\' && d != '"' && d != '*' && d != '?' &&
                        d != 'n')
                        FAIL("Invalid escape sequence '\\%c' in quoted "
                             "value", d);
                    i += 2;
                    continue;
                }
                if (c == '\n')
                    FAIL("Newline in quoted value");
                if (c == '*' || c == '?')
                    out->value_pattern = true;
                i++;
                if (c == '"')
                    break;
            }
            if (i < len && s[i] != ',')
                FAIL("Invalid ending character `%c'", s[i]);
        } else {
            for (; i < len && s[i] != ','; i++) {
                char c = s[i];
                if (c == '*' || c == '?')
                    out->value_pattern = true;
                else if (c == '=' || c == ':' || c == '"' || c == '\n')
                    FAIL("Invalid character '%s%c' in value part of "
                         "property", c == '\n' ? "\\" : "",
                         c == '\n' ? 'n' : c);
            }
        }
        for (size_t j = 0; j < out->nprops; j++)
            if (strlen(out->props[j].key) == kl &&
                memcmp(out->props[j].key, s + k0, kl) == 0)
                FAIL("key `%.*s' already defined", (int)kl, s + k0);
        if (props_push(&out->props, &out->nprops, &cap, s + k0, kl, s + v0,
                       i - v0) < 0)
            FAIL("out of memory");
        if (i < len) {          /* at a ',' */
            i++;
            if (i == len)
                FAIL("Invalid ending comma");
        }
    }
    return 0;
fail:
    jxa_objname_free(out);
    return -1;
}

static int prop_cmp(const void *a, const void *b)
{
    const struct jxa_prop *x = *(const struct jxa_prop *const *)a;
    const struct jxa_prop *y = *(const struct jxa_prop *const *)b;
    return strcmp(x->key, y->key);
}

char *jxa_objname_canonical(const struct jxa_objname *o)
{
    const struct jxa_prop **sorted = NULL;
    if (o->nprops) {
        sorted = malloc(o->nprops * sizeof *sorted);
        if (!sorted)
            return NULL;
        for (size_t i = 0; i < o->nprops; i++)
            sorted[i] = &o->props[i];
        qsort(sorted, o->nprops, sizeof *sorted, prop_cmp);
    }
    size_t len = strlen(o->domain) + 4;
    for (size_t i = 0; i < o->nprops; i++)
        len += strlen(o->props[i].key) + strlen(o->props[i].value) + 2;
    char *c = malloc(len);
    if (c) {
        char *p = c;
        p += sprintf(p, "%s:", o->domain);
        for (size_t i = 0; i < o->nprops; i++)
            p += sprintf(p, "%s%s=%s", i ? "," : "", sorted[i]->key,
                         sorted[i]->value);
        /* getCanonicalName() of a property list pattern ends in ",*". */
        if (o->props_pattern)
            sprintf(p, "%s*", o->nprops ? "," : "");
    }
    free(sorted);
    return c;
}

/* com.sun.jmx.mbeanserver.Util.wildmatch: '*' any run, '?' one char
 * (bytes here; a UTF-8 multi-byte char under '?' differs from Java). */
static bool wildmatch(const char *str, const char *pat)
{
    const char *star_p = NULL, *star_s = NULL;
    while (*str) {
        if (*pat == '?') {
            pat++;
            str++;
        } else if (*pat == '*') {
            star_p = ++pat;
            star_s = str;
        } else if (*pat == *str) {
            pat++;
            str++;
        } else if (star_p) {
            pat = star_p;
            str = ++star_s;
        } else {
            return false;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

static const char *find_value(const struct jxa_prop *props, size_t n,
                              const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(props[i].key, key) == 0)
            return props[i].value;
    return NULL;
}

/* Is this value a PatternProperty (an unescaped '*' or '?')?  Other
 * values of a value-pattern name still compare with equals(). */
static bool value_is_pattern(const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' && v[1]) {
            v++;
            continue;
        }
        if (*v == '*' || *v == '?')
            return true;
    }
    return false;
}

/* ObjectName.apply(): matchDomains && matchKeys; for a non-pattern,
 * canonical-name equality (same domain, same set of key=value). */
bool jxa_objname_match(const struct jxa_objname *p, const char *domain,
                       const struct jxa_prop *props, size_t nprops)
{
    if (p->domain_pattern ? !wildmatch(domain, p->domain)
                          : strcmp(domain, p->domain) != 0)
        return false;
    if (!p->props_pattern && nprops != p->nprops)
        return false;
    for (size_t i = 0; i < p->nprops; i++) {
        const char *v = find_value(props, nprops, p->props[i].key);
        if (!v)
            return false;
        if (p->value_pattern && value_is_pattern(p->props[i].value)
                ? !wildmatch(v, p->props[i].value)
                             : strcmp(v, p->props[i].value) != 0)
            return false;
    }
    return true;
}
