/* sum128.c - the payload's checksum (sum128.h). On the hot path of every
 * boot (each byte of the kernel and modules goes through it), so it is
 * built -O2 (LOADER_HOT_SRC in the Makefile) and unrolled by hand. */
#include "core/sum128.h"

#include "core/kstring.h"
#include "core/util.h"

/* Loads may be unaligned and alias anything. */
typedef uint64_t __attribute__((aligned(1), may_alias)) sum_u64;
typedef unsigned __int128 u128;

static inline uint64_t le64(const uint8_t *p) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return *(const sum_u64 *)p;
#else
    return __builtin_bswap64(*(const sum_u64 *)p);
#endif
}

/* One 64-byte block: eight words into a, each running a into b. GCC makes
 * poor code of the unsigned __int128 version (spills, 2.3 instructions a
 * byte in the loader), so on x86-64 the block is written out: 4
 * instructions a word, the loads folded into the adds. */
#if defined(__x86_64__)
#define SUM_STEP(off) "add " #off "(%[p]), %[al]\n\tadc $0, %[ah]\n\tadd %[al], %[bl]\n\tadc %[ah], %[bh]\n\t"
static inline void sum_block(const uint8_t *p, uint64_t *al, uint64_t *ah, uint64_t *bl, uint64_t *bh) {
    __asm__(SUM_STEP(0) SUM_STEP(8) SUM_STEP(16) SUM_STEP(24) SUM_STEP(32) SUM_STEP(40) SUM_STEP(48) SUM_STEP(56)
            : [al] "+r"(*al), [ah] "+r"(*ah), [bl] "+r"(*bl), [bh] "+r"(*bh)
            : [p] "r"(p), "m"(*(const uint8_t(*)[64])p)
            : "cc");
}
#undef SUM_STEP
#else
static inline void sum_block(const uint8_t *p, uint64_t *al, uint64_t *ah, uint64_t *bl, uint64_t *bh) {
    u128 a = (u128)*ah << 64 | *al, b = (u128)*bh << 64 | *bl;
    for (int i = 0; i < 64; i += 8) a += le64(p + i), b += a;
    *al = (uint64_t)a, *ah = (uint64_t)(a >> 64), *bl = (uint64_t)b, *bh = (uint64_t)(b >> 64);
}
#endif

void sum128_update(struct sum128 *s, const void *data, size_t n) {
    const uint8_t *p = data;
    uint64_t al = s->a_lo, ah = s->a_hi, bl = s->b_lo, bh = s->b_hi;
    for (; n >= 64; n -= 64, p += 64) sum_block(p, &al, &ah, &bl, &bh);
    u128 a = (u128)ah << 64 | al, b = (u128)bh << 64 | bl;
    for (; n >= 8; n -= 8, p += 8) a += le64(p), b += a;
    if (n) {
        uint64_t w = 0;
        for (size_t i = 0; i < n; i++) w |= (uint64_t)p[i] << (8 * i);
        a += w, b += a;
    }
    s->a_lo = (uint64_t)a, s->a_hi = (uint64_t)(a >> 64);
    s->b_lo = (uint64_t)b, s->b_hi = (uint64_t)(b >> 64);
}

/* sum128_copy's 64-byte blocks: each word loaded once into a register,
 * stored (twice for sum128_copy2), and added as sum_block adds it. Six
 * instructions a word against the five of sum_block plus `rep movsq` in two
 * passes, but faster where it counts: QEMU's TCG runs a `rep` one element
 * per dispatch (2.5 ns a word here) and the second pass loads every word
 * again; a 64 MiB kernel's copy and sum out of the BIOS bounce buffer went
 * from 52 to about 40 ms. The second store replaces a later copy of the
 * same bytes (a kernel's segments) at one instruction a word. One index
 * counts up to zero for all the pointers: two instructions of loop a block. */
#if defined(__x86_64__)
#define SUM_WORD "add %[w], %[al]\n\tadc $0, %[ah]\n\tadd %[al], %[bl]\n\tadc %[ah], %[bh]\n\t"
#define COPY_STEP(off) "mov " #off "(%[p],%[i]), %[w]\n\tmov %[w], " #off "(%[d],%[i])\n\t" SUM_WORD
#define COPY2_STEP(off)                                                                                                \
    "mov " #off "(%[p],%[i]), %[w]\n\tmov %[w], " #off "(%[d],%[i])\n\tmov %[w], " #off "(%[d2],%[i])\n\t" SUM_WORD
#define EIGHT(step) step(0) step(8) step(16) step(24) step(32) step(40) step(48) step(56)
/* bytes: a non-zero multiple of 64; d2 NULL: one destination. */
static void copy_blocks(struct sum128 *s, uint8_t *d, uint8_t *d2, const uint8_t *p, size_t bytes) {
    uint64_t al = s->a_lo, ah = s->a_hi, bl = s->b_lo, bh = s->b_hi, w;
    intptr_t i = -(intptr_t)bytes;
    d += bytes, p += bytes;
    if (d2) {
        d2 += bytes;
        __asm__ volatile("1:\n\t" EIGHT(COPY2_STEP) "add $64, %[i]\n\tjnz 1b"
                         : [al] "+r"(al), [ah] "+r"(ah), [bl] "+r"(bl), [bh] "+r"(bh), [i] "+r"(i), [w] "=&r"(w)
                         : [d] "r"(d), [d2] "r"(d2), [p] "r"(p)
                         : "cc", "memory");
    } else {
        __asm__ volatile("1:\n\t" EIGHT(COPY_STEP) "add $64, %[i]\n\tjnz 1b"
                         : [al] "+r"(al), [ah] "+r"(ah), [bl] "+r"(bl), [bh] "+r"(bh), [i] "+r"(i), [w] "=&r"(w)
                         : [d] "r"(d), [p] "r"(p)
                         : "cc", "memory");
    }
    s->a_lo = al, s->a_hi = ah, s->b_lo = bl, s->b_hi = bh;
}
#undef EIGHT
#undef COPY2_STEP
#undef COPY_STEP
#undef SUM_WORD
#endif

void sum128_copy2(struct sum128 *s, void *dst, void *dst2, const void *src, size_t n) {
    uint8_t *d = dst, *d2 = dst2;
    const uint8_t *p = src;
    if (s) {
#if defined(__x86_64__)
        size_t head = n & ~(size_t)63;
        if (head) copy_blocks(s, d, d2, p, head);
        d += head, p += head, n -= head;
        if (d2) d2 += head;
#endif
    }
    memcpy(d, p, n);
    if (d2) memcpy(d2, p, n);
    if (s) sum128_update(s, d, n);
}

void sum128_copy(struct sum128 *s, void *dst, const void *src, size_t n) { sum128_copy2(s, dst, NULL, src, n); }

/* The pieces the sum sees are whole 8-byte words from the read's start (a
 * tee's ragged ends are stored apart), so the chunks' sums chain into one. */
void sum128_copy_tees(struct sum128 *sum, uint8_t *out, const uint8_t *src, uint64_t rel, uint64_t n,
                      const struct read_tee *t, size_t nt) {
    uint64_t at = 0; /* bytes of the chunk copied to out so far */
    for (size_t i = 0; i < nt; i++) {
        uint64_t a = t[i].offset, b = t[i].offset + t[i].size;
        if (b <= rel || a >= rel + n) continue;
        /* The tee's part of this chunk, [lo, hi), and its whole words [wlo, whi). */
        uint64_t lo = MAX(a, rel) - rel, hi = MIN(b, rel + n) - rel;
        uint64_t wlo = align_up(rel + lo, 8) - rel, whi = align_down(rel + hi, 8) - rel;
        uint8_t *to = (uint8_t *)t[i].dst + (rel + lo - a); /* where chunk byte lo goes */
        if (wlo < whi && wlo >= at) {
            sum128_copy2(sum, out + at, NULL, src + at, wlo - at);
            sum128_copy2(sum, out + wlo, to + (wlo - lo), src + wlo, whi - wlo);
            memcpy(to, src + lo, wlo - lo);
            memcpy(to + (whi - lo), src + whi, hi - whi);
            at = whi;
        } else {
            memcpy(to, src + lo, hi - lo); /* under a word: out gets these bytes below */
        }
    }
    sum128_copy2(sum, out + at, NULL, src + at, n - at);
}

void read_tees_copy(const void *dst, const struct read_tee *t, size_t n) {
    for (size_t i = 0; i < n; i++) memcpy(t[i].dst, (const uint8_t *)dst + t[i].offset, t[i].size);
}

struct sum128 sum128_of(const void *data, size_t n) {
    struct sum128 s = {0, 0, 0, 0};
    sum128_update(&s, data, n);
    return s;
}

bool sum128_equal(const struct sum128 *x, const struct sum128 *y) {
    return x->a_lo == y->a_lo && x->a_hi == y->a_hi && x->b_lo == y->b_lo && x->b_hi == y->b_hi;
}
