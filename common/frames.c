/* frames.c - the recording frame allocator and the loader heap (frames.h). */
#include "common/frames.h"

#include "core/kstring.h"
#include "core/util.h"

/* Records start in a static array and move to allocated pages when it fills;
 * adjacent records of the same kind are merged, so the count stays small. */
static struct kiln_memory_region initial[64];
static struct kiln_memory_region *rec = initial;
static size_t nrec, caprec = ARRAY_LEN(initial);
static frames_source_fn source, code_source;
static uint64_t default_limit;
static uint8_t *heap_cur, *heap_end;

void frames_init(frames_source_fn src, uint64_t limit) {
    source = src;
    code_source = 0;
    default_limit = limit;
    rec = initial;
    nrec = 0;
    caprec = ARRAY_LEN(initial);
    heap_cur = heap_end = 0;
}

static bool grow(void) {
    size_t ncap = caprec * 4;
    uint64_t pages = align_up(ncap * sizeof *rec, PAGE_SIZE) / PAGE_SIZE;
    uint64_t pa = source(pages, default_limit);
    if (!pa) return false;
    struct kiln_memory_region *n = phys_ptr(pa);
    memcpy(n, rec, nrec * sizeof *rec);
    rec = n;
    caprec = ncap;
    /* The new array is itself loader memory. Room is guaranteed now. */
    rec[nrec++] = (struct kiln_memory_region){pa, pages * PAGE_SIZE, KILN_MEMORY_BOOTLOADER_RECLAIMABLE,
                                              KILN_FIRMWARE_TYPE_NONE};
    return true;
}

bool frames_record(uint64_t base, uint64_t len, uint32_t kind) {
    if (len == 0) return true;
    for (size_t i = 0; i < nrec; i++) { /* merge with a neighbour of the same kind */
        if (rec[i].kind != kind) continue;
        if (rec[i].base + rec[i].length == base) {
            rec[i].length += len;
            return true;
        }
        if (base + len == rec[i].base) {
            rec[i].base = base;
            rec[i].length += len;
            return true;
        }
    }
    if (nrec == caprec && !grow()) return false;
    rec[nrec++] = (struct kiln_memory_region){base, len, kind, KILN_FIRMWARE_TYPE_NONE};
    return true;
}

/* Pages from src, zeroed if asked, recorded as kind. */
static uint64_t take(frames_source_fn src, uint64_t pages, uint32_t kind, uint64_t limit, bool zero) {
    if (!pages) return 0;
    uint64_t pa = src(pages, limit);
    if (!pa) return 0;
    if (zero) memset(phys_ptr(pa), 0, pages * PAGE_SIZE);
    return frames_record(pa, pages * PAGE_SIZE, kind) ? pa : 0;
}

uint64_t frames_limit(void) { return default_limit; }

uint64_t frames_alloc(uint64_t pages, uint32_t kind) { return take(source, pages, kind, default_limit, true); }
uint64_t frames_alloc_raw(uint64_t pages, uint32_t kind) { return take(source, pages, kind, default_limit, false); }

uint64_t frames_alloc_raw_odd(uint64_t pages, uint32_t kind, uint64_t from) {
    if (!pages || pages == UINT64_MAX) return 0;
    uint64_t pa = source(pages + 1, default_limit);
    if (!pa) return 0;
    /* Unsigned differences wrap modulo 2^64, which keeps the parity of the
     * page count: no sign to care about. */
    uint64_t use = ((pa - align_down(from, PAGE_SIZE)) >> 12) & 1 ? pa : pa + PAGE_SIZE;
    uint64_t spare = use == pa ? pa + pages * PAGE_SIZE : pa;
    if (!frames_record(use, pages * PAGE_SIZE, kind) ||
        !frames_record(spare, PAGE_SIZE, KILN_MEMORY_BOOTLOADER_RECLAIMABLE))
        return 0;
    return use;
}

void frames_set_code_source(frames_source_fn src) { code_source = src; }

uint64_t frames_alloc_code(uint64_t pages) {
    return take(code_source ? code_source : source, pages, KILN_MEMORY_BOOTLOADER_RECLAIMABLE, default_limit, true);
}

uint64_t frames_alloc_below(uint64_t pages, uint32_t kind, uint64_t limit) {
    return take(source, pages, kind, MIN(limit, default_limit), true);
}

uint64_t frames_alloc_code_below(uint64_t pages, uint64_t limit) {
    return take(code_source ? code_source : source, pages, KILN_MEMORY_BOOTLOADER_RECLAIMABLE,
                MIN(limit, default_limit), true);
}

const struct kiln_memory_region *frames_records(size_t *count) {
    *count = nrec;
    return rec;
}

/* Heap: bump allocation in chunks of at least 64 KiB. */

void *heap_alloc(uint64_t bytes) {
    uint64_t chunk;
    /* A size near 2^64 must fail, not round (wrap) to a small one. */
    if (!align_up_checked(bytes ? bytes : 1, PAGE_SIZE, &chunk)) return 0;
    bytes = align_up(bytes ? bytes : 1, 16);
    if (!heap_cur || (uint64_t)(heap_end - heap_cur) < bytes) {
        chunk = MAX(chunk, KIB(64));
        uint64_t pa = frames_alloc(chunk / PAGE_SIZE, KILN_MEMORY_BOOTLOADER_RECLAIMABLE);
        if (!pa) return 0;
        heap_cur = phys_ptr(pa);
        heap_end = heap_cur + chunk;
    }
    void *p = heap_cur;
    heap_cur += bytes;
    return p; /* chunks come zeroed from frames_alloc */
}
