/* platform.h - the firmware difference, as one interface.
 *
 * stage2/ (BIOS) and uefi/ each fill a struct platform with the facts they
 * gathered and the operations below, then call kiln_boot(); the host unit
 * tests fill one of their own (tests/unit/test_boot.c). Memory is the
 * one operation not in the struct: before kiln_boot() the platform hands its
 * page source to frames_init() (common/frames.h): a pool over the E820 map
 * on BIOS, AllocatePages on UEFI. common/ never asks which firmware it runs
 * on except to report it. tests/unit has a mock of physical memory.
 *
 * After leave() returns, no operation may be called; only port I/O and
 * memory remain (serial, debugcon and the framebuffer keep working). */
#ifndef COMMON_PLATFORM_H
#define COMMON_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sum128.h"
#include "core/util.h"
#include "kiln.h"

struct video_mode {
    uint32_t id; /* firmware's mode number */
    uint32_t width, height, pitch, bpp;
    uint64_t fb_phys; /* 0 if only known after setting the mode */
    uint8_t red_size, red_shift, green_size, green_shift, blue_size, blue_shift, rsvd_size, rsvd_shift;
};

/* What leave() hands back: the firmware's final memory map. */
struct firmware_map {
    struct kiln_memory_region *regions; /* in: buffer; entries carry kind + raw type */
    size_t regions_cap;
    size_t regions_count; /* out */
    void *raw;            /* in: buffer for the raw firmware map (UEFI), may be NULL */
    size_t raw_cap;
    size_t raw_size;      /* out */
    uint32_t desc_size, desc_version; /* out (UEFI) */
};

struct platform {
    uint32_t firmware; /* KILN_FIRMWARE_* */

    /* Read `size` bytes at byte `offset` of the Kiln partition. When `sum`
     * is not NULL, also add the bytes read to it as one
     * sum128_update(sum, dst, size) would (core/sum128.h). Each of the
     * `ntees` tees (sorted by offset, disjoint, inside the read) gets a copy
     * of its bytes: a kernel's segments, placed as its file is read. The
     * BIOS reader does both as it copies each chunk out of its bounce
     * buffer, in one pass; the others as they copy or after the read. */
    bool (*read)(uint64_t offset, void *dst, uint64_t size, struct sum128 *sum, const struct read_tee *tees,
                 size_t ntees, kiln_err *e);
    /* Bytes the Kiln partition holds: a payload claiming more is refused.
     * BIOS: from stage 2's header (the tool writes it); UEFI: the GPT. */
    uint64_t payload_space;
    /* A page the platform keeps for the hand-off stub, or 0 (BIOS: one in
     * stage 2, below 1 MiB, which a kernel linked at 1 MiB never covers). */
    uint64_t handoff_page;
    /* Usable direct-colour modes with a linear framebuffer; *current is the
     * index of the active mode or -1. */
    size_t (*video_modes)(struct video_mode *out, size_t cap, int *current);
    /* Sets the mode. *cleared says whether that left the screen black (VBE
     * function 4F02h without bit 15; GOP SetMode, UEFI spec 12.9), so the
     * log's console does not clear it again, or whether the console must
     * clear it: GOP's mode already active is not set again, as GRUB does
     * not either, since OVMF's SetMode clears the screen pixel by pixel
     * (16 M guest instructions at 1280x800, against 0.5 M for the
     * console's 8-byte stores). */
    bool (*video_set)(const struct video_mode *m, struct kiln_framebuffer *fb, bool *cleared, kiln_err *e);
    /* Upper bounds of what leave() will return, asked just before it. */
    void (*map_bounds)(size_t *regions, size_t *raw_bytes);
    /* Leave the firmware (UEFI: ExitBootServices) and report its final map. */
    bool (*leave)(struct firmware_map *m, kiln_err *e);
    /* `pages` contiguous pages below 1 MiB for the AP trampoline, recorded
     * BOOTLOADER_RECLAIMABLE; their contents are written only at hand-off,
     * after leave(). 0 when there are none (NULL: never any). */
    uint64_t (*low_pages)(uint64_t pages);
    /* Free memory now: the largest contiguous block and the total, in bytes
     * (for the message when a kernel does not fit; may be NULL). */
    void (*free_memory)(uint64_t *largest, uint64_t *total);
    /* Said before the loader takes the blocks it fills by copying (the
     * kernel's file, its segment runs, the modules: `bytes` in all), and
     * with 0 once they are taken. A hint: the platform may keep them off
     * memory that is slow to overwrite (BIOS: stage2/main.c). May be NULL. */
    void (*big_blocks)(uint64_t bytes);

    /* Facts gathered at entry (0 / NULL when absent). */
    uint64_t rsdp, smbios32, smbios64, efi_system_table;
    const uint8_t *edid;
    uint32_t edid_size;
    uint64_t phys_top;  /* end of the highest RAM, ACPI or firmware-runtime range */
    bool vga_text;      /* BIOS: the display is in VGA text mode */
    bool guarded_stack; /* the loader's stack has an unmapped page below it */
    uint64_t tsc_entry; /* TSC when the loader's first C code ran */
    int64_t unix_time;  /* boot time, seconds since 1970 UTC, when has_unix_time */
    bool has_unix_time;
    uint8_t fw_random[32]; /* from the firmware's RNG (EFI_RNG_PROTOCOL), when has_fw_random */
    bool has_fw_random;
    bool secure_boot;   /* UEFI Secure Boot was enforced and the payload matched the signed hash (uefi/trust.c) */
};

/* The shared boot flow (common/boot.c) and the jump to the kernel
 * (x86/enter.c). Never returns. */
__attribute__((noreturn)) void kiln_boot(struct platform *p);

#endif
