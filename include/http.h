/* http.h - the embedded HTTP server (civetweb): /metrics, /-/healthy and
 * an index page; nothing else is served (no document root, no CORS).
 * All three behind httpServer.authentication (Basic, or Bearer with a
 * token file re-read when it changes).  Handlers never touch the JVM; they
 * get results from the scraper.  Limits (worker count, header deadline,
 * request size) and why: http.c. */
#ifndef JXA_HTTP_H
#define JXA_HTTP_H

#include "config.h"
#include "options.h"

struct jxa_scraper;

/* One server, for one exporter (options.h, "exporter="): its handlers ask
 * s for results.  NULL when out of memory. */
struct jxa_http *jxa_http_new(struct jxa_scraper *s);

/* Binds host:port (the first free port of a range; 0 = ephemeral) and
 * starts serving.  h: the HTTP settings to keep (copied), or NULL to keep
 * those of the previous start (the fd watcher's resume).  Returns the
 * bound port, or -1 with one line in err. */
int jxa_http_start(struct jxa_http *srv, const struct jxa_options *o,
                   const struct jxa_http_config *h, char *err, size_t errlen);
/* Stops the server within a few ms (wakes civetweb's poll loop with a
 * loopback connect), waiting at most 500 ms for request handlers that have
 * not returned (one stuck on a hung token file would hold it for ever):
 * past that, logs one line and leaves them to the process exit.  Safe to
 * call when not started. */
void jxa_http_stop(struct jxa_http *srv);

#endif
