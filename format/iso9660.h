/* iso9660.h - the parts of ISO 9660 (ECMA-119) and El Torito that Kiln's
 * ISO images use (docs/iso.md): the primary volume descriptor, the boot
 * record, the root directory, and the boot catalog. xorriso writes them
 * (kiln image --kind iso); this reader is how the tool finds where xorriso
 * put each file, and how `kiln info` shows an ISO. The loader does not read
 * ISO 9660: it finds the payload through the ISO's GPT or cdboot's fields.
 * All numbers are taken from their little-endian halves (ECMA-119 both-byte
 * order fields are checked to agree). */
#ifndef FORMAT_ISO9660_H
#define FORMAT_ISO9660_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

#define ISO_BLOCK 2048u
#define ISO_PVD_BLOCK 16u        /* volume descriptors start here (after the 32 KiB system area) */
#define ISO_SYSTEM_AREA 32768u   /* bytes before the first descriptor: MBR and GPT of a hybrid ISO */
#define ISO_MAX_DESCRIPTORS 64u  /* a set longer than this is refused */

struct iso_volume {
    char volume_id[33];          /* trailing blanks removed */
    uint64_t blocks;             /* volume space size, in ISO_BLOCK blocks */
    uint32_t root_lba, root_size;
    uint32_t catalog_lba;        /* El Torito boot catalog; 0: no boot record */
};

/* One volume descriptor block (ISO_BLOCK bytes at block 16 + i): its type
 * (0 boot record, 1 primary, 255 terminator), -1 if it is no descriptor. */
int iso_descriptor_type(const uint8_t *block);
/* Fills the primary volume descriptor's facts into v (catalog_lba untouched). */
bool iso_parse_pvd(const uint8_t *block, struct iso_volume *v, kiln_err *e);
/* An El Torito boot record: the catalog's block into v->catalog_lba. */
bool iso_parse_boot_record(const uint8_t *block, struct iso_volume *v, kiln_err *e);

struct iso_file {
    uint32_t lba;
    uint32_t size;
    bool dir;
};
/* Looks `name` up (ISO 9660 name, case-insensitive, ";1" version ignored)
 * in a directory's extent (`len` bytes). false: not there, or the
 * directory is malformed (then e says so; e->msg empty when simply absent). */
bool iso_dir_find(const uint8_t *dir, size_t len, const char *name, struct iso_file *out, kiln_err *e);

/* El Torito boot catalog entries (the catalog is at most one block here). */
#define ELTORITO_PLATFORM_X86 0x00u
#define ELTORITO_PLATFORM_EFI 0xefu
#define ELTORITO_MAX_ENTRIES 16u
struct eltorito_entry {
    uint8_t platform;            /* ELTORITO_PLATFORM_* */
    bool bootable;               /* indicator 0x88 */
    uint8_t media;               /* 0 no emulation */
    uint16_t load_segment;       /* 0: the default, 07C0h */
    uint16_t sectors;            /* 512-byte virtual sectors loaded (BIOS) */
    uint32_t lba;                /* the boot image's block */
};
/* Parses a catalog block: validation entry (header, checksum, 55 AA), the
 * initial entry, then sections. Returns the number of entries, or -1 (e). */
int eltorito_parse(const uint8_t *block, struct eltorito_entry *out, size_t cap, kiln_err *e);

#endif
