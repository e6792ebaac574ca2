/* vaplan.c - the kernel's virtual address-space layout (vaplan.h).
 * Order matters: the kernel first, then every fixed placement (so a
 * collision between two fixed wishes is reported as such), then the dynamic
 * placements, largest alignment first. */
#include "core/vaplan.h"

#include "core/kconfig.h"
#include "core/kstring.h"

struct item {
    uint64_t placement; /* KILN_NONE, KILN_DYNAMIC or a fixed address */
    uint64_t size, align, offset;
    uint64_t guard;     /* bytes reserved (unmapped) below the item */
    const char *what;
    uint64_t *out;
};

static bool place_fixed(struct boot_plan *p, struct item *it, kiln_err *e) {
    if (it->placement == KILN_NONE || it->placement == KILN_DYNAMIC) return true;
    if (!va_canonical_bits(it->placement, va_bits(p->levels)))
        return err_set(e, "layout: %s at 0x%llx is not canonical with %u-level paging (%u-bit addresses)%s", it->what,
                       (unsigned long long)it->placement, p->levels, va_bits(p->levels),
                       p->levels == 4 ? "; it needs paging_levels_min = 5 and a CPU with LA57" : "");
    if (it->placement < it->guard)
        return err_set(e, "layout: %s at 0x%llx leaves no room for its guard page", it->what,
                       (unsigned long long)it->placement);
    if (!va_reserve(&p->vs, it->placement - it->guard, it->size + it->guard, it->what, e)) return false;
    *it->out = it->placement;
    return true;
}

/* The item starts at an address = offset (mod align); its guard pages below
 * it are reserved with it and stay unmapped. */
static bool place_dynamic(struct boot_plan *p, struct item *it, kiln_err *e) {
    if (it->placement != KILN_DYNAMIC) return true;
    uint64_t at;
    uint64_t off = (it->offset + it->align - it->guard % it->align) % it->align;
    if (!va_alloc(&p->vs, it->size + it->guard, it->align, off, it->what, &at, e)) return false;
    *it->out = at + it->guard;
    return true;
}

bool plan_build(const struct plan_input *in, struct boot_plan *p, kiln_err *e) {
    const struct kiln_config *c = in->cfg;
    const struct elf_image *img = in->elf;
    memset(p, 0, sizeof *p);
    p->recursive = -1;
    p->levels = in->levels == 5 ? 5 : 4;
    uint64_t dyn_start = c->dynamic_start;
    if (p->levels == 5 && dyn_start == KCONFIG_DYN_START && c->dynamic_end == KCONFIG_DYN_END)
        dyn_start = PLAN_DYN_START_LA57;
    va_init_levels(&p->vs, dyn_start, c->dynamic_end, c->aslr, in->seed, p->levels);

    /* 1. The kernel. */
    uint64_t span = img->max_vaddr - img->min_vaddr;
    bool pie = img->type == 3;
    if (!pie && c->kernel_base != KILN_DEFAULT)
        return err_set(e, "config: kernel_base only applies to position-independent (ET_DYN) kernels");
    bool dynamic = pie && (c->kernel_base == KILN_DYNAMIC ||
                           (c->kernel_base == KILN_DEFAULT && (img->min_vaddr == 0 || c->aslr)));
    if (dynamic) {
        uint64_t at;
        if (!va_alloc(&p->vs, span, img->max_align, img->min_vaddr & (img->max_align - 1), "the kernel", &at, e))
            return false;
        p->bias = (int64_t)(at - img->min_vaddr);
    } else {
        if (pie && c->kernel_base != KILN_DEFAULT) {
            if ((c->kernel_base - img->min_vaddr) & (img->max_align - 1))
                return err_set(e, "config: kernel_base 0x%llx breaks the kernel's 0x%llx segment alignment",
                               (unsigned long long)c->kernel_base, (unsigned long long)img->max_align);
            p->bias = (int64_t)(c->kernel_base - img->min_vaddr);
        }
        for (uint32_t i = 0; i < img->nrun; i++)
            if (!va_reserve(&p->vs, img->run[i].start + (uint64_t)p->bias, img->run[i].end - img->run[i].start,
                            "the kernel", e))
                return false;
    }
    p->entry = img->entry + (uint64_t)p->bias;

    /* 2. Everything else: fixed wishes first, then dynamic ones. */
    p->stack_size = c->stack_size;
    uint64_t phys_size = align_up(in->phys_map_size, GIB(1));
    uint64_t recursive_va = 0;
    /* The recursive slot is a top-level slot: 512 GiB of PML4, or 256 TiB of PML5. */
    uint64_t slot = p->levels == 5 ? UINT64_C(1) << 48 : GIB(512);
    if (c->recursive != KILN_NONE && c->recursive != KILN_DYNAMIC && (c->recursive & (slot - 1)))
        return err_set(e, "config: recursive 0x%llx is a PML4 slot, but 5-level paging is in use: the recursive slot "
                       "is a PML5 slot (a 256 TiB-aligned address, or KILN_DYNAMIC)", (unsigned long long)c->recursive);
    uint64_t fb_off = in->fb_phys & (MIB(2) - 1);
    /* The AP stacks: one range, each stack with its own guard page below. */
    if (in->ap_count > (UINT64_C(1) << 47) / (c->stack_size + PAGE_SIZE))
        return err_set(e, "layout: %llu AP stacks of %llu KiB do not fit the address space",
                       (unsigned long long)in->ap_count, (unsigned long long)(c->stack_size >> 10));
    uint64_t ap_bytes = in->ap_count * (c->stack_size + PAGE_SIZE);
    p->ap_count = in->ap_count;
    struct item items[] = {
        {c->physical_memory, phys_size, GIB(1), 0, 0, "the physical memory map", &p->phys},
        {c->recursive, slot, slot, 0, 0, "the recursive slot", &recursive_va},
        {c->stack, c->stack_size, PAGE_SIZE, 0, PAGE_SIZE, "the kernel stack", &p->stack_bottom},
        {c->boot_info, in->boot_info_size, PAGE_SIZE, 0, 0, "the boot info", &p->boot_info},
        {in->fb_size ? c->framebuffer : KILN_NONE, align_up(fb_off % PAGE_SIZE + in->fb_size, PAGE_SIZE),
         MIB(2), align_down(fb_off, PAGE_SIZE), 0, "the framebuffer", &p->fb},
        {in->modules_size ? c->modules : KILN_NONE, in->modules_size, PAGE_SIZE, 0, 0, "the modules", &p->modules},
        {KILN_DYNAMIC, align_up(in->kernel_file_size, PAGE_SIZE), PAGE_SIZE, 0, 0, "the kernel file", &p->kernel_file},
        {ap_bytes ? KILN_DYNAMIC : KILN_NONE, ap_bytes, PAGE_SIZE, 0, 0, "the AP stacks", &p->ap_stacks},
    };
    for (unsigned i = 0; i < ARRAY_LEN(items); i++)
        if (!place_fixed(p, &items[i], e)) return false;
    /* Dynamic ones by decreasing alignment (stable), so the big aligned
     * ranges are not pushed out of a tight dynamic range by small ones. */
    unsigned order[ARRAY_LEN(items)];
    for (unsigned i = 0; i < ARRAY_LEN(items); i++) {
        unsigned j = i;
        for (; j > 0 && items[order[j - 1]].align < items[i].align; j--) order[j] = order[j - 1];
        order[j] = i;
    }
    for (unsigned i = 0; i < ARRAY_LEN(items); i++)
        if (!place_dynamic(p, &items[order[i]], e)) return false;

    p->has_phys = c->physical_memory != KILN_NONE;
    if (c->recursive != KILN_NONE) p->recursive = (int)((recursive_va >> (p->levels == 5 ? 48 : 39)) & 511);
    if (p->fb) p->fb += in->fb_phys & (PAGE_SIZE - 1);
    return true;
}
