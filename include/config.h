/* config.h - the YAML config file, loaded into an immutable struct.
 *
 * The keys are jmx_exporter's collector keys (1.x names, 0.x aliases), read
 * with libyaml through one static key table.  Every problem is reported as
 * ONE line in err: "<file>:<line>: <key>: <what is wrong>; <what to do>".
 * A config is either loaded whole or not at all: on error nothing is
 * returned and nothing is half-applied.  Rule patterns are compiled (PCRE2,
 * JIT when available) at load, so a bad regex is a load error.
 *
 * A loaded config is read-only and owned by whoever loaded it; the scraper
 * thread swaps whole configs on reload. */
#ifndef JXA_CONFIG_H
#define JXA_CONFIG_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "mset.h"
#include "objname.h"

struct jxa_label_tmpl {
    char *name;     /* template, substituted then sanitised */
    char *value;    /* template, substituted, raw */
};

struct jxa_rule {
    char *pattern;          /* NULL: matches everything */
    pcre2_code *re;         /* "^.*(?:" pattern ").*$", NULL if no pattern */
    pcre2_code *probe;      /* "(?:" pattern ")", searched unanchored: a
                               cheap necessary condition for re (see
                               config.c), NULL when it cannot be used */
    uint32_t ncaptures;     /* capture groups in pattern */
    char *name;             /* NULL: default export (docs/semantics.md §6) */
    char *value;            /* NULL or "": the bean's value */
    double value_factor;    /* 1.0 */
    char *help;             /* NULL: default help */
    struct jxa_label_tmpl *labels;   /* sorted by template name (TreeMap) */
    size_t nlabels;
    enum jxa_mtype type;
    bool attr_name_snake_case;
    bool cache;
    int line;               /* line of the rule in the file, for messages */
};

/* excludeObjectNameAttributes / includeObjectNameAttributes: one entry per
 * ObjectName key, matched by canonical-name equality. */
struct jxa_attr_filter {
    char *canonical;        /* jxa_objname_canonical() of the key */
    char **attrs;
    size_t nattrs;
};

/* httpServer.authentication: basic (one of the password algorithms) or
 * bearer (our extension; jmx_exporter has only basic).  At most one. */
enum jxa_auth_alg {
    JXA_AUTH_NONE = 0,
    JXA_AUTH_PLAINTEXT,
    JXA_AUTH_SHA1,
    JXA_AUTH_SHA256,
    JXA_AUTH_SHA512,
    JXA_AUTH_PBKDF2_SHA1,
    JXA_AUTH_PBKDF2_SHA256,
    JXA_AUTH_PBKDF2_SHA512,
    JXA_AUTH_BEARER,        /* token_file / token below */
};

/* httpServer.ssl (docs/tls.md): where the server's identity and, for
 * mutualTLS, the trusted client CAs come from.  Paths are resolved
 * against the config file's directory; a keyStore or trustStore value
 * left out falls back to the JVM's javax.net.ssl.* system property (read
 * through the hook of jxa_config_set_sysprop), as jmx_exporter does. */
struct jxa_tls_config {
    bool enabled;
    char *keystore, *keystore_password, *keystore_type;
    char *alias;                    /* certificate.alias; NULL: first key */
    char *pem_cert, *pem_key, *pem_key_password;   /* pem.* (instead) */
    bool mutual;                    /* mutualTLS */
    char *truststore, *truststore_password, *truststore_type;
    int min_minor, max_minor;       /* protocols: TLS 1.x as mbedTLS's
                                       minor version (1..3); 0: 1.2 only */
    int *ciphers;                   /* ciphers: mbedTLS ids, 0-ended;
                                       NULL: mbedTLS's defaults */
};

struct jxa_http_config {
    enum jxa_auth_alg auth;
    char *username;
    char *password;         /* plaintext */
    char *password_hash;    /* lower-case hex, ':' removed */
    char *salt;
    int iterations;
    int key_length;
    char *token_file;       /* bearer.tokenFile, relative paths resolved
                               against the config file's directory */
    char *token;            /* its content when the config was loaded,
                               whitespace-trimmed (jxa_token_read) */
    int threads_max;        /* httpServer.threads.maximum, 0 = default */
    char *metrics_path;     /* httpServer.metrics.path (jmx_exporter 1.6+),
                               NULL = /metrics */
    struct jxa_tls_config tls;  /* httpServer.ssl */
};

/* metricCustomizers (jmx_exporter 1.2+; docs/semantics.md §17).  One
 * extraMetrics entry: a constant leaf the walk adds to each matched bean, as
 * if the bean had an attribute `name` with this value. */
enum jxa_extra_kind { JXA_EXTRA_NUMBER = 0, JXA_EXTRA_BOOL, JXA_EXTRA_STRING };

struct jxa_extra_metric {
    char *name;             /* the attribute name it stands for */
    char *description;      /* NULL: none (the default HELP alone) */
    enum jxa_extra_kind kind;
    double num;             /* NUMBER: doubleValue(); BOOL: 1 or 0 */
    char *text;             /* String.valueOf(value): the match text */
};

struct jxa_customizer {
    char *domain;           /* mbeanFilter.domain, compared exactly */
    struct jxa_prop *props; /* mbeanFilter.properties: all must be key
                               properties of the bean, values as written
                               in its ObjectName */
    size_t nprops;
    char **labels;          /* attributesAsLabels, attribute names */
    size_t nlabels;
    struct jxa_extra_metric *extra;     /* extraMetrics */
    size_t nextra;
};

/* One name=value pair of openTelemetry.headers / resourceAttributes. */
struct jxa_kv {
    char *key;
    char *value;
};

/* The openTelemetry section (jmx_exporter 1.1+; keys as its
 * OpenTelemetryExporterFactory reads them): push the scrape as OTLP
 * metrics.  Read once at start, as jmx_exporter builds its exporter once;
 * the pusher (pusher.h) takes it over.  Only http/protobuf to an http://
 * endpoint (docs/otlp.md says why). */
struct jxa_otel_config {
    bool enabled;           /* the key is present */
    char *url;              /* endpoint as the user wrote it */
    char *host;             /* from url; "[::1]" kept without brackets */
    char *port;             /* from url; "4318" when absent */
    char *path;             /* from url, ending in v1/metrics */
    int interval_s;         /* interval, 60 */
    int timeout_s;          /* timeoutSeconds, 10 */
    bool preserve_names;    /* preserveNames: keep _total, unit suffixes */
    struct jxa_kv *headers;
    size_t nheaders;
    /* resourceAttributes with the service* keys applied over them (their
     * service.name etc. win), in the order written. */
    struct jxa_kv *attrs;
    size_t nattrs;
};

struct jxa_config {
    char *path;                     /* file it came from, NULL for strings */
    struct timespec mtime;          /* of the file when loaded */
    long long size;                 /* of the file when loaded, bytes */

    int start_delay_seconds;        /* startDelaySeconds */
    int scrape_timeout_seconds;     /* scrapeTimeoutSeconds, 0 = default */
    double min_scrape_interval_seconds; /* minScrapeIntervalSeconds (ours):
                                       requests this soon after a walk's
                                       start share its result; 1, 0 = off */
    bool lowercase_output_name;
    bool lowercase_output_label_names;
    bool infer_counter_type_from_name;
    bool exclude_jvm_metrics;
    bool auto_exclude_attributes;   /* autoExcludeObjectNameAttributes, true */

    /* includeObjectNames (alias whitelistObjectNames).  include_all is true
     * when the key is absent (query everything); an explicit [] includes
     * nothing. */
    bool include_all;
    struct jxa_objname *include;
    size_t ninclude;
    struct jxa_objname *exclude;    /* excludeObjectNames / blacklist... */
    size_t nexclude;

    struct jxa_attr_filter *exclude_attrs;
    size_t nexclude_attrs;
    struct jxa_attr_filter *include_attrs;   /* non-empty: allow-list */
    size_t ninclude_attrs;

    struct jxa_customizer *customizers;  /* metricCustomizers; the first
                                       that matches a bean applies */
    size_t ncustomizers;

    struct jxa_rule *rules;         /* absent key: one rule {} */
    size_t nrules;
    bool any_cache;                 /* some rule has cache: true */

    struct jxa_http_config http;    /* read once at start, never reloaded:
                                       empty after jxa_config_reload() */
    struct jxa_otel_config otel;    /* read once at start, checked on a
                                       reload but not applied */

    /* username, password or ssl (JMX-client keys of the standalone
     * exporter) were present: accepted and ignored in-process.  The loader
     * is pure; the caller may log this. */
    bool ignored_remote_keys;
};

/* Loads and validates a file.  Returns 0 and *out, or -1 with one line in
 * err (errlen >= 256 recommended). */
int jxa_config_load(const char *path, struct jxa_config **out, char *err,
                    size_t errlen);
/* The same for the reload of a running config: every key is checked as
 * at start, but httpServer, which is read once at start (as jmx_exporter
 * builds its HTTP server once), is not applied: the files it names
 * (bearer.tokenFile) are not read, so a token rotation in progress cannot
 * fail a reload, and out->http is left empty for the caller to carry the
 * running settings over. */
int jxa_config_reload(const char *path, struct jxa_config **out, char *err,
                      size_t errlen);
/* Same for YAML text; `name` stands for the file in messages. */
int jxa_config_load_string(const char *yaml, size_t len, const char *name,
                           struct jxa_config **out, char *err, size_t errlen);
/* The config for "no file": one default rule, everything else default. */
int jxa_config_default(struct jxa_config **out);
void jxa_config_free(struct jxa_config *c);
/* Frees the strings of h (the token wiped first) and zeroes it: for a
 * caller that overwrites a config's http with another one's. */
void jxa_http_config_free(struct jxa_http_config *h);
/* Frees the strings of o and zeroes it. */
void jxa_otel_config_free(struct jxa_otel_config *o);
/* The OpenTelemetry SDK's environment over the config's resource, as
 * client_java's OtelAutoConfig merges it (the environment wins):
 * otel_resource_attributes is OTEL_RESOURCE_ATTRIBUTES ("k=v,k=v", values
 * percent-encoded), otel_service_name OTEL_SERVICE_NAME, both may be NULL.
 * Malformed entries are skipped, as the SDK skips them.  Returns 0 or -1
 * (out of memory). */
int jxa_otel_apply_env(struct jxa_otel_config *o, const char *otel_resource_attributes,
                       const char *otel_service_name);

/* The JVM's system properties, for the javax.net.ssl.* fallback of
 * httpServer.ssl: fn returns a malloc'd value or NULL.  The loader stays
 * free of the JVM; the agent sets this before loading (NULL: none). */
typedef char *(*jxa_sysprop_fn)(const char *name);
void jxa_config_set_sysprop(jxa_sysprop_fn fn);

/* Has the file changed on disk since c was loaded (mtime or size)?  Cheap:
 * one stat(). */
bool jxa_config_changed(const struct jxa_config *c);

#endif
