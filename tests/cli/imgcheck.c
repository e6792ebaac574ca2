/* imgcheck.c - an independent reader of Kiln disk images, for
 * tests/cli/image.sh. It shares no code with the kiln tool on purpose: the
 * MBR, GPT and payload layouts are written down here a second time, from
 * the UEFI specification and docs/disk-layout.md, so that a mistake in
 * tools/kiln/image/partitions.c is not repeated by its own checker.
 *
 *   imgcheck verify KIND IMAGE [KERNEL [MODULE]]
 *       KIND is bios, hybrid or uefi. Prints "PASS name" or "FAIL name: why"
 *       per check; exit status 1 if any failed. KERNEL and MODULE, if
 *       given, must be stored byte for byte in the payload.
 *   imgcheck esp IMAGE       byte offset of the EFI system partition
 *   imgcheck kernel IMAGE    byte offset and size of the kernel's payload entry
 *   imgcheck flip IMAGE OFF  invert the byte at OFF in place
 *
 * Plain C, little-endian host assumed. */
#define TOOL "imgcheck"
#include "testtool.h"

#define SECTOR 512u

static int failures;
static int quiet; /* esp, kernel: no PASS/FAIL lines */

static void pass(const char *name) {
    if (!quiet) printf("PASS %s\n", name);
}

static void failf(const char *name, const char *fmt, ...) {
    va_list ap;
    failures++;
    if (quiet) return;
    printf("FAIL %s: ", name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* CRC-32 (IEEE 802.3, reflected, as GPT and the payload use it), bit by bit. */
static uint32_t crc32(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

/* The payload's sum128 (core/sum128.h), from its definition: words of 8
 * little-endian bytes, the last one zero-padded; a = sum of the words,
 * b = sum of the running a. */
static void sum128(const uint8_t *p, uint64_t n, unsigned __int128 *a, unsigned __int128 *b) {
    *a = *b = 0;
    for (uint64_t i = 0; i < n; i += 8) {
        uint64_t w = 0;
        for (uint64_t k = 0; k < 8 && i + k < n; k++) w |= (uint64_t)p[i + k] << (8 * k);
        *a += w;
        *b += *a;
    }
}

/* Stage 2's self-check (docs/disk-layout.md, stage 2's header), from its
 * definition: little-endian 32-bit words, a = sum of the words, b = sum of
 * the running a, both in 64 bits. */
static void stage2_sums(const uint8_t *p, uint64_t n, uint64_t *a, uint64_t *b) {
    *a = *b = 0;
    for (uint64_t i = 0; i + 4 <= n; i += 4) {
        *a += (uint64_t)p[i] | (uint64_t)p[i + 1] << 8 | (uint64_t)p[i + 2] << 16 | (uint64_t)p[i + 3] << 24;
        *b += *a;
    }
}

static const uint8_t ZERO[128];

/* GUIDs as they are stored: the first three fields little endian. */
static void guid_bytes(const char *s, uint8_t g[16]) {
    unsigned a, b, c, d[8];
    if (sscanf(s, "%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x", &a, &b, &c, &d[0], &d[1], &d[2], &d[3], &d[4], &d[5],
               &d[6], &d[7]) != 11)
        die("bad GUID %s", s);
    g[0] = (uint8_t)a, g[1] = (uint8_t)(a >> 8), g[2] = (uint8_t)(a >> 16), g[3] = (uint8_t)(a >> 24);
    g[4] = (uint8_t)b, g[5] = (uint8_t)(b >> 8), g[6] = (uint8_t)c, g[7] = (uint8_t)(c >> 8);
    for (int i = 0; i < 8; i++) g[8 + i] = (uint8_t)d[i];
}

struct part {
    uint64_t first, last; /* inclusive LBAs */
    const uint8_t *guid;  /* unique partition GUID (GPT only) */
};

struct image {
    const uint8_t *b;
    size_t size;
    uint64_t sectors, last;
    int kind; /* 0 bios, 1 hybrid, 2 uefi */
    struct part esp, kiln;
    int have_esp, have_kiln;
};

/* One GPT header: fields, CRCs and its entry array. */
static int gpt_header(const struct image *im, uint64_t lba, uint64_t alt, uint64_t array_lba, const char *name) {
    const uint8_t *h = im->b + lba * SECTOR;
    uint8_t hdr[92];
    int bad = failures;
    if (memcmp(h, "EFI PART", 8)) {
        failf(name, "no \"EFI PART\" signature at LBA %llu", (unsigned long long)lba);
        return 0;
    }
    if (g32(h + 8) != 0x00010000) failf(name, "revision 0x%08x, expected 0x00010000", g32(h + 8));
    if (g32(h + 12) != 92) failf(name, "header size %u, expected 92", g32(h + 12));
    memcpy(hdr, h, 92);
    memset(hdr + 16, 0, 4);
    if (crc32(hdr, 92) != g32(h + 16)) failf(name, "header CRC32 %08x, computed %08x", g32(h + 16), crc32(hdr, 92));
    if (g32(h + 20)) failf(name, "reserved field at offset 20 is %08x", g32(h + 20));
    if (memcmp(h + 92, ZERO, 128) || memcmp(h + 220, ZERO, 128) || memcmp(h + 348, ZERO, 128) ||
        memcmp(h + 476, ZERO, 36))
        failf(name, "the rest of the header sector is not zero");
    if (g64(h + 24) != lba) failf(name, "MyLBA %llu, expected %llu", (unsigned long long)g64(h + 24), (unsigned long long)lba);
    if (g64(h + 32) != alt)
        failf(name, "AlternateLBA %llu, expected %llu", (unsigned long long)g64(h + 32), (unsigned long long)alt);
    if (g64(h + 40) != 34) failf(name, "FirstUsableLBA %llu, expected 34", (unsigned long long)g64(h + 40));
    /* The backup array takes LBAs last-32..last-1, so last-33 is the last usable one. */
    if (g64(h + 48) != im->last - 33)
        failf(name, "LastUsableLBA %llu, expected %llu (last LBA - 33)", (unsigned long long)g64(h + 48),
              (unsigned long long)(im->last - 33));
    if (g64(h + 72) != array_lba)
        failf(name, "PartitionEntryLBA %llu, expected %llu", (unsigned long long)g64(h + 72),
              (unsigned long long)array_lba);
    uint32_t n = g32(h + 80), es = g32(h + 84);
    if (n != 128 || es != 128) {
        failf(name, "%u entries of %u bytes, expected 128 x 128", n, es);
        return 0;
    }
    if (array_lba + 32 > im->sectors) {
        failf(name, "entry array past the end of the disk");
        return 0;
    }
    uint32_t c = crc32(im->b + array_lba * SECTOR, 128 * 128);
    if (c != g32(h + 88)) failf(name, "PartitionEntryArrayCRC32 %08x, computed %08x", g32(h + 88), c);
    if (failures == bad) pass(name);
    return failures == bad;
}

static void check_gpt(struct image *im) {
    const uint8_t *p = im->b + SECTOR, *q = im->b + im->last * SECTOR;
    int ok1 = gpt_header(im, 1, im->last, 2, "gpt-primary");
    int ok2 = gpt_header(im, im->last, 1, im->last - 32, "gpt-backup");
    if (!ok1 || !ok2) return;
    /* Same disk, same partitions: everything but the LBAs and CRC agrees. */
    if (memcmp(p + 40, q + 40, 32) || memcmp(p + 80, q + 80, 12))
        failf("gpt-backup-matches", "usable range, disk GUID or array description differs");
    else if (memcmp(im->b + 2 * SECTOR, im->b + (im->last - 32) * SECTOR, 128 * 128))
        failf("gpt-backup-matches", "the backup entry array is not byte-identical to the primary");
    else
        pass("gpt-backup-matches");

    uint8_t esp_type[16], kiln_type[16];
    guid_bytes("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", esp_type);
    guid_bytes("4B4C4E31-5B1E-4C4E-8D2A-6B696C6E0001", kiln_type);
    const uint8_t *arr = im->b + 2 * SECTOR;
    int used = 0, bad = failures;
    for (int i = 0; i < 128; i++) {
        const uint8_t *e = arr + i * 128;
        if (!memcmp(e, ZERO, 16)) {
            if (memcmp(e, ZERO, 128)) failf("gpt-entries", "unused entry %d is not all zero", i);
            continue;
        }
        used++;
        struct part pt = {g64(e + 32), g64(e + 40), e + 16};
        if (!memcmp(e, esp_type, 16) && !im->have_esp) im->esp = pt, im->have_esp = 1;
        else if (!memcmp(e, kiln_type, 16) && !im->have_kiln) im->kiln = pt, im->have_kiln = 1;
        else failf("gpt-entries", "entry %d has an unexpected or repeated type", i);
    }
    if (used != 2) failf("gpt-entries", "%d partitions, expected 2 (ESP and Kiln)", used);
    if (!im->have_esp || !im->have_kiln) {
        failf("gpt-entries", "missing the %s partition", im->have_esp ? "Kiln" : "EFI system");
        return;
    }
    if (failures == bad) pass("gpt-entries");

    const struct part *ps[2] = {&im->esp, &im->kiln};
    const char *names[2] = {"ESP", "Kiln"};
    bad = failures;
    for (int i = 0; i < 2; i++) {
        const struct part *x = ps[i];
        if (x->first % 2048) failf("gpt-aligned", "%s starts at LBA %llu, not on a 1 MiB boundary", names[i],
                                   (unsigned long long)x->first);
        if (x->last < x->first || x->first < 34 || x->last > im->last - 33)
            failf("gpt-in-usable-range", "%s LBA %llu-%llu is not inside 34-%llu", names[i],
                  (unsigned long long)x->first, (unsigned long long)x->last, (unsigned long long)(im->last - 33));
        /* The GPT structures: LBA 0-33 and last-32..last. */
        if (x->first <= 33 || x->last >= im->last - 32)
            failf("gpt-no-overlap", "%s overlaps the partition tables", names[i]);
    }
    if (!(im->esp.last < im->kiln.first || im->kiln.last < im->esp.first))
        failf("gpt-no-overlap", "the ESP and the Kiln partition overlap");
    if (failures == bad) pass("gpt-layout");

    const uint8_t *disk_guid = p + 56;
    if (!memcmp(disk_guid, ZERO, 16) || !memcmp(im->esp.guid, ZERO, 16) || !memcmp(im->kiln.guid, ZERO, 16))
        failf("gpt-guids", "a GUID is zero");
    else if (!memcmp(im->esp.guid, im->kiln.guid, 16) || !memcmp(im->esp.guid, disk_guid, 16) ||
             !memcmp(im->kiln.guid, disk_guid, 16))
        failf("gpt-guids", "the partition GUIDs and the disk GUID are not all different");
    else
        pass("gpt-guids");
}

static void check_mbr(struct image *im) {
    const uint8_t *m = im->b;
    if (m[510] == 0x55 && m[511] == 0xaa) pass("mbr-signature");
    else failf("mbr-signature", "bytes 510-511 are %02x %02x", m[510], m[511]);
    const uint8_t *e = m + 446;
    int nused = 0;
    for (int i = 0; i < 4; i++)
        if (e[16 * i + 4]) nused++;
    for (int i = 1; i < 4; i++)
        if (memcmp(e + 16 * i, ZERO, 16)) failf("mbr-entries", "entry %d is not empty", i + 1);
    if (nused != 1) {
        failf("mbr-entries", "%d partition entries, expected exactly 1", nused);
        return;
    }
    uint8_t status = e[0], type = e[4];
    uint32_t start = g32(e + 8), count = g32(e + 12);
    int bad = failures;
    if (im->kind == 0) {
        if (type != 0x7f) failf("mbr-entries", "type 0x%02x, expected 0x7f", type);
        if (status != 0x80) failf("mbr-entries", "status 0x%02x, expected 0x80 (active)", status);
        if (start != 2048) failf("mbr-entries", "starts at LBA %u, expected 2048", start);
        if (count == 0 || start + (uint64_t)count > im->sectors)
            failf("mbr-entries", "%u sectors from LBA %u do not fit the %llu-sector disk", count, start,
                  (unsigned long long)im->sectors);
        im->kiln = (struct part){start, start + (uint64_t)count - 1, NULL};
        im->have_kiln = 1;
    } else {
        uint64_t want = im->sectors - 1 > 0xffffffffu ? 0xffffffffu : im->sectors - 1;
        uint8_t want_status = im->kind == 1 ? 0x80 : 0x00;
        if (type != 0xee) failf("mbr-entries", "type 0x%02x, expected 0xee (GPT protective)", type);
        if (status != want_status) failf("mbr-entries", "status 0x%02x, expected 0x%02x", status, want_status);
        if (start != 1) failf("mbr-entries", "starts at LBA %u, expected 1", start);
        if (count != want) failf("mbr-entries", "%u sectors, expected %llu", count, (unsigned long long)want);
    }
    if (failures == bad) pass("mbr-entries");
    if (im->kind == 2) {
        if (memcmp(m, ZERO, 128) || memcmp(m + 128, ZERO, 128) || memcmp(m + 256, ZERO, 128) ||
            memcmp(m + 384, ZERO, 56))
            failf("mbr-no-boot-code", "the boot code area (bytes 0-439) of a UEFI-only image is not zero");
        else
            pass("mbr-no-boot-code");
    }
}

/* Stage 1's fields: Kiln partition LBA, stage 2 LBA and sector count. */
static void check_stage1(const struct image *im, uint64_t *s2lba, uint32_t *s2count) {
    const uint8_t *m = im->b;
    uint64_t plba = g64(m + 0x1a4);
    *s2lba = g64(m + 0x1ac);
    *s2count = g16(m + 0x1b4);
    int bad = failures;
    if (!im->have_kiln) return;
    if (plba != im->kiln.first)
        failf("stage1-fields", "payload LBA %llu, the Kiln partition starts at %llu", (unsigned long long)plba,
              (unsigned long long)im->kiln.first);
    if (*s2count == 0) failf("stage1-fields", "stage 2 sector count is 0");
    if (*s2lba < im->kiln.first || *s2lba + *s2count - 1 > im->kiln.last)
        failf("stage1-fields", "stage 2 at LBA %llu (+%u) is not inside the Kiln partition %llu-%llu",
              (unsigned long long)*s2lba, *s2count, (unsigned long long)im->kiln.first,
              (unsigned long long)im->kiln.last);
    if (failures == bad) pass("stage1-fields");
}

/* The payload at the start of the Kiln partition (payload.h layout). */
static const uint8_t *find_entry(const uint8_t *pl, uint32_t type, uint64_t *off, uint64_t *size) {
    uint32_t n = g32(pl + 16);
    for (uint32_t i = 0; i < n && i < 64; i++) {
        const uint8_t *e = pl + 32 + 120 * i;
        if (g32(e) == type) {
            *off = g64(e + 8), *size = g64(e + 16);
            return e;
        }
    }
    return NULL;
}

static void check_payload(const struct image *im, uint64_t s2lba, uint32_t s2count, const char *kpath,
                          const char *mpath) {
    if (!im->have_kiln) return;
    const uint8_t *pl = im->b + im->kiln.first * SECTOR;
    uint64_t avail = (im->kiln.last - im->kiln.first + 1) * SECTOR;
    if (memcmp(pl, "KILNPAYL", 8) || g32(pl + 8) != 2) {
        failf("payload-header", "no \"KILNPAYL\" version 2 header at the start of the Kiln partition");
        return;
    }
    uint32_t hsize = g32(pl + 12), n = g32(pl + 16);
    if (n == 0 || n > 64 || hsize != 32 + 120 * n || g64(pl + 24) > avail) {
        failf("payload-header", "header size %u, %u entries, total %llu: inconsistent", hsize, n,
              (unsigned long long)g64(pl + 24));
        return;
    }
    uint8_t *h = malloc(hsize);
    memcpy(h, pl, hsize);
    memset(h + 20, 0, 4);
    if (crc32(h, hsize) != g32(pl + 20)) failf("payload-header", "header CRC %08x, computed %08x", g32(pl + 20), crc32(h, hsize));
    else pass("payload-header");
    free(h);
    int bad = failures;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = pl + 32 + 120 * i;
        uint64_t off = g64(e + 8), size = g64(e + 16);
        if (off % 4096 || off < hsize || off > avail || size > avail - off) {
            failf("payload-entries", "entry %u (offset %llu, %llu bytes) is misplaced", i, (unsigned long long)off,
                  (unsigned long long)size);
            continue;
        }
        unsigned __int128 a, b;
        sum128(pl + off, size, &a, &b);
        if ((uint64_t)a != g64(e + 24) || (uint64_t)(a >> 64) != g64(e + 32) || (uint64_t)b != g64(e + 40) ||
            (uint64_t)(b >> 64) != g64(e + 48))
            failf("payload-entries", "entry %u: sum mismatch", i);
        if (g32(e + 4) != (g32(e) == 2 ? crc32(pl + off, size) : 0)) failf("payload-entries", "entry %u: CRC-32 wrong", i);
    }
    if (failures == bad) pass("payload-entries");

    uint64_t off, size;
    const uint8_t *s2 = find_entry(pl, 4, &off, &size);
    if (im->kind == 2) {
        if (s2) failf("payload-stage2", "a UEFI-only image carries stage 2");
        else pass("payload-stage2");
    } else if (!s2) {
        failf("payload-stage2", "no stage 2 entry");
    } else if (off % SECTOR || im->kiln.first + off / SECTOR != s2lba || (size + SECTOR - 1) / SECTOR != s2count) {
        failf("payload-stage2", "stage 1 loads %u sectors from LBA %llu; stage 2 is %llu bytes at LBA %llu", s2count,
              (unsigned long long)s2lba, (unsigned long long)size, (unsigned long long)(im->kiln.first + off / SECTOR));
    } else {
        pass("payload-stage2");
        /* Its header (docs/disk-layout.md): size (whole 16-byte blocks, at
         * most 256 KiB), the partition's sectors, the two sums of the rest,
         * and a first sector whose dwords sum to "KLN2". */
        const uint8_t *h = pl + off;
        uint32_t sum = 0;
        for (unsigned i = 0; i < SECTOR; i += 4) sum += g32(h + i);
        uint64_t a = 0, b = 0;
        if (size > SECTOR) stage2_sums(h + SECTOR, size - SECTOR, &a, &b);
        if (size <= SECTOR || size % 16 || size > 0x40000 || g32(h + 4) != 0x324e4c4bu || sum != 0x324e4c4bu ||
            g32(h + 8) != size || a != g64(h + 24) || b != g64(h + 32) || g64(h + 16) != avail / SECTOR)
            failf("stage2-seal", "magic %08x, sum %08x, size %u (entry %llu), sums %llx %llx (computed %llx %llx), "
                  "partition %llu sectors (header %llu)", g32(h + 4), sum, g32(h + 8), (unsigned long long)size,
                  (unsigned long long)g64(h + 24), (unsigned long long)g64(h + 32), (unsigned long long)a,
                  (unsigned long long)b, (unsigned long long)(avail / SECTOR), (unsigned long long)g64(h + 16));
        else
            pass("stage2-seal");
    }

    const char *paths[2] = {kpath, mpath};
    const char *names[2] = {"payload-kernel", "payload-module"};
    for (int k = 0; k < 2; k++) {
        if (!paths[k]) continue;
        size_t fsize;
        uint8_t *f = load(paths[k], &fsize);
        if (!find_entry(pl, k == 0 ? 1 : 2, &off, &size)) failf(names[k], "no such entry");
        else if (size != fsize || memcmp(pl + off, f, fsize)) failf(names[k], "stored bytes differ from %s", paths[k]);
        else pass(names[k]);
        free(f);
    }
}

static void load_image(struct image *im, const char *path) {
    memset(im, 0, sizeof *im);
    size_t size;
    im->b = load(path, &size);
    im->size = size;
    im->sectors = size / SECTOR;
    im->last = im->sectors - 1;
    if (size % SECTOR || size < 2 * 1024 * 1024) die("%s: %zu bytes is not a plausible disk image", path, size);
}

int main(int argc, char **argv) {
    struct image im;
    if (argc >= 4 && !strcmp(argv[1], "verify")) {
        if (!strcmp(argv[2], "bios")) im.kind = 0;
        else if (!strcmp(argv[2], "hybrid")) im.kind = 1;
        else if (!strcmp(argv[2], "uefi")) im.kind = 2;
        else die("unknown kind %s", argv[2]);
        int kind = im.kind;
        load_image(&im, argv[3]);
        im.kind = kind;
        check_mbr(&im);
        if (kind != 0) check_gpt(&im);
        uint64_t s2lba = 0;
        uint32_t s2count = 0;
        if (kind != 2) check_stage1(&im, &s2lba, &s2count);
        check_payload(&im, s2lba, s2count, argc > 4 ? argv[4] : NULL, argc > 5 ? argv[5] : NULL);
        return failures ? 1 : 0;
    }
    if (argc == 3 && (!strcmp(argv[1], "esp") || !strcmp(argv[1], "kernel"))) {
        load_image(&im, argv[2]);
        im.kind = 1;
        quiet = 1;
        check_gpt(&im); /* only for the partitions */
        if (!strcmp(argv[1], "esp")) {
            if (!im.have_esp) die("%s: no EFI system partition", argv[2]);
            printf("%llu\n", (unsigned long long)(im.esp.first * SECTOR));
            return 0;
        }
        if (!im.have_kiln) { /* an MBR-only image */
            const uint8_t *e = im.b + 446;
            im.kiln.first = g32(e + 8);
        }
        uint64_t off, size;
        const uint8_t *pl = im.b + im.kiln.first * SECTOR;
        if (memcmp(pl, "KILNPAYL", 8) || !find_entry(pl, 1, &off, &size)) die("%s: no kernel entry", argv[2]);
        printf("%llu %llu\n", (unsigned long long)(im.kiln.first * SECTOR + off), (unsigned long long)size);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "flip")) {
        FILE *f = fopen(argv[2], "r+b");
        if (!f) die("%s: %s", argv[2], strerror(errno));
        long off = strtol(argv[3], NULL, 0);
        if (fseek(f, off, SEEK_SET) != 0) die("%s: cannot seek to %ld", argv[2], off);
        int c = fgetc(f);
        if (c == EOF) die("%s: offset %ld is past the end", argv[2], off);
        fseek(f, off, SEEK_SET);
        fputc(c ^ 0xff, f);
        if (fclose(f) != 0) die("%s: write failed", argv[2]);
        return 0;
    }
    fprintf(stderr, "usage: imgcheck verify KIND IMAGE [KERNEL [MODULE]] | esp IMAGE | kernel IMAGE | flip IMAGE OFF\n");
    return 2;
}
