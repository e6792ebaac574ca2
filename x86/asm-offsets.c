/* asm-offsets.c - compiled to assembly only; the build turns each
 * "->NAME value" line into a NASM %define (build/gen/x86/asm-offsets.inc), so the asm
 * never carries a hand-copied structure offset. */
#include <stddef.h>

#include "common/handoff.h"

#define DEFINE(name, value) __asm__ volatile("\n->" #name " %0" : : "i"(value))

void asm_offsets(void);
void asm_offsets(void) {
    DEFINE(HANDOFF_CR3, offsetof(struct handoff_args, cr3));
    DEFINE(HANDOFF_RSP, offsetof(struct handoff_args, rsp));
    DEFINE(HANDOFF_ENTRY, offsetof(struct handoff_args, entry));
    DEFINE(HANDOFF_BOOT_INFO, offsetof(struct handoff_args, boot_info));
    DEFINE(HANDOFF_GDT_LIMIT, offsetof(struct handoff_args, gdt_limit));
    DEFINE(HANDOFF_SWITCH, offsetof(struct handoff_args, switch_levels));
    DEFINE(HANDOFF_CR4, offsetof(struct handoff_args, cr4));
    DEFINE(HANDOFF_TMP_GDT_LIMIT, offsetof(struct handoff_args, tmp_gdt_limit));
    DEFINE(HANDOFF_FAR, offsetof(struct handoff_args, far_offset));
}
