/* asm-offsets.c - compiled to assembly only; the build turns each
 * "->NAME value" line into a NASM %define (build/gen/x86/asm-offsets.inc), so the asm
 * never carries a hand-copied structure offset. */
#include <stddef.h>

#include "common/handoff.h"
#include "x86/smp.h"

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

#define AP(NAME, field) DEFINE(AP_##NAME, AP_DATA_OFFSET + offsetof(struct ap_data, field))
    AP(GDT32_LIMIT, gdt32_limit);
    AP(FAR32_OFFSET, far32_offset);
    AP(FAR64_OFFSET, far64_offset);
    AP(FARKERNEL_OFFSET, farkernel_offset);
    AP(CR4_PAGING, cr4_paging);
    AP(TMP_CR3, tmp_cr3);
    AP(EFER, efer);
    AP(PAT, pat);
    AP(CR0, cr0);
    AP(CR3, cr3);
    AP(CR4, cr4);
    AP(GDT_LIMIT, gdt_limit);
    AP(IDT_LIMIT, idt_limit);
    AP(CPUS, cpus);
    AP(COUNT, count);
    AP(FLAGS, flags);
    AP(MXCSR, mxcsr);
    DEFINE(AP_FLAG_X2APIC, AP_FLAG_X2APIC);
    DEFINE(AP_FLAG_LEAF_B, AP_FLAG_LEAF_B);
    DEFINE(AP_FLAG_MWAIT, AP_FLAG_MWAIT);
    DEFINE(KILN_CPU_LAPIC_ID, offsetof(struct kiln_cpu, lapic_id));
    DEFINE(KILN_CPU_STATE, offsetof(struct kiln_cpu, state));
    DEFINE(KILN_CPU_GOTO, offsetof(struct kiln_cpu, goto_address));
    DEFINE(KILN_CPU_STACK_TOP, offsetof(struct kiln_cpu, stack_top));
    DEFINE(KILN_CPU_SIZE, sizeof(struct kiln_cpu));
    DEFINE(KILN_CPU_NOT_STARTED, KILN_CPU_NOT_STARTED);
    DEFINE(KILN_CPU_PARKED, KILN_CPU_PARKED);
    DEFINE(KILN_CPU_RUNNING, KILN_CPU_RUNNING);
}
