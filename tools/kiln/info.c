/* info.c - `kiln info IMAGE`: partition tables and the payload, with every
 * checksum verified. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crc32.h"
#include "common/payload.h"
#include "tools/kiln/disk.h"
#include "tools/kiln/tool.h"

static void show_payload(const uint8_t *img, size_t size, uint64_t lba, uint64_t sectors, int *problems) {
    kiln_err e;
    uint64_t off = lba * SECTOR, avail = sectors * SECTOR;
    if (off >= size || avail > size - off) {
        printf("  the Kiln partition runs past the end of the file\n");
        (*problems)++;
        return;
    }
    if (!payload_validate(img + off, avail, avail, &e)) {
        printf("  %s\n", e.msg);
        (*problems)++;
        return;
    }
    const struct payload_header *h = (const struct payload_header *)(img + off);
    printf("payload: version %u, %u entries, %llu bytes, header CRC %08x ok\n", h->version, h->entry_count,
           (unsigned long long)h->total_size, h->header_crc32);
    printf("  type    name                             offset      size        crc32\n");
    for (uint32_t i = 0; i < h->entry_count; i++) {
        const struct payload_entry *pe = payload_entry_at(h, i);
        uint32_t crc = crc32_update(0, img + off + pe->offset, pe->size);
        printf("  %-7s %-32s 0x%-9llx %-11llu %08x %s\n", payload_type_name(pe->type), pe->name,
               (unsigned long long)pe->offset, (unsigned long long)pe->size, pe->crc32,
               crc == pe->crc32 ? "ok" : "CORRUPT");
        if (crc != pe->crc32) (*problems)++;
        if (pe->type == PAYLOAD_CONFIG) {
            printf("          | ");
            for (uint64_t k = 0; k < pe->size; k++) {
                char c = (char)img[off + pe->offset + k];
                if (c == '\n' && k + 1 < pe->size) printf("\n          | ");
                else if (c != '\n') putchar(c >= 0x20 && c < 0x7f ? c : '?');
            }
            printf("\n");
        }
    }
}

int cmd_info(int argc, char **argv) {
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            puts("usage: kiln info IMAGE\n"
                 "Show an image's MBR and GPT views and its payload, verifying every checksum.\n"
                 "Exit status 1 if anything is inconsistent.\n\nexample:\n  kiln info build/kernel-example.img");
            return 0;
        }
        if (argv[i][0] == '-') die("info: unknown option '%s'", argv[i]);
        if (path) die("info: one image at a time");
        path = argv[i];
    }
    if (!path) die("info: no image given (usage: kiln info IMAGE)");
    size_t size;
    uint8_t *img = read_file(path, &size, (size_t)GIB(64));
    int problems = 0;
    if (size < SECTOR || img[510] != 0x55 || img[511] != 0xaa) die("%s: no MBR boot signature", path);
    printf("%s: %zu bytes (%zu sectors)\n", path, size, size / SECTOR);
    printf("MBR: disk signature %08x; stage 1 loads %u sectors of stage 2 from LBA %llu; Kiln partition at LBA %llu\n",
           get32(img + MBR_DISK_SIG), get16(img + S1_STAGE2_SECTORS), (unsigned long long)get64(img + S1_STAGE2_LBA),
           (unsigned long long)get64(img + S1_PAYLOAD_LBA));
    uint64_t kiln_lba = 0, kiln_sectors = 0;
    for (int i = 0; i < 4; i++) {
        const uint8_t *p = img + MBR_PARTS + 16 * i;
        if (!p[4]) continue;
        printf("  %d: type 0x%02x%s start %u, %u sectors%s\n", i + 1, p[4], p[0] == 0x80 ? " active," : ",",
               get32(p + 8), get32(p + 12),
               p[4] == MBR_KILN_TYPE ? " (Kiln)" : p[4] == 0xee ? " (GPT protective)" : "");
        if (p[4] == MBR_KILN_TYPE) kiln_lba = get32(p + 8), kiln_sectors = get32(p + 12);
    }
    if (!kiln_lba) {
        printf("no Kiln partition found\n");
        problems++;
    } else {
        show_payload(img, size, kiln_lba, kiln_sectors, &problems);
    }
    free(img);
    if (problems) {
        printf("%d problem%s found\n", problems, problems == 1 ? "" : "s");
        return 1;
    }
    return 0;
}
