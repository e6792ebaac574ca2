/* efi.h - gnu-efi headers and the pieces of the UEFI platform (uefi/). We
 * use gnu-efi's headers, crt0 and self-relocation (libgnuefi), but not its
 * library (libefi): calls go straight through the tables, with ms_abi
 * function pointers (GNU_EFI_USE_MS_ABI), and GUIDs are defined here. */
#ifndef UEFI_EFI_H
#define UEFI_EFI_H

#include <efi.h>
#include <efilib.h>

#include "common/platform.h"
#include "core/util.h"

/* efi.c: set by efi_init() at entry; st and bs are NULL again once
 * ExitBootServices has succeeded, so that a stray use faults loudly. */
extern EFI_SYSTEM_TABLE *st;
extern EFI_BOOT_SERVICES *bs;
extern EFI_HANDLE image_handle;
void efi_init(EFI_HANDLE handle, EFI_SYSTEM_TABLE *systab);
const char *efi_status_str(EFI_STATUS s);

/* diskio.c: the Kiln partition on the disk this application was loaded from. */
bool efi_disk_init(kiln_err *e);
bool efi_disk_read(uint64_t offset, void *dst, uint64_t size, struct sum128 *sum, const struct read_tee *tees,
                   size_t ntees, kiln_err *e);
uint64_t efi_disk_size(void); /* bytes of the Kiln partition, after efi_disk_init() */

/* trust.c: under Secure Boot, or with a signed payload hash, read the whole
 * payload once, check its SHA-256 and point p->read at the verified copy;
 * sets p->secure_boot when Secure Boot was enforced and the hash matched. */
bool efi_trust_init(struct platform *p, kiln_err *e);
/* pxebc.c: started by the firmware's PXE boot: fetch the payload through
 * EFI_PXE_BASE_CODE_PROTOCOL; then read it with netpayload_read(). */
bool efi_net_booted(void);
bool efi_net_init(kiln_err *e);

/* gop.c: video through the Graphics Output Protocol. */
void efi_gop_init(void);
size_t efi_gop_modes(struct video_mode *out, size_t cap, int *current);
bool efi_gop_set(const struct video_mode *m, struct kiln_framebuffer *fb, bool *cleared, kiln_err *e);
const uint8_t *efi_gop_edid(uint32_t *size);

/* clock.c: the boot time from GetTime, in seconds since 1970 UTC; false
 * (with a warning) when the firmware gives none. */
bool efi_boot_time(int64_t *out);

/* rng.c: 32 bytes from EFI_RNG_PROTOCOL; false when the firmware has none
 * or it fails. */
bool efi_random(uint8_t out[32]);

#endif
