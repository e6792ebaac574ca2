/* exceptions.h - readable CPU exceptions while the loader runs: vector,
 * decoded error code, CR2, registers and a frame-pointer stack trace on
 * every log sink, then halt (instead of a silent triple fault). */
#ifndef X86_EXCEPTIONS_H
#define X86_EXCEPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* Pushed by common/isr.asm: the general registers (r15 first, at the
 * lowest address), the vector, the error code (0 if the CPU gives none),
 * then the CPU's own interrupt frame. isr.asm pushes in exactly this order;
 * the size is asserted in exceptions.c. */
struct exc_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

/* Point vectors 0-31 at Kiln's handlers. With keep_firmware_vectors the
 * current IDT is copied first, so firmware IRQ handlers (UEFI's timer) keep
 * working; BIOS stage 2 has no 64-bit IDT to keep. Called by each platform
 * entry as early as possible. */
void exceptions_install(bool keep_firmware_vectors);
/* Deliver #DF, #SS, #GP and #PF on interrupt stack `ist` (1-7) of the TSS
 * the platform loaded: a stack overflow into a guard page can then still be
 * reported, instead of faulting again while pushing the exception frame. */
void exceptions_use_ist(unsigned ist);

#endif
