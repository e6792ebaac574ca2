/* smp.c - the application processors started and parked at hand-off
 * (smp.h). Timing comes from the TSC, whose frequency the loader measured
 * (x86/tsc.c): the delays are the Intel SDM's (10 ms after INIT, 200 us
 * after each SIPI), and every wait has a limit, so an AP that never answers
 * costs at most AP_TIMEOUT_MS, never the boot. */
#include "x86/smp.h"

#include "common/frames.h"
#include "common/log.h"
#include "core/kstring.h"
#include "core/util.h"
#include "x86/cpu.h"

#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_EXTD (1u << 10)
#define APIC_BASE_EN (1u << 11)
#define MSR_X2APIC_ICR 0x830u
#define XAPIC_ICR_LOW 0x300u
#define XAPIC_ICR_HIGH 0x310u
#define ICR_PENDING (1u << 12) /* delivery status (xAPIC only) */
#define ICR_INIT 0x4500u       /* INIT, level assert */
#define ICR_SIPI 0x4600u       /* start-up, level assert; | vector */
#define AP_TIMEOUT_MS 1000u    /* from the second SIPI to the AP parked */
#define ICR_TIMEOUT_MS 100u    /* for the local APIC to accept an IPI */

static uint64_t tsc_hz;
static volatile uint32_t *xapic; /* NULL in x2APIC mode */

static uint64_t ticks_us(uint64_t us) { return tsc_hz / 1000000 * us + tsc_hz % 1000000 * us / 1000000; }

static void delay_us(uint64_t us) {
    uint64_t t0 = rdtsc(), n = ticks_us(us);
    while (rdtsc() - t0 < n) __asm__ volatile("pause");
}

/* Sends one IPI and waits for the local APIC to accept it. In x2APIC mode
 * the ICR is one MSR and has no delivery status: the write is the send. */
static bool send_ipi(uint32_t apic_id, uint32_t low) {
    if (!xapic) {
        wrmsr(MSR_X2APIC_ICR, (uint64_t)apic_id << 32 | low);
        return true;
    }
    xapic[XAPIC_ICR_HIGH / 4] = apic_id << 24;
    xapic[XAPIC_ICR_LOW / 4] = low;
    uint64_t t0 = rdtsc(), limit = ticks_us(ICR_TIMEOUT_MS * 1000);
    while (xapic[XAPIC_ICR_LOW / 4] & ICR_PENDING)
        if (rdtsc() - t0 > limit) return false;
    return true;
}

static uint32_t state_of(const struct kiln_cpu *c) { return __atomic_load_n(&c->state, __ATOMIC_ACQUIRE); }

/* Gives up on an AP: NO_RESPONSE, unless it claimed its record meanwhile. */
static void give_up(struct kiln_cpu *c, const char *why) {
    uint32_t expect = KILN_CPU_NOT_STARTED;
    if (__atomic_compare_exchange_n(&c->state, &expect, KILN_CPU_NO_RESPONSE, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        log_warn("smp: AP with APIC ID %u %s; marked not responding", c->lapic_id, why);
}

/* The trampoline page and its temporary page tables, from the BSP's state. */
static void write_trampoline(const struct handoff *h, bool la57) {
    const struct handoff_smp *s = &h->smp;
    uint64_t base = s->trampoline, code = (uint64_t)(ap_trampoline_end - ap_trampoline);
    if (code > AP_DATA_OFFSET || base + AP_TRAMPOLINE_PAGES * PAGE_SIZE > 0x100000 || base % PAGE_SIZE)
        panic("smp: the AP trampoline (%llu bytes at 0x%llx) does not fit below 1 MiB", (unsigned long long)code,
              (unsigned long long)base);
    uint8_t *page = phys_ptr(base);
    memset(page, 0, AP_TRAMPOLINE_PAGES * PAGE_SIZE);
    memcpy(page, ap_trampoline, code);
    uint64_t *pml5 = (uint64_t *)(page + PAGE_SIZE), *pml4 = pml5 + 512, *pdpt = pml4 + 512, *pd = pdpt + 512;
    pml5[0] = (base + 2 * PAGE_SIZE) | 3; /* present, writable */
    pml4[0] = (base + 3 * PAGE_SIZE) | 3;
    pdpt[0] = (base + 4 * PAGE_SIZE) | 3;
    pd[0] = 0x83;                         /* 0-2 MiB, one large page */

    struct ap_data *d = (struct ap_data *)(page + AP_DATA_OFFSET);
    d->gdt32_limit = 4 * 8 - 1;
    d->gdt32_base = (uint32_t)(base + (uint64_t)(ap_gdt32 - ap_trampoline));
    d->far32_offset = (uint32_t)(base + (uint64_t)(ap_trampoline_pm32 - ap_trampoline)), d->far32_sel = 0x08;
    d->far64_offset = (uint32_t)(base + (uint64_t)(ap_trampoline_lm64 - ap_trampoline)), d->far64_sel = 0x18;
    d->farkernel_offset = (uint32_t)(base + (uint64_t)(ap_trampoline_kernel - ap_trampoline)), d->farkernel_sel = 0x08;
    d->cr4_paging = CR4_PAE | (la57 ? CR4_LA57 : 0);
    d->tmp_cr3 = (uint32_t)(base + (la57 ? 1 : 2) * PAGE_SIZE);
    d->efer = rdmsr(MSR_EFER) & ~(uint64_t)(1u << 10); /* LMA is the CPU's to set */
    d->pat = rdmsr(MSR_PAT);
    d->cr0 = read_cr0() | CR0_PG | CR0_PE;
    d->cr4 = (read_cr4() & ~(uint64_t)CR4_LA57) | CR4_PAE | (la57 ? CR4_LA57 : 0);
    d->cr3 = h->args.cr3;
    d->gdt_limit = h->args.gdt_limit;
    d->gdt_base = h->args.gdt_base;
    d->cpus = s->cpus_virt;
    d->count = s->count;
    d->mxcsr = 0x1f80;
    uint32_t a, b, c, dx, max;
    cpuid(0, 0, &max, &b, &c, &dx);
    cpuid(1, 0, &a, &b, &c, &dx);
    d->flags = (s->x2apic ? AP_FLAG_X2APIC : 0) | (c & (1u << 3) ? AP_FLAG_MWAIT : 0);
    if (max >= 0xb) {
        cpuid(0xb, 0, &a, &b, &c, &dx);
        if (b & 0xffff) d->flags |= AP_FLAG_LEAF_B;
    }
}

static void apic_init(const struct handoff_smp *s) {
    uint64_t apic_base = rdmsr(MSR_APIC_BASE);
    if (s->x2apic && !(apic_base & APIC_BASE_EXTD)) {
        /* Disabled -> x2APIC directly faults: through xAPIC (EN) first. */
        if (!(apic_base & APIC_BASE_EN)) wrmsr(MSR_APIC_BASE, apic_base |= APIC_BASE_EN);
        wrmsr(MSR_APIC_BASE, apic_base | APIC_BASE_EXTD);
        apic_base |= APIC_BASE_EXTD;
    }
    xapic = apic_base & APIC_BASE_EXTD ? NULL : phys_ptr(apic_base & UINT64_C(0xffffff000));
}

void smp_start(const struct handoff *h) {
    const struct handoff_smp *s = &h->smp;
    if (!s->x2apic && !s->start) return;
    tsc_hz = s->tsc_frequency;
    apic_init(s);
    if (!s->start) return;
    /* The kernel's tables have as many levels as the boot info says; the
     * AP must turn paging on with CR4.LA57 matching them. */
    write_trampoline(h, h->bi->paging_levels == 5);
    uint32_t vector = (uint32_t)(s->trampoline >> 12);
    struct kiln_cpu *cpus = s->cpus;
    uint32_t asked = 0, parked = 0;
    for (uint64_t i = 0; i < s->count; i++) { /* INIT to every AP, then the one 10 ms wait */
        struct kiln_cpu *c = &cpus[i];
        if (c->state != KILN_CPU_NOT_STARTED || !c->stack_top) continue;
        asked++;
        if (!send_ipi(c->lapic_id, ICR_INIT)) give_up(c, "did not accept INIT");
    }
    delay_us(10000);
    uint64_t first_sipi = 0, last_parked = 0;
    for (uint64_t i = 0; i < s->count; i++) {
        struct kiln_cpu *c = &cpus[i];
        if (state_of(c) != KILN_CPU_NOT_STARTED || !c->stack_top) continue;
        if (!first_sipi) first_sipi = rdtsc();
        bool sent = send_ipi(c->lapic_id, ICR_SIPI | vector);
        delay_us(200);
        sent = sent && (state_of(c) != KILN_CPU_NOT_STARTED || send_ipi(c->lapic_id, ICR_SIPI | vector));
        if (!sent) {
            give_up(c, "did not accept a SIPI");
            continue;
        }
        uint64_t t0 = rdtsc(), limit = ticks_us(AP_TIMEOUT_MS * 1000);
        while (state_of(c) == KILN_CPU_NOT_STARTED && rdtsc() - t0 < limit) __asm__ volatile("pause");
        if (state_of(c) == KILN_CPU_NOT_STARTED) give_up(c, "did not reach its park within 1 s");
        if (state_of(c) == KILN_CPU_PARKED) parked++, last_parked = rdtsc();
    }
    log_info("smp: %u of %u APs parked (%s), %llu us from the first SIPI to the last AP parked", parked, asked,
             xapic ? "xAPIC" : "x2APIC",
             (unsigned long long)(last_parked ? (last_parked - first_sipi) * 1000000 / tsc_hz : 0));
}
