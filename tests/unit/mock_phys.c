/* mock_phys.c - physical memory for host unit tests: an arena that stands
 * for physical addresses [MOCK_PHYS_BASE, MOCK_PHYS_BASE + size), and a
 * frame source over it, so frames.c, paging.c and pool.c run unchanged. */
#include "tests/unit/mock_phys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/frames.h"

static uint8_t *arena;
static uint64_t arena_size, next_free;

void mock_phys_init(uint64_t size) {
    free(arena);
    arena = calloc(1, size);
    if (!arena) {
        perror("mock_phys_init");
        exit(2);
    }
    arena_size = size;
    next_free = MOCK_PHYS_BASE;
}

void *phys_ptr(uint64_t pa) {
    if (pa < MOCK_PHYS_BASE || pa - MOCK_PHYS_BASE >= arena_size) {
        fprintf(stderr, "mock_phys: access to 0x%llx outside the arena\n", (unsigned long long)pa);
        abort();
    }
    return arena + (pa - MOCK_PHYS_BASE);
}

uint64_t mock_phys_alloc(uint64_t pages, uint64_t limit) {
    uint64_t bytes = pages * 4096;
    if (pages > arena_size / 4096 || next_free + bytes > MOCK_PHYS_BASE + arena_size || next_free + bytes > limit)
        return 0; /* (the first test keeps the sums from wrapping) */
    uint64_t pa = next_free;
    next_free += bytes;
    return pa;
}

uint64_t mock_phys_used(void) { return next_free - MOCK_PHYS_BASE; }
