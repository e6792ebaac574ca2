/* handoff.h - the last step: switch to the kernel's page tables and GDT and
 * jump to the entry point. The stub (handoff.asm) is copied into a page that
 * is identity-mapped in both the loader's and the kernel's address space,
 * because it is executing when CR3 changes. */
#ifndef COMMON_HANDOFF_H
#define COMMON_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

/* Read by handoff.asm through offsets generated from this struct
 * (build/gen/x86/asm-offsets.inc), never by hand-kept constants. */
struct handoff_args {
    uint64_t cr3;
    uint64_t rsp;       /* stack top; the stub pushes a 0 return address */
    uint64_t entry;
    uint64_t boot_info; /* virtual, passed in RDI */
    uint16_t gdt_pad[3];
    uint16_t gdt_limit; /* gdt_limit and gdt_base form the LGDT operand */
    uint64_t gdt_base;  /* virtual (kernel address space) */
};

extern const uint8_t handoff_stub[], handoff_stub_end[];

/* Prepares the CPU (NXE, WP, SSE, PAT, PIC masked, null IDT) and runs the
 * stub copied at `page` (physical == virtual in both address spaces). */
__attribute__((noreturn)) void handoff_jump(uint64_t page, const struct handoff_args *args, bool nx);

#endif
