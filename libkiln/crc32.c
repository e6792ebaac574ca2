/* crc32.c - CRC-32 (IEEE), slicing by 8: eight table lookups per 8 bytes
 * instead of one per byte, about a third of the instructions of the
 * byte-at-a-time loop (the payload check of a 64 MiB kernel is the
 * loader's largest cost; docs/benchmarks.md). The 8 KiB of tables are
 * computed on first use rather than stored, to keep stage 2 small. The
 * loaders build it with KILN_CRC32_BYTEWISE: one 1 KiB table and a byte at
 * a time, as they check only GPTs and the payload header with it. */
#include <kiln/crc32.h>

#include <stdbool.h>

/* Loads of the input may be unaligned and alias anything. */
typedef uint64_t __attribute__((aligned(1), may_alias)) crc_u64;

#ifdef KILN_CRC32_BYTEWISE
#define SLICES 1
#else
#define SLICES 8
#endif
static uint32_t table[SLICES][256];
static bool table_ready;

static void make_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[0][i] = c;
    }
    /* table[k][i]: the CRC of byte i followed by k zero bytes. */
    for (uint32_t i = 0; i < 256; i++)
        for (int k = 1; k < SLICES; k++) table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xff];
    table_ready = true;
}

uint32_t kiln_crc32(uint32_t crc, const void *buf, size_t n) {
    if (!table_ready) make_table();
    const uint8_t *p = buf;
    crc = ~crc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && SLICES == 8
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t v = *(const crc_u64 *)p ^ crc;
        uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
        crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
              table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^ table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
    }
#endif
    while (n--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}
