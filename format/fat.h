/* fat.h - the EFI system partition's FAT volume, as `kiln image` writes it
 * (format/fat_write.c; the host tool only): FAT12 or FAT16 by size, holding
 * \EFI\BOOT\BOOTX64.EFI. docs/disk-layout.md has the layout. */
#ifndef FORMAT_FAT_H
#define FORMAT_FAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

struct fat_geometry {
    uint32_t sectors;     /* of the volume, 512 bytes each */
    uint32_t fat_sectors; /* of each of the two FATs */
    uint32_t clusters;    /* data clusters, 4 sectors each */
    uint32_t data_sector; /* the first data cluster's (cluster 2) */
    bool fat12;           /* fewer than 4085 clusters */
};

/* The layout of a volume of `sectors` sectors; false, with a message, when
 * it is too small or would need FAT32. */
bool fat_geometry(uint64_t sectors, struct fat_geometry *g, kiln_err *e);
/* Bytes from the volume's start that hold anything: the rest is zero. */
size_t fat_esp_used(const struct fat_geometry *g, size_t efi_size);
/* Writes the volume's first fat_esp_used() bytes into `out` (zeroed by the
 * caller): boot sector (hidden sectors and serial as given, label
 * KILN-ESP), both FATs, the root directory, \EFI, \EFI\BOOT and the file.
 * False, with a message, when the file does not fit. */
bool fat_esp(const struct fat_geometry *g, uint32_t hidden, uint32_t serial, const uint8_t *efi, size_t efi_size,
             uint8_t *out, kiln_err *e);

#endif
