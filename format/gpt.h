/* gpt.h - the GUID partition table (UEFI 2.10, 5.3): the header, the entry
 * array, and the type GUIDs Kiln uses. One parser for the UEFI loader
 * (uefi/diskio.c) and the kiln tool (`kiln info`); the tool also writes
 * GPTs with these offsets. All integers little endian; GUIDs are kept as
 * the 16 bytes stored on disk (the first three fields little endian). */
#ifndef FORMAT_GPT_H
#define FORMAT_GPT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

#define GPT_SIGNATURE "EFI PART"
#define GPT_REVISION 0x00010000u
#define GPT_HEADER_SIZE 92u /* bytes the CRC covers in the headers Kiln writes */

/* Header fields (byte offsets). */
#define GPT_H_REVISION 8u
#define GPT_H_HEADER_SIZE 12u
#define GPT_H_HEADER_CRC 16u
#define GPT_H_MY_LBA 24u
#define GPT_H_ALTERNATE_LBA 32u
#define GPT_H_FIRST_USABLE 40u
#define GPT_H_LAST_USABLE 48u
#define GPT_H_DISK_GUID 56u
#define GPT_H_ENTRIES_LBA 72u
#define GPT_H_ENTRY_COUNT 80u
#define GPT_H_ENTRY_SIZE 84u
#define GPT_H_ENTRIES_CRC 88u

/* Entry fields (byte offsets). */
#define GPT_E_TYPE 0u
#define GPT_E_UNIQUE 16u
#define GPT_E_FIRST_LBA 32u
#define GPT_E_LAST_LBA 40u
#define GPT_E_ATTRIBUTES 48u
#define GPT_E_NAME 56u      /* UTF-16LE, GPT_NAME_CHARS units */
#define GPT_NAME_CHARS 36u
#define GPT_ENTRY_MIN 128u  /* an entry is 128 * 2^n bytes ... */
#define GPT_ENTRY_MAX 4096u /* ... and Kiln reads no larger ones */
#define GPT_MAX_ENTRIES 4096u /* more is refused: no disk Kiln can boot needs it, and it bounds the reads */

/* 4B4C4E31-5B1E-4C4E-8D2A-6B696C6E0001: the Kiln partition (the payload). */
extern const uint8_t gpt_type_kiln[16];
/* C12A7328-F81F-11D2-BA4B-00A0C93EC93B: the EFI system partition. */
extern const uint8_t gpt_type_esp[16];

struct gpt_header {
    uint32_t header_size;
    uint64_t my_lba, alternate_lba, first_usable, last_usable, entries_lba;
    uint8_t disk_guid[16];
    uint32_t entry_count, entry_size, entries_crc;
    uint64_t entries_bytes; /* entry_count * entry_size */
};

struct gpt_entry {
    uint8_t type[16], unique[16];
    uint64_t first_lba, last_lba, attributes;
    char name[GPT_NAME_CHARS + 1]; /* the UTF-16 name as ASCII, '?' for anything else */
};

/* Checks the header in `block` (block_size bytes, read from LBA `lba` of a
 * disk whose last LBA is last_lba) as the UEFI spec says a firmware must:
 * signature, header size (92 to block_size), CRC, MyLBA == lba, an entry
 * size of 128 * 2^n, an entry array and a usable range that lie on the disk.
 * Every error names what is wrong. */
bool gpt_parse_header(const uint8_t *block, uint32_t block_size, uint64_t lba, uint64_t last_lba,
                      struct gpt_header *h, kiln_err *e);
/* The CRC of the entry array (h->entries_bytes bytes). */
bool gpt_check_entries(const struct gpt_header *h, const uint8_t *entries, kiln_err *e);
void gpt_entry_read(const struct gpt_header *h, const uint8_t *entries, uint32_t i, struct gpt_entry *out);
bool gpt_entry_used(const struct gpt_entry *p); /* type GUID not zero */
/* The first entry of the given type: its index (and *out), or -1. */
int gpt_find(const struct gpt_header *h, const uint8_t *entries, const uint8_t type[16], struct gpt_entry *out);
/* An entry's LBAs: first <= last, both inside the header's usable range. */
bool gpt_entry_valid(const struct gpt_header *h, const struct gpt_entry *p, kiln_err *e);
/* "4B4C4E31-5B1E-4C4E-8D2A-6B696C6E0001" (36 characters and a NUL). */
void gpt_guid_str(const uint8_t g[16], char out[37]);

/* Writing one (format/gpt_write.c: the host tool only). */
/* An entry (GPT_ENTRY_MIN bytes at e, zeroed by the caller); the name is ASCII. */
void gpt_write_entry(uint8_t *e, const uint8_t type[16], const uint8_t unique[16], uint64_t first, uint64_t last,
                     const char *name);
/* A GPT_HEADER_SIZE header from h's fields (header_size and entries_bytes
 * are ignored), its CRC computed, the rest of the block zero. */
void gpt_write_header(uint8_t *block, uint32_t block_size, const struct gpt_header *h);

#endif
