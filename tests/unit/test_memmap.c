/* test_memmap.c - common/memmap.c: memmap_sanitize on hand-written firmware
 * maps with exact expected outputs, then against a reference model (paint
 * each granule with the winning kind, merge, trim) on random maps, plus the
 * firmware type translation tables.
 *
 * sanitize's out and scratch buffers are heap blocks of exactly the
 * documented sizes (2n + 1 and 2n), so ASan catches any overrun. */
#include <stdlib.h>
#include <string.h>

#include "core/memmap.h"
#include "core/util.h"
#include "tests/unit/testlib.h"

#define USABLE KILN_MEMORY_USABLE
#define RESERVED KILN_MEMORY_RESERVED
#define ACPI KILN_MEMORY_ACPI_RECLAIMABLE
#define NVS KILN_MEMORY_ACPI_NVS
#define BAD KILN_MEMORY_BAD
#define BLR KILN_MEMORY_BOOTLOADER_RECLAIMABLE
#define KERNEL KILN_MEMORY_KERNEL
#define STACK KILN_MEMORY_KERNEL_STACK
#define PTABLES KILN_MEMORY_PAGE_TABLES
#define BOOTINFO KILN_MEMORY_BOOT_INFO
#define MODULE KILN_MEMORY_MODULE
#define FB KILN_MEMORY_FRAMEBUFFER
#define RUNTIME KILN_MEMORY_FIRMWARE_RUNTIME
#define NONE KILN_FIRMWARE_TYPE_NONE
#define MAX_PHYS (UINT64_C(1) << 52)

typedef struct kiln_memory_region region;
#define R(b, l, k, t) ((region){(b), (l), (k), (t)})

/* memmap_sanitize with exactly-sized buffers; the result is copied to res. */
static size_t sanitize(const region *in, size_t n, region *res, size_t res_cap) {
    region *out = malloc((2 * n + 1) * sizeof *out);
    uint64_t *scratch = malloc(2 * n * sizeof *scratch + (n == 0));
    size_t m = memmap_sanitize(in, n, out, scratch);
    if (m > 2 * n + 1) m = 2 * n + 1; /* (reported as a mismatch by the caller) */
    memcpy(res, out, MIN(m, res_cap) * sizeof *out);
    free(out);
    free(scratch);
    return m;
}

static int fmt_map(char *buf, size_t len, const region *m, size_t n) {
    int w = 0;
    for (size_t i = 0; i < n && (size_t)w < len; i++)
        w += snprintf(buf + w, len - (size_t)w, "[%llx+%llx k%u t%d] ", (unsigned long long)m[i].base,
                      (unsigned long long)m[i].length, m[i].kind, (int)m[i].firmware_type);
    return w;
}

/* Sanitizes `in` and requires exactly `want`. */
#define EXPECT_MAP(in, want) expect_map_at(__FILE__, __LINE__, in, ARRAY_LEN(in), want, ARRAY_LEN(want))
static void expect_map_at(const char *file, int line, const region *in, size_t n, const region *want, size_t nw) {
    region got[256];
    size_t m = sanitize(in, n, got, ARRAY_LEN(got));
    bool same = m == nw;
    for (size_t i = 0; same && i < m; i++)
        same = got[i].base == want[i].base && got[i].length == want[i].length && got[i].kind == want[i].kind &&
               got[i].firmware_type == want[i].firmware_type;
    if (!same) {
        char a[200], b[200];
        fmt_map(a, sizeof a, got, MIN(m, ARRAY_LEN(got)));
        fmt_map(b, sizeof b, want, nw);
        test_fail_at(file, line, "got %zu: %s; want %zu: %s", m, a, nw, b);
    }
}

/* The contract of the output, checked without knowing the input. */
static bool invariants(const region *m, size_t n, char *why, size_t len) {
    for (size_t i = 0; i < n; i++) {
        const region *r = &m[i];
        if (r->length == 0) return snprintf(why, len, "entry %zu is empty", i), false;
        if (r->base >= MAX_PHYS || r->length > MAX_PHYS - r->base)
            return snprintf(why, len, "entry %zu beyond 2^52", i), false;
        if ((r->kind == USABLE || r->kind == BLR) && ((r->base | r->length) & (PAGE_SIZE - 1)))
            return snprintf(why, len, "entry %zu (kind %u) not page aligned", i, r->kind), false;
        if (i == 0) continue;
        const region *p = &m[i - 1];
        if (p->base + p->length > r->base) return snprintf(why, len, "entries %zu, %zu unsorted or overlapping", i - 1, i), false;
        if (p->base + p->length == r->base && p->kind == r->kind && p->firmware_type == r->firmware_type)
            return snprintf(why, len, "entries %zu, %zu adjacent and equal", i - 1, i), false;
    }
    return true;
}

/* ------------------------------------------------------------------------
 * Hand-written maps
 * ------------------------------------------------------------------------ */

TEST(empty_map) {
    region got[1];
    CHECK(sanitize(NULL, 0, got, 1) == 0, "empty input gives an empty map");
}

TEST(e820_classic_pc) {
    /* a typical QEMU/SeaBIOS E820 map, plus a reserved hole inside high RAM */
    region in[] = {
        R(0x0, 0x9fc00, USABLE, 1),
        R(0x9fc00, 0x400, RESERVED, 2),
        R(0xf0000, 0x10000, RESERVED, 2),
        R(0x100000, 0x7ee0000, USABLE, 1),
        R(0x7fe0000, 0x20000, RESERVED, 2),
        R(0x4000000, 0x1000, RESERVED, 2), /* inside the usable range */
        R(0xfffc0000, 0x40000, RESERVED, 2),
    };
    region want[] = {
        R(0x0, 0x9f000, USABLE, 1), /* the partial page before 0x9fc00 is not usable */
        R(0x9fc00, 0x400, RESERVED, 2),
        R(0xf0000, 0x10000, RESERVED, 2),
        R(0x100000, 0x3f00000, USABLE, 1),
        R(0x4000000, 0x1000, RESERVED, 2),
        R(0x4001000, 0x3fdf000, USABLE, 1),
        R(0x7fe0000, 0x20000, RESERVED, 2),
        R(0xfffc0000, 0x40000, RESERVED, 2),
    };
    EXPECT_MAP(in, want);
}

TEST(usable_inside_reserved_disappears) {
    region in[] = {R(0xf0000, 0x10000, RESERVED, 2), R(0xf8000, 0x1000, USABLE, 1)};
    region want[] = {R(0xf0000, 0x10000, RESERVED, 2)};
    EXPECT_MAP(in, want);
}

TEST(reserved_straddling_usable_boundary) {
    region in[] = {
        R(0x100000, 0x100000, USABLE, 1),
        R(0x1ff800, 0x1800, RESERVED, 2),
        R(0x200000, 0x100000, USABLE, 1),
    };
    region want[] = {
        R(0x100000, 0xff000, USABLE, 1),
        R(0x1ff800, 0x1800, RESERVED, 2),
        R(0x201000, 0xff000, USABLE, 1),
    };
    EXPECT_MAP(in, want);
}

TEST(acpi_overlapping_usable) {
    region in[] = {R(0x0, 0x10000, USABLE, 1), R(0x8000, 0x10000, ACPI, 3)};
    region want[] = {R(0x0, 0x8000, USABLE, 1), R(0x8000, 0x10000, ACPI, 3)};
    EXPECT_MAP(in, want);
    /* ACPI NVS outranks ACPI reclaimable */
    region in2[] = {R(0x8000, 0x10000, ACPI, 3), R(0xc000, 0x1000, NVS, 4)};
    region want2[] = {R(0x8000, 0x4000, ACPI, 3), R(0xc000, 0x1000, NVS, 4), R(0xd000, 0xb000, ACPI, 3)};
    EXPECT_MAP(in2, want2);
}

TEST(zero_length_entries_ignored) {
    region in[] = {R(0x5000, 0, RESERVED, 2), R(0x0, 0x10000, USABLE, 1), R(0x3000, 0, BAD, 5)};
    region want[] = {R(0x0, 0x10000, USABLE, 1)};
    EXPECT_MAP(in, want);
}

TEST(unaligned_usable_trimmed_inward) {
    region in[] = {R(0x1234, 0x5678 - 0x1234, USABLE, 1)};
    region want[] = {R(0x2000, 0x3000, USABLE, 1)};
    EXPECT_MAP(in, want);
    /* less than a page after trimming: gone */
    region in2[] = {R(0x1001, 0xffe, USABLE, 1), R(0x10800, 0x1000, USABLE, 1)};
    region got[4];
    CHECK(sanitize(in2, 2, got, 4) == 0, "sub-page usable pieces vanish");
    /* bootloader-reclaimable is trimmed the same way; other kinds keep their bytes */
    region in3[] = {R(0x1800, 0x2000, BLR, NONE), R(0x5800, 0x2000, KERNEL, NONE), R(0x9800, 0x100, RESERVED, 2)};
    region want3[] = {R(0x2000, 0x1000, BLR, NONE), R(0x5800, 0x2000, KERNEL, NONE), R(0x9800, 0x100, RESERVED, 2)};
    EXPECT_MAP(in3, want3);
}

TEST(adjacent_and_overlapping_equal_merged) {
    region in[] = {
        R(0x3000, 0x2000, USABLE, 1), /* unsorted input */
        R(0x0, 0x1000, USABLE, 1),
        R(0x1000, 0x2000, USABLE, 1),
        R(0x1800, 0x800, USABLE, 1), /* overlaps an equal entry */
        R(0x6000, 0x1000, USABLE, 1), /* a hole at 0x5000 keeps it separate */
    };
    region want[] = {R(0x0, 0x5000, USABLE, 1), R(0x6000, 0x1000, USABLE, 1)};
    EXPECT_MAP(in, want);
    /* merging happens before trimming: two unaligned halves make whole pages */
    region in2[] = {R(0x1000, 0x1800, USABLE, 1), R(0x2800, 0x1800, USABLE, 1)};
    region want2[] = {R(0x1000, 0x3000, USABLE, 1)};
    EXPECT_MAP(in2, want2);
}

TEST(different_firmware_type_not_merged) {
    /* EFI: conventional (7) next to boot services data (4): both usable */
    region in[] = {R(0x0, 0x1000, USABLE, 7), R(0x1000, 0x1000, USABLE, 4), R(0x2000, 0x1000, USABLE, 7)};
    region want[] = {R(0x0, 0x1000, USABLE, 7), R(0x1000, 0x1000, USABLE, 4), R(0x2000, 0x1000, USABLE, 7)};
    EXPECT_MAP(in, want);
}

TEST(loader_records_inherit_firmware_type) {
    region in[] = {
        R(0x100000, 0xf00000, USABLE, 7),
        R(0x200000, 0x100000, KERNEL, NONE),
        R(0x300000, 0x1000, PTABLES, NONE),
        R(0x2000000, 0x1000, MODULE, NONE), /* nothing underneath */
    };
    region want[] = {
        R(0x100000, 0x100000, USABLE, 7),
        R(0x200000, 0x100000, KERNEL, 7),
        R(0x300000, 0x1000, PTABLES, 7),
        R(0x301000, 0xcff000, USABLE, 7),
        R(0x2000000, 0x1000, MODULE, NONE),
    };
    EXPECT_MAP(in, want);
}

TEST(loader_record_takes_highest_ranked_firmware_type) {
    /* a framebuffer record over usable (fw 1) and reserved (fw 2) firmware
     * entries: it wins, and inherits the reserved entry's type where both lie */
    region in[] = {
        R(0xe0000000, 0x800000, USABLE, 1),
        R(0xe0400000, 0x800000, RESERVED, 2),
        R(0xe0000000, 0x1000000, FB, NONE),
    };
    region want[] = {
        R(0xe0000000, 0x400000, FB, 1),
        R(0xe0400000, 0x800000, FB, 2),
        R(0xe0c00000, 0x400000, FB, NONE),
    };
    EXPECT_MAP(in, want);
    /* a higher-ranked firmware entry beats the loader record outright */
    region in2[] = {R(0x0, 0x3000, KERNEL, NONE), R(0x1000, 0x1000, ACPI, 3), R(0x0, 0x3000, USABLE, 1)};
    region want2[] = {R(0x0, 0x1000, KERNEL, 1), R(0x1000, 0x1000, ACPI, 3), R(0x2000, 0x1000, KERNEL, 1)};
    EXPECT_MAP(in2, want2);
}

TEST(wrap_past_2_64_clipped) {
    region in[] = {R(0x1000, UINT64_MAX, USABLE, 1)};
    region want[] = {R(0x1000, MAX_PHYS - 0x1000, USABLE, 1)};
    EXPECT_MAP(in, want);
    region in2[] = {R(MAX_PHYS - 0x3000, 0x10000, RESERVED, 2)};
    region want2[] = {R(MAX_PHYS - 0x3000, 0x3000, RESERVED, 2)};
    EXPECT_MAP(in2, want2);
}

TEST(entries_beyond_2_52_dropped) {
    region in[] = {
        R(MAX_PHYS, 0x1000, RESERVED, 2),
        R(UINT64_C(0xfffffffff0000000), 0x20000000, RESERVED, 2), /* also wraps */
        R(UINT64_C(1) << 60, 0x1000, USABLE, 1),
        R(0x0, 0x1000, USABLE, 1),
    };
    region want[] = {R(0x0, 0x1000, USABLE, 1)};
    EXPECT_MAP(in, want);
}

/* The precedence order documented in memmap.h, independently of memmap_rank(). */
static int doc_rank(uint32_t kind) {
    switch (kind) {
    case USABLE: return 0;
    case BLR: return 1;
    case KERNEL:
    case STACK:
    case PTABLES:
    case BOOTINFO:
    case MODULE: return 2;
    case ACPI: return 3;
    case RUNTIME: return 4;
    case RESERVED: return 5;
    case FB: return 6;
    case NVS: return 7;
    case BAD: return 8;
    default: return 5; /* unknown kinds count as reserved */
    }
}
/* The winner of an overlap: higher rank, then the higher kind number. */
static bool beats(uint32_t a, uint32_t b) { return doc_rank(a) != doc_rank(b) ? doc_rank(a) > doc_rank(b) : a > b; }

TEST(rank_matches_documented_order) {
    for (uint32_t a = 1; a < KILN_MEMORY_KIND_COUNT; a++)
        for (uint32_t b = 1; b < KILN_MEMORY_KIND_COUNT; b++) {
            int da = doc_rank(a), db = doc_rank(b), ma = memmap_rank(a), mb = memmap_rank(b);
            CHECK((da < db) == (ma < mb) && (da == db) == (ma == mb), "kinds %u, %u: ranks %d, %d", a, b, ma, mb);
        }
    CHECK(memmap_rank(0) == memmap_rank(RESERVED) && memmap_rank(99) == memmap_rank(RESERVED),
          "unknown kinds rank as reserved");
}

TEST(every_pair_of_kinds_overlapping) {
    /* a on [0x0, 0x3000), b on [0x1000, 0x2000), in both input orders */
    for (uint32_t a = 1; a < KILN_MEMORY_KIND_COUNT; a++)
        for (uint32_t b = 1; b < KILN_MEMORY_KIND_COUNT; b++) {
            if (a == b) continue;
            for (int order = 0; order < 2; order++) {
                region in[2] = {R(0x0, 0x3000, a, 10 + a), R(0x1000, 0x1000, b, 10 + b)};
                if (order) {
                    region t = in[0];
                    in[0] = in[1];
                    in[1] = t;
                }
                region got[5];
                size_t n = sanitize(in, 2, got, 5);
                if (beats(b, a)) {
                    CHECK(n == 3 && got[0].kind == a && got[0].base == 0 && got[0].length == 0x1000 &&
                              got[1].kind == b && got[1].base == 0x1000 && got[1].length == 0x1000 &&
                              got[1].firmware_type == 10 + b && got[2].kind == a && got[2].base == 0x2000,
                          "kind %u inside kind %u (order %d): %zu entries, middle kind %u", b, a, order, n, got[1].kind);
                } else {
                    CHECK(n == 1 && got[0].kind == a && got[0].base == 0 && got[0].length == 0x3000 &&
                              got[0].firmware_type == 10 + a,
                          "kind %u hides kind %u (order %d): %zu entries, first kind %u", a, b, order, n, got[0].kind);
                }
            }
        }
}

TEST(unknown_kinds_rank_as_reserved_ties_by_kind_number) {
    /* 66 and RESERVED (2) tie on rank: the higher kind number wins, whatever the input order */
    region in[] = {R(0x0, 0x2000, RESERVED, 2), R(0x1000, 0x2000, 66, 9)};
    region want[] = {R(0x0, 0x1000, RESERVED, 2), R(0x1000, 0x2000, 66, 9)};
    EXPECT_MAP(in, want);
    region in2[] = {R(0x1000, 0x2000, 66, 9), R(0x0, 0x2000, RESERVED, 2)};
    EXPECT_MAP(in2, want);
    /* below USABLE's rank? no: an unknown kind hides usable memory */
    region in3[] = {R(0x0, 0x3000, USABLE, 1), R(0x1000, 0x1000, 0, 99)};
    region want3[] = {R(0x0, 0x1000, USABLE, 1), R(0x1000, 0x1000, 0, 99), R(0x2000, 0x1000, USABLE, 1)};
    EXPECT_MAP(in3, want3);
}

TEST(output_never_needs_more_than_2n_plus_1) {
    /* n disjoint unaligned reserved entries interleaved with usable ones: the
     * worst case for the number of pieces */
    region in[40];
    for (unsigned i = 0; i < 40; i++)
        in[i] = i % 2 ? R(0x1000 * i + 0x10, 0x20, RESERVED, 2) : R(0x1000 * i, 0x2000, USABLE, 1);
    region got[81];
    size_t n = sanitize(in, 40, got, 81);
    char why[100] = "";
    CHECK(n <= 81 && invariants(got, n, why, sizeof why), "%zu entries: %s", n, why);
}

/* ------------------------------------------------------------------------
 * Randomized against a reference model
 * ------------------------------------------------------------------------ */

#define rnd test_rand
#define rnd_below test_rand_below

static uint32_t random_kind(void) {
    static const uint32_t unknown[] = {0, 14, 66, 200};
    if (rnd_below(32) == 0) return unknown[rnd_below(4)];
    if (rnd_below(3) == 0) return USABLE;
    return 1 + (uint32_t)rnd_below(KILN_MEMORY_KIND_COUNT - 1);
}

/* Winner of a granule: documented rank, then kind number, then input order. */
static bool model_beats(const region *in, int a, int b) {
    return b < 0 || doc_rank(in[a].kind) > doc_rank(in[b].kind) ||
           (doc_rank(in[a].kind) == doc_rank(in[b].kind) && in[a].kind > in[b].kind);
}

/* The expected map: paint each granule with the winning entry (and the
 * highest-ranked entry carrying a firmware type), merge runs of equal
 * granules, trim USABLE and BOOTLOADER_RECLAIMABLE to whole pages. */
static size_t model(const region *in, size_t n, uint64_t origin, uint64_t gran, unsigned cells, region *out,
                    int *win, int *typed) {
    for (unsigned c = 0; c < cells; c++) win[c] = typed[c] = -1;
    for (size_t i = 0; i < n; i++) {
        unsigned s = (unsigned)((in[i].base - origin) / gran), e = s + (unsigned)(in[i].length / gran);
        for (unsigned c = s; c < e; c++) {
            if (model_beats(in, (int)i, win[c])) win[c] = (int)i;
            if (in[i].firmware_type != NONE && model_beats(in, (int)i, typed[c])) typed[c] = (int)i;
        }
    }
    size_t m = 0;
    for (unsigned c = 0; c < cells; c++) {
        if (win[c] < 0) continue;
        const region *w = &in[win[c]];
        uint32_t type = w->firmware_type != NONE ? w->firmware_type : typed[c] >= 0 ? in[typed[c]].firmware_type : NONE;
        uint64_t at = origin + c * gran;
        if (m && out[m - 1].base + out[m - 1].length == at && out[m - 1].kind == w->kind &&
            out[m - 1].firmware_type == type)
            out[m - 1].length += gran;
        else
            out[m++] = R(at, gran, w->kind, type);
    }
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        region r = out[i];
        if (r.kind == USABLE || r.kind == BLR) {
            uint64_t b = align_up(r.base, PAGE_SIZE), e = align_down(r.base + r.length, PAGE_SIZE);
            if (e <= b) continue;
            r.base = b, r.length = e - b;
        }
        out[k++] = r;
    }
    return k;
}

TEST(random_maps_match_reference_model) {
    static const struct { uint64_t gran; unsigned cells, iters; } cfg[] = {
        {1, 16384, 1500},  /* byte-granular bounds over 16 KiB */
        {16, 8192, 1500},  /* 128 KiB */
        {256, 4096, 1500}, /* 1 MiB */
    };
    int *win = malloc(16384 * sizeof *win), *typed = malloc(16384 * sizeof *typed);
    region *want = malloc(16384 * sizeof *want);
    region got[81], again[163];
    test_seed(UINT64_C(0x6d656d6d61702121));
    unsigned compared = 0, nonempty = 0;
    for (unsigned k = 0; k < ARRAY_LEN(cfg); k++)
        for (unsigned it = 0; it < cfg[k].iters && !test_failed_now(); it++) {
            uint64_t gran = cfg[k].gran;
            unsigned cells = cfg[k].cells;
            /* the window starts at a random granule-aligned address, so page
             * boundaries fall anywhere relative to it */
            uint64_t origin = rnd_below(2) ? 0 : align_down(rnd_below(GIB(64)), gran);
            region in[40];
            size_t n = rnd_below(41);
            for (size_t i = 0; i < n; i++) {
                uint64_t s = rnd_below(cells), len = rnd_below(8) == 0 ? 0 : 1 + rnd_below(rnd_below(4) ? cells / 4 : cells);
                if (s + len > cells) len = cells - s;
                uint32_t kind = random_kind();
                uint32_t type = rnd_below(3) == 0 ? NONE : (uint32_t)rnd_below(6);
                in[i] = R(origin + s * gran, len * gran, kind, type);
            }
            size_t nw = model(in, n, origin, gran, cells, want, win, typed);
            size_t ng = sanitize(in, n, got, ARRAY_LEN(got));
            bool same = nw == ng;
            for (size_t i = 0; same && i < ng; i++)
                same = got[i].base == want[i].base && got[i].length == want[i].length && got[i].kind == want[i].kind &&
                       got[i].firmware_type == want[i].firmware_type;
            char why[120] = "";
            if (!same) {
                size_t i = 0;
                while (i < MIN(ng, nw) && got[i].base == want[i].base && got[i].length == want[i].length &&
                       got[i].kind == want[i].kind && got[i].firmware_type == want[i].firmware_type)
                    i++;
                CHECK(0, "config %u iteration %u: %zu entries, model %zu; first difference at %zu: got [%llx+%llx k%u t%d] want [%llx+%llx k%u t%d]",
                      k, it, ng, nw, i, (unsigned long long)(i < ng ? got[i].base : 0),
                      (unsigned long long)(i < ng ? got[i].length : 0), i < ng ? got[i].kind : 0,
                      (int)(i < ng ? got[i].firmware_type : 0), (unsigned long long)(i < nw ? want[i].base : 0),
                      (unsigned long long)(i < nw ? want[i].length : 0), i < nw ? want[i].kind : 0,
                      (int)(i < nw ? want[i].firmware_type : 0));
            } else if (!invariants(got, ng, why, sizeof why)) {
                CHECK(0, "config %u iteration %u: %s", k, it, why);
            } else {
                /* sanitizing a sanitized map changes nothing */
                size_t n2 = sanitize(got, ng, again, ARRAY_LEN(again));
                CHECK(n2 == ng && memcmp(again, got, ng * sizeof *got) == 0, "config %u iteration %u: not idempotent", k,
                      it);
            }
            compared++;
            nonempty += ng > 0;
        }
    CHECK(compared == 4500 && nonempty > 3500, "%u maps compared, %u non-empty", compared, nonempty);
    free(win);
    free(typed);
    free(want);
}

/* Random maps over the whole 64-bit range (wrapping, beyond 2^52): output
 * invariants, and at sampled points the output agrees with a direct scan. */
TEST(random_full_range_points) {
    test_seed(UINT64_C(0x66756c6c72616e67));
    for (unsigned it = 0; it < 3000 && !test_failed_now(); it++) {
        region in[24], got[49];
        size_t n = 1 + rnd_below(24);
        for (size_t i = 0; i < n; i++) {
            uint64_t b, l;
            switch (rnd_below(4)) {
            case 0: b = rnd(), l = rnd(); break;                                       /* anything */
            case 1: b = rnd_below(MAX_PHYS), l = rnd_below(GIB(64)); break;             /* below 2^52 */
            case 2: b = MAX_PHYS - rnd_below(MIB(1)), l = rnd_below(MIB(4)); break;     /* across 2^52 */
            default: b = rnd_below(MIB(16)), l = rnd_below(MIB(2)) + rnd_below(2); break; /* dense low memory */
            }
            in[i] = R(b, l, random_kind(), rnd_below(3) == 0 ? NONE : (uint32_t)rnd_below(6));
        }
        size_t m = sanitize(in, n, got, ARRAY_LEN(got));
        char why[120] = "";
        if (!invariants(got, m, why, sizeof why)) {
            CHECK(0, "iteration %u: %s", it, why);
            break;
        }
        for (int s = 0; s < 40; s++) {
            /* a point near an input boundary, or anywhere */
            const region *r = &in[rnd_below(n)];
            uint64_t p = rnd_below(3) == 0 ? rnd_below(MAX_PHYS) : (rnd_below(2) ? r->base : r->base + r->length) + rnd_below(5) - 2;
            int w = -1, t = -1;
            for (size_t i = 0; i < n; i++) {
                uint64_t end = in[i].length > MAX_PHYS - MIN(in[i].base, MAX_PHYS) ? MAX_PHYS : in[i].base + in[i].length;
                if (in[i].base >= MAX_PHYS || in[i].length == 0 || p < in[i].base || p >= end) continue;
                if (model_beats(in, (int)i, w)) w = (int)i;
                if (in[i].firmware_type != NONE && model_beats(in, (int)i, t)) t = (int)i;
            }
            const region *o = 0;
            for (size_t i = 0; i < m; i++)
                if (p >= got[i].base && p - got[i].base < got[i].length) o = &got[i];
            if (w < 0) {
                CHECK(!o, "iteration %u: 0x%llx is in no input entry but in the output", it, (unsigned long long)p);
                continue;
            }
            uint32_t type = in[w].firmware_type != NONE ? in[w].firmware_type : t >= 0 ? in[t].firmware_type : NONE;
            if (o) {
                CHECK(o->kind == in[w].kind && o->firmware_type == type, "iteration %u: 0x%llx is kind %u type %d, want %u %d",
                      it, (unsigned long long)p, o->kind, (int)o->firmware_type, in[w].kind, (int)type);
                continue;
            }
            /* only trimming may drop a point, and only a usable one near a boundary */
            bool near = false;
            for (size_t i = 0; i < n; i++) {
                uint64_t b = in[i].base, e = in[i].length > MAX_PHYS - MIN(b, MAX_PHYS) ? MAX_PHYS : b + in[i].length;
                if ((b >= p ? b - p : p - b) <= PAGE_SIZE || (e >= p ? e - p : p - e) <= PAGE_SIZE) near = true;
            }
            CHECK((in[w].kind == USABLE || in[w].kind == BLR) && near,
                  "iteration %u: 0x%llx (kind %u) missing from the output", it, (unsigned long long)p, in[w].kind);
        }
    }
}

/* ------------------------------------------------------------------------
 * Tables
 * ------------------------------------------------------------------------ */

TEST(e820_kinds) {
    static const uint32_t want[][2] = {
        {0, RESERVED}, {1, USABLE},   {2, RESERVED}, {3, ACPI},     {4, NVS},
        {5, BAD},      {6, RESERVED}, {7, RESERVED}, {12, RESERVED}, {0xf0000000u, RESERVED},
    };
    for (unsigned i = 0; i < ARRAY_LEN(want); i++)
        CHECK(memmap_e820_kind(want[i][0]) == want[i][1], "E820 type %u -> %u, want %u", want[i][0],
              memmap_e820_kind(want[i][0]), want[i][1]);
}

TEST(efi_kinds) {
    static const uint32_t want[][2] = {
        {0, RESERVED}, /* EfiReservedMemoryType */
        {1, USABLE},   /* LoaderCode */
        {2, USABLE},   /* LoaderData */
        {3, USABLE},   /* BootServicesCode */
        {4, USABLE},   /* BootServicesData */
        {5, RUNTIME},  /* RuntimeServicesCode */
        {6, RUNTIME},  /* RuntimeServicesData */
        {7, USABLE},   /* ConventionalMemory */
        {8, BAD},      /* UnusableMemory */
        {9, ACPI},     /* ACPIReclaimMemory */
        {10, NVS},     /* ACPIMemoryNVS */
        {11, RESERVED}, /* MemoryMappedIO */
        {12, RESERVED}, /* MemoryMappedIOPortSpace */
        {13, RESERVED}, /* PalCode */
        {14, RESERVED}, /* PersistentMemory */
        {15, RESERVED}, /* UnacceptedMemoryType */
        {0x70000000u, RESERVED}, /* OEM */
        {0x80000000u, RESERVED}, /* OS vendor */
    };
    for (unsigned i = 0; i < ARRAY_LEN(want); i++)
        CHECK(memmap_efi_kind(want[i][0]) == want[i][1], "EFI type %u -> %u, want %u", want[i][0],
              memmap_efi_kind(want[i][0]), want[i][1]);
}

TEST(kind_names_and_totals) {
    CHECK(strcmp(memmap_kind_name(USABLE), "usable") == 0 && strcmp(memmap_kind_name(BLR), "bootloader") == 0 &&
              strcmp(memmap_kind_name(RUNTIME), "firmware-runtime") == 0 &&
              strcmp(memmap_kind_name(FB), "framebuffer") == 0,
          "names");
    CHECK(strcmp(memmap_kind_name(0), "?") == 0 && strcmp(memmap_kind_name(KILN_MEMORY_KIND_COUNT), "?") == 0 &&
              strcmp(memmap_kind_name(UINT32_MAX), "?") == 0,
          "unknown kinds are ?");
    for (uint32_t k = 1; k < KILN_MEMORY_KIND_COUNT; k++)
        CHECK(strcmp(memmap_kind_name(k), "?") != 0, "kind %u has no name", k);
    region m[] = {R(0, 0x1000, USABLE, 1), R(0x1000, 0x500, RESERVED, 2), R(0x2000, 0x3000, USABLE, 1)};
    CHECK(memmap_total(m, 3, USABLE) == 0x4000 && memmap_total(m, 3, RESERVED) == 0x500 && memmap_total(m, 3, BAD) == 0,
          "memmap_total");
}
