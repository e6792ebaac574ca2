/* handoff.c - CPU state for the kernel, then the jump (handoff.h). */
#include "common/handoff.h"

#include "x86/cpu.h"
#include "x86/smp.h"
#include "common/frames.h"
#include "common/log.h"
#include "core/kstring.h"
#include "core/util.h"

/* IA32_PAT: PA0..PA7 = WB, WT, UC-, UC, WP, WC, UC-, UC. Entries 0-3 keep
 * their power-on meaning, so every mapping that does not ask for PAT entry
 * 4-7 is unaffected; entry 5 (PAT=1, PWT=1) is write-combining, used for the
 * framebuffer. Nothing maps entries 4-7 before this write. */
#define PAT_VALUE UINT64_C(0x0007010500070406)

/* The stub's way through protected mode (handoff.asm): its own GDT, the CR4
 * to load with paging off and the far pointer back to 64-bit code, all in
 * the stub's page. CR4.PCIDE must be clear before paging can be turned off;
 * the firmware's PCIDs mean nothing to the kernel anyway. */
static void switch_setup(const struct handoff *h, struct handoff_args *a) {
    if (h->page >= GIB(4) || h->args.cr3 >= GIB(4))
        panic("hand-off: page 0x%llx or tables 0x%llx above 4 GiB (loader bug)", (unsigned long long)h->page,
              (unsigned long long)h->args.cr3);
    uint64_t cr4 = read_cr4();
    if (cr4 & CR4_PCIDE) write_cr4(cr4 &= ~(uint64_t)CR4_PCIDE);
    cr4 = h->levels == 5 ? cr4 | CR4_LA57 : cr4 & ~(uint64_t)CR4_LA57;
    a->switch_levels = 1;
    a->cr4 = (uint32_t)cr4;
    a->tmp_gdt[0] = 0;
    a->tmp_gdt[1] = UINT64_C(0x00af9a000000ffff); /* 64-bit code */
    a->tmp_gdt[2] = UINT64_C(0x00cf92000000ffff); /* flat data */
    a->tmp_gdt[3] = UINT64_C(0x00cf9a000000ffff); /* 32-bit flat code */
    a->tmp_gdt_limit = sizeof a->tmp_gdt - 1;
    a->tmp_gdt_base = (uint64_t)(uintptr_t)a->tmp_gdt;
    a->far_offset = (uint32_t)(h->page + (uint64_t)(handoff_stub_long - handoff_stub));
    a->far_selector = 0x08;
}

void handoff_jump(const struct handoff *h) {
    cli();
    uint64_t size = (uint64_t)(handoff_stub_end - handoff_stub);
    uint8_t *dst = phys_ptr(h->page);
    memcpy(dst, handoff_stub, size);
    struct handoff_args *a = (struct handoff_args *)(dst + align_up(size, 16));
    *a = h->args;
    if (align_up(size, 16) + sizeof *a > PAGE_SIZE) panic("hand-off: the stub and its arguments outgrew a page");

    /* Mask both 8259 PICs: nothing from the firmware's world may interrupt
     * the kernel before it sets up its own IDT. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);

    /* NXE must be on before CR3 points at tables that use the NX bit. */
    uint64_t efer = rdmsr(MSR_EFER);
    if (h->nx) efer |= EFER_NXE;
    wrmsr(MSR_EFER, efer);
    wrmsr(MSR_PAT, PAT_VALUE);
    wrmsr(MSR_FS_BASE, 0);
    wrmsr(MSR_GS_BASE, 0);
    wrmsr(MSR_KERNEL_GS_BASE, 0);

    /* FPU and SSE usable: CR0.MP and NE on, EM and TS off; CR4.OSFXSR and
     * OSXMMEXCPT on; then a clean x87 state and the default MXCSR.
     * CR4.PGE off: firmware may have global TLB entries (UEFI identity
     * maps), which the CR3 switch in the stub would not flush; a kernel
     * linked low could then see the firmware's translation of its own
     * addresses. Clearing PGE flushes them; the kernel may set it again. */
    write_cr0((read_cr0() | CR0_WP | CR0_MP | CR0_NE) & ~(uint64_t)(CR0_EM | CR0_TS));
    write_cr4((read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT) & ~(uint64_t)CR4_PGE);
    if (h->switch_levels) switch_setup(h, a);
    uint32_t mxcsr = 0x1f80;
    __asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));

    /* No IDT: the loader's handlers are not mapped in the kernel's address
     * space, so pointing at them would only turn a fault into a worse one. */
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } null_idt = {0, 0};
    __asm__ volatile("lidt %0" : : "m"(null_idt));

    /* Now that CR0, CR4, EFER and PAT hold what the kernel gets, the APs
     * are started with the same values. */
    smp_start(h);

    void (*stub)(struct handoff_args *) = (void (*)(struct handoff_args *))(uintptr_t)h->page;
    stub(a);
    halt_forever();
}
