/* test_efiseal.c - BOOTX64.EFI's self-check (format/efiseal.c) on the built
 * BOOTX64.EFI: the CRC the tool seals is the one the loader computes over
 * its image as the firmware lays it out; a flipped byte of code changes it;
 * what a signer changes (header checksum, certificate directory, a signature
 * appended after the sections) and what gnu-efi's self-relocation changes
 * (.data) do not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "format/efiseal.h"
#include "tests/unit/testlib.h"

static uint8_t *load_efi(size_t *size) {
    const char *b = getenv("B");
    char path[256];
    snprintf(path, sizeof path, "%s/BOOTX64.EFI", b && *b ? b : "build");
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = malloc(1 << 22);
    *size = fread(buf, 1, 1 << 22, f);
    fclose(f);
    return buf;
}

/* The image as a PE loader lays it out: headers, then each section at its
 * VirtualAddress (raw bytes, zero-filled to VirtualSize). */
static uint8_t *lay_out(const uint8_t *f, size_t *image_size) {
    uint32_t pe = get_le32(f + 0x3c);
    uint16_t nsec = get_le16(f + pe + 6), optsz = get_le16(f + pe + 20);
    uint32_t size = get_le32(f + pe + 24 + 56), hdrs = get_le32(f + pe + 24 + 60);
    uint8_t *m = calloc(1, size);
    memcpy(m, f, hdrs);
    for (uint16_t i = 0; i < nsec; i++) {
        const uint8_t *s = f + pe + 24 + optsz + 40u * i;
        uint32_t vsize = get_le32(s + 8), va = get_le32(s + 12), raw = get_le32(s + 16), ptr = get_le32(s + 20);
        memcpy(m + va, f + ptr, MIN(vsize, raw));
    }
    put_le64(m + pe + 24 + 24, 0x7e4d2000); /* the firmware writes the load address into ImageBase */
    *image_size = size;
    return m;
}

TEST(sealed_file_and_loaded_image_agree) {
    size_t size, isize;
    uint8_t *f = load_efi(&size);
    REQUIRE(f, "no BOOTX64.EFI under $B (run make first)");
    kiln_err e;
    REQUIRE(efi_seal(f, size, &e), "seal: %s", e.msg);
    const uint8_t *rec = memmem(f, size, EFI_SEAL_MAGIC, EFI_SEAL_MAGIC_SIZE);
    REQUIRE(rec, "no seal record");
    struct sum128 want = {get_le64(rec + 24), get_le64(rec + 32), get_le64(rec + 40), get_le64(rec + 48)}, sum;
    uint32_t covered = get_le32(rec + 16);
    CHECK(covered > 40000 && get_le32(rec + 20) == 0, "covers only %u bytes", covered);

    uint8_t *m = lay_out(f, &isize);
    uint32_t n;
    REQUIRE(efi_seal_sum(m, 0, true, &sum, &n, &e), "loaded: %s", e.msg);
    CHECK(sum128_equal(&sum, &want) && n == covered, "loaded image: %u bytes, sealed %u", n, covered);

    /* A byte of .text (16 KiB into the file, as the boot test flips it). */
    uint32_t pe = get_le32(f + 0x3c), text_va = get_le32(f + pe + 24 + get_le16(f + pe + 20) + 12);
    uint32_t text_raw = get_le32(f + pe + 24 + get_le16(f + pe + 20) + 20);
    m[text_va + 16384 - text_raw] ^= 0x20;
    REQUIRE(efi_seal_sum(m, 0, true, &sum, &n, &e), "%s", e.msg);
    CHECK(!sum128_equal(&sum, &want), "a flipped byte of code went unnoticed");
    free(m);
    free(f);
}

TEST(what_signing_and_relocation_change_is_not_covered) {
    size_t size;
    uint8_t *f = load_efi(&size);
    REQUIRE(f, "no BOOTX64.EFI");
    kiln_err e;
    REQUIRE(efi_seal(f, size, &e), "seal: %s", e.msg);
    struct sum128 want, sum;
    uint32_t n;
    REQUIRE(efi_seal_sum(f, size, false, &want, &n, &e), "%s", e.msg);
    /* As sbsign does: header checksum, certificate directory, a signature after the sections. */
    uint8_t *g = calloc(1, size + 4096);
    memcpy(g, f, size);
    uint32_t pe = get_le32(g + 0x3c), opt = pe + 24;
    put_le32(g + opt + 64, 0x12345678);                   /* CheckSum */
    put_le32(g + opt + 112 + 4 * 8, (uint32_t)size);      /* data directory 4: certificates */
    put_le32(g + opt + 112 + 4 * 8 + 4, 4096);
    memset(g + size, 0xa5, 4096);
    REQUIRE(efi_seal_sum(g, size + 4096, false, &sum, &n, &e), "%s", e.msg);
    CHECK(sum128_equal(&sum, &want), "signing changed the sum");
    /* The seal record itself is in .data: writing it changed nothing covered. */
    uint8_t *rec = memmem(g, size, EFI_SEAL_MAGIC, EFI_SEAL_MAGIC_SIZE);
    put_le32(rec + 16, 0), put_le64(rec + 24, 0);
    REQUIRE(efi_seal_sum(g, size + 4096, false, &sum, &n, &e), "%s", e.msg);
    CHECK(sum128_equal(&sum, &want), "the seal record is covered");
    CHECK(!efi_seal_sum(g, 0x30, false, &sum, &n, &e) && strstr(e.msg, "too small"), "tiny: %s", e.msg);
    g[0] = 'X';
    CHECK(!efi_seal_sum(g, size, false, &sum, &n, &e) && strstr(e.msg, "not a PE file"), "not PE: %s", e.msg);
    free(g);
    free(f);
}
