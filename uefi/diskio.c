/* diskio.c - finding and reading the Kiln partition under UEFI.
 *
 * BOOTX64.EFI is loaded from the EFI system partition; the payload is in
 * the Kiln partition of the same disk. The disk is the handle whose device
 * path is the ESP's path up to its first hard-drive node; its GPT
 * (format/gpt.c, the parser `kiln info` uses too) names the Kiln partition
 * by type GUID. Reads go through DiskIo, which takes byte offsets and any
 * buffer alignment, directly into the destination. Firmware without DiskIo
 * on the disk (U-Boot's UEFI) gets BlockIo reads instead: whole blocks, into
 * buffers aligned to the media's IoAlign (read_blocks).
 *
 * Booted from a CD (a Kiln ISO, El Torito EFI entry), the path ends in a
 * CD-ROM node instead, and the device has 2048-byte blocks; the ISO's GPT
 * (docs/iso.md) is laid out in 512-byte sectors, as on the USB stick the
 * same file is written to, so it is looked for in 512-byte units too. */
#include "common/frames.h"
#include "common/log.h"
#include "core/kstring.h"
#include "format/gpt.h"
#include "uefi/efi.h"

static EFI_DISK_IO *dio;    /* NULL: the firmware has none; read through bio */
static EFI_BLOCK_IO *bio;
static UINT32 media_id;
static uint32_t block_size, io_align; /* io_align: 1 = any address */
static uint8_t *bounce;               /* BlockIo path: BOUNCE_BYTES, aligned to io_align */
static uint64_t part_offset, part_size;

#define READ_CHUNK (4u << 20)   /* DiskIo's fallback, BlockIo's piece: some firmware fails large single reads */
#define BOUNCE_BYTES (64u << 10) /* a multiple of every supported block size */
#define IO_ALIGN_MAX (1u << 20)
#define GPT_ENTRIES_AHEAD (16u << 10) /* read with the GPT header: 128 entries of 128 bytes */

static size_t dp_node_len(const EFI_DEVICE_PATH *n) { return (size_t)n->Length[0] | (size_t)n->Length[1] << 8; }
static bool dp_end(const EFI_DEVICE_PATH *n) { return n->Type == 0x7f && n->SubType == 0xff; }

/* Length in bytes of a device path without its end node, or 0 if it looks
 * malformed (a node shorter than its header, or absurdly long). */
static size_t dp_len(const EFI_DEVICE_PATH *dp) {
    size_t len = 0;
    for (int i = 0; i < 256; i++) {
        if (dp_end(dp)) return len;
        size_t n = dp_node_len(dp);
        if (n < 4) return 0;
        len += n;
        dp = (const EFI_DEVICE_PATH *)((const uint8_t *)dp + n);
    }
    return 0;
}

/* BlockIo reads whole blocks into a buffer aligned to IoAlign. Blocks go
 * straight into the destination when it is aligned and the read covers
 * them whole; the partial blocks at either end (and everything, when the
 * destination is misaligned) go through the bounce buffer. */
static bool read_blocks(uint64_t off, uint8_t *p, uint64_t size) {
    while (size) {
        uint64_t lba = off / block_size, skip = off % block_size;
        uint64_t n;
        if (!skip && size >= block_size && (uintptr_t)p % io_align == 0) {
            n = MIN(size - size % block_size, (uint64_t)READ_CHUNK);
            if (EFI_ERROR(bio->ReadBlocks(bio, media_id, lba, (UINTN)n, p))) return false;
        } else {
            n = MIN(size, BOUNCE_BYTES - skip);
            uint64_t span = align_up(skip + n, block_size);
            if (EFI_ERROR(bio->ReadBlocks(bio, media_id, lba, (UINTN)span, bounce))) return false;
            memcpy(p, bounce + skip, n);
        }
        p += n, off += n, size -= n;
    }
    return true;
}

/* Through DiskIo: one ReadDisk call for the whole range (a file is one
 * read); if the firmware refuses a read that large, the same range in
 * 4 MiB pieces. */
static bool read_disk(uint64_t off, void *dst, uint64_t size) {
    uint8_t *p = dst;
    if (!dio) return read_blocks(off, p, size);
    if (size > READ_CHUNK && size == (UINTN)size && !EFI_ERROR(dio->ReadDisk(dio, media_id, off, (UINTN)size, p)))
        return true;
    while (size) {
        UINTN n = (UINTN)MIN(size, (uint64_t)READ_CHUNK);
        if (EFI_ERROR(dio->ReadDisk(dio, media_id, off, n, p))) return false;
        p += n, off += n, size -= n;
    }
    return true;
}

/* Reads and checks the GPT header at `lba` and its entry array (format/gpt.c);
 * finds the Kiln partition. */
static bool scan_gpt(uint64_t lba, uint32_t bsize, uint64_t last_lba, kiln_err *e) {
    struct gpt_header h;
    /* The header and the 16 KiB after it in one read: the primary's entry
     * array is there (LBA 2) on every disk Kiln makes, and under OVMF each
     * read costs about 150,000 instructions whatever its size. */
    uint64_t span = MIN((uint64_t)GPT_ENTRIES_AHEAD / bsize + 1, last_lba - lba + 1);
    uint8_t *hdr = heap_alloc(span * bsize);
    if (!hdr || !read_disk(lba * bsize, hdr, span * bsize))
        return err_set(e, "disk: cannot read the GPT header at LBA %llu", (unsigned long long)lba);
    if (!gpt_parse_header(hdr, bsize, lba, last_lba, &h, e)) return err_prefix(e, "disk");
    const uint8_t *ents;
    if (h.entries_lba > lba && h.entries_lba - lba < span && h.entries_bytes <= (span - (h.entries_lba - lba)) * bsize) {
        ents = hdr + (h.entries_lba - lba) * bsize;
    } else {
        uint8_t *buf = heap_alloc(h.entries_bytes);
        if (!buf || !read_disk(h.entries_lba * bsize, buf, h.entries_bytes))
            return err_set(e, "disk: cannot read the GPT entries");
        ents = buf;
    }
    if (!gpt_check_entries(&h, ents, e)) return err_prefix(e, "disk");
    struct gpt_entry kiln;
    if (gpt_find(&h, ents, gpt_type_kiln, &kiln) < 0)
        return err_set(e, "disk: the boot disk has no Kiln partition; was it made by `kiln image --kind hybrid|uefi`?");
    if (!gpt_entry_valid(&h, &kiln, e)) return err_prefix(e, "disk: the Kiln partition");
    part_offset = kiln.first_lba * bsize;
    part_size = (kiln.last_lba - kiln.first_lba + 1) * bsize;
    return true;
}

/* The BlockIo path's bounce buffer, aligned to the media's IoAlign (0 and
 * 1 mean any address; otherwise a power of two, UEFI spec 13.9). */
static bool blockio_setup(uint32_t align, kiln_err *e) {
    if (align > IO_ALIGN_MAX || (align & (align - 1)))
        return err_set(e, "disk: the disk's BlockIo IoAlign %u is not a power of two up to 1 MiB", align);
    io_align = align ? align : 1;
    uint64_t pages = (BOUNCE_BYTES + (io_align > PAGE_SIZE ? io_align : 0)) / PAGE_SIZE;
    uint64_t pa = frames_alloc(pages, KILN_MEMORY_BOOTLOADER_RECLAIMABLE);
    if (!pa) return err_set(e, "disk: no memory for a %u-byte BlockIo buffer", BOUNCE_BYTES);
    bounce = phys_ptr(align_up(pa, io_align)); /* pages are 4 KiB-aligned already */
    log_info("disk: no DiskIo protocol: reading through BlockIo (%u-byte blocks, IoAlign %u)", block_size, io_align);
    return true;
}

bool efi_disk_init(kiln_err *e) {
    static EFI_GUID lip = LOADED_IMAGE_PROTOCOL, dpp = DEVICE_PATH_PROTOCOL, bip = BLOCK_IO_PROTOCOL,
                    dip = DISK_IO_PROTOCOL;
    EFI_LOADED_IMAGE *li;
    EFI_DEVICE_PATH *dp;
    if (EFI_ERROR(bs->HandleProtocol(image_handle, &lip, (void **)&li)))
        return err_set(e, "disk: no LoadedImage protocol on our own image");
    if (EFI_ERROR(bs->HandleProtocol(li->DeviceHandle, &dpp, (void **)&dp)))
        return err_set(e, "disk: the device we were loaded from has no device path");
    /* The prefix of the ESP's path up to its first hard-drive (or CD-ROM)
     * node is the disk. The first: booted from a CD, OVMF may find an "MBR"
     * in the El Torito FAT image's boot sector and add a hard-drive node
     * after the CD-ROM node. */
    size_t prefix = 0, off = 0;
    const EFI_DEVICE_PATH *n = dp;
    for (int i = 0; i < 256 && !prefix && !dp_end(n) && dp_node_len(n) >= 4; i++) {
        if (n->Type == MEDIA_DEVICE_PATH &&
            (n->SubType == MEDIA_HARDDRIVE_DP || n->SubType == MEDIA_CDROM_DP))
            prefix = off;
        off += dp_node_len(n);
        n = (const EFI_DEVICE_PATH *)((const uint8_t *)n + dp_node_len(n));
    }
    if (!prefix) return err_set(e, "disk: we were not loaded from a hard-disk or CD partition (no partition node in the device path)");

    UINTN count = 0;
    EFI_HANDLE *handles = NULL;
    if (EFI_ERROR(bs->LocateHandleBuffer(ByProtocol, &bip, NULL, &count, &handles)))
        return err_set(e, "disk: no block devices");
    EFI_HANDLE disk = NULL;
    for (UINTN i = 0; i < count && !disk; i++) {
        EFI_DEVICE_PATH *hdp;
        if (EFI_ERROR(bs->HandleProtocol(handles[i], &dpp, (void **)&hdp))) continue;
        if (dp_len(hdp) == prefix && memcmp(hdp, dp, prefix) == 0) disk = handles[i];
    }
    bs->FreePool(handles);
    if (!disk) return err_set(e, "disk: cannot find the disk that holds the EFI system partition");
    if (EFI_ERROR(bs->HandleProtocol(disk, &bip, (void **)&bio)) || !bio->Media)
        return err_set(e, "disk: the boot disk has no BlockIo protocol");
    media_id = bio->Media->MediaId;
    uint32_t bsize = bio->Media->BlockSize;
    uint64_t last = bio->Media->LastBlock;
    if (bsize < 512 || bsize > BOUNCE_BYTES || (bsize & (bsize - 1)))
        return err_set(e, "disk: block size %u is not supported", bsize);
    block_size = bsize;
    if (EFI_ERROR(bs->HandleProtocol(disk, &dip, (void **)&dio))) {
        dio = NULL;
        if (!blockio_setup(bio->Media->IoAlign, e)) return false;
    }
    /* Primary GPT at LBA 1; if it is damaged, the backup at the last LBA. */
    kiln_err first;
    if (scan_gpt(1, bsize, last, &first)) return true;
    if (scan_gpt(last, bsize, last, e)) return true;
    if (bsize != 512) {
        /* A CD: the ISO's GPT counts 512-byte sectors (DiskIo reads bytes). */
        uint64_t last512 = (last + 1) * (bsize / 512) - 1;
        bool ok = scan_gpt(1, 512, last512, &first) || scan_gpt(last512, 512, last512, e);
        if (ok) log_info("disk: a CD with %u-byte blocks; the payload found through its 512-byte GPT", bsize);
        if (ok) return true;
    }
    *e = first;
    return false;
}

uint64_t efi_disk_size(void) { return part_size; }

bool efi_disk_read(uint64_t offset, void *dst, uint64_t size, struct sum128 *sum, const struct read_tee *tees,
                   size_t ntees, kiln_err *e) {
    uint64_t end;
    if (!add_ok(offset, size, &end) || end > part_size)
        return err_set(e, "disk: read of %llu bytes at %llu runs past the Kiln partition (%llu bytes)",
                       (unsigned long long)size, (unsigned long long)offset, (unsigned long long)part_size);
    if (!read_disk(part_offset + offset, dst, size))
        return err_set(e, "disk: reading %llu bytes at offset %llu failed", (unsigned long long)size,
                       (unsigned long long)offset);
    if (sum) sum128_update(sum, dst, size); /* the firmware wrote it: a pass of our own */
    read_tees_copy(dst, tees, ntees);
    return true;
}
