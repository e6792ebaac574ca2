/* info.c - `kiln info IMAGE`: partition tables and the payload, with every
 * checksum verified. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/crc32.h>
#include "format/payload.h"
#include "tools/kiln/image/image.h"
#include "tools/kiln/util/die.h"

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
        uint32_t crc = kiln_crc32(0, img + off + pe->offset, pe->size);
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

static void guid_str(const uint8_t *g, char *out) {
    snprintf(out, 37, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", get32(g), get16(g + 4), get16(g + 6), g[8],
             g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* One GPT header and its entry array; returns false if they are invalid. */
static bool check_gpt(const uint8_t *img, size_t size, uint64_t lba, const char *which, int *problems,
                      uint64_t *entries_lba, uint32_t *count, uint32_t *esize) {
    uint64_t sectors = size / SECTOR;
    if (lba >= sectors) {
        printf("GPT %s header: LBA %llu is past the end of the image\n", which, (unsigned long long)lba);
        (*problems)++;
        return false;
    }
    const uint8_t *h = img + lba * SECTOR;
    uint8_t copy[92];
    memcpy(copy, h, 92);
    memset(copy + 16, 0, 4);
    uint32_t hsize = get32(h + 12);
    if (memcmp(h, "EFI PART", 8) || hsize != 92 || kiln_crc32(0, copy, 92) != get32(h + 16)) {
        printf("GPT %s header at LBA %llu: missing or bad CRC\n", which, (unsigned long long)lba);
        (*problems)++;
        return false;
    }
    *entries_lba = get64(h + 72);
    *count = get32(h + 80);
    *esize = get32(h + 84);
    uint64_t bytes = (uint64_t)*count * *esize;
    if (*esize < 128 || *count > 4096 || *entries_lba >= sectors || bytes > (sectors - *entries_lba) * SECTOR) {
        printf("GPT %s entry array is out of bounds\n", which);
        (*problems)++;
        return false;
    }
    bool crc_ok = kiln_crc32(0, img + *entries_lba * SECTOR, bytes) == get32(h + 88);
    printf("GPT %s header at LBA %llu: CRC ok, entries at LBA %llu (%u x %u bytes) CRC %s, usable LBA %llu-%llu\n", which,
           (unsigned long long)lba, (unsigned long long)*entries_lba, *count, *esize, crc_ok ? "ok" : "BAD",
           (unsigned long long)get64(h + 40), (unsigned long long)get64(h + 48));
    if (!crc_ok) (*problems)++;
    return crc_ok;
}

static bool show_gpt(const uint8_t *img, size_t size, uint64_t *kiln_lba, uint64_t *kiln_sectors, int *problems) {
    uint64_t el, bl;
    uint32_t n, es, bn, bes;
    if (!check_gpt(img, size, 1, "primary", problems, &el, &n, &es)) return false;
    uint64_t backup = get64(img + SECTOR + 32);
    if (backup != size / SECTOR - 1) {
        printf("GPT backup header is at LBA %llu, not at the last LBA\n", (unsigned long long)backup);
        (*problems)++;
    }
    if (check_gpt(img, size, backup, "backup", problems, &bl, &bn, &bes) &&
        (bn != n || bes != es || memcmp(img + el * SECTOR, img + bl * SECTOR, (size_t)n * es))) {
        printf("GPT backup entry array differs from the primary\n");
        (*problems)++;
    }
    bool found = false;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = img + el * SECTOR + (uint64_t)i * es;
        static const uint8_t zero[16];
        if (!memcmp(e, zero, 16)) continue;
        char type[40], uniq[40], name[37] = {0};
        guid_str(e, type);
        guid_str(e + 16, uniq);
        for (int k = 0; k < 36; k++) name[k] = (char)(e[56 + 2 * k] < 0x7f ? e[56 + 2 * k] : '?');
        uint64_t first = get64(e + 32), last = get64(e + 40);
        bool is_kiln = !memcmp(e, kiln_part_type, 16);
        printf("  %u: LBA %llu-%llu (%llu MiB%s) type %s \"%s\"%s\n", i + 1, (unsigned long long)first,
               (unsigned long long)last, (unsigned long long)((last - first + 1) * SECTOR >> 20),
               first % 2048 ? ", NOT 1 MiB aligned" : ", 1 MiB aligned", type, name, is_kiln ? " (Kiln)" : "");
        if (first % 2048) (*problems)++;
        if (is_kiln && !found) {
            *kiln_lba = first;
            *kiln_sectors = last - first + 1;
            found = true;
        }
    }
    return found;
}

int cmd_info(int argc, char **argv) {
    const char *path = one_path_arg(argc, argv, "info", "image", "IMAGE",
                                    "Show an image's MBR and GPT views and its payload, verifying every checksum.\n"
                                    "Exit status 1 if anything is inconsistent.\n\nexample:\n  kiln info build/kernel-example.img");
    if (!path) return 0;
    size_t size;
    uint8_t *img = read_file(path, &size, (size_t)GIB(64));
    int problems = 0;
    if (size < SECTOR || img[510] != 0x55 || img[511] != 0xaa) die("%s: no MBR boot signature", path);
    printf("%s: %zu bytes (%zu sectors)\n", path, size, size / SECTOR);
    if (get16(img + S1_STAGE2_SECTORS))
        printf("MBR: disk signature %08x; stage 1 loads %u sectors of stage 2 from LBA %llu; Kiln partition at LBA %llu\n",
               get32(img + MBR_DISK_SIG), get16(img + S1_STAGE2_SECTORS), (unsigned long long)get64(img + S1_STAGE2_LBA),
               (unsigned long long)get64(img + S1_PAYLOAD_LBA));
    else
        printf("MBR: disk signature %08x; no BIOS boot code (a UEFI-only image)\n", get32(img + MBR_DISK_SIG));
    uint64_t kiln_lba = 0, kiln_sectors = 0;
    bool protective = false;
    for (int i = 0; i < 4; i++) {
        const uint8_t *p = img + MBR_PARTS + 16 * i;
        if (!p[4]) continue;
        printf("  %d: type 0x%02x%s start %u, %u sectors%s\n", i + 1, p[4], p[0] == 0x80 ? " active," : ",",
               get32(p + 8), get32(p + 12),
               p[4] == MBR_KILN_TYPE ? " (Kiln)" : p[4] == 0xee ? " (GPT protective)" : "");
        if (p[4] == MBR_KILN_TYPE) kiln_lba = get32(p + 8), kiln_sectors = get32(p + 12);
        if (p[4] == 0xee) protective = true;
    }
    if (protective) {
        uint64_t gl = 0, gs = 0;
        if (show_gpt(img, size, &gl, &gs, &problems) && !kiln_lba) kiln_lba = gl, kiln_sectors = gs;
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
