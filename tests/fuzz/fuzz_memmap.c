/* fuzz_memmap.c - the memory-map sanitizer (core/memmap.c) on any list of
 * regions (24 bytes each: base, length, kind, firmware type), with the
 * invariants memmap.h promises asserted on its output:
 *   - at most 2n + 1 entries, none empty, none wrapping past 2^64;
 *   - sorted and non-overlapping;
 *   - USABLE and BOOTLOADER_RECLAIMABLE on 4 KiB boundaries;
 *   - neighbours that touch differ in kind or firmware type (merged);
 *   - each entry's first and last byte lie in some input region, and its
 *     kind has the highest rank among the regions there (precedence). */
#include <string.h>

#include "core/memmap.h"
#include "tests/fuzz/fuzz.h"

#define MAX_IN 64

typedef struct kiln_memory_region region;

static bool covers(const region *r, uint64_t a) { return r->length && a >= r->base && a - r->base < r->length; }

/* The highest rank among the input regions holding address a, or -1. */
static int top_rank(const region *in, size_t n, uint64_t a) {
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (covers(&in[i], a) && memmap_rank(in[i].kind) > best) best = memmap_rank(in[i].kind);
    return best;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t n = size / 24;
    if (n > MAX_IN) n = MAX_IN;
    region in[MAX_IN + 1];
    for (size_t i = 0; i < n; i++) {
        memcpy(&in[i].base, data + 24 * i, 8);
        memcpy(&in[i].length, data + 24 * i + 8, 8);
        memcpy(&in[i].kind, data + 24 * i + 16, 4);
        memcpy(&in[i].firmware_type, data + 24 * i + 20, 4);
        /* mostly the real kinds, sometimes anything */
        if (!(in[i].kind & 0x80000000u)) in[i].kind %= KILN_MEMORY_KIND_COUNT + 1;
    }
    region out[2 * MAX_IN + 1];
    uint64_t scratch[2 * MAX_IN + 1];
    size_t m = memmap_sanitize(in, n, out, scratch);
    FUZZ_ASSERT(m <= 2 * n + 1);
    for (size_t i = 0; i < m; i++) {
        const region *r = &out[i];
        uint64_t last = r->base + r->length - 1;
        FUZZ_ASSERT(r->length > 0 && last >= r->base);
        if (i > 0) {
            const region *p = &out[i - 1];
            uint64_t plast = p->base + p->length - 1;
            FUZZ_ASSERT(plast < r->base);
            if (plast + 1 == r->base) FUZZ_ASSERT(p->kind != r->kind || p->firmware_type != r->firmware_type);
        }
        if (r->kind == KILN_MEMORY_USABLE || r->kind == KILN_MEMORY_BOOTLOADER_RECLAIMABLE)
            FUZZ_ASSERT((r->base & 0xfff) == 0 && (r->length & 0xfff) == 0);
        int rank = memmap_rank(r->kind);
        FUZZ_ASSERT(top_rank(in, n, r->base) == rank);
        FUZZ_ASSERT(top_rank(in, n, last) == rank);
        memmap_kind_name(r->kind);
    }
    memmap_total(out, m, KILN_MEMORY_USABLE);
    return 0;
}
