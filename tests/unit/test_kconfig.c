/* test_kconfig.c - core/kconfig.c: the kernel's KILN_CONFIG record. */
#include <stdlib.h>
#include <string.h>

#include "core/kconfig.h"
#include "tests/unit/testlib.h"

#define rnd test_rand

static struct kiln_config record(void) {
    struct kiln_config c;
    memset(&c, 0, sizeof c);
    c.header = (struct kiln_config_header)KILN_CONFIG_HEADER_INIT;
    return c;
}

/* Resolves an exact-size heap copy of the first `size` bytes of raw. */
static bool resolve_n(const void *raw, uint64_t size, struct kiln_config *out, kiln_err *e) {
    void *copy = NULL;
    if (raw) {
        copy = malloc(size ? size : 1);
        memcpy(copy, raw, size);
    }
    memset(e, 0, sizeof *e);
    bool ok = kconfig_resolve(copy, size, out, e);
    free(copy);
    return ok;
}
static bool resolve(const struct kiln_config *raw, struct kiln_config *out, kiln_err *e) {
    return resolve_n(raw, sizeof *raw, out, e);
}

#define EXPECT_RESOLVE_FAIL(raw, want) EXPECT_RESOLVE_FAIL_N(raw, sizeof *(raw), want)
#define EXPECT_RESOLVE_FAIL_N(raw, size, want) \
    do { \
        struct kiln_config o_; \
        kiln_err e_; \
        if (resolve_n(raw, size, &o_, &e_)) \
            test_fail_at(__FILE__, __LINE__, "accepted; want an error containing \"%s\"", want); \
        else if (!strstr(e_.msg, want)) \
            test_fail_at(__FILE__, __LINE__, "error \"%s\" does not contain \"%s\"", e_.msg, want); \
    } while (0)

static bool is_default(const struct kiln_config *o) {
    struct kiln_config_header h = KILN_CONFIG_HEADER_INIT;
    return memcmp(&o->header, &h, sizeof h) == 0 && o->stack_size == KIB(64) && o->stack == KILN_DYNAMIC &&
           o->boot_info == KILN_DYNAMIC && o->framebuffer == KILN_DYNAMIC && o->modules == KILN_DYNAMIC &&
           o->physical_memory == KILN_DYNAMIC && o->recursive == KILN_NONE && o->kernel_base == KILN_DEFAULT &&
           o->dynamic_start == UINT64_C(0xffff800000000000) && o->dynamic_end == UINT64_C(0xffffff8000000000) &&
           o->aslr == 0 && o->fb_mode == KILN_FB_AUTO && o->fb_width == 0 && o->fb_height == 0 &&
           o->smp == KILN_SMP_NONE && o->smp_x2apic == 0 && o->paging_levels_min == 4 && o->paging_levels_max == 4 &&
           o->reserved[0] == 0 && o->reserved[1] == 0;
}

TEST(k_defaults) {
    struct kiln_config out, raw = record();
    kiln_err e;
    memset(&out, 0x77, sizeof out);
    CHECK(kconfig_resolve(NULL, 0, &out, &e) && is_default(&out), "no record: %s", e.msg);
    memset(&out, 0x77, sizeof out);
    CHECK(resolve(&raw, &out, &e) && is_default(&out), "empty record: %s", e.msg);
}

TEST(k_stack_size) {
    static const uint64_t cases[][2] = {{1, 4096}, {4096, 4096}, {5000, 8192}, {KIB(128), KIB(128)}, {GIB(1), GIB(1)}};
    for (unsigned i = 0; i < ARRAY_LEN(cases); i++) {
        struct kiln_config out, raw = record();
        kiln_err e;
        raw.stack_size = cases[i][0];
        CHECK(resolve(&raw, &out, &e) && out.stack_size == cases[i][1], "stack_size %llu -> %llu (%s)",
              (unsigned long long)cases[i][0], (unsigned long long)out.stack_size, e.msg);
    }
    struct kiln_config raw = record();
    raw.stack_size = GIB(1) + 1;
    EXPECT_RESOLVE_FAIL(&raw, "stack_size 1073741825 is over the 1 GiB limit");
    raw.stack_size = UINT64_MAX;
    EXPECT_RESOLVE_FAIL(&raw, "over the 1 GiB limit");
}

TEST(k_placements) {
    static const struct {
        size_t off;
        const char *name;
        bool none_ok;
    } fields[] = {
        {offsetof(struct kiln_config, stack), "stack", false},
        {offsetof(struct kiln_config, boot_info), "boot_info", false},
        {offsetof(struct kiln_config, framebuffer), "framebuffer", true},
        {offsetof(struct kiln_config, modules), "modules", true},
        {offsetof(struct kiln_config, physical_memory), "physical_memory", true},
    };
    for (unsigned i = 0; i < ARRAY_LEN(fields); i++) {
        struct kiln_config raw = record(), out;
        uint64_t *f = (uint64_t *)((char *)&raw + fields[i].off);
        const uint64_t *o = (const uint64_t *)((const char *)&out + fields[i].off);
        kiln_err e;
        char want[120];
        *f = KILN_DYNAMIC;
        CHECK(resolve(&raw, &out, &e) && *o == KILN_DYNAMIC, "%s dynamic: %s", fields[i].name, e.msg);
        *f = UINT64_C(0xffffc00000000000);
        CHECK(resolve(&raw, &out, &e) && *o == UINT64_C(0xffffc00000000000), "%s fixed: %s", fields[i].name, e.msg);
        *f = 0x200000; /* lower half is fine too */
        CHECK(resolve(&raw, &out, &e) && *o == 0x200000, "%s low: %s", fields[i].name, e.msg);
        *f = KILN_NONE;
        if (fields[i].none_ok) {
            CHECK(resolve(&raw, &out, &e) && *o == KILN_NONE, "%s none: %s", fields[i].name, e.msg);
        } else {
            snprintf(want, sizeof want, "config: %s cannot be KILN_NONE", fields[i].name);
            EXPECT_RESOLVE_FAIL(&raw, want);
        }
        *f = UINT64_C(0xffffc00000000123);
        snprintf(want, sizeof want, "config: %s address 0xffffc00000000123 is not 4 KiB aligned", fields[i].name);
        EXPECT_RESOLVE_FAIL(&raw, want);
        *f = 3; /* just above the special values */
        EXPECT_RESOLVE_FAIL(&raw, "is not 4 KiB aligned");
        *f = UINT64_C(0x0000800000000000);
        snprintf(want, sizeof want, "config: %s address 0x800000000000 is not canonical", fields[i].name);
        EXPECT_RESOLVE_FAIL(&raw, want);
        *f = UINT64_C(0xfff0000000000000);
        EXPECT_RESOLVE_FAIL(&raw, "is not canonical");
    }
}

TEST(k_physical_map_alignment) {
    struct kiln_config raw = record(), out;
    kiln_err e;
    raw.physical_memory = UINT64_C(0xffffc00000001000);
    EXPECT_RESOLVE_FAIL(&raw, "config: physical_memory address 0xffffc00000001000 is not 2 MiB aligned");
    raw.physical_memory = UINT64_C(0xffffc00000200000);
    CHECK(resolve(&raw, &out, &e) && out.physical_memory == UINT64_C(0xffffc00000200000), "2 MiB aligned: %s", e.msg);
}

TEST(k_slot_macro) {
    CHECK(KILN_SLOT(0) == 0 && KILN_SLOT(1) == UINT64_C(0x0000008000000000) &&
              KILN_SLOT(255) == UINT64_C(0x00007f8000000000) && KILN_SLOT(256) == UINT64_C(0xffff800000000000) &&
              KILN_SLOT(510) == UINT64_C(0xffffff0000000000) && KILN_SLOT(511) == UINT64_C(0xffffff8000000000),
          "KILN_SLOT values");
    for (unsigned i = 0; i < 512; i++)
        CHECK(va_canonical(KILN_SLOT(i)) && ((KILN_SLOT(i) >> 39) & 511) == i && (KILN_SLOT(i) & (GIB(512) - 1)) == 0,
              "KILN_SLOT(%u) = 0x%llx", i, (unsigned long long)KILN_SLOT(i));
}

TEST(k_recursive) {
    static const unsigned slots[] = {255, 256, 510, 511, 1};
    for (unsigned i = 0; i < ARRAY_LEN(slots); i++) {
        struct kiln_config raw = record(), out;
        kiln_err e;
        raw.recursive = KILN_SLOT(slots[i]);
        CHECK(resolve(&raw, &out, &e) && out.recursive == KILN_SLOT(slots[i]) &&
                  ((out.recursive >> 39) & 511) == slots[i],
              "KILN_SLOT(%u): %s", slots[i], e.msg);
    }
    /* KILN_SLOT(0) is 0, which is KILN_DEFAULT: "no recursive mapping" */
    struct kiln_config raw = record(), out;
    kiln_err e;
    raw.recursive = KILN_SLOT(0);
    CHECK(resolve(&raw, &out, &e) && out.recursive == KILN_NONE, "KILN_SLOT(0) resolves to none");
    raw.recursive = KILN_DYNAMIC;
    CHECK(resolve(&raw, &out, &e) && out.recursive == KILN_DYNAMIC, "dynamic");
    raw.recursive = KILN_NONE;
    CHECK(resolve(&raw, &out, &e) && out.recursive == KILN_NONE, "none");
    raw.recursive = KILN_SLOT(300) + 0x1000;
    EXPECT_RESOLVE_FAIL(&raw, "recursive 0xffff960000001000 is not a PML4 slot address (use KILN_SLOT(i))");
    raw.recursive = KILN_SLOT(300) + GIB(1);
    EXPECT_RESOLVE_FAIL(&raw, "is not a PML4 slot address");
    raw.recursive = UINT64_C(256) << 39; /* slot 256 without the sign extension */
    EXPECT_RESOLVE_FAIL(&raw, "recursive address 0x800000000000 is not canonical");
    raw.recursive = KILN_SLOT(300) + 1;
    EXPECT_RESOLVE_FAIL(&raw, "not 4 KiB aligned");
}

TEST(k_kernel_base) {
    struct kiln_config raw = record(), out;
    kiln_err e;
    raw.kernel_base = KILN_NONE;
    EXPECT_RESOLVE_FAIL(&raw, "config: kernel_base cannot be KILN_NONE");
    raw.kernel_base = KILN_DYNAMIC;
    CHECK(resolve(&raw, &out, &e) && out.kernel_base == KILN_DYNAMIC, "dynamic: %s", e.msg);
    raw.kernel_base = UINT64_C(0xffffffff80000000);
    CHECK(resolve(&raw, &out, &e) && out.kernel_base == UINT64_C(0xffffffff80000000), "fixed: %s", e.msg);
    raw.kernel_base = UINT64_C(0xffffffff80000010);
    EXPECT_RESOLVE_FAIL(&raw, "kernel_base address 0xffffffff80000010 is not 4 KiB aligned");
    raw.kernel_base = UINT64_C(0x0000900000000000);
    EXPECT_RESOLVE_FAIL(&raw, "kernel_base address 0x900000000000 is not canonical");
}

TEST(k_dynamic_range) {
    static const struct {
        uint64_t s, t;
        bool ok;
    } cases[] = {
        {UINT64_C(0xffffc00000000000), UINT64_C(0xffffd00000000000), true},
        {0x100000000, UINT64_C(0x0000800000000000), true}, /* the whole lower half above 4 GiB */
        {UINT64_C(0xffff800000000000), 0, true},           /* end defaulted */
        {0, UINT64_C(0xffffc00000000000), true},           /* start defaulted */
        {UINT64_C(0xffffd00000000000), UINT64_C(0xffffc00000000000), false}, /* reversed */
        {UINT64_C(0xffffc00000000000), UINT64_C(0xffffc00000000000), false}, /* empty */
        {UINT64_C(0xffffc00000000800), UINT64_C(0xffffd00000000000), false}, /* unaligned */
        {UINT64_C(0xffffc00000000000), UINT64_C(0xffffd00000000010), false},
        {UINT64_C(0x0000900000000000), UINT64_C(0xffffd00000000000), false}, /* non-canonical start */
        {0x1000, UINT64_C(0xffff900000000000), false},                       /* across the hole */
        {0x1000, UINT64_C(0x0000800000001000), false},                       /* end in the hole */
        {UINT64_C(0xffffff9000000000), 0, false},                            /* start past the default end */
    };
    for (unsigned i = 0; i < ARRAY_LEN(cases); i++) {
        struct kiln_config raw = record(), out;
        kiln_err e;
        raw.dynamic_start = cases[i].s;
        raw.dynamic_end = cases[i].t;
        bool ok = resolve(&raw, &out, &e);
        CHECK(ok == cases[i].ok, "range 0x%llx-0x%llx: %s", (unsigned long long)cases[i].s,
              (unsigned long long)cases[i].t, ok ? "accepted" : e.msg);
        if (!ok && !cases[i].ok)
            CHECK(strstr(e.msg, "must be page-aligned, ordered and canonical") != NULL, "message: %s", e.msg);
        if (ok && cases[i].ok)
            CHECK(out.dynamic_start == (cases[i].s ? cases[i].s : UINT64_C(0xffff800000000000)) &&
                      out.dynamic_end == (cases[i].t ? cases[i].t : UINT64_C(0xffffff8000000000)),
                  "resolved range");
    }
}

TEST(k_versions) {
    struct kiln_config raw = record(), out;
    kiln_err e;
    raw.header.version_major = 2;
    raw.header.version_minor = 3;
    char want[128];
    snprintf(want, sizeof want, "the kernel was built against kiln.h 2.3, but this Kiln speaks %u.%u",
             KILN_VERSION_MAJOR, KILN_VERSION_MINOR);
    EXPECT_RESOLVE_FAIL(&raw, want);
    EXPECT_RESOLVE_FAIL(&raw, "use a Kiln of major version 2");
    raw.header.version_major = 0;
    EXPECT_RESOLVE_FAIL(&raw, "kiln.h 0.3");
    /* a newer minor: accepted, unknown tail ignored, reserved fields not judged */
    uint8_t *newer = calloc(1, 200);
    raw = record();
    raw.header.version_minor = KILN_VERSION_MINOR + 1;
    raw.header.size = 200;
    raw.stack_size = KIB(256);
    raw.reserved[0] = 0x1234; /* a field of the newer minor */
    memcpy(newer, &raw, sizeof raw);
    memset(newer + sizeof raw, 0xab, 200 - sizeof raw);
    CHECK(resolve_n(newer, 200, &out, &e) && out.stack_size == KIB(256) && out.header.version_minor == KILN_VERSION_MINOR + 1,
          "newer minor: %s", e.msg);
    free(newer);
    /* the same reserved field with today's minor is an error */
    raw.header.version_minor = KILN_VERSION_MINOR;
    raw.header.size = sizeof raw;
    EXPECT_RESOLVE_FAIL(&raw, "config: reserved field 0 is not zero");
    raw.reserved[0] = 0;
    raw.reserved[1] = 1;
    EXPECT_RESOLVE_FAIL(&raw, "reserved field 1 is not zero");
}

/* The 1.1 wishes: smp and paging levels, with their defaults. */
TEST(k_smp_and_paging_levels) {
    struct kiln_config raw = record(), out;
    kiln_err e;
    CHECK(resolve_n(&raw, sizeof raw, &out, &e) && out.smp == KILN_SMP_NONE && out.smp_x2apic == 0 &&
              out.paging_levels_min == 4 && out.paging_levels_max == 4,
          "defaults: %s", e.msg);
    raw.paging_levels_min = 5;
    CHECK(resolve_n(&raw, sizeof raw, &out, &e) && out.paging_levels_min == 5 && out.paging_levels_max == 5,
          "min 5 alone means 5: %s", e.msg);
    raw.paging_levels_min = 0;
    raw.paging_levels_max = 5;
    CHECK(resolve_n(&raw, sizeof raw, &out, &e) && out.paging_levels_min == 4 && out.paging_levels_max == 5,
          "max 5 alone means 4-5: %s", e.msg);
    raw.paging_levels_min = 5;
    raw.paging_levels_max = 4;
    EXPECT_RESOLVE_FAIL(&raw, "config: paging levels 5-4");
    raw.paging_levels_min = 3;
    raw.paging_levels_max = 0;
    EXPECT_RESOLVE_FAIL(&raw, "paging levels 3-3: each must be 4 or 5");
    raw = record();
    raw.smp = 2;
    EXPECT_RESOLVE_FAIL(&raw, "config: smp must be KILN_SMP_NONE (0) or KILN_SMP_START (1), not 2");
    raw.smp = KILN_SMP_START;
    raw.smp_x2apic = 7;
    EXPECT_RESOLVE_FAIL(&raw, "config: smp_x2apic must be 0 or 1, not 7");
    raw.smp_x2apic = 1;
    CHECK(resolve_n(&raw, sizeof raw, &out, &e) && out.smp == KILN_SMP_START && out.smp_x2apic == 1, "smp start: %s",
          e.msg);
}

TEST(k_sizes_and_magic) {
    struct kiln_config raw = record();
    raw.header.size = 100;
    EXPECT_RESOLVE_FAIL(&raw, "config: KILN_CONFIG record is 100 bytes, kiln.h 1.0 made 152");
    raw = record();
    EXPECT_RESOLVE_FAIL_N(&raw, 23, "config: KILN_CONFIG record truncated");
    EXPECT_RESOLVE_FAIL_N(&raw, 151, "KILN_CONFIG record claims 152 bytes but only 151 are in the file");
    raw.header.size = UINT32_MAX;
    EXPECT_RESOLVE_FAIL(&raw, "claims 4294967295 bytes but only 152");
    raw = record();
    raw.header.magic1 ^= 1;
    EXPECT_RESOLVE_FAIL(&raw, "does not start with the KILN_CONFIG magic");
    raw = record();
    raw.header.magic0 = 0;
    EXPECT_RESOLVE_FAIL(&raw, "KILN_CONFIG magic");
    /* more bytes available than the record claims is fine (the magic scan finds such records) */
    uint8_t *big = calloc(1, 4096);
    raw = record();
    memcpy(big, &raw, sizeof raw);
    struct kiln_config out;
    kiln_err e;
    CHECK(resolve_n(big, 4096, &out, &e) && is_default(&out), "record in a bigger window: %s", e.msg);
    free(big);
}

TEST(k_other_fields) {
    struct kiln_config raw = record(), out;
    kiln_err e;
    raw.aslr = 1;
    CHECK(resolve(&raw, &out, &e) && out.aslr == 1, "aslr 1");
    raw.aslr = 2;
    EXPECT_RESOLVE_FAIL(&raw, "config: aslr must be 0 or 1, not 2");
    raw = record();
    raw.fb_mode = KILN_FB_MODE_COUNT;
    EXPECT_RESOLVE_FAIL(&raw, "config: unknown fb_mode 6");
    raw.fb_mode = KILN_FB_PREFERRED;
    raw.fb_width = 65536;
    raw.fb_height = 600;
    EXPECT_RESOLVE_FAIL(&raw, "config: framebuffer size 65536x600 is too large");
    static const uint32_t sized[] = {KILN_FB_PREFERRED, KILN_FB_MAX, KILN_FB_MIN};
    for (unsigned i = 0; i < 3; i++) {
        char want[80];
        raw = record();
        raw.fb_mode = sized[i];
        raw.fb_width = 800;
        snprintf(want, sizeof want, "config: fb_mode %s needs fb_width and fb_height", kconfig_fb_mode_name(sized[i]));
        EXPECT_RESOLVE_FAIL(&raw, want);
        raw.fb_height = 600;
        CHECK(resolve(&raw, &out, &e) && out.fb_mode == sized[i] && out.fb_width == 800 && out.fb_height == 600,
              "fb_mode %u 800x600: %s", sized[i], e.msg);
    }
    raw = record();
    raw.fb_mode = KILN_FB_KEEP;
    CHECK(resolve(&raw, &out, &e), "keep needs no size: %s", e.msg);
}

/* Random records: whatever kconfig_resolve accepts is fully resolved. */
TEST(k_fuzz) {
    static const uint64_t vals[] = {
        0, 1, 2, 3, 0x1000, 0x1001, 0x200000, UINT64_C(0x7ffffffff000), UINT64_C(0x800000000000),
        UINT64_C(0xffff800000000000), UINT64_C(0xffff7ffffffff000), UINT64_C(0xffffff0000000000),
        UINT64_C(0xffffff8000000000), UINT64_C(0xffffffff80000000), UINT64_C(0xff00000000000000),
        UINT64_C(0x00ff000000000000), UINT64_C(0x0100000000000000), UINT64_C(0xfffffffffffff000), UINT64_MAX, GIB(1),
        GIB(1) + 1, KIB(64), KIB(64) + 5,
    };
    test_seed(UINT64_C(0x6b636f6e66696721));
    unsigned accepted = 0;
    for (unsigned it = 0; it < 50000 && !test_failed_now(); it++) {
        struct kiln_config raw = record(), out;
        uint64_t *f[] = {&raw.stack_size, &raw.stack,     &raw.boot_info,   &raw.framebuffer,  &raw.modules,
                         &raw.physical_memory, &raw.recursive, &raw.kernel_base, &raw.dynamic_start, &raw.dynamic_end};
        for (unsigned k = 0; k < ARRAY_LEN(f); k++)
            if (rnd() % 3 == 0) *f[k] = rnd() % 4 ? vals[rnd() % ARRAY_LEN(vals)] : rnd();
        if (rnd() % 4 == 0) raw.aslr = (uint32_t)(rnd() % 3);
        if (rnd() % 4 == 0) raw.fb_mode = (uint32_t)(rnd() % 7);
        if (rnd() % 4 == 0) raw.fb_width = (uint32_t)(rnd() % 3 ? rnd() % 2000 : rnd());
        if (rnd() % 4 == 0) raw.fb_height = (uint32_t)(rnd() % 3 ? rnd() % 2000 : rnd());
        if (rnd() % 16 == 0) raw.reserved[rnd() % 2] = rnd();
        if (rnd() % 8 == 0) raw.smp = (uint32_t)(rnd() % 3);
        if (rnd() % 8 == 0) raw.paging_levels_min = (uint32_t)(rnd() % 7);
        if (rnd() % 8 == 0) raw.paging_levels_max = (uint32_t)(rnd() % 7);
        if (rnd() % 16 == 0) raw.header.version_minor = (uint16_t)rnd();
        kiln_err e;
        if (!resolve(&raw, &out, &e)) {
            CHECK(strncmp(e.msg, "config: ", 8) == 0, "iteration %u: message \"%s\"", it, e.msg);
            continue;
        }
        accepted++;
        unsigned w = va_bits(out.paging_levels_max); /* 57-bit addresses when 5 levels are allowed */
        const uint64_t pl[] = {out.stack, out.boot_info, out.framebuffer, out.modules, out.physical_memory, out.recursive};
        bool ok = out.stack_size >= PAGE_SIZE && out.stack_size <= GIB(1) && !(out.stack_size & (PAGE_SIZE - 1)) &&
                  out.stack != KILN_NONE && out.boot_info != KILN_NONE && out.kernel_base != KILN_NONE;
        for (unsigned k = 0; k < ARRAY_LEN(pl); k++)
            ok = ok && pl[k] != KILN_DEFAULT &&
                 (pl[k] == KILN_NONE || pl[k] == KILN_DYNAMIC || (!(pl[k] & (PAGE_SIZE - 1)) && va_canonical_bits(pl[k], w)));
        ok = ok && (out.recursive == KILN_NONE || out.recursive == KILN_DYNAMIC || !(out.recursive & (GIB(512) - 1)));
        ok = ok && (out.kernel_base == KILN_DEFAULT || out.kernel_base == KILN_DYNAMIC ||
                    (!(out.kernel_base & (PAGE_SIZE - 1)) && va_canonical_bits(out.kernel_base, w)));
        ok = ok && out.smp <= KILN_SMP_START && out.paging_levels_min >= 4 &&
             out.paging_levels_min <= out.paging_levels_max && out.paging_levels_max <= 5;
        ok = ok && out.dynamic_start < out.dynamic_end && !((out.dynamic_start | out.dynamic_end) & (PAGE_SIZE - 1)) &&
             va_canonical_bits(out.dynamic_start, w) && va_canonical_bits(out.dynamic_end - 1, w) &&
             (out.dynamic_start >> (w - 1)) == ((out.dynamic_end - 1) >> (w - 1));
        ok = ok && out.aslr <= 1 && out.fb_mode < KILN_FB_MODE_COUNT && out.fb_width <= 65535 && out.fb_height <= 65535;
        CHECK(ok, "iteration %u: accepted an unresolved config", it);
    }
    CHECK(accepted > 1000, "only %u of 50000 accepted", accepted);
}

TEST(k_names) {
    char buf[32];
    CHECK(strcmp(kconfig_placement_str(KILN_DEFAULT, buf, sizeof buf), "default") == 0 &&
              strcmp(kconfig_placement_str(KILN_NONE, buf, sizeof buf), "none") == 0 &&
              strcmp(kconfig_placement_str(KILN_DYNAMIC, buf, sizeof buf), "dynamic") == 0,
          "special placements");
    CHECK(kconfig_placement_str(UINT64_C(0xffffffff80000000), buf, sizeof buf) == buf &&
              strcmp(buf, "0xffffffff80000000") == 0,
          "address: %s", buf);
    static const char *modes[] = {"auto", "keep", "preferred", "max", "min", "none"};
    for (uint32_t i = 0; i < KILN_FB_MODE_COUNT; i++)
        CHECK(strcmp(kconfig_fb_mode_name(i), modes[i]) == 0, "fb mode %u", i);
    CHECK(strcmp(kconfig_fb_mode_name(KILN_FB_MODE_COUNT), "?") == 0, "unknown fb mode");
}

/* 57-bit addresses: accepted when the kernel allows 5-level paging, refused
 * (saying so) when it does not. */
TEST(k_la57_addresses) {
    struct kiln_config raw = record(), out;
    kiln_err e;
    raw.stack = UINT64_C(0xff00000000100000);
    CHECK(!resolve(&raw, &out, &e) && strstr(e.msg, "not canonical (with 4-level paging; 5-level paging needs "
                                                    "paging_levels_max = 5)"),
          "a 57-bit stack without the wish: %s", e.msg);
    raw.paging_levels_max = 5;
    CHECK(resolve(&raw, &out, &e) && out.stack == UINT64_C(0xff00000000100000) && out.paging_levels_min == 4,
          "a 57-bit stack with max = 5: %s", e.msg);
    raw.stack = UINT64_C(0xfe00000000000000);
    CHECK(!resolve(&raw, &out, &e) && strstr(e.msg, "not canonical"), "a non-canonical 57-bit address: %s", e.msg);
    raw = record();
    raw.paging_levels_max = 5;
    raw.dynamic_start = UINT64_C(0xff00000000000000);
    raw.dynamic_end = UINT64_C(0xff80000000000000);
    CHECK(resolve(&raw, &out, &e), "a 57-bit dynamic range with max = 5: %s", e.msg);
    raw.paging_levels_max = 4;
    CHECK(!resolve(&raw, &out, &e) && strstr(e.msg, "dynamic range"), "a 57-bit dynamic range with max = 4");
}
