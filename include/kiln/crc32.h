/* kiln/crc32.h - CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the
 * checksum of GPT, of Kiln's payload, and of each module in the boot info
 * (struct kiln_module.crc32), so a kernel can check a module's bytes. */
#ifndef KILN_CRC32_H
#define KILN_CRC32_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* kiln_crc32(0, buf, n) is the CRC of buf; pass a previous result as crc to
 * continue over the next piece. */
uint32_t kiln_crc32(uint32_t crc, const void *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
