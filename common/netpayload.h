/* netpayload.h - a payload fetched whole over the network, as the source
 * behind struct platform's read() (common/platform.h), so the boot flow
 * reads it as it reads the Kiln partition on a disk.
 *
 * The platform's network code (stage2/pxeapi.c: the PXE API; uefi/pxebc.c:
 * EFI_PXE_BASE_CODE_PROTOCOL) fetches the file into frames it allocated,
 * then netpayload_set() checks that the header and every entry it lists lie
 * inside what arrived (a truncated transfer is named as one, not left to a
 * checksum mismatch) and keeps it; the entries' CRCs are checked by the boot
 * flow as on a disk. */
#ifndef COMMON_NETPAYLOAD_H
#define COMMON_NETPAYLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/sum128.h"
#include "core/util.h"

/* buf holds `size` bytes of the file and is zeroed up to `cap` (at least
 * PAYLOAD_HEADER_MAX: the boot flow reads that much for the header). `what`
 * names the file in messages ("kiln.payload from 10.0.2.2"). */
bool netpayload_set(const uint8_t *buf, uint64_t size, uint64_t cap, const char *what, kiln_err *e);
/* The size of the file fetched: struct platform's payload_space. */
uint64_t netpayload_size(void);
/* struct platform's read() over it. */
bool netpayload_read(uint64_t offset, void *dst, uint64_t size, struct sum128 *sum, const struct read_tee *tees,
                     size_t ntees, kiln_err *e);
/* "a.b.c.d" of an IPv4 address in network byte order (as in a packet). */
void netpayload_ip_str(const uint8_t ip[4], char out[16]);

#endif
