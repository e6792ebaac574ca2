/* sha256.h - SHA-256, for keys over file contents (the image cache's). */
#ifndef KILN_TOOL_SHA256_H
#define KILN_TOOL_SHA256_H

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
/* Ends the hash: the digest in hex, NUL-terminated. */
void sha256_hex(struct sha256 *s, char out[65]);

#endif
