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
#include <unistd.h>

#include "auth.h"
#include "envref.h"
#include "tls.h"

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

/* One map level of httpServer (a map or null) through its key table. */
static int apply_map(struct jxa_cfg_ctx *c, const char *path, yaml_node_t *v,
                     const struct jxa_cfg_key *t, size_t n, void *base)
{
    if (check_map_or_null(c, path, v) < 0)
        return -1;
    char prefix[96];
    snprintf(prefix, sizeof prefix, "%s.", path);
    return jxa_cfg_apply(c, v, t, n, prefix, base);
}
#define APPLY_MAP(c, path, v, table, base) \
    apply_map(c, path, v, table, sizeof(table) / sizeof((table)[0]), base)

static int set_threads(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                       const char *path, yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_http_config *h = base;
    if (v == NULL)
        return 0;
    struct threads_tmp t = {0, 0, 0};
    if (APPLY_MAP(c, path, v, thread_keys, &t) < 0)
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
    struct basic_tmp b;
    memset(&b, 0, sizeof b);
    int rc = APPLY_MAP(c, path, v, basic_keys, &b);
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
    if (APPLY_MAP(c, path, v, bearer_keys, h) < 0)
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
    if (APPLY_MAP(c, path, v, auth_keys, h) < 0)
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
    return APPLY_MAP(c, path, v, metrics_keys, &h->metrics_path);
}

/* --- ssl (HTTPServerFactory.configureSSL; docs/tls.md) ------------ */

static jxa_sysprop_fn sysprop;

void jxa_config_set_sysprop(jxa_sysprop_fn fn)
{
    sysprop = fn;
}

/* A non-blank string key (jmx_exporter: "must be a string", "must not be
 * blank"); absent or null leaves *dst NULL. */
static int set_nonblank(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                        const char *path, yaml_node_t *v, void *base)
{
    char **dst = JXA_CFG_FIELD(base, k, char *);
    if (set_text_opt(c, k, path, v, base) < 0)
        return -1;
    if (*dst != NULL && blank(*dst)) {
        free(*dst);
        *dst = NULL;
        return fail(c, line_of(v), path, "must not be blank; give a value or remove "
                    "the key");
    }
    return 0;
}

static int set_tls_bool(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                        const char *path, yaml_node_t *v, void *base)
{
    bool *dst = JXA_CFG_FIELD(base, k, bool);
    if (v == NULL)
        return 0;
    struct jxa_y11_val y;
    jxa_y11_resolve(v, &y);
    if (y.k == JXA_Y11_BOOL) {
        *dst = y.b;
        return 0;
    }
    char d[96];
    return fail(c, line_of(v), path, "must be a boolean, got %s; write true or false",
                jxa_y11_describe(v, d, sizeof d));
}

/* keyStore or trustStore. */
struct store {
    char *file, *pass, *type;
    int line;               /* of the section; 0: absent */
    const char *from;       /* the system property the file came from, or NULL */
};

/* One level of nesting: keyStore, trustStore, certificate, pem.* */
struct tls_tmp {
    struct store ks, ts;
    char *alias;
    char *pem_cert, *pem_key, *pem_pass;
    char *protocols, *ciphers;
    bool mutual;
    int pem_line, protocols_line, ciphers_line;
};

#define TT(f) offsetof(struct tls_tmp, f)

static const struct jxa_cfg_key ks_keys[] = {
    {"filename", NULL, set_nonblank, TT(ks.file), 0, 0},
    {"password", NULL, set_nonblank, TT(ks.pass), 0, 0},
    {"type", NULL, set_nonblank, TT(ks.type), 0, 0},
};
static const struct jxa_cfg_key ts_keys[] = {
    {"filename", NULL, set_nonblank, TT(ts.file), 0, 0},
    {"password", NULL, set_nonblank, TT(ts.pass), 0, 0},
    {"type", NULL, set_nonblank, TT(ts.type), 0, 0},
};
static const struct jxa_cfg_key cert_keys[] = {
    {"alias", NULL, set_nonblank, TT(alias), 0, 0},
};
static const struct jxa_cfg_key pem_cert_keys[] = {
    {"filename", NULL, set_nonblank, TT(pem_cert), 0, 0},
};
static const struct jxa_cfg_key pem_key_keys[] = {
    {"filename", NULL, set_nonblank, TT(pem_key), 0, 0},
    {"password", NULL, set_nonblank, TT(pem_pass), 0, 0},
};

#define SUBMAP(fn, table, linefield)                                                  \
    static int fn(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path, \
                  yaml_node_t *v, void *base)                                         \
    {                                                                                 \
        (void)k;                                                                      \
        if (v == NULL)                                                                \
            return 0;                                                                 \
        if (linefield >= 0)                                                           \
            ((int *)(void *)((char *)base + (linefield)))[0] = line_of(v);            \
        return APPLY_MAP(c, path, v, table, base);                                    \
    }

SUBMAP(set_ks, ks_keys, (long)TT(ks.line))
SUBMAP(set_ts, ts_keys, (long)TT(ts.line))
SUBMAP(set_cert, cert_keys, -1L)
SUBMAP(set_pem_cert, pem_cert_keys, -1L)
SUBMAP(set_pem_key, pem_key_keys, -1L)

static const struct jxa_cfg_key pem_keys[] = {
    {"certificate", NULL, set_pem_cert, 0, 0, 0},
    {"privateKey", NULL, set_pem_key, 0, 0, 0},
};
SUBMAP(set_pem, pem_keys, (long)TT(pem_line))

/* protocols and ciphers: the line is kept for the later check. */
static int set_list(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path,
                    yaml_node_t *v, void *base)
{
    struct tls_tmp *t = base;
    if (v != NULL)
        *(k->off == TT(protocols) ? &t->protocols_line : &t->ciphers_line) = line_of(v);
    return set_nonblank(c, k, path, v, base);
}

static const struct jxa_cfg_key tls_keys[] = {
    {"keyStore", NULL, set_ks, 0, 0, 0},
    {"certificate", NULL, set_cert, 0, 0, 0},
    {"pem", NULL, set_pem, 0, 0, 0},
    {"mutualTLS", NULL, set_tls_bool, TT(mutual), 0, 0},
    {"trustStore", NULL, set_ts, 0, 0, 0},
    {"protocols", NULL, set_list, TT(protocols), 0, 0},
    {"ciphers", NULL, set_list, TT(ciphers), 0, 0},
};

static void tls_tmp_free(struct tls_tmp *t)
{
    char **all[] = {&t->ks.file, &t->ks.pass, &t->ks.type, &t->alias, &t->pem_cert,
                    &t->pem_key, &t->pem_pass, &t->ts.file, &t->ts.pass, &t->ts.type,
                    &t->protocols, &t->ciphers};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (*all[i] != NULL)
            explicit_bzero(*all[i], strlen(*all[i]));
        free(*all[i]);
        *all[i] = NULL;
    }
}

/* A value left out in the config: the JVM's system property, as
 * jmx_exporter's orElse(System.getProperty(...)).  *from names it. */
static void fallback(char **dst, const char *prop, const char **from)
{
    if (*dst != NULL || sysprop == NULL)
        return;
    *dst = sysprop(prop);
    if (*dst != NULL && from != NULL)
        *from = prop;
}

/* ${NAME} in a password: the environment variable NAME, as jmx_exporter
 * 1.6 resolves keystore passwords (envref.h). */
static int expand_env(struct jxa_cfg_ctx *c, int line, const char *path, char **val)
{
    if (*val == NULL || !jxa_envref_is_ref(*val))
        return 0;
    char *r = NULL;
    int rc = jxa_envref_resolve(*val, &r);
    if (rc != JXA_ENVREF_OK)
        return fail(c, line, path, "the environment variable of %.80s %s; set it in the JVM's "
                    "environment or write the password", *val, jxa_envref_strerror(rc));
    explicit_bzero(*val, strlen(*val));
    free(*val);
    *val = r;
    return 0;
}

static const char *const ks_types[] = {"PKCS12", "JKS", "PKCS12S2"};

static int check_type(struct jxa_cfg_ctx *c, int line, const char *path, const char *type)
{
    if (type == NULL)
        return 0;
    for (size_t i = 0; i < sizeof ks_types / sizeof ks_types[0]; i++)
        if (strcasecmp(type, ks_types[i]) == 0)
            return 0;
    return fail(c, line, path, "unknown keystore type \"%.40s\"; use PKCS12 or JKS (the "
                "file's content decides between them), or convert it with keytool "
                "-importkeystore -deststoretype pkcs12", type);
}

/* keyStore or trustStore (name): what the config leaves out is the JVM's
 * system property prop (javax.net.ssl.<name>, a literal: s->from keeps
 * it), prop + Password and prop + Type; then the file must be known (else
 * the error missing), the type one we read, and a ${NAME} password set.
 * line: the section's, or the ssl map's when it is absent. */
static int store_finish(struct jxa_cfg_ctx *c, const char *path, int line, const char *name,
                        const char *prop, struct store *s, const char *missing)
{
    char p[160], pp[64];
    fallback(&s->file, prop, &s->from);
    snprintf(pp, sizeof pp, "%sPassword", prop);
    fallback(&s->pass, pp, NULL);
    snprintf(pp, sizeof pp, "%sType", prop);
    fallback(&s->type, pp, NULL);
    if (s->line != 0)
        line = s->line;
    if (s->file == NULL) {
        snprintf(p, sizeof p, "%s.%s.filename", path, name);
        return fail(c, line, p, "%s", missing);
    }
    snprintf(p, sizeof p, "%s.%s.type", path, name);
    if (check_type(c, line, p, s->type) < 0)
        return -1;
    snprintf(p, sizeof p, "%s.%s.password", path, name);
    return expand_env(c, line, p, &s->pass);
}

static int tls_finish(struct jxa_cfg_ctx *c, const char *path, int line, struct tls_tmp *t,
                      struct jxa_tls_config *o)
{
    char p[160], e[1024];
    bool pem = t->pem_cert != NULL || t->pem_key != NULL;
    if (pem && t->ks.file != NULL) {
        snprintf(p, sizeof p, "%s.pem", path);
        return fail(c, t->pem_line, p, "both pem and keyStore are given; keep one of them");
    }
    if (pem && (t->pem_cert == NULL || t->pem_key == NULL)) {
        snprintf(p, sizeof p, "%s.pem.%s.filename", path,
                 t->pem_cert == NULL ? "certificate" : "privateKey");
        return fail(c, t->pem_line, p, "is a required string; give both "
                    "pem.certificate.filename and pem.privateKey.filename");
    }
    if (!pem) {
        if (store_finish(c, path, line, "keyStore", "javax.net.ssl.keyStore", &t->ks,
                         "is required (and -Djavax.net.ssl.keyStore is not set); give the "
                         "keystore with the server's certificate, or pem.certificate and "
                         "pem.privateKey") < 0)
            return -1;
    } else {
        snprintf(p, sizeof p, "%s.pem.privateKey.password", path);
        if (expand_env(c, t->pem_line, p, &t->pem_pass) < 0)
            return -1;
    }
    if (t->mutual && store_finish(c, path, line, "trustStore", "javax.net.ssl.trustStore",
                                  &t->ts, "is required with mutualTLS (and "
                                  "-Djavax.net.ssl.trustStore is not set); give the keystore "
                                  "or PEM file of the CAs whose client certificates are "
                                  "accepted") < 0)
        return -1;
    if (t->protocols != NULL &&
        jxa_tls_protocols(t->protocols, &o->min_minor, &o->max_minor, e, sizeof e) != 0) {
        snprintf(p, sizeof p, "%s.protocols", path);
        return fail(c, t->protocols_line, p, "%s", e);
    }
    if (t->ciphers != NULL && (o->ciphers = jxa_tls_ciphers(t->ciphers, e, sizeof e)) == NULL) {
        snprintf(p, sizeof p, "%s.ciphers", path);
        return fail(c, t->ciphers_line, p, "%s", e);
    }
    o->enabled = true;
    o->mutual = t->mutual;
    /* A relative path is the JVM's working directory's, as jmx_exporter
     * (Paths.get) and the JDK (the javax.net.ssl.* properties) read it;
     * one from the config that is not there is taken from the config
     * file's directory, as every other path of the config. */
    char *files[] = {t->ks.file, t->pem_cert, t->pem_key, t->ts.file};
    char **dsts[] = {&o->keystore, &o->pem_cert, &o->pem_key, &o->truststore};
    const char *froms[] = {t->ks.from, NULL, NULL, t->ts.from};
    for (int i = 0; i < 4; i++) {
        if (files[i] == NULL)
            continue;
        *dsts[i] = froms[i] || files[i][0] == '/' || access(files[i], F_OK) == 0
                       ? strdup(files[i]) : resolve_path(c, files[i]);
        if (*dsts[i] == NULL)
            return fail(c, line, path, "out of memory; retry");
    }
    o->keystore_password = take(&t->ks.pass);
    o->keystore_type = take(&t->ks.type);
    o->alias = take(&t->alias);
    o->pem_key_password = take(&t->pem_pass);
    o->truststore_password = take(&t->ts.pass);
    o->truststore_type = take(&t->ts.type);
    if (c->reload)
        return 0;
    /* Loaded once here, so that a wrong password or a missing file is a
     * config error at start with its line; the server loads again. */
    struct jxa_tls *tls = jxa_tls_new(o, e, sizeof e);
    if (tls == NULL) {
        /* The message names the file as written in the config, which the
         * line points at (the loader resolved it against the config's
         * directory). */
        bool trust = false;
        for (int i = 0; i < 4; i++) {
            size_t n = *dsts[i] ? strlen(*dsts[i]) : 0;
            if (n > 0 && strncmp(e, *dsts[i], n) == 0 && e[n] == ':') {
                char shown[1024];
                snprintf(shown, sizeof shown, "%s%s", files[i], e + n);
                snprintf(e, sizeof e, "%s", shown);
                trust = i == 3;
                break;
            }
        }
        const struct store *s = trust ? &t->ts : pem ? NULL : &t->ks;
        const char *which = trust ? "trustStore" : pem ? "pem" : "keyStore";
        int at = s == NULL ? t->pem_line : s->line ? s->line : line;
        if (s != NULL && s->from != NULL)
            snprintf(p, sizeof p, "%s.%s (from -D%s)", path, which, s->from);
        else
            snprintf(p, sizeof p, "%s.%s", path, which);
        return fail(c, at, p, "%s", e);
    }
    jxa_tls_free(tls);
    return 0;
}

static int set_ssl(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path,
                   yaml_node_t *v, void *base)
{
    (void)k;
    struct jxa_http_config *h = base;
    if (v == NULL)
        return 0;
    struct tls_tmp t;
    memset(&t, 0, sizeof t);
    int rc = APPLY_MAP(c, path, v, tls_keys, &t);
    if (rc == 0)
        rc = tls_finish(c, path, line_of(v), &t, &h->tls);
    tls_tmp_free(&t);
    if (rc != 0)
        jxa_tls_config_free(&h->tls);
    return rc;
}

/* --- httpServer -------------------------------------------------- */

static const struct jxa_cfg_key http_keys[] = {
    {"threads", NULL, set_threads, 0, 0, 0},
    {"metrics", NULL, set_metrics, 0, 0, 0},
    {"authentication", NULL, set_auth, 0, 0, 0},
    {"ssl", NULL, set_ssl, 0, 0, 0},
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
    int rc = APPLY_MAP(c, path, v, http_keys, &cfg->http);
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
    jxa_tls_config_free(&h->tls);
    memset(h, 0, sizeof *h);
}

