/* mbr.c - reading the first sector (mbr.h). */
#include "format/mbr.h"

#include "core/util.h"

void mbr_parse(const uint8_t s[MBR_SIZE], struct mbr *m) {
    m->boot_signature = s[MBR_BOOT_SIGNATURE] == 0x55 && s[MBR_BOOT_SIGNATURE + 1] == 0xaa;
    m->disk_signature = get_le32(s + MBR_DISK_SIGNATURE);
    for (int i = 0; i < 4; i++) {
        const uint8_t *e = s + MBR_PARTITIONS + MBR_PARTITION_SIZE * i;
        m->part[i] = (struct mbr_partition){e[0], e[4], get_le32(e + 8), get_le32(e + 12)};
    }
    m->payload_lba = get_le64(s + MBR_PAYLOAD_LBA);
    m->stage2_lba = get_le64(s + MBR_STAGE2_LBA);
    m->stage2_sectors = get_le16(s + MBR_STAGE2_SECTORS);
    m->flags = s[MBR_FLAGS];
}

int mbr_find(const struct mbr *m, uint8_t type) {
    for (int i = 0; i < 4; i++)
        if (m->part[i].type == type) return i;
    return -1;
}
