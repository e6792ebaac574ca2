/* iso.c - `kiln image --kind iso`: one ISO 9660 file that boots as a CD
 * (El Torito: cdboot for BIOS, a FAT image with BOOTX64.EFI for UEFI) and,
 * written to a USB stick, as a disk (stage 1 in the MBR, a GPT with the EFI
 * image as the ESP and the payload file as the Kiln partition). The layout
 * is described in docs/iso.md.
 *
 * xorriso builds the ISO 9660 tree and the El Torito catalog from a staging
 * directory; this file then reads back where xorriso put each file (the
 * format/iso9660.c reader `kiln info` uses too), writes cdboot's fields and
 * the system area (MBR and GPT; xorriso leaves its 32 KiB zero), and
 * appends the backup GPT. Everything happens in the temporary output file,
 * renamed into place only when complete. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/iso9660.h"
#include "format/mbr.h"
#include "format/payload.h"
#include "tools/kiln/image/image.h"
#include "tools/kiln/util/cleanup.h"
#include "tools/kiln/util/die.h"

#define ISO_EPOCH 946684800 /* 2000-01-01, as the ESP's FAT timestamps: SOURCE_DATE_EPOCH for xorriso */
#define BACKUP_GPT_SECTORS 36u /* 33 for the backup GPT, rounded up to a 2048-byte block */
#define EFI_IMAGE_SLACK (256u * 1024) /* FAT overhead and room around BOOTX64.EFI */

/* The files in the ISO's root directory (ISO 9660 level-1 names, so
 * xorriso keeps them as they are). */
#define NAME_CDBOOT "CDBOOT.BIN"
#define NAME_CATALOG "BOOT.CAT"
#define NAME_EFI "EFIBOOT.IMG"
#define NAME_PAYLOAD "PAYLOAD.KLN"

struct staging {
    char *dir, *cdboot, *efi, *payload;
};

static char *stage_path(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* A staged file: written whole, stamped ISO_EPOCH (xorriso takes every
 * file date from the mtime under SOURCE_DATE_EPOCH). */
static void stage_file(const char *path, const void *data, size_t size) {
    cleanup_add(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) die("%s: %s", path, strerror(errno));
    const uint8_t *p = data;
    for (size_t done = 0; done < size;) {
        ssize_t w = write(fd, p + done, size - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) die("%s: write failed: %s", path, strerror(errno));
        done += (size_t)w;
    }
    if (close(fd) != 0) die("%s: %s", path, strerror(errno));
}

static void stamp(const char *path) {
    struct timespec t[2] = {{ISO_EPOCH, 0}, {ISO_EPOCH, 0}};
    if (utimensat(AT_FDCWD, path, t, 0) != 0) die("%s: %s", path, strerror(errno));
}

/* The El Torito EFI image: a small FAT volume (format/fat_write.c) with
 * EFI/BOOT/BOOTX64.EFI, as on the disk images' ESP. */
static void stage_efi_image(const char *path, const uint8_t *efi, size_t efi_size, uint32_t serial) {
    uint64_t bytes = align_up(efi_size + EFI_IMAGE_SLACK, 64 * 1024);
    size_t used;
    uint8_t *v = esp_volume(bytes / SECTOR, 0, serial, efi, efi_size, &used);
    uint8_t *whole = xcalloc(1, bytes);
    memcpy(whole, v, used);
    stage_file(path, whole, bytes);
    free(whole);
    free(v);
}

static void stage(struct staging *s, const uint8_t *payload, uint64_t payload_size, const uint8_t *efi,
                  size_t efi_size, uint32_t seed) {
    s->dir = stage_path(tmp_dir(), "kiln-iso.XXXXXX");
    if (!mkdtemp(s->dir)) die("%s: %s", s->dir, strerror(errno));
    cleanup_add(s->dir);
    s->cdboot = stage_path(s->dir, NAME_CDBOOT);
    s->efi = stage_path(s->dir, NAME_EFI);
    s->payload = stage_path(s->dir, NAME_PAYLOAD);
    stage_file(s->cdboot, kiln_cdboot, (size_t)(kiln_cdboot_end - kiln_cdboot));
    stage_efi_image(s->efi, efi, efi_size, seed);
    stage_file(s->payload, payload, (size_t)payload_size);
    stamp(s->cdboot);
    stamp(s->efi);
    stamp(s->payload);
    stamp(s->dir);
}

static void unstage(struct staging *s) {
    cleanup_remove(s->cdboot);
    cleanup_remove(s->efi);
    cleanup_remove(s->payload);
    cleanup_remove(s->dir);
    free(s->cdboot);
    free(s->efi);
    free(s->payload);
    free(s->dir);
}

/* xorriso in its mkisofs personality: Rock Ridge names, El Torito entries
 * for BIOS (cdboot, no emulation, 4 virtual sectors = its 2048 bytes) and
 * EFI (the FAT image, no emulation), no padding (the backup GPT follows).
 * SOURCE_DATE_EPOCH (set by run_tool) fixes every date and the volume UUID. */
static void run_xorriso(const char *out, const char *dir) {
    char *argv[] = {"xorriso", "-as", "mkisofs", "-quiet", "-o", (char *)out, "-R", "-V", "KILN", "-no-pad",
                    "-b", NAME_CDBOOT, "-no-emul-boot", "-boot-load-size", "4", "-c", NAME_CATALOG,
                    "-eltorito-alt-boot", "-e", NAME_EFI, "-no-emul-boot", (char *)dir, NULL};
    run_tool(argv, "xorriso", "building the ISO image");
}

static void read_at(int fd, const char *path, void *buf, size_t n, uint64_t off) {
    ssize_t got = pread(fd, buf, n, (off_t)off);
    if (got != (ssize_t)n) die("%s: cannot read %zu bytes at %llu back", path, n, (unsigned long long)off);
}

struct placed {
    struct iso_volume vol;
    struct iso_file cdboot, efi, payload;
};

/* Where xorriso put the files, checked against what was staged. */
static void find_files(int fd, const char *path, struct placed *p, uint64_t payload_size) {
    uint8_t block[ISO_BLOCK];
    kiln_err e;
    read_at(fd, path, block, ISO_BLOCK, (uint64_t)ISO_PVD_BLOCK * ISO_BLOCK);
    if (!iso_parse_pvd(block, &p->vol, &e)) die("internal: xorriso wrote %s", e.msg);
    uint8_t *root = xmalloc(p->vol.root_size);
    read_at(fd, path, root, p->vol.root_size, (uint64_t)p->vol.root_lba * ISO_BLOCK);
    struct {
        const char *name;
        struct iso_file *f;
    } want[] = {{NAME_CDBOOT, &p->cdboot}, {NAME_EFI, &p->efi}, {NAME_PAYLOAD, &p->payload}};
    for (size_t i = 0; i < ARRAY_LEN(want); i++)
        if (!iso_dir_find(root, p->vol.root_size, want[i].name, want[i].f, &e))
            die("internal: %s is not in the ISO's root directory%s%s", want[i].name, e.msg[0] ? ": " : "", e.msg);
    free(root);
    if (p->payload.size != payload_size) die("internal: xorriso stored the payload with a different size");
}

/* cdboot's fields (stage1/cdboot.asm), in 2048-byte blocks. */
static void patch_cdboot(int fd, const char *path, const struct placed *p, uint64_t stage2_off, uint64_t stage2_size) {
    uint8_t b[ISO_BLOCK];
    read_at(fd, path, b, ISO_BLOCK, (uint64_t)p->cdboot.lba * ISO_BLOCK);
    if (get_le32(b + STAGE2_MAGIC_OFFSET) == STAGE2_MAGIC || b[MBR_FLAGS] != MBR_FLAG_CDROM)
        die("internal: the ISO's %s is not Kiln's cdboot", NAME_CDBOOT);
    put_le64(b + MBR_PAYLOAD_LBA, p->payload.lba);
    put_le64(b + MBR_STAGE2_LBA, p->payload.lba + stage2_off / ISO_BLOCK);
    put_le16(b + MBR_STAGE2_SECTORS, (uint16_t)(align_up(stage2_size, SECTOR) / SECTOR)); /* as stage 1's */
    if (pwrite(fd, b, ISO_BLOCK, (off_t)p->cdboot.lba * ISO_BLOCK) != (ssize_t)ISO_BLOCK)
        die("%s: write failed: %s", path, strerror(errno));
}

bool image_is_iso(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    uint8_t b[8];
    bool iso = pread(fd, b, sizeof b, ISO_SYSTEM_AREA) == (ssize_t)sizeof b && iso_descriptor_type(b) >= 0;
    close(fd);
    return iso;
}

void iso_write(const char *out_path, const uint8_t *stage1, const uint8_t *payload, uint64_t payload_size,
               uint64_t stage2_off, uint64_t stage2_size, const uint8_t *efi, size_t efi_size) {
    if (stage2_off % ISO_BLOCK) die("internal: stage 2 is not 2048-byte aligned in the payload");
    /* The seed of the disk signature, GUIDs and the ESP serial: the payload
     * header's CRC, which covers every entry's sum (as in partitions.c). */
    uint32_t seed = ((const struct payload_header *)payload)->header_crc32;
    struct staging s;
    stage(&s, payload, payload_size, efi, efi_size, seed);
    struct out_file out;
    out_open(&out, out_path);
    run_xorriso(out.tmp, s.dir);
    out_reopen(&out);
    unstage(&s);

    struct placed p;
    find_files(out.fd, out.tmp, &p, payload_size);
    patch_cdboot(out.fd, out.tmp, &p, stage2_off, stage2_size);

    /* The disk view: the volume, then the backup GPT. */
    struct stat st;
    if (fstat(out.fd, &st) != 0) die("%s: %s", out.tmp, strerror(errno));
    uint64_t iso_bytes = align_up(MAX((uint64_t)st.st_size, p.vol.blocks * ISO_BLOCK), ISO_BLOCK);
    struct disk_layout d = {
        .kind = KIND_ISO,
        .disk_sectors = iso_bytes / SECTOR + BACKUP_GPT_SECTORS,
        .esp_lba = (uint64_t)p.efi.lba * (ISO_BLOCK / SECTOR),
        .esp_sectors = align_up(p.efi.size, SECTOR) / SECTOR,
        .kiln_lba = (uint64_t)p.payload.lba * (ISO_BLOCK / SECTOR),
        .kiln_sectors = align_up(payload_size, SECTOR) / SECTOR,
    };
    out_truncate(&out, d.disk_sectors * SECTOR);

    uint8_t mbr[MBR_SIZE];
    memcpy(mbr, stage1, MBR_SIZE);
    if (mbr[MBR_BOOT_SIGNATURE] != 0x55 || mbr[MBR_BOOT_SIGNATURE + 1] != 0xaa)
        die("internal: stage 1 has no boot signature");
    mbr_set_stage1(mbr, d.kiln_lba, d.kiln_lba + stage2_off / SECTOR, (uint16_t)(align_up(stage2_size, SECTOR) / SECTOR));
    mbr_set_disk_signature(mbr, seed);
    memset(mbr + MBR_PARTITIONS, 0, 4 * MBR_PARTITION_SIZE);
    /* Active protective entry, as on hybrid disk images (docs/disk-layout.md). */
    mbr_set_partition(mbr, 0, MBR_ACTIVE, MBR_TYPE_GPT_PROTECTIVE, 1, d.disk_sectors - 1);
    out_write_at(&out, mbr, MBR_SIZE, 0);
    write_gpt(&out, &d, seed);
    out_commit(&out);
}
