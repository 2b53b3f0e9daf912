/* libFuzzer target: the keystore reader (PKCS#12 and JKS) on any bytes.
 * Built with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION: integrity checks
 * are computed but ignored and key derivation is capped, so mutations get
 * past the MAC to the SafeBags, the decrypted keys and the certificates.
 * Properties: no crash, no leak; an error is one line naming the input;
 * a loaded identity has a key and a chain. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    struct jxa_ks_identity id;
    jxa_ks_identity_init(&id);
    int r = jxa_keystore_parse_identity(data, size, "in", "changeit", NULL, &id, err, sizeof err);
    if (r == 0) {
        if (id.alias == NULL || id.chain.raw.p == NULL
            || mbedtls_pk_get_type(&id.key) == MBEDTLS_PK_NONE)
            abort();
        jxa_ks_identity_free(&id);
    } else if (strncmp(err, "in: ", 4) != 0 || strchr(err, '\n') || id.alias != NULL) {
        abort();
    }
    /* the same bytes as a truststore, and an alias that is not there */
    mbedtls_x509_crt cas;
    mbedtls_x509_crt_init(&cas);
    size_t n;
    if (jxa_keystore_parse_trust(data, size, "in", "changeit", &cas, &n, err, sizeof err) == 0 && n == 0)
        abort();
    mbedtls_x509_crt_free(&cas);
    if (jxa_keystore_parse_identity(data, size, "in", "changeit", "no-such", &id, err, sizeof err) == 0)
        jxa_ks_identity_free(&id);
    /* the same bytes as an encrypted PKCS#8 key (a PEM privateKey) */
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    if (jxa_keystore_decrypt_pkcs8(data, size, "in", "changeit", &pk, err, sizeof err) != 0
        && (strncmp(err, "in: ", 4) != 0 || strchr(err, '\n')
            || mbedtls_pk_get_type(&pk) != MBEDTLS_PK_NONE))
        abort();
    mbedtls_pk_free(&pk);
    return 0;
}
