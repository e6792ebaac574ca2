/* pngcheck.c - an independent PNG reader for the screenshot tests: checks
 * the signature, every chunk's CRC, IHDR (8-bit RGB), inflates the IDAT
 * data with zlib (not kiln's encoder) and undoes the five row filters.
 *   pngcheck FILE            prints "WxH"
 *   pngcheck FILE X Y ...    prints "R G B" of each pixel (X, Y)
 * Exits 1 with a message on anything wrong. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void die(const char *m) {
    fprintf(stderr, "pngcheck: %s\n", m);
    exit(1);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static int paeth(int a, int b, int c) {
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc % 2) die("usage: pngcheck FILE [X Y]...");
    FILE *f = fopen(argv[1], "rb");
    if (!f) die("cannot open the file");
    static uint8_t buf[64 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (n < 8 || memcmp(buf, "\x89PNG\r\n\x1a\n", 8)) die("no PNG signature");
    uint32_t w = 0, h = 0;
    uint8_t *z = malloc(n);
    size_t zn = 0;
    int seen_end = 0;
    for (size_t i = 8; i + 12 <= n && !seen_end;) {
        uint32_t len = be32(buf + i);
        if (len > n - i - 12) die("a chunk runs past the end");
        const uint8_t *type = buf + i + 4, *data = buf + i + 8;
        if (be32(data + len) != (uint32_t)crc32(0, type, len + 4)) die("bad chunk CRC");
        if (!memcmp(type, "IHDR", 4)) {
            w = be32(data), h = be32(data + 4);
            if (len != 13 || data[8] != 8 || data[9] != 2 || data[12] != 0) die("not 8-bit RGB, non-interlaced");
        } else if (!memcmp(type, "IDAT", 4)) {
            memcpy(z + zn, data, len), zn += len;
        } else if (!memcmp(type, "IEND", 4)) {
            seen_end = 1;
        }
        i += len + 12;
    }
    if (!w || !h || !seen_end) die("no IHDR or no IEND");
    size_t stride = (size_t)w * 3 + 1;
    uLongf rawn = stride * h;
    uint8_t *raw = malloc(rawn + 1);
    uLongf got = rawn + 1;
    if (uncompress(raw, &got, z, zn) != Z_OK || got != rawn) die("the image data does not inflate to its size");
    uint8_t *px = malloc((size_t)w * 3 * h);
    for (uint32_t y = 0; y < h; y++) {
        uint8_t ft = raw[y * stride], *out = px + (size_t)y * w * 3;
        const uint8_t *in = raw + y * stride + 1, *up = y ? out - (size_t)w * 3 : NULL;
        for (size_t x = 0; x < (size_t)w * 3; x++) {
            int a = x >= 3 ? out[x - 3] : 0, b = up ? up[x] : 0, c = up && x >= 3 ? up[x - 3] : 0;
            int pred = ft == 0 ? 0 : ft == 1 ? a : ft == 2 ? b : ft == 3 ? (a + b) / 2 : ft == 4 ? paeth(a, b, c) : -1;
            if (pred < 0) die("unknown row filter");
            out[x] = (uint8_t)(in[x] + pred);
        }
    }
    if (argc == 2) printf("%ux%u\n", w, h);
    for (int i = 2; i + 1 < argc; i += 2) {
        uint32_t x = (uint32_t)atoi(argv[i]), y = (uint32_t)atoi(argv[i + 1]);
        if (x >= w || y >= h) die("pixel outside the image");
        const uint8_t *p = px + ((size_t)y * w + x) * 3;
        printf("%u %u %u\n", p[0], p[1], p[2]);
    }
    return 0;
}
