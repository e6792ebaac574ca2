/* boot.c - the boot flow both platforms end in (the phases are in boot.h):
 * boot_flow() reads as the checklist it is. */
#include "common/boot.h"

#include "common/frames.h"
#include "common/log.h"
#include "common/video.h"
#include "core/kstring.h"
#include "core/memmap.h"

#define MAX_MODES 256

/* selftest=stack: recurse until the guard page below the stack stops it
 * (the depth limit only keeps the compiler from calling it infinite). */
__attribute__((noinline)) static uint64_t selftest_recurse(uint64_t depth) {
    volatile uint8_t frame[512];
    frame[0] = (uint8_t)depth;
    return depth > (UINT64_C(1) << 40) ? depth : selftest_recurse(depth + 1) + frame[0];
}

/* Testing Kiln itself (image config selftest=): end in the exception dump. */
static void run_selftests(const struct platform *p, const struct imgconfig *icfg) {
    if (icfg->selftest_stack && !p->guarded_stack)
        log_warn("selftest=stack skipped: the loader runs on the firmware's stack, which has no guard page");
    else if (icfg->selftest_stack) {
        log_info("selftest: overflowing the loader's stack on purpose");
        selftest_recurse(0);
    }
    if (icfg->selftest_fault) {
        /* A non-canonical address faults (#GP) on every machine, BIOS or UEFI. */
        log_info("selftest: taking a general-protection fault on purpose");
        (void)*(volatile uint64_t *)(uintptr_t)UINT64_C(0xdead000000000000);
    }
}

static void setup_video(struct platform *p, const struct kiln_config *cfg, struct kiln_framebuffer *fb) {
    memset(fb, 0, sizeof *fb);
    if (!p->video_modes || cfg->fb_mode == KILN_FB_NONE) return;
    struct video_mode *modes = heap_alloc(sizeof(struct video_mode) * MAX_MODES);
    if (!modes) return;
    int current = -1;
    size_t n = p->video_modes(modes, MAX_MODES, &current);
    uint32_t nw = 0, nh = 0;
    if (p->edid && edid_native_size(p->edid, p->edid_size, &nw, &nh))
        log_debug("display: native size %ux%u (EDID)", nw, nh);
    int i = video_choose(modes, n, current, cfg->fb_mode, cfg->fb_width, cfg->fb_height, nw, nh);
    if (i < 0) {
        log_info("video: no usable linear-framebuffer mode (%zu offered); continuing without a framebuffer", n);
        return;
    }
    kiln_err e;
    bool cleared = false;
    if (!p->video_set(&modes[i], fb, &cleared, &e)) {
        log_warn("video: setting %ux%ux%u failed: %s; continuing without a framebuffer", modes[i].width,
                 modes[i].height, modes[i].bpp, e.msg);
        memset(fb, 0, sizeof *fb);
        return;
    }
    log_set_framebuffer(fb, cleared); /* cleared: black already, not cleared again (platform.h) */
    log_info("video: %ux%u, %u bpp, pitch %u, framebuffer at 0x%llx", fb->width, fb->height, fb->bpp, fb->pitch,
             (unsigned long long)fb->physical_address);
}

/* Phase 5: leave the firmware, then the final memory map: the firmware's,
 * every frame the loader recorded, and the framebuffer. Scratch space is
 * allocated first: after leave() nothing can be allocated. */
static void leave_firmware(struct platform *p, const struct kiln_framebuffer *fb, struct kiln_boot_info *bi,
                           const struct placement *pl) {
    kiln_err e;
    size_t fw_cap = 0, raw_cap = 0, nrec;
    p->map_bounds(&fw_cap, &raw_cap);
    frames_records(&nrec);
    size_t in_cap = fw_cap + nrec + 8 + 1;
    struct kiln_memory_region *in = heap_alloc(in_cap * sizeof *in);
    struct kiln_memory_region *out = heap_alloc((2 * in_cap + 1) * sizeof *out);
    uint64_t *scratch = heap_alloc(2 * in_cap * sizeof *scratch);
    if (!in || !out || !scratch) panic("memory: no room to build the memory map");
    frames_records(&nrec); /* the three allocations above may have added records */
    if (fw_cap + nrec + 1 > in_cap) panic("memory: loader allocations outgrew the memory-map buffer");

    /* The raw map's buffer was sized (with slack) when the boot info was
     * laid out; leave() reports it if the map has outgrown even that. */
    struct firmware_map fm = {in, fw_cap, 0, (uint8_t *)phys_ptr(pl->bi_phys) + pl->bi.efi_map, pl->bi.efi_cap, 0, 0, 0};
    if (!p->leave(&fm, &e)) panic("firmware: %s", e.msg);
    log_firmware_gone();

    size_t n = fm.regions_count;
    const struct kiln_memory_region *rec = frames_records(&nrec);
    memcpy(in + n, rec, nrec * sizeof *rec);
    n += nrec;
    if (fb->physical_address) {
        uint64_t base = align_down(fb->physical_address, PAGE_SIZE);
        in[n++] = (struct kiln_memory_region){base, align_up(fb->physical_address + fb->size, PAGE_SIZE) - base,
                                              KILN_MEMORY_FRAMEBUFFER, KILN_FIRMWARE_TYPE_NONE};
    }
    size_t count = memmap_sanitize(in, n, out, scratch);
    if (count > pl->bi.map_cap)
        panic("memory: %zu memory-map entries, room for %llu", count, (unsigned long long)pl->bi.map_cap);
    bootinfo_memory_map(bi, pl, out, count, &fm);
    for (size_t i = 0; i < count; i++)
        log_debug("  %016llx-%016llx %-16s type %u", (unsigned long long)out[i].base,
                  (unsigned long long)(out[i].base + out[i].length), memmap_kind_name(out[i].kind),
                  out[i].firmware_type);
    log_info("memory: %llu MiB usable, %zu map entries; entering the kernel",
             (unsigned long long)(memmap_total(out, count, KILN_MEMORY_USABLE) >> 20), count);
}

void boot_flow(struct platform *p, const struct machine *m, struct handoff *h) {
    struct payload_files files;
    struct kernel kernel;
    struct kiln_framebuffer fb;
    struct placement pl;

    load_payload(p, &files);                 /* 1. the payload, every entry checked */
    load_kernel(&files, &kernel);            /* 2. the kernel's ELF and KILN_CONFIG */
    run_selftests(p, files.config);
    load_modules(p, &files);
    setup_video(p, kernel.cfg, &fb);
    cpus_find(p, m, &kernel, &pl.cpus);
    place_kernel(p, m, &files, &kernel, &fb, &pl); /* 3. address space, frames, segments */
    map_kernel(m, &files, &kernel, &fb, &pl);
    struct kiln_boot_info *bi = bootinfo_fill(p, m, &files, &kernel, &fb, &pl); /* 4. */

    const struct boot_plan *plan = pl.plan;
    log_info("kernel: entry 0x%llx, stack 0x%llx (%llu KiB), boot info 0x%llx, %llu page-table pages",
             (unsigned long long)plan->entry, (unsigned long long)plan->stack_bottom,
             (unsigned long long)(kernel.cfg->stack_size >> 10), (unsigned long long)plan->boot_info,
             (unsigned long long)pl.pt.tables);
    if (plan->has_phys) log_debug("physical memory mapped at 0x%llx", (unsigned long long)plan->phys);
    leave_firmware(p, &fb, bi, &pl);         /* 5. */

    h->args = (struct handoff_args){
        .cr3 = pl.pt.pml4, .rsp = plan->stack_bottom + kernel.cfg->stack_size, .entry = plan->entry,
        .boot_info = bootinfo_virt(&pl, bi), .gdt_limit = BOOT_GDT_BYTES - 1,
        .gdt_base = bootinfo_virt(&pl, (uint8_t *)phys_ptr(pl.bi_phys) + pl.bi.gdt),
    };
    h->page = pl.hand_phys;
    h->levels = pl.levels;
    h->switch_levels = pl.switch_levels;
    h->nx = m->nx;
    h->bi = bi;
    h->smp = (struct handoff_smp){
        .start = pl.cpus.start, .x2apic = pl.cpus.x2apic, .trampoline = pl.cpus.trampoline,
        .cpus = (struct kiln_cpu *)((uint8_t *)phys_ptr(pl.bi_phys) + pl.bi.cpus), .cpus_virt = (uint64_t)(uintptr_t)bi->cpus,
        .count = pl.cpus.count, .tsc_frequency = m->tsc_frequency,
    };
}
