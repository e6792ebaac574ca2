; handoff.asm - the kernel entry trampoline, copied by handoff_jump() into a
; page identity-mapped in both the loader's and the kernel's page tables.
; Position independent: it runs from wherever that page is.
;
; In:  RDI = struct handoff_args * (identity-mapped, in the same page)
; Out: kernel entry with RDI = boot info, RSP = stack top - 8 (a zero return
;      address, so RSP+8 is 16-byte aligned as after a call), RBP = 0, every
;      other general register 0, RFLAGS.IF = 0, CS = 0x08, data segments 0x10.
bits 64
default rel
%include "x86/asm-offsets.inc"

section .rodata
global handoff_stub, handoff_stub_end
handoff_stub:
    mov rax, [rdi + HANDOFF_CR3]
    mov cr3, rax                    ; from here on: the kernel's address space,
    mov rsp, [rdi + HANDOFF_RSP]    ; where the loader's stack is not mapped
    lgdt [rdi + HANDOFF_GDT_LIMIT]  ; GDT base is a kernel virtual address
    ; reload CS with a far return: push selector, push target, retfq
    push 0x08
    lea rax, [rel .cs_loaded]
    push rax
    retfq
.cs_loaded:
    mov eax, 0x10
    mov ds, eax
    mov es, eax
    mov ss, eax
    mov fs, eax                     ; loading FS/GS zeroes their bases too
    mov gs, eax
    push 0                          ; return address: the entry must not return
    push qword [rdi + HANDOFF_ENTRY] ; popped by the final `ret`, so RAX ends up 0 too
    mov rdi, [rdi + HANDOFF_BOOT_INFO]
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor ebp, ebp
    xor r8d, r8d
    xor r9d, r9d
    xor r10d, r10d
    xor r11d, r11d
    xor r12d, r12d
    xor r13d, r13d
    xor r14d, r14d
    xor r15d, r15d
    ret                             ; to the entry point, RSP = stack top - 8
handoff_stub_end:
