/* handoff.c - CPU state for the kernel, then the jump (handoff.h). */
#include "common/handoff.h"

#include "x86/cpu.h"
#include "common/frames.h"
#include "core/kstring.h"
#include "core/util.h"

/* IA32_PAT: PA0..PA7 = WB, WT, UC-, UC, WP, WC, UC-, UC. Entries 0-3 keep
 * their power-on meaning, so every mapping that does not ask for PAT entry
 * 4-7 is unaffected; entry 5 (PAT=1, PWT=1) is write-combining, used for the
 * framebuffer. Nothing maps entries 4-7 before this write. */
#define PAT_VALUE UINT64_C(0x0007010500070406)

void handoff_jump(const struct handoff *h) {
    cli();
    uint64_t size = (uint64_t)(handoff_stub_end - handoff_stub);
    uint8_t *dst = phys_ptr(h->page);
    memcpy(dst, handoff_stub, size);
    struct handoff_args *a = (struct handoff_args *)(dst + align_up(size, 16));
    *a = h->args;

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
    uint32_t mxcsr = 0x1f80;
    __asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));

    /* No IDT: the loader's handlers are not mapped in the kernel's address
     * space, so pointing at them would only turn a fault into a worse one. */
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } null_idt = {0, 0};
    __asm__ volatile("lidt %0" : : "m"(null_idt));

    void (*stub)(struct handoff_args *) = (void (*)(struct handoff_args *))(uintptr_t)h->page;
    stub(a);
    halt_forever();
}
