/* test_entropy.c - BLAKE2s-256 and the entropy pool (core/entropy.c). The
 * expected digests are RFC 7693's "abc" vector and Python's
 * hashlib.blake2s. */
#include <stdio.h>
#include <string.h>

#include "core/entropy.h"
#include "kiln.h"
#include "tests/unit/testlib.h"

static void hex(const uint8_t d[32], char out[65]) {
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static void digest(const void *data, size_t len, size_t step, char out[65]) {
    struct blake2s s;
    uint8_t d[32];
    blake2s_init(&s);
    for (size_t off = 0; off < len; off += step) blake2s_update(&s, (const uint8_t *)data + off, len - off < step ? len - off : step);
    blake2s_final(&s, d);
    hex(d, out);
}

TEST(blake2s_vectors) {
    char h[65];
    digest("abc", 3, 3, h);
    CHECK(!strcmp(h, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"), "\"abc\": %s", h);
    digest("", 0, 1, h);
    CHECK(!strcmp(h, "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9"), "\"\": %s", h);
    uint8_t b[768];
    for (size_t i = 0; i < sizeof b; i++) b[i] = (uint8_t)i;
    digest(b, 64, 64, h); /* exactly one block: it must be the final one */
    CHECK(!strcmp(h, "56f34e8b96557e90c1f24b52d0c89d51086acf1b00f634cf1dde9233b8eaaa3e"), "one block: %s", h);
    static const size_t steps[] = {1, 7, 63, 64, 65, 768};
    for (unsigned i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        digest(b, sizeof b, steps[i], h);
        CHECK(!strcmp(h, "b928a17862e211e99759ba8819280803a914cd3dee7c5d711a3b5185aa96a7b3"), "768 bytes in pieces of %zu: %s",
              steps[i], h);
    }
}

TEST(pool) {
    struct entropy_pool a, b;
    uint8_t x[32], y[32], z[32];
    entropy_init(&a);
    entropy_add(&a, KILN_ENTROPY_RDRAND, "0123456789abcdef", 16);
    entropy_add(&a, KILN_ENTROPY_TSC, "t", 1);
    CHECK(a.sources == (KILN_ENTROPY_RDRAND | KILN_ENTROPY_TSC), "sources 0x%x", a.sources);
    entropy_extract(&a, "boot info", x);
    entropy_extract(&a, "boot info", y);
    CHECK(!memcmp(x, y, 32), "extracting leaves the pool as it was");
    entropy_extract(&a, "aslr", z);
    CHECK(memcmp(x, z, 32) != 0, "two labels give the same bytes");
    /* Framing: the same bytes split differently between inputs, or from
     * another source, mix to something else. */
    entropy_init(&b);
    entropy_add(&b, KILN_ENTROPY_RDRAND, "0123456789abcdef", 15);
    entropy_add(&b, KILN_ENTROPY_TSC, "ft", 2);
    entropy_extract(&b, "boot info", y);
    CHECK(memcmp(x, y, 32) != 0, "a different split mixed to the same bytes");
    entropy_init(&b);
    entropy_add(&b, KILN_ENTROPY_RDSEED, "0123456789abcdef", 16);
    entropy_add(&b, KILN_ENTROPY_TSC, "t", 1);
    entropy_extract(&b, "boot info", y);
    CHECK(memcmp(x, y, 32) != 0, "the source tag is not mixed in");
    /* One bit of input changes about half of the output. */
    entropy_init(&b);
    entropy_add(&b, KILN_ENTROPY_RDRAND, "0123456789abcdeg", 16);
    entropy_add(&b, KILN_ENTROPY_TSC, "t", 1);
    entropy_extract(&b, "boot info", y);
    int bits = 0;
    for (int i = 0; i < 32; i++) bits += __builtin_popcount(x[i] ^ y[i]);
    CHECK(bits > 80 && bits < 176, "one input bit flipped %d of 256 output bits", bits);
}
