/* pt_walk.c - see pt_walk.h. */
#include "tests/unit/pt_walk.h"

bool pt_lookup(const struct pt *pt, uint64_t va, struct pt_lookup_result *r) {
    uint64_t ent = pt->pml4 | PTE_P | PTE_W;
    bool w = true, x = true;
    for (int level = pt->levels == 5 ? 5 : 4; level >= 1; level--) {
        const uint64_t *t = pt->view(ent & PTE_ADDR);
        ent = t[(va >> (12 + 9 * (level - 1))) & 511];
        if (!(ent & PTE_P)) return false;
        w = w && (ent & PTE_W);
        x = x && !(ent & PTE_NX);
        bool is_leaf = level == 1 || ((level == 2 || level == 3) && (ent & PTE_PS));
        if (is_leaf) {
            uint64_t psize = UINT64_C(1) << (12 + 9 * (level - 1));
            uint64_t base = ent & PTE_ADDR & ~(psize - 1);
            bool pat = level == 1 ? (ent & PTE_PAT4K) : (ent & PTE_PATLARGE);
            r->pa = base + (va & (psize - 1));
            r->page_size = psize;
            r->w = w;
            r->x = x;
            r->wc = pat && (ent & PTE_PWT) && !(ent & PTE_PCD);
            return true;
        }
    }
    return false;
}
