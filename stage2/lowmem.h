/* layout.h - where things live in low memory on the BIOS path.
 *
 *   0x00000-0x004ff  real-mode IVT and BIOS data area (firmware's)
 *   0x01000-0x07bff  real-mode stack for BIOS calls (grows down from 0x7c00)
 *   0x07c00-0x07dff  stage 1 (its patched fields stay readable)
 *   0x08000-0x6ffff  stage 2: real-mode code first (below 64 KiB), then the
 *                    64-bit code, data and bss (page tables, the C stack)
 *   0x70000-0x7ffff  bounce buffer for BIOS calls (64 KiB aligned, so a
 *                    transfer never crosses a 64 KiB boundary)
 * None of it is needed after the hand-off, so it is reported usable. The
 * linker script enforces the stage 2 bounds. */
#ifndef STAGE2_LOWMEM_H
#define STAGE2_LOWMEM_H

#define STAGE1_BASE 0x7c00u
#define STAGE1_PAYLOAD_LBA (STAGE1_BASE + 0x1a0u) /* u64, written by `kiln image` */
/* u8 flags from stage 1: always 0, except in the test builds of stage 1
 * (TEST_FLAGS) that make the BIOS fallbacks testable under SeaBIOS. */
#define STAGE1_FLAGS (STAGE1_BASE + 0x1b2u)
#define STAGE1_FLAG_CHS 0x01u    /* read the disk with CHS, as stage 1 did */
#define STAGE1_FLAG_NO_E820 0x02u /* act as if the BIOS had no E820 */
#define STAGE2_BASE 0x8000u
#define BOUNCE_BASE 0x70000u
#define BOUNCE_SIZE 0x10000u
#define LOW_MEMORY_END 0x100000u

#endif
