/* corrupt.c - host program damaging a Kiln disk image for the boot tests
 * of the loader's self-checks (tests/boot/boot.plan, "integrity"):
 *
 *   corrupt IMAGE HOW
 *
 *   s2-short1   stage 1 loads stage 2 one sector short (its sector count - 1)
 *   s2-half     stage 1 loads half of stage 2
 *   s2-flip     one byte of stage 2's code flipped (16 KiB in: its .text)
 *   s2-zero     stage 2's fourth sector zeroed
 *   s2-sector0  one byte of stage 2's first sector flipped (stage 1: M)
 *   s1-count0   stage 1's sector count 0 (stage 1: S)
 *   s1-lba      stage 2's LBA past the end of the disk (stage 1: R)
 *   total-size  the payload's total_size 2^64-1, its header CRC made right
 *   payload-v1  the payload's version 1 (the format before sum128), its CRC made right
 *   kernel-past-end  the kernel's entry moved to the end of the Kiln partition
 *               (its bytes not: the image is to end before them, where the
 *               make rule truncates it), total_size and the CRC made to match
 *
 * The image is changed in place. Field offsets come from format/mbr.h and
 * format/payload.h; the CRC is computed here on its own. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/mbr.h"
#include "format/payload.h"

static FILE *img;
static const char *path;

static void die(const char *what) {
    fprintf(stderr, "corrupt: %s: %s\n", path, what);
    exit(1);
}
static void at(uint64_t off, void *buf, size_t n, int write) {
    if (fseek(img, (long)off, SEEK_SET) != 0) die("seek failed");
    if ((write ? fwrite(buf, 1, n, img) : fread(buf, 1, n, img)) != n) die(write ? "write failed" : "read failed");
}
static uint32_t crc32(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++) c = c >> 1 ^ (0xedb88320u & -(c & 1));
    }
    return ~c;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: corrupt IMAGE s2-short1|s2-half|s2-flip|s2-zero|s2-sector0|s1-count0|s1-lba|total-size|payload-v1|kernel-past-end\n");
        return 2;
    }
    path = argv[1];
    const char *how = argv[2];
    if (!(img = fopen(path, "r+b"))) die("cannot open");
    uint8_t mbr[MBR_SIZE];
    at(0, mbr, sizeof mbr, 0);
    struct mbr m;
    mbr_parse(mbr, &m);
    if (!m.stage2_sectors || !m.payload_lba) die("no stage 1 fields: not a bios or hybrid image");
    uint64_t s2 = m.stage2_lba * 512;
    uint8_t b[512];
    if (!strcmp(how, "s2-short1") || !strcmp(how, "s2-half") || !strcmp(how, "s1-count0")) {
        uint16_t n = how[3] == 's' ? m.stage2_sectors - 1 : how[3] == 'h' ? m.stage2_sectors / 2 : 0;
        put_le16(mbr + MBR_STAGE2_SECTORS, n);
        at(0, mbr, sizeof mbr, 1);
    } else if (!strcmp(how, "s1-lba")) {
        put_le64(mbr + MBR_STAGE2_LBA, UINT64_C(1) << 40);
        at(0, mbr, sizeof mbr, 1);
    } else if (!strcmp(how, "s2-flip") || !strcmp(how, "s2-sector0")) {
        uint64_t off = s2 + (how[3] == 'f' ? 16384 : 100);
        at(off, b, 1, 0);
        b[0] ^= 0x20;
        at(off, b, 1, 1);
    } else if (!strcmp(how, "s2-zero")) {
        memset(b, 0, sizeof b);
        at(s2 + 3 * 512, b, sizeof b, 1);
    } else if (!strcmp(how, "total-size") || !strcmp(how, "payload-v1") || !strcmp(how, "kernel-past-end")) {
        uint8_t h[PAYLOAD_HEADER_MAX];
        uint64_t p = m.payload_lba * 512;
        at(p, h, sizeof h, 0);
        uint32_t size = get_le32(h + offsetof(struct payload_header, header_size));
        if (memcmp(h, PAYLOAD_MAGIC, 8) || size > sizeof h) die("no payload header");
        if (how[0] == 't') {
            put_le64(h + offsetof(struct payload_header, total_size), UINT64_MAX);
        } else if (how[0] == 'p') {
            put_le32(h + offsetof(struct payload_header, version), 1); /* as an image of the old format says */
        } else {
            int k = mbr_find(&m, MBR_TYPE_KILN);
            uint32_t n = get_le32(h + offsetof(struct payload_header, entry_count));
            if (k < 0) die("no Kiln partition");
            uint64_t part = (uint64_t)m.part[k].sectors * 512, e = sizeof(struct payload_header);
            for (uint32_t i = 0; i < n && get_le32(h + e) != PAYLOAD_KERNEL; i++) e += sizeof(struct payload_entry);
            if (e + sizeof(struct payload_entry) > size) die("no kernel entry");
            uint64_t ksize = get_le64(h + e + offsetof(struct payload_entry, size));
            put_le64(h + e + offsetof(struct payload_entry, offset), (part - ksize) & ~(uint64_t)(PAYLOAD_ALIGN - 1));
            put_le64(h + offsetof(struct payload_header, total_size), part);
        }
        put_le32(h + offsetof(struct payload_header, header_crc32), 0);
        put_le32(h + offsetof(struct payload_header, header_crc32), crc32(h, size));
        at(p, h, size, 1);
    } else {
        die("unknown damage");
    }
    if (fclose(img) != 0) die("close failed");
    return 0;
}
