/* pxe.h - the network-boot folder (`kiln image --kind pxe`, docs/network-boot.md):
 * the names of its files, and the BIOS network boot program's layout. One
 * definition for the tool (which writes the folder), stage1/pxe.asm (through
 * format/asm-offsets.c), stage 2 and the UEFI loader (which fetch the payload).
 *
 * Both boot programs fetch PXE_PAYLOAD_NAME from the folder they were
 * themselves loaded from (the directory part of the DHCP boot file name),
 * so one TFTP folder serves BIOS and UEFI clients; only the boot file name
 * the DHCP server hands out differs by client architecture. */
#ifndef FORMAT_PXE_H
#define FORMAT_PXE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/mbr.h"


#define PXE_BIOS_NAME "kiln-bios.0"     /* BIOS clients (DHCP option 93 = 0) */
#define PXE_UEFI_NAME "kiln-x64.efi"    /* x86_64 UEFI clients (option 93 = 7 or 9) */
#define PXE_PAYLOAD_NAME "kiln.payload" /* kernel, modules, config: format/payload.h */
#define PXE_PATH_MAX 128u               /* a TFTP file name in the PXE APIs, NUL included */
#define PXE_FETCH_TRIES 3u              /* a transfer that fails is tried this often in all */

/* The BIOS network boot program: the PXE ROM loads it at 0x7C00. Its first
 * PXE_STUB_SIZE bytes are stage1/pxe.asm, which saves the PXE API's
 * addresses in its fields and jumps to stage 2, which follows it, so it
 * sits at STAGE2_BASE as it does after stage 1 on a disk. Stage 2 knows a
 * network boot by PXE_STUB_MAGIC at 0x7C00 + PXE_STUB_MAGIC_OFFSET. */
#define PXE_STUB_BASE 0x7c00u
#define PXE_STUB_SIZE 0x400u            /* STAGE2_BASE - PXE_STUB_BASE */
#define PXE_STUB_MAGIC_OFFSET 4u
#define PXE_STUB_MAGIC 0x4558504bu      /* 'K' 'P' 'X' 'E' as a little-endian u32 */
#define PXE_STUB_PXENV 8u               /* u32: far pointer to PXENV+ (ES:BX at entry) */
#define PXE_STUB_BANGPXE 12u            /* u32: far pointer to !PXE ([SS:SP+4] at entry), 0 if none */
/* u16: stage 2's length in sectors, written by the tool where stage 1 keeps
 * it, because stage 2's first sector reads it there (stage2/entry.asm). */
#define PXE_STUB_STAGE2_SECTORS MBR_STAGE2_SECTORS

/* The payload's path beside the boot file: "kiln/x/kiln-bios.0" ->
 * "kiln/x/kiln.payload", "kiln-x64.efi" -> "kiln.payload". Both '/' and
 * '\\' separate directories (TFTP servers for Windows clients use either).
 * False when the result (NUL included) does not fit in cap bytes. */
bool pxe_payload_path(const char *bootfile, size_t bootfile_len, char *out, size_t cap);

#endif
