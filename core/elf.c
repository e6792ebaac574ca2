/* elf.c - ELF64 kernel validation and loading (elf.h).
 *
 * Every read from the file goes through rd16/rd32/rd64 after a bounds check,
 * and every sum of two file-controlled values goes through add_ok(). A
 * message names the program header, section or field at fault. */
#include "core/elf.h"

#include <kiln/fmt.h>

#include "core/kstring.h"

#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_TLS 7
#define PT_GNU_RELRO 0x6474e552u

#define SHT_PROGBITS 1
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
#define R_X86_64_RELATIVE 8

#define EHDR_SIZE 64u
#define PHDR_SIZE 56u
#define SHDR_SIZE 64u
#define RELA_SIZE 24u
#define RUN_GAP KIB(64)          /* segments closer than this share one run */
#define MAX_IMAGE GIB(2)         /* total loaded size accepted */
#define MAX_DYN_ENTRIES 4096u

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Does [off, off+len) lie inside the file? */
static bool in_file(const struct elf_image *img, uint64_t off, uint64_t len) {
    uint64_t end;
    return add_ok(off, len, &end) && end <= img->size;
}

/* File offset of link-time [va, va+len) if it lies in one segment's file data. */
static bool va_to_off(const struct elf_image *img, uint64_t va, uint64_t len, uint64_t *off) {
    for (uint32_t i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        if (va >= s->vaddr && va - s->vaddr <= s->filesz && len <= s->filesz - (va - s->vaddr)) {
            *off = s->offset + (va - s->vaddr);
            return true;
        }
    }
    return false;
}

/* Is link-time [va, va+len) inside one segment's memory image? */
static bool va_in_segment(const struct elf_image *img, uint64_t va, uint64_t len) {
    for (uint32_t i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        if (va >= s->vaddr && va - s->vaddr <= s->memsz && len <= s->memsz - (va - s->vaddr)) return true;
    }
    return false;
}

static bool check_header(struct elf_image *img, kiln_err *e) {
    const uint8_t *f = img->file;
    if (img->size < EHDR_SIZE) return err_set(e, "elf: file is %llu bytes, too small for an ELF header", (unsigned long long)img->size);
    if (f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' || f[3] != 'F') return err_set(e, "elf: not an ELF file (bad magic)");
    if (f[4] != 2) return err_set(e, "elf: not a 64-bit ELF file (class %u); Kiln loads x86_64 kernels", f[4]);
    if (f[5] != 1) return err_set(e, "elf: not little-endian (data encoding %u)", f[5]);
    if (f[6] != 1) return err_set(e, "elf: unknown ELF identification version %u", f[6]);
    img->type = rd16(f + 16);
    if (img->type != ET_EXEC && img->type != ET_DYN)
        return err_set(e, "elf: type %u is not an executable (need ET_EXEC, or ET_DYN for PIE)", img->type);
    if (rd16(f + 18) != EM_X86_64) return err_set(e, "elf: machine %u is not x86_64 (62)", rd16(f + 18));
    if (rd32(f + 20) != 1) return err_set(e, "elf: unknown ELF version %u", rd32(f + 20));
    if (rd16(f + 52) < EHDR_SIZE) return err_set(e, "elf: e_ehsize %u is too small", rd16(f + 52));
    img->entry = rd64(f + 24);
    return true;
}

static bool take_load(struct elf_image *img, const uint8_t *ph, uint32_t idx, kiln_err *e) {
    struct elf_segment s = {
        .vaddr = rd64(ph + 16), .memsz = rd64(ph + 40), .offset = rd64(ph + 8),
        .filesz = rd64(ph + 32), .align = rd64(ph + 48), .flags = rd32(ph + 4) & 7, .index = idx,
    };
    uint64_t last;
    if (s.memsz == 0) return true; /* nothing to load */
    if (s.filesz > s.memsz)
        return err_set(e, "elf: segment %u: file size 0x%llx exceeds memory size 0x%llx", idx,
                       (unsigned long long)s.filesz, (unsigned long long)s.memsz);
    if (!in_file(img, s.offset, s.filesz))
        return err_set(e, "elf: segment %u runs past the end of the file (offset 0x%llx + 0x%llx > 0x%llx)", idx,
                       (unsigned long long)s.offset, (unsigned long long)s.filesz, (unsigned long long)img->size);
    if (!add_ok(s.vaddr, s.memsz - 1, &last) || !va_canonical(s.vaddr) || !va_canonical(last) ||
        (s.vaddr >> 47) != (last >> 47))
        return err_set(e, "elf: segment %u at 0x%llx (+0x%llx) is not in canonical address space", idx,
                       (unsigned long long)s.vaddr, (unsigned long long)s.memsz);
    if (s.align > 1 && !is_pow2(s.align)) return err_set(e, "elf: segment %u: p_align 0x%llx is not a power of two", idx, (unsigned long long)s.align);
    if (s.align > GIB(1)) return err_set(e, "elf: segment %u: p_align 0x%llx is absurd", idx, (unsigned long long)s.align);
    if (img->type == ET_EXEC && s.vaddr < PAGE_SIZE)
        return err_set(e, "elf: segment %u maps the null page (vaddr 0x%llx); link the kernel at 1 MiB or above",
                       idx, (unsigned long long)s.vaddr);
    if (last >= UINT64_C(0xfffffffffffff000))
        return err_set(e, "elf: segment %u reaches the last page of the address space", idx);
    if (img->nseg == ELF_MAX_LOAD) return err_set(e, "elf: more than %u PT_LOAD segments", ELF_MAX_LOAD);
    if ((s.flags & (ELF_PF_W | ELF_PF_X)) == (ELF_PF_W | ELF_PF_X) && !(img->warnings & ELF_WARN_RWX_SEGMENT)) {
        img->warnings |= ELF_WARN_RWX_SEGMENT;
        img->rwx_seg = idx;
    }
    img->seg[img->nseg++] = s;
    return true;
}

static void sort_segments(struct elf_image *img) {
    for (uint32_t i = 1; i < img->nseg; i++)
        for (uint32_t j = i; j > 0 && img->seg[j - 1].vaddr > img->seg[j].vaddr; j--) {
            struct elf_segment t = img->seg[j];
            img->seg[j] = img->seg[j - 1];
            img->seg[j - 1] = t;
        }
}

static bool build_runs(struct elf_image *img, kiln_err *e) {
    uint64_t total = 0;
    img->nrun = 0;
    for (uint32_t i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        /* take_load() keeps segments out of the last page, so this cannot wrap. */
        uint64_t start = align_down(s->vaddr, PAGE_SIZE), end = align_up(s->vaddr + s->memsz, PAGE_SIZE);
        if (i > 0) {
            const struct elf_segment *p = &img->seg[i - 1];
            if (s->vaddr < p->vaddr + p->memsz)
                return err_set(e, "elf: segments %u and %u overlap (0x%llx < 0x%llx)", p->index, s->index,
                               (unsigned long long)s->vaddr, (unsigned long long)(p->vaddr + p->memsz));
            if (align_down(p->vaddr + p->memsz - 1, PAGE_SIZE) == start && p->flags != s->flags &&
                !(img->warnings & ELF_WARN_SHARED_PAGE)) {
                img->warnings |= ELF_WARN_SHARED_PAGE;
                img->warn_seg_a = p->index;
                img->warn_seg_b = s->index;
                img->warn_page = start;
            }
        }
        struct elf_run *r = img->nrun ? &img->run[img->nrun - 1] : 0;
        if (r && (start < r->end || start - r->end <= RUN_GAP)) {
            if (end > r->end) r->end = end;
        } else {
            if (img->nrun == ELF_MAX_RUNS)
                return err_set(e, "elf: segments are scattered over more than %u separate address ranges",
                               ELF_MAX_RUNS);
            img->run[img->nrun++] = (struct elf_run){start, end};
        }
    }
    for (uint32_t i = 0; i < img->nrun; i++) total += img->run[i].end - img->run[i].start;
    if (total > MAX_IMAGE)
        return err_set(e, "elf: the loaded kernel would take %llu MiB (limit %llu MiB)",
                       (unsigned long long)(total >> 20), (unsigned long long)(MAX_IMAGE >> 20));
    img->min_vaddr = img->run[0].start;
    img->max_vaddr = img->run[img->nrun - 1].end;
    return true;
}

static bool check_rela(struct elf_image *img, kiln_err *e) {
    for (uint64_t i = 0; i < img->rela_count; i++) {
        const uint8_t *r = img->file + img->rela_off + i * RELA_SIZE;
        uint64_t where = rd64(r), info = rd64(r + 8);
        uint32_t type = (uint32_t)info;
        if (type == R_X86_64_NONE) continue;
        if (type != R_X86_64_RELATIVE)
            return err_set(e, "elf: relocation %llu has type %u; Kiln applies only R_X86_64_RELATIVE "
                              "(link with -static-pie or -pie --no-dynamic-linker, no shared libraries)",
                           (unsigned long long)i, type);
        if (!va_in_segment(img, where, 8))
            return err_set(e, "elf: relocation %llu targets 0x%llx, outside every segment", (unsigned long long)i,
                           (unsigned long long)where);
    }
    return true;
}

static bool check_relr(struct elf_image *img, kiln_err *e) {
    uint64_t where = 0;
    bool have_where = false;
    for (uint64_t i = 0; i < img->relr_count; i++) {
        uint64_t w = rd64(img->file + img->relr_off + i * 8);
        if (!(w & 1)) {
            if (!va_in_segment(img, w, 8))
                return err_set(e, "elf: RELR entry %llu targets 0x%llx, outside every segment", (unsigned long long)i,
                               (unsigned long long)w);
            where = w + 8;
            have_where = true;
            continue;
        }
        if (!have_where) return err_set(e, "elf: RELR bitmap entry %llu comes before any address", (unsigned long long)i);
        for (unsigned b = 1; b < 64; b++)
            if ((w >> b) & 1) {
                uint64_t at = where + (uint64_t)(b - 1) * 8;
                if (at < where || !va_in_segment(img, at, 8))
                    return err_set(e, "elf: RELR entry %llu targets 0x%llx, outside every segment",
                                   (unsigned long long)i, (unsigned long long)at);
            }
        where += 63 * 8;
    }
    return true;
}

/* One relocation table's three tags (DT_RELA/DT_RELASZ/DT_RELAENT, or the
 * RELR ones). A table is used only when all three are present exactly once:
 * an address without a size (or the reverse) would otherwise load the
 * kernel with no relocations applied, which runs until the first pointer. */
static const char *const dyn_suffix[3] = {"", "SZ", "ENT"};

struct dyn_table {
    const char *name;          /* "RELA" or "RELR" */
    uint64_t tag[3], val[3];   /* address, size, entry size */
    unsigned seen[3];
    uint64_t entsize;          /* the only entry size x86_64 uses */
};

static bool dyn_table_note(struct dyn_table *t, uint64_t tag, uint64_t val, kiln_err *e) {
    for (int i = 0; i < 3; i++) {
        if (tag != t->tag[i]) continue;
        if (t->seen[i]++)
            return err_set(e, "elf: the dynamic section has two DT_%s%s entries", t->name, dyn_suffix[i]);
        t->val[i] = val;
    }
    return true;
}

/* Checks a table's tags for consistency; *present says whether it exists. */
static bool dyn_table_check(const struct dyn_table *t, bool *present, kiln_err *e) {
    *present = t->seen[0] || t->seen[1] || t->seen[2];
    if (!*present) return true;
    for (int i = 0; i < 3; i++)
        if (!t->seen[i])
            return err_set(e, "elf: the dynamic section has DT_%s%s but no DT_%s%s (an incomplete relocation table)",
                           t->name, dyn_suffix[t->seen[0] ? 0 : t->seen[1] ? 1 : 2], t->name, dyn_suffix[i]);
    if (t->val[2] != t->entsize)
        return err_set(e, "elf: DT_%sENT is %llu, expected %llu", t->name, (unsigned long long)t->val[2],
                       (unsigned long long)t->entsize);
    if (t->val[1] % t->entsize)
        return err_set(e, "elf: DT_%sSZ %llu is not a multiple of %llu", t->name, (unsigned long long)t->val[1],
                       (unsigned long long)t->entsize);
    return true;
}

static bool parse_dynamic(struct elf_image *img, uint64_t off, uint64_t size, kiln_err *e) {
    struct dyn_table rela = {"RELA", {DT_RELA, DT_RELASZ, DT_RELAENT}, {0}, {0}, RELA_SIZE};
    struct dyn_table relr = {"RELR", {DT_RELR, DT_RELRSZ, DT_RELRENT}, {0}, {0}, 8};
    uint64_t pltrelsz = 0;
    bool present;
    if (!in_file(img, off, size)) return err_set(e, "elf: PT_DYNAMIC runs past the end of the file");
    if (size % 16) return err_set(e, "elf: PT_DYNAMIC is %llu bytes, not a whole number of 16-byte entries",
                                  (unsigned long long)size);
    uint64_t n = size / 16;
    if (n > MAX_DYN_ENTRIES) n = MAX_DYN_ENTRIES;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *d = img->file + off + i * 16;
        uint64_t tag = rd64(d), val = rd64(d + 8);
        if (tag == DT_NULL) break;
        switch (tag) {
        case DT_NEEDED: return err_set(e, "elf: the kernel needs a shared library (DT_NEEDED); link it statically");
        case DT_REL:
        case DT_RELSZ: return err_set(e, "elf: REL relocations are not used on x86_64; the kernel is malformed");
        case DT_PLTRELSZ: pltrelsz = val; break;
        default:
            if (!dyn_table_note(&rela, tag, val, e) || !dyn_table_note(&relr, tag, val, e)) return false;
            break;
        }
    }
    if (pltrelsz)
        return err_set(e, "elf: the kernel has PLT relocations (calls through a dynamic linker); link with -static-pie");
    if (!dyn_table_check(&rela, &present, e)) return false;
    if (present && rela.val[1]) {
        if (!va_to_off(img, rela.val[0], rela.val[1], &img->rela_off))
            return err_set(e, "elf: the RELA table (0x%llx, %llu bytes) is not inside the file data of a segment",
                           (unsigned long long)rela.val[0], (unsigned long long)rela.val[1]);
        img->rela_count = rela.val[1] / RELA_SIZE;
        if (!check_rela(img, e)) return false;
    }
    if (!dyn_table_check(&relr, &present, e)) return false;
    if (present && relr.val[1]) {
        if (!va_to_off(img, relr.val[0], relr.val[1], &img->relr_off))
            return err_set(e, "elf: the RELR table (0x%llx, %llu bytes) is not inside the file data of a segment",
                           (unsigned long long)relr.val[0], (unsigned long long)relr.val[1]);
        img->relr_count = relr.val[1] / 8;
        if (!check_relr(img, e)) return false;
    }
    return true;
}

/* Finds .kiln_config through the section headers. Returns false on a
 * malformed section table; *found says whether the section exists. */
static bool config_from_sections(struct elf_image *img, bool *found, kiln_err *e) {
    const uint8_t *f = img->file;
    uint64_t shoff = rd64(f + 40);
    uint16_t shentsize = rd16(f + 58), shnum = rd16(f + 60), shstrndx = rd16(f + 62);
    *found = false;
    if (shoff == 0 || shnum == 0) return true;
    if (shentsize != SHDR_SIZE) return err_set(e, "elf: e_shentsize is %u, expected 64", shentsize);
    if (!in_file(img, shoff, (uint64_t)shnum * SHDR_SIZE))
        return err_set(e, "elf: the section header table runs past the end of the file");
    if (shstrndx == 0) return true; /* no section names */
    if (shstrndx >= shnum) return err_set(e, "elf: e_shstrndx %u is out of range (%u sections)", shstrndx, shnum);
    const uint8_t *strsh = f + shoff + (uint64_t)shstrndx * SHDR_SIZE;
    uint64_t stroff = rd64(strsh + 24), strsize = rd64(strsh + 32);
    if (!in_file(img, stroff, strsize)) return err_set(e, "elf: the section name table runs past the end of the file");
    for (uint16_t i = 0; i < shnum; i++) {
        const uint8_t *sh = f + shoff + (uint64_t)i * SHDR_SIZE;
        uint32_t name = rd32(sh);
        static const char want[] = ".kiln_config";
        if (name >= strsize || strsize - name < sizeof want) continue;
        if (memcmp(f + stroff + name, want, sizeof want) != 0) continue;
        uint64_t off = rd64(sh + 24), size = rd64(sh + 32);
        if (*found) return err_set(e, "elf: two .kiln_config sections");
        if (rd32(sh + 4) == SHT_NOBITS || !in_file(img, off, size))
            return err_set(e, "elf: section .kiln_config has no data in the file");
        /* img->config is a struct pointer: it must be aligned (KILN_CONFIG is aligned(8)). */
        if (off & 7)
            return err_set(e, "elf: section .kiln_config is at file offset 0x%llx, not 8-byte aligned",
                           (unsigned long long)off);
        *found = true;
        img->config = (const struct kiln_config *)(f + off);
        img->config_size = size;
        img->config_offset = off;
    }
    return true;
}

/* Fallback for kernels whose section names are gone: the record's 16-byte
 * magic, 8-byte aligned, inside a loaded segment's file data. */
static bool config_by_scan(struct elf_image *img, kiln_err *e) {
    for (uint32_t i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        uint64_t start = align_up(s->offset, 8);
        for (uint64_t off = start; off + 16 <= s->offset + s->filesz; off += 8) {
            if (rd64(img->file + off) != KILN_CONFIG_MAGIC0 || rd64(img->file + off + 8) != KILN_CONFIG_MAGIC1)
                continue;
            if (img->config) return err_set(e, "elf: two KILN_CONFIG records (at file offsets 0x%llx and 0x%llx)",
                                            (unsigned long long)img->config_offset, (unsigned long long)off);
            img->config = (const struct kiln_config *)(img->file + off);
            img->config_size = s->offset + s->filesz - off;
            img->config_offset = off;
        }
    }
    return true;
}

bool elf_parse_load(const void *file, uint64_t size, uint64_t readable, struct elf_image *img, kiln_err *e) {
    memset(img, 0, sizeof *img);
    img->file = file;
    img->size = size;
    if (size >= EHDR_SIZE && readable < EHDR_SIZE) return err_set(e, "elf: the ELF header is not in the bytes read");
    if (!check_header(img, e)) return false;
    const uint8_t *f = img->file;
    uint64_t phoff = rd64(f + 32);
    uint16_t phentsize = rd16(f + 54), phnum = rd16(f + 56);
    if (phnum == 0) return err_set(e, "elf: no program headers; is this an object file rather than a linked kernel?");
    if (phnum == 0xffff) return err_set(e, "elf: more than 65534 program headers (PN_XNUM) is not supported");
    if (phentsize != PHDR_SIZE) return err_set(e, "elf: e_phentsize is %u, expected 56", phentsize);
    if (!in_file(img, phoff, (uint64_t)phnum * PHDR_SIZE))
        return err_set(e, "elf: the program header table (offset 0x%llx, %u entries) runs past the end of the file",
                       (unsigned long long)phoff, phnum);
    if (phoff + (uint64_t)phnum * PHDR_SIZE > readable) return err_set(e, "elf: the program headers are not in the bytes read");

    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *ph = f + phoff + (uint64_t)i * PHDR_SIZE;
        uint32_t type = rd32(ph);
        if (type == PT_LOAD) {
            if (!take_load(img, ph, i, e)) return false;
        } else if (type == PT_INTERP) {
            return err_set(e, "elf: the kernel asks for a program interpreter (PT_INTERP); link with "
                              "-static-pie or -pie --no-dynamic-linker");
        } else if (type == PT_DYNAMIC) {
            if (img->has_dynamic) return err_set(e, "elf: two PT_DYNAMIC headers");
            img->has_dynamic = true;
            img->dyn_off = rd64(ph + 8);
            img->dyn_size = rd64(ph + 32);
        } else if (type == PT_TLS) {
            if (img->has_tls) return err_set(e, "elf: two PT_TLS headers");
            img->has_tls = true;
            img->tls_vaddr = rd64(ph + 16);
            img->tls_filesz = rd64(ph + 32);
            img->tls_memsz = rd64(ph + 40);
            img->tls_align = rd64(ph + 48);
            if (img->tls_filesz > img->tls_memsz) return err_set(e, "elf: PT_TLS file size exceeds its memory size");
            if (img->tls_align > 1 && !is_pow2(img->tls_align)) return err_set(e, "elf: PT_TLS alignment is not a power of two");
            if (!in_file(img, rd64(ph + 8), img->tls_filesz)) return err_set(e, "elf: PT_TLS runs past the end of the file");
        } else if (type == PT_GNU_RELRO) {
            img->has_relro = true;
            img->relro_vaddr = rd64(ph + 16);
            img->relro_memsz = rd64(ph + 40);
        }
    }
    if (img->nseg == 0) return err_set(e, "elf: no loadable (PT_LOAD) segment");
    sort_segments(img);
    if (!build_runs(img, e)) return false;
    img->max_align = PAGE_SIZE;
    for (uint32_t i = 0; i < img->nseg; i++) img->max_align = MAX(img->max_align, img->seg[i].align);
    return true;
}

bool elf_parse(const void *file, uint64_t size, struct elf_image *img, kiln_err *e) {
    if (!elf_parse_load(file, size, size, img, e)) return false;

    bool entry_ok = false;
    for (uint32_t i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz) entry_ok = true;
    }
    if (!entry_ok)
        return err_set(e, "elf: the entry point 0x%llx is not inside an executable segment "
                          "(check ENTRY() in the linker script and that KILN_ENTRY defines _start)",
                       (unsigned long long)img->entry);
    if (img->has_tls && img->tls_filesz && !va_in_segment(img, img->tls_vaddr, img->tls_filesz))
        return err_set(e, "elf: the TLS template at 0x%llx is not inside a loaded segment", (unsigned long long)img->tls_vaddr);
    /* Only RELRO's start must be loaded: lld pads its size to the next page
     * boundary, past the end of the segment. Pages beyond the segments are
     * simply not mapped, so the rounding in elf_page_flags cannot reach them. */
    uint64_t relro_end;
    if (img->has_relro && img->relro_memsz &&
        (!va_in_segment(img, img->relro_vaddr, 1) || !add_ok(img->relro_vaddr, img->relro_memsz, &relro_end)))
        return err_set(e, "elf: PT_GNU_RELRO (0x%llx, +0x%llx) does not start inside a loaded segment",
                       (unsigned long long)img->relro_vaddr, (unsigned long long)img->relro_memsz);
    if (img->has_dynamic && !parse_dynamic(img, img->dyn_off, img->dyn_size, e)) return false;

    bool found;
    if (!config_from_sections(img, &found, e)) return false;
    if (!found && !config_by_scan(img, e)) return false;
    if (!img->config) img->warnings |= ELF_WARN_NO_CONFIG;
    else if (img->config_size >= sizeof(struct kiln_config_header) &&
             img->config->header.version_minor > KILN_VERSION_MINOR &&
             img->config->header.version_major == KILN_VERSION_MAJOR)
        img->warnings |= ELF_WARN_CONFIG_NEWER;
    return true;
}

int elf_run_of(const struct elf_image *img, uint64_t va) {
    for (uint32_t i = 0; i < img->nrun; i++)
        if (va >= img->run[i].start && va < img->run[i].end) return (int)i;
    return -1;
}

static uint8_t *at(const struct elf_image *img, uint8_t *const run_mem[], uint64_t va) {
    int r = elf_run_of(img, va);
    return run_mem[r] + (va - img->run[r].start);
}

/* Each byte of a run is written once: the file data copied, everything
 * between (page heads and tails, .bss, gaps) zeroed. Segments are sorted
 * by address and do not overlap (elf_parse), so one pass per run does it;
 * the run buffers need not be zeroed beforehand. */
void elf_load_segments(const struct elf_image *img, uint8_t *const run_mem[], bool data_placed) {
    uint32_t si = 0;
    for (uint32_t r = 0; r < img->nrun; r++) {
        uint64_t cur = img->run[r].start, end = img->run[r].end;
        for (; si < img->nseg && img->seg[si].vaddr < end; si++) {
            const struct elf_segment *s = &img->seg[si];
            memset(run_mem[r] + (cur - img->run[r].start), 0, s->vaddr - cur);
            if (s->filesz && !data_placed)
                memcpy(run_mem[r] + (s->vaddr - img->run[r].start), img->file + s->offset, s->filesz);
            cur = s->vaddr + s->filesz;
        }
        memset(run_mem[r] + (cur - img->run[r].start), 0, end - cur);
    }
}

bool elf_relocate(const struct elf_image *img, uint8_t *const run_mem[], int64_t bias, kiln_err *e) {
    (void)e; /* every target was validated by elf_parse */
    for (uint64_t i = 0; i < img->rela_count; i++) {
        const uint8_t *r = img->file + img->rela_off + i * RELA_SIZE;
        if ((uint32_t)rd64(r + 8) != R_X86_64_RELATIVE) continue;
        uint64_t v = (uint64_t)bias + rd64(r + 16);
        memcpy(at(img, run_mem, rd64(r)), &v, 8);
    }
    uint64_t where = 0;
    for (uint64_t i = 0; i < img->relr_count; i++) {
        uint64_t w = rd64(img->file + img->relr_off + i * 8), v;
        if (!(w & 1)) {
            uint8_t *p = at(img, run_mem, w);
            memcpy(&v, p, 8);
            v += (uint64_t)bias;
            memcpy(p, &v, 8);
            where = w + 8;
            continue;
        }
        for (unsigned b = 1; b < 64; b++)
            if ((w >> b) & 1) {
                uint8_t *p = at(img, run_mem, where + (uint64_t)(b - 1) * 8);
                memcpy(&v, p, 8);
                v += (uint64_t)bias;
                memcpy(p, &v, 8);
            }
        where += 63 * 8;
    }
    return true;
}

uint32_t elf_page_flags(const struct elf_image *img, uint64_t page) {
    uint32_t flags = 0;
    for (uint32_t i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        if (page < s->vaddr + s->memsz && s->vaddr < page + PAGE_SIZE) flags |= s->flags | ELF_PF_R;
    }
    /* RELRO: read-only after relocation. Like the dynamic linkers do, the
     * range is [start rounded down, end rounded down): linkers start RELRO
     * on a page of its own (its head may be file-offset padding) and pad
     * its end to a page boundary, so a partial last page is not RELRO. */
    if (img->has_relro && img->relro_memsz && page >= align_down(img->relro_vaddr, PAGE_SIZE) &&
        page < align_down(img->relro_vaddr + img->relro_memsz, PAGE_SIZE))
        flags &= ~ELF_PF_W;
    return flags;
}

/* elf_page_flags is constant between the pages where a segment's or the
 * RELRO range's page span [align_down(start), align_up(end)) (RELRO:
 * align_down(end)) begins or ends. */
static uint64_t next_edge(uint64_t page, uint64_t edge, uint64_t best) { return edge > page && edge < best ? edge : best; }

uint64_t elf_flags_end(const struct elf_image *img, uint64_t page, uint64_t limit) {
    uint64_t end = limit;
    for (uint32_t i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        end = next_edge(page, align_down(s->vaddr, PAGE_SIZE), end);
        end = next_edge(page, align_up(s->vaddr + s->memsz, PAGE_SIZE), end);
    }
    if (img->has_relro && img->relro_memsz) {
        end = next_edge(page, align_down(img->relro_vaddr, PAGE_SIZE), end);
        end = next_edge(page, align_down(img->relro_vaddr + img->relro_memsz, PAGE_SIZE), end);
    }
    return end;
}

int elf_warning(const struct elf_image *img, uint32_t w, const char *subject, char *buf, size_t n) {
    switch (img->warnings & w) {
    case ELF_WARN_RWX_SEGMENT:
        kiln_snprintf(buf, n, "%s: segment %u is writable and executable", subject, img->rwx_seg);
        return ELF_WARNING;
    case ELF_WARN_SHARED_PAGE:
        kiln_snprintf(buf, n, "%s: segments %u and %u share the page at 0x%llx; it gets both permissions", subject,
                      img->warn_seg_a, img->warn_seg_b, (unsigned long long)img->warn_page);
        return ELF_WARNING;
    case ELF_WARN_NO_CONFIG:
        kiln_snprintf(buf, n, "%s has no KILN_CONFIG record; using defaults", subject);
        return ELF_NOTE;
    case ELF_WARN_CONFIG_NEWER:
        kiln_snprintf(buf, n, "%s was built against a newer kiln.h; fields this Kiln does not know are ignored",
                      subject);
        return ELF_WARNING;
    default:
        return 0;
    }
}
