/* pxeapi.c - the payload over the network through the PXE API (stage2.h).
 *
 * Booted as kiln-bios.0 by a PXE ROM (stage1/pxe.asm saved the API's
 * addresses at 0x7C00), stage 2 asks the ROM for its cached DHCP reply,
 * takes the TFTP server and the boot file's directory from it, and fetches
 * kiln.payload from that directory whole (PXENV_TFTP_GET_FSIZE, then
 * PXENV_TFTP_READ_FILE into frames below 4 GiB), trying a failed transfer
 * PXE_FETCH_TRIES times. The boot flow then reads it from memory
 * (common/netpayload.h). API calls go through bios_farcall() with their
 * parameter blocks in the bounce buffer (below 1 MiB, as real mode needs).
 * PXE 2.1 specification: structures in 4.4, opcodes and status codes in
 * appendix. */
#include "common/frames.h"
#include "common/log.h"
#include "common/netpayload.h"
#include "core/kstring.h"
#include <kiln/fmt.h>
#include "format/payload.h"
#include "format/pxe.h"
#include "stage2/bios.h"
#include "stage2/lowmem.h"
#include "stage2/stage2.h"

#define PXENV_GET_CACHED_INFO 0x0071u
#define PXENV_TFTP_READ_FILE 0x0023u
#define PXENV_TFTP_GET_FSIZE 0x0025u
#define PXENV_PACKET_TYPE_DHCP_ACK 2u
#define PXENV_PACKET_TYPE_CACHED_REPLY 3u
#define PXENV_STATUS_TFTP_FILE_NOT_FOUND 0x3bu
#define PXENV_STATUS_TFTP_ACCESS_VIOLATION 0x3cu
#define BOOTP_SIADDR 20u /* the next server (TFTP) */
#define BOOTP_FILE 108u  /* the boot file name, 128 bytes */
#define BOOTP_MIN 236u
#define PAYLOAD_MAX (UINT64_C(3) << 30) /* what fits below 4 GiB beside everything else */

struct __attribute__((packed)) cached_info {
    uint16_t status, packet_type, buffer_size;
    uint32_t buffer; /* seg:off; 0 asks for the ROM's own copy */
    uint16_t buffer_limit;
};
struct __attribute__((packed)) tftp_fsize {
    uint16_t status;
    uint8_t server[4], gateway[4];
    char file[PXE_PATH_MAX];
    uint32_t file_size;
};
struct __attribute__((packed)) tftp_read_file {
    uint16_t status;
    char file[PXE_PATH_MAX];
    uint32_t buffer_size, buffer; /* buffer: a physical address */
    uint8_t server[4], gateway[4], mcast[4];
    uint16_t client_port, server_port, open_timeout, reopen_delay;
};

static uint32_t api_entry; /* seg:off of !PXE's EntryPointSP, or PXENV+'s RMEntry */
static uint8_t server[4];
static char path[PXE_PATH_MAX];
static char server_str[16];

static bool checksum_ok(const uint8_t *p, size_t n) {
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += p[i];
    return sum == 0;
}

/* The API's entry: !PXE (PXE 2.1) when the ROM gave one, else PXENV+. */
static bool find_entry(kiln_err *e) {
    const uint8_t *stub = (const uint8_t *)(uintptr_t)PXE_STUB_BASE;
    uint32_t bang, pxenv;
    memcpy(&bang, stub + PXE_STUB_BANGPXE, 4);
    memcpy(&pxenv, stub + PXE_STUB_PXENV, 4);
    const uint8_t *b = bang ? (const uint8_t *)(uintptr_t)far_to_linear(bang) : NULL;
    if (b && !memcmp(b, "!PXE", 4) && b[4] >= 0x14 && checksum_ok(b, b[4])) {
        memcpy(&api_entry, b + 0x10, 4); /* EntryPointSP */
        return true;
    }
    const uint8_t *v = pxenv ? (const uint8_t *)(uintptr_t)far_to_linear(pxenv) : NULL;
    if (v && !memcmp(v, "PXENV+", 6) && v[8] >= 0x2c && checksum_ok(v, v[8])) {
        memcpy(&api_entry, v + 0x0a, 4); /* RMEntry */
        return true;
    }
    return err_set(e, "network: the PXE ROM gave no valid !PXE or PXENV+ structure");
}

/* One API call with its parameter block copied through the bounce buffer;
 * returns the block's status word (0: success). */
static uint16_t pxe_call(uint16_t opcode, void *param, size_t size) {
    uint8_t *low = (uint8_t *)(uintptr_t)BOUNCE_BASE;
    memcpy(low, param, size);
    struct bios_regs r;
    bios_regs_init(&r);
    r.ebx = opcode;
    r.es = BOUNCE_BASE >> 4;
    r.edi = 0;
    bios_farcall(api_entry, &r);
    memcpy(param, low, size);
    uint16_t status;
    memcpy(&status, param, 2);
    if ((r.eax & 0xffff) != 0 && status == 0) status = 0xffff; /* failed without saying why */
    return status;
}

/* The TFTP server and the boot file from the ROM's cached DHCP reply: the
 * proxy/boot-server reply when there is one, else the DHCP ACK. */
static bool read_dhcp(kiln_err *e) {
    static const uint16_t types[] = {PXENV_PACKET_TYPE_CACHED_REPLY, PXENV_PACKET_TYPE_DHCP_ACK};
    for (size_t i = 0; i < ARRAY_LEN(types); i++) {
        struct cached_info ci = {.packet_type = types[i]};
        if (pxe_call(PXENV_GET_CACHED_INFO, &ci, sizeof ci) || !ci.buffer || ci.buffer_size < BOOTP_MIN) continue;
        const uint8_t *pkt = (const uint8_t *)(uintptr_t)far_to_linear(ci.buffer);
        const char *file = (const char *)pkt + BOOTP_FILE;
        if (!file[0] || !memcmp(pkt + BOOTP_SIADDR, "\0\0\0\0", 4)) continue;
        memcpy(server, pkt + BOOTP_SIADDR, 4);
        if (!pxe_payload_path(file, 128, path, sizeof path))
            return err_set(e, "network: the boot file name '%.128s' is too long for the payload's path", file);
        netpayload_ip_str(server, server_str);
        log_info("network: booted as '%.128s' from %s", file, server_str);
        return true;
    }
    return err_set(e, "network: the PXE ROM's DHCP reply names no TFTP server and boot file");
}

static const char *status_str(uint16_t s) {
    switch (s) {
    case PXENV_STATUS_TFTP_FILE_NOT_FOUND: return "file not found";
    case PXENV_STATUS_TFTP_ACCESS_VIOLATION: return "access violation";
    case 0xffff: return "failed";
    default: return "TFTP error";
    }
}

/* The payload's size, asked PXE_FETCH_TRIES times; a file that is not
 * there is not asked again. */
static bool file_size(uint32_t *size, kiln_err *e) {
    uint16_t st = 0;
    for (unsigned t = 1; t <= PXE_FETCH_TRIES; t++) {
        struct tftp_fsize fs = {0};
        memcpy(fs.server, server, 4);
        memcpy(fs.file, path, sizeof path);
        st = pxe_call(PXENV_TFTP_GET_FSIZE, &fs, sizeof fs);
        if (!st) {
            *size = fs.file_size;
            return true;
        }
        if (st == PXENV_STATUS_TFTP_FILE_NOT_FOUND) break;
        log_warn("network: asking for the size of '%s' failed (PXE status 0x%x, %s), attempt %u of %u", path, st,
                 status_str(st), t, PXE_FETCH_TRIES);
    }
    return err_set(e, "network: cannot fetch the payload '%s' from the TFTP server %s: PXE status 0x%x (%s)", path,
                   server_str, st, status_str(st));
}

bool pxe_booted(void) {
    uint32_t magic;
    memcpy(&magic, (const uint8_t *)(uintptr_t)PXE_STUB_BASE + PXE_STUB_MAGIC_OFFSET, 4);
    return magic == PXE_STUB_MAGIC;
}

bool pxe_init(kiln_err *e) {
    if (!find_entry(e) || !read_dhcp(e)) return false;
    uint32_t size = 0;
    if (!file_size(&size, e)) return false;
    if (size > PAYLOAD_MAX) return err_set(e, "network: the payload '%s' is %u bytes, more than 3 GiB", path, size);
    uint64_t cap = align_up(MAX((uint64_t)size, (uint64_t)PAYLOAD_HEADER_MAX), PAGE_SIZE);
    uint64_t pa = frames_alloc(cap / PAGE_SIZE, KILN_MEMORY_BOOTLOADER_RECLAIMABLE);
    if (!pa) return err_set(e, "network: no memory below 4 GiB for the %u-byte payload", size);
    uint16_t st = 0;
    uint32_t got = 0;
    for (unsigned t = 1; t <= PXE_FETCH_TRIES; t++) {
        struct tftp_read_file rf = {.buffer_size = (uint32_t)cap, .buffer = (uint32_t)pa};
        memcpy(rf.file, path, sizeof path);
        memcpy(rf.server, server, 4);
        st = pxe_call(PXENV_TFTP_READ_FILE, &rf, sizeof rf);
        got = rf.buffer_size;
        if (!st && got == size) break;
        log_warn("network: fetching '%s' failed (PXE status 0x%x, %s; %u of %u bytes), attempt %u of %u", path, st,
                 status_str(st), st ? 0 : got, size, t, PXE_FETCH_TRIES);
        if (st == PXENV_STATUS_TFTP_FILE_NOT_FOUND) break;
    }
    if (st || got != size)
        return err_set(e, "network: fetching the payload '%s' from %s failed: %s", path, server_str,
                       st ? status_str(st) : "the transfer ended early");
    memset((uint8_t *)(uintptr_t)pa + size, 0, cap - size); /* a failed try may have left bytes */
    char what[PXE_PATH_MAX + 24];
    kiln_snprintf(what, sizeof what, "'%s' from %s", path, server_str);
    log_info("network: %u bytes of payload", size);
    return netpayload_set((const uint8_t *)(uintptr_t)pa, size, cap, what, e);
}
