/* keystore.c - PKCS#12 and JKS keystores into mbedTLS keys and
 * certificates (include/keystore.h, docs/tls.md "Keystores").
 *
 * Two steps.  The format's parser checks the file's integrity with the
 * password and turns it into a list of entries: alias, the key as stored
 * (still encrypted), certificate DER.  Every span points into the file or
 * into a buffer decrypted from it.  Then the caller's question (one key
 * entry, or every trusted certificate) is answered from that list,
 * decrypting only the key it needs, as the JDK decrypts a key only when
 * KeyStore.getKey() asks for it. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/aes.h>
#include <mbedtls/asn1.h>
#include <mbedtls/des.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/version.h>

#include "keystore.h"
#include "rc2.h"

#if MBEDTLS_VERSION_MAJOR >= 3
#include <sys/random.h>
#endif

/* The JDK refuses PKCS#12 iteration counts above 5,000,000
 * (PKCS12KeyStore.MAX_ITERATION_COUNT): a hostile file could otherwise
 * make loading take hours.  A fuzzing build keeps one input fast; it also
 * computes but ignores integrity checks, so that mutated inputs reach the
 * parsers behind them. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define MAX_ITERATIONS 64
#define INTEGRITY_MATTERS 0
#else
#define MAX_ITERATIONS 5000000
#define INTEGRITY_MATTERS 1
#endif

#define REMAKE "remake it with keytool"
#define REEXPORT "convert it with a JDK 17 keytool (keytool -importkeystore " \
                 "-deststoretype pkcs12), which uses AES-256"

struct span {
    const uint8_t *p;
    size_t n;
};

enum ent_kind { ENT_KEY, ENT_CERT };

struct entry {
    char *alias;
    enum ent_kind kind;
    bool plain;                 /* key: a PrivateKeyInfo (PKCS#12 keyBag) */
    struct span key;            /* PrivateKeyInfo or EncryptedPrivateKeyInfo */
    struct span keyid;          /* PKCS#12 localKeyId */
    struct span *chain;         /* JKS: the chain stored with the key */
    size_t nchain;
    struct span cert;           /* ENT_CERT */
};

/* A PKCS#12 certificate bag: the pool chains are built from. */
struct p12cert {
    struct span der, keyid;
    char *alias;                /* friendlyName, or NULL */
};

struct ks {
    const char *shown;
    char *err;
    size_t errlen;
    int rc;
    const char *password;       /* UTF-8, as configured */
    uint8_t *utf16;             /* the password's UTF-16BE (Java chars) */
    size_t utf16len;
    /* PKCS#12 key derivation takes a BMPString with a two-byte NUL; an
     * empty password is ambiguous (no bytes, or just the NUL), so both are
     * tried, as the JDK's RetryWithZero does. */
    uint8_t *bmp[2];
    size_t bmplen[2];
    int nbmp;
    struct entry *e;
    size_t n, cap;
    struct p12cert *certs;
    size_t ncerts, certcap;
    uint8_t **bufs;
    size_t nbufs;
    unsigned unnamed;           /* the JDK's counter for entries without a name */
    int p12keys;                /* private key bags seen so far */
};

/* Control characters (a newline in an alias or a type name read from
 * the file) become '?': a message and an alias stay one line. */
static void printable(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            *s = '?';
}

__attribute__((format(printf, 3, 4)))
static int fail(struct ks *k, int rc, const char *fmt, ...)
{
    if (k->rc != 0)
        return k->rc;
    k->rc = rc;
    if (k->errlen == 0)
        return rc;
    int m = snprintf(k->err, k->errlen, "%s: ", k->shown);
    if (m >= 0 && (size_t)m < k->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(k->err + m, k->errlen - (size_t)m, fmt, ap);
        va_end(ap);
    }
    printable(k->err);
    return rc;
}

static int nomem(struct ks *k)
{
    return fail(k, JXA_KS_ENOMEM, "out of memory while reading the keystore");
}

static int corrupt(struct ks *k, int asn1_rc, const char *what)
{
    if (asn1_rc == MBEDTLS_ERR_ASN1_OUT_OF_DATA)
        return fail(k, JXA_KS_ECORRUPT, "truncated inside the %s; copy the file again or " REMAKE, what);
    return fail(k, JXA_KS_ECORRUPT, "corrupt %s (not valid DER); copy the file again or " REMAKE, what);
}

/* Keeps a decrypted buffer alive until the end (spans point into it). */
static int keep(struct ks *k, uint8_t *buf)
{
    uint8_t **b = realloc(k->bufs, (k->nbufs + 1) * sizeof *b);
    if (b == NULL) {
        free(buf);
        return nomem(k);
    }
    k->bufs = b;
    k->bufs[k->nbufs++] = buf;
    return 0;
}

static int ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= a[i] ^ b[i];
    return d == 0;
}

static bool span_eq(struct span a, struct span b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* --- text: passwords and aliases ------------------------------------ */

/* UTF-8 to UTF-16 code units (a Java String's chars).  -1 if not UTF-8. */
static int utf8_to_utf16(const char *s, uint16_t **out, size_t *n)
{
    size_t len = strlen(s);
    uint16_t *u = malloc((len + 1) * sizeof *u);
    if (u == NULL)
        return -2;
    size_t o = 0;
    const uint8_t *p = (const uint8_t *)s, *end = p + len;
    while (p < end) {
        uint32_t c = *p++;
        int more = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2
                 : (c & 0xF8) == 0xF0 ? 3 : -1;
        if (more < 0 || end - p < more)
            goto bad;
        c &= more == 0 ? 0x7F : 0x3F >> more;
        for (int i = 0; i < more; i++) {
            if ((*p & 0xC0) != 0x80)
                goto bad;
            c = c << 6 | (*p++ & 0x3F);
        }
        static const uint32_t least[4] = {0, 0x80, 0x800, 0x10000};
        if (c < least[more] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            goto bad;
        if (c >= 0x10000) {
            c -= 0x10000;
            u[o++] = (uint16_t)(0xD800 | c >> 10);
            u[o++] = (uint16_t)(0xDC00 | (c & 0x3FF));
        } else {
            u[o++] = (uint16_t)c;
        }
    }
    *out = u;
    *n = o;
    return 0;
bad:
    free(u);
    return -1;
}

/* UTF-16 code units to a UTF-8 C string; a lone surrogate or a NUL
 * becomes U+FFFD.  NULL when out of memory. */
static char *utf16_to_utf8(const uint16_t *u, size_t n)
{
    char *s = malloc(3 * n + 1), *o = s;
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = u[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (u[++i] - 0xDC00);
        } else if ((c >= 0xD800 && c <= 0xDFFF) || c == 0) {
            c = 0xFFFD;
        }
        if (c < 0x80) {
            *o++ = (char)c;
        } else if (c < 0x800) {
            *o++ = (char)(0xC0 | c >> 6);
            *o++ = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            *o++ = (char)(0xE0 | c >> 12);
            *o++ = (char)(0x80 | (c >> 6 & 0x3F));
            *o++ = (char)(0x80 | (c & 0x3F));
        } else {
            /* 4 bytes for 2 code units: still within 3 per unit */
            *o++ = (char)(0xF0 | c >> 18);
            *o++ = (char)(0x80 | (c >> 12 & 0x3F));
            *o++ = (char)(0x80 | (c >> 6 & 0x3F));
            *o++ = (char)(0x80 | (c & 0x3F));
        }
    }
    *o = '\0';
    return s;
}

/* A BMPString (big-endian UTF-16, PKCS#12 friendlyName) to UTF-8. */
static char *bmp_to_utf8(const uint8_t *p, size_t n)
{
    uint16_t *u = malloc((n / 2 + 1) * sizeof *u);
    if (u == NULL)
        return NULL;
    for (size_t i = 0; i < n / 2; i++)
        u[i] = (uint16_t)(p[2 * i] << 8 | p[2 * i + 1]);
    char *s = utf16_to_utf8(u, n / 2);
    free(u);
    return s;
}

/* Java's "modified UTF-8" (DataOutputStream.writeUTF: NUL as C0 80,
 * supplementary characters as two 3-byte surrogates) to UTF-8.
 * NULL in *out and -1 when malformed; -2 when out of memory. */
static int mutf8_to_utf8(const uint8_t *p, size_t n, char **out)
{
    uint16_t *u = malloc((n + 1) * sizeof *u);
    if (u == NULL)
        return -2;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        if (c < 0x80) {
            u[o++] = c;
            i++;
        } else if ((c & 0xE0) == 0xC0 && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
            u[o++] = (uint16_t)((c & 0x1F) << 6 | (p[i + 1] & 0x3F));
            i += 2;
        } else if ((c & 0xF0) == 0xE0 && i + 2 < n && (p[i + 1] & 0xC0) == 0x80
                   && (p[i + 2] & 0xC0) == 0x80) {
            u[o++] = (uint16_t)((c & 0x0F) << 12 | (p[i + 1] & 0x3F) << 6 | (p[i + 2] & 0x3F));
            i += 3;
        } else {
            free(u);
            *out = NULL;
            return -1;
        }
    }
    *out = utf16_to_utf8(u, o);
    free(u);
    return *out ? 0 : -2;
}

static int set_password(struct ks *k, const char *password)
{
    uint16_t *u;
    size_t n;
    int r = utf8_to_utf16(password ? password : "", &u, &n);
    if (r == -1)
        return fail(k, JXA_KS_EPASSWORD, "the password is not valid UTF-8; write it as UTF-8");
    if (r < 0)
        return nomem(k);
    k->password = password ? password : "";
    k->utf16 = malloc(2 * n + 2);
    k->bmp[0] = malloc(2 * n + 2);
    k->bmp[1] = malloc(2);
    if (!k->utf16 || !k->bmp[0] || !k->bmp[1]) {
        free(u);
        return nomem(k);
    }
    for (size_t i = 0; i < n; i++) {
        k->utf16[2 * i] = k->bmp[0][2 * i] = (uint8_t)(u[i] >> 8);
        k->utf16[2 * i + 1] = k->bmp[0][2 * i + 1] = (uint8_t)u[i];
    }
    memset(u, 0, n * sizeof *u);
    free(u);
    k->utf16len = 2 * n;
    k->bmp[0][2 * n] = k->bmp[0][2 * n + 1] = 0;
    k->bmplen[0] = n ? 2 * n + 2 : 0;
    k->bmp[1][0] = k->bmp[1][1] = 0;
    k->bmplen[1] = 2;
    k->nbmp = n ? 1 : 2;
    return 0;
}

/* --- algorithms ------------------------------------------------------ */

enum alg_kind { A_PBE12, A_PBES2, A_JKS, A_DIGEST, A_PRF, A_CIPHER, A_PBKDF2, A_NO };
enum cph { C_NONE, C_3DES, C_2DES, C_RC2, C_AES };

struct alg {
    const char *oid;
    size_t len;
    const char *name;
    enum alg_kind kind;
    mbedtls_md_type_t md;
    enum cph cph;
    unsigned keylen, ivlen;
};

#define OID(s) s, sizeof(s) - 1
#define PKCS "\x2a\x86\x48\x86\xf7\x0d\x01"
#define NIST "\x60\x86\x48\x01\x65\x03\x04"

static const struct alg algs[] = {
    {OID(PKCS "\x0c\x01\x03"), "pbeWithSHAAnd3-KeyTripleDES-CBC", A_PBE12, MBEDTLS_MD_SHA1, C_3DES, 24, 8},
    {OID(PKCS "\x0c\x01\x04"), "pbeWithSHAAnd2-KeyTripleDES-CBC", A_PBE12, MBEDTLS_MD_SHA1, C_2DES, 16, 8},
    {OID(PKCS "\x0c\x01\x05"), "pbeWithSHAAnd128BitRC2-CBC", A_PBE12, MBEDTLS_MD_SHA1, C_RC2, 16, 8},
    {OID(PKCS "\x0c\x01\x06"), "pbeWithSHAAnd40BitRC2-CBC", A_PBE12, MBEDTLS_MD_SHA1, C_RC2, 5, 8},
    {OID(PKCS "\x0c\x01\x01"), "pbeWithSHAAnd128BitRC4", A_NO, 0, 0, 0, 0},
    {OID(PKCS "\x0c\x01\x02"), "pbeWithSHAAnd40BitRC4", A_NO, 0, 0, 0, 0},
    {OID(PKCS "\x05\x0d"), "PBES2", A_PBES2, 0, 0, 0, 0},
    {OID(PKCS "\x05\x0c"), "PBKDF2", A_PBKDF2, 0, 0, 0, 0},
    {OID(PKCS "\x05\x0e"), "PBMAC1", A_NO, 0, 0, 0, 0},
    {OID(PKCS "\x05\x03"), "pbeWithMD5AndDES-CBC", A_NO, 0, 0, 0, 0},
    {OID(PKCS "\x05\x0a"), "pbeWithSHA1AndDES-CBC", A_NO, 0, 0, 0, 0},
    /* Sun's "JKS key protection" (sun.security.provider.KeyProtector) */
    {OID("\x2b\x06\x01\x04\x01\x2a\x02\x11\x01\x01"), "JKS key protection", A_JKS, MBEDTLS_MD_SHA1, 0, 0, 0},
    {OID("\x2b\x06\x01\x04\x01\x2a\x02\x13\x01"), "PBEWithMD5AndTripleDES (JCEKS)", A_NO, 0, 0, 0, 0},
    {OID("\x2b\x0e\x03\x02\x1a"), "SHA-1", A_DIGEST, MBEDTLS_MD_SHA1, 0, 0, 0},
    {OID(NIST "\x02\x04"), "SHA-224", A_DIGEST, MBEDTLS_MD_SHA224, 0, 0, 0},
    {OID(NIST "\x02\x01"), "SHA-256", A_DIGEST, MBEDTLS_MD_SHA256, 0, 0, 0},
    {OID(NIST "\x02\x02"), "SHA-384", A_DIGEST, MBEDTLS_MD_SHA384, 0, 0, 0},
    {OID(NIST "\x02\x03"), "SHA-512", A_DIGEST, MBEDTLS_MD_SHA512, 0, 0, 0},
    {OID("\x2a\x86\x48\x86\xf7\x0d\x02\x07"), "hmacWithSHA1", A_PRF, MBEDTLS_MD_SHA1, 0, 0, 0},
    {OID("\x2a\x86\x48\x86\xf7\x0d\x02\x08"), "hmacWithSHA224", A_PRF, MBEDTLS_MD_SHA224, 0, 0, 0},
    {OID("\x2a\x86\x48\x86\xf7\x0d\x02\x09"), "hmacWithSHA256", A_PRF, MBEDTLS_MD_SHA256, 0, 0, 0},
    {OID("\x2a\x86\x48\x86\xf7\x0d\x02\x0a"), "hmacWithSHA384", A_PRF, MBEDTLS_MD_SHA384, 0, 0, 0},
    {OID("\x2a\x86\x48\x86\xf7\x0d\x02\x0b"), "hmacWithSHA512", A_PRF, MBEDTLS_MD_SHA512, 0, 0, 0},
    {OID(NIST "\x01\x02"), "AES-128-CBC", A_CIPHER, 0, C_AES, 16, 16},
    {OID(NIST "\x01\x16"), "AES-192-CBC", A_CIPHER, 0, C_AES, 24, 16},
    {OID(NIST "\x01\x2a"), "AES-256-CBC", A_CIPHER, 0, C_AES, 32, 16},
    {OID("\x2a\x86\x48\x86\xf7\x0d\x03\x07"), "DES-EDE3-CBC", A_CIPHER, 0, C_3DES, 24, 8},
    {OID("\x2b\x0e\x03\x02\x07"), "DES-CBC", A_NO, 0, 0, 0, 0},
    {OID("\x2a\x86\x48\x86\xf7\x0d\x03\x02"), "RC2-CBC", A_NO, 0, 0, 0, 0},
    /* key algorithms, for messages */
    {OID(PKCS "\x01\x01"), "RSA", A_NO, 0, 0, 0, 0},
    {OID(PKCS "\x01\x0a"), "RSASSA-PSS", A_NO, 0, 0, 0, 0},
    {OID("\x2a\x86\x48\xce\x3d\x02\x01"), "EC", A_NO, 0, 0, 0, 0},
    {OID("\x2a\x86\x48\xce\x38\x04\x01"), "DSA", A_NO, 0, 0, 0, 0},
    {OID("\x2b\x65\x70"), "Ed25519", A_NO, 0, 0, 0, 0},
    {OID("\x2b\x65\x71"), "Ed448", A_NO, 0, 0, 0, 0},
};

static const struct alg *alg_find(struct span oid)
{
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (oid.n == algs[i].len && memcmp(oid.p, algs[i].oid, oid.n) == 0)
            return &algs[i];
    return NULL;
}

/* "name (1.2.3)" or "1.2.3" for messages. */
static const char *oid_text(struct span oid, char *buf, size_t n)
{
    char dotted[96];
    mbedtls_asn1_buf b = {.tag = MBEDTLS_ASN1_OID, .len = oid.n, .p = (unsigned char *)oid.p};
    if (mbedtls_oid_get_numeric_string(dotted, sizeof dotted, &b) < 0)
        snprintf(dotted, sizeof dotted, "an unreadable OID");
    const struct alg *a = alg_find(oid);
    if (a)
        snprintf(buf, n, "%s (%s)", a->name, dotted);
    else
        snprintf(buf, n, "%s", dotted);
    return buf;
}

/* --- DER ------------------------------------------------------------- */

struct der {
    unsigned char *p;
    const unsigned char *end;
};

#define SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define SET (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET)
#define CTX0 (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0)

static int der_get(struct ks *k, struct der *d, int tag, struct der *in, const char *what)
{
    size_t len;
    int r = mbedtls_asn1_get_tag(&d->p, d->end, &len, tag);
    if (r != 0)
        return corrupt(k, r, what);
    in->p = d->p;
    in->end = d->p + len;
    d->p += len;
    return 0;
}

static int der_span(struct ks *k, struct der *d, int tag, struct span *s, const char *what)
{
    struct der in = {0};
    int r = der_get(k, d, tag, &in, what);
    if (r == 0) {
        s->p = in.p;
        s->n = (size_t)(in.end - in.p);
    }
    return r;
}

/* The whole TLV (tag, length, content) of the next element. */
static int der_tlv(struct ks *k, struct der *d, int tag, struct span *s, const char *what)
{
    const uint8_t *start = d->p;
    struct der in = {0};
    int r = der_get(k, d, tag, &in, what);
    if (r == 0) {
        s->p = start;
        s->n = (size_t)(d->p - start);
    }
    return r;
}

static int der_int(struct ks *k, struct der *d, int *v, const char *what)
{
    int r = mbedtls_asn1_get_int(&d->p, d->end, v);
    return r ? corrupt(k, r, what) : 0;
}

/* AlgorithmIdentifier: the OID and the parameters' content. */
static int der_alg(struct ks *k, struct der *d, struct span *oid, struct der *params,
                   int *params_tag, const char *what)
{
    mbedtls_asn1_buf a, p;
    int r = mbedtls_asn1_get_alg(&d->p, d->end, &a, &p);
    if (r != 0)
        return corrupt(k, r, what);
    oid->p = a.p;
    oid->n = a.len;
    params->p = p.p;
    params->end = p.p ? p.p + p.len : NULL;
    *params_tag = p.tag;
    return 0;
}

/* --- key derivation and ciphers --------------------------------------- */

/* RFC 7292 appendix B.2: the PKCS#12 key derivation; id 1 = key, 2 = IV,
 * 3 = MAC key.  pw is the BMPString with its two-byte NUL. */
static int p12_kdf(mbedtls_md_type_t mdt, const uint8_t *pw, size_t pwlen, const uint8_t *salt,
                   size_t saltlen, uint8_t id, int iter, uint8_t *out, size_t outlen)
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(mdt);
    if (info == NULL)
        return -1;
    size_t u = mbedtls_md_get_size(info), v = u > 32 ? 128 : 64;
    size_t slen = v * ((saltlen + v - 1) / v), plen = v * ((pwlen + v - 1) / v);
    size_t ilen = slen + plen;
    uint8_t *I = malloc(ilen + 1), D[128], A[64], B[128];
    if (I == NULL)
        return -1;
    for (size_t i = 0; i < slen; i++)
        I[i] = salt[i % saltlen];
    for (size_t i = 0; i < plen; i++)
        I[slen + i] = pw[i % pwlen];
    memset(D, id, v);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int r = mbedtls_md_setup(&ctx, info, 0);
    for (size_t off = 0; r == 0 && off < outlen; off += u) {
        r = mbedtls_md_starts(&ctx) || mbedtls_md_update(&ctx, D, v)
            || mbedtls_md_update(&ctx, I, ilen) || mbedtls_md_finish(&ctx, A);
        for (int j = 1; r == 0 && j < iter; j++)
            r = mbedtls_md_starts(&ctx) || mbedtls_md_update(&ctx, A, u) || mbedtls_md_finish(&ctx, A);
        if (r != 0)
            break;
        memcpy(out + off, A, outlen - off < u ? outlen - off : u);
        for (size_t j = 0; j < v; j++)
            B[j] = A[j % u];
        /* I_j = (I_j + B + 1) mod 2^(8v), every v-byte block of I */
        for (size_t b = 0; b < ilen; b += v) {
            unsigned carry = 1;
            for (size_t j = v; j-- > 0;) {
                carry += I[b + j] + B[j];
                I[b + j] = (uint8_t)carry;
                carry >>= 8;
            }
        }
    }
    mbedtls_md_free(&ctx);
    memset(I, 0, ilen);
    free(I);
    memset(A, 0, sizeof A);
    return r ? -1 : 0;
}

/* RFC 8018 5.2 PBKDF2 with HMAC-<mdt>. */
static int pbkdf2(mbedtls_md_type_t mdt, const uint8_t *pw, size_t pwlen, const uint8_t *salt,
                  size_t saltlen, int iter, uint8_t *out, size_t outlen)
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(mdt);
    if (info == NULL)
        return -1;
    size_t u = mbedtls_md_get_size(info);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    uint8_t U[64], T[64];
    int r = mbedtls_md_setup(&ctx, info, 1) || mbedtls_md_hmac_starts(&ctx, pw, pwlen);
    for (uint32_t i = 1, off = 0; r == 0 && off < outlen; i++, off += (uint32_t)u) {
        uint8_t cnt[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
        r = mbedtls_md_hmac_reset(&ctx) || mbedtls_md_hmac_update(&ctx, salt, saltlen)
            || mbedtls_md_hmac_update(&ctx, cnt, 4) || mbedtls_md_hmac_finish(&ctx, U);
        memcpy(T, U, u);
        for (int j = 1; r == 0 && j < iter; j++) {
            r = mbedtls_md_hmac_reset(&ctx) || mbedtls_md_hmac_update(&ctx, U, u)
                || mbedtls_md_hmac_finish(&ctx, U);
            for (size_t x = 0; x < u; x++)
                T[x] ^= U[x];
        }
        memcpy(out + off, T, outlen - off < u ? outlen - off : u);
    }
    mbedtls_md_free(&ctx);
    memset(U, 0, sizeof U);
    memset(T, 0, sizeof T);
    return r ? -1 : 0;
}

/* CBC decryption in place, then the PKCS#5 padding off.  Returns 0, 1 when
 * the padding is wrong (a wrong password, almost always), -1 on error. */
static int cbc_decrypt(enum cph c, const uint8_t *key, unsigned keylen, uint8_t *iv,
                       uint8_t *buf, size_t *n)
{
    size_t bs = c == C_AES ? 16 : 8;
    if (*n == 0 || *n % bs != 0)
        return 1;
    int r = 0;
    if (c == C_AES) {
        mbedtls_aes_context a;
        mbedtls_aes_init(&a);
        r = mbedtls_aes_setkey_dec(&a, key, keylen * 8)
            || mbedtls_aes_crypt_cbc(&a, MBEDTLS_AES_DECRYPT, *n, iv, buf, buf);
        mbedtls_aes_free(&a);
    } else if (c == C_3DES || c == C_2DES) {
        mbedtls_des3_context d;
        mbedtls_des3_init(&d);
        r = (c == C_3DES ? mbedtls_des3_set3key_dec(&d, key) : mbedtls_des3_set2key_dec(&d, key))
            || mbedtls_des3_crypt_cbc(&d, MBEDTLS_DES_DECRYPT, *n, iv, buf, buf);
        mbedtls_des3_free(&d);
    } else if (c == C_RC2) {
        struct jxa_rc2 rc2;
        r = jxa_rc2_setkey(&rc2, key, keylen, keylen * 8) || jxa_rc2_cbc_decrypt(&rc2, iv, buf, *n);
        memset(&rc2, 0, sizeof rc2);
    } else {
        return -1;
    }
    if (r != 0)
        return -1;
    uint8_t pad = buf[*n - 1];
    if (pad == 0 || pad > bs)
        return 1;
    for (size_t i = 0; i < pad; i++)
        if (buf[*n - 1 - i] != pad)
            return 1;
    *n -= pad;
    return 0;
}

static int check_iterations(struct ks *k, int iter, const char *what)
{
    if (iter < 1 || iter > MAX_ITERATIONS)
        return fail(k, JXA_KS_EUNSUPPORTED,
                    "the %s asks for %d iterations, outside 1..%d (the JDK's limit); " REMAKE,
                    what, iter, MAX_ITERATIONS);
    return 0;
}

static int unsupported(struct ks *k, struct span oid, const char *what)
{
    char t[160];
    return fail(k, JXA_KS_EUNSUPPORTED, "the %s uses %s, which this agent does not read; " REEXPORT,
                what, oid_text(oid, t, sizeof t));
}

/* Decrypts ct, encrypted with the algorithm (oid, params) under the
 * password, into a buffer kept in k.  Returns 0, 1 when the password does
 * not fit (bad padding), or a negative JXA_KS_E* (error set). */
static int pbe_decrypt(struct ks *k, struct span oid, struct der params, int ptag,
                       struct span ct, struct span *out, const char *what)
{
    const struct alg *a = alg_find(oid);
    if (a == NULL || (a->kind != A_PBE12 && a->kind != A_PBES2))
        return unsupported(k, oid, what);
    if (ptag != SEQ || params.p == NULL)
        return corrupt(k, MBEDTLS_ERR_ASN1_UNEXPECTED_TAG, what);
    uint8_t key[32], iv[16];
    const struct alg *cipher = a;
    int rc;
    uint8_t *buf = malloc(ct.n + 1);
    if (buf == NULL)
        return nomem(k);
    size_t n = ct.n;

    if (a->kind == A_PBE12) {
        /* PKCS#12 PBE parameters: SEQUENCE { salt OCTET STRING, iterations INTEGER } */
        struct span salt;
        int iter;
        if ((rc = der_span(k, &params, MBEDTLS_ASN1_OCTET_STRING, &salt, what)) != 0
            || (rc = der_int(k, &params, &iter, what)) != 0
            || (rc = check_iterations(k, iter, what)) != 0)
            goto out;
        rc = 1;
        for (int f = 0; f < k->nbmp && rc == 1; f++) {
            memcpy(buf, ct.p, ct.n);
            n = ct.n;
            if (p12_kdf(a->md, k->bmp[f], k->bmplen[f], salt.p, salt.n, 1, iter, key, a->keylen)
                || p12_kdf(a->md, k->bmp[f], k->bmplen[f], salt.p, salt.n, 2, iter, iv, a->ivlen)) {
                rc = nomem(k);
                goto out;
            }
            rc = cbc_decrypt(a->cph, key, a->keylen, iv, buf, &n);
        }
    } else {
        /* PBES2-params ::= SEQUENCE { keyDerivationFunc, encryptionScheme } */
        struct span kdf_oid, enc_oid, salt;
        struct der kdf, enc;
        int kdf_tag, enc_tag, iter, keylen = -1;
        mbedtls_md_type_t prf = MBEDTLS_MD_SHA1;     /* the DEFAULT of RFC 8018 */
        if ((rc = der_alg(k, &params, &kdf_oid, &kdf, &kdf_tag, what)) != 0
            || (rc = der_alg(k, &params, &enc_oid, &enc, &enc_tag, what)) != 0)
            goto out;
        const struct alg *ka = alg_find(kdf_oid);
        if (ka == NULL || ka->kind != A_PBKDF2) {
            rc = unsupported(k, kdf_oid, what);
            goto out;
        }
        cipher = alg_find(enc_oid);
        if (cipher == NULL || cipher->kind != A_CIPHER) {
            rc = unsupported(k, enc_oid, what);
            goto out;
        }
        if (kdf_tag != SEQ || kdf.p == NULL) {
            rc = corrupt(k, MBEDTLS_ERR_ASN1_UNEXPECTED_TAG, what);
            goto out;
        }
        /* PBKDF2-params ::= SEQUENCE { salt OCTET STRING (the otherSource
         * choice is never written), iterationCount, keyLength OPTIONAL,
         * prf DEFAULT hmacWithSHA1 } */
        if ((rc = der_span(k, &kdf, MBEDTLS_ASN1_OCTET_STRING, &salt, what)) != 0
            || (rc = der_int(k, &kdf, &iter, what)) != 0
            || (rc = check_iterations(k, iter, what)) != 0)
            goto out;
        if (kdf.p < kdf.end && *kdf.p == MBEDTLS_ASN1_INTEGER
            && (rc = der_int(k, &kdf, &keylen, what)) != 0)
            goto out;
        if (kdf.p < kdf.end) {
            struct span prf_oid;
            struct der prf_params;
            int prf_tag;
            if ((rc = der_alg(k, &kdf, &prf_oid, &prf_params, &prf_tag, what)) != 0)
                goto out;
            const struct alg *pa = alg_find(prf_oid);
            if (pa == NULL || pa->kind != A_PRF) {
                rc = unsupported(k, prf_oid, what);
                goto out;
            }
            prf = pa->md;
        }
        if (keylen != -1 && keylen != (int)cipher->keylen) {
            rc = corrupt(k, MBEDTLS_ERR_ASN1_INVALID_DATA, what);
            goto out;
        }
        struct span ivs;
        if (enc_tag != MBEDTLS_ASN1_OCTET_STRING || enc.p == NULL
            || (size_t)(enc.end - enc.p) != cipher->ivlen) {
            rc = corrupt(k, MBEDTLS_ERR_ASN1_INVALID_DATA, what);
            goto out;
        }
        ivs.p = enc.p;
        ivs.n = cipher->ivlen;
        /* The JDK's PBKDF2 takes the password's UTF-8 bytes
         * (PBKDF2KeyImpl), as OpenSSL does. */
        if (pbkdf2(prf, (const uint8_t *)k->password, strlen(k->password), salt.p, salt.n,
                   iter, key, cipher->keylen)) {
            rc = nomem(k);
            goto out;
        }
        memcpy(iv, ivs.p, ivs.n);
        memcpy(buf, ct.p, ct.n);
        rc = cbc_decrypt(cipher->cph, key, cipher->keylen, iv, buf, &n);
    }
    if (rc < 0) {
        rc = nomem(k);
    } else if (rc == 0) {
        out->p = buf;
        out->n = n;
        buf = NULL;
        rc = keep(k, (uint8_t *)out->p);
    }
out:
    memset(key, 0, sizeof key);
    if (buf) {
        memset(buf, 0, ct.n);
        free(buf);
    }
    return rc;
}

/* The JDK's JKS key protection (KeyProtector): data is salt(20) |
 * key XOR stream | SHA-1(password | key), where the stream is
 * D1 | D2 | ... with D1 = SHA-1(password | salt), Di = SHA-1(password |
 * D(i-1)), and password the UTF-16BE of its chars.  Returns 0, 1 when the
 * check digest does not match, or a negative JXA_KS_E*. */
static int jks_unprotect(struct ks *k, struct span data, struct span *out, const char *what)
{
    if (data.n < 40)
        return corrupt(k, MBEDTLS_ERR_ASN1_OUT_OF_DATA, what);
    size_t n = data.n - 40;
    uint8_t *buf = malloc(n + 1), d[20];
    if (buf == NULL)
        return nomem(k);
    const mbedtls_md_info_t *sha1 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int r = mbedtls_md_setup(&ctx, sha1, 0);
    memcpy(d, data.p, 20);
    for (size_t off = 0; r == 0 && off < n; off += 20) {
        r = mbedtls_md_starts(&ctx) || mbedtls_md_update(&ctx, k->utf16, k->utf16len)
            || mbedtls_md_update(&ctx, d, 20) || mbedtls_md_finish(&ctx, d);
        for (size_t i = 0; i < 20 && off + i < n; i++)
            buf[off + i] = data.p[20 + off + i] ^ d[i];
    }
    if (r == 0)
        r = mbedtls_md_starts(&ctx) || mbedtls_md_update(&ctx, k->utf16, k->utf16len)
            || mbedtls_md_update(&ctx, buf, n) || mbedtls_md_finish(&ctx, d);
    mbedtls_md_free(&ctx);
    if (r != 0) {
        free(buf);
        return nomem(k);
    }
    if (!ct_equal(d, data.p + 20 + n, 20) && INTEGRITY_MATTERS) {
        memset(buf, 0, n);
        free(buf);
        return 1;
    }
    out->p = buf;
    out->n = n;
    return keep(k, buf);
}

/* An EncryptedPrivateKeyInfo to its PrivateKeyInfo.  0, 1 (password), <0. */
static int decrypt_key(struct ks *k, struct span epki, struct span *out, const char *what)
{
    struct der d = {(unsigned char *)epki.p, epki.p + epki.n}, in, params;
    struct span oid, ct;
    int ptag, r;
    if ((r = der_get(k, &d, SEQ, &in, what)) != 0
        || (r = der_alg(k, &in, &oid, &params, &ptag, what)) != 0
        || (r = der_span(k, &in, MBEDTLS_ASN1_OCTET_STRING, &ct, what)) != 0)
        return r;
    const struct alg *a = alg_find(oid);
    if (a && a->kind == A_JKS)
        return jks_unprotect(k, ct, out, what);
    return pbe_decrypt(k, oid, params, ptag, ct, out, what);
}

/* --- the entry list -------------------------------------------------- */

static struct entry *add_entry(struct ks *k, char *alias, enum ent_kind kind)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 8;
        struct entry *e = realloc(k->e, cap * sizeof *e);
        if (e == NULL) {
            free(alias);
            nomem(k);
            return NULL;
        }
        k->e = e;
        k->cap = cap;
    }
    struct entry *e = &k->e[k->n++];
    memset(e, 0, sizeof *e);
    printable(alias);
    e->alias = alias;
    e->kind = kind;
    return e;
}

/* The JDK names an entry without a friendlyName "1", "2", ... in order. */
static char *unfriendly_name(struct ks *k)
{
    char b[16];
    snprintf(b, sizeof b, "%u", ++k->unnamed);
    return strdup(b);
}

/* --- PKCS#12 --------------------------------------------------------- */

static const char OID_DATA[] = PKCS "\x07\x01";
static const char OID_ENCRYPTED_DATA[] = PKCS "\x07\x06";
static const char OID_KEY_BAG[] = PKCS "\x0c\x0a\x01\x01";
static const char OID_SHROUDED_KEY_BAG[] = PKCS "\x0c\x0a\x01\x02";
static const char OID_CERT_BAG[] = PKCS "\x0c\x0a\x01\x03";
static const char OID_X509_CERT[] = PKCS "\x09\x16\x01";
static const char OID_FRIENDLY_NAME[] = PKCS "\x09\x14";
static const char OID_LOCAL_KEY_ID[] = PKCS "\x09\x15";
/* Oracle's trustedKeyUsage (2.16.840.1.113894.746875.1.1): keytool marks
 * a trusted-certificate entry with it; a certificate bag without it is not
 * an entry of its own for the JDK. */
static const char OID_TRUSTED_KEY_USAGE[] = "\x60\x86\x48\x01\x86\xf9\x66\xad\xca\x7b\x01\x01";

#define OID_IS(s, o) ((s).n == sizeof(o) - 1 && memcmp((s).p, (o), (s).n) == 0)

static int p12_check_mac(struct ks *k, struct der *pfx, struct span authsafe)
{
    struct der mac, di, params;
    struct span oid, digest, salt;
    int ptag, iter = 1, r;
    if ((r = der_get(k, pfx, SEQ, &mac, "PKCS#12 MAC data")) != 0
        || (r = der_get(k, &mac, SEQ, &di, "PKCS#12 MAC data")) != 0
        || (r = der_alg(k, &di, &oid, &params, &ptag, "PKCS#12 MAC data")) != 0
        || (r = der_span(k, &di, MBEDTLS_ASN1_OCTET_STRING, &digest, "PKCS#12 MAC data")) != 0
        || (r = der_span(k, &mac, MBEDTLS_ASN1_OCTET_STRING, &salt, "PKCS#12 MAC data")) != 0)
        return r;
    if (mac.p < mac.end && (r = der_int(k, &mac, &iter, "PKCS#12 MAC data")) != 0)
        return r;
    /* A digest's parameters are NULL or absent (RFC 5754); checked
     * because the MAC does not cover them. */
    if (params.p && (ptag != MBEDTLS_ASN1_NULL || params.end != params.p))
        return corrupt(k, MBEDTLS_ERR_ASN1_UNEXPECTED_TAG, "PKCS#12 MAC data");
    const struct alg *a = alg_find(oid);
    if (a == NULL || a->kind != A_DIGEST)
        return unsupported(k, oid, "keystore's integrity check (MAC)");
    if ((r = check_iterations(k, iter, "keystore's integrity check (MAC)")) != 0)
        return r;
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(a->md);
    size_t u = mbedtls_md_get_size(info);
    if (digest.n != u)
        return corrupt(k, MBEDTLS_ERR_ASN1_INVALID_LENGTH, "PKCS#12 MAC data");
    uint8_t key[64], out[64];
    for (int f = 0; f < k->nbmp; f++) {
        if (p12_kdf(a->md, k->bmp[f], k->bmplen[f], salt.p, salt.n, 3, iter, key, u)
            || mbedtls_md_hmac(info, key, u, authsafe.p, authsafe.n, out))
            return nomem(k);
        if (ct_equal(out, digest.p, u) || !INTEGRITY_MATTERS) {
            if (f == 1) {
                /* the form that fits decrypts the rest */
                uint8_t *t = k->bmp[0];
                k->bmp[0] = k->bmp[1];
                k->bmp[1] = t;
                size_t tl = k->bmplen[0];
                k->bmplen[0] = k->bmplen[1];
                k->bmplen[1] = tl;
            }
            k->nbmp = 1;
            return 0;
        }
    }
    char mac_name[16];          /* the JDK's name: HmacPBESHA256 */
    size_t o = 0;
    for (const char *c = a->name; *c && o + 1 < sizeof mac_name; c++)
        if (*c != '-')
            mac_name[o++] = *c;
    mac_name[o] = '\0';
    return fail(k, JXA_KS_EPASSWORD,
                "wrong password: the keystore's integrity check (HmacPBE%s) does not match; give the "
                "password the keystore was made with (keytool -storepass), or copy the file again "
                "if it was altered", mac_name);
}

static const struct span KEYID_01 = {(const uint8_t *)"01", 2};

static int p12_bag(struct ks *k, struct der *bag, bool first_in_contents)
{
    struct span bag_id, alias_bmp = {0}, keyid = {0};
    struct der value, val;
    bool trusted = false, named = false;
    int r;
    if ((r = der_span(k, bag, MBEDTLS_ASN1_OID, &bag_id, "PKCS#12 SafeBag")) != 0
        || (r = der_get(k, bag, CTX0, &val, "PKCS#12 SafeBag")) != 0)
        return r;
    value = val;
    if (bag->p < bag->end) {
        struct der attrs;
        if ((r = der_get(k, bag, SET, &attrs, "PKCS#12 bag attributes")) != 0)
            return r;
        while (attrs.p < attrs.end) {
            struct der attr, vals;
            struct span attr_id;
            if ((r = der_get(k, &attrs, SEQ, &attr, "PKCS#12 bag attribute")) != 0
                || (r = der_span(k, &attr, MBEDTLS_ASN1_OID, &attr_id, "PKCS#12 bag attribute")) != 0
                || (r = der_get(k, &attr, SET, &vals, "PKCS#12 bag attribute")) != 0)
                return r;
            if (OID_IS(attr_id, OID_FRIENDLY_NAME)) {
                if ((r = der_span(k, &vals, MBEDTLS_ASN1_BMP_STRING, &alias_bmp, "friendlyName")) != 0)
                    return r;
                named = true;
            } else if (OID_IS(attr_id, OID_LOCAL_KEY_ID)) {
                if ((r = der_span(k, &vals, MBEDTLS_ASN1_OCTET_STRING, &keyid, "localKeyId")) != 0)
                    return r;
            } else if (OID_IS(attr_id, OID_TRUSTED_KEY_USAGE)) {
                trusted = true;
            }
        }
    }
    char *alias = NULL;
    if (named && (alias = bmp_to_utf8(alias_bmp.p, alias_bmp.n)) == NULL)
        return nomem(k);
    if (alias)
        printable(alias);

    if (OID_IS(bag_id, OID_KEY_BAG) || OID_IS(bag_id, OID_SHROUDED_KEY_BAG)) {
        struct span key;
        if ((r = der_tlv(k, &value, SEQ, &key, "PKCS#12 key bag")) != 0) {
            free(alias);
            return r;
        }
        k->p12keys++;
        /* The JDK pairs a key without a localKeyId with its certificate
         * only when it is the first key; later ones it drops. */
        if (keyid.n == 0) {
            if (k->p12keys != 1) {
                free(alias);
                return 0;
            }
            keyid = KEYID_01;
        }
        if (alias == NULL && (alias = unfriendly_name(k)) == NULL)
            return nomem(k);
        struct entry *e = add_entry(k, alias, ENT_KEY);
        if (e == NULL)
            return k->rc;
        e->plain = OID_IS(bag_id, OID_KEY_BAG);
        e->key = key;
        e->keyid = keyid;
        return 0;
    }
    if (OID_IS(bag_id, OID_CERT_BAG)) {
        struct der cb;
        struct span cert_id, der;
        struct der wrapped;
        if ((r = der_get(k, &value, SEQ, &cb, "PKCS#12 certificate bag")) != 0
            || (r = der_span(k, &cb, MBEDTLS_ASN1_OID, &cert_id, "PKCS#12 certificate bag")) != 0
            || (r = der_get(k, &cb, CTX0, &wrapped, "PKCS#12 certificate bag")) != 0
            || (r = der_span(k, &wrapped, MBEDTLS_ASN1_OCTET_STRING, &der, "PKCS#12 certificate bag")) != 0) {
            free(alias);
            return r;
        }
        if (!OID_IS(cert_id, OID_X509_CERT)) {
            free(alias);
            return unsupported(k, cert_id, "certificate bag");
        }
        if (keyid.n == 0 && k->p12keys == 1 && first_in_contents)
            keyid = KEYID_01;
        if (trusted) {
            char *ta = alias ? strdup(alias) : unfriendly_name(k);
            if (ta == NULL) {
                free(alias);
                return nomem(k);
            }
            struct entry *e = add_entry(k, ta, ENT_CERT);
            if (e == NULL) {
                free(alias);
                return k->rc;
            }
            e->cert = der;
        }
        if (k->ncerts == k->certcap) {
            size_t cap = k->certcap ? 2 * k->certcap : 8;
            struct p12cert *c = realloc(k->certs, cap * sizeof *c);
            if (c == NULL) {
                free(alias);
                return nomem(k);
            }
            k->certs = c;
            k->certcap = cap;
        }
        k->certs[k->ncerts++] = (struct p12cert){der, keyid, alias};
        return 0;
    }
    /* secretBag, crlBag, nested safeContentsBag: nothing TLS uses; the JDK
     * skips the last two as well. */
    free(alias);
    return 0;
}

static int p12_safe_contents(struct ks *k, struct span sc)
{
    struct der d = {(unsigned char *)sc.p, sc.p + sc.n}, bags;
    int r = der_get(k, &d, SEQ, &bags, "PKCS#12 SafeContents");
    for (bool first = true; r == 0 && bags.p < bags.end; first = false) {
        struct der bag;
        if ((r = der_get(k, &bags, SEQ, &bag, "PKCS#12 SafeBag")) == 0)
            r = p12_bag(k, &bag, first);
    }
    return r;
}

static int p12_parse(struct ks *k, const uint8_t *data, size_t len)
{
    struct der top = {(unsigned char *)data, data + len}, pfx, ci, content, asafe;
    struct span ctype, authsafe;
    int version, r;
    if (len >= 2 && data[1] == 0x80)
        return fail(k, JXA_KS_EUNSUPPORTED,
                    "PKCS#12 in BER indefinite-length form, which this agent does not read; "
                    "re-export it with keytool -importkeystore or openssl pkcs12 (both write DER)");
    if ((r = der_get(k, &top, SEQ, &pfx, "PKCS#12 PFX")) != 0
        || (r = der_int(k, &pfx, &version, "PKCS#12 PFX")) != 0)
        return r;
    if (version != 3)
        return fail(k, JXA_KS_EUNSUPPORTED, "PKCS#12 version %d, not 3; " REEXPORT, version);
    if ((r = der_get(k, &pfx, SEQ, &ci, "PKCS#12 authSafe")) != 0
        || (r = der_span(k, &ci, MBEDTLS_ASN1_OID, &ctype, "PKCS#12 authSafe")) != 0)
        return r;
    if (!OID_IS(ctype, OID_DATA))
        return fail(k, JXA_KS_EUNSUPPORTED,
                    "a PKCS#12 keystore protected by a public key, not a password, which the JDK "
                    "does not read either; re-export it with a password (openssl pkcs12 -export)");
    if ((r = der_get(k, &ci, CTX0, &content, "PKCS#12 authSafe")) != 0
        || (r = der_span(k, &content, MBEDTLS_ASN1_OCTET_STRING, &authsafe, "PKCS#12 authSafe")) != 0)
        return r;
    /* The MAC covers the authSafe bytes: check it before reading them, so
     * that a wrong password is reported as such. */
    if (pfx.p < pfx.end && (r = p12_check_mac(k, &pfx, authsafe)) != 0)
        return r;
    struct der as = {(unsigned char *)authsafe.p, authsafe.p + authsafe.n};
    if ((r = der_get(k, &as, SEQ, &asafe, "PKCS#12 AuthenticatedSafe")) != 0)
        return r;
    while (asafe.p < asafe.end) {
        struct der info, c0;
        struct span type, sc;
        if ((r = der_get(k, &asafe, SEQ, &info, "PKCS#12 ContentInfo")) != 0
            || (r = der_span(k, &info, MBEDTLS_ASN1_OID, &type, "PKCS#12 ContentInfo")) != 0
            || (r = der_get(k, &info, CTX0, &c0, "PKCS#12 ContentInfo")) != 0)
            return r;
        if (OID_IS(type, OID_DATA)) {
            if ((r = der_span(k, &c0, MBEDTLS_ASN1_OCTET_STRING, &sc, "PKCS#12 ContentInfo")) != 0
                || (r = p12_safe_contents(k, sc)) != 0)
                return r;
        } else if (OID_IS(type, OID_ENCRYPTED_DATA)) {
            /* EncryptedData ::= SEQUENCE { version, EncryptedContentInfo
             * { contentType, contentEncryptionAlgorithm,
             *   encryptedContent [0] IMPLICIT OCTET STRING } } */
            struct der ed, eci, params;
            struct span ct_type, alg, ct;
            int ed_version, ptag;
            const char *what = "encryption of the certificates";
            if ((r = der_get(k, &c0, SEQ, &ed, "PKCS#12 EncryptedData")) != 0
                || (r = der_int(k, &ed, &ed_version, "PKCS#12 EncryptedData")) != 0
                || (r = der_get(k, &ed, SEQ, &eci, "PKCS#12 EncryptedData")) != 0
                || (r = der_span(k, &eci, MBEDTLS_ASN1_OID, &ct_type, "PKCS#12 EncryptedData")) != 0
                || (r = der_alg(k, &eci, &alg, &params, &ptag, "PKCS#12 EncryptedData")) != 0
                || (r = der_span(k, &eci, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0, &ct,
                                 "PKCS#12 EncryptedData")) != 0)
                return r;
            r = pbe_decrypt(k, alg, params, ptag, ct, &sc, what);
            if (r == 1)
                return fail(k, JXA_KS_EPASSWORD,
                            "wrong password: the certificates do not decrypt with it; give the "
                            "password the keystore was made with (keytool -storepass)");
            if (r != 0 || (r = p12_safe_contents(k, sc)) != 0)
                return r;
        } else {
            char t[160];
            return fail(k, JXA_KS_EUNSUPPORTED,
                        "a PKCS#12 part of type %s, which neither the JDK nor this agent reads; " REEXPORT,
                        oid_text(type, t, sizeof t));
        }
    }
    return 0;
}

/* --- JKS ------------------------------------------------------------- */

struct rd {
    const uint8_t *p, *end;
};

static int rd_need(struct ks *k, struct rd *d, size_t n, const char *what)
{
    if ((size_t)(d->end - d->p) < n)
        return fail(k, JXA_KS_ECORRUPT,
                    "truncated inside %s; copy the file again or " REMAKE, what);
    return 0;
}

static int rd_u32(struct ks *k, struct rd *d, uint32_t *v, const char *what)
{
    int r = rd_need(k, d, 4, what);
    if (r == 0) {
        *v = (uint32_t)d->p[0] << 24 | (uint32_t)d->p[1] << 16 | (uint32_t)d->p[2] << 8 | d->p[3];
        d->p += 4;
    }
    return r;
}

/* Java's readInt() then readExactlyNBytes(): a negative length is corrupt. */
static int rd_block(struct ks *k, struct rd *d, struct span *s, const char *what)
{
    uint32_t n;
    int r = rd_u32(k, d, &n, what);
    if (r != 0)
        return r;
    if (n > INT32_MAX)
        return fail(k, JXA_KS_ECORRUPT, "corrupt %s (length %d); copy the file again or " REMAKE,
                    what, (int32_t)n);
    if ((r = rd_need(k, d, n, what)) != 0)
        return r;
    s->p = d->p;
    s->n = n;
    d->p += n;
    return 0;
}

/* DataInputStream.readUTF(): a 2-byte length and modified UTF-8. */
static int rd_utf(struct ks *k, struct rd *d, char **s, const char *what)
{
    int r = rd_need(k, d, 2, what);
    if (r != 0)
        return r;
    size_t n = (size_t)d->p[0] << 8 | d->p[1];
    d->p += 2;
    if ((r = rd_need(k, d, n, what)) != 0)
        return r;
    r = mutf8_to_utf8(d->p, n, s);
    d->p += n;
    if (r == -2)
        return nomem(k);
    if (r != 0)
        return fail(k, JXA_KS_ECORRUPT, "corrupt %s (not modified UTF-8); " REMAKE, what);
    return 0;
}

/* Version 2 stores the certificate type before each certificate. */
static int rd_cert(struct ks *k, struct rd *d, uint32_t version, struct span *der, const char *what)
{
    int r;
    if (version == 2) {
        char *type;
        if ((r = rd_utf(k, d, &type, what)) != 0)
            return r;
        if (strcmp(type, "X.509") != 0) {
            fail(k, JXA_KS_EUNSUPPORTED,
                 "%s is of type '%.40s', not X.509, which this agent does not read; " REEXPORT,
                 what, type);
            free(type);
            return k->rc;
        }
        free(type);
    }
    return rd_block(k, d, der, what);
}

#define JKS_MAGIC 0xFEEDFEEDu
#define JCEKS_MAGIC 0xCECECECEu

static int jks_parse(struct ks *k, const uint8_t *data, size_t len)
{
    struct rd d = {data, data + len};
    uint32_t magic, version, count;
    int r;
    if ((r = rd_u32(k, &d, &magic, "the JKS header")) != 0
        || (r = rd_u32(k, &d, &version, "the JKS header")) != 0)
        return r;
    if (version != 1 && version != 2)
        return fail(k, JXA_KS_EUNSUPPORTED, "JKS version %u, not 1 or 2; " REEXPORT, version);
    if ((r = rd_u32(k, &d, &count, "the JKS header")) != 0)
        return r;
    /* Java's loop `for (i = 0; i < count; i++)` on a negative int count
     * reads no entry. */
    for (uint32_t i = 0; i < count && count <= INT32_MAX; i++) {
        char what[64];
        uint32_t tag;
        char *alias;
        snprintf(what, sizeof what, "JKS entry %u", i + 1);
        if ((r = rd_u32(k, &d, &tag, what)) != 0)
            return r;
        if (tag != 1 && tag != 2)
            return fail(k, JXA_KS_ECORRUPT, "corrupt %s (tag %u); copy the file again or " REMAKE,
                        what, tag);
        if ((r = rd_utf(k, &d, &alias, what)) != 0)
            return r;
        struct entry *e = add_entry(k, alias, tag == 1 ? ENT_KEY : ENT_CERT);
        if (e == NULL)
            return k->rc;
        snprintf(what, sizeof what, "JKS entry '%.40s'", alias);
        if ((r = rd_need(k, &d, 8, what)) != 0)    /* the creation date */
            return r;
        d.p += 8;
        if (tag == 2) {
                if ((r = rd_cert(k, &d, version, &e->cert, what)) != 0)
                    return r;
                continue;
            }
        uint32_t ncerts;
        if ((r = rd_block(k, &d, &e->key, what)) != 0
            || (r = rd_u32(k, &d, &ncerts, what)) != 0)
            return r;
        for (uint32_t j = 0; j < ncerts && ncerts <= INT32_MAX; j++) {
            if (e->nchain % 4 == 0) {
                struct span *c = realloc(e->chain, (e->nchain + 4) * sizeof *c);
                if (c == NULL)
                    return nomem(k);
                e->chain = c;
            }
            if ((r = rd_cert(k, &d, version, &e->chain[e->nchain], what)) != 0)
                return r;
            e->nchain++;
        }
    }
    /* The keyed digest: SHA-1(password as UTF-16BE | "Mighty Aphrodite" |
     * everything before it), JavaKeyStore.getPreKeyedHash(). */
    if ((r = rd_need(k, &d, 20, "the JKS integrity digest")) != 0)
        return r;
    uint8_t md[20];
    const mbedtls_md_info_t *sha1 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    r = mbedtls_md_setup(&ctx, sha1, 0) || mbedtls_md_starts(&ctx)
        || mbedtls_md_update(&ctx, k->utf16, k->utf16len)
        || mbedtls_md_update(&ctx, (const uint8_t *)"Mighty Aphrodite", 16)
        || mbedtls_md_update(&ctx, data, (size_t)(d.p - data)) || mbedtls_md_finish(&ctx, md);
    mbedtls_md_free(&ctx);
    if (r != 0)
        return nomem(k);
    if (!ct_equal(md, d.p, 20) && INTEGRITY_MATTERS)
        return fail(k, JXA_KS_EPASSWORD,
                    "wrong password: the keystore's integrity digest does not match; give the password "
                    "the keystore was made with (keytool -storepass), or copy the file again if it "
                    "was altered");
    return 0;
}

/* --- answering the caller -------------------------------------------- */

#if MBEDTLS_VERSION_MAJOR >= 3
/* mbedTLS 3 wants a random generator to parse and check a key (blinding). */
static int os_rng(void *ctx, unsigned char *out, size_t n)
{
    (void)ctx;
    while (n > 0) {
        ssize_t r = getrandom(out, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        out += r;
        n -= (size_t)r;
    }
    return 0;
}
#define PK_PARSE(pk, b, n) mbedtls_pk_parse_key((pk), (b), (n), NULL, 0, os_rng, NULL)
#define PK_CHECK(pub, prv) mbedtls_pk_check_pair((pub), (prv), os_rng, NULL)
#else
#define PK_PARSE(pk, b, n) mbedtls_pk_parse_key((pk), (b), (n), NULL, 0)
#define PK_CHECK(pub, prv) mbedtls_pk_check_pair((pub), (prv))
#endif

static void ks_free(struct ks *k)
{
    for (size_t i = 0; i < k->n; i++) {
        free(k->e[i].alias);
        free(k->e[i].chain);
    }
    free(k->e);
    for (size_t i = 0; i < k->ncerts; i++)
        free(k->certs[i].alias);
    free(k->certs);
    for (size_t i = 0; i < k->nbufs; i++)
        free(k->bufs[i]);      /* decrypted keys are wiped where they are used */
    free(k->bufs);
    if (k->utf16) {
        memset(k->utf16, 0, k->utf16len);
        free(k->utf16);
    }
    for (int i = 0; i < 2; i++) {
        if (k->bmp[i]) {
            memset(k->bmp[i], 0, k->bmplen[i]);
            free(k->bmp[i]);
        }
    }
}

static int ks_parse(struct ks *k, const uint8_t *data, size_t len)
{
    if (len == 0)
        return fail(k, JXA_KS_ECORRUPT, "the file is empty; copy it again or " REMAKE);
    uint32_t magic = len >= 4 ? (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16
                                    | (uint32_t)data[2] << 8 | data[3] : 0;
    static const uint8_t jks[4] = {0xFE, 0xED, 0xFE, 0xED};
    if (magic == JKS_MAGIC || (len < 4 && memcmp(data, jks, len) == 0))
        return jks_parse(k, data, len);
    if (magic == JCEKS_MAGIC)
        return fail(k, JXA_KS_EUNSUPPORTED,
                    "a JCEKS keystore, which this agent does not read; convert it: keytool "
                    "-importkeystore -srckeystore FILE -srcstoretype jceks -destkeystore NEW.p12 "
                    "-deststoretype pkcs12");
    if (data[0] == 0x30)
        return p12_parse(k, data, len);
    if (len >= 10 && memcmp(data, "-----BEGIN", 10) == 0)
        return fail(k, JXA_KS_EUNSUPPORTED,
                    "a PEM file, not a keystore; make a PKCS#12 keystore of the key and certificate: "
                    "openssl pkcs12 -export -in cert.pem -inkey key.pem -name ALIAS -out keystore.p12");
    return fail(k, JXA_KS_ECORRUPT,
                "neither a PKCS#12 nor a JKS keystore (it starts with %02x %02x %02x %02x); is it "
                "the right file?", data[0], len > 1 ? data[1] : 0, len > 2 ? data[2] : 0,
                len > 3 ? data[3] : 0);
}

/* "'a', 'b'" of the entries of one kind, or "none". */
static void list_aliases(const struct ks *k, enum ent_kind kind, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < k->n && o < n; i++) {
        if (k->e[i].kind != kind)
            continue;
        int m = snprintf(buf + o, n - o, "%s'%s'", o ? ", " : "", k->e[i].alias);
        if (m < 0)
            break;
        o += (size_t)m;
    }
    if (o == 0)
        snprintf(buf, n, "none");
}

/* The JDK's PKCS12KeyStore.findMatchedCertificate(): the certificate with
 * the key's localKeyId (best: with its alias too), else one with its alias. */
static const struct p12cert *p12_leaf(const struct ks *k, const struct entry *e)
{
    const struct p12cert *by_id = NULL, *by_alias = NULL;
    for (size_t i = 0; i < k->ncerts; i++) {
        const struct p12cert *c = &k->certs[i];
        bool alias_eq = c->alias && strcasecmp(c->alias, e->alias) == 0;
        if (e->keyid.n && span_eq(c->keyid, e->keyid)) {
            if (alias_eq)
                return c;
            if (by_id == NULL)
                by_id = c;
        } else if (alias_eq && by_alias == NULL) {
            by_alias = c;
        }
    }
    return by_id ? by_id : by_alias;
}

static bool raw_eq(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* A PKCS#12 key's chain, as the JDK builds it at load: its certificate,
 * then the certificate whose subject is the last one's issuer, up to a
 * self-signed one, a loop or a missing issuer.  (The JDK prefers an
 * issuer whose subject key identifier matches; a store with two CAs of
 * the same name is the only case where that differs.)  *chain is
 * malloc'd; n is 0 when the key has no certificate. */
static int p12_chain(struct ks *k, const struct entry *e, struct span **chain, size_t *n)
{
    *chain = NULL;
    *n = 0;
    const struct p12cert *leaf = p12_leaf(k, e);
    if (leaf == NULL)
        return 0;
    struct span *c = malloc(k->ncerts * sizeof *c);
    mbedtls_x509_crt *parsed = malloc(k->ncerts * sizeof *parsed);
    bool *ok = calloc(k->ncerts, sizeof *ok), *used = calloc(k->ncerts, sizeof *used);
    if (!c || !parsed || !ok || !used) {
        free(c);
        free(parsed);
        free(ok);
        free(used);
        return nomem(k);
    }
    for (size_t i = 0; i < k->ncerts; i++) {
        mbedtls_x509_crt_init(&parsed[i]);
        ok[i] = mbedtls_x509_crt_parse_der(&parsed[i], k->certs[i].der.p, k->certs[i].der.n) == 0;
    }
    size_t cur = (size_t)(leaf - k->certs);
    c[(*n)++] = leaf->der;
    used[cur] = true;
    while (ok[cur] && !raw_eq(&parsed[cur].issuer_raw, &parsed[cur].subject_raw)) {
        size_t j;
        for (j = 0; j < k->ncerts; j++)
            if (!used[j] && ok[j] && raw_eq(&parsed[j].subject_raw, &parsed[cur].issuer_raw))
                break;
        if (j == k->ncerts)
            break;
        c[(*n)++] = k->certs[j].der;
        used[j] = true;
        cur = j;
    }
    for (size_t i = 0; i < k->ncerts; i++)
        mbedtls_x509_crt_free(&parsed[i]);
    free(parsed);
    free(ok);
    free(used);
    *chain = c;
    return 0;
}

/* Parses der into the list crt; the error names the entry. */
static int add_cert(struct ks *k, mbedtls_x509_crt *crt, struct span der, const char *alias,
                    const char *which)
{
    int r = mbedtls_x509_crt_parse_der(crt, der.p, der.n);
    if (r == 0)
        return 0;
    if (r == MBEDTLS_ERR_X509_ALLOC_FAILED)
        return nomem(k);
    char m[128];
    mbedtls_strerror(r, m, sizeof m);
    /* mbedTLS adds a low-level code (below 0x80) to the high-level one */
    int high = -r & 0xFF80;
    bool unknown = high == -MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG
                   || high == -MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE
                   || high == -MBEDTLS_ERR_PK_UNKNOWN_PK_ALG
                   || high == -MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE
                   || high == -MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE;
    return fail(k, unknown ? JXA_KS_EUNSUPPORTED : JXA_KS_ECORRUPT,
                "the %s of entry '%s' cannot be used: %s; %s", which, alias, m,
                unknown ? "make an RSA or EC (P-256, P-384) key and certificate" : REMAKE);
}

/* The algorithm OID of a PrivateKeyInfo ::= SEQUENCE { version,
 * AlgorithmIdentifier, ... }; false when unreadable. */
static bool key_alg(struct span pki, struct span *oid)
{
    unsigned char *p = (unsigned char *)pki.p;
    const unsigned char *end = pki.p + pki.n;
    size_t len;
    int v;
    mbedtls_asn1_buf a, params;
    if (mbedtls_asn1_get_tag(&p, end, &len, SEQ) || mbedtls_asn1_get_int(&p, end, &v)
        || mbedtls_asn1_get_alg(&p, end, &a, &params))
        return false;
    oid->p = a.p;
    oid->n = a.len;
    return true;
}

static int answer_identity(struct ks *k, const char *alias, struct jxa_ks_identity *id)
{
    struct entry *e = NULL;
    char list[384];
    if (alias && *alias) {
        for (size_t i = k->n; i-- > 0;)       /* the last one wins, as in the JDK's map */
            if (strcasecmp(k->e[i].alias, alias) == 0) {
                e = &k->e[i];
                break;
            }
        list_aliases(k, ENT_KEY, list, sizeof list);
        if (e == NULL)
            return fail(k, JXA_KS_EALIAS, "no entry '%s'; its key entries are %s: use one of them",
                        alias, list);
        if (e->kind != ENT_KEY)
            return fail(k, JXA_KS_EALIAS,
                        "entry '%s' is a trusted certificate, not a key entry; its key entries "
                        "are %s: use one of them", e->alias, list);
    } else {
        for (size_t i = 0; i < k->n && e == NULL; i++)
            if (k->e[i].kind == ENT_KEY)
                e = &k->e[i];
        if (e == NULL) {
            size_t certs = 0;
            for (size_t i = 0; i < k->n; i++)
                certs += k->e[i].kind == ENT_CERT;
            return fail(k, JXA_KS_ENOKEY,
                        "no private key entry%s; give the keystore with the server's key "
                        "(keytool -genkeypair, or openssl pkcs12 -export of the key and "
                        "certificate)", certs ? " (only trusted certificates, as in a truststore)" : "");
        }
    }

    struct span *chain = e->chain, *own = NULL;
    size_t nchain = e->nchain;
    int r;
    if (chain == NULL && (r = p12_chain(k, e, &own, &nchain)) != 0)
        return r;
    if (own)
        chain = own;
    if (nchain == 0) {
        free(own);
        return fail(k, JXA_KS_ENOKEY,
                    "key entry '%s' has no certificate; import the certificate for it "
                    "(keytool -importcert -alias %s)", e->alias, e->alias);
    }
    char what[96];
    snprintf(what, sizeof what, "key of entry '%.60s'", e->alias);
    struct span pki = e->key;
    if (!e->plain) {
        r = decrypt_key(k, e->key, &pki, what);
        if (r == 1)
            r = fail(k, JXA_KS_EPASSWORD,
                     "the key of entry '%s' does not open with the keystore password; the agent, "
                     "like jmx_exporter, uses the keystore password for the key: give the key that "
                     "password (keytool -keypasswd -alias %s)", e->alias, e->alias);
        if (r != 0) {
            free(own);
            return r;
        }
    }
    r = PK_PARSE(&id->key, pki.p, pki.n);
    struct span oid;
    bool have_oid = key_alg(pki, &oid);
    if (r != 0) {
        /* mbedTLS reports an algorithm it lacks (Ed25519, DSA) as a bad
         * format after trying the other key formats: look at the OID. */
        static const char rsa[] = PKCS "\x01\x01", ec[] = "\x2a\x86\x48\xce\x3d\x02\x01";
        char t[160], m[128];
        mbedtls_strerror(r, m, sizeof m);
        /* read the OID before the key bytes are wiped */
        bool other = have_oid && !OID_IS(oid, rsa) && !OID_IS(oid, ec);
        if (have_oid)
            oid_text(oid, t, sizeof t);
        free(own);
        if (!e->plain)
            memset((uint8_t *)pki.p, 0, pki.n);
        if (r == MBEDTLS_ERR_PK_ALLOC_FAILED)
            return nomem(k);
        if (r == MBEDTLS_ERR_PK_UNKNOWN_PK_ALG || r == MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE
            || r == MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE
            || other)
            return fail(k, JXA_KS_EUNSUPPORTED,
                        "the key of entry '%s' is %s, which this agent does not use (%s); make an "
                        "RSA or EC (P-256, P-384) key", e->alias,
                        have_oid ? t : "of an unreadable kind", m);
        return fail(k, JXA_KS_ECORRUPT, "the key of entry '%s' cannot be read: %s; " REMAKE,
                    e->alias, m);
    }
    if (!e->plain)
        memset((uint8_t *)pki.p, 0, pki.n);    /* our own decrypted copy */
    for (size_t i = 0; i < nchain; i++) {
        char which[48];
        snprintf(which, sizeof which, i ? "certificate %zu of the chain" : "certificate", i + 1);
        if ((r = add_cert(k, &id->chain, chain[i], e->alias, which)) != 0) {
            free(own);
            return r;
        }
    }
    free(own);
    if (PK_CHECK(&id->chain.pk, &id->key) != 0)
        return fail(k, JXA_KS_ECORRUPT,
                    "the key of entry '%s' does not belong to its certificate; import the "
                    "certificate issued for this key (keytool -importcert -alias %s)",
                    e->alias, e->alias);
    if ((id->alias = strdup(e->alias)) == NULL)
        return nomem(k);
    return 0;
}

/* sun.security.validator.TrustStoreUtil: a TrustManagerFactory trusts
 * every trusted-certificate entry and the first certificate of every key
 * entry. */
static int answer_trust(struct ks *k, mbedtls_x509_crt *cas, size_t *count)
{
    size_t n = 0;
    int r;
    for (size_t i = 0; i < k->n; i++) {
        struct entry *e = &k->e[i];
        struct span der = e->cert;
        if (e->kind == ENT_KEY) {
            if (e->nchain) {
                der = e->chain[0];
            } else {
                const struct p12cert *leaf = p12_leaf(k, e);
                if (leaf == NULL)
                    continue;
                der = leaf->der;
            }
        }
        if ((r = add_cert(k, cas, der, e->alias, "certificate")) != 0)
            return r;
        n++;
    }
    if (n == 0)
        return fail(k, JXA_KS_ENOKEY,
                    "no trusted certificate entry (%zu certificate(s) not marked trusted: openssl "
                    "pkcs12 writes them so, and the JDK does not trust them either); import the "
                    "CA: keytool -importcert -trustcacerts -alias ca -file ca.pem -keystore FILE",
                    k->ncerts);
    *count = n;
    return 0;
}

static int ks_begin(struct ks *k, const char *shown, const char *password, char *err, size_t errlen)
{
    memset(k, 0, sizeof *k);
    k->shown = shown ? shown : "keystore";
    k->err = err;
    k->errlen = errlen;
    if (errlen)
        err[0] = '\0';
    return set_password(k, password);
}

void jxa_ks_identity_init(struct jxa_ks_identity *id)
{
    mbedtls_pk_init(&id->key);
    mbedtls_x509_crt_init(&id->chain);
    id->alias = NULL;
}

void jxa_ks_identity_free(struct jxa_ks_identity *id)
{
    mbedtls_pk_free(&id->key);
    mbedtls_x509_crt_free(&id->chain);
    free(id->alias);
    jxa_ks_identity_init(id);
}

int jxa_keystore_parse_identity(const uint8_t *data, size_t len, const char *shown,
                                const char *password, const char *alias,
                                struct jxa_ks_identity *id, char *err, size_t errlen)
{
    struct ks k;
    int r = ks_begin(&k, shown, password, err, errlen);
    if (r == 0)
        r = ks_parse(&k, data, len);
    if (r == 0)
        r = answer_identity(&k, alias, id);
    ks_free(&k);
    if (r != 0)
        jxa_ks_identity_free(id);
    return r;
}

int jxa_keystore_decrypt_pkcs8(const uint8_t *der, size_t len, const char *shown,
                               const char *password, mbedtls_pk_context *key, char *err,
                               size_t errlen)
{
    struct ks k;
    int r = ks_begin(&k, shown, password, err, errlen);
    struct span epki = {der, len}, pki = {NULL, 0};
    if (r == 0) {
        r = decrypt_key(&k, epki, &pki, "encrypted private key");
        if (r == 1)
            r = fail(&k, JXA_KS_EPASSWORD, "wrong password for the private key; give the "
                     "password it was encrypted with");
    }
    if (r == 0) {
        int rc = PK_PARSE(key, pki.p, pki.n);
        memset((uint8_t *)pki.p, 0, pki.n);     /* our own decrypted copy */
        if (rc != 0) {
            char m[128];
            mbedtls_strerror(rc, m, sizeof m);
            r = fail(&k, JXA_KS_ECORRUPT, "the decrypted private key cannot be read (%s); "
                     "give an RSA or EC key", m);
            mbedtls_pk_free(key);
            mbedtls_pk_init(key);
        }
    }
    ks_free(&k);
    return r;
}

int jxa_keystore_parse_trust(const uint8_t *data, size_t len, const char *shown,
                             const char *password, mbedtls_x509_crt *cas, size_t *count,
                             char *err, size_t errlen)
{
    struct ks k;
    *count = 0;
    int r = ks_begin(&k, shown, password, err, errlen);
    if (r == 0)
        r = ks_parse(&k, data, len);
    if (r == 0)
        r = answer_trust(&k, cas, count);
    ks_free(&k);
    if (r != 0) {
        mbedtls_x509_crt_free(cas);
        mbedtls_x509_crt_init(cas);
        *count = 0;
    }
    return r;
}

/* The whole file, at most JXA_KS_MAX_FILE bytes.  O_NONBLOCK: opening a
 * FIFO must not wait for a writer; a regular file ignores the flag. */
static int read_file(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    *data = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s; check the file name and that the JVM's user "
                 "may read it", path, strerror(errno));
        return JXA_KS_EFILE;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file; give the keystore file", path);
        close(fd);
        return JXA_KS_EFILE;
    }
    if (st.st_size > (off_t)JXA_KS_MAX_FILE) {
        snprintf(err, errlen, "%s: %lld bytes, larger than any keystore (%u MiB at most); is it "
                 "the right file?", path, (long long)st.st_size, JXA_KS_MAX_FILE >> 20);
        close(fd);
        return JXA_KS_EFILE;
    }
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        snprintf(err, errlen, "%s: out of memory while reading the keystore", path);
        close(fd);
        return JXA_KS_ENOMEM;
    }
    size_t n = 0;
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            free(buf);
            close(fd);
            return JXA_KS_EFILE;
        }
        if (r == 0)
            break;      /* shrank while reading: what was read is checked as any file */
        n += (size_t)r;
    }
    close(fd);
    *data = buf;
    *len = n;
    return 0;
}

int jxa_keystore_load_identity(const char *path, const char *password, const char *alias,
                               struct jxa_ks_identity *id, char *err, size_t errlen)
{
    uint8_t *data;
    size_t len;
    int r = read_file(path, &data, &len, err, errlen);
    if (r == 0) {
        r = jxa_keystore_parse_identity(data, len, path, password, alias, id, err, errlen);
        free(data);
    }
    return r;
}

int jxa_keystore_load_trust(const char *path, const char *password,
                            mbedtls_x509_crt *cas, size_t *count, char *err, size_t errlen)
{
    uint8_t *data;
    size_t len;
    *count = 0;
    int r = read_file(path, &data, &len, err, errlen);
    if (r == 0) {
        r = jxa_keystore_parse_trust(data, len, path, password, cas, count, err, errlen);
        free(data);
    }
    return r;
}
