/* paging.h - builds the kernel's 4- or 5-level page tables.
 *
 * Tables are written through the caller's view of physical memory (the
 * loader's identity map, the unit tests' mock); intermediate entries are present
 * and writable and never NX, so each leaf alone decides the permissions.
 * Mapping over an existing mapping is an error (it would be a loader bug or
 * a layout collision), never a silent overwrite. */
#ifndef CORE_PAGING_H
#define CORE_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

#define MAP_W 0x1u     /* writable */
#define MAP_X 0x2u     /* executable (otherwise NX when the CPU has it) */
#define MAP_WC 0x4u    /* write-combining (PAT entry 5, see docs/protocol.md) */
#define MAP_LARGE 0x8u /* may use 2 MiB / 1 GiB pages where aligned */

#define PTE_P (UINT64_C(1) << 0)
#define PTE_W (UINT64_C(1) << 1)
#define PTE_U (UINT64_C(1) << 2)
#define PTE_PWT (UINT64_C(1) << 3)
#define PTE_PCD (UINT64_C(1) << 4)
#define PTE_PS (UINT64_C(1) << 7)
#define PTE_PAT4K (UINT64_C(1) << 7)
#define PTE_PATLARGE (UINT64_C(1) << 12)
#define PTE_NX (UINT64_C(1) << 63)
#define PTE_ADDR UINT64_C(0x000ffffffffff000)

typedef uint64_t (*pt_alloc_fn)(void *ctx); /* a zeroed page, or 0 */
typedef void *(*pt_view_fn)(uint64_t pa); /* where physical address pa can be read and written */

struct pt {
    uint64_t pml4; /* physical: the top-level table (the PML5 with 5 levels) */
    unsigned levels; /* 4 or 5 (pt_init: 4; set 5 before the first pt_map); 0 means 4 */
    bool nx;       /* CPU supports NX */
    bool gbpages;  /* CPU supports 1 GiB pages */
    pt_alloc_fn alloc;
    void *ctx;
    pt_view_fn view;
    uint64_t tables; /* table pages allocated, PML4 included */
};

bool pt_init(struct pt *pt, bool nx, bool gbpages, pt_alloc_fn alloc, void *ctx, pt_view_fn view, kiln_err *e);
/* va, pa and size must be 4 KiB aligned; va .. va+size canonical for the
 * paging depth (48 or 57 bits). */
bool pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned flags, kiln_err *e);
/* Point top-level slot `index` at the top-level table itself (writable, NX). */
bool pt_map_recursive(struct pt *pt, unsigned index, kiln_err *e);

#endif
