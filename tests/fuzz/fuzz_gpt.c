/* fuzz_gpt.c - the partition tables (format/mbr.c, format/gpt.c): the
 * first 512 bytes as an MBR, the next 512 as a GPT header at LBA 1 of a
 * disk whose size the input's length sets, the rest as its entry array;
 * every entry the parser calls valid lies in the usable range. */
#include <string.h>

#include "format/gpt.h"
#include "format/mbr.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size >= MBR_SIZE) {
        struct mbr m;
        mbr_parse(data, &m);
        for (uint8_t t = 0; t < 4; t++) mbr_find(&m, data[t]);
    }
    if (size < 1024) return 0;
    /* The disk: the input padded to whole sectors, at least 34 of them. */
    uint64_t last = (size + 511) / 512 + 33;
    struct gpt_header h;
    kiln_err e;
    if (!gpt_parse_header(data + 512, 512, 1, last, &h, &e)) return 0;
    FUZZ_ASSERT(h.header_size >= GPT_HEADER_SIZE && h.header_size <= 512);
    FUZZ_ASSERT(h.entry_size >= GPT_ENTRY_MIN && h.entry_size <= GPT_ENTRY_MAX && h.entry_size % GPT_ENTRY_MIN == 0);
    FUZZ_ASSERT(h.entry_count >= 1 && h.entry_count <= GPT_MAX_ENTRIES);
    FUZZ_ASSERT(h.first_usable <= h.last_usable && h.last_usable <= last);
    FUZZ_ASSERT(h.entries_lba >= 1 && h.entries_lba + (h.entries_bytes + 511) / 512 - 1 <= last);
    /* The array: as far as the input reaches, zeros after. */
    uint8_t *ents = calloc(1, (size_t)h.entries_bytes);
    uint64_t off = h.entries_lba * 512;
    if (off < size) memcpy(ents, data + off, size - off < h.entries_bytes ? size - off : (size_t)h.entries_bytes);
    gpt_check_entries(&h, ents, &e);
    for (uint32_t i = 0; i < h.entry_count; i++) {
        struct gpt_entry p;
        gpt_entry_read(&h, ents, i, &p);
        FUZZ_ASSERT(strlen(p.name) <= GPT_NAME_CHARS);
        if (gpt_entry_used(&p) && gpt_entry_valid(&h, &p, &e))
            FUZZ_ASSERT(p.first_lba <= p.last_lba && p.first_lba >= h.first_usable && p.last_lba <= h.last_usable);
        char guid[37];
        gpt_guid_str(p.type, guid);
        FUZZ_ASSERT(strlen(guid) == 36);
    }
    struct gpt_entry k;
    gpt_find(&h, ents, gpt_type_kiln, &k);
    free(ents);
    return 0;
}
