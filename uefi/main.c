/* main.c - the UEFI platform: gather the facts, fill struct platform, call
 * the shared boot flow.
 *
 * Nothing here assumes what the UEFI spec does not promise: memory comes only
 * from AllocatePages (never fixed addresses), the memory map is walked with
 * the descriptor size the firmware returns, the image may be loaded above
 * 4 GiB (everything is 64-bit clean; nothing needs to be low), there may be
 * no GOP at all, and an ACPI 1.0 RSDP is accepted. Kiln sets the CPU state
 * it relies on (EFER.NXE, CR0.WP, SSE) itself at hand-off: U-Boot's UEFI
 * starts us with all three off (docs/boot-flow.md). */
#include "x86/cpu.h"
#include "x86/exceptions.h"
#include "common/firmware_tables.h"
#include "common/frames.h"
#include "core/kstring.h"
#include "common/log.h"
#include "common/netpayload.h"
#include "core/memmap.h"
#include "format/efiseal.h"
#include "uefi/efi.h"

#define MAP_SLACK 128 /* descriptors: allocations between sizing and leaving split a few */

/* Pages from the firmware. A page at physical 0 is valid memory but 0 means
 * "failed" to the frame allocator, so such a page is kept and skipped. */
static uint64_t alloc_typed(uint64_t pages, uint64_t limit, EFI_MEMORY_TYPE type) {
    for (int tries = 0; tries < 2; tries++) {
        EFI_PHYSICAL_ADDRESS a = limit == UINT64_MAX ? 0 : limit - 1;
        EFI_STATUS s = bs->AllocatePages(limit == UINT64_MAX ? AllocateAnyPages : AllocateMaxAddress, type, pages, &a);
        if (EFI_ERROR(s)) return 0;
        if (a) return a;
    }
    return 0;
}
static uint64_t efi_alloc_pages(uint64_t pages, uint64_t limit) { return alloc_typed(pages, limit, EfiLoaderData); }
/* The hand-off stub runs from its page while the firmware's page tables are
 * still loaded; firmware with NX memory protection maps loader data NX. */
static uint64_t efi_alloc_code(uint64_t pages, uint64_t limit) { return alloc_typed(pages, limit, EfiLoaderCode); }

/* The AP trampoline, below 1 MiB (the SIPI vector is its page number). */
static uint64_t efi_low_pages(uint64_t pages) {
    uint64_t a = alloc_typed(pages, 0x100000, EfiLoaderCode);
    return a && frames_record(a, pages * PAGE_SIZE, KILN_MEMORY_BOOTLOADER_RECLAIMABLE) ? a : 0;
}

static uint8_t *probe_map; /* scratch for sizing the memory map */
static UINTN probe_cap;

/* Current memory-map size in bytes and the descriptor size. */
static bool map_size(UINTN *bytes, UINTN *dsize) {
    UINTN size = 0, key;
    UINT32 ver;
    EFI_STATUS s = bs->GetMemoryMap(&size, NULL, &key, dsize, &ver);
    if (s != EFI_BUFFER_TOO_SMALL && EFI_ERROR(s)) return false;
    *bytes = size;
    return *dsize >= sizeof(EFI_MEMORY_DESCRIPTOR);
}

static void efi_map_bounds(size_t *regions, size_t *raw_bytes) {
    UINTN bytes = 0, dsize = sizeof(EFI_MEMORY_DESCRIPTOR);
    if (!map_size(&bytes, &dsize)) bytes = 0;
    *regions = bytes / dsize + MAP_SLACK;
    *raw_bytes = bytes + MAP_SLACK * dsize;
}

/* Translate the raw descriptors. Sizes come from the firmware: overflowing
 * entries are clipped rather than trusted. */
static size_t translate(const uint8_t *raw, UINTN bytes, UINTN dsize, struct kiln_memory_region *out, size_t cap) {
    size_t n = 0;
    for (UINTN off = 0; off + dsize <= bytes && n < cap; off += dsize) {
        const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(raw + off);
        if (!d->NumberOfPages) continue;
        uint64_t len = d->NumberOfPages > (UINT64_MAX >> 12) ? UINT64_MAX - d->PhysicalStart : d->NumberOfPages << 12;
        if (len > UINT64_MAX - d->PhysicalStart) len = UINT64_MAX - d->PhysicalStart;
        /* The raw EFI type stays with each entry, so usable ranges of
         * different types (boot-services data, conventional, ...) are not
         * merged with each other. */
        out[n++] = (struct kiln_memory_region){d->PhysicalStart, len, memmap_efi_kind(d->Type), d->Type};
    }
    return n;
}

/* ExitBootServices in a loop: the map key goes stale whenever the map
 * changes (a timer event can allocate), so fetch the map again and retry.
 * Once the first attempt has been made, the firmware may be half shut down:
 * only GetMemoryMap and ExitBootServices may be called, no console output. */
static bool efi_leave(struct firmware_map *m, kiln_err *e) {
    log_firmware_gone();
    UINTN dsize = 0;
    UINT32 dver = 0;
    EFI_STATUS s = EFI_SUCCESS;
    UINTN size = 0;
    for (int attempt = 0; attempt < 16; attempt++) {
        size = m->raw_cap;
        UINTN key;
        s = bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)m->raw, &key, &dsize, &dver);
        if (s == EFI_BUFFER_TOO_SMALL)
            return err_set(e, "the memory map grew to %llu bytes, past the %llu reserved for it",
                           (unsigned long long)size, (unsigned long long)m->raw_cap);
        if (EFI_ERROR(s)) return err_set(e, "GetMemoryMap failed (%s)", efi_status_str(s));
        s = bs->ExitBootServices(image_handle, key);
        if (!EFI_ERROR(s)) break;
        if (s != EFI_INVALID_PARAMETER) return err_set(e, "ExitBootServices failed (%s)", efi_status_str(s));
    }
    if (EFI_ERROR(s)) return err_set(e, "ExitBootServices kept failing: the memory map never settled");
    st = NULL; /* boot services are gone: make any stray use fault loudly */
    bs = NULL;
    m->raw_size = size;
    m->desc_size = (uint32_t)dsize;
    m->desc_version = dver;
    m->regions_count = translate(m->raw, size, dsize, m->regions, m->regions_cap);
    return true;
}

static bool guid_eq(const EFI_GUID *a, const EFI_GUID *b) { return memcmp(a, b, sizeof *a) == 0; }

static void find_tables(struct platform *p) {
    static EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID, sm3 = SMBIOS3_TABLE_GUID,
                    sm2 = SMBIOS_TABLE_GUID;
    uint64_t a20 = 0, a10 = 0;
    for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
        const EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];
        uint64_t addr = (uint64_t)(uintptr_t)t->VendorTable;
        if (!addr) continue;
        if (guid_eq(&t->VendorGuid, &acpi20) && !a20 && rsdp_valid(phys_ptr(addr), 4096)) a20 = addr;
        if (guid_eq(&t->VendorGuid, &acpi10) && !a10 && rsdp_valid(phys_ptr(addr), 4096)) a10 = addr;
        if (guid_eq(&t->VendorGuid, &sm3) && !p->smbios64 && smbios3_valid(phys_ptr(addr))) p->smbios64 = addr;
        if (guid_eq(&t->VendorGuid, &sm2) && !p->smbios32 && smbios2_valid(phys_ptr(addr))) p->smbios32 = addr;
    }
    p->rsdp = a20 ? a20 : a10; /* ACPI 2.0+ first, then a 1.0 RSDP (RSDT only) */
}

/* Free conventional memory now, for the message when a kernel does not fit:
 * the largest block of touching type-7 descriptors, and all of them. */
static void efi_free_memory(uint64_t *largest, uint64_t *total) {
    UINTN bytes, dsize = sizeof(EFI_MEMORY_DESCRIPTOR), key;
    UINT32 ver;
    *largest = *total = 0;
    if (!map_size(&bytes, &dsize)) return;
    bytes += MAP_SLACK * dsize;
    if (bytes > probe_cap) {
        probe_map = heap_alloc(bytes);
        probe_cap = probe_map ? bytes : 0;
    }
    if (!probe_map) return;
    UINTN size = probe_cap;
    if (EFI_ERROR(bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)probe_map, &key, &dsize, &ver))) return;
    uint64_t run = 0, end = 0;
    for (UINTN off = 0; off + dsize <= size; off += dsize) { /* sorted by address, as OVMF and U-Boot return it */
        const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(probe_map + off);
        if (d->Type != EfiConventionalMemory || d->NumberOfPages > (UINT64_MAX >> 13)) continue;
        uint64_t len = d->NumberOfPages << 12;
        run = d->PhysicalStart == end ? run + len : len;
        end = d->PhysicalStart + len;
        *largest = MAX(*largest, run);
        *total += len;
    }
}

/* End of the highest RAM, ACPI or runtime range: what the physical-memory
 * map must cover (MMIO and reserved ranges above it are left out). */
static uint64_t phys_top(void) {
    UINTN bytes, dsize = sizeof(EFI_MEMORY_DESCRIPTOR), key;
    UINT32 ver;
    if (!map_size(&bytes, &dsize)) return 0;
    bytes += MAP_SLACK * dsize;
    if (bytes > probe_cap) {
        probe_map = heap_alloc(bytes);
        probe_cap = probe_map ? bytes : 0;
    }
    if (!probe_map) return 0;
    UINTN size = probe_cap;
    if (EFI_ERROR(bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)probe_map, &key, &dsize, &ver))) return 0;
    uint64_t top = 0;
    for (UINTN off = 0; off + dsize <= size; off += dsize) {
        const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(probe_map + off);
        uint32_t k = memmap_efi_kind(d->Type);
        if (k == KILN_MEMORY_RESERVED || d->NumberOfPages > (UINT64_MAX >> 13)) continue;
        top = MAX(top, d->PhysicalStart + (d->NumberOfPages << 12));
    }
    return top;
}

/* BOOTX64.EFI checks itself (format/efiseal.h): `kiln image` fills in this
 * record with the sum of the image's read-only sections. It lives in .data,
 * which the sum does not cover. */
static volatile struct efi_seal seal __attribute__((used)) = {EFI_SEAL_MAGIC, 0, 0, {0, 0, 0, 0}};
extern const uint8_t ImageBase[]; /* gnu-efi's linker script: where the firmware put this image */

/* Before anything else runs: is the code the firmware loaded the code the
 * tool sealed? The result is reported once the log can print it. */
static bool self_check(kiln_err *e) {
    struct sum128 sum, want = {seal.sum.a_lo, seal.sum.a_hi, seal.sum.b_lo, seal.sum.b_hi};
    uint32_t covered;
    if (!efi_seal_sum(ImageBase, 0, true, &sum, &covered, e)) return false;
    if (!seal.covered) return err_set(e, "BOOTX64.EFI was not sealed by kiln image: there is no checksum to check");
    if (!sum128_equal(&sum, &want) || covered != seal.covered)
        return err_set(e, "BOOTX64.EFI is damaged: its %u bytes of code and read-only data sum to %016llx:%016llx, kiln "
                          "image wrote %016llx:%016llx over %u bytes", covered, (unsigned long long)sum.a_lo,
                       (unsigned long long)sum.b_lo, (unsigned long long)want.a_lo, (unsigned long long)want.b_lo,
                       seal.covered);
    return true;
}

/* Called by gnu-efi's crt0 after self-relocation, with the SysV convention. */
EFI_STATUS efi_main(EFI_HANDLE handle, EFI_SYSTEM_TABLE *systab);
EFI_STATUS efi_main(EFI_HANDLE handle, EFI_SYSTEM_TABLE *systab) {
    uint64_t tsc = rdtsc();
    kiln_err e, self;
    bool intact = self_check(&self);
    efi_init(handle, systab);
    bs->SetWatchdogTimer(0, 0, 0, NULL); /* the 5-minute boot watchdog must not reset a slow load */
    /* The screen is Kiln's own console on the GOP framebuffer (set up in
     * efi_gop_init), never ConOut: firmware usually mirrors ConOut to the
     * same serial port Kiln writes to, which would print everything twice. */
    log_init(NULL);
    if (!intact) panic("%s", self.msg);
    exceptions_install(true);
    frames_init(efi_alloc_pages, UINT64_MAX); /* the firmware identity-maps all memory */
    frames_set_code_source(efi_alloc_code);

    struct platform p = {
        .firmware = KILN_FIRMWARE_UEFI,
        .read = efi_disk_read,
        .video_modes = efi_gop_modes,
        .video_set = efi_gop_set,
        .map_bounds = efi_map_bounds,
        .leave = efi_leave,
        .low_pages = efi_low_pages,
        .free_memory = efi_free_memory,
        .efi_system_table = (uint64_t)(uintptr_t)systab,
        .tsc_entry = tsc,
    };
    efi_gop_init();
    p.edid = efi_gop_edid(&p.edid_size);
    find_tables(&p);
    p.phys_top = phys_top();
    p.has_unix_time = efi_boot_time(&p.unix_time);
    p.has_fw_random = efi_random(p.fw_random);
    /* From the network or from a disk: the payload's source is behind
     * p.read either way, and the boot flow does not know which. The trust
     * check (trust.c) reads the payload through p.read too, so under
     * Secure Boot a fetched payload is verified against the signed hash
     * exactly as a disk's is, and the boot reads only the verified copy. */
    bool net = efi_net_booted();
    if (net) p.read = netpayload_read;
    if (net ? !efi_net_init(&e) : !efi_disk_init(&e)) panic("%s", e.msg);
    p.payload_space = net ? netpayload_size() : efi_disk_size();
    if (!efi_trust_init(&p, &e)) panic("%s", e.msg);
    kiln_boot(&p);
}
