/* pxedir.c - the network-boot folder (`kiln image --kind pxe -o DIR`):
 * PXE_BIOS_NAME (the PXE stub followed by stage 2), PXE_UEFI_NAME (the
 * UEFI loader) and PXE_PAYLOAD_NAME (the payload, byte for byte what a disk
 * image's Kiln partition holds). docs/network-boot.md describes the DHCP
 * and TFTP setup that serves it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/mbr.h"
#include "format/pxe.h"
#include "tools/kiln/image/image.h"
#include "tools/kiln/util/die.h"

/* One file of the folder, replaced atomically (out_open writes a temporary
 * file and renames it). */
static void write_one(const char *dir, const char *name, const uint8_t *a, size_t alen, const uint8_t *b,
                      size_t blen) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = xmalloc(n);
    snprintf(path, n, "%s/%s", dir, name);
    struct out_file out;
    out_open(&out, path);
    out_write_at(&out, a, alen, 0);
    if (blen) out_write_at(&out, b, blen, alen);
    out_commit(&out);
    free(path);
}

void pxe_dir_write(const char *dir, const uint8_t *stage2, size_t s2, const uint8_t *efi, size_t esize,
                   const struct payload_out *p, uint64_t payload_size) {
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            die("%s: exists and is not a directory; --kind pxe writes a folder of files for a TFTP server", dir);
    } else if (mkdir(dir, 0755) != 0) {
        die("%s: cannot create the folder: %s", dir, strerror(errno));
    }
    size_t stub = (size_t)(kiln_pxe_stub_end - kiln_pxe_stub);
    if (stub != PXE_STUB_SIZE || PXE_STUB_BASE + stub != STAGE2_BASE)
        die("internal: the PXE stub is %zu bytes, not %u", stub, PXE_STUB_SIZE);
    /* The PXE ROM loads the whole program at 0x7C00: stage 2 must end
     * below the bounce buffer as it must when stage 1 loads it. Stage 2's
     * first sector checks that its loader brought all of it by the count
     * in stage 1's field, which the stub holds at the same offset. */
    uint64_t sectors = align_up(s2, 512) / 512;
    if (sectors > STAGE2_MAX_SECTORS) die("stage2 is larger than the network boot program may be");
    uint8_t head[PXE_STUB_SIZE];
    memcpy(head, kiln_pxe_stub, stub);
    head[PXE_STUB_STAGE2_SECTORS] = (uint8_t)sectors;
    head[PXE_STUB_STAGE2_SECTORS + 1] = (uint8_t)(sectors >> 8);
    write_one(dir, PXE_BIOS_NAME, head, stub, stage2, s2);
    /* BOOTX64.EFI checks itself against the CRC sealed into it
     * (format/efiseal.h), as on a disk's ESP; build.c sealed it (and, with
     * a key, put the payload's hash in and signed it). */
    write_one(dir, PXE_UEFI_NAME, efi, esize, NULL, 0);
    /* The payload last: a folder with it is complete (kiln run's cache
     * looks for it). Written as disk_write writes a Kiln partition: the
     * header and each item at its offset, zeros between; atomically. */
    size_t n = strlen(dir) + strlen(PXE_PAYLOAD_NAME) + 2;
    char *path = xmalloc(n);
    snprintf(path, n, "%s/%s", dir, PXE_PAYLOAD_NAME);
    struct out_file out;
    out_open(&out, path);
    out_truncate(&out, payload_size);
    out_write_at(&out, p->header, p->header_size, 0);
    for (uint32_t i = 0; i < p->n; i++)
        if (p->items[i].size) out_write_at(&out, p->items[i].data, p->items[i].size, p->offsets[i]);
    out_commit(&out);
    free(path);
}
