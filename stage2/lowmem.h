/* lowmem.h - where things live in low memory on the BIOS path.
 *
 *   0x00000-0x004ff  real-mode IVT and BIOS data area (firmware's)
 *   0x01000-0x01fff  the BIOS-call thunk's variables (stage2/modes.inc)
 *   0x02000-0x06fff  real-mode stack for BIOS calls (grows down from 0x7000;
 *                    neither touches a page holding code: modes.inc says why)
 *   0x07c00-0x07dff  stage 1 (its patched fields stay readable)
 *   0x08000-0x4ffff  stage 2 (STAGE2_BASE in format/mbr.h): real-mode code
 *                    first (below 64 KiB), then the 64-bit code, data and
 *                    bss (page tables, the C stack)
 *   0x50000-0x7ffff  disk buffers: the payload is read DISK_BUFFERS chunks
 *                    a trip to real mode (stage2/int13.c), one into each
 *   0x70000-0x7ffff  the last of them is the bounce buffer for every other
 *                    BIOS call (each is 64 KiB aligned, so a transfer never
 *                    crosses a 64 KiB boundary)
 * None of it is needed after the hand-off, so it is reported usable, but
 * for the first pages of the bounce buffer when the kernel asks for its APs
 * to be started: they hold the AP trampoline (common/cpus.c) and are
 * reported BOOTLOADER_RECLAIMABLE. The linker script enforces the stage 2
 * bounds. */
#ifndef STAGE2_LOWMEM_H
#define STAGE2_LOWMEM_H

#define STAGE1_BASE 0x7c00u /* stage 1's sector stays here: its fields are format/mbr.h's */
#define BOUNCE_BASE 0x70000u
#define BOUNCE_SIZE 0x10000u
#define DISK_BUFFERS 3u
#define DISK_BUFFER_SIZE 0x10000u
#define disk_buffer(i) (BOUNCE_BASE - (DISK_BUFFERS - 1u - (i)) * DISK_BUFFER_SIZE) /* 0x50000, 0x60000, 0x70000 */
#define LOW_MEMORY_END 0x100000u

#endif
