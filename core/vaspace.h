/* vaspace.h - the kernel's virtual address space as a list of reserved
 * ranges, and a first-fit allocator for dynamic placements inside the
 * configured dynamic range. The null page and the non-canonical hole are
 * reserved up front, so nothing is ever placed there. */
#ifndef CORE_VASPACE_H
#define CORE_VASPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

#define VA_MAX_RANGES 48u

struct va_range {
    uint64_t start, last; /* inclusive, so a range may end at 2^64 - 1 */
    const char *what;
};

struct va_space {
    struct va_range r[VA_MAX_RANGES]; /* sorted by start, disjoint */
    unsigned n;
    uint64_t dyn_start, dyn_end;
    bool aslr;
    uint64_t rng;
};

void va_init(struct va_space *vs, uint64_t dyn_start, uint64_t dyn_end, bool aslr, uint64_t seed);
/* The same for 4- or 5-level paging: the hole is that of 48- or 57-bit addresses. */
void va_init_levels(struct va_space *vs, uint64_t dyn_start, uint64_t dyn_end, bool aslr, uint64_t seed,
                    unsigned levels);
/* Reserve a fixed range; fails naming the range it collides with. */
bool va_reserve(struct va_space *vs, uint64_t start, uint64_t size, const char *what, kiln_err *e);
/* Place `size` bytes at an `align`-aligned address plus `offset` (offset <
 * align; used to keep a framebuffer's sub-2MiB offset) inside the dynamic
 * range, first fit, or at a random fit with ASLR. */
bool va_alloc(struct va_space *vs, uint64_t size, uint64_t align, uint64_t offset, const char *what,
              uint64_t *out, kiln_err *e);

#endif
