/* tk.h - the library of Kiln's test kernels: print to COM1, record checks
 * as "[PASS] name" / "[FAIL] name: why" lines (the lines `kiln test`
 * counts), then leave QEMU through isa-debug-exit: 0x10 (exit code 33)
 * when every check passed, 0x11 otherwise. */
#ifndef TK_H
#define TK_H

#include <kiln.h>
#include <kiln/cmdline.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

void tk_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records one check. Returns cond. */
bool tk_check(bool cond, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Marks the start of a group: checks print as "[PASS] group.name". */
void tk_group(const char *group);
/* Prints the totals and exits QEMU: success iff no check failed and at
 * least one ran. */
__attribute__((noreturn)) void tk_finish(void);

/* tk_smp.c: the processor table; with started, the parked APs released. */
void tk_smp(struct kiln_boot_info *bi, bool started);

#define TK_CHECK(cond, name, ...) tk_check((cond), (name), __VA_ARGS__)

/* The few instructions the checks read the machine with. */
static inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}
#define READ_CR(n) ({ uint64_t v_; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v_)); v_; })

#endif
