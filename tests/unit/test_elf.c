/* test_elf.c - common/elf.c against ELF64 files built in memory.
 *
 * Valid layouts are checked field by field; every malformation has its own
 * test and must fail with a message naming the problem; a seeded fuzz loop
 * corrupts valid files and checks that elf_parse never reads out of bounds
 * (each file lives in a heap block of exactly its size, so ASan sees any
 * overrun) and that whatever it accepts is sane and loads safely. */
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"
#include "core/kconfig.h"
#include "tests/unit/testlib.h"

/* ELF constants (elf.c keeps its own private copies). */
#define ET_REL 1
#define ET_EXEC 2
#define ET_DYN 3
#define ET_CORE 4
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551u
#define PT_GNU_RELRO 0x6474e552u
#define SHT_PROGBITS 1
#define SHT_STRTAB 3
#define SHT_NOBITS 8
#define DT_NULL 0
#define DT_NEEDED 1
#define DT_PLTRELSZ 2
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define DT_REL 17
#define DT_RELSZ 18
#define DT_RELRSZ 35
#define DT_RELR 36
#define DT_RELRENT 37
#define R_X86_64_NONE 0
#define R_X86_64_64 1
#define R_X86_64_GLOB_DAT 6
#define R_X86_64_RELATIVE 8
#define PF_X ELF_PF_X
#define PF_W ELF_PF_W
#define PF_R ELF_PF_R

/* Header field offsets. */
#define E_TYPE 16
#define E_MACHINE 18
#define E_VERSION 20
#define E_ENTRY 24
#define E_PHOFF 32
#define E_SHOFF 40
#define E_EHSIZE 52
#define E_PHENTSIZE 54
#define E_PHNUM 56
#define E_SHENTSIZE 58
#define E_SHNUM 60
#define E_SHSTRNDX 62
#define PHOFF 64u
#define PH(i) (PHOFF + 56u * (i))
#define P_TYPE 0
#define P_FLAGS 4
#define P_OFFSET 8
#define P_VADDR 16
#define P_FILESZ 32
#define P_MEMSZ 40
#define P_ALIGN 48
#define SH_NAME 0
#define SH_TYPE 4
#define SH_OFFSET 24
#define SH_SIZE 32

/* ------------------------------------------------------------------------
 * The builder: a file is a heap block of exactly `size` bytes.
 * ------------------------------------------------------------------------ */

struct kf {
    uint8_t *f;
    uint64_t size;
};

struct ph {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
};

static void wr(struct kf *k, uint64_t off, uint64_t v, unsigned n) {
    if (off > k->size || n > k->size - off) {
        fprintf(stderr, "test bug: write of %u bytes at 0x%llx past a 0x%llx-byte file\n", n,
                (unsigned long long)off, (unsigned long long)k->size);
        abort();
    }
    memcpy(k->f + off, &v, n); /* little endian host */
}
static void w8(struct kf *k, uint64_t off, uint8_t v) { wr(k, off, v, 1); }
static void w16(struct kf *k, uint64_t off, uint16_t v) { wr(k, off, v, 2); }
static void w32(struct kf *k, uint64_t off, uint32_t v) { wr(k, off, v, 4); }
static void w64(struct kf *k, uint64_t off, uint64_t v) { wr(k, off, v, 8); }
static uint64_t r64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Non-zero filler, so loaded bytes can be told from zeroed ones. */
static uint8_t pattern(uint64_t off) { return (uint8_t)((off * 131u + 7u + (off >> 8)) | 1u); }

static struct kf kf_new(uint64_t size) {
    struct kf k = {malloc(size ? size : 1), size};
    if (!k.f) abort();
    for (uint64_t i = 0; i < size; i++) k.f[i] = pattern(i);
    return k;
}

static struct kf kf_copy(const uint8_t *f, uint64_t size) {
    struct kf k = {malloc(size ? size : 1), size};
    if (!k.f) abort();
    memcpy(k.f, f, size);
    return k;
}

static void put_ph(struct kf *k, unsigned i, struct ph p) {
    w32(k, PH(i) + P_TYPE, p.type);
    w32(k, PH(i) + P_FLAGS, p.flags);
    w64(k, PH(i) + P_OFFSET, p.offset);
    w64(k, PH(i) + P_VADDR, p.vaddr);
    w64(k, PH(i) + 24, p.vaddr); /* p_paddr */
    w64(k, PH(i) + P_FILESZ, p.filesz);
    w64(k, PH(i) + P_MEMSZ, p.memsz);
    w64(k, PH(i) + P_ALIGN, p.align);
}

/* ELF header + program headers at 64; the rest of the file is filler. */
static struct kf build(uint16_t type, uint64_t entry, const struct ph *ph, unsigned n, uint64_t size) {
    struct kf k = kf_new(size);
    memset(k.f, 0, 64);
    memcpy(k.f, "\x7f" "ELF", 4);
    k.f[4] = 2; /* ELFCLASS64 */
    k.f[5] = 1; /* ELFDATA2LSB */
    k.f[6] = 1; /* EV_CURRENT */
    w16(&k, E_TYPE, type);
    w16(&k, E_MACHINE, 62);
    w32(&k, E_VERSION, 1);
    w64(&k, E_ENTRY, entry);
    w64(&k, E_PHOFF, PHOFF);
    w16(&k, E_EHSIZE, 64);
    w16(&k, E_PHENTSIZE, 56);
    w16(&k, E_PHNUM, (uint16_t)n);
    w16(&k, E_SHENTSIZE, 64);
    for (unsigned i = 0; i < n; i++) put_ph(&k, i, ph[i]);
    return k;
}

/* A file just big enough for its headers and every segment's file data. */
static struct kf build_fit(uint16_t type, uint64_t entry, const struct ph *ph, unsigned n) {
    uint64_t size = PH(n);
    for (unsigned i = 0; i < n; i++)
        if (ph[i].offset + ph[i].filesz > size) size = ph[i].offset + ph[i].filesz;
    return build(type, entry, ph, n, size);
}

static void put_sh(struct kf *k, uint64_t shoff, unsigned i, uint32_t name, uint32_t type, uint64_t off,
                   uint64_t size) {
    uint64_t o = shoff + 64u * i;
    for (unsigned b = 0; b < 64; b++) w8(k, o + b, 0);
    w32(k, o + SH_NAME, name);
    w32(k, o + SH_TYPE, type);
    w64(k, o + SH_OFFSET, off);
    w64(k, o + SH_SIZE, size);
}

static void put_config(struct kf *k, uint64_t off, uint64_t stack_size) {
    struct kiln_config c;
    memset(&c, 0, sizeof c);
    c.header = (struct kiln_config_header)KILN_CONFIG_HEADER_INIT;
    c.stack_size = stack_size;
    if (off + sizeof c > k->size) abort();
    memcpy(k->f + off, &c, sizeof c);
}

/* --- Sample 1: a higher-half ET_EXEC kernel ---------------------------------
 *   text   R X  KB+0x0000 .. +0x1800   file 0x1000  (p_align 2 MiB)
 *   rodata R    KB+0x2000 .. +0x0800   file 0x3000  (holds the config record)
 *   data   R W  KB+0x3000 .. +0x3000   file 0x4000, 0x100 bytes, the rest bss
 *   TLS         KB+0x3080, 0x10 file bytes, 0x40 in memory
 *   RELRO       KB+0x3000 .. +0x1000
 * The program headers are deliberately not sorted by address. Section
 * headers: null, .kiln_config, .shstrtab. */
#define KB UINT64_C(0xffffffff80000000)
enum { X_DATA, X_TEXT, X_TLS, X_RODATA, X_RELRO, X_NPH };
#define X_ENTRY (KB + 0x10)
#define X_CONFIG_OFF 0x3100u
#define X_SHSTR_OFF 0x5000u
#define X_SHOFF 0x5040u
#define X_SIZE (X_SHOFF + 3u * 64u)
static const char shstrtab[] = "\0.kiln_config\0.shstrtab"; /* names at 1 and 14 */

static struct kf exec_sample(void) {
    struct ph ph[X_NPH] = {
        [X_DATA] = {PT_LOAD, PF_R | PF_W, 0x4000, KB + 0x3000, 0x100, 0x3000, 0x1000},
        [X_TEXT] = {PT_LOAD, PF_R | PF_X, 0x1000, KB, 0x1800, 0x1800, 0x200000},
        [X_TLS] = {PT_TLS, PF_R, 0x4080, KB + 0x3080, 0x10, 0x40, 16},
        [X_RODATA] = {PT_LOAD, PF_R, 0x3000, KB + 0x2000, 0x800, 0x800, 0x1000},
        [X_RELRO] = {PT_GNU_RELRO, PF_R, 0x4000, KB + 0x3000, 0x1000, 0x1000, 1},
    };
    struct kf k = build(ET_EXEC, X_ENTRY, ph, X_NPH, X_SIZE);
    put_config(&k, X_CONFIG_OFF, 0x20000);
    memcpy(k.f + X_SHSTR_OFF, shstrtab, sizeof shstrtab);
    w64(&k, E_SHOFF, X_SHOFF);
    w16(&k, E_SHNUM, 3);
    w16(&k, E_SHSTRNDX, 2);
    put_sh(&k, X_SHOFF, 0, 0, 0, 0, 0);
    put_sh(&k, X_SHOFF, 1, 1, SHT_PROGBITS, X_CONFIG_OFF, sizeof(struct kiln_config));
    put_sh(&k, X_SHOFF, 2, 14, SHT_STRTAB, X_SHSTR_OFF, sizeof shstrtab);
    return k;
}

/* --- Sample 2: a PIE linked at 0 with RELA and RELR relocations ----------------
 *   text  R X  0x0000 .. 0x1000   file 0x1000
 *   data  R W  0x1000 .. 0x3000   file 0x2000, 0x1000 bytes, the rest bss
 *   .dynamic at 0x1000, RELA table at 0x1200 (4 entries), RELR at 0x1400 (3 words)
 *   RELRO 0x1000 .. 0x2000
 * File offset = virtual address + 0x1000 throughout. */
enum { P_TEXT, P_DATA, P_DYN, P_RELRO, P_STACK, P_NPH };
#define P_ENTRY 0x20u
#define P_SIZE 0x3000u
#define P_DYN_OFF 0x2000u
#define P_RELA_VA 0x1200u
#define P_RELR_VA 0x1400u
#define VA2OFF(va) ((uint64_t)(va) + 0x1000u)
#define DYN(i) (P_DYN_OFF + 16u * (i))
#define RELA(i) (VA2OFF(P_RELA_VA) + 24u * (i))
#define RELR(i) (VA2OFF(P_RELR_VA) + 8u * (i))
#define RELR_BITMAP1 ((UINT64_C(1) << 1) | (UINT64_C(1) << 3) | (UINT64_C(1) << 63) | 1u)
#define RELR_BITMAP2 ((UINT64_C(1) << 1) | (UINT64_C(1) << 2) | 1u)
/* RELR: 0x1900; bitmap 1 from 0x1908: bits 1, 3, 63 -> 0x1908, 0x1918, 0x1908 + 62 * 8;
 * bitmap 2 from 0x1908 + 63 * 8 = 0x1b00: bits 1, 2 -> 0x1b00, 0x1b08. */
static const uint64_t relr_targets[] = {0x1900, 0x1908, 0x1918, 0x1908 + 62 * 8, 0x1b00, 0x1b08};

static struct kf pie_sample(void) {
    struct ph ph[P_NPH] = {
        [P_TEXT] = {PT_LOAD, PF_R | PF_X, 0x1000, 0x0, 0x1000, 0x1000, 0x1000},
        [P_DATA] = {PT_LOAD, PF_R | PF_W, 0x2000, 0x1000, 0x1000, 0x2000, 0x1000},
        [P_DYN] = {PT_DYNAMIC, PF_R | PF_W, P_DYN_OFF, 0x1000, 0x80, 0x80, 8},
        [P_RELRO] = {PT_GNU_RELRO, PF_R, 0x2000, 0x1000, 0x1000, 0x1000, 1},
        [P_STACK] = {PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16},
    };
    struct kf k = build(ET_DYN, P_ENTRY, ph, P_NPH, P_SIZE);
    static const uint64_t dyn[][2] = {
        {DT_RELA, P_RELA_VA}, {DT_RELASZ, 4 * 24}, {DT_RELAENT, 24}, {DT_RELR, P_RELR_VA},
        {DT_RELRSZ, 3 * 8},   {DT_RELRENT, 8},     {DT_NULL, 0},
    };
    for (unsigned i = 0; i < ARRAY_LEN(dyn); i++) {
        w64(&k, DYN(i), dyn[i][0]);
        w64(&k, DYN(i) + 8, dyn[i][1]);
    }
    static const uint64_t rela[][3] = {
        {0x1800, R_X86_64_RELATIVE, 0x123}, /* data */
        {0x1808, R_X86_64_NONE, 0},         /* ignored */
        {0x0008, R_X86_64_RELATIVE, 0x20},  /* text */
        {0x2800, R_X86_64_RELATIVE, 0x10},  /* bss */
    };
    for (unsigned i = 0; i < ARRAY_LEN(rela); i++) {
        w64(&k, RELA(i), rela[i][0]);
        w64(&k, RELA(i) + 8, rela[i][1]);
        w64(&k, RELA(i) + 16, rela[i][2]);
    }
    w64(&k, RELR(0), 0x1900);
    w64(&k, RELR(1), RELR_BITMAP1);
    w64(&k, RELR(2), RELR_BITMAP2);
    w64(&k, VA2OFF(0x1800), 0x1111);
    w64(&k, VA2OFF(0x1808), 0x5555);
    for (unsigned i = 0; i < ARRAY_LEN(relr_targets); i++) w64(&k, VA2OFF(relr_targets[i]), 0x10000 + i * 0x100);
    return k;
}

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

/* Parses a copy of exactly `size` bytes of k and expects an error containing want. */
#define EXPECT_FAIL(k, size, want) expect_fail_at(__FILE__, __LINE__, (k)->f, (size), (want))
static void expect_fail_at(const char *file, int line, const uint8_t *f, uint64_t size, const char *want) {
    struct kf c = kf_copy(f, size);
    struct elf_image *img = malloc(sizeof *img);
    kiln_err e;
    memset(&e, 0, sizeof e);
    if (elf_parse(c.f, c.size, img, &e))
        test_fail_at(file, line, "accepted; expected an error containing \"%s\"", want);
    else if (!strstr(e.msg, want))
        test_fail_at(file, line, "error \"%s\" does not contain \"%s\"", e.msg, want);
    free(img);
    free(c.f);
}

#define EXPECT_OK(k, img) expect_ok_at(__FILE__, __LINE__, (k), (img))
static bool expect_ok_at(const char *file, int line, const struct kf *k, struct elf_image *img) {
    kiln_err e;
    memset(&e, 0, sizeof e);
    if (elf_parse(k->f, k->size, img, &e)) return true;
    test_fail_at(file, line, "rejected: %s", e.msg);
    return false;
}

/* Loads img into freshly allocated run buffers of exactly the run sizes. */
static void load_runs(const struct elf_image *img, uint8_t *mem[ELF_MAX_RUNS]) {
    for (uint32_t i = 0; i < ELF_MAX_RUNS; i++) mem[i] = 0;
    for (uint32_t i = 0; i < img->nrun; i++) {
        mem[i] = malloc(img->run[i].end - img->run[i].start);
        if (!mem[i]) abort();
        memset(mem[i], 0xee, img->run[i].end - img->run[i].start);
    }
    elf_load_segments(img, mem, false);
}
static void free_runs(uint8_t *mem[ELF_MAX_RUNS]) {
    for (uint32_t i = 0; i < ELF_MAX_RUNS; i++) free(mem[i]);
}

/* ------------------------------------------------------------------------
 * Valid files
 * ------------------------------------------------------------------------ */

TEST(exec_higher_half_three_segments) {
    struct kf k = exec_sample();
    struct elf_image img;
    if (!EXPECT_OK(&k, &img)) goto out;
    CHECK(img.type == ET_EXEC, "type %u", img.type);
    CHECK(img.entry == X_ENTRY, "entry 0x%llx", (unsigned long long)img.entry);
    REQUIRE(img.nseg == 3, "nseg %u", img.nseg);
    /* sorted by address, each keeping its program header index */
    static const struct { uint64_t vaddr, memsz, offset, filesz, align; uint32_t flags, index; } want[3] = {
        {KB, 0x1800, 0x1000, 0x1800, 0x200000, PF_R | PF_X, X_TEXT},
        {KB + 0x2000, 0x800, 0x3000, 0x800, 0x1000, PF_R, X_RODATA},
        {KB + 0x3000, 0x3000, 0x4000, 0x100, 0x1000, PF_R | PF_W, X_DATA},
    };
    for (unsigned i = 0; i < 3; i++) {
        const struct elf_segment *s = &img.seg[i];
        CHECK(s->vaddr == want[i].vaddr && s->memsz == want[i].memsz && s->offset == want[i].offset &&
                  s->filesz == want[i].filesz && s->align == want[i].align && s->flags == want[i].flags &&
                  s->index == want[i].index,
              "segment %u: vaddr 0x%llx memsz 0x%llx offset 0x%llx filesz 0x%llx align 0x%llx flags %u index %u", i,
              (unsigned long long)s->vaddr, (unsigned long long)s->memsz, (unsigned long long)s->offset,
              (unsigned long long)s->filesz, (unsigned long long)s->align, s->flags, s->index);
    }
    CHECK(img.nrun == 1 && img.run[0].start == KB && img.run[0].end == KB + 0x6000, "runs: %u [0x%llx, 0x%llx)",
          img.nrun, (unsigned long long)img.run[0].start, (unsigned long long)img.run[0].end);
    CHECK(img.min_vaddr == KB && img.max_vaddr == KB + 0x6000, "min 0x%llx max 0x%llx",
          (unsigned long long)img.min_vaddr, (unsigned long long)img.max_vaddr);
    CHECK(img.max_align == 0x200000, "max_align 0x%llx", (unsigned long long)img.max_align);
    CHECK(img.has_tls && img.tls_vaddr == KB + 0x3080 && img.tls_filesz == 0x10 && img.tls_memsz == 0x40 &&
              img.tls_align == 16,
          "TLS");
    CHECK(img.has_relro && img.relro_vaddr == KB + 0x3000 && img.relro_memsz == 0x1000, "RELRO");
    CHECK(img.rela_count == 0 && img.relr_count == 0, "no relocations");
    CHECK(img.warnings == 0, "warnings 0x%x", img.warnings);
    /* page permissions: the RELRO page loses W, the rest of .data keeps it */
    static const struct { uint64_t page; uint32_t flags; } pf[] = {
        {KB - 0x1000, 0}, {KB, PF_R | PF_X}, {KB + 0x1000, PF_R | PF_X}, {KB + 0x2000, PF_R},
        {KB + 0x3000, PF_R}, {KB + 0x4000, PF_R | PF_W}, {KB + 0x5000, PF_R | PF_W}, {KB + 0x6000, 0},
    };
    for (unsigned i = 0; i < ARRAY_LEN(pf); i++)
        CHECK(elf_page_flags(&img, pf[i].page) == pf[i].flags, "page 0x%llx: flags %u, want %u",
              (unsigned long long)pf[i].page, elf_page_flags(&img, pf[i].page), pf[i].flags);
    CHECK(elf_run_of(&img, KB) == 0 && elf_run_of(&img, KB + 0x5fff) == 0 && elf_run_of(&img, KB + 0x6000) == -1 &&
              elf_run_of(&img, KB - 1) == -1,
          "elf_run_of");
out:
    free(k.f);
}

TEST(exec_load_segments_copies_and_zeroes) {
    struct kf k = exec_sample();
    struct elf_image img;
    uint8_t *mem[ELF_MAX_RUNS];
    if (!EXPECT_OK(&k, &img)) goto out;
    load_runs(&img, mem);
    for (uint64_t off = 0; off < 0x6000; off++) {
        uint8_t want = 0; /* gaps between segments and .bss are zero */
        if (off < 0x1800) want = k.f[0x1000 + off];
        else if (off >= 0x2000 && off < 0x2800) want = k.f[0x3000 + off - 0x2000];
        else if (off >= 0x3000 && off < 0x3100) want = k.f[0x4000 + off - 0x3000];
        if (mem[0][off] != want) {
            CHECK(0, "run byte 0x%llx is 0x%02x, want 0x%02x", (unsigned long long)off, mem[0][off], want);
            break;
        }
    }
    free_runs(mem);
out:
    free(k.f);
}

/* elf_parse_load, what the loader parses before the rest of the file is
 * read: from any prefix that holds the program headers, the segments and
 * runs elf_parse gives for the whole file; a prefix short of the ELF
 * header or of the program header table is refused by name. And with the
 * file data already in the runs (data_placed), elf_load_segments zeroes
 * around it and leaves it alone. */
TEST(exec_parse_load_from_a_prefix) {
    struct kf k = exec_sample();
    struct elf_image full, part;
    uint8_t *mem[ELF_MAX_RUNS];
    kiln_err e;
    if (!EXPECT_OK(&k, &full)) goto out;
    uint64_t phoff, ph_end;
    memcpy(&phoff, k.f + 32, 8);
    ph_end = phoff + (uint64_t)k.f[56] * 56;
    for (uint64_t readable = ph_end; readable <= k.size; readable += 0x800) {
        bool ok = elf_parse_load(k.f, k.size, readable, &part, &e);
        CHECK(ok, "prefix of %llu bytes: %s", (unsigned long long)readable, e.msg);
        if (!ok) break;
        CHECK(part.nseg == full.nseg && part.nrun == full.nrun &&
                  !memcmp(part.seg, full.seg, sizeof full.seg[0] * full.nseg) &&
                  !memcmp(part.run, full.run, sizeof full.run[0] * full.nrun),
              "prefix of %llu bytes: other segments or runs", (unsigned long long)readable);
    }
    CHECK(!elf_parse_load(k.f, k.size, 63, &part, &e) && strstr(e.msg, "the ELF header is not in the bytes read"),
          "63 bytes: %s", e.msg);
    CHECK(!elf_parse_load(k.f, k.size, ph_end - 1, &part, &e) &&
              strstr(e.msg, "the program headers are not in the bytes read"),
          "one byte short of the program headers: %s", e.msg);
    /* The runs as the loader leaves them when it placed the segments: the
     * data in (here marked, so that a copy from the file would show),
     * everything else stale. */
    for (uint32_t i = 0; i < full.nrun; i++) {
        mem[i] = malloc(full.run[i].end - full.run[i].start);
        if (!mem[i]) abort();
        memset(mem[i], 0xee, full.run[i].end - full.run[i].start);
    }
    for (uint32_t i = full.nrun; i < ELF_MAX_RUNS; i++) mem[i] = 0;
    for (uint32_t i = 0; i < full.nseg; i++)
        for (uint64_t j = 0; j < full.seg[i].filesz; j++)
            mem[0][full.seg[i].vaddr - full.run[0].start + j] = k.f[full.seg[i].offset + j] ^ 0x5a;
    uint8_t *kept = malloc(0x6000);
    if (!kept) abort();
    memcpy(kept, mem[0], 0x6000);
    elf_load_segments(&full, mem, true);
    for (uint64_t off = 0; off < 0x6000; off++) {
        bool data = off < 0x1800 || (off >= 0x2000 && off < 0x2800) || (off >= 0x3000 && off < 0x3100);
        if (mem[0][off] != (data ? kept[off] : 0)) {
            CHECK(0, "run byte 0x%llx is 0x%02x", (unsigned long long)off, mem[0][off]);
            break;
        }
    }
    free(kept);
    free_runs(mem);
out:
    free(k.f);
}

TEST(config_found_through_section_header) {
    struct kf k = exec_sample();
    struct elf_image img;
    if (!EXPECT_OK(&k, &img)) goto out;
    CHECK(img.config == (const void *)(k.f + X_CONFIG_OFF), "config pointer");
    CHECK(img.config_offset == X_CONFIG_OFF, "config_offset 0x%llx", (unsigned long long)img.config_offset);
    CHECK(img.config_size == sizeof(struct kiln_config), "config_size %llu", (unsigned long long)img.config_size);
    CHECK(img.config && img.config->stack_size == 0x20000, "the record read is ours");
    CHECK(!(img.warnings & ELF_WARN_NO_CONFIG), "no NO_CONFIG warning");
out:
    free(k.f);
}

TEST(config_found_by_magic_scan_without_sections) {
    struct kf k = exec_sample();
    struct elf_image img;
    w64(&k, E_SHOFF, 0);
    w16(&k, E_SHNUM, 0);
    w16(&k, E_SHSTRNDX, 0);
    if (!EXPECT_OK(&k, &img)) goto out;
    CHECK(img.config == (const void *)(k.f + X_CONFIG_OFF), "config pointer");
    CHECK(img.config_offset == X_CONFIG_OFF, "config_offset 0x%llx", (unsigned long long)img.config_offset);
    /* the scan cannot know the record's end: everything to the end of the segment's file data */
    CHECK(img.config_size == 0x3800 - X_CONFIG_OFF, "config_size 0x%llx", (unsigned long long)img.config_size);
out:
    free(k.f);
}

TEST(config_found_by_scan_when_sections_lack_it) {
    struct kf k = exec_sample();
    struct elf_image img;
    w32(&k, X_SHOFF + 64 + SH_NAME, 14); /* section 1 is now called ".shstrtab" too */
    if (!EXPECT_OK(&k, &img)) goto out;
    CHECK(img.config_offset == X_CONFIG_OFF && img.config_size == 0x3800 - X_CONFIG_OFF, "scan fallback: 0x%llx +0x%llx",
          (unsigned long long)img.config_offset, (unsigned long long)img.config_size);
out:
    free(k.f);
}

TEST(config_absent_warns) {
    struct kf k = exec_sample();
    struct elf_image img;
    w64(&k, E_SHOFF, 0);
    w16(&k, E_SHNUM, 0);
    w64(&k, X_CONFIG_OFF, 0); /* break the magic */
    if (!EXPECT_OK(&k, &img)) goto out;
    CHECK(img.config == 0 && (img.warnings & ELF_WARN_NO_CONFIG), "config %p warnings 0x%x", (const void *)img.config,
          img.warnings);
out:
    free(k.f);
}

TEST(config_newer_minor_warns) {
    struct kf k = exec_sample();
    struct elf_image img;
    w16(&k, X_CONFIG_OFF + 18, KILN_VERSION_MINOR + 1);
    if (!EXPECT_OK(&k, &img)) goto out;
    CHECK(img.warnings == ELF_WARN_CONFIG_NEWER, "warnings 0x%x", img.warnings);
out:
    free(k.f);
}

TEST(two_config_records_rejected) {
    struct kf k = exec_sample();
    w64(&k, E_SHOFF, 0);
    w16(&k, E_SHNUM, 0);
    put_config(&k, X_CONFIG_OFF + 0x100, 0x8000);
    EXPECT_FAIL(&k, k.size, "two KILN_CONFIG records (at file offsets 0x3100 and 0x3200)");
    free(k.f);
}

TEST(two_config_sections_rejected) {
    struct kf k = exec_sample();
    w32(&k, X_SHOFF + 2 * 64 + SH_NAME, 1); /* section 2 is named .kiln_config too (and still the strtab) */
    EXPECT_FAIL(&k, k.size, "two .kiln_config sections");
    free(k.f);
}

TEST(warnings_rwx_and_shared_page) {
    struct ph ph[] = {
        {PT_LOAD, PF_R | PF_X, 0x1000, 0x200000, 0x800, 0x800, 0x1000},
        {PT_LOAD, PF_R, 0x1800, 0x200800, 0x100, 0x100, 0x1000},          /* shares the page with segment 0 */
        {PT_LOAD, PF_R | PF_W | PF_X, 0x2000, 0x202000, 0x100, 0x100, 0x1000}, /* RWX */
    };
    struct kf k = build_fit(ET_EXEC, 0x200000, ph, 3);
    struct elf_image img;
    if (!EXPECT_OK(&k, &img)) goto out;
    CHECK(img.warnings == (ELF_WARN_RWX_SEGMENT | ELF_WARN_SHARED_PAGE | ELF_WARN_NO_CONFIG), "warnings 0x%x",
          img.warnings);
    CHECK(img.rwx_seg == 2, "rwx_seg %u", img.rwx_seg);
    CHECK(img.warn_seg_a == 0 && img.warn_seg_b == 1 && img.warn_page == 0x200000, "shared page %u %u 0x%llx",
          img.warn_seg_a, img.warn_seg_b, (unsigned long long)img.warn_page);
    CHECK(elf_page_flags(&img, 0x200000) == (PF_R | PF_X), "shared page gets the union: %u",
          elf_page_flags(&img, 0x200000));
    CHECK(elf_page_flags(&img, 0x201000) == 0, "gap page: %u", elf_page_flags(&img, 0x201000));
out:
    free(k.f);
}

/* elf_flags_end against elf_page_flags, page by page, on random layouts:
 * the flags stay the same up to the page it names, which is past the page
 * asked about and within the limit; and it is exact where a segment edge
 * is the only change (not page by page). */
TEST(flags_end_agrees_with_page_flags) {
    srand(7);
    for (int round = 0; round < 2000; round++) {
        struct elf_image img;
        memset(&img, 0, sizeof img);
        img.nseg = 1 + (uint32_t)(rand() % 4);
        uint64_t at = 0x200000 + (uint64_t)(rand() % 8) * 0x800;
        for (uint32_t i = 0; i < img.nseg; i++) {
            struct elf_segment *sg = &img.seg[i];
            sg->vaddr = at;
            sg->memsz = 1 + (uint64_t)(rand() % 0x6000);
            sg->flags = (uint32_t)(rand() % 8);
            at = sg->vaddr + sg->memsz + (uint64_t)(rand() % 3) * (uint64_t)(rand() % 0x3000);
        }
        if (rand() % 2) {
            const struct elf_segment *sg = &img.seg[(uint32_t)rand() % img.nseg];
            img.has_relro = true;
            img.relro_vaddr = sg->vaddr + (uint64_t)(rand() % 0x800);
            img.relro_memsz = (uint64_t)(rand() % 0x4000);
        }
        uint64_t lo = align_down(img.seg[0].vaddr, 0x1000) - 0x2000, hi = align_up(at, 0x1000) + 0x2000;
        for (uint64_t pg = lo; pg < hi; pg += 0x1000) {
            uint64_t end = elf_flags_end(&img, pg, hi);
            REQUIRE(end > pg && end <= hi && !(end & 0xfff), "round %d page 0x%llx: end 0x%llx", round,
                    (unsigned long long)pg, (unsigned long long)end);
            for (uint64_t q = pg + 0x1000; q < end; q += 0x1000)
                REQUIRE(elf_page_flags(&img, q) == elf_page_flags(&img, pg),
                        "round %d: page 0x%llx has flags %u, page 0x%llx %u, but the stretch from it ends at 0x%llx",
                        round, (unsigned long long)q, elf_page_flags(&img, q), (unsigned long long)pg,
                        elf_page_flags(&img, pg), (unsigned long long)end);
        }
    }
    /* One 64 KiB segment: one stretch, not sixteen. */
    struct elf_image one;
    memset(&one, 0, sizeof one);
    one.nseg = 1;
    one.seg[0] = (struct elf_segment){.vaddr = 0x400000, .memsz = 0x10000, .flags = PF_R | PF_W};
    CHECK(elf_flags_end(&one, 0x400000, 0x500000) == 0x410000 && elf_flags_end(&one, 0x3ff000, 0x500000) == 0x400000 &&
              elf_flags_end(&one, 0x410000, 0x500000) == 0x500000,
          "one segment: %llx %llx %llx", (unsigned long long)elf_flags_end(&one, 0x400000, 0x500000),
          (unsigned long long)elf_flags_end(&one, 0x3ff000, 0x500000),
          (unsigned long long)elf_flags_end(&one, 0x410000, 0x500000));
}

TEST(pie_relocations_applied_with_bias) {
    struct kf k = pie_sample();
    struct elf_image img;
    uint8_t *mem[ELF_MAX_RUNS];
    if (!EXPECT_OK(&k, &img)) goto out;
    CHECK(img.type == ET_DYN && img.entry == P_ENTRY, "type %u entry 0x%llx", img.type,
          (unsigned long long)img.entry);
    CHECK(img.nseg == 2 && img.nrun == 1 && img.run[0].start == 0 && img.run[0].end == 0x3000 &&
              img.min_vaddr == 0 && img.max_vaddr == 0x3000 && img.max_align == 0x1000,
          "layout: %u segments, %u runs, [0x%llx, 0x%llx)", img.nseg, img.nrun, (unsigned long long)img.min_vaddr,
          (unsigned long long)img.max_vaddr);
    CHECK(img.rela_off == VA2OFF(P_RELA_VA) && img.rela_count == 4, "RELA at 0x%llx x%llu",
          (unsigned long long)img.rela_off, (unsigned long long)img.rela_count);
    CHECK(img.relr_off == VA2OFF(P_RELR_VA) && img.relr_count == 3, "RELR at 0x%llx x%llu",
          (unsigned long long)img.relr_off, (unsigned long long)img.relr_count);
    CHECK(elf_page_flags(&img, 0) == (PF_R | PF_X) && elf_page_flags(&img, 0x1000) == PF_R &&
              elf_page_flags(&img, 0x2000) == (PF_R | PF_W),
          "page flags %u %u %u", elf_page_flags(&img, 0), elf_page_flags(&img, 0x1000), elf_page_flags(&img, 0x2000));

    load_runs(&img, mem);
    uint8_t *want = malloc(0x3000);
    memcpy(want, mem[0], 0x3000);
    const uint64_t bias = UINT64_C(0xffffffff80200000);
    kiln_err e;
    CHECK(elf_relocate(&img, mem, (int64_t)bias, &e), "elf_relocate failed");
    /* every word the relocations name, and nothing else */
    uint64_t v;
    v = bias + 0x123, memcpy(want + 0x1800, &v, 8);
    v = bias + 0x20, memcpy(want + 0x0008, &v, 8);
    v = bias + 0x10, memcpy(want + 0x2800, &v, 8);
    for (unsigned i = 0; i < ARRAY_LEN(relr_targets); i++) {
        v = 0x10000 + i * 0x100 + bias;
        memcpy(want + relr_targets[i], &v, 8);
    }
    CHECK(r64(mem[0] + 0x1808) == 0x5555, "R_X86_64_NONE target changed");
    for (uint64_t off = 0; off < 0x3000; off += 8)
        if (r64(mem[0] + off) != r64(want + off)) {
            CHECK(0, "word at 0x%llx is 0x%llx, want 0x%llx", (unsigned long long)off,
                  (unsigned long long)r64(mem[0] + off), (unsigned long long)r64(want + off));
            break;
        }
    free(want);
    free_runs(mem);
out:
    free(k.f);
}

TEST(pie_relocate_negative_bias) {
    /* a bias below zero (link address above the load address) wraps correctly */
    struct kf k = pie_sample();
    struct elf_image img;
    uint8_t *mem[ELF_MAX_RUNS];
    if (!EXPECT_OK(&k, &img)) goto out;
    load_runs(&img, mem);
    kiln_err e;
    CHECK(elf_relocate(&img, mem, -0x10, &e), "elf_relocate failed");
    CHECK(r64(mem[0] + 0x1800) == 0x113 && r64(mem[0] + 0x1900) == 0x10000 - 0x10 &&
              r64(mem[0] + 0x1b08) == 0x10500 - 0x10,
          "negative bias: 0x%llx 0x%llx 0x%llx", (unsigned long long)r64(mem[0] + 0x1800),
          (unsigned long long)r64(mem[0] + 0x1900), (unsigned long long)r64(mem[0] + 0x1b08));
    free_runs(mem);
out:
    free(k.f);
}

TEST(kernel_linked_at_1mib) {
    struct ph ph[] = {
        {PT_LOAD, PF_R | PF_X, 0x1000, 0x100000, 0x2345, 0x2345, 0x1000},
        {PT_LOAD, PF_R | PF_W, 0x4000, 0x104000, 0x10, 0x9000, 0x1000},
    };
    struct kf k = build_fit(ET_EXEC, 0x100000, ph, 2);
    struct elf_image img;
    if (!EXPECT_OK(&k, &img)) goto out;
    CHECK(img.nrun == 1 && img.min_vaddr == 0x100000 && img.max_vaddr == 0x10d000, "span [0x%llx, 0x%llx) in %u runs",
          (unsigned long long)img.min_vaddr, (unsigned long long)img.max_vaddr, img.nrun);
    CHECK(img.entry == 0x100000, "entry");
out:
    free(k.f);
}

TEST(far_apart_segments_make_two_runs) {
    struct ph ph[] = {
        {PT_LOAD, PF_R | PF_W, 0x2000, KB + 0x100000, 0x100, 0x1800, 0x1000},
        {PT_LOAD, PF_R | PF_X, 0x1000, KB, 0x1000, 0x1000, 0x1000},
    };
    struct kf k = build_fit(ET_EXEC, KB, ph, 2);
    struct elf_image img;
    uint8_t *mem[ELF_MAX_RUNS];
    if (!EXPECT_OK(&k, &img)) goto out;
    REQUIRE(img.nrun == 2, "%u runs", img.nrun);
    CHECK(img.run[0].start == KB && img.run[0].end == KB + 0x1000 && img.run[1].start == KB + 0x100000 &&
              img.run[1].end == KB + 0x102000,
          "runs [0x%llx, 0x%llx) [0x%llx, 0x%llx)", (unsigned long long)img.run[0].start,
          (unsigned long long)img.run[0].end, (unsigned long long)img.run[1].start, (unsigned long long)img.run[1].end);
    CHECK(img.min_vaddr == KB && img.max_vaddr == KB + 0x102000, "min/max");
    CHECK(elf_run_of(&img, KB + 0x100010) == 1 && elf_run_of(&img, KB + 0x50000) == -1 && elf_run_of(&img, KB + 8) == 0,
          "elf_run_of");
    load_runs(&img, mem);
    CHECK(memcmp(mem[0], k.f + 0x1000, 0x1000) == 0, "run 0 holds the text");
    CHECK(memcmp(mem[1], k.f + 0x2000, 0x100) == 0, "run 1 holds the data");
    bool zero = true;
    for (unsigned i = 0x100; i < 0x2000; i++) zero = zero && mem[1][i] == 0;
    CHECK(zero, "run 1 .bss and tail zeroed");
    free_runs(mem);
out:
    free(k.f);
}

TEST(run_gap_boundary_64k) {
    /* segments 64 KiB apart share one run; 68 KiB apart they do not */
    for (int extra = 0; extra <= 1; extra++) {
        uint64_t gap = 0x10000 + (uint64_t)extra * 0x1000;
        struct ph ph[] = {
            {PT_LOAD, PF_R | PF_X, 0x1000, KB, 0x1000, 0x1000, 0x1000},
            {PT_LOAD, PF_R | PF_W, 0x2000, KB + 0x1000 + gap, 0x1000, 0x1000, 0x1000},
        };
        struct kf k = build_fit(ET_EXEC, KB, ph, 2);
        struct elf_image img;
        if (EXPECT_OK(&k, &img))
            CHECK(img.nrun == (uint32_t)(1 + extra), "gap 0x%llx: %u runs", (unsigned long long)gap, img.nrun);
        free(k.f);
    }
}

TEST(entry_at_last_byte_of_text_accepted) {
    struct kf k = exec_sample();
    struct elf_image img;
    w64(&k, E_ENTRY, KB + 0x17ff);
    EXPECT_OK(&k, &img);
    free(k.f);
}

TEST(zero_memsz_load_ignored) {
    struct kf k = exec_sample();
    struct elf_image img;
    /* an empty PT_LOAD (even with garbage offsets) is skipped, not loaded */
    struct ph empty = {PT_LOAD, PF_R, UINT64_MAX, UINT64_C(0x900000000000), 0, 0, 3};
    put_ph(&k, X_TLS, empty);
    if (EXPECT_OK(&k, &img)) CHECK(img.nseg == 3, "nseg %u", img.nseg);
    free(k.f);
}

/* ------------------------------------------------------------------------
 * Malformed files: one test each
 * ------------------------------------------------------------------------ */

TEST(bad_too_small) {
    struct kf k = exec_sample();
    EXPECT_FAIL(&k, 63, "63 bytes, too small");
    EXPECT_FAIL(&k, 0, "0 bytes, too small");
    free(k.f);
}

TEST(bad_magic) {
    struct kf k = exec_sample();
    w8(&k, 1, 'X');
    EXPECT_FAIL(&k, k.size, "bad magic");
    free(k.f);
}

TEST(bad_class_32bit) {
    struct kf k = exec_sample();
    w8(&k, 4, 1);
    EXPECT_FAIL(&k, k.size, "not a 64-bit ELF file (class 1)");
    free(k.f);
}

TEST(bad_big_endian) {
    struct kf k = exec_sample();
    w8(&k, 5, 2);
    EXPECT_FAIL(&k, k.size, "not little-endian (data encoding 2)");
    free(k.f);
}

TEST(bad_ident_and_header_versions) {
    struct kf k = exec_sample();
    w8(&k, 6, 2);
    EXPECT_FAIL(&k, k.size, "identification version 2");
    w8(&k, 6, 1);
    w32(&k, E_VERSION, 0);
    EXPECT_FAIL(&k, k.size, "unknown ELF version 0");
    w32(&k, E_VERSION, 1);
    w16(&k, E_EHSIZE, 52);
    EXPECT_FAIL(&k, k.size, "e_ehsize 52 is too small");
    free(k.f);
}

TEST(bad_machine) {
    struct kf k = exec_sample();
    w16(&k, E_MACHINE, 3);
    EXPECT_FAIL(&k, k.size, "machine 3 is not x86_64");
    free(k.f);
}

TEST(bad_type_rel_and_core) {
    struct kf k = exec_sample();
    w16(&k, E_TYPE, ET_REL);
    EXPECT_FAIL(&k, k.size, "type 1 is not an executable");
    w16(&k, E_TYPE, ET_CORE);
    EXPECT_FAIL(&k, k.size, "type 4 is not an executable");
    free(k.f);
}

TEST(bad_phentsize) {
    struct kf k = exec_sample();
    w16(&k, E_PHENTSIZE, 32);
    EXPECT_FAIL(&k, k.size, "e_phentsize is 32, expected 56");
    free(k.f);
}

TEST(bad_phnum_zero) {
    struct kf k = exec_sample();
    w16(&k, E_PHNUM, 0);
    EXPECT_FAIL(&k, k.size, "no program headers");
    free(k.f);
}

TEST(bad_phnum_xnum) {
    struct kf k = exec_sample();
    w16(&k, E_PHNUM, 0xffff);
    EXPECT_FAIL(&k, k.size, "PN_XNUM");
    free(k.f);
}

TEST(bad_phoff_overflow) {
    struct kf k = exec_sample();
    w64(&k, E_PHOFF, UINT64_MAX - 0x40); /* phoff + 5 * 56 wraps */
    EXPECT_FAIL(&k, k.size, "program header table");
    free(k.f);
}

TEST(bad_phoff_past_eof) {
    struct kf k = exec_sample();
    w64(&k, E_PHOFF, k.size - 5 * 56 + 1);
    EXPECT_FAIL(&k, k.size, "program header table");
    free(k.f);
}

TEST(bad_phdrs_truncated_by_file_end) {
    /* the same file cut in the middle of its program headers */
    struct kf k = exec_sample();
    EXPECT_FAIL(&k, PH(X_NPH) - 1, "runs past the end of the file");
    free(k.f);
}

TEST(bad_segment_offset_overflow) {
    struct kf k = exec_sample();
    w64(&k, PH(X_TEXT) + P_OFFSET, UINT64_MAX - 0x10);
    EXPECT_FAIL(&k, k.size, "segment 1 runs past the end of the file");
    free(k.f);
}

TEST(bad_segment_past_eof) {
    struct kf k = exec_sample();
    w64(&k, PH(X_TEXT) + P_OFFSET, k.size - 0x17ff);
    EXPECT_FAIL(&k, k.size, "segment 1 runs past the end of the file");
    /* the last byte exactly at the end is fine */
    w64(&k, PH(X_TEXT) + P_OFFSET, k.size - 0x1800);
    struct elf_image img;
    EXPECT_OK(&k, &img);
    free(k.f);
}

TEST(bad_filesz_over_memsz) {
    struct kf k = exec_sample();
    w64(&k, PH(X_TEXT) + P_FILESZ, 0x1801);
    EXPECT_FAIL(&k, k.size, "segment 1: file size 0x1801 exceeds memory size 0x1800");
    free(k.f);
}

TEST(bad_vaddr_memsz_wrap) {
    struct kf k = exec_sample();
    w64(&k, PH(X_TEXT) + P_VADDR, UINT64_C(0xfffffffffffff800));
    EXPECT_FAIL(&k, k.size, "segment 1 at 0xfffffffffffff800 (+0x1800) is not in canonical address space");
    free(k.f);
}

TEST(bad_noncanonical_vaddr) {
    struct kf k = exec_sample();
    w64(&k, PH(X_TEXT) + P_VADDR, UINT64_C(0x0000900000000000));
    EXPECT_FAIL(&k, k.size, "not in canonical address space");
    free(k.f);
}

TEST(bad_segment_crossing_the_hole) {
    struct kf k = exec_sample();
    /* ends in the hole */
    w64(&k, PH(X_TEXT) + P_VADDR, UINT64_C(0x00007ffffffff000));
    EXPECT_FAIL(&k, k.size, "segment 1 at 0x7ffffffff000");
    /* starts below it and ends above it: both ends canonical */
    w64(&k, PH(X_TEXT) + P_VADDR, 0x1000);
    w64(&k, PH(X_TEXT) + P_MEMSZ, UINT64_C(0xffff800000000000));
    EXPECT_FAIL(&k, k.size, "not in canonical address space");
    free(k.f);
}

TEST(bad_last_page) {
    struct kf k = exec_sample();
    w64(&k, PH(X_RODATA) + P_VADDR, UINT64_C(0xfffffffffffff000));
    EXPECT_FAIL(&k, k.size, "segment 3 reaches the last page");
    free(k.f);
}

TEST(bad_overlapping_segments) {
    struct kf k = exec_sample();
    w64(&k, PH(X_RODATA) + P_VADDR, KB + 0x17ff); /* one byte into the text */
    EXPECT_FAIL(&k, k.size, "segments 1 and 3 overlap");
    /* a segment wholly inside another */
    w64(&k, PH(X_RODATA) + P_VADDR, KB + 0x3100);
    w64(&k, PH(X_RODATA) + P_MEMSZ, 0x800);
    EXPECT_FAIL(&k, k.size, "segments 0 and 3 overlap");
    free(k.f);
}

TEST(bad_null_page_exec) {
    struct ph ph[] = {{PT_LOAD, PF_R | PF_X, 0x1000, 0x0, 0x1000, 0x1000, 0x1000}};
    struct kf k = build_fit(ET_EXEC, 0x10, ph, 1);
    EXPECT_FAIL(&k, k.size, "segment 0 maps the null page");
    w64(&k, PH(0) + P_VADDR, 0xfff);
    w64(&k, E_ENTRY, 0x1000);
    EXPECT_FAIL(&k, k.size, "null page");
    /* the same at 0 is fine for a PIE */
    w64(&k, PH(0) + P_VADDR, 0);
    w64(&k, E_ENTRY, 0x10);
    w16(&k, E_TYPE, ET_DYN);
    struct elf_image img;
    EXPECT_OK(&k, &img);
    free(k.f);
}

TEST(bad_entry_outside_segments) {
    struct kf k = exec_sample();
    w64(&k, E_ENTRY, KB + 0x100000);
    EXPECT_FAIL(&k, k.size, "entry point 0xffffffff80100000 is not inside an executable segment");
    w64(&k, E_ENTRY, KB + 0x1800); /* one past the text */
    EXPECT_FAIL(&k, k.size, "entry point");
    w64(&k, E_ENTRY, 0);
    EXPECT_FAIL(&k, k.size, "entry point");
    free(k.f);
}

TEST(bad_entry_in_non_executable_segment) {
    struct kf k = exec_sample();
    w64(&k, E_ENTRY, KB + 0x2010); /* rodata */
    EXPECT_FAIL(&k, k.size, "entry point 0xffffffff80002010");
    w64(&k, E_ENTRY, KB + 0x4000); /* .bss */
    EXPECT_FAIL(&k, k.size, "entry point");
    free(k.f);
}

TEST(bad_pt_interp) {
    struct kf k = exec_sample();
    w32(&k, PH(X_TLS) + P_TYPE, PT_INTERP);
    EXPECT_FAIL(&k, k.size, "PT_INTERP");
    free(k.f);
}

TEST(bad_two_dynamic_and_two_tls) {
    struct kf k = pie_sample();
    w32(&k, PH(P_STACK) + P_TYPE, PT_DYNAMIC);
    EXPECT_FAIL(&k, k.size, "two PT_DYNAMIC");
    free(k.f);
    k = exec_sample();
    w32(&k, PH(X_RELRO) + P_TYPE, PT_TLS);
    EXPECT_FAIL(&k, k.size, "two PT_TLS");
    free(k.f);
}

TEST(bad_dt_needed) {
    struct kf k = pie_sample();
    w64(&k, DYN(0), DT_NEEDED);
    EXPECT_FAIL(&k, k.size, "DT_NEEDED");
    free(k.f);
}

TEST(bad_dt_rel) {
    struct kf k = pie_sample();
    w64(&k, DYN(0), DT_REL);
    EXPECT_FAIL(&k, k.size, "REL relocations are not used on x86_64");
    w64(&k, DYN(0), DT_RELSZ);
    EXPECT_FAIL(&k, k.size, "REL relocations");
    free(k.f);
}

TEST(bad_plt_relocations) {
    struct kf k = pie_sample();
    w64(&k, DYN(5), DT_PLTRELSZ);
    w64(&k, DYN(5) + 8, 24);
    EXPECT_FAIL(&k, k.size, "PLT relocations");
    free(k.f);
}

TEST(bad_dynamic_past_eof) {
    struct kf k = pie_sample();
    w64(&k, PH(P_DYN) + P_OFFSET, k.size - 0x40);
    EXPECT_FAIL(&k, k.size, "PT_DYNAMIC runs past the end of the file");
    w64(&k, PH(P_DYN) + P_OFFSET, UINT64_MAX - 8);
    EXPECT_FAIL(&k, k.size, "PT_DYNAMIC runs past");
    free(k.f);
}

TEST(bad_rela_table_outside_segments) {
    struct kf k = pie_sample();
    w64(&k, DYN(0) + 8, 0x5000);
    EXPECT_FAIL(&k, k.size, "the RELA table (0x5000, 96 bytes) is not inside the file data of a segment");
    w64(&k, DYN(0) + 8, 0x1fe0); /* starts in .data, ends past its file data */
    EXPECT_FAIL(&k, k.size, "the RELA table (0x1fe0");
    w64(&k, DYN(0) + 8, 0x2800); /* in .bss: no file data */
    EXPECT_FAIL(&k, k.size, "RELA table");
    free(k.f);
}

TEST(bad_rela_entry_size) {
    struct kf k = pie_sample();
    w64(&k, DYN(2) + 8, 16);
    EXPECT_FAIL(&k, k.size, "DT_RELAENT is 16, expected 24");
    w64(&k, DYN(2) + 8, 24);
    w64(&k, DYN(1) + 8, 95);
    EXPECT_FAIL(&k, k.size, "DT_RELASZ 95 is not a multiple of 24");
    free(k.f);
}

TEST(bad_relocation_type) {
    struct kf k = pie_sample();
    w64(&k, RELA(0) + 8, R_X86_64_64 | (UINT64_C(3) << 32));
    EXPECT_FAIL(&k, k.size, "relocation 0 has type 1");
    w64(&k, RELA(0) + 8, R_X86_64_RELATIVE);
    w64(&k, RELA(3) + 8, R_X86_64_GLOB_DAT);
    EXPECT_FAIL(&k, k.size, "relocation 3 has type 6");
    free(k.f);
}

TEST(bad_relocation_target_outside_segments) {
    struct kf k = pie_sample();
    w64(&k, RELA(2), 0x3000);
    EXPECT_FAIL(&k, k.size, "relocation 2 targets 0x3000, outside every segment");
    w64(&k, RELA(2), 0x2ffc); /* the 8 bytes straddle the end of .bss */
    EXPECT_FAIL(&k, k.size, "relocation 2 targets 0x2ffc");
    w64(&k, RELA(2), UINT64_MAX - 3);
    EXPECT_FAIL(&k, k.size, "outside every segment");
    free(k.f);
}

TEST(bad_relr_bitmap_before_address) {
    struct kf k = pie_sample();
    w64(&k, RELR(0), 0x3);
    EXPECT_FAIL(&k, k.size, "RELR bitmap entry 0 comes before any address");
    free(k.f);
}

TEST(bad_relr_targets) {
    struct kf k = pie_sample();
    w64(&k, RELR(0), 0x8000);
    EXPECT_FAIL(&k, k.size, "RELR entry 0 targets 0x8000, outside every segment");
    w64(&k, RELR(0), 0x2f00); /* bit 63 of the next bitmap then reaches 0x2f08 + 62 * 8 = 0x30f8 */
    EXPECT_FAIL(&k, k.size, "RELR entry 1 targets 0x30f8");
    free(k.f);
}

TEST(bad_relr_table) {
    struct kf k = pie_sample();
    w64(&k, DYN(5) + 8, 4);
    EXPECT_FAIL(&k, k.size, "DT_RELRENT is 4, expected 8");
    w64(&k, DYN(5) + 8, 8);
    w64(&k, DYN(4) + 8, 20);
    EXPECT_FAIL(&k, k.size, "DT_RELRSZ 20 is not a multiple of 8");
    w64(&k, DYN(4) + 8, 24);
    w64(&k, DYN(3) + 8, 0x4000);
    EXPECT_FAIL(&k, k.size, "the RELR table (0x4000, 24 bytes)");
    free(k.f);
}

TEST(bad_shentsize) {
    struct kf k = exec_sample();
    w16(&k, E_SHENTSIZE, 40);
    EXPECT_FAIL(&k, k.size, "e_shentsize is 40, expected 64");
    free(k.f);
}

TEST(bad_section_table_past_eof) {
    struct kf k = exec_sample();
    w64(&k, E_SHOFF, k.size - 2 * 64);
    EXPECT_FAIL(&k, k.size, "section header table runs past the end of the file");
    w64(&k, E_SHOFF, UINT64_MAX - 0x40);
    EXPECT_FAIL(&k, k.size, "section header table runs past");
    free(k.f);
}

TEST(bad_shstrndx) {
    struct kf k = exec_sample();
    w16(&k, E_SHSTRNDX, 3);
    EXPECT_FAIL(&k, k.size, "e_shstrndx 3 is out of range (3 sections)");
    w16(&k, E_SHSTRNDX, 0xffff);
    EXPECT_FAIL(&k, k.size, "e_shstrndx 65535 is out of range");
    free(k.f);
}

TEST(bad_section_name_table_past_eof) {
    struct kf k = exec_sample();
    w64(&k, X_SHOFF + 2 * 64 + SH_SIZE, UINT64_MAX);
    EXPECT_FAIL(&k, k.size, "section name table runs past the end of the file");
    free(k.f);
}

TEST(bad_config_section_nobits) {
    struct kf k = exec_sample();
    w32(&k, X_SHOFF + 64 + SH_TYPE, SHT_NOBITS);
    EXPECT_FAIL(&k, k.size, "section .kiln_config has no data in the file");
    free(k.f);
}

TEST(bad_config_section_past_eof) {
    struct kf k = exec_sample();
    w64(&k, X_SHOFF + 64 + SH_SIZE, k.size);
    EXPECT_FAIL(&k, k.size, ".kiln_config has no data in the file");
    w64(&k, X_SHOFF + 64 + SH_SIZE, 152);
    w64(&k, X_SHOFF + 64 + SH_OFFSET, UINT64_MAX - 100);
    EXPECT_FAIL(&k, k.size, ".kiln_config has no data in the file");
    free(k.f);
}

TEST(bad_config_section_misaligned) {
    /* elf_image.config is a struct pointer: an odd file offset would make it
     * a misaligned one, which the first read through it trips over. */
    struct kf k = exec_sample();
    memmove(k.f + X_CONFIG_OFF + 4, k.f + X_CONFIG_OFF, sizeof(struct kiln_config));
    w64(&k, X_SHOFF + 64 + SH_OFFSET, X_CONFIG_OFF + 4);
    EXPECT_FAIL(&k, k.size, ".kiln_config");
    free(k.f);
}

TEST(bad_too_many_loads) {
    struct ph ph[ELF_MAX_LOAD + 1];
    for (unsigned i = 0; i <= ELF_MAX_LOAD; i++)
        ph[i] = (struct ph){PT_LOAD, PF_R | PF_X, 0x1000, KB + i * 0x1000, 0x10, 0x10, 0x1000};
    struct kf k = build(ET_EXEC, KB, ph, ELF_MAX_LOAD + 1, 0x2000);
    EXPECT_FAIL(&k, k.size, "more than 32 PT_LOAD segments");
    /* exactly 32 is fine */
    w16(&k, E_PHNUM, ELF_MAX_LOAD);
    struct elf_image img;
    if (EXPECT_OK(&k, &img)) CHECK(img.nseg == 32 && img.nrun == 1, "%u segments, %u runs", img.nseg, img.nrun);
    free(k.f);
}

TEST(bad_too_many_runs) {
    struct ph ph[ELF_MAX_RUNS + 1];
    for (unsigned i = 0; i <= ELF_MAX_RUNS; i++)
        ph[i] = (struct ph){PT_LOAD, PF_R | PF_X, 0x1000, KB + i * MIB(1), 0x10, 0x10, 0x1000};
    struct kf k = build(ET_EXEC, KB, ph, ELF_MAX_RUNS + 1, 0x2000);
    EXPECT_FAIL(&k, k.size, "more than 8 separate address ranges");
    free(k.f);
}

TEST(bad_align_not_power_of_two) {
    struct kf k = exec_sample();
    w64(&k, PH(X_TEXT) + P_ALIGN, 0x3000);
    EXPECT_FAIL(&k, k.size, "segment 1: p_align 0x3000 is not a power of two");
    w64(&k, PH(X_TEXT) + P_ALIGN, GIB(2));
    EXPECT_FAIL(&k, k.size, "segment 1: p_align 0x80000000 is absurd");
    free(k.f);
}

TEST(bad_tls) {
    struct kf k = exec_sample();
    w64(&k, PH(X_TLS) + P_OFFSET, k.size - 8);
    EXPECT_FAIL(&k, k.size, "PT_TLS runs past the end of the file");
    w64(&k, PH(X_TLS) + P_OFFSET, UINT64_MAX - 8);
    EXPECT_FAIL(&k, k.size, "PT_TLS runs past");
    w64(&k, PH(X_TLS) + P_OFFSET, 0x4080);
    w64(&k, PH(X_TLS) + P_FILESZ, 0x41);
    EXPECT_FAIL(&k, k.size, "PT_TLS file size exceeds its memory size");
    w64(&k, PH(X_TLS) + P_FILESZ, 0x10);
    w64(&k, PH(X_TLS) + P_ALIGN, 12);
    EXPECT_FAIL(&k, k.size, "PT_TLS alignment is not a power of two");
    w64(&k, PH(X_TLS) + P_ALIGN, 16);
    w64(&k, PH(X_TLS) + P_VADDR, KB + 0x8000);
    EXPECT_FAIL(&k, k.size, "TLS template at 0xffffffff80008000 is not inside a loaded segment");
    free(k.f);
}

TEST(bad_relro_outside_segments) {
    struct kf k = exec_sample();
    w64(&k, PH(X_RELRO) + P_VADDR, KB + 0x8000); /* starts past every segment */
    EXPECT_FAIL(&k, k.size, "PT_GNU_RELRO (0xffffffff80008000, +0x1000) does not start inside a loaded segment");
    w64(&k, PH(X_RELRO) + P_VADDR, KB + 0x1800); /* in the gap between text and rodata */
    EXPECT_FAIL(&k, k.size, "does not start inside a loaded segment");
    w64(&k, PH(X_RELRO) + P_VADDR, KB + 0x3000); /* starts inside, but its end wraps */
    w64(&k, PH(X_RELRO) + P_MEMSZ, UINT64_MAX);
    EXPECT_FAIL(&k, k.size, "PT_GNU_RELRO");
    free(k.f);
}

TEST(relro_padded_past_segment_and_page_rounding) {
    /* lld pads RELRO to a page boundary, past the end of the segment: accepted.
     * Pages in [align_down(start), align_down(end)) lose W. */
    struct kf k = exec_sample();
    struct elf_image img;
    w64(&k, PH(X_RELRO) + P_VADDR, KB + 0x5010);
    w64(&k, PH(X_RELRO) + P_MEMSZ, 0x2000); /* to KB + 0x7010, past .data's end at KB + 0x6000 */
    if (EXPECT_OK(&k, &img))
        CHECK(elf_page_flags(&img, KB + 0x4000) == (PF_R | PF_W) && elf_page_flags(&img, KB + 0x5000) == PF_R &&
                  elf_page_flags(&img, KB + 0x6000) == 0,
              "padded RELRO: %u %u %u", elf_page_flags(&img, KB + 0x4000), elf_page_flags(&img, KB + 0x5000),
              elf_page_flags(&img, KB + 0x6000));
    /* an unaligned start takes its whole page; a partial last page stays writable */
    w64(&k, PH(X_RELRO) + P_VADDR, KB + 0x3010);
    w64(&k, PH(X_RELRO) + P_MEMSZ, 0x17f0); /* to KB + 0x4800 */
    if (EXPECT_OK(&k, &img))
        CHECK(elf_page_flags(&img, KB + 0x3000) == PF_R && elf_page_flags(&img, KB + 0x4000) == (PF_R | PF_W),
              "unaligned RELRO: %u %u", elf_page_flags(&img, KB + 0x3000), elf_page_flags(&img, KB + 0x4000));
    /* RELRO never adds permissions to pages outside the segments */
    CHECK(elf_page_flags(&img, KB + 0x2000) == PF_R, "rodata page %u", elf_page_flags(&img, KB + 0x2000));
    free(k.f);
}

TEST(bad_absurd_total_size) {
    struct ph ph[] = {
        {PT_LOAD, PF_R | PF_X, 0x1000, 0x100000, 0x1000, 0x1000, 0x1000},
        {PT_LOAD, PF_R | PF_W, 0x2000, 0x101000, 0x10, GIB(3), 0x1000},
    };
    struct kf k = build_fit(ET_EXEC, 0x100000, ph, 2);
    EXPECT_FAIL(&k, k.size, "the loaded kernel would take 3072 MiB (limit 2048 MiB)");
    /* two runs that are each under the limit but not together */
    w64(&k, PH(1) + P_VADDR, GIB(4));
    w64(&k, PH(1) + P_MEMSZ, GIB(2));
    EXPECT_FAIL(&k, k.size, "(limit 2048 MiB)");
    free(k.f);
}

TEST(bad_no_load_segment) {
    struct kf k = exec_sample();
    w32(&k, PH(X_TEXT) + P_TYPE, PT_NOTE);
    w32(&k, PH(X_RODATA) + P_TYPE, PT_NOTE);
    w32(&k, PH(X_DATA) + P_TYPE, PT_NOTE);
    EXPECT_FAIL(&k, k.size, "no loadable (PT_LOAD) segment");
    free(k.f);
}

/* ------------------------------------------------------------------------
 * Fuzzing
 * ------------------------------------------------------------------------ */

#define rnd test_rand
#define rnd_below test_rand_below

static uint64_t interesting(uint64_t size, uint64_t old) {
    static const uint64_t v[] = {
        0, 1, 2, 7, 8, 16, 24, 0x38, 0x40, 0xfff, 0x1000, 0x1001, 0x1800, 0x2000, 0x3000, 0x10000,
        0x7fffffff, 0x80000000, 0xffffffff, UINT64_C(0x100000000), UINT64_C(0x7ffffffff000),
        UINT64_C(0x800000000000), UINT64_C(0xffff800000000000), KB, KB + 0x1000, UINT64_C(0xfffffffffffff000),
        UINT64_MAX, UINT64_MAX - 7, UINT64_C(1) << 63, GIB(2), GIB(1) + 1,
    };
    switch (rnd_below(4)) {
    case 0: return v[rnd_below(ARRAY_LEN(v))];
    case 1: return size - rnd_below(0x200) + 0x100; /* around the end of the file */
    case 2: return old + rnd_below(0x2001) - 0x1000; /* a nudge */
    default: return rnd();
    }
}

/* Corrupts k in place with one random mutation. Program headers, the ELF
 * header and the dynamic/relocation/section tables get most of the hits. */
static void mutate(struct kf *k, unsigned nph, uint64_t table_off, uint64_t table_len) {
    uint64_t hdr_len = PH(nph);
    uint64_t off, old;
    switch (rnd_below(8)) {
    case 0: /* any byte */
        w8(k, rnd_below(k->size), (uint8_t)rnd());
        break;
    case 1: /* a header byte */
        w8(k, rnd_below(hdr_len), (uint8_t)rnd());
        break;
    case 2:
    case 3: /* an 8-byte program header field */
        off = PH(rnd_below(nph)) + 8 * rnd_below(7);
        if (rnd_below(2)) off = PH(rnd_below(nph)) + 8 + 8 * rnd_below(6);
        old = r64(k->f + off);
        w64(k, off, interesting(k->size, old));
        break;
    case 4: /* an ELF header field */
        off = (uint64_t[]){E_ENTRY, E_PHOFF, E_SHOFF}[rnd_below(3)];
        if (rnd_below(2)) {
            off = (uint64_t[]){E_TYPE, E_PHENTSIZE, E_PHNUM, E_SHENTSIZE, E_SHNUM, E_SHSTRNDX}[rnd_below(6)];
            w16(k, off, (uint16_t)(rnd_below(3) ? rnd_below(8) : rnd()));
        } else {
            w64(k, off, interesting(k->size, r64(k->f + off)));
        }
        break;
    case 5: /* a program header type */
        w32(k, PH(rnd_below(nph)) + P_TYPE,
            (uint32_t[]){PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_TLS, PT_GNU_RELRO, 0}[rnd_below(6)]);
        break;
    default: /* a word of the dynamic/relocation (or section) tables */
        off = table_off + 8 * rnd_below(table_len / 8);
        old = r64(k->f + off);
        w64(k, off, rnd_below(3) ? interesting(k->size, old) : old ^ (UINT64_C(1) << rnd_below(64)));
        break;
    }
}

/* What an accepted image must satisfy, whatever the input was. */
static bool sane(const struct elf_image *img, const uint8_t *file, uint64_t size, char *why, size_t whylen) {
#define INSANE(...) return snprintf(why, whylen, __VA_ARGS__), false
    if (img->type != ET_EXEC && img->type != ET_DYN) INSANE("type %u", img->type);
    if (img->nseg < 1 || img->nseg > ELF_MAX_LOAD) INSANE("nseg %u", img->nseg);
    if (img->nrun < 1 || img->nrun > ELF_MAX_RUNS) INSANE("nrun %u", img->nrun);
    if (!is_pow2(img->max_align) || img->max_align < PAGE_SIZE) INSANE("max_align 0x%llx", (unsigned long long)img->max_align);
    for (uint32_t i = 0; i < img->nrun; i++) {
        const struct elf_run *r = &img->run[i];
        if (r->start >= r->end || (r->start | r->end) & (PAGE_SIZE - 1)) INSANE("run %u malformed", i);
        if (i && img->run[i - 1].end >= r->start) INSANE("runs %u and %u not ordered and disjoint", i - 1, i);
    }
    if (img->min_vaddr != img->run[0].start || img->max_vaddr != img->run[img->nrun - 1].end) INSANE("min/max");
    bool entry_ok = false;
    for (uint32_t i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        uint64_t end;
        if (s->memsz == 0 || s->filesz > s->memsz) INSANE("segment %u sizes", i);
        if (!add_ok(s->offset, s->filesz, &end) || end > size) INSANE("segment %u outside the file", i);
        if (!add_ok(s->vaddr, s->memsz, &end) || !va_canonical(s->vaddr) || !va_canonical(end - 1) ||
            (s->vaddr >> 47) != ((end - 1) >> 47))
            INSANE("segment %u not canonical", i);
        if (img->type == ET_EXEC && s->vaddr < PAGE_SIZE) INSANE("segment %u in the null page", i);
        if (i && img->seg[i - 1].vaddr + img->seg[i - 1].memsz > s->vaddr) INSANE("segments %u, %u overlap", i - 1, i);
        int r = elf_run_of(img, s->vaddr);
        if (r < 0 || end > img->run[r].end) INSANE("segment %u not inside one run", i);
        if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr && img->entry < end) entry_ok = true;
    }
    if (!entry_ok) INSANE("entry 0x%llx not in an executable segment", (unsigned long long)img->entry);
    uint64_t end;
    if (img->rela_count && (img->rela_count > size / 24 || !add_ok(img->rela_off, img->rela_count * 24, &end) || end > size))
        INSANE("RELA table outside the file");
    if (img->relr_count && (img->relr_count > size / 8 || !add_ok(img->relr_off, img->relr_count * 8, &end) || end > size))
        INSANE("RELR table outside the file");
    if (img->config) {
        if ((const uint8_t *)img->config != file + img->config_offset) INSANE("config pointer");
        if (!add_ok(img->config_offset, img->config_size, &end) || end > size) INSANE("config outside the file");
        if ((uintptr_t)img->config % 8) INSANE("config record misaligned");
    }
    return true;
#undef INSANE
}

static unsigned fuzz_accepted, fuzz_loaded;

static void fuzz_one(const struct kf *base, unsigned nph, uint64_t table_off, uint64_t table_len, unsigned iter) {
    struct kf k = kf_copy(base->f, base->size);
    unsigned n = 1 + (unsigned)rnd_below(rnd_below(4) ? 3 : 10);
    for (unsigned i = 0; i < n; i++) mutate(&k, nph, table_off, table_len);
    if (rnd_below(16) == 0) { /* also truncate: parse an exact-size copy of a prefix */
        struct kf t = kf_copy(k.f, rnd_below(k.size + 1));
        free(k.f);
        k = t;
    }
    struct elf_image *img = malloc(sizeof *img);
    kiln_err e;
    memset(&e, 0, sizeof e);
    if (elf_parse(k.f, k.size, img, &e)) {
        char why[160];
        fuzz_accepted++;
        if (!sane(img, k.f, k.size, why, sizeof why)) {
            CHECK(0, "iteration %u: accepted an insane image: %s", iter, why);
        } else {
            /* the loader hands the record to kconfig_resolve: config_size bytes must be readable */
            struct kiln_config cfg;
            kiln_err ce;
            if (img->config) (void)kconfig_resolve(img->config, img->config_size, &cfg, &ce);
            uint64_t total = 0;
            for (uint32_t i = 0; i < img->nrun; i++) total += img->run[i].end - img->run[i].start;
            if (total <= MIB(4)) { /* load it: ASan sees any write outside the run buffers */
                uint8_t *mem[ELF_MAX_RUNS];
                load_runs(img, mem);
                for (uint32_t i = 0; i < img->nseg; i++) { /* every segment's file bytes landed */
                    const struct elf_segment *s = &img->seg[i];
                    int r = elf_run_of(img, s->vaddr);
                    if (s->filesz && memcmp(mem[r] + (s->vaddr - img->run[r].start), k.f + s->offset, s->filesz))
                        CHECK(0, "iteration %u: segment %u not loaded", iter, i);
                }
                CHECK(elf_relocate(img, mem, (int64_t)(rnd() & ~UINT64_C(0xfff)), &e), "iteration %u: relocate", iter);
                free_runs(mem);
                fuzz_loaded++;
            }
        }
    } else {
        CHECK(e.msg[0] != 0 && strncmp(e.msg, "elf: ", 5) == 0, "iteration %u: rejected without an elf: message (\"%s\")",
              iter, e.msg);
    }
    free(img);
    free(k.f);
}

TEST(fuzz_corrupted_files) {
    struct kf ex = exec_sample(), pie = pie_sample();
    test_seed(UINT64_C(0x4b494c4e46555a5a));
    fuzz_accepted = fuzz_loaded = 0;
    for (unsigned it = 0; it < 20000 && !test_failed_now(); it++) {
        if (it & 1) fuzz_one(&pie, P_NPH, P_DYN_OFF, 0x500, it);     /* .dynamic, RELA, RELR */
        else fuzz_one(&ex, X_NPH, X_SHSTR_OFF, X_SIZE - X_SHSTR_OFF, it); /* section names and headers */
    }
    /* the fuzzer must exercise both outcomes to mean anything */
    CHECK(fuzz_accepted > 1000 && fuzz_loaded > 1000, "only %u accepted, %u loaded of 20000", fuzz_accepted,
          fuzz_loaded);
    free(ex.f);
    free(pie.f);
}

/* Issue 10: a relocation table's three tags come together or not at all. A
 * DT_RELA without DT_RELASZ used to load the kernel with no relocations. */
TEST(bad_incomplete_relocation_tables) {
    static const struct {
        unsigned slot; /* the DYN() slot to blank (made DT_DEBUG, tag 21: ignored) */
        const char *want;
    } c[] = {
        {1, "has DT_RELA but no DT_RELASZ (an incomplete relocation table)"},
        {2, "has DT_RELA but no DT_RELAENT"},
        {0, "has DT_RELASZ but no DT_RELA"},
        {4, "has DT_RELR but no DT_RELRSZ"},
        {5, "has DT_RELR but no DT_RELRENT"},
        {3, "has DT_RELRSZ but no DT_RELR"},
    };
    for (unsigned i = 0; i < ARRAY_LEN(c); i++) {
        struct kf k = pie_sample();
        w64(&k, DYN(c[i].slot), 21);
        EXPECT_FAIL(&k, k.size, c[i].want);
        free(k.f);
    }
}

TEST(bad_duplicate_relocation_tags) {
    struct kf k = pie_sample();
    w64(&k, DYN(3), DT_RELASZ); /* DT_RELR becomes a second DT_RELASZ */
    EXPECT_FAIL(&k, k.size, "two DT_RELASZ entries");
    free(k.f);
}

TEST(bad_dynamic_size_not_whole_entries) {
    struct kf k = pie_sample();
    w64(&k, PH(P_DYN) + P_FILESZ, 0x78);
    EXPECT_FAIL(&k, k.size, "PT_DYNAMIC is 120 bytes, not a whole number of 16-byte entries");
    free(k.f);
}

TEST(empty_relocation_table_accepted) {
    struct kf k = pie_sample();
    w64(&k, DYN(1) + 8, 0); /* DT_RELASZ 0: a table with no entries */
    struct elf_image *img = malloc(sizeof *img);
    if (EXPECT_OK(&k, img)) CHECK(img->rela_count == 0 && img->relr_count == 3, "rela %llu relr %llu",
                                  (unsigned long long)img->rela_count, (unsigned long long)img->relr_count);
    free(img);
    free(k.f);
}
