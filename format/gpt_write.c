/* gpt_write.c - writing a GUID partition table (gpt.h), for the host tool. */
#include "format/gpt.h"

#include <kiln/crc32.h>

#include "core/kstring.h"

void gpt_write_entry(uint8_t *e, const uint8_t type[16], const uint8_t unique[16], uint64_t first, uint64_t last,
                     const char *name) {
    memcpy(e + GPT_E_TYPE, type, 16);
    memcpy(e + GPT_E_UNIQUE, unique, 16);
    put_le64(e + GPT_E_FIRST_LBA, first);
    put_le64(e + GPT_E_LAST_LBA, last);
    put_le64(e + GPT_E_ATTRIBUTES, 0);
    for (size_t i = 0; name[i] && i < GPT_NAME_CHARS; i++) put_le16(e + GPT_E_NAME + 2 * i, (uint8_t)name[i]);
}

void gpt_write_header(uint8_t *b, uint32_t block_size, const struct gpt_header *h) {
    memset(b, 0, block_size);
    memcpy(b, GPT_SIGNATURE, 8);
    put_le32(b + GPT_H_REVISION, GPT_REVISION);
    put_le32(b + GPT_H_HEADER_SIZE, GPT_HEADER_SIZE);
    put_le64(b + GPT_H_MY_LBA, h->my_lba);
    put_le64(b + GPT_H_ALTERNATE_LBA, h->alternate_lba);
    put_le64(b + GPT_H_FIRST_USABLE, h->first_usable);
    put_le64(b + GPT_H_LAST_USABLE, h->last_usable);
    memcpy(b + GPT_H_DISK_GUID, h->disk_guid, 16);
    put_le64(b + GPT_H_ENTRIES_LBA, h->entries_lba);
    put_le32(b + GPT_H_ENTRY_COUNT, h->entry_count);
    put_le32(b + GPT_H_ENTRY_SIZE, h->entry_size);
    put_le32(b + GPT_H_ENTRIES_CRC, h->entries_crc);
    put_le32(b + GPT_H_HEADER_CRC, kiln_crc32(0, b, GPT_HEADER_SIZE));
}
