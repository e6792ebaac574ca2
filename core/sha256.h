/* sha256.h - SHA-256 (FIPS 180-4): the image cache's keys (the tool), and
 * the payload hash a signed UEFI loader checks (docs/secure-boot.md). */
#ifndef CORE_SHA256_H
#define CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint8_t buf[64];
    size_t nbuf;
    uint64_t len;
};
void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* Ends the hash: the 32-byte digest; or the digest in hex, NUL-terminated. */
void sha256_final(struct sha256 *s, uint8_t out[32]);
void sha256_hex(struct sha256 *s, char out[65]);
/* 32 bytes as 64 lowercase hex digits and a NUL. */
void sha256_to_hex(const uint8_t digest[32], char out[65]);

#endif
