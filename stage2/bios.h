/* bios.h - calling BIOS interrupts from long-mode C.
 *
 * bios_call() drops to real mode, loads these registers (DS and ES too),
 * runs `int vec`, stores the registers back and returns to long mode (see
 * stage2/entry.asm). Buffers must be below 1 MiB: use the bounce buffer.
 * Set CF in eflags before a call whose "did nothing" should read as failure
 * (bios_regs_init does). */
#ifndef STAGE2_BIOS_H
#define STAGE2_BIOS_H

#include <stdint.h>

struct bios_regs {
    uint32_t eax, ebx, ecx, edx, esi, edi, ebp, eflags;
    uint16_t ds, es;
};

#define EFLAGS_CF 0x0001u
#define EFLAGS_IF 0x0200u

void bios_call(uint8_t vec, struct bios_regs *r);
/* The same for a real-mode far call to seg_off (segment << 16 | offset):
 * the PXE API (stage2/pxeapi.c), with ES:DI and BX also pushed as its stack
 * arguments. */
void bios_farcall(uint32_t seg_off, struct bios_regs *r);

/* Several INT 13h AH=42h reads in one trip to real mode: disk_batch (a
 * real-mode far procedure in thunk.asm, called with bios_farcall and DS:SI
 * at this structure) issues each DAP in turn and stops at the first that
 * fails. A round trip between long and real mode costs about 65 us under
 * QEMU's TCG, and a 64 MiB kernel is ~1,030 reads (docs/benchmarks.md). */
#define DISK_BATCH_MAX 3
struct __attribute__((packed)) disk_dap {
    uint8_t size, zero;
    uint16_t count;        /* sectors; the BIOS may lower it to what it read */
    uint16_t offset, segment;
    uint64_t lba;
};
struct __attribute__((packed)) disk_batch {
    uint8_t drive, count; /* in: the drive, DAPs to issue */
    uint8_t done, status; /* out: DAPs that succeeded; AH of the one that failed */
    uint32_t zero;
    struct disk_dap dap[DISK_BATCH_MAX];
};
_Static_assert(sizeof(struct disk_dap) == 16, "disk_dap size");
extern char disk_batch[]; /* the routine, below 64 KiB: its address is its offset in segment 0 */

/* Zero registers, IF on (BIOS services may wait for interrupts), CF set. */
static inline void bios_regs_init(struct bios_regs *r) {
    *r = (struct bios_regs){0};
    r->eflags = EFLAGS_IF | EFLAGS_CF | 0x2;
}

/* Real-mode far pointer (segment:offset) to a linear address. */
static inline uint32_t far_to_linear(uint32_t farptr) { return ((farptr >> 16) << 4) + (farptr & 0xffff); }

#endif
