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

#include "format/efiseal.h"
#include "format/fat.h"
#include "format/gpt.h"
#include "format/mbr.h"
#include "tools/kiln/image/image.h"
#include "tools/kiln/util/die.h"

#define GPT_ENTRIES 128u
#define GPT_ARRAY_SECTORS (GPT_ENTRIES * GPT_ENTRY_MIN / SECTOR) /* 32 */
#define ESP_SECTORS 32768u /* 16 MiB: FAT16 with 2 KiB clusters */
#define TOOL_EPOCH "946684800" /* 2000-01-01: SOURCE_DATE_EPOCH for the tools run (xorriso), as the FAT dates */

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
        put_le32(g + 4 * i, kiln_crc32(0, in, sizeof in));
    }
    g[7] = (uint8_t)((g[7] & 0x0f) | 0x40); /* version 4 (byte 7 is the high byte of field 3) */
    g[8] = (uint8_t)((g[8] & 0x3f) | 0x80); /* RFC 4122 variant */
}

static void gpt_entry(uint8_t *e, const uint8_t type[16], uint32_t seed, uint32_t salt, uint64_t first, uint64_t sectors,
                      const char *name) {
    uint8_t unique[16];
    make_guid(unique, seed, salt);
    gpt_write_entry(e, type, unique, first, first + sectors - 1, name);
}

/* GPT header at `my_lba`; the entry array lives at `entries_lba`. */
static void gpt_header(uint8_t *h, const struct disk_layout *d, uint64_t my_lba, uint64_t alt_lba, uint64_t entries_lba,
                       const uint8_t disk_guid[16], uint32_t array_crc) {
    struct gpt_header g = {
        .my_lba = my_lba, .alternate_lba = alt_lba, .first_usable = 2 + GPT_ARRAY_SECTORS,
        .last_usable = d->disk_sectors - 2 - GPT_ARRAY_SECTORS, .entries_lba = entries_lba,
        .entry_count = GPT_ENTRIES, .entry_size = GPT_ENTRY_MIN, .entries_crc = array_crc,
    };
    memcpy(g.disk_guid, disk_guid, 16);
    gpt_write_header(h, SECTOR, &g);
}

/* Runs a command; dies with its name if it cannot run or fails: `package`
 * is what to install, `what` what the command was for. */
void run_tool(char *const argv[], const char *package, const char *what) {
    /* A failed exec sends its errno up this close-on-exec pipe, so the one
     * error message comes from the parent, which also removes the output. */
    /* The tool's own output goes to a temporary file, shown only when it
     * fails (xorriso prints a banner and notes even with -quiet). */
    char *log_path = xmalloc(strlen(tmp_dir()) + 32);
    sprintf(log_path, "%s/kiln-tool.XXXXXX", tmp_dir());
    int log_fd = mkstemp(log_path);
    if (log_fd < 0) die("%s: %s", log_path, strerror(errno));
    unlink(log_path);
    free(log_path);
    int p[2];
    if (pipe(p) != 0 || fcntl(p[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(p[1], F_SETFD, FD_CLOEXEC) != 0)
        die("cannot start %s: %s", argv[0], strerror(errno));
    pid_t pid = fork();
    if (pid < 0) die("cannot start %s: %s", argv[0], strerror(errno));
    if (pid == 0) {
        setenv("SOURCE_DATE_EPOCH", TOOL_EPOCH, 1);
        if (dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) _exit(126);
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
        die("cannot run %s: %s (install %s: apt-get install %s)", argv[0], strerror(err), package, package);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char buf[4096];
        ssize_t n = pread(log_fd, buf, sizeof buf - 1, 0);
        if (n > 0) {
            buf[n] = 0;
            fprintf(stderr, "%s", buf);
        }
        die("%s failed while %s", argv[0], what);
    }
    close(log_fd);
}

uint8_t *esp_volume(uint64_t sectors, uint32_t hidden, uint32_t serial, const uint8_t *efi, size_t efi_size,
                    size_t *used) {
    kiln_err e;
    struct fat_geometry g;
    if (!fat_geometry(sectors, &g, &e)) die("building the EFI system partition: %s", e.msg);
    *used = fat_esp_used(&g, efi_size);
    uint8_t *v = xcalloc(1, *used);
    if (!fat_esp(&g, hidden, serial, efi, efi_size, v, &e)) die("building the EFI system partition: %s", e.msg);
    return v;
}

/* The EFI system partition (format/fat_write.c): only its sectors that are
 * not zero are written; the rest stays a hole of the sized output file. */
static void write_esp(struct out_file *out, const struct disk_layout *d, uint32_t serial, const uint8_t *efi,
                      size_t size) {
    size_t used;
    uint8_t *v = esp_volume(d->esp_sectors, (uint32_t)d->esp_lba, serial, efi, size, &used);
    out_write_at(out, v, used, d->esp_lba * SECTOR);
    free(v);
}

void write_gpt(struct out_file *out, const struct disk_layout *d, uint32_t seed) {
    uint8_t *array = xcalloc(GPT_ENTRIES, GPT_ENTRY_MIN);
    gpt_entry(array, gpt_type_esp, seed, 1, d->esp_lba, d->esp_sectors, "EFI system partition");
    gpt_entry(array + GPT_ENTRY_MIN, gpt_type_kiln, seed, 2, d->kiln_lba, d->kiln_sectors, "Kiln");
    uint32_t array_crc = kiln_crc32(0, array, GPT_ENTRIES * GPT_ENTRY_MIN);
    uint8_t disk_guid[16], hdr[SECTOR];
    make_guid(disk_guid, seed, 0);
    uint64_t last = d->disk_sectors - 1;
    gpt_header(hdr, d, 1, last, 2, disk_guid, array_crc);
    out_write_at(out, hdr, SECTOR, SECTOR);
    out_write_at(out, array, GPT_ENTRIES * GPT_ENTRY_MIN, 2 * SECTOR);
    gpt_header(hdr, d, last, 1, last - GPT_ARRAY_SECTORS, disk_guid, array_crc);
    out_write_at(out, array, GPT_ENTRIES * GPT_ENTRY_MIN, (last - GPT_ARRAY_SECTORS) * SECTOR);
    out_write_at(out, hdr, SECTOR, last * SECTOR);
    free(array);
}

void disk_write(struct out_file *out, const struct disk_layout *d, const uint8_t *stage1, const struct payload_out *p,
                uint64_t stage2_off, uint64_t stage2_size, const uint8_t *efi, size_t efi_size) {
    uint8_t mbr[MBR_SIZE];
    /* The seed of the disk's GUIDs and signature: the header's CRC, which
     * covers every entry's size, name and CRC, so it changes with any byte
     * of the payload as a CRC of all of it would, without reading it again. */
    uint32_t seed = ((const struct payload_header *)p->header)->header_crc32;
    if (d->kind == KIND_UEFI) {
        memset(mbr, 0, MBR_SIZE); /* no BIOS boot code: this image is for UEFI only */
        mbr[MBR_BOOT_SIGNATURE] = 0x55, mbr[MBR_BOOT_SIGNATURE + 1] = 0xaa;
    } else {
        memcpy(mbr, stage1, MBR_SIZE);
        if (mbr[MBR_BOOT_SIGNATURE] != 0x55 || mbr[MBR_BOOT_SIGNATURE + 1] != 0xaa)
            die("internal: stage 1 has no boot signature");
        mbr_set_stage1(mbr, d->kiln_lba, d->kiln_lba + stage2_off / SECTOR,
                       (uint16_t)(align_up(stage2_size, SECTOR) / SECTOR));
    }
    mbr_set_disk_signature(mbr, seed);
    memset(mbr + MBR_PARTITIONS, 0, 4 * MBR_PARTITION_SIZE);
    if (d->kind == KIND_BIOS) {
        mbr_set_partition(mbr, 0, MBR_ACTIVE, MBR_TYPE_KILN, d->kiln_lba, d->kiln_sectors);
    } else {
        /* Protective entry over the whole disk. Active on the hybrid image for
         * BIOSes that refuse to boot a disk without an active partition;
         * UEFI ignores the flag (UEFI 2.10, 5.2.3). docs/disk-layout.md. */
        mbr_set_partition(mbr, 0, d->kind == KIND_HYBRID ? MBR_ACTIVE : 0, MBR_TYPE_GPT_PROTECTIVE, 1,
                          d->disk_sectors - 1);
    }
    out_write_at(out, mbr, MBR_SIZE, 0);
    if (d->kind != KIND_BIOS) {
        write_gpt(out, d, seed);
        write_esp(out, d, seed, efi, efi_size);
    }
    uint64_t base = d->kiln_lba * SECTOR;
    out_write_at(out, p->header, p->header_size, base);
    for (uint32_t i = 0; i < p->n; i++) out_write_at(out, p->items[i].data, p->items[i].size, base + p->offsets[i]);
}
