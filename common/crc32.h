/* crc32.h - CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320), as used by GPT
 * and by the Kiln payload. */
#ifndef COMMON_CRC32_H
#define COMMON_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* crc32_update(0, buf, n) gives the CRC of buf; feed pieces to continue. */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t n);

#endif
