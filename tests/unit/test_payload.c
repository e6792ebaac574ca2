/* test_payload.c - format/payload.c: headers built the way format/payload_write.c
 * builds them, then every corruption payload_validate must catch. */
#include <stdlib.h>
#include <string.h>

#include <kiln/crc32.h>
#include "format/payload.h"
#include "tests/unit/testlib.h"

struct ent {
    uint32_t type;
    const char *name;
    uint64_t offset, size;
};

/* A header buffer: always a fresh heap block of exactly the header size. */
struct hdr {
    uint8_t *buf;
    uint32_t size;
};

static struct payload_header *H(struct hdr *h) { return (struct payload_header *)h->buf; }
static struct payload_entry *E(struct hdr *h, uint32_t i) { return (struct payload_entry *)(h->buf + 32) + i; }

/* CRC of header + table with the CRC field taken as zero, as image.c does. */
static void reseal(struct hdr *h) {
    H(h)->header_crc32 = 0;
    H(h)->header_crc32 = kiln_crc32(0, h->buf, h->size);
}

static struct hdr make(const struct ent *ents, uint32_t n, uint64_t total) {
    struct hdr h;
    h.size = (uint32_t)(sizeof(struct payload_header) + n * sizeof(struct payload_entry));
    h.buf = calloc(1, h.size);
    memcpy(H(&h)->magic, PAYLOAD_MAGIC, 8);
    H(&h)->version = PAYLOAD_VERSION;
    H(&h)->header_size = h.size;
    H(&h)->entry_count = n;
    H(&h)->total_size = total;
    for (uint32_t i = 0; i < n; i++) {
        E(&h, i)->type = ents[i].type;
        E(&h, i)->crc32 = ents[i].type == PAYLOAD_MODULE ? 0x1000 + i : 0; /* modules only */
        E(&h, i)->sum.b_lo = 0x2000 + i;
        E(&h, i)->offset = ents[i].offset;
        E(&h, i)->size = ents[i].size;
        memcpy(E(&h, i)->name, ents[i].name, strlen(ents[i].name));
    }
    reseal(&h);
    return h;
}

/* kernel, module, config and stage2, each at a 4 KiB boundary */
static const struct ent std_ents[] = {
    {PAYLOAD_KERNEL, "kernel.elf", 0x1000, 0x5000},
    {PAYLOAD_MODULE, "initrd", 0x6000, 0x1234},
    {PAYLOAD_CONFIG, "kiln.cfg", 0x8000, 0x40},
    {PAYLOAD_STAGE2, "stage2", 0x9000, 0x8000},
};
#define STD_TOTAL 0x11000u
static struct hdr standard(void) { return make(std_ents, 4, STD_TOTAL); }

static bool validate(const struct hdr *h, uint64_t len, uint64_t avail, kiln_err *e) {
    /* an exact-size copy of the first len bytes, so ASan sees any overread */
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, h->buf, len);
    memset(e, 0, sizeof *e);
    bool ok = payload_validate(copy, len, avail, e);
    free(copy);
    return ok;
}

#define EXPECT_VALID(h, avail) \
    do { \
        kiln_err e_; \
        CHECK(validate(h, (h)->size, avail, &e_), "rejected: %s", e_.msg); \
    } while (0)
#define EXPECT_INVALID(h, want) EXPECT_INVALID_LEN(h, (h)->size, STD_TOTAL, want)
#define EXPECT_INVALID_LEN(h, len, avail, want) \
    do { \
        kiln_err e_; \
        if (validate(h, len, avail, &e_)) \
            test_fail_at(__FILE__, __LINE__, "accepted; want an error containing \"%s\"", want); \
        else if (!strstr(e_.msg, want)) \
            test_fail_at(__FILE__, __LINE__, "error \"%s\" does not contain \"%s\"", e_.msg, want); \
    } while (0)

/* ------------------------------------------------------------------------ */

TEST(valid_header) {
    struct hdr h = standard();
    EXPECT_VALID(&h, STD_TOTAL);
    EXPECT_VALID(&h, 0);             /* 0: the partition size is unknown */
    EXPECT_VALID(&h, STD_TOTAL * 2); /* a bigger partition */
    /* a minimal one: just a kernel */
    struct ent k = {PAYLOAD_KERNEL, "k", 0x1000, 1};
    struct hdr m = make(&k, 1, 0x2000);
    EXPECT_VALID(&m, 0);
    /* 64 entries: the header is then bigger than a page */
    struct ent many[PAYLOAD_MAX_ENTRIES];
    char names[PAYLOAD_MAX_ENTRIES][8];
    for (uint32_t i = 0; i < PAYLOAD_MAX_ENTRIES; i++) {
        snprintf(names[i], sizeof names[i], "m%u", i);
        many[i] = (struct ent){i ? PAYLOAD_MODULE : PAYLOAD_KERNEL, names[i], 0x2000 + i * 0x1000, 0x1000};
    }
    struct hdr big = make(many, PAYLOAD_MAX_ENTRIES, 0x2000 + PAYLOAD_MAX_ENTRIES * 0x1000);
    CHECK(big.size == 32 + 64 * 120, "header size %u", big.size);
    EXPECT_VALID(&big, 0);
    free(h.buf);
    free(m.buf);
    free(big.buf);
}

TEST(find_and_entry_at) {
    struct hdr h = standard();
    const struct payload_header *ph = H(&h);
    CHECK(payload_entry_at(ph, 0) == E(&h, 0) && payload_entry_at(ph, 3) == E(&h, 3), "payload_entry_at");
    CHECK(strcmp(payload_entry_at(ph, 1)->name, "initrd") == 0 && payload_entry_at(ph, 1)->size == 0x1234,
          "entry 1 is the module");
    CHECK(payload_find(ph, PAYLOAD_KERNEL) == E(&h, 0), "kernel");
    CHECK(payload_find(ph, PAYLOAD_MODULE) == E(&h, 1), "module");
    CHECK(payload_find(ph, PAYLOAD_CONFIG) == E(&h, 2), "config");
    CHECK(payload_find(ph, PAYLOAD_STAGE2) == E(&h, 3), "stage2");
    CHECK(payload_find(ph, 99) == NULL, "unknown type");
    free(h.buf);
    /* the first of several modules */
    struct ent two[] = {{PAYLOAD_MODULE, "a", 0x1000, 1}, {PAYLOAD_KERNEL, "k", 0x2000, 1}, {PAYLOAD_MODULE, "b", 0x3000, 1}};
    h = make(two, 3, 0x4000);
    CHECK(payload_find(H(&h), PAYLOAD_MODULE) == E(&h, 0) && payload_find(H(&h), PAYLOAD_CONFIG) == NULL,
          "first module");
    free(h.buf);
    CHECK(strcmp(payload_type_name(PAYLOAD_KERNEL), "kernel") == 0 &&
              strcmp(payload_type_name(PAYLOAD_MODULE), "module") == 0 &&
              strcmp(payload_type_name(PAYLOAD_CONFIG), "config") == 0 &&
              strcmp(payload_type_name(PAYLOAD_STAGE2), "stage2") == 0 && strcmp(payload_type_name(0), "unknown") == 0,
          "type names");
}

TEST(truncated) {
    struct hdr h = standard();
    EXPECT_INVALID_LEN(&h, 31, 0, "header truncated (31 bytes)");
    EXPECT_INVALID_LEN(&h, 0, 0, "header truncated");
    EXPECT_INVALID_LEN(&h, h.size - 1, 0, "header truncated");
    free(h.buf);
}

TEST(bad_magic) {
    struct hdr h = standard();
    H(&h)->magic[7] = 'X';
    reseal(&h);
    EXPECT_INVALID(&h, "bad magic");
    free(h.buf);
}

TEST(bad_version) {
    struct hdr h = standard();
    H(&h)->version = 3;
    reseal(&h);
    EXPECT_INVALID(&h, "format version 3, this Kiln reads version 2");
    /* Version 1 (CRC-32 per entry, 88-byte entries): refused by name, with
     * what to do, before anything else of it is read. */
    H(&h)->version = 1;
    reseal(&h);
    EXPECT_INVALID(&h, "format version 1, this Kiln reads version 2: make the image again with this Kiln's `kiln image`");
    free(h.buf);
}

TEST(crc32_only_on_modules) {
    for (uint32_t i = 0; i < 4; i++) {
        struct hdr h = standard();
        E(&h, i)->crc32 ^= 0x5a5a;
        reseal(&h);
        kiln_err e;
        bool ok = validate(&h, h.size, STD_TOTAL, &e);
        if (E(&h, i)->type == PAYLOAD_MODULE) CHECK(ok, "a module's CRC-32 is any value: %s", e.msg);
        else CHECK(!ok && strstr(e.msg, "has a CRC-32, which only modules carry"), "entry %u: %s", i, ok ? "accepted" : e.msg);
        free(h.buf);
    }
}

TEST(entry_sum_checked) {
    static uint8_t data[5000];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7 + 1);
    struct payload_entry pe = {PAYLOAD_KERNEL, 0, 4096, sizeof data, sum128_of(data, sizeof data), "kernel.elf"};
    kiln_err e;
    struct sum128 got = sum128_of(data, pe.size);
    CHECK(payload_entry_ok(&pe, &got, &e), "intact: %s", e.msg);
    data[4999] ^= 0x80;
    got = sum128_of(data, pe.size);
    CHECK(!payload_entry_ok(&pe, &got, &e) &&
              !strncmp(e.msg, "payload: kernel 'kernel.elf' is corrupt: checksum mismatch (stored ", 67),
          "one bit of the last byte: %s", e.msg);
    data[4999] ^= 0x80;
    pe.size--; /* the same bytes but one: a shorter entry no longer matches */
    got = sum128_of(data, pe.size);
    CHECK(!payload_entry_ok(&pe, &got, &e), "one byte short accepted");
}

TEST(bad_entry_count) {
    struct hdr h = standard();
    H(&h)->entry_count = 0;
    reseal(&h);
    EXPECT_INVALID(&h, "0 entries (must be 1..64)");
    H(&h)->entry_count = 65;
    reseal(&h);
    EXPECT_INVALID(&h, "65 entries (must be 1..64)");
    H(&h)->entry_count = UINT32_MAX;
    reseal(&h);
    EXPECT_INVALID(&h, "4294967295 entries");
    free(h.buf);
}

TEST(bad_header_size) {
    struct hdr h = standard();
    H(&h)->header_size += 120;
    reseal(&h);
    EXPECT_INVALID(&h, "header size 632 does not match 4 entries");
    H(&h)->header_size = 32;
    reseal(&h);
    EXPECT_INVALID(&h, "header size 32 does not match 4 entries");
    /* entry_count says 3: the size no longer matches either */
    H(&h)->header_size = h.size;
    H(&h)->entry_count = 3;
    reseal(&h);
    EXPECT_INVALID(&h, "does not match 3 entries");
    free(h.buf);
}

TEST(crc_mismatch) {
    struct hdr h = standard();
    H(&h)->header_crc32 ^= 1;
    EXPECT_INVALID(&h, "header checksum mismatch");
    free(h.buf);
}

TEST(every_single_byte_and_bit_flip_detected) {
    struct hdr h = standard();
    for (uint32_t i = 0; i < h.size; i++)
        for (int bit = -1; bit < 8; bit++) {
            uint8_t mask = bit < 0 ? 0xff : (uint8_t)(1u << bit);
            h.buf[i] ^= mask;
            kiln_err e;
            bool ok = validate(&h, h.size, STD_TOTAL, &e);
            h.buf[i] ^= mask;
            /* the fields checked before the CRC fail on their own terms */
            const char *want = i < 8 ? "bad magic" : i < 12 ? "format version" : i < 16 ? "header size"
                             : i < 20 ? "entries" : "header checksum mismatch";
            if (ok || !strstr(e.msg, want)) {
                CHECK(0, "byte %u mask 0x%02x: %s (\"%s\", want \"%s\")", i, mask, ok ? "accepted" : "wrong error",
                      e.msg, want);
                goto out;
            }
        }
    EXPECT_VALID(&h, STD_TOTAL); /* restored */
out:
    free(h.buf);
}

TEST(entry_not_aligned) {
    struct hdr h = standard();
    E(&h, 1)->offset += 0x800;
    reseal(&h);
    EXPECT_INVALID(&h, "entry 1 (initrd) is not 4096-byte aligned");
    E(&h, 1)->offset = 0x6000 + 1;
    reseal(&h);
    EXPECT_INVALID(&h, "not 4096-byte aligned");
    free(h.buf);
}

TEST(entry_overlaps_header) {
    struct hdr h = standard();
    E(&h, 0)->offset = 0;
    reseal(&h);
    EXPECT_INVALID(&h, "entry 0 (kernel.elf) overlaps the header");
    free(h.buf);
    /* 64 entries make a 5664-byte header: an entry at 4 KiB is inside it */
    struct ent many[PAYLOAD_MAX_ENTRIES];
    for (uint32_t i = 0; i < PAYLOAD_MAX_ENTRIES; i++)
        many[i] = (struct ent){i ? PAYLOAD_MODULE : PAYLOAD_KERNEL, "x", 0x2000 + i * 0x1000, 0x10};
    many[5].offset = 0x1000;
    h = make(many, PAYLOAD_MAX_ENTRIES, 0x100000);
    EXPECT_INVALID_LEN(&h, h.size, 0, "entry 5 (x) overlaps the header");
    free(h.buf);
}

TEST(overlapping_entries) {
    struct hdr h = standard();
    E(&h, 1)->offset = 0x5000; /* the kernel is 0x1000..0x6000 */
    reseal(&h);
    EXPECT_INVALID(&h, "entries 0 (kernel.elf) and 1 (initrd) overlap");
    E(&h, 1)->offset = 0x6000;
    E(&h, 3)->offset = 0x8000; /* onto the config */
    reseal(&h);
    EXPECT_INVALID(&h, "entries 2 (kiln.cfg) and 3 (stage2) overlap");
    free(h.buf);
    /* touching is fine, and an empty module overlaps nothing */
    struct ent ok[] = {{PAYLOAD_KERNEL, "k", 0x1000, 0x1000}, {PAYLOAD_MODULE, "m", 0x2000, 0x1000},
                       {PAYLOAD_MODULE, "empty", 0x2000, 0}};
    h = make(ok, 3, 0x3000);
    EXPECT_VALID(&h, 0);
    free(h.buf);
}

TEST(entry_past_total_size) {
    struct hdr h = standard();
    E(&h, 3)->size = 0x8001;
    reseal(&h);
    EXPECT_INVALID(&h, "entry 3 (stage2) runs past the end of the payload");
    E(&h, 3)->size = UINT64_MAX - 0x100; /* offset + size wraps */
    reseal(&h);
    EXPECT_INVALID(&h, "entry 3 (stage2) runs past the end of the payload");
    E(&h, 3)->size = 0x8000;
    E(&h, 3)->offset = UINT64_MAX & ~UINT64_C(0xfff);
    reseal(&h);
    EXPECT_INVALID(&h, "runs past the end");
    free(h.buf);
}

TEST(total_size_over_avail) {
    struct hdr h = standard();
    EXPECT_INVALID_LEN(&h, h.size, STD_TOTAL - 1, "claims 69632 bytes but the partition holds 69631");
    free(h.buf);
}

TEST(kernel_count) {
    struct ent none[] = {{PAYLOAD_MODULE, "m", 0x1000, 0x10}};
    struct hdr h = make(none, 1, 0x2000);
    EXPECT_INVALID(&h, "0 kernels (need exactly one)");
    free(h.buf);
    h = standard();
    E(&h, 1)->type = PAYLOAD_KERNEL;
    E(&h, 1)->crc32 = 0; /* only modules carry one */
    reseal(&h);
    EXPECT_INVALID(&h, "2 kernels (need exactly one)");
    free(h.buf);
    h = standard();
    E(&h, 0)->size = 0;
    reseal(&h);
    EXPECT_INVALID(&h, "the kernel is empty");
    free(h.buf);
}

TEST(config_and_stage2_count) {
    struct hdr h = standard();
    E(&h, 1)->type = PAYLOAD_CONFIG;
    E(&h, 1)->crc32 = 0; /* only modules carry one */
    reseal(&h);
    EXPECT_INVALID(&h, "2 config entries (at most one)");
    free(h.buf);
    h = standard();
    E(&h, 1)->type = PAYLOAD_STAGE2;
    E(&h, 1)->crc32 = 0; /* only modules carry one */
    reseal(&h);
    EXPECT_INVALID(&h, "2 stage2 entries (at most one)");
    free(h.buf);
}

TEST(unknown_type) {
    struct hdr h = standard();
    E(&h, 1)->type = 9;
    reseal(&h);
    EXPECT_INVALID(&h, "entry 1 (initrd) has unknown type 9");
    E(&h, 1)->type = 0;
    reseal(&h);
    EXPECT_INVALID(&h, "unknown type 0");
    free(h.buf);
}

TEST(bad_names) {
    struct hdr h = standard();
    char *name = E(&h, 2)->name;
    /* empty */
    memset(name, 0, PAYLOAD_NAME_MAX);
    reseal(&h);
    EXPECT_INVALID(&h, "entry 2 has a bad name");
    /* unterminated: 64 printable characters */
    memset(name, 'a', PAYLOAD_NAME_MAX);
    reseal(&h);
    EXPECT_INVALID(&h, "entry 2 has a bad name");
    /* 63 characters and the NUL: fine */
    name[PAYLOAD_NAME_MAX - 1] = 0;
    reseal(&h);
    EXPECT_VALID(&h, STD_TOTAL);
    /* non-printable characters anywhere */
    static const char bad[] = {0x01, 0x1f, '\n', '\t', 0x7f, (char)0x80, (char)0xff};
    for (unsigned i = 0; i < sizeof bad; i++) {
        memset(name, 0, PAYLOAD_NAME_MAX);
        memcpy(name, "cfg.txt", 7);
        name[i % 7] = bad[i];
        reseal(&h);
        EXPECT_INVALID(&h, "entry 2 has a bad name");
    }
    /* garbage after the NUL */
    memset(name, 0, PAYLOAD_NAME_MAX);
    memcpy(name, "abc", 3);
    name[10] = 'x';
    reseal(&h);
    EXPECT_INVALID(&h, "entry 2 has a bad name");
    name[10] = 0;
    name[PAYLOAD_NAME_MAX - 1] = 1;
    reseal(&h);
    EXPECT_INVALID(&h, "entry 2 has a bad name");
    /* spaces and punctuation are printable */
    memset(name, 0, PAYLOAD_NAME_MAX);
    memcpy(name, "my config ~!", 12);
    reseal(&h);
    EXPECT_VALID(&h, STD_TOTAL);
    free(h.buf);
}

#define rnd test_rand

/* What an accepted header guarantees to the loader. */
static bool sound(const uint8_t *buf, uint64_t len, uint64_t avail) {
    const struct payload_header *h = (const void *)buf;
    if (h->entry_count < 1 || h->entry_count > PAYLOAD_MAX_ENTRIES) return false;
    if (h->header_size != 32 + 120 * h->entry_count || h->header_size > len) return false;
    if (avail && h->total_size > avail) return false;
    unsigned kernels = 0, configs = 0, stage2s = 0;
    for (uint32_t i = 0; i < h->entry_count; i++) {
        const struct payload_entry *p = payload_entry_at(h, i);
        uint64_t end;
        if (p->type < PAYLOAD_KERNEL || p->type > PAYLOAD_STAGE2) return false;
        kernels += p->type == PAYLOAD_KERNEL, configs += p->type == PAYLOAD_CONFIG, stage2s += p->type == PAYLOAD_STAGE2;
        if (p->type == PAYLOAD_KERNEL && p->size == 0) return false;
        if (p->crc32 && p->type != PAYLOAD_MODULE) return false;
        if (p->offset % PAYLOAD_ALIGN || p->offset < h->header_size) return false;
        if (!add_ok(p->offset, p->size, &end) || end > h->total_size) return false;
        size_t n = strnlen(p->name, PAYLOAD_NAME_MAX);
        if (n == 0 || n == PAYLOAD_NAME_MAX) return false;
        for (size_t k = 0; k < PAYLOAD_NAME_MAX; k++)
            if (k < n ? (p->name[k] < 0x20 || p->name[k] > 0x7e) : p->name[k] != 0) return false;
        for (uint32_t j = 0; j < i; j++) {
            const struct payload_entry *q = payload_entry_at(h, j);
            if (p->size && q->size && p->offset < q->offset + q->size && q->offset < p->offset + p->size) return false;
        }
    }
    return kernels == 1 && configs <= 1 && stage2s <= 1;
}

/* Random field corruptions, resealed so they get past the CRC most of the
 * time: payload_validate never reads outside the header it was given, and
 * whatever it accepts is sound. */
TEST(fuzz_resealed_headers) {
    static const uint64_t vals[] = {0, 1, 4, 5, 0x1000, 0x1001, 0x2000, 0x5000, 0x6000, 0x8000, 0x9000, STD_TOTAL,
                                    STD_TOTAL - 1, STD_TOTAL + 0x1000, UINT64_MAX, UINT64_MAX - 0xfff, 0xffffffff, 64, 65};
    struct hdr base = standard();
    test_seed(UINT64_C(0x7061796c6f616421));
    unsigned accepted = 0;
    for (unsigned it = 0; it < 20000 && !test_failed_now(); it++) {
        struct hdr h = {malloc(base.size), base.size};
        memcpy(h.buf, base.buf, base.size);
        unsigned n = 1 + (unsigned)(rnd() % 4 == 0);
        for (unsigned k = 0; k < n; k++) {
            uint32_t i = (uint32_t)(rnd() % 4);
            uint64_t v = rnd() % 4 ? vals[rnd() % ARRAY_LEN(vals)] : rnd();
            switch (rnd() % 9) {
            case 0: E(&h, i)->type = (uint32_t)(rnd() % 6); break;
            case 1: E(&h, i)->offset = v; break;
            case 2: E(&h, i)->size = v; break;
            case 3: E(&h, i)->name[rnd() % PAYLOAD_NAME_MAX] = (char)rnd(); break;
            case 4: H(&h)->total_size = v; break;
            case 5: H(&h)->entry_count = (uint32_t)(rnd() % 2 ? rnd() % 6 : v); break;
            case 6: H(&h)->header_size = (uint32_t)(rnd() % 2 ? 32 + 120 * (rnd() % 6) : v); break;
            case 7: H(&h)->version = (uint32_t)(rnd() % 4); break;
            default: h.buf[rnd() % h.size] ^= (uint8_t)(1u << (rnd() % 8)); break;
            }
        }
        if (rnd() % 8) reseal(&h);
        uint64_t avail = (uint64_t[]){0, STD_TOTAL, STD_TOTAL - 1, UINT64_MAX, 0x4000}[rnd() % 5];
        uint64_t len = rnd() % 8 ? h.size : rnd() % (h.size + 1);
        kiln_err e;
        if (validate(&h, len, avail, &e)) {
            accepted++;
            CHECK(sound(h.buf, len, avail), "iteration %u: accepted an unsound header", it);
        } else {
            CHECK(strncmp(e.msg, "payload: ", 9) == 0, "iteration %u: message \"%s\"", it, e.msg);
        }
        free(h.buf);
    }
    CHECK(accepted > 1000, "only %u of 20000 accepted", accepted);
    free(base.buf);
}
