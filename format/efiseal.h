/* efiseal.h - BOOTX64.EFI's self-check (docs/disk-layout.md, "BOOTX64.EFI
 * checks itself"). `kiln image` writes, into the copy it puts on the ESP, the
 * sum128 (core/sum128.h, the payload's checksum) of the bytes the loader can
 * check in memory: every PE section without the write flag (code, read-only
 * data, the relocation tables), min(VirtualSize, SizeOfRawData) bytes each,
 * in section-table order, each padded with zeros to whole 8-byte words. The
 * firmware loads those bytes unchanged, so the loader computes the same sum
 * over its own image at entry (0.03 M instructions; the CRC-32 it replaced
 * took 0.3 M).
 *
 * Not covered, on purpose: the PE headers (the firmware rewrites ImageBase in
 * its copy; a signer such as sbsign rewrites the checksum and the certificate
 * directory), writable sections (gnu-efi's self-relocation changes .data
 * before efi_main; the seal record lives there, and so may other fields the
 * tool writes) and anything after the last section (an Authenticode
 * signature). So the tool seals before it signs, and a signed file still
 * passes. */
#ifndef FORMAT_EFISEAL_H
#define FORMAT_EFISEAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/sum128.h"
#include "core/util.h"

/* The record in the loader's .data that the tool fills in: magic, the
 * number of bytes the sum covers (0: not sealed), then the sum. */
#define EFI_SEAL_MAGIC "KILN-EFI-SEAL-2"  /* 15 characters and a NUL */
#define EFI_SEAL_MAGIC_SIZE 16u
struct efi_seal {
    char magic[EFI_SEAL_MAGIC_SIZE];
    uint32_t covered; /* 16: bytes the sum covers; 0 in the built, unsealed file */
    uint32_t reserved; /* 20: 0 */
    struct sum128 sum; /* 24 */
};
_Static_assert(sizeof(struct efi_seal) == 56, "efi_seal size");

/* The sum of the covered bytes of a PE image: a file of `size` bytes
 * (loaded = false: sections at PointerToRawData), or an image as the
 * firmware loaded it (loaded = true: at VirtualAddress, within the header's
 * SizeOfImage, `size` ignored). False, with a message, on a malformed image. */
bool efi_seal_sum(const uint8_t *image, uint64_t size, bool loaded, struct sum128 *sum, uint32_t *covered,
                  kiln_err *e);

/* Writing it (format/efiseal_write.c: the host tool only): finds the one
 * seal record in the file and fills it in. */
bool efi_seal(uint8_t *file, uint64_t size, kiln_err *e);

#endif
