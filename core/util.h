/* util.h - small helpers shared by the loader and the host tool. */
#ifndef CORE_UTIL_H
#define CORE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KIB(x) ((uint64_t)(x) << 10)
#define MIB(x) ((uint64_t)(x) << 20)
#define GIB(x) ((uint64_t)(x) << 30)
#define PAGE_SIZE 4096u

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static inline uint64_t align_down(uint64_t x, uint64_t a) { return x & ~(a - 1); }
/* Returns false (and leaves *out alone) when rounding up would wrap. */
static inline bool align_up_checked(uint64_t x, uint64_t a, uint64_t *out) {
    if (x > UINT64_MAX - (a - 1)) return false;
    *out = (x + a - 1) & ~(a - 1);
    return true;
}
static inline uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }
static inline bool is_pow2(uint64_t x) { return x && !(x & (x - 1)); }
/* a + b without wrapping; false on overflow. */
static inline bool add_ok(uint64_t a, uint64_t b, uint64_t *out) {
    if (a > UINT64_MAX - b) return false;
    *out = a + b;
    return true;
}
/* Does [a, a+alen) intersect [b, b+blen)? Lengths are non-zero and do not wrap. */
static inline bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) {
    return a < b + blen && b < a + alen;
}
/* Canonical 48-bit virtual address. */
static inline bool va_canonical(uint64_t va) {
    uint64_t top = va >> 47;
    return top == 0 || top == 0x1ffff;
}
/* Canonical with `bits` significant bits: 48 (4-level paging) or 57 (5-level). */
static inline bool va_canonical_bits(uint64_t va, unsigned bits) {
    uint64_t top = va >> (bits - 1);
    return top == 0 || top == (UINT64_MAX >> (bits - 1));
}
/* The virtual-address width of 4- or 5-level paging. */
static inline unsigned va_bits(unsigned levels) { return levels == 5 ? 57 : 48; }

/* Little-endian fields of on-disk structures, at any alignment. */
static inline uint16_t get_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get_le32(const uint8_t *p) { return get_le16(p) | (uint32_t)get_le16(p + 2) << 16; }
static inline uint64_t get_le64(const uint8_t *p) { return get_le32(p) | (uint64_t)get_le32(p + 4) << 32; }
static inline void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static inline void put_le32(uint8_t *p, uint32_t v) { put_le16(p, (uint16_t)v), put_le16(p + 2, (uint16_t)(v >> 16)); }
static inline void put_le64(uint8_t *p, uint64_t v) { put_le32(p, (uint32_t)v), put_le32(p + 4, (uint32_t)(v >> 32)); }

/* An error message built by the layer that found the problem; the caller
 * decides whether it is fatal (panic at boot, "kiln: error:" on the host).
 * The host tool's messages quote paths, options and kiln.toml lines, so
 * they get more room than the loader's. */
typedef struct {
#if __STDC_HOSTED__
    char msg[1024];
#else
    char msg[256];
#endif
} kiln_err;

/* Formats into e->msg and returns false, so `return err_set(e, ...)` works. */
bool err_set(kiln_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefixes the existing message: "ctx: old message". Returns false. */
bool err_prefix(kiln_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
