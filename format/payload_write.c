/* payload_write.c - building a payload (payload.h), for the host tool and
 * the unit tests; the loaders only read payloads (payload.c). */
#include "format/payload.h"

#include <kiln/crc32.h>

#include "core/kstring.h"

static uint32_t header_size(uint32_t n) {
    return (uint32_t)(sizeof(struct payload_header) + n * sizeof(struct payload_entry));
}

uint64_t payload_size(const struct payload_item *items, uint32_t n) {
    uint64_t off = align_up(header_size(n), PAYLOAD_ALIGN);
    for (uint32_t i = 0; i < n; i++) off = align_up(off + items[i].size, PAYLOAD_ALIGN);
    return off;
}

uint32_t payload_write_header(uint8_t *hdr, const struct payload_item *items, uint32_t n, uint64_t offsets[]) {
    struct payload_header *h = (struct payload_header *)hdr;
    memset(hdr, 0, header_size(n));
    memcpy(h->magic, PAYLOAD_MAGIC, 8);
    h->version = PAYLOAD_VERSION;
    h->header_size = header_size(n);
    h->entry_count = n;
    h->total_size = payload_size(items, n);
    uint64_t off = align_up(h->header_size, PAYLOAD_ALIGN);
    for (uint32_t i = 0; i < n; i++) {
        struct payload_entry *pe = (struct payload_entry *)(hdr + sizeof *h) + i;
        pe->type = items[i].type;
        pe->offset = offsets[i] = off;
        pe->size = items[i].size;
        pe->sum = sum128_of(items[i].data, items[i].size);
        if (items[i].type == PAYLOAD_MODULE) pe->crc32 = kiln_crc32(0, items[i].data, items[i].size);
        memcpy(pe->name, items[i].name, strnlen(items[i].name, PAYLOAD_NAME_MAX - 1));
        off = align_up(off + items[i].size, PAYLOAD_ALIGN);
    }
    h->header_crc32 = kiln_crc32(0, hdr, h->header_size);
    return h->header_size;
}

/* Each byte once: the header, then each item and the zeros up to the next. */
void payload_write(uint8_t *buf, const struct payload_item *items, uint32_t n, uint64_t offsets[]) {
    uint32_t hsize = payload_write_header(buf, items, n, offsets);
    uint64_t done = hsize;
    for (uint32_t i = 0; i < n; i++) {
        memset(buf + done, 0, offsets[i] - done);
        memcpy(buf + offsets[i], items[i].data, items[i].size);
        done = offsets[i] + items[i].size;
    }
    memset(buf + done, 0, payload_size(items, n) - done);
}
