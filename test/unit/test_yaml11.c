/* test_yaml11.c - the SnakeYAML compatibility layer (yaml11.c) on its own,
 * without the config loader: scalar resolution, Java's text of a value,
 * the tree check (alias budget, depth, NUL, tags, one document), merge
 * keys and duplicate keys. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "yaml11.h"

static char err[1024];

static int load(struct jxa_y11 *y, const char *text, size_t len)
{
    memset(y, 0, sizeof *y);
    y->file = "(t)";
    y->err = err;
    y->errlen = sizeof err;
    return jxa_y11_load(y, text, len);
}

/* The value node of "v: <text>", resolved; the document stays in y. */
static yaml_node_t *value_of(struct jxa_y11 *y, const char *text,
                             struct jxa_y11_val *v)
{
    char doc[512];
    snprintf(doc, sizeof doc, "v: %s\n", text);
    memset(v, 0, sizeof *v);
    if (load(y, doc, strlen(doc)) != 0 || y->root == NULL ||
        y->root->type != YAML_MAPPING_NODE) {
        FAILF("\"%s\" does not load: %s", doc, err);
        return NULL;
    }
    yaml_node_t *n = jxa_y11_node(y, y->root->data.mapping.pairs.start->value);
    jxa_y11_resolve(n, v);
    return n;
}

static void want_kind(const char *text, enum jxa_y11_kind k)
{
    struct jxa_y11 y;
    struct jxa_y11_val v;
    if (value_of(&y, text, &v) != NULL && v.k != k)
        FAILF("%s: kind %d, expected %d", text, (int)v.k, (int)k);
    jxa_y11_free(&y);
}

static void want_bool(const char *text, bool b)
{
    struct jxa_y11 y;
    struct jxa_y11_val v;
    if (value_of(&y, text, &v) != NULL && (v.k != JXA_Y11_BOOL || v.b != b))
        FAILF("%s: kind %d b %d, expected the boolean %d", text, (int)v.k,
              (int)v.b, (int)b);
    jxa_y11_free(&y);
}

static void want_int(const char *text, int64_t i)
{
    struct jxa_y11 y;
    struct jxa_y11_val v;
    if (value_of(&y, text, &v) != NULL &&
        (v.k != JXA_Y11_INT || v.ibig || v.i != i))
        FAILF("%s: kind %d big %d i %lld, expected the integer %lld", text,
              (int)v.k, (int)v.ibig, (long long)v.i, (long long)i);
    jxa_y11_free(&y);
}

static void want_big(const char *text)
{
    struct jxa_y11 y;
    struct jxa_y11_val v;
    if (value_of(&y, text, &v) != NULL && (v.k != JXA_Y11_INT || !v.ibig))
        FAILF("%s: kind %d big %d, expected a BigInteger", text, (int)v.k,
              (int)v.ibig);
    jxa_y11_free(&y);
}

static void want_float(const char *text, double d)
{
    struct jxa_y11 y;
    struct jxa_y11_val v;
    if (value_of(&y, text, &v) != NULL &&
        (v.k != JXA_Y11_FLOAT || !(v.d == d || (isnan(d) && isnan(v.d)))))
        FAILF("%s: kind %d d %.17g, expected the float %.17g", text, (int)v.k,
              v.d, d);
    jxa_y11_free(&y);
}

/* Java's String.valueOf of what SnakeYAML constructs for text. */
static void want_java(const char *text, const char *java)
{
    struct jxa_y11 y;
    struct jxa_y11_val v;
    yaml_node_t *n = value_of(&y, text, &v);
    if (n != NULL) {
        char *t = jxa_y11_java_text(n);
        if (t == NULL || strcmp(t, java) != 0)
            FAILF("%s: java text \"%s\", expected \"%s\"", text,
                  t ? t : "(null)", java);
        free(t);
    }
    jxa_y11_free(&y);
}

static void want_describe(const char *text, const char *want)
{
    struct jxa_y11 y;
    struct jxa_y11_val v;
    yaml_node_t *n = value_of(&y, text, &v);
    char d[96];
    if (n != NULL)
        CHECK_STR(jxa_y11_describe(n, d, sizeof d), want);
    jxa_y11_free(&y);
}

/* A load that fails with exactly want. */
static void want_error(const char *text, size_t len, const char *want)
{
    struct jxa_y11 y;
    err[0] = '\0';
    CHECK_INT(load(&y, text, len), -1);
    CHECK_STR(err, want);
    jxa_y11_free(&y);
}

static void test_null_and_bool(void)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        want_kind(nulls[i], JXA_Y11_NULL);
    /* YAML 1.1 booleans, in the three spellings each. */
    static const char *const yes[] = {"yes", "Yes", "YES", "true", "True",
                                      "TRUE", "on", "On", "ON"};
    static const char *const no[] = {"no", "No", "NO", "false", "False",
                                     "FALSE", "off", "Off", "OFF"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        want_bool(yes[i], true);
        want_bool(no[i], false);
    }
    /* Other spellings are strings: SnakeYAML's patterns are exact, and y/n
     * are not YAML 1.1 booleans in SnakeYAML. */
    static const char *const strs[] = {"nULL", "nul", "yES", "tRUE", "y", "n",
                                       "Y", "oN", "truee"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        want_kind(strs[i], JXA_Y11_STR);
    /* Only plain scalars resolve: quoted and block scalars are strings. */
    want_kind("'null'", JXA_Y11_STR);
    want_kind("\"yes\"", JXA_Y11_STR);
    want_kind("'5'", JXA_Y11_STR);
    want_kind("|\n  5", JXA_Y11_STR);
    want_kind("{a: 1}", JXA_Y11_MAP);
    want_kind("[1]", JXA_Y11_SEQ);
    /* An absent node (NULL) is null too, with empty text. */
    struct jxa_y11_val v;
    jxa_y11_resolve(NULL, &v);
    CHECK_INT(v.k, JXA_Y11_NULL);
    CHECK_STR(v.s, "");
}

static void test_ints(void)
{
    want_int("0", 0);
    want_int("-0", 0);
    want_int("+12", 12);
    want_int("-31", -31);
    want_int("1_000", 1000);
    want_int("0b1010", 10);
    want_int("-0b_1_0", -2);
    want_int("0x1F", 31);
    want_int("0x_1f", 31);
    want_int("010", 8);                 /* a leading 0 is octal */
    want_int("0_7", 7);
    want_int("190:20:30", 190 * 3600 + 20 * 60 + 30);   /* base 60 */
    want_int("-1:30", -90);
    want_int("1:5", 65);                /* [0-5]?[0-9]: one digit is fine */
    want_int("9223372036854775807", INT64_MAX);
    want_int("-9223372036854775808", INT64_MIN);
    want_big("9223372036854775808");    /* beyond a long: BigInteger */
    want_big("-9223372036854775809");
    want_big("0x10000000000000000");
    /* YAML 1.1 has no 0o prefix (that is YAML 1.2): a string. */
    want_kind("0o10", JXA_Y11_STR);
    /* Not YAML 1.1 ints. */
    want_kind("0x", JXA_Y11_STR);
    want_kind("0b2", JXA_Y11_STR);
    want_kind("1:60", JXA_Y11_STR);     /* a base-60 digit is at most 59 */
    want_kind("0:30", JXA_Y11_STR);     /* base 60 starts with 1-9 */
    want_kind("1__", JXA_Y11_INT);      /* '_' may trail: [1-9][0-9_]* */
    want_kind("12a", JXA_Y11_STR);
    /* Octal digits only: "09" is no int, and SnakeYAML's float pattern
     * takes it, so it is the number 9.0. */
    want_float("09", 9.0);
}

static void test_floats(void)
{
    want_float("1.5", 1.5);
    want_float("-1.5", -1.5);
    want_float(".5", 0.5);
    want_float("1.", 1.0);
    want_float("1e3", 1000.0);
    want_float("1.5E-3", 0.0015);
    want_float("1_000.5", 1000.5);
    want_float("190:20:30.15", 685230.15);  /* base 60 with a fraction */
    want_float(".inf", INFINITY);
    want_float("-.Inf", -INFINITY);
    want_float("+.INF", INFINITY);
    want_float(".nan", NAN);
    want_float(".NaN", NAN);
    want_kind("-.nan", JXA_Y11_STR);        /* NaN has no sign */
    want_kind(".Nan", JXA_Y11_STR);
    want_kind(".", JXA_Y11_STR);
    want_kind("1e", JXA_Y11_STR);
    want_kind("1.0e+", JXA_Y11_STR);
    want_kind("_", JXA_Y11_STR);            /* matches the pattern, no number */
    want_kind("1.2.3", JXA_Y11_STR);
    want_kind("Infinity", JXA_Y11_STR);     /* Java's spelling is not YAML's */
}

/* String.valueOf() of the constructed value: what jmx_exporter gets for
 * value:, valueFactor: and pattern:. */
static void test_java_text(void)
{
    want_java("~", "null");
    want_java("", "null");
    want_java("yes", "true");
    want_java("OFF", "false");
    want_java("0x1F", "31");
    want_java("010", "8");
    want_java("1_000", "1000");
    want_java("1:30", "90");
    want_java("9223372036854775808", "9223372036854775808");
    want_java("1_000_000_000_000_000_000_000", "1000000000000000000000");
    want_java("1e3", "1000.0");
    want_java("1.5", "1.5");
    want_java("0.001", "0.001");
    want_java("1e-3", "0.001");
    want_java("1e7", "1.0E7");
    want_java(".inf", "Infinity");
    want_java("-.inf", "-Infinity");
    want_java(".nan", "NaN");
    want_java("'0x1F'", "0x1F");
    want_java("abc", "abc");
    struct jxa_y11 y;
    struct jxa_y11_val v;
    yaml_node_t *n = value_of(&y, "{a: 1}", &v);
    if (n != NULL)
        CHECK(jxa_y11_java_text(n) == NULL);
    jxa_y11_free(&y);
}

static void test_describe(void)
{
    want_describe("~", "null");
    want_describe("{a: 1}", "a map");
    want_describe("[1]", "a list");
    want_describe("Yes", "the boolean Yes");
    want_describe("0x1F", "the integer 0x1F");
    want_describe("1.5", "the number 1.5");
    want_describe("'true'", "the string \"true\"");
    want_describe("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
                  "the string \"abcdefghijklmnopqrstuvwxyzabcdefghijklmn...\"");
    /* One line, whatever the scalar holds. */
    want_describe("\"a\\nb\\tc\"", "the string \"a b c\"");
}

/* Text of n items: "[x,x,...,x]". */
static char *flow_list(size_t n, const char *item)
{
    size_t il = strlen(item);
    char *s = malloc(n * (il + 1) + 3);
    if (s == NULL)
        return NULL;
    char *w = s;
    *w++ = '[';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            *w++ = ',';
        memcpy(w, item, il);
        w += il;
    }
    *w++ = ']';
    *w = '\0';
    return s;
}

/* The budget counts node visits: every node once per path to it, so an
 * alias costs as much as the nodes it stands for. */
static void test_alias_budget(void)
{
    struct jxa_y11 y;
    /* A list of N scalars is 1 + N visits. */
    char *s = flow_list(JXA_Y11_MAX_NODES - 1, "x");
    if (s != NULL) {
        CHECK_INT(load(&y, s, strlen(s)), 0);
        CHECK_INT(y.visits, JXA_Y11_MAX_NODES);
        jxa_y11_free(&y);
    }
    free(s);
    s = flow_list(JXA_Y11_MAX_NODES, "x");
    if (s != NULL)
        want_error(s, strlen(s), "(t):1: (top level): YAML expands to more "
                   "than 100000 nodes (alias bomb?); remove the "
                   "anchors/aliases or split the config");
    free(s);

    /* An anchored list of 999 scalars is 1000 visits at every alias:
     * 1 (root) + 1 + 1000 (a) + 1 + 1 (b, its list) + 1000 per alias. */
    char list[4 * 1000], aliases[4 * 100], doc[sizeof list + sizeof aliases + 64];
    char *a = flow_list(999, "x"), *b98 = flow_list(98, "*a"),
         *b99 = flow_list(99, "*a");
    if (a != NULL && b98 != NULL && b99 != NULL) {
        snprintf(list, sizeof list, "%s", a);
        snprintf(aliases, sizeof aliases, "%s", b98);
        snprintf(doc, sizeof doc, "a: &a %s\nb: %s\n", list, aliases);
        CHECK_INT(load(&y, doc, strlen(doc)), 0);
        CHECK_INT(y.visits, 1 + 1 + 1000 + 1 + 1 + 98 * 1000);
        jxa_y11_free(&y);
        snprintf(aliases, sizeof aliases, "%s", b99);
        snprintf(doc, sizeof doc, "a: &a %s\nb: %s\n", list, aliases);
        want_error(doc, strlen(doc), "(t):2: b: YAML expands to more than "
                   "100000 nodes (alias bomb?); remove the anchors/aliases or "
                   "split the config");
    }
    free(a);
    free(b98);
    free(b99);

    /* Billion laughs: 9^9 strings from a few hundred bytes, refused after
     * the budget, not after a billion visits. */
    static const char bomb[] =
        "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    want_error(bomb, sizeof bomb - 1, "(t):6: f: YAML expands to more than "
               "100000 nodes (alias bomb?); remove the anchors/aliases or "
               "split the config");
}

static void test_tree_check(void)
{
    /* Depth: the root is level 0, 32 nested levels below it are fine. */
    char deep[128];
    memset(deep, '[', JXA_Y11_MAX_DEPTH + 1);
    memset(deep + JXA_Y11_MAX_DEPTH + 1, ']', JXA_Y11_MAX_DEPTH + 1);
    deep[2 * (JXA_Y11_MAX_DEPTH + 1)] = '\0';
    struct jxa_y11 y;
    CHECK_INT(load(&y, deep, strlen(deep)), 0);
    jxa_y11_free(&y);
    memset(deep, '[', JXA_Y11_MAX_DEPTH + 2);
    memset(deep + JXA_Y11_MAX_DEPTH + 2, ']', JXA_Y11_MAX_DEPTH + 2);
    deep[2 * (JXA_Y11_MAX_DEPTH + 2)] = '\0';
    want_error(deep, strlen(deep), "(t):1: (top level): YAML nested deeper "
               "than 32 levels (recursive alias?); flatten the config");
    /* An alias inside its own anchor loops; the depth limit stops it. */
    static const char rec[] = "x: 1\nrules: &r\n  - *r\n";
    want_error(rec, sizeof rec - 1, "(t):2: rules: YAML nested deeper than 32 "
               "levels (recursive alias?); flatten the config");

    static const char nul[] = "a: 1\nb: \"x\\0y\"\n";
    want_error(nul, sizeof nul - 1, "(t):2: b: value contains a NUL "
               "character; remove the \\0 escape");
    static const char tag[] = "a: !!int 5\n";
    want_error(tag, sizeof tag - 1, "(t):1: a: YAML tag !!int is not "
               "supported; remove the tag");
    static const char local[] = "a: !java.net.URL x\n";
    want_error(local, sizeof local - 1, "(t):1: a: YAML tag !java.net.URL is "
               "not supported; remove the tag");
    /* The default tags, written out, change nothing. */
    static const char dflt[] = "a: !!str 5\nb: !!seq [1]\nc: !!map {}\n";
    CHECK_INT(load(&y, dflt, sizeof dflt - 1), 0);
    jxa_y11_free(&y);

    static const char two[] = "a: 1\n---\nb: 2\n";
    want_error(two, sizeof two - 1, "(t):3: (yaml): a second YAML document; "
               "keep one document (remove the '---')");
    static const char syntax[] = "a: [1, 2\n";
    want_error(syntax, sizeof syntax - 1, "(t):2: (yaml): did not find "
               "expected ',' or ']' at column 1 while parsing a flow sequence "
               "(line 1); fix the YAML syntax");
    /* Empty text, comments only: no root; a lone '---': an empty scalar.
     * Both are SnakeYAML's null. */
    static const char *const empty[] = {"", "# only a comment\n", "---\n"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        CHECK_INT(load(&y, empty[i], strlen(empty[i])), 0);
        struct jxa_y11_val v;
        jxa_y11_resolve(y.root, &v);
        CHECK_INT(v.k, JXA_Y11_NULL);
        CHECK(i == 2 || y.root == NULL);
        jxa_y11_free(&y);
    }
}

/* The keys of the map under top-level key `key` of a loaded document. */
static int pairs_of(struct jxa_y11 *y, const char *text, const char *key,
                    struct jxa_y11_pairs *ps)
{
    memset(ps, 0, sizeof *ps);
    if (load(y, text, strlen(text)) != 0) {
        FAILF("does not load: %s", err);
        return -1;
    }
    for (yaml_node_pair_t *p = y->root->data.mapping.pairs.start;
         p < y->root->data.mapping.pairs.top; p++)
        if (strcmp((const char *)jxa_y11_node(y, p->key)->data.scalar.value,
                   key) == 0)
            return jxa_y11_pairs(y, jxa_y11_node(y, p->value), key, ps);
    FAILF("no key %s", key);
    return -1;
}

/* "k=v k=v" of the collected pairs, in their order. */
static const char *pairs_text(const struct jxa_y11_pairs *ps)
{
    static char out[256];
    out[0] = '\0';
    for (size_t i = 0; i < ps->n; i++) {
        struct jxa_y11_val v;
        jxa_y11_resolve(ps->p[i].v, &v);
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s=%s",
                 i ? " " : "", ps->p[i].key, v.s ? v.s : "?");
    }
    return out;
}

static void test_merge_keys(void)
{
    struct jxa_y11 y;
    struct jxa_y11_pairs ps;
    /* Explicit keys win over merged ones and come first. */
    static const char one[] = "base: &b {a: 1, b: 2}\n"
                              "m:\n  <<: *b\n  b: 3\n  c: 4\n";
    if (pairs_of(&y, one, "m", &ps) == 0) {
        CHECK_STR(pairs_text(&ps), "b=3 c=4 a=1");
        CHECK(jxa_y11_pairs_find(&ps, "<<") == NULL);
        const struct jxa_y11_pair *p = jxa_y11_pairs_find(&ps, "b");
        CHECK(p != NULL && jxa_y11_line(p->k) == 4);
    }
    jxa_y11_pairs_free(&ps);
    jxa_y11_free(&y);
    /* A list of sources: the earlier one wins; a source may merge too. */
    static const char list[] = "z: &z {deep: 3, k: z1}\n"
                               "x: &x {k: x1, only_x: 1}\n"
                               "y: &y {k: y1, only_y: 2, <<: *z}\n"
                               "m: {<<: [*x, *y], own: 0}\n";
    if (pairs_of(&y, list, "m", &ps) == 0)
        CHECK_STR(pairs_text(&ps), "own=0 k=x1 only_x=1 only_y=2 deep=3");
    jxa_y11_pairs_free(&ps);
    jxa_y11_free(&y);
    /* A quoted "<<" is an ordinary key. */
    if (pairs_of(&y, "m: {'<<': 1, a: 2}\n", "m", &ps) == 0)
        CHECK_STR(pairs_text(&ps), "<<=1 a=2");
    jxa_y11_pairs_free(&ps);
    jxa_y11_free(&y);
    /* A merge of something that is not a map. */
    CHECK_INT(pairs_of(&y, "s: &s 5\nm:\n  <<: *s\n", "m", &ps), -1);
    CHECK_STR(err, "(t):1: m: a merge key (<<) needs a map or a list of maps; "
              "fix the alias");
    jxa_y11_pairs_free(&ps);
    jxa_y11_free(&y);
    CHECK_INT(pairs_of(&y, "m:\n  <<: [{a: 1}, 5]\n", "m", &ps), -1);
    CHECK_STR(err, "(t):2: m: a merge key (<<) needs a map or a list of maps; "
              "fix the alias");
    jxa_y11_pairs_free(&ps);
    jxa_y11_free(&y);
    /* At most JXA_Y11_MAX_MERGES merge keys in one map. */
    char many[2048] = "b: &b {a: 1}\nm:\n";
    for (int i = 0; i <= JXA_Y11_MAX_MERGES; i++)
        strcat(many, "  <<: *b\n");
    CHECK_INT(pairs_of(&y, many, "m", &ps), -1);
    CHECK_STR(err, "(t):67: m: too many merge keys; use at most 64");
    jxa_y11_pairs_free(&ps);
    jxa_y11_free(&y);
}

static void test_duplicate_keys(void)
{
    struct jxa_y11 y;
    struct jxa_y11_pairs ps;
    /* Stricter than SnakeYAML, which keeps the last silently. */
    CHECK_INT(pairs_of(&y, "m:\n  a: 1\n  b: 2\n  a: 3\n", "m", &ps), -1);
    CHECK_STR(err, "(t):4: m: duplicate key 'a' (first at line 2); keep one");
    jxa_y11_pairs_free(&ps);
    jxa_y11_free(&y);
    /* At the top level the path is "". */
    static const char top[] = "a: 1\nb: 2\na: 3\n";
    CHECK_INT(load(&y, top, sizeof top - 1), 0);
    memset(&ps, 0, sizeof ps);
    CHECK_INT(jxa_y11_pairs(&y, y.root, "", &ps), -1);
    CHECK_STR(err, "(t):3: (top level): duplicate key 'a' (first at line 1); "
              "keep one");
    jxa_y11_pairs_free(&ps);
    jxa_y11_free(&y);
    /* The same key from two merge sources, or explicit and merged, is no
     * duplicate: that is what merging is for. */
    if (pairs_of(&y, "x: &x {a: 1}\nm: {<<: [*x, *x], a: 2}\n", "m", &ps) == 0)
        CHECK_STR(pairs_text(&ps), "a=2");
    jxa_y11_pairs_free(&ps);
    jxa_y11_free(&y);
    /* Keys are text. */
    CHECK_INT(pairs_of(&y, "m:\n  [a]: 1\n", "m", &ps), -1);
    CHECK_STR(err, "(t):2: m: map keys must be plain text, got a list; write "
              "key: value");
    jxa_y11_pairs_free(&ps);
    jxa_y11_free(&y);
}

/* A map of many keys: every key found again (the index grows). */
static void test_many_keys(void)
{
    enum { N = 5000 };
    char *doc = malloc((size_t)N * 16 + 16);
    if (doc == NULL)
        return;
    char *w = doc + sprintf(doc, "m:\n");
    for (int i = 0; i < N; i++)
        w += sprintf(w, "  k%d: %d\n", i, i);
    struct jxa_y11 y;
    struct jxa_y11_pairs ps;
    if (pairs_of(&y, doc, "m", &ps) == 0) {
        CHECK_INT(ps.n, N);
        int found = 0;
        char k[16];
        for (int i = 0; i < N; i++) {
            snprintf(k, sizeof k, "k%d", i);
            const struct jxa_y11_pair *p = jxa_y11_pairs_find(&ps, k);
            found += p != NULL && strcmp(p->key, k) == 0;
        }
        CHECK_INT(found, N);
        CHECK(jxa_y11_pairs_find(&ps, "k-1") == NULL);
    }
    jxa_y11_pairs_free(&ps);
    jxa_y11_free(&y);
    free(doc);
}

/* The error line: truncated to the buffer, one line, none wanted. */
static void test_fail(void)
{
    char small[16];
    struct jxa_y11 y = {.file = "f.yaml", .err = small, .errlen = sizeof small};
    CHECK_INT(jxa_y11_fail(&y, 3, "key", "what\nis wrong; %s", "fix"), -1);
    CHECK_STR(small, "f.yaml:3: key: ");
    y.err = err;
    y.errlen = sizeof err;
    CHECK_INT(jxa_y11_fail(&y, 3, "key", "what\nis\twrong; %s", "fix"), -1);
    CHECK_STR(err, "f.yaml:3: key: what is wrong; fix");
    y.err = NULL;
    CHECK_INT(jxa_y11_fail(&y, 1, "k", "x"), -1);
}

SUITE(yaml11)
{
    RUN(test_null_and_bool);
    RUN(test_ints);
    RUN(test_floats);
    RUN(test_java_text);
    RUN(test_describe);
    RUN(test_alias_budget);
    RUN(test_tree_check);
    RUN(test_merge_keys);
    RUN(test_duplicate_keys);
    RUN(test_many_keys);
    RUN(test_fail);
}
