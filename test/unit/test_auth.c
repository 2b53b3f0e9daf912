/* test_auth.c - digests against published vectors (FIPS 180, RFC 6070,
 * RFC 7914 section 11, RFC 4231), jmx_exporter's documented credentials,
 * the Basic policy (equal work, the derivation limit, the cache, the stop
 * flag, header parsing) and bearer token files (reading, rotation, a file
 * that goes bad). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "check.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

static void test_sha_vectors(void)
{
    uint8_t d[64];
    char h[129];
    jxa_sha1("abc", 3, d); hex(d, 20, h);
    CHECK_STR(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
    jxa_sha256("abc", 3, d); hex(d, 32, h);
    CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    jxa_sha256("", 0, d); hex(d, 32, h);
    CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* 56 bytes: the padding spills into a second block. */
    const char *m56 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    jxa_sha256(m56, strlen(m56), d); hex(d, 32, h);
    CHECK_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    jxa_sha1(m56, strlen(m56), d); hex(d, 20, h);
    CHECK_STR(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    jxa_sha512("abc", 3, d); hex(d, 64, h);
    CHECK_STR(h, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    jxa_sha512("", 0, d); hex(d, 64, h);
    CHECK_STR(h, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                 "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
}

/* Each vector through mbedTLS's PBKDF2 (jxa_pbkdf2) and through the loop
 * the server runs, which can be stopped (jxa_pbkdf2_until): RFC 6070 for
 * HMAC-SHA1, RFC 7914 11 for HMAC-SHA256; HMAC-SHA512 has no RFC vector,
 * these were computed with Python's hashlib.pbkdf2_hmac (OpenSSL). */
static void test_pbkdf2_vectors(void)
{
    static const struct {
        enum jxa_auth_alg alg;
        const char *pw, *salt;
        unsigned iterations;
        const char *want;
    } v[] = {
        {JXA_AUTH_PBKDF2_SHA1, "password", "salt", 2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
        /* 25 bytes: two blocks, the second cut short. */
        {JXA_AUTH_PBKDF2_SHA1, "passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt",
         4096, "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
        {JXA_AUTH_PBKDF2_SHA256, "passwd", "salt", 1,
         "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
         "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"},
        {JXA_AUTH_PBKDF2_SHA512, "password", "salt", 2,
         "e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53c"
         "f76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e"},
        {JXA_AUTH_PBKDF2_SHA512, "passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt",
         4096, "8c0511f4c6e597c6ac6315d8f0362e225f3c501495ba23b868c005174dc4ee71"
               "115b59f9e60cd9532fa33e0f75aefe30225c583a186cd82bd4daea9724a3d3b8"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        uint8_t d[64];
        char h[129];
        size_t n = strlen(v[i].want) / 2;
        memset(d, 0, sizeof d);
        CHECK_INT(jxa_pbkdf2(v[i].alg, v[i].pw, (const uint8_t *)v[i].salt, strlen(v[i].salt),
                             v[i].iterations, d, n), 0);
        hex(d, n, h);
        CHECK_STR(h, v[i].want);
        memset(d, 0, sizeof d);
        CHECK_INT(jxa_pbkdf2_until(v[i].alg, v[i].pw, (const uint8_t *)v[i].salt,
                                   strlen(v[i].salt), v[i].iterations, d, n, NULL), 0);
        hex(d, n, h);
        CHECK_STR(h, v[i].want);
    }
    /* Not a PBKDF2 algorithm, or no iteration: refused, not computed. */
    uint8_t d[32];
    CHECK_INT(jxa_pbkdf2(JXA_AUTH_PLAINTEXT, "p", (const uint8_t *)"s", 1, 1, d, 32), -1);
    CHECK_INT(jxa_pbkdf2_until(JXA_AUTH_BEARER, "p", (const uint8_t *)"s", 1, 1, d, 32, NULL), -1);
    CHECK_INT(jxa_pbkdf2(JXA_AUTH_PBKDF2_SHA256, "p", (const uint8_t *)"s", 1, 0, d, 32), -1);
    /* A stop already set ends the derivation at its first look. */
    atomic_bool stop = true;
    CHECK_INT(jxa_pbkdf2_until(JXA_AUTH_PBKDF2_SHA256, "p", (const uint8_t *)"s", 1, 5000, d, 32,
                               &stop), -2);
}

static void test_check(void)
{
    /* The vector jmx_exporter's documentation gives for SHA-256. */
    struct jxa_http_config h = {
        .auth = JXA_AUTH_SHA256, .username = "Prometheus",
        .password_hash = "2bf7ed4906ac065bde39f7508d6102a6cdd7153a929ea883ff6cd04442772c99",
        .salt = "U9i%=N+m]#i9yvUV:bA/3n4X9JdPXf=n",
    };
    CHECK(jxa_auth_check(&h, "Prometheus", "secret"));
    CHECK(!jxa_auth_check(&h, "Prometheus", "secreT"));
    CHECK(!jxa_auth_check(&h, "prometheus", "secret"));
    struct jxa_http_config p = {.auth = JXA_AUTH_PLAINTEXT, .username = "u", .password = "p"};
    CHECK(jxa_auth_check(&p, "u", "p"));
    CHECK(!jxa_auth_check(&p, "u", "p "));
    CHECK(!jxa_auth_check(&p, "u", ""));
    struct jxa_http_config k = {
        .auth = JXA_AUTH_PBKDF2_SHA1, .username = "u", .salt = "salt", .iterations = 2,
        .password_hash = "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
    };
    CHECK(jxa_auth_check(&k, "u", "password"));
    CHECK(!jxa_auth_check(&k, "u", "passwore"));
    struct jxa_http_config none = {0};
    CHECK(jxa_auth_check(&none, "anyone", "anything"));
}

static void test_hmac_vector(void)
{
    /* RFC 4231 test case 2. */
    uint8_t d[32];
    char h[65];
    const char *msg = "what do ya want for nothing?";
    CHECK_INT(jxa_hmac_sha256("Jefe", 4, msg, strlen(msg), d), 0);
    hex(d, 32, h);
    CHECK_STR(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* A PBKDF2-SHA256 config for user "u" whose password is pw (32-byte hash). */
struct kcfg {
    struct jxa_http_config h;
    char hash[65], salt[32];
};

static void make_kcfg(struct kcfg *k, const char *pw, const char *salt, int iterations)
{
    uint8_t d[32];
    snprintf(k->salt, sizeof k->salt, "%s", salt);
    jxa_pbkdf2(JXA_AUTH_PBKDF2_SHA256, pw, (const uint8_t *)k->salt, strlen(k->salt),
               (unsigned)iterations, d, sizeof d);
    hex(d, 32, k->hash);
    struct jxa_http_config h = {.auth = JXA_AUTH_PBKDF2_SHA256, .username = "u",
                                .salt = k->salt, .iterations = iterations,
                                .password_hash = k->hash};
    k->h = h;
}

static unsigned long derivations(void)
{
    struct jxa_auth_stats st;
    jxa_auth_stats(&st);
    return st.derivations;
}

/* A wrong user name costs what a wrong password costs: one derivation
 * each (counted, not timed), for PBKDF2 and for SHA-x. */
static void test_equal_work(void)
{
    jxa_auth_reset();
    struct kcfg k;
    make_kcfg(&k, "password", "salt", 2);
    CHECK_INT(jxa_auth_verify(&k.h, "u", "wrong"), JXA_AUTH_DENIED);
    CHECK_INT(derivations(), 1);
    CHECK_INT(jxa_auth_verify(&k.h, "nobody", "wrong"), JXA_AUTH_DENIED);
    CHECK_INT(derivations(), 2);
    CHECK_INT(jxa_auth_verify(&k.h, "nobody", "password"), JXA_AUTH_DENIED);
    CHECK_INT(derivations(), 3);
    CHECK_INT(jxa_auth_verify(&k.h, "", ""), JXA_AUTH_DENIED);
    CHECK_INT(derivations(), 4);
    struct jxa_http_config s = {
        .auth = JXA_AUTH_SHA256, .username = "Prometheus",
        .password_hash = "2bf7ed4906ac065bde39f7508d6102a6cdd7153a929ea883ff6cd04442772c99",
        .salt = "U9i%=N+m]#i9yvUV:bA/3n4X9JdPXf=n",
    };
    CHECK_INT(jxa_auth_verify(&s, "Prometheus", "wrong"), JXA_AUTH_DENIED);
    CHECK_INT(derivations(), 5);
    CHECK_INT(jxa_auth_verify(&s, "nobody", "wrong"), JXA_AUTH_DENIED);
    CHECK_INT(derivations(), 6);
    CHECK_INT(jxa_auth_verify(&s, "nobody", "secret"), JXA_AUTH_DENIED);
    CHECK_INT(derivations(), 7);
    CHECK_INT(jxa_auth_verify(&s, "Prometheus", "secret"), JXA_AUTH_OK);
    CHECK_INT(derivations(), 8);
}

/* A repeated valid request does not derive again; a wrong one is never
 * remembered as valid; an entry made under one config does not pass
 * another with the same user and password. */
static void test_cache_hits(void)
{
    jxa_auth_reset();
    struct kcfg k, k2;
    make_kcfg(&k, "password", "salt", 2);
    CHECK_INT(jxa_auth_verify(&k.h, "u", "password"), JXA_AUTH_OK);
    CHECK_INT(derivations(), 1);
    for (int i = 0; i < 3; i++)
        CHECK_INT(jxa_auth_verify(&k.h, "u", "password"), JXA_AUTH_OK);
    CHECK_INT(derivations(), 1);
    struct jxa_auth_stats st;
    jxa_auth_stats(&st);
    CHECK_INT(st.cache_hits, 3);
    CHECK_INT(st.cached, 1);
    CHECK_INT(jxa_auth_verify(&k.h, "u", "passwore"), JXA_AUTH_DENIED);
    CHECK_INT(jxa_auth_verify(&k.h, "u", "passwore"), JXA_AUTH_DENIED);
    CHECK_INT(jxa_auth_verify(&k.h, "v", "password"), JXA_AUTH_DENIED);
    CHECK_INT(derivations(), 4);
    make_kcfg(&k2, "other", "salt", 2);
    CHECK_INT(jxa_auth_verify(&k2.h, "u", "password"), JXA_AUTH_DENIED);
    jxa_auth_stats(&st);
    CHECK_INT(st.cached, 1);
}

static bool contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

/* Neither the password nor an unsalted digest of it is in the cache's
 * memory after a success; the entry is a digest under a secret key. */
static void test_cache_is_salted(void)
{
    jxa_auth_reset();
    struct kcfg k;
    const char *pw = "correct horse battery staple";
    make_kcfg(&k, pw, "salt", 2);
    CHECK_INT(jxa_auth_verify(&k.h, "u", pw), JXA_AUTH_OK);
    uint8_t img[4096];
    size_t n = jxa_auth_cache_image(img, sizeof img);
    CHECK(n > 32);
    CHECK(!contains(img, n, pw, strlen(pw)));
    CHECK(!contains(img, n, "u:", 2) || !contains(img, n, pw, 8));
    const char *forms[] = {"u:correct horse battery staple", "correct horse battery staple",
                           "ucorrect horse battery staple"};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        uint8_t d1[20], d256[32], d512[64];
        jxa_sha1(forms[i], strlen(forms[i]), d1);
        jxa_sha256(forms[i], strlen(forms[i]), d256);
        jxa_sha512(forms[i], strlen(forms[i]), d512);
        CHECK(!contains(img, n, d1, 8));
        CHECK(!contains(img, n, d256, 8));
        CHECK(!contains(img, n, d512, 8));
    }
    /* Not the derived key either (that is the configured hash). */
    uint8_t dk[32];
    jxa_pbkdf2(JXA_AUTH_PBKDF2_SHA256, pw, (const uint8_t *)"salt", 4, 2, dk, sizeof dk);
    CHECK(!contains(img, n, dk, 8));
    /* Something was stored: the entry that made the second call a hit. */
    unsigned long before = derivations();
    CHECK_INT(jxa_auth_verify(&k.h, "u", pw), JXA_AUTH_OK);
    CHECK_INT(derivations(), before);
}

/* More valid credentials than slots (one per config here): the cache
 * stays at JXA_AUTH_CACHE_SLOTS entries, the least recently used goes. */
static void test_cache_bounded(void)
{
    jxa_auth_reset();
    enum { N = JXA_AUTH_CACHE_SLOTS + 4 };
    static struct kcfg k[N];
    for (int i = 0; i < N; i++) {
        char salt[16];
        snprintf(salt, sizeof salt, "salt%d", i);
        make_kcfg(&k[i], "password", salt, 1);
        CHECK_INT(jxa_auth_verify(&k[i].h, "u", "password"), JXA_AUTH_OK);
    }
    struct jxa_auth_stats st;
    jxa_auth_stats(&st);
    CHECK_INT(st.cached, JXA_AUTH_CACHE_SLOTS);
    CHECK_INT(st.derivations, N);
    uint8_t img[65536];
    CHECK(jxa_auth_cache_image(img, sizeof img) <= JXA_AUTH_CACHE_SLOTS * 64);
    /* The newest still hit, the oldest derive again. */
    CHECK_INT(jxa_auth_verify(&k[N - 1].h, "u", "password"), JXA_AUTH_OK);
    CHECK_INT(derivations(), N);
    CHECK_INT(jxa_auth_verify(&k[0].h, "u", "password"), JXA_AUTH_OK);
    CHECK_INT(derivations(), N + 1);
}

struct slow_job {
    struct kcfg k;
    enum jxa_auth_result r;
};

static void *slow_verify(void *arg)
{
    struct slow_job *j = arg;
    j->r = jxa_auth_verify(&j->k.h, "u", "wrong");
    return NULL;
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One derivation at a time: while one runs (tens of seconds here), another
 * request that needs one is refused at once, whatever its user name; a
 * cached one passes.  Then the stop flag ends the running derivation
 * within milliseconds (a hang here is the unit-test timeout). */
static void test_one_derivation_at_a_time(void)
{
    jxa_auth_reset();
    struct kcfg quick;
    make_kcfg(&quick, "password", "salt", 1);
    CHECK_INT(jxa_auth_verify(&quick.h, "u", "password"), JXA_AUTH_OK);

    static struct slow_job job;
    struct jxa_http_config h = {.auth = JXA_AUTH_PBKDF2_SHA256, .username = "u",
                                .salt = "salt", .iterations = 20000000,
                                .password_hash = quick.hash};
    job.k.h = h;
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, slow_verify, &job), 0);
    struct jxa_auth_stats st;
    for (int i = 0; i < 1000; i++) {
        jxa_auth_stats(&st);
        if (st.running == 1)
            break;
        nap_ms(10);
    }
    CHECK_INT(st.running, 1);
    CHECK_INT(jxa_auth_verify(&quick.h, "u", "other"), JXA_AUTH_BUSY);
    CHECK_INT(jxa_auth_verify(&quick.h, "nobody", "password"), JXA_AUTH_BUSY);
    CHECK_INT(jxa_auth_basic(&quick.h, "Basic dTpvdGhlcg=="), JXA_AUTH_BUSY);   /* u:other */
    CHECK_INT(jxa_auth_verify(&quick.h, "u", "password"), JXA_AUTH_OK);         /* cached */
    jxa_auth_stats(&st);
    CHECK_INT(st.busy, 3);
    CHECK_INT(st.peak, 1);

    jxa_auth_interrupt(true);
    pthread_join(t, NULL);
    CHECK_INT(job.r, JXA_AUTH_BUSY);
    /* Interrupted: nothing new starts either. */
    CHECK_INT(jxa_auth_verify(&quick.h, "u", "other"), JXA_AUTH_BUSY);
    jxa_auth_interrupt(false);
    CHECK_INT(jxa_auth_verify(&quick.h, "u", "other"), JXA_AUTH_DENIED);
    jxa_auth_stats(&st);
    CHECK_INT(st.running, 0);
}

static const char *b64(const void *p, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const uint8_t *s = p;
    char *o = out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? s[i + 2] : 0);
        *o++ = a[v >> 18 & 63];
        *o++ = a[v >> 12 & 63];
        *o++ = i + 1 < n ? a[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? a[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

static enum jxa_auth_result basic_raw(const struct jxa_http_config *h, const void *cred, size_t n)
{
    char hdr[2100] = "Basic ";
    b64(cred, n, hdr + 6);
    return jxa_auth_basic(h, hdr);
}

/* The Authorization header: "Basic" base64(user:password).  A NUL inside
 * (then junk) must not pass as the part before it, for every algorithm. */
static void test_basic_header(void)
{
    jxa_auth_reset();
    struct jxa_http_config p = {.auth = JXA_AUTH_PLAINTEXT, .username = "u", .password = "p"};
    struct kcfg k;
    make_kcfg(&k, "p", "salt", 2);
    uint8_t d[32];
    char sh[65];
    jxa_sha256("salt:p", 6, d);
    hex(d, 32, sh);
    struct jxa_http_config s = {.auth = JXA_AUTH_SHA256, .username = "u", .salt = "salt",
                                .password_hash = sh};
    const struct jxa_http_config *all[] = {&p, &k.h, &s};
    for (size_t i = 0; i < 3; i++) {
        const struct jxa_http_config *h = all[i];
        CHECK_INT(basic_raw(h, "u:p", 3), JXA_AUTH_OK);
        CHECK_INT(basic_raw(h, "u:p\0junk", 8), JXA_AUTH_DENIED);
        CHECK_INT(basic_raw(h, "u:p\0", 4), JXA_AUTH_DENIED);
        CHECK_INT(basic_raw(h, "u\0x:p", 5), JXA_AUTH_DENIED);
        CHECK_INT(basic_raw(h, "u:p:", 4), JXA_AUTH_DENIED);    /* the password is "p:" */
        CHECK_INT(basic_raw(h, "up", 2), JXA_AUTH_DENIED);
        CHECK_INT(basic_raw(h, "", 0), JXA_AUTH_DENIED);
        CHECK_INT(jxa_auth_basic(h, "basic dTpw"), JXA_AUTH_OK);        /* no padding, any case */
        CHECK_INT(jxa_auth_basic(h, "Basic   dTpw  "), JXA_AUTH_OK);
        CHECK_INT(jxa_auth_basic(h, "Basic dTpw=junk"), JXA_AUTH_DENIED);
        CHECK_INT(jxa_auth_basic(h, "Basic dT*w"), JXA_AUTH_DENIED);
        CHECK_INT(jxa_auth_basic(h, "Basic"), JXA_AUTH_DENIED);
        CHECK_INT(jxa_auth_basic(h, "Bearer dTpw"), JXA_AUTH_DENIED);
        CHECK_INT(jxa_auth_basic(h, "BasicdTpw"), JXA_AUTH_DENIED);
        CHECK_INT(jxa_auth_basic(h, NULL), JXA_AUTH_DENIED);
    }
    /* Longer than JXA_BASIC_MAX decoded: refused, not cut. */
    static char big[JXA_BASIC_MAX + 8];
    memset(big, 'x', sizeof big);
    memcpy(big, "u:", 2);
    CHECK_INT(basic_raw(&p, big, sizeof big), JXA_AUTH_DENIED);
    struct jxa_http_config none = {0};
    CHECK_INT(jxa_auth_basic(&none, NULL), JXA_AUTH_OK);
}

static void put(const char *path, const char *text)
{
    /* A new file renamed over the old one, as a rotation should do it. */
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    FILE *f = fopen(tmp, "w");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs(text, f);
    fclose(f);
    CHECK_INT(rename(tmp, path), 0);
}

static char dir[] = "/tmp/jxa_token_XXXXXX";

static void test_token_read(void)
{
    char path[300], err[700];
    snprintf(path, sizeof path, "%s/t", dir);
    put(path, "  abc.DEF-123_~+/=\r\n\n");
    char *t = jxa_token_read(path, "t", err, sizeof err);
    CHECK_STR(t, "abc.DEF-123_~+/=");
    free(t);

    put(path, " \n\t");
    CHECK(jxa_token_read(path, "t", err, sizeof err) == NULL);
    CHECK_STR(err, "\"t\" is empty; write the token into it");

    put(path, "two\nlines\n");
    CHECK(jxa_token_read(path, "t", err, sizeof err) == NULL);
    CHECK_STR(err, "the token in \"t\" contains a space or control character (byte 4); "
              "a token is one line of visible characters");

    char big[JXA_TOKEN_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    put(path, big);
    CHECK(jxa_token_read(path, "t", err, sizeof err) == NULL);
    CHECK_STR(err, "\"t\" is larger than 4096 bytes; put only the token in it");
    big[JXA_TOKEN_MAX] = '\0';         /* exactly the limit */
    put(path, big);
    t = jxa_token_read(path, "t", err, sizeof err);
    CHECK(t != NULL && strlen(t) == JXA_TOKEN_MAX);
    free(t);

    CHECK(jxa_token_read(dir, "d", err, sizeof err) == NULL);
    CHECK_STR(err, "\"d\" is not a regular file; give the path of a file that holds the "
              "token");
    /* A FIFO: refused at once, not a blocked open() waiting for a writer. */
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    CHECK_INT(mkfifo(fifo, 0600), 0);
    CHECK(jxa_token_read(fifo, "f", err, sizeof err) == NULL);
    unlink(fifo);

    unlink(path);
    CHECK(jxa_token_read(path, "t", err, sizeof err) == NULL);
    CHECK_STR(err, "cannot read \"t\" (No such file or directory); fix the path or the "
              "file's permissions");
}

static bool accepts(struct jxa_bearer *b, const char *tok)
{
    return jxa_bearer_check(b, tok, strlen(tok));
}

static void test_bearer_rotation(void)
{
    char path[300], msg[700], want[700];
    snprintf(path, sizeof path, "%s/rot", dir);
    put(path, "first\n");
    struct jxa_bearer b;
    /* interval 0: every refresh looks at the file. */
    CHECK_INT(jxa_bearer_init(&b, path, "first", 0), 0);
    CHECK(accepts(&b, "first"));
    CHECK(!accepts(&b, "firs"));
    CHECK(!accepts(&b, "first "));
    CHECK(!accepts(&b, ""));
    CHECK(jxa_bearer_check(&b, "firstx", 5));       /* length-delimited */
    CHECK_INT(jxa_bearer_refresh(&b, msg, sizeof msg), JXA_BEARER_SAME);

    put(path, "second\n");
    CHECK_INT(jxa_bearer_refresh(&b, msg, sizeof msg), JXA_BEARER_ROTATED);
    CHECK(accepts(&b, "second"));
    CHECK(!accepts(&b, "first"));
    /* Same token in a new file: nothing to report. */
    put(path, "second");
    CHECK_INT(jxa_bearer_refresh(&b, msg, sizeof msg), JXA_BEARER_SAME);

    /* The file goes away, then comes back empty: reported once, the last
     * good token stays. */
    unlink(path);
    msg[0] = '\0';
    CHECK_INT(jxa_bearer_refresh(&b, msg, sizeof msg), JXA_BEARER_FAILED);
    snprintf(want, sizeof want, "cannot read \"%s\" (No such file or directory); fix the "
             "path or the file's permissions", path);
    CHECK_STR(msg, want);
    CHECK_INT(jxa_bearer_refresh(&b, msg, sizeof msg), JXA_BEARER_SAME);
    put(path, "\n");
    CHECK_INT(jxa_bearer_refresh(&b, msg, sizeof msg), JXA_BEARER_SAME);
    CHECK(accepts(&b, "second"));
    put(path, "third\n");
    CHECK_INT(jxa_bearer_refresh(&b, msg, sizeof msg), JXA_BEARER_ROTATED);
    CHECK(accepts(&b, "third") && !accepts(&b, "second"));
    /* A new failure episode is reported again. */
    put(path, "a b");
    CHECK_INT(jxa_bearer_refresh(&b, msg, sizeof msg), JXA_BEARER_FAILED);
    CHECK(accepts(&b, "third"));
    jxa_bearer_free(&b);

    /* The file is read again at the first look even if unchanged since
     * init: it may differ from what the config loader saw. */
    put(path, "fourth");
    CHECK_INT(jxa_bearer_init(&b, path, "from-load", 0), 0);
    CHECK(accepts(&b, "from-load"));
    CHECK_INT(jxa_bearer_refresh(&b, msg, sizeof msg), JXA_BEARER_ROTATED);
    CHECK(accepts(&b, "fourth"));
    jxa_bearer_free(&b);

    /* With an interval, the file is not looked at before it has passed. */
    CHECK_INT(jxa_bearer_init(&b, path, "fourth", 60000), 0);
    put(path, "fifth");
    CHECK_INT(jxa_bearer_refresh(&b, msg, sizeof msg), JXA_BEARER_SAME);
    CHECK(accepts(&b, "fourth"));
    jxa_bearer_free(&b);
    unlink(path);
}

SUITE(auth)
{
    RUN(test_sha_vectors);
    RUN(test_pbkdf2_vectors);
    RUN(test_hmac_vector);
    RUN(test_check);
    RUN(test_equal_work);
    RUN(test_cache_hits);
    RUN(test_cache_is_salted);
    RUN(test_cache_bounded);
    RUN(test_one_derivation_at_a_time);
    RUN(test_basic_header);
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "mkdtemp failed\n");
        jxa_t_failed++;
        return;
    }
    RUN(test_token_read);
    RUN(test_bearer_rotation);
    rmdir(dir);
}
