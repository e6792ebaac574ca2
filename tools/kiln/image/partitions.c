/* partitions.c - writing partition tables and partitions (docs/disk-layout.md).
 *
 *   bios:   MBR (stage 1, one active entry: the Kiln partition)
 *   hybrid: protective MBR (stage 1, one active 0xEE entry) + GPT with an
 *           EFI system partition and the Kiln partition, backup GPT at the end
 *   uefi:   protective MBR (no boot code) + the same GPT, no stage 2
 * Partitions start on 1 MiB boundaries. All identifiers are derived from the
 * contents, so equal inputs give byte-identical images. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kiln/crc32.h>
#include "tools/kiln/image/image.h"
#include "tools/kiln/util/die.h"

#define GPT_ENTRIES 128u
#define GPT_ENTRY_SIZE 128u
#define GPT_ARRAY_SECTORS (GPT_ENTRIES * GPT_ENTRY_SIZE / SECTOR) /* 32 */
#define ESP_SECTORS 32768u /* 16 MiB: FAT16 with 2 KiB clusters */
#define ESP_EPOCH "946684800" /* 2000-01-01: fixed FAT timestamps (SOURCE_DATE_EPOCH) */

/* GUIDs in their on-disk (mixed-endian) byte order. */
static const uint8_t esp_type[16] = {0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
                                     0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b}; /* C12A7328-F81F-11D2-BA4B-00A0C93EC93B */
const uint8_t kiln_part_type[16] = {0x31, 0x4e, 0x4c, 0x4b, 0x1e, 0x5b, 0x4e, 0x4c,
                                    0x8d, 0x2a, 0x6b, 0x69, 0x6c, 0x6e, 0x00, 0x01}; /* 4B4C4E31-5B1E-4C4E-8D2A-6B696C6E0001 */

void lba_to_chs(uint64_t lba, uint8_t chs[3]) {
    uint64_t c = lba / (255 * 63), h = (lba / 63) % 255, s = lba % 63 + 1;
    if (c > 1023) c = 1023, h = 254, s = 63;
    chs[0] = (uint8_t)h;
    chs[1] = (uint8_t)(s | ((c >> 2) & 0xc0));
    chs[2] = (uint8_t)c;
}

static void mbr_entry(uint8_t *e, uint8_t status, uint8_t type, uint64_t lba, uint64_t sectors) {
    if (lba > UINT32_MAX) lba = UINT32_MAX;
    if (sectors > UINT32_MAX - lba) sectors = UINT32_MAX - lba;
    e[0] = status;
    lba_to_chs(lba, e + 1);
    e[4] = type;
    lba_to_chs(lba + sectors - 1, e + 5);
    put32(e + 8, (uint32_t)lba);
    put32(e + 12, (uint32_t)sectors);
}

void disk_plan(struct disk_layout *d, enum image_kind kind, uint64_t payload_bytes) {
    memset(d, 0, sizeof *d);
    d->kind = kind;
    uint64_t kiln_sectors = align_up(payload_bytes, MIB(1)) / SECTOR;
    if (kind == KIND_BIOS) {
        d->kiln_lba = ALIGN_LBA;
        d->kiln_sectors = kiln_sectors;
        d->disk_sectors = d->kiln_lba + d->kiln_sectors;
        return;
    }
    d->esp_lba = ALIGN_LBA;
    d->esp_sectors = ESP_SECTORS;
    d->kiln_lba = d->esp_lba + d->esp_sectors; /* 1 MiB aligned: ESP_SECTORS is a multiple of 2048 */
    d->kiln_sectors = kiln_sectors;
    /* 1 MiB after the last partition holds the backup GPT at the very end. */
    d->disk_sectors = d->kiln_lba + d->kiln_sectors + ALIGN_LBA;
}

/* A deterministic version-4-shaped GUID from the payload CRC and a salt. */
static void make_guid(uint8_t g[16], uint32_t seed, uint32_t salt) {
    for (int i = 0; i < 4; i++) {
        uint32_t in[2] = {seed, salt * 4 + (uint32_t)i};
        put32(g + 4 * i, kiln_crc32(0, in, sizeof in));
    }
    g[7] = (uint8_t)((g[7] & 0x0f) | 0x40); /* version 4 (byte 7 is the high byte of field 3) */
    g[8] = (uint8_t)((g[8] & 0x3f) | 0x80); /* RFC 4122 variant */
}

static void utf16_name(uint8_t *dst, const char *s) {
    for (int i = 0; s[i] && i < 36; i++) put16(dst + 2 * i, (uint8_t)s[i]);
}

static void gpt_entry(uint8_t *e, const uint8_t type[16], uint32_t seed, uint32_t salt, uint64_t first, uint64_t sectors,
                      const char *name) {
    memcpy(e, type, 16);
    make_guid(e + 16, seed, salt);
    put64(e + 32, first);
    put64(e + 40, first + sectors - 1);
    put64(e + 48, 0);
    utf16_name(e + 56, name);
}

/* GPT header at `my_lba`; the entry array lives at `entries_lba`. */
static void gpt_header(uint8_t *h, const struct disk_layout *d, uint64_t my_lba, uint64_t alt_lba, uint64_t entries_lba,
                       const uint8_t disk_guid[16], uint32_t array_crc) {
    memset(h, 0, SECTOR);
    memcpy(h, "EFI PART", 8);
    put32(h + 8, 0x00010000);
    put32(h + 12, 92);
    put64(h + 24, my_lba);
    put64(h + 32, alt_lba);
    put64(h + 40, 2 + GPT_ARRAY_SECTORS);                      /* first usable */
    put64(h + 48, d->disk_sectors - 2 - GPT_ARRAY_SECTORS);    /* last usable */
    memcpy(h + 56, disk_guid, 16);
    put64(h + 72, entries_lba);
    put32(h + 80, GPT_ENTRIES);
    put32(h + 84, GPT_ENTRY_SIZE);
    put32(h + 88, array_crc);
    put32(h + 16, kiln_crc32(0, h, 92));
}

/* Runs a command; dies with its name if it cannot run or fails. */
static void run(char *const argv[]) {
    /* A failed exec sends its errno up this close-on-exec pipe, so the one
     * error message comes from the parent, which also removes the output. */
    int p[2];
    if (pipe(p) != 0 || fcntl(p[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(p[1], F_SETFD, FD_CLOEXEC) != 0)
        die("cannot start %s: %s", argv[0], strerror(errno));
    pid_t pid = fork();
    if (pid < 0) die("cannot start %s: %s", argv[0], strerror(errno));
    if (pid == 0) {
        setenv("SOURCE_DATE_EPOCH", ESP_EPOCH, 1);
        setenv("MTOOLS_SKIP_CHECK", "1", 1);
        execvp(argv[0], argv);
        int err = errno;
        if (write(p[1], &err, sizeof err) < 0) _exit(126);
        _exit(127);
    }
    close(p[1]);
    int err = 0;
    ssize_t got;
    while ((got = read(p[0], &err, sizeof err)) < 0 && errno == EINTR) continue;
    close(p[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) die("waiting for %s: %s", argv[0], strerror(errno));
    if (got == (ssize_t)sizeof err)
        die("cannot run %s: %s (install mtools: apt-get install mtools)", argv[0], strerror(err));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("%s failed while building the EFI system partition", argv[0]);
}

/* The EFI system partition: FAT16 made by mtools directly inside the image
 * file (mtools' image@@offset syntax), holding EFI/BOOT/BOOTX64.EFI.
 * mcopy reads BOOTX64.EFI from a temporary file that is unlinked at once and
 * handed over as /dev/fd/N, so no exit, signal or crash can leave it behind. */
static void write_esp(struct out_file *out, const struct disk_layout *d, uint32_t serial) {
    const char *tmpdir = tmp_dir();
    size_t n = strlen(tmpdir) + 32;
    char *efi_tmp = xmalloc(n);
    snprintf(efi_tmp, n, "%s/kiln-efi.XXXXXX", tmpdir);
    int fd = mkstemp(efi_tmp);
    if (fd < 0) die("%s: %s", efi_tmp, strerror(errno));
    unlink(efi_tmp);
    size_t size = (size_t)(kiln_efi_end - kiln_efi);
    if (write(fd, kiln_efi, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) die("%s: write failed", efi_tmp);
    char efi_src[32];
    snprintf(efi_src, sizeof efi_src, "/dev/fd/%d", fd); /* inherited by the mtools children */

    char img[4096], total[32], hidden[32], ser[16];
    snprintf(img, sizeof img, "%s@@%llu", out->tmp, (unsigned long long)(d->esp_lba * SECTOR));
    snprintf(total, sizeof total, "%llu", (unsigned long long)d->esp_sectors);
    snprintf(hidden, sizeof hidden, "%llu", (unsigned long long)d->esp_lba);
    snprintf(ser, sizeof ser, "%08x", serial);
    char *mformat[] = {"mformat", "-i", img, "-T", total, "-h", "64", "-s", "32", "-H", hidden, "-c", "4",
                       "-N", ser, "-v", "KILN-ESP", "::", NULL};
    char *mmd[] = {"mmd", "-i", img, "::/EFI", "::/EFI/BOOT", NULL};
    char *mcopy[] = {"mcopy", "-i", img, efi_src, "::/EFI/BOOT/BOOTX64.EFI", NULL};
    run(mformat);
    run(mmd);
    run(mcopy);
    close(fd);
    free(efi_tmp);
}

static void write_gpt(struct out_file *out, const struct disk_layout *d, uint32_t seed) {
    uint8_t *array = xcalloc(GPT_ENTRIES, GPT_ENTRY_SIZE);
    gpt_entry(array, esp_type, seed, 1, d->esp_lba, d->esp_sectors, "EFI system partition");
    gpt_entry(array + GPT_ENTRY_SIZE, kiln_part_type, seed, 2, d->kiln_lba, d->kiln_sectors, "Kiln");
    uint32_t array_crc = kiln_crc32(0, array, GPT_ENTRIES * GPT_ENTRY_SIZE);
    uint8_t disk_guid[16], hdr[SECTOR];
    make_guid(disk_guid, seed, 0);
    uint64_t last = d->disk_sectors - 1;
    gpt_header(hdr, d, 1, last, 2, disk_guid, array_crc);
    out_write_at(out, hdr, SECTOR, SECTOR);
    out_write_at(out, array, GPT_ENTRIES * GPT_ENTRY_SIZE, 2 * SECTOR);
    gpt_header(hdr, d, last, 1, last - GPT_ARRAY_SECTORS, disk_guid, array_crc);
    out_write_at(out, array, GPT_ENTRIES * GPT_ENTRY_SIZE, (last - GPT_ARRAY_SECTORS) * SECTOR);
    out_write_at(out, hdr, SECTOR, last * SECTOR);
    free(array);
}

void disk_write(struct out_file *out, const struct disk_layout *d, const uint8_t *stage1, const uint8_t *payload,
                uint64_t payload_size, uint64_t stage2_off, uint64_t stage2_size) {
    uint8_t mbr[SECTOR];
    uint32_t seed = kiln_crc32(0, payload, payload_size);
    if (d->kind == KIND_UEFI) {
        memset(mbr, 0, SECTOR); /* no BIOS boot code: this image is for UEFI only */
        mbr[510] = 0x55, mbr[511] = 0xaa;
    } else {
        memcpy(mbr, stage1, SECTOR);
        if (mbr[510] != 0x55 || mbr[511] != 0xaa) die("internal: stage 1 has no boot signature");
        put64(mbr + S1_PAYLOAD_LBA, d->kiln_lba);
        put64(mbr + S1_STAGE2_LBA, d->kiln_lba + stage2_off / SECTOR);
        put16(mbr + S1_STAGE2_SECTORS, (uint16_t)(align_up(stage2_size, SECTOR) / SECTOR));
    }
    put32(mbr + MBR_DISK_SIG, seed);
    put16(mbr + MBR_DISK_SIG + 4, 0);
    memset(mbr + MBR_PARTS, 0, 64);
    if (d->kind == KIND_BIOS) {
        mbr_entry(mbr + MBR_PARTS, 0x80, MBR_KILN_TYPE, d->kiln_lba, d->kiln_sectors);
    } else {
        /* Protective entry over the whole disk. Active on the hybrid image for
         * BIOSes that refuse to boot a disk without an active partition;
         * UEFI ignores the flag (UEFI 2.10, 5.2.3). docs/disk-layout.md. */
        mbr_entry(mbr + MBR_PARTS, d->kind == KIND_HYBRID ? 0x80 : 0x00, 0xee, 1, d->disk_sectors - 1);
    }
    out_write_at(out, mbr, SECTOR, 0);
    if (d->kind != KIND_BIOS) {
        write_gpt(out, d, seed);
        write_esp(out, d, seed);
    }
    out_write_at(out, payload, payload_size, d->kiln_lba * SECTOR);
}
