/* test_mbr.c - the first sector (format/mbr.c): stage 1's fields, the
 * partition table, and the built stage 1 laid out as format/mbr.h says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/mbr.h"
#include "core/util.h"
#include "tests/unit/testlib.h"

TEST(fields_and_partitions) {
    uint8_t s[MBR_SIZE] = {0};
    put_le64(s + MBR_PAYLOAD_LBA, 0x123456789aull);
    put_le64(s + MBR_STAGE2_LBA, 2048 + 8);
    put_le16(s + MBR_STAGE2_SECTORS, 130);
    s[MBR_FLAGS] = MBR_FLAG_CHS | MBR_FLAG_NO_E820;
    put_le32(s + MBR_DISK_SIGNATURE, 0xdeadbeef);
    uint8_t *p = s + MBR_PARTITIONS + 2 * MBR_PARTITION_SIZE;
    p[0] = MBR_ACTIVE, p[4] = MBR_TYPE_KILN;
    put_le32(p + 8, 2048), put_le32(p + 12, 4096);
    struct mbr m;
    mbr_parse(s, &m);
    CHECK(!m.boot_signature, "no 55 AA yet");
    s[MBR_BOOT_SIGNATURE] = 0x55, s[MBR_BOOT_SIGNATURE + 1] = 0xaa;
    mbr_parse(s, &m);
    CHECK(m.boot_signature && m.disk_signature == 0xdeadbeef, "signatures");
    CHECK(m.payload_lba == 0x123456789aull && m.stage2_lba == 2056 && m.stage2_sectors == 130 && m.flags == 3,
          "stage 1 fields");
    CHECK(mbr_find(&m, MBR_TYPE_KILN) == 2 && m.part[2].status == MBR_ACTIVE && m.part[2].first_lba == 2048 &&
              m.part[2].sectors == 4096,
          "the Kiln partition");
    CHECK(mbr_find(&m, MBR_TYPE_GPT_PROTECTIVE) == -1 && m.part[0].type == 0, "no protective entry");
}

/* The assembled stage 1 (build/stage1.bin) has its fields where the header
 * says, all zero until the tool writes them, and the boot signature. */
TEST(built_stage1_matches_the_header) {
    const char *b = getenv("B");
    char path[256];
    snprintf(path, sizeof path, "%s/stage1.bin", b && *b ? b : "build");
    FILE *f = fopen(path, "rb");
    REQUIRE(f, "%s: not built", path);
    uint8_t s[MBR_SIZE + 1];
    size_t n = fread(s, 1, sizeof s, f);
    fclose(f);
    REQUIRE(n == MBR_SIZE, "stage 1 is %zu bytes", n);
    struct mbr m;
    mbr_parse(s, &m);
    CHECK(m.boot_signature && m.payload_lba == 0 && m.stage2_lba == 0 && m.stage2_sectors == 0 && m.flags == 0 &&
              m.disk_signature == 0,
          "fields zero, 55 AA present");
    bool gap_zero = true;
    for (unsigned i = 3 + 8; i < MBR_BPB_END; i++) gap_zero = gap_zero && s[i] == 0;
    CHECK(gap_zero, "the BPB-shaped gap holds no code");
}

/* The writer (mbr_write.c) and the reader agree; CHS as MBR tools expect. */
TEST(written_entries_parse_back) {
    uint8_t s[MBR_SIZE] = {0};
    mbr_set_partition(s, 0, MBR_ACTIVE, MBR_TYPE_GPT_PROTECTIVE, 1, 20479);
    mbr_set_partition(s, 3, 0, MBR_TYPE_KILN, UINT64_C(1) << 33, 100); /* past 32 bits: clipped */
    mbr_set_stage1(s, 34816, 34824, 130);
    mbr_set_disk_signature(s, 0x12345678);
    struct mbr m;
    mbr_parse(s, &m);
    CHECK(m.part[0].status == MBR_ACTIVE && m.part[0].type == MBR_TYPE_GPT_PROTECTIVE && m.part[0].first_lba == 1 &&
              m.part[0].sectors == 20479,
          "entry 0");
    CHECK(m.part[3].first_lba == UINT32_MAX && m.part[3].sectors == 0, "entry 3 clipped: %u %u", m.part[3].first_lba,
          m.part[3].sectors);
    CHECK(m.payload_lba == 34816 && m.stage2_lba == 34824 && m.stage2_sectors == 130 && m.disk_signature == 0x12345678,
          "fields");
    uint8_t chs[3];
    mbr_lba_to_chs(0, chs);
    CHECK(chs[0] == 0 && chs[1] == 1 && chs[2] == 0, "LBA 0 is C/H/S 0/0/1");
    mbr_lba_to_chs(63 * 255 + 63 + 5, chs); /* cylinder 1, head 1, sector 6 */
    CHECK(chs[0] == 1 && chs[1] == 6 && chs[2] == 1, "LBA 16133: %u %u %u", chs[0], chs[1], chs[2]);
    mbr_lba_to_chs(1024u * 255 * 63, chs); /* beyond CHS: 1023/254/63 */
    CHECK(chs[0] == 254 && chs[1] == (63 | 0xc0) && chs[2] == 0xff, "past CHS reach");
}

/* Stage 2's seal (format/mbr.h): what the tool writes is what stage 1 (the
 * first sector's dword sum) and stage 2's first sector (length, two sums)
 * check at boot; every damage the boot tests make is seen here too. */
enum { SIZE = 3 * 512 + 112 };

static uint8_t *sealed(void) {
    uint8_t *s2 = calloc(1, SIZE);
    kiln_err e;
    for (unsigned i = 0; i < SIZE; i++) s2[i] = (uint8_t)(i * 7 + 3);
    put_le32(s2 + STAGE2_MAGIC_OFFSET, STAGE2_MAGIC);
    if (!stage2_seal(s2, SIZE, 2048, &e)) {
        fprintf(stderr, "seal: %s\n", e.msg);
        abort();
    }
    return s2;
}

/* True if the check refuses s2 as damaged beyond its first sector. */
static bool refused(const uint8_t *s2) {
    kiln_err e;
    return !stage2_check(s2, SIZE, &e) && strstr(e.msg, "checksum mismatch");
}

TEST(stage2_seal_and_check) {
    uint8_t *s2 = sealed();
    kiln_err e;
    CHECK(get_le32(s2 + STAGE2_HDR_SIZE) == SIZE && get_le64(s2 + STAGE2_HDR_PART_SECTORS) == 2048, "header fields");
    uint32_t sum = 0;
    for (unsigned i = 0; i < 512; i += 4) sum += get_le32(s2 + i);
    CHECK(sum == STAGE2_MAGIC, "first sector sums to %08x", sum);
    CHECK(stage2_check(s2, SIZE, &e), "sealed stage 2 refused: %s", e.msg);

    s2[100] ^= 0x10; /* first sector: stage 1's sum */
    CHECK(!stage2_check(s2, SIZE, &e) && strstr(e.msg, "first sector's checksum"), "sector 0 flip: %s", e.msg);
    s2[100] ^= 0x10;
    s2[1000] ^= 0x01; /* later: the sums */
    CHECK(!stage2_check(s2, SIZE, &e) && strstr(e.msg, "checksum mismatch"), "flip: %s", e.msg);
    s2[1000] ^= 0x01;
    CHECK(!stage2_check(s2, SIZE - 512, &e) && strstr(e.msg, "the header says 1648 bytes, 1136 are here"),
          "one sector short: %s", e.msg);

    CHECK(!stage2_seal(s2, 512, 1, &e) && strstr(e.msg, "more than one sector"), "one sector: %s", e.msg);
    CHECK(!stage2_seal(s2, SIZE - 4, 1, &e) && strstr(e.msg, "a multiple of 16"), "not whole blocks: %s", e.msg);
    put_le32(s2 + STAGE2_MAGIC_OFFSET, 0);
    CHECK(!stage2_seal(s2, SIZE, 1, &e) && strstr(e.msg, "no magic"), "no magic: %s", e.msg);
    free(s2);
}

/* The sums themselves, against values worked out by hand, and exact at the
 * largest stage 2 the seal takes (all words 0xFFFFFFFF: b's bound). */
TEST(stage2_sums_are_exact) {
    uint8_t w[16] = {0};
    put_le32(w, 1), put_le32(w + 4, 2), put_le32(w + 8, 3), put_le32(w + 12, 0xffffffffu);
    uint64_t a, b;
    stage2_sums(w, sizeof w, &a, &b);
    CHECK(a == 6 + 0xffffffffull && b == 1 + 3 + 6 + (6 + 0xffffffffull), "1 2 3 ffffffff: a %llx b %llx",
          (unsigned long long)a, (unsigned long long)b);

    uint32_t len = STAGE2_SUM_MAX - 512;
    uint8_t *big = malloc(len);
    memset(big, 0xff, len);
    stage2_sums(big, len, &a, &b);
    unsigned __int128 n = len / 4, m = 0xffffffffu;
    CHECK(a == (uint64_t)(n * m) && (unsigned __int128)b == m * n * (n + 1) / 2 && b < (1ull << 63),
          "all ones over %u bytes: a %llx b %llx", len, (unsigned long long)a, (unsigned long long)b);

    uint8_t *s2 = calloc(1, STAGE2_SUM_MAX + 16);
    kiln_err e;
    put_le32(s2 + STAGE2_MAGIC_OFFSET, STAGE2_MAGIC);
    CHECK(stage2_seal(s2, STAGE2_SUM_MAX, 1, &e), "256 KiB refused: %s", e.msg);
    CHECK(!stage2_seal(s2, STAGE2_SUM_MAX + 16, 1, &e) && strstr(e.msg, "at most 262144 bytes"), "over 256 KiB: %s", e.msg);
    free(s2);
    free(big);
}

/* What the sums must always catch (format/mbr.h, docs/disk-layout.md). */
TEST(stage2_damage_the_sums_catch) {
    uint8_t *s2 = sealed();
    unsigned words = (SIZE - 512) / 4;
    uint8_t *w = s2 + 512;

    /* Every burst of 1 to 33 bits at every bit position. */
    unsigned missed = 0;
    for (unsigned len = 1; len <= 33; len++)
        for (unsigned at = 0; at + len <= words * 32; at++) {
            for (unsigned k = at; k < at + len; k++) w[k / 8] ^= (uint8_t)(1u << k % 8);
            missed += !refused(s2);
            for (unsigned k = at; k < at + len; k++) w[k / 8] ^= (uint8_t)(1u << k % 8);
        }
    CHECK(missed == 0, "%u bursts of up to 33 bits passed", missed);

    /* Any change of two words, however chosen: +d and -d (the first sum
     * unchanged) at every pair of positions, and random pairs of values. */
    missed = 0;
    for (unsigned k = 0; k < words; k++)
        for (unsigned l = k + 1; l < words; l++) {
            uint32_t x = get_le32(w + 4 * k), y = get_le32(w + 4 * l);
            put_le32(w + 4 * k, x + 12345), put_le32(w + 4 * l, y - 12345);
            missed += !refused(s2);
            put_le32(w + 4 * k, y), put_le32(w + 4 * l, x); /* swapped */
            missed += x != y && !refused(s2);
            put_le32(w + 4 * k, x), put_le32(w + 4 * l, y);
        }
    uint32_t seed = 1;
    for (unsigned t = 0; t < 20000; t++) {
        seed = seed * 1103515245u + 12345u;
        unsigned k = seed % words, l = (seed >> 16) % words;
        uint32_t x = get_le32(w + 4 * k), y = get_le32(w + 4 * l);
        put_le32(w + 4 * k, x ^ (seed | 1));
        if (l != k) put_le32(w + 4 * l, y + seed * 2654435761u);
        missed += !refused(s2);
        put_le32(w + 4 * l, y), put_le32(w + 4 * k, x);
    }
    CHECK(missed == 0, "%u changes of two words passed", missed);

    /* Each sector after the first zeroed or 0xFF-filled (one sign of error). */
    uint8_t keep[512];
    for (unsigned sec = 512; sec < SIZE; sec += 512) {
        unsigned n = SIZE - sec < 512 ? SIZE - sec : 512;
        memcpy(keep, s2 + sec, n);
        memset(s2 + sec, 0, n);
        CHECK(refused(s2), "sector at %u zeroed passed", sec);
        memset(s2 + sec, 0xff, n);
        CHECK(refused(s2), "sector at %u 0xFF-filled passed", sec);
        memcpy(s2 + sec, keep, n);
    }
    kiln_err e;
    CHECK(stage2_check(s2, SIZE, &e), "restored stage 2 refused: %s", e.msg);
    free(s2);
}

/* A header that stage 1's sum accepts but that names a size the first
 * sector's code cannot sum (not whole 16-byte blocks, beyond 256 KiB). */
TEST(stage2_hostile_header_sizes) {
    uint8_t *s2 = sealed();
    kiln_err e;
    uint32_t bad[] = {SIZE - 4, SIZE - 1, STAGE2_SUM_MAX + 16};
    uint8_t *big = calloc(1, STAGE2_SUM_MAX + 16);
    memcpy(big, s2, SIZE);
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t fix = get_le32(big + STAGE2_HDR_FIXUP) + get_le32(big + STAGE2_HDR_SIZE) - bad[i];
        put_le32(big + STAGE2_HDR_SIZE, bad[i]);
        put_le32(big + STAGE2_HDR_FIXUP, fix);
        CHECK(!stage2_check(big, STAGE2_SUM_MAX + 16, &e) && strstr(e.msg, "not a multiple of 16 up to"), "size %u: %s",
              bad[i], e.msg);
        memcpy(big, s2, 512);
    }
    free(big);
    free(s2);
}
