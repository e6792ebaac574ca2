/* info.c - `kiln info IMAGE`: partition tables and the payload, with every
 * checksum verified.
 *
 * The image is hostile: it is read in pieces (the first sector, the GPT
 * headers and entry arrays, the payload's header, then each entry in
 * chunks for its checksums), never whole, so a 3 GiB image costs a few MiB;
 * every LBA is checked against the file before it is multiplied into an
 * offset; a partition entry is used only when first <= last and it lies
 * in the usable range. When the primary GPT is damaged, the backup (which
 * the firmware and Kiln's UEFI loader then boot from) is read instead,
 * and the report says which one it used. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kiln/crc32.h>

#include "format/gpt.h"
#include "format/iso9660.h"
#include "format/mbr.h"
#include "format/payload.h"
#include "tools/kiln/image/image.h"
#include "tools/kiln/util/die.h"

#define CHUNK ((size_t)1 << 20)

struct disk {
    const char *path;
    int fd;
    uint64_t size; /* bytes */
};

/* len bytes at off, which the caller has checked lie inside the file. */
static void read_at(const struct disk *d, uint64_t off, void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(d->fd, (uint8_t *)buf + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("%s: read error: %s", d->path, strerror(errno));
        if (n == 0) die("%s: the file shrank while it was being read", d->path);
        done += (size_t)n;
    }
}

/* Whether size bytes at off match the entry's sum (and a module's
 * CRC-32), read a chunk at a time (CHUNK is a multiple of 8, as
 * sum128_update wants). */
static bool entry_intact(const struct disk *d, const struct payload_entry *pe, uint64_t off, uint8_t *chunk) {
    struct sum128 sum = {0, 0, 0, 0};
    uint32_t crc = 0;
    for (uint64_t size = pe->size; size;) {
        size_t n = size < CHUNK ? (size_t)size : CHUNK;
        read_at(d, off, chunk, n);
        sum128_update(&sum, chunk, n);
        if (pe->type == PAYLOAD_MODULE) crc = kiln_crc32(crc, chunk, n);
        off += n;
        size -= n;
    }
    return sum128_equal(&sum, &pe->sum) && crc == pe->crc32;
}

/* The image config entry's text, shown with non-printable bytes as '?'. */
static void show_config(const struct disk *d, uint64_t off, uint64_t size, uint8_t *chunk) {
    printf("          | ");
    for (uint64_t k = 0; k < size;) {
        size_t n = size - k < CHUNK ? (size_t)(size - k) : CHUNK;
        read_at(d, off + k, chunk, n);
        for (size_t j = 0; j < n; j++, k++) {
            char c = (char)chunk[j];
            if (c == '\n' && k + 1 < size) printf("\n          | ");
            else if (c != '\n') putchar(c >= 0x20 && c < 0x7f ? c : '?');
        }
    }
    printf("\n");
}

static void show_payload(const struct disk *d, uint64_t lba, uint64_t sectors, int *problems) {
    kiln_err e;
    uint64_t nsec = d->size / SECTOR;
    if (sectors == 0) { /* payload_validate would read avail 0 as "no limit" */
        printf("  the Kiln partition is empty\n");
        (*problems)++;
        return;
    }
    if (lba >= nsec || sectors > nsec - lba) {
        printf("  the Kiln partition runs past the end of the file\n");
        (*problems)++;
        return;
    }
    uint64_t off = lba * SECTOR, avail = sectors * SECTOR; /* no wrap: both below the file's size */
    static uint8_t head[PAYLOAD_HEADER_MAX];
    size_t hlen = avail < sizeof head ? (size_t)avail : sizeof head;
    read_at(d, off, head, hlen);
    if (!payload_validate(head, hlen, avail, &e)) {
        printf("  %s\n", e.msg);
        (*problems)++;
        return;
    }
    const struct payload_header *h = (const struct payload_header *)head;
    printf("payload: version %u, %u entries, %llu bytes, header CRC %08x ok\n", h->version, h->entry_count,
           (unsigned long long)h->total_size, h->header_crc32);
    printf("  type    name                             offset      size        sum (b, low 64 bits)\n");
    uint8_t *chunk = xmalloc(CHUNK);
    for (uint32_t i = 0; i < h->entry_count; i++) {
        const struct payload_entry *pe = payload_entry_at(h, i);
        /* payload_validate: offset + size <= total_size <= avail */
        bool ok = entry_intact(d, pe, off + pe->offset, chunk);
        printf("  %-7s %-32s 0x%-9llx %-11llu %016llx %s\n", payload_type_name(pe->type), pe->name,
               (unsigned long long)pe->offset, (unsigned long long)pe->size, (unsigned long long)pe->sum.b_lo,
               ok ? "ok" : "CORRUPT");
        if (!ok) (*problems)++;
        if (pe->type == PAYLOAD_CONFIG) show_config(d, off + pe->offset, pe->size, chunk);
    }
    free(chunk);
}

/* One GPT: a header (format/gpt.c checks it as a firmware would) and its
 * entry array (*ents, malloc'd, at most GPT_MAX_ENTRIES * GPT_ENTRY_MAX
 * bytes). False if either is invalid, *ents then NULL. */
static bool check_gpt(const struct disk *d, uint64_t lba, const char *which, int *problems, struct gpt_header *h,
                      uint8_t **ents) {
    kiln_err e;
    uint64_t sectors = d->size / SECTOR;
    uint8_t block[SECTOR];
    *ents = NULL;
    if (lba >= sectors) {
        printf("GPT %s header: LBA %llu is past the end of the image\n", which, (unsigned long long)lba);
        (*problems)++;
        return false;
    }
    read_at(d, lba * SECTOR, block, SECTOR);
    if (!gpt_parse_header(block, SECTOR, lba, sectors - 1, h, &e)) {
        printf("GPT %s header: %s\n", which, e.msg);
        (*problems)++;
        return false;
    }
    /* gpt_parse_header: the array lies on the disk, and is at most 16 MiB */
    uint8_t *a = xmalloc((size_t)h->entries_bytes);
    read_at(d, h->entries_lba * SECTOR, a, (size_t)h->entries_bytes);
    bool crc_ok = gpt_check_entries(h, a, &e);
    printf("GPT %s header at LBA %llu: CRC ok, entries at LBA %llu (%u x %u bytes) CRC %s, usable LBA %llu-%llu\n",
           which, (unsigned long long)lba, (unsigned long long)h->entries_lba, h->entry_count, h->entry_size,
           crc_ok ? "ok" : "BAD", (unsigned long long)h->first_usable, (unsigned long long)h->last_usable);
    if (!crc_ok) {
        (*problems)++;
        free(a);
        return false;
    }
    *ents = a;
    return true;
}

/* The partitions of a valid GPT; the first Kiln partition's place. */
/* Partitions of disk images start on 1 MiB boundaries; an ISO's are its
 * files, on 2048-byte blocks. */
static bool show_entries(const struct gpt_header *h, const uint8_t *ents, bool iso, uint64_t *kiln_lba,
                         uint64_t *kiln_sectors, int *problems) {
    bool found = false;
    for (uint32_t i = 0; i < h->entry_count; i++) {
        struct gpt_entry p;
        kiln_err e;
        gpt_entry_read(h, ents, i, &p);
        if (!gpt_entry_used(&p)) continue;
        char type[37];
        gpt_guid_str(p.type, type);
        bool is_kiln = !memcmp(p.type, gpt_type_kiln, 16);
        if (!gpt_entry_valid(h, &p, &e)) { /* first <= last, inside the usable range */
            printf("  %u: type %s \"%s\": %s\n", i + 1, type, p.name, e.msg);
            (*problems)++;
            continue;
        }
        uint64_t align = iso ? ISO_BLOCK / SECTOR : 2048, sectors = p.last_lba - p.first_lba + 1;
        const char *aligned = iso ? (p.first_lba % align ? ", NOT 2 KiB aligned" : ", 2 KiB aligned")
                                  : (p.first_lba % align ? ", NOT 1 MiB aligned" : ", 1 MiB aligned");
        printf("  %u: LBA %llu-%llu (%llu %s%s) type %s \"%s\"%s\n", i + 1, (unsigned long long)p.first_lba,
               (unsigned long long)p.last_lba, (unsigned long long)(iso ? sectors >> 1 : sectors >> 11),
               iso ? "KiB" : "MiB", aligned, type, p.name, is_kiln ? " (Kiln)" : "");
        if (p.first_lba % align) (*problems)++;
        if (is_kiln && !found) {
            *kiln_lba = p.first_lba;
            *kiln_sectors = p.last_lba - p.first_lba + 1;
            found = true;
        }
    }
    return found;
}

static bool show_gpt(const struct disk *d, bool iso, uint64_t *kiln_lba, uint64_t *kiln_sectors, int *problems) {
    struct gpt_header h, b;
    uint8_t *ents, *bents;
    uint64_t last = d->size / SECTOR - 1;
    bool primary = check_gpt(d, 1, "primary", problems, &h, &ents);
    if (primary && h.alternate_lba < last) {
        /* An image written to a larger disk (dd, kiln flash): its GPT
         * describes the image's size, and firmware boots it as it is. */
        printf("GPT backup header at LBA %llu, not at the disk's last LBA %llu: as expected after writing an image "
               "to a larger disk (firmware boots it as it is; sgdisk -e DISK moves the backup to the end to use the "
               "rest)\n",
               (unsigned long long)h.alternate_lba, (unsigned long long)last);
    } else if (primary && h.alternate_lba != last) {
        printf("GPT backup header is at LBA %llu, past the last LBA %llu (the image is cut short)\n",
               (unsigned long long)h.alternate_lba, (unsigned long long)last);
        (*problems)++;
    }
    /* The backup: where a valid primary says, else at the last LBA (where
     * a firmware looks for it when the primary is damaged). */
    bool backup = check_gpt(d, primary ? h.alternate_lba : last, "backup", problems, &b, &bents);
    if (primary && backup &&
        (b.entry_count != h.entry_count || b.entry_size != h.entry_size || memcmp(ents, bents, h.entries_bytes))) {
        printf("GPT backup entry array differs from the primary\n");
        (*problems)++;
    }
    bool found = false;
    if (primary) {
        found = show_entries(&h, ents, iso, kiln_lba, kiln_sectors, problems);
    } else if (backup) {
        printf("using the backup GPT (the primary is damaged; firmware boots from the backup)\n");
        found = show_entries(&b, bents, iso, kiln_lba, kiln_sectors, problems);
    }
    free(ents);
    free(bents);
    return found;
}

/* Opens the image: a regular file or a block device, sized before
 * anything is read. */
static void disk_open(struct disk *d, const char *path) {
    d->path = path;
    d->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (d->fd < 0) die("%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(d->fd, &st) != 0) die("%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) die("%s: is a directory", path);
    if (S_ISREG(st.st_mode)) {
        d->size = (uint64_t)st.st_size;
    } else if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(d->fd, 0, SEEK_END);
        if (end < 0) die("%s: cannot find the size of the device: %s", path, strerror(errno));
        d->size = (uint64_t)end;
    } else {
        die("%s: not a regular file or a block device (its size cannot be known)", path);
    }
}

static void problem(int *problems, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(int *problems, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("  ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    (*problems)++;
}

/* The BIOS CD entry's image must be cdboot with fields that agree with
 * stage 1's (which count 512-byte sectors, cdboot's 2048-byte blocks). */
static void show_cdboot(const uint8_t *b, const struct mbr *m, int *problems) {
    struct mbr c;
    mbr_parse(b, &c);
    if (!(c.flags & MBR_FLAG_CDROM)) {
        problem(problems, "the BIOS boot image is not Kiln's cdboot");
        return;
    }
    printf("  cdboot: payload at block %llu, stage 2: %u sectors from block %llu\n", (unsigned long long)c.payload_lba,
           c.stage2_sectors, (unsigned long long)c.stage2_lba);
    uint64_t per = ISO_BLOCK / SECTOR;
    if (c.payload_lba * per != m->payload_lba || c.stage2_lba * per != m->stage2_lba ||
        c.stage2_sectors != m->stage2_sectors)
        problem(problems, "cdboot's fields disagree with stage 1's (payload LBA %llu, stage 2 at LBA %llu, %u sectors)",
                (unsigned long long)m->payload_lba, (unsigned long long)m->stage2_lba, m->stage2_sectors);
}

/* The ISO 9660 view: the volume, the El Torito catalog and its two entries,
 * each block read only after checking it lies inside the file. */
static void show_iso(const struct disk *d, const struct mbr *m, uint64_t kiln_lba, int *problems) {
    kiln_err e;
    struct iso_volume v = {0};
    uint64_t blocks = d->size / ISO_BLOCK;
    uint8_t b[ISO_BLOCK];
    for (uint32_t i = 0; i < ISO_MAX_DESCRIPTORS && ISO_PVD_BLOCK + i < blocks; i++) {
        read_at(d, (uint64_t)(ISO_PVD_BLOCK + i) * ISO_BLOCK, b, ISO_BLOCK);
        int t = iso_descriptor_type(b);
        if (t < 0 || t == 255) break;
        if (t == 1 && !iso_parse_pvd(b, &v, &e)) return problem(problems, "%s", e.msg);
        if (t == 0 && !iso_parse_boot_record(b, &v, &e)) return problem(problems, "%s", e.msg);
    }
    if (!v.blocks) return problem(problems, "iso: no primary volume descriptor");
    printf("ISO 9660: volume \"%s\", %llu blocks of %u bytes%s\n", v.volume_id, (unsigned long long)v.blocks, ISO_BLOCK,
           v.blocks > blocks ? " (MORE than the file holds)" : "");
    if (v.blocks > blocks) (*problems)++;
    if (!v.catalog_lba || v.catalog_lba >= blocks) return problem(problems, "El Torito: no boot catalog");
    struct eltorito_entry ents[ELTORITO_MAX_ENTRIES];
    read_at(d, (uint64_t)v.catalog_lba * ISO_BLOCK, b, ISO_BLOCK);
    int n = eltorito_parse(b, ents, ELTORITO_MAX_ENTRIES, &e);
    if (n < 0) return problem(problems, "%s", e.msg);
    printf("El Torito catalog at block %u: %d entr%s\n", v.catalog_lba, n, n == 1 ? "y" : "ies");
    bool bios = false, efi = false;
    for (int i = 0; i < n; i++) {
        const struct eltorito_entry *x = &ents[i];
        bool is_efi = x->platform == ELTORITO_PLATFORM_EFI;
        printf("  %d: %s, %s, %s, %u sectors from block %u\n", i + 1, is_efi ? "UEFI" : x->platform ? "other" : "BIOS",
               x->bootable ? "bootable" : "NOT bootable", x->media ? "emulation" : "no emulation", x->sectors, x->lba);
        if (!x->bootable || x->media || x->lba >= blocks) {
            (*problems)++;
            continue;
        }
        read_at(d, (uint64_t)x->lba * ISO_BLOCK, b, ISO_BLOCK);
        if (!is_efi && x->platform == ELTORITO_PLATFORM_X86 && !bios) {
            bios = true;
            show_cdboot(b, m, problems);
        } else if (is_efi) {
            efi = true;
            if (b[510] != 0x55 || b[511] != 0xaa) problem(problems, "the UEFI boot image is not a FAT volume");
        }
    }
    if (!bios) problem(problems, "El Torito: no BIOS boot entry");
    if (!efi) problem(problems, "El Torito: no UEFI boot entry");
    if (kiln_lba % (ISO_BLOCK / SECTOR)) problem(problems, "the Kiln partition does not start on a 2048-byte block");
}

int cmd_info(int argc, char **argv) {
    const char *path = one_path_arg(argc, argv, "info", "image", "IMAGE",
                                    "Show an image's MBR and GPT views and its payload, verifying every checksum.\n"
                                    "Exit status 1 if anything is inconsistent.\n\nexample:\n  kiln info build/kernel-example.img");
    if (!path) return 0;
    struct disk d;
    disk_open(&d, path);
    int problems = 0;
    struct mbr m;
    uint8_t first[MBR_SIZE];
    if (d.size >= MBR_SIZE) {
        read_at(&d, 0, first, MBR_SIZE);
        mbr_parse(first, &m);
    }
    if (d.size < MBR_SIZE || !m.boot_signature) die("%s: no MBR boot signature", path);
    printf("%s: %llu bytes (%llu sectors)\n", path, (unsigned long long)d.size, (unsigned long long)(d.size / SECTOR));
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
    uint8_t desc[ISO_BLOCK];
    bool iso = d.size >= ISO_SYSTEM_AREA + ISO_BLOCK;
    if (iso) read_at(&d, ISO_SYSTEM_AREA, desc, ISO_BLOCK);
    iso = iso && iso_descriptor_type(desc) >= 0;
    if (protective) {
        uint64_t gl = 0, gs = 0;
        if (show_gpt(&d, iso, &gl, &gs, &problems) && !kiln_lba) kiln_lba = gl, kiln_sectors = gs;
    }
    if (!kiln_lba) {
        printf("no Kiln partition found\n");
        problems++;
    } else {
        show_payload(&d, kiln_lba, kiln_sectors, &problems);
    }
    if (iso) show_iso(&d, &m, kiln_lba, &problems);
    close(d.fd);
    if (problems) {
        printf("%d problem%s found\n", problems, problems == 1 ? "" : "s");
        return 1;
    }
    return 0;
}
