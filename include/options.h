/* options.h - the agent option string (everything after '=' in
 * -agentpath:libspark_jmxagent.so=...).
 *
 * Two forms:
 *   jmx_exporter's:  [host:]port:/path/config.yaml      (port may be a range)
 *   key=value list:  port=9404,host=127.0.0.1,config=/x.yaml,strict=true
 * Keys: port (N, 0 = ephemeral, or a range A-B: the first free port is
 * bound), host, config, log (file, default stderr), log_level
 * (error|warn|info|debug), strict (true|false), port_file (write the bound
 * port there), sd_dir (write a Prometheus file_sd target file there, removed
 * at exit), sd_job (value of the `job` label in it), rules (an embedded
 * rule file by name: driver, executor, master, worker), executor_agent
 * (true|false: may a driver add the agent to its executors' options), http
 * (true|false: http=false is the push-only mode below), exporter
 * ([host:]port:/path/config.yaml, jmx_exporter's form; repeat it for
 * several exporters in one JVM, each with its own config, port, caches,
 * self metrics and openTelemetry push: exporter=9404:/a.yaml,
 * exporter=9405:/b.yaml; it replaces port, host, config, rules and http,
 * and port_file then gets one port a line, in order, for the exporters that
 * serve HTTP; exporter=/path/config.yaml, a bare path, is one exporter that
 * only pushes, as the bare-path form below).  Loading the agent twice with
 * different option strings does the same; an identical string is one
 * exporter (Spark 3.4 to 4.0 repeat the executors' options, docs/spark.md).
 * jmx_exporter 1.1+'s third form, a bare config path (no port, no ':' and
 * no '='), is its OpenTelemetry-only mode: no HTTP server, the config's
 * openTelemetry section pushes the metrics (push_only).
 * Every key may be left out, and so may the whole string: a bare
 * -agentpath chooses port, rules and sd_dir by itself (autoconf.h).
 * When no config is given, the environment variable JMXAGENT_CONFIG is used.
 * Pure C. */
#ifndef JXA_OPTIONS_H
#define JXA_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* At most this many exporters in one JVM (exporter=, or several loads). */
#define JXA_MAX_EXPORTERS 8

enum jxa_log_level { JXA_LOG_ERROR = 0, JXA_LOG_WARN, JXA_LOG_INFO, JXA_LOG_DEBUG };

struct jxa_exporter_opt {
    char *host;             /* NULL: 0.0.0.0 */
    int port_lo, port_hi;
    char *config;
    bool push_only;         /* exporter=/path/config.yaml: no port, push only */
};

struct jxa_options {
    char *host;             /* NULL: 0.0.0.0, as the Java agent */
    int port_lo, port_hi;   /* port_lo == port_hi for one port; 0 = ephemeral */
    bool port_set;          /* false: no port given, autoconf.h chooses */
    char *config;           /* NULL: no file, default rules */
    char *log;              /* NULL: stderr */
    enum jxa_log_level log_level;
    bool strict;
    char *port_file;
    char *sd_dir;
    char *sd_job;
    char *rules;            /* rules=NAME, NULL if not given */
    bool no_executor_agent; /* executor_agent=false */
    bool push_only;         /* the bare-path form or http=false: no HTTP
                               server, the openTelemetry push only */
    struct jxa_exporter_opt exporters[JXA_MAX_EXPORTERS];   /* exporter=, in order */
    size_t nexporters;
};

/* Parses s (NULL or empty: nothing given, all defaults).  Returns 0, or
 * -1 with one line in err naming the option and what to do.  On error *o is
 * left zeroed. */
int jxa_options_parse(const char *s, struct jxa_options *o, char *err,
                      size_t errlen);
void jxa_options_free(struct jxa_options *o);

/* The options of exporter i of o (i < o->nexporters): a deep copy of o
 * with that exporter's host, port and config and no exporter list, and
 * without port_file (the caller writes every port to it).  Returns 0, or
 * -1 when out of memory (*out zeroed). */
int jxa_options_exporter(const struct jxa_options *o, size_t i, struct jxa_options *out);

#endif
