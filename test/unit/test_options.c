/* test_options.c - the agent option string (options.c). */
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "check.h"
#include "options.h"


static char err[512];

static void test_colon_form_port_and_file(void)
{
    struct jxa_options o;
    unsetenv("JMXAGENT_CONFIG");
    CHECK_INT(jxa_options_parse("9404:/etc/jmx/config.yaml", &o, err,
                                sizeof err), 0);
    CHECK_INT(o.port_lo, 9404);
    CHECK_INT(o.port_hi, 9404);
    CHECK_STR(o.host, NULL);
    CHECK_STR(o.config, "/etc/jmx/config.yaml");
    CHECK_INT(o.log_level, JXA_LOG_INFO);
    CHECK(!o.strict);
    jxa_options_free(&o);
}

static void test_colon_form_host(void)
{
    struct jxa_options o;
    CHECK_INT(jxa_options_parse("127.0.0.1:9404:cfg.yaml", &o, err,
                                sizeof err), 0);
    CHECK_STR(o.host, "127.0.0.1");
    CHECK_INT(o.port_lo, 9404);
    CHECK_STR(o.config, "cfg.yaml");
    jxa_options_free(&o);

    /* The regex backtracks: "1234:5678:x" is host 1234, port 5678. */
    CHECK_INT(jxa_options_parse("1234:5678:x", &o, err, sizeof err), 0);
    CHECK_STR(o.host, "1234");
    CHECK_INT(o.port_lo, 5678);
    CHECK_STR(o.config, "x");
    jxa_options_free(&o);

    /* IPv6 literal in brackets; the address is stored without them. */
    CHECK_INT(jxa_options_parse("[::1]:9404:/c.yaml", &o, err, sizeof err), 0);
    CHECK_STR(o.host, "::1");
    CHECK_INT(o.port_lo, 9404);
    CHECK_STR(o.config, "/c.yaml");
    jxa_options_free(&o);

    /* The file may itself contain ':' (".+" takes the rest). */
    CHECK_INT(jxa_options_parse("h-1.x:0:C:/cfg.yaml", &o, err, sizeof err), 0);
    CHECK_STR(o.host, "h-1.x");
    CHECK_INT(o.port_lo, 0);
    CHECK_STR(o.config, "C:/cfg.yaml");
    jxa_options_free(&o);
}

static void test_colon_form_range(void)
{
    struct jxa_options o;
    CHECK_INT(jxa_options_parse("0.0.0.0:9404-9420:/c.yaml", &o, err,
                                sizeof err), 0);
    CHECK_INT(o.port_lo, 9404);
    CHECK_INT(o.port_hi, 9420);
    CHECK_STR(o.host, "0.0.0.0");
    jxa_options_free(&o);
}


static void test_kv_form_all_keys(void)
{
    struct jxa_options o;
    CHECK_INT(jxa_options_parse("port=9404,host=10.0.0.1,config=/x.yaml,"
                                "log=/tmp/a.log,log_level=debug,strict=true,"
                                "port_file=/tmp/p,sd_dir=/tmp/sd,sd_job=spark",
                                &o, err, sizeof err), 0);
    CHECK_INT(o.port_lo, 9404);
    CHECK_INT(o.port_hi, 9404);
    CHECK_STR(o.host, "10.0.0.1");
    CHECK_STR(o.config, "/x.yaml");
    CHECK_STR(o.log, "/tmp/a.log");
    CHECK_INT(o.log_level, JXA_LOG_DEBUG);
    CHECK(o.strict);
    CHECK_STR(o.port_file, "/tmp/p");
    CHECK_STR(o.sd_dir, "/tmp/sd");
    CHECK_STR(o.sd_job, "spark");
    jxa_options_free(&o);
    CHECK(o.host == NULL && o.config == NULL);
}

static void test_kv_form_port_forms(void)
{
    struct jxa_options o;
    CHECK_INT(jxa_options_parse("port=0", &o, err, sizeof err), 0);
    CHECK_INT(o.port_lo, 0);
    CHECK_INT(o.port_hi, 0);
    jxa_options_free(&o);
    CHECK_INT(jxa_options_parse("port=9404-9420,config=c:/x.yaml", &o, err,
                                sizeof err), 0);
    CHECK_INT(o.port_lo, 9404);
    CHECK_INT(o.port_hi, 9420);
    CHECK_STR(o.config, "c:/x.yaml");
    jxa_options_free(&o);
    CHECK_INT(jxa_options_parse("port=65535,strict=FALSE,log_level=WARN", &o,
                                err, sizeof err), 0);
    CHECK_INT(o.port_lo, 65535);
    CHECK(!o.strict);
    CHECK_INT(o.log_level, JXA_LOG_WARN);
    jxa_options_free(&o);
    CHECK_INT(jxa_options_parse("host=[::1],port=1-1", &o, err, sizeof err), 0);
    CHECK_STR(o.host, "::1");
    CHECK_INT(o.port_lo, 1);
    CHECK_INT(o.port_hi, 1);
    jxa_options_free(&o);
}

/* Every option row of the catalogue (test/bad-input.tsv): the exact line,
 * nothing half-set, and (under LSan) nothing leaked by an error after
 * earlier keys were set. */
static void test_catalogue_option_errors(void)
{
    const struct cat_row *rows;
    size_t n = cat_rows("option", &rows);
    for (size_t i = 0; i < n; i++) {
        struct jxa_options o;
        int rc = jxa_options_parse(rows[i].input, &o, err, sizeof err);
        if (rc != -1 || strcmp(err, rows[i].error) != 0)
            FAILF("bad-input.tsv:%d (%s): rc %d, error\n    \"%s\"\n  expected\n"
                  "    \"%s\"", rows[i].line, rows[i].title, rc, err, rows[i].error);
        /* The struct is left zeroed on error. */
        CHECK(o.host == NULL && o.config == NULL && o.port_lo == 0 &&
              o.port_hi == 0 && !o.strict);
    }
}

static void test_env_fallback(void)
{
    struct jxa_options o;
    setenv("JMXAGENT_CONFIG", "/from/env.yaml", 1);
    CHECK_INT(jxa_options_parse("port=9404", &o, err, sizeof err), 0);
    CHECK_STR(o.config, "/from/env.yaml");
    jxa_options_free(&o);
    /* An explicit config wins over the environment. */
    CHECK_INT(jxa_options_parse("port=9404,config=/x.yaml", &o, err,
                                sizeof err), 0);
    CHECK_STR(o.config, "/x.yaml");
    jxa_options_free(&o);
    CHECK_INT(jxa_options_parse("9404:/y.yaml", &o, err, sizeof err), 0);
    CHECK_STR(o.config, "/y.yaml");
    jxa_options_free(&o);
    setenv("JMXAGENT_CONFIG", "", 1);
    CHECK_INT(jxa_options_parse("port=9404", &o, err, sizeof err), 0);
    CHECK_STR(o.config, NULL);
    jxa_options_free(&o);
    unsetenv("JMXAGENT_CONFIG");
    CHECK_INT(jxa_options_parse("port=9404", &o, err, sizeof err), 0);
    CHECK_STR(o.config, NULL);
    jxa_options_free(&o);
}

static void test_form_detection(void)
{
    struct jxa_options o;
    /* '=' after the first ':' belongs to the file name: colon form. */
    CHECK_INT(jxa_options_parse("9404:/dir/a=b.yaml", &o, err, sizeof err), 0);
    CHECK_STR(o.config, "/dir/a=b.yaml");
    CHECK_INT(o.port_lo, 9404);
    jxa_options_free(&o);
    /* A host literally named "port" in the colon form. */
    CHECK_INT(jxa_options_parse("port:9404:/c.yaml", &o, err, sizeof err), 0);
    CHECK_STR(o.host, "port");
    jxa_options_free(&o);
    /* key=value whose value holds ':' is still key=value. */
    CHECK_INT(jxa_options_parse("config=/a:b.yaml,port=1", &o, err,
                                sizeof err), 0);
    CHECK_STR(o.config, "/a:b.yaml");
    CHECK_INT(o.port_lo, 1);
    jxa_options_free(&o);
    /* Only the first '=' splits: the value may hold more. */
    CHECK_INT(jxa_options_parse("port=2,config=/x=y.yaml", &o, err,
                                sizeof err), 0);
    CHECK_STR(o.config, "/x=y.yaml");
    jxa_options_free(&o);
    /* jmx_exporter 1.1+'s OpenTelemetry-only form: a bare path, no HTTP. */
    CHECK_INT(jxa_options_parse("/etc/otel.yaml", &o, err, sizeof err), 0);
    CHECK_STR(o.config, "/etc/otel.yaml");
    CHECK(o.push_only);
    CHECK(!o.port_set);
    jxa_options_free(&o);
    CHECK_INT(jxa_options_parse("9404:/c.yaml", &o, err, sizeof err), 0);
    CHECK(!o.push_only);
    jxa_options_free(&o);
    /* A bare number stays a port without its file (an error). */
    CHECK_INT(jxa_options_parse("9404", &o, err, sizeof err), -1);
}

/* Several exporters in one option (options.h, "exporter="). */
static void test_exporters(void)
{
    struct jxa_options o, one;
    setenv("JMXAGENT_CONFIG", "/env.yaml", 1);
    CHECK_INT(jxa_options_parse("exporter=127.0.0.1:9404:/a.yaml,log_level=debug,"
                                "exporter=9405-9407:/b:c.yaml,port_file=/p,sd_dir=/sd,"
                                "exporter=0:/a.yaml", &o, err, sizeof err), 0);
    CHECK_STR(err, "");
    CHECK_INT((int)o.nexporters, 3);
    CHECK_STR(o.config, NULL);      /* not JMXAGENT_CONFIG: each has its own */
    CHECK_STR(o.exporters[0].host, "127.0.0.1");
    CHECK_INT(o.exporters[0].port_lo, 9404);
    CHECK_STR(o.exporters[0].config, "/a.yaml");
    CHECK_STR(o.exporters[1].host, NULL);
    CHECK_INT(o.exporters[1].port_lo, 9405);
    CHECK_INT(o.exporters[1].port_hi, 9407);
    CHECK_STR(o.exporters[1].config, "/b:c.yaml");
    CHECK_INT(o.exporters[2].port_lo, 0);
    /* Each exporter's own options: the shared keys, its host, port and
     * config; port_file stays with the caller, who writes every port. */
    CHECK_INT(jxa_options_exporter(&o, 1, &one), 0);
    CHECK_INT(one.port_lo, 9405);
    CHECK_INT(one.port_hi, 9407);
    CHECK(one.port_set);
    CHECK_STR(one.host, NULL);
    CHECK_STR(one.config, "/b:c.yaml");
    CHECK_STR(one.sd_dir, "/sd");
    CHECK_STR(one.port_file, NULL);
    CHECK_INT(one.log_level, JXA_LOG_DEBUG);
    CHECK_INT((int)one.nexporters, 0);
    jxa_options_free(&one);
    jxa_options_free(&o);
    unsetenv("JMXAGENT_CONFIG");

    /* Two ephemeral ports never clash; eight exporters are allowed. */
    CHECK_INT(jxa_options_parse("exporter=0:/a,exporter=0:/b", &o, err, sizeof err), 0);
    jxa_options_free(&o);
    CHECK_INT(jxa_options_parse("exporter=1:/a,exporter=2:/a,exporter=3:/a,exporter=4:/a,"
                                "exporter=5:/a,exporter=6:/a,exporter=7:/a,exporter=8:/a",
                                &o, err, sizeof err), 0);
    CHECK_INT((int)o.nexporters, JXA_MAX_EXPORTERS);
    jxa_options_free(&o);

    /* A bare path is an exporter that only pushes (docs/otlp.md); it has
     * no port to clash with. */
    CHECK_INT(jxa_options_parse("exporter=0:/a.yaml,exporter=/otel.yaml,exporter=9404:/b.yaml",
                                &o, err, sizeof err), 0);
    CHECK_INT((int)o.nexporters, 3);
    CHECK(!o.exporters[0].push_only);
    CHECK(o.exporters[1].push_only);
    CHECK_STR(o.exporters[1].config, "/otel.yaml");
    CHECK_INT(o.exporters[1].port_lo, 0);
    CHECK(!o.push_only);
    CHECK_INT(jxa_options_exporter(&o, 1, &one), 0);
    CHECK(one.push_only);
    CHECK_STR(one.config, "/otel.yaml");
    jxa_options_free(&one);
    CHECK_INT(jxa_options_exporter(&o, 2, &one), 0);
    CHECK(!one.push_only);
    jxa_options_free(&one);
    jxa_options_free(&o);

    /* A failed parse leaves nothing behind (LSan checks the frees). */
    CHECK_INT(jxa_options_parse("exporter=1:/a,exporter=1:/b", &o, err, sizeof err), -1);
    CHECK_INT((int)o.nexporters, 0);
    CHECK_STR(o.exporters[0].config, NULL);
    /* The colon form alone stays one exporter, config and all. */
    CHECK_INT(jxa_options_parse("9404:/a.yaml,exporter=9405:/b.yaml", &o, err, sizeof err), 0);
    CHECK_INT((int)o.nexporters, 0);
    CHECK_STR(o.config, "/a.yaml,exporter=9405:/b.yaml");
    jxa_options_free(&o);
}

SUITE(options)
{
    RUN(test_exporters);
    RUN(test_colon_form_port_and_file);
    RUN(test_colon_form_host);
    RUN(test_colon_form_range);
    RUN(test_kv_form_all_keys);
    RUN(test_kv_form_port_forms);
    RUN(test_catalogue_option_errors);
    RUN(test_env_fallback);
    RUN(test_form_detection);
}
