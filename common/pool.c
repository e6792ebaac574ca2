/* pool.c - page allocator over usable memory (see pool.h). */
#include "common/pool.h"

#include "core/kstring.h"
#include "core/util.h"

void pool_init(struct pool *p, const struct kiln_memory_region *map, size_t n, uint64_t floor,
               struct kiln_memory_region *storage, size_t cap) {
    p->free = storage;
    p->cap = cap;
    p->n = 0;
    p->prefer_below = UINT64_MAX;
    for (size_t i = 0; i < n && p->n < cap; i++) {
        if (map[i].kind != KILN_MEMORY_USABLE) continue;
        uint64_t b = align_up(MAX(map[i].base, floor), PAGE_SIZE);
        uint64_t e = align_down(map[i].base + map[i].length, PAGE_SIZE);
        if (map[i].base + map[i].length <= floor || e <= b) continue;
        p->free[p->n++] = (struct kiln_memory_region){b, e - b, KILN_MEMORY_USABLE, map[i].firmware_type};
    }
}

bool pool_exclude(struct pool *p, uint64_t base, uint64_t len) {
    uint64_t xb = align_down(base, PAGE_SIZE), xe = align_up(base + len, PAGE_SIZE);
    for (size_t i = 0; i < p->n; i++) {
        uint64_t b = p->free[i].base, e = b + p->free[i].length;
        if (xe <= b || xb >= e) continue;
        if (xb > b && xe < e) { /* split in two */
            if (p->n == p->cap) return false;
            memmove(&p->free[i + 2], &p->free[i + 1], (p->n - i - 1) * sizeof p->free[0]);
            p->n++;
            p->free[i + 1] = p->free[i];
            p->free[i].length = xb - b;
            p->free[i + 1].base = xe;
            p->free[i + 1].length = e - xe;
            i++;
        } else if (xb <= b && xe >= e) {
            memmove(&p->free[i], &p->free[i + 1], (p->n - i - 1) * sizeof p->free[0]);
            p->n--;
            i--;
        } else if (xb <= b) {
            p->free[i].base = xe;
            p->free[i].length = e - xe;
        } else {
            p->free[i].length = xb - b;
        }
    }
    return true;
}

/* The highest `bytes` wholly below limit, taken; 0 when none (or when the
 * range table is full). */
static uint64_t take_highest(struct pool *p, uint64_t bytes, uint64_t limit) {
    for (size_t k = p->n; k-- > 0;) { /* highest range first */
        uint64_t b = p->free[k].base, e = MIN(b + p->free[k].length, align_down(limit, PAGE_SIZE));
        if (e <= b || e - b < bytes) continue;
        uint64_t at = e - bytes;
        if (!pool_exclude(p, at, bytes)) return 0;
        return at;
    }
    return 0;
}

uint64_t pool_alloc(struct pool *p, uint64_t pages, uint64_t limit) {
    if (pages == 0 || pages > (UINT64_MAX >> 12)) return 0;
    uint64_t bytes = pages * PAGE_SIZE, at = 0;
    if (p->prefer_below < limit) at = take_highest(p, bytes, p->prefer_below);
    return at ? at : take_highest(p, bytes, limit);
}

void pool_prefer_below(struct pool *p, uint64_t line) { p->prefer_below = line; }

uint64_t pool_largest_below(const struct pool *p, uint64_t line) {
    uint64_t run = 0, end = 0, largest = 0;
    for (size_t i = 0; i < p->n && p->free[i].base < line; i++) { /* sorted: touching ranges are one block */
        uint64_t e = MIN(p->free[i].base + p->free[i].length, line);
        run = p->free[i].base == end ? run + (e - p->free[i].base) : e - p->free[i].base;
        end = e;
        largest = MAX(largest, run);
    }
    return largest;
}

void pool_free_memory(const struct pool *p, uint64_t *largest, uint64_t *total) {
    *largest = pool_largest_below(p, UINT64_MAX);
    *total = 0;
    for (size_t i = 0; i < p->n; i++) *total += p->free[i].length;
}
