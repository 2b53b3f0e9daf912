/* objname.h - javax.management.ObjectName in C: key property lists as
 * jmx_exporter parses them, canonical names, and ObjectName patterns
 * (include/exclude lists) with the meaning ObjectName.apply() gives them.
 * Pure C, no JVM. */
#ifndef JXA_OBJNAME_H
#define JXA_OBJNAME_H

#include <stdbool.h>
#include <stddef.h>

/* One key property, in registration order.  Values are raw: quoted values
 * keep their quotes and backslashes (jmx_exporter never unquotes). */
struct jxa_prop {
    char *key;
    char *value;
};

/* Splits ObjectName.getKeyPropertyListString() ("type=A,name=\"x,y\"") into
 * ordered pairs the way jmx_exporter's JmxMBeanPropertyCache does (regex
 * ([^,=:\*\?]+)=("(?:[^\\"]*(?:\\.)?)*"|[^,=:"]*)).  *out is malloc'ed
 * (free with jxa_props_free).  Returns 0, or -1 on allocation failure. */
int jxa_props_parse(const char *kpls, struct jxa_prop **out, size_t *n);
void jxa_props_free(struct jxa_prop *p, size_t n);

/* A full ObjectName string "domain:k=v,..." parsed and checked with the
 * rules of the ObjectName(String) constructor.  Returns 0, or -1 with a
 * message in err ("key properties cannot be empty", ...). */
struct jxa_objname {
    char *domain;
    struct jxa_prop *props;      /* as written */
    size_t nprops;
    bool domain_pattern;         /* domain has * or ? */
    bool props_pattern;          /* ends with ",*" or is "*" */
    bool value_pattern;          /* some value has * or ? (unquoted) */
};
int jxa_objname_parse(const char *s, struct jxa_objname *out, char *err,
                      size_t errlen);
void jxa_objname_free(struct jxa_objname *o);
bool jxa_objname_is_pattern(const struct jxa_objname *o);

/* ObjectName.getCanonicalName(): domain + ":" + props sorted by key
 * (String.compareTo order), joined with ','.  Malloc'ed. */
char *jxa_objname_canonical(const struct jxa_objname *o);

/* Does the concrete name (domain + props) match pattern p, as
 * p.apply(name) would?  p need not be a pattern (then: equality). */
bool jxa_objname_match(const struct jxa_objname *p, const char *domain,
                       const struct jxa_prop *props, size_t nprops);

#endif
