/* test_paging.c - common/paging.c with mock_phys as page-table memory.
 *
 * Every mapping is checked twice: through pt_lookup() and by walking the
 * raw entries here, asserting the exact bits of each level (P/W only and no
 * NX in intermediate entries; W, NX, PS, PWT and the PAT bit in leaves). */
#include <string.h>

#include "common/frames.h"
#include "core/kconfig.h"
#include "core/paging.h"
#include "core/vaplan.h"
#include "tests/unit/mock_phys.h"
#include "tests/unit/pt_walk.h"
#include "tests/unit/testlib.h"

#define HIGH UINT64_C(0xffff800000000000)
#define KB UINT64_C(0xffffffff80000000)

/* Page-table pages from the mock arena; *ctx (if given) is a budget. */
static uint64_t alloc_page(void *ctx) {
    int *budget = ctx;
    if (budget) {
        if (*budget <= 0) return 0;
        (*budget)--;
    }
    return mock_phys_alloc(1, UINT64_MAX);
}

static bool new_pt(struct pt *pt, bool nx, bool gbpages) {
    kiln_err e;
    mock_phys_init(MIB(8));
    return pt_init(pt, nx, gbpages, alloc_page, NULL, phys_ptr, &e);
}

static uint64_t *tbl(uint64_t pa) { return phys_ptr(pa); }

/* The raw entries on the way to va: ent[4] is the PML4 entry, down to the
 * leaf; returns the leaf's level (3: 1 GiB, 2: 2 MiB, 1: 4 KiB) or 0. */
static int walk(const struct pt *pt, uint64_t va, uint64_t ent[5]) {
    uint64_t t = pt->pml4;
    memset(ent, 0, 5 * sizeof *ent);
    for (int level = 4; level >= 1; level--) {
        ent[level] = tbl(t)[(va >> (12 + 9 * (level - 1))) & 511];
        if (!(ent[level] & PTE_P)) return 0;
        if (level == 1 || (level <= 3 && (ent[level] & PTE_PS))) return level;
        t = ent[level] & PTE_ADDR;
    }
    return 0;
}

/* The exact leaf entry paging.h promises. */
static uint64_t want_leaf(uint64_t pa, unsigned flags, bool nx, bool large) {
    uint64_t v = pa | PTE_P;
    if (flags & MAP_W) v |= PTE_W;
    if (nx && !(flags & MAP_X)) v |= PTE_NX;
    if (flags & MAP_WC) v |= PTE_PWT | (large ? PTE_PATLARGE : PTE_PAT4K);
    if (large) v |= PTE_PS;
    return v;
}

/* Intermediate entries: present, writable, nothing else but the address of
 * a table page inside the arena. */
static bool intermediate_ok(uint64_t e) {
    uint64_t pa = e & PTE_ADDR;
    return (e & ~PTE_ADDR) == (PTE_P | PTE_W) && pa >= MOCK_PHYS_BASE && pa < MOCK_PHYS_BASE + MIB(8);
}

/* Checks one mapped address both ways. */
#define EXPECT_MAPPED(pt, va, pa, flags, psize) expect_mapped_at(__FILE__, __LINE__, pt, va, pa, flags, psize)
static void expect_mapped_at(const char *file, int line, const struct pt *pt, uint64_t va, uint64_t pa,
                             unsigned flags, uint64_t psize) {
    struct pt_lookup_result r;
    memset(&r, 0xa5, sizeof r);
    if (!pt_lookup(pt, va, &r)) {
        test_fail_at(file, line, "0x%llx is not mapped", (unsigned long long)va);
        return;
    }
    bool want_x = (flags & MAP_X) || !pt->nx;
    if (r.pa != pa || r.page_size != psize || r.w != !!(flags & MAP_W) || r.x != want_x || r.wc != !!(flags & MAP_WC))
        test_fail_at(file, line, "lookup 0x%llx: pa 0x%llx size 0x%llx w%d x%d wc%d; want pa 0x%llx size 0x%llx w%d x%d wc%d",
                     (unsigned long long)va, (unsigned long long)r.pa, (unsigned long long)r.page_size, r.w, r.x, r.wc,
                     (unsigned long long)pa, (unsigned long long)psize, !!(flags & MAP_W), want_x, !!(flags & MAP_WC));
    uint64_t ent[5];
    int level = walk(pt, va, ent);
    int want_level = psize == GIB(1) ? 3 : psize == MIB(2) ? 2 : 1;
    if (level != want_level) {
        test_fail_at(file, line, "0x%llx: leaf at level %d, want %d", (unsigned long long)va, level, want_level);
        return;
    }
    for (int l = 4; l > level; l--)
        if (!intermediate_ok(ent[l]))
            test_fail_at(file, line, "0x%llx: level-%d entry 0x%llx is not a plain P|W table pointer",
                         (unsigned long long)va, l, (unsigned long long)ent[l]);
    uint64_t leaf = want_leaf(pa & ~(psize - 1), flags, pt->nx, level > 1);
    if (ent[level] != leaf)
        test_fail_at(file, line, "0x%llx: leaf 0x%016llx, want 0x%016llx", (unsigned long long)va,
                     (unsigned long long)ent[level], (unsigned long long)leaf);
}

static bool mapped(const struct pt *pt, uint64_t va) {
    struct pt_lookup_result r;
    return pt_lookup(pt, va, &r);
}

/* pt_map that must fail with a message containing want. */
#define EXPECT_MAP_FAIL(pt, va, pa, size, flags, want) \
    do { \
        kiln_err e_; \
        memset(&e_, 0, sizeof e_); \
        if (pt_map(pt, va, pa, size, flags, &e_)) \
            test_fail_at(__FILE__, __LINE__, "mapping 0x%llx succeeded; want \"%s\"", (unsigned long long)(va), want); \
        else if (!strstr(e_.msg, want)) \
            test_fail_at(__FILE__, __LINE__, "error \"%s\" does not contain \"%s\"", e_.msg, want); \
    } while (0)

#define MAP_OK(pt, va, pa, size, flags) \
    do { \
        kiln_err e_; \
        REQUIRE(pt_map(pt, va, pa, size, flags, &e_), "pt_map 0x%llx: %s", (unsigned long long)(va), e_.msg); \
    } while (0)

/* ------------------------------------------------------------------------ */

TEST(init_allocates_the_pml4) {
    struct pt pt;
    REQUIRE(new_pt(&pt, true, false), "pt_init");
    CHECK(pt.pml4 == MOCK_PHYS_BASE && pt.tables == 1 && pt.nx && !pt.gbpages, "pml4 0x%llx tables %llu",
          (unsigned long long)pt.pml4, (unsigned long long)pt.tables);
    bool empty = true;
    for (int i = 0; i < 512; i++) empty = empty && tbl(pt.pml4)[i] == 0;
    CHECK(empty, "a fresh PML4 is empty");
    CHECK(!mapped(&pt, 0) && !mapped(&pt, KB) && !mapped(&pt, HIGH), "nothing is mapped");
}

TEST(flag_combinations_4k) {
    static const unsigned combos[] = {0, MAP_W, MAP_X, MAP_W | MAP_X, MAP_WC, MAP_W | MAP_WC, MAP_X | MAP_WC,
                                      MAP_W | MAP_X | MAP_WC};
    for (int nx = 0; nx <= 1; nx++) {
        struct pt pt;
        REQUIRE(new_pt(&pt, nx, true), "pt_init");
        for (unsigned i = 0; i < ARRAY_LEN(combos); i++) {
            uint64_t va = KB + i * PAGE_SIZE, pa = UINT64_C(0x12345000) + i * 0x10000;
            MAP_OK(&pt, va, pa, PAGE_SIZE, combos[i]);
            EXPECT_MAPPED(&pt, va, pa, combos[i], PAGE_SIZE);
            EXPECT_MAPPED(&pt, va + 0xabc, pa + 0xabc, combos[i], PAGE_SIZE);
        }
        /* eight pages in one page table: PML4 + PDPT + PD + PT */
        CHECK(pt.tables == 4, "nx=%d: %llu table pages", nx, (unsigned long long)pt.tables);
        CHECK(!mapped(&pt, KB + 8 * PAGE_SIZE) && !mapped(&pt, KB - PAGE_SIZE), "neighbours unmapped");
    }
}

TEST(nx_bit_only_with_nx_and_without_x) {
    struct pt pt;
    uint64_t ent[5];
    REQUIRE(new_pt(&pt, true, false), "pt_init");
    MAP_OK(&pt, 0x400000, 0x400000, PAGE_SIZE, MAP_W);
    MAP_OK(&pt, 0x401000, 0x401000, PAGE_SIZE, MAP_X);
    walk(&pt, 0x400000, ent);
    CHECK(ent[1] >> 63 == 1, "data page has bit 63");
    walk(&pt, 0x401000, ent);
    CHECK(ent[1] >> 63 == 0, "code page has no bit 63");
    REQUIRE(new_pt(&pt, false, false), "pt_init");
    MAP_OK(&pt, 0x400000, 0x400000, PAGE_SIZE, MAP_W);
    walk(&pt, 0x400000, ent);
    CHECK(ent[1] >> 63 == 0, "without NX support bit 63 is never set (it would be reserved)");
}

TEST(wc_bits_4k_and_large) {
    struct pt pt;
    uint64_t ent[5];
    REQUIRE(new_pt(&pt, true, true), "pt_init");
    MAP_OK(&pt, HIGH, 0xfd000000, PAGE_SIZE, MAP_W | MAP_WC);
    MAP_OK(&pt, HIGH + MIB(2), 0xfd200000, MIB(2), MAP_W | MAP_WC | MAP_LARGE);
    MAP_OK(&pt, HIGH + GIB(1), GIB(3), GIB(1), MAP_W | MAP_WC | MAP_LARGE);
    REQUIRE(walk(&pt, HIGH, ent) == 1, "4K leaf");
    CHECK((ent[1] & (PTE_PWT | PTE_PCD | (UINT64_C(1) << 7))) == (PTE_PWT | (UINT64_C(1) << 7)) &&
              !(ent[1] & (UINT64_C(1) << 12)),
          "4K WC: PWT and PAT at bit 7: 0x%llx", (unsigned long long)ent[1]);
    REQUIRE(walk(&pt, HIGH + MIB(2), ent) == 2, "2M leaf");
    CHECK((ent[2] & (PTE_PWT | PTE_PCD | PTE_PS | (UINT64_C(1) << 12))) == (PTE_PWT | PTE_PS | (UINT64_C(1) << 12)),
          "2M WC: PWT, PS and PAT at bit 12: 0x%llx", (unsigned long long)ent[2]);
    REQUIRE(walk(&pt, HIGH + GIB(1), ent) == 3, "1G leaf");
    CHECK((ent[3] & (PTE_PWT | PTE_PCD | PTE_PS | (UINT64_C(1) << 12))) == (PTE_PWT | PTE_PS | (UINT64_C(1) << 12)),
          "1G WC: PWT, PS and PAT at bit 12: 0x%llx", (unsigned long long)ent[3]);
    EXPECT_MAPPED(&pt, HIGH + 0x123, 0xfd000123, MAP_W | MAP_WC, PAGE_SIZE);
    EXPECT_MAPPED(&pt, HIGH + MIB(2) + 0x12345, 0xfd212345, MAP_W | MAP_WC, MIB(2));
    EXPECT_MAPPED(&pt, HIGH + GIB(1) + 0x1234567, GIB(3) + 0x1234567, MAP_W | MAP_WC, GIB(1));
    /* a large page without WC has neither PWT nor bit 12 */
    MAP_OK(&pt, HIGH + MIB(4), 0x800000, MIB(2), MAP_W | MAP_LARGE);
    walk(&pt, HIGH + MIB(4), ent);
    CHECK(!(ent[2] & (PTE_PWT | (UINT64_C(1) << 12))), "2M without WC: 0x%llx", (unsigned long long)ent[2]);
}

/* A framebuffer far above RAM (here at 576 GiB, where a 64-bit BAR may sit)
 * placed by the layout plan and mapped the way boot.c maps it: the virtual
 * address keeps the physical offset within 2 MiB, so large pages apply. */
TEST(framebuffer_above_512_gib) {
    struct pt pt;
    REQUIRE(new_pt(&pt, true, true), "pt_init");
    const uint64_t fb_phys = UINT64_C(0x9000000000) + MIB(2) + 0x5000, fb_size = 1920 * 1080 * 4;
    struct elf_image img = {.type = 2, .nrun = 1, .run = {{UINT64_C(0xffffffff80000000), UINT64_C(0xffffffff80010000)}},
                            .min_vaddr = UINT64_C(0xffffffff80000000), .max_vaddr = UINT64_C(0xffffffff80010000),
                            .entry = UINT64_C(0xffffffff80000000), .max_align = PAGE_SIZE};
    struct kiln_config cfg;
    kiln_err e;
    REQUIRE(kconfig_resolve(NULL, 0, &cfg, &e), "%s", e.msg);
    struct plan_input in = {.elf = &img, .cfg = &cfg, .phys_map_size = GIB(4), .fb_phys = fb_phys, .fb_size = fb_size,
                            .boot_info_size = PAGE_SIZE, .kernel_file_size = PAGE_SIZE};
    struct boot_plan plan;
    REQUIRE(plan_build(&in, &plan, &e), "%s", e.msg);
    CHECK((plan.fb & (MIB(2) - 1)) == (fb_phys & (MIB(2) - 1)), "fb at 0x%llx keeps the offset of 0x%llx",
          (unsigned long long)plan.fb, (unsigned long long)fb_phys);
    uint64_t pstart = align_down(fb_phys, PAGE_SIZE), pend = align_up(fb_phys + fb_size, PAGE_SIZE);
    MAP_OK(&pt, align_down(plan.fb, PAGE_SIZE), pstart, pend - pstart, MAP_W | MAP_WC | MAP_LARGE);
    EXPECT_MAPPED(&pt, plan.fb, fb_phys, MAP_W | MAP_WC, PAGE_SIZE);
    /* whole 2 MiB frames inside use large pages; the partial tail 4 KiB ones */
    uint64_t mid = align_up(fb_phys, MIB(2)) + MIB(2) - fb_phys;
    EXPECT_MAPPED(&pt, plan.fb + mid, fb_phys + mid, MAP_W | MAP_WC, MIB(2));
    EXPECT_MAPPED(&pt, plan.fb + fb_size - 4, fb_phys + fb_size - 4, MAP_W | MAP_WC, PAGE_SIZE);
}

TEST(large_2m_pages_only_when_aligned_and_asked) {
    struct pt pt;
    REQUIRE(new_pt(&pt, true, true), "pt_init");
    /* aligned, MAP_LARGE: one PD entry */
    MAP_OK(&pt, KB, MIB(32), MIB(2), MAP_W | MAP_LARGE);
    EXPECT_MAPPED(&pt, KB, MIB(32), MAP_W, MIB(2));
    EXPECT_MAPPED(&pt, KB + MIB(2) - 1, MIB(34) - 1, MAP_W, MIB(2));
    CHECK(pt.tables == 3, "2M page needs PML4, PDPT, PD: %llu", (unsigned long long)pt.tables);
    /* no MAP_LARGE: 4K pages even though aligned */
    MAP_OK(&pt, KB + MIB(2), MIB(36), MIB(2), MAP_W);
    EXPECT_MAPPED(&pt, KB + MIB(2), MIB(36), MAP_W, PAGE_SIZE);
    EXPECT_MAPPED(&pt, KB + MIB(4) - PAGE_SIZE, MIB(38) - PAGE_SIZE, MAP_W, PAGE_SIZE);
    /* va aligned but pa only 4K-aligned: 4K pages */
    MAP_OK(&pt, KB + MIB(4), MIB(40) + PAGE_SIZE, MIB(2), MAP_LARGE);
    EXPECT_MAPPED(&pt, KB + MIB(4), MIB(40) + PAGE_SIZE, 0, PAGE_SIZE);
    /* aligned but shorter than 2M: 4K pages */
    MAP_OK(&pt, KB + MIB(6), MIB(44), MIB(2) - PAGE_SIZE, MAP_LARGE);
    EXPECT_MAPPED(&pt, KB + MIB(6), MIB(44), 0, PAGE_SIZE);
    CHECK(!mapped(&pt, KB + MIB(8) - PAGE_SIZE), "the page past the short range");
    /* an unaligned start: 4K up to the boundary, 2M in the middle, 4K at the end */
    MAP_OK(&pt, KB + MIB(10) - PAGE_SIZE, MIB(50) - PAGE_SIZE, MIB(2) + 2 * PAGE_SIZE, MAP_X | MAP_LARGE);
    EXPECT_MAPPED(&pt, KB + MIB(10) - PAGE_SIZE, MIB(50) - PAGE_SIZE, MAP_X, PAGE_SIZE);
    EXPECT_MAPPED(&pt, KB + MIB(10), MIB(50), MAP_X, MIB(2));
    EXPECT_MAPPED(&pt, KB + MIB(12), MIB(52), MAP_X, PAGE_SIZE);
    CHECK(!mapped(&pt, KB + MIB(12) + PAGE_SIZE), "end of the mixed range");
}

/* pt_map walks from the top once per table and reuses the page directory
 * and page table of the step before while va stays under them: 4 KiB pages
 * across 2 MiB and 1 GiB boundaries in one call, every page where it
 * belongs and exactly the tables needed. */
TEST(small_pages_across_table_boundaries) {
    struct pt pt;
    REQUIRE(new_pt(&pt, true, true), "pt_init");
    uint64_t va = HIGH + GIB(1) - MIB(1), pa = MIB(100) + PAGE_SIZE;
    MAP_OK(&pt, va, pa, MIB(4), MAP_W | MAP_LARGE); /* pa unaligned: 4 KiB pages only */
    unsigned wrong = 0;
    for (uint64_t off = 0; off < MIB(4); off += PAGE_SIZE) {
        struct pt_lookup_result r;
        wrong += !pt_lookup(&pt, va + off, &r) || r.pa != pa + off || r.page_size != PAGE_SIZE || !r.w;
    }
    CHECK(wrong == 0, "%u of 1024 pages wrong", wrong);
    CHECK(!mapped(&pt, va - PAGE_SIZE) && !mapped(&pt, va + MIB(4)), "only the range is mapped");
    /* PML4, PDPT, two page directories (one a GiB), three page tables */
    CHECK(pt.tables == 7, "%llu table pages", (unsigned long long)pt.tables);
    /* A second call continuing in the same page table finds it again. */
    MAP_OK(&pt, va + MIB(4), pa + MIB(4), PAGE_SIZE, 0);
    EXPECT_MAPPED(&pt, va + MIB(4), pa + MIB(4), 0, PAGE_SIZE);
    CHECK(pt.tables == 7, "%llu table pages after the second call", (unsigned long long)pt.tables);
}

TEST(gb_pages_only_with_gbpages) {
    struct pt pt;
    REQUIRE(new_pt(&pt, true, true), "pt_init");
    MAP_OK(&pt, HIGH, 0, GIB(1), MAP_W | MAP_LARGE);
    EXPECT_MAPPED(&pt, HIGH + 0x3456789, 0x3456789, MAP_W, GIB(1));
    CHECK(pt.tables == 2, "1G page needs PML4 and PDPT: %llu", (unsigned long long)pt.tables);
    /* pa only 2M-aligned: 2M pages */
    MAP_OK(&pt, HIGH + GIB(1), GIB(4) + MIB(2), GIB(1), MAP_W | MAP_LARGE);
    EXPECT_MAPPED(&pt, HIGH + GIB(1), GIB(4) + MIB(2), MAP_W, MIB(2));
    EXPECT_MAPPED(&pt, HIGH + GIB(2) - 1, GIB(5) + MIB(2) - 1, MAP_W, MIB(2));
    /* without gbpages: 2M pages */
    REQUIRE(new_pt(&pt, true, false), "pt_init");
    MAP_OK(&pt, HIGH, 0, GIB(1), MAP_W | MAP_LARGE);
    EXPECT_MAPPED(&pt, HIGH + 0x3456789, 0x3456789, MAP_W, MIB(2));
    CHECK(pt.tables == 3, "PML4, PDPT, PD: %llu", (unsigned long long)pt.tables);
}

TEST(physical_map_6g) {
    for (int gb = 0; gb <= 1; gb++) {
        struct pt pt;
        REQUIRE(new_pt(&pt, true, gb), "pt_init");
        MAP_OK(&pt, HIGH, 0, GIB(6), MAP_W | MAP_LARGE);
        uint64_t psize = gb ? GIB(1) : MIB(2);
        CHECK(pt.tables == (gb ? 2u : 8u), "gbpages=%d: %llu table pages", gb, (unsigned long long)pt.tables);
        static const uint64_t probes[] = {0, 0x1000, GIB(1) + 12345, GIB(4) - 1, GIB(4), GIB(6) - 1};
        for (unsigned i = 0; i < ARRAY_LEN(probes); i++) EXPECT_MAPPED(&pt, HIGH + probes[i], probes[i], MAP_W, psize);
        CHECK(!mapped(&pt, HIGH + GIB(6)) && !mapped(&pt, HIGH - 1), "only 6 GiB is mapped");
        /* every PDPT entry of the range is filled, the 7th is not */
        uint64_t ent[5];
        walk(&pt, HIGH, ent);
        uint64_t *pdpt = tbl(ent[4] & PTE_ADDR);
        CHECK((pdpt[5] & PTE_P) && !(pdpt[6] & PTE_P), "PDPT entries 0-5 only");
    }
}

TEST(stack_with_guard_page) {
    struct pt pt;
    REQUIRE(new_pt(&pt, true, true), "pt_init");
    uint64_t bottom = HIGH + GIB(2) + PAGE_SIZE; /* the guard page is HIGH + 2 GiB */
    MAP_OK(&pt, bottom, MIB(64), KIB(64), MAP_W);
    CHECK(!mapped(&pt, bottom - PAGE_SIZE) && !mapped(&pt, bottom - 1), "the guard page is not mapped");
    EXPECT_MAPPED(&pt, bottom, MIB(64), MAP_W, PAGE_SIZE);
    EXPECT_MAPPED(&pt, bottom + KIB(64) - 8, MIB(64) + KIB(64) - 8, MAP_W, PAGE_SIZE);
    CHECK(!mapped(&pt, bottom + KIB(64)), "nothing above the stack");
}

TEST(already_mapped) {
    struct pt pt;
    REQUIRE(new_pt(&pt, true, true), "pt_init");
    MAP_OK(&pt, KB, 0x100000, PAGE_SIZE, MAP_W);
    EXPECT_MAP_FAIL(&pt, KB, 0x200000, PAGE_SIZE, MAP_W, "0xffffffff80000000 is already mapped");
    /* a range whose second page collides names that page */
    MAP_OK(&pt, KB + 0x2000, 0x300000, PAGE_SIZE, 0);
    EXPECT_MAP_FAIL(&pt, KB + 0x1000, 0x400000, 2 * PAGE_SIZE, 0, "0xffffffff80002000 is already mapped");
    /* 4K inside a 2M page */
    MAP_OK(&pt, KB + MIB(2), MIB(2), MIB(2), MAP_LARGE);
    EXPECT_MAP_FAIL(&pt, KB + MIB(3), 0x500000, PAGE_SIZE, 0, "0xffffffff80300000 is already mapped by a large page");
    /* 2M over a page table already holding 4K pages */
    EXPECT_MAP_FAIL(&pt, KB, 0, MIB(2), MAP_LARGE, "0xffffffff80000000 is already mapped");
    /* 1G over a populated PDPT entry, and 4K inside a 1G page */
    EXPECT_MAP_FAIL(&pt, KB, 0, GIB(1), MAP_LARGE, "already mapped");
    MAP_OK(&pt, HIGH, 0, GIB(1), MAP_LARGE);
    EXPECT_MAP_FAIL(&pt, HIGH + MIB(2), 0, PAGE_SIZE, 0, "0xffff800000200000 is already mapped by a large page");
    EXPECT_MAP_FAIL(&pt, HIGH, 0, GIB(1), MAP_LARGE, "0xffff800000000000 is already mapped");
    /* the first mapping is intact */
    EXPECT_MAPPED(&pt, KB, 0x100000, MAP_W, PAGE_SIZE);
}

TEST(bad_requests) {
    struct pt pt;
    REQUIRE(new_pt(&pt, true, true), "pt_init");
    EXPECT_MAP_FAIL(&pt, KB + 1, 0, PAGE_SIZE, 0, "unaligned mapping");
    EXPECT_MAP_FAIL(&pt, KB, 0x800, PAGE_SIZE, 0, "unaligned mapping");
    EXPECT_MAP_FAIL(&pt, KB, 0, 0x1800, 0, "unaligned mapping");
    EXPECT_MAP_FAIL(&pt, UINT64_C(0x0000800000000000), 0, PAGE_SIZE, 0, "0x800000000000 (+0x1000) is not a canonical range");
    EXPECT_MAP_FAIL(&pt, UINT64_C(0xffff7ffffffff000), 0, PAGE_SIZE, 0, "not a canonical range");
    EXPECT_MAP_FAIL(&pt, UINT64_C(0x00007ffffffff000), 0, 2 * PAGE_SIZE, 0, "not a canonical range"); /* into the hole */
    EXPECT_MAP_FAIL(&pt, 0x1000, 0, UINT64_C(0xffff800000000000), 0, "not a canonical range");     /* over the hole */
    EXPECT_MAP_FAIL(&pt, UINT64_C(0xfffffffffffff000), 0, 2 * PAGE_SIZE, 0, "not a canonical range"); /* wraps */
    EXPECT_MAP_FAIL(&pt, KB, UINT64_C(1) << 52, PAGE_SIZE, 0, "physical 0x10000000000000 (+0x1000) is beyond 2^52");
    EXPECT_MAP_FAIL(&pt, KB, (UINT64_C(1) << 52) - PAGE_SIZE, 2 * PAGE_SIZE, 0, "beyond 2^52");
    EXPECT_MAP_FAIL(&pt, KB, UINT64_MAX & ~UINT64_C(0xfff), PAGE_SIZE, 0, "beyond 2^52");
    CHECK(pt.tables == 1, "failed requests allocate nothing: %llu", (unsigned long long)pt.tables);
    /* the edges themselves are fine */
    MAP_OK(&pt, UINT64_C(0x00007ffffffff000), (UINT64_C(1) << 52) - PAGE_SIZE, PAGE_SIZE, 0);
    EXPECT_MAPPED(&pt, UINT64_C(0x00007ffffffff000), (UINT64_C(1) << 52) - PAGE_SIZE, 0, PAGE_SIZE);
    MAP_OK(&pt, UINT64_C(0xffffffffffffe000), 0, PAGE_SIZE, 0);
    EXPECT_MAPPED(&pt, UINT64_C(0xffffffffffffe000), 0, 0, PAGE_SIZE);
    kiln_err e;
    CHECK(pt_map(&pt, KB, 0, 0, 0, &e) && !mapped(&pt, KB), "size 0 maps nothing and succeeds");
}

static uint64_t sx(uint64_t va) { return va & (UINT64_C(1) << 47) ? va | UINT64_C(0xffff000000000000) : va; }

TEST(recursive_slot) {
    static const unsigned slots[] = {510, 256, 1};
    for (unsigned s = 0; s < ARRAY_LEN(slots); s++) {
        uint64_t r = slots[s];
        struct pt pt;
        kiln_err e;
        REQUIRE(new_pt(&pt, true, true), "pt_init");
        uint64_t v = KB + 0x5000; /* a 4K mapping to find through the recursion */
        MAP_OK(&pt, v, 0x777000, PAGE_SIZE, MAP_W);
        REQUIRE(pt_map_recursive(&pt, (unsigned)r, &e), "pt_map_recursive %llu: %s", (unsigned long long)r, e.msg);
        CHECK(tbl(pt.pml4)[r] == (pt.pml4 | PTE_P | PTE_W | PTE_NX), "slot %llu entry 0x%llx", (unsigned long long)r,
              (unsigned long long)tbl(pt.pml4)[r]);

        /* the PML4 itself: slot r four times */
        uint64_t self = sx(r << 39 | r << 30 | r << 21 | r << 12);
        struct pt_lookup_result lr;
        CHECK(pt_lookup(&pt, self, &lr) && lr.pa == pt.pml4 && lr.page_size == PAGE_SIZE && lr.w && !lr.x,
              "slot %llu: PML4 at 0x%llx -> 0x%llx", (unsigned long long)r, (unsigned long long)self,
              (unsigned long long)lr.pa);
        /* the PML4 entry of v, the PDPT, PD and PT entries of v */
        uint64_t ent[5], tpa[5];
        walk(&pt, v, ent);
        tpa[4] = pt.pml4;
        for (int l = 3; l >= 1; l--) tpa[l] = ent[l + 1] & PTE_ADDR;
        uint64_t addr[5] = {0,
                            sx(r << 39 | ((v >> 9) & UINT64_C(0x7ffffffff8))),
                            sx(r << 39 | r << 30 | ((v >> 18) & UINT64_C(0x3ffffff8))),
                            sx(r << 39 | r << 30 | r << 21 | ((v >> 27) & UINT64_C(0x1ffff8))),
                            sx(r << 39 | r << 30 | r << 21 | r << 12 | ((v >> 36) & UINT64_C(0xff8)))};
        for (int l = 1; l <= 4; l++) {
            uint64_t idx = (v >> (12 + 9 * (l - 1))) & 511;
            bool ok = pt_lookup(&pt, addr[l], &lr);
            CHECK(ok && lr.pa == tpa[l] + idx * 8 && *(uint64_t *)phys_ptr(lr.pa) == ent[l],
                  "slot %llu: level-%d entry of 0x%llx at 0x%llx -> 0x%llx, want 0x%llx", (unsigned long long)r, l,
                  (unsigned long long)v, (unsigned long long)addr[l], (unsigned long long)(ok ? lr.pa : 0),
                  (unsigned long long)(tpa[l] + idx * 8));
        }
        CHECK(*(uint64_t *)phys_ptr(tpa[1] + ((v >> 12) & 511) * 8) == want_leaf(0x777000, MAP_W, true, false),
              "the PTE found is v's leaf");
        /* nothing else appears mapped through the slot */
        CHECK(!mapped(&pt, sx(r << 39 | UINT64_C(0x12345) << 12)), "an empty PML4 slot seen through the recursion");
        /* mapping inside the slot would write through the PML4 into other slots */
        uint64_t before[512];
        memcpy(before, tbl(pt.pml4), sizeof before);
        EXPECT_MAP_FAIL(&pt, sx(r << 39), 0, PAGE_SIZE, 0, "is in the recursive slot");
        EXPECT_MAP_FAIL(&pt, sx(r << 39 | UINT64_C(0x1ff) << 30), 0, GIB(1), MAP_LARGE, "is in the recursive slot");
        CHECK(memcmp(before, tbl(pt.pml4), sizeof before) == 0, "slot %llu: the PML4 changed", (unsigned long long)r);
        CHECK(!pt_map_recursive(&pt, (unsigned)r, &e) && strstr(e.msg, "already in use"), "slot used twice: %s", e.msg);
    }
    struct pt pt;
    kiln_err e;
    REQUIRE(new_pt(&pt, true, true), "pt_init");
    CHECK(!pt_map_recursive(&pt, 512, &e) && strstr(e.msg, "recursive index 512 out of range"), "index 512: %s", e.msg);
    MAP_OK(&pt, KB, 0, PAGE_SIZE, 0);
    CHECK(!pt_map_recursive(&pt, 511, &e) && strstr(e.msg, "PML4 slot 511 is already in use"), "slot 511: %s", e.msg);
}

TEST(recursive_without_nx) {
    struct pt pt;
    kiln_err e;
    REQUIRE(new_pt(&pt, false, true), "pt_init");
    REQUIRE(pt_map_recursive(&pt, 300, &e), "%s", e.msg);
    CHECK(tbl(pt.pml4)[300] == (pt.pml4 | PTE_P | PTE_W), "no NX bit without NX support: 0x%llx",
          (unsigned long long)tbl(pt.pml4)[300]);
}

TEST(out_of_memory_reported) {
    struct pt pt;
    kiln_err e;
    int budget = 0;
    mock_phys_init(MIB(1));
    CHECK(!pt_init(&pt, true, true, alloc_page, &budget, phys_ptr, &e) && strstr(e.msg, "out of memory for the PML4"),
          "pt_init without memory: %s", e.msg);
    budget = 2; /* PML4 and a PDPT, no PD */
    REQUIRE(pt_init(&pt, true, true, alloc_page, &budget, phys_ptr, &e), "pt_init");
    memset(&e, 0, sizeof e);
    CHECK(!pt_map(&pt, KB, 0, PAGE_SIZE, 0, &e) && strstr(e.msg, "paging: out of memory for page tables"),
          "pt_map without memory: \"%s\"", e.msg);
    CHECK(pt.tables == 2 && !mapped(&pt, KB), "tables %llu", (unsigned long long)pt.tables);
    /* a 1 GiB page needs no table beyond the PDPT already there */
    CHECK(pt_map(&pt, KB, 0, GIB(1), MAP_LARGE, &e), "1 GiB page with no memory left: %s", e.msg);
    CHECK(!pt_map(&pt, HIGH, 0, GIB(1), MAP_LARGE, &e) && strstr(e.msg, "out of memory for page tables"),
          "a new slot needs a PDPT: %s", e.msg);
    /* the arena itself running dry is reported the same way */
    budget = 1000;
    mock_phys_init(3 * PAGE_SIZE);
    REQUIRE(pt_init(&pt, true, false, alloc_page, &budget, phys_ptr, &e), "pt_init");
    CHECK(!pt_map(&pt, KB, 0, PAGE_SIZE, 0, &e) && strstr(e.msg, "out of memory for page tables"), "%s", e.msg);
}

/* 5 levels: a 57-bit address is mapped through a PML5; the 57-bit hole and
 * the recursive PML5 slot are refused like their 4-level counterparts. */
TEST(five_levels) {
    struct pt pt;
    kiln_err e;
    REQUIRE(new_pt(&pt, true, true), "pt_init");
    pt.levels = 5;
    uint64_t va = UINT64_C(0xff12345678901000);
    REQUIRE(pt_map(&pt, va, MIB(1), PAGE_SIZE, MAP_W, &e), "57-bit mapping: %s", e.msg);
    REQUIRE(pt_map(&pt, UINT64_C(0xffffffff80000000), MIB(2), MIB(2), MAP_X | MAP_LARGE, &e), "the top 2 GiB: %s",
            e.msg);
    struct pt_lookup_result r;
    CHECK(pt_lookup(&pt, va, &r) && r.pa == MIB(1) && r.w && !r.x, "found through the PML5");
    CHECK(pt_lookup(&pt, UINT64_C(0xffffffff80000000) + 0x1234, &r) && r.pa == MIB(2) + 0x1234 && r.x, "2 MiB page");
    uint64_t pml5e = tbl(pt.pml4)[(va >> 48) & 511];
    CHECK((pml5e & PTE_P) && ((UINT64_C(0xffffffff80000000) >> 48) & 511) == 511, "PML5 entry present");
    CHECK(!pt_map(&pt, UINT64_C(0x0100000000000000), MIB(4), PAGE_SIZE, 0, &e) && strstr(e.msg, "not a canonical"),
          "the 57-bit hole mapped: %s", e.msg);
    CHECK(pt_map(&pt, UINT64_C(0x0000800000000000), MIB(4), PAGE_SIZE, 0, &e),
          "the 48-bit hole is ordinary memory with 5 levels: %s", e.msg);
    REQUIRE(pt_map_recursive(&pt, 400, &e), "recursive: %s", e.msg);
    CHECK(!pt_map(&pt, UINT64_C(0xff90000000000000), MIB(4), PAGE_SIZE, 0, &e) && strstr(e.msg, "recursive slot"),
          "mapped through the recursive PML5 slot: %s", e.msg);
    pt.levels = 4;
    CHECK(!pt_map(&pt, UINT64_C(0x0000900000000000), MIB(4), PAGE_SIZE, 0, &e) && strstr(e.msg, "not a canonical"),
          "a 57-bit address with 4 levels: %s", e.msg);
}
