/*
 * kiln.h - the Kiln boot protocol. The only header a kernel needs.
 *
 * A kernel declares its entry point with KILN_ENTRY(fn) and, optionally, its
 * wishes with KILN_CONFIG(...). Kiln loads the kernel, builds its page tables
 * and calls fn(struct kiln_boot_info *) in 64-bit long mode. docs/protocol.md
 * describes every field and the exact machine state at entry.
 *
 * Rules of this header:
 *  - depends only on <stdint.h> and <stddef.h>; valid C99, C11 and C++;
 *  - fixed-width fields, explicit padding, every offset checked below;
 *  - fields are only ever appended (minor version bump); a major bump means
 *    an incompatible change. The loader refuses a kernel built against a
 *    different major version, naming both versions.
 *  - pointers in the boot info are virtual addresses in the kernel's address
 *    space; fields named *_phys or physical_* are physical addresses.
 */
#ifndef KILN_H
#define KILN_H

#include <stddef.h>
#include <stdint.h>

#define KILN_VERSION_MAJOR 1
#define KILN_VERSION_MINOR 1

#ifdef __cplusplus
#define KILN_STATIC_ASSERT(c, m) static_assert(c, m)
#define KILN__EXTERN_C extern "C"
extern "C" {
#else
#define KILN_STATIC_ASSERT(c, m) _Static_assert(c, m)
#define KILN__EXTERN_C
#endif

KILN_STATIC_ASSERT(sizeof(void *) == 8, "kiln.h is for 64-bit kernels");

/* ------------------------------------------------------------------------
 * Boot info: what the kernel receives in RDI.
 * ------------------------------------------------------------------------ */

#define KILN_BOOT_INFO_MAGIC UINT64_C(0x4f464e494e4c494b) /* "KILNINFO" */

enum kiln_firmware {
    KILN_FIRMWARE_BIOS = 1,
    KILN_FIRMWARE_UEFI = 2,
};

/* Memory region kinds. Every frame Kiln hands the kernel in use carries one
 * of the in-use kinds; every USABLE frame may be overwritten by the kernel. */
enum kiln_memory_kind {
    KILN_MEMORY_USABLE = 1,
    KILN_MEMORY_RESERVED = 2,
    KILN_MEMORY_ACPI_RECLAIMABLE = 3,
    KILN_MEMORY_ACPI_NVS = 4,
    KILN_MEMORY_BAD = 5,
    KILN_MEMORY_BOOTLOADER_RECLAIMABLE = 6, /* Kiln's own code and data; free once unused */
    KILN_MEMORY_KERNEL = 7,                 /* loaded segments and the kernel file */
    KILN_MEMORY_KERNEL_STACK = 8,
    KILN_MEMORY_PAGE_TABLES = 9,
    KILN_MEMORY_BOOT_INFO = 10, /* this structure, its tables and strings, the GDT */
    KILN_MEMORY_MODULE = 11,
    KILN_MEMORY_FRAMEBUFFER = 12,
    KILN_MEMORY_FIRMWARE_RUNTIME = 13, /* UEFI runtime services code and data */
    KILN_MEMORY_KIND_COUNT = 14
};

/* firmware_type of a region that no firmware entry describes. */
#define KILN_FIRMWARE_TYPE_NONE UINT32_C(0xffffffff)

struct kiln_memory_region {
    uint64_t base;          /* 0: physical address */
    uint64_t length;        /* 8: bytes */
    uint32_t kind;          /* 16: enum kiln_memory_kind */
    uint32_t firmware_type; /* 20: raw E820 type (BIOS) or EFI memory type (UEFI) */
};

enum kiln_fb_memory_model {
    KILN_FB_RGB = 1, /* direct colour, channel positions given by the masks */
};

struct kiln_framebuffer {
    uint64_t address;          /* 0: virtual address; 0 when not mapped (config framebuffer = KILN_NONE) */
    uint64_t physical_address; /* 8: 0 when there is no framebuffer at all */
    uint64_t size;             /* 16: bytes: pitch * height (the mapping covers whole pages) */
    uint32_t width;            /* 24: pixels */
    uint32_t height;           /* 28 */
    uint32_t pitch;            /* 32: bytes per scan line */
    uint16_t bpp;              /* 36: bits per pixel: 32, 24 or 16 */
    uint8_t memory_model;      /* 38: enum kiln_fb_memory_model */
    uint8_t red_mask_size;     /* 39 */
    uint8_t red_mask_shift;    /* 40 */
    uint8_t green_mask_size;   /* 41 */
    uint8_t green_mask_shift;  /* 42 */
    uint8_t blue_mask_size;    /* 43 */
    uint8_t blue_mask_shift;   /* 44 */
    uint8_t reserved_mask_size;  /* 45 */
    uint8_t reserved_mask_shift; /* 46 */
    uint8_t reserved0;           /* 47 */
    const uint8_t *edid;         /* 48: EDID block (virtual), or 0 */
    uint64_t edid_size;          /* 56: bytes */
};

struct kiln_module {
    uint64_t physical_address; /* 0: page-aligned */
    const void *address;       /* 8: virtual address, or 0 when modules are not mapped */
    uint64_t size;             /* 16: bytes */
    const char *name;          /* 24: NUL-terminated */
    uint32_t crc32;            /* 32: CRC-32 of the bytes, as `kiln image` recorded it */
    uint32_t reserved;         /* 36 */
};

struct kiln_tls_template {
    uint64_t address;   /* 0: virtual address of the initialisation image, 0 if no PT_TLS */
    uint64_t file_size; /* 8: bytes to copy */
    uint64_t mem_size;  /* 16: total size (the rest is zeroed) */
    uint64_t align;     /* 24 */
};

/* kiln_boot_info.flags */
#define KILN_FLAG_PHYSICAL_MEMORY UINT32_C(0x1) /* physical_memory_offset is valid */
#define KILN_FLAG_RECURSIVE UINT32_C(0x2)       /* recursive_index is valid */
#define KILN_FLAG_NX UINT32_C(0x4)              /* EFER.NXE is set; NX bits are used */
#define KILN_FLAG_VGA_TEXT UINT32_C(0x8)        /* BIOS, no framebuffer: the display is in 80x25 VGA text mode (0xb8000) */
#define KILN_FLAG_ASLR UINT32_C(0x10)           /* dynamic placements were randomised */
/* Since 1.1: */
#define KILN_FLAG_LA57 UINT32_C(0x20)        /* 5-level paging is on (paging_levels == 5) */
#define KILN_FLAG_BOOT_TIME UINT32_C(0x40)   /* boot_unix_time is valid */
#define KILN_FLAG_SECURE_BOOT UINT32_C(0x80) /* UEFI Secure Boot was enforced and the payload verified */
#define KILN_FLAG_X2APIC UINT32_C(0x100)     /* the local APICs are in x2APIC mode */

/* kiln_boot_info.entropy_sources (since 1.1): what was mixed into entropy[]. */
#define KILN_ENTROPY_RDSEED UINT32_C(0x1)
#define KILN_ENTROPY_RDRAND UINT32_C(0x2)
#define KILN_ENTROPY_EFI_RNG UINT32_C(0x4) /* EFI_RNG_PROTOCOL */
#define KILN_ENTROPY_TSC UINT32_C(0x8)     /* timing jitter only: weak on its own */

/* kiln_cpu.state (since 1.1). docs/protocol.md describes the AP start-up. */
enum kiln_cpu_state {
    KILN_CPU_BSP = 1,          /* the processor running the kernel's entry point */
    KILN_CPU_PARKED = 2,       /* started, waiting for goto_address */
    KILN_CPU_RUNNING = 3,      /* left the park: jumped to goto_address */
    KILN_CPU_NOT_STARTED = 4,  /* listed, never started (smp = KILN_SMP_NONE): in wait-for-SIPI */
    KILN_CPU_DISABLED = 5,     /* MADT: online-capable but not enabled; not started */
    KILN_CPU_NO_RESPONSE = 6,  /* started but never reached the park in time */
};

/* One processor from the ACPI MADT, the BSP included (since 1.1). */
struct kiln_cpu {
    uint32_t acpi_uid; /* 0: ACPI processor UID */
    uint32_t lapic_id; /* 4: local APIC ID (x2APIC ID) */
    uint32_t state;    /* 8: enum kiln_cpu_state, written by Kiln and the AP */
    uint32_t reserved; /* 12 */
    /* 16: a parked AP spins on this field. Write extra_argument first, then
     * store a void (*)(struct kiln_cpu *) here with release order (or use
     * kiln_cpu_start()); the AP jumps to it with RDI = this record. */
    uint64_t goto_address;
    uint64_t extra_argument; /* 24: for the kernel; Kiln does not read it */
    uint64_t stack_top;      /* 32: the AP's stack top (RSP = stack_top - 8 at the jump); 0 if none */
};

/* kiln_segment.flags (since 1.1): the segment's p_flags (docs/protocol.md 5.8). */
#define KILN_SEGMENT_R UINT32_C(0x4) /* always set */
#define KILN_SEGMENT_W UINT32_C(0x2)
#define KILN_SEGMENT_X UINT32_C(0x1)

/* One loaded ELF segment (since 1.1). */
struct kiln_segment {
    uint64_t virtual_address;  /* 0: page-aligned start of the mapping */
    uint64_t physical_address; /* 8 */
    uint64_t size;             /* 16: bytes mapped, a multiple of 4 KiB */
    uint32_t flags;            /* 24: KILN_SEGMENT_* */
    uint32_t phdr_index;       /* 28: index of the PT_LOAD in the ELF program headers */
};

struct kiln_boot_info {
    uint64_t magic;         /* 0: KILN_BOOT_INFO_MAGIC */
    uint16_t version_major; /* 8 */
    uint16_t version_minor; /* 10 */
    uint32_t size;          /* 12: bytes of this structure filled by the loader */
    uint32_t firmware;      /* 16: enum kiln_firmware */
    uint32_t flags;         /* 20: KILN_FLAG_* */
    const char *loader_name;    /* 24: "Kiln" */
    const char *loader_version; /* 32: e.g. "0.1.0" */

    /* Sorted by base, non-overlapping, adjacent equal entries merged; USABLE
     * and BOOTLOADER_RECLAIMABLE entries are 4 KiB aligned. */
    const struct kiln_memory_region *memory_map; /* 40 */
    uint64_t memory_map_count;                   /* 48 */

    struct kiln_framebuffer framebuffer; /* 56: address 0 when absent */

    uint64_t physical_memory_offset; /* 120: virt = phys + offset (KILN_FLAG_PHYSICAL_MEMORY) */
    uint64_t physical_memory_size;   /* 128: bytes of physical space mapped from 0 */
    uint64_t recursive_index;        /* 136: PML4 slot mapping the PML4 (KILN_FLAG_RECURSIVE) */

    uint64_t rsdp_phys;         /* 144: ACPI RSDP, 0 if none */
    uint64_t smbios32_phys;     /* 152: SMBIOS 2.x entry point, 0 if none */
    uint64_t smbios64_phys;     /* 160: SMBIOS 3.x entry point, 0 if none */
    uint64_t efi_system_table_phys; /* 168: 0 on BIOS */
    const void *efi_memory_map;     /* 176: copy of the final EFI memory map, 0 on BIOS */
    uint64_t efi_memory_map_size;   /* 184: bytes */
    uint32_t efi_descriptor_size;   /* 192 */
    uint32_t efi_descriptor_version; /* 196 */

    uint64_t kernel_file_phys;  /* 200: the kernel ELF file as stored in the image */
    uint64_t kernel_file_size;  /* 208 */
    const void *kernel_file;    /* 216: the same bytes mapped read-only (virtual) */
    /* The loaded segments, physically contiguous. Segments more than 64 KiB
     * apart are loaded as separate blocks; these fields then describe the
     * lowest block (docs/protocol.md). */
    uint64_t kernel_image_phys; /* 224: physical base */
    uint64_t kernel_image_virt; /* 232: virtual base (page-aligned) */
    uint64_t kernel_image_size; /* 240: bytes */
    int64_t kernel_load_bias;   /* 248: runtime virtual address - link-time address (PIE) */
    uint64_t kernel_entry;      /* 256: virtual address of the entry point */

    uint64_t stack_bottom; /* 264: lowest address of the stack (a guard page sits below) */
    uint64_t stack_size;   /* 272: the initial RSP is stack_bottom + stack_size - 8 */

    struct kiln_tls_template tls; /* 280 */

    const struct kiln_module *modules; /* 312 */
    uint64_t module_count;             /* 320 */

    const char *cmdline;     /* 328: NUL-terminated, "" when none */
    uint64_t cmdline_length; /* 336: without the NUL */

    uint64_t tsc_loader_entry; /* 344: TSC when the loader's first C code ran */
    uint64_t tsc_handoff;      /* 352: TSC just before the jump to the kernel */
    uint64_t tsc_frequency;    /* 360: Hz, 0 when unknown */

    uint64_t boot_info_phys; /* 368: physical address of this structure */

    /* Since 1.1 (check version_minor >= 1 or size before reading): */
    uint32_t paging_levels;   /* 376: 4 or 5 (KILN_FLAG_LA57) */
    uint32_t entropy_sources; /* 380: KILN_ENTROPY_* */
    uint8_t entropy[32];      /* 384: random bytes for seeding the kernel's generator */
    int64_t boot_unix_time;   /* 416: seconds since 1970-01-01 UTC at boot (KILN_FLAG_BOOT_TIME) */
    uint64_t cpu_count;       /* 424: entries in cpus[] */
    struct kiln_cpu *cpus;    /* 432: every listed processor, the BSP included (writable) */
    uint32_t bsp_lapic_id;    /* 440 */
    uint32_t reserved1;       /* 444 */
    const struct kiln_segment *segments; /* 448: every loaded segment, sorted by virtual address */
    uint64_t segment_count;              /* 456 */
};

#define KILN__CHECK(t, f, o) KILN_STATIC_ASSERT(offsetof(struct t, f) == (o), #t "." #f)
KILN__CHECK(kiln_memory_region, base, 0);
KILN__CHECK(kiln_memory_region, length, 8);
KILN__CHECK(kiln_memory_region, kind, 16);
KILN__CHECK(kiln_memory_region, firmware_type, 20);
KILN_STATIC_ASSERT(sizeof(struct kiln_memory_region) == 24, "kiln_memory_region size");
KILN__CHECK(kiln_framebuffer, address, 0);
KILN__CHECK(kiln_framebuffer, physical_address, 8);
KILN__CHECK(kiln_framebuffer, size, 16);
KILN__CHECK(kiln_framebuffer, width, 24);
KILN__CHECK(kiln_framebuffer, height, 28);
KILN__CHECK(kiln_framebuffer, pitch, 32);
KILN__CHECK(kiln_framebuffer, bpp, 36);
KILN__CHECK(kiln_framebuffer, memory_model, 38);
KILN__CHECK(kiln_framebuffer, red_mask_size, 39);
KILN__CHECK(kiln_framebuffer, red_mask_shift, 40);
KILN__CHECK(kiln_framebuffer, green_mask_size, 41);
KILN__CHECK(kiln_framebuffer, green_mask_shift, 42);
KILN__CHECK(kiln_framebuffer, blue_mask_size, 43);
KILN__CHECK(kiln_framebuffer, blue_mask_shift, 44);
KILN__CHECK(kiln_framebuffer, reserved_mask_size, 45);
KILN__CHECK(kiln_framebuffer, reserved_mask_shift, 46);
KILN__CHECK(kiln_framebuffer, reserved0, 47);
KILN__CHECK(kiln_framebuffer, edid, 48);
KILN__CHECK(kiln_framebuffer, edid_size, 56);
KILN_STATIC_ASSERT(sizeof(struct kiln_framebuffer) == 64, "kiln_framebuffer size");
KILN__CHECK(kiln_module, physical_address, 0);
KILN__CHECK(kiln_module, address, 8);
KILN__CHECK(kiln_module, size, 16);
KILN__CHECK(kiln_module, name, 24);
KILN__CHECK(kiln_module, crc32, 32);
KILN__CHECK(kiln_module, reserved, 36);
KILN_STATIC_ASSERT(sizeof(struct kiln_module) == 40, "kiln_module size");
KILN__CHECK(kiln_tls_template, address, 0);
KILN__CHECK(kiln_tls_template, file_size, 8);
KILN__CHECK(kiln_tls_template, mem_size, 16);
KILN__CHECK(kiln_tls_template, align, 24);
KILN_STATIC_ASSERT(sizeof(struct kiln_tls_template) == 32, "kiln_tls_template size");
KILN__CHECK(kiln_cpu, acpi_uid, 0);
KILN__CHECK(kiln_cpu, lapic_id, 4);
KILN__CHECK(kiln_cpu, state, 8);
KILN__CHECK(kiln_cpu, reserved, 12);
KILN__CHECK(kiln_cpu, goto_address, 16);
KILN__CHECK(kiln_cpu, extra_argument, 24);
KILN__CHECK(kiln_cpu, stack_top, 32);
KILN_STATIC_ASSERT(sizeof(struct kiln_cpu) == 40, "kiln_cpu size");
KILN__CHECK(kiln_segment, virtual_address, 0);
KILN__CHECK(kiln_segment, physical_address, 8);
KILN__CHECK(kiln_segment, size, 16);
KILN__CHECK(kiln_segment, flags, 24);
KILN__CHECK(kiln_segment, phdr_index, 28);
KILN_STATIC_ASSERT(sizeof(struct kiln_segment) == 32, "kiln_segment size");
KILN__CHECK(kiln_boot_info, magic, 0);
KILN__CHECK(kiln_boot_info, version_major, 8);
KILN__CHECK(kiln_boot_info, version_minor, 10);
KILN__CHECK(kiln_boot_info, size, 12);
KILN__CHECK(kiln_boot_info, firmware, 16);
KILN__CHECK(kiln_boot_info, flags, 20);
KILN__CHECK(kiln_boot_info, loader_name, 24);
KILN__CHECK(kiln_boot_info, loader_version, 32);
KILN__CHECK(kiln_boot_info, memory_map, 40);
KILN__CHECK(kiln_boot_info, memory_map_count, 48);
KILN__CHECK(kiln_boot_info, framebuffer, 56);
KILN__CHECK(kiln_boot_info, physical_memory_offset, 120);
KILN__CHECK(kiln_boot_info, physical_memory_size, 128);
KILN__CHECK(kiln_boot_info, recursive_index, 136);
KILN__CHECK(kiln_boot_info, rsdp_phys, 144);
KILN__CHECK(kiln_boot_info, smbios32_phys, 152);
KILN__CHECK(kiln_boot_info, smbios64_phys, 160);
KILN__CHECK(kiln_boot_info, efi_system_table_phys, 168);
KILN__CHECK(kiln_boot_info, efi_memory_map, 176);
KILN__CHECK(kiln_boot_info, efi_memory_map_size, 184);
KILN__CHECK(kiln_boot_info, efi_descriptor_size, 192);
KILN__CHECK(kiln_boot_info, efi_descriptor_version, 196);
KILN__CHECK(kiln_boot_info, kernel_file_phys, 200);
KILN__CHECK(kiln_boot_info, kernel_file_size, 208);
KILN__CHECK(kiln_boot_info, kernel_file, 216);
KILN__CHECK(kiln_boot_info, kernel_image_phys, 224);
KILN__CHECK(kiln_boot_info, kernel_image_virt, 232);
KILN__CHECK(kiln_boot_info, kernel_image_size, 240);
KILN__CHECK(kiln_boot_info, kernel_load_bias, 248);
KILN__CHECK(kiln_boot_info, kernel_entry, 256);
KILN__CHECK(kiln_boot_info, stack_bottom, 264);
KILN__CHECK(kiln_boot_info, stack_size, 272);
KILN__CHECK(kiln_boot_info, tls, 280);
KILN__CHECK(kiln_boot_info, modules, 312);
KILN__CHECK(kiln_boot_info, module_count, 320);
KILN__CHECK(kiln_boot_info, cmdline, 328);
KILN__CHECK(kiln_boot_info, cmdline_length, 336);
KILN__CHECK(kiln_boot_info, tsc_loader_entry, 344);
KILN__CHECK(kiln_boot_info, tsc_handoff, 352);
KILN__CHECK(kiln_boot_info, tsc_frequency, 360);
KILN__CHECK(kiln_boot_info, boot_info_phys, 368);
KILN__CHECK(kiln_boot_info, paging_levels, 376);
KILN__CHECK(kiln_boot_info, entropy_sources, 380);
KILN__CHECK(kiln_boot_info, entropy, 384);
KILN__CHECK(kiln_boot_info, boot_unix_time, 416);
KILN__CHECK(kiln_boot_info, cpu_count, 424);
KILN__CHECK(kiln_boot_info, cpus, 432);
KILN__CHECK(kiln_boot_info, bsp_lapic_id, 440);
KILN__CHECK(kiln_boot_info, reserved1, 444);
KILN__CHECK(kiln_boot_info, segments, 448);
KILN__CHECK(kiln_boot_info, segment_count, 456);
KILN_STATIC_ASSERT(sizeof(struct kiln_boot_info) == 464, "kiln_boot_info size");
/* The size a 1.0 loader fills; a kernel reading 1.1 fields checks size first. */
#define KILN_BOOT_INFO_SIZE_1_0 376

/* ------------------------------------------------------------------------
 * Kernel config: KILN_CONFIG(...) embeds one of these in the kernel.
 * Every field left out (zero) means "the default" (docs/config.md).
 * ------------------------------------------------------------------------ */

#define KILN_CONFIG_MAGIC0 UINT64_C(0x4749464e4f434e4b) /* "KNCONFIG" */
#define KILN_CONFIG_MAGIC1 UINT64_C(0x1d6b2a85e0f34c97)

/* Placement values for the address-space fields below. Anything else is a
 * fixed, page-aligned, canonical virtual address. */
#define KILN_DEFAULT UINT64_C(0) /* the documented default for the field */
#define KILN_NONE UINT64_C(1)    /* do not map it */
#define KILN_DYNAMIC UINT64_C(2) /* Kiln chooses a free range */
#define KILN_AT(addr) ((uint64_t)(addr))
/* The canonical virtual address of PML4 slot i (for .recursive). Slot 0
 * cannot be asked for: KILN_SLOT(0) is 0, which means KILN_DEFAULT (and
 * would cover the null page anyway). */
#define KILN_SLOT(i) \
    ((uint64_t)(i) >= 256 ? (UINT64_C(0xffff000000000000) | ((uint64_t)(i) << 39)) : ((uint64_t)(i) << 39))

enum kiln_fb_mode {
    KILN_FB_AUTO = 0,      /* EDID/native size if known, else the firmware's mode, else 1024x768 */
    KILN_FB_KEEP = 1,      /* keep the mode the firmware set (UEFI); AUTO on BIOS */
    KILN_FB_PREFERRED = 2, /* the mode closest to width x height */
    KILN_FB_MAX = 3,       /* the largest mode not above width x height */
    KILN_FB_MIN = 4,       /* the smallest mode at least width x height */
    KILN_FB_NONE = 5,      /* no framebuffer (VGA text on BIOS) */
    KILN_FB_MODE_COUNT = 6
};

enum kiln_smp {
    KILN_SMP_NONE = 0,  /* list the CPUs, start none */
    KILN_SMP_START = 1, /* start every AP and park it on its goto_address */
};

struct kiln_config_header {
    uint64_t magic0;        /* 0: KILN_CONFIG_MAGIC0 */
    uint64_t magic1;        /* 8: KILN_CONFIG_MAGIC1 */
    uint16_t version_major; /* 16: the kiln.h the kernel was built against */
    uint16_t version_minor; /* 18 */
    uint32_t size;          /* 20: sizeof(struct kiln_config) of that kiln.h */
};

struct kiln_config {
    struct kiln_config_header header; /* 0: set by KILN_CONFIG, do not touch */
    uint64_t stack_size;      /* 24: bytes, rounded up to 4 KiB; default 64 KiB */
    uint64_t stack;           /* 32: placement; default dynamic */
    uint64_t boot_info;       /* 40: placement; default dynamic */
    uint64_t framebuffer;     /* 48: placement; default dynamic */
    uint64_t modules;         /* 56: placement; default dynamic; NONE = physical only */
    uint64_t physical_memory; /* 64: placement of the map of all physical memory, 2 MiB aligned; default dynamic */
    uint64_t recursive;       /* 72: KILN_SLOT(i) or dynamic; default none */
    uint64_t kernel_base;     /* 80: PIE load address; default: link address, or dynamic if linked at 0 */
    uint64_t dynamic_start;   /* 88: range for dynamic placements; default 0xffff800000000000 */
    uint64_t dynamic_end;     /* 96: default 0xffffff8000000000 (the top slot is the kernel's) */
    uint32_t aslr;            /* 104: 1 = randomise dynamic placements and the PIE base */
    uint32_t fb_mode;         /* 108: enum kiln_fb_mode */
    uint32_t fb_width;        /* 112 */
    uint32_t fb_height;       /* 116 */
    /* Since 1.1 (these were reserved, zero, in 1.0): */
    uint32_t smp;               /* 120: enum kiln_smp; default KILN_SMP_NONE */
    uint32_t smp_x2apic;        /* 124: 1 = put the APICs in x2APIC mode where the CPU has it */
    uint32_t paging_levels_min; /* 128: 4 or 5; 0 = 4 */
    uint32_t paging_levels_max; /* 132: 4 or 5; 0 = 4 */
    uint64_t reserved[2];       /* 136: zero */
};

KILN__CHECK(kiln_config_header, magic0, 0);
KILN__CHECK(kiln_config_header, magic1, 8);
KILN__CHECK(kiln_config_header, version_major, 16);
KILN__CHECK(kiln_config_header, version_minor, 18);
KILN__CHECK(kiln_config_header, size, 20);
KILN_STATIC_ASSERT(sizeof(struct kiln_config_header) == 24, "kiln_config_header size");
KILN__CHECK(kiln_config, header, 0);
KILN__CHECK(kiln_config, stack_size, 24);
KILN__CHECK(kiln_config, stack, 32);
KILN__CHECK(kiln_config, boot_info, 40);
KILN__CHECK(kiln_config, framebuffer, 48);
KILN__CHECK(kiln_config, modules, 56);
KILN__CHECK(kiln_config, physical_memory, 64);
KILN__CHECK(kiln_config, recursive, 72);
KILN__CHECK(kiln_config, kernel_base, 80);
KILN__CHECK(kiln_config, dynamic_start, 88);
KILN__CHECK(kiln_config, dynamic_end, 96);
KILN__CHECK(kiln_config, aslr, 104);
KILN__CHECK(kiln_config, fb_mode, 108);
KILN__CHECK(kiln_config, fb_width, 112);
KILN__CHECK(kiln_config, fb_height, 116);
KILN__CHECK(kiln_config, smp, 120);
KILN__CHECK(kiln_config, smp_x2apic, 124);
KILN__CHECK(kiln_config, paging_levels_min, 128);
KILN__CHECK(kiln_config, paging_levels_max, 132);
KILN__CHECK(kiln_config, reserved, 136);
KILN_STATIC_ASSERT(sizeof(struct kiln_config) == 152, "kiln_config size");

#define KILN_CONFIG_HEADER_INIT \
    { KILN_CONFIG_MAGIC0, KILN_CONFIG_MAGIC1, KILN_VERSION_MAJOR, KILN_VERSION_MINOR, \
      (uint32_t)sizeof(struct kiln_config) }

/* "retain" keeps the section through --gc-sections (GCC 11+, Clang 13+);
 * "used" keeps it through LTO. Linker scripts that list sections explicitly
 * should still KEEP(*(.kiln_config)); Kiln also finds the record without
 * the section name by scanning the loaded segments for the magic. */
#if defined(__has_attribute)
#if __has_attribute(retain)
#define KILN__RETAIN __attribute__((retain))
#endif
#endif
#ifndef KILN__RETAIN
#define KILN__RETAIN
#endif

/* KILN_CONFIG(.stack_size = 128 * 1024, .recursive = KILN_SLOT(510));
 * Use at most once per kernel, at file scope. */
#define KILN_CONFIG(...) \
    _Pragma("GCC diagnostic push") \
    _Pragma("GCC diagnostic ignored \"-Wmissing-field-initializers\"") \
    KILN__EXTERN_C __attribute__((used, section(".kiln_config"), aligned(8))) KILN__RETAIN \
    const struct kiln_config kiln_kernel_config = { .header = KILN_CONFIG_HEADER_INIT, __VA_ARGS__ }; \
    _Pragma("GCC diagnostic pop") \
    typedef int kiln__config_defined

/* ------------------------------------------------------------------------
 * Entry point.
 * KILN_ENTRY(kmain) defines _start (the ELF entry unless your linker script
 * says otherwise), checks at compile time that kmain is
 * void kmain(struct kiln_boot_info *), checks the boot info's magic and
 * major version at run time, then calls kmain. If kmain returns, the CPU
 * halts with interrupts disabled.
 * ------------------------------------------------------------------------ */

typedef void kiln_entry_fn(struct kiln_boot_info *);

#ifdef __cplusplus
}
template <typename T> struct kiln__is_entry { static const bool value = false; };
template <> struct kiln__is_entry<kiln_entry_fn> { static const bool value = true; };
#define KILN__ENTRY_CHECK(fn) \
    static_assert(kiln__is_entry<decltype(fn)>::value, \
                  "KILN_ENTRY: " #fn " must be void " #fn "(struct kiln_boot_info *)")
#else
#define KILN__ENTRY_CHECK(fn) \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&(fn)), kiln_entry_fn *), \
                   "KILN_ENTRY: " #fn " must be void " #fn "(struct kiln_boot_info *)")
#endif

static inline void kiln_outb(uint16_t port, uint8_t v) {
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t kiln_inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* Write to QEMU/Bochs debug console (port 0xe9). Harmless elsewhere. */
static inline void kiln_debugcon_write(const char *s) {
    while (*s) kiln_outb(0xe9, (uint8_t)*s++);
}

/* Write to COM1 (0x3f8), assuming it is programmed (Kiln leaves it at
 * 115200 8N1 when it found a UART). Never blocks forever. */
static inline void kiln_serial_write(const char *s) {
    for (; *s; s++) {
        if (*s == '\n') {
            for (int i = 0; i < 100000 && !(kiln_inb(0x3fd) & 0x20); i++) {}
            kiln_outb(0x3f8, '\r');
        }
        for (int i = 0; i < 100000 && !(kiln_inb(0x3fd) & 0x20); i++) {}
        kiln_outb(0x3f8, (uint8_t)*s);
    }
}

/* Leave QEMU through isa-debug-exit (iobase 0xf4): success writes 0x10
 * (QEMU exits 33), failure writes 0x11 (QEMU exits 35). Without that device
 * the write does nothing and the CPU halts. */
static inline __attribute__((noreturn)) void kiln_qemu_exit(int success) {
    kiln_outb(0xf4, success ? 0x10 : 0x11);
    for (;;) __asm__ volatile("cli; hlt");
}

/* Release a parked AP (smp = KILN_SMP_START): it calls fn(cpu) on its own
 * stack with interrupts off. */
static inline void kiln_cpu_start(struct kiln_cpu *cpu, void (*fn)(struct kiln_cpu *), uint64_t arg) {
    cpu->extra_argument = arg;
    __atomic_store_n(&cpu->goto_address, (uint64_t)(uintptr_t)fn, __ATOMIC_RELEASE);
}

#define KILN_ENTRY(fn) \
    KILN__ENTRY_CHECK(fn); \
    KILN__EXTERN_C __attribute__((used, noreturn)) void _start(struct kiln_boot_info *kiln__bi); \
    KILN__EXTERN_C __attribute__((used, noreturn)) void _start(struct kiln_boot_info *kiln__bi) { \
        if (kiln__bi == 0 || kiln__bi->magic != KILN_BOOT_INFO_MAGIC || \
            kiln__bi->version_major != KILN_VERSION_MAJOR) { \
            kiln_debugcon_write("kiln.h: boot info has the wrong magic or major version\n"); \
            kiln_serial_write("kiln.h: boot info has the wrong magic or major version\n"); \
            for (;;) __asm__ volatile("cli; hlt"); \
        } \
        fn(kiln__bi); \
        for (;;) __asm__ volatile("cli; hlt"); \
    } \
    typedef int kiln__entry_defined

#endif /* KILN_H */
