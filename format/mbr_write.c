/* mbr_write.c - writing the first sector (mbr.h), for the host tool. */
#include "format/mbr.h"

#include "core/util.h"

void mbr_lba_to_chs(uint64_t lba, uint8_t chs[3]) {
    uint64_t c = lba / (255 * 63), h = (lba / 63) % 255, s = lba % 63 + 1;
    if (c > 1023) c = 1023, h = 254, s = 63;
    chs[0] = (uint8_t)h;
    chs[1] = (uint8_t)(s | ((c >> 2) & 0xc0));
    chs[2] = (uint8_t)c;
}

void mbr_set_partition(uint8_t sector[MBR_SIZE], int i, uint8_t status, uint8_t type, uint64_t lba, uint64_t sectors) {
    uint8_t *e = sector + MBR_PARTITIONS + MBR_PARTITION_SIZE * (unsigned)i;
    if (lba > UINT32_MAX) lba = UINT32_MAX;
    if (sectors > UINT32_MAX - lba) sectors = UINT32_MAX - lba;
    e[0] = status;
    mbr_lba_to_chs(lba, e + 1);
    e[4] = type;
    mbr_lba_to_chs(lba + sectors - 1, e + 5);
    put_le32(e + 8, (uint32_t)lba);
    put_le32(e + 12, (uint32_t)sectors);
}

void mbr_set_stage1(uint8_t sector[MBR_SIZE], uint64_t payload_lba, uint64_t stage2_lba, uint16_t stage2_sectors) {
    put_le64(sector + MBR_PAYLOAD_LBA, payload_lba);
    put_le64(sector + MBR_STAGE2_LBA, stage2_lba);
    put_le16(sector + MBR_STAGE2_SECTORS, stage2_sectors);
}

void mbr_set_disk_signature(uint8_t sector[MBR_SIZE], uint32_t signature) {
    put_le32(sector + MBR_DISK_SIGNATURE, signature);
    put_le16(sector + MBR_DISK_SIGNATURE + 4, 0);
}

bool stage2_seal(uint8_t *s2, uint64_t size, uint64_t part_sectors, kiln_err *e) {
    /* STAGE2_SUM_MAX keeps the sums exact (mbr.h); it is below what stage
     * 1 can load (STAGE2_MAX_SECTORS). Whole 16-byte blocks: the first
     * sector's code sums four words a round. */
    if (size <= 512 || size > STAGE2_SUM_MAX || size % 16)
        return err_set(e, "stage 2 is %llu bytes; it must be more than one sector, at most %u bytes and a multiple of 16",
                       (unsigned long long)size, STAGE2_SUM_MAX);
    if (get_le32(s2 + STAGE2_MAGIC_OFFSET) != STAGE2_MAGIC) return err_set(e, "stage 2 has no magic \"KLN2\"");
    uint64_t a, b;
    stage2_sums(s2 + 512, (uint32_t)size - 512, &a, &b);
    put_le32(s2 + STAGE2_HDR_SIZE, (uint32_t)size);
    put_le64(s2 + STAGE2_HDR_PART_SECTORS, part_sectors);
    put_le64(s2 + STAGE2_HDR_SUM_A, a);
    put_le64(s2 + STAGE2_HDR_SUM_B, b);
    put_le32(s2 + STAGE2_HDR_FIXUP, 0);
    uint32_t sum = 0;
    for (unsigned i = 0; i < 512; i += 4) sum += get_le32(s2 + i);
    put_le32(s2 + STAGE2_HDR_FIXUP, STAGE2_MAGIC - sum);
    return true;
}
