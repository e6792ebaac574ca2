/* cpus.c - phase 2b of the boot flow (boot.h): the processor table. The
 * MADT lists the processors (core/madt.c); the BSP is marked; with the
 * kernel's smp = KILN_SMP_START the APs that can be started are counted
 * (each then gets a stack, common/map.c) and the trampoline pages below
 * 1 MiB are taken while the firmware can still give them. x86/smp.c starts
 * the APs at hand-off. docs/protocol.md, section 11, is the contract. */
#include "common/boot.h"

#include "common/frames.h"
#include "common/log.h"
#include "core/madt.h"

/* ACPI tables the loader cannot read (above what it maps) are refused, not
 * followed into a page fault. */
static const uint8_t *acpi_view(void *ctx, uint64_t pa, uint64_t len) {
    (void)ctx;
    uint64_t end;
    if (!add_ok(pa, len, &end) || end > frames_limit()) return NULL;
    return phys_ptr(pa);
}

/* The MADT's processors, or NULL (with *n = 0) when there is none to read. */
static struct kiln_cpu *from_madt(const struct platform *p, size_t *n) {
    kiln_err e;
    size_t cap;
    *n = 0;
    if (!p->rsdp) {
        log_info("cpus: no ACPI tables; only the BSP is listed");
        return NULL;
    }
    if (!madt_cpus(acpi_view, NULL, p->rsdp, NULL, 0, &cap, &e)) {
        log_warn("cpus: %s; only the BSP is listed", e.msg);
        return NULL;
    }
    struct kiln_cpu *c = heap_alloc((cap + 1) * sizeof *c); /* + 1: room for a BSP the MADT left out */
    if (!c) panic("memory: no room for the table of %zu processors", cap + 1);
    if (!madt_cpus(acpi_view, NULL, p->rsdp, c + 1, cap, n, &e)) panic("cpus: the MADT changed: %s", e.msg);
    *n = MIN(*n, cap);
    return c;
}

bool cpus_startable(const struct cpu_table *t, const struct kiln_cpu *c) {
    /* An x2APIC ID above 254 cannot be addressed in xAPIC mode. */
    return t->start && c->state == KILN_CPU_NOT_STARTED && (c->lapic_id <= 0xfe || t->x2apic);
}

void cpus_find(struct platform *p, const struct machine *m, const struct kernel *k, struct cpu_table *t) {
    size_t n;
    struct kiln_cpu *c = from_madt(p, &n);
    size_t bsp = n + 1;
    for (size_t i = 0; c && i < n; i++)
        if (c[i + 1].lapic_id == m->bsp_lapic_id) bsp = i;
    if (!c || bsp > n) {
        /* Not in the MADT (or no MADT): the BSP is still the first entry. */
        if (!c && !(c = heap_alloc(sizeof *c))) panic("memory: no room for the processor table");
        if (n) log_warn("cpus: the MADT does not list the BSP (APIC ID %u); it is added", m->bsp_lapic_id);
        c[0] = (struct kiln_cpu){.acpi_uid = UINT32_MAX, .lapic_id = m->bsp_lapic_id};
        n++;
        bsp = 0;
    } else {
        c++;
    }
    c[bsp].state = KILN_CPU_BSP;
    /* x2APIC mode cannot be left without disabling the APIC: when the
     * firmware chose it, it stays. Otherwise the wish decides. */
    *t = (struct cpu_table){.cpu = c, .count = n, .bsp_lapic_id = m->bsp_lapic_id,
                            .x2apic = m->x2apic_on || (k->cfg->smp_x2apic && m->x2apic)};

    size_t enabled = 0, disabled = 0;
    for (size_t i = 0; i < n; i++) {
        enabled += c[i].state == KILN_CPU_NOT_STARTED;
        disabled += c[i].state == KILN_CPU_DISABLED;
    }
    log_info("cpus: %zu listed: the BSP (APIC ID %u), %zu APs, %zu online-capable but disabled", n, m->bsp_lapic_id,
             enabled, disabled);
    if (k->cfg->smp != KILN_SMP_START || !enabled) return;
    if (!m->tsc_frequency) {
        log_warn("smp: the TSC frequency is unknown, so the start-up delays cannot be timed; APs not started");
        return;
    }
    t->start = true;
    for (size_t i = 0; i < n; i++) t->aps += cpus_startable(t, &c[i]);
    if (t->aps < enabled)
        log_warn("smp: %zu APs have APIC IDs above 254 and the APICs stay in xAPIC mode; they are not started",
                 enabled - t->aps);
    if (t->aps && p->low_pages) t->trampoline = p->low_pages(AP_TRAMPOLINE_PAGES);
    if (!t->trampoline) {
        log_warn("smp: no memory below 1 MiB for the AP trampoline; APs not started");
        t->start = false;
        t->aps = 0;
    }
}
