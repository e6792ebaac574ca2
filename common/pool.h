/* pool.h - a page allocator over the usable entries of a sanitized memory
 * map, used as the frame source on BIOS (and by the host mock platform).
 * Hands out whole pages, highest address first, never below `floor` (1 MiB
 * on BIOS, so low memory stays free for the kernel's AP trampolines). */
#ifndef COMMON_POOL_H
#define COMMON_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln.h"

struct pool {
    struct kiln_memory_region *free; /* page-aligned usable ranges, sorted */
    size_t n, cap;
    uint64_t prefer_below; /* pool_prefer_below(); UINT64_MAX: no preference */
};

/* storage: caller-provided array of cap entries (cap >= n + reservations). */
void pool_init(struct pool *p, const struct kiln_memory_region *map, size_t n, uint64_t floor,
               struct kiln_memory_region *storage, size_t cap);
/* Remove [base, base+len) from the pool (memory already in use). */
bool pool_exclude(struct pool *p, uint64_t base, uint64_t len);
/* Returns the base of `pages` contiguous pages wholly below limit, or 0:
 * the highest such block below the preferred line when there is one,
 * else the highest below limit. */
uint64_t pool_alloc(struct pool *p, uint64_t pages, uint64_t limit);
/* Take blocks from below `line` while they fit there (UINT64_MAX: no
 * preference). A block placed below the line splits free memory in two:
 * the caller sets one only when all it is about to take fits below it. */
void pool_prefer_below(struct pool *p, uint64_t line);
/* The largest run of free pages wholly below `line`, in bytes. */
uint64_t pool_largest_below(const struct pool *p, uint64_t line);
/* The largest run of free pages and all of them, in bytes. */
void pool_free_memory(const struct pool *p, uint64_t *largest, uint64_t *total);

#endif
