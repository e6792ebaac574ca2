/* test_vaspace.c - core/vaspace.c: reserved ranges and the allocator for
 * dynamic placements, never in the null page or the non-canonical hole. */
#include <stdlib.h>
#include <string.h>

#include "core/vaspace.h"
#include "tests/unit/testlib.h"

#define HOLE_FIRST UINT64_C(0x0000800000000000)
#define HOLE_LAST UINT64_C(0xffff7fffffffffff)
#define DYN_START UINT64_C(0xffff800000000000)
#define DYN_END UINT64_C(0xffffff8000000000)

static bool in_hole_or_null(uint64_t s, uint64_t size) {
    uint64_t last = s + size - 1;
    return s < PAGE_SIZE || (s <= HOLE_LAST && HOLE_FIRST <= last);
}

TEST(va_alloc_skips_null_page_and_hole) {
    struct va_space vs;
    kiln_err e;
    uint64_t at;
    va_init(&vs, 0, UINT64_C(0xfffffffffffff000), false, 0);
    REQUIRE(va_alloc(&vs, PAGE_SIZE, PAGE_SIZE, 0, "a", &at, &e), "%s", e.msg);
    CHECK(at == PAGE_SIZE, "first page after the null page: 0x%llx", (unsigned long long)at);
    /* fill the lower half up to one page below the hole */
    REQUIRE(va_alloc(&vs, HOLE_FIRST - 3 * PAGE_SIZE, PAGE_SIZE, 0, "b", &at, &e), "%s", e.msg);
    CHECK(at == 2 * PAGE_SIZE, "b at 0x%llx", (unsigned long long)at);
    /* two pages no longer fit below the hole: they go above it */
    REQUIRE(va_alloc(&vs, 2 * PAGE_SIZE, PAGE_SIZE, 0, "c", &at, &e), "%s", e.msg);
    CHECK(at == HOLE_LAST + 1, "c at 0x%llx", (unsigned long long)at);
    /* one page still fits below it */
    REQUIRE(va_alloc(&vs, PAGE_SIZE, PAGE_SIZE, 0, "d", &at, &e), "%s", e.msg);
    CHECK(at == HOLE_FIRST - PAGE_SIZE, "d at 0x%llx", (unsigned long long)at);
    /* a dynamic range starting in the null page or the hole still never returns them */
    va_init(&vs, 0, GIB(1), false, 0);
    REQUIRE(va_alloc(&vs, GIB(1) - PAGE_SIZE, PAGE_SIZE, 0, "e", &at, &e), "%s", e.msg);
    CHECK(at == PAGE_SIZE, "e at 0x%llx", (unsigned long long)at);
    CHECK(!va_alloc(&vs, PAGE_SIZE, PAGE_SIZE, 0, "f", &at, &e) && strstr(e.msg, "no room for f (0x1000 bytes)"),
          "full: %s", e.msg);
    va_init(&vs, HOLE_FIRST, HOLE_LAST + 1 + GIB(1), false, 0);
    REQUIRE(va_alloc(&vs, MIB(2), MIB(2), 0, "g", &at, &e), "%s", e.msg);
    CHECK(at == HOLE_LAST + 1, "g at 0x%llx", (unsigned long long)at);
}

TEST(va_alloc_random_never_in_null_page_or_hole) {
    uint64_t x = 0x1234567;
    for (int round = 0; round < 200; round++) {
        struct va_space vs;
        kiln_err e;
        x = x * 6364136223846793005u + 1442695040888963407u;
        va_init(&vs, 0, UINT64_C(0xfffffffffffff000), true, x);
        uint64_t got[VA_MAX_RANGES], size[VA_MAX_RANGES];
        unsigned n = 0;
        for (int i = 0; i < 40; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            uint64_t sz = (x >> 40) % 4 == 0 ? GIB(1) << ((x >> 20) % 12) : PAGE_SIZE * (1 + (x >> 33) % 64);
            uint64_t align = PAGE_SIZE << ((x >> 50) % 19);
            uint64_t at;
            if (!va_alloc(&vs, sz, align, 0, "x", &at, &e)) continue;
            CHECK(!in_hole_or_null(at, sz) && at % align == 0 && at + sz - 1 >= at && at + sz <= UINT64_C(0xfffffffffffff000),
                  "round %d: 0x%llx (+0x%llx, align 0x%llx)", round, (unsigned long long)at, (unsigned long long)sz,
                  (unsigned long long)align);
            for (unsigned j = 0; j < n; j++)
                CHECK(at + sz <= got[j] || got[j] + size[j] <= at, "round %d: overlapping allocations", round);
            got[n] = at, size[n] = sz, n++;
        }
    }
}

TEST(va_reserve_collisions) {
    struct va_space vs;
    kiln_err e;
    va_init(&vs, DYN_START, DYN_END, false, 0);
    CHECK(!va_reserve(&vs, HOLE_FIRST + GIB(1), PAGE_SIZE, "thing", &e) &&
              strstr(e.msg, "layout: thing (0x800040000000-0x800040000fff) overlaps the non-canonical hole "
                            "(0x800000000000-0xffff7fffffffffff)"),
          "hole: %s", e.msg);
    CHECK(!va_reserve(&vs, 0, PAGE_SIZE, "zero", &e) && strstr(e.msg, "overlaps the null page (0x0-0xfff)"), "null: %s",
          e.msg);
    CHECK(!va_reserve(&vs, UINT64_C(0xfffffffffffff000), 0x2000, "top", &e) &&
              strstr(e.msg, "layout: top at 0xfffffffffffff000 (+0x2000) wraps past the top of the address space"),
          "wrap: %s", e.msg);
    CHECK(va_reserve(&vs, UINT64_C(0xfffffffffffff000), 0x1000, "last page", &e), "the last page: %s", e.msg);
    CHECK(va_reserve(&vs, 0x5000, 0, "empty", &e) && va_reserve(&vs, 0x5000, 0, "empty", &e), "size 0 reserves nothing");
    CHECK(va_reserve(&vs, 0x5000, 0x1000, "a", &e), "a");
    CHECK(!va_reserve(&vs, 0x4000, 0x2000, "b", &e) && strstr(e.msg, "b (0x4000-0x5fff) overlaps a (0x5000-0x5fff)"),
          "b: %s", e.msg);
    CHECK(va_reserve(&vs, 0x4000, 0x1000, "c", &e) && va_reserve(&vs, 0x6000, 0x1000, "d", &e), "neighbours touch");
    /* sorted, disjoint list */
    for (unsigned i = 1; i < vs.n; i++)
        CHECK(vs.r[i - 1].last < vs.r[i].start, "ranges %u and %u out of order", i - 1, i);
}

TEST(va_too_many_ranges) {
    struct va_space vs;
    kiln_err e;
    va_init(&vs, DYN_START, DYN_END, false, 0);
    unsigned ok = 0;
    for (unsigned i = 0; i < VA_MAX_RANGES; i++)
        if (va_reserve(&vs, DYN_START + i * 0x2000, 0x1000, "r", &e)) ok++;
    CHECK(ok == VA_MAX_RANGES - 2 && vs.n == VA_MAX_RANGES, "%u reserved, %u ranges", ok, vs.n);
    CHECK(strstr(e.msg, "layout: too many ranges (placing r)"), "%s", e.msg);
    uint64_t at;
    CHECK(!va_alloc(&vs, PAGE_SIZE, PAGE_SIZE, 0, "s", &at, &e) && strstr(e.msg, "too many ranges (placing s)"), "%s",
          e.msg);
}

TEST(va_alloc_alignment_and_offset) {
    struct va_space vs;
    kiln_err e;
    uint64_t at;
    va_init(&vs, DYN_START, DYN_END, false, 0);
    CHECK(!va_alloc(&vs, PAGE_SIZE, 3 * PAGE_SIZE, 0, "x", &at, &e) && strstr(e.msg, "layout: bad alignment for x"),
          "align not a power of two: %s", e.msg);
    CHECK(!va_alloc(&vs, PAGE_SIZE, 2048, 0, "x", &at, &e) && strstr(e.msg, "bad alignment"), "align below a page");
    CHECK(!va_alloc(&vs, PAGE_SIZE, MIB(2), MIB(2), "x", &at, &e) && strstr(e.msg, "bad alignment"), "offset = align");
    CHECK(!va_alloc(&vs, PAGE_SIZE, MIB(2), 0x800, "x", &at, &e) && strstr(e.msg, "bad alignment"), "unaligned offset");
    REQUIRE(va_alloc(&vs, PAGE_SIZE, PAGE_SIZE, 0, "p", &at, &e), "%s", e.msg);
    CHECK(at == DYN_START, "p at 0x%llx", (unsigned long long)at);
    REQUIRE(va_alloc(&vs, MIB(3), MIB(2), 0x145000, "fb", &at, &e), "%s", e.msg);
    CHECK(at == DYN_START + 0x145000, "fb at 0x%llx", (unsigned long long)at);
    REQUIRE(va_alloc(&vs, 0, PAGE_SIZE, 0, "zero", &at, &e), "%s", e.msg);
    CHECK(at == DYN_START + PAGE_SIZE && !va_reserve(&vs, at, PAGE_SIZE, "probe", &e), "size 0 takes a page at 0x%llx",
          (unsigned long long)at);
    REQUIRE(va_alloc(&vs, GIB(1), GIB(1), 0, "big", &at, &e), "%s", e.msg);
    CHECK(at == DYN_START + GIB(1), "big at 0x%llx", (unsigned long long)at);
    /* the last fit ends exactly at dyn_end */
    va_init(&vs, DYN_END - MIB(4), DYN_END, false, 0);
    REQUIRE(va_alloc(&vs, MIB(4), MIB(4), 0, "all", &at, &e), "%s", e.msg);
    CHECK(at == DYN_END - MIB(4), "all at 0x%llx", (unsigned long long)at);
    CHECK(!va_alloc(&vs, PAGE_SIZE, PAGE_SIZE, 0, "more", &at, &e), "range full");
    /* huge sizes and alignments do not wrap */
    va_init(&vs, DYN_START, UINT64_C(0xfffffffffffff000), true, 77);
    CHECK(!va_alloc(&vs, UINT64_MAX - 0xfff, PAGE_SIZE, 0, "huge", &at, &e), "huge size");
    CHECK(!va_alloc(&vs, PAGE_SIZE, UINT64_C(1) << 63, 0, "huge align", &at, &e), "huge alignment");
}
