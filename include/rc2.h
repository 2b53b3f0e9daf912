/* rc2.h - RC2 block decryption (RFC 2268), for the certificates of old
 * PKCS#12 keystores: keytool before JDK 8u301/11.0.12, keytool with
 * -J-Dkeystore.pkcs12.legacy and OpenSSL 1.x encrypt them with
 * pbeWithSHAAnd40BitRC2-CBC, and mbedTLS has no RC2.  Decryption only:
 * nothing here ever writes RC2.  Pure C, no state outside the struct. */
#ifndef JXA_RC2_H
#define JXA_RC2_H

#include <stddef.h>
#include <stdint.h>

struct jxa_rc2 {
    uint16_t k[64];             /* the expanded key */
};

/* keylen 1..128 bytes; effective_bits 1..1024 (PKCS#12's RC2-40 uses a
 * 5-byte key with 40 effective bits, RC2-128 16 bytes with 128).
 * Returns 0, or -1 for a length out of range. */
int jxa_rc2_setkey(struct jxa_rc2 *c, const uint8_t *key, size_t keylen,
                   unsigned effective_bits);
/* Decrypts one 8-byte block; in and out may be the same. */
void jxa_rc2_decrypt_block(const struct jxa_rc2 *c, const uint8_t in[8], uint8_t out[8]);
/* CBC decryption of n bytes (a multiple of 8) in place; iv is updated. */
int jxa_rc2_cbc_decrypt(const struct jxa_rc2 *c, uint8_t iv[8], uint8_t *buf, size_t n);

#endif
