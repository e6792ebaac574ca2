/* pt_walk.h - reading page tables as the CPU would, to check what
 * core/paging.c built (test_paging.c) and what the boot flow mapped
 * (test_boot.c). The loader itself never reads its tables back. */
#ifndef PT_WALK_H
#define PT_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/paging.h"

struct pt_lookup_result {
    uint64_t pa;        /* physical address va translates to */
    uint64_t page_size; /* 4 KiB, 2 MiB or 1 GiB */
    bool w, x, wc;
};
/* Walks the tables like the CPU would. False when va is not mapped. */
bool pt_lookup(const struct pt *pt, uint64_t va, struct pt_lookup_result *r);

#endif
