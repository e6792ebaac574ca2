/* firmware_tables.c - RSDP and SMBIOS entry points (firmware_tables.h). */
#include "common/firmware_tables.h"

#include "common/frames.h"
#include "core/util.h"
#include "core/kstring.h"

static uint8_t sum(const uint8_t *p, uint32_t n) {
    uint8_t s = 0;
    while (n--) s = (uint8_t)(s + *p++);
    return s;
}

bool rsdp_valid(const uint8_t *p, uint64_t avail) {
    if (avail < 20 || memcmp(p, "RSD PTR ", 8) != 0 || sum(p, 20) != 0) return false;
    if (p[15] >= 2) { /* ACPI 2.0+: extended structure with its own length and checksum */
        uint32_t len;
        if (avail < 36) return false;
        memcpy(&len, p + 20, 4);
        if (len < 36 || len > 4096 || len > avail || sum(p, len) != 0) return false;
    }
    return true;
}

bool smbios2_valid(const uint8_t *p) {
    uint8_t len = p[5];
    /* 0x1e: SMBIOS 2.1 documents the length wrongly and some firmware copied it. */
    if (memcmp(p, "_SM_", 4) != 0 || len < 0x1e || len > 0x40 || sum(p, len) != 0) return false;
    return memcmp(p + 0x10, "_DMI_", 5) == 0 && sum(p + 0x10, 0x0f) == 0;
}

bool smbios3_valid(const uint8_t *p) {
    uint8_t len = p[6];
    return memcmp(p, "_SM3_", 5) == 0 && len >= 0x18 && len <= 0x40 && sum(p, len) == 0;
}

/* The scans visit thousands of 16-byte places (8192 for the RSDP's 128
 * KiB), nearly all without a signature: one load and compare of a place's
 * first bytes rejects it before any call (a memcmp call at each cost about
 * 0.4 M instructions a BIOS boot). __builtin_memcpy: a plain memcpy is a
 * call in the freestanding loader, this is one move. Regions are
 * contiguous through phys_ptr (identity in the loader). */
static uint64_t load8(const uint8_t *p) {
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
    return v;
}
static uint32_t load4(const uint8_t *p) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

uint64_t rsdp_scan(uint64_t start, uint64_t len) {
    uint64_t a = align_up(start, 16);
    if (a + 20 > start + len) return 0;
    const uint8_t *p = phys_ptr(a);
    const uint64_t sig = load8((const uint8_t *)"RSD PTR ");
    for (; a + 20 <= start + len; a += 16, p += 16)
        if (load8(p) == sig && rsdp_valid(p, start + len - a)) return a;
    return 0;
}

void smbios_scan(uint64_t start, uint64_t len, uint64_t *sm2, uint64_t *sm3) {
    uint64_t a = align_up(start, 16);
    if (a + 0x40 > start + len) return;
    const uint8_t *p = phys_ptr(a);
    const uint32_t sig2 = load4((const uint8_t *)"_SM_"), sig3 = load4((const uint8_t *)"_SM3");
    for (; a + 0x40 <= start + len; a += 16, p += 16) {
        uint32_t s = load4(p);
        if (s == sig3 && !*sm3 && smbios3_valid(p)) *sm3 = a;
        if (s == sig2 && !*sm2 && smbios2_valid(p)) *sm2 = a;
    }
}

/* An ACPI table header at pa: inside [0, end), a sane length and a zero
 * checksum. Firmware tables are input like any other: never trusted. */
#define ACPI_TABLE_MAX MIB(1)
static const uint8_t *acpi_header(uint64_t pa, uint64_t end, uint32_t *len) {
    if (!pa || pa >= end || end - pa < 36) return 0;
    const uint8_t *t = phys_ptr(pa);
    uint32_t n;
    memcpy(&n, t + 4, 4);
    if (n < 36 || n > ACPI_TABLE_MAX || n > end - pa || sum(t, n) != 0) return 0;
    *len = n;
    return t;
}

const uint8_t *acpi_table(uint64_t rsdp, const char sig[4], uint64_t end, uint32_t *len) {
    if (!rsdp || rsdp >= end || end - rsdp < 36) return 0;
    const uint8_t *r = phys_ptr(rsdp);
    uint64_t xsdt = 0;
    uint32_t rsdt, n;
    memcpy(&rsdt, r + 16, 4);
    if (r[15] >= 2) memcpy(&xsdt, r + 24, 8);
    unsigned esize = xsdt ? 8 : 4;
    const uint8_t *root = acpi_header(xsdt ? xsdt : rsdt, end, &n);
    if (!root || memcmp(root, xsdt ? "XSDT" : "RSDT", 4) != 0) return 0;
    for (uint32_t off = 36; off + esize <= n; off += esize) {
        uint64_t pa = 0;
        memcpy(&pa, root + off, esize);
        const uint8_t *t = acpi_header(pa, end, len);
        if (t && memcmp(t, sig, 4) == 0) return t;
    }
    return 0;
}

uint8_t acpi_fadt_century(uint64_t rsdp, uint64_t end) {
    uint32_t len;
    const uint8_t *f = acpi_table(rsdp, "FACP", end, &len);
    /* CENTURY is byte 108 (ACPI 1.0 and later); 0 means no century register.
     * Registers 0x00-0x0D are the clock's own, and the CMOS has 128. */
    if (!f || len <= 108 || f[108] < 0x0e || f[108] > 0x7f) return 0;
    return f[108];
}

/* FADT offsets (ACPI 6.5, 5.2.9): PM_TMR_BLK u32 at 76, PM_TMR_LEN u8 at 91,
 * Flags u32 at 112, X_PM_TMR_BLK (a Generic Address Structure: space ID,
 * bit width, bit offset, access size, u64 address) at 208. */
#define FADT_FLAG_TMR_VAL_EXT (1u << 8)
#define FADT_FLAG_HW_REDUCED (1u << 20)
uint16_t acpi_fadt_pm_timer(uint64_t rsdp, uint64_t end, uint32_t *mask) {
    uint32_t len;
    const uint8_t *f = acpi_table(rsdp, "FACP", end, &len);
    if (!f || len < 116) return 0;
    uint32_t flags = get_le32(f + 112);
    if (flags & FADT_FLAG_HW_REDUCED) return 0;
    uint64_t port = f[91] == 4 ? get_le32(f + 76) : 0;
    /* The extended field wins when it is filled in; a timer in memory
     * space (ID 0) is left alone, as is one in no space at all. */
    if (len >= 220 && get_le64(f + 212)) port = f[208] == 1 ? get_le64(f + 212) : 0;
    if (!port || port > 0xfffc) return 0;
    *mask = flags & FADT_FLAG_TMR_VAL_EXT ? 0xffffffffu : 0xffffffu;
    return (uint16_t)port;
}
