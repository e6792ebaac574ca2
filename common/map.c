/* map.c - phase 3 of the boot flow (boot.h): where everything goes in the
 * kernel's address space (core/vaplan.c), physical frames for the segments,
 * stack, boot info and hand-off page, the segments loaded and relocated,
 * then the page tables. */
#include "common/boot.h"

#include "common/frames.h"
#include "common/log.h"
#include "core/kstring.h"

#define EDID_MAX 256u
#define PT_BATCH 16 /* page-table pages taken from the frame allocator at a time */

/* The run's largest segment from the file (NULL: none has file bytes). */
static const struct elf_segment *largest_in_run(const struct elf_image *img, uint32_t run) {
    const struct elf_segment *best = NULL;
    for (uint32_t i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        if (s->filesz && elf_run_of(img, s->vaddr) == (int)run && (!best || s->filesz > best->filesz)) best = s;
    }
    return best;
}

void kernel_runs_alloc(const struct platform *p, const char *name, const struct elf_image *img, uint64_t file_phys,
                       uint64_t run_phys[]) {
    for (uint32_t i = 0; i < img->nrun; i++) {
        uint64_t pages = (img->run[i].end - img->run[i].start) / PAGE_SIZE;
        const struct elf_segment *big = largest_in_run(img, i);
        /* elf_load_segments (or the read's tees) writes every byte; the
         * largest segment an odd number of pages from its file bytes
         * (frames.h says why). */
        run_phys[i] = big ? frames_alloc_raw_odd(pages, KILN_MEMORY_KERNEL,
                                                 file_phys + big->offset - (big->vaddr - img->run[i].start))
                          : frames_alloc_raw(pages, KILN_MEMORY_KERNEL);
        if (!run_phys[i]) {
            /* Say why with the sizes: a run is one block, so free memory in
             * pieces does not help (OVMF's own allocations split it). */
            uint64_t largest = 0, total = 0;
            if (p->free_memory) p->free_memory(&largest, &total);
            if (!total)
                panic("kernel '%s': no memory for %llu KiB of segments", name, (unsigned long long)(pages * 4));
            panic("kernel '%s': no memory for %llu KiB of segments: they need one contiguous block, and the largest "
                  "free block is %llu KiB (%llu KiB free in all)", name, (unsigned long long)(pages * 4),
                  (unsigned long long)(largest >> 10), (unsigned long long)(total >> 10));
        }
    }
}

/* Whether the segments placed as the file was read are the ones elf_parse
 * found: the same bytes give the same, but it costs nothing to be sure. */
static bool same_segments(const struct elf_image *a, const struct elf_image *b) {
    if (a->nseg != b->nseg || a->nrun != b->nrun) return false;
    for (uint32_t i = 0; i < a->nseg; i++)
        if (a->seg[i].vaddr != b->seg[i].vaddr || a->seg[i].offset != b->seg[i].offset ||
            a->seg[i].filesz != b->seg[i].filesz || a->seg[i].memsz != b->seg[i].memsz)
            return false;
    for (uint32_t i = 0; i < a->nrun; i++)
        if (a->run[i].start != b->run[i].start || a->run[i].end != b->run[i].end) return false;
    return true;
}

/* The kernel's segments in their frames, each run one block: placed as the
 * file was read (load.c), or copied in now; the rest zeroed; relocated. */
static void load_segments(const struct platform *p, const struct payload_files *f, const struct kernel *k,
                          struct placement *pl) {
    kiln_err e;
    uint8_t *run_mem[ELF_MAX_RUNS];
    const struct elf_image *img = k->elf;
    bool placed = f->placed && same_segments(f->placed, img);
    if (placed) memcpy(pl->run_phys, f->placed_run_phys, sizeof pl->run_phys);
    else kernel_runs_alloc(p, k->name, img, f->kernel.phys, pl->run_phys);
    for (uint32_t i = 0; i < img->nrun; i++) run_mem[i] = phys_ptr(pl->run_phys[i]);
    elf_load_segments(img, run_mem, placed);
    if (!elf_relocate(img, run_mem, pl->plan->bias, &e)) panic("kernel '%s': %s", k->name, e.msg);
}

/* The start of the plan's range holding va (va is in one). */
static uint64_t range_start(const struct va_space *vs, uint64_t va) {
    for (unsigned i = 0; i < vs->n; i++)
        if (vs->r[i].start <= va && va <= vs->r[i].last) return vs->r[i].start;
    return va;
}

/* The hand-off page is identity-mapped in the kernel's space too, so its
 * physical address must lie outside every range of the plan. First the
 * platform's own page (BIOS: below 1 MiB, in stage 2). Otherwise: frames
 * come from the top down, and the frames left free are usually right below
 * the kernel's block, inside its virtual range when it is linked low (a
 * kernel at 1 MiB whose span is most of RAM). So when a page lands in a
 * range, ask next for the highest free page below that range's start: one
 * question per range, never a walk page by page (issue 10). Below 4 GiB
 * when the hand-off passes through 32-bit protected mode (`low`). */
static uint64_t handoff_page(const struct platform *p, struct boot_plan *plan, bool low) {
    kiln_err e;
    if (p->handoff_page && va_reserve(&plan->vs, p->handoff_page, PAGE_SIZE, "the hand-off page", &e) &&
        frames_record(p->handoff_page, PAGE_SIZE, KILN_MEMORY_BOOTLOADER_RECLAIMABLE))
        return p->handoff_page;
    uint64_t limit = low ? GIB(4) : UINT64_MAX;
    for (unsigned tries = 0; tries <= VA_MAX_RANGES; tries++) {
        uint64_t pa = frames_alloc_code_below(1, limit);
        if (!pa) break;
        if (va_reserve(&plan->vs, pa, PAGE_SIZE, "the hand-off page", &e)) return pa;
        limit = range_start(&plan->vs, pa);
    }
    panic("layout: no free page for the hand-off code outside the kernel's ranges (the last one tried was below 0x%llx)",
          (unsigned long long)limit);
}

/* 5-level paging when the kernel allows it and the CPU has it; a kernel
 * that needs it on a CPU without it is refused. */
static void choose_levels(const struct machine *m, const struct kernel *k, struct placement *pl) {
    const struct kiln_config *c = k->cfg;
    if (c->paging_levels_min == 5 && !m->la57)
        panic("kernel '%s' needs 5-level paging (paging_levels_min = 5), but this CPU has no LA57 "
              "(CPUID.7:ECX bit 16)", k->name);
    pl->levels = c->paging_levels_max == 5 && m->la57 ? 5 : 4;
    pl->switch_levels = (pl->levels == 5) != m->la57_on;
    log_info("paging: %u levels%s%s", pl->levels,
             c->paging_levels_max == 5 && !m->la57 ? " (the kernel allows 5; this CPU has no LA57)" : "",
             pl->switch_levels ? (m->la57_on ? ", down from the firmware's 5" : ", up from the loader's 4") : "");
}

void place_kernel(struct platform *p, const struct machine *m, const struct payload_files *f, const struct kernel *k,
                  const struct kiln_framebuffer *fb, struct placement *pl) {
    kiln_err e;
    choose_levels(m, k, pl);
    size_t fw_regions = 0, fw_raw = 0, nrec;
    p->map_bounds(&fw_regions, &fw_raw);
    frames_records(&nrec);
    pl->edid_size = p->edid && p->edid_size <= EDID_MAX ? p->edid_size : 0;
    bi_layout(&pl->bi, f->module_count, pl->cpus.count, f->config->cmdline_len, fw_regions + 2 * (nrec + 64) + 16, fw_raw,
              pl->edid_size);

    pl->phys_top = MAX(GIB(4), p->phys_top);
    struct plan_input pin = {
        .elf = k->elf, .cfg = k->cfg, .phys_map_size = pl->phys_top, .fb_phys = fb->physical_address,
        .fb_size = fb->physical_address ? fb->size : 0, .modules_size = f->module_bytes,
        .boot_info_size = pl->bi.size, .kernel_file_size = f->kernel.entry->size, .seed = m->random,
        .levels = pl->levels,
        .ap_count = pl->cpus.aps,
    };
    pl->plan = heap_alloc(sizeof *pl->plan);
    if (!pl->plan || !plan_build(&pin, pl->plan, &e)) panic("kernel '%s': %s", k->name, pl->plan ? e.msg : "no memory");

    load_segments(p, f, k, pl);
    pl->stack_phys = frames_alloc(k->cfg->stack_size / PAGE_SIZE, KILN_MEMORY_KERNEL_STACK);
    pl->bi_phys = frames_alloc(pl->bi.size / PAGE_SIZE, KILN_MEMORY_BOOT_INFO);
    if (!pl->stack_phys || !pl->bi_phys) panic("memory: no room for the kernel stack and boot info");
    pl->hand_phys = handoff_page(p, pl->plan, pl->switch_levels);
    if (pl->cpus.aps) {
        pl->ap_stack_phys = frames_alloc(pl->cpus.aps * (k->cfg->stack_size / PAGE_SIZE), KILN_MEMORY_KERNEL_STACK);
        if (!pl->ap_stack_phys)
            panic("memory: no room for %zu AP stacks of %llu KiB", pl->cpus.aps,
                  (unsigned long long)(k->cfg->stack_size >> 10));
        /* The APs run the trampoline's first page identity-mapped in the
         * kernel's space, as the BSP runs the hand-off page. */
        if (!va_reserve(&pl->plan->vs, pl->cpus.trampoline, PAGE_SIZE, "the AP trampoline", &e))
            panic("kernel '%s': %s", k->name, e.msg);
    }
}

/* Page-table pages come in small batches of PAGE_TABLES frames. */
static uint64_t pt_alloc(void *ctx) {
    struct placement *pl = ctx;
    if (!pl->pt_left) {
        pl->pt_next = frames_alloc(PT_BATCH, KILN_MEMORY_PAGE_TABLES);
        if (!pl->pt_next) return 0;
        pl->pt_left = PT_BATCH;
    }
    pl->pt_left--;
    uint64_t pa = pl->pt_next;
    pl->pt_next += PAGE_SIZE;
    return pa;
}

static void map_or_panic(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned flags, const char *what) {
    kiln_err e;
    if (!pt_map(pt, va, pa, size, flags, &e)) panic("mapping %s: %s", what, e.msg);
}

/* Every page of every run, with the permissions of the segments on it:
 * one pt_map() per stretch of pages with the same permissions. */
static void map_segments(const struct kernel *k, struct placement *pl) {
    const struct elf_image *img = k->elf;
    for (uint32_t r = 0; r < img->nrun; r++)
        for (uint64_t va = img->run[r].start, next; va < img->run[r].end; va = next) {
            uint32_t f = elf_page_flags(img, va);
            next = elf_flags_end(img, va, img->run[r].end);
            if (!f) continue; /* a gap between segments of one run */
            unsigned flags = (f & ELF_PF_W ? MAP_W : 0) | (f & ELF_PF_X ? MAP_X : 0);
            map_or_panic(&pl->pt, va + (uint64_t)pl->plan->bias, pl->run_phys[r] + (va - img->run[r].start), next - va,
                         flags, "the kernel");
        }
}

void map_kernel(const struct machine *m, const struct payload_files *f, const struct kernel *k,
                const struct kiln_framebuffer *fb, struct placement *pl) {
    kiln_err e;
    const struct boot_plan *plan = pl->plan;
    pl->pt_next = pl->pt_left = 0;
    if (pl->switch_levels) { /* the top-level table is loaded into CR3 from 32-bit code */
        pl->pt_next = frames_alloc_below(PT_BATCH, KILN_MEMORY_PAGE_TABLES, GIB(4));
        if (!pl->pt_next) panic("memory: no room below 4 GiB for the page tables");
        pl->pt_left = PT_BATCH;
    }
    if (!pt_init(&pl->pt, m->nx, m->gbpages, pt_alloc, pl, phys_ptr, &e)) panic("%s", e.msg);
    pl->pt.levels = pl->levels;
    map_segments(k, pl);
    map_or_panic(&pl->pt, plan->stack_bottom, pl->stack_phys, k->cfg->stack_size, MAP_W, "the kernel stack");
    map_or_panic(&pl->pt, plan->boot_info, pl->bi_phys, pl->bi.size, MAP_W, "the boot info");
    map_or_panic(&pl->pt, plan->kernel_file, f->kernel.phys, align_up(f->kernel.entry->size, PAGE_SIZE), 0,
                 "the kernel file");
    map_or_panic(&pl->pt, pl->hand_phys, pl->hand_phys, PAGE_SIZE, MAP_X, "the hand-off page");
    for (uint64_t i = 0; i < pl->cpus.aps; i++)
        map_or_panic(&pl->pt, plan_ap_stack(plan, i), pl->ap_stack_phys + i * k->cfg->stack_size,
                     k->cfg->stack_size, MAP_W, "an AP stack");
    if (pl->cpus.aps) map_or_panic(&pl->pt, pl->cpus.trampoline, pl->cpus.trampoline, PAGE_SIZE, MAP_X, "the AP trampoline");
    if (plan->fb) {
        uint64_t fbp = align_down(fb->physical_address, PAGE_SIZE);
        uint64_t fbs = align_up(fb->physical_address + fb->size, PAGE_SIZE) - fbp;
        map_or_panic(&pl->pt, align_down(plan->fb, PAGE_SIZE), fbp, fbs, MAP_W | MAP_WC | MAP_LARGE, "the framebuffer");
    }
    uint64_t mod_va = plan->modules;
    for (uint32_t i = 0; plan->modules && i < f->module_count; i++) {
        map_or_panic(&pl->pt, mod_va, f->modules[i].phys, f->modules[i].bytes, 0, "a module");
        mod_va += f->modules[i].bytes;
    }
    if (plan->has_phys)
        map_or_panic(&pl->pt, plan->phys, 0, align_up(pl->phys_top, GIB(1)), MAP_W | MAP_LARGE, "physical memory");
    if (plan->recursive >= 0 && !pt_map_recursive(&pl->pt, (unsigned)plan->recursive, &e)) panic("%s", e.msg);
}
