/* madt.c - the processors of the ACPI MADT (madt.h). */
#include "core/madt.h"

#include "core/kstring.h"

#define SDT_HEADER 36u   /* signature, length, revision, checksum, OEM fields */
#define MADT_ENTRIES 44u /* header, local APIC address, flags */
#define MADT_LAPIC 0u
#define MADT_X2APIC 9u
#define MADT_ENABLED 0x1u
#define MADT_ONLINE_CAPABLE 0x2u

static uint8_t checksum(const uint8_t *p, uint64_t n) {
    uint8_t s = 0;
    while (n--) s = (uint8_t)(s + *p++);
    return s;
}

/* The whole table at pa with signature sig: its length read and bounded
 * first, then every byte of it checksummed. */
static const uint8_t *table(madt_view_fn view, void *ctx, uint64_t pa, const char *sig, uint32_t *len, kiln_err *e) {
    const char *name = memcmp(sig, "APIC", 4) == 0 ? "MADT" : sig; /* the MADT's signature is "APIC" */
    const uint8_t *h = pa ? view(ctx, pa, SDT_HEADER) : NULL;
    if (!h) return err_set(e, "ACPI: %s at 0x%llx is not readable", name, (unsigned long long)pa), NULL;
    if (memcmp(h, sig, 4) != 0)
        return err_set(e, "ACPI: the table at 0x%llx is not the %s", (unsigned long long)pa, name), NULL;
    *len = get_le32(h + 4);
    if (*len < SDT_HEADER || *len > MADT_TABLE_MAX)
        return err_set(e, "ACPI: %s at 0x%llx has length %u", name, (unsigned long long)pa, *len), NULL;
    const uint8_t *t = view(ctx, pa, *len);
    if (!t) return err_set(e, "ACPI: %s at 0x%llx (%u bytes) is not readable", name, (unsigned long long)pa, *len), NULL;
    if (checksum(t, *len) != 0)
        return err_set(e, "ACPI: %s at 0x%llx has a bad checksum", name, (unsigned long long)pa), NULL;
    return t;
}

/* The MADT through the XSDT (revision 2+ RSDP with one) or the RSDT. */
static const uint8_t *find_madt(madt_view_fn view, void *ctx, uint64_t rsdp, uint32_t *len, kiln_err *e) {
    const uint8_t *r = view(ctx, rsdp, 20);
    if (!r || memcmp(r, "RSD PTR ", 8) != 0 || checksum(r, 20) != 0)
        return err_set(e, "ACPI: no valid RSDP at 0x%llx", (unsigned long long)rsdp), NULL;
    uint64_t root = get_le32(r + 16);
    unsigned width = 4;
    const char *sig = "RSDT";
    if (r[15] >= 2) {
        const uint8_t *r2 = view(ctx, rsdp, 36);
        if (!r2 || checksum(r2, 36) != 0)
            return err_set(e, "ACPI: the RSDP at 0x%llx has a bad extended checksum", (unsigned long long)rsdp), NULL;
        if (get_le64(r2 + 24)) root = get_le64(r2 + 24), width = 8, sig = "XSDT";
    }
    uint32_t rlen;
    const uint8_t *rt = table(view, ctx, root, sig, &rlen, e);
    if (!rt) return NULL;
    for (uint32_t off = SDT_HEADER; off + width <= rlen; off += width) {
        uint64_t pa = width == 8 ? get_le64(rt + off) : get_le32(rt + off);
        const uint8_t *h = pa ? view(ctx, pa, SDT_HEADER) : NULL;
        if (!h || memcmp(h, "APIC", 4) != 0) continue; /* unreadable or another table: not ours to judge */
        const uint8_t *m = table(view, ctx, pa, "APIC", len, e);
        if (m && *len < MADT_ENTRIES)
            return err_set(e, "ACPI: the MADT at 0x%llx has length %u", (unsigned long long)pa, *len), NULL;
        return m;
    }
    return err_set(e, "ACPI: the %s lists no MADT", sig), NULL;
}

static bool listed(const struct kiln_cpu *out, size_t n, uint32_t id) {
    for (size_t i = 0; i < n; i++)
        if (out[i].lapic_id == id) return true;
    return false;
}

bool madt_cpus(madt_view_fn view, void *ctx, uint64_t rsdp, struct kiln_cpu *out, size_t cap, size_t *n,
               kiln_err *e) {
    *n = 0;
    uint32_t len;
    const uint8_t *m = find_madt(view, ctx, rsdp, &len, e);
    if (!m) return false;
    /* Duplicates are found among the entries written: a count without
     * storage includes them (an upper bound is all it is for). */
    for (uint32_t off = MADT_ENTRIES; off < len;) {
        if (len - off < 2) return err_set(e, "ACPI: MADT entry at offset %u is cut off", off);
        uint8_t type = m[off], elen = m[off + 1];
        if (elen < 2 || elen > len - off)
            return err_set(e, "ACPI: MADT entry at offset %u has length %u (%u bytes left)", off, elen, len - off);
        uint32_t uid, id, flags;
        if (type == MADT_LAPIC || type == MADT_X2APIC) {
            if (elen < (type == MADT_LAPIC ? 8 : 16))
                return err_set(e, "ACPI: MADT %s entry at offset %u has length %u", type ? "x2APIC" : "local APIC",
                               off, elen);
            const uint8_t *p = m + off;
            uid = type == MADT_LAPIC ? p[2] : get_le32(p + 12);
            id = type == MADT_LAPIC ? p[3] : get_le32(p + 4);
            flags = get_le32(p + (type == MADT_LAPIC ? 4 : 8));
            /* 0xff is the xAPIC broadcast ID and 0xffffffff the x2APIC one: never a processor. */
            bool bogus = type == MADT_LAPIC ? id == 0xff : id == UINT32_MAX;
            bool wanted = (flags & (MADT_ENABLED | MADT_ONLINE_CAPABLE)) && !bogus;
            if (wanted && !(out && listed(out, MIN(*n, cap), id))) {
                if (out && *n < cap)
                    out[*n] = (struct kiln_cpu){.acpi_uid = uid, .lapic_id = id,
                                                .state = flags & MADT_ENABLED ? KILN_CPU_NOT_STARTED
                                                                              : KILN_CPU_DISABLED};
                (*n)++;
            }
        }
        off += elen;
    }
    return true;
}
