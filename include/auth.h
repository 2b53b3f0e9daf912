/* auth.h - HTTP Basic credentials checked the way jmx_exporter's
 * httpServer.authentication.basic does (reference/jmx_exporter.md 1.5):
 *   plaintext       byte equality
 *   SHA-1/256/512   passwordHash == hex(SHA-x(salt + ":" + password))
 *   PBKDF2WithHmacSHA1/256/512  PBKDF2(password, salt, iterations), as
 *                   long as the configured hash
 * All comparisons are constant-time.  Pure C (own SHA implementations:
 * no OpenSSL in the JVM's process). */
#ifndef JXA_AUTH_H
#define JXA_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Digests; out must hold 20 / 32 / 64 bytes. */
void jxa_sha1(const void *p, size_t n, uint8_t out[20]);
void jxa_sha256(const void *p, size_t n, uint8_t out[32]);
void jxa_sha512(const void *p, size_t n, uint8_t out[64]);
/* PBKDF2 with HMAC-SHA1/256/512 (alg: JXA_AUTH_PBKDF2_*).  Returns 0 or -1. */
int jxa_pbkdf2(enum jxa_auth_alg alg, const char *password, const uint8_t *salt,
               size_t saltlen, unsigned iterations, uint8_t *out, size_t outlen);

/* Does user:password pass h?  True when h->auth is JXA_AUTH_NONE. */
bool jxa_auth_check(const struct jxa_http_config *h, const char *user, const char *password);

#endif
