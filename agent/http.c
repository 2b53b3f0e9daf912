/* http.c - see http.h. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "buf.h"
#include "javafmt.h"
#include "log.h"
#include "mset.h"
#include "negotiate.h"
#include "pbexpo.h"
#include "render.h"
#include "scraper.h"
#include "threadsig.h"
#include "tls.h"

#define CT_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define CT_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define MAX_NAMES 64

/* civetweb 1.15 serves each connection on one worker thread from accept to
 * close, and a worker waits for a request's headers up to
 * request_timeout_ms (read_message(): one deadline from the moment the
 * worker took the connection, so a client trickling a byte a second gains
 * nothing) before it answers 400 or closes.  Clients that connect and send
 * nothing, or send slowly, therefore each hold a worker for that long, and
 * a scrape arriving when every worker is held waits in civetweb's queue.
 * Measured on the fixture JVM with the former 4 workers and 10 s: 8 idle
 * or slowloris clients delayed a scrape by 18.5 s.  Hence many workers
 * (each a 100 KiB stack and a max_request_size buffer, never attached to
 * the JVM; walks are serialised in the scraper anyway) and a deadline well
 * under Prometheus' default 10 s scrape timeout that still allows for two
 * lost TCP segments (initial RTO 1 s, then 2 s).  The same timeout bounds
 * a response write that makes no progress (push_inner()), e.g. a client
 * that never reads a body larger than the socket buffers. */
#define DEFAULT_THREADS 32
#define MAX_THREADS 64
#define REQUEST_TIMEOUT_MS "5000"
/* GET requests only: headers, no body.  Larger requests get civetweb's
 * 400 and the connection is closed. */
#define MAX_REQUEST_SIZE "8192"
/* How often at most the bearer token file is looked at (one stat). */
#define TOKEN_CHECK_MS 1000
#define REALM "jmxagent"

/* One server per exporter (options.h, "exporter="); civetweb hands each
 * handler its server as cbdata. */
struct jxa_http {
    struct jxa_scraper *scraper;
    struct mg_context *ctx;
    int bound_port;
    char bound_host[64];
    /* The HTTP settings are read once at start (jmx_exporter does the same);
     * the server keeps its own copy because a config reload frees the config
     * they came from. */
    struct jxa_http_config auth_copy;
    const struct jxa_http_config *auth;
    struct jxa_bearer bearer;
    /* httpServer.ssl: the server's TLS configs (tls.h), made at start and
     * kept across a pause of the server (fdwatch) like the other settings. */
    struct jxa_tls *tls;
    char index_html[2048];      /* names this server's metrics path */
};

struct jxa_http *jxa_http_new(struct jxa_scraper *s)
{
    struct jxa_http *srv = calloc(1, sizeof *srv);
    if (srv != NULL)
        srv->scraper = s;
    return srv;
}

#if defined(MG_MBEDTLS_CONF_CALLBACKS)
/* civetweb with our patch (tools/patches/civetweb-mbedtls-conf.patch)
 * asks for a config per accepted connection and hands it back when the
 * connection's TLS context is freed: rotation without a restart. */
static const void *tls_acquire(void *user_data)
{
    return jxa_tls_acquire(user_data);
}

static void tls_release(const void *conf, void *user_data)
{
    jxa_tls_release(user_data, conf);
}
#endif

static char *dup_opt(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int copy_http(struct jxa_http *srv, const struct jxa_http_config *h, char *err,
                     size_t errlen)
{
    struct jxa_http_config *a = &srv->auth_copy;
    *a = *h;
    a->username = dup_opt(h->username);
    a->password = dup_opt(h->password);
    a->password_hash = dup_opt(h->password_hash);
    a->salt = dup_opt(h->salt);
    a->metrics_path = dup_opt(h->metrics_path);
    a->token_file = NULL;
    a->token = NULL;
    memset(&a->tls, 0, sizeof a->tls);
    srv->auth = a;
    if (h->tls.enabled) {
#if defined(MG_MBEDTLS_CONF_CALLBACKS)
        srv->tls = jxa_tls_new(&h->tls, err, errlen);
        if (srv->tls == NULL)
            return -1;
#else
        /* A civetweb without our patch (tools/patches/) cannot be
         * handed a TLS configuration. */
        snprintf(err, errlen, "httpServer.ssl: this build's civetweb has no TLS hook; use the "
                 "self-contained build (make)");
        return -1;
#endif
    }
    if (h->auth == JXA_AUTH_BEARER &&
        jxa_bearer_init(&srv->bearer, h->token_file, h->token, TOKEN_CHECK_MS) != 0) {
        snprintf(err, errlen, "out of memory; retry");
        return -1;
    }
    return 0;
}

/* The metrics path is /metrics or httpServer.metrics.path (jmx_exporter
 * 1.6+; config_http.c allows only characters that need no escaping in
 * HTML or a civetweb URI pattern). */
static const char index_fmt[] =
    "<html>\n<head><title>libspark_jmxagent</title></head>\n<body>\n"
    "<h1>libspark_jmxagent</h1>\n"
    "<p>JMX metrics of this JVM in the Prometheus format: "
    "<a href=\"%1$s\">%1$s</a></p>\n"
    "<p>Only some families: <a href=\"%1$s?name[]=jvm_memory_used_bytes\">"
    "%1$s?name[]=jvm_memory_used_bytes</a> (repeat <tt>name[]</tt> for more).</p>\n"
    "<p>OpenMetrics: send <tt>Accept: application/openmetrics-text</tt>; protobuf: "
    "<tt>Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
    "encoding=delimited</tt>.</p>\n"
    "<p>Health: <a href=\"/-/healthy\">/-/healthy</a></p>\n"
    "</body>\n</html>\n";
_Static_assert(sizeof index_fmt + 4 * 256 <= sizeof ((struct jxa_http *)0)->index_html,
               "struct jxa_http's index_html holds the page with four 256-byte paths");

/* Security headers as jmx_exporter 1.6 sends them on every response
 * (Strict-Transport-Security too, but only under TLS, which we do not
 * serve).  additional_header reaches only the responses civetweb writes
 * itself (send_additional_header() in mg_send_http_error(), not in
 * mg_response_header_send()), so ours add them here. */
static void start_response(struct mg_connection *c, int status, const char *ctype, size_t len)
{
    char lenbuf[32];
    snprintf(lenbuf, sizeof lenbuf, "%zu", len);
    mg_response_header_start(c, status);
    mg_response_header_add(c, "Content-Type", ctype, -1);
    mg_response_header_add(c, "Content-Length", lenbuf, -1);
    mg_response_header_add(c, "X-Content-Type-Options", "nosniff", -1);
    mg_response_header_add(c, "X-Frame-Options", "DENY", -1);
}

static void send_simple(struct mg_connection *c, int status, const char *ctype,
                        const char *body, const char *extra_name, const char *extra_value)
{
    start_response(c, status, ctype, strlen(body));
    if (extra_name != NULL)
        mg_response_header_add(c, extra_name, extra_value, -1);
    mg_response_header_send(c);
    if (strcmp(mg_get_request_info(c)->request_method, "HEAD") != 0)
        mg_write(c, body, strlen(body));
}

/* Only GET and HEAD exist here; civetweb calls handlers for any method. */
static bool method_ok(struct mg_connection *c)
{
    const char *m = mg_get_request_info(c)->request_method;
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
        return true;
    send_simple(c, 405, "text/plain; charset=utf-8", "Method Not Allowed\n", "Allow", "GET, HEAD");
    return false;
}

/* Authorization: Bearer <token> (RFC 6750 2.1).  No or another scheme:
 * 401 with a challenge; a token that does not match: 403 (the client did
 * authenticate, with the wrong credentials; RFC 6750 3.1 would also allow
 * 401 invalid_token, but 403 tells "rotate your token" from "add one"). */
static bool bearer_authorized(struct jxa_http *srv, struct mg_connection *c)
{
    struct jxa_bearer *bearer = &srv->bearer;
    const char *h = mg_get_header(c, "Authorization");
    const char *tok = NULL;
    if (h != NULL && strncasecmp(h, "Bearer", 6) == 0 && (h[6] == ' ' || h[6] == '\t')) {
        tok = h + 7;
        while (*tok == ' ' || *tok == '\t')
            tok++;
    }
    size_t n = tok ? strlen(tok) : 0;
    while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
        n--;
    if (n == 0) {
        send_simple(c, 401, "text/plain; charset=utf-8", "Unauthorized\n",
                    "WWW-Authenticate", "Bearer realm=\"" REALM "\"");
        return false;
    }
    char msg[640];
    switch (jxa_bearer_refresh(bearer, msg, sizeof msg)) {
    case JXA_BEARER_ROTATED:
        jxa_info("bearer token re-read from %s", bearer->path);
        break;
    case JXA_BEARER_FAILED:
        jxa_warn("httpServer.authentication.bearer.tokenFile: %s; keeping the previous token "
                 "until the file is usable again", msg);
        break;
    case JXA_BEARER_SAME:
        break;
    }
    if (jxa_bearer_check(bearer, tok, n))
        return true;
    send_simple(c, 403, "text/plain; charset=utf-8", "Forbidden\n", "WWW-Authenticate",
                "Bearer realm=\"" REALM "\", error=\"invalid_token\"");
    return false;
}

static bool authorized(struct jxa_http *srv, struct mg_connection *c)
{
    const struct jxa_http_config *auth = srv->auth;
    if (auth == NULL || auth->auth == JXA_AUTH_NONE)
        return true;
    if (auth->auth == JXA_AUTH_BEARER)
        return bearer_authorized(srv, c);
    switch (jxa_auth_basic(auth, mg_get_header(c, "Authorization"))) {
    case JXA_AUTH_OK:
        return true;
    case JXA_AUTH_BUSY:
        /* Another request's PBKDF2 derivation is running (auth.h): not a
         * verdict on these credentials, so not 401, which would send the
         * user to check a password that may be right. */
        send_simple(c, 429, "text/plain; charset=utf-8",
                    "jmxagent: busy verifying other credentials; retry\n", "Retry-After", "1");
        return false;
    case JXA_AUTH_DENIED:
        break;
    }
    /* Missing, malformed or wrong credentials: 401, as jmx_exporter's
     * BasicAuthenticator answers; its realm is "/". */
    send_simple(c, 401, "text/plain; charset=utf-8", "Unauthorized\n",
                "WWW-Authenticate", "Basic realm=\"/\", charset=\"UTF-8\"");
    return false;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static char *url_decode(const char *s, size_t n)
{
    char *o = malloc(n + 1), *p = o;
    if (o == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
            hexval((unsigned char)s[i + 2]) >= 0) {
            *p++ = (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
            i += 2;
        } else if (s[i] == '+') {
            *p++ = ' ';
        } else {
            *p++ = s[i];
        }
    }
    *p = '\0';
    return o;
}

/* ?name[]=a&name[]=b (brackets possibly %-encoded).  Returns the count. */
static size_t parse_names(const char *q, char **names, size_t max)
{
    size_t n = 0;
    while (q != NULL && *q && n < max) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', len);
        if (eq != NULL) {
            char *key = url_decode(q, (size_t)(eq - q));
            if (key != NULL && strcmp(key, "name[]") == 0) {
                char *v = url_decode(eq + 1, len - (size_t)(eq - q) - 1);
                if (v != NULL)
                    names[n++] = v;
            }
            free(key);
        }
        q = amp ? amp + 1 : NULL;
    }
    return n;
}

static int h_metrics(struct mg_connection *c, void *cbdata)
{
    struct jxa_http *srv = cbdata;
    if (!method_ok(c) || !authorized(srv, c))
        return 1;
    const struct mg_request_info *ri = mg_get_request_info(c);
    enum jxa_format fmt = jxa_negotiate_format(mg_get_header(c, "Accept"));
    char *names[MAX_NAMES];
    size_t nnames = parse_names(ri->query_string, names, MAX_NAMES);

    double stale = 0;
    struct jxa_result *r = jxa_scraper_get(srv->scraper, &stale);
    if (r == NULL) {
        for (size_t i = 0; i < nnames; i++)
            free(names[i]);
        send_simple(c, 503, "text/plain; charset=utf-8",
                    "jmxagent: no metrics yet (the JVM is starting or stopping)\n",
                    "Retry-After", "1");
        return 1;
    }
    /* Every Accept-Encoding line: mg_get_header gives only the first. */
    const char *ae[MG_MAX_HEADERS];
    size_t nae = 0;
    for (int i = 0; i < ri->num_headers && i < MG_MAX_HEADERS; i++)
        if (strcasecmp(ri->http_headers[i].name, "Accept-Encoding") == 0)
            ae[nae++] = ri->http_headers[i].value;
    bool want_gzip = jxa_accepts_gzip(ae, nae), use_gzip = false;
    /* The plain answer is rendered once per walk and shared (render.h);
     * a name[] filter or a stale age makes this request's own. */
    struct jxa_buf body, gz;
    jxa_buf_init_mapped(&body);
    jxa_buf_init_mapped(&gz);
    const struct jxa_buf *send = NULL;
    if (nnames == 0 && stale <= 0) {
        send = jxa_render_shared(&r->render, r->m, fmt, want_gzip);
        if (send == NULL && want_gzip)      /* gzip could not: plain, as below */
            send = jxa_render_shared(&r->render, r->m, fmt, false);
        else
            use_gzip = want_gzip;
    } else {
        struct jxa_write_req wr = {fmt, (const char *const *)names, nnames, stale};
        if (jxa_render_write(r->m, &wr, &body) == 0) {
            if (r->render.renders != NULL)
                atomic_fetch_add(r->render.renders, 1);
            use_gzip = want_gzip && jxa_gzip(&body, &gz) == 0;
            send = use_gzip ? &gz : &body;
        }
    }
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    if (send == NULL) {
        send_simple(c, 500, "text/plain; charset=utf-8", "jmxagent: out of memory\n", NULL, NULL);
        goto out;
    }
    start_response(c, 200, fmt == JXA_FMT_PROTOBUF ? JXA_CT_PROTOBUF
                           : fmt == JXA_FMT_OPENMETRICS ? CT_OPENMETRICS : CT_TEXT, send->len);
    if (use_gzip)
        mg_response_header_add(c, "Content-Encoding", "gzip", -1);
    mg_response_header_add(c, "Vary", "Accept, Accept-Encoding", -1);
    mg_response_header_send(c);
    if (strcmp(ri->request_method, "HEAD") != 0)
        mg_write(c, send->data ? send->data : "", send->len);
out:
    /* After the write: send may be the result's shared bytes. */
    jxa_scraper_put(srv->scraper, r);
    jxa_buf_free(&body);
    jxa_buf_free(&gz);
    return 1;
}

static int h_healthy(struct mg_connection *c, void *cbdata)
{
    /* Behind the same authentication as /metrics, as in jmx_exporter. */
    if (method_ok(c) && authorized(cbdata, c))
        send_simple(c, 200, "text/plain; charset=utf-8", "Exporter is healthy.\n", NULL, NULL);
    return 1;
}

static int h_index(struct mg_connection *c, void *cbdata)
{
    if (method_ok(c) && authorized(cbdata, c))
        send_simple(c, 200, "text/html; charset=utf-8", ((struct jxa_http *)cbdata)->index_html,
                    NULL, NULL);
    return 1;
}

/* civetweb's master and worker threads each set SIGPIPE to SIG_IGN for
 * the whole process when they start (civetweb.c v1.15 worker_thread,
 * master_thread), replacing HotSpot's handler; -Xcheck:jni then reports
 * "SIGPIPE handler modified".  init_thread runs on each new thread right
 * after that, so putting the JVM's handler back there undoes every
 * change.  (Writes to a closed socket still fail with EPIPE: SIGPIPE is
 * blocked in these threads.) */
static struct sigaction jvm_sigpipe;

static void *init_thread(const struct mg_context *c, int thread_type)
{
    (void)c;
    (void)thread_type;
    sigaction(SIGPIPE, &jvm_sigpipe, NULL);
    return NULL;
}

static int log_message(const struct mg_connection *c, const char *msg)
{
    (void)c;
    jxa_debug("http: %s", msg);
    return 1;   /* handled: civetweb writes nothing itself */
}

/* civetweb only says "Failed to setup server ports"; a bind of our own
 * tells the user why. */
static void explain_bind_failure(const char *host, int port, const char *civet,
                                 char *err, size_t errlen)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1, e = 0;
    if (s >= 0) {
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(s, (struct sockaddr *)&a, sizeof a) != 0)
            e = errno;
        close(s);
    }
    if (e == EADDRINUSE)
        snprintf(err, errlen, "%s:%d: port already in use; choose a free port, a range "
                 "(port=9404-9420) or port=0", host, port);
    else if (e == EADDRNOTAVAIL)
        snprintf(err, errlen, "%s:%d: no such local address; use an address of this "
                 "host or 0.0.0.0", host, port);
    else if (e == EACCES)
        snprintf(err, errlen, "%s:%d: permission denied; use a port above 1023", host, port);
    else
        snprintf(err, errlen, "%s:%d: %s", host, port, civet[0] ? civet : "cannot listen");
}

/* civetweb's listening_ports takes only IP literals (and Debian's build has
 * no IPv6): resolve names such as "localhost" to an IPv4 address. */
static int resolve_host(const char *host, char *ip, size_t iplen, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || res == NULL) {
        snprintf(err, errlen, "host=%s: cannot resolve to an IPv4 address (%s); use an IPv4 "
                 "address such as 127.0.0.1 or 0.0.0.0", host, gai_strerror(rc));
        return -1;
    }
    inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip, (socklen_t)iplen);
    freeaddrinfo(res);
    return 0;
}

static struct mg_context *try_start(const struct jxa_http *srv, const char *host, int port,
                                    char *err, size_t errlen)
{
    const struct jxa_http_config *auth = srv->auth;
    /* mg_start2 copies the callbacks (civetweb.c v1.15): one per start,
     * since several servers may start at once (the fd watcher's resume
     * and an attach). */
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.log_message = log_message;
    cb.init_thread = init_thread;
#if defined(MG_MBEDTLS_CONF_CALLBACKS)
    if (srv->tls != NULL) {
        cb.mbedtls_conf_acquire = tls_acquire;
        cb.mbedtls_conf_release = tls_release;
    }
#endif
    char ports[96], threads[16];
    /* "s": civetweb serves TLS on this port. */
    snprintf(ports, sizeof ports, "%s:%d%s", host, port, srv->tls != NULL ? "s" : "");
    /* httpServer.threads.maximum (jmx_exporter's handler pool) sets the
     * number of workers; see DEFAULT_THREADS for why there are many. */
    int nthreads = auth && auth->threads_max > 0 ? auth->threads_max : DEFAULT_THREADS;
    snprintf(threads, sizeof threads, "%d", nthreads < MAX_THREADS ? nthreads : MAX_THREADS);
    const char *options[] = {
        "listening_ports", ports,
        "num_threads", threads,
        "request_timeout_ms", REQUEST_TIMEOUT_MS,
        /* A kept-alive idle connection would pin a worker between scrapes. */
        "enable_keep_alive", "no",
        /* A TLS handshake is several small writes (ServerHello, Certificate,
         * ServerKeyExchange, ServerHelloDone); with Nagle's algorithm the
         * later ones wait for the client's delayed ACK: 60 ms per https
         * request instead of 24 (docs/tls.md, "Cost"). */
        "tcp_nodelay", "1",
        "max_request_size", MAX_REQUEST_SIZE,
        "enable_directory_listing", "no",
        /* civetweb answers CORS preflights with '*' by default. */
        "access_control_allow_origin", "",
        /* Written as is, followed by CRLF: two headers in one value. */
        "additional_header", "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY",
        NULL,
    };
    struct mg_init_data init = {.callbacks = &cb, .user_data = srv->tls,
                                .configuration_options = options};
    char text[256] = "";
    unsigned code = 0;
    struct mg_error_data e = {.code = &code, .text = text, .text_buffer_size = sizeof text};
    struct mg_context *c = mg_start2(&init, &e);
    if (c == NULL)
        explain_bind_failure(host, port, text, err, errlen);
    return c;
}

int jxa_http_start(struct jxa_http *srv, const struct jxa_options *o,
                   const struct jxa_http_config *h, char *err, size_t errlen)
{
    if (h != NULL && copy_http(srv, h, err, errlen) != 0)
        return -1;
    char host[INET_ADDRSTRLEN];
    if (resolve_host(o->host ? o->host : "0.0.0.0", host, sizeof host, err, errlen) != 0)
        return -1;
    mg_init_library(0);
    /* civetweb's threads inherit this mask (threadsig.h): set, not added
     * to, since the caller may be the descriptor watcher. */
    sigset_t mask, old;
    jxa_threadsig_mask(&mask);
    pthread_sigmask(SIG_SETMASK, &mask, &old);
    sigaction(SIGPIPE, NULL, &jvm_sigpipe);
    struct mg_context *ctx = NULL;
    for (int port = o->port_lo; port <= o->port_hi && ctx == NULL; port++)
        ctx = try_start(srv, host, port, err, errlen);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (ctx == NULL) {
        if (o->port_hi > o->port_lo) {
            char first[256];
            snprintf(first, sizeof first, "%s", err);
            snprintf(err, errlen, "no free port in %s:%d-%d (last error: %s)", host,
                     o->port_lo, o->port_hi, first);
        }
        return -1;
    }
    srv->ctx = ctx;
    const struct jxa_http_config *auth = srv->auth;
    const char *mpath = auth != NULL && auth->metrics_path != NULL ? auth->metrics_path
                                                                   : "/metrics";
    char pattern[300];
    snprintf(pattern, sizeof pattern, "%s$", mpath);
    snprintf(srv->index_html, sizeof srv->index_html, index_fmt, mpath);
    /* Only this path: 1.6.0 keeps serving /metrics next to a configured
     * path (its security-header wrapper registers /metrics again), which
     * we do not copy (differences.py metrics-path-only). */
    mg_set_request_handler(ctx, pattern, h_metrics, srv);
    mg_set_request_handler(ctx, "/-/healthy$", h_healthy, srv);
    mg_set_request_handler(ctx, "/$", h_index, srv);
    struct mg_server_port p[4];
    int n = mg_get_server_ports(ctx, 4, p);
    srv->bound_port = n > 0 ? p[0].port : o->port_lo;
    snprintf(srv->bound_host, sizeof srv->bound_host, "%s",
             strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1" : host);
    return srv->bound_port;
}

/* civetweb's master thread polls with a 2 s quantum and checks the stop
 * flag only between quanta (civetweb.c v1.15 mg_poll); one connect wakes
 * it, cutting mg_stop from up to 2 s to ~10 ms (docs/design.md §8). */
static void *waker(void *arg)
{
    const struct jxa_http *srv = arg;
    usleep(2000);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return NULL;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv->bound_port)};
    inet_pton(AF_INET, srv->bound_host, &a.sin_addr);
    (void)connect(s, (struct sockaddr *)&a, sizeof a);
    close(s);
    return NULL;
}

/* mg_stop returns once every worker has left its handler (civetweb.c
 * v1.15 master_thread_run closes the listening sockets, then joins the
 * workers), and a handler can be stuck in a system call that nothing
 * interrupts: a bearer token file on a hung NFS mount blocks its open()
 * or read() for ever (the O_NONBLOCK open only helps against FIFOs); a
 * client that does not read its response holds one REQUEST_TIMEOUT_MS.
 * VMDeath must not wait for that, so mg_stop runs on a thread of its own
 * and is waited for at most STOP_WAIT_MS, time enough for a response in
 * flight.  Past that the context is left behind: the process exit ends
 * it, or, when the watcher paused the server, it is freed whenever the
 * handler returns (the port is closed already, so the server can be
 * started again). */
#define STOP_WAIT_MS 500

struct stop_job {
    struct mg_context *ctx;
    sem_t done;
    atomic_int refs;            /* the stopper and the caller: last one frees */
};

static void stop_job_put(struct stop_job *j)
{
    if (atomic_fetch_sub(&j->refs, 1) == 1) {
        sem_destroy(&j->done);
        free(j);
    }
}

static void *stopper(void *arg)
{
    struct stop_job *j = arg;
    mg_stop(j->ctx);
    jxa_auth_interrupt(false);
    sem_post(&j->done);
    stop_job_put(j);
    return NULL;
}

void jxa_http_stop(struct jxa_http *srv)
{
    struct mg_context *ctx = srv != NULL ? srv->ctx : NULL;
    if (ctx == NULL)
        return;
    struct stop_job *j = malloc(sizeof *j);
    if (j != NULL) {
        j->ctx = ctx;
        sem_init(&j->done, 0, 0);
        atomic_init(&j->refs, 2);
    }
    /* Our threads, our mask (threadsig.h); the caller may be a JVM thread. */
    sigset_t mask, old;
    jxa_threadsig_mask(&mask);
    pthread_sigmask(SIG_SETMASK, &mask, &old);
    pthread_t t, s;
    bool woke = pthread_create(&t, NULL, waker, srv) == 0;
    /* mg_stop() joins every worker: one inside a PBKDF2 derivation (seconds
     * with jmx_exporter's defaults) would hold it, and VMDeath with it.  The
     * interrupt is lifted by whoever returns from mg_stop(). */
    jxa_auth_interrupt(true);
    bool own = j != NULL && pthread_create(&s, NULL, stopper, j) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    bool stopped = true;
    if (own) {
        pthread_detach(s);
        /* sem_timedwait, on CLOCK_REALTIME: sem_clockwait (a monotonic
         * deadline) is glibc 2.30, newer than the 2.17 the agent targets; a
         * clock step during these 500 ms only lengthens or shortens one
         * wait at exit. */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += STOP_WAIT_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        int rc;
        while ((rc = sem_timedwait(&j->done, &until)) != 0 && errno == EINTR)
            ;
        stopped = rc == 0;
        stop_job_put(j);
    } else {
        if (j != NULL) {
            sem_destroy(&j->done);
            free(j);
        }
        mg_stop(ctx);       /* no thread to spare: wait, as before */
        jxa_auth_interrupt(false);
    }
    if (woke)
        pthread_join(t, NULL);
    if (!stopped)
        jxa_warn("HTTP server: a request is still being served %d ms after the stop (a "
                 "client that does not read its response, or a bearer tokenFile on a hung "
                 "mount); not waiting for it", STOP_WAIT_MS);
    srv->ctx = NULL;
}
