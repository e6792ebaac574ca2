/* bootinfo.c - phase 4 of the boot flow (boot.h): the boot info, the
 * kernel ABI of include/kiln.h, written into its own pages. Every pointer
 * in it is a kernel virtual address: the pages are mapped at
 * pl->plan->boot_info. docs/protocol.md describes each field. */
#include "common/boot.h"

#include "common/frames.h"
#include "common/log.h"
#include "core/kstring.h"
#include "core/version.h"


void bi_layout(struct bi_layout *l, uint64_t nmodules, uint64_t ncpus, uint64_t cmdline_len, uint64_t map_cap,
               uint64_t efi_cap, uint64_t edid_size) {
    uint64_t o = 0;
    l->info = o, o += align_up(sizeof(struct kiln_boot_info), 16);
    l->gdt = o, o += align_up(BOOT_GDT_BYTES, 16);
    l->strings_size = 64 + cmdline_len + 1 + nmodules * PAYLOAD_NAME_MAX;
    l->strings = o, o += align_up(l->strings_size, 16);
    l->modules = o, o += align_up(nmodules * sizeof(struct kiln_module), 16);
    l->cpus = o, o += align_up(ncpus * sizeof(struct kiln_cpu), 16);
    l->map_cap = map_cap;
    l->map = o, o += align_up(map_cap * sizeof(struct kiln_memory_region), 16);
    l->efi_cap = efi_cap;
    l->efi_map = o, o += align_up(efi_cap, 16);
    l->edid = o, o += align_up(edid_size, 16);
    l->segments = o, o += ELF_MAX_LOAD * sizeof(struct kiln_segment);
    l->size = align_up(o, PAGE_SIZE);
}

uint64_t bootinfo_virt(const struct placement *pl, const void *ptr) {
    return pl->plan->boot_info + (uint64_t)((const uint8_t *)ptr - (const uint8_t *)phys_ptr(pl->bi_phys));
}

/* Copies n bytes of s and a NUL to the string area; returns the kernel's address of the copy. */
static const char *copy_str(const struct placement *pl, char **cur, const char *s, size_t n) {
    char *d = *cur;
    memcpy(d, s, n);
    d[n] = 0;
    *cur += n + 1;
    return (const char *)bootinfo_virt(pl, d);
}

static void fill_modules(struct kiln_boot_info *bi, const struct payload_files *f, const struct placement *pl,
                         char **str) {
    struct kiln_module *km = (struct kiln_module *)((uint8_t *)phys_ptr(pl->bi_phys) + pl->bi.modules);
    uint64_t mod_va = pl->plan->modules;
    for (uint32_t i = 0; i < f->module_count; i++) {
        const struct payload_entry *pe = f->modules[i].entry;
        km[i].physical_address = f->modules[i].phys;
        km[i].address = pl->plan->modules ? (const void *)mod_va : 0;
        km[i].size = pe->size;
        km[i].name = copy_str(pl, str, pe->name, strnlen(pe->name, PAYLOAD_NAME_MAX));
        km[i].crc32 = pe->crc32;
        mod_va += f->modules[i].bytes;
    }
    bi->modules = f->module_count ? (const struct kiln_module *)bootinfo_virt(pl, km) : 0;
    bi->module_count = f->module_count;
}

/* The framebuffer (reported even when not mapped: placement KILN_NONE), the
 * display's EDID, or VGA text mode. */
static void fill_display(struct kiln_boot_info *bi, const struct platform *p, const struct kiln_framebuffer *fb,
                         const struct placement *pl) {
    if (fb->physical_address) {
        bi->framebuffer = *fb;
        bi->framebuffer.address = pl->plan->fb;
        if (pl->edid_size) {
            uint8_t *edid = (uint8_t *)phys_ptr(pl->bi_phys) + pl->bi.edid;
            memcpy(edid, p->edid, pl->edid_size);
            bi->framebuffer.edid = (const uint8_t *)bootinfo_virt(pl, edid);
            bi->framebuffer.edid_size = pl->edid_size;
        }
    }
    if (!fb->physical_address && p->vga_text) bi->flags |= KILN_FLAG_VGA_TEXT;
}

/* Every loaded PT_LOAD segment, in virtual-address order (elf_parse sorts
 * them), at the page granularity it is mapped with. The physical address
 * follows from the run the segment was loaded in. */
static void fill_segments(struct kiln_boot_info *bi, const struct kernel *k, const struct placement *pl) {
    const struct elf_image *img = k->elf;
    struct kiln_segment *ks = (struct kiln_segment *)((uint8_t *)phys_ptr(pl->bi_phys) + pl->bi.segments);
    for (uint32_t i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        uint64_t start = align_down(s->vaddr, PAGE_SIZE);
        int r = elf_run_of(img, start);
        if (r < 0) panic("kernel '%s': segment %u is in no run (loader bug)", k->name, s->index);
        ks[i].virtual_address = start + (uint64_t)pl->plan->bias;
        ks[i].physical_address = pl->run_phys[r] + (start - img->run[r].start);
        ks[i].size = align_up(s->vaddr + s->memsz, PAGE_SIZE) - start;
        ks[i].flags = KILN_SEGMENT_R | (s->flags & ELF_PF_W ? KILN_SEGMENT_W : 0) |
                      (s->flags & ELF_PF_X ? KILN_SEGMENT_X : 0);
        ks[i].phdr_index = s->index;
    }
    bi->segments = img->nseg ? (const struct kiln_segment *)bootinfo_virt(pl, ks) : 0;
    bi->segment_count = img->nseg;
}

/* The processor table; each AP that will be started gets its stack top,
 * the BSP its own (docs/protocol.md, section 11). */
static void fill_cpus(struct kiln_boot_info *bi, const struct kernel *k, const struct placement *pl) {
    struct kiln_cpu *c = (struct kiln_cpu *)((uint8_t *)phys_ptr(pl->bi_phys) + pl->bi.cpus);
    const struct cpu_table *t = &pl->cpus;
    memcpy(c, t->cpu, t->count * sizeof *c);
    uint64_t slot = 0;
    for (size_t i = 0; i < t->count; i++) {
        if (c[i].state == KILN_CPU_BSP) c[i].stack_top = pl->plan->stack_bottom + k->cfg->stack_size;
        if (cpus_startable(t, &c[i])) c[i].stack_top = plan_ap_stack(pl->plan, slot++) + k->cfg->stack_size;
    }
    bi->cpus = (struct kiln_cpu *)bootinfo_virt(pl, c);
    bi->cpu_count = t->count;
    bi->bsp_lapic_id = t->bsp_lapic_id;
    if (t->x2apic) bi->flags |= KILN_FLAG_X2APIC;
}

/* Where the kernel is, in the file and in memory, and its stack and TLS. */
static void fill_kernel(struct kiln_boot_info *bi, const struct payload_files *f, const struct kernel *k,
                        const struct placement *pl) {
    const struct elf_image *img = k->elf;
    const struct boot_plan *plan = pl->plan;
    bi->kernel_file_phys = f->kernel.phys;
    bi->kernel_file_size = f->kernel.entry->size;
    bi->kernel_file = (const void *)plan->kernel_file;
    bi->kernel_image_phys = pl->run_phys[0];
    bi->kernel_image_virt = img->run[0].start + (uint64_t)plan->bias;
    bi->kernel_image_size = img->run[0].end - img->run[0].start;
    bi->kernel_load_bias = plan->bias;
    bi->kernel_entry = plan->entry;
    bi->stack_bottom = plan->stack_bottom;
    bi->stack_size = k->cfg->stack_size;
    if (img->has_tls) {
        bi->tls.address = img->tls_vaddr + (uint64_t)plan->bias;
        bi->tls.file_size = img->tls_filesz;
        bi->tls.mem_size = img->tls_memsz;
        bi->tls.align = img->tls_align;
    }
}

struct kiln_boot_info *bootinfo_fill(const struct platform *p, const struct machine *m, const struct payload_files *f,
                                     const struct kernel *k, const struct kiln_framebuffer *fb,
                                     const struct placement *pl) {
    uint8_t *bim = phys_ptr(pl->bi_phys);
    const struct boot_plan *plan = pl->plan;
    struct kiln_boot_info *bi = (struct kiln_boot_info *)(bim + pl->bi.info);
    bi->magic = KILN_BOOT_INFO_MAGIC;
    bi->version_major = KILN_VERSION_MAJOR;
    bi->version_minor = KILN_VERSION_MINOR;
    bi->size = sizeof *bi;
    bi->paging_levels = pl->levels;
    if (pl->levels == 5) bi->flags |= KILN_FLAG_LA57;
    bi->firmware = p->firmware;
    bi->boot_info_phys = pl->bi_phys + pl->bi.info;
    char *str = (char *)(bim + pl->bi.strings);
    bi->loader_name = copy_str(pl, &str, KILN_LOADER_NAME, strlen(KILN_LOADER_NAME));
    bi->loader_version = copy_str(pl, &str, KILN_LOADER_VERSION, strlen(KILN_LOADER_VERSION));
    bi->cmdline = copy_str(pl, &str, f->config->cmdline, f->config->cmdline_len);
    bi->cmdline_length = f->config->cmdline_len;
    fill_modules(bi, f, pl, &str);
    fill_display(bi, p, fb, pl);
    if (plan->has_phys) {
        bi->flags |= KILN_FLAG_PHYSICAL_MEMORY;
        bi->physical_memory_offset = plan->phys;
        bi->physical_memory_size = align_up(pl->phys_top, GIB(1));
    }
    if (plan->recursive >= 0) {
        bi->flags |= KILN_FLAG_RECURSIVE;
        bi->recursive_index = (uint64_t)plan->recursive;
    }
    if (m->nx) bi->flags |= KILN_FLAG_NX;
    memcpy(bi->entropy, m->entropy, sizeof bi->entropy);
    bi->entropy_sources = m->entropy_sources;
    if (k->cfg->aslr) bi->flags |= KILN_FLAG_ASLR;
    if (p->secure_boot) bi->flags |= KILN_FLAG_SECURE_BOOT;
    bi->rsdp_phys = p->rsdp;
    bi->smbios32_phys = p->smbios32;
    bi->smbios64_phys = p->smbios64;
    bi->efi_system_table_phys = p->efi_system_table;
    fill_kernel(bi, f, k, pl);
    fill_segments(bi, k, pl);
    fill_cpus(bi, k, pl);
    bi->tsc_loader_entry = p->tsc_entry;
    if (p->has_unix_time) {
        bi->boot_unix_time = p->unix_time;
        bi->flags |= KILN_FLAG_BOOT_TIME;
    }
    bi->tsc_frequency = m->tsc_frequency;

    /* GDT: null, 64-bit code (0x08), data (0x10). */
    uint64_t *gdt = (uint64_t *)(bim + pl->bi.gdt);
    gdt[0] = 0;
    gdt[1] = UINT64_C(0x00af9a000000ffff);
    gdt[2] = UINT64_C(0x00cf92000000ffff);
    return bi;
}

void bootinfo_memory_map(struct kiln_boot_info *bi, const struct placement *pl, const struct kiln_memory_region *map,
                         size_t count, const struct firmware_map *fm) {
    struct kiln_memory_region *dst = (struct kiln_memory_region *)((uint8_t *)phys_ptr(pl->bi_phys) + pl->bi.map);
    memcpy(dst, map, count * sizeof *map);
    bi->memory_map = (const struct kiln_memory_region *)bootinfo_virt(pl, dst);
    bi->memory_map_count = count;
    if (fm->raw_size) { /* the platform wrote it into the boot-info pages (bi.efi_map) */
        bi->efi_memory_map = (const void *)bootinfo_virt(pl, fm->raw);
        bi->efi_memory_map_size = fm->raw_size;
        bi->efi_descriptor_size = fm->desc_size;
        bi->efi_descriptor_version = fm->desc_version;
    }
}
