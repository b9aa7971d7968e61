/*
 * hash.c: SHA-256 (OpenSSL libcrypto), hex encoding, and secure random bytes
 * (getrandom) for map seeds, ids and keys.
 */
#include "base/base.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "base/banned.h"

void
ks_hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void
ks_sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 32;

    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1)
        KS_BUG("EVP_Digest(sha256) failed");
}

void
ks_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char d[32];

    ks_sha256(data, len, d);
    ks_hex_encode(d, sizeof(d), hex);
}

enum ks_code
ks_random_bytes(void *out, size_t n, struct ks_err *err)
{
    unsigned char *p = out;

    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);

        if (got < 0) {
            if (errno == EINTR)
                continue;
            return ks_err_set(err, KS_EIO, "getrandom failed: %s", strerror(errno));
        }
        p += got;
        n -= (size_t)got;
    }
    return KS_OK;
}
