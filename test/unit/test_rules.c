/* test_rules.c - the rule engine: the test vectors of docs/semantics.md
 * §15, sanitisers, substitution, caching.  Expected outputs are
 * jmx_prometheus_javaagent 1.0.1 text 0.0.4 (test_jar_experiment was
 * printed by the real jar with the same rules). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "rules_fixture.h"

struct opts {
    bool lower_name, lower_labels, infer;
    enum jxa_format fmt;
};

/* Runs rules over leaves; returns the exposition, *rc the first error. */
static char *run(const struct fx_rule *rules, size_t n, const struct opts *o,
                 struct fx_leaf *leaves, size_t nl, int *rc, char *err,
                 size_t errlen)
{
    struct jxa_config *c = n ? fx_config(rules, n) : fx_config(NULL, 0);
    if (!c) {
        FAILF("fixture config");
        return NULL;
    }
    if (o) {
        c->lowercase_output_name = o->lower_name;
        c->lowercase_output_label_names = o->lower_labels;
        c->infer_counter_type_from_name = o->infer;
    }
    struct jxa_engine *e = jxa_engine_new(c);
    int rc_ = 0;
    char *s = fx_scrape(e, leaves, nl, o ? o->fmt : JXA_FMT_TEXT, err, errlen,
                        &rc_);
    if (rc)
        *rc = rc_;
    else if (rc_ != 0)
        FAILF("unexpected scrape error: %s", err);
    jxa_engine_free(e);
    fx_config_free(c);
    return s;
}

#define RUN1(rules, leaf, expect)                                         \
    do {                                                                  \
        char err_[256] = "";                                              \
        char *s_ = run((rules), sizeof(rules) / sizeof(rules)[0], NULL,   \
                       (leaf), 1, NULL, err_, sizeof err_);               \
        CHECK_STR(s_, (expect));                                          \
        free(s_);                                                         \
    } while (0)

/* ---- sanitisers ---------------------------------------------------------- */

static void test_safe_name_table(void)
{
    static const char *t[][2] = {
        {"test-_-test", "test_test"}, {"-_-", "_"}, {"__test", "_test"},
        {"001", "_001"}, {"test:test", "test:test"},
        {"test_swedish_chars_\xc3\xa5\xc3\xa4\xc3\xb6", "test_swedish_chars_"},
        {"", ""}, {"1_a", "_1_a"}, {"a.b c", "a_b_c"},
        {"hadoop<service=DataNode, ", "hadoop_service_DataNode_"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        struct jxa_buf b = {0};
        jxa_safe_name(t[i][0], &b);
        CHECK_STR(jxa_buf_str(&b), t[i][1]);
        jxa_buf_free(&b);
    }
}

static void test_snake_case_table(void)
{
    static const char *t[][2] = {
        {"testTCPTest", "test_tcptest"}, {"TCP", "tcp"},
        {"StartTime_$1_$2", "start_time_$1_$2"}, {"_Test_Test", "_test_test"},
        {"test_Test", "test_test"}, {"testTest\nTest", "test_test\n_test"},
        {"", ""}, {"ActiveSessions", "active_sessions"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        struct jxa_buf b = {0};
        jxa_snake_case(t[i][0], &b);
        CHECK_STR(jxa_buf_str(&b), t[i][1]);
        jxa_buf_free(&b);
    }
}

static void test_strip_reserved_suffixes(void)
{
    static const char *t[][2] = {
        {"x_total", "x"}, {"x_total_total", "x"}, {"_total", "total"},
        {"_info", "info"}, {"kafka_connect_app_info", "kafka_connect_app"},
        {"a_created_bucket", "a"}, {"a_info_total", "a"},
        {"_total_total", "total"}, {"x_totals", "x_totals"},
        {"total", "total"}, {"x.total", "x"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        char buf[64];
        strcpy(buf, t[i][0]);
        jxa_strip_reserved_suffixes(buf);
        CHECK_STR(buf, t[i][1]);
    }
}

/* ---- docs/semantics.md §15 vectors --------------------------------------- */

#define HADOOP_HELP "Attribute exposed for management hadoop:name=" \
    "DataNodeActivity-ams-hdd001-50010,type=null,attribute=replaceBlockOpMinTime"

static void hadoop_leaf(struct fx_leaf *l)
{
    fx_leaf_init(l, "hadoop", "service=DataNode,name=DataNodeActivity-ams-hdd001-50010",
                 NULL, 0, "replaceBlockOpMinTime",
                 "Attribute exposed for management");
    fx_leaf_num(l, 200, "200");
}

static void test_v1_default_export(void)
{
    struct fx_leaf l;
    hadoop_leaf(&l);
    struct fx_rule r[] = {{0}};
    RUN1(r, &l,
         "# HELP hadoop_DataNode_replaceBlockOpMinTime " HADOOP_HELP "\n"
         "# TYPE hadoop_DataNode_replaceBlockOpMinTime untyped\n"
         "hadoop_DataNode_replaceBlockOpMinTime{name=\"DataNodeActivity-ams-hdd001-50010\"} 200.0\n");
    fx_leaf_free(&l);
}

/* metricCustomizers attributesAsLabels (jmx_exporter 1.6.0 JmxCollector,
 * 3a7e226): toSafeName'd attribute names, lower-cased with
 * lowercaseOutputLabelNames, after the key-property labels in the default
 * export, before the rule's labels in a named rule; not in the match
 * string; frozen with the rest of a cached rule's result. */
static void test_attr_labels(void)
{
    struct jxa_prop al[] = {{"Kind.Name", "Eden Space"}, {"mode", "x"}};
    struct fx_leaf l;
    fx_leaf_init(&l, "d", "type=T,name=n", NULL, 0, "Count", NULL);
    fx_leaf_num(&l, 3, "3");
    l.leaf.attr_labels = al;
    l.leaf.nattr_labels = 2;
    struct fx_rule r0[] = {{0}};
    RUN1(r0, &l,
         "# HELP d_T_Count d:name=n,type=T,attribute=Count\n"
         "# TYPE d_T_Count untyped\n"
         "d_T_Count{Kind_Name=\"Eden Space\",mode=\"x\",name=\"n\"} 3.0\n");
    /* The rule's own label of the same name comes second and is dropped;
     * the pattern sees no attribute label. */
    struct fx_rule r1[] = {{.pattern = "^d<type=T, name=n><>Count: 3$",
                            .name = "c", .labels = {"mode", "rule", "z", "$0", NULL}}};
    RUN1(r1, &l,
         "# HELP c d:name=n,type=T,attribute=Count\n"
         "# TYPE c untyped\n"
         "c{Kind_Name=\"Eden Space\",mode=\"x\",z=\"d<type=T, name=n><>Count: 3\"} 3.0\n");
    struct opts lo = {.lower_labels = true};
    char err[256] = "";
    char *s = run(r0, 1, &lo, &l, 1, NULL, err, sizeof err);
    CHECK_STR(s, "# HELP d_T_Count d:name=n,type=T,attribute=Count\n"
                 "# TYPE d_T_Count untyped\n"
                 "d_T_Count{kind_name=\"Eden Space\",mode=\"x\",name=\"n\"} 3.0\n");
    free(s);
    fx_leaf_free(&l);
}

/* The exact match string, checked with a fully anchored pattern. */
static void test_v1_match_string(void)
{
    struct fx_leaf l;
    hadoop_leaf(&l);
    struct fx_rule r[] = {{
        .pattern = "^hadoop<service=DataNode, name=DataNodeActivity-ams-"
                   "hdd001-50010><>replaceBlockOpMinTime: 200$",
        .name = "exact", .help = "h"}};
    RUN1(r, &l, "# HELP exact h\n# TYPE exact untyped\nexact 200.0\n");
    fx_leaf_free(&l);
}

static void test_v2_named_rule(void)
{
    struct fx_leaf l;
    hadoop_leaf(&l);
    struct fx_rule r[] = {{
        .pattern = "^hadoop<service=DataNode, name=DataNodeActivity-ams-"
                   "hdd001-50010><>replaceBlockOpMinTime:",
        .name = "foo"}};
    RUN1(r, &l, "# HELP foo " HADOOP_HELP "\n# TYPE foo untyped\nfoo 200.0\n");
    fx_leaf_free(&l);
}

static void test_v3_snake_case_match(void)
{
    struct fx_leaf l;
    hadoop_leaf(&l);
    struct fx_rule r[] = {
        {.pattern = "><>replaceBlockOpMinTime:", .name = "camel",
         .help = "", .snake = true},
        {.pattern = "^hadoop<service=DataNode, name=DataNodeActivity-ams-"
                    "hdd001-50010><>replace_block_op_min_time:",
         .name = "foo", .help = "", .snake = true}};
    RUN1(r, &l, "# TYPE foo untyped\nfoo 200.0\n");
    fx_leaf_free(&l);
}

static void test_v4_captures_name_and_label(void)
{
    struct fx_leaf l;
    hadoop_leaf(&l);
    struct fx_rule r[] = {{
        .pattern = "^hadoop<(service)=(DataNode), name=DataNodeActivity-ams-"
                   "hdd001-50010><>(replaceBlockOpMinTime):",
        .name = "hadoop_$3", .help = "", .labels = {"$1", "$2"}}};
    RUN1(r, &l, "# TYPE hadoop_replaceBlockOpMinTime untyped\n"
                "hadoop_replaceBlockOpMinTime{service=\"DataNode\"} 200.0\n");
    fx_leaf_free(&l);
}

static void test_v5_sanitised_captures(void)
{
    struct fx_leaf l;
    hadoop_leaf(&l);
    struct fx_rule r[] = {{
        .pattern = "^(hadoop<service=DataNode, )name=DataNodeActivity-ams-"
                   "hdd001-50010><>replaceBlockOpMinTime:",
        .name = "$1", .help = "", .labels = {"$1", "$1"}}};
    RUN1(r, &l, "# TYPE hadoop_service_DataNode_ untyped\n"
                "hadoop_service_DataNode_{hadoop_service_DataNode_="
                "\"hadoop<service=DataNode, \"} 200.0\n");
    fx_leaf_free(&l);
}

static void test_v6_empty_name_stops(void)
{
    struct fx_leaf l;
    hadoop_leaf(&l);
    struct fx_rule r[] = {{.pattern = ".*", .name = ""},
                          {.pattern = ".*", .name = "foo"}};
    RUN1(r, &l, "");
    /* A name that sanitises to nothing... cannot: toSafeName("-") is "_". */
    struct fx_rule r2[] = {{.pattern = "(x)?", .name = "$1"},
                           {.pattern = ".*", .name = "foo", .help = ""}};
    RUN1(r2, &l, "");
    fx_leaf_free(&l);
}

static void test_v7_value_not_a_number(void)
{
    struct fx_leaf l;
    hadoop_leaf(&l);
    struct fx_rule a[] = {{.pattern = ".*", .name = "foo", .value = "a"},
                          {.pattern = ".*", .name = "bar"}};
    RUN1(a, &l, "");
    /* YAML "value:" with no value becomes the string "null". */
    struct fx_rule b[] = {{.pattern = ".*", .name = "foo", .value = "null"}};
    RUN1(b, &l, "");
    struct fx_rule c[] = {{.pattern = ".*", .name = "foo", .value = "",
                           .help = ""}};
    RUN1(c, &l, "# TYPE foo untyped\nfoo 200.0\n");
    fx_leaf_free(&l);
}

static void test_v8_value_from_capture(void)
{
    struct fx_leaf l;
    hadoop_leaf(&l);
    struct fx_rule r[] = {{.pattern = "^hadoop<.+-500(10)>", .name = "foo",
                           .value = "$1", .help = ""}};
    RUN1(r, &l, "# TYPE foo untyped\nfoo 10.0\n");
    fx_leaf_free(&l);
}

static void test_v9_enum_string_value(void)
{
    struct fx_leaf l;
    fx_leaf_init(&l, "org.bean.enum", "type=StateMetrics", NULL, 0, "State",
                 NULL);
    l.leaf.kind = JXA_V_STRING;
    l.leaf.text = "RUNNING";
    struct fx_rule r[] = {{.pattern = "org.bean.enum<type=StateMetrics.*>"
                                      "State: RUNNING",
                           .name = "bean_running", .value = "1", .help = ""}};
    RUN1(r, &l, "# TYPE bean_running untyped\nbean_running 1.0\n");
    /* Without value: the String is consumed by the rule and dropped. */
    struct fx_rule r2[] = {{.pattern = "State: RUNNING", .name = "s"},
                           {.pattern = ".*", .name = "t", .value = "1"}};
    RUN1(r2, &l, "");
    fx_leaf_free(&l);
}

static void test_v10_booleans_no_factor(void)
{
    struct fx_leaf l[2];
    fx_leaf_init(&l[0], "boolean", "Type=Test", NULL, 0, "True", "True");
    l[0].leaf.kind = JXA_V_BOOL;
    l[0].leaf.num = 1;
    l[0].leaf.text = "true";
    fx_leaf_init(&l[1], "boolean", "Type=Test", NULL, 0, "False", "False");
    l[1].leaf.kind = JXA_V_BOOL;
    l[1].leaf.num = 0;
    l[1].leaf.text = "false";
    struct fx_rule r[] = {{.factor = 2}};
    char err[256];
    char *s = run(r, 1, NULL, l, 2, NULL, err, sizeof err);
    CHECK_STR(s, "# HELP boolean_Test_False boolean:name=null,type=null,attribute=False\n"
                 "# TYPE boolean_Test_False untyped\n"
                 "boolean_Test_False 0.0\n"
                 "# HELP boolean_Test_True boolean:name=null,type=null,attribute=True\n"
                 "# TYPE boolean_Test_True untyped\n"
                 "boolean_Test_True 1.0\n");
    free(s);
    /* With value: the Boolean is replaced by a Double: the factor applies. */
    struct fx_rule r2[] = {{.pattern = "True: true", .name = "b", .value = "3",
                            .factor = 2, .help = ""}};
    s = run(r2, 1, NULL, l, 2, NULL, err, sizeof err);
    CHECK_STR(s, "# TYPE b untyped\nb 6.0\n");
    free(s);
    fx_leaf_free(&l[0]);
    fx_leaf_free(&l[1]);
}

static void test_v11_tabular_map(void)
{
    struct fx_leaf l;
    fx_leaf_init(&l, "Hadoop", "name=DataNodeInfo,service=DataNode,key=1.2.3.4,"
                 "key_=networkErrors", NULL, 0, "DatanodeNetworkCounts", NULL);
    fx_leaf_num(&l, 338, "338");
    struct fx_rule r[] = {
        {.pattern = "^Hadoop<name=DataNodeInfo, service=DataNode, key=1\\.2\\.3"
                    "\\.4, key_=networkErrors><>DatanodeNetworkCounts: 338$",
         .name = "exact", .help = ""},
        {0}};
    char err[256];
    char *s = run(r, 2, NULL, &l, 1, NULL, err, sizeof err);
    CHECK_STR(s, "# TYPE exact untyped\nexact 338.0\n");
    free(s);
    s = run(r + 1, 1, NULL, &l, 1, NULL, err, sizeof err);
    CHECK_STR(s, "# HELP Hadoop_DataNodeInfo_DatanodeNetworkCounts "
                 "Hadoop:name=DataNodeInfo,type=null,attribute=DatanodeNetworkCounts\n"
                 "# TYPE Hadoop_DataNodeInfo_DatanodeNetworkCounts untyped\n"
                 "Hadoop_DataNodeInfo_DatanodeNetworkCounts{key=\"1.2.3.4\","
                 "key_=\"networkErrors\",service=\"DataNode\"} 338.0\n");
    free(s);
    fx_leaf_free(&l);
}

static void test_v12_tabular_composite_key(void)
{
    const char *keys[] = {"RunningQueries"};
    struct fx_leaf l[2];
    fx_leaf_init(&l[0], "org.exist.management.exist",
                 "type=ProcessReport,key_id=1,key_path=/db/query1.xq", keys, 1,
                 "id", "RunningQuery");
    fx_leaf_num(&l[0], 1, "1");
    fx_leaf_init(&l[1], "org.exist.management.exist",
                 "type=ProcessReport,key_id=1,key_path=/db/query1.xq", keys, 1,
                 "path", "RunningQuery");
    l[1].leaf.kind = JXA_V_STRING;
    l[1].leaf.text = "/db/query1.xq";
    struct fx_rule r[] = {
        {.pattern = "^org.exist.management.exist<type=ProcessReport, key_id=1, "
                    "key_path=/db/query1.xq><RunningQueries>id: 1$",
         .name = "m", .labels = {"k", "$0"}, .help = ""},
        {0}};
    char err[256];
    char *s = run(r, 2, NULL, l, 2, NULL, err, sizeof err);
    CHECK_STR(s, "# TYPE m untyped\n"
                 "m{k=\"org.exist.management.exist<type=ProcessReport, key_id=1, "
                 "key_path=/db/query1.xq><RunningQueries>id: 1\"} 1.0\n");
    free(s);
    s = run(r + 1, 1, NULL, l, 2, NULL, err, sizeof err);
    CHECK_STR(s, "# HELP org_exist_management_exist_ProcessReport_RunningQueries_id "
                 "RunningQuery org.exist.management.exist:name=null,type=ProcessReport,attribute=id\n"
                 "# TYPE org_exist_management_exist_ProcessReport_RunningQueries_id untyped\n"
                 "org_exist_management_exist_ProcessReport_RunningQueries_id"
                 "{key_id=\"1\",key_path=\"/db/query1.xq\"} 1.0\n");
    free(s);
    fx_leaf_free(&l[0]);
    fx_leaf_free(&l[1]);
}

static void test_v13_lowercase(void)
{
    const char *keys[] = {"Server 1 Disk Usage Table"};
    struct fx_leaf l;
    fx_leaf_init(&l, "io.prometheus.jmx", "type=tabularData,source=/dev/sda1",
                 keys, 1, "avail", NULL);
    fx_leaf_num(&l, 1073741824.0, "1073741824");
    struct fx_rule r[] = {{.help = NULL}};
    char err[256];
    char *s = run(r, 1, NULL, &l, 1, NULL, err, sizeof err);
    CHECK(strstr(s, "\nio_prometheus_jmx_tabularData_Server_1_Disk_Usage_Table_avail"
                    "{source=\"/dev/sda1\"} 1.073741824E9\n") != NULL);
    free(s);
    struct opts o = {.lower_name = true, .lower_labels = true};
    fx_leaf_free(&l);
    fx_leaf_init(&l, "io.prometheus.jmx", "type=tabularData,SOURCE=/dev/SDA1",
                 keys, 1, "avail", NULL);
    fx_leaf_num(&l, 1073741824.0, "1073741824");
    s = run(r, 1, &o, &l, 1, NULL, err, sizeof err);
    CHECK(strstr(s, "\nio_prometheus_jmx_tabulardata_server_1_disk_usage_table_avail"
                    "{source=\"/dev/SDA1\"} 1.073741824E9\n") != NULL);
    free(s);
    fx_leaf_free(&l);
}

static void custom_value_leaf(struct fx_leaf *l)
{
    fx_leaf_init(l, "io.prometheus.jmx", "type=customValue", NULL, 0, "Value",
                 "Attribute exposed for management");
    fx_leaf_num(l, 345, "345");
}

static void test_v14_v15_value_factor(void)
{
    struct fx_leaf l;
    custom_value_leaf(&l);
    struct fx_rule a[] = {{.pattern = "io\\.prometheus\\.jmx<type=customValue>"
                                      "<>Value: (\\d+)",
                           .name = "custom_value", .factor = 0.001, .help = ""}};
    RUN1(a, &l, "# TYPE custom_value untyped\ncustom_value 0.34500000000000003\n");
    struct fx_rule b[] = {{.pattern = "io\\.prometheus\\.jmx<type=customValue>"
                                      "<>Value: (\\d+)",
                           .name = "factored_value_with_labels", .factor = 2.0,
                           .type = JXA_GAUGE, .help = "",
                           .labels = {"source", "customValue",
                                      "multiplied_by", "2"}}};
    RUN1(b, &l, "# TYPE factored_value_with_labels gauge\n"
                "factored_value_with_labels{multiplied_by=\"2\",source=\"customValue\"} 690.0\n");
    fx_leaf_free(&l);
}

static void test_v16_objectname_syntax_never_matches(void)
{
    struct fx_leaf l;
    custom_value_leaf(&l);
    struct fx_rule r[] = {{.pattern = "io.prometheus.jmx:type=customValue",
                           .name = "static_value", .value = "42"}};
    RUN1(r, &l, "");
    fx_leaf_free(&l);
}

static void kafka_leaf(struct fx_leaf *l)
{
    fx_leaf_init(l, "kafka.consumer", "type=consumer-node-metrics,"
                 "client-id=my-app-consumer,node-id=node-1", NULL, 0,
                 "request-total", "Request total");
    fx_leaf_num(l, 123, "123.0");
}

static void test_v17_kafka_total(void)
{
    struct fx_leaf l;
    kafka_leaf(&l);
    struct fx_rule r[] = {{0}};
    RUN1(r, &l, "# HELP kafka_consumer_consumer_node_metrics_request Request total "
                "kafka.consumer:name=null,type=consumer-node-metrics,attribute=request-total\n"
                "# TYPE kafka_consumer_consumer_node_metrics_request untyped\n"
                "kafka_consumer_consumer_node_metrics_request{client_id=\"my-app-consumer\","
                "node_id=\"node-1\"} 123.0\n");
    struct opts o = {.infer = true};
    char err[256];
    char *s = run(r, 1, &o, &l, 1, NULL, err, sizeof err);
    CHECK_STR(s, "# HELP kafka_consumer_consumer_node_metrics_request_total Request total "
                 "kafka.consumer:name=null,type=consumer-node-metrics,attribute=request-total\n"
                 "# TYPE kafka_consumer_consumer_node_metrics_request_total counter\n"
                 "kafka_consumer_consumer_node_metrics_request_total{client_id=\"my-app-consumer\","
                 "node_id=\"node-1\"} 123.0\n");
    free(s);
    fx_leaf_free(&l);
}

static void test_v18_collision(void)
{
    struct fx_leaf l[2];
    fx_leaf_init(&l[0], "io.prometheus.jmx.test", "type=Total.Value", NULL, 0,
                 "Total", "Total");
    fx_leaf_num(&l[0], 345, "345");
    fx_leaf_init(&l[1], "io.prometheus.jmx.test", "type=Total-Value", NULL, 0,
                 "Total", "Total");
    fx_leaf_num(&l[1], 345, "345");
    struct fx_rule r[] = {{0}};
    char err[256];
    char *s = run(r, 1, NULL, l, 2, NULL, err, sizeof err);
    CHECK_STR(s, "# HELP io_prometheus_jmx_test_Total_Value_Total "
                 "io.prometheus.jmx.test:name=null,type=Total.Value,attribute=Total\n"
                 "# TYPE io_prometheus_jmx_test_Total_Value_Total untyped\n"
                 "io_prometheus_jmx_test_Total_Value_Total{_objectname=\"io.prometheus.jmx.test<type=Total-Value><>Total\"} 345.0\n"
                 "io_prometheus_jmx_test_Total_Value_Total{_objectname=\"io.prometheus.jmx.test<type=Total.Value><>Total\"} 345.0\n");
    free(s);
    fx_leaf_free(&l[0]);
    fx_leaf_free(&l[1]);
}

static void test_v19_counter_naming(void)
{
    struct fx_leaf l;
    custom_value_leaf(&l);
    l.leaf.num = 5;
    l.leaf.text = "5";
    struct fx_rule r[] = {{.pattern = "Value", .name = "foo",
                           .type = JXA_COUNTER, .help = "h"}};
    RUN1(r, &l, "# HELP foo_total h\n# TYPE foo_total counter\nfoo_total 5.0\n");
    struct opts o = {.fmt = JXA_FMT_OPENMETRICS};
    char err[256];
    char *s = run(r, 1, &o, &l, 1, NULL, err, sizeof err);
    CHECK_STR(s, "# TYPE foo counter\n# HELP foo h\nfoo_total 5.0\n# EOF\n");
    free(s);
    struct fx_rule g[] = {{.pattern = "Value", .name = "foo_total",
                           .type = JXA_GAUGE, .help = "h"}};
    RUN1(g, &l, "# HELP foo h\n# TYPE foo gauge\nfoo 5.0\n");
    fx_leaf_free(&l);
}

static void test_v20_camel_dotted_name(void)
{
    struct fx_leaf l;
    fx_leaf_init(&l, "org.apache.camel", "context=my-camel-context,type=routes,"
                 "name=\"my-route-name\"", NULL, 0,
                 "LastExchangeFailureTimestamp", "Attribute exposed for management");
    fx_leaf_num(&l, 1.7e9, "1.7E9");
    struct fx_rule r[] = {{
        .pattern = "org.apache.camel<context=([^,]+), type=routes, "
                   "name=\"([^\"]+)\"><>LastExchangeFailureTimestamp",
        .name = "org.apache.camel.LastExchangeFailureTimestamp", .help = "",
        .labels = {"context", "$1", "route", "$2", "type", "routes"}}};
    RUN1(r, &l, "# TYPE org_apache_camel_LastExchangeFailureTimestamp untyped\n"
                "org_apache_camel_LastExchangeFailureTimestamp{context=\"my-camel-context\","
                "route=\"my-route-name\",type=\"routes\"} 1.7E9\n");
    struct fx_rule d[] = {{0}};
    char err[256];
    char *s = run(d, 1, NULL, &l, 1, NULL, err, sizeof err);
    CHECK(strstr(s, "\norg_apache_camel_my_camel_context_LastExchangeFailureTimestamp"
                    "{name=\"\\\"my-route-name\\\"\",type=\"routes\"} 1.7E9\n") != NULL);
    CHECK(strstr(s, "org.apache.camel:name=\"my-route-name\",type=routes,") != NULL);
    free(s);
    fx_leaf_free(&l);
}

static void test_v21_quoted_domain(void)
{
    struct fx_leaf l;
    fx_leaf_init(&l, "\"com.cloudant.clouseau\"",
                 "type=\"IndexManagerService\",name=\"opens\"", NULL, 0,
                 "50thPercentile", "Attribute exposed for management");
    fx_leaf_num(&l, 0, "0.0");
    struct fx_rule r[] = {{0}};
    RUN1(r, &l, "# HELP _com_cloudant_clouseau_IndexManagerService_50thPercentile "
                "Attribute exposed for management \"com.cloudant.clouseau\":name=\"opens\","
                "type=\"IndexManagerService\",attribute=50thPercentile\n"
                "# TYPE _com_cloudant_clouseau_IndexManagerService_50thPercentile untyped\n"
                "_com_cloudant_clouseau_IndexManagerService_50thPercentile"
                "{name=\"\\\"opens\\\"\"} 0.0\n");
    fx_leaf_free(&l);
}

static void test_v22_composite_snake_case(void)
{
    const char *keys[] = {"PerformanceMetrics"};
    struct fx_leaf l;
    fx_leaf_init(&l, "io.prometheus.jmx.test", "name=PerformanceMetricsMBean",
                 keys, 1, "BootstrapsDeferred", "PerformanceMetrics");
    fx_leaf_num(&l, 6, "6");
    struct fx_rule r[] = {{.pattern = "io.prometheus.jmx.test<name="
                                      "PerformanceMetricsMBean><PerformanceMetrics>.*",
                           .snake = true}};
    /* Composite key not snake-cased; HELP keeps the original name. */
    RUN1(r, &l, "# HELP io_prometheus_jmx_test_PerformanceMetricsMBean_PerformanceMetrics_bootstraps_deferred "
                "PerformanceMetrics io.prometheus.jmx.test:name=PerformanceMetricsMBean,type=null,"
                "attribute=BootstrapsDeferred\n"
                "# TYPE io_prometheus_jmx_test_PerformanceMetricsMBean_PerformanceMetrics_bootstraps_deferred untyped\n"
                "io_prometheus_jmx_test_PerformanceMetricsMBean_PerformanceMetrics_bootstraps_deferred 6.0\n");
    fx_leaf_free(&l);
}

static void test_v24_error_paths(void)
{
    struct fx_leaf l[2];
    custom_value_leaf(&l[0]);
    hadoop_leaf(&l[1]);
    char err[256] = "";
    int rc;
    /* labels {label: $999}: the scrape fails, samples so far are kept. */
    struct fx_rule r[] = {{.pattern = "customValue", .name = "ok", .help = ""},
                          {.pattern = "hadoop", .name = "bad",
                           .labels = {"label", "$999"}}};
    char *s = run(r, 2, NULL, l, 2, &rc, err, sizeof err);
    CHECK_INT(rc, -1);
    /* JDK 17 parses "$999" greedily only while the group exists: the
     * exception is "No group 9" (checked with java.util.regex). */
    CHECK_STR(err, "(config):2: rules[1].labels.label: '$999': No group 9; "
              "the scrape stops at this attribute (jmx_scrape_error 1); use "
              "only the pattern's groups ($0 to $0) and escape a literal $ "
              "as \\$");
    CHECK_STR(s, "# TYPE ok untyped\nok 345.0\n");
    free(s);
    /* A bare $ in help. */
    struct fx_rule h[] = {{.pattern = "hadoop", .name = "x",
                           .help = "Cost in $"}};
    s = run(h, 1, NULL, &l[1], 1, &rc, err, sizeof err);
    CHECK_INT(rc, -1);
    CHECK(strstr(err, "Illegal group reference: group index is missing") != NULL);
    free(s);
    /* value: without a pattern: Java's null matcher throws (NPE). */
    struct fx_rule v[] = {{.value = "1"}};
    s = run(v, 1, NULL, &l[1], 1, &rc, err, sizeof err);
    CHECK_INT(rc, -1);
    CHECK(strstr(err, "no pattern") != NULL);
    free(s);
    /* rules: [] exports nothing. */
    s = run(NULL, 0, NULL, l, 2, &rc, err, sizeof err);
    CHECK_INT(rc, 0);
    CHECK_STR(s, "");
    free(s);
    fx_leaf_free(&l[0]);
    fx_leaf_free(&l[1]);
}

/* A name or label name that substitutes to nothing: the sample (label) is
 * dropped as in Java, and the log says so once per rule, not per bean. */
static void test_empty_name_warns_once(void)
{
    char path[] = "/tmp/jxa_warn_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    CHECK_INT(jxa_log_open(path, JXA_LOG_INFO), 0);
    struct fx_leaf l[3];
    fx_leaf_init(&l[0], "d", "k=v", NULL, 0, "A", NULL);
    fx_leaf_init(&l[1], "d", "k=w", NULL, 0, "B", NULL);
    fx_leaf_init(&l[2], "d", "k=x", NULL, 0, "C", NULL);
    for (int i = 0; i < 3; i++)
        fx_leaf_num(&l[i], 1, "1");
    struct fx_rule r[] = {{.pattern = "d<k=(\\w)()><>\\w: .*", .name = "$2"},
                          {.pattern = "nothing"}};
    char err[256] = "";
    int rc;
    char *s = run(r, 1, NULL, l, 3, &rc, err, sizeof err);
    CHECK_INT(rc, 0);
    CHECK_STR(s, "");
    free(s);
    struct fx_rule lr[] = {{.pattern = "d<k=(\\w)()><>\\w: .*", .name = "n",
                            .help = "", .labels = {"$2", "v", "k", "$1"}}};
    s = run(lr, 1, NULL, l, 3, &rc, err, sizeof err);
    CHECK_INT(rc, 0);
    CHECK_STR(s, "# TYPE n untyped\nn{k=\"v\"} 1.0\nn{k=\"w\"} 1.0\n"
              "n{k=\"x\"} 1.0\n");
    free(s);
    /* Logging back to stderr before reading what went to the file. */
    jxa_log_open(NULL, JXA_LOG_INFO);
    size_t len = 0;
    char text[2048] = "";
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        len = fread(text, 1, sizeof text - 1, f);
        fclose(f);
    }
    text[len] = '\0';
    CHECK_STR(text, "jmxagent: WARN: (config):1: rules[0].name: '$2' is empty "
              "for \"d<k=v><>A: 1\"; the sample is dropped, as jmx_exporter "
              "does; make the group non-empty or use another rule\n"
              "jmxagent: WARN: (config):1: rules[0].labels.$2: '$2' is empty "
              "for \"d<k=v><>A: 1\"; the label is dropped, as jmx_exporter "
              "does; make the group non-empty or use another rule\n");
    unlink(path);
    for (int i = 0; i < 3; i++)
        fx_leaf_free(&l[i]);
}

/* ---- substitution --------------------------------------------------------- */

/* Substitutes tmpl as a rule name against subject attr "A" with pattern p;
 * returns the label value (the name is fixed) or the error. */
static void check_subst(const char *pattern, const char *attr,
                        const char *tmpl, const char *want, const char *werr)
{
    struct fx_leaf l;
    fx_leaf_init(&l, "d", "k=v", NULL, 0, attr, NULL);
    fx_leaf_num(&l, 1, "1");
    struct fx_rule r[] = {{.pattern = pattern, .name = "n", .help = "",
                           .labels = {"l", tmpl}}};
    char err[256] = "";
    int rc;
    char *s = run(r, 1, NULL, &l, 1, &rc, err, sizeof err);
    if (werr) {
        if (rc != -1)
            FAILF("'%s': no error, wanted %s (got %s)", tmpl, werr, s);
        else if (!strstr(err, werr))
            FAILF("'%s': error '%s', wanted '%s'", tmpl, err, werr);
    } else {
        char exp[512];
        if (*want)
            snprintf(exp, sizeof exp, "# TYPE n untyped\nn{l=\"%s\"} 1.0\n", want);
        else
            snprintf(exp, sizeof exp, "# TYPE n untyped\nn 1.0\n");
        if (rc != 0)
            FAILF("'%s': error %s", tmpl, err);
        else
            CHECK_STR(s, exp);
    }
    free(s);
    fx_leaf_free(&l);
}

static void test_substitution_java_rules(void)
{
    const char *p12 = "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)";
    /* $12 is group 12 when it exists, else group 1 and a literal 2. */
    check_subst(p12, "abcdefghijkl", "$12", "l", NULL);
    check_subst(p12, "abcdefghijkl", "$123", "l3", NULL);
    check_subst("(a)(b)", "ab", "$12", "a2", NULL);
    check_subst("(a)(b)", "ab", "$3", NULL, "No group 3");
    check_subst("(a)(b)", "ab", "$0", "d<k=v><>ab: 1", NULL);
    check_subst("(?<first>a)(b)", "ab", "${first}-$2", "a-b", NULL);
    check_subst("(a)", "a", "${1}", NULL, "capturing group name {1} starts "
                "with digit character");
    check_subst("(a)", "a", "${nope}", NULL, "No group with name {nope}");
    check_subst("(a)", "a", "${}", NULL, "named capturing group has 0 length name");
    check_subst("(a)", "a", "${a", NULL, "named capturing group is missing trailing '}'");
    check_subst("(a)", "a", "cost \\$1 \\\\ \\q", "cost $1 \\\\ q", NULL);
    check_subst("(a)", "a", "x\\", NULL, "character to be escaped is missing");
    check_subst("(a)", "a", "$x", NULL, "Illegal group reference");
    check_subst("(a)", "a", "x$", NULL, "Illegal group reference: group index is missing");
    check_subst("(a)(z)?", "a", "[$2]", "[]", NULL);   /* unset group */
    check_subst("(a)", "a", "", "", NULL);              /* empty: skipped */
    check_subst("\\w+", "a", "no groups", "no groups", NULL);
}

/* Java's '.' and matches(): a value ending in a newline does not match a
 * pattern that does not consume it. */
static void test_whole_input_match(void)
{
    struct fx_leaf l;
    fx_leaf_init(&l, "d", "k=v", NULL, 0, "S", NULL);
    l.leaf.kind = JXA_V_STRING;
    l.leaf.text = "abc\n";
    struct fx_rule r[] = {{.pattern = "S: abc", .name = "x", .value = "1",
                           .help = ""}};
    RUN1(r, &l, "");
    struct fx_rule r2[] = {{.pattern = "S: abc\\n", .name = "x", .value = "1",
                            .help = ""}};
    RUN1(r2, &l, "# TYPE x untyped\nx 1.0\n");
    /* Invalid UTF-8 matches no pattern but still the pattern-less rule. */
    l.leaf.text = "\xff";
    struct fx_rule r3[] = {{.pattern = ".*", .name = "x", .value = "1"},
                           {.name = NULL, .value = NULL}};
    RUN1(r3, &l, "");       /* the String is consumed by the default rule */
    fx_leaf_free(&l);
}

static void test_value_parsing_java_grammar(void)
{
    struct fx_leaf l;
    fx_leaf_init(&l, "d", "k=v", NULL, 0, "S", NULL);
    l.leaf.kind = JXA_V_STRING;
    l.leaf.text = "0x1p4";
    struct fx_rule r[] = {{.pattern = "S: (.*)", .name = "x", .value = "$1",
                           .factor = 0.5, .help = ""}};
    RUN1(r, &l, "# TYPE x untyped\nx 8.0\n");
    l.leaf.text = " 1.5f ";
    RUN1(r, &l, "# TYPE x untyped\nx 0.75\n");
    l.leaf.text = "NaN";
    RUN1(r, &l, "# TYPE x untyped\nx NaN\n");
    l.leaf.text = "-Infinity";
    RUN1(r, &l, "# TYPE x untyped\nx -Inf\n");
    l.leaf.text = "1,5";
    RUN1(r, &l, "");
    fx_leaf_free(&l);
}

static void test_labels_rules(void)
{
    struct fx_leaf l;
    fx_leaf_init(&l, "d", "k=v", NULL, 0, "A", NULL);
    fx_leaf_num(&l, 1, "1");
    /* Sorted by template key (TreeMap: "$2" < "Up" < "__r" < "a-b" <
     * "a:b"); empty name or value skipped; toSafeName collapses "__r" to
     * "_r"; ':' becomes '_' (client_java 1.3 would reject it); a repeated
     * name keeps the first ("a-b" -> a_b). */
    struct fx_rule r[] = {{.pattern = "(A)(Z)?", .name = "n", .help = "",
                           .labels = {"z", "1", "a:b", "2", "__r", "3",
                                      "e", "$2", "$2", "4", "a-b", "5",
                                      "Up", "6"}}};
    RUN1(r, &l, "# TYPE n untyped\nn{Up=\"6\",_r=\"3\",a_b=\"5\",z=\"1\"} 1.0\n");
    /* "_:x" only becomes reserved after ':' -> '_': dropped. */
    struct fx_rule r1[] = {{.pattern = "A", .name = "n", .help = "",
                            .labels = {"_:x", "1", "c:d", "2"}}};
    RUN1(r1, &l, "# TYPE n untyped\nn{c_d=\"2\"} 1.0\n");
    struct opts o = {.lower_labels = true, .lower_name = true};
    struct fx_rule r2[] = {{.pattern = "(A)", .name = "N_$1", .help = "",
                            .labels = {"Up", "Val"}}};
    char err[256];
    char *s = run(r2, 1, &o, &l, 1, NULL, err, sizeof err);
    CHECK_STR(s, "# TYPE n_a untyped\nn_a{up=\"Val\"} 1.0\n");
    free(s);
    fx_leaf_free(&l);
}

static void test_default_export_labels_and_attr_keys(void)
{
    const char *keys[] = {"Outer", "Inner"};
    struct fx_leaf l;
    fx_leaf_init(&l, "my.dom", "name=first,__x=y,a-b=1,a_b=2", keys, 2,
                 "Attr", "Attr");
    fx_leaf_num(&l, 2.5, "2.5");
    struct fx_rule r[] = {
        {.pattern = "^my.dom<name=first, __x=y, a-b=1, a_b=2>"
                    "<Outer, Inner>Attr: 2.5$", .name = "exact", .help = ""},
        {.type = JXA_GAUGE}};
    RUN1(r, &l, "# TYPE exact untyped\nexact 2.5\n");
    char err[256];
    char *s = run(r + 1, 1, NULL, &l, 1, NULL, err, sizeof err);
    CHECK_STR(s, "# HELP my_dom_first_Outer_Inner_Attr my.dom:name=first,type=null,attribute=Attr\n"
                 "# TYPE my_dom_first_Outer_Inner_Attr gauge\n"
                 "my_dom_first_Outer_Inner_Attr{_x=\"y\",a_b=\"1\"} 2.5\n");
    free(s);
    fx_leaf_free(&l);
}

/* ---- cache ---------------------------------------------------------------- */

static void test_cache_hits_misses_eviction(void)
{
    struct fx_rule rules[] = {
        /* Tests the value: with cache it sees "<cache>", never matches. */
        {.pattern = "Value: (\\d+)", .name = "by_value", .help = "",
         .cache = true},
        {.pattern = "<type=(\\w+)><>(Value)", .name = "c_$1", .value = "",
         .help = "", .labels = {"attr", "$2"}, .cache = true},
    };
    struct jxa_config *c = fx_config(rules, 2);
    struct jxa_engine *e = jxa_engine_new(c);
    struct fx_leaf a, b;
    fx_leaf_init(&a, "d", "type=A", NULL, 0, "Value", NULL);
    fx_leaf_init(&b, "d", "type=B", NULL, 0, "Value", NULL);
    char err[256];
    int rc;

    jxa_engine_begin(e);
    fx_leaf_num(&a, 1, "1");
    fx_leaf_num(&b, 2, "2");
    struct fx_leaf both[2] = {a, b};
    char *s = fx_scrape(e, both, 2, JXA_FMT_TEXT, err, sizeof err, &rc);
    CHECK_STR(s, "# TYPE c_A untyped\nc_A{attr=\"Value\"} 1.0\n"
                 "# TYPE c_B untyped\nc_B{attr=\"Value\"} 2.0\n");
    free(s);
    /* (rule 0, A) and (rule 0, B) mismatches, (rule 1, A/B) matches. */
    CHECK_INT(jxa_engine_end(e), 4);

    /* Second scrape: values change, cached results serve them. */
    jxa_engine_begin(e);
    both[0].leaf.num = 10;
    both[0].leaf.text = "10";
    s = fx_scrape(e, both, 1, JXA_FMT_TEXT, err, sizeof err, &rc);
    CHECK_STR(s, "# TYPE c_A untyped\nc_A{attr=\"Value\"} 10.0\n");
    free(s);
    /* Only A was touched: B's entries are evicted. */
    CHECK_INT(jxa_engine_end(e), 2);

    jxa_engine_begin(e);
    s = fx_scrape(e, both, 2, JXA_FMT_TEXT, err, sizeof err, &rc);
    free(s);
    CHECK_INT(jxa_engine_end(e), 4);    /* B re-evaluated and re-cached */

    /* Recording the same leaf twice counts its entries once. */
    jxa_engine_begin(e);
    s = fx_scrape(e, both, 1, JXA_FMT_TEXT, err, sizeof err, &rc);
    free(s);
    s = fx_scrape(e, both, 1, JXA_FMT_TEXT, err, sizeof err, &rc);
    free(s);
    CHECK_INT(jxa_engine_end(e), 2);

    jxa_engine_free(e);
    fx_config_free(c);
    fx_leaf_free(&a);
    fx_leaf_free(&b);
}

/* The cached result is frozen: a value: capture from the first scrape,
 * and the result of a rule that later would no longer be reached. */
static void test_cache_frozen_and_order(void)
{
    struct fx_rule rules[] = {
        {.pattern = "<k=(\\d+)>", .name = "x", .value = "$1", .help = "",
         .cache = true},
    };
    struct jxa_config *c = fx_config(rules, 1);
    struct jxa_engine *e = jxa_engine_new(c);
    struct fx_leaf a;
    fx_leaf_init(&a, "d", "k=7", NULL, 0, "S", NULL);
    a.leaf.kind = JXA_V_STRING;
    a.leaf.text = "anything";
    char err[256];
    int rc;
    for (int i = 0; i < 2; i++) {
        jxa_engine_begin(e);
        char *s = fx_scrape(e, &a, 1, JXA_FMT_TEXT, err, sizeof err, &rc);
        CHECK_STR(s, "# TYPE x untyped\nx 7.0\n");
        free(s);
        CHECK_INT(jxa_engine_end(e), 1);
    }
    jxa_engine_free(e);
    fx_config_free(c);
    fx_leaf_free(&a);

    /* A value that fails to parse is not cached. */
    struct fx_rule bad[] = {{.pattern = "S", .name = "y", .value = "oops",
                             .cache = true}};
    c = fx_config(bad, 1);
    e = jxa_engine_new(c);
    fx_leaf_init(&a, "d", "k=7", NULL, 0, "S", NULL);
    fx_leaf_num(&a, 1, "1");
    jxa_engine_begin(e);
    char *s = fx_scrape(e, &a, 1, JXA_FMT_TEXT, err, sizeof err, &rc);
    CHECK_STR(s, "");
    free(s);
    CHECK_INT(jxa_engine_end(e), 0);
    jxa_engine_free(e);
    fx_config_free(c);
    fx_leaf_free(&a);
}

static void test_cache_default_export_and_collision_key(void)
{
    /* A cached default-export rule: _objectname uses the <cache> match
     * string up to its last ':'. */
    struct fx_rule rules[] = {{.cache = true}};
    struct jxa_config *c = fx_config(rules, 1);
    struct jxa_engine *e = jxa_engine_new(c);
    struct fx_leaf l[2];
    fx_leaf_init(&l[0], "io.prometheus.jmx.test", "type=Total.Value", NULL, 0,
                 "Total", "Total");
    fx_leaf_num(&l[0], 345, "345");
    fx_leaf_init(&l[1], "io.prometheus.jmx.test", "type=Total-Value", NULL, 0,
                 "Total", "Total");
    fx_leaf_num(&l[1], 345, "345");
    char err[256];
    int rc;
    for (int i = 0; i < 2; i++) {
        jxa_engine_begin(e);
        char *s = fx_scrape(e, l, 2, JXA_FMT_TEXT, err, sizeof err, &rc);
        CHECK(strstr(s, "{_objectname=\"io.prometheus.jmx.test<type=Total-Value><>Total\"} 345.0\n") != NULL);
        free(s);
        CHECK_INT(jxa_engine_end(e), 2);
    }
    jxa_engine_free(e);
    fx_config_free(c);
    fx_leaf_free(&l[0]);
    fx_leaf_free(&l[1]);
}

/* ---- end to end against the real jar ----------------------------------- */

/* /tmp/jx/c.yaml run through jmx_prometheus_javaagent 1.0.1 on JDK 17
 * (java.lang MBeans; the values are the ones that scrape saw). */
static void test_jar_experiment(void)
{
    struct fx_rule rules[] = {
        {.pattern = "java.lang<type=Threading><>ThreadCount", .name = "esc_test",
         .help = "he said \"hi\" \\ back\nnewline",
         .labels = {"v", "a\"b\\c\nd", "u", "\xc3\xbcmlaut"}},
        {.pattern = "java.lang<type=Threading><>PeakThreadCount",
         .name = "cnt_test", .type = JXA_COUNTER, .help = "counter help"},
        {.pattern = "java.lang<type=Threading><>DaemonThreadCount",
         .name = "gauge_total", .type = JXA_GAUGE},
        {.pattern = "java.lang<type=Threading><>(TotalStartedThreadCount)",
         .name = "empty_help", .help = ""},
        {.pattern = "java.lang<type=ClassLoading><>(LoadedClassCount)",
         .name = "mixed", .type = JXA_GAUGE, .labels = {"a", "x"}},
        {.pattern = "java.lang<type=ClassLoading><>(TotalLoadedClassCount)",
         .name = "mixed", .type = JXA_COUNTER, .labels = {"a", "y"}},
        {.pattern = "java.lang<type=Memory><HeapMemoryUsage>(used|max)",
         .name = "coll", .help = "coll help $1"},
    };
    const char *heap[] = {"HeapMemoryUsage"};
    struct fx_leaf l[11];
    const char *thr[][2] = {{"DaemonThreadCount", "9"}, {"PeakThreadCount", "10"},
                            {"ThreadCount", "10"}, {"TotalStartedThreadCount", "10"}};
    size_t n = 0;
    for (int i = 0; i < 4; i++, n++) {
        fx_leaf_init(&l[n], "java.lang", "type=Threading", NULL, 0, thr[i][0],
                     thr[i][0]);
        fx_leaf_num(&l[n], atof(thr[i][1]), thr[i][1]);
    }
    const char *cls[] = {"LoadedClassCount", "TotalLoadedClassCount",
                         "UnloadedClassCount"};
    for (int i = 0; i < 3; i++, n++) {
        fx_leaf_init(&l[n], "java.lang", "type=ClassLoading", NULL, 0, cls[i],
                     cls[i]);
        fx_leaf_num(&l[n], i == 2 ? 0 : 2281, i == 2 ? "0" : "2281");
    }
    const char *mu[][2] = {{"committed", "406847488"}, {"init", "398458880"},
                           {"max", "6320816128"}, {"used", "16699392"}};
    for (int i = 0; i < 4; i++, n++) {
        fx_leaf_init(&l[n], "java.lang", "type=Memory", heap, 1, mu[i][0],
                     "java.lang.management.MemoryUsage");
        fx_leaf_num(&l[n], atof(mu[i][1]), mu[i][1]);
    }
    char err[256];
    char *s = run(rules, 7, NULL, l, n, NULL, err, sizeof err);
    CHECK_STR(s,
        "# HELP cnt_test_total counter help\n"
        "# TYPE cnt_test_total counter\n"
        "cnt_test_total 10.0\n"
        "# HELP coll coll help max\n"
        "# TYPE coll untyped\n"
        "coll{_objectname=\"java.lang<type=Memory><HeapMemoryUsage>max\"} 6.320816128E9\n"
        "coll{_objectname=\"java.lang<type=Memory><HeapMemoryUsage>used\"} 1.6699392E7\n"
        "# TYPE empty_help untyped\n"
        "empty_help 10.0\n"
        "# HELP esc_test he said \"hi\"  back\\nnewline\n"
        "# TYPE esc_test untyped\n"
        "esc_test{u=\"\xc3\xbcmlaut\",v=\"a\\\"bc\\nd\"} 10.0\n"
        "# HELP gauge java.lang:name=null,type=Threading,attribute=DaemonThreadCount\n"
        "# TYPE gauge gauge\n"
        "gauge 9.0\n"
        "# HELP mixed java.lang:name=null,type=ClassLoading,attribute=LoadedClassCount\n"
        "# TYPE mixed untyped\n"
        "mixed{a=\"x\"} 2281.0\n"
        "mixed{a=\"y\"} 2281.0\n");
    free(s);
    struct opts o = {.fmt = JXA_FMT_OPENMETRICS};
    s = run(rules, 7, &o, l, n, NULL, err, sizeof err);
    CHECK_STR(s,
        "# TYPE cnt_test counter\n"
        "# HELP cnt_test counter help\n"
        "cnt_test_total 10.0\n"
        "# TYPE coll unknown\n"
        "# HELP coll coll help max\n"
        "coll{_objectname=\"java.lang<type=Memory><HeapMemoryUsage>max\"} 6.320816128E9\n"
        "coll{_objectname=\"java.lang<type=Memory><HeapMemoryUsage>used\"} 1.6699392E7\n"
        "# TYPE empty_help unknown\n"
        "empty_help 10.0\n"
        "# TYPE esc_test unknown\n"
        "# HELP esc_test he said \\\"hi\\\"  back\\nnewline\n"
        "esc_test{u=\"\xc3\xbcmlaut\",v=\"a\\\"bc\\nd\"} 10.0\n"
        "# TYPE gauge gauge\n"
        "# HELP gauge java.lang:name=null,type=Threading,attribute=DaemonThreadCount\n"
        "gauge 9.0\n"
        "# TYPE mixed unknown\n"
        "# HELP mixed java.lang:name=null,type=ClassLoading,attribute=LoadedClassCount\n"
        "mixed{a=\"x\"} 2281.0\n"
        "mixed{a=\"y\"} 2281.0\n"
        "# EOF\n");
    free(s);
    for (size_t i = 0; i < n; i++)
        fx_leaf_free(&l[i]);
}

/* jmx_scrape_cached_beans as the 1.0.1 jar reported it for
 * includeObjectNames [java.lang:type=Threading] (17 numeric and boolean
 * attributes): one cached rule matching 2 of them -> 17 (mismatches are
 * cached too); a second cached catch-all rule -> 17 + 15 = 32. */
static void test_cache_count_like_jar(void)
{
    static const char *attrs[] = {
        "CurrentThreadAllocatedBytes", "CurrentThreadCpuTime",
        "CurrentThreadCpuTimeSupported", "CurrentThreadUserTime",
        "DaemonThreadCount", "ObjectMonitorUsageSupported",
        "SynchronizerUsageSupported", "ThreadAllocatedMemoryEnabled",
        "ThreadAllocatedMemorySupported", "ThreadContentionMonitoringEnabled",
        "ThreadContentionMonitoringSupported", "ThreadCpuTimeEnabled",
        "ThreadCpuTimeSupported", "TotalStartedThreadCount",
        "TotalThreadAllocatedBytes", "PeakThreadCount", "ThreadCount"};
    struct fx_leaf l[17];
    for (int i = 0; i < 17; i++) {
        fx_leaf_init(&l[i], "java.lang", "type=Threading", NULL, 0, attrs[i],
                     attrs[i]);
        fx_leaf_num(&l[i], 10, "10");
    }
    struct fx_rule rules[] = {
        {.pattern = "java.lang<type=Threading><>(ThreadCount|PeakThreadCount)",
         .name = "thr_$1", .cache = true},
        {.pattern = "java.lang<type=Threading><>(\\w+)", .name = "other_$1",
         .cache = true}};
    for (size_t nr = 1; nr <= 2; nr++) {
        struct jxa_config *c = fx_config(rules, nr);
        struct jxa_engine *e = jxa_engine_new(c);
        char err[256];
        int rc;
        for (int round = 0; round < 2; round++) {
            jxa_engine_begin(e);
            char *s = fx_scrape(e, l, 17, JXA_FMT_TEXT, err, sizeof err, &rc);
            CHECK(strstr(s, "\nthr_ThreadCount 10.0\n") != NULL);
            free(s);
            CHECK_INT(jxa_engine_end(e), nr == 1 ? 17 : 32);
        }
        jxa_engine_free(e);
        fx_config_free(c);
    }
    for (int i = 0; i < 17; i++)
        fx_leaf_free(&l[i]);
}

/* The same experiment through the real YAML loader (agent/config.c): the
 * config file the jar was run with, byte for byte. */
static void test_jar_experiment_via_yaml(void)
{
    static const char yaml[] =
        "rules:\n"
        "  - pattern: 'java.lang<type=Threading><>ThreadCount'\n"
        "    name: esc_test\n"
        "    help: \"he said \\\"hi\\\" \\\\ back\\nnewline\"\n"
        "    labels:\n"
        "      v: \"a\\\"b\\\\c\\nd\"\n"
        "      u: \"\xc3\xbcmlaut\"\n"
        "  - pattern: 'java.lang<type=Threading><>PeakThreadCount'\n"
        "    name: cnt_test\n"
        "    type: COUNTER\n"
        "    help: \"counter help\"\n"
        "  - pattern: 'java.lang<type=Threading><>DaemonThreadCount'\n"
        "    name: gauge_total\n"
        "    type: GAUGE\n";
    struct jxa_config *c = NULL;
    char err[512] = "";
    if (jxa_config_load_string(yaml, sizeof yaml - 1, "c.yaml", &c, err,
                               sizeof err) != 0) {
        FAILF("config: %s", err);
        return;
    }
    struct fx_leaf l[3];
    const char *thr[] = {"DaemonThreadCount", "PeakThreadCount", "ThreadCount"};
    for (int i = 0; i < 3; i++) {
        fx_leaf_init(&l[i], "java.lang", "type=Threading", NULL, 0, thr[i],
                     thr[i]);
        fx_leaf_num(&l[i], i ? 10 : 9, i ? "10" : "9");
    }
    struct jxa_engine *e = jxa_engine_new(c);
    int rc;
    char *s = fx_scrape(e, l, 3, JXA_FMT_TEXT, err, sizeof err, &rc);
    CHECK_INT(rc, 0);
    CHECK_STR(s,
        "# HELP cnt_test_total counter help\n"
        "# TYPE cnt_test_total counter\n"
        "cnt_test_total 10.0\n"
        "# HELP esc_test he said \"hi\"  back\\nnewline\n"
        "# TYPE esc_test untyped\n"
        "esc_test{u=\"\xc3\xbcmlaut\",v=\"a\\\"bc\\nd\"} 10.0\n"
        "# HELP gauge java.lang:name=null,type=Threading,attribute=DaemonThreadCount\n"
        "# TYPE gauge gauge\n"
        "gauge 9.0\n");
    free(s);
    jxa_engine_free(e);
    jxa_config_free(c);
    for (int i = 0; i < 3; i++)
        fx_leaf_free(&l[i]);
}

/* ---- golden: a real JVM through config {} -------------------------------- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct jxa_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        jxa_buf_put(&b, chunk, n);
    fclose(f);
    return jxa_buf_steal(&b);
}

/* Undoes the fixture's \\ \t \n escapes in place; "\0" is NULL. */
static char *tsv_unescape(char *s)
{
    if (strcmp(s, "\\0") == 0)
        return NULL;
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            *o++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return s;
}

/* Splits s at sep into at most max pieces; returns the count. */
static size_t split(char *s, char sep, char **out, size_t max)
{
    size_t n = 0;
    if (!*s)
        return 0;
    while (n < max) {
        out[n++] = s;
        char *t = strchr(s, sep);
        if (!t)
            break;
        *t = '\0';
        s = t + 1;
    }
    return n;
}

/* Compares expositions line by line; sample values are ignored (the jar
 * scraped a moment after the leaves were dumped). */
static void check_same_but_values(const char *got, const char *want,
                                  const char *what)
{
    int line = 1;
    while (*got || *want) {
        const char *ge = strchr(got, '\n'), *we = strchr(want, '\n');
        size_t gl = ge ? (size_t)(ge - got) : strlen(got);
        size_t wl = we ? (size_t)(we - want) : strlen(want);
        size_t gk = gl, wk = wl;
        if (*got != '#')
            while (gk > 0 && got[gk - 1] != ' ')
                gk--;
        if (*want != '#')
            while (wk > 0 && want[wk - 1] != ' ')
                wk--;
        if (gk != wk || memcmp(got, want, gk) != 0) {
            FAILF("%s line %d:\n    ours: %.*s\n    jar:  %.*s", what, line,
                  (int)gl, got, (int)wl, want);
            return;
        }
        got += gl + (ge != NULL);
        want += wl + (we != NULL);
        line++;
    }
    CHECK(line > 600);
}

static void test_golden_jvm_default_config(void)
{
    char *tsv = read_file("fixtures/golden/leaves.tsv");
    char *jar_text = read_file("fixtures/golden/jar_text.txt");
    char *jar_om = read_file("fixtures/golden/jar_om.txt");
    if (!tsv || !jar_text || !jar_om) {
        FAILF("fixtures/golden missing (run from test/unit)");
        goto out;
    }
    struct jxa_config *c = fx_config_default();
    struct jxa_engine *e = jxa_engine_new(c);
    struct jxa_mset *m = jxa_mset_new();
    char err[256];
    int nleaves = 0;
    for (char *line = strtok(tsv, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *f[9];
        if (split(line, '\t', f, 9) != 9) {
            FAILF("bad fixture line %d", nleaves);
            break;
        }
        for (int i = 0; i < 9; i++)
            f[i] = tsv_unescape(f[i]);
        struct jxa_prop *props;
        size_t np;
        jxa_props_parse(f[1], &props, &np);
        char *extra[64];
        size_t ne = split(f[2], '\x1f', extra, 64);
        props = realloc(props, (np + ne / 2 + 1) * sizeof *props);
        for (size_t i = 0; i + 1 < ne; i += 2) {
            props[np].key = strdup(extra[i]);
            props[np].value = strdup(extra[i + 1]);
            np++;
        }
        char *keys[16];
        size_t nk = split(f[3], '\x1f', keys, 16);
        struct jxa_leaf l = {
            .domain = f[0], .props = props, .nprops = np,
            .attr_keys = (const char *const *)keys, .nattr_keys = nk,
            .attr = f[4], .description = f[5],
            .kind = f[6][0] == 'N' ? JXA_V_NUMBER
                    : f[6][0] == 'B' ? JXA_V_BOOL : JXA_V_STRING,
            .text = f[8]};
        long long bits = atoll(f[7]);
        memcpy(&l.num, &bits, sizeof l.num);
        if (jxa_engine_record(e, &l, m, err, sizeof err) != 0)
            FAILF("scrape error: %s", err);
        jxa_props_free(props, np);
        nleaves++;
    }
    CHECK(nleaves > 300);
    jxa_mset_finish(m);
    struct jxa_buf out = {0};
    jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_TEXT, NULL, 0, 0}, &out);
    check_same_but_values(jxa_buf_str(&out), jar_text, "text");
    jxa_buf_reset(&out);
    jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_OPENMETRICS, NULL, 0, 0}, &out);
    check_same_but_values(jxa_buf_str(&out), jar_om, "openmetrics");
    jxa_buf_free(&out);
    jxa_mset_free(m);
    jxa_engine_free(e);
    fx_config_free(c);
out:
    free(tsv);
    free(jar_text);
    free(jar_om);
}

/* ---- PCRE2 limits --------------------------------------------------------- */

/* Sends the log to a temporary file; log_end() returns what was written
 * (malloc'ed) and logs to stderr again. */
static char log_path[64];

static void log_begin(void)
{
    strcpy(log_path, "/tmp/jxa_match_XXXXXX");
    int fd = mkstemp(log_path);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    CHECK_INT(jxa_log_open(log_path, JXA_LOG_INFO), 0);
}

static char *log_end(void)
{
    jxa_log_open(NULL, JXA_LOG_INFO);
    char *text = calloc(1, 8192);
    FILE *f = fopen(log_path, "r");
    if (f != NULL) {
        size_t n = fread(text, 1, 8191, f);
        text[n] = '\0';
        fclose(f);
    }
    unlink(log_path);
    return text;
}

static size_t count_lines(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* (?:a|a)*c backtracks 2^n times over n a's (no optimisation of PCRE2
 * sees through it): the match limit stops it.  The leaf is a miss of that
 * rule (the next rule exports it), the failure is counted at every scrape,
 * logged once, and nothing is cached for the leaf: the next scrape runs
 * the rule again, where a cached miss would hide the problem for good. */
static void test_match_limit_counted_logged_once_not_cached(void)
{
    char name[64] = "name=";
    memset(name + 5, 'a', 40);
    struct fx_leaf l;
    /* The attribute "c" puts the 'c' the pattern needs into the match
     * string: without one PCRE2 proves the miss at once. */
    fx_leaf_init(&l, "d", name, NULL, 0, "c", NULL);
    fx_leaf_num(&l, 7, "7");
    for (int cached = 0; cached < 2; cached++) {
        struct fx_rule rules[] = {
            {.pattern = "d<name=(?:a|a)*c", .name = "never", .cache = cached},
            {.pattern = "d<name=(a+)>", .name = "fallback", .help = "h",
             .cache = cached},
        };
        struct jxa_config *c = fx_config(rules, 2);
        struct jxa_engine *e = jxa_engine_new(c);
        char err[256] = "";
        int rc;
        log_begin();
        for (int scrape = 1; scrape <= 3; scrape++) {
            jxa_engine_begin(e);
            char *s = fx_scrape(e, &l, 1, JXA_FMT_TEXT, err, sizeof err, &rc);
            CHECK_INT(rc, 0);
            CHECK_STR(s, "# HELP fallback h\n# TYPE fallback untyped\nfallback 7.0\n");
            free(s);
            /* Nothing cached: no (rule, leaf) entry is counted. */
            CHECK_INT(jxa_engine_end(e), 0);
            CHECK_INT(jxa_engine_match_errors(e, 0), scrape);
            CHECK_INT(jxa_engine_match_errors(e, 1), 0);
        }
        char *text = log_end();
        CHECK_INT(count_lines(text, "jmxagent: WARN: "), 1);
        CHECK(strstr(text, "jmxagent: WARN: (config):1: rules[0].pattern: PCRE2 gave up "
                           "(match limit exceeded) on a ") != NULL);
        CHECK(strstr(text, "jmxagent_rule_match_errors_total{rule=\"0\"}") != NULL);
        if (cached)
            CHECK(strstr(text, "-byte match string \"d<name=aaaa") != NULL);
        free(text);
        jxa_engine_free(e);
        fx_config_free(c);
    }
    fx_leaf_free(&l);
}

/* A cached miss recorded by a later rule must not stand for a rule that
 * gave up on the same leaf: with rule 0 failing, rule 1 missing and rule 2
 * matching, the next scrape still evaluates rule 0. */
static void test_match_limit_later_cached_rules_store_nothing(void)
{
    char name[64] = "name=";
    memset(name + 5, 'a', 40);
    struct fx_leaf l;
    fx_leaf_init(&l, "d", name, NULL, 0, "A", NULL);
    fx_leaf_num(&l, 7, "7");
    struct fx_rule rules[] = {
        {.pattern = "d<name=(?:a|a)*c", .name = "never", .cache = true},
        {.pattern = "nothing", .name = "nothing", .cache = true},
        {.pattern = "d<name=(a+)>", .name = "late", .help = "h", .cache = true},
    };
    struct jxa_config *c = fx_config(rules, 3);
    struct jxa_engine *e = jxa_engine_new(c);
    char err[256];
    int rc;
    log_begin();
    for (int scrape = 1; scrape <= 2; scrape++) {
        jxa_engine_begin(e);
        char *s = fx_scrape(e, &l, 1, JXA_FMT_TEXT, err, sizeof err, &rc);
        CHECK_STR(s, "# HELP late h\n# TYPE late untyped\nlate 7.0\n");
        free(s);
        CHECK_INT(jxa_engine_end(e), 0);
        CHECK_INT(jxa_engine_match_errors(e, 0), scrape);
    }
    free(log_end());
    jxa_engine_free(e);
    fx_config_free(c);
    fx_leaf_free(&l);
}

/* A repeated group over a long string value needs one JIT stack frame per
 * repetition: PCRE2's default 32 KiB JIT stack gives up after about 3,000
 * (silently a miss, before), the engine's own stack of up to 1 MiB
 * matches 10,000 as Java does.  Far beyond it, the failure is counted. */
static void test_jit_stack_long_value(void)
{
    size_t n = 10000;
    char *v = malloc(200001);
    for (size_t i = 0; i < 200000; i++)
        v[i] = (i & 1) ? 'a' : 'b';
    v[200000] = '\0';
    v[n] = '\0';
    struct fx_leaf l;
    fx_leaf_init(&l, "d", "name=x", NULL, 0, "A", NULL);
    l.leaf.kind = JXA_V_STRING;
    l.leaf.text = v;
    struct fx_rule rules[] = {
        {.pattern = "A: (?:a|b)*", .name = "long", .value = "1", .help = "h"},
        {.pattern = "A:", .name = "fallback", .value = "2", .help = "h"},
    };
    struct jxa_config *c = fx_config(rules, 2);
    struct jxa_engine *e = jxa_engine_new(c);
    char err[256];
    int rc;
    log_begin();
    char *s = fx_scrape(e, &l, 1, JXA_FMT_TEXT, err, sizeof err, &rc);
    CHECK_STR(s, "# HELP long h\n# TYPE long untyped\nlong 1.0\n");
    free(s);
    CHECK_INT(jxa_engine_match_errors(e, 0), 0);
    uint32_t jit = 0;
    pcre2_config(PCRE2_CONFIG_JIT, &jit);
    if (jit) {
        v[n] = 'a';             /* 200,000 repetitions: beyond 1 MiB */
        s = fx_scrape(e, &l, 1, JXA_FMT_TEXT, err, sizeof err, &rc);
        CHECK_STR(s, "# HELP fallback h\n# TYPE fallback untyped\nfallback 2.0\n");
        free(s);
        CHECK_INT(jxa_engine_match_errors(e, 0), 1);
    }
    char *text = log_end();
    if (jit)
        CHECK(strstr(text, "rules[0].pattern: PCRE2 gave up (JIT stack limit reached) on a "
                           "200014-byte match string \"d<name=x><>A: babababa") != NULL);
    free(text);
    jxa_engine_free(e);
    fx_config_free(c);
    fx_leaf_free(&l);
    free(v);
}

SUITE(rules)
{
    RUN(test_safe_name_table);
    RUN(test_snake_case_table);
    RUN(test_strip_reserved_suffixes);
    RUN(test_v1_default_export);
    RUN(test_attr_labels);
    RUN(test_v1_match_string);
    RUN(test_v2_named_rule);
    RUN(test_v3_snake_case_match);
    RUN(test_v4_captures_name_and_label);
    RUN(test_v5_sanitised_captures);
    RUN(test_v6_empty_name_stops);
    RUN(test_v7_value_not_a_number);
    RUN(test_v8_value_from_capture);
    RUN(test_v9_enum_string_value);
    RUN(test_v10_booleans_no_factor);
    RUN(test_v11_tabular_map);
    RUN(test_v12_tabular_composite_key);
    RUN(test_v13_lowercase);
    RUN(test_v14_v15_value_factor);
    RUN(test_v16_objectname_syntax_never_matches);
    RUN(test_v17_kafka_total);
    RUN(test_v18_collision);
    RUN(test_v19_counter_naming);
    RUN(test_v20_camel_dotted_name);
    RUN(test_v21_quoted_domain);
    RUN(test_v22_composite_snake_case);
    RUN(test_v24_error_paths);
    RUN(test_empty_name_warns_once);
    RUN(test_substitution_java_rules);
    RUN(test_whole_input_match);
    RUN(test_value_parsing_java_grammar);
    RUN(test_labels_rules);
    RUN(test_default_export_labels_and_attr_keys);
    RUN(test_cache_hits_misses_eviction);
    RUN(test_cache_frozen_and_order);
    RUN(test_cache_default_export_and_collision_key);
    RUN(test_cache_count_like_jar);
    RUN(test_jar_experiment);
    RUN(test_jar_experiment_via_yaml);
    RUN(test_golden_jvm_default_config);
    RUN(test_match_limit_counted_logged_once_not_cached);
    RUN(test_match_limit_later_cached_rules_store_nothing);
    RUN(test_jit_stack_long_value);
}
