/* pusher.h - the OpenTelemetry push (jmx_exporter 1.1+'s openTelemetry
 * section): every interval, take a scrape, encode it as OTLP metrics
 * (otlp.h) and POST it to the receiver (httpc.h).
 *
 * One native thread of our own, never attached to the JVM: the scrape
 * comes from the scraper thread through src (as an HTTP handler gets it,
 * docs/design.md §3), so nothing here touches JNI, and a thread the JVM
 * does not know cannot keep it alive.  Every signal HotSpot handles is
 * blocked in it (threadsig.h).  A push is bounded by timeoutSeconds; a
 * receiver that is down or slow costs one WARN line per interval and
 * nothing else (no retries, no queue: the next interval sends fresh
 * values).  Pure C. */
#ifndef JXA_PUSHER_H
#define JXA_PUSHER_H

#include <stdbool.h>

#include "config.h"
#include "mset.h"

/* Where the scrapes come from: acquire returns the newest finished scrape
 * of ctx (fresh if it can be had within the scrape timeout) and a handle
 * for release, or NULL when there is none yet or the agent stops. */
struct jxa_pusher_source {
    const struct jxa_mset *(*acquire)(void *ctx, void **handle);
    void (*release)(void *handle);
    void *ctx;
};

struct jxa_pusher;

/* Takes over *o (zeroed afterwards) and starts the thread.  Returns the
 * pusher, or NULL (no thread; logged).  One per exporter. */
struct jxa_pusher *jxa_pusher_start(struct jxa_otel_config *o,
                                    const struct jxa_pusher_source *src);

/* At VMDeath: stop, waiting at most wait_ms for a push in flight (past
 * that, the thread is left to the process exit and p with it).  True if
 * it stopped (p is then freed) or p is NULL. */
bool jxa_pusher_stop(struct jxa_pusher *p, int wait_ms);

/* Pushes so far that the receiver answered 2xx, and that failed. */
unsigned long jxa_pusher_ok(const struct jxa_pusher *p);
unsigned long jxa_pusher_failed(const struct jxa_pusher *p);

#endif
