/* mset.h - a scrape's metric families and their exposition.
 *
 * Families are keyed by base name (without _total for counters, without
 * _info for info metrics).  Two producers feed it:
 *  - the rule engine, through jxa_mset_add_jmx(): jmx_exporter 1.x grouping
 *    (MatchedRuleToMetricSnapshotsConverter): mixed types in one family
 *    become UNKNOWN, HELP comes from the first sample, and when two samples
 *    of a family have equal label sets every sample of that family gets an
 *    `_objectname` label (the match string up to its last ':').
 *  - native collectors (self, JVM, process metrics), through jxa_mset_family()
 *    and jxa_family_add().
 * jxa_mset_write() renders Prometheus text 0.0.4 or OpenMetrics 1.0.0 as
 * client_java 1.x does: families sorted by name, samples sorted by labels,
 * labels sorted by name, values via jxa_prom_double().  Pure C. */
#ifndef JXA_MSET_H
#define JXA_MSET_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct jxa_mset;
struct jxa_family;

/* Metric types.  Rules (config.h) yield UNKNOWN, GAUGE or COUNTER (jmx_exporter 1.x
 * treats every other type name as UNKNOWN); the native collectors also use
 * SUMMARY and INFO. */
enum jxa_mtype {
    JXA_UNKNOWN = 0,
    JXA_GAUGE,
    JXA_COUNTER,
    JXA_SUMMARY,
    JXA_INFO,
    JXA_HISTOGRAM,
};

struct jxa_label {
    const char *name;
    const char *value;
};

/* PROTOBUF is written by pbexpo.c (jxa_pb_write), the text formats by
 * jxa_mset_write(). */
enum jxa_format { JXA_FMT_TEXT = 0, JXA_FMT_OPENMETRICS, JXA_FMT_PROTOBUF };

struct jxa_mset *jxa_mset_new(void);
/* Drops all families, keeps allocations for reuse. */
void jxa_mset_reset(struct jxa_mset *m);
void jxa_mset_free(struct jxa_mset *m);

/* One sample from the rule engine.  name: final base name (sanitised,
 * suffix-stripped); help NULL or "" = no HELP line; labels in any order
 * (copied); match_key: the match string without the ": value" part, used
 * for the _objectname label on collisions.  Returns 0 or -1 (OOM). */
int jxa_mset_add_jmx(struct jxa_mset *m, const char *name, enum jxa_mtype type,
                     const char *help, const struct jxa_label *labels,
                     size_t nlabels, double value, const char *match_key);

/* A native family, created on first use (same name: same family).  unit
 * may be NULL; it is printed as "# UNIT" in OpenMetrics only.  A name
 * clash between producers keeps the first owner (jmx_exporter 1.0.1
 * answers HTTP 500 "duplicate metric name" instead): for a name the rule
 * engine already used this returns a sink family that drops its samples,
 * and jxa_mset_add_jmx() drops samples for a native family's name; both
 * are counted by jxa_mset_finish(). */
struct jxa_family *jxa_mset_family(struct jxa_mset *m, const char *name,
                                   enum jxa_mtype type, const char *help,
                                   const char *unit);
/* A sample of a native family.  suffix: "" for the value itself (for a
 * COUNTER the writer adds _total, for INFO _info), or "_count" / "_sum" /
 * "" with a quantile label for SUMMARY.  JXA_SAMPLE_INT prints the value as
 * an integer (Long.toString), as client_java does for counts and info. */
#define JXA_SAMPLE_INT 1
int jxa_family_add(struct jxa_family *f, const char *suffix,
                   const struct jxa_label *labels, size_t nlabels,
                   double value, int flags);

/* The native-histogram part of a HISTOGRAM data point (Prometheus' sparse
 * buckets, docs/semantics.md "Protobuf"): base-2 exponential buckets of
 * the given schema (bucket i holds values in (2^((i-1)/2^schema),
 * 2^(i/2^schema)]), positive values only.  index[] ascending, count[] the
 * count of each bucket (not cumulative), n of them; zero_count: values at
 * or below zero_threshold.  Only the protobuf exposition carries it; the
 * text formats write the classic _bucket samples of the same point. */
struct jxa_native_hist {
    int schema;
    double zero_threshold;
    unsigned long long zero_count;
    const int *index;
    const unsigned long long *count;
    size_t n;
};
/* Attaches h (copied) to the data point of a native HISTOGRAM family with
 * these labels (without le).  Returns 0 or -1 (OOM, or not a histogram). */
int jxa_family_add_native(struct jxa_family *f, const struct jxa_label *labels,
                          size_t nlabels, const struct jxa_native_hist *h);

/* Resolves collisions (see above); call once after the last add.  A sample
 * that still duplicates another after _objectname is dropped (jmx_exporter
 * answers HTTP 500 instead).  Returns the number of samples dropped. */
size_t jxa_mset_finish(struct jxa_mset *m);

/* Reserved by the scraper so that no bean can take it; written by
 * jxa_mset_write() only when the request is served an old result. */
#define JXA_STALE_FAMILY "jmxagent_scrape_stale_seconds"
#define JXA_STALE_HELP "Age of the served result when the walk did not finish within the " \
                       "scrape timeout."

/* What one request asks of the writer. */
struct jxa_write_req {
    enum jxa_format fmt;
    /* The name[] filter (client_java 1.x semantics: a family is kept when
     * some requested name starts with its base name); nnames == 0 keeps
     * all. */
    const char *const *names;
    size_t nnames;
    /* > 0: the result is this many seconds old (the walk overran
     * scrapeTimeoutSeconds), so the answer carries JXA_STALE_FAMILY. */
    double stale_s;
};

/* Appends the exposition to out (after jxa_mset_finish(), which sorts).
 * OpenMetrics ends with "# EOF\n".  The only writer of the exposition
 * format.  Returns 0 or -1 (OOM). */
int jxa_mset_write(const struct jxa_mset *m, const struct jxa_write_req *req,
                   struct jxa_buf *out);

size_t jxa_mset_nsamples(const struct jxa_mset *m);

/* ---- read access for the writers of other formats (pbexpo.c) ----------
 * All after jxa_mset_finish(); the pointers live until the next reset. */

/* Does the request's name[] filter keep this family? */
bool jxa_write_selects(const struct jxa_write_req *req, const char *family);
size_t jxa_mset_nfamilies(const struct jxa_mset *m);
/* The i-th family in name order (as jxa_mset_write() writes them). */
const struct jxa_family *jxa_mset_sorted(const struct jxa_mset *m, size_t i);
const char *jxa_family_name(const struct jxa_family *f);
const char *jxa_family_help(const struct jxa_family *f);       /* NULL: none */
/* The type the family is written as (a rule family of mixed types is
 * UNKNOWN). */
enum jxa_mtype jxa_family_wtype(const struct jxa_family *f);
/* Whether the samples are a native collector's (summary and histogram
 * samples then carry suffixes and a quantile / le label). */
bool jxa_family_native_collector(const struct jxa_family *f);
size_t jxa_family_nsamples(const struct jxa_family *f);

struct jxa_sample_view {
    const char *suffix;         /* "" for the value itself */
    double value;
    int flags;
    size_t nlabels;             /* sorted by name; jxa_sample_label() */
};
/* Sample k in written order; false when it is dropped (not written). */
bool jxa_family_sample(const struct jxa_family *f, size_t k, struct jxa_sample_view *v);
struct jxa_label jxa_sample_label(const struct jxa_family *f, size_t k, size_t i);
/* The native histogram attached to the data point of sample k (its labels
 * without le), if any. */
bool jxa_family_native(const struct jxa_family *f, size_t k, struct jxa_native_hist *out);

/* Read-only walk over a finished set, for writers of other formats (the
 * OTLP encoder, otlp.h): the families /metrics would show (sorted by
 * name, without dropped samples and empty families), each followed by
 * its samples in exposition order.  name is the base name; type the
 * exposed type (mixed rule types give UNKNOWN); suffix "" or "_count",
 * "_sum", "_bucket"; labels sorted by name, a summary's quantile and a
 * histogram's le among them.  A callback returning non-zero stops the
 * walk with that value. */
struct jxa_mset_visitor {
    int (*family)(void *ctx, const char *name, enum jxa_mtype type, const char *help,
                  const char *unit);
    int (*sample)(void *ctx, const char *suffix, const struct jxa_label *labels,
                  size_t nlabels, double value, int flags);
};
int jxa_mset_visit(const struct jxa_mset *m, const struct jxa_mset_visitor *v, void *ctx);

#endif
