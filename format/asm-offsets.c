/* asm-offsets.c - the on-disk constants assembly needs (format/mbr.h), as
 * NASM %defines in build/gen/format/asm-offsets.inc: stage 1 places its
 * fields and checks stage 2 with the same numbers the tool writes. */
#include "format/mbr.h"
#include "format/pxe.h"

#define DEFINE(name) __asm__ volatile("\n->" #name " %0" : : "i"(name))

void asm_offsets(void);
void asm_offsets(void) {
    DEFINE(MBR_BPB_END);
    DEFINE(MBR_STAGE1_FIELDS);
    DEFINE(MBR_PAYLOAD_LBA);
    DEFINE(MBR_STAGE2_LBA);
    DEFINE(MBR_STAGE2_SECTORS);
    DEFINE(MBR_FLAGS);
    DEFINE(MBR_FLAG_LA57);
    DEFINE(MBR_FLAG_CDROM);
    DEFINE(MBR_DISK_SIGNATURE);
    DEFINE(MBR_PARTITIONS);
    DEFINE(MBR_BOOT_SIGNATURE);
    DEFINE(STAGE2_BASE);
    DEFINE(STAGE2_MAGIC_OFFSET);
    DEFINE(STAGE2_MAGIC);
    DEFINE(STAGE2_HDR_SIZE);
    DEFINE(STAGE2_HDR_FIXUP);
    DEFINE(STAGE2_HDR_PART_SECTORS);
    DEFINE(STAGE2_HDR_SUM_A);
    DEFINE(STAGE2_HDR_SUM_B);
    DEFINE(STAGE2_HDR_END);
    DEFINE(STAGE2_MAX_SECTORS);
    DEFINE(PXE_STUB_BASE);
    DEFINE(PXE_STUB_SIZE);
    DEFINE(PXE_STUB_MAGIC_OFFSET);
    DEFINE(PXE_STUB_MAGIC);
    DEFINE(PXE_STUB_PXENV);
    DEFINE(PXE_STUB_BANGPXE);
    DEFINE(PXE_STUB_STAGE2_SECTORS);
}
