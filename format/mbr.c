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

/* The sum stage 1 checks: the first sector's 128 dwords, mod 2^32. */
static uint32_t sector_sum(const uint8_t *s) {
    uint32_t sum = 0;
    for (unsigned i = 0; i < 512; i += 4) sum += get_le32(s + i);
    return sum;
}

void stage2_sums(const uint8_t *p, uint32_t len, uint64_t *a, uint64_t *b) {
    uint64_t sa = 0, sb = 0;
    for (uint32_t i = 0; i + 4 <= len; i += 4) {
        sa += get_le32(p + i);
        sb += sa;
    }
    *a = sa;
    *b = sb;
}

bool stage2_check(const uint8_t *s2, uint64_t size, kiln_err *e) {
    if (size < 512) return err_set(e, "stage 2: %llu bytes, less than its first sector", (unsigned long long)size);
    if (get_le32(s2 + STAGE2_MAGIC_OFFSET) != STAGE2_MAGIC) return err_set(e, "stage 2: no magic \"KLN2\"");
    if (sector_sum(s2) != STAGE2_MAGIC)
        return err_set(e, "stage 2: the first sector's checksum is wrong (stage 1 stops with 'Kiln: M')");
    uint32_t want = get_le32(s2 + STAGE2_HDR_SIZE);
    if (want <= 512 || want > size)
        return err_set(e, "stage 2: the header says %u bytes, %llu are here", want, (unsigned long long)size);
    /* The first sector's code refuses these too (entry.asm). */
    if (want % 16 || want > STAGE2_SUM_MAX)
        return err_set(e, "stage 2: the header says %u bytes, not a multiple of 16 up to %u", want, STAGE2_SUM_MAX);
    uint64_t a, b;
    stage2_sums(s2 + 512, want - 512, &a, &b);
    if (a != get_le64(s2 + STAGE2_HDR_SUM_A) || b != get_le64(s2 + STAGE2_HDR_SUM_B))
        return err_set(e, "stage 2: checksum mismatch (sums %016llx %016llx, the header says %016llx %016llx)",
                       (unsigned long long)a, (unsigned long long)b, (unsigned long long)get_le64(s2 + STAGE2_HDR_SUM_A),
                       (unsigned long long)get_le64(s2 + STAGE2_HDR_SUM_B));
    return true;
}
