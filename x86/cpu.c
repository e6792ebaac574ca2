/* cpu.c - CPUID feature detection. */
#include "x86/cpu.h"

void cpu_detect(struct cpu_features *f) {
    uint32_t a, b, c, d;
    *f = (struct cpu_features){0};
    cpuid(0, 0, &a, &b, &c, &d);
    f->max_leaf = a;
    cpuid(1, 0, &a, &b, &c, &d);
    f->pat = d & (1u << 16);
    f->sse2 = d & (1u << 26);
    f->rdrand = c & (1u << 30);
    f->x2apic = c & (1u << 21);
    f->apic_id = b >> 24;
    if (f->max_leaf >= 0xb) { /* the same rule as the AP trampoline's (x86/smp.c) */
        cpuid(0xb, 0, &a, &b, &c, &d);
        if (b & 0xffff) f->apic_id = d;
    }
    if (f->max_leaf >= 7) {
        cpuid(7, 0, &a, &b, &c, &d);
        f->rdseed = b & (1u << 18);
        f->la57 = c & (1u << 16);
    }
    cpuid(0x80000000u, 0, &a, &b, &c, &d);
    f->max_ext_leaf = a;
    if (f->max_ext_leaf >= 0x80000001u) {
        cpuid(0x80000001u, 0, &a, &b, &c, &d);
        f->nx = d & (1u << 20);
        f->gbpages = d & (1u << 26);
    }
    if (f->max_ext_leaf >= 0x80000007u) {
        cpuid(0x80000007u, 0, &a, &b, &c, &d);
        f->invariant_tsc = d & (1u << 8);
    }
}
