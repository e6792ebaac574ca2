/* tsc.c - TSC frequency (tsc.h). */
#include "x86/tsc.h"

#include "common/firmware_tables.h"
#include "common/log.h"
#include "core/util.h"
#include "x86/cpu.h"

#define PIT_HZ 1193182u
#define PM_HZ 3579545u

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

/* Against the ACPI PM timer (acpi_fadt_pm_timer()): 3.579545 MHz, read in
 * one port read, wrapping after 4.7 s (24 bits) or 20 minutes (32 bits),
 * so one measurement is enough where the PIT needs two. A reading is the
 * count taken between two TSC reads, the tightest of PM_TRIES kept, as for
 * the PIT. The window ends once it is both PM_WINDOW ticks (1 ms: the
 * counts' quantisation, at most one tick, is 1/3580 of it) and 4000 times
 * the two readings' widths (each reading is off by at most half its width:
 * 1/8000): at most 0.04% together, where the PIT's 2 ms of a coarser clock
 * read in three port accesses needed two measurements. A count that steps
 * backwards (half the range or more) within a reading or between the two
 * is a timer not to be trusted, as is one that does not move within 2^31
 * TSC ticks: then the PIT decides. */
#define PM_WINDOW (PM_HZ / 1000u)
#define PM_TRIES 4
#define PM_WIDTHS 4000u

struct pm_sample {
    uint32_t count;
    uint64_t tsc, width;
};

static bool pm_forward(uint32_t from, uint32_t to, uint32_t mask) { return ((to - from) & mask) <= mask / 2; }

/* The tightest of PM_TRIES readings, every count (and one more read after
 * them) no earlier than the one before. */
static bool pm_sample(uint16_t port, uint32_t mask, struct pm_sample *best) {
    best->width = UINT64_MAX;
    uint32_t prev = 0;
    for (int i = 0; i < PM_TRIES; i++) {
        uint64_t a = rdtsc();
        uint32_t v = inl(port) & mask;
        uint64_t b = rdtsc();
        if (i && !pm_forward(prev, v, mask)) return false;
        prev = v;
        if (b - a < best->width) *best = (struct pm_sample){v, a + (b - a) / 2, b - a};
    }
    return pm_forward(prev, inl(port) & mask, mask);
}

/* The wait between the two readings is a bare poll of the count: its
 * instructions are the whole cost of the window, so it is a loop of its
 * own, seven instructions a poll, and the TSC is looked at between rounds
 * of PM_POLLS only. A glitched count there only ends the wait early, and
 * the check of s1 against it then refuses the timer. Returns the count,
 * masked, that ended the wait, or 0 with *done false after PM_POLLS. */
#define PM_POLLS 4096u
static __attribute__((noinline)) uint32_t pm_wait(uint16_t port, uint32_t mask, uint32_t from, bool *done) {
    uint32_t polls = PM_POLLS, d;
    do d = (inl(port) - from) & mask;
    while (d < PM_WINDOW && --polls);
    *done = d >= PM_WINDOW;
    return (from + d) & mask;
}

static uint64_t pm_measure(uint16_t port, uint32_t mask) {
    struct pm_sample s0, s1;
    if (!pm_sample(port, mask, &s0)) return 0;
    for (;;) {
        bool done;
        uint32_t v = pm_wait(port, mask, s0.count, &done);
        if (done) {
            if (!pm_sample(port, mask, &s1) || !pm_forward(v, s1.count, mask)) return 0;
            uint32_t ticks = (s1.count - s0.count) & mask;
            uint64_t dt = s1.tsc - s0.tsc;
            if (ticks >= PM_WINDOW && dt / PM_WIDTHS >= s0.width + s1.width) {
                log_debug("tsc: PM timer window %u ticks, %llu TSC ticks; readings %llu and %llu TSC ticks wide", ticks,
                          (unsigned long long)dt, (unsigned long long)s0.width, (unsigned long long)s1.width);
                return dt * PM_HZ / ticks;
            }
        }
        if (rdtsc() - s0.tsc > (UINT64_C(1) << 31)) return 0;
    }
}

uint64_t tsc_frequency(uint64_t rsdp, const char **source) {
    uint64_t f = from_cpuid();
    *source = "CPUID";
    if (f) return f;
    /* The FADT is read only below 4 GiB, which stage 2 maps (and where
     * firmware puts it); anywhere else the PIT decides. */
    uint32_t mask;
    uint16_t port = acpi_fadt_pm_timer(rsdp, GIB(4), &mask);
    *source = "the ACPI PM timer";
    if (port && (f = pm_measure(port, mask))) return f;
    *source = "the PIT";
    return from_pit();
}
