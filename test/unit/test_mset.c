/* test_mset.c - families, collisions and the two exposition formats.
 * The byte-exact expectations in test_probe_* are lines of the output of
 * jmx_prometheus_javaagent 1.0.1 on JDK 17 (config {}). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mset.h"

static char *render(struct jxa_mset *m, enum jxa_format fmt,
                    const char *const *names, size_t nnames)
{
    struct jxa_buf out = {0};
    if (jxa_mset_write(m, &(struct jxa_write_req){fmt, names, nnames, 0}, &out) != 0)
        FAILF("jxa_mset_write failed");
    return jxa_buf_steal(&out);
}

#define L(n, v) ((struct jxa_label){(n), (v)})

/* The same families the 1.0.1 agent wrote, added out of order. */
static void add_probe_families(struct jxa_mset *m)
{
    struct jxa_family *gc = jxa_mset_family(
        m, "jvm_gc_collection_seconds", JXA_SUMMARY,
        "Time spent in a given JVM garbage collector in seconds.", "seconds");
    struct jxa_label young = L("gc", "G1 Young Generation");
    struct jxa_label old = L("gc", "G1 Old Generation");
    jxa_family_add(gc, "_sum", &young, 1, 0.0, 0);
    jxa_family_add(gc, "_count", &young, 1, 0, JXA_SAMPLE_INT);
    jxa_family_add(gc, "_count", &old, 1, 0, JXA_SAMPLE_INT);
    jxa_family_add(gc, "_sum", &old, 1, 0.0, 0);

    struct jxa_label mm = L("type", "MemoryManager");
    jxa_mset_add_jmx(m, "java_lang_CodeCacheManager_Valid", JXA_UNKNOWN,
                     "java.lang:name=CodeCacheManager,type=MemoryManager,"
                     "attribute=Valid", &mm, 1, 1.0,
                     "java.lang<name=CodeCacheManager, type=MemoryManager><>Valid");
    struct jxa_family *f = jxa_mset_family(
        m, "jmx_exporter_build", JXA_INFO, "JMX Exporter build information",
        NULL);
    struct jxa_label bi[] = {L("version", "1.0.1"),
                             L("name", "jmx_prometheus_javaagent")};
    jxa_family_add(f, "", bi, 2, 1, JXA_SAMPLE_INT);
    f = jxa_mset_family(m, "jmx_scrape_duration_seconds", JXA_GAUGE,
                        "Time this JMX scrape took, in seconds.", "seconds");
    jxa_family_add(f, "", NULL, 0, 0.0, 0);
    f = jxa_mset_family(m, "jmx_config_reload_failure", JXA_COUNTER,
                        "Number of times configuration have failed to be "
                        "reloaded.", NULL);
    jxa_family_add(f, "", NULL, 0, 0.0, 0);
    jxa_mset_add_jmx(m, "java_lang_Memory_HeapMemoryUsage_max", JXA_UNKNOWN,
                     "java.lang.management.MemoryUsage java.lang:name=null,"
                     "type=Memory,attribute=max", NULL, 0, 6320816128.0,
                     "java.lang<type=Memory><HeapMemoryUsage>max");
}

static void test_probe_text(void)
{
    struct jxa_mset *m = jxa_mset_new();
    add_probe_families(m);
    CHECK_INT(jxa_mset_finish(m), 0);
    CHECK_INT(jxa_mset_nsamples(m), 9);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    CHECK_STR(s,
    "# HELP java_lang_CodeCacheManager_Valid java.lang:name=CodeCacheManager,type=MemoryManager,attribute=Valid\n"
    "# TYPE java_lang_CodeCacheManager_Valid untyped\n"
    "java_lang_CodeCacheManager_Valid{type=\"MemoryManager\"} 1.0\n"
    "# HELP java_lang_Memory_HeapMemoryUsage_max java.lang.management.MemoryUsage java.lang:name=null,type=Memory,attribute=max\n"
    "# TYPE java_lang_Memory_HeapMemoryUsage_max untyped\n"
    "java_lang_Memory_HeapMemoryUsage_max 6.320816128E9\n"
    "# HELP jmx_config_reload_failure_total Number of times configuration have failed to be reloaded.\n"
    "# TYPE jmx_config_reload_failure_total counter\n"
    "jmx_config_reload_failure_total 0.0\n"
    "# HELP jmx_exporter_build_info JMX Exporter build information\n"
    "# TYPE jmx_exporter_build_info gauge\n"
    "jmx_exporter_build_info{name=\"jmx_prometheus_javaagent\",version=\"1.0.1\"} 1\n"
    "# HELP jmx_scrape_duration_seconds Time this JMX scrape took, in seconds.\n"
    "# TYPE jmx_scrape_duration_seconds gauge\n"
    "jmx_scrape_duration_seconds 0.0\n"
    "# HELP jvm_gc_collection_seconds Time spent in a given JVM garbage collector in seconds.\n"
    "# TYPE jvm_gc_collection_seconds summary\n"
    "jvm_gc_collection_seconds_count{gc=\"G1 Old Generation\"} 0\n"
    "jvm_gc_collection_seconds_sum{gc=\"G1 Old Generation\"} 0.0\n"
    "jvm_gc_collection_seconds_count{gc=\"G1 Young Generation\"} 0\n"
    "jvm_gc_collection_seconds_sum{gc=\"G1 Young Generation\"} 0.0\n");
    free(s);
    jxa_mset_free(m);
}

static void test_probe_openmetrics(void)
{
    struct jxa_mset *m = jxa_mset_new();
    add_probe_families(m);
    jxa_mset_finish(m);
    char *s = render(m, JXA_FMT_OPENMETRICS, NULL, 0);
    CHECK_STR(s,
    "# TYPE java_lang_CodeCacheManager_Valid unknown\n"
    "# HELP java_lang_CodeCacheManager_Valid java.lang:name=CodeCacheManager,type=MemoryManager,attribute=Valid\n"
    "java_lang_CodeCacheManager_Valid{type=\"MemoryManager\"} 1.0\n"
    "# TYPE java_lang_Memory_HeapMemoryUsage_max unknown\n"
    "# HELP java_lang_Memory_HeapMemoryUsage_max java.lang.management.MemoryUsage java.lang:name=null,type=Memory,attribute=max\n"
    "java_lang_Memory_HeapMemoryUsage_max 6.320816128E9\n"
    "# TYPE jmx_config_reload_failure counter\n"
    "# HELP jmx_config_reload_failure Number of times configuration have failed to be reloaded.\n"
    "jmx_config_reload_failure_total 0.0\n"
    "# TYPE jmx_exporter_build info\n"
    "# HELP jmx_exporter_build JMX Exporter build information\n"
    "jmx_exporter_build_info{name=\"jmx_prometheus_javaagent\",version=\"1.0.1\"} 1\n"
    "# TYPE jmx_scrape_duration_seconds gauge\n"
    "# UNIT jmx_scrape_duration_seconds seconds\n"
    "# HELP jmx_scrape_duration_seconds Time this JMX scrape took, in seconds.\n"
    "jmx_scrape_duration_seconds 0.0\n"
    "# TYPE jvm_gc_collection_seconds summary\n"
    "# UNIT jvm_gc_collection_seconds seconds\n"
    "# HELP jvm_gc_collection_seconds Time spent in a given JVM garbage collector in seconds.\n"
    "jvm_gc_collection_seconds_count{gc=\"G1 Old Generation\"} 0\n"
    "jvm_gc_collection_seconds_sum{gc=\"G1 Old Generation\"} 0.0\n"
    "jvm_gc_collection_seconds_count{gc=\"G1 Young Generation\"} 0\n"
    "jvm_gc_collection_seconds_sum{gc=\"G1 Young Generation\"} 0.0\n"
    "# EOF\n");
    free(s);
    jxa_mset_free(m);
}

/* Escaping as the 1.0.1 jar printed it: HELP escapes \ and newline (and "
 * in OpenMetrics only), label values escape \ " and newline. */
static void test_escaping_both_formats(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_label l[] = {L("v", "a\"b\\c\nd"), L("u", "\xc3\xbcmlaut")};
    jxa_mset_add_jmx(m, "esc", JXA_UNKNOWN, "say \"hi\" \\ x\ny", l, 2, 10,
                     "d<>a");
    jxa_mset_finish(m);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    CHECK_STR(s, "# HELP esc say \"hi\" \\\\ x\\ny\n"
                 "# TYPE esc untyped\n"
                 "esc{u=\"\xc3\xbcmlaut\",v=\"a\\\"b\\\\c\\nd\"} 10.0\n");
    free(s);
    s = render(m, JXA_FMT_OPENMETRICS, NULL, 0);
    CHECK_STR(s, "# TYPE esc unknown\n"
                 "# HELP esc say \\\"hi\\\" \\\\ x\\ny\n"
                 "esc{u=\"\xc3\xbcmlaut\",v=\"a\\\"b\\\\c\\nd\"} 10.0\n"
                 "# EOF\n");
    free(s);
    jxa_mset_free(m);
}

static void test_special_values_and_empty_help(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_label a = L("k", "a"), b = L("k", "b"), c = L("k", "c");
    jxa_mset_add_jmx(m, "v", JXA_GAUGE, "", &c, 1, NAN, "x<>c");
    jxa_mset_add_jmx(m, "v", JXA_GAUGE, "ignored: not first", &a, 1,
                     INFINITY, "x<>a");
    jxa_mset_add_jmx(m, "v", JXA_GAUGE, NULL, &b, 1, -INFINITY, "x<>b");
    jxa_mset_finish(m);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    /* HELP of the family is the first sample's, here empty: no line. */
    CHECK_STR(s, "# TYPE v gauge\n"
                 "v{k=\"a\"} +Inf\n"
                 "v{k=\"b\"} -Inf\n"
                 "v{k=\"c\"} NaN\n");
    free(s);
    jxa_mset_free(m);
}

/* jmx_exporter 1.0.1: equal labels in a family give every member an
 * _objectname label; mixed types make the family UNKNOWN (a COUNTER loses
 * its _total). */
static void test_collision_objectname(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_label z = L("zone", "1");
    jxa_mset_add_jmx(m, "io_prometheus_jmx_test_Total_Value_Total",
                     JXA_UNKNOWN, "h1", NULL, 0, 345,
                     "io.prometheus.jmx.test<type=Total.Value><>Total");
    jxa_mset_add_jmx(m, "io_prometheus_jmx_test_Total_Value_Total",
                     JXA_UNKNOWN, "h2", NULL, 0, 345,
                     "io.prometheus.jmx.test<type=Total-Value><>Total");
    /* Another family with distinct labels keeps its labels untouched. */
    jxa_mset_add_jmx(m, "other", JXA_COUNTER, "o", &z, 1, 1, "o<>x");
    jxa_mset_add_jmx(m, "other", JXA_GAUGE, "o", NULL, 0, 2, "o<>y");
    CHECK_INT(jxa_mset_finish(m), 0);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    CHECK_STR(s,
        "# HELP io_prometheus_jmx_test_Total_Value_Total h1\n"
        "# TYPE io_prometheus_jmx_test_Total_Value_Total untyped\n"
        "io_prometheus_jmx_test_Total_Value_Total{_objectname=\"io.prometheus.jmx.test<type=Total-Value><>Total\"} 345.0\n"
        "io_prometheus_jmx_test_Total_Value_Total{_objectname=\"io.prometheus.jmx.test<type=Total.Value><>Total\"} 345.0\n"
        "# HELP other o\n"
        "# TYPE other untyped\n"
        "other 2.0\n"
        "other{zone=\"1\"} 1.0\n");
    free(s);
    jxa_mset_free(m);
}

/* _objectname sorts between upper- and lower-case names; a sample still
 * equal to another after it is dropped (1.0.1 answers HTTP 500). */
static void test_collision_sorting_and_drop(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_label l1[] = {L("b", "1"), L("A", "2")};
    jxa_mset_add_jmx(m, "f", JXA_GAUGE, "h", l1, 2, 1, "d<k=v><>a");
    jxa_mset_add_jmx(m, "f", JXA_GAUGE, "h", l1, 2, 2, "d<k=v><>a");
    jxa_mset_add_jmx(m, "f", JXA_GAUGE, "h", l1, 2, 3, "d<k=w><>a");
    CHECK_INT(jxa_mset_finish(m), 1);
    CHECK_INT(jxa_mset_nsamples(m), 2);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    CHECK_STR(s, "# HELP f h\n"
                 "# TYPE f gauge\n"
                 "f{A=\"2\",_objectname=\"d<k=v><>a\",b=\"1\"} 1.0\n"
                 "f{A=\"2\",_objectname=\"d<k=w><>a\",b=\"1\"} 3.0\n");
    free(s);
    jxa_mset_free(m);
}

/* client_java Labels.compareTo compares all names, then all values. */
static void test_sample_order_names_first(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_label two[] = {L("a", "1"), L("b", "x")};
    struct jxa_label one = L("a", "2");
    struct jxa_label none[1];
    jxa_mset_add_jmx(m, "s", JXA_GAUGE, "h", two, 2, 1, "k1");
    jxa_mset_add_jmx(m, "s", JXA_GAUGE, "h", &one, 1, 2, "k2");
    jxa_mset_add_jmx(m, "s", JXA_GAUGE, "h", none, 0, 3, "k3");
    jxa_mset_finish(m);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    CHECK_STR(s, "# HELP s h\n# TYPE s gauge\n"
                 "s 3.0\n"
                 "s{a=\"2\"} 2.0\n"
                 "s{a=\"1\",b=\"x\"} 1.0\n");
    free(s);
    jxa_mset_free(m);
}

static void test_counter_naming(void)
{
    struct jxa_mset *m = jxa_mset_new();
    jxa_mset_add_jmx(m, "foo", JXA_COUNTER, "help", NULL, 0, 5, "d<>foo");
    jxa_mset_finish(m);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    CHECK_STR(s, "# HELP foo_total help\n# TYPE foo_total counter\n"
                 "foo_total 5.0\n");
    free(s);
    s = render(m, JXA_FMT_OPENMETRICS, NULL, 0);
    CHECK_STR(s, "# TYPE foo counter\n# HELP foo help\nfoo_total 5.0\n"
                 "# EOF\n");
    free(s);
    jxa_mset_free(m);
}

/* name[]: a family is kept when a requested name starts with its name. */
static void test_name_filter_prefix(void)
{
    struct jxa_mset *m = jxa_mset_new();
    jxa_mset_add_jmx(m, "foo", JXA_COUNTER, NULL, NULL, 0, 1, "a");
    jxa_mset_add_jmx(m, "foo_bar", JXA_GAUGE, NULL, NULL, 0, 2, "b");
    jxa_mset_add_jmx(m, "zed", JXA_GAUGE, NULL, NULL, 0, 3, "c");
    jxa_mset_finish(m);
    const char *n1[] = {"foo_total"};
    char *s = render(m, JXA_FMT_TEXT, n1, 1);
    CHECK_STR(s, "# TYPE foo_total counter\nfoo_total 1.0\n");
    free(s);
    const char *n2[] = {"foo_bar", "zed"};
    s = render(m, JXA_FMT_TEXT, n2, 2);
    CHECK_STR(s, "# TYPE foo_total counter\nfoo_total 1.0\n"
                 "# TYPE foo_bar gauge\nfoo_bar 2.0\n"
                 "# TYPE zed gauge\nzed 3.0\n");
    free(s);
    const char *n3[] = {"nothing"};
    s = render(m, JXA_FMT_OPENMETRICS, n3, 1);
    CHECK_STR(s, "# EOF\n");
    free(s);
    jxa_mset_free(m);
}

static void test_summary_quantiles_last_label(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_family *f = jxa_mset_family(m, "lat", JXA_SUMMARY, "", NULL);
    struct jxa_label q9[] = {L("quantile", "0.99"), L("op", "r")};
    struct jxa_label q5[] = {L("quantile", "0.5"), L("op", "r")};
    struct jxa_label op = L("op", "r");
    jxa_family_add(f, "_sum", &op, 1, 1.5, 0);
    jxa_family_add(f, "", q9, 2, 0.25, 0);
    jxa_family_add(f, "_count", &op, 1, 3, JXA_SAMPLE_INT);
    jxa_family_add(f, "", q5, 2, 0.125, 0);
    jxa_mset_finish(m);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    CHECK_STR(s, "# TYPE lat summary\n"
                 "lat{op=\"r\",quantile=\"0.5\"} 0.125\n"
                 "lat{op=\"r\",quantile=\"0.99\"} 0.25\n"
                 "lat_count{op=\"r\"} 3\n"
                 "lat_sum{op=\"r\"} 1.5\n");
    free(s);
    jxa_mset_free(m);
}

/* A rule emitting a native family's name: the native one is kept. */
static void test_native_jmx_name_clash(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_family *f = jxa_mset_family(m, "jvm_threads_current",
                                           JXA_GAUGE, "Current", NULL);
    jxa_family_add(f, "", NULL, 0, 10, 0);
    CHECK_INT(jxa_mset_add_jmx(m, "jvm_threads_current", JXA_UNKNOWN, "x",
                               NULL, 0, 99, "k"), 0);
    jxa_mset_add_jmx(m, "mine", JXA_UNKNOWN, "x", NULL, 0, 1, "k");
    struct jxa_family *g = jxa_mset_family(m, "mine", JXA_GAUGE, "y", NULL);
    jxa_family_add(g, "", NULL, 0, 2, 0);
    CHECK_INT(jxa_mset_finish(m), 2);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    CHECK_STR(s, "# HELP jvm_threads_current Current\n"
                 "# TYPE jvm_threads_current gauge\n"
                 "jvm_threads_current 10.0\n"
                 "# HELP mine x\n# TYPE mine untyped\nmine 1.0\n");
    free(s);
    jxa_mset_free(m);
}

/* A rule family named like a summary's _count sample (a rule can make
 * one: _count is no reserved suffix): the family made first keeps the name,
 * the other is dropped, so no parser reads a second HELP/TYPE of the
 * summary or a duplicate series. */
static void test_summary_suffix_clash(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_label copy = L("gc", "Copy");
    jxa_mset_add_jmx(m, "gc_seconds_count", JXA_UNKNOWN, "mine", &copy, 1, 5, "k");
    struct jxa_family *f = jxa_mset_family(m, "gc_seconds", JXA_SUMMARY, "native", NULL);
    jxa_family_add(f, "_count", &copy, 1, 1, JXA_SAMPLE_INT);
    jxa_family_add(f, "_sum", &copy, 1, 0.5, 0);
    struct jxa_family *h = jxa_mset_family(m, "pause", JXA_HISTOGRAM, "native", NULL);
    jxa_family_add(h, "_count", NULL, 0, 2, JXA_SAMPLE_INT);
    jxa_mset_add_jmx(m, "pause_sum", JXA_GAUGE, "late", NULL, 0, 7, "k");
    CHECK_INT(jxa_mset_finish(m), 3);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    CHECK_STR(s, "# HELP gc_seconds_count mine\n# TYPE gc_seconds_count untyped\n"
                 "gc_seconds_count{gc=\"Copy\"} 5.0\n"
                 "# HELP pause native\n# TYPE pause histogram\npause_count 2\n");
    free(s);
    jxa_mset_free(m);
}

static void test_reset_reuses(void)
{
    struct jxa_mset *m = jxa_mset_new();
    for (int round = 0; round < 3; round++) {
        char name[32];
        for (int i = 0; i < 300; i++) {     /* past the first hash resize */
            snprintf(name, sizeof name, "m%03d", i);
            struct jxa_label l = L("r", round ? "b" : "a");
            jxa_mset_add_jmx(m, name, JXA_GAUGE, "h", &l, 1, i, "k");
        }
        jxa_mset_finish(m);
        CHECK_INT(jxa_mset_nsamples(m), 300);
        char *s = render(m, JXA_FMT_TEXT, NULL, 0);
        CHECK(strncmp(s, "# HELP m000 h\n# TYPE m000 gauge\nm000{r=", 38) == 0);
        CHECK(strstr(s, "m299{r=\"") != NULL);
        free(s);
        jxa_mset_reset(m);
        CHECK_INT(jxa_mset_nsamples(m), 0);
    }
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    CHECK_STR(s, "");
    free(s);
    jxa_mset_free(m);
}

/* More labels than the on-stack sort buffer holds. */
static void test_many_labels_sorted(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_label l[20];
    char names[20][8];
    for (int i = 0; i < 20; i++) {
        snprintf(names[i], sizeof names[i], "l%02d", 19 - i);
        l[i] = L(names[i], "v");
    }
    jxa_mset_add_jmx(m, "many", JXA_GAUGE, NULL, l, 20, 1, "k");
    jxa_mset_finish(m);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    CHECK(strncmp(s, "# TYPE many gauge\nmany{l00=\"v\",l01=\"v\",", 39) == 0);
    CHECK(strstr(s, ",l18=\"v\",l19=\"v\"} 1.0\n") != NULL);
    free(s);
    jxa_mset_free(m);
}

/* A family made but never given a sample (a reserved name) is not written
 * and sorts without handing qsort_r a NULL array (UBSan checks). */
static void test_empty_family(void)
{
    struct jxa_mset *m = jxa_mset_new();
    CHECK(jxa_mset_family(m, "reserved", JXA_GAUGE, "Help.", NULL) != NULL);
    jxa_family_add(jxa_mset_family(m, "b", JXA_GAUGE, NULL, NULL), "", NULL, 0, 1, 0);
    CHECK_INT(jxa_mset_finish(m), 0);
    struct jxa_buf out = {0};
    CHECK_INT(jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_TEXT, NULL, 0, 0}, &out), 0);
    CHECK_STR(jxa_buf_str(&out), "# TYPE b gauge\nb 1.0\n");
    jxa_buf_free(&out);
    jxa_mset_free(m);
}

/* An old result carries jmxagent_scrape_stale_seconds in its sorted
 * place, in both formats, subject to name[]; a fresh one does not, and a
 * bean cannot take the reserved name. */
static void test_stale_family(void)
{
    struct jxa_mset *m = jxa_mset_new();
    jxa_mset_family(m, JXA_STALE_FAMILY, JXA_GAUGE, NULL, NULL);
    jxa_family_add(jxa_mset_family(m, "a", JXA_GAUGE, NULL, NULL), "", NULL, 0, 1, 0);
    jxa_family_add(jxa_mset_family(m, "z", JXA_GAUGE, NULL, NULL), "", NULL, 0, 2, 0);
    jxa_mset_add_jmx(m, JXA_STALE_FAMILY, JXA_GAUGE, "bean", NULL, 0, 7, "d<k=v><>x");
    jxa_mset_finish(m);
    struct jxa_buf out = {0};
    CHECK_INT(jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_TEXT, NULL, 0, 2.5}, &out), 0);
    CHECK_STR(jxa_buf_str(&out), "# TYPE a gauge\na 1.0\n"
              "# HELP jmxagent_scrape_stale_seconds Age of the served result when the "
              "walk did not finish within the scrape timeout.\n"
              "# TYPE jmxagent_scrape_stale_seconds gauge\n"
              "jmxagent_scrape_stale_seconds 2.5\n"
              "# TYPE z gauge\nz 2.0\n");
    jxa_buf_reset(&out);
    CHECK_INT(jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_OPENMETRICS, NULL, 0, 2.5}, &out), 0);
    CHECK_STR(jxa_buf_str(&out), "# TYPE a gauge\na 1.0\n"
              "# TYPE jmxagent_scrape_stale_seconds gauge\n"
              "# HELP jmxagent_scrape_stale_seconds Age of the served result when the "
              "walk did not finish within the scrape timeout.\n"
              "jmxagent_scrape_stale_seconds 2.5\n"
              "# TYPE z gauge\nz 2.0\n# EOF\n");
    jxa_buf_reset(&out);
    const char *only_z[] = {"z"};
    CHECK_INT(jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_TEXT, only_z, 1, 2.5}, &out), 0);
    CHECK_STR(jxa_buf_str(&out), "# TYPE z gauge\nz 2.0\n");
    jxa_buf_reset(&out);
    CHECK_INT(jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_TEXT, NULL, 0, 0}, &out), 0);
    CHECK(strstr(jxa_buf_str(&out), JXA_STALE_FAMILY) == NULL);
    jxa_buf_free(&out);
    jxa_mset_free(m);
}

/* Samples with the same label names sort by their values, name by name,
 * bytes unsigned: the sort keys (the values' first 8 bytes) must agree
 * with the full comparison, ties (equal first 8 bytes, a value ending
 * inside them) included. */
static void test_sort_keys_order(void)
{
    struct jxa_mset *m = jxa_mset_new();
    static const char *const v[][2] = {
        {"abcdefghZ", ""}, {"~", ""}, {"a", "b"}, {"abcdefgh", "x"},
        {"\xc3\xa9", ""}, {"", "z"}, {"ab", ""}, {"abcdefgh", "a"},
        {"a", ""}, {"abcdefghA", ""},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        struct jxa_label l[] = {L("a", v[i][0]), L("b", v[i][1])};
        jxa_mset_add_jmx(m, "s", JXA_GAUGE, "h", l, 2, (double)i, "k");
    }
    CHECK_INT(jxa_mset_finish(m), 0);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    CHECK_STR(s, "# HELP s h\n# TYPE s gauge\n"
                 "s{a=\"\",b=\"z\"} 5.0\n"
                 "s{a=\"a\",b=\"\"} 8.0\n"
                 "s{a=\"a\",b=\"b\"} 2.0\n"
                 "s{a=\"ab\",b=\"\"} 6.0\n"
                 "s{a=\"abcdefgh\",b=\"a\"} 7.0\n"
                 "s{a=\"abcdefgh\",b=\"x\"} 3.0\n"
                 "s{a=\"abcdefghA\",b=\"\"} 9.0\n"
                 "s{a=\"abcdefghZ\",b=\"\"} 0.0\n"
                 "s{a=\"~\",b=\"\"} 1.0\n"
                 "s{a=\"\xc3\xa9\",b=\"\"} 4.0\n");
    free(s);
    jxa_mset_free(m);
}

/* Label names are stored once per walk (a table that grows): many
 * different names, each written back as it was given. */
static void test_many_label_names(void)
{
    struct jxa_mset *m = jxa_mset_new();
    char names[100][8];
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof names[i], "n%02d", i);
        struct jxa_label l[] = {L(names[i], "v"), L("n00", "w")};
        jxa_mset_add_jmx(m, "f", JXA_GAUGE, NULL, l, i == 0 ? 1 : 2, i, "k");
    }
    CHECK_INT(jxa_mset_finish(m), 0);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    CHECK(strstr(s, "f{n00=\"v\"} 0.0\nf{n00=\"w\",n01=\"v\"} 1.0\n") != NULL);
    CHECK(strstr(s, "f{n00=\"w\",n99=\"v\"} 99.0\n") != NULL);
    CHECK(strstr(s, "f{n00=\"w\",n57=\"v\"} 57.0\nf{n00=\"w\",n58=\"v\"} 58.0\n") != NULL);
    free(s);
    jxa_mset_free(m);
}

/* A family of 1,000 samples in 35 distinct label sets, added in a
 * scrambled order: sorted by values (merge sort of the keys, ties by the
 * full comparison), the first of equal samples kept. */
static void test_sort_many_samples(void)
{
    static const char *const v1[] = {"pqrstuvwx2", "p", "pqrstuvwx1", "pp", "\xc3\xa9",
                                     "pqrstuvwx", "a"};
    static const char *const v2[] = {"z", "", "yy", "y", "abcdefghijk"};
    int first[7][5];
    memset(first, -1, sizeof first);
    struct jxa_mset *m = jxa_mset_new();
    unsigned r = 12345;
    for (int i = 0; i < 1000; i++) {
        r = r * 1103515245u + 12345u;
        int x = (int)((r >> 16) % 7), y = (int)((r >> 8) % 5);
        if (first[x][y] < 0)
            first[x][y] = i;
        struct jxa_label l[] = {L("a", v1[x]), L("b", v2[y])};
        jxa_mset_add_jmx(m, "s", JXA_GAUGE, "h", l, 2, i, "k");
    }
    int distinct = 0;
    for (int x = 0; x < 7; x++)
        for (int y = 0; y < 5; y++)
            distinct += first[x][y] >= 0;
    CHECK_INT(jxa_mset_finish(m), 1000 - distinct);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    /* Expected: every seen pair in strcmp order of (a, b), value = the
     * index of its first sample. */
    int ox[7] = {6, 1, 3, 5, 2, 0, 4}, oy[5] = {1, 4, 3, 2, 0};   /* sorted orders */
    struct jxa_buf want = {0};
    jxa_buf_puts(&want, "# HELP s h\n# TYPE s gauge\n");
    for (int i = 0; i < 7; i++)
        for (int k = 0; k < 5; k++)
            if (first[ox[i]][oy[k]] >= 0)
                jxa_buf_printf(&want, "s{_objectname=\"k\",a=\"%s\",b=\"%s\"} %d.0\n",
                               v1[ox[i]], v2[oy[k]], first[ox[i]][oy[k]]);
    CHECK_STR(s, jxa_buf_str(&want));
    jxa_buf_free(&want);
    free(s);
    jxa_mset_free(m);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Values that share a long beginning (the sort keys leave it out):
 * connection0 ... connection199, the bare prefix, and a longer one. */
static void test_sort_common_prefix(void)
{
    char vals[202][24];
    const char *sorted[202];
    for (int i = 0; i < 200; i++)
        snprintf(vals[i], sizeof vals[i], "connection%d", (i * 37) % 200);
    snprintf(vals[200], sizeof vals[200], "connection");
    snprintf(vals[201], sizeof vals[201], "connection1zzzzzzzzzz");
    struct jxa_mset *m = jxa_mset_new();
    for (int i = 0; i < 202; i++) {
        struct jxa_label l = L("name", vals[i]);
        jxa_mset_add_jmx(m, "c", JXA_GAUGE, "h", &l, 1, 1, "k");
        sorted[i] = vals[i];
    }
    qsort(sorted, 202, sizeof *sorted, cmp_str);
    CHECK_INT(jxa_mset_finish(m), 0);
    char *s = render(m, JXA_FMT_TEXT, NULL, 0);
    struct jxa_buf want = {0};
    jxa_buf_puts(&want, "# HELP c h\n# TYPE c gauge\n");
    for (int i = 0; i < 202; i++)
        jxa_buf_printf(&want, "c{name=\"%s\"} 1.0\n", sorted[i]);
    CHECK_STR(s, jxa_buf_str(&want));
    jxa_buf_free(&want);
    free(s);
    jxa_mset_free(m);
}

SUITE(mset)
{
    RUN(test_stale_family);
    RUN(test_empty_family);
    RUN(test_probe_text);
    RUN(test_probe_openmetrics);
    RUN(test_escaping_both_formats);
    RUN(test_special_values_and_empty_help);
    RUN(test_collision_objectname);
    RUN(test_collision_sorting_and_drop);
    RUN(test_sample_order_names_first);
    RUN(test_counter_naming);
    RUN(test_name_filter_prefix);
    RUN(test_summary_quantiles_last_label);
    RUN(test_native_jmx_name_clash);
    RUN(test_summary_suffix_clash);
    RUN(test_reset_reuses);
    RUN(test_many_labels_sorted);
    RUN(test_sort_keys_order);
    RUN(test_many_label_names);
    RUN(test_sort_many_samples);
    RUN(test_sort_common_prefix);
}
