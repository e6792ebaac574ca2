/* asm-offsets.c - struct offsets for stage2/entry.asm, turned into NASM
 * %defines by the build (build/gen/stage2/asm-offsets.inc). */
#include <stddef.h>

#include "stage2/bios.h"

#define DEFINE(name, value) __asm__ volatile("\n->" #name " %0" : : "i"(value))

void asm_offsets(void);
void asm_offsets(void) {
    DEFINE(BR_EAX, offsetof(struct bios_regs, eax));
    DEFINE(BR_EBX, offsetof(struct bios_regs, ebx));
    DEFINE(BR_ECX, offsetof(struct bios_regs, ecx));
    DEFINE(BR_EDX, offsetof(struct bios_regs, edx));
    DEFINE(BR_ESI, offsetof(struct bios_regs, esi));
    DEFINE(BR_EDI, offsetof(struct bios_regs, edi));
    DEFINE(BR_EBP, offsetof(struct bios_regs, ebp));
    DEFINE(BR_EFLAGS, offsetof(struct bios_regs, eflags));
    DEFINE(BR_DS, offsetof(struct bios_regs, ds));
    DEFINE(BR_ES, offsetof(struct bios_regs, es));
    DEFINE(BR_SIZE, sizeof(struct bios_regs));
}
