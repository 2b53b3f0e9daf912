/* test_options.c - the agent option string (options.c). */
#include <stdlib.h>

#include "check.h"
#include "options.h"

void suite_options(void);

static char err[512];

/* Parses s expecting failure and checks the exact error line. */
static void expect_err(const char *s, const char *want)
{
    struct jxa_options o;
    int rc = jxa_options_parse(s, &o, err, sizeof err);
    CHECK_INT(rc, -1);
    CHECK_STR(err, want);
    /* The struct is left zeroed on error. */
    CHECK(o.host == NULL && o.config == NULL && o.port_lo == 0 &&
          o.port_hi == 0 && !o.strict);
}

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

static void test_colon_form_errors(void)
{
    expect_err("99999:/c.yaml", "options: 99999:/c.yaml: port must "
               "be 0..65535; use a port number or a range like 9404-9420");
    /* \d{1,5}: six digits do not match the Java agent's regex. */
    expect_err("123456:/c.yaml", "options: 123456:/c.yaml: not a "
               "valid option string; use port=9404,config=/path/config.yaml "
               "or 9404:/path/config.yaml");
    expect_err("9404", "options: 9404: not a valid option string; "
               "use port=9404,config=/path/config.yaml or "
               "9404:/path/config.yaml");
    expect_err("host:abc:/c.yaml", "options: host:abc:/c.yaml: not "
               "a valid option string; use port=9404,config=/path/config.yaml"
               " or 9404:/path/config.yaml");
    expect_err("9420-9404:/c.yaml", "options: 9420-9404:/c.yaml: "
               "port range 9420-9404 is reversed; write the lower port first "
               "(9404-9420)");
    /* A newline in the file part: Java's ".+" stops there, so no match;
     * and the message stays on one line. */
    expect_err("9404:/a\nb", "options: 9404:/a b: not a valid "
               "option string; use port=9404,config=/path/config.yaml or "
               "9404:/path/config.yaml");
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

static void test_kv_form_errors(void)
{
    expect_err("port=99999", "options: port=99999: port must be "
               "0..65535; use a port number or a range like 9404-9420");
    expect_err("port=9404,port=9405", "options: port=9405: port "
               "given twice; keep one");
    expect_err("port=abc", "options: port=abc: port must be a "
               "number 0..65535 or a range like 9404-9420; fix the port");
    expect_err("port=-5", "options: port=-5: port must be a number "
               "0..65535 or a range like 9404-9420; fix the port");
    expect_err("port=9404-", "options: port=9404-: port must be a "
               "number 0..65535 or a range like 9404-9420; fix the port");
    expect_err("port=9420-9404", "options: port=9420-9404: port "
               "range 9420-9404 is reversed; write the lower port first "
               "(9404-9420)");
    expect_err("port=0-10", "options: port=0-10: a port range "
               "cannot include 0 (ephemeral); use port=0 alone or a range of "
               "real ports");
    expect_err("port=9404,strict=yes", "options: strict=yes: strict "
               "must be true or false; use strict=true or strict=false");
    expect_err("port=9404,log_level=trace", "options: "
               "log_level=trace: unknown log level; use error, warn, info or "
               "debug");
    expect_err("port=9404,colour=red", "options: colour=red: "
               "unknown option 'colour'; known keys: port, host, config, log, "
               "log_level, strict, port_file, sd_dir, sd_job");
    expect_err("port=9404,config=", "options: config=: empty value; "
               "give a value or remove the option");
    expect_err("port=9404,", "options: (empty): empty option "
               "between commas; remove the stray ','");
    expect_err("port=9404,,host=a", "options: (empty): empty option "
               "between commas; remove the stray ','");
    expect_err("port=9404,strict", "options: strict: expected "
               "key=value; known keys: port, host, config, log, log_level, "
               "strict, port_file, sd_dir, sd_job");
    expect_err("config=/x.yaml", "options: config=/x.yaml: no port "
               "given; add port=9404 (or port=0 for an ephemeral port, or a "
               "range like port=9404-9420)");
    expect_err(NULL, "options: (none): no options given, a port is "
               "required; use port=9404,config=/path/config.yaml or "
               "9404:/path/config.yaml");
    expect_err("", "options: (none): no options given, a port is "
               "required; use port=9404,config=/path/config.yaml or "
               "9404:/path/config.yaml");
}

/* Errors after earlier keys were set must not leak them (LSan checks). */
static void test_kv_error_frees_earlier_values(void)
{
    expect_err("host=a,config=/b,log=/c,sd_job=j,port=x",
               "options: port=x: port must be a number 0..65535 or a "
               "range like 9404-9420; fix the port");
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
}

void suite_options(void)
{
    RUN(test_colon_form_port_and_file);
    RUN(test_colon_form_host);
    RUN(test_colon_form_range);
    RUN(test_colon_form_errors);
    RUN(test_kv_form_all_keys);
    RUN(test_kv_form_port_forms);
    RUN(test_kv_form_errors);
    RUN(test_kv_error_frees_earlier_values);
    RUN(test_env_fallback);
    RUN(test_form_detection);
}
