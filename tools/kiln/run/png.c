/* png.c - PPM in, PNG out (see png.h). PNG: the signature, IHDR, one IDAT
 * holding the rows (each after filter byte 0) deflated by zlib, IEND;
 * every chunk with its CRC-32 (the same CRC as the payload's, kiln_crc32). */
#include "tools/kiln/run/png.h"

#include <stdlib.h>
#include <string.h>

#include <kiln/crc32.h>
#include <zlib.h>

#include "tools/kiln/util/die.h"

/* --- PPM ------------------------------------------------------------------------------ */

/* The next number of a PPM header, after whitespace and # comments. */
static bool ppm_number(const uint8_t *p, size_t n, size_t *i, uint32_t *out) {
    for (;;) {
        while (*i < n && (p[*i] == ' ' || p[*i] == '\t' || p[*i] == '\n' || p[*i] == '\r')) (*i)++;
        if (*i < n && p[*i] == '#') {
            while (*i < n && p[*i] != '\n') (*i)++;
            continue;
        }
        break;
    }
    uint64_t v = 0;
    size_t start = *i;
    while (*i < n && p[*i] >= '0' && p[*i] <= '9' && v <= 0xffffffffu) v = v * 10 + (uint64_t)(p[(*i)++] - '0');
    if (*i == start || v > 0xffffffffu) return false;
    *out = (uint32_t)v;
    return true;
}

bool ppm_parse(const uint8_t *ppm, size_t n, uint32_t *w, uint32_t *h, const uint8_t **rgb, kiln_err *e) {
    size_t i = 2;
    uint32_t maxval;
    if (n < 2 || ppm[0] != 'P' || ppm[1] != '6') return err_set(e, "not a binary PPM (no P6 signature)");
    if (!ppm_number(ppm, n, &i, w) || !ppm_number(ppm, n, &i, h) || !ppm_number(ppm, n, &i, &maxval))
        return err_set(e, "PPM header: expected width, height and maximum value");
    if (maxval != 255) return err_set(e, "PPM with maximum value %u (only 255 is read)", maxval);
    if (*w == 0 || *h == 0 || *w > 16384 || *h > 16384) return err_set(e, "PPM of %ux%u pixels", *w, *h);
    if (i >= n) return err_set(e, "PPM header without pixels");
    i++; /* the single whitespace byte before the pixels */
    if (n - i < (size_t)*w * *h * 3) return err_set(e, "PPM cut short: %zu bytes of pixels, want %zu", n - i, (size_t)*w * *h * 3);
    *rgb = ppm + i;
    return true;
}

/* --- PNG ------------------------------------------------------------------------------- */

static void be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* A chunk at out: length, type, data (already in place after the type),
 * CRC over type and data. Returns its whole size. */
static size_t chunk(uint8_t *out, const char type[4], size_t len) {
    be32(out, (uint32_t)len);
    memcpy(out + 4, type, 4);
    be32(out + 8 + len, kiln_crc32(0, out + 4, len + 4));
    return len + 12;
}

uint8_t *png_encode(const uint8_t *rgb, uint32_t w, uint32_t h, size_t *len) {
    size_t row = (size_t)w * 3, raw_len = (row + 1) * h; /* a filter byte (0: none) before each row */
    uint8_t *raw = xmalloc(raw_len);
    for (uint32_t y = 0; y < h; y++) {
        raw[y * (row + 1)] = 0;
        memcpy(raw + y * (row + 1) + 1, rgb + y * row, row);
    }
    uLongf zcap = compressBound((uLong)raw_len);
    size_t cap = 8 + 25 + 12 + zcap + 12;
    uint8_t *out = xmalloc(cap), *p = out;
    memcpy(p, "\x89PNG\r\n\x1a\n", 8);
    p += 8;
    uint8_t *d = p + 8;
    be32(d, w), be32(d + 4, h);
    d[8] = 8, d[9] = 2, d[10] = 0, d[11] = 0, d[12] = 0; /* 8-bit RGB, deflate, adaptive filters, no interlace */
    p += chunk(p, "IHDR", 13);
    /* A framebuffer is mostly flat colour: zlib's best level makes a
     * 1280x800 console a few dozen KiB instead of 3 MiB. */
    uLongf zlen = zcap;
    if (compress2(p + 8, &zlen, raw, (uLong)raw_len, Z_BEST_COMPRESSION) != Z_OK) die("png: zlib failed");
    free(raw);
    p += chunk(p, "IDAT", zlen);
    p += chunk(p, "IEND", 0);
    *len = (size_t)(p - out);
    return out;
}
