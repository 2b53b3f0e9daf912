/* httpc.h - one HTTP/1.1 POST with a deadline, for the OTLP pusher
 * (pusher.h).  Plain sockets, not civetweb's client: one deadline bounds
 * the connect, the send and the answer together (civetweb 1.15's
 * connect_socket waits a fixed 10 s for a connect), IPv6 works
 * (Debian's civetweb is built without it), and nothing here needs a
 * civetweb context.  No TLS.  Pure C; any thread but a GC callback. */
#ifndef JXA_HTTPC_H
#define JXA_HTTPC_H

#include <stddef.h>

#include "config.h"

struct jxa_httpc_req {
    const char *host;           /* name or address, IPv6 without brackets */
    const char *port;           /* decimal */
    const char *path;           /* "/v1/metrics" */
    const char *content_type;
    const struct jxa_kv *headers;   /* extra headers, may be NULL */
    size_t nheaders;
    const void *body;
    size_t len;
    int timeout_ms;             /* for everything, name lookup aside */
};

/* Sends the request, reads the status line (the rest of the answer, up to
 * 64 KiB, is read and dropped so the server sees an orderly close).
 * Returns the HTTP status, or -1 with one line in err (cannot resolve,
 * connection refused, timed out after N ms, ...). */
int jxa_httpc_post(const struct jxa_httpc_req *r, char *err, size_t errlen);

#endif
