/* gpt.c - reading a GUID partition table (gpt.h). */
#include "format/gpt.h"

#include <kiln/crc32.h>

#include "core/kstring.h"

const uint8_t gpt_type_kiln[16] = {0x31, 0x4e, 0x4c, 0x4b, 0x1e, 0x5b, 0x4e, 0x4c,
                                   0x8d, 0x2a, 0x6b, 0x69, 0x6c, 0x6e, 0x00, 0x01};
const uint8_t gpt_type_esp[16] = {0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
                                  0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b};

/* The CRC of the first `size` bytes of a header with its CRC field read as 0. */
static uint32_t header_crc(const uint8_t *b, uint32_t size) {
    static const uint8_t zero[4];
    uint32_t c = kiln_crc32(0, b, GPT_H_HEADER_CRC);
    c = kiln_crc32(c, zero, 4);
    return kiln_crc32(c, b + GPT_H_HEADER_CRC + 4, size - GPT_H_HEADER_CRC - 4);
}

bool gpt_parse_header(const uint8_t *b, uint32_t bsize, uint64_t lba, uint64_t last_lba, struct gpt_header *h,
                      kiln_err *e) {
    if (bsize < GPT_HEADER_SIZE || memcmp(b, GPT_SIGNATURE, 8) != 0)
        return err_set(e, "no GPT header at LBA %llu", (unsigned long long)lba);
    h->header_size = get_le32(b + GPT_H_HEADER_SIZE);
    if (h->header_size < GPT_HEADER_SIZE || h->header_size > bsize)
        return err_set(e, "GPT header size %u is invalid", h->header_size);
    if (header_crc(b, h->header_size) != get_le32(b + GPT_H_HEADER_CRC))
        return err_set(e, "GPT header at LBA %llu fails its CRC", (unsigned long long)lba);
    h->my_lba = get_le64(b + GPT_H_MY_LBA);
    h->alternate_lba = get_le64(b + GPT_H_ALTERNATE_LBA);
    h->first_usable = get_le64(b + GPT_H_FIRST_USABLE);
    h->last_usable = get_le64(b + GPT_H_LAST_USABLE);
    memcpy(h->disk_guid, b + GPT_H_DISK_GUID, 16);
    h->entries_lba = get_le64(b + GPT_H_ENTRIES_LBA);
    h->entry_count = get_le32(b + GPT_H_ENTRY_COUNT);
    h->entry_size = get_le32(b + GPT_H_ENTRY_SIZE);
    h->entries_crc = get_le32(b + GPT_H_ENTRIES_CRC);
    h->entries_bytes = (uint64_t)h->entry_count * h->entry_size;
    if (h->my_lba != lba)
        return err_set(e, "GPT header at LBA %llu says it is at LBA %llu", (unsigned long long)lba,
                       (unsigned long long)h->my_lba);
    /* The array's last LBA, without wrapping: entry_count and entry_size are
     * bounded first, so entries_bytes is small. */
    uint64_t array_blocks = (h->entries_bytes + bsize - 1) / bsize, array_end;
    if (h->entry_size < GPT_ENTRY_MIN || h->entry_size > GPT_ENTRY_MAX || !is_pow2(h->entry_size / GPT_ENTRY_MIN) ||
        h->entry_size % GPT_ENTRY_MIN || h->entry_count == 0 || h->entry_count > GPT_MAX_ENTRIES ||
        h->entries_lba == 0 || !add_ok(h->entries_lba, array_blocks, &array_end) || array_end - 1 > last_lba)
        return err_set(e, "GPT entry array (%u x %u bytes at LBA %llu) is invalid", h->entry_count, h->entry_size,
                       (unsigned long long)h->entries_lba);
    if (h->first_usable > h->last_usable || h->last_usable > last_lba)
        return err_set(e, "GPT usable LBAs %llu-%llu do not fit a disk of %llu blocks",
                       (unsigned long long)h->first_usable, (unsigned long long)h->last_usable,
                       (unsigned long long)last_lba + 1);
    return true;
}

bool gpt_check_entries(const struct gpt_header *h, const uint8_t *entries, kiln_err *e) {
    if (kiln_crc32(0, entries, h->entries_bytes) != h->entries_crc) return err_set(e, "GPT entry array fails its CRC");
    return true;
}

void gpt_entry_read(const struct gpt_header *h, const uint8_t *entries, uint32_t i, struct gpt_entry *out) {
    const uint8_t *p = entries + (uint64_t)i * h->entry_size;
    memcpy(out->type, p + GPT_E_TYPE, 16);
    memcpy(out->unique, p + GPT_E_UNIQUE, 16);
    out->first_lba = get_le64(p + GPT_E_FIRST_LBA);
    out->last_lba = get_le64(p + GPT_E_LAST_LBA);
    out->attributes = get_le64(p + GPT_E_ATTRIBUTES);
    size_t n = 0;
    for (; n < GPT_NAME_CHARS; n++) {
        uint16_t c = get_le16(p + GPT_E_NAME + 2 * n);
        if (!c) break;
        out->name[n] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out->name[n] = 0;
}

bool gpt_entry_used(const struct gpt_entry *p) {
    static const uint8_t zero[16];
    return memcmp(p->type, zero, 16) != 0;
}

int gpt_find(const struct gpt_header *h, const uint8_t *entries, const uint8_t type[16], struct gpt_entry *out) {
    for (uint32_t i = 0; i < h->entry_count; i++) {
        gpt_entry_read(h, entries, i, out);
        if (!memcmp(out->type, type, 16)) return (int)i;
    }
    return -1;
}

bool gpt_entry_valid(const struct gpt_header *h, const struct gpt_entry *p, kiln_err *e) {
    if (p->first_lba > p->last_lba || p->first_lba < h->first_usable || p->last_lba > h->last_usable)
        return err_set(e, "partition at LBA %llu-%llu lies outside the usable LBAs %llu-%llu",
                       (unsigned long long)p->first_lba, (unsigned long long)p->last_lba,
                       (unsigned long long)h->first_usable, (unsigned long long)h->last_usable);
    return true;
}

void gpt_guid_str(const uint8_t g[16], char out[37]) {
    static const char hex[] = "0123456789ABCDEF";
    /* The first three fields are little endian, the rest bytes in order. */
    static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) *o++ = '-';
        *o++ = hex[g[order[i]] >> 4];
        *o++ = hex[g[order[i]] & 15];
    }
    *o = 0;
}
