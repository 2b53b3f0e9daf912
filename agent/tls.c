/* tls.c - see tls.h; the design is in docs/tls.md. */
#include "tls.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>

#include "keystore.h"
#include "log.h"

/* --- protocols and ciphers ------------------------------------------- */

/* Calls fn on each trimmed, non-empty item of a comma-separated list, as
 * jmx_exporter splits protocols and ciphers. */
static int each_item(const char *list, int (*fn)(const char *item, void *arg), void *arg)
{
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n > 0 && (unsigned char)*p <= ' ') {
            p++;
            n--;
        }
        while (n > 0 && (unsigned char)p[n - 1] <= ' ')
            n--;
        if (n > 0) {
            char item[128];
            if (n >= sizeof item)
                n = sizeof item - 1;
            memcpy(item, p, n);
            item[n] = '\0';
            int rc = fn(item, arg);
            if (rc != 0)
                return rc;
        }
        p += (e ? (size_t)(e - p) + 1 : strlen(p));
        if (e == NULL)
            break;
    }
    return 0;
}

struct proto_acc {
    int min, max, tls13;
    char *err;
    size_t errlen;
};

static int proto_item(const char *item, void *arg)
{
    struct proto_acc *a = arg;
    static const struct {
        const char *name;
        int minor;
    } names[] = {{"TLSv1", 1}, {"TLSv1.1", 2}, {"TLSv1.2", 3}, {"TLSv1.3", 4}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(item, names[i].name) != 0)
            continue;
        if (names[i].minor == 4) {
            a->tls13 = 1;
            return 0;
        }
        if (a->min == 0 || names[i].minor < a->min)
            a->min = names[i].minor;
        if (names[i].minor > a->max)
            a->max = names[i].minor;
        return 0;
    }
    snprintf(a->err, a->errlen, "unknown protocol \"%.60s\"; use TLSv1.2 (or TLSv1.1, "
             "TLSv1), comma-separated", item);
    return -1;
}

int jxa_tls_protocols(const char *list, int *min_minor, int *max_minor, char *err,
                      size_t errlen)
{
    struct proto_acc a = {0, 0, 0, err, errlen};
    if (each_item(list, proto_item, &a) != 0)
        return -1;
    if (a.min == 0) {
        snprintf(err, errlen, "%s; this agent's TLS library (mbedTLS 2.28) speaks TLS up to "
                 "1.2: add TLSv1.2", a.tls13 ? "only TLSv1.3 is given" : "no protocol given");
        return -1;
    }
    *min_minor = a.min;
    *max_minor = a.max;
    return 0;
}

struct cipher_acc {
    int *ids;
    size_t n, cap;
    int tls13;
    char *err;
    size_t errlen;
};

static int cipher_item(const char *item, void *arg)
{
    struct cipher_acc *a = arg;
    /* JSSE's names are IANA's with '_'; mbedTLS's use '-'. */
    char name[128];
    snprintf(name, sizeof name, "%s", item);
    for (char *q = name; *q; q++)
        if (*q == '_')
            *q = '-';
    int id = mbedtls_ssl_get_ciphersuite_id(name);
    if (id == 0) {
        /* The TLS 1.3 suites (TLS_AES_128_GCM_SHA256, ...). */
        if (strncmp(item, "TLS_AES_", 8) == 0 || strncmp(item, "TLS_CHACHA20_", 13) == 0) {
            a->tls13 = 1;
            return 0;
        }
        snprintf(a->err, a->errlen, "unknown or unsupported cipher suite \"%.80s\"; use JSSE "
                 "names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or "
                 "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", item);
        return -1;
    }
    if (a->n + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        int *ids = realloc(a->ids, cap * sizeof *ids);
        if (ids == NULL) {
            snprintf(a->err, a->errlen, "out of memory; retry");
            return -1;
        }
        a->ids = ids;
        a->cap = cap;
    }
    a->ids[a->n++] = id;
    a->ids[a->n] = 0;
    return 0;
}

int *jxa_tls_ciphers(const char *list, char *err, size_t errlen)
{
    struct cipher_acc a = {NULL, 0, 0, 0, err, errlen};
    if (each_item(list, cipher_item, &a) != 0) {
        free(a.ids);
        return NULL;
    }
    if (a.n == 0) {
        snprintf(err, errlen, "%s; add TLS 1.2 suites such as "
                 "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                 a.tls13 ? "only TLS 1.3 suites are given, and this agent's TLS library "
                 "(mbedTLS 2.28) speaks TLS up to 1.2" : "no cipher suite given");
        free(a.ids);
        return NULL;
    }
    return a.ids;
}

/* --- material ---------------------------------------------------------- */

/* What a file was when it was loaded: a change of any is a new file
 * (Kubernetes swaps a secret's symbolic links; keytool rewrites in place). */
struct sig {
    long long mtime_ns, size, ino;
    bool ok;
};

static struct sig sig_of(const char *path)
{
    struct sig s = {0, 0, 0, false};
    struct stat st;
    if (path != NULL && stat(path, &st) == 0) {
        s.mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
        s.size = (long long)st.st_size;
        s.ino = (long long)st.st_ino;
        s.ok = true;
    }
    return s;
}

static bool sig_eq(struct sig a, struct sig b)
{
    return a.ok == b.ok && a.mtime_ns == b.mtime_ns && a.size == b.size && a.ino == b.ino;
}

/* One generation: the objects an mbedtls_ssl_config points to live here. */
struct gen {
    mbedtls_ssl_config conf;        /* first: acquire hands out &conf */
    struct jxa_ks_identity id;
    mbedtls_x509_crt cas;
    int refs;                       /* connections + 1 while current */
    struct gen *next;               /* retired generations */
};

#define NFILES 4
struct jxa_tls {
    struct jxa_tls_config cfg;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    pthread_mutex_t mu;
    struct gen *cur;
    struct gen *retired;
    const char *files[NFILES];      /* watched: keystore or pem pair, trust */
    struct sig sigs[NFILES];        /* of the current generation */
    struct sig failed[NFILES];      /* of the last change that did not load */
    bool have_failed;
};

static void gen_free(struct gen *g)
{
    mbedtls_ssl_config_free(&g->conf);
    jxa_ks_identity_free(&g->id);
    mbedtls_x509_crt_free(&g->cas);
    free(g);
}

static void fmt_time(const mbedtls_x509_time *t, char *out, size_t n)
{
    snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d UTC", t->year, t->mon, t->day, t->hour,
             t->min, t->sec);
}

static void mbed_err(int rc, char *out, size_t n)
{
    mbedtls_strerror(rc, out, n);
}

/* The first "ENCRYPTED PRIVATE KEY" of a PEM file, decrypted by the
 * keystore reader (keystore.h). */
static int load_pkcs8(const struct jxa_tls_config *t, mbedtls_pk_context *key, char *err,
                      size_t errlen)
{
    static const char head[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
    static const char foot[] = "-----END ENCRYPTED PRIVATE KEY-----";
    FILE *f = fopen(t->pem_key, "rb");
    char *text = NULL;
    size_t n = 0;
    if (f != NULL) {
        text = calloc(1, 1 << 20);
        if (text != NULL)
            n = fread(text, 1, (1 << 20) - 1, f);
        fclose(f);
    }
    if (text == NULL || n == 0) {
        free(text);
        snprintf(err, errlen, "%s: cannot read the private key; check the file", t->pem_key);
        return -1;
    }
    mbedtls_pem_context pem;
    mbedtls_pem_init(&pem);
    size_t used = 0;
    int rc = mbedtls_pem_read_buffer(&pem, head, foot, (const unsigned char *)text, NULL, 0, &used);
    free(text);
    if (rc != 0) {
        mbedtls_pem_free(&pem);
        snprintf(err, errlen, "%s: the private key is encrypted in a form this agent does not "
                 "read; give it unencrypted, as a Kubernetes secret holds it", t->pem_key);
        return -1;
    }
    /* mbedTLS 2.28's pem context has no accessor; buf and buflen are public. */
    rc = jxa_keystore_decrypt_pkcs8(pem.buf, pem.buflen, t->pem_key,
                                    t->pem_key_password ? t->pem_key_password : "", key, err, errlen);
    mbedtls_pem_free(&pem);
    return rc == 0 ? 0 : -1;
}

/* mbedTLS 2.28's file loaders take a directory's size from ftell (2^63 - 1
 * on Linux) and try to allocate it: refuse what is not a regular file
 * first, with a line that says so. */
static int regular_file(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open: %s; check the file name and that the "
                 "JVM's user may read it", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: is not a regular file (a directory?); give the path of "
                 "the file itself", path);
        return -1;
    }
    return 0;
}

static int load_pem_identity(const struct jxa_tls_config *t, struct jxa_ks_identity *id,
                             char *err, size_t errlen)
{
    char m[160];
    if (regular_file(t->pem_cert, err, errlen) != 0 || regular_file(t->pem_key, err, errlen) != 0)
        return -1;
    int rc = mbedtls_x509_crt_parse_file(&id->chain, t->pem_cert);
    if (rc != 0) {
        struct stat st;
        if (stat(t->pem_cert, &st) != 0)
            snprintf(err, errlen, "%s: cannot open: %s; check the file name and that the "
                     "JVM's user may read it", t->pem_cert, strerror(errno));
        else {
            mbed_err(rc, m, sizeof m);
            snprintf(err, errlen, "%s: not a PEM certificate file (%s); give the PEM file "
                     "with the server's certificate first, then its chain", t->pem_cert, m);
        }
        return -1;
    }
    rc = mbedtls_pk_parse_keyfile(&id->key, t->pem_key, t->pem_key_password);
    /* mbedTLS 2.28's PBES2 takes DES/3DES with PBKDF2-HMAC-SHA-1 only;
     * OpenSSL 3's default PKCS#8 is AES-256 with HMAC-SHA-256, which the
     * keystore reader decrypts. */
    if (rc == MBEDTLS_ERR_PKCS5_FEATURE_UNAVAILABLE ||
        rc == MBEDTLS_ERR_PK_KEY_INVALID_FORMAT + MBEDTLS_ERR_PKCS5_FEATURE_UNAVAILABLE) {
        mbedtls_pk_free(&id->key);
        mbedtls_pk_init(&id->key);
        if (load_pkcs8(t, &id->key, err, errlen) != 0)
            return -1;
        rc = 0;
    }
    if (rc != 0) {
        struct stat st;
        if (stat(t->pem_key, &st) != 0)
            snprintf(err, errlen, "%s: cannot open: %s; check the file name and that the "
                     "JVM's user may read it", t->pem_key, strerror(errno));
        else if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED)
            snprintf(err, errlen, "%s: the private key is encrypted; give its password in "
                     "httpServer.ssl.pem.privateKey.password", t->pem_key);
        else if (rc == MBEDTLS_ERR_PK_PASSWORD_MISMATCH)
            snprintf(err, errlen, "%s: wrong password for the private key; give the "
                     "password it was encrypted with", t->pem_key);
        else {
            mbed_err(rc, m, sizeof m);
            snprintf(err, errlen, "%s: not a PEM private key (%s); give the key file "
                     "(PKCS#8, PKCS#1 or SEC1 PEM)", t->pem_key, m);
        }
        return -1;
    }
    if (mbedtls_pk_check_pair(&id->chain.pk, &id->key) != 0) {
        snprintf(err, errlen, "%s: the private key does not belong to the certificate of "
                 "pem.certificate; give the key and the certificate of one pair", t->pem_key);
        return -1;
    }
    return 0;
}

static int load_trust(const struct jxa_tls_config *t, mbedtls_x509_crt *cas, char *err,
                      size_t errlen)
{
    if (regular_file(t->truststore, err, errlen) != 0)
        return -1;
    FILE *f = fopen(t->truststore, "rb");
    char head[16] = "";
    if (f != NULL) {
        size_t n = fread(head, 1, sizeof head - 1, f);
        head[n] = '\0';
        fclose(f);
    }
    /* A PEM bundle (ca.crt of a Kubernetes secret) or a keystore. */
    if (strncmp(head, "-----BEGIN", 10) == 0) {
        int rc = mbedtls_x509_crt_parse_file(cas, t->truststore);
        if (rc != 0) {
            char m[160];
            mbed_err(rc, m, sizeof m);
            snprintf(err, errlen, "%s: not a PEM certificate bundle (%s); give the CA "
                     "certificates in PEM", t->truststore, m);
            return -1;
        }
        return 0;
    }
    size_t count = 0;
    return jxa_keystore_load_trust(t->truststore, t->truststore_password ? t->truststore_password : "",
                                   cas, &count, err, errlen) == 0 ? 0 : -1;
}

/* A generation from the files; NULL with err. */
static struct gen *gen_load(struct jxa_tls *s, char *err, size_t errlen)
{
    const struct jxa_tls_config *t = &s->cfg;
    struct gen *g = calloc(1, sizeof *g);
    if (g == NULL) {
        snprintf(err, errlen, "out of memory; retry");
        return NULL;
    }
    mbedtls_ssl_config_init(&g->conf);
    jxa_ks_identity_init(&g->id);
    mbedtls_x509_crt_init(&g->cas);
    int rc;
    if (t->pem_cert != NULL)
        rc = load_pem_identity(t, &g->id, err, errlen);
    else
        rc = jxa_keystore_load_identity(t->keystore, t->keystore_password ? t->keystore_password : "",
                                        t->alias, &g->id, err, errlen) == 0 ? 0 : -1;
    if (rc != 0)
        goto fail;
    /* The JDK serves an expired certificate; every client refuses it, so
     * it is said at start rather than at each scrape. */
    const mbedtls_x509_crt *leaf = &g->id.chain;
    const char *shown = t->pem_cert ? t->pem_cert : t->keystore;
    char when[40];
    if (mbedtls_x509_time_is_past(&leaf->valid_to)) {
        fmt_time(&leaf->valid_to, when, sizeof when);
        snprintf(err, errlen, "%s: the certificate expired on %s; renew it", shown, when);
        goto fail;
    }
    if (mbedtls_x509_time_is_future(&leaf->valid_from)) {
        fmt_time(&leaf->valid_from, when, sizeof when);
        snprintf(err, errlen, "%s: the certificate is not valid before %s; check the clock or "
                 "the certificate", shown, when);
        goto fail;
    }
    if (t->mutual && load_trust(t, &g->cas, err, errlen) != 0)
        goto fail;
    rc = mbedtls_ssl_config_defaults(&g->conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc == 0)
        rc = mbedtls_ssl_conf_own_cert(&g->conf, &g->id.chain, &g->id.key);
    if (rc != 0) {
        char m[160];
        mbed_err(rc, m, sizeof m);
        snprintf(err, errlen, "%s: cannot use the certificate (%s); give an RSA or EC key "
                 "pair", shown, m);
        goto fail;
    }
    mbedtls_ssl_conf_rng(&g->conf, mbedtls_ctr_drbg_random, &s->drbg);
    if (t->mutual) {
        mbedtls_ssl_conf_authmode(&g->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(&g->conf, &g->cas, NULL);
    } else {
        mbedtls_ssl_conf_authmode(&g->conf, MBEDTLS_SSL_VERIFY_NONE);
    }
    /* TLS 1.2 unless protocols says otherwise: TLS 1.0 and 1.1 are
     * disabled in the JDKs jmx_exporter runs on (jdk.tls.disabledAlgorithms). */
    int lo = t->min_minor ? t->min_minor : MBEDTLS_SSL_MINOR_VERSION_3;
    int hi = t->max_minor ? t->max_minor : MBEDTLS_SSL_MINOR_VERSION_3;
    mbedtls_ssl_conf_min_version(&g->conf, MBEDTLS_SSL_MAJOR_VERSION_3, lo);
    mbedtls_ssl_conf_max_version(&g->conf, MBEDTLS_SSL_MAJOR_VERSION_3, hi);
    if (t->ciphers != NULL)
        mbedtls_ssl_conf_ciphersuites(&g->conf, t->ciphers);
    g->refs = 1;
    return g;
fail:
    gen_free(g);
    return NULL;
}

static void take_sigs(struct jxa_tls *s, struct sig *out)
{
    for (int i = 0; i < NFILES; i++)
        out[i] = sig_of(s->files[i]);
}

struct jxa_tls *jxa_tls_new(const struct jxa_tls_config *t, char *err, size_t errlen)
{
    struct jxa_tls *s = calloc(1, sizeof *s);
    if (s == NULL || jxa_tls_config_copy(&s->cfg, t) != 0) {
        free(s);
        snprintf(err, errlen, "out of memory; retry");
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    mbedtls_entropy_init(&s->entropy);
    mbedtls_ctr_drbg_init(&s->drbg);
    static const char pers[] = "libspark_jmxagent";
    if (mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy,
                              (const unsigned char *)pers, sizeof pers - 1) != 0) {
        snprintf(err, errlen, "cannot seed the TLS random generator from the system; check "
                 "that /dev/urandom or getrandom() is available");
        jxa_tls_free(s);
        return NULL;
    }
    if (t->pem_cert != NULL) {
        s->files[0] = s->cfg.pem_cert;
        s->files[1] = s->cfg.pem_key;
    } else {
        s->files[0] = s->cfg.keystore;
    }
    if (t->mutual)
        s->files[2] = s->cfg.truststore;
    take_sigs(s, s->sigs);
    s->cur = gen_load(s, err, errlen);
    if (s->cur == NULL) {
        jxa_tls_free(s);
        return NULL;
    }
    return s;
}

/* Under s->mu: a new generation when a watched file changed. */
static void maybe_reload(struct jxa_tls *s)
{
    struct sig now[NFILES];
    take_sigs(s, now);
    bool changed = false, same_failure = s->have_failed;
    for (int i = 0; i < NFILES; i++) {
        if (!sig_eq(now[i], s->sigs[i]))
            changed = true;
        if (!sig_eq(now[i], s->failed[i]))
            same_failure = false;
    }
    if (!changed || same_failure)
        return;
    char err[1024];
    struct gen *g = gen_load(s, err, sizeof err);
    if (g == NULL) {
        /* Said once per bad state of the files; the old certificate serves on. */
        memcpy(s->failed, now, sizeof now);
        s->have_failed = true;
        jxa_warn("TLS: the changed certificate does not load: %s; serving the previous one "
                 "until the files change again", err);
        return;
    }
    memcpy(s->sigs, now, sizeof now);
    s->have_failed = false;
    struct gen *old = s->cur;
    s->cur = g;
    if (--old->refs == 0)
        gen_free(old);
    else {
        old->next = s->retired;
        s->retired = old;
    }
    jxa_info("TLS: certificate reloaded for new connections");
}

const mbedtls_ssl_config *jxa_tls_acquire(struct jxa_tls *s)
{
    pthread_mutex_lock(&s->mu);
    maybe_reload(s);
    struct gen *g = s->cur;
    g->refs++;
    pthread_mutex_unlock(&s->mu);
    return &g->conf;
}

void jxa_tls_release(struct jxa_tls *s, const mbedtls_ssl_config *conf)
{
    /* conf is the first member of its generation. */
    struct gen *g = (struct gen *)(void *)(uintptr_t)conf;
    pthread_mutex_lock(&s->mu);
    if (--g->refs == 0) {
        for (struct gen **p = &s->retired; *p; p = &(*p)->next)
            if (*p == g) {
                *p = g->next;
                break;
            }
        gen_free(g);
    }
    pthread_mutex_unlock(&s->mu);
}

void jxa_tls_free(struct jxa_tls *s)
{
    if (s == NULL)
        return;
    if (s->cur != NULL)
        gen_free(s->cur);
    while (s->retired != NULL) {
        struct gen *g = s->retired;
        s->retired = g->next;
        gen_free(g);
    }
    mbedtls_ctr_drbg_free(&s->drbg);
    mbedtls_entropy_free(&s->entropy);
    pthread_mutex_destroy(&s->mu);
    jxa_tls_config_free(&s->cfg);
    free(s);
}

/* --- settings ---------------------------------------------------------- */

static int dup_into(char **dst, const char *src)
{
    *dst = NULL;
    if (src == NULL)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

int jxa_tls_config_copy(struct jxa_tls_config *dst, const struct jxa_tls_config *src)
{
    memset(dst, 0, sizeof *dst);
    dst->enabled = src->enabled;
    dst->mutual = src->mutual;
    dst->min_minor = src->min_minor;
    dst->max_minor = src->max_minor;
    int rc = dup_into(&dst->keystore, src->keystore) | dup_into(&dst->keystore_password, src->keystore_password) |
             dup_into(&dst->keystore_type, src->keystore_type) | dup_into(&dst->alias, src->alias) |
             dup_into(&dst->pem_cert, src->pem_cert) | dup_into(&dst->pem_key, src->pem_key) |
             dup_into(&dst->pem_key_password, src->pem_key_password) |
             dup_into(&dst->truststore, src->truststore) |
             dup_into(&dst->truststore_password, src->truststore_password) |
             dup_into(&dst->truststore_type, src->truststore_type);
    if (src->ciphers != NULL) {
        size_t n = 0;
        while (src->ciphers[n])
            n++;
        dst->ciphers = malloc((n + 1) * sizeof *dst->ciphers);
        if (dst->ciphers == NULL)
            rc = -1;
        else
            memcpy(dst->ciphers, src->ciphers, (n + 1) * sizeof *dst->ciphers);
    }
    if (rc != 0) {
        jxa_tls_config_free(dst);
        return -1;
    }
    return 0;
}

static void wipe_free(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void jxa_tls_config_free(struct jxa_tls_config *t)
{
    free(t->keystore);
    wipe_free(t->keystore_password);
    free(t->keystore_type);
    free(t->alias);
    free(t->pem_cert);
    free(t->pem_key);
    wipe_free(t->pem_key_password);
    free(t->truststore);
    wipe_free(t->truststore_password);
    free(t->truststore_type);
    free(t->ciphers);
    memset(t, 0, sizeof *t);
}
