/* fat_write.c - the EFI system partitions `kiln image` writes (fat.h): a
 * FAT12 or FAT16 volume holding \EFI\BOOT\BOOTX64.EFI and nothing else,
 * built in memory as the few sectors that are not zero. It replaced three
 * runs of mtools (mformat, mmd, mcopy: about 40 ms of every image) and
 * writes the same volume they did: 512-byte sectors, one reserved sector,
 * two FATs, 512 root entries, 4-sector clusters, media 0xF8, 64 heads of
 * 32 sectors, every date 2000-01-01 00:00. The file is in one run of
 * clusters right after the two directories. */
#include "format/fat.h"

#include "core/kstring.h"

#define SECTOR 512u
#define CLUSTER_SECTORS 4u
#define CLUSTER (CLUSTER_SECTORS * SECTOR)
#define ROOT_ENTRIES 512u
#define ROOT_SECTORS (ROOT_ENTRIES * 32u / SECTOR)
#define FAT_DATE ((2000 - 1980) << 9 | 1 << 5 | 1) /* 2000-01-01 */
#define ATTR_DIR 0x10
#define ATTR_ARCHIVE 0x20
#define ATTR_LABEL 0x08

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v), put16(p + 2, v >> 16); }

/* One 32-byte directory entry; name is the 11-character 8.3 form. */
static void dirent(uint8_t *d, const char name[11], uint8_t attr, uint32_t cluster, uint32_t size) {
    memcpy(d, name, 11);
    d[11] = attr;
    put16(d + 16, FAT_DATE); /* created */
    put16(d + 18, FAT_DATE); /* accessed */
    put16(d + 24, FAT_DATE); /* written (time 0:00 at 22) */
    put16(d + 26, cluster);
    put32(d + 28, size);
}

/* Cluster n's entry in one FAT (12 bits packed in pairs, or 16). */
static void fat_set(uint8_t *fat, bool fat12, uint32_t n, uint32_t v) {
    if (!fat12) {
        put16(fat + 2 * n, v);
        return;
    }
    uint8_t *p = fat + n * 3 / 2;
    if (n & 1) p[0] = (uint8_t)((p[0] & 0x0f) | (v << 4 & 0xf0)), p[1] = (uint8_t)(v >> 4);
    else p[0] = (uint8_t)v, p[1] = (uint8_t)((p[1] & 0xf0) | (v >> 8 & 0x0f));
}

bool fat_geometry(uint64_t sectors, struct fat_geometry *g, kiln_err *e) {
    if (sectors < 64 || sectors > UINT32_MAX)
        return err_set(e, "fat: %llu sectors is not a size for a FAT12/16 volume", (unsigned long long)sectors);
    /* The FAT's size and the cluster count depend on each other: grow the
     * FAT until it holds an entry for every cluster left beside it. */
    uint32_t fat_sectors = 1, clusters;
    for (;;) {
        uint64_t meta = 1 + 2 * (uint64_t)fat_sectors + ROOT_SECTORS;
        if (meta >= sectors) return err_set(e, "fat: %llu sectors is too small", (unsigned long long)sectors);
        clusters = (uint32_t)((sectors - meta) / CLUSTER_SECTORS);
        uint64_t bytes = clusters < 4085 ? ((uint64_t)clusters + 2) * 3 / 2 + 1 : ((uint64_t)clusters + 2) * 2;
        uint32_t need = (uint32_t)((bytes + SECTOR - 1) / SECTOR);
        if (need <= fat_sectors) break;
        fat_sectors = need;
    }
    if (clusters >= 65525)
        return err_set(e, "fat: %llu sectors needs FAT32, which Kiln's ESP writer does not make",
                       (unsigned long long)sectors);
    g->sectors = (uint32_t)sectors;
    g->fat_sectors = fat_sectors;
    g->clusters = clusters;
    g->fat12 = clusters < 4085;
    g->data_sector = 1 + 2 * fat_sectors + ROOT_SECTORS;
    return true;
}

size_t fat_esp_used(const struct fat_geometry *g, size_t efi_size) {
    return ((size_t)g->data_sector + 2 * CLUSTER_SECTORS) * SECTOR + (efi_size + CLUSTER - 1) / CLUSTER * CLUSTER;
}

bool fat_esp(const struct fat_geometry *g, uint32_t hidden, uint32_t serial, const uint8_t *efi, size_t efi_size,
             uint8_t *v, kiln_err *e) {
    uint64_t file_clusters = ((uint64_t)efi_size + CLUSTER - 1) / CLUSTER;
    if (efi_size > UINT32_MAX || 2 + file_clusters > g->clusters)
        return err_set(e, "fat: a %zu-byte BOOTX64.EFI does not fit a %u-sector volume", efi_size, g->sectors);

    uint8_t *b = v; /* the boot sector: a jump over the BPB to a halt */
    memcpy(b, "\xeb\x3c\x90KILN    ", 11);
    put16(b + 11, SECTOR);
    b[13] = CLUSTER_SECTORS;
    put16(b + 14, 1); /* reserved sectors */
    b[16] = 2;        /* FATs */
    put16(b + 17, ROOT_ENTRIES);
    if (g->sectors < 65536) put16(b + 19, g->sectors);
    else put32(b + 32, g->sectors);
    b[21] = 0xf8;
    put16(b + 22, g->fat_sectors);
    put16(b + 24, 32); /* sectors per track */
    put16(b + 26, 64); /* heads */
    put32(b + 28, hidden);
    b[36] = 0x80; /* drive number */
    b[38] = 0x29; /* the extended BPB: serial, label, type follow */
    put32(b + 39, serial);
    memcpy(b + 43, "KILN-ESP   ", 11);
    memcpy(b + 54, g->fat12 ? "FAT12   " : "FAT16   ", 8);
    memcpy(b + 62, "\xfa\xf4\xeb\xfd", 4); /* cli; hlt; jmp back to the hlt */
    b[510] = 0x55, b[511] = 0xaa;

    uint8_t *fat = v + SECTOR;
    uint32_t eoc = g->fat12 ? 0xfff : 0xffff;
    fat_set(fat, g->fat12, 0, eoc & ~7u); /* the media byte 0xF8, the rest ones */
    fat_set(fat, g->fat12, 1, eoc);
    fat_set(fat, g->fat12, 2, eoc); /* \EFI */
    fat_set(fat, g->fat12, 3, eoc); /* \EFI\BOOT */
    for (uint32_t c = 0; c < file_clusters; c++)
        fat_set(fat, g->fat12, 4 + c, c + 1 < file_clusters ? 5 + c : eoc);
    memcpy(fat + (size_t)g->fat_sectors * SECTOR, fat, (size_t)g->fat_sectors * SECTOR);

    uint8_t *root = v + (1 + 2 * (size_t)g->fat_sectors) * SECTOR;
    dirent(root, "KILN-ESP   ", ATTR_LABEL, 0, 0);
    dirent(root + 32, "EFI        ", ATTR_DIR, 2, 0);
    uint8_t *efidir = v + (size_t)g->data_sector * SECTOR, *bootdir = efidir + CLUSTER;
    dirent(efidir, ".          ", ATTR_DIR, 2, 0);
    dirent(efidir + 32, "..         ", ATTR_DIR, 0, 0); /* 0: the root */
    dirent(efidir + 64, "BOOT       ", ATTR_DIR, 3, 0);
    dirent(bootdir, ".          ", ATTR_DIR, 3, 0);
    dirent(bootdir + 32, "..         ", ATTR_DIR, 2, 0);
    dirent(bootdir + 64, "BOOTX64 EFI", ATTR_ARCHIVE, efi_size ? 4 : 0, (uint32_t)efi_size);
    memcpy(bootdir + CLUSTER, efi, efi_size);
    return true;
}
