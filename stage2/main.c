/* main.c - the BIOS platform: gather the facts, fill struct platform, call
 * the shared boot flow. entry.asm calls stage2_main() in long mode with the
 * first 4 GiB identity-mapped. */
#include "x86/cmos.h"
#include "x86/cpu.h"
#include "x86/exceptions.h"
#include "common/firmware_tables.h"
#include "common/frames.h"
#include "core/kstring.h"
#include "format/mbr.h"
#include "common/log.h"
#include "common/netpayload.h"
#include "core/memmap.h"
#include "common/pool.h"
#include "stage2/bios.h"
#include "stage2/lowmem.h"
#include "stage2/stage2.h"

static struct pool pool;
static struct kiln_memory_region *fw_map;
static size_t fw_map_count;
static uint8_t edid[128];
/* The hand-off stub's page (common/map.c): below 1 MiB, in stage 2's own
 * memory, identity-mapped by entry.asm's tables. */
static uint8_t handoff_low[4096] __attribute__((aligned(4096)));

static uint64_t bios_alloc_pages(uint64_t pages, uint64_t limit) { return pool_alloc(&pool, pages, limit); }

static void bios_free_memory(uint64_t *largest, uint64_t *total) { pool_free_memory(&pool, largest, total); }

/* SeaBIOS keeps a 16 MiB zone at the top of RAM below 4 GiB during POST and
 * runs its relocated 32-bit init code from just under it ("Relocating init
 * from 0x000d48c0 to 0x0efeb320" with 256 MiB), then gives the zone back as
 * usable. Under an emulator that translates code (QEMU's TCG) each store
 * into a page that still holds translated code takes the slow path until
 * its translations are gone: an 8 MiB kernel's copy over that memory took
 * 38.9 M TSC cycles against 15.5 M below it, a 64 MiB kernel's 129 M
 * against 117 M (docs/benchmarks.md). The loader's big blocks (the
 * kernel's file and runs, the modules) go below that line when all of them
 * fit below it in one free block; when they do not (a machine nearly full),
 * the plain top-down order, which splits nothing. Other BIOSes lose
 * nothing by it. */
#define FIRMWARE_TOP_ZONE MIB(17)
static void bios_big_blocks(uint64_t bytes) {
    uint64_t top = 0;
    for (size_t i = 0; bytes && i < fw_map_count; i++)
        if (fw_map[i].kind == KILN_MEMORY_USABLE && fw_map[i].base < GIB(4))
            top = MAX(top, MIN(fw_map[i].base + fw_map[i].length, GIB(4)));
    uint64_t line = top > FIRMWARE_TOP_ZONE ? top - FIRMWARE_TOP_ZONE : 0;
    /* A MiB more than asked: the records and heap chunks taken on the way. */
    bool below = bytes && line && bytes <= UINT64_MAX - MIB(1) && pool_largest_below(&pool, line) >= bytes + MIB(1);
    pool_prefer_below(&pool, below ? line : UINT64_MAX);
    if (below) log_debug("memory: the kernel's %llu KiB go below 0x%llx", (unsigned long long)(bytes >> 10),
                         (unsigned long long)line);
}

static void bios_map_bounds(size_t *regions, size_t *raw_bytes) {
    *regions = fw_map_count;
    *raw_bytes = 0;
}

/* Nothing to leave on BIOS: the firmware stays resident, untouched. */
static bool bios_leave(struct firmware_map *m, kiln_err *e) {
    if (fw_map_count > m->regions_cap) return err_set(e, "memory map buffer too small");
    memcpy(m->regions, fw_map, fw_map_count * sizeof *fw_map);
    m->regions_count = fw_map_count;
    m->raw_size = 0;
    return true;
}

/* The AP trampoline: the start of the bounce buffer, which no BIOS call
 * uses after the payload is read; its contents are written at hand-off. */
static uint64_t bios_low_pages(uint64_t pages) {
    if (pages * PAGE_SIZE > BOUNCE_SIZE) return 0;
    return frames_record(BOUNCE_BASE, pages * PAGE_SIZE, KILN_MEMORY_BOOTLOADER_RECLAIMABLE) ? BOUNCE_BASE : 0;
}

static void find_tables(struct platform *p) {
    /* ACPI: the first KiB of the EBDA (segment at BDA 0x40e), then the BIOS
     * area 0xe0000-0xfffff. SMBIOS: 0xf0000-0xfffff. */
    uint64_t ebda = (uint64_t)*(volatile uint16_t *)0x40e << 4;
    if (ebda >= 0x80000 && ebda < 0xa0000) p->rsdp = rsdp_scan(ebda, 1024);
    if (!p->rsdp) p->rsdp = rsdp_scan(0xe0000, 0x20000);
    smbios_scan(0xf0000, 0x10000, &p->smbios32, &p->smbios64);
}

/* A TSS only for its interrupt stack: exceptions that may come from a stack
 * overflow switch to this stack, so the dump can be printed. */
struct __attribute__((packed)) tss64 {
    uint32_t reserved0;
    uint64_t rsp[3], reserved1, ist[7], reserved2;
    uint16_t reserved3, iopb;
};
static struct tss64 tss;
static uint8_t emergency_stack[16384] __attribute__((aligned(16)));
extern uint64_t gdt_tss[2]; /* entry.asm: the GDT's TSS slot, selector 0x38 */

static void load_tss(void) {
    uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof tss - 1;
    tss.ist[0] = (uint64_t)(uintptr_t)(emergency_stack + sizeof emergency_stack);
    tss.iopb = sizeof tss; /* no I/O permission bitmap */
    gdt_tss[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (UINT64_C(0x89) << 40) | ((limit >> 16 & 0xf) << 48) |
                 ((base >> 24 & 0xff) << 56); /* present, 64-bit available TSS */
    gdt_tss[1] = base >> 32;
    __asm__ volatile("ltr %w0" : : "r"(0x38));
}

/* Stage 2 and the disk buffers use 0x8000-0x7ffff. The BIOS keeps its
 * extended data area (EBDA) at the top of conventional memory, normally at
 * 0x9f000 or above; refuse a machine where it reaches below 512 KiB. */
static void check_low_memory(void) {
    struct bios_regs r;
    bios_regs_init(&r);
    bios_call(0x12, &r);
    uint32_t kib = r.eax & 0xffff;
    if (kib && kib < BOUNCE_BASE / 1024 + BOUNCE_SIZE / 1024)
        panic("memory: conventional memory ends at %u KiB; Kiln's stage 2 needs 0x8000-0x7ffff free", kib);
}

void stage2_main(uint32_t drive);
void stage2_main(uint32_t drive) {
    uint64_t tsc = rdtsc();
    kiln_err e;
    bool text = vga_init();
    log_init(text ? vga_putc : NULL);
    exceptions_install(false);
    load_tss();
    exceptions_use_ist(1);
    /* Stage 1's sector, where the BIOS loaded it: its fields tell where the
     * payload is. From the network, the PXE stub is there instead. */
    bool net = pxe_booted();
    struct mbr s1 = {0};
    if (!net) mbr_parse((const uint8_t *)(uintptr_t)STAGE1_BASE, &s1);
    uint64_t payload_lba = s1.payload_lba;
    uint8_t flags = s1.flags;
    if (flags & ~MBR_FLAG_CDROM) log_debug("stage 2: test flags 0x%02x from stage 1", flags);
    check_low_memory();
    if (net) log_debug("stage 2: booted from the network (PXE)");
    else log_debug("stage 2: boot drive 0x%02x, Kiln partition at sector %llu", drive, (unsigned long long)payload_lba);

    /* Memory: read the map, sanitize it, hand the usable part above 1 MiB
     * to the page pool the frame allocator draws from. */
    struct firmware_memory fm;
    if (!bios_memory_map(&fm, &e, flags & MBR_FLAG_NO_E820)) panic("%s", e.msg);
    size_t n = fm.n;
    struct kiln_memory_region *clean = (struct kiln_memory_region *)fm.arena;
    uint64_t *scratch = (uint64_t *)(clean + 2 * n + 1);
    struct kiln_memory_region *pool_store = (struct kiln_memory_region *)(scratch + 2 * n);
    size_t m = memmap_sanitize(fm.raw, n, clean, scratch);
    pool_init(&pool, clean, m, LOW_MEMORY_END, pool_store, 2 * n + 16);
    if (fm.reserved_size) pool_exclude(&pool, fm.reserved_base, fm.reserved_size);
    frames_init(bios_alloc_pages, GIB(4)); /* stage 2 maps only the first 4 GiB */
    if (fm.reserved_size) frames_record(fm.reserved_base, fm.reserved_size, KILN_MEMORY_BOOTLOADER_RECLAIMABLE);
    fw_map = clean;
    fw_map_count = m;
    log_debug("memory: %zu %s entries, %llu MiB usable", n, fm.source,
              (unsigned long long)(memmap_total(clean, m, KILN_MEMORY_USABLE) >> 20));

    struct platform p = {
        .firmware = KILN_FIRMWARE_BIOS,
        .read = net ? netpayload_read : disk_read_payload,
        .handoff_page = (uint64_t)(uintptr_t)handoff_low,
        /* Stage 2's header (format/mbr.h), checked by stage 1 with its first
         * sector; from the network, the size of the file fetched (below). */
        .payload_space = get_le64((const uint8_t *)(uintptr_t)(STAGE2_BASE + STAGE2_HDR_PART_SECTORS)) * 512,
        .video_modes = vbe_modes,
        .video_set = vbe_set,
        .map_bounds = bios_map_bounds,
        .leave = bios_leave,
        .low_pages = bios_low_pages,
        .free_memory = bios_free_memory,
        .big_blocks = bios_big_blocks,
        .vga_text = text,
        .guarded_stack = true,
        .tsc_entry = tsc,
    };
    for (size_t i = 0; i < m; i++)
        if (clean[i].kind != KILN_MEMORY_RESERVED) p.phys_top = MAX(p.phys_top, clean[i].base + clean[i].length);
    if (net ? !pxe_init(&e) : !disk_init((uint8_t)drive, payload_lba, flags & MBR_FLAG_CHS, flags & MBR_FLAG_CDROM, &e))
        panic("%s", e.msg);
    if (net) p.payload_space = netpayload_size();
    find_tables(&p);
    /* Stage 2 maps the first 4 GiB: ACPI tables above it are not read. */
    uint8_t century = acpi_fadt_century(p.rsdp, GIB(4));
    p.has_unix_time = cmos_unix_time(century, &p.unix_time);
    if (p.has_unix_time)
        log_debug("time: %lld s since 1970 from the CMOS clock%s", (long long)p.unix_time,
                  century ? ", century register from the FADT" : "");
    else
        log_warn("time: the CMOS clock gave no valid date; boot_unix_time is unknown");
    if (vbe_edid(edid)) {
        p.edid = edid;
        p.edid_size = sizeof edid;
    }
    kiln_boot(&p);
}
