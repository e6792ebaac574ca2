/* test_netpayload.c - the network-boot pieces the loaders share:
 * format/pxe.c (the payload's path beside the boot file) and
 * common/netpayload.c (a fetched payload read like a disk; a short file is
 * named truncated). */
#include <stdlib.h>
#include <string.h>

#include "common/netpayload.h"
#include "format/payload.h"
#include "format/pxe.h"
#include "tests/unit/testlib.h"

TEST(payload_path_beside_the_boot_file) {
    char out[PXE_PATH_MAX];
    static const struct {
        const char *boot, *want;
    } cases[] = {
        {"kiln-bios.0", "kiln.payload"},
        {"kiln/kiln-x64.efi", "kiln/kiln.payload"},
        {"/srv/a/b/kiln-bios.0", "/srv/a/b/kiln.payload"},
        {"boot\\kiln\\kiln-x64.efi", "boot\\kiln\\kiln.payload"},
        {"dir/", "dir/kiln.payload"},
        {"", "kiln.payload"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        CHECK(pxe_payload_path(cases[i].boot, strlen(cases[i].boot), out, sizeof out) && !strcmp(out, cases[i].want),
              "%s -> %s, want %s", cases[i].boot, out, cases[i].want);
    }
    /* The DHCP file field is 128 bytes and need not end in a NUL. */
    char field[128];
    memset(field, 'a', sizeof field);
    field[10] = '/';
    CHECK(pxe_payload_path(field, sizeof field, out, sizeof out) && !strcmp(out, "aaaaaaaaaa/kiln.payload"),
          "a field without a NUL: %s", out);
    field[120] = '/';
    CHECK(!pxe_payload_path(field, sizeof field, out, sizeof out), "a folder of 121 bytes leaves no room");
    CHECK(!pxe_payload_path("x/y", 3, out, 12) && pxe_payload_path("x/y", 3, out, 15), "exact fit: %s", out);
}

/* A valid payload of a kernel and a module. */
static uint8_t *make_payload(uint64_t *size) {
    static uint8_t kernel[10000], module[3000];
    memset(kernel, 0x5a, sizeof kernel);
    memset(module, 0xa5, sizeof module);
    struct payload_item items[] = {{PAYLOAD_KERNEL, "k.elf", kernel, sizeof kernel},
                                   {PAYLOAD_MODULE, "m", module, sizeof module}};
    *size = payload_size(items, 2);
    uint8_t *p = calloc(1, *size);
    uint64_t offs[2];
    payload_write(p, items, 2, offs);
    return p;
}

TEST(a_fetched_payload_reads_like_a_disk) {
    kiln_err e;
    uint64_t size;
    uint8_t *p = make_payload(&size);
    uint64_t cap = size + 4096;
    uint8_t *buf = calloc(1, cap);
    memcpy(buf, p, size);
    REQUIRE(netpayload_set(buf, size, cap, "'kiln.payload' from 10.0.2.2", &e), "%s", e.msg);
    uint8_t hdr[PAYLOAD_HEADER_MAX];
    CHECK(netpayload_read(0, hdr, sizeof hdr, NULL, NULL, 0, &e) && !memcmp(hdr, p, 64), "the header read: %s", e.msg);
    uint8_t tail[16];
    CHECK(netpayload_read(size - 16, tail, 16, NULL, NULL, 0, &e) && !memcmp(tail, p + size - 16, 16), "the last bytes");
    struct sum128 sum = {0, 0, 0, 0}, want = sum128_of(p + 4096, size - 4096);
    uint8_t *rest = malloc(size - 4096);
    CHECK(netpayload_read(4096, rest, size - 4096, &sum, NULL, 0, &e) && !memcmp(rest, p + 4096, size - 4096) &&
              sum128_equal(&sum, &want), "a read with its sum");
    free(rest);
    CHECK(!netpayload_read(cap - 8, tail, 16, NULL, NULL, 0, &e) && strstr(e.msg, "runs past the payload file"), "past: %s", e.msg);
    CHECK(!netpayload_read(UINT64_MAX - 4, tail, 16, NULL, NULL, 0, &e), "a wrapping offset");
    free(buf);
    free(p);
}

TEST(a_truncated_or_damaged_fetch_is_named) {
    kiln_err e;
    uint64_t size;
    uint8_t *p = make_payload(&size);
    uint64_t cap = size + PAYLOAD_HEADER_MAX;
    uint8_t *buf = calloc(1, cap);
    memcpy(buf, p, size / 2);
    CHECK(!netpayload_set(buf, size / 2, cap, "'kiln.payload' from 10.0.2.2", &e) &&
              strstr(e.msg, "network: 'kiln.payload' from 10.0.2.2") && strstr(e.msg, "is truncated or damaged"),
          "half: %s", e.msg);
    CHECK(!netpayload_set(buf, 10, cap, "'kiln.payload' from 10.0.2.2", &e) && strstr(e.msg, "too short"),
          "ten bytes: %s", e.msg);
    memcpy(buf, p, size);
    buf[3] ^= 1; /* the magic */
    CHECK(!netpayload_set(buf, size, cap, "x", &e) && strstr(e.msg, "truncated or damaged"), "bad magic: %s", e.msg);
    CHECK(!netpayload_set(buf, size, PAYLOAD_HEADER_MAX - 1, "x", &e), "a buffer smaller than a header read");
    free(buf);
    free(p);
}
