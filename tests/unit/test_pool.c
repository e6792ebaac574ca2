/* test_pool.c - the page pool over usable memory (common/pool.c). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/pool.h"
#include "core/util.h"
#include "tests/unit/testlib.h"

typedef struct kiln_memory_region region;

static uint64_t pool_free_bytes(const struct pool *p) {
    uint64_t t = 0;
    for (size_t i = 0; i < p->n; i++) t += p->free[i].length;
    return t;
}
#define R(b, l, k) ((region){(b), (l), (k), 1})

static bool pool_is(const struct pool *p, const region *want, size_t n) {
    if (p->n != n) return false;
    for (size_t i = 0; i < n; i++)
        if (p->free[i].base != want[i].base || p->free[i].length != want[i].length) return false;
    return true;
}
static void pool_str(const struct pool *p, char *b, size_t len) {
    int w = 0;
    for (size_t i = 0; i < p->n && (size_t)w < len; i++)
        w += snprintf(b + w, len - (size_t)w, "[%llx,%llx) ", (unsigned long long)p->free[i].base,
                      (unsigned long long)(p->free[i].base + p->free[i].length));
}
#define EXPECT_POOL(p, ...) \
    do { \
        region want_[] = {__VA_ARGS__}; \
        char s_[300] = ""; \
        pool_str(p, s_, sizeof s_); \
        CHECK(pool_is(p, want_, ARRAY_LEN(want_)), "pool is %s", s_); \
    } while (0)

static const region pc_map[] = {
    R(0x0, 0x9f000, KILN_MEMORY_USABLE),
    R(0x9f000, 0x61000, KILN_MEMORY_RESERVED),
    R(0x100000, 0x7f00000, KILN_MEMORY_USABLE),  /* 1 MiB .. 128 MiB */
    R(0x8000000, 0x8000000, KILN_MEMORY_ACPI_RECLAIMABLE),
    R(0x10000800, 0xff000, KILN_MEMORY_USABLE),  /* unaligned at both ends */
    R(0x100000000, GIB(1), KILN_MEMORY_USABLE),  /* 4 GiB .. 5 GiB */
};

TEST(pool_init_floor_and_alignment) {
    struct pool p;
    region st[8];
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), MIB(1), st, 8);
    EXPECT_POOL(&p, R(0x100000, 0x7f00000, 1), R(0x10001000, 0xfe000, 1), R(0x100000000, GIB(1), 1));
    CHECK(pool_free_bytes(&p) == 0x7f00000 + 0xfe000 + GIB(1), "free bytes 0x%llx",
          (unsigned long long)pool_free_bytes(&p));
    /* a floor inside a usable range trims it */
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), 0x180800, st, 8);
    EXPECT_POOL(&p, R(0x181000, 0x8000000 - 0x181000, 1), R(0x10001000, 0xfe000, 1), R(0x100000000, GIB(1), 1));
    /* floor 0 keeps low memory */
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), 0, st, 8);
    CHECK(p.n == 4 && p.free[0].base == 0 && p.free[0].length == 0x9f000, "floor 0");
    /* storage for two ranges keeps the first two */
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), MIB(1), st, 2);
    CHECK(p.n == 2, "capacity respected: %zu", p.n);
}

TEST(pool_exclude_cases) {
    struct pool p;
    region st[8];
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), MIB(1), st, 8);
    CHECK(pool_exclude(&p, 0x150000, 0x2000), "split");
    EXPECT_POOL(&p, R(0x100000, 0x50000, 1), R(0x152000, 0x7eae000, 1), R(0x10001000, 0xfe000, 1),
                R(0x100000000, GIB(1), 1));
    CHECK(pool_exclude(&p, 0x200800, 0x1000), "unaligned exclude widens to whole pages");
    EXPECT_POOL(&p, R(0x100000, 0x50000, 1), R(0x152000, 0xae000, 1), R(0x202000, 0x7dfe000, 1),
                R(0x10001000, 0xfe000, 1), R(0x100000000, GIB(1), 1));
    CHECK(pool_exclude(&p, 0x100000, 0x10000), "head");
    CHECK(pool_exclude(&p, 0x140000, 0x10000), "tail");
    EXPECT_POOL(&p, R(0x110000, 0x30000, 1), R(0x152000, 0xae000, 1), R(0x202000, 0x7dfe000, 1),
                R(0x10001000, 0xfe000, 1), R(0x100000000, GIB(1), 1));
    CHECK(pool_exclude(&p, 0x100000, 0x200000), "two whole ranges and the head of a third");
    EXPECT_POOL(&p, R(0x300000, 0x7d00000, 1), R(0x10001000, 0xfe000, 1), R(0x100000000, GIB(1), 1));
    CHECK(pool_exclude(&p, 0x7000000, 0x10002000 - 0x7000000), "the tail of one range and the head of the next");
    EXPECT_POOL(&p, R(0x300000, 0x6d00000, 1), R(0x10002000, 0xfd000, 1), R(0x100000000, GIB(1), 1));
    CHECK(pool_exclude(&p, GIB(8), GIB(1)), "outside everything");
    CHECK(pool_exclude(&p, 0x100000000, GIB(1)), "a whole range");
    EXPECT_POOL(&p, R(0x300000, 0x6d00000, 1), R(0x10002000, 0xfd000, 1));
    /* a split with no room for the second piece fails and changes nothing */
    region small[2];
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), MIB(1), small, 2);
    CHECK(!pool_exclude(&p, 0x150000, 0x1000), "split with a full array");
    EXPECT_POOL(&p, R(0x100000, 0x7f00000, 1), R(0x10001000, 0xfe000, 1));
}

TEST(pool_alloc_top_down_and_limits) {
    struct pool p;
    region st[8];
    pool_init(&p, pc_map, ARRAY_LEN(pc_map), MIB(1), st, 8);
    uint64_t total = pool_free_bytes(&p);
    CHECK(pool_alloc(&p, 1, UINT64_MAX) == GIB(5) - PAGE_SIZE, "highest page first");
    CHECK(pool_alloc(&p, 2, GIB(4)) == 0x100ff000 - 0x2000, "below 4 GiB");
    CHECK(pool_alloc(&p, 1, 0x8000800) == 0x7fff000, "an unaligned limit rounds down");
    CHECK(pool_alloc(&p, 0x100, 0x10100000) == 0x8000000 - 0x1000 - 0x100000,
          "a block that no longer fits the higher range comes from the next one");
    CHECK(pool_free_bytes(&p) == total - (1 + 2 + 1 + 0x100) * PAGE_SIZE, "accounting");
    CHECK(pool_alloc(&p, 0, UINT64_MAX) == 0, "0 pages");
    CHECK(pool_alloc(&p, UINT64_MAX, UINT64_MAX) == 0 && pool_alloc(&p, UINT64_C(1) << 52, UINT64_MAX) == 0,
          "absurd sizes");
    CHECK(pool_alloc(&p, 1, MIB(1)) == 0, "nothing below the floor");
    CHECK(pool_alloc(&p, GIB(1) / PAGE_SIZE, UINT64_MAX) == 0, "1 GiB no longer contiguous");
}

/* A preferred line: blocks come from below it while they fit there, and
 * from anywhere (highest first) when they do not; the largest free block
 * below a line stops at the line. */
TEST(pool_prefer_below_and_largest_below) {
    static const region map[] = {R(MIB(1), MIB(31), KILN_MEMORY_USABLE), R(MIB(40), MIB(88), KILN_MEMORY_USABLE)};
    struct pool p;
    region st[8];
    pool_init(&p, map, ARRAY_LEN(map), MIB(1), st, 8);
    CHECK(p.prefer_below == UINT64_MAX, "no preference after pool_init");
    CHECK(pool_largest_below(&p, MIB(128)) == MIB(88), "largest: 0x%llx", (unsigned long long)pool_largest_below(&p, MIB(128)));
    CHECK(pool_largest_below(&p, MIB(111)) == MIB(71), "cut at the line");
    CHECK(pool_largest_below(&p, MIB(40)) == MIB(31), "a range at the line is not below it");
    CHECK(pool_largest_below(&p, MIB(1)) == 0 && pool_largest_below(&p, 0) == 0, "nothing below the first range");
    pool_prefer_below(&p, MIB(111));
    CHECK(pool_alloc(&p, MIB(8) / PAGE_SIZE, UINT64_MAX) == MIB(103), "below the line");
    CHECK(pool_alloc(&p, MIB(60) / PAGE_SIZE, UINT64_MAX) == MIB(43), "below the line again");
    CHECK(pool_alloc(&p, MIB(25) / PAGE_SIZE, UINT64_MAX) == MIB(7), "below the line, in the next range down");
    CHECK(pool_alloc(&p, MIB(10) / PAGE_SIZE, UINT64_MAX) == MIB(118), "no room below it: the highest block");
    CHECK(pool_alloc(&p, MIB(2) / PAGE_SIZE, MIB(30)) == MIB(5), "a limit under the line still applies");
    CHECK(pool_alloc(&p, MIB(20) / PAGE_SIZE, UINT64_MAX) == 0, "no 20 MiB block anywhere");
    pool_prefer_below(&p, UINT64_MAX);
    CHECK(pool_alloc(&p, 1, UINT64_MAX) == MIB(118) - PAGE_SIZE, "preference off: the highest page");
}

TEST(pool_exhaustion) {
    struct pool p;
    region st[4];
    region map[] = {R(MIB(1), KIB(64), KILN_MEMORY_USABLE), R(MIB(2), KIB(32), KILN_MEMORY_USABLE)};
    pool_init(&p, map, 2, MIB(1), st, 4);
    CHECK(pool_alloc(&p, 9, UINT64_MAX) == MIB(1) + KIB(64) - 9 * PAGE_SIZE, "9 pages only fit the lower range");
    uint64_t got[32];
    unsigned n = 0;
    for (uint64_t a; n < 32 && (a = pool_alloc(&p, 1, UINT64_MAX)) != 0;) got[n++] = a;
    CHECK(n == 15, "%u pages handed out, want 15", n);
    bool ordered = true;
    for (unsigned i = 1; i < n; i++) ordered = ordered && got[i] < got[i - 1];
    CHECK(ordered && got[0] == MIB(2) + KIB(32) - PAGE_SIZE, "top-down, distinct");
    CHECK(pool_free_bytes(&p) == 0 && p.n == 0, "empty: %zu ranges", p.n);
}

/* What a kernel that does not fit is told (issue 10): the largest block of
 * touching free ranges, and all free memory. */
TEST(free_memory_largest_block_and_total) {
    region map[] = {R(0x100000, 0x300000, KILN_MEMORY_USABLE), R(0x400000, 0x200000, KILN_MEMORY_USABLE),
                    R(0x800000, 0x400000, KILN_MEMORY_USABLE)};
    region store[8];
    struct pool p;
    pool_init(&p, map, ARRAY_LEN(map), 0x100000, store, ARRAY_LEN(store));
    uint64_t largest, total;
    pool_free_memory(&p, &largest, &total);
    CHECK(largest == 0x500000 && total == 0x900000, "touching ranges are one block: largest %llx, total %llx",
          (unsigned long long)largest, (unsigned long long)total);
    pool_exclude(&p, 0x300000, 0x1000);
    pool_free_memory(&p, &largest, &total);
    CHECK(largest == 0x400000 && total == 0x8ff000, "split: largest %llx, total %llx", (unsigned long long)largest,
          (unsigned long long)total);
    p.n = 0;
    pool_free_memory(&p, &largest, &total);
    CHECK(largest == 0 && total == 0, "empty pool");
}
