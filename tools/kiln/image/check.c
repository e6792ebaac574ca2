/* check.c - `kiln check KERNEL`: the loader's own validation, and the
 * address-space layout a boot would produce. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"
#include "core/kconfig.h"
#include "core/vaplan.h"
#include "tools/kiln/image/image.h"
#include "tools/kiln/util/die.h"

static const char *flags_str(uint32_t f) {
    static char s[4];
    s[0] = f & ELF_PF_R ? 'r' : '-';
    s[1] = f & ELF_PF_W ? 'w' : '-';
    s[2] = f & ELF_PF_X ? 'x' : '-';
    s[3] = 0;
    return s;
}

static void range(const char *what, uint64_t start, uint64_t size, const char *note) {
    printf("  %-18s 0x%016llx-0x%016llx %s\n", what, (unsigned long long)start,
           (unsigned long long)(start + size), note ? note : "");
}

/* --memory SIZE: MiB, as `kiln run --memory` takes it. */
static uint64_t parse_memory(const char *s) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || s[0] == '-' || v < 1 || v > (1ull << 24))
        die("check: --memory wants a size in MiB (1 to 16777216), not '%s'", s);
    return v << 20;
}

/* Can the kernel fit a machine with `mem` bytes of RAM (issue 10)? Each run
 * of segments needs one contiguous block; besides them a boot takes the
 * kernel file's copy, the stack, and about 1 MiB of boot info, page tables
 * and the loader's own pages. A BIOS leaves all of RAM above 1 MiB (minus a
 * little at the top) in one block; UEFI firmware keeps part of it and splits
 * the rest, by an amount Kiln cannot know beforehand. */
static void predict_fit(const char *path, const struct elf_image *img, const struct kiln_config *cfg, uint64_t file_size,
                        uint64_t mem) {
    uint64_t segs = 0, largest = 0;
    for (uint32_t i = 0; i < img->nrun; i++) {
        uint64_t r = img->run[i].end - img->run[i].start;
        segs += r;
        largest = MAX(largest, r);
    }
    uint64_t need = segs + align_up(file_size, PAGE_SIZE) + cfg->stack_size + MIB(1);
    uint64_t above = mem > MIB(1) ? mem - MIB(1) : 0;
    if (need > above)
        die("%s: does not fit in %llu MiB of RAM: a boot needs about %llu KiB (%llu KiB of segments, the largest run "
            "%llu KiB in one block, then the kernel file, the stack, boot info and page tables), and %llu KiB lie above "
            "1 MiB", path, (unsigned long long)(mem >> 20), (unsigned long long)(need >> 10),
            (unsigned long long)(segs >> 10), (unsigned long long)(largest >> 10), (unsigned long long)(above >> 10));
    printf("memory: a boot needs about %llu KiB, the largest run %llu KiB in one block: it fits %llu MiB under a BIOS\n",
           (unsigned long long)(need >> 10), (unsigned long long)(largest >> 10), (unsigned long long)(mem >> 20));
    if (largest > mem / 2)
        fprintf(stderr,
                "kiln: warning: %s: under UEFI the firmware keeps part of the %llu MiB and splits the rest; a free block "
                "of %llu KiB is not certain (OVMF leaves about two thirds of 256 MiB in one block, less than 40%% of "
                "128 MiB)\n", path, (unsigned long long)(mem >> 20), (unsigned long long)(largest >> 10));
}

int cmd_check(int argc, char **argv) {
    static const char help[] =
        "Validate a kernel ELF file exactly as the loader will, and print its segments, entry point,\n"
        "KILN_CONFIG record and the virtual address layout a boot would produce. Exit status 1 if\n"
        "the loader would refuse it.\n\n"
        "  --memory SIZE   also predict whether it fits a machine with SIZE MiB of RAM (exit status 1\n"
        "                  if it cannot); the layout is then shown for that machine\n\n"
        "example:\n  kiln check build/kernel.elf --memory 128";
    uint64_t mem = 0;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: kiln check KERNEL [--memory SIZE]\n%s\n", help);
            return 0;
        }
        if (!strcmp(argv[i], "--memory") || !strncmp(argv[i], "--memory=", 9)) {
            const char *v = argv[i][8] == '=' ? argv[i] + 9 : i + 1 < argc ? argv[++i] : NULL;
            if (!v) die("check: --memory needs a size in MiB");
            mem = parse_memory(v);
            continue;
        }
        if (argv[i][0] == '-') die("check: unknown option '%s'", argv[i]);
        if (path) die("check: one kernel at a time");
        path = argv[i];
    }
    if (!path) die("check: no kernel given (usage: kiln check KERNEL [--memory SIZE])");
    kiln_err e;
    size_t size;
    uint8_t *file = read_regular_file(path, &size, (size_t)GIB(1));
    struct elf_image img;
    struct kiln_config cfg;
    if (!elf_parse(file, size, &img, &e)) die("%s: %s", path, e.msg);
    if (!kconfig_resolve(img.config, img.config_size, &cfg, &e)) die("%s: %s", path, e.msg);

    printf("%s: ELF64 x86_64 %s, %zu bytes, entry 0x%llx\n", path,
           img.type == 3 ? "position-independent executable (ET_DYN)" : "executable (ET_EXEC)", size,
           (unsigned long long)img.entry);
    printf("segments:\n  phdr  vaddr               memsz       filesz      align     flags\n");
    for (uint32_t i = 0; i < img.nseg; i++) {
        const struct elf_segment *s = &img.seg[i];
        printf("  %4u  0x%016llx  0x%-9llx 0x%-9llx 0x%-7llx %s\n", s->index, (unsigned long long)s->vaddr,
               (unsigned long long)s->memsz, (unsigned long long)s->filesz, (unsigned long long)s->align,
               flags_str(s->flags | ELF_PF_R));
    }
    if (img.has_tls)
        printf("TLS template: 0x%llx, %llu bytes of data, %llu in all, align %llu\n", (unsigned long long)img.tls_vaddr,
               (unsigned long long)img.tls_filesz, (unsigned long long)img.tls_memsz, (unsigned long long)img.tls_align);
    if (img.has_relro)
        printf("RELRO: 0x%llx-0x%llx read-only after relocation\n", (unsigned long long)img.relro_vaddr,
               (unsigned long long)(img.relro_vaddr + img.relro_memsz));
    if (img.rela_count || img.relr_count)
        printf("relocations: %llu RELA, %llu RELR words (R_X86_64_RELATIVE)\n", (unsigned long long)img.rela_count,
               (unsigned long long)img.relr_count);
    char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32];
    if (img.config)
        printf("config: KILN_CONFIG from kiln.h %u.%u at file offset 0x%llx\n", img.config->header.version_major,
               img.config->header.version_minor, (unsigned long long)img.config_offset);
    else
        printf("config: no KILN_CONFIG record, defaults apply\n");
    printf("  stack_size %llu KiB; stack %s, boot_info %s, framebuffer %s, modules %s,\n"
           "  physical_memory %s, recursive %s; aslr %s; framebuffer mode %s",
           (unsigned long long)(cfg.stack_size >> 10), kconfig_placement_str(cfg.stack, b1, sizeof b1),
           kconfig_placement_str(cfg.boot_info, b2, sizeof b2), kconfig_placement_str(cfg.framebuffer, b3, sizeof b3),
           kconfig_placement_str(cfg.modules, b4, sizeof b4), kconfig_placement_str(cfg.physical_memory, b5, sizeof b5),
           kconfig_placement_str(cfg.recursive, b6, sizeof b6), cfg.aslr ? "on" : "off",
           kconfig_fb_mode_name(cfg.fb_mode));
    if (cfg.fb_width) printf(" %ux%u", cfg.fb_width, cfg.fb_height);
    printf("\n");
    printf("  paging levels %u-%u: %s\n", cfg.paging_levels_min, cfg.paging_levels_max,
           cfg.paging_levels_min == 5   ? "5-level paging; refused on a CPU without LA57"
           : cfg.paging_levels_max == 5 ? "5-level paging where the CPU has LA57, else 4"
                                        : "4-level paging on every CPU");
    if (cfg.smp == KILN_SMP_START)
        printf("  smp start: every AP started and parked on its goto_address%s\n",
               cfg.smp_x2apic ? "; x2APIC mode preferred" : "");
    else
        printf("  smp none: the processors are listed, no AP is started%s\n",
               cfg.smp_x2apic ? "; x2APIC mode preferred" : "");
    report_elf_warnings(&img, path, false); /* the config line above says when there is no record */

    /* The layout, for a typical machine: 4 GiB of RAM (or --memory's), a
     * 1024x768x32 framebuffer at 0xfd000000, no modules, a two-page boot
     * info, 4 CPUs. The physical-memory map covers at least 4 GiB, as at boot. */
    uint64_t ram = mem ? mem : GIB(4);
    if (mem) predict_fit(path, &img, &cfg, size, mem);
    struct plan_input in = {.elf = &img, .cfg = &cfg, .phys_map_size = MAX(GIB(4), ram), .fb_phys = 0xfd000000,
                            .fb_size = 1024 * 768 * 4, .boot_info_size = 2 * PAGE_SIZE, .kernel_file_size = size,
                            .levels = cfg.paging_levels_max, .ap_count = cfg.smp == KILN_SMP_START ? 3 : 0};
    struct boot_plan p;
    if (!plan_build(&in, &p, &e)) die("%s: %s", path, e.msg);
    char ram_str[32];
    if (ram % GIB(1)) snprintf(ram_str, sizeof ram_str, "%llu MiB", (unsigned long long)(ram >> 20));
    else snprintf(ram_str, sizeof ram_str, "%llu GiB", (unsigned long long)(ram >> 30));
    printf("layout (for %s of RAM and a 1024x768x32 framebuffer%s%s%s):\n", ram_str,
           p.levels == 5 ? ", with 5-level paging" : "", p.ap_count ? ", 4 CPUs" : "", cfg.aslr ? "; ASLR varies it" : "");
    char note[64];
    snprintf(note, sizeof note, "load bias %lld", (long long)p.bias);
    for (uint32_t i = 0; i < img.nrun; i++)
        range("kernel", img.run[i].start + (uint64_t)p.bias, img.run[i].end - img.run[i].start, i ? NULL : note);
    printf("  %-18s 0x%016llx\n", "entry", (unsigned long long)p.entry);
    if (p.has_phys) range("physical memory", p.phys, MAX(GIB(4), ram), "all RAM, at least 4 GiB");
    if (p.recursive >= 0) printf("  %-18s %s slot %d\n", "recursive mapping", p.levels == 5 ? "PML5" : "PML4", p.recursive);
    range("stack", p.stack_bottom, p.stack_size, "(guard page below)");
    range("boot info", p.boot_info, 2 * PAGE_SIZE, NULL);
    if (p.ap_count) range("AP stacks", p.ap_stacks, p.ap_count * (p.stack_size + PAGE_SIZE), "3 APs, a guard page below each");
    if (p.fb) range("framebuffer", p.fb, 1024 * 768 * 4, NULL);
    range("kernel file", p.kernel_file, size, "read-only");
    printf("ok: the loader accepts %s\n", path);
    free(file);
    return 0;
}
