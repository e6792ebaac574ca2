/* test_crc32.c - CRC-32 (libkiln/crc32.c): the standard check values, piecewise. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/crc32.h>
#include "core/util.h"
#include "tests/unit/testlib.h"

TEST(crc32_vectors) {
    CHECK(kiln_crc32(0, "123456789", 9) == 0xcbf43926u, "check value: %08x", kiln_crc32(0, "123456789", 9));
    CHECK(kiln_crc32(0, "", 0) == 0, "empty");
    CHECK(kiln_crc32(0, "a", 1) == 0xe8b7be43u, "\"a\": %08x", kiln_crc32(0, "a", 1));
    static const char fox[] = "The quick brown fox jumps over the lazy dog";
    CHECK(kiln_crc32(0, fox, sizeof fox - 1) == 0x414fa339u, "fox: %08x", kiln_crc32(0, fox, sizeof fox - 1));
    uint8_t zeros[32] = {0};
    CHECK(kiln_crc32(0, zeros, 32) == 0x190a55adu, "32 zero bytes: %08x", kiln_crc32(0, zeros, 32));
    uint32_t c = kiln_crc32(0, "1234", 4);
    CHECK(kiln_crc32(c, "56789", 5) == 0xcbf43926u, "in two pieces");
    c = 0;
    for (int i = 0; i < 9; i++) c = kiln_crc32(c, "123456789" + i, 1);
    CHECK(c == 0xcbf43926u, "byte by byte");
}

/* The bit-at-a-time definition, to check the sliced tables against. */
static uint32_t crc32_bitwise(uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
    }
    return ~crc;
}

/* Every length 0..300 at every alignment 0..7, and pieces split at every
 * point, agree with the definition (the 8-byte loop, its tail, a start
 * inside an 8-byte word). */
TEST(crc32_sliced_matches_definition) {
    static uint8_t buf[320];
    uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
    int bad = 0;
    for (size_t a = 0; a < 8; a++)
        for (size_t n = 0; n + a <= 300; n++)
            bad += kiln_crc32(0, buf + a, n) != crc32_bitwise(0, buf + a, n);
    CHECK(bad == 0, "%d (alignment, length) pairs differ from the bitwise CRC", bad);
    uint32_t want = crc32_bitwise(0, buf, 300);
    for (size_t cut = 0; cut <= 300; cut++) bad += kiln_crc32(kiln_crc32(0, buf, cut), buf + cut, 300 - cut) != want;
    CHECK(bad == 0, "%d split points give a different CRC", bad);
}

/* The loaders' build (KILN_CRC32_BYTEWISE: one table, a byte at a time)
 * against the sliced one, compiled here under another name. */
#define KILN_CRC32_BYTEWISE
#define kiln_crc32 crc32_bytewise_build
#define table bytewise_table
#define table_ready bytewise_table_ready
#define make_table bytewise_make_table
uint32_t crc32_bytewise_build(uint32_t crc, const void *buf, size_t n);
#include "libkiln/crc32.c"
#undef kiln_crc32

TEST(crc32_loader_build_matches) {
    static uint8_t buf[4096];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 131 + (i >> 7));
    for (size_t n = 0; n <= sizeof buf; n += n < 64 ? 1 : 97)
        if (crc32_bytewise_build(0, buf, n) != kiln_crc32(0, buf, n)) {
            CHECK(0, "length %zu: %08x, sliced %08x", n, crc32_bytewise_build(0, buf, n), kiln_crc32(0, buf, n));
            return;
        }
    CHECK(sizeof bytewise_table == 1024, "the loaders' table is %zu bytes", sizeof bytewise_table);
}
