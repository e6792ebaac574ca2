/* lowmem.h - where things live in low memory on the BIOS path.
 *
 *   0x00000-0x004ff  real-mode IVT and BIOS data area (firmware's)
 *   0x01000-0x01fff  the BIOS-call thunk's variables (stage2/modes.inc)
 *   0x02000-0x06fff  real-mode stack for BIOS calls (grows down from 0x7000;
 *                    neither touches a page holding code: modes.inc says why)
 *   0x07c00-0x07dff  stage 1 (its patched fields stay readable)
 *   0x08000-0x6ffff  stage 2 (STAGE2_BASE in format/mbr.h): real-mode code
 *                    first (below 64 KiB), then the 64-bit code, data and
 *                    bss (page tables, the C stack)
 *   0x70000-0x7ffff  bounce buffer for BIOS calls (64 KiB aligned, so a
 *                    transfer never crosses a 64 KiB boundary)
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
#define LOW_MEMORY_END 0x100000u

#endif
