/* test_keystore.c - Java keystores made by keytool and openssl
 * (fixtures/keystore/make.sh remakes them): PKCS#12 with JDK 17's and the
 * legacy algorithms, OpenSSL's PKCS#12, JKS; RSA and EC keys, chains,
 * truststores; every prefix and every flipped byte of small keystores;
 * the error of each kind.  RC2 against the vectors of RFC 2268. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/version.h>

#include "check.h"
#include "keystore.h"
#include "rc2.h"

#define FIX "fixtures/keystore/"
#define PW "changeit"

static void unhex(const char *h, uint8_t *out)
{
    for (size_t i = 0; h[2 * i]; i++)
        sscanf(h + 2 * i, "%2hhx", &out[i]);
}

static void test_rc2_vectors(void)
{
    /* RFC 2268 section 5: key, effective bits, plaintext, ciphertext. */
    static const struct {
        const char *key;
        unsigned bits;
        const char *pt, *ct;
    } v[] = {
        {"0000000000000000", 63, "0000000000000000", "ebb773f993278eff"},
        {"ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"},
        {"3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"},
        {"88", 64, "0000000000000000", "61a8a244adacccf0"},
        {"88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"},
        {"88bca90e90875a7f0f79c384627bafb2", 64, "0000000000000000", "1a807d272bbe5db1"},
        {"88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"},
        {"88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e", 129,
         "0000000000000000", "5b78d3a43dfff1f1"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t key[64], pt[8], ct[8], out[8];
        unhex(v[i].key, key);
        unhex(v[i].pt, pt);
        unhex(v[i].ct, ct);
        struct jxa_rc2 c;
        CHECK_INT(jxa_rc2_setkey(&c, key, strlen(v[i].key) / 2, v[i].bits), 0);
        jxa_rc2_decrypt_block(&c, ct, out);
        if (memcmp(out, pt, 8) != 0)
            FAILF("RC2 vector %zu does not decrypt", i + 1);
    }
    struct jxa_rc2 c;
    CHECK_INT(jxa_rc2_setkey(&c, (const uint8_t *)"", 0, 40), -1);
}

/* The error line: "<file>: <what>; <what to do>", one line. */
static void check_err_line(const char *err, const char *file)
{
    if (strncmp(err, file, strlen(file)) != 0 || strncmp(err + strlen(file), ": ", 2) != 0)
        FAILF("error does not start with the file: %s", err);
    if (strchr(err, '\n') || !strstr(err, "; "))
        FAILF("error is not one line with what to do: %s", err);
}

static int load(const char *file, const char *pw, const char *alias, struct jxa_ks_identity *id,
                char *err, size_t errlen)
{
    char path[256];
    snprintf(path, sizeof path, FIX "%s", file);
    int r = jxa_keystore_load_identity(path, pw, alias, id, err, errlen);
    if (r != 0)
        check_err_line(err, path);
    return r;
}

static int chain_len(const mbedtls_x509_crt *c)
{
    int n = 0;
    for (; c && c->raw.p; c = c->next)
        n++;
    return n;
}

/* Loads file's identity and checks alias, subject, key type, chain length
 * and that the key belongs to the certificate. */
static void expect_identity(const char *file, const char *pw, const char *alias,
                            const char *want_alias, const char *want_cn,
                            mbedtls_pk_type_t want_type, int want_chain)
{
    struct jxa_ks_identity id;
    char err[512], dn[256], want_dn[128];
    jxa_ks_identity_init(&id);
    int r = load(file, pw, alias, &id, err, sizeof err);
    if (r != 0) {
        FAILF("%s: %d %s", file, r, err);
        return;
    }
    CHECK_STR(id.alias, want_alias);
    mbedtls_x509_dn_gets(dn, sizeof dn, &id.chain.subject);
    snprintf(want_dn, sizeof want_dn, "CN=%s", want_cn);
    CHECK_STR(dn, want_dn);
    CHECK_INT(mbedtls_pk_get_type(&id.key), want_type);
    CHECK_INT(chain_len(&id.chain), want_chain);
#if MBEDTLS_VERSION_MAJOR < 3     /* 3.x adds a random generator argument */
    CHECK_INT(mbedtls_pk_check_pair(&id.chain.pk, &id.key), 0);
#endif
    jxa_ks_identity_free(&id);
}

static void test_pkcs12_jdk17(void)
{
    expect_identity("p12-rsa.p12", PW, NULL, "server", "server.example", MBEDTLS_PK_RSA, 1);
    expect_identity("p12-rsa.p12", PW, "server", "server", "server.example", MBEDTLS_PK_RSA, 1);
    /* aliases compare without case, as the JDK lowercases them */
    expect_identity("p12-rsa.p12", PW, "SERVER", "server", "server.example", MBEDTLS_PK_RSA, 1);
    expect_identity("p12-two.p12", PW, "rsa", "rsa", "rsa.example", MBEDTLS_PK_RSA, 1);
    expect_identity("p12-two.p12", PW, "ec", "ec", "ec.example", MBEDTLS_PK_ECKEY, 1);
    /* no alias: the first key entry in the file (keytool keeps the order) */
    expect_identity("p12-two.p12", PW, NULL, "rsa", "rsa.example", MBEDTLS_PK_RSA, 1);
    expect_identity("p12-small.p12", PW, "", "small", "small.example", MBEDTLS_PK_ECKEY, 1);
}

static void test_pkcs12_legacy(void)
{
    /* keys pbeWithSHAAnd3-KeyTripleDES-CBC, certificates pbeWithSHAAnd40BitRC2-CBC */
    expect_identity("p12-legacy.p12", PW, NULL, "legacy", "legacy.example", MBEDTLS_PK_ECKEY, 1);
    expect_identity("openssl-legacy.p12", PW, "web", "web", "server.example", MBEDTLS_PK_RSA, 1);
}

static void test_pkcs12_openssl(void)
{
    /* no friendlyName: the JDK names the entry "1" */
    expect_identity("openssl.p12", PW, NULL, "1", "server.example", MBEDTLS_PK_RSA, 1);
    expect_identity("openssl.p12", PW, "1", "1", "server.example", MBEDTLS_PK_RSA, 1);
    /* an unencrypted keyBag and certificates */
    expect_identity("openssl-plain.p12", PW, NULL, "plain", "server.example", MBEDTLS_PK_RSA, 1);
    /* the empty password: OpenSSL's BMPString is the two-byte NUL */
    expect_identity("openssl-empty.p12", "", NULL, "empty", "server.example", MBEDTLS_PK_RSA, 1);
    /* UTF-8 password (PBKDF2 takes the bytes, the MAC the BMPString) and alias */
    expect_identity("unicode.p12", "pässwörd€", "Größe", "Größe", "server.example", MBEDTLS_PK_RSA, 1);
}

static void test_jks(void)
{
    expect_identity("jks-two.jks", PW, "rsa", "rsa", "rsa.example", MBEDTLS_PK_RSA, 1);
    expect_identity("jks-two.jks", PW, "EC", "ec", "ec.example", MBEDTLS_PK_ECKEY, 1);
    /* JKS stores aliases lowercased; the password is UTF-16 */
    expect_identity("unicode.jks", "pässwörd€", "Größe", "größe", "unicode.example",
                    MBEDTLS_PK_ECKEY, 1);
    struct jxa_ks_identity id;
    char err[512];
    jxa_ks_identity_init(&id);
    CHECK_INT(load("jks-two.jks", PW, NULL, &id, err, sizeof err), 0);
    CHECK(id.alias && (strcmp(id.alias, "rsa") == 0 || strcmp(id.alias, "ec") == 0));
    jxa_ks_identity_free(&id);
}

static void test_chain(void)
{
    const char *files[] = {"chain.p12", "chain.jks"};
    for (int i = 0; i < 2; i++) {
        expect_identity(files[i], PW, "srv", "srv", "chain.example", MBEDTLS_PK_ECKEY, 2);
        struct jxa_ks_identity id;
        char err[512], dn[128];
        jxa_ks_identity_init(&id);
        CHECK_INT(load(files[i], PW, "srv", &id, err, sizeof err), 0);
        if (id.chain.next) {
            mbedtls_x509_dn_gets(dn, sizeof dn, &id.chain.next->subject);
            CHECK_STR(dn, "CN=Test CA");
        }
        jxa_ks_identity_free(&id);
    }
}

static size_t trust(const char *file, const char *pw, int want_rc, char *err, size_t errlen,
                    char *first_dn, size_t dnlen)
{
    char path[256];
    snprintf(path, sizeof path, FIX "%s", file);
    mbedtls_x509_crt cas;
    mbedtls_x509_crt_init(&cas);
    size_t n = 99;
    int r = jxa_keystore_load_trust(path, pw, &cas, &n, err, errlen);
    if (r != want_rc)
        FAILF("%s: %d, expected %d: %s", file, r, want_rc, err);
    if (r != 0) {
        check_err_line(err, path);
        CHECK_INT(n, 0);
        CHECK(cas.raw.p == NULL);
    } else {
        CHECK_INT(chain_len(&cas), n);
        if (first_dn)
            mbedtls_x509_dn_gets(first_dn, dnlen, &cas.subject);
    }
    mbedtls_x509_crt_free(&cas);
    return n;
}

static void test_truststores(void)
{
    char err[512], dn[128];
    CHECK_INT(trust("trust.p12", PW, 0, err, sizeof err, dn, sizeof dn), 1);
    CHECK_STR(dn, "CN=Test CA");
    CHECK_INT(trust("trust.jks", PW, 0, err, sizeof err, dn, sizeof dn), 1);
    CHECK_STR(dn, "CN=Test CA");
    /* trusted entries and the first certificate of every key entry */
    CHECK_INT(trust("jks-two.jks", PW, 0, err, sizeof err, NULL, 0), 3);
    CHECK_INT(trust("chain.p12", PW, 0, err, sizeof err, NULL, 0), 2);
    CHECK_INT(trust("p12-two.p12", PW, 0, err, sizeof err, NULL, 0), 2);
    /* keys are not decrypted: a key with its own password does not matter */
    CHECK_INT(trust("jks-keypass.jks", PW, 0, err, sizeof err, NULL, 0), 1);
    /* OpenSSL's certificate without trustedKeyUsage is no entry for the JDK */
    trust("openssl-cacert.p12", PW, JXA_KS_ENOKEY, err, sizeof err, NULL, 0);
    CHECK(strstr(err, "no trusted certificate entry") != NULL);
    trust("p12-rsa.p12", "wrong!", JXA_KS_EPASSWORD, err, sizeof err, NULL, 0);
}

static void expect_error(const char *file, const char *pw, const char *alias, int want,
                         const char *want_text)
{
    struct jxa_ks_identity id;
    char err[512];
    jxa_ks_identity_init(&id);
    int r = load(file, pw, alias, &id, err, sizeof err);
    if (r != want)
        FAILF("%s: %d, expected %d: %s", file, r, want, r ? err : "");
    else if (want_text && !strstr(err, want_text))
        FAILF("%s: error lacks \"%s\": %s", file, want_text, err);
    /* nothing half-filled */
    CHECK(id.alias == NULL);
    CHECK(id.chain.raw.p == NULL);
    CHECK(mbedtls_pk_get_type(&id.key) == MBEDTLS_PK_NONE);
    jxa_ks_identity_free(&id);
}

static void test_wrong_password(void)
{
    expect_error("p12-rsa.p12", "changeiT", NULL, JXA_KS_EPASSWORD, "HmacPBESHA256");
    expect_error("p12-legacy.p12", "changeiT", NULL, JXA_KS_EPASSWORD, "HmacPBESHA1");
    expect_error("openssl-plain.p12", "", NULL, JXA_KS_EPASSWORD, "wrong password");
    expect_error("openssl-empty.p12", PW, NULL, JXA_KS_EPASSWORD, "wrong password");
    expect_error("jks-two.jks", "changeiT", "rsa", JXA_KS_EPASSWORD, "integrity digest");
    expect_error("unicode.jks", "passwörd€", NULL, JXA_KS_EPASSWORD, "integrity digest");
    /* the store opens, its key has another password */
    expect_error("jks-keypass.jks", PW, NULL, JXA_KS_EPASSWORD, "keytool -keypasswd -alias other");
    expect_error("p12-rsa.p12", "bad\xff", NULL, JXA_KS_EPASSWORD, "UTF-8");
}

static void test_alias_and_kind_errors(void)
{
    expect_error("p12-two.p12", PW, "nope", JXA_KS_EALIAS, "no entry 'nope'; its key entries are 'rsa', 'ec'");
    expect_error("jks-two.jks", PW, "ca", JXA_KS_EALIAS, "'ca' is a trusted certificate");
    expect_error("trust.p12", PW, NULL, JXA_KS_ENOKEY, "no private key entry (only trusted certificates");
    expect_error("trust.jks", PW, NULL, JXA_KS_ENOKEY, "no private key entry");
    expect_error("openssl-cacert.p12", PW, NULL, JXA_KS_ENOKEY, "no private key entry");
    expect_error("store.jceks", PW, NULL, JXA_KS_EUNSUPPORTED, "JCEKS");
    expect_error("p12-ed25519.p12", PW, NULL, JXA_KS_EUNSUPPORTED,
                 "the key of entry 'ed' is Ed25519 (1.3.101.112), which this agent does not use");
    char err[512];
    trust("p12-ed25519.p12", PW, JXA_KS_EUNSUPPORTED, err, sizeof err, NULL, 0);
    CHECK(strstr(err, "the certificate of entry 'ed' cannot be used") != NULL);
    expect_error("no-such.p12", PW, NULL, JXA_KS_EFILE, "No such file");
    expect_error(".", PW, NULL, JXA_KS_EFILE, "not a regular file");
}

static int parse(const uint8_t *d, size_t n, const char *pw, char *err, size_t errlen)
{
    struct jxa_ks_identity id;
    jxa_ks_identity_init(&id);
    int r = jxa_keystore_parse_identity(d, n, "mem", pw, NULL, &id, err, errlen);
    if (r == 0)
        jxa_ks_identity_free(&id);
    else
        check_err_line(err, "mem");
    return r;
}

static void test_not_keystores(void)
{
    char err[512];
    const char *pem = "-----BEGIN CERTIFICATE-----\nMII\n";
    CHECK_INT(parse((const uint8_t *)pem, strlen(pem), PW, err, sizeof err), JXA_KS_EUNSUPPORTED);
    CHECK(strstr(err, "PEM") != NULL);
    CHECK_INT(parse((const uint8_t *)"hello world", 11, PW, err, sizeof err), JXA_KS_ECORRUPT);
    CHECK(strstr(err, "starts with 68 65 6c 6c") != NULL);
    CHECK_INT(parse((const uint8_t *)"", 0, PW, err, sizeof err), JXA_KS_ECORRUPT);
    /* BER indefinite length (some Windows exports) */
    const uint8_t ber[] = {0x30, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00};
    CHECK_INT(parse(ber, sizeof ber, PW, err, sizeof err), JXA_KS_EUNSUPPORTED);
    /* a JKS with a negative-length key and one with version 3 */
    const uint8_t jks3[] = {0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 3, 0, 0, 0, 0};
    CHECK_INT(parse(jks3, sizeof jks3, PW, err, sizeof err), JXA_KS_EUNSUPPORTED);
    const uint8_t neg[] = {0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1,
                           0, 1, 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    CHECK_INT(parse(neg, sizeof neg, PW, err, sizeof err), JXA_KS_ECORRUPT);
    /* text from the file stays on one line (parse() checks): a trusted
     * entry whose alias and certificate type hold a newline (found by
     * fuzz_keystore) */
    const uint8_t nl[] = {0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2,
                          0, 3, 'a', '\n', 'b', 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 'X', '\n', '9'};
    CHECK_INT(parse(nl, sizeof nl, PW, err, sizeof err), JXA_KS_EUNSUPPORTED);
    CHECK(strstr(err, "JKS entry 'a?b' is of type 'X?9'") != NULL);
}

static uint8_t *slurp(const char *file, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, FIX "%s", file);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        FAILF("cannot open %s", path);
        return NULL;
    }
    uint8_t *d = malloc(1 << 16);
    *n = d ? fread(d, 1, 1 << 16, f) : 0;
    fclose(f);
    return d;
}

/* Every prefix of a keystore is an error saying "truncated" (or "empty"),
 * never a crash and never a success. */
static void test_every_prefix(void)
{
    const char *files[] = {"p12-small.p12", "p12-legacy.p12", "chain.jks", "jks-two.jks",
                           "openssl-plain.p12"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t n;
        uint8_t *d = slurp(files[f], &n);
        if (d == NULL)
            continue;
        char err[512];
        CHECK_INT(parse(d, n, PW, err, sizeof err), 0);
        int bad = 0;
        for (size_t len = 0; len < n && bad < 3; len++) {
            uint8_t *copy = malloc(len + 1);        /* exact size: ASan sees overreads */
            memcpy(copy, d, len);
            int r = parse(copy, len, PW, err, sizeof err);
            if (r != JXA_KS_ECORRUPT || (!strstr(err, "truncated") && !strstr(err, "empty"))) {
                FAILF("%s cut to %zu bytes: %d %s", files[f], len, r, err);
                bad++;
            }
            free(copy);
        }
        free(d);
    }
}

/* Every byte flipped: never a success.  A flip in the certificates or
 * keys is caught by the MAC (PKCS#12) or the keyed digest (JKS) and
 * reported as a wrong password / altered file. */
static void test_every_flip(void)
{
    const char *files[] = {"p12-small.p12", "chain.jks"};
    for (size_t f = 0; f < 2; f++) {
        size_t n;
        uint8_t *d = slurp(files[f], &n);
        if (d == NULL)
            continue;
        char err[512];
        int bad = 0, integrity = 0;
        for (size_t i = 0; i < n && bad < 3; i++) {
            d[i] ^= 0x01;
            int r = parse(d, n, PW, err, sizeof err);
            if (r == 0) {
                FAILF("%s with byte %zu flipped loads", files[f], i);
                bad++;
            }
            integrity += r == JXA_KS_EPASSWORD;
            d[i] ^= 0x01;
        }
        /* most bytes are certificate and key data, behind the check */
        if (integrity < (int)n / 2)
            FAILF("%s: only %d of %zu flips caught by the integrity check", files[f], integrity, n);
        free(d);
    }
}

/* The bytes under the PKCS#12 MAC and under the JKS digest: one flipped
 * bit in a certificate is an integrity failure, not a parse error. */
static void test_integrity_covers_data(void)
{
    size_t n;
    char err[512];
    uint8_t *d = slurp("chain.jks", &n);
    if (d) {
        /* the last certificate's last byte, just before the digest */
        d[n - 21] ^= 0x80;
        CHECK_INT(parse(d, n, PW, err, sizeof err), JXA_KS_EPASSWORD);
        CHECK(strstr(err, "integrity digest") != NULL);
        free(d);
    }
    d = slurp("openssl-plain.p12", &n);
    if (d) {
        /* unencrypted certificate bytes in the middle of the file */
        d[n / 2] ^= 0x80;
        CHECK_INT(parse(d, n, PW, err, sizeof err), JXA_KS_EPASSWORD);
        CHECK(strstr(err, "integrity check") != NULL);
        free(d);
    }
}

SUITE(keystore)
{
    RUN(test_rc2_vectors);
    RUN(test_pkcs12_jdk17);
    RUN(test_pkcs12_legacy);
    RUN(test_pkcs12_openssl);
    RUN(test_jks);
    RUN(test_chain);
    RUN(test_truststores);
    RUN(test_wrong_password);
    RUN(test_alias_and_kind_errors);
    RUN(test_not_keystores);
    RUN(test_every_prefix);
    RUN(test_every_flip);
    RUN(test_integrity_covers_data);
}
