/* entropy.c - BLAKE2s-256 (RFC 7693) and the entropy pool (entropy.h). */
#include "core/entropy.h"

#include "core/kstring.h"
#include "core/util.h"

static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
static const uint8_t sigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

static uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

#define G(a, b, c, d, x, y) \
    do { \
        v[a] = v[a] + v[b] + (x), v[d] = rotr(v[d] ^ v[a], 16); \
        v[c] = v[c] + v[d], v[b] = rotr(v[b] ^ v[c], 12); \
        v[a] = v[a] + v[b] + (y), v[d] = rotr(v[d] ^ v[a], 8); \
        v[c] = v[c] + v[d], v[b] = rotr(v[b] ^ v[c], 7); \
    } while (0)

static void compress(struct blake2s *s, const uint8_t block[64], int last) {
    uint32_t m[16], v[16];
    for (int i = 0; i < 16; i++) m[i] = get_le32(block + 4 * i);
    for (int i = 0; i < 8; i++) v[i] = s->h[i], v[i + 8] = iv[i];
    v[12] ^= s->t[0], v[13] ^= s->t[1];
    if (last) v[14] = ~v[14];
    for (int r = 0; r < 10; r++) {
        const uint8_t *z = sigma[r];
        G(0, 4, 8, 12, m[z[0]], m[z[1]]);
        G(1, 5, 9, 13, m[z[2]], m[z[3]]);
        G(2, 6, 10, 14, m[z[4]], m[z[5]]);
        G(3, 7, 11, 15, m[z[6]], m[z[7]]);
        G(0, 5, 10, 15, m[z[8]], m[z[9]]);
        G(1, 6, 11, 12, m[z[10]], m[z[11]]);
        G(2, 7, 8, 13, m[z[12]], m[z[13]]);
        G(3, 4, 9, 14, m[z[14]], m[z[15]]);
    }
    for (int i = 0; i < 8; i++) s->h[i] ^= v[i] ^ v[i + 8];
}

void blake2s_init(struct blake2s *s) {
    memset(s, 0, sizeof *s);
    memcpy(s->h, iv, sizeof iv);
    s->h[0] ^= 0x01010000u | 32u; /* depth 1, fanout 1, no key, 32-byte digest */
}

static void count(struct blake2s *s, uint32_t n) {
    s->t[0] += n;
    if (s->t[0] < n) s->t[1]++;
}

void blake2s_update(struct blake2s *s, const void *data, size_t len) {
    const uint8_t *p = data;
    while (len) {
        /* A full buffer is compressed only once more input follows: the
         * last block must be compressed with the final flag. */
        if (s->n == 64) {
            count(s, 64);
            compress(s, s->buf, 0);
            s->n = 0;
        }
        size_t take = 64 - s->n < len ? 64 - s->n : len;
        memcpy(s->buf + s->n, p, take);
        s->n += take, p += take, len -= take;
    }
}

void blake2s_final(struct blake2s *s, uint8_t out[32]) {
    count(s, (uint32_t)s->n);
    memset(s->buf + s->n, 0, 64 - s->n);
    compress(s, s->buf, 1);
    for (int i = 0; i < 8; i++) put_le32(out + 4 * i, s->h[i]);
    memset(s, 0, sizeof *s);
}

void entropy_init(struct entropy_pool *p) {
    blake2s_init(&p->st);
    p->sources = 0;
    static const char domain[] = "Kiln entropy pool v1";
    blake2s_update(&p->st, domain, sizeof domain);
}

void entropy_add(struct entropy_pool *p, uint32_t source, const void *data, size_t len) {
    /* Tag and length first, so no two sequences of inputs hash alike. */
    uint8_t tag[12];
    put_le32(tag, source);
    put_le32(tag + 4, (uint32_t)len);
    put_le32(tag + 8, (uint32_t)((uint64_t)len >> 32));
    blake2s_update(&p->st, tag, sizeof tag);
    blake2s_update(&p->st, data, len);
    p->sources |= source;
}

void entropy_extract(const struct entropy_pool *p, const char *label, uint8_t out[32]) {
    struct blake2s s = p->st;
    uint8_t end = 0xff; /* no input tag is 0xff...: the label cannot pose as an input */
    blake2s_update(&s, &end, 1);
    blake2s_update(&s, label, strlen(label));
    blake2s_final(&s, out);
}
