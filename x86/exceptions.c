/* exceptions.c - the loader's exception dump (exceptions.h). */
#include "x86/exceptions.h"

#include "x86/cpu.h"
#include "core/kstring.h"
#include <kiln/fmt.h>
#include "common/log.h"

_Static_assert(sizeof(struct exc_frame) == 22 * 8, "isr.asm pushes 22 quadwords");

struct idt_entry {
    uint16_t off_lo, sel;
    uint8_t ist, attr;
    uint16_t off_mid;
    uint32_t off_hi, zero;
};
struct __attribute__((packed)) idtr {
    uint16_t limit;
    uint64_t base;
};

extern const uint64_t isr_table[32]; /* isr.asm */
static struct idt_entry idt[256] __attribute__((aligned(16)));

void exceptions_install(bool keep_firmware_vectors) {
    struct idtr cur;
    uint16_t cs;
    __asm__ volatile("sidt %0" : "=m"(cur));
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    size_t keep = MIN((size_t)cur.limit + 1, sizeof idt);
    if (keep_firmware_vectors && cur.base && keep >= sizeof(struct idt_entry))
        memcpy(idt, (const void *)(uintptr_t)cur.base, keep);
    for (int v = 0; v < 32; v++) {
        uint64_t h = isr_table[v];
        idt[v] = (struct idt_entry){(uint16_t)h, cs, 0, 0x8e, (uint16_t)(h >> 16), (uint32_t)(h >> 32), 0};
    }
    struct idtr mine = {sizeof idt - 1, (uint64_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(mine));
}

void exceptions_use_ist(unsigned ist) {
    static const int vectors[] = {8, 12, 13, 14};
    for (unsigned i = 0; i < ARRAY_LEN(vectors); i++) idt[vectors[i]].ist = (uint8_t)(ist & 7);
}

static const char *names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
    "#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
    "#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved", "#MF x87 error", "#AC alignment check", "#MC machine check",
    "#XM SIMD error", "#VE virtualization", "#CP control protection",
};

void exception_dispatch(struct exc_frame *f);
void exception_dispatch(struct exc_frame *f) {
    uint64_t v = f->vector & 31;
    if (v == 14)
        log_write(LOG_ERROR, "page fault: %s %s in %s mode%s", f->error & 1 ? "protection violation on" : "not-present page on",
                  f->error & 16 ? "instruction fetch" : f->error & 2 ? "write" : "read",
                  f->error & 4 ? "user" : "supervisor", f->error & 8 ? " (reserved bit set in a page table)" : "");
    else if (v == 13 && f->error)
        log_write(LOG_ERROR, "error code is selector 0x%llx%s", (unsigned long long)(f->error & ~7ull),
                  f->error & 2 ? " in the IDT" : "");
    log_write(LOG_ERROR, "CPU exception %llu (%s), error code 0x%llx", (unsigned long long)f->vector,
              names[v] ? names[v] : "reserved", (unsigned long long)f->error);
    log_write(LOG_ERROR, "RIP %016llx CS %04llx RFLAGS %08llx RSP %016llx SS %04llx", (unsigned long long)f->rip,
              (unsigned long long)f->cs, (unsigned long long)f->rflags, (unsigned long long)f->rsp,
              (unsigned long long)f->ss);
    log_write(LOG_ERROR, "CR0 %08llx CR2 %016llx CR3 %016llx CR4 %08llx", (unsigned long long)read_cr0(),
              (unsigned long long)read_cr2(), (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
    log_write(LOG_ERROR, "RAX %016llx RBX %016llx RCX %016llx RDX %016llx", (unsigned long long)f->rax,
              (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
    log_write(LOG_ERROR, "RSI %016llx RDI %016llx RBP %016llx R8  %016llx", (unsigned long long)f->rsi,
              (unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->r8);
    log_write(LOG_ERROR, "R9  %016llx R10 %016llx R11 %016llx R12 %016llx", (unsigned long long)f->r9,
              (unsigned long long)f->r10, (unsigned long long)f->r11, (unsigned long long)f->r12);
    log_write(LOG_ERROR, "R13 %016llx R14 %016llx R15 %016llx", (unsigned long long)f->r13,
              (unsigned long long)f->r14, (unsigned long long)f->r15);
    /* Walk the frame-pointer chain (the loader is built with frame
     * pointers). Only follow pointers that move up the same stack by less
     * than 1 MiB, so a corrupt RBP cannot fault inside the handler. */
    uint64_t rbp = f->rbp, low = f->rsp;
    char line[200];
    size_t len = 0;
    for (int i = 0; i < 16 && rbp >= low && rbp - low < MIB(1) && !(rbp & 7); i++) {
        const uint64_t *fp = (const uint64_t *)(uintptr_t)rbp;
        uint64_t ret = fp[1];
        if (!ret) break;
        len += (size_t)kiln_snprintf(line + len, sizeof line - len, " %llx", (unsigned long long)ret);
        if (len >= sizeof line - 20) break;
        low = rbp + 16;
        rbp = fp[0];
    }
    if (len) log_write(LOG_ERROR, "call stack:%s", line);
    panic("CPU exception %llu (%s) at RIP 0x%llx", (unsigned long long)f->vector, names[v] ? names[v] : "reserved",
          (unsigned long long)f->rip);
}
