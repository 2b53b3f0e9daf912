/* auth.c - see auth.h.  SHA-1 (FIPS 180-4 6.1), SHA-256 (6.2), SHA-512
 * (6.4), HMAC (RFC 2104), PBKDF2 (RFC 8018 5.2) and bearer token files. */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "randbytes.h"

#define ROL32(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define ROR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define ROR64(x, n) (((x) >> (n)) | ((x) << (64 - (n))))

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

/* Merkle-Damgard padding shared by the three digests: message, 0x80,
 * zeros, then the bit length in the last `lenbytes` bytes of a block. */
typedef void (*block_fn)(void *state, const uint8_t *block);

static void md_hash(block_fn f, void *state, size_t bs, size_t lenbytes, const void *p, size_t n)
{
    const uint8_t *m = p;
    size_t i = 0;
    for (; i + bs <= n; i += bs)
        f(state, m + i);
    uint8_t last[256];
    size_t rest = n - i;
    memset(last, 0, sizeof last);
    memcpy(last, m + i, rest);
    last[rest] = 0x80;
    size_t total = rest + 1 + lenbytes <= bs ? bs : 2 * bs;
    put64(last + total - 8, (uint64_t)n * 8);
    f(state, last);
    if (total == 2 * bs)
        f(state, last + bs);
}

static void sha1_block(void *st, const uint8_t *b)
{
    uint32_t *h = st, w[80];
    for (int i = 0; i < 16; i++)
        w[i] = be32(b + 4 * i);
    for (int i = 16; i < 80; i++)
        w[i] = ROL32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) { f = (bb & c) | (~bb & d); k = 0x5A827999; }
        else if (i < 40) { f = bb ^ c ^ d; k = 0x6ED9EBA1; }
        else if (i < 60) { f = (bb & c) | (bb & d) | (c & d); k = 0x8F1BBCDC; }
        else { f = bb ^ c ^ d; k = 0xCA62C1D6; }
        uint32_t t = ROL32(a, 5) + f + e + k + w[i];
        e = d; d = c; c = ROL32(bb, 30); bb = a; a = t;
    }
    h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e;
}

void jxa_sha1(const void *p, size_t n, uint8_t out[20])
{
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    md_hash(sha1_block, h, 64, 8, p, n);
    for (int i = 0; i < 5; i++)
        put32(out + 4 * i, h[i]);
}

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void sha256_block(void *st, const uint8_t *b)
{
    uint32_t *h = st, w[64];
    for (int i = 0; i < 16; i++)
        w[i] = be32(b + 4 * i);
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR32(w[i - 15], 7) ^ ROR32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR32(w[i - 2], 17) ^ ROR32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ROR32(e, 6) ^ ROR32(e, 11) ^ ROR32(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        uint32_t t2 = (ROR32(a, 2) ^ ROR32(a, 13) ^ ROR32(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
        hh = g; g = f; f = e; e = d + t1; d = c; c = bb; bb = a; a = t1 + t2;
    }
    h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

void jxa_sha256(const void *p, size_t n, uint8_t out[32])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    md_hash(sha256_block, h, 64, 8, p, n);
    for (int i = 0; i < 8; i++)
        put32(out + 4 * i, h[i]);
}

static const uint64_t K512[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
    0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
    0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
    0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
    0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
    0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
    0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
    0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
    0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
    0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
    0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
    0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

static void sha512_block(void *st, const uint8_t *b)
{
    uint64_t *h = st, w[80];
    for (int i = 0; i < 16; i++)
        w[i] = be64(b + 8 * i);
    for (int i = 16; i < 80; i++) {
        uint64_t s0 = ROR64(w[i - 15], 1) ^ ROR64(w[i - 15], 8) ^ (w[i - 15] >> 7);
        uint64_t s1 = ROR64(w[i - 2], 19) ^ ROR64(w[i - 2], 61) ^ (w[i - 2] >> 6);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint64_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 80; i++) {
        uint64_t t1 = hh + (ROR64(e, 14) ^ ROR64(e, 18) ^ ROR64(e, 41)) + ((e & f) ^ (~e & g)) + K512[i] + w[i];
        uint64_t t2 = (ROR64(a, 28) ^ ROR64(a, 34) ^ ROR64(a, 39)) + ((a & bb) ^ (a & c) ^ (bb & c));
        hh = g; g = f; f = e; e = d + t1; d = c; c = bb; bb = a; a = t1 + t2;
    }
    h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

void jxa_sha512(const void *p, size_t n, uint8_t out[64])
{
    uint64_t h[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
                     0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
                     0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
    md_hash(sha512_block, h, 128, 16, p, n);
    for (int i = 0; i < 8; i++)
        put64(out + 8 * i, h[i]);
}

struct digest {
    size_t block, len;
    void (*fn)(const void *, size_t, uint8_t *);
};

static const struct digest *digest_of(enum jxa_auth_alg alg)
{
    static const struct digest d1 = {64, 20, jxa_sha1}, d256 = {64, 32, jxa_sha256},
                               d512 = {128, 64, jxa_sha512};
    switch (alg) {
    case JXA_AUTH_SHA1: case JXA_AUTH_PBKDF2_SHA1: return &d1;
    case JXA_AUTH_SHA256: case JXA_AUTH_PBKDF2_SHA256: return &d256;
    case JXA_AUTH_SHA512: case JXA_AUTH_PBKDF2_SHA512: return &d512;
    default: return NULL;
    }
}

/* HMAC(key, msg) with the key already padded into ipad/opad blocks: PBKDF2
 * calls it millions of times with the same key. */
static void hmac_pads(const struct digest *d, const uint8_t *key, size_t keylen,
                      uint8_t *ipad, uint8_t *opad)
{
    uint8_t k[128] = {0};
    if (keylen > d->block)
        d->fn(key, keylen, k);
    else
        memcpy(k, key, keylen);
    for (size_t i = 0; i < d->block; i++) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
}

static void hmac(const struct digest *d, const uint8_t *ipad, const uint8_t *opad,
                 const uint8_t *msg, size_t n, uint8_t *scratch, uint8_t *out)
{
    memcpy(scratch, ipad, d->block);
    memcpy(scratch + d->block, msg, n);
    uint8_t inner[64];
    d->fn(scratch, d->block + n, inner);
    memcpy(scratch, opad, d->block);
    memcpy(scratch + d->block, inner, d->len);
    d->fn(scratch, d->block + d->len, out);
}

/* Long enough that the check costs nothing (1,024 HMACs take 1-2 ms here),
 * short enough that a stop is seen at once. */
#define STOP_EVERY 1024u

int jxa_pbkdf2_until(enum jxa_auth_alg alg, const char *password, const uint8_t *salt,
                     size_t saltlen, unsigned iterations, uint8_t *out, size_t outlen,
                     const atomic_bool *stop)
{
    const struct digest *d = digest_of(alg);
    if (d == NULL || iterations == 0)
        return -1;
    uint8_t ipad[128], opad[128];
    hmac_pads(d, (const uint8_t *)password, strlen(password), ipad, opad);
    size_t scratch_len = d->block + (saltlen + 4 > 64 ? saltlen + 4 : 64);
    uint8_t *scratch = malloc(scratch_len), *msg = malloc(saltlen + 4);
    if (scratch == NULL || msg == NULL) {
        free(scratch);
        free(msg);
        return -1;
    }
    int rc = 0;
    memcpy(msg, salt, saltlen);
    for (uint32_t blk = 1; outlen > 0 && rc == 0; blk++) {
        uint8_t u[64], t[64];
        put32(msg + saltlen, blk);
        hmac(d, ipad, opad, msg, saltlen + 4, scratch, u);
        memcpy(t, u, d->len);
        for (unsigned i = 1; i < iterations; i++) {
            if (stop != NULL && i % STOP_EVERY == 0 &&
                atomic_load_explicit(stop, memory_order_relaxed)) {
                rc = -2;
                break;
            }
            hmac(d, ipad, opad, u, d->len, scratch, u);
            for (size_t k = 0; k < d->len; k++)
                t[k] ^= u[k];
        }
        size_t take = outlen < d->len ? outlen : d->len;
        memcpy(out, t, take);
        out += take;
        outlen -= take;
    }
    explicit_bzero(ipad, sizeof ipad);
    explicit_bzero(opad, sizeof opad);
    free(scratch);
    free(msg);
    return rc;
}

int jxa_pbkdf2(enum jxa_auth_alg alg, const char *password, const uint8_t *salt,
               size_t saltlen, unsigned iterations, uint8_t *out, size_t outlen)
{
    return jxa_pbkdf2_until(alg, password, salt, saltlen, iterations, out, outlen, NULL);
}

int jxa_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n, uint8_t out[32])
{
    const struct digest *d = digest_of(JXA_AUTH_SHA256);
    size_t len = d->block + (n > d->len ? n : d->len);
    uint8_t ipad[64], opad[64], *scratch = malloc(len);
    if (scratch == NULL)
        return -1;
    hmac_pads(d, key, keylen, ipad, opad);
    hmac(d, ipad, opad, msg, n, scratch, out);
    explicit_bzero(scratch, len);
    free(scratch);
    explicit_bzero(ipad, sizeof ipad);
    explicit_bzero(opad, sizeof opad);
    return 0;
}

static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= a[i] ^ b[i];
    return diff == 0;
}

static bool same_str(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    uint8_t diff = la != lb;
    for (size_t i = 0; i < la && i < lb; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}

static int unhex(const char *h, uint8_t *out, size_t max)
{
    size_t n = strlen(h);
    if (n % 2 != 0 || n / 2 > max)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int v = 0;
        for (int k = 0; k < 2; k++) {
            char c = h[2 * i + (size_t)k];
            int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (x < 0)
                return -1;
            v = v * 16 + x;
        }
        out[i] = (uint8_t)v;
    }
    return (int)(n / 2);
}

/* --- Basic: the policy above the primitives ------------------------ */

/* jmx_exporter's default PBKDF2 (600,000 iterations of HMAC-SHA256, a
 * 128-byte key: four blocks) costs ~5 s of CPU here, and any client that
 * sends the right user name -- or, since wrong names do the same work, any
 * name -- can ask for one.  So at most MAX_DERIVATIONS run at a time; a
 * request that finds them busy is refused at once (JXA_AUTH_BUSY).  With
 * one, a flood of wrong passwords burns at most one core of the host,
 * whatever the number of HTTP workers, and the other workers stay free
 * for scrapes whose credentials are cached. */
#define MAX_DERIVATIONS 1

static atomic_int deriving;
static atomic_bool interrupted;

/* Credentials that passed PBKDF2, so that a scraper pays one derivation,
 * not one per scrape (jmx_exporter caches too).  An entry is
 * HMAC-SHA256(secret, config | user | password) with a secret drawn at
 * random per process: neither the password nor an unsalted digest of it
 * (which a dictionary inverts) is kept, and an entry made under one
 * config never matches under another. */
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t secret_once = PTHREAD_ONCE_INIT;
static uint8_t secret[32];
static bool have_secret;
static struct {
    uint8_t key[32];
    unsigned long long used;        /* cache_clock of the last use; 0 = empty */
} cache[JXA_AUTH_CACHE_SLOTS];
static unsigned long long cache_clock;
static struct jxa_auth_stats stats; /* under cache_mu, but .running */

static void make_secret(void)
{
    if (!jxa_random_bytes(secret, sizeof secret, false))
        return;                     /* no cache: every request derives */
    have_secret = true;
}

static size_t put_field(uint8_t *p, const void *v, size_t n)
{
    put32(p, (uint32_t)n);
    memcpy(p + 4, v, n);
    return 4 + n;
}

/* Returns 0 and the entry for (h, user, password) in key, or -1: no cache. */
static int cache_key(const struct jxa_http_config *h, const char *user, const char *password,
                     uint8_t key[32])
{
    pthread_once(&secret_once, make_secret);
    if (!have_secret)
        return -1;
    const char *hash = h->password_hash ? h->password_hash : "", *salt = h->salt ? h->salt : "";
    size_t hl = strlen(hash), sl = strlen(salt), ul = strlen(user), pl = strlen(password);
    size_t len = 8 + 16 + hl + sl + ul + pl;
    uint8_t *m = malloc(len);
    if (m == NULL)
        return -1;
    put32(m, (uint32_t)h->auth);
    put32(m + 4, (uint32_t)h->iterations);
    size_t o = 8;
    o += put_field(m + o, hash, hl);
    o += put_field(m + o, salt, sl);
    o += put_field(m + o, user, ul);
    o += put_field(m + o, password, pl);
    int rc = jxa_hmac_sha256(secret, sizeof secret, m, o, key);
    explicit_bzero(m, len);
    free(m);
    return rc;
}

/* Every slot is compared, hit or not. */
static bool cache_find(const uint8_t key[32])
{
    pthread_mutex_lock(&cache_mu);
    int hit = -1;
    for (int i = 0; i < JXA_AUTH_CACHE_SLOTS; i++)
        if (cache[i].used != 0 && same_bytes(cache[i].key, key, 32))
            hit = i;
    if (hit >= 0) {
        cache[hit].used = ++cache_clock;
        stats.cache_hits++;
    }
    pthread_mutex_unlock(&cache_mu);
    return hit >= 0;
}

/* Replaces an empty or the least recently used entry. */
static void cache_add(const uint8_t key[32])
{
    pthread_mutex_lock(&cache_mu);
    int victim = 0;
    for (int i = 0; i < JXA_AUTH_CACHE_SLOTS; i++) {
        if (cache[i].used != 0 && same_bytes(cache[i].key, key, 32)) {
            victim = i;
            break;
        }
        if (cache[i].used < cache[victim].used)
            victim = i;
    }
    if (cache[victim].used == 0)
        stats.cached++;
    memcpy(cache[victim].key, key, 32);
    cache[victim].used = ++cache_clock;
    pthread_mutex_unlock(&cache_mu);
}

static void count_derivation(void)
{
    pthread_mutex_lock(&cache_mu);
    stats.derivations++;
    pthread_mutex_unlock(&cache_mu);
}

static bool take_slot(void)
{
    int before = atomic_fetch_add(&deriving, 1);
    if (before >= MAX_DERIVATIONS) {
        atomic_fetch_sub(&deriving, 1);
        pthread_mutex_lock(&cache_mu);
        stats.busy++;
        pthread_mutex_unlock(&cache_mu);
        return false;
    }
    pthread_mutex_lock(&cache_mu);
    if (before + 1 > stats.peak)
        stats.peak = before + 1;
    pthread_mutex_unlock(&cache_mu);
    return true;
}

enum jxa_auth_result jxa_auth_verify(const struct jxa_http_config *h, const char *user,
                                     const char *password)
{
    if (h == NULL || h->auth == JXA_AUTH_NONE)
        return JXA_AUTH_OK;
    if (h->auth == JXA_AUTH_BEARER)
        return JXA_AUTH_DENIED;
    /* Equal work: the user name only counts at the end, so a wrong name
     * costs exactly what a wrong password costs and the response time
     * does not tell which of the two was wrong. */
    bool user_ok = h->username != NULL && same_str(user, h->username);
    if (h->auth == JXA_AUTH_PLAINTEXT) {
        bool pass_ok = h->password != NULL && same_str(password, h->password);
        return (user_ok & pass_ok) ? JXA_AUTH_OK : JXA_AUTH_DENIED;
    }
    uint8_t want[512], got[512];
    int n = h->password_hash ? unhex(h->password_hash, want, sizeof want) : -1;
    const struct digest *d = digest_of(h->auth);
    if (n <= 0 || d == NULL)
        return JXA_AUTH_DENIED;
    const char *salt = h->salt ? h->salt : "";
    size_t sl = strlen(salt), pl = strlen(password);
    bool pass_ok = false;
    if (h->auth == JXA_AUTH_SHA1 || h->auth == JXA_AUTH_SHA256 || h->auth == JXA_AUTH_SHA512) {
        /* One digest: microseconds, no limit and no cache needed. */
        char *msg = malloc(sl + pl + 2);
        if (msg == NULL)
            return JXA_AUTH_DENIED;
        memcpy(msg, salt, sl);
        msg[sl] = ':';
        memcpy(msg + sl + 1, password, pl + 1);
        d->fn(msg, sl + pl + 1, got);
        explicit_bzero(msg, sl + pl + 1);
        free(msg);
        count_derivation();
        pass_ok = (size_t)n == d->len && same_bytes(got, want, d->len);
        explicit_bzero(got, sizeof got);
        return (user_ok & pass_ok) ? JXA_AUTH_OK : JXA_AUTH_DENIED;
    }

    uint8_t key[32];
    bool keyed = cache_key(h, user, password, key) == 0;
    if (keyed && cache_find(key))
        return JXA_AUTH_OK;
    if (atomic_load(&interrupted) || !take_slot())
        return JXA_AUTH_BUSY;
    int rc = jxa_pbkdf2_until(h->auth, password, (const uint8_t *)salt, sl,
                              (unsigned)(h->iterations > 0 ? h->iterations : 1), got, (size_t)n,
                              &interrupted);
    atomic_fetch_sub(&deriving, 1);
    count_derivation();
    pass_ok = rc == 0 && same_bytes(got, want, (size_t)n);
    explicit_bzero(got, sizeof got);
    if (rc == -2)
        return JXA_AUTH_BUSY;       /* stopped half-way: the server is stopping */
    if (!(user_ok & pass_ok))
        return JXA_AUTH_DENIED;
    if (keyed)
        cache_add(key);
    return JXA_AUTH_OK;
}

bool jxa_auth_check(const struct jxa_http_config *h, const char *user, const char *password)
{
    return jxa_auth_verify(h, user, password) == JXA_AUTH_OK;
}

static int b64val(int ch)
{
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
}

/* Standard base64 (RFC 4648 4); the '=' padding may be left out, nothing
 * but spaces may follow it.  Returns the decoded length, or -1. */
static long b64decode(const char *in, uint8_t *out, size_t max)
{
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (; *in && *in != '=' && *in != ' ' && *in != '\t'; in++) {
        int v = b64val((unsigned char)*in);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= max)
                return -1;
            out[o++] = (uint8_t)((acc >> bits) & 0xFF);
        }
    }
    for (int pad = 0; *in == '=' && pad < 2; pad++)
        in++;
    while (*in == ' ' || *in == '\t')
        in++;
    return *in == '\0' ? (long)o : -1;
}

enum jxa_auth_result jxa_auth_basic(const struct jxa_http_config *h, const char *header)
{
    if (h == NULL || h->auth == JXA_AUTH_NONE)
        return JXA_AUTH_OK;
    if (header == NULL || strncasecmp(header, "Basic", 5) != 0 ||
        (header[5] != ' ' && header[5] != '\t'))
        return JXA_AUTH_DENIED;
    const char *p = header + 6;
    while (*p == ' ' || *p == '\t')
        p++;
    uint8_t dec[JXA_BASIC_MAX + 1];
    long n = b64decode(p, dec, JXA_BASIC_MAX);
    enum jxa_auth_result r = JXA_AUTH_DENIED;
    /* RFC 7617 2 allows no control character in either part; a NUL
     * would end the C strings below early, letting "secret<NUL>junk"
     * pass as "secret". */
    if (n > 0 && memchr(dec, '\0', (size_t)n) == NULL) {
        dec[n] = '\0';
        char *colon = strchr((char *)dec, ':');
        if (colon != NULL) {
            *colon = '\0';
            r = jxa_auth_verify(h, (const char *)dec, colon + 1);
        }
    }
    explicit_bzero(dec, sizeof dec);
    return r;
}

void jxa_auth_interrupt(bool on)
{
    atomic_store(&interrupted, on);
}

void jxa_auth_stats(struct jxa_auth_stats *out)
{
    pthread_mutex_lock(&cache_mu);
    *out = stats;
    pthread_mutex_unlock(&cache_mu);
    out->running = atomic_load(&deriving);
}

void jxa_auth_reset(void)
{
    pthread_mutex_lock(&cache_mu);
    memset(cache, 0, sizeof cache);
    memset(&stats, 0, sizeof stats);
    cache_clock = 0;
    pthread_mutex_unlock(&cache_mu);
    atomic_store(&interrupted, false);
}

size_t jxa_auth_cache_image(uint8_t *out, size_t max)
{
    pthread_mutex_lock(&cache_mu);
    size_t n = sizeof cache < max ? sizeof cache : max;
    memcpy(out, cache, n);
    pthread_mutex_unlock(&cache_mu);
    return n;
}

/* --- Bearer tokens ------------------------------------------------- */

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

char *jxa_token_read(const char *path, const char *shown, char *err, size_t errlen)
{
    /* O_NONBLOCK: open() of a FIFO would otherwise wait for a writer. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read \"%s\" (%s); fix the path or the file's "
                 "permissions", shown, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "\"%s\" is not a regular file; give the path of a file "
                 "that holds the token", shown);
        return NULL;
    }
    char buf[JXA_TOKEN_MAX + 1];
    size_t got = 0;
    int rerr = 0;
    /* One byte more than allowed: the file may grow after fstat. */
    while (got < sizeof buf) {
        ssize_t n = read(fd, buf + got, sizeof buf - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rerr = errno;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    char *tok = NULL;
    if (rerr != 0) {
        snprintf(err, errlen, "cannot read \"%s\" (%s); fix the path or the file's "
                 "permissions", shown, strerror(rerr));
    } else if (got > JXA_TOKEN_MAX) {
        snprintf(err, errlen, "\"%s\" is larger than %d bytes; put only the token in it",
                 shown, JXA_TOKEN_MAX);
    } else {
        size_t a = 0, b = got;
        while (a < b && is_space(buf[a]))
            a++;
        while (b > a && is_space(buf[b - 1]))
            b--;
        size_t bad = b;
        for (size_t i = a; i < b && bad == b; i++)
            if ((unsigned char)buf[i] <= ' ' || buf[i] == 0x7f)
                bad = i;
        if (a == b)
            snprintf(err, errlen, "\"%s\" is empty; write the token into it", shown);
        else if (bad < b)
            snprintf(err, errlen, "the token in \"%s\" contains a space or control "
                     "character (byte %zu); a token is one line of visible characters",
                     shown, bad + 1);
        else if ((tok = malloc(b - a + 1)) == NULL)
            snprintf(err, errlen, "out of memory reading \"%s\"; retry", shown);
        else {
            memcpy(tok, buf + a, b - a);
            tok[b - a] = '\0';
        }
    }
    explicit_bzero(buf, sizeof buf);
    return tok;
}

int jxa_bearer_init(struct jxa_bearer *b, const char *path, const char *token,
                    long interval_ms)
{
    memset(b, 0, sizeof *b);
    b->path = strdup(path);
    if (b->path == NULL)
        return -1;
    pthread_mutex_init(&b->mu, NULL);
    jxa_sha256(token, strlen(token), b->digest);
    b->interval_ms = interval_ms;
    clock_gettime(CLOCK_MONOTONIC, &b->checked);
    return 0;
}

void jxa_bearer_free(struct jxa_bearer *b)
{
    if (b->path == NULL)
        return;
    free(b->path);
    pthread_mutex_destroy(&b->mu);
    explicit_bzero(b, sizeof *b);
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

enum jxa_bearer_event jxa_bearer_refresh(struct jxa_bearer *b, char *msg, size_t msglen)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&b->mu);
    long long since = (long long)(now.tv_sec - b->checked.tv_sec) * 1000 +
                      (now.tv_nsec - b->checked.tv_nsec) / 1000000;
    /* One look at a time, its stat and read outside the mutex: a file
     * system that hangs (a dead network mount) holds the one caller that
     * looks, while jxa_bearer_check() and every other caller go on with
     * the current token. */
    if (since < b->interval_ms || b->looking) {
        pthread_mutex_unlock(&b->mu);
        return JXA_BEARER_SAME;
    }
    b->checked = now;
    b->looking = true;
    bool had_id = b->have_id;
    dev_t dev = b->dev;
    ino_t ino = b->ino;
    off_t size = b->size;
    struct timespec mtime = b->mtime, ctime = b->ctime;
    pthread_mutex_unlock(&b->mu);

    /* Identity: a rename over the file (Kubernetes swaps Secret volumes
     * with a symlink, stat follows it) changes the inode, an in-place
     * rewrite the size or mtime, a chmod that makes it readable again
     * only the ctime.  A missing file is all zeros. */
    struct stat st;
    if (stat(b->path, &st) != 0)
        memset(&st, 0, sizeof st);
    bool same = had_id && st.st_dev == dev && st.st_ino == ino && st.st_size == size &&
                same_time(&st.st_mtim, &mtime) && same_time(&st.st_ctim, &ctime);
    char err[512];
    uint8_t d[32];
    bool have_tok = false;
    char *tok = same ? NULL : jxa_token_read(b->path, b->path, err, sizeof err);
    if (tok != NULL) {
        jxa_sha256(tok, strlen(tok), d);
        explicit_bzero(tok, strlen(tok));
        free(tok);
        have_tok = true;
    }

    enum jxa_bearer_event ev = JXA_BEARER_SAME;
    pthread_mutex_lock(&b->mu);
    b->looking = false;
    if (!same) {
        b->have_id = true;
        b->dev = st.st_dev;
        b->ino = st.st_ino;
        b->size = st.st_size;
        b->mtime = st.st_mtim;
        b->ctime = st.st_ctim;
        if (!have_tok) {
            if (!b->failing) {
                b->failing = true;
                snprintf(msg, msglen, "%s", err);
                ev = JXA_BEARER_FAILED;
            }
        } else {
            b->failing = false;
            if (!same_bytes(d, b->digest, sizeof d)) {
                memcpy(b->digest, d, sizeof d);
                ev = JXA_BEARER_ROTATED;
            }
        }
    }
    pthread_mutex_unlock(&b->mu);
    return ev;
}

bool jxa_bearer_check(struct jxa_bearer *b, const char *presented, size_t n)
{
    uint8_t got[32], want[32];
    jxa_sha256(presented, n, got);
    pthread_mutex_lock(&b->mu);
    memcpy(want, b->digest, sizeof want);
    pthread_mutex_unlock(&b->mu);
    return same_bytes(got, want, sizeof got);
}
