/* disk.c - writing the partition table(s) and the partitions. */
#include <string.h>

#include "common/crc32.h"
#include "tools/kiln/disk.h"

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
    d->kiln_lba = ALIGN_LBA;
    d->kiln_sectors = align_up(payload_bytes, MIB(1)) / SECTOR;
    d->disk_sectors = d->kiln_lba + d->kiln_sectors;
}

void disk_write(struct out_file *out, const struct disk_layout *d, const uint8_t *stage1, const uint8_t *payload,
                uint64_t payload_size, uint64_t stage2_off, uint64_t stage2_size) {
    uint8_t mbr[SECTOR];
    memcpy(mbr, stage1, SECTOR);
    if (mbr[510] != 0x55 || mbr[511] != 0xaa) die("internal: stage 1 has no boot signature");
    put64(mbr + S1_PAYLOAD_LBA, d->kiln_lba);
    put64(mbr + S1_STAGE2_LBA, d->kiln_lba + stage2_off / SECTOR);
    put16(mbr + S1_STAGE2_SECTORS, (uint16_t)(align_up(stage2_size, SECTOR) / SECTOR));
    /* Disk signature: derived from the payload, so equal inputs give equal images. */
    put32(mbr + MBR_DISK_SIG, crc32_update(0, payload, payload_size));
    put16(mbr + MBR_DISK_SIG + 4, 0);
    memset(mbr + MBR_PARTS, 0, 64);
    mbr_entry(mbr + MBR_PARTS, 0x80, MBR_KILN_TYPE, d->kiln_lba, d->kiln_sectors);
    out_write_at(out, mbr, SECTOR, 0);
    out_write_at(out, payload, payload_size, d->kiln_lba * SECTOR);
}
