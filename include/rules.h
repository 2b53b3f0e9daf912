/* rules.h - the rule engine: one leaf value of one MBean attribute in,
 * zero or one sample out, with jmx_exporter 1.x semantics
 * (docs/semantics.md §3-§10):
 *   match string   domain<k1=v1, k2=v2><attrKey1, attrKey2>attr: value
 *   first matching rule wins; a rule without pattern matches everything;
 *   substitution of $n / ${name} / \x in name, value, help, label names and
 *   values; default naming, toSafeName, snake case, lower-casing, 1.x
 *   suffix stripping (_total, _created, _bucket, _info); valueFactor;
 *   per-rule cache (cache: true) keyed by the match string with "<cache>"
 *   in place of the value (jmx_exporter 1.0.x MatchedRulesCache).
 * Owns its PCRE2 match data and caches: single-threaded (the scraper).
 * Pure C. */
#ifndef JXA_RULES_H
#define JXA_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "mset.h"
#include "objname.h"

enum jxa_vkind { JXA_V_NUMBER = 0, JXA_V_BOOL, JXA_V_STRING };

/* One leaf value as the JMX walk produces it. */
struct jxa_leaf {
    const char *domain;
    const struct jxa_prop *props;   /* bean props, then tabular index props */
    size_t nprops;
    const char *const *attr_keys;   /* enclosing composite/tabular attrs */
    size_t nattr_keys;
    const char *attr;               /* leaf attribute name, as in the bean */
    const char *description;        /* may be NULL */
    enum jxa_vkind kind;
    double num;                     /* NUMBER: doubleValue(); BOOL: 1 or 0 */
    const char *text;               /* String.valueOf(value) as Java prints
                                       it: the match-string value.  Standard
                                       UTF-8 (not JNI's modified UTF-8):
                                       invalid text matches no pattern */
    const struct jxa_prop *attr_labels; /* metricCustomizers
                                       attributesAsLabels of the bean:
                                       attribute name -> toString() of its
                                       value; labels of every sample, not
                                       part of the match string */
    size_t nattr_labels;
    size_t first_rule;              /* rules before it are known to miss
                                       (jxa_engine_needs_value); 0: try all */
    const struct jxa_slot *slot;    /* jxa_engine_slot of this leaf (a
                                       bean's own attribute), or NULL */
};

struct jxa_engine;
struct jxa_slot;

/* The engine keeps a pointer to cfg; cfg must outlive it. */
struct jxa_engine *jxa_engine_new(const struct jxa_config *cfg);
void jxa_engine_free(struct jxa_engine *e);

/* Brackets one scrape: begin marks cache entries unseen, end evicts the
 * ones not touched and returns jmx_scrape_cached_beans for this scrape. */
void jxa_engine_begin(struct jxa_engine *e);
size_t jxa_engine_end(struct jxa_engine *e);

/* Applies the rules to one leaf and adds the sample, if any, to out.
 * Label names are made valid for client_java 1.3 instead of failing the
 * scrape as 1.0.1 does: ':' becomes '_', names starting with "__" are
 * dropped, and of two labels with the same name the first is kept.
 * Returns 0 (sample added or leaf dropped by the rules), or -1 on a scrape
 * error (a substitution that Java would throw on, e.g. "$9" with two
 * groups or a bare "$" in help); err then holds one line.  As in
 * jmx_exporter, the caller abandons the rest of the scrape on -1 and keeps
 * what was recorded. */
int jxa_engine_record(struct jxa_engine *e, const struct jxa_leaf *leaf,
                      struct jxa_mset *out, char *err, size_t errlen);

/* What an attribute's declared type guarantees about its value, before it
 * is fetched (jmx.c derives it from MBeanAttributeInfo.getType() of a
 * Standard MBean or MXBean, whose introspected types the values have).
 * JXA_VC_ANY: nothing (CompositeData, Object, a DynamicMBean's word). */
enum jxa_vclass { JXA_VC_ANY = 0, JXA_VC_NUMBER, JXA_VC_BOOL, JXA_VC_STRING };

/* Whether a top-level attribute must be fetched: false only when, for
 * every value of class vc, jxa_engine_record would add no sample, raise no
 * scrape error and touch no cache entry beyond cached misses (leaf->text,
 * kind and num are not read; leaf->attr_keys must be empty).  Exact for
 * cached rules (they see "<cache>", not the value) and for booleans (two
 * values); for numbers a rule is ruled out only when PCRE2 proves that no
 * match can start in the name part or inside a number's text; for strings
 * a rule without `value:` whose templates cannot fail yields nothing
 * (docs/bench.md, "Fetching only what can produce a sample").  On false,
 * *cached_misses is the number of cached rules the leaf would have missed:
 * pass it to jxa_engine_skipped at every walk so jmx_scrape_cached_beans
 * stays what it would have been.  On true, *first_rule is where
 * jxa_engine_record can start for every value of class vc: the rules
 * before it are uncached and miss them all (leaf->first_rule). */
bool jxa_engine_needs_value(struct jxa_engine *e, const struct jxa_leaf *leaf,
                            enum jxa_vclass vc, size_t *cached_misses, size_t *first_rule);

/* What the engine keeps about one top-level attribute of a bean between
 * walks (its match string up to the value does not change): the rules
 * that can match it when its value prints in number characters (digits,
 * ".-+EeNaIinfty": every Number of the JDK, booleans not).  Left out are
 * uncached rules that PCRE2 proves cannot match there (hard partial match,
 * as in jxa_engine_needs_value) and rules with a literal text that every
 * match needs and no such match string can contain (jxa_pattern_literals).
 * jxa_engine_record then tries only these for such a value, and all rules
 * for any other.  Owned by the caller (jxa_slot_free); it describes the
 * engine's config, so it is made again for a new one.  NULL: nothing kept
 * (it would leave out no rule, e.g. all rules cached; no memory;
 * leaf->attr_keys not empty). */
struct jxa_slot *jxa_engine_slot(struct jxa_engine *e, const struct jxa_leaf *leaf);
void jxa_slot_free(struct jxa_slot *s);
/* How many rules the slot keeps (for tests). */
size_t jxa_slot_rules(const struct jxa_slot *s);

/* Counts, for this scrape, the cached misses of leaves not fetched. */
void jxa_engine_skipped(struct jxa_engine *e, size_t cached_misses);

/* How many times PCRE2 gave up matching rule `rule` (index in cfg->rules)
 * since the engine was made: its match limit (1,000,000 steps plus 16 per
 * byte of match string), its heap limit (4 MiB, the interpreter) or the
 * JIT stack (1 MiB) was exceeded.  Each such leaf is taken as a miss of
 * that rule, never cached, and the first one per rule is logged as a WARN
 * line.  0 for an unknown index. */
unsigned long jxa_engine_match_errors(const struct jxa_engine *e, size_t rule);

/* Helpers, exposed for tests: */
/* toSafeName: runs of [^a-zA-Z0-9:_] and '_' become one '_'; a leading
 * digit gets '_' prepended. */
void jxa_safe_name(const char *s, struct jxa_buf *out);
/* toSnakeAndLowerCase (ASCII case rules; non-ASCII copied). */
void jxa_snake_case(const char *s, struct jxa_buf *out);
/* client_java 1.x sanitizeMetricName suffix stripping, in place. */
void jxa_strip_reserved_suffixes(char *name);
/* The runs of literal text that every match of the Java pattern contains
 * (top-level characters, escaped ones included, that no quantifier makes
 * optional), appended to out NUL-terminated one after another; returns
 * how many.  0 when none, or when nothing can be said for certain: a
 * top-level '|', inline flags ((?i) changes what a letter matches), \Q. */
size_t jxa_pattern_literals(const char *java, struct jxa_buf *out);

#endif
