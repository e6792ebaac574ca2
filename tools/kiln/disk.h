/* disk.h - disk image layout: MBR, GPT, the EFI system partition and the
 * Kiln partition (docs/disk-layout.md). */
#ifndef KILN_DISK_H
#define KILN_DISK_H

#include <stdint.h>

#include "tools/kiln/tool.h"

#define SECTOR 512u
#define ALIGN_LBA 2048u /* partitions start on 1 MiB boundaries */

/* Stage 1 fields patched by the tool (stage1/stage1.asm). */
#define S1_PAYLOAD_LBA 0x1a0
#define S1_STAGE2_LBA 0x1a8
#define S1_STAGE2_SECTORS 0x1b0
#define MBR_DISK_SIG 0x1b8
#define MBR_PARTS 0x1be
#define MBR_KILN_TYPE 0x7f /* "reserved for individual use": the Kiln partition on MBR disks */

struct disk_layout {
    enum image_kind kind;
    uint64_t disk_sectors;
    uint64_t esp_lba, esp_sectors; /* 0 on bios images */
    uint64_t kiln_lba, kiln_sectors;
};

/* GPT type GUID of the Kiln partition, in on-disk byte order. */
extern const uint8_t kiln_part_type[16];

void disk_plan(struct disk_layout *d, enum image_kind kind, uint64_t payload_bytes);
void disk_write(struct out_file *out, const struct disk_layout *d, const uint8_t *stage1, const uint8_t *payload,
                uint64_t payload_size, uint64_t stage2_off, uint64_t stage2_size);

/* CHS triple for an MBR partition entry (255 heads, 63 sectors per track;
 * LBAs beyond CHS reach get the conventional 1023/254/63). */
void lba_to_chs(uint64_t lba, uint8_t chs[3]);

#endif
