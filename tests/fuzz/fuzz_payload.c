/* fuzz_payload.c - the payload table (format/payload.c): payload_validate
 * on any bytes, with and without a partition size; for a table it
 * accepts, every entry lies inside the payload and the lookups agree. */
#include <string.h>

#include "format/payload.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kiln_err e;
    /* an aligned copy, as the loader reads it into a page */
    uint8_t *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    for (int pass = 0; pass < 2; pass++) {
        uint64_t avail = pass ? size : 0;
        if (!payload_validate(buf, size, avail, &e)) continue;
        const struct payload_header *h = (const struct payload_header *)buf;
        FUZZ_ASSERT(h->header_size <= size && h->entry_count >= 1 && h->entry_count <= PAYLOAD_MAX_ENTRIES);
        for (uint32_t i = 0; i < h->entry_count; i++) {
            const struct payload_entry *p = payload_entry_at(h, i);
            FUZZ_ASSERT(p->offset + p->size >= p->offset && p->offset + p->size <= h->total_size);
            FUZZ_ASSERT(!avail || h->total_size <= avail);
            FUZZ_ASSERT(memchr(p->name, 0, PAYLOAD_NAME_MAX) != NULL);
            payload_type_name(p->type);
        }
        FUZZ_ASSERT(payload_find(h, PAYLOAD_KERNEL) != NULL);
    }
    free(buf);
    return 0;
}
