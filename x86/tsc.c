/* tsc.c - TSC frequency (tsc.h). */
#include "x86/tsc.h"

#include "x86/cpu.h"

#define PIT_HZ 1193182u

static uint64_t from_cpuid(void) {
    uint32_t a, b, c, d, max;
    cpuid(0, 0, &max, &b, &c, &d);
    if (max >= 0x15) {
        cpuid(0x15, 0, &a, &b, &c, &d); /* TSC/crystal ratio b/a, crystal c Hz */
        if (a && b && c) return (uint64_t)c * b / a;
    }
    /* Many CPUs give the ratio but no crystal frequency (Skylake to Coffee
     * Lake clients: ECX = 0); their base frequency (leaf 0x16, MHz) is the
     * TSC frequency to well within a percent. */
    if (max >= 0x16) {
        cpuid(0x16, 0, &a, &b, &c, &d);
        if (a & 0xffff) return (uint64_t)(a & 0xffff) * 1000000;
    }
    /* Under a hypervisor, leaf 0x40000010 (the VMware convention, which
     * QEMU/KVM, VMware and others follow) gives the TSC frequency in kHz. */
    cpuid(1, 0, &a, &b, &c, &d);
    if (c & (1u << 31)) {
        cpuid(0x40000000, 0, &max, &b, &c, &d);
        if (max >= 0x40000010 && max < 0x40010000) {
            cpuid(0x40000010, 0, &a, &b, &c, &d);
            if (a) return (uint64_t)a * 1000;
        }
    }
    return 0;
}

/* 2 ms against the PIT: the count starts on the gate's edge and its end is
 * seen within one port read (about a microsecond), so the error stays near
 * 0.1%; a longer wait would only cost boot time. */
#define PIT_CALIBRATE_PER_S 500u

static uint64_t from_pit(void) {
    const uint32_t ticks = PIT_HZ / PIT_CALIBRATE_PER_S;
    uint8_t gate = inb(0x61);
    outb(0x61, (uint8_t)((gate & ~0x02) | 0x01)); /* speaker off, gate channel 2 on */
    outb(0x43, 0xb0);                             /* channel 2, lobyte/hibyte, mode 0 */
    outb(0x42, ticks & 0xff);
    outb(0x42, (uint8_t)(ticks >> 8));
    /* Mode 0 starts counting on the gate's rising edge: drop and raise it. */
    outb(0x61, (uint8_t)(inb(0x61) & ~0x01));
    outb(0x61, (uint8_t)(inb(0x61) | 0x01));
    uint64_t t0 = rdtsc(), t1;
    /* OUT2 goes high when the count reaches 0. On chipsets that gate the
     * 8254's clock it never does: give up after 2^31 TSC ticks (under a
     * second at 2.2 GHz and above), not after a count of port reads, which
     * can take a microsecond each on real hardware. */
    while (!(inb(0x61) & 0x20)) {
        if (rdtsc() - t0 > (UINT64_C(1) << 31)) {
            outb(0x61, gate);
            return 0;
        }
    }
    t1 = rdtsc();
    outb(0x61, gate);
    return (t1 - t0) * PIT_CALIBRATE_PER_S;
}

uint64_t tsc_frequency(void) {
    uint64_t f = from_cpuid();
    return f ? f : from_pit();
}
