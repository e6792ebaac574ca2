/* memmap.c - memory-map sanitizing (see memmap.h for the contract). */
#include "core/memmap.h"

#include "core/util.h"

#define MAX_PHYS (UINT64_C(1) << 52) /* architectural limit of physical addresses */

int memmap_rank(uint32_t kind) {
    switch (kind) {
    case KILN_MEMORY_USABLE: return 1;
    case KILN_MEMORY_BOOTLOADER_RECLAIMABLE: return 2;
    case KILN_MEMORY_KERNEL:
    case KILN_MEMORY_KERNEL_STACK:
    case KILN_MEMORY_PAGE_TABLES:
    case KILN_MEMORY_BOOT_INFO:
    case KILN_MEMORY_MODULE: return 3;
    case KILN_MEMORY_ACPI_RECLAIMABLE: return 4;
    case KILN_MEMORY_FIRMWARE_RUNTIME: return 5;
    case KILN_MEMORY_RESERVED: return 6;
    case KILN_MEMORY_FRAMEBUFFER: return 7;
    case KILN_MEMORY_ACPI_NVS: return 8;
    case KILN_MEMORY_BAD: return 9;
    default: return 6; /* unknown kinds are treated as reserved */
    }
}

/* Total order: rank first, then the kind number, so ties are deterministic. */
static uint64_t key(uint32_t kind) { return (uint64_t)memmap_rank(kind) << 32 | kind; }

static bool clip(const struct kiln_memory_region *r, uint64_t *base, uint64_t *end) {
    if (r->length == 0 || r->base >= MAX_PHYS) return false;
    *base = r->base;
    *end = r->length > MAX_PHYS - r->base ? MAX_PHYS : r->base + r->length;
    return true;
}

/* Shell sort: no recursion, no allocation, fine for a few thousand values. */
static void sort_u64(uint64_t *a, size_t n) {
    for (size_t gap = n / 2; gap > 0; gap /= 2)
        for (size_t i = gap; i < n; i++) {
            uint64_t v = a[i];
            size_t j = i;
            for (; j >= gap && a[j - gap] > v; j -= gap) a[j] = a[j - gap];
            a[j] = v;
        }
}

static bool page_aligned_kind(uint32_t kind) {
    return kind == KILN_MEMORY_USABLE || kind == KILN_MEMORY_BOOTLOADER_RECLAIMABLE;
}

size_t memmap_sanitize(const struct kiln_memory_region *in, size_t n, struct kiln_memory_region *out,
                       uint64_t *scratch) {
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b, e;
        if (!clip(&in[i], &b, &e)) continue;
        scratch[nb++] = b;
        scratch[nb++] = e;
    }
    sort_u64(scratch, nb);
    size_t u = 0;
    for (size_t i = 0; i < nb; i++)
        if (u == 0 || scratch[u - 1] != scratch[i]) scratch[u++] = scratch[i];

    /* The winner of each elementary interval [scratch[k], scratch[k + 1]):
     * the covering entry of the highest key (the first of equal ones), and
     * the highest-keyed covering entry with a firmware type. Each entry
     * visits only the intervals it covers, found by a binary search (a scan
     * of every entry for every interval was 0.4 M instructions on OVMF's
     * map). Until the merge below, out[k] holds interval k's two winners
     * as entry index + 1 (0: none) in kind and firmware_type: out has room
     * for 2n + 1 entries, there are at most 2n - 1 intervals. */
    for (size_t k = 0; k + 1 < u; k++) out[k] = (struct kiln_memory_region){0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        uint64_t b, e;
        if (!clip(&in[i], &b, &e)) continue;
        size_t lo = 0, hi = u; /* the first boundary >= b: b itself */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (scratch[mid] < b) lo = mid + 1;
            else hi = mid;
        }
        uint64_t ki = key(in[i].kind);
        bool typed = in[i].firmware_type != KILN_FIRMWARE_TYPE_NONE;
        for (size_t k = lo; k + 1 < u && scratch[k + 1] <= e; k++) {
            if (!out[k].kind || ki > key(in[out[k].kind - 1].kind)) out[k].kind = (uint32_t)i + 1;
            if (typed && (!out[k].firmware_type || ki > key(in[out[k].firmware_type - 1].kind)))
                out[k].firmware_type = (uint32_t)i + 1;
        }
    }

    /* Merge, in place: interval k's winners are read before out[m], m <= k,
     * is written. */
    size_t m = 0;
    for (size_t k = 0; k + 1 < u; k++) {
        uint32_t wi = out[k].kind, fi = out[k].firmware_type;
        if (!wi) continue; /* a hole between entries */
        uint64_t a = scratch[k], z = scratch[k + 1];
        const struct kiln_memory_region *win = &in[wi - 1];
        uint32_t kind = win->kind;
        uint32_t type = win->firmware_type != KILN_FIRMWARE_TYPE_NONE ? win->firmware_type
                        : fi                                          ? in[fi - 1].firmware_type
                                                                      : KILN_FIRMWARE_TYPE_NONE;
        if (m && out[m - 1].base + out[m - 1].length == a && out[m - 1].kind == kind &&
            out[m - 1].firmware_type == type) {
            out[m - 1].length += z - a;
        } else {
            out[m++] = (struct kiln_memory_region){a, z - a, kind, type};
        }
    }

    /* Page-align the kinds a kernel will hand to its page allocator: shrink
     * inward, so a partly-usable page is never reported usable. */
    size_t w = 0;
    for (size_t i = 0; i < m; i++) {
        struct kiln_memory_region r = out[i];
        if (page_aligned_kind(r.kind)) {
            uint64_t b = align_up(r.base, PAGE_SIZE), e = align_down(r.base + r.length, PAGE_SIZE);
            if (e <= b) continue;
            r.base = b;
            r.length = e - b;
        }
        out[w++] = r;
    }
    return w;
}

uint32_t memmap_e820_kind(uint32_t t) {
    switch (t) {
    case 1: return KILN_MEMORY_USABLE;
    case 3: return KILN_MEMORY_ACPI_RECLAIMABLE;
    case 4: return KILN_MEMORY_ACPI_NVS;
    case 5: return KILN_MEMORY_BAD;
    default: return KILN_MEMORY_RESERVED; /* 2, 7 (persistent), 12, vendor types */
    }
}

uint32_t memmap_efi_kind(uint32_t t) {
    switch (t) {
    case 1:  /* EfiLoaderCode */
    case 2:  /* EfiLoaderData */
    case 3:  /* EfiBootServicesCode */
    case 4:  /* EfiBootServicesData */
    case 7:  /* EfiConventionalMemory */
        return KILN_MEMORY_USABLE;
    case 5:  /* EfiRuntimeServicesCode */
    case 6:  /* EfiRuntimeServicesData */
        return KILN_MEMORY_FIRMWARE_RUNTIME;
    case 8:  /* EfiUnusableMemory */
        return KILN_MEMORY_BAD;
    case 9:  /* EfiACPIReclaimMemory */
        return KILN_MEMORY_ACPI_RECLAIMABLE;
    case 10: /* EfiACPIMemoryNVS */
        return KILN_MEMORY_ACPI_NVS;
    default: /* reserved, MMIO, port space, PAL code, persistent, unaccepted, OEM */
        return KILN_MEMORY_RESERVED;
    }
}

const char *memmap_kind_name(uint32_t kind) {
    static const char *names[KILN_MEMORY_KIND_COUNT] = {
        "?",           "usable",    "reserved",     "acpi-reclaimable", "acpi-nvs",
        "bad",         "bootloader", "kernel",      "kernel-stack",     "page-tables",
        "boot-info",   "module",    "framebuffer",  "firmware-runtime",
    };
    return kind < KILN_MEMORY_KIND_COUNT ? names[kind] : "?";
}

uint64_t memmap_total(const struct kiln_memory_region *m, size_t n, uint32_t kind) {
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++)
        if (m[i].kind == kind) t += m[i].length;
    return t;
}
