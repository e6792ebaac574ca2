/* test_gpt.c - the GPT parser (format/gpt.c): a valid table, then each
 * check a firmware must make, broken one at a time; 512- and 4096-byte
 * blocks; entry lookup and bounds. */
#include <stdlib.h>
#include <string.h>

#include <kiln/crc32.h>
#include "format/gpt.h"
#include "tests/unit/testlib.h"

#define LAST 20479u /* a 10 MiB disk of 512-byte blocks */

struct disk {
    uint32_t bsize;
    uint8_t hdr[4096];
    uint8_t ents[128 * 128];
    uint32_t count, esize;
};

static void seal(struct disk *d) {
    put_le32(d->hdr + GPT_H_ENTRIES_CRC, kiln_crc32(0, d->ents, (size_t)d->count * d->esize));
    put_le32(d->hdr + GPT_H_HEADER_CRC, 0);
    put_le32(d->hdr + GPT_H_HEADER_CRC, kiln_crc32(0, d->hdr, get_le32(d->hdr + GPT_H_HEADER_SIZE)));
}

static void entry(struct disk *d, uint32_t i, const uint8_t type[16], uint64_t first, uint64_t last, const char *name) {
    uint8_t *e = d->ents + (size_t)i * d->esize;
    memcpy(e + GPT_E_TYPE, type, 16);
    memset(e + GPT_E_UNIQUE, (int)i + 1, 16);
    put_le64(e + GPT_E_FIRST_LBA, first);
    put_le64(e + GPT_E_LAST_LBA, last);
    for (size_t k = 0; name[k]; k++) put_le16(e + GPT_E_NAME + 2 * k, (uint8_t)name[k]);
}

/* A primary header at LBA 1, 128 entries of 128 bytes at LBA 2: an ESP and
 * the Kiln partition, as `kiln image` makes them. */
static void make(struct disk *d, uint32_t bsize) {
    memset(d, 0, sizeof *d);
    d->bsize = bsize;
    d->count = 128, d->esize = 128;
    uint64_t last = bsize == 512 ? LAST : LAST / 8;
    memcpy(d->hdr, GPT_SIGNATURE, 8);
    put_le32(d->hdr + GPT_H_REVISION, GPT_REVISION);
    put_le32(d->hdr + GPT_H_HEADER_SIZE, GPT_HEADER_SIZE);
    put_le64(d->hdr + GPT_H_MY_LBA, 1);
    put_le64(d->hdr + GPT_H_ALTERNATE_LBA, last);
    put_le64(d->hdr + GPT_H_FIRST_USABLE, 34);
    put_le64(d->hdr + GPT_H_LAST_USABLE, last - 33);
    put_le64(d->hdr + GPT_H_ENTRIES_LBA, 2);
    put_le32(d->hdr + GPT_H_ENTRY_COUNT, d->count);
    put_le32(d->hdr + GPT_H_ENTRY_SIZE, d->esize);
    entry(d, 0, gpt_type_esp, last / 8, last / 4 - 1, "EFI system partition");
    entry(d, 1, gpt_type_kiln, last / 4, last / 2, "Kiln");
    seal(d);
}

static bool parse(struct disk *d, struct gpt_header *h, kiln_err *e) {
    uint64_t last = d->bsize == 512 ? LAST : LAST / 8;
    return gpt_parse_header(d->hdr, d->bsize, 1, last, h, e);
}

TEST(valid_table) {
    for (uint32_t bsize = 512; bsize <= 4096; bsize *= 8) {
        struct disk d;
        struct gpt_header h;
        kiln_err e;
        make(&d, bsize);
        REQUIRE(parse(&d, &h, &e), "%u-byte blocks: %s", bsize, e.msg);
        CHECK(h.my_lba == 1 && h.entries_lba == 2 && h.entry_count == 128 && h.entry_size == 128 &&
                  h.entries_bytes == 16384 && h.first_usable == 34,
              "fields");
        CHECK(gpt_check_entries(&h, d.ents, &e), "entries: %s", e.msg);
        struct gpt_entry p;
        uint64_t last = bsize == 512 ? LAST : LAST / 8;
        CHECK(gpt_find(&h, d.ents, gpt_type_kiln, &p) == 1 && p.first_lba == last / 4 && p.last_lba == last / 2 &&
                  !strcmp(p.name, "Kiln") && gpt_entry_used(&p) && gpt_entry_valid(&h, &p, &e),
              "the Kiln partition: %s", p.name);
        CHECK(gpt_find(&h, d.ents, gpt_type_esp, &p) == 0 && !strcmp(p.name, "EFI system partition"), "the ESP");
        gpt_entry_read(&h, d.ents, 2, &p);
        CHECK(!gpt_entry_used(&p) && p.name[0] == 0, "an unused entry");
    }
}

/* Breaks the header one way (after make), re-seals unless told not to, and
 * expects the message. */
#define BROKEN(what, want, ...) \
    do { \
        struct disk d_; \
        struct gpt_header h_; \
        kiln_err e_; \
        make(&d_, 512); \
        struct disk *d = &d_; \
        __VA_ARGS__; \
        CHECK(!parse(d, &h_, &e_) && strstr(e_.msg, want), "%s: \"%s\"", what, e_.msg); \
    } while (0)

TEST(broken_headers) {
    BROKEN("signature", "no GPT header at LBA 1", d->hdr[0] = 'X'; seal(d));
    BROKEN("crc", "GPT header at LBA 1 fails its CRC", d->hdr[GPT_H_FIRST_USABLE] ^= 1);
    BROKEN("header size 91", "GPT header size 91 is invalid", put_le32(d->hdr + GPT_H_HEADER_SIZE, 91));
    BROKEN("header size past the block", "GPT header size 513 is invalid", put_le32(d->hdr + GPT_H_HEADER_SIZE, 513));
    BROKEN("my lba", "GPT header at LBA 1 says it is at LBA 7", put_le64(d->hdr + GPT_H_MY_LBA, 7); seal(d));
    BROKEN("entry size 192", "GPT entry array (128 x 192 bytes at LBA 2) is invalid",
           put_le32(d->hdr + GPT_H_ENTRY_SIZE, 192); seal(d));
    BROKEN("entry size 64", "(128 x 64 bytes", put_le32(d->hdr + GPT_H_ENTRY_SIZE, 64); seal(d));
    BROKEN("entry size 8192", "(128 x 8192 bytes", put_le32(d->hdr + GPT_H_ENTRY_SIZE, 8192); seal(d));
    BROKEN("no entries", "(0 x 128 bytes", put_le32(d->hdr + GPT_H_ENTRY_COUNT, 0); seal(d));
    BROKEN("too many entries", "(4097 x 128 bytes", put_le32(d->hdr + GPT_H_ENTRY_COUNT, 4097); seal(d));
    BROKEN("array at LBA 0", "at LBA 0) is invalid", put_le64(d->hdr + GPT_H_ENTRIES_LBA, 0); seal(d));
    BROKEN("array past the disk", "at LBA 20449) is invalid", put_le64(d->hdr + GPT_H_ENTRIES_LBA, LAST - 30); seal(d));
    BROKEN("array lba wraps", "is invalid", put_le64(d->hdr + GPT_H_ENTRIES_LBA, UINT64_MAX - 3); seal(d));
    BROKEN("usable range reversed", "GPT usable LBAs 5000-4000 do not fit",
           put_le64(d->hdr + GPT_H_FIRST_USABLE, 5000); put_le64(d->hdr + GPT_H_LAST_USABLE, 4000); seal(d));
    BROKEN("usable range past the disk", "usable LBAs 34-20480 do not fit a disk of 20480 blocks",
           put_le64(d->hdr + GPT_H_LAST_USABLE, LAST + 1); seal(d));
    /* the array just fits at the very end */
    struct disk d;
    struct gpt_header h;
    kiln_err e;
    make(&d, 512);
    put_le64(d.hdr + GPT_H_ENTRIES_LBA, LAST - 31);
    seal(&d);
    CHECK(parse(&d, &h, &e), "an array ending on the last LBA: %s", e.msg);
    /* a larger header (the CRC covers header_size bytes) is fine */
    make(&d, 512);
    put_le32(d.hdr + GPT_H_HEADER_SIZE, 512);
    seal(&d);
    CHECK(parse(&d, &h, &e) && h.header_size == 512, "a 512-byte header: %s", e.msg);
}

TEST(entries_and_bounds) {
    struct disk d;
    struct gpt_header h;
    kiln_err e;
    struct gpt_entry p;
    make(&d, 512);
    REQUIRE(parse(&d, &h, &e), "%s", e.msg);
    d.ents[1 * 128 + GPT_E_FIRST_LBA] ^= 1;
    CHECK(!gpt_check_entries(&h, d.ents, &e) && strstr(e.msg, "GPT entry array fails its CRC"), "%s", e.msg);
    make(&d, 512);
    entry(&d, 1, gpt_type_kiln, 9000, 8000, "Kiln");
    seal(&d);
    REQUIRE(parse(&d, &h, &e), "%s", e.msg);
    CHECK(gpt_find(&h, d.ents, gpt_type_kiln, &p) == 1 && !gpt_entry_valid(&h, &p, &e) &&
              strstr(e.msg, "partition at LBA 9000-8000 lies outside the usable LBAs 34-20446"),
          "reversed: %s", e.msg);
    entry(&d, 1, gpt_type_kiln, 30, 100, "Kiln");
    gpt_find(&h, d.ents, gpt_type_kiln, &p);
    CHECK(!gpt_entry_valid(&h, &p, &e), "before the usable range");
    entry(&d, 1, gpt_type_kiln, 100, LAST, "Kiln");
    gpt_find(&h, d.ents, gpt_type_kiln, &p);
    CHECK(!gpt_entry_valid(&h, &p, &e), "past the usable range");
    static const uint8_t other[16] = {1};
    CHECK(gpt_find(&h, d.ents, other, &p) == -1, "a type that is not there");
    /* names: non-ASCII UTF-16 units show as '?', 36 units without a NUL are all kept */
    uint8_t *n = d.ents + GPT_E_NAME;
    for (int k = 0; k < 36; k++) put_le16(n + 2 * k, (uint16_t)(k == 3 ? 0x00e9 : 'a' + k % 26));
    gpt_entry_read(&h, d.ents, 0, &p);
    CHECK(strlen(p.name) == 36 && p.name[3] == '?' && p.name[0] == 'a', "name %s", p.name);
}

TEST(guid_strings) {
    char s[37];
    gpt_guid_str(gpt_type_kiln, s);
    CHECK(!strcmp(s, "4B4C4E31-5B1E-4C4E-8D2A-6B696C6E0001"), "kiln: %s", s);
    gpt_guid_str(gpt_type_esp, s);
    CHECK(!strcmp(s, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"), "esp: %s", s);
}

/* What gpt_write_header and gpt_write_entry (the tool's writer) produce,
 * the parser reads back field for field. */
TEST(written_tables_parse_back) {
    static uint8_t ents[128 * 128];
    uint8_t block[512], unique[16], guid[16];
    memset(unique, 0xab, 16), memset(guid, 0xcd, 16);
    memset(ents, 0, sizeof ents);
    gpt_write_entry(ents + 128, gpt_type_kiln, unique, 4096, 8191, "Kiln");
    struct gpt_header w = {.my_lba = LAST, .alternate_lba = 1, .first_usable = 34, .last_usable = LAST - 33,
                           .entries_lba = LAST - 32, .entry_count = 128, .entry_size = 128,
                           .entries_crc = kiln_crc32(0, ents, sizeof ents)};
    memcpy(w.disk_guid, guid, 16);
    gpt_write_header(block, sizeof block, &w);
    struct gpt_header h;
    kiln_err e;
    REQUIRE(gpt_parse_header(block, sizeof block, LAST, LAST, &h, &e), "%s", e.msg);
    CHECK(h.header_size == GPT_HEADER_SIZE && h.my_lba == LAST && h.alternate_lba == 1 && h.first_usable == 34 &&
              h.last_usable == LAST - 33 && h.entries_lba == LAST - 32 && !memcmp(h.disk_guid, guid, 16),
          "header fields");
    CHECK(get_le32(block + GPT_H_REVISION) == GPT_REVISION, "revision 1.0");
    CHECK(gpt_check_entries(&h, ents, &e), "%s", e.msg);
    struct gpt_entry p;
    CHECK(gpt_find(&h, ents, gpt_type_kiln, &p) == 1 && p.first_lba == 4096 && p.last_lba == 8191 &&
              !memcmp(p.unique, unique, 16) && !strcmp(p.name, "Kiln") && p.attributes == 0,
          "entry fields");
    gpt_write_entry(ents, gpt_type_esp, unique, 1, 2, "a name longer than the thirty-six units of a GPT name");
    gpt_entry_read(&h, ents, 0, &p);
    CHECK(strlen(p.name) == GPT_NAME_CHARS && !strncmp(p.name, "a name longer", 13), "a long name is cut: %s", p.name);
}
