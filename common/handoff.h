/* handoff.h - the last step: switch to the kernel's page tables and GDT and
 * jump to the entry point. The boot flow (common/boot.c) fills struct
 * handoff; x86/handoff.c and the stub (x86/handoff.asm) carry it out. The
 * stub is copied into a page that is identity-mapped in both the loader's
 * and the kernel's address space, because it is executing when CR3 changes. */
#ifndef COMMON_HANDOFF_H
#define COMMON_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

#include "kiln.h"

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
    /* Changing the paging depth (handoff_jump fills these when h->switch_levels): */
    uint32_t switch_levels; /* non-zero: go through 32-bit protected mode */
    uint32_t cr4;           /* the CR4 loaded with paging off: LA57 as the kernel's tables need */
    uint16_t tmp_pad[3];
    uint16_t tmp_gdt_limit; /* a GDT in this page: null, 64-bit code (0x08), data (0x10), */
    uint64_t tmp_gdt_base;  /* 32-bit code (0x18); physical = virtual below 4 GiB */
    uint32_t far_offset;    /* far pointer (m16:32) back to 64-bit code, */
    uint16_t far_selector;  /* 0x08, in this page */
    uint16_t far_pad;
    uint64_t tmp_gdt[4];
};

/* The AP trampoline: a code page (x86/trampoline.asm, with its data at
 * AP_DATA_OFFSET) and the temporary page tables that take an AP from
 * protected mode into long mode, all below 1 MiB. */
#define AP_TRAMPOLINE_PAGES 5
#define AP_DATA_OFFSET 0xe00

/* What the APs need at hand-off (x86/smp.c). */
struct handoff_smp {
    bool start;              /* start the APs whose record has a stack_top */
    bool x2apic;             /* put the APICs in x2APIC mode (or keep them there) */
    uint64_t trampoline;     /* physical: AP_TRAMPOLINE_PAGES pages below 1 MiB */
    struct kiln_cpu *cpus;   /* the loader's view of the boot info's table */
    uint64_t cpus_virt;      /* the same table in the kernel's address space */
    uint64_t count;
    uint64_t tsc_frequency;  /* Hz, never 0 when start is set */
};

/* What the boot flow hands to the hand-off. */
struct handoff {
    struct handoff_args args;
    uint64_t page;              /* the stub's page: physical == virtual in both address spaces */
    unsigned levels;            /* the kernel's paging depth, 4 or 5 */
    bool switch_levels;         /* it differs from the loader's: the stub goes through protected
                                 * mode, and page and the top-level table are below 4 GiB */
    bool nx;                    /* the tables use the NX bit: EFER.NXE must be on first */
    struct kiln_boot_info *bi;  /* the loader's view, for the last timestamp */
    struct handoff_smp smp;
};

extern const uint8_t handoff_stub[], handoff_stub_end[];
extern const uint8_t handoff_stub_long[]; /* where the stub is back in 64-bit mode after a switch */

/* Prepares the CPU (NXE, WP, SSE, PAT, PIC masked, null IDT), starts the
 * APs (smp_start) and runs the stub copied at h->page. */
__attribute__((noreturn)) void handoff_jump(const struct handoff *h);

#endif
