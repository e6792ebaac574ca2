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

/* Against PIT channel 2, counting down freely from 0xffff (mode 0, about
 * 55 ms to wrap): the count and the TSC are read together at the start and
 * after about 2 ms, and the frequency is the ratio of the two differences.
 * Each reading is the count latched between two TSC reads; of a few
 * attempts the tightest pair is kept, so a pause of the CPU (an SMI, or a
 * virtual CPU descheduled by its host) anywhere else costs nothing: both
 * clocks run on through it. The error is the width of that pair, a few
 * port reads against 2 ms: well under 0.1%. */
#define PIT_WINDOW (PIT_HZ / 500u) /* 2 ms of PIT ticks */
#define PIT_TRIES 4

struct pit_sample {
    uint16_t count;
    uint64_t tsc, width;
};

static struct pit_sample pit_sample(void) {
    struct pit_sample best = {0, 0, UINT64_MAX};
    for (int i = 0; i < PIT_TRIES; i++) {
        uint64_t a = rdtsc();
        outb(0x43, 0x80); /* latch channel 2's count */
        uint8_t lo = inb(0x42), hi = inb(0x42);
        uint64_t b = rdtsc();
        if (b - a < best.width) best = (struct pit_sample){(uint16_t)(lo | hi << 8), a + (b - a) / 2, b - a};
    }
    return best;
}

static uint64_t pit_measure(void) {
    uint8_t gate = inb(0x61);
    outb(0x61, (uint8_t)((gate & ~0x02) | 0x01)); /* speaker off, gate channel 2 on */
    outb(0x43, 0xb0);                             /* channel 2, lobyte/hibyte, mode 0 */
    outb(0x42, 0xff);
    outb(0x42, 0xff);
    struct pit_sample s0 = pit_sample(), s1;
    /* On chipsets that gate the 8254's clock the count never moves: give
     * up after 2^31 TSC ticks (under a second at 2.2 GHz and above), not
     * after a count of port reads, which can take a microsecond each. */
    do {
        s1 = pit_sample();
        if (s1.tsc - s0.tsc > (UINT64_C(1) << 31)) {
            outb(0x61, gate);
            return 0;
        }
    } while ((uint16_t)(s0.count - s1.count) < PIT_WINDOW);
    outb(0x61, gate);
    return (s1.tsc - s0.tsc) * PIT_HZ / (uint16_t)(s0.count - s1.count);
}

/* A pause longer than the 55 ms the count takes to wrap would make the
 * count's difference wrong and the frequency too high: of two measurements
 * the lower is kept. */
static uint64_t from_pit(void) {
    uint64_t a = pit_measure(), b = a ? pit_measure() : 0;
    return b && b < a ? b : a;
}

uint64_t tsc_frequency(void) {
    uint64_t f = from_cpuid();
    return f ? f : from_pit();
}
