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

/* Binds host:port (the first free port of a range; 0 = ephemeral) and
 * starts serving.  Returns the bound port, or -1 with one line in err. */
int jxa_http_start(const struct jxa_options *o, const struct jxa_http_config *h,
                   char *err, size_t errlen);
/* Stops the server within a few ms (wakes civetweb's poll loop with a
 * loopback connect), waiting at most 500 ms for request handlers that have
 * not returned (one stuck on a hung token file would hold it for ever):
 * past that, logs one line and leaves them to the process exit.  Safe to
 * call when not started. */
void jxa_http_stop(void);

#endif
