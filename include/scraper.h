/* scraper.h - the one JVM-attached thread that walks JMX, and the hand-off
 * between it and the HTTP threads.  Several exporters in one JVM (options.h)
 * each have a struct jxa_scraper (config, rule and bean caches, reload
 * state, minimum interval, last result); the one thread walks for them in
 * turn (docs/design.md §3).
 *
 * Debian's civetweb runs its workers on 100 KiB stacks, which HotSpot
 * refuses to attach (docs/design.md §3), so no HTTP thread ever calls JNI: a
 * handler asks for a fresh result and waits, with a timeout, for the
 * scraper to publish one.  A request that arrives within
 * minScrapeIntervalSeconds of the newest walk's start shares that walk
 * (waits for it if it is still running); later requests are served by the
 * next walk, so a flood of scrapers costs one walk per interval (or per
 * walk, when walks take longer).  A walk that exceeds the timeout leaves
 * the handler with the last good result. */
#ifndef JXA_SCRAPER_H
#define JXA_SCRAPER_H

#include <jni.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "config.h"
#include "mset.h"
#include "render.h"
#include "options.h"     /* JXA_MAX_EXPORTERS */

/* A published scrape: immutable once published, shared by reference. */
struct jxa_result {
    atomic_int refs;
    struct jxa_mset *m;
    double finished;        /* CLOCK_MONOTONIC seconds */
    /* Its renderings, shared by the requests it serves (render.h). */
    struct jxa_render render;
};

struct jxa_scraper;

/* One exporter's side of the hand-off, before it serves: jxa_scraper_get
 * answers NULL (503) until jxa_scraper_start.  NULL when out of memory. */
struct jxa_scraper *jxa_scraper_new(void);

/* Takes ownership of cfg (the startup config; may be reloaded from
 * cfg->path) and adds s to the scraper thread's turns; the first call
 * starts the thread, attached as a daemon, so it never keeps the JVM
 * alive.  Returns 0 or -1 (no thread, JXA_MAX_EXPORTERS reached, or the
 * agent is stopping). */
int jxa_scraper_start(struct jxa_scraper *s, JavaVM *vm, struct jxa_config *cfg);

/* From any thread: a fresh result for exporter s, or after its timeout the
 * last good one (*stale_s = its age), or NULL when there is none yet or the
 * agent stops.  Release it with jxa_result_release. */
struct jxa_result *jxa_scraper_get(struct jxa_scraper *s, double *stale_s);
void jxa_result_release(struct jxa_result *r);
/* jxa_result_release for a result of s whose shared renderings the caller
 * may have used (an HTTP answer): frees them too when no request can use
 * them any more (render.h, jxa_render_drop). */
void jxa_scraper_put(struct jxa_scraper *s, struct jxa_result *r);

/* At VMDeath: stop taking requests (every exporter), wake everyone, wait
 * at most wait_ms for a walk in progress.  Returns true if the scraper is
 * idle. */
bool jxa_scraper_stop(int wait_ms);

/* The scraper's config-derived request timeout (scrapeTimeoutSeconds). */
double jxa_scraper_timeout(const struct jxa_scraper *s);

double jxa_now(void);

#endif
