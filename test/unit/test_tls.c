/* test_tls.c - tls.c without a network: protocols and ciphers as
 * jmx_exporter's config gives them, the config made from PEM and keystore
 * fixtures, and the generations of a rotation (a connection in flight
 * keeps its config; new ones get the new certificate).  The handshakes
 * themselves are tested in a JVM (test/it/test_tls.py). */
#include "check.h"
#include "tls.h"

#include <mbedtls/ssl_ciphersuites.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TLSFIX "fixtures/tls/"
#define KSFIX "fixtures/keystore/"

static void test_protocols(void)
{
    char err[512];
    int lo = 0, hi = 0;
    CHECK_INT(jxa_tls_protocols("TLSv1.2", &lo, &hi, err, sizeof err), 0);
    CHECK_INT(lo, 3);
    CHECK_INT(hi, 3);
    /* jmx_exporter splits on ',' and trims; TLSv1.3 beside 1.2 is ignored. */
    CHECK_INT(jxa_tls_protocols(" TLSv1.3 , TLSv1.2,,TLSv1.1 ", &lo, &hi, err, sizeof err), 0);
    CHECK_INT(lo, 2);
    CHECK_INT(hi, 3);
    CHECK_INT(jxa_tls_protocols("TLSv1.3", &lo, &hi, err, sizeof err), -1);
    CHECK(strstr(err, "only TLSv1.3") != NULL);
    CHECK_INT(jxa_tls_protocols("SSLv3", &lo, &hi, err, sizeof err), -1);
    CHECK(strstr(err, "unknown protocol \"SSLv3\"") != NULL);
}

static void test_ciphers(void)
{
    char err[512];
    int *ids = jxa_tls_ciphers("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256,"
                               "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", err, sizeof err);
    CHECK(ids != NULL);
    if (ids != NULL) {
        CHECK_INT(ids[0], MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
        CHECK_INT(ids[1], MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384);
        CHECK_INT(ids[2], 0);
    }
    free(ids);
    CHECK(jxa_tls_ciphers("TLS_AES_256_GCM_SHA384", err, sizeof err) == NULL);
    CHECK(strstr(err, "only TLS 1.3 suites") != NULL);
    CHECK(jxa_tls_ciphers("TLS_NOPE", err, sizeof err) == NULL);
    CHECK(strstr(err, "\"TLS_NOPE\"") != NULL);
}

static void test_keystores(void)
{
    char err[1024];
    struct jxa_tls_config t;
    memset(&t, 0, sizeof t);
    t.enabled = true;
    t.keystore = KSFIX "p12-two.p12";
    t.keystore_password = "changeit";
    t.alias = "EC";             /* aliases compare without case, as the JDK's */
    struct jxa_tls *s = jxa_tls_new(&t, err, sizeof err);
    CHECK(s != NULL);
    if (s == NULL)
        printf("  %s\n", err);
    const mbedtls_ssl_config *c = s ? jxa_tls_acquire(s) : NULL;
    CHECK(c != NULL);
    if (s != NULL) {
        jxa_tls_release(s, c);
        jxa_tls_free(s);
    }
    /* mutualTLS with a JKS truststore. */
    t.keystore = KSFIX "jks-two.jks";
    t.alias = NULL;
    t.mutual = true;
    t.truststore = KSFIX "trust.jks";
    t.truststore_password = "changeit";
    s = jxa_tls_new(&t, err, sizeof err);
    CHECK(s != NULL);
    if (s == NULL)
        printf("  %s\n", err);
    jxa_tls_free(s);
    /* A PEM bundle as the truststore (a Kubernetes secret's ca.crt). */
    t.truststore = TLSFIX "good.crt";
    t.truststore_password = NULL;
    s = jxa_tls_new(&t, err, sizeof err);
    CHECK(s != NULL);
    if (s == NULL)
        printf("  %s\n", err);
    jxa_tls_free(s);
}

/* An encrypted PKCS#8 key as OpenSSL 3 writes it (AES-256, PBKDF2 with
 * HMAC-SHA-256), which mbedTLS 2.28 alone cannot open. */
static void test_pem_pkcs8(void)
{
    char err[1024];
    struct jxa_tls_config t;
    memset(&t, 0, sizeof t);
    t.enabled = true;
    t.pem_cert = TLSFIX "good.crt";
    t.pem_key = TLSFIX "encrypted-pkcs8.key";
    t.pem_key_password = "changeit";
    struct jxa_tls *s = jxa_tls_new(&t, err, sizeof err);
    CHECK(s != NULL);
    if (s == NULL)
        printf("  %s\n", err);
    jxa_tls_free(s);
    t.pem_key_password = "wrong";
    s = jxa_tls_new(&t, err, sizeof err);
    CHECK(s == NULL);
    CHECK(strstr(err, "wrong password for the private key") != NULL);
    jxa_tls_free(s);
}

static void copy(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    CHECK(in != NULL && out != NULL);
    char buf[4096];
    size_t n;
    while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    if (in)
        fclose(in);
    if (out)
        fclose(out);
}

static void test_rotation(void)
{
    char dir[] = "/tmp/jxa-tls-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char crt[64], key[64], tmp[64];
    snprintf(crt, sizeof crt, "%s/tls.crt", dir);
    snprintf(key, sizeof key, "%s/tls.key", dir);
    snprintf(tmp, sizeof tmp, "%s/new", dir);
    copy(TLSFIX "good.crt", crt);
    copy(TLSFIX "good.key", key);
    char err[1024];
    struct jxa_tls_config t;
    memset(&t, 0, sizeof t);
    t.enabled = true;
    t.pem_cert = crt;
    t.pem_key = key;
    struct jxa_tls *s = jxa_tls_new(&t, err, sizeof err);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    const mbedtls_ssl_config *a = jxa_tls_acquire(s);
    const mbedtls_ssl_config *b = jxa_tls_acquire(s);
    CHECK(a == b);                          /* files unchanged: same config */
    /* A bad new key: the running config stays (one WARN). */
    copy(TLSFIX "other.key", tmp);
    CHECK_INT(rename(tmp, key), 0);
    const mbedtls_ssl_config *c = jxa_tls_acquire(s);
    CHECK(c == a);
    /* The matching key back, under a new inode: a new generation, while a
     * and b (connections in flight) keep theirs until released. */
    copy(TLSFIX "good.key", tmp);
    CHECK_INT(rename(tmp, key), 0);
    const mbedtls_ssl_config *d = jxa_tls_acquire(s);
    CHECK(d != a);
    jxa_tls_release(s, a);
    jxa_tls_release(s, b);
    jxa_tls_release(s, c);
    const mbedtls_ssl_config *e = jxa_tls_acquire(s);
    CHECK(e == d);
    jxa_tls_release(s, d);
    jxa_tls_release(s, e);
    jxa_tls_free(s);
    unlink(crt);
    unlink(key);
    rmdir(dir);
}

SUITE(tls)
{
    RUN(test_protocols);
    RUN(test_ciphers);
    RUN(test_keystores);
    RUN(test_pem_pkcs8);
    RUN(test_rotation);
}
