/* disk.h - disk image layout: MBR, GPT, the EFI system partition and the
 * Kiln partition (docs/disk-layout.md). The formats themselves are
 * format/mbr.h and format/gpt.h. */
#ifndef KILN_DISK_H
#define KILN_DISK_H

#include <stdint.h>

#include "tools/kiln/tool.h"

#define SECTOR 512u
#define ALIGN_LBA 2048u /* partitions start on 1 MiB boundaries */

struct disk_layout {
    enum image_kind kind;
    uint64_t disk_sectors;
    uint64_t esp_lba, esp_sectors; /* 0 on bios images */
    uint64_t kiln_lba, kiln_sectors;
};

void disk_plan(struct disk_layout *d, enum image_kind kind, uint64_t payload_bytes);
void disk_write(struct out_file *out, const struct disk_layout *d, const uint8_t *stage1, const uint8_t *payload,
                uint64_t payload_size, uint64_t stage2_off, uint64_t stage2_size);

#endif
