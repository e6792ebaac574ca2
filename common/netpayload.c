/* netpayload.c - a payload fetched over the network, read like a disk
 * (netpayload.h). */
#include "common/netpayload.h"

#include "core/kstring.h"
#include "format/payload.h"
#include <kiln/fmt.h>

static const uint8_t *payload;
static uint64_t file_bytes, file_cap;

bool netpayload_set(const uint8_t *buf, uint64_t size, uint64_t cap, const char *what, kiln_err *e) {
    if (cap < size || cap < PAYLOAD_HEADER_MAX) return err_set(e, "network: internal: buffer of %llu bytes too small",
                                                                (unsigned long long)cap);
    if (size < sizeof(struct payload_header))
        return err_set(e, "network: %s is %llu bytes, too short for a Kiln payload (truncated, or not made by "
                          "`kiln image --kind pxe`)",
                       what, (unsigned long long)size);
    /* Every entry must lie inside what arrived: a short file is a
     * truncated transfer, named as such. */
    if (!payload_validate(buf, MIN(size, (uint64_t)PAYLOAD_HEADER_MAX), size, e)) {
        kiln_err inner = *e;
        return err_set(e, "network: %s (%llu bytes) is truncated or damaged: %s", what, (unsigned long long)size,
                       inner.msg);
    }
    payload = buf;
    file_bytes = size;
    file_cap = cap;
    return true;
}

uint64_t netpayload_size(void) { return file_bytes; }

bool netpayload_read(uint64_t offset, void *dst, uint64_t size, struct sum128 *sum, const struct read_tee *tees,
                     size_t ntees, kiln_err *e) {
    uint64_t end;
    /* Reads up to cap succeed (the header read is PAYLOAD_HEADER_MAX bytes
     * whatever the file's size); the bytes past the file are zeros. */
    if (!payload || !add_ok(offset, size, &end) || end > file_cap)
        return err_set(e, "network: read of %llu bytes at %llu runs past the payload file (%llu bytes)",
                       (unsigned long long)size, (unsigned long long)offset, (unsigned long long)file_bytes);
    sum128_copy_tees(sum, dst, payload + offset, 0, size, tees, ntees);
    return true;
}

void netpayload_ip_str(const uint8_t ip[4], char out[16]) {
    kiln_snprintf(out, 16, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}
