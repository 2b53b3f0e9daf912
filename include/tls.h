/* tls.h - the TLS side of the HTTP server: httpServer.ssl made into
 * mbedTLS server configurations (docs/tls.md).  Pure C on mbedTLS and
 * keystore.h; no JVM, no civetweb.
 *
 * A jxa_tls holds the current mbedtls_ssl_config (certificate and key,
 * trusted client CAs for mutualTLS, versions, ciphersuites).  civetweb
 * (with our patch, tools/patches/) asks for one per accepted connection
 * (jxa_tls_acquire) and hands it back when the connection's TLS context
 * is freed (jxa_tls_release).  acquire looks at the files first (one
 * stat each): when one changed, the material is loaded again and new
 * connections get the new config while connections in flight keep the
 * old one, which is freed when its last connection ends.  A changed file
 * that does not load leaves the running config in place (one WARN).
 *
 * Errors are one line: "<what>: <what is wrong>; <what to do>". */
#ifndef JXA_TLS_H
#define JXA_TLS_H

#include <stddef.h>

#include <mbedtls/ssl.h>

#include "config.h"

struct jxa_tls;

/* protocols (jmx_exporter's comma-separated JSSE names, TLSv1.2 ...):
 * the lowest and highest TLS 1.x minor version to serve.  TLSv1.3 is
 * accepted beside an older one and ignored (mbedTLS 2.28 has no TLS 1.3);
 * alone it is an error.  Returns 0 or -1 with err. */
int jxa_tls_protocols(const char *list, int *min_minor, int *max_minor, char *err,
                      size_t errlen);
/* ciphers (JSSE names, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ...): a
 * malloc'd 0-terminated array of mbedTLS ciphersuite ids.  TLS 1.3 suites
 * are ignored beside others. Returns NULL with err. */
int *jxa_tls_ciphers(const char *list, char *err, size_t errlen);

/* Loads everything t names (the fallbacks already filled in) and builds
 * the first config.  NULL with err. */
struct jxa_tls *jxa_tls_new(const struct jxa_tls_config *t, char *err, size_t errlen);
/* A config for one connection; NULL when none can be made (out of
 * memory).  Thread-safe. */
const mbedtls_ssl_config *jxa_tls_acquire(struct jxa_tls *s);
void jxa_tls_release(struct jxa_tls *s, const mbedtls_ssl_config *conf);
/* After the server stopped: every config must have been released. */
void jxa_tls_free(struct jxa_tls *s);

/* Copies t's strings (for a server that outlives the config). */
int jxa_tls_config_copy(struct jxa_tls_config *dst, const struct jxa_tls_config *src);
void jxa_tls_config_free(struct jxa_tls_config *t);

#endif
