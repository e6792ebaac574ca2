/* entropy.h - the loader's entropy pool: every source (RDSEED, RDRAND, the
 * firmware's RNG, TSC jitter) is absorbed into one BLAKE2s-256 state, tagged
 * with its source and length; outputs are drawn from a copy of the state
 * with a label, so the kernel's entropy[] and the ASLR seed are independent
 * one-way outputs of the same pool (neither reveals the other). BLAKE2s
 * (RFC 7693) is written here; tests/unit/test_entropy.c checks it against
 * the RFC's test vector and Python's hashlib. */
#ifndef CORE_ENTROPY_H
#define CORE_ENTROPY_H

#include <stddef.h>
#include <stdint.h>

struct blake2s {
    uint32_t h[8], t[2];
    uint8_t buf[64];
    size_t n; /* bytes in buf */
};
void blake2s_init(struct blake2s *s); /* unkeyed, 32-byte digest */
void blake2s_update(struct blake2s *s, const void *data, size_t len);
void blake2s_final(struct blake2s *s, uint8_t out[32]);

struct entropy_pool {
    struct blake2s st;
    uint32_t sources; /* KILN_ENTROPY_* of the sources that contributed */
};
void entropy_init(struct entropy_pool *p);
/* Absorb len bytes from one source (a KILN_ENTROPY_* bit, or 0 for context
 * that is mixed in but is no source, such as the firmware type). */
void entropy_add(struct entropy_pool *p, uint32_t source, const void *data, size_t len);
/* 32 bytes for `label`; the pool itself is unchanged. */
void entropy_extract(const struct entropy_pool *p, const char *label, uint8_t out[32]);

#endif
