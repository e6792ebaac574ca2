/* int13.c - reading the Kiln partition through INT 13h (stage2.h).
 *
 * Extensions (AH=42h, 64-bit LBA) when the BIOS has them, CHS (AH=02h)
 * otherwise, as USB sticks booted in floppy emulation sometimes need. Every
 * transfer goes through the 64 KiB-aligned bounce buffer below 1 MiB, in
 * chunks of up to 127 sectors, then is copied to its destination (anywhere
 * in the first 4 GiB). Each call is tried three times, with a disk reset
 * between attempts. A CD booted through El Torito (cdboot) is read the same
 * way in its 2048-byte blocks; disks must have 512-byte sectors. */
#include "core/kstring.h"
#include "common/log.h"
#include "format/mbr.h"
#include "stage2/bios.h"
#include "stage2/lowmem.h"
#include "stage2/stage2.h"

#define SECTOR 512u
/* Sectors per call: 127 (63.5 KiB, all the 64 KiB bounce buffer holds in
 * whole sectors) is the most the EDD specification lets a caller ask for
 * with a segment:offset buffer, and what every BIOS accepts. */
#define CHUNK 127u
/* A CD's 2048-byte blocks: as many as fit in the bounce buffer short of all
 * 64 KiB (31 blocks, 62 KiB), as for disks. */
#define CD_CHUNK ((BOUNCE_SIZE - 1) / CD_BLOCK_SIZE)

static uint8_t drive;
static bool ext;
static uint32_t sector = 512; /* CD_BLOCK_SIZE on a CD */
static uint32_t spt, heads;
static uint64_t part_lba;

struct __attribute__((packed)) dap {
    uint8_t size, zero;
    uint16_t count, offset, segment;
    uint64_t lba;
};
static struct dap dap_buf;

/* Registers pointing DS:SI at a low-memory object. */
static void point_ds_si(struct bios_regs *r, const void *p) {
    uint32_t a = (uint32_t)(uintptr_t)p;
    r->ds = (uint16_t)(a >> 4);
    r->esi = a & 0xf;
}

static bool cd_init(kiln_err *e);

/* INT 13h AH=48h: the drive's bytes per sector, 0 when it does not say. */
static uint16_t drive_sector_size(void) {
    static uint8_t params[0x42] __attribute__((aligned(16)));
    struct bios_regs r;
    memset(params, 0, sizeof params);
    params[0] = 0x1e;
    bios_regs_init(&r);
    r.eax = 0x4800;
    r.edx = drive;
    point_ds_si(&r, params);
    bios_call(0x13, &r);
    if (r.eflags & EFLAGS_CF) return 0;
    return (uint16_t)(params[0x18] | params[0x19] << 8);
}

bool disk_init(uint8_t d, uint64_t plba, bool force_chs, bool cdrom, kiln_err *e) {
    struct bios_regs r;
    drive = d;
    part_lba = plba;
    if (cdrom) return cd_init(e);
    bios_regs_init(&r);
    r.eax = 0x4100;
    r.ebx = 0x55aa;
    r.edx = drive;
    bios_call(0x13, &r);
    ext = !force_chs && !(r.eflags & EFLAGS_CF) && (r.ebx & 0xffff) == 0xaa55 && (r.ecx & 1);
    if (ext) {
        /* Drive parameters: refuse sector sizes other than 512 bytes. */
        uint16_t bps = drive_sector_size();
        if (bps && bps != 512)
            return err_set(e, "disk: drive 0x%02x has %u-byte sectors; Kiln's BIOS path needs 512", drive, bps);
        log_debug("disk: drive 0x%02x read with INT 13h extensions", drive);
        return true;
    }
    bios_regs_init(&r);
    r.eax = 0x0800;
    r.edx = drive;
    bios_call(0x13, &r);
    if (r.eflags & EFLAGS_CF)
        return err_set(e, "disk: drive 0x%02x has neither INT 13h extensions nor CHS geometry (AH=08h failed)", drive);
    spt = r.ecx & 0x3f;
    heads = ((r.edx >> 8) & 0xff) + 1;
    if (!spt) return err_set(e, "disk: drive 0x%02x reports 0 sectors per track", drive);
    log_debug("disk: drive 0x%02x read with CHS (%u heads, %u sectors per track)", drive, heads, spt);
    return true;
}

/* A CD booted with El Torito: INT 13h extensions (the standard requires
 * them) in 2048-byte blocks; part_lba counts blocks (cdboot's fields). */
static bool cd_init(kiln_err *e) {
    struct bios_regs r;
    bios_regs_init(&r);
    r.eax = 0x4100;
    r.ebx = 0x55aa;
    r.edx = drive;
    bios_call(0x13, &r);
    if ((r.eflags & EFLAGS_CF) || (r.ebx & 0xffff) != 0xaa55)
        return err_set(e, "disk: CD drive 0x%02x has no INT 13h extensions", drive);
    uint16_t bps = drive_sector_size();
    if (bps && bps != CD_BLOCK_SIZE)
        return err_set(e, "disk: CD drive 0x%02x has %u-byte blocks, not %u", drive, bps, CD_BLOCK_SIZE);
    ext = true;
    sector = CD_BLOCK_SIZE;
    log_info("disk: CD drive 0x%02x, %u-byte blocks, payload at block %llu", drive, CD_BLOCK_SIZE,
             (unsigned long long)part_lba);
    return true;
}

/* Registers for an AH=42h read of `count` sectors at `lba` into the low
 * buffer at `buf` (64 KiB aligned), through the packet d. */
static void ext_read_regs(struct bios_regs *r, struct dap *d, uint64_t lba, uint16_t count, uint32_t buf) {
    *d = (struct dap){sizeof(struct dap), 0, count, 0, (uint16_t)(buf >> 4), lba};
    bios_regs_init(r);
    r->eax = 0x4200;
    r->edx = drive;
    point_ds_si(r, d);
}

/* The sectors an AH=42h read that succeeded transferred: it reports them
 * in the packet; believe a partial count (some BIOSes leave the field
 * alone: 0). */
static uint32_t ext_read_count(const struct dap *d, uint32_t asked) {
    return d->count && d->count < asked ? d->count : asked;
}

static void reset(void) {
    struct bios_regs r;
    bios_regs_init(&r);
    r.edx = drive;
    bios_call(0x13, &r);
}

/* Read `count` sectors at `lba` into the bounce buffer; returns the number
 * actually read (CHS reads stop at the end of a track), 0 on failure. */
static uint32_t read_to_bounce(uint64_t lba, uint32_t count, uint8_t *status) {
    struct bios_regs r;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (attempt) reset();
        if (ext) {
            ext_read_regs(&r, &dap_buf, lba, (uint16_t)count, BOUNCE_BASE);
        } else {
            bios_regs_init(&r);
            uint64_t cyl = lba / (spt * heads);
            uint32_t head = (uint32_t)((lba / spt) % heads), sec = (uint32_t)(lba % spt) + 1;
            if (cyl > 1023) {
                *status = 0xff;
                return 0;
            }
            count = MIN(count, spt - sec + 1);
            r.eax = 0x0200 | count;
            r.ecx = (uint32_t)((cyl & 0xff) << 8) | sec | (uint32_t)((cyl >> 2) & 0xc0);
            r.edx = (head << 8) | drive;
            r.es = BOUNCE_BASE >> 4;
            r.ebx = 0;
        }
        bios_call(0x13, &r);
        if (!(r.eflags & EFLAGS_CF)) return ext ? ext_read_count(&dap_buf, count) : count;
        *status = (uint8_t)(r.eax >> 8);
    }
    return 0;
}

/* Up to DISK_BUFFERS chunks of `want` sectors at `lba` in one trip to real
 * mode (bios_calls), chunk i into disk buffer i; got[i] is what each read.
 * Returns how many chunks came in, in order: after a short or failed one
 * the rest is left for the next trip, and 0 (the first one failed) sends
 * the caller to read_to_bounce, whose retries and message are the same as
 * for an unbatched read. */
static unsigned read_batch(uint64_t lba, uint64_t want, uint32_t got[DISK_BUFFERS]) {
    static struct dap daps[DISK_BUFFERS];
    struct bios_regs r[DISK_BUFFERS];
    uint16_t planned[DISK_BUFFERS];
    unsigned n = 0;
    for (; n < DISK_BUFFERS && want; n++) {
        planned[n] = (uint16_t)MIN(want, CHUNK);
        ext_read_regs(&r[n], &daps[n], lba, planned[n], disk_buffer(n));
        lba += planned[n], want -= planned[n];
    }
    unsigned made = bios_calls(0x13, r, n), in = 0;
    for (; in < made && !(r[in].eflags & EFLAGS_CF); in++) {
        got[in] = ext_read_count(&daps[in], planned[in]);
        if (got[in] < planned[in]) return in + 1;
    }
    return in;
}

bool disk_read_payload(uint64_t offset, void *dst, uint64_t size, struct sum128 *sum, const struct read_tee *tees,
                       size_t ntees, kiln_err *e) {
    uint8_t *out = dst;
    /* Each chunk is summed as it leaves its buffer. The chunks after the
     * first start on a sector, so from an 8-byte aligned offset each is a
     * whole number of the sum's words, as summing in one call needs. */
    struct sum128 *fused = offset % 8 ? NULL : sum;
    while (size) {
        uint64_t lba = part_lba + offset / sector;
        uint32_t skip = (uint32_t)(offset % sector);
        uint64_t want = (skip + size + sector - 1) / sector;
        uint32_t got[DISK_BUFFERS];
        unsigned chunks = ext && sector == SECTOR ? read_batch(lba, want, got) : 0;
        const uint8_t *from = (const uint8_t *)(uintptr_t)disk_buffer(0);
        if (!chunks) {
            uint8_t status = 0;
            got[0] = read_to_bounce(lba, (uint32_t)MIN(want, sector == SECTOR ? CHUNK : CD_CHUNK), &status);
            if (!got[0]) {
                if (status == 0xff)
                    return err_set(e, "disk: sector %llu is beyond what CHS addressing reaches", (unsigned long long)lba);
                return err_set(e, "disk: reading sector %llu of drive 0x%02x failed (INT 13h status 0x%02x, %s)",
                               (unsigned long long)lba, drive, status, ext ? "LBA" : "CHS");
            }
            chunks = 1;
            from = (const uint8_t *)(uintptr_t)BOUNCE_BASE;
        }
        for (unsigned i = 0; i < chunks; i++, from += DISK_BUFFER_SIZE, skip = 0) {
            uint64_t n = MIN((uint64_t)got[i] * sector - skip, size);
            sum128_copy_tees(fused, out, from + skip, (uint64_t)(out - (uint8_t *)dst), n, tees, ntees);
            out += n;
            offset += n;
            size -= n;
        }
    }
    if (sum && !fused) sum128_update(sum, dst, (uint64_t)(out - (uint8_t *)dst));
    return true;
}
