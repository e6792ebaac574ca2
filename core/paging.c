/* paging.c - the kernel's 4- or 5-level page tables (paging.h). */
#include "core/paging.h"

#define MAX_PHYS (UINT64_C(1) << 52)

static uint64_t *table(const struct pt *pt, uint64_t pa) { return pt->view(pa); }

bool pt_init(struct pt *pt, bool nx, bool gbpages, pt_alloc_fn alloc, void *ctx, pt_view_fn view, kiln_err *e) {
    pt->nx = nx;
    pt->gbpages = gbpages;
    pt->alloc = alloc;
    pt->ctx = ctx;
    pt->view = view;
    pt->levels = 4;
    pt->tables = 0;
    pt->pml4 = alloc(ctx);
    if (!pt->pml4) return err_set(e, "paging: out of memory for the PML4");
    pt->tables = 1;
    return true;
}

static uint64_t leaf(const struct pt *pt, uint64_t pa, unsigned flags, bool large) {
    uint64_t v = pa | PTE_P;
    if (flags & MAP_W) v |= PTE_W;
    if (!(flags & MAP_X) && pt->nx) v |= PTE_NX;
    /* PAT index 5 (PAT=1, PCD=0, PWT=1) is write-combining once the hand-off
     * code has programmed IA32_PAT; the PAT bit sits at bit 7 in a 4 KiB PTE
     * and at bit 12 in a 2 MiB / 1 GiB entry. */
    if (flags & MAP_WC) v |= PTE_PWT | (large ? PTE_PATLARGE : PTE_PAT4K);
    if (large) v |= PTE_PS;
    return v;
}

/* The table the entry points at, created if the entry is empty. */
static uint64_t *descend(struct pt *pt, uint64_t *entry, uint64_t va, kiln_err *e) {
    if (*entry & PTE_P) {
        if (*entry & PTE_PS) {
            err_set(e, "paging: 0x%llx is already mapped by a large page", (unsigned long long)va);
            return 0;
        }
        return table(pt, *entry & PTE_ADDR);
    }
    uint64_t pa = pt->alloc(pt->ctx);
    if (!pa) {
        err_set(e, "paging: out of memory for page tables");
        return 0;
    }
    pt->tables++;
    *entry = pa | PTE_P | PTE_W;
    return table(pt, pa);
}

static bool taken(uint64_t *entry, uint64_t va, kiln_err *e) {
    if (*entry & PTE_P) return !err_set(e, "paging: 0x%llx is already mapped", (unsigned long long)va);
    return false;
}

bool pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned flags, kiln_err *e) {
    uint64_t last;
    unsigned bits = va_bits(pt->levels);
    uint64_t hole_start = UINT64_C(1) << (bits - 1);
    if ((va | pa | size) & (PAGE_SIZE - 1))
        return err_set(e, "paging: unaligned mapping 0x%llx -> 0x%llx (+0x%llx)", (unsigned long long)va,
                       (unsigned long long)pa, (unsigned long long)size);
    if (size == 0) return true;
    if (!add_ok(va, size - 1, &last) || !va_canonical_bits(va, bits) || !va_canonical_bits(last, bits) ||
        (va < hole_start && last >= hole_start))
        return err_set(e, "paging: 0x%llx (+0x%llx) is not a canonical range", (unsigned long long)va,
                       (unsigned long long)size);
    if (pa >= MAX_PHYS || size > MAX_PHYS - pa)
        return err_set(e, "paging: physical 0x%llx (+0x%llx) is beyond 2^52", (unsigned long long)pa,
                       (unsigned long long)size);
    bool large_ok = flags & MAP_LARGE;
    /* The page directory and page table of the last step, and the va >> 30
     * and va >> 21 they serve: while va stays under them the next step
     * writes into the same table, so the walk from the top is made once a
     * table, not once a page (a third of the loader's page-table time). */
    uint64_t *l2 = 0, *l1 = 0;
    uint64_t l2_va = 0, l1_va = 0;
    while (size) {
        if (!(l1 && va >> 21 == l1_va) && !(l2 && va >> 30 == l2_va)) {
            uint64_t *top = table(pt, pt->pml4);
            uint64_t *e_top = &top[(va >> (pt->levels == 5 ? 48 : 39)) & 511];
            /* Through the recursive slot the top-level table would be taken
             * for the next level down and new entries written into its
             * other slots. */
            if ((*e_top & PTE_P) && (*e_top & PTE_ADDR) == pt->pml4)
                return err_set(e, "paging: 0x%llx is in the recursive slot", (unsigned long long)va);
            uint64_t *l4 = pt->levels == 5 ? descend(pt, e_top, va, e) : top;
            if (!l4) return false;
            uint64_t *e4 = &l4[(va >> 39) & 511];
            uint64_t *l3 = descend(pt, e4, va, e);
            if (!l3) return false;
            uint64_t *e3 = &l3[(va >> 30) & 511];
            if (large_ok && pt->gbpages && !(va & (GIB(1) - 1)) && !(pa & (GIB(1) - 1)) && size >= GIB(1)) {
                if (taken(e3, va, e)) return false;
                *e3 = leaf(pt, pa, flags, true);
                va += GIB(1), pa += GIB(1), size -= GIB(1);
                continue;
            }
            l2 = descend(pt, e3, va, e);
            if (!l2) return false;
            l2_va = va >> 30;
            l1 = 0;
        }
        if (!(l1 && va >> 21 == l1_va)) {
            uint64_t *e2 = &l2[(va >> 21) & 511];
            if (large_ok && !(va & (MIB(2) - 1)) && !(pa & (MIB(2) - 1)) && size >= MIB(2)) {
                if (taken(e2, va, e)) return false;
                *e2 = leaf(pt, pa, flags, true);
                va += MIB(2), pa += MIB(2), size -= MIB(2);
                continue;
            }
            l1 = descend(pt, e2, va, e);
            if (!l1) return false;
            l1_va = va >> 21;
        }
        /* The rest of this page table in one loop: a 64 MiB kernel and its
         * file are 32,768 entries. */
        uint64_t *e1 = &l1[(va >> 12) & 511], pte_bits = leaf(pt, 0, flags, false);
        do {
            if (taken(e1, va, e)) return false;
            *e1++ = pa | pte_bits;
            va += PAGE_SIZE, pa += PAGE_SIZE, size -= PAGE_SIZE;
        } while (size && va & (MIB(2) - 1));
    }
    return true;
}

bool pt_map_recursive(struct pt *pt, unsigned index, kiln_err *e) {
    if (index > 511) return err_set(e, "paging: recursive index %u out of range", index);
    uint64_t *l4 = table(pt, pt->pml4);
    if (l4[index] & PTE_P) return err_set(e, "paging: PML4 slot %u is already in use", index);
    l4[index] = pt->pml4 | PTE_P | PTE_W | (pt->nx ? PTE_NX : 0);
    return true;
}
