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

/* Zero registers, IF on (BIOS services may wait for interrupts), CF set. */
static inline void bios_regs_init(struct bios_regs *r) {
    *r = (struct bios_regs){0};
    r->eflags = EFLAGS_IF | EFLAGS_CF | 0x2;
}

/* Real-mode far pointer (segment:offset) to a linear address. */
static inline uint32_t far_to_linear(uint32_t farptr) { return ((farptr >> 16) << 4) + (farptr & 0xffff); }

#endif
