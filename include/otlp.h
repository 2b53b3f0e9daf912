/* otlp.h - a scrape as an OTLP ExportMetricsServiceRequest (the
 * opentelemetry-proto messages, encoded with protobuf-c), the way
 * client_java's OpenTelemetry exporter maps Prometheus metrics
 * (docs/otlp.md):
 *   gauge, unknown      -> Gauge
 *   counter             -> Sum, monotonic, cumulative
 *   info                -> Sum, not monotonic, cumulative, value 1
 *   summary             -> Summary (count, sum, quantiles)
 *   histogram           -> Histogram, cumulative (explicit bounds, the
 *                          per-bucket counts, count, sum)
 * Metric names: the family name without its unit suffix ("_seconds" when
 * the unit is seconds), or as /metrics shows it with preserveNames; unit
 * in UCUM (seconds -> s, bytes -> By, ...); description = HELP.  Labels
 * become string attributes; the resource carries the configured
 * attributes.  Pure C. */
#ifndef JXA_OTLP_H
#define JXA_OTLP_H

#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "mset.h"

/* Appends the encoded request to out.  start_ns: the cumulative series'
 * start (the agent's start), now_ns: the points' time, both Unix epoch
 * nanoseconds.  Returns 0 or -1 (out of memory). */
int jxa_otlp_encode(const struct jxa_mset *m, const struct jxa_otel_config *o,
                    uint64_t start_ns, uint64_t now_ns, struct jxa_buf *out);

#endif
