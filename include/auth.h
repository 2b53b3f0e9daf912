/* auth.h - HTTP authentication, pure C; the digests, HMAC and PBKDF2 are
 * mbedTLS's (linked into the agent, hidden: no OpenSSL in the JVM's
 * process, no clash with another copy of mbedTLS).
 *
 * Basic: credentials checked the way jmx_exporter's
 * httpServer.authentication.basic does (docs/semantics.md §13):
 *   plaintext       byte equality
 *   SHA-1/256/512   passwordHash == hex(SHA-x(salt + ":" + password))
 *   PBKDF2WithHmacSHA1/256/512  PBKDF2(password, salt, iterations), as
 *                   long as the configured hash
 * Bearer (RFC 6750; our extension, jmx_exporter has only Basic): a token
 * read from a file and re-read when the file changes.
 * All comparisons are constant-time. */
#ifndef JXA_AUTH_H
#define JXA_AUTH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"

/* Digests; out must hold 20 / 32 / 64 bytes.  Return 0, or -1 (out is
 * then not a digest). */
int jxa_sha1(const void *p, size_t n, uint8_t out[20]);
int jxa_sha256(const void *p, size_t n, uint8_t out[32]);
int jxa_sha512(const void *p, size_t n, uint8_t out[64]);
/* PBKDF2 with HMAC-SHA1/256/512 (alg: JXA_AUTH_PBKDF2_*):
 * mbedtls_pkcs5_pbkdf2_hmac().  Returns 0 or -1. */
int jxa_pbkdf2(enum jxa_auth_alg alg, const char *password, const uint8_t *salt,
               size_t saltlen, unsigned iterations, uint8_t *out, size_t outlen);
/* The same, giving up with -2 once *stop is true (looked at every 1,024
 * iterations, a few ms): a derivation must not hold the server's stop.
 * stop may be NULL.  mbedTLS's PBKDF2 cannot be stopped, so this runs the
 * same loop over mbedTLS's HMAC. */
int jxa_pbkdf2_until(enum jxa_auth_alg alg, const char *password, const uint8_t *salt,
                     size_t saltlen, unsigned iterations, uint8_t *out, size_t outlen,
                     const atomic_bool *stop);
/* HMAC-SHA256 (RFC 2104).  Returns 0, or -1 when out of memory. */
int jxa_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n, uint8_t out[32]);

/* --- Basic: the policy above the primitives ------------------------- *
 * Any thread.  PBKDF2 is the expensive case, so for it:
 *  - verified credentials are cached (JXA_AUTH_CACHE_SLOTS entries, least
 *    recently used replaced), keyed by an HMAC under a per-process random
 *    secret: no password nor unsalted digest of one is kept;
 *  - at most one derivation runs at a time in the process; a request
 *    that would need a second one gets JXA_AUTH_BUSY at once;
 *  - a wrong user name does the same work as a wrong password.
 * Plaintext and SHA-x compare in constant time, with the same equal work. */
#define JXA_AUTH_CACHE_SLOTS 8
#define JXA_BASIC_MAX 1024      /* decoded user:password, bytes */

enum jxa_auth_result {
    JXA_AUTH_DENIED = 0,        /* wrong or malformed credentials: 401 */
    JXA_AUTH_OK,
    JXA_AUTH_BUSY,              /* not checked now (a derivation is running,
                                   or the server is stopping): 429 */
};

/* Checks the value of an Authorization header (NULL: none) against h:
 * "Basic" base64(user ":" password), RFC 7617.  Credentials with a NUL
 * (or undecodable base64, or more than JXA_BASIC_MAX bytes) are DENIED. */
enum jxa_auth_result jxa_auth_basic(const struct jxa_http_config *h, const char *header);
/* user:password against h.  OK when h->auth is JXA_AUTH_NONE, DENIED when
 * it is JXA_AUTH_BEARER. */
enum jxa_auth_result jxa_auth_verify(const struct jxa_http_config *h, const char *user,
                                     const char *password);
/* jxa_auth_verify() == JXA_AUTH_OK. */
bool jxa_auth_check(const struct jxa_http_config *h, const char *user, const char *password);

/* on: a running derivation stops within a few ms (its request gets
 * JXA_AUTH_BUSY), and so do new ones.  The HTTP server sets it before
 * mg_stop(), which waits for every handler, and clears it after. */
void jxa_auth_interrupt(bool on);

struct jxa_auth_stats {
    unsigned long derivations;  /* password hashes computed (SHA-x or PBKDF2) */
    unsigned long cache_hits;
    unsigned long busy;         /* refused: the derivation slot was taken */
    unsigned cached;            /* cache entries in use */
    int peak;                   /* most derivations ever running at once */
    int running;                /* derivations running now */
};
void jxa_auth_stats(struct jxa_auth_stats *out);
/* For tests: empties the cache, zeroes the counters, clears the interrupt. */
void jxa_auth_reset(void);
/* For tests: copies the cache's memory (what a core dump would show) into
 * out; returns the bytes copied. */
size_t jxa_auth_cache_image(uint8_t *out, size_t max);

/* --- Bearer tokens ------------------------------------------------- */

#define JXA_TOKEN_MAX 4096

/* Reads the token in path: the file's content without leading and
 * trailing whitespace (the newline `echo` and editors leave).  The file
 * must be a regular file (a FIFO would block the caller) of at most
 * JXA_TOKEN_MAX bytes, and the token one run of visible characters (nothing
 * else survives an Authorization header).  Returns a malloc'd string the
 * caller frees, or NULL with "<what>; <what to do>" in err, naming the file
 * as `shown` (the path as the user wrote it).  Any thread. */
char *jxa_token_read(const char *path, const char *shown, char *err, size_t errlen);

/* The token a running server accepts.  Rotation without a restart: the
 * file is looked at (one stat) at most every interval_ms and re-read when
 * its identity changed; a file that became unusable keeps the last good
 * token.  Thread-safe (one mutex); the fields are private. */
struct jxa_bearer {
    pthread_mutex_t mu;
    char *path;
    uint8_t digest[32];         /* SHA-256 of the accepted token */
    bool have_id;               /* the fields below describe the file */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    struct timespec checked;    /* CLOCK_MONOTONIC of the last look */
    long interval_ms;
    bool failing;               /* the last read found no usable token */
    bool looking;               /* a caller is stat()ing or reading the file */
};

/* token: the file's token as read at config load.  The file itself is
 * re-read at the first look (it may have changed since).  Returns 0, or
 * -1 when out of memory. */
int jxa_bearer_init(struct jxa_bearer *b, const char *path, const char *token,
                    long interval_ms);
void jxa_bearer_free(struct jxa_bearer *b);

enum jxa_bearer_event {
    JXA_BEARER_SAME = 0,        /* nothing new */
    JXA_BEARER_ROTATED,         /* the file holds a new token, now in use */
    JXA_BEARER_FAILED,          /* the file cannot be used (first time since
                                   the last good read): msg says why; the
                                   previous token stays in use */
};
/* Looks at the file if interval_ms has passed and no other caller is
 * looking (JXA_BEARER_SAME at once otherwise).  The file's I/O runs outside
 * the mutex: a hung file system holds this caller only.  Log
 * JXA_BEARER_FAILED once: later failures of the same episode return
 * JXA_BEARER_SAME. */
enum jxa_bearer_event jxa_bearer_refresh(struct jxa_bearer *b, char *msg, size_t msglen);
/* Is presented[0..n) the current token?  Constant-time in the content and
 * the length of both (compares SHA-256 digests). */
bool jxa_bearer_check(struct jxa_bearer *b, const char *presented, size_t n);

#endif
