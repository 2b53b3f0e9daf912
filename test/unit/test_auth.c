/* test_auth.c - digests against published vectors (FIPS 180, RFC 6070,
 * RFC 7914 section 11), jmx_exporter's documented credentials, and bearer
 * token files (reading, rotation, a file that goes bad). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    jxa_sha512("abc", 3, d); hex(d, 64, h);
    CHECK_STR(h, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

static void test_pbkdf2_vectors(void)
{
    uint8_t d[64];
    char h[129];
    CHECK_INT(jxa_pbkdf2(JXA_AUTH_PBKDF2_SHA1, "password", (const uint8_t *)"salt", 4, 2, d, 20), 0);
    hex(d, 20, h);
    CHECK_STR(h, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
    jxa_pbkdf2(JXA_AUTH_PBKDF2_SHA1, "passwordPASSWORDpassword",
               (const uint8_t *)"saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096, d, 25);
    hex(d, 25, h);
    CHECK_STR(h, "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038");
    jxa_pbkdf2(JXA_AUTH_PBKDF2_SHA256, "passwd", (const uint8_t *)"salt", 4, 1, d, 64);
    hex(d, 64, h);
    CHECK_STR(h, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                 "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
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
    RUN(test_check);
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "mkdtemp failed\n");
        jxa_t_failed++;
        return;
    }
    RUN(test_token_read);
    RUN(test_bearer_rotation);
    rmdir(dir);
}
