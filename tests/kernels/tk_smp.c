/* tk_smp.c - the test kernels' checks of the processor table and, in the
 * tk-smp variant (smp = KILN_SMP_START), of the parked APs: the kernel
 * reads the ACPI MADT itself (its own parser, not Kiln's) and compares;
 * tk-smp releases every AP, each AP checks its own state and stack and
 * writes its APIC ID into a shared table, and the BSP compares that set
 * with the MADT's.
 *   word cpus=N: QEMU's -smp N (enabled processors); maxcpus=M: listed ones */
#include "tk.h"

#include <kiln/string.h>

#define MAX_CPUS 64
#define KILN_CR4_LA57 (UINT64_C(1) << 12)

static struct kiln_boot_info *bi;


/* The same rule as the loader's: CPUID leaf 0xB's x2APIC ID, else leaf 1. */
static uint32_t my_apic_id(void) {
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    if (a >= 0xb) {
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xb), "c"(0));
        if (b & 0xffff) return d;
    }
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return b >> 24;
}

static bool have_phys(void) { return bi->flags & KILN_FLAG_PHYSICAL_MEMORY; }
static const uint8_t *phys(uint64_t pa) { return (const uint8_t *)(uintptr_t)(bi->physical_memory_offset + pa); }
static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

/* Is va mapped (and writable, not executable)? A walk of 4 or 5 levels. */
static bool mapped(uint64_t va, bool *w_nx) {
    uint64_t ent = READ_CR(3);
    bool w = true, nx = false;
    for (int level = READ_CR(4) & KILN_CR4_LA57 ? 5 : 4; level >= 1; level--) {
        const uint64_t *t = (const uint64_t *)phys(ent & UINT64_C(0x000ffffffffff000));
        ent = t[(va >> (12 + 9 * (level - 1))) & 511];
        if (!(ent & 1)) return false;
        w = w && (ent & 2), nx = nx || (ent >> 63);
        if (level > 1 && (ent & 0x80)) break;
    }
    if (w_nx) *w_nx = w && nx;
    return true;
}

/* ---- the MADT, read by the kernel itself ---------------------------------- */

struct madt_cpu {
    uint32_t uid, id, flags;
};
static struct madt_cpu madt[MAX_CPUS];
static unsigned madt_n, madt_absent; /* absent: entries neither enabled nor online-capable */

static const uint8_t *find_table(const char *sig) {
    const uint8_t *r = phys(bi->rsdp_phys);
    bool x = r[15] >= 2 && le64(r + 24);
    const uint8_t *root = phys(x ? le64(r + 24) : le32(r + 16));
    for (uint32_t off = 36; off + (x ? 8 : 4) <= le32(root + 4); off += x ? 8 : 4) {
        const uint8_t *t = phys(x ? le64(root + off) : le32(root + off));
        if (!kiln_memcmp(t, sig, 4)) return t;
    }
    return 0;
}

static bool read_madt(void) {
    const uint8_t *m = have_phys() && bi->rsdp_phys ? find_table("APIC") : 0;
    if (!m) return false;
    for (uint32_t off = 44; off + 2 <= le32(m + 4) && m[off + 1] >= 2; off += m[off + 1]) {
        const uint8_t *e = m + off;
        struct madt_cpu c;
        if (e[0] == 0) c = (struct madt_cpu){e[2], e[3], le32(e + 4)};
        else if (e[0] == 9) c = (struct madt_cpu){le32(e + 12), le32(e + 4), le32(e + 8)};
        else continue;
        bool dup = false;
        for (unsigned i = 0; i < madt_n; i++) dup = dup || madt[i].id == c.id;
        if ((c.flags & 3) && !dup && madt_n < MAX_CPUS) madt[madt_n++] = c;
        madt_absent += !(c.flags & 3);
    }
    return true;
}

static const struct kiln_cpu *record_of(uint32_t id) {
    for (uint64_t i = 0; i < bi->cpu_count; i++)
        if (bi->cpus[i].lapic_id == id) return &bi->cpus[i];
    return 0;
}

static bool word(const char *w) { return kiln_cmdline_has(bi->cmdline, w); }

/* The -smp of the boot line (tests/boot/boot.plan), and its maxcpus. */
static unsigned cpus_word(void) {
    return word("cpus=1") ? 1 : word("cpus=2") ? 2 : word("cpus=4") ? 4 : word("cpus=8") ? 8 : 0;
}

/* The table, whatever the wish: the BSP, and the MADT's processors. */
static void check_table(void) {
    tk_group("cpus");
    if (!TK_CHECK(bi->cpus && bi->cpu_count >= 1 && bi->cpu_count <= MAX_CPUS, "table", "%llu processors at %p",
                  (unsigned long long)bi->cpu_count, (void *)bi->cpus))
        return;
    unsigned bsps = 0;
    for (uint64_t i = 0; i < bi->cpu_count; i++) bsps += bi->cpus[i].state == KILN_CPU_BSP;
    const struct kiln_cpu *bsp = record_of(bi->bsp_lapic_id);
    TK_CHECK(bsps == 1 && bsp && bsp->state == KILN_CPU_BSP && bi->bsp_lapic_id == my_apic_id(), "bsp",
             "%u BSP records, bsp_lapic_id %u, CPUID says %u", bsps, bi->bsp_lapic_id, my_apic_id());
    if (bsp)
        TK_CHECK(bsp->stack_top == bi->stack_bottom + bi->stack_size && !bsp->goto_address, "bsp-stack",
                 "stack_top 0x%llx", (unsigned long long)bsp->stack_top);
    unsigned want = cpus_word(), listed = word("maxcpus=4") ? 4 : 0, enabled = 0;
    if (!read_madt()) return;
    bool same = madt_n == bi->cpu_count;
    for (unsigned i = 0; i < madt_n; i++) {
        const struct kiln_cpu *c = record_of(madt[i].id);
        enabled += madt[i].flags & 1;
        same = same && c && c->acpi_uid == madt[i].uid && (c->state == KILN_CPU_DISABLED) == !(madt[i].flags & 1);
    }
    TK_CHECK(same, "match-madt", "%u in the MADT, %llu in the table", madt_n, (unsigned long long)bi->cpu_count);
    if (want) TK_CHECK(enabled == want, "enabled-count", "%u enabled in the MADT, -smp %u", enabled, want);
    /* -smp N,maxcpus=M: QEMU's MADT has M entries, the absent ones neither
     * enabled nor online-capable (not listed by Kiln) or online-capable
     * (listed DISABLED). */
    if (listed)
        TK_CHECK(madt_n + madt_absent == listed && bi->cpu_count == madt_n, "absent-not-listed",
                 "%u MADT entries listed, %u absent, %llu in the table, maxcpus %u", madt_n, madt_absent,
                 (unsigned long long)bi->cpu_count, listed);
    tk_printf("tk: %llu processors listed, %u enabled, %u absent in the MADT, BSP APIC ID %u\n",
              (unsigned long long)bi->cpu_count, enabled, madt_absent, bi->bsp_lapic_id);
}

/* ---- the APs, released ----------------------------------------------------- */

enum { AP_OK_STATE = 1, AP_OK_REGS = 2, AP_OK_STACK = 4, AP_OK_GUARD = 8, AP_OK_ARG = 16, AP_OK_IF = 32 };
#define AP_OK_ALL 63u

static uint64_t bsp_cr0, bsp_cr3, bsp_cr4, bsp_efer, bsp_pat;
static volatile uint32_t ap_id[MAX_CPUS], ap_ok[MAX_CPUS], ap_bad[MAX_CPUS];
static uint32_t ap_done;

void tk_ap_main(struct kiln_cpu *cpu, uint64_t rsp);
/* The AP's first instruction: RSP as Kiln left it goes to tk_ap_main. */
/* (Declared without parameters: a naked function may hold nothing but asm.) */
__attribute__((naked, noreturn, used)) void tk_ap_entry(void);
__attribute__((naked, noreturn, used)) void tk_ap_entry(void) {
    __asm__ volatile("mov %rsp, %rsi\n"
                     "and $-16, %rsp\n"
                     "call tk_ap_main\n"
                     "ud2\n");
}

void tk_ap_main(struct kiln_cpu *cpu, uint64_t rsp) {
    uint64_t i = cpu->extra_argument, rflags, ok = 0;
    __asm__ volatile("pushfq; pop %0" : "=r"(rflags));
    if (i >= MAX_CPUS) goto halt;
    ap_id[i] = my_apic_id();
    if (cpu->state == KILN_CPU_RUNNING && cpu->lapic_id == ap_id[i]) ok |= AP_OK_STATE;
    if (READ_CR(0) == bsp_cr0 && READ_CR(3) == bsp_cr3 && READ_CR(4) == bsp_cr4 && rdmsr(0xc0000080u) == bsp_efer &&
        rdmsr(0x277) == bsp_pat)
        ok |= AP_OK_REGS;
    else
        ap_bad[i] = (uint32_t)(READ_CR(4) ^ bsp_cr4) | (uint32_t)((READ_CR(0) ^ bsp_cr0) >> 16);
    bool w_nx = false;
    uint64_t bottom = cpu->stack_top - bi->stack_size;
    /* Its own stack: RSP as promised, inside [stack_top - stack_size, stack_top), writable, not executable. */
    if (rsp == cpu->stack_top - 8 && *(uint64_t *)rsp == 0 && mapped(bottom, &w_nx) && w_nx &&
        mapped(cpu->stack_top - 8, NULL))
        ok |= AP_OK_STACK;
    if (!mapped(bottom - 4096, NULL)) ok |= AP_OK_GUARD;
    if (cpu->extra_argument == i) ok |= AP_OK_ARG;
    if (!(rflags & 0x200)) ok |= AP_OK_IF;
    ap_ok[i] = (uint32_t)ok;
halt:
    __atomic_fetch_add(&ap_done, 1, __ATOMIC_RELEASE);
    for (;;) __asm__ volatile("cli; hlt");
}

static void check_aps(void) {
    tk_group("smp");
    bsp_cr0 = READ_CR(0), bsp_cr3 = READ_CR(3), bsp_cr4 = READ_CR(4), bsp_efer = rdmsr(0xc0000080u),
    bsp_pat = rdmsr(0x277);
    unsigned parked = 0, others = 0, bad_stack = 0;
    for (uint64_t i = 0; i < bi->cpu_count && i < MAX_CPUS; i++) {
        const struct kiln_cpu *c = &bi->cpus[i];
        if (c->state == KILN_CPU_PARKED) {
            parked++;
            if (!c->stack_top || c->stack_top % 16 || c->goto_address) bad_stack++;
            for (uint64_t j = 0; j < i; j++) /* stacks do not overlap */
                if (bi->cpus[j].stack_top && c->stack_top - bi->cpus[j].stack_top + bi->stack_size < 2 * bi->stack_size)
                    bad_stack++;
        } else if (c->state != KILN_CPU_BSP && c->state != KILN_CPU_DISABLED) {
            others++;
        }
    }
    TK_CHECK(others == 0, "all-parked", "%u APs neither parked nor disabled", others);
    TK_CHECK(bad_stack == 0, "ap-stacks", "%u bad or overlapping AP stacks", bad_stack);
    TK_CHECK(!!(bi->flags & KILN_FLAG_X2APIC) == ((rdmsr(0x1b) & 0xc00) == 0xc00), "x2apic-flag",
             "flag %u, IA32_APIC_BASE 0x%llx", !!(bi->flags & KILN_FLAG_X2APIC), (unsigned long long)rdmsr(0x1b));
    for (uint64_t i = 0; i < bi->cpu_count && i < MAX_CPUS; i++)
        if (bi->cpus[i].state == KILN_CPU_PARKED) kiln_cpu_start(&bi->cpus[i], (void (*)(struct kiln_cpu *))tk_ap_entry, i);
    uint64_t t0 = rdtsc(), limit = bi->tsc_frequency * 10; /* 10 s */
    while (__atomic_load_n(&ap_done, __ATOMIC_ACQUIRE) < parked && rdtsc() - t0 < limit) __asm__ volatile("pause");
    TK_CHECK(ap_done == parked, "released", "%u of %u APs ran", ap_done, parked);
    for (uint64_t i = 0; i < bi->cpu_count && i < MAX_CPUS; i++) {
        const struct kiln_cpu *c = &bi->cpus[i];
        if (c->stack_top && c->state != KILN_CPU_BSP && ap_ok[i] != AP_OK_ALL)
            TK_CHECK(false, "ap-checks", "AP %u: checks 0x%x of 0x%x (state, regs, stack, guard, argument, IF), diff 0x%x",
                     c->lapic_id, ap_ok[i], AP_OK_ALL, ap_bad[i]);
    }
    /* The set of APIC IDs the APs wrote is the MADT's enabled set, the BSP aside. */
    bool same = madt_n > 0;
    unsigned n = 0;
    for (unsigned m = 0; m < madt_n; m++) {
        if (!(madt[m].flags & 1) || madt[m].id == bi->bsp_lapic_id) continue;
        bool found = false;
        for (uint64_t i = 0; i < bi->cpu_count && i < MAX_CPUS; i++) found = found || (ap_ok[i] && ap_id[i] == madt[m].id);
        same = same && found;
        n++;
    }
    TK_CHECK(same && n == ap_done, "apic-ids-match-madt", "%u APs ran, %u enabled APs in the MADT", ap_done, n);
}

void tk_smp(struct kiln_boot_info *boot_info, bool started) {
    bi = boot_info;
    check_table();
    if (started) {
        check_aps();
        return;
    }
    tk_group("cpus");
    unsigned touched = 0;
    for (uint64_t i = 0; bi->cpus && i < bi->cpu_count; i++) {
        const struct kiln_cpu *c = &bi->cpus[i];
        if (c->state != KILN_CPU_BSP && (c->stack_top || c->goto_address ||
                                         (c->state != KILN_CPU_NOT_STARTED && c->state != KILN_CPU_DISABLED)))
            touched++;
    }
    TK_CHECK(touched == 0, "none-started", "%u APs not in NOT_STARTED or DISABLED, or with a stack", touched);
}
