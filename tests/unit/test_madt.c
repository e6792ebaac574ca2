/* test_madt.c - the processors of the ACPI MADT (core/madt.c), found through
 * the RSDT and the XSDT, over a little fake physical memory; and hostile
 * tables: every bad length, checksum or pointer ends in a message. */
#include <stdlib.h>
#include <string.h>

#include "core/madt.h"
#include "tests/unit/testlib.h"

#define MEM_SIZE 0x10000u
#define RSDP_AT 0x100u
#define RSDT_AT 0x1000u
#define XSDT_AT 0x2000u
#define FACP_AT 0x3000u
#define MADT_AT 0x4000u

static uint8_t mem[MEM_SIZE];

static const uint8_t *view(void *ctx, uint64_t pa, uint64_t len) {
    (void)ctx;
    return pa <= MEM_SIZE && len <= MEM_SIZE - pa ? mem + pa : NULL;
}

static void fix_sum(uint8_t *p, size_t n, size_t at) {
    uint8_t s = 0;
    p[at] = 0;
    for (size_t i = 0; i < n; i++) s = (uint8_t)(s + p[i]);
    p[at] = (uint8_t)(0x100 - s);
}
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void sdt(uint32_t at, const char *sig, uint32_t len) {
    memcpy(mem + at, sig, 4);
    put32(mem + at + 4, len);
    mem[at + 8] = 1;
    memcpy(mem + at + 10, "KILNTS", 6);
}

static uint32_t madt_len;
/* MADT entries, appended one by one; the checksum is fixed at the end. */
static void madt_begin(void) {
    memset(mem + MADT_AT, 0, 0x1000);
    madt_len = 44;
    put32(mem + MADT_AT + 36, 0xfee00000u);
}
static void lapic(uint8_t uid, uint8_t id, uint32_t flags) {
    uint8_t *p = mem + MADT_AT + madt_len;
    p[0] = 0, p[1] = 8, p[2] = uid, p[3] = id;
    put32(p + 4, flags);
    madt_len += 8;
}
static void x2apic(uint32_t uid, uint32_t id, uint32_t flags) {
    uint8_t *p = mem + MADT_AT + madt_len;
    p[0] = 9, p[1] = 16, p[2] = p[3] = 0;
    put32(p + 4, id), put32(p + 8, flags), put32(p + 12, uid);
    madt_len += 16;
}
static void other(uint8_t type, uint8_t len) { /* an I/O APIC or override entry: skipped */
    uint8_t *p = mem + MADT_AT + madt_len;
    memset(p, 0, len);
    p[0] = type, p[1] = len;
    madt_len += len;
}
static void madt_end(void) {
    sdt(MADT_AT, "APIC", madt_len);
    fix_sum(mem + MADT_AT, madt_len, 9);
}

/* RSDP (revision 0: RSDT; revision 2: XSDT too), RSDT and XSDT listing a
 * FACP and the MADT. */
static void tables(uint8_t rev) {
    memset(mem, 0, MADT_AT);
    uint8_t *r = mem + RSDP_AT;
    memcpy(r, "RSD PTR ", 8);
    r[15] = rev;
    put32(r + 16, RSDT_AT);
    fix_sum(r, 20, 8);
    if (rev >= 2) {
        put32(r + 20, 36);
        put64(r + 24, XSDT_AT);
        fix_sum(r, 36, 32);
    }
    sdt(RSDT_AT, "RSDT", 44);
    put32(mem + RSDT_AT + 36, FACP_AT), put32(mem + RSDT_AT + 40, MADT_AT);
    fix_sum(mem + RSDT_AT, 44, 9);
    sdt(XSDT_AT, "XSDT", 52);
    put64(mem + XSDT_AT + 36, FACP_AT), put64(mem + XSDT_AT + 44, MADT_AT);
    fix_sum(mem + XSDT_AT, 52, 9);
    sdt(FACP_AT, "FACP", 36);
    fix_sum(mem + FACP_AT, 36, 9);
}

static void refix_madt(void) { fix_sum(mem + MADT_AT, madt_len, 9); }

TEST(rsdt_lapic_entries) {
    tables(0);
    madt_begin();
    lapic(0, 0, 1);
    other(1, 12); /* I/O APIC */
    lapic(1, 2, 1);
    lapic(2, 4, 2); /* online-capable, not enabled */
    lapic(3, 6, 0); /* neither: skipped */
    other(2, 10); /* interrupt source override */
    madt_end();
    struct kiln_cpu c[8];
    size_t n;
    kiln_err e;
    CHECK(madt_cpus(view, NULL, RSDP_AT, c, 8, &n, &e), "%s", e.msg);
    CHECK(n == 3, "%zu processors", n);
    CHECK(c[0].acpi_uid == 0 && c[0].lapic_id == 0 && c[0].state == KILN_CPU_NOT_STARTED, "cpu 0");
    CHECK(c[1].acpi_uid == 1 && c[1].lapic_id == 2 && c[1].state == KILN_CPU_NOT_STARTED, "cpu 1");
    CHECK(c[2].acpi_uid == 2 && c[2].lapic_id == 4 && c[2].state == KILN_CPU_DISABLED, "online-capable");
    CHECK(c[0].goto_address == 0 && c[0].stack_top == 0 && c[0].reserved == 0, "other fields zero");
    size_t count;
    CHECK(madt_cpus(view, NULL, RSDP_AT, NULL, 0, &count, &e) && count == 3, "count only: %zu", count);
}

TEST(xsdt_x2apic_entries) {
    tables(2);
    /* The RSDT points nowhere useful: the XSDT must be the one read. */
    put32(mem + RSDT_AT + 40, 0);
    fix_sum(mem + RSDT_AT, 44, 9);
    madt_begin();
    lapic(0, 0, 1);
    x2apic(1, 300, 1);
    x2apic(2, 0, 1);           /* the same APIC ID twice: listed once */
    x2apic(3, UINT32_MAX, 1);  /* the broadcast ID: never a processor */
    lapic(4, 0xff, 1);
    x2apic(5, 301, 3);
    madt_end();
    struct kiln_cpu c[8];
    size_t n;
    kiln_err e;
    CHECK(madt_cpus(view, NULL, RSDP_AT, c, 8, &n, &e), "%s", e.msg);
    CHECK(n == 3, "%zu processors", n);
    CHECK(c[1].acpi_uid == 1 && c[1].lapic_id == 300 && c[1].state == KILN_CPU_NOT_STARTED, "x2APIC entry");
    CHECK(c[2].lapic_id == 301 && c[2].state == KILN_CPU_NOT_STARTED, "enabled and online-capable: enabled");
    /* cap smaller than the count: only cap written, the count still right */
    struct kiln_cpu one[1];
    CHECK(madt_cpus(view, NULL, RSDP_AT, one, 1, &n, &e) && n >= 2 && one[0].lapic_id == 0, "cap 1: n %zu", n);
}

/* madt_cpus must fail with this message fragment. */
static void expect_err(const char *what, const char *frag) {
    struct kiln_cpu c[8];
    size_t n;
    kiln_err e;
    e.msg[0] = 0;
    bool ok = madt_cpus(view, NULL, RSDP_AT, c, 8, &n, &e);
    CHECK(!ok && strstr(e.msg, frag), "%s: %s (wanted '%s')", what, ok ? "accepted" : e.msg, frag);
}

static void good(void) {
    tables(2);
    madt_begin();
    lapic(0, 0, 1);
    lapic(1, 1, 1);
    madt_end();
}

TEST(hostile_tables) {
    good();
    mem[RSDP_AT + 1] ^= 1;
    expect_err("RSDP signature", "no valid RSDP");
    good();
    mem[RSDP_AT + 25] ^= 1;
    expect_err("RSDP extended checksum", "bad extended checksum");
    good();
    put32(mem + XSDT_AT + 4, 0xffffffffu);
    expect_err("XSDT length", "XSDT at 0x2000 has length 4294967295");
    good();
    put32(mem + XSDT_AT + 4, 20);
    expect_err("XSDT shorter than a header", "has length 20");
    good();
    mem[XSDT_AT + 40] ^= 1;
    expect_err("XSDT checksum", "XSDT at 0x2000 has a bad checksum");
    good();
    memcpy(mem + XSDT_AT, "FACP", 4);
    expect_err("XSDT signature", "is not the XSDT");
    good();
    put64(mem + XSDT_AT + 44, 0x7fffffffffull); /* unreadable entry: skipped, so no MADT */
    fix_sum(mem + XSDT_AT, 52, 9);
    expect_err("MADT pointer out of memory", "lists no MADT");
    good();
    put64(mem + RSDP_AT + 24, UINT64_C(0xfffffffffffff000));
    fix_sum(mem + RSDP_AT, 36, 32);
    expect_err("XSDT pointer out of memory", "not readable");
    good();
    mem[MADT_AT + 50] ^= 1;
    expect_err("MADT checksum", "MADT");
    good();
    put32(mem + MADT_AT + 4, MEM_SIZE);
    expect_err("MADT length past memory", "not readable");
    good();
    put32(mem + MADT_AT + 4, 40), madt_len = 40, refix_madt();
    expect_err("MADT shorter than its fixed part", "has length 40");
    good();
    mem[MADT_AT + 44 + 1] = 0, refix_madt();
    expect_err("entry of length 0", "offset 44 has length 0");
    good();
    mem[MADT_AT + 52 + 1] = 200, refix_madt();
    expect_err("entry past the table", "offset 52 has length 200 (8 bytes left)");
    good();
    mem[MADT_AT + 52 + 1] = 4, put32(mem + MADT_AT + 4, 56), madt_len = 56, refix_madt();
    expect_err("local APIC entry too short", "local APIC entry at offset 52 has length 4");
    good();
    put32(mem + MADT_AT + 4, 53), madt_len = 53, refix_madt();
    expect_err("one byte left", "entry at offset 52 is cut off");
    /* random bytes in the MADT: an answer either way, never a crash */
    test_seed(8);
    for (int round = 0; round < 2000; round++) {
        good();
        for (int k = 0; k < 4; k++) mem[MADT_AT + 44 + test_rand_below(16)] = (uint8_t)test_rand();
        refix_madt();
        struct kiln_cpu c[4];
        size_t n;
        kiln_err e;
        if (madt_cpus(view, NULL, RSDP_AT, c, 4, &n, &e)) CHECK(n <= 4, "round %d: %zu processors", round, n);
    }
}
