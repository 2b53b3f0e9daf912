/* test_config.c - the YAML config loader (config.c) on fixtures under
 * fixtures/config/ (run from test/unit). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalogue.h"
#include "check.h"
#include "config.h"


#define FIX "fixtures/config/"

static char err[1024];

static struct jxa_config *load_ok(const char *path)
{
    struct jxa_config *c = NULL;
    if (jxa_config_load(path, &c, err, sizeof err) != 0) {
        FAILF("loading %s: %s", path, err);
        return NULL;
    }
    if (c == NULL)
        FAILF("loading %s: no config", path);
    return c;
}

static struct jxa_config *str_ok(const char *yaml)
{
    struct jxa_config *c = NULL;
    if (jxa_config_load_string(yaml, strlen(yaml), "(t)", &c, err,
                               sizeof err) != 0) {
        FAILF("loading \"%s\": %s", yaml, err);
        return NULL;
    }
    return c;
}

static void str_err(const char *yaml, const char *want)
{
    struct jxa_config *c = (struct jxa_config *)1;
    CHECK_INT(jxa_config_load_string(yaml, strlen(yaml), "(t)", &c, err,
                                     sizeof err), -1);
    CHECK(c == NULL);
    CHECK_STR(err, want);
}

/* Does rule r's compiled regex match s (whole-string, as Java's
 * matches() on "^.*(?:P).*$")? */
static int rule_matches(const struct jxa_rule *r, const char *s)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->re, NULL);
    int rc = pcre2_match(r->re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc > 0;
}

static const struct jxa_label_tmpl *label(const struct jxa_rule *r, size_t i)
{
    return i < r->nlabels ? &r->labels[i] : NULL;
}

/* ---- the Spark configs the project started from (fixtures/config/spark-*.yaml,
 *      also test/it/configs/12_* and 13_*) ---------------------------------- */

static void test_spark_driver(void)
{
    struct jxa_config *c = load_ok(FIX "spark-driver.yaml");
    if (c == NULL)
        return;
    CHECK(c->lowercase_output_name);
    CHECK(c->lowercase_output_label_names);
    /* whitelistObjectNames is the 0.x alias of includeObjectNames. */
    CHECK(!c->include_all);
    CHECK_INT(c->ninclude, 11);
    CHECK_STR(c->include[0].domain, "java.lang");
    CHECK_STR(c->include[1].domain, "java.lang");
    CHECK(c->include[1].value_pattern);        /* name=* */
    CHECK_STR(c->include[10].domain, "metrics");
    CHECK(c->include[10].value_pattern);       /* name=stage.* */
    CHECK_INT(c->nexclude, 0);
    CHECK_INT(c->nrules, 4);
    const struct jxa_rule *r = &c->rules[0];
    CHECK_STR(r->pattern, "java.lang<type=Memory>HeapMemoryUsage(.+)");
    CHECK_STR(r->name, "jvm_heap_memory_$1");
    CHECK_INT(r->type, JXA_GAUGE);
    CHECK_STR(r->help, "JVM Heap Memory");
    CHECK_INT(r->ncaptures, 1);
    CHECK(r->re != NULL);
    r = &c->rules[1];
    CHECK_STR(r->name, "jvm_gc_${0}_${1}");
    CHECK_INT(r->nlabels, 1);
    CHECK_STR(label(r, 0) ? label(r, 0)->name : NULL, "gc_name");
    CHECK_STR(label(r, 0) ? label(r, 0)->value : NULL, "$1");
    CHECK_INT(r->ncaptures, 1);
    /* The top-level '|' splits the spliced pattern: either side matches.
     * As in the Java agent, neither side matches a real GC match string
     * ("...><>CollectionCount: 5"): the lab's rule exports nothing. */
    CHECK(rule_matches(r, "java.lang<type=GarbageCollector, name=G1><"
                          "CollectionCount"));
    CHECK(rule_matches(r, "anything CollectionTime>"));
    CHECK(!rule_matches(r, "java.lang<type=GarbageCollector, name=G1 Young "
                           "Generation><>CollectionCount: 5"));
    CHECK(!rule_matches(r, "java.lang<type=Memory><>Verbose: false"));
    CHECK(!rule_matches(&c->rules[0], "java.lang<type=Memory><HeapMemoryUsage>"
                                      "used: 5"));
    CHECK(rule_matches(&c->rules[0], "java.lang<type=Memory>HeapMemoryUsage"
                                     "x"));
    r = &c->rules[3];
    CHECK_STR(r->pattern, "metrics<name=(.+?)><(.+?)>");
    CHECK_INT(r->ncaptures, 2);
    CHECK_DBL(r->value_factor, 1.0);
    CHECK(!r->cache && !r->attr_name_snake_case);
    CHECK(!c->any_cache);
    CHECK(c->auto_exclude_attributes);
    CHECK_INT(c->http.auth, JXA_AUTH_NONE);
    jxa_config_free(c);
}

static void test_spark_executor(void)
{
    struct jxa_config *c = load_ok(FIX "spark-executor.yaml");
    if (c == NULL)
        return;
    CHECK_INT(c->ninclude, 5);
    CHECK_INT(c->nrules, 3);
    CHECK_STR(c->rules[2].name, "spark_$1_$2");
    CHECK(c->rules[2].help == NULL);
    /* "<(.+?)>" needs a non-empty attribute-key list; Spark's Dropwizard
     * gauges have none ("><>Value"), so this rule, in the Java agent too,
     * only matches beans with composite attributes. */
    CHECK(!rule_matches(&c->rules[2], "metrics<name=executor.threadpool."
                                      "activeTasks><>Value: 0"));
    CHECK(rule_matches(&c->rules[2], "metrics<name=executor.x><Usage>used: "
                                     "0"));
    CHECK(c->path != NULL && strcmp(c->path, FIX "spark-executor.yaml") == 0);
    jxa_config_free(c);
}

/* ---- every key ---------------------------------------------------- */

static void test_full(void)
{
    struct jxa_config *c = load_ok(FIX "full.yaml");
    if (c == NULL)
        return;
    CHECK_INT(c->start_delay_seconds, 5);
    CHECK_INT(c->scrape_timeout_seconds, 10);
    CHECK(c->lowercase_output_name);          /* yes */
    CHECK(c->lowercase_output_label_names);   /* On */
    CHECK(c->infer_counter_type_from_name);   /* TRUE */
    CHECK(c->exclude_jvm_metrics);
    CHECK(!c->auto_exclude_attributes);       /* off */
    CHECK(c->ignored_remote_keys);
    CHECK_INT(c->ninclude, 2);
    CHECK_INT(c->nexclude, 1);
    CHECK(c->nexclude == 1 && c->exclude[0].props_pattern);
    /* Two spellings of one ObjectName merge into one canonical entry. */
    CHECK_INT(c->nexclude_attrs, 2);
    if (c->nexclude_attrs == 2) {
        CHECK_STR(c->exclude_attrs[0].canonical,
                  "java.lang:type=OperatingSystem");
        CHECK_INT(c->exclude_attrs[0].nattrs, 2);
        CHECK_STR(c->exclude_attrs[0].attrs[1], "SystemLoadAverage");
        CHECK_STR(c->exclude_attrs[1].canonical,
                  "java.lang:name=G1 Young Generation,type=GarbageCollector");
        CHECK_INT(c->exclude_attrs[1].nattrs, 2);
        CHECK_STR(c->exclude_attrs[1].attrs[0], "LastGcInfo");
        CHECK_STR(c->exclude_attrs[1].attrs[1], "Valid");
    }
    CHECK_INT(c->ninclude_attrs, 1);
    CHECK_STR(c->ninclude_attrs ? c->include_attrs[0].attrs[0] : NULL,
              "HeapMemoryUsage");

    CHECK_INT(c->http.threads_max, 8);
    CHECK_INT(c->http.auth, JXA_AUTH_PBKDF2_SHA256);
    CHECK_STR(c->http.username, "prom");
    CHECK_STR(c->http.password_hash, "a10e4e62f7");  /* lower, no ':' */
    CHECK_STR(c->http.salt, "U9i%=N+m]#i9yvUV:bA/3n4X9JdPXf=n");
    CHECK_INT(c->http.iterations, 600000);
    CHECK_INT(c->http.key_length, 128);

    CHECK_INT(c->nrules, 5);
    CHECK(c->any_cache);
    if (c->nrules != 5) {
        jxa_config_free(c);
        return;
    }
    const struct jxa_rule *r = &c->rules[0];
    CHECK_STR(r->name, "jvm_heap_$1");
    CHECK_STR(r->value, "$2");
    CHECK_DBL(r->value_factor, 0.001);
    CHECK_STR(r->help, "Heap $1");
    CHECK_INT(r->type, JXA_UNKNOWN);          /* lower-case "gauge": untyped, as 1.x */
    CHECK(r->attr_name_snake_case && r->cache);
    CHECK_INT(r->ncaptures, 2);
    CHECK_INT(r->line, 37);   /* the "- pattern:" line */
    /* labels sorted by template name, as a TreeMap; 200 kept as text */
    CHECK_INT(r->nlabels, 3);
    CHECK_STR(label(r, 0) ? label(r, 0)->name : NULL, "area");
    CHECK_STR(label(r, 1) ? label(r, 1)->name : NULL, "code");
    CHECK_STR(label(r, 1) ? label(r, 1)->value : NULL, "200");
    CHECK_STR(label(r, 2) ? label(r, 2)->name : NULL, "zone");
    CHECK_STR(label(r, 2) ? label(r, 2)->value : NULL, "z1");
    CHECK_INT(c->rules[1].type, JXA_COUNTER);
    r = &c->rules[2];
    /* `value:` null is String.valueOf(null): "null", which never parses. */
    CHECK_STR(r->value, "null");
    CHECK_DBL(r->value_factor, 2.0);
    CHECK_INT(r->type, JXA_UNKNOWN);          /* UNTYPED */
    r = &c->rules[3];
    CHECK_STR(r->pattern, "12");              /* string concatenation */
    CHECK_STR(r->value, "31");                /* Integer 0x1F -> "31" */
    CHECK_INT(r->type, JXA_UNKNOWN);          /* 0.x Histogram */
    r = &c->rules[4];                         /* {} */
    CHECK(r->pattern == NULL && r->re == NULL && r->name == NULL);
    CHECK(r->value == NULL && r->help == NULL && r->nlabels == 0);
    CHECK_DBL(r->value_factor, 1.0);
    CHECK_INT(r->type, JXA_UNKNOWN);
    jxa_config_free(c);
}

/* SnakeYAML's YAML 1.1 scalars and Java's String.valueOf of them. */
static void test_yaml11_scalars(void)
{
    static const char *const values[] = {
        "1000", "80", "Infinity", "-Infinity", "NaN", "1.5", "true", "0x1F",
        "1000.0", "null", "5", "-31", "9.0", "",
    };
    struct jxa_config *c = load_ok(FIX "yaml11.yaml");
    if (c == NULL)
        return;
    CHECK_INT(c->start_delay_seconds, 31);    /* 0x1F */
    CHECK_INT(c->scrape_timeout_seconds, 8);  /* 010 is octal */
    CHECK(!c->lowercase_output_name);         /* False */
    CHECK_INT(c->nrules, 15);
    for (size_t i = 0; i < 14 && i < c->nrules; i++)
        CHECK_STR(c->rules[i].value, values[i]);
    if (c->nrules == 15)
        CHECK_DBL(c->rules[14].value_factor, 0.001);   /* "1e-3" */
    jxa_config_free(c);
}

static void test_merge_keys(void)
{
    struct jxa_config *c = load_ok(FIX "merge.yaml");
    if (c == NULL)
        return;
    CHECK_INT(c->ninclude, 1);
    CHECK_INT(c->nexclude, 1);                /* the same list by alias */
    CHECK_INT(c->nrules, 3);
    if (c->nrules == 3) {
        const struct jxa_rule *r = &c->rules[1];
        CHECK_STR(r->pattern, "c");           /* explicit key wins */
        CHECK_STR(r->name, "first_$1");
        CHECK_INT(r->type, JXA_GAUGE);
        CHECK_INT(r->nlabels, 1);
        CHECK_INT(r->ncaptures, 0);
        r = &c->rules[2];
        CHECK_STR(r->pattern, "a(b)");
        CHECK_STR(r->name, "third");
        CHECK_STR(r->help, "h");
        CHECK(r->cache);
        CHECK_INT(r->ncaptures, 1);
    }
    jxa_config_free(c);
}

static void test_aliases(void)
{
    struct jxa_config *c = load_ok(FIX "aliases.yaml");
    if (c == NULL)
        return;
    /* whitelistObjectNames is ignored when includeObjectNames is there. */
    CHECK_INT(c->ninclude, 2);
    CHECK_STR(c->ninclude ? c->include[0].domain : NULL, "d");
    CHECK(c->ninclude == 2 && c->include[1].value_pattern);
    /* blacklistObjectNames stands in for an absent excludeObjectNames. */
    CHECK_INT(c->nexclude, 1);
    CHECK_STR(c->nexclude ? c->exclude[0].domain : NULL, "x");
    jxa_config_free(c);
}

static void check_defaults(const struct jxa_config *c)
{
    CHECK_INT(c->start_delay_seconds, 0);
    CHECK_INT(c->scrape_timeout_seconds, 0);
    CHECK_DBL(c->min_scrape_interval_seconds, 1.0);
    CHECK(!c->lowercase_output_name && !c->lowercase_output_label_names);
    CHECK(!c->infer_counter_type_from_name && !c->exclude_jvm_metrics);
    CHECK(c->auto_exclude_attributes);
    CHECK(c->include_all);
    CHECK_INT(c->ninclude, 0);
    CHECK_INT(c->nexclude, 0);
    CHECK_INT(c->nrules, 1);
    CHECK(c->nrules == 1 && c->rules[0].pattern == NULL &&
          c->rules[0].value_factor == 1.0 && c->rules[0].name == NULL);
    CHECK_INT(c->http.auth, JXA_AUTH_NONE);
    CHECK_INT(c->http.threads_max, 0);
    CHECK(!c->ignored_remote_keys && !c->any_cache);
}

/* Empty file, only comments, a lone '---': null, treated as {}. */
static void test_empty_configs(void)
{
    static const char *const files[] = {FIX "empty.yaml", FIX "comments.yaml",
                                        FIX "null-doc.yaml", FIX "http-null.yaml"};
    for (size_t i = 0; i < 4; i++) {
        struct jxa_config *c = load_ok(files[i]);
        if (c != NULL)
            check_defaults(c);
        jxa_config_free(c);
    }
    struct jxa_config *c = NULL;
    CHECK_INT(jxa_config_default(&c), 0);
    if (c != NULL) {
        check_defaults(c);
        CHECK(c->path == NULL);
    }
    jxa_config_free(c);
}

/* Explicit [] means nothing: no rules, no beans. */
static void test_empty_lists(void)
{
    struct jxa_config *c = load_ok(FIX "empty-lists.yaml");
    if (c == NULL)
        return;
    CHECK_INT(c->nrules, 0);
    CHECK(!c->include_all);
    CHECK_INT(c->ninclude, 0);
    jxa_config_free(c);
}

static void test_http_auth(void)
{
    struct jxa_config *c = load_ok(FIX "http-plain.yaml");
    if (c != NULL) {
        CHECK_INT(c->http.auth, JXA_AUTH_PLAINTEXT);
        CHECK_STR(c->http.username, "u");
        CHECK_STR(c->http.password, "p");
        CHECK(c->http.password_hash == NULL);
        CHECK_INT(c->http.iterations, 0);
    }
    jxa_config_free(c);
    c = load_ok(FIX "http-sha.yaml");
    if (c != NULL) {
        CHECK_INT(c->http.auth, JXA_AUTH_SHA256);
        CHECK_STR(c->http.password_hash, "2bf7ed4906ac065bde39f7508d6102a6"
                                         "cdd7153a929ea883ff6cd04442772c99");
        CHECK_STR(c->http.salt, "U9i%=N+m]#i9yvUV:bA/3n4X9JdPXf=n");
    }
    jxa_config_free(c);
    /* Bearer: the token file relative to the config's directory, the
     * token trimmed. */
    c = load_ok(FIX "http-bearer.yaml");
    if (c != NULL) {
        CHECK_INT(c->http.auth, JXA_AUTH_BEARER);
        CHECK_STR(c->http.token_file, FIX "bearer-token.txt");
        CHECK_STR(c->http.token, "s3cret-Token_1.~+/=");
        CHECK(c->http.username == NULL);
    }
    jxa_config_free(c);
    c = str_ok("httpServer: {authentication: {basic: {username: u, "
               "algorithm: PLAINTEXT, password: 1234}}}");
    if (c != NULL) {
        CHECK_INT(c->http.auth, JXA_AUTH_PLAINTEXT);
        CHECK_STR(c->http.password, "1234");
    }
    jxa_config_free(c);
    c = str_ok("httpServer: {authentication: {basic: {username: u, "
               "algorithm: PBKDF2WithHmacSHA512, passwordHash: 'ab:CD', "
               "salt: s, iterations: 5, keyLength: 64}}}");
    if (c != NULL) {
        CHECK_INT(c->http.auth, JXA_AUTH_PBKDF2_SHA512);
        CHECK_STR(c->http.password_hash, "abcd");
        CHECK_INT(c->http.iterations, 5);
        CHECK_INT(c->http.key_length, 64);
    }
    jxa_config_free(c);
    c = str_ok("httpServer: {authentication: {basic: {username: u, "
               "algorithm: PBKDF2WithHmacSHA1, passwordHash: ab, salt: s}}}");
    if (c != NULL)
        CHECK_INT(c->http.iterations, 1300000);
    jxa_config_free(c);
}

/* ${NAME} in Basic-auth username and plaintext password (jmx_exporter
 * 1.4+, VariableResolver in 1.6.0 3a7e226): the whole trimmed value, the
 * variable's value trimmed; a passwordHash is taken as written. */
static void test_http_auth_env(void)
{
    setenv("JXA_TC_USER", "  alice ", 1);
    setenv("JXA_TC_PASS", "s3cret", 1);
    struct jxa_config *c = str_ok("httpServer: {authentication: {basic: "
                                  "{username: ' ${JXA_TC_USER} ', password: "
                                  "'${ JXA_TC_PASS }'}}}");
    if (c != NULL) {
        CHECK_STR(c->http.username, "alice");
        CHECK_STR(c->http.password, "s3cret");
    }
    jxa_config_free(c);
    /* Not a whole-value reference, and "${}": taken as written. */
    c = str_ok("httpServer: {authentication: {basic: {username: "
               "'x${JXA_TC_USER}', password: '${}'}}}");
    if (c != NULL) {
        CHECK_STR(c->http.username, "x${JXA_TC_USER}");
        CHECK_STR(c->http.password, "${}");
    }
    jxa_config_free(c);
    c = str_ok("httpServer: {authentication: {basic: {username: u, "
               "algorithm: SHA-256, passwordHash: ab, salt: '${JXA_TC_PASS}'}}}");
    if (c != NULL)
        CHECK_STR(c->http.salt, "${JXA_TC_PASS}");
    jxa_config_free(c);
    setenv("JXA_TC_PASS", " ", 1);
    str_err("httpServer: {authentication: {basic: {username: u,\n"
            "  password: '${JXA_TC_PASS}'}}}", "(t):2: "
            "httpServer.authentication.basic.password: ${JXA_TC_PASS} is "
            "empty; set the variable (non-blank) in the "
            "JVM's environment, or write the value itself");
    unsetenv("JXA_TC_USER");
    unsetenv("JXA_TC_PASS");
}

/* metricCustomizers (jmx_exporter 1.2+, read in 1.6.0 3a7e226): what is
 * kept of each key; the values of extraMetrics as SnakeYAML builds them. */
static void test_customizers(void)
{
    struct jxa_config *c = str_ok(
        "metricCustomizers:\n"
        "  - mbeanFilter:\n"
        "      domain: java.lang\n"
        "      properties: {type: MemoryPool, name: \"'a b'\"}\n"
        "    attributesAsLabels: [Name, Type, Name]\n"
        "    extraMetrics:\n"
        "      - {name: up, value: 1, description: always one}\n"
        "      - {name: flag, value: yes}\n"
        "      - {name: ratio, value: 1e3}\n"
        "      - {name: f, value: 2.50}\n"
        "      - {name: s, value: '7'}\n"
        "  - mbeanFilter: {domain: x, properties: {}}\n"
        "    attributesAsLabels: []\n"
        "  - mbeanFilter: {domain: y}\n"
        "    attributesAsLabels: ~\n"
        "    extraMetrics: []\n");
    if (c == NULL)
        return;
    CHECK_INT(c->ncustomizers, 3);
    const struct jxa_customizer *cu = &c->customizers[0];
    CHECK_STR(cu->domain, "java.lang");
    CHECK_INT(cu->nprops, 2);
    CHECK_STR(cu->props[0].key, "type");
    CHECK_STR(cu->props[0].value, "MemoryPool");
    CHECK_STR(cu->props[1].value, "'a b'");
    CHECK_INT(cu->nlabels, 2);              /* a repeated name counts once */
    CHECK_STR(cu->labels[1], "Type");
    CHECK_INT(cu->nextra, 5);
    CHECK_STR(cu->extra[0].name, "up");
    CHECK_STR(cu->extra[0].description, "always one");
    CHECK_INT(cu->extra[0].kind, JXA_EXTRA_NUMBER);
    CHECK_DBL(cu->extra[0].num, 1);
    CHECK_STR(cu->extra[0].text, "1");
    CHECK(cu->extra[1].description == NULL);
    CHECK_INT(cu->extra[1].kind, JXA_EXTRA_BOOL);       /* YAML 1.1 yes */
    CHECK_STR(cu->extra[1].text, "true");
    CHECK_INT(cu->extra[2].kind, JXA_EXTRA_NUMBER);     /* SnakeYAML's float */
    CHECK_STR(cu->extra[2].text, "1000.0");
    CHECK_INT(cu->extra[3].kind, JXA_EXTRA_NUMBER);
    CHECK_STR(cu->extra[3].text, "2.5");                /* Double.toString */
    CHECK_INT(cu->extra[4].kind, JXA_EXTRA_STRING);     /* quoted: a String */
    CHECK_INT(c->customizers[1].nprops, 0);
    CHECK_INT(c->customizers[1].nlabels, 0);
    CHECK_INT(c->customizers[2].nextra, 0);
    jxa_config_free(c);
    /* The jmx_exporter errors, in its words. */
    str_err("metricCustomizers: [{mbeanFilter: {domain: y}, attributesAsLabels: ~}]",
            "(t):1: metricCustomizers[0]: Must provide attributesAsLabels or "
            "extraMetrics, if metricCustomizers is given; add one of them");
    str_err("metricCustomizers: [{mbeanFilter: ~, extraMetrics: []}]",
            "(t):1: metricCustomizers[0]: Must provide mbeanFilter, if "
            "metricCustomizers is given; add mbeanFilter: {domain: ...}");
    str_err("metricCustomizers: [{mbeanFilter: {domain: 5}, extraMetrics: []}]",
            "(t):1: metricCustomizers[0].mbeanFilter.domain: must be a string, "
            "got the integer 5; quote it");
    str_err("metricCustomizers: [{mbeanFilter: {domain: d}, extraMetrics: "
            "[{name: n, value: 1, description: 2}]}]",
            "(t):1: metricCustomizers[0].extraMetrics[0].description: must be "
            "a string, got the integer 2; quote it");
    str_err("metricCustomizers: [{mbeanFilter: {domain: d}, attributesAsLabels: [1]}]",
            "(t):1: metricCustomizers[0].attributesAsLabels[0]: attribute "
            "names must be strings, got the integer 1; quote it");
}

/* httpServer.metrics.path (jmx_exporter 1.4+). */
static void test_metrics_path(void)
{
    struct jxa_config *c = str_ok("httpServer: {metrics: {path: /jmx/metrics}}");
    if (c != NULL)
        CHECK_STR(c->http.metrics_path, "/jmx/metrics");
    jxa_config_free(c);
    c = str_ok("httpServer: {threads: {minimum: 1, maximum: 2, keepAliveTime: 3}}");
    if (c != NULL)
        CHECK(c->http.metrics_path == NULL);        /* /metrics */
    jxa_config_free(c);
    /* threads: Integer.parseInt(toString()), minimum at least 1 (1.6.0). */
    c = str_ok("httpServer: {threads: {minimum: '2', maximum: 0x10, keepAliveTime: '+5'}}");
    if (c != NULL)
        CHECK_INT(c->http.threads_max, 16);
    jxa_config_free(c);
    str_err("httpServer: {threads: {minimum: 0, maximum: 2, keepAliveTime: 3}}",
            "(t):1: httpServer.threads.minimum: must be at least 1, got 0; raise it");
    str_err("httpServer: {threads: {minimum: '2x', maximum: 2, keepAliveTime: 3}}",
            "(t):1: httpServer.threads.minimum: must be an integer, got the string "
            "\"2x\"; remove the quotes");
    str_err("httpServer: {metrics: {path: '  '}}", "(t):1: httpServer.metrics.path: "
            "\"  \" must not be blank; write a path such as /metrics or /jmx/metrics");
    str_err("httpServer: {metrics: {path: /-/healthy}}", "(t):1: httpServer.metrics.path: "
            "\"/-/healthy\" is already the path of another page; write a path such as "
            "/metrics or /jmx/metrics");
    str_err("httpServer: {metrics: {path: /a, pth: /b}}", "(t):1: httpServer.metrics.pth: "
            "unknown key; remove it or fix its spelling (see the jmx_exporter "
            "configuration reference)");
}

/* The regex wrapper: unanchored pattern, whole-subject match, Java's line
 * terminators. */
static void test_regex_semantics(void)
{
    struct jxa_config *c = str_ok("rules:\n"
                                  "- pattern: 'java.lang<type=Memory>'\n"
                                  "- pattern: '^a'\n"
                                  "- pattern: 'a'\n"
                                  "- pattern: '(?<x>a)(b)?'\n"
                                  "- pattern: 'é.'\n");
    if (c == NULL || c->nrules != 5) {
        jxa_config_free(c);
        return;
    }
    CHECK(rule_matches(&c->rules[0], "java.lang<type=Memory><Heap>used: 5"));
    CHECK(rule_matches(&c->rules[0], "xjava.lang<type=Memory>"));
    CHECK(!rule_matches(&c->rules[0], "java.lang<type=Memory, x=y>"));
    CHECK(rule_matches(&c->rules[1], "ab"));
    CHECK(!rule_matches(&c->rules[1], "ba"));
    CHECK(rule_matches(&c->rules[2], "ab"));
    CHECK(!rule_matches(&c->rules[2], "a\nb"));
    CHECK(!rule_matches(&c->rules[2], "a\rb"));
    CHECK(!rule_matches(&c->rules[2], "a\xe2\x80\xa8" "b"));  /* U+2028 */
    /* Java's matches(): '$' may stop before a final \n, but the match
     * must end at the end of the input (compiled ENDANCHORED). */
    CHECK(!rule_matches(&c->rules[2], "ba\n"));
    CHECK_INT(c->rules[3].ncaptures, 2);
    CHECK(rule_matches(&c->rules[4], "xé\xc3\xa4"));  /* UTF: one char */
    jxa_config_free(c);
}

static void test_string_only_semantics(void)
{
    /* labels: {} still counts as "labels given". */
    str_err("rules: [{pattern: a, labels: {}}]", "(t):1: rules[0]: Must "
            "provide name, if help or labels are given; add a name or remove "
            "help and labels");
    /* name: null is no name (Java's cast of null). */
    struct jxa_config *c = str_ok("rules: [{pattern: a, name: ~, help: ~}]");
    if (c != NULL)
        CHECK(c->rules[0].name == NULL && c->rules[0].help == NULL);
    jxa_config_free(c);
    /* pattern: null is "null" after string concatenation. */
    c = str_ok("rules: [{pattern: }]");
    if (c != NULL) {
        CHECK_STR(c->rules[0].pattern, "null");
        CHECK(rule_matches(&c->rules[0], "xnullx"));
    }
    jxa_config_free(c);
    /* Label keys sort as strings; numeric keys and bool values as text. */
    c = str_ok("rules: [{pattern: a, name: n, labels: {b: x, 10: yes, "
               "a_: 1.50, A: '2'}}]");
    if (c != NULL && c->rules[0].nlabels == 4) {
        const struct jxa_rule *r = &c->rules[0];
        CHECK_STR(r->labels[0].name, "10");
        CHECK_STR(r->labels[0].value, "yes");
        CHECK_STR(r->labels[1].name, "A");
        CHECK_STR(r->labels[2].name, "a_");
        CHECK_STR(r->labels[2].value, "1.50");
        CHECK_STR(r->labels[3].name, "b");
    } else {
        FAILF("labels not loaded");
    }
    jxa_config_free(c);
    /* type: null is 1.x's default. */
    c = str_ok("rules: [{pattern: a, type: ~, valueFactor: '  2.5d '}]");
    if (c != NULL) {
        CHECK_INT(c->rules[0].type, JXA_UNKNOWN);
        CHECK_DBL(c->rules[0].value_factor, 2.5);   /* Double.valueOf */
    }
    jxa_config_free(c);
    /* Only exactly COUNTER and GAUGE are typed (jmx_exporter 1.x); any
     * other string loads, untyped, with a warning line. */
    c = str_ok("rules: [{type: counter}, {type: Gauge}, {type: untyped}, "
               "{type: STATE_SET}, {type: info}]");
    if (c != NULL && c->nrules == 5) {
        CHECK_INT(c->rules[0].type, JXA_UNKNOWN);
        CHECK_INT(c->rules[1].type, JXA_UNKNOWN);
        CHECK_INT(c->rules[2].type, JXA_UNKNOWN);
        CHECK_INT(c->rules[3].type, JXA_UNKNOWN);
        CHECK_INT(c->rules[4].type, JXA_UNKNOWN);
    }
    jxa_config_free(c);
    /* Sexagesimal and underscores in ints. */
    c = str_ok("startDelaySeconds: 1:20\nscrapeTimeoutSeconds: 1_000\n"
               "jmxUrl:\n");
    if (c != NULL) {
        CHECK_INT(c->start_delay_seconds, 80);
        CHECK_INT(c->scrape_timeout_seconds, 1000);
    }
    jxa_config_free(c);
    /* Empty exclude attribute map and null: no filter. */
    c = str_ok("excludeObjectNameAttributes:\nincludeObjectNameAttributes: {}");
    if (c != NULL)
        CHECK(c->nexclude_attrs == 0 && c->ninclude_attrs == 0);
    jxa_config_free(c);
    /* The four patterns issue 15 saw refused now load, with Java's meaning. */
    c = str_ok("rules: [{pattern: 'a<\\p{javaLowerCase}+>'}, {pattern: 'b<\\p{IsAlphabetic}>'}, "
               "{pattern: 'c<\\u004D>'}, {pattern: 'd<\\p{InLatin-1Supplement}>'}]");
    if (c != NULL && c->nrules == 4) {
        CHECK(rule_matches(&c->rules[0], "a<é>"));
        CHECK(!rule_matches(&c->rules[0], "a<É>"));
        CHECK(rule_matches(&c->rules[1], "b<α>"));
        CHECK(rule_matches(&c->rules[2], "c<M>"));
        CHECK(!rule_matches(&c->rules[2], "c<m>"));
        CHECK(rule_matches(&c->rules[3], "d<ÿ>"));
        CHECK(!rule_matches(&c->rules[3], "d<y>"));
    }
    jxa_config_free(c);
    /* Java's class intersection is translated (javaregex.c), not refused. */
    c = str_ok("rules: [{pattern: 'x<[a-z&&[^e]]>'}]");
    if (c != NULL && c->nrules == 1) {
        CHECK(rule_matches(&c->rules[0], "x<a>"));
        CHECK(!rule_matches(&c->rules[0], "x<e>"));
    }
    jxa_config_free(c);
    c = str_ok("rules: [{pattern: 'a&&b'}, {pattern: '\\Q[&&\\E'}, "
               "{pattern: '[&]&[]&]&'}]");
    if (c != NULL && c->nrules == 3) {
        CHECK(rule_matches(&c->rules[0], "a&&b"));
        CHECK(rule_matches(&c->rules[1], "[&&"));
        CHECK(rule_matches(&c->rules[2], "&&]&"));
    }
    jxa_config_free(c);
    str_err("lowercaseOutputName: 1", "(t):1: lowercaseOutputName: must be "
            "true or false, got the integer 1; write true or false");
    str_err("lowercaseOutputName: y", "(t):1: lowercaseOutputName: must be "
            "true or false, got the string \"y\"; write true or false");
    str_err("rules: [{pattern: a, valueFactor: true}]", "(t):1: "
            "rules[0].valueFactor: must be a number, got the boolean true; "
            "write a number such as 0.001");
    str_err("rules: [{pattern: a, valueFactor: }]", "(t):1: "
            "rules[0].valueFactor: must be a number, got null; write a number "
            "such as 0.001");
    str_err("includeObjectNames: [~]", "(t):1: includeObjectNames[0]: must be "
            "an ObjectName string, got null; write \"domain:key=value\"");
    str_err("whitelistObjectNames: ['a']", "(t):1: whitelistObjectNames[0]: "
            "invalid ObjectName \"a\": Key properties cannot be empty; write "
            "domain:key=value[,key=value...] (* and ? are wildcards)");
    str_err("excludeObjectNameAttributes: {'a:b=c': x}", "(t):1: "
            "excludeObjectNameAttributes.\"a:b=c\": must be a list of "
            "attribute names, got the string \"x\"; write [Attr, ...]");
    str_err("rules: [{pattern: a, labels: [x]}]", "(t):1: rules[0].labels: "
            "must be a map of label name to value, got a list; write labels: "
            "{name: \"$1\"}");
    str_err("{a: 1}: 2", "(t):1: (top level): map keys must be plain text, "
            "got a map; write key: value");
    str_err("httpServer: 5", "(t):1: httpServer: must be a map, got the "
            "integer 5; indent its keys under it");
    str_err("httpServer: {authentication: {}}", "(t):1: "
            "httpServer.authentication: has no basic or bearer section; add "
            "basic: {username: ..., password: ...} or bearer: {tokenFile: "
            "...}, or remove authentication");
    str_err("httpServer: {authentication: {bearer: {tokenFile: [a]}}}",
            "(t):1: httpServer.authentication.bearer.tokenFile: must be a "
            "path, got a list; write tokenFile: /path/to/token");
    str_err("httpServer: {authentication: {bearer: {tokenFile: ''}}}",
            "(t):1: httpServer.authentication.bearer.tokenFile: is a required "
            "path; give the file that holds the token");
    /* From a string there is no config directory: relative to the
     * working directory. */
    str_err("httpServer: {authentication: {bearer: {tokenFile: nope.txt}}}",
            "(t):1: httpServer.authentication.bearer.tokenFile: cannot read "
            "\"nope.txt\" (No such file or directory); fix the path or the "
            "file's permissions");
    str_err("httpServer: {threads: }", "(t):1: httpServer.threads.minimum: "
            "is a required integer; give minimum, maximum and keepAliveTime");
    str_err("httpServer: {threads: {minimum: 1, maximum: 0, "
            "keepAliveTime: 1}}", "(t):1: httpServer.threads.maximum: must be "
            "at least 1, got 0; raise it");
    str_err("httpServer: {authentication: {basic: {password: p}}}", "(t):1: "
            "httpServer.authentication.basic.username: is a required "
            "non-blank string; add a username");
    str_err("httpServer: {authentication: {basic: {username: u, algorithm: "
            "SHA-512, passwordHash: ab}}}", "(t):1: "
            "httpServer.authentication.basic.salt: is a required non-blank "
            "string for SHA-512; add the salt");
    str_err("httpServer: {authentication: {basic: {username: u, algorithm: "
            "PBKDF2WithHmacSHA1, passwordHash: ab, salt: s, iterations: 0}}}",
            "(t):1: httpServer.authentication.basic.iterations: must be at "
            "least 1, got 0; raise it or remove it for the default");
    str_err("rules:\n- pattern: a\n  pattern: b\n", "(t):3: rules[0]: "
            "duplicate key 'pattern' (first at line 2); keep one");
    str_err("jmxUrl: 'x'\n", "(t):1: jmxUrl: a Java agent monitors its own "
            "JVM, not a remote one (jmx_exporter's agent refuses it too); "
            "remove jmxUrl");
    str_err("hostPort: \n", "(t):1: hostPort: a Java agent monitors its own "
            "JVM, not a remote one (jmx_exporter's agent refuses it too); "
            "remove hostPort");
}

/* Exact error lines for the bad fixtures. */
static void test_bad_fixtures(void)
{
    static const char *const cases[][2] = {
        {"bad-malformed.yaml", "4: (yaml): did not find expected '-' "
         "indicator at column 4 while parsing a block collection (line 3); "
         "fix the YAML syntax"},
        {"bad-unclosed.yaml", "2: (yaml): did not find expected ',' or ']' "
         "at column 1 while parsing a flow sequence (line 1); fix the YAML "
         "syntax"},
        {"bad-bomb.yaml", "6: f: YAML expands to more than 100000 nodes "
         "(alias bomb?); remove the anchors/aliases or split the config"},
        {"bad-recursive.yaml", "1: rules: YAML nested deeper than 32 levels "
         "(recursive alias?); flatten the config"},
        {"bad-bool-quoted.yaml", "1: lowercaseOutputName: must be true or "
         "false, got the string \"true\"; remove the quotes"},
        {"bad-bool-null.yaml", "2: excludeJvmMetrics: must be true or false, "
         "got null; write true or false"},
        {"bad-int-float.yaml", "1: startDelaySeconds: must be an integer, got "
         "the number 1.5; write a whole number"},
        {"bad-int-negative.yaml", "1: startDelaySeconds: must be 0 or more, "
         "got -1; use 0 for no delay"},
        {"bad-int-big.yaml", "1: startDelaySeconds: integer 3000000000 is out "
         "of range; use at most 2147483647"},
        {"bad-timeout.yaml", "1: scrapeTimeoutSeconds: must be at least 1, "
         "got 0; remove the key for no timeout"},
        {"bad-unknown-key.yaml", "3: foo: unknown key; remove it or fix its "
         "spelling (see the jmx_exporter configuration reference)"},
        {"bad-unknown-case.yaml", "1: LowercaseOutputName: unknown key; did "
         "you mean 'lowercaseOutputName'?"},
        {"bad-unknown-rule-key.yaml", "3: rules[0].nmae: unknown key; remove "
         "it or fix its spelling (see the jmx_exporter configuration "
         "reference)"},
        {"bad-regex.yaml", "2: rules[0].pattern: invalid regex at offset 22: "
         "missing closing parenthesis; fix the pattern (Java regex syntax, "
         "single-quote it in YAML)"},
        {"bad-regex-class.yaml", "2: rules[0].pattern: invalid regex at "
         "offset 4: range out of order in character class; fix the pattern "
         "(Java regex syntax, single-quote it in YAML)"},
        {"bad-objectname.yaml", "3: includeObjectNames[1]: invalid ObjectName "
         "\"java.lang\": Key properties cannot be empty; write "
         "domain:key=value[,key=value...] (* and ? are wildcards)"},
        {"bad-objectname-attrs.yaml", "2: excludeObjectNameAttributes."
         "\"java.lang:\": invalid ObjectName: Key properties cannot be empty; "
         "write domain:key=value[,key=value...]"},
        {"bad-type-int.yaml", "3: rules[0].type: must be a metric type name, "
         "got the integer 1; use COUNTER, GAUGE or UNTYPED"},
        {"bad-name-no-pattern.yaml", "3: rules[1]: Must provide pattern, if "
         "name is given; add a pattern"},
        {"bad-help-no-name.yaml", "2: rules[0]: Must provide name, if help or "
         "labels are given; add a name or remove help and labels"},
        {"bad-labels-no-name.yaml", "2: rules[0]: Must provide name, if help "
         "or labels are given; add a name or remove help and labels"},
        {"bad-rules-null.yaml", "1: rules: must be a list of rules, got null; "
         "write [] for no rules or remove the key for the default rule"},
        {"bad-rules-map.yaml", "2: rules: must be a list of rules, got a map; "
         "write [] for no rules or remove the key for the default rule"},
        {"bad-rule-null.yaml", "3: rules[1]: a rule must be a map, got null; "
         "write - pattern: ..."},
        {"bad-value-factor.yaml", "3: rules[0].valueFactor: must be a number, "
         "got the string \"abc\"; write a number such as 0.001"},
        {"bad-value-map.yaml", "3: rules[0].value: must be a single value, "
         "got a map; write a scalar"},
        {"bad-name-int.yaml", "3: rules[0].name: must be a string, got the "
         "integer 123; quote it"},
        {"bad-label-null.yaml", "5: rules[0].labels.x: label value must be a "
         "string, got null; write a value such as \"$1\""},
        {"bad-jmxurl.yaml", "1: jmxUrl: a Java agent monitors its own JVM, "
         "not a remote one (jmx_exporter's agent refuses it too); remove "
         "jmxUrl"},
        {"bad-hostport.yaml", "1: hostPort: a Java agent monitors its own "
         "JVM, not a remote one (jmx_exporter's agent refuses it too); remove "
         "hostPort"},
        {"bad-otel.yaml", "2: openTelemetry.protocol: absent, which means grpc in "
         "jmx_exporter, and this agent does not speak gRPC; use protocol: "
         "http/protobuf (the receiver's OTLP/HTTP port, 4318 by default)"},
        {"bad-http-ssl.yaml", "4: httpServer.ssl.keyStore: k.jks: cannot "
         "open: No such file or directory; check the file name and that the "
         "JVM's user may read it"},
        {"bad-http-unknown.yaml", "2: httpServer.port: unknown key; remove it "
         "or fix its spelling (see the jmx_exporter configuration "
         "reference)"},
        {"bad-threads-missing.yaml", "3: httpServer.threads.keepAliveTime: is "
         "a required integer; give minimum, maximum and keepAliveTime"},
        {"bad-threads-order.yaml", "3: httpServer.threads: maximum (4) must "
         "be greater than or equal to minimum (8); raise maximum or lower "
         "minimum"},
        {"bad-auth-alg.yaml", "4: httpServer.authentication.basic.algorithm: "
         "unsupported algorithm \"sha-256\"; use plaintext, SHA-1, SHA-256, "
         "SHA-512, PBKDF2WithHmacSHA1, PBKDF2WithHmacSHA256 or "
         "PBKDF2WithHmacSHA512"},
        {"bad-auth-nopass.yaml", "4: httpServer.authentication.basic."
         "password: is a required non-blank string for plaintext; add a "
         "password (or a passwordHash and salt with a SHA/PBKDF2 algorithm)"},
        {"bad-auth-hash.yaml", "4: httpServer.authentication.basic."
         "passwordHash: is not hexadecimal (bad character 'x'); write the "
         "hash as hex digits, optionally separated by ':'"},
        {"bad-auth-plugin.yaml", "4: httpServer.authentication.plugin: custom "
         "authenticator plugins are Java classes and not supported by this "
         "agent; use httpServer.authentication.basic or .bearer"},
        {"bad-bearer-missing.yaml", "5: httpServer.authentication.bearer."
         "tokenFile: cannot read \"no-such-token.txt\" (No such file or "
         "directory); fix the path or the file's permissions"},
        {"bad-bearer-empty.yaml", "4: httpServer.authentication.bearer."
         "tokenFile: \"bearer-token-blank.txt\" is empty; write the token "
         "into it"},
        {"bad-bearer-space.yaml", "4: httpServer.authentication.bearer."
         "tokenFile: the token in \"bearer-token-space.txt\" contains a "
         "space or control character (byte 2); a token is one line of "
         "visible characters"},
        {"bad-bearer-dir.yaml", "4: httpServer.authentication.bearer."
         "tokenFile: \".\" is not a regular file; give the path of a file "
         "that holds the token"},
        {"bad-bearer-nofile.yaml", "3: httpServer.authentication.bearer."
         "tokenFile: is a required path; give the file that holds the token"},
        {"bad-bearer-and-basic.yaml", "6: httpServer.authentication.bearer: "
         "basic and bearer are both given; keep one of them"},
        {"bad-duplicate.yaml", "3: (top level): duplicate key "
         "'lowercaseOutputName' (first at line 1); keep one"},
        {"bad-two-docs.yaml", "3: (yaml): a second YAML document; keep one "
         "document (remove the '---')"},
        {"bad-tag.yaml", "1: startDelaySeconds: YAML tag !!int is not "
         "supported; remove the tag"},
        {"bad-root-list.yaml", "1: (top level): the config must be a map of "
         "keys, got a list; write key: value lines"},
        {"bad-include-null.yaml", "1: includeObjectNames: must be a list of "
         "ObjectNames, got null; write [\"domain:key=value\", ...]"},
        {"bad-metric-customizers.yaml", "2: metricCustomizers[0]: Must "
         "provide attributesAsLabels or extraMetrics, if metricCustomizers is "
         "given; add one of them"},
        {"bad-merge.yaml", "2: rules[0]: a merge key (<<) needs a map or a "
         "list of maps; fix the alias"},
        {"bad-nul.yaml", "2: rules: value contains a NUL character; remove "
         "the \\0 escape"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256], want[1024];
        snprintf(path, sizeof path, FIX "%s", cases[i][0]);
        snprintf(want, sizeof want, "%s:%s", path, cases[i][1]);
        struct jxa_config *c = (struct jxa_config *)1;
        err[0] = '\0';
        CHECK_INT(jxa_config_load(path, &c, err, sizeof err), -1);
        CHECK(c == NULL);
        CHECK_STR(err, want);
        CHECK(strchr(err, '\n') == NULL);
        /* A reload refuses them with the same line, except the contents
         * of the token file and of the TLS files, which a reload does not
         * read (the server watches the TLS files itself, tls.h). */
        if (strstr(cases[i][1], "bearer.tokenFile: ") != NULL &&
            strstr(cases[i][1], "is a required path") == NULL)
            continue;
        if (strstr(cases[i][1], "httpServer.ssl.keyStore: ") != NULL)
            continue;
        c = (struct jxa_config *)1;
        err[0] = '\0';
        CHECK_INT(jxa_config_reload(path, &c, err, sizeof err), -1);
        CHECK(c == NULL);
        CHECK_STR(err, want);
    }
}

/* A reload checks httpServer but applies none of it: the settings are read
 * once at start, and the token file is not read, so a reload during a
 * token rotation (the file briefly absent) does not fail. */
static void test_reload(void)
{
    static const char *const token_files[] = {
        "bad-bearer-missing.yaml", "bad-bearer-empty.yaml",
        "bad-bearer-space.yaml", "bad-bearer-dir.yaml",
        "http-bearer.yaml", "http-plain.yaml", "http-sha.yaml",
    };
    for (size_t i = 0; i < sizeof token_files / sizeof token_files[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, FIX "%s", token_files[i]);
        struct jxa_config *c = NULL;
        err[0] = '\0';
        if (jxa_config_reload(path, &c, err, sizeof err) != 0) {
            FAILF("reloading %s: %s", path, err);
            continue;
        }
        CHECK_STR(c->path, path);
        CHECK_INT(c->nrules, 1);            /* the default rule */
        CHECK_INT(c->http.auth, JXA_AUTH_NONE);
        CHECK(c->http.token_file == NULL && c->http.token == NULL);
        CHECK(c->http.username == NULL && c->http.password == NULL);
        CHECK(c->http.password_hash == NULL && c->http.salt == NULL);
        CHECK_INT(c->http.threads_max, 0);
        jxa_config_free(c);
    }
    /* The rest of the file is read as at start. */
    struct jxa_config *c = NULL;
    CHECK_INT(jxa_config_reload(FIX "full.yaml", &c, err, sizeof err), 0);
    struct jxa_config *s = load_ok(FIX "full.yaml");
    if (c != NULL && s != NULL) {
        CHECK_INT(c->nrules, s->nrules);
        CHECK_INT(c->start_delay_seconds, s->start_delay_seconds);
        CHECK_INT(c->ninclude, s->ninclude);
        CHECK_INT(c->http.threads_max, 0);
        CHECK(s->http.threads_max != 0);
    }
    jxa_config_free(c);
    jxa_config_free(s);
    c = (struct jxa_config *)1;
    CHECK_INT(jxa_config_reload(FIX "nope.yaml", &c, err, sizeof err), -1);
    CHECK(c == NULL);
    CHECK_STR(err, FIX "nope.yaml:0: (file): cannot open: No such file or "
              "directory; check the path given in config=");
}

/* minScrapeIntervalSeconds (ours): whole or fractional seconds, 0 to 60. */
static void test_min_scrape_interval(void)
{
    static const struct { const char *yaml; double want; } ok[] = {
        {"minScrapeIntervalSeconds: 0\n", 0.0},
        {"minScrapeIntervalSeconds: 0.5\n", 0.5},
        {"minScrapeIntervalSeconds: 60\n", 60.0},
        {"minScrapeIntervalSeconds: 2.5e0\n", 2.5},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct jxa_config *c = str_ok(ok[i].yaml);
        if (c != NULL)
            CHECK_DBL(c->min_scrape_interval_seconds, ok[i].want);
        jxa_config_free(c);
    }
    str_err("minScrapeIntervalSeconds: 60.5\n", "(t):1: minScrapeIntervalSeconds: must be "
            "between 0 and 60 seconds, got the number 60.5; use at most your Prometheus "
            "scrape interval, or 0 to walk JMX on every request");
    str_err("minScrapeIntervalSeconds: null\n", "(t):1: minScrapeIntervalSeconds: must be "
            "a number of seconds, got null; write a number such as 1 or 0.5, or 0 to walk "
            "JMX on every request");
}

/* Every config row of the catalogue (test/bad-input.tsv): the exact line,
 * one line, no config. */
static void test_catalogue_config_errors(void)
{
    const struct cat_row *rows;
    size_t n = cat_rows("config", &rows);
    for (size_t i = 0; i < n; i++) {
        char path[256], want[1024];
        snprintf(path, sizeof path, FIX "%s", rows[i].input);
        snprintf(want, sizeof want, "%s:%s", path, rows[i].error);
        struct jxa_config *c = (struct jxa_config *)1;
        err[0] = '\0';
        int rc = jxa_config_load(path, &c, err, sizeof err);
        if (rc != -1 || c != NULL || strcmp(err, want) != 0)
            FAILF("bad-input.tsv:%d (%s): rc %d, error\n    \"%s\"\n  expected\n"
                  "    \"%s\"", rows[i].line, rows[i].title, rc, err, want);
        if (rc == 0)
            jxa_config_free(c);
    }
}

static void test_file_errors(void)
{
    struct jxa_config *c = (struct jxa_config *)1;
    CHECK_INT(jxa_config_load(FIX "nope.yaml", &c, err, sizeof err), -1);
    CHECK(c == NULL);
    CHECK_STR(err, FIX "nope.yaml:0: (file): cannot open: No such file or "
              "directory; check the path given in config=");
    CHECK_INT(jxa_config_load(FIX, &c, err, sizeof err), -1);
    CHECK_STR(err, FIX ":0: (file): not a regular file; give the path of "
              "the YAML file");

    char path[] = "/tmp/jxa_cfg_big_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK_INT(ftruncate(fd, (16 << 20) + 1), 0);
    close(fd);
    char want[256];
    snprintf(want, sizeof want, "%s:0: (file): larger than 16 MiB; a config "
             "this big is a mistake, shrink it", path);
    CHECK_INT(jxa_config_load(path, &c, err, sizeof err), -1);
    CHECK_STR(err, want);
    unlink(path);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_changed(void)
{
    char path[] = "/tmp/jxa_cfg_chg_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    write_file(path, "rules: []\n");
    struct jxa_config *c = load_ok(path);
    if (c == NULL) {
        unlink(path);
        return;
    }
    CHECK_INT(c->size, 10);
    CHECK(!jxa_config_changed(c));
    /* Same size, other mtime (nanoseconds count). */
    struct timespec ts[2] = {c->mtime, c->mtime};
    ts[1].tv_nsec = (ts[1].tv_nsec + 1) % 1000000000;
    CHECK_INT(utimensat(AT_FDCWD, path, ts, 0), 0);
    CHECK(jxa_config_changed(c));
    ts[1] = c->mtime;
    CHECK_INT(utimensat(AT_FDCWD, path, ts, 0), 0);
    CHECK(!jxa_config_changed(c));
    /* Other size, mtime forced back: still changed. */
    write_file(path, "rules: [] \n");
    CHECK_INT(utimensat(AT_FDCWD, path, ts, 0), 0);
    CHECK(jxa_config_changed(c));
    unlink(path);
    CHECK(jxa_config_changed(c));
    jxa_config_free(c);
    CHECK(!jxa_config_changed(NULL));
    struct jxa_config *s = str_ok("{}");
    if (s != NULL)
        CHECK(!jxa_config_changed(s));   /* from a string: no file */
    jxa_config_free(s);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 16);
    *len = buf ? fread(buf, 1, 1 << 16, f) : 0;
    fclose(f);
    return buf;
}

/* Every prefix of real configs: loads or fails with one line naming the
 * source, never crashes or leaks (the sanitizer build checks every error
 * path this reaches). */
static void test_truncated_inputs(void)
{
    static const char *const files[] = {FIX "full.yaml", FIX "merge.yaml",
                                        FIX "spark-driver.yaml",
                                        FIX "yaml11.yaml"};
    int oks = 0, errs = 0;
    for (size_t f = 0; f < 4; f++) {
        size_t len = 0;
        char *buf = slurp(files[f], &len);
        CHECK(buf != NULL && len > 100);
        for (size_t n = 0; buf != NULL && n <= len; n++) {
            struct jxa_config *c = NULL;
            char small[24];
            int rc = jxa_config_load_string(buf, n, "(p)", &c, err,
                                            sizeof err);
            if (rc == 0) {
                oks++;
                CHECK(c != NULL);
                jxa_config_free(c);
            } else {
                errs++;
                CHECK(c == NULL);
                CHECK(strncmp(err, "(p):", 4) == 0);
                CHECK(strchr(err, '\n') == NULL);
                /* A tiny error buffer truncates, still NUL-terminated. */
                CHECK_INT(jxa_config_load_string(buf, n, "(p)", &c, small,
                                                 sizeof small), -1);
                CHECK(strlen(small) < sizeof small);
            }
        }
        free(buf);
    }
    CHECK(oks > 0 && errs > 0);
}

SUITE(config)
{
    RUN(test_spark_driver);
    RUN(test_spark_executor);
    RUN(test_full);
    RUN(test_yaml11_scalars);
    RUN(test_merge_keys);
    RUN(test_aliases);
    RUN(test_empty_configs);
    RUN(test_empty_lists);
    RUN(test_http_auth);
    RUN(test_http_auth_env);
    RUN(test_customizers);
    RUN(test_metrics_path);
    RUN(test_regex_semantics);
    RUN(test_string_only_semantics);
    RUN(test_bad_fixtures);
    RUN(test_catalogue_config_errors);
    RUN(test_min_scrape_interval);
    RUN(test_file_errors);
    RUN(test_reload);
    RUN(test_changed);
    RUN(test_truncated_inputs);
}
