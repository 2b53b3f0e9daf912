/* config_otel.c - the openTelemetry section of the config (jmx_exporter
 * 1.1+): where and how the pusher (pusher.h) sends the scrape as OTLP
 * metrics; see config.h and config_table.h.
 *
 * The keys, their types and checks are those of jmx_exporter's
 * OpenTelemetryExporterFactory (commit 4b843c6, docs/otlp.md): endpoint (a
 * URL), protocol, interval and timeoutSeconds (integers >= 1),
 * preserveNames (boolean), headers and resourceAttributes (maps of
 * strings), serviceName / serviceNamespace / serviceInstanceId /
 * serviceVersion (non-blank strings).  The defaults are client_java's and
 * the OpenTelemetry SDK's: interval 60 s, timeout 10 s, endpoint
 * http://localhost:4318 for http/protobuf.
 *
 * What this agent cannot do is refused with one line: protocol grpc (also
 * the default when protocol is absent) and http/json, and https://
 * endpoints (docs/otlp.md: why).  Like httpServer, the section is read
 * once at start; a reload checks it and ignores changes. */
#include "config.h"
#include "config_table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_ENDPOINT "http://localhost:4318"
#define METRICS_PATH "v1/metrics"

struct otel_tmp {
    struct jxa_otel_config *o;
    char *protocol;
    int endpoint_line;
    char *service_name, *service_namespace, *service_instance_id, *service_version;
};

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' && *s != '\v')
            return false;
    return true;
}

/* A string that is not blank: jmx_exporter's ToString + StringIsNotBlank.
 * ToString takes any scalar (String.valueOf); a map or list is refused. */
static int get_text(struct jxa_cfg_ctx *c, const char *path, yaml_node_t *v, char **out)
{
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    char d[96];
    if (y.k == JXA_Y11_MAP || y.k == JXA_Y11_SEQ || y.k == JXA_Y11_NULL)
        return fail(c, line_of(v), path, "must be a string, got %s; write a value",
                    jxa_y11_describe(v, d, sizeof d));
    char *s = jxa_y11_java_text(v);
    if (s == NULL)
        return oom(c, v, path);
    if (blank(s)) {
        free(s);
        return fail(c, line_of(v), path, "must not be blank; write a value or remove the key");
    }
    *out = s;
    return 0;
}

static int set_text(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path,
                    yaml_node_t *v, void *base)
{
    if (v == NULL)
        return 0;
    return get_text(c, path, v, JXA_CFG_FIELD(base, k, char *));
}

static int set_pos_int(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path,
                       yaml_node_t *v, void *base)
{
    struct otel_tmp *t = base;
    int *dst = strcmp(k->name, "interval") == 0 ? &t->o->interval_s : &t->o->timeout_s;
    if (v == NULL) {
        *dst = (int)k->dflt;
        return 0;
    }
    if (jxa_cfg_get_int(c, path, v, dst) < 0)
        return -1;
    if (*dst < 1)
        return fail(c, line_of(v), path, "must be an integer greater than 0, got %d; "
                    "give a number of seconds", *dst);
    return 0;
}

static int set_preserve(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path,
                        yaml_node_t *v, void *base)
{
    (void)k;
    struct otel_tmp *t = base;
    if (v == NULL)
        return 0;
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (y.k != JXA_Y11_BOOL) {
        char d[96];
        return fail(c, line_of(v), path, "must be true or false, got %s; write true or false",
                    jxa_y11_describe(v, d, sizeof d));
    }
    t->o->preserve_names = y.b;
    return 0;
}

/* One entry of get_map.  On an error the entry is left empty: the count
 * covers only the complete ones, which the caller frees. */
static int kv_entry(struct jxa_cfg_ctx *c, const struct jxa_cfg_entry *e, void *arg)
{
    struct jxa_kv *kv = (struct jxa_kv *)e->arr + e->i;
    char d[96];
    int rc = 0;
    if (blank(e->p->key))
        rc = fail(c, line_of(e->p->k), e->map, "a key is blank; give every entry a name");
    else if (e->val.k != JXA_Y11_STR || blank(e->val.s))
        rc = fail(c, line_of(e->p->v), e->path, "must be a non-blank string, got %s; quote "
                  "the value", jxa_y11_describe(e->p->v, d, sizeof d));
    else if ((kv->key = strdup(e->p->key)) == NULL || (kv->value = strdup(e->val.s)) == NULL)
        rc = oom(c, e->p->v, e->path);
    if (rc == 0) {
        *(size_t *)arg = e->i + 1;
    } else {
        free(kv->key);
        kv->key = NULL;
    }
    return rc;
}

/* headers / resourceAttributes: ToMap + ValidMap, a map of non-blank
 * string keys to non-blank strings. */
static int get_map(struct jxa_cfg_ctx *c, const char *path, yaml_node_t *v,
                   struct jxa_kv **out, size_t *nout)
{
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    char d[96];
    if (y.k != JXA_Y11_MAP)
        return fail(c, line_of(v), path, "must be a map, got %s; write name: value lines "
                    "indented under it", jxa_y11_describe(v, d, sizeof d));
    void *a = NULL;
    int rc = jxa_cfg_each_pair(c, v, path, JXA_CFG_KEY_WHOLE, sizeof **out, &a, kv_entry,
                               nout);
    *out = a;
    return rc;
}

static int set_headers(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path,
                       yaml_node_t *v, void *base)
{
    (void)k;
    struct otel_tmp *t = base;
    if (v == NULL)
        return 0;
    if (get_map(c, path, v, &t->o->headers, &t->o->nheaders) < 0)
        return -1;
    /* Written into the request as they are: a line break would end the
     * header (the map check above already refused blank ones). */
    for (size_t i = 0; i < t->o->nheaders; i++)
        if (strpbrk(t->o->headers[i].key, "\r\n: ") != NULL ||
            strpbrk(t->o->headers[i].value, "\r\n") != NULL)
            return fail(c, line_of(v), path, "header %.60s: a name with a space, ':' or a "
                        "line break, or a value with a line break, is not a valid HTTP "
                        "header; fix it", t->o->headers[i].key);
    return 0;
}

static int set_attrs(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path,
                     yaml_node_t *v, void *base)
{
    (void)k;
    struct otel_tmp *t = base;
    if (v == NULL)
        return 0;
    return get_map(c, path, v, &t->o->attrs, &t->o->nattrs);
}

#define USE_HTTP "use protocol: http/protobuf (the receiver's OTLP/HTTP port, 4318 by default)"

static int set_protocol(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path,
                        yaml_node_t *v, void *base)
{
    (void)k;
    struct otel_tmp *t = base;
    if (v == NULL)
        /* OpenTelemetryExporter's builder leaves it to the OpenTelemetry
         * SDK, whose default is grpc: taking http/protobuf silently would
         * send to a gRPC port something it cannot read. */
        return fail(c, c->map_line, path, "absent, which means grpc in jmx_exporter, and "
                    "this agent does not speak gRPC; " USE_HTTP);
    if (get_text(c, path, v, &t->protocol) < 0)
        return -1;
    if (strcmp(t->protocol, "http/protobuf") == 0)
        return 0;
    if (strcmp(t->protocol, "grpc") == 0)
        return fail(c, line_of(v), path, "grpc is not supported by this agent (it needs "
                    "HTTP/2); " USE_HTTP);
    if (strcmp(t->protocol, "http/json") == 0)
        return fail(c, line_of(v), path, "http/json is not supported by this agent; "
                    USE_HTTP);
    return fail(c, line_of(v), path, "unknown protocol \"%.40s\"; " USE_HTTP, t->protocol);
}

/* http://host[:port][/path].  The path gets v1/metrics appended unless it
 * ends with it, as client_java's PropertyMapper and the SDK do for
 * http/protobuf. */
static int parse_url(struct jxa_cfg_ctx *c, const char *path, int line,
                     struct jxa_otel_config *o)
{
    const char *u = o->url;
    if (strncasecmp(u, "https://", 8) == 0)
        return fail(c, line, path, "https is not supported by this agent (no TLS client); "
                    "use an http:// endpoint, or a local collector that forwards over TLS");
    if (strncasecmp(u, "http://", 7) != 0)
        return fail(c, line, path, "must be a URL such as http://collector:4318, got "
                    "\"%.80s\"; write http://host:port", u);
    const char *h = u + 7, *end = h + strcspn(h, "/?#");
    const char *hend, *port = NULL;
    if (*h == '[') {
        const char *rb = memchr(h, ']', (size_t)(end - h));
        if (rb == NULL)
            return fail(c, line, path, "must be a URL, got \"%.80s\" (no ']' after the IPv6 "
                        "address); write http://[::1]:4318", u);
        hend = rb + 1;
        if (hend < end && *hend != ':')
            return fail(c, line, path, "must be a URL, got \"%.80s\"; write "
                        "http://[::1]:4318", u);
        o->host = strndup(h + 1, (size_t)(rb - h - 1));
        port = hend < end ? hend + 1 : NULL;
    } else {
        const char *colon = memchr(h, ':', (size_t)(end - h));
        hend = colon ? colon : end;
        o->host = strndup(h, (size_t)(hend - h));
        port = colon ? colon + 1 : NULL;
    }
    if (o->host == NULL)
        return fail(c, line, path, "out of memory; retry");
    if (o->host[0] == '\0' || strchr(o->host, '@') != NULL)
        return fail(c, line, path, "must be a URL with a host, got \"%.80s\"; write "
                    "http://host:port (credentials go in headers)", u);
    long pn = 80;
    if (port != NULL && port < end) {
        pn = 0;
        for (const char *p = port; p < end; p++) {
            if (*p < '0' || *p > '9' || pn > 65535)
                return fail(c, line, path, "the port in \"%.80s\" is not a number 1..65535; "
                            "write http://host:4318", u);
            pn = pn * 10 + (*p - '0');
        }
    }
    if (pn < 1 || pn > 65535)
        return fail(c, line, path, "the port in \"%.80s\" is not a number 1..65535; "
                    "write http://host:4318", u);
    char pbuf[8];
    snprintf(pbuf, sizeof pbuf, "%ld", pn);
    if (*end == '?' || *end == '#')
        return fail(c, line, path, "a query or fragment in \"%.80s\" is not supported; "
                    "remove it", u);
    const char *rest = end;
    size_t rn = strlen(rest);
    size_t mn = strlen(METRICS_PATH);
    bool has = rn >= mn && strcmp(rest + rn - mn, METRICS_PATH) == 0;
    bool slash = rn > 0 && rest[rn - 1] == '/';
    size_t cap = rn + mn + 3;
    if ((o->port = strdup(pbuf)) == NULL || (o->path = malloc(cap)) == NULL)
        return fail(c, line, path, "out of memory; retry");
    snprintf(o->path, cap, "%s%s%s%s", rn == 0 || rest[0] != '/' ? "/" : "", rest,
             has ? "" : slash || rn == 0 ? "" : "/", has ? "" : METRICS_PATH);
    return 0;
}

static int set_endpoint(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path,
                        yaml_node_t *v, void *base)
{
    (void)k;
    struct otel_tmp *t = base;
    t->endpoint_line = v ? line_of(v) : c->map_line;
    if (v == NULL)
        return (t->o->url = strdup(DEFAULT_ENDPOINT)) == NULL ? fail(c, c->map_line, path,
                                                                     "out of memory; retry")
                                                              : 0;
    return get_text(c, path, v, &t->o->url);
}

#define T(f) offsetof(struct otel_tmp, f)

/* Protocol before endpoint: "grpc" is the clearer message when both are
 * wrong for this agent. */
static const struct jxa_cfg_key otel_keys[] = {
    {"protocol", NULL, set_protocol, 0, 0, 0},
    {"endpoint", NULL, set_endpoint, 0, 0, 0},
    {"interval", NULL, set_pos_int, 0, 60, 0},
    {"timeoutSeconds", NULL, set_pos_int, 0, 10, 0},
    {"preserveNames", NULL, set_preserve, 0, 0, 0},
    {"headers", NULL, set_headers, 0, 0, 0},
    {"resourceAttributes", NULL, set_attrs, 0, 0, 0},
    {"serviceName", NULL, set_text, T(service_name), 0, 0},
    {"serviceNamespace", NULL, set_text, T(service_namespace), 0, 0},
    {"serviceInstanceId", NULL, set_text, T(service_instance_id), 0, 0},
    {"serviceVersion", NULL, set_text, T(service_version), 0, 0},
};

/* service* win over resourceAttributes (PropertiesResourceProvider puts
 * them after the map). */
static int put_attr(struct jxa_otel_config *o, const char *key, char **value)
{
    if (*value == NULL)
        return 0;
    for (size_t i = 0; i < o->nattrs; i++)
        if (strcmp(o->attrs[i].key, key) == 0) {
            free(o->attrs[i].value);
            o->attrs[i].value = *value;
            *value = NULL;
            return 0;
        }
    struct jxa_kv *n = realloc(o->attrs, (o->nattrs + 1) * sizeof *n);
    if (n == NULL)
        return -1;
    o->attrs = n;
    if ((n[o->nattrs].key = strdup(key)) == NULL)
        return -1;
    n[o->nattrs++].value = *value;
    *value = NULL;
    return 0;
}

int jxa_cfg_set_otel(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path,
                     yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_config *cfg = base;
    if (v == NULL)
        return 0;
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (y.k != JXA_Y11_MAP && y.k != JXA_Y11_NULL) {
        char d[96];
        return fail(c, line_of(v), path, "must be a map, got %s; indent its keys under it",
                    jxa_y11_describe(v, d, sizeof d));
    }
    struct jxa_otel_config o = {.enabled = true};
    struct otel_tmp t = {.o = &o};
    int saved = c->map_line;
    c->map_line = line_of(v);
    int rc = JXA_CFG_APPLY(c, v, otel_keys, "openTelemetry.", &t);
    c->map_line = saved;
    if (rc == 0)
        rc = parse_url(c, "openTelemetry.endpoint", t.endpoint_line, &o);
    if (rc == 0 && (put_attr(&o, "service.name", &t.service_name) < 0 ||
                    put_attr(&o, "service.namespace", &t.service_namespace) < 0 ||
                    put_attr(&o, "service.instance.id", &t.service_instance_id) < 0 ||
                    put_attr(&o, "service.version", &t.service_version) < 0))
        rc = oom(c, v, path);
    free(t.protocol);
    free(t.service_name);
    free(t.service_namespace);
    free(t.service_instance_id);
    free(t.service_version);
    if (rc < 0 || c->reload) {
        jxa_otel_config_free(&o);
        return rc;
    }
    cfg->otel = o;
    return 0;
}

static int put_copy(struct jxa_otel_config *o, const char *key, const char *value)
{
    char *v = strdup(value);
    if (v == NULL)
        return -1;
    int rc = put_attr(o, key, &v);
    free(v);
    return rc;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Trimmed, percent-decoded copy of [s, e); NULL on a bad escape or OOM. */
static char *decode(const char *s, const char *e)
{
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    char *out = malloc((size_t)(e - s) + 1), *w = out;
    if (out == NULL)
        return NULL;
    for (const char *p = s; p < e; p++) {
        if (*p == '%') {
            int hi = p + 2 < e ? hexval(p[1]) : -1, lo = hi >= 0 ? hexval(p[2]) : -1;
            if (lo < 0) {
                free(out);
                return NULL;
            }
            *w++ = (char)(hi * 16 + lo);
            p += 2;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return out;
}

int jxa_otel_apply_env(struct jxa_otel_config *o, const char *attrs, const char *service)
{
    for (const char *p = attrs; p != NULL && *p != '\0';) {
        const char *end = strchr(p, ',');
        if (end == NULL)
            end = p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (eq != NULL) {
            char *k = decode(p, eq), *v = decode(eq + 1, end);
            int rc = k != NULL && v != NULL && *k != '\0' ? put_copy(o, k, v) : 0;
            free(k);
            free(v);
            if (rc < 0)
                return -1;
        }
        p = *end ? end + 1 : end;
    }
    if (service != NULL && service[0] != '\0' && put_copy(o, "service.name", service) < 0)
        return -1;
    return 0;
}

static void free_kv(struct jxa_kv *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].key);
        free(a[i].value);
    }
    free(a);
}

void jxa_otel_config_free(struct jxa_otel_config *o)
{
    if (o == NULL)
        return;
    free(o->url);
    free(o->host);
    free(o->port);
    free(o->path);
    free_kv(o->headers, o->nheaders);
    free_kv(o->attrs, o->nattrs);
    memset(o, 0, sizeof *o);
}
