/* negotiate.h - HTTP content negotiation: which exposition format a
 * request's Accept asks for, and which content coding its Accept-Encoding
 * asks for (RFC 9110 12.5.3).  Pure C, no civetweb: the server hands over
 * the header's field lines.  Reentrant, no allocation. */
#ifndef JXA_NEGOTIATE_H
#define JXA_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>

#include "mset.h"

/* The format for a request's Accept header (its first field line, as the
 * jar's HTTP server reads it; NULL: none).  client_java 1.x's choice,
 * which jmx_prometheus_javaagent 1.0.1 makes (docs/semantics.md
 * "Formats"): protobuf when the value contains both
 * "application/vnd.google.protobuf" and
 * "proto=io.prometheus.client.MetricFamily", else OpenMetrics when it
 * contains "application/openmetrics-text", else text 0.0.4.  Substrings,
 * case-sensitive, weights not looked at: Prometheus' own Accept values
 * list the format it prefers most, and the jar picks protobuf first. */
enum jxa_format jxa_negotiate_format(const char *accept);

/* Should the response be gzip-coded?  values: the n Accept-Encoding field
 * lines of the request (several lines form one comma-separated list); n == 0
 * means the request has none, which gets no coding, as clients that can
 * decompress say so.  True when gzip (or its alias x-gzip), named or
 * covered by "*", has a weight above 0 ("gzip;q=0" refuses it) and, if the
 * list names identity (no coding), at least identity's weight.  The first
 * element naming a coding counts.  Tokens and "q" are case-insensitive,
 * whitespace around elements and ';' is allowed; an element that does not
 * parse (a bad weight such as q=2 or q=0.1234) is ignored, as are empty
 * elements and parameters other than q. */
bool jxa_accepts_gzip(const char *const *values, size_t n);

#endif
