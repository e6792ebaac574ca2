/* sum128.c - the payload's checksum (sum128.h). On the hot path of every
 * boot (each byte of the kernel and modules goes through it), so it is
 * built -O2 (LOADER_HOT_SRC in the Makefile) and unrolled by hand: the
 * compilers keep a and b in four registers and emit add/adc pairs. */
#include "core/sum128.h"

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

void sum128_update(struct sum128 *s, const void *data, size_t n) {
    const uint8_t *p = data;
    u128 a = (u128)s->a_hi << 64 | s->a_lo, b = (u128)s->b_hi << 64 | s->b_lo;
#define SUM_WORD(off) (a += le64(p + (off)), b += a)
    for (; n >= 64; n -= 64, p += 64) {
        SUM_WORD(0), SUM_WORD(8), SUM_WORD(16), SUM_WORD(24);
        SUM_WORD(32), SUM_WORD(40), SUM_WORD(48), SUM_WORD(56);
    }
    for (; n >= 8; n -= 8, p += 8) SUM_WORD(0);
#undef SUM_WORD
    if (n) {
        uint64_t w = 0;
        for (size_t i = 0; i < n; i++) w |= (uint64_t)p[i] << (8 * i);
        a += w, b += a;
    }
    s->a_lo = (uint64_t)a, s->a_hi = (uint64_t)(a >> 64);
    s->b_lo = (uint64_t)b, s->b_hi = (uint64_t)(b >> 64);
}

struct sum128 sum128_of(const void *data, size_t n) {
    struct sum128 s = {0, 0, 0, 0};
    sum128_update(&s, data, n);
    return s;
}

bool sum128_equal(const struct sum128 *x, const struct sum128 *y) {
    return x->a_lo == y->a_lo && x->a_hi == y->a_hi && x->b_lo == y->b_lo && x->b_hi == y->b_hi;
}
