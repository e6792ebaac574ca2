/* payload.c - validation of the payload header and entry table. The header
 * comes from disk (or from a file given to `kiln info`): trust nothing. */
#include "format/payload.h"

#include <kiln/crc32.h>
#include "core/kstring.h"

const char *payload_type_name(uint32_t type) {
    switch (type) {
    case PAYLOAD_KERNEL: return "kernel";
    case PAYLOAD_MODULE: return "module";
    case PAYLOAD_CONFIG: return "config";
    case PAYLOAD_STAGE2: return "stage2";
    default: return "unknown";
    }
}

const struct payload_entry *payload_entry_at(const struct payload_header *h, uint32_t i) {
    return (const struct payload_entry *)((const uint8_t *)h + sizeof *h) + i;
}

const struct payload_entry *payload_find(const struct payload_header *h, uint32_t type) {
    for (uint32_t i = 0; i < h->entry_count; i++)
        if (payload_entry_at(h, i)->type == type) return payload_entry_at(h, i);
    return 0;
}

static bool name_ok(const char *name) {
    size_t n = strnlen(name, PAYLOAD_NAME_MAX);
    if (n == 0 || n == PAYLOAD_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (name[i] < 0x20 || name[i] > 0x7e) return false;
    for (size_t i = n; i < PAYLOAD_NAME_MAX; i++)
        if (name[i]) return false; /* deterministic padding */
    return true;
}

bool payload_validate(const void *buf, uint64_t len, uint64_t avail, kiln_err *e) {
    const struct payload_header *h = buf;
    if (len < sizeof *h) return err_set(e, "payload: header truncated (%llu bytes)", (unsigned long long)len);
    if (memcmp(h->magic, PAYLOAD_MAGIC, 8) != 0)
        return err_set(e, "payload: no Kiln payload here (bad magic); was this image made by `kiln image`?");
    if (h->version != PAYLOAD_VERSION)
        return err_set(e, "payload: format version %u, this Kiln reads version %u: make the image again with this "
                          "Kiln's `kiln image`", h->version, PAYLOAD_VERSION);
    if (h->entry_count == 0 || h->entry_count > PAYLOAD_MAX_ENTRIES)
        return err_set(e, "payload: %u entries (must be 1..%u)", h->entry_count, PAYLOAD_MAX_ENTRIES);
    uint64_t need = sizeof *h + (uint64_t)h->entry_count * sizeof(struct payload_entry);
    if (h->header_size != need || h->header_size > PAYLOAD_HEADER_MAX)
        return err_set(e, "payload: header size %u does not match %u entries", h->header_size, h->entry_count);
    if (len < h->header_size) return err_set(e, "payload: header truncated");

    /* CRC over the header with the CRC field taken as zero. */
    struct payload_header copy = *h;
    copy.header_crc32 = 0;
    uint32_t crc = kiln_crc32(0, &copy, sizeof copy);
    crc = kiln_crc32(crc, (const uint8_t *)buf + sizeof *h, h->header_size - sizeof *h);
    if (crc != h->header_crc32)
        return err_set(e, "payload: header checksum mismatch (stored %08x, computed %08x): the image is corrupt",
                       h->header_crc32, crc);
    if (avail && h->total_size > avail)
        return err_set(e, "payload: claims %llu bytes but the partition holds %llu",
                       (unsigned long long)h->total_size, (unsigned long long)avail);

    unsigned kernels = 0, configs = 0, stage2s = 0;
    for (uint32_t i = 0; i < h->entry_count; i++) {
        const struct payload_entry *p = payload_entry_at(h, i);
        uint64_t end;
        if (!name_ok(p->name)) return err_set(e, "payload: entry %u has a bad name", i);
        switch (p->type) {
        case PAYLOAD_KERNEL: kernels++; break;
        case PAYLOAD_CONFIG: configs++; break;
        case PAYLOAD_STAGE2: stage2s++; break;
        case PAYLOAD_MODULE: break;
        default: return err_set(e, "payload: entry %u (%s) has unknown type %u", i, p->name, p->type);
        }
        if (p->offset % PAYLOAD_ALIGN)
            return err_set(e, "payload: entry %u (%s) is not %u-byte aligned", i, p->name, PAYLOAD_ALIGN);
        if (p->offset < h->header_size)
            return err_set(e, "payload: entry %u (%s) overlaps the header", i, p->name);
        if (!add_ok(p->offset, p->size, &end) || end > h->total_size)
            return err_set(e, "payload: entry %u (%s) runs past the end of the payload", i, p->name);
        if (p->size == 0 && p->type == PAYLOAD_KERNEL) return err_set(e, "payload: the kernel is empty");
        if (p->crc32 && p->type != PAYLOAD_MODULE)
            return err_set(e, "payload: entry %u (%s) has a CRC-32, which only modules carry", i, p->name);
        for (uint32_t j = 0; j < i; j++) {
            const struct payload_entry *q = payload_entry_at(h, j);
            if (p->size && q->size && ranges_overlap(p->offset, p->size, q->offset, q->size))
                return err_set(e, "payload: entries %u (%s) and %u (%s) overlap", j, q->name, i, p->name);
        }
    }
    if (kernels != 1) return err_set(e, "payload: %u kernels (need exactly one)", kernels);
    if (configs > 1) return err_set(e, "payload: %u config entries (at most one)", configs);
    if (stage2s > 1) return err_set(e, "payload: %u stage2 entries (at most one)", stage2s);
    return true;
}

bool payload_entry_ok(const struct payload_entry *pe, const struct sum128 *got, kiln_err *e) {
    if (sum128_equal(got, &pe->sum)) return true;
    return err_set(e, "payload: %s '%s' is corrupt: checksum mismatch (stored %016llx:%016llx, computed %016llx:%016llx)",
                   payload_type_name(pe->type), pe->name, (unsigned long long)pe->sum.a_lo,
                   (unsigned long long)pe->sum.b_lo, (unsigned long long)got->a_lo, (unsigned long long)got->b_lo);
}
