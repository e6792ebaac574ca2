/* test_fat.c - the ESP's FAT volume (format/fat_write.c), read back the way
 * a firmware's FAT driver would: the BPB, the root directory, \EFI,
 * \EFI\BOOT and the file's cluster chain through the first FAT, for the
 * disk images' 16 MiB FAT16 volume and the ISO's small FAT12 one. mtools
 * reads the same volumes in tests/cli/image.sh and iso.sh, OVMF and U-Boot
 * boot from them in the boot tests. */
#include <stdlib.h>
#include <string.h>

#include "format/fat.h"
#include "tests/unit/testlib.h"

static uint32_t get16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }

struct vol {
    const uint8_t *v;
    uint32_t spc, fat_start, fat_sectors, root_start, root_entries, data_start;
    bool fat12;
};

static uint32_t next(const struct vol *x, uint32_t c) {
    const uint8_t *fat = x->v + x->fat_start * 512;
    if (!x->fat12) return get16(fat + 2 * c);
    uint32_t w = get16(fat + c * 3 / 2);
    return c & 1 ? w >> 4 : w & 0xfff;
}

static const uint8_t *cluster(const struct vol *x, uint32_t c) { return x->v + (x->data_start + (c - 2) * x->spc) * 512; }

/* The entry called name (8.3, 11 characters) among n entries at d. */
static const uint8_t *find(const uint8_t *d, uint32_t n, const char *name) {
    for (uint32_t i = 0; i < n; i++)
        if (!memcmp(d + 32 * i, name, 11)) return d + 32 * i;
    return NULL;
}

/* Builds a volume of `sectors` with a file of `size` bytes and reads the
 * file back; the volume as a whole buffer (the writer's prefix, then zeros). */
static void round_trip(uint32_t sectors, size_t size, bool want_fat12) {
    kiln_err e;
    struct fat_geometry g;
    REQUIRE(fat_geometry(sectors, &g, &e), "%u sectors: %s", sectors, e.msg);
    CHECK(g.fat12 == want_fat12, "%u sectors: FAT%s", sectors, g.fat12 ? "12" : "16");
    uint8_t *efi = malloc(size);
    for (size_t i = 0; i < size; i++) efi[i] = (uint8_t)(i * 31 + 7);
    size_t used = fat_esp_used(&g, size);
    REQUIRE(used <= (size_t)sectors * 512, "used %zu", used);
    uint8_t *v = calloc(sectors, 512);
    REQUIRE(fat_esp(&g, 2048, 0x12345678, efi, size, v, &e), "fat_esp: %s", e.msg);
    for (size_t i = used; i < (size_t)sectors * 512; i++)
        if (v[i]) {
            CHECK(0, "byte %zu past the used %zu is not zero", i, used);
            break;
        }

    struct vol x = {v, v[13], get16(v + 14), get16(v + 22), 0, get16(v + 17), 0, false};
    CHECK(get16(v + 11) == 512 && v[16] == 2 && v[21] == 0xf8 && v[510] == 0x55 && v[511] == 0xaa, "boot sector");
    CHECK((get16(v + 19) ? get16(v + 19) : get32(v + 32)) == sectors, "total sectors");
    CHECK(get32(v + 28) == 2048 && v[38] == 0x29 && get32(v + 39) == 0x12345678 && !memcmp(v + 43, "KILN-ESP   ", 11),
          "hidden sectors, serial, label");
    CHECK(!memcmp(v + 54, want_fat12 ? "FAT12   " : "FAT16   ", 8), "type string");
    x.root_start = x.fat_start + 2 * x.fat_sectors;
    x.data_start = x.root_start + x.root_entries * 32 / 512;
    uint32_t clusters = (sectors - x.data_start) / x.spc;
    x.fat12 = clusters < 4085;
    CHECK(x.fat12 == want_fat12 && clusters == g.clusters, "the cluster count decides the type: %u", clusters);
    CHECK((uint64_t)x.fat_sectors * 512 * (x.fat12 ? 2 : 1) >= (uint64_t)(clusters + 2) * (x.fat12 ? 3 : 2),
          "the FAT has an entry for every cluster");
    CHECK(!memcmp(v + x.fat_start * 512, v + (x.fat_start + x.fat_sectors) * 512, x.fat_sectors * 512),
          "both FATs alike");
    CHECK(next(&x, 0) == (x.fat12 ? 0xff8u : 0xfff8u) && next(&x, 1) == (x.fat12 ? 0xfffu : 0xffffu), "FAT[0], FAT[1]");

    const uint8_t *d = find(v + x.root_start * 512, x.root_entries, "EFI        ");
    REQUIRE(d && (d[11] & 0x10), "\\EFI in the root");
    REQUIRE(find(v + x.root_start * 512, x.root_entries, "KILN-ESP   ")[11] == 0x08, "the volume label entry");
    const uint8_t *efidir = cluster(&x, get16(d + 26));
    d = find(efidir, x.spc * 16, "BOOT       ");
    REQUIRE(d && (d[11] & 0x10), "\\EFI\\BOOT");
    CHECK(get16(find(efidir, x.spc * 16, "..         ") + 26) == 0, "\\EFI's .. is the root");
    const uint8_t *bootdir = cluster(&x, get16(d + 26));
    d = find(bootdir, x.spc * 16, "BOOTX64 EFI");
    REQUIRE(d && get32(d + 28) == size, "\\EFI\\BOOT\\BOOTX64.EFI, %zu bytes", size);
    CHECK(get16(d + 24) == ((2000 - 1980) << 9 | 1 << 5 | 1), "dated 2000-01-01");
    /* Follow the chain: the bytes, in order, then the end mark. */
    uint32_t c = get16(d + 26);
    size_t off = 0;
    while (off < size) {
        REQUIRE(c >= 2 && c < clusters + 2, "cluster %u in the chain at byte %zu", c, off);
        size_t n = size - off < x.spc * 512 ? size - off : x.spc * 512;
        if (memcmp(cluster(&x, c), efi + off, n)) {
            CHECK(0, "the file's bytes differ in cluster %u", c);
            break;
        }
        off += n;
        c = next(&x, c);
    }
    if (size) CHECK(c >= (x.fat12 ? 0xff8u : 0xfff8u), "the chain ends after the file: next %x", c);
    else CHECK(c == 0, "an empty file has no cluster: %u", c);
    free(v);
    free(efi);
}

TEST(disk_esp_is_fat16) { round_trip(32768, 115419, false); }
TEST(iso_image_is_fat12) { round_trip(768, 115419, true); }
TEST(empty_and_one_cluster_files) {
    round_trip(32768, 0, false);
    round_trip(32768, 2048, false);
    round_trip(32768, 2049, false);
}

TEST(sizes_refused) {
    kiln_err e;
    struct fat_geometry g;
    CHECK(!fat_geometry(63, &g, &e) && strstr(e.msg, "is not a size"), "too small: %s", e.msg);
    CHECK(!fat_geometry(300000, &g, &e) && strstr(e.msg, "needs FAT32"), "FAT32 sizes: %s", e.msg);
    REQUIRE(fat_geometry(768, &g, &e), "768 sectors");
    uint8_t *v = calloc(768, 512);
    static uint8_t big[400000];
    CHECK(!fat_esp(&g, 0, 1, big, sizeof big, v, &e) && strstr(e.msg, "does not fit"), "a file too large: %s", e.msg);
    free(v);
}
