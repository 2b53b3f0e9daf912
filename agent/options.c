/* options.c - the agent option string; see options.h.
 *
 * Two forms share one entry point.  jmx_exporter's Java agent takes
 * "[host:]port:/path/config.yaml" and splits it with the regex
 *   ^(?:((?:[\w.-]+)|(?:\[.+])):)?(?:(\d{1,5}):)(.+)
 * (JavaAgent.parseConfig, matched with Matcher.matches()); we use the same
 * regex through PCRE2, widened to allow a port range "A-B".  Our own form is
 * async-profiler's "key=value,key=value" (docs/design.md §14).
 *
 * Telling them apart: in the colon form nothing before the first ':' can
 * contain '=' (a host is [\w.-]+ or [...], a port is digits), so an '='
 * before the first ':' (or an '=' and no ':' at all) means key=value. */
#include "options.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_embed.h"

#define TODO_FORMS "use port=9404,config=/path/config.yaml or " \
                   "9404:/path/config.yaml"

static void set_err(char *err, size_t errlen, const char *opt,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "options: <option>: <what>; <what to do>", one line. */
static void set_err(char *err, size_t errlen, const char *opt,
                    const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    /* Echo at most 96 bytes of the user's text, so what to do always fits. */
    size_t olen = strlen(opt);
    int n = snprintf(err, errlen, "options: %.*s%s: ", (int)(olen > 96 ? 96 : olen), opt,
                     olen > 96 ? "..." : "");
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    /* The option text comes from the user: keep the message on one line. */
    for (char *p = err; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
}

/* Parses "N" or "A-B" (decimal digits only).  Returns 0, or -1 with err. */
static int parse_port(const char *v, const char *opt, int *lo, int *hi,
                      char *err, size_t errlen)
{
    long a = -1, b = -1;
    const char *p = v;
    for (int part = 0; part < 2; part++) {
        long x = 0;
        const char *start = p;
        while (*p >= '0' && *p <= '9') {
            if (x <= 65535)
                x = x * 10 + (*p - '0');
            p++;
        }
        if (p == start) {
            set_err(err, errlen, opt, "port must be a number 0..65535 or "
                    "a range like 9404-9420; fix the port");
            return -1;
        }
        if (x > 65535) {
            set_err(err, errlen, opt, "port must be 0..65535; use a port "
                    "number or a range like 9404-9420");
            return -1;
        }
        if (part == 0) {
            a = x;
            if (*p == '\0') {
                b = x;
                break;
            }
            if (*p != '-') {
                set_err(err, errlen, opt, "port must be a number 0..65535 "
                        "or a range like 9404-9420; fix the port");
                return -1;
            }
            p++;
        } else {
            b = x;
            if (*p != '\0') {
                set_err(err, errlen, opt, "port must be a number 0..65535 "
                        "or a range like 9404-9420; fix the port");
                return -1;
            }
        }
    }
    if (a != b && (a == 0 || b == 0)) {
        set_err(err, errlen, opt, "a port range cannot include 0 "
                "(ephemeral); use port=0 alone or a range of real ports");
        return -1;
    }
    if (a > b) {
        set_err(err, errlen, opt, "port range %ld-%ld is reversed; write "
                "the lower port first (%ld-%ld)", a, b, b, a);
        return -1;
    }
    *lo = (int)a;
    *hi = (int)b;
    return 0;
}

/* jmx_exporter form, through the Java agent's own regex (port widened to a
 * range).  PCRE2 without PCRE2_UCP gives \w the same ASCII meaning as
 * java.util.regex without UNICODE_CHARACTER_CLASS. */
static int parse_colon_form(const char *s, struct jxa_options *o, char *err,
                            size_t errlen)
{
    static const char re_src[] =
        "^(?:((?:[\\w.-]+)|(?:\\[.+])):)?(?:(\\d{1,5}(?:-\\d{1,5})?):)(.+)\\z";
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)re_src, PCRE2_ZERO_TERMINATED,
                                   0, &ec, &eo, NULL);
    if (re == NULL) {
        set_err(err, errlen, s, "internal error compiling the option regex; "
                "report this");
        return -1;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = md ? pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL)
                : PCRE2_ERROR_NOMEMORY;
    if (rc < 0) {
        pcre2_match_data_free(md);
        pcre2_code_free(re);
        set_err(err, errlen, s, "not a valid option string; "
                TODO_FORMS);
        return -1;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    int ret = -1;
    bool oom = true;
    char *port = strndup(s + ov[4], ov[5] - ov[4]);
    if (port == NULL)
        goto out;
    if (parse_port(port, s, &o->port_lo, &o->port_hi, err, errlen) < 0) {
        oom = false;
        goto out;
    }
    o->port_set = true;
    if (ov[2] != PCRE2_UNSET) {
        const char *h = s + ov[2];
        size_t hn = ov[3] - ov[2];
        /* "[::1]" -> "::1": store the address, not its URL spelling. */
        if (hn >= 2 && h[0] == '[') {
            h++;
            hn -= 2;
        }
        o->host = strndup(h, hn);
        if (o->host == NULL)
            goto out;
    }
    o->config = strndup(s + ov[6], ov[7] - ov[6]);
    if (o->config == NULL)
        goto out;
    ret = 0;
out:
    if (ret < 0 && oom)
        set_err(err, errlen, s, "out of memory; retry");
    free(port);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return ret;
}

enum okey { K_PORT, K_HOST, K_CONFIG, K_LOG, K_LOG_LEVEL, K_STRICT,
            K_PORT_FILE, K_SD_DIR, K_SD_JOB, K_RULES, K_EXECUTOR_AGENT, K_HTTP, K_EXPORTER,
            K_NKEYS };

static const char *const key_names[K_NKEYS] = {
    "port", "host", "config", "log", "log_level", "strict", "port_file",
    "sd_dir", "sd_job", "rules", "executor_agent", "http", "exporter",
};

#define KNOWN_KEYS "port, host, config, log, log_level, strict, port_file, " \
                   "sd_dir, sd_job, rules, executor_agent, http, exporter"
#define EXPORTER_FORM "exporter=[host:]port:/path/config.yaml"

static int find_key(const char *k, size_t n)
{
    for (int i = 0; i < K_NKEYS; i++)
        if (strlen(key_names[i]) == n && memcmp(key_names[i], k, n) == 0)
            return i;
    return -1;
}

static int set_string(char **dst, const char *v)
{
    *dst = strdup(v);
    return *dst == NULL ? -1 : 0;
}

/* jmx_exporter 1.1+ (Arguments.parse): a string its colon-form regex does
 * not match is the config file of the OpenTelemetry-only mode.  Only a
 * string with no ':' is taken that way here: one with a ':' is far more
 * likely a mistyped [host:]port:file (and a bare number a port without
 * its file) than a file name, and is refused as before. */
static bool is_path_form(const char *s)
{
    if (strchr(s, ':') != NULL || strchr(s, '=') != NULL)
        return false;
    return s[strspn(s, "0123456789-")] != '\0';
}

/* exporter=[host:]port:config, through the colon form's own parser, or
 * exporter=config (the bare-path form: that exporter only pushes). */
static int parse_exporter(const char *item, const char *v, struct jxa_options *o, char *err,
                          size_t errlen)
{
    if (o->nexporters == JXA_MAX_EXPORTERS) {
        set_err(err, errlen, item, "more than %d exporters; at most %d run in one JVM, "
                "remove some", JXA_MAX_EXPORTERS, JXA_MAX_EXPORTERS);
        return -1;
    }
    struct jxa_options one;
    memset(&one, 0, sizeof one);
    if (is_path_form(v)) {
        struct jxa_exporter_opt *e = &o->exporters[o->nexporters];
        if (set_string(&e->config, v) < 0) {
            set_err(err, errlen, item, "out of memory; retry");
            return -1;
        }
        e->push_only = true;
        o->nexporters++;
        return 0;
    }
    if (parse_colon_form(v, &one, err, errlen) != 0) {
        /* The colon form's own message offers port= too; here only the
         * colon form is right. */
        if (strstr(err, "not a valid option string") != NULL)
            set_err(err, errlen, item, "expected " EXPORTER_FORM " (or exporter="
                    "/path/config.yaml for one that only pushes); give each exporter its port "
                    "and config");
        free(one.host);
        free(one.config);
        return -1;
    }
    for (size_t i = 0; i < o->nexporters; i++) {
        const struct jxa_exporter_opt *e = &o->exporters[i];
        /* Port 0 (ephemeral) never clashes; overlapping ranges may
         * share a free port, but one given twice is a mistake. */
        if (one.port_lo != 0 && e->port_lo != 0 && one.port_lo <= e->port_hi &&
            e->port_lo <= one.port_hi) {
            set_err(err, errlen, item, "port %d is given to exporter %zu already; give each "
                    "exporter its own port (or port 0)", one.port_lo, i + 1);
            free(one.host);
            free(one.config);
            return -1;
        }
    }
    struct jxa_exporter_opt *e = &o->exporters[o->nexporters++];
    e->host = one.host;
    e->port_lo = one.port_lo;
    e->port_hi = one.port_hi;
    e->config = one.config;
    return 0;
}

/* One "key=value" item; item is a private NUL-terminated copy. */
static int parse_item(char *item, struct jxa_options *o, bool seen[K_NKEYS],
                      char *err, size_t errlen)
{
    char *eq = strchr(item, '=');
    if (item[0] == '\0') {
        set_err(err, errlen, "(empty)", "empty option between commas; "
                "remove the stray ','");
        return -1;
    }
    if (eq == NULL) {
        set_err(err, errlen, item, "expected key=value; known keys: "
                KNOWN_KEYS);
        return -1;
    }
    int k = find_key(item, (size_t)(eq - item));
    if (k < 0) {
        set_err(err, errlen, item, "unknown option '%.*s'; known keys: "
                KNOWN_KEYS, (int)(eq - item), item);
        return -1;
    }
    /* exporter= is the one key that repeats: one per exporter. */
    if (seen[k] && k != K_EXPORTER) {
        set_err(err, errlen, item, "%s given twice; keep one", key_names[k]);
        return -1;
    }
    seen[k] = true;
    const char *v = eq + 1;
    if (v[0] == '\0') {
        set_err(err, errlen, item, "empty value; give a value or remove "
                "the option");
        return -1;
    }
    int rc = 0;
    switch (k) {
    case K_PORT:
        o->port_set = true;
        return parse_port(v, item, &o->port_lo, &o->port_hi, err, errlen);
    case K_HOST: {
        size_t n = strlen(v);
        if (n >= 2 && v[0] == '[' && v[n - 1] == ']')
            o->host = strndup(v + 1, n - 2);
        else
            o->host = strdup(v);
        rc = o->host == NULL ? -1 : 0;
        break;
    }
    case K_CONFIG:    rc = set_string(&o->config, v); break;
    case K_LOG:       rc = set_string(&o->log, v); break;
    case K_PORT_FILE: rc = set_string(&o->port_file, v); break;
    case K_SD_DIR:    rc = set_string(&o->sd_dir, v); break;
    case K_SD_JOB:    rc = set_string(&o->sd_job, v); break;
    case K_RULES: {
        size_t len;
        if (jxa_rules_embedded(v, &len) == NULL) {
            set_err(err, errlen, item, "no such embedded rule file; use one of "
                    JXA_RULES_EMBEDDED_NAMES ", or config=/path/rules.yml");
            return -1;
        }
        rc = set_string(&o->rules, v);
        break;
    }
    case K_EXPORTER:
        return parse_exporter(item, v, o, err, errlen);
    case K_EXECUTOR_AGENT:
        if (strcasecmp(v, "true") == 0)
            o->no_executor_agent = false;
        else if (strcasecmp(v, "false") == 0)
            o->no_executor_agent = true;
        else {
            set_err(err, errlen, item, "executor_agent must be true or false; "
                    "use executor_agent=false to keep a driver from adding the "
                    "agent to its executors");
            return -1;
        }
        return 0;
    case K_HTTP:
        /* http=false: the bare-path form's push-only mode, in this form
         * (which can carry strict=true and log=). */
        if (strcasecmp(v, "true") == 0)
            o->push_only = false;
        else if (strcasecmp(v, "false") == 0)
            o->push_only = true;
        else {
            set_err(err, errlen, item, "http must be true or false; use http=false to "
                    "only push to the openTelemetry endpoint");
            return -1;
        }
        return 0;
    case K_LOG_LEVEL: {
        static const char *const lv[] = {"error", "warn", "info", "debug"};
        for (int i = 0; i < 4; i++)
            if (strcasecmp(v, lv[i]) == 0) {
                o->log_level = (enum jxa_log_level)i;
                return 0;
            }
        set_err(err, errlen, item, "unknown log level; use error, warn, "
                "info or debug");
        return -1;
    }
    case K_STRICT:
        if (strcasecmp(v, "true") == 0)
            o->strict = true;
        else if (strcasecmp(v, "false") == 0)
            o->strict = false;
        else {
            set_err(err, errlen, item, "strict must be true or false; "
                    "use strict=true or strict=false");
            return -1;
        }
        return 0;
    }
    if (rc < 0)
        set_err(err, errlen, item, "out of memory; retry");
    return rc;
}

static int parse_kv_form(const char *s, struct jxa_options *o, char *err,
                         size_t errlen)
{
    char *copy = strdup(s);
    if (copy == NULL) {
        set_err(err, errlen, s, "out of memory; retry");
        return -1;
    }
    bool seen[K_NKEYS] = {false};
    char *p = copy;
    int rc = 0;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        rc = parse_item(p, o, seen, err, errlen);
        if (rc < 0 || comma == NULL)
            break;
        p = comma + 1;
    }
    free(copy);
    if (rc == 0 && o->nexporters > 0) {
        static const enum okey single[] = {K_PORT, K_HOST, K_CONFIG, K_RULES};
        for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
            if (seen[single[i]]) {
                set_err(err, errlen, key_names[single[i]], "exporter= names each exporter's "
                        "host, port and config; remove %s= or write it into an "
                        EXPORTER_FORM, key_names[single[i]]);
                return -1;
            }
        /* Each exporter= says by itself whether it serves: a port, or a
         * bare path for push only. */
        if (seen[K_HTTP]) {
            set_err(err, errlen, "http", "exporter= says for each exporter whether it serves "
                    "HTTP; remove http= and write exporter=/path/config.yaml for an exporter "
                    "that only pushes");
            return -1;
        }
    }
    return rc;
}

static bool is_kv_form(const char *s)
{
    const char *eq = strchr(s, '=');
    const char *colon = strchr(s, ':');
    return eq != NULL && (colon == NULL || eq < colon);
}

int jxa_options_parse(const char *s, struct jxa_options *o, char *err,
                      size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->log_level = JXA_LOG_INFO;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    /* Nothing given (a bare -agentpath): autoconf.h chooses. */
    int rc = 0;
    if (s == NULL || s[0] == '\0')
        rc = 0;
    else if (is_kv_form(s))
        rc = parse_kv_form(s, o, err, errlen);
    else if (is_path_form(s)) {
        o->push_only = true;
        if (set_string(&o->config, s) < 0) {
            set_err(err, errlen, s, "out of memory; retry");
            rc = -1;
        }
    } else
        rc = parse_colon_form(s, o, err, errlen);
    if (rc == 0 && o->config == NULL && o->nexporters == 0) {
        /* Fallback for launchers that can set the environment but not the
         * agent path (spark.executorEnv.JMXAGENT_CONFIG). */
        const char *env = getenv("JMXAGENT_CONFIG");
        if (env != NULL && env[0] != '\0' && set_string(&o->config, env) < 0) {
            set_err(err, errlen, "JMXAGENT_CONFIG", "out of memory; retry");
            rc = -1;
        }
    }
    if (rc < 0) {
        jxa_options_free(o);
        return -1;
    }
    return 0;
}

void jxa_options_free(struct jxa_options *o)
{
    if (o == NULL)
        return;
    free(o->host);
    free(o->config);
    free(o->log);
    free(o->port_file);
    free(o->sd_dir);
    free(o->sd_job);
    free(o->rules);
    for (size_t i = 0; i < o->nexporters; i++) {
        free(o->exporters[i].host);
        free(o->exporters[i].config);
    }
    memset(o, 0, sizeof *o);
}

static int copy_str(char **dst, const char *src)
{
    *dst = src != NULL ? strdup(src) : NULL;
    return src != NULL && *dst == NULL ? -1 : 0;
}

int jxa_options_exporter(const struct jxa_options *o, size_t i, struct jxa_options *out)
{
    memset(out, 0, sizeof *out);
    const struct jxa_exporter_opt *e = &o->exporters[i];
    out->port_lo = e->port_lo;
    out->port_hi = e->port_hi;
    out->port_set = true;
    out->log_level = o->log_level;
    out->strict = o->strict;
    out->no_executor_agent = o->no_executor_agent;
    out->push_only = e->push_only;
    if (copy_str(&out->host, e->host) != 0 || copy_str(&out->config, e->config) != 0 ||
        copy_str(&out->log, o->log) != 0 || copy_str(&out->sd_dir, o->sd_dir) != 0 ||
        copy_str(&out->sd_job, o->sd_job) != 0) {
        jxa_options_free(out);
        return -1;
    }
    return 0;
}
