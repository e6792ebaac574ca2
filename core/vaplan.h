/* vaplan.h - where everything goes in the kernel's address space.
 *
 * Computed from the ELF image, the resolved kernel config and a few facts
 * (memory size, framebuffer, module and boot-info sizes). The loader uses
 * the plan to build the page tables; `kiln check` prints it. Fixed
 * placements are checked against the kernel and each other; dynamic ones are
 * placed in the dynamic range, never on anything already reserved. */
#ifndef CORE_VAPLAN_H
#define CORE_VAPLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/elf.h"
#include "core/vaspace.h"
#include "kiln.h"

struct plan_input {
    const struct elf_image *elf;
    const struct kiln_config *cfg; /* resolved (kconfig_resolve) */
    uint64_t phys_map_size;        /* bytes of physical space to map from 0 */
    uint64_t fb_phys, fb_size;     /* fb_size 0: no framebuffer */
    uint64_t modules_size;         /* sum of page-rounded module sizes */
    uint64_t boot_info_size;       /* page-rounded */
    uint64_t kernel_file_size;
    uint64_t seed;                 /* for ASLR */
    unsigned levels;               /* paging depth, 4 or 5 (0 means 4) */
    uint64_t ap_count;             /* application processors that get a stack (smp = KILN_SMP_START) */
};

struct boot_plan {
    struct va_space vs;
    int64_t bias;                  /* runtime - link address */
    uint64_t entry;                /* runtime entry point */
    uint64_t stack_bottom, stack_size; /* a guard page sits below stack_bottom */
    uint64_t boot_info;
    uint64_t fb;                   /* 0: not mapped */
    uint64_t modules;              /* 0: not mapped */
    uint64_t phys;                 /* valid if has_phys */
    bool has_phys;
    int recursive;                 /* top-level (PML4 or PML5) index, or -1 */
    unsigned levels;               /* 4 or 5 */
    uint64_t kernel_file;          /* read-only view of the kernel file */
    /* ap_count slots of a guard page and a stack_size stack each, always
     * dynamic (plan_ap_stack() gives each stack's bottom); 0 without APs. */
    uint64_t ap_stacks, ap_count;
};

/* The lowest address of AP stack i (its guard page is the page below). */
static inline uint64_t plan_ap_stack(const struct boot_plan *p, uint64_t i) {
    return p->ap_stacks + i * (p->stack_size + PAGE_SIZE) + PAGE_SIZE;
}

bool plan_build(const struct plan_input *in, struct boot_plan *p, kiln_err *e);

/* The default dynamic range with 5-level paging: the kernel half of the
 * 57-bit space, below the top 512 GiB (the kernel's in the 4-level default
 * too). A config whose range is the 4-level default gets this one. */
#define PLAN_DYN_START_LA57 UINT64_C(0xff00000000000000)

#endif
