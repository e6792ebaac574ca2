/* info.c - `kiln info IMAGE`: partition tables and the payload, with every
 * checksum verified. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/crc32.h>

#include "format/gpt.h"
#include "format/mbr.h"
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

/* One GPT header (format/gpt.c checks it as a firmware would) and its
 * entry array; false if they are invalid. */
static bool check_gpt(const uint8_t *img, size_t size, uint64_t lba, const char *which, int *problems,
                      struct gpt_header *h) {
    kiln_err e;
    uint64_t sectors = size / SECTOR;
    if (lba >= sectors) {
        printf("GPT %s header: LBA %llu is past the end of the image\n", which, (unsigned long long)lba);
        (*problems)++;
        return false;
    }
    if (!gpt_parse_header(img + lba * SECTOR, SECTOR, lba, sectors - 1, h, &e)) {
        printf("GPT %s header: %s\n", which, e.msg);
        (*problems)++;
        return false;
    }
    bool crc_ok = gpt_check_entries(h, img + h->entries_lba * SECTOR, &e);
    printf("GPT %s header at LBA %llu: CRC ok, entries at LBA %llu (%u x %u bytes) CRC %s, usable LBA %llu-%llu\n",
           which, (unsigned long long)lba, (unsigned long long)h->entries_lba, h->entry_count, h->entry_size,
           crc_ok ? "ok" : "BAD", (unsigned long long)h->first_usable, (unsigned long long)h->last_usable);
    if (!crc_ok) (*problems)++;
    return crc_ok;
}

static bool show_gpt(const uint8_t *img, size_t size, uint64_t *kiln_lba, uint64_t *kiln_sectors, int *problems) {
    struct gpt_header h, b;
    if (!check_gpt(img, size, 1, "primary", problems, &h)) return false;
    const uint8_t *ents = img + h.entries_lba * SECTOR;
    if (h.alternate_lba != size / SECTOR - 1) {
        printf("GPT backup header is at LBA %llu, not at the last LBA\n", (unsigned long long)h.alternate_lba);
        (*problems)++;
    }
    if (check_gpt(img, size, h.alternate_lba, "backup", problems, &b) &&
        (b.entry_count != h.entry_count || b.entry_size != h.entry_size ||
         memcmp(ents, img + b.entries_lba * SECTOR, h.entries_bytes))) {
        printf("GPT backup entry array differs from the primary\n");
        (*problems)++;
    }
    bool found = false;
    for (uint32_t i = 0; i < h.entry_count; i++) {
        struct gpt_entry p;
        gpt_entry_read(&h, ents, i, &p);
        if (!gpt_entry_used(&p)) continue;
        char type[37];
        gpt_guid_str(p.type, type);
        bool is_kiln = !memcmp(p.type, gpt_type_kiln, 16);
        printf("  %u: LBA %llu-%llu (%llu MiB%s) type %s \"%s\"%s\n", i + 1, (unsigned long long)p.first_lba,
               (unsigned long long)p.last_lba, (unsigned long long)((p.last_lba - p.first_lba + 1) * SECTOR >> 20),
               p.first_lba % 2048 ? ", NOT 1 MiB aligned" : ", 1 MiB aligned", type, p.name, is_kiln ? " (Kiln)" : "");
        if (p.first_lba % 2048) (*problems)++;
        if (is_kiln && !found) {
            *kiln_lba = p.first_lba;
            *kiln_sectors = p.last_lba - p.first_lba + 1;
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
    struct mbr m;
    if (size >= MBR_SIZE) mbr_parse(img, &m);
    if (size < MBR_SIZE || !m.boot_signature) die("%s: no MBR boot signature", path);
    printf("%s: %zu bytes (%zu sectors)\n", path, size, size / SECTOR);
    if (m.stage2_sectors)
        printf("MBR: disk signature %08x; stage 1 loads %u sectors of stage 2 from LBA %llu; Kiln partition at LBA %llu\n",
               m.disk_signature, m.stage2_sectors, (unsigned long long)m.stage2_lba, (unsigned long long)m.payload_lba);
    else
        printf("MBR: disk signature %08x; no BIOS boot code (a UEFI-only image)\n", m.disk_signature);
    uint64_t kiln_lba = 0, kiln_sectors = 0;
    for (int i = 0; i < 4; i++) {
        const struct mbr_partition *p = &m.part[i];
        if (!p->type) continue;
        printf("  %d: type 0x%02x%s start %u, %u sectors%s\n", i + 1, p->type, p->status == MBR_ACTIVE ? " active," : ",",
               p->first_lba, p->sectors,
               p->type == MBR_TYPE_KILN ? " (Kiln)" : p->type == MBR_TYPE_GPT_PROTECTIVE ? " (GPT protective)" : "");
    }
    int k = mbr_find(&m, MBR_TYPE_KILN);
    if (k >= 0) kiln_lba = m.part[k].first_lba, kiln_sectors = m.part[k].sectors;
    bool protective = mbr_find(&m, MBR_TYPE_GPT_PROTECTIVE) >= 0;
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
