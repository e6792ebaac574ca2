/* test_boot.c - the whole boot flow (common/boot.c and its phases) on the
 * host, against a fake BIOS-like and a fake UEFI-like platform over the
 * mock of physical memory. The payload is built with format/payload_write.c
 * from real test kernels (build/tests/kernels/tk-fixed.elf: every placement
 * fixed; tk-pie.elf: a PIE placed and relocated by the loader), an image
 * config and two modules. What the flow hands over is checked as the kernel
 * would see it: the boot info field by field, read through the page tables
 * it built, the memory map's kinds, and the mappings' permissions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/crc32.h>

#include "common/boot.h"
#include "common/frames.h"
#include "common/video.h"
#include "core/memmap.h"
#include "core/util.h"
#include "format/payload.h"
#include "tests/unit/mock_log.h"
#include "tests/unit/mock_phys.h"
#include "tests/unit/pt_walk.h"
#include "tests/unit/testlib.h"

#define ARENA MIB(64)
#define FB_PHYS UINT64_C(0xfd000000)
#define ACPI_AT (MOCK_PHYS_BASE + ARENA - KIB(64)) /* the fake ACPI tables, at the arena's end */
#define EFI_DESC 48 /* the descriptor size the fake firmware reports (larger than the struct, as OVMF's) */

/* ---- the fake firmware ------------------------------------------------- */

#define FAKE_PARTITION MIB(32) /* the Kiln partition the fake platforms report */

static struct {
    uint8_t *payload;
    uint64_t payload_size;
    bool uefi;
    bool fail_read, fail_leave;
    uint8_t edid[128];
} fw;

static bool fake_read(uint64_t offset, void *dst, uint64_t size, struct sum128 *sum, const struct read_tee *tees,
                      size_t ntees, kiln_err *e) {
    if (fw.fail_read) return err_set(e, "disk: reading sector 9 failed");
    if (offset > fw.payload_size) return err_set(e, "read past the partition");
    uint64_t n = MIN(size, fw.payload_size - offset); /* the header read asks for more than a small payload */
    memcpy(dst, fw.payload + offset, n);
    memset((uint8_t *)dst + n, 0, size - n);
    if (sum) sum128_update(sum, dst, size);
    read_tees_copy(dst, tees, ntees);
    return true;
}

static size_t fake_modes(struct video_mode *out, size_t cap, int *current) {
    static const struct video_mode m[] = {
        {1, 800, 600, 3200, 32, 0, 8, 16, 8, 8, 8, 0, 8, 24},
        {2, 1024, 768, 4096, 32, 0, 8, 16, 8, 8, 8, 0, 8, 24},
    };
    size_t n = MIN(cap, ARRAY_LEN(m));
    memcpy(out, m, n * sizeof *m);
    *current = 0;
    return n;
}

static bool fake_set(const struct video_mode *m, struct kiln_framebuffer *fb, bool *cleared, kiln_err *e) {
    (void)e;
    video_fb_from_mode(m, FB_PHYS, fb);
    *cleared = true;
    return true;
}

/* The firmware's memory: low memory, the BIOS area, the mock arena (where
 * every frame the loader takes comes from), ACPI tables above it. */
struct fw_range {
    uint64_t base, len;
    uint32_t e820, efi;
};
static const struct fw_range ranges[] = {
    {0, 0x9f000, 1, 7},                                            /* usable / conventional */
    {0xf0000, 0x10000, 2, 0},                                      /* reserved */
    {MOCK_PHYS_BASE, ARENA, 1, 4},                                 /* usable / boot-services data */
    {MOCK_PHYS_BASE + ARENA, MIB(1), 3, 9},                        /* ACPI reclaimable */
    {MOCK_PHYS_BASE + ARENA + MIB(1), MIB(1), 2, 5},               /* reserved / runtime-services code */
};

static void fake_bounds(size_t *regions, size_t *raw) {
    *regions = ARRAY_LEN(ranges);
    *raw = fw.uefi ? ARRAY_LEN(ranges) * EFI_DESC : 0;
}

static bool fake_leave(struct firmware_map *m, kiln_err *e) {
    if (fw.fail_leave) return err_set(e, "ExitBootServices failed (invalid parameter)");
    if (m->regions_cap < ARRAY_LEN(ranges) || (fw.uefi && m->raw_cap < ARRAY_LEN(ranges) * EFI_DESC))
        return err_set(e, "memory map buffer too small");
    for (size_t i = 0; i < ARRAY_LEN(ranges); i++) {
        const struct fw_range *r = &ranges[i];
        uint32_t type = fw.uefi ? r->efi : r->e820;
        m->regions[i] = (struct kiln_memory_region){r->base, r->len, fw.uefi ? memmap_efi_kind(type) : memmap_e820_kind(type),
                                                    type};
        if (fw.uefi) { /* EFI_MEMORY_DESCRIPTOR: type, pad, physical start, virtual start, pages, attributes */
            uint8_t *d = (uint8_t *)m->raw + i * EFI_DESC;
            memset(d, 0, EFI_DESC);
            put_le32(d, type);
            put_le64(d + 8, r->base);
            put_le64(d + 24, r->len / PAGE_SIZE);
        }
    }
    m->regions_count = ARRAY_LEN(ranges);
    m->raw_size = fw.uefi ? ARRAY_LEN(ranges) * EFI_DESC : 0;
    m->desc_size = fw.uefi ? EFI_DESC : 0;
    m->desc_version = fw.uefi ? 1 : 0;
    return true;
}

/* The AP trampoline's pages (a real platform's are below 1 MiB). */
static uint64_t fake_low_pages(uint64_t pages) {
    uint64_t pa = mock_phys_alloc(pages, UINT64_MAX);
    return pa && frames_record(pa, pages * PAGE_SIZE, KILN_MEMORY_BOOTLOADER_RECLAIMABLE) ? pa : 0;
}

static void make_edid(uint8_t *d, uint32_t w, uint32_t h) {
    static const uint8_t header[8] = {0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0};
    memset(d, 0, 128);
    memcpy(d, header, 8);
    d[54] = 1; /* a pixel clock: a detailed timing, not a display descriptor */
    d[56] = (uint8_t)w, d[58] = (uint8_t)((w >> 8) << 4);
    d[59] = (uint8_t)h, d[61] = (uint8_t)((h >> 8) << 4);
    uint8_t sum = 0;
    for (int i = 0; i < 127; i++) sum = (uint8_t)(sum + d[i]);
    d[127] = (uint8_t)(0x100 - sum);
}

static struct platform platform(bool uefi) {
    fw.uefi = uefi;
    make_edid(fw.edid, 1024, 768);
    return (struct platform){
        .firmware = uefi ? KILN_FIRMWARE_UEFI : KILN_FIRMWARE_BIOS,
        .read = fake_read, .payload_space = FAKE_PARTITION, .video_modes = fake_modes, .video_set = fake_set, .map_bounds = fake_bounds,
        .leave = fake_leave, .rsdp = ACPI_AT, .smbios32 = 0xf0020, .smbios64 = uefi ? 0xf0040 : 0,
        .low_pages = fake_low_pages, .efi_system_table = uefi ? 0x7f000000 : 0, .edid = fw.edid, .edid_size = sizeof fw.edid,
        .phys_top = MOCK_PHYS_BASE + ARENA + MIB(2), .vga_text = !uefi, .tsc_entry = 12345,
    };
}

/* ---- the payload --------------------------------------------------------- */

static const char mod_a[] = "module a: 0123456789";
static uint8_t mod_b[3 * PAGE_SIZE + 7];

static uint8_t *read_kernel(const char *name, size_t *size) {
    const char *b = getenv("B");
    char path[256];
    snprintf(path, sizeof path, "%s/tests/kernels/%s", b && *b ? b : "build", name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = malloc(MIB(2));
    *size = buf ? fread(buf, 1, MIB(2), f) : 0;
    fclose(f);
    return buf;
}

/* Builds the payload of `kernel` with an image config (NULL: none) and the
 * two modules. */
static bool make_payload(const char *kernel, const char *config) {
    size_t ksize;
    uint8_t *k = read_kernel(kernel, &ksize);
    if (!k) return false;
    for (size_t i = 0; i < sizeof mod_b; i++) mod_b[i] = (uint8_t)(i * 7 + 3);
    struct payload_item items[] = {
        {PAYLOAD_CONFIG, "kiln.cfg", config, config ? strlen(config) : 0},
        {PAYLOAD_KERNEL, kernel, k, ksize},
        {PAYLOAD_MODULE, "a", mod_a, sizeof mod_a - 1},
        {PAYLOAD_MODULE, "initrd.bin", mod_b, sizeof mod_b},
    };
    const struct payload_item *first = config ? items : items + 1;
    uint32_t n = config ? 4 : 3;
    uint64_t offs[4];
    free(fw.payload);
    fw.payload_size = payload_size(first, n);
    fw.payload = malloc(fw.payload_size);
    payload_write(fw.payload, first, n, offs);
    free(k);
    return true;
}

/* ---- running the flow ------------------------------------------------------- */

static struct machine machine = {.nx = true, .gbpages = true, .tsc_frequency = 2000000000, .random = 42,
                                 .entropy = {1, 2, 3, [31] = 0xee}, .entropy_sources = KILN_ENTROPY_RDRAND | KILN_ENTROPY_TSC,
                                 .bsp_lapic_id = 1};

/* ACPI: an RSDP (revision 0), an RSDT and a MADT listing the BSP (APIC ID
 * 1), two APs (0 and, as an x2APIC entry, 300: only startable in x2APIC
 * mode), one online-capable but disabled (5) and one absent (6). */
static void fix_sum(uint8_t *p, size_t n, size_t at) {
    uint8_t sum = 0;
    p[at] = 0;
    for (size_t i = 0; i < n; i++) sum = (uint8_t)(sum + p[i]);
    p[at] = (uint8_t)(0x100 - sum);
}
static void make_acpi(void) {
    uint8_t *r = phys_ptr(ACPI_AT), *rsdt = r + 0x100, *madt = r + 0x200;
    memcpy(r, "RSD PTR ", 8);
    put_le32(r + 16, (uint32_t)(ACPI_AT + 0x100));
    fix_sum(r, 20, 8);
    memcpy(rsdt, "RSDT", 4);
    put_le32(rsdt + 4, 40);
    put_le32(rsdt + 36, (uint32_t)(ACPI_AT + 0x200));
    fix_sum(rsdt, 40, 9);
    static const uint8_t entries[] = {
        0, 8, 0, 0, 1, 0, 0, 0,  /* uid 0, APIC ID 0, enabled */
        0, 8, 1, 1, 1, 0, 0, 0,  /* uid 1, APIC ID 1 (the BSP) */
        9, 16, 0, 0, 44, 1, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, /* x2APIC 300, uid 2, enabled */
        0, 8, 3, 5, 2, 0, 0, 0,  /* uid 3, APIC ID 5, online-capable */
        0, 8, 4, 6, 0, 0, 0, 0,  /* uid 4, APIC ID 6, neither: not listed */
    };
    memcpy(madt, "APIC", 4);
    put_le32(madt + 4, 44 + sizeof entries);
    memcpy(madt + 44, entries, sizeof entries);
    fix_sum(madt, 44 + sizeof entries, 9);
}

/* The machine the next flow runs on (a test may point it elsewhere, and
 * points it back). */
static const struct machine *cur_machine = &machine;

/* The boot flow from a clean machine; false (with the panic in the mock
 * log) if it panicked. */
static bool run_flow(struct platform *p, struct handoff *h) {
    mock_phys_init(ARENA);
    make_acpi();
    frames_init(mock_phys_alloc, UINT64_MAX);
    mock_log_reset();
    if (setjmp(*mock_log_catch()) != 0) return false;
    boot_flow(p, cur_machine, h);
    return true;
}

/* The kernel's view: a virtual address through the tables the flow built. */
static struct pt kernel_pt(const struct handoff *h) {
    return (struct pt){.pml4 = h->args.cr3, .nx = true, .view = phys_ptr, .levels = h->levels};
}

static bool translate(const struct handoff *h, uint64_t va, struct pt_lookup_result *r) {
    struct pt pt = kernel_pt(h);
    return pt_lookup(&pt, va, r);
}

/* A pointer the kernel would follow, made readable here. */
static const void *kptr(const struct handoff *h, const void *va) {
    struct pt_lookup_result r;
    return translate(h, (uint64_t)(uintptr_t)va, &r) ? phys_ptr(r.pa) : NULL;
}

/* The kind of the memory-map entry holding pa, or 0. */
static uint32_t kind_at(const struct kiln_boot_info *bi, const struct kiln_memory_region *map, uint64_t pa) {
    for (uint64_t i = 0; i < bi->memory_map_count; i++)
        if (pa >= map[i].base && pa - map[i].base < map[i].length) return map[i].kind;
    return 0;
}

/* ---- the checks ------------------------------------------------------------ */

static void check_header_and_strings(const struct handoff *h, const struct kiln_boot_info *bi, uint32_t firmware,
                                     const char *cmdline) {
    CHECK(bi->magic == KILN_BOOT_INFO_MAGIC && bi->version_major == KILN_VERSION_MAJOR &&
              bi->version_minor == KILN_VERSION_MINOR && bi->size == sizeof *bi && bi->firmware == firmware,
          "header: magic %llx version %u.%u firmware %u", (unsigned long long)bi->magic, bi->version_major,
          bi->version_minor, bi->firmware);
    CHECK(kptr(h, (const void *)h->args.boot_info) == bi, "RDI points at the boot info");
    const char *name = kptr(h, bi->loader_name), *version = kptr(h, bi->loader_version), *cl = kptr(h, bi->cmdline);
    CHECK(name && !strcmp(name, "Kiln") && version && !strcmp(version, "0.1.0"), "loader name and version");
    CHECK(cl && !strcmp(cl, cmdline) && bi->cmdline_length == strlen(cmdline), "cmdline '%s'", cl ? cl : "(unmapped)");
    CHECK(bi->rsdp_phys == ACPI_AT && bi->smbios32_phys == 0xf0020 && bi->tsc_loader_entry == 12345 &&
              bi->tsc_frequency == 2000000000,
          "firmware tables and timestamps");
    CHECK(bi->flags & KILN_FLAG_NX, "NX flag");
    CHECK(!memcmp(bi->entropy, machine.entropy, 32) && bi->entropy_sources == machine.entropy_sources,
          "the machine's entropy and its sources");
    if (h->smp.start) return; /* test_smp_started checks the table */
    /* The MADT's processors, the BSP marked, none started (no smp wish). */
    const struct kiln_cpu *c = kptr(h, bi->cpus);
    REQUIRE(c && bi->cpu_count == 4 && bi->bsp_lapic_id == 1, "%llu processors, BSP %u",
            (unsigned long long)bi->cpu_count, bi->bsp_lapic_id);
    static const uint32_t ids[] = {0, 1, 300, 5}, uids[] = {0, 1, 2, 3};
    static const uint32_t states[] = {KILN_CPU_NOT_STARTED, KILN_CPU_BSP, KILN_CPU_NOT_STARTED, KILN_CPU_DISABLED};
    for (int i = 0; i < 4; i++)
        CHECK(c[i].lapic_id == ids[i] && c[i].acpi_uid == uids[i] && c[i].state == states[i] && !c[i].goto_address &&
                  (c[i].state == KILN_CPU_BSP ? c[i].stack_top == bi->stack_bottom + bi->stack_size : !c[i].stack_top),
              "cpu %d: uid %u APIC ID %u state %u stack_top 0x%llx", i, c[i].acpi_uid, c[i].lapic_id, c[i].state,
              (unsigned long long)c[i].stack_top);
    CHECK(!h->smp.start && !(bi->flags & KILN_FLAG_X2APIC), "no AP started, xAPIC");
}

static void check_modules(const struct handoff *h, const struct kiln_boot_info *bi, bool mapped) {
    REQUIRE(bi->module_count == 2, "%llu modules", (unsigned long long)bi->module_count);
    const struct kiln_module *m = kptr(h, bi->modules);
    REQUIRE(m, "the module table is mapped");
    const char *n0 = kptr(h, m[0].name), *n1 = kptr(h, m[1].name);
    CHECK(n0 && !strcmp(n0, "a") && n1 && !strcmp(n1, "initrd.bin"), "module names");
    CHECK(m[0].size == sizeof mod_a - 1 && m[1].size == sizeof mod_b, "module sizes");
    CHECK(!memcmp(phys_ptr(m[0].physical_address), mod_a, sizeof mod_a - 1) &&
              !memcmp(phys_ptr(m[1].physical_address), mod_b, sizeof mod_b),
          "module bytes at their physical addresses");
    CHECK(m[0].physical_address % PAGE_SIZE == 0 && m[1].physical_address % PAGE_SIZE == 0, "modules page-aligned");
    for (int i = 0; i < 2; i++) {
        struct pt_lookup_result r;
        if (!mapped) {
            CHECK(m[i].address == NULL, "module %d not mapped", i);
            continue;
        }
        CHECK(translate(h, (uint64_t)(uintptr_t)m[i].address, &r) && r.pa == m[i].physical_address && !r.w && !r.x,
              "module %d mapped read-only at %p", i, m[i].address);
    }
}

/* The map the kernel gets: sorted, disjoint, usable entries page-aligned,
 * and every frame the loader handed over reported as what it is. */
static void check_memory_map(const struct handoff *h, const struct kiln_boot_info *bi) {
    const struct kiln_memory_region *map = kptr(h, bi->memory_map);
    REQUIRE(map && bi->memory_map_count > 5, "memory map of %llu entries", (unsigned long long)bi->memory_map_count);
    for (uint64_t i = 0; i < bi->memory_map_count; i++) {
        CHECK(map[i].length && (i == 0 || map[i].base >= map[i - 1].base + map[i - 1].length),
              "entry %llu sorted and disjoint", (unsigned long long)i);
        if (map[i].kind == KILN_MEMORY_USABLE)
            CHECK(map[i].base % PAGE_SIZE == 0 && map[i].length % PAGE_SIZE == 0, "usable entry %llu aligned",
                  (unsigned long long)i);
    }
    const struct kiln_module *m = kptr(h, bi->modules);
    CHECK(kind_at(bi, map, bi->kernel_image_phys) == KILN_MEMORY_KERNEL, "the kernel's frames: KERNEL");
    CHECK(kind_at(bi, map, bi->kernel_file_phys) == KILN_MEMORY_KERNEL, "the kernel file: KERNEL");
    CHECK(kind_at(bi, map, bi->boot_info_phys) == KILN_MEMORY_BOOT_INFO, "the boot info: BOOT_INFO");
    CHECK(kind_at(bi, map, h->args.cr3) == KILN_MEMORY_PAGE_TABLES, "the PML4: PAGE_TABLES");
    CHECK(m && kind_at(bi, map, m[0].physical_address) == KILN_MEMORY_MODULE &&
              kind_at(bi, map, m[1].physical_address + sizeof mod_b - 1) == KILN_MEMORY_MODULE,
          "modules: MODULE");
    struct pt_lookup_result r;
    CHECK(translate(h, bi->stack_bottom, &r) && kind_at(bi, map, r.pa) == KILN_MEMORY_KERNEL_STACK, "the stack");
    CHECK(kind_at(bi, map, FB_PHYS) == KILN_MEMORY_FRAMEBUFFER, "the framebuffer: FRAMEBUFFER");
    CHECK(kind_at(bi, map, h->page) == KILN_MEMORY_BOOTLOADER_RECLAIMABLE, "the hand-off page: reclaimable");
    CHECK(kind_at(bi, map, MOCK_PHYS_BASE + ARENA - PAGE_SIZE) == KILN_MEMORY_USABLE, "the arena's free end: USABLE");
    CHECK(kind_at(bi, map, MOCK_PHYS_BASE + ARENA) == KILN_MEMORY_ACPI_RECLAIMABLE, "ACPI tables");
    uint64_t usable = memmap_total(map, bi->memory_map_count, KILN_MEMORY_USABLE);
    CHECK(usable > MIB(32) && usable < ARENA + 0x9f000, "usable total %llu", (unsigned long long)usable);
}

/* The machine state the hand-off sets up, and what is mapped how. */
static void check_mappings(const struct handoff *h, const struct kiln_boot_info *bi) {
    struct pt_lookup_result r;
    CHECK(translate(h, bi->kernel_entry, &r) && r.x && !r.w, "the entry point is mapped executable, not writable");
    CHECK(h->args.entry == bi->kernel_entry && h->args.rsp == bi->stack_bottom + bi->stack_size,
          "entry and RSP: 0x%llx 0x%llx", (unsigned long long)h->args.entry, (unsigned long long)h->args.rsp);
    CHECK(translate(h, bi->stack_bottom + bi->stack_size - 8, &r) && r.w && !r.x, "stack writable, NX");
    CHECK(!translate(h, bi->stack_bottom - 1, &r), "a guard page below the stack");
    CHECK(translate(h, (uint64_t)(uintptr_t)bi->kernel_file, &r) && r.pa == bi->kernel_file_phys && !r.w && !r.x,
          "the kernel file read-only");
    CHECK(translate(h, h->page, &r) && r.pa == h->page && r.x, "the hand-off page identity-mapped, executable");
    /* Every test kernel here has three PT_LOAD segments: text, rodata, data. */
    const struct kiln_segment *sg = kptr(h, bi->segments);
    CHECK(sg && bi->segment_count == 3, "segments table: %llu entries", (unsigned long long)bi->segment_count);
    for (uint64_t i = 0; sg && i < bi->segment_count; i++) {
        /* The last page: a PIE's RELRO pages at the start of its data are read-only. */
        uint64_t last = sg[i].size - PAGE_SIZE;
        bool ok = sg[i].size && translate(h, sg[i].virtual_address + last, &r) &&
                  r.pa == sg[i].physical_address + last && r.w == !!(sg[i].flags & KILN_SEGMENT_W) &&
                  r.x == !!(sg[i].flags & KILN_SEGMENT_X) &&
                  (i == 0 || sg[i].virtual_address > sg[i - 1].virtual_address);
        CHECK(ok, "segment %llu (phdr %u) at 0x%llx: mapped as the table says", (unsigned long long)i,
              sg[i].phdr_index, (unsigned long long)sg[i].virtual_address);
    }
    CHECK(translate(h, bi->framebuffer.address, &r) && r.pa == FB_PHYS && r.w && r.wc && !r.x,
          "the framebuffer write-combining");
    CHECK(h->args.gdt_limit == BOOT_GDT_BYTES - 1, "GDT limit");
    const uint64_t *gdt = kptr(h, (const void *)h->args.gdt_base);
    CHECK(gdt && gdt[0] == 0 && gdt[1] == UINT64_C(0x00af9a000000ffff) && gdt[2] == UINT64_C(0x00cf92000000ffff),
          "the GDT: null, 64-bit code, data");
    if (bi->flags & KILN_FLAG_PHYSICAL_MEMORY)
        CHECK(translate(h, bi->physical_memory_offset + MOCK_PHYS_BASE + 5 * PAGE_SIZE, &r) &&
                  r.pa == MOCK_PHYS_BASE + 5 * PAGE_SIZE && r.w && bi->physical_memory_size >= GIB(4),
              "physical memory mapped at 0x%llx", (unsigned long long)bi->physical_memory_offset);
}

static void check_display(const struct handoff *h, const struct kiln_boot_info *bi) {
    const struct kiln_framebuffer *fb = &bi->framebuffer;
    CHECK(fb->physical_address == FB_PHYS && fb->width == 1024 && fb->height == 768 && fb->bpp == 32 &&
              fb->pitch == 4096 && fb->size == 4096u * 768,
          "the EDID's native 1024x768: %ux%u", fb->width, fb->height);
    const uint8_t *edid = kptr(h, fb->edid);
    CHECK(edid && fb->edid_size == 128 && !memcmp(edid, fw.edid, 128), "EDID copied");
    CHECK(!(bi->flags & KILN_FLAG_VGA_TEXT), "a framebuffer, so not VGA text");
}

/* ---- the tests -------------------------------------------------------------- */

/* Builds kernel's payload with config and two modules, then runs the flow
 * on a fresh fake platform; the boot info, or NULL (the test has failed). */
static const struct kiln_boot_info *boot(const char *kernel, const char *config, bool uefi, struct handoff *h) {
    if (!make_payload(kernel, config)) {
        CHECK(false, "build/tests/kernels/%s: not built", kernel);
        return NULL;
    }
    struct platform p = platform(uefi);
    if (!run_flow(&p, h)) {
        CHECK(false, "the flow panicked: %s", mock_log_panic());
        return NULL;
    }
    return h->bi;
}

TEST(bios_fixed_placements) {
    struct handoff h;
    const struct kiln_boot_info *bi = boot("tk-fixed.elf", "cmdline=all fw=bios\nlog=debug\n", false, &h);
    if (!bi) return;
    check_header_and_strings(&h, bi, KILN_FIRMWARE_BIOS, "all fw=bios");
    /* tk-fixed asks for every placement at a fixed address */
    CHECK(h.args.boot_info >= UINT64_C(0xffffc00000400000) && h.args.boot_info < UINT64_C(0xffffc00000401000),
          "boot info at its fixed address: 0x%llx", (unsigned long long)h.args.boot_info);
    CHECK(bi->stack_bottom == UINT64_C(0xffffc00000100000) && bi->stack_size == KIB(32), "stack 0x%llx",
          (unsigned long long)bi->stack_bottom);
    CHECK(bi->framebuffer.address == UINT64_C(0xffffc00040000000), "framebuffer at its fixed address");
    CHECK((bi->flags & KILN_FLAG_PHYSICAL_MEMORY) && bi->physical_memory_offset == UINT64_C(0xffff900000000000),
          "physical memory at its fixed address");
    CHECK((bi->flags & KILN_FLAG_RECURSIVE) && bi->recursive_index == 300, "recursive slot 300");
    const struct kiln_module *m = kptr(&h, bi->modules);
    CHECK(m && (uint64_t)(uintptr_t)m[0].address == UINT64_C(0xffffc00080000000), "modules at their fixed address");
    CHECK(bi->kernel_load_bias == 0 && bi->efi_memory_map == NULL && bi->efi_system_table_phys == 0,
          "no bias, no EFI map on BIOS");
    check_modules(&h, bi, true);
    check_memory_map(&h, bi);
    check_mappings(&h, bi);
    check_display(&h, bi);
    const struct kiln_memory_region *map = kptr(&h, bi->memory_map);
    CHECK(map && map[0].base == 0 && map[0].kind == KILN_MEMORY_USABLE && map[0].firmware_type == 1,
          "low memory usable, E820 type 1 kept");
    CHECK(mock_log_level() == LOG_DEBUG && strstr(mock_log_text(), "info: loading kernel 'tk-fixed.elf'") &&
              strstr(mock_log_text(), "info: module 'initrd.bin' (13 KiB) at 0x") &&
              strstr(mock_log_text(), "info: video: 1024x768, 32 bpp, pitch 4096, framebuffer at 0xfd000000") &&
              strstr(mock_log_text(), "map entries; entering the kernel"),
          "the log:\n%s", mock_log_text());
}

TEST(uefi_pie_relocated) {
    struct handoff h;
    const struct kiln_boot_info *bi = boot("tk-pie.elf", "cmdline=pie on uefi\n", true, &h);
    if (!bi) return;
    check_header_and_strings(&h, bi, KILN_FIRMWARE_UEFI, "pie on uefi");
    CHECK(bi->kernel_load_bias != 0 && bi->kernel_image_virt >= UINT64_C(0xffff800000000000),
          "placed in the higher half: bias 0x%llx", (unsigned long long)bi->kernel_load_bias);
    CHECK(bi->efi_system_table_phys == 0x7f000000 && bi->smbios64_phys == 0xf0040, "EFI system table, SMBIOS 3");
    check_modules(&h, bi, true);
    check_memory_map(&h, bi);
    check_mappings(&h, bi);
    check_display(&h, bi);
    /* the raw EFI map, as the firmware gave it, in the boot-info pages */
    const uint8_t *raw = kptr(&h, bi->efi_memory_map);
    REQUIRE(raw && bi->efi_memory_map_size == ARRAY_LEN(ranges) * EFI_DESC && bi->efi_descriptor_size == EFI_DESC &&
                bi->efi_descriptor_version == 1,
            "EFI map of %llu bytes", (unsigned long long)bi->efi_memory_map_size);
    CHECK(get_le32(raw + 2 * EFI_DESC) == 4 && get_le64(raw + 2 * EFI_DESC + 8) == MOCK_PHYS_BASE, "descriptor 2");
    const struct kiln_memory_region *map = kptr(&h, bi->memory_map);
    CHECK(map && map[0].kind == KILN_MEMORY_USABLE && map[0].firmware_type == 7, "conventional memory: type 7 kept");
    CHECK(kind_at(bi, map, MOCK_PHYS_BASE + ARENA + MIB(1)) == KILN_MEMORY_FIRMWARE_RUNTIME, "runtime code");
    CHECK(mock_log_level() == LOG_INFO, "default log level");
}

TEST(no_config_no_modules_mapped) {
    /* tk-nomap maps neither modules, framebuffer nor physical memory; no image config: defaults */
    struct handoff h;
    const struct kiln_boot_info *bi = boot("tk-nomap.elf", NULL, false, &h);
    if (!bi) return;
    const char *cl = kptr(&h, bi->cmdline);
    CHECK(cl && cl[0] == 0 && bi->cmdline_length == 0, "an empty command line");
    check_modules(&h, bi, false);
    CHECK(bi->framebuffer.physical_address == FB_PHYS && bi->framebuffer.address == 0, "framebuffer reported, not mapped");
    CHECK(!(bi->flags & (KILN_FLAG_PHYSICAL_MEMORY | KILN_FLAG_RECURSIVE)), "no physical map, no recursive slot");
}

/* 5-level paging: chosen when the kernel allows it and the CPU has LA57,
 * with a depth switch in the hand-off unless the loader already runs on
 * 5-level tables; refused when required and missing. */
TEST(five_level_paging) {
    struct machine la57 = machine, la57_on = machine;
    la57.la57 = true;
    la57_on.la57 = la57_on.la57_on = true;
    struct handoff h;
    cur_machine = &la57;
    const struct kiln_boot_info *bi = boot("tk-la57.elf", NULL, true, &h);
    if (bi) {
        CHECK(h.levels == 5 && h.switch_levels && h.page < GIB(4) && h.args.cr3 < GIB(4),
              "5 levels, switched up, stub page 0x%llx and PML5 0x%llx below 4 GiB", (unsigned long long)h.page,
              (unsigned long long)h.args.cr3);
        CHECK(bi->paging_levels == 5 && (bi->flags & KILN_FLAG_LA57), "reported: %u levels, flags 0x%x",
              bi->paging_levels, bi->flags);
        CHECK(bi->stack_bottom >= UINT64_C(0xff00000000000000) && bi->stack_bottom < UINT64_C(0xffff800000000000) &&
                  bi->physical_memory_offset >= UINT64_C(0xff00000000000000),
              "placements in the 57-bit space: stack 0x%llx", (unsigned long long)bi->stack_bottom);
        check_mappings(&h, bi); /* every mapping, walked through the PML5 */
    }
    cur_machine = &la57_on;
    bi = boot("tk-la57.elf", NULL, true, &h);
    CHECK(bi && h.levels == 5 && !h.switch_levels, "LA57 already on: 5 levels, no switch");
    bi = boot("tk-pie.elf", NULL, true, &h);
    CHECK(bi && h.levels == 4 && h.switch_levels && bi->paging_levels == 4 && !(bi->flags & KILN_FLAG_LA57),
          "LA57 on, a kernel without the wish: 4 levels, switched down");
    cur_machine = &machine;
    bi = boot("tk-la57.elf", NULL, true, &h);
    CHECK(bi && h.levels == 4 && !h.switch_levels && bi->paging_levels == 4, "no LA57: the wish falls back to 4");
    make_payload("tk-la57only.elf", NULL);
    struct platform p = platform(false);
    CHECK(!run_flow(&p, &h) && strstr(mock_log_panic(), "kernel 'tk-la57only.elf' needs 5-level paging "
                                                        "(paging_levels_min = 5), but this CPU has no LA57"),
          "a kernel that needs 5 levels refused: %s", mock_log_panic());
}

TEST(failures_are_panics_naming_the_problem) {
    struct platform p = platform(false);
    struct handoff h;
    REQUIRE(make_payload("tk-fixed.elf", "cmdline=x\n"), "tk-fixed.elf");
    fw.payload[offsetof(struct payload_header, header_crc32)] ^= 1;
    CHECK(!run_flow(&p, &h) && strstr(mock_log_panic(), "payload: header checksum mismatch (stored "), "a bad header: %s", mock_log_panic());

    make_payload("tk-fixed.elf", "cmdline=x\n");
    const struct payload_entry *pe = payload_find((const struct payload_header *)fw.payload, PAYLOAD_MODULE);
    fw.payload[pe->offset + 3] ^= 0x40;
    CHECK(!run_flow(&p, &h) && strstr(mock_log_panic(), "payload: module 'a' is corrupt: checksum mismatch"),
          "a corrupt module: %s", mock_log_panic());

    make_payload("tk-fixed.elf", "cmdline=x\nfb=wrong\n");
    CHECK(!run_flow(&p, &h) && strstr(mock_log_panic(), "image config line 2"), "a bad image config: %s",
          mock_log_panic());

    /* A header claiming more than the partition holds, with a correct CRC
     * (issue 10: such a header used to boot). */
    make_payload("tk-fixed.elf", "cmdline=x\n");
    struct payload_header *ph = (struct payload_header *)fw.payload;
    ph->total_size = UINT64_MAX;
    ph->header_crc32 = 0;
    ph->header_crc32 = kiln_crc32(0, fw.payload, ph->header_size);
    CHECK(!run_flow(&p, &h) && !strcmp(mock_log_panic(), "payload: claims 18446744073709551615 bytes but the partition "
                                                         "holds 33554432"),
          "total_size past the partition: %s", mock_log_panic());
    p.payload_space = 0;
    make_payload("tk-fixed.elf", "cmdline=x\n");
    CHECK(!run_flow(&p, &h) && !strcmp(mock_log_panic(), "payload: the size of the Kiln partition is unknown"),
          "no partition size: %s", mock_log_panic());
    p.payload_space = FAKE_PARTITION;

    make_payload("tk-fixed.elf", "cmdline=x\n");
    fw.fail_read = true;
    CHECK(!run_flow(&p, &h) && !strcmp(mock_log_panic(), "payload: reading the header: disk: reading sector 9 failed"),
          "a read error: %s", mock_log_panic());
    fw.fail_read = false;
    fw.fail_leave = true;
    CHECK(!run_flow(&p, &h) && !strcmp(mock_log_panic(), "firmware: ExitBootServices failed (invalid parameter)"),
          "leaving the firmware: %s", mock_log_panic());
    fw.fail_leave = false;
    CHECK(run_flow(&p, &h), "and then it boots: %s", mock_log_panic());
}

/* tk-smp asks for its APs: each startable one gets a stack with a guard
 * page (the kernel's stack_size, kind KERNEL_STACK), the trampoline page is
 * identity-mapped executable and read-only and reported reclaimable. In
 * xAPIC mode the x2APIC ID 300 cannot be started; in x2APIC mode it can. */
TEST(smp_started) {
    for (int x2 = 0; x2 < 2; x2++) {
        struct handoff h;
        machine.x2apic = x2;
        const struct kiln_boot_info *bi = boot("tk-smp.elf", "cmdline=all\n", x2, &h);
        machine.x2apic = false;
        if (!bi) return;
        const struct kiln_cpu *c = kptr(&h, bi->cpus);
        REQUIRE(c && bi->cpu_count == 4 && h.smp.start && h.smp.count == 4 && h.smp.cpus_virt == (uint64_t)(uintptr_t)bi->cpus,
                "smp hand-off: start %d, %llu processors", h.smp.start, (unsigned long long)bi->cpu_count);
        CHECK(!!(bi->flags & KILN_FLAG_X2APIC) == x2 && h.smp.x2apic == x2, "x2APIC flag %d", x2);
        const struct kiln_memory_region *map = kptr(&h, bi->memory_map);
        REQUIRE(map, "the memory map is mapped");
        unsigned stacks = 0;
        for (int i = 0; i < 4; i++) {
            bool startable = c[i].state == KILN_CPU_NOT_STARTED && (c[i].lapic_id != 300 || x2);
            CHECK(startable == (c[i].stack_top && c[i].state != KILN_CPU_BSP), "cpu %d (APIC ID %u): stack_top 0x%llx",
                  i, c[i].lapic_id, (unsigned long long)c[i].stack_top);
            if (!startable) continue;
            stacks++;
            struct pt_lookup_result r;
            uint64_t bottom = c[i].stack_top - bi->stack_size;
            CHECK(translate(&h, bottom, &r) && r.w && !r.x && kind_at(bi, map, r.pa) == KILN_MEMORY_KERNEL_STACK &&
                      translate(&h, c[i].stack_top - 8, &r) && r.w,
                  "AP %u: its stack is mapped writable, NX, kind KERNEL_STACK", c[i].lapic_id);
            CHECK(!translate(&h, bottom - PAGE_SIZE, &r), "AP %u: the guard page below its stack is unmapped",
                  c[i].lapic_id);
            CHECK(c[i].stack_top != bi->stack_bottom + bi->stack_size, "AP %u: not the BSP's stack", c[i].lapic_id);
        }
        CHECK(stacks == (x2 ? 2u : 1u), "%u AP stacks", stacks);
        struct pt_lookup_result r;
        uint64_t t = h.smp.trampoline;
        CHECK(t && translate(&h, t, &r) && r.pa == t && r.x && !r.w &&
                  kind_at(bi, map, t) == KILN_MEMORY_BOOTLOADER_RECLAIMABLE &&
                  kind_at(bi, map, t + (AP_TRAMPOLINE_PAGES - 1) * PAGE_SIZE) == KILN_MEMORY_BOOTLOADER_RECLAIMABLE,
              "the trampoline at 0x%llx: identity-mapped, executable, read-only, reclaimable", (unsigned long long)t);
        CHECK(strstr(mock_log_text(), "cpus: 4 listed: the BSP (APIC ID 1), 2 APs, 1 online-capable but disabled") &&
                  (x2 || strstr(mock_log_text(), "smp: 1 APs have APIC IDs above 254")),
              "the log:\n%s", mock_log_text());
    }
}
