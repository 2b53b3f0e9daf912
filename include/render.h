/* render.h - a walk's result rendered once per format and coding, and the
 * bytes shared by every request that result serves.
 *
 * Requests that arrive together share one walk (scraper.h); before this
 * module each of them then wrote its own copy of the exposition (and
 * gzipped it), on its own HTTP worker thread: N concurrent scrapes cost N
 * renderings and N bodies in N malloc arenas.  Now the first request of a
 * (format, gzip) pair renders into pages of its own (jxa_buf_init_mapped)
 * and the others wait for it and send the same bytes; they live as long as
 * the result (refcounted, scraper.h), or until jxa_render_drop.  A gzipped
 * answer keeps the plain bytes only when a request asked for them too.  Only the plain answer is shared: a
 * request with a name[] filter, or one served a stale result (its
 * jmxagent_scrape_stale_seconds is that request's own age, mset.h), is
 * rendered for itself (jxa_render_write). */
#ifndef JXA_RENDER_H
#define JXA_RENDER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "buf.h"
#include "mset.h"

/* text, OpenMetrics, protobuf; each plain and gzipped. */
#define JXA_RENDER_SLOTS 6

struct jxa_render {
    pthread_mutex_t mu[JXA_RENDER_SLOTS];
    struct jxa_buf body[JXA_RENDER_SLOTS];
    bool done[JXA_RENDER_SLOTS];
    /* Counts every rendering made here (the exporter's
     * jmxagent_rendered_bodies); may be NULL. */
    atomic_ulong *renders;
};

void jxa_render_init(struct jxa_render *r, atomic_ulong *renders);
void jxa_render_free(struct jxa_render *r);

/* The whole exposition of m (finished) in fmt, gzipped or not, rendered on
 * the first call and shared after that.  The buffer stays valid and
 * unchanged until jxa_render_free().  NULL when out of memory (the next
 * call tries again). */
const struct jxa_buf *jxa_render_shared(struct jxa_render *r, const struct jxa_mset *m,
                                        enum jxa_format fmt, bool gzip);

/* Frees the shared renderings: their pages go back to the kernel, and a
 * later jxa_render_shared renders again (and counts it).  For a result no
 * request can be handed fresh any more (scraper.c: the newest one, between
 * walks, once its minScrapeIntervalSeconds is over), whose bodies would
 * otherwise stay resident until the next walk replaces it; the caller
 * makes sure no one is using them. */
void jxa_render_drop(struct jxa_render *r);

/* One request's own rendering (name[] filter, stale age) into out; the
 * writer of req->fmt.  Returns 0 or -1 (OOM). */
int jxa_render_write(const struct jxa_mset *m, const struct jxa_write_req *req,
                     struct jxa_buf *out);

/* out = gzip(in), level 1 (docs/design.md §10).  Returns 0 or -1. */
int jxa_gzip(const struct jxa_buf *in, struct jxa_buf *out);

#endif
