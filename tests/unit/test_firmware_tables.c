/* test_firmware_tables.c - ACPI RSDP and SMBIOS entry points (common/firmware_tables.c):
 * validation and the legacy scans, over the mock of physical memory. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/firmware_tables.h"
#include "core/util.h"
#include "common/frames.h"
#include "tests/unit/mock_phys.h"
#include "tests/unit/testlib.h"

static uint8_t sum8(const uint8_t *p, size_t n) {
    uint8_t s = 0;
    while (n--) s = (uint8_t)(s + *p++);
    return s;
}
static void fix_sum(uint8_t *p, size_t n, size_t at) {
    p[at] = 0;
    p[at] = (uint8_t)(0x100 - sum8(p, n));
}

static void make_rsdp(uint8_t *p, uint8_t rev, uint32_t len) {
    memset(p, 0, 36);
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, "KILNOE", 6);
    p[15] = rev;
    p[16] = 0x00, p[17] = 0xe0, p[18] = 0x0f; /* RSDT at 0xfe000 */
    fix_sum(p, 20, 8);
    if (rev >= 2) {
        memcpy(p + 20, &len, 4);
        p[24] = 0x40; /* XSDT */
        fix_sum(p, len, 32);
    }
}

TEST(rsdp) {
    uint8_t *p = calloc(1, 4096);
    make_rsdp(p, 0, 0);
    CHECK(rsdp_valid(p, 4096), "ACPI 1.0 RSDP");
    p[10] ^= 1;
    CHECK(!rsdp_valid(p, 4096), "bad checksum accepted");
    make_rsdp(p, 0, 0);
    p[7] = '_', fix_sum(p, 20, 8);
    CHECK(!rsdp_valid(p, 4096), "bad signature accepted");
    make_rsdp(p, 2, 36);
    CHECK(rsdp_valid(p, 4096), "ACPI 2.0 RSDP");
    p[33] ^= 1; /* a reserved byte: only the extended checksum covers it */
    CHECK(!rsdp_valid(p, 4096), "bad extended checksum accepted");
    make_rsdp(p, 2, 36);
    p[8] ^= 1;
    CHECK(!rsdp_valid(p, 4096), "bad v1 checksum on a v2 RSDP accepted");
    make_rsdp(p, 2, 35);
    CHECK(!rsdp_valid(p, 4096), "length 35 accepted");
    /* the length field is outside the v1 checksum, so these stay v1-valid */
    static const uint32_t bad_len[] = {4097, 0xffffffffu, 0};
    for (unsigned i = 0; i < ARRAY_LEN(bad_len); i++) {
        make_rsdp(p, 2, 36);
        memcpy(p + 20, &bad_len[i], 4);
        CHECK(!rsdp_valid(p, 4096), "length %u accepted", bad_len[i]);
    }
    make_rsdp(p, 2, 4096); /* the largest: the extended checksum covers all of it */
    CHECK(rsdp_valid(p, 4096), "length 4096");
    CHECK(!rsdp_valid(p, 4095), "a length past the readable bytes accepted");
    make_rsdp(p, 2, 36);
    CHECK(!rsdp_valid(p, 30), "a v2 RSDP with fewer than 36 readable bytes accepted");
    make_rsdp(p, 0, 0);
    CHECK(!rsdp_valid(p, 19), "an RSDP with fewer than 20 readable bytes accepted");
    free(p); /* (ASan: nothing read past the 4 KiB block) */
}

static void make_sm2(uint8_t *p, uint8_t len) {
    memset(p, 0, 0x40);
    memcpy(p, "_SM_", 4);
    p[5] = len;
    p[6] = 2, p[7] = 8;    /* version 2.8 */
    p[8] = 0x40;           /* max structure size */
    memcpy(p + 0x10, "_DMI_", 5);
    p[0x16] = 0x00, p[0x17] = 0x10; /* table length */
    p[0x18] = 0x00, p[0x19] = 0x00, p[0x1a] = 0x0f; /* table at 0xf0000 */
    p[0x1c] = 20;          /* structure count */
    p[0x1e] = 0x28;
    fix_sum(p + 0x10, 0x0f, 5);
    fix_sum(p, len, 4);
}

static void make_sm3(uint8_t *p, uint8_t len) {
    memset(p, 0, 0x40);
    memcpy(p, "_SM3_", 5);
    p[6] = len;
    p[7] = 3, p[8] = 4; /* 3.4 */
    p[10] = 1;
    p[12] = 0x00, p[13] = 0x20;
    p[16] = 0x00, p[17] = 0x00, p[18] = 0x0f;
    fix_sum(p, len, 5);
}

TEST(smbios) {
    uint8_t *p = calloc(1, 0x40);
    make_sm2(p, 0x1f);
    CHECK(smbios2_valid(p), "SMBIOS 2 entry point");
    p[0x0b] ^= 1;
    CHECK(!smbios2_valid(p), "bad checksum accepted");
    make_sm2(p, 0x1f);
    p[0x1c] ^= 1;
    fix_sum(p, 0x1f, 4); /* the outer checksum is right again; the intermediate one is not */
    CHECK(!smbios2_valid(p), "bad intermediate checksum accepted");
    make_sm2(p, 0x1f);
    p[0x11] = 'X', fix_sum(p + 0x10, 0x0f, 5), fix_sum(p, 0x1f, 4);
    CHECK(!smbios2_valid(p), "bad _DMI_ anchor accepted");
    make_sm2(p, 0x1e); /* the SMBIOS 2.1 erratum length, which real firmware uses */
    CHECK(smbios2_valid(p), "length 0x1e refused");
    make_sm2(p, 0x1d);
    CHECK(!smbios2_valid(p), "length 0x1d accepted");
    make_sm2(p, 0x40);
    CHECK(smbios2_valid(p), "length 0x40");
    p[5] = 0x41, fix_sum(p, 0x40, 4);
    CHECK(!smbios2_valid(p), "length 0x41 accepted");
    make_sm3(p, 0x18);
    CHECK(smbios3_valid(p) && !smbios2_valid(p), "SMBIOS 3 entry point");
    p[0x10] ^= 1;
    CHECK(!smbios3_valid(p), "bad SMBIOS 3 checksum accepted");
    make_sm3(p, 0x17);
    CHECK(!smbios3_valid(p), "length 0x17 accepted");
    make_sm3(p, 0x18);
    p[6] = 0xff, fix_sum(p, 0x18, 5);
    CHECK(!smbios3_valid(p), "absurd length accepted");
    make_sm3(p, 0x18);
    p[4] = '4', fix_sum(p, 0x18, 5);
    CHECK(!smbios3_valid(p), "bad anchor accepted");
    make_sm2(p, 0x1f);
    CHECK(!smbios3_valid(p), "SMBIOS 2 taken for 3");
    free(p);
}

TEST(legacy_scans) {
    mock_phys_init(0x20000);
    uint64_t base = MOCK_PHYS_BASE;
    uint8_t *m = phys_ptr(base);
    make_rsdp(m + 0x100, 0, 0);
    m[0x100 + 9] ^= 1; /* a decoy with a bad checksum */
    make_rsdp(m + 0x1238, 0, 0); /* a valid one off the 16-byte grid: never looked at */
    make_rsdp(m + 0x2340, 2, 36);
    make_rsdp(m + 0x3000, 0, 0);
    CHECK(rsdp_scan(base, 0x10000) == base + 0x2340, "rsdp_scan: 0x%llx", (unsigned long long)rsdp_scan(base, 0x10000));
    CHECK(rsdp_scan(base, 0x2340 + 35) == 0, "a range too short for the RSDP");
    CHECK(rsdp_scan(base + 0x2350, 0x8000) == base + 0x3000, "a later start");
    make_sm3(m + 0x4000, 0x18);
    make_sm2(m + 0x5010, 0x1f);
    make_sm2(m + 0x6000, 0x1f);
    uint64_t sm2 = 0, sm3 = 0;
    smbios_scan(base, 0x10000, &sm2, &sm3);
    CHECK(sm2 == base + 0x5010 && sm3 == base + 0x4000, "smbios_scan: 0x%llx 0x%llx", (unsigned long long)sm2,
          (unsigned long long)sm3);
    sm2 = 0x1234, sm3 = 0;
    smbios_scan(base, 0x10000, &sm2, &sm3);
    CHECK(sm2 == 0x1234 && sm3 == base + 0x4000, "a value already found is kept");
}

/* An ACPI table at m + off: signature, length, checksum. */
static void make_table(uint8_t *m, uint64_t off, const char *sig, uint32_t len) {
    uint8_t *t = m + off;
    memset(t, 0, len);
    memcpy(t, sig, 4);
    memcpy(t + 4, &len, 4);
    fix_sum(t, len, 9);
}

TEST(acpi_tables_and_century) {
    mock_phys_init(0x20000);
    uint64_t base = MOCK_PHYS_BASE, end = base + 0x20000;
    uint8_t *m = phys_ptr(base);
    /* RSDP (1.0) -> RSDT at +0x1000 -> [APIC at +0x2000, FACP at +0x3000]. */
    uint8_t *r = m;
    memset(r, 0, 20);
    memcpy(r, "RSD PTR ", 8);
    uint32_t rsdt = (uint32_t)(base + 0x1000), e0 = (uint32_t)(base + 0x2000), e1 = (uint32_t)(base + 0x3000);
    memcpy(r + 16, &rsdt, 4);
    fix_sum(r, 20, 8);
    make_table(m, 0x2000, "APIC", 44);
    make_table(m, 0x3000, "FACP", 116);
    m[0x3000 + 108] = 0x32;
    fix_sum(m + 0x3000, 116, 9);
    make_table(m, 0x1000, "RSDT", 44);
    memcpy(m + 0x1000 + 36, &e0, 4);
    memcpy(m + 0x1000 + 40, &e1, 4);
    fix_sum(m + 0x1000, 44, 9);
    uint32_t len = 0;
    CHECK(acpi_table(base, "FACP", end, &len) == m + 0x3000 && len == 116, "FACP through the RSDT");
    CHECK(acpi_fadt_century(base, end) == 0x32, "century 0x%x", acpi_fadt_century(base, end));
    CHECK(acpi_fadt_century(base, base + 0x3000 + 100) == 0, "a FADT past the readable end is not read");
    CHECK(!acpi_table(base, "HPET", end, &len), "an absent table found");
    m[0x3000 + 108] = 0x09; /* a clock register (the year) is not a century register */
    fix_sum(m + 0x3000, 116, 9);
    CHECK(acpi_fadt_century(base, end) == 0, "century index 9 accepted");
    m[0x3000 + 108] = 0x32;
    m[0x3000 + 50] ^= 1; /* checksum broken */
    CHECK(acpi_fadt_century(base, end) == 0, "a FADT with a bad checksum read");
    fix_sum(m + 0x3000, 116, 9);
    make_table(m, 0x3000, "FACP", 100); /* an ACPI 1.0-sized FADT without the field */
    CHECK(acpi_fadt_century(base, end) == 0, "a short FADT read past its length");
    uint32_t huge = 0xffffffffu; /* an RSDT claiming 4 GiB */
    memcpy(m + 0x1000 + 4, &huge, 4);
    CHECK(!acpi_table(base, "APIC", end, &len), "an RSDT with an absurd length walked");
    CHECK(!acpi_table(0, "FACP", end, &len), "no RSDP");
}

/* The PM timer from the FADT: the 1.0 field, the extended one winning when
 * filled in, and every reason for none. */
TEST(pm_timer_from_the_fadt) {
    mock_phys_init(0x20000);
    uint64_t base = MOCK_PHYS_BASE, end = base + 0x20000;
    uint8_t *m = phys_ptr(base);
    memset(m, 0, 20);
    memcpy(m, "RSD PTR ", 8);
    uint32_t rsdt = (uint32_t)(base + 0x1000), e0 = (uint32_t)(base + 0x3000);
    memcpy(m + 16, &rsdt, 4);
    fix_sum(m, 20, 8);
    make_table(m, 0x1000, "RSDT", 40);
    memcpy(m + 0x1000 + 36, &e0, 4);
    fix_sum(m + 0x1000, 40, 9);
    uint8_t *f = m + 0x3000;
    uint32_t mask = 0;

    make_table(m, 0x3000, "FACP", 116); /* ACPI 1.0: PM_TMR_BLK 0x608, 24 bits */
    put_le32(f + 76, 0x608), f[91] = 4;
    fix_sum(f, 116, 9);
    CHECK(acpi_fadt_pm_timer(base, end, &mask) == 0x608 && mask == 0xffffff, "1.0 FADT: 0x%x", mask);
    put_le32(f + 112, 1u << 8); /* TMR_VAL_EXT */
    fix_sum(f, 116, 9);
    CHECK(acpi_fadt_pm_timer(base, end, &mask) == 0x608 && mask == 0xffffffffu, "32-bit timer: 0x%x", mask);
    f[91] = 2;
    fix_sum(f, 116, 9);
    CHECK(acpi_fadt_pm_timer(base, end, &mask) == 0, "PM_TMR_LEN 2 accepted");
    f[91] = 4;
    put_le32(f + 112, 1u << 20); /* hardware-reduced: no timer whatever the fields say */
    fix_sum(f, 116, 9);
    CHECK(acpi_fadt_pm_timer(base, end, &mask) == 0, "hardware-reduced ACPI gave a timer");
    put_le32(f + 112, 0);
    put_le32(f + 76, 0x1fffe); /* beyond the 64 KiB I/O space */
    fix_sum(f, 116, 9);
    CHECK(acpi_fadt_pm_timer(base, end, &mask) == 0, "port 0x1fffe accepted");
    f[50] ^= 1;
    CHECK(acpi_fadt_pm_timer(base, end, &mask) == 0, "a FADT with a bad checksum read");

    make_table(m, 0x3000, "FACP", 276); /* 2.0+: X_PM_TMR_BLK at 208 */
    put_le32(f + 76, 0x608), f[91] = 4;
    f[208] = 1, f[209] = 32, put_le64(f + 212, 0xb008);
    fix_sum(f, 276, 9);
    CHECK(acpi_fadt_pm_timer(base, end, &mask) == 0xb008, "the extended field wins");
    f[208] = 0; /* system memory: not a port */
    fix_sum(f, 276, 9);
    CHECK(acpi_fadt_pm_timer(base, end, &mask) == 0, "a memory-space timer read as a port");
    put_le64(f + 212, 0);
    fix_sum(f, 276, 9);
    CHECK(acpi_fadt_pm_timer(base, end, &mask) == 0x608, "an empty extended field hides PM_TMR_BLK");
    CHECK(acpi_fadt_pm_timer(base, base + 0x3000 + 200, &mask) == 0, "a FADT past the readable end read");
    CHECK(acpi_fadt_pm_timer(0, end, &mask) == 0, "no RSDP");
}
