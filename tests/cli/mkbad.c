/* mkbad.c - writes malformed kernels for tests/cli/malformed.sh.
 *
 *   mkbad VALID.elf OUTDIR
 *
 * Each file in OUTDIR is VALID.elf (a correct x86_64 kernel with a
 * KILN_CONFIG record, e.g. tk-high.elf) with one field patched, or cut
 * short. One line per file goes to stdout:
 *
 *   FILENAME<TAB>a substring the loader's error message must contain
 *
 * The substrings are the exact wording of core/elf.c and
 * core/kconfig.c, with the values this program put in. Plain C on
 * purpose: no project headers (only tests/cli/testtool.h), so the
 * expectations are written down independently of the code under test.
 * Assumes a little-endian host. */
#define TOOL "mkbad"
#include "testtool.h"

#define EHDR 64u
#define PHDR 56u
#define SHDR 64u
#define PT_LOAD 1u
#define PT_DYNAMIC 2u
#define PT_INTERP 3u
#define PF_X 1u
#define CFG_MAGIC0 UINT64_C(0x4749464e4f434e4b)
#define CFG_MAGIC1 UINT64_C(0x1d6b2a85e0f34c97)

static const char *outdir;
static uint8_t *orig;
static size_t orig_size;

/* A working copy of the valid file, `extra` bytes longer (zero filled). */
static uint8_t *copy(size_t extra) {
    uint8_t *b = calloc(1, orig_size + extra + 1);
    if (!b) die("out of memory");
    memcpy(b, orig, orig_size);
    return b;
}

/* Writes `size` bytes of b as OUTDIR/name and prints the expectation line:
 * the error the tool must give, or for a "warn-" file the warning. */
static void emit(const char *name, const uint8_t *b, size_t size, const char *fmt, ...) {
    char path[4096], want[512];
    va_list ap;
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "wb");
    if (!f) die("%s: %s", path, strerror(errno));
    if (size && fwrite(b, 1, size, f) != size) die("%s: write failed", path);
    if (fclose(f) != 0) die("%s: close failed: %s", path, strerror(errno));
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    printf("%s\t%s\n", name, want);
}

/* Header fields of the valid file. */
static uint64_t phoff, shoff, entry;
static uint16_t phnum, shnum, shstrndx;
static uint8_t *ph(uint8_t *b, unsigned i) { return b + phoff + (uint64_t)i * PHDR; }

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: mkbad VALID.elf OUTDIR\n");
        return 2;
    }
    outdir = argv[2];
    orig = load(argv[1], &orig_size);
    if (orig_size < 1024) die("%s: too small to be the valid kernel", argv[1]);

    /* --- learn the shape of the valid kernel ------------------------------------------- */
    if (memcmp(orig, "\177ELF\2\1\1", 7) || g16(orig + 18) != 62 || g16(orig + 16) != 2)
        die("%s: not an x86_64 ET_EXEC ELF64 file", argv[1]);
    entry = g64(orig + 24);
    phoff = g64(orig + 32);
    shoff = g64(orig + 40);
    phnum = g16(orig + 56);
    shnum = g16(orig + 60);
    shstrndx = g16(orig + 62);
    if (phoff + (uint64_t)phnum * PHDR > orig_size) die("program headers past the end");
    if (phoff + (uint64_t)phnum * PHDR <= 200) die("program headers inside the first 200 bytes");
    int text = -1, rodata = -1, other = -1, last_load = -1;
    unsigned nload = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *p = ph(orig, i);
        if (g32(p) == PT_LOAD) {
            nload++;
            last_load = (int)i;
            if ((g32(p + 4) & PF_X) && text < 0) text = (int)i;
            else if (!(g32(p + 4) & PF_X) && rodata < 0) rodata = (int)i;
        } else if (other < 0) {
            other = (int)i;
        }
    }
    /* The cases below assume: the first PT_LOAD is the executable one and the
     * next follows it (so moving it onto the first is an overlap), at least
     * three loads, and one header that is not PT_LOAD (PT_TLS here). */
    if (text != 0 || rodata != 1 || nload < 3 || other < 0 || last_load != (int)nload - 1)
        die("%s: expected PT_LOAD x, PT_LOAD, PT_LOAD..., then another header", argv[1]);
    if (shoff == 0 || shnum == 0 || shstrndx == 0 || shoff + (uint64_t)shnum * SHDR > orig_size)
        die("%s: expected a section header table with names", argv[1]);
    /* The KILN_CONFIG record: the .kiln_config section. */
    uint64_t cfg = 0, cfg_size = 0;
    const uint8_t *strsh = orig + shoff + (uint64_t)shstrndx * SHDR;
    uint64_t stroff = g64(strsh + 24), strsize = g64(strsh + 32);
    for (unsigned i = 0; i < shnum; i++) {
        const uint8_t *sh = orig + shoff + (uint64_t)i * SHDR;
        uint32_t nm = g32(sh);
        if (nm < strsize && !strcmp((const char *)orig + stroff + nm, ".kiln_config"))
            cfg = g64(sh + 24), cfg_size = g64(sh + 32);
    }
    if (!cfg || cfg_size < 152 || g64(orig + cfg) != CFG_MAGIC0 || g64(orig + cfg + 8) != CFG_MAGIC1)
        die("%s: no .kiln_config section with a KILN_CONFIG record", argv[1]);
    unsigned major = g16(orig + cfg + 16), minor = g16(orig + cfg + 18);
    if (major != 1) die("%s: the record is from kiln.h %u.%u; this program expects 1.x", argv[1], major, minor);
    if (g64(orig + cfg + 24) != 0 && g64(orig + cfg + 24) > (UINT64_C(1) << 30))
        die("%s: unexpected stack_size", argv[1]);

    const uint8_t *t = ph(orig, (unsigned)text), *r = ph(orig, (unsigned)rodata), *d = ph(orig, (unsigned)last_load);
    uint64_t t_vaddr = g64(t + 16), t_memsz = g64(t + 40);
    uint64_t r_vaddr = g64(r + 16), r_memsz = g64(r + 40);
    uint64_t d_filesz = g64(d + 32), d_memsz = g64(d + 40);
    unsigned di = (unsigned)last_load;
    if (entry < t_vaddr || entry >= t_vaddr + t_memsz) die("%s: the entry is not in the first segment", argv[1]);
    if (d_filesz == 0 || d_memsz < d_filesz || d_memsz > 0x10000) die("%s: odd last PT_LOAD", argv[1]);
    uint8_t *b;

    /* --- the ELF header -------------------------------------------------------------- */
    emit("empty.elf", orig, 0, "elf: file is 0 bytes, too small for an ELF header");
    emit("ten-bytes.elf", orig, 10, "elf: file is 10 bytes, too small for an ELF header");
    emit("ehdr-63.elf", orig, 63, "elf: file is 63 bytes, too small for an ELF header");
    b = copy(0), memcpy(b, "MZ\x90\0", 4);
    emit("bad-magic.elf", b, orig_size, "elf: not an ELF file (bad magic)");
    b = copy(0), b[4] = 1;
    emit("class32.elf", b, orig_size, "elf: not a 64-bit ELF file (class 1); Kiln loads x86_64 kernels");
    b = copy(0), b[5] = 2;
    emit("big-endian.elf", b, orig_size, "elf: not little-endian (data encoding 2)");
    b = copy(0), b[6] = 0;
    emit("ident-version.elf", b, orig_size, "elf: unknown ELF identification version 0");
    b = copy(0), p16(b + 16, 1);
    emit("type-rel.elf", b, orig_size, "elf: type 1 is not an executable (need ET_EXEC, or ET_DYN for PIE)");
    b = copy(0), p16(b + 16, 4);
    emit("type-core.elf", b, orig_size, "elf: type 4 is not an executable");
    b = copy(0), p16(b + 18, 3);
    emit("machine-386.elf", b, orig_size, "elf: machine 3 is not x86_64 (62)");
    b = copy(0), p16(b + 18, 183);
    emit("machine-aarch64.elf", b, orig_size, "elf: machine 183 is not x86_64 (62)");
    b = copy(0), p32(b + 20, 2);
    emit("elf-version.elf", b, orig_size, "elf: unknown ELF version 2");
    b = copy(0), p16(b + 52, 52);
    emit("ehsize.elf", b, orig_size, "elf: e_ehsize 52 is too small");

    /* --- the program header table -------------------------------------------------------- */
    b = copy(0), p16(b + 54, 32);
    emit("phentsize.elf", b, orig_size, "elf: e_phentsize is 32, expected 56");
    b = copy(0), p16(b + 56, 0);
    emit("phnum0.elf", b, orig_size, "elf: no program headers; is this an object file rather than a linked kernel?");
    b = copy(0), p16(b + 56, 0xffff);
    emit("phnum-xnum.elf", b, orig_size, "elf: more than 65534 program headers (PN_XNUM) is not supported");
    b = copy(0), p64(b + 32, orig_size);
    emit("phoff-past-eof.elf", b, orig_size,
         "elf: the program header table (offset 0x%zx, %u entries) runs past the end of the file", orig_size, phnum);
    b = copy(0), p64(b + 32, orig_size - PHDR);
    emit("phoff-straddles-eof.elf", b, orig_size,
         "elf: the program header table (offset 0x%zx, %u entries) runs past the end of the file", orig_size - PHDR,
         phnum);
    /* phoff + phnum * 56 wraps around 2^64 to a small number inside the file. */
    b = copy(0), p64(b + 32, UINT64_C(0xffffffffffffffc0));
    emit("phoff-overflow.elf", b, orig_size,
         "elf: the program header table (offset 0xffffffffffffffc0, %u entries) runs past the end of the file", phnum);
    b = copy(0), p16(b + 56, 0xfffe);
    emit("phnum-huge.elf", b, orig_size,
         "elf: the program header table (offset 0x%llx, 65534 entries) runs past the end of the file",
         (unsigned long long)phoff);
    emit("truncated-200.elf", orig, 200,
         "elf: the program header table (offset 0x%llx, %u entries) runs past the end of the file",
         (unsigned long long)phoff, phnum);

    /* --- PT_LOAD segments ---------------------------------------------------------------- */
    /* The last PT_LOAD's data ends 8 bytes past the end of the file. */
    b = copy(0), p64(ph(b, di) + 8, orig_size - d_filesz + 8);
    emit("seg-past-eof.elf", b, orig_size, "elf: segment %u runs past the end of the file (offset 0x%llx + 0x%llx > 0x%zx)",
         di, (unsigned long long)(orig_size - d_filesz + 8), (unsigned long long)d_filesz, orig_size);
    /* offset + filesz wraps to a small value. */
    b = copy(0), p64(ph(b, di) + 8, UINT64_C(0xfffffffffffffff0));
    emit("seg-offset-overflow.elf", b, orig_size,
         "elf: segment %u runs past the end of the file (offset 0xfffffffffffffff0 + 0x%llx > 0x%zx)", di,
         (unsigned long long)d_filesz, orig_size);
    b = copy(0), p64(ph(b, di) + 32, UINT64_C(0xffffffffffffff00)), p64(ph(b, di) + 40, UINT64_C(0xffffffffffffff00));
    emit("seg-filesz-overflow.elf", b, orig_size,
         "elf: segment %u runs past the end of the file (offset 0x%llx + 0xffffffffffffff00 > 0x%zx)", di,
         (unsigned long long)g64(d + 8), orig_size);
    b = copy(0), p64(ph(b, 0) + 32, t_memsz + 0x1000);
    emit("filesz-gt-memsz.elf", b, orig_size, "elf: segment 0: file size 0x%llx exceeds memory size 0x%llx",
         (unsigned long long)(t_memsz + 0x1000), (unsigned long long)t_memsz);
    b = copy(0), p64(ph(b, 1) + 16, UINT64_C(0x0000900000000000));
    emit("vaddr-noncanonical.elf", b, orig_size,
         "elf: segment 1 at 0x900000000000 (+0x%llx) is not in canonical address space", (unsigned long long)r_memsz);
    /* Starts canonical (low half), ends in the hole. */
    b = copy(0), p64(ph(b, di) + 16, UINT64_C(0x00007fffffffff00));
    emit("seg-into-hole.elf", b, orig_size, "elf: segment %u at 0x7fffffffff00 (+0x%llx) is not in canonical address space",
         di, (unsigned long long)d_memsz);
    /* Both ends canonical, but it spans the hole from the low to the high half. */
    b = copy(0), p64(ph(b, di) + 16, UINT64_C(0x00007ffffffff000)), p64(ph(b, di) + 40, UINT64_C(0xffff000000001001));
    emit("seg-across-hole.elf", b, orig_size,
         "elf: segment %u at 0x7ffffffff000 (+0xffff000000001001) is not in canonical address space", di);
    /* vaddr + memsz wraps past 2^64. */
    b = copy(0), p64(ph(b, di) + 16, UINT64_C(0xfffffffffffff000)), p64(ph(b, di) + 40, 0x2000);
    emit("seg-wraps.elf", b, orig_size, "elf: segment %u at 0xfffffffffffff000 (+0x2000) is not in canonical address space",
         di);
    /* Ends exactly at 2^64, whatever the segment's size (the test kernel's .bss grows with its checks). */
    b = copy(0), p64(ph(b, di) + 16, (uint64_t)0 - ((d_memsz + 0xfff) & ~(uint64_t)0xfff));
    emit("seg-last-page.elf", b, orig_size, "elf: segment %u reaches the last page of the address space", di);
    b = copy(0), p64(ph(b, 1) + 16, 0x10);
    emit("null-page.elf", b, orig_size, "elf: segment 1 maps the null page (vaddr 0x10); link the kernel at 1 MiB or above");
    b = copy(0), p64(ph(b, 1) + 48, 0x3000);
    emit("align-not-pow2.elf", b, orig_size, "elf: segment 1: p_align 0x3000 is not a power of two");
    b = copy(0), p64(ph(b, 1) + 48, UINT64_C(1) << 31);
    emit("align-absurd.elf", b, orig_size, "elf: segment 1: p_align 0x80000000 is absurd");
    /* The second segment moved onto the first's second page. */
    b = copy(0), p64(ph(b, 1) + 16, t_vaddr + 0x1000);
    emit("overlap.elf", b, orig_size, "elf: segments 0 and 1 overlap (0x%llx < 0x%llx)",
         (unsigned long long)(t_vaddr + 0x1000), (unsigned long long)(t_vaddr + t_memsz));
    b = copy(0);
    for (unsigned i = 0; i < phnum; i++)
        if (g32(ph(b, i)) == PT_LOAD) p32(ph(b, i), 0);
    emit("no-load.elf", b, orig_size, "elf: no loadable (PT_LOAD) segment");

    /* --- the entry point --------------------------------------------------------------- */
    /* The classic wrong ENTRY(): an address in the read-only data. */
    b = copy(0), p64(b + 24, r_vaddr);
    emit("entry-in-rodata.elf", b, orig_size, "elf: the entry point 0x%llx is not inside an executable segment "
                                              "(check ENTRY() in the linker script and that KILN_ENTRY defines _start)",
         (unsigned long long)r_vaddr);
    b = copy(0), p64(b + 24, 0);
    emit("entry-zero.elf", b, orig_size, "elf: the entry point 0x0 is not inside an executable segment");
    b = copy(0), p64(b + 24, t_vaddr + t_memsz);
    emit("entry-past-text.elf", b, orig_size, "elf: the entry point 0x%llx is not inside an executable segment",
         (unsigned long long)(t_vaddr + t_memsz));
    b = copy(0), p64(b + 24, 0x100000);
    emit("entry-low.elf", b, orig_size, "elf: the entry point 0x100000 is not inside an executable segment");

    /* --- dynamic linking ---------------------------------------------------------------- */
    b = copy(0), p32(ph(b, (unsigned)other), PT_INTERP);
    emit("pt-interp.elf", b, orig_size, "elf: the kernel asks for a program interpreter (PT_INTERP); link with "
                                        "-static-pie or -pie --no-dynamic-linker");
    /* A PT_DYNAMIC naming a shared library, in 32 bytes appended to the file. */
    b = copy(32);
    p32(ph(b, (unsigned)other), PT_DYNAMIC);
    p64(ph(b, (unsigned)other) + 8, orig_size);
    p64(ph(b, (unsigned)other) + 32, 32);
    p64(b + orig_size, 1); /* DT_NEEDED; then DT_NULL */
    p64(b + orig_size + 8, 1);
    emit("dt-needed.elf", b, orig_size + 32, "elf: the kernel needs a shared library (DT_NEEDED); link it statically");
    b = copy(0);
    p32(ph(b, (unsigned)other), PT_DYNAMIC);
    p64(ph(b, (unsigned)other) + 8, orig_size - 16);
    p64(ph(b, (unsigned)other) + 32, 32);
    emit("dynamic-past-eof.elf", b, orig_size, "elf: PT_DYNAMIC runs past the end of the file");
    /* Inconsistent relocation tables (issue 10: a DT_RELA without DT_RELASZ loaded
     * with no relocations applied): each table in a PT_DYNAMIC appended to the file.
     * t_vaddr is inside the text segment's file data, 0x10 outside every segment. */
    {
        const uint64_t RELA = 7, RELASZ = 8, RELAENT = 9, RELRSZ = 35, RELR = 36, RELRENT = 37;
        const struct {
            const char *name;
            uint64_t d[3][2];
            const char *want;
        } dc[] = {
            {"dt-rela-no-relasz.elf", {{RELA, t_vaddr}, {RELAENT, 24}}, "the dynamic section has DT_RELA but no DT_RELASZ"},
            {"dt-rela-no-relaent.elf", {{RELA, t_vaddr}, {RELASZ, 24}}, "the dynamic section has DT_RELA but no DT_RELAENT"},
            {"dt-relasz-no-rela.elf", {{RELASZ, 24}, {RELAENT, 24}}, "the dynamic section has DT_RELASZ but no DT_RELA"},
            {"dt-relr-no-relrsz.elf", {{RELR, t_vaddr}, {RELRENT, 8}}, "the dynamic section has DT_RELR but no DT_RELRSZ"},
            {"dt-relr-no-relrent.elf", {{RELR, t_vaddr}, {RELRSZ, 8}}, "the dynamic section has DT_RELR but no DT_RELRENT"},
            {"dt-relasz-odd.elf", {{RELA, t_vaddr}, {RELASZ, 25}, {RELAENT, 24}}, "DT_RELASZ 25 is not a multiple of 24"},
            {"dt-relrsz-odd.elf", {{RELR, t_vaddr}, {RELRSZ, 12}, {RELRENT, 8}}, "DT_RELRSZ 12 is not a multiple of 8"},
            {"dt-relaent.elf", {{RELA, t_vaddr}, {RELASZ, 48}, {RELAENT, 16}}, "DT_RELAENT is 16, expected 24"},
            {"dt-rela-outside.elf", {{RELA, 0x10}, {RELASZ, 24}, {RELAENT, 24}},
             "the RELA table (0x10, 24 bytes) is not inside the file data of a segment"},
            {"dt-relr-outside.elf", {{RELR, 0x10}, {RELRSZ, 8}, {RELRENT, 8}},
             "the RELR table (0x10, 8 bytes) is not inside the file data of a segment"},
        };
        for (unsigned c = 0; c < sizeof dc / sizeof dc[0]; c++) {
            b = copy(64); /* three entries and DT_NULL */
            p32(ph(b, (unsigned)other), PT_DYNAMIC);
            p64(ph(b, (unsigned)other) + 8, orig_size);
            p64(ph(b, (unsigned)other) + 32, 64);
            for (unsigned i = 0; i < 3; i++) {
                p64(b + orig_size + 16 * i, dc[c].d[i][0]);
                p64(b + orig_size + 16 * i + 8, dc[c].d[i][1]);
            }
            emit(dc[c].name, b, orig_size + 64, "elf: %s", dc[c].want);
        }
    }

    /* --- section headers ------------------------------------------------------------------ */
    b = copy(0), p64(b + 40, orig_size);
    emit("shdrs-past-eof.elf", b, orig_size, "elf: the section header table runs past the end of the file");
    b = copy(0), p64(b + 40, UINT64_C(0xffffffffffffff80));
    emit("shoff-overflow.elf", b, orig_size, "elf: the section header table runs past the end of the file");
    b = copy(0), p16(b + 58, 40);
    emit("shentsize.elf", b, orig_size, "elf: e_shentsize is 40, expected 64");
    b = copy(0), p16(b + 62, shnum);
    emit("shstrndx.elf", b, orig_size, "elf: e_shstrndx %u is out of range (%u sections)", shnum, shnum);

    /* --- the KILN_CONFIG record -------------------------------------------------------- */
    b = copy(0), p16(b + cfg + 16, 2), p16(b + cfg + 18, 0);
    emit("config-major2.elf", b, orig_size,
         "config: the kernel was built against kiln.h 2.0, but this Kiln speaks 1.%u; rebuild the kernel with this "
         "kiln.h or use a Kiln of major version 2", minor);
    b = copy(0), p16(b + cfg + 16, 0), p16(b + cfg + 18, 9);
    emit("config-major0.elf", b, orig_size, "config: the kernel was built against kiln.h 0.9, but this Kiln speaks 1.%u",
         minor);
    b = copy(0), p64(b + cfg + 24, UINT64_C(2) << 30);
    emit("config-stack-2g.elf", b, orig_size, "config: stack_size 2147483648 is over the 1 GiB limit");
    b = copy(0), b[cfg + 3] ^= 0xff;
    emit("config-bad-magic.elf", b, orig_size, "config: .kiln_config does not start with the KILN_CONFIG magic");
    b = copy(0), p32(b + cfg + 20, 100);
    emit("config-size-small.elf", b, orig_size, "config: KILN_CONFIG record is 100 bytes, kiln.h 1.0 made 152");
    b = copy(0), p32(b + cfg + 20, 4096);
    emit("config-size-big.elf", b, orig_size, "config: KILN_CONFIG record claims 4096 bytes but only %llu are in the file",
         (unsigned long long)cfg_size);
    b = copy(0), p64(b + cfg + 136, 1);
    emit("config-reserved.elf", b, orig_size, "config: reserved field 0 is not zero");
    b = copy(0), p32(b + cfg + 120, 2);
    emit("config-smp-2.elf", b, orig_size, "config: smp must be KILN_SMP_NONE (0) or KILN_SMP_START (1), not 2");
    b = copy(0), p32(b + cfg + 128, 5), p32(b + cfg + 132, 4);
    emit("config-paging-5-4.elf", b, orig_size, "config: paging levels 5-4: each must be 4 or 5");
    b = copy(0), p64(b + cfg + 32, UINT64_C(0xffffc00000000010));
    emit("config-stack-unaligned.elf", b, orig_size, "config: stack address 0xffffc00000000010 is not 4 KiB aligned");
    b = copy(0), p64(b + cfg + 40, UINT64_C(0x0000900000000000));
    emit("config-bootinfo-noncanonical.elf", b, orig_size,
         "config: boot_info address 0x900000000000 is not canonical");
    b = copy(0), p32(b + cfg + 104, 2);
    emit("config-aslr.elf", b, orig_size, "config: aslr must be 0 or 1, not 2");
    b = copy(0), p32(b + cfg + 108, 9);
    emit("config-fb-mode.elf", b, orig_size, "config: unknown fb_mode 9");
    b = copy(0), p32(b + cfg + 108, 3), p32(b + cfg + 112, 0), p32(b + cfg + 116, 0);
    emit("config-fb-max-nosize.elf", b, orig_size, "config: fb_mode max needs fb_width and fb_height");

    /* --- accepted, with a warning (names starting "warn-"; the expectation
     * is the text after "kiln: warning: PATH") ------------------------------ */
    b = copy(0), p32(ph(b, (unsigned)text) + 4, g32(ph(b, (unsigned)text) + 4) | 2 /* PF_W */);
    emit("warn-rwx.elf", b, orig_size, ": segment %d is writable and executable", text);
    b = copy(0), p16(b + cfg + 18, (uint16_t)(minor + 7));
    emit("warn-newer.elf", b, orig_size, " was built against a newer kiln.h; fields this Kiln does not know are ignored");
    return 0;
}
