/* keystore.h - reads Java keystores into mbedTLS objects: the server's
 * identity (private key and certificate chain) from a keystore, the
 * trusted certificates from a truststore.  Pure C on mbedTLS's ASN.1,
 * digest and cipher code; no JVM.  docs/tls.md "Keystores" lists the
 * formats, algorithms and error messages.
 *
 * The format comes from the file's content, not from a type setting, as
 * the JDK's KeyStore does since keystore.type.compat: a file that starts
 * with 0xFEEDFEED is JKS, 0xCECECECE JCEKS (refused), a DER SEQUENCE is
 * PKCS#12.
 *
 * Passwords are UTF-8 (as the YAML config gives them).  The key password
 * is the keystore password, as jmx_exporter's KeyManagerFactory.init()
 * makes it.  Aliases compare without ASCII case, as the JDK's keystores
 * lowercase them.
 *
 * Every function returns 0 or a negative JXA_KS_E* and then writes one
 * line to err: "<file>: <what is wrong>; <what to do>".  Nothing is left
 * half-filled on failure: the out-parameters are empty again.
 * No global state: any thread. */
#ifndef JXA_KEYSTORE_H
#define JXA_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

enum {
    JXA_KS_EFILE = -1,          /* cannot open or read the file */
    JXA_KS_EPASSWORD = -2,      /* integrity check or key decryption failed */
    JXA_KS_EALIAS = -3,         /* no key entry with that alias */
    JXA_KS_ECORRUPT = -4,       /* truncated or malformed */
    JXA_KS_EUNSUPPORTED = -5,   /* an algorithm or format we do not read */
    JXA_KS_ENOKEY = -6,         /* no private key entry / no trusted certificate */
    JXA_KS_ENOMEM = -7,
};

/* Largest file read: a truststore of a few hundred CAs is well below. */
#define JXA_KS_MAX_FILE (16u << 20)

struct jxa_ks_identity {
    mbedtls_pk_context key;
    mbedtls_x509_crt chain;     /* the entry's certificate first, then its issuers */
    char *alias;                /* the entry's alias as stored (malloc'd) */
};

void jxa_ks_identity_init(struct jxa_ks_identity *id);
void jxa_ks_identity_free(struct jxa_ks_identity *id);

/* The key entry `alias` of the keystore at path, or, with alias NULL or
 * "", the first key entry in the file.  The key must belong to the first
 * certificate of its chain.  id must be initialised (jxa_ks_identity_init). */
int jxa_keystore_load_identity(const char *path, const char *password, const char *alias,
                               struct jxa_ks_identity *id, char *err, size_t errlen);

/* The certificates a JDK TrustManagerFactory trusts in the keystore at
 * path: every trusted-certificate entry and the first certificate of
 * every key entry (keys are not decrypted).  They are appended to cas (an
 * initialised mbedtls_x509_crt); *count is how many (at least 1). */
int jxa_keystore_load_trust(const char *path, const char *password,
                            mbedtls_x509_crt *cas, size_t *count, char *err, size_t errlen);

/* The same on a keystore in memory; `shown` names it in messages. */
int jxa_keystore_parse_identity(const uint8_t *data, size_t len, const char *shown,
                                const char *password, const char *alias,
                                struct jxa_ks_identity *id, char *err, size_t errlen);
int jxa_keystore_parse_trust(const uint8_t *data, size_t len, const char *shown,
                             const char *password, mbedtls_x509_crt *cas, size_t *count,
                             char *err, size_t errlen);

/* A PKCS#8 EncryptedPrivateKeyInfo (DER) with the algorithms of the
 * keystores (PBES2 with AES or 3DES and any HMAC-SHA PRF, the PKCS#12
 * PBEs), which mbedTLS 2.28's own parser lacks: OpenSSL 3 encrypts PEM
 * keys with PBES2, AES-256 and HMAC-SHA-256.  key must be initialised. */
int jxa_keystore_decrypt_pkcs8(const uint8_t *der, size_t len, const char *shown,
                               const char *password, mbedtls_pk_context *key, char *err,
                               size_t errlen);

#endif
