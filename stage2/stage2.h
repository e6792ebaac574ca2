/* stage2.h - the pieces of the BIOS platform (the other files of stage2/). */
#ifndef STAGE2_STAGE2_H
#define STAGE2_STAGE2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/platform.h"
#include "core/util.h"
#include "kiln.h"

/* vga.c: true if the display is in an 80-column VGA text mode. */
bool vga_init(void);
void vga_putc(char c);

/* e820.c: the firmware memory map, E820 with E801 and AH=88h fallbacks.
 * The raw entries (kinds translated, raw E820 type kept) and a scratch
 * arena for sanitizing them live in .bss for up to 128 entries; beyond
 * that, in usable memory above 1 MiB chosen from the map itself (so any
 * number fits), which must then be kept from the allocator
 * (reserved_base/size, 0 when .bss was enough). no_e820: the test hook
 * (MBR_FLAG_NO_E820) that exercises the fallbacks. */
struct firmware_memory {
    struct kiln_memory_region *raw;
    size_t n;
    uint8_t *arena;
    size_t arena_size; /* at least (6 * n + 16) * 24 bytes */
    uint64_t reserved_base, reserved_size;
    const char *source; /* "E820", "E801" or "INT 15h AH=88h" */
};
bool bios_memory_map(struct firmware_memory *fm, kiln_err *e, bool no_e820);

/* int13.c: the Kiln partition through INT 13h */
/* cdrom: the boot drive is a CD booted by cdboot (MBR_FLAG_CDROM); partition_lba counts 2048-byte blocks. */
bool disk_init(uint8_t drive, uint64_t partition_lba, bool force_chs, bool cdrom, kiln_err *e);
bool disk_read_payload(uint64_t offset, void *dst, uint64_t size, struct sum128 *sum, const struct read_tee *tees,
                       size_t ntees, kiln_err *e);

/* pxeapi.c: booted from the network (stage1/pxe.asm at 0x7C00): fetch the
 * payload through the PXE API; then read it with netpayload_read(). */
bool pxe_booted(void);
bool pxe_init(kiln_err *e);

/* vbe.c */
size_t vbe_modes(struct video_mode *out, size_t cap, int *current);
bool vbe_set(const struct video_mode *m, struct kiln_framebuffer *fb, bool *cleared, kiln_err *e);
bool vbe_edid(uint8_t out[128]);

#endif
