/* boot.c - the one boot flow both firmware paths end in.
 *
 * kiln_boot() reads as the checklist it is:
 *   1. read and verify the payload header, the image config, the kernel
 *   2. validate the kernel ELF and its KILN_CONFIG record
 *   3. read and verify the modules
 *   4. choose and set a video mode
 *   5. plan the kernel's address space; load and relocate the segments
 *   6. build the page tables
 *   7. fill the boot info
 *   8. leave the firmware, finish the memory map, hand off
 * Every failure is a panic naming the file and the problem. */
#include "common/platform.h"

#include "x86/cpu.h"
#include <kiln/crc32.h>
#include "core/elf.h"
#include "common/frames.h"
#include "common/handoff.h"
#include "format/imgconfig.h"
#include "core/kconfig.h"
#include "core/kstring.h"
#include "common/log.h"
#include "core/memmap.h"
#include "core/paging.h"
#include "format/payload.h"
#include "core/vaplan.h"
#include "x86/tsc.h"
#include "core/version.h"
#include "common/video.h"

#define MAX_MODES 256
#define GDT_BYTES 24
#define EDID_MAX 256u
#define PT_BATCH 16 /* page-table pages taken from the frame allocator at a time */

struct loaded_file {
    const struct payload_entry *entry;
    uint64_t phys;
    uint64_t bytes; /* the frames it occupies: size rounded up to pages, at least one */
};

/* Reads a payload entry into fresh frames of the given kind and checks its CRC. */
static struct loaded_file load_entry(struct platform *p, const struct payload_entry *pe, uint32_t kind) {
    kiln_err e;
    struct loaded_file f = {pe, 0, align_up(pe->size ? pe->size : 1, PAGE_SIZE)};
    f.phys = frames_alloc(f.bytes / PAGE_SIZE, kind);
    if (!f.phys)
        panic("payload: no memory for %s '%s' (%llu KiB)", payload_type_name(pe->type), pe->name,
              (unsigned long long)(pe->size >> 10));
    if (pe->size && !p->read(pe->offset, phys_ptr(f.phys), pe->size, &e))
        panic("payload: reading %s '%s': %s", payload_type_name(pe->type), pe->name, e.msg);
    uint32_t crc = kiln_crc32(0, phys_ptr(f.phys), pe->size);
    if (crc != pe->crc32)
        panic("payload: %s '%s' is corrupt: checksum mismatch (stored %08x, computed %08x)",
              payload_type_name(pe->type), pe->name, pe->crc32, crc);
    return f;
}

/* selftest=stack: recurse until the guard page below the stack stops it
 * (the depth limit only keeps the compiler from calling it infinite). */
__attribute__((noinline)) static uint64_t selftest_recurse(uint64_t depth) {
    volatile uint8_t frame[512];
    frame[0] = (uint8_t)depth;
    return depth > (UINT64_C(1) << 40) ? depth : selftest_recurse(depth + 1) + frame[0];
}

static void log_elf_warnings(const struct elf_image *img, const char *name) {
    if (img->warnings & ELF_WARN_RWX_SEGMENT)
        log_warn("kernel '%s': segment %u is writable and executable", name, img->rwx_seg);
    if (img->warnings & ELF_WARN_SHARED_PAGE)
        log_warn("kernel '%s': segments %u and %u share the page at 0x%llx; it gets both permissions", name,
                 img->warn_seg_a, img->warn_seg_b, (unsigned long long)img->warn_page);
    if (img->warnings & ELF_WARN_NO_CONFIG) log_info("kernel '%s' has no KILN_CONFIG record; using defaults", name);
    if (img->warnings & ELF_WARN_CONFIG_NEWER)
        log_warn("kernel '%s' was built against a newer kiln.h; fields this Kiln does not know are ignored", name);
}

/* Page-table pages come in small batches of PAGE_TABLES frames. */
struct pt_pool {
    uint64_t next, left;
};
static uint64_t pt_alloc(void *ctx) {
    struct pt_pool *pool = ctx;
    if (!pool->left) {
        pool->next = frames_alloc(PT_BATCH, KILN_MEMORY_PAGE_TABLES);
        if (!pool->next) return 0;
        pool->left = PT_BATCH;
    }
    pool->left--;
    uint64_t pa = pool->next;
    pool->next += PAGE_SIZE;
    return pa;
}

static void map_or_panic(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned flags, const char *what) {
    kiln_err e;
    if (!pt_map(pt, va, pa, size, flags, &e)) panic("mapping %s: %s", what, e.msg);
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
    if (!p->video_set(&modes[i], fb, &e)) {
        log_warn("video: setting %ux%ux%u failed: %s; continuing without a framebuffer", modes[i].width,
                 modes[i].height, modes[i].bpp, e.msg);
        memset(fb, 0, sizeof *fb);
        return;
    }
    log_set_framebuffer(fb);
    log_info("video: %ux%u, %u bpp, pitch %u, framebuffer at 0x%llx", fb->width, fb->height, fb->bpp, fb->pitch,
             (unsigned long long)fb->physical_address);
}

/* Everything the boot-info page holds, laid out once so that sizing and
 * filling agree. */
struct bi_layout {
    uint64_t info, gdt, strings, modules, map, efi_map, edid, size;
    uint64_t map_cap, efi_cap, strings_size;
};

static void bi_layout(struct bi_layout *l, uint64_t nmodules, uint64_t cmdline_len, uint64_t map_cap,
                      uint64_t efi_cap, uint64_t edid_size) {
    uint64_t o = 0;
    l->info = o, o += align_up(sizeof(struct kiln_boot_info), 16);
    l->gdt = o, o += align_up(GDT_BYTES, 16);
    l->strings_size = 64 + cmdline_len + 1 + nmodules * PAYLOAD_NAME_MAX;
    l->strings = o, o += align_up(l->strings_size, 16);
    l->modules = o, o += align_up(nmodules * sizeof(struct kiln_module), 16);
    l->map_cap = map_cap;
    l->map = o, o += align_up(map_cap * sizeof(struct kiln_memory_region), 16);
    l->efi_cap = efi_cap;
    l->efi_map = o, o += align_up(efi_cap, 16);
    l->edid = o, o += align_up(edid_size, 16);
    l->size = align_up(o, PAGE_SIZE);
}

static char *copy_str(char **cur, const char *s, size_t n) {
    char *d = *cur;
    memcpy(d, s, n);
    d[n] = 0;
    *cur += n + 1;
    return d;
}

void kiln_boot(struct platform *p) {
    kiln_err e;
    struct cpu_features cpu;
    cpu_detect(&cpu);
    log_info("%s %s, %s firmware", KILN_LOADER_NAME, KILN_LOADER_VERSION,
             p->firmware == KILN_FIRMWARE_UEFI ? "UEFI" : "BIOS");
    if (read_cr4() & CR4_LA57) panic("cpu: the firmware enabled 5-level paging; Kiln builds 4-level tables");

    /* 1. Payload header, image config, kernel. */
    uint8_t *hdr = heap_alloc(PAYLOAD_HEADER_MAX);
    if (!hdr) panic("memory: no room for the payload header");
    if (!p->read(0, hdr, PAYLOAD_HEADER_MAX, &e)) panic("payload: reading the header: %s", e.msg);
    if (!payload_validate(hdr, PAYLOAD_HEADER_MAX, 0, &e)) panic("%s", e.msg);
    const struct payload_header *ph = (const struct payload_header *)hdr;

    struct imgconfig *icfg = heap_alloc(sizeof *icfg);
    if (!icfg) panic("memory: no room for the image config");
    imgconfig_defaults(icfg);
    const struct payload_entry *ce = payload_find(ph, PAYLOAD_CONFIG);
    if (ce) {
        if (ce->size > IMGCONFIG_MAX_SIZE) panic("config '%s': %llu bytes is too large", ce->name, (unsigned long long)ce->size);
        struct loaded_file cf = load_entry(p, ce, KILN_MEMORY_BOOTLOADER_RECLAIMABLE);
        if (!imgconfig_parse(phys_ptr(cf.phys), ce->size, icfg, &e)) panic("image %s", e.msg);
    }
    log_set_level(icfg->log_level);
    if (!icfg->serial) log_set_serial(false);

    const struct payload_entry *ke = payload_find(ph, PAYLOAD_KERNEL);
    log_info("loading kernel '%s' (%llu KiB)", ke->name, (unsigned long long)((ke->size + 1023) >> 10));
    struct loaded_file kf = load_entry(p, ke, KILN_MEMORY_KERNEL);

    /* 2. The ELF and its config record. */
    struct elf_image *img = heap_alloc(sizeof *img);
    struct kiln_config *cfg = heap_alloc(sizeof *cfg);
    if (!img || !cfg) panic("memory: no room for the kernel description");
    if (!elf_parse(phys_ptr(kf.phys), ke->size, img, &e)) panic("kernel '%s': %s", ke->name, e.msg);
    log_elf_warnings(img, ke->name);
    if (!kconfig_resolve(img->config, img->config_size, cfg, &e)) panic("kernel '%s': %s", ke->name, e.msg);
    if (icfg->fb_set) {
        cfg->fb_mode = icfg->fb_mode;
        cfg->fb_width = icfg->fb_width;
        cfg->fb_height = icfg->fb_height;
    }

    if (icfg->selftest_stack && !p->guarded_stack)
        log_warn("selftest=stack skipped: the loader runs on the firmware's stack, which has no guard page");
    else if (icfg->selftest_stack) {
        log_info("selftest: overflowing the loader's stack on purpose");
        selftest_recurse(0);
    }
    if (icfg->selftest_fault) {
        /* Testing Kiln itself: a non-canonical address faults (#GP) on
         * every machine, BIOS or UEFI, and must end in the exception dump. */
        log_info("selftest: taking a general-protection fault on purpose");
        (void)*(volatile uint64_t *)(uintptr_t)UINT64_C(0xdead000000000000);
    }

    /* 3. Modules. */
    uint32_t nmod = 0;
    for (uint32_t i = 0; i < ph->entry_count; i++) nmod += payload_entry_at(ph, i)->type == PAYLOAD_MODULE;
    struct loaded_file *mods = heap_alloc(sizeof *mods * (nmod ? nmod : 1));
    if (!mods) panic("memory: no room for the module list");
    uint64_t mod_bytes = 0;
    for (uint32_t i = 0, m = 0; i < ph->entry_count; i++) {
        const struct payload_entry *pe = payload_entry_at(ph, i);
        if (pe->type != PAYLOAD_MODULE) continue;
        mods[m++] = load_entry(p, pe, KILN_MEMORY_MODULE);
        mod_bytes += mods[m - 1].bytes;
        log_info("module '%s' (%llu KiB) at 0x%llx", pe->name, (unsigned long long)((pe->size + 1023) >> 10),
                 (unsigned long long)mods[m - 1].phys);
    }

    /* 4. Video. */
    struct kiln_framebuffer fb;
    setup_video(p, cfg, &fb);

    /* 5. Address-space plan, then the segments. */
    size_t fw_regions = 0, fw_raw = 0;
    p->map_bounds(&fw_regions, &fw_raw);
    size_t nrec;
    frames_records(&nrec);
    uint64_t edid_size = p->edid && p->edid_size <= EDID_MAX ? p->edid_size : 0;
    struct bi_layout bl;
    bi_layout(&bl, nmod, icfg->cmdline_len, fw_regions + 2 * (nrec + 64) + 16, fw_raw, edid_size);

    uint64_t phys_top = MAX(GIB(4), p->phys_top);
    struct plan_input pin = {
        .elf = img, .cfg = cfg, .phys_map_size = phys_top, .fb_phys = fb.physical_address,
        .fb_size = fb.physical_address ? fb.size : 0, .modules_size = mod_bytes,
        .boot_info_size = bl.size, .kernel_file_size = ke->size,
        .seed = cpu.rdrand ? 0 : rdtsc(),
    };
    if (cfg->aslr && cpu.rdrand) {
        uint64_t r = 0;
        for (int i = 0; i < 10 && !r; i++) __asm__ volatile("rdrand %0" : "=r"(r) : : "cc");
        pin.seed = r ? r : rdtsc();
    }
    struct boot_plan *plan = heap_alloc(sizeof *plan);
    if (!plan || !plan_build(&pin, plan, &e)) panic("kernel '%s': %s", ke->name, plan ? e.msg : "no memory");

    uint8_t *run_mem[ELF_MAX_RUNS];
    uint64_t run_phys[ELF_MAX_RUNS];
    for (uint32_t i = 0; i < img->nrun; i++) {
        uint64_t pages = (img->run[i].end - img->run[i].start) / PAGE_SIZE;
        run_phys[i] = frames_alloc(pages, KILN_MEMORY_KERNEL);
        if (!run_phys[i]) panic("kernel '%s': no memory for %llu KiB of segments", ke->name, (unsigned long long)(pages * 4));
        run_mem[i] = phys_ptr(run_phys[i]);
    }
    elf_load_segments(img, run_mem);
    if (!elf_relocate(img, run_mem, plan->bias, &e)) panic("kernel '%s': %s", ke->name, e.msg);

    uint64_t stack_phys = frames_alloc(cfg->stack_size / PAGE_SIZE, KILN_MEMORY_KERNEL_STACK);
    uint64_t bi_phys = frames_alloc(bl.size / PAGE_SIZE, KILN_MEMORY_BOOT_INFO);
    if (!stack_phys || !bi_phys) panic("memory: no room for the kernel stack and boot info");

    /* The hand-off page is identity-mapped in the kernel's space too, so its
     * physical address must not collide with anything the kernel asked for. */
    uint64_t hand_phys = 0;
    for (int tries = 0; tries < 32 && !hand_phys; tries++) {
        uint64_t pa = frames_alloc_code(1);
        if (!pa) break;
        if (va_reserve(&plan->vs, pa, PAGE_SIZE, "the hand-off page", &e)) hand_phys = pa;
    }
    if (!hand_phys) panic("layout: no free page for the hand-off code outside the kernel's ranges");

    /* 6. Page tables. */
    struct pt_pool pool = {0, 0};
    struct pt pt;
    if (!pt_init(&pt, cpu.nx, cpu.gbpages, pt_alloc, &pool, phys_ptr, &e)) panic("%s", e.msg);
    for (uint32_t r = 0; r < img->nrun; r++)
        for (uint64_t va = img->run[r].start; va < img->run[r].end; va += PAGE_SIZE) {
            uint32_t f = elf_page_flags(img, va);
            if (!f) continue; /* a gap between segments of one run */
            unsigned flags = (f & ELF_PF_W ? MAP_W : 0) | (f & ELF_PF_X ? MAP_X : 0);
            map_or_panic(&pt, va + (uint64_t)plan->bias, run_phys[r] + (va - img->run[r].start), PAGE_SIZE, flags,
                         "the kernel");
        }
    map_or_panic(&pt, plan->stack_bottom, stack_phys, cfg->stack_size, MAP_W, "the kernel stack");
    map_or_panic(&pt, plan->boot_info, bi_phys, bl.size, MAP_W, "the boot info");
    map_or_panic(&pt, plan->kernel_file, kf.phys, align_up(ke->size, PAGE_SIZE), 0, "the kernel file");
    map_or_panic(&pt, hand_phys, hand_phys, PAGE_SIZE, MAP_X, "the hand-off page");
    if (plan->fb) {
        uint64_t fbp = align_down(fb.physical_address, PAGE_SIZE);
        uint64_t fbs = align_up(fb.physical_address + fb.size, PAGE_SIZE) - fbp;
        map_or_panic(&pt, align_down(plan->fb, PAGE_SIZE), fbp, fbs, MAP_W | MAP_WC | MAP_LARGE, "the framebuffer");
    }
    uint64_t mod_va = plan->modules;
    if (plan->modules)
        for (uint32_t i = 0; i < nmod; i++) {
            map_or_panic(&pt, mod_va, mods[i].phys, mods[i].bytes, 0, "a module");
            mod_va += mods[i].bytes;
        }
    if (plan->has_phys) map_or_panic(&pt, plan->phys, 0, align_up(phys_top, GIB(1)), MAP_W | MAP_LARGE, "physical memory");
    if (plan->recursive >= 0 && !pt_map_recursive(&pt, (unsigned)plan->recursive, &e)) panic("%s", e.msg);

    /* 7. Boot info (all pointers are kernel virtual addresses). */
    uint8_t *bim = phys_ptr(bi_phys);
    uint64_t biv = plan->boot_info;
    struct kiln_boot_info *bi = (struct kiln_boot_info *)(bim + bl.info);
    bi->magic = KILN_BOOT_INFO_MAGIC;
    bi->version_major = KILN_VERSION_MAJOR;
    bi->version_minor = KILN_VERSION_MINOR;
    bi->size = sizeof *bi;
    bi->firmware = p->firmware;
    bi->boot_info_phys = bi_phys + bl.info;
    char *str = (char *)(bim + bl.strings);
#define KVA(ptr) (biv + (uint64_t)((uint8_t *)(ptr) - bim))
    bi->loader_name = (const char *)KVA(copy_str(&str, KILN_LOADER_NAME, strlen(KILN_LOADER_NAME)));
    bi->loader_version = (const char *)KVA(copy_str(&str, KILN_LOADER_VERSION, strlen(KILN_LOADER_VERSION)));
    bi->cmdline = (const char *)KVA(copy_str(&str, icfg->cmdline, icfg->cmdline_len));
    bi->cmdline_length = icfg->cmdline_len;

    struct kiln_module *km = (struct kiln_module *)(bim + bl.modules);
    mod_va = plan->modules;
    for (uint32_t i = 0; i < nmod; i++) {
        const struct payload_entry *pe = mods[i].entry;
        km[i].physical_address = mods[i].phys;
        km[i].address = plan->modules ? (const void *)mod_va : 0;
        km[i].size = pe->size;
        km[i].name = (const char *)KVA(copy_str(&str, pe->name, strnlen(pe->name, PAYLOAD_NAME_MAX)));
        km[i].crc32 = pe->crc32;
        mod_va += mods[i].bytes;
    }
    bi->modules = nmod ? (const struct kiln_module *)KVA(km) : 0;
    bi->module_count = nmod;

    if (fb.physical_address) { /* reported even when not mapped (placement KILN_NONE) */
        bi->framebuffer = fb;
        bi->framebuffer.address = plan->fb;
        if (edid_size) {
            memcpy(bim + bl.edid, p->edid, edid_size);
            bi->framebuffer.edid = (const uint8_t *)KVA(bim + bl.edid);
            bi->framebuffer.edid_size = edid_size;
        }
    }
    if (!fb.physical_address && p->vga_text) bi->flags |= KILN_FLAG_VGA_TEXT;
    if (plan->has_phys) {
        bi->flags |= KILN_FLAG_PHYSICAL_MEMORY;
        bi->physical_memory_offset = plan->phys;
        bi->physical_memory_size = align_up(phys_top, GIB(1));
    }
    if (plan->recursive >= 0) {
        bi->flags |= KILN_FLAG_RECURSIVE;
        bi->recursive_index = (uint64_t)plan->recursive;
    }
    if (cpu.nx) bi->flags |= KILN_FLAG_NX;
    if (cfg->aslr) bi->flags |= KILN_FLAG_ASLR;
    bi->rsdp_phys = p->rsdp;
    bi->smbios32_phys = p->smbios32;
    bi->smbios64_phys = p->smbios64;
    bi->efi_system_table_phys = p->efi_system_table;

    bi->kernel_file_phys = kf.phys;
    bi->kernel_file_size = ke->size;
    bi->kernel_file = (const void *)plan->kernel_file;
    bi->kernel_image_phys = run_phys[0];
    bi->kernel_image_virt = img->run[0].start + (uint64_t)plan->bias;
    bi->kernel_image_size = img->run[0].end - img->run[0].start;
    bi->kernel_load_bias = plan->bias;
    bi->kernel_entry = plan->entry;
    bi->stack_bottom = plan->stack_bottom;
    bi->stack_size = cfg->stack_size;
    if (img->has_tls) {
        bi->tls.address = img->tls_vaddr + (uint64_t)plan->bias;
        bi->tls.file_size = img->tls_filesz;
        bi->tls.mem_size = img->tls_memsz;
        bi->tls.align = img->tls_align;
    }
    bi->tsc_loader_entry = p->tsc_entry;
    bi->tsc_frequency = tsc_frequency();

    /* GDT: null, 64-bit code (0x08), data (0x10). */
    uint64_t *gdt = (uint64_t *)(bim + bl.gdt);
    gdt[0] = 0;
    gdt[1] = UINT64_C(0x00af9a000000ffff);
    gdt[2] = UINT64_C(0x00cf92000000ffff);

    log_info("kernel: entry 0x%llx, stack 0x%llx (%llu KiB), boot info 0x%llx, %llu page-table pages",
             (unsigned long long)plan->entry, (unsigned long long)plan->stack_bottom,
             (unsigned long long)(cfg->stack_size >> 10), (unsigned long long)plan->boot_info,
             (unsigned long long)pt.tables);
    if (plan->has_phys) log_debug("physical memory mapped at 0x%llx", (unsigned long long)plan->phys);

    /* 8. Leave the firmware and finish the memory map. Scratch space is
     * allocated now: after leave() nothing can be allocated. */
    /* The raw map's buffer was sized (with slack) when the boot info was
     * laid out; leave() reports it if the map has outgrown even that. */
    size_t fw_cap = 0, raw_cap = 0;
    p->map_bounds(&fw_cap, &raw_cap);
    frames_records(&nrec);
    size_t in_cap = fw_cap + nrec + 8 + 1;
    struct kiln_memory_region *in = heap_alloc(in_cap * sizeof *in);
    struct kiln_memory_region *out = heap_alloc((2 * in_cap + 1) * sizeof *out);
    uint64_t *scratch = heap_alloc(2 * in_cap * sizeof *scratch);
    if (!in || !out || !scratch) panic("memory: no room to build the memory map");
    frames_records(&nrec); /* the three allocations above may have added records */
    if (fw_cap + nrec + 1 > in_cap) panic("memory: loader allocations outgrew the memory-map buffer");

    struct firmware_map fm = {in, fw_cap, 0, bim + bl.efi_map, bl.efi_cap, 0, 0, 0};
    if (!p->leave(&fm, &e)) panic("firmware: %s", e.msg);
    log_firmware_gone();

    size_t n = fm.regions_count;
    const struct kiln_memory_region *rec = frames_records(&nrec);
    memcpy(in + n, rec, nrec * sizeof *rec);
    n += nrec;
    if (fb.physical_address)
        in[n++] = (struct kiln_memory_region){align_down(fb.physical_address, PAGE_SIZE),
                                              align_up(fb.physical_address + fb.size, PAGE_SIZE) -
                                                  align_down(fb.physical_address, PAGE_SIZE),
                                              KILN_MEMORY_FRAMEBUFFER, KILN_FIRMWARE_TYPE_NONE};
    size_t count = memmap_sanitize(in, n, out, scratch);
    if (count > bl.map_cap) panic("memory: %zu memory-map entries, room for %llu", count, (unsigned long long)bl.map_cap);
    struct kiln_memory_region *map = (struct kiln_memory_region *)(bim + bl.map);
    memcpy(map, out, count * sizeof *out);
    bi->memory_map = (const struct kiln_memory_region *)KVA(map);
    bi->memory_map_count = count;
    if (fm.raw_size) {
        bi->efi_memory_map = (const void *)KVA(bim + bl.efi_map);
        bi->efi_memory_map_size = fm.raw_size;
        bi->efi_descriptor_size = fm.desc_size;
        bi->efi_descriptor_version = fm.desc_version;
    }
    for (size_t i = 0; i < count; i++)
        log_debug("  %016llx-%016llx %-16s type %u", (unsigned long long)map[i].base,
                  (unsigned long long)(map[i].base + map[i].length), memmap_kind_name(map[i].kind),
                  map[i].firmware_type);
    log_info("memory: %llu MiB usable, %zu map entries; entering the kernel",
             (unsigned long long)(memmap_total(map, count, KILN_MEMORY_USABLE) >> 20), count);

    struct handoff_args args = {
        .cr3 = pt.pml4, .rsp = plan->stack_bottom + cfg->stack_size, .entry = plan->entry,
        .boot_info = KVA(bi), .gdt_limit = GDT_BYTES - 1, .gdt_base = KVA(gdt),
    };
#undef KVA
    bi->tsc_handoff = rdtsc();
    handoff_jump(hand_phys, &args, cpu.nx);
}
