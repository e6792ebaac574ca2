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
/* bios_call for r[0], r[1], ... r[n - 1] (1 <= n <= BIOS_CALLS_MAX) in one
 * trip to real mode, which stops after the first call that returns with CF
 * set; returns how many calls were made (the registers of the others are
 * left as they were). The trip can cost more than the call: six TLB
 * flushes, about 11 us under QEMU's TCG (measured with four); the payload is read three chunks a
 * trip (stage2/int13.c), the VBE modes 16 a trip (stage2/vbe.c). Clear CF in
 * r[i].eflags for a service that does not report failure in CF, or the
 * batch ends after its first call. */
#define BIOS_CALLS_MAX 16
unsigned bios_calls(uint8_t vec, struct bios_regs *r, unsigned n);
/* The array is copied to the thunk's page (stage2/modes.inc: T_BATCH, at 80). */
_Static_assert(80 + BIOS_CALLS_MAX * sizeof(struct bios_regs) <= 4096, "bios_calls' registers must fit the thunk's page");
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
