/* auth.c - see auth.h.  The digests, HMAC and PBKDF2 are mbedTLS's (the
 * library civetweb's TLS links in anyway); this file holds the policy and
 * the bearer token files. */
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

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include "randbytes.h"

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* mbedTLS 2.28's software digests fail only on bad arguments (a NULL
 * input with a length), which these never pass; a failure still denies. */
int jxa_sha1(const void *p, size_t n, uint8_t out[20])
{
    return mbedtls_sha1_ret(p, n, out) == 0 ? 0 : -1;
}

int jxa_sha256(const void *p, size_t n, uint8_t out[32])
{
    return mbedtls_sha256_ret(p, n, out, 0) == 0 ? 0 : -1;
}

int jxa_sha512(const void *p, size_t n, uint8_t out[64])
{
    return mbedtls_sha512_ret(p, n, out, 0) == 0 ? 0 : -1;
}

static const mbedtls_md_info_t *md_of(enum jxa_auth_alg alg)
{
    switch (alg) {
    case JXA_AUTH_SHA1: case JXA_AUTH_PBKDF2_SHA1: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
    case JXA_AUTH_SHA256: case JXA_AUTH_PBKDF2_SHA256: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    case JXA_AUTH_SHA512: case JXA_AUTH_PBKDF2_SHA512: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA512);
    default: return NULL;
    }
}

int jxa_pbkdf2(enum jxa_auth_alg alg, const char *password, const uint8_t *salt,
               size_t saltlen, unsigned iterations, uint8_t *out, size_t outlen)
{
    const mbedtls_md_info_t *md = md_of(alg);
    if (md == NULL || iterations == 0 || outlen > UINT32_MAX)
        return -1;
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int rc = mbedtls_md_setup(&ctx, md, 1);
    if (rc == 0)
        rc = mbedtls_pkcs5_pbkdf2_hmac(&ctx, (const unsigned char *)password, strlen(password),
                                       salt, saltlen, iterations, (uint32_t)outlen, out);
    mbedtls_md_free(&ctx);
    return rc == 0 ? 0 : -1;
}

/* Long enough that the check costs nothing (1,024 HMACs take 1-2 ms here),
 * short enough that a stop is seen at once. */
#define STOP_EVERY 1024u

/* RFC 8018 5.2 over mbedTLS's HMAC, the loop of mbedtls_pkcs5_pbkdf2_hmac()
 * (which cannot be stopped half-way) with a look at *stop: jmx_exporter's
 * default hash takes seconds, and the JVM's exit waits for the HTTP
 * server, which waits for this.  jxa_pbkdf2() is the library's own
 * function; the unit tests hold the two to the same vectors. */
int jxa_pbkdf2_until(enum jxa_auth_alg alg, const char *password, const uint8_t *salt,
                     size_t saltlen, unsigned iterations, uint8_t *out, size_t outlen,
                     const atomic_bool *stop)
{
    const mbedtls_md_info_t *md = md_of(alg);
    if (md == NULL || iterations == 0)
        return -1;
    size_t len = mbedtls_md_get_size(md);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int rc = mbedtls_md_setup(&ctx, md, 1) == 0 &&
             mbedtls_md_hmac_starts(&ctx, (const unsigned char *)password, strlen(password)) == 0
             ? 0 : -1;
    uint8_t u[MBEDTLS_MD_MAX_SIZE], t[MBEDTLS_MD_MAX_SIZE], blk[4];
    for (uint32_t b = 1; outlen > 0 && rc == 0; b++) {
        put32(blk, b);
        if (mbedtls_md_hmac_update(&ctx, salt, saltlen) != 0 ||
            mbedtls_md_hmac_update(&ctx, blk, 4) != 0 || mbedtls_md_hmac_finish(&ctx, u) != 0 ||
            mbedtls_md_hmac_reset(&ctx) != 0) {
            rc = -1;
            break;
        }
        memcpy(t, u, len);
        for (unsigned i = 1; i < iterations && rc == 0; i++) {
            if (stop != NULL && i % STOP_EVERY == 0 &&
                atomic_load_explicit(stop, memory_order_relaxed)) {
                rc = -2;
                break;
            }
            if (mbedtls_md_hmac_update(&ctx, u, len) != 0 || mbedtls_md_hmac_finish(&ctx, u) != 0 ||
                mbedtls_md_hmac_reset(&ctx) != 0)
                rc = -1;
            for (size_t k = 0; k < len; k++)
                t[k] ^= u[k];
        }
        size_t take = outlen < len ? outlen : len;
        memcpy(out, t, take);
        out += take;
        outlen -= take;
    }
    explicit_bzero(u, sizeof u);
    explicit_bzero(t, sizeof t);
    mbedtls_md_free(&ctx);          /* zeroes the HMAC's key pads */
    return rc;
}

int jxa_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n, uint8_t out[32])
{
    return mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, keylen, msg, n,
                           out) == 0 ? 0 : -1;
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
    const mbedtls_md_info_t *md = md_of(h->auth);
    if (n <= 0 || md == NULL)
        return JXA_AUTH_DENIED;
    const char *salt = h->salt ? h->salt : "";
    size_t sl = strlen(salt);
    bool pass_ok = false;
    if (h->auth == JXA_AUTH_SHA1 || h->auth == JXA_AUTH_SHA256 || h->auth == JXA_AUTH_SHA512) {
        /* One digest of salt ":" password: microseconds, no limit and no
         * cache needed. */
        size_t len = mbedtls_md_get_size(md);
        mbedtls_md_context_t ctx;
        mbedtls_md_init(&ctx);
        int rc = mbedtls_md_setup(&ctx, md, 0) != 0 || mbedtls_md_starts(&ctx) != 0 ||
                 mbedtls_md_update(&ctx, (const unsigned char *)salt, sl) != 0 ||
                 mbedtls_md_update(&ctx, (const unsigned char *)":", 1) != 0 ||
                 mbedtls_md_update(&ctx, (const unsigned char *)password, strlen(password)) != 0 ||
                 mbedtls_md_finish(&ctx, got) != 0;
        mbedtls_md_free(&ctx);      /* zeroes the state, which held the password */
        count_derivation();
        pass_ok = rc == 0 && (size_t)n == len && same_bytes(got, want, len);
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
    if (jxa_sha256(token, strlen(token), b->digest) != 0 || (b->path = strdup(path)) == NULL)
        return -1;
    pthread_mutex_init(&b->mu, NULL);
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
        have_tok = jxa_sha256(tok, strlen(tok), d) == 0;
        explicit_bzero(tok, strlen(tok));
        free(tok);
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
    bool hashed = jxa_sha256(presented, n, got) == 0;
    pthread_mutex_lock(&b->mu);
    memcpy(want, b->digest, sizeof want);
    pthread_mutex_unlock(&b->mu);
    return hashed & same_bytes(got, want, sizeof got);
}
