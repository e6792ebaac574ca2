/* gptpatch.c - edits the GPTs of an image made by `kiln image`, fixing up
 * every CRC, so tests/cli/hostile.sh can hand `kiln info` tables that are
 * valid except for one thing. Self-contained (its own CRC-32), sharing no
 * code with the tool.
 *   gptpatch IMG kiln-lbas FIRST LAST   the Kiln entry (the second) in both arrays
 *   gptpatch IMG header-size N          the primary header's size (CRC over N bytes)
 *   gptpatch IMG entry-size N           the primary header's entry size */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc32(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}
static uint64_t get(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static void put(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void fail(const char *msg) {
    fprintf(stderr, "gptpatch: %s\n", msg);
    exit(2);
}

static FILE *f;
static void rd(uint64_t off, void *buf, size_t n) {
    if (fseek(f, (long)off, SEEK_SET) || fread(buf, 1, n, f) != n) fail("read failed");
}
static void wr(uint64_t off, const void *buf, size_t n) {
    if (fseek(f, (long)off, SEEK_SET) || fwrite(buf, 1, n, f) != n) fail("write failed");
}

/* The header at lba: its array's entry 1 moved to first..last (if first
 * is not UINT64_MAX), then both CRCs recomputed. */
static void patch(uint64_t lba, uint64_t first, uint64_t last) {
    uint8_t h[512];
    rd(lba * 512, h, 512);
    if (memcmp(h, "EFI PART", 8)) fail("no GPT header");
    uint64_t ents = get(h + 72, 8);
    uint32_t count = (uint32_t)get(h + 80, 4), esize = (uint32_t)get(h + 84, 4);
    size_t bytes = (size_t)count * esize;
    uint8_t *a = malloc(bytes);
    if (!a) fail("out of memory");
    rd(ents * 512, a, bytes);
    if (first != UINT64_MAX) {
        put(a + esize + 32, first, 8);
        put(a + esize + 40, last, 8);
        wr(ents * 512, a, bytes);
    }
    put(h + 88, crc32(a, bytes), 4);
    put(h + 16, 0, 4);
    put(h + 16, crc32(h, (size_t)get(h + 12, 4)), 4);
    wr(lba * 512, h, 512);
    free(a);
}

int main(int argc, char **argv) {
    if (argc < 4) fail("usage: gptpatch IMG kiln-lbas FIRST LAST | header-size N | entry-size N");
    f = fopen(argv[1], "r+b");
    if (!f) fail("cannot open the image");
    uint8_t h[512];
    rd(512, h, 512);
    uint64_t backup = get(h + 32, 8);
    if (!strcmp(argv[2], "kiln-lbas") && argc == 5) {
        uint64_t first = strtoull(argv[3], NULL, 0), last = strtoull(argv[4], NULL, 0);
        patch(1, first, last);
        patch(backup, first, last);
    } else if (!strcmp(argv[2], "header-size") || !strcmp(argv[2], "entry-size")) {
        put(h + (argv[2][0] == 'h' ? 12 : 84), strtoull(argv[3], NULL, 0), 4);
        put(h + 16, 0, 4);
        uint32_t size = (uint32_t)get(h + 12, 4);
        put(h + 16, crc32(h, size <= 512 ? size : 512), 4);
        wr(512, h, 512);
    } else {
        fail("unknown edit");
    }
    if (fclose(f)) fail("close failed");
    return 0;
}
