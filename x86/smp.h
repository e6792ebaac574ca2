/* smp.h - starting the application processors at hand-off (smp.c) and the
 * data their trampoline (trampoline.asm) reads.
 *
 * The trampoline's first page holds the code (real mode at offset 0, the
 * SIPI vector being the page number), then this data at AP_DATA_OFFSET;
 * the next four pages are temporary page tables (PML5, PML4, PDPT, PD)
 * identity-mapping the first 2 MiB, below 4 GiB so that 32-bit code can
 * load them into CR3. An AP goes real mode -> protected mode -> long mode
 * on those tables -> the kernel's CR3, CR4, GDT; finds its own record by
 * its APIC ID; claims it (NOT_STARTED -> PARKED, atomically); parks.
 * docs/protocol.md, section 11. */
#ifndef X86_SMP_H
#define X86_SMP_H

#include <stdint.h>

#include "common/handoff.h"

#define AP_FLAG_X2APIC 0x1u /* switch the APIC to x2APIC mode */
#define AP_FLAG_LEAF_B 0x2u /* the APIC ID is CPUID leaf 0xB's EDX (else leaf 1's EBX[31:24]) */
#define AP_FLAG_MWAIT 0x4u  /* park with MONITOR/MWAIT (else PAUSE) */

/* Read by trampoline.asm through build/gen/x86/asm-offsets.inc. */
struct ap_data {
    uint16_t gdt32_pad[3];
    uint16_t gdt32_limit;  /* the temporary GDT, for LGDT in real mode (32-bit base) */
    uint32_t gdt32_base;
    uint32_t far32_offset; /* m16:32 far pointers: into protected mode, into long mode, onto the kernel's CS */
    uint16_t far32_sel, pad0;
    uint32_t far64_offset;
    uint16_t far64_sel, pad1;
    uint32_t farkernel_offset;
    uint16_t farkernel_sel, pad2;
    uint32_t cr4_paging;   /* CR4 to turn paging on with: PAE, and LA57 for 5-level tables */
    uint32_t tmp_cr3;      /* the temporary PML4 (or PML5) */
    uint64_t efer, pat, cr0, cr3, cr4; /* the BSP's values at hand-off (CR3: the kernel's tables) */
    uint16_t gdt_pad[3];
    uint16_t gdt_limit;    /* the kernel's GDT (virtual base) */
    uint64_t gdt_base;
    uint16_t idt_pad[3];
    uint16_t idt_limit;    /* a null IDT, as the BSP's */
    uint64_t idt_base;
    uint64_t cpus;         /* the kernel's virtual address of the processor table */
    uint64_t count;
    uint32_t flags;        /* AP_FLAG_* */
    uint32_t mxcsr;
};

extern const uint8_t ap_trampoline[], ap_trampoline_pm32[], ap_trampoline_lm64[], ap_trampoline_kernel[], ap_gdt32[],
    ap_trampoline_end[];

/* Enables x2APIC mode on the BSP when asked and, with s->start, starts
 * every AP whose record has a stack and is NOT_STARTED: INIT to each, then
 * SIPI, SIPI and a wait for it to park, one at a time. Called by
 * handoff_jump() once the BSP's registers hold their final values. */
void smp_start(const struct handoff *h);

#endif
