/* boot.h - the boot flow both platforms end in, as phases that pass values:
 *
 *   load.c      1. read and verify the payload: header, image config,
 *                  kernel file, modules
 *               2. validate the kernel ELF and its KILN_CONFIG record
 *   cpus.c         the processors (ACPI MADT), the AP trampoline pages
 *   boot.c         self-tests, the video mode
 *   map.c       3. plan the kernel's address space; load and relocate the
 *                  segments; build the page tables
 *   bootinfo.c  4. fill the boot info
 *   boot.c      5. leave the firmware, finish the memory map
 *
 * Every failure is a panic naming the file and the problem. x86/enter.c
 * gathers the machine's facts, runs boot_flow() and jumps; the host unit
 * tests run boot_flow() against a fake platform. */
#ifndef COMMON_BOOT_H
#define COMMON_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/handoff.h"
#include "common/platform.h"
#include "core/elf.h"
#include "core/paging.h"
#include "core/vaplan.h"
#include "format/imgconfig.h"
#include "format/payload.h"

/* What x86/enter.c found out about the CPU before the flow starts. */
struct machine {
    bool nx, gbpages;       /* NX bit, 1 GiB pages */
    bool la57;              /* the CPU can do 5-level paging (CPUID.7:ECX bit 16) */
    bool la57_on;           /* CR4.LA57 is set: the loader runs on the firmware's 5-level tables */
    uint64_t tsc_frequency; /* Hz; 0 when unknown */
    uint64_t random;        /* the ASLR seed: drawn from the entropy pool */
    uint8_t entropy[32];    /* the kernel's entropy[], drawn from the same pool */
    uint32_t entropy_sources; /* KILN_ENTROPY_* */
    uint32_t bsp_lapic_id;  /* the BSP's (x2)APIC ID, from CPUID */
    bool x2apic;            /* the CPU has x2APIC mode */
    bool x2apic_on;         /* the firmware left the APIC in x2APIC mode */
};

/* A payload entry read into memory. */
struct loaded_file {
    const struct payload_entry *entry;
    uint64_t phys;
    uint64_t bytes; /* the frames it occupies: size rounded up to pages, at least one */
};

/* Phase 1: everything the payload holds, read and checked. */
struct payload_files {
    const struct payload_header *header;
    const struct imgconfig *config; /* defaults when the payload has none */
    struct loaded_file kernel;
    /* The kernel's segments, placed as its file was read (load.c): the
     * segments and runs its program headers gave, and the frames of each
     * run, holding the segments' file bytes. NULL: not placed. */
    const struct elf_image *placed;
    uint64_t placed_run_phys[ELF_MAX_RUNS];
    struct loaded_file *modules;
    uint32_t module_count;
    uint64_t module_bytes; /* sum of their footprints */
};
void load_payload(struct platform *p, struct payload_files *f); /* header, image config, kernel file */
void load_modules(struct platform *p, struct payload_files *f);

/* Phase 2: the kernel, validated, and its wishes with every default
 * resolved (and the image config's fb= applied). */
struct kernel {
    const char *name;
    struct elf_image *elf;
    struct kiln_config *cfg;
};
void load_kernel(const struct payload_files *f, struct kernel *k);
/* Frames for each run of a kernel's segments, one block a run, placed
 * against the kernel file's frames at file_phys as frames_alloc_raw_odd
 * says (map.c). */
void kernel_runs_alloc(const struct platform *p, const char *name, const struct elf_image *img, uint64_t file_phys,
                       uint64_t run_phys[]);

/* The processors (cpus.c). With smp = KILN_SMP_START, `aps` of them (the
 * NOT_STARTED ones cpus_startable() accepts) get a stack and are started at
 * hand-off through the trampoline pages. */
struct cpu_table {
    struct kiln_cpu *cpu; /* count records, the BSP among them */
    size_t count;
    uint32_t bsp_lapic_id;
    bool start;           /* the APs are started (the wish, a trampoline, a known TSC frequency) */
    bool x2apic;          /* the APICs are (put) in x2APIC mode */
    size_t aps;           /* APs to start */
    uint64_t trampoline;  /* AP_TRAMPOLINE_PAGES below 1 MiB, 0 when none are started */
};
void cpus_find(struct platform *p, const struct machine *m, const struct kernel *k, struct cpu_table *t);
bool cpus_startable(const struct cpu_table *t, const struct kiln_cpu *c);

#define BOOT_GDT_BYTES 24 /* null, 64-bit code (0x08), data (0x10) */

/* Everything the boot-info pages hold, laid out once so that sizing and
 * filling agree (bootinfo.c). */
struct bi_layout {
    uint64_t info, gdt, strings, modules, cpus, map, efi_map, edid, size;
    uint64_t segments; /* room for ELF_MAX_LOAD entries, whatever the kernel has */
    uint64_t map_cap, efi_cap, strings_size;
};
void bi_layout(struct bi_layout *l, uint64_t nmodules, uint64_t ncpus, uint64_t cmdline_len, uint64_t map_cap,
               uint64_t efi_cap, uint64_t edid_size);

/* Phase 3: where everything is, in physical memory and in the kernel's
 * address space, and the page tables that say so. */
struct placement {
    struct boot_plan *plan;
    uint64_t phys_top;          /* what the physical-memory map covers, from 0 */
    uint64_t run_phys[ELF_MAX_RUNS];
    uint64_t stack_phys, bi_phys, hand_phys;
    struct cpu_table cpus;      /* filled by cpus_find() before place_kernel() */
    uint64_t ap_stack_phys;     /* cpus.aps stacks of stack_size, one block */
    uint64_t edid_size;         /* EDID bytes copied into the boot info */
    struct bi_layout bi;
    struct pt pt;
    uint64_t pt_next, pt_left; /* the batch page-table pages come from (map.c) */
    unsigned levels;           /* the kernel's paging depth, 4 or 5 */
    bool switch_levels;        /* the hand-off changes the paging depth (handoff.h) */
};
void place_kernel(struct platform *p, const struct machine *m, const struct payload_files *f, const struct kernel *k,
                  const struct kiln_framebuffer *fb, struct placement *pl);
void map_kernel(const struct machine *m, const struct payload_files *f, const struct kernel *k,
                const struct kiln_framebuffer *fb, struct placement *pl);

/* Phase 4: the boot info (all pointers kernel virtual addresses), but for
 * the memory map, which only exists once the firmware is left. Returns the
 * loader's view of it. */
struct kiln_boot_info *bootinfo_fill(const struct platform *p, const struct machine *m, const struct payload_files *f,
                                     const struct kernel *k, const struct kiln_framebuffer *fb,
                                     const struct placement *pl);
/* Phase 5, after leave(): the final memory map (and the raw EFI map the
 * platform left in the boot-info pages) into the boot info. */
void bootinfo_memory_map(struct kiln_boot_info *bi, const struct placement *pl, const struct kiln_memory_region *map,
                         size_t count, const struct firmware_map *fm);
/* The kernel virtual address of a pointer into the boot-info pages. */
uint64_t bootinfo_virt(const struct placement *pl, const void *loader_ptr);

/* The whole flow up to the jump. Never fails: every problem is a panic. */
void boot_flow(struct platform *p, const struct machine *m, struct handoff *h);

#endif
