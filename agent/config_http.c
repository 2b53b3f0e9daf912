/* config_http.c - the httpServer section of the config: the worker
 * threads and authentication (basic, or our bearer extension); see
 * config.h and config_table.h.
 *
 * jmx_exporter reads this section in HTTPServerFactory when it builds its
 * HTTP server, once, at start; a config reload never changes it.  So here:
 * jxa_config_load() fills jxa_config.http, and jxa_config_reload() checks
 * the section without reading the files it names and leaves http empty. */
#include "config.h"
#include "config_table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "envref.h"

/* --- threads ----------------------------------------------------- */

struct threads_tmp {
    int minimum, maximum, keep_alive;
};

/* Integer.parseInt of a quoted value: an optional sign and decimal
 * digits that fit an int. */
static bool java_parse_int(const char *s, int *out)
{
    const char *p = s + (*s == '+' || *s == '-');
    if (*p == '\0')
        return false;
    long long v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
        if (v > 2147483648LL)
            return false;
    }
    v = *s == '-' ? -v : v;
    if (v > 2147483647LL)
        return false;
    *out = (int)v;
    return true;
}

/* HTTPServerFactory: with threads present, all three are "a required
 * integer", read with Integer.parseInt(value.toString()) (1.0.1 and 1.6.0
 * alike), so a quoted "4" is 4.  The lower bounds are 1.6.0's: minimum and
 * keepAliveTime at least 1 (1.0.1 allowed a minimum of 0), maximum at
 * least minimum. */
static int set_req_int(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                       const char *path, yaml_node_t *v, void *base)
{
    int *dst = JXA_CFG_FIELD(base, k, int);
    if (v == NULL)
        return fail(c, c->map_line, path, "is a required integer; give "
                    "minimum, maximum and keepAliveTime");
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (y.k == JXA_Y11_STR && java_parse_int(y.s, dst))
        ;
    else if (jxa_cfg_get_int(c, path, v, dst) < 0)
        return -1;
    if (*dst < (int)k->dflt)
        return fail(c, line_of(v), path, "must be at least %d, got %d; "
                    "raise it", (int)k->dflt, *dst);
    return 0;
}

static const struct jxa_cfg_key thread_keys[] = {
    {"minimum", NULL, set_req_int, offsetof(struct threads_tmp, minimum), 1, 0},
    {"maximum", NULL, set_req_int, offsetof(struct threads_tmp, maximum), 1, 0},
    {"keepAliveTime", NULL, set_req_int,
     offsetof(struct threads_tmp, keep_alive), 1, 0},
};

/* Each level of httpServer is a map; null stands for an empty one. */
static int check_map_or_null(struct jxa_cfg_ctx *c, const char *path,
                             yaml_node_t *v)
{
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (y.k == JXA_Y11_MAP || y.k == JXA_Y11_NULL)
        return 0;
    char d[96];
    return fail(c, line_of(v), path, "must be a map, got %s; indent its "
                "keys under it", jxa_y11_describe(v, d, sizeof d));
}

static int set_threads(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                       const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_http_config *h = base;
    if (v == NULL)
        return 0;
    if (check_map_or_null(c, path, v) < 0)
        return -1;
    struct threads_tmp t = {0, 0, 0};
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s.", path);
    if (JXA_CFG_APPLY(c, v, thread_keys, prefix, &t) < 0)
        return -1;
    if (t.maximum < t.minimum)
        return fail(c, line_of(v), path, "maximum (%d) must be greater than "
                    "or equal to minimum (%d); raise maximum or lower minimum",
                    t.maximum, t.minimum);
    h->threads_max = t.maximum;
    return 0;
}

/* --- authentication.basic (HTTPServerFactory) -------------------- */

struct basic_tmp {
    char *username, *password, *algorithm, *password_hash, *salt;
    int username_line, password_line;   /* for ${ENV} errors */
    int iterations, key_length;
    bool has_iterations, has_key_length;
};

/* Basic-auth strings: any non-null scalar, Java's text of it. */
static int set_text_opt(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                        const char *path, yaml_node_t *v, void *base)
{
    char **dst = JXA_CFG_FIELD(base, k, char *);
    if (v == NULL)
        return 0;
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (y.k == JXA_Y11_NULL)
        return 0;               /* Optional.empty(): "required" later */
    if (v->type != YAML_SCALAR_NODE) {
        char d[96];
        return fail(c, line_of(v), path, "must be a string, got %s; write "
                    "a single value", jxa_y11_describe(v, d, sizeof d));
    }
    *dst = jxa_y11_java_text(v);
    return *dst ? 0 : oom(c, v, path);
}

/* username and password: text that may be a ${NAME} reference, resolved in
 * basic_finish; the line is kept for its error. */
static int set_cred_text(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                         const char *path, yaml_node_t *v, void *base)
{
    struct basic_tmp *b = base;
    int line = v != NULL ? line_of(v) : c->map_line;
    if (JXA_CFG_FIELD(base, k, char *) == &b->username)
        b->username_line = line;
    else
        b->password_line = line;
    return set_text_opt(c, k, path, v, base);
}

/* jmx_exporter 1.4+ (VariableResolver, docs/semantics.md §13): a value that
 * is "${NAME}" as a whole is the environment variable NAME, trimmed; an
 * unset or blank variable fails the start.  Replaces *s with the result. */
static int resolve_env(struct jxa_cfg_ctx *c, const char *path, int line,
                       char **s)
{
    char *r;
    int rc = jxa_envref_resolve(*s, &r);
    if (rc == JXA_ENVREF_NOMEM)
        return fail(c, line, path, "out of memory; retry");
    if (rc < 0) {
        const char *b = *s;
        while ((unsigned char)*b <= ' ')
            b++;
        size_t n = strlen(b);
        while (n > 0 && (unsigned char)b[n - 1] <= ' ')
            n--;
        return fail(c, line, path, "%.*s %s; set the variable (non-blank) "
                    "in the JVM's environment, or write the value itself",
                    (int)(n > 80 ? 80 : n), b,
                    jxa_envref_strerror(rc));
    }
    free(*s);
    *s = r;
    return 0;
}

static int set_opt_int(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                       const char *path, yaml_node_t *v, void *base)
{
    struct basic_tmp *b = base;
    int *dst = JXA_CFG_FIELD(base, k, int);
    if (v == NULL)
        return 0;
    if (jxa_cfg_get_int(c, path, v, dst) < 0)
        return -1;
    if (*dst < 1)
        return fail(c, line_of(v), path, "must be at least 1, got %d; raise "
                    "it or remove it for the default", *dst);
    if (dst == &b->iterations)
        b->has_iterations = true;
    else
        b->has_key_length = true;
    return 0;
}

static const struct jxa_cfg_key basic_keys[] = {
    {"username", NULL, set_cred_text, offsetof(struct basic_tmp, username), 0, 0},
    {"password", NULL, set_cred_text, offsetof(struct basic_tmp, password), 0, 0},
    {"algorithm", NULL, set_text_opt,
     offsetof(struct basic_tmp, algorithm), 0, 0},
    {"passwordHash", NULL, set_text_opt,
     offsetof(struct basic_tmp, password_hash), 0, 0},
    {"salt", NULL, set_text_opt, offsetof(struct basic_tmp, salt), 0, 0},
    {"iterations", NULL, set_opt_int,
     offsetof(struct basic_tmp, iterations), 0, 0},
    {"keyLength", NULL, set_opt_int,
     offsetof(struct basic_tmp, key_length), 0, 0},
};

static bool blank(const char *s)
{
    if (s == NULL)
        return true;
    for (; *s; s++)
        if ((unsigned char)*s > ' ')
            return false;
    return true;
}

static void basic_free(struct basic_tmp *b)
{
    free(b->username);
    free(b->password);
    free(b->algorithm);
    free(b->password_hash);
    free(b->salt);
}

/* Moves one string from the temp into the config (ownership). */
static char *take(char **s)
{
    char *r = *s;
    *s = NULL;
    return r;
}

static int basic_finish(struct jxa_cfg_ctx *c, const char *path, int line,
                        struct basic_tmp *b, struct jxa_http_config *h)
{
    static const struct {
        const char *name;
        enum jxa_auth_alg alg;
        int iterations;
    } algs[] = {
        {"SHA-1", JXA_AUTH_SHA1, 0},
        {"SHA-256", JXA_AUTH_SHA256, 0},
        {"SHA-512", JXA_AUTH_SHA512, 0},
        /* OWASP-derived defaults of jmx_exporter's PBKDF2 authenticator. */
        {"PBKDF2WithHmacSHA1", JXA_AUTH_PBKDF2_SHA1, 1300000},
        {"PBKDF2WithHmacSHA256", JXA_AUTH_PBKDF2_SHA256, 600000},
        {"PBKDF2WithHmacSHA512", JXA_AUTH_PBKDF2_SHA512, 210000},
    };
    char p[200];
    if (blank(b->username)) {
        snprintf(p, sizeof p, "%s.username", path);
        return fail(c, line, p, "is a required non-blank string; add a "
                    "username");
    }
    snprintf(p, sizeof p, "%s.username", path);
    if (resolve_env(c, p, b->username_line, &b->username) < 0)
        return -1;
    enum jxa_auth_alg alg = JXA_AUTH_NONE;
    int def_iter = 0;
    /* "plaintext" is compared with equalsIgnoreCase, the digests with
     * equals (HTTPServerFactory). */
    if (b->algorithm == NULL || strcasecmp(b->algorithm, "plaintext") == 0) {
        alg = JXA_AUTH_PLAINTEXT;
    } else {
        for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
            if (strcmp(b->algorithm, algs[i].name) == 0) {
                alg = algs[i].alg;
                def_iter = algs[i].iterations;
            }
        if (alg == JXA_AUTH_NONE) {
            snprintf(p, sizeof p, "%s.algorithm", path);
            return fail(c, line, p, "unsupported algorithm \"%.40s\"; use "
                        "plaintext, SHA-1, SHA-256, SHA-512, "
                        "PBKDF2WithHmacSHA1, PBKDF2WithHmacSHA256 or "
                        "PBKDF2WithHmacSHA512", b->algorithm);
        }
    }
    if (alg == JXA_AUTH_PLAINTEXT) {
        if (blank(b->password)) {
            snprintf(p, sizeof p, "%s.password", path);
            return fail(c, line, p, "is a required non-blank string for "
                        "plaintext; add a password (or a passwordHash and "
                        "salt with a SHA/PBKDF2 algorithm)");
        }
        /* Only the plaintext password is resolved: a passwordHash or salt
         * is taken as written (HTTPServerFactory, 1.6.0). */
        snprintf(p, sizeof p, "%s.password", path);
        if (resolve_env(c, p, b->password_line, &b->password) < 0)
            return -1;
    } else {
        if (blank(b->password_hash)) {
            snprintf(p, sizeof p, "%s.passwordHash", path);
            return fail(c, line, p, "is a required non-blank string for "
                        "%s; add the hex hash", b->algorithm);
        }
        if (blank(b->salt)) {
            snprintf(p, sizeof p, "%s.salt", path);
            return fail(c, line, p, "is a required non-blank string for %s; "
                        "add the salt", b->algorithm);
        }
        /* The authenticators lower-case the hash and drop ':' separators. */
        char *w = b->password_hash;
        for (const char *r = b->password_hash; *r; r++) {
            char ch = *r;
            if (ch == ':')
                continue;
            if (ch >= 'A' && ch <= 'F')
                ch = (char)(ch - 'A' + 'a');
            if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
                snprintf(p, sizeof p, "%s.passwordHash", path);
                /* Stricter: 1.0.1 accepts it and never matches. */
                return fail(c, line, p, "is not hexadecimal (bad character "
                            "'%c'); write the hash as hex digits, optionally "
                            "separated by ':'", *r);
            }
            *w++ = ch;
        }
        *w = '\0';
    }
    h->auth = alg;
    h->username = take(&b->username);
    h->password = take(&b->password);
    if (alg != JXA_AUTH_PLAINTEXT) {
        h->password_hash = take(&b->password_hash);
        h->salt = take(&b->salt);
    }
    if (def_iter > 0) {
        h->iterations = b->has_iterations ? b->iterations : def_iter;
        h->key_length = b->has_key_length ? b->key_length : 128;
    }
    return 0;
}

/* A scraper sends one Authorization header, so one of the two would
 * never be used: say so rather than pick one. */
static int both_schemes(struct jxa_cfg_ctx *c, const char *path)
{
    return fail(c, c->key_line, path, "basic and bearer are both given; keep "
                "one of them");
}

static int set_basic(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                     const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_http_config *h = base;
    if (v == NULL)
        return 0;
    if (h->auth == JXA_AUTH_BEARER)
        return both_schemes(c, path);
    if (check_map_or_null(c, path, v) < 0)
        return -1;
    struct basic_tmp b;
    memset(&b, 0, sizeof b);
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s.", path);
    int rc = JXA_CFG_APPLY(c, v, basic_keys, prefix, &b);
    if (rc == 0)
        rc = basic_finish(c, path, line_of(v), &b, h);
    basic_free(&b);
    return rc;
}

/* --- authentication.bearer (ours) -------------------------------- */

/* A path from the config, relative to the config file's directory (as
 * Prometheus resolves its credentials_file): the JVM's working directory
 * is rarely known (a YARN container, a Kubernetes pod). */
static char *resolve_path(const struct jxa_cfg_ctx *c, const char *p)
{
    const char *slash = c->from_file ? strrchr(c->y.file, '/') : NULL;
    if (p[0] == '/' || slash == NULL)
        return strdup(p);
    size_t dl = (size_t)(slash - c->y.file) + 1, pl = strlen(p);
    char *r = malloc(dl + pl + 1);
    if (r != NULL) {
        memcpy(r, c->y.file, dl);
        memcpy(r + dl, p, pl + 1);
    }
    return r;
}

/* bearer.tokenFile: read at start, so that a missing or empty file is a
 * config error then rather than a 403 on every scrape. */
static int set_token_file(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                          const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_http_config *h = base;
    char *rel = NULL;
    if (v != NULL) {
        struct jxa_y11_val y;
        jxa_y11_resolve(v, &y);
        if (y.k != JXA_Y11_NULL && v->type != YAML_SCALAR_NODE) {
            char d[96];
            return fail(c, line_of(v), path, "must be a path, got %s; write "
                        "tokenFile: /path/to/token",
                        jxa_y11_describe(v, d, sizeof d));
        }
        if (y.k != JXA_Y11_NULL && (rel = jxa_y11_java_text(v)) == NULL)
            return oom(c, v, path);
    }
    if (blank(rel)) {
        free(rel);
        return fail(c, v ? line_of(v) : c->map_line, path, "is a required "
                    "path; give the file that holds the token");
    }
    /* Not at a reload: httpServer is not reloaded (the server keeps the
     * file it was started with and re-reads it itself, http.c), and a
     * token rotation in progress, the file briefly absent, must not fail
     * the reload of the rules. */
    if (c->reload) {
        free(rel);
        return 0;
    }
    char *file = resolve_path(c, rel);
    if (file == NULL) {
        free(rel);
        return oom(c, v, path);
    }
    /* The message names the path as written: the line points at it. */
    char e[600];
    char *tok = jxa_token_read(file, rel, e, sizeof e);
    free(rel);
    if (tok == NULL) {
        free(file);
        return fail(c, line_of(v), path, "%s", e);
    }
    h->token_file = file;
    h->token = tok;
    return 0;
}

static const struct jxa_cfg_key bearer_keys[] = {
    {"tokenFile", NULL, set_token_file, 0, 0, 0},
};

/* Our extension (jmx_exporter has only basic): Authorization: Bearer. */
static int set_bearer(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                      const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_http_config *h = base;
    if (v == NULL)
        return 0;
    if (h->auth != JXA_AUTH_NONE)
        return both_schemes(c, path);
    if (check_map_or_null(c, path, v) < 0)
        return -1;
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s.", path);
    if (JXA_CFG_APPLY(c, v, bearer_keys, prefix, h) < 0)
        return -1;
    h->auth = JXA_AUTH_BEARER;
    return 0;
}

static const struct jxa_cfg_key auth_keys[] = {
    {"basic", NULL, set_basic, 0, 0, 0},
    {"bearer", NULL, set_bearer, 0, 0, 0},
    {"plugin", NULL, jxa_cfg_set_refused, 0, 0,
     "custom authenticator plugins are Java classes and not supported by "
     "this agent; use httpServer.authentication.basic or .bearer"},
};

static int set_auth(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                    const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_http_config *h = base;
    if (v == NULL)
        return 0;
    if (check_map_or_null(c, path, v) < 0)
        return -1;
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s.", path);
    if (JXA_CFG_APPLY(c, v, auth_keys, prefix, h) < 0)
        return -1;
    if (h->auth == JXA_AUTH_NONE)
        return fail(c, line_of(v), path, "has no basic or bearer section; "
                    "add basic: {username: ..., password: ...} or bearer: "
                    "{tokenFile: ...}, or remove authentication");
    return 0;
}

/* --- metrics.path (jmx_exporter 1.6+) ----------------------------- */

/* The longest path we take; a scrape URL is not a place for prose. */
#define METRICS_PATH_MAX 200

/* HTTPServerFactory.configureMetricsPath (1.6.0, 3a7e226): with
 * httpServer.metrics present, path is "a required string" that "must not
 * be blank".  The JDK's HttpServer then refuses a path without a leading
 * '/' and one that is already a context ("/", "/-/healthy"), which fails
 * the start.  Stricter: the path is matched exactly here (README
 * "exact-paths"), so it must be a plain path: no query, fragment, '%'
 * escape or civetweb pattern character ('*', '?', '|', '$'). */
static int set_metrics_path(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                            const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    char **dst = base;
    struct jxa_y11_val y;
    if (v == NULL || (jxa_y11_resolve(v, &y), y.k == JXA_Y11_NULL))
        return fail(c, v ? line_of(v) : c->map_line, path, "is a required "
                    "string; write path: /metrics (or another path)");
    if (v->type != YAML_SCALAR_NODE) {
        char d[96];
        return fail(c, line_of(v), path, "must be a string, got %s; write "
                    "path: /metrics", jxa_y11_describe(v, d, sizeof d));
    }
    char *t = jxa_y11_java_text(v);
    if (t == NULL)
        return oom(c, v, path);
    const char *why = NULL;
    size_t n = strlen(t);
    if (blank(t))
        why = "must not be blank";
    else if (t[0] != '/')
        why = "must start with '/'";
    else if (n > METRICS_PATH_MAX)
        why = "is longer than 200 bytes";
    else if (strcmp(t, "/") == 0 || strcmp(t, "/-/healthy") == 0)
        why = "is already the path of another page";
    for (const char *p = t; why == NULL && *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || strchr("/-._~!&'()+,;=:@", *p)))
            why = "may hold only letters, digits and / - . _ ~ ! & ' ( ) + "
                  ", ; = : @";
    if (why != NULL) {
        int rc = fail(c, line_of(v), path, "\"%.60s\" %s; write a path such "
                      "as /metrics or /jmx/metrics", t, why);
        free(t);
        return rc;
    }
    *dst = t;
    return 0;
}

static const struct jxa_cfg_key metrics_keys[] = {
    {"path", NULL, set_metrics_path, 0, 0, 0},
};

static int set_metrics(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                       const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_http_config *h = base;
    if (v == NULL)
        return 0;
    /* Stricter: 1.6.0 reads the section only when it is a map, so a
     * scalar or list there is silently the default /metrics. */
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (y.k != JXA_Y11_MAP) {
        char d[96];
        return fail(c, line_of(v), path, "must be a map, got %s; write "
                    "metrics: {path: /metrics}",
                    jxa_y11_describe(v, d, sizeof d));
    }
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s.", path);
    return JXA_CFG_APPLY(c, v, metrics_keys, prefix, &h->metrics_path);
}

/* --- httpServer -------------------------------------------------- */

static const struct jxa_cfg_key http_keys[] = {
    {"threads", NULL, set_threads, 0, 0, 0},
    {"metrics", NULL, set_metrics, 0, 0, 0},
    {"authentication", NULL, set_auth, 0, 0, 0},
    {"ssl", NULL, jxa_cfg_set_refused, 0, 0,
     "TLS is not supported by this agent; remove it and terminate TLS in "
     "front of the agent (sidecar, service mesh or reverse proxy)"},
};

int jxa_cfg_set_http(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                     const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_config *cfg = base;
    if (v == NULL)
        return 0;
    /* `httpServer:` with nothing under it loads in Java (containsPath of
     * the sub-keys is false); so it does here. */
    if (check_map_or_null(c, path, v) < 0)
        return -1;
    int rc = JXA_CFG_APPLY(c, v, http_keys, "httpServer.", &cfg->http);
    /* A reload checks the section, so that an edit that would not start
     * is still an error, and keeps nothing of it: the settings are read
     * once at start, as jmx_exporter builds its HTTP server once. */
    if (c->reload)
        jxa_http_config_free(&cfg->http);
    return rc;
}

void jxa_http_config_free(struct jxa_http_config *h)
{
    free(h->metrics_path);
    free(h->username);
    free(h->password);
    free(h->password_hash);
    free(h->salt);
    free(h->token_file);
    if (h->token != NULL)
        explicit_bzero(h->token, strlen(h->token));
    free(h->token);
    memset(h, 0, sizeof *h);
}

