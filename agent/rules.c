/* rules.c - the rule engine (include/rules.h).
 *
 * One leaf in, at most one sample out, following jmx_exporter 1.0.1's
 * JmxCollector.Receiver.recordBean / defaultExport and the per-rule
 * MatchedRulesCache of 0.20-1.2 (docs/semantics.md §3-§10).
 *
 * Regex: rule patterns are Java syntax; the config loader translates
 * "^.*(?:P).*$" to PCRE2 (javaregex.c, docs/semantics.md §16) and compiles
 * it with PCRE2_UTF, no UCP (Java's \w, \d, \s are ASCII by default) and
 * PCRE2_ENDANCHORED: Java's matches() backtracks until the match ends at
 * the end of the input; a match that still ends early (cannot, but the
 * check is cheap) is treated as no match.  Subjects are validated as UTF-8 once
 * per leaf and then matched with PCRE2_NO_UTF_CHECK; an invalid subject
 * matches nothing (Java strings cannot be invalid, JNI's modified UTF-8
 * can).  Every match runs under limits (MATCH_LIMIT below): a match that
 * hits one is counted, logged once per rule and never cached.
 *
 * Substitution is ours, not pcre2_substitute(): Java's
 * Matcher.appendReplacement has its own grammar ($12 takes the longest
 * prefix that names an existing group, "${1}" is an error, "\x" is a
 * literal x) and its own exceptions, which end the scrape.
 *
 * Allocation: the engine keeps its buffers between leaves; a leaf that
 * does not hit a new cache entry allocates nothing. */
#include "rules.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "javafmt.h"
#include "log.h"

/* What the cached rules say about one leaf.  jmx_exporter 1.0.x keeps one
 * entry per (cached rule, match string with "<cache>"), mismatches
 * included: ~100 entries per attribute with a Spark rule file.  Cached
 * rules see only "<cache>" for the value, so their verdicts depend on the
 * leaf alone, and one entry per leaf says them all: every cached rule
 * below known_until misses, and `first` (if set) is the first one that
 * matches, with its frozen result.  Output and order semantics are those
 * of the per-rule cache. */
#define NO_RULE ((size_t)-1)

struct cache_entry {
    struct cache_entry *next;
    uint64_t hash;
    size_t first;               /* first matching cached rule, or NO_RULE */
    size_t known_until;         /* cached rules < this: known misses */
    size_t klen;                /* strlen of the key at the start of blob */
    uint32_t gen;               /* scrape that last touched it */
    bool matched;
    enum jxa_mtype type;
    bool has_value;             /* value: given (frozen, as in Java) */
    double value;
    double factor;
    size_t nlabels;
    char *blob;     /* key\0 name\0 help\0 mkey\0 (label\0 value\0)* */
    bool has_help;
};

/* The result being built for the current leaf. */
struct result {
    enum jxa_mtype type;
    bool has_value;
    double value;
    double factor;
    bool has_help;
};

struct jxa_engine {
    const struct jxa_config *cfg;
    pcre2_match_data *md;
    pcre2_match_context *mctx;  /* the limits below, the JIT stack */
    pcre2_jit_stack *jit_stack;
    unsigned long *match_errors;    /* [rule]: matches PCRE2 gave up on */

    struct jxa_buf prefix;      /* domain<props><keys> */
    struct jxa_buf subj[4];     /* [snake | cache << 1] match strings */
    bool subj_built[4];
    bool subj_utf_ok[4];
    struct jxa_buf snake;       /* snake-cased attr */
    bool snake_built;

    struct jxa_buf name, help, tmp, tmp2, tmp3, mkey;
    struct jxa_buf lab;         /* label texts, NUL-separated */
    size_t *lab_off;            /* name/value offsets into lab, pairs */
    size_t nlab, cap_lab;
    struct jxa_label *labels;
    size_t cap_labels;

    struct cache_entry **buckets;
    size_t nbuckets, nentries;
    uint32_t gen;
    size_t *cached_before;      /* [i]: cached rules with index < i */
    size_t skipped_touched;     /* this scrape: cached misses of leaves
                                   not fetched (jxa_engine_skipped) */
    unsigned char *warned;      /* [rule]: WARNED_* already logged */

    /* Per rule, the literal runs every match of its pattern contains
     * (jxa_pattern_literals), longest first: lit[lit_first[i] ..
     * lit_first[i + 1]), pointing into litbuf. */
    struct jxa_buf litbuf;
    struct lit {
        const char *s;
        size_t n;
    } *lit;
    size_t *lit_first;
};

enum { WARNED_NAME = 1, WARNED_LABEL = 2, WARNED_MATCH = 4 };

/* PCRE2's defaults let one match run 10,000,000 backtracking steps and use
 * 20 GB of heap (the interpreter), and give the JIT 32 KiB of machine
 * stack.  Measured on "^.*(?:P).*$" (docs/reliability.md): a catastrophic
 * pattern such as (?:a|a)*c costs 25 ms per leaf with the JIT and 135 ms
 * with the interpreter at the default step limit, per rule and per leaf,
 * at every walk.  A pattern that is linear in its subject needs 1 to 2
 * steps per byte (the leading ".*" backtracks once over the string): the
 * step budget is 1,000,000 plus 16 per byte of match string, which stops
 * exponential patterns at a tenth of the default on ordinary strings and
 * still lets linear ones through a 1 MiB value.  A JIT stack of up to
 * 1 MiB lets repeated groups run over long strings (one frame per
 * repetition) where 32 KiB gave up; it lives on the heap (mmap), never on
 * the scraper thread's stack. */
#define MATCH_LIMIT 1000000u
#define MATCH_LIMIT_PER_BYTE 16u
#define HEAP_LIMIT_KIB 4096u
#define JIT_STACK_START (32u << 10)
#define JIT_STACK_MAX (1u << 20)

static uint32_t match_limit(size_t subject_len)
{
    if (subject_len >= (UINT32_MAX - MATCH_LIMIT) / MATCH_LIMIT_PER_BYTE)
        return UINT32_MAX;
    return MATCH_LIMIT + (uint32_t)subject_len * MATCH_LIMIT_PER_BYTE;
}

/* ---- helpers exposed for tests ----------------------------------------- */

static bool safe_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == ':' || c == '_';
}

/* JmxCollector.safeName / toSafeName.  UTF-8 bytewise gives Java's result:
 * every non-ASCII byte is illegal, and a run of them is one '_'. */
void jxa_safe_name(const char *s, struct jxa_buf *out)
{
    /* At most one byte per input byte plus a leading '_': room first, then
     * plain stores (this runs for every name and label name). */
    size_t n = strlen(s);
    if (jxa_buf_reserve(out, n + 1) < 0)
        return;
    char *d = out->data + out->len;
    bool prev_us = false;
    if (s[0] >= '0' && s[0] <= '9')
        *d++ = '_';                     /* prev_us stays false, as in Java */
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!safe_char(c) || c == '_') {
            if (!prev_us)
                *d++ = '_';
            prev_us = true;
        } else {
            *d++ = (char)c;
            prev_us = false;
        }
    }
    *d = '\0';
    out->len = (size_t)(d - out->data);
}

static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static char to_lower(char c) { return is_upper(c) ? (char)(c + 32) : c; }

/* JmxCollector.toSnakeAndLowerCase. */
void jxa_snake_case(const char *s, struct jxa_buf *out)
{
    if (!*s)
        return;
    jxa_buf_putc(out, to_lower(s[0]));
    bool prev = is_upper(s[0]) || s[0] == '_';
    for (s++; *s; s++) {
        if (!prev && is_upper(*s))
            jxa_buf_putc(out, '_');
        jxa_buf_putc(out, to_lower(*s));
        prev = is_upper(*s) || *s == '_';
    }
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && memcmp(s + n - k, suf, k) == 0;
}

/* client_java 1.3 PrometheusNaming.sanitizeMetricName: strip reserved
 * suffixes until none is left; a name that is exactly a suffix becomes
 * the suffix without its first character ("_total" -> "total"). */
void jxa_strip_reserved_suffixes(char *name)
{
    static const char *const suffixes[] = {"_total", "_created", "_bucket",
                                           "_info", ".total", ".created",
                                           ".bucket", ".info"};
    size_t n = strlen(name);
    /* Every suffix ends in 'l', 'd', 't' or 'o': most names end otherwise. */
    if (n == 0 || strchr("ldto", name[n - 1]) == NULL)
        return;
    bool modified = true;
    while (modified) {
        modified = false;
        for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
            const char *suf = suffixes[i];
            size_t k = strlen(suf);
            if (n == k && memcmp(name, suf, k) == 0) {
                memmove(name, name + 1, k);     /* includes the NUL */
                return;
            }
            if (ends_with(name, n, suf)) {
                n -= k;
                name[n] = '\0';
                modified = true;
            }
        }
    }
}

/* ---- literal text every match contains ------------------------------------ */

static bool is_alnum_ascii(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Past a Java quantifier at p (?, *, +, {n,m}) and its lazy/possessive
 * mark; p itself if none. */
static const char *skip_quantifier(const char *p)
{
    if (*p == '{') {
        const char *q = strchr(p, '}');
        if (q == NULL)
            return p;           /* a literal '{' (Java refuses it anyway) */
        p = q + 1;
    } else if (*p == '?' || *p == '*' || *p == '+') {
        p++;
    } else {
        return p;
    }
    if (*p == '?' || *p == '+')
        p++;
    return p;
}

/* Past the escape at p (p[0] == '\\') when it is a construct (\d, \p{L},
 * \x41, \u0041, \0101, \cA, \k<n>, \1 ...), or NULL for \Q (quoting,
 * which changes what follows).  Skipping more than the construct only
 * loses literals; what must not happen is reading a structural character
 * ('(', '[', '|') as text or missing one. */
static const char *skip_construct(const char *p)
{
    char c = p[1];
    p += 2;
    switch (c) {
    case 'Q':
        return NULL;
    case 'p': case 'P': case 'x': case 'N':
        if (*p == '{') {
            const char *q = strchr(p, '}');
            return q ? q + 1 : NULL;
        }
        if (c == 'x')
            for (int i = 0; i < 2 && isxdigit((unsigned char)*p); i++)
                p++;
        else if (*p)
            p++;                /* \pL */
        return p;
    case 'u':
        for (int i = 0; i < 4 && isxdigit((unsigned char)*p); i++)
            p++;
        return p;
    case 'c':
        return *p ? p + 1 : p;
    case 'k':
        if (*p == '<') {
            const char *q = strchr(p, '>');
            return q ? q + 1 : NULL;
        }
        return p;
    default:
        while (*p >= '0' && *p <= '9')  /* \0ooo, back references */
            p++;
        return p;
    }
}

/* Past the character class opening at p (p[0] == '['), nested classes
 * included; NULL when it cannot be followed with certainty. */
static const char *skip_class(const char *p)
{
    int depth = 0;
    for (;;) {
        if (*p == '[') {
            depth++;
            p++;
            if (*p == '^')
                p++;
            if (*p == ']')
                return NULL;    /* "[]...]": leave it to the regex */
            continue;
        }
        if (*p == '\\') {
            if (p[1] == 'Q' || p[1] == '\0')
                return NULL;
            p += 2;
            continue;
        }
        if (*p == '\0')
            return NULL;
        if (*p == ']' && --depth == 0)
            return p + 1;
        p++;
    }
}

size_t jxa_pattern_literals(const char *java, struct jxa_buf *out)
{
    size_t count = 0, start = out->len;
    size_t run = out->len;      /* where the current run starts in out */
    const char *p = java;
#define END_RUN()                                        \
    do {                                                 \
        if (out->len > run) {                            \
            jxa_buf_putc(out, '\0');                     \
            count++;                                     \
        }                                                \
        run = out->len;                                  \
    } while (0)
    /* Inline flags ((?i), (?x) ...) change what a literal means: give up.
     * So do a top-level '|' (no part is in every match) and a ')' that
     * closes the wrapper's group ("a)|(b"). */
    for (const char *f = strstr(java, "(?"); f != NULL; f = strstr(f + 2, "(?"))
        if (f[2] != '\0' && strchr("idmsuxU-", f[2]) != NULL)
            goto none;
    while (*p) {
        unsigned char c = (unsigned char)*p;
        const char *item = p;
        bool literal = false;
        if (c == '\\') {
            if (p[1] == '\0')
                goto none;
            if (is_alnum_ascii((unsigned char)p[1])) {
                END_RUN();
                if ((p = skip_construct(p)) == NULL)
                    goto none;
                p = skip_quantifier(p);
                continue;
            }
            if ((unsigned char)p[1] >= 0x80)
                goto none;
            item = p + 1;       /* an escaped character: itself */
            p += 2;
            literal = true;
        } else if (c == '[') {
            END_RUN();
            if ((p = skip_class(p)) == NULL)
                goto none;
            p = skip_quantifier(p);
            continue;
        } else if (c == '(') {
            END_RUN();
            int depth = 0;
            while (*p) {
                if (*p == '\\') {
                    if (p[1] == 'Q' || p[1] == '\0')
                        goto none;
                    p += 2;
                } else if (*p == '[') {
                    if ((p = skip_class(p)) == NULL)
                        goto none;
                } else if (*p == '(') {
                    depth++;
                    p++;
                } else if (*p == ')') {
                    p++;
                    if (--depth == 0)
                        break;
                } else {
                    p++;
                }
            }
            if (depth != 0)
                goto none;
            p = skip_quantifier(p);
            continue;
        } else if (c == '|' || c == ')') {
            goto none;
        } else if (c == '.' || c == '^' || c == '$' || c == '*' || c == '+' || c == '?' ||
                   c == '{') {
            END_RUN();
            p = skip_quantifier(c == '.' || c == '^' || c == '$' ? p + 1 : p);
            if (p == item)
                p++;            /* a '{' that opens no quantifier */
            continue;
        } else {
            p++;                /* a literal character, all its UTF-8 bytes */
            if (c >= 0xC0)
                while (((unsigned char)*p & 0xC0) == 0x80)
                    p++;
            literal = true;
        }
        if (literal) {
            size_t n = (size_t)(p - item);
            if (*p == '?' || *p == '*' || (*p == '{' && strchr(p, '}') != NULL)) {
                END_RUN();      /* optional: not in every match */
                p = skip_quantifier(p);
                continue;
            }
            jxa_buf_put(out, item, n);
            if (*p == '+') {    /* at least once, then maybe more */
                END_RUN();
                p = skip_quantifier(p);
            }
        }
    }
    END_RUN();
#undef END_RUN
    if (out->failed)
        goto none;
    return count;
none:
    jxa_buf_truncate(out, start);
    return 0;
}

/* ---- engine lifecycle --------------------------------------------------- */

static int lit_longer_first(const void *a, const void *b)
{
    const struct lit *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

static int build_literals(struct jxa_engine *e)
{
    const struct jxa_config *cfg = e->cfg;
    size_t total = 0;
    e->lit_first = calloc(cfg->nrules + 1, sizeof *e->lit_first);
    if (e->lit_first == NULL)
        return -1;
    for (size_t i = 0; i < cfg->nrules; i++) {
        e->lit_first[i] = total;
        if (cfg->rules[i].re != NULL && cfg->rules[i].pattern != NULL)
            total += jxa_pattern_literals(cfg->rules[i].pattern, &e->litbuf);
    }
    e->lit_first[cfg->nrules] = total;
    if (e->litbuf.failed || (total && (e->lit = calloc(total, sizeof *e->lit)) == NULL))
        return -1;
    const char *q = e->litbuf.data;
    for (size_t k = 0; k < total; k++) {
        e->lit[k].s = q;
        e->lit[k].n = strlen(q);
        q += e->lit[k].n + 1;
    }
    for (size_t i = 0; i < cfg->nrules; i++)
        if (e->lit_first[i + 1] - e->lit_first[i] > 1)
            qsort(e->lit + e->lit_first[i], e->lit_first[i + 1] - e->lit_first[i],
                  sizeof *e->lit, lit_longer_first);
    return 0;
}

struct jxa_engine *jxa_engine_new(const struct jxa_config *cfg)
{
    struct jxa_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->cfg = cfg;
    uint32_t maxcap = 0;
    for (size_t i = 0; i < cfg->nrules; i++) {
        uint32_t c = cfg->rules[i].ncaptures;
        if (cfg->rules[i].re)
            pcre2_pattern_info(cfg->rules[i].re, PCRE2_INFO_CAPTURECOUNT, &c);
        if (c > maxcap)
            maxcap = c;
    }
    e->md = pcre2_match_data_create(maxcap + 1, NULL);
    e->mctx = pcre2_match_context_create(NULL);
    e->cached_before = calloc(cfg->nrules + 1, sizeof *e->cached_before);
    e->warned = calloc(cfg->nrules + 1, 1);
    e->match_errors = calloc(cfg->nrules + 1, sizeof *e->match_errors);
    if (!e->md || !e->mctx || !e->cached_before || !e->warned || !e->match_errors) {
        jxa_engine_free(e);
        return NULL;
    }
    pcre2_set_heap_limit(e->mctx, HEAP_LIMIT_KIB);
    /* No JIT stack (no memory, or no JIT): the JIT keeps its 32 KiB. */
    e->jit_stack = pcre2_jit_stack_create(JIT_STACK_START, JIT_STACK_MAX, NULL);
    if (e->jit_stack != NULL)
        pcre2_jit_stack_assign(e->mctx, NULL, e->jit_stack);
    for (size_t i = 0; i < cfg->nrules; i++)
        e->cached_before[i + 1] = e->cached_before[i] + (cfg->rules[i].cache ? 1 : 0);
    if (build_literals(e) < 0) {
        jxa_engine_free(e);
        return NULL;
    }
    return e;
}

static void entry_free(struct cache_entry *c)
{
    free(c->blob);
    free(c);
}

void jxa_engine_free(struct jxa_engine *e)
{
    if (!e)
        return;
    pcre2_match_data_free(e->md);
    pcre2_match_context_free(e->mctx);
    pcre2_jit_stack_free(e->jit_stack);
    free(e->match_errors);
    jxa_buf_free(&e->prefix);
    for (int i = 0; i < 4; i++)
        jxa_buf_free(&e->subj[i]);
    jxa_buf_free(&e->snake);
    jxa_buf_free(&e->name);
    jxa_buf_free(&e->help);
    jxa_buf_free(&e->tmp);
    jxa_buf_free(&e->tmp2);
    jxa_buf_free(&e->tmp3);
    jxa_buf_free(&e->mkey);
    jxa_buf_free(&e->lab);
    free(e->lab_off);
    free(e->labels);
    for (size_t i = 0; i < e->nbuckets; i++) {
        struct cache_entry *c = e->buckets[i];
        while (c) {
            struct cache_entry *n = c->next;
            entry_free(c);
            c = n;
        }
    }
    free(e->buckets);
    free(e->cached_before);
    free(e->warned);
    free(e->lit);
    free(e->lit_first);
    jxa_buf_free(&e->litbuf);
    free(e);
}

unsigned long jxa_engine_match_errors(const struct jxa_engine *e, size_t rule)
{
    return rule < e->cfg->nrules ? e->match_errors[rule] : 0;
}

void jxa_engine_begin(struct jxa_engine *e)
{
    e->gen++;
    e->skipped_touched = 0;
}

void jxa_engine_skipped(struct jxa_engine *e, size_t cached_misses)
{
    e->skipped_touched += cached_misses;
}

/* MatchedRulesCache.evictStaleEntries: entries not seen this scrape go. */
/* Evicts leaves not seen this scrape and returns jmx_scrape_cached_beans as
 * jmx_exporter 1.0.x counts it: the (rule, match string) entries touched,
 * i.e. per leaf its known misses plus its match. */
size_t jxa_engine_end(struct jxa_engine *e)
{
    size_t touched = e->skipped_touched;
    for (size_t i = 0; i < e->nbuckets; i++) {
        struct cache_entry **pp = &e->buckets[i];
        while (*pp) {
            struct cache_entry *c = *pp;
            if (c->gen != e->gen) {
                *pp = c->next;
                entry_free(c);
                e->nentries--;
            } else {
                touched += e->cached_before[c->known_until] + (c->first != NO_RULE ? 1 : 0);
                pp = &c->next;
            }
        }
    }
    return touched;
}

/* ---- cache -------------------------------------------------------------- */

static uint64_t hash_str(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static struct cache_entry *cache_get(struct jxa_engine *e, const char *key, size_t n,
                                     uint64_t h)
{
    if (!e->nbuckets)
        return NULL;
    for (struct cache_entry *c = e->buckets[h & (e->nbuckets - 1)]; c;
         c = c->next)
        if (c->hash == h && c->klen == n && memcmp(c->blob, key, n) == 0)
            return c;
    return NULL;
}

static int cache_grow(struct jxa_engine *e)
{
    size_t nb = e->nbuckets ? e->nbuckets * 2 : 256;
    struct cache_entry **b = calloc(nb, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < e->nbuckets; i++) {
        struct cache_entry *c = e->buckets[i];
        while (c) {
            struct cache_entry *n = c->next;
            c->next = b[c->hash & (nb - 1)];
            b[c->hash & (nb - 1)] = c;
            c = n;
        }
    }
    free(e->buckets);
    e->buckets = b;
    e->nbuckets = nb;
    return 0;
}

/* Records for the leaf (key) that cached rule `rule` missed (matched false)
 * or matched with the result being built.  Failure to cache is not an
 * error: the next scrape evaluates the rule again. */
static struct cache_entry *memo_store(struct jxa_engine *e, struct cache_entry *c,
                                      const char *key, size_t klen, uint64_t h,
                                      size_t rule, bool matched, const struct result *r)
{
    if (c == NULL) {
        if (e->nentries >= e->nbuckets && cache_grow(e) < 0)
            return NULL;
        c = calloc(1, sizeof *c);
        if (!c || !(c->blob = malloc(klen + 1))) {
            free(c);
            return NULL;
        }
        memcpy(c->blob, key, klen);
        c->blob[klen] = '\0';
        c->hash = h;
        c->klen = klen;
        c->first = NO_RULE;
        c->gen = e->gen;
        size_t b = h & (e->nbuckets - 1);
        c->next = e->buckets[b];
        e->buckets[b] = c;
        e->nentries++;
    }
    if (!matched) {
        c->known_until = rule + 1;
        return c;
    }
    size_t sz = klen + 1 + e->name.len + 1 + e->help.len + 1 + e->mkey.len + 1 + e->lab.len;
    char *blob = malloc(sz);
    if (!blob)
        return c;       /* stays "unknown" from here: evaluated again */
    char *p = blob;
    memcpy(p, c->blob, klen + 1);
    p += klen + 1;
    memcpy(p, jxa_buf_str(&e->name), e->name.len + 1);
    p += e->name.len + 1;
    memcpy(p, jxa_buf_str(&e->help), e->help.len + 1);
    p += e->help.len + 1;
    memcpy(p, jxa_buf_str(&e->mkey), e->mkey.len + 1);
    p += e->mkey.len + 1;
    if (e->lab.len)
        memcpy(p, e->lab.data, e->lab.len);
    free(c->blob);
    c->blob = blob;
    c->type = r->type;
    c->has_value = r->has_value;
    c->value = r->value;
    c->factor = r->factor;
    c->has_help = r->has_help;
    c->nlabels = e->nlab;
    c->matched = true;
    c->first = rule;
    c->known_until = rule;
    return c;
}

/* ---- per-leaf building blocks -------------------------------------------- */

static bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            k = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

static void build_prefix(struct jxa_engine *e, const struct jxa_leaf *l)
{
    struct jxa_buf *b = &e->prefix;
    jxa_buf_reset(b);
    jxa_buf_puts(b, l->domain);
    /* LinkedHashMap.toString() and List.toString() with {} / [] -> <> */
    jxa_buf_putc(b, '<');
    for (size_t i = 0; i < l->nprops; i++) {
        if (i)
            jxa_buf_puts(b, ", ");
        jxa_buf_puts(b, l->props[i].key);
        jxa_buf_putc(b, '=');
        jxa_buf_puts(b, l->props[i].value);
    }
    jxa_buf_puts(b, "><");
    for (size_t i = 0; i < l->nattr_keys; i++) {
        if (i)
            jxa_buf_puts(b, ", ");
        jxa_buf_puts(b, l->attr_keys[i]);
    }
    jxa_buf_putc(b, '>');
}

static const char *attr_name(struct jxa_engine *e, const struct jxa_leaf *l,
                             bool snake)
{
    if (!snake)
        return l->attr;
    if (!e->snake_built) {
        jxa_buf_reset(&e->snake);
        jxa_snake_case(l->attr, &e->snake);
        e->snake_built = true;
    }
    return jxa_buf_str(&e->snake);
}

static struct jxa_buf *subject(struct jxa_engine *e, const struct jxa_leaf *l,
                               const struct jxa_rule *r)
{
    int v = (r->attr_name_snake_case ? 1 : 0) | (r->cache ? 2 : 0);
    struct jxa_buf *b = &e->subj[v];
    if (!e->subj_built[v]) {
        jxa_buf_reset(b);
        jxa_buf_put(b, e->prefix.data, e->prefix.len);
        jxa_buf_puts(b, attr_name(e, l, r->attr_name_snake_case));
        jxa_buf_puts(b, ": ");
        jxa_buf_puts(b, r->cache ? "<cache>" : (l->text ? l->text : "null"));
        e->subj_built[v] = true;
        e->subj_utf_ok[v] = utf8_valid((const unsigned char *)jxa_buf_str(b),
                                       b->len);
    }
    return b;
}

/* A template Java's Matcher cannot expand: jmx_exporter aborts the rest
 * of the scrape (jmx_scrape_error 1).  The line names the file, the rule
 * and the key, as config errors do, so it can be fixed from the log. */
static void set_err(const struct jxa_engine *e, char *err, size_t errlen,
                    const struct jxa_rule *r, size_t ri, const char *key,
                    const char *tmpl, const char *msg)
{
    if (!err || !errlen)
        return;
    snprintf(err, errlen, "%s:%d: rules[%zu].%s: '%s': %s; the scrape stops "
             "at this attribute (jmx_scrape_error 1); use only the pattern's "
             "groups ($0 to $%u) and escape a literal $ as \\$",
             e->cfg->path ? e->cfg->path : "(config)", r->line, ri, key, tmpl,
             msg, r->ncaptures);
}

/* A name or label name that substitutes to nothing: jmx_exporter drops
 * the sample (or the label) without a word.  Same here, plus one warning
 * per rule and config, so a pattern whose group can be empty is found. */
static void warn_empty(struct jxa_engine *e, size_t ri, unsigned what,
                       const char *key, const char *tmpl, const char *subj)
{
    if (e->warned == NULL || (e->warned[ri] & what))
        return;
    e->warned[ri] |= (unsigned char)what;
    const struct jxa_rule *r = &e->cfg->rules[ri];
    jxa_warn("%s:%d: rules[%zu].%s: '%s' is empty for \"%.200s\"; %s is "
             "dropped, as jmx_exporter does; make the group non-empty or "
             "use another rule", e->cfg->path ? e->cfg->path : "(config)",
             r->line, ri, key, tmpl, subj,
             what == WARNED_NAME ? "the sample" : "the label");
}

/* A match PCRE2 gave up on: counted every time (the scraper exports the
 * count as jmxagent_rule_match_errors_total), logged once per rule and
 * config with the start of the match string, made one printable line. */
static void match_failed(struct jxa_engine *e, size_t ri, int rc,
                         const char *subj, size_t slen)
{
    e->match_errors[ri]++;
    if (e->warned[ri] & WARNED_MATCH)
        return;
    e->warned[ri] |= WARNED_MATCH;
    const struct jxa_rule *r = &e->cfg->rules[ri];
    PCRE2_UCHAR why[120];
    if (pcre2_get_error_message(rc, why, sizeof why) < 0)
        snprintf((char *)why, sizeof why, "error %d", rc);
    char head[81];
    size_t n = slen < sizeof head - 1 ? slen : sizeof head - 1;
    while (n > 0 && n < slen && ((unsigned char)subj[n] & 0xC0) == 0x80)
        n--;                    /* not in the middle of a UTF-8 sequence */
    for (size_t i = 0; i < n; i++)
        head[i] = (unsigned char)subj[i] < 0x20 || subj[i] == 0x7f ? '?' : subj[i];
    head[n] = '\0';
    jxa_warn("%s:%d: rules[%zu].pattern: PCRE2 gave up (%s) on a %zu-byte match "
             "string \"%s%s\"; the rule is taken as not matching that attribute, "
             "tried again at every scrape and counted in "
             "jmxagent_rule_match_errors_total{rule=\"%zu\"}; rewrite the pattern "
             "without nested or overlapping repeats such as (a+)+ or (a|a)*",
             e->cfg->path ? e->cfg->path : "(config)", r->line, ri, (const char *)why,
             slen, head, n < slen ? "..." : "", ri);
}

/* Matcher.replaceAll(tmpl) after a whole-input match: the template with
 * its references expanded (appendExpandedReplacement, JDK 17).  Returns 0
 * or -1 with the Java exception's message in msg. */
static int substitute(const struct jxa_rule *r, pcre2_match_data *md, int rc,
                      const char *subj, const char *tmpl, struct jxa_buf *out,
                      char *msg, size_t msglen)
{
    if (!r->re) {
        /* Java: NullPointerException on the rule's null matcher. */
        snprintf(msg, msglen, "the rule has no pattern");
        return -1;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t ngroups = r->ncaptures;    /* PCRE2_INFO_CAPTURECOUNT (config.c) */
    const char *t = tmpl;
    while (*t) {
        if (*t == '\\') {
            t++;
            if (!*t) {
                snprintf(msg, msglen, "character to be escaped is missing");
                return -1;
            }
            jxa_buf_putc(out, *t++);
            continue;
        }
        if (*t != '$') {
            const char *run = t;
            while (*t && *t != '\\' && *t != '$')
                t++;
            jxa_buf_put(out, run, (size_t)(t - run));
            continue;
        }
        t++;
        if (!*t) {
            snprintf(msg, msglen,
                     "Illegal group reference: group index is missing");
            return -1;
        }
        long ref;
        if (*t == '{') {
            t++;
            const char *n0 = t;
            while ((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
                   (*t >= '0' && *t <= '9'))
                t++;
            size_t nl = (size_t)(t - n0);
            if (nl == 0) {
                snprintf(msg, msglen,
                         "named capturing group has 0 length name");
                return -1;
            }
            if (*t != '}') {
                snprintf(msg, msglen,
                         "named capturing group is missing trailing '}'");
                return -1;
            }
            if (*n0 >= '0' && *n0 <= '9') {
                snprintf(msg, msglen, "capturing group name {%.*s} starts "
                         "with digit character", (int)nl, n0);
                return -1;
            }
            char gname[128];
            int num = -1;
            if (nl < sizeof gname) {
                memcpy(gname, n0, nl);
                gname[nl] = '\0';
                num = pcre2_substring_number_from_name(r->re,
                                                       (PCRE2_SPTR)gname);
            }
            if (num < 0) {
                snprintf(msg, msglen, "No group with name {%.*s}", (int)nl,
                         n0);
                return -1;
            }
            ref = num;
            t++;
        } else {
            if (*t < '0' || *t > '9') {
                snprintf(msg, msglen, "Illegal group reference");
                return -1;
            }
            ref = *t++ - '0';
            /* Java: take the next digit only while the longer number still
             * names an existing group. */
            while (*t >= '0' && *t <= '9') {
                long nref = ref * 10 + (*t - '0');
                if (nref > (long)ngroups)
                    break;
                ref = nref;
                t++;
            }
            if (ref > (long)ngroups) {
                snprintf(msg, msglen, "No group %ld", ref);
                return -1;
            }
        }
        if (ref < rc && ov[2 * ref] != PCRE2_UNSET)
            jxa_buf_put(out, subj + ov[2 * ref],
                        (size_t)(ov[2 * ref + 1] - ov[2 * ref]));
    }
    return 0;
}

static void lower_ascii(struct jxa_buf *b)
{
    for (size_t i = 0; i < b->len; i++)
        b->data[i] = to_lower(b->data[i]);
}

/* Adds one label pair to the result; name is already safe and lower-cased
 * as configured.  client_java 1.3 only accepts [a-zA-Z_.][a-zA-Z0-9_.]*
 * not starting with "__" (it throws, failing the scrape): we turn ':'
 * into '_' and drop reserved "__" names and repeated names (first wins)
 * instead - a deliberate difference. */
static int add_label(struct jxa_engine *e, const char *name, size_t nlen,
                     const char *value, size_t vlen)
{
    size_t noff = e->lab.len;
    jxa_buf_put(&e->lab, name, nlen);
    jxa_buf_putc(&e->lab, '\0');
    if (e->lab.failed)
        return -1;
    char *n = e->lab.data + noff;
    for (size_t i = 0; i < nlen; i++)
        if (n[i] == ':')
            n[i] = '_';
    /* toSafeName collapses "__", but "_:x" becomes "__x" here. */
    if (nlen >= 2 && n[0] == '_' && n[1] == '_') {
        jxa_buf_truncate(&e->lab, noff);
        return 0;
    }
    for (size_t i = 0; i < e->nlab; i++) {
        if (strcmp(e->lab.data + e->lab_off[2 * i], e->lab.data + noff) == 0) {
            jxa_buf_truncate(&e->lab, noff);
            return 0;
        }
    }
    size_t voff = e->lab.len;
    jxa_buf_put(&e->lab, value, vlen);
    jxa_buf_putc(&e->lab, '\0');
    if (e->lab.failed)
        return -1;
    if (e->nlab == e->cap_lab) {
        size_t nc = e->cap_lab ? e->cap_lab * 2 : 16;
        size_t *p = realloc(e->lab_off, nc * 2 * sizeof *p);
        if (!p)
            return -1;
        e->lab_off = p;
        e->cap_lab = nc;
    }
    e->lab_off[2 * e->nlab] = noff;
    e->lab_off[2 * e->nlab + 1] = voff;
    e->nlab++;
    return 0;
}

static const char *prop_get(const struct jxa_leaf *l, const char *key)
{
    for (size_t i = 0; i < l->nprops; i++)
        if (strcmp(l->props[i].key, key) == 0)
            return l->props[i].value;
    return "null";              /* String concatenation of a null */
}

/* The default HELP text (jmx_exporter 0.17+). */
static void default_help(struct jxa_buf *b, const struct jxa_leaf *l)
{
    jxa_buf_reset(b);
    if (l->description && strcmp(l->description, l->attr) != 0) {
        jxa_buf_puts(b, l->description);
        jxa_buf_putc(b, ' ');
    }
    /* "%s:name=%s,type=%s,attribute=%s", without printf's parsing. */
    jxa_buf_puts(b, l->domain);
    jxa_buf_puts(b, ":name=");
    jxa_buf_puts(b, prop_get(l, "name"));
    jxa_buf_puts(b, ",type=");
    jxa_buf_puts(b, prop_get(l, "type"));
    jxa_buf_puts(b, ",attribute=");
    jxa_buf_puts(b, l->attr);
}

/* Final name processing shared by default export and named rules:
 * inferCounterTypeFromName (on the lower-cased name), then client_java's
 * suffix stripping. */
static void finish_name(struct jxa_engine *e, struct result *r)
{
    if (e->cfg->infer_counter_type_from_name &&
        ends_with(jxa_buf_str(&e->name), e->name.len, "_total"))
        r->type = JXA_COUNTER;
    if (e->name.data) {
        jxa_strip_reserved_suffixes(e->name.data);
        e->name.len = strlen(e->name.data);
    }
}

/* attributesAsLabels (jmx_exporter 1.2+, docs/semantics.md §17): each
 * attribute name through toSafeName (and lower-cased with
 * lowercaseOutputLabelNames), the value as is.  JmxCollector adds them
 * after the bean's key properties in the default export and before the
 * rule's own labels in a named rule; of two labels with one name the
 * first is kept (add_label). */
static int add_attr_labels(struct jxa_engine *e, const struct jxa_leaf *l)
{
    for (size_t i = 0; i < l->nattr_labels; i++) {
        jxa_buf_reset(&e->tmp2);
        jxa_safe_name(l->attr_labels[i].key, &e->tmp2);
        if (e->cfg->lowercase_output_label_names)
            lower_ascii(&e->tmp2);
        if (e->tmp2.failed ||
            add_label(e, jxa_buf_str(&e->tmp2), e->tmp2.len, l->attr_labels[i].value,
                      strlen(l->attr_labels[i].value)) < 0)
            return -1;
    }
    return 0;
}

/* JmxCollector.defaultExport. */
static int default_export(struct jxa_engine *e, const struct jxa_leaf *l,
                          const struct jxa_rule *rule, struct result *r)
{
    struct jxa_buf *raw = &e->tmp;
    jxa_buf_reset(raw);
    jxa_buf_puts(raw, l->domain);
    if (l->nprops) {
        jxa_buf_putc(raw, '_');
        jxa_buf_puts(raw, l->props[0].value);
    }
    for (size_t i = 0; i < l->nattr_keys; i++) {
        jxa_buf_putc(raw, '_');
        jxa_buf_puts(raw, l->attr_keys[i]);
    }
    jxa_buf_putc(raw, '_');
    jxa_buf_puts(raw, attr_name(e, l, rule->attr_name_snake_case));
    jxa_buf_reset(&e->name);
    jxa_safe_name(jxa_buf_str(raw), &e->name);
    if (e->cfg->lowercase_output_name)
        lower_ascii(&e->name);
    for (size_t i = 1; i < l->nprops; i++) {
        jxa_buf_reset(&e->tmp2);
        jxa_safe_name(l->props[i].key, &e->tmp2);
        if (e->cfg->lowercase_output_label_names)
            lower_ascii(&e->tmp2);
        if (add_label(e, jxa_buf_str(&e->tmp2), e->tmp2.len, l->props[i].value,
                      strlen(l->props[i].value)) < 0)
            return -1;
    }
    if (add_attr_labels(e, l) < 0)
        return -1;
    default_help(&e->help, l);
    r->has_help = true;
    r->type = rule->type;
    finish_name(e, r);
    return e->name.failed || e->tmp.failed || e->help.failed ? -1 : 0;
}

/* Adds the sample for the current result, or drops it like Java does for
 * values that are neither Number nor Boolean. */
static int emit(struct jxa_engine *e, const struct jxa_leaf *l,
                const struct result *r, const char *name, const char *help,
                const char *mkey, const char *lab, size_t nlab,
                const size_t *lab_off, struct jxa_mset *out)
{
    double v;
    if (r->has_value)
        v = r->value * r->factor;
    else if (l->kind == JXA_V_NUMBER)
        v = l->num * r->factor;
    else if (l->kind == JXA_V_BOOL)
        v = l->num != 0 ? 1.0 : 0.0;    /* valueFactor never applies */
    else
        return 0;                       /* "Ignoring unsupported bean" */
    if (nlab > e->cap_labels) {
        struct jxa_label *p = realloc(e->labels, nlab * sizeof *p);
        if (!p)
            return -1;
        e->labels = p;
        e->cap_labels = nlab;
    }
    const char *q = lab;
    for (size_t i = 0; i < nlab; i++) {
        if (lab_off) {
            e->labels[i].name = lab + lab_off[2 * i];
            e->labels[i].value = lab + lab_off[2 * i + 1];
        } else {                        /* packed: name \0 value \0 ... */
            e->labels[i].name = q;
            q += strlen(q) + 1;
            e->labels[i].value = q;
            q += strlen(q) + 1;
        }
    }
    return jxa_mset_add_jmx(out, name, r->type, r->has_help ? help : NULL,
                            e->labels, nlab, v, mkey);
}

static int emit_cached(struct jxa_engine *e, const struct jxa_leaf *l,
                       const struct cache_entry *c, struct jxa_mset *out)
{
    const char *name = c->blob + strlen(c->blob) + 1;
    const char *help = name + strlen(name) + 1;
    const char *mkey = help + strlen(help) + 1;
    const char *lab = mkey + strlen(mkey) + 1;
    struct result r = {c->type, c->has_value, c->value, c->factor,
                       c->has_help};
    return emit(e, l, &r, name, help, mkey, lab, c->nlabels, NULL, out);
}

/* The match string up to its last ':' (getObjectNameAndAttribute). */
static void set_mkey(struct jxa_engine *e, const struct jxa_buf *subj)
{
    const char *s = jxa_buf_str(subj);
    const char *colon = strrchr(s, ':');
    jxa_buf_reset(&e->mkey);
    jxa_buf_put(&e->mkey, s, colon ? (size_t)(colon - s) : subj->len);
}

/* The rules worth trying on one attribute (jxa_engine_slot), ascending.
 * A slot of at most two rules below 2^30 (the common case: the attribute's
 * own rule, perhaps a catch-all after it) is no allocation: the handle
 * itself holds them, bit 0 set, the count in bits 1-2 and the indices in
 * bits 3-32 and 33-62 (64-bit pointers only).  A bean cache of 100,000
 * beans then keeps no memory for them. */
struct jxa_slot {
    uint32_t n;
    uint32_t cand[];
};

#define SLOT_PACKED (UINTPTR_MAX > 0xFFFFFFFFu)
#define SLOT_IDX_MAX ((uint32_t)1 << 30)

/* The candidates of s: *cand points to them (into s or into buf). */
static uint32_t slot_view(const struct jxa_slot *s, uint32_t buf[2], const uint32_t **cand)
{
    uintptr_t h = (uintptr_t)s;
    if (SLOT_PACKED && (h & 1u)) {
        uint64_t v = (uint64_t)h;
        buf[0] = (uint32_t)(v >> 3) & (SLOT_IDX_MAX - 1);
        buf[1] = (uint32_t)(v >> 33) & (SLOT_IDX_MAX - 1);
        *cand = buf;
        return (uint32_t)(v >> 1) & 3u;
    }
    *cand = s->cand;
    return s->n;
}

/* ---- literal texts and number texts ---------------------------------------- */

/* The characters of a number's text as the walk prints it (Long.toString,
 * Double.toString, Float.toString: digits, '-', '.', 'E', "NaN",
 * "Infinity"; '+' and 'e' too, for safety). */
static bool number_char(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c != 0 && strchr(".-+EeNaIinfty", (int)c) != NULL);
}

static bool number_text(const char *t)
{
    if (t == NULL)
        return false;           /* "null" */
    for (; *t; t++)
        if (!number_char((unsigned char)*t))
            return false;
    return true;
}

/* A literal run of rule ri that the match string does not contain: no
 * match, whatever the pattern does around it. */
static bool literal_missing(const struct jxa_engine *e, size_t ri, const char *subj, size_t slen)
{
    for (size_t k = e->lit_first[ri]; k < e->lit_first[ri + 1]; k++)
        if (memmem(subj, slen, e->lit[k].s, e->lit[k].n) == NULL)
            return true;
    return false;
}

/* A literal run of rule ri that name + v contains for no text v made of
 * number characters: not in the name part, not all number characters
 * (then v could hold it), and no head of it ends the name part with the
 * rest number characters (then it could straddle the two). */
static bool literal_never_in_number(const struct jxa_engine *e, size_t ri,
                                    const struct jxa_buf *name)
{
    const char *n = jxa_buf_str(name);
    size_t nl = name->len;
    for (size_t k = e->lit_first[ri]; k < e->lit_first[ri + 1]; k++) {
        const char *l = e->lit[k].s;
        size_t ll = e->lit[k].n;
        if (memmem(n, nl, l, ll) != NULL)
            continue;
        size_t tail = ll;       /* l[tail..] is number characters */
        while (tail > 0 && number_char((unsigned char)l[tail - 1]))
            tail--;
        if (tail == 0)
            continue;
        bool straddles = false;
        for (size_t j = tail; j < ll && !straddles; j++)
            straddles = j <= nl && memcmp(n + nl - j, l, j) == 0;
        if (!straddles)
            return true;
    }
    return false;
}

int jxa_engine_record(struct jxa_engine *e, const struct jxa_leaf *leaf,
                      struct jxa_mset *out, char *err, size_t errlen)
{
    const struct jxa_config *cfg = e->cfg;
    char msg[256];
    for (int i = 0; i < 4; i++)
        e->subj_built[i] = false;
    e->snake_built = false;
    build_prefix(e, leaf);
    if (e->prefix.failed)
        goto oom;
    struct cache_entry *memo = NULL;    /* the leaf's cache entry */
    bool memo_looked = false;
    const char *mk = NULL;              /* its key: the "<cache>" match
                                           string without snake case */
    size_t mkl = 0;
    uint64_t mh = 0;
    bool no_store = false;              /* a match gave up: cache nothing */

    /* Rules before first_rule are known to miss this leaf (the walk asked
     * jxa_engine_needs_value when it built the fetch list); with a slot and
     * a value printed in number characters, only its candidates can match
     * (jxa_engine_slot). */
    const struct jxa_slot *slot = leaf->slot != NULL && number_text(leaf->text) ? leaf->slot : NULL;
    uint32_t packed[2];
    const uint32_t *cand = NULL;
    size_t nsteps = slot != NULL ? slot_view(slot, packed, &cand) : cfg->nrules;
    for (size_t k = slot != NULL ? 0 : leaf->first_rule; k < nsteps; k++) {
        size_t ri = slot != NULL ? cand[k] : k;
        const struct jxa_rule *rule = &cfg->rules[ri];
        struct jxa_buf *sb = subject(e, leaf, rule);
        if (sb->failed)
            goto oom;
        const char *subj = jxa_buf_str(sb);
        size_t slen = sb->len;
        if (rule->cache) {
            if (!memo_looked) {
                static const struct jxa_rule plain_cached = {.cache = true};
                struct jxa_buf *kb = subject(e, leaf, &plain_cached);
                if (kb->failed)
                    goto oom;
                mk = jxa_buf_str(kb);
                mkl = kb->len;
                mh = hash_str(mk, mkl);
                memo = cache_get(e, mk, mkl, mh);
                if (memo)
                    memo->gen = e->gen;
                memo_looked = true;
            }
            if (memo) {
                if (memo->first == ri) {
                    if (emit_cached(e, leaf, memo, out) < 0)
                        goto oom;
                    return 0;
                }
                if (ri < memo->known_until)
                    continue;   /* cached mismatch: next rule */
            }
        }

        int rc = 1;
        if (rule->re) {
            int v = (rule->attr_name_snake_case ? 1 : 0) |
                    (rule->cache ? 2 : 0);
            pcre2_set_match_limit(e->mctx, match_limit(slen));
            if (!e->subj_utf_ok[v] || (slot == NULL && literal_missing(e, ri, subj, slen)))
                rc = PCRE2_ERROR_NOMATCH;       /* text every match has is not there */
            else if (rule->probe != NULL && slot == NULL &&
                     pcre2_match(rule->probe, (PCRE2_SPTR)subj, slen, 0,
                                 PCRE2_NO_UTF_CHECK, e->md, e->mctx) == PCRE2_ERROR_NOMATCH)
                rc = PCRE2_ERROR_NOMATCH;       /* proven miss (config.c) */
            else
                rc = pcre2_match(rule->re, (PCRE2_SPTR)subj, slen, 0,
                                 PCRE2_NO_UTF_CHECK, e->md, e->mctx);
            if (rc >= 0 && pcre2_get_ovector_pointer(e->md)[1] != slen)
                rc = PCRE2_ERROR_NOMATCH;       /* matches(): whole input */
            if (rc == 0)        /* ovector too small: cannot happen */
                rc = (int)pcre2_get_ovector_count(e->md);
            if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
                /* PCRE2 gave up (a limit above, or no memory): the answer
                 * is unknown.  Treated as a miss for this leaf and this
                 * walk, as most such patterns would end in one, but never
                 * remembered: from here on nothing is cached for the leaf,
                 * since a later entry would record this rule as a known
                 * miss. */
                match_failed(e, ri, rc, subj, slen);
                no_store = true;
                continue;
            }
            if (rc < 0) {
                if (rule->cache && !no_store)
                    memo = memo_store(e, memo, mk, mkl, mh, ri, false, NULL);
                continue;
            }
        }

        struct result r = {rule->type, false, 0, rule->value_factor, false};
        jxa_buf_reset(&e->lab);
        e->nlab = 0;

        if (rule->value && rule->value[0]) {
            jxa_buf_reset(&e->tmp);
            if (substitute(rule, e->md, rc, subj, rule->value, &e->tmp, msg,
                           sizeof msg) < 0) {
                set_err(e, err, errlen, rule, ri, "value", rule->value, msg);
                return -1;
            }
            if (e->tmp.failed)
                goto oom;
            if (jxa_java_parse_double(jxa_buf_str(&e->tmp), &r.value) < 0)
                return 0;       /* NumberFormatException: dropped, no
                                   later rule is tried, not cached */
            r.has_value = true;
        }

        if (!rule->name) {
            if (default_export(e, leaf, rule, &r) < 0)
                goto oom;
        } else {
            jxa_buf_reset(&e->tmp);
            if (substitute(rule, e->md, rc, subj, rule->name, &e->tmp, msg,
                           sizeof msg) < 0) {
                set_err(e, err, errlen, rule, ri, "name", rule->name, msg);
                return -1;
            }
            jxa_buf_reset(&e->name);
            jxa_safe_name(jxa_buf_str(&e->tmp), &e->name);
            if (e->name.len == 0) {
                warn_empty(e, ri, WARNED_NAME, "name", rule->name, subj);
                return 0;       /* empty name: dropped, no fall-through */
            }
            if (cfg->lowercase_output_name)
                lower_ascii(&e->name);
            jxa_buf_reset(&e->help);
            if (rule->help) {
                if (substitute(rule, e->md, rc, subj, rule->help, &e->help,
                               msg, sizeof msg) < 0) {
                    set_err(e, err, errlen, rule, ri, "help", rule->help, msg);
                    return -1;
                }
            } else {
                default_help(&e->help, leaf);
            }
            r.has_help = true;
            if (add_attr_labels(e, leaf) < 0)
                goto oom;
            for (size_t li = 0; li < rule->nlabels; li++) {
                const struct jxa_label_tmpl *lt = &rule->labels[li];
                jxa_buf_reset(&e->tmp);
                jxa_buf_reset(&e->tmp2);
                if (substitute(rule, e->md, rc, subj, lt->name, &e->tmp, msg,
                               sizeof msg) < 0 ||
                    substitute(rule, e->md, rc, subj, lt->value, &e->tmp2,
                               msg, sizeof msg) < 0) {
                    /* Java wraps it: "Matcher '...' unable to use: '<name>'
                     * value: '<value>'". */
                    char key[300];
                    snprintf(key, sizeof key, "labels.%s", lt->name);
                    set_err(e, err, errlen, rule, ri, key, lt->value, msg);
                    return -1;
                }
                /* Label name: toSafeName, then lower-cased; value raw; the
                 * pair only if both are non-empty. */
                jxa_buf_reset(&e->tmp3);
                jxa_safe_name(jxa_buf_str(&e->tmp), &e->tmp3);
                if (cfg->lowercase_output_label_names)
                    lower_ascii(&e->tmp3);
                if (e->tmp3.len == 0) {
                    char key[300];
                    snprintf(key, sizeof key, "labels.%s", lt->name);
                    warn_empty(e, ri, WARNED_LABEL, key, lt->name, subj);
                }
                if (e->tmp3.len && e->tmp2.len &&
                    add_label(e, jxa_buf_str(&e->tmp3), e->tmp3.len,
                              jxa_buf_str(&e->tmp2), e->tmp2.len) < 0)
                    goto oom;
            }
            finish_name(e, &r);
        }
        set_mkey(e, sb);
        if (e->name.failed || e->help.failed || e->lab.failed ||
            e->mkey.failed || e->tmp.failed || e->tmp2.failed ||
            e->tmp3.failed)
            goto oom;
        if (rule->cache && !no_store)
            memo = memo_store(e, memo, mk, mkl, mh, ri, true, &r);
        if (emit(e, leaf, &r, jxa_buf_str(&e->name), jxa_buf_str(&e->help),
                 jxa_buf_str(&e->mkey), e->lab.data ? e->lab.data : "",
                 e->nlab, e->lab_off, out) < 0)
            goto oom;
        return 0;
    }
    return 0;
oom:
    if (err && errlen)
        snprintf(err, errlen, "out of memory");
    return -1;
}

/* ---- which attributes can produce anything --------------------------------- */

/* A code unit that every match of p contains, and that no number's text
 * contains (both cases, should the pattern be caseless): then no match of
 * p lies inside the value of a numeric attribute. */
static bool needs_non_number_char(const pcre2_code *p)
{
    static const uint32_t what[2][2] = {
        {PCRE2_INFO_FIRSTCODETYPE, PCRE2_INFO_FIRSTCODEUNIT},
        {PCRE2_INFO_LASTCODETYPE, PCRE2_INFO_LASTCODEUNIT}};
    for (int i = 0; i < 2; i++) {
        uint32_t type = 0, unit = 0;
        if (pcre2_pattern_info(p, what[i][0], &type) != 0 || type != 1 ||
            pcre2_pattern_info(p, what[i][1], &unit) != 0)
            continue;
        uint32_t other = unit;
        if (unit >= 'a' && unit <= 'z')
            other = unit - 32;
        else if (unit >= 'A' && unit <= 'Z')
            other = unit + 32;
        if (!number_char(unit) && !number_char(other))
            return true;
    }
    return false;
}

/* The match string of leaf for rule r with value text `text`, into e->tmp. */
static struct jxa_buf *name_subject(struct jxa_engine *e, const struct jxa_leaf *l,
                                    const struct jxa_rule *r, const char *text)
{
    struct jxa_buf *b = &e->tmp;
    jxa_buf_reset(b);
    jxa_buf_put(b, e->prefix.data, e->prefix.len);
    jxa_buf_puts(b, attr_name(e, l, r->attr_name_snake_case));
    jxa_buf_puts(b, ": ");
    jxa_buf_puts(b, text);
    return b;
}

/* jxa_engine_record's verdict of rule r on one whole match string: 1
 * match, 0 miss, -1 unknown (PCRE2 gave up, or no memory). */
static int whole_match(struct jxa_engine *e, const struct jxa_rule *r, const struct jxa_buf *b)
{
    if (b->failed)
        return -1;
    if (!utf8_valid((const unsigned char *)jxa_buf_str(b), b->len))
        return 0;
    pcre2_set_match_limit(e->mctx, match_limit(b->len));
    int rc = pcre2_match(r->re, (PCRE2_SPTR)jxa_buf_str(b), b->len, 0, PCRE2_NO_UTF_CHECK,
                         e->md, e->mctx);
    if (rc == PCRE2_ERROR_NOMATCH || (rc >= 0 && pcre2_get_ovector_pointer(e->md)[1] != b->len))
        return 0;
    return rc < 0 ? -1 : 1;
}

/* True when no number's text v makes rule r match name + v (name: the
 * match string up to the value).  A match of "^.*(?:P).*$" is a match of
 * P starting somewhere: inside the value is ruled out by a code unit no
 * number has; in the name part by PCRE2's hard partial matching, which
 * reports any attempt that reaches the end of the subject (it could go on
 * into the value) as partial, so NOMATCH proves every start there fails.
 * The interpreter runs it (the JIT is compiled for complete matches). */
static bool number_never_matches(struct jxa_engine *e, const struct jxa_rule *r,
                                 const struct jxa_buf *name)
{
    if (r->probe == NULL || name->failed || !needs_non_number_char(r->probe))
        return false;
    if (!utf8_valid((const unsigned char *)jxa_buf_str(name), name->len))
        return true;    /* invalid stays invalid (the value is ASCII): no match */
    pcre2_set_match_limit(e->mctx, match_limit(name->len));
    int rc = pcre2_match(r->probe, (PCRE2_SPTR)jxa_buf_str(name), name->len, 0,
                         PCRE2_NO_UTF_CHECK | PCRE2_PARTIAL_HARD | PCRE2_NO_JIT,
                         e->md, e->mctx);
    return rc == PCRE2_ERROR_NOMATCH;
}

/* A rule that, matching a String leaf, adds nothing and cannot fail: no
 * `value:` (a String is a sample only through one), and templates that
 * substitute without a Java exception whatever the groups hold (every
 * such exception depends on the template and the pattern alone). */
static bool silent_for_strings(struct jxa_engine *e, const struct jxa_rule *r)
{
    if (r->value && r->value[0])
        return false;
    if (!r->name)
        return true;    /* default export: a String is "unsupported" */
    char msg[256];
    const char *t[3] = {r->name, r->help, NULL};
    for (int i = 0; i < 2; i++) {
        jxa_buf_reset(&e->tmp2);
        if (t[i] && substitute(r, e->md, 0, "", t[i], &e->tmp2, msg, sizeof msg) < 0)
            return false;
    }
    for (size_t li = 0; li < r->nlabels; li++) {
        jxa_buf_reset(&e->tmp2);
        if (substitute(r, e->md, 0, "", r->labels[li].name, &e->tmp2, msg, sizeof msg) < 0 ||
            substitute(r, e->md, 0, "", r->labels[li].value, &e->tmp2, msg, sizeof msg) < 0)
            return false;
    }
    return true;
}

bool jxa_engine_needs_value(struct jxa_engine *e, const struct jxa_leaf *leaf,
                            enum jxa_vclass vc, size_t *cached_misses, size_t *first_rule)
{
    const struct jxa_config *cfg = e->cfg;
    *cached_misses = 0;
    *first_rule = 0;
    if (vc == JXA_VC_ANY || leaf->nattr_keys != 0)
        return true;
    e->snake_built = false;
    build_prefix(e, leaf);
    if (e->prefix.failed)
        return true;
    /* A String leaf past a rule that may or may not match it (by value):
     * later cached rules would then be tried or not, value by value. */
    bool maybe = false;
    /* Still in the run of uncached rules that miss every value: the leaf
     * can start at the first rule after it (a cached rule ends the run, so
     * the cache sees every rule it would have seen). */
    bool leading = true;
    size_t ri = 0;
    for (; ri < cfg->nrules; ri++) {
        const struct jxa_rule *r = &cfg->rules[ri];
        if (leading && (r->re == NULL || r->cache)) {
            *first_rule = ri;
            leading = false;
        }
        if (r->re == NULL) {
            /* Matches every leaf (a cached one too): the leaf stops here. */
            if (vc == JXA_VC_STRING && !r->cache && silent_for_strings(e, r))
                break;
            return true;
        }
        if (r->cache) {
            if (maybe || whole_match(e, r, name_subject(e, leaf, r, "<cache>")) != 0)
                return true;
            continue;
        }
        bool miss = false;
        if (vc == JXA_VC_BOOL)
            miss = whole_match(e, r, name_subject(e, leaf, r, "true")) == 0 &&
                   whole_match(e, r, name_subject(e, leaf, r, "false")) == 0;
        else if (vc == JXA_VC_NUMBER)
            miss = literal_never_in_number(e, ri, name_subject(e, leaf, r, "")) ||
                   number_never_matches(e, r, &e->tmp);
        if (miss)
            continue;
        if (leading) {
            *first_rule = ri;
            leading = false;
        }
        if (vc != JXA_VC_STRING || !silent_for_strings(e, r))
            return true;
        maybe = true;
    }
    *cached_misses = e->cached_before[ri];
    return false;
}

/* ---- what is kept per attribute ---------------------------------------------- */

struct jxa_slot *jxa_engine_slot(struct jxa_engine *e, const struct jxa_leaf *leaf)
{
    const struct jxa_config *cfg = e->cfg;
    if (leaf->nattr_keys != 0 || cfg->nrules >= UINT32_MAX)
        return NULL;
    e->snake_built = false;
    build_prefix(e, leaf);
    if (e->prefix.failed)
        return NULL;
    struct jxa_slot *s = malloc(sizeof *s + cfg->nrules * sizeof s->cand[0]);
    if (s == NULL)
        return NULL;
    s->n = 0;
    /* The name part, as is and snake-cased, built once for all rules (in
     * the match-string buffers, which jxa_engine_record rebuilds). */
    struct jxa_buf *names[2] = {&e->subj[0], &e->subj[1]};
    bool built[2] = {false, false};
    for (size_t ri = 0; ri < cfg->nrules; ri++) {
        const struct jxa_rule *r = &cfg->rules[ri];
        /* Cached rules stay: their verdicts go through the cache entry,
         * which counts every cached rule the leaf meets. */
        if (r->re != NULL && !r->cache) {
            int v = r->attr_name_snake_case ? 1 : 0;
            struct jxa_buf *name = names[v];
            if (!built[v]) {
                jxa_buf_reset(name);
                jxa_buf_put(name, e->prefix.data, e->prefix.len);
                jxa_buf_puts(name, attr_name(e, leaf, v == 1));
                jxa_buf_puts(name, ": ");
                built[v] = true;
            }
            if (name->failed) {
                free(s);
                return NULL;
            }
            /* The literal test first: a few memmem() calls, where the
             * partial match runs the interpreter. */
            if (literal_never_in_number(e, ri, name) || number_never_matches(e, r, name))
                continue;
        }
        s->cand[s->n++] = (uint32_t)ri;
        if (r->re == NULL)
            break;              /* matches every leaf: nothing after it runs */
    }
    if (s->n == cfg->nrules) {
        free(s);                /* leaves out nothing (all rules cached) */
        return NULL;
    }
    if (SLOT_PACKED && s->n <= 2 && (s->n < 1 || s->cand[0] < SLOT_IDX_MAX) &&
        (s->n < 2 || s->cand[1] < SLOT_IDX_MAX)) {
        uint64_t v = 1u | (uint64_t)s->n << 1;
        if (s->n >= 1)
            v |= (uint64_t)s->cand[0] << 3;
        if (s->n >= 2)
            v |= (uint64_t)s->cand[1] << 33;
        free(s);
        return (struct jxa_slot *)(uintptr_t)v;
    }
    struct jxa_slot *t = realloc(s, sizeof *s + s->n * sizeof s->cand[0]);
    return t != NULL ? t : s;
}

void jxa_slot_free(struct jxa_slot *s)
{
    if (!(SLOT_PACKED && ((uintptr_t)s & 1u)))
        free(s);
}

size_t jxa_slot_rules(const struct jxa_slot *s)
{
    uint32_t buf[2];
    const uint32_t *cand;
    return s != NULL ? slot_view(s, buf, &cand) : 0;
}
