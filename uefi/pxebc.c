/* pxebc.c - the payload over the network under UEFI (efi.h).
 *
 * Started by the firmware's PXE boot (OVMF's network stack), BOOTX64.EFI's
 * device handle carries EFI_PXE_BASE_CODE_PROTOCOL, already started and
 * configured by the DHCP exchange that found us. The TFTP server and the
 * boot file come from that exchange (the PXE reply or proxy offer when
 * there was one, else the DHCP ACK); kiln.payload is fetched from the boot
 * file's folder on the same server, whole (MTFTP GET_FILE_SIZE, then
 * READ_FILE into pages), each step tried PXE_FETCH_TRIES times, and read by
 * the boot flow from memory (common/netpayload.h). */
#include "common/frames.h"
#include "common/log.h"
#include "common/netpayload.h"
#include "core/kstring.h"
#include "format/payload.h"
#include "format/pxe.h"
#include "uefi/efi.h"
#include <kiln/fmt.h>

#define PAYLOAD_MAX (UINT64_C(16) << 30)
#define TFTP_BLOCK 1468u /* the largest TFTP block in an Ethernet frame (1500 - IP, UDP, TFTP headers) */
#define UNKNOWN_FIRST (UINT64_C(16) << 20) /* the first buffer when the size is unknown */

static EFI_PXE_BASE_CODE_PROTOCOL *pxe;

bool efi_net_booted(void) {
    static EFI_GUID lip = LOADED_IMAGE_PROTOCOL, pxp = EFI_PXE_BASE_CODE_PROTOCOL_GUID;
    EFI_LOADED_IMAGE *li;
    if (EFI_ERROR(bs->HandleProtocol(image_handle, &lip, (void **)&li))) return false;
    return !EFI_ERROR(bs->HandleProtocol(li->DeviceHandle, &pxp, (void **)&pxe)) && pxe && pxe->Mode;
}

/* The DHCP packet that named our boot file. */
static const EFI_PXE_BASE_CODE_DHCPV4_PACKET *boot_packet(void) {
    const EFI_PXE_BASE_CODE_MODE *m = pxe->Mode;
    const EFI_PXE_BASE_CODE_PACKET *cands[3];
    size_t n = 0;
    if (m->PxeReplyReceived) cands[n++] = &m->PxeReply;
    if (m->ProxyOfferReceived) cands[n++] = &m->ProxyOffer;
    if (m->DhcpAckReceived) cands[n++] = &m->DhcpAck;
    for (size_t i = 0; i < n; i++) {
        const EFI_PXE_BASE_CODE_DHCPV4_PACKET *p = &cands[i]->Dhcpv4;
        if (p->BootpBootFile[0] && memcmp(p->BootpSiAddr, "\0\0\0\0", 4)) return p;
    }
    return NULL;
}

/* What went wrong, with the server's TFTP error when it sent one. */
static void tftp_why(EFI_STATUS s, char *out, size_t cap) {
    const EFI_PXE_BASE_CODE_MODE *m = pxe->Mode;
    if (m->TftpErrorReceived)
        kiln_snprintf(out, cap, "the server sent TFTP error %u, '%.100s'", m->TftpError.ErrorCode,
                      m->TftpError.ErrorString);
    else kiln_snprintf(out, cap, "%s", efi_status_str(s));
}

/* The payload's size (MTFTP GET_FILE_SIZE). False with e->msg set when
 * the server has no such file or kept failing; false with e->msg empty when
 * the firmware cannot ask (iPXE's PXE protocol reads files only). */
static bool file_size(EFI_IP_ADDRESS *server, const char *path, UINT64 *size, char *why, size_t cap, kiln_err *e) {
    e->msg[0] = 0;
    for (unsigned t = 1; t <= PXE_FETCH_TRIES; t++) {
        *size = 0;
        EFI_STATUS s = pxe->Mtftp(pxe, EFI_PXE_BASE_CODE_TFTP_GET_FILE_SIZE, NULL, FALSE, size, NULL, server,
                                  (UINT8 *)path, NULL, FALSE);
        if (!EFI_ERROR(s)) return true;
        if (s == EFI_UNSUPPORTED) return false;
        tftp_why(s, why, cap);
        if (s == EFI_NOT_FOUND || pxe->Mode->TftpErrorReceived) break; /* the server answered: no such file */
        log_warn("network: asking for the size of '%s' failed (%s), attempt %u of %u", path, why, t, PXE_FETCH_TRIES);
    }
    return err_set(e, "%s", why);
}

/* MTFTP READ_FILE into pages of our own, PXE_FETCH_TRIES times. With the
 * size unknown, the buffer starts at UNKNOWN_FIRST and doubles while the
 * firmware says it is too small. The pages kept are recorded with the
 * frame allocator (bootloader-reclaimable), zeroed past the file up to cap. */
static bool fetch(EFI_IP_ADDRESS *server, const char *path, bool known, UINT64 *size, uint64_t *pa_out,
                  uint64_t *cap_out, char *why, size_t whycap) {
    uint64_t cap = known ? align_up(MAX(*size, (uint64_t)PAYLOAD_HEADER_MAX), PAGE_SIZE) : UNKNOWN_FIRST;
    unsigned t = 1;
    while (t <= PXE_FETCH_TRIES) {
        EFI_PHYSICAL_ADDRESS pa = 0;
        EFI_STATUS s = bs->AllocatePages(AllocateAnyPages, EfiLoaderData, cap / PAGE_SIZE, &pa);
        if (EFI_ERROR(s)) {
            kiln_snprintf(why, whycap, "no memory for %llu bytes (%s)", (unsigned long long)cap, efi_status_str(s));
            return false;
        }
        UINT64 got = known ? *size : cap;
        UINTN block = TFTP_BLOCK; /* the default 512 takes three times the round trips */
        s = pxe->Mtftp(pxe, EFI_PXE_BASE_CODE_TFTP_READ_FILE, (void *)(uintptr_t)pa, FALSE, &got, &block, server,
                       (UINT8 *)path, NULL, FALSE);
        if (!EFI_ERROR(s) && (!known || got == *size) && got <= cap) {
            memset((uint8_t *)(uintptr_t)pa + got, 0, cap - got);
            frames_record(pa, cap, KILN_MEMORY_BOOTLOADER_RECLAIMABLE);
            *size = got;
            *pa_out = pa;
            *cap_out = cap;
            return true;
        }
        bs->FreePages(pa, cap / PAGE_SIZE);
        if (!known && s == EFI_BUFFER_TOO_SMALL && cap < PAYLOAD_MAX) {
            cap = got > cap && got <= PAYLOAD_MAX ? align_up(got, PAGE_SIZE) : cap * 2; /* not a failed try */
            continue;
        }
        if (!EFI_ERROR(s)) s = EFI_END_OF_FILE; /* the transfer ended early */
        tftp_why(s, why, whycap);
        log_warn("network: fetching '%s' failed (%s), attempt %u of %u", path, why, t, PXE_FETCH_TRIES);
        if (pxe->Mode->TftpErrorReceived) return false; /* the server refused: asking again changes nothing */
        t++;
    }
    return false;
}

bool efi_net_init(kiln_err *e) {
    if (pxe->Mode->UsingIpv6)
        return err_set(e, "network: booted over IPv6; Kiln fetches its payload with IPv4 PXE only");
    const EFI_PXE_BASE_CODE_DHCPV4_PACKET *pkt = boot_packet();
    if (!pkt) return err_set(e, "network: the DHCP reply names no TFTP server and boot file");
    static char path[PXE_PATH_MAX], server_str[16], why[200];
    const char *file = (const char *)pkt->BootpBootFile;
    if (!pxe_payload_path(file, sizeof pkt->BootpBootFile, path, sizeof path))
        return err_set(e, "network: the boot file name '%.128s' is too long for the payload's path", file);
    EFI_IP_ADDRESS server = {0};
    memcpy(&server.v4, pkt->BootpSiAddr, 4);
    netpayload_ip_str(pkt->BootpSiAddr, server_str);
    log_info("network: booted as '%.128s' from %s", file, server_str);

    UINT64 size = 0;
    bool known = file_size(&server, path, &size, why, sizeof why, e);
    if (!known && e->msg[0]) return err_set(e, "network: cannot fetch the payload '%s' from the TFTP server %s: %s",
                                            path, server_str, why);
    if (known && size > PAYLOAD_MAX)
        return err_set(e, "network: the payload '%s' is %llu bytes, more than 16 GiB", path, (unsigned long long)size);
    uint64_t pa = 0, cap = 0;
    if (!fetch(&server, path, known, &size, &pa, &cap, why, sizeof why))
        return err_set(e, "network: fetching the payload '%s' from %s failed: %s", path, server_str, why);
    char what[PXE_PATH_MAX + 24];
    kiln_snprintf(what, sizeof what, "'%s' from %s", path, server_str);
    log_info("network: %llu bytes of payload", (unsigned long long)size);
    return netpayload_set(phys_ptr(pa), size, cap, what, e);
}
