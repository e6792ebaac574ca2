/* mkseeds.c - writes the seed inputs of the fuzz corpora
 * (tests/fuzz/corpus/NAME/seed-*): small valid examples of each format,
 * made with the tree's own writers where it has them, so each harness
 * starts from inputs that get past the first checks. `make fuzz-seeds`
 * runs it; the committed corpora are these seeds plus what `make fuzz
 * FUZZ_MERGE=1` found and minimized.
 *   mkseeds DIR        (DIR: tests/fuzz/corpus) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/crc32.h>

#include "core/util.h"
#include "format/gpt.h"
#include "format/mbr.h"
#include "format/payload.h"
#include "kiln.h"

static const char *dir;

static void put(const char *name, const char *file, const void *data, size_t size) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s/seed-%s", dir, name, file);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f)) {
        fprintf(stderr, "mkseeds: cannot write %s\n", path);
        exit(1);
    }
}

/* --- ELF: one PT_LOAD (ET_EXEC at 1 MiB), or a PIE with RELA or RELR ------------------ */

#define VBASE 0x200000u

static size_t elf(uint8_t *f, uint16_t type, int relocs) {
    size_t size = 0x200;
    memset(f, 0, size);
    memcpy(f, "\x7f" "ELF\2\1\1", 7);
    put_le16(f + 16, type);
    put_le16(f + 18, 62);
    put_le32(f + 20, 1);
    put_le64(f + 24, VBASE + 0x180);    /* entry: in the segment */
    put_le64(f + 32, 64);               /* phoff */
    put_le16(f + 52, 64);
    put_le16(f + 54, 56);
    put_le16(f + 56, relocs ? 2 : 1);   /* phnum */
    put_le16(f + 58, 64);
    uint8_t *ph = f + 64;
    put_le32(ph, 1);                    /* PT_LOAD */
    put_le32(ph + 4, 7);                /* RWX: one segment holds it all */
    put_le64(ph + 16, VBASE);
    put_le64(ph + 24, VBASE);
    put_le64(ph + 32, size);
    put_le64(ph + 40, size + 0x1000);
    put_le64(ph + 48, 0x1000);
    memset(f + 0x180, 0xf4, 16);        /* hlt */
    if (!relocs) return size;
    ph += 56;
    put_le32(ph, 2);                    /* PT_DYNAMIC at 0x100 */
    put_le32(ph + 4, 6);
    put_le64(ph + 8, 0x100);
    put_le64(ph + 16, VBASE + 0x100);
    put_le64(ph + 32, 0x50);
    put_le64(ph + 40, 0x50);
    put_le64(ph + 48, 8);
    uint8_t *dyn = f + 0x100;
    if (relocs == 1) { /* two R_X86_64_RELATIVE at 0x1c0 */
        uint64_t d[] = {7, VBASE + 0x1a0, 8, 48, 9, 24, 0, 0};
        for (int i = 0; i < 8; i++) put_le64(dyn + 8 * i, d[i]);
        for (int i = 0; i < 2; i++) {
            put_le64(f + 0x1a0 + 24 * i, VBASE + 0x1c0 + 8 * i);
            put_le64(f + 0x1a0 + 24 * i + 8, 8);
            put_le64(f + 0x1a0 + 24 * i + 16, VBASE + 0x180);
        }
        memset(f + 0x180, 0xf4, 16);
    } else { /* RELR: an address, then a bitmap */
        uint64_t d[] = {36, VBASE + 0x1a0, 35, 16, 37, 8, 0, 0};
        for (int i = 0; i < 8; i++) put_le64(dyn + 8 * i, d[i]);
        put_le64(f + 0x1a0, VBASE + 0x1c0);
        put_le64(f + 0x1a8, 0x7);
    }
    return size;
}

/* --- payload and images ------------------------------------------------------------------ */

static size_t payload(uint8_t *buf) {
    static const uint8_t kernel[16] = {0x7f, 'E', 'L', 'F'};
    static const char cfg[] = "cmdline=console=serial\nlog=debug\n";
    static const uint8_t mod[8] = "module!";
    struct payload_item it[] = {{PAYLOAD_CONFIG, "kiln.cfg", cfg, sizeof cfg - 1},
                                {PAYLOAD_KERNEL, "kernel.elf", kernel, sizeof kernel},
                                {PAYLOAD_MODULE, "initrd", mod, sizeof mod}};
    uint64_t offs[3], n = payload_size(it, 3);
    payload_write(buf, it, 3, offs);
    return (size_t)n;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: mkseeds DIR\n");
        return 2;
    }
    dir = argv[1];
    static uint8_t buf[1 << 16];
    put("elf", "exec", buf, elf(buf, 2, 0));
    put("elf", "pie-rela", buf, elf(buf, 3, 1));
    put("elf", "pie-relr", buf, elf(buf, 3, 2));

    size_t psize = payload(buf);
    put("payload", "three-entries", buf, psize);

    /* a bios-style image: the MBR's Kiln partition at LBA 1 */
    static uint8_t img[1 << 16];
    memset(img, 0, sizeof img);
    uint64_t psec = (psize + 511) / 512;
    mbr_set_partition(img, 0, MBR_ACTIVE, MBR_TYPE_KILN, 1, psec);
    img[510] = 0x55, img[511] = 0xaa;
    payload(img + 512);
    put("image", "mbr", img, 512 * (1 + psec));

    /* a uefi-style image: protective MBR, GPT at LBA 1, 4 entries at LBA 2,
     * the Kiln partition from LBA 3 */
    memset(img, 0, sizeof img);
    uint64_t last = 3 + psec - 1;
    mbr_set_partition(img, 0, 0, MBR_TYPE_GPT_PROTECTIVE, 1, last);
    img[510] = 0x55, img[511] = 0xaa;
    static const uint8_t unique[16] = {1, 2, 3};
    gpt_write_entry(img + 1024, gpt_type_kiln, unique, 3, last, "Kiln");
    struct gpt_header h = {.my_lba = 1, .alternate_lba = last, .first_usable = 3, .last_usable = last,
                           .entries_lba = 2, .entry_count = 4, .entry_size = 128,
                           .entries_crc = kiln_crc32(0, img + 1024, 512)};
    gpt_write_header(img + 512, 512, &h);
    payload(img + 3 * 512);
    put("image", "gpt", img, 512 * (last + 1));
    put("gpt", "gpt", img, 1536);

    static const char cfg[] = "cmdline=console=serial root=/dev/x\nlog=debug\nfb=max:1024x768\nserial=off\n";
    put("imgconfig", "all-keys", cfg, sizeof cfg - 1);

    struct kiln_memory_region m[] = {
        {0, 0x9fc00, KILN_MEMORY_USABLE, 1},         {0x9fc00, 0x400, KILN_MEMORY_RESERVED, 2},
        {0xf0000, 0x10000, KILN_MEMORY_RESERVED, 2}, {0x100000, 0x7ee0000, KILN_MEMORY_USABLE, 1},
        {0x7fe0000, 0x20000, KILN_MEMORY_ACPI_RECLAIMABLE, 3}, {0x200000, 0x1000, KILN_MEMORY_KERNEL, 0},
    };
    uint8_t mm[sizeof m / sizeof *m * 24];
    for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
        put_le64(mm + 24 * i, m[i].base);
        put_le64(mm + 24 * i + 8, m[i].length);
        put_le32(mm + 24 * i + 16, m[i].kind);
        put_le32(mm + 24 * i + 20, m[i].firmware_type);
    }
    put("memmap", "e820", mm, sizeof mm);

    static const char toml[] = "# kiln.toml\nkernel = \"build/kernel.elf\"\nmemory = 0x200\n"
                               "qemu_args = [\n  \"-cpu\", # c\n  'max',\n]\n[vars]\nDIR = \"log\"\n"
                               "[profile.ci.test]\nexpect = [\"^ok$\"]\ngui = false\ncmdline = \"a\\tb \\u00e9\"\n";
    put("toml", "project", toml, sizeof toml - 1);

    static const char tpl[] = "DIR=/tmp\nLOG={{DIR}}/log\nX={{LOG}}{{{{\n~^boot (ok|fail)$\n~a{2,3}b+[[:alpha:]]\n"
                              "console={{LOG}} k={{KERNEL_NAME}} {{X}}";
    put("template", "vars", tpl, sizeof tpl - 1);
    return 0;
}
