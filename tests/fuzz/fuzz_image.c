/* fuzz_image.c - reading a whole disk image as the loaders do: the MBR's
 * Kiln partition (stage 1, stage 2) or the GPT's (uefi/diskio.c), the
 * payload table in it checked against the partition's size, each entry's
 * CRC over the bytes the image holds, and the image config entry parsed
 * (format/mbr.c, gpt.c, payload.c, imgconfig.c together). */
#include <string.h>


#include "format/gpt.h"
#include "format/imgconfig.h"
#include "format/mbr.h"
#include "format/payload.h"
#include "tests/fuzz/fuzz.h"

/* The Kiln partition from the GPT at LBA 1, as uefi/diskio.c finds it. */
static bool from_gpt(const uint8_t *data, size_t size, uint64_t *lba, uint64_t *sectors) {
    uint64_t nsec = size / 512;
    struct gpt_header h;
    kiln_err e;
    if (nsec < 3 || !gpt_parse_header(data + 512, 512, 1, nsec - 1, &h, &e)) return false;
    const uint8_t *ents = data + h.entries_lba * 512; /* gpt_parse_header: on the disk */
    if (!gpt_check_entries(&h, ents, &e)) return false;
    struct gpt_entry k;
    if (gpt_find(&h, ents, gpt_type_kiln, &k) < 0 || !gpt_entry_valid(&h, &k, &e)) return false;
    *lba = k.first_lba;
    *sectors = k.last_lba - k.first_lba + 1;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < MBR_SIZE) return 0;
    struct mbr m;
    mbr_parse(data, &m);
    uint64_t lba = 0, sectors = 0, nsec = size / 512;
    int k = mbr_find(&m, MBR_TYPE_KILN);
    if (k >= 0) {
        lba = m.part[k].first_lba, sectors = m.part[k].sectors;
    } else if (!from_gpt(data, size, &lba, &sectors)) {
        return 0;
    }
    /* an empty partition: payload_validate's avail 0 would mean "unknown" */
    if (lba == 0 || lba >= nsec || sectors == 0) return 0;
    uint64_t avail = sectors * 512, have = size - lba * 512; /* sectors < 2^55: no wrap */
    if (sectors > (UINT64_MAX >> 9)) return 0;
    const uint8_t *part = data + lba * 512;
    kiln_err e;
    if (!payload_validate(part, have < PAYLOAD_HEADER_MAX ? have : PAYLOAD_HEADER_MAX, avail, &e)) return 0;
    const struct payload_header *ph = (const struct payload_header *)part;
    for (uint32_t i = 0; i < ph->entry_count; i++) {
        const struct payload_entry *pe = payload_entry_at(ph, i);
        FUZZ_ASSERT(pe->offset + pe->size <= avail);
        if (pe->offset + pe->size > have) continue; /* past the end of the file: a read error at boot */
        struct sum128 got = sum128_of(part + pe->offset, pe->size);
        payload_entry_ok(pe, &got, &e);
        if (pe->type == PAYLOAD_CONFIG) {
            struct imgconfig c;
            imgconfig_parse((const char *)part + pe->offset, pe->size, &c, &e);
        }
    }
    return 0;
}
