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

uint64_t rsdp_scan(uint64_t start, uint64_t len) {
    for (uint64_t a = align_up(start, 16); a + 20 <= start + len; a += 16)
        if (rsdp_valid(phys_ptr(a), start + len - a)) return a;
    return 0;
}

void smbios_scan(uint64_t start, uint64_t len, uint64_t *sm2, uint64_t *sm3) {
    for (uint64_t a = align_up(start, 16); a + 0x40 <= start + len; a += 16) {
        const uint8_t *p = phys_ptr(a);
        if (!*sm3 && smbios3_valid(p)) *sm3 = a;
        if (!*sm2 && smbios2_valid(p)) *sm2 = a;
    }
}
