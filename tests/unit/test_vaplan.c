/* test_vaplan.c - core/vaplan.c: the kernel's address space layout. Every
 * plan is checked against the same rules: each piece where the config asked
 * (or inside the dynamic range), canonical, clear of the null page, and no
 * two pieces (the stack's guard page included) sharing an address. */
#include <stdlib.h>
#include <string.h>

#include "core/kconfig.h"
#include "core/vaplan.h"
#include "core/vaspace.h"
#include "tests/unit/testlib.h"

#define KB UINT64_C(0xffffffff80000000)
#define DYN_START UINT64_C(0xffff800000000000)
#define DYN_END UINT64_C(0xffffff8000000000)

/* ELF images described directly (test_elf.c covers the parser). */
static struct elf_image exec_img(uint64_t base) {
    struct elf_image img;
    memset(&img, 0, sizeof img);
    img.type = 2;
    img.entry = base + 0x10;
    img.nseg = 3;
    img.seg[0] = (struct elf_segment){base, 0x1800, 0x1000, 0x1800, 0x1000, ELF_PF_R | ELF_PF_X, 1};
    img.seg[1] = (struct elf_segment){base + 0x2000, 0x800, 0x3000, 0x800, 0x1000, ELF_PF_R, 2};
    img.seg[2] = (struct elf_segment){base + 0x3000, 0x3000, 0x4000, 0x100, 0x1000, ELF_PF_R | ELF_PF_W, 3};
    img.nrun = 1;
    img.run[0] = (struct elf_run){base, base + 0x6000};
    img.min_vaddr = base;
    img.max_vaddr = base + 0x6000;
    img.max_align = 0x1000;
    return img;
}

static struct elf_image pie_img(uint64_t base, uint64_t max_align) {
    struct elf_image img = exec_img(base);
    img.type = 3;
    img.max_align = max_align;
    return img;
}

/* Resolved defaults, then the caller's changes. */
static struct kiln_config defaults(void) {
    struct kiln_config c;
    kiln_err e;
    if (!kconfig_resolve(NULL, 0, &c, &e)) abort();
    return c;
}

#define FB_PHYS UINT64_C(0xe0345800) /* not even page aligned: offset 0x145800 within 2 MiB */
#define FB_SIZE UINT64_C(0x300000)

static struct plan_input input(const struct elf_image *img, const struct kiln_config *c) {
    return (struct plan_input){
        .elf = img, .cfg = c, .phys_map_size = GIB(6) - MIB(1), .fb_phys = FB_PHYS, .fb_size = FB_SIZE,
        .modules_size = 0x5000, .boot_info_size = 0x3000, .kernel_file_size = 0x5100, .seed = 0,
    };
}

struct piece {
    const char *what;
    uint64_t start, size; /* size 0: absent */
    bool dynamic;         /* must lie inside the dynamic range */
};

/* The pieces of a plan, as the loader will map (or guard) them. */
static unsigned pieces(const struct plan_input *in, const struct boot_plan *p, struct piece out[8]) {
    const struct kiln_config *c = in->cfg;
    unsigned n = 0;
    /* kiln.h: a PIE loads at its link address, or anywhere if linked at 0 or with ASLR */
    bool kernel_dyn = in->elf->type == 3 && (c->kernel_base == KILN_DYNAMIC ||
                                             (c->kernel_base == KILN_DEFAULT && (in->elf->min_vaddr == 0 || c->aslr)));
    out[n++] = (struct piece){"the kernel", in->elf->min_vaddr + (uint64_t)p->bias,
                              in->elf->max_vaddr - in->elf->min_vaddr, kernel_dyn};
    if (p->has_phys)
        out[n++] = (struct piece){"phys", p->phys, align_up(in->phys_map_size, GIB(1)), c->physical_memory == KILN_DYNAMIC};
    if (p->recursive >= 0)
        out[n++] = (struct piece){"recursive", KILN_SLOT(p->recursive), GIB(512), c->recursive == KILN_DYNAMIC};
    out[n++] = (struct piece){"stack+guard", p->stack_bottom - PAGE_SIZE, p->stack_size + PAGE_SIZE, c->stack == KILN_DYNAMIC};
    out[n++] = (struct piece){"boot info", p->boot_info, in->boot_info_size, c->boot_info == KILN_DYNAMIC};
    if (p->fb)
        out[n++] = (struct piece){"fb", align_down(p->fb, PAGE_SIZE),
                                  align_up((in->fb_phys & (PAGE_SIZE - 1)) + in->fb_size, PAGE_SIZE),
                                  c->framebuffer == KILN_DYNAMIC};
    if (p->modules) out[n++] = (struct piece){"modules", p->modules, in->modules_size, c->modules == KILN_DYNAMIC};
    out[n++] = (struct piece){"kernel file", p->kernel_file, align_up(in->kernel_file_size, PAGE_SIZE), true};
    return n;
}

/* The rules every plan obeys; false with a reason. */
static bool valid(const struct plan_input *in, const struct boot_plan *p, char *why, size_t len) {
    const struct kiln_config *c = in->cfg;
    struct piece pc[8];
    unsigned n = pieces(in, p, pc);
    for (unsigned i = 0; i < n; i++) {
        uint64_t s = pc[i].start, last = pc[i].start + pc[i].size - 1;
        if (pc[i].size == 0) return snprintf(why, len, "%s is empty", pc[i].what), false;
        if (last < s || !va_canonical(s) || !va_canonical(last) || (s >> 47) != (last >> 47))
            return snprintf(why, len, "%s 0x%llx is not canonical", pc[i].what, (unsigned long long)s), false;
        if (s < PAGE_SIZE) return snprintf(why, len, "%s in the null page", pc[i].what), false;
        if (s & (PAGE_SIZE - 1)) return snprintf(why, len, "%s unaligned", pc[i].what), false;
        if (pc[i].dynamic && (s < c->dynamic_start || last > c->dynamic_end - 1))
            return snprintf(why, len, "%s 0x%llx outside the dynamic range", pc[i].what, (unsigned long long)s), false;
        for (unsigned j = 0; j < i; j++)
            if (s <= pc[j].start + pc[j].size - 1 && pc[j].start <= last)
                return snprintf(why, len, "%s and %s overlap", pc[j].what, pc[i].what), false;
        /* everything the plan placed is reserved, so nothing can be put there later */
        kiln_err e;
        struct va_space vs = p->vs;
        if (va_reserve(&vs, s, pc[i].size, "probe", &e))
            return snprintf(why, len, "%s is not reserved in the va_space", pc[i].what), false;
    }
    /* dynamic placements get their natural alignment; fixed ones are exactly where asked */
    if (p->has_phys && c->physical_memory == KILN_DYNAMIC && (p->phys & (GIB(1) - 1)))
        return snprintf(why, len, "phys not 1 GiB aligned"), false;
    if (p->has_phys != (c->physical_memory != KILN_NONE)) return snprintf(why, len, "has_phys"), false;
    if (c->physical_memory != KILN_DYNAMIC && c->physical_memory != KILN_NONE && p->phys != c->physical_memory)
        return snprintf(why, len, "fixed phys moved"), false;
    if (c->stack != KILN_DYNAMIC && p->stack_bottom != c->stack) return snprintf(why, len, "fixed stack moved"), false;
    if (c->boot_info != KILN_DYNAMIC && p->boot_info != c->boot_info) return snprintf(why, len, "fixed boot info moved"), false;
    if (p->modules && c->modules != KILN_DYNAMIC && p->modules != c->modules)
        return snprintf(why, len, "fixed modules moved"), false;
    if ((p->modules != 0) != (in->modules_size && c->modules != KILN_NONE)) return snprintf(why, len, "modules"), false;
    if ((p->fb != 0) != (in->fb_size && c->framebuffer != KILN_NONE)) return snprintf(why, len, "fb"), false;
    /* a dynamic framebuffer keeps its offset within 2 MiB (so large pages fit);
     * a fixed one is where the kernel asked, plus the offset within the page */
    if (p->fb && c->framebuffer == KILN_DYNAMIC && (p->fb & (MIB(2) - 1)) != (in->fb_phys & (MIB(2) - 1)))
        return snprintf(why, len, "fb 0x%llx loses the 2 MiB offset of 0x%llx", (unsigned long long)p->fb,
                        (unsigned long long)in->fb_phys), false;
    if (p->fb && c->framebuffer != KILN_DYNAMIC && p->fb != c->framebuffer + (in->fb_phys & (PAGE_SIZE - 1)))
        return snprintf(why, len, "fixed fb at 0x%llx", (unsigned long long)p->fb), false;
    if (in->elf->type == 3 && ((uint64_t)p->bias & (in->elf->max_align - 1)))
        return snprintf(why, len, "bias 0x%llx not aligned", (unsigned long long)p->bias), false;
    if (p->entry != in->elf->entry + (uint64_t)p->bias) return snprintf(why, len, "entry"), false;
    if (p->stack_size != c->stack_size) return snprintf(why, len, "stack size"), false;
    /* the guard page is the stack's: reserved (by the stack), never mapped by anything else */
    kiln_err e;
    struct va_space vs = p->vs;
    if (va_reserve(&vs, p->stack_bottom - PAGE_SIZE, PAGE_SIZE, "probe", &e) || !strstr(e.msg, "overlaps the kernel stack"))
        return snprintf(why, len, "guard page not reserved by the stack: %.100s", e.msg), false;
    return true;
}

#define EXPECT_PLAN(in, p) \
    do { \
        kiln_err e_; \
        char why_[160]; \
        REQUIRE(plan_build(in, p, &e_), "plan_build: %s", e_.msg); \
        REQUIRE(valid(in, p, why_, sizeof why_), "invalid plan: %s", why_); \
    } while (0)

#define EXPECT_PLAN_FAIL(in, want) \
    do { \
        kiln_err e_; \
        struct boot_plan *p_ = malloc(sizeof *p_); \
        memset(&e_, 0, sizeof e_); \
        if (plan_build(in, p_, &e_)) test_fail_at(__FILE__, __LINE__, "planned; want an error containing \"%s\"", want); \
        else if (!strstr(e_.msg, want)) \
            test_fail_at(__FILE__, __LINE__, "error \"%s\" does not contain \"%s\"", e_.msg, want); \
        free(p_); \
    } while (0)

/* ------------------------------------------------------------------------ */

TEST(default_layout_higher_half_exec) {
    struct elf_image img = exec_img(KB);
    struct kiln_config c = defaults();
    struct plan_input in = input(&img, &c);
    struct boot_plan p;
    EXPECT_PLAN(&in, &p);
    CHECK(p.bias == 0 && p.entry == KB + 0x10, "bias %lld entry 0x%llx", (long long)p.bias, (unsigned long long)p.entry);
    CHECK(p.has_phys && p.phys == DYN_START, "first fit puts the physical map at the start of the range: 0x%llx",
          (unsigned long long)p.phys);
    CHECK(p.recursive == -1, "no recursive slot by default");
    CHECK(p.stack_size == KIB(64) && p.fb && p.modules && p.boot_info && p.kernel_file, "all placed");
    CHECK((p.fb & (MIB(2) - 1)) == 0x145800, "fb 0x%llx keeps 0x145800", (unsigned long long)p.fb);
    /* the same input gives the same layout */
    struct boot_plan q;
    kiln_err e;
    REQUIRE(plan_build(&in, &q, &e), "%s", e.msg);
    CHECK(q.phys == p.phys && q.stack_bottom == p.stack_bottom && q.boot_info == p.boot_info && q.fb == p.fb &&
              q.modules == p.modules && q.kernel_file == p.kernel_file,
          "deterministic without ASLR");
}

TEST(framebuffer_offsets) {
    struct elf_image img = exec_img(KB);
    struct kiln_config c = defaults();
    static const uint64_t phys[] = {0xfd000000, 0xe0200000, 0xc0001000, 0x80000000 + MIB(2) - PAGE_SIZE, 0xe0345800};
    for (unsigned i = 0; i < ARRAY_LEN(phys); i++) {
        struct plan_input in = input(&img, &c);
        struct boot_plan p;
        in.fb_phys = phys[i];
        EXPECT_PLAN(&in, &p);
        CHECK((p.fb & (MIB(2) - 1)) == (phys[i] & (MIB(2) - 1)), "fb_phys 0x%llx -> 0x%llx", (unsigned long long)phys[i],
              (unsigned long long)p.fb);
    }
    /* no framebuffer: not placed */
    struct plan_input in = input(&img, &c);
    struct boot_plan p;
    in.fb_size = 0;
    EXPECT_PLAN(&in, &p);
    CHECK(p.fb == 0, "fb 0x%llx without a framebuffer", (unsigned long long)p.fb);
}

TEST(exec_kernel_inside_the_dynamic_range_avoided) {
    struct elf_image img = exec_img(DYN_START + MIB(1));
    struct kiln_config c = defaults();
    struct plan_input in = input(&img, &c);
    struct boot_plan p;
    EXPECT_PLAN(&in, &p);
    CHECK(p.phys == DYN_START + GIB(1), "the physical map moves to the next GiB: 0x%llx", (unsigned long long)p.phys);
}

TEST(low_exec_kernel_at_1mib) {
    struct elf_image img = exec_img(MIB(1));
    struct kiln_config c = defaults();
    struct plan_input in = input(&img, &c);
    struct boot_plan p;
    EXPECT_PLAN(&in, &p);
    CHECK(p.entry == MIB(1) + 0x10 && p.bias == 0, "entry");
}

TEST(pie_linked_at_zero_placed_dynamically) {
    struct elf_image img = pie_img(0, MIB(2));
    struct kiln_config c = defaults();
    struct plan_input in = input(&img, &c);
    struct boot_plan p;
    EXPECT_PLAN(&in, &p);
    CHECK(p.bias != 0 && ((uint64_t)p.bias & (MIB(2) - 1)) == 0, "bias 0x%llx", (unsigned long long)p.bias);
    CHECK((uint64_t)p.bias >= DYN_START && (uint64_t)p.bias + 0x6000 <= DYN_END, "kernel in the dynamic range");
    CHECK(p.entry == (uint64_t)p.bias + 0x10, "entry 0x%llx", (unsigned long long)p.entry);
    /* a PIE whose lowest segment is not at an alignment boundary keeps its offset */
    img = pie_img(0x1000, MIB(2));
    EXPECT_PLAN(&in, &p);
    CHECK(((uint64_t)p.bias & (MIB(2) - 1)) == 0 && ((uint64_t)p.bias + 0x1000) % MIB(2) == 0x1000,
          "bias 0x%llx for a PIE at 0x1000", (unsigned long long)p.bias);
}

TEST(pie_linked_high_stays_without_aslr) {
    struct elf_image img = pie_img(KB, 0x1000);
    struct kiln_config c = defaults();
    struct plan_input in = input(&img, &c);
    struct boot_plan p;
    EXPECT_PLAN(&in, &p);
    CHECK(p.bias == 0, "bias %lld", (long long)p.bias);
    c.aslr = 1;
    in.seed = 12345;
    EXPECT_PLAN(&in, &p);
    CHECK(p.bias != 0 && (uint64_t)p.bias + KB >= DYN_START && (uint64_t)p.bias + KB < DYN_END,
          "ASLR moves a PIE linked high into the dynamic range: bias 0x%llx", (unsigned long long)p.bias);
}

TEST(pie_at_fixed_kernel_base) {
    struct elf_image img = pie_img(0, MIB(2));
    struct kiln_config c = defaults();
    struct plan_input in = input(&img, &c);
    struct boot_plan p;
    c.kernel_base = KB;
    EXPECT_PLAN(&in, &p);
    CHECK((uint64_t)p.bias == KB && p.entry == KB + 0x10, "bias 0x%llx", (unsigned long long)p.bias);
    c.kernel_base = DYN_START + GIB(2); /* inside the dynamic range: everything else avoids it */
    EXPECT_PLAN(&in, &p);
    CHECK((uint64_t)p.bias == DYN_START + GIB(2) && p.phys != DYN_START, "phys 0x%llx", (unsigned long long)p.phys);
    c.kernel_base = KB + 0x1000;
    EXPECT_PLAN_FAIL(&in, "config: kernel_base 0xffffffff80001000 breaks the kernel's 0x200000 segment alignment");
    c.kernel_base = KILN_DYNAMIC;
    EXPECT_PLAN(&in, &p);
    CHECK(p.bias && ((uint64_t)p.bias & (MIB(2) - 1)) == 0, "dynamic base");
    /* kernel_base on an ET_EXEC is a config error */
    struct elf_image ex = exec_img(KB);
    in.elf = &ex;
    c.kernel_base = KB;
    EXPECT_PLAN_FAIL(&in, "kernel_base only applies to position-independent (ET_DYN) kernels");
    /* a base that puts the kernel into the hole or off the top */
    in.elf = &img;
    img.max_align = 0x1000;
    c.kernel_base = UINT64_C(0x00007ffffffff000);
    EXPECT_PLAN_FAIL(&in, "the kernel (0x7ffffffff000-0x800000004fff) overlaps the non-canonical hole");
    c.kernel_base = UINT64_C(0xfffffffffffff000);
    EXPECT_PLAN_FAIL(&in, "the kernel at 0xfffffffffffff000 (+0x6000) wraps past the top of the address space");
}

TEST(fixed_placements) {
    struct elf_image img = exec_img(KB);
    struct kiln_config c = defaults();
    struct plan_input in = input(&img, &c);
    struct boot_plan p;
    c.stack = UINT64_C(0xffffffffc0001000);
    c.boot_info = UINT64_C(0xffffffffc0100000);
    c.framebuffer = UINT64_C(0xffffffffd0000000);
    c.modules = UINT64_C(0xffffffffe0000000);
    c.physical_memory = UINT64_C(0xffff900000000000);
    c.recursive = KILN_SLOT(300);
    EXPECT_PLAN(&in, &p);
    CHECK(p.stack_bottom == c.stack && p.boot_info == c.boot_info && p.modules == c.modules && p.phys == c.physical_memory,
          "fixed addresses kept");
    CHECK(p.fb == c.framebuffer + 0x800, "fixed fb keeps the page offset: 0x%llx", (unsigned long long)p.fb);
    CHECK(p.recursive == 300, "recursive %d", p.recursive);
    /* fixed placements may sit outside the dynamic range: the lower half */
    c = defaults();
    c.stack = 0x200000;
    c.boot_info = 0x400000;
    EXPECT_PLAN(&in, &p);
}

TEST(fixed_collisions_name_both) {
    struct elf_image img = exec_img(KB);
    struct kiln_config c = defaults();
    struct plan_input in = input(&img, &c);
    c.stack = KB + 0x2000;
    EXPECT_PLAN_FAIL(&in, "layout: the kernel stack (0xffffffff80001000-0xffffffff80011fff) overlaps the kernel "
                          "(0xffffffff80000000-0xffffffff80005fff)");
    c = defaults();
    c.stack = KB + 0x6000; /* only the guard page touches the kernel's last page */
    EXPECT_PLAN_FAIL(&in, "the kernel stack (0xffffffff80005000-0xffffffff80015fff) overlaps the kernel");
    c.stack = KB + 0x7000; /* the guard page just clear of it */
    struct boot_plan p;
    EXPECT_PLAN(&in, &p);
    c = defaults();
    c.stack = UINT64_C(0xffffffffc0001000);
    c.boot_info = UINT64_C(0xffffffffc0008000);
    EXPECT_PLAN_FAIL(&in, "layout: the boot info (0xffffffffc0008000-0xffffffffc000afff) overlaps the kernel stack");
    c = defaults();
    c.physical_memory = DYN_START;
    c.modules = DYN_START + GIB(3);
    EXPECT_PLAN_FAIL(&in, "layout: the modules (0xffff8000c0000000-0xffff8000c0004fff) overlaps the physical memory map");
    c = defaults();
    c.recursive = KILN_SLOT(511);
    EXPECT_PLAN_FAIL(&in, "the recursive slot (0xffffff8000000000-0xffffffffffffffff) overlaps the kernel");
    c = defaults();
    c.physical_memory = UINT64_C(0x00007fff00000000);
    EXPECT_PLAN_FAIL(&in, "the physical memory map (0x7fff00000000-0x80007fffffff) overlaps the non-canonical hole");
    c = defaults();
    c.stack = 0x1000; /* its guard page would be the null page */
    EXPECT_PLAN_FAIL(&in, "the kernel stack (0x0-0x10fff) overlaps the null page");
    c = defaults();
    c.framebuffer = UINT64_C(0xffffffffc0000000);
    c.boot_info = UINT64_C(0xffffffffc0200000);
    EXPECT_PLAN_FAIL(&in, "the framebuffer (0xffffffffc0000000-0xffffffffc0300fff) overlaps the boot info");
}

TEST(none_placements) {
    struct elf_image img = exec_img(KB);
    struct kiln_config c = defaults();
    struct plan_input in = input(&img, &c);
    struct boot_plan p;
    c.physical_memory = KILN_NONE;
    c.modules = KILN_NONE;
    c.framebuffer = KILN_NONE;
    EXPECT_PLAN(&in, &p);
    CHECK(!p.has_phys && p.phys == 0 && p.modules == 0 && p.fb == 0, "none: phys %d/0x%llx modules 0x%llx fb 0x%llx",
          p.has_phys, (unsigned long long)p.phys, (unsigned long long)p.modules, (unsigned long long)p.fb);
    /* nothing to map: nothing placed */
    c = defaults();
    in.modules_size = 0;
    in.fb_size = 0;
    EXPECT_PLAN(&in, &p);
    CHECK(p.modules == 0 && p.fb == 0, "empty modules and no framebuffer");
}

TEST(recursive_slot_fixed_and_dynamic) {
    struct elf_image img = exec_img(KB);
    struct kiln_config c = defaults();
    struct plan_input in = input(&img, &c);
    struct boot_plan p;
    static const unsigned fixed[] = {1, 255, 256, 300, 510};
    for (unsigned i = 0; i < ARRAY_LEN(fixed); i++) {
        c = defaults();
        c.recursive = KILN_SLOT(fixed[i]);
        EXPECT_PLAN(&in, &p);
        CHECK(p.recursive == (int)fixed[i], "KILN_SLOT(%u) -> %d", fixed[i], p.recursive);
    }
    c = defaults();
    c.recursive = KILN_DYNAMIC;
    EXPECT_PLAN(&in, &p);
    /* dynamic placements go largest alignment first: the slot (512 GiB
     * aligned) takes slot 256, the physical map (1 GiB) follows in 257 */
    CHECK(p.recursive == 256, "dynamic recursive slot %d", p.recursive);
    CHECK(p.has_phys && p.phys == UINT64_C(0xffff808000000000), "physical map after the slot at 0x%llx",
          (unsigned long long)p.phys);
    c.physical_memory = KILN_NONE;
    EXPECT_PLAN(&in, &p);
    CHECK(p.recursive == 256, "dynamic recursive slot without a physical map: %d", p.recursive);
    /* with ASLR the slot moves but stays a whole slot in the range */
    c = defaults();
    c.recursive = KILN_DYNAMIC;
    c.aslr = 1;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        in.seed = seed;
        EXPECT_PLAN(&in, &p);
        CHECK(p.recursive >= 256 && p.recursive < 511, "seed %llu: slot %d", (unsigned long long)seed, p.recursive);
    }
}

TEST(dynamic_range_too_small) {
    struct elf_image img = exec_img(KB);
    struct kiln_config c = defaults();
    struct plan_input in = input(&img, &c);
    c.dynamic_start = UINT64_C(0xffffc00000000000);
    c.dynamic_end = c.dynamic_start + GIB(1);
    EXPECT_PLAN_FAIL(&in, "layout: no room for the physical memory map (0x180000000 bytes) in the dynamic range "
                          "0xffffc00000000000-0xffffc00040000000");
    c.physical_memory = KILN_NONE;
    c.framebuffer = KILN_NONE;
    c.dynamic_end = c.dynamic_start + 0x10000; /* the stack alone (64 KiB + guard) does not fit */
    EXPECT_PLAN_FAIL(&in, "no room for the kernel stack");
    c.framebuffer = KILN_DYNAMIC; /* placed first (2 MiB aligned): it is what does not fit */
    c.dynamic_end = c.dynamic_start + 0x11000 + 0x3000 + 0x5000;
    EXPECT_PLAN_FAIL(&in, "no room for the framebuffer");
    c.recursive = KILN_DYNAMIC;
    c.dynamic_end = c.dynamic_start + GIB(500);
    EXPECT_PLAN_FAIL(&in, "no room for the recursive slot");
    /* a PIE that does not fit */
    struct elf_image pie = pie_img(0, MIB(2));
    c = defaults();
    c.dynamic_start = UINT64_C(0xffffc00000000000);
    c.dynamic_end = c.dynamic_start + 0x4000;
    in.elf = &pie;
    EXPECT_PLAN_FAIL(&in, "no room for the kernel (0x6000 bytes)");
}

TEST(aslr_seeds_give_different_valid_layouts) {
    for (int pie = 0; pie <= 1; pie++) {
        struct elf_image img = pie ? pie_img(0, MIB(2)) : exec_img(KB);
        struct kiln_config c = defaults();
        struct plan_input in = input(&img, &c);
        c.aslr = 1;
        c.recursive = KILN_DYNAMIC;
        uint64_t stacks[64], phys[64], bias[64];
        unsigned n = 0;
        for (uint64_t seed = 1; seed <= 64; seed++) {
            struct boot_plan p;
            in.seed = seed * UINT64_C(0x9e3779b97f4a7c15);
            EXPECT_PLAN(&in, &p);
            stacks[n] = p.stack_bottom, phys[n] = p.phys, bias[n] = (uint64_t)p.bias, n++;
            /* the same seed again gives the same layout */
            struct boot_plan q;
            kiln_err e;
            REQUIRE(plan_build(&in, &q, &e), "%s", e.msg);
            CHECK(q.stack_bottom == p.stack_bottom && q.phys == p.phys && q.bias == p.bias && q.fb == p.fb,
                  "seed %llu not reproducible", (unsigned long long)seed);
        }
        unsigned ds = 0, dp = 0, db = 0;
        for (unsigned i = 0; i < n; i++) {
            bool ns = true, np = true, nb = true;
            for (unsigned j = 0; j < i; j++) {
                ns = ns && stacks[j] != stacks[i];
                np = np && phys[j] != phys[i];
                nb = nb && bias[j] != bias[i];
            }
            ds += ns, dp += np, db += nb;
        }
        CHECK(ds >= 60 && dp >= 30, "pie=%d: %u distinct stacks, %u distinct physical maps of 64", pie, ds, dp);
        if (pie) CHECK(db >= 60, "%u distinct PIE biases of 64", db);
        else CHECK(db == 1, "an ET_EXEC never moves");
    }
}

#define rnd test_rand
static uint64_t pick(const uint64_t *v, size_t n) { return v[rnd() % n]; }

/* Random configs that kconfig_resolve accepts, random kernels and inputs:
 * plan_build either fails with a layout/config message or gives a plan
 * that obeys every rule. */
TEST(random_configs_give_valid_plans_or_clean_errors) {
    static const uint64_t place[] = {
        KILN_DEFAULT, KILN_DYNAMIC, KILN_DYNAMIC, KILN_NONE, 0x200000, UINT64_C(0x7ffffff00000),
        UINT64_C(0xffff800000000000), UINT64_C(0xffff900000000000), UINT64_C(0xffffc00000001000),
        UINT64_C(0xffffffff80000000), UINT64_C(0xffffffffc0000000), UINT64_C(0xfffffffffff00000), 0x1000,
    };
    static const uint64_t slots[] = {KILN_DEFAULT, KILN_DYNAMIC, KILN_NONE, KILN_SLOT(1), KILN_SLOT(256), KILN_SLOT(300),
                                     KILN_SLOT(510), KILN_SLOT(511)};
    static const uint64_t dyn[][2] = {
        {0, 0}, {UINT64_C(0xffffc00000000000), UINT64_C(0xffffd00000000000)}, {0x100000000, UINT64_C(0x800000000000)},
        {UINT64_C(0xffffff0000000000), UINT64_C(0xffffff8000000000)}, {UINT64_C(0xffff800000000000), UINT64_C(0xffff800100000000)},
        {0x1000, 0x200000},
    };
    static const uint64_t bases[] = {KB, MIB(1), 0, 0x1000, UINT64_C(0xffff800000000000), UINT64_C(0x7fff00000000)};
    test_seed(UINT64_C(0x706c616e66757a7a));
    unsigned planned = 0, refused = 0;
    for (unsigned it = 0; it < 20000 && !test_failed_now(); it++) {
        struct kiln_config raw, c;
        memset(&raw, 0, sizeof raw);
        raw.header = (struct kiln_config_header)KILN_CONFIG_HEADER_INIT;
        raw.stack_size = rnd() % 4 ? 0 : (rnd() % MIB(4));
        raw.stack = pick(place, ARRAY_LEN(place));
        raw.boot_info = pick(place, ARRAY_LEN(place));
        raw.framebuffer = pick(place, ARRAY_LEN(place));
        raw.modules = pick(place, ARRAY_LEN(place));
        raw.physical_memory = pick(place, ARRAY_LEN(place));
        raw.recursive = pick(slots, ARRAY_LEN(slots));
        const uint64_t *d = dyn[rnd() % ARRAY_LEN(dyn)];
        raw.dynamic_start = d[0], raw.dynamic_end = d[1];
        raw.aslr = rnd() % 2;
        bool pie = rnd() % 2;
        uint64_t base = pick(bases, ARRAY_LEN(bases));
        if (!pie && base < PAGE_SIZE) base = MIB(1);
        raw.kernel_base = pie && rnd() % 3 == 0 ? pick(place, ARRAY_LEN(place)) : KILN_DEFAULT;
        kiln_err e;
        if (!kconfig_resolve(&raw, sizeof raw, &c, &e)) continue;
        struct elf_image img = pie ? pie_img(base, PAGE_SIZE << (rnd() % 10)) : exec_img(base);
        struct plan_input in = {
            .elf = &img, .cfg = &c, .phys_map_size = GIB(1 + rnd() % 64), .fb_phys = rnd() % 3 ? (rnd() % GIB(4)) & ~UINT64_C(3) : 0,
            .modules_size = (rnd() % 4) * 0x3000, .boot_info_size = PAGE_SIZE * (1 + rnd() % 8),
            .kernel_file_size = 1 + rnd() % MIB(2), .seed = rnd(),
        };
        in.fb_size = in.fb_phys ? 0x1000 + rnd() % MIB(32) : 0;
        struct boot_plan *p = malloc(sizeof *p);
        memset(&e, 0, sizeof e);
        if (plan_build(&in, p, &e)) {
            char why[160];
            planned++;
            CHECK(valid(&in, p, why, sizeof why), "iteration %llu: invalid plan: %s", (unsigned long long)it, why);
            if (c.recursive == KILN_DYNAMIC || (c.recursive != KILN_NONE && c.recursive != KILN_DEFAULT))
                CHECK(p->recursive >= 0 && (c.recursive == KILN_DYNAMIC || KILN_SLOT(p->recursive) == c.recursive),
                      "iteration %u: recursive %d for 0x%llx", it, p->recursive, (unsigned long long)c.recursive);
        } else {
            refused++;
            CHECK(strncmp(e.msg, "layout: ", 8) == 0 || strncmp(e.msg, "config: ", 8) == 0,
                  "iteration %u: refused with \"%s\"", it, e.msg);
        }
        free(p);
    }
    CHECK(planned > 1000 && refused > 1000, "%u planned, %u refused", planned, refused);
}

/* 5-level paging: the default dynamic range grows into the 57-bit space,
 * the recursive slot is a PML5 slot, and fixed addresses are checked
 * against the width in use. */
TEST(la57_plan) {
    struct elf_image img = exec_img(KB);
    struct kiln_config c = defaults();
    c.recursive = KILN_DYNAMIC;
    c.paging_levels_max = 5;
    struct plan_input in = input(&img, &c);
    in.levels = 5;
    struct boot_plan *p = malloc(sizeof *p);
    kiln_err e;
    REQUIRE(plan_build(&in, p, &e), "5-level plan: %s", e.msg);
    CHECK(p->levels == 5 && p->stack_bottom >= UINT64_C(0xff00000000000000) &&
              p->stack_bottom < UINT64_C(0xffff800000000000) && p->phys >= UINT64_C(0xff00000000000000),
          "dynamic placements in the 57-bit half: stack 0x%llx, physical map 0x%llx",
          (unsigned long long)p->stack_bottom, (unsigned long long)p->phys);
    CHECK(p->recursive >= 256 && p->recursive < 511, "recursive PML5 slot %d", p->recursive);
    /* ASLR spreads over the 57-bit range too. */
    c.aslr = 1;
    in.seed = 12345;
    REQUIRE(plan_build(&in, p, &e), "5-level ASLR plan: %s", e.msg);
    CHECK(p->stack_bottom >= UINT64_C(0xff00000000000000) && p->stack_bottom < UINT64_C(0xffff800000000000) - GIB(1),
          "ASLR placed the stack at 0x%llx", (unsigned long long)p->stack_bottom);
    free(p);
    c.aslr = 0;
    c.recursive = KILN_SLOT(300);
    EXPECT_PLAN_FAIL(&in, "the recursive slot is a PML5 slot");
    c.recursive = KILN_NONE;
    c.stack = UINT64_C(0xff00000000100000);
    in.levels = 4; /* the kernel allowed 5, the CPU had 4 */
    EXPECT_PLAN_FAIL(&in, "the kernel stack at 0xff00000000100000 is not canonical with 4-level paging (48-bit "
                          "addresses); it needs paging_levels_min = 5");
}

/* The AP stacks (smp = KILN_SMP_START): one dynamic range of slots, each a
 * guard page and a stack; reserved whole, so nothing lands on a guard page;
 * with a fixed BSP stack too; too many for the address space is refused. */
TEST(ap_stacks) {
    struct elf_image img = exec_img(KB);
    struct kiln_config c = defaults();
    c.stack_size = KIB(16);
    struct plan_input in = input(&img, &c);
    in.ap_count = 7;
    struct boot_plan p;
    EXPECT_PLAN(&in, &p);
    CHECK(p.ap_count == 7 && p.ap_stacks >= DYN_START && p.ap_stacks % PAGE_SIZE == 0, "AP stacks at 0x%llx",
          (unsigned long long)p.ap_stacks);
    kiln_err e;
    for (uint64_t i = 0; i < 7; i++) {
        uint64_t s = plan_ap_stack(&p, i);
        CHECK(s == p.ap_stacks + PAGE_SIZE + i * (KIB(16) + PAGE_SIZE), "stack %llu at 0x%llx", (unsigned long long)i,
              (unsigned long long)s);
        struct va_space vs = p.vs; /* the guard page and the stack are reserved: nothing else gets them */
        CHECK(!va_reserve(&vs, s - PAGE_SIZE, PAGE_SIZE, "probe", &e) && strstr(e.msg, "the AP stacks"),
              "guard page of stack %llu: %s", (unsigned long long)i, e.msg);
        CHECK(!ranges_overlap(s - PAGE_SIZE, KIB(16) + PAGE_SIZE, p.stack_bottom - PAGE_SIZE, KIB(16) + PAGE_SIZE) &&
                  !ranges_overlap(s, KIB(16), p.boot_info, PAGE_SIZE),
              "stack %llu overlaps the BSP's stack or the boot info", (unsigned long long)i);
    }
    in.ap_count = 0;
    EXPECT_PLAN(&in, &p);
    CHECK(p.ap_count == 0 && p.ap_stacks == 0, "no APs: no range");
    c.stack = KILN_AT(UINT64_C(0xffffc00000100000));
    in = input(&img, &c);
    in.ap_count = 3;
    EXPECT_PLAN(&in, &p);
    CHECK(p.stack_bottom == UINT64_C(0xffffc00000100000) && p.ap_stacks >= DYN_START, "fixed BSP stack, dynamic AP stacks");
    c = defaults();
    c.stack_size = GIB(1);
    in = input(&img, &c);
    in.ap_count = 200000;
    EXPECT_PLAN_FAIL(&in, "200000 AP stacks of 1048576 KiB do not fit the address space");
    in.ap_count = 131000; /* 128 TiB: within the bound, but not in the dynamic range */
    EXPECT_PLAN_FAIL(&in, "the AP stacks");
}
