/* test_frames.c - the recording frame allocator and the heap (common/frames.c),
 * over the mock of physical memory. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/frames.h"
#include "tests/unit/mock_phys.h"
#include "core/util.h"
#include "tests/unit/testlib.h"

typedef struct kiln_memory_region region;

/* Bytes recorded as kind. */
static uint64_t frames_total(uint32_t kind) {
    size_t n;
    const region *r = frames_records(&n);
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++)
        if (r[i].kind == kind) t += r[i].length;
    return t;
}

static uint64_t no_memory(uint64_t pages, uint64_t limit) {
    (void)pages, (void)limit;
    return 0;
}

static const region *find_rec(uint64_t base, size_t *idx) {
    size_t n;
    const region *r = frames_records(&n);
    for (size_t i = 0; i < n; i++)
        if (r[i].base == base) {
            if (idx) *idx = i;
            return &r[i];
        }
    return NULL;
}

TEST(frames_records_and_merges) {
    mock_phys_init(MIB(4));
    memset(phys_ptr(MOCK_PHYS_BASE), 0xff, MIB(4)); /* garbage, so zeroing shows */
    frames_init(mock_phys_alloc, UINT64_MAX);
    uint64_t a = frames_alloc(2, KILN_MEMORY_KERNEL);
    uint64_t b = frames_alloc(1, KILN_MEMORY_KERNEL);
    uint64_t c = frames_alloc(1, KILN_MEMORY_PAGE_TABLES);
    uint64_t d = frames_alloc(3, KILN_MEMORY_KERNEL);
    CHECK(a == MOCK_PHYS_BASE && b == a + 0x2000 && c == a + 0x3000 && d == a + 0x4000, "allocation order");
    bool zero = true;
    for (uint64_t i = 0; i < 7 * PAGE_SIZE; i++) zero = zero && ((uint8_t *)phys_ptr(a))[i] == 0;
    CHECK(zero, "frames_alloc zeroes");
    size_t n;
    const region *r = frames_records(&n);
    CHECK(n == 3, "%zu records", n);
    CHECK(r[0].base == a && r[0].length == 0x3000 && r[0].kind == KILN_MEMORY_KERNEL &&
              r[0].firmware_type == KILN_FIRMWARE_TYPE_NONE,
          "a and b merged: [0x%llx +0x%llx)", (unsigned long long)r[0].base, (unsigned long long)r[0].length);
    CHECK(r[1].base == c && r[1].length == 0x1000 && r[1].kind == KILN_MEMORY_PAGE_TABLES, "c");
    CHECK(r[2].base == d && r[2].length == 0x3000 && r[2].kind == KILN_MEMORY_KERNEL, "d not merged across c");
    CHECK(frames_total(KILN_MEMORY_KERNEL) == 0x6000 && frames_total(KILN_MEMORY_PAGE_TABLES) == 0x1000 &&
              frames_total(KILN_MEMORY_MODULE) == 0,
          "totals");
    /* recorded ranges merge from either side */
    CHECK(frames_record(GIB(1), 0x1000, KILN_MEMORY_MODULE) && frames_record(GIB(1) - 0x2000, 0x2000, KILN_MEMORY_MODULE) &&
              frames_record(GIB(1) + 0x1000, 0x1000, KILN_MEMORY_MODULE),
          "records");
    const region *m = find_rec(GIB(1) - 0x2000, NULL);
    CHECK(m && m->length == 0x4000 && frames_records(&n) && n == 4, "merged both ways: %zu records", n);
    CHECK(frames_record(0x5000, 0, KILN_MEMORY_BAD) && frames_records(&n) && n == 4, "empty record ignored");
    /* allocation limits and exhaustion */
    frames_init(mock_phys_alloc, MOCK_PHYS_BASE + 0x10000);
    CHECK(frames_alloc(MIB(1) / PAGE_SIZE, KILN_MEMORY_KERNEL) == 0, "past the default limit");
    CHECK(frames_alloc(1, KILN_MEMORY_KERNEL) == MOCK_PHYS_BASE + 0x7000, "within the default limit");
    CHECK(frames_alloc(0, KILN_MEMORY_KERNEL) == 0, "0 pages");
    frames_init(no_memory, UINT64_MAX);
    CHECK(frames_alloc(1, KILN_MEMORY_KERNEL) == 0 && frames_records(&n) && n == 0, "no memory: nothing recorded");
}

TEST(frames_grow_past_static_records) {
    mock_phys_init(MIB(4));
    frames_init(mock_phys_alloc, UINT64_MAX);
    /* 300 non-adjacent ranges: the array grows twice (64 -> 256 -> 1024) */
    for (unsigned i = 0; i < 300; i++)
        REQUIRE(frames_record(GIB(2) + i * 0x2000, 0x1000, i % 2 ? KILN_MEMORY_MODULE : KILN_MEMORY_KERNEL),
                "record %u", i);
    size_t n;
    const region *r = frames_records(&n);
    CHECK(n == 302, "%zu records: 300 and the two arrays", n);
    unsigned found = 0;
    for (unsigned i = 0; i < 300; i++) {
        size_t idx;
        const region *x = find_rec(GIB(2) + i * 0x2000, &idx);
        if (x && x->length == 0x1000 && x->kind == (i % 2 ? KILN_MEMORY_MODULE : KILN_MEMORY_KERNEL)) found++;
    }
    CHECK(found == 300, "%u of 300 records intact", found);
    /* the arrays themselves are recorded as loader memory */
    CHECK(r[64].kind == KILN_MEMORY_BOOTLOADER_RECLAIMABLE && r[64].base == MOCK_PHYS_BASE && r[64].length == 0x2000,
          "first array: [0x%llx +0x%llx) kind %u", (unsigned long long)r[64].base, (unsigned long long)r[64].length,
          r[64].kind);
    CHECK(r[256].kind == KILN_MEMORY_BOOTLOADER_RECLAIMABLE && r[256].base == MOCK_PHYS_BASE + 0x2000 &&
              r[256].length == 0x6000,
          "second array");
    CHECK((const void *)r == phys_ptr(MOCK_PHYS_BASE + 0x2000), "records live in the second array");
    /* growth that cannot get memory fails cleanly */
    frames_init(no_memory, UINT64_MAX);
    for (unsigned i = 0; i < 64; i++) REQUIRE(frames_record(i * 0x2000, 0x1000, KILN_MEMORY_KERNEL), "record %u", i);
    CHECK(!frames_record(GIB(1), 0x1000, KILN_MEMORY_KERNEL), "65th record without memory");
    CHECK(frames_record(63 * 0x2000 + 0x1000, 0x1000, KILN_MEMORY_KERNEL), "a merge still works when full");
}

/* frames_alloc_raw_odd: the block lies an odd number of pages from `from`,
 * whatever the parity of what the source gives, and the page left over is
 * recorded as the loader's. */
TEST(frames_odd_distance) {
    static const uint64_t froms[] = {0, 0x1000, 0x2000, 0x3010, MOCK_PHYS_BASE, MOCK_PHYS_BASE + 0x5000,
                                     GIB(3) + 0x7ff0, UINT64_MAX - 0xfff, UINT64_C(1) << 63};
    for (unsigned i = 0; i < ARRAY_LEN(froms); i++)
        for (uint64_t skew = 0; skew < 2; skew++)
            for (uint64_t pages = 1; pages < 5; pages += 3) {
                mock_phys_init(MIB(4));
                frames_init(mock_phys_alloc, UINT64_MAX);
                if (skew) REQUIRE(frames_alloc(1, KILN_MEMORY_MODULE), "skew"); /* the source's next block: other parity */
                uint64_t first = mock_phys_used();
                uint64_t a = frames_alloc_raw_odd(pages, KILN_MEMORY_KERNEL, froms[i]);
                REQUIRE(a, "from 0x%llx, %llu pages", (unsigned long long)froms[i], (unsigned long long)pages);
                uint64_t d = a - (froms[i] & ~UINT64_C(0xfff));
                CHECK((d >> 12) & 1, "from 0x%llx skew %llu: block at 0x%llx, 0x%llx bytes away",
                      (unsigned long long)froms[i], (unsigned long long)skew, (unsigned long long)a, (unsigned long long)d);
                CHECK(mock_phys_used() - first == (pages + 1) * PAGE_SIZE, "one page more taken");
                CHECK(frames_total(KILN_MEMORY_KERNEL) == pages * PAGE_SIZE &&
                          frames_total(KILN_MEMORY_BOOTLOADER_RECLAIMABLE) == PAGE_SIZE,
                      "records: 0x%llx kernel, 0x%llx loader", (unsigned long long)frames_total(KILN_MEMORY_KERNEL),
                      (unsigned long long)frames_total(KILN_MEMORY_BOOTLOADER_RECLAIMABLE));
                const region *k = find_rec(a, NULL);
                CHECK(k && k->kind == KILN_MEMORY_KERNEL && k->length == pages * PAGE_SIZE, "the block's record");
                const region *sp = find_rec(a == MOCK_PHYS_BASE + first ? a + pages * PAGE_SIZE : a - PAGE_SIZE, NULL);
                CHECK(sp && sp->kind == KILN_MEMORY_BOOTLOADER_RECLAIMABLE && sp->length == PAGE_SIZE,
                      "the spare page beside it");
            }
    mock_phys_init(MIB(4));
    frames_init(mock_phys_alloc, UINT64_MAX);
    CHECK(frames_alloc_raw_odd(0, KILN_MEMORY_KERNEL, 0) == 0, "0 pages");
    CHECK(frames_alloc_raw_odd(UINT64_MAX, KILN_MEMORY_KERNEL, 0) == 0, "2^64 - 1 pages");
    CHECK(frames_alloc_raw_odd(MIB(4) / PAGE_SIZE, KILN_MEMORY_KERNEL, 0) == 0, "all of memory and a page more");
    size_t n;
    CHECK(frames_records(&n) && n == 0, "failures record nothing: %zu records", n);
}

TEST(heap_zeroed_aligned_disjoint) {
    mock_phys_init(MIB(4));
    memset(phys_ptr(MOCK_PHYS_BASE), 0xff, MIB(4));
    frames_init(mock_phys_alloc, UINT64_MAX);
    static const uint64_t sizes[] = {1, 10, 16, 17, 0, 100, 4096, 60000, 100000, 3, KIB(64), 5};
    uint8_t *p[ARRAY_LEN(sizes)];
    for (unsigned i = 0; i < ARRAY_LEN(sizes); i++) {
        p[i] = heap_alloc(sizes[i]);
        REQUIRE(p[i], "heap_alloc(%llu)", (unsigned long long)sizes[i]);
        CHECK(((uintptr_t)p[i] & 15) == 0, "heap_alloc(%llu) = %p is not 16-byte aligned", (unsigned long long)sizes[i],
              (void *)p[i]);
        bool zero = true;
        for (uint64_t k = 0; k < sizes[i]; k++) zero = zero && p[i][k] == 0;
        CHECK(zero, "heap_alloc(%llu) not zeroed", (unsigned long long)sizes[i]);
        memset(p[i], 0xcc, sizes[i]);
    }
    for (unsigned i = 0; i < ARRAY_LEN(sizes); i++)
        for (unsigned j = 0; j < i; j++) {
            uint64_t si = sizes[i] ? sizes[i] : 1, sj = sizes[j] ? sizes[j] : 1;
            CHECK(p[i] + si <= p[j] || p[j] + sj <= p[i], "allocations %u and %u overlap", j, i);
        }
    uint64_t blr = frames_total(KILN_MEMORY_BOOTLOADER_RECLAIMABLE);
    CHECK(blr >= KIB(64) && blr % PAGE_SIZE == 0, "the heap is bootloader-reclaimable: 0x%llx", (unsigned long long)blr);
    /* sizes no memory can hold fail, even while the current chunk has room */
    CHECK(heap_alloc(8), "a small allocation");
    static const uint64_t absurd[] = {UINT64_MAX, UINT64_MAX - 15, UINT64_MAX - PAGE_SIZE, UINT64_C(1) << 63, GIB(64)};
    for (unsigned i = 0; i < ARRAY_LEN(absurd); i++)
        CHECK(heap_alloc(absurd[i]) == NULL, "heap_alloc(0x%llx) did not fail", (unsigned long long)absurd[i]);
    CHECK(frames_total(KILN_MEMORY_BOOTLOADER_RECLAIMABLE) == blr, "failed allocations took no memory");
    frames_init(no_memory, UINT64_MAX);
    CHECK(heap_alloc(16) == NULL, "exhausted heap returns NULL");
}
