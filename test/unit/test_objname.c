/* test_objname.c - key property lists and ObjectName patterns.  Expected
 * results of the ObjectName cases were printed by JDK 17's
 * javax.management.ObjectName. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "objname.h"

static void check_props(const char *kpls, const char *const *want, size_t n)
{
    struct jxa_prop *p;
    size_t np;
    if (jxa_props_parse(kpls, &p, &np) != 0) {
        FAILF("parse failed: %s", kpls);
        return;
    }
    if (np != n)
        FAILF("%s: %zu props, expected %zu", kpls, np, n);
    for (size_t i = 0; i < np && i < n; i++) {
        CHECK_STR(p[i].key, want[2 * i]);
        CHECK_STR(p[i].value, want[2 * i + 1]);
    }
    jxa_props_free(p, np);
}

static void test_props_registration_order(void)
{
    const char *a[] = {"service", "DataNode", "name", "DataNodeActivity-x"};
    check_props("service=DataNode,name=DataNodeActivity-x", a, 2);
    const char *b[] = {"name", "G1 Young Generation", "type", "GarbageCollector"};
    check_props("name=G1 Young Generation,type=GarbageCollector", b, 2);
}

static void test_props_quoted_kept_raw(void)
{
    /* Quotes and escapes stay (jmx_exporter never unquotes). */
    const char *a[] = {"context", "my-camel-context", "type", "routes", "name",
                       "\"my-route-name\""};
    check_props("context=my-camel-context,type=routes,name=\"my-route-name\"",
                a, 3);
    const char *b[] = {"name", "\"seda://x\\?a=8,b\"", "type", "e"};
    check_props("name=\"seda://x\\?a=8,b\",type=e", b, 2);
    const char *c[] = {"k", "\"a\\\"b\""};
    check_props("k=\"a\\\"b\"", c, 1);
}

static void test_props_empty_value_and_oddities(void)
{
    const char *a[] = {"name", "", "type", "x"};
    check_props("name=,type=x", a, 2);
    /* Matcher.find() skips what does not match: an unterminated quote
     * falls back to the unquoted alternative, which matches "". */
    const char *b[] = {"a", "", "b", "2"};
    check_props("a=\"x,b=2", b, 2);
    check_props("", NULL, 0);
    check_props("novalue", NULL, 0);
}

struct on_case {
    const char *in;
    const char *canon;          /* NULL: error */
    const char *err;
    int dp, lp, vp;
};

static const struct on_case on_cases[] = {
    {"", "*:*", NULL, 1, 1, 0},
    {"d:a=1", "d:a=1", NULL, 0, 0, 0},
    {"d", NULL, "Key properties cannot be empty", 0, 0, 0},
    {"d:", NULL, "Key properties cannot be empty", 0, 0, 0},
    {"d:a=", "d:a=", NULL, 0, 0, 0},
    {"d:=1", NULL, "Invalid key (empty)", 0, 0, 0},
    {"d:a", NULL, "Unterminated key property part", 0, 0, 0},
    {"d:a=1,", NULL, "Invalid ending comma", 0, 0, 0},
    {"d:a=1,,b=2", NULL, "Invalid character ',' in key part of property", 0, 0, 0},
    {"d:*", "d:*", NULL, 0, 1, 0},
    {"d:a=1,*", "d:a=1,*", NULL, 0, 1, 0},
    {"d:*,a=1", "d:a=1,*", NULL, 0, 1, 0},
    {"d:a=1,*,*", NULL, "Cannot have several '*' characters in pattern property list", 0, 0, 0},
    {"d:a=x*", "d:a=x*", NULL, 0, 0, 1},
    {"d:a=\"x*\"", "d:a=\"x*\"", NULL, 0, 0, 1},
    {"d:a=\"x\\*\"", "d:a=\"x\\*\"", NULL, 0, 0, 0},
    {"d:a=\"x", NULL, "Unterminated quoted value", 0, 0, 0},
    {"d:a=\"x\"y", NULL, "Invalid ending character `y'", 0, 0, 0},
    {"d:a=\"x\\q\"", NULL, "Invalid escape sequence '\\q' in quoted value", 0, 0, 0},
    {"d:a=1,a=2", NULL, "key `a' already defined", 0, 0, 0},
    {"d:a*=1", NULL, "Invalid character '*' in key part of property", 0, 0, 0},
    {"d*:a=1", "d*:a=1", NULL, 1, 0, 0},
    {"d?x:a=1", "d?x:a=1", NULL, 1, 0, 0},
    {"d:a=b=c", NULL, "Invalid character '=' in value part of property", 0, 0, 0},
    {"d:a=b:c", NULL, "Invalid character ':' in value part of property", 0, 0, 0},
    {"d:a=b\"c", NULL, "Invalid character '\"' in value part of property", 0, 0, 0},
    {"d:a=1,b", NULL, "Unterminated key property part", 0, 0, 0},
    {":a=1", ":a=1", NULL, 0, 0, 0},
    {"*:*", "*:*", NULL, 1, 1, 0},
    {"d:b=2,a=1", "d:a=1,b=2", NULL, 0, 0, 0},
    {"d:a=1 ,b=2", "d:a=1 ,b=2", NULL, 0, 0, 0},
    {"a:b:c=1", NULL, "Invalid character ':' in key part of property", 0, 0, 0},
    {"d:a=\"\"", "d:a=\"\"", NULL, 0, 0, 0},
    {"d:*x", NULL, "Invalid character found after '*': end of name or ',' expected", 0, 0, 0},
    {"d\n:a=1", NULL, "Invalid character '\\n' in domain name", 0, 0, 0},
    {"d:a=\"b,c\"", "d:a=\"b,c\"", NULL, 0, 0, 0},
    {"d:a=\"b\nc\"", NULL, "Newline in quoted value", 0, 0, 0},
};

static void test_objectname_parse_like_jdk(void)
{
    for (size_t i = 0; i < sizeof on_cases / sizeof *on_cases; i++) {
        const struct on_case *c = &on_cases[i];
        struct jxa_objname o;
        char err[200] = "";
        int rc = jxa_objname_parse(c->in, &o, err, sizeof err);
        if (c->canon) {
            if (rc != 0) {
                FAILF("'%s' rejected: %s", c->in, err);
                continue;
            }
            char *canon = jxa_objname_canonical(&o);
            CHECK_STR(canon, c->canon);
            free(canon);
            if (o.domain_pattern != c->dp || o.props_pattern != c->lp ||
                o.value_pattern != c->vp)
                FAILF("'%s' pattern flags %d/%d/%d, expected %d/%d/%d", c->in,
                      o.domain_pattern, o.props_pattern, o.value_pattern,
                      c->dp, c->lp, c->vp);
            CHECK(jxa_objname_is_pattern(&o) == (c->dp || c->lp || c->vp));
            jxa_objname_free(&o);
        } else {
            if (rc != -1)
                FAILF("'%s' accepted, JDK says: %s", c->in, c->err);
            else
                CHECK_STR(err, c->err);
        }
    }
}

/* p.apply(name), results from JDK 17. */
static const struct { const char *p, *name; bool want; } apply_cases[] = {
    {"d:a=1,*", "d:a=1,b=2", true},
    {"d:a=1", "d:b=2", false},
    {"d:a=x*", "d:a=xyz", true},
    {"d:a=x*", "d:a=xyz,b=1", false},
    {"d:a=x*,*", "d:a=xyz,b=1", true},
    {"d*:*", "dom:x=1", true},
    {"d?m:x=1", "dom:x=1", true},
    {"d:b=2,a=1", "d:a=1,b=2", true},
    {"*:type=A,*", "x:type=A,n=1", true},
    {"d:a=\"x*\"", "d:a=\"xy\"", true},
    {"d:a=?", "d:a=\"\"", false},
    {"*:*", "d:a=1", true},
    {"java.lang:*", "java.lang:type=Memory", true},
    {"java.lang:*", "java.nio:type=BufferPool,name=direct", false},
    {"java.lang:type=Memory", "java.lang:type=Memory", true},
    {"java.lang:type=Memory", "java.lang:type=Memory,x=1", false},
    {"java.lang:type=GarbageCollector,name=G1*", "java.lang:name=G1 Young Generation,type=GarbageCollector", true},
    {"d:a=\"x\\*\",b=*", "d:a=\"xy\",b=1", false},
    {"d:a=\"x\\*\",b=*", "d:a=\"x\\*\",b=1", true},
};

static void test_objectname_apply(void)
{
    for (size_t i = 0; i < sizeof apply_cases / sizeof *apply_cases; i++) {
        struct jxa_objname p, n;
        char err[200];
        if (jxa_objname_parse(apply_cases[i].p, &p, err, sizeof err) != 0 ||
            jxa_objname_parse(apply_cases[i].name, &n, err, sizeof err) != 0) {
            FAILF("parse: %s", err);
            continue;
        }
        bool got = jxa_objname_match(&p, n.domain, n.props, n.nprops);
        if (got != apply_cases[i].want)
            FAILF("%s apply %s = %d, expected %d", apply_cases[i].p,
                  apply_cases[i].name, got, apply_cases[i].want);
        jxa_objname_free(&p);
        jxa_objname_free(&n);
    }
}

static void test_canonical_sorts_keys(void)
{
    struct jxa_objname o;
    char err[100];
    CHECK_INT(jxa_objname_parse("java.lang:type=GarbageCollector,name=G1 Old",
                                &o, err, sizeof err), 0);
    char *c = jxa_objname_canonical(&o);
    CHECK_STR(c, "java.lang:name=G1 Old,type=GarbageCollector");
    /* Registration order is kept in props. */
    CHECK_STR(o.props[0].key, "type");
    free(c);
    jxa_objname_free(&o);
}

SUITE(objname)
{
    RUN(test_props_registration_order);
    RUN(test_props_quoted_kept_raw);
    RUN(test_props_empty_value_and_oddities);
    RUN(test_objectname_parse_like_jdk);
    RUN(test_objectname_apply);
    RUN(test_canonical_sorts_keys);
}
