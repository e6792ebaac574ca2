/* memmap.h - memory-map sanitizing and firmware type translation.
 *
 * Firmware maps are hostile: unsorted, overlapping, zero-length, unaligned.
 * memmap_sanitize() turns any list of regions into the map the kernel gets:
 * sorted, non-overlapping, adjacent equal entries merged, USABLE and
 * BOOTLOADER_RECLAIMABLE entries shrunk inward to 4 KiB boundaries.
 *
 * Overlaps are resolved by precedence: where entries overlap, the kind with
 * the higher rank wins (docs/memory-map.md explains the order):
 *   USABLE < BOOTLOADER_RECLAIMABLE < KERNEL, KERNEL_STACK, PAGE_TABLES,
 *   BOOT_INFO, MODULE < ACPI_RECLAIMABLE < FIRMWARE_RUNTIME < RESERVED
 *   < FRAMEBUFFER < ACPI_NVS < BAD
 * The firmware_type of a piece is the winner's, or, when the winner has
 * none (a loader allocation), that of the highest-ranked firmware entry
 * underneath it. */
#ifndef CORE_MEMMAP_H
#define CORE_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "kiln.h"

int memmap_rank(uint32_t kind);

/* out must hold 2 * n + 1 entries (it is also the working space); scratch
 * must hold 2 * n uint64_t; n is below 2^32. O(n log n) for maps whose
 * entries overlap little. Entries of length 0 or that wrap past 2^64 are
 * clipped or dropped.
 * Returns the number of entries written to out. */
size_t memmap_sanitize(const struct kiln_memory_region *in, size_t n, struct kiln_memory_region *out,
                       uint64_t *scratch);

uint32_t memmap_e820_kind(uint32_t e820_type);
uint32_t memmap_efi_kind(uint32_t efi_type);
const char *memmap_kind_name(uint32_t kind);

/* Sum of lengths of entries of the given kind. */
uint64_t memmap_total(const struct kiln_memory_region *m, size_t n, uint32_t kind);

#endif
