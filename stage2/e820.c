/* e820.c - the BIOS memory map (stage2.h). */
#include "core/kstring.h"
#include "core/memmap.h"
#include "stage2/bios.h"
#include "stage2/lowmem.h"
#include "stage2/stage2.h"

#define SMAP 0x534d4150u  /* "SMAP" */
#define MAX_CALLS 8192    /* a firmware whose continuation value cycles must not hang us */

struct __attribute__((packed)) e820_entry {
    uint64_t base, len;
    uint32_t type, attr;
};

/* One E820 call. False at the end of the list or when E820 is missing. */
static bool e820_next(uint32_t *cont, struct e820_entry *out, bool *last) {
    volatile struct e820_entry *buf = (volatile struct e820_entry *)(uintptr_t)BOUNCE_BASE;
    buf->attr = 1; /* ACPI 3.0 attribute "valid"; a BIOS returning 20 bytes leaves it */
    struct bios_regs r;
    bios_regs_init(&r);
    r.eax = 0xe820;
    r.edx = SMAP;
    r.ebx = *cont;
    r.ecx = sizeof *buf;
    r.es = BOUNCE_BASE >> 4;
    r.edi = 0;
    bios_call(0x15, &r);
    /* CF set: the end (some BIOSes say it this way) or no E820 at all. */
    if ((r.eflags & EFLAGS_CF) || r.eax != SMAP || r.ecx < 20) return false;
    *out = *(struct e820_entry *)buf;
    if (r.ecx < 24) out->attr = 1;
    *cont = r.ebx;
    *last = r.ebx == 0;
    return true;
}

static bool usable_entry(const struct e820_entry *x) { return x->len && (x->attr & 1); }

static struct kiln_memory_region translate(const struct e820_entry *x) {
    uint32_t kind = memmap_e820_kind(x->type);
    if (x->attr & 2) kind = KILN_MEMORY_RESERVED; /* ACPI 3.0 "non-volatile": not ordinary RAM */
    return (struct kiln_memory_region){x->base, x->len, kind, x->type};
}

/* The map lives in stage 2's .bss: nothing to keep from the allocator. */
static void use_static(struct firmware_memory *fm, struct kiln_memory_region *raw, size_t n, uint8_t *arena,
                       size_t arena_size) {
    fm->raw = raw;
    fm->n = n;
    fm->arena = arena;
    fm->arena_size = arena_size;
    fm->reserved_base = fm->reserved_size = 0;
}

/* Static home for the tiny maps of the fallbacks. */
static struct kiln_memory_region small_raw[4];
static uint8_t small_arena[(6 * 4 + 16) * 24];

static bool fallback(struct firmware_memory *fm) {
    struct bios_regs r;
    uint64_t above1m = 0, above16m = 0, low = 640 * 1024;
    bios_regs_init(&r);
    bios_call(0x12, &r); /* conventional memory in KiB */
    if (r.eax & 0xffff) low = (uint64_t)(r.eax & 0xffff) * 1024;
    bios_regs_init(&r);
    r.eax = 0xe801;
    bios_call(0x15, &r);
    if (!(r.eflags & EFLAGS_CF)) {
        /* CX/DX are the configured sizes; some BIOSes only fill AX/BX. */
        uint32_t k1 = r.ecx & 0xffff ? r.ecx & 0xffff : r.eax & 0xffff;
        uint32_t k16 = r.ecx & 0xffff ? r.edx & 0xffff : r.ebx & 0xffff;
        above1m = (uint64_t)k1 * 1024;
        above16m = (uint64_t)k16 * 64 * 1024;
        fm->source = "E801";
    } else {
        bios_regs_init(&r);
        r.eax = 0x8800;
        bios_call(0x15, &r);
        if (r.eflags & EFLAGS_CF) return false;
        above1m = (uint64_t)(r.eax & 0xffff) * 1024;
        fm->source = "INT 15h AH=88h";
    }
    size_t n = 0;
    small_raw[n++] = (struct kiln_memory_region){0, align_down(low, 1024), KILN_MEMORY_USABLE, 1};
    if (above1m) small_raw[n++] = (struct kiln_memory_region){MIB(1), above1m, KILN_MEMORY_USABLE, 1};
    if (above16m) small_raw[n++] = (struct kiln_memory_region){MIB(16), above16m, KILN_MEMORY_USABLE, 1};
    use_static(fm, small_raw, n, small_arena, sizeof small_arena);
    return true;
}

/* Most machines have a few dozen entries: they are kept in .bss. */
#define STATIC_ENTRIES 128u
static struct kiln_memory_region static_raw[STATIC_ENTRIES];
static uint8_t static_arena[(6 * STATIC_ENTRIES + 16) * sizeof(struct kiln_memory_region)];

/* Does [b, b + len) overlap an entry that is not plain usable RAM? */
static bool touches_unusable(uint64_t b, uint64_t len) {
    uint32_t cont = 0;
    bool last = false;
    struct e820_entry x;
    for (int i = 0; i < MAX_CALLS && !last && e820_next(&cont, &x, &last); i++) {
        if (!x.len || !(x.attr & 1) || (x.type == 1 && !(x.attr & 2))) continue;
        if (x.base < b + len && b < x.base + x.len) return true;
    }
    return false;
}

/* A home for more than STATIC_ENTRIES entries: the start of the largest
 * usable range between 1 MiB and 4 GiB that no reserved entry overlaps (a
 * firmware may list both). Up to four candidates are tried. */
static bool find_home(uint64_t need, uint64_t *home) {
    uint64_t tried[4];
    for (unsigned t = 0; t < ARRAY_LEN(tried); t++) {
        uint32_t cont = 0;
        bool last = false;
        uint64_t best = 0, best_len = 0;
        struct e820_entry x;
        for (int i = 0; i < MAX_CALLS && !last && e820_next(&cont, &x, &last); i++) {
            if (!usable_entry(&x) || x.type != 1 || (x.attr & 2)) continue;
            uint64_t b = align_up(MAX(x.base, MIB(1)), PAGE_SIZE), end = x.base + x.len;
            if (end < x.base || end > GIB(4)) end = GIB(4);
            end = align_down(end, PAGE_SIZE);
            bool seen = false;
            for (unsigned k = 0; k < t; k++) seen = seen || tried[k] == b;
            if (!seen && end > b && end - b >= need && end - b > best_len) best = b, best_len = end - b;
        }
        if (!best_len) return false;
        if (!touches_unusable(best, need)) {
            *home = best;
            return true;
        }
        tried[t] = best;
    }
    return false;
}

bool bios_memory_map(struct firmware_memory *fm, kiln_err *e, bool no_e820) {
    /* Pass 1: count the entries, keeping them in .bss while there is room. */
    uint32_t cont = 0;
    bool last = false;
    size_t n = 0, kept = 0;
    struct e820_entry x;
    for (int i = 0; i < MAX_CALLS && !no_e820 && !last && e820_next(&cont, &x, &last); i++) {
        n++;
        if (usable_entry(&x) && kept < STATIC_ENTRIES) static_raw[kept++] = translate(&x);
    }
    if (n == 0) {
        if (!fallback(fm)) return err_set(e, "memory: the BIOS offers no memory map (E820, E801 and AH=88h all failed)");
        return true;
    }
    fm->source = "E820";
    if (n <= STATIC_ENTRIES) {
        use_static(fm, static_raw, kept, static_arena, sizeof static_arena);
        return true;
    }

    /* Pass 2 (rare): more entries than fit; store them above 1 MiB. */
    size_t cap = n + 8; /* a second pass may see a few more entries on odd firmware */
    uint64_t need = align_up((uint64_t)cap * sizeof(struct kiln_memory_region) * 7 + 16 * 24, PAGE_SIZE), home;
    if (!find_home(need, &home))
        return err_set(e, "memory: no free memory above 1 MiB for the %zu-entry memory map", n);
    fm->reserved_base = home;
    fm->reserved_size = need;
    fm->raw = (struct kiln_memory_region *)(uintptr_t)home;
    fm->arena = (uint8_t *)(uintptr_t)home + cap * sizeof(struct kiln_memory_region);
    fm->arena_size = need - cap * sizeof(struct kiln_memory_region);
    cont = 0;
    last = false;
    fm->n = 0;
    for (int i = 0; i < MAX_CALLS && !last && fm->n < cap && e820_next(&cont, &x, &last); i++)
        if (usable_entry(&x)) fm->raw[fm->n++] = translate(&x);
    return true;
}
