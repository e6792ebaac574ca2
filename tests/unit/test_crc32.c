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
